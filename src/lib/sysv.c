/* SPDX-License-Identifier: MIT */
/* System V IPC keys, shared by the System V facilities. */
#include "sysv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

const struct ipcx__opt ipcx__opt_proj = {
	.pub = {"proj", "an integer from 1 to 255", "1",
		"the project id ftok() makes a key from a path with"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_ALL,
	.min = 1,
	.max = 255,
	.def = 1,
};

/* What ipcx__sysv_parse() makes of TARGET. */
struct sysv_target {
	int key;      /* key_t; valid unless is_path */
	bool is_path; /* ftok(target, proj) at open */
	bool by_id;   /* "id:N": the object of that id */
	int id;
};

bool ipcx__sysv_by_id(const struct ipcx_addr *a)
{
	return ipcx__addr_priv(a, struct sysv_target)->by_id;
}

int ipcx__sysv_parse(struct ipcx_addr *a)
{
	struct sysv_target *st = ipcx__addr_priv(a, struct sysv_target);
	bool proj = ipcx__opt_given(a, &ipcx__opt_proj);
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
		if (proj)
			return ipcx__fail(EINVAL,
					  "proj= applies to a key made from a "
					  "path, in '%s'",
					  a->text);
		st->by_id = true;
		st->id = (int)id;
		return 0;
	}
	if (!strcmp(t, "private")) {
		st->key = IPC_PRIVATE;
		return 0;
	}
	if (t[0] == '/' || t[0] == '.') {
		st->is_path = true;
		return 0;
	}
	if (proj)
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
	st->key = (int)(unsigned)k;
	return 0;
}

int ipcx__sysv_key(const struct ipcx_addr *a, int *key)
{
	const struct sysv_target *st = ipcx__addr_priv(a, struct sysv_target);

	if (st->by_id)
		return ipcx__fail(EINVAL,
				  "%s: an id names an object that exists: it "
				  "has no key to create or look up",
				  a->text);
	if (!st->is_path) {
		*key = st->key;
		return 0;
	}
	int proj = (int)ipcx__opt(a, &ipcx__opt_proj);
	key_t k = ftok(a->target, proj);
	if (k == (key_t)-1)
		return ipcx__fail(errno,
				  "%s: ftok(%s, %d): %m (the path must exist)",
				  a->text, a->target, proj);
	*key = (int)k;
	return 0;
}

int ipcx__sysv_lookup(const struct ipcx_addr *a, int (*get)(int key),
		      int (*stat_id)(int id), const char *what, int *id)
{
	const struct sysv_target *st = ipcx__addr_priv(a, struct sysv_target);
	int key, r;

	if (st->by_id) {
		if (stat_id(st->id) == 0) {
			*id = st->id;
			return 0;
		}
		/* EINVAL and EIDRM: no such object (of this kind). */
		if (errno == EINVAL || errno == EIDRM)
			return ipcx__fail(ENOENT, "%s: no %s with id %d",
					  a->text, what, st->id);
		return ipcx__fail(errno, "%s: %s %d: %m", a->text, what,
				  st->id);
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

long long ipcx__sysv_count(const char *file)
{
	char path[64], line[512];
	long long n = -1; /* the heading */
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", file);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strchr(line, '\n'))
			n++;
	fclose(f);
	return n < 0 ? 0 : n;
}

void ipcx__sysv_address(char *buf, size_t n, const char *scheme, int key,
			int id)
{
	if (key)
		snprintf(buf, n, "%s:0x%08x", scheme, (unsigned)key);
	else
		snprintf(buf, n, "%s:id:%d", scheme, id);
}

int ipcx__sysv_only_key(const struct ipcx_addr *a, const char *what, int *key)
{
	const struct sysv_target *st = ipcx__addr_priv(a, struct sysv_target);

	if (!st->is_path && st->key == 0)
		return ipcx__fail(EINVAL,
				  "%s: a private %s has no key: name it by "
				  "its id (id:N, as ipcx ls shows it)",
				  a->text, what);
	return ipcx__sysv_key(a, key);
}

int ipcx__sysv_list(struct ipcx__lister *l, const char *file, const char *what,
		    int (*row)(struct ipcx__lister *l, const char *line,
			       struct ipcx_object *o, int *key))
{
	const struct ipcx__facility *ops = l->ops;
	const struct sysv_target *st =
		l->only ? ipcx__addr_priv(l->only, struct sysv_target) : NULL;
	char line[512], path[64];
	int e = 0, want = 0;
	FILE *f;

	if (st && !st->by_id &&
	    (e = ipcx__sysv_only_key(l->only, what, &want)) < 0)
		return e;
	snprintf(path, sizeof(path), "/proc/sysvipc/%s", file);
	if (!(f = fopen(path, "re"))) {
		ipcx__list_warn(l, "%s: %s: %s", ops->info.scheme, path,
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
		if (st && (st->by_id ? o.id != st->id : key != want))
			continue;
		o.key = (long long)(unsigned)key;
		ipcx__sysv_address(o.address, sizeof(o.address),
				   ops->info.scheme, key, (int)o.id);
		e = ipcx__emit(l, &o);
	}
	fclose(f);
	return e;
}
