/* SPDX-License-Identifier: MIT */
/*
 * fd: descriptors a process was given: the conformance suite over the
 * two ends of a socket pair opened as "fd:N", every kind wrapped with its
 * real semantics, ipcx_open_fd() ownership, and socket activation as
 * systemd passes it (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES).
 */
#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* ---- the conformance suite: a socket pair, each end opened as fd:N -- */

static int pair_fds[2] = {-1, -1};

static void fd_setup(struct fx *f, const char *opts)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair_fds), 0);
	snprintf(f->path, sizeof(f->path), "fd:%d", pair_fds[0]);
	snprintf(f->addr, sizeof(f->addr), "fd:%d", pair_fds[1]);
	snprintf(f->opts, sizeof(f->opts), "%s", opts);
}

static struct ipcx_chan *fd_open_end(const char *base, const char *opts)
{
	char addr[300];
	struct ipcx_chan *c;

	conf_with_opts(addr, sizeof(addr), base, opts);
	if (ipcx_open(addr, 0, &c) < 0)
		return NULL;
	return c;
}

static struct ipcx_chan *fd_a(struct fx *f)
{
	struct ipcx_chan *c = fd_open_end(f->path, f->opts);

	/* The parent's end only: the child's copy of it goes. */
	close(pair_fds[1]);
	return c;
}

static struct ipcx_chan *fd_b(struct fx *f)
{
	struct ipcx_chan *c = fd_open_end(f->addr, f->opts);

	CHILD_CHECK(c != NULL);
	close(pair_fds[0]);
	close(pair_fds[1]);
	return c;
}

static void fd_teardown(struct fx *f)
{
	(void)f;
	close(pair_fds[0]);
	close(pair_fds[1]);
	pair_fds[0] = pair_fds[1] = -1;
}

static const struct fixture fix = {
	.scheme = "unix", /* what the descriptor is */
	.setup = fd_setup,
	.end_a = fd_a,
	.end_b = fd_b,
	.teardown = fd_teardown,
	.large = 1 << 20,
};

/* ---- every kind, as it really is --------------------------------------- */

static const char *scheme_of(struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	memset(i, 0, sizeof(*i));
	assert_int_equal(ipcx_chan_get(c, i), 0);
	return i->facility->scheme;
}

static struct ipcx_chan *wrap(int fd)
{
	char addr[32];
	struct ipcx_chan *c;

	snprintf(addr, sizeof(addr), "fd:%d", fd);
	if (ipcx_open(addr, 0, &c) < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	return c;
}

static void t_kinds(void **state)
{
	(void)state;
	struct ipcx_chan_info i;
	struct ipcx_chan *c, *a, *cl;
	char path[128], addr[200], buf[32];

	/* A listening UNIX socket: a listener, accepting. */
	conf_scratch(path, sizeof(path), ".sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof(un.sun_path), "%.100s", path);
	assert_int_equal(bind(l, (struct sockaddr *)&un, sizeof(un)), 0);
	assert_int_equal(listen(l, 4), 0);
	c = wrap(l);
	assert_string_equal(scheme_of(c, &i), "unix");
	assert_true(i.listening);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	assert_int_equal(ipcx_open(addr, 0, &cl), 0);
	assert_int_equal(ipcx_accept(c, &a), 0);
	assert_int_equal(ipcx_send(cl, "hi", 2, NULL), 2);
	assert_int_equal(ipcx_recv(a, buf, sizeof(buf), NULL), 2);
	assert_string_equal(scheme_of(a, &i), "unix");
	assert_int_equal(i.peer_pid, getpid());
	ipcx_close(a);
	ipcx_close(cl);
	ipcx_close(c);
	/* The address took a duplicate: L is still ours, and listening. */
	assert_int_equal(fcntl(l, F_GETFD), 0);
	close(l);
	unlink(path);

	/* UNIX datagram and seqpacket sockets, TCP and UDP. */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	c = wrap(sv[0]);
	assert_string_equal(scheme_of(c, &i), "unix-dgram");
	assert_int_equal(send(sv[1], "", 0, 0), 0);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 0);
	ipcx_close(c);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	c = wrap(sv[0]);
	assert_string_equal(scheme_of(c, &i), "unix-seqpacket");
	assert_int_equal(send(sv[1], "ab", 2, 0), 2);
	assert_int_equal(send(sv[1], "cd", 2, 0), 2);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 2);
	ipcx_close(c);
	close(sv[0]);
	close(sv[1]);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(t, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(listen(t, 4), 0);
	c = wrap(t);
	assert_string_equal(scheme_of(c, &i), "tcp");
	assert_true(i.listening);
	assert_int_equal(strncmp(i.local, "tcp:127.0.0.1:", 14), 0);
	assert_int_equal(ipcx_open(i.local, 0, &cl), 0);
	assert_int_equal(ipcx_accept(c, &a), 0);
	assert_string_equal(scheme_of(a, &i), "tcp");
	ipcx_close(a);
	ipcx_close(cl);
	ipcx_close(c);
	close(t);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(u, (struct sockaddr *)&in, sizeof(in)), 0);
	c = wrap(u);
	assert_string_equal(scheme_of(c, &i), "udp");
	assert_false(i.listening);
	struct ipcx_chan *s;
	assert_int_equal(ipcx_open(i.local, 0, &s), 0);
	assert_int_equal(ipcx_send(s, "dgram", 5, NULL), 5);
	struct ipcx_meta m = IPCX_META_INIT;
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), &m), 5);
	/* With the sender's address, as any UDP socket. */
	assert_true(m.valid & IPCX_META_PEER);
	assert_int_equal(strncmp(m.peer, "udp:127.0.0.1:", 14), 0);
	ipcx_close(s);
	ipcx_close(c);
	close(u);

	/* A pipe: one way each end, as opened. */
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct ipcx_chan *r = wrap(p[0]), *w = wrap(p[1]);
	assert_string_equal(scheme_of(r, &i), "pipe");
	assert_int_equal(ipcx_send(w, "pipe", 4, NULL), 4);
	assert_int_equal(ipcx_recv(r, buf, sizeof(buf), NULL), 4);
	assert_true(ipcx_send(r, "x", 1, NULL) < 0);
	ipcx_close(w);
	close(p[1]);
	assert_int_equal(ipcx_recv(r, buf, sizeof(buf), NULL), 0);
	ipcx_close(r);
	close(p[0]);
}

