/* SPDX-License-Identifier: MIT */
/* Shared pieces of the ipcx command: the command table and helpers. */
#ifndef IPCX_TOOL_H
#define IPCX_TOOL_H

#include <ipcx.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

/* Prints to stderr with control bytes written \xHH (all but a last
 * newline): an address or a name given on the command line never puts
 * an escape sequence on the terminal, nor splits a message. */
void tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit statuses (doc/HACKING.md, The tool). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_TIMEOUT = 3 };

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	int min_args, max_args; /* positional arguments; -1: no maximum */
	const char *summary;
	const char *usage; /* the --help text, before the columns */
	/* Its tables' columns (--help lists them), ending with a NULL
	 * title; NULL: it prints no table. */
	const struct tool_cols *tables;
};

extern const struct command cmd_info, cmd_send, cmd_recv, cmd_relay, cmd_serve,
	cmd_shm, cmd_sem, cmd_lock, cmd_bench, cmd_ls, cmd_rm;

/* Prints CMD's help to F. */
void tool_help(const struct command *cmd, FILE *f);

struct option;

/*
 * getopt_long() for CMD, with -V/--version added to every command and
 * an error said once, as "ipcx CMD: unrecognized option '--x'" and the
 * "Try" line (getopt's own message is off).  After either it returns
 * TOOL_OPT_DONE and *STATUS is the exit status (EXIT_OK after the
 * version, EXIT_USAGE after an error).
 */
enum { TOOL_OPT_DONE = -2 };
int tool_getopt(const struct command *cmd, int argc, char **argv,
		const char *shorts, const struct option *longs, int *status);

/* Checks the count of positional arguments; prints usage on error. */
bool tool_args_ok(const struct command *cmd, int n);

