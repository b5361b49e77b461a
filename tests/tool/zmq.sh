#!/bin/sh
# zmq: from the shell, with pyzmq peers: push/pull both ways, pub/sub with
# subscriptions, req/rep both ways, and relay between ZeroMQ and local
# facilities (a ring, a System V queue), boundaries kept.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
if ! "$IPCX" info -r -n -o FACILITY zmq | grep -q libzmq; then
	ok "# SKIP zmq: this ipcx was built without libzmq"
	finish
	exit 0
fi
if ! $PY -c 'import zmq' 2>/dev/null; then
	ok "# SKIP zmq: no pyzmq (Debian's python3-zmq) to talk to"
	finish
	exit 0
fi

# An ipcx publisher on port $1, fed from a ring so that each message
# stays one (stdin's reads would join lines): start_pub, feed_pub &,
# stop_pub.
start_pub() {
	PUBSHM=/ipcx-zmq-$$-pub
	$IPCX send --create "posixshm:$PUBSHM?size=64K" warm
	"$IPCX" relay -u "posixshm:$PUBSHM" "zmq:tcp://127.0.0.1:$1?type=pub&bind=1" &
	PUBR=$!
}
feed_pub() {
	i=0
	while [ $i -lt 400 ] && $IPCX send "posixshm:$PUBSHM" "x$i" "y$i"; do
		i=$((i + 1))
		sleep 0.01
	done
}
stop_pub() {
	kill $1 $PUBR 2>/dev/null
	wait $1 $PUBR 2>/dev/null
	$IPCX rm "posixshm:$PUBSHM" 2>/dev/null
}

# ---- push/pull --------------------------------------------------------
P=$(free_port)
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.PUSH); s.bind("tcp://127.0.0.1:" + sys.argv[1])
for m in [b"one", b"", b"three"]: s.send(m)
s.send_multipart([b"f1", b"f22"])
s.close(linger=5000)' "$P" &
S=$!
timeout 20 "$IPCX" recv -n 4 --json "zmq:tcp://127.0.0.1:$P?type=pull" >"$T/pull" 2>"$T/err"
expect "recv from a pyzmq push: exit 0" $? 0
wait $S
expect "recv from a pyzmq push: each message, the empty one too" \
	"$(head -3 "$T/pull" | tr '\n' ' ')" \
	'{"data":"one","size":3,"type":1} {"data":"","size":0,"type":1} {"data":"three","size":5,"type":1} '
contains "recv from a pyzmq push: two frames arrive as one message, type 2" \
	"$T/pull" '"size":13,"type":2}'

P=$(free_port)
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.PULL); s.bind("tcp://127.0.0.1:" + sys.argv[1])
s.RCVTIMEO = 10000
print(s.recv().decode(), s.recv().decode())' "$P" >"$T/py" &
S=$!
status "send to a pyzmq pull: exit 0" 0 \
	"$IPCX" send "zmq:tcp://127.0.0.1:$P?type=push" alpha beta
wait_exit $S
expect "send to a pyzmq pull: both arrived (the last too: close waits)" \
	"$(cat "$T/py")" "alpha beta"

# ---- pub/sub ----------------------------------------------------------
P=$(free_port)
$PY -c '
import zmq, sys, time
s = zmq.Context().socket(zmq.PUB); s.bind("tcp://127.0.0.1:" + sys.argv[1])
for i in range(400):
    s.send(b"noise %d" % i); s.send(b"tick.%d" % i); time.sleep(0.01)' "$P" &
S=$!
timeout 20 "$IPCX" recv -n 3 "zmq:tcp://127.0.0.1:$P?type=sub&subscribe=tick." \
	>"$T/sub"
expect "sub with subscribe=tick.: exit 0" $? 0
kill $S 2>/dev/null
wait $S 2>/dev/null
expect "sub with subscribe=tick.: only ticks" "$(grep -c '^tick\.' "$T/sub")" 3

