/* SPDX-License-Identifier: MIT */
/* UNIX domain sockets: stream, datagram and seqpacket, by path or @name. */
#include "../sock.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* What unix_parse() makes of TARGET. */
struct unix_target {
	struct sockaddr_un un;
	socklen_t len;
};

/* allow-uid=: a uid, or a user name looked up when the address is read. */
static int parse_uid(const char *v, long long *out)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] >= '0' && v[0] <= '9' && !*end && !errno && n <= (uid_t)-2) {
		*out = (long long)n;
		return 0;
	}
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwnam_r(v, &pw, buf, sizeof(buf), &res) == 0 && res) {
		*out = res->pw_uid;
		return 0;
	}
	return -1;
}

static const struct ipcx__opt opt_allow_uid = {
	.pub = {"allow-uid", "a uid or a user name", "anyone",
		"refuse peers of any other uid (SO_PEERCRED, SCM_CREDENTIALS)"},
	.kind = IPCX__OPT_CUSTOM,
	.roles = IPCX__ROLE_CHAN,
	.def = -1,
	.parse = parse_uid,
};

static int unix_type(const struct ipcx__facility *ops)
{
	if (ops->info.semantics == IPCX_BYTE_STREAM)
		return SOCK_STREAM;
	return ops->info.caps & IPCX_CAP_CONNLESS ? SOCK_DGRAM : SOCK_SEQPACKET;
}

static int unix_parse(struct ipcx_addr *a)
{
	struct unix_target *ut = ipcx__addr_priv(a, struct unix_target);
	struct sockaddr_un *un = &ut->un;
	const char *t = a->target;
	bool abstract = t[0] == '@';
	size_t len = strlen(t);

	if (!len || (abstract && len == 1))
		return ipcx__fail(EINVAL,
				  "'%s' names no socket: give a path or @name",
				  a->text);
	/* sun_path holds 108 bytes: a path needs its NUL, a name does not. */
	if (len >= sizeof(un->sun_path) + abstract)
		return ipcx__fail(EINVAL,
				  "socket name of %zu bytes is too long in "
				  "'%s' (at most %zu)",
				  len, a->text,
				  sizeof(un->sun_path) - 1 + abstract);
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, t, len);
	if (abstract)
		un->sun_path[0] = '\0';
	ut->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			      !abstract);
	return ipcx__sock_check_side(a);
}

static void unix_format(const char *scheme, const struct sockaddr *sa,
			socklen_t len, char *out, size_t n)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	size_t plen = len - offsetof(struct sockaddr_un, sun_path);
	char target[sizeof(un->sun_path) + 2];

	if (plen == 0 || sa->sa_family != AF_UNIX) {
		snprintf(out, n, "%s:", scheme);
		return;
	}
	/* Escaped as the parser reads it: the address parses back to
	 * this socket (replies go there). */
	if (un->sun_path[0] == '\0')
		snprintf(target, sizeof(target), "@%.*s", (int)plen - 1,
			 un->sun_path + 1);
	else
		snprintf(target, sizeof(target), "%.*s",
			 (int)strnlen(un->sun_path, plen), un->sun_path);
	ipcx__addr_format(out, n, scheme, target);
}

static int unix_resolve(struct ipcx_chan *c, const char *addr,
			struct sockaddr_storage *ss, socklen_t *len)
{
	struct ipcx_addr a;
	int r = ipcx__addr_parse(addr, NULL, false, &a);

	if (r < 0)
		return r;
	if (a.ops != c->ops) {
		ipcx__addr_release(&a);
		return ipcx__fail(EINVAL, "%s: cannot send to '%s'", c->name,
				  addr);
	}
	const struct unix_target *ut = ipcx__addr_priv(&a, struct unix_target);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &ut->un, ut->len);
	*len = ut->len;
	ipcx__addr_release(&a);
	return 0;
}

