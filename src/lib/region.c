/* SPDX-License-Identifier: MIT */
/* The region core: mapping, sizes, bounded copies; dispatch per facility. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const struct ipcx__opt ipcx__opt_size = {
	.pub = {"size", "bytes (with K, M, G)",
		"a region: all of an object that exists (a new one needs it); "
		"a ring: 1M when it creates",
		"how much to create or map"},
	.kind = IPCX__OPT_SIZE,
	.roles = IPCX__ROLE_CHAN | IPCX__ROLE_REGION,
	.min = 0,
	.max = LLONG_MAX,
};

int ipcx__region_map(struct ipcx_region *r, int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       fd < 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return ipcx__fail(errno, "%s: mmap of %zu bytes: %m", r->name,
				  size);
	r->base = p;
	r->size = size;
	return 0;
}

int ipcx__region_size(const struct ipcx_addr *a, const struct ipcx_region *r,
		      size_t size, bool exists, size_t cur, size_t *out)
{
	if (exists && r->size_if_new)
		size = 0; /* size= was for creating it */
	else if (ipcx__opt_given(a, &ipcx__opt_size))
		size = (size_t)ipcx__opt(a, &ipcx__opt_size);
	if (exists) {
		if (size == 0)
			size = cur;
		if (size == 0)
			return ipcx__fail(EINVAL,
					  "%s: the object is empty: give a "
					  "size to create it with",
					  a->text);
		if (size > cur)
			return ipcx__fail(EINVAL,
					  "%s: the object is %zu bytes, less "
					  "than the %zu asked (touching past "
					  "its end would raise SIGBUS)",
					  a->text, cur, size);
	} else if (size == 0) {
		return ipcx__fail(EINVAL,
				  "%s: a new region needs a size (size=, "
				  "with K, M, G)",
				  a->text);
	}
	*out = size;
	return 0;
}

static int region_fd_setup(const struct ipcx_addr *a, struct ipcx_region *r,
			   int fd, bool created, size_t size)
{
	struct stat st;
	int e;

	if (fstat(fd, &st) < 0) {
		e = ipcx__fail(errno, "%s: fstat: %m", a->text);
		goto fail;
	}
	e = ipcx__region_size(a, r, size, !created, (size_t)st.st_size, &size);
	if (e < 0)
		goto fail;
	/* New bytes read as zeros.  Their room is reserved now: a sparse
	 * object on a full filesystem would raise SIGBUS at the first
	 * write of a page instead of failing here. */
	if (created && ftruncate(fd, (off_t)size) < 0) {
		e = ipcx__fail(errno, "%s: ftruncate to %zu bytes: %m", a->text,
			       size);
		goto fail;
	}
	if (created && (e = posix_fallocate(fd, 0, (off_t)size)) != 0) {
		e = e == ENOSPC ? ipcx__fail(ENOSPC,
					     "%s: no room for %zu bytes on "
					     "its filesystem (df; the "
					     "object was removed)",
					     a->text, size)
				: ipcx__fail(e, "%s: reserving %zu bytes: %s",
					     a->text, size, strerror(e));
		goto fail;
	}
	e = ipcx__region_map(r, fd, size);
	if (e < 0)
		goto fail;
	r->fd = fd;
	return 0;
fail:
	close(fd);
	return e;
}

int ipcx__region_fd_open(const struct ipcx_addr *a, unsigned flags, size_t size,
			 struct ipcx_region *r, const struct ipcx__fd_object *o)
{
	mode_t mode = ipcx__addr_mode(a);
	/* Never through a symlink, unless follow=1 (and never where we
	 * create). */
	int nofollow = ipcx__nofollow(a);
	bool created = false;
	struct stat st;
	int fd = -1, e;

	/* O_EXCL first, so that we know whether the object is ours to size
	 * (and to remove if this open fails). */
	if (flags & IPCX_CREATE) {
		fd = o->open(a->target,
			     O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     (mode_t)mode);
		if (fd >= 0) {
			created = true;
			/* The umask narrowed it: mode= is exact. */
			if (fchmod(fd, (mode_t)mode) < 0) {
				e = ipcx__fail(errno, "%s: fchmod: %m",
					       a->text);
				goto fail;
			}
		} else if (errno != EEXIST || (flags & IPCX_EXCL)) {
			return ipcx__fail_open(a->text, errno, o->kind,
					       o->call);
		}
	}
	if (fd < 0 &&
	    (fd = o->open(a->target, O_RDWR | O_CLOEXEC | nofollow, 0)) < 0)
		return errno == ELOOP ? ipcx__fail_link(a)
				      : ipcx__fail_open(a->text, errno, o->kind,
							o->call);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = ipcx__fail(EINVAL, "%s: not a regular file", a->text);
		goto fail;
	}
	e = region_fd_setup(a, r, fd, created, size);
	fd = -1; /* closed by region_fd_setup on failure, kept on success */
	if (e == 0) {
		r->creator = created ? getpid() : 0;
		if (created)
			snprintf(r->object, sizeof(r->object), "%s", a->target);
		return 0;
	}
fail:
	if (fd >= 0)
		close(fd);
	if (created)
		o->remove(a->target);
	return e;
}

int ipcx__region_fd_check(const struct ipcx_region *r)
{
	struct stat st;

	if (fstat(r->fd, &st) < 0)
		return ipcx__fail(errno, "%s: fstat: %m", r->name);
	if ((size_t)st.st_size < r->size)
		return ipcx__fail(EFAULT,
				  "%s: the object shrank to %lld bytes under "
				  "its %zu-byte mapping",
				  r->name, (long long)st.st_size, r->size);
	return 0;
}

void ipcx__region_fd_close(struct ipcx_region *r)
{
	munmap(r->base, r->size);
	close(r->fd);
}

