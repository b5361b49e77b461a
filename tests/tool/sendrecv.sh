#!/bin/sh
# send and recv as a user runs them, in two processes, on every facility.
. "$(dirname "$0")/lib.sh"

# unix: recv listens, serves one connection, removes its socket.
"$IPCX" recv "unix:$T/s" >"$T/r1" 2>"$T/e1" &
r=$!
wait_for "[ -S '$T/s' ]"
status "send unix" 0 "$IPCX" send "unix:$T/s" one two
wait $r
expect "recv unix prints each message and a newline" "$(cat "$T/r1")" "one
two"
[ ! -e "$T/s" ] && ok "recv removed its socket path" || bad "recv removed its socket path"
[ "$(stat -c %a "$T" 2>/dev/null)" ] && ok "scratch dir present" || bad "scratch dir"

# unix-dgram --json: sender pid and uid, and the sender's address.
"$IPCX" recv -n 2 --json "unix-dgram:$T/d" >"$T/r2" &
r=$!
wait_for "[ -S '$T/d' ]"
printf 'hello\nw\303\266rld\n' | "$IPCX" send "unix-dgram:$T/d"
wait $r
if python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["data"] for r in rows] == ["hello", "w\u00f6rld"], rows
assert rows[0]["size"] == 5 and rows[1]["size"] == 6
assert all(r["uid"] >= 0 and r["pid"] > 0 for r in rows)
assert rows[0]["from"].startswith("unix-dgram:@")
' "$T/r2"; then ok "recv --json unix-dgram: data, size, pid, uid, from"
else bad "recv --json unix-dgram"; cat "$T/r2"; fi

# A message that is not UTF-8 is base64 in JSON.
"$IPCX" recv -n 1 --json "unix-dgram:$T/d" >"$T/r2" &
r=$!
wait_for "[ -S '$T/d' ]"
printf '\377\000' | "$IPCX" send --raw "unix-dgram:$T/d"
wait $r
contains "binary data is data_base64" "$T/r2" '"data_base64":"/wA="'

# unix-seqpacket keeps boundaries; -0 separates with NUL.
"$IPCX" recv -n 3 -0 "unix-seqpacket:$T/q" >"$T/r3" &
r=$!
wait_for "[ -S '$T/q' ]"
printf 'a b\0c\nd\0e\0' | "$IPCX" send -0 "unix-seqpacket:$T/q"
wait $r
expect "seqpacket with -0 both ways" "$(od -An -c "$T/r3" | tr -s ' ')" \
	"$(printf 'a b\0c\nd\0e\0' | od -An -c | tr -s ' ')"

# fifo: recv creates it with mode 0600 and prints the stream as cat would.
"$IPCX" recv "fifo:$T/f" >"$T/r4" &
r=$!
wait_for "[ -p '$T/f' ]"
expect "recv created the FIFO 0600" "$(stat -c %a "$T/f")" "600"
printf 'x\ny\n' | "$IPCX" send "fifo:$T/f"
wait $r
expect "fifo carries the lines" "$(cat "$T/r4")" "x
y"
rm -f "$T/f"

# -n on a byte stream stops after that many lines and reads no further.
"$IPCX" recv -n 1 "fifo:$T/f2" >"$T/r5" &
r=$!
wait_for "[ -p '$T/f2' ]"
"$IPCX" send "fifo:$T/f2" first second
wait $r
expect "recv -n 1 on a stream: one line" "$(cat "$T/r5")" "first"
rm -f "$T/f2"

# tcp on port 0: -v says where; --raw copies bytes exactly.
head -c 1048576 /dev/urandom >"$T/blob"
"$IPCX" recv -v "tcp:127.0.0.1:0" >"$T/r6" 2>"$T/e6" &
r=$!
port=$(port_in "$T/e6")
status "send --raw a 1 MiB file over tcp" 0 "$IPCX" send --raw "tcp:127.0.0.1:$port" <"$T/blob"
wait $r
cmp -s "$T/blob" "$T/r6" && ok "tcp copy is byte-exact" || bad "tcp copy is byte-exact"

# udp over IPv6 loopback when there is one; -v prints the port.
if "$IPCX" recv --nonblock "udp:[::1]:0" 2>/dev/null; [ $? -ne 2 ]; then
	"$IPCX" recv -v -n 3 "udp:[::1]:0" >"$T/r7" 2>"$T/e7" &
	r=$!
	port=$(port_in "$T/e7")
	seq 3 | "$IPCX" send "udp:[::1]:$port"
	wait $r
	expect "udp: each line one datagram" "$(cat "$T/r7")" "1
2
3"
fi

# framing=length on a stream: messages with newlines inside survive.
"$IPCX" recv -n 2 --json "unix:$T/fr?framing=length" >"$T/r8" &
r=$!
wait_for "[ -S '$T/fr' ]"
"$IPCX" send "unix:$T/fr?framing=length" "$(printf 'two\nlines')" last
wait $r
contains "framed message keeps its newline" "$T/r8" '"data":"two\nlines"'

# -k: a listener that serves one connection after another.
"$IPCX" recv -k -n 2 "unix:$T/k" >"$T/r9" &
r=$!
wait_for "[ -S '$T/k' ]"
"$IPCX" send "unix:$T/k" first
"$IPCX" send "unix:$T/k" second
wait $r
expect "recv -k serves two connections" "$(cat "$T/r9")" "first
second"

