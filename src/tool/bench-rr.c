/* SPDX-License-Identifier: MIT */
/*
 * ipcx bench: request/reply through a listening server, one and four
 * clients, on unix, unix-seqpacket, tcp and shared memory.  The server
 * is the program a user writes: with one client it blocks in receive;
 * with several it waits in poll(2) on every connection.  Next to it, in
 * the same run and the same processes, the same server through the raw
 * system calls (accept, poll, read, write), or, for shared memory, the
 * floor: the ring's own round trip, a ring each way in a region per
 * client, no listener.  Each client alternates the two paths in blocks
 * of 32 round trips, so both see the same machine; every reply is
 * checked.
 */
#include "bench.h"
#include "tool.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define RR_BLOCK 32
#define RR_MAX 4		     /* clients */
#define RR_SAMPLES 200000	     /* per client and path */
#define RR_BYE 0xffffffffffffffffull /* a client's last request */

struct rr_case {
	const char *scheme, *label, *wake;
	bool message; /* one receive is one request */
	bool ring;    /* the reference is the ring's round trip */
};

static const struct rr_case rr_cases[] = {
	{"unix", "unix", "kernel", false, false},
	{"unix-seqpacket", "unix-seqpacket", "kernel", true, false},
	{"tcp", "tcp (loopback)", "kernel", false, false},
	{"posixshm", "ring connections (posixshm)", "spin+sleep", true, true},
};

/* One end of either path: an ipcx channel, or a raw descriptor. */
struct rr_end {
	struct ipcx_chan *c;
	int fd;
	bool message;
};

/* Receive room for a message socket: its largest message, so that
 * ipcx need not look at a message's size first (a smaller buffer makes
 * it peek: one more system call, which a program may choose); the raw
 * path gets the same room. */
static size_t rr_room(const struct rr_end *e, size_t size)
{
	struct ipcx_chan_info i = {0};

	if (e->message && e->c &&
	    !(ipcx_chan_get(e->c, &i) == 0 &&
	      i.facility->caps & IPCX_CAP_REGION) &&
	    i.msgsize > (long)size && i.msgsize <= (8l << 20))
		return (size_t)i.msgsize;
	return size;
}

struct rr_job {
	const struct rr_case *c;
	int clients;
};

/* What the clients hand back (shared memory made before they fork). */
struct rr_result {
	uint64_t n[2];	/* round trips: [0] ipcx, [1] the reference */
	double secs[2]; /* time spent in them */
	int status;	/* 0, or what failed */
	double v[2][RR_SAMPLES];
};

