/* SPDX-License-Identifier: MIT */
/* Raw system calls vs ipcx_send/ipcx_recv: round trips and throughput. */
#include "common.h"

#include <ipcx.h>

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Method.  For each facility a parent and a child, pinned to CPUs 0 and 1,
 * hold an ipcx pair and raw descriptors: for sockets the same ones, for
 * pipes a second pair of pipes (an ipcx pipe end does not expose both).
 * Both run the same schedule, so no poll() or switch message is needed:
 * ROUNDS rounds, each a batch of raw round trips then a batch through
 * ipcx (the order alternates between rounds), so that drift in the
 * machine hits both alike.  Every round trip carries a payload the child
 * reads and writes back and the parent checks.  Throughput sends TOTAL
 * bytes in 64 KiB messages one way and waits for a one-byte reply; its
 * ratio is the median of the ratios of neighbouring raw and ipcx runs.
 */

#define MSG 64
#define BIG 65536

struct cfg {
	int rounds, batch; /* latency: rounds x batch round trips each */
	int truns;	   /* throughput runs per variant */
	size_t total;	   /* bytes per throughput run */
};

/* How the raw path talks: plain descriptors, or a queue's own calls. */
enum kind { FDS, SYSVMQ, POSIXMQ };

struct ends {
	enum kind kind;
	int raw[2];  /* raw fds: [0] parent's, [1] child's (each duplex) */
	int rawr[2]; /* the read side for each ([0] parent) */
	struct ipcx_chan *x[2];	 /* the channel each writes to */
	struct ipcx_chan *xr[2]; /* the channel each reads from */
	bool shared;		 /* raw fds are the channels' own */
	bool msgs; /* a queue: no 64 KiB messages, no throughput run */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "pingpong: %s: %s (%s)\n", what, strerror(err),
		ipcx_error_detail());
	exit(1);
}

/* ---- the two paths, raw and ipcx ---------------------------------------- */

static void raw_write(int fd, const void *b, size_t n)
{
	const char *p = b;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write", errno);
		p += w;
		n -= (size_t)w;
	}
}

static void raw_read(int fd, void *b, size_t n)
{
	char *p = b;

	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read", r ? errno : EPIPE);
		p += r;
		n -= (size_t)r;
	}
}

static void x_write(struct ipcx_chan *c, const void *b, size_t n)
{
	ssize_t r = ipcx_send(c, b, n, NULL);

	if (r != (ssize_t)n)
		die("ipcx_send", r < 0 ? (int)-r : EIO);
}

static void x_read(struct ipcx_chan *c, void *b, size_t n)
{
	char *p = b;

	while (n) {
		ssize_t r = ipcx_recv(c, p, n, NULL);
		if (r <= 0)
			die("ipcx_recv", r ? (int)-r : EPIPE);
		p += r;
		n -= (size_t)r;
	}
}

/* One side's view: write to WFD/XW, read from RFD/XR (fds, msqids or
 * mqds by kind; one channel both ways for duplex facilities). */
struct side {
	enum kind kind;
	int rfd, wfd;
	struct ipcx_chan *xr, *xw;
};

static struct {
	long mtype;
	char mtext[BIG];
} sysv_buf;

static void put(const struct side *s, bool raw, const void *b, size_t n)
{
	if (!raw)
		x_write(s->xw, b, n);
	else if (s->kind == FDS)
		raw_write(s->wfd, b, n);
	else if (s->kind == SYSVMQ) {
		sysv_buf.mtype = 1;
		memcpy(sysv_buf.mtext, b, n);
		while (msgsnd(s->wfd, &sysv_buf, n, 0) < 0)
			if (errno != EINTR)
				die("msgsnd", errno);
	} else {
		while (mq_send(s->wfd, b, n, 0) < 0)
			if (errno != EINTR)
				die("mq_send", errno);
	}
}

/* Receives N bytes: a message facility gets the whole message at once,
 * into a buffer of BIG bytes as a program would give it. */
