/* SPDX-License-Identifier: MIT */
/* The ring channel: variable-size messages in any shared-memory region. */
#include "../internal.h"
#include "rendezvous.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The futex and membarrier operations (linux/futex.h and
 * linux/membarrier.h are not in every C library's view: musl-gcc has no
 * kernel headers); the values are the kernel's ABI. */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#endif
#define MB_QUERY 0
#define MB_GLOBAL_EXPEDITED (1 << 1)
#define MB_REGISTER_GLOBAL_EXPEDITED (1 << 2)

/*
 * Layout.  The region starts with a header, then CAPACITY bytes of data
 * (a power of two).  Each side (producers, consumers) has a cache line of
 * its own: its position, a 64-bit byte count that only grows (offset in
 * the data: pos & (capacity - 1)), and the owner/busy/shared words below.
 * A message is a record: a 16-byte header (a 64-bit tag, the length, the
 * flags), the payload, padded to 8 bytes.  A record never wraps: when the
 * end of the data has no room for it, a PAD record fills the end and the
 * message starts at offset 0.
 *
 * Publication.  A record's tag is TAG(pos), a function of the position it
 * was written at, stored last with release order; the consumer waits for
 * the tag it expects at its own position, with an acquire load.  So the
 * consumer never reads the producer's position on the fast path: the
 * record's first line, which it must fetch anyway, says whether it is
 * ready.  Tags of older laps (or payload bytes) sitting at that offset
 * differ from the expected one.  The producer also stores its position
 * after each record (for the consumer's checks, pollers and statistics,
 * all off the fast path); the consumer stores its position after reading,
 * which the producer reloads only when its cached copy says full.
 *
 * Sides.  One producer and one consumer is the fast path: each side's
 * first thread becomes its owner and works without a lock, marking each
 * operation in "busy".  A second thread or process on a side takes that
 * side's lock, sets "shared" and waits until the owner is not busy; from
 * then on every thread of that side, owner included, takes the lock
 * (MPMC: every message is still read by exactly one consumer).  The lock
 * is a word holding the holder's thread id: one compare-and-swap to take
 * it, a plain store to give it back; a waiter spins, yields, then sleeps
 * on the word (counted, like the ring's sleepers below), and takes it
 * over when the holder's thread is dead.  The owner's "busy = 1, then look at
 * shared" and the newcomer's "shared = 1, then look at busy" form a Dekker pair
 * whose full barrier the newcomer pays alone, with membarrier(2)
 * (MEMBARRIER_CMD_GLOBAL_EXPEDITED, which every ring user registers for):
 * the owner's fast path has no atomic read-modify-write and no fence.
 * "shared" stays set for the life of the ring.
 *
 * Crash safety.  A record becomes visible only when its tag is stored, so
 * a producer that dies mid-write leaves nothing visible: the next
 * producer takes over a dead owner's side (or a dead holder's lock), and
 * writes over the abandoned bytes.  A consumer that dies
 * mid-read leaves the message where it was.  A PAD is published (its
 * tag and the position) before the record that follows it.
 *
 * Waiting.  wait=spin polls with a pause instruction; wait=futex sleeps
 * on a 32-bit sequence word in the header: the waiter counts itself in
 * *_waiting, issues membarrier(2), re-checks and sleeps; the other side,
 * after publishing, loads the count (the same Dekker pair, the barrier
 * again paid by the sleeper) and wakes only if it is not zero, so the
 * fast path has no system call and no fence while the peer is awake.
 * wait=adaptive (the default) spins for about 20 us, then sleeps.  A
 * producer of small messages that finds the ring full waits up to 2 us
 * for up to 32 KiB more room than one record, so that the two sides do
 * not trade the consumers' cache line for every message.  Neither side looks at
 * the other's position on the way to a wait (only every 50 ms, and for a
 * non-blocking call that finds nothing): that would pull the other side's cache
 * line once per message.  Right after publishing, it prefetches for writing the
 * lines the next record will use; a waiting consumer prefetches the record's
 * second line.  Sleeps last at most 50 ms, after which the waiter checks the
 * pids registered in the header: when every peer that registered is dead,
 * -EPIPE.  Registrations of processes that were already dead when a
 * handle opened do not count for it: a killed pair does not end the next
 * pair's wait.
 *
 * Polling.  ipcx_fd() on a ring makes the consumer a poller: it binds a
 * UNIX datagram socket to an abstract name ("ipcx-ring-" and a random
 * token it lists in the header) and returns it.  A consumer that empties
 * the ring drains its socket, arms its bit in poll_armed, and looks
 * again, so the descriptor is readable exactly while messages wait.  A
 * producer that has just published, and sees the count of pollers
 * non-zero (one load, on a line it reads anyway to decide whether to wake
 * a sleeper), fences and looks at poll_armed: the pollers armed (taken
 * back to 0 at once) get a one-byte datagram each.  So a stream of
 * messages costs one datagram each time the consumer catches up, not one
 * per message (the store of the position and the load of the bits, and
 * the consumer's arming and its second look, are a Dekker pair: a full
 * fence on each side).  Nobody polling: no socket, no send, nothing on
 * the fast path.
 *
 * Hostile memory.  Every value read from the region (positions, tags,
 * lengths, flags, owners) is checked before use; anything impossible is
 * -EPROTO ("ring header corrupt") and never an access out of bounds.
 */

#define RING_MAGIC 0x52585049u /* "IPXR" */
#define RING_INIT 0x54494e49u  /* "INIT": being initialised */
#define RING_VERSION 4u
#define SLOTS 8
#define REC 16u /* record header */
#define PAD_FLAG 1u
#define SPIN_NS 20000
#define SLACK_NS 2000
#define SLACK_MAX (32u << 10)
#define LIVENESS_MS 50

/* The per-message helpers: inlined into send and receive, whose calls
 * would otherwise cost as much as the work. */
#define HOT static inline __attribute__((always_inline))
#define TID_MAX 4194304 /* PID_MAX_LIMIT */

struct rec_hdr {
	_Atomic uint64_t tag;
	uint32_t len;
	uint32_t flags;
};

/* The tag of a record at POS: never 0 (fresh memory), and unlike the
 * small numbers payloads are full of. */
static inline uint64_t tag_of(uint64_t pos)
{
	return (pos ^ 0x9e3779b97f4a7c15ull) | 1;
}

struct ring_side {
	alignas(64) _Atomic uint64_t pos;
	_Atomic int32_t owner;	       /* thread id working without the lock */
	_Atomic uint32_t busy;	       /* the owner is inside an operation */
	_Atomic uint32_t shared;       /* several threads: all take the lock */
	_Atomic int32_t lock;	       /* thread id holding it, or 0 */
	_Atomic uint32_t lock_waiting; /* threads asleep on it */
};

struct ring_hdr {
	_Atomic uint32_t magic;
	uint32_t version;
	uint64_t capacity;
	uint64_t data_off;
	/* A duplex region: the offset of the second ring's header (the
	 * other direction), or 0 for a region that is one ring. */
	uint64_t pair_off;
	_Atomic int32_t prod_pid[SLOTS];
	_Atomic int32_t cons_pid[SLOTS];
	/* A connection (a ring each way between two ends, made by a
	 * listener's accept): the end that sends here is done (shut down
	 * or closed: the consumer reads end of stream once it is empty);
	 * the end that receives here has closed (a send is -EPIPE); how
	 * many processes hold the sending end.  On the line of the pids,
	 * which only opens, closes and forks write: a send can look at it
	 * for nothing. */
	_Atomic uint32_t writer_done;
	_Atomic uint32_t reader_gone;
	_Atomic uint32_t holders;
	struct ring_side prod; /* pos: the head */
	struct ring_side cons; /* pos: the tail */
	alignas(64) _Atomic uint32_t data_seq;
	_Atomic uint32_t cons_waiting;
	_Atomic uint32_t pollers;	    /* consumers that ipcx_fd()'d */
	_Atomic uint32_t poll_token[SLOTS]; /* their sockets' names */
	/* Bit I: poller I found the ring empty and waits for a poke. */
	_Atomic uint32_t poll_armed;
	alignas(64) _Atomic uint32_t space_seq;
	_Atomic uint32_t prod_waiting;
};

/* The connection fields fit in what was padding before the sides. */
_Static_assert(offsetof(struct ring_hdr, prod) == 128, "ring header layout");

enum wait_mode { WAIT_ADAPTIVE, WAIT_SPIN, WAIT_FUTEX };

static const char *const wait_names[] = {"adaptive", "spin", "futex", NULL};

const struct ipcx__opt ipcx__opt_wait = {
	.pub = {"wait", "spin, futex or adaptive", "adaptive",
		"how a ring waits: spin (lowest latency, a CPU busy), futex "
		"(asleep in the kernel), adaptive (spin briefly, then sleep)"},
	.kind = IPCX__OPT_ENUM,
	.roles = IPCX__ROLE_CHAN,
	.names = wait_names,
};

const struct ipcx__opt ipcx__opt_duplex = {
	.pub = {"duplex", "1 or 0", "0",
		"a ring each way (request/reply): the side that creates the "
		"region receives on one and sends on the other, every side "
		"that opens it the reverse"},
	.kind = IPCX__OPT_BOOL,
	.roles = IPCX__ROLE_CHAN,
};