# ipcx publishes (relay from a ring), pyzmq subscribes with a prefix.
P=$(free_port)
start_pub $P
feed_pub &
F=$!
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.SUB); s.connect("tcp://127.0.0.1:" + sys.argv[1])
s.setsockopt(zmq.SUBSCRIBE, b"y"); s.RCVTIMEO = 10000
print(" ".join(s.recv().decode()[0] for _ in range(3)))' "$P" >"$T/pysub"
expect "pyzmq sub of an ipcx pub: only its prefix" "$(cat "$T/pysub")" "y y y"
stop_pub $F

# ---- req/rep ----------------------------------------------------------
P=$(free_port)
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.REP); s.bind("tcp://127.0.0.1:" + sys.argv[1])
for _ in range(2): s.send(s.recv().upper())' "$P" &
S=$!
printf 'first\n' | timeout 20 "$IPCX" relay --linger 1 stdio: "zmq:tcp://127.0.0.1:$P?type=req" >"$T/req1"
printf 'second\n' | timeout 20 "$IPCX" relay --linger 1 stdio: "zmq:tcp://127.0.0.1:$P?type=req" >"$T/req2"
wait_exit $S
expect "ipcx req to a pyzmq rep: the replies" "$(cat "$T/req1" "$T/req2" | tr '\n' ' ')" \
	"FIRST SECOND "

P=$(free_port)
# A command that answers each line at once (tr would wait for the end).
timeout 20 "$IPCX" relay "zmq:tcp://127.0.0.1:$P?type=rep&bind=1" \
	exec:'sed -u y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/' &
R=$!
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.REQ); s.connect("tcp://127.0.0.1:" + sys.argv[1])
s.RCVTIMEO = 10000
s.send(b"hello rep\n"); print(s.recv().decode(), end="")' "$P" >"$T/pyreq"
expect "pyzmq req to an ipcx rep (relayed to a command)" "$(cat "$T/pyreq")" "HELLO REP"
kill $R 2>/dev/null
wait $R 2>/dev/null

# ---- relay: local facilities to ZeroMQ and back, boundaries kept --------
SHM=/ipcx-zmq-$$
KEY=$(printf '0x%x' $((0x5a000000 + $$ % 65536)))
P=$(free_port)
# A ring to a pyzmq pull.
$IPCX send --create "posixshm:$SHM?size=64K" r1 r2 r3
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.PULL); s.bind("tcp://127.0.0.1:" + sys.argv[1])
s.RCVTIMEO = 10000
print(" ".join(s.recv().decode() for _ in range(3)))' "$P" >"$T/ring2zmq" &
S=$!
timeout 20 "$IPCX" relay -u --linger 1 "posixshm:$SHM" "zmq:tcp://127.0.0.1:$P?type=push" &
R=$!
wait_exit $S
expect "relay ring -> zmq push: each message, in order" "$(cat "$T/ring2zmq")" "r1 r2 r3"
kill $R 2>/dev/null
wait $R 2>/dev/null
$IPCX rm "posixshm:$SHM" 2>/dev/null
# A pyzmq push to a System V queue.
P=$(free_port)
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.PUSH); s.bind("tcp://127.0.0.1:" + sys.argv[1])
for m in [b"q1", b"q two", b"q3"]: s.send(m)
s.close(linger=5000)' "$P" &
S=$!
timeout 20 "$IPCX" relay -u "zmq:tcp://127.0.0.1:$P?type=pull" "sysvmq:$KEY?create=1" &
R=$!
timeout 20 "$IPCX" recv -n 3 "sysvmq:$KEY?create=1" >"$T/zmq2q"
expect "relay zmq pull -> sysvmq: each message, boundaries kept" \
	"$(cat "$T/zmq2q" | tr '\n' '|')" "q1|q two|q3|"
kill $R 2>/dev/null
wait $R $S 2>/dev/null
$IPCX rm "sysvmq:$KEY" 2>/dev/null

