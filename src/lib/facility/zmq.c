/* SPDX-License-Identifier: MIT */
/*
 * ZeroMQ sockets (libzmq): zmq:ENDPOINT?type=push|pull|pub|sub|req|rep|
 * dealer|router|pair&bind=1&subscribe=A,B&hwm=N.  Message semantics; a
 * message of several frames is carried whole (ipcx-zmq(7)).  Built when
 * libzmq is found; otherwise the scheme is listed and says so.
 */
#include "../internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const zmq_type_names[] = {
	"push", "pull",	  "pub",    "sub",  "req",
	"rep",	"dealer", "router", "pair", NULL,
};

static const struct ipcx__opt opt_type = {
	.pub = {"type",
		"push, pull, pub, sub, req, rep, dealer, router or pair",
		"pair", "the ZeroMQ socket type"},
	.kind = IPCX__OPT_ENUM,
	.roles = IPCX__ROLE_CHAN,
	.def = 8, /* pair */
	.names = zmq_type_names,
};

static const struct ipcx__opt opt_bind = {
	.pub = {"bind", "1 or 0", "0 (connect)",
		"bind to ENDPOINT (else connect to it)"},
	.kind = IPCX__OPT_BOOL,
	.roles = IPCX__ROLE_CHAN,
};

/* Any text: the prefixes are read with ipcx__opt_text(). */
static int parse_any(const char *v, long long *out)
{
	(void)v;
	*out = 1;
	return 0;
}

static const struct ipcx__opt opt_subscribe = {
	.pub = {"subscribe", "prefixes, comma-separated (%2C for a comma)",
		"everything",
		"what a sub socket receives: messages that start "
		"with one of the prefixes"},
	.kind = IPCX__OPT_CUSTOM,
	.roles = IPCX__ROLE_CHAN,
	.parse = parse_any,
};

static const struct ipcx__opt opt_hwm = {
	.pub = {"hwm", "an integer from 0 (none) to 2147483647", "1000",
		"high-water mark: messages queued each way before a send "
		"waits (or a pub socket drops)"},
	.kind = IPCX__OPT_INT,
	.roles = IPCX__ROLE_CHAN,
	.min = 0,
	.max = 2147483647,
	.def = 1000,
};

static const struct ipcx__opt *const zmq_opts[] = {
	&opt_type, &opt_bind, &opt_subscribe, &opt_hwm, NULL,
};

#ifdef IPCX_HAVE_ZMQ

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

static const int zmq_types[] = {
	ZMQ_PUSH, ZMQ_PULL,   ZMQ_PUB,	  ZMQ_SUB,  ZMQ_REQ,
	ZMQ_REP,  ZMQ_DEALER, ZMQ_ROUTER, ZMQ_PAIR,
};

/* The process's context, made with its first socket and ended with its
 * last (zmq_ctx_term waits for what the sockets still send, up to
 * their linger), so that a short program's last message goes out. */
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static void *ctx;
static int nsockets;

struct zchan {
	struct ipcx_chan c;
	void *sock;
	int zfd;	 /* ZMQ_FD */
	int pending;	 /* eventfd: set while a message waits (ipcx_fd) */
	int ep;		 /* epoll of both, or -1 */
	bool flagged;	 /* the eventfd is set */
	bool sends_only; /* push, pub: never a message to wait for */
	/* A message taken but not delivered (buffer too small): as the
	 * caller will see it. */
	unsigned char *held;
	size_t held_len, held_cap;
	zmq_msg_t part; /* each frame received (libzmq reuses it) */
	long held_frames;
	bool holding;
};

static int zfail(const struct ipcx_chan *c, int err, const char *what)
{
	return ipcx__fail(err, "%s: %s: %s", c->name, what, zmq_strerror(err));
}

/* A child of fork() cannot use its parent's context (its I/O threads
 * stayed behind): it starts its own with its first socket. */
static void ctx_prepare(void)
{
	pthread_mutex_lock(&ctx_lock);
}

static void ctx_parent(void)
{
	pthread_mutex_unlock(&ctx_lock);
}

