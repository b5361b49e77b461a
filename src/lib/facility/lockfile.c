/* SPDX-License-Identifier: MIT */
/* Lock files: opening them safely, and /proc/locks (flock and fcntl). */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int ipcx__lock_file(const struct ipcx_addr *a, unsigned flags, int *out)
{
	const char *path = a->target;
	struct stat st;
	int fd = -1;

	if (flags & IPCX_CREATE) {
		/* Create it ourselves (never through a symlink), 0600 or
		 * mode=; a file that appeared meanwhile is just opened. */
		mode_t mode = ipcx__addr_mode(a);
		fd = open(path,
			  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
				  O_NOCTTY,
			  mode);
		if (fd >= 0 && fchmod(fd, mode) < 0) {
			int e = errno;
			close(fd);
			unlink(path);
			return ipcx__fail(e, "%s: fchmod: %s", a->text,
					  ipcx_strerror(e));
		}
		if (fd < 0 && errno == EEXIST && (flags & IPCX_EXCL))
			return ipcx__fail_open(a->text, EEXIST, "file", "open");
		if (fd < 0 && errno != EEXIST)
			return ipcx__fail_open(a->text, errno, "file", "open");
	}
	if (fd < 0) {
		int nofollow = ipcx__nofollow(a);
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | nofollow);
		if (fd < 0 &&
		    (errno == EACCES || errno == EROFS || errno == EISDIR))
			fd = open(path,
				  O_RDONLY | O_CLOEXEC | O_NOCTTY | nofollow);
		if (fd < 0 && errno == ELOOP && nofollow)
			return ipcx__fail_link(a);
		if (fd < 0 && errno == ENOENT)
			return ipcx__fail(ENOENT,
					  "%s: no such file (create=1 makes "
					  "it)",
					  a->text);
		if (fd < 0)
			return ipcx__fail_open(a->text, errno, "file", "open");
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ipcx__fail(EINVAL, "%s: not a regular file", a->text);
	}
	*out = fd;
	return 0;
}

int ipcx__proc_locks(int fd, const char *kind, bool want_write, long long start,
		     long long len, pid_t skip, pid_t *pid)
{
	struct stat st;
	char line[256];
	FILE *f;

	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/locks", "re")))
		return 0;
	long long end = len ? start + len - 1 : LLONG_MAX;
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char type[16], rw[16], s_end[32];
		unsigned maj, min;
		unsigned long long ino;
		long long s_start, e;
		int p, n = 0;
		if (sscanf(line, "%*d: %15s %*s %15s %d %x:%x:%llu %lld %31s%n",
			   type, rw, &p, &maj, &min, &ino, &s_start, s_end,
			   &n) < 8 ||
		    strcmp(type, kind)) /* "->": a waiter, not a holder */
			continue;
		if (maj != major(st.st_dev) || min != minor(st.st_dev) ||
		    ino != (unsigned long long)st.st_ino)
			continue;
		e = strcmp(s_end, "EOF") ? strtoll(s_end, NULL, 10) : LLONG_MAX;
		if (e < start || s_start > end)
			continue;
		if (!want_write && strcmp(rw, "WRITE"))
			continue;
		if (p == skip && p > 0)
			continue;
		*pid = p;
		found = 1;
	}
	fclose(f);
	return found;
}

int ipcx__list_locks(struct ipcx__lister *l, bool flock,
		     bool (*match)(const struct ipcx_addr *only,
				   long long start, long long end))
{
	const struct ipcx__facility *ops = l->ops;
	char line[256];
	struct stat only;
	FILE *f;
	int e = 0;

	/* Looked up by address: the locks on that very file (its device
	 * and inode), never on another whose name merely starts alike. */
	if (l->only && stat(l->only->target, &only) < 0)
		return ipcx__fail(errno, "%s: %s", l->only->text,
				  ipcx_strerror(errno));
	if (!(f = fopen("/proc/locks", "re"))) {
		ipcx__list_warn(l, "%s: /proc/locks: %s", ops->info.scheme,
				strerror(errno));
		return 0;
	}
	while (e == 0 && fgets(line, sizeof(line), f)) {
		char type[16], adv[16], rw[16], s_end[32], path[PATH_MAX];
		unsigned maj, min;
		unsigned long long ino;
		long long start;
		int pid;
		struct ipcx_object o;
		struct stat st;
		/* "->" marks a waiter, not a holder. */
		if (strstr(line, "->") ||
		    sscanf(line, "%*d: %15s %15s %15s %d %x:%x:%llu %lld %31s",
			   type, adv, rw, &pid, &maj, &min, &ino, &start,
			   s_end) < 9)
			continue;
		if (flock != !strcmp(type, "FLOCK"))
			continue;
		bool ofd = !strcmp(type, "OFDLCK");
		dev_t dev = makedev(maj, min);
		long long end =
			strcmp(s_end, "EOF") ? strtoll(s_end, NULL, 10) : -1;
		if (l->only &&
		    (only.st_dev != dev || only.st_ino != (ino_t)ino ||
		     (match &&
		      !match(l->only, start, end < 0 ? LLONG_MAX : end))))
			continue;
		ipcx__object_init(&o, ops);
		if (!ipcx__path_of(l, dev, (ino_t)ino, path, sizeof(path)))
			snprintf(path, sizeof(path), "(inode %llu on %u:%u)",
				 ino, maj, min);
		int w = ipcx__addr_format(o.address, sizeof(o.address),
					  ops->info.scheme, path);
		if (!flock && w < (int)sizeof(o.address))
			w += snprintf(o.address + w,
				      sizeof(o.address) - (size_t)w,
				      "?start=%lld&len=%lld%s", start,
				      end < 0 ? 0 : end - start + 1,
				      ofd ? "&ofd=1" : "");
		if (w >= (int)sizeof(o.address))
			continue; /* a path too long for an address */
		if (stat(path, &st) == 0 && st.st_ino == (ino_t)ino)
			ipcx__object_stat(&o, &st);
		o.id = (long long)ino;
		o.changed = -1; /* the file's, not the lock's */
		snprintf(o.detail, sizeof(o.detail), "%s %s lock", rw,
			 !strcmp(adv, "MANDATORY") ? "mandatory" : "advisory");
		o.lock_mode = !strcmp(rw, "WRITE") ? "WRITE" : "READ";
		if (pid > 0) {
			/* The holder /proc/locks names. */
			o.last = pid;
			e = ipcx__holder_pid(l, pid, &o);
		} else {
			/* An OFD lock has no pid: whoever has the file
			 * open may hold it. */
			e = ipcx__holders(l, dev, (ino_t)ino, &o);
		}
		if (e == 0)
			e = ipcx__emit(l, &o);
	}
	fclose(f);
	return e;
}
