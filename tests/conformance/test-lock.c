/* SPDX-License-Identifier: MIT */
/* File locks: flock and fcntl across processes, against plain flock(2)
 * and fcntl(2) peers, ranges, timeouts, conversions, the fork trap. */
#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

static char path[128];

static int setup(void **state)
{
	(void)state;
	conf_scratch(path, sizeof(path), ".lock");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static struct ipcx_lock *lopen(const char *scheme, const char *opts,
			       unsigned flags)
{
	char addr[256];
	struct ipcx_lock *l;

	snprintf(addr, sizeof(addr), "%s:%s%s%s", scheme, path,
		 *opts ? "?" : "", opts);
	if (ipcx_lock_open(addr, flags, &l) < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	return l;
}

/* A child that takes a plain lock with the system call (another program
 * using the same kernel lock), says so on SYNC, and holds it for HOLD_MS. */
static pid_t plain_holder(bool use_flock, short type, off_t start, off_t len,
			  int hold_ms, const int sync[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(path, O_RDWR);
		CHILD_CHECK(fd >= 0);
		if (use_flock) {
			CHILD_CHECK(flock(fd, type == F_RDLCK ? LOCK_SH
							      : LOCK_EX) == 0);
		} else {
			struct flock fl = {.l_type = type,
					   .l_whence = SEEK_SET,
					   .l_start = start,
					   .l_len = len};
			CHILD_CHECK(fcntl(fd, F_SETLKW, &fl) == 0);
		}
		CHILD_CHECK(write(sync[1], "x", 1) == 1);
		usleep((useconds_t)hold_ms * 1000);
		_exit(0);
	}
	char c;
	assert_int_equal(read(sync[0], &c, 1), 1);
	return pid;
}

static void conflicts(const char *scheme, bool use_flock)
{
	int p[2];
	struct timespec t0;

	assert_int_equal(pipe(p), 0);
	struct ipcx_lock *l = lopen(scheme, "", IPCX_CREATE);
	/* Exclusive held elsewhere: no lock of either kind. */
	pid_t pid = plain_holder(use_flock, F_WRLCK, 0, 0, 1000, p);
	assert_int_equal(ipcx_lock_acquire(l, IPCX_LOCK_SHARED, IPCX_WAIT_NONE),
			 -EWOULDBLOCK);
	char want[32];
	snprintf(want, sizeof(want), "pid %d", (int)pid);
	assert_non_null(strstr(ipcx_error_detail(), want));
	pid_t holder = 0;
	assert_int_equal(ipcx_lock_holder(l, IPCX_LOCK_SHARED, &holder), 0);
	assert_int_equal(holder, pid);
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_NONE),
		-EWOULDBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, 100),
			 -ETIMEDOUT);
	long long ms = conf_ms_since(&t0);
	assert_true(ms >= 90 && ms < 1000);
	/* A timed wait that the holder's exit ends early, asleep. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, 5000), 0);
	assert_true(conf_ms_since(&t0) < 2000);
	assert_int_equal(ipcx_lock_held(l), IPCX_LOCK_EXCLUSIVE);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_lock_release(l), 0);
	assert_int_equal(ipcx_lock_release(l), -ENOLCK);
	/* Shared with shared: both hold. */
	pid = plain_holder(use_flock, F_RDLCK, 0, 0, 600, p);
	assert_int_equal(ipcx_lock_acquire(l, IPCX_LOCK_SHARED, IPCX_WAIT_NONE),
			 0);
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_NONE),
		-EWOULDBLOCK);
	assert_int_equal(conf_wait(pid), 0);
	/* Now alone: the shared lock converts to exclusive. */
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_NONE), 0);
	/* And the other way round: a plain peer cannot take it. */
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		if (use_flock)
			CHILD_CHECK(flock(fd, LOCK_SH | LOCK_NB) < 0 &&
				    errno == EWOULDBLOCK);
		else {
			struct flock fl = {.l_type = F_RDLCK,
					   .l_whence = SEEK_SET};
			CHILD_CHECK(fcntl(fd, F_SETLK, &fl) < 0);
		}
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	/* Downgraded to shared, a plain peer's shared lock goes through. */
	assert_int_equal(ipcx_lock_acquire(l, IPCX_LOCK_SHARED, IPCX_WAIT_NONE),
			 0);
	assert_int_equal(ipcx_lock_held(l), IPCX_LOCK_SHARED);
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		if (use_flock)
			CHILD_CHECK(flock(fd, LOCK_SH | LOCK_NB) == 0);
		else {
			struct flock fl = {.l_type = F_RDLCK,
					   .l_whence = SEEK_SET};
			CHILD_CHECK(fcntl(fd, F_SETLK, &fl) == 0);
		}
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	ipcx_lock_close(l);
	close(p[0]);
	close(p[1]);
}

static void t_flock_conflicts(void **state)
{
	(void)state;
	conflicts("flock", true);
}

static void t_fcntl_conflicts(void **state)
{
	(void)state;
	conflicts("fcntl", false);
}

