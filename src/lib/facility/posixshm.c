/* SPDX-License-Identifier: MIT */
/* POSIX shared memory: a /name in /dev/shm, mapped as a region. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int posixshm_parse(struct ipcx__addr *a)
{
	return ipcx__check_posix_name(a, "shared-memory object");
}

static int posixshm_region_open(const struct ipcx__addr *a, unsigned flags,
				size_t size, struct ipcx_region *r)
{
	int mode = a->opt.mode == IPCX__UNSET ? 0600 : a->opt.mode;
	bool created = false;
	int fd = -1, e;

	/* Create with O_EXCL first, so that we know whether the object is
	 * ours to size (and to remove if this open fails). */
	if (flags & IPCX_CREATE) {
		fd = shm_open(a->target, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			      (mode_t)mode);
		if (fd >= 0) {
			created = true;
			if (fchmod(fd, (mode_t)mode) < 0) {
				e = ipcx__fail(errno, "%s: fchmod: %m",
					       a->text);
				goto fail;
			}
		} else if (errno != EEXIST || (flags & IPCX_EXCL)) {
			return ipcx__fail_open(a->text, errno,
					       "shared-memory object",
					       "shm_open");
		}
	}
	if (fd < 0) {
		fd = shm_open(a->target, O_RDWR | O_CLOEXEC, 0);
		if (fd < 0)
			return ipcx__fail_open(a->text, errno,
					       "shared-memory object",
					       "shm_open");
	}
	e = ipcx__region_fd_setup(a, r, fd, created, size);
	if (e == 0)
		return 0;
	fd = -1;
fail:
	if (fd >= 0)
		close(fd);
	if (created)
		shm_unlink(a->target);
	return e;
}

static int posixshm_unlink(const struct ipcx__addr *a)
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
		{"room in /dev/shm, total",
		 ok ? (long long)vfs.f_blocks * (long long)vfs.f_frsize : -1,
		 "bytes", "mount -o remount,size=N /dev/shm"},
		{"room in /dev/shm, free",
		 ok ? (long long)vfs.f_bavail * (long long)vfs.f_frsize : -1,
		 "bytes", "df /dev/shm"},
	};
	size_t n = 0;

	for (size_t i = 0; i < IPCX__ARRAY_SIZE(rows) && n < max; i++)
		out[n++] = rows[i];
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

const struct ipcx_facility_ops ipcx__posixshm_ops = {
	.info = {.scheme = "posixshm",
		 .title = "POSIX shared memory",
		 .name = "/name",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_SHARED_MEMORY,
		 .caps = IPCX_CAP_NAMED},
	.options = IPCX__OPT_CREATE | IPCX__OPT_EXCL | IPCX__OPT_MODE |
		   IPCX__OPT_SIZE | IPCX__OPT_RING,
	.parse = posixshm_parse,
	.unlink = posixshm_unlink,
	.limits = posixshm_limits,
	IPCX__RING_OPS,
	.region_open = posixshm_region_open,
	.region_check = ipcx__region_fd_check,
	.region_close = ipcx__region_fd_close,
};
