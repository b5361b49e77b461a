# SPDX-License-Identifier: MIT
"""asyncio: arecv/asend on every kind of descriptor, and without one."""
import asyncio
import os

import pytest

import ipcx
from conftest import Ticking, send_later


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


@pytest.mark.parametrize("scheme", ["unix", "unix-seqpacket", "pipe",
                                    "anon"])
def test_arecv_waits_without_blocking_the_loop(scheme):
    a, b = ipcx.pair(scheme)

    async def main():
        # The message comes from another process, 0.3 s later.
        pid = send_later(b, b"late", 0.3)
        try:
            async with Ticking() as t:
                got = await a.arecv()
        finally:
            os.waitpid(pid, 0)
        return got, t.ticks

    with a, b:
        got, ticks = run(main())
        assert got == b"late"
        assert ticks >= 5  # the loop ran while arecv waited


def test_asend_and_async_iteration():
    a, b = ipcx.pair("unix-seqpacket")

    async def main():
        for m in (b"one", b"two"):
            assert await a.asend(m) == len(m)
        a.shutdown()
        return [m async for m in b]

    with a, b:
        assert run(main()) == [b"one", b"two"]


def test_a_queue_without_a_descriptor(cleanup):
    key = 0x5D000000 | (os.getpid() & 0xFFFFF)
    addr = "sysvmq:0x%x" % key
    cleanup.append(addr)

    async def main(q):
        await q.asend(b"typed", type=4)
        data, meta = await q.arecvmsg()
        return data, meta.type

    with ipcx.open(addr, create=True) as q:
        with pytest.raises(OSError):
            q.fileno()
        assert run(main(q)) == (b"typed", 4)


def test_zmq_wakeups_with_nothing_are_waited_out():
    if "channel" not in ipcx.info("zmq").caps:
        pytest.skip("this ipcx was built without libzmq")
    ep = "inproc://ipcx-py-%d" % os.getpid()

    async def main(a, b):
        # Each send moves the other socket's ZMQ_FD, with or without a
        # message for it: arecv must take exactly the messages.
        got = []
        for i in range(50):
            await a.asend(b"m%d" % i)
            got.append(await b.arecv())
        return got

    with ipcx.open("zmq:%s?type=pair&bind=1" % ep) as a, \
            ipcx.open("zmq:%s?type=pair" % ep) as b:
        assert run(main(a, b)) == [b"m%d" % i for i in range(50)]
