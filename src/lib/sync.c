/* SPDX-License-Identifier: MIT */
/*
 * Synchronization: the core of semaphores and file locks (dispatch through
 * the facility table), timed lock waits, robust mutexes and condition
 * variables in regions, and signal names.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* glibc names the thread of SIGEV_THREAD_ID only as a union member. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* ---- places in a region ------------------------------------------------- */

void *ipcx__region_place(struct ipcx_region *r, size_t offset, size_t size,
			 const char *what)
{
	if (!r)
		return ipcx__fail(EINVAL, "%s: no region", what), NULL;
	if (offset % 8 || offset > r->size || r->size - offset < size) {
		ipcx__fail(EINVAL,
			   "%s: a %s of %zu bytes at offset %zu does not fit "
			   "a region of %zu bytes aligned to 8",
			   r->name, what, size, offset, r->size);
		return NULL;
	}
	if (r->ops->region_check && r->ops->region_check(r) < 0)
		return NULL;
	return (char *)r->base + offset;
}

/* ---- semaphores ---------------------------------------------------------- */

void *ipcx__sem_new(size_t size, const struct ipcx__addr *a, unsigned flags)
{
	struct ipcx_sem *s = calloc(1, size);

	if (!s)
		return NULL;
	s->ops = a->ops;
	s->flags = flags;
	s->timeout_ms = a->opt.timeout != IPCX__UNSET ? a->opt.timeout : -1;
	snprintf(s->name, sizeof(s->name), "%s", a->text);
	return s;
}

int ipcx_sem_open(const char *addr, unsigned flags, unsigned initial,
		  struct ipcx_sem **out)
{
	struct ipcx__addr a;
	struct ipcx_sem *s = NULL;
	int r;

	if (!out)
		return ipcx__fail(EINVAL, "ipcx_sem_open: no place for the "
					  "result");
	if ((r = ipcx__addr_parse(addr, NULL, false, &a)) < 0)
		return r;
	if (!a.ops->sem_open)
		r = ipcx__fail(EOPNOTSUPP,
			       "%s: not a semaphore (sysvsem:KEY or "
			       "posixsem:/name; unnamed ones live in a region)",
			       addr);
	else
		r = a.ops->sem_open(&a, ipcx__addr_flags(&a, flags), initial,
				    &s);
	ipcx__addr_release(&a);
	if (r < 0)
		return r;
	*out = s;
	return 0;
}

int ipcx_sem_init(struct ipcx_region *r, size_t offset, unsigned initial,
		  struct ipcx_sem **out)
{
	if (!out)
		return ipcx__fail(EINVAL, "ipcx_sem_init: no place for the "
					  "result");
	return ipcx__posixsem_place(r, offset, true, initial, out);
}

int ipcx_sem_attach(struct ipcx_region *r, size_t offset, struct ipcx_sem **out)
{
	if (!out)
		return ipcx__fail(EINVAL, "ipcx_sem_attach: no place for the "
					  "result");
	return ipcx__posixsem_place(r, offset, false, 0, out);
}

int ipcx_sem_post(struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_post: NULL semaphore");
	return s->ops->sem_post(s);
}

int ipcx_sem_wait(struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_wait: NULL semaphore");
	return s->ops->sem_wait(s,
				s->flags & IPCX_NONBLOCK ? 0 : s->timeout_ms);
}

int ipcx_sem_trywait(struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_trywait: NULL semaphore");
	return s->ops->sem_wait(s, 0);
}

int ipcx_sem_timedwait(struct ipcx_sem *s, int timeout_ms)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_timedwait: NULL semaphore");
	if (timeout_ms < 0)
		return ipcx__fail(EINVAL, "%s: a negative timeout (%d ms)",
				  s->name, timeout_ms);
	return s->ops->sem_wait(s, timeout_ms);
}

int ipcx_sem_value(const struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_value: NULL semaphore");
	return s->ops->sem_value(s);
}

int ipcx_sem_unlink(struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_unlink: NULL semaphore");
	if (!s->ops->sem_unlink)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: an unnamed semaphore has no name to "
				  "remove: it goes with its region",
				  s->name);
	return s->ops->sem_unlink(s);
}

