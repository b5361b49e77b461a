/* SPDX-License-Identifier: MIT */
/* Regions on every shared-memory facility: what one process writes,
 * another sees; sizes, modes, names, missing objects, removal. */
#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>

/* Addresses made by the current test, removed by its teardown. */
static char made[8][160];
static int nmade;

static const char *new_addr(const char *scheme)
{
	static int n;
	char *a = made[nmade < 7 ? nmade++ : 7];

	n++;
	if (!strcmp(scheme, "posixshm"))
		snprintf(a, sizeof(made[0]), "posixshm:/ipcx-test-%d-%d",
			 (int)getpid(), n);
	else if (!strcmp(scheme, "sysvshm"))
		snprintf(a, sizeof(made[0]), "sysvshm:0x%x",
			 0x4d000000 | ((int)getpid() & 0xffff) << 8 | n);
	else if (!strcmp(scheme, "mmap"))
		snprintf(a, sizeof(made[0]), "mmap:/tmp/ipcx-test-%d-%d.map",
			 (int)getpid(), n);
	else
		snprintf(a, sizeof(made[0]), "anon:");
	return a;
}

static int remove_made(void **state)
{
	(void)state;
	for (int i = 0; i < nmade; i++)
		if (strcmp(made[i], "anon:"))
			ipcx_unlink(made[i]);
	nmade = 0;
	return 0;
}

static const char *const schemes[] = {"posixshm", "sysvshm", "mmap", "anon"};

static void t_shared_write(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		const char *addr = new_addr(schemes[i]);
		struct ipcx_region *r;
		pid_t pid;

		assert_int_equal(ipcx_region_open(addr, IPCX_CREATE, 4096, &r),
				 0);
		assert_int_equal(ipcx_region_size(r), 4096);
		unsigned char *p = ipcx_region_base(r);
		assert_int_equal(p[4095], 0); /* new bytes are zero */
		pid = fork();
		if (pid == 0) {
			/* Named regions: a mapping of its own; anon: the
			 * inherited one. */
			struct ipcx_region *c = r;
			if (strcmp(schemes[i], "anon"))
				CHILD_CHECK(ipcx_region_open(addr, 0, 0, &c) ==
					    0);
			CHILD_CHECK(ipcx_region_size(c) == 4096);
			memset(ipcx_region_base(c), 0x5a, 4096);
			CHILD_CHECK(ipcx_region_write(c, 10, "child", 5) == 5);
			_exit(0);
		}
		assert_int_equal(conf_wait(pid), 0);
		char buf[5];
		assert_int_equal(ipcx_region_read(r, 10, buf, 5), 5);
		assert_memory_equal(buf, "child", 5);
		assert_int_equal(p[0], 0x5a);
		assert_int_equal(p[4095], 0x5a);
		assert_int_equal(ipcx_region_close(r), 0);
	}
}

static void t_sizes_and_bounds(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) { /* the named ones */
		const char *addr = new_addr(schemes[i]);
		char opt[200];
		struct ipcx_region *r, *w;
		snprintf(opt, sizeof(opt), "%s?size=8K", addr);
		assert_int_equal(ipcx_region_open(opt, IPCX_CREATE, 0, &r), 0);
		assert_int_equal(ipcx_region_size(r), 8192);
		/* No size: all of it.  A larger size: refused (SIGBUS). */
		assert_int_equal(ipcx_region_open(addr, 0, 0, &w), 0);
		assert_int_equal(ipcx_region_size(w), 8192);
		ipcx_region_close(w);
		assert_int_equal(ipcx_region_open(addr, 0, 4096, &w), 0);
		assert_int_equal(ipcx_region_size(w), 4096);
		ipcx_region_close(w);
		assert_int_equal(ipcx_region_open(addr, 0, 8193, &w), -EINVAL);
		assert_non_null(strstr(ipcx_error_detail(), "SIGBUS"));
		/* Bounded copies. */
		char buf[16];
		assert_int_equal(ipcx_region_read(r, 8190, buf, 3), -EINVAL);
		assert_int_equal(ipcx_region_write(r, 8193, buf, 0), -EINVAL);
		assert_int_equal(ipcx_region_read(r, 8176, buf, 16), 16);
		/* excl=1 on one that exists. */
		assert_int_equal(
			ipcx_region_open(addr, IPCX_CREATE | IPCX_EXCL, 1, &w),
			-EEXIST);
		ipcx_region_close(r);
		/* Removal: gone for the next open. */
		assert_int_equal(ipcx_unlink(addr), 0);
		assert_int_equal(ipcx_region_open(addr, 0, 0, &w), -ENOENT);
		assert_non_null(strstr(ipcx_error_detail(), "no such"));
	}
	struct ipcx_region *a;
	assert_int_equal(ipcx_region_open("anon:", IPCX_CREATE, 0, &a),
			 -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "needs a size"));
	assert_int_equal(ipcx_region_open("anon:?size=1M", 0, 0, &a), 0);
	assert_int_equal(ipcx_region_size(a), 1 << 20);
	ipcx_region_close(a);
}

