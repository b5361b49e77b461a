/* SPDX-License-Identifier: MIT */
/* Byte-stream I/O on descriptors: waiting, deadlines, EINTR and SIGPIPE. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t ipcx__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ipcx__deadline(const struct ipcx_chan *c)
{
	return c->timeout_ms < 0 ? -1 : ipcx__now_ms() + c->timeout_ms;
}

struct timespec ipcx__deadline_ts(clockid_t clock, int ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int ipcx__wait_fd(const struct ipcx_chan *c, int fd, short events,
		  int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	if (c->flags & IPCX_NONBLOCK)
		deadline = 0; /* poll once, never sleep */
	for (;;) {
		int ms = -1;
		if (deadline >= 0) {
			int64_t left =
				deadline == 0 ? 0 : deadline - ipcx__now_ms();
			ms = left < 0		 ? 0
			     : left > 1000000000 ? 1000000000
						 : (int)left;
		}
		int r = poll(&p, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return ipcx__fail(errno, "%s: poll: %m", c->name);
		if (r == 0) {
			if (c->flags & IPCX_NONBLOCK)
				return ipcx__fail(
					EAGAIN, "%s: nothing ready (nonblock)",
					c->name);
			return ipcx__fail(ETIMEDOUT,
					  "%s: timed out after %d ms", c->name,
					  c->timeout_ms);
		}
	}
}

int ipcx__backoff(const struct ipcx_chan *c, int64_t deadline, int *step)
{
	int64_t now = ipcx__now_ms();
	int ms = *step ? *step : 1;

	if (deadline >= 0 && now >= deadline)
		return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms",
				  c->name, c->timeout_ms);
	if (deadline >= 0 && deadline - now < ms)
		ms = (int)(deadline - now);
	*step = *step >= 5 ? 10 : (*step ? *step * 2 : 2);
	poll(NULL, 0, ms);
	return 0;
}

int ipcx__set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	if (!!(fl & O_NONBLOCK) == on)
		return 0;
	if (fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

long long ipcx__read_proc(const char *path, int field)
{
	char buf[256];
	FILE *f = fopen(path, "re");
	long long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = buf, *end;
		for (int i = 0; i <= field; i++) {
			long long n = strtoll(p, &end, 10);
			if (end == p) {
				v = -1;
				break;
			}
			v = n;
			p = end;
		}
	}
	fclose(f);
	return v;
}

/*
 * write(2) that cannot raise a fatal SIGPIPE: SIGPIPE for a write is sent
 * to the writing thread, so blocking it here, and taking it back with
 * sigtimedwait() if our write raised it, leaves the process untouched.
 * Where the thread already blocked SIGPIPE, the signal stays pending as
 * a plain write would leave it; where it did not, none can be pending
 * (at SIG_DFL it would have ended the process), so no sigpending().
 */
