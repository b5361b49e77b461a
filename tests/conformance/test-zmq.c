/* SPDX-License-Identifier: MIT */
/*
 * ZeroMQ (zmq:): the conformance suite over a pair socket across fork,
 * and the facility's own: several frames carried whole, subscriptions,
 * out-of-turn req/rep, the poll descriptor's edge handled inside, bad
 * endpoints.  Skipped, saying so, when the library has no libzmq.
 */
#include "conformance.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool built(void)
{
	const struct ipcx_facility *f = ipcx_facility_find("zmq");

	return f && (f->caps & IPCX_CAP_CHANNEL);
}

static void zmq_setup(struct fx *f, const char *opts)
{
	conf_scratch(f->path, sizeof(f->path), ".zmq");
	snprintf(f->addr, sizeof(f->addr), "zmq:ipc://%s", f->path);
	snprintf(f->opts, sizeof(f->opts), "%s", opts);
}

static struct ipcx_chan *zopen(const char *base, const char *opts,
			       const char *more)
{
	char a[400], with[300];
	struct ipcx_chan *c;

	conf_with_opts(with, sizeof(with), base, more);
	conf_with_opts(a, sizeof(a), with, opts);
	if (ipcx_open(a, 0, &c) < 0)
		return NULL;
	return c;
}

/* The parent binds after the fork: no libzmq thread runs in a process
 * that forks (a child must not inherit one mid-allocation). */
static struct ipcx_chan *zmq_a(struct fx *f)
{
	return zopen(f->addr, f->opts, "type=pair&bind=1");
}

/* The child connects once the parent's socket is there: a refused
 * connect is retried only 100 ms later (libzmq's reconnect interval). */
static struct ipcx_chan *zmq_b(struct fx *f)
{
	struct stat st;

	for (int i = 0; i < 500 && stat(f->path, &st) < 0; i++)
		usleep(10000);
	struct ipcx_chan *c = zopen(f->addr, f->opts, "type=pair");
	CHILD_CHECK(c != NULL);
	return c;
}

static void zmq_teardown(struct fx *f)
{
	unlink(f->path);
}

static const struct fixture fix = {
	.scheme = "zmq",
	.no_fill = true, /* queues grow to the high-water mark per peer */
	.close_b = true,
	.wakes_empty = true,
	.setup = zmq_setup,
	.end_a = zmq_a,
	.end_b = zmq_b,
	.teardown = zmq_teardown,
};

#define SKIP_UNBUILT()                                \
	do {                                          \
		if (!built()) {                       \
			printf("# zmq: not built\n"); \
			skip();                       \
		}                                     \
	} while (0)

static struct ipcx_chan *must(const char *addr)
{
	struct ipcx_chan *c;

	if (ipcx_open(addr, 0, &c) < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	return c;
}

/* Several frames: each a 4-byte little-endian length and its bytes, the
 * count in meta type, in both directions. */
static void t_frames(void **state)
{
	(void)state;
	SKIP_UNBUILT();
	struct ipcx_chan *a = must("zmq:inproc://frames?type=pair&bind=1");
	struct ipcx_chan *b = must("zmq:inproc://frames?type=pair");
	unsigned char msg[32], got[32];
	size_t n = 0;
	const char *parts[] = {"id", "", "body"};
	for (int i = 0; i < 3; i++) {
		uint32_t l = (uint32_t)strlen(parts[i]);
		memcpy(msg + n, &l, 4);
		memcpy(msg + n + 4, parts[i], l);
		n += 4 + l;
	}
	struct ipcx_meta m = IPCX_META_INIT;
	m.valid = IPCX_META_TYPE;
	m.type = 3;
	assert_int_equal(ipcx_send(a, msg, n, &m), (ssize_t)n);
	struct ipcx_meta r = IPCX_META_INIT;
	/* Too small a buffer loses nothing. */
	assert_int_equal(ipcx_recv(b, got, 4, &r), -EMSGSIZE);
	assert_int_equal(r.size, n);
	assert_int_equal(ipcx_recv(b, got, sizeof(got), &r), (ssize_t)n);
	assert_int_equal(r.type, 3);
	assert_memory_equal(got, msg, n);
	/* One frame: its bytes, type 1. */
	assert_int_equal(ipcx_send(b, "plain", 5, NULL), 5);
	assert_int_equal(ipcx_recv(a, got, sizeof(got), &r), 5);
	assert_int_equal(r.type, 1);
	/* A count the bytes do not hold: refused, nothing sent. */
	m.type = 4;
	assert_int_equal(ipcx_send(a, msg, n, &m), -EINVAL);
	ipcx_close(a);
	ipcx_close(b);
}

static void t_subscribe(void **state)
{
	(void)state;
	SKIP_UNBUILT();
	struct ipcx_chan *p = must("zmq:inproc://news?type=pub&bind=1");
	struct ipcx_chan *s = must(
		"zmq:inproc://news?type=sub&subscribe=a.,b%2Cc&timeout=500");
	char buf[16];
	/* A subscription takes a moment to reach the publisher. */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(ipcx_send(p, "zz", 2, NULL), 2);
		assert_int_equal(ipcx_send(p, "a.1", 3, NULL), 3);
		struct pollfd f = {.fd = ipcx_fd(s), .events = POLLIN};
		if (poll(&f, 1, 10) == 1)
			break;
	}
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "a.1", 3);
	assert_int_equal(ipcx_send(p, "zz", 2, NULL), 2);
	assert_int_equal(ipcx_send(p, "b,c", 3, NULL), 3);
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "b,c", 3);
	/* Nothing else came: "zz" was filtered out. */
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), NULL), -ETIMEDOUT);
	ipcx_close(s);
	ipcx_close(p);
}

