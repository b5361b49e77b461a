/* SPDX-License-Identifier: MIT */
/* System V message queues: the conformance suite one way, and queue
 * semantics: types, competing readers, a full queue, removal, limits. */
#include "conformance.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <time.h>

/* Keys (and private ids) this process made, removed after every test,
 * failed or not. */
static int keys[64], nkeys, private_ids[8], nprivate;

/* A key no other test run uses: pid and a counter. */
static int new_key(void)
{
	static int n;
	int k = 0x49000000 | ((int)getpid() & 0xffff) << 8 | (++n & 0xff);

	if (nkeys < 64)
		keys[nkeys++] = k;
	return k;
}

static int remove_keys(void **state)
{
	(void)state;
	for (int i = 0; i < nkeys; i++) {
		int id = msgget(keys[i], 0);
		if (id >= 0)
			msgctl(id, IPC_RMID, NULL);
	}
	nkeys = 0;
	for (int i = 0; i < nprivate; i++)
		msgctl(private_ids[i], IPC_RMID, NULL);
	nprivate = 0;
	return 0;
}

static void mq_setup(struct fx *f, const char *opts)
{
	char base[64];

	snprintf(base, sizeof(base), "sysvmq:0x%x", new_key());
	conf_with_opts(f->addr, sizeof(f->addr), base, opts);
	snprintf(f->path, sizeof(f->path), "%s", base);
	struct ipcx_chan *c;
	assert_int_equal(ipcx_open(base, IPCX_CREATE | IPCX_EXCL, &c), 0);
	ipcx_close(c);
}

static void mq_teardown(struct fx *f)
{
	ipcx_unlink(f->path);
}

static const struct fixture fix = {
	.scheme = "sysvmq",
	.oneway = true,
	.setup = mq_setup,
	.end_a = conf_open_recv,
	.end_b = conf_open_send,
	.teardown = mq_teardown,
};

/* Opens KEY's queue with OPTS, creating it; the test removes it. */
static struct ipcx_chan *open_q(int key, const char *opts)
{
	char addr[96];
	struct ipcx_chan *c;

	snprintf(addr, sizeof(addr), "sysvmq:0x%x%s%s", key, *opts ? "?" : "",
		 opts);
	assert_int_equal(ipcx_open(addr, IPCX_CREATE, &c), 0);
	return c;
}

static void rm_q(int key)
{
	char addr[32];

	snprintf(addr, sizeof(addr), "sysvmq:0x%x", key);
	assert_int_equal(ipcx_unlink(addr), 0);
}

static void send_typed(struct ipcx_chan *c, long type, const char *s)
{
	struct ipcx_meta m = {.valid = IPCX_META_TYPE, .type = type};

	assert_int_equal(ipcx_send(c, s, strlen(s), &m), (ssize_t)strlen(s));
}

static void expect_msg(struct ipcx_chan *c, const char *want, long type)
{
	struct ipcx_meta m = {0};
	char buf[64];
	ssize_t n = ipcx_recv(c, buf, sizeof(buf), &m);

	assert_int_equal(n, (ssize_t)strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
	assert_true(m.valid & IPCX_META_TYPE);
	assert_int_equal(m.type, type);
}

static void t_type_selection(void **state)
{
	int key = new_key();
	struct ipcx_chan *s = open_q(key, ""), *any = open_q(key, "type=0"),
			 *two = open_q(key, "type=2"),
			 *upto2 = open_q(key, "type=-2"),
			 *one = open_q(key, "type=1");

	(void)state;
	send_typed(s, 3, "t3a");
	send_typed(s, 1, "t1a");
	send_typed(s, 2, "t2a");
	send_typed(s, 1, "t1b");
	expect_msg(any, "t3a", 3);   /* 0: the oldest of any type */
	expect_msg(two, "t2a", 2);   /* N: the oldest of type N */
	expect_msg(upto2, "t1a", 1); /* -N: the lowest type <= N */
	expect_msg(one, "t1b", 1);
	/* A type to send is > 0; the default is 1. */
	struct ipcx_meta bad = {.valid = IPCX_META_TYPE, .type = 0};
	assert_int_equal(ipcx_send(s, "x", 1, &bad), -EINVAL);
	assert_int_equal(ipcx_send(s, "d", 1, NULL), 1);
	expect_msg(any, "d", 1);
	ipcx_close(s);
	ipcx_close(any);
	ipcx_close(two);
	ipcx_close(upto2);
	ipcx_close(one);
	rm_q(key);
}

static void t_competing_readers(void **state)
{
	int key = new_key();
	struct ipcx_chan *r = open_q(key, "timeout=500"), *s = open_q(key, "");

	(void)state;
	conf_competing_readers(r, s);
	ipcx_close(r);
	ipcx_close(s);
	rm_q(key);
}

static long long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000LL +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void t_full_queue(void **state)
{
	int key = new_key();
	struct ipcx_chan *nb = open_q(key, "nonblock=1"),
			 *timed = open_q(key, "timeout=150");
	static char msg[1000];
	struct ipcx_chan_info info = {0};
	struct timespec t0;
	ssize_t r = 0;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		if ((r = ipcx_send(nb, msg, sizeof(msg), NULL)) < 0)
			break;
	assert_int_equal(r, -EAGAIN);
	assert_non_null(strstr(ipcx_error_detail(), "queue full"));
	assert_int_equal(ipcx_chan_get(nb, &info), 0);
	assert_int_equal(info.queued, i);
	assert_true((long)i * 1000 <= info.capacity);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipcx_send(timed, msg, sizeof(msg), NULL), -ETIMEDOUT);
	long long ms = ms_since(&t0);
	assert_true(ms >= 140 && ms < 2000);
	ipcx_close(nb);
	ipcx_close(timed);
	rm_q(key);
}

