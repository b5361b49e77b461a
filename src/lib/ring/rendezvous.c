/* SPDX-License-Identifier: MIT */
/*
 * The rendezvous of a listening ring.  The listener binds a UNIX
 * seqpacket socket to an abstract name made of a random token, which its
 * region's header lists.  A client makes its connection's memory (a
 * memfd), connects and hands the descriptor over (SCM_RIGHTS) with the
 * secret the header also holds: only who could map the listener's region
 * can connect, whatever the abstract name (which /proc/net/unix shows to
 * anyone).  The socket carries nothing else, but both ends keep it: it
 * hangs up when every process of the other end is gone (closed or
 * died), which is how a connection learns of its peer's death at once;
 * and nothing of a connection is left in any namespace.
 */
#include "rendezvous.h"
#include "../sock.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RV_MAGIC 0x43585049u /* "IPXC" */

/* What the client sends along with its descriptor. */
struct rv_hello {
	uint32_t magic;
	uint32_t version;
	uint8_t secret[IPCX__RV_SECRET];
};

/* The message of a hello (in IOV) with room for descriptors at CTL. */
static struct msghdr hello_msg(struct rv_hello *h, struct iovec *iov, void *ctl,
			       size_t n)
{
	*iov = (struct iovec){h, sizeof(*h)};
	return (struct msghdr){.msg_iov = iov,
			       .msg_iovlen = 1,
			       .msg_control = ctl,
			       .msg_controllen = n};
}

static socklen_t rv_addr(struct sockaddr_un *sa, uint64_t token)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] stays 0: the abstract namespace. */
	int n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
			 "ipcx-listen-%016llx", (unsigned long long)token);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   (size_t)n);
}

static int rv_socket(const struct ipcx_chan *c)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);

	if (fd < 0)
		return ipcx__fail(errno, "%s: socket of the rendezvous: %m",
				  c->name);
	return fd;
}

int ipcx__rv_listen(const struct ipcx_chan *c, uint64_t *token, bool take_over,
		    int *out)
{
	struct sockaddr_un sa;
	int fd = rv_socket(c), e;

	if (fd < 0)
		return fd;
	for (int tries = 0;; tries++) {
		if (!take_over &&
		    getrandom(token, sizeof(*token), 0) != sizeof(*token)) {
			e = ipcx__fail(errno, "%s: getrandom: %m", c->name);
			goto fail;
		}
		if (bind(fd, (struct sockaddr *)&sa, rv_addr(&sa, *token)) == 0)
			break;
		e = -errno;
		if (e == -EADDRINUSE && take_over)
			goto fail;
		/* Another token taken (one chance in 2^64): draw again. */
		if (e != -EADDRINUSE || tries >= 8) {
			e = ipcx__fail(-e, "%s: bind of the rendezvous: %m",
				       c->name);
			goto fail;
		}
	}
	if (listen(fd, SOMAXCONN) < 0) {
		e = ipcx__fail(errno, "%s: listen: %m", c->name);
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return e;
}

int ipcx__rv_connect(struct ipcx_chan *c, uint64_t token,
		     const uint8_t secret[IPCX__RV_SECRET], int memfd, int *out,
		     pid_t *pid, uid_t *uid)
{
	struct sockaddr_un sa;
	struct rv_hello hello = {.magic = RV_MAGIC, .version = 1};
	struct ucred uc;
	socklen_t len = sizeof(uc);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr m = hello_msg(&hello, &iov, ctl.buf, sizeof(ctl.buf));
	int fd = rv_socket(c), e;

	if (fd < 0)
		return fd;
	memcpy(hello.secret, secret, IPCX__RV_SECRET);
	e = ipcx__sock_connect(c, fd, (struct sockaddr *)&sa,
			       rv_addr(&sa, token));
	if (e < 0)
		goto out;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		e = ipcx__fail(errno, "%s: SO_PEERCRED: %m", c->name);
		goto out;
	}
	memset(ctl.buf, 0, sizeof(ctl.buf));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
	/* A new connection's buffer is empty: this never waits. */
	for (;;) {
		ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof(hello))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		e = n < 0 ? -errno : -EIO;
		e = e == -EPIPE || e == -ECONNRESET
			    ? -ECONNREFUSED
			    : ipcx__fail(-e, "%s: sendmsg to the listener: %s",
					 c->name, ipcx_strerror(e));
		goto out;
	}
	*pid = uc.pid;
	*uid = uc.uid;
	*out = fd;
	return 0;
out:
	close(fd);
	return e;
}

bool ipcx__rv_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};

	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL));
}

/* Takes the hello of connection FD, waiting up to a second in all (a
 * signal does not cut the wait short: a listener's SIGCHLD, as serve's
 * children end, would refuse a peer that was about to show itself). */
static int rv_hello(struct ipcx_chan *l, int fd,
		    const uint8_t secret[IPCX__RV_SECRET], int *memfd,
		    pid_t pid)
{
	struct rv_hello hello;
	union {
		/* Room for more than one: extra descriptors are closed. */
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr m = hello_msg(&hello, &iov, ctl.buf, sizeof(ctl.buf));
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int got = -1, nfds = 0;

	int64_t end = ipcx__now_ms() + 1000;
	int k;
	for (;;) {
		int64_t left = end - ipcx__now_ms();
		k = poll(&p, 1, left > 0 ? (int)left : 0);
		if (k >= 0 || errno != EINTR)
			break;
	}
	if (k <= 0)
		goto refuse;
	n = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL; cm;
	     cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int d;
			memcpy(&d, CMSG_DATA(cm) + i * sizeof(int), sizeof(d));
			if (got < 0)
				got = d;
			else
				close(d);
			nfds++;
		}
	}
	if (n == (ssize_t)sizeof(hello) && nfds == 1 &&
	    !(m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
	    hello.magic == RV_MAGIC && hello.version == 1 &&
	    memcmp(hello.secret, secret, IPCX__RV_SECRET) == 0) {
		*memfd = got;
		return 0;
	}
	if (got >= 0)
		close(got);
refuse:
	return ipcx__fail(EACCES,
			  "%s: refused a peer with pid %d: it did not show "
			  "that it can open the listener's region",
			  l->name, (int)pid);
}

int ipcx__rv_accept(struct ipcx_chan *l, int lfd,
		    const uint8_t secret[IPCX__RV_SECRET], int *memfd, int *out,
		    pid_t *pid, uid_t *uid)
{
	struct ucred uc = {.pid = -1};
	socklen_t len = sizeof(uc);
	int fd = ipcx__accept_fd(l, lfd), e;

	if (fd < 0)
		return fd;
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len);
	e = rv_hello(l, fd, secret, memfd, uc.pid);
	if (e < 0) {
		close(fd);
		return e;
	}
	*out = fd;
	*pid = uc.pid;
	*uid = uc.uid;
	return 0;
}
