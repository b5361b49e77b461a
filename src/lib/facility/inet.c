/* SPDX-License-Identifier: MIT */
/* Internet sockets: TCP (byte stream) and UDP (messages), IPv4 and IPv6. */
#include "../sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What inet_parse() makes of TARGET: pointers into a->target. */
struct inet_target {
	const char *host; /* "" means any (listen) */
	const char *port;
};

static int inet_type(const struct ipcx__facility *ops)
{
	return ops->info.caps & IPCX_CAP_CONNLESS ? SOCK_DGRAM : SOCK_STREAM;
}

/* HOST:PORT, [V6]:PORT, :PORT or *:PORT (any address, for listening). */
static int inet_parse(struct ipcx_addr *a)
{
	char *t = a->target, *host, *port;

	if (t[0] == '[') {
		char *end = strchr(t, ']');
		if (!end)
			return ipcx__fail(EINVAL, "missing ']' in '%s'",
					  a->text);
		if (end[1] != ':')
			return ipcx__fail(EINVAL,
					  "missing ':PORT' after ']' in '%s'",
					  a->text);
		*end = '\0';
		host = t + 1;
		port = end + 2;
		if (!*host)
			return ipcx__fail(EINVAL, "empty IPv6 address in '%s'",
					  a->text);
	} else {
		char *colon = strrchr(t, ':');
		if (!colon)
			return ipcx__fail(EINVAL,
					  "'%s' needs HOST:PORT (e.g. "
					  "127.0.0.1:9000, [::1]:9000, :9000)",
					  a->text);
		if (memchr(t, ':', (size_t)(colon - t)))
			return ipcx__fail(EINVAL,
					  "IPv6 addresses take brackets: "
					  "[%.*s]:%s, not '%s'",
					  (int)(colon - t), t, colon + 1,
					  a->text);
		*colon = '\0';
		host = t;
		port = colon + 1;
	}
	if (!*port)
		return ipcx__fail(EINVAL, "missing port in '%s'", a->text);
	if (*port == '-' || *port == '+')
		return ipcx__fail(EINVAL,
				  "port %s is out of range (0-65535) in '%s'",
				  port, a->text);
	if (port[strspn(port, "0123456789")] == '\0') {
		if (strlen(port) > 5 || atoi(port) > 65535)
			return ipcx__fail(EINVAL,
					  "port %s is out of range (0-65535) "
					  "in '%s'",
					  port, a->text);
	} else if (port[strspn(port,
			       "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")]) {
		return ipcx__fail(EINVAL, "bad port '%s' in '%s'", port,
				  a->text);
	}
	if (!strcmp(host, "*"))
		host = "";
	ipcx__addr_priv(a, struct inet_target)->host = host;
	ipcx__addr_priv(a, struct inet_target)->port = port;
	return ipcx__sock_check_side(a);
}

static void inet_format(const char *scheme, const struct sockaddr *sa,
			socklen_t len, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";

	(void)len;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, n, "%s:[%s]:%u", scheme, host,
			 ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, n, "%s:%s:%u", scheme, host, ntohs(s4->sin_port));
	}
}

static int inet_resolve_text(const char *text, const char *host,
			     const char *port, int type, bool passive,
			     struct addrinfo **res)
{
	struct addrinfo hints = {.ai_socktype = type,
				 .ai_flags = passive ? AI_PASSIVE : 0};
	int r = getaddrinfo(host && *host ? host : NULL, port, &hints, res);

	if (r == 0)
		return 0;
	if (r == EAI_SYSTEM)
		return ipcx__fail(errno, "%s: resolving: %m", text);
	return ipcx__fail(EADDRNOTAVAIL, "%s: cannot resolve '%s': %s", text,
			  host && *host ? host : "*", gai_strerror(r));
}

static int inet_resolve(struct ipcx_chan *c, const char *addr,
			struct sockaddr_storage *ss, socklen_t *len)
{
	struct ipcx_addr a;
	struct addrinfo *res;
	int r = ipcx__addr_parse(addr, NULL, false, &a);

