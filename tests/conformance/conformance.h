/* SPDX-License-Identifier: MIT */
/* The conformance suite: doc/HACKING.md, Semantics, over every facility. */
#ifndef IPCX_CONFORMANCE_H
#define IPCX_CONFORMANCE_H

#include <ipcx.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

/* Checks in a forked child: cmocka's asserts only work in the parent. */
#define CHILD_CHECK(cond)                                                 \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "child: %s:%d: %s failed (%s)\n", \
				__FILE__, __LINE__, #cond,                \
				ipcx_error_detail());                     \
			_exit(1);                                         \
		}                                                         \
	} while (0)

struct fx;

/* How to make two connected ends of one facility across fork(). */
struct fixture {
	const char *scheme;
	bool oneway;   /* the child sends, the parent receives (FIFO) */
	bool coalesce; /* two writes, once both are in, read as one */
	bool lossy;    /* may drop under load (UDP) */
	bool no_fill;  /* a sender cannot be filled to EAGAIN */
	bool no_eof;   /* a dead peer is -EPIPE, not end of stream (rings) */
	/* Sends are delivered by the library after they return (ZeroMQ):
	 * the child closes its end before it exits, as such a program
	 * must, or what it sent last may never leave. */
	bool close_b;
	/* ipcx_fd() may wake with no message (ZeroMQ's ZMQ_FD tells of
	 * every change): a non-blocking receive then says -EAGAIN, and the
	 * caller polls again. */
	bool wakes_empty;
	size_t large; /* bytes for the large transfer (streams) */
	/* Parent, before fork: create what both ends need.  OPTS are
	 * address options for both ends ("framing=length", "" for none). */
	void (*setup)(struct fx *f, const char *opts);
	/* Parent, after fork: its end. */
	struct ipcx_chan *(*end_a)(struct fx *f);
	/* Child, after fork: its end (CHILD_CHECK on failure). */
	struct ipcx_chan *(*end_b)(struct fx *f);
	void (*teardown)(struct fx *f);
};

struct fx {
	const struct fixture *fix;
	char opts[64];
	char path[128]; /* a scratch pathname, unique per test */
	char addr[300]; /* the address the child connects to */
	struct ipcx_chan *pa, *pb, *listener;
	void *extra;
};

/* A unique scratch path: /tmp/ipcx-test-PID-N plus SUFFIX. */
void conf_scratch(char *out, size_t n, const char *suffix);

/* Appends "?OPTS" or "&OPTS" to ADDR. */
void conf_with_opts(char *out, size_t n, const char *addr, const char *opts);

/* One receive of at most LEN bytes; a message channel receives into a
 * buffer with room for any message first. */
ssize_t conf_recv(struct ipcx_chan *c, void *buf, size_t len);

/* Sends/receives exactly LEN bytes (streams may split). */
void conf_send_all(struct ipcx_chan *c, const void *buf, size_t len);
ssize_t conf_recv_exact(struct ipcx_chan *c, void *buf, size_t len);

/* Runs the generic tests of HACKING.md, Semantics, over FIX, then EXTRA
 * (the facility's own tests, may be NULL).  Returns cmocka's status. */
int conf_run(const struct fixture *fix, const struct CMUnitTest *extra,
	     size_t nextra);

/* Standard fixtures built from ipcx_pair(). */
void conf_pair_setup(struct fx *f, const char *opts);
struct ipcx_chan *conf_pair_a(struct fx *f);
struct ipcx_chan *conf_pair_b(struct fx *f);
void conf_pair_teardown(struct fx *f);

/* Fixtures where the parent listens (or binds) and the child connects.
 * f->addr must hold the listening address before conf_listen_setup. */
void conf_listen_setup(struct fx *f, const char *opts);
struct ipcx_chan *conf_listen_a(struct fx *f);
struct ipcx_chan *conf_listen_b(struct fx *f);
void conf_listen_teardown(struct fx *f);

/* Fixture ends for one-way facilities: the parent opens F->addr to
 * receive, the child to send. */
struct ipcx_chan *conf_open_recv(struct fx *f);
struct ipcx_chan *conf_open_send(struct fx *f);

/* Two forked readers share R (which must have a timeout=); the parent
 * sends numbered messages on S; each must arrive exactly once. */
void conf_competing_readers(struct ipcx_chan *r, struct ipcx_chan *s);

/* Milliseconds on CLOCK_MONOTONIC since T0. */
struct timespec;
long long conf_ms_since(const struct timespec *t0);

/* Waits for a child; returns its exit status (or 128+signal). */
int conf_wait(pid_t pid);

#endif
