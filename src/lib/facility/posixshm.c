/* SPDX-License-Identifier: MIT */
/* POSIX shared memory: a /name in /dev/shm, mapped as a region. */
#include "posixname.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int posixshm_parse(struct ipcx_addr *a)
{
	return ipcx__check_posix_name(a, "shared-memory object");
}

static const struct ipcx__fd_object posixshm_object = {
	.kind = "shared-memory object",
	.call = "shm_open",
	.open = shm_open,
	.remove = shm_unlink,
};

static int posixshm_region_open(const struct ipcx_addr *a, unsigned flags,
				size_t size, struct ipcx_region *r)
{
	return ipcx__region_fd_open(a, flags, size, r, &posixshm_object);
}

static int posixshm_unlink_self(const struct ipcx_region *r)
{
	return shm_unlink(r->object) < 0 && errno != ENOENT ? -errno : 0;
}

static int posixshm_unlink(const struct ipcx_addr *a)
{
	if (shm_unlink(a->target) < 0)
		return ipcx__fail_open(a->text, errno, "shared-memory object",
				       "shm_unlink");
	return 0;
}

static int posixshm_limits(struct ipcx_limit *out, size_t max)
{
	struct statvfs vfs;
	bool ok = statvfs("/dev/shm", &vfs) == 0;
	const struct ipcx_limit rows[] = {
		{"room in /dev/shm, total (/dev/shm)",
		 ok ? (long long)vfs.f_blocks * (long long)vfs.f_frsize : -1,
		 "bytes", "mount -o remount,size=N /dev/shm", ok,
		 ok ? (long long)(vfs.f_blocks - vfs.f_bfree) *
				 (long long)vfs.f_frsize
		    : -1},
		IPCX__LIMIT("room in /dev/shm, free",
			    ok ? (long long)vfs.f_bavail *
					    (long long)vfs.f_frsize
			       : -1,
			    "bytes", "df /dev/shm"),
	};
	size_t n = 0;

	n = ipcx__limits_add(out, n, max, rows, IPCX__ARRAY_SIZE(rows));
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

/* /dev/shm, all but the named semaphores ("sem.*"). */
static int posixshm_list(struct ipcx__lister *l)
{
	/* A ring in it records the pids of its senders and receivers. */
	return ipcx__list_shm_dir(l, "/dev/shm", NULL, "sem.", ipcx__ring_users,
				  NULL);
}

static const struct ipcx__opt *const posixshm_opts[] = {
	&ipcx__opt_size,
	&ipcx__opt_wait,
	&ipcx__opt_duplex,
	NULL,
};

static const struct ipcx__region_ops posixshm_region = {
	.open = posixshm_region_open,
	.check = ipcx__region_fd_check,
	.close = ipcx__region_fd_close,
	.unlink_self = posixshm_unlink_self,
};

const struct ipcx__facility ipcx__posixshm_ops = {
	.info = {.scheme = "posixshm",
		 .title = "POSIX shared memory",
		 .name = "/name",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_SHARED_MEMORY,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_NAMED | IPCX_CAP_CHANNEL |
			 IPCX_CAP_QUEUE | IPCX_CAP_REGION | IPCX_CAP_LISTEN},
	.common = IPCX__COMMON_ALL,
	.opts = posixshm_opts,
	.parse = posixshm_parse,
	.unlink = posixshm_unlink,
	.limits = posixshm_limits,
	.list = posixshm_list,
	.chan = &ipcx__ring_chan,
	.region = &posixshm_region,
};
