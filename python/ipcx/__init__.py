# SPDX-License-Identifier: MIT
"""ipcx: every Linux IPC facility behind one address syntax.

A channel is opened by its address and used the same way whatever the
facility::

    import ipcx
    with ipcx.open("posixmq:/jobs", create=True) as q:
        q.send(b"job 1", prio=3)
        data, meta = q.recvmsg()

Errors are OSError subclasses with the errno and the library's detail,
which names the address and the cause (FileNotFoundError,
TimeoutError, BlockingIOError, BrokenPipeError, ...).  A blocking call
lets Python's signal handlers run (Ctrl-C raises KeyboardInterrupt) and
otherwise goes on waiting, as Python's own sockets do (PEP 475; a
channel's timeout= then counts again from the signal).
"""
from __future__ import annotations

import errno as _errno
import os
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Tuple, Union

from ._ipcx import ffi, lib

__all__ = [
    "Channel",
    "COND_SIZE",
    "ChanInfo",
    "Condition",
    "Facility",
    "Holder",
    "Lock",
    "MUTEX_SIZE",
    "Meta",
    "Mutex",
    "Object",
    "Option",
    "Region",
    "Semaphore",
    "check",
    "find",
    "info",
    "lock",
    "ls",
    "open",
    "open_fd",
    "pair",
    "region",
    "rm",
    "semaphore",
    "signal_value",
    "sigqueue",
    "unlink",
    "__version__",
]

__version__: str = ffi.string(lib.ipcx__py_version()).decode()

Address = Union[str, bytes, "os.PathLike[str]"]
Buffer = Union[bytes, bytearray, memoryview]

_NULL = ffi.NULL
# The per-message calls, looked up once (an attribute of lib costs more
# than the call it names).
_send = lib.ipcx_send
_recv = lib.ipcx_recv
_try_recv = lib.ipcx_try_recv
_unpack = ffi.unpack
_from_buffer = ffi.from_buffer
_UID_NONE = int(ffi.cast("uid_t", -1))
# A first receive buffer; a message that needs more grows it.
_FIRST_ROOM = 64 * 1024


def _text(p) -> str:
    return ffi.string(p).decode("utf-8", "surrogateescape") if p else ""


def _error(err: int) -> OSError:
    """The OSError (subclass chosen by errno) for a negative ERR."""
    detail = _text(lib.ipcx_error_detail()) or _text(lib.ipcx_strerror(err))
    return OSError(-err, detail)


def _addr(a: Address) -> bytes:
    if isinstance(a, bytes):
        return a
    return os.fsencode(a)


def _call(fn, *args) -> int:
    """FN(*ARGS), retried after a signal whose handler did not raise."""
    while True:
        r = fn(*args)
        if r != -_errno.EINTR:
            return r
        # Back in Python: pending signal handlers run here (a handler
        # that raises, KeyboardInterrupt for one, ends the call).


def _check(r: int) -> int:
    if r < 0:
        raise _error(r)
    return r


@dataclass(frozen=True)
class Meta:
    """What came with a message, where the facility knows it (else None)."""

    size: int
    type: Optional[int] = None  # System V type; ZeroMQ: its frame count
    prio: Optional[int] = None  # POSIX queue priority
    pid: Optional[int] = None  # the sender's
    uid: Optional[int] = None
    peer: Optional[str] = None  # the sender's address ("udp:127.0.0.1:53")


@dataclass(frozen=True)
class ChanInfo:
    """What an open channel is (ipcx_chan_get)."""

    scheme: str
    listening: bool
    framed: bool
    semantics: str  # "byte stream", "message", ...
    eof_is_zero: bool  # a receive of b"" is the end (else an empty message)
    id: Optional[int]
    local: str
    peer: str
    peer_pid: Optional[int]
    peer_uid: Optional[int]
    child: Optional[int]
    capacity: Optional[int]
    msgsize: Optional[int]
    queued: Optional[int]


def _opt(v: int) -> Optional[int]:
    return None if v < 0 else int(v)


class _Handle:
    """What semaphores, locks, mutexes and conditions share: a handle of
    the library's, closed once (by close(), the context's end for the
    ones opened by address, or the garbage collector)."""

    __slots__ = ("_p", "_address", "__weakref__")
    _kind = "object"

    @staticmethod
    def _closer(p) -> int:  # the library's X_close
        raise NotImplementedError

    def __init__(self, handle, address: str) -> None:
        self._p = handle
        self._address = address

    def _h(self):
        if self._p is None:
            raise ValueError("%s: the %s is closed"
                             % (self._address, self._kind))
        return self._p

    @property
    def address(self) -> str:
        return self._address

    @property
    def closed(self) -> bool:
        return self._p is None

    def close(self) -> None:
        p, self._p = self._p, None
        if p is not None:
            _check(self._closer(p))

    def __del__(self) -> None:
        p, self._p = getattr(self, "_p", None), None
        if p is not None:
            self._closer(p)


