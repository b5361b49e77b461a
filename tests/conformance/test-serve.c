/* SPDX-License-Identifier: MIT */
/*
 * Servers on every facility that can listen: the conformance suite over
 * connections of a listening shared-memory region, one request/reply
 * program over sockets and every region scheme (the address is all that
 * changes), eight clients of a shared-memory server with one killed, a
 * listener that dies, a peer that cannot prove itself, a connection
 * handed to a forked child, one poll loop over UNIX and shared-memory
 * clients, and the facilities that refuse IPCX_LISTEN.
 */
#include "conformance.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

/* Every object a test made, removed by the teardown even on failure. */
static char made[32][128];
static int nmade;

static const char *note(const char *addr)
{
	char *s = made[nmade < 31 ? nmade++ : 31];

	snprintf(s, sizeof(made[0]), "%s", addr);
	char *q = strchr(s, '?');
	if (q)
		*q = '\0';
	return addr;
}

static int remove_made(void **state)
{
	(void)state;
	for (int i = 0; i < nmade; i++)
		ipcx_unlink(made[i]);
	nmade = 0;
	return 0;
}

/* A unique posixshm listening address: /ipcx-serve-PID-N. */
static const char *shm_addr(char *buf, size_t n, const char *opts)
{
	static int k;

	snprintf(buf, n, "posixshm:/ipcx-serve-%d-%d%s%s", (int)getpid(), ++k,
		 *opts ? "?" : "", opts);
	return note(buf);
}

/* A listener on a new posixshm address (OPTS: timeout=5000 and a 64K
 * ring) into *L; with C and A, a client's end and its accepted end. */
static void listen_shm(char *addr, size_t n, struct ipcx_chan **l,
		       struct ipcx_chan **c, struct ipcx_chan **a)
{
	shm_addr(addr, n, "size=64K&timeout=5000");
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN | IPCX_CREATE, l), 0);
	if (c) {
		assert_int_equal(ipcx_open(addr, 0, c), 0);
		assert_int_equal(ipcx_accept(*l, a), 0);
	}
}

/* ---- the conformance suite over shared-memory connections ----------- */

static void conn_setup(struct fx *f, const char *opts)
{
	char a[128];

	shm_addr(a, sizeof(a), "size=256K");
	snprintf(f->path, sizeof(f->path), "%.*s", (int)(strchr(a, '?') - a),
		 a);
	snprintf(f->addr, sizeof(f->addr), "%s", a);
	conf_listen_setup(f, opts);
}

static void conn_teardown(struct fx *f)
{
	ipcx_unlink(f->path);
	remove_made(NULL);
}

static const struct fixture fix = {
	.scheme = "posixshm",
	/* A peer that dies without closing is -EPIPE (t_dead_client). */
	.no_eof = true,
	.setup = conn_setup,
	.end_a = conf_listen_a,
	.end_b = conf_listen_b,
	.teardown = conn_teardown,
};

/* ---- one request/reply program ----------------------------------------- */

#define RR_CLIENTS 3
#define RR_ROUNDS 300
#define MAX_CONNS 16

/* A client: RR_ROUNDS requests, each reply checked; exits 0. */
static void rr_client(const char *addr, int id)
{
	struct ipcx_chan *c;

	CHILD_CHECK(ipcx_open(addr, 0, &c) == 0);
	for (int i = 0; i < RR_ROUNDS; i++) {
		char q[64], a[128], want[128];
		int n = snprintf(q, sizeof(q), "client %d request %d", id, i);
		CHILD_CHECK(ipcx_send(c, q, (size_t)n, NULL) == n);
		int w = snprintf(want, sizeof(want), "reply to %s", q);
		ssize_t r = ipcx_recv(c, a, sizeof(a), NULL);
		CHILD_CHECK(r == w && !memcmp(a, want, (size_t)w));
	}
	CHILD_CHECK(ipcx_close(c) == 0);
	_exit(0);
}

