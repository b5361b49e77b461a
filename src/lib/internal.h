/* SPDX-License-Identifier: MIT */
/* Internal interfaces shared by the core and the facility files. */
#ifndef IPCX_INTERNAL_H
#define IPCX_INTERNAL_H

#include "ipcx.h"

#include <limits.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define IPCX__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors (error.c) -------------------------------------------------- */

/* Records a detail ("ADDR: what went wrong") and returns -ERR. */
int ipcx__fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The common failures of opening a named object of KIND ("queue", "FIFO")
 * in words: ENOENT (who creates it), EEXIST (excl=1), EACCES (its mode);
 * anything else as "WHAT: strerror".  Returns -ERR.
 */
int ipcx__fail_open(const char *addr, int err, const char *kind,
		    const char *what);

/* ---- addresses (addr.c) ------------------------------------------------ */

/* Options; a facility lists the ones it accepts as a mask of these bits. */
enum {
	IPCX__OPT_CREATE = 1u << 0,
	IPCX__OPT_EXCL = 1u << 1,
	IPCX__OPT_MODE = 1u << 2,
	IPCX__OPT_TIMEOUT = 1u << 3,
	IPCX__OPT_NONBLOCK = 1u << 4,
	IPCX__OPT_FRAMING = 1u << 5,
	IPCX__OPT_LISTEN = 1u << 6,
	IPCX__OPT_CONNECT = 1u << 7,
	IPCX__OPT_ALLOW_UID = 1u << 8,
	IPCX__OPT_TYPE = 1u << 9,
	IPCX__OPT_PRIO = 1u << 10,
	IPCX__OPT_PROJ = 1u << 11,
	IPCX__OPT_MAXMSG = 1u << 12,
	IPCX__OPT_MSGSIZE = 1u << 13,
	IPCX__OPT_SIZE = 1u << 14,
	IPCX__OPT_WAIT = 1u << 15,
	IPCX__OPT_NSEMS = 1u << 16,
	IPCX__OPT_INDEX = 1u << 17,
	IPCX__OPT_UNDO = 1u << 18,
	IPCX__OPT_START = 1u << 19,
	IPCX__OPT_LEN = 1u << 20,
	IPCX__OPT_OFD = 1u << 21,
	IPCX__OPT_SIG = 1u << 22,
};
/* What a ring channel over a region accepts besides the region's own. */
#define IPCX__OPT_RING (IPCX__OPT_TIMEOUT | IPCX__OPT_NONBLOCK | IPCX__OPT_WAIT)

/* Accepted by every scheme that takes options at all. */
#define IPCX__OPT_COMMON                                      \
	(IPCX__OPT_CREATE | IPCX__OPT_EXCL | IPCX__OPT_MODE | \
	 IPCX__OPT_TIMEOUT | IPCX__OPT_NONBLOCK)

/* Sentinels meaning "this option was not given" (int and long long
 * fields; -1 is a valid type= or prio= to mean). */
#define IPCX__UNSET (-1)
#define IPCX__UNSET_LL LLONG_MIN

struct ipcx__opts {
	int create, excl, nonblock, listen, connect; /* 0/1 or UNSET */
	int framing;	      /* 0 none, 1 length, or UNSET */
	int mode;	      /* permission bits, or UNSET */
	int timeout;	      /* milliseconds, or UNSET */
	int wait;	      /* rings: 0 adaptive, 1 spin, 2 futex, or UNSET */
	long long allow_uid;  /* or UNSET_LL */
	long long type, prio; /* message queues, or UNSET_LL */
	long long proj; /* ftok() project of a System V key, or UNSET_LL */
	long long maxmsg, msgsize; /* POSIX queue attributes, or UNSET_LL */
	long long size;		   /* regions: bytes, or UNSET_LL */
	long long nsems, index;	   /* sysvsem, or UNSET_LL */
	int undo;		   /* sysvsem SEM_UNDO: 0/1 or UNSET */
	long long start, len;	   /* fcntl lock range, or UNSET_LL */
	int ofd;		   /* fcntl: open file description locks */
	int sig;		   /* signal: the signal number, or UNSET */
	unsigned given;		   /* IPCX__OPT_* bits that appeared */
};

