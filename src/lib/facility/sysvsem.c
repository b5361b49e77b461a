/* SPDX-License-Identifier: MIT */
/* System V semaphores: one semaphore of a set under a numeric key. */
#include "../sysv.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

/*
 * Creation.  semget() makes a set whose values are undefined until
 * somebody sets them, and another process may open it in between.  As
 * semget(2) recommends, the creator (IPC_CREAT | IPC_EXCL) sets the
 * values (SETALL), then makes one semop() that changes nothing but
 * sem_otime; an opener that finds
 * sem_otime still 0 waits for it (up to a second, then uses the set as it
 * is: sets that other programs made with SETVAL keep sem_otime 0 until
 * their first operation).
 *
 * Waiting is the kernel's: semop() sleeps, IPC_NOWAIT says EAGAIN,
 * semtimedop() takes a timeout; EINTR waits again for what is left.  A
 * set removed under a waiter wakes it with EIDRM.  undo=1 adds SEM_UNDO
 * to posts and waits, so that the kernel reverts what a process that
 * exits did (for semaphores used as locks); it is off by default, so that
 * a post from a process that then exits (ipcx sem post) is kept.
 */

struct sysvsem {
	struct ipcx_sem s;
	int id;
	unsigned short index;
	short undo;    /* SEM_UNDO or 0 */
	pid_t creator; /* the process whose open created the set, or 0 */
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

#define SEMVMX 32767 /* the kernel's largest semaphore value */

static const struct ipcx__opt opt_nsems = {
	.pub = {"nsems", "an integer from 1 to 65535", "1",
		"semaphores in a set created now (with create)"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_SEM,
	.min = 1,
	.max = 65535,
	.def = 1,
};

static const struct ipcx__opt opt_index = {
	.pub = {"index", "an integer from 0 to 65534", "0",
		"which semaphore of the set"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_SEM,
	.min = 0,
	.max = 65534,
};

static const struct ipcx__opt opt_undo = {
	.pub = {"undo", "0 or 1", "0",
		"SEM_UNDO: the kernel reverts what a process that exits did"},
	.kind = IPCX__OPT_BOOL,
	.roles = IPCX__ROLE_SEM,
};

static int sysvsem_parse(struct ipcx_addr *a)
{
	return ipcx__sysv_parse(a);
}

static long long sem_field(int field)
{
	return ipcx__read_proc("/proc/sys/kernel/sem", field);
}

static int sysvsem_error(const struct ipcx_sem *s, int err, const char *what)
{
	switch (err) {
	case EIDRM:
	case EINVAL: /* the id no longer names a set */
		return ipcx__fail(EIDRM, "%s: semaphore set removed", s->name);
	case EACCES:
		return ipcx__fail(EACCES,
				  "%s: permission denied to %s (the set's mode "
				  "does not allow it)",
				  s->name, what);
	case ERANGE:
		return ipcx__fail(EOVERFLOW, "%s: at the maximum value (%d)",
				  s->name, SEMVMX);
	default:
		return ipcx__fail(err, "%s: %s: %s", s->name, what,
				  ipcx_strerror(err));
	}
}

/* A set that exists: waits (up to a second) until its creator has set
 * its values; fills its size. */
static int wait_initialised(const struct ipcx_addr *a, int id,
			    unsigned long *nsems)
{
	struct semid_ds ds;

	for (int i = 0;; i++) {
		if (semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}) < 0)
			return ipcx__fail_open(a->text, errno, "semaphore set",
					       "semctl IPC_STAT");
		if (ds.sem_otime != 0 || i >= 100)
			break;
		poll(NULL, 0, 10);
	}
	*nsems = ds.sem_nsems;
	return 0;
}

static int s_get(int key)
{
	/* The mode bits ask for the access checked now: read and alter,
	 * so that a denial shows here. */
	return semget(key, 0, 0600);
}

static int s_stat(int id)
{
	struct semid_ds ds;

	return semctl(id, 0, IPC_STAT, (union semun){.buf = &ds});
}

static int sysvsem_open(const struct ipcx_addr *a, unsigned flags,
			unsigned initial, struct ipcx_sem **out)
{
	mode_t mode = ipcx__addr_mode(a);
	long nsems = (long)ipcx__opt(a, &opt_nsems);
	long index = (long)ipcx__opt(a, &opt_index);
	unsigned long have = 0;
	int key = 0, id = -1, r;
	bool created = false;
	struct sysvsem *p;

	if (ipcx__sysv_by_id(a))
		flags &= ~(unsigned)IPCX_CREATE; /* an existing set */
	else if ((r = ipcx__sysv_key(a, &key)) < 0)
		return r;
	if (initial > SEMVMX)
		return ipcx__fail(EINVAL,
				  "%s: initial value %u exceeds the maximum "
				  "(SEMVMX %d)",
				  a->text, initial, SEMVMX);
	if (index >= nsems && ipcx__opt_given(a, &opt_nsems))
		return ipcx__fail(EINVAL,
				  "%s: index=%ld is not below nsems=%ld",
				  a->text, index, nsems);
	if (flags & IPCX_CREATE) {
		long msl = sem_field(0);
		if (msl > 0 && nsems > msl)
			return ipcx__fail(EINVAL,
					  "%s: nsems=%ld exceeds SEMMSL %ld "
					  "(/proc/sys/kernel/sem)",
					  a->text, nsems, msl);
		if (index >= nsems)
			nsems = index + 1;
		id = semget(key, (int)nsems, IPC_CREAT | IPC_EXCL | mode);
		if (id >= 0) {
			created = true;
		} else if (errno == ENOSPC) {
			return ipcx__fail(ENOSPC,
					  "%s: the system's semaphores are all "
					  "used (SEMMNI %lld sets, SEMMNS %lld "
					  "semaphores: /proc/sys/kernel/sem)",
					  a->text, sem_field(3), sem_field(1));
		} else if (errno != EEXIST || (flags & IPCX_EXCL)) {
			return ipcx__fail_open(a->text, errno, "semaphore set",
					       "semget");
		}
	}
	if (created) {
		/* Set the values, then one operation that changes nothing
		 * but sem_otime: that tells openers the set is ready. */
		unsigned short *vals = calloc((size_t)nsems, sizeof(*vals));
		struct sembuf touch[2] = {{0, initial ? -1 : 1, 0},
					  {0, initial ? 1 : -1, 0}};
		if (!vals) {
			semctl(id, 0, IPC_RMID);
			return -ENOMEM;
		}
		for (long i = 0; i < nsems; i++)
			vals[i] = (unsigned short)initial;
		r = semctl(id, 0, SETALL, (union semun){.array = vals});
		free(vals);
		if (r == 0)
			r = semop(id, touch, 2);
		if (r < 0) {
			int e = errno;
			semctl(id, 0, IPC_RMID);
			return ipcx__fail(e,
					  "%s: setting the initial value: %s",
					  a->text, ipcx_strerror(e));
		}
		have = (unsigned long)nsems;
	} else {
		/* The mode bits ask for the access checked now: read and
		 * alter, so that a denial shows here. */
		if ((r = ipcx__sysv_lookup(a, s_get, s_stat, "semaphore set",
					   &id)) < 0)
			return r;
		if ((r = wait_initialised(a, id, &have)) < 0)
			return r;
	}
	if ((unsigned long)index >= have) {
		if (created)
			semctl(id, 0, IPC_RMID);
		return ipcx__fail(EINVAL,
				  "%s: index=%ld, but the set has %lu "
				  "semaphore%s",
				  a->text, index, have, have == 1 ? "" : "s");
	}
	p = ipcx__sem_new(sizeof(*p), a, flags);
	if (!p) {
		if (created)
			semctl(id, 0, IPC_RMID);
		return -ENOMEM;
	}
	p->id = id;
	p->creator = created ? getpid() : 0;
	p->index = (unsigned short)index;
	p->undo = ipcx__opt(a, &opt_undo) == 1 ? SEM_UNDO : 0;
	*out = &p->s;
	return 0;
}

static int sysvsem_post(struct ipcx_sem *s)
{
	struct sysvsem *p = (struct sysvsem *)s;
	struct sembuf op = {p->index, 1, p->undo};

	if (semop(p->id, &op, 1) < 0)
		return sysvsem_error(s, errno, "post");
	return 0;
}

static int sysvsem_wait(struct ipcx_sem *s, int timeout_ms)
{
	struct sysvsem *p = (struct sysvsem *)s;
	struct sembuf op = {p->index, -1, p->undo};
	int64_t deadline = timeout_ms > 0 ? ipcx__now_ms() + timeout_ms : 0;
	int r;

	if (timeout_ms == 0)
		op.sem_flg |= IPC_NOWAIT;
	for (;;) {
		if (timeout_ms > 0) {
			int64_t left = deadline - ipcx__now_ms();
			if (left < 0)
				left = 0;
			struct timespec ts = {left / 1000,
					      (left % 1000) * 1000000L};
			r = semtimedop(p->id, &op, 1, &ts);
		} else {
			r = semop(p->id, &op, 1);
		}
		if (r == 0)
			return 0;
		if (errno != EINTR)
			break;
	}
	if (errno == EAGAIN && timeout_ms == 0)
		return ipcx__fail(EAGAIN, "%s: value is 0 (would wait)",
				  s->name);
	if (errno == EAGAIN)
		return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms",
				  s->name, timeout_ms);
	return sysvsem_error(s, errno, "wait");
}

