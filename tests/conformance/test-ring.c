/* SPDX-License-Identifier: MIT */
/* The ring channel: the conformance suite over a POSIX shm ring, and the
 * ring's own semantics: integrity, many producers and consumers, waits,
 * zero-copy, peer death, a producer killed mid-write, a corrupt header. */
#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static char names[16][64];
static int nnames;

static const char *new_ring(const char *opts)
{
	static int n;
	char *s = names[nnames < 15 ? nnames++ : 15];

	snprintf(s, sizeof(names[0]), "posixshm:/ipcx-ring-%d-%d%s%s",
		 (int)getpid(), ++n, *opts ? "?" : "", opts);
	return s;
}

static int remove_rings(void **state)
{
	char base[64];

	(void)state;
	for (int i = 0; i < nnames; i++) {
		snprintf(base, sizeof(base), "%.63s", names[i]);
		char *q = strchr(base, '?');
		if (q)
			*q = '\0';
		ipcx_unlink(base);
	}
	nnames = 0;
	return 0;
}

static void ring_setup(struct fx *f, const char *opts)
{
	struct ipcx_chan *c;
	const char *base = new_ring("size=256K");

	snprintf(f->path, sizeof(f->path), "%.*s",
		 (int)(strchr(base, '?') - base), base);
	assert_int_equal(ipcx_open(base, IPCX_CREATE | IPCX_EXCL, &c), 0);
	ipcx_close(c);
	conf_with_opts(f->addr, sizeof(f->addr), f->path, opts);
}

static void ring_teardown(struct fx *f)
{
	ipcx_unlink(f->path);
	remove_rings(NULL);
}

static const struct fixture fix = {
	.scheme = "posixshm",
	.oneway = true,
	.no_eof = true,
	.setup = ring_setup,
	.end_a = conf_open_recv,
	.end_b = conf_open_send,
	.teardown = ring_teardown,
};

static struct ipcx_chan *ropen(const char *addr, unsigned flags)
{
	struct ipcx_chan *c;
	int r = ipcx_open(addr, flags, &c);

