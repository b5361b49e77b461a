/* SPDX-License-Identifier: MIT */
/* System V IPC keys, shared by the System V facilities. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
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
	if (!strncmp(t, "id:", 3)) {
		/* An object by its id (ipcs, ipcx ls): it exists or not. */
		errno = 0;
		long id = strtol(t + 3, &end, 10);
		if (errno || *end || end == t + 3 || id < 0 || id > INT_MAX ||
		    !isdigit((unsigned char)t[3]))
			return ipcx__fail(EINVAL, "bad id '%s' in '%s'", t + 3,
					  a->text);
		if (a->opt.proj != IPCX__UNSET_LL)
			return ipcx__fail(EINVAL,
					  "proj= applies to a key made from a "
					  "path, in '%s'",
					  a->text);
		a->u.sysv.by_id = true;
		a->u.sysv.id = (int)id;
		return 0;
	}
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
	if (a->u.sysv.by_id)
		return ipcx__fail(EINVAL,
				  "%s: an id names an object that exists: it "
				  "has no key to create or look up",
				  a->text);
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

int ipcx__sysv_lookup(const struct ipcx__addr *a, int (*get)(int key),
		      int (*stat_id)(int id), const char *what, int *id)
{
	int key, r;

	if (a->u.sysv.by_id) {
		if (stat_id(a->u.sysv.id) == 0) {
			*id = a->u.sysv.id;
			return 0;
		}
		/* EINVAL and EIDRM: no such object (of this kind). */
		if (errno == EINVAL || errno == EIDRM)
			return ipcx__fail(ENOENT, "%s: no %s with id %d",
					  a->text, what, a->u.sysv.id);
		return ipcx__fail(errno, "%s: %s %d: %m", a->text, what,
				  a->u.sysv.id);
	}
	if ((r = ipcx__sysv_key(a, &key)) < 0)
		return r;
	if (key == IPC_PRIVATE)
		return ipcx__fail(EINVAL,
				  "%s: a private %s has no key: name it by "
				  "its id (id:N, as ipcx ls shows it)",
				  a->text, what);
	if ((*id = get(key)) < 0)
		return ipcx__fail_open(a->text, errno, what, "get");
	return 0;
}

void ipcx__sysv_address(char *buf, size_t n, const char *scheme, int key,
			int id)
{
	if (key)
		snprintf(buf, n, "%s:0x%08x", scheme, (unsigned)key);
	else
		snprintf(buf, n, "%s:id:%d", scheme, id);
}

int ipcx__sysv_only_key(const struct ipcx__addr *a, const char *what, int *key)
{
	if (!a->u.sysv.is_path && a->u.sysv.key == 0)
		return ipcx__fail(EINVAL,
				  "%s: a private %s has no key: name it by "
				  "its id (id:N, as ipcx ls shows it)",
				  a->text, what);
	return ipcx__sysv_key(a, key);
}

int ipcx__sysv_list(struct ipcx__lister *l, const struct ipcx_facility_ops *ops,
		    const char *file, const char *what,
		    int (*row)(struct ipcx__lister *l, const char *line,
			       struct ipcx_object *o, int *key))
{
	char line[512], path[64];
	int e = 0, want = 0;
	FILE *f;

	if (l->only && !l->only->u.sysv.by_id &&
	    (e = ipcx__sysv_only_key(l->only, what, &want)) < 0)
		return e;
	snprintf(path, sizeof(path), "/proc/sysvipc/%s", file);
	if (!(f = fopen(path, "re"))) {
		ipcx__list_warn("%s: %s: %s", ops->info.scheme, path,
				strerror(errno));
		return 0;
	}
	while (e == 0 && fgets(line, sizeof(line), f)) {
		struct ipcx_object o;
		int key;
		ipcx__object_init(&o, ops);
		if ((e = row(l, line, &o, &key)) <= 0) {
			e = e < 0 ? e : 0; /* 0: the heading */
			continue;
		}
		e = 0;
		if (l->only &&
		    (l->only->u.sysv.by_id ? o.id != l->only->u.sysv.id
					   : key != want))
			continue;
		ipcx__sysv_address(o.address, sizeof(o.address),
				   ops->info.scheme, key, (int)o.id);
		e = ipcx__emit(l, &o);
	}
	fclose(f);
	return e;
}