class Channel(_Handle):
    """An open channel: a pipe, socket, queue, ring, ZeroMQ socket...

    A context manager (closed on exit) and an iterator over the messages
    (or chunks of a byte stream) until the end of the stream.
    """

    __slots__ = ("_room", "_cap", "_rbuf", "_meta", "_smeta", "_got",
                 "_eof_zero", "_later", "_views")
    _kind = "channel"
    _closer = lib.ipcx_close

    def __init__(self, handle, address: str) -> None:
        super().__init__(handle, address)
        self._room: Any = None  # char[] of self._cap bytes
        self._cap = 0
        # ffi.buffer of _room while recv() may take its one-call path
        # (a room, the channel open, no error waiting in _later), else None.
        self._rbuf: Any = None
        self._meta = ffi.new("struct ipcx_meta *")
        self._meta.struct_size = ffi.sizeof("struct ipcx_meta")
        self._smeta = None
        self._got = -1  # the size of the last message received, or -1
        # An error that recv_many() met after taking messages: the next
        # receive raises it (it may not happen again: a reset is said once).
        self._later: Optional[OSError] = None
        self._eof_zero: Optional[bool] = None
        # [views into the ring alive, the handle to close when the last
        # goes]: made by the first reserve() or peek().
        self._views: Optional[list] = None

    @property
    def meta(self) -> Optional[Meta]:
        """The Meta of the last message received, or None."""
        return None if self._got < 0 else self._meta_of(self._meta,
                                                        self._got)

    # ---- life ----------------------------------------------------------
    def __enter__(self) -> "Channel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._p is None else "open"
        return "<ipcx.Channel %s %s>" % (self._address, state)

    def close(self) -> None:
        """Closes it.  BufferError while a view from reserve() or peek()
        (or a slice or array made from one) is alive: the ring's memory
        would be gone under it."""
        v = self._views
        if v is not None and v[0] and self._p is not None:
            raise BufferError("%s: views into the ring are still alive; "
                              "release them first" % self._address)
        self._rbuf = None
        super().close()

    def __del__(self) -> None:
        v = getattr(self, "_views", None)
        if v is not None and v[0]:
            # The ring stays mapped until its last view goes.
            v[1], self._p = self._p, None
            return
        super().__del__()

    def _view(self, ptr, n: int):
        """A buffer of N bytes at PTR in the ring: the channel is not
        closed (nor unmapped) while it or a view made of it lives."""
        v = self._views
        if v is None:
            v = self._views = [0, None]
        base = ffi.gc(ffi.cast("char *", ptr),
                      lambda _p, v=v: _view_gone(v))
        v[0] += 1
        return ffi.buffer(base, n)

    def _arm(self) -> None:
        """Opens or shuts recv()'s one-call path (see _rbuf)."""
        ok = (self._room is not None and self._p is not None
              and self._later is None)
        self._rbuf = ffi.buffer(self._room) if ok else None

    def fileno(self) -> int:
        """A descriptor to poll for readability (selectors, asyncio)."""
        return _check(lib.ipcx_fd(self._h()))

    def info(self) -> ChanInfo:
        i = ffi.new("struct ipcx_chan_info *")
        i.struct_size = ffi.sizeof("struct ipcx_chan_info")
        _check(lib.ipcx_chan_get(self._h(), i))
        return ChanInfo(
            scheme=_text(i.facility.scheme),
            listening=bool(i.listening),
            framed=bool(i.framed),
            semantics=_text(lib.ipcx_semantics_name(i.semantics)),
            eof_is_zero=bool(i.eof_is_zero),
            id=_opt(i.id),
            local=_text(i.local),
            peer=_text(i.peer),
            peer_pid=_opt(i.peer_pid),
            peer_uid=None if i.peer_uid == _UID_NONE else int(i.peer_uid),
            child=_opt(i.child),
            capacity=_opt(i.capacity),
            msgsize=_opt(i.msgsize),
            queued=_opt(i.queued),
        )

    # ---- connections ---------------------------------------------------
    def accept(self) -> "Channel":
        """The next connection of a listening channel."""
        out = ffi.new("struct ipcx_chan **")
        _check(_call(lib.ipcx_accept, self._h(), out))
        i = ffi.new("struct ipcx_chan_info *")
        i.struct_size = ffi.sizeof("struct ipcx_chan_info")
        name = self._address
        if lib.ipcx_chan_get(out[0], i) == 0 and i.peer[0] != b"\0":
            name = _text(i.peer)
        return Channel(out[0], name)

    def shutdown(self) -> None:
        """Half-closes: the peer reads the end; this side still receives."""
        _check(lib.ipcx_shutdown(self._h()))

    def unlink(self) -> bool:
        """Removes what this channel's open created (a socket path, a
        region); False when it created nothing."""
        return _check(lib.ipcx_chan_unlink(self._h())) > 0

    # ---- sending -------------------------------------------------------
    def send(self, data: Buffer, *, type: Optional[int] = None,
             prio: Optional[int] = None, peer: Optional[str] = None) -> int:
        """Sends DATA as one message (a byte stream: all of it); the
        number of bytes sent.  TYPE (System V; ZeroMQ: frames), PRIO
        (POSIX queues) and PEER (an unconnected datagram socket's
        destination) go with it."""
        h = self._p
        if (data.__class__ is bytes and h is not None and type is None
                and prio is None and peer is None):
            # The common case in one call: bytes, nothing with them.
            r = _send(h, data, len(data), _NULL)
            if r >= 0:
                return r
            if r != -_errno.EINTR:
                raise _error(r)  # never a second try
        return self._send_slow(data, type, prio, peer)

    def _send_slow(self, data: Buffer, type: Optional[int],
                   prio: Optional[int], peer: Optional[str]) -> int:
        h = self._p
        if h is None:
            raise ValueError("%s: the channel is closed" % self._address)
        m = _NULL
        if type is not None or prio is not None or peer is not None:
            m = self._smeta
            if m is None:
                m = self._smeta = ffi.new("struct ipcx_meta *")
            m.struct_size = ffi.sizeof("struct ipcx_meta")
            m.valid = 0
            m.peer[0] = b"\0"
            if type is not None:
                m.type = type
                m.valid |= lib.IPCX_META_TYPE
            if prio is not None:
                m.prio = prio
                m.valid |= lib.IPCX_META_PRIO
            if peer is not None:
                p = peer.encode()
                if len(p) >= len(m.peer):
                    raise ValueError("%s: peer address too long" % peer)
                m.peer = p
        # bytes go as they are; other buffers through their pointer.
        buf = data if data.__class__ is bytes else _from_buffer(data)
        r = _send(h, buf, len(buf), m)
        if r < 0:
            r = _check(_call(_send, h, buf, len(buf), m)
                       if r == -_errno.EINTR else r)
        return r

    def sendall(self, data: Buffer) -> None:
        """As send(), for the socket module's spelling."""
        self.send(data)

    # ---- receiving -----------------------------------------------------
    def _ensure_room(self, need: int) -> None:
        if need > self._cap:
            cap = max(need, _FIRST_ROOM)
            self._room = ffi.new("char[]", cap)
            self._cap = cap
            self._arm()

    def _take(self, buf, cap: int, grow: bool, wait: bool) -> int:
        """One receive into BUF (CAP bytes), self.meta set; with GROW the
        channel's own room grows to fit the message."""
        h = self._p
        if h is None:
            raise ValueError("%s: the channel is closed" % self._address)
        if self._later is not None:
            self._raise_later()
        m = self._meta
        fn = _recv if wait else _try_recv
        r = fn(h, buf, cap, m)
        while r < 0:
            if r == -_errno.EMSGSIZE and grow and m.size > cap:
                self._ensure_room(m.size)
                buf, cap = self._room, self._cap
            elif r != -_errno.EINTR:
                raise _error(r)
            # EINTR: back in Python, pending signal handlers ran
            r = fn(h, buf, cap, m)
        self._got = r
        return r

    @staticmethod
    def _meta_of(m, n: int) -> Meta:
        v = m.valid
        return Meta(
            size=n,
            type=int(m.type) if v & lib.IPCX_META_TYPE else None,
            prio=int(m.prio) if v & lib.IPCX_META_PRIO else None,
            pid=int(m.pid) if v & lib.IPCX_META_PID else None,
            uid=int(m.uid) if v & lib.IPCX_META_UID else None,
            peer=_text(m.peer) if v & lib.IPCX_META_PEER else None,
        )

    def _recv(self, max: Optional[int], wait: bool) -> bytes:
        if max is None:
            if self._room is None:
                self._ensure_room(self._first_room())
            n = self._take(self._room, self._cap, True, wait)
            return _unpack(self._room, n)
        if max < 0:
            raise ValueError("max must be >= 0")
        self._ensure_room(max)
        n = self._take(self._room, max, False, wait)
        return _unpack(self._room, n)

    def _raise_later(self) -> None:
        """Raises (once) the error recv_many() met after its messages."""
        e, self._later = self._later, None
        self._arm()
        assert e is not None
        raise e

    def _first_room(self) -> int:
        """Room for any message where the facility says how large one can
        be (a POSIX queue wants its msgsize), else 64 KiB to start."""
        i = self.info()
        self._eof_zero = i.eof_is_zero
        return max(_FIRST_ROOM, i.msgsize or 0)

    def recv(self, max: Optional[int] = None) -> bytes:
        """One message (a byte stream: what is there, up to MAX).  Without
        MAX any message fits; with it, a larger message is OSError
        EMSGSIZE and stays where it was.  b"" is the end of the stream
        (or, where info().eof_is_zero is False, an empty message)."""
        if max is None:
            rb = self._rbuf
            if rb is not None:
                # The common case in one call: a message that fits.
                r = _recv(self._p, self._room, self._cap, self._meta)
                if r >= 0:
                    self._got = r
                    return rb[:r]
                if r != -_errno.EMSGSIZE and r != -_errno.EINTR:
                    raise _error(r)  # never a second wait
        return self._recv(max, True)

    def try_recv(self, max: Optional[int] = None) -> Optional[bytes]:
        """As recv() without waiting: None when nothing is there now."""
        try:
            return self._recv(max, False)
        except BlockingIOError:
            return None

    def recv_many(self, count: int = 64) -> List[bytes]:
        """Up to COUNT messages in one call (as recvmmsg(2)): waits for the
        first as recv() does, then takes the messages that are there now
        and fit this channel's buffer (a larger one waits for the next
        call).  Nothing is taken that is not returned.  For a stream of
        small messages, far fewer calls than recv() per message; .meta is
        not kept for them (recvmsg() has it)."""
        if count < 1:
            raise ValueError("count must be >= 1")
        h = self._h()
        if self._later is not None:
            self._raise_later()
        if self._room is None:
            self._ensure_room(self._first_room())
        lens = ffi.new("size_t[]", count)
        err = ffi.new("int *")
        m = self._meta
        while True:
            n = lib.ipcx__py_recv_many(h, self._room, self._cap, lens, count,
                                       m, err)
            if n == -_errno.EMSGSIZE and m.size > self._cap:
                self._ensure_room(m.size)
            elif n != -_errno.EINTR:
                break
        _check(n)
        self._got = -1
        rb = ffi.buffer(self._room)
        if err[0]:
            self._later = _error(err[0])
            self._arm()
        out, at = [], 0
        for i in range(n):
            end = at + lens[i]
            out.append(rb[at:end])
            at = end
        return out

    def send_many(self, messages) -> int:
        """Sends each of MESSAGES (bytes) in order in one call; the count.
        A failure raises, after what went before it was sent."""
        msgs = [m if m.__class__ is bytes else bytes(m) for m in messages]
        h = self._h()
        done = 0
        while done < len(msgs):
            part = msgs[done:]
            bufs = ffi.new("char *[]", [ffi.from_buffer(b) for b in part])
            lens = ffi.new("size_t[]", [len(b) for b in part])
            r = lib.ipcx__py_send_many(h, bufs, lens, len(part))
            if r == -_errno.EINTR:
                continue
            done += _check(r)
        return done

    def recvmsg(self, max: Optional[int] = None) -> Tuple[bytes, Meta]:
        """recv() and the message's Meta."""
        data = self._recv(max, True)
        assert self.meta is not None
        return data, self.meta

    def recv_into(self, buffer, nbytes: int = 0) -> int:
        """Receives into BUFFER (a writable bytes-like object), at most
        NBYTES (0: all of it); the number of bytes received."""
        try:
            buf = ffi.from_buffer(buffer, require_writable=True)
        except BufferError:
            raise TypeError("recv_into() needs a writable buffer, not %s"
                            % type(buffer).__name__) from None
        cap = len(buf) if nbytes <= 0 else min(nbytes, len(buf))
        return self._take(buf, cap, False, True)

    # ---- zero-copy (rings) ---------------------------------------------
    def reserve(self, n: int) -> "_Reservation":
        """Room for a message of N bytes in the ring, written in place:

            with ring.reserve(64) as buf:    # a writable memoryview
                buf[:] = data                # published on exit, all N

            slot = ring.reserve(64)
            with slot as buf:
                buf[:10] = data
                slot.length = 10             # ...or only the first 10

        An exception inside the block publishes nothing.  The view is
        valid only inside the block."""
        p = ffi.new("void **")
        _check(_call(lib.ipcx_reserve, self._h(), n, p))
        return _Reservation(self, self._view(p[0], n), n)

    def peek(self) -> "_Peek":
        """The next message in place, a read-only memoryview valid only
        inside the block; consumed on exit (an exception leaves it for the
        next receive).  At the end of a connection the view is empty."""
        p = ffi.new("const void **")
        n = ffi.new("size_t *")
        _check(_call(lib.ipcx_peek, self._h(), p, n))
        if p[0] == _NULL:
            return _Peek(self, None)
        return _Peek(self, self._view(p[0], n[0]))

    # ---- asyncio -------------------------------------------------------
    async def arecv(self, max: Optional[int] = None) -> bytes:
        """recv() for asyncio: waits for the channel's descriptor in the
        running loop (loop.add_reader), then takes the message without
        waiting; a facility with nothing to poll (System V queues) waits
        in a thread of the loop's executor instead."""
        import asyncio

        loop = asyncio.get_running_loop()
        try:
            fd = self.fileno()
        except OSError as e:
            if e.errno != _errno.EOPNOTSUPP:
                raise
            return await loop.run_in_executor(None, self._recv, max, True)
        while True:
            data = self.try_recv(max)
            if data is not None:
                return data
            ready = loop.create_future()
            loop.add_reader(fd, _wake, ready)
            try:
                await ready
            finally:
                loop.remove_reader(fd)

    async def arecvmsg(self, max: Optional[int] = None) -> Tuple[bytes, Meta]:
        """recvmsg() for asyncio."""
        data = await self.arecv(max)
        assert self.meta is not None
        return data, self.meta

    async def asend(self, data: Buffer, **meta) -> int:
        """send() for asyncio: in a thread of the loop's executor (a send
        waits only while the other side is full; the library lets the
        interpreter run meanwhile)."""
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, lambda: self.send(data, **meta))

    def __aiter__(self):
        return self._amessages()

    def _is_end(self, data: bytes) -> bool:
        """Whether DATA, just received, is the end of the stream (an empty
        message of a connectionless channel is a message)."""
        if data:
            return False
        if self._eof_zero is None:
            self._eof_zero = self.info().eof_is_zero
        return self._eof_zero

    async def _amessages(self):
        while True:
            data = await self.arecv()
            if self._is_end(data):
                return
            yield data

    def __iter__(self) -> Iterator[bytes]:
        """The messages until the end of the stream (an empty message of a
        connectionless channel is a message, not the end)."""
        while True:
            data = self.recv()
            if self._is_end(data):
                return
            yield data


