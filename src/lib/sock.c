/* SPDX-License-Identifier: MIT */
/* Socket I/O shared by the UNIX and Internet facilities. */
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const struct ipcx__opt ipcx__opt_listen = {
	.pub = {"listen", "0 or 1", "the command's side (recv listens)",
		"bind and listen on the address (the server side)"},
	.kind = IPCX__OPT_BOOL,
	.roles = IPCX__ROLE_CHAN,
	.flag = IPCX_LISTEN,
	.clears = IPCX_CONNECT,
};

const struct ipcx__opt ipcx__opt_connect = {
	.pub = {"connect", "0 or 1", "the command's side (send connects)",
		"connect to the address (the client side)"},
	.kind = IPCX__OPT_BOOL,
	.roles = IPCX__ROLE_CHAN,
	.flag = IPCX_CONNECT,
	.clears = IPCX_LISTEN,
};

int ipcx__sock_check_side(const struct ipcx_addr *a)
{
	if (ipcx__opt(a, &ipcx__opt_listen) == 1 &&
	    ipcx__opt(a, &ipcx__opt_connect) == 1)
		return ipcx__fail(EINVAL,
				  "listen=1 and connect=1 contradict each "
				  "other in '%s'",
				  a->text);
	return 0;
}

struct ipcx__sock *ipcx__sock_wrap(const struct ipcx__facility *ops,
				   const char *name, unsigned flags, int fd,
				   int type)
{
	struct ipcx__sock *s =
		ipcx__chan_new_named(sizeof(*s), ops, name, flags);

	if (!s)
		return NULL;
	s->c.rfd = s->c.wfd = fd;
	s->type = type;
	s->is_message = type != SOCK_STREAM;
	s->allow_uid = -1;
	s->peer_pid = -1;
	s->peer_uid = (uid_t)-1;
	return s;
}

/* Runs a socket call, waiting out EAGAIN up to the deadline. */
static int sock_wait(struct ipcx_chan *c, short events, int64_t *deadline)
{
	if (*deadline == -2)
		*deadline = ipcx__deadline(c);
	return ipcx__wait_fd(c, c->rfd, events, *deadline);
}

int ipcx__sock_connect(struct ipcx_chan *c, int fd, const struct sockaddr *sa,
		       socklen_t len)
{
	int64_t deadline = ipcx__deadline(c);
	int err;
	socklen_t elen = sizeof(err);

	for (;;) {
		if (connect(fd, sa, len) == 0 || errno == EISCONN)
			return 0;
		if (errno == EAGAIN) {
			/* A UNIX listener's backlog is full: nothing to poll
			 * for, so retry every 10 ms until the deadline. */
			if (c->flags & IPCX_NONBLOCK)
				return -EAGAIN;
			if (deadline >= 0 && ipcx__now_ms() >= deadline)
				return -ETIMEDOUT;
			poll(NULL, 0, 10);
			continue;
		}
		if (errno != EINPROGRESS && errno != EINTR && errno != EALREADY)
			return -errno;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int ms = deadline < 0 ? -1 : (int)(deadline - ipcx__now_ms());
		int r = poll(&p, 1, deadline >= 0 && ms < 0 ? 0 : ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			return -errno;
		return -err;
	}
}

static void peer_creds(struct ipcx__sock *s)
{
#ifdef SO_PEERCRED
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (s->c.ops->info.caps & IPCX_CAP_NETWORK)
		return;
	if (getsockopt(s->c.rfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 &&
	    uc.pid > 0) {
		s->peer_pid = uc.pid;
		s->peer_uid = uc.uid;
	}
#else
	(void)s;
#endif
}

bool ipcx__sock_kind(int fd, const struct stat *st, int *domain, int *type)
{
	socklen_t len = sizeof(int);

	if (!S_ISSOCK(st->st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, domain, &len) < 0)
		return false;
	len = sizeof(int);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &len) == 0;
}

struct ipcx__sock *ipcx__sock_adopt(const struct ipcx__facility *ops, int fd,
				    int type, unsigned flags, const char *name)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 0;
	socklen_t olen = sizeof(on);
	struct ipcx__sock *s =
		ipcx__sock_wrap(ops, name, flags & ~IPCX_LISTEN, fd, type);

	if (!s)
		return NULL;
	/* What it is now: listening, connected, or neither (a datagram
	 * socket bound, or not). */
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) == 0 && on)
		s->c.listening = true;
	else if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		s->connected = true;
		peer_creds(s);
	}
	return s;
}