struct ring {
	struct ipcx_chan c;
	struct ipcx_region *region;
	struct ring_hdr *h;
	unsigned char *data;
	uint64_t cap;
	uint64_t cached_tail; /* producer's copy of the consumers' position */
	uint64_t want;	      /* consumer: the position it waits at */
	uint64_t slack;	      /* producer: room wanted beyond the record */
	int prod_slot, cons_slot;
	bool prod_locked, cons_locked; /* this operation holds the mutex */
	/* zero-copy state: a reservation or a peek in progress */
	bool reserved, peeked;
	uint64_t resv_pos, resv_len, peek_next;
	enum wait_mode wait;
	int poll_fd;   /* a consumer's notification socket, or -1 */
	int poll_slot; /* its entry in poll_token[] */
	int notify_fd; /* a producer's socket to notify pollers, or -1 */
	/* Duplex: the ring this handle sends on and the one it receives
	 * on (itself and OTHER, whichever way its side says); a one-way
	 * handle is both.  OTHER shares the region (BORROWED). */
	struct ring *tx, *rx, *other;
	bool borrowed;
	bool attached; /* the header passed its checks */
	/* Registrations of processes dead before this open, per side. */
	int32_t prod_before[SLOTS], cons_before[SLOTS];
	/* The region's SIGBUS watch: looked at after each copy. */
	const struct ipcx__fault_slot *watch;
	/* An end of a connection (both directions: CONN), in its own
	 * memory; the rendezvous socket it keeps (it hangs up when the
	 * peer's processes are all gone) and, once polled, the epoll
	 * descriptor that waits for it and for messages; its peer's
	 * credentials; this process's list of ends. */
	bool conn;
	int conn_fd, ep_fd;
	pid_t peer_pid;
	uid_t peer_uid;
	struct ring *next_conn;
	/* A listener: its rendezvous socket (else -1) and the header in
	 * its region. */
	int listen_fd;
	struct listen_hdr *lh;
};

/*
 * A listening region holds this header where a ring's would be (the
 * magic tells them apart): the rendezvous socket's token (rendezvous.c),
 * the secret a client proves it could map the region with, the size of
 * each connection's memory, and the listener's pid (for messages).
 */
#define LISTEN_MAGIC 0x4c585049u /* "IPXL" */
#define LISTEN_VERSION 1u
#define LISTEN_REGION 4096u /* the size of a new listening region */