int ipcx_sem_close(struct ipcx_sem *s)
{
	if (!s)
		return 0;
	return s->ops->sem_close(s);
}

/* ---- file locks ---------------------------------------------------------- */

void *ipcx__lock_new(size_t size, const struct ipcx__addr *a, unsigned flags)
{
	struct ipcx_lock *l = calloc(1, size);

	if (!l)
		return NULL;
	l->ops = a->ops;
	l->flags = flags;
	l->fd = -1;
	l->timeout_ms = a->opt.timeout != IPCX__UNSET ? a->opt.timeout : -1;
	snprintf(l->name, sizeof(l->name), "%s", a->text);
	return l;
}

int ipcx__lock_file(const struct ipcx__addr *a, unsigned flags, int *out)
{
	const char *path = a->target;
	struct stat st;
	int fd = -1;

	if (flags & IPCX_CREATE) {
		/* Create it ourselves (never through a symlink), 0600 or
		 * mode=; a file that appeared meanwhile is just opened. */
		mode_t mode =
			a->opt.mode != IPCX__UNSET ? (mode_t)a->opt.mode : 0600;
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
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 &&
		    (errno == EACCES || errno == EROFS || errno == EISDIR))
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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

int ipcx_lock_open(const char *addr, unsigned flags, struct ipcx_lock **out)
{
	struct ipcx__addr a;
	struct ipcx_lock *l = NULL;
	int r;

	if (!out)
		return ipcx__fail(EINVAL, "ipcx_lock_open: no place for the "
					  "result");
	if ((r = ipcx__addr_parse(addr, NULL, false, &a)) < 0)
		return r;
	if (!a.ops->lock_open)
		r = ipcx__fail(EOPNOTSUPP,
			       "%s: not a lock (flock:PATH or fcntl:PATH)",
			       addr);
	else
		r = a.ops->lock_open(&a, ipcx__addr_flags(&a, flags), &l);
	ipcx__addr_release(&a);
	if (r < 0)
		return r;
	*out = l;
	return 0;
}

/*
 * Timed waits.  Neither flock(2) nor fcntl(F_SETLKW) takes a timeout, so
 * a timed take sleeps in the blocking call and a POSIX timer aimed at
 * this thread (SIGEV_THREAD_ID) interrupts it with SIGRTMAX, as flock(1)
 * does with alarm(2).  The handler only notes that it ran; it is
 * installed the first time, and only while SIGRTMAX has its default
 * action (which would kill the process): a program that handles SIGRTMAX
 * itself gets waits in short non-blocking steps instead.
 */
static _Thread_local volatile sig_atomic_t timer_fired;
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;
static bool timer_ok;

static void on_timer(int sig)
{
	(void)sig;
	timer_fired = 1;
}

static void install_timer_handler(void)
{
	struct sigaction sa, old;

	if (sigaction(SIGRTMAX, NULL, &old) < 0 || old.sa_handler != SIG_DFL ||
	    (old.sa_flags & SA_SIGINFO))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the wait returns EINTR */
	timer_ok = sigaction(SIGRTMAX, &sa, NULL) == 0;
}

static int lock_timed_steps(struct ipcx_lock *l, int how, int timeout_ms)
{
	int64_t deadline = ipcx__now_ms() + timeout_ms;

	for (int ms = 1;; ms = ms < 8 ? ms * 2 : 10) {
		int r = l->ops->lock_take(l, how, false);
		if (r != -EWOULDBLOCK)
			return r;
		int64_t left = deadline - ipcx__now_ms();
		if (left <= 0)
			return ipcx__fail(ETIMEDOUT,
					  "%s: timed out after %d ms", l->name,
					  timeout_ms);
		poll(NULL, 0, ms < left ? ms : (int)left);
	}
}

static int lock_wait(struct ipcx_lock *l, int how, int timeout_ms)
{
	int r;

	if (timeout_ms == 0)
		return l->ops->lock_take(l, how, false);
	if (timeout_ms < 0) {
		/* Another signal's handler ran: wait again. */
		while ((r = l->ops->lock_take(l, how, true)) == -EINTR)
			;
		return r;
	}
	/* Already free: no timer at all. */
	r = l->ops->lock_take(l, how, false);
	if (r != -EWOULDBLOCK)
		return r;
	pthread_once(&timer_once, install_timer_handler);
	if (!timer_ok)
		return lock_timed_steps(l, how, timeout_ms);

	struct sigevent sev;
	timer_t t;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMAX;
	sev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) < 0)
		return lock_timed_steps(l, how, timeout_ms);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMAX);
	pthread_sigmask(SIG_UNBLOCK, &set, &old);
	timer_fired = 0;
	struct itimerspec its = {
		.it_value = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L},
	};
	timer_settime(t, 0, &its, NULL);
	while ((r = l->ops->lock_take(l, how, true)) == -EINTR && !timer_fired)
		;
	timer_delete(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == -EINTR)
		return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms",
				  l->name, timeout_ms);
	return r;
}

