/* SPDX-License-Identifier: MIT */
/* Pseudoterminals: the conformance suite over a raw pair, and pty:CMD. */
#include "conformance.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const struct fixture fix = {
	.scheme = "pty",
	.coalesce = true,
	.large = 16u << 20,
	.setup = conf_pair_setup,
	.end_a = conf_pair_a,
	.end_b = conf_pair_b,
	.teardown = conf_pair_teardown,
};

static void t_command(void **state)
{
	struct ipcx_chan *c;
	struct ipcx_chan_info i = {0};
	char buf[256];
	size_t got = 0;
	ssize_t r;

	(void)state;
	assert_int_equal(ipcx_open("pty:echo one; tty", IPCX_RECV, &c), 0);
	assert_int_equal(ipcx_chan_get(c, &i), 0);
	assert_true(i.child > 0);
	assert_int_equal(i.id, -1);
	assert_non_null(strstr(i.local, "/dev/pts/"));
	while ((r = ipcx_recv(c, buf + got, sizeof(buf) - 1 - got, NULL)) > 0)
		got += (size_t)r;
	assert_int_equal(r, 0);
	buf[got] = '\0';
	/* A terminal turns "\n" into "\r\n", and the command's tty is the
	 * slave we reported. */
	assert_non_null(strstr(buf, "one\r\n"));
	assert_non_null(strstr(buf, i.local));
	assert_int_equal(ipcx_close(c), 0);
}

static void t_bare(void **state)
{
	struct ipcx_chan *m;
	struct ipcx_chan_info i = {0};
	struct stat st;

	(void)state;
	assert_int_equal(ipcx_open("pty:", IPCX_RECV, &m), 0);
	assert_int_equal(ipcx_chan_get(m, &i), 0);
	assert_int_equal(stat(i.local, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(ipcx_shutdown(m), -EOPNOTSUPP);
	ipcx_close(m);
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_command),
		cmocka_unit_test(t_bare),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
