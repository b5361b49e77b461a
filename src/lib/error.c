/* SPDX-License-Identifier: MIT */
/* Error texts and the thread-local detail of the last failure. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static _Thread_local char detail[512];

size_t ipcx__escape(char *out, size_t n, const char *in)
{
	size_t j = 0;

	for (const unsigned char *p = (const unsigned char *)in;
	     *p && j + 1 < n; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			out[j++] = (char)*p;
			continue;
		}
		if (j + 5 > n)
			break; /* never half an escape */
		snprintf(out + j, 5, "\\x%02x", *p);
		j += 4;
	}
	if (n)
		out[j] = '\0';
	return j;
}

int ipcx__fail(int err, const char *fmt, ...)
{
	char raw[sizeof(detail)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* An address (or a name from the system) may hold control bytes:
	 * an escape sequence must not reach a terminal, nor a newline
	 * split the one-line message. */
	size_t n = ipcx__escape(detail, sizeof(detail), raw);
	/* Out of descriptors: which limit. */
	struct rlimit rl;
	if (err == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(detail + n, sizeof(detail) - n,
			 " (this process may hold %llu descriptors: "
			 "RLIMIT_NOFILE, ulimit -n)",
			 (unsigned long long)rl.rlim_cur);
	else if (err == ENFILE)
		snprintf(detail + n, sizeof(detail) - n,
			 " (the system's open files: file-max = %lld, "
			 "/proc/sys/fs/file-max)",
			 ipcx__read_proc("/proc/sys/fs/file-max", 0));
	return -err;
}

int ipcx__fail_open(const char *addr, int err, const char *kind,
		    const char *what)
{
	switch (err) {
	case ENOENT:
		return ipcx__fail(ENOENT,
				  "%s: no such %s (the receiving side creates "
				  "it, or use create=1)",
				  addr, kind);
	case EEXIST: return ipcx__fail(EEXIST, "%s: exists (excl=1)", addr);
	case EACCES:
		return ipcx__fail(EACCES,
				  "%s: permission denied: the %s's mode does "
				  "not let this user use it so",
				  addr, kind);
	default:
		return ipcx__fail(err, "%s: %s: %s", addr, what,
				  ipcx_strerror(err));
	}
}

const char *ipcx_error_detail(void)
{
	return detail;
}

const char *ipcx_strerror(int err)
{
	if (err < 0)
		err = -err;
	/* strerror() is not thread-safe in every libc; these cover ours. */
	switch (err) {
	case 0: return "success";
	case EMSGSIZE: return "message too long";
	case ETIMEDOUT: return "timed out";
	case EPIPE: return "peer closed the channel";
	case EOPNOTSUPP: return "operation not supported by this facility";
	case EAGAIN: return "would block";
	default: break;
	}
	static _Thread_local char buf[128];
	/* The XSI strerror_r in musl, the GNU one in glibc: format via %m. */
	int saved = errno;
	errno = err;
	snprintf(buf, sizeof(buf), "%m");
	errno = saved;
	return buf;
}