/* ipcx_fd: readable while a message waits, also when the descriptor of
 * libzmq already told of it and a receive took only one. */
static void t_poll(void **state)
{
	(void)state;
	SKIP_UNBUILT();
	struct ipcx_chan *a = must("zmq:inproc://poll?type=pair&bind=1");
	struct ipcx_chan *b = must("zmq:inproc://poll?type=pair&nonblock=1");
	char buf[8];
	struct pollfd f = {.fd = ipcx_fd(b), .events = POLLIN};
	assert_true(f.fd >= 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ipcx_send(a, "m", 1, NULL), 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(poll(&f, 1, 2000), 1);
		assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 1);
	}
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(poll(&f, 1, 50), 0);
	ipcx_close(a);
	ipcx_close(b);
	/* A polled rep socket wakes for its turn to send: a receive then
	 * is -EAGAIN (nothing yet), not an out-of-turn error. */
	struct ipcx_chan *rep = must("zmq:inproc://pr?type=rep&bind=1");
	struct ipcx_chan *req = must("zmq:inproc://pr?type=req");
	assert_true(ipcx_fd(rep) >= 0);
	assert_int_equal(ipcx_send(req, "q", 1, NULL), 1);
	f.fd = ipcx_fd(rep);
	assert_int_equal(poll(&f, 1, 2000), 1);
	assert_int_equal(ipcx_recv(rep, buf, sizeof(buf), NULL), 1);
	assert_int_equal(ipcx_recv(rep, buf, sizeof(buf), NULL), -EAGAIN);
	assert_non_null(strstr(ipcx_error_detail(), "turn is to send"));
	assert_int_equal(ipcx_send(rep, "r", 1, NULL), 1);
	assert_int_equal(ipcx_recv(req, buf, sizeof(buf), NULL), 1);
	ipcx_close(req);
	ipcx_close(rep);
}