struct listen_hdr {
	_Atomic uint32_t magic;
	uint32_t version;
	uint64_t conn_size;
	_Atomic uint64_t token;
	_Atomic int32_t pid;
	uint32_t unused;
	uint8_t secret[IPCX__RV_SECRET];
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Prefetch for writing (PREFETCHW: a no-op where unsupported). */
static inline void prefetch_w(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val,
		  const struct timespec *ts)
{
	/* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

HOT uint64_t align16(uint64_t n)
{
	return (n + 15) & ~(uint64_t)15;
}

/* Whether the region faulted (SIGBUS) under the copy just made: one load
 * (a ring always has its watch). */
HOT bool lost(const struct ring *r)
{
	return __builtin_expect(
		atomic_load_explicit(&r->watch->lost, memory_order_relaxed), 0);
}

static int corrupt(const struct ring *r, const char *what)
{
	/* Zeros where the object was cut look impossible: say why. */
	if (r->region && ipcx__fault_lost(r->region->watch))
		return ipcx__region_lost(r->region);
	return ipcx__fail(EPROTO, "%s: ring header corrupt (%s)", r->c.name,
			  what);
}

HOT struct rec_hdr *rec_at(const struct ring *r, uint64_t pos)
{
	return (struct rec_hdr *)(r->data + (pos & (r->cap - 1)));
}

/* ---- threads and barriers ------------------------------------------------ */

/* The calling thread's id, cached (gettid is a system call); a child of
 * fork() forgets the parent's. */
static _Thread_local int32_t tid_cache
	__attribute__((tls_model("initial-exec")));
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forget_tid(void)
{
	tid_cache = 0;
}

static void conns_prepare(void), conns_parent(void), conns_child(void);

static void watch_forks(void)
{
	pthread_atfork(NULL, NULL, forget_tid);
	pthread_atfork(conns_prepare, conns_parent, conns_child);
}

static inline int32_t my_tid(void)
{
	if (!tid_cache)
		tid_cache = (int32_t)syscall(SYS_gettid);
	return tid_cache;
}

/* membarrier(2): 1 once this process is registered (fork() keeps the
 * registration), or -errno when the kernel cannot. */
static _Atomic int mb_state;

static int join_barriers(const struct ring *r)
{
	int s = atomic_load_explicit(&mb_state, memory_order_relaxed);

	if (s == 0) {
		long q = syscall(SYS_membarrier, MB_QUERY, 0, 0);
		if (q < 0 || !(q & MB_GLOBAL_EXPEDITED))
			s = q < 0 ? -errno : -ENOSYS;
		else if (syscall(SYS_membarrier, MB_REGISTER_GLOBAL_EXPEDITED,
				 0, 0) < 0)
			s = -errno;
		else
			s = 1;
		atomic_store(&mb_state, s);
	}
	if (s < 0)
		return ipcx__fail(-s,
				  "%s: a ring needs membarrier(2) "
				  "MEMBARRIER_CMD_GLOBAL_EXPEDITED (Linux "
				  "4.16): %s",
				  r->c.name, ipcx_strerror(-s));
	return 0;
}

/* The other half of a Dekker pair whose fast half has no fence: a full
 * barrier on every CPU running a ring user. */
static void heavy_barrier(void)
{
	syscall(SYS_membarrier, MB_GLOBAL_EXPEDITED, 0, 0);
}

/* ---- liveness -------------------------------------------------------- */

/* A pid (or thread id) is alive unless it is gone or a zombie. */
static bool pid_alive(int32_t pid)
{
	char path[64], buf[256];
	FILE *f;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return kill(pid, 0) == 0 || errno == EPERM;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

static int register_pid(struct ring *r, _Atomic int32_t *slots, int *mine)
{
	int32_t me = (int32_t)getpid();

	for (int i = 0; i < SLOTS; i++) {
		int32_t old = atomic_load(&slots[i]);
		if ((old == 0 || !pid_alive(old)) &&
		    atomic_compare_exchange_strong(&slots[i], &old, me)) {
			*mine = i;
			return 0;
		}
	}
	return ipcx__fail(EUSERS, "%s: more than %d processes on one side",
			  r->c.name, SLOTS);
}

/* Notes the registrations on SLOTS of processes already dead when this
 * handle opened: their death is not news to it (a sender killed before
 * this receiver came must not end this receiver's wait). */
static void note_dead(_Atomic int32_t *slots, int32_t *before)
{
	for (int i = 0; i < SLOTS; i++) {
		int32_t pid = atomic_load(&slots[i]);
		before[i] = pid != 0 && !pid_alive(pid) ? pid : 0;
	}
}

/* -EPIPE when every peer that registered on SLOTS is dead (those dead
 * before this handle opened, BEFORE, do not count). */
static int peers_gone(struct ring *r, _Atomic int32_t *slots,
		      const int32_t *before)
{
	int32_t dead = 0;

	for (int i = 0; i < SLOTS; i++) {
		int32_t pid = atomic_load(&slots[i]);
		if (pid == 0 || pid == before[i])
			continue;
		if (pid_alive(pid))
			return 0;
		dead = pid;
	}
	if (!dead)
		return 0; /* nobody has come yet: keep waiting */
	return ipcx__fail(EPIPE, "%s: peer %d died", r->c.name, (int)dead);
}

static int conn_closed(struct ring *r, bool producer);

/* A connection's peer is gone when the socket its processes hold has
 * hung up: they closed it (then what conn_closed() says: end of stream
 * after the last message, or -EPIPE), or all died without closing it
 * (-EPIPE, once nothing it sent is left), or its listener went away
 * before accepting it.  0 while it is there. */
HOT bool has_data(struct ring *r);
static void settle_poller(struct ring *r);

static int conn_peer_gone(struct ring *r, bool producer)
{
	if (r->conn_fd < 0 || !ipcx__rv_gone(r->conn_fd))
		return 0;
	if (!producer && has_data(r))
		return 0;
	int e = conn_closed(r, producer);
	if (e)
		return e;
	return ipcx__fail(EPIPE,
			  "%s: the peer is gone (its processes died without "
			  "closing the connection)",
			  r->c.name);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- sides: an owner without a lock, or everyone with it --------------- */

/*
 * Waits until this thread holds the side's lock (LOCK_WORD) or until the
 * side's owner is outside an operation (!LOCK_WORD).  Spins about 2 us,
 * yields the CPU up to 50 us (the holder may be waiting for it), then
 * sleeps: on the lock word (counted in lock_waiting, the same Dekker pair
 * as the ring's sleeps), or in backoff steps for "busy".  Every 50 ms
 * the holder's thread must still be alive, else this one takes over.
 */
static int side_wait(struct ring *r, struct ring_side *s, bool lock_word)
{
	int32_t me = my_tid();
	int64_t start = 0, last = 0, deadline = -2;
	int step = 0;

	for (int spins = 0;; spins++) {
		int32_t holder;
		if (lock_word) {
			holder = atomic_load_explicit(&s->lock,
						      memory_order_relaxed);
			if (holder == 0 &&
			    atomic_compare_exchange_weak(&s->lock, &holder, me))
				return 0;
		} else {
			uint32_t busy = atomic_load_explicit(
				&s->busy, memory_order_acquire);
			holder = atomic_load(&s->owner);
			if (busy > 1)
				return corrupt(r, "side owner");
			if (!busy || holder == 0 || holder == me)
				return 0;
		}
		if (holder < 0 || holder > TID_MAX || holder == me)
			return corrupt(r, "side lock");
		if (holder == 0)
			continue;
		if (ipcx__nowait(&r->c))
			return ipcx__fail(EAGAIN,
					  "%s: ring busy: thread %d is inside "
					  "an operation (nonblock)",
					  r->c.name, (int)holder);
		if (spins % 64) {
			cpu_relax();
			continue;
		}
		int64_t now = now_ns();
		if (!start) {
			start = last = now;
			deadline = ipcx__deadline(&r->c);
		}
		if (now - last >= LIVENESS_MS * 1000000LL) {
			last = now;
			if (!pid_alive(holder)) {
				/* Dead inside an operation: positions
				 * only move once a record is whole, so
				 * there is nothing to repair. */
				if (!lock_word) {
					atomic_store(&s->busy, 0);
					return 0;
				}
				if (atomic_compare_exchange_strong(&s->lock,
								   &holder, me))
					return 0;
				continue;
			}
		}
		if (deadline >= 0 && now / 1000000 >= deadline)
			return ipcx__fail(ETIMEDOUT,
					  "%s: timed out after %d ms",
					  r->c.name, r->c.timeout_ms);
		if (now - start < 2000) {
			cpu_relax();
		} else if (now - start < 50000) {
			sched_yield();
		} else if (!lock_word) {
			int e = ipcx__backoff(&r->c, deadline, &step);
			if (e < 0)
				return e;
		} else {
			int64_t ms = LIVENESS_MS;
			if (deadline >= 0 && deadline - now / 1000000 < ms)
				ms = deadline - now / 1000000;
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
			atomic_fetch_add(&s->lock_waiting, 1);
			heavy_barrier();
			long fr = 0;
			if (atomic_load(&s->lock) == holder)
				fr = futex((_Atomic uint32_t *)&s->lock,
					   FUTEX_WAIT, (uint32_t)holder, &ts);
			atomic_fetch_sub(&s->lock_waiting, 1);
			if (fr < 0 && errno == EINTR &&
			    (r->c.flags & IPCX_INTR))
				return ipcx__eintr(&r->c);
		}
	}
}

static int side_lock(struct ring *r, struct ring_side *s)
{
	int32_t free_ = 0;

	if (atomic_compare_exchange_strong(&s->lock, &free_, my_tid()))
		return 0;
	return side_wait(r, s, true);
}

static void side_unlock(struct ring_side *s)
{
	atomic_store_explicit(&s->lock, 0, memory_order_release);
	atomic_signal_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&s->lock_waiting, memory_order_relaxed))
		futex((_Atomic uint32_t *)&s->lock, FUTEX_WAKE, 1, NULL);
}

static int enter_slow(struct ring *r, struct ring_side *s, bool *locked)
{
	int32_t me = my_tid(), owner = atomic_load(&s->owner);
	uint32_t shared = atomic_load(&s->shared);
	int e;

	if (owner < 0 || owner > TID_MAX || shared > 1)
		return corrupt(r, "side owner");
	/* Nobody owns this side (or its owner died): take it. */
	if (!shared && owner != me && (owner == 0 || !pid_alive(owner)) &&
	    atomic_compare_exchange_strong(&s->owner, &owner, me)) {
		atomic_store(&s->busy, 1);
		if (!atomic_load(&s->shared))
			return 0;
		atomic_store_explicit(&s->busy, 0, memory_order_release);
	}
	if ((e = side_lock(r, s)) < 0)
		return e;
	if (!atomic_load(&s->shared)) {
		atomic_store(&s->shared, 1);
		heavy_barrier();
	}
	if ((e = side_wait(r, s, false)) < 0) {
		side_unlock(s);
		return e;
	}
	*locked = true;
	return 0;
}

/* Registers this process on its side (the first time) and enters that
 * side: as its owner, or under its mutex; refused while a reservation or
 * peek of it is open. */
HOT int enter(struct ring *r, bool producer)
{
	struct ring_side *s = producer ? &r->h->prod : &r->h->cons;
	int *slot = producer ? &r->prod_slot : &r->cons_slot;
	bool *locked = producer ? &r->prod_locked : &r->cons_locked;
	int e;

	if (producer ? r->reserved : r->peeked)
		return ipcx__fail(EINVAL, "%s: a %s is open: %s it first",
				  r->c.name, producer ? "reservation" : "peek",
				  producer ? "commit" : "release");
	if (*slot < 0 &&
	    (e = register_pid(r, producer ? r->h->prod_pid : r->h->cons_pid,
			      slot)) < 0)
		return e;
	*locked = false;
	if (atomic_load_explicit(&s->owner, memory_order_relaxed) == my_tid()) {
		/* The fast half of the Dekker pair: see the top. */
		atomic_store_explicit(&s->busy, 1, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		if (!atomic_load_explicit(&s->shared, memory_order_relaxed))
			return 0;
		atomic_store_explicit(&s->busy, 0, memory_order_release);
	}
	return enter_slow(r, s, locked);
}

HOT void leave(struct ring *r, bool producer)
{
	bool *locked = producer ? &r->prod_locked : &r->cons_locked;

	if (*locked) {
		*locked = false;
		side_unlock(producer ? &r->h->prod : &r->h->cons);
	} else {
		atomic_store_explicit(producer ? &r->h->prod.busy
					       : &r->h->cons.busy,
				      0, memory_order_release);
	}
}

/* ---- waiting ---------------------------------------------------------- */

/* Is there room for resv_len bytes at HEAD, by TAIL?  Impossible
 * positions are not. */
/* The bytes of padding before a record of LEN bytes at HEAD: to the end
 * of the data when it would not fit there. */
HOT uint64_t skip_before(const struct ring *r, uint64_t head, uint64_t len)
{
	uint64_t off = head & (r->cap - 1);

	return off + REC + align16(len) > r->cap ? r->cap - off : 0;
}

/* Is there room for resv_len bytes at HEAD, by TAIL?  Impossible
 * positions are not. */
HOT bool room_by(const struct ring *r, uint64_t head, uint64_t tail)
{
	if (tail > head || head - tail > r->cap)
		return false;
	uint64_t need =
		skip_before(r, head, r->resv_len) + REC + align16(r->resv_len);
	return head - tail + need + r->slack <= r->cap;
}

/* Producer: reloads the consumers' position; is there room now?
 * Impossible positions count as "yes", so that the caller reports them. */
static bool has_room(struct ring *r)
{
	uint64_t head =
		atomic_load_explicit(&r->h->prod.pos, memory_order_relaxed);

	r->cached_tail =
		atomic_load_explicit(&r->h->cons.pos, memory_order_acquire);
	if (r->cached_tail > head || head - r->cached_tail > r->cap)
		return true;
	return room_by(r, head, r->cached_tail);
}

/* Consumer: is the record at r->want published? */
HOT bool has_data(struct ring *r)
{
	const struct rec_hdr *h = rec_at(r, r->want);

	if (atomic_load_explicit(&h->tag, memory_order_acquire) ==
	    tag_of(r->want))
		return true;
	/* A small message spans the header's line and the next: ask for
	 * both, so that they travel together when it comes. */
	if ((r->want & (r->cap - 1)) + 128 <= r->cap)
		__builtin_prefetch((const char *)h + 64);
	return false;
}

/* Are the positions possible?  A consumer waiting at r->want may be one
 * record ahead of the head it sees (the tag is stored before the head);
 * a head past r->want means the record there is published: its tag must
 * say so. */
static bool positions_ok(struct ring *r, bool producer)
{
	uint64_t head =
		atomic_load_explicit(&r->h->prod.pos, memory_order_acquire);

	if (producer)
		return r->cached_tail <= head &&
		       head - r->cached_tail <= r->cap;
	if (head <= r->want)
		return r->want - head <= r->cap / 2;
	return head - r->want <= r->cap && has_data(r);
}

/* A connection whose peer is done: a producer's -EPIPE (the peer
 * closed: nobody reads; or this end shut down), a consumer's 1 (end of stream)
 * once nothing published before the peer was done is left; else 0. */
static int conn_closed(struct ring *r, bool producer)
{
	if (producer && atomic_load(&r->h->reader_gone))
		return ipcx__fail(EPIPE, "%s: the peer closed the connection",
				  r->c.name);
	if (producer)
		return atomic_load(&r->h->writer_done)
			       ? ipcx__fail(EPIPE,
					    "%s: this end of the connection "
					    "was shut down for sending",
					    r->c.name)
			       : 0;
	return atomic_load(&r->h->writer_done) && !has_data(r) ? 1 : 0;
}

/*
 * Waits until the other side has made room (producer) or published the
 * record at r->want (consumer), or the deadline.  On a connection, 1 for
 * a consumer at the end of the stream.
 */
static int ring_wait(struct ring *r, bool producer, int64_t *deadline_ms)
{
	bool (*ready)(struct ring *) = producer ? has_room : has_data;
	_Atomic uint32_t *seq = producer ? &r->h->space_seq : &r->h->data_seq;
	_Atomic uint32_t *waiting =
		producer ? &r->h->prod_waiting : &r->h->cons_waiting;
	_Atomic int32_t *peers = producer ? r->h->cons_pid : r->h->prod_pid;
	/* A spinning wait makes no system call a signal could interrupt:
	 * with IPCX_INTR it spins only as long as adaptive does. */
	enum wait_mode mode = r->wait == WAIT_SPIN && (r->c.flags & IPCX_INTR)
				      ? WAIT_ADAPTIVE
				      : r->wait;
	/* The clock is read only once the first polls found nothing: a
	 * look at it costs as much as a round trip between two hardware
	 * threads of one core. */
	int64_t start = -1, last_check = 0;

	if (ipcx__nowait(&r->c)) {
		if (ready(r))
			return 0;
		int e = r->conn ? conn_closed(r, producer) : 0;
		if (e)
			return e;
		/* A connection's peer killed: its socket hung up (one
		 * poll(2), on this path only: what a wait would find). */
		if (r->conn && (e = conn_peer_gone(r, producer)) != 0)
			return e;
		/* Not on the way to a wait: looking at the other side's
		 * position would pull its cache line every time. */
		if (!positions_ok(r, producer))
			return corrupt(r, "positions");
		/* A poller that woke for nothing (a poke that came after it
		 * had taken the message): its descriptor must not stay
		 * readable, nor miss the next message. */
		if (!producer && r->poll_fd >= 0)
			settle_poller(r);
		return ipcx__fail(EAGAIN, "%s: %s (nonblock)", r->c.name,
				  producer ? "ring full" : "ring empty");
	}
	for (;;) {
		/* Between two looks at the clock (tens of ns each), look
		 * at the ring many times. */
		for (int i = 0; i < (mode == WAIT_FUTEX ? 1 : 64); i++) {
			if (ready(r))
				return 0;
			cpu_relax();
		}
		if (r->conn) {
			int e = conn_closed(r, producer);
			if (e)
				return e;
		}
		int64_t now = now_ns();
		if (start < 0) {
			start = last_check = now;
			if (*deadline_ms == -2)
				*deadline_ms = ipcx__deadline(&r->c);
		}
		if (now - start >= SLACK_NS)
			r->slack = 0;
		if (*deadline_ms >= 0 && now / 1000000 >= *deadline_ms)
			return ipcx__fail(ETIMEDOUT,
					  "%s: timed out after %d ms",
					  r->c.name, r->c.timeout_ms);
		if (now - last_check >= LIVENESS_MS * 1000000LL) {
			int lost = ipcx__region_lost(r->region);
			if (lost < 0)
				return lost;
			if (!positions_ok(r, producer))
				return corrupt(r, "positions");
			int e = r->conn ? conn_peer_gone(r, producer)
					: peers_gone(r, peers,
						     producer ? r->cons_before
							      : r->prod_before);
			if (e)
				return e;
			last_check = now;
		}
		if (mode == WAIT_SPIN ||
		    (mode == WAIT_ADAPTIVE && now - start < SPIN_NS))
			continue;
		/* A connection's peer may have died since: one poll(2),
		 * as dear as the sleep it saves. */
		if (r->conn) {
			int e = conn_peer_gone(r, producer);
			if (e)
				return e;
		}
		/* Sleep: read the word, announce, barrier, re-check, sleep. */
		uint32_t s = atomic_load(seq);
		atomic_fetch_add(waiting, 1);
		heavy_barrier();
		if (!ready(r)) {
			int64_t ms = LIVENESS_MS;
			if (*deadline_ms >= 0 &&
			    *deadline_ms - now / 1000000 < ms)
				ms = *deadline_ms - now / 1000000;
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
			if (futex(seq, FUTEX_WAIT, s, &ts) < 0 &&
			    errno == EINTR && (r->c.flags & IPCX_INTR)) {
				atomic_fetch_sub(waiting, 1);
				return ipcx__eintr(&r->c);
			}
		}
		atomic_fetch_sub(waiting, 1);
	}
}

/*
 * Moves POS to V and wakes a sleeper on SEQ if WAITING says there is one.
 * The store and the load are the fast half of a Dekker pair with the
 * sleeper's count, barrier and re-check: no fence here.
 */
HOT void advance(_Atomic uint64_t *pos, uint64_t v, _Atomic uint32_t *seq,
		 _Atomic uint32_t *waiting)
{
	atomic_store_explicit(pos, v, memory_order_release);
	atomic_signal_fence(memory_order_seq_cst);
	if (atomic_load_explicit(waiting, memory_order_relaxed)) {
		atomic_fetch_add(seq, 1);
		futex(seq, FUTEX_WAKE, INT_MAX, NULL);
	}
}

static bool has_data_now(struct ring *r)
{
	return atomic_load_explicit(&r->h->prod.pos, memory_order_acquire) !=
	       atomic_load_explicit(&r->h->cons.pos, memory_order_acquire);
}

/* Something a poller must see: a message, or a connection's end. */
static bool poll_pending(struct ring *r)
{
	return has_data_now(r) || (r->conn && atomic_load(&r->h->writer_done));
}

/* ---- polling ----------------------------------------------------------- */

static socklen_t poll_name(uint32_t token, struct sockaddr_un *un)
{
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	int n = snprintf(un->sun_path + 1, sizeof(un->sun_path) - 1,
			 "ipcx-ring-%08x", token);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   (size_t)n);
}

static void poke(int fd, uint32_t token)
{
	struct sockaddr_un un;
	socklen_t len = poll_name(token, &un);

	/* EAGAIN: already readable; ECONNREFUSED: the poller is gone. */
	sendto(fd, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&un,
	       len);
}

/* The pollers of MASK (bits of poll_token[]) are told. */
static void notify_pollers(struct ring *r, uint32_t mask)
{
	if (r->notify_fd < 0) {
		r->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (r->notify_fd < 0)
			return;
	}
	for (int i = 0; i < SLOTS; i++) {
		uint32_t t = atomic_load_explicit(&r->h->poll_token[i],
						  memory_order_relaxed);
		if (t && (mask >> i & 1))
			poke(r->notify_fd, t);
	}
}

/* After publishing, when somebody polls: those waiting for a poke. */
static void notify_armed(struct ring *r)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->h->poll_armed, memory_order_relaxed)) {
		uint32_t mask = atomic_exchange(&r->h->poll_armed, 0);
		if (mask)
			notify_pollers(r, mask);
	}
}