static void ctx_child(void)
{
	ctx = NULL;
	nsockets = 0;
	pthread_mutex_unlock(&ctx_lock);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void watch_forks(void)
{
	pthread_atfork(ctx_prepare, ctx_parent, ctx_child);
}

static void *ctx_get(void)
{
	pthread_once(&fork_once, watch_forks);
	pthread_mutex_lock(&ctx_lock);
	if (!ctx)
		ctx = zmq_ctx_new();
	if (ctx)
		nsockets++;
	void *c = ctx;
	pthread_mutex_unlock(&ctx_lock);
	return c;
}

static void ctx_put(void)
{
	pthread_mutex_lock(&ctx_lock);
	if (--nsockets == 0) {
		zmq_ctx_term(ctx);
		ctx = NULL;
	}
	pthread_mutex_unlock(&ctx_lock);
}

/* Keeps the eventfd of ipcx_fd() set exactly while a message waits:
 * ZMQ_FD only says that the state changed, and a send or receive may
 * take that news without a message being gone.  Only this channel
 * changes the eventfd, so its state is known: a system call only when it
 * changes (a relay sending a stream of messages makes none). */
static __attribute__((noinline)) void settle_polled(struct zchan *z)
{
	int ev = 0;
	size_t len = sizeof(ev);
	uint64_t v = 1;

	if (zmq_getsockopt(z->sock, ZMQ_EVENTS, &ev, &len) < 0)
		return;
	bool want = (ev & ZMQ_POLLIN) || z->holding;
	if (want == z->flagged)
		return;
	if (want ? write(z->pending, &v, sizeof(v)) == sizeof(v)
		 : read(z->pending, &v, sizeof(v)) == sizeof(v))
		z->flagged = want;
}

/* After every call: nothing to do until somebody polls. */
static inline void settle(struct zchan *z)
{
	if (z->ep >= 0 && !z->sends_only)
		settle_polled(z);
}

static int subscribe(struct zchan *z, const struct ipcx_addr *a)
{
	char text[IPCX_ADDR_MAX];
	int r = ipcx__opt_text(a, &opt_subscribe, text, sizeof(text));

	if (r < 0)
		return r;
	if (r == 0) /* everything */
		return zmq_setsockopt(z->sock, ZMQ_SUBSCRIBE, "", 0) < 0
			       ? zfail(&z->c, errno, "subscribe")
			       : 0;
	for (char *p = text, *end; p; p = end ? end + 1 : NULL) {
		end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (zmq_setsockopt(z->sock, ZMQ_SUBSCRIBE, p, n) < 0)
			return zfail(&z->c, errno, "subscribe");
	}
	return 0;
}

static int zmq_close_chan(struct ipcx_chan *c)
{
	struct zchan *z = (struct zchan *)c;

	if (z->sock) {
		zmq_close(z->sock);
		ctx_put();
	}
	if (z->ep >= 0)
		close(z->ep);
	if (z->pending >= 0)
		close(z->pending);
	zmq_msg_close(&z->part);
	free(z->held);
	ipcx__chan_free(c);
	return 0;
}

static int zmq_open_chan(const struct ipcx_addr *a, unsigned flags,
			 struct ipcx_chan **out)
{
	int type = zmq_types[ipcx__opt(a, &opt_type)];
	bool bind = ipcx__opt(a, &opt_bind);
	struct zchan *z = ipcx__chan_new(sizeof(*z), a, flags);
	int hwm = (int)ipcx__opt(a, &opt_hwm), r = 0;
	size_t len = sizeof(z->zfd);

	if (!z)
		return -ENOMEM;
	z->zfd = z->pending = z->ep = -1;
	zmq_msg_init(&z->part);
	z->sends_only = type == ZMQ_PUSH || type == ZMQ_PUB;
	void *cx = ctx_get();
	if (!cx || !(z->sock = zmq_socket(cx, type))) {
		r = zfail(&z->c, errno, "zmq_socket");
		if (cx)
			ctx_put();
		goto fail;
	}
	/* Waits are timeout= (none: forever); closing waits as long for
	 * what is still queued to go. */
	int ms = z->c.timeout_ms;
	if (zmq_setsockopt(z->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_SNDTIMEO, &ms, sizeof(ms)) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_RCVTIMEO, &ms, sizeof(ms)) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_LINGER, &ms, sizeof(ms)) < 0) {
		r = zfail(&z->c, errno, "zmq_setsockopt");
		goto fail;
	}
	if (type == ZMQ_SUB && (r = subscribe(z, a)) < 0)
		goto fail;
	if ((bind ? zmq_bind(z->sock, a->target)
		  : zmq_connect(z->sock, a->target)) < 0) {
		int e = errno;
		r = e == EADDRINUSE
			    ? ipcx__fail(e, "%s: address in use", a->text)
		    : e == EPROTONOSUPPORT
			    ? ipcx__fail(e,
					 "%s: a transport libzmq does not know "
					 "(tcp://, ipc://, inproc://, ...)",
					 a->text)
		    : e == EINVAL ? ipcx__fail(e, "%s: not a libzmq endpoint",
					       a->text)
				  : zfail(&z->c, e, bind ? "bind" : "connect");
		goto fail;
	}
	if (zmq_getsockopt(z->sock, ZMQ_FD, &z->zfd, &len) < 0) {
		r = zfail(&z->c, errno, "ZMQ_FD");
		goto fail;
	}
	*out = &z->c;
	return 0;
