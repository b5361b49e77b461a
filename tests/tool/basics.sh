#!/bin/sh
# The command line itself: help, usage errors, exit statuses, info.
. "$(dirname "$0")/lib.sh"

status "--help exits 0" 0 "$IPCX" --help
contains "--help lists the commands" "$T/out" "relay"
status "no command is a usage error" 2 "$IPCX"
status "an unknown command is a usage error" 2 "$IPCX" frobnicate
contains "...and names it" "$T/err" "frobnicate"
for c in info send recv relay serve; do
	"$IPCX" help $c >"$T/a" 2>&1
	"$IPCX" $c --help >"$T/b" 2>&1
	if cmp -s "$T/a" "$T/b" && [ -s "$T/a" ]; then
		ok "help $c = $c --help"
	else bad "help $c = $c --help"; fi
done

status "send without an address" 2 "$IPCX" send
status "recv with two addresses" 2 "$IPCX" recv unix:/a unix:/b
status "relay with one address" 2 "$IPCX" relay stdio:
status "a bad option" 2 "$IPCX" recv --frob unix:/x
expect "...one line naming it, then the Try line" "$(cat "$T/err")" \
	"ipcx recv: unrecognized option '--frob'
Try 'ipcx recv --help'."
status "a bad short option" 2 "$IPCX" ls -q
expect "...one line" "$(head -1 "$T/err")" "ipcx ls: invalid option -- 'q'"
status "a missing option argument" 2 "$IPCX" ls --output
expect "...one line" "$(head -1 "$T/err")" \
	"ipcx ls: option '--output' requires an argument"
status "an argument to a flag" 2 "$IPCX" ls --json=1
expect "...one line" "$(head -1 "$T/err")" \
	"ipcx ls: option '--json' doesn't allow an argument"
for c in info send recv relay serve shm sem lock ls rm bench; do
	"$IPCX" $c --version >"$T/a" 2>&1 && "$IPCX" $c -V >"$T/b" 2>&1 &&
		grep -qx "ipcx [0-9][0-9.]*" "$T/a" && cmp -s "$T/a" "$T/b" &&
		"$IPCX" $c --help | grep -q -- "-V, --version" &&
		ok "$c --version and -V (in its --help)" ||
		bad "$c --version and -V (in its --help)"
done
status "an unknown scheme" 2 "$IPCX" send "nosuch:x" hi
contains "...named with the address" "$T/err" "unknown scheme 'nosuch' in 'nosuch:x'"
status "an unknown option" 2 "$IPCX" send "unix:$T/s?sise=1" hi
contains "...quoted" "$T/err" "unknown option 'sise' in 'unix:$T/s?sise=1'"
status "a flag that does not apply" 2 "$IPCX" send --type 3 "unix:$T/s" hi
contains "...says so" "$T/err" "option 'type' does not apply to unix"
status "a missing socket is a runtime failure" 1 "$IPCX" send "unix:$T/none" hi
contains "...naming the address" "$T/err" "ipcx: unix:$T/none: no such socket"
status "send never creates a FIFO" 1 "$IPCX" send "fifo:$T/none" hi
contains "...and says how to" "$T/err" "no such FIFO"
[ ! -e "$T/none" ] && ok "...and nothing was created" || bad "...and nothing was created"
status "a timeout with nothing done exits 3" 3 "$IPCX" recv --timeout 100 "unix-dgram:$T/d"
contains "...saying so" "$T/err" "timed out after 100 ms"
[ ! -e "$T/d" ] && ok "recv removed the socket it created" || bad "recv removed the socket it created"
status "nonblock with nothing there exits 1" 1 "$IPCX" recv --nonblock "unix-dgram:$T/d"

status "info" 0 "$IPCX" info
for s in pipe fifo unix unix-dgram unix-seqpacket tcp udp sysvmq posixmq sysvshm posixshm anon mmap sysvsem posixsem flock fcntl signal pty exec stdio fd zmq; do
	grep -q "^$s " "$T/out" && ok "info lists $s" || bad "info lists $s"
done
status "info -J" 0 "$IPCX" info -J
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["facilities"]) == 23; assert any(l["limit"] == "pipe capacity" and l["value"] > 0 for l in d["limits"])' "$T/out"; then
	ok "info -J is one JSON document with facilities and limits"
else bad "info -J is one JSON document with facilities and limits"; fi
status "info -o -n -r" 0 "$IPCX" info -n -r -o SCHEME,SEMANTICS udp tcp
expect "...prints the chosen columns" "$(cat "$T/out")" "udp message
tcp byte\\x20stream"
expect "info -o SCHEME,ROLES: what each scheme's addresses open" \
	"$("$IPCX" info -n -r -o SCHEME,ROLES posixshm posixsem flock pipe)" \
	"posixshm channel\\x20region
posixsem sem
flock lock
pipe channel"
status "info -l" 0 "$IPCX" info -l pipe
contains "...shows pipe-max-size" "$T/out" "/proc/sys/fs/pipe-max-size"
# USED: how many System V segments exist, as ipcs -m counts them.
segs=$(ipcs -m | grep -c '^0x')
expect "info -l: USED of SHMMNI is what ipcs -m lists" \
	"$("$IPCX" info -l -r -n -o LIMIT,USED sysvshm | sed -n 's/^segments\\x20on\\x20the\\x20system\\x20(SHMMNI) //p')" "$segs"
status "info -l and -O together" 2 "$IPCX" info -l -O
status "info of an unknown scheme" 2 "$IPCX" info nosuch
status "info with an unknown column" 2 "$IPCX" info -o NOPE
finish