	if (r < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	return c;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* Message I: its size and bytes follow from I alone. */
static size_t make_msg(uint64_t i, unsigned char *buf)
{
	size_t len = 8 + mix(i) % 200;

	memcpy(buf, &i, 8);
	for (size_t k = 8; k < len; k++)
		buf[k] = (unsigned char)(i + k);
	return len;
}

static void t_spsc_integrity(void **state)
{
	enum { N = 10000000 };
	const char *addr = new_ring("size=64K");
	struct ipcx_chan *rx = ropen(addr, IPCX_CREATE | IPCX_RECV);
	unsigned char buf[256], want[256];
	pid_t pid;

	(void)state;
	pid = fork();
	if (pid == 0) {
		struct ipcx_chan *tx;
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
		for (uint64_t i = 0; i < N; i++) {
			size_t len = make_msg(i, buf);
			CHILD_CHECK(ipcx_send(tx, buf, len, NULL) ==
				    (ssize_t)len);
		}
		_exit(0);
	}
	for (uint64_t i = 0; i < N; i++) {
		size_t len = make_msg(i, want);
		ssize_t n = ipcx_recv(rx, buf, sizeof(buf), NULL);
		if (n != (ssize_t)len || memcmp(buf, want, len))
			fail_msg("message %llu: got %zd bytes, want %zu",
				 (unsigned long long)i, n, len);
	}
	assert_int_equal(conf_wait(pid), 0);
	ipcx_close(rx);
}

static void t_mpmc(void **state)
{
	enum { P = 4, C = 4, EACH = 20000 };
	const char *addr = new_ring("size=64K&timeout=1000");
	struct ipcx_chan *any = ropen(addr, IPCX_CREATE);
	static unsigned char seen[P][EACH];
	int res[2], total = 0;
	pid_t kids[P + C];

	(void)state;
	ipcx_close(any);
	assert_int_equal(pipe(res), 0);
	for (int k = 0; k < C; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct ipcx_chan *rx;
			uint32_t id;
			close(res[0]);
			CHILD_CHECK(ipcx_open(addr, IPCX_RECV, &rx) == 0);
			/* Until nothing comes for a second, or every
			 * producer is gone; any other error is a failure. */
			ssize_t r;
			while ((r = ipcx_recv(rx, &id, sizeof(id), NULL)) == 4)
				CHILD_CHECK(write(res[1], &id, 4) == 4);
			CHILD_CHECK(r == -ETIMEDOUT || r == -EPIPE);
			_exit(0);
		}
	}
	for (int k = 0; k < P; k++) {
		kids[C + k] = fork();
		if (kids[C + k] == 0) {
			struct ipcx_chan *tx;
			CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
			for (uint32_t i = 0; i < EACH; i++) {
				uint32_t id = (uint32_t)k << 24 | i;
				CHILD_CHECK(ipcx_send(tx, &id, 4, NULL) == 4);
			}
			_exit(0);
		}
	}
	close(res[1]);
	uint32_t id;
	while (read(res[0], &id, 4) == 4) {
		uint32_t p = id >> 24, i = id & 0xffffff;
		assert_true(p < P && i < EACH);
		assert_int_equal(seen[p][i], 0); /* never twice */
		seen[p][i] = 1;
		total++;
	}
	assert_int_equal(total, P * EACH); /* never lost */
	for (int k = 0; k < P + C; k++)
		assert_int_equal(conf_wait(kids[k]), 0);
	close(res[0]);
}

static void t_wait_modes(void **state)
{
	static const char *const modes[] = {"wait=spin", "wait=futex",
					    "wait=adaptive"};

	(void)state;
	for (int m = 0; m < 3; m++) {
		char opts[64];
		snprintf(opts, sizeof(opts), "size=16K&%s", modes[m]);
		const char *addr = new_ring(opts);
		struct ipcx_chan *rx = ropen(addr, IPCX_CREATE | IPCX_RECV);
		pid_t pid = fork();
		if (pid == 0) {
			struct ipcx_chan *tx;
			CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
			for (uint32_t i = 0; i < 3000; i++) {
				/* Now and then the consumer must sleep. */
				if (i % 500 == 0)
					usleep(20000);
				CHILD_CHECK(ipcx_send(tx, &i, 4, NULL) == 4);
			}
			_exit(0);
		}
		for (uint32_t i = 0; i < 3000; i++) {
			uint32_t got;
			assert_int_equal(ipcx_recv(rx, &got, 4, NULL), 4);
			assert_int_equal(got, i);
		}
		assert_int_equal(conf_wait(pid), 0);
		ipcx_close(rx);
	}
}

static void t_full_empty_too_big(void **state)
{
	const char *addr = new_ring("size=8K&nonblock=1");
	struct ipcx_chan *c = ropen(addr, IPCX_CREATE);
	struct ipcx_chan_info info = {0};
	static char big[8192];
	ssize_t r = 0;
	int sent = 0;

	(void)state;
	assert_int_equal(ipcx_recv(c, big, sizeof(big), NULL), -EAGAIN);
	assert_non_null(strstr(ipcx_error_detail(), "ring empty"));
	assert_int_equal(ipcx_chan_get(c, &info), 0);
	assert_true(info.capacity >= 1024);
	/* Larger than half the ring: refused outright. */
	assert_int_equal(ipcx_send(c, big, (size_t)info.msgsize + 1, NULL),
			 -EMSGSIZE);
	assert_int_equal(ipcx_send(c, big, (size_t)info.msgsize, NULL),
			 info.msgsize);
	assert_int_equal(ipcx_recv(c, big, sizeof(big), NULL), info.msgsize);
	while ((r = ipcx_send(c, big, 100, NULL)) == 100)
		sent++;
	assert_int_equal(r, -EAGAIN);
	assert_non_null(strstr(ipcx_error_detail(), "ring full"));
	assert_true(sent > 0);
	for (int i = 0; i < sent; i++)
		assert_int_equal(ipcx_recv(c, big, sizeof(big), NULL), 100);
	assert_int_equal(ipcx_recv(c, big, sizeof(big), NULL), -EAGAIN);
	ipcx_close(c);
}

static void t_zero_copy(void **state)
{
	const char *addr = new_ring("size=8M");
	struct ipcx_chan *c = ropen(addr, IPCX_CREATE);

	(void)state;
	for (size_t len = 64; len <= (1u << 20); len *= 4) {
		void *p;
		const void *q;
		size_t got;
		assert_int_equal(ipcx_reserve(c, len, &p), 0);
		memset(p, (int)(len & 0xff), len);
		assert_int_equal(ipcx_commit(c, len), 0);
		assert_int_equal(ipcx_peek(c, &q, &got), 0);
		assert_int_equal(got, len);
		assert_int_equal(((const unsigned char *)q)[len - 1],
				 len & 0xff);
		assert_int_equal(ipcx_release(c), 0);
	}
	void *p;
	assert_int_equal(ipcx_commit(c, 1), -EINVAL);
	assert_int_equal(ipcx_release(c), -EINVAL);
	assert_int_equal(ipcx_reserve(c, 10, &p), 0);
	assert_int_equal(ipcx_commit(c, 11), -EINVAL);
	assert_int_equal(ipcx_commit(c, 3), 0); /* less than reserved */
	char buf[16];
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 3);
	/* Cancelled: a reservation publishes nothing (the ring is empty
	 * after it, and takes the next message), a peeked message stays. */
	assert_int_equal(ipcx_cancel(c), -EINVAL);
	assert_int_equal(ipcx_reserve(c, 100, &p), 0);
	memset(p, 'x', 100);
	assert_int_equal(ipcx_cancel(c), 0);
	assert_int_equal(ipcx_try_recv(c, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(ipcx_send(c, "kept", 4, NULL), 4);
	const void *q;
	size_t got;
	assert_int_equal(ipcx_peek(c, &q, &got), 0);
	assert_int_equal(got, 4);
	assert_int_equal(ipcx_cancel(c), 0);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 4);
	assert_memory_equal(buf, "kept", 4);
	assert_int_equal(ipcx_cancel(c), -EINVAL);
	ipcx_close(c);
	struct ipcx_chan *u, *v;
	assert_int_equal(ipcx_pair("unix", &u, &v), 0);
	assert_int_equal(ipcx_reserve(u, 1, &p), -EOPNOTSUPP);
	assert_int_equal(ipcx_cancel(u), -EOPNOTSUPP);
	ipcx_close(u);
	ipcx_close(v);
}

static void t_peer_death(void **state)
{
	(void)state;
	/* Each side, in each wait mode that sleeps or spins. */
	for (int side = 0; side < 2; side++) {
		const char *addr = new_ring(side ? "size=8K&wait=spin"
						 : "size=8K&wait=futex");
		struct ipcx_chan *me = ropen(addr, IPCX_CREATE);
		int sync[2];
		assert_int_equal(pipe(sync), 0);
		pid_t pid = fork();
		if (pid == 0) {
			struct ipcx_chan *peer;
			char b[64] = {0};
			CHILD_CHECK(ipcx_open(addr, 0, &peer) == 0);
			/* Register on its side, then tell the parent. */
			if (side == 0)
				CHILD_CHECK(ipcx_send(peer, "x", 1, NULL) == 1);
			else
				CHILD_CHECK(ipcx_recv(peer, b, 64, NULL) == 1);
			CHILD_CHECK(write(sync[1], "r", 1) == 1);
			pause();
			_exit(0);
		}
		char ch, buf[4096];
		if (side == 1)
			assert_int_equal(ipcx_send(me, "y", 1, NULL), 1);
		assert_int_equal(read(sync[0], &ch, 1), 1);
		kill(pid, SIGKILL);
		/* Not reaped yet: a zombie counts as dead. */
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ssize_t r;
		if (side == 0) {
			assert_int_equal(ipcx_recv(me, buf, sizeof(buf), NULL),
					 1);
			r = ipcx_recv(me, buf, sizeof(buf), NULL);
		} else {
			do
				r = ipcx_send(me, buf, 1000, NULL);
			while (r == 1000);
		}
		assert_int_equal(r, -EPIPE);
		assert_non_null(strstr(ipcx_error_detail(), "died"));
		/* Liveness is looked at every 100 ms. */
		assert_true(conf_ms_since(&t0) < 500);
		conf_wait(pid);
		close(sync[0]);
		close(sync[1]);
		ipcx_close(me);
	}
}

static void t_killed_mid_write(void **state)
{
	const char *addr = new_ring("size=64K");
	struct ipcx_chan *rx = ropen(addr, IPCX_CREATE | IPCX_RECV);
	pid_t pid;
	char buf[128];

	(void)state;
	pid = fork();
	if (pid == 0) {
		struct ipcx_chan *tx;
		void *p;
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
		CHILD_CHECK(ipcx_send(tx, "whole", 5, NULL) == 5);
		CHILD_CHECK(ipcx_reserve(tx, 100, &p) == 0);
		memset(p, 'T', 50); /* half a message, then death */
		raise(SIGKILL);
		_exit(1);
	}
	assert_int_equal(conf_wait(pid), 128 + SIGKILL);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 5);
	assert_memory_equal(buf, "whole", 5);
	/* Nothing torn is ever seen, and the next producer gets the lock
	 * the dead one held. */
	struct ipcx_chan *tx = ropen(addr, IPCX_SEND);
	assert_int_equal(ipcx_send(tx, "after", 5, NULL), 5);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 5);
	assert_memory_equal(buf, "after", 5);
	ipcx_close(tx);
	ipcx_close(rx);
}

