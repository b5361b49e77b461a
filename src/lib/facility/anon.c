/* SPDX-License-Identifier: MIT */
/* Anonymous shared mappings: memory a process shares with its children. */
#include "../internal.h"

#include <errno.h>
#include <sys/mman.h>

static int anon_parse(struct ipcx_addr *a)
{
	if (a->target[0])
		return ipcx__fail(EINVAL,
				  "'%s': anon takes no name: it is shared "
				  "with the children forked after it is made",
				  a->text);
	return 0;
}

static int anon_region_open(const struct ipcx_addr *a, unsigned flags,
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

static const struct ipcx__opt *const anon_opts[] = {
	&ipcx__opt_size,
	&ipcx__opt_wait,
	NULL,
};

static const struct ipcx__region_ops anon_region = {
	.open = anon_region_open,
	.close = anon_region_close,
};

const struct ipcx__facility ipcx__anon_ops = {
	.info = {.scheme = "anon",
		 .title = "anonymous shared mapping",
		 .name = "none (fork)",
		 .handle = "none",
		 .standard = "POSIX (MAP_ANONYMOUS: Linux, BSD)",
		 .semantics = IPCX_SHARED_MEMORY,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_PAIR | IPCX_CAP_CHANNEL |
			 IPCX_CAP_REGION | IPCX_CAP_LISTEN},
	.common = IPCX__COMMON_CREATE | IPCX__COMMON_WAITS,
	.opts = anon_opts,
	.parse = anon_parse,
	.chan = &ipcx__ring_chan,
	.region = &anon_region,
};
