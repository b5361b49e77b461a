#!/bin/sh
# The man pages: each renders without a warning or words run together;
# ipcx(1) documents every option each command's --help lists, in that
# command's section; ipcx(3) names every function the library exports and
# nothing else; installed, `man ipcx_open` and `man ipcx-udp` find their
# page.  Usage: man.sh SRCDIR BUILDDIR
set -u
src=$1 build=$2
IPCX=$build/src/tool/ipcx
. "$src/tests/tool/lib.sh"
doc=$src/doc

command -v groff >/dev/null && command -v man >/dev/null || {
	echo "1..0 # SKIP no groff or man"; exit 0; }

for f in "$doc"/*.[137]; do
	p=$(basename "$f")
	w=$(groff -man -ww -z -t "$f" 2>&1)
	[ -z "$w" ] && ok "$p renders without warnings" ||
		bad "$p renders without warnings: $w"
	# ".BR name (7)).  Next" runs the words together: "(7)).Next".
	glued=$(MANWIDTH=200 man -l "$f" 2>/dev/null |
		grep -E "\)[.,;:][A-Za-z]{2,}" | grep -v "([0-9])ed ")
	[ -z "$glued" ] && ok "$p: no words run together" ||
		bad "$p: words run together: $glued"
done

# ---- every --help option in its command's section of ipcx(1) ----
for c in info send recv relay serve shm sem lock ls rm bench; do
	sed -n "/^\\.SS $c\\b/,/^\\.SS /p" "$doc/ipcx.1" >"$T/sec"
	missing=""
	# The options a line of --help starts with: "  -x, -e, --exclusive".
	for o in $("$IPCX" $c --help | grep -E '^ {2,6}-' |
		sed -E 's/^ +//; s/  .*//' | tr ',' '\n' |
		sed -E 's/^ +//; s/[ =].*//' | sort -u); do
		case $o in -h | --help | -V | --version) continue ;; esac
		e=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		grep -q -- "$e\\b" "$T/sec" || missing="$missing $o"
	done
	[ -z "$missing" ] && ok "ipcx(1) documents every option of $c --help" ||
		bad "ipcx(1) documents every option of $c --help: not$missing"
done
grep -q -- '\\-\\-version' "$doc/ipcx.1" && ok "ipcx(1) documents --version" ||
	bad "ipcx(1) documents --version"

# ---- ipcx(3): the exported functions, no more, no fewer ----
lib=$build/libipcx.so
readelf --dyn-syms -W "$lib" | awk '$4 == "FUNC" && $7 != "UND" {print $8}' |
	sed 's/@.*//' | grep '^ipcx_' | sort -u >"$T/exported"
sed -n '/^\.SH NAME/{n;p;}' "$doc/ipcx.3" | sed 's/ \\-.*//' | tr ',' '\n' |
	tr -d ' ' | grep . | sort -u >"$T/named"
expect "ipcx(3)'s NAME lists exactly the exported functions" \
	"$(comm -3 "$T/exported" "$T/named")" ""
missing=""
for fn in $(cat "$T/exported"); do
	grep -q "^\\.BI\\? \"\\?[^\"]*\\b$fn(" "$doc/ipcx.3" || missing="$missing $fn"
done
[ -z "$missing" ] && ok "ipcx(3)'s SYNOPSIS declares every exported function" ||
	bad "ipcx(3)'s SYNOPSIS declares every exported function: not$missing"

# ---- installed: a page per function, and the shared pages' links ----
if DESTDIR=$T/dest meson install -C "$build" --no-rebuild --quiet \
	>"$T/install.log" 2>&1; then
	mandir=$(find "$T/dest" -type d -name man -path '*/share/man' | head -1)
	missing=""
	for fn in $(cat "$T/exported"); do
		man -M "$mandir" 3 "$fn" 2>/dev/null | grep -q "^NAME" ||
			missing="$missing $fn"
	done
	[ -z "$missing" ] && ok "man FUNCTION finds ipcx(3) for every function" ||
		bad "man FUNCTION finds ipcx(3) for every function: not$missing"
	for p in ipcx-udp:ipcx-tcp ipcx-unix-dgram:ipcx-unix \
		ipcx-unix-seqpacket:ipcx-unix; do
		page=${p%%:*} t=${p##*:}
		man -M "$mandir" 7 "$page" 2>/dev/null | grep -q "^ *$t, .*$page" &&
			ok "man 7 $page (installed) is $t's page, naming it" ||
			bad "man 7 $page (installed) is $t's page, naming it"
		MANWIDTH=100 man -l "$doc/$page.7" 2>/dev/null | grep -q "^ *$t, " &&
			ok "man -l doc/$page.7 reads $t's page" ||
			bad "man -l doc/$page.7 reads $t's page"
	done
else
	bad "meson install into a DESTDIR: $(tail -3 "$T/install.log")"
fi
finish
