/* SPDX-License-Identifier: MIT */
/* ipcx: every Linux IPC facility behind one address syntax and one API. */
#ifndef IPCX_H
#define IPCX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPCX_VERSION "0.1.0"

/*
 * Conventions.  Every function that returns an int or ssize_t returns >= 0
 * on success and a negative errno on failure.  After a failure
 * ipcx_error_detail() describes it in words, naming the address and the
 * cause.  Nothing here prints, exits or aborts.  Output parameters come
 * last and are written only on success.
 *
 * Growing structs (this release's promise to the next).  A struct the
 * caller allocates (ipcx_meta, ipcx_chan_info) begins with struct_size:
 * 0 means this release's size (so a zero-initialised one is always
 * right), or the caller sets it to sizeof with the X_INIT macro; the
 * library reads and writes no byte past it.  A later release adds fields
 * only at the end, so a program built against this header keeps working
 * with it (tests/abi builds one against each and runs it).  Every other
 * struct is the library's (ipcx_facility, ipcx_option, ipcx_limit,
 * ipcx_object, ipcx_holder): the caller only reads it through the
 * pointer it is given, never copies it whole nor indexes an array of it,
 * so it too may grow at the end.
 *
 * The exported symbols carry the version node IPCX_1.
 */

/* Longest address string ipcx formats (sender addresses, slave pty paths). */
#define IPCX_ADDR_MAX 160

/* ---- errors ------------------------------------------------------------ */

/* The text of a negative (or positive) errno, like strerror(). */
const char *ipcx_strerror(int err);

/*
 * The context of this thread's last failure, for example
 * "unix:/run/x.sock: path exists and is not a socket".  Never NULL; "" when
 * nothing failed yet.  Valid until the next ipcx call in this thread.
 */
const char *ipcx_error_detail(void);

/* ---- the facility table ------------------------------------------------ */

enum ipcx_semantics {
	IPCX_BYTE_STREAM = 1, /* reads return whatever bytes are there */
	IPCX_MESSAGE,	      /* one read returns one whole message */
	IPCX_SHARED_MEMORY,
	IPCX_SYNCHRONIZATION,
	IPCX_NOTIFICATION,
};

/* Capability bits of struct ipcx_facility.caps. */
#define IPCX_CAP_NETWORK 0x01u /* crosses machines */
#define IPCX_CAP_POLL 0x02u    /* ipcx_fd() gives a pollable descriptor */
#define IPCX_CAP_PAIR 0x04u    /* ipcx_pair() works */
/* IPCX_LISTEN makes a listener: ipcx_accept() gives a connection per
 * client (sockets; rings in any region, each connection in memory of
 * its own). */
#define IPCX_CAP_LISTEN 0x08u
#define IPCX_CAP_ONEWAY 0x10u	/* one channel carries one direction */
#define IPCX_CAP_NAMED 0x20u	/* TARGET names a kernel object */
#define IPCX_CAP_CONNLESS 0x40u /* no end of stream: 0 is an empty message */
/* What the facility's addresses open (one or more of these): */
#define IPCX_CAP_CHANNEL 0x80u /* a channel: ipcx_open() or ipcx_pair() */
#define IPCX_CAP_REGION 0x100u /* a region: ipcx_region_open() */
#define IPCX_CAP_SEM 0x200u    /* a semaphore: ipcx_sem_open() */
#define IPCX_CAP_LOCK 0x400u   /* a file lock: ipcx_lock_open() */
/* One queue of messages that every opener of the name sends into and
 * receives from (a message sent back goes to its end): System V and
 * POSIX queues, rings in named regions. */
#define IPCX_CAP_QUEUE 0x800u
/* The receiving end binds the address: IPCX_LISTEN is how it is opened
 * (sockets; a datagram socket binds, a stream socket listens). */
#define IPCX_CAP_BIND 0x1000u

/* One row of the comparison table (ipcx info).  Static storage. */
struct ipcx_facility {
	const char *scheme;   /* "unix-dgram" */
	const char *title;    /* "UNIX datagram socket" */
	const char *name;     /* what identifies it: "pathname or @name" */
	const char *handle;   /* "fd", "msqid", ... */
	const char *standard; /* "POSIX", "System V", "BSD", "Linux" */
	enum ipcx_semantics semantics;
	unsigned caps; /* IPCX_CAP_* */
};

/* The facility of SCHEME ("tcp"), or NULL when there is none. */
const struct ipcx_facility *ipcx_facility_find(const char *scheme);