static void get(const struct side *s, bool raw, void *b, size_t n)
{
	ssize_t r;

	if (!raw && s->kind != FDS) {
		r = ipcx_recv(s->xr, b, BIG, NULL);
		if (r != (ssize_t)n)
			die("ipcx_recv", r < 0 ? (int)-r : EPROTO);
	} else if (!raw) {
		x_read(s->xr, b, n);
	} else if (s->kind == FDS) {
		raw_read(s->rfd, b, n);
	} else if (s->kind == SYSVMQ) {
		while ((r = msgrcv(s->rfd, &sysv_buf, BIG, 0, 0)) < 0)
			if (errno != EINTR)
				die("msgrcv", errno);
		if (r != (ssize_t)n)
			die("msgrcv", EPROTO);
		memcpy(b, sysv_buf.mtext, n);
	} else {
		while ((r = mq_receive(s->rfd, b, BIG, NULL)) < 0)
			if (errno != EINTR)
				die("mq_receive", errno);
		if (r != (ssize_t)n)
			die("mq_receive", EPROTO);
	}
}

/* ---- the schedule ---------------------------------------------------------
 */

struct result {
	double med[2], p99[2]; /* [0] raw, [1] ipcx; ns */
	double mbs[2];	       /* MB/s, median of runs */
	double tratio;	       /* median over runs of ipcx/raw MB/s */
};

static void child_loop(const struct side *s, const struct cfg *cf)
{
	static char buf[BIG];

	for (int r = 0; r < cf->rounds; r++)
		for (int v = 0; v < 2; v++) {
			bool raw = (v == 0) == (r % 2 == 0);
			for (int i = 0; i < cf->batch; i++) {
				get(s, raw, buf, MSG);
				put(s, raw, buf, MSG);
			}
		}
	for (int r = 0; r < cf->truns; r++)
		for (int v = 0; v < 2; v++) {
			bool raw = (v == 0) == (r % 2 == 0);
			size_t got = 0;
			while (got < cf->total) {
				size_t n = cf->total - got < BIG
						   ? cf->total - got
						   : BIG;
				get(s, raw, buf, n);
				/* Touch what arrived, as a real reader would.
				 */
				if (buf[0] != (char)(got / BIG))
					die("payload", EPROTO);
				got += n;
			}
			put(s, raw, "k", 1);
		}
}

static void parent_loop(const struct side *s, const struct cfg *cf,
			struct result *res)
{
	/* The configurations in main() are all positive. */
	size_t nt = cf->truns > 0 ? (size_t)cf->truns : 1;
	size_t n = (size_t)(cf->rounds > 0 ? cf->rounds : 1) *
		   (size_t)(cf->batch > 0 ? cf->batch : 1);
	double *lat[2] = {calloc(n, sizeof(double)), calloc(n, sizeof(double))};
	double *tp[2] = {calloc(nt, sizeof(double)),
			 calloc(nt, sizeof(double))};
	static char buf[BIG], back[MSG];
	size_t k[2] = {0, 0};

	for (int r = 0; r < cf->rounds; r++)
		for (int v = 0; v < 2; v++) {
			bool raw = (v == 0) == (r % 2 == 0);
			for (int i = 0; i < cf->batch; i++) {
				memset(buf, (char)i, MSG);
				double t0 = now_ns();
				put(s, raw, buf, MSG);
				get(s, raw, back, MSG);
				lat[!raw][k[!raw]++] = now_ns() - t0;
				if (back[MSG - 1] != (char)i)
					die("echo", EPROTO);
			}
		}
	for (int r = 0; r < cf->truns; r++)
		for (int v = 0; v < 2; v++) {
			bool raw = (v == 0) == (r % 2 == 0);
			double t0 = now_ns();
			for (size_t sent = 0; sent < cf->total;) {
				size_t m = cf->total - sent < BIG
						   ? cf->total - sent
						   : BIG;
				buf[0] = (char)(sent / BIG);
				put(s, raw, buf, m);
				sent += m;
			}
			get(s, raw, back, 1);
			tp[!raw][r] = cf->total / ((now_ns() - t0) / 1e9) / 1e6;
		}
	/* Neighbouring runs see the same machine: compare them pairwise. */
	double *ratio = calloc(nt, sizeof(double));
	for (size_t r = 0; r < nt; r++)
		ratio[r] = tp[1][r] / tp[0][r];
	qsort(ratio, nt, sizeof(double), cmp_double);
	res->tratio = ratio[nt / 2];
	free(ratio);
	for (int v = 0; v < 2; v++) {
		qsort(lat[v], n, sizeof(double), cmp_double);
		qsort(tp[v], nt, sizeof(double), cmp_double);
		res->med[v] = lat[v][n / 2];
		res->p99[v] = lat[v][n * 99 / 100];
		res->mbs[v] = tp[v][nt / 2];
		free(lat[v]);
		free(tp[v]);
	}
}

