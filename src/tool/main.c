/* SPDX-License-Identifier: MIT */
/* The ipcx command: one table of subcommands, dispatched by name. */
#include "tool.h"

#include <signal.h>
#include <string.h>

static const struct command *const commands[] = {
	&cmd_info, &cmd_send, &cmd_recv, &cmd_relay, &cmd_serve, &cmd_shm,
	&cmd_sem,  &cmd_lock, &cmd_ls,	 &cmd_rm,    &cmd_bench,
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: ipcx COMMAND [OPTIONS] [ARGS]\n"
		   "       ipcx help COMMAND | ipcx COMMAND --help\n\n"
		   "Every Linux IPC facility behind one address syntax, "
		   "SCHEME:TARGET[?OPT=VAL&...].\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-7s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f, "\nExit status: 0 success, 1 failure, 2 usage error, "
		   "3 timeout with nothing done.\nSee ipcx(1); "
		   "'ipcx info' lists the facilities.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	/* A vanished reader is an error to report, not a reason to die:
	 * writes then fail with EPIPE, which the library turns into -EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("ipcx %s\n", IPCX_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return EXIT_OK;
		}
		cmd = find(argv[2]);
		if (!cmd) {
			tool_err("ipcx: unknown command '%s'\n", argv[2]);
			return EXIT_USAGE;
		}
		tool_help(cmd, stdout);
		return EXIT_OK;
	}
	cmd = find(argv[1]);
	if (!cmd) {
		tool_err("ipcx: unknown command '%s' (try 'ipcx --help')\n",
			 argv[1]);
		return EXIT_USAGE;
	}
	tool_signals();
	return tool_finish(cmd->fn(argc - 1, argv + 1));
}
