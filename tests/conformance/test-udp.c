/* SPDX-License-Identifier: MIT */
/* UDP: the conformance suite over loopback, and datagram quirks. */
#include "conformance.h"

#include <errno.h>
#include <string.h>

static void udp_setup(struct fx *f, const char *opts)
{
	snprintf(f->addr, sizeof(f->addr), "udp:127.0.0.1:0");
	conf_listen_setup(f, opts);
}

static const struct fixture fix = {
	.scheme = "udp",
	.lossy = true,
	.no_fill = true,
	.setup = udp_setup,
	.end_a = conf_listen_a,
	.end_b = conf_listen_b,
	.teardown = conf_listen_teardown,
};

static void t_peer_and_reply(void **state)
{
	struct ipcx_chan *r, *s;
	struct ipcx_chan_info ri = {0}, si = {0};
	struct ipcx_meta m = {0};
	char buf[16];

	(void)state;
	assert_int_equal(ipcx_open("udp:127.0.0.1:0", IPCX_LISTEN, &r), 0);
	assert_int_equal(ipcx_send(r, "x", 1, NULL), -EDESTADDRREQ);
	assert_int_equal(ipcx_chan_get(r, &ri), 0);
	assert_int_equal(ipcx_open(ri.local, IPCX_CONNECT, &s), 0);
	assert_int_equal(ipcx_chan_get(s, &si), 0);
	assert_int_equal(ipcx_send(s, "hello", 5, NULL), 5);
	assert_int_equal(ipcx_recv(r, buf, sizeof(buf), &m), 5);
	assert_true(m.valid & IPCX_META_PEER);
	assert_string_equal(m.peer, si.local);
	assert_int_equal(ipcx_send(r, "back", 4, NULL), 4);
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), NULL), 4);
	/* Too large for UDP: an error before anything is sent. */
	static char big[70000];
	assert_int_equal(ipcx_send(s, big, sizeof(big), NULL), -EMSGSIZE);
	ipcx_close(s);
	ipcx_close(r);
}

static void t_bad_addresses(void **state)
{
	struct ipcx_chan *c;

	(void)state;
	assert_int_equal(ipcx_open("udp:127.0.0.1", IPCX_CONNECT, &c), -EINVAL);
	assert_int_equal(ipcx_open("udp:::1:53", IPCX_CONNECT, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "brackets"));
	assert_int_equal(ipcx_open("udp:[::1:53", IPCX_CONNECT, &c), -EINVAL);
	assert_int_equal(ipcx_open("udp:1.2.3.4:99999", IPCX_CONNECT, &c),
			 -EINVAL);
	assert_int_equal(
		ipcx_open("udp:1.2.3.4:53?framing=length", IPCX_CONNECT, &c),
		-EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "does not apply to udp"));
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_peer_and_reply),
		cmocka_unit_test(t_bad_addresses),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
