# SPDX-License-Identifier: MIT
"""Regions (buffer protocol, numpy), semaphores and file locks, with real
peers: another process, flock(1), Python's fcntl."""
import errno
import fcntl
import os
import shutil
import subprocess
import time

import pytest

import ipcx
from conftest import ends_by_signal


def test_region_bytes_are_shared_with_a_child(name, cleanup):
    addr = "posixshm:/" + name
    cleanup.append(addr)
    with ipcx.region(addr, 4096, create=True) as r:
        assert len(r) == 4096 and r.size == 4096
        v = r.buf
        v[0:5] = b"hello"
        pid = os.fork()
        if pid == 0:
            with ipcx.region(addr) as child:
                ok = child.read(0, 5) == b"hello"
                child.write(100, b"from the child")
            os._exit(0 if ok else 1)
        _, st = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(st) == 0
        assert bytes(v[100:114]) == b"from the child"
        v.release()


def test_numpy_without_a_copy(name, cleanup):
    np = pytest.importorskip("numpy")
    addr = "posixshm:/" + name
    cleanup.append(addr)
    with ipcx.region(addr, 8 * 1024, create=True) as r:
        a = np.frombuffer(r.buf, dtype=np.int64)
        a[:] = np.arange(1024)
        # The same memory through the library: no copy was made.
        assert r.read(8 * 7, 8) == (7).to_bytes(8, "little")
        with pytest.raises(BufferError):
            r.close()  # the array still looks at it
        del a
        r.close()
        assert "closed" in repr(r)


def test_region_bounds_and_errors(name):
    with pytest.raises(FileNotFoundError) as e:
        ipcx.region("posixshm:/" + name)
    assert name in str(e.value)
    with ipcx.region("anon:", 4096) as r:
        with pytest.raises(ValueError):
            r.read(4000, 200)
        with pytest.raises(ValueError):
            r.write(-1, b"x")


def test_semaphore_between_processes(name, cleanup):
    addr = "posixsem:/" + name
    cleanup.append(addr)
    s = ipcx.semaphore(addr, 0, create=True)
    assert s.value == 0
    assert s.acquire(blocking=False) is False
    t0 = time.monotonic()
    assert s.acquire(timeout=0.1) is False
    assert time.monotonic() - t0 >= 0.09
    pid = os.fork()
    if pid == 0:
        time.sleep(0.2)
        ipcx.semaphore(addr).release()
        os._exit(0)
    t0 = time.monotonic()
    assert s.acquire(timeout=10) is True  # the child's release
    assert time.monotonic() - t0 >= 0.1
    os.waitpid(pid, 0)
    assert s.value == 0
    s.release()
    with s:  # takes it, gives it back
        assert s.value == 0
    assert s.value == 1
    s.close()


def test_a_semaphore_wait_lets_signal_handlers_run(name, cleanup):
    addr = "posixsem:/" + name
    cleanup.append(addr)
    s = ipcx.semaphore(addr, 0, create=True)
    try:
        ends_by_signal(s.acquire)
    finally:
        s.close()


def test_flock_against_flock1_and_python_fcntl(tmp_path):
    path = str(tmp_path / "lockfile")
    with ipcx.lock("flock:" + path, create=True) as lk:
        assert lk.held == "exclusive"
        flock1 = shutil.which("flock")
        if flock1:
            r = subprocess.run([flock1, "-n", path, "true"])
            assert r.returncode == 1  # flock(1) sees it held
        fd = os.open(path, os.O_RDWR)
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(fd)
    assert lk.held is None
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_SH)
    lk2 = ipcx.lock("flock:" + path)
    assert lk2.acquire(shared=True, blocking=False) is True
    lk2.release()
    assert lk2.acquire(blocking=False) is False
    t0 = time.monotonic()
    assert lk2.acquire(timeout=0.1) is False
    assert time.monotonic() - t0 >= 0.09
    os.close(fd)
    assert lk2.acquire(timeout=5) is True
    lk2.close()


def test_fcntl_holder_is_the_other_process(tmp_path):
    path = str(tmp_path / "rec")
    open(path, "w").close()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        fd = os.open(path, os.O_RDWR)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        os.write(w, b"x")
        time.sleep(5)
        os._exit(0)
    os.close(w)
    os.read(r, 1)
    try:
        lk = ipcx.lock("fcntl:" + path)
        assert lk.holder() == pid
        assert lk.acquire(blocking=False) is False
        lk.close()
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(r)


def test_bad_lock_address():
    with pytest.raises(OSError) as e:
        ipcx.lock("flock:")
    assert e.value.errno == errno.EINVAL


def test_signals_carry_an_int_from_another_process():
    with ipcx.open("signal:self?sig=RTMIN+3", recv=True) as s:
        me = os.getpid()
        pid = os.fork()
        if pid == 0:
            ipcx.sigqueue(me, -7, sig="RTMIN+3")
            os._exit(0)
        value, meta = ipcx.signal_value(s)
        os.waitpid(pid, 0)
        assert value == -7 and meta.pid == pid and meta.uid == os.getuid()
        ipcx.sigqueue(me, 42, sig="RTMIN+3")
        assert ipcx.signal_value(s)[0] == 42
    with pytest.raises(ProcessLookupError):
        ipcx.sigqueue(2 ** 22 + 1, 1)


@pytest.mark.parametrize("kind", ["sysvshm", "mmap", "anon"])
def test_region_kinds(kind, tmp_path, cleanup):
    if kind == "sysvshm":
        addr = "sysvshm:0x%x" % (0x5B000000 | (os.getpid() & 0xFFFFF))
        cleanup.append(addr)
    elif kind == "mmap":
        addr = "mmap:%s/region" % tmp_path
    else:
        addr = "anon:"
    with ipcx.region(addr, 8192, create=True) as r:
        r.write(8000, b"end")
        assert r.read(8000, 3) == b"end" and bytes(r.buf[8000:8003]) == b"end"
        if kind == "mmap":
            with open(str(tmp_path / "region"), "rb") as f:
                f.seek(8000)
                assert f.read(3) == b"end"  # the file itself


def test_sysvsem_with_sysv_ipc_as_the_peer(cleanup):
    sysv_ipc = pytest.importorskip("sysv_ipc")
    key = 0x5A000000 | (os.getpid() & 0xFFFFF)
    addr = "sysvsem:0x%x" % key
    cleanup.append(addr)
    s = ipcx.semaphore(addr, 2, create=True)
    peer = sysv_ipc.Semaphore(key)
    assert peer.value == 2
    peer.acquire()
    assert s.value == 1
    assert s.acquire(blocking=False) and not s.acquire(blocking=False)
    peer.release()
    assert s.acquire(timeout=1)
    s.close()


def test_a_view_outlives_its_region_object(name, cleanup):
    import gc

    addr = "posixshm:/" + name
    cleanup.append(addr)
    v = ipcx.region(addr, 4096, create=True).buf  # the Region is let go
    gc.collect()
    v[0:4] = b"safe"  # still mapped: no crash
    assert ipcx.region(addr).read(0, 4) == b"safe"
    holders = [h.pid for h in ipcx.find(addr).holders]
    assert os.getpid() in holders
    del v
    gc.collect()
    assert os.getpid() not in [h.pid for h in ipcx.find(addr).holders]