fail:
	zmq_close_chan(&z->c);
	return r;
}

/* A failed zmq_send/zmq_msg_recv in words (ERR is its errno). */
static int io_fail(struct zchan *z, int err, bool send)
{
	switch (err) {
	case EAGAIN:
		if (ipcx__nowait(&z->c))
			return ipcx__fail(EAGAIN, "%s: %s (nonblock)",
					  z->c.name,
					  send ? "the queue is full"
					       : "nothing to receive");
		return ipcx__fail(ETIMEDOUT, "%s: timed out after %d ms",
				  z->c.name, z->c.timeout_ms);
	case EFSM:
		/* Polled (ipcx_fd() taken), a receive out of turn is a
		 * wake-up of the descriptor for the turn to send (ZMQ_FD
		 * tells of every change): nothing to receive yet. */
		if (!send && z->ep >= 0)
			return ipcx__fail(EAGAIN,
					  "%s: nothing to receive: its turn "
					  "is to send (a wake-up of its "
					  "descriptor with no message)",
					  z->c.name);
		return ipcx__fail(EPROTO,
				  "%s: out of turn: a req socket sends, then "
				  "receives the reply; a rep socket receives, "
				  "then replies",
				  z->c.name);
	case ENOTSUP:
		return ipcx__fail(EOPNOTSUPP, "%s: this socket type cannot %s",
				  z->c.name, send ? "send" : "receive");
	case EHOSTUNREACH:
		return ipcx__fail(EHOSTUNREACH,
				  "%s: no peer with that identity", z->c.name);
	default: return zfail(&z->c, err, send ? "send" : "receive");
	}
}

/* A signal during a wait: -EINTR with IPCX_INTR, else go on. */
static int interrupted(struct zchan *z)
{
	return ipcx__eintr(&z->c);
}

