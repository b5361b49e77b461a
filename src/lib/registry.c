/* SPDX-License-Identifier: MIT */
/* The facility registry: the one table of every working facility. */
#include "internal.h"

#include <errno.h>
#include <string.h>

/* Each facility file's one table: the core names them here only. */
extern const struct ipcx__facility ipcx__pipe_ops;
extern const struct ipcx__facility ipcx__fifo_ops;
extern const struct ipcx__facility ipcx__unix_ops;
extern const struct ipcx__facility ipcx__unix_dgram_ops;
extern const struct ipcx__facility ipcx__unix_seqpacket_ops;
extern const struct ipcx__facility ipcx__tcp_ops;
extern const struct ipcx__facility ipcx__udp_ops;
extern const struct ipcx__facility ipcx__pty_ops;
extern const struct ipcx__facility ipcx__exec_ops;
extern const struct ipcx__facility ipcx__stdio_ops;
extern const struct ipcx__facility ipcx__fd_ops;
extern const struct ipcx__facility ipcx__zmq_ops;
extern const struct ipcx__facility ipcx__sysvmq_ops;
extern const struct ipcx__facility ipcx__sysvsem_ops;
extern const struct ipcx__facility ipcx__posixsem_ops;
extern const struct ipcx__facility ipcx__flock_ops;
extern const struct ipcx__facility ipcx__fcntl_ops;
extern const struct ipcx__facility ipcx__signal_ops;
extern const struct ipcx__facility ipcx__posixmq_ops;
extern const struct ipcx__facility ipcx__posixshm_ops;
extern const struct ipcx__facility ipcx__sysvshm_ops;
extern const struct ipcx__facility ipcx__anon_ops;
extern const struct ipcx__facility ipcx__mmap_ops;

/* The order of ipcx info: channels, memory, synchronization, the rest. */
/* clang-format off */
static const struct ipcx__facility *const registry[] = {
	&ipcx__pipe_ops,
	&ipcx__fifo_ops,
	&ipcx__unix_ops,
	&ipcx__unix_dgram_ops,
	&ipcx__unix_seqpacket_ops,
	&ipcx__tcp_ops,
	&ipcx__udp_ops,
	&ipcx__sysvmq_ops,
	&ipcx__posixmq_ops,
	&ipcx__sysvshm_ops,
	&ipcx__posixshm_ops,
	&ipcx__anon_ops,
	&ipcx__mmap_ops,
	&ipcx__sysvsem_ops,
	&ipcx__posixsem_ops,
	&ipcx__flock_ops,
	&ipcx__fcntl_ops,
	&ipcx__signal_ops,
	&ipcx__pty_ops,
	&ipcx__exec_ops,
	&ipcx__stdio_ops,
	&ipcx__fd_ops,
	&ipcx__zmq_ops,
};
/* clang-format on */

const struct ipcx__facility *ipcx__facility_lookup(const char *scheme,
						   size_t len)
{
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(registry); i++) {
		const char *s = registry[i]->info.scheme;
		if (strlen(s) == len && !memcmp(s, scheme, len))
			return registry[i];
	}
	return NULL;
}

const struct ipcx__facility *ipcx__facility_nth(size_t i)
{
	return i < IPCX__ARRAY_SIZE(registry) ? registry[i] : NULL;
}

const struct ipcx_facility *ipcx_facility_find(const char *scheme)
{
	const struct ipcx__facility *ops =
		scheme ? ipcx__facility_lookup(scheme, strlen(scheme)) : NULL;

	return ops ? &ops->info : NULL;
}

const struct ipcx_facility *ipcx_facility_at(size_t i)
{
	return i < IPCX__ARRAY_SIZE(registry) ? &registry[i]->info : NULL;
}

const char *ipcx_semantics_name(enum ipcx_semantics s)
{
	switch (s) {
	case IPCX_BYTE_STREAM: return "byte stream";
	case IPCX_MESSAGE: return "message";
	case IPCX_SHARED_MEMORY: return "shared memory";
	case IPCX_SYNCHRONIZATION: return "synchronization";
	case IPCX_NOTIFICATION: return "notification";
	}
	return "?";
}

int ipcx_facility_limits(const struct ipcx_facility *fac, ipcx_limit_fn fn,
			 void *arg)
{
	/* The public row is the first member of the facility. */
	const struct ipcx__facility *f = (const struct ipcx__facility *)fac;
	struct ipcx_limit rows[32];
	int n, r = 0;

	if (!fac || !fn || ipcx_facility_find(fac->scheme) != fac)
		return ipcx__fail(EINVAL,
				  "ipcx_facility_limits: not a facility "
				  "or no function");
	n = f->limits ? f->limits(rows, IPCX__ARRAY_SIZE(rows)) : 0;
	for (int i = 0; r == 0 && i < n; i++)
		r = fn(&rows[i], arg);
	return r;
}