struct server {
	struct ipcx_chan *l[2]; /* listeners (one or two) */
	int nl;
	struct ipcx_chan *conn[MAX_CONNS];
	int nconn;
	int ended, failed, served;
	int last_err; /* the last failed receive's error */
};

/* One poll over every listener and connection until ENDS connections
 * have ended (end of stream or an error). */
static void serve(struct server *s, int ends)
{
	struct pollfd p[2 + MAX_CONNS];
	char buf[256], out[300];

	while (s->ended < ends) {
		int n = 0;
		for (int i = 0; i < s->nl; i++)
			p[n++] = (struct pollfd){ipcx_fd(s->l[i]), POLLIN, 0};
		for (int i = 0; i < s->nconn; i++)
			p[n++] =
				(struct pollfd){ipcx_fd(s->conn[i]), POLLIN, 0};
		for (int i = 0; i < n; i++)
			assert_true(p[i].fd >= 0);
		assert_true(poll(p, (nfds_t)n, 20000) > 0);
		for (int i = 0; i < s->nl; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			assert_true(s->nconn < MAX_CONNS);
			int r = ipcx_accept(s->l[i], &s->conn[s->nconn]);
			if (r < 0)
				fail_msg("accept: %s", ipcx_error_detail());
			s->nconn++;
		}
		/* From the end: a connection that ended is dropped. */
		for (int i = n - s->nl - 1; i >= 0; i--) {
			if (!p[s->nl + i].revents)
				continue;
			struct ipcx_chan *c = s->conn[i];
			ssize_t r = ipcx_recv(c, buf, sizeof(buf), NULL);
			if (r > 0) {
				int w = snprintf(out, sizeof(out),
						 "reply to %.*s", (int)r, buf);
				assert_int_equal(
					ipcx_send(c, out, (size_t)w, NULL), w);
				s->served++;
				continue;
			}
			if (r < 0) {
				s->failed++;
				s->last_err = (int)r;
			}
			ipcx_close(c);
			s->conn[i] = s->conn[--s->nconn];
			s->ended++;
		}
	}
}

/* The one program: a server on ADDR and RR_CLIENTS forked clients. */
static void request_reply(const char *addr)
{
	struct ipcx_chan_info info = {0};
	struct server s = {.nl = 1};
	char caddr[300];
	pid_t kids[RR_CLIENTS];

	if (ipcx_open(addr, IPCX_LISTEN | IPCX_CREATE, &s.l[0]) < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	assert_int_equal(ipcx_chan_get(s.l[0], &info), 0);
	assert_true(info.listening);
	/* Port 0: connect to where it really is. */
	snprintf(caddr, sizeof(caddr), "%s", info.local[0] ? info.local : addr);
	if (info.local[0] && strchr(addr, '?'))
		snprintf(caddr + strlen(caddr), sizeof(caddr) - strlen(caddr),
			 "%s", strchr(addr, '?'));
	fflush(NULL);
	for (int i = 0; i < RR_CLIENTS; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0)
			rr_client(caddr, i);
	}
	serve(&s, RR_CLIENTS);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.served, RR_CLIENTS * RR_ROUNDS);
	for (int i = 0; i < RR_CLIENTS; i++)
		assert_int_equal(conf_wait(kids[i]), 0);
	assert_int_equal(ipcx_close(s.l[0]), 0);
}

