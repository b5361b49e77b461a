/* SPDX-License-Identifier: MIT */
/* Internal interfaces shared by the core and the facility files. */
#ifndef IPCX_INTERNAL_H
#define IPCX_INTERNAL_H

#include "ipcx.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define IPCX__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors (error.c) -------------------------------------------------- */

/* Copies IN to OUT (N bytes) with control bytes written \xHH, as
 * util-linux does; never cuts an escape in half.  Returns the length. */
size_t ipcx__escape(char *out, size_t n, const char *in);

/* Records a detail ("ADDR: what went wrong", control bytes escaped) and
 * returns -ERR. */
int ipcx__fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The common failures of opening a named object of KIND ("queue", "FIFO")
 * in words: ENOENT (who creates it), EEXIST (excl=1), EACCES (its mode);
 * anything else as "WHAT: strerror".  Returns -ERR.
 */
int ipcx__fail_open(const char *addr, int err, const char *kind,
		    const char *what);

/* ---- structs that grow (chan.c) ---------------------------------------
 *
 * This release's sizes of the structs a caller allocates: what
 * struct_size 0 means, frozen (a later release that adds a field keeps
 * these and compares struct_size with them).
 */
#define IPCX__END(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))
#define IPCX__META_V1 IPCX__END(struct ipcx_meta, peer)
#define IPCX__CHAN_INFO_V1 IPCX__END(struct ipcx_chan_info, queued)

/* The bytes of a caller's struct the library may touch: its
 * struct_size, or V1 for 0.  -EINVAL (WHAT names it) for a size that is
 * neither 0 nor between V1 and this build's sizeof, NOW. */
int ipcx__struct_size(size_t given, size_t v1, size_t now, const char *what,
		      size_t *out);

/* ---- options (addr.c): doc/HACKING.md, Options ------------------------ */

enum ipcx__opt_kind {
	IPCX__OPT_BOOL,	  /* 1/0, yes/no, true/false, on/off; bare "name" */
	IPCX__OPT_INT,	  /* a decimal integer in [min, max] */
	IPCX__OPT_SIZE,	  /* bytes with K, M, G, T (powers of 1024) */
	IPCX__OPT_MS,	  /* milliseconds, or Ns, Nms */
	IPCX__OPT_MODE,	  /* octal permission bits, 0 to 0777 */
	IPCX__OPT_ENUM,	  /* one of names[]: its index */
	IPCX__OPT_CUSTOM, /* parse() decides */
};

/* Roles an option applies to (struct ipcx__opt.roles). */
#define IPCX__ROLE_CHAN 0x1u
#define IPCX__ROLE_REGION 0x2u
#define IPCX__ROLE_SEM 0x4u
#define IPCX__ROLE_LOCK 0x8u
#define IPCX__ROLE_ALL 0xfu

struct ipcx__opt {
	struct ipcx_option pub; /* first: what ipcx info shows */
	enum ipcx__opt_kind kind;
	unsigned roles;		  /* IPCX__ROLE_* it applies to */
	long long min, max;	  /* INT and SIZE: the range */
	long long def;		  /* the value where none is given */
	const char *const *names; /* ENUM: NULL-terminated */
	/* CUSTOM: 0 and *OUT, or -1 (the core names the option, the value
	 * and what it wants: pub.value). */
	int (*parse)(const char *v, long long *out);
	/* BOOL: the open flag it sets (=1) or clears (=0), and the flags
	 * that setting it clears (listen=1 clears IPCX_CONNECT). */
	unsigned flag, clears;
};

/* The options common to all schemes, a bit each in a facility's
 * "common" mask: which of them it accepts. */
#define IPCX__COMMON_CREATE 0x01u
#define IPCX__COMMON_EXCL 0x02u
#define IPCX__COMMON_MODE 0x04u
#define IPCX__COMMON_TIMEOUT 0x08u
#define IPCX__COMMON_NONBLOCK 0x10u
#define IPCX__COMMON_INTR 0x20u
#define IPCX__COMMON_ALL 0x3fu
#define IPCX__COMMON_WAITS \
	(IPCX__COMMON_TIMEOUT | IPCX__COMMON_NONBLOCK | IPCX__COMMON_INTR)