static void drain(int fd)
{
	char buf[64];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* After a receive: when the ring is empty, the descriptor must not say
 * readable; drain, arm (a producer pokes the next message), then look
 * again so a racing publish is not lost. */
static void settle_poller(struct ring *r)
{
	/* The next record is there: the line the next receive reads
	 * anyway, not the producer's position (which it writes for every
	 * message). */
	if (has_data(r) || poll_pending(r))
		return;
	drain(r->poll_fd);
	atomic_fetch_or(&r->h->poll_armed, 1u << r->poll_slot);
	atomic_thread_fence(memory_order_seq_cst);
	if (poll_pending(r))
		poke(r->poll_fd, atomic_load(&r->h->poll_token[r->poll_slot]));
}

static int ring_fd(struct ipcx_chan *c)
{
	struct ring *r = (struct ring *)c;
	struct sockaddr_un un;
	uint32_t token;
	int fd;

	if (r->poll_fd >= 0)
		return r->poll_fd;
	/* Only a receiver has something to wait for. */
	if ((c->flags & (IPCX_SEND | IPCX_RECV)) == IPCX_SEND)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: a sending side waits for nothing to "
				  "poll",
				  c->name);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return ipcx__fail(errno, "%s: socket: %m", c->name);
	for (int tries = 0;; tries++) {
		token = (uint32_t)((uint64_t)now_ns() * 2654435761u) ^
			(uint32_t)getpid() << 16;
		if (!token)
			continue;
		socklen_t len = poll_name(token, &un);
		if (bind(fd, (struct sockaddr *)&un, len) == 0)
			break;
		if (errno != EADDRINUSE || tries > 8) {
			int e = ipcx__fail(errno, "%s: bind: %m", c->name);
			close(fd);
			return e;
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		uint32_t zero = 0;
		if (atomic_compare_exchange_strong(&r->h->poll_token[i], &zero,
						   token)) {
			r->poll_slot = i;
			r->poll_fd = fd;
			atomic_fetch_or(&r->h->poll_armed, 1u << i);
			atomic_fetch_add(&r->h->pollers, 1);
			/* Senders that missed the count see the data. */
			heavy_barrier();
			/* Messages already waiting (or a connection's end)
			 * make it readable now. */
			if (poll_pending(r))
				poke(fd, token);
			return fd;
		}
	}
	close(fd);
	return ipcx__fail(EUSERS, "%s: more than %d processes poll this ring",
			  c->name, SLOTS);
}

/* ---- producer ---------------------------------------------------------- */

/* Inside the producers' side: finds room for LEN bytes; sets resv_pos. */
HOT int reserve_room(struct ring *r, uint64_t len)
{
	int64_t deadline = -2;
	uint64_t head =
		atomic_load_explicit(&r->h->prod.pos, memory_order_relaxed);

	/* Half the ring (so that a record always fits after a pad), and
	 * what the 32-bit length of a record can say. */
	if (REC + align16(len) > r->cap / 2 || len > UINT32_MAX - REC)
		return ipcx__fail(EMSGSIZE,
				  "%s: a message of %llu bytes is larger than "
				  "this ring carries (%llu: half its capacity)",
				  r->c.name, (unsigned long long)len,
				  (unsigned long long)(r->cap / 2 - REC));
	r->resv_len = len;
	if (head % 16)
		return corrupt(r, "positions");
	/* The cached tail may be older than a head other producers moved,
	 * the ring may be full by it, or the region was scribbled on:
	 * has_room() looks again (and reports impossible positions as
	 * room, for the check below). */
	if (!room_by(r, head, r->cached_tail) && !has_room(r)) {
		/* Full: for small messages, wait a moment for more room
		 * than one record, so that the two sides do not trade the
		 * consumers' cache line for every message. */
		if (REC + align16(len) < 4096)
			r->slack =
				r->cap / 8 < SLACK_MAX ? r->cap / 8 : SLACK_MAX;
		int e = ring_wait(r, true, &deadline);
		r->slack = 0;
		if (e < 0)
			return e;
	}
	if (r->cached_tail > head || head - r->cached_tail > r->cap)
		return corrupt(r, "positions");
	/* A pad to the end, published whole before the record. */
	uint64_t skip = skip_before(r, head, len);
	if (skip) {
		struct rec_hdr *pad = rec_at(r, head);
		pad->len = (uint32_t)(skip - REC);
		pad->flags = PAD_FLAG;
		atomic_store_explicit(&pad->tag, tag_of(head),
				      memory_order_release);
		head += skip;
		advance(&r->h->prod.pos, head, &r->h->data_seq,
			&r->h->cons_waiting);
	}
	r->resv_pos = head;
	return 0;
}

HOT void publish(struct ring *r, uint64_t len)
{
	struct rec_hdr *rec = rec_at(r, r->resv_pos);

	rec->len = (uint32_t)len;
	rec->flags = 0;
	atomic_store_explicit(&rec->tag, tag_of(r->resv_pos),
			      memory_order_release);
	uint64_t next = r->resv_pos + REC + align16(len);
	advance(&r->h->prod.pos, next, &r->h->data_seq, &r->h->cons_waiting);
	if (atomic_load_explicit(&r->h->pollers, memory_order_relaxed))
		notify_armed(r);
	/* Ask now for the lines the next record will write: the consumer
	 * read them a lap ago, and the request then travels while this
	 * side does something else. */
	if ((next & (r->cap - 1)) + 128 <= r->cap) {
		prefetch_w(rec_at(r, next));
		prefetch_w((const char *)rec_at(r, next) + 64);
	}
}

static ssize_t ring_chan_send(struct ipcx_chan *c, const struct iovec *iov,
			      int n, const struct ipcx_meta *m)
{
	struct ring *r = ((struct ring *)c)->tx;
	uint64_t len = 0;
	int e;

	(void)m;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (r->conn && (e = conn_closed(r, true)) < 0)
		return e;
	if ((e = enter(r, true)) < 0)
		return e;
	e = reserve_room(r, len);
	if (e == 0) {
		unsigned char *p =
			(unsigned char *)rec_at(r, r->resv_pos) + REC;
		for (int i = 0; i < n; i++) {
			memcpy(p, iov[i].iov_base, iov[i].iov_len);
			p += iov[i].iov_len;
		}
		if (lost(r))
			e = ipcx__region_lost(r->region);
		else
			publish(r, len);
	}
	leave(r, true);
	return e < 0 ? e : (ssize_t)len;
}

static int ring_chan_reserve(struct ipcx_chan *c, size_t len, void **ptr)
{
	struct ring *r = ((struct ring *)c)->tx;
	int e;

	if (r->conn && (e = conn_closed(r, true)) < 0)
		return e;
	if ((e = enter(r, true)) < 0)
		return e;
	e = reserve_room(r, len);
	if (e < 0) {
		leave(r, true);
		return e;
	}
	/* The side stays entered until ipcx_commit(). */
	r->reserved = true;
	*ptr = (unsigned char *)rec_at(r, r->resv_pos) + REC;
	return 0;
}

static int ring_chan_commit(struct ipcx_chan *c, size_t len)
{
	struct ring *r = ((struct ring *)c)->tx;

	if (!r->reserved)
		return ipcx__fail(EINVAL, "%s: nothing reserved", c->name);
	if (len > r->resv_len)
		return ipcx__fail(EINVAL,
				  "%s: commit of %zu bytes, more than the %llu "
				  "reserved",
				  c->name, len,
				  (unsigned long long)r->resv_len);
	int e = ipcx__region_lost(r->region);
	if (e == 0)
		publish(r, len);
	r->reserved = false;
	leave(r, true);
	return e;
}

/* ---- consumer ---------------------------------------------------------- */

/* Inside the consumers' side: finds the next message; *POS and *LEN
 * describe it. */
HOT int next_message(struct ring *r, uint64_t *pos, uint64_t *len)
{
	int64_t deadline = -2;
	uint64_t tail =
		atomic_load_explicit(&r->h->cons.pos, memory_order_relaxed);

	for (;;) {
		if (tail % 16)
			return corrupt(r, "positions");
		r->want = tail;
		if (!has_data(r)) {
			int e = ring_wait(r, false, &deadline);
			if (e)
				return e; /* 1: the end of a connection */
		}
		/* Read once: another process may be writing here. */
		const struct rec_hdr *h = rec_at(r, tail);
		uint32_t hlen = h->len, hflags = h->flags;
		uint64_t off = tail & (r->cap - 1), rec = REC + align16(hlen);
		if (hflags & ~PAD_FLAG || off + rec > r->cap)
			return corrupt(r, "record length");
		if (hflags & PAD_FLAG) {
			tail += rec;
			advance(&r->h->cons.pos, tail, &r->h->space_seq,
				&r->h->prod_waiting);
			continue;
		}
		*pos = tail;
		*len = hlen;
		return 0;
	}
}

HOT void consume(struct ring *r, uint64_t pos, uint64_t len)
{
	uint64_t next = pos + REC + align16(len);

	advance(&r->h->cons.pos, next, &r->h->space_seq, &r->h->prod_waiting);
	if (r->poll_fd >= 0) {
		r->want = next;
		settle_poller(r);
	}
}

/* Enters the consumers' side and finds the next message; on failure,
 * or 1 at the end of a connection, the side is left. */
HOT int begin_read(struct ring *r, uint64_t *pos, uint64_t *len)
{
	int e = enter(r, false);

	if (e == 0 && (e = next_message(r, pos, len)) != 0)
		leave(r, false);
	return e;
}

static ssize_t ring_chan_recv(struct ipcx_chan *c, void *buf, size_t len,
			      struct ipcx_meta *m)
{
	struct ring *r = ((struct ring *)c)->rx;
	uint64_t pos = 0, mlen = 0;
	int e;

	if ((e = begin_read(r, &pos, &mlen)) != 0) {
		if (e == 1 && m)
			m->size = 0;
		return e == 1 ? 0 : e; /* the end of a connection: 0 */
	}
	if (mlen > len) {
		if (m)
			m->size = mlen;
		e = ipcx__fail(EMSGSIZE,
			       "%s: message of %llu bytes does not fit a "
			       "buffer of %zu",
			       c->name, (unsigned long long)mlen, len);
	} else {
		memcpy(buf, (unsigned char *)rec_at(r, pos) + REC, mlen);
		if (lost(r)) {
			e = ipcx__region_lost(r->region);
		} else {
			consume(r, pos, mlen);
			if (m)
				m->size = mlen;
		}
	}
	leave(r, false);
	return e < 0 ? e : (ssize_t)mlen;
}

static int ring_chan_peek(struct ipcx_chan *c, const void **ptr, size_t *len)
{
	struct ring *r = ((struct ring *)c)->rx;
	uint64_t pos = 0, mlen = 0;
	int e;

	if ((e = begin_read(r, &pos, &mlen)) != 0) {
		if (e == 1) { /* the end of a connection: nothing held */
			*ptr = NULL;
			*len = 0;
			return 0;
		}
		return e;
	}
	if ((e = ipcx__region_lost(r->region)) < 0) {
		leave(r, false);
		return e;
	}
	/* The side stays entered until ipcx_release(). */
	r->peeked = true;
	r->peek_next = pos;
	r->resv_len = mlen;
	*ptr = (unsigned char *)rec_at(r, pos) + REC;
	*len = mlen;
	return 0;
}

/* A reservation given back unpublished (a pad it published before it
 * stays: readers skip pads), or a peek that leaves its message queued. */
static int ring_chan_cancel(struct ipcx_chan *c)
{
	struct ring *tx = ((struct ring *)c)->tx, *rx = ((struct ring *)c)->rx;

	if (tx->reserved) {
		tx->reserved = false;
		leave(tx, true);
		return 0;
	}
	if (rx->peeked) {
		rx->peeked = false;
		leave(rx, false);
		return 0;
	}
	return ipcx__fail(EINVAL, "%s: nothing reserved or peeked", c->name);
}

static int ring_chan_release(struct ipcx_chan *c)
{
	struct ring *r = ((struct ring *)c)->rx;

	if (!r->peeked)
		return ipcx__fail(EINVAL, "%s: nothing peeked", c->name);
	/* What the caller read through the pointer may have been zeros. */
	int e = ipcx__region_lost(r->region);
	if (e == 0)
		consume(r, r->peek_next, r->resv_len);
	r->peeked = false;
	leave(r, false);
	return e;
}

/* ---- opening ----------------------------------------------------------- */

/* The largest power of two of data that fits after the header. */
static uint64_t fit_capacity(size_t size)
{
	uint64_t room = size > sizeof(struct ring_hdr)
				? size - sizeof(struct ring_hdr)
				: 0,
		 cap = 1;

	while (cap * 2 <= room)
		cap *= 2;
	return room >= 64 ? cap : 0;
}

/* Writes an empty ring's header at H, over SIZE bytes (PAIR_OFF: where
 * the other direction's header is, or 0), the magic last.  0, or 0 too
 * small for a ring. */
static uint64_t init_header(struct ring_hdr *h, size_t size, uint64_t pair_off)
{
	uint64_t cap = fit_capacity(size);

	if (!cap)
		return 0;
	h->version = RING_VERSION;
	memset(&h->prod, 0, sizeof(h->prod));
	memset(&h->cons, 0, sizeof(h->cons));
	h->capacity = cap;
	h->data_off = sizeof(struct ring_hdr);
	h->pair_off = pair_off;
	return cap;
}

/* Checks the header at r->h against SIZE bytes there and takes its
 * geometry. */
static int take_header(struct ring *r, size_t size)
{
	struct ring_hdr *h = r->h;

	if (atomic_load_explicit(&h->magic, memory_order_acquire) !=
		    RING_MAGIC ||
	    h->version != RING_VERSION)
		return corrupt(r, "magic or version");
	/* Check what the header says against what we mapped. */
	uint64_t cap = h->capacity, pair = h->pair_off;
	size_t room = pair ? (size_t)pair : size;
	if (pair && (pair % 64 || pair > size ||
		     size - pair < sizeof(struct ring_hdr) + 64))
		return corrupt(r, "pair offset");
	if (cap < 64 || (cap & (cap - 1)) ||
	    h->data_off != sizeof(struct ring_hdr) ||
	    room < sizeof(struct ring_hdr) ||
	    cap > room - sizeof(struct ring_hdr))
		return corrupt(r, "capacity");
	r->cap = cap;
	r->data = (unsigned char *)h + h->data_off;
	r->cached_tail = atomic_load(&h->cons.pos);
	note_dead(h->prod_pid, r->prod_before);
	note_dead(h->cons_pid, r->cons_before);
	r->attached = true;
	return 0;
}

/*
 * The first opener initialises (*MADE): one ring over all SIZE bytes,
 * or, DUPLEX, two (a ring each way) over the two halves; the others
 * wait for the magic.  1 when the region holds a listener instead.
 */
static int attach(struct ring *r, size_t size, bool duplex, bool *made)
{
	struct ring_hdr *h = r->h;
	uint32_t zero = 0;

	*made = false;
	if (atomic_compare_exchange_strong(&h->magic, &zero, RING_INIT)) {
		uint64_t half = duplex ? (size / 2) & ~(uint64_t)63 : 0;
		struct ring_hdr *h1 = (struct ring_hdr *)((char *)h + half);
		bool ok = duplex ? init_header(h1, size - half, 0) &&
					   init_header(h, half, half)
				 : init_header(h, size, 0);
		if (!ok) {
			atomic_store(&h->magic, 0);
			return ipcx__fail(EINVAL,
					  "%s: a region of %zu bytes is too "
					  "small for a ring%s",
					  r->c.name, size,
					  duplex ? " each way" : "");
		}
		if (duplex)
			atomic_store_explicit(&h1->magic, RING_MAGIC,
					      memory_order_release);
		atomic_store_explicit(&h->magic, RING_MAGIC,
				      memory_order_release);
		*made = true;
	}
	for (int i = 0; atomic_load(&h->magic) == RING_INIT; i++) {
		if (i > 1000)
			return corrupt(r, "never finished initialising");
		poll(NULL, 0, 1);
	}
	if (atomic_load_explicit(&h->magic, memory_order_acquire) ==
	    LISTEN_MAGIC)
		return 1;
	return take_header(r, size);
}

/* Default size of a ring region that is created without size=, and of
 * each connection's memory when a listener is made without it. */
#define DEFAULT_RING_SIZE (1u << 20)
/* The most memory a client makes for a connection (what the listener's
 * header asks for is checked against it). */
#define MAX_CONN_SIZE (1ull << 36)

static int ring_chan_unlink_self(const struct ipcx_chan *c);

int ipcx__ring_users(int fd, int32_t *pids, int max)
{
	struct ring_hdr h;
	int n = 0;

	/* A copy of bytes from another process: every value checked. */
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    atomic_load(&h.magic) != RING_MAGIC || h.version != RING_VERSION)
		return -1;
	for (int i = 0; i < 2 * SLOTS && n < max; i++) {
		int32_t pid = atomic_load(i < SLOTS ? &h.prod_pid[i]
						    : &h.cons_pid[i - SLOTS]);
		if (pid > 0 && pid <= TID_MAX)
			pids[n++] = pid;
	}
	return n;
}

