/* SPDX-License-Identifier: MIT */
/* The channel core: dispatch to the facility table, framing, and checks. */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *ipcx__chan_new_named(size_t size, const struct ipcx_facility_ops *ops,
			   const char *name, unsigned flags)
{
	struct ipcx_chan *c = calloc(1, size);

	if (!c)
		return NULL;
	c->ops = ops;
	c->rfd = c->wfd = -1;
	c->flags = flags;
	c->timeout_ms = -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

void *ipcx__chan_new(size_t size, const struct ipcx_facility_ops *ops,
		     const struct ipcx__addr *a, unsigned flags)
{
	struct ipcx_chan *c = ipcx__chan_new_named(size, ops, a->text, flags);

	if (!c)
		return NULL;
	if (a->opt.timeout != IPCX__UNSET)
		c->timeout_ms = a->opt.timeout;
	c->framed = a->opt.framing == 1;
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
	 * each write blocks SIGPIPE around itself (see fdio.c).
	 */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
		c->sigpipe_safe = true;
	/* A blocking descriptor channel that adds nothing to read(2) and
	 * write(2) (the generic descriptor operations, no framing, no
	 * timeout, SIGPIPE safe): ipcx_send()/ipcx_recv() try the system
	 * call first and only fall back to the operations when it does not
	 * simply succeed. */
	c->plain_io = c->ops->send == ipcx__fd_send &&
		      c->ops->recv == ipcx__fd_recv && c->sigpipe_safe &&
		      !c->own_nonblock && !(c->flags & IPCX_NONBLOCK) &&
		      c->timeout_ms < 0 && !c->framed;
	return 0;
}

int ipcx_open_with(const char *addr, const char *defaults, unsigned flags,
		   struct ipcx_chan **out)
{
	struct ipcx__addr a;
	struct ipcx_chan *c = NULL;
	int r;

	if (!out)
		return ipcx__fail(EINVAL, "ipcx_open: no place for the result");
	r = ipcx__addr_parse(addr, defaults, false, &a);
	if (r < 0)
		return r;
	if (!a.ops->open)
		r = ipcx__fail(EOPNOTSUPP,
			       "%s: this facility has no name to open: use "
			       "ipcx_pair()",
			       addr);
	else
		r = a.ops->open(&a, ipcx__addr_flags(&a, flags), &c);
	ipcx__addr_release(&a);
	if (r < 0)
		return r;
	*out = c;
	return 0;
}

int ipcx_open(const char *addr, unsigned flags, struct ipcx_chan **out)
{
	return ipcx_open_with(addr, NULL, flags, out);
}

static int pair_apply(struct ipcx_chan *c, const struct ipcx__addr *a)
{
	if (a->opt.timeout != IPCX__UNSET)
		c->timeout_ms = a->opt.timeout;
	c->framed = a->opt.framing == 1;
	if (a->opt.nonblock == 1)
		c->flags |= IPCX_NONBLOCK;
	return ipcx__chan_ready(c);
}

int ipcx_pair(const char *scheme, struct ipcx_chan **a, struct ipcx_chan **b)
{
	struct ipcx_chan *x, *y;
	struct ipcx__addr ad;
	int r;

	if (!a || !b)
		return ipcx__fail(EINVAL, "ipcx_pair: no place for the result");
	r = ipcx__addr_parse(scheme, NULL, true, &ad);
	if (r < 0)
		return r;
	if (!ad.ops->pair) {
		r = ipcx__fail(EOPNOTSUPP, "%s: no pairs: open it by address",
			       scheme);
		goto out;
	}
	r = ad.ops->pair(&x, &y);
	if (r < 0)
		goto out;
	if ((r = pair_apply(x, &ad)) < 0 || (r = pair_apply(y, &ad)) < 0) {
		x->ops->close(x);
		y->ops->close(y);
		goto out;
	}
	*a = x;
	*b = y;
out:
	ipcx__addr_release(&ad);
	return r;
}

int ipcx_accept(struct ipcx_chan *l, struct ipcx_chan **out)
{
	if (!l || !out)
		return ipcx__fail(EINVAL, "ipcx_accept: NULL argument");
	if (!l->listening || !l->ops->accept)
		return ipcx__fail(EINVAL, "%s: not a listening channel",
				  l->name);
	return l->ops->accept(l, out);
}

static int unsupported(const struct ipcx_chan *c, const char *what)
{
	return ipcx__fail(EOPNOTSUPP, "%s: %s cannot %s", c->name,
			  c->ops->info.scheme, what);
}

ssize_t ipcx_send(struct ipcx_chan *c, const void *buf, size_t len,
		  const struct ipcx_meta *meta)
{
	struct iovec iov[2];
	uint8_t hdr[4];
	ssize_t r;

	/* plain_io: not listening, not framed, a descriptor to write(). */
	if (__builtin_expect(c && c->plain_io && buf && len, 1)) {
		ssize_t w = write(c->wfd, buf, len);
		if (w == (ssize_t)len)
			return w;
		if (w > 0) {
			iov[1].iov_base = (char *)buf + w;
			iov[1].iov_len = len - (size_t)w;
			ssize_t r = c->ops->send(c, &iov[1], 1, meta);
			return r < 0 ? w : w + r;
		}
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return ipcx__fail(EPIPE, "%s: peer closed the channel",
					  c->name);
		if (w < 0 && errno != EINTR)
			return ipcx__fail(errno, "%s: write: %s", c->name,
					  ipcx_strerror(errno));
		/* Interrupted: the operation writes again. */
		return c->ops->send(c, &(struct iovec){(void *)buf, len}, 1,
				    meta);
	}
	if (!c || (!buf && len))
		return ipcx__fail(EINVAL, "ipcx_send: NULL argument");
	if (c->listening)
		return ipcx__fail(EINVAL,
				  "%s: listening: accept a connection first",
				  c->name);
	if (!c->ops->send)
		return unsupported(c, "send");
	iov[1].iov_base = (void *)buf;
	iov[1].iov_len = len;
	if (!c->framed)
		return c->ops->send(c, &iov[1], 1, meta);
	if (c->broken)
		return ipcx__fail(EPIPE,
				  "%s: an earlier send stopped in the middle "
				  "of a message; the stream is out of step",
				  c->name);
	if (len == 0)
		return ipcx__fail(EINVAL,
				  "%s: an empty framed message would read as "
				  "end of stream",
				  c->name);
	if (len > UINT32_MAX)
		return ipcx__fail(EMSGSIZE,
				  "%s: %zu bytes do not fit framing=length's "
				  "32-bit length",
				  c->name, len);
	for (int i = 0; i < 4; i++)
		hdr[i] = (uint8_t)(len >> (8 * i));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	r = c->ops->send(c, iov, 2, meta);
	if (r < 0)
		return r;
	if ((size_t)r != len + sizeof(hdr)) {
		/* The stream writer finishes a started message unless its
		 * deadline ran out; then the peer would misread the rest. */
		c->broken = true;
		return ipcx__fail(ETIMEDOUT,
				  "%s: timed out after %zd of %zu bytes of a "
				  "framed message; the stream is now broken",
				  c->name, r, len + sizeof(hdr));
	}
	return (ssize_t)len;
}

/* framing=length: a 4-byte little-endian length, then the payload. */
static ssize_t framed_recv(struct ipcx_chan *c, uint8_t *buf, size_t len,
			   struct ipcx_meta *meta)
{
	struct ipcx__frame *f = &c->rx;
	ssize_t r;

	while (f->hdr_got < sizeof(f->hdr)) {
		r = c->ops->recv(c, f->hdr + f->hdr_got,
				 sizeof(f->hdr) - f->hdr_got, NULL);
		if (r < 0)
			return r;
		if (r == 0) {
			if (f->hdr_got == 0)
				return 0;
			return ipcx__fail(EPROTO,
					  "%s: stream ended inside a message "
					  "header",
					  c->name);
		}
		f->hdr_got += (uint8_t)r;
		if (f->hdr_got == sizeof(f->hdr))
			f->body_len = (uint32_t)f->hdr[0] |
				      (uint32_t)f->hdr[1] << 8 |
				      (uint32_t)f->hdr[2] << 16 |
				      (uint32_t)f->hdr[3] << 24;
	}
	if (meta)
		meta->size = f->body_len;
	if (f->body_len > len)
		return ipcx__fail(EMSGSIZE,
				  "%s: message of %u bytes does not fit a "
				  "buffer of %zu",
				  c->name, f->body_len, len);
	if (f->body_got)
		memcpy(buf, f->body, f->body_got);
	while (f->body_got < f->body_len) {
		r = c->ops->recv(c, buf + f->body_got,
				 f->body_len - f->body_got, NULL);
		if (r == 0)
			r = ipcx__fail(EPROTO,
				       "%s: stream ended inside a message of "
				       "%u bytes, after %u",
				       c->name, f->body_len, f->body_got);
		if (r < 0) {
			/* Keep what arrived so that the next call resumes. */
			if (!f->body) {
				f->body = malloc(f->body_len);
				if (!f->body)
					return -ENOMEM;
			}
			memcpy(f->body, buf, f->body_got);
			return r;
		}
		f->body_got += (uint32_t)r;
	}
	r = (ssize_t)f->body_len;
	free(f->body);
	memset(f, 0, sizeof(*f));
	return r;
}

ssize_t ipcx_recv(struct ipcx_chan *c, void *buf, size_t len,
		  struct ipcx_meta *meta)
{
	if (__builtin_expect(c && c->plain_io && buf && len && !meta, 1)) {
		ssize_t r = read(c->rfd, buf, len);
		if (r > 0)
			return r;
		/* End of stream, or an error: the operation reads again
		 * and says it in its words. */
		return c->ops->recv(c, buf, len, meta);
	}
	if (!c || (!buf && len))
		return ipcx__fail(EINVAL, "ipcx_recv: NULL argument");
	if (c->listening)
		return ipcx__fail(EINVAL,
				  "%s: listening: accept a connection first",
				  c->name);
	if (!c->ops->recv)
		return unsupported(c, "receive");
	if (meta) {
		meta->valid = 0;
		meta->peer[0] = '\0';
	}
	if (c->framed)
		return framed_recv(c, buf, len, meta);
	return c->ops->recv(c, buf, len, meta);
}

int ipcx_shutdown(struct ipcx_chan *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_shutdown: NULL channel");
	if (!c->ops->shutdown)
		return unsupported(c, "half-close");
	return c->ops->shutdown(c);
}

int ipcx_reserve(struct ipcx_chan *c, size_t len, void **ptr)
{
	if (!c || !ptr)
		return ipcx__fail(EINVAL, "ipcx_reserve: NULL argument");
	if (!c->ops->reserve)
		return unsupported(c, "reserve (zero-copy is for rings)");
	return c->ops->reserve(c, len, ptr);
}

int ipcx_commit(struct ipcx_chan *c, size_t len)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_commit: NULL channel");
	if (!c->ops->commit)
		return unsupported(c, "commit (zero-copy is for rings)");
	return c->ops->commit(c, len);
}