/* ---- making the ends ------------------------------------------------------
 */

static void make_pipe(struct ends *e)
{
	int a[2], b[2];

	if (pipe(a) || pipe(b))
		die("pipe", errno);
	/* parent writes a[1], child reads a[0]; child writes b[1]. */
	e->raw[0] = a[1];
	e->rawr[1] = a[0];
	e->raw[1] = b[1];
	e->rawr[0] = b[0];
	int r = ipcx_pair("pipe", &e->x[0], &e->x[1]);
	if (r < 0)
		die("ipcx_pair pipe", -r);
}

/*
 * Sockets: the raw path uses the very socket the ipcx channel holds
 * (ipcx_fd()), so both paths share one connection, its buffers and its
 * autotuning state; only the calls differ.
 */
static void share_fds(struct ends *e)
{
	for (int i = 0; i < 2; i++)
		e->raw[i] = e->rawr[i] = ipcx_fd(e->x[i]);
	e->shared = true;
}

static void make_unix(struct ends *e)
{
	int r = ipcx_pair("unix", &e->x[0], &e->x[1]);

	if (r < 0)
		die("ipcx_pair unix", -r);
	share_fds(e);
}

static void make_tcp(struct ends *e)
{
	struct ipcx_chan *lx;
	struct ipcx_chan_info info = {0};
	int r = ipcx_open("tcp:127.0.0.1:0", IPCX_LISTEN, &lx);

	if (r < 0)
		die("ipcx listen", -r);
	ipcx_chan_get(lx, &info);
	if ((r = ipcx_open(info.local, IPCX_CONNECT, &e->x[0])) < 0 ||
	    (r = ipcx_accept(lx, &e->x[1])) < 0)
		die("ipcx connect", -r);
	ipcx_close(lx);
	/* ipcx sets TCP_NODELAY: the raw path, on the same socket, has it. */
	share_fds(e);
}

/* System V queues made here, removed at exit even after die(). */
static int sysv_ids[4];
static int nsysv;

static void remove_sysv(void)
{
	for (int i = 0; i < nsysv; i++)
		msgctl(sysv_ids[i], IPC_RMID, NULL);
	nsysv = 0;
}

/* Queues carry one direction each: two per path, [0] to the child. */
static void make_sysvmq(struct ends *e)
{
	struct ipcx_chan_info info = {0};
	int q[2];

	e->kind = SYSVMQ;
	e->msgs = true;
	for (int i = 0; i < 2; i++) {
		q[i] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (q[i] < 0)
			die("msgget", errno);
		sysv_ids[nsysv++] = q[i];
		int r = ipcx_open("sysvmq:private", IPCX_CREATE, &e->x[i]);
		if (r < 0)
			die("ipcx_open sysvmq", -r);
		ipcx_chan_get(e->x[i], &info);
		sysv_ids[nsysv++] = (int)info.id;
	}
	e->raw[0] = e->rawr[1] = q[0];
	e->raw[1] = e->rawr[0] = q[1];
	e->xr[0] = e->x[1];
	e->xr[1] = e->x[0];
}

static void make_posixmq(struct ends *e)
{
	char name[64], addr[80];
	int q[2];

	e->kind = POSIXMQ;
	e->msgs = true;
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "/ipcx-bench-%d-raw%d",
			 (int)getpid(), i);
		q[i] = (int)mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600,
				    NULL);
		if (q[i] < 0)
			die("mq_open", errno);
		/* Open queues outlive their names: nothing can leak. */
		mq_unlink(name);
		snprintf(addr, sizeof(addr), "posixmq:/ipcx-bench-%d-x%d",
			 (int)getpid(), i);
		int r = ipcx_open(addr, IPCX_CREATE | IPCX_EXCL, &e->x[i]);
		if (r < 0)
			die("ipcx_open posixmq", -r);
		ipcx_unlink(addr);
	}
	e->raw[0] = e->rawr[1] = q[0];
	e->raw[1] = e->rawr[0] = q[1];
	e->xr[0] = e->x[1];
	e->xr[1] = e->x[0];
}

