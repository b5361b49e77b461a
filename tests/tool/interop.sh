#!/bin/sh
# ipcx and programs that use the facilities directly read each other.
. "$(dirname "$0")/lib.sh"

# A plain UNIX stream server (Python's socket module) reads ipcx send.
$PEER unix-serve "$T/s" >"$T/o1" &
p=$!
wait_for "[ -S '$T/s' ]"
"$IPCX" send "unix:$T/s" to-python
wait $p
expect "python unix server reads ipcx send" "$(cat "$T/o1")" "to-python"

# ipcx recv reads a plain client.
"$IPCX" recv "unix:$T/s2" >"$T/o2" &
r=$!
wait_for "[ -S '$T/s2' ]"
$PEER unix-send "$T/s2" "from-python"
wait $r
expect "ipcx recv reads a python client" "$(cat "$T/o2")" "from-python"

# Datagrams both ways.
$PEER dgram-recv "$T/d" 2 >"$T/o3" &
p=$!
wait_for "[ -S '$T/d' ]"
"$IPCX" send "unix-dgram:$T/d" "dgram one" "dgram two"
wait $p
expect "python reads ipcx datagrams whole" "$(cat "$T/o3")" "dgram one
dgram two"
"$IPCX" recv -n 2 "unix-dgram:$T/d2" >"$T/o4" &
r=$!
wait_for "[ -S '$T/d2' ]"
$PEER dgram-send "$T/d2" "py one" "py two"
wait $r
expect "ipcx reads python datagrams whole" "$(cat "$T/o4")" "py one
py two"

# seqpacket, and framing=length against a hand-written framer.
$PEER seqpacket-recv "$T/q" 2 >"$T/o5" &
p=$!
wait_for "[ -S '$T/q' ]"
"$IPCX" send "unix-seqpacket:$T/q" "sp one" "sp two"
wait $p
expect "python reads ipcx seqpacket messages" "$(cat "$T/o5")" "sp one
sp two"
$PEER framed-recv "$T/fr" 2 >"$T/o6" &
p=$!
wait_for "[ -S '$T/fr' ]"
"$IPCX" send "unix:$T/fr?framing=length" "frame one" "frame two"
wait $p
expect "ipcx's framing is a 4-byte little-endian length" "$(cat "$T/o6")" "frame one
frame two"
"$IPCX" recv -n 2 "unix:$T/fr2?framing=length" >"$T/o7" &
r=$!
wait_for "[ -S '$T/fr2' ]"
$PEER framed-send "$T/fr2" "py frame" "py frame 2"
wait $r
expect "ipcx reads python's frames" "$(cat "$T/o7")" "py frame
py frame 2"

# UDP.
$PEER udp-recv "$T/port" 2 >"$T/o8" &
p=$!
wait_for "[ -s '$T/port' ]"
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$T/port")
"$IPCX" send "udp:127.0.0.1:$port" "u1" "u2"
wait $p
expect "python reads ipcx udp" "$(cat "$T/o8")" "u1
u2"

# FIFOs.
mkfifo -m 600 "$T/f"
$PEER fifo-read "$T/f" >"$T/o9" &
p=$!
"$IPCX" send "fifo:$T/f" "into the fifo"
wait $p
expect "python reads what ipcx wrote to a FIFO" "$(cat "$T/o9")" "into the fifo"
"$IPCX" recv "fifo:$T/f" >"$T/o10" &
r=$!
$PEER fifo-write "$T/f" "from python"
wait $r
expect "ipcx reads what python wrote to a FIFO" "$(cat "$T/o10")" "from python"

# socat, the reference relay, as a peer where it is installed.
if command -v socat >/dev/null 2>&1; then
	socat -u "UNIX-LISTEN:$T/sc" - >"$T/o11" &
	p=$!
	wait_for "[ -S '$T/sc' ]"
	"$IPCX" send "unix:$T/sc" "to socat"
	wait $p
	expect "socat reads ipcx send" "$(cat "$T/o11")" "to socat"
	"$IPCX" recv -v "tcp:127.0.0.1:0" >"$T/o12" 2>"$T/e12" &
	r=$!
	port=$(port_in "$T/e12")
	echo "from socat" | socat -u - "TCP:127.0.0.1:$port"
	wait $r
	expect "ipcx recv reads socat over tcp" "$(cat "$T/o12")" "from socat"
else
	echo "# socat not installed: skipping its interop checks"
fi
finish
