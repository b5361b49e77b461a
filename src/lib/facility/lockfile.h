/* SPDX-License-Identifier: MIT */
/* Lock files, shared by the flock and fcntl facilities (lockfile.c). */
#ifndef IPCX_LOCKFILE_H
#define IPCX_LOCKFILE_H

#include "../internal.h"

/* Opens the file of a lock address: O_RDWR, else O_RDONLY; creates it
 * 0600 (O_EXCL | O_NOFOLLOW) with IPCX_CREATE; a regular file only. */
int ipcx__lock_file(const struct ipcx_addr *a, unsigned flags, int *fd);

/* A holder in /proc/locks of a lock of KIND ("FLOCK", "POSIX", "OFDLCK")
 * on FD's file that conflicts with a lock (WANT_WRITE or read) of
 * [START, START + LEN) (LEN 0: to the end), other than pid SKIP: 1 and
 * *PID (-1 for an open file description's), or 0. */
int ipcx__proc_locks(int fd, const char *kind, bool want_write, long long start,
		     long long len, pid_t skip, pid_t *pid);

/* /proc/locks rows of flock() (FLOCK) or fcntl() (POSIX and OFDLCK)
 * locks as objects of L's facility.  Looking one up (L->only), a lock matches
 * when it is on the same file (by device and inode) and MATCH (NULL:
 * any) accepts its byte range [START, END]. */
int ipcx__list_locks(struct ipcx__lister *l, bool flock,
		     bool (*match)(const struct ipcx_addr *only,
				   long long start, long long end));

#endif