class _Held:
    """A view into a ring held between two calls.  The view is released
    when the block ends (using it later raises ValueError); a slice of it
    or an array made with numpy.frombuffer() is not: it keeps the ring
    mapped (and close() refuses) while it lives, but its bytes are the
    ring's, reused by the messages that follow.  Copy what must stay
    (bytes(view), numpy.array(view))."""

    __slots__ = ("_ch", "_buf", "_view")

    def __init__(self, ch: Channel, buf, readonly: bool) -> None:
        self._ch = ch
        self._buf = buf
        if buf is None:
            self._view = memoryview(b"")
        else:
            v = memoryview(buf)
            self._view = v.toreadonly() if readonly else v

    def _end(self, ok: bool, finish) -> None:
        h = self._ch._h()
        try:
            self._view.release()
        except BufferError:
            # An array or view was made of it (numpy.frombuffer): the
            # message is still published or consumed; the memory stays
            # mapped while it lives (it is the ring's, reused).
            pass
        buf, self._buf = self._buf, None
        if buf is not None:
            _check(finish(h) if ok else lib.ipcx_cancel(h))


class _Reservation(_Held):
    __slots__ = ("length",)

    def __init__(self, ch: Channel, buf, n: int) -> None:
        super().__init__(ch, buf, False)
        #: How many bytes to publish (all that was reserved by default).
        self.length = n

    def __enter__(self) -> memoryview:
        return self._view

    def __exit__(self, exc_type, exc, tb) -> None:
        self._end(exc_type is None,
                  lambda h: lib.ipcx_commit(h, self.length))


