/* SPDX-License-Identifier: MIT */
/* Anonymous shared mappings: memory a process shares with its children. */
#include "../internal.h"

#include <errno.h>
#include <sys/mman.h>

static int anon_parse(struct ipcx__addr *a)
{
	if (a->target[0])
		return ipcx__fail(EINVAL,
				  "'%s': anon takes no name: it is shared "
				  "with the children forked after it is made",
				  a->text);
	return 0;
}

static int anon_region_open(const struct ipcx__addr *a, unsigned flags,
			    size_t size, struct ipcx_region *r)
{
	(void)flags;
	int e = ipcx__region_size(a, r, size, false, 0, &size);

	return e < 0 ? e : ipcx__region_map(r, -1, size);
}

static void anon_region_close(struct ipcx_region *r)
{
	munmap(r->base, r->size);
}

const struct ipcx_facility_ops ipcx__anon_ops = {
	.info = {.scheme = "anon",
		 .title = "anonymous shared mapping",
		 .name = "none (fork)",
		 .handle = "none",
		 .standard = "POSIX (MAP_ANONYMOUS: Linux, BSD)",
		 .semantics = IPCX_SHARED_MEMORY,
		 .caps = 0},
	.options = IPCX__OPT_CREATE | IPCX__OPT_SIZE | IPCX__OPT_RING,
	.parse = anon_parse,
	IPCX__RING_OPS,
	.region_open = anon_region_open,
	.region_close = anon_region_close,
};