int ipcx__accept_fd(struct ipcx_chan *lc, int lfd)
{
	int64_t deadline = ipcx__deadline(lc);
	int fd, r;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == EINTR && (r = ipcx__eintr(lc)) < 0)
			return r;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return ipcx__fail(errno, "%s: accept: %m", lc->name);
		r = ipcx__wait_fd(lc, lfd, POLLIN, deadline);
		if (r < 0)
			return r;
	}
}

int ipcx__sock_accept(struct ipcx_chan *lc, struct ipcx_chan **out)
{
	struct ipcx__sock *l = (struct ipcx__sock *)lc, *s;
	int fd = ipcx__accept_fd(lc, lc->rfd), r;

	if (fd < 0)
		return fd;
	s = ipcx__sock_wrap(lc->ops, lc->name, lc->flags & ~IPCX_LISTEN, fd,
			    l->type);
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->c.timeout_ms = lc->timeout_ms;
	s->c.framed = lc->framed;
	s->format = l->format;
	s->resolve = l->resolve;
	s->allow_uid = l->allow_uid;
	s->peek_below = l->peek_below;
	s->connected = true;
	peer_creds(s);
	if (s->allow_uid >= 0 && (long long)s->peer_uid != s->allow_uid) {
		r = ipcx__fail(EACCES,
			       "%s: refused a peer with pid %d and uid %u "
			       "(allow-uid=%lld)",
			       lc->name, (int)s->peer_pid,
			       (unsigned)s->peer_uid, s->allow_uid);
		ipcx__sock_close(&s->c);
		return r;
	}
	if (s->is_message && !(lc->ops->info.caps & IPCX_CAP_NETWORK)) {
		int one = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one,
			       sizeof(one)) == 0)
			s->passcred = true;
	}
	r = ipcx__chan_ready(&s->c);
	if (r < 0) {
		ipcx__sock_close(&s->c);
		return r;
	}
	*out = &s->c;
	return 0;
}

ssize_t ipcx__sock_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m)
{
	struct ipcx__sock *s = (struct ipcx__sock *)c;
	struct sockaddr_storage to;
	struct msghdr mh = {.msg_iov = (struct iovec *)iov,
			    .msg_iovlen = (size_t)n};
	int64_t deadline = -2;
	size_t total = 0;
	int r;

	if (!s->is_message) {
		/* One buffer to a blocking stream: one send() call. */
		if (__builtin_expect(n == 1 && c->plain_io && iov[0].iov_len,
				     1)) {
			ssize_t w = send(c->wfd, iov[0].iov_base,
					 iov[0].iov_len, MSG_NOSIGNAL);
			if (__builtin_expect(w == (ssize_t)iov[0].iov_len, 1))
				return w;
			return ipcx__write_rest(c, iov, w, true);
		}
		return ipcx__write_stream(c, iov, n, true);
	}
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (m && m->peer[0]) {
		socklen_t len;
		r = s->resolve ? s->resolve(c, m->peer, &to, &len) : -EINVAL;
		if (r < 0)
			return r;
		mh.msg_name = &to;
		mh.msg_namelen = len;
	} else if (!s->connected) {
		if (!s->last_len)
			return ipcx__fail(EDESTADDRREQ,
					  "%s: nowhere to send: nobody has "
					  "sent to this socket yet",
					  c->name);
		mh.msg_name = &s->last;
		mh.msg_namelen = s->last_len;
	}
	if (s->type == SOCK_SEQPACKET && total == 0)
		return ipcx__fail(EINVAL,
				  "%s: an empty seqpacket message would read "
				  "as end of stream",
				  c->name);
	for (;;) {
		/* One buffer to the connected peer: send() (sendmsg()'s
		 * header costs measurably per message). */
		ssize_t w = n == 1 && !mh.msg_name
				    ? send(c->wfd, iov[0].iov_base,
					   iov[0].iov_len, MSG_NOSIGNAL)
				    : sendmsg(c->wfd, &mh, MSG_NOSIGNAL);
		if (w >= 0)
			return w;
		switch (errno) {
		case EINTR: {
			int e = ipcx__eintr(c);
			if (e < 0)
				return e;
			continue;
		}
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
		case ENOBUFS:
			if (deadline == -2)
				deadline = ipcx__deadline(c);
			r = ipcx__wait_fd(c, c->wfd, POLLOUT, deadline);
			if (r < 0)
				return r;
			continue;
		case EMSGSIZE:
			return ipcx__fail(
				EMSGSIZE,
				"%s: a message of %zu bytes is larger "
				"than this socket carries",
				c->name, total);
		case EPIPE:
		case ECONNRESET: return ipcx__io_fail(c, errno, true, "send");
		case ECONNREFUSED:
		case ENOENT:
			return ipcx__fail(ECONNREFUSED,
					  "%s: nobody is receiving there",
					  c->name);
		default: return ipcx__fail(errno, "%s: send: %m", c->name);
		}
	}
}

