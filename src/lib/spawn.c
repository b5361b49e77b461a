/* SPDX-License-Identifier: MIT */
/* Starting and reaping the shell children of exec: and pty:. */
#include "internal.h"

#include <errno.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

int ipcx__spawn_shell(const char *cmd, int in, int out, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	int r;

	r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	/* dup2() onto 0/1 clears close-on-exec of the pipe ends we pass. */
	if (in >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (!r && out >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (!r)
		r = posix_spawn(pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

int ipcx__reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}
