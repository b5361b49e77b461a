/* SPDX-License-Identifier: MIT */
/* The generic tests: the same semantics checked on every facility. */
#include "conformance.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static const struct fixture *g_fix;
static int g_counter;

void conf_scratch(char *out, size_t n, const char *suffix)
{
	snprintf(out, n, "/tmp/ipcx-test-%d-%d%s", (int)getpid(), ++g_counter,
		 suffix);
}

void conf_with_opts(char *out, size_t n, const char *addr, const char *opts)
{
	if (!opts || !*opts)
		snprintf(out, n, "%s", addr);
	else
		snprintf(out, n, "%s%c%s", addr, strchr(addr, '?') ? '&' : '?',
			 opts);
}

int conf_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool is_message(struct ipcx_chan *c)
{
	struct ipcx_chan_info i = {0};

	ipcx_chan_get(c, &i);
	return i.semantics == IPCX_MESSAGE;
}

void conf_send_all(struct ipcx_chan *c, const void *buf, size_t len)
{
	ssize_t r = ipcx_send(c, buf, len, NULL);

	CHILD_CHECK(r == (ssize_t)len);
}

ssize_t conf_recv(struct ipcx_chan *c, void *buf, size_t len)
{
	/* Room for any message (a POSIX queue wants its msgsize); the
	 * small-buffer test is the one place that gives less. */
	static char room[1 << 20];

	if (!is_message(c))
		return ipcx_recv(c, buf, len, NULL);
	ssize_t r = ipcx_recv(c, room, sizeof(room), NULL);
	if (r > (ssize_t)len)
		return -EMSGSIZE;
	if (r > 0)
		memcpy(buf, room, (size_t)r);
	return r;
}

ssize_t conf_recv_exact(struct ipcx_chan *c, void *buf, size_t len)
{
	size_t got = 0;

	if (is_message(c))
		return conf_recv(c, buf, len);
	while (got < len) {
		ssize_t r = ipcx_recv(c, (char *)buf + got, len - got, NULL);
		if (r <= 0)
			return got ? (ssize_t)got : r;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

void conf_competing_readers(struct ipcx_chan *r, struct ipcx_chan *s)
{
	enum { N = 300 };
	unsigned char seen[N] = {0};
	int res[2], total = 0;
	pid_t kids[2];
	uint32_t id;

	assert_int_equal(pipe(res), 0);
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			close(res[0]);
			/* Until nothing comes within R's timeout; any other
			 * error is a failure. */
			ssize_t n;
			while ((n = conf_recv(r, &id, sizeof(id))) ==
			       sizeof(id))
				CHILD_CHECK(write(res[1], &id, sizeof(id)) ==
					    sizeof(id));
			CHILD_CHECK(n == -ETIMEDOUT);
			_exit(0);
		}
	}
	close(res[1]);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(ipcx_send(s, &i, sizeof(i), NULL), sizeof(i));
	while (read(res[0], &id, sizeof(id)) == sizeof(id)) {
		assert_true(id < N);
		assert_int_equal(seen[id], 0); /* never twice */
		seen[id] = 1;
		total++;
	}
	assert_int_equal(total, N); /* never lost */
	assert_int_equal(conf_wait(kids[0]), 0);
	assert_int_equal(conf_wait(kids[1]), 0);
	close(res[0]);
}

struct ipcx_chan *conf_open_recv(struct fx *f)
{
	struct ipcx_chan *c;

	assert_int_equal(ipcx_open(f->addr, IPCX_RECV, &c), 0);
	return c;
}

struct ipcx_chan *conf_open_send(struct fx *f)
{
	struct ipcx_chan *c;
	int r, tries = 0;

	/* A FIFO writer with nonblock=1 says ENXIO until the reader is in. */
	while ((r = ipcx_open(f->addr, IPCX_SEND, &c)) == -ENXIO &&
	       tries++ < 500)
		usleep(10000);
	CHILD_CHECK(r == 0);
	return c;
}

/* ---- pair and listen fixtures ------------------------------------------ */

void conf_pair_setup(struct fx *f, const char *opts)
{
	char spec[128], scheme[64];

	snprintf(scheme, sizeof(scheme), "%s:", f->fix->scheme);
	conf_with_opts(spec, sizeof(spec), scheme, opts);
	assert_int_equal(ipcx_pair(spec, &f->pa, &f->pb), 0);
}

struct ipcx_chan *conf_pair_a(struct fx *f)
{
	ipcx_close(f->pb);
	f->pb = NULL;
	return f->pa;
}

struct ipcx_chan *conf_pair_b(struct fx *f)
{
	return f->pb;
}

