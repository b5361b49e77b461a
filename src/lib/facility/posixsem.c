/* SPDX-License-Identifier: MIT */
/* POSIX semaphores: named (/name) and unnamed (in a region). */
#include "posixname.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Waiting is the C library's: sem_wait() sleeps on a futex in the
 * semaphore, sem_trywait() says EAGAIN, sem_timedwait() takes a deadline
 * on CLOCK_REALTIME (as POSIX defines it).  A signal that interrupts a
 * wait (EINTR) is waited through.  Removing a named semaphore removes
 * its name only: processes that have it open keep using it, so a waiter
 * is never woken by removal (no EIDRM here, unlike System V).
 */

_Static_assert(sizeof(sem_t) <= IPCX_SEM_SIZE, "IPCX_SEM_SIZE holds a sem_t");

struct posixsem {
	struct ipcx_sem s;
	sem_t *sem;
	/* The SIGBUS watch of the memory the semaphore lives in: a named
	 * one's own page (the C library maps it), an unnamed one's region. */
	struct ipcx__fault_slot *watch;
	bool named;
	pid_t creator;		 /* the process whose open created it, or 0 */
	char path[NAME_MAX + 1]; /* the name, for sem_unlink */
};

static int posixsem_parse(struct ipcx_addr *a)
{
	return ipcx__check_posix_name(a, "semaphore");
}

/* Gives a semaphore this call created exactly MODE (sem_open applies the
 * umask): through its file in /dev/shm, never through a symlink. */
static void exact_mode(const char *name, mode_t mode)
{
	char path[NAME_MAX + 32];

	snprintf(path, sizeof(path), "/dev/shm/sem.%s", name + 1);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (fchmod(fd, mode) < 0) {
			/* keep the umask's mode: still no more than asked */
		}
		close(fd);
	}
}

static int posixsem_open(const struct ipcx_addr *a, unsigned flags,
			 unsigned initial, struct ipcx_sem **out)
{
	mode_t mode = ipcx__addr_mode(a);
	struct posixsem *p;
	sem_t *sem = SEM_FAILED;
	bool created = false;

	if (initial > SEM_VALUE_MAX)
		return ipcx__fail(EINVAL,
				  "%s: initial value %u exceeds SEM_VALUE_MAX "
				  "(%d)",
				  a->text, initial, SEM_VALUE_MAX);
	if (flags & IPCX_CREATE) {
		sem = sem_open(a->target, O_CREAT | O_EXCL, mode, initial);
		if (sem != SEM_FAILED)
			created = true;
		else if (errno != EEXIST || (flags & IPCX_EXCL))
			return ipcx__fail_open(a->text, errno, "semaphore",
					       "sem_open");
	}
	if (sem == SEM_FAILED) {
		sem = sem_open(a->target, 0);
		if (sem == SEM_FAILED)
			return ipcx__fail_open(a->text, errno, "semaphore",
					       "sem_open");
	}
	if (created)
		exact_mode(a->target, mode);
	p = ipcx__sem_new(sizeof(*p), a, flags);
	if (!p) {
		sem_close(sem);
		if (created)
			sem_unlink(a->target);
		return -ENOMEM;
	}
	p->sem = sem;
	p->named = true;
	/* The page the C library mapped: watched like a region. */
	long pg = sysconf(_SC_PAGESIZE);
	p->watch = ipcx__fault_watch(
		(void *)((uintptr_t)sem & ~(uintptr_t)(pg - 1)), (size_t)pg);
	if (!p->watch) {
		sem_close(sem);
		if (created)
			sem_unlink(a->target);
		free(p);
		return ipcx__fail(ENOMEM,
				  "%s: cannot watch the semaphore's "
				  "memory for SIGBUS",
				  a->text);
	}
	p->creator = created ? getpid() : 0;
	snprintf(p->path, sizeof(p->path), "%s", a->target);
	*out = &p->s;
	return 0;
}

/* -EFAULT when the semaphore's memory vanished (its object was cut):
 * the call ran on the zeros mapped in its place. */
