/* SPDX-License-Identifier: MIT */
/* Semaphores of the three kinds (System V, POSIX named, unnamed in a
 * region), and robust mutexes and condition variables in a region, across
 * processes. */
#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char made[8][128];
static int nmade;
static struct ipcx_region *region; /* unnamed semaphores live here */

enum kind { SYSV, POSIX, UNNAMED };
static const char *const kind_name[] = {"sysvsem", "posixsem", "unnamed"};

static const char *new_name(enum kind k, const char *opts)
{
	static int n;
	char *a = made[nmade < 7 ? nmade++ : 7];

	n++;
	if (k == SYSV)
		snprintf(a, sizeof(made[0]), "sysvsem:0x%x%s%s",
			 0x5e000000 | ((int)getpid() & 0xffff) << 8 | n,
			 *opts ? "?" : "", opts);
	else
		snprintf(a, sizeof(made[0]), "posixsem:/ipcx-test-%d-%d%s%s",
			 (int)getpid(), n, *opts ? "?" : "", opts);
	return a;
}

static int remove_made(void **state)
{
	char base[128];

	(void)state;
	for (int i = 0; i < nmade; i++) {
		snprintf(base, sizeof(base), "%.127s", made[i]);
		char *q = strchr(base, '?');
		if (q)
			*q = '\0';
		ipcx_unlink(base);
	}
	nmade = 0;
	ipcx_region_close(region);
	region = NULL;
	return 0;
}

/* A new semaphore of kind K with value INITIAL (before any fork: the
 * unnamed one lives in an anonymous region the children inherit). */
static struct ipcx_sem *new_sem(enum kind k, const char *opts, unsigned initial)
{
	struct ipcx_sem *s;

	if (k == UNNAMED) {
		if (!region)
			assert_int_equal(ipcx_region_open("anon:", IPCX_CREATE,
							  4096, &region),
					 0);
		assert_int_equal(ipcx_sem_init(region, 64, initial, &s), 0);
		return s;
	}
	const char *addr = new_name(k, opts);
	if (ipcx_sem_open(addr, IPCX_CREATE | IPCX_EXCL, initial, &s) < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	return s;
}

/* N waiters and M = N * EACH posts: every wait returns, none twice, and
 * the value ends at 0 (no lost wake-up, never below 0). */
static void counting(enum kind k)
{
	enum { N = 4, EACH = 200 };
	struct ipcx_sem *s = new_sem(k, "", 0);
	pid_t kids[N];

	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			for (int j = 0; j < EACH; j++)
				CHILD_CHECK(ipcx_sem_acquire(s, 10000) == 0);
			_exit(0);
		}
	}
	for (int j = 0; j < N * EACH; j++) {
		assert_int_equal(ipcx_sem_release(s), 0);
		if (j % 50 == 0)
			usleep(100); /* let waiters sleep, too */
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(conf_wait(kids[i]), 0);
	assert_int_equal(ipcx_sem_value(s), 0);
	assert_int_equal(ipcx_sem_acquire(s, IPCX_WAIT_NONE), -EAGAIN);
	ipcx_sem_close(s);
}

static void t_counting(void **state)
{
	(void)state;
	for (int k = SYSV; k <= UNNAMED; k++) {
		print_message("%s\n", kind_name[k]);
		counting(k);
		remove_made(NULL);
	}
}