	if (r < 0)
		return r;
	if (a.ops != c->ops)
		r = ipcx__fail(EINVAL, "%s: cannot send to '%s'", c->name,
			       addr);
	else
		r = inet_resolve_text(
			addr, ipcx__addr_priv(&a, struct inet_target)->host,
			ipcx__addr_priv(&a, struct inet_target)->port,
			inet_type(c->ops), false, &res);
	if (r == 0) {
		memcpy(ss, res->ai_addr, res->ai_addrlen);
		*len = res->ai_addrlen;
		freeaddrinfo(res);
	}
	ipcx__addr_release(&a);
	return r;
}

static int inet_try(struct ipcx__sock *s, const struct ipcx_addr *a,
		    const struct addrinfo *ai, bool listening)
{
	int one = 1, fd, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	s->c.rfd = s->c.wfd = fd;
	r = ipcx__chan_ready(&s->c);
	if (r < 0)
		goto fail;
	if (listening) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
		    (s->type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
			r = -errno;
			goto fail;
		}
		s->c.listening = s->type == SOCK_STREAM;
	} else {
		r = ipcx__sock_connect(&s->c, fd, ai->ai_addr, ai->ai_addrlen);
		if (r < 0)
			goto fail;
		s->connected = true;
	}
	if (s->type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)a;
	return 0;
fail:
	close(fd);
	s->c.rfd = s->c.wfd = -1;
	return r;
}

static int inet_adopt(const struct ipcx__facility *f, int fd,
		      const struct stat *st, unsigned flags, const char *name,
		      struct ipcx_chan **out)
{
	int domain, type;
	struct ipcx__sock *s;

	if (!ipcx__sock_kind(fd, st, &domain, &type) ||
	    (domain != AF_INET && domain != AF_INET6) || type != inet_type(f))
		return -EPROTOTYPE;
	if (!(s = ipcx__sock_adopt(f, fd, type, flags, name)))
		return -ENOMEM;
	s->format = inet_format;
	s->resolve = inet_resolve;
	s->peek_below = type == SOCK_DGRAM ? 65536 : 0;
	*out = &s->c;
	return 0;
}

static int inet_open(const struct ipcx_addr *a, unsigned flags,
		     struct ipcx_chan **out)
{
	bool listening = flags & IPCX_LISTEN;
	const struct inet_target *t = ipcx__addr_priv(a, struct inet_target);
	int type = inet_type(a->ops), r, err = 0;
	struct addrinfo *res, *ai;
	struct ipcx__sock *s;

	if (!listening && !*t->host)
		return ipcx__fail(EINVAL,
				  "%s: connecting needs a host "
				  "(e.g. 127.0.0.1:%s)",
				  a->text, t->port);
	r = inet_resolve_text(a->text, t->host, t->port, type, listening, &res);
	if (r < 0)
		return r;
	s = ipcx__sock_wrap(a->ops, a->text, flags, -1, type);
	if (!s) {
		freeaddrinfo(res);
		return -ENOMEM;
	}
	if (a->timeout != IPCX__UNSET)
		s->c.timeout_ms = a->timeout;
	s->c.framed = ipcx__opt(a, &ipcx__opt_framing) == 1;
	s->format = inet_format;
	s->resolve = inet_resolve;
	/* The largest UDP payload is 65507 (IPv4) or 65527 bytes (IPv6). */
	s->peek_below = type == SOCK_DGRAM ? 65536 : 0;
	for (ai = res; ai; ai = ai->ai_next) {
		err = inet_try(s, a, ai, listening);
		if (err == 0)
			break;
	}
	freeaddrinfo(res);
	if (err == 0) {
		*out = &s->c;
		return 0;
	}
	ipcx__sock_close(&s->c);
	switch (-err) {
	case EADDRINUSE:
		return ipcx__fail(EADDRINUSE, "%s: port in use", a->text);
	case EACCES:
		return ipcx__fail(EACCES, "%s: ports below 1024 need privilege",
				  a->text);
	case ECONNREFUSED:
		return ipcx__fail(ECONNREFUSED, "%s: nobody is listening",
				  a->text);
	case ETIMEDOUT:
		return ipcx__fail(ETIMEDOUT, "%s: connect timed out", a->text);
	default:
		return ipcx__fail(-err, "%s: %s: %s", a->text,
				  listening ? "bind" : "connect",
				  ipcx_strerror(err));
	}
}