class _Peek(_Held):
    __slots__ = ()

    def __init__(self, ch: Channel, buf) -> None:
        super().__init__(ch, buf, True)

    def __enter__(self) -> memoryview:
        return self._view

    def __exit__(self, exc_type, exc, tb) -> None:
        self._end(exc_type is None, lib.ipcx_release)


def _view_gone(v: list) -> None:
    """The last reference to a view into a ring went (see Channel._view):
    closes the channel if it was let go meanwhile."""
    v[0] -= 1
    if v[0] == 0 and v[1] is not None:
        h, v[1] = v[1], None
        lib.ipcx_close(h)


def _wake(fut) -> None:
    if not fut.done():
        fut.set_result(None)


def _flags(create, excl, listen, connect, send, recv, nonblock) -> int:
    f = lib.IPCX_INTR
    for on, bit in ((create, lib.IPCX_CREATE), (excl, lib.IPCX_EXCL),
                    (listen, lib.IPCX_LISTEN), (connect, lib.IPCX_CONNECT),
                    (send, lib.IPCX_SEND), (recv, lib.IPCX_RECV),
                    (nonblock, lib.IPCX_NONBLOCK)):
        if on:
            f |= bit
    return f


def open(address: Address, *, create: bool = False, excl: bool = False,
         listen: bool = False, connect: bool = False, send: bool = False,
         recv: bool = False, nonblock: bool = False,
         defaults: Optional[str] = None) -> Channel:
    """Opens the channel named by ADDRESS ("unix:/run/x.sock",
    "posixmq:/q?maxmsg=64", "posixshm:/ring?size=1M", ...).  The keyword
    flags are ipcx_open()'s (the address's own options win); DEFAULTS are
    options that apply where the address gives none."""
    out = ffi.new("struct ipcx_chan **")
    a = _addr(address)
    d = defaults.encode() if defaults is not None else _NULL
    _check(_call(lib.ipcx_open_with, a, d,
                 _flags(create, excl, listen, connect, send, recv, nonblock),
                 out))
    return Channel(out[0], a.decode("utf-8", "surrogateescape"))


