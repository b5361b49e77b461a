/* SPDX-License-Identifier: MIT */
/*
 * The channel object and descriptor I/O: what every channel facility
 * builds on (allocation, nonblock/timeout, framing= and SIGPIPE), and the
 * read(2)/write(2) operations of the descriptor facilities, with the one
 * fast path for a blocking, unframed descriptor.
 */
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

static const char *const framing_names[] = {"none", "length", NULL};

const struct ipcx__opt ipcx__opt_framing = {
	.pub = {"framing", "none or length", "none",
		"length: each message is a 4-byte little-endian length and "
		"its bytes, so boundaries hold on a byte stream"},
	.kind = IPCX__OPT_ENUM,
	.roles = IPCX__ROLE_CHAN,
	.names = framing_names,
};

void *ipcx__chan_new_named(size_t size, const struct ipcx__facility *ops,
			   const char *name, unsigned flags)
{
	struct ipcx_chan *c = calloc(1, size);

	if (!c)
		return NULL;
	c->ops = ops;
	c->io = ops->chan;
	c->rfd = c->wfd = -1;
	c->flags = flags;
	c->timeout_ms = -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

void *ipcx__chan_new(size_t size, const struct ipcx_addr *a, unsigned flags)
{
	struct ipcx_chan *c =
		ipcx__chan_new_named(size, a->ops, a->text, flags);

	if (!c)
		return NULL;
	if (a->timeout != IPCX__UNSET)
		c->timeout_ms = a->timeout;
	c->framed = ipcx__opt(a, &ipcx__opt_framing) == 1;
	return c;
}

void ipcx__chan_free(struct ipcx_chan *c)
{
	if (!c)
		return;
	free(c->rx.body);
	free(c);
}

int ipcx__chan_ready(struct ipcx_chan *c)
{
	struct sigaction sa;

	if (((c->flags & IPCX_NONBLOCK) || c->timeout_ms >= 0) &&
	    !c->keep_fd_flags) {
		int fds[2] = {c->rfd, c->wfd};
		for (int i = 0; i < 2; i++) {
			if (fds[i] < 0 || (i == 1 && fds[1] == fds[0]))
				continue;
			int r = ipcx__set_nonblock(fds[i], true);
			if (r < 0)
				return ipcx__fail(-r,
						  "%s: cannot make it "
						  "non-blocking: %s",
						  c->name, ipcx_strerror(r));
		}
		c->own_nonblock = true;
	}
	/*
	 * Writing to a pipe whose reader is gone raises SIGPIPE, which kills
	 * a process that left it at SIG_DFL.  When the caller ignores or
	 * handles it, a plain write() is safe and costs one syscall; else
	 * each write blocks SIGPIPE around itself (guarded_writev()).
	 */
	c->sigpipe_safe =
		sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL;
	/* Blocking, unframed, SIGPIPE-safe: the descriptor operations try
	 * the plain system call first. */
	c->plain_io = c->sigpipe_safe && !c->own_nonblock &&
		      !(c->flags & IPCX_NONBLOCK) && c->timeout_ms < 0 &&
		      !c->framed;
	return 0;
}

int64_t ipcx__deadline(const struct ipcx_chan *c)
{
	return c->timeout_ms < 0 ? -1 : ipcx__now_ms() + c->timeout_ms;
}

int ipcx__io_fail(const struct ipcx_chan *c, int err, bool write,
		  const char *op)
{
	if (write && (err == EPIPE || err == ECONNRESET))
		return ipcx__fail(EPIPE, "%s: peer closed the channel",
				  c->name);
	if (err == ECONNRESET)
		return ipcx__fail(ECONNRESET, "%s: connection reset by peer",
				  c->name);
	return ipcx__fail(err, "%s: %s: %s", c->name, op, ipcx_strerror(err));
}

int ipcx__wait_fd(const struct ipcx_chan *c, int fd, short events,
		  int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	if (ipcx__nowait(c))
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
		if (r < 0 && (r = ipcx__eintr(c)) < 0)
			return r;
		if (r == 0) {
			if (ipcx__nowait(c))
				return ipcx__fail(
					EAGAIN, "%s: nothing ready (nonblock)",
					c->name);
			return ipcx__fail(ETIMEDOUT,
					  "%s: timed out after %d ms", c->name,
					  c->timeout_ms);
		}
	}
}