static void t_one_program(void **state)
{
	(void)state;
	char path[128], addr[300];
	int pid = (int)getpid();
	const char *shape[] = {
		"unix:%s.s?framing=length",
		"unix-seqpacket:%s.q",
		"tcp:127.0.0.1:0?framing=length",
		"posixshm:/ipcx-serve-%d-rr?size=64K",
		"sysvshm:0x%x?size=64K",
		"mmap:%s.m?size=64K",
		"anon:?size=64K",
	};

	conf_scratch(path, sizeof(path), "");
	for (size_t k = 0; k < sizeof(shape) / sizeof(*shape); k++) {
		if (strstr(shape[k], "posixshm"))
			snprintf(addr, sizeof(addr), shape[k], pid);
		else if (strstr(shape[k], "sysvshm"))
			snprintf(addr, sizeof(addr), shape[k],
				 0x4f000000 | (pid & 0xffff) << 8 | 0x11);
		else if (strstr(shape[k], "%s"))
			snprintf(addr, sizeof(addr), shape[k], path);
		else
			snprintf(addr, sizeof(addr), "%s", shape[k]);
		note(addr);
		request_reply(addr);
		/* The listener removed what it made: a socket path, a
		 * region. */
		char base[300];
		snprintf(base, sizeof(base), "%s", addr);
		*strchrnul(base, '?') = '\0';
		struct ipcx_region *g;
		struct stat st;
		if (!strncmp(addr, "unix", 4))
			assert_int_equal(stat(strchr(base, ':') + 1, &st), -1);
		else if (strncmp(addr, "tcp:", 4) && strncmp(addr, "anon:", 5))
			assert_int_equal(ipcx_region_open(base, 0, 0, &g),
					 -ENOENT);
	}
}

/* ---- the ones that cannot listen ------------------------------------- */

static void t_refused(void **state)
{
	(void)state;
	char path[128], addr[200];
	struct ipcx_chan *c;
	const char *shape[] = {"fifo:%s.f", "posixmq:/ipcx-serve-%d-mq",
			       "sysvmq:0x%x", "signal:%d", "stdio:"};

	conf_scratch(path, sizeof(path), "");
	for (size_t k = 0; k < sizeof(shape) / sizeof(*shape); k++) {
		if (strstr(shape[k], "%s"))
			snprintf(addr, sizeof(addr), shape[k], path);
		else if (strstr(shape[k], "0x"))
			snprintf(addr, sizeof(addr), shape[k],
				 0x4f000000 | ((int)getpid() & 0xffff) << 8 |
					 0x22);
		else if (strstr(shape[k], "%d"))
			snprintf(addr, sizeof(addr), shape[k], (int)getpid());
		else
			snprintf(addr, sizeof(addr), "%s", shape[k]);
		note(addr);
		assert_int_equal(ipcx_open(addr, IPCX_LISTEN | IPCX_CREATE, &c),
				 -EOPNOTSUPP);
		assert_non_null(strstr(ipcx_error_detail(), "cannot listen"));
		/* Nothing was made. */
		struct stat st;
		if (!strncmp(addr, "fifo:", 5))
			assert_int_equal(stat(addr + 5, &st), -1);
	}
	/* A region that holds a ring is not turned into a listener. */
	char a[128];
	shm_addr(a, sizeof(a), "size=64K");
	assert_int_equal(ipcx_open(a, IPCX_CREATE, &c), 0);
	struct ipcx_chan *l;
	assert_int_equal(ipcx_open(a, IPCX_LISTEN, &l), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "holds a ring"));
	ipcx_close(c);
}

/* ---- eight clients, one killed ------------------------------------------ */

#define EIGHT 8
#define EIGHT_ROUNDS 2000

/* Numbered requests; each reply must be the number, in order. */
static void numbered_client(const char *addr, int id, int die_at)
{
	struct ipcx_chan *c;

	CHILD_CHECK(ipcx_open(addr, 0, &c) == 0);
	for (int i = 0; i < EIGHT_ROUNDS; i++) {
		if (i == die_at)
			raise(SIGKILL);
		uint32_t q[2] = {(uint32_t)id, (uint32_t)i}, a[2];
		CHILD_CHECK(ipcx_send(c, q, sizeof(q), NULL) == sizeof(q));
		CHILD_CHECK(ipcx_recv(c, a, sizeof(a), NULL) == sizeof(a));
		CHILD_CHECK(a[0] == (uint32_t)id && a[1] == (uint32_t)i + 1);
	}
	CHILD_CHECK(ipcx_close(c) == 0);
	_exit(0);
}

