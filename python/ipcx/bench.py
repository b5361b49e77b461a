# SPDX-License-Identifier: MIT
"""python3 -m ipcx.bench: the ipcx ring from Python against Python's own
ways between two processes, in one run on the same CPUs.

Each path is measured between this process and a forked child: the
round trip of a 64-byte message (median of blocks) and the one-way rate
of 64-byte messages (the child counts them and answers the total, which
is checked).  The paths: an ipcx ring (anon:, a ring each way),
multiprocessing.Pipe, multiprocessing.Queue, socket.socketpair, and
multiprocessing.shared_memory with a hand-made lock (a flag word in the
shared memory and two multiprocessing semaphores to wake the other side).
Then the binding's own cost per call: send+recv of one message in one
process, through the package and through the bare cffi functions.
"""
import argparse
import json
import multiprocessing as mp
import os
import socket
import statistics
import struct
import sys
import time
from typing import Any, List

import ipcx
from ipcx._ipcx import ffi, lib

SIZE = 64
MSG = bytes(range(SIZE))


# ---- the paths: each a (make, parent_send, parent_recv, child) -----------

class Path:
    name = ""
    batch = False  # one way in batches (send_many/recv_many)
    send_many: Any = None  # and their calls, when it does
    crecv_many: Any = None

    def make(self):  # before the fork
        pass

    def send(self, b):  # parent
        raise NotImplementedError

    def recv(self):  # parent
        raise NotImplementedError

    def csend(self, b):  # child
        raise NotImplementedError

    def crecv(self):  # child
        raise NotImplementedError

    def close(self):
        pass

    def child_done(self):  # before the child exits
        pass


class Ring(Path):
    name = "ipcx ring (anon)"

    def make(self):
        self.a, self.b = ipcx.pair("anon:?size=1M")
        # Each path's own calls, bound: no layer of this script between.
        self.send, self.recv = self.a.send, self.a.recv
        self.csend, self.crecv = self.b.send, self.b.recv

    def close(self):
        self.a.close()
        self.b.close()


class RingBatch(Ring):
    name = "ipcx ring, send/recv_many"
    batch = True

    def make(self):
        super().make()
        self.send_many, self.crecv_many = self.a.send_many, self.b.recv_many


class MpPipe(Path):
    name = "multiprocessing.Pipe"

    def make(self):
        self.a, self.b = mp.get_context("fork").Pipe()
        self.send, self.recv = self.a.send_bytes, self.a.recv_bytes
        self.csend, self.crecv = self.b.send_bytes, self.b.recv_bytes


class MpQueue(Path):
    name = "multiprocessing.Queue"

    def make(self):
        ctx = mp.get_context("fork")
        self.up, self.down = ctx.Queue(), ctx.Queue()
        self.send, self.recv = self.down.put, self.up.get
        self.csend, self.crecv = self.up.put, self.down.get

    def close(self):
        for q in (self.up, self.down):
            q.close()
            q.join_thread()

    def child_done(self):
        # The feeder thread writes what put() queued: let it finish.
        self.up.close()
        self.up.join_thread()


class SocketPair(Path):
    name = "socket.socketpair"

    def make(self):
        self.a, self.b = socket.socketpair(socket.AF_UNIX,
                                           socket.SOCK_SEQPACKET)
        self.send, self.csend = self.a.send, self.b.send

    def recv(self):
        return self.a.recv(65536)

    def crecv(self):
        return self.b.recv(65536)

    def close(self):
        self.a.close()
        self.b.close()


class SharedMem(Path):
    """A one-slot mailbox each way in shared memory: length, bytes, and a
    semaphore pair per direction (full/empty), as one writes by hand."""

    name = "shared_memory + semaphores"

    def make(self):
        from multiprocessing import shared_memory

        ctx = mp.get_context("fork")
        self.shm = shared_memory.SharedMemory(create=True, size=2 * 4096)
        self.full = [ctx.Semaphore(0), ctx.Semaphore(0)]
        self.empty = [ctx.Semaphore(1), ctx.Semaphore(1)]

    def _put(self, d, b):
        self.empty[d].acquire()
        off = d * 4096
        struct.pack_into("I", self.shm.buf, off, len(b))
        self.shm.buf[off + 4:off + 4 + len(b)] = b
        self.full[d].release()

    def _get(self, d):
        self.full[d].acquire()
        off = d * 4096
        (n,) = struct.unpack_from("I", self.shm.buf, off)
        b = bytes(self.shm.buf[off + 4:off + 4 + n])
        self.empty[d].release()
        return b

    def send(self, b):
        self._put(0, b)

    def recv(self):
        return self._get(1)

    def csend(self, b):
        self._put(1, b)

    def crecv(self):
        return self._get(0)

    def close(self):
        self.shm.close()
        self.shm.unlink()


PATHS = [Ring, RingBatch, MpPipe, MpQueue, SocketPair, SharedMem]


# ---- measuring -------------------------------------------------------------

def child(p: Path) -> None:
    """Echo until b"", then count one-way messages until b"end" and send
    the count."""
    while True:
        b = p.crecv()
        if b == b"stop":
            break
        p.csend(b)
    n = 0
    if p.batch:
        many = p.crecv_many
        while True:
            got = many(256)
            if got[-1] == b"end":
                n += len(got) - 1
                break
            n += len(got)
        p.csend(str(n).encode())
        return
    crecv = p.crecv
    while True:
        b = crecv()
        if len(b) != SIZE:
            if b == b"end":
                break
            os._exit(3)
        n += 1
    p.csend(str(n).encode())