static void t_try_and_timed(void **state)
{
	(void)state;
	for (int k = SYSV; k <= UNNAMED; k++) {
		struct ipcx_sem *s = new_sem(k, "", 0);
		struct timespec t0;
		assert_int_equal(ipcx_sem_acquire(s, IPCX_WAIT_NONE), -EAGAIN);
		assert_non_null(strstr(ipcx_error_detail(), "value is 0"));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(ipcx_sem_acquire(s, 150), -ETIMEDOUT);
		long long ms = conf_ms_since(&t0);
		assert_true(ms >= 140 && ms < 1500);
		/* A post during a timed wait ends it early. */
		pid_t pid = fork();
		if (pid == 0) {
			usleep(50000);
			CHILD_CHECK(ipcx_sem_release(s) == 0);
			_exit(0);
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(ipcx_sem_acquire(s, 5000), 0);
		assert_true(conf_ms_since(&t0) < 2000);
		assert_int_equal(conf_wait(pid), 0);
		assert_int_equal(ipcx_sem_release(s), 0);
		assert_int_equal(ipcx_sem_release(s), 0);
		assert_int_equal(ipcx_sem_value(s), 2);
		assert_int_equal(ipcx_sem_acquire(s, IPCX_WAIT_NONE), 0);
		assert_int_equal(ipcx_sem_value(s), 1);
		ipcx_sem_close(s);
		remove_made(NULL);
	}
}

/* A post by a process that then exits is kept (no SEM_UNDO by default). */
static void t_post_outlives_poster(void **state)
{
	(void)state;
	for (int k = SYSV; k <= UNNAMED; k++) {
		struct ipcx_sem *s = new_sem(k, "", 0);
		pid_t pid = fork();
		if (pid == 0) {
			CHILD_CHECK(ipcx_sem_release(s) == 0);
			_exit(0);
		}
		assert_int_equal(conf_wait(pid), 0);
		assert_int_equal(ipcx_sem_value(s), 1);
		ipcx_sem_close(s);
		remove_made(NULL);
	}
}

/* The address's nonblock= and timeout= drive
 * ipcx_sem_acquire(IPCX_WAIT_OPENED). */
static void t_address_options(void **state)
{
	struct ipcx_sem *s, *nb, *tm;
	const char *addr = new_name(POSIX, "");

	(void)state;
	assert_int_equal(ipcx_sem_open(addr, IPCX_CREATE, 0, &s), 0);
	char a2[160];
	snprintf(a2, sizeof(a2), "%s?nonblock=1", addr);
	assert_int_equal(ipcx_sem_open(a2, 0, 0, &nb), 0);
	assert_int_equal(ipcx_sem_acquire(nb, IPCX_WAIT_OPENED), -EAGAIN);
	snprintf(a2, sizeof(a2), "%s?timeout=100", addr);
	assert_int_equal(ipcx_sem_open(a2, 0, 0, &tm), 0);
	assert_int_equal(ipcx_sem_acquire(tm, IPCX_WAIT_OPENED), -ETIMEDOUT);
	/* An existing semaphore keeps its value: INITIAL is for creating. */
	assert_int_equal(ipcx_sem_release(s), 0);
	struct ipcx_sem *again;
	assert_int_equal(ipcx_sem_open(addr, IPCX_CREATE, 7, &again), 0);
	assert_int_equal(ipcx_sem_value(again), 1);
	ipcx_sem_close(again);
	ipcx_sem_close(tm);
	ipcx_sem_close(nb);
	ipcx_sem_close(s);
}

/* undo=1: what a killed process took is given back by the kernel. */
static void t_sysv_undo(void **state)
{
	const char *addr = new_name(SYSV, "undo=1");
	struct ipcx_sem *s;
	int sync[2];

	(void)state;
	assert_int_equal(ipcx_sem_open(addr, IPCX_CREATE, 1, &s), 0);
	assert_int_equal(pipe(sync), 0);
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_sem_acquire(s, IPCX_WAIT_OPENED) ==
			    0); /* takes the "lock" */
		CHILD_CHECK(write(sync[1], "x", 1) == 1);
		pause();
		_exit(0);
	}
	char c;
	assert_int_equal(read(sync[0], &c, 1), 1);
	assert_int_equal(ipcx_sem_value(s), 0);
	kill(pid, SIGKILL);
	assert_int_equal(conf_wait(pid), 128 + SIGKILL);
	assert_int_equal(ipcx_sem_value(s), 1); /* undone */
	/* Without undo=, the same death keeps the value taken. */
	char plain[128];
	snprintf(plain, sizeof(plain), "%.*s", (int)(strchr(addr, '?') - addr),
		 addr);
	struct ipcx_sem *p;
	assert_int_equal(ipcx_sem_open(plain, 0, 0, &p), 0);
	pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_sem_acquire(p, IPCX_WAIT_OPENED) == 0);
		CHILD_CHECK(write(sync[1], "x", 1) == 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(sync[0], &c, 1), 1);
	kill(pid, SIGKILL);
	assert_int_equal(conf_wait(pid), 128 + SIGKILL);
	assert_int_equal(ipcx_sem_value(p), 0);
	close(sync[0]);
	close(sync[1]);
	ipcx_sem_close(p);
	ipcx_sem_close(s);
}

