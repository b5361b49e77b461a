#!/bin/sh
# Install hygiene: a build of the project alone under a prefix of its own
# installs the tool, the library, its header and pkg-config file, the man
# pages and the bash completion, nothing else (no test programs); the tool
# runs from there without LD_LIBRARY_PATH (an rpath), a program built with
# `pkg-config ipcx` against it links and runs (LD_LIBRARY_PATH, as the
# README says), uninstall leaves nothing, and under /usr nothing carries
# an rpath.  Warnings are errors only where a build asks (werror=false by
# default).  Usage: install.sh SRCDIR
set -u
src=$1
IPCX=/bin/true # lib.sh wants one; the installed tool is tested below
. "$src/tests/tool/lib.sh"

b=$T/build p=$T/prefix
if ! meson setup "$b" "$src" -Dprefix="$p" -Dtests=false >"$T/log" 2>&1 ||
	! ninja -C "$b" >>"$T/log" 2>&1 ||
	! meson install -C "$b" --quiet >>"$T/log" 2>&1; then
	bad "build and install under $p: $(tail -5 "$T/log")"
	finish
	exit 1
fi
ok "built alone and installed under a prefix of its own"
expect "warnings are not errors by default" \
	"$(meson introspect --buildoptions "$b" |
		python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "werror"][0])')" \
	"False"

libdir=$(cd "$p" && ls -d lib/*/pkgconfig lib/pkgconfig lib64/pkgconfig 2>/dev/null | head -1)
libdir=${libdir%/pkgconfig}
(cd "$p" && find . ! -type d | sed 's|^\./||' | sort) >"$T/files"
unexpected=$(grep -vE "^(bin/ipcx|include/ipcx\.h|$libdir/libipcx\.(a|so|so\.0|so\.[0-9.]+)|$libdir/pkgconfig/ipcx\.pc|share/man/man[137]/ipcx[-_a-z]*\.[137]|share/bash-completion/completions/ipcx)$" "$T/files")
expect "nothing installed but the project (no test programs)" "$unexpected" ""
for f in bin/ipcx include/ipcx.h "$libdir/libipcx.so" \
	"$libdir/pkgconfig/ipcx.pc" share/man/man1/ipcx.1 share/man/man3/ipcx.3 \
	share/man/man3/ipcx_open.3 share/man/man7/ipcx-udp.7 \
	share/bash-completion/completions/ipcx; do
	grep -qx "$f" "$T/files" && ok "installed $f" || bad "installed $f"
done

# The tool, from its prefix, with no help from the environment.
out=$(env -u LD_LIBRARY_PATH "$p/bin/ipcx" --version 2>&1)
expect "the installed tool runs without LD_LIBRARY_PATH (rpath)" "$out" \
	"ipcx $(meson introspect --projectinfo "$b" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')"
env -u LD_LIBRARY_PATH "$p/bin/ipcx" send "unix-dgram:$T/nobody" hi \
	2>"$T/err"
contains "...and does its work" "$T/err" "unix-dgram:$T/nobody"

# A program of a user's, built with pkg-config against the prefix.
cat >"$T/prog.c" <<'PROG'
#include <ipcx.h>
#include <stdio.h>
int main(void)
{
	struct ipcx_chan *a, *b;
	char buf[8];
	if (ipcx_pair("unix-seqpacket", &a, &b) || ipcx_send(a, "hi", 2, NULL) != 2 ||
	    ipcx_recv(b, buf, sizeof(buf), NULL) != 2)
		return 1;
	printf("%.2s\n", buf);
	return ipcx_close(a) || ipcx_close(b);
}
PROG
pc=$p/$libdir/pkgconfig
if cc -o "$T/prog" "$T/prog.c" $(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs ipcx) \
	2>"$T/err"; then
	expect "a program built with pkg-config ipcx runs (LD_LIBRARY_PATH)" \
		"$(LD_LIBRARY_PATH=$p/$libdir "$T/prog")" "hi"
else
	bad "a program built with pkg-config ipcx links: $(cat "$T/err")"
fi

ninja -C "$b" uninstall >"$T/log" 2>&1
expect "uninstall leaves no file" "$(find "$p" ! -type d 2>/dev/null)" ""

# The prefix a distribution uses: no rpath.
meson configure "$b" -Dprefix=/usr >/dev/null 2>&1 && ninja -C "$b" >/dev/null 2>&1 &&
	DESTDIR=$T/dest meson install -C "$b" --quiet >/dev/null 2>&1
if [ -x "$T/dest/usr/bin/ipcx" ]; then
	expect "under /usr the tool carries no rpath" \
		"$(readelf -d "$T/dest/usr/bin/ipcx" | grep -iE 'rpath|runpath')" ""
else
	bad "install with prefix /usr into a DESTDIR"
fi
finish
