/* SPDX-License-Identifier: MIT */
/* stdio: the process's own standard input and output. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int stdio_parse(struct ipcx_addr *a)
{
	if (a->target[0])
		return ipcx__fail(EINVAL, "'%s': stdio takes no target",
				  a->text);
	return 0;
}

static int stdio_open(const struct ipcx_addr *a, unsigned flags,
		      struct ipcx_chan **out)
{
	unsigned dir = flags & (IPCX_SEND | IPCX_RECV);
	struct ipcx_chan *c = ipcx__chan_new(sizeof(*c), a, flags);
	int r;

	if (!c)
		return -ENOMEM;
	/* fds 0 and 1 are shared with the parent: never change their
	 * flags; waits go through poll() instead of O_NONBLOCK. */
	c->keep_fd_flags = true;
	c->rfd = (!dir || (dir & IPCX_RECV)) ? 0 : -1;
	c->wfd = (!dir || (dir & IPCX_SEND)) ? 1 : -1;
	r = ipcx__chan_ready(c);
	if (r < 0) {
		ipcx__chan_free(c);
		return r;
	}
	*out = c;
	return 0;
}

static int stdio_shutdown(struct ipcx_chan *c)
{
	int null;

	if (c->wfd < 0)
		return 0;
	/* Release the pipe behind fd 1 so its reader sees end of stream,
	 * without freeing fd 1 for the next open() to take. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 1) < 0) {
		int r = ipcx__fail(errno, "%s: /dev/null: %m", c->name);
		if (null >= 0)
			close(null);
		return r;
	}
	close(null);
	c->wfd = -1;
	return 0;
}

static int stdio_close(struct ipcx_chan *c)
{
	ipcx__chan_free(c);
	return 0;
}

static const struct ipcx__opt *const stdio_opts[] = {
	&ipcx__opt_framing,
	NULL,
};

static const struct ipcx__chan_ops stdio_chan = {
	.open = stdio_open,
	.send = ipcx__fd_send,
	.recv = ipcx__fd_recv,
	.shutdown = stdio_shutdown,
	.close = stdio_close,
};

const struct ipcx__facility ipcx__stdio_ops = {
	.info = {.scheme = "stdio",
		 .title = "standard input and output",
		 .name = "none",
		 .handle = "fd 0 and 1",
		 .standard = "POSIX",
		 .semantics = IPCX_BYTE_STREAM,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = stdio_opts,
	.parse = stdio_parse,
	.chan = &stdio_chan,
};
