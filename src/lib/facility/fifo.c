/* SPDX-License-Identifier: MIT */
/* FIFOs: named pipes, one direction each, found by pathname. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static int fifo_parse(struct ipcx_addr *a)
{
	return ipcx__check_path(a);
}

/* Opens PATH for one direction, waiting for the other side as the
 * address says: forever, up to timeout=, or not at all (nonblock=1). */
static int fifo_open_fd(struct ipcx_chan *c, const char *path, bool reader,
			bool nofollow)
{
	int of = (reader ? O_RDONLY : O_WRONLY) | O_CLOEXEC |
		 (nofollow ? O_NOFOLLOW : 0);
	bool wait_less = (c->flags & IPCX_NONBLOCK) || c->timeout_ms >= 0;
	int64_t deadline = ipcx__deadline(c);
	int fd;

	if (!wait_less) {
		while ((fd = open(path, of)) < 0 && errno == EINTR)
			if ((fd = ipcx__eintr(c)) < 0)
				return fd;
		return fd < 0 ? ipcx__fail(errno, "%s: open: %m", c->name) : fd;
	}
	for (;;) {
		fd = open(path, of | O_NONBLOCK);
		if (fd >= 0)
			break;
		if (errno == EINTR && (fd = ipcx__eintr(c)) < 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno != ENXIO)
			return ipcx__fail(errno, "%s: open: %m", c->name);
		/* A writer without a reader: nothing to poll, so retry. */
		if (c->flags & IPCX_NONBLOCK)
			return ipcx__fail(ENXIO,
					  "%s: no process has the FIFO open "
					  "for reading",
					  c->name);
		if (ipcx__now_ms() >= deadline)
			return ipcx__fail(ETIMEDOUT,
					  "%s: no reader opened the FIFO "
					  "within %d ms",
					  c->name, c->timeout_ms);
		if (poll(NULL, 0, 10) < 0 && errno == EINTR &&
		    (fd = ipcx__eintr(c)) < 0)
			return fd;
	}
	if (reader && !(c->flags & IPCX_NONBLOCK)) {
		/* Until a writer appears, read() says end of stream; Linux's
		 * poll() waits for a writer's data (or its close) instead. */
		int r = ipcx__wait_fd(c, fd, POLLIN, deadline);
		if (r < 0) {
			close(fd);
			if (r == -ETIMEDOUT)
				return ipcx__fail(ETIMEDOUT,
						  "%s: nothing written to the "
						  "FIFO within %d ms",
						  c->name, c->timeout_ms);
			return r;
		}
	}
	return fd;
}

static int fifo_open(const struct ipcx_addr *a, unsigned flags,
		     struct ipcx_chan **out)
{
	unsigned dir = flags & (IPCX_SEND | IPCX_RECV);
	const char *path = a->target;
	bool created = false;
	dev_t made_dev = 0;
	ino_t made_ino = 0;
	int hold = -1; /* a read end kept while a receiver opens its own */
	struct stat st, fst;
	struct ipcx_chan *c;
	int fd, r;