/* Most options a facility declares. */
#define IPCX__OPTS_MAX 12

/* Sentinel of a common option that was not given. */
#define IPCX__UNSET (-1)

/* Bytes a facility may keep of what its parse() made of TARGET. */
#define IPCX__ADDR_PRIV 160

/* A parsed address: in the caller's storage inside the library, on the
 * heap (with its own copy of the text) from ipcx_addr_parse(). */
struct ipcx_addr {
	const struct ipcx__facility *ops;
	const char *text; /* the address as given (for messages) */
	char *target;	  /* decoded TARGET, owned */
	char *own_text;	  /* ipcx_addr_parse()'s copy of the text */
	/* Common options: 0/1, or IPCX__UNSET. */
	int create, excl, nonblock, intr;
	int mode;	       /* permission bits, or IPCX__UNSET */
	int timeout;	       /* milliseconds, or IPCX__UNSET */
	unsigned common_given; /* IPCX__COMMON_* that appeared */
	/* The facility's options, by their index in its table. */
	long long val[IPCX__OPTS_MAX];
	unsigned given; /* bit I: option I of the table appeared */
	/* The facility's parsed TARGET (see ipcx__addr_priv()). */
	union {
		long long align_ll;
		void *align_p;
		unsigned char bytes[IPCX__ADDR_PRIV];
	} priv;
};

/* The facility's private view of A's parsed target: TYPE must fit. */
#define ipcx__addr_priv(a, type)                                       \
	((void)sizeof(char[sizeof(type) <= IPCX__ADDR_PRIV ? 1 : -1]), \
	 (type *)(void *)(a)->priv.bytes)

/* The value of option O in A: what the address (or its defaults) gave,
 * else O's default.  O must be in A's facility's table, else its default. */
long long ipcx__opt(const struct ipcx_addr *a, const struct ipcx__opt *o);
/* Whether the address (or its defaults) gave O. */
bool ipcx__opt_given(const struct ipcx_addr *a, const struct ipcx__opt *o);
/* The text of option O as A's address gave it (decoded), into OUT (N
 * bytes): 1, 0 when it is not there, -EINVAL when longer.  For options
 * whose value is text (a CUSTOM parse that accepts any). */
int ipcx__opt_text(const struct ipcx_addr *a, const struct ipcx__opt *o,
		   char *out, size_t n);
/* Makes A as if it had not given O (its default applies). */
void ipcx__opt_forget(struct ipcx_addr *a, const struct ipcx__opt *o);
/* Permission bits to create with: mode=, else 0600. */
unsigned ipcx__addr_mode(const struct ipcx_addr *a);
/* follow=: whether a path the library opens (for writing: a mapped
 * file, a FIFO, a lock file) may be a symbolic link.  ipcx__nofollow()
 * is O_NOFOLLOW unless the address says follow=1 (facilities without the
 * option never follow); ipcx__fail_link() is -ELOOP, saying so. */
extern const struct ipcx__opt ipcx__opt_follow;
int ipcx__nofollow(const struct ipcx_addr *a);
int ipcx__fail_link(const struct ipcx_addr *a);

/*
 * Parses TEXT into A.  DEFAULTS ("timeout=5&create=1", may be NULL) are
 * options that apply where TEXT does not give them.  PAIR: TEXT is
 * "SCHEME[:?OPTS]" for ipcx_pair(), with no target.  -EINVAL with a detail.
 */
int ipcx__addr_parse(const char *text, const char *defaults, bool pair,
		     struct ipcx_addr *a);
void ipcx__addr_release(struct ipcx_addr *a);

/* The body of a function's string form: parses TEXT once (with DEFAULTS),
 * returns CALL, an expression of the parsed address `a`, then releases
 * it. */
