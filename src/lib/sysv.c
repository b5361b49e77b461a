/* SPDX-License-Identifier: MIT */
/* System V IPC keys, shared by the System V facilities. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

/* The project id ftok() uses when the address does not say proj=. */
#define DEFAULT_PROJ 1

int ipcx__sysv_parse(struct ipcx__addr *a)
{
	const char *t = a->target;
	char *end;

	if (!*t)
		return ipcx__fail(EINVAL,
				  "'%s' names no key: give 0x1f, 31, a path, "
				  "or private",
				  a->text);
	if (!strcmp(t, "private")) {
		a->u.sysv.key = IPC_PRIVATE;
		return 0;
	}
	if (t[0] == '/' || t[0] == '.') {
		a->u.sysv.is_path = true;
		if (a->opt.proj != IPCX__UNSET_LL &&
		    (a->opt.proj < 1 || a->opt.proj > 255))
			return ipcx__fail(EINVAL,
					  "proj=%lld is out of range (1-255: "
					  "ftok uses its low 8 bits, and 0 is "
					  "unreliable) in '%s'",
					  a->opt.proj, a->text);
		return 0;
	}
	if (a->opt.proj != IPCX__UNSET_LL)
		return ipcx__fail(EINVAL,
				  "proj= applies to a key made from a path, "
				  "in '%s'",
				  a->text);
	errno = 0;
	unsigned long long k = strtoull(t, &end, 0);
	if (errno || *end || k > 0xffffffffull || t[0] == '-' || t[0] == '+')
		return ipcx__fail(EINVAL,
				  "bad key '%s' in '%s': give 0x1f, 31, an "
				  "absolute path, or private",
				  t, a->text);
	if (k == IPC_PRIVATE)
		return ipcx__fail(EINVAL,
				  "key 0 is IPC_PRIVATE: write 'private' in "
				  "'%s'",
				  a->text);
	a->u.sysv.key = (int)(unsigned)k;
	return 0;
}

int ipcx__sysv_key(const struct ipcx__addr *a, int *key)
{
	if (!a->u.sysv.is_path) {
		*key = a->u.sysv.key;
		return 0;
	}
	int proj =
		a->opt.proj == IPCX__UNSET_LL ? DEFAULT_PROJ : (int)a->opt.proj;
	key_t k = ftok(a->target, proj);
	if (k == (key_t)-1)
		return ipcx__fail(errno,
				  "%s: ftok(%s, %d): %m (the path must exist)",
				  a->text, a->target, proj);
	*key = (int)k;
	return 0;
}