/* A set removed under a waiter wakes it with -EIDRM. */
static void t_sysv_removed_under_waiter(void **state)
{
	(void)state;
	for (int timed = 0; timed < 2; timed++) {
		struct ipcx_sem *s = new_sem(SYSV, "", 0);
		pid_t pid = fork();
		if (pid == 0) {
			int r = timed ? ipcx_sem_acquire(s, 10000)
				      : ipcx_sem_acquire(s, IPCX_WAIT_OPENED);
			CHILD_CHECK(r == -EIDRM);
			CHILD_CHECK(strstr(ipcx_error_detail(), "removed"));
			_exit(0);
		}
		usleep(100000);
		assert_int_equal(ipcx_sem_unlink(s), 0);
		assert_int_equal(conf_wait(pid), 0);
		assert_int_equal(ipcx_sem_release(s), -EIDRM);
		ipcx_sem_close(s);
		nmade = 0;
	}
}

/* Many processes create-or-open one new set at once: every one sees the
 * initial value, never an uninitialised set (semget(2)'s sem_otime). */
static void t_sysv_creation_race(void **state)
{
	enum { N = 8 };
	const char *addr = new_name(SYSV, "nsems=3&index=2");
	int go[2];
	pid_t kids[N];

	(void)state;
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct ipcx_sem *s;
			char c;
			close(go[1]);
			CHILD_CHECK(read(go[0], &c, 1) == 0);
			CHILD_CHECK(ipcx_sem_open(addr, IPCX_CREATE, 5, &s) ==
				    0);
			CHILD_CHECK(ipcx_sem_value(s) == 5);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]); /* all start now */
	for (int i = 0; i < N; i++)
		assert_int_equal(conf_wait(kids[i]), 0);
}

static void t_interop(void **state)
{
	(void)state;
	/* System V: a plain semop() peer posts, ipcx waits; ipcx posts,
	 * the peer's semop() takes it. */
	struct ipcx_sem *s = new_sem(SYSV, "", 0);
	char base[128];
	snprintf(base, sizeof(base), "%.127s", made[nmade - 1]);
	int key = (int)strtol(strchr(base, ':') + 1, NULL, 16);
	int id = semget(key, 0, 0);
	assert_true(id >= 0);
	struct semid_ds ds;
	union {
		int val;
		struct semid_ds *buf;
	} arg = {.buf = &ds};
	assert_int_equal(semctl(id, 0, IPC_STAT, arg), 0);
	assert_int_equal(ds.sem_perm.mode & 0777, 0600);
	/* The peer waits for "taken" before it waits for ipcx's post, so
	 * that it cannot take back its own. */
	int taken[2];
	char c;
	assert_int_equal(pipe(taken), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct sembuf up = {0, 1, 0}, down = {0, -1, 0};
		CHILD_CHECK(semop(id, &up, 1) == 0);
		CHILD_CHECK(read(taken[0], &c, 1) == 1);
		CHILD_CHECK(semop(id, &down, 1) == 0); /* waits for ipcx */
		_exit(0);
	}
	assert_int_equal(ipcx_sem_acquire(s, 5000), 0);
	assert_int_equal(write(taken[1], "t", 1), 1);
	usleep(50000); /* mostly: the peer is asleep in semop() now */
	assert_int_equal(ipcx_sem_release(s), 0);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_sem_value(s), 0);
	ipcx_sem_close(s);

	/* POSIX: sem_open()/sem_post() of a plain peer. */
	const char *addr = new_name(POSIX, "");
	assert_int_equal(ipcx_sem_open(addr, IPCX_CREATE, 0, &s), 0);
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/dev/shm/sem.%s", strchr(addr, '/') + 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	pid = fork();
	if (pid == 0) {
		sem_t *p = sem_open(strchr(addr, '/'), 0);
		CHILD_CHECK(p != SEM_FAILED);
		CHILD_CHECK(sem_post(p) == 0);
		CHILD_CHECK(read(taken[0], &c, 1) == 1);
		CHILD_CHECK(sem_wait(p) == 0); /* waits for ipcx */
		_exit(0);
	}
	assert_int_equal(ipcx_sem_acquire(s, 5000), 0);
	assert_int_equal(write(taken[1], "t", 1), 1);
	assert_int_equal(ipcx_sem_release(s), 0);
	assert_int_equal(conf_wait(pid), 0);
	ipcx_sem_close(s);
	close(taken[0]);
	close(taken[1]);
}

