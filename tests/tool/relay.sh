#!/bin/sh
# relay: both ways, half-close at end of stream, message boundaries kept.
. "$(dirname "$0")/lib.sh"

expect "relay stdio: exec: both ways" \
	"$(printf 'hello\n' | "$IPCX" relay stdio: exec:'tr a-z A-Z')" "HELLO"

# A netcat-style round trip: the client's input ends, the server side
# keeps sending back until it ends too, and nothing is lost.
"$IPCX" relay -v "tcp:127.0.0.1:0?listen=1" exec:'cat; echo served' \
	2>"$T/e1" &
r=$!
wait_for "grep -q 'listening on' '$T/e1'"
port=$(port_in "$T/e1")
out=$(printf 'ping\n' | "$IPCX" relay stdio: "tcp:127.0.0.1:$port")
expect "half-close: the server's reply after our EOF arrives" "$out" "ping
served"
wait $r
expect "the listening relay exits 0" "$?" "0"

# Boundaries: each UDP datagram becomes one unix-dgram message.
"$IPCX" recv -n 3 --json --timeout 5000 "unix-dgram:$T/d" >"$T/r2" &
rr=$!
wait_for "[ -S '$T/d' ]"
$PEER udp-recv "$T/port" 0 >/dev/null 2>&1 # learn a free port
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$T/port")
"$IPCX" relay -u "udp:127.0.0.1:$port?listen=1" "unix-dgram:$T/d" &
rl=$!
wait_for "udp_bound $port"
$PEER udp-send "$port" "one" "two words" "three"
wait $rr
kill $rl 2>/dev/null
wait $rl 2>/dev/null
if python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["data"] for r in rows] == ["one", "two words", "three"], rows
' "$T/r2"; then ok "relay udp -> unix-dgram keeps each datagram whole"
else bad "relay udp -> unix-dgram keeps each datagram whole"; cat "$T/r2"; fi

# --linger bounds the wait for the other side after one side ends.
start=$(date +%s)
printf 'x' | "$IPCX" relay --linger 0.2 stdio: exec:'exec sleep 20' >/dev/null
took=$(($(date +%s) - start))
[ "$took" -lt 10 ] && ok "--linger ends the wait" || bad "--linger ends the wait ($took s)"

# -u from a FIFO into a framed UNIX socket.
"$IPCX" recv -n 2 "unix:$T/fr?framing=length" >"$T/r3" &
rr=$!
wait_for "[ -S '$T/fr' ]"
mkfifo -m 600 "$T/f"
"$IPCX" relay -u "fifo:$T/f" "unix:$T/fr?framing=length" &
rl=$!
{ printf 'chunk'; sleep 0.3; printf 'more'; } >"$T/f"
wait $rl
wait $rr
expect "relay -u fifo -> framed unix: one message per read" "$(cat "$T/r3")" "chunk
more"

# Between two of one facility a message keeps its System V type.
KA=$(printf '0x%x' $((0x5c000000 + $$ % 65536)))
KB=$(printf '0x%x' $((0x5d000000 + $$ % 65536)))
"$IPCX" send --create --type 7 "sysvmq:$KA" typed
"$IPCX" relay -u --linger 0.5 "sysvmq:$KA" "sysvmq:$KB?create=1" 2>/dev/null &
rl=$!
expect "relay sysvmq -> sysvmq keeps the message's type" \
	"$(timeout 10 "$IPCX" recv -n 1 --json "sysvmq:$KB?create=1" | sed 's/.*"type":\([0-9]*\).*/\1/')" 7
kill $rl 2>/dev/null
wait $rl 2>/dev/null
"$IPCX" rm "sysvmq:$KA" "sysvmq:$KB" 2>/dev/null

status "relay of a FIFO both ways is refused" 1 "$IPCX" relay "fifo:$T/f" stdio:
contains "...saying why" "$T/err" "one direction"
status "relay to a missing socket fails" 1 "$IPCX" relay stdio: "unix:$T/none"
finish