def open_fd(fd: int, *, nonblock: bool = False) -> Channel:
    """A channel around descriptor FD (a socket, pipe or FIFO it was given),
    as the facility it is; the channel owns FD from then on."""
    out = ffi.new("struct ipcx_chan **")
    f = lib.IPCX_INTR | (lib.IPCX_NONBLOCK if nonblock else 0)
    _check(lib.ipcx_open_fd(fd, f, out))
    return Channel(out[0], "fd:%d" % fd)


def _with_intr(scheme: str) -> str:
    """SCHEME with intr=1 (signal handlers end waits: see _call), unless
    it says otherwise."""
    head, _, opts = scheme.partition("?")
    if any(o.split("=", 1)[0] == "intr" for o in opts.split("&") if o):
        return scheme
    if ":" not in head:
        head += ":"
    return head + "?" + (opts + "&" if opts else "") + "intr=1"


def pair(scheme: str = "unix") -> Tuple[Channel, Channel]:
    """Two connected channels ("pipe", "unix", "unix-dgram",
    "unix-seqpacket", "pty", "anon" and options), for a process and the
    child it forks."""
    a = ffi.new("struct ipcx_chan **")
    b = ffi.new("struct ipcx_chan **")
    _check(lib.ipcx_pair(_with_intr(scheme).encode(), a, b))
    return Channel(a[0], scheme), Channel(b[0], scheme)


def unlink(address: Address) -> None:
    """Removes the named object of ADDRESS (a FIFO, a socket path, a
    queue, a shared-memory object or mapped file)."""
    _check(lib.ipcx_unlink(_addr(address)))


def check(address: Address, defaults: Optional[str] = None) -> None:
    """Raises OSError (EINVAL, quoting the bad part) unless ADDRESS is well
    formed; opens nothing."""
    d = defaults.encode() if defaults is not None else _NULL
    _check(lib.ipcx_addr_check(_addr(address), d))


# ---- the facility table ----------------------------------------------

_CAPS = (
    ("network", "IPCX_CAP_NETWORK"), ("poll", "IPCX_CAP_POLL"),
    ("pair", "IPCX_CAP_PAIR"), ("listen", "IPCX_CAP_LISTEN"),
    ("oneway", "IPCX_CAP_ONEWAY"), ("named", "IPCX_CAP_NAMED"),
    ("connless", "IPCX_CAP_CONNLESS"), ("channel", "IPCX_CAP_CHANNEL"),
    ("region", "IPCX_CAP_REGION"), ("sem", "IPCX_CAP_SEM"),
    ("lock", "IPCX_CAP_LOCK"), ("queue", "IPCX_CAP_QUEUE"),
    ("bind", "IPCX_CAP_BIND"),
)


@dataclass(frozen=True)
class Option:
    """An option a facility's addresses take (SCHEME:TARGET?NAME=VALUE)."""

    name: str
    values: str
    default: str
    help: str


@dataclass(frozen=True)
class Facility:
    """One row of ipcx info."""

    scheme: str
    title: str
    name: str
    handle: str
    standard: str
    semantics: str
    caps: frozenset
    options: Tuple[Option, ...]


def _facility(f) -> Facility:
    opts: List[Option] = []
    k = 0
    while True:
        o = lib.ipcx_facility_option(f, k)
        if o == _NULL:
            break
        opts.append(Option(_text(o.name), _text(o.value), _text(getattr(o, "def")),
                           _text(o.help)))
        k += 1
    caps = frozenset(n for n, c in _CAPS if f.caps & getattr(lib, c))
    return Facility(
        scheme=_text(f.scheme), title=_text(f.title), name=_text(f.name),
        handle=_text(f.handle), standard=_text(f.standard),
        semantics=_text(lib.ipcx_semantics_name(f.semantics)), caps=caps,
        options=tuple(opts))


def info(scheme: Optional[str] = None) -> Union[List[Facility], Facility]:
    """Every facility (a list, in the registry's order), or SCHEME's."""
    if scheme is not None:
        f = lib.ipcx_facility_find(scheme.encode())
        if f == _NULL:
            raise OSError(_errno.EINVAL, "unknown scheme '%s'" % scheme)
        return _facility(f)
    out: List[Facility] = []
    i = 0
    while True:
        f = lib.ipcx_facility_at(i)
        if f == _NULL:
            return out
        out.append(_facility(f))
        i += 1


# ---- waits that let signal handlers run -----------------------------------

# A wait of a semaphore or a lock (which the library lets signals not end)
# is taken in slices this long, so that a signal handler (Ctrl-C) runs
# within one of them.
_SLICE_MS = 50