struct seen {
	long long size, key;
	const char *unit;
	size_t nvalues;
	long long values[4];
};

static int look(const struct ipcx_object *o, void *arg)
{
	struct seen *w = arg;

	w->size = o->size;
	w->unit = o->size_unit;
	w->key = o->key;
	w->nvalues = o->nvalues;
	for (size_t i = 0; i < o->nvalues && i < 4; i++)
		w->values[i] = ipcx_object_value(o, i);
	assert_int_equal(ipcx_object_value(o, o->nvalues), -1);
	return 0;
}

/* As ipcx ls shows them: a POSIX semaphore is one semaphore with its
 * value; a System V set is its semaphores, each value, and its key. */
static void t_listed_with_values(void **state)
{
	struct ipcx_sem *s;
	struct seen w;

	(void)state;
	const char *p = new_name(POSIX, "");
	assert_int_equal(ipcx_sem_open(p, IPCX_CREATE, 3, &s), 0);
	assert_int_equal(ipcx_sem_release(s), 0);
	assert_int_equal(ipcx_object_find(p, 0, look, &w), 0);
	assert_int_equal(w.size, 1);
	assert_string_equal(w.unit, "semaphores");
	assert_int_equal(w.key, -1);
	assert_int_equal(w.nvalues, 1);
	assert_int_equal(w.values[0], 4);
	assert_int_equal(ipcx_sem_close(s), 0);

	const char *v = new_name(SYSV, "nsems=3&index=2");
	assert_int_equal(ipcx_sem_open(v, IPCX_CREATE, 5, &s), 0);
	assert_int_equal(ipcx_object_find(v, 0, look, &w), 0);
	assert_int_equal(w.size, 3);
	assert_string_equal(w.unit, "semaphores");
	assert_int_equal(w.nvalues, 3);
	/* The set is made with every semaphore at the value asked. */
	assert_int_equal(w.values[2], 5);
	long long key = strtoll(strchr(v, ':') + 1, NULL, 16);
	assert_int_equal(w.key, key);
	assert_int_equal(ipcx_sem_close(s), 0);
}