static ssize_t guarded_writev(int fd, const struct iovec *iov, int n)
{
	sigset_t set, old;
	const struct timespec zero = {0, 0};
	ssize_t r;
	int e;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r = writev(fd, iov, n);
	e = errno;
	if (r < 0 && e == EPIPE && !sigismember(&old, SIGPIPE))
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

static ssize_t write_once(struct ipcx_chan *c, const struct iovec *iov, int n,
			  bool sock)
{
	if (sock) {
		/* send() spares the kernel copying a msghdr in: measurably
		 * cheaper than sendmsg() for one buffer. */
		if (n == 1)
			return send(c->wfd, iov[0].iov_base, iov[0].iov_len,
				    MSG_NOSIGNAL);
		struct msghdr mh = {.msg_iov = (struct iovec *)iov,
				    .msg_iovlen = (size_t)n};
		return sendmsg(c->wfd, &mh, MSG_NOSIGNAL);
	}
	if (c->sigpipe_safe)
		return n == 1 ? write(c->wfd, iov[0].iov_base, iov[0].iov_len)
			      : writev(c->wfd, iov, n);
	return guarded_writev(c->wfd, iov, n);
}

ssize_t ipcx__write_stream(struct ipcx_chan *c, const struct iovec *iov, int n,
			   bool sock)
{
	struct iovec cur[4];
	size_t total = 0, done = 0;
	int64_t deadline = -2; /* computed on the first wait only */
	int k = 0;

	if (c->wfd < 0)
		return ipcx__fail(EBADF, "%s: opened for receiving only",
				  c->name);
	/* The common case in one call: one buffer, a blocking descriptor,
	 * written whole. */
	if (n == 1 && !sock && c->sigpipe_safe && !c->own_nonblock &&
	    !(c->flags & IPCX_NONBLOCK) && c->timeout_ms < 0 &&
	    iov[0].iov_len) {
		ssize_t w = write(c->wfd, iov[0].iov_base, iov[0].iov_len);
		if (w == (ssize_t)iov[0].iov_len)
			return w;
		if (w > 0) {
			/* A partial write: the general path does the rest. */
			struct iovec rest = {(char *)iov[0].iov_base + w,
					     iov[0].iov_len - (size_t)w};
			ssize_t r = ipcx__write_stream(c, &rest, 1, sock);
			return r < 0 ? w : w + r;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return ipcx__fail(EPIPE, "%s: peer closed the channel",
					  c->name);
		if (errno != EINTR && errno != EAGAIN)
			return ipcx__fail(errno, "%s: write: %m", c->name);
		/* Interrupted or full: the general path waits. */
	}
	if (n > (int)IPCX__ARRAY_SIZE(cur))
		return -EINVAL;
	memcpy(cur, iov, sizeof(*iov) * (size_t)n);
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	while (done < total || total == 0) {
		if (!c->own_nonblock &&
		    ((c->flags & IPCX_NONBLOCK) || c->timeout_ms >= 0)) {
			/* Descriptors we share (stdio) stay blocking. */
			if (deadline == -2)
				deadline = ipcx__deadline(c);
			int r = ipcx__wait_fd(c, c->wfd, POLLOUT, deadline);
			if (r < 0)
				return done ? (ssize_t)done : r;
		}
		ssize_t w = write_once(c, cur + k, n - k, sock);
		if (w >= 0) {
			done += (size_t)w;
			if (total == 0)
				break;
			while (k < n && (size_t)w >= cur[k].iov_len)
				w -= (ssize_t)cur[k++].iov_len;
			if (k < n) {
				cur[k].iov_base = (char *)cur[k].iov_base + w;
				cur[k].iov_len -= (size_t)w;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* A framed message that has started must finish, or
			 * the reader loses its place in the stream. */
			bool finish = c->framed && done > 0;
			if ((c->flags & IPCX_NONBLOCK) && !finish) {
				if (done)
					return (ssize_t)done;
				return ipcx__fail(EAGAIN,
						  "%s: no room to write "
						  "(nonblock)",
						  c->name);
			}
			if (deadline == -2)
				deadline = ipcx__deadline(c);
			struct pollfd p = {.fd = c->wfd, .events = POLLOUT};
			int ms = deadline < 0
					 ? -1
					 : (int)(deadline - ipcx__now_ms());
			if (deadline >= 0 && ms <= 0)
				goto timeout;
			int r = poll(&p, 1, ms);
			if (r == 0)
				goto timeout;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET) {
			if (done)
				return (ssize_t)done;
			return ipcx__fail(EPIPE, "%s: peer closed the channel",
					  c->name);
		}
		if (done)
			return (ssize_t)done;
		return ipcx__fail(errno, "%s: write: %m", c->name);
	}
	return (ssize_t)done;
timeout:
	if (done)
		return (ssize_t)done;
	return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms writing",
			  c->name, c->timeout_ms);
}

ssize_t ipcx__fd_send(struct ipcx_chan *c, const struct iovec *iov, int n,
		      const struct ipcx_meta *m)
{
	(void)m;
	return ipcx__write_stream(c, iov, n, false);
}

ssize_t ipcx__fd_recv(struct ipcx_chan *c, void *buf, size_t len,
		      struct ipcx_meta *m)
{
	int64_t deadline = -2;

	(void)m;
	if (c->rfd < 0)
		return ipcx__fail(EBADF, "%s: opened for sending only",
				  c->name);
	for (;;) {
		if (!c->own_nonblock &&
		    ((c->flags & IPCX_NONBLOCK) || c->timeout_ms >= 0)) {
			if (deadline == -2)
				deadline = ipcx__deadline(c);
			int r = ipcx__wait_fd(c, c->rfd, POLLIN, deadline);
			if (r < 0)
				return r;
		}
		ssize_t r = read(c->rfd, buf, len);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (deadline == -2)
				deadline = ipcx__deadline(c);
			int w = ipcx__wait_fd(c, c->rfd, POLLIN, deadline);
			if (w < 0)
				return w;
			continue;
		}
		return ipcx__fail(errno, "%s: read: %m", c->name);
	}
}

int ipcx__fd_shutdown(struct ipcx_chan *c)
{
	if (c->wfd < 0)
		return 0;
	if (c->wfd != c->rfd && close(c->wfd) < 0 && errno != EINTR) {
		c->wfd = -1;
		return ipcx__fail(errno, "%s: close: %m", c->name);
	}
	c->wfd = -1;
	return 0;
}

int ipcx__fd_close(struct ipcx_chan *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	if (c->wfd >= 0 && c->wfd != c->rfd)
		close(c->wfd);
	ipcx__chan_free(c);
	return 0;
}
