/* SPDX-License-Identifier: MIT */
/* System V message queues: typed messages under a numeric key. */
#include "../sysv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

/*
 * Waiting.  msgrcv()/msgsnd() block in the kernel when asked to, and that
 * is what a channel without timeout= does (EINTR is retried).  System V
 * has no timed variant and no descriptor to poll, so a timed call retries
 * with IPC_NOWAIT, sleeping 1, 2, 4, 8 and then 10 ms between tries
 * (ipcx__backoff): the deadline is kept to within 10 ms, a message that
 * arrives during the wait is taken within 10 ms, and an idle wait costs
 * at most 100 wake-ups a second.
 */

struct sysvmq {
	struct ipcx_chan c;
	int id;
	long send_type; /* type= for sending (> 0), default 1 */
	long select;	/* type= for receiving: 0 any, N, -N; default 0 */
	size_t msgmax;	/* the kernel's limit, read at open */
	struct msgbuf_ipcx {
		long mtype;
		char mtext[];
	} * sbuf, *rbuf; /* separate: one thread may send while one receives */
	size_t rcap;	 /* mtext bytes of rbuf */
	size_t qbytes;	 /* msg_qbytes when last looked (SIZE_MAX: unknown) */
};

static const struct ipcx__opt opt_type = {
	.pub = {"type", "an integer from -2147483647 to 2147483647",
		"0: receive any, send type 1",
		"message type: sent with it (> 0); received: that type (> 0), "
		"the lowest up to -N (< 0), any (0)"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_CHAN,
	.min = -0x7fffffffLL,
	.max = 0x7fffffffLL,
};

static int sysvmq_parse(struct ipcx_addr *a)
{
	return ipcx__sysv_parse(a);
}

static size_t sysvmq_msgmax(void)
{
	long long v = ipcx__read_proc("/proc/sys/kernel/msgmax", 0);

	return v > 0 ? (size_t)v : 8192;
}

/* Maps errno after the queue was opened into an error naming it. */
static int sysvmq_error(const struct ipcx_chan *c, int err, const char *what)
{
	switch (err) {
	case EIDRM:
	case EINVAL: /* the id no longer names a queue */
		return ipcx__fail(EIDRM, "%s: queue removed", c->name);
	case EACCES:
		return ipcx__fail(EACCES,
				  "%s: permission denied to %s (the queue's "
				  "mode does not allow it)",
				  c->name, what);
	default:
		return ipcx__fail(err, "%s: %s: %s", c->name, what,
				  ipcx_strerror(err));
	}
}

static int q_get(int key)
{
	return msgget(key, 0);
}

static int q_stat(int id)
{
	struct msqid_ds ds;

	return msgctl(id, IPC_STAT, &ds);
}

static int sysvmq_open(const struct ipcx_addr *a, unsigned flags,
		       struct ipcx_chan **out)
{
	int mode = (int)ipcx__addr_mode(a);
	int key, id, flg = 0, r;
	struct sysvmq *q;

	if (ipcx__sysv_by_id(a)) {
		/* An existing queue: create= has nothing to do. */
		if ((r = ipcx__sysv_lookup(a, q_get, q_stat, "queue", &id)) < 0)
			return r;
		goto have_id;
	}
	r = ipcx__sysv_key(a, &key);
	if (r < 0)
		return r;
	/*
	 * The mode bits of msgget() are the new queue's mode, or, for one
	 * that exists, the access checked now: ask for what this channel
	 * will do, so that a denial shows here and not at the first send.
	 */
	if (flags & IPCX_CREATE)
		flg |= IPC_CREAT | mode;
	else
		flg |= (flags & IPCX_SEND ? 0200 : 0) |
		       (flags & IPCX_RECV ? 0400 : 0) |
		       (flags & (IPCX_SEND | IPCX_RECV) ? 0 : 0600);
	if (flags & IPCX_EXCL)
		flg |= IPC_EXCL;
	id = msgget(key, flg);
	if (id < 0) {
		switch (errno) {
		case ENOSPC:
			return ipcx__fail(
				ENOSPC,
				"%s: the system's queues are all used "
				"(msgmni = %lld, "
				"/proc/sys/kernel/msgmni)",
				a->text,
				ipcx__read_proc("/proc/sys/kernel/msgmni", 0));
		case ENOSYS:
			return ipcx__fail(ENOSYS,
					  "%s: System V message queues are not "
					  "in this kernel",
					  a->text);
		default:
			return ipcx__fail_open(a->text, errno, "queue",
					       "msgget");
		}
	}
have_id:
	q = ipcx__chan_new(sizeof(*q), a, flags);
	if (!q)
		return -ENOMEM;
	q->id = id;
	q->select = (long)ipcx__opt(a, &opt_type);
	/* type= 0 or -N selects what to receive; a sender given one has
	 * nothing valid to send with (types are > 0). */
	q->send_type = q->select > 0 || !ipcx__opt_given(a, &opt_type)
			       ? (q->select > 0 ? q->select : 1)
			       : q->select;
	if ((flags & (IPCX_SEND | IPCX_RECV)) == IPCX_SEND &&
	    q->send_type <= 0) {
		long t = q->send_type;
		ipcx__chan_free(&q->c);
		return ipcx__fail(EINVAL,
				  "%s: a message is sent with a type > 0, not "
				  "%ld (type=0 and -N select what to receive)",
				  a->text, t);
	}
	q->msgmax = sysvmq_msgmax();
	struct msqid_ds ds;
	/* Unknown when this user may not read the queue's state: then no
	 * check (and no call per message). */
	q->qbytes = msgctl(id, IPC_STAT, &ds) == 0 ? ds.msg_qbytes : SIZE_MAX;
	*out = &q->c;
	return 0;
}

static struct msgbuf_ipcx *grow(struct msgbuf_ipcx **b, size_t *cap,
				size_t need)
{
	if (*b && *cap >= need)
		return *b;
	struct msgbuf_ipcx *n = realloc(*b, sizeof(**b) + need);
	if (!n)
		return NULL;
	*b = n;
	*cap = need;
	return n;
}

static ssize_t sysvmq_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			   const struct ipcx_meta *m)
{
	struct sysvmq *q = (struct sysvmq *)c;
	int64_t deadline = -2;
	size_t len = 0, off = 0, scap = q->sbuf ? q->msgmax : 0;
	long type = q->send_type;
	int step = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len > q->msgmax)
		return ipcx__fail(
			EMSGSIZE,
			"%s: message of %zu bytes exceeds the "
			"queue's msgmax %zu (/proc/sys/kernel/msgmax)",
			c->name, len, q->msgmax);
	if (m && (m->valid & IPCX_META_TYPE))
		type = m->type;
	if (type <= 0)
		return ipcx__fail(EINVAL,
				  "%s: a message is sent with a type > 0, "
				  "not %ld",
				  c->name, type);
	/* One that can never fit the queue would wait forever: say so.
	 * (The limit is looked at again when it seems too small: it may
	 * have been raised since.) */
	if (len > q->qbytes) {
		struct msqid_ds ds;
		q->qbytes = msgctl(q->id, IPC_STAT, &ds) == 0 ? ds.msg_qbytes
							      : SIZE_MAX;
		if (len > q->qbytes)
			return ipcx__fail(
				EMSGSIZE,
				"%s: message of %zu bytes can never "
				"fit the queue, which holds %zu "
				"bytes (msg_qbytes; new queues get "
				"msgmnb = %lld, "
				"/proc/sys/kernel/msgmnb)",
				c->name, len, q->qbytes,
				ipcx__read_proc("/proc/sys/kernel/msgmnb", 0));
	}
	if (!grow(&q->sbuf, &scap, q->msgmax))
		return -ENOMEM;
	q->sbuf->mtype = type;
	for (int i = 0; i < n; i++) {
		memcpy(q->sbuf->mtext + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	bool poll_wait = c->timeout_ms >= 0 && !(c->flags & IPCX_NONBLOCK);
	int flg = (c->flags & IPCX_NONBLOCK) || poll_wait ? IPC_NOWAIT : 0;
	for (;;) {
		if (msgsnd(q->id, q->sbuf, len, flg) == 0)
			return (ssize_t)len;
		if (errno == EINTR) {
			int e = ipcx__eintr(c);
			if (e < 0)
				return e;
			continue;
		}
		if (errno != EAGAIN)
			return sysvmq_error(c, errno, "send");
		if (!poll_wait)
			return ipcx__fail(EAGAIN,
					  "%s: queue full (nonblock; its limit "
					  "is msg_qbytes, by default msgmnb)",
					  c->name);
		if (deadline == -2)
			deadline = ipcx__deadline(c);
		int r = ipcx__backoff(c, deadline, &step);
		if (r < 0)
			return r;
	}
}

static ssize_t sysvmq_recv(struct ipcx_chan *c, void *buf, size_t len,
			   struct ipcx_meta *m)
{
	struct sysvmq *q = (struct sysvmq *)c;
	int64_t deadline = -2;
	int step = 0;
	/* Ask for no more than fits BUF: a larger message then fails with
	 * E2BIG and stays queued (never MSG_NOERROR, which would cut it). */
	size_t want = len < q->msgmax ? len : q->msgmax;
	bool poll_wait = c->timeout_ms >= 0 && !ipcx__nowait(c);
	int flg = ipcx__nowait(c) || poll_wait ? IPC_NOWAIT : 0;

	if (!grow(&q->rbuf, &q->rcap, want))
		return -ENOMEM;
	for (;;) {
		ssize_t r = msgrcv(q->id, q->rbuf, want, q->select, flg);
		if (r >= 0) {
			memcpy(buf, q->rbuf->mtext, (size_t)r);
			if (m) {
				struct msqid_ds ds;
				m->size = (size_t)r;
				m->type = q->rbuf->mtype;
				m->valid |= IPCX_META_TYPE;
				if ((m->want & IPCX_META_PID) &&
				    msgctl(q->id, IPC_STAT, &ds) == 0) {
					m->pid = ds.msg_lspid;
					m->valid |= IPCX_META_PID;
				}
			}
			return r;
		}
		if (errno == EINTR) {
			int e = ipcx__eintr(c);
			if (e < 0)
				return e;
			continue;
		}
		if (errno == E2BIG) {
			if (want < len) {
				/* msgmax was lowered after it was sent. */
				want = len;
				if (!grow(&q->rbuf, &q->rcap, want))
					return -ENOMEM;
				continue;
			}
			if (m) /* its size is unknown: at most msgmax */
				m->size = q->msgmax > len ? q->msgmax : len + 1;
			return ipcx__fail(EMSGSIZE,
					  "%s: the next message is larger than "
					  "%zu bytes; it stays queued",
					  c->name, len);
		}
		if (errno != ENOMSG && errno != EAGAIN)
			return sysvmq_error(c, errno, "receive");
		if (!poll_wait)
			return ipcx__fail(EAGAIN, "%s: no message (nonblock)",
					  c->name);
		if (deadline == -2)
			deadline = ipcx__deadline(c);
		int e = ipcx__backoff(c, deadline, &step);
		if (e < 0)
			return e;
	}
}

static int sysvmq_close(struct ipcx_chan *c)
{
	struct sysvmq *q = (struct sysvmq *)c;

	free(q->sbuf);
	free(q->rbuf);
	ipcx__chan_free(c);
	return 0;
}

static int sysvmq_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	const struct sysvmq *q = (const struct sysvmq *)c;
	struct msqid_ds ds;

	i->id = q->id;
	i->msgsize = (long)q->msgmax;
	if (msgctl(q->id, IPC_STAT, &ds) < 0)
		return sysvmq_error(c, errno, "msgctl(IPC_STAT)");
	i->capacity = (long)ds.msg_qbytes;
	i->queued = (long)ds.msg_qnum;
	i->peer_pid = ds.msg_lspid; /* the last sender */
	return 0;
}

