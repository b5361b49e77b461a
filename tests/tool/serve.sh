#!/bin/sh
# ipcx serve and relay --fork: a command (or a relay) per connection, many
# at once, on sockets and shared memory, with real peers (socat, nc,
# Python) and bad input.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
SHM=/ipcx-serve-$$

# The port a "serve -v" printed into FILE.
serve_port() {
	wait_for "grep -q 'listening on' '$1'" || return 1
	sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" | head -1
}

# ---- TCP: socat, nc and Python at once --------------------------------
$IPCX serve -v -n 3 tcp:127.0.0.1:0 -- tr a-z A-Z 2>"$T/tcp.err" &
S=$!
P=$(serve_port "$T/tcp.err")
printf 'from socat\n' | socat - "tcp:127.0.0.1:$P" >"$T/t1" &
printf 'from nc\n' | nc -N 127.0.0.1 "$P" >"$T/t2" &
$PY -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"from python\n"); s.shutdown(socket.SHUT_WR)
print(s.makefile().read(), end="")' "$P" >"$T/t3" &
wait_exit $S
expect "serve tcp: three peers served, then it exits 0" "$WST" 0
wait
expect "serve tcp: socat's line came back upper-cased" "$(cat "$T/t1")" "FROM SOCAT"
expect "serve tcp: nc's line came back upper-cased" "$(cat "$T/t2")" "FROM NC"
expect "serve tcp: Python's line came back upper-cased" "$(cat "$T/t3")" "FROM PYTHON"
expect "serve -v: each command's exit status is reported" \
	"$(grep -c 'exited 0' "$T/tcp.err")" 3
contains "serve -v: who connected" "$T/tcp.err" "connection 1 from tcp:127.0.0.1:"

# ---- many at once, at most --max ---------------------------------------
# Each command counts how many run beside it, then waits for its client.
cat >"$T/count.sh" <<'EOF'
#!/bin/sh
touch "$DIR/run.$$"
ls "$DIR" | grep -c '^run\.' >>"$DIR/seen"
read line
rm -f "$DIR/run.$$"
echo "got $line"
EOF
chmod +x "$T/count.sh"
mkdir "$T/c5" "$T/c2"
DIR=$T/c5 $IPCX serve -v -n 5 -m 5 "unix:$T/many.sock" "$T/count.sh" \
	2>"$T/many.err" &
S=$!
wait_for "[ -S '$T/many.sock' ]"
# Five clients connect and wait until all five commands run at once.
for k in 1 2 3 4 5; do
	( wait_for "grep -qx 5 '$T/c5/seen' 2>/dev/null" &&
	  echo "c$k" ) | socat - "unix-connect:$T/many.sock" >"$T/m$k" &
done
wait_exit $S
expect "serve -m 5: five commands ran at once" "$WST" 0
wait
expect "serve -m 5: each client got its reply" "$(cat "$T"/m[1-5] | sort | tr '\n' ' ')" \
	"got c1 got c2 got c3 got c4 got c5 "
expect "serve removed its socket path" "$([ -e "$T/many.sock" ] && echo left)" ""
DIR=$T/c2 $IPCX serve -n 5 -m 2 "unix:$T/two.sock" "$T/count.sh" 2>"$T/two.err" &
S=$!
wait_for "[ -S '$T/two.sock' ]"
for k in 1 2 3 4 5; do
	echo "c$k" | socat - "unix-connect:$T/two.sock" >"$T/n$k" &
done
wait_exit $S
expect "serve -m 2: five clients served" "$WST" 0
wait
expect "serve -m 2: never more than two commands at once" \
	"$([ "$(sort -n "$T/c2/seen" | tail -1)" -le 2 ] && echo yes)" yes
expect "serve -m 2: every reply" "$(cat "$T"/n[1-5] | sort | tr '\n' ' ')" \
	"got c1 got c2 got c3 got c4 got c5 "

# ---- seqpacket: messages, with a Python peer ---------------------------
# A line-buffered upper-caser: each request is answered before the next.
UPPER="sed -u y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/"
$IPCX serve -n 1 "unix-seqpacket:$T/sp.sock" -- $UPPER 2>"$T/sp.err" &
S=$!
wait_for "[ -S '$T/sp.sock' ]"
$PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"one\n"); print(s.recv(100).decode(), end="")
s.send(b"two\n"); print(s.recv(100).decode(), end="")
s.shutdown(socket.SHUT_WR); print(repr(s.recv(100)))' "$T/sp.sock" >"$T/sp.out"
wait_exit $S
expect "serve unix-seqpacket: exits 0" "$WST" 0
expect "serve unix-seqpacket: each message answered as one, then the end" \
	"$(cat "$T/sp.out" | tr '\n' ' ')" "ONE TWO b'' "

