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
env PYTHONPATH="$out" PYTHONDONTWRITEBYTECODE=1 \
	$PY -m pytest -q -p no:cacheprovider "$@" tests &
pid=$!
st=0
wait $pid || st=$?
# What a test ended by the watchdog could not remove: its names carry
# pytest's pid (POSIX objects, and the System V keys of conftest.py).
for f in /dev/shm/*ipcx-py-$pid-*; do
	[ -e "$f" ] && rm -f "$f"
done
"$IPCX" ls -r -n -o ADDRESS posixmq 2>/dev/null | grep "^posixmq:/ipcx-py-$pid-" |
	while read -r q; do "$IPCX" rm "$q" || :; done
for k in $(printf '0x5c%06x 0x5d%06x' $((pid & 0xfffff)) $((pid & 0xfffff))); do
	ipcrm -Q "$k" 2>/dev/null || :
done
[ "$st" = 0 ] || exit "$st"

# The type hints, checked (py.typed promises them).
if command -v mypy >/dev/null; then
	(cd "$out" && mypy --ignore-missing-imports --no-error-summary ipcx) ||
		{ echo "python: mypy finds the type hints wrong" >&2; exit 1; }
else
	echo "python: type hints not checked: no mypy" >&2
fi

# pip install ./python, offline, into a virtual environment (Debian's cffi
# and setuptools from the system), then used from elsewhere.
if ! $PY -c 'import venv, ensurepip' 2>/dev/null; then
	echo "python: pip install not tried: no python3-venv" >&2
	exit 0
fi
mkdir "$out/pkg"
cp -r "$src/python/ipcx" "$src/python/setup.py" "$src/python/pyproject.toml" \
	"$src/python/README.md" "$out/pkg/"
$PY -m venv --system-site-packages "$out/venv"
PKG_CONFIG_PATH=$build/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
	PIP_NO_INDEX=1 "$out/venv/bin/pip" install -q --no-build-isolation \
	"$out/pkg" >pip.log 2>&1 || { cat pip.log >&2; exit 1; }
cd /
env -u PYTHONPATH -u LD_LIBRARY_PATH "$out/venv/bin/python" -c '
import ipcx, sys
assert ipcx.__file__.startswith(sys.prefix), ipcx.__file__
a, b = ipcx.pair("unix-seqpacket")
a.send(b"installed")
assert b.recv() == b"installed"
print("python: pip install ./python: ipcx", ipcx.__version__, "works from",
      sys.prefix)
'