#define IPCX__WITH_ADDR(text, defaults, call)                             \
	do {                                                              \
		struct ipcx_addr a;                                       \
		int r_ = ipcx__addr_parse((text), (defaults), false, &a); \
		if (r_ < 0)                                               \
			return r_;                                        \
		r_ = (call);                                              \
		ipcx__addr_release(&a);                                   \
		return r_;                                                \
	} while (0)

/* -EINVAL when A gives an option that does not apply to ROLE (an
 * IPCX__ROLE_*, named WHAT in the detail: "a mapped region"). */
int ipcx__addr_role(const struct ipcx_addr *a, unsigned role, const char *what);

/* Writes SCHEME:TARGET into BUF, TARGET escaped (%XX) where the parser
 * would read it otherwise; returns the length it needs (>= N: cut, and
 * BUF holds no partial escape). */
int ipcx__addr_format(char *buf, size_t n, const char *scheme,
		      const char *target);

/* Applies the flags to what the address did not say explicitly. */
unsigned ipcx__addr_flags(const struct ipcx_addr *a, unsigned flags);

/* Validates a filesystem path target (not empty, not too long). */
int ipcx__check_path(struct ipcx_addr *a);

/* A wait of C that a signal handler interrupted: -EINTR (with a detail)
 * when C was opened with IPCX_INTR; else 0, and the caller waits again. */
struct ipcx_chan;
int ipcx__eintr(const struct ipcx_chan *c);

/* ---- time, descriptors, /proc (base.c) --------------------------------- */

/* CLOCK_MONOTONIC in milliseconds. */
int64_t ipcx__now_ms(void);
/* The time MS milliseconds from now on CLOCK, for the C library's
 * absolute timeouts. */
struct timespec ipcx__deadline_ts(clockid_t clock, int ms);
/* Sets or clears O_NONBLOCK. */
int ipcx__set_nonblock(int fd, bool on);
/* Reads one integer (the FIELD-th, from 0) from a /proc file; -1 when
 * it cannot. */
long long ipcx__read_proc(const char *path, int field);

/* ---- channels (fdio.c: the channel object and descriptor I/O) --------- */

/* Receive state of framing=length, kept across partial reads. */
struct ipcx__frame {
	uint8_t hdr[4];
	uint8_t hdr_got; /* 0..4 */
	uint32_t body_len;
	uint32_t body_got; /* bytes already in body */
	uint8_t *body;	   /* stash when a read stopped mid-message */
};

struct ipcx_chan {
	const struct ipcx__facility *ops;
	const struct ipcx__chan_ops *io; /* ops->chan, one load away */
	int rfd, wfd;			 /* -1 when the direction is absent */
	unsigned flags;			 /* IPCX_* after address options */
	int timeout_ms;			 /* -1: wait forever */
	bool framed;			 /* framing=length on a byte stream */
	bool listening;
	bool own_nonblock;  /* we set O_NONBLOCK on rfd/wfd ourselves */
	bool sigpipe_safe;  /* SIGPIPE ignored or handled: plain write() */
	bool plain_io;	    /* blocking, unframed, SIGPIPE-safe descriptors */
	bool broken;	    /* a framed write stopped mid-message */
	bool rx_broken;	    /* a framed read lost part of a message */
	bool keep_fd_flags; /* never set O_NONBLOCK: the fds are shared
			     * (stdio), or the facility waits by itself */
	struct ipcx__frame rx;
	char name[IPCX_ADDR_MAX + 96]; /* the address, for messages */
};

/* Set by ipcx_try_recv() for its one call, in its thread: a receive
 * that would wait says -EAGAIN instead, as with IPCX_NONBLOCK. */
extern _Thread_local bool ipcx__dontwait
	__attribute__((tls_model("initial-exec")));

/* Whether this call on C must not wait (IPCX_NONBLOCK, ipcx_try_recv). */
static inline bool ipcx__nowait(const struct ipcx_chan *c)
{
	return (c->flags & IPCX_NONBLOCK) || ipcx__dontwait;
}

