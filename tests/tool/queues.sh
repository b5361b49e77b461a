#!/bin/sh
# Message queues from the shell: types, priorities, who creates, and
# interoperation with programs that call msgsnd/mq_send themselves.
. "$(dirname "$0")/lib.sh"
MQPEER=${MQPEER:?set MQPEER to the built mqpeer}
K1=$(printf '0x4a%06x' $(($$ & 0xffffff)))
K2=$(printf '0x4b%06x' $(($$ & 0xffffff)))
Q1=/ipcx-tool-$$-a
Q2=/ipcx-tool-$$-b
qclean() {
	ipcrm -Q "$K1" 2>/dev/null
	ipcrm -Q "$K2" 2>/dev/null
	"$MQPEER" posix-unlink "$Q1" 2>/dev/null
	"$MQPEER" posix-unlink "$Q2" 2>/dev/null
}
trap 'qclean; cleanup' EXIT

# send never creates; recv does, with mode 0600.
status "send to a missing System V queue" 1 "$IPCX" send "sysvmq:$K1" x
contains "...says so" "$T/err" "no such queue"
status "recv creates it (nothing there: exit 3)" 3 "$IPCX" recv --timeout 50 "sysvmq:$K1"
expect "...with mode 0600" "$(ipcs -q | awk -v k="$K1" '$1 == k {print $4}')" "600"

# Types: --type on send, selection on recv, in --json.
"$IPCX" send --type 7 "sysvmq:$K1" seven
"$IPCX" send --type 2 "sysvmq:$K1" two
"$IPCX" recv -n 1 --json --type 2 "sysvmq:$K1" >"$T/o1"
contains "recv --type 2 takes the type-2 message" "$T/o1" '{"data":"two","size":3,"type":2,"pid":'
"$IPCX" recv -n 1 --json "sysvmq:$K1" >"$T/o1"
contains "...and the other stays" "$T/o1" '"type":7'
status "recv -v says the queue id" 3 "$IPCX" recv -v --timeout 10 "sysvmq:$K1"
contains "...as id N" "$T/err" ": id "

# A plain C peer, both ways.
"$MQPEER" sysv-send "$K1" 5 "from c" "again"
"$IPCX" recv -n 2 --json "sysvmq:$K1" >"$T/o2"
contains "ipcx reads msgsnd's messages with their type" "$T/o2" '{"data":"from c","size":6,"type":5,"pid":'
"$IPCX" send --type 3 "sysvmq:$K1" "to c"
expect "msgrcv reads what ipcx sent" "$("$MQPEER" sysv-recv "$K1" 1)" "3 to c"

# Python's sysv_ipc (Debian's python3-sysv-ipc), where installed.
if /usr/bin/python3 -c 'import sysv_ipc' 2>/dev/null; then
	/usr/bin/python3 -c "
import sysv_ipc
q = sysv_ipc.MessageQueue($K2, sysv_ipc.IPC_CREAT, 0o600)
q.send(b'from python', type=9)"
	"$IPCX" recv -n 1 --json "sysvmq:$K2" >"$T/o3"
	contains "ipcx reads sysv_ipc's message" "$T/o3" '{"data":"from python","size":11,"type":9,"pid":'
	"$IPCX" send --type 4 "sysvmq:$K2" "to python"
	out=$(/usr/bin/python3 -c "
import sysv_ipc
m, t = sysv_ipc.MessageQueue($K2).receive()
print(t, m.decode())")
	expect "sysv_ipc reads ipcx's message" "$out" "4 to python"
else
	echo "# python3-sysv-ipc not installed: skipping its checks"
fi

# POSIX queues: priorities both ways with the C peer.
"$IPCX" recv --timeout 10 "posixmq:$Q1" 2>/dev/null
"$MQPEER" posix-send "$Q1" 3 low
"$MQPEER" posix-send "$Q1" 8 high
"$IPCX" recv -n 2 --json "posixmq:$Q1" >"$T/o4"
expect "ipcx reads mq_send's messages, highest priority first" "$(cat "$T/o4")" \
	'{"data":"high","size":4,"prio":8}
{"data":"low","size":3,"prio":3}'
"$IPCX" send --prio 6 "posixmq:$Q1" "to c"
expect "mq_receive reads ipcx's message and priority" "$("$MQPEER" posix-recv "$Q1" 1)" "6 to c"
status "send to a missing POSIX queue" 1 "$IPCX" send "posixmq:$Q2" x
status "send --create makes it" 0 "$IPCX" send --create "posixmq:$Q2?maxmsg=3&msgsize=64" x
status "an oversize message is refused" 1 "$IPCX" send "posixmq:$Q2" "$(head -c 65 /dev/zero | tr '\0' a)"
contains "...naming the limit" "$T/err" "msgsize 64"
status "a bad name is a usage error" 2 "$IPCX" send "posixmq:/a/b" x

# relay keeps boundaries: every UDP datagram becomes one queue message.
$PEER udp-recv "$T/port" 0 >/dev/null 2>&1
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$T/port")
"$IPCX" relay -u "udp:127.0.0.1:$port?listen=1" "sysvmq:$K2" &
rl=$!
wait_for "udp_bound $port"
$PEER udp-send "$port" "one" "two words"
"$IPCX" recv -n 2 --json --timeout 5000 "sysvmq:$K2" >"$T/o5"
kill $rl 2>/dev/null
expect "relay udp -> sysvmq: one message per datagram" "$(cut -d, -f1 "$T/o5")" '{"data":"one"
{"data":"two words"'
# ...and out of a queue, which has no descriptor to poll.
"$IPCX" recv -n 2 --json "posixmq:$Q1" >"$T/o6" &
rr=$!
"$IPCX" relay -u "sysvmq:$K2" "posixmq:$Q1" &
rl=$!
"$IPCX" send "sysvmq:$K2" first second
wait $rr
kill $rl 2>/dev/null
expect "relay sysvmq -> posixmq" "$(cut -d, -f1 "$T/o6")" '{"data":"first"
{"data":"second"'
finish