struct ipcx__addr {
	const struct ipcx_facility_ops *ops;
	const char *text; /* the address as given (for messages) */
	char *target;	  /* decoded TARGET, owned */
	struct ipcx__opts opt;
	/* Facility-specific result of parsing TARGET (ops->parse). */
	union {
		struct {
			struct sockaddr_storage ss;
			socklen_t len;
		} sock;
		struct {
			char *host; /* NULL or "" means any (listen) */
			char *port;
		} inet;
		struct {
			int key;      /* key_t; valid unless is_path */
			bool is_path; /* ftok(target, proj) at open */
			bool by_id;   /* "id:N": the object of that id */
			int id;
		} sysv;
	} u;
};

/*
 * Parses TEXT into A.  DEFAULTS ("timeout=5&create=1", may be NULL) are
 * options that apply where TEXT does not give them.  PAIR: TEXT is
 * "SCHEME[:?OPTS]" for ipcx_pair(), with no target.  -EINVAL with a detail.
 */
int ipcx__addr_parse(const char *text, const char *defaults, bool pair,
		     struct ipcx__addr *a);
void ipcx__addr_release(struct ipcx__addr *a);

/* Writes SCHEME:TARGET into BUF, TARGET escaped (%XX) where the parser
 * would read it otherwise; returns the length it needs (>= N: cut). */
int ipcx__addr_format(char *buf, size_t n, const char *scheme,
		      const char *target);

/* Applies the flags to what the address did not say explicitly. */
unsigned ipcx__addr_flags(const struct ipcx__addr *a, unsigned flags);

/* ---- channels (chan.c, fdio.c) ----------------------------------------- */

/* Receive state of framing=length, kept across partial reads. */
struct ipcx__frame {
	uint8_t hdr[4];
	uint8_t hdr_got; /* 0..4 */
	uint32_t body_len;
	uint32_t body_got; /* bytes already in body */
	uint8_t *body;	   /* stash when a read stopped mid-message */
};

struct ipcx_chan {
	const struct ipcx_facility_ops *ops;
	int rfd, wfd;	/* -1 when the direction is absent */
	unsigned flags; /* IPCX_* after address options */
	int timeout_ms; /* -1: wait forever */
	bool framed;	/* framing=length on a byte stream */
	bool listening;
	bool own_nonblock;  /* we set O_NONBLOCK on rfd/wfd ourselves */
	bool sigpipe_safe;  /* SIGPIPE ignored or handled: plain write() */
	bool plain_io;	    /* descriptor I/O with nothing to add: see chan.c */
	bool broken;	    /* a framed write stopped mid-message */
	bool keep_fd_flags; /* never set O_NONBLOCK: the fds are shared
			     * (stdio), or the facility waits by itself */
	struct ipcx__frame rx;
	char name[IPCX_ADDR_MAX + 96]; /* the address, for messages */
};

/*
 * Allocates SIZE bytes (a facility struct whose first member is struct
 * ipcx_chan) and initialises the core part from A and FLAGS.
 */
void *ipcx__chan_new(size_t size, const struct ipcx_facility_ops *ops,
		     const struct ipcx__addr *a, unsigned flags);
void *ipcx__chan_new_named(size_t size, const struct ipcx_facility_ops *ops,
			   const char *name, unsigned flags);

/* Frees a channel whose facility state is already released. */
void ipcx__chan_free(struct ipcx_chan *c);

/*
 * Applies nonblock/timeout: fds of a channel that must not wait in the
 * kernel become O_NONBLOCK, and SIGPIPE's disposition is sampled.
 */
int ipcx__chan_ready(struct ipcx_chan *c);

/* Absolute deadline helpers (CLOCK_MONOTONIC, milliseconds). */
int64_t ipcx__now_ms(void);
/* The time MS milliseconds from now on CLOCK, for the C library's
 * absolute timeouts. */
struct timespec ipcx__deadline_ts(clockid_t clock, int ms);

/*
 * Waits until FD has EVENTS, or C's deadline passes.  DEADLINE is -1 for
 * none.  0 ready; -ETIMEDOUT; -EAGAIN when C is non-blocking.
 */
