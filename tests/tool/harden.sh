#!/bin/sh
# Hardening at the tool's edge: memory that vanishes, signals, symlinks,
# limits named, cleanup that keeps live data (issue 13's cases).
. "$(dirname "$0")/lib.sh"

root() { [ "$(id -u)" = 0 ]; }

# key HH: a System V key of this run (HH, then the pid's low 24 bits).
key() { printf '0x%s%06x' "$1" $(($$ & 0xffffff)); }

# ends_on_term DESC PID: PID, sent SIGTERM, dies of it within a second.
ends_on_term() {
	kill -TERM "$2"
	t0=$(date +%s%N)
	wait "$2"
	st=$?
	t1=$(date +%s%N)
	expect "$1 ends on SIGTERM (143)" "$st" "143"
	ms=$(((t1 - t0) / 1000000))
	[ $ms -lt 1000 ] && ok "...within a second" || bad "...within a second ($ms ms)"
}

# Every object a section makes is added here and removed at exit, also
# when a check fails (the old code under test may leave them).
OBJS=""
trap 'for o in $OBJS; do "$IPCX" rm -f "$o" >/dev/null 2>&1; done; cleanup' EXIT

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

# ---- nothing taken is lost at the tool's edge --------------------------------
Q="sysvmq:$(key 50)"
PQ="posixmq:/ipcx-harden-$$"
R="posixshm:/ipcx-harden-$$"
OBJS="$OBJS $Q $PQ $R"
# relay -u QUEUE unix:PATH whose server is gone: the message goes back.
for src in "$Q" "$PQ"; do
	"$IPCX" recv --timeout 1 "$src" 2>/dev/null
	"$IPCX" recv "unix:$T/srv" >/dev/null 2>&1 &
	srv=$!
	wait_for "[ -S '$T/srv' ]"
	"$IPCX" relay -u "$src" "unix:$T/srv" 2>"$T/relay.err" &
	rl=$!
	wait_for "ss -Hx state connected | grep -q '$T/srv'"
	kill -9 $srv
	wait $srv 2>/dev/null
	case $src in
	sysvmq:*) meta='"type":5' ; set -- --type 5 ;;
	*) meta='"prio":3' ; set -- --prio 3 ;;
	esac
	"$IPCX" send "$@" "$src" "precious $src"
	wait $rl
	expect "relay whose far side died exits 1 ($src)" "$?" "1"
	contains "...saying why" "$T/relay.err" "unix:$T/srv"
	contains "...and that the message went back" "$T/relay.err" "put back"
	"$IPCX" recv --json -n 1 --nonblock "$src" >"$T/back"
	contains "...where it is, whole" "$T/back" "\"data\":\"precious $src\""
	contains "...with its $meta" "$T/back" "$meta"
	rm -f "$T/srv"
done
# Not a queue: the message goes to --dead-letter FILE, else to stderr.
for dl in yes no link; do
	rm -f "$T/dead" "$T/victim"
	"$IPCX" recv "unix:$T/srv" >/dev/null 2>&1 &
	srv=$!
	wait_for "[ -S '$T/srv' ]"
	case $dl in
	yes) set -- --dead-letter "$T/dead" ;;
	link) : >"$T/victim"; ln -s "$T/victim" "$T/dead"; set -- --dead-letter "$T/dead" ;;
	no) set -- ;;
	esac
	"$IPCX" relay "$@" -u "unix-dgram:$T/dg?listen=1" "unix:$T/srv" 2>"$T/relay.err" &
	rl=$!
	wait_for "[ -S '$T/dg' ] && ss -Hx state connected | grep -q '$T/srv'"
	kill -9 $srv
	wait $srv 2>/dev/null
	"$IPCX" send "unix-dgram:$T/dg" "lost? $dl"
	wait $rl
	expect "relay from a socket, far side dead, exits 1 (dead letter: $dl)" "$?" "1"
	case $dl in
	yes) contains "...the message is in the dead-letter file" "$T/dead" '{"data":"lost? yes","size":9,'
	     expect "...which is 0600" "$(stat -c %a "$T/dead")" "600" ;;
	no) contains "...the message is on stderr" "$T/relay.err" '{"data":"lost? no","size":8,' ;;
	link) contains "...a dead-letter symlink is not followed" "$T/relay.err" "--dead-letter"
	      expect "...the victim untouched" "$(wc -c <"$T/victim")" "0"
	      contains "...and the message is on stderr instead" "$T/relay.err" '{"data":"lost? link"' ;;
	esac
	rm -f "$T/srv" "$T/dg"
