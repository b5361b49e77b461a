/* SPDX-License-Identifier: MIT */
/*
 * ipcx ls on a crowded system: N System V objects and N /dev/shm entries
 * (default 10,000 each), then the time of `ipcx ls` (the whole command,
 * table printed to /dev/null), as the median of 5 runs; next to the time
 * of `ipcs -a` and of `ls -l /dev/shm` on the same objects.  Everything
 * it made is removed, also when a step fails.
 *
 *   lsbench IPCX [N] [--quick]
 *
 * System V segments are capped by SHMMNI (4096 by default): the System V
 * objects are message queues, which MSGMNI allows 32000 of.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int *ids;
static int nids, n;
static pid_t me;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void cleanup(void)
{
	char name[64];

	for (int i = 0; i < nids; i++)
		msgctl(ids[i], IPC_RMID, NULL);
	nids = 0;
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "/ipcx-lsbench-%d-%d", (int)me, i);
		shm_unlink(name);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup();
	_exit(130);
}

/* Seconds for one run of ARGV, its output to /dev/null; -1 on failure. */
static double run(char *const argv[])
{
	double t0 = now();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		return -1;
	return now() - t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(char *const argv[], int reps)
{
	double t[9];

	for (int i = 0; i < reps; i++)
		if ((t[i] = run(argv)) < 0)
			return -1;
	qsort(t, (size_t)reps, sizeof(*t), cmp);
	return t[reps / 2];
}

int main(int argc, char **argv)
{
	char name[64];
	int quick = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: lsbench IPCX [N] [--quick]\n");
		return 2;
	}
	n = 10000;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else
			n = atoi(argv[i]);
	}
	if (quick)
		n = 100;
	me = getpid();
	ids = calloc((size_t)n, sizeof(*ids));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (int i = 0; i < n; i++) {
		int id = msgget(IPC_PRIVATE, 0600);
		if (id < 0) {
			fprintf(stderr, "lsbench: msgget #%d: %s\n", i,
				strerror(errno));
			cleanup();
			return 1;
		}
		ids[nids++] = id;
		snprintf(name, sizeof(name), "/ipcx-lsbench-%d-%d", (int)me, i);
		int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			fprintf(stderr, "lsbench: shm_open %s: %s\n", name,
				strerror(errno));
			cleanup();
			return 1;
		}
		close(fd);
	}
	char *ls[] = {argv[1], "ls", NULL};
	char *ipcs[] = {"ipcs", "-a", NULL};
	char *dir[] = {"ls", "-l", "/dev/shm", NULL};
	int reps = quick ? 1 : 5;
	double a = median_of(ls, reps), b = median_of(ipcs, reps),
	       c = median_of(dir, reps);
	cleanup();
	if (a < 0) {
		fprintf(stderr, "lsbench: ipcx ls failed\n");
		return 1;
	}
	printf("%d System V queues + %d /dev/shm objects, median of %d:\n", n,
	       n, reps);
	printf("  ipcx ls          %8.3f s\n", a);
	printf("  ipcs -a          %8.3f s  (System V only)\n", b);
	printf("  ls -l /dev/shm   %8.3f s  (/dev/shm only)\n", c);
	return 0;
}