int ipcx__wait_fd(const struct ipcx_chan *c, int fd, short events,
		  int64_t deadline);
int64_t ipcx__deadline(const struct ipcx_chan *c);

/* Generic byte-stream I/O on rfd/wfd: read(2)/write(2) with the rules of
 * DESIGN.md section 2 (EINTR, timeouts, SIGPIPE, partial writes). */
/* Writes all of IOV (at most 4 entries) to wfd, as ipcx_send() says. */
ssize_t ipcx__write_stream(struct ipcx_chan *c, const struct iovec *iov, int n,
			   bool sock);
ssize_t ipcx__fd_send(struct ipcx_chan *c, const struct iovec *iov, int n,
		      const struct ipcx_meta *m);
ssize_t ipcx__fd_recv(struct ipcx_chan *c, void *buf, size_t len,
		      struct ipcx_meta *m);
int ipcx__fd_shutdown(struct ipcx_chan *c);
int ipcx__fd_close(struct ipcx_chan *c);

/* Sets or clears O_NONBLOCK / FD_CLOEXEC. */
int ipcx__set_nonblock(int fd, bool on);

/*
 * For facilities with no descriptor to poll (System V): sleeps a step of
 * a backoff (1, 2, 4, 8, then 10 ms; *STEP holds the state, start at 0)
 * without passing DEADLINE (-1: none).  -ETIMEDOUT once it has passed.
 */
int ipcx__backoff(const struct ipcx_chan *c, int64_t deadline, int *step);

/*
 * System V keys (sysv.c): TARGET is 0x1f, 31, a PATH (ftok with proj=,
 * default 1), or "private".  ipcx__sysv_parse fills a->u.sysv;
 * ipcx__sysv_key gives the key at open (ftok needs the path to exist).
 */
int ipcx__sysv_parse(struct ipcx__addr *a);
int ipcx__sysv_key(const struct ipcx__addr *a, int *key);
/* The id of A's existing object: "id:N" when STAT_ID says it is one of
 * this kind (WHAT: "queue"), else GET of its key.  -ENOENT, ... */
int ipcx__sysv_lookup(const struct ipcx__addr *a, int (*get)(int key),
		      int (*stat_id)(int id), const char *what, int *id);
/* The key the object of A (not "id:N") has, to look it up in a listing:
 * -EINVAL for a private one, which has none. */
int ipcx__sysv_only_key(const struct ipcx__addr *a, const char *what, int *key);
struct ipcx__lister;
/* Lists the objects of /proc/sysvipc/FILE: ROW parses a LINE into O (the
 * key into *KEY) and returns 1, or 0 for a line that is no object, or a
 * negative errno; this does the rest (the address, ipcx__emit(), or the
 * one object L->only names, WHAT: "queue"). */
int ipcx__sysv_list(struct ipcx__lister *l, const struct ipcx_facility_ops *ops,
		    const char *file, const char *what,
		    int (*row)(struct ipcx__lister *l, const char *line,
			       struct ipcx_object *o, int *key));
/* The address of a System V object: SCHEME:0xKEY, or SCHEME:id:ID when it
 * is private. */
void ipcx__sysv_address(char *buf, size_t n, const char *scheme, int key,
			int id);

/* POSIX IPC names (posixmq, posixshm): one leading slash, no other,
 * at most NAME_MAX bytes after it.  -EINVAL with a detail. */
int ipcx__check_posix_name(const struct ipcx__addr *a, const char *what);

/* Reads one integer from a /proc file; -1 when it cannot. */
long long ipcx__read_proc(const char *path, int field);

/* Validates a filesystem path target (not empty, not too long). */
int ipcx__check_path(struct ipcx__addr *a);

/* ---- sockets (sock.c) -------------------------------------------------- */

ssize_t ipcx__sock_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m);
ssize_t ipcx__sock_recv(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m);
int ipcx__sock_shutdown(struct ipcx_chan *c);