int ipcx__region_open(const struct ipcx_addr *a, unsigned flags, size_t size,
		      struct ipcx_region *r)
{
	int e = a->ops->region->open(a, flags, size, r);

	if (e < 0)
		return e;
	r->watch = ipcx__fault_watch(r->base, r->size);
	if (r->watch)
		return 0;
	if (r->creator == getpid() && r->ops->region->unlink_self)
		r->ops->region->unlink_self(r);
	r->ops->region->close(r);
	return ipcx__fail(ENOMEM,
			  "%s: cannot watch the mapping for SIGBUS (no "
			  "memory, or sigaction refused)",
			  a->text);
}

int ipcx__region_lost(const struct ipcx_region *r)
{
	if (!ipcx__fault_lost(r->watch))
		return 0;
	return ipcx__fail(EFAULT,
			  "%s: the object shrank under its mapping, or its "
			  "memory could not be allocated (SIGBUS): its "
			  "contents are gone",
			  r->name);
}

int ipcx_region_open_addr(const struct ipcx_addr *a, unsigned flags,
			  size_t size, struct ipcx_region **out)
{
	struct ipcx_region *r;
	int e;

	if (!a || !out)
		return ipcx__fail(EINVAL, "ipcx_region_open: NULL argument");
	if (!a->ops->region)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: %s is not shared memory (regions are "
				  "posixshm, sysvshm, mmap, anon)",
				  a->text, a->ops->info.scheme);
	e = ipcx__addr_role(a, IPCX__ROLE_REGION,
			    "a mapped region (only to a ring: ipcx_open)");
	if (e < 0)
		return e;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ops = a->ops;
	r->fd = -1;
	r->id = -1;
	snprintf(r->name, sizeof(r->name), "%s", a->text);
	e = ipcx__region_open(a, ipcx__addr_flags(a, flags), size, r);
	if (e < 0) {
		free(r);
		return e;
	}
	*out = r;
	return 0;
}

int ipcx_region_open(const char *addr, unsigned flags, size_t size,
		     struct ipcx_region **out)
{
	IPCX__WITH_ADDR(addr, NULL,
			ipcx_region_open_addr(&a, flags, size, out));
}

void *ipcx_region_base(const struct ipcx_region *r)
{
	return r ? r->base : NULL;
}

size_t ipcx_region_size(const struct ipcx_region *r)
{
	return r ? r->size : 0;
}

int ipcx_region_get(const struct ipcx_region *r, struct ipcx_region_info *out)
{
	struct ipcx_region_info i = {.id = -1};
	size_t n;

	if (!r || !out)
		return ipcx__fail(EINVAL, "ipcx_region_get: NULL argument");
	int e = ipcx__struct_size(out->struct_size, sizeof(*out), sizeof(*out),
				  "ipcx_region_info", &n);
	if (e < 0)
		return e;
	i.struct_size = out->struct_size;
	i.facility = &r->ops->info;
	i.size = r->size;
	i.id = r->id;
	if (snprintf(i.address, sizeof(i.address), "%s", r->name) >=
	    (int)sizeof(i.address))
		i.address[0] = '\0'; /* never a cut address */
	memcpy(out, &i, n);
	return 0;
}

static int region_bounds(const struct ipcx_region *r, size_t off, size_t len)
{
	if (!r)
		return ipcx__fail(EINVAL, "ipcx_region: NULL region");
	if (off > r->size || len > r->size - off)
		return ipcx__fail(EINVAL,
				  "%s: %zu bytes at offset %zu go past the "
				  "region's %zu",
				  r->name, len, off, r->size);
	int e = ipcx__region_lost(r);
	if (e < 0)
		return e;
	return r->ops->region->check ? r->ops->region->check(r) : 0;
}

ssize_t ipcx_region_read(const struct ipcx_region *r, size_t off, void *buf,
			 size_t len)
{
	int e = region_bounds(r, off, len);

	if (e < 0)
		return e;
	memcpy(buf, (const char *)r->base + off, len);
	e = ipcx__region_lost(r);
	return e < 0 ? e : (ssize_t)len;
}

ssize_t ipcx_region_write(struct ipcx_region *r, size_t off, const void *buf,
			  size_t len)
{
	int e = region_bounds(r, off, len);

	if (e < 0)
		return e;
	memcpy((char *)r->base + off, buf, len);
	e = ipcx__region_lost(r);
	return e < 0 ? e : (ssize_t)len;
}

int ipcx_region_unlink(const struct ipcx_region *r)
{
	if (!r)
		return ipcx__fail(EINVAL, "ipcx_region_unlink: NULL region");
	if (r->creator != getpid() || !r->ops->region->unlink_self)
		return 0;
	int e = r->ops->region->unlink_self(r);
	return e < 0 ? ipcx__fail(-e, "%s: removing it: %s", r->name,
				  ipcx_strerror(e))
		     : 0;
}

int ipcx_region_close(struct ipcx_region *r)
{
	if (!r)
		return 0;
	ipcx__fault_unwatch(r->watch);
	r->ops->region->close(r);
	free(r);
	return 0;
}

void *ipcx__region_place(struct ipcx_region *r, size_t offset, size_t size,
			 const char *what)
{
	if (!r)
		return ipcx__fail(EINVAL, "%s: no region", what), NULL;
	if (offset % 8 || offset > r->size || r->size - offset < size) {
		ipcx__fail(EINVAL,
			   "%s: a %s of %zu bytes at offset %zu does not fit "
			   "a region of %zu bytes aligned to 8",
			   r->name, what, size, offset, r->size);
		return NULL;
	}
	if (r->ops->region->check && r->ops->region->check(r) < 0)
		return NULL;
	return (char *)r->base + offset;
}