done

# SIGTERM ends the tool between messages, at once, wherever it waits.
for a in "$Q" "$PQ" "$R?size=64K" "fifo:$T/fifo" "unix:$T/u"; do
	"$IPCX" recv "$a" >/dev/null 2>"$T/err" &
	p=$!
	sleep 0.2
	ends_on_term "recv $a" $p
done
expect "a FIFO recv created while it waited for a writer is removed" "$(ls "$T" | grep -c '^fifo$')" "0"
expect "a UNIX socket path it created is removed" "$(ls "$T" | grep -c '^u$')" "0"
"$IPCX" recv "unix-dgram:$T/dgr" >/dev/null 2>&1 &
dgr=$!
wait_for "[ -S '$T/dgr' ]"
"$IPCX" relay -u "$Q" "unix-dgram:$T/dgr" 2>"$T/err" &
p=$!
sleep 0.2
ends_on_term "relay from a System V queue (a thread waits in msgrcv)" $p
kill $dgr 2>/dev/null
wait $dgr 2>/dev/null

# A ring whose sender was killed: the next receiver waits for the next one.
"$IPCX" recv --timeout 1 "$R?size=64K" 2>/dev/null
mkfifo "$T/in"
"$IPCX" send "$R" <"$T/in" &
snd=$!
exec 7>"$T/in"
echo first >&7
wait_for "\"$IPCX\" ls -n -o HOLDERS 'posixshm:/ipcx-harden-$$' 2>/dev/null | grep -q ipcx"
sleep 0.3
kill -9 $snd
wait $snd 2>/dev/null
exec 7>&-
expect "after kill -9 of a ring's sender its message is there" "$("$IPCX" recv -n 1 "$R")" "first"
status "...and the next receiver waits (a timeout, not 'peer died')" 3 "$IPCX" recv --timeout 300 "$R"
( sleep 0.3; "$IPCX" send "$R" second ) &
expect "...for the next sender" "$("$IPCX" recv -n 1 --timeout 5000 "$R")" "second"

# ---- messages: an address's control bytes are escaped ----------------------
esc=$(printf '\033')
bad_addr=$(printf 'fifo:%s/no/a\033[31mred\nline2' "$T")
status "an address with ESC and a newline: an error" 1 "$IPCX" recv --timeout 10 "$bad_addr"
expect "...in one line" "$(wc -l <"$T/err")" "1"
contains "...ESC written \\x1b" "$T/err" 'a\x1b[31mred\x0aline2'
expect "...no raw ESC reaches the terminal" "$(grep -c "$esc" "$T/err")" "0"
status "a usage error quoting a bad value" 2 "$IPCX" recv -n "$(printf '\033[2J')" "fifo:$T/f"
expect "...no raw ESC" "$(grep -c "$esc" "$T/err")" "0"
contains "...escaped" "$T/err" "'\x1b[2J'"
status "an unknown scheme with ESC" 2 "$IPCX" send "$(printf 'bo\033gus:x')" x
expect "...no raw ESC" "$(grep -c "$esc" "$T/err")" "0"

