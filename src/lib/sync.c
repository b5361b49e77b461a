/* SPDX-License-Identifier: MIT */
/*
 * Synchronization: the core of semaphores and file locks (dispatch through
 * the facility's semaphore and lock roles) and timed lock waits.
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

/* ---- semaphores ---------------------------------------------------------- */

void *ipcx__sem_new_named(size_t size, const struct ipcx__facility *ops,
			  const char *name)
{
	struct ipcx_sem *s = calloc(1, size);

	if (!s)
		return NULL;
	s->ops = ops;
	s->timeout_ms = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

void *ipcx__sem_new(size_t size, const struct ipcx_addr *a, unsigned flags)
{
	struct ipcx_sem *s = ipcx__sem_new_named(size, a->ops, a->text);

	if (s) {
		s->flags = flags;
		s->timeout_ms = a->timeout != IPCX__UNSET ? a->timeout : -1;
	}
	return s;
}

int ipcx_sem_open_addr(const struct ipcx_addr *a, unsigned flags,
		       unsigned initial, struct ipcx_sem **out)
{
	struct ipcx_sem *s = NULL;
	int r;

	if (!a || !out)
		return ipcx__fail(EINVAL, "ipcx_sem_open: NULL argument");
	if (!a->ops->sem || !a->ops->sem->open)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: not a semaphore (sysvsem:KEY or "
				  "posixsem:/name; unnamed ones live in a "
				  "region)",
				  a->text);
	if ((r = ipcx__addr_role(a, IPCX__ROLE_SEM, "a semaphore")) < 0 ||
	    (r = a->ops->sem->open(a, ipcx__addr_flags(a, flags), initial,
				   &s)) < 0)
		return r;
	*out = s;
	return 0;
}

int ipcx_sem_open(const char *addr, unsigned flags, unsigned initial,
		  struct ipcx_sem **out)
{
	IPCX__WITH_ADDR(addr, NULL,
			ipcx_sem_open_addr(&a, flags, initial, out));
}

/* A semaphore in a region's memory: the registered facility that can
 * place one there does it. */
static int sem_place(struct ipcx_region *r, size_t offset, bool init,
		     unsigned initial, struct ipcx_sem **out, const char *fn)
{
	if (!out)
		return ipcx__fail(EINVAL, "%s: no place for the result", fn);
	for (size_t i = 0; ipcx__facility_nth(i); i++) {
		const struct ipcx__facility *f = ipcx__facility_nth(i);
		if (f->sem && f->sem->place)
			return f->sem->place(r, offset, init, initial, out);
	}
	return ipcx__fail(EOPNOTSUPP, "%s: no semaphore lives in memory here",
			  fn);
}

int ipcx_sem_init(struct ipcx_region *r, size_t offset, unsigned initial,
		  struct ipcx_sem **out)
{
	return sem_place(r, offset, true, initial, out, "ipcx_sem_init");
}

int ipcx_sem_attach(struct ipcx_region *r, size_t offset, struct ipcx_sem **out)
{
	return sem_place(r, offset, false, 0, out, "ipcx_sem_attach");
}

/* The wait that TIMEOUT_MS means for a handle opened with FLAGS and
 * TIMEOUT (the address's), into *OUT: -1 forever, 0 not at all, else
 * milliseconds.  -EINVAL for a meaningless one. */
static int wait_ms(const char *name, unsigned flags, int timeout,
		   int timeout_ms, int *out)
{
	if (timeout_ms == IPCX_WAIT_OPENED)
		*out = flags & IPCX_NONBLOCK ? 0 : timeout;
	else if (timeout_ms >= IPCX_WAIT_FOREVER)
		*out = timeout_ms;
	else
		return ipcx__fail(EINVAL,
				  "%s: a timeout is milliseconds, "
				  "IPCX_WAIT_FOREVER or IPCX_WAIT_OPENED, not "
				  "%d",
				  name, timeout_ms);
	return 0;
}

int ipcx_sem_acquire(struct ipcx_sem *s, int timeout_ms)
{
	int ms = 0, r;

	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_acquire: NULL semaphore");
	if ((r = wait_ms(s->name, s->flags, s->timeout_ms, timeout_ms, &ms)) <
	    0)
		return r;
	return s->ops->sem->wait(s, ms);
}

int ipcx_sem_release(struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_release: NULL semaphore");
	return s->ops->sem->post(s);
}

int ipcx_sem_value(const struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_value: NULL semaphore");
	return s->ops->sem->value(s);
}

int ipcx_sem_unlink(struct ipcx_sem *s)
{
	if (!s)
		return ipcx__fail(EINVAL, "ipcx_sem_unlink: NULL semaphore");
	/* An unnamed semaphore has no name: it goes with its region. */
	return s->ops->sem->unlink_self ? s->ops->sem->unlink_self(s) : 0;
}

int ipcx_sem_close(struct ipcx_sem *s)
{
	if (!s)
		return 0;
	return s->ops->sem->close(s);
}

/* ---- file locks ---------------------------------------------------------- */

void *ipcx__lock_new(size_t size, const struct ipcx_addr *a, unsigned flags)
{
	struct ipcx_lock *l = calloc(1, size);

	if (!l)
		return NULL;
	l->ops = a->ops;
	l->flags = flags;
	l->fd = -1;
	l->timeout_ms = a->timeout != IPCX__UNSET ? a->timeout : -1;
	snprintf(l->name, sizeof(l->name), "%s", a->text);
	return l;
}

int ipcx_lock_open_addr(const struct ipcx_addr *a, unsigned flags,
			struct ipcx_lock **out)
{
	struct ipcx_lock *l = NULL;
	int r;

	if (!a || !out)
		return ipcx__fail(EINVAL, "ipcx_lock_open: NULL argument");
	if (!a->ops->lock)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: not a lock (flock:PATH or fcntl:PATH)",
				  a->text);
	if ((r = ipcx__addr_role(a, IPCX__ROLE_LOCK, "a lock")) < 0 ||
	    (r = a->ops->lock->open(a, ipcx__addr_flags(a, flags), &l)) < 0)
		return r;
	*out = l;
	return 0;
}

