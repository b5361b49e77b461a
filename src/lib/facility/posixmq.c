/* SPDX-License-Identifier: MIT */
/* POSIX message queues: prioritised messages under a /name. */
#include "posixname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Waiting is the kernel's own: mq_send()/mq_receive() block, O_NONBLOCK
 * makes them say EAGAIN, and mq_timedsend()/mq_timedreceive() take the
 * deadline (on CLOCK_REALTIME, as POSIX defines them).  The descriptor
 * (an mqd_t is one on Linux) can be polled: ipcx_fd() returns it.
 */

struct posixmq {
	struct ipcx_chan c;
	mqd_t mq;
	long msgsize, maxmsg;
	unsigned prio; /* prio= for sending */
};

static const struct ipcx__opt opt_prio = {
	.pub = {"prio", "an integer from 0 to MQ_PRIO_MAX - 1 (32767)", "0",
		"priority of the messages sent (higher ones are received "
		"first)"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_CHAN,
};

static const struct ipcx__opt opt_maxmsg = {
	.pub = {"maxmsg", "an integer of at least 1",
		"/proc/sys/fs/mqueue/msg_default",
		"messages a queue created now holds (with create)"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_CHAN,
	.min = 1,
	.max = LLONG_MAX,
};

static const struct ipcx__opt opt_msgsize = {
	.pub = {"msgsize", "an integer of at least 1",
		"/proc/sys/fs/mqueue/msgsize_default",
		"largest message of a queue created now (with create)"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_CHAN,
	.min = 1,
	.max = LLONG_MAX,
};

static int posixmq_parse(struct ipcx_addr *a)
{
	int r = ipcx__check_posix_name(a, "queue");
	long long prio = ipcx__opt(a, &opt_prio);

	if (r < 0)
		return r;
	if (prio < 0 || prio >= sysconf(_SC_MQ_PRIO_MAX))
		return ipcx__fail(EINVAL,
				  "prio=%lld is out of range (0 to %ld) in "
				  "'%s'",
				  prio, sysconf(_SC_MQ_PRIO_MAX) - 1, a->text);
	return 0;
}

/* Fills creation attributes: what the address says, else the system's
 * defaults. */
static void posixmq_attr(const struct ipcx_addr *a, struct mq_attr *attr)
{
	long long def_msg =
		ipcx__read_proc("/proc/sys/fs/mqueue/msg_default", 0);
	long long def_size =
		ipcx__read_proc("/proc/sys/fs/mqueue/msgsize_default", 0);

	attr->mq_maxmsg = ipcx__opt_given(a, &opt_maxmsg)
				  ? ipcx__opt(a, &opt_maxmsg)
			  : def_msg > 0 ? def_msg
					: 10;
	attr->mq_msgsize = ipcx__opt_given(a, &opt_msgsize)
				   ? ipcx__opt(a, &opt_msgsize)
			   : def_size > 0 ? def_size
					  : 8192;
}

/* mq_open() said EINVAL for ATTR: name the limit it ran into and the
 * file that raises it (CAP_SYS_RESOURCE may pass them, up to the hard
 * limits of 65536 messages and 16 MiB). */
static int posixmq_attr_error(const struct ipcx_addr *a,
			      const struct mq_attr *attr)
{
	long long max_msg = ipcx__read_proc("/proc/sys/fs/mqueue/msg_max", 0);
	long long max_size =
		ipcx__read_proc("/proc/sys/fs/mqueue/msgsize_max", 0);

	if (max_msg > 0 && attr->mq_maxmsg > max_msg)
		return ipcx__fail(EINVAL,
				  "%s: maxmsg=%ld exceeds msg_max %lld (raise "
				  "it in /proc/sys/fs/mqueue/msg_max)",
				  a->text, attr->mq_maxmsg, max_msg);
	if (max_size > 0 && attr->mq_msgsize > max_size)
		return ipcx__fail(
			EINVAL,
			"%s: msgsize=%ld exceeds msgsize_max %lld "
			"(raise it in /proc/sys/fs/mqueue/msgsize_max)",
			a->text, attr->mq_msgsize, max_size);
	return ipcx__fail(EINVAL,
			  "%s: the kernel refused maxmsg=%ld msgsize=%ld",
			  a->text, attr->mq_maxmsg, attr->mq_msgsize);
}

static int posixmq_open(const struct ipcx_addr *a, unsigned flags,
			struct ipcx_chan **out)
{
	unsigned dir = flags & (IPCX_SEND | IPCX_RECV);
	mode_t mode = ipcx__addr_mode(a);
	int of = O_CLOEXEC | (dir == IPCX_SEND	 ? O_WRONLY
			      : dir == IPCX_RECV ? O_RDONLY
						 : O_RDWR);
	bool sized = ipcx__opt_given(a, &opt_maxmsg) ||
		     ipcx__opt_given(a, &opt_msgsize);
	struct mq_attr attr, now;
	struct posixmq *q;
	mqd_t mq;
	int r;

	if (flags & IPCX_CREATE)
		of |= O_CREAT;
	if (flags & IPCX_EXCL)
		of |= O_EXCL;
	if (flags & IPCX_NONBLOCK)
		of |= O_NONBLOCK;
	if (sized && !(flags & IPCX_CREATE))
		return ipcx__fail(EINVAL,
				  "%s: maxmsg= and msgsize= apply when the "
				  "queue is created (create=1)",
				  a->text);
	if (sized)
		posixmq_attr(a, &attr);
	mq = mq_open(a->target, of, (mode_t)mode, sized ? &attr : NULL);
	if (mq == (mqd_t)-1) {
		switch (errno) {
		case ENOSPC:
			return ipcx__fail(
				ENOSPC,
				"%s: the system's queues are all used "
				"(queues_max = %lld, "
				"/proc/sys/fs/mqueue/queues_max)",
				a->text,
				ipcx__read_proc(
					"/proc/sys/fs/mqueue/queues_max", 0));
		case ENOMEM:
			return ipcx__fail(ENOMEM,
					  "%s: this user's queues would take "
					  "more bytes than RLIMIT_MSGQUEUE "
					  "allows (ulimit -q)",
					  a->text);
		case EMFILE:
			return ipcx__fail(EMFILE, "%s: mq_open: %m", a->text);
		case EINVAL:
			if (sized)
				return posixmq_attr_error(a, &attr);
			return ipcx__fail(EINVAL, "%s: mq_open: %m", a->text);
		case ENOSYS:
			return ipcx__fail(ENOSYS,
					  "%s: POSIX message queues are not in "
					  "this kernel",
					  a->text);
		default:
			return ipcx__fail_open(a->text, errno, "queue",
					       "mq_open");
		}
	}
	if (mq_getattr(mq, &now) < 0) {
		r = ipcx__fail(errno, "%s: mq_getattr: %m", a->text);
		mq_close(mq);
		return r;
	}
	q = ipcx__chan_new(sizeof(*q), a, flags);
	if (!q) {
		mq_close(mq);
		return -ENOMEM;
	}
	q->mq = mq;
	q->c.rfd = q->c.wfd = (int)mq;
	q->msgsize = now.mq_msgsize;
	q->maxmsg = now.mq_maxmsg;
	q->prio = (unsigned)ipcx__opt(a, &opt_prio);
	/* The timed calls wait by themselves: O_NONBLOCK would defeat them. */
	q->c.keep_fd_flags = true;
	*out = &q->c;
	return ipcx__chan_ready(&q->c);
}

static int posixmq_error(const struct ipcx_chan *c, int err, bool sending)
{
	switch (err) {
	case EAGAIN:
		return ipcx__fail(EAGAIN, "%s: %s (nonblock)", c->name,
				  sending ? "queue full" : "no message");
	case ETIMEDOUT:
		return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms",
				  c->name, c->timeout_ms);
	case EBADF:
		return ipcx__fail(EBADF, "%s: opened for %s only", c->name,
				  sending ? "receiving" : "sending");
	default:
		return ipcx__fail(err, "%s: %s: %s", c->name,
				  sending ? "mq_send" : "mq_receive",
				  ipcx_strerror(err));
	}
}

static ssize_t posixmq_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			    const struct ipcx_meta *m)
{
	struct posixmq *q = (struct posixmq *)c;
	unsigned prio = q->prio;
	struct timespec ts;

	/* Message channels are never framed: one buffer is the message. */
	if (n != 1)
		return -EINVAL;
	if (iov[0].iov_len > (size_t)q->msgsize)
		return ipcx__fail(EMSGSIZE,
				  "%s: message of %zu bytes exceeds the "
				  "queue's msgsize %ld",
				  c->name, iov[0].iov_len, q->msgsize);
	if (m && (m->valid & IPCX_META_PRIO)) {
		if (m->prio >= (unsigned)sysconf(_SC_MQ_PRIO_MAX))
			return ipcx__fail(EINVAL,
					  "%s: priority %u is out of range",
					  c->name, m->prio);
		prio = m->prio;
	}
	if (c->timeout_ms >= 0)
		ts = ipcx__deadline_ts(CLOCK_REALTIME, c->timeout_ms);
	for (;;) {
		int r = c->timeout_ms >= 0
				? mq_timedsend(q->mq, iov[0].iov_base,
					       iov[0].iov_len, prio, &ts)
				: mq_send(q->mq, iov[0].iov_base,
					  iov[0].iov_len, prio);
		if (r == 0)
			return (ssize_t)iov[0].iov_len;
		if (errno != EINTR)
			return posixmq_error(c, errno, true);
		if ((r = ipcx__eintr(c)) < 0)
			return r;
	}
}

static ssize_t posixmq_recv(struct ipcx_chan *c, void *buf, size_t len,
			    struct ipcx_meta *m)
{
	struct posixmq *q = (struct posixmq *)c;
	struct timespec ts;
	unsigned prio;

	/*
	 * The kernel refuses a buffer smaller than the queue's msgsize and
	 * leaves the queue as it was; say so before asking.  (Receiving into
	 * a buffer of our own instead would take a message out of the queue
	 * that might then not fit, and would be lost to the other readers.)
	 */
	if (len < (size_t)q->msgsize) {
		if (m)
			m->size = (size_t)q->msgsize;
		return ipcx__fail(EMSGSIZE,
				  "%s: a receive needs room for the queue's "
				  "msgsize %ld, not %zu",
				  c->name, q->msgsize, len);
	}
	/* One call that must not wait (ipcx_try_recv()) on a blocking
	 * descriptor: a deadline already past. */
	bool once = ipcx__dontwait && !(c->flags & IPCX_NONBLOCK);
	if (once)
		ts = (struct timespec){0, 0};
	else if (c->timeout_ms >= 0)
		ts = ipcx__deadline_ts(CLOCK_REALTIME, c->timeout_ms);
	for (;;) {
		/* The priority only where somebody asks for it. */
		unsigned *pp = m ? &prio : NULL;
		ssize_t r = once || c->timeout_ms >= 0
				    ? mq_timedreceive(q->mq, buf, len, pp, &ts)
				    : mq_receive(q->mq, buf, len, pp);
		if (r >= 0) {
			if (m) {
				m->size = (size_t)r;
				m->prio = prio;
				m->valid |= IPCX_META_PRIO;
			}
			return r;
		}
		if (errno != EINTR)
			return posixmq_error(
				c, once && errno == ETIMEDOUT ? EAGAIN : errno,
				false);
		if ((r = ipcx__eintr(c)) < 0)
			return r;
	}
}

static int posixmq_close(struct ipcx_chan *c)
{
	mq_close(((struct posixmq *)c)->mq);
	ipcx__chan_free(c);
	return 0;
}

static int posixmq_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	struct mq_attr attr;

	if (mq_getattr(((const struct posixmq *)c)->mq, &attr) < 0)
		return ipcx__fail(errno, "%s: mq_getattr: %m", c->name);
	i->capacity = attr.mq_maxmsg;
	i->msgsize = attr.mq_msgsize;
	i->queued = attr.mq_curmsgs;
	return 0;
}