/* framing=length (byte streams): declared once, listed by each byte
 * stream facility; ipcx__chan_new() applies it. */
extern const struct ipcx__opt ipcx__opt_framing;

/*
 * Allocates SIZE bytes (a facility struct whose first member is struct
 * ipcx_chan) and initialises the core part from A (timeout=, framing=)
 * and FLAGS.  ipcx__chan_new_named: for a channel without an address.
 */
void *ipcx__chan_new(size_t size, const struct ipcx_addr *a, unsigned flags);
void *ipcx__chan_new_named(size_t size, const struct ipcx__facility *ops,
			   const char *name, unsigned flags);

/* A channel around FD, a descriptor the process was given, named NAME,
 * by the facility whose kind it is (chan_ops adopt); takes FD on
 * success.  -EINVAL (with a detail) for a kind none wraps. */
int ipcx__adopt(int fd, unsigned flags, const char *name,
		struct ipcx_chan **out);

/* Frees a channel whose facility state is already released. */
void ipcx__chan_free(struct ipcx_chan *c);

/*
 * Applies nonblock/timeout: fds of a channel that must not wait in the
 * kernel become O_NONBLOCK, and SIGPIPE's disposition is sampled.
 */
int ipcx__chan_ready(struct ipcx_chan *c);

/* C's deadline for one operation (CLOCK_MONOTONIC ms), -1 for none. */
int64_t ipcx__deadline(const struct ipcx_chan *c);

/*
 * Waits until FD has EVENTS, or C's deadline passes.  DEADLINE is -1 for
 * none.  0 ready; -ETIMEDOUT; -EAGAIN when C is non-blocking.
 */
int ipcx__wait_fd(const struct ipcx_chan *c, int fd, short events,
		  int64_t deadline);

/*
 * For facilities with no descriptor to poll (System V): sleeps a step of
 * a backoff (1, 2, 4, 8, then 10 ms; *STEP holds the state, start at 0)
 * without passing DEADLINE (-1: none).  -ETIMEDOUT once it has passed.
 */
int ipcx__backoff(const struct ipcx_chan *c, int64_t deadline, int *step);

/*
 * The one place that says what a failed read or write means: ERR is the
 * errno of OP ("read", "write", "send", "recv") on C.  A write to a
 * closed peer (EPIPE, ECONNRESET) is -EPIPE; a read whose peer reset the
 * connection is -ECONNRESET (never end of stream); else -ERR, each with
 * its detail.
 */
int ipcx__io_fail(const struct ipcx_chan *c, int err, bool write,
		  const char *op);

/* Byte-stream I/O on rfd/wfd: read(2)/write(2) with EINTR, timeouts,
 * SIGPIPE and partial writes handled.  Writes all of IOV (at most 4
 * entries) to wfd, as ipcx_send() says. */
ssize_t ipcx__write_stream(struct ipcx_chan *c, const struct iovec *iov, int n,
			   bool sock);
/* After a plain write (or send, SOCK) of IOV[0] that returned W (< its
 * length): the rest, as ipcx__write_stream() would have done it all. */
ssize_t ipcx__write_rest(struct ipcx_chan *c, const struct iovec *iov,
			 ssize_t w, bool sock);
ssize_t ipcx__fd_send(struct ipcx_chan *c, const struct iovec *iov, int n,
		      const struct ipcx_meta *m);
ssize_t ipcx__fd_recv(struct ipcx_chan *c, void *buf, size_t len,
		      struct ipcx_meta *m);
int ipcx__fd_shutdown(struct ipcx_chan *c);
int ipcx__fd_close(struct ipcx_chan *c);

/* ---- live limits (limits.c) ------------------------------------------ */

/* A limit whose use the system does not count. */
#define IPCX__LIMIT(name, value, unit, source)               \
	{                                                    \
		(name), (value), (unit), (source), false, -1 \
	}