/* The I-th facility (0, 1, ...), or NULL past the last one. */
const struct ipcx_facility *ipcx_facility_at(size_t i);

/* Text of a semantics value: "byte stream", "message", ... */
const char *ipcx_semantics_name(enum ipcx_semantics s);

/* One live limit of this system that a user of a facility can run into. */
struct ipcx_limit {
	const char *name;   /* "segments on the system (SHMMNI)" */
	long long value;    /* -1 when it could not be read */
	const char *unit;   /* "bytes", "messages", "fds", "" */
	const char *source; /* where it comes from or how to change it */
	bool used_known;    /* the system counts how much is in use: */
	long long used;	    /* that much, in UNIT */
};

/* Called once per limit (valid during the call); a non-zero return stops
 * and is what ipcx_facility_limits() returns. */
typedef int (*ipcx_limit_fn)(const struct ipcx_limit *l, void *arg);

/* Reads FAC's live limits now and calls FN for each.  0, FN's non-zero
 * value, or -EINVAL for a NULL argument. */
int ipcx_facility_limits(const struct ipcx_facility *fac, ipcx_limit_fn fn,
			 void *arg);

/* One option a facility's addresses take (SCHEME:TARGET?NAME=VALUE).
 * Static storage; reached only through ipcx_facility_option(). */
struct ipcx_option {
	const char *name;  /* "maxmsg" */
	const char *value; /* what it takes: "an integer from 1 to 65536" */
	const char *def;   /* what applies when it is not given */
	const char *help;  /* one line: what it does */
};

/* The I-th option (0, 1, ...) that FAC's addresses take, the options
 * common to several schemes (create, excl, mode, timeout, nonblock)
 * first; NULL past the last. */
const struct ipcx_option *ipcx_facility_option(const struct ipcx_facility *fac,
					       size_t i);

/* ---- addresses --------------------------------------------------------- */

/*
 * A parsed address.  Every function that takes an address string parses
 * it once; a program that needs to look at an address before using it
 * (which facility, which options it gives) parses it with
 * ipcx_addr_parse() and passes the result to the _addr variants, so that
 * what it checked is what is opened.
 */
struct ipcx_addr;

/*
 * Parses TEXT with DEFAULTS as ipcx_open_with() takes them (may be NULL).
 * -EINVAL with a detail that quotes the bad part ("unknown option 'sise'
 * in 'fifo:/x?sise=1'"); -ENOMEM.  Free the result with ipcx_addr_free().
 */
int ipcx_addr_parse(const char *text, const char *defaults,
		    struct ipcx_addr **out);
void ipcx_addr_free(struct ipcx_addr *a); /* accepts NULL */

/* Its facility, its decoded TARGET ("/tmp/a b" for fifo:/tmp/a%20b), and
 * the text it was parsed from.  Valid until ipcx_addr_free(). */
const struct ipcx_facility *ipcx_addr_facility(const struct ipcx_addr *a);
const char *ipcx_addr_target(const struct ipcx_addr *a);
const char *ipcx_addr_text(const struct ipcx_addr *a);

/*
 * Option NAME of A, as the address or its defaults gave it: 1 and *VALUE
 * (may be NULL; booleans are 0/1, sizes in bytes, timeouts in ms, a
 * choice its index in the option's VALUES), 0 when it was not given,
 * -EINVAL when A's facility takes no option NAME.
 */
int ipcx_addr_option(const struct ipcx_addr *a, const char *name,
		     long long *value);

/*
 * Checks that ADDR is well formed (scheme, target, options and their
 * values), with DEFAULTS as ipcx_open_with() takes them (may be NULL),
 * without opening anything (user names of allow-uid= are looked up).  0, or
 * -EINVAL with a detail that quotes the bad part: "unknown option 'sise' in
 * 'fifo:/x?sise=1'".
 */
int ipcx_addr_check(const char *addr, const char *defaults);

/* ---- channels ---------------------------------------------------------- */

struct ipcx_chan;

/* Flags of ipcx_open(); address options (create=1, ...) override them. */
#define IPCX_CREATE 0x01u   /* create a missing FIFO, ...; mode 0600 */
#define IPCX_EXCL 0x02u	    /* with CREATE: fail if it exists */
#define IPCX_NONBLOCK 0x04u /* operations return -EAGAIN instead of waiting */
/* Listen on the address (sockets bind, a datagram socket to receive;
 * a region becomes a listener); refused (-EOPNOTSUPP) where the
 * facility has neither (IPCX_CAP_LISTEN, IPCX_CAP_BIND). */