def _sliced(fn, handle, timeout: Optional[float], *args) -> int:
    """FN(HANDLE, *ARGS, ms) until it succeeds (its value, >= 0), TIMEOUT
    seconds pass (-1; None: forever, 0: one try), or it fails (OSError)."""
    import time

    if timeout is not None and timeout <= 0:
        r = fn(handle, *args, lib.IPCX_WAIT_NONE)
        if r == -_errno.EAGAIN or r == -_errno.ETIMEDOUT:
            return -1
        return _check(r)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        ms = _SLICE_MS
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return -1
            ms = max(1, min(ms, int(left * 1000)))
        r = fn(handle, *args, ms)
        if r >= 0:
            return r
        if r not in (-_errno.ETIMEDOUT, -_errno.EINTR):
            raise _error(r)
        # Between slices: pending signal handlers run here.


# ---- regions of shared memory -----------------------------------------------

class Region(_Handle):
    """A mapped region of shared memory (posixshm:/name, sysvshm:KEY,
    mmap:PATH, anon:).  Its bytes are a buffer: memoryview(region.buf),
    numpy.frombuffer(region.buf, dtype) without a copy.  read() and
    write() copy through the library, which reports memory that vanished
    (a file truncated under the mapping) as OSError rather than SIGBUS."""

    __slots__ = ("_buf", "_users", "_cell")
    _kind = "region"
    _closer = lib.ipcx_region_close

    def __init__(self, handle, address: str) -> None:
        import weakref

        super().__init__(handle, address)
        # The mapping goes with the last of this object and its views
        # (a view of a region that was let go stays valid), or with
        # close() when no view is left.
        self._cell = [handle]
        # Mutexes and conditions that live in it.
        self._users: "weakref.WeakSet" = weakref.WeakSet()
        base = ffi.gc(lib.ipcx_region_base(handle),
                      lambda _p, cell=self._cell: _unmap(cell))
        self._buf = ffi.buffer(base, lib.ipcx_region_size(handle))

    @property
    def size(self) -> int:
        return int(lib.ipcx_region_size(self._h()))

    @property
    def buf(self) -> memoryview:
        """The region's bytes, writable, without a copy."""
        self._h()
        return memoryview(self._buf)

    def read(self, offset: int = 0, n: Optional[int] = None) -> bytes:
        size = self.size
        if n is None:
            n = size - offset
        if offset < 0 or n < 0 or offset + n > size:
            raise ValueError("%s: %d bytes at %d are outside its %d"
                             % (self._address, n, offset, size))
        out = ffi.new("char[]", max(n, 1))
        got = _check(lib.ipcx_region_read(self._h(), offset, out, n))
        return ffi.buffer(out, got)[:]

    def write(self, offset: int, data: Buffer) -> int:
        src = ffi.from_buffer(data)
        if offset < 0 or offset + len(src) > self.size:
            raise ValueError("%s: %d bytes at %d are outside its %d"
                             % (self._address, len(src), offset, self.size))
        return _check(lib.ipcx_region_write(self._h(), offset, src,
                                            len(src)))

    def unlink(self) -> bool:
        """Removes the named object this open created; False when it
        created none."""
        return _check(lib.ipcx_region_unlink(self._h())) > 0

    def close(self) -> None:
        """Unmaps it.  BufferError while a view of it is alive (as
        mmap.close()): its bytes would be gone under the view."""
        if self._p is None:
            return
        # Ours, getrefcount's argument: any more is an exported view.
        import sys

        if sys.getrefcount(self._buf) > 2:
            raise BufferError("%s: views of the region are still alive; "
                              "release them first" % self._address)
        if any(not u.closed for u in self._users):
            raise BufferError("%s: a mutex or condition in it is still "
                              "open; close it first" % self._address)
        self._p = None
        _check(_unmap(self._cell))

    def __del__(self) -> None:
        self._p = None  # unmapped when its last view goes (see __init__)

    def __enter__(self) -> "Region":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        if self._p is None:
            return "<ipcx.Region %s closed>" % self._address
        return "<ipcx.Region %s %d bytes>" % (self._address, self.size)


def _unmap(cell: list) -> int:
    """Closes the region handle in CELL once (close(), or the collector
    when the last view of the mapping goes)."""
    h, cell[0] = cell[0], None
    return lib.ipcx_region_close(h) if h is not None else 0


def _create(create: bool, excl: bool) -> int:
    return (lib.IPCX_CREATE if create else 0) | (lib.IPCX_EXCL if excl else 0)


def _opened(fn, ctype: str, address: Address, flags: int, *extra):
    """FN(address, FLAGS, *EXTRA, &out): the handle and the address."""
    out = ffi.new(ctype)
    a = _addr(address)
    _check(fn(a, flags, *extra, out))
    return out[0], a.decode("utf-8", "surrogateescape")


def region(address: Address, size: int = 0, *, create: bool = False,
           excl: bool = False) -> Region:
    """Maps the region of ADDRESS: SIZE bytes (the address's size= wins;
    0 maps all of an existing object), CREATE a missing one (mode 0600,
    zeroed)."""
    return Region(*_opened(lib.ipcx_region_open, "struct ipcx_region **",
                           address, _create(create, excl), size))


# ---- semaphores and file locks -------------------------------------------

class Semaphore(_Handle):
    """A counting semaphore (sysvsem:KEY, posixsem:/name), usable as a
    context manager (acquire on entry, release on exit)."""

    __slots__ = ()
    _kind = "semaphore"
    _closer = lib.ipcx_sem_close

    def acquire(self, blocking: bool = True,
                timeout: Optional[float] = None) -> bool:
        """Takes one (threading.Semaphore's spelling): True, or False when
        not BLOCKING and none is free, or TIMEOUT seconds passed."""
        return _sliced(lib.ipcx_sem_acquire, self._h(),
                       timeout if blocking else 0) >= 0

    def release(self) -> None:
        _check(lib.ipcx_sem_release(self._h()))

    @property
    def value(self) -> int:
        return _check(lib.ipcx_sem_value(self._h()))

    def unlink(self) -> bool:
        return _check(lib.ipcx_sem_unlink(self._h())) > 0

    def __enter__(self) -> "Semaphore":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def semaphore(address: Address, initial: int = 0, *,
              create: bool = False, excl: bool = False) -> Semaphore:
    """Opens the semaphore of ADDRESS; CREATE makes a missing one with
    value INITIAL (one that exists keeps its value)."""
    return Semaphore(*_opened(lib.ipcx_sem_open, "struct ipcx_sem **",
                              address, _create(create, excl), initial))


