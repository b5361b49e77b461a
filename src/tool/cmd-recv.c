/* SPDX-License-Identifier: MIT */
/* ipcx recv: receive messages from a channel and print them. */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: ipcx recv [OPTIONS] ADDRESS\n"
	"\n"
	"Receive messages and print each followed by a newline.  On a byte\n"
	"stream without framing the bytes are copied to stdout unchanged, as\n"
	"cat would (with -n or --json, lines count as messages).  The\n"
	"receiving side creates a missing FIFO (mode 0600) and listens on\n"
	"sockets; a UNIX socket path it created is removed when it exits.\n"
	"\n"
	"Options:\n"
	"  -n, --count N      stop after N messages\n"
	"      --timeout MS   give up after MS milliseconds without a\n"
	"                     message (exit 3 when nothing came)\n"
	"  -0, --null         end each message with a NUL, not a newline\n"
	"      --raw          add nothing after each message\n"
	"      --json         one JSON object per message: data (or\n"
	"                     data_base64), size, and type, prio, pid, uid,\n"
	"                     from where the facility gives them\n"
	"  -k, --keep         on a listening socket, accept the next\n"
	"                     connection when one ends\n"
	"  -v, --verbose      say where it listens (port, socket, pty slave)\n"
	"      --mode MODE    permissions of what it creates (octal)\n"
	"      --nonblock     never wait (exit 1 when nothing is there)\n"
	"      --type N       message type to select (System V queues)\n"
	"      --progress     show messages, bytes and rates on stderr\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n"
	"\n"
	"Examples:\n"
	"  ipcx recv unix:/tmp/s                  serve one connection\n"
	"  ipcx recv -n 3 --json udp:127.0.0.1:9000\n"
	"  ipcx recv exec:'ls /'                  a command's output\n";

