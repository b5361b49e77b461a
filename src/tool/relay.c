/* SPDX-License-Identifier: MIT */
/* The relay engine: copy between two open channels, both ways, until both
 * end (ipcx relay, each connection of relay --fork and of ipcx serve). */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct side {
	const char *addr;
	struct ipcx_chan *c;
	bool reading; /* still copying from this side (under lock) */
	bool zero_eof;
	bool threaded;	    /* no descriptor to poll: a thread receives */
	unsigned char *buf; /* what was received from this side */
	size_t cap;
	int status; /* a thread's exit status */
	/* Both sides are one facility: a message keeps its System V type,
	 * POSIX priority or ZeroMQ frames across (set once, before the
	 * copying starts). */
	bool same_kind;
};

struct relay {
	struct side s[2];
	long long linger_ms; /* -1: none */
	long long deadline;  /* -1: none (under lock) */
	pthread_mutex_t lock;
	int wake[2];		  /* a thread that stops writes a byte here */
	const char *dead_letter;  /* --dead-letter FILE, or NULL */
	_Atomic bool undelivered; /* a message could not be delivered */
};

/* Messages taken from a ready side without polling again. */
#define DRAIN 256

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Source X has ended: half-close the other side's input. */
static void ended(struct relay *r, int x)
{
	struct side *to = &r->s[!x];
	int e;

	pthread_mutex_lock(&r->lock);
	r->s[x].reading = false;
	if (r->linger_ms >= 0 && to->reading)
		r->deadline = now_ms() + r->linger_ms;
	pthread_mutex_unlock(&r->lock);
	e = ipcx_shutdown(to->c);
	if (e < 0 && e != -EOPNOTSUPP)
		tool_err("ipcx: %s\n", ipcx_error_detail());
}

static bool reading(struct relay *r, int x)
{
	pthread_mutex_lock(&r->lock);
	bool b = r->s[x].reading;
	pthread_mutex_unlock(&r->lock);
	return b;
}

/* Puts a message back at the end of ADDR's queue; false when it cannot
 * at once (the queue is full, or gone). */
static bool put_back(const char *addr, const unsigned char *buf, size_t n,
		     const struct ipcx_meta *m)
{
	struct ipcx_chan *c;
	struct ipcx_addr *a;

	if (ipcx_addr_parse(addr, NULL, &a) < 0)
		return false;
	bool queue = ipcx_addr_facility(a)->caps & IPCX_CAP_QUEUE;
	int e = queue ? ipcx_open_addr(a, IPCX_SEND | IPCX_NONBLOCK, &c) : -1;
	ipcx_addr_free(a);
	if (e < 0)
		return false;
	ssize_t w = ipcx_send(c, buf, n, m);
	ipcx_close(c);
	return w == (ssize_t)n;
}