static int sysvsem_value(const struct ipcx_sem *s)
{
	const struct sysvsem *p = (const struct sysvsem *)s;
	int v = semctl(p->id, p->index, GETVAL);

	if (v < 0)
		return sysvsem_error(s, errno, "read the value");
	return v;
}

static int sysvsem_unlink_self(struct ipcx_sem *s)
{
	struct sysvsem *p = (struct sysvsem *)s;

	/* Only the creating process: not a child that inherited it. */
	if (p->creator != getpid())
		return 0;
	if (semctl(p->id, 0, IPC_RMID) < 0)
		return sysvsem_error(s, errno, "remove");
	p->creator = 0;
	return 0;
}

static int sysvsem_unlink(const struct ipcx_addr *a)
{
	int id, r;

	if ((r = ipcx__sysv_lookup(a, s_get, s_stat, "semaphore set", &id)) < 0)
		return r;
	if (semctl(id, 0, IPC_RMID) < 0)
		return ipcx__fail_open(a->text, errno, "semaphore set",
				       "semctl IPC_RMID");
	return 0;
}

static int sysvsem_close(struct ipcx_sem *s)
{
	free(s);
	return 0;
}

/* /proc/sysvipc/sem, one row per set.  Nothing attaches to a set:
 * holders cannot be known.  The last process of each semaphore (GETPID)
 * is asked for where the caller may read the set.  Stale: some process
 * operated on it, and every such last one is dead (a set never operated
 * on is not: its creator is not recorded). */