class Lock(_Handle):
    """A file lock (flock:PATH, fcntl:PATH), shared or exclusive; as a
    context manager it is held exclusively (acquire(shared=True) for a
    shared hold)."""

    __slots__ = ()
    _kind = "lock"
    _closer = lib.ipcx_lock_close

    def acquire(self, shared: bool = False, blocking: bool = True,
                timeout: Optional[float] = None) -> bool:
        how = lib.IPCX_LOCK_SHARED if shared else lib.IPCX_LOCK_EXCLUSIVE
        return _sliced(lib.ipcx_lock_acquire, self._h(),
                       timeout if blocking else 0, how) >= 0

    def release(self) -> None:
        _check(lib.ipcx_lock_release(self._h()))

    @property
    def held(self) -> Optional[str]:
        """What this handle holds: None, "shared" or "exclusive"."""
        h = _check(lib.ipcx_lock_held(self._h()))
        return {0: None, lib.IPCX_LOCK_SHARED: "shared",
                lib.IPCX_LOCK_EXCLUSIVE: "exclusive"}[h]

    def holder(self, shared: bool = False) -> Optional[int]:
        """The pid of a process holding a lock that conflicts with taking
        it (SHARED or exclusive), None when none does; -1 for an
        open-file-description lock, which has no pid."""
        pid = ffi.new("pid_t *")
        how = lib.IPCX_LOCK_SHARED if shared else lib.IPCX_LOCK_EXCLUSIVE
        _check(lib.ipcx_lock_holder(self._h(), how, pid))
        return int(pid[0]) or None

    def __enter__(self) -> "Lock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock(address: Address, *, create: bool = False) -> Lock:
    """Opens the lock of ADDRESS (nothing is held yet); CREATE makes a
    missing file (mode 0600)."""
    return Lock(*_opened(lib.ipcx_lock_open, "struct ipcx_lock **",
                         address, _create(create, False)))


# ---- live objects: ls and rm -------------------------------------------------

@dataclass(frozen=True)
class Holder:
    """A process that holds an object open or mapped."""

    pid: int
    command: str
    other_ns: bool  # in another IPC namespace than the caller's


@dataclass(frozen=True)
class Object:
    """A live IPC object, as ipcx ls lists it (None: not known)."""

    scheme: str
    address: str  # what any ipcx call takes
    id: Optional[int]  # System V id, or inode
    key: Optional[int]  # System V key (0: IPC_PRIVATE)
    uid: int
    gid: int
    mode: int
    size: Optional[int]
    size_unit: str  # "bytes" (memory), "messages" (queues), "semaphores"
    values: Tuple[int, ...]  # a semaphore's value (a set's, each)
    lock_mode: Optional[str]  # a lock's "READ" or "WRITE"
    attached: Optional[int]  # System V shm: nattch
    creator: Optional[int]
    last: Optional[int]  # the last process to operate on it
    changed: Optional[float]  # seconds since the epoch
    holders: Tuple[Holder, ...]
    holders_known: bool
    stale: bool  # a leftover nobody uses (ipcx ls --stale)
    unheld: bool
    detail: str


def _object(o) -> Object:
    hs = []
    for i in range(o.nholders):
        h = lib.ipcx_object_holder(o, i)
        if h == _NULL:
            break
        hs.append(Holder(int(h.pid), _text(h.comm), bool(h.other_ns)))

    def known(v):
        return None if v < 0 else int(v)

    return Object(
        scheme=_text(o.facility.scheme), address=_text(o.address),
        id=known(o.id), key=known(o.key), uid=int(o.uid), gid=int(o.gid),
        mode=int(o.mode), size=known(o.size), size_unit=_text(o.size_unit),
        values=tuple(int(lib.ipcx_object_value(o, i))
                     for i in range(o.nvalues)),
        lock_mode=_text(o.lock_mode) or None,
        attached=known(o.attached), creator=known(o.creator) or None,
        last=known(o.last) or None,
        changed=float(o.changed) if o.changed > 0 else None,
        holders=tuple(hs), holders_known=bool(o.holders_known),
        stale=bool(o.stale), unheld=bool(o.unheld), detail=_text(o.detail))


@ffi.def_extern()
def ipcx__py_object(o, arg):
    try:
        ffi.from_handle(arg).append(_object(o))
        return 0
    except BaseException:  # never through C: stop the listing
        return -_errno.ECANCELED


def ls(scheme: Optional[str] = None) -> List[Object]:
    """Every live object of SCHEME (None: of every facility that names
    objects), as ipcx ls lists them; what could not be looked at is
    warned about (warnings module)."""
    found: List[Object] = []
    warn = ffi.new("char[]", 4096)
    h = ffi.new_handle(found)
    s = scheme.encode() if scheme is not None else _NULL
    _check(lib.ipcx_list(s, lib.IPCX_LIST_MOUNT, lib.ipcx__py_object, h,
                         warn, len(warn)))
    text = _text(warn)
    if text:
        import warnings

        for line in text.splitlines():
            warnings.warn("ipcx.ls: " + line, RuntimeWarning, stacklevel=2)
    return found


def find(address: Address) -> Object:
    """The object ADDRESS names (FileNotFoundError when there is none)."""
    found: List[Object] = []
    _check(lib.ipcx_object_find(_addr(address), lib.IPCX_LIST_MOUNT,
                                lib.ipcx__py_object, ffi.new_handle(found)))
    return found[0]


