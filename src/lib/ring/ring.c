/* SPDX-License-Identifier: MIT */
/* The ring channel: variable-size messages in any shared-memory region. */
#include "../internal.h"

#include <errno.h>
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The futex operations (linux/futex.h is not in every C library's view:
 * musl-gcc has no kernel headers); the values are the kernel's ABI. */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#endif

/*
 * Layout.  The region starts with a header, then CAPACITY bytes of data
 * (a power of two).  Producer and consumer positions are 64-bit byte
 * counts that only grow (they never wrap in practice), each on its own
 * cache line; a position's offset in the data is pos & (capacity - 1).
 * A message is a record: a 4-byte length, 4 bytes of flags, the payload,
 * padded to 8 bytes.  A record never wraps: when the end of the data has
 * no room for it, a PAD record fills the end and it starts at offset 0.
 *
 * Algorithm.  One producer and one consumer at a time: producers take a
 * process-shared robust mutex (prod_lock), consumers another (cons_lock).
 * With one process per side the lock stays in that side's cache and is
 * uncontended (two atomic operations), and the positions follow the
 * classic SPSC scheme: the producer writes the record, then publishes it
 * with a release store of head; the consumer sees it with an acquire load
 * of head, reads, then frees the space with a release store of tail.  Each
 * side caches the other side's position and reloads it only when the
 * cached value says full (producer) or empty (consumer), so the cache line
 * of the other side is touched once per batch, not per message.  Several
 * producers or consumers simply serialise on their side's lock: every
 * message is still received by exactly one consumer.
 *
 * Crash safety.  head moves only after a record is complete, so a producer
 * that dies mid-write leaves nothing visible: the robust mutex hands the
 * next producer EOWNERDEAD, it marks the lock consistent, and writes over
 * the abandoned bytes.  The same holds for a consumer that dies mid-read.
 *
 * Waiting.  wait=spin polls the position with a pause instruction;
 * wait=futex sleeps on a 32-bit sequence word in the header: the waiter
 * counts itself in *_waiting, re-checks, and sleeps; the other side, after
 * publishing, wakes only if that count is not zero, so the fast path has
 * no system call while the peer is awake.  wait=adaptive (the default)
 * spins for about 20 us, then sleeps.  Sleeps last at most 100 ms, after
 * which the waiter checks the pids registered in the header: when every
 * peer that registered is dead, it returns -EPIPE.
 *
 * Polling.  ipcx_fd() on a ring makes the consumer a poller: it binds a
 * UNIX datagram socket to an abstract name ("ipcx-ring-" and a random
 * token it lists in the header) and returns it.  A producer that has just
 * published, and sees the count of pollers non-zero (one load, on a line
 * it reads anyway to decide whether to wake a sleeper), sends each poller
 * a one-byte datagram; a full socket buffer is already readable, so such
 * a send is dropped.  A consumer that empties the ring drains its socket,
 * then looks again, so the descriptor is readable exactly while messages
 * wait.  Nobody polling: no socket, no send, nothing on the fast path.
 *
 * Hostile memory.  Every value read from the region (positions, lengths,
 * flags) is checked against the capacity before use; anything impossible
 * is -EPROTO ("ring header corrupt") and never an access out of bounds.
 */

#define RING_MAGIC 0x52585049u /* "IPXR" */
#define RING_INIT 0x54494e49u  /* "INIT": being initialised */
#define RING_VERSION 1u
#define SLOTS 8
#define REC 8u /* record header */
#define PAD_FLAG 1u
#define SPIN_NS 20000
#define LIVENESS_MS 100

struct ring_hdr {
	_Atomic uint32_t magic;
	uint32_t version;
	uint64_t capacity;
	uint64_t data_off;
	_Atomic int32_t prod_pid[SLOTS];
	_Atomic int32_t cons_pid[SLOTS];
	alignas(64) pthread_mutex_t prod_lock;
	alignas(64) pthread_mutex_t cons_lock;
	alignas(64) _Atomic uint64_t head;
	alignas(64) _Atomic uint64_t tail;
	alignas(64) _Atomic uint32_t data_seq;
	_Atomic uint32_t cons_waiting;
	_Atomic uint32_t pollers;	    /* consumers that ipcx_fd()'d */
	_Atomic uint32_t poll_token[SLOTS]; /* their sockets' names */
	alignas(64) _Atomic uint32_t space_seq;
	_Atomic uint32_t prod_waiting;
};