/* A ring object named NAME: its own state, no memory yet. */
static struct ring *ring_alloc(const struct ipcx__facility *ops,
			       const char *name, unsigned flags,
			       enum wait_mode wait, int timeout_ms)
{
	struct ring *r = ipcx__chan_new_named(sizeof(*r), ops, name, flags);

	if (!r)
		return NULL;
	if (join_barriers(r) < 0) {
		ipcx__chan_free(&r->c);
		return NULL;
	}
	r->c.timeout_ms = timeout_ms;
	r->prod_slot = r->cons_slot = -1;
	r->poll_fd = r->notify_fd = r->listen_fd = r->conn_fd = r->ep_fd = -1;
	r->wait = wait;
	r->tx = r->rx = r;
	r->peer_pid = -1;
	r->peer_uid = (uid_t)-1;
	return r;
}

static struct ring *ring_new(const struct ipcx_addr *a, unsigned flags)
{
	return ring_alloc(a->ops, a->text, flags,
			  (enum wait_mode)ipcx__opt(a, &ipcx__opt_wait),
			  a->timeout == IPCX__UNSET ? -1 : a->timeout);
}

/*
 * A two-way handle: the region holds a ring each way.  The side that
 * laid it out (MADE: the first to open it, normally the one that
 * creates it) receives on the first ring, where one-way senders send,
 * and sends on the second; every other side the reverse.
 */
