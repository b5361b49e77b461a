/* SPDX-License-Identifier: MIT */
/* ipcx sem: semaphores from the shell. */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: ipcx sem ADDRESS create [--value N] [--mode MODE]\n"
	"       ipcx sem ADDRESS post | wait [--timeout MS] | trywait | get | "
	"rm\n"
	"\n"
	"Named semaphores: sysvsem:KEY (?nsems=, ?index=, ?undo=1) or "
	"posixsem:/name.\n"
	"create makes a new one (mode 0600) with value N (default 0) and "
	"fails if\n"
	"it exists; post adds one; wait takes one, waiting while the value "
	"is 0\n"
	"(exit 3 when --timeout runs out); trywait takes one or fails at "
	"once\n"
	"(exit 1); get prints the value; rm removes it.  A post is kept "
	"after this\n"
	"command exits (no SEM_UNDO unless the address says undo=1).\n"
	"\n"
	"Options:\n"
	"      --value N      initial value for create\n"
	"      --mode MODE    permissions to create with (octal)\n"
	"  -t, --timeout MS   wait at most MS milliseconds\n"
	"  -h, --help         show this help\n"
	"\n"
	"Examples:\n"
	"  ipcx sem posixsem:/slots create --value 3\n"
	"  ipcx sem posixsem:/slots wait --timeout 5000 && run-job; "
	"ipcx sem posixsem:/slots post\n"
	"  ipcx sem sysvsem:0x5eed get\n";

static const struct option longopts[] = {
	{"value", required_argument, NULL, 'v'},
	{"mode", required_argument, NULL, 'm'},
	{"timeout", required_argument, NULL, 't'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static bool parse_uint(const char *s, long max, long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static int run(int argc, char **argv)
{
	const char *mode = NULL, *addr, *verb;
	long value = 0, timeout = -1;
	struct ipcx_sem *s;
	char spec[512];
	int opt, st;

	while ((opt = getopt_long(argc, argv, "t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			if (!parse_uint(optarg, INT_MAX, &value))
				return tool_usage(&cmd_sem, "bad value '%s'",
						  optarg);
			break;
		case 'm': mode = optarg; break;
		case 't':
			if (!parse_uint(optarg, INT_MAX, &timeout))
				return tool_usage(&cmd_sem, "bad timeout '%s'",
						  optarg);
			break;
		case 'h': tool_help(&cmd_sem, stdout); return EXIT_OK;
		default: return tool_usage(&cmd_sem, "bad option");
		}
	}
	if (!tool_args_ok(&cmd_sem, argc - optind))
		return EXIT_USAGE;
	addr = argv[optind];
	verb = argv[optind + 1];
	/* Only semaphores: rm must not remove anything else. */
	if ((st = tool_kind_check(&cmd_sem, addr, IPCX_SYNCHRONIZATION,
				  "semaphore",
				  "a semaphore (sysvsem:KEY, posixsem:/name)")))
		return st;
	static const char *const verbs[] = {"create",  "post", "wait",
					    "trywait", "get",  "rm"};
	size_t v = 0;
	while (v < sizeof(verbs) / sizeof(*verbs) && strcmp(verb, verbs[v]))
		v++;
	if (v == sizeof(verbs) / sizeof(*verbs))
		return tool_usage(&cmd_sem,
				  "unknown action '%s' (create, post, wait, "
				  "trywait, get, rm)",
				  verb);
	if (!strcmp(verb, "rm")) {
		st = ipcx_unlink(addr);
		return st < 0 ? tool_fail(st, addr) : EXIT_OK;
	}
	if (!strcmp(verb, "create")) {
		snprintf(spec, sizeof(spec), "%s%s%s%s", addr,
			 mode ? (strchr(addr, '?') ? "&" : "?") : "",
			 mode ? "mode=" : "", mode ? mode : "");
		st = ipcx_sem_open(spec, IPCX_CREATE | IPCX_EXCL,
				   (unsigned)value, &s);
		if (st < 0)
			return tool_fail(st, addr);
		ipcx_sem_close(s);
		return EXIT_OK;
	}
	if ((st = ipcx_sem_open(addr, 0, 0, &s)) < 0)
		return tool_fail(st, addr);
	if (!strcmp(verb, "post"))
		st = ipcx_sem_post(s);
	else if (!strcmp(verb, "trywait"))
		st = ipcx_sem_trywait(s);
	else if (!strcmp(verb, "wait"))
		st = timeout >= 0 ? ipcx_sem_timedwait(s, (int)timeout)
				  : ipcx_sem_wait(s);
	else if ((st = ipcx_sem_value(s)) >= 0) {
		printf("%d\n", st);
		st = 0;
	}
	ipcx_sem_close(s);
	return st < 0 ? tool_fail(st, addr) : EXIT_OK;
}

const struct command cmd_sem = {
	.name = "sem",
	.fn = run,
	.min_args = 2,
	.max_args = 2,
	.summary = "create, post, wait for, read and remove semaphores",
	.usage = usage,
};
