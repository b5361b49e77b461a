#!/bin/sh
# What make deb builds stays in step with the tree (make deb itself needs
# root, a network and minutes: it is run by hand): debian/libipcx0.symbols
# lists exactly the library's exported symbols, debian/changelog's version
# is meson's, and every file meson installs goes into one package.
# Usage: consistent.sh SRCDIR BUILDDIR
set -u
src=$1 build=$2
IPCX=/bin/true
. "$src/tests/tool/lib.sh"

readelf --dyn-syms -W "$build/libipcx.so" |
	awk '$7 != "UND" && $8 ~ /^ipcx_/ {print $8}' | sed 's/@@/@/' | sort >"$T/have"
sed -n 's/^ \(ipcx_[^ ]*\) .*/\1/p' "$src/debian/libipcx0.symbols" | sort >"$T/listed"
expect "debian/libipcx0.symbols lists exactly the exported symbols" \
	"$(comm -3 "$T/have" "$T/listed")" ""
ver=$(meson introspect --projectinfo "$build" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
expect "debian/changelog's version is the project's" \
	"$(sed -n '1s/^ipcx (\([^)]*\)).*/\1/p' "$src/debian/changelog")" "$ver"

# Every installed file matches a line of one package's .install file (the
# Python package is pybuild's, outside meson).
DESTDIR=$T/d meson install -C "$build" --no-rebuild --quiet >/dev/null 2>&1
(cd "$T/d" && find . ! -type d | sed 's|^\./||' | sed "s|^$(cd "$T/d" && ls -d usr/local 2>/dev/null || echo usr)/|usr/|") |
	sort >"$T/installed"
missing=""
while read -r f; do
	hit=""
	for p in "$src"/debian/*.install; do
		while read -r pat; do
			case $f in $pat | $pat/*) hit=1 ;; esac
		done <"$p"
	done
	[ -n "$hit" ] || missing="$missing $f"
done <"$T/installed"
expect "every installed file is in a package" "$missing" ""
finish