# zmq -> zmq: a message of several frames crosses a relay whole.
P=$(free_port)
Q=$(free_port)
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.PULL); s.bind("tcp://127.0.0.1:" + sys.argv[1])
s.RCVTIMEO = 10000
print(s.recv_multipart())' "$Q" >"$T/multi" &
S=$!
timeout 20 "$IPCX" relay -u "zmq:tcp://127.0.0.1:$P?type=pull&bind=1" \
	"zmq:tcp://127.0.0.1:$Q?type=push" &
R=$!
$PY -c '
import zmq, sys
s = zmq.Context().socket(zmq.PUSH); s.connect("tcp://127.0.0.1:" + sys.argv[1])
s.send_multipart([b"id", b"", b"body"]); s.close(linger=5000)' "$P"
wait_exit $S
expect "relay zmq -> zmq: the frames arrive as they left" "$(cat "$T/multi")" \
	"[b'id', b'', b'body']"
kill $R 2>/dev/null
wait $R 2>/dev/null

# ---- a plain C libzmq peer (tests/peer/zmqpeer.c) -----------------------
ZP=${ZMQPEER:-}
NL='
'
if [ -n "$ZP" ] && [ -x "$ZP" ]; then
	P=$(free_port)
	$ZP push "tcp://127.0.0.1:$P" bind send c1 c2 &
	S=$!
	expect "C push -> ipcx pull" \
		"$(timeout 20 "$IPCX" recv -n 2 "zmq:tcp://127.0.0.1:$P?type=pull" | tr '\n' ' ')" \
		"c1 c2 "
	wait $S
	P=$(free_port)
	$ZP pull "tcp://127.0.0.1:$P" bind recv 2 >"$T/cpull" &
	S=$!
	$IPCX send "zmq:tcp://127.0.0.1:$P?type=push" d1 d2
	wait_exit $S
	expect "ipcx push -> C pull" "$(cat "$T/cpull" | tr '\n' ' ')" "d1 d2 "
	P=$(free_port)
	$ZP pub "tcp://127.0.0.1:$P" bind publish 400 &
	S=$!
	expect "C pub -> ipcx sub, subscribe=y" \
		"$(timeout 20 "$IPCX" recv -n 3 "zmq:tcp://127.0.0.1:$P?type=sub&subscribe=y" | cut -c1 | tr '\n' ' ')" \
		"y y y "
	kill $S 2>/dev/null
	wait $S 2>/dev/null
	P=$(free_port)
	start_pub $P
	feed_pub &
	F=$!
	expect "ipcx pub -> C sub, subscribe=x" \
		"$($ZP sub "tcp://127.0.0.1:$P" connect recv 3 x | cut -c1 | tr '\n' ' ')" \
		"x x x "
	stop_pub $F
	# ask_c SERVER CLIENT LINE DESC WANT: a C SERVER (rep, router)
	# answers one LINE that ipcx sends as a CLIENT (req, dealer).
	ask_c() {
		P=$(free_port)
		$ZP $1 "tcp://127.0.0.1:$P" bind serve 1 &
		S=$!
		expect "$4" "$(printf '%s\n' "$3" | timeout 20 "$IPCX" relay \
			--linger 1 stdio: "zmq:tcp://127.0.0.1:$P?type=$2")" "$5"
		wait_exit $S
	}
	ask_c rep req ask "ipcx req -> C rep" ASK
	P=$(free_port)
	timeout 20 "$IPCX" relay "zmq:tcp://127.0.0.1:$P?type=rep&bind=1" \
		exec:'sed -u y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/' &
	R=$!
	expect "C req -> ipcx rep" \
		"$($ZP req "tcp://127.0.0.1:$P" connect ask "c asks$NL")" "C ASKS"
	kill $R 2>/dev/null
	wait $R 2>/dev/null
	ask_c router dealer deal \
		"ipcx dealer -> C router (the router answers the same identity)" DEAL
else
	ok "# SKIP the C libzmq peer: not built"
fi

