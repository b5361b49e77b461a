#!/bin/sh
# The Python package's tests (pytest) against this build's libipcx: the
# package is copied to BUILD/python, its cffi extension built there with
# pkg-config pointed at the uninstalled library, then pytest runs.
# Usage: run.sh SRCDIR BUILDDIR [pytest args]
set -eu
src=$1 build=$2
shift 2
PY=/usr/bin/python3
if ! $PY -c 'import cffi, pytest' 2>/dev/null; then
	echo "python: SKIP: no python3-cffi or python3-pytest for $PY" >&2
	exit 77
fi
out=$build/python
rm -rf "$out"
mkdir -p "$out"
cp -r "$src/python/ipcx" "$src/python/tests" "$src/python/setup.py" \
	"$src/python/pyproject.toml" "$out/"
cd "$out"
PKG_CONFIG_PATH=$build/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
	$PY setup.py -q build_ext --inplace >build.log 2>&1 ||
	{ cat build.log >&2; exit 1; }
exec env PYTHONPATH="$out" PYTHONDONTWRITEBYTECODE=1 \
	$PY -m pytest -q -p no:cacheprovider "$@" tests
