/* SPDX-License-Identifier: MIT */
/*
 * ipcx bench: the reference rows (the cache-line floor, a kernel wake-up,
 * memcpy, a minimal shared-memory ring), hand-off latency of every
 * synchronization kind, and signal delivery.
 *
 * A hand-off is timed from just before one process releases (posts,
 * unlocks, signals) to just after the other, asleep in the kernel waiting
 * for it, has it, on one CLOCK_MONOTONIC in shared memory.  Each round
 * lets the waiter fall asleep first, so every hand-off is a wake-up; raw
 * and ipcx rounds alternate.
 */
#include "bench.h"
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <unistd.h>

double bench_floor_ns = -1;

/* ---- references -----------------------------------------------------------
 */

struct flags {
	alignas(64) _Atomic uint32_t a;
	alignas(64) _Atomic uint32_t b;
};

static void *shared(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Round trips of two flags on separate lines: the floor; SLEEP: the
 * same with a futex sleep each way (any kernel wake-up). */
static int pingpong(int n, bool sleep, double *out)
{
	struct flags *f = shared(sizeof(*f));
	double *t = calloc((size_t)n, sizeof(double));
	int batch = sleep ? 1 : 16;

	if (!f || !t)
		return -ENOMEM;
	n -= n % batch;
	pid_t pid = bench_fork();
	if (pid == 0) {
		for (uint32_t i = 1; i <= (uint32_t)n; i++) {
			uint32_t v;
			while ((v = atomic_load(&f->a)) != i)
				if (sleep)
					syscall(SYS_futex, &f->a, 0, v, NULL,
						NULL, 0);
			atomic_store(&f->b, i);
			if (sleep)
				syscall(SYS_futex, &f->b, 1, INT_MAX, NULL,
					NULL, 0);
		}
		_exit(0);
	}
	for (uint32_t i = 1; i <= (uint32_t)n; i += (uint32_t)batch) {
		double t0 = bench_now();
		for (uint32_t j = i; j < i + (uint32_t)batch; j++) {
			uint32_t v;
			atomic_store(&f->a, j);
			if (sleep)
				syscall(SYS_futex, &f->a, 1, INT_MAX, NULL,
					NULL, 0);
			while ((v = atomic_load(&f->b)) != j)
				if (sleep)
					syscall(SYS_futex, &f->b, 0, v, NULL,
						NULL, 0);
		}
		t[(i - 1) / (uint32_t)batch] = (bench_now() - t0) / batch;
	}
	bench_reap(pid, false);
	size_t m = (size_t)n / (size_t)batch;
	qsort(t, m, sizeof(double), bench_cmp);
	*out = bench_pct(t, m, 0.5);
	free(t);
	munmap(f, sizeof(*f));
	return 0;
}

/* A minimal single-producer ring of fixed slots, cached indices, padded
 * positions: the reference for a ring's throughput. */
struct mini {
	alignas(64) _Atomic uint64_t head;
	alignas(64) _Atomic uint64_t tail;
	alignas(64) unsigned char data[];
};

static double mini_tput(size_t msg, double seconds)
{
	const uint64_t slots =
		(msg <= (64u << 10) ? (4u << 20) : msg * 8) / msg;
	size_t bytes = sizeof(struct mini) + slots * msg;
	struct mini *r = shared(bytes);
	uint64_t n = (uint64_t)(seconds * 2e9 / (double)msg * 8);

	if (!r)
		return -1;
	if (n < 1000)
		n = 1000;
	if (n > 20000000)
		n = 20000000;
	pid_t pid = bench_fork();
	if (pid == 0) {
		unsigned char *buf = malloc(msg);
		uint64_t head = 0, tail = 0;
		for (uint64_t i = 0; i < n; i++) {
			while (head == tail)
				head = atomic_load_explicit(
					&r->head, memory_order_acquire);
			memcpy(buf, r->data + (tail % slots) * msg, msg);
			uint64_t seq;
			memcpy(&seq, buf, 8);
			if (seq != i)
				_exit(2);
			atomic_store_explicit(&r->tail, ++tail,
					      memory_order_release);
		}
		_exit(0);
	}
	unsigned char *buf = calloc(1, msg);
	uint64_t head = 0, tail = 0;
	double t0 = bench_now();
	for (uint64_t i = 0; i < n; i++) {
		while (head - tail == slots)
			tail = atomic_load_explicit(&r->tail,
						    memory_order_acquire);
		memcpy(buf, &i, 8);
		memcpy(r->data + (head % slots) * msg, buf, msg);
		atomic_store_explicit(&r->head, ++head, memory_order_release);
	}
	int st = bench_reap(pid, false);
	double s = (bench_now() - t0) / 1e9;
	free(buf);
	munmap(r, bytes);
	return st == 0 ? n / s : -1;
}

void bench_ring_refs(const struct bench_opts *o, bool sleeps, size_t size,
		     double *rtt, double *msgs)
{
	int n = sleeps ? (o->quick ? 200 : 2000) : (o->quick ? 2000 : 20000);

	if (pingpong(n, sleeps, rtt) < 0)
		*rtt = -1;
	/* mini_tput() moves (SECONDS * 16 G) / SIZE messages, 1000 at least. */
	*msgs = size >= 8 ? mini_tput(size, o->quick ? 0.0002 : o->seconds / 5)
			  : -1;
}

static double memcpy_bytes(double seconds)
{
	size_t n = 64u << 20, done = 0;
	char *a = malloc(n), *b = malloc(n);

	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	memset(a, 1, n);
	memset(b, 2, n);
	double t0 = bench_now();
	do {
		for (size_t off = 0; off < n; off += 65536)
			memcpy(b + off, a + off, 65536);
		done += n;
	} while (bench_now() - t0 < seconds * 0.3e9);
	double s = (bench_now() - t0) / 1e9;
	volatile char sink = b[n - 1];
	(void)sink;
	free(a);
	free(b);
	return done / s;
}

double bench_reference(const struct bench_opts *o)
{
	int n = o->quick ? 2000 : 200000;
	struct bench_row *r;
	double f0 = -1, f1 = -1, x;

	r = bench_add("reference", "cache-line ping-pong", "spin", 4);
	bench_progress(o, r);
	r->raw_is = "-";
	if (pingpong(n, false, &f0) == 0 && pingpong(n, false, &f1) == 0) {
		bench_floor_ns = (f0 + f1) / 2;
		r->med = bench_floor_ns;
		double q = f0 > f1 ? f0 / f1 : f1 / f0;
		snprintf(r->note, sizeof(r->note),
			 "the floor of any round trip between the two CPUs "
			 "(%.0f and %.0f ns%s)",
			 f0, f1, q > 1.25 ? ": placement moved, noisy" : "");
	}
	r = bench_add("reference", "futex ping-pong", "futex", 4);
	bench_progress(o, r);
	r->raw_is = "-";
	if (pingpong(o->quick ? 200 : 20000, true, &x) == 0)
		r->med = x;
	snprintf(r->note, sizeof(r->note),
		 "a sleeping kernel wake-up each way");
	r = bench_add("reference", "memcpy (64 KiB blocks)", "-", 65536);
	bench_progress(o, r);
	r->raw_is = "-";
	r->bytes = memcpy_bytes(o->quick ? 0.05 : o->seconds);
	r->msgs = r->bytes > 0 ? r->bytes / 65536 : -1;
	snprintf(r->note, sizeof(r->note), "the ceiling of any throughput");
	for (int i = 0; i < o->nsizes; i++) {
		if (o->sizes[i] < 8)
			continue;
		r = bench_add("reference", "minimal SPSC ring", "spin",
			      o->sizes[i]);
		bench_progress(o, r);
		r->raw_is = "-";
		r->msgs = mini_tput(o->sizes[i], o->quick ? 0.05 : o->seconds);
		r->bytes = r->msgs > 0 ? r->msgs * (double)o->sizes[i] : -1;
		snprintf(r->note, sizeof(r->note),
			 "fixed slots, cached indices: the rings' reference");
	}
	return bench_floor_ns;
}

/* ---- hand-offs --------------------------------------------------------------
 */

struct board {
	_Atomic int phase; /* 1: waiter, go to sleep; 2: it has it */
	double t0, t1;
};

struct handoff {
	const char *scheme, *label;
	int (*setup)(const struct bench_opts *o);
	void (*teardown)(void);
	int (*hold)(int raw);	 /* releaser, before the waiter waits */
	int (*release)(int raw); /* releaser */
	int (*take)(int raw);	 /* waiter: asleep until it has it */
	int (*untake)(int raw);	 /* waiter, after */
	int (*child_init)(void); /* waiter, after fork */
};

static struct board *bd;
static struct ipcx_region *region;
static char addr[200], path[128];
static pid_t waiter;

static int nop(int raw)
{
	(void)raw;
	return 0;
}

/* Semaphores: the releaser posts, the waiter waits. */
static struct ipcx_sem *isem;
static int semid;
static sem_t *psem;

static int sysv_setup(const struct bench_opts *o)
{
	snprintf(addr, sizeof(addr), "sysvsem:0x%x", o->key_base + 8);
	int r = ipcx_sem_open(addr, IPCX_CREATE | IPCX_EXCL, 0, &isem);
	semid = r == 0 ? semget(o->key_base + 8, 0, 0) : -1;
	return r;
}
static int sysv_post(int raw)
{
	struct sembuf op = {0, 1, 0};
	return raw ? (semop(semid, &op, 1) ? -errno : 0)
		   : ipcx_sem_release(isem);
}
static int sysv_wait(int raw)
{
	struct sembuf op = {0, -1, 0};
	return raw ? (semop(semid, &op, 1) ? -errno : 0)
		   : ipcx_sem_acquire(isem, IPCX_WAIT_OPENED);
}
static void sem_teardown(void)
{
	ipcx_sem_close(isem);
	if (addr[0])
		ipcx_unlink(addr);
}

static int posix_setup(const struct bench_opts *o)
{
	snprintf(addr, sizeof(addr), "posixsem:/%s-sem", o->prefix);
	int r = ipcx_sem_open(addr, IPCX_CREATE | IPCX_EXCL, 0, &isem);
	psem = r == 0 ? sem_open(addr + 9, 0) : SEM_FAILED;
	return r < 0 ? r : psem == SEM_FAILED ? -errno : 0;
}
static int posix_post(int raw)
{
	return raw ? (sem_post(psem) ? -errno : 0) : ipcx_sem_release(isem);
}
static int posix_wait(int raw)
{
	return raw ? (sem_wait(psem) ? -errno : 0)
		   : ipcx_sem_acquire(isem, IPCX_WAIT_OPENED);
}
static void posix_teardown(void)
{
	if (psem != SEM_FAILED)
		sem_close(psem);
	sem_teardown();
}

static int unnamed_setup(const struct bench_opts *o)
{
	(void)o;
	addr[0] = '\0';
	int r = ipcx_sem_init(region, 0, 0, &isem);
	psem = (sem_t *)ipcx_region_base(region);
	return r;
}

/* Robust mutex: the releaser unlocks, the waiter locks. */
static struct ipcx_mutex *imx;
static struct ipcx_cond *icv;

static int mutex_setup(const struct bench_opts *o)
{
	(void)o;
	return ipcx_mutex_init(region, 64, &imx);
}
/* The raw path uses the same objects in the region directly. */
#define RAW_MX ((pthread_mutex_t *)((char *)ipcx_region_base(region) + 64))
#define RAW_CV ((pthread_cond_t *)((char *)ipcx_region_base(region) + 128))

static void mutex_teardown(void)
{
	ipcx_cond_close(icv);
	ipcx_mutex_close(imx);
	icv = NULL;
	imx = NULL;
}
static int mx_lock(int raw)
{
	return raw ? -pthread_mutex_lock(RAW_MX)
		   : ipcx_mutex_acquire(imx, IPCX_WAIT_FOREVER);
}
static int mx_unlock(int raw)
{
	return raw ? -pthread_mutex_unlock(RAW_MX) : ipcx_mutex_release(imx);
}

/* Condition variable: the waiter waits for a flag, the releaser sets it
 * and signals. */
static _Atomic int *cv_flag;

static int cond_setup(const struct bench_opts *o)
{
	(void)o;
	cv_flag = (_Atomic int *)((char *)ipcx_region_base(region) + 256);
	*cv_flag = 0;
	int r = ipcx_mutex_init(region, 64, &imx);
	return r < 0 ? r : ipcx_cond_init(region, 128, &icv);
}
static int cond_signal(int raw)
{
	mx_lock(raw);
	atomic_store(cv_flag, 1);
	int r = raw ? -pthread_cond_signal(RAW_CV) : ipcx_cond_signal(icv);
	mx_unlock(raw);
	return r;
}
static int cond_wait(int raw)
{
	int r = mx_lock(raw);
	while (r >= 0 && !atomic_load(cv_flag))
		r = raw ? -pthread_cond_wait(RAW_CV, RAW_MX)
			: ipcx_cond_wait(icv, imx, IPCX_WAIT_FOREVER);
	atomic_store(cv_flag, 0);
	mx_unlock(raw);
	return r < 0 ? r : 0;
}

/* File locks: the releaser unlocks, the waiter blocks in lock. */
static struct ipcx_lock *ilk;
static int lfd = -1, use_flock;

static int file_open(void)
{
	snprintf(addr, sizeof(addr), "%s:%s%s", use_flock ? "flock" : "fcntl",
		 path, use_flock ? "" : "?ofd=1");
	int r = ipcx_lock_open(addr, IPCX_CREATE, &ilk);
	/* The raw path's own open: the two conflict like two programs. */
	lfd = open(path, O_RDWR | O_CLOEXEC);
	return r < 0 ? r : lfd < 0 ? -errno : 0;
}
static int flock_setup(const struct bench_opts *o)
{
	use_flock = 1;
	snprintf(path, sizeof(path), "/tmp/%s.lock", o->prefix);
	return file_open();
}
static int fcntl_setup(const struct bench_opts *o)
{
	use_flock = 0;
	snprintf(path, sizeof(path), "/tmp/%s.lock", o->prefix);
	return file_open();
}
static int file_reopen(void)
{
	/* The waiter's own opens: shared ones would never conflict. */
	ipcx_lock_close(ilk);
	close(lfd);
	return file_open();
}
static void file_teardown(void)
{
	ipcx_lock_close(ilk);
	close(lfd);
	unlink(path);
}
static int raw_lock(int op)
{
	if (use_flock)
		return flock(lfd, op ? LOCK_EX : LOCK_UN) ? -errno : 0;
	struct flock fl = {.l_type = op ? F_WRLCK : F_UNLCK,
			   .l_whence = SEEK_SET};
	return fcntl(lfd, op ? F_OFD_SETLKW : F_OFD_SETLK, &fl) ? -errno : 0;
}
static int file_lock(int raw)
{
	return raw ? raw_lock(1)
		   : ipcx_lock_acquire(ilk, IPCX_LOCK_EXCLUSIVE,
				       IPCX_WAIT_OPENED);
}
static int file_unlock(int raw)
{
	return raw ? raw_lock(0) : ipcx_lock_release(ilk);
}

/* Signals: the releaser sends, the waiter (signal blocked) receives:
 * raw by sigqueue()/sigwaitinfo(), ipcx by its signal channels. */
static int sig_no;
static struct ipcx_chan *sig_rx;

static int sig_setup(int sig)
{
	sigset_t set;

	sig_no = sig;
	/* Blocked before the fork, so the waiter starts with it blocked. */
	sigemptyset(&set);
	sigaddset(&set, sig);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}
static int sig_std_setup(const struct bench_opts *o)
{
	(void)o;
	return sig_setup(SIGUSR2);
}
static int sig_rt_setup(const struct bench_opts *o)
{
	(void)o;
	return sig_setup(SIGRTMIN + 3);
}
static int sig_child(void)
{
	char a[64];
	snprintf(a, sizeof(a), "signal:self?sig=%d", sig_no);
	return ipcx_open(a, IPCX_RECV, &sig_rx);
}
static int sig_send(int raw)
{
	static struct ipcx_chan *tx;
	static pid_t to;
	char a[64];

	if (raw)
		return sigqueue(waiter, sig_no, (union sigval){.sival_int = 7})
			       ? -errno
			       : 0;
	if (!tx || to != waiter) {
		ipcx_close(tx);
		snprintf(a, sizeof(a), "signal:%d?sig=%d", (int)waiter, sig_no);
		int r = ipcx_open(a, IPCX_SEND, &tx);
		if (r < 0)
			return r;
		to = waiter;
	}
	return ipcx_send(tx, "7", 1, NULL) == 1 ? 0 : -EIO;
}
static int sig_take(int raw)
{
	char b[16];

	if (raw) {
		sigset_t set;
		siginfo_t si;
		sigemptyset(&set);
		sigaddset(&set, sig_no);
		while (sigwaitinfo(&set, &si) < 0)
			if (errno != EINTR)
				return -errno;
		return si.si_value.sival_int == 7 ? 0 : -EPROTO;
	}
	ssize_t n = ipcx_recv(sig_rx, b, sizeof(b), NULL);
	return n == 1 && b[0] == '7' ? 0 : -EPROTO;
}
static void sig_teardown(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig_no);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static const struct handoff handoffs[] = {
	{"sysvsem", "sysvsem", sysv_setup, sem_teardown, nop, sysv_post,
	 sysv_wait, nop, NULL},
	{"posixsem", "posixsem", posix_setup, posix_teardown, nop, posix_post,
	 posix_wait, nop, NULL},
	{"posixsem", "posixsem (unnamed)", unnamed_setup, sem_teardown, nop,
	 posix_post, posix_wait, nop, NULL},
	{"mutex", "robust mutex", mutex_setup, mutex_teardown, mx_lock,
	 mx_unlock, mx_lock, mx_unlock, NULL},
	{"mutex", "condition variable", cond_setup, mutex_teardown, nop,
	 cond_signal, cond_wait, nop, NULL},
	{"flock", "flock", flock_setup, file_teardown, file_lock, file_unlock,
	 file_lock, file_unlock, file_reopen},
	{"fcntl", "fcntl (ofd=1)", fcntl_setup, file_teardown, file_lock,
	 file_unlock, file_lock, file_unlock, file_reopen},
	{"signal", "signal SIGUSR2 (standard)", sig_std_setup, sig_teardown,
	 nop, sig_send, sig_take, nop, sig_child},
	{"signal", "signal SIGRTMIN+3 (realtime)", sig_rt_setup, sig_teardown,
	 nop, sig_send, sig_take, nop, sig_child},
};

static void wait_phase(int phase)
{
	while (atomic_load(&bd->phase) != phase && !bench_timed_out)
		usleep(20);
}

static int measure(const struct handoff *h, const struct bench_opts *o,
		   struct bench_row *row)
{
	int rounds = o->quick ? 30 : (int)(o->seconds * 1500);
	double *t[2] = {calloc((size_t)rounds + 1, sizeof(double)),
			calloc((size_t)rounds + 1, sizeof(double))};
	int n[2] = {0, 0}, e;

	if (rounds < 20)
		rounds = 20;
	atomic_store(&bd->phase, 0);
	if ((e = h->setup(o)) < 0)
		goto out;
	fflush(NULL);
	waiter = bench_fork();
	if (waiter == 0) {
		if (h->child_init && h->child_init() < 0)
			_exit(2);
		for (int i = 0; i < 2 * rounds; i++) {
			int raw = i % 2 == 0;
			wait_phase(1);
			if (h->take(raw) < 0)
				_exit(3);
			bd->t1 = bench_now();
			h->untake(raw);
			atomic_store(&bd->phase, 2);
		}
		_exit(0);
	}
	bench_alarm_child = waiter;
	alarm((unsigned)(o->seconds * 4) + 10);
	for (int i = 0; i < 2 * rounds && !bench_timed_out; i++) {
		int raw = i % 2 == 0;
		if ((e = h->hold(raw)) < 0)
			break;
		atomic_store(&bd->phase, 1);
		usleep(300); /* the waiter is asleep in the kernel by now */
		bd->t0 = bench_now();
		if ((e = h->release(raw)) < 0)
			break;
		wait_phase(2);
		if (bench_timed_out)
			break;
		t[raw][n[raw]++] = bd->t1 - bd->t0;
		atomic_store(&bd->phase, 0);
	}
	alarm(0);
	bench_alarm_child = 0;
	int st = bench_reap(waiter, e < 0 || bench_timed_out);
	if (e == 0 && (st != 0 || bench_timed_out))
		e = -EPROTO;
	if (h->teardown)
		h->teardown();
	if (e < 0)
		goto out;
	for (int v = 0; v < 2; v++)
		qsort(t[v], (size_t)n[v], sizeof(double), bench_cmp);
	row->med = bench_pct(t[0], (size_t)n[0], 0.5);
	row->p99 = bench_pct(t[0], (size_t)n[0], 0.99);
	row->p999 = bench_pct(t[0], (size_t)n[0], 0.999);
	row->max = n[0] ? t[0][n[0] - 1] : -1;
	row->raw_med = bench_pct(t[1], (size_t)n[1], 0.5);
	row->lat_ratio = row->med / row->raw_med;
out:
	free(t[0]);
	free(t[1]);
	return e;
}

void bench_sync(const struct bench_opts *o)
{
	bd = shared(sizeof(*bd));
	if (!bd || ipcx_region_open("anon:", IPCX_CREATE, 4096, &region) < 0)
		return;
	for (size_t i = 0; i < sizeof(handoffs) / sizeof(*handoffs); i++) {
		const struct handoff *h = &handoffs[i];
		if (!bench_wanted(o, h->scheme))
			continue;
		bench_covered(h->scheme);
		bool sig = !strcmp(h->scheme, "signal");
		struct bench_row *row =
			bench_add(sig ? "signal" : "synchronization", h->label,
				  "kernel", 0);
		if (!row)
			break;
		row->raw_is = "syscalls";
		bench_progress(o, row);
		bench_timed_out = 0;
		addr[0] = '\0';
		bench_detail_mark();
		int e = measure(h, o, row);
		if (e < 0) {
			snprintf(row->note, sizeof(row->note), "failed: %s",
				 bench_timed_out ? "no answer"
						 : bench_detail(e));
		} else {
			snprintf(row->note, sizeof(row->note),
				 "one hand-off: release to the waiter's "
				 "wake-up");
		}
	}
	ipcx_region_close(region);
	munmap(bd, sizeof(*bd));
}
