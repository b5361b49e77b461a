# SPDX-License-Identifier: MIT
"""Shared fixtures: unique names (with the pid) removed even when a test
fails, the C tool, and a child process helper."""
import faulthandler
import itertools
import os
import signal
import shutil
import subprocess

import pytest

import ipcx

_n = itertools.count()


@pytest.fixture(autouse=True)
def watchdog():
    """A test that hangs ends the run within 60 s, with every thread's
    stack on stderr (no test here needs more than a few seconds)."""
    # Its thread must not take the realtime signals the signal tests
    # queue to this process (a thread inherits the creator's mask).
    rt = range(signal.SIGRTMIN, signal.SIGRTMAX + 1)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, rt)
    faulthandler.dump_traceback_later(60, exit=True)
    signal.pthread_sigmask(signal.SIG_SETMASK, old)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def name():
    """A unique name for this test's objects (pid and a counter)."""
    return "ipcx-py-%d-%d" % (os.getpid(), next(_n))


@pytest.fixture
def cleanup():
    """Addresses to unlink after the test, whatever happened."""
    addrs = []
    yield addrs
    for a in addrs:
        try:
            ipcx.unlink(a)
        except OSError:
            pass


@pytest.fixture
def tool():
    """The ipcx command-line tool of this build."""
    t = os.environ.get("IPCX") or shutil.which("ipcx")
    if not t:
        pytest.skip("no ipcx tool: set IPCX")
    return t


def run(*args, **kw):
    kw.setdefault("timeout", 20)
    kw.setdefault("capture_output", True)
    return subprocess.run(list(args), **kw)


class Stop(Exception):
    """Raised by the SIGALRM handler of ends_by_signal()."""


def ends_by_signal(wait):
    """Calls WAIT (a blocking call) with a SIGALRM handler that raises,
    0.2 s later: the call must end by that exception, promptly."""
    import time

    def on_alarm(sig, frame):
        raise Stop()

    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        t0 = time.monotonic()
        with pytest.raises(Stop):
            wait()
        assert time.monotonic() - t0 < 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def send_later(chan, data: bytes, delay: float) -> int:
    """A child process that sends DATA on CHAN after DELAY seconds and
    exits (0 when the send went); its pid, for os.waitpid()."""
    import time

    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            time.sleep(delay)
            code = 0 if chan.send(data) == len(data) else 1
        finally:
            os._exit(code)
    return pid


class Ticking:
    """async with Ticking() as t: ... -- t.ticks counts the 10 ms sleeps
    the event loop finished meanwhile (a wait that blocked the loop
    leaves it near 0)."""

    async def __aenter__(self):
        import asyncio

        self.ticks = 0

        async def tick():
            while True:
                await asyncio.sleep(0.01)
                self.ticks += 1

        self._task = asyncio.create_task(tick())
        return self

    async def __aexit__(self, *exc):
        self._task.cancel()
