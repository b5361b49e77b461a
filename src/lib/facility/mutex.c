/* SPDX-License-Identifier: MIT */
/* Robust process-shared mutexes and condition variables in a region. */
#include "../internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

_Static_assert(sizeof(pthread_mutex_t) <= IPCX_MUTEX_SIZE,
	       "IPCX_MUTEX_SIZE holds a pthread_mutex_t");
_Static_assert(sizeof(pthread_cond_t) <= IPCX_COND_SIZE,
	       "IPCX_COND_SIZE holds a pthread_cond_t");
_Static_assert(alignof(pthread_mutex_t) <= 8 && alignof(pthread_cond_t) <= 8,
	       "aligned to 8 is enough");

/* A handle: this process's pointer into the region, and its name. */
struct handle {
	void *p;
	const struct ipcx__fault_slot *watch; /* the region's SIGBUS watch */
	char name[IPCX_ADDR_MAX + 96];
};

/* -EFAULT when the region's memory vanished under the handle (the
 * operation ran on the zeros mapped in its place). */
static int vanished(const struct handle *h)
{
	if (!ipcx__fault_lost(h->watch))
		return 0;
	return ipcx__fail(EFAULT,
			  "%s: the region's object shrank under its mapping "
			  "(SIGBUS): the lock or condition is gone",
			  h->name);
}

struct ipcx_mutex {
	struct handle h;
};

struct ipcx_cond {
	struct handle h;
};

/* A handle for the object of SIZE bytes at OFFSET in R (WHAT: "mutex"),
 * initialised by INIT when it is not NULL. */
static int place(struct ipcx_region *r, size_t offset, size_t size,
		 const char *what, int (*init)(void *p, const char *name),
		 struct handle **out, const char *fn, bool final)
{
	struct handle *h;
	void *p;
	int e;

	if (!final)
		return ipcx__fail(EINVAL, "%s: no place for the result", fn);
	if (!(p = ipcx__region_place(r, offset, size, what)))
		return -EINVAL;
	if (!(h = malloc(sizeof(*h))))
		return -ENOMEM;
	snprintf(h->name, sizeof(h->name), "%.200s@%zu", r->name, offset);
	if (init && (e = init(p, h->name)) < 0) {
		free(h);
		return e;
	}
	h->p = p;
	h->watch = r->watch;
	*out = h;
	return 0;
}

static int mutex_setup(void *p, const char *name)
{
	pthread_mutexattr_t a;
	int e;

	if ((e = pthread_mutexattr_init(&a)))
		return ipcx__fail(e, "%s: mutex attributes", name);
	e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!e)
		e = pthread_mutex_init(p, &a);
	pthread_mutexattr_destroy(&a);
	if (e)
		return ipcx__fail(e, "%s: pthread_mutex_init: %s", name,
				  ipcx_strerror(e));
	return 0;
}

static int cond_setup(void *p, const char *name)
{
	pthread_condattr_t a;
	int e;

	if ((e = pthread_condattr_init(&a)))
		return ipcx__fail(e, "%s: condition attributes", name);
	e = pthread_condattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!e)
		e = pthread_cond_init(p, &a);
	pthread_condattr_destroy(&a);
	if (e)
		return ipcx__fail(e, "%s: pthread_cond_init: %s", name,
				  ipcx_strerror(e));
	return 0;
}

/* The four placing functions: NAME (initialising with SETUP, or NULL to
 * attach) for public type TYPE, whose first (only) member is the handle. */
#define PLACE(name, type, size, what, setup)                              \
	int name(struct ipcx_region *r, size_t offset, struct type **out) \
	{                                                                 \
		struct handle *h = NULL;                                  \
		int e = place(r, offset, size, what, setup, &h, #name,    \
			      out != NULL);                               \
		if (e == 0)                                               \
			*out = (struct type *)h;                          \
		return e;                                                 \
	}
PLACE(ipcx_mutex_init, ipcx_mutex, IPCX_MUTEX_SIZE, "mutex", mutex_setup)
PLACE(ipcx_mutex_attach, ipcx_mutex, IPCX_MUTEX_SIZE, "mutex", NULL)
PLACE(ipcx_cond_init, ipcx_cond, IPCX_COND_SIZE, "condition", cond_setup)
PLACE(ipcx_cond_attach, ipcx_cond, IPCX_COND_SIZE, "condition", NULL)

int ipcx_mutex_close(struct ipcx_mutex *m)
{
	free(m);
	return 0;
}

int ipcx_cond_close(struct ipcx_cond *c)
{
	free(c);
	return 0;
}

