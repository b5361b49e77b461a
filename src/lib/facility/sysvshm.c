/* SPDX-License-Identifier: MIT */
/* System V shared memory: a segment under a key, attached as a region. */
#include "../sysv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static int m_get(int key)
{
	/* The mode bits are the access checked now: read and write. */
	return shmget(key, 0, 0600);
}

static int m_stat(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds);
}

/* shmget() failing to create SIZE bytes: which limit, and where. */
static int create_error(const struct ipcx_addr *a, int err, size_t size)
{
	switch (err) {
	case ENOSPC:
		return ipcx__fail(
			ENOSPC,
			"%s: the system's segments are all used (shmmni = "
			"%lld, /proc/sys/kernel/shmmni), or %zu more bytes "
			"would pass the pages all segments may take (shmall = "
			"%lld pages, /proc/sys/kernel/shmall)",
			a->text, ipcx__read_proc("/proc/sys/kernel/shmmni", 0),
			size, ipcx__read_proc("/proc/sys/kernel/shmall", 0));
	case EINVAL:
		return ipcx__fail(
			EINVAL,
			"%s: a segment of %zu bytes is larger than "
			"one may be (shmmax = %lld, "
			"/proc/sys/kernel/shmmax)",
			a->text, size,
			ipcx__read_proc("/proc/sys/kernel/shmmax", 0));
	case ENOMEM:
		return ipcx__fail(ENOMEM,
				  "%s: no memory for a segment of %zu bytes",
				  a->text, size);
	default: return ipcx__fail_open(a->text, err, "segment", "shmget");
	}
}

static int sysvshm_region_open(const struct ipcx_addr *a, unsigned flags,
			       size_t size, struct ipcx_region *r)
{
	int mode = (int)ipcx__addr_mode(a);
	/* The mode bits are a new segment's mode, or the access checked on
	 * one that exists (as for sysvmq: read and write). */
	int key = -1, id = -1, e;
	bool created = false;
	struct shmid_ds ds;

	if (ipcx__sysv_by_id(a)) {
		/* An existing segment: create= has nothing to do. */
		if ((e = ipcx__sysv_lookup(a, m_get, m_stat, "segment", &id)) <
		    0)
			return e;
	} else if ((e = ipcx__sysv_key(a, &key)) < 0) {
		return e;
	} else if (flags & IPCX_CREATE) {
		size_t want;
		int size_err = ipcx__region_size(a, r, size, false, 0, &want);
		if (size_err == 0) {
			id = shmget(key, want, IPC_CREAT | IPC_EXCL | mode);
			if (id >= 0)
				created = true;
			else if (errno != EEXIST)
				return create_error(a, errno, want);
			else if (flags & IPCX_EXCL)
				return ipcx__fail_open(a->text, errno,
						       "segment", "shmget");
		} else if (flags & IPCX_EXCL) {
			return size_err;
		}
		if (id < 0 && (id = shmget(key, 0, 0600)) < 0)
			return errno == ENOENT
				       ? size_err
				       : ipcx__fail_open(a->text, errno,
							 "segment", "shmget");
	} else if ((e = ipcx__sysv_lookup(a, m_get, m_stat, "segment", &id)) <
		   0) {
		return e;
	}
	if (shmctl(id, IPC_STAT, &ds) < 0) {
		e = ipcx__fail(errno, "%s: shmctl(IPC_STAT): %m", a->text);
		goto fail;
	}
	e = ipcx__region_size(a, r, size, !created, ds.shm_segsz, &size);
	if (e < 0)
		goto fail;
	void *p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		e = ipcx__fail(errno, "%s: shmat: %m", a->text);
		goto fail;
	}
	r->base = p;
	r->size = size;
	r->id = id;
	r->creator = created ? getpid() : 0;
	/* A private segment has no key: from now on its id names it. */
	if (!ipcx__sysv_by_id(a) && key == IPC_PRIVATE)
		ipcx__sysv_address(r->name, sizeof(r->name), "sysvshm", 0, id);
	return 0;
fail:
	if (created)
		shmctl(id, IPC_RMID, NULL);
	return e;
}

/* /proc/sysvipc/shm, one row per segment.  Stale: nobody attached, and
 * its creator and the last process to attach or detach are dead. */