enum wait_mode { WAIT_ADAPTIVE, WAIT_SPIN, WAIT_FUTEX };

struct ring {
	struct ipcx_chan c;
	struct ipcx_region *region;
	struct ring_hdr *h;
	unsigned char *data;
	uint64_t cap;
	uint64_t cached_head, cached_tail;
	int prod_slot, cons_slot;
	/* zero-copy state: a reservation or a peek in progress */
	bool reserved, peeked;
	uint64_t resv_pos, resv_len, peek_next;
	enum wait_mode wait;
	int poll_fd;   /* a consumer's notification socket, or -1 */
	int poll_slot; /* its entry in poll_token[] */
	int notify_fd; /* a producer's socket to notify pollers, or -1 */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val,
		  const struct timespec *ts)
{
	/* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

static uint64_t align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

static int corrupt(const struct ring *r, const char *what)
{
	return ipcx__fail(EPROTO, "%s: ring header corrupt (%s)", r->c.name,
			  what);
}

/* ---- liveness -------------------------------------------------------- */

/* A pid is alive unless it is gone or a zombie (killed, not yet reaped). */
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

/* -EPIPE when every peer that registered on SLOTS is dead. */
static int peers_gone(struct ring *r, _Atomic int32_t *slots)
{
	int32_t dead = 0;

	for (int i = 0; i < SLOTS; i++) {
		int32_t pid = atomic_load(&slots[i]);
		if (pid == 0)
			continue;
		if (pid_alive(pid))
			return 0;
		dead = pid;
	}
	if (!dead)
		return 0; /* nobody has come yet: keep waiting */
	return ipcx__fail(EPIPE, "%s: peer %d died", r->c.name, (int)dead);
}

/* ---- locks ------------------------------------------------------------ */

static int lock(struct ring *r, pthread_mutex_t *m)
{
	int e = pthread_mutex_lock(m);

	if (e == EOWNERDEAD) {
		/* The holder died: positions only move once a record is
		 * whole, so there is nothing to repair. */
		pthread_mutex_consistent(m);
		return 0;
	}
	if (e)
		return ipcx__fail(e, "%s: ring lock: %s", r->c.name,
				  ipcx_strerror(e));
	return 0;
}

/* Registers this process on its side (the first time) and takes that
 * side's lock; refused while a reservation or peek of it is open. */
static int enter(struct ring *r, bool producer)
{
	int *slot = producer ? &r->prod_slot : &r->cons_slot;
	int e;

	if (producer ? r->reserved : r->peeked)
		return ipcx__fail(EINVAL, "%s: a %s is open: %s it first",
				  r->c.name, producer ? "reservation" : "peek",
				  producer ? "commit" : "release");
	if (*slot < 0 &&
	    (e = register_pid(r, producer ? r->h->prod_pid : r->h->cons_pid,
			      slot)) < 0)
		return e;
	return lock(r, producer ? &r->h->prod_lock : &r->h->cons_lock);
}

/* ---- waiting ---------------------------------------------------------- */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Waits until READY() (a re-check of the other side's position) or the
 * deadline.  SEQ/WAITING are the futex word and counter of this side;
 * PEERS the other side's pid slots.
 */
static int ring_wait(struct ring *r, bool (*ready)(struct ring *),
		     _Atomic uint32_t *seq, _Atomic uint32_t *waiting,
		     _Atomic int32_t *peers, int64_t *deadline_ms)
{
	enum wait_mode mode = r->wait;
	int64_t start = now_ns(), last_check = start;

	if (r->c.flags & IPCX_NONBLOCK) {
		if (ready(r))
			return 0;
		return ipcx__fail(EAGAIN, "%s: %s (nonblock)", r->c.name,
				  seq == &r->h->data_seq ? "ring empty"
							 : "ring full");
	}
	if (*deadline_ms == -2)
		*deadline_ms = ipcx__deadline(&r->c);
	for (;;) {
		if (ready(r))
			return 0;
		int64_t now = now_ns();
		if (*deadline_ms >= 0 && now / 1000000 >= *deadline_ms)
			return ipcx__fail(ETIMEDOUT,
					  "%s: timed out after %d ms",
					  r->c.name, r->c.timeout_ms);
		if (now - last_check >= LIVENESS_MS * 1000000LL) {
			int e = peers_gone(r, peers);
			if (e < 0)
				return e;
			last_check = now;
		}
		if (mode == WAIT_SPIN ||
		    (mode == WAIT_ADAPTIVE && now - start < SPIN_NS)) {
			cpu_relax();
			continue;
		}
		/* Sleep: read the word, announce, re-check, sleep. */
		uint32_t s = atomic_load(seq);
		atomic_fetch_add(waiting, 1);
		if (!ready(r)) {
			int64_t ms = LIVENESS_MS;
			if (*deadline_ms >= 0 &&
			    *deadline_ms - now / 1000000 < ms)
				ms = *deadline_ms - now / 1000000;
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
			futex(seq, FUTEX_WAIT, s, &ts);
		}
		atomic_fetch_sub(waiting, 1);
	}
}

static bool has_data_now(struct ring *r)
{
	return atomic_load_explicit(&r->h->head, memory_order_acquire) !=
	       atomic_load_explicit(&r->h->tail, memory_order_acquire);
}

/*
 * Moves POS to V and wakes a sleeper on SEQ if WAITING says there is one.
 * A sequentially consistent exchange and load pair with the waiter's
 * increment and re-check (Dekker): either it sees the new position, or we
 * see its count.  On x86 the exchange is one locked instruction, cheaper
 * than a release store followed by a full fence.
 */
static void advance(_Atomic uint64_t *pos, uint64_t v, _Atomic uint32_t *seq,
		    _Atomic uint32_t *waiting)
{
	atomic_exchange_explicit(pos, v, memory_order_seq_cst);
	if (atomic_load_explicit(waiting, memory_order_seq_cst)) {
		atomic_fetch_add(seq, 1);
		futex(seq, FUTEX_WAKE, INT_MAX, NULL);
	}
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

/* After publishing, when somebody polls. */
static void notify_pollers(struct ring *r)
{
	if (r->notify_fd < 0) {
		r->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (r->notify_fd < 0)
			return;
	}
	for (int i = 0; i < SLOTS; i++) {
		uint32_t t = atomic_load_explicit(&r->h->poll_token[i],
						  memory_order_relaxed);
		if (t)
			poke(r->notify_fd, t);
	}
}

static void drain(int fd)
{
	char buf[64];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* After a receive: when the ring is empty, the descriptor must not say
 * readable; drain, then look again so a racing publish is not lost. */
static void settle_poller(struct ring *r)
{
	if (r->poll_fd < 0 || has_data_now(r))
		return;
	drain(r->poll_fd);
	if (has_data_now(r))
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
		return -1;
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
			atomic_fetch_add(&r->h->pollers, 1);
			/* Messages already waiting make it readable now. */
			if (has_data_now(r))
				poke(fd, token);
			return fd;
		}
	}
	close(fd);
	return ipcx__fail(EUSERS, "%s: more than %d processes poll this ring",
			  c->name, SLOTS);
}

/* ---- producer ---------------------------------------------------------- */

static uint64_t need_bytes(struct ring *r, uint64_t head, uint64_t len)
{
	uint64_t rec = REC + align8(len), off = head & (r->cap - 1);

	/* A record that would cross the end starts over at offset 0. */
	return off + rec > r->cap ? r->cap - off + rec : rec;
}

static bool has_room(struct ring *r)
{
	uint64_t head = atomic_load_explicit(&r->h->head, memory_order_relaxed);

	r->cached_tail = atomic_load(&r->h->tail); /* seq_cst: see advance() */
	/* Impossible positions are not "full": stop waiting, so that the
	 * caller reports them. */
	if (r->cached_tail > head || head - r->cached_tail > r->cap)
		return true;
	return head - r->cached_tail + need_bytes(r, head, r->resv_len) <=
	       r->cap;
}

/* Under prod_lock: finds room for LEN bytes; sets r->resv_pos. */
static int reserve_room(struct ring *r, uint64_t len)
{
	int64_t deadline = -2;
	uint64_t head = atomic_load_explicit(&r->h->head, memory_order_relaxed);

	/* Half the ring (so that a record always fits after a pad), and
	 * what the 32-bit length of a record can say. */
	if (REC + align8(len) > r->cap / 2 || len > UINT32_MAX - REC)
		return ipcx__fail(EMSGSIZE,
				  "%s: a message of %llu bytes is larger than "
				  "this ring carries (%llu: half its capacity)",
				  r->c.name, (unsigned long long)len,
				  (unsigned long long)(r->cap / 2 - REC));
	r->resv_len = len;
	if (head - r->cached_tail + need_bytes(r, head, len) > r->cap) {
		int e = ring_wait(r, has_room, &r->h->space_seq,
				  &r->h->prod_waiting, r->h->cons_pid,
				  &deadline);
		if (e < 0)
			return e;
	}
	/* With several producers, the cached tail may be older than the
	 * head others moved: look again before calling it corrupt. */
	if (r->cached_tail > head || head - r->cached_tail > r->cap)
		r->cached_tail =
			atomic_load_explicit(&r->h->tail, memory_order_acquire);
	if (r->cached_tail > head || head - r->cached_tail > r->cap)
		return corrupt(r, "positions");
	uint64_t off = head & (r->cap - 1);
	if (off + REC + align8(len) > r->cap) {
		uint32_t pad[2] = {(uint32_t)(r->cap - off - REC), PAD_FLAG};
		memcpy(r->data + off, pad, REC);
		head += r->cap - off;
	}
	r->resv_pos = head;
	return 0;
}

static void publish(struct ring *r, uint64_t len)
{
	uint32_t hdr[2] = {(uint32_t)len, 0};

	memcpy(r->data + (r->resv_pos & (r->cap - 1)), hdr, REC);
	advance(&r->h->head, r->resv_pos + REC + align8(len), &r->h->data_seq,
		&r->h->cons_waiting);
	if (atomic_load_explicit(&r->h->pollers, memory_order_relaxed))
		notify_pollers(r);
}

ssize_t ipcx__ring_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m)
{
	struct ring *r = (struct ring *)c;
	uint64_t len = 0, off;
	int e;

	(void)m;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if ((e = enter(r, true)) < 0)
		return e;
	e = reserve_room(r, len);
	if (e == 0) {
		off = (r->resv_pos & (r->cap - 1)) + REC;
		for (int i = 0; i < n; i++) {
			memcpy(r->data + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
		publish(r, len);
	}
	pthread_mutex_unlock(&r->h->prod_lock);
	return e < 0 ? e : (ssize_t)len;
}

int ipcx__ring_reserve(struct ipcx_chan *c, size_t len, void **ptr)
{
	struct ring *r = (struct ring *)c;
	int e;

	if ((e = enter(r, true)) < 0)
		return e;
	e = reserve_room(r, len);
	if (e < 0) {
		pthread_mutex_unlock(&r->h->prod_lock);
		return e;
	}
	/* The lock stays held until ipcx_commit(). */
	r->reserved = true;
	*ptr = r->data + (r->resv_pos & (r->cap - 1)) + REC;
	return 0;
}

int ipcx__ring_commit(struct ipcx_chan *c, size_t len)
{
	struct ring *r = (struct ring *)c;

	if (!r->reserved)
		return ipcx__fail(EINVAL, "%s: nothing reserved", c->name);
	if (len > r->resv_len)
		return ipcx__fail(EINVAL,
				  "%s: commit of %zu bytes, more than the %llu "
				  "reserved",
				  c->name, len,
				  (unsigned long long)r->resv_len);
	publish(r, len);
	r->reserved = false;
	pthread_mutex_unlock(&r->h->prod_lock);
	return 0;
}

/* ---- consumer ---------------------------------------------------------- */

static bool has_data(struct ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->h->tail, memory_order_relaxed);

	r->cached_head = atomic_load(&r->h->head); /* seq_cst: see advance() */
	return r->cached_head != tail;
}

/* Under cons_lock: finds the next message; *POS and *LEN describe it. */
static int next_message(struct ring *r, uint64_t *pos, uint64_t *len)
{
	int64_t deadline = -2;
	uint64_t tail = atomic_load_explicit(&r->h->tail, memory_order_relaxed);

	for (;;) {
		/* With several consumers, the cached head may be behind the
		 * tail others moved: only a fresh head says "empty". */
		if (r->cached_head - tail - 1 >= r->cap)
			r->cached_head = atomic_load_explicit(
				&r->h->head, memory_order_acquire);
		if (r->cached_head == tail) {
			int e = ring_wait(r, has_data, &r->h->data_seq,
					  &r->h->cons_waiting, r->h->prod_pid,
					  &deadline);
			if (e < 0)
				return e;
		}
		if (r->cached_head < tail || r->cached_head - tail > r->cap)
			return corrupt(r, "positions");
		uint64_t off = tail & (r->cap - 1);
		uint32_t hdr[2];
		if (off + REC > r->cap)
			return corrupt(r, "record offset");
		memcpy(hdr, r->data + off, REC);
		uint64_t rec = REC + align8(hdr[0]);
		if (hdr[1] & ~PAD_FLAG || off + rec > r->cap ||
		    rec > r->cached_head - tail)
			return corrupt(r, "record length");
		if (hdr[1] & PAD_FLAG) {
			tail += rec;
			atomic_store_explicit(&r->h->tail, tail,
					      memory_order_release);
			continue;
		}
		*pos = tail;
		*len = hdr[0];
		return 0;
	}
}

static void consume(struct ring *r, uint64_t pos, uint64_t len)
{
	advance(&r->h->tail, pos + REC + align8(len), &r->h->space_seq,
		&r->h->prod_waiting);
	settle_poller(r);
}

/* Takes the consumers' lock and finds the next message; on failure the
 * lock is not held. */
static int begin_read(struct ring *r, uint64_t *pos, uint64_t *len)
{
	int e = enter(r, false);

	if (e == 0 && (e = next_message(r, pos, len)) < 0)
		pthread_mutex_unlock(&r->h->cons_lock);
	return e;
}

ssize_t ipcx__ring_recv(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m)
{
	struct ring *r = (struct ring *)c;
	uint64_t pos, mlen;
	int e;

	if ((e = begin_read(r, &pos, &mlen)) < 0)
		return e;
	if (mlen > len) {
		if (m)
			m->size = mlen;
		e = ipcx__fail(EMSGSIZE,
			       "%s: message of %llu bytes does not fit a "
			       "buffer of %zu",
			       c->name, (unsigned long long)mlen, len);
	} else {
		memcpy(buf, r->data + (pos & (r->cap - 1)) + REC, mlen);
		consume(r, pos, mlen);
		if (m)
			m->size = mlen;
	}
	pthread_mutex_unlock(&r->h->cons_lock);
	return e < 0 ? e : (ssize_t)mlen;
}

int ipcx__ring_peek(struct ipcx_chan *c, const void **ptr, size_t *len)
{
	struct ring *r = (struct ring *)c;
	uint64_t pos, mlen;
	int e;

	if ((e = begin_read(r, &pos, &mlen)) < 0)
		return e;
	/* The lock stays held until ipcx_release(). */
	r->peeked = true;
	r->peek_next = pos;
	r->resv_len = mlen;
	*ptr = r->data + (pos & (r->cap - 1)) + REC;
	*len = mlen;
	return 0;
}

int ipcx__ring_release(struct ipcx_chan *c)
{
	struct ring *r = (struct ring *)c;

	if (!r->peeked)
		return ipcx__fail(EINVAL, "%s: nothing peeked", c->name);
	consume(r, r->peek_next, r->resv_len);
	r->peeked = false;
	pthread_mutex_unlock(&r->h->cons_lock);
	return 0;
}

/* ---- opening ----------------------------------------------------------- */

static int init_mutex(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int e = pthread_mutexattr_init(&a);

	if (!e)
		e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!e)
		e = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return -e;
}

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

static int attach(struct ring *r, size_t size)
{
	struct ring_hdr *h = r->h;
	uint32_t zero = 0;

	/* The first opener initialises; the others wait for the magic. */
	if (atomic_compare_exchange_strong(&h->magic, &zero, RING_INIT)) {
		uint64_t cap = fit_capacity(size);
		if (!cap) {
			atomic_store(&h->magic, 0);
			return ipcx__fail(EINVAL,
					  "%s: a region of %zu bytes is too "
					  "small for a ring",
					  r->c.name, size);
		}
		h->version = RING_VERSION;
		h->capacity = cap;
		h->data_off = sizeof(struct ring_hdr);
		int e = init_mutex(&h->prod_lock);
		if (!e)
			e = init_mutex(&h->cons_lock);
		if (e) {
			atomic_store(&h->magic, 0);
			return ipcx__fail(-e, "%s: ring lock: %s", r->c.name,
					  ipcx_strerror(e));
		}
		atomic_store_explicit(&h->magic, RING_MAGIC,
				      memory_order_release);
	}
	for (int i = 0; atomic_load(&h->magic) == RING_INIT; i++) {
		if (i > 1000)
			return corrupt(r, "never finished initialising");
		poll(NULL, 0, 1);
	}
	if (atomic_load_explicit(&h->magic, memory_order_acquire) !=
		    RING_MAGIC ||
	    h->version != RING_VERSION)
		return corrupt(r, "magic or version");
	/* Check what the header says against what we mapped. */
	uint64_t cap = h->capacity;
	if (cap < 64 || (cap & (cap - 1)) ||
	    h->data_off != sizeof(struct ring_hdr) ||
	    cap > size - sizeof(struct ring_hdr))
		return corrupt(r, "capacity");
	r->cap = cap;
	r->data = (unsigned char *)h + h->data_off;
	r->cached_head = atomic_load(&h->head);
	r->cached_tail = atomic_load(&h->tail);
	return 0;
}

/* Default size of a ring region that is created without size=. */
#define DEFAULT_RING_SIZE (1u << 20)

int ipcx__ring_open(const struct ipcx__addr *a, unsigned flags,
		    struct ipcx_chan **out)
{
	struct ring *r = ipcx__chan_new(sizeof(*r), a->ops, a, flags);
	int e;

	if (!r)
		return -ENOMEM;
	r->prod_slot = r->cons_slot = -1;
	r->poll_fd = r->notify_fd = -1;
	r->wait = a->opt.wait == IPCX__UNSET ? WAIT_ADAPTIVE
					     : (enum wait_mode)a->opt.wait;
	r->region = calloc(1, sizeof(*r->region));
	if (!r->region) {
		ipcx__chan_free(&r->c);
		return -ENOMEM;
	}
	r->region->ops = a->ops;
	r->region->fd = -1;
	r->region->id = -1;
	r->region->size_if_new = true;
	snprintf(r->region->name, sizeof(r->region->name), "%s", a->text);
	/* A new ring is the address's size=, else 1 MiB; one that exists is
	 * mapped whole. */
	e = a->ops->region_open(a, flags, DEFAULT_RING_SIZE, r->region);
	if (e < 0) {
		free(r->region);
		ipcx__chan_free(&r->c);
		return e;
	}
	r->h = r->region->base;
	e = attach(r, r->region->size);
	if (e < 0) {
		ipcx_region_close(r->region);
		ipcx__chan_free(&r->c);
		return e;
	}
	*out = &r->c;
	return 0;
}

int ipcx__ring_close(struct ipcx_chan *c)
{
	struct ring *r = (struct ring *)c;

	/* An open reservation is dropped (never published); a peek is
	 * left for the next consumer. */
	if (r->reserved)
		pthread_mutex_unlock(&r->h->prod_lock);
	if (r->peeked)
		pthread_mutex_unlock(&r->h->cons_lock);
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
			    &r->h->poll_token[r->poll_slot], &t, 0))
			atomic_fetch_sub(&r->h->pollers, 1);
		close(r->poll_fd);
	}
	if (r->notify_fd >= 0)
		close(r->notify_fd);
	ipcx_region_close(r->region);
	ipcx__chan_free(c);
	return 0;
}

int ipcx__ring_fd(struct ipcx_chan *c)
{
	return ring_fd(c);
}

int ipcx__ring_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	const struct ring *r = (const struct ring *)c;
	uint64_t head = atomic_load(&r->h->head),
		 tail = atomic_load(&r->h->tail);

	i->semantics = IPCX_MESSAGE;
	i->eof_is_zero = false; /* a ring carries empty messages */
	i->capacity = (long)r->cap;
	i->msgsize =
		(long)(r->cap / 2 - REC < UINT32_MAX - REC ? r->cap / 2 - REC
							   : UINT32_MAX - REC);
	/* Bytes in use, records included (the count of messages is not
	 * kept: it would cost a shared write per message). */
	i->queued = head >= tail && head - tail <= r->cap ? (long)(head - tail)
							  : -1;
	return 0;
}
