/* SPDX-License-Identifier: MIT */
/*
 * Live objects on this system (ipcx_list, ipcx_object_find): the core.
 * Each facility lists its own objects (ops->list); this file gives them a
 * snapshot of every process -- what each has open (/proc/PID/fd, by the
 * device and inode that stat() of the link gives) and which shared
 * memory it maps (/proc/PID/maps) -- to name holders, as lsof and
 * lslocks do.  The snapshot is taken once per call, on first use.
 */
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct ref {
	dev_t dev;
	ino_t ino;
	unsigned proc; /* index in procs[] */
	bool fifo;     /* an open FIFO: fd says where */
	int fd;
};

struct ipcx__procs {
	struct ipcx_holder *procs;
	size_t nprocs, pcap;
	struct ref *refs;
	size_t nrefs, rcap;
};

void ipcx__list_warn(struct ipcx__lister *l, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (!l->warn || !l->warn_len)
		return;
	len = strlen(l->warn);
	if (len && len < l->warn_len - 1)
		l->warn[len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(l->warn + len, l->warn_len - len, fmt, ap);
	va_end(ap);
}

bool ipcx__alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

void ipcx__object_init(struct ipcx_object *o, const struct ipcx__facility *ops)
{
	memset(o, 0, sizeof(*o));
	o->facility = &ops->info;
	o->id = o->uid = o->gid = o->size = o->attached = o->changed = -1;
	o->mode = -1;
	o->creator = o->last = -1;
	o->size_unit = "bytes";
	o->key = -1;
}

long long *ipcx__object_values(struct ipcx__lister *l, struct ipcx_object *o,
			       size_t n)
{
	if (n > l->vcap) {
		long long *v = realloc(l->vbuf, n * sizeof(*v));
		if (!v)
			return NULL;
		l->vbuf = v;
		l->vcap = n;
	}
	o->values_ = l->vbuf;
	o->nvalues = n;
	return l->vbuf;
}

long long ipcx_object_value(const struct ipcx_object *o, size_t i)
{
	if (!o || i >= o->nvalues || !o->values_)
		return -1;
	return ((const long long *)o->values_)[i];
}

void ipcx__object_stat(struct ipcx_object *o, const struct stat *st)
{
	o->id = (long long)st->st_ino;
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->mode = (int)(st->st_mode & 07777);
	o->size = (long long)st->st_size;
	/* The last sign of life: a change, a read, or its mode or size. */
	time_t t = st->st_mtime > st->st_ctime ? st->st_mtime : st->st_ctime;
	o->changed = (long long)(st->st_atime > t ? st->st_atime : t);
}

/* ---- the snapshot ------------------------------------------------------- */

static int add_ref(struct ipcx__procs *p, dev_t dev, ino_t ino, bool fifo,
		   int fd)
{
	if (p->nrefs == p->rcap) {
		size_t c = p->rcap ? p->rcap * 2 : 1024;
		struct ref *n = realloc(p->refs, c * sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->refs = n;
		p->rcap = c;
	}
	p->refs[p->nrefs++] =
		(struct ref){dev, ino, (unsigned)p->nprocs - 1, fifo, fd};
	return 0;
}

/* Reads PID's open descriptors; false when they cannot be read. */
static bool scan_fds(struct ipcx__procs *p, const char *pid)
{
	char path[300];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	if (!(dir = opendir(path)))
		return errno == ENOENT; /* gone meanwhile: nothing held */
	int dfd = dirfd(dir);
	while ((d = readdir(dir))) {
		struct stat st;
		if (!isdigit((unsigned char)d->d_name[0]) ||
		    fstatat(dfd, d->d_name, &st, 0) < 0)
			continue;
		/* Sockets, FIFOs, files in /dev/shm, queues, locked files:
		 * everything with an inode someone may ask about. */
		if (add_ref(p, st.st_dev, st.st_ino, S_ISFIFO(st.st_mode),
			    atoi(d->d_name)) < 0)
			break;
	}
	closedir(dir);
	return true;
}

/* Reads PID's shared mappings of /dev/shm files and System V segments. */
static bool scan_maps(struct ipcx__procs *p, const char *pid)
{
	char path[300], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if (!(f = fopen(path, "re")))
		return errno == ENOENT;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long long ino;
		int off = 0;
		char *name = strchr(line, '/');
		if (!name || (strncmp(name, "/dev/shm/", 9) &&
			      strncmp(name, "/SYSV", 5)))
			continue;
		if (sscanf(line, "%*x-%*x %*4s %*x %x:%x %llu %n", &maj, &min,
			   &ino, &off) < 3)
			continue;
		bool sysv = !strncmp(name, "/SYSV", 5);
		/* Each mapping of a region is a line: count a process
		 * once per object (ipcx__holders() deduplicates). */
		if (add_ref(p, sysv ? IPCX__SYSV_DEV : makedev(maj, min),
			    (ino_t)ino, false, -1) < 0)
			break;
	}
	fclose(f);
	return true;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->proc < y->proc ? -1 : x->proc > y->proc;
}

static int snapshot(struct ipcx__lister *l)
{
	struct ipcx__procs *p;
	struct dirent *d;
	struct stat st;
	unsigned long long my_ns = 0;
	size_t unseen = 0;
	char first[48] = "";
	DIR *dir;

	if (l->procs)
		return 0;
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	l->procs = p;
	if (stat("/proc/self/ns/ipc", &st) == 0)
		my_ns = st.st_ino;
	if (!(dir = opendir("/proc")))
		return ipcx__fail(errno, "/proc: %m");
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (p->nprocs == p->pcap) {
			size_t c = p->pcap ? p->pcap * 2 : 256;
			struct ipcx_holder *n =
				realloc(p->procs, c * sizeof(*n));
			if (!n)
				break;
			p->procs = n;
			p->pcap = c;
		}
		struct ipcx_holder *h = &p->procs[p->nprocs++];
		char path[300];
		memset(h, 0, sizeof(*h));
		h->pid = atoi(d->d_name);
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, h->comm, sizeof(h->comm) - 1);
			close(fd);
			if (n > 0 && h->comm[n - 1] == '\n')
				n--;
			h->comm[n > 0 ? n : 0] = '\0';
		}
		snprintf(path, sizeof(path), "/proc/%s/ns/ipc", d->d_name);
		if (stat(path, &st) == 0) {
			h->ipc_ns = st.st_ino;
			h->other_ns = my_ns && st.st_ino != my_ns;
		}
		/* Both, whatever the first says. */
		bool fds_ok = scan_fds(p, d->d_name);
		bool maps_ok = scan_maps(p, d->d_name);
		if ((!fds_ok || !maps_ok) && !unseen++)
			snprintf(first, sizeof(first), "pid %d, %s",
				 (int)h->pid, h->comm);
	}
	closedir(dir);
	/* As lsof says it: what cannot be looked into is not shown. */
	if (unseen)
		ipcx__list_warn(
			l,
			"%zu process%s could not be inspected (%s%s): "
			"objects only %s hold%s show no holder%s",
			unseen, unseen > 1 ? "es" : "", first,
			unseen > 1 ? ", ..." : "", unseen > 1 ? "they" : "it",
			unseen > 1 ? "" : "s",
			geteuid() ? "; as root, every process is seen" : "");
	qsort(p->refs, p->nrefs, sizeof(*p->refs), cmp_ref);
	return 0;
}