static int tcp_limits(struct ipcx_limit *out, size_t max)
{
	size_t n = ipcx__limits_sockbuf(out, max);
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("TCP receive buffer, default",
			    ipcx__read_proc("/proc/sys/net/ipv4/tcp_rmem", 1),
			    "bytes", "/proc/sys/net/ipv4/tcp_rmem"),
		IPCX__LIMIT("TCP receive buffer, max",
			    ipcx__read_proc("/proc/sys/net/ipv4/tcp_rmem", 2),
			    "bytes", "/proc/sys/net/ipv4/tcp_rmem"),
		IPCX__LIMIT("TCP send buffer, default",
			    ipcx__read_proc("/proc/sys/net/ipv4/tcp_wmem", 1),
			    "bytes", "/proc/sys/net/ipv4/tcp_wmem"),
		IPCX__LIMIT("TCP send buffer, max",
			    ipcx__read_proc("/proc/sys/net/ipv4/tcp_wmem", 2),
			    "bytes", "/proc/sys/net/ipv4/tcp_wmem"),
		IPCX__LIMIT("listen backlog (SOMAXCONN)",
			    ipcx__read_proc("/proc/sys/net/core/somaxconn", 0),
			    "", "/proc/sys/net/core/somaxconn"),
	};
	n = ipcx__limits_add(out, n, max, rows, IPCX__ARRAY_SIZE(rows));
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

static int udp_limits(struct ipcx_limit *out, size_t max)
{
	size_t n = ipcx__limits_sockbuf(out, max);

	if (n < max)
		out[n++] = (struct ipcx_limit)IPCX__LIMIT(
			"largest datagram, IPv4", 65507, "bytes",
			"RFC 791: 65535 less "
			"IP and UDP headers");
	if (n < max)
		out[n++] = (struct ipcx_limit)IPCX__LIMIT(
			"largest datagram, IPv6", 65527, "bytes",
			"RFC 8200: 65535 less "
			"the UDP header");
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

static const struct ipcx__opt *const tcp_opts[] = {
	&ipcx__opt_framing,
	&ipcx__opt_listen,
	&ipcx__opt_connect,
	NULL,
};

static const struct ipcx__chan_ops tcp_chan = {
	.open = inet_open,
	.accept = ipcx__sock_accept,
	.send = ipcx__sock_send,
	.recv = ipcx__sock_recv,
	.shutdown = ipcx__sock_shutdown,
	.close = ipcx__sock_close,
	.get = ipcx__sock_get,
	.adopt = inet_adopt,
};

const struct ipcx__facility ipcx__tcp_ops = {
	.info = {.scheme = "tcp",
		 .title = "Internet stream socket (TCP)",
		 .name = "HOST:PORT or [IPv6]:PORT",
		 .handle = "fd",
		 .standard = "BSD sockets (POSIX)",
		 .semantics = IPCX_BYTE_STREAM,
		 .caps = IPCX_CAP_NETWORK | IPCX_CAP_POLL | IPCX_CAP_LISTEN |
			 IPCX_CAP_BIND | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = tcp_opts,
	.parse = inet_parse,
	.limits = tcp_limits,
	.chan = &tcp_chan,
};

static const struct ipcx__opt *const udp_opts[] = {
	&ipcx__opt_listen,
	&ipcx__opt_connect,
	NULL,
};

static const struct ipcx__chan_ops udp_chan = {
	.open = inet_open,
	.send = ipcx__sock_send,
	.recv = ipcx__sock_recv,
	.close = ipcx__sock_close,
	.get = ipcx__sock_get,
	.adopt = inet_adopt,
};

const struct ipcx__facility ipcx__udp_ops = {
	.info = {.scheme = "udp",
		 .title = "Internet datagram socket (UDP)",
		 .name = "HOST:PORT or [IPv6]:PORT",
		 .handle = "fd",
		 .standard = "BSD sockets (POSIX)",
		 .semantics = IPCX_MESSAGE,
		 .caps = IPCX_CAP_NETWORK | IPCX_CAP_POLL | IPCX_CAP_CONNLESS |
			 IPCX_CAP_BIND | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = udp_opts,
	.parse = inet_parse,
	.limits = udp_limits,
	.chan = &udp_chan,
};