/* Appends a message to FILE (JSON line); never through a symlink. */
static bool dead_letter(const char *file, const unsigned char *buf, size_t n,
			const struct ipcx_meta *m)
{
	int fd = open(file,
		      O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		      0600);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;

	if (!f) {
		tool_err("ipcx: --dead-letter %s: %s\n", file,
			 errno == ELOOP ? "is a symbolic link; not following it"
					: strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	tool_json_message(f, buf, n, m);
	return fclose(f) == 0;
}

/*
 * A message from side X (N bytes at BUF, metadata M) that the other
 * side did not take (WHY says how): back to its queue, else to the
 * dead-letter file, else to stderr.  Never dropped; relay exits 1.
 */
static void undeliverable(struct relay *r, int x, const unsigned char *buf,
			  size_t n, const struct ipcx_meta *m, const char *why)
{
	const char *addr = r->s[x].addr;

	r->undelivered = true;
	tool_err("ipcx: %s\n", why);
	if (put_back(addr, buf, n, m)) {
		tool_err("ipcx: %s: the message (%zu bytes) was put back, at "
			 "the end of the queue\n",
			 addr, n);
		return;
	}
	if (r->dead_letter && dead_letter(r->dead_letter, buf, n, m)) {
		tool_err("ipcx: the undelivered message (%zu bytes) is in %s\n",
			 n, r->dead_letter);
		return;
	}
	tool_err("ipcx: the undelivered message: ");
	tool_json_message(stderr, buf, n, m);
}

/*
 * Copies one receive from side X to the other (without waiting for it
 * with NOWAIT); an exit status.  *MORE: a message went, and this
 * direction goes on.
 */
static int copy(struct relay *r, int x, bool nowait, bool *more)
{
	struct side *from = &r->s[x], *to = &r->s[!x];
	/* The library clears what it reports into (and a message's worth
	 * of zeroes per message would cost more than a small message). */
	struct ipcx_meta m;
	ssize_t n, w;
	char why[512];

	*more = false;
	m.struct_size = sizeof(m);
	m.want = 0;
	n = tool_recv(from->c, from->addr, nowait, &from->buf, &from->cap, &m);
	/* Nothing there now (NOWAIT: a polled side that woke with nothing
	 * after all, as ZeroMQ's descriptor may, or another reader of a
	 * queue took it), or nothing more: wait again. */
	if (n == -EAGAIN && nowait)
		return EXIT_OK;
	if (n == -EACCES) {
		tool_err("ipcx: %s\n", ipcx_error_detail());
		return EXIT_OK;
	}
	if (n < 0)
		return tool_fail((int)n, from->addr);
	if (n == 0 && from->zero_eof) {
		ended(r, x);
		return EXIT_OK;
	}
	/* Between two of one facility, what the message carries besides
	 * its bytes goes along (never a datagram's sender: replies go to
	 * the connected peer). */
	struct ipcx_meta keep, *kept = NULL;
	if (from->same_kind) {
		keep = (struct ipcx_meta)IPCX_META_INIT;
		keep.valid = m.valid & (IPCX_META_TYPE | IPCX_META_PRIO);
		keep.type = m.type;
		keep.prio = m.prio;
		kept = &keep;
	}
	/* A stop signal interrupts a send that waits (the message then
	 * goes back, below); any other signal does not. */
	while ((w = ipcx_send(to->c, from->buf, (size_t)n, kept)) == -EINTR &&
	       !tool_stop)
		;
	if (w == n) {
		tool_progress_add(1, (unsigned long long)n);
		*more = true;
		return EXIT_OK;
	}
	if (w >= 0)
		snprintf(why, sizeof(why),
			 "%s: only %zd of %zd bytes were taken", to->addr, w,
			 n);
	else if (w == -EINTR)
		snprintf(why, sizeof(why),
			 "%s: stopped by a signal while waiting to deliver",
			 to->addr);
	else
		snprintf(why, sizeof(why), "%s", ipcx_error_detail());
	if (w < 0)
		w = 0;
	undeliverable(r, x, from->buf + w, (size_t)(n - w), &m, why);
	/* This direction is over (the other may go on). */
	ended(r, x);
	return EXIT_OK;
}

/*
 * A source with no descriptor (a System V queue) cannot be polled: a
 * thread waits in its blocking receive instead, and tells the main loop
 * through a pipe when it stops.  Each direction has its own buffer.
 */
struct pump {
	struct relay *r;
	int x;
	_Atomic bool done;
};

static void *pump(void *arg)
{
	struct pump *p = arg;
	struct side *s = &p->r->s[p->x];
	bool more;

	while (s->status == EXIT_OK && reading(p->r, p->x) && !tool_stop)
		s->status = copy(p->r, p->x, false, &more);
	if (write(p->r->wake[1], "x", 1) < 0)
		s->status = EXIT_FAIL;
	p->done = true;
	return NULL;
}

/* --linger ran out: a command still running on either side is told to
 * stop, so that closing (which waits for it) does not hang. */
static void stop_children(struct relay *r)
{
	struct ipcx_chan_info info = {0};

	for (int i = 0; i < 2; i++)
		if (reading(r, i) && ipcx_chan_get(r->s[i].c, &info) == 0 &&
		    info.child > 0)
			kill(info.child, SIGTERM);
}

/* Waits for and copies from the polled sides until both ends stop. */
static int relay_loop(struct relay *r)
{
	int st = EXIT_OK;

	while (st == EXIT_OK && (reading(r, 0) || reading(r, 1)) &&
	       !tool_stop) {
		struct pollfd p[3] = {{.fd = r->wake[0], .events = POLLIN}};
		int idx[3] = {-1}, n = 1, ms = -1;
		for (int i = 0; i < 2; i++)
			if (!r->s[i].threaded && reading(r, i)) {
				p[n] = (struct pollfd){.fd = ipcx_fd(r->s[i].c),
						       .events = POLLIN};
				idx[n++] = i;
			}
		pthread_mutex_lock(&r->lock);
		long long deadline = r->deadline;
		pthread_mutex_unlock(&r->lock);
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				stop_children(r);
				break;
			}
			ms = (int)left;
		}
		int k = poll(p, (nfds_t)n, ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			perror("ipcx: poll");
			return EXIT_FAIL;
		}
		if (p[0].revents) {
			char ch;
			if (read(r->wake[0], &ch, 1) < 0)
				return EXIT_FAIL;
			for (int i = 0; i < 2; i++)
				if (r->s[i].threaded &&
				    r->s[i].status != EXIT_OK)
					return r->s[i].status;
		}
		/* A side that polled readable is emptied of what is there
		 * now, without a poll(2) per message (up to DRAIN: then
		 * the other direction has its turn); never waiting, so
		 * that a wake-up with nothing after all does not hold the
		 * other direction up. */
		for (int j = 1; j < n && st == EXIT_OK; j++) {
			bool more = p[j].revents != 0;
			for (int k = 0;
			     more && st == EXIT_OK && k < DRAIN && !tool_stop;
			     k++)
				st = copy(r, idx[j], true, &more);
		}
	}
	return st;
}

