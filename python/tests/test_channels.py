# SPDX-License-Identifier: MIT
"""Channels from Python: the facilities' semantics, errors, real peers."""
import errno
import os
import selectors
import signal
import socket
import subprocess
import time

import pytest

import ipcx
from conftest import ends_by_signal, run, send_later


def test_version_and_info():
    assert ipcx.__version__.count(".") == 2
    facs = ipcx.info()
    schemes = [f.scheme for f in facs]
    for s in ("pipe", "unix", "tcp", "posixmq", "sysvmq", "posixshm", "zmq"):
        assert s in schemes
    q = ipcx.info("posixmq")
    assert q.semantics == "message" and "channel" in q.caps
    assert "maxmsg" in [o.name for o in q.options]
    with pytest.raises(OSError) as e:
        ipcx.info("nosuch")
    assert e.value.errno == errno.EINVAL


@pytest.mark.parametrize("scheme", ["pipe", "unix", "unix-dgram",
                                    "unix-seqpacket", "anon"])
def test_pair_round_trip(scheme):
    a, b = ipcx.pair(scheme)
    with a, b:
        assert a.send(b"hello") == 5
        assert b.recv() == b"hello"
        assert b.send(bytearray(b"back")) == 4
        assert a.recv() == b"back"
        # Any bytes-like object, without a copy on the way in.
        assert a.send(memoryview(b"xyz")[1:]) == 2
        assert b.recv() == b"yz"


def test_message_boundaries_and_iteration():
    a, b = ipcx.pair("unix-seqpacket")
    with a, b:
        for m in (b"one", b"two", b"three"):
            a.send(m)
        a.shutdown()
        assert list(b) == [b"one", b"two", b"three"]
        # After the end, recv keeps saying so.
        assert b.recv() == b""


def test_stream_end_is_empty_bytes():
    a, b = ipcx.pair("unix")
    with a, b:
        a.send(b"abc")
        a.close()
        got = b"".join(b)
        assert got == b"abc"
        assert b.recv() == b""


def test_recv_max_and_emsgsize_loses_nothing(name, cleanup):
    addr = "posixmq:/" + name
    cleanup.append(addr)
    with ipcx.open(addr, create=True) as q:
        q.send(b"x" * 1000)
        with pytest.raises(OSError) as e:
            q.recv(10)
        assert e.value.errno == errno.EMSGSIZE
        assert q.recv() == b"x" * 1000


def test_large_message_grows_the_room():
    a, b = ipcx.pair("unix-seqpacket")
    with a, b:
        big = os.urandom(100000)
        a.send(big)
        assert b.recv() == big


def test_recv_into():
    a, b = ipcx.pair("unix-dgram")
    with a, b:
        a.send(b"0123456789")
        buf = bytearray(32)
        n = b.recv_into(buf)
        assert n == 10 and bytes(buf[:n]) == b"0123456789"
        a.send(b"abc")
        mv = memoryview(bytearray(8))
        assert b.recv_into(mv, 4) == 3
        with pytest.raises(TypeError):
            b.recv_into(b"read-only")


def test_posixmq_priority_and_meta(name, cleanup):
    addr = "posixmq:/" + name
    cleanup.append(addr)
    with ipcx.open(addr, create=True) as q:
        q.send(b"low", prio=1)
        q.send(b"high", prio=9)
        data, meta = q.recvmsg()
        assert (data, meta.prio) == (b"high", 9)
        assert q.recv() == b"low" and q.meta.prio == 1
        assert q.meta.size == 3
        i = q.info()
        assert i.scheme == "posixmq" and i.msgsize and i.capacity


def test_sysvmq_type_interop_with_sysv_ipc(cleanup):
    sysv_ipc = pytest.importorskip("sysv_ipc")
    key = 0x5C000000 | (os.getpid() & 0xFFFFF)
    addr = "sysvmq:0x%x" % key
    cleanup.append(addr)
    with ipcx.open(addr, create=True) as q:
        peer = sysv_ipc.MessageQueue(key)
        peer.send(b"from sysv_ipc", type=7)
        data, meta = q.recvmsg()
        assert data == b"from sysv_ipc" and meta.type == 7
        q.send(b"to sysv_ipc", type=3)
        assert peer.receive(type=3) == (b"to sysv_ipc", 3)


