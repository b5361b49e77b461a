/* SPDX-License-Identifier: MIT */
/*
 * Out of descriptors (RLIMIT_NOFILE 16): every open fails with -EMFILE
 * naming the limit, and leaves nothing behind (no FIFO, no /dev/shm
 * object, no queue, no socket file); once descriptors are free again,
 * the same opens work.
 */
#include <ipcx.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

/* What a failed run may have left. */
static int remove_all(void **state)
{
	char a[80];

	(void)state;
	const char *fmt[] = {
		"fifo:/tmp/ipcx-nofile-%d", "posixshm:/ipcx-nofile-%d",
		"posixmq:/ipcx-nofile-%d", "unix:/tmp/ipcx-nofile-%d.sock"};
	for (int i = 0; i < 4; i++) {
		snprintf(a, sizeof(a), fmt[i], (int)getpid());
		ipcx_unlink(a);
	}
	return 0;
}

static void t_out_of_descriptors(void **state)
{
	struct ipcx_chan *held[32], *c;
	int n = 0, r;
	char fifo[64], shm[64], mq[64], sock[64], path[80];

	(void)state;
	snprintf(fifo, sizeof(fifo), "fifo:/tmp/ipcx-nofile-%d", (int)getpid());
	snprintf(shm, sizeof(shm), "posixshm:/ipcx-nofile-%d?size=64K",
		 (int)getpid());
	snprintf(mq, sizeof(mq), "posixmq:/ipcx-nofile-%d", (int)getpid());
	snprintf(sock, sizeof(sock), "unix:/tmp/ipcx-nofile-%d.sock",
		 (int)getpid());
	struct rlimit rl = {16, 16}, old;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	/* Take every descriptor (a pair takes two). */
	while (n < 30 && (r = ipcx_pair("pipe", &held[n], &held[n + 1])) == 0)
		n += 2;
	assert_int_equal(r, -EMFILE);
	assert_non_null(strstr(ipcx_error_detail(), "RLIMIT_NOFILE"));
	assert_non_null(strstr(ipcx_error_detail(), "16"));
	/* An odd one left (a pair needs two): take it too. */
	int spare = dup(0);
	const char *addrs[] = {fifo, shm, mq, sock};
	const unsigned flags[] = {IPCX_RECV | IPCX_CREATE | IPCX_NONBLOCK,
				  IPCX_CREATE, IPCX_RECV | IPCX_CREATE,
				  IPCX_LISTEN};
	for (int i = 0; i < 4; i++) {
		r = ipcx_open(addrs[i], flags[i], &c);
		if (r == 0)
			ipcx_close(c);
		assert_int_equal(r, -EMFILE);
	}
	/* Nothing left behind. */
	snprintf(path, sizeof(path), "/tmp/ipcx-nofile-%d", (int)getpid());
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "/dev/shm/ipcx-nofile-%d", (int)getpid());
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "/tmp/ipcx-nofile-%d.sock", (int)getpid());
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(ipcx_unlink(mq), -ENOENT);
	/* Free two: the opens work again. */
	if (spare >= 0)
		close(spare);
	ipcx_close(held[--n]);
	ipcx_close(held[--n]);
	assert_int_equal(ipcx_open(shm, IPCX_CREATE, &c), 0);
	ipcx_close(c);
	ipcx_unlink(shm);
	while (n)
		ipcx_close(held[--n]);
	setrlimit(RLIMIT_NOFILE, &old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(t_out_of_descriptors, remove_all),
	};
	return cmocka_run_group_tests_name("out of descriptors", tests, NULL,
					   NULL);
}