static int sysvshm_row(struct ipcx__lister *l, const char *line,
		       struct ipcx_object *o, int *key)
{
	long long k, at, dt, ct;
	unsigned perms;
	int e;

	if (sscanf(line,
		   "%lld %lld %o %lld %d %d %lld %lld %lld %*d %*d %lld %lld "
		   "%lld",
		   &k, &o->id, &perms, &o->size, &o->creator, &o->last,
		   &o->attached, &o->uid, &o->gid, &at, &dt, &ct) != 12)
		return 0;
	*key = (int)k;
	o->mode = (int)(perms & 0777);
	o->changed = at > dt ? (at > ct ? at : ct) : (dt > ct ? dt : ct);
	if (perms & SHM_DEST)
		snprintf(o->detail, sizeof(o->detail),
			 "removed: goes with the last detach");
	if ((e = ipcx__holders(l, IPCX__SYSV_DEV, (ino_t)o->id, o)) < 0)
		return e;
	o->stale = o->attached == 0 && o->nholders == 0 &&
		   !ipcx__alive(o->creator) && !ipcx__alive(o->last);
	return 1;
}

static int sysvshm_list(struct ipcx__lister *l)
{
	return ipcx__sysv_list(l, "shm", "segment", sysvshm_row);
}

static int sysvshm_unlink_self(const struct ipcx_region *r)
{
	return shmctl((int)r->id, IPC_RMID, NULL) < 0 && errno != EINVAL &&
			       errno != EIDRM
		       ? -errno
		       : 0;
}

static void sysvshm_region_close(struct ipcx_region *r)
{
	shmdt(r->base);
}

static int sysvshm_unlink(const struct ipcx_addr *a)
{
	int id, e = ipcx__sysv_lookup(a, m_get, m_stat, "segment", &id);

	if (e < 0)
		return e;
	/* The segment goes when the last process detaches. */
	if (shmctl(id, IPC_RMID, NULL) < 0)
		return ipcx__fail(errno, "%s: shmctl(IPC_RMID): %m", a->text);
	return 0;
}

static int sysvshm_limits(struct ipcx_limit *out, size_t max)
{
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("largest segment (SHMMAX)",
			    ipcx__read_proc("/proc/sys/kernel/shmmax", 0),
			    "bytes", "/proc/sys/kernel/shmmax"),
		IPCX__LIMIT("pages of all segments (SHMALL)",
			    ipcx__read_proc("/proc/sys/kernel/shmall", 0),
			    "pages", "/proc/sys/kernel/shmall"),
		{"segments on the system (SHMMNI)",
		 ipcx__read_proc("/proc/sys/kernel/shmmni", 0), "segments",
		 "/proc/sys/kernel/shmmni", true, ipcx__sysv_count("shm")},
	};
	size_t n = 0;

	n = ipcx__limits_add(out, n, max, rows, IPCX__ARRAY_SIZE(rows));
	return (int)n;
}

static const struct ipcx__opt *const sysvshm_opts[] = {
	&ipcx__opt_size,
	&ipcx__opt_wait,
	&ipcx__opt_duplex,
	&ipcx__opt_proj,
	NULL,
};

static const struct ipcx__region_ops sysvshm_region = {
	.open = sysvshm_region_open,
	.close = sysvshm_region_close,
	.unlink_self = sysvshm_unlink_self,
};

const struct ipcx__facility ipcx__sysvshm_ops = {
	.info = {.scheme = "sysvshm",
		 .title = "System V shared memory",
		 .name = "key: 0x1f, 31, PATH (ftok), private",
		 .handle = "shmid",
		 .standard = "System V (XSI)",
		 .semantics = IPCX_SHARED_MEMORY,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_NAMED | IPCX_CAP_CHANNEL |
			 IPCX_CAP_QUEUE | IPCX_CAP_REGION | IPCX_CAP_LISTEN},
	.common = IPCX__COMMON_ALL,
	.opts = sysvshm_opts,
	.parse = ipcx__sysv_parse,
	.unlink = sysvshm_unlink,
	.limits = sysvshm_limits,
	.list = sysvshm_list,
	.chan = &ipcx__ring_chan,
	.region = &sysvshm_region,
};