#define IPCX_LISTEN 0x08u
#define IPCX_CONNECT 0x10u /* sockets: connect to it (the default) */
#define IPCX_SEND 0x20u	   /* open for sending (one-way facilities) */
#define IPCX_RECV 0x40u	   /* open for receiving (one-way facilities) */
/* A signal handler that runs while a call waits ends the call: -EINTR,
 * nothing sent or taken (by default a wait goes on through signals). */
#define IPCX_INTR 0x80u

/* Per-message metadata, filled by ipcx_recv() and read by ipcx_send(). */
#define IPCX_META_TYPE 0x01u /* type is set (System V queues) */
#define IPCX_META_PRIO 0x02u /* prio is set (POSIX queues) */
#define IPCX_META_PID 0x04u  /* pid is the sender's */
#define IPCX_META_UID 0x08u  /* uid is the sender's */
#define IPCX_META_PEER 0x10u /* peer holds the sender's address */

struct ipcx_meta {
	size_t struct_size; /* 0, or sizeof (IPCX_META_INIT): see above */
	/*
	 * In, for a receive: IPCX_META_* bits of what to report even where
	 * it costs a system call per message.  Only IPCX_META_PID means
	 * anything so far (System V queues: the queue's last sender, from
	 * msgctl(IPC_STAT), which another sender may already have changed).
	 */
	unsigned want;
	unsigned valid; /* out: IPCX_META_* bits of the fields that are set */
	size_t size;	/* size of the message (also after -EMSGSIZE) */
	long type;
	unsigned prio;
	pid_t pid;
	uid_t uid;
	/*
	 * Receive: who sent it ("udp:127.0.0.1:5353").  Send: where to send it
	 * on an unconnected datagram socket ("" means the connected peer, or
	 * the last sender).
	 */
	char peer[IPCX_ADDR_MAX];
};
#define IPCX_META_INIT                                  \
	{                                               \
		.struct_size = sizeof(struct ipcx_meta) \
	}

/*
 * Opens the channel named by ADDR.  FLAGS are IPCX_* open flags.  May block
 * (connecting, opening a FIFO without a peer) up to the address's timeout=.
 * -EINVAL bad address; -ENOENT missing object; -EEXIST with excl;
 * -EACCES; -ETIMEDOUT; -EADDRINUSE; -ECONNREFUSED; others from the kernel.
 */
int ipcx_open(const char *addr, unsigned flags, struct ipcx_chan **out);

/*
 * As ipcx_open(), with DEFAULTS ("timeout=500&framing=length", or NULL):
 * options that apply where ADDR does not give its own.  This is how options
 * reach schemes whose TARGET takes the whole rest (exec:, pty:).
 */
int ipcx_open_with(const char *addr, const char *defaults, unsigned flags,
		   struct ipcx_chan **out);
/* As ipcx_open(), for an address ipcx_addr_parse() made. */
int ipcx_open_addr(const struct ipcx_addr *a, unsigned flags,
		   struct ipcx_chan **out);

/*
 * A channel around FD, a descriptor the process was given (inherited,
 * passed by systemd, received over a socket): its facility is found from
 * what FD is (fstat, SO_DOMAIN, SO_TYPE): a UNIX stream, datagram or
 * seqpacket socket, a TCP or UDP socket (a listening one accepts), a pipe
 * or FIFO (one way, as it was opened).  FLAGS as ipcx_open()
 * (IPCX_NONBLOCK, IPCX_INTR; the socket is what it is, listening or
 * not, whatever IPCX_LISTEN says).  On success the channel owns FD
 * (ipcx_close() closes it); on failure FD stays the caller's.  -EINVAL
 * for a kind ipcx does not wrap (a regular file, ...), -EBADF.  The
 * address form, fd:N and fd:NAME (systemd socket activation), wraps a
 * duplicate and leaves N open.
 */
int ipcx_open_fd(int fd, unsigned flags, struct ipcx_chan **out);

/*
 * Two connected channels of SCHEME ("pipe", "unix", "unix-dgram",
 * "unix-seqpacket", "pty", "anon"), for a process and the child it forks.
 * Each end both sends and receives (a "pipe" pair is two pipes, one per
 * direction; a "pty" pair is master and slave in raw mode; an "anon" pair
 * is a ring each way, a connection as a listener's accept makes it).  SCHEME
 * may carry options for both ends: "unix:?framing=length&timeout=100".
 * -EOPNOTSUPP when SCHEME has no pairs.
 */