size_t ipcx__limits_fd(struct ipcx_limit *out, size_t max);
/* Appends ROWS to OUT[N..MAX); returns the new count. */
size_t ipcx__limits_add(struct ipcx_limit *out, size_t n, size_t max,
			const struct ipcx_limit *rows, size_t nrows);
size_t ipcx__limits_pipe(struct ipcx_limit *out, size_t max);
size_t ipcx__limits_sockbuf(struct ipcx_limit *out, size_t max);

/* ---- child processes (spawn.c) ----------------------------------------- */

/* Spawns "/bin/sh -c CMD" with stdin/stdout on IN/OUT (-1: inherit). */
int ipcx__spawn_shell(const char *cmd, int in, int out, pid_t *pid);
int ipcx__reap(pid_t pid);

/* ---- regions (region.c) ------------------------------------------------ */

struct ipcx_region {
	const struct ipcx__facility *ops;
	void *base;
	size_t size;
	int fd;	 /* the backing descriptor (posixshm, mmap), or -1 */
	long id; /* shmid (sysvshm), or -1 */
	/* The process whose open created the object (only it removes it:
	 * not a child that inherited the mapping), or 0. */
	pid_t creator;
	/* Set by the caller of region_open: SIZE is only for creating; an
	 * object that exists is mapped whole (rings). */
	bool size_if_new;
	/* The mapping's entry in the SIGBUS watch list (fault.c). */
	struct ipcx__fault_slot *watch;
	/* What ipcx_region_unlink() removes: the object's name, kept by the
	 * facility when it created it (async-signal-safe to use). */
	char object[IPCX_ADDR_MAX];
	char name[IPCX_ADDR_MAX + 96];
};

/* size= of regions and rings (region.c), and a ring's wait= and the
 * channel role of every region facility, a ring in the region (ring.c):
 * declared once, listed by each region facility. */
extern const struct ipcx__opt ipcx__opt_size, ipcx__opt_wait, ipcx__opt_duplex;
extern const struct ipcx__chan_ops ipcx__ring_chan;
/* The pids registered in the ring header at the start of FD (read with
 * pread: no mapping, no SIGBUS), at most MAX into PIDS: their number, or
 * -1 when FD holds no ring. */
int ipcx__ring_users(int fd, int32_t *pids, int max);

/* ---- memory that vanishes (fault.c) ------------------------------------
 *
 * Watches BASE..BASE+SIZE: a SIGBUS there (the object shrank, or its
 * page could not be allocated) replaces the whole mapping with private
 * zeros and marks it lost, instead of killing the process.  NULL when
 * it cannot (no memory, or no handler). */
struct ipcx__fault_slot {
	_Atomic int state;
	_Atomic uintptr_t base;
	_Atomic size_t size;
	_Atomic int lost; /* set once by the handler */
};
struct ipcx__fault_slot *ipcx__fault_watch(void *base, size_t size);
void ipcx__fault_unwatch(struct ipcx__fault_slot *s);
/* Whether S's mapping faulted: its contents are gone.  One load (hot
 * paths look after each copy). */
static inline bool ipcx__fault_lost(const struct ipcx__fault_slot *s)
{
	return s && atomic_load_explicit(&s->lost, memory_order_relaxed);
}

/* Opens R with its facility's region open (A, FLAGS, SIZE as there) and
 * watches the mapping; closes it (and removes what it created) when it
 * cannot. */
int ipcx__region_open(const struct ipcx_addr *a, unsigned flags, size_t size,
		      struct ipcx_region *r);
/* -EFAULT, with a detail, when R's mapping faulted; else 0. */
int ipcx__region_lost(const struct ipcx_region *r);

/* Maps SIZE bytes of FD (shared, read and write) into R. */
int ipcx__region_map(struct ipcx_region *r, int fd, size_t size);

/* The size to map: the address's size=, else SIZE; when the object
 * exists with CUR bytes, 0 means all of it and more than CUR is refused
 * (touching pages past the end of the object raises SIGBUS). */
