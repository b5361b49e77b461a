/* SPDX-License-Identifier: MIT */
/* Signals as a channel: realtime signals queue in order with their
 * values, standard ones coalesce; names; polling; bad input. */
#include "conformance.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

static struct ipcx_chan *ropen(const char *addr)
{
	struct ipcx_chan *c;

	if (ipcx_open(addr, IPCX_RECV, &c) < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	return c;
}

/* N realtime signals from a child arrive N times, in order, each with
 * its value, the child's pid and our uid. */
static void t_realtime_queue(void **state)
{
	enum { N = 100 };
	struct ipcx_chan *rx = ropen("signal:self?sig=RTMIN+2&timeout=5000");
	char addr[64], buf[32];
	pid_t parent = getpid();

	(void)state;
	snprintf(addr, sizeof(addr), "signal:%d?sig=SIGRTMIN+2", (int)parent);
	pid_t pid = fork();
	if (pid == 0) {
		struct ipcx_chan *tx;
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
		for (int i = 0; i < N; i++) {
			char v[16];
			int n = snprintf(v, sizeof(v), "%d", i * 1000 - 7);
			CHILD_CHECK(ipcx_send(tx, v, (size_t)n, NULL) == n);
		}
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	for (int i = 0; i < N; i++) {
		struct ipcx_meta m = {.want = IPCX_META_PID};
		ssize_t n = ipcx_recv(rx, buf, sizeof(buf) - 1, &m);
		assert_true(n > 0);
		buf[n] = '\0';
		assert_int_equal(atoi(buf), i * 1000 - 7);
		assert_true(m.valid & IPCX_META_PID);
		assert_int_equal(m.pid, pid);
		assert_int_equal(m.uid, getuid());
		assert_int_equal(m.type, SIGRTMIN + 2);
	}
	ipcx_close(rx);
}

/* Standard signals coalesce: five sent while one is pending are one. */
static void t_standard_coalesce(void **state)
{
	struct ipcx_chan *rx = ropen("signal:self?sig=USR1&timeout=2000");
	char buf[32];

	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		struct ipcx_chan *tx;
		char addr[64];
		snprintf(addr, sizeof(addr), "signal:%d?sig=USR1",
			 (int)getppid());
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
		for (int i = 0; i < 5; i++)
			CHILD_CHECK(ipcx_send(tx, "9", 1, NULL) == 1);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 1);
	assert_int_equal(buf[0], '9');
	/* Nothing more: the four others merged into the first. */
	struct ipcx_chan *nb = ropen("signal:self?sig=USR1&nonblock=1");
	assert_int_equal(ipcx_recv(nb, buf, sizeof(buf), NULL), -EAGAIN);
	ipcx_close(nb);
	ipcx_close(rx);
}

/* The descriptor is pollable; a send to ourselves; timeouts. */
static void t_poll_and_self(void **state)
{
	struct ipcx_chan *rx = ropen("signal:self?sig=RTMIN+5&timeout=100");
	struct ipcx_chan *tx;
	char buf[16];

	(void)state;
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), -ETIMEDOUT);
	int fd = ipcx_fd(rx);
	assert_true(fd >= 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(ipcx_open("signal:self?sig=RTMIN+5", IPCX_SEND, &tx),
			 0);
	assert_int_equal(ipcx_send(tx, "-2147483648\n", 12, NULL), 12);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 11);
	assert_memory_equal(buf, "-2147483648", 11);
	/* An empty message carries 0. */
	assert_int_equal(ipcx_send(tx, "", 0, NULL), 0);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 1);
	assert_int_equal(buf[0], '0');
	ipcx_close(tx);
	ipcx_close(rx);
}

static void t_names(void **state)
{
	(void)state;
	assert_int_equal(ipcx_signal_parse("USR1"), SIGUSR1);
	assert_int_equal(ipcx_signal_parse("SIGUSR2"), SIGUSR2);
	assert_int_equal(ipcx_signal_parse("sigterm"), SIGTERM);
	assert_int_equal(ipcx_signal_parse("RTMIN"), SIGRTMIN);
	assert_int_equal(ipcx_signal_parse("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(ipcx_signal_parse("RTMAX-1"), SIGRTMAX - 1);
	assert_int_equal(ipcx_signal_parse("35"), 35);
	static const char *const bad[] = {"",	     "FOO",    "RTMIN+99",
					  "RTMAX+1", "0",      "65",
					  "RTMIN+",  "RTMINX", "12abc"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (ipcx_signal_parse(bad[i]) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
}

static void t_bad_input(void **state)
{
	struct ipcx_chan *c;
	char buf[64];

	(void)state;
	static const char *const bad[] = {
		"signal:0", "signal:abc",	 "signal:-5",
		"signal:",  "signal:1?sig=NOPE", "signal:self?size=1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (ipcx_open(bad[i], IPCX_SEND, &c) != -EINVAL)
			fail_msg("%s: not refused", bad[i]);
	/* Only our own signals can be received. */
	assert_int_equal(ipcx_open("signal:1", IPCX_RECV, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "signal:self"));
	assert_int_equal(ipcx_open("signal:self?sig=KILL", IPCX_RECV, &c),
			 -EINVAL);
	/* A process that does not exist. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	conf_wait(pid);
	snprintf(buf, sizeof(buf), "signal:%d", (int)pid);
	assert_int_equal(ipcx_open(buf, IPCX_SEND, &c), -ESRCH);
	assert_non_null(strstr(ipcx_error_detail(), "no process"));
	/* Values that are not an int; a buffer too small to receive. */
	assert_int_equal(ipcx_open("signal:self?sig=RTMIN+6", IPCX_SEND, &c),
			 0);
	assert_int_equal(ipcx_send(c, "abc", 3, NULL), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "'abc' is not one"));
	assert_int_equal(ipcx_send(c, "4294967296", 10, NULL), -EINVAL);
	ipcx_close(c);
	struct ipcx_chan *rx = ropen("signal:self?sig=RTMIN+6&nonblock=1");
	assert_int_equal(ipcx_recv(rx, buf, 4, NULL), -EMSGSIZE);
	ipcx_close(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_realtime_queue),
		cmocka_unit_test(t_standard_coalesce),
		cmocka_unit_test(t_poll_and_self),
		cmocka_unit_test(t_names),
		cmocka_unit_test(t_bad_input),
	};

	return cmocka_run_group_tests_name("signal", tests, NULL, NULL);
}
