/* SPDX-License-Identifier: MIT */
/* POSIX IPC names and /dev/shm, shared by posixmq, posixshm and posixsem
 * (posixname.c). */
#ifndef IPCX_POSIXNAME_H
#define IPCX_POSIXNAME_H

#include "../internal.h"

/* POSIX IPC names: one leading slash, no other, at most NAME_MAX bytes
 * after it.  WHAT: "queue".  -EINVAL with a detail. */
int ipcx__check_posix_name(const struct ipcx_addr *a, const char *what);

/* Lists the regular files of the directory DIR whose names start with
 * PREFIX (NULL: all but those starting with SKIP) as SCHEME:/NAME (the
 * prefix removed) of L's facility, held by whoever has them open or
 * mapped.  Nobody holding one: unheld, unless USERS (may be NULL) finds
 * in its contents (FD, read-only) who used it: -1 nothing recorded, else
 * the number of recorded pids it wrote to PIDS (at most MAX); stale when
 * every one is dead. */
typedef int (*ipcx__users_fn)(int fd, int32_t *pids, int max);
/* What a facility adds to each object it lists (its size in its own
 * unit, values), given its file NAME in the directory DFD. */
typedef void (*ipcx__fill_fn)(struct ipcx__lister *l, struct ipcx_object *o,
			      int dfd, const char *name);
int ipcx__list_shm_dir(struct ipcx__lister *l, const char *dir,
		       const char *prefix, const char *skip,
		       ipcx__users_fn users, ipcx__fill_fn fill);

#endif
