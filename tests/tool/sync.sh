#!/bin/sh
# Semaphores, file locks and signals from the shell, against flock(1),
# Python's fcntl and sysv_ipc, and the shell's kill.
. "$(dirname "$0")/lib.sh"
K=$(printf '0x5c%06x' $(($$ & 0xffffff)))
S=/ipcx-tool-$$-sem
L=$T/lockfile
sclean() {
	ipcrm -S "$K" 2>/dev/null
	rm -f "/dev/shm/sem.${S#/}"
}
trap 'sclean; cleanup' EXIT

# ---- semaphores ----------------------------------------------------------
for a in "posixsem:$S" "sysvsem:$K"; do
	status "$a: get of a missing one" 1 "$IPCX" sem "$a" get
	contains "...says so" "$T/err" "no such semaphore"
	status "$a: create --value 2" 0 "$IPCX" sem "$a" create --value 2
	status "$a: create again fails" 1 "$IPCX" sem "$a" create
	"$IPCX" sem "$a" get >"$T/v"
	expect "$a: get" "$(cat "$T/v")" "2"
	status "$a: wait" 0 "$IPCX" sem "$a" wait
	status "$a: trywait" 0 "$IPCX" sem "$a" trywait
	status "$a: trywait at 0 fails" 1 "$IPCX" sem "$a" trywait
	contains "...saying why" "$T/err" "value is 0"
	status "$a: wait --timeout runs out (exit 3)" 3 "$IPCX" sem "$a" wait --timeout 100
	# A post from a command that has exited is kept.
	status "$a: post" 0 "$IPCX" sem "$a" post
	expect "$a: ...and kept after exit" "$("$IPCX" sem "$a" get)" "1"
	# A waiter is woken by a later post.
	"$IPCX" sem "$a" wait --timeout 5000 >/dev/null 2>&1 &
	w1=$!
	"$IPCX" sem "$a" wait --timeout 5000 >/dev/null 2>&1 &
	w2=$!
	sleep 0.2
	"$IPCX" sem "$a" post
	wait $w1
	s1=$?
	wait $w2
	s2=$?
	expect "$a: two waiters, two posts in all: both return 0" "$s1 $s2" "0 0"
	status "$a: rm" 0 "$IPCX" sem "$a" rm
	status "$a: rm again fails" 1 "$IPCX" sem "$a" rm
done
"$IPCX" sem "posixsem:$S" create
expect "posixsem is created with mode 0600" "$(stat -c %a "/dev/shm/sem.${S#/}")" "600"
"$IPCX" sem "posixsem:$S" rm
"$IPCX" sem "sysvsem:$K" create
expect "sysvsem is created with mode 0600" "$(ipcs -s | awk -v k="$K" '$1 == k {print $4}')" "600"
# Python's sysv_ipc (Debian's python3-sysv-ipc, which make installs).
/usr/bin/python3 - "$K" <<'EOF'
import sys, sysv_ipc
sysv_ipc.Semaphore(int(sys.argv[1], 16)).release()
EOF
expect "a sysv_ipc release shows in get" "$("$IPCX" sem "sysvsem:$K" get)" "1"
"$IPCX" sem "sysvsem:$K" post
if /usr/bin/python3 - "$K" <<'EOF'; then ok "sysv_ipc acquires what ipcx posted"; else bad "sysv_ipc acquires what ipcx posted"; fi
import sys, sysv_ipc
s = sysv_ipc.Semaphore(int(sys.argv[1], 16))
s.acquire(1)
s.acquire(1)
assert s.value == 0
EOF
"$IPCX" sem "sysvsem:$K" rm
status "sem on a queue address is a usage error" 2 "$IPCX" sem "sysvmq:$K" get
status "sem with an unknown action" 2 "$IPCX" sem "posixsem:$S" frob
status "sem with a bad value" 2 "$IPCX" sem "posixsem:$S" create --value -1

# ---- locks -----------------------------------------------------------------
status "lock runs the command and passes its status" 7 "$IPCX" lock "flock:$L" -- sh -c 'exit 7'
expect "...creating the file 0600" "$(stat -c %a "$L")" "600"
status "lock -c LINE" 0 "$IPCX" lock "flock:$L" -c "echo ran >'$T/c'"
expect "...runs it with sh -c" "$(cat "$T/c")" "ran"
status "a command killed by a signal: 128+N" 143 "$IPCX" lock "flock:$L" -- sh -c 'kill -TERM $$'
status "a command that does not exist: 127" 127 "$IPCX" lock "flock:$L" -- /nonexistent/cmd
# flock(1) holds it: ipcx waits, or not.
flock "$L" sleep 1 &
fl=$!
wait_for "grep -q FLOCK /proc/locks"
sleep 0.1
status "flock(1) holds it: lock -n fails with 1" 1 "$IPCX" lock -n "flock:$L" true
contains "...naming the holder" "$T/err" "held by pid"
status "...-E sets the status" 9 "$IPCX" lock -n -E 9 "flock:$L" true
status "...-w 0.2 runs out" 1 "$IPCX" lock -w 0.2 "flock:$L" true
status "...-s conflicts with an exclusive holder" 1 "$IPCX" lock -s -n "flock:$L" true
status "...-w 5 gets it when flock(1) lets go" 0 "$IPCX" lock -w 5 "flock:$L" true
wait $fl
# ipcx holds it: flock(1) and Python cannot take it.
"$IPCX" lock "flock:$L" sleep 1 &
il=$!
wait_for "grep -q FLOCK /proc/locks"
status "ipcx holds it: flock -n fails" 1 flock -n "$L" true
if python3 - "$L" <<'EOF'; then ok "...Python's fcntl.flock too"; else bad "...Python's fcntl.flock too"; fi
import fcntl, sys
f = open(sys.argv[1])
try:
    fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
    sys.exit(1)
except BlockingIOError:
    pass
EOF
wait $il
# Shared holders share.
"$IPCX" lock -s "flock:$L" sleep 1 &
il=$!
wait_for "grep -q FLOCK /proc/locks"
status "two shared holders" 0 "$IPCX" lock -s -n "flock:$L" true
status "...but not an exclusive one" 1 "$IPCX" lock -n "flock:$L" true
wait $il
# fcntl record locks against Python's lockf (POSIX locks).
python3 - "$L" <<'EOF' &
import fcntl, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX, 10, 0)
time.sleep(1)
EOF
pl=$!
wait_for "grep -q POSIX /proc/locks"
status "Python holds bytes 0-9: fcntl lock of 5-14 fails" 1 "$IPCX" lock -n "fcntl:$L?start=5&len=10" true
contains "...naming the Python pid" "$T/err" "by pid $pl"
status "...bytes 10-19 are free" 0 "$IPCX" lock -n "fcntl:$L?start=10&len=10" true
status "...and an OFD lock conflicts too" 1 "$IPCX" lock -n "fcntl:$L?ofd=1" true
wait $pl
"$IPCX" lock "fcntl:$L?len=100" sleep 1 &
il=$!
wait_for "grep -q POSIX /proc/locks"
if python3 - "$L" <<'EOF'; then ok "ipcx holds an fcntl lock: Python's lockf cannot"; else bad "ipcx holds an fcntl lock: Python's lockf cannot"; fi
import fcntl, sys
f = open(sys.argv[1], "r+")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 50)
    sys.exit(1)