static void t_corrupt_header(void **state)
{
	const char *addr = new_ring("size=16K&nonblock=1");
	struct ipcx_chan *c = ropen(addr, IPCX_CREATE);
	char base[64], buf[64];

	(void)state;
	assert_int_equal(ipcx_send(c, "fine", 4, NULL), 4);
	snprintf(base, sizeof(base), "%.*s", (int)(strchr(addr, '?') - addr),
		 addr);
	/* Another process scribbles over the positions and records. */
	pid_t pid = fork();
	if (pid == 0) {
		struct ipcx_region *r;
		CHILD_CHECK(ipcx_region_open(base, 0, 0, &r) == 0);
		unsigned char *p = ipcx_region_base(r);
		for (size_t i = 64; i < 1024; i++)
			p[i] = (unsigned char)(i * 151 + 7);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	/* The positions are garbage now: both sides must say so, and
	 * (under ASan) touch nothing outside the mapping. */
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), -EPROTO);
	assert_non_null(strstr(ipcx_error_detail(), "ring header corrupt"));
	assert_int_equal(ipcx_send(c, buf, 8, NULL), -EPROTO);
	assert_non_null(strstr(ipcx_error_detail(), "ring header corrupt"));
	ipcx_close(c);
	/* A header that is not a ring at all is refused at open. */
	pid = fork();
	if (pid == 0) {
		struct ipcx_region *rg;
		CHILD_CHECK(ipcx_region_open(base, 0, 0, &rg) == 0);
		memset(ipcx_region_base(rg), 0x41, 64);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	struct ipcx_chan *x;
	assert_int_equal(ipcx_open(base, 0, &x), -EPROTO);
	assert_non_null(strstr(ipcx_error_detail(), "ring header corrupt"));
}