static ssize_t zmq_send_chan(struct ipcx_chan *c, const struct iovec *iov,
			     int n, const struct ipcx_meta *m)
{
	struct zchan *z = (struct zchan *)c;
	int flags = (c->flags & IPCX_NONBLOCK) ? ZMQ_DONTWAIT : 0;
	size_t len = 0;
	unsigned char *joined = NULL;
	const unsigned char *p;
	long frames = m && (m->valid & IPCX_META_TYPE) ? m->type : 1;

	if (n == 1 && frames <= 1) {
		/* One frame from one buffer: the common case, one call. */
		while (zmq_send(z->sock, iov[0].iov_base, iov[0].iov_len,
				flags) < 0) {
			int e = errno;
			if (e == EINTR && interrupted(z) == 0)
				continue;
			settle(z);
			return e == EINTR ? -EINTR : io_fail(z, e, true);
		}
		settle(z);
		return (ssize_t)iov[0].iov_len;
	}
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (n == 1) {
		p = iov[0].iov_base;
	} else {
		if (!(joined = malloc(len ? len : 1)))
			return -ENOMEM;
		for (size_t i = 0, at = 0; i < (size_t)n; i++) {
			memcpy(joined + at, iov[i].iov_base, iov[i].iov_len);
			at += iov[i].iov_len;
		}
		p = joined;
	}
	/* Several frames: each a 4-byte little-endian length and its bytes
	 * (as a receive delivers them); checked whole before any goes. */
	size_t at = 0;
	for (long f = 0; frames > 1 && f < frames; f++) {
		uint32_t fl;
		if (len - at < 4 ||
		    (memcpy(&fl, p + at, 4), len - at - 4 < fl)) {
			free(joined);
			return ipcx__fail(
				EINVAL,
				"%s: meta type %ld says %ld frames, "
				"but the message does not hold them "
				"(each a 4-byte length and its bytes)",
				c->name, frames, frames);
		}
		at += 4 + fl;
	}
	if (frames > 1 && at != len) {
		free(joined);
		return ipcx__fail(EINVAL,
				  "%s: bytes after the last of %ld frames",
				  c->name, frames);
	}
	at = 0;
	for (long f = 0; f < (frames > 1 ? frames : 1);) {
		uint32_t fl = (uint32_t)len;
		const unsigned char *b = p;
		if (frames > 1) {
			memcpy(&fl, p + at, 4);
			b = p + at + 4;
		}
		bool more = frames > 1 && f + 1 < frames;
		if (zmq_send(z->sock, b, fl, flags | (more ? ZMQ_SNDMORE : 0)) <
		    0) {
			int e = errno;
			/* Never leave a message half sent: a later frame
			 * is retried whatever the signal. */
			if (e == EINTR && (f > 0 || interrupted(z) == 0))
				continue;
			free(joined);
			settle(z);
			/* A later frame cannot fail once the first went
			 * (libzmq queues the whole message atomically). */
			return e == EINTR ? -EINTR : io_fail(z, e, true);
		}
		at += 4 + fl;
		f++;
	}
	free(joined);
	settle(z);
	return (ssize_t)len;
}

/* Appends one frame to the held message (several frames: encoded). */
static int hold(struct zchan *z, zmq_msg_t *part, bool framed)
{
	size_t fl = zmq_msg_size(part), need = z->held_len + fl + 4;

	if (need > z->held_cap) {
		size_t cap = need < 4096 ? 4096 : need * 2;
		unsigned char *b = realloc(z->held, cap);
		if (!b)
			return -ENOMEM;
		z->held = b;
		z->held_cap = cap;
	}
	if (framed) {
		uint32_t l = (uint32_t)fl;
		memcpy(z->held + z->held_len, &l, 4);
		z->held_len += 4;
	}
	memcpy(z->held + z->held_len, zmq_msg_data(part), fl);
	z->held_len += fl;
	return 0;
}

/*
 * Takes the next whole message: a message of one frame that fits LEN goes
 * straight into BUF (one copy, as zmq_recv() makes) and its size is
 * returned; any other is kept in z->held (several frames encoded) and 0
 * returned, or -errno.
 */
static ssize_t take(struct zchan *z, void *buf, size_t len)
{
	int flags = ipcx__nowait(&z->c) ? ZMQ_DONTWAIT : 0, more = 0;
	zmq_msg_t *part = &z->part;
	int r = 0;

	z->held_len = 0;
	z->held_frames = 0;
	do {
		int got;
		while ((got = zmq_msg_recv(part, z->sock, flags)) < 0) {
			int e = errno;
			if (e == EINTR &&
			    (z->held_frames || interrupted(z) == 0))
				continue; /* never leave a message half taken */
			return e == EINTR ? -EINTR : io_fail(z, e, false);
		}
		more = zmq_msg_more(part);
		/* Its size (zmq_msg_recv says INT_MAX for anything larger). */
		size_t n = got < INT_MAX ? (size_t)got : zmq_msg_size(part);
		if (z->held_frames == 0 && !more && n <= len) {
			memcpy(buf, zmq_msg_data(part), n);
			z->held_frames = 1;
			return (ssize_t)n;
		}
		/* One frame: the message is its bytes; several: each a
		 * length and its bytes. */
		r = hold(z, part, z->held_frames > 0 || more);
		z->held_frames++;
	} while (more && r == 0);
	if (r < 0)
		return r;
	z->holding = true;
	return 0;
}

static ssize_t zmq_recv_chan(struct ipcx_chan *c, void *buf, size_t len,
			     struct ipcx_meta *m)
{
	struct zchan *z = (struct zchan *)c;
	ssize_t r = 0;

