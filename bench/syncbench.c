/* SPDX-License-Identifier: MIT */
/*
 * Hand-off latency of every synchronization kind, raw calls against ipcx
 * in the same run: one process releases (posts, unlocks), the other,
 * asleep in the kernel waiting for it, wakes and takes it.  The time runs
 * from just before the release to just after the take, on one
 * CLOCK_MONOTONIC, in shared memory.  Each round gives the waiter time to
 * fall asleep first (so every hand-off is a wake-up, not a spin), and
 * raw and ipcx rounds alternate, so that a change of the machine's state
 * hits both alike.  Figures are medians.
 */
#include "common.h"

#include <ipcx.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>

static int rounds = 2000;

struct board {
	_Atomic int phase; /* 1: waiter, block now; 2: took it */
	double t0, t1;
	char mutex[IPCX_MUTEX_SIZE];
	sem_t sem;
};

/* One kind: take/give with raw calls (RAW) or through ipcx. */
struct kind {
	const char *name;
	void (*setup)(void);
	void (*teardown)(void);
	void (*hold)(int raw);	  /* the releaser takes it first */
	void (*release)(int raw); /* the releaser lets go */
	void (*take)(int raw);	  /* the waiter waits for it */
	void (*untake)(int raw);  /* the waiter gives it back */
	void (*reopen)(void);	  /* in the child after fork */
};

static struct board *b;
static struct ipcx_region *region;
static char path[128], addr[200];

static void die(const char *what)
{
	fprintf(stderr, "syncbench: %s: %s (%s)\n", what, strerror(errno),
		ipcx_error_detail());
	exit(1);
}

/* ---- semaphores: the releaser posts, the waiter waits ------------------ */

static struct ipcx_sem *isem;
static int semid;
static sem_t *psem;

static void nop(int raw)
{
	(void)raw;
}

static void sysv_setup(void)
{
	snprintf(addr, sizeof(addr), "sysvsem:0x%x",
		 0x5b000000 | ((int)getpid() & 0xffffff));
	if (ipcx_sem_open(addr, IPCX_CREATE | IPCX_EXCL, 0, &isem) < 0)
		die(addr);
	semid = semget((int)strtol(addr + 8, NULL, 16), 0, 0);
}
static void sysv_post(int raw)
{
	struct sembuf op = {0, 1, 0};
	if (raw ? semop(semid, &op, 1) : ipcx_sem_release(isem))
		die("post");
}
static void sysv_wait(int raw)
{
	struct sembuf op = {0, -1, 0};
	if (raw ? semop(semid, &op, 1)
		: ipcx_sem_acquire(isem, IPCX_WAIT_OPENED))
		die("wait");
}
static void sem_teardown(void)
{
	ipcx_unlink(addr);
	ipcx_sem_close(isem);
}

static void posix_setup(void)
{
	snprintf(addr, sizeof(addr), "posixsem:/ipcx-bench-%d", (int)getpid());
	if (ipcx_sem_open(addr, IPCX_CREATE | IPCX_EXCL, 0, &isem) < 0)
		die(addr);
	psem = sem_open(addr + 9, 0);
}
static void posix_post(int raw)
{
	if (raw ? sem_post(psem) : ipcx_sem_release(isem))
		die("post");
}
static void posix_wait(int raw)
{
	if (raw ? sem_wait(psem) : ipcx_sem_acquire(isem, IPCX_WAIT_OPENED))
		die("wait");
}

static void unnamed_setup(void)
{
	if (ipcx_sem_init(region, 0, 0, &isem) < 0)
		die("sem_init");
	psem = (sem_t *)ipcx_region_base(region);
}
static void unnamed_teardown(void)
{
	ipcx_sem_close(isem);
}

/* ---- robust mutex: the releaser unlocks, the waiter locks ---------------- */

static struct ipcx_mutex *imutex;
#define RAW_MUTEX ((pthread_mutex_t *)((char *)ipcx_region_base(region) + 64))

static void mutex_teardown(void)
{
	ipcx_mutex_close(imutex);
}

static void mutex_setup(void)
{
	if (ipcx_mutex_init(region, 64, &imutex) < 0)
		die("mutex_init");
}
static void mutex_lock(int raw)
{
	if (raw ? pthread_mutex_lock(RAW_MUTEX)
		: ipcx_mutex_acquire(imutex, IPCX_WAIT_FOREVER))
		die("lock");
}
static void mutex_unlock(int raw)
{
	if (raw ? pthread_mutex_unlock(RAW_MUTEX) : ipcx_mutex_release(imutex))
		die("unlock");
}

/* ---- file locks: the releaser unlocks, the waiter blocks --------------- */

static struct ipcx_lock *ilock;
static int lfd = -1;
static int use_flock;