/* The first ref of (DEV, INO), or nrefs. */
static size_t first_ref(const struct ipcx__procs *p, dev_t dev, ino_t ino)
{
	size_t lo = 0, hi = p->nrefs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ref *r = &p->refs[mid];
		if (r->dev < dev || (r->dev == dev && r->ino < ino))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ipcx__holders_add(struct ipcx__lister *l, dev_t dev, ino_t ino,
		      struct ipcx_object *o)
{
	int e = snapshot(l);

	if (e < 0)
		return e;
	const struct ipcx__procs *p = l->procs;
	for (size_t i = first_ref(p, dev, ino);
	     i < p->nrefs && p->refs[i].dev == dev && p->refs[i].ino == ino;
	     i++) {
		const struct ipcx_holder *h = &p->procs[p->refs[i].proc];
		bool dup = false;
		/* System V ids are per IPC namespace: the same id in
		 * another one is another segment. */
		if (dev == IPCX__SYSV_DEV && h->other_ns)
			continue;
		for (size_t k = 0; k < o->nholders && !dup; k++)
			dup = l->hbuf[k].pid == h->pid;
		if (dup)
			continue;
		if (o->nholders == l->hcap) {
			size_t c = l->hcap ? l->hcap * 2 : 16;
			struct ipcx_holder *n =
				realloc(l->hbuf, c * sizeof(*n));
			if (!n)
				return -ENOMEM;
			l->hbuf = n;
			l->hcap = c;
		}
		l->hbuf[o->nholders++] = *h;
	}
	o->holders_ = l->hbuf;
	o->holders_known = true;
	return 0;
}

const struct ipcx_holder *ipcx_object_holder(const struct ipcx_object *o,
					     size_t i)
{
	if (!o || i >= o->nholders || !o->holders_)
		return NULL;
	return &((const struct ipcx_holder *)o->holders_)[i];
}

int ipcx__holders(struct ipcx__lister *l, dev_t dev, ino_t ino,
		  struct ipcx_object *o)
{
	o->nholders = 0;
	return ipcx__holders_add(l, dev, ino, o);
}

bool ipcx__path_of(struct ipcx__lister *l, dev_t dev, ino_t ino, char *buf,
		   size_t n)
{
	if (snapshot(l) < 0)
		return false;
	const struct ipcx__procs *p = l->procs;
	for (size_t i = first_ref(p, dev, ino);
	     i < p->nrefs && p->refs[i].dev == dev && p->refs[i].ino == ino;
	     i++) {
		char link[64];
		if (p->refs[i].fd < 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%d/fd/%d",
			 (int)p->procs[p->refs[i].proc].pid, p->refs[i].fd);
		ssize_t k = readlink(link, buf, n - 1);
		if (k > 0 && buf[0] == '/') {
			buf[k] = '\0';
			return true;
		}
	}
	return false;
}

int ipcx__held_fifos(struct ipcx__lister *l,
		     int (*fn)(struct ipcx__lister *l, const char *path,
			       dev_t dev, ino_t ino))
{
	int e = snapshot(l);

	if (e < 0)
		return e;
	const struct ipcx__procs *p = l->procs;
	for (size_t i = 0; i < p->nrefs; i++) {
		const struct ref *r = &p->refs[i];
		char path[PATH_MAX];
		if (!r->fifo || (i > 0 && p->refs[i - 1].dev == r->dev &&
				 p->refs[i - 1].ino == r->ino))
			continue;
		/* Pipes read as "pipe:[N]": only named FIFOs have a path. */
		if (!ipcx__path_of(l, r->dev, r->ino, path, sizeof(path)))
			continue;
		if ((e = fn(l, path, r->dev, r->ino)) != 0)
			return e;
	}
	return 0;
}

int ipcx__holder_pid(struct ipcx__lister *l, pid_t pid, struct ipcx_object *o)
{
	int e = snapshot(l);

	if (e < 0)
		return e;
	if (!l->hcap) {
		if (!(l->hbuf = malloc(16 * sizeof(*l->hbuf))))
			return -ENOMEM;
		l->hcap = 16;
	}
	o->holders_ = l->hbuf;
	o->nholders = 0;
	o->holders_known = true;
	for (size_t i = 0; i < l->procs->nprocs; i++)
		if (l->procs->procs[i].pid == pid) {
			l->hbuf[0] = l->procs->procs[i];
			o->nholders = 1;
		}
	return 0;
}

int ipcx__emit(struct ipcx__lister *l, struct ipcx_object *o)
{
	l->found++;
	return l->fn(o, l->arg);
}

/* ---- the API --------------------------------------------------------------
 */

static void lister_free(struct ipcx__lister *l)
{
	if (l->procs) {
		free(l->procs->procs);
		free(l->procs->refs);
		free(l->procs);
	}
	free(l->hbuf);
	free(l->vbuf);
}

int ipcx_list(const char *scheme, unsigned flags, ipcx_list_fn fn, void *arg,
	      char *warnings, size_t warnings_len)
{
	struct ipcx__lister l = {.fn = fn,
				 .arg = arg,
				 .flags = flags,
				 .warn = warnings,
				 .warn_len = warnings_len};
	const struct ipcx__facility *only = NULL;
	int e = 0;

	if (warnings && warnings_len)
		warnings[0] = '\0';
	if (!fn)
		return ipcx__fail(EINVAL, "ipcx_list: no function");
	if (scheme) {
		only = ipcx__facility_lookup(scheme, strlen(scheme));
		if (!only)
			return ipcx__fail(EINVAL, "unknown scheme '%s'",
					  scheme);
		if (!only->list)
			return ipcx__fail(EOPNOTSUPP,
					  "%s: nothing to list (its objects "
					  "have no names on the system)",
					  scheme);
	}
	for (size_t i = 0; e == 0 && ipcx__facility_nth(i); i++) {
		const struct ipcx__facility *ops = ipcx__facility_nth(i);
		if ((only && ops != only) || !ops->list)
			continue;
		l.ops = ops;
		e = ops->list(&l);
		if (e < 0 && e != -ENOMEM) {
			/* One source missing: the others still list. */
			ipcx__list_warn(&l, "%s", ipcx_error_detail());
			e = 0;
		}
	}
	lister_free(&l);
	return e;
}

int ipcx_object_find_addr(const struct ipcx_addr *a, unsigned flags,
			  ipcx_list_fn fn, void *arg)
{
	struct ipcx__lister l = {.ops = a ? a->ops : NULL,
				 .fn = fn,
				 .arg = arg,
				 .only = a,
				 .flags = flags};
	int e;

	if (!fn || !a)
		return ipcx__fail(EINVAL, "ipcx_object_find: NULL argument");
	if (!a->ops->list)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: %s objects have no name on the system "
				  "to look up",
				  a->text, a->ops->info.scheme);
	e = a->ops->list(&l);
	if (e == 0 && !l.found)
		e = ipcx__fail(ENOENT, "%s: no such object", a->text);
	lister_free(&l);
	return e;
}

