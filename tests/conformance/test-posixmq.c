/* SPDX-License-Identifier: MIT */
/* POSIX message queues: the conformance suite one way, and queue
 * semantics: priorities, attributes, names, polling, permissions. */
#include "conformance.h"

#include <errno.h>
#include <mqueue.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Names this process made, removed after every test, failed or not. */
static char names[64][48];
static int nnames;

static const char *new_name(void)
{
	static int n;
	char *s = names[nnames < 63 ? nnames++ : 63];

	snprintf(s, sizeof(names[0]), "/ipcx-test-%d-%d", (int)getpid(), ++n);
	return s;
}

static int remove_names(void **state)
{
	(void)state;
	for (int i = 0; i < nnames; i++)
		mq_unlink(names[i]);
	nnames = 0;
	return 0;
}

static void pq_setup(struct fx *f, const char *opts)
{
	char base[96];
	struct ipcx_chan *c;

	snprintf(base, sizeof(base), "posixmq:%s", new_name());
	conf_with_opts(f->addr, sizeof(f->addr), base, opts);
	snprintf(f->path, sizeof(f->path), "%s", base);
	assert_int_equal(ipcx_open(base, IPCX_CREATE | IPCX_EXCL, &c), 0);
	ipcx_close(c);
}

static void pq_teardown(struct fx *f)
{
	ipcx_unlink(f->path);
	remove_names(NULL);
}

static const struct fixture fix = {
	.scheme = "posixmq",
	.oneway = true,
	.setup = pq_setup,
	.end_a = conf_open_recv,
	.end_b = conf_open_send,
	.teardown = pq_teardown,
};

static struct ipcx_chan *open_q(const char *name, const char *opts,
				unsigned flags)
{
	char addr[160];
	struct ipcx_chan *c;

	snprintf(addr, sizeof(addr), "posixmq:%s%s%s", name, *opts ? "?" : "",
		 opts);
	int r = ipcx_open(addr, flags | IPCX_CREATE, &c);
	if (r < 0)
		fail_msg("%s: %s", addr, ipcx_error_detail());
	return c;
}

static void send_prio(struct ipcx_chan *c, unsigned prio, const char *s)
{
	struct ipcx_meta m = {.valid = IPCX_META_PRIO, .prio = prio};

	assert_int_equal(ipcx_send(c, s, strlen(s), &m), (ssize_t)strlen(s));
}

static void t_priority_order(void **state)
{
	const char *name = new_name();
	struct ipcx_chan *c = open_q(name, "", 0);
	const char *want[] = {"b", "d", "c", "a"};
	const unsigned prios[] = {5, 5, 3, 1};
	char buf[8192];
	struct ipcx_meta m = {0};

	(void)state;
	send_prio(c, 1, "a");
	send_prio(c, 5, "b");
	send_prio(c, 3, "c");
	send_prio(c, 5, "d");
	/* Highest priority first; oldest first within one priority. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ipcx_recv(c, buf, sizeof(buf), &m), 1);
		assert_int_equal(buf[0], want[i][0]);
		assert_true(m.valid & IPCX_META_PRIO);
		assert_int_equal(m.prio, prios[i]);
	}
	ipcx_close(c);
}

static void t_attributes(void **state)
{
	const char *name = new_name();
	struct ipcx_chan *c = open_q(name, "maxmsg=5&msgsize=128&prio=7", 0);
	struct ipcx_chan_info info = {0};
	struct ipcx_meta m = {0};
	char buf[200];

	(void)state;
	assert_int_equal(ipcx_chan_get(c, &info), 0);
	assert_int_equal(info.capacity, 5);
	assert_int_equal(info.msgsize, 128);
	assert_int_equal(info.queued, 0);
	assert_int_equal(ipcx_send(c, buf, 129, NULL), -EMSGSIZE);
	assert_non_null(strstr(ipcx_error_detail(), "msgsize 128"));
	assert_int_equal(ipcx_send(c, buf, 128, NULL), 128);
	assert_int_equal(ipcx_chan_get(c, &info), 0);
	assert_int_equal(info.queued, 1);
	/* A buffer under msgsize: the kernel's rule, said before asking,
	 * and the queue is unchanged. */
	assert_int_equal(ipcx_recv(c, buf, 64, &m), -EMSGSIZE);
	assert_int_equal(m.size, 128);
	assert_int_equal(ipcx_chan_get(c, &info), 0);
	assert_int_equal(info.queued, 1);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), &m), 128);
	assert_int_equal(m.prio, 7); /* prio= is the default to send */
	ipcx_close(c);
	/* Limits: named, with the file that raises them. */
	struct ipcx_chan *x;
	char addr[160];
	snprintf(addr, sizeof(addr), "posixmq:%s?create=1&maxmsg=100000",
		 new_name());
	assert_int_equal(ipcx_open(addr, 0, &x), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "msg_max"));
	snprintf(addr, sizeof(addr), "posixmq:%s?create=1&msgsize=99999999",
		 new_name());
	assert_int_equal(ipcx_open(addr, 0, &x), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "msgsize_max"));
	snprintf(addr, sizeof(addr), "posixmq:%s?maxmsg=4", name);
	assert_int_equal(ipcx_open(addr, 0, &x), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "create=1"));
}

