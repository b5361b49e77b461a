#!/bin/sh
# Every registered scheme is complete (doc/HACKING.md, "Adding a
# facility"): an `ipcx info` row, a conformance test that uses it, a man
# page that is installed, and the man page's OPTIONS list the options that
# `ipcx info -O` gives, no more and no fewer.
. "$(dirname "$0")/lib.sh"
SRC=${SRCDIR:?set SRCDIR to the source tree}

schemes=$("$IPCX" info -r -n -o SCHEME)
[ -n "$schemes" ] && ok "ipcx info lists the facilities" || bad "ipcx info lists the facilities"
# No conformance entry for a scheme that is not registered (a stale one).
for m in $CONFORMANCE; do
	echo "$schemes" | grep -qx "${m%%=*}" ||
		bad "tests/meson.build names '${m%%=*}', which is no scheme"
done

# The page that documents SCHEME (following a symbolic link: udp's is
# tcp's page).
page_of() {
	p="$SRC/doc/ipcx-$1.7"
	[ -f "$p" ] || return 1
	[ -L "$p" ] && p="$SRC/doc/$(readlink "$p")"
	echo "$p"
}

# The option names of a page's OPTIONS section, sorted.
page_options() {
	sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$1" |
		sed 's/\\-/-/g' | sed -n 's/^\.BI* \([a-z-]*\)=.*/\1/p' |
		sort -u
}

for s in $schemes; do
	# A conformance test that names the scheme.
	f=$(for m in $CONFORMANCE; do
		[ "${m%%=*}" = "$s" ] && echo "${m#*=}"
	done)
	if [ -n "$f" ] && grep -q "\"$s[:\"?]" "$SRC/tests/conformance/test-$f.c"; then
		ok "$s: conformance test test-$f.c"
	else
		bad "$s: no conformance test uses it (tests/meson.build)"
	fi
	# An installed man page.
	if p=$(page_of "$s") && grep -q "'ipcx-$s.7'" "$SRC/doc/meson.build"; then
		ok "$s: man page ipcx-$s(7), installed"
	else
		bad "$s: no man page doc/ipcx-$s.7 in doc/meson.build"
		continue
	fi
done

# Each page's OPTIONS against the schemes it documents.
for p in "$SRC"/doc/ipcx-*.7; do
	[ -L "$p" ] && continue
	docs=""
	for s in $schemes; do
		[ "$(page_of "$s")" = "$p" ] && docs="$docs $s"
	done
	[ -n "$docs" ] || continue # not a scheme's page (ring, mutex)
	want=$(for s in $docs; do
		"$IPCX" info -O -r -n -o OPTION "$s"
	done | sort -u | tr '\n' ' ')
	got=$(page_options "$p" | tr '\n' ' ')
	expect "$(basename "$p"): OPTIONS agree with ipcx info -O$docs" \
		"$got" "$want"
done

# A scheme that is not registered is refused by name.
status "ipcx info of an unknown scheme is a usage error" 2 \
	"$IPCX" info no-such-scheme
finish