/* What a lock call's status means; EOWNERDEAD made consistent. */
static int locked(struct ipcx_mutex *m, int e, const char *call)
{
	int v = vanished(&m->h);
	if (v < 0)
		return v;
	if (e == 0)
		return 0;
	if (e == EOWNERDEAD) {
		pthread_mutex_consistent((pthread_mutex_t *)m->h.p);
		return IPCX_OWNER_DIED;
	}
	if (e == EBUSY)
		return ipcx__fail(EAGAIN, "%s: held by another thread",
				  m->h.name);
	if (e == ETIMEDOUT)
		return ipcx__fail(ETIMEDOUT, "%s: timed out", m->h.name);
	if (e == ENOTRECOVERABLE)
		return ipcx__fail(ENOTRECOVERABLE,
				  "%s: not recoverable (an owner died and the "
				  "next one released it without repair)",
				  m->h.name);
	return ipcx__fail(e, "%s: %s: %s", m->h.name, call, ipcx_strerror(e));
}

/* TIMEOUT_MS as ipcx.h says it; a mutex has no address options, so
 * IPCX_WAIT_OPENED is forever. */
static int check_timeout(const char *name, int timeout_ms)
{
	if (timeout_ms < IPCX_WAIT_OPENED)
		return ipcx__fail(EINVAL,
				  "%s: a timeout is milliseconds or "
				  "IPCX_WAIT_FOREVER, not %d",
				  name, timeout_ms);
	return 0;
}

int ipcx_mutex_acquire(struct ipcx_mutex *m, int timeout_ms)
{
	int e;

	if (!m)
		return ipcx__fail(EINVAL, "ipcx_mutex_acquire: NULL mutex");
	if ((e = check_timeout(m->h.name, timeout_ms)) < 0)
		return e;
	if (timeout_ms < 0)
		return locked(m, pthread_mutex_lock((pthread_mutex_t *)m->h.p),
			      "pthread_mutex_lock");
	if (timeout_ms == 0)
		return locked(m,
			      pthread_mutex_trylock((pthread_mutex_t *)m->h.p),
			      "pthread_mutex_trylock");
	/* The C library's timed lock counts on CLOCK_REALTIME. */
	struct timespec ts = ipcx__deadline_ts(CLOCK_REALTIME, timeout_ms);
	return locked(m,
		      pthread_mutex_timedlock((pthread_mutex_t *)m->h.p, &ts),
		      "pthread_mutex_timedlock");
}

int ipcx_mutex_release(struct ipcx_mutex *m)
{
	int e;

	if (!m)
		return ipcx__fail(EINVAL, "ipcx_mutex_release: NULL mutex");
	if ((e = vanished(&m->h)) < 0)
		return e;
	if ((e = pthread_mutex_unlock((pthread_mutex_t *)m->h.p)))
		return ipcx__fail(
			e, "%s: release: %s%s", m->h.name, ipcx_strerror(e),
			e == EPERM ? " (not held by this thread)" : "");
	return 0;
}

int ipcx_cond_wait(struct ipcx_cond *c, struct ipcx_mutex *m, int timeout_ms)
{
	int e;

	if (!c || !m)
		return ipcx__fail(EINVAL, "ipcx_cond_wait: NULL argument");
	if ((e = check_timeout(c->h.name, timeout_ms)) < 0)
		return e;
	if (timeout_ms < 0)
		return locked(m,
			      pthread_cond_wait((pthread_cond_t *)c->h.p,
						(pthread_mutex_t *)m->h.p),
			      "pthread_cond_wait");
	struct timespec ts = ipcx__deadline_ts(CLOCK_MONOTONIC, timeout_ms);
	e = pthread_cond_timedwait((pthread_cond_t *)c->h.p,
				   (pthread_mutex_t *)m->h.p, &ts);
	if (e == ETIMEDOUT)
		return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms",
				  c->h.name, timeout_ms);
	return locked(m, e, "pthread_cond_timedwait");
}

int ipcx_cond_signal(struct ipcx_cond *c)
{
	if (!c)
		return ipcx__fail(EINVAL, "ipcx_cond_signal: NULL condition");
	return -pthread_cond_signal((pthread_cond_t *)c->h.p);
}

int ipcx_cond_broadcast(struct ipcx_cond *c)
{
	if (!c)
		return ipcx__fail(EINVAL,
				  "ipcx_cond_broadcast: NULL condition");
	return -pthread_cond_broadcast((pthread_cond_t *)c->h.p);
}
