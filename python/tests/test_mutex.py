# SPDX-License-Identifier: MIT
"""Robust mutexes and condition variables in a region, across fork."""
import os
import signal
import time

import pytest

import ipcx


def test_condition_between_processes(name, cleanup):
    addr = "posixshm:/" + name
    cleanup.append(addr)
    r = ipcx.region(addr, 4096, create=True)
    m = ipcx.Mutex(r, 0, create=True)
    c = ipcx.Condition(r, ipcx.MUTEX_SIZE, create=True)
    flag = 256  # a byte of the region: the predicate
    pid = os.fork()
    if pid == 0:
        rr = ipcx.region(addr)
        mm = ipcx.Mutex(rr, 0)
        cc = ipcx.Condition(rr, ipcx.MUTEX_SIZE)
        time.sleep(0.2)
        with mm:
            rr.buf[flag] = 1
            cc.notify_all()
        os._exit(0)
    with m:
        t0 = time.monotonic()
        assert c.wait_for(m, lambda: r.buf[flag] == 1, timeout=10)
        assert time.monotonic() - t0 >= 0.1
        assert not m.owner_died
    os.waitpid(pid, 0)
    with m:
        t0 = time.monotonic()
        assert c.wait_for(m, lambda: False, timeout=0.2) is False
        assert time.monotonic() - t0 >= 0.19  # nobody notifies
    assert m.acquire(blocking=False) is True
    m.release()
    with pytest.raises(BufferError):
        r.close()  # the mutex and condition still point into it
    c.close()
    m.close()
    r.close()


def test_owner_died(name, cleanup):
    addr = "posixshm:/" + name
    cleanup.append(addr)
    with ipcx.region(addr, 4096, create=True) as r:
        m = ipcx.Mutex(r, 0, create=True)
        pid = os.fork()
        if pid == 0:
            mm = ipcx.Mutex(ipcx.region(addr), 0)
            mm.acquire()
            os.kill(os.getpid(), signal.SIGKILL)
        os.waitpid(pid, 0)
        assert m.acquire(timeout=10) is True
        assert m.owner_died  # repair, then release
        m.release()
        assert m.acquire(blocking=False) and not m.owner_died
        m.release()
        m.close()
