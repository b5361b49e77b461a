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


def test_the_ring_stays_mapped_under_a_live_view(ring):
    """close() refuses while a view into the ring lives (as mmap.close()),
    and a channel let go keeps its ring mapped until its last view goes:
    no use of memory that is gone."""
    import gc

    a, b = ring
    with a.reserve(4) as buf:
        with pytest.raises(BufferError):
            a.close()
        buf[:] = b"abcd"  # still there
    with b.peek() as msg:
        part = msg[1:3]  # a slice outlives the block
    with pytest.raises(BufferError):
        b.close()
    assert bytes(part) == b"bc"
    del part
    b.close()  # the last view gone

    def dropped():
        x, y = ipcx.pair("anon:?size=64K")
        x.send(b"hello")
        with y.peek() as m:
            return m[1:4]  # x and y are let go here

    view = dropped()
    gc.collect()
    assert bytes(view) == b"ell"


def test_an_array_made_of_a_view():
    np = pytest.importorskip("numpy")
    a, b = ipcx.pair("anon:?size=64K")
    a.send(bytes(range(16)))
    with b.peek() as msg:
        arr = np.frombuffer(msg, dtype=np.uint8)
    # The message was consumed; the array still reads mapped memory.
    assert int(arr.sum()) == 120
    assert b.try_recv() is None
    del arr
    a.close()
    b.close()


def test_only_rings():
    a, b = ipcx.pair("unix")
    with a, b:
        with pytest.raises(OSError) as e:
            a.reserve(4)
        assert e.value.errno == errno.EOPNOTSUPP