def test_errors_name_the_address(name):
    with pytest.raises(FileNotFoundError) as e:
        ipcx.open("posixmq:/" + name)
    assert e.value.errno == errno.ENOENT
    assert ("posixmq:/" + name) in str(e.value)
    with pytest.raises(OSError) as e:
        ipcx.open("fifo:/x?sise=1")
    assert e.value.errno == errno.EINVAL and "sise" in str(e.value)
    with pytest.raises(OSError) as e:
        ipcx.check("nosuch:thing")
    assert e.value.errno == errno.EINVAL
    ipcx.check("unix:/tmp/x.sock?listen=1")


def test_timeout_is_timeouterror(name, cleanup):
    addr = "posixmq:/%s?timeout=100" % name
    cleanup.append("posixmq:/" + name)
    with ipcx.open(addr, create=True) as q:
        t0 = time.monotonic()
        with pytest.raises(TimeoutError) as e:
            q.recv()
        assert 0.08 < time.monotonic() - t0 < 5
        assert "timed out" in str(e.value)


def test_nonblock_and_try_recv(name, cleanup):
    addr = "posixmq:/" + name
    cleanup.append(addr)
    with ipcx.open(addr, create=True, nonblock=True) as q:
        with pytest.raises(BlockingIOError):
            q.recv()
    with ipcx.open(addr) as q:
        assert q.try_recv() is None
        q.send(b"now")
        assert q.try_recv() == b"now"


def test_closed_channel():
    a, b = ipcx.pair("unix")
    a.close()
    a.close()
    with pytest.raises(ValueError):
        a.send(b"x")
    assert a.closed and "closed" in repr(a)
    b.close()


def test_fileno_with_selectors():
    a, b = ipcx.pair("anon")
    with a, b, selectors.DefaultSelector() as sel:
        sel.register(b, selectors.EVENT_READ)
        assert sel.select(timeout=0) == []
        a.send(b"ring")
        ready = sel.select(timeout=5)
        assert ready and ready[0][0].fileobj is b
        assert b.recv() == b"ring"


def test_listen_accept_with_a_python_socket(name, cleanup, tmp_path):
    path = str(tmp_path / "s.sock")
    with ipcx.open("unix:" + path, listen=True) as lst:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        with lst.accept() as c:
            s.sendall(b"ping")
            assert c.recv() == b"ping"
            c.send(b"pong")
            assert s.recv(16) == b"pong"
            assert c.info().peer_pid == os.getpid()
            s.close()
            assert c.recv() == b""
    assert not os.path.exists(path)


def test_socat_peer(tmp_path):
    socat = pytest.importorskip("shutil").which("socat")
    if not socat:
        pytest.skip("no socat")
    path = str(tmp_path / "echo.sock")
    p = subprocess.Popen([socat, "UNIX-LISTEN:%s" % path, "EXEC:cat"])
    try:
        for _ in range(200):
            if os.path.exists(path):
                break
            time.sleep(0.01)
        with ipcx.open("unix:" + path) as c:
            c.send(b"through socat")
            got = b""
            while len(got) < 13:
                got += c.recv()
            assert got == b"through socat"
    finally:
        p.kill()
        p.wait()


def test_the_tool_and_python_on_one_queue(name, cleanup, tool):
    addr = "posixmq:/" + name
    cleanup.append(addr)
    with ipcx.open(addr, create=True) as q:
        r = run(tool, "send", addr, "from", "the", "tool")
        assert r.returncode == 0, r.stderr
        assert [q.recv() for _ in range(3)] == [b"from", b"the", b"tool"]
        q.send(b"from python")
        r = run(tool, "recv", "-n", "1", addr)
        assert r.returncode == 0 and r.stdout == b"from python\n"