static int vanished(const struct ipcx_sem *s)
{
	if (!ipcx__fault_lost(((const struct posixsem *)s)->watch))
		return 0;
	return ipcx__fail(EFAULT,
			  "%s: the object the semaphore lives in shrank "
			  "under it (SIGBUS): the semaphore is gone",
			  s->name);
}

static int posixsem_post(struct ipcx_sem *s)
{
	int e = vanished(s);
	if (e < 0)
		return e;
	if (sem_post(((struct posixsem *)s)->sem) < 0)
		return errno == EOVERFLOW
			       ? ipcx__fail(EOVERFLOW,
					    "%s: at SEM_VALUE_MAX (%d)",
					    s->name, SEM_VALUE_MAX)
			       : ipcx__fail(errno, "%s: sem_post: %s", s->name,
					    ipcx_strerror(errno));
	return vanished(s);
}

static int posixsem_wait(struct ipcx_sem *s, int timeout_ms)
{
	sem_t *sem = ((struct posixsem *)s)->sem;
	struct timespec ts;
	int r;

	if ((r = vanished(s)) < 0)
		return r;
	if (timeout_ms == 0) {
		if (sem_trywait(sem) == 0)
			return vanished(s);
		if (errno == EAGAIN)
			return ipcx__fail(EAGAIN, "%s: value is 0 (would wait)",
					  s->name);
		return ipcx__fail(errno, "%s: sem_trywait: %s", s->name,
				  ipcx_strerror(errno));
	}
	if (timeout_ms > 0)
		ts = ipcx__deadline_ts(CLOCK_REALTIME, timeout_ms);
	do
		r = timeout_ms < 0 ? sem_wait(sem) : sem_timedwait(sem, &ts);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return vanished(s);
	if (errno == ETIMEDOUT)
		return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms",
				  s->name, timeout_ms);
	return ipcx__fail(errno, "%s: sem_wait: %s", s->name,
			  ipcx_strerror(errno));
}

static int posixsem_value(const struct ipcx_sem *s)
{
	int v;

	if (sem_getvalue(((const struct posixsem *)s)->sem, &v) < 0)
		return ipcx__fail(errno, "%s: sem_getvalue: %s", s->name,
				  ipcx_strerror(errno));
	int e = vanished(s);
	if (e < 0)
		return e;
	/* Linux reports 0, never a negative count of waiters. */
	return v < 0 ? 0 : v;
}

static int posixsem_remove(const char *name, const char *text)
{
	if (sem_unlink(name) < 0)
		return ipcx__fail_open(text, errno, "semaphore", "sem_unlink");
	return 0;
}

static int posixsem_unlink_self(struct ipcx_sem *s)
{
	struct posixsem *p = (struct posixsem *)s;
	int r;

	/* Only the creating process: not a child that inherited it. */
	if (p->creator != getpid())
		return 0;
	if ((r = posixsem_remove(p->path, s->name)) == 0)
		p->creator = 0;
	return r;
}

static int posixsem_unlink(const struct ipcx_addr *a)
{
	return posixsem_remove(a->target, a->text);
}

static int posixsem_close(struct ipcx_sem *s)
{
	struct posixsem *p = (struct posixsem *)s;

	if (p->named) {
		ipcx__fault_unwatch(p->watch);
		sem_close(p->sem);
	}
	free(p);
	return 0;
}

static int posixsem_limits(struct ipcx_limit *out, size_t max)
{
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("semaphore value, max (SEM_VALUE_MAX)",
			    SEM_VALUE_MAX, "", "sysconf(_SC_SEM_VALUE_MAX)"),
		IPCX__LIMIT("name length, max", NAME_MAX - 4, "bytes",
			    "NAME_MAX less \"sem.\""),
	};

	return (int)ipcx__limits_add(out, 0, max, rows, IPCX__ARRAY_SIZE(rows));
}

/* /dev/shm/sem.NAME: the named semaphores (glibc and musl keep them
 * there; a process that uses one maps that file). */
