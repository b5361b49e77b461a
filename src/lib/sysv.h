/* SPDX-License-Identifier: MIT */
/* System V keys and listings, shared by the System V facilities (sysv.c). */
#ifndef IPCX_SYSV_H
#define IPCX_SYSV_H

#include "internal.h"

/* proj=: the ftok() project of a key made from a path. */
extern const struct ipcx__opt ipcx__opt_proj;

/*
 * TARGET is 0x1f, 31, a PATH (ftok with proj=, default 1), "id:N" (an
 * object by its id), or "private".  ipcx__sysv_parse keeps the result in
 * a->priv; ipcx__sysv_key gives the key at open (ftok needs the path to exist).
 */
int ipcx__sysv_parse(struct ipcx_addr *a);
/* Whether A names an object by its id ("id:N"). */
bool ipcx__sysv_by_id(const struct ipcx_addr *a);
int ipcx__sysv_key(const struct ipcx_addr *a, int *key);
/* The id of A's existing object: "id:N" when STAT_ID says it is one of
 * this kind (WHAT: "queue"), else GET of its key.  -ENOENT, ... */
int ipcx__sysv_lookup(const struct ipcx_addr *a, int (*get)(int key),
		      int (*stat_id)(int id), const char *what, int *id);
/* The key the object of A (not "id:N") has, to look it up in a listing:
 * -EINVAL for a private one, which has none. */
int ipcx__sysv_only_key(const struct ipcx_addr *a, const char *what, int *key);
struct ipcx__lister;
/* Lists the objects of /proc/sysvipc/FILE: ROW parses a LINE into O (the
 * key into *KEY) and returns 1, or 0 for a line that is no object, or a
 * negative errno; this does the rest (the address, ipcx__emit(), or the
 * one object L->only names, WHAT: "queue"). */
int ipcx__sysv_list(struct ipcx__lister *l, const char *file, const char *what,
		    int (*row)(struct ipcx__lister *l, const char *line,
			       struct ipcx_object *o, int *key));
/* How many objects /proc/sysvipc/FILE ("shm", "msg", "sem") lists: in
 * use in this IPC namespace; -1 when it cannot be read. */
long long ipcx__sysv_count(const char *file);

/* The address of a System V object: SCHEME:0xKEY, or SCHEME:id:ID when it
 * is private. */
void ipcx__sysv_address(char *buf, size_t n, const char *scheme, int key,
			int id);

#endif