static void t_bad_input(void **state)
{
	struct ipcx_sem *s;
	struct ipcx_region *r;

	(void)state;
	static const char *const bad[] = {
		"sysvsem:0x1?nsems=0",
		"sysvsem:0x1?index=-1",
		"sysvsem:0x1?size=1",
		"posixsem:noslash",
		"posixsem:/a/b",
		"posixsem:/x?undo=1",
		"sysvsem:0x1?nsems=1&index=1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int e = ipcx_sem_open(bad[i], IPCX_CREATE, 0, &s);
		if (e != -EINVAL)
			fail_msg("%s: %d (%s)", bad[i], e, ipcx_error_detail());
		assert_non_null(strstr(ipcx_error_detail(), "'") ||
				strstr(ipcx_error_detail(), bad[i]));
	}
	assert_int_equal(ipcx_sem_open("fifo:/tmp/x", 0, 0, &s), -EOPNOTSUPP);
	assert_non_null(strstr(ipcx_error_detail(), "not a semaphore"));
	/* Missing, without create. */
	const char *addr = new_name(POSIX, "");
	assert_int_equal(ipcx_sem_open(addr, 0, 0, &s), -ENOENT);
	assert_non_null(strstr(ipcx_error_detail(), addr));
	addr = new_name(SYSV, "");
	assert_int_equal(ipcx_sem_open(addr, 0, 0, &s), -ENOENT);
	/* Values beyond the kind's maximum. */
	assert_int_equal(ipcx_sem_open(addr, IPCX_CREATE, 40000, &s), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "SEMVMX"));
	/* A set that exists with fewer semaphores than index= asks. */
	assert_int_equal(ipcx_sem_open(addr, IPCX_CREATE, 0, &s), 0);
	ipcx_sem_close(s);
	char more[160];
	snprintf(more, sizeof(more), "%s?index=4", addr);
	assert_int_equal(ipcx_sem_open(more, 0, 0, &s), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "has 1 semaphore"));
	/* Unnamed: inside the region, aligned. */
	assert_int_equal(ipcx_region_open("anon:", IPCX_CREATE, 4096, &r), 0);
	assert_int_equal(ipcx_sem_init(r, 3, 0, &s), -EINVAL);
	assert_int_equal(ipcx_sem_init(r, 4096 - 8, 0, &s), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "does not fit"));
	assert_int_equal(ipcx_sem_init(NULL, 0, 0, &s), -EINVAL);
	assert_int_equal(ipcx_sem_init(r, 0, 0, &s), 0);
	/* No name: nothing to remove (it goes with its region). */
	assert_int_equal(ipcx_sem_unlink(s), 0);
	/* A timeout is ms, or one of the IPCX_WAIT_ values. */
	assert_int_equal(ipcx_sem_acquire(s, -3), -EINVAL);
	assert_int_equal(ipcx_sem_acquire(s, IPCX_WAIT_NONE), -EAGAIN);
	assert_int_equal(ipcx_sem_acquire(NULL, IPCX_WAIT_NONE), -EINVAL);
	ipcx_sem_close(s);
	ipcx_region_close(r);
	assert_int_equal(ipcx_sem_release(NULL), -EINVAL);
	assert_int_equal(ipcx_sem_close(NULL), 0);
}

/* A POSIX semaphore whose memory is cut under it (its /dev/shm file, or
 * its region's object, truncated by another process): -EFAULT, never
 * SIGBUS. */
static void t_memory_vanishes(void **state)
{
	(void)state;
	const char *a = new_name(POSIX, "");
	struct ipcx_sem *s;
	char path[160];
	assert_int_equal(ipcx_sem_open(a, IPCX_CREATE, 1, &s), 0);
	snprintf(path, sizeof(path), "/dev/shm/sem.%s", strchr(a, '/') + 1);
	pid_t pid = fork();
	if (pid == 0)
		_exit(truncate(path, 0) == 0 ? 0 : 1);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_sem_release(s), -EFAULT);
	assert_non_null(strstr(ipcx_error_detail(), "SIGBUS"));
	assert_int_equal(ipcx_sem_acquire(s, 0), -EFAULT);
	ipcx_sem_close(s);

	/* Unnamed, in a region (removed by the teardown if this fails). */
	char *reg = made[nmade < 7 ? nmade++ : 7], shm[96];
	struct ipcx_region *r;
	snprintf(reg, sizeof(made[0]), "posixshm:/ipcx-test-%d-semreg",
		 (int)getpid());
	assert_int_equal(ipcx_region_open(reg, IPCX_CREATE, 8192, &r), 0);
	assert_int_equal(ipcx_sem_init(r, 4096, 0, &s), 0);
	snprintf(shm, sizeof(shm), "/dev/shm/ipcx-test-%d-semreg",
		 (int)getpid());
	pid = fork();
	if (pid == 0)
		_exit(truncate(shm, 0) == 0 ? 0 : 1);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_sem_release(s), -EFAULT);
	ipcx_sem_close(s);
	ipcx_region_close(r);
}

