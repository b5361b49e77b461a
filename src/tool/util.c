/* SPDX-License-Identifier: MIT */
/* Helpers shared by the subcommands: errors, opening, signals, JSON. */
#include "tool.h"

#include <libsmartcols.h>
#include <strings.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

void tool_help(const struct command *cmd, FILE *f)
{
	fputs(cmd->usage, f);
	for (const struct tool_cols *t = cmd->tables; t && t->title; t++) {
		fprintf(f, "\n%s:\n", t->title);
		for (size_t i = 0; i < t->n; i++)
			fprintf(f, "  %-11s %s\n", t->cols[i].name,
				t->cols[i].help);
	}
}

int tool_usage(const struct command *cmd, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tool_err("ipcx %s: %s\n", cmd->name, msg);
	fprintf(stderr, "Try 'ipcx %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

int tool_getopt(const struct command *cmd, int argc, char **argv,
		const char *shorts, const struct option *longs, int *status)
{
	/* The command's options and --version; its short ones after ':'
	 * (a missing argument is then ':', not '?'), keeping a leading '+'. */
	static struct option all[64];
	static char sh[128];
	size_t n = 0;
	int opt, idx = -1;

	while (longs[n].name && n < sizeof(all) / sizeof(*all) - 2) {
		all[n] = longs[n];
		n++;
	}
	all[n++] = (struct option){"version", no_argument, NULL, 'V'};
	all[n] = (struct option){NULL, 0, NULL, 0};
	bool plus = shorts[0] == '+';
	snprintf(sh, sizeof(sh), "%s:%sV", plus ? "+" : "", shorts + plus);

	opterr = 0;
	opt = getopt_long(argc, argv, sh, all, &idx);
	if (opt == 'V') {
		printf("ipcx %s\n", IPCX_VERSION);
		*status = EXIT_OK;
		return TOOL_OPT_DONE;
	}
	if (opt != '?' && opt != ':')
		return opt;
	/* What was wrong: the word getopt stopped at is argv[optind - 1]. */
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (opt == ':' && optopt && strncmp(word, "--", 2))
		tool_usage(cmd, "option requires an argument -- '%c'", optopt);
	else if (opt == ':')
		tool_usage(cmd, "option '%s' requires an argument", word);
	else if (optopt && strncmp(word, "--", 2))
		tool_usage(cmd, "invalid option -- '%c'", optopt);
	else if (optopt && strchr(word, '='))
		tool_usage(cmd, "option '%.*s' doesn't allow an argument",
			   (int)(strchr(word, '=') - word), word);
	else
		tool_usage(cmd, "unrecognized option '%s'", word);
	*status = EXIT_USAGE;
	return TOOL_OPT_DONE;
}

bool tool_args_ok(const struct command *cmd, int n)
{
	if (n < cmd->min_args) {
		tool_usage(cmd, "missing argument");
		return false;
	}
	if (cmd->max_args >= 0 && n > cmd->max_args) {
		tool_usage(cmd, "too many arguments");
		return false;
	}
	return true;
}

void tool_err(const char *fmt, ...)
{
	char buf[4096], out[4 * sizeof(buf)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t n = strlen(buf);
	bool nl = n && buf[n - 1] == '\n';
	if (nl)
		buf[n - 1] = '\0';
	size_t len = 0;
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
		len += (size_t)(*p >= 0x20 && *p != 0x7f
					? snprintf(out + len, 2, "%c", *p)
					: snprintf(out + len, 5, "\\x%02x",
						   *p));
	if (nl)
		out[len++] = '\n';
	fwrite(out, 1, len, stderr);
}

int tool_fail(int err, const char *addr)
{
	const char *d = ipcx_error_detail();

	/* A wait a stop signal interrupted: the signal is the exit. */
	if (err == -EINTR && tool_stop)
		return EXIT_OK;
	if (d && *d)
		tool_err("ipcx: %s\n", d);
	else
		tool_err("ipcx: %s: %s\n", addr, ipcx_strerror(err));
	return err == -ETIMEDOUT ? EXIT_TIMEOUT : EXIT_FAIL;
}

void tool_defaults(const struct addr_flags *f, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
#define ADD(fmt, v)                                                           \
	do {                                                                  \
		if (len < n)                                                  \
			len += (size_t)snprintf(out + len, n - len, "%s" fmt, \
						len ? "&" : "", v);           \
	} while (0)
	if (f->timeout)
		ADD("timeout=%s", f->timeout);
	if (f->mode)
		ADD("mode=%s", f->mode);
	if (f->type)
		ADD("type=%s", f->type);
	if (f->prio)
		ADD("prio=%s", f->prio);
	if (f->create)
		ADD("create=%d", 1);
	if (f->nonblock)
		ADD("nonblock=%d", 1);
#undef ADD
}

/* ---- channels to clean up when a signal ends the tool ------------------ */

static struct ipcx_chan *volatile tracked[4];

void tool_track(struct ipcx_chan *c)
{
	for (size_t i = 0; i < sizeof(tracked) / sizeof(*tracked); i++)
		if (!tracked[i]) {
			tracked[i] = c;
			return;
		}
}

void tool_untrack(struct ipcx_chan *c)
{
	for (size_t i = 0; i < sizeof(tracked) / sizeof(*tracked); i++)
		if (tracked[i] == c)
			tracked[i] = NULL;
}

int tool_close(struct ipcx_chan *c)
{
	tool_untrack(c);
	return ipcx_close(c);
}

/* ---- signals that end the tool --------------------------------------- */

static const int stop_sigs[] = {SIGINT, SIGTERM, SIGHUP};
volatile sig_atomic_t tool_stop;
static timer_t interrupter;
static bool deferring;

static void unlink_tracked(void)
{
	for (size_t i = 0; i < sizeof(tracked) / sizeof(*tracked); i++)
		if (tracked[i])
			ipcx_chan_unlink(tracked[i]);
}

static void on_signal(int sig)
{
	if (deferring) {
		/* A command between or inside messages: it ends after the
		 * message it holds.  A wait that began before it looked at
		 * tool_stop is interrupted (SIGALRM, no SA_RESTART, every
		 * 10 ms: the channel's IPCX_INTR returns -EINTR). */
		struct itimerspec its = {{0, 10000000}, {0, 10000000}};
		int saved = errno;
		if (!tool_stop)
			tool_stop = sig;
		timer_settime(interrupter, 0, &its, NULL);
		errno = saved;
		return;
	}
	/* Remove what we created (async-signal-safe), then die of SIG as
	 * the shell expects. */
	unlink_tracked();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_alarm(int sig)
{
	(void)sig;
}

void tool_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(*stop_sigs); i++) {
		struct sigaction old;
		/* Keep a signal ignored if our parent ignored it (nohup). */
		if (sigaction(stop_sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(stop_sigs[i], &sa, NULL);
	}
}

bool tool_defer_signals(void)
{
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL,
			      .sigev_signo = SIGALRM};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 ||
	    timer_create(CLOCK_MONOTONIC, &ev, &interrupter) < 0) {
		tool_err("ipcx: cannot set up signal handling: %s\n",
			 strerror(errno));
		return false;
	}
	deferring = true;
	return true;
}

void tool_hold_signals(bool hold)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(*stop_sigs); i++)
		sigaddset(&set, stop_sigs[i]);
	sigaddset(&set, SIGALRM);
	sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int tool_finish(int status)
{
	int sig = tool_stop;

	if (!sig)
		return status;
	/* The command has written what it took: remove what we created,
	 * then die of the signal as the shell expects. */
	unlink_tracked();
	fflush(stdout);
	tool_hold_signals(true);
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return status;
}

int tool_open(const struct command *cmd, const char *addr, const char *defaults,
	      unsigned flags, struct ipcx_chan **out,
	      struct ipcx_chan **listener)
{
	struct ipcx_chan_info info = {0};
	struct ipcx_addr *a;
	struct ipcx_chan *c;
	int r;

	if ((r = tool_parse(cmd, addr, defaults, IPCX_CAP_CHANNEL, "a channel",
			    &a)))
		return r;
	/* A receiving end listens where the facility's receiving end binds
	 * the address (sockets); anything else is opened as it is: a ring
	 * stays the queue it is (ipcx serve makes listeners). */
	if (!(ipcx_addr_facility(a)->caps & IPCX_CAP_BIND))
		flags &= ~IPCX_LISTEN;
	r = ipcx_open_addr(a, flags, &c);
	ipcx_addr_free(a);
	if (r < 0)
		return tool_fail(r, addr);
	tool_track(c);
	if (ipcx_chan_get(c, &info) < 0 || !info.listening) {
		*out = c;
		return EXIT_OK;
	}
	if (listener) {
		*listener = c;
		*out = NULL;
		return EXIT_OK;
	}
	return tool_accept(c, addr, out, false);
}

int tool_accept(struct ipcx_chan *l, const char *addr, struct ipcx_chan **out,
		bool keep)
{
	struct ipcx_chan *conn;
	int r;

	/* A peer that allow-uid= refused is worth a line, not the end; a
	 * signal that is no stop (SIGUSR1) is not either. */
	while ((r = ipcx_accept(l, &conn)) == -EACCES ||
	       (r == -EINTR && !tool_stop))
		if (r == -EACCES)
			tool_err("ipcx: %s\n", ipcx_error_detail());
	/* Serving one connection: stop listening now (which also removes
	 * a UNIX socket path the listener created). */
	if (!keep || r < 0)
		tool_close(l);
	if (r < 0)
		return tool_fail(r, addr);
	tool_track(conn);
	*out = conn;
	return EXIT_OK;
}

ssize_t tool_recv(struct ipcx_chan *c, const char *addr, bool nowait,
		  unsigned char **buf, size_t *cap, struct ipcx_meta *m)
{
	for (;;) {
		ssize_t n = nowait ? ipcx_try_recv(c, *buf, *cap, m)
				   : ipcx_recv(c, *buf, *cap, m);
		if (n == -EINTR && !tool_stop)
			continue; /* a signal that is no stop: SIGUSR1 */
		if (n != -EMSGSIZE || m->size <= *cap)
			return n;
		/* A framed length is the peer's word: bound what we grant. */
		if (m->size > TOOL_MAX_MESSAGE) {
			tool_err("ipcx: %s: a message of %zu bytes is larger "
				 "than ipcx accepts (%u)\n",
				 addr, m->size, TOOL_MAX_MESSAGE);
			return -EMSGSIZE;
		}
		unsigned char *b = realloc(*buf, m->size);
		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = m->size;
	}
}

ssize_t tool_read(struct ipcx_chan *c, void *buf, size_t len)
{
	ssize_t n;

	while ((n = ipcx_recv(c, buf, len, NULL)) == -EINTR && !tool_stop)
		;
	return n;
}

ssize_t tool_send(struct ipcx_chan *c, const void *buf, size_t len,
		  const struct ipcx_meta *m)
{
	ssize_t n;

	while ((n = ipcx_send(c, buf, len, m)) == -EINTR && !tool_stop)
		;
	return n;
}

bool tool_write_msg(const void *buf, size_t len, const char *sep)
{
	struct iovec iov[2] = {{(void *)buf, len}, {(void *)sep, sep ? 1 : 0}};
	ssize_t w;

	/* One write: a line is never left without its end (not even by
	 * SIGKILL) unless stdout takes less than all of it. */
	while ((w = writev(1, iov, 2)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return false;
	if ((size_t)w >= len)
		return (size_t)w == len + (sep ? 1 : 0) ||
		       tool_write_out(sep, 1);
	return tool_write_out((const char *)buf + w, len - (size_t)w) &&
	       (!sep || tool_write_out(sep, 1));
}

bool tool_write_out(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(1, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* Length of the UTF-8 sequence at P (at most N bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

bool tool_utf8_valid(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t l = utf8_len(buf + i, len - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

void tool_json_string(FILE *f, const unsigned char *buf, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = buf[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void tool_json_message(FILE *f, const unsigned char *data, size_t len,
		       const struct ipcx_meta *m)
{
	if (tool_utf8_valid(data, len)) {
		fputs("{\"data\":", f);
		tool_json_string(f, data, len);
	} else {
		fputs("{\"data_base64\":", f);
		tool_json_base64(f, data, len);
	}
	fprintf(f, ",\"size\":%zu", len);
	if (m && (m->valid & IPCX_META_TYPE))
		fprintf(f, ",\"type\":%ld", m->type);
	if (m && (m->valid & IPCX_META_PRIO))
		fprintf(f, ",\"prio\":%u", m->prio);
	if (m && (m->valid & IPCX_META_PID))
		fprintf(f, ",\"pid\":%d", (int)m->pid);
	if (m && (m->valid & IPCX_META_UID))
		fprintf(f, ",\"uid\":%u", (unsigned)m->uid);
	if (m && (m->valid & IPCX_META_PEER)) {
		fputs(",\"from\":", f);
		tool_json_string(f, (const unsigned char *)m->peer,
				 strlen(m->peer));
	}
	fputs("}\n", f);
}

void tool_json_base64(FILE *f, const unsigned char *buf, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";

	fputc('"', f);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)buf[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)buf[i + 1] << 8;
		if (i + 2 < len)
			v |= buf[i + 2];
		fputc(b64[v >> 18 & 63], f);
		fputc(b64[v >> 12 & 63], f);
		fputc(i + 1 < len ? b64[v >> 6 & 63] : '=', f);
		fputc(i + 2 < len ? b64[v & 63] : '=', f);
	}
	fputc('"', f);
}

bool tool_zero_is_eof(const struct ipcx_chan *c)
{
	struct ipcx_chan_info i = {0};

	if (ipcx_chan_get(c, &i) < 0)
		return true;
	return i.eof_is_zero;
}

bool tool_is_raw_stream(const struct ipcx_chan *c)
{
	struct ipcx_chan_info i = {0};

	if (ipcx_chan_get(c, &i) < 0)
		return false;
	return i.semantics == IPCX_BYTE_STREAM;
}

int tool_parse(const struct command *cmd, const char *addr,
	       const char *defaults, unsigned caps, const char *kinds,
	       struct ipcx_addr **out)
{
	struct ipcx_addr *a;
	int r = ipcx_addr_parse(addr, defaults, &a);

	if (r == -ENOMEM)
		return tool_fail(r, addr);
	if (r < 0) {
		tool_err("ipcx %s: %s\n", cmd->name, ipcx_error_detail());
		return EXIT_USAGE;
	}
	if (caps && !(ipcx_addr_facility(a)->caps & caps)) {
		tool_err("ipcx %s: %s: not %s\n", cmd->name, addr, kinds);
		ipcx_addr_free(a);
		return EXIT_USAGE;
	}
	*out = a;
	return EXIT_OK;
}

struct libscols_table *tool_table(const char *name, bool json, bool noheadings,
				  bool raw)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_set_name(tb, name);
	scols_table_enable_json(tb, json);
	scols_table_enable_noheadings(tb, noheadings);
	scols_table_enable_raw(tb, raw);
	return tb;
}

/* The index of the column NAME (any case) in T, or -1. */
static int column_index(const struct tool_cols *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(name, t->cols[i].name))
			return (int)i;
	return -1;
}

/* Appends the columns of LIST (comma-separated) to SEL; false after a
 * usage message. */
static bool pick_list(const struct tool_cols *t, const char *list, int *sel,
		      int *n, const struct command *cmd)
{
	char *copy = strdup(list), *save = NULL;
	bool ok = copy != NULL;

	for (char *c = copy ? strtok_r(copy, ",", &save) : NULL; ok && c;
	     c = strtok_r(NULL, ",", &save)) {
		int i = column_index(t, c);
		if (i < 0) {
			tool_usage(cmd, "unknown column '%s'", c);
			ok = false;
		} else if (*n < (int)t->n) {
			sel[(*n)++] = i;
		}
	}
	free(copy);
	return ok;
}

int tool_pick_columns(const struct tool_cols *t, const char *output, int *sel,
		      const struct command *cmd)
{
	int n = 0;

	if (!output || output[0] == '+') {
		if (t->defaults) {
			if (!pick_list(t, t->defaults, sel, &n, cmd))
				return -1;
		} else {
			for (size_t i = 0; i < t->n; i++)
				sel[n++] = (int)i;
		}
		if (!output)
			return n;
		output++;
	}
	if (!*output) {
		tool_usage(cmd, "no column named in --output");
		return -1;
	}
	return pick_list(t, output, sel, &n, cmd) ? n : -1;
}

int tool_columns(struct libscols_table *tb, const struct tool_cols *t,
		 const char *output, int *sel, const struct command *cmd)
{
	int idx[64], n = tool_pick_columns(t, output, idx, cmd);

	for (int k = 0; k < n; k++) {
		const struct tool_col *c = &t->cols[idx[k]];
		struct libscols_column *cl =
			scols_table_new_column(tb, c->name, c->whint, c->flags);
		if (!cl)
			return -1;
		scols_column_set_json_type(cl, c->json);
		sel[k] = c->field;
	}
	return n;
}

size_t tool_termwidth(void)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;
	char *end;

	if (c && *c) {
		long v = strtol(c, &end, 10);
		if (!*end && v > 0 && v < 100000)
			return (size_t)v;
	}
	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 0;
}

/* The cells a UTF-8 text takes (a code point each). */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int tool_fit(struct libscols_table *tb, const char *const *drop, char *left,
	     size_t leftlen)
{
	size_t width = tool_termwidth(), ncols = scols_table_get_ncols(tb);
	size_t need[64], total = 0, shown = 0;
	int hidden = 0;

	left[0] = '\0';
	if (!width || !ncols || ncols > 64)
		return 0;
	/* scols applies the width too (COLUMNS given to a pipe included). */
	scols_table_set_termwidth(tb, width);
	scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
	for (size_t i = 0; i < ncols; i++) {
		struct libscols_column *cl = scols_table_get_column(tb, i);
		struct libscols_iter *it = scols_new_iter(SCOLS_ITER_FORWARD);
		struct libscols_line *ln;
		size_t hdr = text_width(
			scols_cell_get_data(scols_column_get_header(cl)));
		size_t w = hdr;
		while (it && scols_table_next_line(tb, it, &ln) == 0) {
			size_t d = text_width(scols_cell_get_data(
				scols_line_get_cell(ln, i)));
			if (d > w)
				w = d;
		}
		scols_free_iter(it);
		/* A column that truncates or wraps can give way. */
		if (scols_column_get_flags(cl) &
		    (SCOLS_FL_TRUNC | SCOLS_FL_WRAP))
			w = w < hdr + 4 ? w : hdr + 4 > 12 ? hdr + 4 : 12;
		need[i] = w;
		if (!scols_column_is_hidden(cl)) {
			total += w;
			shown++;
		}
	}
	total += shown ? shown - 1 : 0;
	for (size_t k = 0; drop && drop[k] && total > width; k++)
		for (size_t i = 0; i < ncols; i++) {
			struct libscols_column *cl =
				scols_table_get_column(tb, i);
			const char *name = scols_cell_get_data(
				scols_column_get_header(cl));
			if (scols_column_is_hidden(cl) || !name ||
			    strcmp(name, drop[k]))
				continue;
			scols_column_set_flags(cl, scols_column_get_flags(cl) |
							   SCOLS_FL_HIDDEN);
			total -= need[i] + 1;
			size_t len = strlen(left);
			snprintf(left + len, leftlen - len, "%s%s",
				 hidden++ ? ", " : "", name);
			break;
		}
	return hidden;
}

void tool_wrap(FILE *f, const char *text, size_t width, size_t indent)
{
	size_t col = 0;
	const char *p = text;

	while (*p) {
		size_t word = strcspn(p, " ");
		if (width && col > indent && col + 1 + word > width) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, word, f);
		col += word;
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

int tool_list_columns(const struct tool_cols *t, bool json, bool noheadings,
		      bool raw)
{
	static const char *const types[] = {
		[SCOLS_JSON_STRING] = "string",
		[SCOLS_JSON_NUMBER] = "number",
		[SCOLS_JSON_BOOLEAN] = "boolean",
		[SCOLS_JSON_ARRAY_STRING] = "array of strings",
		[SCOLS_JSON_ARRAY_NUMBER] = "array of numbers",
	};
	struct libscols_table *tb =
		tool_table("columns", json, noheadings, raw);
	int st = EXIT_FAIL;

	if (!tb || !scols_table_new_column(tb, "NAME", 0, 0) ||
	    !scols_table_new_column(tb, "TYPE", 0, 0) ||
	    !scols_table_new_column(tb, "DESCRIPTION", 0, 0))
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		const struct tool_col *c = &t->cols[i];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		int j = c->json;
		if (!ln)
			goto out;
		scols_line_set_data(ln, 0, c->name);
		scols_line_set_data(
			ln, 1,
			j >= 0 && (size_t)j < sizeof(types) / sizeof(*types) &&
					types[j]
				? types[j]
				: "string");
		scols_line_set_data(ln, 2, c->help);
	}
	scols_print_table(tb);
	st = EXIT_OK;
out:
	scols_unref_table(tb);
	return st;
}