static const struct option longopts[] = {
	{"count", required_argument, NULL, 'n'},
	{"timeout", required_argument, NULL, 't'},
	{"null", no_argument, NULL, '0'},
	{"raw", no_argument, NULL, 'R'},
	{"json", no_argument, NULL, 'J'},
	{"keep", no_argument, NULL, 'k'},
	{"verbose", no_argument, NULL, 'v'},
	{"mode", required_argument, NULL, 'm'},
	{"nonblock", no_argument, NULL, 'N'},
	{"type", required_argument, NULL, 'T'},
	{"progress", no_argument, NULL, 'G'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct receiver {
	const char *addr;
	long long want; /* -1: no limit */
	long long got;
	bool json, raw;
	char sep;
	unsigned char *buf;
	size_t cap;
};

static bool print_message(struct receiver *r, const unsigned char *data,
			  size_t len, const struct ipcx_meta *m)
{
	if (r->json) {
		tool_json_message(stdout, data, len, m);
		return fflush(stdout) == 0;
	}
	return tool_write_msg(data, len, r->raw ? NULL : &r->sep);
}

/* A message taken is written whole: a stop signal waits until then. */
static bool print_held(struct receiver *r, const unsigned char *data,
		       size_t len, const struct ipcx_meta *m)
{
	tool_hold_signals(true);
	bool ok = print_message(r, data, len, m);
	tool_hold_signals(false);
	return ok;
}

/* One message per ipcx_recv(): message channels and framed streams. */
static int recv_messages(struct receiver *r, struct ipcx_chan *c, bool *eof)
{
	bool zero_eof = tool_zero_is_eof(c);
	/* --json reports the sender where it costs a call to know it. */
	struct ipcx_meta m = {.want = r->json ? IPCX_META_PID : 0};

	while ((r->want < 0 || r->got < r->want) && !tool_stop) {
		ssize_t n = tool_recv(c, r->addr, false, &r->buf, &r->cap, &m);
		if (n == -EACCES) {
			tool_err("ipcx: %s\n", ipcx_error_detail());
			continue;
		}
		if (n < 0)
			return tool_fail((int)n, r->addr);
		if (n == 0 && zero_eof) {
			*eof = true;
			return EXIT_OK;
		}
		r->got++;
		tool_progress_add(1, (unsigned long long)n);
		if (!print_held(r, r->buf, (size_t)n, &m))
			return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* A byte stream: copy it, or split it into lines for -n and --json. */
static int recv_stream(struct receiver *r, struct ipcx_chan *c, bool *eof)
{
	bool lines = r->json || r->want >= 0;
	/* With -n, read a byte at a time (as the shell's read does) so that
	 * nothing past the last wanted line is consumed. */
	size_t chunk = r->want >= 0 ? 1 : r->cap;
	size_t have = 0;
	int st = EXIT_OK;

	if (!lines) {
		while (!tool_stop) {
			ssize_t n = tool_read(c, r->buf, r->cap);
			if (n < 0)
				return tool_fail((int)n, r->addr);
			if (n == 0) {
				*eof = true;
				return EXIT_OK;
			}
			r->got++;
			tool_progress_add(1, (unsigned long long)n);
			tool_hold_signals(true);
			bool ok = tool_write_out(r->buf, (size_t)n);
			tool_hold_signals(false);
			if (!ok)
				return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	while ((r->want < 0 || r->got < r->want) && !tool_stop) {
		if (have == r->cap) {
			unsigned char *b = realloc(r->buf, r->cap * 2);
			if (!b)
				return EXIT_FAIL;
			r->buf = b;
			r->cap *= 2;
		}
		size_t room = r->cap - have < chunk ? r->cap - have : chunk;
		ssize_t n = tool_read(c, r->buf + have, room);
		if (n < 0) {
			st = tool_fail((int)n, r->addr);
			break;
		}
		if (n == 0) {
			*eof = true;
			break;
		}
		tool_progress_add(0, (unsigned long long)n);
		size_t start = 0;
		for (size_t i = have; i < have + (size_t)n; i++) {
			if (r->buf[i] != '\n')
				continue;
			r->got++;
			tool_progress_add(1, 0);
			if (!print_held(r, r->buf + start, i - start, NULL))
				return EXIT_FAIL;
			start = i + 1;
			if (r->want >= 0 && r->got >= r->want)
				break;
		}
		have += (size_t)n;
		memmove(r->buf, r->buf + start, have - start);
		have -= start;
	}
	/* A last line without its newline is still a message. */
	if (have && (r->want < 0 || r->got < r->want)) {
		r->got++;
		if (!print_held(r, r->buf, have, NULL))
			return EXIT_FAIL;
	}
	return st;
}

static int serve(struct receiver *r, struct ipcx_chan *c, bool *eof)
{
	if (tool_is_raw_stream(c))
		return recv_stream(r, c, eof);
	return recv_messages(r, c, eof);
}

static void say_where(const char *addr, struct ipcx_chan *c)
{
	struct ipcx_chan_info i = {0};

	if (ipcx_chan_get(c, &i) < 0)
		return;
	/* A bound datagram socket listens in all but name. */
	bool listens = i.listening || (i.local[0] && !i.peer[0] &&
				       (i.facility->caps & IPCX_CAP_CONNLESS));
	if (listens || i.local[0])
		tool_err("ipcx: %s: %s %s\n", addr,
			 listens ? "listening on" : "local end is",
			 i.local[0] ? i.local : addr);
	if (i.id >= 0)
		tool_err("ipcx: %s: id %ld\n", addr, i.id);
}

static int run(int argc, char **argv)
{
	struct receiver r = {.want = -1, .sep = '\n', .cap = 65536};
	struct addr_flags af = {0};
	struct ipcx_chan *c = NULL, *l = NULL;
	bool keep = false, verbose = false, eof = false, progress = false;
	char defaults[256], *end;
	int opt, st;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_recv, argc, argv, "n:0kvh", longopts,
				  &ost)) != -1) {
		switch (opt) {
		case 'n':
			r.want = strtoll(optarg, &end, 10);
			if (*end || r.want < 1)
				return tool_usage(&cmd_recv,
						  "-n wants a count >= 1, "
						  "not '%s'",
						  optarg);
			break;
		case 't': af.timeout = optarg; break;
		case '0': r.sep = '\0'; break;
		case 'R': r.raw = true; break;
		case 'J': r.json = true; break;
		case 'k': keep = true; break;
		case 'v': verbose = true; break;
		case 'm': af.mode = optarg; break;
		case 'N': af.nonblock = true; break;
		case 'T': af.type = optarg; break;
		case 'G': progress = true; break;
		case 'h': tool_help(&cmd_recv, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (!tool_args_ok(&cmd_recv, argc - optind))
		return EXIT_USAGE;
	r.addr = argv[optind];
	r.buf = malloc(r.cap);
	if (!r.buf || !tool_defer_signals()) {
		free(r.buf);
		return EXIT_FAIL;
	}
	tool_defaults(&af, defaults, sizeof(defaults));
	tool_progress_start("recv", progress);
	st = tool_open(&cmd_recv, r.addr, defaults,
		       IPCX_RECV | IPCX_LISTEN | IPCX_CREATE | IPCX_INTR, &c,
		       &l);
	if (st != EXIT_OK)
		goto out;
	if (verbose)
		say_where(r.addr, c ? c : l);
	do {
		if (l) {
			st = tool_accept(l, r.addr, &c, keep);
			if (!keep || st != EXIT_OK)
				l = NULL; /* tool_accept closed it */
			if (st != EXIT_OK)
				break;
		}
		eof = false;
		st = serve(&r, c, &eof);
		tool_close(c);
		c = NULL;
	} while (l && st == EXIT_OK && eof && (r.want < 0 || r.got < r.want) &&
		 !tool_stop);
	if (st == EXIT_TIMEOUT && r.got)
		st = r.want >= 0 ? EXIT_FAIL : EXIT_OK;
	tool_progress_end();
out:
	if (l)
		tool_close(l);
	free(r.buf);
	return st;
}

const struct command cmd_recv = {
	.name = "recv",
	.fn = run,
	.min_args = 1,
	.max_args = 1,
	.summary = "receive messages from ADDRESS and print them",
	.usage = usage,
};