# ---- cleanup that never deletes live data ------------------------------------
# A program keeps an object between its runs (closed in between): the
# cleanup, run between two runs, leaves it.
KEEP="posixshm:/ipcx-keep-$$"
SEMK="sysvsem:$(key 52)"
RING="posixshm:/ipcx-deadring-$$"
OBJS="$OBJS $KEEP $SEMK $RING"
run_keeper() { # the program: count its runs in the object
	"$IPCX" shm "$KEEP" create --size 4K 2>/dev/null
	c=$("$IPCX" shm "$KEEP" read --length 8 | tr -d '\0')
	printf '%08d' $((${c:-0} + 1)) | "$IPCX" shm "$KEEP" write
}
run_keeper
"$IPCX" sem "$SEMK" create --value 1
"$IPCX" rm --stale --dry-run >"$T/dry" 2>/dev/null
if grep -q "ipcx-keep-$$\|$SEMK" "$T/dry"; then bad "rm --stale --dry-run names neither a program's kept shm nor a fresh semaphore set"; else
	ok "rm --stale --dry-run names neither a program's kept shm nor a fresh semaphore set"; fi
"$IPCX" rm --stale >/dev/null 2>&1
"$IPCX" rm --stale --unheld >/dev/null 2>&1
run_keeper
expect "...rm --stale and rm --stale --unheld (default age) leave them: the program's second run counts 2" \
	"$("$IPCX" shm "$KEEP" read --length 8 | tr -d '\0')" "00000002"
"$IPCX" ls -r -n -o ADDRESS,STALE,UNHELD posixshm sysvsem >"$T/ls" 2>/dev/null
contains "...the kept object is listed unheld, not stale" "$T/ls" "$KEEP  yes"
"$IPCX" ls --stale --older-than 0 -r -n -o ADDRESS sysvsem >"$T/ls" 2>/dev/null
contains "...the semaphore set's creator is dead: stale with --older-than 0" "$T/ls" "$SEMK"
"$IPCX" ls --stale --older-than 0 -r -n -o ADDRESS posixshm >"$T/ls" 2>/dev/null
if grep -q "ipcx-keep-$$" "$T/ls"; then bad "...an unheld object is never stale, whatever its age"; else
	ok "...an unheld object is never stale, whatever its age"; fi
sleep 1.1
status "rm --unheld --older-than 1s: asked for explicitly" 0 "$IPCX" rm --unheld --older-than 1s -v posixshm
contains "...removes it" "$T/out" "removed $KEEP"
status "--older-than alone is a usage error" 2 "$IPCX" rm --older-than 1h
status "a bad age is a usage error" 2 "$IPCX" ls --stale --older-than 1y
# A ring records who used it: all dead (SIGKILL), it is stale; one alive,
# it is not.
"$IPCX" recv --timeout 1 "$RING?size=64K" 2>/dev/null
"$IPCX" recv "$RING" >/dev/null 2>&1 &
rcv=$!
wait_for "\"$IPCX\" ls -n -o HOLDERS '$RING' 2>/dev/null | grep -q ipcx"
"$IPCX" send "$RING" hello
kill -STOP $rcv
"$IPCX" ls --stale --older-than 0 -r -n -o ADDRESS posixshm >"$T/ls" 2>/dev/null
if grep -q "ipcx-deadring-$$" "$T/ls"; then bad "a ring whose receiver lives is not stale"; else
	ok "a ring whose receiver lives is not stale"; fi
kill -9 $rcv
kill -CONT $rcv 2>/dev/null
wait $rcv 2>/dev/null
"$IPCX" ls -r -n -o ADDRESS,STALE,UNHELD posixshm >"$T/ls" 2>/dev/null
contains "...once every process it records is dead, it is stale (not unheld)" "$T/ls" "$RING yes"
status "...and rm --stale --older-than 0 removes it" 0 "$IPCX" rm --stale --older-than 0 -v posixshm
contains "...saying so" "$T/out" "removed $RING"

# ---- errors at the right time, naming the limit ----------------------------
SVK="$(key 4f)"
OBJS="$OBJS posixshm:/ipcx-small-$$ sysvshm:$SVK"
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

# Kernel limits exhausted, each in a private IPC namespace: the error
# names the limit and its file, at once (a message that can never fit a
# queue does not wait forever).
if root && unshare --ipc true 2>/dev/null; then
	cat >"$T/limits.sh" <<'EOS'