static void file_open(void)
{
	snprintf(addr, sizeof(addr), "%s:%s%s", use_flock ? "flock" : "fcntl",
		 path, use_flock ? "" : "?ofd=1");
	if (ipcx_lock_open(addr, IPCX_CREATE, &ilock) < 0)
		die(addr);
	/* The raw path's own open file description (so both conflict). */
	lfd = open(path, O_RDWR | O_CLOEXEC);
}
static void flock_setup(void)
{
	use_flock = 1;
	snprintf(path, sizeof(path), "/tmp/ipcx-bench-%d.lock", (int)getpid());
	file_open();
}
static void fcntl_setup(void)
{
	use_flock = 0;
	snprintf(path, sizeof(path), "/tmp/ipcx-bench-%d.lock", (int)getpid());
	file_open();
}
static void file_reopen(void)
{
	/* The child opens its own: a lock shared with the parent's open
	 * file description would never conflict. */
	ipcx_lock_close(ilock);
	close(lfd);
	file_open();
}
static void file_teardown(void)
{
	ipcx_lock_close(ilock);
	close(lfd);
	unlink(path);
}
static int raw_lock(int op)
{
	if (use_flock)
		return flock(lfd, op ? LOCK_EX : LOCK_UN);
	struct flock fl = {.l_type = op ? F_WRLCK : F_UNLCK,
			   .l_whence = SEEK_SET};
	return fcntl(lfd, op ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}
static void file_lock(int raw)
{
	if (raw ? raw_lock(1)
		: ipcx_lock_acquire(ilock, IPCX_LOCK_EXCLUSIVE,
				    IPCX_WAIT_OPENED))
		die("lock");
}
static void file_unlock(int raw)
{
	if (raw ? raw_lock(0) : ipcx_lock_release(ilock))
		die("unlock");
}

static const struct kind kinds[] = {
	{"sysvsem", sysv_setup, sem_teardown, nop, sysv_post, sysv_wait, nop,
	 NULL},
	{"posixsem", posix_setup, sem_teardown, nop, posix_post, posix_wait,
	 nop, NULL},
	{"unnamed semaphore", unnamed_setup, unnamed_teardown, nop, posix_post,
	 posix_wait, nop, NULL},
	{"robust mutex", mutex_setup, mutex_teardown, mutex_lock, mutex_unlock,
	 mutex_lock, mutex_unlock, NULL},
	{"flock", flock_setup, file_teardown, file_lock, file_unlock, file_lock,
	 file_unlock, file_reopen},
	{"fcntl (ofd)", fcntl_setup, file_teardown, file_lock, file_unlock,
	 file_lock, file_unlock, file_reopen},
};

static void spin_until(int phase)
{
	while (atomic_load(&b->phase) != phase)
		usleep(20);
}

/* Runs ROUNDS hand-offs alternating raw/ipcx; fills medians in ns. */
static void measure(const struct kind *k, double *raw_ns, double *ipcx_ns)
{
	double *t[2] = {calloc((size_t)rounds, sizeof(double)),
			calloc((size_t)rounds, sizeof(double))};
	int n[2] = {0, 0};

	k->setup();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		pin(1);
		if (k->reopen)
			k->reopen();
		for (int i = 0; i < 2 * rounds; i++) {
			int raw = i % 2 == 0;
			spin_until(1);
			k->take(raw); /* asleep until the release */
			b->t1 = now_ns();
			k->untake(raw);
			atomic_store(&b->phase, 2);
		}
		_exit(0);
	}
	pin(0);
	for (int i = 0; i < 2 * rounds; i++) {
		int raw = i % 2 == 0;
		k->hold(raw);
		atomic_store(&b->phase, 1);
		usleep(300); /* the waiter is asleep in the kernel by now */
		b->t0 = now_ns();
		k->release(raw);
		spin_until(2);
		t[raw][n[raw]++] = b->t1 - b->t0;
		atomic_store(&b->phase, 0);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	if (k->teardown)
		k->teardown();
	for (int r = 0; r < 2; r++)
		qsort(t[r], (size_t)n[r], sizeof(double), cmp_double);
	*raw_ns = t[1][n[1] / 2];
	*ipcx_ns = t[0][n[0] / 2];
	free(t[0]);
	free(t[1]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--quick"))
		rounds = 50;
	if (ipcx_region_open("anon:", IPCX_CREATE, 4096, &region) < 0)
		die("region");
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		die("mmap");
	printf("hand-off latency (release in one process to the other's "
	       "wake-up), pinned to CPUs 0 and 1;\nmedians of %d each, raw "
	       "and ipcx alternating\n\n",
	       rounds);
	printf("%-20s %12s %12s %8s\n", "kind", "raw us", "ipcx us",
	       "ipcx/raw");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		double raw, ipcx;
		measure(&kinds[i], &raw, &ipcx);
		printf("%-20s %12.2f %12.2f %8.3f\n", kinds[i].name, raw / 1e3,
		       ipcx / 1e3, ipcx / raw);
	}
	ipcx_region_close(region);
	return 0;
}