void conf_pair_teardown(struct fx *f)
{
	(void)f;
}

void conf_listen_setup(struct fx *f, const char *opts)
{
	struct ipcx_chan_info info = {0};
	char addr[300];

	conf_with_opts(addr, sizeof(addr), f->addr, opts);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN | IPCX_RECV | IPCX_CREATE,
				   &f->listener),
			 0);
	/* Port 0 or an unbound name: connect to where it really is. */
	assert_int_equal(ipcx_chan_get(f->listener, &info), 0);
	if (info.local[0])
		conf_with_opts(f->addr, sizeof(f->addr), info.local, opts);
	else
		snprintf(f->addr, sizeof(f->addr), "%s", addr);
}

struct ipcx_chan *conf_listen_a(struct fx *f)
{
	struct ipcx_chan_info info = {0};
	struct ipcx_chan *c;

	ipcx_chan_get(f->listener, &info);
	if (!info.listening)
		return f->listener; /* a bound datagram socket */
	int r;
	while ((r = ipcx_accept(f->listener, &c)) == -EAGAIN) {
		/* nonblock=1 listener: wait for the child's connect. */
		struct pollfd p = {.fd = ipcx_fd(f->listener),
				   .events = POLLIN};
		assert_int_equal(poll(&p, 1, 5000), 1);
	}
	assert_int_equal(r, 0);
	return c;
}

struct ipcx_chan *conf_listen_b(struct fx *f)
{
	struct ipcx_chan *c;

	CHILD_CHECK(ipcx_open(f->addr, IPCX_CONNECT | IPCX_SEND, &c) == 0);
	return c;
}

void conf_listen_teardown(struct fx *f)
{
	(void)f;
}

/* ---- running one exchange ---------------------------------------------- */

struct run {
	struct fx *f;
	pid_t child;
	int ctl[2]; /* the child idles until the parent closes ctl[1] */
	struct ipcx_chan *a;
};

static struct run g_run;

static void child_idle(void)
{
	char ch;

	while (read(g_run.ctl[0], &ch, 1) < 0 && errno == EINTR)
		;
}

/* Forks; the child runs FN on its end and exits 0 unless a check fails. */
static struct ipcx_chan *start(struct fx *f, const char *opts,
			       void (*fn)(struct ipcx_chan *b))
{
	struct run *r = &g_run;

	snprintf(f->opts, sizeof(f->opts), "%s", opts);
	f->fix->setup(f, opts);
	assert_int_equal(pipe(r->ctl), 0);
	fflush(NULL);
	r->f = f;
	r->child = fork();
	assert_true(r->child >= 0);
	if (r->child == 0) {
		close(r->ctl[1]);
		struct ipcx_chan *b = f->fix->end_b(f);
		CHILD_CHECK(b != NULL);
		fn(b);
		if (f->fix->close_b)
			CHILD_CHECK(ipcx_close(b) == 0);
		_exit(0);
	}
	close(r->ctl[0]);
	r->a = f->fix->end_a(f);
	assert_non_null(r->a);
	return r->a;
}

/* Lets the child go and checks that it succeeded. */
static void finish(void)
{
	struct run *r = &g_run;

	close(r->ctl[1]);
	r->ctl[1] = -1;
	assert_int_equal(conf_wait(r->child), 0);
	r->child = 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->fix = g_fix;
	*state = f;
	memset(&g_run, 0, sizeof(g_run));
	g_run.ctl[0] = g_run.ctl[1] = -1;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct run *r = &g_run;

	if (r->child > 0) {
		kill(r->child, SIGKILL);
		conf_wait(r->child);
	}
	if (r->ctl[1] >= 0)
		close(r->ctl[1]);
	if (r->a && r->a != f->listener)
		ipcx_close(r->a);
	ipcx_close(f->listener);
	if (f->pa && f->pa != r->a)
		ipcx_close(f->pa);
	ipcx_close(f->pb);
	f->fix->teardown(f);
	free(f);
	return 0;
}

/* ---- the tests --------------------------------------------------------- */

#define ROUNDS 200

static void rt_child(struct ipcx_chan *b)
{
	char msg[32], got[32];

	for (int i = 0; i < ROUNDS; i++) {
		int n = snprintf(msg, sizeof(msg), "ping %d", i);
		conf_send_all(b, msg, (size_t)n);
		if (g_run.f->fix->oneway)
			continue;
		n = snprintf(msg, sizeof(msg), "pong %d", i);
		CHILD_CHECK(conf_recv_exact(b, got, (size_t)n) == n);
		CHILD_CHECK(!memcmp(got, msg, (size_t)n));
	}
}