static void t_anon_across_fork(void **state)
{
	struct ipcx_chan *c = ropen("anon:?size=64K", 0);
	pid_t pid;
	char buf[16];

	(void)state;
	pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_send(c, "from child", 10, NULL) == 10);
		_exit(0);
	}
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 10);
	assert_memory_equal(buf, "from child", 10);
	assert_int_equal(conf_wait(pid), 0);
	ipcx_close(c);
	assert_int_equal(ipcx_open("anon:?size=10", 0, &c), -EINVAL);
	assert_int_equal(ipcx_open("posixshm:/x?wait=sometimes", 0, &c),
			 -EINVAL);
}

static void t_pollable(void **state)
{
	const char *addr = new_ring("size=64K&nonblock=1");
	struct ipcx_chan *rx = ropen(addr, IPCX_CREATE | IPCX_RECV);
	struct ipcx_chan *tx = ropen(addr, IPCX_SEND);
	char buf[64];

	(void)state;
	/* A sender waits for nothing. */
	assert_int_equal(ipcx_fd(tx), -EOPNOTSUPP);
	assert_int_equal(ipcx_send(tx, "early", 5, NULL), 5);
	struct pollfd p = {.fd = ipcx_fd(rx), .events = POLLIN};
	assert_true(p.fd >= 0);
	assert_int_equal(ipcx_fd(rx), p.fd); /* the same every time */
	/* What was there before polling started counts. */
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 5);
	assert_int_equal(poll(&p, 1, 0), 0);
	/* Another process's messages wake the poller. */
	pid_t pid = fork();
	if (pid == 0) {
		struct ipcx_chan *t;
		usleep(100000);
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &t) == 0);
		CHILD_CHECK(ipcx_send(t, "one", 3, NULL) == 3);
		CHILD_CHECK(ipcx_send(t, "two", 3, NULL) == 3);
		_exit(0);
	}
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 3);
	assert_int_equal(poll(&p, 1, 0), 1); /* one still waiting */
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 3);
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), -EAGAIN);
	ipcx_close(tx);
	ipcx_close(rx);
}

/* Threads of one process, each with its own channel, on one side: the
 * side becomes shared (thread ids, not pids, tell owners apart). */
struct tx_arg {
	const char *addr;
	uint32_t id;
	int err;
};

static void *thread_sender(void *p)
{
	struct tx_arg *a = p;
	struct ipcx_chan *tx;

	if (ipcx_open(a->addr, IPCX_SEND, &tx) < 0) {
		a->err = 1;
		return NULL;
	}
	for (uint32_t i = 0; i < 50000; i++) {
		uint32_t v = a->id << 24 | i;
		if (ipcx_send(tx, &v, 4, NULL) != 4)
			a->err = 2;
	}
	ipcx_close(tx);
	return NULL;
}