static void t_removed_under_a_waiter(void **state)
{
	char addr[64];
	int key = new_key();
	struct ipcx_chan *c = open_q(key, "");
	pid_t pid[2];

	(void)state;
	/* One waits in msgrcv(), one in the timed retry loop. */
	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] == 0) {
			struct ipcx_chan *w;
			char buf[16];
			snprintf(addr, sizeof(addr), "sysvmq:0x%x%s", key,
				 k ? "?timeout=10000" : "");
			CHILD_CHECK(ipcx_open(addr, IPCX_RECV, &w) == 0);
			alarm(5); /* a hang is a failure, not a stuck test */
			CHILD_CHECK(ipcx_recv(w, buf, sizeof(buf), NULL) ==
				    -EIDRM);
			CHILD_CHECK(strstr(ipcx_error_detail(),
					   "queue removed") != NULL);
			_exit(0);
		}
	}
	usleep(200000);
	rm_q(key);
	assert_int_equal(conf_wait(pid[0]), 0);
	assert_int_equal(conf_wait(pid[1]), 0);
	assert_int_equal(ipcx_send(c, "x", 1, NULL), -EIDRM);
	ipcx_close(c);
}

static void t_oversize(void **state)
{
	int key = new_key();
	struct ipcx_chan *c = open_q(key, "");
	struct ipcx_chan_info info = {0};
	struct ipcx_meta m = {0};
	char small[10], *big;

	(void)state;
	assert_int_equal(ipcx_chan_get(c, &info), 0);
	big = calloc(1, (size_t)info.msgsize + 1);
	/* Larger than msgmax: refused before any system call. */
	assert_int_equal(ipcx_send(c, big, (size_t)info.msgsize + 1, NULL),
			 -EMSGSIZE);
	assert_non_null(strstr(ipcx_error_detail(), "msgmax"));
	assert_int_equal(ipcx_send(c, big, 100, NULL), 100);
	/* Too small a buffer: an error, and the queue is unchanged. */
	assert_int_equal(ipcx_recv(c, small, sizeof(small), &m), -EMSGSIZE);
	assert_true(m.size >= 100);
	assert_int_equal(ipcx_chan_get(c, &info), 0);
	assert_int_equal(info.queued, 1);
	assert_int_equal(info.peer_pid, getpid()); /* the last sender */
	struct ipcx_meta w = {.want = IPCX_META_PID};
	assert_int_equal(ipcx_recv(c, big, m.size, &w), 100);
	assert_true(w.valid & IPCX_META_PID);
	assert_int_equal(w.pid, getpid());
	/* A queue has no descriptor to poll: an error, not -1. */
	assert_int_equal(ipcx_fd(c), -EOPNOTSUPP);
	assert_int_equal(ipcx_fd(NULL), -EINVAL);
	free(big);
	ipcx_close(c);
	rm_q(key);
}

static void t_permission(void **state)
{
	int key = new_key();
	struct ipcx_chan *c = open_q(key, "mode=0600");
	pid_t pid;

	(void)state;
	if (getuid() != 0) {
		ipcx_close(c);
		rm_q(key);
		skip();
	}
	pid = fork();
	if (pid == 0) {
		char addr[64];
		struct ipcx_chan *x;
		CHILD_CHECK(setuid(65534) == 0);
		snprintf(addr, sizeof(addr), "sysvmq:0x%x", key);
		CHILD_CHECK(ipcx_open(addr, IPCX_SEND, &x) == -EACCES);
		CHILD_CHECK(strstr(ipcx_error_detail(), "permission") != NULL);
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 0);
	ipcx_close(c);
	rm_q(key);
}