int tool_relay(struct ipcx_chan *c[2], const char *addr[2],
	       const struct tool_relay_opts *o)
{
	struct relay r = {.linger_ms = o->linger_ms,
			  .deadline = -1,
			  .wake = {-1, -1},
			  .dead_letter = o->dead_letter};
	struct pump pumps[2];
	pthread_t tid[2];
	bool started[2] = {false, false};
	int st = EXIT_OK;

	pthread_mutex_init(&r.lock, NULL);
	for (int i = 0; i < 2; i++) {
		struct side *s = &r.s[i];
		s->addr = addr[i];
		s->c = c[i];
	}
	if (pipe(r.wake) < 0) {
		perror("ipcx: pipe");
		st = EXIT_FAIL;
		goto out;
	}
	struct ipcx_chan_info ci[2] = {{0}, {0}};
	bool same = ipcx_chan_get(c[0], &ci[0]) == 0 &&
		    ipcx_chan_get(c[1], &ci[1]) == 0 &&
		    ci[0].facility == ci[1].facility;
	for (int i = 0; i < 2; i++) {
		struct side *s = &r.s[i];
		s->same_kind = same;
		s->reading = !o->oneway || i == 0;
		s->zero_eof = tool_zero_is_eof(s->c);
		s->threaded = ipcx_fd(s->c) < 0; /* nothing to poll */
		s->cap = 65536;
		s->buf = malloc(s->cap);
		if (!s->buf) {
			st = EXIT_FAIL;
			goto out;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (!r.s[i].threaded || !r.s[i].reading)
			continue;
		pumps[i] = (struct pump){.r = &r, .x = i, .done = false};
		if (pthread_create(&tid[i], NULL, pump, &pumps[i]) != 0) {
			tool_err("ipcx: cannot start a thread\n");
			st = EXIT_FAIL;
			goto out;
		}
		started[i] = true;
	}
	st = relay_loop(&r);
	/* A stop signal: a thread blocked in a receive is interrupted (the
	 * process's timer may wake another thread) until it has finished
	 * the message it holds. */
	for (int i = 0; i < 2; i++)
		while (tool_stop && started[i] && !pumps[i].done) {
			pthread_kill(tid[i], SIGALRM);
			poll(NULL, 0, 10);
		}
	for (int i = 0; i < 2; i++)
		if (started[i] && pumps[i].done) {
			pthread_join(tid[i], NULL);
			started[i] = false;
		}
	/* A thread that has stopped is joined; one still blocked in a
	 * receive (--linger ran out) ends with the process. */
	for (int i = 0; i < 2; i++)
		if (started[i] && !reading(&r, i)) {
			pthread_join(tid[i], NULL);
			started[i] = false;
		}
out:
	for (int i = 0; i < 2; i++) {
		if (r.s[i].c && !started[i] && !started[!i])
			tool_close(r.s[i].c);
		free(started[i] ? NULL : r.s[i].buf);
	}
	if (r.wake[0] >= 0) {
		close(r.wake[0]);
		close(r.wake[1]);
	}
	return st == EXIT_OK && r.undelivered ? EXIT_FAIL : st;
}