static int check_how(const struct ipcx_lock *l, int how)
{
	if (how != IPCX_LOCK_SHARED && how != IPCX_LOCK_EXCLUSIVE)
		return ipcx__fail(EINVAL,
				  "%s: a lock is IPCX_LOCK_SHARED or "
				  "IPCX_LOCK_EXCLUSIVE, not %d",
				  l->name, how);
	return 0;
}

int ipcx_lock_acquire(struct ipcx_lock *l, int how)
{
	int r;

	if (!l)
		return ipcx__fail(EINVAL, "ipcx_lock_acquire: NULL lock");
	if ((r = check_how(l, how)) < 0)
		return r;
	return lock_wait(l, how, l->flags & IPCX_NONBLOCK ? 0 : l->timeout_ms);
}

int ipcx_lock_try(struct ipcx_lock *l, int how)
{
	int r;

	if (!l)
		return ipcx__fail(EINVAL, "ipcx_lock_try: NULL lock");
	if ((r = check_how(l, how)) < 0)
		return r;
	return lock_wait(l, how, 0);
}

int ipcx_lock_timed(struct ipcx_lock *l, int how, int timeout_ms)
{
	int r;

	if (!l)
		return ipcx__fail(EINVAL, "ipcx_lock_timed: NULL lock");
	if ((r = check_how(l, how)) < 0)
		return r;
	if (timeout_ms < 0)
		return ipcx__fail(EINVAL, "%s: a negative timeout (%d ms)",
				  l->name, timeout_ms);
	return lock_wait(l, how, timeout_ms);
}

int ipcx_lock_holder(struct ipcx_lock *l, int how, pid_t *pid)
{
	int r;

	if (!l || !pid)
		return ipcx__fail(EINVAL, "ipcx_lock_holder: NULL argument");
	if ((r = check_how(l, how)) < 0)
		return r;
	return l->ops->lock_holder(l, how, pid);
}

int ipcx_lock_fd(const struct ipcx_lock *l)
{
	return l ? l->fd : ipcx__fail(EINVAL, "ipcx_lock_fd: NULL lock");
}

int ipcx_lock_held(const struct ipcx_lock *l)
{
	return l ? l->held : 0;
}

int ipcx_lock_release(struct ipcx_lock *l)
{
	if (!l)
		return ipcx__fail(EINVAL, "ipcx_lock_release: NULL lock");
	if (!l->held)
		return ipcx__fail(ENOLCK, "%s: not held", l->name);
	return l->ops->lock_release(l);
}

int ipcx_lock_close(struct ipcx_lock *l)
{
	if (!l)
		return 0;
	if (l->held)
		l->ops->lock_release(l);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
	return 0;
}

/* ---- robust mutexes and condition variables ------------------------------ */

_Static_assert(sizeof(pthread_mutex_t) <= IPCX_MUTEX_SIZE,
	       "IPCX_MUTEX_SIZE holds a pthread_mutex_t");
_Static_assert(sizeof(pthread_cond_t) <= IPCX_COND_SIZE,
	       "IPCX_COND_SIZE holds a pthread_cond_t");
_Static_assert(alignof(pthread_mutex_t) <= 8 && alignof(pthread_cond_t) <= 8,
	       "aligned to 8 is enough");

