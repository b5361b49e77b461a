/* SPDX-License-Identifier: MIT */
/* ipcx relay: copy between two channels, both ways, until both end. */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"Usage: ipcx relay [OPTIONS] ADDRESS1 ADDRESS2\n"
	"\n"
	"Copy data between two channels, both ways (-u: from the first to the\n"
	"second only), as socat does.  Each message received from a message\n"
	"channel is sent as one message; what a byte stream delivers is sent\n"
	"as it comes.  When one side reaches end of stream, the other side's\n"
	"sending direction is half-closed and copying goes on the other way\n"
	"until that ends too (or --linger runs out); then relay exits 0.\n"
	"Both addresses are connected to unless one says listen=1; a\n"
	"listening address serves one connection.\n"
	"\n"
	"Options:\n"
	"  -u, --unidirectional   copy from ADDRESS1 to ADDRESS2 only\n"
	"      --linger SECS      after one side ends, wait at most SECS for\n"
	"                         the other (default: until it ends)\n"
	"  -v, --verbose          say where a listening side listens\n"
	"  -h, --help             show this help\n"
	"\n"
	"Examples:\n"
	"  ipcx relay stdio: tcp:127.0.0.1:9000        a netcat\n"
	"  ipcx relay -u udp::9000?listen=1 unix-dgram:/tmp/d\n"
	"  ipcx relay 'tcp::8080?listen=1' exec:'tr a-z A-Z'\n";

static const struct option longopts[] = {
	{"unidirectional", no_argument, NULL, 'u'},
	{"linger", required_argument, NULL, 'L'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct side {
	const char *addr;
	struct ipcx_chan *c;
	bool reading; /* still copying from this side */
	bool zero_eof;
};

struct relay {
	struct side s[2];
	unsigned char *buf;
	size_t cap;
	long long linger_ms; /* -1: none */
	long long deadline;  /* -1: none */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Source X has ended: half-close the other side's input. */
static void ended(struct relay *r, int x)
{
	struct side *to = &r->s[!x];
	int e;

	r->s[x].reading = false;
	e = ipcx_shutdown(to->c);
	if (e < 0 && e != -EOPNOTSUPP)
		fprintf(stderr, "ipcx: %s\n", ipcx_error_detail());
	if (r->linger_ms >= 0 && to->reading)
		r->deadline = now_ms() + r->linger_ms;
}

/* Copies one receive from side X to the other; an exit status. */
static int copy(struct relay *r, int x)
{
	struct side *from = &r->s[x], *to = &r->s[!x];
	struct ipcx_meta m;
	ssize_t n;

	n = tool_recv(from->c, from->addr, &r->buf, &r->cap, &m);
	if (n == -EACCES) {
		fprintf(stderr, "ipcx: %s\n", ipcx_error_detail());
		return EXIT_OK;
	}
	if (n < 0)
		return tool_fail((int)n, from->addr);
	if (n == 0 && from->zero_eof) {
		ended(r, x);
		return EXIT_OK;
	}
	n = ipcx_send(to->c, r->buf, (size_t)n, NULL);
	if (n == -EPIPE) {
		/* The other side stopped reading: this direction is over. */
		ended(r, x);
		return EXIT_OK;
	}
	if (n < 0)
		return tool_fail((int)n, to->addr);
	return EXIT_OK;
}

/* A listening side serves one connection: say where, wait for it, and
 * stop listening (which removes a UNIX socket path it made). */
static int accept_one(struct side *s, struct ipcx_chan *l, bool verbose)
{
	struct ipcx_chan_info info;

	if (verbose && ipcx_chan_get(l, &info) == 0)
		fprintf(stderr, "ipcx: %s: listening on %s\n", s->addr,
			info.local);
	return tool_accept(l, s->addr, &s->c, false);
}

/* --linger ran out: a command still running on either side is told to
 * stop, so that closing (which waits for it) does not hang. */
static void stop_children(struct relay *r)
{
	struct ipcx_chan_info info;

	for (int i = 0; i < 2; i++)
		if (r->s[i].reading && ipcx_chan_get(r->s[i].c, &info) == 0 &&
		    info.child > 0)
			kill(info.child, SIGTERM);
}

static int run(int argc, char **argv)
{
	struct relay r = {.linger_ms = -1, .deadline = -1, .cap = 65536};
	bool oneway = false, verbose = false;
	int opt, st = EXIT_OK;
	char *end;

	while ((opt = getopt_long(argc, argv, "uvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'u': oneway = true; break;
		case 'L': {
			double secs = strtod(optarg, &end);
			if (*end || secs < 0)
				return tool_usage(&cmd_relay,
						  "--linger wants seconds, "
						  "not '%s'",
						  optarg);
			r.linger_ms = (long long)(secs * 1000);
			break;
		}
		case 'v': verbose = true; break;
		case 'h': tool_help(&cmd_relay, stdout); return EXIT_OK;
		default: return tool_usage(&cmd_relay, "bad option");
		}
	}
	if (!tool_args_ok(&cmd_relay, argc - optind))
		return EXIT_USAGE;
	for (int i = 0; i < 2; i++) {
		struct side *s = &r.s[i];
		unsigned dir = oneway ? (i == 0 ? IPCX_RECV : IPCX_SEND)
				      : IPCX_RECV | IPCX_SEND;
		s->addr = argv[optind + i];
		struct ipcx_chan *l = NULL;
		st = tool_open(&cmd_relay, s->addr, NULL, dir | IPCX_CONNECT,
			       &s->c, &l);
		if (st == EXIT_OK && l)
			st = accept_one(s, l, verbose);
		if (st != EXIT_OK)
			goto out;
		s->reading = !oneway || i == 0;
		s->zero_eof = tool_zero_is_eof(s->c);
		if (verbose) {
			struct ipcx_chan_info info;
			if (ipcx_chan_get(s->c, &info) == 0 && info.peer[0])
				fprintf(stderr, "ipcx: %s: connected to %s\n",
					s->addr, info.peer);
		}
	}
	r.buf = malloc(r.cap);
	if (!r.buf) {
		st = EXIT_FAIL;
		goto out;
	}
	while (st == EXIT_OK && (r.s[0].reading || r.s[1].reading)) {
		struct pollfd p[2];
		int idx[2], n = 0, ms = -1;
		for (int i = 0; i < 2; i++)
			if (r.s[i].reading) {
				p[n] = (struct pollfd){.fd = ipcx_fd(r.s[i].c),
						       .events = POLLIN};
				idx[n++] = i;
			}
		if (r.deadline >= 0) {
			long long left = r.deadline - now_ms();
			if (left <= 0) {
				stop_children(&r);
				break;
			}
			ms = (int)left;
		}
		int k = poll(p, (nfds_t)n, ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			perror("ipcx: poll");
			st = EXIT_FAIL;
			break;
		}
		for (int j = 0; j < n && st == EXIT_OK; j++)
			if (p[j].revents)
				st = copy(&r, idx[j]);
	}
out:
	for (int i = 0; i < 2; i++)
		if (r.s[i].c)
			tool_close(r.s[i].c);
	free(r.buf);
	return st;
}

const struct command cmd_relay = {
	.name = "relay",
	.fn = run,
	.min_args = 2,
	.max_args = 2,
	.summary = "copy both ways between two addresses, like socat",
	.usage = usage,
};
