/* SPDX-License-Identifier: MIT */
/* ipcx relay: copy between two channels, both ways, until both end. */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"Usage: ipcx relay [OPTIONS] ADDRESS1 ADDRESS2\n"
	"\n"
	"Copy data between two channels, both ways (-u: from the first to the\n"
	"second only), as socat does.  Each message received from a message\n"
	"channel is sent as one message (between two addresses of one\n"
	"facility with its System V type, POSIX priority or ZeroMQ frames);\n"
	"what a byte stream delivers is sent as it comes.  When one side\n"
	"reaches end of stream, the other side's sending direction is\n"
	"half-closed and copying goes on the other way until that ends too\n"
	"(or --linger runs out); then relay exits 0.\n"
	"Both addresses are connected to unless one says listen=1; a\n"
	"listening address serves one connection.  With --fork, ADDRESS1 is\n"
	"listened on (any facility that listens: sockets, shared memory) and\n"
	"each client is relayed, in a process of its own, to a connection of\n"
	"its own to ADDRESS2, many at once.\n"
	"\n"
	"A message taken that cannot be delivered is never dropped: it goes\n"
	"back to the end of its queue where the source is one (System V or\n"
	"POSIX queue, ring), else to the --dead-letter file, else to stderr\n"
	"(a JSON line, as recv --json writes); then relay exits 1.\n"
	"SIGINT, SIGTERM and SIGHUP end it between messages.\n"
	"\n"
	"Options:\n"
	"  -u, --unidirectional   copy from ADDRESS1 to ADDRESS2 only\n"
	"      --linger SECS      after one side ends, wait at most SECS for\n"
	"                         the other (default: until it ends)\n"
	"      --dead-letter FILE append undeliverable messages to FILE\n"
	"                         (JSON lines; created 0600, never through\n"
	"                         a symbolic link)\n"
	"      --fork             serve every client of ADDRESS1 (above)\n"
	"  -m, --max N            with --fork: at most N clients at once\n"
	"                         (default 64; more wait in the backlog)\n"
	"  -n, --connections N    with --fork: serve N clients, then exit\n"
	"                         once they are done (1 if one failed)\n"
	"  -v, --verbose          say where a listening side listens; with\n"
	"                         --fork, who connects and how each ended\n"
	"      --progress         show messages, bytes and rates on stderr\n"
	"  -h, --help             show this help\n"
	"  -V, --version          show the version\n"
	"\n"
	"Examples:\n"
	"  ipcx relay stdio: tcp:127.0.0.1:9000        a netcat\n"
	"  ipcx relay -u udp::9000?listen=1 unix-dgram:/tmp/d\n"
	"  ipcx relay 'tcp::8080?listen=1' exec:'tr a-z A-Z'\n"
	"  ipcx relay --fork 'posixshm:/db?size=1M' tcp:db.example:5432\n";

