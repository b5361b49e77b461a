/* SPDX-License-Identifier: MIT */
/* ipcx bench, the engine: rows, isolated cases, pinning, statistics, and
 * removing what an interrupted run left.  The measurements are in
 * bench-chan.c and bench-sync.c, the command and its output in
 * cmd-bench.c. */
#include "bench.h"
#include "tool.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- rows ------------------------------------------------------
 */

static struct bench_row rows[256];
static int nrows;
volatile int bench_timed_out;
volatile pid_t bench_alarm_child;
volatile int bench_alarm_msqid[2] = {-1, -1};

struct bench_row *bench_add(const char *kind, const char *facility,
			    const char *wake, size_t size)
{
	if (nrows == (int)(sizeof(rows) / sizeof(*rows)))
		return NULL;
	struct bench_row *r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(r->facility, sizeof(r->facility), "%s", facility);
	r->wake = wake;
	r->size = size;
	r->med = r->p99 = r->p999 = r->max = r->msgs = r->bytes = -1;
	r->raw_med = r->raw_msgs = r->raw_bytes = -1;
	r->lat_ratio = r->tput_ratio = -1;
	r->call_ns = r->raw_call_ns = -1;
	r->raw_is = "-";
	return r;
}

bool bench_named(const struct bench_opts *o, const char *scheme)
{
	for (int i = 0; i < o->nonly; i++)
		if (!strcmp(o->only[i], scheme))
			return true;
	return false;
}

bool bench_wanted(const struct bench_opts *o, const char *scheme)
{
	return !o->nonly || bench_named(o, scheme);
}

static const char *covered[64];
static int ncovered;

void bench_covered(const char *scheme)
{
	for (int i = 0; i < ncovered; i++)
		if (!strcmp(covered[i], scheme))
			return;
	if (ncovered < (int)(sizeof(covered) / sizeof(*covered)))
		covered[ncovered++] = scheme;
}

/* A row for each scheme asked for that no case measured. */
void bench_uncovered_rows(const struct bench_opts *o)
{
	for (int i = 0; i < o->nonly; i++) {
		bool seen = false;
		for (int k = 0; k < ncovered && !seen; k++)
			seen = !strcmp(covered[k], o->only[i]);
		struct bench_row *r;
		if (!seen && (r = bench_add("-", o->only[i], "-", 0)))
			snprintf(r->note, sizeof(r->note),
				 "not measured: ipcx bench has no case for "
				 "%s",
				 o->only[i]);
	}
}

void bench_progress(const struct bench_opts *o, const struct bench_row *r)
{
	if (!o->progress)
		return;
	fprintf(stderr, "\r\033[Kipcx bench: %s", r->facility);
	if (r->size)
		fprintf(stderr, " %zu B", r->size);
}

void bench_pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

