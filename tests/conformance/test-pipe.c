/* SPDX-License-Identifier: MIT */
/* Pipes: the conformance suite over ipcx_pair("pipe"), and pipe quirks. */
#include "conformance.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

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
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