static void t_key_forms(void **state)
{
	char path[128], addr[200], dec[64];
	struct ipcx_chan *a, *b, *p1, *p2, *pv;
	int key = new_key();
	char buf[8];

	(void)state;
	/* Hex and decimal name the same queue. */
	a = open_q(key, "");
	snprintf(dec, sizeof(dec), "sysvmq:%u", (unsigned)key);
	assert_int_equal(ipcx_open(dec, 0, &b), 0);
	assert_int_equal(ipcx_send(a, "hd", 2, NULL), 2);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 2);
	ipcx_close(a);
	ipcx_close(b);
	rm_q(key);
	/* A path makes a key through ftok(); proj= changes it. */
	conf_scratch(path, sizeof(path), ".key");
	FILE *fp = fopen(path, "w");
	fclose(fp);
	snprintf(addr, sizeof(addr), "sysvmq:%s", path);
	assert_int_equal(ipcx_open(addr, IPCX_CREATE | IPCX_EXCL, &p1), 0);
	snprintf(addr, sizeof(addr), "sysvmq:%s?proj=2", path);
	assert_int_equal(ipcx_open(addr, IPCX_CREATE | IPCX_EXCL, &p2), 0);
	struct ipcx_chan_info i1 = {0}, i2 = {0};
	ipcx_chan_get(p1, &i1);
	ipcx_chan_get(p2, &i2);
	assert_true(i1.id != i2.id);
	ipcx_close(p1);
	ipcx_close(p2);
	snprintf(addr, sizeof(addr), "sysvmq:%s", path);
	assert_int_equal(ipcx_unlink(addr), 0);
	snprintf(addr, sizeof(addr), "sysvmq:%s?proj=2", path);
	assert_int_equal(ipcx_unlink(addr), 0);
	unlink(path);
	snprintf(addr, sizeof(addr), "sysvmq:%s", path);
	assert_int_equal(ipcx_open(addr, 0, &p1), -ENOENT);
	assert_non_null(strstr(ipcx_error_detail(), "ftok"));
	/* private: a new queue for related processes; its id is known. */
	assert_int_equal(ipcx_open("sysvmq:private", IPCX_CREATE, &pv), 0);
	struct ipcx_chan_info pi = {0};
	assert_int_equal(ipcx_chan_get(pv, &pi), 0);
	assert_true(pi.id >= 0);
	private_ids[nprivate++] = (int)pi.id;
	pid_t pid = fork();
	if (pid == 0) {
		CHILD_CHECK(ipcx_send(pv, "fork", 4, NULL) == 4);
		_exit(0);
	}
	assert_int_equal(ipcx_recv(pv, buf, sizeof(buf), NULL), 4);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_unlink("sysvmq:private"), -EINVAL);
	assert_int_equal(msgctl((int)pi.id, IPC_RMID, NULL), 0);
	ipcx_close(pv);
	/* Bad keys. */
	assert_int_equal(ipcx_open("sysvmq:0", 0, &a), -EINVAL);
	assert_int_equal(ipcx_open("sysvmq:0x1ffffffff", 0, &a), -EINVAL);
	assert_int_equal(ipcx_open("sysvmq:12ab", 0, &a), -EINVAL);
	assert_int_equal(ipcx_open("sysvmq:0x10?proj=3", 0, &a), -EINVAL);
	assert_int_equal(ipcx_open("sysvmq:/tmp?proj=300", 0, &a), -EINVAL);
	assert_int_equal(ipcx_open("sysvmq:0x10?prio=3", 0, &a), -EINVAL);
	assert_int_equal(ipcx_open("sysvmq:0x7fffff01", IPCX_SEND, &a),
			 -ENOENT);
	assert_non_null(strstr(ipcx_error_detail(), "no such queue"));
}

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test_teardown(t_type_selection, remove_keys),
		cmocka_unit_test_teardown(t_competing_readers, remove_keys),
		cmocka_unit_test_teardown(t_full_queue, remove_keys),
		cmocka_unit_test_teardown(t_removed_under_a_waiter,
					  remove_keys),
		cmocka_unit_test_teardown(t_oversize, remove_keys),
		cmocka_unit_test_teardown(t_permission, remove_keys),
		cmocka_unit_test_teardown(t_key_forms, remove_keys),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