int ipcx__region_size(const struct ipcx_addr *a, const struct ipcx_region *r,
		      size_t size, bool exists, size_t cur, size_t *out);

/* How a facility opens and removes the object behind a descriptor. */
struct ipcx__fd_object {
	const char *kind; /* "file", for messages */
	const char *call; /* "open", for messages */
	int (*open)(const char *name, int oflag, mode_t mode);
	int (*remove)(const char *name);
};

/*
 * Regions backed by a descriptor (posixshm, mmap): opens a->target with
 * O->open (creating it, mode exact, with IPCX_CREATE; never through a
 * symlink then), checks it is a regular file, sizes it (ftruncate when
 * created), maps it and keeps the fd in R.  On failure nothing is left:
 * what this call created is removed with O->remove.
 */
int ipcx__region_fd_open(const struct ipcx_addr *a, unsigned flags, size_t size,
			 struct ipcx_region *r,
			 const struct ipcx__fd_object *o);
int ipcx__region_fd_check(const struct ipcx_region *r);
void ipcx__region_fd_close(struct ipcx_region *r);

/* Checks that [OFFSET, OFFSET + SIZE) lies in R and OFFSET is aligned to
 * 8; WHAT names the object for the detail.  Returns the address, or NULL
 * (with the detail set). */
void *ipcx__region_place(struct ipcx_region *r, size_t offset, size_t size,
			 const char *what);

/* ---- semaphores and locks (sync.c) -------------------------------------- */

/* The core of every semaphore; a facility's own state follows it. */
struct ipcx_sem {
	const struct ipcx__facility *ops;
	unsigned flags; /* IPCX_NONBLOCK after the address's options */
	int timeout_ms; /* -1: forever */
	char name[IPCX_ADDR_MAX + 96];
};

/* The core of every lock; the facility's state follows it. */
struct ipcx_lock {
	const struct ipcx__facility *ops;
	unsigned flags;
	int timeout_ms;
	int fd;	  /* the open file */
	int held; /* 0, IPCX_LOCK_SHARED, IPCX_LOCK_EXCLUSIVE */
	char name[IPCX_ADDR_MAX + 96];
};

/* Allocates SIZE bytes (a facility's struct, core first) for address A
 * (or, ipcx__sem_new_named, for a semaphore without one). */
void *ipcx__sem_new(size_t size, const struct ipcx_addr *a, unsigned flags);
void *ipcx__sem_new_named(size_t size, const struct ipcx__facility *ops,
			  const char *name);
void *ipcx__lock_new(size_t size, const struct ipcx_addr *a, unsigned flags);

/* ---- live objects (objects.c) ------------------------------------------ */

struct stat;
struct ipcx__procs; /* a snapshot of every process's descriptors and maps */

struct ipcx__lister {
	const struct ipcx__facility *ops; /* the facility listing */
	const struct ipcx_addr *only;	  /* one object (ipcx_object_find) */
	ipcx_list_fn fn;
	void *arg;
	struct ipcx__procs *procs; /* made on first use */
	struct ipcx_holder *hbuf;  /* holders of the object being emitted */
	size_t hcap;
	long long *vbuf; /* its semaphore values */
	size_t vcap;
	unsigned flags;	 /* IPCX_LIST_* */
	int found;	 /* objects emitted */
	char *warn;	 /* what could not be listed, a line each */
	size_t warn_len; /* room at warn */
};

/* Fills the common fields of O (figures -1, FACILITY from OPS). */
void ipcx__object_init(struct ipcx_object *o, const struct ipcx__facility *ops);
/* Room for N semaphore values of O (O's values from then on), or NULL
 * when there is no memory. */
long long *ipcx__object_values(struct ipcx__lister *l, struct ipcx_object *o,
			       size_t n);
/* Fills O's id (inode), owner, mode, size and time of change from ST. */
void ipcx__object_stat(struct ipcx_object *o, const struct stat *st);
/* Sets O's holders: processes with (DEV, INO) open or mapped (DEV
 * IPCX__SYSV_DEV: a System V segment of id INO). */