int ipcx_pair(const char *scheme, struct ipcx_chan **a, struct ipcx_chan **b);

/*
 * Waits for a connection on a listening channel (a socket, or a region
 * opened with IPCX_LISTEN: each connection a ring each way in memory of
 * its own) up to its timeout, and returns it.  -EINVAL when L does not
 * listen; -EACCES when allow-uid= refused the peer, or a ring's peer did
 * not show it can open L's region (the connection is closed, L stays
 * usable).
 */
int ipcx_accept(struct ipcx_chan *l, struct ipcx_chan **out);

/*
 * Sends LEN bytes.  META may be NULL.  Message channels send one message;
 * byte streams write all LEN bytes (with framing=length, a 4-byte
 * little-endian length first) unless non-blocking or timed out after some
 * bytes went, in which case the count written is returned.  Returns the
 * number of payload bytes sent.  -EAGAIN, -ETIMEDOUT, -EPIPE (peer gone;
 * SIGPIPE never kills the caller), -EMSGSIZE (larger than the facility
 * carries), -EDESTADDRREQ.
 */
ssize_t ipcx_send(struct ipcx_chan *c, const void *buf, size_t len,
		  const struct ipcx_meta *meta);

/*
 * Receives into BUF.  Byte streams return what is there (0 at end of
 * stream); message channels and framed streams return exactly one whole
 * message.  META may be NULL.  -EMSGSIZE when a message is larger than LEN:
 * nothing is lost, META->size says how much room it needs.  -EAGAIN,
 * -ETIMEDOUT, -ECONNRESET, -EACCES (a datagram from a uid that allow-uid=
 * refuses, which is dropped).
 */
ssize_t ipcx_recv(struct ipcx_chan *c, void *buf, size_t len,
		  struct ipcx_meta *meta);

/*
 * As ipcx_recv(), for this one call without waiting (MSG_DONTWAIT,
 * ZMQ_DONTWAIT): -EAGAIN when nothing can be taken at once, whatever
 * IPCX_NONBLOCK and timeout= say.  A message is still taken whole; a
 * framed stream keeps a message that has only partly arrived for the
 * next call.  For a loop that empties a channel after its descriptor
 * polled readable, without a poll(2) per message.
 */
ssize_t ipcx_try_recv(struct ipcx_chan *c, void *buf, size_t len,
		      struct ipcx_meta *meta);

/*
 * Half-closes: the peer reads end of stream, C can still receive.
 * -EOPNOTSUPP where the facility cannot (a pty).
 */
int ipcx_shutdown(struct ipcx_chan *c);

/*
 * Zero-copy, on ring channels (a region address opened with ipcx_open()):
 * ipcx_reserve() finds room for LEN bytes and points *PTR at it; fill it,
 * then ipcx_commit() publishes the first LEN bytes (at most what was
 * reserved).  ipcx_peek() points at the next message without copying;
 * ipcx_release() frees it.  Between the two calls this side of the ring
 * is held: other senders (receivers) wait.  At the end of a connection
 * ipcx_peek() gives NULL and 0 and holds nothing.  ipcx_cancel() ends
 * either without effect: a reservation publishes nothing, a peeked message
 * stays for the next receive (-EINVAL when nothing is held).  -EOPNOTSUPP
 * on other channels; errors as ipcx_send()/ipcx_recv().
 */
int ipcx_reserve(struct ipcx_chan *c, size_t len, void **ptr);
int ipcx_commit(struct ipcx_chan *c, size_t len);
int ipcx_peek(struct ipcx_chan *c, const void **ptr, size_t *len);
int ipcx_release(struct ipcx_chan *c);
int ipcx_cancel(struct ipcx_chan *c);

/* A descriptor to poll for readability (>= 0): -EOPNOTSUPP where the
 * facility has none (System V queues; a ring's sending side). */
int ipcx_fd(const struct ipcx_chan *c);

