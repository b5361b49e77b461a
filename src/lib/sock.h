/* SPDX-License-Identifier: MIT */
/* Socket I/O shared by the UNIX and Internet facilities (sock.c). */
#ifndef IPCX_SOCK_H
#define IPCX_SOCK_H

#include "internal.h"

/* listen=1 / connect=1: which side of a connection-oriented socket. */
extern const struct ipcx__opt ipcx__opt_listen, ipcx__opt_connect;

/* Socket-facility state embedded after struct ipcx_chan. */
struct ipcx__sock {
	struct ipcx_chan c;
	int type;	 /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	bool is_message; /* datagram or seqpacket */
	/* We bound a filesystem path: the process that bound it (and only
	 * it: not a child that inherited the socket) removes it. */
	pid_t bound_by;
	dev_t path_dev;
	ino_t path_ino;
	long long allow_uid; /* -1: anyone */
	size_t peek_below;   /* buffers smaller than this peek first */
	struct sockaddr_storage local, last;
	socklen_t last_len; /* last: who sent to us last */
	bool connected;	    /* has a default destination */
	bool passcred;	    /* SO_PASSCRED is on: datagrams carry creds */
	pid_t peer_pid;	    /* SO_PEERCRED of a connection, or -1 */
	uid_t peer_uid;
	/* Formats SA into OUT as an address of this facility. */
	void (*format)(const char *scheme, const struct sockaddr *sa,
		       socklen_t len, char *out, size_t n);
	/* Resolves an address string of this facility (ipcx_meta.peer). */
	int (*resolve)(struct ipcx_chan *c, const char *addr,
		       struct sockaddr_storage *ss, socklen_t *len);
};

/* Creates a socket-channel struct around FD. */
struct ipcx__sock *ipcx__sock_wrap(const struct ipcx__facility *ops,
				   const char *name, unsigned flags, int fd,
				   int type);
/* Whether FD (fstat ST) is a socket: its domain and type. */
struct stat;
bool ipcx__sock_kind(int fd, const struct stat *st, int *domain, int *type);
/* Wraps an inherited socket FD of facility OPS (a chan_ops adopt): as
 * it is now, listening (SO_ACCEPTCONN), connected, or neither. */
struct ipcx__sock *ipcx__sock_adopt(const struct ipcx__facility *ops, int fd,
				    int type, unsigned flags, const char *name);
ssize_t ipcx__sock_send(struct ipcx_chan *c, const struct iovec *iov, int n,
			const struct ipcx_meta *m);
ssize_t ipcx__sock_recv(struct ipcx_chan *c, void *buf, size_t len,
			struct ipcx_meta *m);
int ipcx__sock_shutdown(struct ipcx_chan *c);
int ipcx__sock_accept(struct ipcx_chan *l, struct ipcx_chan **out);
/* Accepts on listening socket LFD for channel LC (its deadline, nonblock
 * and IPCX_INTR): the new descriptor (close-on-exec), or -errno with a
 * detail. */
int ipcx__accept_fd(struct ipcx_chan *lc, int lfd);
int ipcx__sock_close(struct ipcx_chan *c);
int ipcx__sock_unlink_self(const struct ipcx_chan *c);
int ipcx__sock_get(const struct ipcx_chan *c, struct ipcx_chan_info *i);
/* Connects FD to SA honouring C's timeout. */
int ipcx__sock_connect(struct ipcx_chan *c, int fd, const struct sockaddr *sa,
		       socklen_t len);
/* -EINVAL when A says both listen=1 and connect=1. */
int ipcx__sock_check_side(const struct ipcx_addr *a);

#endif