static void unix_setup(struct ipcx__sock *s)
{
	int one = 1;

	s->format = unix_format;
	s->resolve = unix_resolve;
	if (s->is_message) {
		long long wmem =
			ipcx__read_proc("/proc/sys/net/core/wmem_max", 0);
		/* A datagram is less than the sender's SO_SNDBUF, which
		 * setsockopt() doubles and caps at wmem_max: a buffer of
		 * twice wmem_max is never too small. */
		s->peek_below = wmem > 0 ? (size_t)wmem * 2 : SIZE_MAX;
		/* Credentials on every message; it also autobinds a sender
		 * to an abstract name so that replies can reach it. */
		if (setsockopt(s->c.rfd, SOL_SOCKET, SO_PASSCRED, &one,
			       sizeof(one)) == 0)
			s->passcred = true;
	}
}

/* The path is in use: remove it only when it is a socket nobody serves. */
static int unix_clear_stale(const struct ipcx_addr *a, int type)
{
	const struct unix_target *ut = ipcx__addr_priv(a, struct unix_target);
	const struct sockaddr_un *un = &ut->un;
	struct stat st;
	int fd, r;

	if (un->sun_path[0] == '\0')
		return ipcx__fail(EADDRINUSE, "%s: the name is in use",
				  a->text);
	if (lstat(un->sun_path, &st) < 0)
		return ipcx__fail(errno, "%s: %m", a->text);
	if (!S_ISSOCK(st.st_mode))
		return ipcx__fail(EADDRINUSE,
				  "%s: path exists and is not a socket; "
				  "not removing it",
				  a->text);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipcx__fail(errno, "%s: socket: %m", a->text);
	r = connect(fd, (const struct sockaddr *)un, ut->len);
	int e = errno;
	close(fd);
	if (r == 0 || e != ECONNREFUSED)
		return ipcx__fail(EADDRINUSE,
				  "%s: another process is listening there",
				  a->text);
	if (unlink(un->sun_path) < 0 && errno != ENOENT)
		return ipcx__fail(errno, "%s: removing the stale socket: %m",
				  a->text);
	return 0;
}

/*
 * bind() makes the socket file with the umask's bits cleared: with the
 * umask set to exactly what MODE leaves out, the file is born with MODE,
 * and nothing is changed by path afterwards (a path that was swapped
 * for a symlink would lead a chmod to someone else's file).  The umask
 * is the process's: other threads creating files during the bind get it
 * too (a lock keeps our own binds apart).
 */
static int bind_with_mode(int fd, const struct sockaddr *sa, socklen_t len,
			  mode_t mode)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&lock);
	mode_t old = umask(~mode & 0777);
	int r = bind(fd, sa, len);
	int e = errno;
	umask(old);
	pthread_mutex_unlock(&lock);
	errno = e;
	return r;
}

static int unix_listen(struct ipcx__sock *s, const struct ipcx_addr *a,
		       unsigned flags)
{
	const struct unix_target *ut = ipcx__addr_priv(a, struct unix_target);
	const struct sockaddr_un *un = &ut->un;
	const struct sockaddr *sa = (const struct sockaddr *)un;
	int fd = s->c.rfd;
	mode_t mode = ipcx__addr_mode(a);
	struct stat st;

	if (bind_with_mode(fd, sa, ut->len, mode) < 0) {
		int r;
		if (errno != EADDRINUSE)
			return ipcx__fail(errno, "%s: bind: %m", a->text);
		if (flags & IPCX_EXCL)
			return ipcx__fail(EEXIST, "%s: exists (excl=1)",
					  a->text);
		r = unix_clear_stale(a, s->type);
		if (r < 0)
			return r;
		if (bind_with_mode(fd, sa, ut->len, mode) < 0)
			return ipcx__fail(errno, "%s: bind: %m", a->text);
	}
	/* What close removes: the file bound here, if the path still names
	 * it then (a path swapped since is left alone). */
	if (un->sun_path[0] && lstat(un->sun_path, &st) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		s->bound_by = getpid();
		s->path_dev = st.st_dev;
		s->path_ino = st.st_ino;
	}
	memcpy(&s->local, un, ut->len);
	if (s->type != SOCK_DGRAM) {
		if (listen(fd, SOMAXCONN) < 0)
			return ipcx__fail(errno, "%s: listen: %m", a->text);
		s->c.listening = true;
	}
	return 0;
}

