#!/bin/sh
# Hardening at the tool's edge: memory that vanishes, signals, symlinks,
# limits named, cleanup that keeps live data (issue 13's cases).
. "$(dirname "$0")/lib.sh"

root() { [ "$(id -u)" = 0 ]; }

# ---- memory that vanishes ---------------------------------------------------
# A /dev/shm with 1 MiB, in a private mount namespace.
if root && unshare --mount true 2>/dev/null; then
	cat >"$T/smallshm.sh" <<'EOS'
set -u
mount -t tmpfs -o size=1M,mode=1777 ipcx-test /dev/shm || exit 99
"$IPCX" shm posixshm:/big create --size 4M 2>"$T/e1"
echo "create=$?"
"$IPCX" recv --timeout 100 'posixshm:/ring?size=4M' 2>"$T/e2"
echo "ring=$?"
echo "left=$(ls /dev/shm | wc -l)"
# An object made sparse by someone else, on a full /dev/shm.
python3 -c 'import os; fd = os.open("/dev/shm/sparse", os.O_CREAT | os.O_RDWR, 0o600); os.ftruncate(fd, 2 << 20)'
head -c 2M /dev/zero >/dev/shm/fill 2>/dev/null
head -c 4096 /dev/zero | "$IPCX" shm posixshm:/sparse write --offset 1M 2>"$T/e3"
echo "write=$?"
"$IPCX" send posixshm:/sparse hello 2>"$T/e4"
echo "send=$?"
EOS
	IPCX="$IPCX" T="$T" unshare --mount sh "$T/smallshm.sh" >"$T/small" 2>&1
	contains "create on a full /dev/shm fails at once" "$T/small" "create=1"
	contains "...naming the cause" "$T/e1" "no room for 4194304 bytes"
	contains "a ring too big for /dev/shm fails at creation" "$T/small" "ring=1"
	contains "...naming the cause" "$T/e2" "no room"
	contains "...leaving nothing in /dev/shm" "$T/small" "left=0"
	contains "shm write into an unbacked page: an error, not SIGBUS" "$T/small" "write=1"
	contains "...saying why" "$T/e3" "SIGBUS"
	contains "a ring sender on it: an error, not SIGBUS" "$T/small" "send=1"
	contains "...saying why" "$T/e4" "SIGBUS"
else
	ok "# SKIP a small /dev/shm needs root and unshare --mount"
fi

# ---- errors at the right time, naming the limit ----------------------------
SVK=$(printf '0x4f%06x' $(($$ & 0xffffff)))
for a in "posixshm:/ipcx-small-$$" "mmap:$T/small.map" "sysvshm:$SVK"; do
	for size in 64 100; do
		status "a ring of $size bytes is refused ($a)" 1 \
			"$IPCX" recv --timeout 100 "$a?size=$size"
		contains "...saying so" "$T/err" "too small for a ring"
	done
done
expect "...leaving no /dev/shm object" "$(ls /dev/shm | grep -c "ipcx-small-$$")" "0"
expect "...no mmap file" "$(ls "$T" | grep -c small.map)" "0"
expect "...no System V segment" "$(ipcs -m | grep -c "$SVK")" "0"

finish
