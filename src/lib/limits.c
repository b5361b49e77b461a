/* SPDX-License-Identifier: MIT */
/* Live limits shared by several facilities, read from /proc and rlimits. */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <unistd.h>

size_t ipcx__limits_add(struct ipcx_limit *out, size_t n, size_t max,
			const struct ipcx_limit *rows, size_t nrows)
{
	for (size_t i = 0; i < nrows && n < max; i++)
		out[n++] = rows[i];
	return n;
}

size_t ipcx__limits_fd(struct ipcx_limit *out, size_t max)
{
	struct rlimit rl;

	if (max < 1)
		return 0;
	out[0] = (struct ipcx_limit)IPCX__LIMIT(
		"open files per process (RLIMIT_NOFILE)",
		getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long long)rl.rlim_cur
						   : -1,
		"fds", "ulimit -n");
	return 1;
}

size_t ipcx__limits_pipe(struct ipcx_limit *out, size_t max)
{
	long long cap = -1;
	int p[2];
	size_t n = 0;

#ifdef F_GETPIPE_SZ
	if (pipe2(p, O_CLOEXEC) == 0) {
		cap = fcntl(p[0], F_GETPIPE_SZ);
		close(p[0]);
		close(p[1]);
	}
#else
	(void)p;
#endif
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("pipe capacity", cap, "bytes",
			    "measured: F_GETPIPE_SZ of a new pipe"),
		IPCX__LIMIT("largest pipe capacity",
			    ipcx__read_proc("/proc/sys/fs/pipe-max-size", 0),
			    "bytes", "/proc/sys/fs/pipe-max-size"),
		IPCX__LIMIT("atomic write (PIPE_BUF)", PIPE_BUF, "bytes",
			    "POSIX"),
		IPCX__LIMIT(
			"pipe pages per user, soft",
			ipcx__read_proc("/proc/sys/fs/pipe-user-pages-soft", 0),
			"pages", "/proc/sys/fs/pipe-user-pages-soft"),
	};
	n = ipcx__limits_add(out, n, max, rows, IPCX__ARRAY_SIZE(rows));
	return n + ipcx__limits_fd(out + n, max - n);
}

size_t ipcx__limits_sockbuf(struct ipcx_limit *out, size_t max)
{
	static const char *const names[][2] = {
		{"receive buffer, default", "/proc/sys/net/core/rmem_default"},
		{"receive buffer, max", "/proc/sys/net/core/rmem_max"},
		{"send buffer, default", "/proc/sys/net/core/wmem_default"},
		{"send buffer, max", "/proc/sys/net/core/wmem_max"},
	};
	size_t n = 0;

	for (size_t i = 0; i < IPCX__ARRAY_SIZE(names) && n < max; i++)
		out[n++] = (struct ipcx_limit)IPCX__LIMIT(
			names[i][0], ipcx__read_proc(names[i][1], 0), "bytes",
			names[i][1]);
	return n;
}
