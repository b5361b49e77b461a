/* SPDX-License-Identifier: MIT */
/* ipcx lock: run a command holding a file lock, as flock(1) does. */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
	"Usage: ipcx lock [OPTIONS] ADDRESS COMMAND [ARGS...]\n"
	"       ipcx lock [OPTIONS] ADDRESS -c COMMAND-LINE\n"
	"\n"
	"Runs COMMAND holding the lock of ADDRESS: flock:PATH (the whole "
	"file)\n"
	"or fcntl:PATH (?start=&len= a byte range, ?ofd=1), with flock(1)'s "
	"options\n"
	"and exit statuses: the command's status (128+N when signal N ended "
	"it),\n"
	"or the conflict code (default 1) when -n finds the lock held or -w "
	"runs\n"
	"out.  A missing file is created (mode 0600).  The lock goes with "
	"the\n"
	"command's copy of the file unless -o (flock and ofd=1 locks live "
	"on\n"
	"in a command that leaves a child behind).\n"
	"\n"
	"Options:\n"
	"  -s, --shared              a shared lock\n"
	"  -x, -e, --exclusive       an exclusive lock (the default)\n"
	"  -n, --nonblock            fail rather than wait\n"
	"  -w, --timeout SECS        wait at most SECS (fractions allowed)\n"
	"  -E, --conflict-exit-code N  exit status for -n and -w failures\n"
	"  -c, --command LINE        run LINE with sh -c\n"
	"  -o, --close               do not pass the locked file to COMMAND\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show the version\n"
	"\n"
	"Examples:\n"
	"  ipcx lock -n flock:/run/lock/backup.lock -- rsync -a src/ dst/\n"
	"  ipcx lock -s -w 2.5 'fcntl:/var/db/x?start=0&len=4096' -c 'cat "
	"/var/db/x'\n";

static const struct option longopts[] = {
	{"shared", no_argument, NULL, 's'},
	{"exclusive", no_argument, NULL, 'x'},
	{"nonblock", no_argument, NULL, 'n'},
	{"nb", no_argument, NULL, 'n'},
	{"timeout", required_argument, NULL, 'w'},
	{"wait", required_argument, NULL, 'w'},
	{"conflict-exit-code", required_argument, NULL, 'E'},
	{"command", required_argument, NULL, 'c'},
	{"close", no_argument, NULL, 'o'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int run_command(struct ipcx_lock *l, char **cmd, const char *line,
		       bool close_fd)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("ipcx lock: fork");
		return EXIT_FAIL;
	}
	if (pid == 0) {
		/* The command keeps the locked file unless -o. */
		if (!close_fd)
			fcntl(ipcx_lock_fd(l), F_SETFD, 0);
		if (line)
			execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		else
			execvp(cmd[0], cmd);
		int e = errno;
		tool_err("ipcx lock: %s: %s\n", line ? "/bin/sh" : cmd[0],
			 ipcx_strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			perror("ipcx lock: waitpid");
			return EXIT_FAIL;
		}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(int argc, char **argv)
{
	int how = IPCX_LOCK_EXCLUSIVE, conflict = 1, opt, r;
	bool nonblock = false, close_fd = false;
	double wait_s = -1;
	const char *line = NULL, *addr;
	struct ipcx_lock *l;
	struct ipcx_addr *a;
	char *end;

	/* "+": options end at ADDRESS; the command's own follow. */
	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_lock, argc, argv, "+sxenw:E:c:oh",
				  longopts, &ost)) != -1) {
		switch (opt) {
		case 's': how = IPCX_LOCK_SHARED; break;
		case 'x':
		case 'e': how = IPCX_LOCK_EXCLUSIVE; break;
		case 'n': nonblock = true; break;
		case 'w':
			wait_s = strtod(optarg, &end);
			if (end == optarg || *end || !(wait_s >= 0) ||
			    wait_s > INT_MAX / 1000)
				return tool_usage(&cmd_lock,
						  "bad timeout '%s' (seconds)",
						  optarg);
			break;
		case 'E': {
			long v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 0 || v > 255)
				return tool_usage(&cmd_lock,
						  "bad exit code '%s' (0-255)",
						  optarg);
			conflict = (int)v;
			break;
		}
		case 'c': line = optarg; break;
		case 'o': close_fd = true; break;
		case 'h': tool_help(&cmd_lock, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (optind >= argc)
		return tool_usage(&cmd_lock, "no address");
	addr = argv[optind++];
	/* After -c LINE nothing else; without it, a command (after an
	 * optional --). */
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	else if (!line && optind < argc &&
		 (!strcmp(argv[optind], "-c") ||
		  !strcmp(argv[optind], "--command"))) {
		/* flock(1)'s "FILE -c LINE" order. */
		if (optind + 1 >= argc)
			return tool_usage(&cmd_lock, "-c needs a command line");
		line = argv[optind + 1];
		optind += 2;
	}
	if (!line && optind >= argc)
		return tool_usage(&cmd_lock, "no command to run");
	if (line && optind < argc)
		return tool_usage(&cmd_lock, "-c takes the whole command line");
	if ((r = tool_parse(&cmd_lock, addr, NULL, IPCX_CAP_LOCK,
			    "a file lock (flock:PATH, fcntl:PATH)", &a)))
		return r;
	r = ipcx_lock_open_addr(a, IPCX_CREATE, &l);
	ipcx_addr_free(a);
	if (r < 0)
		return tool_fail(r, addr);
	if (nonblock)
		r = ipcx_lock_acquire(l, how, IPCX_WAIT_NONE);
	else if (wait_s >= 0)
		r = ipcx_lock_acquire(l, how, (int)lround(wait_s * 1000));
	else
		r = ipcx_lock_acquire(l, how, IPCX_WAIT_OPENED);
	if (r == -EWOULDBLOCK || r == -ETIMEDOUT) {
		tool_err("ipcx lock: %s\n", ipcx_error_detail());
		ipcx_lock_close(l);
		return conflict;
	}
	if (r < 0) {
		int st = tool_fail(r, addr);
		ipcx_lock_close(l);
		return st;
	}
	r = run_command(l, argv + optind, line, close_fd);
	ipcx_lock_close(l);
	return r;
}

const struct command cmd_lock = {
	.name = "lock",
	.fn = run,
	.min_args = 0,
	.max_args = -1,
	.summary = "run a command holding a file lock (as flock(1))",
	.usage = usage,
};