static void t_modes(void **state)
{
	struct ipcx_region *r;
	struct stat st;
	char path[200];

	(void)state;
	const char *ps = new_addr("posixshm");
	assert_int_equal(ipcx_region_open(ps, IPCX_CREATE, 100, &r), 0);
	snprintf(path, sizeof(path), "/dev/shm%s", ps + strlen("posixshm:"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	ipcx_region_close(r);

	const char *sv = new_addr("sysvshm");
	assert_int_equal(ipcx_region_open(sv, IPCX_CREATE, 100, &r), 0);
	struct shmid_ds ds;
	int id = shmget((key_t)strtoul(sv + strlen("sysvshm:"), NULL, 0), 0, 0);
	assert_true(id >= 0);
	assert_int_equal(shmctl(id, IPC_STAT, &ds), 0);
	assert_int_equal(ds.shm_perm.mode & 0777, 0600);
	ipcx_region_close(r);

	const char *mm = new_addr("mmap");
	char opt[200];
	snprintf(opt, sizeof(opt), "%s?mode=0640", mm);
	assert_int_equal(ipcx_region_open(opt, IPCX_CREATE, 100, &r), 0);
	assert_int_equal(stat(mm + strlen("mmap:"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	ipcx_region_close(r);

	/* Another uid is refused by a 0600 object. */
	if (getuid() == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			struct ipcx_region *x;
			CHILD_CHECK(setuid(65534) == 0);
			CHILD_CHECK(ipcx_region_open(ps, 0, 0, &x) == -EACCES);
			CHILD_CHECK(ipcx_region_open(sv, 0, 0, &x) == -EACCES);
			_exit(0);
		}
		assert_int_equal(conf_wait(pid), 0);
	}
}

static void t_shrunk_backing(void **state)
{
	struct ipcx_region *r;
	char buf[8];

	(void)state;
	const char *mm = new_addr("mmap");
	assert_int_equal(ipcx_region_open(mm, IPCX_CREATE, 8192, &r), 0);
	/* Another process cuts the file: access through ipcx says so
	 * instead of dying of SIGBUS. */
	assert_int_equal(truncate(mm + strlen("mmap:"), 0), 0);
	assert_int_equal(ipcx_region_read(r, 4096, buf, 8), -EFAULT);
	assert_non_null(strstr(ipcx_error_detail(), "shrank"));
	ipcx_region_close(r);

	const char *ps = new_addr("posixshm");
	assert_int_equal(ipcx_region_open(ps, IPCX_CREATE, 8192, &r), 0);
	int fd = shm_open(ps + strlen("posixshm:"), O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100), 0);
	close(fd);
	assert_int_equal(ipcx_region_write(r, 0, "x", 1), -EFAULT);
	ipcx_region_close(r);

	/* A mutex in a region cut under it: -EFAULT, not SIGBUS. */
	const char *mx = new_addr("mmap");
	struct ipcx_mutex *m;
	assert_int_equal(ipcx_region_open(mx, IPCX_CREATE, 8192, &r), 0);
	assert_int_equal(ipcx_mutex_init(r, 4096, &m), 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(truncate(mx + strlen("mmap:"), 0) == 0 ? 0 : 1);
	assert_int_equal(conf_wait(pid), 0);
	assert_int_equal(ipcx_mutex_acquire(m, IPCX_WAIT_FOREVER), -EFAULT);
	assert_non_null(strstr(ipcx_error_detail(), "SIGBUS"));
	assert_int_equal(ipcx_mutex_release(m), -EFAULT);
	ipcx_mutex_close(m);
	ipcx_region_close(r);
}

/* Touching a cut object through the raw pointer: the process lives (the
 * library maps zeros there) and the next call through ipcx says so.  A
 * fault on a mapping that is not the library's still kills, as it
 * would without ipcx. */
static void t_fault_through_pointer(void **state)
{
	struct ipcx_region *r;
	char buf[8];

	(void)state;
	const char *mm = new_addr("mmap");
	assert_int_equal(ipcx_region_open(mm, IPCX_CREATE, 8192, &r), 0);
	volatile unsigned char *p = ipcx_region_base(r);
	p[4096] = 1;
	pid_t pid = fork();
	if (pid == 0)
		_exit(truncate(mm + strlen("mmap:"), 0) == 0 ? 0 : 1);
	assert_int_equal(conf_wait(pid), 0);
	p[4096] = 2; /* SIGBUS without the library's handler */
	assert_int_equal(p[4096], 2);
	assert_int_equal(ipcx_region_read(r, 0, buf, 8), -EFAULT);
	assert_non_null(strstr(ipcx_error_detail(), "SIGBUS"));
	assert_int_equal(ipcx_region_write(r, 0, "x", 1), -EFAULT);
	ipcx_region_close(r);

	char path[128];
	snprintf(path, sizeof(path), "/tmp/ipcx-test-%d-foreign",
		 (int)getpid());
	const char *other = new_addr("mmap");
	pid = fork();
	if (pid == 0) {
		/* Without cmocka's handler: the library chains to the
		 * default one. */
		signal(SIGBUS, SIG_DFL);
		CHILD_CHECK(ipcx_region_open(other, IPCX_CREATE, 4096, &r) ==
			    0);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		CHILD_CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
		volatile char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);
		CHILD_CHECK(q != MAP_FAILED && ftruncate(fd, 0) == 0);
		q[0] = 1; /* not the library's: the default action */
		_exit(0);
	}
	assert_int_equal(conf_wait(pid), 128 + SIGBUS);
	unlink(path);
}

static int veto(const struct ipcx_object *o, void *arg)
{
	(void)o;
	++*(int *)arg;
	return 7;
}

/* ipcx_object_remove() on the regions ipcx ls lists: refused while this
 * process maps it (naming it), judged only with CHECK, kept when FN says
 * so, removed once let go.  A mapped file is rm(1)'s. */
static void t_remove_refuses_held(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const char *addr = new_addr(schemes[i]);
		struct ipcx_region *r;
		char me[32];
		int seen = 0;

		assert_int_equal(ipcx_region_open(addr, IPCX_CREATE, 4096, &r),
				 0);
		assert_int_equal(ipcx_object_remove(addr, 0, NULL, NULL),
				 -EBUSY);
		snprintf(me, sizeof(me), "held by %d (", (int)getpid());
		assert_non_null(strstr(ipcx_error_detail(), me));
		assert_non_null(strstr(ipcx_error_detail(), addr));
		assert_int_equal(ipcx_object_remove(addr,
						    IPCX_REMOVE_FORCE |
							    IPCX_REMOVE_CHECK,
						    NULL, NULL),
				 0);
		assert_int_equal(ipcx_object_remove(addr, IPCX_REMOVE_FORCE,
						    veto, &seen),
				 7);
		assert_int_equal(seen, 1);
		assert_int_equal(ipcx_region_close(r), 0);
		/* Still there after all of that. */
		assert_int_equal(ipcx_region_open(addr, 0, 0, &r), 0);
		assert_int_equal(ipcx_region_close(r), 0);
		assert_int_equal(ipcx_object_remove(addr, 0, NULL, NULL), 0);
		assert_int_equal(ipcx_region_open(addr, 0, 0, &r), -ENOENT);
		assert_int_equal(ipcx_object_remove(addr, 0, NULL, NULL),
				 -ENOENT);
	}
	assert_int_equal(ipcx_object_remove("anon:", 0, NULL, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(ipcx_object_remove(new_addr("mmap"), 0, NULL, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(ipcx_object_remove("posixshm:", 0, NULL, NULL),
			 -EINVAL);
}

/* ipcx_region_get(): what names the region; a private segment's id. */
static void t_region_get(void **state)
{
	struct ipcx_region_info ri = IPCX_REGION_INFO_INIT;
	struct ipcx_region *r;
	char want[64];

	(void)state;
	const char *addr = new_addr("posixshm");
	assert_int_equal(ipcx_region_open(addr, IPCX_CREATE, 4096, &r), 0);
	assert_int_equal(ipcx_region_get(r, &ri), 0);
	assert_string_equal(ri.address, addr);
	assert_string_equal(ri.facility->scheme, "posixshm");
	assert_int_equal(ri.size, 4096);
	assert_int_equal(ri.id, -1);
	assert_int_equal(ipcx_region_close(r), 0);

	assert_int_equal(
		ipcx_region_open("sysvshm:private", IPCX_CREATE, 4096, &r), 0);
	assert_int_equal(ipcx_region_get(r, &ri), 0);
	assert_true(ri.id >= 0);
	snprintf(want, sizeof(want), "sysvshm:id:%ld", ri.id);
	assert_string_equal(ri.address, want);
	snprintf(made[nmade++], sizeof(made[0]), "%s", want);
	struct ipcx_region *again;
	assert_int_equal(ipcx_region_open(ri.address, 0, 0, &again), 0);
	assert_int_equal(ipcx_region_size(again), 4096);
	assert_int_equal(ipcx_region_close(again), 0);
	assert_int_equal(ipcx_region_close(r), 0);
	assert_int_equal(ipcx_region_get(NULL, &ri), -EINVAL);
}

static void t_bad_addresses(void **state)
{
	struct ipcx_region *r;
	struct ipcx_chan *c;
	char dir[128], addr[300];

	(void)state;
	assert_int_equal(ipcx_region_open("posixshm:noslash", 0, 1, &r),
			 -EINVAL);
	assert_int_equal(ipcx_region_open("posixshm:/a/b", 0, 1, &r), -EINVAL);
	assert_int_equal(ipcx_region_open("sysvshm:bogus", 0, 1, &r), -EINVAL);
	assert_int_equal(ipcx_region_open("mmap:", 0, 1, &r), -EINVAL);
	assert_int_equal(ipcx_region_open("anon:x", 0, 1, &r), -EINVAL);
	assert_int_equal(ipcx_region_open("anon:?size=12Q", 0, 0, &r), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "bytes"));
	assert_int_equal(ipcx_region_open("posixshm:/x?timeout=5", 0, 1, &r),
			 -EINVAL);
	assert_int_equal(ipcx_region_open("unix:/x", 0, 1, &r), -EOPNOTSUPP);
	/* Opened as a channel, a region is a ring: missing here. */
	assert_int_equal(ipcx_open("posixshm:/ipcx-no-such-ring", 0, &c),
			 -ENOENT);
	/* mmap: never a directory, never through a planted symlink. */
	conf_scratch(dir, sizeof(dir), ".dir");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(addr, sizeof(addr), "mmap:%s", dir);
	assert_int_equal(ipcx_region_open(addr, 0, 0, &r), -EISDIR);
	char link[160];
	snprintf(link, sizeof(link), "%s/lnk", dir);
	assert_int_equal(symlink("/etc/hostname", link), 0);
	snprintf(addr, sizeof(addr), "mmap:%s", link);
	assert_int_equal(ipcx_region_open(addr, IPCX_CREATE, 10, &r), -ELOOP);
	unlink(link);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(t_shared_write, remove_made),
		cmocka_unit_test_teardown(t_sizes_and_bounds, remove_made),
		cmocka_unit_test_teardown(t_modes, remove_made),
		cmocka_unit_test_teardown(t_shrunk_backing, remove_made),
		cmocka_unit_test_teardown(t_fault_through_pointer, remove_made),
		cmocka_unit_test_teardown(t_bad_addresses, remove_made),
		cmocka_unit_test_teardown(t_remove_refuses_held, remove_made),
		cmocka_unit_test_teardown(t_region_get, remove_made),
	};

	return cmocka_run_group_tests_name("regions", tests, NULL, NULL);
}
