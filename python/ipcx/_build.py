# SPDX-License-Identifier: MIT
"""Builds ipcx._ipcx, the cffi binding of libipcx (API mode).

The declarations below leave every constant's value ("...") and every
struct's layout ("...;") to the C compiler, which reads them from the
installed <ipcx.h>: nothing of the header is copied here but names.
libipcx is found with pkg-config (PKG_CONFIG_PATH picks an uninstalled
build: its meson-uninstalled directory); a library outside the linker's
default directories is linked with an rpath to it (unless IPCX_NO_RPATH
is set: a distribution's package, built against the library it installs
in a default directory).
"""
import os
import shlex
import subprocess

from cffi import FFI

CDEF = r"""
typedef int... pid_t;
typedef int... uid_t;
#define IPCX_ADDR_MAX ...

const char *ipcx__py_version(void);
ssize_t ipcx__py_recv_many(struct ipcx_chan *c, char *buf, size_t cap,
                           size_t *lens, int max, struct ipcx_meta *meta,
                           int *err);
ssize_t ipcx__py_send_many(struct ipcx_chan *c, const char *const *bufs,
                           const size_t *lens, int n);
const char *ipcx_strerror(int err);
const char *ipcx_error_detail(void);

enum ipcx_semantics {
    IPCX_BYTE_STREAM, IPCX_MESSAGE, IPCX_SHARED_MEMORY,
    IPCX_SYNCHRONIZATION, IPCX_NOTIFICATION, ...
};

#define IPCX_CAP_NETWORK ...
#define IPCX_CAP_POLL ...
#define IPCX_CAP_PAIR ...
#define IPCX_CAP_LISTEN ...
#define IPCX_CAP_ONEWAY ...
#define IPCX_CAP_NAMED ...
#define IPCX_CAP_CONNLESS ...
#define IPCX_CAP_CHANNEL ...
#define IPCX_CAP_REGION ...
#define IPCX_CAP_SEM ...
#define IPCX_CAP_LOCK ...
#define IPCX_CAP_QUEUE ...
#define IPCX_CAP_BIND ...

struct ipcx_facility {
    const char *scheme;
    const char *title;
    const char *name;
    const char *handle;
    const char *standard;
    enum ipcx_semantics semantics;
    unsigned caps;
    ...;
};
const struct ipcx_facility *ipcx_facility_find(const char *scheme);
const struct ipcx_facility *ipcx_facility_at(size_t i);
const char *ipcx_semantics_name(enum ipcx_semantics s);

struct ipcx_option {
    const char *name;
    const char *value;
    const char *def;
    const char *help;
    ...;
};
const struct ipcx_option *ipcx_facility_option(const struct ipcx_facility *fac,
                                               size_t i);

struct ipcx_addr;
int ipcx_addr_check(const char *addr, const char *defaults);

struct ipcx_chan;
#define IPCX_CREATE ...
#define IPCX_EXCL ...
#define IPCX_NONBLOCK ...
#define IPCX_LISTEN ...
#define IPCX_CONNECT ...
#define IPCX_SEND ...
#define IPCX_RECV ...
#define IPCX_INTR ...

#define IPCX_META_TYPE ...
#define IPCX_META_PRIO ...
#define IPCX_META_PID ...
#define IPCX_META_UID ...
#define IPCX_META_PEER ...

struct ipcx_meta {
    size_t struct_size;
    unsigned want;
    unsigned valid;
    size_t size;
    long type;
    unsigned prio;
    pid_t pid;
    uid_t uid;
    char peer[...];
    ...;
};

int ipcx_open_with(const char *addr, const char *defaults, unsigned flags,
                   struct ipcx_chan **out);
int ipcx_open_fd(int fd, unsigned flags, struct ipcx_chan **out);
int ipcx_pair(const char *scheme, struct ipcx_chan **a, struct ipcx_chan **b);
int ipcx_accept(struct ipcx_chan *l, struct ipcx_chan **out);
ssize_t ipcx_send(struct ipcx_chan *c, const char *buf, size_t len,
                  const struct ipcx_meta *meta);
ssize_t ipcx_recv(struct ipcx_chan *c, void *buf, size_t len,
                  struct ipcx_meta *meta);
ssize_t ipcx_try_recv(struct ipcx_chan *c, void *buf, size_t len,
                      struct ipcx_meta *meta);
int ipcx_shutdown(struct ipcx_chan *c);
int ipcx_fd(const struct ipcx_chan *c);
int ipcx_reserve(struct ipcx_chan *c, size_t len, void **ptr);
int ipcx_commit(struct ipcx_chan *c, size_t len);
int ipcx_peek(struct ipcx_chan *c, const void **ptr, size_t *len);
int ipcx_release(struct ipcx_chan *c);
int ipcx_cancel(struct ipcx_chan *c);

struct ipcx_chan_info {
    size_t struct_size;
    const struct ipcx_facility *facility;
    bool listening;
    bool framed;
    enum ipcx_semantics semantics;
    bool eof_is_zero;
    long id;
    char local[...];
    char peer[...];
    pid_t peer_pid;
    uid_t peer_uid;
    pid_t child;
    long capacity, msgsize, queued;
    ...;
};
int ipcx_chan_get(const struct ipcx_chan *c, struct ipcx_chan_info *out);

struct ipcx_region;
int ipcx_region_open(const char *addr, unsigned flags, size_t size,
                     struct ipcx_region **out);
void *ipcx_region_base(const struct ipcx_region *r);
size_t ipcx_region_size(const struct ipcx_region *r);
ssize_t ipcx_region_read(const struct ipcx_region *r, size_t off, void *buf,
                         size_t len);
ssize_t ipcx_region_write(struct ipcx_region *r, size_t off, const void *buf,
                          size_t len);
int ipcx_region_unlink(const struct ipcx_region *r);
int ipcx_region_close(struct ipcx_region *r);

#define IPCX_WAIT_NONE ...
#define IPCX_WAIT_FOREVER ...
#define IPCX_WAIT_OPENED ...

struct ipcx_sem;
int ipcx_sem_open(const char *addr, unsigned flags, unsigned initial,
                  struct ipcx_sem **out);
#define IPCX_SEM_SIZE ...
int ipcx_sem_init(struct ipcx_region *r, size_t offset, unsigned initial,
                  struct ipcx_sem **out);
int ipcx_sem_attach(struct ipcx_region *r, size_t offset,
                    struct ipcx_sem **out);
int ipcx_sem_acquire(struct ipcx_sem *s, int timeout_ms);
int ipcx_sem_release(struct ipcx_sem *s);
int ipcx_sem_value(const struct ipcx_sem *s);
int ipcx_sem_unlink(struct ipcx_sem *s);
int ipcx_sem_close(struct ipcx_sem *s);

struct ipcx_lock;
#define IPCX_LOCK_SHARED ...
#define IPCX_LOCK_EXCLUSIVE ...
int ipcx_lock_open(const char *addr, unsigned flags, struct ipcx_lock **out);
int ipcx_lock_acquire(struct ipcx_lock *l, int how, int timeout_ms);
int ipcx_lock_release(struct ipcx_lock *l);
int ipcx_lock_holder(struct ipcx_lock *l, int how, pid_t *pid);
int ipcx_lock_held(const struct ipcx_lock *l);
int ipcx_lock_close(struct ipcx_lock *l);

struct ipcx_mutex;
struct ipcx_cond;
#define IPCX_MUTEX_SIZE ...
#define IPCX_COND_SIZE ...
#define IPCX_OWNER_DIED ...
int ipcx_mutex_init(struct ipcx_region *r, size_t offset,
                    struct ipcx_mutex **out);
int ipcx_mutex_attach(struct ipcx_region *r, size_t offset,
                      struct ipcx_mutex **out);
int ipcx_cond_init(struct ipcx_region *r, size_t offset,
                   struct ipcx_cond **out);
int ipcx_cond_attach(struct ipcx_region *r, size_t offset,
                     struct ipcx_cond **out);
int ipcx_mutex_acquire(struct ipcx_mutex *m, int timeout_ms);
int ipcx_mutex_release(struct ipcx_mutex *m);
int ipcx_cond_wait(struct ipcx_cond *c, struct ipcx_mutex *m, int timeout_ms);
int ipcx_cond_signal(struct ipcx_cond *c);
int ipcx_cond_broadcast(struct ipcx_cond *c);
int ipcx_mutex_close(struct ipcx_mutex *m);
int ipcx_cond_close(struct ipcx_cond *c);

struct ipcx_holder {
    pid_t pid;
    char comm[...];
    unsigned long long ipc_ns;
    bool other_ns;
    ...;
};
struct ipcx_object {
    const struct ipcx_facility *facility;
    char address[...];
    long long id;
    long long uid, gid;
    int mode;
    long long size;
    const char *size_unit;
    long long attached;
    pid_t creator;
    pid_t last;
    long long changed;
    size_t nholders;
    bool holders_known;
    bool stale;
    char detail[...];
    bool unheld;
    long long key;
    const char *lock_mode;
    size_t nvalues;
    ...;
};
long long ipcx_object_value(const struct ipcx_object *o, size_t i);
const struct ipcx_holder *ipcx_object_holder(const struct ipcx_object *o,
                                             size_t i);
#define IPCX_LIST_MOUNT ...
int ipcx_list(const char *scheme, unsigned flags,
              int (*fn)(const struct ipcx_object *, void *), void *arg,
              char *warnings, size_t warnings_len);
int ipcx_object_find(const char *addr, unsigned flags,
                     int (*fn)(const struct ipcx_object *, void *), void *arg);
#define IPCX_REMOVE_FORCE ...
int ipcx_object_remove(const char *addr, unsigned flags,
                       int (*fn)(const struct ipcx_object *, void *),
                       void *arg);
extern "Python" int ipcx__py_object(const struct ipcx_object *, void *);
int ipcx_close(struct ipcx_chan *c);
int ipcx_unlink(const char *addr);
int ipcx_chan_unlink(const struct ipcx_chan *c);
"""


