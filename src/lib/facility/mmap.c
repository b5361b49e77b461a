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

static int mmap_region_open(const struct ipcx__addr *a, unsigned flags,
			    size_t size, struct ipcx_region *r)
{
	int mode = a->opt.mode == IPCX__UNSET ? 0600 : a->opt.mode;
	bool created = false;
	struct stat st;
	int fd = -1, e;

	/* O_NOFOLLOW where we may create: a symlink planted at the path
	 * must not make us create or truncate a file elsewhere. */
	if (flags & IPCX_CREATE) {
		fd = open(a->target,
			  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  mode);
		if (fd >= 0) {
			created = true;
			if (fchmod(fd, (mode_t)mode) < 0) {
				e = ipcx__fail(errno, "%s: fchmod: %m",
					       a->text);
				goto fail;
			}
		} else if (errno != EEXIST || (flags & IPCX_EXCL)) {
			return ipcx__fail_open(a->text, errno, "file", "open");
		}
	}
	if (fd < 0) {
		fd = open(a->target,
			  O_RDWR | O_CLOEXEC |
				  (flags & IPCX_CREATE ? O_NOFOLLOW : 0));
		if (fd < 0)
			return errno == ELOOP
				       ? ipcx__fail(
						 ELOOP,
						 "%s: is a symbolic link; not "
						 "following it",
						 a->text)
				       : ipcx__fail_open(a->text, errno, "file",
							 "open");
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = ipcx__fail(EINVAL, "%s: not a regular file", a->text);
		goto fail;
	}
	e = ipcx__region_fd_setup(a, r, fd, created, size);
	if (e == 0)
		return 0;
	fd = -1;
fail:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(a->target);
	return e;
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
