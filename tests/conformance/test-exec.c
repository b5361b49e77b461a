/* SPDX-License-Identifier: MIT */
/* exec:CMD: the same semantics checked with real commands as the peer. */
#include "conformance.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static void t_round_trip(void **state)
{
	struct ipcx_chan *c;
	char buf[64];

	(void)state;
	assert_int_equal(ipcx_open("exec:cat", 0, &c), 0);
	for (int i = 0; i < 100; i++) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "line %d\n", i);
		assert_int_equal(ipcx_send(c, msg, (size_t)n, NULL), n);
		assert_int_equal(conf_recv_exact(c, buf, (size_t)n), n);
		assert_memory_equal(buf, msg, (size_t)n);
	}
	/* Half-close: cat sees end of input, exits, and we read EOF. */
	assert_int_equal(ipcx_shutdown(c), 0);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 0);
	assert_int_equal(ipcx_close(c), 0);
}

static void t_large_checksum(void **state)
{
	struct ipcx_chan *c;
	static unsigned char buf[65536];
	size_t total = 0;
	ssize_t r;

	(void)state;
	/* 64 MiB of zeros from the child, counted and checked here. */
	assert_int_equal(
		ipcx_open("exec:head -c 67108864 /dev/zero", IPCX_RECV, &c), 0);
	while ((r = ipcx_recv(c, buf, sizeof(buf), NULL)) > 0) {
		for (ssize_t i = 0; i < r; i++)
			if (buf[i])
				fail_msg("byte %zu is not zero", total + i);
		total += (size_t)r;
	}
	assert_int_equal(r, 0);
	assert_int_equal(total, 64u << 20);
	assert_int_equal(ipcx_close(c), 0);
}

static void t_dead_child(void **state)
{
	struct ipcx_chan *c;
	char buf[8];
	ssize_t r = 0;

	(void)state;
	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(ipcx_open("exec:exit 0", 0, &c), 0);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 0);
	for (int i = 0; i < 50 && r >= 0; i++) {
		r = ipcx_send(c, "x", 1, NULL);
		usleep(10000);
	}
	assert_int_equal(r, -EPIPE);
	assert_int_equal(ipcx_close(c), 0);
}

static void t_timeout_and_nonblock(void **state)
{
	struct ipcx_chan *c;
	struct timespec t0, t1;
	char buf[8];

	(void)state;
	assert_int_equal(ipcx_open_with("exec:exec sleep 5", "timeout=100",
					IPCX_RECV, &c),
			 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		  (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 90 && ms < 5000);
	struct ipcx_chan_info i = {0};
	assert_int_equal(ipcx_chan_get(c, &i), 0);
	kill(i.child, SIGTERM);
	ipcx_close(c);
	assert_int_equal(ipcx_open_with("exec:exec sleep 5", "nonblock=1",
					IPCX_RECV, &c),
			 0);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(ipcx_chan_get(c, &i), 0);
	kill(i.child, SIGTERM);
	ipcx_close(c);
}

static void t_framed_through_cat(void **state)
{
	struct ipcx_chan *c;
	char buf[16];

	(void)state;
	assert_int_equal(ipcx_open_with("exec:cat", "framing=length", 0, &c),
			 0);
	assert_int_equal(ipcx_send(c, "ab", 2, NULL), 2);
	assert_int_equal(ipcx_send(c, "cde", 3, NULL), 3);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 2);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "cde", 3);
	ipcx_close(c);
}

static void t_addresses(void **state)
{
	struct ipcx_chan *c;

	(void)state;
	assert_int_equal(ipcx_open("exec:", 0, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "no command"));
	/* Everything after exec: is the command, '?' and '&' included. */
	assert_int_equal(ipcx_open("exec:echo 'a?b=c&d'", IPCX_RECV, &c), 0);
	char buf[32];
	assert_int_equal(conf_recv_exact(c, buf, 8), 8);
	assert_memory_equal(buf, "a?b=c&d\n", 8);
	ipcx_close(c);
	assert_int_equal(ipcx_open_with("exec:cat", "allow-uid=0", 0, &c),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),
		cmocka_unit_test(t_large_checksum),
		cmocka_unit_test(t_dead_child),
		cmocka_unit_test(t_timeout_and_nonblock),
		cmocka_unit_test(t_framed_through_cat),
		cmocka_unit_test(t_addresses),
	};

	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
