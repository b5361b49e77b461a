/* SPDX-License-Identifier: MIT */
/* UNIX datagram sockets: the conformance suite, and datagram quirks. */
#include "conformance.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static void dgram_setup(struct fx *f, const char *opts)
{
	conf_scratch(f->path, sizeof(f->path), ".dgram");
	snprintf(f->addr, sizeof(f->addr), "unix-dgram:%s", f->path);
	conf_listen_setup(f, opts);
}

static void dgram_teardown(struct fx *f)
{
	unlink(f->path);
}

static const struct fixture fix = {
	.scheme = "unix-dgram",
	.setup = dgram_setup,
	.end_a = conf_listen_a,
	.end_b = conf_listen_b,
	.teardown = dgram_teardown,
};

static void t_sender_metadata(void **state)
{
	struct ipcx_chan *r, *s, *s2;
	char path[128], addr[160], buf[16];
	struct ipcx_meta m = {0};

	(void)state;
	conf_scratch(path, sizeof(path), ".dgram");
	snprintf(addr, sizeof(addr), "unix-dgram:%s", path);
	/* Nobody has sent yet: a reply has nowhere to go. */
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &r), 0);
	assert_int_equal(ipcx_send(r, "x", 1, NULL), -EDESTADDRREQ);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &s), 0);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &s2), 0);
	assert_int_equal(ipcx_send(s, "", 0, NULL), 0); /* empty is a message */
	assert_int_equal(ipcx_send(s2, "two", 3, NULL), 3);
	assert_int_equal(ipcx_recv(r, buf, sizeof(buf), &m), 0);
	assert_int_equal(m.size, 0);
	assert_true(m.valid & IPCX_META_PID);
	assert_int_equal(m.pid, getpid());
	assert_true(m.valid & IPCX_META_PEER);
	assert_non_null(strstr(m.peer, "unix-dgram:@"));
	assert_int_equal(ipcx_recv(r, buf, sizeof(buf), &m), 3);
	/* A reply goes to the last sender, or wherever META says. */
	assert_int_equal(ipcx_send(r, "back", 4, NULL), 4);
	assert_int_equal(ipcx_recv(s2, buf, sizeof(buf), NULL), 4);
	struct ipcx_meta to = {0};
	struct ipcx_chan_info si = {0};
	ipcx_chan_get(s, &si);
	snprintf(to.peer, sizeof(to.peer), "%s", si.local);
	assert_int_equal(ipcx_send(r, "you", 3, &to), 3);
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "you", 3);
	ipcx_close(s);
	ipcx_close(s2);
	ipcx_close(r);
	assert_int_equal(access(path, F_OK), -1);
}

/* A sender whose path the parser would misread ('?', '%', a space):
 * the address the receiver is given parses back to it, and a reply to
 * it arrives. */
static void t_peer_address_escaped(void **state)
{
	struct ipcx_chan *r, *s;
	char rpath[128], spath[160], raddr[IPCX_ADDR_MAX - 8], saddr[300];
	char want[300];
	char buf[16];
	struct ipcx_meta m = {0}, to = {0};

	(void)state;
	conf_scratch(rpath, sizeof(rpath), ".dgram");
	snprintf(spath, sizeof(spath), "%s-s?x %%y", rpath);
	snprintf(raddr, sizeof(raddr), "unix-dgram:%s", rpath);
	snprintf(saddr, sizeof(saddr), "unix-dgram:%s-s%%3Fx%%20%%25y", rpath);
	assert_int_equal(ipcx_open(raddr, IPCX_LISTEN, &r), 0);
	assert_int_equal(ipcx_open(saddr, IPCX_LISTEN, &s), 0);
	assert_int_equal(access(spath, F_OK), 0);
	snprintf(to.peer, sizeof(to.peer), "%s", raddr);
	assert_int_equal(ipcx_send(s, "ping", 4, &to), 4);
	assert_int_equal(ipcx_recv(r, buf, sizeof(buf), &m), 4);
	assert_true(m.valid & IPCX_META_PEER);
	snprintf(want, sizeof(want), "%s", saddr);
	assert_string_equal(m.peer, want);
	assert_int_equal(ipcx_addr_check(m.peer, NULL), 0);
	/* Replying to what the library printed reaches the sender. */
	assert_int_equal(ipcx_send(r, "pong", 4, &m), 4);
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), NULL), 4);
	assert_memory_equal(buf, "pong", 4);
	ipcx_close(s);
	ipcx_close(r);
	assert_int_equal(access(spath, F_OK), -1);
}

static void t_too_big(void **state)
{
	struct ipcx_chan *a, *b;
	static char big[1 << 20];

	(void)state;
	assert_int_equal(ipcx_pair("unix-dgram", &a, &b), 0);
	assert_int_equal(ipcx_send(a, big, sizeof(big), NULL), -EMSGSIZE);
	assert_non_null(strstr(ipcx_error_detail(), "1048576 bytes"));
	ipcx_close(a);
	ipcx_close(b);
}

static void t_refused(void **state)
{
	char path[128], addr[160];
	struct ipcx_chan *r, *s;

	(void)state;
	conf_scratch(path, sizeof(path), ".dgram");
	snprintf(addr, sizeof(addr), "unix-dgram:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &r), 0);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &s), 0);
	ipcx_close(r);
	assert_int_equal(ipcx_send(s, "x", 1, NULL), -ECONNREFUSED);
	ipcx_close(s);
}

/* Two processes read one socket: every message reaches exactly one. */
static void t_competing_readers(void **state)
{
	char path[128], addr[200];
	struct ipcx_chan *r, *s;

	(void)state;
	conf_scratch(path, sizeof(path), ".dgram");
	snprintf(addr, sizeof(addr), "unix-dgram:%s?timeout=500", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &r), 0);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &s), 0);
	conf_competing_readers(r, s);
	ipcx_close(s);
	ipcx_close(r);
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_sender_metadata),
		cmocka_unit_test(t_peer_address_escaped),
		cmocka_unit_test(t_too_big),
		cmocka_unit_test(t_refused),
		cmocka_unit_test(t_competing_readers),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
