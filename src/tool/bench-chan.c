/* SPDX-License-Identifier: MIT */
/*
 * ipcx bench, channels: round trips and one-way throughput of every
 * channel facility, through ipcx and through the raw system calls, in one
 * pair of processes pinned to two CPUs.
 *
 * Fairness.  Where the two paths can share the kernel object they do
 * (sockets, FIFOs, ptys, queues: the raw calls run on ipcx_fd() or the
 * queue's id); pipes and UDP get a second object of the same kind.  The
 * paths alternate in batches (latency) and blocks (throughput) within one
 * process pair, so that a change in the machine hits both.  Every
 * message is written in full and read in full on both sides, carries a
 * sequence number that the other side checks, and its last byte is
 * checked too.  A size above a channel's largest message is skipped with
 * the limit named.
 */
#include "bench.h"
#include "tool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef IPCX_HAVE_ZMQ
#include <zmq.h>
#endif

#define STOP (1ull << 63)    /* end of the latency phase */
#define RUN_END (1ull << 62) /* end of one throughput run: the count */
#define ALL_END (1ull << 61) /* the child may go */
#define SWITCH (1ull << 60)  /* the last message of a throughput block */
#define BATCH 32

enum raw_kind {
	RAW_NONE,
	RAW_STREAM,
	RAW_DGRAM,
	RAW_SYSVMQ,
	RAW_POSIXMQ,
	RAW_ZMQ
};

struct side {
	struct ipcx_chan *xw, *xr; /* ipcx: write to, read from */
	int rw, rr;		   /* raw: fds, msqids or mqds */
	void *rz;		   /* raw: a libzmq socket, both ways */
};

struct pair {
	struct side s[2]; /* [0] the parent, [1] the child */
	enum raw_kind raw;
	bool stream;	     /* a byte stream: reads may return less */
	bool no_tput;	     /* no throughput figure (reason in note) */
	long maxmsg;	     /* largest message that can be sent, or -1 */
	long rcap;	     /* receive buffers: never too small, or -1 */
	const char *why_max; /* what limits it */
	struct ipcx_chan *chans[4];
	int nchans, fds[4], nfds;
	char names[4][160]; /* unlinked at the end */
	int nnames;
	char note[120];
	/* A raw datagram socket that, like the ipcx listener it mirrors, is
	 * bound but not connected: it receives with the sender's address
	 * and replies to the last one. */
	int unconnected;
	struct sockaddr_storage last;
	socklen_t last_len;
	int runs;	/* throughput blocks sent: the child's next path */
	bool echoes;	/* the other end echoes by itself: no child */
	bool zero_copy; /* ipcx path: reserve/commit, peek/release */
	/*
	 * Ends that cannot cross fork() (ZeroMQ's: a context's threads stay
	 * in the parent) are opened after it: LATE(p, 0) in the parent,
	 * LATE(p, 1) in the child, LATE(p, 2) both ends in one process for
	 * the per-call cost.
	 */
	int (*late)(struct pair *p, int who);
	int port[2];		/* TCP ports of the late ends: ipcx, raw */
	void *zctx, *zsocks[2]; /* the raw path's libzmq context, sockets */
	int nz;
};

/* ---- the two paths ------------------------------------------------------ */

static unsigned char *qbuf; /* System V: mtype then the text */
static size_t qcap;

static int raw_put(struct pair *p, const struct side *s, const void *b,
		   size_t n)
{
	const char *c = b;
	int fd = s->rw;
	ssize_t w;

	switch (p->raw) {
	case RAW_STREAM:
		while (n) {
			w = write(fd, c, n);
			if (w < 0 && errno == EINTR && !bench_timed_out)
				continue;
			if (w <= 0)
				return w < 0 ? -errno : -EPIPE;
			c += w;
			n -= (size_t)w;
		}
		return 0;
	case RAW_DGRAM:
		while ((w = fd == p->unconnected
				    ? sendto(fd, b, n, 0,
					     (struct sockaddr *)&p->last,
					     p->last_len)
				    : send(fd, b, n, 0)) < 0)
			if (errno != EINTR || bench_timed_out)
				return -errno;
		return w == (ssize_t)n ? 0 : -EMSGSIZE;
	case RAW_SYSVMQ:
		*(long *)qbuf = 1;
		memcpy(qbuf + sizeof(long), b, n);
		while (msgsnd(fd, qbuf, n, 0) < 0)
			if (errno != EINTR || bench_timed_out)
				return -errno;
		return 0;
	case RAW_POSIXMQ:
		while (mq_send(fd, b, n, 0) < 0)
			if (errno != EINTR || bench_timed_out)
				return -errno;
		return 0;
#ifdef IPCX_HAVE_ZMQ
	case RAW_ZMQ:
		while (zmq_send(s->rz, b, n, 0) < 0)
			if (errno != EINTR || bench_timed_out)
				return -errno;
		return 0;
#endif
	default: return -ENOTSUP;
	}
}

static int raw_get(struct pair *p, const struct side *s, void *b, size_t n,
		   size_t cap)
{
	char *c = b;
	int fd = s->rr;
	ssize_t r;

	switch (p->raw) {
	case RAW_STREAM:
		while (n) {
			r = read(fd, c, n);
			if (r < 0 && errno == EINTR && !bench_timed_out)
				continue;
			if (r <= 0)
				return r < 0 ? -errno : -EPIPE;
			c += r;
			n -= (size_t)r;
		}
		return 0;
	case RAW_DGRAM:
		for (;;) {
			p->last_len = sizeof(p->last);
			r = fd == p->unconnected
				    ? recvfrom(fd, b, cap, 0,
					       (struct sockaddr *)&p->last,
					       &p->last_len)
				    : recv(fd, b, cap, 0);
			if (r >= 0)
				break;
			if (errno != EINTR || bench_timed_out)
				return -errno;
		}
		return r == (ssize_t)n ? 0 : -EPROTO;
	case RAW_SYSVMQ:
		while ((r = msgrcv(fd, qbuf, qcap, 0, 0)) < 0)
			if (errno != EINTR || bench_timed_out)
				return -errno;
		memcpy(b, qbuf + sizeof(long), (size_t)r);
		return r == (ssize_t)n ? 0 : -EPROTO;
	case RAW_POSIXMQ:
		while ((r = mq_receive(fd, b, cap, NULL)) < 0)
			if (errno != EINTR || bench_timed_out)
				return -errno;
		return r == (ssize_t)n ? 0 : -EPROTO;
#ifdef IPCX_HAVE_ZMQ
	case RAW_ZMQ:
		while ((r = zmq_recv(s->rz, b, cap, 0)) < 0)
			if (errno != EINTR || bench_timed_out)
				return -errno;
		return r == (ssize_t)n ? 0 : -EPROTO;
#endif
	default: return -ENOTSUP;
	}
}

