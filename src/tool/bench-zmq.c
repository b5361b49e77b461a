/* SPDX-License-Identifier: MIT */
/*
 * ipcx bench, relay to ZeroMQ: a local ring carried onto a ZeroMQ push
 * socket by the relay engine (what `ipcx relay anon: zmq:...?type=push`
 * does), against libzmq's own push/pull, the fastest one process can hand
 * messages to ZeroMQ.  Built with libzmq only.
 *
 * One receiver for both: a libzmq pull socket in the measuring process,
 * bound on the loopback, that counts N messages (each carries its
 * sequence number, checked) and times them from the first to the last.
 * The senders differ:
 *   raw    one process: zmq_send() on a push socket, N times;
 *   relay  the N messages wait in an anonymous ring (written before the
 *          relay starts), and a process runs the relay engine from the
 *          ring to a zmq: push address: the relay's own rate, as the raw
 *          sender's is libzmq's;
 *   live   as relay, the ring written by a process of its own while the
 *          relay runs: a writer faster than the relay spins on the full
 *          ring (its wait=adaptive), and takes one of the two CPUs.
 * Trials alternate (raw, relay, relay, raw, ...), each in fresh processes;
 * the rates are the medians of each path's trials, the ratio the median
 * of each pair of trials' ratio.  The processes are
 * not pinned: there are more of them (and libzmq's I/O threads) than the
 * two CPUs, and the scheduler places them as it would for a user.
 */
#include "bench.h"
#include "tool.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

enum { TIMEOUT_MS = 10000 };

/* Every CPU for the calling process (the case's process is pinned). */
static void unpin(void)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void stamp(unsigned char *b, size_t n, uint64_t seq)
{
	memcpy(b, &seq, 8);
	b[n - 1] = (unsigned char)seq;
}

/* The raw sender: N messages on a libzmq push socket, then it waits to
 * be killed (what it sent is still on its way). */
static void raw_sender(int port, size_t size, uint64_t n)
{
	char at[64];
	unsigned char *b = calloc(1, size);
	void *cx = zmq_ctx_new(), *s = cx ? zmq_socket(cx, ZMQ_PUSH) : NULL;

	snprintf(at, sizeof(at), "tcp://127.0.0.1:%d", port);
	if (!b || !s || zmq_connect(s, at) < 0)
		_exit(2);
	for (uint64_t i = 0; i < n; i++) {
		stamp(b, size, i);
		while (zmq_send(s, b, size, 0) < 0)
			if (errno != EINTR)
				_exit(3);
	}
	for (;;)
		pause();
}

/* The ring's writer: N messages into RING, then it waits. */
static void ring_writer(struct ipcx_chan *ring, size_t size, uint64_t n)
{
	unsigned char *b = calloc(1, size);

	if (!b)
		_exit(2);
	for (uint64_t i = 0; i < n; i++) {
		stamp(b, size, i);
		if (ipcx_send(ring, b, size, NULL) != (ssize_t)size)
			_exit(3);
	}
	for (;;)
		pause();
}

/* The relay: the engine of ipcx relay, from the ring to a push socket. */
static void relay(struct ipcx_chan *ring, int port)
{
	char addr[96];
	struct ipcx_chan *push;

	snprintf(addr, sizeof(addr), "zmq:tcp://127.0.0.1:%d?type=push", port);
	if (ipcx_open(addr, 0, &push) < 0)
		_exit(2);
	struct ipcx_chan *c[2] = {ring, push};
	const char *names[2] = {"anon:", addr};
	struct tool_relay_opts ro = {.oneway = true, .linger_ms = -1};
	_exit(tool_relay(c, names, &ro) == EXIT_OK ? 0 : 3);
}

/*
 * Receives N messages of SIZE on a pull socket bound to PORT; their rate
 * (from the first to the last) in *RATE.  The senders are started first
 * (a connect before the bind is retried by libzmq), and the context is
 * ended before returning, so that the next fork finds no thread of
 * libzmq in this process.
 */
static int receive(int port, size_t size, uint64_t n, double *rate)
{
	char at[64];
	unsigned char *b = malloc(size + 1);
	int ms = TIMEOUT_MS, zero = 0, e = 0;
	void *cx = zmq_ctx_new(), *s = cx ? zmq_socket(cx, ZMQ_PULL) : NULL;
	double t0 = 0;

	snprintf(at, sizeof(at), "tcp://127.0.0.1:%d", port);
	if (!b || !s || zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof(ms)) < 0 ||
	    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    zmq_bind(s, at) < 0) {
		e = -errno;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		int r;
		while ((r = zmq_recv(s, b, size + 1, 0)) < 0 && errno == EINTR)
			;
		if (r < 0) {
			e = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		uint64_t seq;
		memcpy(&seq, b, 8);
		if ((size_t)r != size || seq != i ||
		    b[size - 1] != (unsigned char)i) {
			e = -EPROTO; /* lost, damaged or out of order */
			goto out;
		}
		if (i == 0)
			t0 = bench_now();
	}
	*rate = (double)(n - 1) / ((bench_now() - t0) / 1e9);
out:
	if (s)
		zmq_close(s);
	if (cx)
		zmq_ctx_term(cx);
	free(b);
	return e;
}

enum path { RAW, RELAY, LIVE };

/* A ring record's room for a message of SIZE (header, 16-byte steps). */
static size_t record(size_t size)
{
	return 16 + (size + 15) / 16 * 16;
}