static void t_fcntl_ranges(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	struct ipcx_lock *a = lopen("fcntl", "start=10&len=10", IPCX_CREATE);
	struct ipcx_lock *b = lopen("fcntl", "start=15&len=10&ofd=1", 0);
	/* A plain peer holds bytes 0..9 for writing. */
	pid_t pid = plain_holder(false, F_WRLCK, 0, 10, 800, p);
	assert_int_equal(
		ipcx_lock_acquire(a, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_NONE),
		0); /* 10+10 */
	/* Overlapping 15..24, from an open file description of ours. */
	assert_int_equal(ipcx_lock_acquire(b, IPCX_LOCK_SHARED, IPCX_WAIT_NONE),
			 -EWOULDBLOCK);
	assert_int_equal(ipcx_lock_release(a), 0);
	assert_int_equal(
		ipcx_lock_acquire(b, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_NONE), 0);
	assert_int_equal(conf_wait(pid), 0);
	ipcx_lock_close(b);
	ipcx_lock_close(a);
	/* Open file description locks conflict within one process. */
	struct ipcx_lock *o1 = lopen("fcntl", "ofd=1", 0),
			 *o2 = lopen("fcntl", "ofd=1", 0);
	assert_int_equal(
		ipcx_lock_acquire(o1, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_NONE), 0);
	assert_int_equal(
		ipcx_lock_acquire(o2, IPCX_LOCK_SHARED, IPCX_WAIT_NONE),
		-EWOULDBLOCK);
	ipcx_lock_close(o1);
	assert_int_equal(
		ipcx_lock_acquire(o2, IPCX_LOCK_SHARED, IPCX_WAIT_NONE), 0);
	ipcx_lock_close(o2);
	close(p[0]);
	close(p[1]);
}

/* The classic traps: a second classic handle on a file this process
 * holds locks on is refused; a child of fork() does not hold its
 * parent's classic locks (it does hold shared flock/ofd ones). */
static void t_fcntl_traps(void **state)
{
	struct ipcx_lock *l, *again;
	char addr[200];

	(void)state;
	l = lopen("fcntl", "", IPCX_CREATE);
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_OPENED), 0);
	snprintf(addr, sizeof(addr), "fcntl:%s", path);
	assert_int_equal(ipcx_lock_open(addr, 0, &again), -EBUSY);
	assert_non_null(strstr(ipcx_error_detail(), "ofd=1"));
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_lock_release(l) == -ENOLCK);
		CHILD_CHECK(strstr(ipcx_error_detail(), "fork"));
		/* ...and the parent's lock still stands against it. */
		CHILD_CHECK(ipcx_lock_acquire(l, IPCX_LOCK_SHARED,
					      IPCX_WAIT_NONE) == -EWOULDBLOCK);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_lock_held(l), IPCX_LOCK_EXCLUSIVE);
	ipcx_lock_close(l);
}

/* Waiting with no timeout, and a signal in the middle of a timed wait
 * that is not ours. */
static void on_usr1(int sig)
{
	(void)sig;
}

static void t_waits(void **state)
{
	int p[2];
	struct timespec t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	struct ipcx_lock *l = lopen("flock", "", IPCX_CREATE);
	pid_t pid = plain_holder(true, F_WRLCK, 0, 0, 1000, p);
	signal(SIGUSR1, on_usr1);
	pid_t pinger = fork();
	if (pinger == 0) {
		usleep(50000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, 150),
			 -ETIMEDOUT);
	assert_true(conf_ms_since(&t0) >= 140);
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_OPENED), 0);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(conf_wait(pinger), 0);
	signal(SIGUSR1, SIG_DFL);
	ipcx_lock_close(l);
	/* timeout= and nonblock= of the address drive ipcx_lock_acquire. */
	pid = plain_holder(true, F_WRLCK, 0, 0, 800, p);
	l = lopen("flock", "nonblock=1", 0);
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_SHARED, IPCX_WAIT_OPENED),
		-EWOULDBLOCK);
	ipcx_lock_close(l);
	l = lopen("flock", "timeout=50", 0);
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_SHARED, IPCX_WAIT_OPENED),
		-ETIMEDOUT);
	ipcx_lock_close(l);
	assert_int_equal(conf_wait(pid), 0);
	close(p[0]);
	close(p[1]);
}

