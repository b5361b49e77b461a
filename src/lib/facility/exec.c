/* SPDX-License-Identifier: MIT */
/* exec:CMD: a child's stdin and stdout, over two pipes. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

struct exec {
	struct ipcx_chan c;
	pid_t pid;
};

static int exec_parse(struct ipcx_addr *a)
{
	if (!a->target[0])
		return ipcx__fail(EINVAL, "'%s' names no command", a->text);
	return 0;
}

static int exec_open(const struct ipcx_addr *a, unsigned flags,
		     struct ipcx_chan **out)
{
	unsigned dir = flags & (IPCX_SEND | IPCX_RECV);
	int in[2] = {-1, -1}, outp[2] = {-1, -1}, r;
	struct exec *e;

	/* Like popen(): a direction not asked for stays the tool's own. */
	if (!dir)
		dir = IPCX_SEND | IPCX_RECV;
	if (((dir & IPCX_SEND) && pipe2(in, O_CLOEXEC) < 0) ||
	    ((dir & IPCX_RECV) && pipe2(outp, O_CLOEXEC) < 0)) {
		r = ipcx__fail(errno, "%s: pipe2: %m", a->text);
		goto fail;
	}
	e = ipcx__chan_new(sizeof(*e), a, flags);
	if (!e) {
		r = -ENOMEM;
		goto fail;
	}
	r = ipcx__spawn_shell(a->target, in[0], outp[1], &e->pid);
	if (r < 0) {
		ipcx__chan_free(&e->c);
		r = ipcx__fail(-r, "%s: starting /bin/sh: %s", a->text,
			       ipcx_strerror(r));
		goto fail;
	}
	if (in[0] >= 0)
		close(in[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	e->c.wfd = in[1];
	e->c.rfd = outp[0];
	r = ipcx__chan_ready(&e->c);
	if (r < 0) {
		ipcx_close(&e->c);
		return r;
	}
	*out = &e->c;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	return r;
}

static int exec_close(struct ipcx_chan *c)
{
	struct exec *e = (struct exec *)c;
	pid_t pid = e->pid;
	int r;

	/* Close its stdin first so that it sees end of input and exits,
	 * as pclose() does, then wait for it. */
	if (c->wfd >= 0)
		close(c->wfd);
	if (c->rfd >= 0)
		close(c->rfd);
	ipcx__chan_free(c);
	r = ipcx__reap(pid);
	return r < 0 ? r : 0;
}

static int exec_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	i->peer_pid = ((const struct exec *)c)->pid;
	i->child = ((const struct exec *)c)->pid;
	return 0;
}

static int exec_limits(struct ipcx_limit *out, size_t max)
{
	return (int)ipcx__limits_pipe(out, max);
}

static const struct ipcx__opt *const exec_opts[] = {
	&ipcx__opt_framing,
	NULL,
};

static const struct ipcx__chan_ops exec_chan = {
	.open = exec_open,
	.send = ipcx__fd_send,
	.recv = ipcx__fd_recv,
	.shutdown = ipcx__fd_shutdown,
	.close = exec_close,
	.get = exec_get,
};

const struct ipcx__facility ipcx__exec_ops = {
	.info = {.scheme = "exec",
		 .title = "a child's stdin/stdout over pipes",
		 .name = "command line",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_BYTE_STREAM,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = exec_opts,
	.no_options = true,
	.parse = exec_parse,
	.limits = exec_limits,
	.chan = &exec_chan,
};