static const struct option longopts[] = {
	{"unidirectional", no_argument, NULL, 'u'},
	{"linger", required_argument, NULL, 'L'},
	{"dead-letter", required_argument, NULL, 'D'},
	{"fork", no_argument, NULL, 'F'},
	{"max", required_argument, NULL, 'm'},
	{"connections", required_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},
	{"progress", no_argument, NULL, 'G'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* A listening side serves one connection: say where, wait for it, and
 * stop listening (which removes a UNIX socket path it made). */
static int accept_one(const char *addr, struct ipcx_chan *l,
		      struct ipcx_chan **out, bool verbose)
{
	struct ipcx_chan_info info = {0};

	if (verbose && ipcx_chan_get(l, &info) == 0)
		tool_err("ipcx: %s: listening on %s\n", addr, info.local);
	return tool_accept(l, addr, out, false);
}

static void say_peer(const char *addr, struct ipcx_chan *c)
{
	struct ipcx_chan_info info = {0};

	if (ipcx_chan_get(c, &info) == 0 && info.peer[0])
		tool_err("ipcx: %s: connected to %s\n", addr, info.peer);
}

/* relay --fork: each connection of the listener, in a process of its
 * own, relayed to a connection of its own to TARGET. */
struct fork_relay {
	const struct tool_relay_opts *o;
	const char *target;
	bool verbose;
};

static int relay_one(struct ipcx_chan *conn, const char *addr, void *arg)
{
	struct fork_relay *fr = arg;
	struct ipcx_chan *c[2] = {conn, NULL};
	const char *a[2] = {addr, fr->target};
	unsigned dir = fr->o->oneway ? IPCX_SEND : IPCX_RECV | IPCX_SEND;
	int st = tool_open(&cmd_relay, fr->target, NULL,
			   dir | IPCX_CONNECT | IPCX_INTR, &c[1], NULL);

	if (st != EXIT_OK) {
		tool_close(conn);
		return st;
	}
	if (fr->verbose)
		say_peer(fr->target, c[1]);
	return tool_relay(c, a, fr->o);
}

static int run(int argc, char **argv)
{
	struct tool_relay_opts o = {.linger_ms = -1};
	struct tool_fork_opts fo = {.max = TOOL_FORK_MAX, .count = -1};
	struct ipcx_chan *c[2] = {NULL, NULL};
	const char *addr[2];
	bool verbose = false, forking = false, progress = false;
	int opt, st = EXIT_OK;
	char *end;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_relay, argc, argv, "um:n:vh", longopts,
				  &ost)) != -1) {
		switch (opt) {
		case 'u': o.oneway = true; break;
		case 'L': {
			double secs = strtod(optarg, &end);
			if (*end || secs < 0)
				return tool_usage(&cmd_relay,
						  "--linger wants seconds, "
						  "not '%s'",
						  optarg);
			o.linger_ms = (long long)(secs * 1000);
			break;
		}
		case 'D': o.dead_letter = optarg; break;
		case 'F': forking = true; break;
		case 'm':
		case 'n':
			if (!tool_fork_opt(&cmd_relay, opt, optarg, &fo))
				return EXIT_USAGE;
			break;
		case 'v': verbose = true; break;
		case 'G': progress = true; break;
		case 'h': tool_help(&cmd_relay, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (!tool_args_ok(&cmd_relay, argc - optind))
		return EXIT_USAGE;
	addr[0] = argv[optind];
	addr[1] = argv[optind + 1];
	if (!forking && (fo.max != TOOL_FORK_MAX || fo.count != -1))
		return tool_usage(&cmd_relay,
				  "--max and --connections go with --fork");
	/* With --fork every connection is a process of its own, with its
	 * own counters: SIGUSR1 to one of them prints its own. */
	if (forking && progress)
		return tool_usage(&cmd_relay, "--progress is for one relay, "
					      "not --fork (signal a "
					      "connection's process with "
					      "SIGUSR1)");
	tool_progress_start("relay", progress);
	if (!tool_defer_signals())
		return EXIT_FAIL;
	if (forking) {
		struct fork_relay fr = {
			.o = &o, .target = addr[1], .verbose = verbose};
		fo.verbose = verbose;
		return tool_fork_server(&cmd_relay, addr[0], &fo, relay_one,
					&fr);
	}
	for (int i = 0; i < 2; i++) {
		unsigned dir = o.oneway ? (i == 0 ? IPCX_RECV : IPCX_SEND)
					: IPCX_RECV | IPCX_SEND;
		struct ipcx_chan *l = NULL;
		st = tool_open(&cmd_relay, addr[i], NULL,
			       dir | IPCX_CONNECT | IPCX_INTR, &c[i], &l);
		if (st == EXIT_OK && l)
			st = accept_one(addr[i], l, &c[i], verbose);
		if (st != EXIT_OK)
			break;
		if (verbose)
			say_peer(addr[i], c[i]);
	}
	if (st != EXIT_OK) {
		for (int i = 0; i < 2; i++)
			if (c[i])
				tool_close(c[i]);
		return st;
	}
	st = tool_relay(c, addr, &o);
	tool_progress_end();
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