static ssize_t sock_recv_stream(struct ipcx_chan *c, void *buf, size_t len,
				struct ipcx_meta *m)
{
	struct ipcx__sock *s = (struct ipcx__sock *)c;
	int64_t deadline = -2;

	for (;;) {
		ssize_t r = recv(c->rfd, buf, len,
				 ipcx__dontwait ? MSG_DONTWAIT : 0);
		if (r >= 0) {
			if (m && s->peer_pid > 0) {
				m->pid = s->peer_pid;
				m->uid = s->peer_uid;
				m->valid |= IPCX_META_PID | IPCX_META_UID;
			}
			return r;
		}
		if (errno == EINTR) {
			int e = ipcx__eintr(c);
			if (e < 0)
				return e;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int w = sock_wait(c, POLLIN, &deadline);
			if (w < 0)
				return w;
			continue;
		}
		return ipcx__io_fail(c, errno, false, "recv");
	}
}

ssize_t ipcx__sock_recv(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m)
{
	struct ipcx__sock *s = (struct ipcx__sock *)c;
	struct sockaddr_storage from;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} cm;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	int64_t deadline = -2;
	ssize_t r;

	if (!s->is_message)
		return sock_recv_stream(c, buf, len, m);
	for (;;) {
		int flags = ipcx__dontwait ? MSG_DONTWAIT : 0;
		if (len < s->peek_below) {
			/* A buffer that may be too small: look before taking,
			 * so that a large message stays queued. */
			r = recv(c->rfd, NULL, 0, MSG_PEEK | MSG_TRUNC | flags);
			if (r < 0)
				goto error;
			if ((size_t)r > len) {
				if (m)
					m->size = (size_t)r;
				return ipcx__fail(
					EMSGSIZE,
					"%s: message of %zd bytes does "
					"not fit a buffer of %zu",
					c->name, r, len);
			}
			flags = MSG_DONTWAIT;
		}
		/* Nothing asked about the sender of a connected socket
		 * that refuses nobody: a plain recv(). */
		if (!m && s->connected && s->allow_uid < 0) {
			r = recv(c->rfd, buf, len, flags | MSG_TRUNC);
			if (r < 0)
				goto error;
			if ((size_t)r > len)
				return ipcx__fail(EMSGSIZE,
						  "%s: message truncated to "
						  "%zu bytes (another reader "
						  "took the one measured)",
						  c->name, len);
			return r;
		}
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = s->passcred ? cm.buf : NULL,
			.msg_controllen = s->passcred ? sizeof(cm.buf) : 0,
		};
		if (!s->passcred) {
			/* No credentials to take: recvfrom() gives the sender
			 * without recvmsg()'s header to copy in and out. */
			r = recvfrom(c->rfd, buf, len, flags | MSG_TRUNC,
				     (struct sockaddr *)&from, &mh.msg_namelen);
			if (r < 0)
				goto error;
			if ((size_t)r > len)
				mh.msg_flags |= MSG_TRUNC;
		} else if ((r = recvmsg(c->rfd, &mh, flags)) < 0) {
			goto error;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return ipcx__fail(EMSGSIZE,
					  "%s: message truncated to %zu bytes "
					  "(another reader took the one "
					  "measured)",
					  c->name, len);
		struct ucred uc = {.pid = 0, .uid = (uid_t)-1};
		bool have_cred = false;
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h;
		     h = CMSG_NXTHDR(&mh, h))
			if (h->cmsg_level == SOL_SOCKET &&
			    h->cmsg_type == SCM_CREDENTIALS) {
				memcpy(&uc, CMSG_DATA(h), sizeof(uc));
				have_cred = true;
			}
		if (!have_cred && s->peer_pid > 0) {
			uc.pid = s->peer_pid;
			uc.uid = s->peer_uid;
			have_cred = true;
		}
		if (s->allow_uid >= 0 &&
		    (!have_cred || (long long)uc.uid != s->allow_uid))
			return ipcx__fail(EACCES,
					  "%s: dropped a message from pid %d, "
					  "uid %d (allow-uid=%lld)",
					  c->name, have_cred ? uc.pid : -1,
					  have_cred ? (int)uc.uid : -1,
					  s->allow_uid);
		if (mh.msg_namelen > sizeof(sa_family_t) && !s->connected) {
			memcpy(&s->last, &from, mh.msg_namelen);
			s->last_len = mh.msg_namelen;
		}
		if (m) {
			m->size = (size_t)r;
			if (have_cred) {
				m->pid = uc.pid;
				m->uid = uc.uid;
				m->valid |= IPCX_META_PID | IPCX_META_UID;
			}
			if (mh.msg_namelen > sizeof(sa_family_t) && s->format) {
				s->format(c->ops->info.scheme,
					  (struct sockaddr *)&from,
					  mh.msg_namelen, m->peer,
					  sizeof(m->peer));
				m->valid |= IPCX_META_PEER;
			}
		}
		return r;
	error:
		if (errno == EINTR) {
			int e = ipcx__eintr(c);
			if (e < 0)
				return e;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int w = sock_wait(c, POLLIN, &deadline);
			if (w < 0)
				return w;
			continue;
		}
		if (errno == ECONNREFUSED)
			return ipcx__fail(ECONNREFUSED,
					  "%s: the peer is not receiving "
					  "(connection refused)",
					  c->name);
		return ipcx__io_fail(c, errno, false, "recv");
	}
}

