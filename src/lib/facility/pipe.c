/* SPDX-License-Identifier: MIT */
/* Pipes: unnamed byte streams between related processes. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int pipe_pair(const struct ipcx_addr *pa, struct ipcx_chan **a,
		     struct ipcx_chan **b)
{
	const struct ipcx__facility *f = pa->ops;
	struct ipcx_chan *x, *y;
	int ab[2], ba[2];

	/* A pipe carries one direction: a pair is two, one each way. */
	if (pipe2(ab, O_CLOEXEC) < 0)
		return ipcx__fail(errno, "pipe: pipe2: %m");
	if (pipe2(ba, O_CLOEXEC) < 0) {
		int r = ipcx__fail(errno, "pipe: pipe2: %m");
		close(ab[0]);
		close(ab[1]);
		return r;
	}
	x = ipcx__chan_new_named(sizeof(*x), f, "pipe:", 0);
	y = ipcx__chan_new_named(sizeof(*y), f, "pipe:", 0);
	if (!x || !y) {
		ipcx__chan_free(x);
		ipcx__chan_free(y);
		close(ab[0]);
		close(ab[1]);
		close(ba[0]);
		close(ba[1]);
		return -ENOMEM;
	}
	x->wfd = ab[1];
	y->rfd = ab[0];
	y->wfd = ba[1];
	x->rfd = ba[0];
	*a = x;
	*b = y;
	return 0;
}

/* A pipe or FIFO descriptor: the direction it was opened for. */
static int pipe_adopt(const struct ipcx__facility *f, int fd,
		      const struct stat *st, unsigned flags, const char *name,
		      struct ipcx_chan **out)
{
	int mode = fcntl(fd, F_GETFL);
	struct ipcx_chan *c;

	if (!S_ISFIFO(st->st_mode) || mode < 0)
		return -EPROTOTYPE;
	if (!(c = ipcx__chan_new_named(sizeof(*c), f, name,
				       flags & ~IPCX_LISTEN)))
		return -ENOMEM;
	mode &= O_ACCMODE;
	c->rfd = mode != O_WRONLY ? fd : -1;
	c->wfd = mode != O_RDONLY ? fd : -1;
	*out = c;
	return 0;
}

static int pipe_limits(struct ipcx_limit *out, size_t max)
{
	return (int)ipcx__limits_pipe(out, max);
}

static const struct ipcx__opt *const pipe_opts[] = {
	&ipcx__opt_framing,
	NULL,
};

static const struct ipcx__chan_ops pipe_chan = {
	.pair = pipe_pair,
	.send = ipcx__fd_send,
	.recv = ipcx__fd_recv,
	.shutdown = ipcx__fd_shutdown,
	.close = ipcx__fd_close,
	.adopt = pipe_adopt,
};

const struct ipcx__facility ipcx__pipe_ops = {
	.info = {.scheme = "pipe",
		 .title = "pipe",
		 .name = "none (related processes)",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_BYTE_STREAM,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_PAIR | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = pipe_opts,
	.limits = pipe_limits,
	.chan = &pipe_chan,
};
