/* SPDX-License-Identifier: MIT */
/* What the benchmarks share: a clock, CPU pinning, sorting. */
#ifndef IPCX_BENCH_COMMON_H
#define IPCX_BENCH_COMMON_H

#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Pins the caller to CPU (when there are two): parent 0, child 1. */
static inline void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#endif