/* What an open channel is. */
struct ipcx_chan_info {
	size_t struct_size; /* 0, or sizeof (IPCX_CHAN_INFO_INIT) */
	const struct ipcx_facility *facility;
	bool listening; /* accept before send/recv */
	bool framed;	/* framing=length */
	/* What this channel carries (a ring over a region carries messages),
	 * and whether a receive of 0 bytes means end of stream (else it is
	 * an empty message). */
	enum ipcx_semantics semantics;
	bool eof_is_zero;
	long id;		   /* kernel id (a msqid, ...), or -1 */
	char local[IPCX_ADDR_MAX]; /* bound address or pty slave path, or "" */
	char peer[IPCX_ADDR_MAX];  /* connected peer's address, or "" */
	pid_t peer_pid;		   /* peer credentials where known, else -1 */
	uid_t peer_uid;
	pid_t child; /* the process it started (exec:, pty:), or -1 */
	/* Message queues, else -1: how many messages (POSIX) or bytes
	 * (System V msg_qbytes) it holds at most, the largest message, and
	 * how many messages are queued now.  Datagram and seqpacket
	 * sockets: msgsize is the largest message that can arrive (a
	 * receive buffer that large is never too small, and ipcx_recv()
	 * then need not look at the size before taking a message). */
	long capacity, msgsize, queued;
};

#define IPCX_CHAN_INFO_INIT                                  \
	{                                                    \
		.struct_size = sizeof(struct ipcx_chan_info) \
	}

/* Fills OUT (its struct_size as the caller set it). */
int ipcx_chan_get(const struct ipcx_chan *c, struct ipcx_chan_info *out);

/*
 * Closes C; accepts NULL.  A listening UNIX socket removes the path it
 * created; exec: and pty: wait for their child.  Returns 0, or the
 * negative errno of a failure to flush or reap.
 */
int ipcx_close(struct ipcx_chan *c);

/* Removes the named object of ADDR (a FIFO, a socket path, a queue, a
 * shared-memory object or mapped file). */
int ipcx_unlink(const char *addr);
int ipcx_unlink_addr(const struct ipcx_addr *a);

/*
 * Removes what C's open created (the path a listening UNIX socket bound,
 * the region a ring was made in), leaving C open; 0 when it created
 * nothing.  Only the process that created it removes it (a child that
 * inherited C does not).  Async-signal-safe: a signal handler that is
 * about to end the process calls it so that nothing is left behind.
 */
int ipcx_chan_unlink(const struct ipcx_chan *c);

/* ---- regions of shared memory ---------------------------------------- */

struct ipcx_region;

/*
 * Maps a shared-memory region: posixshm:/name, sysvshm:KEY, mmap:PATH or
 * anon: (inherited across fork; open it before forking).  SIZE is the
 * size to create or map (the address's size= wins); 0 maps all of an
 * existing object.  IPCX_CREATE makes a missing object (mode 0600, new
 * bytes zero), IPCX_EXCL insists on a new one.  A size larger than the
 * object that exists is -EINVAL: pages past its end would raise SIGBUS.
 * -ENOENT, -EEXIST, -EACCES, -EINVAL, -EOPNOTSUPP (not a region scheme).
 */
int ipcx_region_open(const char *addr, unsigned flags, size_t size,
		     struct ipcx_region **out);
int ipcx_region_open_addr(const struct ipcx_addr *a, unsigned flags,
			  size_t size, struct ipcx_region **out);

/* The mapping: what one process writes there, every process mapping the
 * same object sees. */
void *ipcx_region_base(const struct ipcx_region *r);
size_t ipcx_region_size(const struct ipcx_region *r);

/*
 * Bounded copies: OFF and LEN must lie inside the region (-EINVAL), and
 * the backing object must still cover it: -EFAULT when another process
 * truncated the file or shm object, or a page could not be allocated.
 * Such a mapping never raises SIGBUS: the library's handler maps zeros
 * over it (also under a raw pointer from ipcx_region_base()), and every
 * later call on it is -EFAULT.
 */
/* What an open region is. */
struct ipcx_region_info {
	size_t struct_size; /* 0, or sizeof (IPCX_REGION_INFO_INIT) */
	const struct ipcx_facility *facility;
	size_t size; /* as ipcx_region_size() */
	long id;     /* kernel id (a System V shmid), or -1 */
	/* An address that names it from now on: the one it was opened by,
	 * or for a private System V segment (IPC_PRIVATE has no key),
	 * sysvshm:id:N. */
	char address[IPCX_ADDR_MAX];
};

#define IPCX_REGION_INFO_INIT                                  \
	{                                                      \
		.struct_size = sizeof(struct ipcx_region_info) \
	}

/* Fills OUT (its struct_size as the caller set it). */
int ipcx_region_get(const struct ipcx_region *r, struct ipcx_region_info *out);

ssize_t ipcx_region_read(const struct ipcx_region *r, size_t off, void *buf,
			 size_t len);
ssize_t ipcx_region_write(struct ipcx_region *r, size_t off, const void *buf,
			  size_t len);