static int shm_objects_of(const char *prefix)
{
	DIR *d = opendir("/dev/shm");
	int n = 0;

	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static void t_eight_clients(void **state)
{
	(void)state;
	char addr[128], prefix[64];
	struct ipcx_chan *l, *conn[EIGHT];
	uint32_t next[EIGHT] = {0};
	pid_t kids[EIGHT];
	int open = 0, epipe = 0, eof = 0, victim = 5;

	snprintf(prefix, sizeof(prefix), "ipcx-serve-%d-", (int)getpid());
	shm_addr(addr, sizeof(addr), "size=64K");
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN | IPCX_CREATE, &l), 0);
	fflush(NULL);
	for (int i = 0; i < EIGHT; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0)
			numbered_client(addr, i, i == victim ? 777 : -1);
	}
	/* All eight connected at once, then served round by round. */
	for (int i = 0; i < EIGHT; i++)
		assert_int_equal(ipcx_accept(l, &conn[i]), 0);
	open = EIGHT;
	while (open) {
		struct pollfd p[EIGHT];
		for (int i = 0; i < EIGHT; i++)
			p[i] = (struct pollfd){conn[i] ? ipcx_fd(conn[i]) : -1,
					       POLLIN, 0};
		assert_true(poll(p, EIGHT, 20000) > 0);
		for (int i = 0; i < EIGHT; i++) {
			if (!conn[i] || !p[i].revents)
				continue;
			uint32_t q[2];
			ssize_t r = ipcx_recv(conn[i], q, sizeof(q), NULL);
			if (r <= 0) {
				if (r == -EPIPE)
					epipe++;
				else
					assert_int_equal(r, 0);
				eof += r == 0;
				ipcx_close(conn[i]);
				conn[i] = NULL;
				open--;
				continue;
			}
			assert_int_equal(r, sizeof(q));
			struct ipcx_chan_info info = {0};
			ipcx_chan_get(conn[i], &info);
			/* In order, exactly once, from the client it says. */
			assert_int_equal(q[1], next[i]);
			assert_true(q[0] < EIGHT);
			assert_int_equal(info.peer_pid, kids[q[0]]);
			next[i]++;
			q[1]++;
			assert_int_equal(ipcx_send(conn[i], q, sizeof(q), NULL),
					 sizeof(q));
		}
	}
	for (int i = 0; i < EIGHT; i++)
		assert_int_equal(conf_wait(kids[i]), i == victim ? 128 + 9 : 0);
	assert_int_equal(epipe, 1);
	assert_int_equal(eof, EIGHT - 1);
	/* Seven served to the end, the victim up to its death. */
	int full = 0, cut = 0;
	for (int i = 0; i < EIGHT; i++) {
		full += next[i] == EIGHT_ROUNDS;
		cut += next[i] == 777;
	}
	assert_int_equal(full, EIGHT - 1);
	assert_int_equal(cut, 1);
	ipcx_close(l);
	/* Nothing of ours in /dev/shm: connections have no name, and the
	 * listener removed its region. */
	assert_int_equal(shm_objects_of(prefix), 0);
}

/* ---- dead peers --------------------------------------------------------- */

static void t_dead_client(void **state)
{
	(void)state;
	char addr[128], buf[16];
	struct ipcx_chan *l, *c;

	listen_shm(addr, sizeof(addr), &l, NULL, NULL);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_open(addr, 0, &c) == 0);
		CHILD_CHECK(ipcx_send(c, "hi", 2, NULL) == 2);
		raise(SIGKILL);
	}
	assert_int_equal(ipcx_accept(l, &c), 0);
	assert_int_equal(conf_wait(pid), 128 + 9);
	/* What it sent before dying arrives; then -EPIPE at once (well
	 * inside the timeout), naming the cause. */
	assert_int_equal(ipcx_try_recv(c, buf, sizeof(buf), NULL), 2);
	/* A receive that does not wait says so too, not -EAGAIN forever
	 * (a poll loop would spin on the hung-up descriptor). */
	assert_int_equal(ipcx_try_recv(c, buf, sizeof(buf), NULL), -EPIPE);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), -EPIPE);
	assert_true(conf_ms_since(&t0) < 1000);
	assert_non_null(strstr(ipcx_error_detail(), "peer is gone"));
	/* A reply to it fails too, once the ring is full or at once. */
	ipcx_close(c);
	ipcx_close(l);
}