static void t_threads_share_a_side(void **state)
{
	const char *addr = new_ring("size=16K&timeout=2000");
	struct ipcx_chan *rx = ropen(addr, IPCX_CREATE | IPCX_RECV);
	struct tx_arg args[2] = {{addr, 0, 0}, {addr, 1, 0}};
	pthread_t th[2];
	uint32_t next[2] = {0, 0}, v;

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			pthread_create(&th[i], NULL, thread_sender, &args[i]),
			0);
	for (int n = 0; n < 100000; n++) {
		assert_int_equal(ipcx_recv(rx, &v, sizeof(v), NULL), 4);
		assert_true(v >> 24 < 2);
		/* Each sender's messages arrive once, in its order. */
		assert_int_equal(v & 0xffffff, next[v >> 24]++);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].err, 0);
	}
	ipcx_close(rx);
}

/* A sender killed while it holds the lock of a shared side: the next
 * sender takes the lock over once it sees the holder dead (100 ms). */
static void t_lock_holder_killed(void **state)
{
	const char *addr = new_ring("size=64K&timeout=3000");
	struct ipcx_chan *rx = ropen(addr, IPCX_CREATE | IPCX_RECV);
	int hold[2];
	char buf[128];

	(void)state;
	assert_int_equal(pipe(hold), 0);
	pid_t first = fork();
	if (first == 0) {
		struct ipcx_chan *tx;
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
		CHILD_CHECK(ipcx_send(tx, "one", 3, NULL) == 3);
		close(hold[1]);
		CHILD_CHECK(read(hold[0], buf, 1) == 0); /* until released */
		_exit(0);
	}
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 3);
	pid_t second = fork();
	if (second == 0) {
		struct ipcx_chan *tx;
		void *p;
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
		CHILD_CHECK(ipcx_send(tx, "two", 3, NULL) == 3);
		CHILD_CHECK(ipcx_reserve(tx, 100, &p) == 0);
		memset(p, 'T', 100);
		raise(SIGKILL);
		_exit(1);
	}
	assert_int_equal(conf_wait(second), 128 + SIGKILL);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "two", 3);
	struct ipcx_chan *tx = ropen(addr, IPCX_SEND);
	assert_int_equal(ipcx_send(tx, "after", 5, NULL), 5);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 5);
	assert_memory_equal(buf, "after", 5);
	close(hold[1]);
	close(hold[0]);
	assert_int_equal(conf_wait(first), 0);
	ipcx_close(tx);
	ipcx_close(rx);
}

/* kill -9 of either side at a random point of a stream: the survivor
 * sees only whole messages, in order, then -EPIPE within 2 s; a new
 * consumer after a dead one goes on from a whole message. */
static void t_death_at_random_points(void **state)
{
	unsigned char buf[256], want[256];

	(void)state;
	srand((unsigned)getpid());
	for (int round = 0; round < 16; round++) {
		bool producer_dies = round % 2 == 0;
		const char *addr =
			new_ring(round % 4 < 2 ? "size=16K&wait=adaptive"
					       : "size=16K&wait=spin");
		struct ipcx_chan *me = ropen(addr, IPCX_CREATE);
		uint64_t i = 0, count = 1000 + (uint64_t)(rand() % 20000);
		struct timespec t0;
		ssize_t r;
		pid_t pid = fork();
		if (pid == 0) {
			struct ipcx_chan *c;
			CHILD_CHECK(ipcx_open(addr, 0, &c) == 0);
			for (uint64_t k = 0;; k++) {
				size_t len = make_msg(k, want);
				if (producer_dies) {
					CHILD_CHECK(
						ipcx_send(c, want, len, NULL) ==
						(ssize_t)len);
				} else {
					CHILD_CHECK(ipcx_recv(c, buf,
							      sizeof(buf),
							      NULL) ==
						    (ssize_t)len);
					CHILD_CHECK(!memcmp(buf, want, len));
				}
			}
		}
		if (producer_dies) {
			for (; i < count; i++) {
				size_t len = make_msg(i, want);
				r = ipcx_recv(me, buf, sizeof(buf), NULL);
				assert_int_equal(r, (ssize_t)len);
				assert_memory_equal(buf, want, len);
			}
			kill(pid, SIGKILL);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			/* Whatever was published before the kill, whole. */
			while ((r = ipcx_recv(me, buf, sizeof(buf), NULL)) >=
			       0) {
				size_t len = make_msg(i++, want);
				assert_int_equal(r, (ssize_t)len);
				assert_memory_equal(buf, want, len);
			}
		} else {
			for (; i < count; i++) {
				size_t len = make_msg(i, want);
				assert_int_equal(ipcx_send(me, want, len, NULL),
						 (ssize_t)len);
			}
			kill(pid, SIGKILL);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			do {
				size_t len = make_msg(i++, want);
				r = ipcx_send(me, want, len, NULL);
			} while (r >= 0);
			i--; /* the last send failed */
		}
		assert_int_equal(r, -EPIPE);
		assert_non_null(strstr(ipcx_error_detail(), "died"));
		assert_true(conf_ms_since(&t0) < 2000);
		assert_int_equal(conf_wait(pid), 128 + SIGKILL);
		if (!producer_dies) {
			/* A new consumer: a run of whole messages that ends
			 * with the last one sent. */
			struct ipcx_chan *rx =
				ropen(addr, IPCX_RECV | IPCX_NONBLOCK);
			uint64_t k = UINT64_MAX;
			while ((r = ipcx_recv(rx, buf, sizeof(buf), NULL)) >=
			       0) {
				uint64_t seq;
				memcpy(&seq, buf, 8);
				if (k != UINT64_MAX)
					assert_int_equal(seq, k + 1);
				size_t len = make_msg(seq, want);
				assert_int_equal(r, (ssize_t)len);
				assert_memory_equal(buf, want, len);
				k = seq;
			}
			assert_int_equal(r, -EAGAIN);
			if (k != UINT64_MAX)
				assert_int_equal(k, i - 1);
			ipcx_close(rx);
		}
		ipcx_close(me);
		remove_rings(NULL); /* one name per round */
	}
}