/* Removes the object R's open created (0 when it created none): the
 * mapping stays until ipcx_region_close().  ipcx_unlink() removes any by
 * its address. */
int ipcx_region_unlink(const struct ipcx_region *r);

/* Unmaps R (accepts NULL).  The object stays until it is unlinked. */
int ipcx_region_close(struct ipcx_region *r);

/* ---- waiting: semaphores, file locks, mutexes ------------------------- */

/*
 * One verb set for everything one waits on: X_acquire(obj, ..., TIMEOUT)
 * takes it, X_release(obj) gives it back.  TIMEOUT is milliseconds, or:
 */
#define IPCX_WAIT_NONE 0       /* do not wait: -EAGAIN when it would */
#define IPCX_WAIT_FOREVER (-1) /* as long as it takes */
#define IPCX_WAIT_OPENED                       \
	(-2) /* as the address said (timeout=, \
	      * nonblock=); forever if it said nothing */
/*
 * A bounded wait that runs out is -ETIMEDOUT; one that would wait with
 * IPCX_WAIT_NONE (or nonblock=1) is -EAGAIN; a negative TIMEOUT other
 * than these is -EINVAL.
 *
 * Objects that live in a region's memory (unnamed semaphores, mutexes,
 * condition variables) are initialised once by one process
 * (X_init) and used by others (X_attach); both return a handle of this
 * process.  A handle is valid until its X_close(), which frees the
 * handle only: close it before the region it points into.
 */

/* ---- semaphores -------------------------------------------------------- */

struct ipcx_sem;

/*
 * Opens the semaphore of ADDR: "sysvsem:KEY" (one semaphore of a System V
 * set: ?nsems=N when creating, default 1; ?index=I, default 0; ?undo=1
 * sets SEM_UNDO, so that what a process that dies did is undone) or
 * "posixsem:/name".  IPCX_CREATE makes a missing one (mode 0600) with
 * value INITIAL; one that exists keeps its value.
 */
int ipcx_sem_open(const char *addr, unsigned flags, unsigned initial,
		  struct ipcx_sem **out);
int ipcx_sem_open_addr(const struct ipcx_addr *a, unsigned flags,
		       unsigned initial, struct ipcx_sem **out);

/*
 * An unnamed POSIX semaphore (process-shared) at OFFSET in region R,
 * which must be inside it and aligned to 8: ipcx_sem_init() initialises
 * it with INITIAL; ipcx_sem_attach() uses one that another process
 * initialised.
 */
#define IPCX_SEM_SIZE 32 /* bytes an unnamed semaphore takes */
int ipcx_sem_init(struct ipcx_region *r, size_t offset, unsigned initial,
		  struct ipcx_sem **out);
int ipcx_sem_attach(struct ipcx_region *r, size_t offset,
		    struct ipcx_sem **out);

/*
 * Takes one, waiting while the value is 0 (TIMEOUT as above).  A
 * semaphore removed under a waiter is -EIDRM.  The value never goes
 * below 0.
 */
int ipcx_sem_acquire(struct ipcx_sem *s, int timeout_ms);

/* Adds one (wakes a waiter).  -EOVERFLOW at the kind's maximum. */
int ipcx_sem_release(struct ipcx_sem *s);

/* The value now (>= 0). */
int ipcx_sem_value(const struct ipcx_sem *s);

/* Removes the named semaphore S created (a System V set: all of it); 0
 * when S created none.  ipcx_unlink() removes any by its address. */
int ipcx_sem_unlink(struct ipcx_sem *s);

/* Frees the handle (accepts NULL); the semaphore itself stays. */
int ipcx_sem_close(struct ipcx_sem *s);

/* ---- file locks -------------------------------------------------------- */

struct ipcx_lock;

#define IPCX_LOCK_SHARED 1    /* any number of holders */
#define IPCX_LOCK_EXCLUSIVE 2 /* one holder */

/*
 * Opens the lock of ADDR: "flock:PATH" (the whole file, flock(2)) or
 * "fcntl:PATH" (a record lock, fcntl(2): ?start=&len= a byte range, len 0
 * to the end, the default; ?ofd=1 open-file-description locks instead of
 * the process's).  The file is opened read-write (read-only when that is
 * all the caller may: shared locks only); IPCX_CREATE creates a missing
 * one, mode 0600.  Nothing is held yet.  Never follows a symlink it
 * creates.  Interoperates with every program that takes the same kernel
 * lock: flock(1), lockf(3), Python's fcntl.
 */
