/* SPDX-License-Identifier: MIT */
/* flock() locks: the whole file, shared or exclusive. */
#include "lockfile.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * A flock() lock belongs to the open file description: descriptors
 * dup()ed or inherited across fork() share it, and it lasts until the
 * last of them is closed or LOCK_UN.  Two opens of the same file (even in
 * one process) conflict like two processes.  Converting a held lock
 * (shared to exclusive or back) is not atomic: the kernel drops it first,
 * so another process may take it in between.  flock(1) and Python's
 * fcntl.flock take the same lock.
 */

static int flock_parse(struct ipcx_addr *a)
{
	return ipcx__check_path(a);
}

static int flock_open(const struct ipcx_addr *a, unsigned flags,
		      struct ipcx_lock **out)
{
	struct ipcx_lock *l;
	int fd, r;

	if ((r = ipcx__lock_file(a, flags, &fd)) < 0)
		return r;
	l = ipcx__lock_new(sizeof(*l), a, flags);
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	l->fd = fd;
	*out = l;
	return 0;
}

static int flock_holder(struct ipcx_lock *l, int how, pid_t *pid)
{
	/* Our own lock shows under our pid: look past it when we hold
	 * one (a conversion), not otherwise (another open of ours). */
	if (!ipcx__proc_locks(l->fd, "FLOCK", how == IPCX_LOCK_EXCLUSIVE, 0, 0,
			      l->held ? getpid() : 0, pid))
		*pid = 0;
	return 0;
}

static int flock_take(struct ipcx_lock *l, int how, bool wait)
{
	int op = how == IPCX_LOCK_SHARED ? LOCK_SH : LOCK_EX;
	pid_t pid = 0;

	if (flock(l->fd, op | (wait ? 0 : LOCK_NB)) == 0) {
		l->held = how;
		return 0;
	}
	if (errno == EINTR)
		return -EINTR;
	if (errno != EWOULDBLOCK)
		return ipcx__fail(errno, "%s: flock: %s", l->name,
				  ipcx_strerror(errno));
	flock_holder(l, how, &pid);
	if (pid > 0)
		return ipcx__fail(EWOULDBLOCK, "%s: held %sby pid %d", l->name,
				  how == IPCX_LOCK_SHARED ? "exclusively " : "",
				  (int)pid);
	return ipcx__fail(EWOULDBLOCK, "%s: held by another open of the file",
			  l->name);
}

static int flock_release(struct ipcx_lock *l)
{
	if (flock(l->fd, LOCK_UN) < 0)
		return ipcx__fail(errno, "%s: flock LOCK_UN: %s", l->name,
				  ipcx_strerror(errno));
	l->held = 0;
	return 0;
}

static int flock_limits(struct ipcx_limit *out, size_t max)
{
	return (int)ipcx__limits_fd(out, max);
}

/* The locks held now (/proc/locks); a lock is never stale: it goes
 * with its holder's descriptor. */
static int flock_list(struct ipcx__lister *l)
{
	return ipcx__list_locks(l, true, NULL);
}

static const struct ipcx__opt *const flock_opts[] = {
	&ipcx__opt_follow,
	NULL,
};

static const struct ipcx__lock_ops flock_lock = {
	.open = flock_open,
	.take = flock_take,
	.release = flock_release,
	.holder = flock_holder,
};

const struct ipcx__facility ipcx__flock_ops = {
	.info = {.scheme = "flock",
		 .title = "flock() lock",
		 .name = "pathname",
		 .handle = "fd",
		 .standard = "BSD",
		 .semantics = IPCX_SYNCHRONIZATION,
		 .caps = IPCX_CAP_NAMED | IPCX_CAP_LOCK},
	/* Waits end on signals only in channels (intr=). */
	.common = IPCX__COMMON_ALL & ~IPCX__COMMON_INTR,
	.opts = flock_opts,
	.parse = flock_parse,
	.limits = flock_limits,
	.list = flock_list,
	.lock = &flock_lock,
};
