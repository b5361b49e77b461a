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
	"  -V, --version      show the version\n"
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
	struct ipcx_addr *a;
	char spec[512];
	int opt, st;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_sem, argc, argv, "t:h", longopts,
				  &ost)) != -1) {
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
		default: return ost;
		}
	}
	if (!tool_args_ok(&cmd_sem, argc - optind))
		return EXIT_USAGE;
	addr = argv[optind];
	verb = argv[optind + 1];
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
	/* Only semaphores: rm must not remove anything else.  --mode
	 * travels as the address option it mirrors (the address's own
	 * mode= wins). */
	if (mode)
		snprintf(spec, sizeof(spec), "mode=%s", mode);
	if ((st = tool_parse(&cmd_sem, addr, mode ? spec : NULL, IPCX_CAP_SEM,
			     "a semaphore (sysvsem:KEY, posixsem:/name)", &a)))
		return st;
	if (!strcmp(verb, "rm"))
		st = ipcx_unlink_addr(a);
	else
		st = ipcx_sem_open_addr(
			a, strcmp(verb, "create") ? 0 : IPCX_CREATE | IPCX_EXCL,
			(unsigned)value, &s);
	ipcx_addr_free(a);
	if (st < 0)
		return tool_fail(st, addr);
	if (!strcmp(verb, "rm"))
		return EXIT_OK;
	if (!strcmp(verb, "create")) {
		ipcx_sem_close(s);
		return EXIT_OK;
	}
	if (!strcmp(verb, "post"))
		st = ipcx_sem_release(s);
	else if (!strcmp(verb, "trywait"))
		st = ipcx_sem_acquire(s, IPCX_WAIT_NONE);
	else if (!strcmp(verb, "wait"))
		st = timeout >= 0 ? ipcx_sem_acquire(s, (int)timeout)
				  : ipcx_sem_acquire(s, IPCX_WAIT_OPENED);
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