int ipcx_mutex_init(struct ipcx_region *r, size_t offset,
		    struct ipcx_mutex **out)
{
	pthread_mutex_t *m =
		ipcx__region_place(r, offset, IPCX_MUTEX_SIZE, "mutex");
	pthread_mutexattr_t a;
	int e;

	if (!m || !out)
		return m ? ipcx__fail(EINVAL, "ipcx_mutex_init: NULL result")
			 : -EINVAL;
	if ((e = pthread_mutexattr_init(&a)))
		return ipcx__fail(e, "%s: mutex attributes", r->name);
	e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!e)
		e = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	if (e)
		return ipcx__fail(e, "%s: pthread_mutex_init: %s", r->name,
				  ipcx_strerror(e));
	*out = (struct ipcx_mutex *)m;
	return 0;
}

int ipcx_mutex_at(struct ipcx_region *r, size_t offset, struct ipcx_mutex **out)
{
	void *m = ipcx__region_place(r, offset, IPCX_MUTEX_SIZE, "mutex");

	if (!m || !out)
		return m ? ipcx__fail(EINVAL, "ipcx_mutex_at: NULL result")
			 : -EINVAL;
	*out = m;
	return 0;
}

int ipcx_cond_init(struct ipcx_region *r, size_t offset, struct ipcx_cond **out)
{
	pthread_cond_t *c =
		ipcx__region_place(r, offset, IPCX_COND_SIZE, "condition");
	pthread_condattr_t a;
	int e;

	if (!c || !out)
		return c ? ipcx__fail(EINVAL, "ipcx_cond_init: NULL result")
			 : -EINVAL;
	if ((e = pthread_condattr_init(&a)))
		return ipcx__fail(e, "%s: condition attributes", r->name);
	e = pthread_condattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!e)
		e = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	if (e)
		return ipcx__fail(e, "%s: pthread_cond_init: %s", r->name,
				  ipcx_strerror(e));
	*out = (struct ipcx_cond *)c;
	return 0;
}

int ipcx_cond_at(struct ipcx_region *r, size_t offset, struct ipcx_cond **out)
{
	void *c = ipcx__region_place(r, offset, IPCX_COND_SIZE, "condition");

	if (!c || !out)
		return c ? ipcx__fail(EINVAL, "ipcx_cond_at: NULL result")
			 : -EINVAL;
	*out = c;
	return 0;
}

/* What a lock call's status means; EOWNERDEAD made consistent. */
static int locked(pthread_mutex_t *m, int e, const char *call)
{
	if (e == 0)
		return 0;
	if (e == EOWNERDEAD) {
		pthread_mutex_consistent(m);
		return IPCX_OWNER_DIED;
	}
	if (e == EBUSY)
		return ipcx__fail(EBUSY, "mutex: held by another thread");
	if (e == ETIMEDOUT)
		return ipcx__fail(ETIMEDOUT, "mutex: timed out");
	if (e == ENOTRECOVERABLE)
		return ipcx__fail(ENOTRECOVERABLE,
				  "mutex: not recoverable (an owner died and "
				  "the next one unlocked it without repair)");
	return ipcx__fail(e, "mutex: %s: %s", call, ipcx_strerror(e));
}

int ipcx_mutex_lock(struct ipcx_mutex *m)
{
	pthread_mutex_t *p = (pthread_mutex_t *)m;

	if (!m)
		return ipcx__fail(EINVAL, "ipcx_mutex_lock: NULL mutex");
	return locked(p, pthread_mutex_lock(p), "pthread_mutex_lock");
}

int ipcx_mutex_trylock(struct ipcx_mutex *m)
{
	pthread_mutex_t *p = (pthread_mutex_t *)m;

	if (!m)
		return ipcx__fail(EINVAL, "ipcx_mutex_trylock: NULL mutex");
	return locked(p, pthread_mutex_trylock(p), "pthread_mutex_trylock");
}

