/* SPDX-License-Identifier: MIT */
/*
 * fd: a descriptor the process was given: fd:N, or one that systemd (or
 * systemd-socket-activate) passed by socket activation: fd:NAME (from
 * LISTEN_FDNAMES), or fd: alone for the only one.  The channel is of the
 * facility the descriptor really is (a TCP listener, a UNIX datagram
 * socket, a pipe...), around a duplicate: N stays open.
 */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sd_listen_fds(3): the first passed descriptor. */
#define LISTEN_FDS_START 3

struct fd_target {
	int fd; /* N, or -1: by name (or the only one) */
};

static int fd_parse(struct ipcx_addr *a)
{
	struct fd_target *t = ipcx__addr_priv(a, struct fd_target);
	const char *s = a->target;

	t->fd = -1;
	if (*s >= '0' && *s <= '9') {
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (*end || errno || v > INT_MAX)
			return ipcx__fail(EINVAL,
					  "'%s': a descriptor number from 0 "
					  "to %d, or a name",
					  a->text, INT_MAX);
		t->fd = (int)v;
		return 0;
	}
	/* As systemd's FileDescriptorName=: printable, no ':'. */
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == ':')
			return ipcx__fail(
				EINVAL,
				"'%s': a descriptor name is printable "
				"ASCII without ':' or spaces",
				a->text);
	if (s - a->target > 255)
		return ipcx__fail(EINVAL,
				  "'%s': a descriptor name has at most 255 "
				  "characters",
				  a->text);
	return 0;
}

/* The descriptor systemd passed under A's name (or the only one). */
static int activated(const struct ipcx_addr *a, int *fd)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS"),
		   *names = getenv("LISTEN_FDNAMES");
	const char *want = a->target;
	long n = fds ? strtol(fds, NULL, 10) : 0;

	if (!pid || strtol(pid, NULL, 10) != (long)getpid() || n <= 0)
		return ipcx__fail(ENOENT,
				  "%s: no descriptors were passed to this "
				  "process (LISTEN_PID and LISTEN_FDS, set by "
				  "systemd or systemd-socket-activate, do not "
				  "name it)",
				  a->text);
	if (!*want) {
		if (n != 1)
			return ipcx__fail(EINVAL,
					  "%s: %ld descriptors were passed "
					  "(LISTEN_FDNAMES=%s): name one",
					  a->text, n, names ? names : "");
		*fd = LISTEN_FDS_START;
		return 0;
	}
	size_t len = strlen(want);
	long i = 0;
	for (const char *p = names; p && *p && i < n; i++) {
		const char *end = strchrnul(p, ':');
		if ((size_t)(end - p) == len && !memcmp(p, want, len)) {
			*fd = LISTEN_FDS_START + (int)i;
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return ipcx__fail(ENOENT,
			  "%s: no passed descriptor is named '%s' "
			  "(LISTEN_FDNAMES=%s)",
			  a->text, want, names ? names : "");
}

static int fd_open(const struct ipcx_addr *a, unsigned flags,
		   struct ipcx_chan **out)
{
	const struct fd_target *t = ipcx__addr_priv(a, struct fd_target);
	struct ipcx_chan *c;
	int fd = t->fd, d, r;

	if (fd < 0 && (r = activated(a, &fd)) < 0)
		return r;
	/* A duplicate: N stays the process's (it may open it again). */
	d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return ipcx__fail(errno, "%s: %s", a->text,
				  errno == EBADF ? "no such open descriptor"
						 : strerror(errno));
	if ((r = ipcx__adopt(d, flags, a->text, &c)) < 0) {
		close(d);
		return r;
	}
	if (a->timeout != IPCX__UNSET)
		c->timeout_ms = a->timeout;
	c->framed = ipcx__opt(a, &ipcx__opt_framing) == 1;
	if ((r = ipcx__chan_ready(c)) < 0) {
		ipcx_close(c);
		return r;
	}
	*out = c;
	return 0;
}

static const struct ipcx__opt *const fd_opts[] = {
	&ipcx__opt_framing,
	NULL,
};

static const struct ipcx__chan_ops fd_chan = {
	.open = fd_open,
};

const struct ipcx__facility ipcx__fd_ops = {
	.info = {.scheme = "fd",
		 .title = "a descriptor the process was given",
		 .name = "N, NAME (systemd socket activation), or none",
		 .handle = "fd",
		 .standard = "POSIX (activation: systemd)",
		 .semantics = IPCX_BYTE_STREAM,
		 /* What the descriptor is decides: a listener listens. */
		 .caps = IPCX_CAP_POLL | IPCX_CAP_LISTEN | IPCX_CAP_BIND |
			 IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = fd_opts,
	.parse = fd_parse,
	.chan = &fd_chan,
};