static void t_names(void **state)
{
	struct ipcx_chan *c;
	char longname[300];

	(void)state;
	assert_int_equal(ipcx_open("posixmq:noslash", 0, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "/name"));
	assert_int_equal(ipcx_open("posixmq:/a/b", 0, &c), -EINVAL);
	assert_int_equal(ipcx_open("posixmq:/", 0, &c), -EINVAL);
	memset(longname, 'n', sizeof(longname));
	memcpy(longname, "posixmq:/", 9);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(ipcx_open(longname, 0, &c), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "NAME_MAX"));
	assert_int_equal(ipcx_open("posixmq:/x?prio=99999", 0, &c), -EINVAL);
	assert_int_equal(ipcx_open("posixmq:/x?type=1", 0, &c), -EINVAL);
	assert_int_equal(
		ipcx_open("posixmq:/ipcx-no-such-queue", IPCX_SEND, &c),
		-ENOENT);
	assert_non_null(strstr(ipcx_error_detail(), "no such queue"));
}

static void t_poll_and_full(void **state)
{
	const char *name = new_name();
	struct ipcx_chan *r = open_q(name, "maxmsg=2&msgsize=64", IPCX_RECV);
	struct ipcx_chan *nb = open_q(name, "nonblock=1", IPCX_SEND);
	struct ipcx_chan *timed = open_q(name, "timeout=150", IPCX_SEND);
	struct pollfd p = {.fd = ipcx_fd(r), .events = POLLIN};
	struct timespec t0, t1;
	char buf[64];

	(void)state;
	assert_true(p.fd >= 0);
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(ipcx_send(nb, "1", 1, NULL), 1);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(ipcx_send(nb, "2", 1, NULL), 1);
	assert_int_equal(ipcx_send(nb, "3", 1, NULL), -EAGAIN);
	assert_non_null(strstr(ipcx_error_detail(), "queue full"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_send(timed, "3", 1, NULL), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		  (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 140 && ms < 2000);
	/* Opened for sending only: no receiving. */
	assert_int_equal(ipcx_recv(nb, buf, sizeof(buf), NULL), -EBADF);
	assert_int_equal(ipcx_recv(r, buf, sizeof(buf), NULL), 1);
	ipcx_close(r);
	ipcx_close(nb);
	ipcx_close(timed);
}

static void t_competing_readers(void **state)
{
	const char *name = new_name();
	struct ipcx_chan *r = open_q(name, "timeout=500", IPCX_RECV);
	struct ipcx_chan *s = open_q(name, "", IPCX_SEND);

	(void)state;
	conf_competing_readers(r, s);
	ipcx_close(r);
	ipcx_close(s);
}

static void t_permission_and_unlink(void **state)
{
	const char *name = new_name();
	struct ipcx_chan *c = open_q(name, "mode=0600", 0), *x;
	char addr[160];
	pid_t pid;

	(void)state;
	snprintf(addr, sizeof(addr), "posixmq:%s", name);
	if (getuid() == 0) {
		pid = fork();
		if (pid == 0) {
			CHILD_CHECK(setuid(65534) == 0);
			CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &x) == -EACCES);
			CHILD_CHECK(strstr(ipcx_error_detail(), "permission"));
			_exit(0);
		}
		assert_int_equal(conf_wait(pid), 0);
	}
	/* Unlinked: the name is gone, the open queue still works. */
	assert_int_equal(ipcx_unlink(addr), 0);
	assert_int_equal(ipcx_open(addr, 0, &x), -ENOENT);
	assert_int_equal(ipcx_unlink(addr), -ENOENT);
	char buf[8192];
	assert_int_equal(ipcx_send(c, "still", 5, NULL), 5);
	assert_int_equal(ipcx_recv(c, buf, sizeof(buf), NULL), 5);
	ipcx_close(c);
}