int ipcx_mutex_timedlock(struct ipcx_mutex *m, int timeout_ms)
{
	pthread_mutex_t *p = (pthread_mutex_t *)m;

	if (!m || timeout_ms < 0)
		return ipcx__fail(EINVAL, "ipcx_mutex_timedlock: NULL mutex "
					  "or negative timeout");
	/* The C library's timed lock counts on CLOCK_REALTIME. */
	struct timespec ts = ipcx__deadline_ts(CLOCK_REALTIME, timeout_ms);
	return locked(p, pthread_mutex_timedlock(p, &ts),
		      "pthread_mutex_timedlock");
}

int ipcx_mutex_unlock(struct ipcx_mutex *m)
{
	int e;

	if (!m)
		return ipcx__fail(EINVAL, "ipcx_mutex_unlock: NULL mutex");
	if ((e = pthread_mutex_unlock((pthread_mutex_t *)m)))
		return ipcx__fail(e, "mutex: unlock: %s%s", ipcx_strerror(e),
				  e == EPERM ? " (not held by this thread)"
					     : "");
	return 0;
}

int ipcx_cond_wait(struct ipcx_cond *c, struct ipcx_mutex *m)
{
	pthread_mutex_t *p = (pthread_mutex_t *)m;

	if (!c || !m)
		return ipcx__fail(EINVAL, "ipcx_cond_wait: NULL argument");
	return locked(p, pthread_cond_wait((pthread_cond_t *)c, p),
		      "pthread_cond_wait");
}

int ipcx_cond_timedwait(struct ipcx_cond *c, struct ipcx_mutex *m,
			int timeout_ms)
{
	pthread_mutex_t *p = (pthread_mutex_t *)m;

	if (!c || !m || timeout_ms < 0)
		return ipcx__fail(EINVAL, "ipcx_cond_timedwait: NULL argument "
					  "or negative timeout");
	struct timespec ts = ipcx__deadline_ts(CLOCK_MONOTONIC, timeout_ms);
	int e = pthread_cond_timedwait((pthread_cond_t *)c, p, &ts);
	if (e == ETIMEDOUT)
		return ipcx__fail(ETIMEDOUT, "condition: timed out after %d ms",
				  timeout_ms);
	return locked(p, e, "pthread_cond_timedwait");
}

int ipcx_cond_signal(struct ipcx_cond *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_cond_signal: NULL condition");
	return -pthread_cond_signal((pthread_cond_t *)c);
}

int ipcx_cond_broadcast(struct ipcx_cond *c)
{
	if (!c)
		return ipcx__fail(EINVAL,
				  "ipcx_cond_broadcast: NULL condition");
	return -pthread_cond_broadcast((pthread_cond_t *)c);
}

/* ---- signal names ----------------------------------------------------- */

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{"HUP", SIGHUP},       {"INT", SIGINT},	  {"QUIT", SIGQUIT},
	{"ILL", SIGILL},       {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},
	{"BUS", SIGBUS},       {"FPE", SIGFPE},	  {"KILL", SIGKILL},
	{"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
	{"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},
	{"CHLD", SIGCHLD},     {"CONT", SIGCONT}, {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
	{"URG", SIGURG},       {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
	{"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
	{"IO", SIGIO},	       {"SYS", SIGSYS},
};

int ipcx_signal_parse(const char *name)
{
	char *end;
	long n;

	if (!name || !*name)
		return -EINVAL;
	if (name[0] >= '0' && name[0] <= '9') {
		n = strtol(name, &end, 10);
		return !*end && n > 0 && n <= SIGRTMAX ? (int)n : -EINVAL;
	}
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(signames); i++)
		if (!strcasecmp(name, signames[i].name))
			return signames[i].sig;
	bool min = !strncasecmp(name, "RTMIN", 5),
	     max = !strncasecmp(name, "RTMAX", 5);
	if (!min && !max)
		return -EINVAL;
	name += 5;
	n = 0;
	if (*name) {
		if ((*name != '+' && *name != '-') || name[1] < '0' ||
		    name[1] > '9')
			return -EINVAL;
		n = strtol(name, &end, 10);
		if (*end)
			return -EINVAL;
	}
	n += min ? SIGRTMIN : SIGRTMAX;
	return n >= SIGRTMIN && n <= SIGRTMAX ? (int)n : -EINVAL;
}
