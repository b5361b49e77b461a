/* SPDX-License-Identifier: MIT */
/* ipcx send: send messages (arguments, or lines of stdin) to a channel. */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: ipcx send [OPTIONS] ADDRESS [MESSAGE...]\n"
	"\n"
	"Send each MESSAGE as one message; with none, read stdin: one message\n"
	"per line, newline stripped.  On a byte stream without framing, each\n"
	"message is written followed by a newline.  The sending side connects\n"
	"and never creates a missing FIFO or queue unless --create.\n"
	"\n"
	"Options:\n"
	"  -0, --null         stdin holds NUL-separated messages (on a byte\n"
	"                     stream each is then followed by a NUL)\n"
	"      --raw          all of stdin is one message; on a byte stream\n"
	"                     stdin is copied unchanged\n"
	"      --create       create a missing object (mode 0600)\n"
	"      --mode MODE    permissions of what --create makes (octal)\n"
	"      --timeout MS   give up waiting after MS milliseconds (exit 3)\n"
	"      --nonblock     never wait (exit 1 when it would)\n"
	"      --type N       message type (System V queues)\n"
	"      --prio N       message priority (POSIX queues)\n"
	"      --progress     show messages, bytes and rates on stderr\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n"
	"\n"
	"Examples:\n"
	"  ipcx send unix:/tmp/s hello world     two messages\n"
	"  seq 3 | ipcx send udp:127.0.0.1:9000   three datagrams\n"
	"  ipcx send --raw tcp:[::1]:9000 < file  copy a file\n";

static const struct option longopts[] = {
	{"null", no_argument, NULL, '0'},
	{"raw", no_argument, NULL, 'R'},
	{"create", no_argument, NULL, 'c'},
	{"mode", required_argument, NULL, 'm'},
	{"timeout", required_argument, NULL, 't'},
	{"nonblock", no_argument, NULL, 'N'},
	{"type", required_argument, NULL, 'T'},
	{"prio", required_argument, NULL, 'P'},
	{"progress", no_argument, NULL, 'G'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct sender {
	struct ipcx_chan *c;
	const char *addr;
	bool stream; /* byte stream without framing: add a separator */
	char sep;
	size_t sent;
	char *buf;
	size_t cap;
};

static int send_one(struct sender *s, const char *msg, size_t len)
{
	const char *p = msg;
	size_t n = len;
	ssize_t r;

	if (s->stream) {
		/* Message and separator in one write: lines stay whole. */
		if (len + 1 > s->cap) {
			char *b = realloc(s->buf, len + 1);
			if (!b) {
				tool_err("ipcx: out of memory\n");
				return EXIT_FAIL;
			}
			s->buf = b;
			s->cap = len + 1;
		}
		memcpy(s->buf, msg, len);
		s->buf[len] = s->sep;
		p = s->buf;
		n = len + 1;
	}
	r = tool_send(s->c, p, n, NULL);
	if (r < 0) {
		int st = tool_fail((int)r, s->addr);
		return st == EXIT_TIMEOUT && s->sent ? EXIT_FAIL : st;
	}
	if ((size_t)r != n) {
		tool_err("ipcx: %s: only %zd of %zu bytes went\n", s->addr, r,
			 n);
		return EXIT_FAIL;
	}
	s->sent++;
	tool_progress_add(1, len);
	return EXIT_OK;
}

/* Reads all of stdin; NULL on error. */
static char *slurp(size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		if (n == cap) {
			char *b = realloc(buf, cap * 2);
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(0, buf + n, cap - n);
		if (r == 0) {
			*len = n;
			return buf;
		}
		if (r < 0 && (errno != EINTR || tool_stop))
			break;
		if (r > 0)
			n += (size_t)r;
	}
	free(buf);
	return NULL;
}

static int copy_stdin(struct sender *s)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR && tool_stop)
			return EXIT_OK;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("ipcx: stdin");
			return EXIT_FAIL;
		}
		if (n == 0)
			return EXIT_OK;
		ssize_t r = tool_send(s->c, buf, (size_t)n, NULL);
		if (r < 0)
			return tool_fail((int)r, s->addr);
		tool_progress_add(1, (unsigned long long)n);
	}
}