/* mqueue filesystems in this process's mount namespace. */
static int mqueue_mounts(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/mounts", "re");

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, " mqueue ") != NULL;
	if (f)
		fclose(f);
	return n;
}

struct seen {
	const char *name;
	int found;
	long long size;
	const char *unit, *detail;
};

static int find_queue(const struct ipcx_object *o, void *arg)
{
	struct seen *s = arg;

	if (strstr(o->address, s->name)) {
		s->found++;
		s->size = o->size;
		s->unit = o->size_unit;
		s->detail = o->detail;
	}
	return 0;
}

/* ipcx_list mounts nothing unless asked (IPCX_LIST_MOUNT): without it,
 * and with no mqueue filesystem mounted, the queues are not listed and
 * the warnings say why; with it (root), they are, and nothing stays. */
static char list_addr[64];

static int remove_list_queue(void **state)
{
	(void)state;
	if (list_addr[0])
		ipcx_unlink(list_addr);
	return 0;
}

static void t_list_mounts_only_when_asked(void **state)
{
	char *addr = list_addr, warn[512];
	struct ipcx_chan *q;
	struct seen s = {.name = addr + 9};

	(void)state;
	if (mqueue_mounts() > 0)
		skip(); /* one is mounted: there is nothing to mount */
	snprintf(addr, sizeof(list_addr), "posixmq:/ipcx-test-%d-list",
		 (int)getpid());
	assert_int_equal(ipcx_open(addr, IPCX_CREATE | IPCX_RECV, &q), 0);
	assert_int_equal(
		ipcx_list("posixmq", 0, find_queue, &s, warn, sizeof(warn)), 0);
	assert_int_equal(s.found, 0);
	assert_non_null(strstr(warn, "no mqueue filesystem is mounted"));
	assert_int_equal(mqueue_mounts(), 0);
	if (geteuid() == 0) {
		assert_int_equal(ipcx_list("posixmq", IPCX_LIST_MOUNT,
					   find_queue, &s, warn, sizeof(warn)),
				 0);
		assert_int_equal(s.found, 1);
		assert_int_equal(mqueue_mounts(), 0);
		/* Its size is in messages; its limits in the detail. */
		assert_int_equal(s.size, 0);
		struct ipcx_chan *w;
		assert_int_equal(ipcx_open(addr, IPCX_SEND, &w), 0);
		assert_int_equal(ipcx_send(w, "12345678", 8, NULL), 8);
		assert_int_equal(ipcx_send(w, "12", 0, NULL), 0);
		ipcx_close(w);
		assert_int_equal(
			ipcx_object_find(addr, IPCX_LIST_MOUNT, find_queue, &s),
			0);
		assert_int_equal(s.size, 2);
		assert_string_equal(s.unit, "messages");
		assert_non_null(strstr(s.detail, "max "));
		assert_non_null(strstr(s.detail, " bytes"));
	}
	ipcx_close(q);
	assert_int_equal(ipcx_unlink(addr), 0);
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test_teardown(t_priority_order, remove_names),
		cmocka_unit_test_teardown(t_attributes, remove_names),
		cmocka_unit_test_teardown(t_names, remove_names),
		cmocka_unit_test_teardown(t_poll_and_full, remove_names),
		cmocka_unit_test_teardown(t_competing_readers, remove_names),
		cmocka_unit_test_teardown(t_permission_and_unlink,
					  remove_names),
		cmocka_unit_test_teardown(t_list_mounts_only_when_asked,
					  remove_list_queue),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
