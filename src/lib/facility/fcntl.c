/* SPDX-License-Identifier: MIT */
/* fcntl() record locks: byte ranges, read (shared) or write (exclusive). */
#include "lockfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Two kinds.  Classic (POSIX) record locks belong to the process: they
 * are not inherited across fork(), two opens of the file in one process
 * do not conflict (they are one owner), and closing ANY descriptor of the
 * file in the process drops them all.  lockf(3) and Python's fcntl.lockf
 * take these.  ofd=1 takes open-file-description locks (Linux 3.15):
 * owned by this open, like flock(), shared across fork() with the
 * descriptor, and conflicting between two opens of one process; they
 * conflict with classic locks too.  Converting a held lock (read to
 * write, or back) is atomic for both.
 *
 * The traps, and what ipcx does about them: opening a classic lock on a
 * file this process already has open (another handle, or any descriptor
 * of other code) is refused, since closing either would drop the locks
 * of both; a child of fork() does not hold its parent's classic locks,
 * and its copy of the handle says so (release: -ENOLCK).  Other code
 * that opens and closes the file later still drops the locks: use ofd=1
 * where that can happen.
 */

struct fcntl_lock {
	struct ipcx_lock l;
	long long start, len;
	bool ofd;
	pid_t owner; /* classic: the process that took it */
};

static const struct ipcx__opt opt_start = {
	.pub = {"start", "bytes (with K, M, G)", "0",
		"first byte of the locked range"},
	.kind = IPCX__OPT_SIZE,
	.roles = IPCX__ROLE_LOCK,
	.min = 0,
	.max = LLONG_MAX,
};

static const struct ipcx__opt opt_len = {
	.pub = {"len", "bytes (with K, M, G)", "0: to the end of the file",
		"length of the locked range"},
	.kind = IPCX__OPT_SIZE,
	.roles = IPCX__ROLE_LOCK,
	.min = 0,
	.max = LLONG_MAX,
};

static const struct ipcx__opt opt_ofd = {
	.pub = {"ofd", "0 or 1", "0: the process's locks",
		"open file description locks (F_OFD_SETLK): per open, not "
		"per process"},
	.kind = IPCX__OPT_BOOL,
	.roles = IPCX__ROLE_LOCK,
};

static int fcntl_parse(struct ipcx_addr *a)
{
	return ipcx__check_path(a);
}

/* A descriptor of this process, other than the one of DIR, open on the
 * file of ST: its number, or -1. */
static int open_elsewhere(const struct stat *st)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	struct stat o;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (fstat(fd, &o) == 0 && o.st_dev == st->st_dev &&
		    o.st_ino == st->st_ino)
			found = fd;
	}
	closedir(d);
	return found;
}

static int fcntl_open(const struct ipcx_addr *a, unsigned flags,
		      struct ipcx_lock **out)
{
	struct fcntl_lock *f;
	struct stat st;
	int fd, r, other;

	/* Checked before opening: once this process has the file open
	 * twice, closing either descriptor drops its classic locks. */
	if (ipcx__opt(a, &opt_ofd) != 1 && stat(a->target, &st) == 0 &&
	    (other = open_elsewhere(&st)) >= 0)
		return ipcx__fail(EBUSY,
				  "%s: this process already has the file open "
				  "(fd %d): classic fcntl locks belong to the "
				  "process, and closing either descriptor "
				  "would drop them (ofd=1 gives locks of "
				  "their own)",
				  a->text, other);
	if ((r = ipcx__lock_file(a, flags, &fd)) < 0)
		return r;
	f = ipcx__lock_new(sizeof(*f), a, flags);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->l.fd = fd;
	f->start = ipcx__opt(a, &opt_start);
	f->len = ipcx__opt(a, &opt_len);
	f->ofd = ipcx__opt(a, &opt_ofd) == 1;
	*out = &f->l;
	return 0;
}

static struct flock range(const struct fcntl_lock *f, short type)
{
	struct flock fl = {0};

	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)f->start;
	fl.l_len = (off_t)f->len;
	fl.l_pid = 0; /* must be 0 for the OFD commands */
	return fl;
}

/* A classic lock copied into a child of fork() is not the child's. */
static void forget_if_forked(struct fcntl_lock *f)
{
	if (!f->ofd && f->l.held && f->owner != getpid())
		f->l.held = 0;
}

static int fcntl_holder(struct ipcx_lock *l, int how, pid_t *pid)
{
	struct fcntl_lock *f = (struct fcntl_lock *)l;
	struct flock fl = range(f, how == IPCX_LOCK_SHARED ? F_RDLCK : F_WRLCK);

	if (fcntl(l->fd, f->ofd ? F_OFD_GETLK : F_GETLK, &fl) < 0)
		return ipcx__fail(errno, "%s: F_GETLK: %s", l->name,
				  ipcx_strerror(errno));
	*pid = fl.l_type == F_UNLCK ? 0 : fl.l_pid;
	return 0;
}

