/* SPDX-License-Identifier: MIT */
/* Signals as a channel: sigqueue() an int to a pid, sigwaitinfo() it. */
#include "../internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

/*
 * A message is the int a signal carries, written as decimal text ("42"),
 * so that the tool and scripts use it as they are.  Sending is sigqueue(3)
 * of sig= (default SIGRTMIN) with that value.  Receiving (signal:self, or
 * this process's pid) blocks the signal in the calling thread and takes
 * it with sigwaitinfo() (sigtimedwait() when bounded), the value with the
 * sender's pid and uid, and the signal number as the message type; a
 * signalfd(2) is there to be polled.  The
 * signal stays blocked after close (unblocking would deliver what is
 * still pending, by default a termination).  Every other thread must
 * block it too (block it before creating threads), or the kernel may
 * deliver it to one of them instead.
 *
 * Realtime signals queue: N sent are N received, in order, each with its
 * value, up to RLIMIT_SIGPENDING.  Standard signals do not: while one is
 * pending, more of the same are merged into it.
 */

#define VALUE_TEXT 12 /* "-2147483648" and a NUL */

static int parse_sig(const char *v, long long *out)
{
	int sig = ipcx_signal_parse(v);

	if (sig <= 0)
		return -1;
	*out = sig;
	return 0;
}

static const struct ipcx__opt opt_sig = {
	.pub = {"sig", "a signal name or number (USR1, SIGRTMIN+3, 35)",
		"SIGRTMIN", "the signal that carries each message"},
	.kind = IPCX__OPT_CUSTOM,
	.roles = IPCX__ROLE_CHAN,
	.parse = parse_sig,
};

struct sigchan {
	struct ipcx_chan c;
	pid_t pid; /* where sends go */
	int sig;
};

static int signal_parse(struct ipcx_addr *a)
{
	char *end;
	long pid;

	if (!strcmp(a->target, "self"))
		return 0;
	pid = strtol(a->target, &end, 10);
	if (!a->target[0] || *end || pid <= 0 || pid > INT_MAX)
		return ipcx__fail(EINVAL,
				  "'%s': a signal goes to a pid (a number "
				  "above 0) or to 'self'",
				  a->text);
	return 0;
}

static int signal_open(const struct ipcx_addr *a, unsigned flags,
		       struct ipcx_chan **out)
{
	int sig = ipcx__opt_given(a, &opt_sig) ? (int)ipcx__opt(a, &opt_sig)
					       : SIGRTMIN;
	pid_t pid =
		strcmp(a->target, "self") ? (pid_t)atol(a->target) : getpid();
	bool recv = flags & IPCX_RECV;
	struct sigchan *s;

	if (recv && (flags & IPCX_SEND))
		return ipcx__fail(EINVAL,
				  "%s: a signal channel sends or receives, not "
				  "both",
				  a->text);
	if (recv && pid != getpid())
		return ipcx__fail(EINVAL,
				  "%s: only this process's signals can be "
				  "received (signal:self)",
				  a->text);
	if (recv && (sig == SIGKILL || sig == SIGSTOP))
		return ipcx__fail(EINVAL,
				  "%s: SIGKILL and SIGSTOP cannot be caught",
				  a->text);
	if (!recv && kill(pid, 0) < 0 && errno == ESRCH)
		return ipcx__fail(ESRCH, "%s: no process %d", a->text,
				  (int)pid);
	s = ipcx__chan_new(sizeof(*s), a, flags);
	if (!s)
		return -ENOMEM;
	s->pid = pid;
	s->sig = sig;
	if (recv) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		s->c.rfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
		if (s->c.rfd < 0) {
			int e = errno;
			ipcx__chan_free(&s->c);
			return ipcx__fail(e, "%s: signalfd: %s", a->text,
					  ipcx_strerror(e));
		}
	}
	*out = &s->c;
	return 0;
}