# ---- shared memory: a ring each way per connection ----------------------
$IPCX serve -v -n 3 "posixshm:$SHM?size=64K" -- tr a-z A-Z 2>"$T/shm.err" &
S=$!
wait_for "[ -e /dev/shm$SHM ]"
for k in 1 2 3; do
	printf 'ring %s\nsecond %s\n' $k $k |
		$IPCX relay stdio: "posixshm:$SHM" >"$T/r$k" &
done
wait_exit $S
expect "serve posixshm: three clients, exit 0" "$WST" 0
wait
expect "serve posixshm: each client's lines came back" \
	"$(cat "$T"/r1 "$T"/r2 "$T"/r3 | tr '\n' ' ')" \
	"RING 1 SECOND 1 RING 2 SECOND 2 RING 3 SECOND 3 "
expect "serve posixshm: nothing left in /dev/shm" \
	"$(ls /dev/shm | grep -c "ipcx-serve-$$")" 0
# A one-way client: ipcx send to a listening region.
$IPCX serve -n 1 "posixshm:$SHM?size=64K" -- sh -c "cat >'$T/sent'" &
S=$!
wait_for "[ -e /dev/shm$SHM ]"
$IPCX send "posixshm:$SHM" hello
wait_exit $S
expect "serve posixshm: ipcx send reaches the command" "$WST" 0
expect "serve posixshm: what it sent" "$(cat "$T/sent")" "hello"

# A client killed with -9 ends its own connection only.
$IPCX serve -v -n 2 "posixshm:$SHM?size=64K" -- cat 2>"$T/kill.err" &
S=$!
wait_for "[ -e /dev/shm$SHM ]"
sleep 30.$$ | $IPCX relay stdio: "posixshm:$SHM" >/dev/null &
wait_for "grep -q 'connection 1 from' '$T/kill.err'"
pkill -9 -f "relay stdio: posixshm:$SHM"
echo alive | $IPCX relay stdio: "posixshm:$SHM" >"$T/alive"
wait_exit $S
expect "serve posixshm: a client killed with -9, the next served" "$WST" 1
pkill -f "sleep 30.$$" 2>/dev/null
wait 2>/dev/null
expect "serve posixshm: the next client's reply" "$(cat "$T/alive")" "alive"
contains "serve -v: the dead client's connection reported" "$T/kill.err" \
	"connection 1"
expect "serve posixshm: nothing left after a kill -9" \
	"$(ls /dev/shm | grep -c "ipcx-serve-$$")" 0

# ---- relay --fork ------------------------------------------------------
$IPCX serve -v tcp:127.0.0.1:0 -- tr a-z A-Z 2>"$T/back.err" &
B=$!
BP=$(serve_port "$T/back.err")
$IPCX relay --fork -v -n 3 "posixshm:$SHM?size=64K" "tcp:127.0.0.1:$BP" \
	2>"$T/fork.err" &
S=$!
wait_for "[ -e /dev/shm$SHM ]"
C=
for k in 1 2 3; do
	echo "via fork $k" | $IPCX relay stdio: "posixshm:$SHM" >"$T/f$k" &
	C="$C $!"
done
wait_exit $S
expect "relay --fork posixshm -> tcp: three clients, exit 0" "$WST" 0
wait $C
expect "relay --fork: each client through its own connection" \
	"$(cat "$T"/f1 "$T"/f2 "$T"/f3 | tr '\n' ' ')" \
	"VIA FORK 1 VIA FORK 2 VIA FORK 3 "
expect "relay --fork: one backend connection per client" \
	"$(grep -c 'from tcp:127.0.0.1' "$T/back.err")" 3
$IPCX relay --fork -n 2 "unix:$T/front.sock" "tcp:127.0.0.1:$BP" 2>/dev/null &
S=$!
wait_for "[ -S '$T/front.sock' ]"
echo "socat in" | socat - "unix-connect:$T/front.sock" >"$T/g1" &
C=$!
echo "nc in" | nc -N -U "$T/front.sock" >"$T/g2" &
C="$C $!"
wait_exit $S
expect "relay --fork unix -> tcp: socat and nc, exit 0" "$WST" 0
wait $C
expect "relay --fork unix: replies" "$(cat "$T/g1" "$T/g2" | tr '\n' ' ')" \
	"SOCAT IN NC IN "
kill $B
wait $B 2>/dev/null

# ---- stopping it -------------------------------------------------------
$IPCX serve -v "unix:$T/stop.sock" -- sleep 30 2>"$T/stop.err" &
S=$!
wait_for "[ -S '$T/stop.sock' ]"
socat -u /dev/null "unix-connect:$T/stop.sock" &
wait_for "grep -q 'connection 1' '$T/stop.err'"
kill -TERM $S
wait_exit $S
expect "serve: SIGTERM ends it (143)" "$WST" 143
expect "serve: the command it ran got the signal too" \
	"$(grep -c 'killed by SIGTERM' "$T/stop.err")" 1