static void t_refused(void **state)
{
	(void)state;
	struct ipcx_chan *c;
	char path[128], addr[64];

	/* A regular file: said what it is. */
	conf_scratch(path, sizeof(path), ".file");
	int f = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(f >= 0);
	snprintf(addr, sizeof(addr), "fd:%d", f);
	assert_int_equal(ipcx_open(addr, 0, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "regular file"));
	/* ipcx_open_fd() leaves it the caller's on failure. */
	assert_int_equal(ipcx_open_fd(f, 0, &c), -EINVAL);
	assert_true(fcntl(f, F_GETFD) >= 0);
	close(f);
	unlink(path);
	/* Not open: by number. */
	assert_int_equal(ipcx_open("fd:987", 0, &c), -EBADF);
	assert_non_null(strstr(ipcx_error_detail(), "fd:987"));
	/* Malformed. */
	assert_int_equal(ipcx_open("fd:12x", 0, &c), -EINVAL);
	assert_int_equal(ipcx_open("fd:a b", 0, &c), -EINVAL);
	assert_int_equal(ipcx_open("fd:99999999999", 0, &c), -EINVAL);
	assert_int_equal(ipcx_open_fd(-1, 0, &c), -EINVAL);
	/* The facility has no I/O of its own: listening is the
	 * descriptor's (it is allowed, and says nothing). */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(addr, sizeof(addr), "fd:%d", sv[0]);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &c), 0);
	struct ipcx_chan_info i = {0};
	ipcx_chan_get(c, &i);
	assert_false(i.listening);
	ipcx_close(c);
	/* ipcx_open_fd() owns what it took. */
	assert_int_equal(ipcx_open_fd(sv[0], 0, &c), 0);
	ipcx_close(c);
	assert_int_equal(fcntl(sv[0], F_GETFD), -1);
	close(sv[1]);
}

/* ---- socket activation ---------------------------------------------- */

/* In a child: descriptors 3 and 4 as systemd passes them, named. */
static void t_activation(void **state)
{
	(void)state;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct ipcx_chan *c;
		char num[32], buf[16];
		int a[2], b[2];
		CHILD_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
		CHILD_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, b) == 0);
		/* Out of the way, then the passed ends onto 3 and 4. */
		for (int k = 0; k < 2; k++) {
			int x = fcntl(a[k], F_DUPFD, 10),
			    y = fcntl(b[k], F_DUPFD, 10);
			close(a[k]);
			close(b[k]);
			a[k] = x;
			b[k] = y;
		}
		CHILD_CHECK(dup2(a[0], 3) == 3 && dup2(b[0], 4) == 4);
		/* Not passed to us: LISTEN_PID names another process. */
		setenv("LISTEN_PID", "1", 1);
		setenv("LISTEN_FDS", "2", 1);
		setenv("LISTEN_FDNAMES", "web:log", 1);
		CHILD_CHECK(ipcx_open("fd:web", 0, &c) == -ENOENT);
		CHILD_CHECK(strstr(ipcx_error_detail(), "LISTEN_PID"));
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("LISTEN_PID", num, 1);
		CHILD_CHECK(ipcx_open("fd:web", 0, &c) == 0);
		struct ipcx_chan_info i = {0};
		ipcx_chan_get(c, &i);
		CHILD_CHECK(!strcmp(i.facility->scheme, "unix"));
		CHILD_CHECK(write(a[1], "web", 3) == 3);
		CHILD_CHECK(ipcx_recv(c, buf, sizeof(buf), NULL) == 3);
		ipcx_close(c);
		CHILD_CHECK(ipcx_open("fd:log", 0, &c) == 0);
		ipcx_chan_get(c, &i);
		CHILD_CHECK(!strcmp(i.facility->scheme, "unix-dgram"));
		ipcx_close(c);
		/* Two passed: fd: alone must name one; a name not passed. */
		CHILD_CHECK(ipcx_open("fd:", 0, &c) == -EINVAL);
		CHILD_CHECK(strstr(ipcx_error_detail(), "web:log"));
		CHILD_CHECK(ipcx_open("fd:nope", 0, &c) == -ENOENT);
		CHILD_CHECK(strstr(ipcx_error_detail(), "nope"));
		/* One passed: fd: is it. */
		setenv("LISTEN_FDS", "1", 1);
		unsetenv("LISTEN_FDNAMES");
		CHILD_CHECK(ipcx_open("fd:", 0, &c) == 0);
		ipcx_close(c);
		/* None. */
		unsetenv("LISTEN_FDS");
		CHILD_CHECK(ipcx_open("fd:", 0, &c) == -ENOENT);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
}

int main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(t_kinds),
		cmocka_unit_test(t_refused),
		cmocka_unit_test(t_activation),
	};

	return conf_run(&fix, own, sizeof(own) / sizeof(*own));
}