def measure(cls, seconds: float) -> dict:
    p = cls()
    p.make()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            child(p)
            p.child_done()
        except BaseException:
            code = 2
        os._exit(code)
    try:
        # Round trip: blocks of 100, the median of the blocks' means.
        blocks: List[float] = []
        send, recv = p.send, p.recv
        t_end = time.perf_counter() + seconds / 2
        while time.perf_counter() < t_end or len(blocks) < 5:
            t0 = time.perf_counter_ns()
            for _ in range(100):
                send(MSG)
                if recv() != MSG:
                    raise RuntimeError("%s: echo damaged" % p.name)
            blocks.append((time.perf_counter_ns() - t0) / 100)
        p.send(b"stop")
        # One way: as many as fit in the time, then the count.
        n = 0
        start = time.perf_counter()
        t_end = start + seconds / 2
        block = [MSG] * 100
        while True:
            if p.batch:
                p.send_many(block)
            else:
                for _ in range(100):
                    send(MSG)
            n += 100
            if time.perf_counter() >= t_end:
                break
        p.send(b"end")
        got = int(p.recv())
        end = time.perf_counter()
        if got != n:
            raise RuntimeError("%s: %d of %d arrived" % (p.name, got, n))
        return {"path": p.name, "rtt_ns": statistics.median(blocks),
                "msgs_per_s": n / (end - start)}
    finally:
        _, st = os.waitpid(pid, 0)
        p.close()
        if os.waitstatus_to_exitcode(st) != 0:
            raise RuntimeError("%s: the child failed" % cls.name)


def per_call(n: int = 20000, rounds: int = 15) -> dict:
    """send+recv of one 64-byte message in one process on a ring: through
    the package, through the bare cffi calls, and each half through the
    package with the other bare (what the package adds is the
    difference).  The four loops take turns, ROUNDS blocks of N each; a
    loop's figure is its fastest block (the machine's noise only adds)."""
    a, b = ipcx.pair("anon:?size=1M")
    with a, b:
        buf = ffi.new("char[]", 65536)
        src = ffi.from_buffer(MSG)
        ha, hb = a._p, b._p
        csend, crecv, null = lib.ipcx_send, lib.ipcx_recv, ffi.NULL
        psend, precv = a.send, b.recv

        def package():
            for _ in range(n):
                psend(MSG)
                precv()

        def cffi_only():
            for _ in range(n):
                csend(ha, src, SIZE, null)
                crecv(hb, buf, 65536, null)

        def send_only():
            for _ in range(n):
                psend(MSG)
                crecv(hb, buf, 65536, null)

        def recv_only():
            for _ in range(n):
                csend(ha, src, SIZE, null)
                precv()

        loops = {"package_ns": package, "cffi_ns": cffi_only,
                 "send_ns": send_only, "recv_ns": recv_only}
        best = {k: float("inf") for k in loops}
        for _ in range(1000):  # warm
            psend(MSG)
            precv()
        for _ in range(rounds):
            for k, f in loops.items():
                t0 = time.perf_counter_ns()
                f()
                best[k] = min(best[k], (time.perf_counter_ns() - t0) / n)
    return {"package_ns": best["package_ns"], "cffi_ns": best["cffi_ns"],
            "binding_ns": best["package_ns"] - best["cffi_ns"],
            "send_adds_ns": best["send_ns"] - best["cffi_ns"],
            "recv_adds_ns": best["recv_ns"] - best["cffi_ns"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m ipcx.bench",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("-t", "--seconds", type=float, default=2.0,
                    help="time per path (half round trips, half one way)")
    ap.add_argument("--json", action="store_true", help="JSON output")
    a = ap.parse_args(argv)
    rows = [measure(c, a.seconds) for c in PATHS]
    q = next(r for r in rows if r["path"] == "multiprocessing.Queue")
    for r in rows:
        r["rtt_vs_queue"] = q["rtt_ns"] / r["rtt_ns"]
        r["tput_vs_queue"] = r["msgs_per_s"] / q["msgs_per_s"]
    calls = per_call()
    if a.json:
        json.dump({"size": SIZE, "rows": rows, "per_call": calls},
                  sys.stdout, indent=1)
        print()
        return 0
    print("64-byte messages between two processes (%s, %d CPUs)"
          % (sys.version.split()[0], os.cpu_count() or 1))
    print("%-28s %10s %12s %9s %9s" % ("PATH", "ROUND TRIP", "MSG/S",
                                      "xQ RTT", "xQ MSG/S"))
    for r in rows:
        print("%-28s %8.1f us %12.0f %8.1fx %8.1fx"
              % (r["path"], r["rtt_ns"] / 1000, r["msgs_per_s"],
                 r["rtt_vs_queue"], r["tput_vs_queue"]))
    print("per call (send+recv, one process, a ring): %.0f ns through the "
          "package, %.0f ns through bare cffi: the binding adds %.0f ns "
          "(send %.0f, recv %.0f)"
          % (calls["package_ns"], calls["cffi_ns"], calls["binding_ns"],
             calls["send_adds_ns"], calls["recv_adds_ns"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