/* A Python peer (pyzmq) run as a child: its exit status. */
static pid_t python(const char *script, const char *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", "-c", script, arg,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool have_pyzmq(void)
{
	pid_t p = python("import zmq", "");
	return conf_wait(p) == 0;
}

/* Frames of a received message (meta type N): their bytes and sizes. */
static int frames_of(const unsigned char *b, size_t n, const unsigned char **f,
		     uint32_t *len, int max)
{
	int k = 0;
	for (size_t at = 0; at + 4 <= n && k < max; k++) {
		memcpy(&len[k], b + at, 4);
		f[k] = b + at + 4;
		at += 4 + len[k];
	}
	return k;
}

/* dealer/router both ways with pyzmq: the identity frame is what a
 * router's reply repeats. */
static void t_dealer_router(void **state)
{
	(void)state;
	SKIP_UNBUILT();
	if (!have_pyzmq()) {
		printf("# no pyzmq (python3-zmq)\n");
		skip();
	}
	struct ipcx_chan_info i = {0};
	struct ipcx_meta m = IPCX_META_INIT;
	unsigned char buf[256], out[256];
	const unsigned char *f[4];
	uint32_t len[4];

	/* ipcx router, pyzmq dealer. */
	struct ipcx_chan *r =
		must("zmq:tcp://127.0.0.1:*?type=router&bind=1&timeout=10000");
	ipcx_chan_get(r, &i);
	pid_t py = python("import zmq, sys\n"
			  "s = zmq.Context().socket(zmq.DEALER)\n"
			  "s.connect(sys.argv[1]); s.RCVTIMEO = 10000\n"
			  "s.send(b'hello')\n"
			  "sys.exit(0 if s.recv() == b'HELLO' else 1)\n",
			  i.local + 4);
	ssize_t n = ipcx_recv(r, buf, sizeof(buf), &m);
	assert_true(n > 0);
	assert_int_equal(m.type, 2);
	assert_int_equal(frames_of(buf, (size_t)n, f, len, 4), 2);
	assert_int_equal(len[1], 5);
	assert_memory_equal(f[1], "hello", 5);
	/* The reply: the same identity, then the body. */
	size_t o = 0;
	memcpy(out, &len[0], 4);
	memcpy(out + 4, f[0], len[0]);
	o = 4 + len[0];
	uint32_t bl = 5;
	memcpy(out + o, &bl, 4);
	memcpy(out + o + 4, "HELLO", 5);
	o += 9;
	struct ipcx_meta sm = IPCX_META_INIT;
	sm.valid = IPCX_META_TYPE;
	sm.type = 2;
	assert_int_equal(ipcx_send(r, out, o, &sm), (ssize_t)o);
	assert_int_equal(conf_wait(py), 0);
	ipcx_close(r);

	/* pyzmq router, ipcx dealer (which binds: the router connects to
	 * the port it took). */
	struct ipcx_chan *d =
		must("zmq:tcp://127.0.0.1:*?type=dealer&bind=1&timeout=10000");
	memset(&i, 0, sizeof(i));
	ipcx_chan_get(d, &i);
	py = python("import zmq, sys\n"
		    "s = zmq.Context().socket(zmq.ROUTER)\n"
		    "s.connect(sys.argv[1]); s.RCVTIMEO = 10000\n"
		    "who, body = s.recv_multipart()\n"
		    "s.send_multipart([who, body.upper()])\n"
		    "s.close(linger=5000)\n",
		    i.local + 4);
	assert_int_equal(ipcx_send(d, "ping", 4, NULL), 4);
	assert_int_equal(ipcx_recv(d, buf, sizeof(buf), &m), 4);
	assert_int_equal(m.type, 1);
	assert_memory_equal(buf, "PING", 4);
	ipcx_close(d);
	assert_int_equal(conf_wait(py), 0);
}

static void t_errors(void **state)
{
	(void)state;
	SKIP_UNBUILT();
	struct ipcx_chan *c;
	char buf[8];
	/* Not an endpoint; a transport libzmq does not have. */
	assert_int_equal(ipcx_open("zmq:localhost:5555", 0, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "TRANSPORT://"));
	assert_int_equal(ipcx_open("zmq:bogus://x?bind=1", 0, &c),
			 -EPROTONOSUPPORT);
	assert_int_equal(ipcx_open("zmq:inproc://x?type=nope", 0, &c), -EINVAL);
	/* Bound twice. */
	struct ipcx_chan *a = must("zmq:inproc://twice?type=pair&bind=1");
	assert_int_equal(
		ipcx_open("zmq:inproc://twice?type=pair&bind=1", 0, &c),
		-EADDRINUSE);
	ipcx_close(a);
	/* A req socket out of turn. */
	struct ipcx_chan *rep = must("zmq:inproc://rr?type=rep&bind=1");
	struct ipcx_chan *req = must("zmq:inproc://rr?type=req");
	assert_int_equal(ipcx_recv(req, buf, sizeof(buf), NULL), -EPROTO);
	assert_non_null(strstr(ipcx_error_detail(), "out of turn"));
	assert_int_equal(ipcx_send(req, "q", 1, NULL), 1);
	assert_int_equal(ipcx_recv(rep, buf, sizeof(buf), NULL), 1);
	assert_int_equal(ipcx_send(rep, "r", 1, NULL), 1);
	assert_int_equal(ipcx_recv(req, buf, sizeof(buf), NULL), 1);
	/* A pull socket cannot send. */
	struct ipcx_chan *pull = must("zmq:inproc://p?type=pull&bind=1");
	assert_int_equal(ipcx_send(pull, "x", 1, NULL), -EOPNOTSUPP);
	/* Listening is bind=1 here, not IPCX_LISTEN. */
	assert_int_equal(ipcx_open("zmq:inproc://l?type=pull", IPCX_LISTEN, &c),
			 -EOPNOTSUPP);
	ipcx_close(pull);
	ipcx_close(req);
	ipcx_close(rep);
}

int main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(t_frames), cmocka_unit_test(t_subscribe),
		cmocka_unit_test(t_poll),   cmocka_unit_test(t_dealer_router),
		cmocka_unit_test(t_errors),
	};

	if (!built()) {
		printf("1..0 # SKIP zmq: this build has no libzmq\n");
		return 0;
	}
	return conf_run(&fix, own, sizeof(own) / sizeof(*own));
}