/* Socket-facility state embedded after struct ipcx_chan. */
struct ipcx__sock {
	struct ipcx_chan c;
	int type;	 /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	bool is_message; /* datagram or seqpacket */
	bool bound_path; /* we bound a filesystem path: remove it at close */
	dev_t path_dev;
	ino_t path_ino;
	long long allow_uid; /* -1: anyone */
	size_t peek_below;   /* buffers smaller than this peek first */
	struct sockaddr_storage local, last;
	socklen_t last_len; /* last: who sent to us last */
	bool connected;	    /* has a default destination */
	bool passcred;	    /* SO_PASSCRED is on: datagrams carry creds */
	pid_t peer_pid;	    /* SO_PEERCRED of a connection, or -1 */
	uid_t peer_uid;
	/* Formats SA into OUT as an address of this facility. */
	void (*format)(const char *scheme, const struct sockaddr *sa,
		       socklen_t len, char *out, size_t n);
	/* Resolves an address string of this facility (ipcx_meta.peer). */
	int (*resolve)(struct ipcx_chan *c, const char *addr,
		       struct sockaddr_storage *ss, socklen_t *len);
};

/* Creates a socket-channel struct around FD. */
struct ipcx__sock *ipcx__sock_wrap(const struct ipcx_facility_ops *ops,
				   const char *name, unsigned flags, int fd,
				   int type);
int ipcx__sock_accept(struct ipcx_chan *l, struct ipcx_chan **out);
int ipcx__sock_close(struct ipcx_chan *c);
int ipcx__sock_unlink_self(const struct ipcx_chan *c);
int ipcx__sock_get(const struct ipcx_chan *c, struct ipcx_chan_info *i);
/* Connects FD to SA honouring C's timeout. */
int ipcx__sock_connect(struct ipcx_chan *c, int fd, const struct sockaddr *sa,
		       socklen_t len);

/* ---- regions (region.c) ------------------------------------------------ */

struct ipcx_region {
	const struct ipcx_facility_ops *ops;
	void *base;
	size_t size;
	int fd;	 /* the backing descriptor (posixshm, mmap), or -1 */
	long id; /* shmid (sysvshm), or -1 */
	/* Set by the caller of region_open: SIZE is only for creating; an
	 * object that exists is mapped whole (rings). */
	bool size_if_new;
	char name[IPCX_ADDR_MAX + 96];
};

/* Maps SIZE bytes of FD (shared, read and write) into R. */
int ipcx__region_map(struct ipcx_region *r, int fd, size_t size);

/* The size to map: the address's size=, else SIZE; when the object
 * exists with CUR bytes, 0 means all of it and more than CUR is refused
 * (touching pages past the end of the object raises SIGBUS). */
int ipcx__region_size(const struct ipcx__addr *a, const struct ipcx_region *r,
		      size_t size, bool exists, size_t cur, size_t *out);

/* How a facility opens and removes the object behind a descriptor. */
struct ipcx__fd_object {
	const char *kind; /* "file", for messages */
	const char *call; /* "open", for messages */
	int (*open)(const char *name, int oflag, mode_t mode);
	int (*remove)(const char *name);
};

/*
 * Regions backed by a descriptor (posixshm, mmap): opens a->target with
 * O->open (creating it, mode exact, with IPCX_CREATE; never through a
 * symlink then), checks it is a regular file, sizes it (ftruncate when
 * created), maps it and keeps the fd in R.  On failure nothing is left:
 * what this call created is removed with O->remove.
 */
int ipcx__region_fd_open(const struct ipcx__addr *a, unsigned flags,
			 size_t size, struct ipcx_region *r,
			 const struct ipcx__fd_object *o);
int ipcx__region_fd_check(const struct ipcx_region *r);
void ipcx__region_fd_close(struct ipcx_region *r);

/* ---- the facility table (registry.c) ----------------------------------- */

/*
 * One facility.  Operations and their contracts:
 *  parse    checks and decodes a->target; no system calls.  -EINVAL.
 *  open     opens a channel; may block up to the address's timeout.
 *           On failure nothing is left behind (no fd, no created path).
 *  pair     two connected ends, for fork.
 *  accept   one connection from a listener (may block up to its timeout).
 *  send     as ipcx_send(), after the core has handled framing and checks.
 *  recv     as ipcx_recv(), for the facility's own unit (bytes or message).
 *  shutdown half-close of the sending direction.
 *  close    releases everything, including the struct; never fails to free.
 *  unlink   removes the named object.
 *  limits   fills live limits, returns the count.
 *  get      fills the facility-specific part of struct ipcx_chan_info.
 *  unlink_self removes the name the channel created; async-signal-safe.
 * A NULL operation means "not supported": the core returns -EOPNOTSUPP.
 */
