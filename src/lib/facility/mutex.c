/* SPDX-License-Identifier: MIT */
/* Robust process-shared mutexes and condition variables in a region. */
#include "../internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <time.h>

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