static const struct {
	const char *name;
	void (*make)(struct ends *e);
} facilities[] = {
	{"pipe", make_pipe},	 {"unix", make_unix},	    {"tcp", make_tcp},
	{"sysvmq", make_sysvmq}, {"posixmq", make_posixmq},
};

static void run(const char *name, void (*make)(struct ends *),
		const struct cfg *given, struct result *res)
{
	struct ends e = {.kind = FDS};
	struct cfg cf = *given;
	pid_t pid;

	make(&e);
	if (!e.xr[0]) {
		e.xr[0] = e.x[0];
		e.xr[1] = e.x[1];
	}
	if (e.msgs)
		cf.truns = 0; /* 64 KiB exceeds a queue's largest message */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		pin(1);
		struct side s = {e.kind, e.rawr[1], e.raw[1], e.xr[1], e.x[1]};
		child_loop(&s, &cf);
		_exit(0);
	}
	pin(0);
	struct side s = {e.kind, e.rawr[0], e.raw[0], e.xr[0], e.x[0]};
	parent_loop(&s, &cf, res);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die(name, ECHILD);
	if (e.kind == POSIXMQ) {
		mq_close(e.raw[0]);
		mq_close(e.raw[1]);
	} else if (!e.shared && e.kind == FDS) {
		close(e.raw[0]);
		close(e.raw[1]);
		close(e.rawr[0]);
		close(e.rawr[1]);
	}
	ipcx_close(e.x[0]);
	ipcx_close(e.x[1]);
	remove_sysv();
}

int main(int argc, char **argv)
{
	struct cfg cf = {
		.rounds = 10, .batch = 2000, .truns = 41, .total = 16u << 20};

	signal(SIGPIPE, SIG_IGN);
	atexit(remove_sysv);
	if (argc > 1 && !strcmp(argv[1], "--quick"))
		cf = (struct cfg){.rounds = 2,
				  .batch = 100,
				  .truns = 1,
				  .total = 1u << 20};
	else if (argc > 1) {
		fprintf(stderr, "usage: pingpong [--quick]\n");
		return 2;
	}
	printf("round trips: %d x %d of %d bytes per path; throughput: "
	       "%d x %zu MiB in %d KiB messages\nCPUs: %ld online; parent on "
	       "CPU 0, child on CPU 1; raw and ipcx alternate\n\n",
	       cf.rounds, cf.batch, MSG, cf.truns, cf.total >> 20, BIG >> 10,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-7s %-22s %12s %12s %8s\n", "SCHEME", "MEASURE", "RAW", "IPCX",
	       "IPCX/RAW");
	for (size_t i = 0; i < sizeof(facilities) / sizeof(*facilities); i++) {
		const char *f = facilities[i].name;
		struct result r;
		run(f, facilities[i].make, &cf, &r);
		printf("%-7s %-22s %9.2f us %9.2f us %8.3f\n", f,
		       "round trip, median", r.med[0] / 1e3, r.med[1] / 1e3,
		       r.med[1] / r.med[0]);
		printf("%-7s %-22s %9.2f us %9.2f us %8.3f\n", f,
		       "round trip, p99", r.p99[0] / 1e3, r.p99[1] / 1e3,
		       r.p99[1] / r.p99[0]);
		if (r.mbs[0] > 0)
			printf("%-7s %-22s %7.0f MB/s %7.0f MB/s %8.3f\n", f,
			       "throughput, 64 KiB", r.mbs[0], r.mbs[1],
			       r.tratio);
		else
			printf("%-7s %-22s skipped: above the queue's largest "
			       "message\n",
			       f, "throughput, 64 KiB");
		fflush(stdout);
	}
	return 0;
}
