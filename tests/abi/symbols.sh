#!/bin/sh
# The shared library exports the ipcx_ API only, every symbol of it
# under the version node IPCX_1 (src/lib/libipcx.map).
set -u
lib=${1:?libipcx.so}
syms=$(readelf --dyn-syms -W "$lib" | awk '$7 != "UND" && $8 ~ /^ipcx/ {print $8}')
[ -n "$syms" ] || { echo "no ipcx symbols in $lib"; exit 1; }
bad=$(echo "$syms" | grep -v '^ipcx_[a-z].*@@IPCX_1$')
if [ -n "$bad" ]; then
	echo "exported without the version node IPCX_1, or internal:"
	echo "$bad"
	exit 1
fi
echo "$(echo "$syms" | wc -l) symbols, all ipcx_*@@IPCX_1"
