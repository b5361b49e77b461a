#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A plain peer for the tool tests: the facility used directly, no ipcx.

peer.py unix-serve PATH            accept one connection, print what came
peer.py unix-send PATH DATA        connect and write DATA
peer.py dgram-recv PATH N          bind, print N datagrams, one per line
peer.py dgram-send PATH MSG...     one datagram each
peer.py seqpacket-recv PATH N      accept, print N messages, one per line
peer.py framed-send PATH MSG...    unix stream, 4-byte LE length + payload
peer.py framed-recv PATH N         accept, read N framed messages
peer.py udp-recv PORTFILE N        bind 127.0.0.1:0, write the port, print N
peer.py udp-send PORT MSG...
peer.py fifo-read PATH             print all that a writer sends
peer.py fifo-write PATH DATA
"""
import os
import socket
import struct
import sys


def out(b):
    sys.stdout.buffer.write(b)
    sys.stdout.buffer.flush()


def listen(path, kind):
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(path)
    if kind != socket.SOCK_DGRAM:
        s.listen(1)
    return s


def exact(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            raise SystemExit("peer: stream ended early")
        b += chunk
    return b


def main(a):
    cmd = a[0]
    if cmd == "unix-serve":
        s = listen(a[1], socket.SOCK_STREAM)
        c, _ = s.accept()
        while True:
            b = c.recv(65536)
            if not b:
                break
            out(b)
        os.unlink(a[1])
    elif cmd == "unix-send":
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(a[1])
        c.sendall(a[2].encode())
        c.close()
    elif cmd == "dgram-recv":
        s = listen(a[1], socket.SOCK_DGRAM)
        for _ in range(int(a[2])):
            out(s.recv(65536) + b"\n")
        os.unlink(a[1])
    elif cmd == "dgram-send":
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        for m in a[2:]:
            c.sendto(m.encode(), a[1])
    elif cmd == "seqpacket-recv":
        s = listen(a[1], socket.SOCK_SEQPACKET)
        c, _ = s.accept()
        for _ in range(int(a[2])):
            out(c.recv(65536) + b"\n")
        os.unlink(a[1])
    elif cmd == "framed-send":
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(a[1])
        for m in a[2:]:
            c.sendall(struct.pack("<I", len(m.encode())) + m.encode())
        c.close()
    elif cmd == "framed-recv":
        s = listen(a[1], socket.SOCK_STREAM)
        c, _ = s.accept()
        for _ in range(int(a[2])):
            (n,) = struct.unpack("<I", exact(c, 4))
            out(exact(c, n) + b"\n")
        os.unlink(a[1])
    elif cmd == "udp-recv":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        with open(a[1] + ".tmp", "w") as f:
            f.write("listening on udp:127.0.0.1:%d\n" % s.getsockname()[1])
        os.rename(a[1] + ".tmp", a[1])
        for _ in range(int(a[2])):
            out(s.recv(65536) + b"\n")
    elif cmd == "udp-send":
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for m in a[2:]:
            c.sendto(m.encode(), ("127.0.0.1", int(a[1])))
    elif cmd == "fifo-read":
        with open(a[1], "rb") as f:
            out(f.read())
    elif cmd == "fifo-write":
        with open(a[1], "wb") as f:
            f.write(a[2].encode())
    else:
        raise SystemExit("peer: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