static int sysvmq_unlink(const struct ipcx_addr *a)
{
	int id, r = ipcx__sysv_lookup(a, q_get, q_stat, "queue", &id);

	if (r < 0)
		return r;
	if (msgctl(id, IPC_RMID, NULL) < 0)
		return ipcx__fail(errno, "%s: msgctl(IPC_RMID): %m", a->text);
	return 0;
}

/* /proc/sysvipc/msg, one row per queue.  Nothing attaches to a queue:
 * holders cannot be known.  Stale: it was used, and the last sender and
 * the last receiver are dead (a queue never used is not: its creator is
 * not recorded). */
static int sysvmq_row(struct ipcx__lister *l, const char *line,
		      struct ipcx_object *o, int *key)
{
	long long k, cbytes, st, rt, ct;
	unsigned perms;
	int lspid, lrpid;

	(void)l;
	if (sscanf(line,
		   "%lld %lld %o %lld %lld %d %d %lld %lld %*d %*d %lld %lld "
		   "%lld",
		   &k, &o->id, &perms, &cbytes, &o->size, &lspid, &lrpid,
		   &o->uid, &o->gid, &st, &rt, &ct) != 12)
		return 0;
	*key = (int)k;
	o->mode = (int)(perms & 0777);
	o->size_unit = "messages";
	o->last = st >= rt ? lspid : lrpid;
	o->changed = st > rt ? (st > ct ? st : ct) : (rt > ct ? rt : ct);
	snprintf(o->detail, sizeof(o->detail), "%lld bytes queued", cbytes);
	o->stale =
		(lspid || lrpid) && !ipcx__alive(lspid) && !ipcx__alive(lrpid);
	o->unheld = !lspid && !lrpid; /* never used: no creator recorded */
	return 1;
}