int ipcx__eintr(const struct ipcx_chan *c)
{
	if (!(c->flags & IPCX_INTR))
		return 0;
	return ipcx__fail(EINTR, "%s: interrupted by a signal", c->name);
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
	if (poll(NULL, 0, ms) < 0 && errno == EINTR)
		return ipcx__eintr(c);
	return 0;
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
		if (errno == EINTR) {
			/* Only before the first byte: a message that has
			 * started is finished. */
			int e = done ? 0 : ipcx__eintr(c);
			if (e < 0)
				return e;
			continue;
		}
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
		if (done)
			return (ssize_t)done;
		return ipcx__io_fail(c, errno, true, sock ? "send" : "write");
	}
	return (ssize_t)done;
timeout:
	if (done)
		return (ssize_t)done;
	return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms writing",
			  c->name, c->timeout_ms);
}

__attribute__((noinline, cold)) ssize_t ipcx__write_rest(
	struct ipcx_chan *c, const struct iovec *iov, ssize_t w, bool sock)
{
	if (w > 0) {
		/* A partial write: the general path does the rest. */
		struct iovec rest = {(char *)iov[0].iov_base + w,
				     iov[0].iov_len - (size_t)w};
		ssize_t r = ipcx__write_stream(c, &rest, 1, sock);
		return r < 0 ? w : w + r;
	}
	if (errno == EINTR) {
		int e = ipcx__eintr(c);
		if (e < 0)
			return e;
	}
	if (errno == EINTR || errno == EAGAIN || c->wfd < 0)
		return ipcx__write_stream(c, iov, 1, sock);
	return ipcx__io_fail(c, errno, true, sock ? "send" : "write");
}

ssize_t ipcx__fd_send(struct ipcx_chan *c, const struct iovec *iov, int n,
		      const struct ipcx_meta *m)
{
	(void)m;
	/* The common case in one call: one buffer, a blocking descriptor,
	 * written whole. */
	if (__builtin_expect(n == 1 && c->plain_io && iov[0].iov_len, 1)) {
		ssize_t w = write(c->wfd, iov[0].iov_base, iov[0].iov_len);
		if (__builtin_expect(w == (ssize_t)iov[0].iov_len, 1))
			return w;
		return ipcx__write_rest(c, iov, w, false);
	}
	return ipcx__write_stream(c, iov, n, false);
}

ssize_t ipcx__fd_recv(struct ipcx_chan *c, void *buf, size_t len,
		      struct ipcx_meta *m)
{
	int64_t deadline = -2;

	(void)m;
	if (__builtin_expect(c->plain_io && !ipcx__dontwait, 1)) {
		/* Blocking: the read waits; only what it says needs more. */
		ssize_t r = read(c->rfd, buf, len);
		if (r >= 0)
			return r;
		if (errno == EINTR && (r = ipcx__eintr(c)) < 0)
			return r;
		if (errno != EINTR && errno != EAGAIN)
			return c->rfd < 0
				       ? ipcx__fail(EBADF,
						    "%s: opened for "
						    "sending only",
						    c->name)
				       : ipcx__io_fail(c, errno, false, "read");
	}
	if (c->rfd < 0)
		return ipcx__fail(EBADF, "%s: opened for sending only",
				  c->name);
	for (;;) {
		if (!c->own_nonblock &&
		    (ipcx__nowait(c) || c->timeout_ms >= 0)) {
			if (deadline == -2)
				deadline = ipcx__deadline(c);
			int r = ipcx__wait_fd(c, c->rfd, POLLIN, deadline);
			if (r < 0)
				return r;
		}
		ssize_t r = read(c->rfd, buf, len);
		if (r >= 0)
			return r;
		if (errno == EINTR) {
			int e = ipcx__eintr(c);
			if (e < 0)
				return e;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (deadline == -2)
				deadline = ipcx__deadline(c);
			int w = ipcx__wait_fd(c, c->rfd, POLLIN, deadline);
			if (w < 0)
				return w;
			continue;
		}
		return ipcx__io_fail(c, errno, false, "read");
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