int ipcx_object_find(const char *addr, unsigned flags, ipcx_list_fn fn,
		     void *arg)
{
	IPCX__WITH_ADDR(addr, NULL, ipcx_object_find_addr(&a, flags, fn, arg));
}

/* ---- removal --------------------------------------------------------------
 */

struct remover {
	unsigned flags;
	ipcx_list_fn fn;
	void *arg;
	int verdict;
	char why[320];
};

/* "812 (worker), 907 (sh)", or "2 attached". */
static void holders_text(char *buf, size_t n, const struct ipcx_object *o)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->nholders && len + 1 < n; i++) {
		const struct ipcx_holder *h = ipcx_object_holder(o, i);
		int w = snprintf(buf + len, n - len, "%s%d (%s)", i ? ", " : "",
				 (int)h->pid, h->comm);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (!o->nholders)
		snprintf(buf, n, "%lld attached", o->attached);
}

static int judge(const struct ipcx_object *o, void *arg)
{
	struct remover *r = arg;

	if (geteuid() != 0 && o->uid != (long long)geteuid()) {
		char who[96];
		struct passwd pw, *res = NULL;
		char pwbuf[1024];
		if (getpwuid_r((uid_t)o->uid, &pw, pwbuf, sizeof(pwbuf),
			       &res) == 0 &&
		    res)
			snprintf(who, sizeof(who), "%.63s (uid %lld)",
				 pw.pw_name, o->uid);
		else
			snprintf(who, sizeof(who), "uid %lld", o->uid);
		snprintf(r->why, sizeof(r->why),
			 "owned by %s: only root removes another user's "
			 "objects",
			 who);
		r->verdict = -EPERM;
		return 0;
	}
	if (!(r->flags & IPCX_REMOVE_FORCE) &&
	    (o->nholders || o->attached > 0)) {
		char h[256];
		holders_text(h, sizeof(h), o);
		snprintf(r->why, sizeof(r->why), "held by %s", h);
		r->verdict = -EBUSY;
		return 0;
	}
	r->verdict = r->fn ? r->fn(o, r->arg) : 0;
	return 0;
}