static int posixmq_unlink(const struct ipcx_addr *a)
{
	if (mq_unlink(a->target) < 0)
		return ipcx__fail_open(a->text, errno, "queue", "mq_unlink");
	return 0;
}

static int posixmq_limits(struct ipcx_limit *out, size_t max)
{
	struct rlimit rl;
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("messages per queue, max (msg_max)",
			    ipcx__read_proc("/proc/sys/fs/mqueue/msg_max", 0),
			    "messages", "/proc/sys/fs/mqueue/msg_max"),
		IPCX__LIMIT(
			"message size, max (msgsize_max)",
			ipcx__read_proc("/proc/sys/fs/mqueue/msgsize_max", 0),
			"bytes", "/proc/sys/fs/mqueue/msgsize_max"),
		IPCX__LIMIT(
			"messages per queue, default",
			ipcx__read_proc("/proc/sys/fs/mqueue/msg_default", 0),
			"messages", "/proc/sys/fs/mqueue/msg_default"),
		IPCX__LIMIT("message size, default",
			    ipcx__read_proc(
				    "/proc/sys/fs/mqueue/msgsize_default", 0),
			    "bytes", "/proc/sys/fs/mqueue/msgsize_default"),
		IPCX__LIMIT(
			"queues on the system (queues_max)",
			ipcx__read_proc("/proc/sys/fs/mqueue/queues_max", 0),
			"queues", "/proc/sys/fs/mqueue/queues_max"),
		IPCX__LIMIT("queue bytes per user (RLIMIT_MSGQUEUE)",
			    getrlimit(RLIMIT_MSGQUEUE, &rl) == 0
				    ? (long long)rl.rlim_cur
				    : -1,
			    "bytes", "ulimit -q"),
		IPCX__LIMIT("priorities (MQ_PRIO_MAX)",
			    sysconf(_SC_MQ_PRIO_MAX), "",
			    "sysconf(_SC_MQ_PRIO_MAX)"),
	};
	size_t n = 0;

	n = ipcx__limits_add(out, n, max, rows, IPCX__ARRAY_SIZE(rows));
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