static int rr_put(const struct rr_end *e, const void *b, size_t n)
{
	if (e->c) {
		ssize_t w = ipcx_send(e->c, b, n, NULL);
		return w == (ssize_t)n ? 0 : w < 0 ? (int)w : -EIO;
	}
	for (const char *p = b; n;) {
		ssize_t w = write(e->fd, p, n);
		if (w < 0 && errno == EINTR && !bench_timed_out)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Exactly N bytes (one message of N, into CAP bytes of room); -EPIPE
 * at the end. */
static int rr_get(const struct rr_end *e, void *b, size_t n, size_t cap)
{
	if (e->message) {
		ssize_t r;
		do
			r = e->c ? ipcx_recv(e->c, b, cap, NULL)
				 : recv(e->fd, b, cap, 0);
		while (!e->c && r < 0 && errno == EINTR && !bench_timed_out);
		if (r < 0)
			return e->c ? (int)r : -errno;
		return r == 0 ? -EPIPE : r == (ssize_t)n ? 0 : -EPROTO;
	}
	for (char *p = b; n;) {
		ssize_t r =
			e->c ? ipcx_recv(e->c, p, n, NULL) : read(e->fd, p, n);
		if (!e->c && r < 0 && errno == EINTR && !bench_timed_out)
			continue;
		if (r <= 0)
			return r == 0 ? -EPIPE : e->c ? (int)r : -errno;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int rr_pollfd(const struct rr_end *e)
{
	return e->c ? ipcx_fd(e->c) : e->fd;
}

/* The server: echoes each request until every client said bye.  With
 * one client it blocks in its receive; with more it polls them all. */
static int rr_serve(struct rr_end *e, int n, size_t size)
{
	size_t cap = rr_room(&e[0], size);
	unsigned char *b = malloc(cap);
	bool done[RR_MAX] = {false};
	int open = n, r = 0;

	if (!b)
		return -ENOMEM;
	while (open && r == 0) {
		struct pollfd p[RR_MAX];
		if (n > 1) {
			for (int i = 0; i < n; i++)
				p[i] = (struct pollfd){
					done[i] ? -1 : rr_pollfd(&e[i]), POLLIN,
					0};
			if (poll(p, (nfds_t)n, -1) < 0) {
				r = errno == EINTR && !bench_timed_out ? 0
								       : -errno;
				continue;
			}
		}
		for (int i = 0; i < n && r == 0; i++) {
			if (done[i] || (n > 1 && !p[i].revents))
				continue;
			if ((r = rr_get(&e[i], b, size, cap)) < 0)
				break;
			uint64_t tag;
			memcpy(&tag, b, 8);
			if (tag == RR_BYE) {
				done[i] = true;
				open--;
				continue;
			}
			r = rr_put(&e[i], b, size);
		}
	}
	free(b);
	return r;
}

/* ---- the two servers ------------------------------------------------- */

struct rr_ctx {
	const struct rr_job *j;
	size_t size;
	const struct bench_opts *o;
	char addr[200];		 /* what a client opens (ipcx) */
	char path[100];		 /* the raw UNIX socket */
	int port;		 /* the raw TCP port */
	char rings[RR_MAX][160]; /* the reference rings, one per client */
};

/* The size of each connection's memory (and of each reference region):
 * room for 64 requests each way. */
static size_t rr_region(size_t size)
{
	size_t s = size * 256;
	return s > (1u << 20) ? s : 1u << 20;
}

/* The raw path's socket, of the case's kind, and the address of its
 * listener (TCP: loopback, PORT; UNIX: x->path) in SS. */
static int raw_socket(const struct rr_ctx *x, int port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	bool tcp = !strcmp(x->j->c->scheme, "tcp");
	int type = strcmp(x->j->c->scheme, "unix-seqpacket") ? SOCK_STREAM
							     : SOCK_SEQPACKET;

	memset(ss, 0, sizeof(*ss));
	if (tcp) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
	} else {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", x->path);
		*len = sizeof(*un);
	}
	int fd = socket(tcp ? AF_INET : AF_UNIX, type | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static int raw_listener(struct rr_ctx *x)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = raw_socket(x, 0, &ss, &len);

	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (ss.ss_family == AF_INET)
		x->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * A server process (REF: the reference path): makes its listener (or
 * the reference rings), says so on READY (the TCP port as an int), takes
 * the clients and serves them.  Its exit status: 0, or 1 on failure.
 */
static void rr_server(struct rr_ctx *x, bool ref, int ready)
{
	const struct rr_case *c = x->j->c;
	int n = x->j->clients, r = 0;
	struct rr_end e[RR_MAX];
	struct ipcx_chan *l = NULL;
	int lfd = -1;

	if (ref && c->ring) {
		for (int i = 0; i < n && r == 0; i++) {
			char a[300];
			snprintf(a, sizeof(a), "%s?size=%zu&duplex=1",
				 x->rings[i], rr_region(x->size));
			e[i] = (struct rr_end){NULL, -1, true};
			r = ipcx_open(a, IPCX_CREATE | IPCX_EXCL, &e[i].c);
		}
	} else if (ref) {
		r = lfd = raw_listener(x);
	} else {
		char a[300];
		if (c->ring)
			snprintf(a, sizeof(a), "%s?size=%zu", x->addr,
				 rr_region(x->size));
		else
			snprintf(a, sizeof(a), "%s", x->addr);
		r = ipcx_open(a, IPCX_LISTEN | IPCX_CREATE, &l);
		/* Port 0: the one it took, for the clients. */
		struct ipcx_chan_info i = {0};
		const char *colon;
		if (r == 0 && ipcx_chan_get(l, &i) == 0 &&
		    !strncmp(i.local, "tcp:", 4) &&
		    (colon = strrchr(i.local, ':')))
			x->port = atoi(colon + 1);
	}
	if (write(ready, &x->port, sizeof(x->port)) < 0 || r < 0)
		_exit(1);
	for (int i = 0; i < n && !(ref && c->ring); i++) {
		e[i] = (struct rr_end){NULL, -1, c->message};
		if (ref) {
			e[i].fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (e[i].fd < 0)
				_exit(1);
			if (x->port)
				nodelay(e[i].fd);
		} else if (ipcx_accept(l, &e[i].c) < 0) {
			_exit(1);
		}
	}
	r = rr_serve(e, n, x->size);
	/* What it made goes (the next row makes it again). */
	if (ref && !c->ring && !x->port)
		unlink(x->path);
	for (int i = 0; i < n; i++) {
		ipcx_chan_unlink(e[i].c);
		ipcx_close(e[i].c);
		if (e[i].fd >= 0)
			close(e[i].fd);
	}
	ipcx_close(l);
	if (lfd >= 0)
		close(lfd);
	_exit(r < 0);
}

/* ---- the clients ---------------------------------------------------- */

static int rr_connect_raw(const struct rr_ctx *x)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = raw_socket(x, x->port, &ss, &len);

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (x->port)
		nodelay(fd);
	return fd;
}

/* Client K: round trips on both paths, alternating blocks, until the
 * time is up (or a few hundred each, quick); then bye on both. */
static int rr_client(const struct rr_ctx *x, int k, struct rr_result *res)
{
	const struct rr_case *c = x->j->c;
	struct rr_end e[2] = {{NULL, -1, c->message}, {NULL, -1, c->message}};
	unsigned char *b = malloc(x->size), *back = NULL;
	double t_end = bench_now() + x->o->seconds * 0.8e9;
	uint64_t seq = 0, want = x->o->quick ? 200 : 0;
	size_t cap = x->size;
	int r;

	if (!b)
		return -ENOMEM;
	memset(b, 0x5a, x->size);
	if ((r = ipcx_open(x->addr, 0, &e[0].c)) < 0)
		goto out;
	cap = rr_room(&e[0], x->size);
	if (!(back = malloc(cap))) {
		r = -ENOMEM;
		goto out;
	}
	if (c->ring)
		r = ipcx_open(x->rings[k], 0, &e[1].c);
	else if ((r = e[1].fd = rr_connect_raw(x)) >= 0)
		r = 0;
	if (r < 0)
		goto out;
	for (uint64_t blk = 0;; blk++) {
		/* ABBA: each four blocks two of each path. */
		int path = (int)((blk ^ (blk >> 1)) & 1);
		if (want ? res->n[0] >= want && res->n[1] >= want
			 : blk % 4 == 0 && bench_now() >= t_end)
			break;
		for (int i = 0; i < RR_BLOCK; i++) {
			seq++;
			memcpy(b, &seq, 8);
			b[x->size - 1] = (unsigned char)seq;
			double t0 = bench_now();
			if ((r = rr_put(&e[path], b, x->size)) < 0 ||
			    (r = rr_get(&e[path], back, x->size, cap)) < 0)
				goto out;
			double dt = bench_now() - t0;
			if (memcmp(back, b, 8) ||
			    back[x->size - 1] != b[x->size - 1]) {
				r = -EPROTO;
				goto out;
			}
			/* The first blocks warm up. */
			if (blk >= 4 && res->n[path] < RR_SAMPLES) {
				res->v[path][res->n[path]++] = dt;
				res->secs[path] += dt / 1e9;
			}
		}
	}
	uint64_t bye = RR_BYE;
	memcpy(b, &bye, 8);
	for (int p = 0; p < 2 && r == 0; p++)
		r = rr_put(&e[p], b, x->size);
out:
	for (int p = 0; p < 2; p++) {
		ipcx_close(e[p].c);
		if (e[p].fd >= 0)
			close(e[p].fd);
	}
	free(b);
	free(back);
	return r;
}

/* ---- one row ------------------------------------------------------------ */

static pid_t rr_fork(int cpu)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cpu >= 0)
			bench_pin(cpu);
	}
	return pid;
}

static void rr_measure(const void *arg, size_t size, const struct bench_opts *o,
		       struct bench_row *row)
{
	const struct rr_job *j = arg;
	struct rr_ctx x = {.j = j, .size = size, .o = o};
	struct rr_result *res =
		mmap(NULL, sizeof(*res) * (size_t)j->clients,
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t srv[2], cl[RR_MAX];
	int ready[2], fail = 0;

	if (res == MAP_FAILED || pipe(ready) < 0) {
		snprintf(row->note, sizeof(row->note), "failed: %s",
			 strerror(errno));
		return;
	}
	if (!strcmp(j->c->scheme, "posixshm"))
		snprintf(x.addr, sizeof(x.addr), "posixshm:/%s-rr", o->prefix);
	else if (!strcmp(j->c->scheme, "tcp"))
		snprintf(x.addr, sizeof(x.addr), "tcp:127.0.0.1:0");
	else
		snprintf(x.addr, sizeof(x.addr), "%s:/tmp/%s-rr.sock",
			 j->c->scheme, o->prefix);
	snprintf(x.path, sizeof(x.path), "/tmp/%s-rrraw.sock", o->prefix);
	for (int i = 0; i < RR_MAX; i++)
		snprintf(x.rings[i], sizeof(x.rings[i]), "posixshm:/%s-rr%d",
			 o->prefix, i);
	/* TCP: the ipcx server listens on a port of its own; ask it. */
	int tport[2] = {0, 0};
	for (int s = 0; s < 2; s++) {
		srv[s] = rr_fork(1);
		if (srv[s] == 0) {
			close(ready[0]);
			rr_server(&x, s == 1, ready[1]);
		}
		if (srv[s] < 0 ||
		    read(ready[0], &tport[s], sizeof(int)) != sizeof(int)) {
			fail = 1;
			break;
		}
	}
	close(ready[1]);
	close(ready[0]);
	/* TCP: each server took a free port and said which. */
	x.port = tport[1];
	if (!strcmp(j->c->scheme, "tcp"))
		snprintf(x.addr, sizeof(x.addr), "tcp:127.0.0.1:%d", tport[0]);
	for (int k = 0; k < j->clients && !fail; k++) {
		cl[k] = rr_fork(j->clients == 1 ? 0 : -1);
		if (cl[k] == 0)
			_exit(rr_client(&x, k, &res[k]) < 0 ? 1 : 0);
	}
	for (int k = 0; k < j->clients && !fail; k++)
		fail |= bench_reap(cl[k], false) != 0;
	for (int s = 0; s < 2; s++)
		fail |= bench_reap(srv[s], fail != 0) != 0;
	if (fail) {
		snprintf(row->note, sizeof(row->note),
			 "failed: a client or server did not finish");
		goto out;
	}
	/* Every client's samples together, per path. */
	struct samples {
		double *v;
		size_t n;
	} all[2] = {{0}, {0}};
	double rate[2] = {0, 0};
	for (int p = 0; p < 2; p++) {
		size_t n = 0;
		for (int k = 0; k < j->clients; k++)
			n += res[k].n[p];
		all[p].v = malloc((n ? n : 1) * sizeof(double));
		for (int k = 0; k < j->clients && all[p].v; k++) {
			memcpy(all[p].v + all[p].n, res[k].v[p],
			       res[k].n[p] * sizeof(double));
			all[p].n += res[k].n[p];
			if (res[k].secs[p] > 0)
				rate[p] += (double)res[k].n[p] / res[k].secs[p];
		}
		if (all[p].v)
			qsort(all[p].v, all[p].n, sizeof(double), bench_cmp);
	}
	row->med = bench_pct(all[0].v, all[0].n, 0.5);
	row->p99 = bench_pct(all[0].v, all[0].n, 0.99);
	row->p999 = bench_pct(all[0].v, all[0].n, 0.999);
	row->max = all[0].n ? all[0].v[all[0].n - 1] : -1;
	row->raw_med = bench_pct(all[1].v, all[1].n, 0.5);
	row->lat_ratio = row->raw_med > 0 ? row->med / row->raw_med : -1;
	row->msgs = rate[0];
	row->bytes = rate[0] * (double)size;
	row->raw_msgs = rate[1];
	row->raw_bytes = rate[1] * (double)size;
	row->tput_ratio = rate[1] > 0 ? rate[0] / rate[1] : -1;
	free(all[0].v);
	free(all[1].v);
out:
	munmap(res, sizeof(*res) * (size_t)j->clients);
}

void bench_reqrep(const struct bench_opts *o)
{
	static struct rr_job jobs[sizeof(rr_cases) / sizeof(*rr_cases)][2];

	for (size_t i = 0; i < sizeof(rr_cases) / sizeof(*rr_cases); i++) {
		const struct rr_case *c = &rr_cases[i];
		if (!bench_wanted(o, c->scheme))
			continue;
		for (int n = 0; n < 2; n++) {
			jobs[i][n] = (struct rr_job){c, n ? RR_MAX : 1};
			char label[40];
			snprintf(label, sizeof(label), "%s, %d client%s",
				 c->label, jobs[i][n].clients, n ? "s" : "");
			for (int k = 0; k < o->nsizes; k++) {
				struct bench_row *row =
					bench_add("request/reply", label,
						  c->wake, o->sizes[k]);
				row->raw_is = c->ring ? "ring round trip"
						      : "syscalls";
				bench_detail_mark();
				if (o->sizes[k] < 8) {
					snprintf(row->note, sizeof(row->note),
						 "skipped: below the 8-byte "
						 "sequence number");
					continue;
				}
				bench_progress(o, row);
				bench_run_isolated(o, row, rr_measure,
						   &jobs[i][n], o->sizes[k]);
			}
		}
	}
}