static int pair_up(struct ring *r, bool made)
{
	uint64_t off = r->h->pair_off;
	int e;

	if (!off)
		return ipcx__fail(EINVAL,
				  "%s: duplex=1, but this region holds one "
				  "ring (made without duplex=1): use it as one "
				  "queue, or remove it so that duplex=1 makes "
				  "a ring each way",
				  r->c.name);
	struct ring *o = ring_alloc(r->c.ops, r->c.name, r->c.flags, r->wait,
				    r->c.timeout_ms);
	if (!o)
		return -ENOMEM;
	o->region = r->region;
	o->borrowed = true;
	o->watch = r->watch;
	o->h = (struct ring_hdr *)((char *)r->h + off);
	if ((e = take_header(o, r->region->size - (size_t)off)) < 0) {
		ipcx__chan_free(&o->c);
		return e;
	}
	r->other = o;
	r->rx = made ? r : o;
	r->tx = made ? o : r;
	return 0;
}

static void ring_free(struct ring *r);

/* ---- connections -------------------------------------------------------
 *
 * A listening region holds a listener's header; a client that opens it
 * makes the connection's memory (a memfd: no name anywhere, freed with
 * the last mapping), lays a ring each way out in it and hands it to the
 * listener through the rendezvous (rendezvous.c); ipcx_accept() maps
 * it.  The accepting end receives on the first ring, as on any duplex
 * region.  Each end registers its process on the sides it uses when it
 * connects or accepts (the client puts the listener's pid in for the
 * end that has not accepted yet), counts its holders (a fork adds one)
 * and, when the last holder closes, marks its rings: end of stream for
 * the peer's receives, -EPIPE for its sends.  An end whose processes
 * all died is -EPIPE at the peer's next wait (within 50 ms).
 */

/* This process's connection ends, for fork. */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ring *conns;

static void conns_add(struct ring *r)
{
	pthread_mutex_lock(&conns_lock);
	r->next_conn = conns;
	conns = r;
	pthread_mutex_unlock(&conns_lock);
}

static void conns_del(struct ring *r)
{
	pthread_mutex_lock(&conns_lock);
	for (struct ring **p = &conns; *p; p = &(*p)->next_conn)
		if (*p == r) {
			*p = r->next_conn;
			break;
		}
	pthread_mutex_unlock(&conns_lock);
}

/* Before fork: the child holds every end too (its close is counted).
 * A fork that fails leaves one holder too many: the peer then sees the
 * end's socket hang up (-EPIPE) instead of its end of stream. */
static void conns_prepare(void)
{
	pthread_mutex_lock(&conns_lock);
	for (struct ring *e = conns; e; e = e->next_conn)
		atomic_fetch_add(&e->tx->h->holders, 1);
}

static void conns_parent(void)
{
	pthread_mutex_unlock(&conns_lock);
}

static void conns_child(void)
{
	pthread_mutex_unlock(&conns_lock);
}

/* SIZE bytes of FD, mapped and watched: R's own memory. */
static int conn_memory(struct ring *r, int fd, size_t size)
{
	struct ipcx_region *g = calloc(1, sizeof(*g));
	int e;

	if (!g)
		return -ENOMEM;
	g->ops = r->c.ops;
	g->fd = -1;
	g->id = -1;
	snprintf(g->name, sizeof(g->name), "%s", r->c.name);
	if ((e = ipcx__region_map(g, fd, size)) < 0) {
		free(g);
		return e;
	}
	if (!(g->watch = ipcx__fault_watch(g->base, g->size))) {
		munmap(g->base, g->size);
		free(g);
		return ipcx__fail(ENOMEM,
				  "%s: cannot watch the mapping for SIGBUS",
				  r->c.name);
	}
	r->conn = true;
	r->region = g;
	r->h = g->base;
	r->watch = g->watch;
	return 0;
}

static void conn_memory_free(struct ipcx_region *g)
{
	ipcx__fault_unwatch(g->watch);
	munmap(g->base, g->size);
	free(g);
}

/* R's end of the connection whose socket is FD: registers this
 * process on the sides it uses and counts it as a holder. */
static int conn_start(struct ring *r, int fd)
{
	struct ring *tx = r->tx, *rx = r->rx;
	int e;

	tx->conn = rx->conn = true;
	r->conn_fd = fd;
	if (r->other)
		r->other->conn_fd = fd;
	if ((e = register_pid(tx, tx->h->prod_pid, &tx->prod_slot)) < 0 ||
	    (e = register_pid(rx, rx->h->cons_pid, &rx->cons_slot)) < 0)
		return e;
	atomic_fetch_add(&tx->h->holders, 1);
	conns_add(r);
	return 0;
}

/* The last holder of R's end closes it: the peer reads end of stream
 * and its sends fail; wake whoever of it waits. */
static void conn_end(struct ring *r)
{
	struct ring *tx = r->tx, *rx = r->rx;
	uint32_t n = atomic_load(&tx->h->holders);

	conns_del(r);
	do {
		if (n == 0)
			break; /* scribbled on: close it anyway */
	} while (!atomic_compare_exchange_weak(&tx->h->holders, &n, n - 1));
	if (n > 1)
		return;
	/* Sends fail before the end of stream shows: a peer that has read
	 * the end never has a send taken by nobody. */
	atomic_store(&rx->h->reader_gone, 1);
	atomic_store(&tx->h->writer_done, 1);
	atomic_fetch_add(&tx->h->data_seq, 1);
	futex(&tx->h->data_seq, FUTEX_WAKE, INT_MAX, NULL);
	atomic_fetch_add(&rx->h->space_seq, 1);
	futex(&rx->h->space_seq, FUTEX_WAKE, INT_MAX, NULL);
	if (atomic_load(&tx->h->pollers))
		notify_pollers(tx, ~0u);
}

/* A connection's memory: SIZE bytes of a memfd (no name anywhere), mode
 * 0600, its pages reserved (no room is an error now, never a SIGBUS
 * later).  The descriptor, or -errno. */
static int conn_memfd(const char *name, uint64_t size)
{
	int fd = memfd_create("ipcx-connection", MFD_CLOEXEC), e;

	if (fd < 0)
		return ipcx__fail(errno, "%s: memfd_create: %m", name);
	if (fchmod(fd, 0600) < 0 || ftruncate(fd, (off_t)size) < 0) {
		e = ipcx__fail(errno, "%s: the connection's memory: %m", name);
		close(fd);
		return e;
	}
	if ((e = posix_fallocate(fd, 0, (off_t)size)) != 0) {
		e = ipcx__fail(e,
			       "%s: no room for the connection's %llu bytes "
			       "of memory: %s",
			       name, (unsigned long long)size, strerror(e));
		close(fd);
		return e;
	}
	return fd;
}