/* ipcx_chan_unlink() removes the region a ring's open created, and only
 * that: a ring opened on one that existed leaves it, and so does a child
 * that inherited the channel. */
static void t_unlink_what_it_made(void **state)
{
	const char *addr = new_ring("size=64K");
	char path[96];
	struct ipcx_chan *made, *opened;

	(void)state;
	snprintf(path, sizeof(path), "/dev/shm%s", strchr(addr, '/'));
	*strchr(path, '?') = '\0';
	assert_int_equal(ipcx_open(addr, IPCX_RECV | IPCX_CREATE, &made), 0);
	assert_int_equal(ipcx_open(addr, IPCX_SEND, &opened), 0);
	assert_int_equal(ipcx_chan_unlink(opened), 0);
	assert_int_equal(access(path, F_OK), 0);
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_chan_unlink(made) == 0);
		CHILD_CHECK(access(path, F_OK) == 0);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(ipcx_chan_unlink(made), 0);
	assert_int_equal(access(path, F_OK), -1);
	/* Still open: the mapping outlives the name. */
	assert_int_equal(ipcx_send(opened, "x", 1, NULL), 1);
	char c;
	assert_int_equal(ipcx_recv(made, &c, 1, NULL), 1);
	ipcx_close(opened);
	ipcx_close(made);
}

