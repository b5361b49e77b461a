/* SPDX-License-Identifier: MIT */
/* stdio: a child's own stdin and stdout as a channel. */
#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* Runs FN in a child whose stdin/stdout are pipes to *IN / *OUT. */
static pid_t spawn(void (*fn)(void), int *in, int *out)
{
	int a[2], b[2];
	pid_t pid;

	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(a[0], 0);
		dup2(b[1], 1);
		close(a[0]);
		close(a[1]);
		close(b[0]);
		close(b[1]);
		fn();
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	*in = a[1];
	*out = b[0];
	return pid;
}

static void echo_upper(void)
{
	struct ipcx_chan *c;
	char buf[64];
	ssize_t n;

	CHILD_CHECK(ipcx_open("stdio:", 0, &c) == 0);
	while ((n = ipcx_recv(c, buf, sizeof(buf), NULL)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] = (char)(buf[i] - 32);
		CHILD_CHECK(ipcx_send(c, buf, (size_t)n, NULL) == n);
	}
	CHILD_CHECK(n == 0);
	/* Half-close stdout: the parent reads EOF while we still live. */
	CHILD_CHECK(ipcx_shutdown(c) == 0);
	CHILD_CHECK(fcntl(1, F_GETFD) >= 0); /* fd 1 stays taken */
	ipcx_close(c);
}

static void t_round_trip(void **state)
{
	int in, out;
	char buf[16];
	pid_t pid = spawn(echo_upper, &in, &out);

	(void)state;
	assert_int_equal(write(in, "hello", 5), 5);
	assert_int_equal(read(out, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "HELLO", 5);
	close(in);
	assert_int_equal(read(out, buf, sizeof(buf)), 0);
	close(out);
	assert_int_equal(conf_wait(pid), 0);
}

static void timed_reader(void)
{
	struct ipcx_chan *c;
	char buf[8];
	int fl = fcntl(0, F_GETFL);

	CHILD_CHECK(ipcx_open("stdio:?timeout=100", IPCX_RECV, &c) == 0);
	CHILD_CHECK(ipcx_recv(c, buf, sizeof(buf), NULL) == -ETIMEDOUT);
	/* Shared descriptors keep their flags. */
	CHILD_CHECK(fcntl(0, F_GETFL) == fl);
	CHILD_CHECK(ipcx_send(c, "x", 1, NULL) == -EBADF);
	ipcx_close(c);
}

static void t_timeout(void **state)
{
	int in, out;
	pid_t pid = spawn(timed_reader, &in, &out);

	(void)state;
	assert_int_equal(conf_wait(pid), 0);
	close(in);
	close(out);
}

/*
 * A reset is never end of stream.  Stdin is a TCP connection whose peer
 * closed with SO_LINGER 0 (a RST), or a UNIX stream socket whose peer
 * closed with data it never read: read(2) says ECONNRESET once, then 0.
 * ipcx_recv() must say -ECONNRESET, whether SIGPIPE is ignored (the plain
 * descriptor path) or left at its default (the general one).
 */
static void reset_reader(bool ignore_sigpipe, bool tcp)
{
	int sv[2], l = -1;
	struct ipcx_chan *ch;
	char buf[8];

	signal(SIGPIPE, ignore_sigpipe ? SIG_IGN : SIG_DFL);
	if (tcp) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_addr.s_addr =
						 htonl(INADDR_LOOPBACK)};
		socklen_t len = sizeof(sa);
		l = socket(AF_INET, SOCK_STREAM, 0);
		CHILD_CHECK(bind(l, (struct sockaddr *)&sa, len) == 0);
		CHILD_CHECK(listen(l, 1) == 0);
		CHILD_CHECK(getsockname(l, (struct sockaddr *)&sa, &len) == 0);
		sv[0] = socket(AF_INET, SOCK_STREAM, 0);
		CHILD_CHECK(connect(sv[0], (struct sockaddr *)&sa, len) == 0);
		sv[1] = accept(l, NULL, NULL);
		CHILD_CHECK(sv[1] >= 0);
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		CHILD_CHECK(setsockopt(sv[1], SOL_SOCKET, SO_LINGER, &lg,
				       sizeof(lg)) == 0);
	} else {
		CHILD_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		/* Unread by the peer when it closes: a reset. */
		CHILD_CHECK(write(sv[0], "unread", 6) == 6);
	}
	CHILD_CHECK(dup2(sv[0], 0) == 0);
	close(sv[0]);
	close(sv[1]);
	if (l >= 0)
		close(l);
	CHILD_CHECK(ipcx_open("stdio:", IPCX_RECV, &ch) == 0);
	ssize_t r = ipcx_recv(ch, buf, sizeof(buf), NULL);
	if (r != -ECONNRESET) {
		fprintf(stderr, "child: recv gave %zd, not -ECONNRESET\n", r);
		_exit(1);
	}
	CHILD_CHECK(strstr(ipcx_error_detail(), "reset"));
	ipcx_close(ch);
}

static void reset_ignored_unix(void)
{
	reset_reader(true, false);
}

static void reset_default_unix(void)
{
	reset_reader(false, false);
}

static void reset_ignored_tcp(void)
{
	reset_reader(true, true);
}

static void reset_default_tcp(void)
{
	reset_reader(false, true);
}

static void t_reset_is_not_eof(void **state)
{
	void (*fns[])(void) = {reset_ignored_unix, reset_default_unix,
			       reset_ignored_tcp, reset_default_tcp};

	(void)state;
	for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++) {
		int in, out;
		pid_t pid = spawn(fns[i], &in, &out);
		assert_int_equal(conf_wait(pid), 0);
		close(in);
		close(out);
	}
}

static void t_no_target(void **state)
{
	struct ipcx_chan *c;

	(void)state;
	assert_int_equal(ipcx_open("stdio:x", 0, &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),
		cmocka_unit_test(t_timeout),
		cmocka_unit_test(t_reset_is_not_eof),
		cmocka_unit_test(t_no_target),
	};

	return cmocka_run_group_tests_name("stdio", tests, NULL, NULL);
}