# ---- two network namespaces: fan-in and fan-out between "machines" -------
# Two namespaces joined by a veth pair, local addresses only; root.
NA=ipcx-a-$$ NB=ipcx-b-$$
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add $NA 2>/dev/null; then
	ip netns add $NB
	ip link add va$$ type veth peer name vb$$
	ip link set va$$ netns $NA
	ip link set vb$$ netns $NB
	ip -n $NA addr add 10.251.$(($$ % 200)).1/24 dev va$$
	ip -n $NB addr add 10.251.$(($$ % 200)).2/24 dev vb$$
	for ns in $NA $NB; do ip -n $ns link set lo up; done
	ip -n $NA link set va$$ up
	ip -n $NB link set vb$$ up
	A=10.251.$(($$ % 200)).1 B=10.251.$(($$ % 200)).2
	KEY2=$(printf '0x%x' $((0x5b000000 + $$ % 65536)))
	# Fan-in: two senders in A, one puller in B relaying into a queue.
	ip netns exec $NB $IPCX relay -u "zmq:tcp://$B:5700?type=pull&bind=1" \
		"sysvmq:$KEY2?create=1" &
	R=$!
	ip netns exec $NA $IPCX send "zmq:tcp://$B:5700?type=push" a1 a2 &
	S1=$!
	ip netns exec $NA $IPCX send "zmq:tcp://$B:5700?type=push" b1 b2 &
	S2=$!
	expect "fan-in across namespaces: both senders' messages, each once" \
		"$(timeout 20 $IPCX recv -n 4 "sysvmq:$KEY2" | sort | tr '\n' ' ')" \
		"a1 a2 b1 b2 "
	kill $R 2>/dev/null
	wait $R $S1 $S2 2>/dev/null
	$IPCX rm "sysvmq:$KEY2" 2>/dev/null
	# Fan-out: a publisher in A fed from a ring, two subscribers in B.
	SHM2=/ipcx-zmq-$$-fan
	# Everything of "machine" A runs in A (a ring's poller is woken
	# through its network namespace's abstract sockets).
	ip netns exec $NA $IPCX send --create "posixshm:$SHM2?size=64K" warm
	ip netns exec $NA $IPCX relay -u "posixshm:$SHM2" \
		"zmq:tcp://$A:5701?type=pub&bind=1" &
	R=$!
	SUBS=
	for k in 1 2; do
		timeout 20 ip netns exec $NB $IPCX recv -n 3 \
			"zmq:tcp://$A:5701?type=sub&subscribe=t" >"$T/fan$k" &
		SUBS="$SUBS $!"
	done
	i=0
	while [ $i -lt 300 ] && { [ $(wc -l <"$T/fan1") -lt 3 ] || [ $(wc -l <"$T/fan2") -lt 3 ]; }; do
		ip netns exec $NA $IPCX send "posixshm:$SHM2" "t$i" "skip$i"
		i=$((i + 1))
		sleep 0.02
	done
	wait $SUBS 2>/dev/null
	expect "fan-out across namespaces: each subscriber got 3 ticks, no skips" \
		"$(cat "$T/fan1" "$T/fan2" | cut -c1 | sort | uniq -c | tr -s ' ')" " 6 t"
	kill $R 2>/dev/null
	wait $R 2>/dev/null
	$IPCX rm "posixshm:$SHM2" 2>/dev/null
	ip netns del $NA
	ip netns del $NB
else
	ok "# SKIP network namespaces: need root and ip netns"
fi

# ---- bad input ----------------------------------------------------------
status "zmq without an endpoint: a usage error" 2 $IPCX send zmq:nowhere x
contains "...says what an endpoint is" "$T/err" "TRANSPORT://"
status "zmq with an unknown type: a usage error" 2 \
	$IPCX send "zmq:tcp://127.0.0.1:1?type=fan" x
status "zmq pull cannot send: exit 1" 1 \
	$IPCX send "zmq:inproc://x?type=pull&timeout=100" x
expect "nothing left" "$(ls /dev/shm | grep -c "ipcx-zmq-$$")" 0

finish