/* ---- listing -------------------------------------------------------------
 *
 * Queues are files of the mqueue filesystem (one per IPC namespace); a
 * file reads "QSIZE:N ..." (bytes queued).  When none is mounted, root
 * mounts one on a private temporary directory for the listing and
 * unmounts it right after; anyone else is told.  Holders: processes with
 * the queue open (an mqd_t is a descriptor).  Stale: no process (that
 * could be inspected) has it open.
 */

static bool mqueue_mount(char *dir, size_t n, bool may_mount, bool *mounted)
{
	char line[PATH_MAX + 64];
	FILE *f = fopen("/proc/self/mounts", "re");

	*mounted = false;
	while (f && fgets(line, sizeof(line), f)) {
		char path[PATH_MAX], type[32];
		if (sscanf(line, "%*s %4095s %31s", path, type) == 2 &&
		    !strcmp(type, "mqueue") && strlen(path) < n) {
			/* Mount points escape spaces as \040: a path with
			 * one is skipped rather than misread. */
			if (strchr(path, '\\'))
				continue;
			snprintf(dir, n, "%s", path);
			fclose(f);
			return true;
		}
	}
	if (f)
		fclose(f);
	snprintf(dir, n, "/tmp/ipcx-mqueue-XXXXXX");
	if (!may_mount || geteuid() != 0 || !mkdtemp(dir))
		return false;
	if (mount("mqueue", dir, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0) {
		rmdir(dir);
		return false;
	}
	*mounted = true;
	return true;
}

static int posixmq_list(struct ipcx__lister *l)
{
	char dir[PATH_MAX];
	bool mounted;
	struct dirent *d;
	DIR *dp;
	int e;

	if (!mqueue_mount(dir, sizeof(dir), l->flags & IPCX_LIST_MOUNT,
			  &mounted)) {
		if (l->only)
			return ipcx__fail(EOPNOTSUPP,
					  "%s: no mqueue filesystem is mounted "
					  "to look it up (mount -t mqueue none "
					  "/dev/mqueue)",
					  l->only->text);
		if (l->flags & IPCX_LIST_MOUNT)
			ipcx__list_warn(l, "posixmq: no mqueue filesystem is "
					   "mounted, and only root may mount "
					   "one: mount -t mqueue none "
					   "/dev/mqueue to list queues");
		else
			ipcx__list_warn(l, "posixmq: no mqueue filesystem is "
					   "mounted (mount -t mqueue none "
					   "/dev/mqueue, or IPCX_LIST_MOUNT "
					   "as root) to list queues");
		return 0;
	}
	e = 0;
	if (!(dp = opendir(dir))) {
		ipcx__list_warn(l, "posixmq: %s: %s", dir, strerror(errno));
		goto out;
	}
	int dfd = dirfd(dp);
	while (e == 0 && (d = readdir(dp))) {
		struct stat st;
		struct ipcx_object o;
		if (d->d_name[0] == '.' ||
		    (l->only && strcmp(d->d_name, l->only->target + 1)) ||
		    fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		ipcx__object_init(&o, l->ops);
		char target[NAME_MAX + 2];
		snprintf(target, sizeof(target), "/%s", d->d_name);
		if (ipcx__addr_format(o.address, sizeof(o.address), "posixmq",
				      target) >= (int)sizeof(o.address))
			continue;
		ipcx__object_stat(&o, &st);
		/* Its size in messages and its limits (mq_getattr: read
		 * permission).  Not its file, whose every read the kernel
		 * counts as a use: a listing must not make a queue look
		 * used (its age is what --stale judges by). */
		o.size = -1;
		o.size_unit = "messages";
		mqd_t q = mq_open(target, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		struct mq_attr at;
		if (q != (mqd_t)-1) {
			if (mq_getattr(q, &at) == 0) {
				o.size = at.mq_curmsgs;
				snprintf(o.detail, sizeof(o.detail),
					 "max %ld x %ld bytes", at.mq_maxmsg,
					 at.mq_msgsize);
			}
			mq_close(q);
		}
		if ((e = ipcx__holders(l, st.st_dev, st.st_ino, &o)) < 0)
			break;
		o.unheld = o.nholders == 0; /* no creator recorded */
		e = ipcx__emit(l, &o);
	}
	closedir(dp);
out:
	if (mounted) {
		umount2(dir, MNT_DETACH);
		rmdir(dir);
	}
	return e;
}

static const struct ipcx__opt *const posixmq_opts[] = {
	&opt_prio,
	&opt_maxmsg,
	&opt_msgsize,
	NULL,
};

static const struct ipcx__chan_ops posixmq_chan = {
	.open = posixmq_open,
	.send = posixmq_send,
	.recv = posixmq_recv,
	.close = posixmq_close,
	.get = posixmq_get,
};

const struct ipcx__facility ipcx__posixmq_ops = {
	.info = {.scheme = "posixmq",
		 .title = "POSIX message queue",
		 .name = "/name",
		 .handle = "mqd_t",
		 .standard = "POSIX",
		 .semantics = IPCX_MESSAGE,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_NAMED | IPCX_CAP_CONNLESS |
			 IPCX_CAP_CHANNEL | IPCX_CAP_QUEUE},
	.common = IPCX__COMMON_ALL,
	.opts = posixmq_opts,
	.parse = posixmq_parse,
	.unlink = posixmq_unlink,
	.limits = posixmq_limits,
	.list = posixmq_list,
	.chan = &posixmq_chan,
};