static void t_round_trip(void **state)
{
	struct fx *f = *state;
	struct ipcx_chan *a = start(f, "", rt_child);
	char msg[32], got[64];

	for (int i = 0; i < ROUNDS; i++) {
		int n = snprintf(msg, sizeof(msg), "ping %d", i);
		assert_int_equal(conf_recv_exact(a, got, (size_t)n), n);
		assert_memory_equal(got, msg, (size_t)n);
		if (f->fix->oneway)
			continue;
		n = snprintf(msg, sizeof(msg), "pong %d", i);
		assert_int_equal(ipcx_send(a, msg, (size_t)n, NULL), n);
	}
	finish();
}

static void two_writes_child(struct ipcx_chan *b)
{
	conf_send_all(b, "ab", 2);
	conf_send_all(b, "cd", 2);
}

static void t_boundaries(void **state)
{
	struct fx *f = *state;
	struct ipcx_chan *a = start(f, "", two_writes_child);
	char buf[64];

	finish(); /* both writes are in before the first read */
	if (is_message(a)) {
		assert_int_equal(conf_recv(a, buf, sizeof(buf)), 2);
		assert_memory_equal(buf, "ab", 2);
		assert_int_equal(conf_recv(a, buf, sizeof(buf)), 2);
		assert_memory_equal(buf, "cd", 2);
	} else if (f->fix->coalesce) {
		assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 4);
		assert_memory_equal(buf, "abcd", 4);
	} else {
		assert_int_equal(conf_recv_exact(a, buf, 4), 4);
		assert_memory_equal(buf, "abcd", 4);
	}
}

#define BIG_MSG 100000

static void framed_child(struct ipcx_chan *b)
{
	static char big[BIG_MSG];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	conf_send_all(b, "a", 1);
	conf_send_all(b, "bb", 2);
	conf_send_all(b, "xyz", 3);
	conf_send_all(b, big, sizeof(big));
	CHILD_CHECK(ipcx_send(b, "", 0, NULL) == -EINVAL);
}

static void t_framing(void **state)
{
	struct fx *f = *state;
	struct ipcx_facility const *fac = ipcx_facility_find(f->fix->scheme);
	struct ipcx_meta m = {0};
	char buf[64];

	if (fac->semantics != IPCX_BYTE_STREAM)
		skip();
	struct ipcx_chan *a = start(f, "framing=length", framed_child);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 1);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 2);
	assert_memory_equal(buf, "bb", 2);
	/* Too small: an error, and the message is still there. */
	assert_int_equal(ipcx_recv(a, buf, 1, &m), -EMSGSIZE);
	assert_int_equal(m.size, 3);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "xyz", 3);
	char *big = malloc(BIG_MSG);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), &m), -EMSGSIZE);
	assert_int_equal(m.size, BIG_MSG);
	assert_int_equal(ipcx_recv(a, big, BIG_MSG, NULL), BIG_MSG);
	for (size_t i = 0; i < BIG_MSG; i++)
		if (big[i] != (char)(i * 7))
			fail_msg("byte %zu of the big message differs", i);
	free(big);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 0);
	finish();
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void fill(unsigned char *p, size_t n, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (unsigned char)(*seed >> 56);
	}
}

#define CHUNK 65536
#define NMSG 20000
#define MSGLEN 1000

static void large_child(struct ipcx_chan *b)
{
	static unsigned char buf[CHUNK];
	uint64_t seed = 42;

	if (is_message(b)) {
		for (uint32_t i = 0; i < NMSG; i++) {
			memset(buf, (int)(i & 0xff), MSGLEN);
			memcpy(buf, &i, sizeof(i));
			conf_send_all(b, buf, MSGLEN);
		}
		return;
	}
	for (size_t sent = 0; sent < g_run.f->fix->large;) {
		size_t n = g_run.f->fix->large - sent < CHUNK
				   ? g_run.f->fix->large - sent
				   : CHUNK;
		fill(buf, n, &seed);
		conf_send_all(b, buf, n);
		sent += n;
	}
}

