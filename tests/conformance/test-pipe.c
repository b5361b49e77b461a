/* SPDX-License-Identifier: MIT */
/* Pipes: the conformance suite over ipcx_pair("pipe"), and pipe quirks. */
#include "conformance.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

static void t_no_address(void **state)
{
	struct ipcx_chan *c;

	(void)state;
	assert_int_equal(ipcx_open("pipe:", IPCX_RECV, &c), -EOPNOTSUPP);
	assert_non_null(strstr(ipcx_error_detail(), "ipcx_pair"));
}

static void t_pair_both_ways(void **state)
{
	struct ipcx_chan *a, *b;
	char buf[8];

	(void)state;
	assert_int_equal(ipcx_pair("pipe", &a, &b), 0);
	assert_int_equal(ipcx_send(a, "to-b", 4, NULL), 4);
	assert_int_equal(ipcx_send(b, "to-a", 4, NULL), 4);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 4);
	assert_memory_equal(buf, "to-b", 4);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 4);
	assert_memory_equal(buf, "to-a", 4);
	/* Half-close: b reads end of stream, a can still hear from b. */
	assert_int_equal(ipcx_shutdown(a), 0);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 0);
	assert_int_equal(ipcx_send(b, "z", 1, NULL), 1);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 1);
	ipcx_close(a);
	ipcx_close(b);
}

static void t_pair_options(void **state)
{
	struct ipcx_chan *a, *b;

	(void)state;
	assert_int_equal(ipcx_pair("pipe:x", &a, &b), -EINVAL);
	assert_int_equal(ipcx_pair("pipe:?sise=1", &a, &b), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "unknown option 'sise'"));
	assert_int_equal(ipcx_pair("fifo", &a, &b), -EOPNOTSUPP);
	assert_int_equal(ipcx_pair("nosuch", &a, &b), -EINVAL);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* intr=1 on a pair: a signal handler that runs during a wait ends the
 * receive with -EINTR (IPCX_INTR, which ipcx_pair() has no flags for);
 * without it the receive goes on (and times out here). */
static void t_pair_intr(void **state)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval it = {{0, 0}, {0, 100000}}, off = {{0, 0}, {0, 0}};
	struct ipcx_chan *a, *b;
	char buf[8];

	(void)state;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	assert_int_equal(ipcx_pair("pipe:?intr=1", &a, &b), 0);
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EINTR);
	assert_non_null(strstr(ipcx_error_detail(), "interrupted"));
	ipcx_close(a);
	ipcx_close(b);
	assert_int_equal(ipcx_pair("pipe:?timeout=400", &a, &b), 0);
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -ETIMEDOUT);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	ipcx_close(a);
	ipcx_close(b);
}

static const struct fixture fix = {
	.scheme = "pipe",
	.coalesce = true,
	.large = 64u << 20,
	.setup = conf_pair_setup,
	.end_a = conf_pair_a,
	.end_b = conf_pair_b,
	.teardown = conf_pair_teardown,
};

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_no_address),
		cmocka_unit_test(t_pair_both_ways),
		cmocka_unit_test(t_pair_options),
		cmocka_unit_test(t_pair_intr),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
