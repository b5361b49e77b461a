/* SPDX-License-Identifier: MIT */
/* TCP: the conformance suite over loopback, and Internet-socket quirks. */
#include "conformance.h"

#include <errno.h>
#include <string.h>

static void tcp_setup(struct fx *f, const char *opts)
{
	/* Port 0: the kernel picks a free one; the child asks where. */
	snprintf(f->addr, sizeof(f->addr), "tcp:127.0.0.1:0");
	conf_listen_setup(f, opts);
}

static const struct fixture fix = {
	.scheme = "tcp",
	.coalesce = true,
	.large = 64u << 20,
	.setup = tcp_setup,
	.end_a = conf_listen_a,
	.end_b = conf_listen_b,
	.teardown = conf_listen_teardown,
};

static void t_ipv6_and_info(void **state)
{
	struct ipcx_chan *l, *c, *s;
	struct ipcx_chan_info li = {0}, ci = {0};
	char buf[8];

	(void)state;
	if (ipcx_open("tcp:[::1]:0", IPCX_LISTEN, &l) < 0)
		skip(); /* no IPv6 loopback here */
	assert_int_equal(ipcx_chan_get(l, &li), 0);
	assert_true(li.listening);
	assert_non_null(strstr(li.local, "tcp:[::1]:"));
	assert_int_equal(ipcx_open(li.local, IPCX_CONNECT, &c), 0);
	assert_int_equal(ipcx_accept(l, &s), 0);
	assert_int_equal(ipcx_chan_get(c, &ci), 0);
	assert_string_equal(ci.peer, li.local);
	assert_int_equal(ipcx_send(c, "v6", 2, NULL), 2);
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), NULL), 2);
	ipcx_close(c);
	ipcx_close(s);
	ipcx_close(l);
}

static void t_refused_and_in_use(void **state)
{
	struct ipcx_chan *l, *l2, *c;
	struct ipcx_chan_info li = {0};
	char addr[IPCX_ADDR_MAX];

	(void)state;
	assert_int_equal(ipcx_open("tcp:127.0.0.1:0", IPCX_LISTEN, &l), 0);
	assert_int_equal(ipcx_chan_get(l, &li), 0);
	assert_int_equal(ipcx_open(li.local, IPCX_LISTEN, &l2), -EADDRINUSE);
	assert_non_null(strstr(ipcx_error_detail(), "port in use"));
	snprintf(addr, sizeof(addr), "%s", li.local);
	ipcx_close(l);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &c), -ECONNREFUSED);
	assert_non_null(strstr(ipcx_error_detail(), addr));
	assert_int_equal(ipcx_open("tcp::80", IPCX_CONNECT, &c), -EINVAL);
	assert_int_equal(
		ipcx_open("tcp:no-such-host.invalid:80", IPCX_CONNECT, &c),
		-EADDRNOTAVAIL);
	assert_non_null(strstr(ipcx_error_detail(), "cannot resolve"));
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_ipv6_and_info),
		cmocka_unit_test(t_refused_and_in_use),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