/* One semaphore, and its value: its file mapped read-only, opened with
 * O_NOATIME (the owner's or root's: others do not see the value), as a
 * listing must not make it look used (its age is what --stale judges
 * by; sem_open() would, and wants write permission too).  The libc reads
 * the value; nothing of sem_t's layout is assumed here. */
static void posixsem_fill(struct ipcx__lister *l, struct ipcx_object *o,
			  int dfd, const char *name)
{
	long long *out;
	int v;

	o->size = 1;
	o->size_unit = "semaphores";
	int fd = openat(dfd, name,
			O_RDONLY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	void *p = MAP_FAILED;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size >= (off_t)sizeof(sem_t))
		p = mmap(NULL, sizeof(sem_t), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	if (sem_getvalue((sem_t *)p, &v) == 0 &&
	    (out = ipcx__object_values(l, o, 1)))
		out[0] = v;
	munmap(p, sizeof(sem_t));
}

static int posixsem_list(struct ipcx__lister *l)
{
	return ipcx__list_shm_dir(l, "/dev/shm", "sem.", NULL, NULL,
				  posixsem_fill);
}

/* Unnamed semaphores: the same operations on a sem_t in a region; no
 * scheme of their own, no name to remove. */
static const struct ipcx__sem_ops unnamed_sem = {
	.post = posixsem_post,
	.wait = posixsem_wait,
	.value = posixsem_value,
	.close = posixsem_close,
};

static const struct ipcx__facility unnamed_ops = {
	.info = {.scheme = "posixsem",
		 .title = "POSIX unnamed semaphore",
		 .name = "none: lives in shared memory",
		 .handle = "sem_t *",
		 .standard = "POSIX",
		 .semantics = IPCX_SYNCHRONIZATION,
		 .caps = IPCX_CAP_SEM},
	.sem = &unnamed_sem,
};

static int posixsem_place(struct ipcx_region *r, size_t offset, bool init,
			  unsigned initial, struct ipcx_sem **out)
{
	sem_t *sem = ipcx__region_place(r, offset, sizeof(sem_t), "semaphore");
	struct posixsem *p;

	if (!sem)
		return -EINVAL;
	if (init && initial > SEM_VALUE_MAX)
		return ipcx__fail(EINVAL,
				  "%s: initial value %u exceeds SEM_VALUE_MAX "
				  "(%d)",
				  r->name, initial, SEM_VALUE_MAX);
	if (init && sem_init(sem, 1, initial) < 0)
		return ipcx__fail(errno, "%s: sem_init: %s", r->name,
				  ipcx_strerror(errno));
	char name[IPCX_ADDR_MAX + 96];
	snprintf(name, sizeof(name), "%.200s@%zu", r->name, offset);
	p = ipcx__sem_new_named(sizeof(*p), &unnamed_ops, name);
	if (!p)
		return -ENOMEM;
	p->sem = sem;
	p->watch = r->watch; /* the region's: it goes with the region */
	*out = &p->s;
	return 0;
}

static const struct ipcx__sem_ops posixsem_sem = {
	.open = posixsem_open,
	.post = posixsem_post,
	.wait = posixsem_wait,
	.value = posixsem_value,
	.unlink_self = posixsem_unlink_self,
	.close = posixsem_close,
	.place = posixsem_place,
};

const struct ipcx__facility ipcx__posixsem_ops = {
	.info = {.scheme = "posixsem",
		 .title = "POSIX named semaphore",
		 .name = "/name",
		 .handle = "sem_t *",
		 .standard = "POSIX",
		 .semantics = IPCX_SYNCHRONIZATION,
		 .caps = IPCX_CAP_NAMED | IPCX_CAP_SEM},
	/* Waits end on signals only in channels (intr=). */
	.common = IPCX__COMMON_ALL & ~IPCX__COMMON_INTR,
	.parse = posixsem_parse,
	.unlink = posixsem_unlink,
	.limits = posixsem_limits,
	.list = posixsem_list,
	.sem = &posixsem_sem,
};
