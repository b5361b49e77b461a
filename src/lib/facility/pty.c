/* SPDX-License-Identifier: MIT */
/* Pseudoterminals: a master end, and a slave that is a command's terminal. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

struct pty {
	struct ipcx_chan c;
	bool master;
	pid_t pid; /* the command on the slave, or -1 */
	char slave[64];
	int64_t hup_checked; /* ms: when a send last looked for POLLHUP */
};

/* Opens a master and names its slave. */
static int pty_master(const char *name, char *slave, size_t n)
{
	unsigned num;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return ipcx__fail(errno, "%s: posix_openpt: %m", name);
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ioctl(m, TIOCGPTN, &num) < 0) {
		int r = ipcx__fail(errno, "%s: setting up the pty: %m", name);
		close(m);
		return r;
	}
	snprintf(slave, n, "/dev/pts/%u", num);
	return m;
}

static struct pty *pty_new(const struct ipcx__facility *f, const char *name,
			   unsigned flags, int m, const char *slave)
{
	struct pty *p = ipcx__chan_new_named(sizeof(*p), f, name, flags);

	if (!p)
		return NULL;
	p->c.rfd = p->c.wfd = m;
	p->master = true;
	p->pid = -1;
	snprintf(p->slave, sizeof(p->slave), "%s", slave);
	return p;
}

extern char **environ;

static void pty_child(const char *slave, char *const argv[])
{
	/* Only async-signal-safe calls between fork() and exec (another
	 * thread of the caller may hold a lock we would wait for). */
	setsid();
	int s = open(slave, O_RDWR);
	if (s < 0)
		_exit(127);
	ioctl(s, TIOCSCTTY, 0);
	dup2(s, 0);
	dup2(s, 1);
	dup2(s, 2);
	if (s > 2)
		close(s);
	execve("/bin/sh", argv, environ);
	_exit(127);
}

static int pty_open(const struct ipcx_addr *a, unsigned flags,
		    struct ipcx_chan **out)
{
	char slave[64];
	struct pty *p;
	int m, r;

	m = pty_master(a->text, slave, sizeof(slave));
	if (m < 0)
		return m;
	p = pty_new(a->ops, a->text, flags, m, slave);
	if (!p) {
		close(m);
		return -ENOMEM;
	}
	if (a->timeout != IPCX__UNSET)
		p->c.timeout_ms = a->timeout;
	p->c.framed = ipcx__opt(a, &ipcx__opt_framing) == 1;
	if (a->target[0]) {
		char *argv[] = {"sh", "-c", a->target, NULL};
		p->pid = fork();
		if (p->pid == 0)
			pty_child(slave, argv);
		if (p->pid < 0) {
			r = ipcx__fail(errno, "%s: fork: %m", a->text);
			ipcx__fd_close(&p->c);
			return r;
		}
	}
	r = ipcx__chan_ready(&p->c);
	if (r < 0) {
		ipcx_close(&p->c);
		return r;
	}
	*out = &p->c;
	return 0;
}

static int pty_pair(const struct ipcx_addr *pa, struct ipcx_chan **a,
		    struct ipcx_chan **b)
{
	const struct ipcx__facility *f = pa->ops;
	struct termios t;
	struct pty *x, *y;
	char slave[64];
	int m, s;

	m = pty_master("pty:", slave, sizeof(slave));
	if (m < 0)
		return m;
	s = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int r = ipcx__fail(errno, "pty: opening %s: %m", slave);
		close(m);
		return r;
	}
	/* A pair is a byte pipe: no echo, no line editing, no CR/LF games. */
	if (tcgetattr(s, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(s, TCSANOW, &t);
	}
	x = pty_new(f, "pty:", 0, m, slave);
	y = pty_new(f, slave, 0, s, slave);
	if (y)
		y->master = false;
	if (!x || !y) {
		ipcx__chan_free(x ? &x->c : NULL);
		ipcx__chan_free(y ? &y->c : NULL);
		close(m);
		close(s);
		return -ENOMEM;
	}
	*a = &x->c;
	*b = &y->c;
	return 0;
}

static ssize_t pty_recv(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m)
{
	ssize_t r = ipcx__fd_recv(c, buf, len, m);

	/* Linux's master reads EIO once every slave fd is closed: that is
	 * the end of the stream (what was written before is still read). */
	return r == -EIO ? 0 : r;
}

static ssize_t pty_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m)
{
	struct pollfd pf = {.fd = c->wfd, .events = POLLOUT};
	ssize_t r;

	/*
	 * A master accepts writes even when every slave fd is closed (they
	 * go nowhere).  poll() says POLLHUP then, and only then: a slave
	 * that was never opened does not count as gone.  Sends within the
	 * same millisecond as the last look are not checked again.
	 */
	struct pty *p = (struct pty *)c;
	/* Looked for at most once a millisecond: a poll() per message
	 * would double the cost of a small write. */
	int64_t now = p->master ? ipcx__now_ms() : 0;
	if (p->master && now != p->hup_checked) {
		p->hup_checked = now;
		if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP))
			return ipcx__fail(EPIPE,
					  "%s: the terminal's other side is "
					  "closed",
					  c->name);
	}
	r = ipcx__fd_send(c, iov, n, m);
	if (r == -EIO) /* a slave whose master is gone */
		return ipcx__fail(EPIPE, "%s: the master side is closed",
				  c->name);
	return r;
}

static int pty_close(struct ipcx_chan *c)
{
	struct pty *p = (struct pty *)c;
	pid_t pid = p->pid;
	int r = 0;

	/* Closing the master hangs up the slave: the command gets SIGHUP. */
	close(c->rfd);
	c->rfd = c->wfd = -1;
	if (pid > 0)
		r = ipcx__reap(pid);
	ipcx__chan_free(c);
	return r < 0 ? r : 0;
}

static int pty_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	const struct pty *p = (const struct pty *)c;

	snprintf(i->local, sizeof(i->local), "%s", p->slave);
	i->child = p->pid;
	return 0;
}

static int pty_limits(struct ipcx_limit *out, size_t max)
{
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("ptys at most",
			    ipcx__read_proc("/proc/sys/kernel/pty/max", 0), "",
			    "/proc/sys/kernel/pty/max"),
		IPCX__LIMIT("ptys in use",
			    ipcx__read_proc("/proc/sys/kernel/pty/nr", 0), "",
			    "/proc/sys/kernel/pty/nr"),
		IPCX__LIMIT("canonical line (MAX_CANON)", 4096, "bytes",
			    "a line longer than this is cut in canonical mode"),
	};
	size_t n = 0;

	n = ipcx__limits_add(out, n, max, rows, IPCX__ARRAY_SIZE(rows));
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

static const struct ipcx__opt *const pty_opts[] = {
	&ipcx__opt_framing,
	NULL,
};

static const struct ipcx__chan_ops pty_chan = {
	.open = pty_open,
	.pair = pty_pair,
	.send = pty_send,
	.recv = pty_recv,
	.close = pty_close,
	.get = pty_get,
};

const struct ipcx__facility ipcx__pty_ops = {
	.info = {.scheme = "pty",
		 .title = "pseudoterminal",
		 .name = "none, or a command to run on it",
		 .handle = "fd",
		 .standard = "POSIX (Unix 98 ptys)",
		 .semantics = IPCX_BYTE_STREAM,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_PAIR | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = pty_opts,
	.no_options = true,
	.limits = pty_limits,
	.chan = &pty_chan,
};