/* The same for a region: ipcx_region_unlink() removes what it made. */
static void t_region_unlink(void **state)
{
	char addr[96], path[96];
	struct ipcx_region *made, *opened;

	(void)state;
	snprintf(addr, sizeof(addr), "posixshm:/ipcx-ring-%d-region",
		 (int)getpid());
	snprintf(path, sizeof(path), "/dev/shm/ipcx-ring-%d-region",
		 (int)getpid());
	assert_int_equal(ipcx_region_open(addr, IPCX_CREATE, 4096, &made), 0);
	assert_int_equal(ipcx_region_open(addr, 0, 0, &opened), 0);
	assert_int_equal(ipcx_region_unlink(opened), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(ipcx_region_unlink(made), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(ipcx_region_unlink(NULL), -EINVAL);
	ipcx_region_close(opened);
	ipcx_region_close(made);
}

/* The posixshm object's name in ADDR ("posixshm:/x?..." -> "/x"). */
static void shm_name(const char *addr, char *out, size_t n)
{
	snprintf(out, n, "%s", addr + strlen("posixshm:"));
	char *q = strchr(out, '?');
	if (q)
		*q = '\0';
}

static void cut_to_zero(const char *addr)
{
	char name[64];
	shm_name(addr, name, sizeof(name));
	int fd = shm_open(name, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	close(fd);
}

/* A ring whose object is cut to 0 bytes, by another process, while a
 * receiver waits: every side gets -EFAULT; nobody dies of SIGBUS. */
static void t_truncated_while_waiting(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		const char *addr = new_ring(mode ? "size=64K&wait=spin"
						 : "size=64K&wait=futex");
		struct ipcx_chan *tx = ropen(addr, IPCX_CREATE | IPCX_SEND);
		int sync[2];
		assert_int_equal(pipe(sync), 0);
		pid_t pid = fork();
		if (pid == 0) {
			struct ipcx_chan *rx;
			char b[64];
			CHILD_CHECK(ipcx_open(addr, IPCX_RECV, &rx) == 0);
			CHILD_CHECK(ipcx_recv(rx, b, sizeof(b), NULL) == 1);
			CHILD_CHECK(write(sync[1], "r", 1) == 1);
			ssize_t r = ipcx_recv(rx, b, sizeof(b), NULL);
			CHILD_CHECK(r == -EFAULT);
			CHILD_CHECK(strstr(ipcx_error_detail(), "SIGBUS"));
			ipcx_close(rx);
			_exit(0);
		}
		char ch;
		assert_int_equal(ipcx_send(tx, "a", 1, NULL), 1);
		assert_int_equal(read(sync[0], &ch, 1), 1);
		usleep(30000); /* the receiver is waiting (asleep or spinning)
				*/
		cut_to_zero(addr);
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(conf_wait(pid), 0); /* not 128 + SIGBUS */
		assert_true(conf_ms_since(&t0) < 1000);
		/* The sender's next message finds the object gone too. */
		assert_int_equal(ipcx_send(tx, "b", 1, NULL), -EFAULT);
		assert_int_equal(ipcx_send(tx, "c", 1, NULL), -EFAULT);
		ipcx_close(tx);
		close(sync[0]);
		close(sync[1]);
	}
}

/* Cut in mid-transfer: a sender and a receiver in full flow both end
 * with an error (-EFAULT, or -EPIPE once the other has gone), neither
 * with a signal. */
static void t_truncated_mid_transfer(void **state)
{
	(void)state;
	const char *addr = new_ring("size=256K");
	struct ipcx_chan *c = ropen(addr, IPCX_CREATE);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct ipcx_chan *e;
			static char b[8192];
			ssize_t r;
			CHILD_CHECK(ipcx_open(addr, 0, &e) == 0);
			do
				r = k ? ipcx_send(e, b, sizeof(b), NULL)
				      : ipcx_recv(e, b, sizeof(b), NULL);
			while (r >= 0);
			CHILD_CHECK(r == -EFAULT || r == -EPIPE);
			_exit(0);
		}
	}
	usleep(100000);
	cut_to_zero(addr);
	assert_int_equal(conf_wait(kids[0]), 0);
	assert_int_equal(conf_wait(kids[1]), 0);
	ipcx_close(c);
}

/* A sender killed with SIGKILL does not end the wait of a receiver
 * that came after it: that one waits for the next sender. */
static void t_dead_pair_does_not_poison(void **state)
{
	(void)state;
	const char *addr = new_ring("size=64K");
	struct ipcx_chan *rx = ropen(addr, IPCX_CREATE | IPCX_RECV), *tx;
	char buf[64];
	int sync[2];
	assert_int_equal(pipe(sync), 0);
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &tx) == 0);
		CHILD_CHECK(ipcx_send(tx, "x", 1, NULL) == 1);
		CHILD_CHECK(write(sync[1], "r", 1) == 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(sync[0], buf, 1), 1);
	kill(pid, SIGKILL);
	conf_wait(pid);
	/* The receiver that saw it alive hears of its death... */
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 1);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), -EPIPE);
	ipcx_close(rx);
	/* ...the next one waits (a timeout, not "peer died")... */
	char opts[128];
	snprintf(opts, sizeof(opts), "%s%ctimeout=300", addr,
		 strchr(addr, '?') ? '&' : '?');
	rx = ropen(opts, IPCX_RECV);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), -ETIMEDOUT);
	/* ...and gets what the next sender sends. */
	tx = ropen(addr, IPCX_SEND);
	assert_int_equal(ipcx_send(tx, "next", 4, NULL), 4);
	assert_int_equal(ipcx_recv(rx, buf, sizeof(buf), NULL), 4);
	ipcx_close(tx);
	ipcx_close(rx);
	close(sync[0]);
	close(sync[1]);
}

/* duplex=1: a ring each way in one region.  The side that creates it
 * (the server) receives requests on one and replies on the other; a
 * client opens the address with no option and no direction.  Replies
 * come exactly once and in order, on every named region facility. */
