/* SPDX-License-Identifier: MIT */
/*
 * Memory that vanishes: the library's mappings survive SIGBUS.
 *
 * A shared object can shrink under its mapping (another process calls
 * ftruncate), or a page of it cannot be allocated (a full tmpfs): the
 * next access raises SIGBUS, which would kill every process mapping it.
 * Every mapping the library makes is watched here.  The first time one
 * of them faults, a SIGBUS handler (put in place by every mapping that
 * finds it missing, chaining to the one it replaced) maps private zero pages
 * over the whole mapping (mmap with MAP_FIXED is async-signal-safe) and marks
 * it lost; the faulting instruction then runs again on the zeros, and the
 * library, which looks at the mark after each access it makes, returns
 * -EFAULT.  A fault anywhere else goes to the previous handler (the
 * default one kills, as it would have).
 *
 * The watch list is chunks of slots, linked and never freed, so that
 * the handler reads it without a lock and without allocating.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK 64

enum { FREE, CLAIMED, LIVE };

struct chunk {
	struct ipcx__fault_slot slot[CHUNK];
	struct chunk *_Atomic next;
};

static struct chunk first;
static struct sigaction previous;

static bool replace(struct ipcx__fault_slot *s, uintptr_t addr)
{
	if (atomic_load(&s->state) != LIVE)
		return false;
	uintptr_t base = atomic_load(&s->base);
	size_t size = atomic_load(&s->size);
	if (addr < base || addr - base >= size)
		return false;
	/* Several threads may fault at once: each maps the same zeros. */
	if (mmap((void *)base, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return false;
	atomic_store(&s->lost, 1);
	return true;
}

static void on_sigbus(int sig, siginfo_t *info, void *uc)
{
	int saved = errno;
	uintptr_t addr = (uintptr_t)info->si_addr;

	/* Only a fault (not a kill()) on a mapping of ours. */
	if (info->si_code > 0)
		for (struct chunk *c = &first; c; c = atomic_load(&c->next))
			for (int i = 0; i < CHUNK; i++)
				if (replace(&c->slot[i], addr)) {
					errno = saved;
					return;
				}
	errno = saved;
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, info, uc);
	} else if (previous.sa_handler == SIG_DFL ||
		   previous.sa_handler == SIG_IGN) {
		/* What would have happened without us: the fault, run
		 * again, kills; a sent signal is sent again. */
		sigaction(SIGBUS, &previous, NULL);
		if (info->si_code <= 0)
			raise(sig);
	} else {
		previous.sa_handler(sig);
	}
}

/* Puts the handler in place unless it is there: a program (or a test
 * harness) that set its own since is chained to. */
static int install(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct sigaction sa, cur;
	int e = 0;

	pthread_mutex_lock(&lock);
	if (sigaction(SIGBUS, NULL, &cur) < 0) {
		e = -errno;
	} else if (!(cur.sa_flags & SA_SIGINFO) ||
		   cur.sa_sigaction != on_sigbus) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		previous = cur;
		if (sigaction(SIGBUS, &sa, NULL) < 0)
			e = -errno;
	}
	pthread_mutex_unlock(&lock);
	return e;
}

struct ipcx__fault_slot *ipcx__fault_watch(void *base, size_t size)
{
	struct chunk *c = &first;

	if (install() < 0)
		return NULL;
	for (;;) {
		for (int i = 0; i < CHUNK; i++) {
			struct ipcx__fault_slot *s = &c->slot[i];
			int free_ = FREE;
			if (!atomic_compare_exchange_strong(&s->state, &free_,
							    CLAIMED))
				continue;
			atomic_store(&s->base, (uintptr_t)base);
			atomic_store(&s->size, size);
			atomic_store(&s->lost, 0);
			atomic_store(&s->state, LIVE);
			return s;
		}
		struct chunk *next = atomic_load(&c->next);
		if (!next) {
			struct chunk *n = calloc(1, sizeof(*n));
			if (!n)
				return NULL;
			if (!atomic_compare_exchange_strong(&c->next, &next, n))
				free(n); /* another thread added one */
			else
				next = n;
		}
		c = next;
	}
}

void ipcx__fault_unwatch(struct ipcx__fault_slot *s)
{
	if (s)
		atomic_store(&s->state, FREE);
}