#define IPCX__SYSV_DEV ((dev_t)-1)
int ipcx__holders(struct ipcx__lister *l, dev_t dev, ino_t ino,
		  struct ipcx_object *o);
/* Adds the holders of (DEV, INO) to O's (after ipcx__holders()). */
int ipcx__holders_add(struct ipcx__lister *l, dev_t dev, ino_t ino,
		      struct ipcx_object *o);
/* Makes PID O's one holder (it need not have the object open). */
int ipcx__holder_pid(struct ipcx__lister *l, pid_t pid, struct ipcx_object *o);
/* Hands O to the caller's function; its non-zero return stops all. */
int ipcx__emit(struct ipcx__lister *l, struct ipcx_object *o);
/* Whether PID is a live process (0 and -1 are not). */
bool ipcx__alive(pid_t pid);
/* A FIFO some process holds open: calls FN(path, dev, ino) for each. */
int ipcx__held_fifos(struct ipcx__lister *l,
		     int (*fn)(struct ipcx__lister *l, const char *path,
			       dev_t dev, ino_t ino));
/* The path of (DEV, INO) as a process that has it open names it, into
 * BUF; false when no process shows one. */
bool ipcx__path_of(struct ipcx__lister *l, dev_t dev, ino_t ino, char *buf,
		   size_t n);