/* ---- live objects (objects.c) ---------------------------------------------
 */

struct stat;
struct ipcx__procs; /* a snapshot of every process's descriptors and maps */

struct ipcx__lister {
	const struct ipcx__addr *only; /* one object (ipcx_object_find) */
	ipcx_list_fn fn;
	void *arg;
	struct ipcx__procs *procs; /* made on first use */
	struct ipcx_holder *hbuf;  /* holders of the object being emitted */
	size_t hcap;
	int found; /* objects emitted */
};

/* Fills the common fields of O (figures -1, FACILITY from OPS). */
void ipcx__object_init(struct ipcx_object *o,
		       const struct ipcx_facility_ops *ops);
/* Fills O's id (inode), owner, mode, size and time of change from ST. */
void ipcx__object_stat(struct ipcx_object *o, const struct stat *st);
/* Sets O's holders: processes with (DEV, INO) open or mapped (DEV
 * IPCX__SYSV_DEV: a System V segment of id INO). */
#define IPCX__SYSV_DEV ((dev_t)-1)
int ipcx__holders(struct ipcx__lister *l, dev_t dev, ino_t ino,
		  struct ipcx_object *o);
/* Adds the holders of (DEV, INO) to O's (after ipcx__holders()). */
int ipcx__holders_add(struct ipcx__lister *l, dev_t dev, ino_t ino,
		      struct ipcx_object *o);
/* Hands O to the caller's function; its non-zero return stops all. */
int ipcx__emit(struct ipcx__lister *l, struct ipcx_object *o);
/* Whether PID is a live process (0 and -1 are not). */
bool ipcx__alive(pid_t pid);
/* A FIFO some process holds open: calls FN(path, dev, ino) for each. */
int ipcx__held_fifos(struct ipcx__lister *l,
		     int (*fn)(struct ipcx__lister *l, const char *path,
			       dev_t dev, ino_t ino));
/* The path of (DEV, INO) as a process that has it open names it, into
 * BUF; false when no process shows one. */
bool ipcx__path_of(struct ipcx__lister *l, dev_t dev, ino_t ino, char *buf,
		   size_t n);
/* Notes a facility that could not be listed (ipcx_list_warning()). */
void ipcx__list_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Lists the entries of the directory DIR whose names start with PREFIX
 * (NULL: all but those starting with SKIP) as SCHEME:/NAME (the prefix
 * removed). */
int ipcx__list_shm_dir(struct ipcx__lister *l,
		       const struct ipcx_facility_ops *ops, const char *dir,
		       const char *prefix, const char *skip);
/* /proc/locks rows of KIND ("FLOCK", "POSIX" and "OFDLCK") as objects. */
int ipcx__list_locks(struct ipcx__lister *l,
		     const struct ipcx_facility_ops *ops, bool flock);