expect "serve: SIGTERM removed its socket path" \
	"$([ -e "$T/stop.sock" ] && echo left)" ""

# ---- socket activation: systemd-socket-activate passes the socket -------
if command -v systemd-socket-activate >/dev/null; then
	P=$(free_port SOCK_STREAM)
	# It starts serve at the first connection, with the listener as fd 3.
	systemd-socket-activate -l "127.0.0.1:$P" --fdname=web \
		$IPCX serve -v -n 2 fd:web -- tr a-z A-Z 2>"$T/sa.err" &
	S=$!
	wait_for "ss -Hltn 'sport = :$P' | grep -q ." 
	echo activated | socat - "tcp:127.0.0.1:$P" >"$T/sa1"
	echo again | nc -N 127.0.0.1 "$P" >"$T/sa2"
	wait_exit $S
	expect "socket activation: serve fd:web, two clients, exit 0" "$WST" 0
	expect "socket activation: both served" "$(cat "$T/sa1" "$T/sa2" | tr '\n' ' ')" \
		"ACTIVATED AGAIN "
	contains "socket activation: the passed socket listens" "$T/sa.err" \
		"listening on tcp:127.0.0.1:$P"
	# A datagram socket: ipcx recv on fd: (the only one passed).
	U=$(free_port SOCK_DGRAM)
	systemd-socket-activate -d -l "127.0.0.1:$U" \
		$IPCX recv -n 2 fd: >"$T/dg" 2>"$T/dg.err" &
	S=$!
	wait_for "udp_bound $U"
	printf 'first' | socat -u - "udp-sendto:127.0.0.1:$U"
	wait_for "[ -s '$T/dg' ]"
	printf 'second' | socat -u - "udp-sendto:127.0.0.1:$U"
	wait_exit $S
	expect "socket activation: recv fd: on a datagram socket, exit 0" "$WST" 0
	expect "socket activation: each datagram a message" \
		"$(cat "$T/dg" | tr '\n' ' ')" "first second "
	# relay --fork on an activated UNIX socket, to a TCP backend.
	$IPCX serve -v tcp:127.0.0.1:0 -- tr a-z A-Z 2>"$T/b2.err" &
	B=$!
	BP=$(serve_port "$T/b2.err")
	systemd-socket-activate -l "$T/act.sock" \
		$IPCX relay --fork -n 1 fd: "tcp:127.0.0.1:$BP" 2>"$T/ra.err" &
	S=$!
	wait_for "[ -S '$T/act.sock' ]"
	echo relayed | socat - "unix-connect:$T/act.sock" >"$T/ra"
	wait_exit $S
	expect "socket activation: relay --fork fd: -> tcp, exit 0" "$WST" 0
	expect "socket activation: relayed" "$(cat "$T/ra")" "RELAYED"
	kill $B
	wait $B 2>/dev/null
	# serve on a descriptor that does not listen (a pipe): said, exit 1.
	status "serve on a descriptor that does not listen: exit 1" 1 \
		sh -c "echo | $IPCX serve fd:0 -- cat"
	contains "serve on a descriptor that does not listen: says so" \
		"$T/err" "not a listening socket"
else
	ok "# SKIP socket activation: no systemd-socket-activate (Debian's systemd package)"
fi

# ---- bad input ---------------------------------------------------------
status "serve on a FIFO: a usage error" 2 $IPCX serve "fifo:$T/f" -- cat
contains "serve on a FIFO: says why" "$T/err" "has no connections to serve"
status "serve on UDP: a usage error" 2 $IPCX serve udp:127.0.0.1:0 -- cat
status "serve without a command: a usage error" 2 $IPCX serve "unix:$T/x.sock"
contains "serve without a command: says so" "$T/err" "no COMMAND"
status "serve --max 0: a usage error" 2 $IPCX serve -m 0 "unix:$T/x.sock" cat
contains "serve --max 0: names the option" "$T/err" "--max"
status "relay --max without --fork: a usage error" 2 \
	$IPCX relay -m 3 stdio: "unix:$T/x.sock"
expect "a refused serve left nothing" "$([ -e "$T/x.sock" ] && echo left)" ""
$IPCX serve -v -n 1 "unix:$T/nf.sock" -- /nonexistent/cmd 2>"$T/nf.err" &
S=$!
wait_for "[ -S '$T/nf.sock' ]"
echo x | socat - "unix-connect:$T/nf.sock" >/dev/null 2>&1
wait_exit $S
expect "serve: a command that cannot run fails its connection (exit 1)" "$WST" 1
contains "serve: the missing command is named" "$T/nf.err" "/nonexistent/cmd"
contains "serve -v: 127 for the command not found" "$T/nf.err" "exited 127"

finish