/* Notes what could not be listed, for the caller of ipcx_list(). */
void ipcx__list_warn(struct ipcx__lister *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- the facility table (registry.c) ----------------------------------- */

/*
 * A facility is one table of operations per role it has; a NULL role, or
 * a NULL operation in a role, means "not supported" and the core says so
 * (-EOPNOTSUPP) in one place.  Each facility file exports its one struct
 * ipcx__facility and keeps everything else static.
 *
 * Channels.  open: may block up to the address's timeout; on failure
 * nothing is left behind (no fd, no created path).  pair: two connected
 * ends, for fork.  accept: one connection from a listener (may block up
 * to its timeout).  send: as ipcx_send(), after the core has handled
 * framing and checks (IOV has 1 or 2 entries).  recv: as ipcx_recv(), for
 * the facility's own unit.  shutdown: half-close of the sending
 * direction.  close: releases everything, the struct included; never
 * fails to free.  get: fills the facility's part of ipcx_chan_info.
 * unlink_self: removes what the channel created; async-signal-safe.
 * pair is given the parsed "SCHEME:?OPTS" (its ops: several facilities
 * may share the function, as list is given the lister).
 * fd: a pollable descriptor made on demand (NULL: rfd, else wfd).
 * reserve/commit, peek/release: zero-copy (rings); between the two calls
 * the side's lock is held.  adopt: wraps FD (fstat ST), a descriptor
 * the process was given (fd:, ipcx_open_fd()), when it is of this
 * facility's kind (a socket of its domain and type, a pipe): takes FD
 * on success; -EPROTOTYPE, without a detail, when it is not (the next
 * facility is asked).
 */
struct ipcx__chan_ops {
	int (*open)(const struct ipcx_addr *a, unsigned flags,
		    struct ipcx_chan **out);
	int (*pair)(const struct ipcx_addr *pa, struct ipcx_chan **a,
		    struct ipcx_chan **b);
	int (*accept)(struct ipcx_chan *l, struct ipcx_chan **out);
	ssize_t (*send)(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m);
	ssize_t (*recv)(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m);
	int (*shutdown)(struct ipcx_chan *c);
	int (*close)(struct ipcx_chan *c);
	int (*get)(const struct ipcx_chan *c, struct ipcx_chan_info *i);
	int (*unlink_self)(const struct ipcx_chan *c);
	int (*fd)(struct ipcx_chan *c);
	int (*reserve)(struct ipcx_chan *c, size_t len, void **ptr);
	int (*commit)(struct ipcx_chan *c, size_t len);
	int (*peek)(struct ipcx_chan *c, const void **ptr, size_t *len);
	int (*release)(struct ipcx_chan *c);
	/* Ends a reservation without publishing, or a peek without
	 * consuming (the message stays). */
	int (*cancel)(struct ipcx_chan *c);
	int (*adopt)(const struct ipcx__facility *f, int fd,
		     const struct stat *st, unsigned flags, const char *name,
		     struct ipcx_chan **out);
};

/*
 * Regions.  open: maps SIZE bytes (0: all of an existing object) into a
 * struct ipcx_region the core allocated; on failure nothing is left (no
 * mapping, no fd, no object this call created).  check: the backing
 * object still covers the mapping (-EFAULT).  close: unmaps.
 * unlink_self: removes the object the region created (r->object).
 */
struct ipcx__region_ops {
	int (*open)(const struct ipcx_addr *a, unsigned flags, size_t size,
		    struct ipcx_region *r);
	int (*check)(const struct ipcx_region *r);
	void (*close)(struct ipcx_region *r);
	int (*unlink_self)(const struct ipcx_region *r);
};

/*
 * Semaphores.  open: by address (creating with INITIAL).  place: one in
 * a region's memory (INIT: initialise it with INITIAL).  wait: TIMEOUT_MS
 * -1 forever, 0 not at all.  unlink_self: removes the name the handle
 * created.  close: frees the handle.
 */
struct ipcx__sem_ops {
	int (*open)(const struct ipcx_addr *a, unsigned flags, unsigned initial,
		    struct ipcx_sem **out);
	int (*place)(struct ipcx_region *r, size_t offset, bool init,
		     unsigned initial, struct ipcx_sem **out);
	int (*post)(struct ipcx_sem *s);
	int (*wait)(struct ipcx_sem *s, int timeout_ms);
	int (*value)(const struct ipcx_sem *s);
	int (*unlink_self)(struct ipcx_sem *s);
	int (*close)(struct ipcx_sem *s);
};

/*
 * File locks.  open: the file, nothing held.  take: HOW, waiting in the
 * kernel when WAIT (a signal interrupts it: -EINTR).  release.  holder:
 * the pid of a holder that conflicts with HOW (0: none).
 */
struct ipcx__lock_ops {
	int (*open)(const struct ipcx_addr *a, unsigned flags,
		    struct ipcx_lock **out);
	int (*take)(struct ipcx_lock *l, int how, bool wait);
	int (*release)(struct ipcx_lock *l);
	int (*holder)(struct ipcx_lock *l, int how, pid_t *pid);
};

struct ipcx__facility {
	struct ipcx_facility info; /* first: the public row */
	unsigned common;	   /* IPCX__COMMON_* accepted */
	/* The facility's own options, NULL-terminated (NULL: none). */
	const struct ipcx__opt *const *opts;
	bool no_options; /* everything after "scheme:" is TARGET */
	/* Checks and decodes a->target into a->priv; no system calls.
	 * -EINVAL. */
	int (*parse)(struct ipcx_addr *a);
	/* Removes the named object. */
	int (*unlink)(const struct ipcx_addr *a);
	/* Fills live limits, returns the count. */
	int (*limits)(struct ipcx_limit *out, size_t max);
	/* Live objects: ipcx__emit() each one, or only the one L->only
	 * names (then -ENOENT, or -EINVAL for another kind). */
	int (*list)(struct ipcx__lister *l);
	const struct ipcx__chan_ops *chan;
	const struct ipcx__region_ops *region;
	const struct ipcx__sem_ops *sem;
	const struct ipcx__lock_ops *lock;
};

/* The facility of SCHEME[0..LEN), or NULL. */
const struct ipcx__facility *ipcx__facility_lookup(const char *scheme,
						   size_t len);
/* The I-th registered facility, or NULL past the last. */
const struct ipcx__facility *ipcx__facility_nth(size_t i);

#endif