static void t_bad_input(void **state)
{
	struct ipcx_lock *l;
	char addr[200];
	struct stat st;

	(void)state;
	snprintf(addr, sizeof(addr), "flock:%s", path);
	assert_int_equal(ipcx_lock_open(addr, 0, &l), -ENOENT);
	assert_non_null(strstr(ipcx_error_detail(), "create=1"));
	assert_int_equal(ipcx_lock_open(addr, IPCX_CREATE, &l), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ipcx_lock_acquire(l, 7, IPCX_WAIT_NONE), -EINVAL);
	assert_int_equal(ipcx_lock_acquire(l, IPCX_LOCK_SHARED, -5), -EINVAL);
	assert_int_equal(ipcx_lock_release(l), -ENOLCK);
	ipcx_lock_close(l);
	assert_int_equal(ipcx_lock_open("flock:/tmp", 0, &l), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "not a regular file"));
	assert_int_equal(ipcx_lock_open("flock:", 0, &l), -EINVAL);
	snprintf(addr, sizeof(addr), "fcntl:%s?start=-1", path);
	assert_int_equal(ipcx_lock_open(addr, 0, &l), -EINVAL);
	snprintf(addr, sizeof(addr), "flock:%s?ofd=1", path);
	assert_int_equal(ipcx_lock_open(addr, 0, &l), -EINVAL);
	assert_int_equal(ipcx_lock_open("unix:/tmp/x", 0, &l), -EOPNOTSUPP);
	/* Never through a symlink it did not expect to create. */
	char link[160];
	snprintf(link, sizeof(link), "%s.link", path);
	unlink(path);
	assert_int_equal(symlink("/tmp/ipcx-nowhere", link), 0);
	snprintf(addr, sizeof(addr), "flock:%s", link);
	assert_int_not_equal(ipcx_lock_open(addr, IPCX_CREATE | IPCX_EXCL, &l),
			     0);
	assert_int_equal(access("/tmp/ipcx-nowhere", F_OK), -1);
	unlink(link);
	assert_int_equal(ipcx_lock_close(NULL), 0);
}

/* A program that handles SIGRTMAX itself keeps it: timed waits then go
 * in short non-blocking steps, and still time out and still succeed.
 * In a child, before anything here made a timed wait. */
static void on_rtmax(int sig)
{
	(void)sig;
}

static void t_timed_with_own_sigrtmax(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	struct ipcx_lock *l = lopen("flock", "", IPCX_CREATE);
	pid_t holder = plain_holder(true, F_WRLCK, 0, 0, 800, p);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_rtmax}, old;
		struct timespec t0;
		sigemptyset(&sa.sa_mask);
		CHILD_CHECK(sigaction(SIGRTMAX, &sa, NULL) == 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHILD_CHECK(ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, 150) ==
			    -ETIMEDOUT);
		CHILD_CHECK(conf_ms_since(&t0) >= 140);
		CHILD_CHECK(ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, 5000) ==
			    0);
		/* Its handler is still its own. */
		CHILD_CHECK(sigaction(SIGRTMAX, NULL, &old) == 0 &&
			    old.sa_handler == on_rtmax);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(conf_wait(holder), 0);
	ipcx_lock_close(l);
	close(p[0]);
	close(p[1]);
}

static int count_objects(const struct ipcx_object *o, void *arg)
{
	int *n = arg;

	/* The holder /proc/locks names: this process. */
	if (o->nholders != 1 || ipcx_object_holder(o, 0)->pid != getpid() ||
	    ipcx_object_holder(o, 1) || !o->lock_mode ||
	    strcmp(o->lock_mode, "WRITE"))
		return -EPROTO;
	(*n)++;
	return 0;
}

/* Found by the file itself: a lock of PATH + "b" is not the lock of
 * PATH, whose name is a prefix of it. */
static void t_find_by_file(void **state)
{
	char other[160], addr[200];
	struct ipcx_lock *l, *r;
	int n = 0;

	(void)state;
	snprintf(other, sizeof(other), "%sb", path);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(addr, sizeof(addr), "flock:%s", other);
	assert_int_equal(ipcx_lock_open(addr, IPCX_CREATE, &l), 0);
	assert_int_equal(
		ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_OPENED), 0);
	snprintf(addr, sizeof(addr), "flock:%s", path);
	assert_int_equal(ipcx_object_find(addr, 0, count_objects, &n), -ENOENT);
	snprintf(addr, sizeof(addr), "flock:%s", other);
	assert_int_equal(ipcx_object_find(addr, 0, count_objects, &n), 0);
	assert_int_equal(n, 1);

	/* fcntl: the lock whose range overlaps the address's. */
	snprintf(addr, sizeof(addr), "fcntl:%s?start=0&len=10&ofd=1", other);
	assert_int_equal(ipcx_lock_open(addr, 0, &r), 0);
	assert_int_equal(
		ipcx_lock_acquire(r, IPCX_LOCK_EXCLUSIVE, IPCX_WAIT_OPENED), 0);
	snprintf(addr, sizeof(addr), "fcntl:%s?start=100&len=10", other);
	assert_int_equal(ipcx_object_find(addr, 0, count_objects, &n), -ENOENT);
	snprintf(addr, sizeof(addr), "fcntl:%s?start=5&len=1", other);
	n = 0;
	assert_int_equal(ipcx_object_find(addr, 0, count_objects, &n), 0);
	assert_int_equal(n, 1);
	snprintf(addr, sizeof(addr), "fcntl:%s", path);
	assert_int_equal(ipcx_object_find(addr, 0, count_objects, &n), -ENOENT);
	ipcx_lock_close(r);
	ipcx_lock_close(l);
	unlink(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: before this process made a timed wait. */
		cmocka_unit_test_setup_teardown(t_timed_with_own_sigrtmax,
						setup, teardown),
		cmocka_unit_test_setup_teardown(t_flock_conflicts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_fcntl_conflicts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_fcntl_ranges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_fcntl_traps, setup, teardown),
		cmocka_unit_test_setup_teardown(t_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(t_find_by_file, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