static int fcntl_take(struct ipcx_lock *l, int how, bool wait)
{
	struct fcntl_lock *f = (struct fcntl_lock *)l;
	struct flock fl = range(f, how == IPCX_LOCK_SHARED ? F_RDLCK : F_WRLCK);
	int cmd = f->ofd ? (wait ? F_OFD_SETLKW : F_OFD_SETLK)
			 : (wait ? F_SETLKW : F_SETLK);
	pid_t pid = 0;

	forget_if_forked(f);
	if (fcntl(l->fd, cmd, &fl) == 0) {
		l->held = how;
		f->owner = getpid();
		return 0;
	}
	switch (errno) {
	case EINTR: return -EINTR;
	case EAGAIN:
	case EACCES:
		fcntl_holder(l, how, &pid);
		if (pid > 0)
			return ipcx__fail(
				EWOULDBLOCK,
				"%s: bytes %lld+%lld held %sby pid "
				"%d",
				l->name, f->start, f->len,
				how == IPCX_LOCK_SHARED ? "for writing " : "",
				(int)pid);
		return ipcx__fail(EWOULDBLOCK,
				  "%s: bytes %lld+%lld held by an open file "
				  "description lock",
				  l->name, f->start, f->len);
	case EDEADLK:
		return ipcx__fail(EDEADLK,
				  "%s: waiting would deadlock (the holder "
				  "waits for a lock of this process)",
				  l->name);
	case EBADF:
		return ipcx__fail(EBADF,
				  "%s: the file is open read-only here: a "
				  "write (exclusive) lock needs write access",
				  l->name);
	case EINVAL:
		if (f->ofd)
			return ipcx__fail(EINVAL,
					  "%s: open file description locks "
					  "(ofd=1) need Linux 3.15",
					  l->name);
		/* fall through */
	default:
		return ipcx__fail(errno, "%s: fcntl: %s", l->name,
				  ipcx_strerror(errno));
	}
}

static int fcntl_release(struct ipcx_lock *l)
{
	struct fcntl_lock *f = (struct fcntl_lock *)l;
	struct flock fl = range(f, F_UNLCK);

	forget_if_forked(f);
	if (!l->held)
		return ipcx__fail(ENOLCK,
				  "%s: not held by this process (fcntl locks "
				  "are not inherited across fork)",
				  l->name);
	if (fcntl(l->fd, f->ofd ? F_OFD_SETLK : F_SETLK, &fl) < 0)
		return ipcx__fail(errno, "%s: unlock: %s", l->name,
				  ipcx_strerror(errno));
	l->held = 0;
	return 0;
}

static int fcntl_limits(struct ipcx_limit *out, size_t max)
{
	return (int)ipcx__limits_fd(out, max);
}

/* The locks held now (/proc/locks); a lock is never stale: it goes
 * with its holder's descriptor. */
/* A lock of [START, END] is the one an address looks up when it is the
 * address's range, or within it where the address names none. */
static bool fcntl_match(const struct ipcx_addr *only, long long start,
			long long end)
{
	long long s = ipcx__opt(only, &opt_start),
		  len = ipcx__opt(only, &opt_len);
	long long e = len ? s + len - 1 : LLONG_MAX;

	if (!ipcx__opt_given(only, &opt_start) &&
	    !ipcx__opt_given(only, &opt_len))
		return true;
	return start <= e && end >= s;
}

static int fcntl_list(struct ipcx__lister *l)
{
	return ipcx__list_locks(l, false, fcntl_match);
}

static const struct ipcx__opt *const fcntl_opts[] = {
	&opt_start, &opt_len, &opt_ofd, &ipcx__opt_follow, NULL,
};

static const struct ipcx__lock_ops fcntl_lock = {
	.open = fcntl_open,
	.take = fcntl_take,
	.release = fcntl_release,
	.holder = fcntl_holder,
};

const struct ipcx__facility ipcx__fcntl_ops = {
	.info = {.scheme = "fcntl",
		 .title = "fcntl() record lock",
		 .name = "pathname (?start=&len=, ?ofd=1)",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_SYNCHRONIZATION,
		 .caps = IPCX_CAP_NAMED | IPCX_CAP_LOCK},
	/* Waits end on signals only in channels (intr=). */
	.common = IPCX__COMMON_ALL & ~IPCX__COMMON_INTR,
	.opts = fcntl_opts,
	.parse = fcntl_parse,
	.limits = fcntl_limits,
	.list = fcntl_list,
	.lock = &fcntl_lock,
};
