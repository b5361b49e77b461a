/* SPDX-License-Identifier: MIT */
/* The rendezvous of a listening ring (rendezvous.c). */
#ifndef IPCX_RING_RENDEZVOUS_H
#define IPCX_RING_RENDEZVOUS_H

#include "../internal.h"

/* What a client sends with the descriptor of its connection's memory. */
#define IPCX__RV_SECRET 16

/*
 * Binds a listening SOCK_SEQPACKET socket (non-blocking, close-on-exec)
 * to the abstract name of *TOKEN: a new random token, or, TAKE_OVER, the
 * one given (-EADDRINUSE, no detail, while another socket holds it).
 * C names the channel in details.  0 and *FD.
 */
int ipcx__rv_listen(const struct ipcx_chan *c, uint64_t *token, bool take_over,
		    int *fd);

/*
 * Connects to the listener of TOKEN (up to C's deadline) and hands it
 * MEMFD with SECRET: the proof that the caller could map the listener's
 * region.  0, the connected socket (*FD: kept for the connection's life:
 * it hangs up when every process of the other end is gone) and the
 * listener's pid and uid.  -ECONNREFUSED (no detail) when nobody listens there;
 * -ETIMEDOUT, -EAGAIN (nonblock).
 */
int ipcx__rv_connect(struct ipcx_chan *c, uint64_t token,
		     const uint8_t secret[IPCX__RV_SECRET], int memfd, int *fd,
		     pid_t *pid, uid_t *uid);

/* Whether the other end of connection socket FD has gone (every process
 * that held it closed it or died). */
bool ipcx__rv_gone(int fd);

/*
 * Accepts one connection on LFD (the listener L's socket, up to L's
 * deadline) and takes its descriptor: 0, *MEMFD (close-on-exec), the
 * connection's socket *FD (kept as the client's is) and the peer's
 * credentials.  -EACCES (L stays usable) for a peer that did not send
 * SECRET and one descriptor within a second.
 */
int ipcx__rv_accept(struct ipcx_chan *l, int lfd,
		    const uint8_t secret[IPCX__RV_SECRET], int *memfd, int *fd,
		    pid_t *pid, uid_t *uid);

#endif