static int unix_connect(struct ipcx__sock *s, const struct ipcx_addr *a)
{
	const struct unix_target *ut = ipcx__addr_priv(a, struct unix_target);
	int r = ipcx__sock_connect(&s->c, s->c.rfd,
				   (const struct sockaddr *)&ut->un, ut->len);

	switch (-r) {
	case 0: break;
	case ENOENT:
		return ipcx__fail(ENOENT,
				  "%s: no such socket (is a receiver "
				  "running?)",
				  a->text);
	case ECONNREFUSED:
		return ipcx__fail(ECONNREFUSED, "%s: nobody is listening",
				  a->text);
	case ETIMEDOUT:
		return ipcx__fail(ETIMEDOUT,
				  "%s: connect timed out after %d ms", a->text,
				  s->c.timeout_ms);
	case EPROTOTYPE:
		return ipcx__fail(EPROTOTYPE,
				  "%s: the socket there is of another type",
				  a->text);
	default:
		return ipcx__fail(-r, "%s: connect: %s", a->text,
				  ipcx_strerror(r));
	}
	s->connected = true;
	if (s->type != SOCK_DGRAM) {
		struct ucred uc;
		socklen_t len = sizeof(uc);
		if (getsockopt(s->c.rfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) ==
		    0) {
			s->peer_pid = uc.pid;
			s->peer_uid = uc.uid;
		}
		if (s->allow_uid >= 0 && (long long)s->peer_uid != s->allow_uid)
			return ipcx__fail(EACCES,
					  "%s: the listener runs as uid %u, "
					  "not %lld (allow-uid)",
					  a->text, (unsigned)s->peer_uid,
					  s->allow_uid);
	}
	return 0;
}

static int unix_open(const struct ipcx_addr *a, unsigned flags,
		     struct ipcx_chan **out)
{
	int type = unix_type(a->ops);
	struct ipcx__sock *s;
	int fd, r;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipcx__fail(errno, "%s: socket: %m", a->text);
	s = ipcx__sock_wrap(a->ops, a->text, flags, fd, type);
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	if (a->timeout != IPCX__UNSET)
		s->c.timeout_ms = a->timeout;
	s->c.framed = ipcx__opt(a, &ipcx__opt_framing) == 1;
	s->allow_uid = ipcx__opt(a, &opt_allow_uid);
	unix_setup(s);
	r = ipcx__chan_ready(&s->c);
	if (r == 0)
		r = (flags & IPCX_LISTEN) ? unix_listen(s, a, flags)
					  : unix_connect(s, a);
	if (r < 0) {
		ipcx__sock_close(&s->c);
		return r;
	}
	*out = &s->c;
	return 0;
}

static int unix_adopt(const struct ipcx__facility *f, int fd,
		      const struct stat *st, unsigned flags, const char *name,
		      struct ipcx_chan **out)
{
	int domain, type;
	struct ipcx__sock *s;

	if (!ipcx__sock_kind(fd, st, &domain, &type) || domain != AF_UNIX ||
	    type != unix_type(f))
		return -EPROTOTYPE;
	if (!(s = ipcx__sock_adopt(f, fd, type, flags, name)))
		return -ENOMEM;
	unix_setup(s);
	*out = &s->c;
	return 0;
}

static int unix_pair(const struct ipcx_addr *pa, struct ipcx_chan **a,
		     struct ipcx_chan **b)
{
	const struct ipcx__facility *ops = pa->ops;
	int type = unix_type(ops), sv[2];
	struct ipcx__sock *x, *y;
	char name[32];

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return ipcx__fail(errno, "%s: socketpair: %m",
				  ops->info.scheme);
	snprintf(name, sizeof(name), "%s:(pair)", ops->info.scheme);
	x = ipcx__sock_wrap(ops, name, 0, sv[0], type);
	y = ipcx__sock_wrap(ops, name, 0, sv[1], type);
	if (!x || !y) {
		if (x)
			ipcx__sock_close(&x->c);
		else
			close(sv[0]);
		if (y)
			ipcx__sock_close(&y->c);
		else
			close(sv[1]);
		return -ENOMEM;
	}
	x->connected = y->connected = true;
	unix_setup(x);
	unix_setup(y);
	*a = &x->c;
	*b = &y->c;
	return 0;
}