/*
 * Connects R to the listener whose header L copied: makes the memory
 * (0600, its pages reserved), lays a ring each way out in it (this end
 * sends on the first) and hands it over.
 */
static int conn_connect(struct ring *r, const struct listen_hdr *l)
{
	uint64_t size = l->conn_size;
	pid_t lpid = -1;
	bool made;
	int fd, sock = -1, e;

	if (size < LISTEN_REGION || size > MAX_CONN_SIZE)
		return ipcx__fail(EPROTO,
				  "%s: the listener's header is corrupt "
				  "(connection size %llu)",
				  r->c.name, (unsigned long long)size);
	if ((fd = conn_memfd(r->c.name, size)) < 0)
		return fd;
	if ((e = conn_memory(r, fd, size)) < 0 ||
	    (e = attach(r, size, true, &made)) != 0 ||
	    (e = pair_up(r, false)) < 0)
		goto out;
	e = ipcx__rv_connect(&r->c, l->token, l->secret, fd, &sock, &lpid,
			     &r->peer_uid);
	if (e == 0)
		e = conn_start(r, sock);
	else if (e == -ECONNREFUSED)
		e = ipcx__fail(ECONNREFUSED,
			       "%s: nobody listens there (its listener, pid "
			       "%d, is gone, or in another network namespace)",
			       r->c.name, (int)l->pid);
	else if (e == -ETIMEDOUT || e == -EAGAIN)
		e = ipcx__fail(-e, "%s: the listener's backlog is full%s",
			       r->c.name,
			       e == -EAGAIN ? " (nonblock)" : ": timed out");
	r->peer_pid = lpid;
out:
	close(fd);
	return e;
}

/* The unnamed (anon) listener this process made or inherited: an
 * unnamed address opened without IPCX_LISTEN connects to it. */
static struct listen_hdr *_Atomic family_listener;

/* A copy of the listener's header at H (memory others write). */
static void listen_copy(const struct listen_hdr *h, struct listen_hdr *out)
{
	memset(out, 0, sizeof(*out));
	out->conn_size = h->conn_size;
	out->token = atomic_load(&h->token);
	out->pid = atomic_load(&h->pid);
	memcpy(out->secret, h->secret, sizeof(out->secret));
}

/* Makes the rendezvous in L's region, or takes over one whose listener
 * is gone. */
static int listen_attach(struct ring *l, uint64_t conn_size)
{
	struct listen_hdr *h = l->lh;
	uint32_t zero = 0, m;
	uint64_t token = 0;
	int e;

	if (atomic_compare_exchange_strong(&h->magic, &zero, RING_INIT)) {
		if (getrandom(h->secret, sizeof(h->secret), 0) !=
		    (ssize_t)sizeof(h->secret))
			e = ipcx__fail(errno, "%s: getrandom: %m", l->c.name);
		else
			e = ipcx__rv_listen(&l->c, &token, false,
					    &l->listen_fd);
		if (e < 0) {
			atomic_store(&h->magic, 0);
			return e;
		}
		h->version = LISTEN_VERSION;
		h->conn_size = conn_size;
		atomic_store(&h->token, token);
		atomic_store(&h->pid, (int32_t)getpid());
		atomic_store_explicit(&h->magic, LISTEN_MAGIC,
				      memory_order_release);
		return 0;
	}
	for (int i = 0; (m = atomic_load(&h->magic)) == RING_INIT; i++) {
		if (i > 1000)
			return ipcx__fail(EPROTO,
					  "%s: the region never finished "
					  "initialising",
					  l->c.name);
		poll(NULL, 0, 1);
	}
	if (m == RING_MAGIC)
		return ipcx__fail(EINVAL,
				  "%s: it holds a ring, not a listener: remove "
				  "it first (ipcx rm), or listen on another "
				  "name",
				  l->c.name);
	if (m != LISTEN_MAGIC || h->version != LISTEN_VERSION)
		return ipcx__fail(EPROTO,
				  "%s: neither a ring nor a listener is laid "
				  "out in it (magic or version)",
				  l->c.name);
	token = atomic_load(&h->token);
	e = ipcx__rv_listen(&l->c, &token, true, &l->listen_fd);
	if (e == -EADDRINUSE)
		return ipcx__fail(EADDRINUSE, "%s: pid %d listens on it",
				  l->c.name, (int)atomic_load(&h->pid));
	if (e < 0)
		return e;
	/* Its listener is gone: take its place. */
	h->conn_size = conn_size;
	atomic_store(&h->pid, (int32_t)getpid());
	return 0;
}

/* A region object for address A, not yet opened. */
static struct ipcx_region *region_new(const struct ipcx_addr *a)
{
	struct ipcx_region *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->ops = a->ops;
	g->fd = -1;
	g->id = -1;
	g->size_if_new = true;
	snprintf(g->name, sizeof(g->name), "%s", a->text);
	return g;
}

/* IPCX_LISTEN: a listener in the region of A (made one page large;
 * size= is each connection's memory). */
static int listen_open(const struct ipcx_addr *a, unsigned flags,
		       struct ipcx_chan **out)
{
	struct ipcx_addr ra = *a;
	uint64_t conn_size = ipcx__opt_given(a, &ipcx__opt_size)
				     ? (uint64_t)ipcx__opt(a, &ipcx__opt_size)
				     : DEFAULT_RING_SIZE;
	struct ring *l = ring_new(a, flags & ~IPCX_LISTEN);
	int e;

	if (!l)
		return -ENOMEM;
	if (!(l->region = region_new(a))) {
		ipcx__chan_free(&l->c);
		return -ENOMEM;
	}
	ipcx__opt_forget(&ra, &ipcx__opt_size);
	e = ipcx__region_open(&ra, flags, LISTEN_REGION, l->region);
	if (e < 0) {
		free(l->region);
		ipcx__chan_free(&l->c);
		return e;
	}
	l->lh = l->region->base;
	if (l->region->size < sizeof(struct listen_hdr))
		e = ipcx__fail(EINVAL,
			       "%s: a region of %zu bytes is too small "
			       "for a listener",
			       a->text, l->region->size);
	else if (conn_size < LISTEN_REGION || conn_size > MAX_CONN_SIZE)
		e = ipcx__fail(EINVAL,
			       "%s: size=%llu: each connection takes from %u "
			       "bytes to %llu",
			       a->text, (unsigned long long)conn_size,
			       LISTEN_REGION, MAX_CONN_SIZE);
	else
		e = listen_attach(l, conn_size);
	if (e < 0) {
		ring_chan_unlink_self(&l->c);
		ring_free(l);
		return e;
	}
	l->c.listening = true;
	if (!(a->ops->info.caps & IPCX_CAP_NAMED))
		atomic_store(&family_listener, l->lh);
	*out = &l->c;
	return 0;
}

static int ring_chan_accept(struct ipcx_chan *lc, struct ipcx_chan **out)
{
	struct ring *l = (struct ring *)lc, *r;
	struct listen_hdr h;
	struct stat st = {0};
	char name[sizeof(lc->name) + 32];
	pid_t pid = -1;
	uid_t uid = (uid_t)-1;
	int fd, sock, e;

	listen_copy(l->lh, &h);
	if ((e = ipcx__rv_accept(lc, l->listen_fd, h.secret, &fd, &sock, &pid,
				 &uid)) < 0)
		return e;
	snprintf(name, sizeof(name), "%s (pid %d)", lc->name, (int)pid);
	r = ring_alloc(lc->ops, name, lc->flags, l->wait, lc->timeout_ms);
	if (!r) {
		close(fd);
		close(sock);
		return -ENOMEM;
	}
	r->conn_fd = sock; /* closed with R */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != h.conn_size)
		e = ipcx__fail(EPROTO,
			       "%s: the client sent memory of %lld bytes, not "
			       "the %llu of a connection",
			       r->c.name, (long long)st.st_size,
			       (unsigned long long)h.conn_size);
	else if ((e = conn_memory(r, fd, h.conn_size)) == 0 &&
		 (e = take_header(r, h.conn_size)) == 0 &&
		 (e = pair_up(r, true)) == 0)
		e = conn_start(r, sock);
	close(fd);
	if (e < 0) {
		ring_free(r);
		return e;
	}
	r->peer_pid = pid;
	r->peer_uid = uid;
	*out = &r->c;
	return 0;
}

/*
 * ipcx_pair() of an unnamed region (anon:): the two ends of a
 * connection, for a process and the child it forks, as a listener's
 * accept and its client would have them (a ring each way in memory of
 * their own, a socket pair to learn of the other's end).  A named
 * region is opened by address on both sides instead.
 */
static int ring_chan_pair(const struct ipcx_addr *pa, struct ipcx_chan **a,
			  struct ipcx_chan **b)
{
	uint64_t size = ipcx__opt_given(pa, &ipcx__opt_size)
				? (uint64_t)ipcx__opt(pa, &ipcx__opt_size)
				: DEFAULT_RING_SIZE;
	struct ring *x = NULL, *y = NULL;
	char name[64];
	int sv[2] = {-1, -1}, fd = -1, e;
	bool made;