/* ipcx_sem_unlink() removes what this handle's open created, only in the
 * process that created it; ipcx_unlink() removes any by its address. */
static void t_unlink_what_it_made(void **state)
{
	(void)state;
	for (int k = SYSV; k <= POSIX; k++) {
		const char *addr = new_name(k, "");
		struct ipcx_sem *made, *opened, *again;
		assert_int_equal(ipcx_sem_open(addr, IPCX_CREATE, 0, &made), 0);
		assert_int_equal(ipcx_sem_open(addr, 0, 0, &opened), 0);
		assert_int_equal(ipcx_sem_unlink(opened), 0);
		pid_t pid = fork();
		if (pid == 0) {
			CHILD_CHECK(ipcx_sem_unlink(made) == 0);
			_exit(0);
		}
		assert_int_equal(conf_wait(pid), 0);
		assert_int_equal(ipcx_sem_open(addr, 0, 0, &again), 0);
		ipcx_sem_close(again);
		assert_int_equal(ipcx_sem_unlink(made), 0);
		assert_int_equal(ipcx_sem_open(addr, 0, 0, &again), -ENOENT);
		ipcx_sem_close(opened);
		ipcx_sem_close(made);
	}
}

/* ---- robust mutexes and condition variables ------------------------- */

struct shared {
	char mutex[IPCX_MUTEX_SIZE];
	char cond[IPCX_COND_SIZE];
	int flag, count;
};

static void t_mutex_owner_died(void **state)
{
	struct ipcx_region *r;
	struct ipcx_mutex *m;
	int sync[2];

	(void)state;
	assert_int_equal(ipcx_region_open("anon:", IPCX_CREATE, 4096, &r), 0);
	assert_int_equal(ipcx_mutex_init(r, 0, &m), 0);
	struct shared *sh = ipcx_region_base(r);
	assert_int_equal(pipe(sync), 0);
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER) == 0);
		sh->count = 1; /* half an update, then death */
		CHILD_CHECK(write(sync[1], "x", 1) == 1);
		pause();
		_exit(0);
	}
	char c;
	assert_int_equal(read(sync[0], &c, 1), 1);
	assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_NONE), -EAGAIN);
	assert_int_equal(ipcx_mutex_acquire(m, -3), -EINVAL);
	assert_int_equal(ipcx_mutex_acquire(m, 100), -ETIMEDOUT);
	kill(pid, SIGKILL);
	assert_int_equal(conf_wait(pid), 128 + SIGKILL);
	/* The next owner learns it, repairs, and the mutex works on. */
	assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER),
			 IPCX_OWNER_DIED);
	assert_int_equal(sh->count, 1);
	sh->count = 0;
	assert_int_equal(ipcx_mutex_release(m), 0);
	assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER), 0);
	assert_int_equal(ipcx_mutex_release(m), 0);
	assert_int_equal(ipcx_mutex_release(m), -EPERM);
	close(sync[0]);
	close(sync[1]);
	ipcx_mutex_close(m);
	ipcx_region_close(r);
}

/* A condition variable hands a value from one process to another, and a
 * broadcast wakes every waiter. */
