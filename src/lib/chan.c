/* SPDX-License-Identifier: MIT */
/* The channel API: dispatch to the facility's channel role, framing. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int ipcx_open_addr(const struct ipcx_addr *a, unsigned flags,
		   struct ipcx_chan **out)
{
	struct ipcx_chan *c = NULL;
	int r;

	if (!a || !out)
		return ipcx__fail(EINVAL, "ipcx_open: NULL argument");
	if (!a->ops->chan)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: %s is not a channel ('ipcx info' says "
				  "what it is)",
				  a->text, a->ops->info.scheme);
	if (!a->ops->chan->open)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: this facility has no name to open: use "
				  "ipcx_pair()",
				  a->text);
	if ((r = ipcx__addr_role(a, IPCX__ROLE_CHAN, "a channel")) < 0)
		return r;
	flags = ipcx__addr_flags(a, flags);
	if ((flags & IPCX_LISTEN) &&
	    !(a->ops->info.caps & (IPCX_CAP_LISTEN | IPCX_CAP_BIND)))
		return ipcx__fail(EOPNOTSUPP,
				  "%s: %s cannot listen (a %s has no "
				  "connections to accept): open it without "
				  "IPCX_LISTEN",
				  a->text, a->ops->info.scheme,
				  a->ops->info.title);
	if ((r = a->ops->chan->open(a, flags, &c)) < 0)
		return r;
	*out = c;
	return 0;
}

/* What kind of file ST is, for a message. */
static const char *file_kind(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: return "regular file";
	case S_IFDIR: return "directory";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFSOCK: return "socket of a kind ipcx has no facility for";
	default: return "file of another kind";
	}
}

int ipcx__adopt(int fd, unsigned flags, const char *name,
		struct ipcx_chan **out)
{
	const struct ipcx__facility *f;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return ipcx__fail(errno, "%s: %s", name,
				  errno == EBADF ? "no such open descriptor"
						 : strerror(errno));
	for (size_t i = 0; (f = ipcx__facility_nth(i)); i++) {
		if (!f->chan || !f->chan->adopt)
			continue;
		int r = f->chan->adopt(f, fd, &st, flags, name, out);
		if (r != -EPROTOTYPE)
			return r;
	}
	return ipcx__fail(EINVAL,
			  "%s: a %s: ipcx wraps UNIX, TCP and UDP sockets, "
			  "pipes and FIFOs",
			  name, file_kind(&st));
}

int ipcx_open_fd(int fd, unsigned flags, struct ipcx_chan **out)
{
	char name[32];
	struct ipcx_chan *c;
	int r;

	if (!out || fd < 0)
		return ipcx__fail(EINVAL, "ipcx_open_fd: %s",
				  out ? "a negative descriptor" : "NULL out");
	snprintf(name, sizeof(name), "fd:%d", fd);
	if ((r = ipcx__adopt(fd, flags, name, &c)) < 0)
		return r;
	if ((r = ipcx__chan_ready(c)) < 0) {
		/* The descriptor stays the caller's. */
		c->rfd = c->wfd = -1;
		ipcx_close(c);
		return r;
	}
	*out = c;
	return 0;
}

int ipcx_open_with(const char *addr, const char *defaults, unsigned flags,
		   struct ipcx_chan **out)
{
	IPCX__WITH_ADDR(addr, defaults, ipcx_open_addr(&a, flags, out));
}

int ipcx_open(const char *addr, unsigned flags, struct ipcx_chan **out)
{
	return ipcx_open_with(addr, NULL, flags, out);
}

static int pair_apply(struct ipcx_chan *c, const struct ipcx_addr *a)
{
	if (a->timeout != IPCX__UNSET)
		c->timeout_ms = a->timeout;
	c->framed = ipcx__opt(a, &ipcx__opt_framing) == 1;
	if (a->nonblock == 1)
		c->flags |= IPCX_NONBLOCK;
	if (a->intr == 1)
		c->flags |= IPCX_INTR;
	return ipcx__chan_ready(c);
}

int ipcx_pair(const char *scheme, struct ipcx_chan **a, struct ipcx_chan **b)
{
	struct ipcx_chan *x, *y;
	struct ipcx_addr ad;
	int r;

	if (!a || !b)
		return ipcx__fail(EINVAL, "ipcx_pair: no place for the result");
	r = ipcx__addr_parse(scheme, NULL, true, &ad);
	if (r < 0)
		return r;
	if (!ad.ops->chan || !ad.ops->chan->pair) {
		r = ipcx__fail(EOPNOTSUPP, "%s: no pairs: open it by address",
			       scheme);
		goto out;
	}
	r = ad.ops->chan->pair(&ad, &x, &y);
	if (r < 0)
		goto out;
	if ((r = pair_apply(x, &ad)) < 0 || (r = pair_apply(y, &ad)) < 0) {
		x->io->close(x);
		y->io->close(y);
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
	if (!l->listening || !l->io->accept)
		return ipcx__fail(EINVAL, "%s: not a listening channel",
				  l->name);
	return l->io->accept(l, out);
}

static int unsupported(const struct ipcx_chan *c, const char *what)
{
	return ipcx__fail(EOPNOTSUPP, "%s: %s cannot %s", c->name,
			  c->ops->info.scheme, what);
}

/* framing=length: a 4-byte little-endian length, then the payload. */
static __attribute__((noinline)) ssize_t framed_send(
	struct ipcx_chan *c, const void *buf, size_t len,
	const struct ipcx_meta *meta)
{
	uint8_t hdr[4];
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)buf, len}};
	ssize_t r;

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
	r = c->io->send(c, iov, 2, meta);
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