int ipcx__sock_shutdown(struct ipcx_chan *c)
{
	if (shutdown(c->wfd, SHUT_WR) < 0 && errno != ENOTCONN)
		return ipcx__fail(errno, "%s: shutdown: %m", c->name);
	return 0;
}

int ipcx__sock_unlink_self(const struct ipcx_chan *c)
{
	const struct ipcx__sock *s = (const struct ipcx__sock *)c;
	const struct sockaddr_un *un = (const struct sockaddr_un *)&s->local;
	struct stat st;

	/* getpid(), lstat() and unlink() only: this runs in signal
	 * handlers.  Only the process that bound it removes the path (a
	 * child that inherited the socket leaves it to its parent), and
	 * only the inode we bound goes; a newer socket on the path stays. */
	if (s->bound_by > 0 && s->bound_by == getpid() &&
	    un->sun_family == AF_UNIX && un->sun_path[0] &&
	    lstat(un->sun_path, &st) == 0 && st.st_dev == s->path_dev &&
	    st.st_ino == s->path_ino && unlink(un->sun_path) < 0)
		return -errno;
	return 0;
}

int ipcx__sock_close(struct ipcx_chan *c)
{
	/*
	 * Unlink before close: once closed, another process may bind the
	 * same path, and we must not remove its socket.
	 */
	ipcx__sock_unlink_self(c);
	if (c->rfd >= 0)
		close(c->rfd);
	ipcx__chan_free(c);
	return 0;
}

int ipcx__sock_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	const struct ipcx__sock *s = (const struct ipcx__sock *)c;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (!s->format)
		return 0;
	if (getsockname(c->rfd, (struct sockaddr *)&ss, &len) == 0 &&
	    len > sizeof(sa_family_t))
		s->format(c->ops->info.scheme, (struct sockaddr *)&ss, len,
			  i->local, sizeof(i->local));
	len = sizeof(ss);
	if (getpeername(c->rfd, (struct sockaddr *)&ss, &len) == 0 &&
	    len > sizeof(sa_family_t))
		s->format(c->ops->info.scheme, (struct sockaddr *)&ss, len,
			  i->peer, sizeof(i->peer));
	i->peer_pid = s->peer_pid;
	i->peer_uid = s->peer_uid;
	if (s->is_message && s->peek_below < LONG_MAX)
		i->msgsize = (long)s->peek_below;
	return 0;
}
