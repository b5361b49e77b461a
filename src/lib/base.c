/* SPDX-License-Identifier: MIT */
/* Time, descriptor flags and /proc numbers: what every other file uses. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t ipcx__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec ipcx__deadline_ts(clockid_t clock, int ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int ipcx__set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	if (!!(fl & O_NONBLOCK) == on)
		return 0;
	if (fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

long long ipcx__read_proc(const char *path, int field)
{
	char buf[256];
	FILE *f = fopen(path, "re");
	long long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = buf, *end;
		for (int i = 0; i <= field; i++) {
			long long n = strtoll(p, &end, 10);
			if (end == p) {
				v = -1;
				break;
			}
			v = n;
			p = end;
		}
	}
	fclose(f);
	return v;
}