static ssize_t signal_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			   const struct ipcx_meta *m)
{
	struct sigchan *s = (struct sigchan *)c;
	char text[32];
	size_t len = 0;
	char *end;

	(void)m;
	if (c->flags & IPCX_RECV)
		return ipcx__fail(EBADF, "%s: opened for receiving", c->name);
	for (int i = 0; i < n; i++) {
		if (len + iov[i].iov_len >= sizeof(text))
			return ipcx__fail(
				EINVAL,
				"%s: a signal carries an int, not %zu "
				"bytes",
				c->name, len + iov[i].iov_len);
		memcpy(text + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	text[len] = '\0';
	size_t total = len;
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	errno = 0;
	long v = len ? strtol(text, &end, 10) : 0;
	if ((len && *end) || errno || v < INT_MIN || v > INT_MAX)
		return ipcx__fail(
			EINVAL, "%s: a signal carries an int: '%s' is not one",
			c->name, text);
	union sigval val = {.sival_int = (int)v};
	if (sigqueue(s->pid, s->sig, val) < 0) {
		switch (errno) {
		case ESRCH:
			return ipcx__fail(EPIPE, "%s: process %d is gone",
					  c->name, (int)s->pid);
		case EAGAIN:
			return ipcx__fail(EAGAIN,
					  "%s: the queue of pending signals is "
					  "full (RLIMIT_SIGPENDING)",
					  c->name);
		case EPERM:
			return ipcx__fail(EPERM,
					  "%s: not permitted to signal process "
					  "%d",
					  c->name, (int)s->pid);
		default:
			return ipcx__fail(errno, "%s: sigqueue: %s", c->name,
					  ipcx_strerror(errno));
		}
	}
	return (ssize_t)total;
}

static ssize_t signal_recv(struct ipcx_chan *c, void *buf, size_t len,
			   struct ipcx_meta *m)
{
	struct sigchan *s = (struct sigchan *)c;
	char text[VALUE_TEXT];
	int64_t deadline = ipcx__deadline(c);
	sigset_t set;
	siginfo_t si;

	if (c->rfd < 0)
		return ipcx__fail(EBADF, "%s: opened for sending", c->name);
	/* Refused before one is taken: a taken signal cannot go back. */
	if (len < VALUE_TEXT - 1)
		return ipcx__fail(EMSGSIZE,
				  "%s: a buffer of %zu bytes may not hold a "
				  "value (%d bytes)",
				  c->name, len, VALUE_TEXT - 1);
	/* Taken as a program would take it (the signal is blocked in this
	 * thread): sigwaitinfo(), or sigtimedwait() for a bounded wait.
	 * The signalfd is there to be polled (ipcx_fd()); both take from
	 * the same queue. */
	sigemptyset(&set);
	sigaddset(&set, s->sig);
	for (;;) {
		int r;
		if (deadline < 0 && !ipcx__nowait(c)) {
			r = sigwaitinfo(&set, &si);
		} else {
			int64_t left =
				ipcx__nowait(c) ? 0 : deadline - ipcx__now_ms();
			struct timespec ts = {
				left > 0 ? left / 1000 : 0,
				left > 0 ? (left % 1000) * 1000000L : 0};
			r = sigtimedwait(&set, &si, &ts);
		}
		if (r > 0)
			break;
		if (errno == EINTR && (r = ipcx__eintr(c)) < 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return ipcx__nowait(c)
				       ? ipcx__fail(EAGAIN,
						    "%s: no signal pending "
						    "(nonblock)",
						    c->name)
				       : ipcx__fail(ETIMEDOUT,
						    "%s: timed out after %d ms",
						    c->name, c->timeout_ms);
		return ipcx__fail(errno, "%s: sigwaitinfo: %s", c->name,
				  ipcx_strerror(errno));
	}
	int k = snprintf(text, sizeof(text), "%d", si.si_value.sival_int);
	memcpy(buf, text, (size_t)k);
	if (m) {
		m->size = (size_t)k;
		m->type = si.si_signo;
		m->pid = si.si_pid;
		m->uid = si.si_uid;
		m->valid |= IPCX_META_TYPE | IPCX_META_PID | IPCX_META_UID;
	}
	return k;
}

static int signal_close(struct ipcx_chan *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	ipcx__chan_free(c);
	return 0;
}

static int signal_get(const struct ipcx_chan *c, struct ipcx_chan_info *i)
{
	const struct sigchan *s = (const struct sigchan *)c;

	i->semantics = IPCX_NOTIFICATION;
	i->eof_is_zero = false;
	i->peer_pid = c->rfd < 0 ? s->pid : -1;
	/* Where senders aim: this process and the signal. */
	if (c->rfd >= 0)
		snprintf(i->local, sizeof(i->local), "signal:%d?sig=%d",
			 (int)getpid(), s->sig);
	i->msgsize = VALUE_TEXT - 1;
	return 0;
}

static int signal_limits(struct ipcx_limit *out, size_t max)
{
	struct rlimit rl;
	const struct ipcx_limit rows[] = {
		IPCX__LIMIT("pending signals per user (RLIMIT_SIGPENDING)",
			    getrlimit(RLIMIT_SIGPENDING, &rl) == 0
				    ? (long long)rl.rlim_cur
				    : -1,
			    "signals", "ulimit -i"),
		IPCX__LIMIT("first realtime signal (SIGRTMIN)", SIGRTMIN, "",
			    "signal(7)"),
		IPCX__LIMIT("last realtime signal (SIGRTMAX)", SIGRTMAX, "",
			    "signal(7)"),
	};

	return (int)ipcx__limits_add(out, 0, max, rows, IPCX__ARRAY_SIZE(rows));
}

static const struct ipcx__opt *const signal_opts[] = {
	&opt_sig,
	NULL,
};

static const struct ipcx__chan_ops signal_chan = {
	.open = signal_open,
	.send = signal_send,
	.recv = signal_recv,
	.close = signal_close,
	.get = signal_get,
};

const struct ipcx__facility ipcx__signal_ops = {
	.info = {.scheme = "signal",
		 .title = "signal (realtime signals carry an int)",
		 .name = "PID (?sig=RTMIN+1), or self",
		 .handle = "pid",
		 .standard = "POSIX",
		 .semantics = IPCX_NOTIFICATION,
		 .caps = IPCX_CAP_POLL | IPCX_CAP_ONEWAY | IPCX_CAP_CONNLESS |
			 IPCX_CAP_CHANNEL},
	.common = IPCX__COMMON_WAITS,
	.opts = signal_opts,
	.parse = signal_parse,
	.limits = signal_limits,
	.chan = &signal_chan,
};

/* ---- signal names ----------------------------------------------------- */

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{"HUP", SIGHUP},       {"INT", SIGINT},	  {"QUIT", SIGQUIT},
	{"ILL", SIGILL},       {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},
	{"BUS", SIGBUS},       {"FPE", SIGFPE},	  {"KILL", SIGKILL},
	{"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
	{"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},
	{"CHLD", SIGCHLD},     {"CONT", SIGCONT}, {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
	{"URG", SIGURG},       {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
	{"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
	{"IO", SIGIO},	       {"SYS", SIGSYS},
};

int ipcx_signal_parse(const char *name)
{
	char *end;
	long n;

	if (!name || !*name)
		return -EINVAL;
	if (name[0] >= '0' && name[0] <= '9') {
		n = strtol(name, &end, 10);
		return !*end && n > 0 && n <= SIGRTMAX ? (int)n : -EINVAL;
	}
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(signames); i++)
		if (!strcasecmp(name, signames[i].name))
			return signames[i].sig;
	bool min = !strncasecmp(name, "RTMIN", 5),
	     max = !strncasecmp(name, "RTMAX", 5);
	if (!min && !max)
		return -EINVAL;
	name += 5;
	n = 0;
	if (*name) {
		if ((*name != '+' && *name != '-') || name[1] < '0' ||
		    name[1] > '9')
			return -EINVAL;
		n = strtol(name, &end, 10);
		if (*end)
			return -EINVAL;
	}
	n += min ? SIGRTMIN : SIGRTMAX;
	return n >= SIGRTMIN && n <= SIGRTMAX ? (int)n : -EINVAL;
}