int ipcx_lock_open(const char *addr, unsigned flags, struct ipcx_lock **out)
{
	IPCX__WITH_ADDR(addr, NULL, ipcx_lock_open_addr(&a, flags, out));
}

/*
 * Timed waits.  Neither flock(2) nor fcntl(F_SETLKW) takes a timeout, so
 * a timed take sleeps in the blocking call and a POSIX timer aimed at
 * this thread (SIGEV_THREAD_ID) interrupts it with SIGRTMAX, as flock(1)
 * does with alarm(2).  The handler only notes that it ran; it is
 * installed the first time, and only while SIGRTMAX has its default
 * action (which would kill the process): a program that handles SIGRTMAX
 * itself gets waits in short non-blocking steps instead.
 *
 * The timer cannot lose its wake-up: a signal that arrives after the
 * timer is set but before the blocking call starts only marks the
 * deadline as passed, and the call would then sleep on; so after its
 * first expiry the timer fires again every TIMER_REPEAT_MS until the
 * wait ends, and the next one interrupts the call.
 */
#define TIMER_REPEAT_MS 10
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
		int r = l->ops->lock->take(l, how, false);
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
		return l->ops->lock->take(l, how, false);
	if (timeout_ms < 0) {
		/* Another signal's handler ran: wait again. */
		while ((r = l->ops->lock->take(l, how, true)) == -EINTR)
			;
		return r;
	}
	/* Already free: no timer at all. */
	r = l->ops->lock->take(l, how, false);
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
		.it_interval = {0, TIMER_REPEAT_MS * 1000000L},
	};
	timer_settime(t, 0, &its, NULL);
	while ((r = l->ops->lock->take(l, how, true)) == -EINTR && !timer_fired)
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

int ipcx_lock_acquire(struct ipcx_lock *l, int how, int timeout_ms)
{
	int ms = 0, r;

	if (!l)
		return ipcx__fail(EINVAL, "ipcx_lock_acquire: NULL lock");
	if ((r = check_how(l, how)) < 0 ||
	    (r = wait_ms(l->name, l->flags, l->timeout_ms, timeout_ms, &ms)) <
		    0)
		return r;
	return lock_wait(l, how, ms);
}

int ipcx_lock_holder(struct ipcx_lock *l, int how, pid_t *pid)
{
	int r;

	if (!l || !pid)
		return ipcx__fail(EINVAL, "ipcx_lock_holder: NULL argument");
	if ((r = check_how(l, how)) < 0)
		return r;
	return l->ops->lock->holder(l, how, pid);
}

int ipcx_lock_fd(const struct ipcx_lock *l)
{
	return l ? l->fd : ipcx__fail(EINVAL, "ipcx_lock_fd: NULL lock");
}

int ipcx_lock_held(const struct ipcx_lock *l)
{
	return l ? l->held : ipcx__fail(EINVAL, "ipcx_lock_held: NULL lock");
}

int ipcx_lock_release(struct ipcx_lock *l)
{
	if (!l)
		return ipcx__fail(EINVAL, "ipcx_lock_release: NULL lock");
	if (!l->held)
		return ipcx__fail(ENOLCK, "%s: not held", l->name);
	return l->ops->lock->release(l);
}

int ipcx_lock_close(struct ipcx_lock *l)
{
	if (!l)
		return 0;
	if (l->held)
		l->ops->lock->release(l);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
	return 0;
}