static int send_stdin(struct sender *s, bool raw, char delim)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int st = EXIT_OK;

	if (raw) {
		if (s->stream)
			return copy_stdin(s);
		size_t len;
		char *all = slurp(&len);
		if (!all && tool_stop)
			return EXIT_OK; /* nothing sent */
		if (!all) {
			perror("ipcx: stdin");
			return EXIT_FAIL;
		}
		st = send_one(s, all, len);
		free(all);
		return st;
	}
	/* A stop signal ends it between messages. */
	while (st == EXIT_OK && !tool_stop &&
	       (n = getdelim(&line, &cap, delim, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == delim)
			n--;
		st = send_one(s, line, (size_t)n);
	}
	free(line);
	/* An error reading stdin is not its end. */
	if (st == EXIT_OK && !tool_stop && ferror(stdin)) {
		perror("ipcx: stdin");
		st = EXIT_FAIL;
	}
	return st;
}

static int run(int argc, char **argv)
{
	struct addr_flags af = {0};
	struct sender s = {.sep = '\n'};
	struct ipcx_chan_info info = {0};
	bool raw = false, progress = false;
	char delim = '\n', defaults[256];
	int opt, st;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_send, argc, argv, "0h", longopts,
				  &ost)) != -1) {
		switch (opt) {
		case '0': delim = s.sep = '\0'; break;
		case 'R': raw = true; break;
		case 'c': af.create = true; break;
		case 'm': af.mode = optarg; break;
		case 't': af.timeout = optarg; break;
		case 'N': af.nonblock = true; break;
		case 'T': {
			/* A message's type is > 0 (0 and -N only select
			 * what a receiver takes). */
			char *end;
			errno = 0;
			long t = strtol(optarg, &end, 10);
			if (*end || end == optarg || errno || t <= 0 ||
			    t > 0x7fffffffL)
				return tool_usage(&cmd_send,
						  "--type wants a message type "
						  "from 1 to 2147483647, not "
						  "'%s'",
						  optarg);
			af.type = optarg;
			break;
		}
		case 'P': af.prio = optarg; break;
		case 'G': progress = true; break;
		case 'h': tool_help(&cmd_send, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (!tool_args_ok(&cmd_send, argc - optind))
		return EXIT_USAGE;
	if (raw && argc - optind > 1)
		return tool_usage(&cmd_send, "--raw reads stdin: give no "
					     "MESSAGE");
	s.addr = argv[optind];
	if (!tool_defer_signals())
		return EXIT_FAIL;
	tool_defaults(&af, defaults, sizeof(defaults));
	tool_progress_start("send", progress);
	st = tool_open(&cmd_send, s.addr, defaults,
		       IPCX_SEND | IPCX_CONNECT | IPCX_INTR, &s.c, NULL);
	if (st != EXIT_OK)
		return st;
	ipcx_chan_get(s.c, &info);
	s.stream = tool_is_raw_stream(s.c);
	if (argc - optind > 1) {
		for (int i = optind + 1;
		     i < argc && st == EXIT_OK && !tool_stop; i++)
			st = send_one(&s, argv[i], strlen(argv[i]));
	} else {
		st = send_stdin(&s, raw, delim);
	}
	int r = tool_close(s.c);
	if (r < 0 && st == EXIT_OK)
		st = tool_fail(r, s.addr);
	tool_progress_end();
	free(s.buf);
	return st;
}

const struct command cmd_send = {
	.name = "send",
	.fn = run,
	.min_args = 1,
	.max_args = -1,
	.summary = "send messages (arguments or stdin lines) to ADDRESS",
	.usage = usage,
};
