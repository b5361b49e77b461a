/* SPDX-License-Identifier: MIT */
/* FIFOs: the conformance suite one way, and FIFO quirks. */
#include "conformance.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void fifo_setup(struct fx *f, const char *opts)
{
	char base[200];

	conf_scratch(f->path, sizeof(f->path), ".fifo");
	assert_int_equal(mkfifo(f->path, 0600), 0);
	snprintf(base, sizeof(base), "fifo:%s", f->path);
	conf_with_opts(f->addr, sizeof(f->addr), base, opts);
}

static void fifo_teardown(struct fx *f)
{
	unlink(f->path);
}

static const struct fixture fix = {
	.scheme = "fifo",
	.oneway = true,
	.coalesce = true,
	.large = 64u << 20,
	.setup = fifo_setup,
	.end_a = conf_open_recv,
	.end_b = conf_open_send,
	.teardown = fifo_teardown,
};

static void t_create_mode(void **state)
{
	char path[128], addr[160];
	struct ipcx_chan *c;
	struct stat st;

	(void)state;
	conf_scratch(path, sizeof(path), ".fifo");
	snprintf(addr, sizeof(addr), "fifo:%s?nonblock=1", path);
	/* The sending side never creates. */
	assert_int_equal(ipcx_open(addr, IPCX_SEND, &c), -ENOENT);
	assert_non_null(strstr(ipcx_error_detail(), path));
	assert_int_equal(ipcx_open(addr, IPCX_RECV | IPCX_CREATE, &c), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	/* No reader: a non-blocking writer is told so. */
	ipcx_close(c);
	assert_int_equal(ipcx_open(addr, IPCX_SEND, &c), -ENXIO);
	assert_int_equal(ipcx_unlink(addr), 0);
	assert_int_equal(stat(path, &st), -1);
}

static void t_mode_and_excl(void **state)
{
	char path[128], addr[200];
	struct ipcx_chan *c;
	struct stat st;

	(void)state;
	conf_scratch(path, sizeof(path), ".fifo");
	snprintf(addr, sizeof(addr), "fifo:%s?nonblock=1&mode=0640&excl=1",
		 path);
	assert_int_equal(ipcx_open(addr, IPCX_RECV, &c), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	ipcx_close(c);
	assert_int_equal(ipcx_open(addr, IPCX_RECV, &c), -EEXIST);
	unlink(path);
}

static void t_refuses(void **state)
{
	char path[128], link[140], addr[200];
	struct ipcx_chan *c;

	(void)state;
	conf_scratch(path, sizeof(path), ".file");
	FILE *fp = fopen(path, "w");
	fputs("keep me", fp);
	fclose(fp);
	snprintf(addr, sizeof(addr), "fifo:%s?nonblock=1", path);
	assert_int_equal(ipcx_open(addr, IPCX_RECV | IPCX_CREATE, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "not a FIFO"));
	assert_int_equal(ipcx_unlink(addr), -EINVAL);
	/* A symlink where we would create: refused, not followed. */
	snprintf(link, sizeof(link), "%s.lnk", path);
	assert_int_equal(symlink(path, link), 0);
	snprintf(addr, sizeof(addr), "fifo:%s?nonblock=1", link);
	assert_int_equal(ipcx_open(addr, IPCX_RECV | IPCX_CREATE, &c), -ELOOP);
	/* Both directions at once is not a FIFO thing. */
	assert_int_equal(ipcx_open(addr, IPCX_RECV | IPCX_SEND, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "one direction"));
	unlink(link);
	unlink(path);
}

static void t_open_timeout(void **state)
{
	char path[128], addr[200];
	struct ipcx_chan *c;

	(void)state;
	conf_scratch(path, sizeof(path), ".fifo");
	snprintf(addr, sizeof(addr), "fifo:%s?timeout=100&create=1", path);
	assert_int_equal(ipcx_open(addr, IPCX_SEND, &c), -ETIMEDOUT);
	assert_non_null(strstr(ipcx_error_detail(), "no reader"));
	/* A FIFO this open created is removed when the open fails. */
	assert_int_equal(access(path, F_OK), -1);
}

static void t_reader_death(void **state)
{
	char path[128], addr[200];
	struct ipcx_chan *c;
	pid_t pid;

	(void)state;
	signal(SIGPIPE, SIG_DFL);
	conf_scratch(path, sizeof(path), ".fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(addr, sizeof(addr), "fifo:%s", path);
	pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_open(addr, IPCX_RECV, &c) == 0);
		_exit(0);
	}
	assert_int_equal(ipcx_open(addr, IPCX_SEND, &c), 0);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_send(c, "x", 1, NULL), -EPIPE);
	/* A thread that blocks SIGPIPE itself finds it pending, as after
	 * a plain write(); one that does not, finds nothing pending. */
	sigset_t set, pending;
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	assert_int_equal(ipcx_send(c, "x", 1, NULL), -EPIPE);
	sigpending(&pending);
	assert_true(sigismember(&pending, SIGPIPE));
	int sig = 0;
	assert_int_equal(sigwait(&set, &sig), 0);
	assert_int_equal(sig, SIGPIPE);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	ipcx_close(c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_create_mode),
		cmocka_unit_test(t_mode_and_excl),
		cmocka_unit_test(t_refuses),
		cmocka_unit_test(t_open_timeout),
		cmocka_unit_test(t_reader_death),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