int ipcx__struct_size(size_t given, size_t v1, size_t now, const char *what,
		      size_t *out)
{
	if (given == 0) {
		*out = v1;
		return 0;
	}
	if (given < v1 || given > now)
		return ipcx__fail(EINVAL,
				  "%s: struct_size %zu is neither 0 nor a "
				  "size this library knows (%zu to %zu): "
				  "zero-initialise it, or use the _INIT macro",
				  what, given, v1, now);
	*out = given;
	return 0;
}

static int not_ready(const struct ipcx_chan *c, const void *buf, size_t len,
		     const char *what, bool can)
{
	if (!c || (!buf && len))
		return ipcx__fail(EINVAL, "%s: NULL argument", what);
	if (c->listening)
		return ipcx__fail(EINVAL,
				  "%s: listening: accept a connection first",
				  c->name);
	if (!can)
		return unsupported(c, what + 5);
	return 0;
}

/* Everything but the common case: checks, metadata, framing. */
static __attribute__((noinline)) ssize_t send_slow(struct ipcx_chan *c,
						   const void *buf, size_t len,
						   const struct ipcx_meta *meta)
{
	size_t n;
	int r;

	if ((r = not_ready(c, buf, len, "ipcx_send", c && c->io->send)) < 0 ||
	    (meta &&
	     (r = ipcx__struct_size(meta->struct_size, IPCX__META_V1,
				    sizeof(*meta), "ipcx_meta", &n)) < 0))
		return r;
	if (c->framed)
		return framed_send(c, buf, len, meta);
	return c->io->send(c, &(struct iovec){(void *)buf, len}, 1, meta);
}

/* The common case first and alone: one dispatch, no saved registers. */
ssize_t ipcx_send(struct ipcx_chan *c, const void *buf, size_t len,
		  const struct ipcx_meta *meta)
{
	if (__builtin_expect(c && buf && c->io->send && !c->listening &&
				     !c->framed && !meta,
			     1))
		return c->io->send(c, &(struct iovec){(void *)buf, len}, 1,
				   NULL);
	return send_slow(c, buf, len, meta);
}

/* framing=length: a 4-byte little-endian length, then the payload. */
static __attribute__((noinline)) ssize_t framed_recv(struct ipcx_chan *c,
						     uint8_t *buf, size_t len,
						     struct ipcx_meta *meta)
{
	struct ipcx__frame *f = &c->rx;
	ssize_t r;

