/* SPDX-License-Identifier: MIT */
/* ipcx serve: a command for each connection, many at once (inetd). */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
	"Usage: ipcx serve [OPTIONS] ADDRESS [--] COMMAND [ARG...]\n"
	"\n"
	"Listen on ADDRESS and run COMMAND for each connection, with its\n"
	"standard input and output on the connection, as inetd, socat's\n"
	"'ADDRESS,fork EXEC:...' and 'nc -l -k -e' do; many connections at\n"
	"once.  Every facility that listens serves: unix, unix-seqpacket,\n"
	"tcp, and shared memory (posixshm, sysvshm, mmap: each connection a\n"
	"ring each way).  A byte-stream socket is COMMAND's stdin and stdout\n"
	"itself.  Any other connection (framing=length, seqpacket, a ring)\n"
	"is copied to and from COMMAND over a UNIX stream socket by a process\n"
	"of ipcx, as ipcx relay copies: a message received is written as it\n"
	"is, and each read of what COMMAND writes is sent as one message\n"
	"(a line COMMAND flushes is one message).  The end of the\n"
	"connection is the end of COMMAND's input; COMMAND's end is the end\n"
	"of the connection.  COMMAND finds the client in its environment:\n"
	"IPCX_PEER_PID, IPCX_PEER_UID, IPCX_PEER (its address, when it has\n"
	"one).\n"
	"\n"
	"SIGINT, SIGTERM and SIGHUP stop it: no more connections, the\n"
	"listener is closed (removing the socket path or region it made),\n"
	"the signal is passed to every connection's process, and serve waits\n"
	"for them, then dies of the signal.\n"
	"\n"
	"Options:\n"
	"  -m, --max N           at most N connections at once (default 64);\n"
	"                        more wait in the listener's backlog\n"
	"  -n, --connections N   serve N connections, then exit once they\n"
	"                        are done: 0 when every COMMAND exited 0, "
	"else\n"
	"                        1\n"
	"  -v, --verbose         say where it listens, who connects, and how\n"
	"                        each COMMAND ended (exit status or signal)\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n"
	"\n"
	"Examples:\n"
	"  ipcx serve tcp::7000 -- tr a-z A-Z\n"
	"  ipcx serve -v 'posixshm:/upper?size=1M' tr a-z A-Z\n"
	"  ipcx serve -m 4 unix-seqpacket:/run/app.sock ./handler\n";

static const struct option longopts[] = {
	{"max", required_argument, NULL, 'm'},
	{"connections", required_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* COMMAND's environment: who called. */
static void set_peer(struct ipcx_chan *c)
{
	struct ipcx_chan_info info = {0};
	char num[32];

	if (ipcx_chan_get(c, &info) < 0)
		return;
	snprintf(num, sizeof(num), "%d", (int)info.peer_pid);
	setenv("IPCX_PEER_PID", num, 1);
	snprintf(num, sizeof(num), "%d", (int)info.peer_uid);
	setenv("IPCX_PEER_UID", num, 1);
	if (info.peer[0])
		setenv("IPCX_PEER", info.peer, 1);
	else
		unsetenv("IPCX_PEER");
}

/* What ipcx changed that COMMAND must not inherit. */
static void default_signals(posix_spawnattr_t *attr)
{
	sigset_t def, none;

	sigemptyset(&def);
	sigemptyset(&none);
	int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGCHLD};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		sigaddset(&def, sigs[i]);
	posix_spawnattr_setsigdefault(attr, &def);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF |
					       POSIX_SPAWN_SETSIGMASK);
}

/* Ends as COMMAND ended: its exit status, or its signal (a stop
 * signal that reached this process is passed on to it first). */
static int as_child(pid_t pid)
{
	bool passed = false;
	int ws;

	for (;;) {
		if (tool_stop && !passed) {
			kill(pid, tool_stop);
			passed = true;
		}
		if (waitpid(pid, &ws, 0) == pid)
			break;
		if (errno != EINTR)
			return EXIT_FAIL;
	}
	if (WIFSIGNALED(ws)) {
		fflush(NULL);
		signal(WTERMSIG(ws), SIG_DFL);
		tool_hold_signals(false);
		raise(WTERMSIG(ws));
	}
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : EXIT_FAIL;
}

/* Runs COMMAND with FD (a socket) as its stdin and stdout; its pid. */
static int spawn(char **argv, int fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int e;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	default_signals(&attr);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	/* posix_spawn runs no fork handlers: a connection of the library
	 * is not counted as held by COMMAND, which cannot use it. */
	e = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e)
		tool_err("ipcx: %s: %s\n", argv[0], strerror(e));
	return e;
}

static int serve_one(struct ipcx_chan *c, const char *addr, void *arg)
{
	char **argv = arg;
	struct ipcx_chan *p[2];
	pid_t pid;
	int fd;

	set_peer(c);
	if (tool_is_raw_stream(c) && (fd = ipcx_fd(c)) >= 0) {
		/* The socket itself, blocking as a program expects. */
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		int e = spawn(argv, fd, &pid);
		ipcx_close(c);
		return e ? 127 : as_child(pid);
	}
	/* Copied over a socket pair, as relay copies. */
	if (ipcx_pair("unix", &p[0], &p[1]) < 0) {
		tool_err("ipcx: %s\n", ipcx_error_detail());
		ipcx_close(c);
		return EXIT_FAIL;
	}
	int e = spawn(argv, ipcx_fd(p[1]), &pid);
	ipcx_close(p[1]);
	if (e) {
		ipcx_close(p[0]);
		ipcx_close(c);
		return 127;
	}
	struct ipcx_chan *ends[2] = {c, p[0]};
	const char *names[2] = {addr, argv[0]};
	struct tool_relay_opts o = {.linger_ms = -1};
	int st = tool_relay(ends, names, &o);
	int cs = as_child(pid);
	return st != EXIT_OK ? st : cs;
}

static int run(int argc, char **argv)
{
	struct tool_fork_opts o = {.max = TOOL_FORK_MAX, .count = -1};
	int opt;

	/* '+': options end at ADDRESS; COMMAND's own are its. */
	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_serve, argc, argv, "+m:n:vh", longopts,
				  &ost)) != -1) {
		switch (opt) {
		case 'm':
		case 'n':
			if (!tool_fork_opt(&cmd_serve, opt, optarg, &o))
				return EXIT_USAGE;
			break;
		case 'v': o.verbose = true; break;
		case 'h': tool_help(&cmd_serve, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (!tool_args_ok(&cmd_serve, argc - optind))
		return EXIT_USAGE;
	const char *addr = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		return tool_usage(&cmd_serve, "no COMMAND to run");
	if (!tool_defer_signals())
		return EXIT_FAIL;
	return tool_fork_server(&cmd_serve, addr, &o, serve_one, argv + optind);
}

const struct command cmd_serve = {
	.name = "serve",
	.fn = run,
	.min_args = 1, /* "no COMMAND" says more than "missing argument" */
	.max_args = -1,
	.summary = "run a command for each connection, many at once (inetd)",
	.usage = usage,
};