static int put(struct pair *p, const struct side *s, bool raw, const void *b,
	       size_t n)
{
	if (raw)
		return raw_put(p, s, b, n);
	if (p->zero_copy) {
		/* Written in place in the ring, then published. */
		void *at;
		int e = ipcx_reserve(s->xw, n, &at);
		if (e < 0)
			return e;
		memcpy(at, b, n);
		return ipcx_commit(s->xw, n);
	}
	ssize_t r = ipcx_send(s->xw, b, n, NULL);
	return r == (ssize_t)n ? 0 : r < 0 ? (int)r : -EIO;
}

/* Receives one message of N bytes into B (room for CAP). */
static int get(struct pair *p, const struct side *s, bool raw, void *b,
	       size_t n, size_t cap)
{
	if (raw)
		return raw_get(p, s, b, n, cap);
	if (p->zero_copy) {
		/* Read in place: what the checks look at (the sequence
		 * number and the last byte), then the slot goes back. */
		const void *at;
		size_t len;
		int r = ipcx_peek(s->xr, &at, &len);
		if (r < 0)
			return r;
		if (len == n) {
			memcpy(b, at, 8);
			((unsigned char *)b)[n - 1] =
				((const unsigned char *)at)[n - 1];
		}
		r = ipcx_release(s->xr);
		return r < 0 ? r : len == n ? 0 : -EPROTO;
	}
	if (!p->stream) {
		ssize_t r = ipcx_recv(s->xr, b, cap, NULL);
		return r == (ssize_t)n ? 0 : r < 0 ? (int)r : -EPROTO;
	}
	for (char *c = b; n;) {
		ssize_t r = ipcx_recv(s->xr, c, n, NULL);
		if (r <= 0)
			return r < 0 ? (int)r : -EPIPE;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Which path throughput block N takes: each four blocks have two of
 * each, in one of the six orders, chosen by a hash of N / 4 (both
 * processes compute it): a drift within four blocks cancels, and no
 * periodic disturbance can line up with one path. */
static bool run_is_raw(bool has_raw, uint64_t n)
{
	static const unsigned char orders[6] = {0x3, 0x5, 0x6, 0x9, 0xa, 0xc};
	uint64_t h = (n / 4 + 1) * 0x9e3779b97f4a7c15ull;

	return has_raw && (orders[(h >> 32) % 6] >> (n % 4) & 1);
}

static void stamp(unsigned char *b, size_t n, uint64_t tag)
{
	memcpy(b, &tag, 8);
	b[n - 1] = (unsigned char)tag;
}

static uint64_t tag_of(const unsigned char *b)
{
	uint64_t t;

	memcpy(&t, b, 8);
	return t;
}

/* ---- the child: echo, then count -------------------------------------- */

static int child(struct pair *p, size_t size, size_t cap, bool has_raw)
{
	unsigned char *b = malloc(cap);
	const struct side *s = &p->s[1];
	int e;

	if (!b)
		return 2;
	/* Latency: the same schedule as the parent's; echo until STOP. */
	for (uint64_t round = 0;; round++) {
		bool raw = has_raw && round % 2 == 0;
		for (int i = 0; i < BATCH; i++) {
			if ((e = get(p, s, raw, b, size, cap)) < 0)
				return 3;
			uint64_t t = tag_of(b);
			if (!(t & STOP) && b[size - 1] != (unsigned char)t)
				return 4; /* payload damaged */
			if ((e = put(p, s, raw, b, size)) < 0)
				return 5;
			if (t & STOP)
				goto tput;
		}
	}
tput:
	/* One stream of messages; the one marked SWITCH is the last of its
	 * block, and the next is read on the next block's path. */
	for (uint64_t seq = 0, blk = 0;; seq++) {
		bool raw = run_is_raw(has_raw, blk);
		if (get(p, s, raw, b, size, cap) < 0)
			return 6;
		uint64_t t = tag_of(b);
		if (t & ALL_END) {
			free(b);
			return 0;
		}
		if (t & RUN_END) {
			if ((t & ~RUN_END) != seq)
				return 7; /* lost or extra */
			stamp(b, size, seq);
			if (put(p, s, raw, b, size) < 0)
				return 8;
			continue;
		}
		if ((t & ~SWITCH) != seq || b[size - 1] != (unsigned char)seq)
			return 9; /* out of order or damaged */
		if (t & SWITCH)
			blk++;
	}
}

/* ---- the parent: time both ---------------------------------------------- */

struct samples {
	double *v;
	size_t n, cap;
};

static void add(struct samples *s, double x)
{
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 4096;
		double *v = realloc(s->v, c * sizeof(double));
		if (!v)
			return;
		s->v = v;
		s->cap = c;
	}
	s->v[s->n++] = x;
}

static int latency(struct pair *p, size_t size, size_t cap, bool has_raw,
		   const struct bench_opts *o, struct bench_row *row)
{
	unsigned char *b = malloc(cap), *back = malloc(cap);
	struct samples lat[2] = {{0}, {0}}, rounds = {0};
	double *rv = calloc(BATCH, sizeof(double));
	const struct side *s = &p->s[0];
	double t_end = bench_now() + o->seconds * 0.3e9;
	size_t min_each = o->quick ? 100 : 200;
	uint64_t seq = 0;
	int e = 0;

	for (uint64_t round = 0;; round++) {
		bool raw = has_raw && round % 2 == 0;
		bool enough = lat[0].n >= min_each &&
			      (!has_raw || lat[1].n >= min_each);
		bool last = round >= 4 && (!has_raw || round % 2 == 1) &&
			    enough &&
			    (o->quick || bench_now() >= t_end ||
			     lat[0].n >= 2000000);
		for (int i = 0; i < BATCH; i++) {
			bool stop = last && i == BATCH - 1;
			stamp(b, size, stop ? STOP : ++seq);
			double t0 = bench_now();
			if ((e = put(p, s, raw, b, size)) < 0 ||
			    (e = get(p, s, raw, back, size, cap)) < 0)
				goto out;
			double dt = bench_now() - t0;
			if (tag_of(back) != tag_of(b) ||
			    back[size - 1] != b[size - 1]) {
				e = -EPROTO;
				goto out;
			}
			if (stop)
				break;
			rv[i] = dt;
			/* The first rounds warm up: not counted. */
			if (round >= 2)
				add(&lat[raw], dt);
		}
		if (round >= 2 && (raw || !has_raw) && !last) {
			qsort(rv, BATCH, sizeof(double), bench_cmp);
			add(&rounds, rv[BATCH / 2]);
		}
		if (last)
			break;
	}
	for (int v = 0; v < 2; v++)
		if (lat[v].n)
			qsort(lat[v].v, lat[v].n, sizeof(double), bench_cmp);
	row->med = bench_pct(lat[0].v, lat[0].n, 0.5);
	row->p99 = bench_pct(lat[0].v, lat[0].n, 0.99);
	row->p999 = bench_pct(lat[0].v, lat[0].n, 0.999);
	row->max = lat[0].n ? lat[0].v[lat[0].n - 1] : -1;
	if (has_raw) {
		row->raw_med = bench_pct(lat[1].v, lat[1].n, 0.5);
		row->lat_ratio = row->med / row->raw_med;
	}
	if (rounds.n)
		qsort(rounds.v, rounds.n, sizeof(double), bench_cmp);
	if (bench_noisy(rounds.v, rounds.n))
		snprintf(row->note + strlen(row->note),
			 sizeof(row->note) - strlen(row->note),
			 "%snoisy: batches vary >20%%",
			 row->note[0] ? "; " : "");
out:
	free(lat[0].v);
	free(lat[1].v);
	free(rounds.v);
	free(rv);
	free(b);
	free(back);
	return e;
}

/*
 * One-way throughput: one stream of messages, cut into blocks of equal
 * time that take the two paths in ABBA-like quads (run_is_raw()); the
 * first quad warms up.  A block's last message carries SWITCH, after
 * which the child reads on the next block's path.  Blocks are short (a
 * few ms) so that the two paths of a quad see the same machine: the
 * rate of a kernel queue between two CPUs jumps by 2-3x as the sleeping
 * pattern of the two sides changes, and whole runs per path measured
 * that as much as the paths.  A block's rate also includes the messages
 * of the previous block still queued (a pipe holds 1024 of 64 B), which
 * narrows a difference a little but favours neither path.  The ratio is
 * the median of the quads' ipcx/raw rates; the rates shown are each
 * path's messages over its time.
 */
static int throughput(struct pair *p, size_t size, size_t cap, bool has_raw,
		      const struct bench_opts *o, struct bench_row *row)
{
	enum { MAXBLK = 1024, WARM = 4 };
	const double budget = o->seconds * 0.7e9;
	const double t_blk = budget / 36 < 5e6 ? budget / 36 : 5e6;
	int nblk = (int)(budget / t_blk) / 4 * 4;
	if (nblk > MAXBLK)
		nblk = MAXBLK;
	if (o->quick)
		nblk = 8;
	const struct side *s = &p->s[0];
	unsigned char *b = malloc(cap);
	double rate[MAXBLK], ratio[MAXBLK / 4], secs[2] = {0, 0};
	uint64_t seq = 0, msgs[2] = {0, 0};
	int nr = 0, e = 0;

	if (!b)
		return -ENOMEM;
	double t0 = bench_now();
	for (int k = 0; k < nblk; k++) {
		bool raw = run_is_raw(has_raw, (uint64_t)k);
		uint64_t first = seq;
		for (bool last = false; !last; seq++) {
			uint64_t i = seq - first;
			last = o->quick ? i + 1 >= 50
					: i % 16 == 15 &&
						  bench_now() - t0 >= t_blk;
			stamp(b, size, seq | (last ? SWITCH : 0));
			if ((e = put(p, s, raw, b, size)) < 0)
				goto out;
		}
		double t1 = bench_now();
		rate[k] = (double)(seq - first) / ((t1 - t0) / 1e9);
		if (k >= WARM) {
			msgs[raw] += seq - first;
			secs[raw] += (t1 - t0) / 1e9;
		}
		t0 = t1;
		if (has_raw && k >= WARM && k % 4 == 3) {
			double x = 0, y = 0;
			for (int j = k - 3; j <= k; j++)
				*(run_is_raw(true, (uint64_t)j) ? &y : &x) +=
					rate[j];
			ratio[nr++] = x / y;
		}
	}
	/* The count, on the path the child reads next; ALL_END follows. */
	bool raw = run_is_raw(has_raw, (uint64_t)nblk);
	p->runs = nblk;
	stamp(b, size, RUN_END | seq);
	if ((e = put(p, s, raw, b, size)) < 0 ||
	    (e = get(p, s, raw, b, size, cap)) < 0)
		goto out;
	if (tag_of(b) != seq) {
		e = -EPROTO;
		goto out;
	}
	row->msgs = secs[0] > 0 ? (double)msgs[0] / secs[0] : -1;
	row->bytes = row->msgs * (double)size;
	if (has_raw && nr) {
		row->raw_msgs = (double)msgs[1] / secs[1];
		row->raw_bytes = row->raw_msgs * (double)size;
		qsort(ratio, (size_t)nr, sizeof(double), bench_cmp);
		row->tput_ratio = bench_pct(ratio, (size_t)nr, 0.5);
		/* The median's 95 % interval, as a box plot's notch. */
		double iqr = bench_pct(ratio, (size_t)nr, 0.75) -
			     bench_pct(ratio, (size_t)nr, 0.25);
		double ci = 1.57 * iqr / sqrt(nr) / row->tput_ratio;
		if (nr >= 8 && ci > 0.05)
			snprintf(row->note + strlen(row->note),
				 sizeof(row->note) - strlen(row->note),
				 "%sthroughput ratio +-%.0f%%: the rate "
				 "varies block to block (more --seconds "
				 "narrows it)",
				 row->note[0] ? "; " : "", ci * 100);
	}
out:
	free(b);
	return e;
}

/* ---- making the pairs ------------------------------------------------------
 */

static struct ipcx_chan *keep(struct pair *p, struct ipcx_chan *c)
{
	if (c && p->nchans < 4)
		p->chans[p->nchans++] = c;
	return c;
}

/*
 * No timeout= on the channels: with one, a descriptor's read waits in
 * poll() first, an extra system call the raw path does not make (and
 * System V queues poll in steps).  A case that stops answering is ended
 * by SIGALRM instead: its handler kills the child and removes the System
 * V queues, which wakes whatever waits; and whatever still waits (a POSIX
 * queue) goes with its process when bench_run_isolated() gives up.
 */
static int open_kept(struct pair *p, const char *addr, unsigned flags,
		     struct ipcx_chan **out)
{
	/* No timeout= (a timed wait costs a clock read and the timed call
	 * on every message, which the raw path does not pay): a case that
	 * stops answering is ended by the alarm, in its own process. */
	int r = ipcx_open(addr, flags, out);

	if (r == 0)
		keep(p, *out);
	return r;
}

static int pair_kept(struct pair *p, const char *scheme, struct ipcx_chan **a,
		     struct ipcx_chan **b)
{
	int r = ipcx_pair(scheme, a, b);
	if (r == 0) {
		keep(p, *a);
		keep(p, *b);
	}
	return r;
}

/* Both ends duplex on one channel each, raw on the same descriptors. */
static int make_duplex(struct pair *p, const char *scheme, enum raw_kind raw)
{
	struct ipcx_chan *a, *b;
	int r = pair_kept(p, scheme, &a, &b);

	if (r < 0)
		return r;
	p->s[0] = (struct side){a, a, ipcx_fd(a), ipcx_fd(a), NULL};
	p->s[1] = (struct side){b, b, ipcx_fd(b), ipcx_fd(b), NULL};
	p->raw = raw;
	struct ipcx_chan_info i = {0};
	int sndbuf = 0;
	socklen_t len = sizeof(sndbuf);
	if (raw != RAW_STREAM && ipcx_chan_get(a, &i) == 0 && i.msgsize > 0 &&
	    getsockopt(ipcx_fd(a), SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0) {
		/* A UNIX datagram is less than the sender's SO_SNDBUF by
		 * 32 bytes; a receive buffer of msgsize never truncates
		 * (and spares ipcx a look at the size first). */
		p->maxmsg = sndbuf - 32;
		p->why_max = "the socket's send buffer (SO_SNDBUF)";
		p->rcap = i.msgsize;
	}
	return 0;
}

static int make_unix(struct pair *p, const struct bench_opts *o)
{
	(void)o;
	p->stream = true;
	return make_duplex(p, "unix", RAW_STREAM);
}

static int make_unix_dgram(struct pair *p, const struct bench_opts *o)
{
	(void)o;
	return make_duplex(p, "unix-dgram", RAW_DGRAM);
}

static int make_seqpacket(struct pair *p, const struct bench_opts *o)
{
	(void)o;
	return make_duplex(p, "unix-seqpacket", RAW_DGRAM);
}

static int make_pty(struct pair *p, const struct bench_opts *o)
{
	(void)o;
	p->stream = true;
	return make_duplex(p, "pty", RAW_STREAM);
}

/* Pipes: an ipcx end does not expose both of its descriptors, so the raw
 * path has two pipes of its own. */
static int make_pipe(struct pair *p, const struct bench_opts *o)
{
	struct ipcx_chan *a, *b;
	int x[2], y[2], r;

	(void)o;
	p->stream = true;
	if ((r = pair_kept(p, "pipe", &a, &b)) < 0)
		return r;
	if (pipe2(x, O_CLOEXEC) || pipe2(y, O_CLOEXEC))
		return -errno;
	memcpy(p->fds, (int[]){x[0], x[1], y[0], y[1]}, sizeof(p->fds));
	p->nfds = 4;
	p->s[0] = (struct side){a, a, x[1], y[0], NULL};
	p->s[1] = (struct side){b, b, y[1], x[0], NULL};
	p->raw = RAW_STREAM;
	return 0;
}

/* FIFOs: one each way, all four ends opened here, raw on ipcx's fds.
 * A descriptor open for both reading and writing (Linux allows it on a
 * FIFO, and it never waits) is a reader and a writer for a moment, so
 * that neither open waits for the other side. */
static int make_fifo(struct pair *p, const struct bench_opts *o)
{
	struct ipcx_chan *r0, *w0, *r1, *w1;
	char a[160], b[160];
	int r, hold[2];

	p->stream = true;
	snprintf(a, sizeof(a), "fifo:/tmp/%s-up", o->prefix);
	snprintf(b, sizeof(b), "fifo:/tmp/%s-down", o->prefix);
	snprintf(p->names[p->nnames++], sizeof(p->names[0]), "%s", a);
	snprintf(p->names[p->nnames++], sizeof(p->names[0]), "%s", b);
	for (int k = 0; k < 2; k++) {
		const char *path = strchr(k ? b : a, ':') + 1;
		if (mkfifo(path, 0600) < 0 ||
		    (hold[k] = open(path, O_RDWR | O_CLOEXEC)) < 0)
			return -errno;
		p->fds[p->nfds++] = hold[k];
	}
	if ((r = open_kept(p, a, IPCX_RECV, &r0)) < 0 ||
	    (r = open_kept(p, a, IPCX_SEND, &w1)) < 0 ||
	    (r = open_kept(p, b, IPCX_RECV, &r1)) < 0 ||
	    (r = open_kept(p, b, IPCX_SEND, &w0)) < 0)
		return r;
	for (int k = 0; k < 2; k++)
		close(hold[k]);
	p->nfds = 0;
	p->s[0] = (struct side){w0, r0, ipcx_fd(w0), ipcx_fd(r0), NULL};
	p->s[1] = (struct side){w1, r1, ipcx_fd(w1), ipcx_fd(r1), NULL};
	p->raw = RAW_STREAM;
	return 0;
}

static int make_tcp(struct pair *p, const struct bench_opts *o)
{
	struct ipcx_chan *l, *a, *b;
	struct ipcx_chan_info i = {0};
	int r;

	(void)o;
	p->stream = true;
	if ((r = ipcx_open("tcp:127.0.0.1:0", IPCX_LISTEN, &l)) < 0)
		return r;
	ipcx_chan_get(l, &i);
	if ((r = open_kept(p, i.local, IPCX_CONNECT, &a)) == 0 &&
	    (r = ipcx_accept(l, &b)) == 0)
		keep(p, b);
	ipcx_close(l);
	if (r < 0)
		return r;
	p->s[0] = (struct side){a, a, ipcx_fd(a), ipcx_fd(a), NULL};
	p->s[1] = (struct side){b, b, ipcx_fd(b), ipcx_fd(b), NULL};
	p->raw = RAW_STREAM;
	return 0;
}

/* UDP: the child's end is bound and answers its last sender; the raw path
 * has two sockets connected to each other. */
static int make_udp(struct pair *p, const struct bench_opts *o)
{
	struct ipcx_chan *a, *b;
	struct ipcx_chan_info i = {0};
	struct sockaddr_in sa[2];
	socklen_t len = sizeof(sa[0]);
	int r, fd[2];

	(void)o;
	if ((r = open_kept(p, "udp:127.0.0.1:0", IPCX_LISTEN, &b)) < 0)
		return r;
	ipcx_chan_get(b, &i);
	if ((r = open_kept(p, i.local, IPCX_CONNECT, &a)) < 0)
		return r;
	for (int k = 0; k < 2; k++) {
		fd[k] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		sa[k] = (struct sockaddr_in){.sin_family = AF_INET};
		sa[k].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd[k] < 0 ||
		    bind(fd[k], (struct sockaddr *)&sa[k], sizeof(sa[k])) ||
		    getsockname(fd[k], (struct sockaddr *)&sa[k], &len))
			return -errno;
		p->fds[p->nfds++] = fd[k];
	}
	/* As ipcx's: the first connected, the second bound only. */
	if (connect(fd[0], (struct sockaddr *)&sa[1], sizeof(sa[1])))
		return -errno;
	p->unconnected = fd[1];
	p->s[0] = (struct side){a, a, fd[0], fd[0], NULL};
	p->s[1] = (struct side){b, b, fd[1], fd[1], NULL};
	p->raw = RAW_DGRAM;
	p->maxmsg = 65507;
	p->why_max = "UDP's largest datagram over IPv4";
	ipcx_chan_get(a, &i);
	p->rcap = i.msgsize;
	p->no_tput = true;
	snprintf(p->note, sizeof(p->note),
		 "no throughput: UDP drops what a full receiver cannot take");
	return 0;
}

static int make_queue(struct pair *p, const struct bench_opts *o, bool sysv)
{
	struct ipcx_chan *q[2];
	struct ipcx_chan_info i = {0};
	char addr[160];
	int r;

	for (int k = 0; k < 2; k++) {
		if (sysv)
			snprintf(addr, sizeof(addr), "sysvmq:0x%x",
				 o->key_base + k);
		else
			snprintf(addr, sizeof(addr), "posixmq:/%s-q%d",
				 o->prefix, k);
		if (sysv)
			snprintf(p->names[p->nnames++], sizeof(p->names[0]),
				 "%s", addr);
		if ((r = open_kept(p, addr, IPCX_CREATE | IPCX_EXCL, &q[k])) <
		    0)
			return r;
		/* An open POSIX queue outlives its name: nothing to leak. */
		if (!sysv)
			ipcx_unlink(addr);
	}
	ipcx_chan_get(q[0], &i);
	p->maxmsg = i.msgsize;
	p->why_max = sysv ? "msgmax (/proc/sys/kernel/msgmax)"
			  : "the queue's msgsize (msgsize_max)";
	if (sysv) {
		ipcx_chan_get(q[1], &i);
		int id1 = (int)i.id;
		ipcx_chan_get(q[0], &i);
		bench_alarm_msqid[0] = (int)i.id;
		bench_alarm_msqid[1] = id1;
		p->s[0] = (struct side){q[0], q[1], (int)i.id, id1, NULL};
		p->s[1] = (struct side){q[1], q[0], id1, (int)i.id, NULL};
	} else {
		p->s[0] = (struct side){q[0], q[1], ipcx_fd(q[0]),
					ipcx_fd(q[1]), NULL};
		p->s[1] = (struct side){q[1], q[0], ipcx_fd(q[1]),
					ipcx_fd(q[0]), NULL};
	}
	p->raw = sysv ? RAW_SYSVMQ : RAW_POSIXMQ;
	return 0;
}

static int make_sysvmq(struct pair *p, const struct bench_opts *o)
{
	return make_queue(p, o, true);
}

static int make_posixmq(struct pair *p, const struct bench_opts *o)
{
	return make_queue(p, o, false);
}

static size_t cur_size;			/* the size being measured, for rings */
static const char *cur_region = "anon"; /* the region a ring is made in */
static const char *cur_wait;		/* and its wait= */

/* Two rings, one each way, in regions of CUR_REGION's facility: anonymous
 * ones are inherited by the child; named ones (posixshm, sysvshm, mmap)
 * are made here, opened before the fork, and removed at the end. */
static int make_ring(struct pair *p, const struct bench_opts *o)
{
	const char *wait = cur_wait;
	struct ipcx_chan *end[2];
	size_t sz = cur_size * 64 > (1u << 20) ? cur_size * 64 : 1u << 20;
	int r;

	for (int k = 0; k < 2; k++) {
		char addr[200], name[160];
		if (!strcmp(cur_region, "anon"))
			snprintf(name, sizeof(name), "anon:");
		else if (!strcmp(cur_region, "sysvshm"))
			snprintf(name, sizeof(name), "sysvshm:0x%x",
				 o->key_base + 8 + k);
		else if (!strcmp(cur_region, "mmap"))
			snprintf(name, sizeof(name), "mmap:/tmp/%s-ring%d",
				 o->prefix, k);
		else
			snprintf(name, sizeof(name), "%s:/%s-ring%d",
				 cur_region, o->prefix, k);
		snprintf(addr, sizeof(addr), "%s?size=%zu&wait=%s", name, sz,
			 wait);
		if (strcmp(cur_region, "anon"))
			snprintf(p->names[p->nnames++], sizeof(p->names[0]),
				 "%s", name);
		if ((r = open_kept(p, addr, IPCX_CREATE, &end[k])) < 0)
			return r;
	}
	struct ipcx_chan *a = end[0], *b = end[1];
	p->s[0] = (struct side){a, b, -1, -1, NULL};
	p->s[1] = (struct side){b, a, -1, -1, NULL};
	p->raw = RAW_NONE;
	struct ipcx_chan_info i = {0};
	ipcx_chan_get(a, &i);
	p->maxmsg = i.msgsize;
	p->why_max = "half the ring";
	return 0;
}

/* The same ring, its messages written and read in place. */
static int make_ring_zero_copy(struct pair *p, const struct bench_opts *o)
{
	p->zero_copy = true;
	return make_ring(p, o);
}

/* exec: cat echoes; one process, round trips only. */
static int make_exec(struct pair *p, const struct bench_opts *o)
{
	struct ipcx_chan *c;
	int r;

	(void)o;
	p->stream = true;
	if ((r = open_kept(p, "exec:cat", 0, &c)) < 0)
		return r;
	p->s[0] = (struct side){c, c, -1, -1, NULL};
	p->raw = RAW_NONE;
	p->no_tput = true;
	p->echoes = true;
	snprintf(p->note, sizeof(p->note),
		 "an echo through cat(1): round trips only");
	return 0;
}

#ifdef IPCX_HAVE_ZMQ
/*
 * ZeroMQ PAIR sockets over TCP on the loopback, the parent binding: the
 * ipcx path through zmq: addresses (and ipcx's context), the raw path
 * through libzmq's zmq_send/zmq_recv on sockets of a context of its own,
 * with the same high-water marks, timeouts and linger.  For the per-call
 * cost (WHO 2, one process) both are inproc:// pairs, which have no I/O
 * thread: what remains is the calls themselves.
 */
static int zmq_late(struct pair *p, int who)
{
	int ms = 10000, r;

	if (!p->zctx && !(p->zctx = zmq_ctx_new()))
		return -errno;
	for (int side = who == 2 ? 0 : who; side <= (who == 2 ? 1 : who);
	     side++) {
		char at[2][96], addr[160];
		for (int k = 0; k < 2; k++) {
			if (who == 2)
				snprintf(at[k], sizeof(at[k]),
					 "inproc://ipcx-bench-%d-%d",
					 (int)getpid(), k);
			else
				snprintf(at[k], sizeof(at[k]),
					 "tcp://127.0.0.1:%d", p->port[k]);
		}
		snprintf(addr, sizeof(addr), "zmq:%s?type=pair&timeout=%d%s",
			 at[0], ms, side == 0 ? "&bind=1" : "");
		struct ipcx_chan *c;
		if ((r = open_kept(p, addr, 0, &c)) < 0)
			return r;
		void *z = zmq_socket(p->zctx, ZMQ_PAIR);
		if (!z)
			return -errno;
		p->zsocks[p->nz++] = z;
		if (zmq_setsockopt(z, ZMQ_SNDTIMEO, &ms, sizeof(ms)) < 0 ||
		    zmq_setsockopt(z, ZMQ_RCVTIMEO, &ms, sizeof(ms)) < 0 ||
		    zmq_setsockopt(z, ZMQ_LINGER, &ms, sizeof(ms)) < 0 ||
		    (side == 0 ? zmq_bind(z, at[1]) : zmq_connect(z, at[1])) <
			    0)
			return -errno;
		p->s[side] = (struct side){c, c, -1, -1, z};
	}
	return 0;
}

static int make_zmq(struct pair *p, const struct bench_opts *o)
{
	(void)o;
	for (int k = 0; k < 2; k++)
		if ((p->port[k] = bench_free_port()) < 0)
			return p->port[k];
	p->raw = RAW_ZMQ;
	p->late = zmq_late;
	return 0;
}
#endif

/* How each channel facility is measured, with its raw counterpart; the
 * facilities come from the library's registry, in its order. */
static const struct chan_case {
	const char *scheme, *label, *kind, *wake;
	int (*make)(struct pair *p, const struct bench_opts *o);
	const char *skip;
} cases[] = {
	{"pipe", "pipe", "channel", "kernel", make_pipe, NULL},
	{"fifo", "fifo", "channel", "kernel", make_fifo, NULL},
	{"unix", "unix", "channel", "kernel", make_unix, NULL},
	{"unix-dgram", "unix-dgram", "channel", "kernel", make_unix_dgram,
	 NULL},
	{"unix-seqpacket", "unix-seqpacket", "channel", "kernel",
	 make_seqpacket, NULL},
	{"tcp", "tcp (loopback)", "channel", "kernel", make_tcp, NULL},
	{"udp", "udp (loopback)", "channel", "kernel", make_udp, NULL},
	{"sysvmq", "sysvmq", "channel", "kernel", make_sysvmq, NULL},
	{"posixmq", "posixmq", "channel", "kernel", make_posixmq, NULL},
	{"pty", "pty", "channel", "kernel", make_pty, NULL},
	{"exec", "exec (cat)", "channel", "kernel", make_exec, NULL},
	{"stdio", "stdio", "channel", "kernel", NULL,
	 "the tool's own stdin and stdout: nothing between two processes"},
	{"fd", "fd", "channel", "kernel", NULL,
	 "a descriptor it is given, measured as what it is (unix, tcp, "
	 "pipe...)"},
#ifdef IPCX_HAVE_ZMQ
	{"zmq", "zmq pair (tcp loopback)", "channel", "kernel", make_zmq, NULL},
#endif
};

/* Every region facility's channel is a ring: measured in each wait mode.
 * Rows of the anonymous ring always; of the others when named. */
static const struct chan_case rings[] = {
	{"spin", "ring wait=spin", "shared memory", "spin", make_ring, NULL},
	{"adaptive", "ring wait=adaptive", "shared memory", "spin+sleep",
	 make_ring, NULL},
	{"futex", "ring wait=futex", "shared memory", "futex", make_ring, NULL},
	{"spin", "ring zero-copy", "shared memory", "spin", make_ring_zero_copy,
	 NULL},
};

/*
 * The cost of one send and one receive in one thread, both paths on the
 * same kernel object before the child exists: what ipcx adds per call,
 * free of the scheduler and of the other CPU.  Blocks of each path
 * alternate in ABBA order; each figure is the median of its blocks.
 */
static void per_call(struct pair *p, size_t size, size_t cap,
		     const struct bench_opts *o, struct bench_row *row)
{
	enum { BLOCKS = 24 };
	int iters = o->quick ? 20 : 2000, nb = o->quick ? 4 : BLOCKS;
	double t[2][BLOCKS];
	unsigned char *msg = calloc(1, cap), *buf = malloc(cap);
	char tail[96];

	if (!msg || !buf)
		goto out;
	stamp(msg, size, 1);
	for (int b = 0; b < nb; b++) {
		for (int k = 0; k < 2; k++) {
			bool raw = (k ^ (b & 1)) != 0; /* ABBA */
			double t0 = bench_now();
			for (int i = 0; i < iters; i++)
				if (put(p, &p->s[0], raw, msg, size) < 0 ||
				    get(p, &p->s[1], raw, buf, size, cap) < 0)
					goto out;
			t[raw][b / 2 * 2 + k] = (bench_now() - t0) / iters;
		}
	}
	qsort(t[0], (size_t)nb, sizeof(double), bench_cmp);
	qsort(t[1], (size_t)nb, sizeof(double), bench_cmp);
	row->call_ns = bench_pct(t[0], (size_t)nb, 0.5);
	row->raw_call_ns = bench_pct(t[1], (size_t)nb, 0.5);
	double add = row->call_ns - row->raw_call_ns;
	double pct = 100.0 * add / row->raw_call_ns;
	/* The raw path's own spread (interquartile range over the median):
	 * where it alone varies more than the target, there is no verdict
	 * (a pty's reads wait for the kernel's flush worker). */
	double spread = 100.0 *
			(bench_pct(t[1], (size_t)nb, 0.75) -
			 bench_pct(t[1], (size_t)nb, 0.25)) /
			row->raw_call_ns;
	bool met = add <= BENCH_CALL_NS || pct <= BENCH_CALL_PCT;
	if (spread > 2 * BENCH_CALL_PCT)
		snprintf(tail, sizeof(tail),
			 "per call %+.0f ns (%+.1f%%): the raw path alone "
			 "varies %.0f%%, no verdict",
			 add, pct, spread);
	else
		snprintf(tail, sizeof(tail), "per call %+.0f ns (%+.1f%%)%s",
			 add, pct, met ? "" : ": over the 3% or 15 ns target");
	snprintf(row->note + strlen(row->note),
		 sizeof(row->note) - strlen(row->note), "%s%s",
		 row->note[0] ? "; " : "", tail);
out:
	free(msg);
	free(buf);
}

/* After the fork, the parent closes what only the child uses, so that
 * the child's death is an end of stream here, not a wait forever. */
static void drop_child_side(struct pair *p)
{
	const struct side *me = &p->s[0], *it = &p->s[1];

	for (int i = 0; i < p->nchans; i++) {
		struct ipcx_chan *c = p->chans[i];
		if ((c == it->xw || c == it->xr) && c != me->xw &&
		    c != me->xr) {
			ipcx_close(c);
			p->chans[i--] = p->chans[--p->nchans];
		}
	}
	for (int i = 0; i < p->nfds; i++) {
		int fd = p->fds[i];
		if ((fd == it->rw || fd == it->rr) && fd != me->rw &&
		    fd != me->rr) {
			close(fd);
			p->fds[i--] = p->fds[--p->nfds];
		}
	}
}

/* Closes and removes what the pair made; it can be made again. */
static void release(struct pair *p)
{
	for (int i = 0; i < p->nchans; i++)
		ipcx_close(p->chans[i]);
	for (int i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	for (int i = 0; i < p->nnames; i++)
		ipcx_unlink(p->names[i]);
#ifdef IPCX_HAVE_ZMQ
	int zero = 0;
	for (int i = 0; i < p->nz; i++) {
		zmq_setsockopt(p->zsocks[i], ZMQ_LINGER, &zero, sizeof(zero));
		zmq_close(p->zsocks[i]);
	}
	if (p->zctx)
		zmq_ctx_term(p->zctx);
#endif
	p->zctx = NULL;
	p->nchans = p->nfds = p->nnames = p->nz = 0;
}

static void fail_row(struct bench_row *row, int e, const char *what)
{
	snprintf(row->note, sizeof(row->note), "failed: %s: %s", what,
		 bench_detail(e));
}

/* In a process of its own (bench_run_isolated): measures one case. */
static void measure_case(const void *arg, size_t size,
			 const struct bench_opts *o, struct bench_row *row)
{
	const struct chan_case *c = arg;
	struct pair p = {.maxmsg = -1, .rcap = -1, .unconnected = -1};
	int e;

	/* A ring's references: measured before and after it, here. */
	bool ring = !strcmp(c->kind, "shared memory");
	bool sleeps = ring && !strcmp(c->wake, "futex");
	double ref[2][2] = {{-1, -1},
			    {-1, -1}}; /* [before, after][rtt, msgs] */
	if (ring)
		bench_ring_refs(o, sleeps, size, &ref[0][0], &ref[0][1]);
	cur_size = size;
	if ((e = c->make(&p, o)) < 0) {
		fail_row(row, e, "setup");
		release(&p);
		return;
	}
	if (p.maxmsg > 0 && size > (size_t)p.maxmsg) {
		snprintf(row->note, sizeof(row->note),
			 "skipped: larger than %ld bytes, %s", p.maxmsg,
			 p.why_max);
		release(&p);
		return;
	}
	snprintf(row->note, sizeof(row->note), "%s", p.note);
	bool has_raw = p.raw != RAW_NONE;
	if (p.raw == RAW_ZMQ)
		row->raw_is = "libzmq";
	/* A ring has no system calls to compare with: its references are
	 * the hardware's (the cache-line floor, or a futex ping-pong when
	 * it sleeps) and the minimal ring, measured around it. */
	if (ring)
		row->raw_is = sleeps ? "futex ping-pong" : "floor";
	else if (!has_raw) {
		row->raw_is = "-";
	}
	size_t cap = p.maxmsg > (long)size ? (size_t)p.maxmsg : size;
	if (p.rcap > (long)cap)
		cap = (size_t)p.rcap;
	if (p.raw == RAW_SYSVMQ) {
		free(qbuf);
		qcap = cap;
		qbuf = malloc(sizeof(long) + cap);
	}
	bench_timed_out = 0;
	alarm((unsigned)(o->seconds * 4) + 10);
	/* One thread, both ends here: sizes that fit any kernel buffer.
	 * (Ends opened after the fork: after the child, below.) */
	if (has_raw && size <= 4096 && !p.late)
		per_call(&p, size, cap, o, row);
	/* An echo of its own (exec: cat) needs no child of ours. */
	pid_t pid = p.echoes ? 0 : bench_fork();
	if (pid == 0 && !p.echoes) {
		if (p.late && p.late(&p, 1) < 0)
			_exit(10);
		int st = child(&p, size, cap, has_raw);
		_exit(st);
	}
	if (pid < 0) {
		fail_row(row, errno, "fork");
		release(&p);
		return;
	}
	bench_alarm_child = pid;
	if (pid > 0 && !p.late)
		drop_child_side(&p);
	if (p.late && (e = p.late(&p, 0)) < 0) {
		fail_row(row, e, "setup");
		bench_reap(pid, true);
		release(&p);
		return;
	}
	e = latency(&p, size, cap, has_raw, o, row);
	if (e == 0 && !p.no_tput)
		e = throughput(&p, size, cap, has_raw, o, row);
	if (e == 0 && pid > 0) {
		unsigned char *b = calloc(1, cap);
		stamp(b, size, ALL_END);
		put(&p, &p.s[0], run_is_raw(has_raw, (uint64_t)p.runs), b,
		    size);
		free(b);
	}
	alarm(0);
	bench_alarm_child = 0;
	bench_alarm_msqid[0] = bench_alarm_msqid[1] = -1;
	if (e < 0)
		fail_row(row, e, bench_timed_out ? "no answer" : "measuring");
	if (pid > 0) {
		int st = bench_reap(pid, e < 0);
		if (e == 0 && st != 0) {
			snprintf(row->note, sizeof(row->note),
				 "failed: the echoing process exited %d (a "
				 "message lost, damaged or out of order)",
				 st);
			row->med = row->msgs = -1;
		}
	}
	/* Late ends: the per-call cost once the child is gone (ZeroMQ's
	 * threads must not exist at a fork). */
	if (e == 0 && p.late && has_raw && size <= 4096) {
		release(&p);
		if ((e = p.late(&p, 2)) == 0)
			per_call(&p, size, cap, o, row);
		else
			fail_row(row, e, "setup (per call)");
	}
	if (ring) {
		bench_ring_refs(o, sleeps, size, &ref[1][0], &ref[1][1]);
		row->raw_med = ref[0][0] > 0 && ref[1][0] > 0
				       ? (ref[0][0] + ref[1][0]) / 2
				       : -1;
		double mini = ref[0][1] > 0 && ref[1][1] > 0
				      ? (ref[0][1] + ref[1][1]) / 2
				      : -1;
		for (int k = 0; k < 2; k++) {
			double a = ref[0][k], b = ref[1][k];
			if (a > 0 && b > 0 && (a > b ? a / b : b / a) > 1.25) {
				snprintf(row->note + strlen(row->note),
					 sizeof(row->note) - strlen(row->note),
					 "%s%s moved %.3g -> %.3g during the "
					 "case (vCPUs placed anew): ratio "
					 "unreliable",
					 row->note[0] ? "; " : "",
					 k ? "minimal ring" : row->raw_is, a,
					 b);
			}
		}
		row->lat_ratio = row->med > 0 && row->raw_med > 0
					 ? row->med / row->raw_med
					 : -1;
		if (mini > 0 && row->msgs > 0) {
			row->raw_msgs = mini;
			row->raw_bytes = mini * (double)size;
			row->tput_ratio = row->msgs / mini;
			row->raw_is = sleeps ? "futex ping-pong; minimal ring"
					     : "floor; minimal ring";
		}
	}
	release(&p);
}

static void one_case(const struct chan_case *c, const char *label, size_t size,
		     const struct bench_opts *o)
{
	struct bench_row *row = bench_add(c->kind, label, c->wake, size);

	if (!row)
		return;
	row->raw_is = "syscalls";
	bench_detail_mark();
	if (c->skip) {
		snprintf(row->note, sizeof(row->note), "skipped: %s", c->skip);
		return;
	}
	if (size < 8) {
		snprintf(row->note, sizeof(row->note),
			 "skipped: below the 8-byte sequence number");
		return;
	}
	bench_progress(o, row);
	bench_run_isolated(o, row, measure_case, c, size);
}

void bench_channels(const struct bench_opts *o)
{
	for (size_t f = 0; ipcx_facility_at(f); f++) {
		const struct ipcx_facility *fac = ipcx_facility_at(f);
		if (!(fac->caps & IPCX_CAP_CHANNEL))
			continue;
		if (fac->caps & IPCX_CAP_REGION) {
			/* The anonymous ring by default, the others when
			 * named. */
			bool named = bench_named(o, fac->scheme);
			if (!named && (o->nonly || strcmp(fac->scheme, "anon")))
				continue;
			cur_region = fac->scheme;
			for (size_t i = 0; i < sizeof(rings) / sizeof(*rings);
			     i++) {
				cur_wait = rings[i].scheme; /* its wait= */
				char label[40];
				snprintf(label, sizeof(label), "%s (%s)",
					 rings[i].label, fac->scheme);
				for (int k = 0; k < o->nsizes; k++)
					one_case(&rings[i], label, o->sizes[k],
						 o);
			}
			bench_covered(fac->scheme);
			continue;
		}
		for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
			if (strcmp(cases[i].scheme, fac->scheme) ||
			    !bench_wanted(o, fac->scheme))
				continue;
			for (int k = 0; k < o->nsizes; k++)
				one_case(&cases[i], cases[i].label, o->sizes[k],
					 o);
			bench_covered(fac->scheme);
		}
	}
	free(qbuf);
	qbuf = NULL;
}
