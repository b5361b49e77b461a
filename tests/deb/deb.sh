#!/bin/sh
# make deb: the Debian packages, built and checked in a clean Debian 12
# (bookworm) chroot made by debootstrap, as a packager's build daemon
# would: only the declared Build-Depends installed (apt-get build-dep),
# dpkg-buildpackage -us -uc -b, lintian with no error, then the packages
# installed there and used: the tool runs the demo, a program built with
# pkg-config ipcx against libipcx-dev links and runs, the Python package
# imports and talks to the tool, the bash completion loads.
# Usage: deb.sh SRCDIR OUTDIR   (root; the chroot is kept in
# OUTDIR/chroot between runs, OUTDIR/*.deb are the packages)
set -eu
src=$(cd "$1" && pwd)
out=$2
mirror=${DEB_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "deb: run as root (debootstrap, chroot)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$out/chroot
step() { printf '\n== %s\n' "$*"; }

if [ ! -x "$root/usr/bin/dpkg-buildpackage" ]; then
	step "debootstrap bookworm (buildd) into $root"
	rm -rf "$root"
	debootstrap --variant=buildd bookworm "$root" "$mirror" >"$out/debootstrap.log" 2>&1 ||
		{ tail -20 "$out/debootstrap.log"; exit 1; }
fi
# A fresh copy of the chroot for each build: nothing from the last one.
work=$out/work
rm -rf "$work"
cp -a "$root" "$work"
cleanup() {
	for m in dev/pts dev/shm proc; do
		mountpoint -q "$work/$m" 2>/dev/null && umount "$work/$m"
	done
}
trap cleanup EXIT
mount -t proc proc "$work/proc"
mount -t tmpfs -o mode=1777 tmpfs "$work/dev/shm"
mkdir -p "$work/dev/pts"
mount --bind /dev/pts "$work/dev/pts"
cp /etc/resolv.conf "$work/etc/resolv.conf"

step "the source, as git has it (no build trees)"
mkdir -p "$work/build/ipcx"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 tar cf - --no-recursion) | tar xf - -C "$work/build/ipcx"
in_root() { chroot "$work" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive sh -ec "$*"; }

step "the Build-Depends, and nothing else"
in_root "apt-get update -qq && apt-get build-dep -y -qq /build/ipcx >/dev/null"

step "dpkg-buildpackage -us -uc -b"
in_root "cd /build/ipcx && dpkg-buildpackage -us -uc -b" >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log"; exit 1; }
tail -3 "$out/build.log"

step "lintian (errors fail the build)"
in_root "apt-get install -y -qq lintian >/dev/null"
in_root "cd /build && lintian --fail-on error --display-info *.changes" | tee "$out/lintian.log"

step "the packages installed, and used"
in_root "apt-get install -y -qq /build/*.deb >/dev/null && dpkg -l 'libipcx*' ipcx python3-ipcx | tail -4"
in_root "ipcx --version && ipcx info -n -r -o SCHEME | wc -l"
in_root "sh /build/ipcx/doc/demo.sh /usr/bin/ipcx" >"$out/demo.log" 2>&1 ||
	{ tail -20 "$out/demo.log"; exit 1; }
echo "demo: $(wc -l <"$out/demo.log") lines, exit 0"
cat >"$work/tmp/prog.c" <<'PROG'
#include <ipcx.h>
#include <stdio.h>
int main(void)
{
	struct ipcx_chan *a, *b;
	char buf[16];
	if (ipcx_pair("unix-seqpacket", &a, &b) || ipcx_send(a, "linked", 6, NULL) != 6)
		return 1;
	ssize_t n = ipcx_recv(b, buf, sizeof(buf), NULL);
	printf("%.*s\n", (int)n, buf);
	return ipcx_close(a) || ipcx_close(b);
}
PROG
in_root 'cd /tmp && cc -o prog prog.c $(pkg-config --cflags --libs ipcx) && ./prog'
in_root 'python3 -c "
import ipcx, os
a, b = ipcx.pair(\"anon\")
a.send(b\"from python\")
print(b.recv().decode(), ipcx.__version__)
"'
in_root 'bash -c ". /usr/share/bash-completion/bash_completion && . /usr/share/bash-completion/completions/ipcx && complete -p ipcx"'
in_root 'man -w ipcx_open ipcx-udp ipcx >/dev/null 2>&1 || ls /usr/share/man/man3/ipcx_open.3.gz'
cp "$work"/build/*.deb "$out/"
step "done: $(cd "$out" && ls *.deb | tr '\n' ' ')"
