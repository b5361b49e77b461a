/* SPDX-License-Identifier: MIT */
/* A listener that serves each connection in a process of its own
 * (ipcx serve, ipcx relay --fork): many at once, up to --max. */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool tool_count_arg(const struct command *cmd, const char *name,
		    const char *text, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > 1000000) {
		tool_usage(cmd, "%s wants a count from 1 to 1000000, not '%s'",
			   name, text);
		return false;
	}
	*out = (int)v;
	return true;
}

bool tool_fork_opt(const struct command *cmd, int opt, const char *arg,
		   struct tool_fork_opts *o)
{
	return opt == 'm'
		       ? tool_count_arg(cmd, "--max", arg, &o->max)
		       : tool_count_arg(cmd, "--connections", arg, &o->count);
}

/* SIGCHLD writes here, so that one poll waits for a client and for a
 * child that ends. */
static int chld_pipe[2] = {-1, -1};

static void on_chld(int sig)
{
	int e = errno;

	(void)sig;
	if (write(chld_pipe[1], "c", 1) < 0) {
		/* Full: poll wakes anyway. */
	}
	errno = e;
}

struct kid {
	pid_t pid;
	int n; /* the connection's number, from 1 */
};

struct server {
	const char *addr;
	const struct tool_fork_opts *o;
	struct kid *kids;
	int running, served, failed;
};

/* How a child ended, in words: "exited 0", "killed by SIGKILL". */
static void say_status(const struct server *s, const struct kid *k, int ws)
{
	if (!s->o->verbose)
		return;
	if (WIFEXITED(ws))
		tool_err("ipcx: %s: connection %d (pid %d): exited %d\n",
			 s->addr, k->n, (int)k->pid, WEXITSTATUS(ws));
	else if (WIFSIGNALED(ws)) {
		const char *name = sigabbrev_np(WTERMSIG(ws));
		tool_err("ipcx: %s: connection %d (pid %d): killed by SIG%s\n",
			 s->addr, k->n, (int)k->pid, name ? name : "?");
	}
}

/* Collects children that ended (all of them, waiting, when WAIT). */
static void reap(struct server *s, bool wait)
{
	while (s->running) {
		int ws;
		pid_t pid = waitpid(-1, &ws, wait ? 0 : WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		for (int i = 0; i < s->running; i++) {
			if (s->kids[i].pid != pid)
				continue;
			say_status(s, &s->kids[i], ws);
			s->failed += !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
			s->kids[i] = s->kids[--s->running];
			break;
		}
	}
}

static void drain_chld(void)
{
	char buf[64];

	while (read(chld_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/* The child for connection C: serves it with FN and ends with its
 * status (or of the signal that stopped it). */
static void child(struct ipcx_chan *l, struct ipcx_chan *c, const char *addr,
		  tool_serve_fn fn, void *arg)
{
	signal(SIGCHLD, SIG_DFL);
	close(chld_pipe[0]);
	close(chld_pipe[1]);
	/* The listener is the parent's (closing it here removes nothing:
	 * only the process that made a name removes it). */
	tool_untrack(l);
	ipcx_close(l);
	/* Timers are not inherited: the deferral needs its own. */
	if (!tool_defer_signals())
		_exit(EXIT_FAIL);
	int st = fn(c, addr, arg);
	fflush(NULL);
	_exit(tool_finish(st));
}

int tool_fork_server(const struct command *cmd, const char *addr,
		     const struct tool_fork_opts *o, tool_serve_fn fn,
		     void *arg)
{
	struct server s = {.addr = addr, .o = o};
	struct ipcx_chan_info info = {0};
	struct ipcx_chan *l = NULL;
	struct ipcx_addr *a;
	int st = EXIT_OK, accepted = 0, r;

	if ((st = tool_parse(cmd, addr, NULL, IPCX_CAP_CHANNEL, "a channel",
			     &a)))
		return st;
	if (!(ipcx_addr_facility(a)->caps & IPCX_CAP_LISTEN)) {
		st = tool_usage(cmd,
				"%s: a %s has no connections to serve (LISTEN "
				"in 'ipcx info' says which facilities have)",
				addr, ipcx_addr_facility(a)->title);
		ipcx_addr_free(a);
		return st;
	}
	r = ipcx_open_addr(a, IPCX_LISTEN | IPCX_CREATE | IPCX_INTR, &l);
	ipcx_addr_free(a);
	if (r < 0)
		return tool_fail(r, addr);
	tool_track(l);
	/* An inherited descriptor (fd:) is what it is. */
	if (ipcx_chan_get(l, &info) < 0 || !info.listening) {
		tool_err("ipcx: %s: not a listening socket: nothing to "
			 "accept\n",
			 addr);
		st = EXIT_FAIL;
		goto out;
	}
	s.kids = calloc((size_t)o->max, sizeof(*s.kids));
	if (!s.kids || pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		tool_err("ipcx: %s\n", strerror(errno));
		st = EXIT_FAIL;
		goto out;
	}
	struct sigaction sa = {.sa_handler = on_chld, .sa_flags = SA_NOCLDSTOP};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	if (o->verbose)
		tool_err("ipcx: %s: listening on %s\n", addr,
			 info.local[0] ? info.local : addr);
	while (!tool_stop) {
		reap(&s, false);
		if (o->count >= 0 && accepted >= o->count && !s.running)
			break;
		bool more = s.running < o->max &&
			    (o->count < 0 || accepted < o->count);
		struct pollfd p[2] = {
			{.fd = chld_pipe[0], .events = POLLIN},
			{.fd = more ? ipcx_fd(l) : -1, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			tool_err("ipcx: poll: %s\n", strerror(errno));
			st = EXIT_FAIL;
			break;
		}
		if (p[0].revents)
			drain_chld();
		if (!(p[1].revents & POLLIN))
			continue;
		struct ipcx_chan *c;
		r = ipcx_accept(l, &c);
		if (r == -EACCES) {
			tool_err("ipcx: %s\n", ipcx_error_detail());
			continue;
		}
		if (r == -EINTR)
			continue;
		if (r < 0) {
			st = tool_fail(r, addr);
			break;
		}
		accepted++;
		if (o->verbose) {
			struct ipcx_chan_info ci = {0};
			ipcx_chan_get(c, &ci);
			tool_err("ipcx: %s: connection %d from %s%spid %d, "
				 "uid %d\n",
				 addr, accepted, ci.peer,
				 ci.peer[0] ? ", " : "", (int)ci.peer_pid,
				 (int)ci.peer_uid);
		}
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			child(l, c, addr, fn, arg);
		if (pid < 0)
			tool_err("ipcx: %s: fork: %s: connection %d not "
				 "served\n",
				 addr, strerror(errno), accepted);
		else
			s.kids[s.running++] = (struct kid){pid, accepted};
		/* The child has its copy: this one goes. */
		ipcx_close(c);
	}
out:
	/* No more clients: the listener goes (and the name it made). */
	tool_close(l);
	if (tool_stop)
		for (int i = 0; i < s.running; i++)
			kill(s.kids[i].pid, tool_stop);
	reap(&s, true);
	signal(SIGCHLD, SIG_DFL);
	if (chld_pipe[0] >= 0) {
		close(chld_pipe[0]);
		close(chld_pipe[1]);
	}
	free(s.kids);
	if (st == EXIT_OK && o->count >= 0 && s.failed)
		st = EXIT_FAIL;
	return st;
}
