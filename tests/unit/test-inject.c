/* SPDX-License-Identifier: MIT */
/* Faults injected into the library's system calls: linked statically with
 * -Wl,--wrap=malloc,--wrap=flock, so that its malloc() can be made to
 * fail and its blocking flock() to start late. */
#include <ipcx.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

/* A malloc() of exactly this many bytes fails (0: none does). */
static size_t fail_size;

void *__wrap_malloc(size_t size)
{
	if (fail_size && size == fail_size)
		return NULL;
	return __real_malloc(size);
}

int __real_flock(int fd, int op);
int __wrap_flock(int fd, int op);

/* A blocking flock() starts this many ms late (0: on time). */
static int flock_delay_ms;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int __wrap_flock(int fd, int op)
{
	if (flock_delay_ms && !(op & LOCK_NB)) {
		/* Signals that arrive meanwhile are handled, not lost to
		 * the call: exactly what a late start is. */
		long long end = now_ms() + flock_delay_ms;
		while (now_ms() < end) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
	}
	return __real_flock(fd, op);
}

/*
 * A timed lock wait whose timer fires before the blocking call has
 * started still ends at its deadline: it neither sleeps until the holder
 * lets go nor takes the lock late.
 */
static void t_timer_before_wait(void **state)
{
	char path[64], addr[80];
	int p[2];
	struct ipcx_lock *l;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/ipcx-inject-%d.lock", (int)getpid());
	snprintf(addr, sizeof(addr), "flock:%s", path);
	assert_int_equal(ipcx_lock_open(addr, IPCX_CREATE, &l), 0);
	assert_int_equal(pipe(p), 0);
	pid_t holder = fork();
	if (holder == 0) {
		int fd = open(path, O_RDWR);
		char c = 1;
		if (fd < 0 || __real_flock(fd, LOCK_EX) < 0 ||
		    write(p[1], &c, 1) != 1)
			_exit(1);
		sleep(3);
		_exit(0);
	}
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	flock_delay_ms = 300; /* the 100 ms timer fires before the call */
	long long t0 = now_ms();
	int r = ipcx_lock_acquire(l, IPCX_LOCK_EXCLUSIVE, 100);
	long long took = now_ms() - t0;
	flock_delay_ms = 0;
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(took >= 300 && took < 2000);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	ipcx_lock_close(l);
	unlink(path);
	close(p[0]);
	close(p[1]);
}

/*
 * framing=length: a read stops in the middle of a message (the rest has
 * not arrived) and the stash for what did arrive cannot be allocated.
 * The receive says so, and every later one says the stream is broken:
 * none reads from a stash that is not there.
 */
static void t_framed_stash(void **state)
{
	struct ipcx_chan *a, *b;
	uint8_t msg[4 + 777] = {0x09, 0x03, 0, 0}; /* 777 bytes follow */
	char buf[1024];

	(void)state;
	assert_int_equal(ipcx_pair("unix:?framing=length&nonblock=1", &a, &b),
			 0);
	memset(msg + 4, 'x', 777);
	/* The header and 100 bytes of the body: the rest never comes. */
	assert_int_equal(write(ipcx_fd(a), msg, 104), 104);
	fail_size = 777;
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -ENOMEM);
	fail_size = 0;
	assert_non_null(strstr(ipcx_error_detail(), "broken"));
	assert_int_equal(write(ipcx_fd(a), msg + 104, 677), 677);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EPROTO);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EPROTO);

	/* With memory, the same cut message is resumed whole. */
	ipcx_close(a);
	ipcx_close(b);
	assert_int_equal(ipcx_pair("unix:?framing=length&nonblock=1", &a, &b),
			 0);
	assert_int_equal(write(ipcx_fd(a), msg, 104), 104);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(write(ipcx_fd(a), msg + 104, 677), 677);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 777);
	assert_memory_equal(buf, msg + 4, 777);
	ipcx_close(a);
	ipcx_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_framed_stash),
		cmocka_unit_test(t_timer_before_wait),
	};

	return cmocka_run_group_tests_name("inject", tests, NULL, NULL);
}