set -u
I=$IPCX
echo 1 >/proc/sys/kernel/msgmni
$I recv --timeout 1 sysvmq:0x10 2>/dev/null
$I recv --timeout 1 sysvmq:0x11 2>"$T/l.msgmni"; echo "msgmni=$?"
$I rm sysvmq:0x10
echo 256 >/proc/sys/kernel/msgmnb
$I recv --timeout 1 sysvmq:0x12 2>/dev/null
timeout 5 $I send sysvmq:0x12 "$(head -c 300 /dev/zero | tr '\0' x)" 2>"$T/l.msgmnb"; echo "msgmnb=$?"
$I send sysvmq:0x12 "$(head -c 200 /dev/zero | tr '\0' y)"; echo "fits=$?"
$I rm sysvmq:0x12
echo 1 >/proc/sys/kernel/shmmni
$I shm sysvshm:0x20 create --size 4K
$I shm sysvshm:0x21 create --size 4K 2>"$T/l.shmmni"; echo "shmmni=$?"
$I shm sysvshm:0x20 rm
echo 8192 >/proc/sys/kernel/shmmax
$I shm sysvshm:0x22 create --size 16K 2>"$T/l.shmmax"; echo "shmmax=$?"
echo "250 32000 32 1" >/proc/sys/kernel/sem
$I sem sysvsem:0x30 create 2>/dev/null
$I sem sysvsem:0x31 create 2>"$T/l.semmni"; echo "semmni=$?"
$I rm sysvsem:0x30
echo 1 >/proc/sys/fs/mqueue/queues_max
# root ignores queues_max unless it gives up CAP_SYS_RESOURCE.
setpriv --bounding-set -sys_resource --inh-caps -sys_resource sh -c "
$I recv --timeout 1 posixmq:/lim-a 2>/dev/null
$I recv --timeout 1 posixmq:/lim-b 2>'$T/l.queues'; echo \"queues_max=\$?\"
$I rm posixmq:/lim-a posixmq:/lim-b 2>/dev/null"
echo "left=$(ipcs -a | grep -c '^0x')"
EOS
	IPCX="$IPCX" T="$T" unshare --ipc sh "$T/limits.sh" >"$T/limits" 2>&1
	for l in msgmni msgmnb shmmni shmmax semmni queues_max; do
		contains "$l exhausted: exit 1" "$T/limits" "$l=1"
	done
	contains "...msgmni named" "$T/l.msgmni" "msgmni = 1, /proc/sys/kernel/msgmni"
	contains "...a message over msgmnb fails at once, named" "$T/l.msgmnb" "msgmnb = 256, /proc/sys/kernel/msgmnb"
	contains "...one that fits still goes" "$T/limits" "fits=0"
	contains "...shmmni named" "$T/l.shmmni" "shmmni = 1, /proc/sys/kernel/shmmni"
	contains "...shmmax named" "$T/l.shmmax" "shmmax = 8192, /proc/sys/kernel/shmmax"
	contains "...semmni named" "$T/l.semmni" "SEMMNI 1 sets"
	contains "...queues_max named" "$T/l.queues" "queues_max = 1, /proc/sys/fs/mqueue/queues_max"
	contains "...and nothing left in the namespace" "$T/limits" "left=0"
else
	ok "# SKIP kernel limits need root and unshare --ipc"
fi

# Message types are > 0; a port is a port.
TQ="sysvmq:$(key 54)"
OBJS="$OBJS $TQ"
"$IPCX" recv --timeout 1 "$TQ" 2>/dev/null
status "send --type -1 is a usage error" 2 "$IPCX" send --type -1 "$TQ" a
contains "...saying what a type is" "$T/err" "from 1 to 2147483647"
status "send to sysvmq:K?type=0 is refused" 1 "$IPCX" send "$TQ?type=0" b
contains "...saying why" "$T/err" "sent with a type > 0"
status "send to sysvmq:K?type=-3 is refused" 1 "$IPCX" send "$TQ?type=-3" c
status "...and nothing was sent" 1 "$IPCX" recv --nonblock -n 1 "$TQ"
status "tcp:127.0.0.1:-1 is a usage error" 2 "$IPCX" send tcp:127.0.0.1:-1 x
contains "...about the port" "$T/err" "port -1 is out of range"

finish