pid_t bench_spawn(void)
{
	pid_t parent = getpid();

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		/* Never outlive the measuring process (Ctrl-C, a crash). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		signal(SIGALRM, SIG_DFL);
	}
	return pid;
}

pid_t bench_fork(void)
{
	pid_t pid = bench_spawn();

	if (pid == 0)
		bench_pin(1);
	else
		bench_pin(0);
	return pid;
}

int bench_free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	else
		port = -errno;
	if (fd >= 0)
		close(fd);
	return port;
}

int bench_reap(pid_t pid, bool kill_it)
{
	int st;

	if (kill_it)
		kill(pid, SIGKILL);
	/* A child that has not finished 5 s after its last message never
	 * will: it is stuck, and the row says so. */
	for (int i = 0;; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (i == 5000)
			kill(pid, SIGKILL);
		usleep(1000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_pct(const double *v, size_t n, double p)
{
	if (!n)
		return -1;
	size_t i = (size_t)(p * (double)n);
	return v[i < n ? i : n - 1];
}

bool bench_noisy(const double *m, size_t n)
{
	if (n < 8)
		return false;
	double q1 = bench_pct(m, n, 0.25), q2 = bench_pct(m, n, 0.5),
	       q3 = bench_pct(m, n, 0.75);
	return q2 > 0 && (q3 - q1) / q2 > 0.2;
}

void bench_run_isolated(const struct bench_opts *o, struct bench_row *row,
			void (*fn)(const void *arg, size_t size,
				   const struct bench_opts *o,
				   struct bench_row *row),
			const void *arg, size_t size)
{
	struct bench_row *shm = mmap(NULL, sizeof(*row), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int limit_ms = (int)(o->seconds * 6000) + 20000, st = 0;

	if (shm == MAP_FAILED) {
		snprintf(row->note, sizeof(row->note), "failed: mmap: %s",
			 strerror(errno));
		return;
	}
	*shm = *row;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		bench_pin(0);
		fn(arg, size, o, shm);
		fflush(NULL);
		_exit(0);
	}
	if (pid < 0) {
		snprintf(row->note, sizeof(row->note), "failed: fork: %s",
			 strerror(errno));
		munmap(shm, sizeof(*shm));
		return;
	}
	bool killed = false;
	for (int ms = 0;; ms++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (ms == limit_ms) {
			kill(pid, SIGKILL);
			killed = true;
		}
		usleep(1000);
	}
	*row = *shm;
	munmap(shm, sizeof(*shm));
	if (killed || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (killed)
			snprintf(row->note, sizeof(row->note),
				 "failed: no answer within %d s",
				 limit_ms / 1000);
		else
			snprintf(row->note, sizeof(row->note),
				 "failed: the measuring process %s %d",
				 WIFEXITED(st) ? "exited" : "died of signal",
				 WIFEXITED(st) ? WEXITSTATUS(st)
					       : WTERMSIG(st));
		row->med = row->msgs = row->bytes = -1;
		bench_sweep(o);
	}
}

static char mark[256];

void bench_detail_mark(void)
{
	snprintf(mark, sizeof(mark), "%s", ipcx_error_detail());
}

const char *bench_detail(int err)
{
	const char *d = ipcx_error_detail();

	return d && *d && strncmp(d, mark, sizeof(mark) - 1)
		       ? d
		       : ipcx_strerror(err);
}

void bench_on_alarm(int sig)
{
	(void)sig;
	bench_timed_out = 1;
	if (bench_alarm_child > 0)
		kill(bench_alarm_child, SIGKILL);
	for (int i = 0; i < 2; i++)
		if (bench_alarm_msqid[i] >= 0)
			msgctl(bench_alarm_msqid[i], IPC_RMID, NULL);
}

const struct bench_row *bench_rows(int *n)
{
	*n = nrows;
	return rows;
}

struct sweep {
	const char *prefix;
	char (*addrs)[IPCX_ADDR_MAX];
	int n, cap;
};

/* Whether NAME is one of the run's: its prefix, then '-' or '.' (the
 * prefix ends in the pid: another run's pid that merely starts with it
 * is not ours). */
static bool ours(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) && (name[n] == '-' || name[n] == '.');
}

/* Collects the objects whose name is one of the run's. */
static int sweep_one(const struct ipcx_object *o, void *arg)
{
	struct sweep *sw = arg;
	const char *name = strchr(o->address, '/');

	if (name && ours(name + 1, sw->prefix) && sw->n < sw->cap)
		snprintf(sw->addrs[sw->n++], IPCX_ADDR_MAX, "%s", o->address);
	return 0;
}

/* Removes what a bench run interrupted mid-way may have left, through the
 * library: its POSIX objects (by listing them), its files in /tmp (FIFOs,
 * sockets, mapped and lock files), and its System V keys. */
void bench_sweep(const struct bench_opts *o)
{
	static const char *const posix[] = {"posixshm", "posixsem", "posixmq"};
	char addrs[64][IPCX_ADDR_MAX];
	struct sweep sw = {o->prefix, addrs, 0, 64};
	DIR *d;

	for (size_t i = 0; i < sizeof(posix) / sizeof(*posix); i++)
		ipcx_list(posix[i], 0, sweep_one, &sw, NULL, 0);
	if ((d = opendir("/tmp"))) {
		struct dirent *e;
		while ((e = readdir(d)) && sw.n < sw.cap) {
			struct stat st;
			char path[PATH_MAX];
			if (!ours(e->d_name, o->prefix))
				continue;
			snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
			if (lstat(path, &st) < 0)
				continue;
			const char *scheme = S_ISFIFO(st.st_mode)   ? "fifo"
					     : S_ISSOCK(st.st_mode) ? "unix"
					     : S_ISREG(st.st_mode)  ? "mmap"
								    : NULL;
			if (scheme)
				snprintf(sw.addrs[sw.n++], IPCX_ADDR_MAX,
					 "%s:%.*s", scheme, IPCX_ADDR_MAX - 16,
					 path);
		}
		closedir(d);
	}
	for (int i = 0; i < sw.n; i++)
		ipcx_unlink(sw.addrs[i]);
	for (int k = 0; k < 16; k++) {
		char a[128];
		snprintf(a, sizeof(a), "sysvmq:0x%x", o->key_base + k);
		ipcx_unlink(a);
		snprintf(a, sizeof(a), "sysvsem:0x%x", o->key_base + k);
		ipcx_unlink(a);
		snprintf(a, sizeof(a), "sysvshm:0x%x", o->key_base + k);
		ipcx_unlink(a);
	}
}
