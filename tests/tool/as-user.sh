#!/bin/sh
# The tool's tests once more as an unprivileged user (nobody), when the
# suite runs as root: nothing they check may need root or assume that the
# owner of what they make is root (what does need root skips, saying so).
# One TAP line per script.  Usage: as-user.sh SCRIPT... (names in
# tests/tool), with the environment of the tool tests.
set -u
SRC=${SRCDIR:?set SRCDIR}
n=0
fails=0
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP not root: the tool tests already ran unprivileged"
	exit 0
fi
if ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	echo "1..0 # SKIP no setpriv(1) or no user nobody to run them as"
	exit 0
fi
AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
# The build and the sources must be reachable by nobody (a checkout
# under a private home is not).
if ! $AS test -x "$IPCX" || ! $AS test -r "$SRC/tests/tool/lib.sh"; then
	echo "1..0 # SKIP the build or the sources are not readable by nobody"
	exit 0
fi
log=$(mktemp -d /tmp/ipcx-as-user-XXXXXX)
chmod 755 "$log"
trap 'rm -rf "$log"' EXIT
for t in "$@"; do
	n=$((n + 1))
	$AS env -i PATH="$PATH" HOME=/tmp LANG=C.UTF-8 IPCX="$IPCX" \
		MQPEER="${MQPEER-}" OBJPEER="${OBJPEER-}" ZMQPEER="${ZMQPEER-}" \
		SRCDIR="$SRC" CONFORMANCE="${CONFORMANCE-}" \
		sh "$SRC/tests/tool/$t.sh" >"$log/$t" 2>&1
	st=$?
	passed=$(grep -c "^ok " "$log/$t")
	skipped=$(grep -c "^ok .*# SKIP" "$log/$t")
	failed=$(grep -c "^not ok " "$log/$t")
	if [ $st -eq 0 ] && [ "$failed" -eq 0 ]; then
		echo "ok $n - tool-$t as nobody: $passed passed ($skipped skipped)"
		grep "# SKIP" "$log/$t" | sed 's/^/#   /'
	else
		fails=$((fails + 1))
		echo "not ok $n - tool-$t as nobody (exit $st): $failed failed"
		grep -A6 "^not ok " "$log/$t" | head -40 | sed 's/^/#   /'
	fi
done
echo "1..$n"
[ $fails -eq 0 ]