struct ipcx_facility_ops {
	struct ipcx_facility info; /* first: the public row */
	unsigned options;	   /* IPCX__OPT_* accepted */
	bool no_options;	   /* everything after "scheme:" is TARGET */
	int (*parse)(struct ipcx__addr *a);
	int (*open)(const struct ipcx__addr *a, unsigned flags,
		    struct ipcx_chan **out);
	int (*pair)(struct ipcx_chan **a, struct ipcx_chan **b);
	int (*accept)(struct ipcx_chan *l, struct ipcx_chan **out);
	ssize_t (*send)(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m);
	ssize_t (*recv)(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m);
	int (*shutdown)(struct ipcx_chan *c);
	int (*close)(struct ipcx_chan *c);
	int (*unlink)(const struct ipcx__addr *a);
	int (*limits)(struct ipcx_limit *out, size_t max);
	int (*get)(const struct ipcx_chan *c, struct ipcx_chan_info *i);
	int (*unlink_self)(const struct ipcx_chan *c); /* signal-safe */
	/* Regions: map SIZE bytes (0: all of an existing object) into a
	 * struct ipcx_region the core allocated; on failure nothing is left
	 * (no mapping, no fd, no object this call created). */
	int (*region_open)(const struct ipcx__addr *a, unsigned flags,
			   size_t size, struct ipcx_region *r);
	/* Checks that the backing object still covers the mapping. */
	int (*region_check)(const struct ipcx_region *r);
	void (*region_close)(struct ipcx_region *r);
	/* Zero-copy (rings): reserve LEN bytes to write in place, commit
	 * what was written; peek at the next message, release it.  Between
	 * the two calls the side's lock is held. */
	int (*reserve)(struct ipcx_chan *c, size_t len, void **ptr);
	int (*commit)(struct ipcx_chan *c, size_t len);
	int (*peek)(struct ipcx_chan *c, const void **ptr, size_t *len);
	int (*release)(struct ipcx_chan *c);
	/* A pollable descriptor made on demand (rings); NULL: rfd/wfd. */
	int (*fd)(struct ipcx_chan *c);
	/* Semaphores: open (creating with INITIAL), post, wait (TIMEOUT_MS
	 * -1: forever, 0: not at all), value, remove, close. */
	int (*sem_open)(const struct ipcx__addr *a, unsigned flags,
			unsigned initial, struct ipcx_sem **out);
	int (*sem_post)(struct ipcx_sem *s);
	int (*sem_wait)(struct ipcx_sem *s, int timeout_ms);
	int (*sem_value)(const struct ipcx_sem *s);
	int (*sem_unlink)(struct ipcx_sem *s);
	int (*sem_close)(struct ipcx_sem *s);
	/* File locks: open; take HOW, waiting in the kernel when WAIT (a
	 * signal interrupts it: -EINTR); release; the pid of a holder that
	 * conflicts with HOW (0: none). */
	int (*lock_open)(const struct ipcx__addr *a, unsigned flags,
			 struct ipcx_lock **out);
	int (*lock_take)(struct ipcx_lock *l, int how, bool wait);
	int (*lock_release)(struct ipcx_lock *l);
	int (*lock_holder)(struct ipcx_lock *l, int how, pid_t *pid);
	/* Live objects (objects.c): ipcx__emit() each one, or only the one
	 * L->only names (then -ENOENT, or -EINVAL for another kind). */
	int (*list)(struct ipcx__lister *l);
};

/* ---- semaphores and locks (sync.c) -------------------------------------- */

/* The core of every semaphore; a facility's own state follows it. */
struct ipcx_sem {
	const struct ipcx_facility_ops *ops;
	unsigned flags; /* IPCX_NONBLOCK after the address's options */
	int timeout_ms; /* -1: forever */
	char name[IPCX_ADDR_MAX + 96];
};

/* The core of every lock; the facility's state follows it. */
struct ipcx_lock {
	const struct ipcx_facility_ops *ops;
	unsigned flags;
	int timeout_ms;
	int fd;	  /* the open file */
	int held; /* 0, IPCX_LOCK_SHARED, IPCX_LOCK_EXCLUSIVE */
	char name[IPCX_ADDR_MAX + 96];
};

/* Allocates SIZE bytes (a facility's struct, core first) for address A. */
void *ipcx__sem_new(size_t size, const struct ipcx__addr *a, unsigned flags);
void *ipcx__lock_new(size_t size, const struct ipcx__addr *a, unsigned flags);

/* Opens the file of a lock address: O_RDWR, else O_RDONLY; creates it
 * 0600 (O_EXCL | O_NOFOLLOW) with IPCX_CREATE; a regular file only. */
int ipcx__lock_file(const struct ipcx__addr *a, unsigned flags, int *fd);

/* A holder in /proc/locks of a lock of KIND ("FLOCK", "POSIX", "OFDLCK")
 * on FD's file that conflicts with a lock (WANT_WRITE or read) of
 * [START, START + LEN) (LEN 0: to the end), other than pid SKIP: 1 and
 * *PID (-1 for an open file description's), or 0. */
int ipcx__proc_locks(int fd, const char *kind, bool want_write, long long start,
		     long long len, pid_t skip, pid_t *pid);