int ipcx_object_remove_addr(const struct ipcx_addr *a, unsigned flags,
			    ipcx_list_fn fn, void *arg)
{
	struct remover r = {.flags = flags, .fn = fn, .arg = arg};
	int e;

	if (!a)
		return ipcx__fail(EINVAL, "ipcx_object_remove: NULL address");
	e = ipcx_object_find_addr(a, flags & IPCX_LIST_MOUNT, judge, &r);
	/* Forced, an object its facility lists but cannot look up here (no
	 * mqueue filesystem mounted, and not root to mount one) goes all
	 * the same: the kernel's permissions decide. */
	if (e == -EOPNOTSUPP && a->ops->list && (flags & IPCX_REMOVE_FORCE) &&
	    !(flags & IPCX_REMOVE_CHECK))
		return ipcx_unlink_addr(a);
	if (e < 0)
		return e;
	if (r.verdict < 0 && r.why[0])
		return ipcx__fail(-r.verdict, "%s: not removed: %s", a->text,
				  r.why);
	if (r.verdict != 0 || (flags & IPCX_REMOVE_CHECK))
		return r.verdict;
	return ipcx_unlink_addr(a);
}

int ipcx_object_remove(const char *addr, unsigned flags, ipcx_list_fn fn,
		       void *arg)
{
	IPCX__WITH_ADDR(addr, NULL,
			ipcx_object_remove_addr(&a, flags, fn, arg));
}