/* A usage error: one line on stderr, returns EXIT_USAGE. */
int tool_usage(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A runtime failure ERR about ADDR: prints the library's detail. */
int tool_fail(int err, const char *addr);

/*
 * Parses ADDR once (with DEFAULTS, may be NULL) into *OUT, for the _addr
 * functions of the library: a malformed address is EXIT_USAGE, and so is
 * one whose facility has none of the IPCX_CAP_* bits of CAPS (0: any), so
 * that a command never acts on (or removes) another kind of object
 * ("not KINDS").  EXIT_OK, and *OUT to ipcx_addr_free().
 */
int tool_parse(const struct command *cmd, const char *addr,
	       const char *defaults, unsigned caps, const char *kinds,
	       struct ipcx_addr **out);

#define TOOL_N(a) (sizeof(a) / sizeof((a)[0]))

/* A column of a table: its heading, the caller's field number, width
 * hint, SCOLS_FL_* flags, SCOLS_JSON_* type and what it shows. */
struct tool_col {
	const char *name;
	int field;
	double whint;
	int flags;
	int json;
	const char *help;
};

/* A table of a command: its columns, and those shown by default
 * (comma-separated; NULL: all).  TITLE heads them in --help. */
struct tool_cols {
	const char *title;
	const struct tool_col *cols;
	size_t n;
	const char *defaults;
};

struct libscols_table;

/* A table named NAME (its key in JSON) with util-linux's output options. */
struct libscols_table *tool_table(const char *name, bool json, bool noheadings,
				  bool raw);

/* Picks the columns of T that OUTPUT names ("ADDRESS,SIZE", any case;
 * "+A,B": the defaults and those; NULL: the defaults), into SEL (room
 * for T->n) as indexes into T->cols.  The count, or -1 after a usage
 * message for an unknown column. */
int tool_pick_columns(const struct tool_cols *t, const char *output, int *sel,
		      const struct command *cmd);

/* tool_pick_columns(), then adds them to TB; SEL receives their fields. */
int tool_columns(struct libscols_table *tb, const struct tool_cols *t,
		 const char *output, int *sel, const struct command *cmd);

/* The terminal's width for tables: COLUMNS when set (also when the output
 * is not a terminal: a caller's explicit width), else stdout's terminal
 * width, else 0 (no limit: a pipe or file gets whole lines). */
size_t tool_termwidth(void);

/* Fits TB to the terminal (tool_termwidth(); nothing when there is no
 * limit): hides the columns named in DROP (NULL-ended, the least needed
 * first) while the table is wider than the terminal, counting columns
 * that truncate or wrap at a few characters.  The names hidden go to
 * LEFT (comma-separated); their count is returned. */
int tool_fit(struct libscols_table *tb, const char *const *drop, char *left,
	     size_t leftlen);

/* Prints TEXT to F wrapped at spaces to WIDTH (0: one line), the lines
 * after the first indented by INDENT spaces. */
void tool_wrap(FILE *f, const char *text, size_t width, size_t indent);

/* --list-columns: T's columns (NAME, TYPE, DESCRIPTION) as a table with
 * the output options given.  An exit status. */
int tool_list_columns(const struct tool_cols *t, bool json, bool noheadings,
		      bool raw);

/* Options shared by send/recv/relay that mirror address options. */
struct addr_flags {
	const char *timeout, *mode, *type, *prio;
	bool create, nonblock;
};

/* Builds the defaults string for ipcx_open_with() from F. */
void tool_defaults(const struct addr_flags *f, char *out, size_t n);

/*
 * Opens ADDR: checks it first (a malformed address is EXIT_USAGE), then
 * opens and, when it listens, accepts one connection.  Returns an exit
 * status; *OUT is set on EXIT_OK.  LISTENER, when not NULL, receives a
 * listening channel instead of accepting (recv -k accepts in a loop).
 */
int tool_open(const struct command *cmd, const char *addr, const char *defaults,
	      unsigned flags, struct ipcx_chan **out,
	      struct ipcx_chan **listener);

/*
 * Accepts one connection on L (warning about refused peers) into *OUT,
 * which is tracked.  Unless KEEP, or on failure, L is closed.  Returns an
 * exit status.
 */
int tool_accept(struct ipcx_chan *l, const char *addr, struct ipcx_chan **out,
		bool keep);

/* Channels whose names must go when a signal ends the tool. */
void tool_track(struct ipcx_chan *c);
void tool_untrack(struct ipcx_chan *c);
/* Untracks and closes C. */
int tool_close(struct ipcx_chan *c);

/* The counters of a transfer (progress.c): --progress shows them on stderr
 * as it goes (SHOW), SIGUSR1 prints them once (always: a SIGUSR1 never
 * ends send, recv or relay), tool_progress_end() a last time. */
void tool_progress_start(const char *command, bool show);
void tool_progress_add(unsigned long long msgs, unsigned long long bytes);
void tool_progress_end(void);

/* ipcx_recv() (no metadata) and ipcx_send(), waiting on through a signal
 * that is no stop (SIGUSR1): -EINTR only once a stop signal came. */
ssize_t tool_read(struct ipcx_chan *c, void *buf, size_t len);
ssize_t tool_send(struct ipcx_chan *c, const void *buf, size_t len,
		  const struct ipcx_meta *m);

/* Largest message the tool makes room for. */
#define TOOL_MAX_MESSAGE (256u << 20)

/*
 * ipcx_recv() into *BUF, growing it when a message needs more room (up
 * to TOOL_MAX_MESSAGE, beyond which it says so and returns -EMSGSIZE);
 * ipcx_try_recv() with NOWAIT.
 */
ssize_t tool_recv(struct ipcx_chan *c, const char *addr, bool nowait,
		  unsigned char **buf, size_t *cap, struct ipcx_meta *m);

/*
 * Signals that end the tool (SIGINT, SIGTERM, SIGHUP).  tool_signals():
 * remove what the tool created and die of the signal.  A command that
 * moves messages calls tool_defer_signals() first: a signal then sets
 * tool_stop, and interrupts a wait in progress (channels opened with
 * IPCX_INTR return -EINTR); the command writes out what it took and
 * returns; main() calls tool_finish(), which dies of the signal.
 * tool_hold_signals(true) holds them while a message is written out.
 */
extern volatile sig_atomic_t tool_stop;
void tool_signals(void);
bool tool_defer_signals(void);
void tool_hold_signals(bool hold);
int tool_finish(int status);

/* Writes all of BUF to fd 1; false on failure (stdout gone). */
bool tool_write_out(const void *buf, size_t len);
/* Writes BUF and SEP (one byte, or none for NULL) to fd 1 in one write
 * where stdout takes it whole. */
bool tool_write_msg(const void *buf, size_t len, const char *sep);

/* Whether BUF is valid UTF-8 (then it can be a JSON string). */
bool tool_utf8_valid(const unsigned char *buf, size_t len);
/* Writes valid UTF-8 BUF as a JSON string, or any BUF as base64 text. */
void tool_json_string(FILE *f, const unsigned char *buf, size_t len);
void tool_json_base64(FILE *f, const unsigned char *buf, size_t len);
/* One message as a JSON object on a line: data (or data_base64), size,
 * and type, prio, pid, uid, from where M has them (M may be NULL). */
void tool_json_message(FILE *f, const unsigned char *data, size_t len,
		       const struct ipcx_meta *m);

/* The relay engine (relay.c): copies between C[0] and C[1] (named
 * ADDR[0], ADDR[1]) until both end, as ipcx relay says; closes both.
 * Returns an exit status. */
struct tool_relay_opts {
	bool oneway;		 /* from C[0] to C[1] only */
	long long linger_ms;	 /* after one side ends; -1: no limit */
	const char *dead_letter; /* --dead-letter FILE, or NULL */
};
int tool_relay(struct ipcx_chan *c[2], const char *addr[2],
	       const struct tool_relay_opts *o);

/*
 * A listener on ADDR that serves each connection in a process of its
 * own (forks.c: ipcx serve, relay --fork): FN(connection, ADDR, ARG)
 * runs in the child, which ends with FN's exit status.  Until a stop
 * signal, or until COUNT connections (-1: no end) have been served and
 * their processes ended; at most MAX at once.  With VERBOSE, one line
 * per connection and per child that ends (its exit status or signal).
 * A stop signal closes the listener and is passed to the children,
 * which are waited for.  Returns an exit status (with COUNT: EXIT_FAIL
 * when a child did not exit 0).
 */
#define TOOL_FORK_MAX 64
struct tool_fork_opts {
	int max, count;
	bool verbose;
};
typedef int (*tool_serve_fn)(struct ipcx_chan *c, const char *addr, void *arg);
int tool_fork_server(const struct command *cmd, const char *addr,
		     const struct tool_fork_opts *o, tool_serve_fn fn,
		     void *arg);
/* Parses a count from 1 to 1000000 given to option NAME; a usage error
 * (printed) makes it false. */
bool tool_count_arg(const struct command *cmd, const char *name,
		    const char *text, int *out);
/* -m/--max N or -n/--connections N (OPT 'm' or 'n') into O. */
bool tool_fork_opt(const struct command *cmd, int opt, const char *arg,
		   struct tool_fork_opts *o);

/* Whether ipcx_recv() returning 0 on C means end of stream. */
bool tool_zero_is_eof(const struct ipcx_chan *c);
/* Whether C carries a byte stream without message boundaries. */
bool tool_is_raw_stream(const struct ipcx_chan *c);

#endif