static void t_cond_handoff(void **state)
{
	enum { W = 3 };
	struct ipcx_region *r;
	struct ipcx_mutex *m;
	struct ipcx_cond *cv;
	pid_t kids[W];

	(void)state;
	assert_int_equal(ipcx_region_open("anon:", IPCX_CREATE, 4096, &r), 0);
	assert_int_equal(ipcx_mutex_init(r, 0, &m), 0);
	assert_int_equal(ipcx_cond_init(r, IPCX_MUTEX_SIZE, &cv), 0);
	struct shared *sh = ipcx_region_base(r);
	for (int i = 0; i < W; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			CHILD_CHECK(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER) ==
				    0);
			sh->count++;
			while (!sh->flag)
				CHILD_CHECK(ipcx_cond_wait(cv, m, 10000) == 0);
			CHILD_CHECK(sh->flag == 42);
			CHILD_CHECK(ipcx_mutex_release(m) == 0);
			_exit(0);
		}
	}
	/* Wait until all three wait, then one broadcast. */
	for (;;) {
		assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER), 0);
		int n = sh->count;
		assert_int_equal(ipcx_mutex_release(m), 0);
		if (n == W)
			break;
		usleep(1000);
	}
	usleep(20000);
	assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER), 0);
	sh->flag = 42;
	assert_int_equal(ipcx_cond_broadcast(cv), 0);
	assert_int_equal(ipcx_mutex_release(m), 0);
	for (int i = 0; i < W; i++)
		assert_int_equal(conf_wait(kids[i]), 0);
	/* A timed wait with nobody to signal: -ETIMEDOUT, mutex held. */
	assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER), 0);
	assert_int_equal(ipcx_cond_wait(cv, m, 50), -ETIMEDOUT);
	assert_int_equal(ipcx_mutex_release(m), 0);
	assert_int_equal(ipcx_cond_signal(cv), 0);
	/* Another handle of the same mutex is the same mutex. */
	struct ipcx_mutex *m2;
	struct ipcx_cond *cv2;
	assert_int_equal(ipcx_mutex_attach(r, 0, &m2), 0);
	assert_ptr_not_equal(m2, m);
	assert_int_equal(ipcx_mutex_acquire(m2, IPCX_WAIT_FOREVER), 0);
	assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_NONE), -EAGAIN);
	assert_int_equal(ipcx_mutex_release(m2), 0);
	assert_int_equal(ipcx_mutex_close(m2), 0);
	/* Places that do not fit. */
	assert_int_equal(ipcx_mutex_init(r, 4, &m2), -EINVAL);
	assert_int_equal(ipcx_cond_attach(r, 4096 - 8, &cv2), -EINVAL);
	assert_int_equal(ipcx_cond_attach(r, IPCX_MUTEX_SIZE, NULL), -EINVAL);
	assert_int_equal(ipcx_cond_wait(cv, m, -5), -EINVAL);
	assert_int_equal(ipcx_mutex_close(NULL), 0);
	ipcx_cond_close(cv);
	ipcx_mutex_close(m);
	ipcx_region_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(t_counting, remove_made),
		cmocka_unit_test_teardown(t_memory_vanishes, remove_made),
		cmocka_unit_test_teardown(t_try_and_timed, remove_made),
		cmocka_unit_test_teardown(t_post_outlives_poster, remove_made),
		cmocka_unit_test_teardown(t_address_options, remove_made),
		cmocka_unit_test_teardown(t_sysv_undo, remove_made),
		cmocka_unit_test_teardown(t_sysv_removed_under_waiter,
					  remove_made),
		cmocka_unit_test_teardown(t_sysv_creation_race, remove_made),
		cmocka_unit_test_teardown(t_interop, remove_made),
		cmocka_unit_test_teardown(t_bad_input, remove_made),
		cmocka_unit_test_teardown(t_listed_with_values, remove_made),
		cmocka_unit_test_teardown(t_unlink_what_it_made, remove_made),
		cmocka_unit_test(t_mutex_owner_died),
		cmocka_unit_test(t_cond_handoff),
	};

	return cmocka_run_group_tests_name("sem", tests, NULL, NULL);
}