static void t_dead_listener(void **state)
{
	(void)state;
	char addr[128], buf[16];
	struct ipcx_chan *l, *c;

	shm_addr(addr, sizeof(addr), "size=64K&timeout=5000");
	int ctl[2];
	assert_int_equal(pipe(ctl), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(ctl[0]);
		CHILD_CHECK(ipcx_open(addr, IPCX_LISTEN | IPCX_CREATE, &l) ==
			    0);
		CHILD_CHECK(write(ctl[1], "x", 1) == 1);
		pause();
		_exit(0);
	}
	close(ctl[1]);
	assert_int_equal(read(ctl[0], buf, 1), 1);
	close(ctl[0]);
	/* Connected, never accepted: the listener dies, the client's wait
	 * for its reply ends with -EPIPE. */
	assert_int_equal(ipcx_open(addr, 0, &c), 0);
	assert_int_equal(ipcx_send(c, "q", 1, NULL), 1);
	kill(pid, SIGKILL);
	assert_int_equal(conf_wait(pid), 128 + 9);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), -EPIPE);
	ipcx_close(c);
	/* Its region is left: connecting is refused, by name. */
	assert_int_equal(ipcx_open(addr, 0, &c), -ECONNREFUSED);
	assert_non_null(strstr(ipcx_error_detail(), "nobody listens"));
	/* A new listener takes the place; a live one is not displaced. */
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), 0);
	struct ipcx_chan *l2;
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l2), -EADDRINUSE);
	assert_int_equal(ipcx_open(addr, 0, &c), 0);
	struct ipcx_chan *a;
	assert_int_equal(ipcx_accept(l, &a), 0);
	assert_int_equal(ipcx_send(c, "again", 5, NULL), 5);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 5);
	ipcx_close(c);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 0);
	ipcx_close(a);
	ipcx_close(l);
}

/* ---- a peer that cannot prove itself ----------------------------------- */

static void t_bad_peer(void **state)
{
	(void)state;
	char addr[128], path[160], buf[16];
	struct ipcx_chan *l, *c, *a;
	uint64_t token;

	shm_addr(addr, sizeof(addr), "size=64K&timeout=3000");
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN | IPCX_CREATE, &l), 0);
	/* The token is in the header (after magic, version, size). */
	snprintf(path, sizeof(path), "/dev/shm/%s", strchr(addr, '/') + 1);
	*strchr(path, '?') = '\0';
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &token, 8, 16), 8);
	close(fd);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
			 "ipcx-listen-%016llx", (unsigned long long)token);
	socklen_t len =
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	/* Wrong secret, no descriptor; then nothing at all. */
	for (int k = 0; k < 2; k++) {
		int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		assert_int_equal(connect(s, (struct sockaddr *)&sa, len), 0);
		if (k == 0)
			assert_int_equal(
				send(s, "IPXCxxxxsecretsecretsecret", 24, 0),
				24);
		assert_int_equal(ipcx_accept(l, &a), -EACCES);
		assert_non_null(strstr(ipcx_error_detail(), "did not show"));
		close(s);
	}
	/* The listener still serves. */
	assert_int_equal(ipcx_open(addr, 0, &c), 0);
	assert_int_equal(ipcx_accept(l, &a), 0);
	assert_int_equal(ipcx_send(c, "ok", 2, NULL), 2);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 2);
	ipcx_close(c);
	ipcx_close(a);
	ipcx_close(l);
}

/* ---- a connection handed to a child ------------------------------------ */

