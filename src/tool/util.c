/* SPDX-License-Identifier: MIT */
/* Helpers shared by the subcommands: errors, opening, signals, JSON. */
#include "tool.h"

#include <libsmartcols.h>
#include <strings.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tool_help(const struct command *cmd, FILE *f)
{
	fputs(cmd->usage, f);
}

int tool_usage(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipcx %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ipcx %s --help'.\n", cmd->name);
	return EXIT_USAGE;
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

int tool_fail(int err, const char *addr)
{
	const char *d = ipcx_error_detail();

	if (d && *d)
		fprintf(stderr, "ipcx: %s\n", d);
	else
		fprintf(stderr, "ipcx: %s: %s\n", addr, ipcx_strerror(err));
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

static void on_signal(int sig)
{
	/* Remove what we created (async-signal-safe), then die of SIG as
	 * the shell expects. */
	for (size_t i = 0; i < sizeof(tracked) / sizeof(*tracked); i++)
		if (tracked[i])
			ipcx_chan_unlink(tracked[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void tool_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
		struct sigaction old;
		/* Keep a signal ignored if our parent ignored it (nohup). */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
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

	/* A peer that allow-uid= refused is worth a line, not the end. */
	while ((r = ipcx_accept(l, &conn)) == -EACCES)
		fprintf(stderr, "ipcx: %s\n", ipcx_error_detail());
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

ssize_t tool_recv(struct ipcx_chan *c, const char *addr, unsigned char **buf,
		  size_t *cap, struct ipcx_meta *m)
{
	for (;;) {
		ssize_t n = ipcx_recv(c, *buf, *cap, m);
		if (n != -EMSGSIZE || m->size <= *cap)
			return n;
		/* A framed length is the peer's word: bound what we grant. */
		if (m->size > TOOL_MAX_MESSAGE) {
			fprintf(stderr,
				"ipcx: %s: a message of %zu bytes is larger "
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
		fprintf(stderr, "ipcx %s: %s\n", cmd->name,
			ipcx_error_detail());
		return EXIT_USAGE;
	}
	if (caps && !(ipcx_addr_facility(a)->caps & caps)) {
		fprintf(stderr, "ipcx %s: %s: not %s\n", cmd->name, addr,
			kinds);
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

int tool_columns(struct libscols_table *tb, const struct tool_col *desc,
		 size_t ndesc, const char *output, int *sel,
		 const struct command *cmd)
{
	int n = 0;

	if (!output) {
		for (size_t i = 0; i < ndesc; i++) {
			struct libscols_column *cl = scols_table_new_column(
				tb, desc[i].name, desc[i].whint, desc[i].flags);
			if (!cl)
				return -1;
			scols_column_set_json_type(cl, desc[i].json);
			sel[n++] = desc[i].field;
		}
		return n;
	}
	char *list = strdup(output), *save = NULL;
	if (!list)
		return -1;
	for (char *t = strtok_r(list, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < ndesc; i++)
			if (!strcasecmp(t, desc[i].name))
				break;
		if (i == ndesc || n >= (int)ndesc) {
			tool_usage(cmd, "unknown column '%s'", t);
			free(list);
			return -1;
		}
		struct libscols_column *cl = scols_table_new_column(
			tb, desc[i].name, desc[i].whint, desc[i].flags);
		if (!cl) {
			free(list);
			return -1;
		}
		scols_column_set_json_type(cl, desc[i].json);
		sel[n++] = desc[i].field;
	}
	free(list);
	return n;
}
