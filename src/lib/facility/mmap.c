/* SPDX-License-Identifier: MIT */
/* Memory-mapped files: a regular file shared with MAP_SHARED. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int mmap_parse(struct ipcx__addr *a)
{
	return ipcx__check_path(a);
}

static int mmap_open_file(const char *path, int oflag, mode_t mode)
{
	return open(path, oflag, mode);
}

static const struct ipcx__fd_object mmap_object = {
	.kind = "file",
	.call = "open",
	.open = mmap_open_file,
	.remove = unlink,
};

static int mmap_region_open(const struct ipcx__addr *a, unsigned flags,
			    size_t size, struct ipcx_region *r)
{
	return ipcx__region_fd_open(a, flags, size, r, &mmap_object);
}

static int mmap_unlink(const struct ipcx__addr *a)
{
	struct stat st;

	if (lstat(a->target, &st) < 0)
		return ipcx__fail_open(a->text, errno, "file", "lstat");
	if (!S_ISREG(st.st_mode))
		return ipcx__fail(EINVAL,
				  "%s: not a regular file; not removing it",
				  a->text);
	if (unlink(a->target) < 0)
		return ipcx__fail(errno, "%s: unlink: %m", a->text);
	return 0;
}

const struct ipcx_facility_ops ipcx__mmap_ops = {
	.info = {.scheme = "mmap",
		 .title = "memory-mapped file",
		 .name = "pathname",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_SHARED_MEMORY,
		 .caps = IPCX_CAP_NAMED},
	.options = IPCX__OPT_CREATE | IPCX__OPT_EXCL | IPCX__OPT_MODE |
		   IPCX__OPT_SIZE | IPCX__OPT_RING,
	.parse = mmap_parse,
	.unlink = mmap_unlink,
	IPCX__RING_OPS,
	.region_open = mmap_region_open,
	.region_check = ipcx__region_fd_check,
	.region_close = ipcx__region_fd_close,
};