static int unix_unlink(const struct ipcx_addr *a)
{
	const struct sockaddr_un *un =
		&ipcx__addr_priv(a, struct unix_target)->un;
	struct stat st;

	if (un->sun_path[0] == '\0')
		return ipcx__fail(EINVAL,
				  "%s: an abstract name vanishes with its "
				  "socket; there is nothing to remove",
				  a->text);
	if (lstat(un->sun_path, &st) < 0)
		return ipcx__fail(errno, "%s: %m", a->text);
	if (!S_ISSOCK(st.st_mode))
		return ipcx__fail(ENOTSOCK, "%s: not a socket; not removing it",
				  a->text);
	if (unlink(un->sun_path) < 0)
		return ipcx__fail(errno, "%s: unlink: %m", a->text);
	return 0;
}

static int unix_limits(struct ipcx_limit *out, size_t max)
{
	size_t n = ipcx__limits_sockbuf(out, max);

	if (n < max)
		out[n++] = (struct ipcx_limit)IPCX__LIMIT(
			"listen backlog (SOMAXCONN)",
			ipcx__read_proc("/proc/sys/net/core/somaxconn", 0), "",
			"/proc/sys/net/core/somaxconn");
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

/* The largest datagram a default socket sends: search by trying. */
static long long unix_max_dgram(void)
{
	static char buf[1 << 20];
	size_t lo = 0, hi = sizeof(buf);
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		ssize_t r = send(sv[0], buf, mid, MSG_DONTWAIT);
		if (r >= 0) {
			recv(sv[1], buf, 1, MSG_DONTWAIT | MSG_TRUNC);
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	close(sv[0]);
	close(sv[1]);
	return (long long)lo;
}

static int unix_dgram_limits(struct ipcx_limit *out, size_t max)
{
	size_t n = ipcx__limits_sockbuf(out, max);

	if (n < max)
		out[n++] = (struct ipcx_limit)IPCX__LIMIT(
			"largest datagram", unix_max_dgram(), "bytes",
			"measured: the default SO_SNDBUF less overhead "
			"(wmem_default)");
	if (n < max)
		out[n++] = (struct ipcx_limit)IPCX__LIMIT(
			"queued datagrams per socket",
			ipcx__read_proc("/proc/sys/net/unix/max_dgram_qlen", 0),
			"messages", "/proc/sys/net/unix/max_dgram_qlen");
	return (int)(n + ipcx__limits_fd(out + n, max - n));
}

/* ---- listing -------------------------------------------------------------
 *
 * /proc/net/unix: every socket of this network namespace, with its inode
 * and the name it is bound to ("@name" for an abstract one).  The sockets
 * that accepted connections show the listener's name too: one row per
 * name and type, holding all of them.  Holders: processes with any of
 * them open.  A socket file with no socket bound to it (its server died)
 * is not in the kernel's list: looked up by address, it is reported as a
 * stale leftover.
 */

struct unix_row {
	char name[110];
	unsigned long long inode;
	bool listening, connected;
};

/* The device of sockets (sockfs), as stat() of a descriptor shows it. */
static dev_t sockfs_dev(void)
{
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	dev_t dev = 0;

	if (fd >= 0 && fstat(fd, &st) == 0)
		dev = st.st_dev;
	if (fd >= 0)
		close(fd);
	return dev;
}

/* The name the address LIST_ONLY gives, as /proc/net/unix writes it. */
static void only_name(const struct ipcx_addr *a, char *buf, size_t n)
{
	snprintf(buf, n, "%s", a->target);
}

/* A socket file without a socket: a leftover (looked up by address). */
static int unix_leftover(struct ipcx__lister *l,
			 const struct ipcx__facility *ops)
{
	struct stat st;
	struct ipcx_object o;

	if (l->only->target[0] == '@')
		return 0; /* an abstract name has no file */
	if (lstat(l->only->target, &st) < 0)
		return ipcx__fail(errno, "%s: %m", l->only->text);
	if (!S_ISSOCK(st.st_mode))
		return ipcx__fail(EINVAL, "%s: %s is not a socket",
				  l->only->text, l->only->target);
	ipcx__object_init(&o, ops);
	snprintf(o.address, sizeof(o.address), "%s", l->only->text);
	ipcx__object_stat(&o, &st);
	o.size = -1;
	o.holders_known = true;
	o.stale = true;
	snprintf(o.detail, sizeof(o.detail), "no socket bound: a leftover");
	return ipcx__emit(l, &o);
}

static int unix_list(struct ipcx__lister *l)
{
	const struct ipcx__facility *ops = l->ops;
	static const int types[] = {0, SOCK_STREAM, SOCK_DGRAM,
				    0, 0,	    SOCK_SEQPACKET};
	char line[512], want[110] = "";
	struct unix_row *rows = NULL;
	struct {
		size_t row;
		unsigned long long inode;
	} *socks = NULL;
	size_t n = 0, cap = 0, nsocks = 0, scap = 0;
	int e = 0, type = unix_type(ops);
	FILE *f = fopen("/proc/net/unix", "re");

	if (!f) {
		ipcx__list_warn(l, "%s: /proc/net/unix: %s", ops->info.scheme,
				strerror(errno));
		return 0;
	}
	if (l->only)
		only_name(l->only, want, sizeof(want));
	while (fgets(line, sizeof(line), f)) {
		unsigned flags, t, st;
		unsigned long long inode;
		int off = 0;
		if (sscanf(line, "%*s %*x %*x %x %x %x %llu %n", &flags, &t,
			   &st, &inode, &off) < 4 ||
		    !off || t >= IPCX__ARRAY_SIZE(types) || types[t] != type)
			continue;
		char *name = line + off;
		name[strcspn(name, "\n")] = '\0';
		if (!*name || strlen(name) >= sizeof(rows->name) ||
		    (l->only && strcmp(name, want)))
			continue;
		/* One row per name: the listener's inode, if any. */
		size_t i = 0;
		while (i < n && strcmp(rows[i].name, name))
			i++;
		if (i == n) {
			if (n == cap) {
				size_t c = cap ? cap * 2 : 64;
				struct unix_row *r =
					realloc(rows, c * sizeof(*r));
				if (!r) {
					e = -ENOMEM;
					break;
				}
				rows = r;
				cap = c;
			}
			memset(&rows[n], 0, sizeof(rows[n]));
			snprintf(rows[i].name, sizeof(rows[i].name), "%s",
				 name);
			rows[i].inode = inode;
			n++;
		}
		if (nsocks == scap) {
			size_t c = scap ? scap * 2 : 64;
			void *r = realloc(socks, c * sizeof(*socks));
			if (!r) {
				e = -ENOMEM;
				break;
			}
			socks = r;
			scap = c;
		}
		socks[nsocks].row = i;
		socks[nsocks++].inode = inode;
		if (flags & 0x10000) { /* __SO_ACCEPTCON: listening */
			rows[i].listening = true;
			rows[i].inode = inode;
		} else if (st == 3) { /* SS_CONNECTED */
			rows[i].connected = true;
		}
	}
	fclose(f);
	dev_t dev = sockfs_dev();
	for (size_t i = 0; e == 0 && i < n; i++) {
		struct ipcx_object o;
		struct stat fs;
		ipcx__object_init(&o, ops);
		if (ipcx__addr_format(o.address, sizeof(o.address),
				      ops->info.scheme,
				      rows[i].name) >= (int)sizeof(o.address))
			continue;
		o.id = (long long)rows[i].inode;
		o.size = -1;
		if (rows[i].name[0] == '/' && lstat(rows[i].name, &fs) == 0) {
			o.uid = fs.st_uid;
			o.gid = fs.st_gid;
			o.mode = (int)(fs.st_mode & 07777);
			o.changed = (long long)fs.st_mtime;
		}
		snprintf(o.detail, sizeof(o.detail), "%s%s%s",
			 rows[i].listening ? "listening" : "bound",
			 rows[i].connected ? ", " : "",
			 rows[i].connected ? "connected" : "");
		/* Every socket of this name: the listener and the ones it
		 * accepted. */
		o.nholders = 0;
		for (size_t k = 0; e == 0 && k < nsocks; k++)
			if (socks[k].row == i)
				e = ipcx__holders_add(
					l, dev, (ino_t)socks[k].inode, &o);
		if (e == 0)
			e = ipcx__emit(l, &o);
	}
	free(rows);
	free(socks);
	if (e == 0 && l->only && !l->found)
		e = unix_leftover(l, ops);
	return e;
}

static const struct ipcx__opt *const unix_opts[] = {
	&ipcx__opt_framing,
	&ipcx__opt_listen,
	&ipcx__opt_connect,
	&opt_allow_uid,
	NULL,
};

/* Stream and seqpacket: connections; datagrams: none. */
static const struct ipcx__chan_ops unix_chan = {
	.open = unix_open,
	.pair = unix_pair,
	.accept = ipcx__sock_accept,
	.send = ipcx__sock_send,
	.recv = ipcx__sock_recv,
	.shutdown = ipcx__sock_shutdown,
	.close = ipcx__sock_close,
	.get = ipcx__sock_get,
	.unlink_self = ipcx__sock_unlink_self,
	.adopt = unix_adopt,
};

const struct ipcx__facility ipcx__unix_ops = {
	.info = {.scheme = "unix",
		 .title = "UNIX stream socket",
		 .name = "pathname or @name",
		 .handle = "fd",
		 .standard = "POSIX (@name: Linux)",
		 .semantics = IPCX_BYTE_STREAM,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_PAIR | IPCX_CAP_LISTEN |
			 IPCX_CAP_BIND | IPCX_CAP_NAMED | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_ALL,
	.opts = unix_opts,
	.parse = unix_parse,
	.unlink = unix_unlink,
	.limits = unix_limits,
	.list = unix_list,
	.chan = &unix_chan,
};

/* Message sockets have no framing: their messages keep their bounds. */
static const struct ipcx__opt *const unix_msg_opts[] = {
	&ipcx__opt_listen,
	&ipcx__opt_connect,
	&opt_allow_uid,
	NULL,
};

static const struct ipcx__chan_ops unix_dgram_chan = {
	.open = unix_open,
	.pair = unix_pair,
	.send = ipcx__sock_send,
	.recv = ipcx__sock_recv,
	.close = ipcx__sock_close,
	.get = ipcx__sock_get,
	.unlink_self = ipcx__sock_unlink_self,
	.adopt = unix_adopt,
};

const struct ipcx__facility ipcx__unix_dgram_ops = {
	.info = {.scheme = "unix-dgram",
		 .title = "UNIX datagram socket",
		 .name = "pathname or @name",
		 .handle = "fd",
		 .standard = "POSIX (@name: Linux)",
		 .semantics = IPCX_MESSAGE,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_PAIR | IPCX_CAP_NAMED |
			 IPCX_CAP_CONNLESS | IPCX_CAP_BIND | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_ALL,
	.opts = unix_msg_opts,
	.parse = unix_parse,
	.unlink = unix_unlink,
	.limits = unix_dgram_limits,
	.list = unix_list,
	.chan = &unix_dgram_chan,
};

const struct ipcx__facility ipcx__unix_seqpacket_ops = {
	.info = {.scheme = "unix-seqpacket",
		 .title = "UNIX seqpacket socket",
		 .name = "pathname or @name",
		 .handle = "fd",
		 .standard = "POSIX (@name: Linux)",
		 .semantics = IPCX_MESSAGE,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_PAIR | IPCX_CAP_LISTEN |
			 IPCX_CAP_BIND | IPCX_CAP_NAMED | IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_ALL,
	.opts = unix_msg_opts,
	.parse = unix_parse,
	.unlink = unix_unlink,
	.limits = unix_limits,
	.list = unix_list,
	.chan = &unix_chan,
};
