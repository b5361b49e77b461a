/* SPDX-License-Identifier: MIT */
/* POSIX IPC names, and the objects of /dev/shm (posixshm, posixsem). */
#include "posixname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ipcx__check_posix_name(const struct ipcx_addr *a, const char *what)
{
	const char *t = a->target;
	size_t len = strlen(t);

	if (t[0] != '/' || len < 2)
		return ipcx__fail(EINVAL,
				  "'%s': a POSIX %s is named /name (one "
				  "leading slash)",
				  a->text, what);
	if (strchr(t + 1, '/'))
		return ipcx__fail(EINVAL,
				  "'%s': no slash may follow the leading one",
				  a->text);
	if (len - 1 > NAME_MAX)
		return ipcx__fail(EINVAL,
				  "'%s': the name is %zu bytes, more than "
				  "NAME_MAX (%d)",
				  a->text, len - 1, NAME_MAX);
	return 0;
}

/* Whether the object NAME in DFD has recorded users, all dead. */
static int judge(struct ipcx_object *o, int dfd, const char *name,
		 ipcx__users_fn users)
{
	int32_t pids[32];
	int n = -1;

	o->unheld = o->nholders == 0;
	if (!users || o->nholders)
		return 0;
	int fd = openat(dfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		n = users(fd, pids, 32);
		close(fd);
	}
	if (n <= 0)
		return 0; /* nobody recorded: unheld */
	o->unheld = false;
	o->stale = true;
	for (int i = 0; i < n; i++) {
		if (ipcx__alive(pids[i]))
			o->stale = false;
		o->last = pids[i];
	}
	return 0;
}

int ipcx__list_shm_dir(struct ipcx__lister *l, const char *dir,
		       const char *prefix, const char *skip,
		       ipcx__users_fn users, ipcx__fill_fn fill)
{
	const struct ipcx__facility *ops = l->ops;
	size_t plen = prefix ? strlen(prefix) : 0;
	struct dirent *d;
	DIR *dp;
	int e = 0;

	if (l->only) {
		/* One name: the object of the address, if it is one. */
		const char *name = l->only->target + 1;
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s%s", dir,
			 prefix ? prefix : "", name);
		if (lstat(path, &st) < 0)
			return ipcx__fail(errno, "%s: %m", l->only->text);
		if (!S_ISREG(st.st_mode))
			return ipcx__fail(EINVAL,
					  "%s: %s is not a regular file of "
					  "shared memory",
					  l->only->text, path);
	}
	if (!(dp = opendir(dir))) {
		ipcx__list_warn(l, "%s: %s: %s", ops->info.scheme, dir,
				strerror(errno));
		return 0;
	}
	int dfd = dirfd(dp);
	while (e == 0 && (d = readdir(dp))) {
		const char *n = d->d_name;
		struct stat st;
		struct ipcx_object o;
		if (n[0] == '.' || (prefix && strncmp(n, prefix, plen)) ||
		    (skip && !strncmp(n, skip, strlen(skip))))
			continue;
		if (l->only && strcmp(n + plen, l->only->target + 1))
			continue;
		if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		ipcx__object_init(&o, ops);
		char target[NAME_MAX + 2];
		snprintf(target, sizeof(target), "/%s", n + plen);
		if (ipcx__addr_format(o.address, sizeof(o.address),
				      ops->info.scheme,
				      target) >= (int)sizeof(o.address)) {
			ipcx__list_warn(l,
					"%s: %s/%s: a name too long for an "
					"address",
					ops->info.scheme, dir, n);
			continue;
		}
		ipcx__object_stat(&o, &st);
		if (fill)
			fill(l, &o, dfd, n);
		if ((e = ipcx__holders(l, st.st_dev, st.st_ino, &o)) < 0)
			break;
		/* The kernel records no creator: an object nobody maps or
		 * has open is unheld, and stale only when what it holds
		 * (an ipcx ring) names who used it, all dead. */
		judge(&o, dfd, n, users);
		e = ipcx__emit(l, &o);
	}
	closedir(dp);
	return e;
}
