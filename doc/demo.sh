#!/bin/sh
# make demo: a short tour of ipcx, run for real on this machine.
set -eu
IPCX=${1:-ipcx}
T=$(mktemp -d /tmp/ipcx-demo-XXXXXX)
trap 'pkill -TERM -P $$ 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT

say() { printf '\n$ %s\n' "$*"; }
waitfor() { i=0; while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; }

say ipcx info
"$IPCX" info
say ipcx info -l unix-dgram
"$IPCX" info -l unix-dgram

say "ipcx recv unix:$T/s &  ipcx send unix:$T/s hello world"
"$IPCX" recv "unix:$T/s" &
waitfor "$T/s"
"$IPCX" send "unix:$T/s" hello world
wait

say "ipcx recv --json -n 2 unix-dgram:$T/d &  printf 'one\\ntwo\\n' | ipcx send unix-dgram:$T/d"
"$IPCX" recv --json -n 2 "unix-dgram:$T/d" &
waitfor "$T/d"
printf 'one\ntwo\n' | "$IPCX" send "unix-dgram:$T/d"
wait

say "ipcx recv -v tcp:127.0.0.1:0 &  (a port the kernel picks)"
"$IPCX" recv -v tcp:127.0.0.1:0 2>"$T/err" &
i=0
while ! grep -q 'listening on' "$T/err" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
cat "$T/err"
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$T/err")
say "echo over-tcp | ipcx send tcp:127.0.0.1:$port"
echo over-tcp | "$IPCX" send "tcp:127.0.0.1:$port"
wait

say "ipcx send --type 2 sysvmq:KEY job; ipcx recv --json --type 2 sysvmq:KEY"
K=$(printf '0x5%07x' $(($$ & 0xfffffff)))
"$IPCX" recv --timeout 1 "sysvmq:$K" 2>/dev/null || true
"$IPCX" send --type 2 "sysvmq:$K" job
"$IPCX" recv -n 1 --json --type 2 "sysvmq:$K"
ipcrm -Q "$K"

say "ipcx shm posixshm:/ipcx-demo create --size 4K; ... write; read -x"
"$IPCX" shm "posixshm:/ipcx-demo-$$" create --size 4K
echo shared | "$IPCX" shm "posixshm:/ipcx-demo-$$" write --offset 16
"$IPCX" shm "posixshm:/ipcx-demo-$$" read -x --length 32
"$IPCX" shm "posixshm:/ipcx-demo-$$" rm

say "a region as a channel is a ring: ipcx send/recv posixshm:/ipcx-ring"
"$IPCX" recv -n 2 "posixshm:/ipcx-demo-ring-$$?size=64K" &
i=0; while [ ! -e "/dev/shm/ipcx-demo-ring-$$" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
"$IPCX" send "posixshm:/ipcx-demo-ring-$$" through shared-memory
wait
"$IPCX" shm "posixshm:/ipcx-demo-ring-$$" rm

say "echo shout | ipcx relay stdio: exec:'tr a-z A-Z'"
echo shout | "$IPCX" relay stdio: exec:'tr a-z A-Z'

say "ipcx recv pty:'tty'   (the command runs on a new terminal)"
"$IPCX" recv pty:'tty' | tr -d '\r'

say "ipcx send 'unix:$T/none' hi   (a failure names the address; exit 1)"
"$IPCX" send "unix:$T/none" hi || echo "exit status $?"

say "ipcx send 'unix:$T/x?sise=1' hi   (a bad address is a usage error; exit 2)"
"$IPCX" send "unix:$T/x?sise=1" hi || echo "exit status $?"

say "ipcx sem posixsem:/ipcx-demo create --value 1; wait; get; rm"
"$IPCX" sem "posixsem:/ipcx-demo-$$" create --value 1
"$IPCX" sem "posixsem:/ipcx-demo-$$" wait
"$IPCX" sem "posixsem:/ipcx-demo-$$" get
"$IPCX" sem "posixsem:/ipcx-demo-$$" rm

say "ipcx lock flock:$T/lock -c 'ipcx lock -n flock:$T/lock true'   (held: exit 1)"
"$IPCX" lock "flock:$T/lock" -c "'$IPCX' lock -n 'flock:$T/lock' true || echo \"exit status \$?\""

say "ipcx ls   (ipcmk's segment, its creator gone and nobody attached, is stale); ipcx rm"
id=$(ipcmk -M 4096 2>/dev/null | sed 's/[^0-9]//g')
"$IPCX" sem "posixsem:/ipcx-demo-$$" create --value 1
"$IPCX" ls -o FACILITY,ADDRESS,OWNER,PERMS,SIZE,VALUE,HOLDERS,STALE 2>/dev/null
"$IPCX" rm --dry-run "posixsem:/ipcx-demo-$$"
"$IPCX" rm "posixsem:/ipcx-demo-$$"
[ -n "$id" ] && "$IPCX" rm "sysvshm:id:$id"

if command -v gnuplot >/dev/null; then
	say "ipcx bench --seconds 0.15 --plot $T/bench.svg   (every facility, side by side)"
	"$IPCX" bench --seconds 0.15 --plot "$T/bench.svg"
else
	say "ipcx bench --seconds 0.15   (every facility, side by side; no gnuplot for --plot)"
	"$IPCX" bench --seconds 0.15
fi