static void t_large(void **state)
{
	struct fx *f = *state;
	static unsigned char buf[CHUNK], want[CHUNK];
	uint64_t h = 14695981039346656037ull, hw = h, seed = 42;
	size_t total = 0;

	if (f->fix->lossy)
		skip();
	struct ipcx_chan *a = start(f, "", large_child);
	if (is_message(a)) {
		for (uint32_t i = 0; i < NMSG; i++) {
			uint32_t seq;
			assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL),
					 MSGLEN);
			memcpy(&seq, buf, sizeof(seq));
			assert_int_equal(seq, i);
			assert_int_equal(buf[MSGLEN - 1], i & 0xff);
		}
		finish();
		return;
	}
	for (;;) {
		ssize_t n = ipcx_recv(a, buf, sizeof(buf), NULL);
		assert_true(n >= 0);
		if (n == 0)
			break;
		h = fnv(h, buf, (size_t)n);
		total += (size_t)n;
	}
	for (size_t done = 0; done < f->fix->large;) {
		size_t n = f->fix->large - done < CHUNK ? f->fix->large - done
							: CHUNK;
		fill(want, n, &seed);
		hw = fnv(hw, want, n);
		done += n;
	}
	assert_int_equal(total, f->fix->large);
	assert_true(h == hw);
	finish();
}

static void exit_child(struct ipcx_chan *b)
{
	(void)b;
}

static void t_peer_death(void **state)
{
	struct fx *f = *state;
	const struct ipcx_facility *fac = ipcx_facility_find(f->fix->scheme);
	char buf[16];
	ssize_t r = 0;

	if ((fac->caps & IPCX_CAP_CONNLESS) || f->fix->no_eof)
		skip();
	/* SIGPIPE at its default would kill us if the library let it. */
	signal(SIGPIPE, SIG_DFL);
	struct ipcx_chan *a = start(f, "timeout=5000", exit_child);
	finish();
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 0);
	if (f->fix->oneway)
		return;
	/* TCP may take one write before it learns of the reset. */
	for (int i = 0; i < 50; i++) {
		r = ipcx_send(a, "x", 1, NULL);
		if (r < 0)
			break;
		usleep(10000);
	}
	assert_int_equal(r, -EPIPE);
}

static void one_then_idle_child(struct ipcx_chan *b)
{
	conf_send_all(b, "x", 1);
	child_idle();
}

