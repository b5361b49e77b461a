#!/usr/bin/env python3
"""Soak: ipcx under steady traffic for a while, with memory, descriptors
and kernel objects checked flat.

Long-lived processes: `ipcx recv` on a ring, `ipcx relay -u` from a
System V queue to a POSIX queue with `ipcx recv` behind it, and
`ipcx recv -k` accepting UNIX stream connections one after another.
Short-lived `ipcx send` processes keep arriving (a batch of numbered
messages each), so rings re-register senders, queues churn and
connections come and go.  Every few seconds the long-lived processes'
RSS and descriptor counts, and the System V objects, /dev/shm entries
and POSIX queues, are sampled.  At the end every message must have
arrived exactly once, and the figures after the first tenth of the run
must not grow (RSS within 512 KiB, descriptors and objects equal).

Prints TAP and the figures.  Usage: soak.py [--seconds S] IPCX
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def objects(pid):
    ipcs = subprocess.run(["ipcs", "-a"], capture_output=True,
                          text=True).stdout
    sysv = sum(1 for l in ipcs.splitlines() if l.startswith("0x"))
    shm = len(os.listdir("/dev/shm"))
    mq = len(os.listdir("/dev/mqueue")) if os.path.isdir("/dev/mqueue") \
        else -1
    return (sysv, shm, mq)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ipcx")
    ap.add_argument("--seconds", type=float, default=600)
    a = ap.parse_args()
    ipcx, pid = a.ipcx, os.getpid()
    tmp = tempfile.mkdtemp(prefix="ipcx-soak-%d-" % pid)
    ring = "posixshm:/ipcx-soak-%d" % pid
    sysvq = "sysvmq:0x%x" % (0x53000000 | (pid & 0xffff) << 4)
    pq = "posixmq:/ipcx-soak-%d" % pid
    sock = "unix:%s/s" % tmp
    out = {k: open(os.path.join(tmp, k), "wb") for k in
           ("ring", "pq", "sock")}
    for addr in (ring + "?size=256K", sysvq, pq):
        subprocess.run([ipcx, "recv", "--timeout", "1", addr],
                       stderr=subprocess.DEVNULL)
    longs = {
        "recv ring": subprocess.Popen([ipcx, "recv", ring],
                                      stdout=out["ring"]),
        "relay sysvmq->posixmq": subprocess.Popen(
            [ipcx, "relay", "-u", sysvq, pq]),
        "recv posixmq": subprocess.Popen([ipcx, "recv", pq],
                                         stdout=out["pq"]),
        "recv -k unix": subprocess.Popen([ipcx, "recv", "-k", sock],
                                         stdout=out["sock"]),
    }
    while not os.path.exists(sock[5:]):
        time.sleep(0.05)
    sent = {"ring": 0, "pq": 0, "sock": 0}
    targets = {"ring": ring, "pq": sysvq, "sock": sock}
    samples = []
    start = time.monotonic()
    next_sample = start
    batch = 0
    n = fails = 0
    try:
        while time.monotonic() - start < a.seconds:
            for k, addr in targets.items():
                lines = b"".join(b"%s-%d-%d\n" % (k.encode(), batch, i)
                                 for i in range(200))
                r = subprocess.run([ipcx, "send", addr], input=lines,
                                   stderr=subprocess.PIPE)
                if r.returncode != 0:
                    raise RuntimeError("send %s: %s" % (addr, r.stderr))
                sent[k] += 200
            batch += 1
            if time.monotonic() >= next_sample:
                samples.append((time.monotonic() - start,
                                {k: (rss_kb(p.pid), nfds(p.pid))
                                 for k, p in longs.items()},
                                objects(pid)))
                next_sample += max(a.seconds / 20, 1)
        time.sleep(1)
        samples.append((time.monotonic() - start,
                        {k: (rss_kb(p.pid), nfds(p.pid))
                         for k, p in longs.items()}, objects(pid)))
    finally:
        for p in longs.values():
            p.send_signal(signal.SIGTERM)
        for p in longs.values():
            p.wait()
        for f in out.values():
            f.close()
        subprocess.run([ipcx, "rm", "-f", ring, sysvq, pq],
                       stderr=subprocess.DEVNULL)
    # Exactly once, in order per batch.
    for k in sent:
        got = open(os.path.join(tmp, k), "rb").read().split(b"\n")[:-1]
        n += 1
        want = sent[k]
        if len(got) != want or len(set(got)) != want:
            fails += 1
            print("not ok %d - %s: %d messages sent, %d received "
                  "(%d distinct)" % (n, k, want, len(got), len(set(got))))
        else:
            print("ok %d - %s: %d messages sent, each received once" %
                  (n, k, want))
    # Flat after warm-up.
    base = samples[max(1, len(samples) // 10)] if len(samples) > 2 \
        else samples[0]
    last = samples[-1]
    for k in longs:
        r0, f0 = base[1][k]
        r1, f1 = last[1][k]
        n += 1
        ok = r1 - r0 <= 512 and f1 == f0
        fails += not ok
        print("%sok %d - %s: RSS %d -> %d KiB, descriptors %d -> %d "
              "(from %.0f s to %.0f s)" % ("" if ok else "not ", n, k, r0,
                                          r1, f0, f1, base[0], last[0]))
    n += 1
    ok = base[2] == last[2]
    fails += not ok
    print("%sok %d - kernel objects (System V, /dev/shm, /dev/mqueue): "
          "%s -> %s" % ("" if ok else "not ", n, base[2], last[2]))
    print("# %.0f s, %d batches, %d messages" %
          (last[0], batch, sum(sent.values())))
    subprocess.run(["rm", "-rf", tmp])
    print("1..%d" % n)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