	if (pa->ops->info.caps & IPCX_CAP_NAMED)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: a named region has no pairs: open its "
				  "address on both sides (duplex=1 where it "
				  "is made), or listen on it",
				  pa->ops->info.scheme);
	if (size < LISTEN_REGION || size > MAX_CONN_SIZE)
		return ipcx__fail(EINVAL,
				  "%s: size=%llu: a pair takes from %u bytes "
				  "to %llu",
				  pa->text, (unsigned long long)size,
				  LISTEN_REGION, MAX_CONN_SIZE);
	pthread_once(&atfork_once, watch_forks);
	snprintf(name, sizeof(name), "%s:(pair)", pa->ops->info.scheme);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return ipcx__fail(errno, "%s: socketpair: %m", name);
	e = -ENOMEM;
	if (!(x = ring_alloc(pa->ops, name, 0,
			     (enum wait_mode)ipcx__opt(pa, &ipcx__opt_wait),
			     -1)) ||
	    !(y = ring_alloc(pa->ops, name, 0, x->wait, -1)))
		goto fail;
	if ((e = fd = conn_memfd(name, size)) < 0 ||
	    (e = conn_memory(x, fd, size)) < 0 ||
	    (e = attach(x, size, true, &made)) != 0 ||
	    (e = pair_up(x, true)) < 0 || (e = conn_memory(y, fd, size)) < 0 ||
	    (e = take_header(y, size)) < 0 || (e = pair_up(y, false)) < 0 ||
	    (e = conn_start(x, sv[0])) < 0)
		goto fail;
	sv[0] = -1; /* X's now */
	if ((e = conn_start(y, sv[1])) < 0)
		goto fail;
	close(fd);
	*a = &x->c;
	*b = &y->c;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	/* A socket conn_start() took goes with its ring. */
	if (sv[0] >= 0 && (!x || x->conn_fd != sv[0]))
		close(sv[0]);
	if (!y || y->conn_fd != sv[1])
		close(sv[1]);
	if (x)
		ring_free(x);
	if (y)
		ring_free(y);
	return e < 0 ? e : -EPROTO;
}

static int ring_chan_open(const struct ipcx_addr *a, unsigned flags,
			  struct ipcx_chan **out)
{
	unsigned dir = flags & (IPCX_SEND | IPCX_RECV);
	/* A two-way handle (no direction named, or both) of a region laid
	 * out with duplex=1 is one side of a ring each way; a one-way
	 * handle uses the first ring, as on any region. */
	bool two_way = dir != IPCX_SEND && dir != IPCX_RECV;
	bool duplex = two_way && ipcx__opt(a, &ipcx__opt_duplex), made = false;
	struct listen_hdr *fl = atomic_load(&family_listener), lh;
	struct ring *r;
	int e;

	pthread_once(&atfork_once, watch_forks);
	if (flags & IPCX_LISTEN)
		return listen_open(a, flags, out);
	if (!(r = ring_new(a, flags)))
		return -ENOMEM;
	if (fl && !(a->ops->info.caps & IPCX_CAP_NAMED)) {
		/* An unnamed region: the listener of this process family. */
		listen_copy(fl, &lh);
		e = conn_connect(r, &lh);
		goto done;
	}
	if (!(r->region = region_new(a))) {
		ipcx__chan_free(&r->c);
		return -ENOMEM;
	}
	/* A new ring is the address's size=, else 1 MiB; one that exists is
	 * mapped whole. */
	e = ipcx__region_open(a, flags, DEFAULT_RING_SIZE, r->region);
	if (e < 0) {
		free(r->region);
		ipcx__chan_free(&r->c);
		return e;
	}
	r->h = r->region->base;
	r->watch = r->region->watch;
	e = attach(r, r->region->size, duplex, &made);
	if (e == 1) {
		/* A listener: connect to it, in memory of our own. */
		listen_copy((struct listen_hdr *)r->h, &lh);
		ipcx_region_close(r->region);
		r->region = NULL;
		r->h = NULL;
		e = conn_connect(r, &lh);
		goto done;
	}
	if (e == 0)
		e = ipcx__region_lost(r->region);
	if (e == 0 && two_way && (duplex || r->h->pair_off))
		e = pair_up(r, made);
done:
	if (e < 0) {
		/* What this open created goes with it. */
		ring_chan_unlink_self(&r->c);
		ring_free(r);
		return e;
	}
	*out = &r->c;
	return 0;
}

/* Leaves R's sides and frees it, and the other direction (first: it
 * borrows the region), and its region unless borrowed. */
static void ring_free(struct ring *r)
{
	if (r->other)
		ring_free(r->other);
	/* A header that failed its checks is not touched. */
	if (!r->attached)
		goto out;
	if (r->conn && !r->borrowed)
		conns_del(r);
	/* An open reservation is dropped (never published); a peek is
	 * left for the next consumer. */
	if (r->reserved)
		leave(r, true);
	if (r->peeked)
		leave(r, false);
	/* A side this thread owns is free for the next comer. */
	int32_t tid = my_tid();
	atomic_compare_exchange_strong(&r->h->prod.owner, &tid, 0);
	tid = my_tid();
	atomic_compare_exchange_strong(&r->h->cons.owner, &tid, 0);
	int32_t me = (int32_t)getpid();
	if (r->prod_slot >= 0)
		atomic_compare_exchange_strong(&r->h->prod_pid[r->prod_slot],
					       &me, 0);
	me = (int32_t)getpid();
	if (r->cons_slot >= 0)
		atomic_compare_exchange_strong(&r->h->cons_pid[r->cons_slot],
					       &me, 0);
	if (r->poll_fd >= 0) {
		uint32_t t = atomic_load(&r->h->poll_token[r->poll_slot]);
		if (atomic_compare_exchange_strong(
			    &r->h->poll_token[r->poll_slot], &t, 0)) {
			atomic_fetch_and(&r->h->poll_armed,
					 ~(1u << r->poll_slot));
			atomic_fetch_sub(&r->h->pollers, 1);
		}
		close(r->poll_fd);
	}
	if (r->notify_fd >= 0)
		close(r->notify_fd);
out:
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	if (!r->borrowed && r->conn_fd >= 0)
		close(r->conn_fd);
	if (r->ep_fd >= 0)
		close(r->ep_fd);
	if (r->lh)
		atomic_compare_exchange_strong(
			&family_listener, &(struct listen_hdr *){r->lh}, NULL);
	if (r->borrowed || !r->region)
		;
	else if (r->conn)
		conn_memory_free(r->region);
	else
		ipcx_region_close(r->region);
	ipcx__chan_free(&r->c);
}

static int ring_chan_close(struct ipcx_chan *c)
{
	struct ring *r = (struct ring *)c;

	/* A listener removes the region its open created, as a listening
	 * UNIX socket removes its path. */
	if (r->lh)
		ring_chan_unlink_self(c);
	if (r->conn && r->attached && r->tx->conn)
		conn_end(r);
	ring_free(r);
	return 0;
}

static int ring_chan_shutdown(struct ipcx_chan *c)
{
	struct ring *r = ((struct ring *)c)->tx;

	if (!r->conn)
		return ipcx__fail(EOPNOTSUPP,
				  "%s: a ring that is not a connection has no "
				  "peer to shut down for",
				  c->name);
	atomic_store(&r->h->writer_done, 1);
	atomic_fetch_add(&r->h->data_seq, 1);
	futex(&r->h->data_seq, FUTEX_WAKE, INT_MAX, NULL);
	if (atomic_load(&r->h->pollers))
		notify_pollers(r, ~0u);
	return 0;
}

/* A connection's descriptor is readable when messages wait or when its
 * peer is gone: an epoll set of the receiving ring's and the socket. */
static int conn_fd(struct ring *r)
{
	int pfd = ring_fd(&r->rx->c);

	if (pfd < 0 || r->ep_fd >= 0)
		return pfd < 0 ? pfd : r->ep_fd;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	struct epoll_event hup = {.events = EPOLLIN | EPOLLRDHUP};

	if (ep < 0)
		return ipcx__fail(errno, "%s: epoll_create1: %m", r->c.name);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, r->conn_fd, &hup) < 0) {
		int e = ipcx__fail(errno, "%s: epoll_ctl: %m", r->c.name);
		close(ep);
		return e;
	}
	return r->ep_fd = ep;
}

static int ring_chan_fd(struct ipcx_chan *c)
{
	struct ring *r = (struct ring *)c;

	if (r->lh)
		return r->listen_fd;
	return r->conn ? conn_fd(r) : ring_fd(&r->rx->c);
}

static int ring_chan_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	const struct ring *l = (const struct ring *)c;

	i->semantics = IPCX_MESSAGE;
	i->eof_is_zero = l->conn || l->lh; /* else: empty messages */
	i->peer_pid = l->peer_pid;
	i->peer_uid = l->peer_uid;
	if (l->lh)
		return 0;
	/* What this side sends on, and what waits for it on the other. */
	const struct ring *r = l->tx, *in = l->rx;
	uint64_t head = atomic_load(&in->h->prod.pos),
		 tail = atomic_load(&in->h->cons.pos);

	i->capacity = (long)r->cap;
	i->msgsize =
		(long)(r->cap / 2 - REC < UINT32_MAX - REC ? r->cap / 2 - REC
							   : UINT32_MAX - REC);
	/* Bytes in use, records included (the count of messages is not
	 * kept: it would cost a shared write per message). */
	i->queued = head >= tail && head - tail <= in->cap ? (long)(head - tail)
							   : -1;
	return 0;
}

/* A ring removes the region object its open created (async-signal-safe:
 * the region's own unlink is one system call). */
static int ring_chan_unlink_self(const struct ipcx_chan *c)
{
	const struct ring *r = (const struct ring *)c;

	if (r->region->creator != getpid() ||
	    !r->region->ops->region->unlink_self)
		return 0;
	return r->region->ops->region->unlink_self(r->region);
}

const struct ipcx__chan_ops ipcx__ring_chan = {
	.open = ring_chan_open,
	.pair = ring_chan_pair,
	.accept = ring_chan_accept,
	.send = ring_chan_send,
	.shutdown = ring_chan_shutdown,
	.recv = ring_chan_recv,
	.close = ring_chan_close,
	.get = ring_chan_get,
	.unlink_self = ring_chan_unlink_self,
	.fd = ring_chan_fd,
	.reserve = ring_chan_reserve,
	.commit = ring_chan_commit,
	.peek = ring_chan_peek,
	.release = ring_chan_release,
	.cancel = ring_chan_cancel,
};