def test_fork_child_sends_on_a_ring():
    a, b = ipcx.pair("anon:?timeout=5000")
    pid = os.fork()
    if pid == 0:
        try:
            b.send(b"from the child")
            os._exit(0 if b.recv() == b"ack" else 1)
        except BaseException:
            os._exit(2)
    with a, b:
        assert a.recv() == b"from the child"
        a.send(b"ack")
        _, st = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(st) == 0


def test_a_signal_handler_that_raises_ends_a_blocking_recv():
    a, b = ipcx.pair("unix")
    with a, b:
        ends_by_signal(b.recv)


def test_a_signal_handler_that_returns_lets_recv_go_on():
    a, b = ipcx.pair("unix")
    ticks = []
    old = signal.signal(signal.SIGALRM, lambda s, f: ticks.append(s))
    pid = send_later(a, b"late", 0.4)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
        assert b.recv() == b"late"
        assert ticks
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        os.waitpid(pid, 0)
        a.close()
        b.close()


def test_recv_many_and_send_many(name, cleanup):
    a, b = ipcx.pair("anon:?size=64K")
    with a, b:
        assert a.send_many([b"m%d" % i for i in range(100)]) == 100
        got = []
        while len(got) < 100:
            got += b.recv_many(64)
        assert got == [b"m%d" % i for i in range(100)]
        assert b.try_recv() is None
        a.send(b"one")
        assert b.recv_many(8) == [b"one"]  # what is there, no waiting
    # Larger than the room left: it waits for the next call, not lost.
    addr = "posixmq:/" + name
    cleanup.append(addr)
    with ipcx.open(addr, create=True) as q:
        q.send_many([b"x" * 5000, b"y" * 5000, b"z"])
        first = q.recv_many(3)
        rest = q.recv_many(3) if len(first) < 3 else []
        assert first + rest == [b"x" * 5000, b"y" * 5000, b"z"]
    with pytest.raises(ValueError):
        b.recv_many(0)


def test_recv_many_stops_at_the_end():
    a, b = ipcx.pair("unix-seqpacket")
    with b:
        a.send_many([b"1", b"2"])
        a.close()
        assert b.recv_many(8) == [b"1", b"2", b""]  # then the end


def test_bad_input(name, tmp_path, cleanup):
    a, b = ipcx.pair("unix-seqpacket")
    with a, b:
        with pytest.raises(TypeError):
            a.send("text is not bytes")
        with pytest.raises(ValueError):
            b.recv(-1)
        with pytest.raises(OSError) as e:
            a.accept()  # not listening
        assert e.value.errno == errno.EINVAL
    with pytest.raises(OSError) as e:
        ipcx.open("nosuch:thing")
    assert e.value.errno == errno.EINVAL and "nosuch" in str(e.value)
    # A FIFO's sending end does not receive; the address names the cause.
    fifo = "fifo:%s/f" % tmp_path
    r = ipcx.open(fifo + "?nonblock=1", create=True, recv=True)
    with ipcx.open(fifo, send=True) as w, r:
        with pytest.raises(OSError) as e:
            w.recv()
        assert fifo in str(e.value)
    # A region larger than the object that exists: refused, not SIGBUS.
    addr = "posixshm:/" + name
    cleanup.append(addr)
    ipcx.region(addr, 4096, create=True).close()
    with pytest.raises(OSError) as e:
        ipcx.region(addr, 1 << 20)
    assert e.value.errno == errno.EINVAL
    # Bytes addresses and path-like ones work as str does.
    with ipcx.open(b"unix-dgram:%s/d?listen=1" % str(tmp_path).encode()) as d:
        assert d.info().scheme == "unix-dgram"


def test_an_empty_datagram_is_a_message_not_the_end():
    import itertools

    a, b = ipcx.pair("unix-dgram")
    with a, b:
        a.send(b"")
        a.send(b"x")
        assert not b.info().eof_is_zero
        assert list(itertools.islice(b, 2)) == [b"", b"x"]