int ipcx_peek(struct ipcx_chan *c, const void **ptr, size_t *len)
{
	if (!c || !ptr || !len)
		return ipcx__fail(EINVAL, "ipcx_peek: NULL argument");
	if (!c->ops->peek)
		return unsupported(c, "peek (zero-copy is for rings)");
	return c->ops->peek(c, ptr, len);
}

int ipcx_release(struct ipcx_chan *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_release: NULL channel");
	if (!c->ops->release)
		return unsupported(c, "release (zero-copy is for rings)");
	return c->ops->release(c);
}

int ipcx_fd(const struct ipcx_chan *c)
{
	if (!c)
		return -1;
	if (c->ops->fd) {
		/* Made on first use (a ring's notification socket): the
		 * channel is ours, only the pointer is const. */
		int fd = c->ops->fd((struct ipcx_chan *)c);
		return fd < 0 ? -1 : fd;
	}
	return c->rfd >= 0 ? c->rfd : c->wfd;
}

int ipcx_chan_get(const struct ipcx_chan *c, struct ipcx_chan_info *out)
{
	struct ipcx_chan_info i = {
		.id = -1,
		.peer_pid = -1,
		.peer_uid = (uid_t)-1,
		.child = -1,
		.capacity = -1,
		.msgsize = -1,
		.queued = -1,
	};

	if (!c || !out)
		return ipcx__fail(EINVAL, "ipcx_chan_get: NULL argument");
	i.facility = &c->ops->info;
	i.listening = c->listening;
	i.framed = c->framed;
	i.semantics = c->framed ? IPCX_MESSAGE : c->ops->info.semantics;
	i.eof_is_zero = c->framed || !(c->ops->info.caps & IPCX_CAP_CONNLESS);
	if (c->ops->get) {
		int r = c->ops->get(c, &i);
		if (r < 0)
			return r;
	}
	*out = i;
	return 0;
}

int ipcx_close(struct ipcx_chan *c)
{
	if (!c)
		return 0;
	return c->ops->close(c);
}

int ipcx_unlink(const char *addr)
{
	struct ipcx__addr a;
	int r = ipcx__addr_parse(addr, NULL, false, &a);

	if (r < 0)
		return r;
	if (!a.ops->unlink)
		r = ipcx__fail(EOPNOTSUPP, "%s: %s has nothing to remove", addr,
			       a.ops->info.scheme);
	else
		r = a.ops->unlink(&a);
	ipcx__addr_release(&a);
	return r;
}

int ipcx_chan_unlink(const struct ipcx_chan *c)
{
	if (!c || !c->ops->unlink_self)
		return 0;
	return c->ops->unlink_self(c);
}
