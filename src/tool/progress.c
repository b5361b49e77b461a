/* SPDX-License-Identifier: MIT */
/*
 * The counters of a transfer (send, recv, relay), as dd(1) keeps them:
 * --progress shows messages, bytes and rates on stderr (one line that
 * updates on a terminal, a line every few seconds otherwise), and SIGUSR1
 * prints them once at any time -- from the handler itself, so also while
 * a wait goes on -- without disturbing the transfer (SA_RESTART, and the
 * library resumes an interrupted wait).
 */
#include "tool.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Atomic: a relay's pump thread counts too, and the handler reads. */
static atomic_ullong n_msgs, n_bytes;
static atomic_llong last_ns;
static long long t0_ns;
static const char *who = "ipcx";
static bool show, tty;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Async-signal-safe formatting: decimal, and one decimal place. */
static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_ull(char *p, unsigned long long v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = d[--n];
	return p;
}

/* V (in tenths) as "12.3" */
static char *put_tenths(char *p, unsigned long long tenths)
{
	p = put_ull(p, tenths / 10);
	*p++ = '.';
	*p++ = (char)('0' + tenths % 10);
	return p;
}

/* BYTES as "4.5 MiB" (binary units, as dd -h). */
static char *put_bytes(char *p, unsigned long long bytes)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned long long tenths = bytes * 10;
	int u = 0;

	if (bytes < 1024)
		return put_str(put_str(put_ull(p, bytes), " "), unit[0]);
	while (tenths >= 10240 && u < 4) {
		tenths /= 1024;
		u++;
	}
	return put_str(put_str(put_tenths(p, tenths), " "), unit[u]);
}

/* "ipcx recv: 1200 messages, 4.5 MiB (4718592 bytes), 2.0 s, 600 msg/s,
 * 2.2 MiB/s" into BUF (room for 256); its length. */
static size_t format(char *buf)
{
	unsigned long long m =
		atomic_load_explicit(&n_msgs, memory_order_relaxed);
	unsigned long long b =
		atomic_load_explicit(&n_bytes, memory_order_relaxed);
	long long el = now_ns() - t0_ns;
	unsigned long long ms = el > 0 ? (unsigned long long)el / 1000000 : 0;
	char *p = buf;

	p = put_str(p, who);
	p = put_str(p, ": ");
	p = put_ull(p, m);
	p = put_str(p, m == 1 ? " message, " : " messages, ");
	p = put_bytes(p, b);
	p = put_str(p, " (");
	p = put_ull(p, b);
	p = put_str(p, " bytes), ");
	p = put_tenths(p, ms / 100);
	p = put_str(p, " s");
	if (ms) {
		p = put_str(p, ", ");
		p = put_ull(p, m * 1000 / ms);
		p = put_str(p, " msg/s, ");
		p = put_bytes(p, b * 1000 / ms);
		p = put_str(p, "/s");
	}
	return (size_t)(p - buf);
}

static void say(const char *head, const char *tail)
{
	char buf[320];
	size_t n = 0, k = strlen(head);

	memcpy(buf, head, k);
	n = k + format(buf + k);
	k = strlen(tail);
	memcpy(buf + n, tail, k);
	n += k;
	/* One write: the line is never split by another's. */
	while (write(STDERR_FILENO, buf, n) < 0 && errno == EINTR)
		;
}

static void on_usr1(int sig)
{
	int e = errno;

	(void)sig;
	/* On a terminal the --progress line is the one being updated. */
	say(show && tty ? "\r" : "", show && tty ? "\033[K\n" : "\n");
	errno = e;
}

void tool_progress_start(const char *command, bool progress)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	static char name[32];

	snprintf(name, sizeof(name), "ipcx %s", command);
	who = name;
	show = progress;
	tty = isatty(STDERR_FILENO);
	t0_ns = now_ns();
	atomic_store(&last_ns, t0_ns);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

void tool_progress_add(unsigned long long msgs, unsigned long long bytes)
{
	atomic_fetch_add_explicit(&n_msgs, msgs, memory_order_relaxed);
	atomic_fetch_add_explicit(&n_bytes, bytes, memory_order_relaxed);
	if (!show)
		return;
	long long t = now_ns(), last = atomic_load(&last_ns);
	/* A terminal's line every 0.5 s; a log's every 5 s (one thread
	 * says it). */
	if (t - last < (tty ? 500000000LL : 5000000000LL) ||
	    !atomic_compare_exchange_strong(&last_ns, &last, t))
		return;
	say(tty ? "\r" : "", tty ? "\033[K" : "\n");
}

void tool_progress_end(void)
{
	if (show)
		say(tty ? "\r" : "", tty ? "\033[K\n" : "\n");
}