static int sysvmq_list(struct ipcx__lister *l)
{
	return ipcx__sysv_list(l, "msg", "queue", sysvmq_row);
}

static int sysvmq_limits(struct ipcx_limit *out, size_t max)
{
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("largest message (msgmax)",
			    ipcx__read_proc("/proc/sys/kernel/msgmax", 0),
			    "bytes", "/proc/sys/kernel/msgmax"),
		IPCX__LIMIT("bytes per queue, default (msgmnb)",
			    ipcx__read_proc("/proc/sys/kernel/msgmnb", 0),
			    "bytes", "/proc/sys/kernel/msgmnb"),
		{"queues on the system (MSGMNI)",
		 ipcx__read_proc("/proc/sys/kernel/msgmni", 0), "queues",
		 "/proc/sys/kernel/msgmni", true, ipcx__sysv_count("msg")},
	};
	size_t n = 0;

	n = ipcx__limits_add(out, n, max, rows, IPCX__ARRAY_SIZE(rows));
	return (int)n;
}

static const struct ipcx__opt *const sysvmq_opts[] = {
	&ipcx__opt_proj,
	&opt_type,
	NULL,
};

static const struct ipcx__chan_ops sysvmq_chan = {
	.open = sysvmq_open,
	.send = sysvmq_send,
	.recv = sysvmq_recv,
	.close = sysvmq_close,
	.get = sysvmq_get,
};

const struct ipcx__facility ipcx__sysvmq_ops = {
	.info = {.scheme = "sysvmq",
		 .title = "System V message queue",
		 .name = "key: 0x1f, 31, PATH (ftok), private",
		 .handle = "msqid",
		 .standard = "System V (XSI)",
		 .semantics = IPCX_MESSAGE,
		 .caps = IPCX_CAP_NAMED | IPCX_CAP_CONNLESS | IPCX_CAP_CHANNEL |
			 IPCX_CAP_QUEUE},
	.common = IPCX__COMMON_ALL,
	.opts = sysvmq_opts,
	.parse = sysvmq_parse,
	.unlink = sysvmq_unlink,
	.limits = sysvmq_limits,
	.list = sysvmq_list,
	.chan = &sysvmq_chan,
};
