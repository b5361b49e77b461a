# SPDX-License-Identifier: MIT
"""ipcx.ls(), find() and rm(): what ipcx ls lists, as plain data; rm
never removes what a live process holds unless told to."""
import errno
import os
import time

import pytest

import ipcx


def test_ls_find_and_rm(name, cleanup):
    # A POSIX shared-memory object: listed for any user (a POSIX queue
    # needs the mqueue filesystem, which only root may mount).
    addr = "posixshm:/" + name
    cleanup.append(addr)
    r = ipcx.region(addr, 8192, create=True)
    objs = [o for o in ipcx.ls("posixshm") if o.address == addr]
    assert len(objs) == 1
    o = objs[0]
    assert o.scheme == "posixshm" and o.uid == os.geteuid()
    assert o.mode == 0o600 and o.size == 8192 and o.size_unit == "bytes"
    assert not o.stale
    assert os.getpid() in [h.pid for h in o.holders]
    assert ipcx.find(addr).address == addr
    # Held by this process: refused, naming it.
    with pytest.raises(OSError) as e:
        ipcx.rm(addr)
    assert e.value.errno == errno.EBUSY and str(os.getpid()) in str(e.value)
    r.close()
    ipcx.rm(addr)
    with pytest.raises(FileNotFoundError):
        ipcx.find(addr)


def test_rm_refuses_what_a_live_child_holds(name, cleanup):
    addr = "posixshm:/" + name
    cleanup.append(addr)
    ipcx.region(addr, 4096, create=True).close()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        keep = ipcx.region(addr)  # noqa: F841 (held while it lives)
        os.write(w, b"x")
        time.sleep(30)
        os._exit(0)
    os.close(w)
    os.read(r, 1)
    os.close(r)
    try:
        with pytest.raises(OSError) as e:
            ipcx.rm(addr)
        assert e.value.errno == errno.EBUSY and str(pid) in str(e.value)
        assert os.path.exists("/dev/shm/" + name)
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    ipcx.rm(addr)
    assert not os.path.exists("/dev/shm/" + name)


def test_rm_force_and_errors(name, cleanup):
    addr = "posixsem:/" + name
    cleanup.append(addr)
    s = ipcx.semaphore(addr, 1, create=True)
    ipcx.rm(addr, force=True)
    s.close()
    with pytest.raises(FileNotFoundError):
        ipcx.rm(addr)
    with pytest.raises(OSError) as e:
        ipcx.rm("nosuch:x")
    assert e.value.errno == errno.EINVAL


def test_semaphores_listed_with_values_and_keys(name, cleanup):
    # A POSIX semaphore: one semaphore, its value; a System V set: its
    # key, and each semaphore's value.
    addr = "posixsem:/" + name
    cleanup.append(addr)
    with ipcx.semaphore(addr, 3, create=True):  # the block takes one
        o = ipcx.find(addr)
        assert (o.size, o.size_unit, o.values) == (1, "semaphores", (2,))
        assert o.key is None and o.lock_mode is None
    key = 0x5C000000 | (os.getpid() & 0xFFFFF)
    saddr = "sysvsem:0x%x?nsems=2" % key
    cleanup.append("sysvsem:0x%x" % key)
    with ipcx.semaphore(saddr, 4, create=True):  # one of the first
        o = ipcx.find("sysvsem:0x%x" % key)
        assert o.key == key and o.size == 2 and o.values == (3, 4)


def test_a_lock_listed_with_its_mode(tmp_path):
    path = tmp_path / "l"
    with ipcx.lock("flock:%s" % path, create=True) as lk:
        o = ipcx.find("flock:%s" % path)
        assert o.lock_mode == "WRITE" and o.holders[0].pid == os.getpid()
        lk.release()
        lk.acquire(shared=True)
        assert ipcx.find("flock:%s" % path).lock_mode == "READ"