static void t_fork_handoff(void **state)
{
	(void)state;
	char addr[128], buf[64];
	struct ipcx_chan *l, *c, *a;

	listen_shm(addr, sizeof(addr), &l, &c, &a);
	fflush(NULL);
	/* The classic server: accept, fork, the parent closes its copy at
	 * once, the child serves. */
	pid_t pid = fork();
	if (pid == 0) {
		/* As with sockets, a copy of the client's end it inherited
		 * would hold that end open: it closes what it does not
		 * serve. */
		ipcx_close(l);
		ipcx_close(c);
		usleep(100000); /* long after the parent's close */
		for (;;) {
			ssize_t r = ipcx_recv(a, buf, sizeof(buf), NULL);
			if (r <= 0)
				CHILD_CHECK(r == 0);
			if (r == 0)
				_exit(0);
			CHILD_CHECK(ipcx_send(a, buf, (size_t)r, NULL) == r);
		}
	}
	ipcx_close(a);
	for (int i = 0; i < 100; i++) {
		int n = snprintf(buf, sizeof(buf), "echo %d", i);
		assert_int_equal(ipcx_send(c, buf, (size_t)n, NULL), n);
		assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), n);
	}
	/* The client's close is the child's end of stream. */
	ipcx_close(c);
	assert_int_equal(conf_wait(pid), 0);
	/* And the other way: the child closes, the client reads the end. */
	assert_int_equal(ipcx_open(addr, 0, &c), 0);
	assert_int_equal(ipcx_accept(l, &a), 0);
	pid = fork();
	if (pid == 0) {
		ipcx_close(c);
		CHILD_CHECK(ipcx_send(a, "bye", 3, NULL) == 3);
		CHILD_CHECK(ipcx_close(a) == 0);
		_exit(0);
	}
	ipcx_close(a);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 3);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 0);
	assert_int_equal(ipcx_send(c, "x", 1, NULL), -EPIPE);
	assert_int_equal(conf_wait(pid), 0);
	ipcx_close(c);
	ipcx_close(l);
}

/* ---- an anon pair: a connection without a listener ------------------ */

static void t_anon_pair(void **state)
{
	(void)state;
	struct ipcx_chan *a, *b;
	char buf[64];

	assert_int_equal(ipcx_pair("anon:?size=64K&timeout=5000", &a, &b), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		ipcx_close(a);
		for (;;) {
			ssize_t r = ipcx_recv(b, buf, sizeof(buf), NULL);
			if (r == 0)
				_exit(0);
			CHILD_CHECK(r > 0);
			CHILD_CHECK(ipcx_send(b, buf, (size_t)r, NULL) == r);
		}
	}
	ipcx_close(b);
	for (int i = 0; i < 500; i++) {
		int n = snprintf(buf, sizeof(buf), "pair %d", i);
		assert_int_equal(ipcx_send(a, buf, (size_t)n, NULL), n);
		char back[64];
		assert_int_equal(ipcx_recv(a, back, sizeof(back), NULL), n);
		assert_memory_equal(back, buf, (size_t)n);
	}
	ipcx_close(a);
	assert_int_equal(conf_wait(pid), 0);
	/* The child dies: the parent's wait ends with -EPIPE. */
	assert_int_equal(ipcx_pair("anon:?size=64K&timeout=5000", &a, &b), 0);
	pid = fork();
	if (pid == 0)
		raise(SIGKILL);
	ipcx_close(b);
	assert_int_equal(conf_wait(pid), 128 + 9);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), -EPIPE);
	ipcx_close(a);
	/* Named regions have no pairs; anon has no duplex=. */
	assert_int_equal(ipcx_pair("posixshm", &a, &b), -EOPNOTSUPP);
	assert_non_null(strstr(ipcx_error_detail(), "open its address"));
	assert_int_equal(ipcx_open("anon:?duplex=1", 0, &a), -EINVAL);
	assert_int_equal(ipcx_pair("anon:?size=100", &a, &b), -EINVAL);
}

/* ---- half-close ------------------------------------------------------- */

