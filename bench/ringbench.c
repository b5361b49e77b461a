/* SPDX-License-Identifier: MIT */
/* The ring against the hardware's floor and a minimal ring, same run. */
#include "common.h"

#include <ipcx.h>

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FUTEX_WAIT
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#endif

/*
 * Baselines, measured in the same run on the same two CPUs as the ring:
 *  - cache-line ping-pong: two flags on separate lines, each side spins;
 *    the floor for any round trip between the two CPUs;
 *  - futex ping-pong: the same with a sleep in the kernel each way;
 *  - a minimal SPSC ring: fixed 64-byte or 64 KiB slots, cached indices,
 *    padded positions: the reference for throughput, and (two of them,
 *    spinning) what the simplest ring's round trip costs above the floor;
 *  - memcpy bandwidth: the ceiling for moving bytes.
 * Round trips are medians of N / BATCH samples, each the mean of BATCH
 * consecutive round trips (a single one is near the clock's resolution
 * in a VM); throughput moves TOTAL bytes one way and checks every
 * message's sequence number on arrival.
 */

static int quick;

#define BATCH 16

static void die(const char *what)
{
	fprintf(stderr, "ringbench: %s: %s (%s)\n", what, strerror(errno),
		ipcx_error_detail());
	exit(1);
}

static void *shared(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* A warning when the two measures of a baseline disagree by > 25 %. */
static const char *moved(double before, double after)
{
	double r = before > after ? before / after : after / before;

	return r > 1.25 ? "  [placement moved: ratio unreliable]" : "";
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void child_fail(const char *what)
{
	fprintf(stderr, "ringbench: child: %s: %s\n", what,
		ipcx_error_detail());
	_exit(2);
}

static pid_t child(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	pin(pid == 0 ? 1 : 0);
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "ringbench: a child %s %d\n",
			WIFEXITED(st) ? "exited with" : "died of signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		exit(1);
	}
}

/* ---- baselines ----------------------------------------------------------- */

struct flags {
	alignas(64) _Atomic uint32_t a;
	alignas(64) _Atomic uint32_t b;
};

static double cacheline_rtt(int n)
{
	n -= n % BATCH;

	struct flags *f = shared(sizeof(*f));
	double *t = calloc((size_t)n, sizeof(double));
	pid_t pid = child();

	if (pid == 0) {
		for (uint32_t i = 1; i <= (uint32_t)n; i++) {
			while (atomic_load_explicit(&f->a,
						    memory_order_acquire) != i)
				;
			atomic_store_explicit(&f->b, i, memory_order_release);
		}
		_exit(0);
	}
	for (uint32_t i = 1; i <= (uint32_t)n; i += BATCH) {
		double t0 = now_ns();
		for (uint32_t j = i; j < i + BATCH; j++) {
			atomic_store_explicit(&f->a, j, memory_order_release);
			while (atomic_load_explicit(&f->b,
						    memory_order_acquire) != j)
				;
		}
		t[i / BATCH] = (now_ns() - t0) / BATCH;
	}
	reap(pid);
	double m = median(t, n / BATCH);
	free(t);
	munmap(f, sizeof(*f));
	return m;
}

static void fwait(_Atomic uint32_t *w, uint32_t want)
{
	uint32_t v;
	while ((v = atomic_load(w)) != want)
		syscall(SYS_futex, w, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void fset(_Atomic uint32_t *w, uint32_t v)
{
	atomic_store(w, v);
	syscall(SYS_futex, w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static double futex_rtt(int n)
{
	struct flags *f = shared(sizeof(*f));
	double *t = calloc((size_t)n, sizeof(double));
	pid_t pid = child();

	if (pid == 0) {
		for (uint32_t i = 1; i <= (uint32_t)n; i++) {
			fwait(&f->a, i);
			fset(&f->b, i);
		}
		_exit(0);
	}
	for (uint32_t i = 1; i <= (uint32_t)n; i++) {
		double t0 = now_ns();
		fset(&f->a, i);
		fwait(&f->b, i);
		t[i - 1] = now_ns() - t0;
	}
	reap(pid);
	double m = median(t, n);
	free(t);
	munmap(f, sizeof(*f));
	return m;
}

/* A minimal SPSC ring of fixed slots: cached indices, padded positions. */
struct mini {
	alignas(64) _Atomic uint64_t head;
	alignas(64) _Atomic uint64_t tail;
	alignas(64) unsigned char data[];
};

/* The minimal ring's send and receive of one MSG-byte slot of SLOTS:
 * HEAD and TAIL are the caller's cached copies. */
static void mini_send(struct mini *r, uint64_t slots, size_t msg,
		      uint64_t *head, uint64_t *tail, const void *buf)
{
	while (*head - *tail == slots)
		*tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	memcpy(r->data + (*head % slots) * msg, buf, msg);
	atomic_store_explicit(&r->head, ++*head, memory_order_release);
}

static void mini_recv(struct mini *r, uint64_t slots, size_t msg,
		      uint64_t *head, uint64_t *tail, void *buf)
{
	while (*head == *tail)
		*head = atomic_load_explicit(&r->head, memory_order_acquire);
	memcpy(buf, r->data + (*tail % slots) * msg, msg);
	atomic_store_explicit(&r->tail, ++*tail, memory_order_release);
}

static double mini_tput(size_t msg, size_t total)
{
	const uint64_t slots = (4u << 20) / msg;
	struct mini *r = shared(sizeof(*r) + slots * msg);
	uint64_t n = total / msg, head = 0, tail = 0;
	unsigned char *buf = calloc(1, msg);
	pid_t pid = child();

	if (pid == 0) {
		for (uint64_t i = 0; i < n; i++) {
			uint64_t seq;
			mini_recv(r, slots, msg, &head, &tail, buf);
			memcpy(&seq, buf, 8);
			if (seq != i) {
				fprintf(stderr, "mini: %llu != %llu\n",
					(unsigned long long)seq,
					(unsigned long long)i);
				_exit(2);
			}
		}
		_exit(0);
	}
	double t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		memcpy(buf, &i, 8);
		mini_send(r, slots, msg, &head, &tail, buf);
	}
	reap(pid);
	double secs = (now_ns() - t0) / 1e9;
	free(buf);
	munmap(r, sizeof(*r) + slots * msg);
	return n / secs;
}

/*
 * The median of N / BATCH means of BATCH round trips, TRIP(CTX, J) each
 * (J from 0).  Inlined, so that TRIP is a direct call: the figure is the
 * round trip's alone.
 */
static inline __attribute__((always_inline)) double batched(
	int n, void (*trip)(void *ctx, int j), void *ctx)
{
	double *t = calloc((size_t)(n / BATCH), sizeof(double));

	for (int i = 0; i + BATCH <= n; i += BATCH) {
		double t0 = now_ns();
		for (int j = i; j < i + BATCH; j++)
			trip(ctx, j);
		t[i / BATCH] = (now_ns() - t0) / BATCH;
	}
	double m = median(t, n / BATCH);
	free(t);
	return m;
}

#define MINI_SLOTS 1024u

struct mini_pair {
	struct mini *ab, *ba;
	uint64_t h1, t1, h2, t2;
};

static void mini_trip(void *ctx, int j)
{
	struct mini_pair *m = ctx;
	char buf[64] = {0};

	memcpy(buf, &j, sizeof(j));
	mini_send(m->ab, MINI_SLOTS, 64, &m->h1, &m->t1, buf);
	mini_recv(m->ba, MINI_SLOTS, 64, &m->h2, &m->t2, buf);
	if (memcmp(buf, &j, sizeof(j)))
		die("minimal ring echo");
}

/* Round trips of 64 bytes over two minimal rings, spinning: what the
 * simplest ring costs above the floor in this placement. */
static double mini_rtt(int n)
{
	size_t sz = sizeof(struct mini) + MINI_SLOTS * 64;
	struct mini_pair m = {shared(sz), shared(sz), 0, 0, 0, 0};
	char buf[64];
	pid_t pid = child();

	n -= n % BATCH;
	if (pid == 0) {
		for (int i = 0; i < n; i++) {
			mini_recv(m.ab, MINI_SLOTS, 64, &m.h1, &m.t1, buf);
			mini_send(m.ba, MINI_SLOTS, 64, &m.h2, &m.t2, buf);
		}
		_exit(0);
	}
	double med = batched(n, mini_trip, &m);
	reap(pid);
	munmap(m.ab, sz);
	munmap(m.ba, sz);
	return med;
}

static double memcpy_gbs(void)
{
	size_t n = 64u << 20;
	char *a = malloc(n), *b = malloc(n);
	memset(a, 1, n);
	memset(b, 2, n);
	double t0 = now_ns();
	for (int k = 0; k < 4; k++)
		for (size_t off = 0; off < n; off += 65536)
			memcpy(b + off, a + off, 65536);
	double s = (now_ns() - t0) / 1e9;
	volatile char sink = b[n - 1];
	(void)sink;
	free(a);
	free(b);
	return 4.0 * n / s / 1e9;
}

/* ---- the ipcx ring ------------------------------------------------------ */

static struct ipcx_chan *ring(const char *wait, size_t size)
{
	char addr[96];
	struct ipcx_chan *c;

	snprintf(addr, sizeof(addr), "anon:?size=%zu&wait=%s", size, wait);
	if (ipcx_open(addr, 0, &c) < 0)
		die(addr);
	return c;
}

struct chan_pair {
	struct ipcx_chan *ab, *ba;
	size_t len;
};

static void ring_trip(void *ctx, int j)
{
	struct chan_pair *c = ctx;
	char buf[64] = {0};

	memcpy(buf, &j, sizeof(j));
	if (ipcx_send(c->ab, buf, 64, NULL) != 64 ||
	    ipcx_recv(c->ba, buf, sizeof(buf), NULL) != 64)
		die("ring round trip");
	if (memcmp(buf, &j, sizeof(j)))
		die("ring echo");
}

static double ring_rtt(const char *wait, int n)
{
	struct chan_pair c = {ring(wait, 1 << 20), ring(wait, 1 << 20), 64};
	char buf[64];
	pid_t pid = child();

	n -= n % BATCH;
	if (pid == 0) {
		for (int i = 0; i < n; i++)
			if (ipcx_recv(c.ab, buf, sizeof(buf), NULL) != 64 ||
			    ipcx_send(c.ba, buf, 64, NULL) != 64)
				child_fail("ring echo");
		_exit(0);
	}
	double med = batched(n, ring_trip, &c);
	reap(pid);
	ipcx_close(c.ab);
	ipcx_close(c.ba);
	return med;
}

/* Messages per second one way; PRODS x CONS processes. */
static double ring_tput(size_t msg, size_t total, int prods, int cons)
{
	struct ipcx_chan *c = ring("adaptive", 8u << 20);
	uint64_t n = total / msg, each = n / (uint64_t)prods;
	pid_t kids[8];
	int k = 0;

	n = each * (uint64_t)prods;
	for (int i = 0; i < cons; i++) {
		fflush(NULL);
		if ((kids[k++] = fork()) == 0) {
			pin(1);
			unsigned char *buf = malloc(msg);
			uint64_t got =
				n / (uint64_t)cons + (i < (int)(n % cons));
			for (uint64_t j = 0; j < got; j++)
				if (ipcx_recv(c, buf, msg, NULL) !=
				    (ssize_t)msg)
					child_fail("ring recv");
			_exit(0);
		}
	}
	double t0 = now_ns();
	for (int i = 0; i < prods; i++) {
		fflush(NULL);
		if ((kids[k++] = fork()) == 0) {
			pin(0);
			unsigned char *buf = calloc(1, msg);
			for (uint64_t j = 0; j < each; j++) {
				memcpy(buf, &j, 8);
				if (ipcx_send(c, buf, msg, NULL) !=
				    (ssize_t)msg)
					child_fail("ring send");
			}
			_exit(0);
		}
	}
	for (int i = 0; i < k; i++)
		reap(kids[i]);
	double secs = (now_ns() - t0) / 1e9;
	ipcx_close(c);
	return n / secs;
}

/* One zero-copy round trip of LEN bytes, checked by its first byte. */
static void zc_trip(void *ctx, int j)
{
	struct chan_pair *c = ctx;
	void *q;
	const void *p;
	size_t got;

	if (ipcx_reserve(c->ab, c->len, &q) < 0)
		die("reserve");
	((unsigned char *)q)[0] = (unsigned char)j;
	ipcx_commit(c->ab, c->len);
	if (ipcx_peek(c->ba, &p, &got) < 0 || got != c->len ||
	    ((const unsigned char *)p)[0] != (unsigned char)j)
		die("zero-copy echo");
	ipcx_release(c->ba);
}

static double zc_rtt(size_t len, int n)
{
	/* A ring of at least 8 MiB and 32 messages (the producer reloads
	 * the consumer's position when its cached copy says full, once a
	 * lap).  One lap first, untimed, so that no page is touched for
	 * the first time while the clock runs. */
	size_t cap = len * 32 > (8u << 20) ? len * 32 : 8u << 20;
	struct chan_pair c = {ring("adaptive", cap * 2),
			      ring("adaptive", cap * 2), len};
	int warm = (int)(cap / (len + 80)) + 1;
	pid_t pid;

	n -= n % BATCH;
	pid = child();
	if (pid == 0) {
		for (int i = 0; i < warm + n; i++) {
			const void *p;
			void *q;
			size_t got;
			if (ipcx_peek(c.ab, &p, &got) < 0 ||
			    ipcx_reserve(c.ba, got, &q) < 0)
				child_fail("zero-copy echo");
			/* Touch the payload as a consumer would. */
			((unsigned char *)q)[0] = ((const unsigned char *)p)[0];
			ipcx_release(c.ab);
			ipcx_commit(c.ba, got);
		}
		_exit(0);
	}
	for (int i = 0; i < warm; i++)
		zc_trip(&c, i);
	double med = batched(n, zc_trip, &c);
	reap(pid);
	ipcx_close(c.ab);
	ipcx_close(c.ba);
	return med;
}

int main(int argc, char **argv)
{
	int n = 200000;
	size_t total = 256u << 20;

	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		quick = 1;
		n = 2000;
		total = 4u << 20;
	}
	printf("two processes pinned to CPUs 0 and 1; round trips: median of "
	       "%d means of %d; throughput: %zu MiB one way\n\n",
	       n / BATCH, BATCH, total >> 20);
	/* Each ring figure sits between two measures of its baseline: the
	 * hypervisor may move the vCPUs apart (or together) mid-run, and a
	 * ratio is only meaningful when both baselines agree. */
	double f0 = cacheline_rtt(n);
	double spin = ring_rtt("spin", n);
	double mrtt = mini_rtt(n);
	double adap = ring_rtt("adaptive", n);
	double f1 = cacheline_rtt(n);
	double x0 = futex_rtt(n / 10);
	double rfut = ring_rtt("futex", n / 10);
	double x1 = futex_rtt(n / 10);
	double floor = (f0 + f1) / 2, fut = (x0 + x1) / 2;
	printf("%-40s %10.3f us  (before %.3f, after %.3f)%s\n",
	       "cache-line ping-pong (floor)", floor / 1e3, f0 / 1e3, f1 / 1e3,
	       moved(f0, f1));
	printf("%-40s %10.3f us  %6.2fx floor\n", "ring wait=spin, 64 B",
	       spin / 1e3, spin / floor);
	printf("%-40s %10.3f us  %6.2fx floor\n",
	       "minimal SPSC ring, spin, 64 B", mrtt / 1e3, mrtt / floor);
	printf("%-40s %10.3f us  %6.2fx floor\n", "ring wait=adaptive, 64 B",
	       adap / 1e3, adap / floor);
	printf("%-40s %10.3f us  (before %.3f, after %.3f)%s\n",
	       "raw futex ping-pong", fut / 1e3, x0 / 1e3, x1 / 1e3,
	       moved(x0, x1));
	printf("%-40s %10.3f us  %6.2fx raw futex\n", "ring wait=futex, 64 B",
	       rfut / 1e3, rfut / fut);
	double m0 = mini_tput(64, total), r64 = ring_tput(64, total, 1, 1);
	double mp = ring_tput(64, total, 2, 2), m1 = mini_tput(64, total);
	double m64 = (m0 + m1) / 2;
	double k0 = mini_tput(65536, total * 4),
	       r64k = ring_tput(65536, total * 4, 1, 1),
	       k1 = mini_tput(65536, total * 4), m64k = (k0 + k1) / 2;
	printf("%-40s %10.2f M msg/s  (before %.2f, after %.2f)%s\n",
	       "minimal SPSC ring, 64 B", m64 / 1e6, m0 / 1e6, m1 / 1e6,
	       moved(m0, m1));
	printf("%-40s %10.2f M msg/s  %6.2fx minimal\n", "ring SPSC, 64 B",
	       r64 / 1e6, r64 / m64);
	printf("%-40s %10.2f M msg/s  %6.2fx SPSC\n",
	       "ring 2 producers x 2 consumers, 64 B", mp / 1e6, mp / r64);
	printf("%-40s %10.2f GB/s    (before %.2f, after %.2f)%s\n",
	       "minimal SPSC ring, 64 KiB", m64k * 65536 / 1e9,
	       k0 * 65536 / 1e9, k1 * 65536 / 1e9, moved(k0, k1));
	printf("%-40s %10.2f GB/s   %6.2fx minimal\n", "ring SPSC, 64 KiB",
	       r64k * 65536 / 1e9, r64k / m64k);
	printf("%-40s %10.2f GB/s\n", "memcpy, 64 KiB blocks", memcpy_gbs());
	static const size_t zc[] = {64, 1024, 16384, 262144, 1048576};
	double lo = 0, hi = 0;
	for (size_t i = 0; i < sizeof(zc) / sizeof(*zc); i++) {
		double t = zc_rtt(zc[i], n / 10);
		lo = i == 0 || t < lo ? t : lo;
		hi = t > hi ? t : hi;
		printf("zero-copy round trip, %7zu B %19.3f us\n", zc[i],
		       t / 1e3);
	}
	printf("%-40s %10.2f (largest / smallest)\n",
	       "zero-copy round trip spread", hi / lo);
	return 0;
}