static void t_duplex_request_reply(void **state)
{
	(void)state;
	char addrs[3][60];
	snprintf(addrs[0], sizeof(addrs[0]), "posixshm:/ipcx-ring-%d-dx",
		 (int)getpid());
	snprintf(addrs[1], sizeof(addrs[1]), "sysvshm:0x%x",
		 0x4e000000 | ((int)getpid() & 0xffff) << 8 | 0xdd);
	snprintf(addrs[2], sizeof(addrs[2]), "mmap:/tmp/ipcx-ring-%d-dx",
		 (int)getpid());
	for (int k = 0; k < 3; k++) {
		char made[100], buf[64];
		snprintf(names[nnames < 15 ? nnames++ : 15], sizeof(names[0]),
			 "%.60s", addrs[k]);
		snprintf(made, sizeof(made), "%.60s?size=64K&duplex=1",
			 addrs[k]);
		struct ipcx_chan *srv = ropen(made, IPCX_CREATE | IPCX_EXCL);
		pid_t pid = fork();
		if (pid == 0) {
			struct ipcx_chan *cl;
			CHILD_CHECK(ipcx_open(addrs[k], 0, &cl) == 0);
			for (int i = 0; i < 1000; i++) {
				char q[32], a[64];
				int n = snprintf(q, sizeof(q), "req %d", i);
				CHILD_CHECK(ipcx_send(cl, q, (size_t)n, NULL) ==
					    n);
				ssize_t r = ipcx_recv(cl, a, sizeof(a), NULL);
				char want[64];
				int w = snprintf(want, sizeof(want),
						 "reply to req %d", i);
				CHILD_CHECK(r == w &&
					    !memcmp(a, want, (size_t)w));
			}
			ipcx_close(cl);
			_exit(0);
		}
		for (int i = 0; i < 1000; i++) {
			ssize_t r = ipcx_recv(srv, buf, sizeof(buf), NULL);
			assert_true(r > 0);
			char out[96];
			int n = snprintf(out, sizeof(out), "reply to %.*s",
					 (int)r, buf);
			assert_int_equal(ipcx_send(srv, out, (size_t)n, NULL),
					 n);
		}
		assert_int_equal(conf_wait(pid), 0);
		/* One-way handles use the first ring: what a sender sends,
		 * the side that created it receives. */
		struct ipcx_chan *tx = ropen(addrs[k], IPCX_SEND);
		assert_int_equal(ipcx_send(tx, "one-way", 7, NULL), 7);
		assert_int_equal(ipcx_recv(srv, buf, sizeof(buf), NULL), 7);
		ipcx_close(tx);
		ipcx_close(srv);
		ipcx_unlink(addrs[k]);
	}
	/* duplex=1 on a region that holds one ring: refused, by name. */
	const char *one = new_ring("size=64K");
	struct ipcx_chan *c = ropen(one, IPCX_CREATE | IPCX_RECV), *d;
	char dx[160];
	snprintf(dx, sizeof(dx), "%s&duplex=1", one);
	assert_int_equal(ipcx_open(dx, 0, &d), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "holds one ring"));
	ipcx_close(c);
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test_teardown(t_spsc_integrity, remove_rings),
		cmocka_unit_test_teardown(t_mpmc, remove_rings),
		cmocka_unit_test_teardown(t_wait_modes, remove_rings),
		cmocka_unit_test_teardown(t_full_empty_too_big, remove_rings),
		cmocka_unit_test_teardown(t_zero_copy, remove_rings),
		cmocka_unit_test_teardown(t_peer_death, remove_rings),
		cmocka_unit_test_teardown(t_killed_mid_write, remove_rings),
		cmocka_unit_test_teardown(t_death_at_random_points,
					  remove_rings),
		cmocka_unit_test_teardown(t_threads_share_a_side, remove_rings),
		cmocka_unit_test_teardown(t_lock_holder_killed, remove_rings),
		cmocka_unit_test_teardown(t_corrupt_header, remove_rings),
		cmocka_unit_test_teardown(t_anon_across_fork, remove_rings),
		cmocka_unit_test_teardown(t_pollable, remove_rings),
		cmocka_unit_test_teardown(t_unlink_what_it_made, remove_rings),
		cmocka_unit_test(t_region_unlink),
		cmocka_unit_test_teardown(t_truncated_while_waiting,
					  remove_rings),
		cmocka_unit_test_teardown(t_truncated_mid_transfer,
					  remove_rings),
		cmocka_unit_test_teardown(t_dead_pair_does_not_poison,
					  remove_rings),
		cmocka_unit_test_teardown(t_duplex_request_reply, remove_rings),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