	if (dir == 0 || dir == (IPCX_SEND | IPCX_RECV))
		return ipcx__fail(EINVAL,
				  "%s: a FIFO carries one direction: open it "
				  "for sending or for receiving",
				  a->text);
	if (flags & IPCX_CREATE) {
		mode_t mode = ipcx__addr_mode(a);
		/* mkfifo() never follows a symlink: it fails with EEXIST. */
		if (mkfifo(path, (mode_t)mode) == 0) {
			/* The umask may have narrowed it; mode= is exact.
			 * Set on the FIFO itself, through a descriptor: the
			 * path may have been swapped for a symlink since. */
			int mfd = open(path, O_RDONLY | O_NONBLOCK |
						     O_NOFOLLOW | O_CLOEXEC);
			if (mfd < 0 && errno != ELOOP && errno != ENOENT) {
				/* Out of descriptors, say: the FIFO just
				 * made goes (if the path still names a FIFO
				 * of ours). */
				r = ipcx__fail(errno, "%s: open: %m", a->text);
				if (lstat(path, &st) == 0 &&
				    S_ISFIFO(st.st_mode) &&
				    st.st_uid == geteuid())
					unlink(path);
				return r;
			}
			if (mfd < 0 || fstat(mfd, &st) < 0 ||
			    !S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
				if (mfd >= 0)
					close(mfd);
				return ipcx__fail(EAGAIN,
						  "%s: replaced while being "
						  "created",
						  a->text);
			}
			created = true;
			made_dev = st.st_dev;
			made_ino = st.st_ino;
			r = fchmod(mfd, (mode_t)mode) < 0 ? -errno : 0;
			/* A receiver keeps this read end until its own is
			 * open: a writer that comes in between finds a
			 * reader, not EPIPE.  (A sender must not: its open
			 * waits for a real reader.) */
			if (dir == IPCX_RECV)
				hold = mfd;
			else
				close(mfd);
			if (r < 0) {
				r = ipcx__fail(-r, "%s: fchmod: %s", a->text,
					       ipcx_strerror(r));
				goto fail;
			}
		} else if (errno != EEXIST) {
			return ipcx__fail(errno, "%s: mkfifo: %m", a->text);
		} else if (flags & IPCX_EXCL) {
			return ipcx__fail_open(a->text, EEXIST, "FIFO", "");
		}
	}
	/* Never through a symlink unless follow=1 (never where it may
	 * create). */
	bool follow = !(flags & IPCX_CREATE) && !ipcx__nofollow(a);
	if (!follow && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return ipcx__fail_link(a);
	if (stat(path, &st) < 0) {
		r = ipcx__fail_open(a->text, errno, "FIFO", "stat");
		goto fail;
	}
	if (created && (st.st_dev != made_dev || st.st_ino != made_ino)) {
		r = ipcx__fail(EAGAIN, "%s: replaced while being opened",
			       a->text);
		goto fail;
	}
	if (!S_ISFIFO(st.st_mode)) {
		r = ipcx__fail(EINVAL, "%s: exists and is not a FIFO", a->text);
		goto fail;
	}
	c = ipcx__chan_new(sizeof(*c), a, flags);
	if (!c) {
		r = -ENOMEM;
		goto fail;
	}
	fd = fifo_open_fd(c, path, dir == IPCX_RECV, !follow);
	if (fd < 0) {
		r = fd;
		ipcx__chan_free(c);
		goto fail;
	}
	/* The path may have been swapped between stat() and open(). */
	if (fstat(fd, &fst) < 0 || fst.st_dev != st.st_dev ||
	    fst.st_ino != st.st_ino) {
		close(fd);
		ipcx__chan_free(c);
		r = ipcx__fail(EAGAIN, "%s: replaced while being opened",
			       a->text);
		goto fail;
	}
	if (dir == IPCX_RECV)
		c->rfd = fd;
	else
		c->wfd = fd;
	if (hold >= 0) {
		close(hold);
		hold = -1;
	}
	/* fifo_open_fd() may have left O_NONBLOCK on; chan_ready decides. */
	ipcx__set_nonblock(fd, false);
	r = ipcx__chan_ready(c);
	if (r < 0) {
		ipcx__fd_close(c);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (hold >= 0)
		close(hold);
	/* Only the FIFO this call made, not what replaced it since. */
	if (created && lstat(path, &st) == 0 && st.st_dev == made_dev &&
	    st.st_ino == made_ino)
		unlink(path);
	return r;
}

static int fifo_unlink(const struct ipcx_addr *a)
{
	struct stat st;

	if (lstat(a->target, &st) < 0)
		return ipcx__fail(errno, "%s: %m", a->text);
	if (!S_ISFIFO(st.st_mode))
		return ipcx__fail(EINVAL, "%s: not a FIFO; not removing it",
				  a->text);
	if (unlink(a->target) < 0)
		return ipcx__fail(errno, "%s: unlink: %m", a->text);
	return 0;
}

static int fifo_limits(struct ipcx_limit *out, size_t max)
{
	return (int)ipcx__limits_pipe(out, max);
}

/* ---- listing -------------------------------------------------------------
 *
 * A FIFO is a file anyone may leave behind: the ones listed are those a
 * process holds open (its descriptors say which).  Looked up by address,
 * the path itself is checked: a FIFO nobody holds is reported too.  A
 * FIFO holds no data once nobody has it open, so none is ever stale.
 */

static int fifo_emit(struct ipcx__lister *l, const char *path, dev_t dev,
		     ino_t ino)
{
	struct ipcx_object o;
	struct stat st;
	int e;

	ipcx__object_init(&o, l->ops);
	if (ipcx__addr_format(o.address, sizeof(o.address), "fifo", path) >=
	    (int)sizeof(o.address))
		return 0;
	o.id = (long long)ino;
	if (lstat(path, &st) == 0 && st.st_ino == ino && st.st_dev == dev) {
		ipcx__object_stat(&o, &st);
		o.size = -1; /* a FIFO's bytes are in the pipe, not counted */
	} else {
		snprintf(o.detail, sizeof(o.detail),
			 "its name was removed or replaced");
	}
	if ((e = ipcx__holders(l, dev, ino, &o)) < 0)
		return e;
	return ipcx__emit(l, &o);
}

static int fifo_list(struct ipcx__lister *l)
{
	struct stat st;

	if (!l->only)
		return ipcx__held_fifos(l, fifo_emit);
	if (lstat(l->only->target, &st) < 0)
		return ipcx__fail(errno, "%s: %m", l->only->text);
	if (!S_ISFIFO(st.st_mode))
		return ipcx__fail(EINVAL, "%s: %s is not a FIFO", l->only->text,
				  l->only->target);
	return fifo_emit(l, l->only->target, st.st_dev, st.st_ino);
}

static const struct ipcx__opt *const fifo_opts[] = {
	&ipcx__opt_framing,
	&ipcx__opt_follow,
	NULL,
};

static const struct ipcx__chan_ops fifo_chan = {
	.open = fifo_open,
	.send = ipcx__fd_send,
	.recv = ipcx__fd_recv,
	.shutdown = ipcx__fd_shutdown,
	.close = ipcx__fd_close,
};

const struct ipcx__facility ipcx__fifo_ops = {
	.info = {.scheme = "fifo",
		 .title = "FIFO",
		 .name = "pathname",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_BYTE_STREAM,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_ONEWAY | IPCX_CAP_NAMED |
			 IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_ALL,
	.opts = fifo_opts,
	.parse = fifo_parse,
	.unlink = fifo_unlink,
	.limits = fifo_limits,
	.list = fifo_list,
	.chan = &fifo_chan,
};
