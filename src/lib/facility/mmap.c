/* SPDX-License-Identifier: MIT */
/* Memory-mapped files: a regular file shared with MAP_SHARED. */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int mmap_parse(struct ipcx_addr *a)
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

static int mmap_region_open(const struct ipcx_addr *a, unsigned flags,
			    size_t size, struct ipcx_region *r)
{
	return ipcx__region_fd_open(a, flags, size, r, &mmap_object);
}

/* Only the file this region created: not one put there since. */
static int mmap_unlink_self(const struct ipcx_region *r)
{
	struct stat st, mine;

	if (fstat(r->fd, &mine) < 0 || lstat(r->object, &st) < 0 ||
	    st.st_dev != mine.st_dev || st.st_ino != mine.st_ino)
		return 0;
	return unlink(r->object) < 0 && errno != ENOENT ? -errno : 0;
}

static int mmap_unlink(const struct ipcx_addr *a)
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

static const struct ipcx__opt *const mmap_opts[] = {
	&ipcx__opt_size,
	&ipcx__opt_wait,
	&ipcx__opt_duplex,
	&ipcx__opt_follow,
	NULL,
};

static const struct ipcx__region_ops mmap_region = {
	.open = mmap_region_open,
	.check = ipcx__region_fd_check,
	.close = ipcx__region_fd_close,
	.unlink_self = mmap_unlink_self,
};

const struct ipcx__facility ipcx__mmap_ops = {
	.info = {.scheme = "mmap",
		 .title = "memory-mapped file",
		 .name = "pathname",
		 .handle = "fd",
		 .standard = "POSIX",
		 .semantics = IPCX_SHARED_MEMORY,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_NAMED | IPCX_CAP_CHANNEL |
			 IPCX_CAP_QUEUE | IPCX_CAP_REGION | IPCX_CAP_LISTEN},
	.common = IPCX__COMMON_ALL,
	.opts = mmap_opts,
	.parse = mmap_parse,
	.unlink = mmap_unlink,
	.chan = &ipcx__ring_chan,
	.region = &mmap_region,
};