def _pkg_config(*args):
    cmd = ["pkg-config", *args, "ipcx"]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(
            "ipcx: pkg-config cannot find libipcx (%s): install libipcx "
            "(make install, or libipcx-dev), or point PKG_CONFIG_PATH at "
            "its .pc file" % (getattr(e, "stderr", "") or e).strip()
        )
    return shlex.split(out.stdout)


def _flags():
    cflags = _pkg_config("--cflags")
    libs = _pkg_config("--libs")
    inc = [f[2:] for f in cflags if f.startswith("-I")]
    libdirs = [f[2:] for f in libs if f.startswith("-L")]
    names = [f[2:] for f in libs if f.startswith("-l")]
    system = {"/usr/lib", "/lib", "/usr/lib64", "/lib64",
              "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu"}
    rpath = [d for d in libdirs if os.path.realpath(d) not in system]
    # A distribution's package is built against the library it is about
    # to install where the loader looks: no rpath to the build tree.
    if os.environ.get("IPCX_NO_RPATH"):
        rpath = []
    return inc, libdirs, names, rpath


# Loops that would cost a call from Python per message.
_HELPERS = r"""
#include <errno.h>

/* Receives up to MAX messages into BUF (CAP bytes for all), one after
 * the other, their sizes in LENS: the first as ipcx_recv() (META for its
 * size when it does not fit), the others only while one is there now and
 * fits what is left.  The count, or the first receive's -errno.  A later
 * receive's error (not "nothing now", not "does not fit": that message
 * stays) ends the batch and is left in *ERR, its detail still the
 * thread's.  A message of 0 bytes ends it too. */
static ssize_t ipcx__py_recv_many(struct ipcx_chan *c, char *buf, size_t cap,
                                  size_t *lens, int max,
                                  struct ipcx_meta *meta, int *err)
{
        size_t at = 0;
        int n = 0;

        *err = 0;
        while (n < max) {
                ssize_t r = n ? ipcx_try_recv(c, buf + at, cap - at, NULL)
                              : ipcx_recv(c, buf, cap, meta);
                if (r < 0) {
                        if (n == 0)
                                return r;
                        if (r != -EAGAIN && r != -EMSGSIZE)
                                *err = (int)r;
                        break;
                }
                lens[n++] = (size_t)r;
                at += (size_t)r;
                if (r == 0 || at == cap)
                        break;
        }
        return n;
}

/* Sends N messages in order; the count sent, or the first failure's
 * -errno when none went (after some: the count; the caller sends the
 * rest and so sees the failure). */
static ssize_t ipcx__py_send_many(struct ipcx_chan *c, const char *const *bufs,
                                  const size_t *lens, int n)
{
        for (int i = 0; i < n; i++) {
                ssize_t r = ipcx_send(c, bufs[i], lens[i], NULL);
                if (r < 0)
                        return i ? i : r;
        }
        return n;
}
"""

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
_inc, _libdirs, _names, _rpath = _flags()
ffibuilder.set_source(
    "ipcx._ipcx",
    "#include <ipcx.h>\n"
    "static const char *ipcx__py_version(void) { return IPCX_VERSION; }\n"
    + _HELPERS,
    include_dirs=_inc,
    library_dirs=_libdirs,
    libraries=_names,
    runtime_library_dirs=_rpath,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