except OSError:
    pass
EOF
wait $il
status "lock on a non-lock address is a usage error" 2 "$IPCX" lock "posixsem:$S" true
status "lock without a command is a usage error" 2 "$IPCX" lock "flock:$L"
status "lock of a directory fails" 1 "$IPCX" lock "flock:$T" true
contains "...saying why" "$T/err" "not a regular file"

# ---- signals ---------------------------------------------------------------
"$IPCX" recv -v -n 3 --json "signal:self?sig=RTMIN+1" >"$T/sig" 2>"$T/sigerr" &
r=$!
wait_for "grep -q 'listening on' '$T/sigerr'"
contains "recv -v names the pid and signal" "$T/sigerr" "listening on signal:$r?sig="
"$IPCX" send "signal:$r?sig=RTMIN+1" 42
"$IPCX" send "signal:$r?sig=SIGRTMIN+1" -- -7
"$IPCX" send "signal:$r?sig=$(($(kill -l RTMIN 2>/dev/null || echo 34) + 1))" 99
wait $r
expect "realtime signals arrive in order with their values" \
	"$(sed 's/"pid":[0-9]*/"pid":P/' "$T/sig")" \
	'{"data":"42","size":2,"type":35,"pid":P,"uid":'"$(id -u)"'}
{"data":"-7","size":2,"type":35,"pid":P,"uid":'"$(id -u)"'}
{"data":"99","size":2,"type":35,"pid":P,"uid":'"$(id -u)"'}'
"$IPCX" recv -v -n 1 "signal:self?sig=USR1" >"$T/sig" 2>"$T/sigerr" &
r=$!
wait_for "grep -q 'listening on' '$T/sigerr'"
kill -USR1 $r
wait $r
expect "the shell's kill -USR1 arrives (value 0)" "$(cat "$T/sig")" "0"
status "a value that is not an int" 1 "$IPCX" send "signal:$$?sig=RTMIN+3" abc
contains "...is refused" "$T/err" "not one"
status "a bad signal name is a usage error" 2 "$IPCX" send "signal:$$?sig=NOPE" 1
status "recv of another process's signals is refused" 1 "$IPCX" recv "signal:1"
"$IPCX" info -l signal sysvsem >"$T/info"
contains "info shows RLIMIT_SIGPENDING" "$T/info" "RLIMIT_SIGPENDING"
contains "info shows SEMMNI" "$T/info" "SEMMNI"
finish