static void t_shutdown(void **state)
{
	(void)state;
	char addr[128], buf[16];
	struct ipcx_chan *l, *c, *a;

	listen_shm(addr, sizeof(addr), &l, &c, &a);
	assert_int_equal(ipcx_send(c, "last", 4, NULL), 4);
	assert_int_equal(ipcx_shutdown(c), 0);
	assert_int_equal(ipcx_send(c, "more", 4, NULL), -EPIPE);
	assert_non_null(strstr(ipcx_error_detail(), "shut down"));
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 4);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 0);
	/* The other direction still works. */
	assert_int_equal(ipcx_send(a, "reply", 5, NULL), 5);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 5);
	struct ipcx_chan_info info = {0};
	assert_int_equal(ipcx_chan_get(a, &info), 0);
	assert_true(info.eof_is_zero);
	assert_int_equal(info.peer_pid, getpid());
	ipcx_close(c);
	ipcx_close(a);
	ipcx_close(l);
}

/* ---- a poller sees the end that follows the last message --------------- */

static void t_poll_sees_end(void **state)
{
	(void)state;
	char addr[128], buf[16];
	struct ipcx_chan *l, *c, *a;

	listen_shm(addr, sizeof(addr), &l, NULL, NULL);
	for (int k = 0; k < 50; k++) {
		assert_int_equal(ipcx_open(addr, 0, &c), 0);
		assert_int_equal(ipcx_accept(l, &a), 0);
		struct pollfd p = {.fd = ipcx_fd(a), .events = POLLIN};
		assert_true(p.fd >= 0);
		/* The message and the end, both before the receiver looks:
		 * taking the message must not take the end's wake-up. */
		assert_int_equal(ipcx_send(c, "x", 1, NULL), 1);
		if (k % 2)
			assert_int_equal(ipcx_shutdown(c), 0);
		else
			ipcx_close(c);
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 1);
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 0);
		if (k % 2)
			ipcx_close(c);
		ipcx_close(a);
	}
	ipcx_close(l);
}

/* ---- one poll loop, UNIX and shared-memory clients --------------------- */

static void t_mixed_poll(void **state)
{
	(void)state;
	char path[128], ua[160], sa[128];
	struct server s = {.nl = 2};
	pid_t kids[4];

	conf_scratch(path, sizeof(path), ".mixed");
	snprintf(ua, sizeof(ua), "unix-seqpacket:%s", path);
	note(ua);
	shm_addr(sa, sizeof(sa), "size=64K");
	assert_int_equal(ipcx_open(ua, IPCX_LISTEN, &s.l[0]), 0);
	assert_int_equal(ipcx_open(sa, IPCX_LISTEN | IPCX_CREATE, &s.l[1]), 0);
	fflush(NULL);
	for (int i = 0; i < 4; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0)
			rr_client(i % 2 ? sa : ua, i);
	}
	serve(&s, 4);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.served, 4 * RR_ROUNDS);
	for (int i = 0; i < 4; i++)
		assert_int_equal(conf_wait(kids[i]), 0);
	ipcx_close(s.l[0]);
	ipcx_close(s.l[1]);
}

int main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test_teardown(t_one_program, remove_made),
		cmocka_unit_test_teardown(t_refused, remove_made),
		cmocka_unit_test_teardown(t_eight_clients, remove_made),
		cmocka_unit_test_teardown(t_dead_client, remove_made),
		cmocka_unit_test_teardown(t_dead_listener, remove_made),
		cmocka_unit_test_teardown(t_bad_peer, remove_made),
		cmocka_unit_test_teardown(t_fork_handoff, remove_made),
		cmocka_unit_test_teardown(t_anon_pair, remove_made),
		cmocka_unit_test_teardown(t_shutdown, remove_made),
		cmocka_unit_test_teardown(t_poll_sees_end, remove_made),
		cmocka_unit_test_teardown(t_mixed_poll, remove_made),
	};

	return conf_run(&fix, own, sizeof(own) / sizeof(*own));
}