int ipcx_lock_open(const char *addr, unsigned flags, struct ipcx_lock **out);
int ipcx_lock_open_addr(const struct ipcx_addr *a, unsigned flags,
			struct ipcx_lock **out);

/*
 * Takes the lock (HOW: IPCX_LOCK_SHARED or IPCX_LOCK_EXCLUSIVE), or
 * converts the one held (flock: not atomically, the kernel drops it first;
 * fcntl: atomically), waiting asleep in the kernel (TIMEOUT as above).  A
 * conflict is -EAGAIN with the holder's pid in the detail; -ETIMEDOUT;
 * -EDEADLK (fcntl: the kernel saw a deadlock).
 */
int ipcx_lock_acquire(struct ipcx_lock *l, int how, int timeout_ms);

/* Releases what L holds (-ENOLCK when nothing). */
int ipcx_lock_release(struct ipcx_lock *l);

/* The pid of a process holding a lock that conflicts with HOW: > 0, or 0
 * when none does (an open-file-description lock has no pid: -1). */
int ipcx_lock_holder(struct ipcx_lock *l, int how, pid_t *pid);

/* The open file the lock is on (close-on-exec; a flock() or ofd=1 lock
 * goes with it to a child that keeps it open). */
int ipcx_lock_fd(const struct ipcx_lock *l);

/* What this handle holds: 0, IPCX_LOCK_SHARED or IPCX_LOCK_EXCLUSIVE. */
int ipcx_lock_held(const struct ipcx_lock *l);

/* Releases what L holds and closes it (accepts NULL). */
int ipcx_lock_close(struct ipcx_lock *l);

/* ---- mutexes and condition variables in shared memory ------------------ */

struct ipcx_mutex;
struct ipcx_cond;

/* Bytes a mutex or a condition variable takes in a region (aligned 8). */
#define IPCX_MUTEX_SIZE 64
#define IPCX_COND_SIZE 64

/* ipcx_mutex_acquire() and ipcx_cond_wait(): the previous owner died
 * holding the lock; it is consistent again and held: repair what it
 * protects. */
#define IPCX_OWNER_DIED 1

/* A robust, process-shared mutex or condition variable at OFFSET in
 * region R (inside it, aligned to 8). */
int ipcx_mutex_init(struct ipcx_region *r, size_t offset,
		    struct ipcx_mutex **out);
int ipcx_mutex_attach(struct ipcx_region *r, size_t offset,
		      struct ipcx_mutex **out);
int ipcx_cond_init(struct ipcx_region *r, size_t offset,
		   struct ipcx_cond **out);
int ipcx_cond_attach(struct ipcx_region *r, size_t offset,
		     struct ipcx_cond **out);

/* 0 or IPCX_OWNER_DIED when held (TIMEOUT as above; IPCX_WAIT_OPENED is
 * forever); -ENOTRECOVERABLE when an owner died and the next one released
 * it without repairing. */
int ipcx_mutex_acquire(struct ipcx_mutex *m, int timeout_ms);
int ipcx_mutex_release(struct ipcx_mutex *m);

/* Waits on C with M held (released while asleep, held again after: 0 or
 * IPCX_OWNER_DIED as for ipcx_mutex_acquire(); -ETIMEDOUT with M held
 * again). */
int ipcx_cond_wait(struct ipcx_cond *c, struct ipcx_mutex *m, int timeout_ms);
int ipcx_cond_signal(struct ipcx_cond *c);
int ipcx_cond_broadcast(struct ipcx_cond *c);

/* Free the handles (accept NULL); the objects stay in the region. */
int ipcx_mutex_close(struct ipcx_mutex *m);
int ipcx_cond_close(struct ipcx_cond *c);

/* ---- objects on this system (ipcx ls) ---------------------------------- */

/* A process that has an object open, mapped or locked. */
struct ipcx_holder {
	pid_t pid;
	char comm[16];		   /* its command name */
	unsigned long long ipc_ns; /* its IPC namespace (inode), or 0 */
	bool other_ns;		   /* not the caller's IPC namespace */
};

/*
 * One live object, as ipcx_list() reports it.  Figures are -1 where the
 * facility does not keep them or they could not be read.
 */
