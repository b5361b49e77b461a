# Helpers for the tool tests: TAP output, a scratch directory, waiting.
# Each test script sources this with IPCX set to the built ipcx binary.
set -u
IPCX=${IPCX:?set IPCX to the ipcx binary}
HERE=$(cd "$(dirname "$0")" && pwd)
PEER="python3 $HERE/../peer/peer.py"
T=$(mktemp -d "/tmp/ipcx-tool-$$-XXXXXX")
n=0
fails=0

cleanup() {
	# dash's "jobs" says nothing inside a trap: ask the kernel instead.
	pkill -TERM -P $$ 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# expect DESC GOT WANT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		bad "$1"
		printf '#   want: %s\n#   got:  %s\n' "$(printf %s "$3" | od -c | head -3)" \
			"$(printf %s "$2" | od -c | head -3)"
	fi
}

# status DESC WANT CMD...: runs CMD, compares its exit status.
status() {
	d=$1 w=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	s=$?
	if [ "$s" = "$w" ]; then ok "$d"; else
		bad "$d (exit $s, want $w)"
		sed 's/^/#   /' "$T/err"
	fi
}

# contains DESC FILE TEXT
contains() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		bad "$1"
		echo "#   '$3' not in:"
		sed 's/^/#   /' "$2"
	fi
}

# wait_for CONDITION: up to 5 s.
wait_for() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

# Whether a UDP socket is bound to PORT on this machine.
udp_bound() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }

# The port a "recv -v" or peer printed into FILE.
port_in() {
	wait_for "grep -q 'listening on' '$1'" || return 1
	sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" | head -1
}

# wait_exit PID: waits up to 20 s for a child of this shell; its exit
# status in WST (124 when it had to be killed).
wait_exit() {
	# The watchdog says when it fired (a file): its sleep may not have
	# started yet when a quick exit is waited for, under load, and must
	# not be taken for a timeout.  Its output is not the test's (an
	# orphaned sleep would hold the TAP pipe open).
	rm -f "$T/.watchdog"
	( sleep 20 && : >"$T/.watchdog" && kill -9 "$1" ) >/dev/null 2>&1 &
	dog=$!
	wait "$1" 2>/dev/null
	WST=$?
	[ -e "$T/.watchdog" ] && WST=124
	pkill -P "$dog" 2>/dev/null
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
}

# free_port [SOCK_STREAM|SOCK_DGRAM]: a port free on loopback now (a
# socket bound to port 0 and closed).
free_port() {
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, getattr(socket, sys.argv[1]))
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "${1:-SOCK_STREAM}"
}

finish() {
	echo "1..$n"
	echo "# $((n - fails)) passed, $fails failed"
	[ $fails -eq 0 ]
}
