# SPDX-License-Identifier: MIT
"""Every channel facility from Python: one message there and back (or one
way), by address, in one process."""
import os
import socket

import pytest

import ipcx
from conftest import Ticking


def pairs(scheme, name, tmp_path):
    """Two channels of SCHEME that reach each other: (sender, receiver),
    and the addresses to remove afterwards."""
    if scheme in ("pipe", "unix", "unix-dgram", "unix-seqpacket", "pty",
                  "anon"):
        a, b = ipcx.pair(scheme)
        return a, b, []
    if scheme == "fifo":
        addr = "fifo:%s/f" % tmp_path
        r = ipcx.open(addr + "?nonblock=1", create=True, recv=True)
        return ipcx.open(addr, send=True), r, []
    if scheme in ("tcp", "udp"):
        lst = ipcx.open(scheme + ":127.0.0.1:0", listen=True)
        c = ipcx.open(lst.info().local)
        if scheme == "udp":
            return c, lst, []
        c.send(b"")  # nothing: the connection is made
        s = lst.accept()
        lst.close()
        return c, s, []
    if scheme in ("posixmq", "posixshm"):
        addr = "%s:/%s" % (scheme, name)
        q = ipcx.open(addr, create=True)
        return q, q, [addr]
    if scheme in ("sysvmq", "sysvshm"):
        base = 0x5E000000 if scheme == "sysvmq" else 0x5F000000
        addr = "%s:0x%x" % (scheme, base | (os.getpid() & 0xFFFFF))
        q = ipcx.open(addr, create=True)
        return q, q, [addr]
    if scheme == "mmap":
        addr = "mmap:%s/m?size=64K" % tmp_path
        q = ipcx.open(addr, create=True)
        return q, q, []
    if scheme == "exec":
        c = ipcx.open("exec:cat")
        return c, c, []
    if scheme == "fd":
        x, y = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        return ipcx.open_fd(x.detach()), ipcx.open_fd(y.detach()), []
    if scheme == "zmq":
        ep = "inproc://ipcx-py-all-%d" % os.getpid()
        a = ipcx.open("zmq:%s?type=pair&bind=1" % ep)
        return a, ipcx.open("zmq:%s?type=pair" % ep), []
    if scheme == "signal":
        r = ipcx.open("signal:self?sig=RTMIN+5", recv=True)
        s = ipcx.open("signal:%d?sig=RTMIN+5" % os.getpid(), send=True)
        return s, r, []
    raise AssertionError(scheme)


CHANNELS = [f.scheme for f in ipcx.info()
            if "channel" in f.caps and f.scheme != "stdio"]


def test_the_list_is_every_channel_facility():
    # stdio is this process's own stdin and stdout: nothing between two
    # ends here (the tool's tests use it).
    built = {f.scheme for f in ipcx.info() if "channel" in f.caps}
    assert set(CHANNELS) | {"stdio"} == built
    assert len(CHANNELS) >= 18


@pytest.mark.parametrize("scheme", CHANNELS)
def test_a_message_through(scheme, name, tmp_path, cleanup):
    tx, rx, addrs = pairs(scheme, name, tmp_path)
    cleanup.extend(addrs)
    try:
        data = b"42" if scheme == "signal" else b"through " + scheme.encode()
        assert tx.send(data) == len(data)
        got = b""
        while len(got) < len(data):
            part = rx.recv()
            assert part, "the end came first"
            got += part
        assert got == data
        assert rx.info().scheme in (scheme, "unix-seqpacket")
    finally:
        for c in {id(tx): tx, id(rx): rx}.values():
            c.close()


@pytest.mark.parametrize("scheme", CHANNELS)
def test_asyncio_on_every_facility(scheme, name, tmp_path, cleanup):
    """arecv waits in the loop (which goes on running) until a message sent
    0.2 s later by asend arrives: through the channel's descriptor, or a
    thread of the executor where the facility has none."""
    import asyncio

    tx, rx, addrs = pairs(scheme, name, tmp_path)
    cleanup.extend(addrs)
    data = b"42" if scheme == "signal" else b"async " + scheme.encode()

    async def main():
        async def later():
            await asyncio.sleep(0.2)
            return await tx.asend(data)

        s = asyncio.create_task(later())
        got = b""
        async with Ticking() as t:
            while len(got) < len(data):
                part = await rx.arecv()
                assert part, "the end came first"
                got += part
        assert await s == len(data)
        return got, t.ticks

    try:
        got, ticks = asyncio.run(asyncio.wait_for(main(), 20))
        assert got == data
        assert ticks >= 5  # the loop ran while arecv waited
    finally:
        for c in {id(tx): tx, id(rx): rx}.values():
            c.close()


def test_the_benchmark_runs():
    """python3 -m ipcx.bench, briefly: every path measured and checked
    (figures are for the note, never asserted)."""
    import json
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "ipcx.bench", "-t", "0.1",
                        "--json"], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    paths = [row["path"] for row in d["rows"]]
    assert "ipcx ring (anon)" in paths and "multiprocessing.Queue" in paths
    for row in d["rows"]:
        assert row["rtt_ns"] > 0 and row["msgs_per_s"] > 0, row
    assert d["per_call"]["package_ns"] > 0 and d["per_call"]["cffi_ns"] > 0