# A timeout after some messages, short of -n, is a failure (1).
"$IPCX" recv -n 2 --timeout 300 "unix-dgram:$T/t" >"$T/r10" 2>"$T/e10" &
r=$!
wait_for "[ -S '$T/t' ]"
"$IPCX" send "unix-dgram:$T/t" only
wait $r
expect "timeout after 1 of 2 messages exits 1" "$?" "1"

# exec: recv reads the child's output; send writes its input.
expect "recv exec:" "$("$IPCX" recv exec:'printf "a?b&c\n"')" "a?b&c"
"$IPCX" send exec:"cat > '$T/x'" alpha beta
expect "send exec:" "$(cat "$T/x")" "alpha
beta"
expect "an exec: child's output goes to our stdout" \
	"$("$IPCX" send exec:'tr a-z A-Z' shout)" "SHOUT"

# pty: the command runs on a terminal (\r\n line ends).
expect "recv pty:" "$("$IPCX" recv pty:'echo on-a-tty; [ -t 1 ] && echo yes' | tr -d '\r')" "on-a-tty
yes"

# stdio: send writes our stdout, recv reads our stdin.
expect "send stdio:" "$("$IPCX" send stdio: hi there)" "hi
there"
expect "recv stdio:" "$(printf 'in\n' | "$IPCX" recv stdio:)" "in"

# SIGTERM still removes the socket recv made.
"$IPCX" recv "unix:$T/sig" >/dev/null 2>&1 &
r=$!
wait_for "[ -S '$T/sig' ]"
kill -TERM $r
wait $r
[ ! -e "$T/sig" ] && ok "recv killed by SIGTERM removes its socket" || bad "recv killed by SIGTERM removes its socket"

# ---- progress: --progress, and SIGUSR1 as dd(1) takes it -------------------
# SIGUSR1 prints the counters once, at any time (also while recv waits),
# and the transfer goes on byte-exact: a stream of 2 MB written slowly,
# with the receiver signalled again and again.
head -c 2000000 /dev/urandom >"$T/big"
"$IPCX" recv "unix:$T/pg" >"$T/got" 2>"$T/pg.err" &
r=$!
wait_for "[ -S '$T/pg' ]"
kill -USR1 $r # waiting for its peer
( while kill -0 $r 2>/dev/null; do kill -USR1 $r 2>/dev/null; sleep 0.01; done ) &
storm=$!
# Written in 100 pieces 5 ms apart, so that the signals find it busy.
python3 -c 'import sys, time
d = open(sys.argv[1], "rb").read()
for i in range(0, len(d), 20000):
    sys.stdout.buffer.write(d[i:i + 20000]); sys.stdout.flush(); time.sleep(0.005)' "$T/big" |
	"$IPCX" send --raw "unix:$T/pg"
wait $r
st=$?
kill $storm 2>/dev/null
wait $storm 2>/dev/null
expect "recv under a storm of SIGUSR1: exit 0" "$st" "0"
cmp -s "$T/big" "$T/got" && ok "...every byte, in order" || bad "...every byte, in order"
lines=$(grep -c "^ipcx recv: [0-9]* messages\?, .* bytes), " "$T/pg.err")
[ "$lines" -ge 10 ] && ok "...a counters line per signal ($lines)" ||
	bad "...a counters line per signal ($lines): $(head -3 "$T/pg.err")"
contains "...the first while it waited: 0 bytes" "$T/pg.err" "ipcx recv: 0 messages, 0 B (0 bytes)"
grep -v "^ipcx recv: " "$T/pg.err" >"$T/pg.other"
expect "...and nothing else on stderr" "$(cat "$T/pg.other")" ""

# A message queue: messages counted, the last line at the end with
# --progress (plain lines: stderr is no terminal).
q="posixmq:/ipcx-tool-pg-$$"
"$IPCX" recv --progress -n 30 "$q" >"$T/q.out" 2>"$T/q.err" &
r=$!
wait_for "\"$IPCX\" ls -r -n -o ADDRESS posixmq 2>/dev/null | grep -q '$q'"
i=0
while [ $i -lt 30 ]; do
	"$IPCX" send "$q" "m$i"
	[ $i = 15 ] && kill -USR1 $r
	i=$((i + 1))
done
wait $r
expect "recv --progress -n 30: exit 0" "$?" "0"
expect "...all 30 messages" "$(wc -l <"$T/q.out")" "30"
contains "...its last line counts them" "$T/q.err" "ipcx recv: 30 messages, "
"$IPCX" rm -f "$q" 2>/dev/null
expect "send --progress: the counters at the end" \
	"$("$IPCX" send --progress stdio: x y 2>&1 >/dev/null | grep -c '^ipcx send: 2 messages, 2 B (2 bytes)')" "1"
# On a terminal the line updates in place (a carriage return, the rest of
# the line erased), then ends.
if command -v script >/dev/null; then
	script -qc "\"$IPCX\" send --progress stdio: a b" /dev/null >"$T/tty" 2>&1
	grep -q "$(printf '\r')ipcx send: 2 messages, .*$(printf '\033')\[K" "$T/tty" &&
		ok "send --progress on a terminal: one line, updated in place" ||
		bad "send --progress on a terminal: one line, updated in place: $(od -c "$T/tty" | head -5)"
else
	ok "# SKIP no script(1) for a terminal"
fi
status "relay --progress with --fork is a usage error" 2 \
	"$IPCX" relay --fork --progress "unix:$T/rf" stdio:
printf 'one\ntwo\n' | "$IPCX" relay --progress stdio: "exec:cat" >"$T/relay.out" 2>"$T/relay.err"
contains "relay --progress: its counters" "$T/relay.err" "ipcx relay: "

finish
