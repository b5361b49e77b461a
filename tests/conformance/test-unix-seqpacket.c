/* SPDX-License-Identifier: MIT */
/* UNIX seqpacket sockets: the conformance suite, and seqpacket quirks. */
#include "conformance.h"

#include <errno.h>
#include <string.h>

static void sp_setup(struct fx *f, const char *opts)
{
	conf_scratch(f->path, sizeof(f->path), ".seqpacket");
	snprintf(f->addr, sizeof(f->addr), "unix-seqpacket:%s", f->path);
	conf_listen_setup(f, opts);
}

static void sp_teardown(struct fx *f)
{
	unlink(f->path);
}

static const struct fixture fix = {
	.scheme = "unix-seqpacket",
	.setup = sp_setup,
	.end_a = conf_listen_a,
	.end_b = conf_listen_b,
	.teardown = sp_teardown,
};

static void t_empty_refused(void **state)
{
	struct ipcx_chan *a, *b;
	char buf[8];

	(void)state;
	assert_int_equal(ipcx_pair("unix-seqpacket", &a, &b), 0);
	/* It would read as end of stream: refused, with the reason. */
	assert_int_equal(ipcx_send(a, "", 0, NULL), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "end of stream"));
	assert_int_equal(ipcx_send(a, "x", 1, NULL), 1);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 1);
	ipcx_close(a);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 0);
	ipcx_close(b);
}

static void t_wrong_type(void **state)
{
	char path[128], addr[160];
	struct ipcx_chan *l, *c;

	(void)state;
	conf_scratch(path, sizeof(path), ".seqpacket");
	snprintf(addr, sizeof(addr), "unix-seqpacket:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), 0);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &c), -EPROTOTYPE);
	assert_non_null(strstr(ipcx_error_detail(), "another type"));
	ipcx_close(l);
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_empty_refused),
		cmocka_unit_test(t_wrong_type),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
