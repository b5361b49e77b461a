/* SPDX-License-Identifier: MIT */
/* UNIX stream sockets: the conformance suite, and path/credential quirks. */
#include "conformance.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static void unix_setup(struct fx *f, const char *opts)
{
	conf_scratch(f->path, sizeof(f->path), ".sock");
	snprintf(f->addr, sizeof(f->addr), "unix:%s", f->path);
	conf_listen_setup(f, opts);
}

static void unix_teardown(struct fx *f)
{
	unlink(f->path);
}

static const struct fixture fix = {
	.scheme = "unix",
	.coalesce = true,
	.large = 64u << 20,
	.setup = unix_setup,
	.end_a = conf_listen_a,
	.end_b = conf_listen_b,
	.teardown = unix_teardown,
};

static void t_mode_and_removal(void **state)
{
	char path[128], addr[160];
	struct ipcx_chan *l;
	struct stat st;

	(void)state;
	conf_scratch(path, sizeof(path), ".sock");
	snprintf(addr, sizeof(addr), "unix:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A second listener on a live socket is refused. */
	struct ipcx_chan *l2;
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l2), -EADDRINUSE);
	assert_non_null(strstr(ipcx_error_detail(), "listening"));
	ipcx_close(l);
	assert_int_equal(lstat(path, &st), -1);
}

static void t_stale_and_foreign_paths(void **state)
{
	char path[128], addr[160];
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct ipcx_chan *l;
	int fd;

	(void)state;
	/* A socket file nobody serves is stale: it is replaced. */
	conf_scratch(un.sun_path, sizeof(un.sun_path), ".sock");
	snprintf(path, sizeof(path), "%s", un.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	close(fd);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), 0);
	ipcx_close(l);
	/* ...unless excl=1 says not to touch what is there. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	close(fd);
	snprintf(addr, sizeof(addr), "unix:%s?excl=1", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), -EEXIST);
	unlink(path);
	/* A regular file is never removed. */
	FILE *fp = fopen(path, "w");
	fputs("data", fp);
	fclose(fp);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), -EADDRINUSE);
	assert_non_null(strstr(ipcx_error_detail(), "not a socket"));
	assert_int_equal(ipcx_unlink(addr), -ENOTSOCK);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

static void t_abstract(void **state)
{
	char addr[64];
	struct ipcx_chan *l, *c, *s;
	struct ipcx_chan_info info = {0};
	char buf[8];

	(void)state;
	snprintf(addr, sizeof(addr), "unix:@ipcx-test-%d", (int)getpid());
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), 0);
	assert_int_equal(ipcx_chan_get(l, &info), 0);
	assert_string_equal(info.local, addr);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &c), 0);
	assert_int_equal(ipcx_accept(l, &s), 0);
	assert_int_equal(ipcx_send(c, "hi", 2, NULL), 2);
	struct ipcx_meta m = {0};
	assert_int_equal(ipcx_recv(s, buf, sizeof(buf), &m), 2);
	assert_true(m.valid & IPCX_META_PID);
	assert_int_equal(m.pid, getpid());
	assert_int_equal(m.uid, getuid());
	ipcx_close(c);
	ipcx_close(s);
	ipcx_close(l);
}

static void t_allow_uid(void **state)
{
	char path[128], addr[200];
	struct ipcx_chan *l, *s;
	pid_t pid;

	(void)state;
	if (getuid() != 0)
		skip(); /* needs a second uid: run as root */
	conf_scratch(path, sizeof(path), ".sock");
	snprintf(addr, sizeof(addr), "unix:%s?allow-uid=0&mode=0666", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), 0);
	pid = fork();
	if (pid == 0) {
		struct ipcx_chan *c;
		char conn[160];
		CHILD_CHECK(setuid(65534) == 0);
		snprintf(conn, sizeof(conn), "unix:%s", path);
		CHILD_CHECK(ipcx_open(conn, IPCX_CONNECT, &c) == 0);
		char buf[4];
		/* The listener hangs up on us. */
		CHILD_CHECK(ipcx_recv(c, buf, sizeof(buf), NULL) <= 0);
		_exit(0);
	}
	assert_int_equal(ipcx_accept(l, &s), -EACCES);
	assert_non_null(strstr(ipcx_error_detail(), "uid 65534"));
	assert_int_equal(conf_wait(pid), 0);
	/* The connecting side checks the listener's uid too. */
	snprintf(addr, sizeof(addr), "unix:%s?allow-uid=4242", path);
	struct ipcx_chan *c;
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &c), -EACCES);
	ipcx_close(l);
}

static void t_pair(void **state)
{
	struct ipcx_chan *a, *b;
	char buf[16];

	(void)state;
	assert_int_equal(ipcx_pair("unix:?framing=length", &a, &b), 0);
	assert_int_equal(ipcx_send(a, "one", 3, NULL), 3);
	assert_int_equal(ipcx_send(a, "two", 3, NULL), 3);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "one", 3);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 3);
	assert_int_equal(ipcx_shutdown(a), 0);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 0);
	ipcx_close(a);
	ipcx_close(b);
}

static void t_errors(void **state)
{
	char path[128], addr[160];
	struct ipcx_chan *c;

	(void)state;
	conf_scratch(path, sizeof(path), ".sock");
	snprintf(addr, sizeof(addr), "unix:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &c), -ENOENT);
	assert_non_null(strstr(ipcx_error_detail(), path));
	assert_int_equal(ipcx_open("unix:@", IPCX_CONNECT, &c), -EINVAL);
	char longp[200];
	memset(longp, 'x', sizeof(longp));
	memcpy(longp, "unix:/", 6);
	longp[150] = '\0';
	assert_int_equal(ipcx_open(longp, IPCX_CONNECT, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "too long"));
}

/* Only the process that bound a path removes it: a forked child that
 * closes the inherited listener (or asks it to unlink) leaves the
 * parent's socket in place. */
static void t_child_leaves_parent_path(void **state)
{
	char path[128], addr[160];
	struct ipcx_chan *l, *c, *a;

	(void)state;
	conf_scratch(path, sizeof(path), ".sock");
	snprintf(addr, sizeof(addr), "unix:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_LISTEN, &l), 0);
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_chan_unlink(l) == 0);
		CHILD_CHECK(ipcx_close(l) == 0);
		CHILD_CHECK(access(path, F_OK) == 0);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(ipcx_open(addr, IPCX_CONNECT, &c), 0);
	assert_int_equal(ipcx_accept(l, &a), 0);
	ipcx_close(a);
	ipcx_close(c);
	ipcx_close(l);
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_mode_and_removal),
		cmocka_unit_test(t_stale_and_foreign_paths),
		cmocka_unit_test(t_abstract),
		cmocka_unit_test(t_allow_uid),
		cmocka_unit_test(t_pair),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_child_leaves_parent_path),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