def rm(address: Address, *, force: bool = False) -> None:
    """Removes the object ADDRESS names, as ipcx rm does: one a live
    process holds is refused (OSError EBUSY, naming it) unless FORCE,
    and so is another user's unless root (PermissionError)."""
    flags = lib.IPCX_LIST_MOUNT | (lib.IPCX_REMOVE_FORCE if force else 0)
    r = lib.ipcx_object_remove(_addr(address), flags, _NULL, _NULL)
    if r == -_errno.EBUSY:
        raise OSError(_errno.EBUSY, _text(lib.ipcx_error_detail())
                      + " (force=True removes it anyway)")
    _check(r)


# ---- robust mutexes and condition variables in a region --------------------

MUTEX_SIZE: int = lib.IPCX_MUTEX_SIZE
COND_SIZE: int = lib.IPCX_COND_SIZE


class _InRegion(_Handle):
    """An object that lives in a region's memory at OFFSET: made there
    (CREATE: the library's X_init) or used where another process made it
    (X_attach).  The region stays mapped while it is open."""

    __slots__ = ("_region",)
    _ctype = ""
    _init: Any = None  # the library's X_init and X_attach
    _attach: Any = None

    def __init__(self, region: Region, offset: int, create: bool = False):
        out = ffi.new(self._ctype)
        fn = self._init if create else self._attach
        _check(fn(region._h(), offset, out))
        super().__init__(out[0], "%s+%d" % (region.address, offset))
        self._region = region
        region._users.add(self)


class Mutex(_InRegion):
    """A robust, process-shared mutex in a region (threading.Lock's
    spelling, a context manager).  When its owner died holding it, the
    next acquire() takes it and sets owner_died: repair what it guards."""

    __slots__ = ("owner_died",)
    _kind = "mutex"
    _ctype = "struct ipcx_mutex **"
    _init, _attach = lib.ipcx_mutex_init, lib.ipcx_mutex_attach
    _closer = lib.ipcx_mutex_close

    def __init__(self, region: Region, offset: int, create: bool = False):
        super().__init__(region, offset, create)
        #: The previous owner died holding it (set by acquire()).
        self.owner_died = False

    def acquire(self, blocking: bool = True,
                timeout: Optional[float] = None) -> bool:
        r = _sliced(lib.ipcx_mutex_acquire, self._h(),
                    timeout if blocking else 0)
        if r < 0:
            return False
        self.owner_died = r == lib.IPCX_OWNER_DIED
        return True

    def release(self) -> None:
        _check(lib.ipcx_mutex_release(self._h()))

    def __enter__(self) -> "Mutex":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class Condition(_InRegion):
    """A process-shared condition variable in a region, used with a Mutex
    (threading.Condition's wait/wait_for/notify/notify_all)."""

    __slots__ = ()
    _kind = "condition"
    _ctype = "struct ipcx_cond **"
    _init, _attach = lib.ipcx_cond_init, lib.ipcx_cond_attach
    _closer = lib.ipcx_cond_close

    def wait(self, mutex: Mutex, timeout: Optional[float] = None) -> bool:
        """Waits with MUTEX held (released while asleep, held again after).
        False when TIMEOUT seconds passed; True otherwise, which may be
        without a notify: as with any condition variable, wait in a loop
        on the predicate (or use wait_for()).  The wait is cut in 50 ms
        slices so that signal handlers (Ctrl-C) run: re-waiting after a
        slice could miss a notify sent while the mutex was being taken
        back, so a slice that ends is a wake-up for the caller to look."""
        import time

        ms = _SLICE_MS
        deadline = None
        if timeout is not None:
            deadline = time.monotonic() + timeout
            ms = max(0, min(ms, int(timeout * 1000)))
        r = lib.ipcx_cond_wait(self._h(), mutex._h(),
                               ms if ms > 0 else lib.IPCX_WAIT_NONE)
        if r >= 0:
            mutex.owner_died = r == lib.IPCX_OWNER_DIED
            return True
        if r in (-_errno.ETIMEDOUT, -_errno.EAGAIN, -_errno.EINTR):
            return deadline is None or time.monotonic() < deadline
        raise _error(r)

    def wait_for(self, mutex: Mutex, predicate,
                 timeout: Optional[float] = None):
        """Waits (MUTEX held) until PREDICATE() is true or TIMEOUT seconds
        pass; PREDICATE's last value (threading.Condition.wait_for)."""
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        result = predicate()
        while not result:
            left = None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
            self.wait(mutex, left)
            result = predicate()
        return result

    def notify(self) -> None:
        _check(lib.ipcx_cond_signal(self._h()))

    def notify_all(self) -> None:
        _check(lib.ipcx_cond_broadcast(self._h()))


# ---- signals that carry an int ------------------------------------------------

def sigqueue(pid: int, value: int, sig: Union[str, int] = "RTMIN") -> None:
    """Sends signal SIG ("USR1", "RTMIN+3", 35) carrying VALUE to PID
    (sigqueue(3), through a signal: channel).  The receiving side:

        with ipcx.open("signal:self?sig=RTMIN+3", recv=True) as s:
            value, who = ipcx.signal_value(s)

    Opening blocks the signal in the calling thread only: every other
    thread of the receiving process must block it too (start threads
    after signal.pthread_sigmask(SIG_BLOCK, ...)), or the kernel may hand
    it to one of them, whose default action ends the process.
    """
    with open("signal:%d?sig=%s" % (pid, sig), send=True) as c:
        c.send(b"%d" % value)


def signal_value(ch: Channel) -> Tuple[int, Meta]:
    """The next signal of a signal: channel opened for receiving: its int
    value, and its Meta (pid and uid of the sender, type: the signal)."""
    data, meta = ch.recvmsg()
    return int(data), meta