/* One trial of a path: its rate in *RATE, or -errno. */
static int trial(enum path path, size_t size, uint64_t n, double *rate)
{
	struct ipcx_chan *ring = NULL;
	pid_t pid[2] = {-1, -1};
	int port = bench_free_port(), e = 0;

	if (port < 0)
		return port;
	if (path != RAW) {
		/* RELAY: room for all N (and a ring is at most half its
		 * region); LIVE: for 64 messages, at least 1 MiB. */
		char addr[64];
		size_t sz = path == RELAY ? 2 * n * record(size) + (1u << 20)
			    : size * 64 > (1u << 20) ? size * 64
						     : 1u << 20;
		snprintf(addr, sizeof(addr), "anon:?size=%zu", sz);
		if ((e = ipcx_open(addr, IPCX_CREATE, &ring)) < 0)
			return e;
	}
	if (path == RELAY) {
		unsigned char *b = calloc(1, size);
		for (uint64_t i = 0; b && i < n && e == 0; i++) {
			stamp(b, size, i);
			ssize_t w = ipcx_send(ring, b, size, NULL);
			e = w == (ssize_t)size ? 0 : w < 0 ? (int)w : -EIO;
		}
		free(b);
		if (!b)
			e = -ENOMEM;
		if (e < 0)
			goto out;
	}
	for (int k = 0; k < (path == LIVE ? 2 : 1); k++) {
		if ((pid[k] = bench_spawn()) < 0) {
			e = -errno;
			goto out;
		}
		if (pid[k] == 0) {
			if (path == RAW)
				raw_sender(port, size, n);
			else if (path == LIVE && k == 0)
				ring_writer(ring, size, n);
			else
				relay(ring, port);
		}
	}
	e = receive(port, size, n, rate);
out:
	for (int k = 0; k < 2; k++)
		if (pid[k] > 0) {
			int st = bench_reap(pid[k], true);
			/* Killed is how a sender ends; anything else is a
			 * failure of its own. */
			if (e == 0 && st != 128 + SIGKILL)
				e = -ECHILD;
		}
	if (ring)
		ipcx_close(ring);
	return e;
}

static void relay_case(const void *arg, size_t size, const struct bench_opts *o,
		       struct bench_row *row)
{
	enum { MAXT = 32 };
	const enum path *mine = arg;
	double rates[2][MAXT / 2], ratio[MAXT / 2];
	int nt[2] = {0, 0}, trials = o->quick ? 2 : MAXT, e = 0;
	uint64_t n = o->quick ? 2000 : 20000;

	unpin();
	/* The number of messages: a trial of about 2.5 % of the budget at
	 * libzmq's rate (a first raw trial finds it), at most what 8 MiB
	 * of ring holds (the relay reads it from the cache, as it would
	 * a ring that a live writer fills). */
	if (!o->quick) {
		double r;
		if ((e = trial(RAW, size, n, &r)) < 0)
			goto fail;
		double want = r * o->seconds * 0.025;
		double most = (double)(8u << 20) / (double)record(size);
		if (want > most)
			want = most;
		n = want < 1000 ? 1000 : (uint64_t)want;
	}
	/* Pairs of trials, raw and ipcx in turn (raw first, then ipcx
	 * first, ...): the ratio is the median of the pairs' ratios, so
	 * that a change of the machine between pairs cancels. */
	for (int t = 0; t < trials; t++) {
		bool raw = ((t + 1) / 2) % 2 == 0;
		double *at = &rates[raw][nt[raw]];
		if ((e = trial(raw ? RAW : *mine, size, n, at)) < 0)
			goto fail;
		nt[raw]++;
		if (t % 2 == 1)
			ratio[t / 2] = rates[0][t / 2] / rates[1][t / 2];
	}
	for (int k = 0; k < 2; k++)
		qsort(rates[k], (size_t)nt[k], sizeof(double), bench_cmp);
	qsort(ratio, (size_t)(trials / 2), sizeof(double), bench_cmp);
	row->msgs = bench_pct(rates[0], (size_t)nt[0], 0.5);
	row->bytes = row->msgs * (double)size;
	row->raw_msgs = bench_pct(rates[1], (size_t)nt[1], 0.5);
	row->raw_bytes = row->raw_msgs * (double)size;
	row->tput_ratio = bench_pct(ratio, (size_t)(trials / 2), 0.5);
	snprintf(row->note, sizeof(row->note),
		 "throughput only; %d pairs of trials of %llu messages, "
		 "the median pair's ratio%s",
		 trials / 2, (unsigned long long)n,
		 *mine == LIVE ? "; the writer spins on the full ring "
				 "(wait=adaptive), taking a CPU of the two"
			       : "");
	return;
fail:
	snprintf(row->note, sizeof(row->note), "failed: %s",
		 e == -ECHILD	? "a sending process failed"
		 : e == -EPROTO ? "a message lost, damaged or out of order"
				: bench_detail(e));
}

void bench_relay_zmq(const struct bench_opts *o)
{
	static const enum path paths[2] = {RELAY, LIVE};
	static const char *const labels[2] = {
		"ring (anon) -> zmq push",
		"ring (anon), live writer -> zmq push",
	};

	if (!bench_wanted(o, "zmq"))
		return;
	for (int k = 0; k < 2 * o->nsizes; k++) {
		struct bench_row *row = bench_add("relay", labels[k % 2],
						  "kernel", o->sizes[k / 2]);
		if (!row)
			return;
		row->raw_is = "libzmq push/pull";
		bench_detail_mark();
		if (o->sizes[k / 2] < 8) {
			snprintf(row->note, sizeof(row->note),
				 "skipped: below the 8-byte sequence number");
			continue;
		}
		bench_progress(o, row);
		bench_run_isolated(o, row, relay_case, &paths[k % 2],
				   o->sizes[k / 2]);
	}
}
