/* SPDX-License-Identifier: MIT */
/* ipcx bench: the rows it measures and the engine that measures them. */
#ifndef IPCX_TOOL_BENCH_H
#define IPCX_TOOL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a row measured; a negative figure was not measured. */
struct bench_row {
	const char *kind;  /* "channel", "shared memory", ... */
	char facility[40]; /* "unix-dgram", "ring (anon)" */
	const char *wake;  /* "kernel", "spin", "spin+sleep", "futex" */
	size_t size;	   /* message bytes; 0: not a size */
	double med, p99, p999, max; /* round trip or hand-off, ns (ipcx) */
	double msgs, bytes;	    /* one way, per second (ipcx) */
	double raw_med, raw_msgs, raw_bytes; /* the reference path */
	const char *raw_is; /* what "raw" is: "syscalls", "floor", ... */
	double lat_ratio, tput_ratio; /* ipcx / raw */
	/* One send and one receive in one thread, ns (the deterministic
	 * overhead: no scheduler, no other CPU). */
	double call_ns, raw_call_ns;
	char note[200]; /* skipped, failed, noisy */
};

struct bench_opts {
	size_t sizes[8];
	int nsizes;
	double seconds;		 /* budget per case */
	bool quick;		 /* a few hundred iterations: prove the rows */
	const char *const *only; /* schemes asked for, or NULL: all */
	int nonly;
	bool progress;	 /* stderr is a terminal */
	char prefix[64]; /* names of objects: removed on any exit */
	int key_base;	 /* System V keys: key_base + n */
};

/* A ring case's references, measured next to it (the vCPUs may move
 * between the first references and the case): the cache-line floor, or
 * a futex ping-pong when SLEEPS, and the minimal ring's rate at SIZE;
 * -1 for what failed. */
void bench_ring_refs(const struct bench_opts *o, bool sleeps, size_t size,
		     double *rtt, double *msgs);

/* Appends a row; returns it (zeroed, figures at -1). */
struct bench_row *bench_add(const char *kind, const char *facility,
			    const char *wake, size_t size);

/* Whether SCHEME was asked for (no list: all); named: asked for by
 * name.  bench_covered() notes that a case measured it: a scheme asked
 * for that no case covers gets a row saying so. */
bool bench_wanted(const struct bench_opts *o, const char *scheme);
bool bench_named(const struct bench_opts *o, const char *scheme);
void bench_covered(const char *scheme);

/* Shows "measuring ROW..." on stderr when it is a terminal. */
void bench_progress(const struct bench_opts *o, const struct bench_row *r);

/* The measurements: channels (bench-chan.c); synchronization, signals
 * and the reference rows (bench-sync.c).  The floor probe is returned
 * in ns for the environment. */
void bench_channels(const struct bench_opts *o);
/* Request/reply through a listening server (bench-rr.c). */
void bench_reqrep(const struct bench_opts *o);
void bench_sync(const struct bench_opts *o);
/* A ring relayed to ZeroMQ against libzmq's own push/pull (bench-zmq.c,
 * built with libzmq). */
void bench_relay_zmq(const struct bench_opts *o);
double bench_reference(const struct bench_opts *o);

/* Pins the caller to CPU (0 parent, 1 child) when there are two. */
void bench_pin(int cpu);
/* A child for one case: pinned to CPU 1, killed when its parent dies;
 * bench_spawn: the same, where the scheduler places it. */
pid_t bench_fork(void);
pid_t bench_spawn(void);
/* A free TCP port on the loopback (the kernel's choice, let go), or
 * -errno. */
int bench_free_port(void);
/* Waits for a child; kills it first if KILL.  Its exit status. */
int bench_reap(pid_t pid, bool kill_it);
double bench_now(void);
int bench_cmp(const void *a, const void *b);
/* Percentile P (0..1) of N sorted values. */
double bench_pct(const double *v, size_t n, double p);
/* The per-call overhead target for kernel channels: ipcx adds at most
 * 3 % or 15 ns, whichever is more, per send+receive pair. */
#define BENCH_CALL_PCT 3.0
#define BENCH_CALL_NS 15.0

/* Whether samples of rounds vary too much (interquartile range of the
 * per-round medians over their median above 20 %). */
bool bench_noisy(const double *round_medians, size_t n);

/*
 * Runs FN(ARG, SIZE, O, ROW) in a process of its own, which fills ROW:
 * a case that stops answering or crashes is killed after a while, its
 * row says so, what it left is removed, and the other rows still run.
 */
void bench_run_isolated(const struct bench_opts *o, struct bench_row *row,
			void (*fn)(const void *arg, size_t size,
				   const struct bench_opts *o,
				   struct bench_row *row),
			const void *arg, size_t size);
/* Removes every object with the run's names and keys. */
void bench_sweep(const struct bench_opts *o);

/* The rows so far, in order; N receives their count. */
const struct bench_row *bench_rows(int *n);
/* A row for each scheme asked for that no case measured. */
void bench_uncovered_rows(const struct bench_opts *o);
/* SIGALRM's handler during a case (see bench_timed_out). */
void bench_on_alarm(int sig);

/* The library's detail of a failure since bench_detail_mark(), or the
 * text of ERR when the failure was not the library's. */
void bench_detail_mark(void);
const char *bench_detail(int err);

/* SIGALRM ends a case that stopped answering: it sets bench_timed_out,
 * kills bench_alarm_child and removes the System V queues of
 * bench_alarm_msqid, which wakes whatever waits for them. */
extern volatile int bench_timed_out;
extern volatile pid_t bench_alarm_child;
extern volatile int bench_alarm_msqid[2];

#endif