static int sysvsem_row(struct ipcx__lister *l, const char *line,
		       struct ipcx_object *o, int *key)
{
	long long k, ot, ct;
	unsigned perms;
	bool used = false, live = false, known = true;

	if (sscanf(line, "%lld %lld %o %lld %lld %lld %*d %*d %lld %lld", &k,
		   &o->id, &perms, &o->size, &o->uid, &o->gid, &ot, &ct) != 8)
		return 0;
	*key = (int)k;
	o->mode = (int)(perms & 0777);
	o->size_unit = "semaphores";
	o->changed = ot > ct ? ot : ct;
	for (long long i = 0; i < o->size && i < 4096; i++) {
		int pid = semctl((int)o->id, (int)i, GETPID);
		if (pid < 0) {
			known = false;
			break;
		}
		if (pid > 0) {
			used = true;
			live = live || ipcx__alive(pid);
			o->last = pid;
		}
	}
	o->stale = known && used && !live;
	o->unheld = known && !used; /* nothing records its creator */
	/* Its values (GETALL wants read permission; none: unknown). */
	unsigned short *v;
	if (o->size > 0 && o->size <= 65535 &&
	    (v = malloc((size_t)o->size * sizeof(*v)))) {
		long long *out;
		if (semctl((int)o->id, 0, GETALL, (union semun){.array = v}) ==
			    0 &&
		    (out = ipcx__object_values(l, o, (size_t)o->size)))
			for (long long i = 0; i < o->size; i++)
				out[i] = v[i];
		free(v);
	}
	return 1;
}

static int sysvsem_list(struct ipcx__lister *l)
{
	return ipcx__sysv_list(l, "sem", "semaphore set", sysvsem_row);
}

static int sysvsem_limits(struct ipcx_limit *out, size_t max)
{
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("semaphores per set (SEMMSL)", sem_field(0),
			    "semaphores", "/proc/sys/kernel/sem (1st)"),
		IPCX__LIMIT("semaphores on the system (SEMMNS)", sem_field(1),
			    "semaphores", "/proc/sys/kernel/sem (2nd)"),
		IPCX__LIMIT("operations per semop (SEMOPM)", sem_field(2),
			    "operations", "/proc/sys/kernel/sem (3rd)"),
		{"semaphore sets on the system (SEMMNI)", sem_field(3), "sets",
		 "/proc/sys/kernel/sem (4th)", true, ipcx__sysv_count("sem")},
		IPCX__LIMIT("semaphore value, max (SEMVMX)", SEMVMX, "",
			    "kernel constant"),
	};

	return (int)ipcx__limits_add(out, 0, max, rows, IPCX__ARRAY_SIZE(rows));
}

static const struct ipcx__opt *const sysvsem_opts[] = {
	&ipcx__opt_proj, &opt_nsems, &opt_index, &opt_undo, NULL,
};

static const struct ipcx__sem_ops sysvsem_sem = {
	.open = sysvsem_open,
	.post = sysvsem_post,
	.wait = sysvsem_wait,
	.value = sysvsem_value,
	.unlink_self = sysvsem_unlink_self,
	.close = sysvsem_close,
};

const struct ipcx__facility ipcx__sysvsem_ops = {
	.info = {.scheme = "sysvsem",
		 .title = "System V semaphore set",
		 .name = "key (?nsems=, ?index=)",
		 .handle = "semid",
		 .standard = "System V",
		 .semantics = IPCX_SYNCHRONIZATION,
		 .caps = IPCX_CAP_NAMED | IPCX_CAP_SEM},
	/* Waits end on signals only in channels (intr=). */
	.common = IPCX__COMMON_ALL & ~IPCX__COMMON_INTR,
	.opts = sysvsem_opts,
	.parse = sysvsem_parse,
	.unlink = sysvsem_unlink,
	.limits = sysvsem_limits,
	.list = sysvsem_list,
	.sem = &sysvsem_sem,
};