/* Unnamed POSIX semaphores in a region (posixsem.c). */
int ipcx__posixsem_place(struct ipcx_region *r, size_t offset, bool init,
			 unsigned initial, struct ipcx_sem **out);

/* Checks that [OFFSET, OFFSET + SIZE) lies in R and OFFSET is aligned to
 * 8; WHAT names the object for the detail.  Returns the address. */
void *ipcx__region_place(struct ipcx_region *r, size_t offset, size_t size,
			 const char *what);

/* The ring channel (ring/ring.c), for every region facility's table. */
int ipcx__ring_open(const struct ipcx__addr *a, unsigned flags,
		    struct ipcx_chan **out);
ssize_t ipcx__ring_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m);
ssize_t ipcx__ring_recv(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m);
int ipcx__ring_close(struct ipcx_chan *c);
int ipcx__ring_get(const struct ipcx_chan *c, struct ipcx_chan_info *i);
int ipcx__ring_reserve(struct ipcx_chan *c, size_t len, void **ptr);
int ipcx__ring_commit(struct ipcx_chan *c, size_t len);
int ipcx__ring_peek(struct ipcx_chan *c, const void **ptr, size_t *len);
int ipcx__ring_release(struct ipcx_chan *c);
int ipcx__ring_fd(struct ipcx_chan *c);

/* The ring operations, as every region facility lists them. */
#define IPCX__RING_OPS                                        \
	.open = ipcx__ring_open, .send = ipcx__ring_send,     \
	.recv = ipcx__ring_recv, .close = ipcx__ring_close,   \
	.get = ipcx__ring_get, .reserve = ipcx__ring_reserve, \
	.commit = ipcx__ring_commit, .peek = ipcx__ring_peek, \
	.release = ipcx__ring_release, .fd = ipcx__ring_fd

const struct ipcx_facility_ops *ipcx__facility_ops(const char *scheme,
						   size_t len);

extern const struct ipcx_facility_ops ipcx__pipe_ops;
extern const struct ipcx_facility_ops ipcx__fifo_ops;
extern const struct ipcx_facility_ops ipcx__unix_ops;
extern const struct ipcx_facility_ops ipcx__unix_dgram_ops;
extern const struct ipcx_facility_ops ipcx__unix_seqpacket_ops;
extern const struct ipcx_facility_ops ipcx__tcp_ops;
extern const struct ipcx_facility_ops ipcx__udp_ops;
extern const struct ipcx_facility_ops ipcx__pty_ops;
extern const struct ipcx_facility_ops ipcx__exec_ops;
extern const struct ipcx_facility_ops ipcx__stdio_ops;
extern const struct ipcx_facility_ops ipcx__sysvmq_ops;
extern const struct ipcx_facility_ops ipcx__sysvsem_ops;
extern const struct ipcx_facility_ops ipcx__posixsem_ops;
extern const struct ipcx_facility_ops ipcx__flock_ops;
extern const struct ipcx_facility_ops ipcx__fcntl_ops;
extern const struct ipcx_facility_ops ipcx__signal_ops;
extern const struct ipcx_facility_ops ipcx__posixmq_ops;
extern const struct ipcx_facility_ops ipcx__posixshm_ops;
extern const struct ipcx_facility_ops ipcx__sysvshm_ops;
extern const struct ipcx_facility_ops ipcx__anon_ops;
extern const struct ipcx_facility_ops ipcx__mmap_ops;

/* Limits shared by several facilities (limits.c). */
size_t ipcx__limits_fd(struct ipcx_limit *out, size_t max);
/* Appends ROWS to OUT[N..MAX); returns the new count. */
size_t ipcx__limits_add(struct ipcx_limit *out, size_t n, size_t max,
			const struct ipcx_limit *rows, size_t nrows);
size_t ipcx__limits_pipe(struct ipcx_limit *out, size_t max);
size_t ipcx__limits_sockbuf(struct ipcx_limit *out, size_t max);

/* Spawns "/bin/sh -c CMD" with stdin/stdout on IN/OUT (-1: inherit). */
int ipcx__spawn_shell(const char *cmd, int in, int out, pid_t *pid);
int ipcx__reap(pid_t pid);

#endif
