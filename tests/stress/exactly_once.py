#!/usr/bin/env python3
"""Exactly-once across the tool's edge: N senders x M receivers on one
queue or ring, numbered messages, processes killed at random.

Senders are `ipcx send ADDR` reading numbered lines from a file;
receivers are `ipcx recv ADDR` writing to a file each, restarted after
each kill.  At the end one receiver drains what is left.  Checks, per
configuration:
  - nothing torn: every line is whole and its checksum matches;
  - nothing duplicated: no (sender, number) twice;
  - nothing lost that was taken: per sender, the numbers received are
    0..k-1 with no gap (receivers ended by SIGTERM write what they took);
    a receiver killed with SIGKILL may lose the one message it held, so
    gaps are allowed up to the number of such kills;
  - a killed sender's messages are a prefix of what it had to send.
Prints TAP.  Usage: exactly_once.py IPCX [--quick|--long] [--seconds S]
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

LINE = re.compile(rb"^s(\d+):(\d+):([0-9a-f]{8}):(x*)$")


def payload(s, i):
    pad = b"x" * ((s * 7919 + i * 31) % 180)
    tag = b"%08x" % ((s * 1000003 + i * 7 + len(pad)) & 0xFFFFFFFF)
    return b"s%d:%d:%s:%s" % (s, i, tag, pad)


def ended(p, secs):
    """Whether P ends within SECS (else it is killed)."""
    try:
        p.wait(timeout=secs)
        return True
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return False


class Run:
    def __init__(self, ipcx, tmp, addr, nsend, nrecv, count, kill, seconds):
        self.ipcx, self.tmp, self.addr = ipcx, tmp, addr
        self.nsend, self.nrecv, self.count = nsend, nrecv, count
        self.kill, self.seconds = kill, seconds
        self.outs, self.sigkilled_receivers = [], 0
        self.sigkilled_outs = set()  # outputs of receivers SIGKILLed
        self.killed_receivers = 0
        self.killed_senders = 0

    def recv(self):
        path = os.path.join(self.tmp, "out.%d" % len(self.outs))
        self.last_out = path
        self.outs.append(path)
        f = open(path, "wb")
        p = subprocess.Popen([self.ipcx, "recv", self.addr], stdout=f,
                             stderr=subprocess.DEVNULL)
        f.close()
        return p

    def go(self):
        senders = []
        for s in range(self.nsend):
            path = os.path.join(self.tmp, "in.%d" % s)
            with open(path, "wb") as f:
                for i in range(self.count):
                    f.write(payload(s, i) + b"\n")
            senders.append(subprocess.Popen(
                [self.ipcx, "send", self.addr], stdin=open(path, "rb"),
                stderr=subprocess.DEVNULL))
        receivers = [self.recv() for _ in range(self.nrecv)]
        outs = [self.outs[-self.nrecv + i] for i in range(self.nrecv)]
        rng = random.Random(os.getpid())
        end = time.monotonic() + self.seconds
        while time.monotonic() < end and any(
                p.poll() is None for p in senders):
            time.sleep(rng.uniform(0.005, 0.05))
            sig = signal.SIGTERM
            if self.kill == "kill" or (self.kill == "both" and
                                       rng.random() < 0.5):
                sig = signal.SIGKILL
            # Mostly receivers: a killed sender ends its stream early,
            # so never the last one alive.
            live = [p for p in senders if p.poll() is None]
            if rng.random() < 0.1 and len(live) > 1:
                rng.choice(live).send_signal(sig)
                self.killed_senders += 1
                continue
            k = rng.randrange(len(receivers))
            receivers[k].send_signal(sig)
            if not ended(receivers[k], 10):
                return "a receiver did not end within 10 s of SIGTERM"

            self.killed_receivers += 1
            if sig == signal.SIGKILL:
                self.sigkilled_receivers += 1
                self.sigkilled_outs.add(outs[k])
            receivers[k] = self.recv()
            outs[k] = self.last_out
        for p in senders:
            if not ended(p, 120):
                return "a sender hung"
        for p in receivers:
            p.send_signal(signal.SIGTERM)
            if not ended(p, 10):
                return "a receiver did not end within 10 s of SIGTERM"
        # Drain what is left.
        path = os.path.join(self.tmp, "out.drain")
        self.outs.append(path)
        with open(path, "wb") as f:
            subprocess.run([self.ipcx, "recv", "--timeout", "500",
                            self.addr], stdout=f, stderr=subprocess.DEVNULL)
        return None

    def check(self):
        seen = {}
        for path in self.outs:
            data = open(path, "rb").read()
            if data and not data.endswith(b"\n"):
                # SIGKILL can stop a write between two pages: the line
                # it held is lost (counted with the SIGKILLs below).
                if path not in self.sigkilled_outs:
                    return "half a line at the end of %s" % path
                data = data[:data.rfind(b"\n") + 1]
            for line in data.split(b"\n")[:-1]:
                m = LINE.match(line)
                if not m or payload(int(m.group(1)),
                                    int(m.group(2))) != line:
                    return "torn message %r" % line[:60]
                key = (int(m.group(1)), int(m.group(2)))
                if key in seen:
                    return "duplicated %r" % line[:40]
                seen[key] = True
        gaps = 0
        total = 0
        for s in range(self.nsend):
            got = sorted(i for (t, i) in seen if t == s)
            total += len(got)
            if got and got[-1] >= self.count:
                return "a number never sent"
            top = got[-1] + 1 if got else 0
            gaps += top - len(got)
        if gaps > self.sigkilled_receivers:
            return ("%d messages lost (with %d receivers SIGKILLed)" %
                    (gaps, self.sigkilled_receivers))
        self.total = total
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ipcx")
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    a = ap.parse_args()
    pid = os.getpid()
    facilities = [
        ("sysvmq", "sysvmq:0x%x" % (0x51000000 | (pid & 0xffff) << 4)),
        ("posixmq", "posixmq:/ipcx-eo-%d" % pid),
        ("ring", "posixshm:/ipcx-eo-%d?size=256K" % pid),
    ]
    if a.long:
        shapes = [(1, 1), (4, 4), (8, 1), (1, 8)]
        kills = ["term", "kill", "both"]
        count, seconds = 100000, a.seconds or 20
    else:
        shapes = [(4, 4)]
        kills = ["term", "both"]
        count, seconds = 20000, a.seconds or 3
    n = fails = 0
    for name, addr in facilities:
        for ns, nr in shapes:
            for kill in kills:
                n += 1
                tmp = tempfile.mkdtemp(prefix="ipcx-eo-%d-" % pid)
                base = addr.split("?")[0]
                # The object first, so that no receiver's exit removes it.
                subprocess.run([a.ipcx, "recv", "--timeout", "1", addr],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                r = Run(a.ipcx, tmp, addr, ns, nr, count, kill, seconds)
                try:
                    err = r.go() or r.check()
                finally:
                    subprocess.run([a.ipcx, "rm", "-f", base],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
                    subprocess.run(["rm", "-rf", tmp])
                desc = "%s %dx%d, %s: " % (name, ns, nr, kill)
                if err:
                    fails += 1
                    print("not ok %d - %s%s" % (n, desc, err))
                else:
                    print("ok %d - %s%d received, of %d to send; %d "
                          "receivers killed (%d SIGKILL), %d senders" %
                          (n, desc, r.total, ns * count,
                           r.killed_receivers, r.sigkilled_receivers,
                           r.killed_senders))
                sys.stdout.flush()
    print("1..%d" % n)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