	if (!z->holding)
		r = take(z, buf, len);
	if (r != 0 || !z->holding) {
		/* An error, or delivered at once (an empty message too). */
		if (r >= 0 && m) {
			m->size = (size_t)r;
			m->type = 1;
			m->valid |= IPCX_META_TYPE;
		}
		settle(z);
		return r;
	}
	if (m) {
		m->size = z->held_len;
		m->type = z->held_frames;
		m->valid |= IPCX_META_TYPE;
	}
	if (z->held_len > len) {
		settle(z);
		return ipcx__fail(EMSGSIZE,
				  "%s: a message of %zu bytes does not fit a "
				  "buffer of %zu",
				  c->name, z->held_len, len);
	}
	memcpy(buf, z->held, z->held_len);
	z->holding = false;
	settle(z);
	return (ssize_t)z->held_len;
}

static int zmq_fd_chan(struct ipcx_chan *c)
{
	struct zchan *z = (struct zchan *)c;
	struct epoll_event ev = {.events = EPOLLIN};

	if (z->ep >= 0)
		return z->ep;
	z->pending = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	z->ep = epoll_create1(EPOLL_CLOEXEC);
	if (z->pending < 0 || z->ep < 0 ||
	    epoll_ctl(z->ep, EPOLL_CTL_ADD, z->zfd, &ev) < 0 ||
	    epoll_ctl(z->ep, EPOLL_CTL_ADD, z->pending, &ev) < 0) {
		int e = ipcx__fail(errno, "%s: epoll: %m", c->name);
		if (z->ep >= 0)
			close(z->ep);
		if (z->pending >= 0)
			close(z->pending);
		z->ep = z->pending = -1;
		return e;
	}
	settle(z);
	return z->ep;
}

static int zmq_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	const struct zchan *z = (const struct zchan *)c;
	char ep[IPCX_ADDR_MAX];
	size_t len = sizeof(ep);

	i->semantics = IPCX_MESSAGE;
	i->eof_is_zero = false; /* an empty message is a message */
	/* Where it is bound or connected (a port libzmq chose for *). */
	if (zmq_getsockopt(z->sock, ZMQ_LAST_ENDPOINT, ep, &len) == 0 && ep[0])
		snprintf(i->local, sizeof(i->local), "zmq:%.*s",
			 (int)sizeof(ep) - 8, ep);
	return 0;
}

static const struct ipcx__chan_ops zmq_chan = {
	.open = zmq_open_chan,
	.send = zmq_send_chan,
	.recv = zmq_recv_chan,
	.close = zmq_close_chan,
	.get = zmq_get,
	.fd = zmq_fd_chan,
};

static int zmq_parse(struct ipcx_addr *a)
{
	if (!strstr(a->target, "://"))
		return ipcx__fail(EINVAL,
				  "'%s': a libzmq endpoint is "
				  "TRANSPORT://ADDRESS (tcp://host:port, "
				  "ipc:///path, inproc://name)",
				  a->text);
	return 0;
}

#define ZMQ_TITLE "ZeroMQ socket (libzmq)"
#define ZMQ_CAPS                                                \
	(IPCX_CAP_NETWORK | IPCX_CAP_POLL | IPCX_CAP_CONNLESS | \
	 IPCX_CAP_CHANNEL)
#define ZMQ_CHAN (&zmq_chan)

#else /* no libzmq */

static int zmq_parse(struct ipcx_addr *a)
{
	return ipcx__fail(EOPNOTSUPP,
			  "'%s': this ipcx was built without libzmq (install "
			  "libzmq3-dev, or libzmq's headers, and build again)",
			  a->text);
}

#define ZMQ_TITLE "ZeroMQ socket (not built: no libzmq)"
#define ZMQ_CAPS 0u
#define ZMQ_CHAN NULL

#endif

const struct ipcx__facility ipcx__zmq_ops = {
	.info = {.scheme = "zmq",
		 .title = ZMQ_TITLE,
		 .name = "a libzmq endpoint: tcp://host:port, ipc://path, ...",
		 .handle = "void *",
		 .standard = "ZeroMQ (libzmq)",
		 .semantics = IPCX_MESSAGE,
		 .caps = ZMQ_CAPS},
	.common = IPCX__COMMON_WAITS,
	.opts = zmq_opts,
	.parse = zmq_parse,
	.chan = ZMQ_CHAN,
};