	if (c->rx_broken)
		return ipcx__fail(EPROTO,
				  "%s: an earlier receive lost part of a "
				  "message; the stream is out of step",
				  c->name);
	while (f->hdr_got < sizeof(f->hdr)) {
		r = c->io->recv(c, f->hdr + f->hdr_got,
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
		r = c->io->recv(c, buf + f->body_got, f->body_len - f->body_got,
				NULL);
		if (r == 0)
			r = ipcx__fail(EPROTO,
				       "%s: stream ended inside a message of "
				       "%u bytes, after %u",
				       c->name, f->body_len, f->body_got);
		if (r < 0) {
			/* Keep what arrived so that the next call resumes. */
			if (!f->body && f->body_got &&
			    !(f->body = malloc(f->body_len))) {
				/* What arrived is lost: say so from now on
				 * rather than misread the stream. */
				c->rx_broken = true;
				return ipcx__fail(ENOMEM,
						  "%s: out of memory keeping "
						  "%u bytes of a message; the "
						  "stream is now broken",
						  c->name, f->body_got);
			}
			if (f->body_got)
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

/* Every output the caller's struct has room for starts cleared (the
 * sender's address an empty string: its bytes after the first are not
 * written on every message); nothing past its struct_size is touched. */
static __attribute__((noinline)) int meta_clear(struct ipcx_meta *meta)
{
	size_t n = IPCX__META_V1, peer = offsetof(struct ipcx_meta, peer);
	int r = ipcx__struct_size(meta->struct_size, IPCX__META_V1,
				  sizeof(*meta), "ipcx_meta", &n);

	if (r < 0)
		return r;
	memset((char *)meta + offsetof(struct ipcx_meta, valid), 0,
	       peer - offsetof(struct ipcx_meta, valid));
	meta->peer[0] = '\0';
	if (n > IPCX__META_V1) /* fields of a later version */
		memset((char *)meta + IPCX__META_V1, 0, n - IPCX__META_V1);
	return 0;
}

static __attribute__((noinline)) ssize_t recv_slow(struct ipcx_chan *c,
						   void *buf, size_t len,
						   struct ipcx_meta *meta)
{
	int r;

	if ((r = not_ready(c, buf, len, "ipcx_recv", c && c->io->recv)) < 0 ||
	    (meta && (r = meta_clear(meta)) < 0))
		return r;
	if (c->framed)
		return framed_recv(c, buf, len, meta);
	return c->io->recv(c, buf, len, meta);
}

ssize_t ipcx_recv(struct ipcx_chan *c, void *buf, size_t len,
		  struct ipcx_meta *meta)
{
	if (__builtin_expect(c && buf && c->io->recv && !c->listening &&
				     !c->framed && !meta,
			     1))
		return c->io->recv(c, buf, len, NULL);
	return recv_slow(c, buf, len, meta);
}

/* Initial-exec: one load on the receive paths, no call to find it. */
_Thread_local bool ipcx__dontwait __attribute__((tls_model("initial-exec")));

ssize_t ipcx_try_recv(struct ipcx_chan *c, void *buf, size_t len,
		      struct ipcx_meta *meta)
{
	bool was = ipcx__dontwait;

	ipcx__dontwait = true;
	ssize_t r = ipcx_recv(c, buf, len, meta);
	ipcx__dontwait = was;
	return r;
}

int ipcx_shutdown(struct ipcx_chan *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_shutdown: NULL channel");
	if (!c->io->shutdown)
		return unsupported(c, "half-close");
	return c->io->shutdown(c);
}

/* The zero-copy calls (rings): checked arguments (OK), then the
 * operation, which other channels do not have. */
#define ZERO_COPY(name, c, ok, op, ...)                                     \
	(!(ok)		? ipcx__fail(EINVAL, name ": NULL argument")        \
	 : !(c)->io->op ? unsupported((c), #op " (zero-copy is for rings)") \
			: (c)->io->op((c), __VA_ARGS__))

int ipcx_reserve(struct ipcx_chan *c, size_t len, void **ptr)
{
	return ZERO_COPY("ipcx_reserve", c, c && ptr, reserve, len, ptr);
}

int ipcx_commit(struct ipcx_chan *c, size_t len)
{
	return ZERO_COPY("ipcx_commit", c, c, commit, len);
}

int ipcx_peek(struct ipcx_chan *c, const void **ptr, size_t *len)
{
	return ZERO_COPY("ipcx_peek", c, c && ptr && len, peek, ptr, len);
}

int ipcx_cancel(struct ipcx_chan *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_cancel: NULL argument");
	return !c->io->cancel
		       ? unsupported(c, "cancel (zero-copy is for rings)")
		       : c->io->cancel(c);
}

int ipcx_release(struct ipcx_chan *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_release: NULL argument");
	return !c->io->release
		       ? unsupported(c, "release (zero-copy is for rings)")
		       : c->io->release(c);
}

int ipcx_fd(const struct ipcx_chan *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_fd: NULL channel");
	/* Made on first use (a ring's notification socket): the channel is
	 * ours, only the pointer is const. */
	if (c->io->fd)
		return c->io->fd((struct ipcx_chan *)c);
	if (c->rfd >= 0 || c->wfd >= 0)
		return c->rfd >= 0 ? c->rfd : c->wfd;
	return ipcx__fail(EOPNOTSUPP,
			  "%s: nothing to poll (%s waits by itself: use a "
			  "timeout or a thread)",
			  c->name, c->ops->info.scheme);
}

int ipcx_chan_get(const struct ipcx_chan *c, struct ipcx_chan_info *out)
{
	size_t n;
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
	int r = ipcx__struct_size(out->struct_size, IPCX__CHAN_INFO_V1,
				  sizeof(*out), "ipcx_chan_info", &n);
	if (r < 0)
		return r;
	i.facility = &c->ops->info;
	i.listening = c->listening;
	i.framed = c->framed;
	i.semantics = c->framed ? IPCX_MESSAGE : c->ops->info.semantics;
	i.eof_is_zero = c->framed || !(c->ops->info.caps & IPCX_CAP_CONNLESS);
	if (c->io->get && (r = c->io->get(c, &i)) < 0)
		return r;
	i.struct_size = out->struct_size;
	memcpy(out, &i, n);
	return 0;
}

int ipcx_close(struct ipcx_chan *c)
{
	if (!c)
		return 0;
	return c->io->close(c);
}

int ipcx_unlink_addr(const struct ipcx_addr *a)
{
	if (!a)
		return ipcx__fail(EINVAL, "ipcx_unlink: NULL address");
	if (!a->ops->unlink)
		return ipcx__fail(EOPNOTSUPP, "%s: %s has nothing to remove",
				  a->text, a->ops->info.scheme);
	return a->ops->unlink(a);
}

int ipcx_unlink(const char *addr)
{
	IPCX__WITH_ADDR(addr, NULL, ipcx_unlink_addr(&a));
}

int ipcx_chan_unlink(const struct ipcx_chan *c)
{
	if (!c || !c->io->unlink_self)
		return 0;
	return c->io->unlink_self(c);
}