long long conf_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000LL +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void t_timeout(void **state)
{
	struct fx *f = *state;
	struct ipcx_chan *a = start(f, "timeout=150", one_then_idle_child);
	struct timespec t0;
	char buf[8];

	assert_int_equal(conf_recv_exact(a, buf, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(conf_recv(a, buf, sizeof(buf)), -ETIMEDOUT);
	long long ms = conf_ms_since(&t0);
	assert_true(ms >= 140);
	assert_true(ms < 5000);
	assert_non_null(strstr(ipcx_error_detail(), "timed out"));
	/* A send into a full channel waits as long, then says so (or
	 * reports the bytes that went before it stopped). */
	if (!f->fix->oneway && !f->fix->no_fill) {
		static char big[4096];
		ssize_t r = 0;
		for (int i = 0; i < 100000; i++) {
			r = ipcx_send(a, big, sizeof(big), NULL);
			if (r < (ssize_t)sizeof(big))
				break;
		}
		assert_true(r == -ETIMEDOUT || (r > 0 && r < 4096));
	}
	finish();
}

/* Polls C's descriptor for up to 5 s; false when it has none. */
static bool wait_readable(struct ipcx_chan *c)
{
	struct pollfd p = {.fd = ipcx_fd(c), .events = POLLIN};

	if (p.fd < 0)
		return false;
	assert_int_equal(poll(&p, 1, 5000), 1);
	return true;
}

/* Receives with RX, which does not wait, until something comes: waiting
 * for it by poll(), or where there is no descriptor, by retrying.  A
 * polled wake-up with nothing fails unless the facility has them. */
static ssize_t recv_soon(struct fx *f, struct ipcx_chan *a,
			 ssize_t (*rx)(struct ipcx_chan *, void *, size_t),
			 void *buf, size_t len)
{
	bool polled = wait_readable(a);
	ssize_t r;

	for (int i = 0; (r = rx(a, buf, len)) == -EAGAIN; i++) {
		assert_false(polled && !f->fix->wakes_empty);
		assert_true(i < 500);
		if (polled)
			wait_readable(a);
		else
			usleep(10000);
	}
	return r;
}

static void t_nonblock(void **state)
{
	struct fx *f = *state;
	struct ipcx_chan *a = start(f, "nonblock=1", one_then_idle_child);
	static char big[4096];
	ssize_t r;
	char buf[8];

	/* The child's byte, without blocking in the library. */
	assert_int_equal(recv_soon(f, a, conf_recv, buf, sizeof(buf)), 1);
	assert_int_equal(conf_recv(a, buf, sizeof(buf)), -EAGAIN);
	if (!f->fix->oneway && !f->fix->no_fill) {
		int i;
		for (i = 0; i < 100000; i++) {
			r = ipcx_send(a, big, sizeof(big), NULL);
			if (r == -EAGAIN)
				break;
			assert_true(r > 0);
		}
		assert_int_equal(r, -EAGAIN);
	}
	finish();
}

static ssize_t try_rx(struct ipcx_chan *c, void *buf, size_t len)
{
	return ipcx_try_recv(c, buf, len, NULL);
}

static void two_late_child(struct ipcx_chan *b)
{
	usleep(200000);
	conf_send_all(b, "x", 1);
	usleep(300000);
	conf_send_all(b, "y", 1);
	child_idle();
}

/* ipcx_try_recv() on a channel that waits: -EAGAIN at once when nothing
 * is there, the message when it is, and the channel still waits for the
 * next ipcx_recv(). */
static void t_try_recv(void **state)
{
	struct fx *f = *state;
	struct ipcx_chan *a = start(f, "", two_late_child);
	struct timespec t0;
	/* Room for any message (a POSIX queue wants its msgsize). */
	static char buf[1 << 20];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_try_recv(a, buf, sizeof(buf), NULL), -EAGAIN);
	assert_true(conf_ms_since(&t0) < 150);
	assert_true(ipcx_error_detail()[0] != '\0');
	assert_int_equal(recv_soon(f, a, try_rx, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'x');
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_try_recv(a, buf, sizeof(buf), NULL), -EAGAIN);
	/* The next receive waits, as the channel does. */
	assert_int_equal(conf_recv_exact(a, buf, 1), 1);
	assert_int_equal(buf[0], 'y');
	assert_true(conf_ms_since(&t0) >= 100);
	finish();
}

static void hundred_then_idle_child(struct ipcx_chan *b)
{
	char msg[100];

	for (int i = 0; i < 100; i++)
		msg[i] = (char)('a' + i % 26);
	conf_send_all(b, msg, sizeof(msg));
	child_idle();
}

static void t_small_buffer(void **state)
{
	struct fx *f = *state;
	struct ipcx_chan *a = start(f, "", hundred_then_idle_child);
	struct ipcx_meta m = {0};
	char buf[200];

	wait_readable(a);
	if (is_message(a)) {
		/* Too small: an error that says how much room it needs
		 * (exactly, or the queue's largest), and nothing is lost. */
		assert_int_equal(ipcx_recv(a, buf, 10, &m), -EMSGSIZE);
		assert_true(m.size >= 100);
		char *room = malloc(m.size);
		assert_int_equal(ipcx_recv(a, room, m.size, &m), 100);
		assert_int_equal(m.size, 100);
		memcpy(buf, room, 100);
		free(room);
	} else {
		assert_int_equal(ipcx_recv(a, buf, 10, NULL), 10);
		assert_int_equal(conf_recv_exact(a, buf + 10, 90), 90);
	}
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf[i], 'a' + i % 26);
	finish();
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void late_child(struct ipcx_chan *b)
{
	usleep(300000);
	conf_send_all(b, "late", 4);
	child_idle();
}

static void t_eintr(void **state)
{
	struct fx *f = *state;
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval it = {{0, 50000}, {0, 50000}}, off = {{0, 0}, {0, 0}};
	char buf[8];

	/* No SA_RESTART: every tick interrupts the blocking call. */
	sigemptyset(&sa.sa_mask);
	struct ipcx_chan *a = start(f, "", late_child);
	alarms = 0;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	ssize_t r = conf_recv_exact(a, buf, 4);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(r, 4);
	assert_memory_equal(buf, "late", 4);
	assert_true(alarms > 0);
	finish();
}

int conf_run(const struct fixture *fix, const struct CMUnitTest *extra,
	     size_t nextra)
{
	const struct CMUnitTest generic[] = {
		cmocka_unit_test_setup_teardown(t_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(t_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(t_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(t_large, setup, teardown),
		cmocka_unit_test_setup_teardown(t_peer_death, setup, teardown),
		cmocka_unit_test_setup_teardown(t_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(t_nonblock, setup, teardown),
		cmocka_unit_test_setup_teardown(t_try_recv, setup, teardown),
		cmocka_unit_test_setup_teardown(t_small_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_eintr, setup, teardown),
	};
	char name[64];
	int r;

	g_fix = fix;
	snprintf(name, sizeof(name), "conformance: %s", fix->scheme);
	r = _cmocka_run_group_tests(
		name, generic, sizeof(generic) / sizeof(*generic), NULL, NULL);
	if (extra && nextra) {
		snprintf(name, sizeof(name), "%s quirks", fix->scheme);
		r |= _cmocka_run_group_tests(name, extra, nextra, NULL, NULL);
	}
	return r;
}
