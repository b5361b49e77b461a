# SPDX-License-Identifier: MIT
"""Zero-copy on rings: reserve/commit and peek/release as memoryviews
valid only inside their with block."""
import errno

import pytest

import ipcx


@pytest.fixture
def ring():
    a, b = ipcx.pair("anon:?size=64K")
    yield a, b
    a.close()
    b.close()


def test_reserve_and_peek(ring):
    a, b = ring
    with a.reserve(5) as buf:
        assert not buf.readonly and len(buf) == 5
        buf[:] = b"hello"
    with b.peek() as msg:
        assert msg.readonly and bytes(msg) == b"hello"
    assert b.try_recv() is None  # consumed
    slot = a.reserve(64)
    with slot as buf:
        buf[:3] = b"abc"
        slot.length = 3
    assert b.recv() == b"abc"


def test_an_exception_publishes_nothing_and_consumes_nothing(ring):
    a, b = ring
    with pytest.raises(RuntimeError):
        with a.reserve(8) as buf:
            buf[:] = b"halfway!"
            raise RuntimeError("the writer failed")
    assert b.try_recv() is None
    a.send(b"kept")
    with pytest.raises(RuntimeError):
        with b.peek() as msg:
            assert bytes(msg) == b"kept"
            raise RuntimeError("the reader failed")
    assert b.recv() == b"kept"  # still there


def test_the_view_ends_with_its_block(ring):
    a, b = ring
    a.send(b"x" * 16)
    with b.peek() as msg:
        pass
    with pytest.raises(ValueError):
        bytes(msg)  # released with its block
    with a.reserve(4) as buf:
        buf[:] = b"late"
    with pytest.raises(ValueError):
        buf[0] = 0
    assert b.recv() == b"late"


def test_only_rings():
    a, b = ipcx.pair("unix")
    with a, b:
        with pytest.raises(OSError) as e:
            a.reserve(4)
        assert e.value.errno == errno.EOPNOTSUPP