struct ipcx_object {
	const struct ipcx_facility *facility;
	char address[IPCX_ADDR_MAX]; /* what any ipcx command takes */
	long long id;		     /* System V id, or inode */
	long long uid, gid;	     /* the owner */
	int mode;		     /* permission bits */
	long long size;		     /* in size_unit */
	const char *size_unit;	     /* "bytes", "messages", "semaphores" */
	long long attached;	     /* System V shm: nattch */
	pid_t creator;		     /* the creating process */
	pid_t last;		     /* the last to operate on it; 0: none */
	long long changed;	     /* last change, seconds since the epoch */
	size_t nholders;      /* ipcx_object_holder(o, 0 .. nholders - 1) */
	bool holders_known;   /* every process that could hold it was seen */
	bool stale;	      /* a leftover: see ipcx(1), "ls --stale" */
	char detail[64];      /* "listening, 2 connected", "WRITE", ... */
	const void *holders_; /* the library's: use ipcx_object_holder() */
	/* Nobody seen holding or using it, and no creator recorded to judge
	 * it by (POSIX objects; System V queues and sets never used): never
	 * stale, a live program may mean to keep it. */
	bool unheld;
	long long key;	       /* System V key (0: IPC_PRIVATE); -1: none */
	const char *lock_mode; /* a lock's "READ" or "WRITE"; else NULL */
	/* Semaphores: the current values, ipcx_object_value(o, 0 ..
	 * nvalues - 1) (one for a POSIX semaphore, one per semaphore of a
	 * System V set); 0 where they could not be read. */
	size_t nvalues;
	const void *values_; /* the library's: use ipcx_object_value() */
};

/* O's I-th holder (valid during the callback), or NULL past the last. */
const struct ipcx_holder *ipcx_object_holder(const struct ipcx_object *o,
					     size_t i);

/* O's I-th semaphore value (valid during the callback), or -1 past the
 * last. */
long long ipcx_object_value(const struct ipcx_object *o, size_t i);

/* Called once per object; a non-zero return stops the listing and is
 * what ipcx_list() returns. */
typedef int (*ipcx_list_fn)(const struct ipcx_object *o, void *arg);

/* Flags of ipcx_list() and ipcx_object_find(). */
/* POSIX queues live in the mqueue filesystem: when none is mounted, mount
 * one privately (root only) for the listing and detach it right after.
 * Without this flag nothing is mounted and the queues are not listed
 * (the warnings say so). */
#define IPCX_LIST_MOUNT 0x01u

/*
 * Calls FN for every live object of SCHEME (NULL: of every facility that
 * names objects), in the caller's IPC and mount namespaces.  0, FN's
 * non-zero value, or a negative errno when nothing could be listed.  What
 * could not be listed (a facility whose source is missing, processes
 * that could not be inspected) is written to WARNINGS, a line each, ""
 * when nothing (WARNINGS may be NULL).
 */
int ipcx_list(const char *scheme, unsigned flags, ipcx_list_fn fn, void *arg,
	      char *warnings, size_t warnings_len);

/*
 * Calls FN once for the object ADDR names: -ENOENT when there is none,
 * -EINVAL when what is there is another kind ("'/tmp/x' is a regular
 * file, not a FIFO").  Holders and staleness as ipcx_list() says them.
 */
int ipcx_object_find(const char *addr, unsigned flags, ipcx_list_fn fn,
		     void *arg);
int ipcx_object_find_addr(const struct ipcx_addr *a, unsigned flags,
			  ipcx_list_fn fn, void *arg);

/* Flags of ipcx_object_remove(), with ipcx_list()'s. */
#define IPCX_REMOVE_FORCE 0x100u /* even when a live process holds it */
#define IPCX_REMOVE_CHECK 0x200u /* judge only: remove nothing */

/*
 * Removes the object ADDR names, as "ipcx rm" does: -EBUSY when a live
 * process holds it (or a System V segment has attachments) unless
 * IPCX_REMOVE_FORCE, -EPERM when it is another user's and the caller is
 * not root; the detail says why ("held by 812 (worker)").  FN, when not
 * NULL, is shown the object first: non-zero keeps it, and is returned.
 * With IPCX_REMOVE_CHECK nothing is removed: 0 means it would be.
 */
int ipcx_object_remove(const char *addr, unsigned flags, ipcx_list_fn fn,
		       void *arg);
int ipcx_object_remove_addr(const struct ipcx_addr *a, unsigned flags,
			    ipcx_list_fn fn, void *arg);

/* ---- signals ----------------------------------------------------------- */

/* The number of a signal name or number: "USR1", "SIGUSR1", "RTMIN+3",
 * "SIGRTMAX-1", "35"; -EINVAL when it is none. */
int ipcx_signal_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
