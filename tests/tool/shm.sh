#!/bin/sh
# ipcx shm: create, write, read, remove regions from the shell.
. "$(dirname "$0")/lib.sh"
PS="posixshm:/ipcx-tool-$$"
SV=$(printf 'sysvshm:0x4e%06x' $(($$ & 0xffffff)))
MM="mmap:$T/region"
trap '"$IPCX" shm "$PS" rm 2>/dev/null; "$IPCX" shm "$SV" rm 2>/dev/null; cleanup' EXIT

for a in "$PS" "$SV" "$MM"; do
	status "create $a" 0 "$IPCX" shm "$a" create --size 4K
	status "...twice fails" 1 "$IPCX" shm "$a" create --size 4K
	contains "...saying it exists" "$T/err" "exists"
	printf 'hello' | "$IPCX" shm "$a" write --offset 100
	expect "write then read $a" "$("$IPCX" shm "$a" read --offset 100 --length 5)" "hello"
	expect "read maps the whole region" "$("$IPCX" shm "$a" read | wc -c)" "4096"
	head -c 5000 /dev/zero >"$T/big"
	status "a write past the end is refused" 1 "$IPCX" shm "$a" write <"$T/big"
	contains "...whole" "$T/err" "nothing written"
	expect "...and nothing changed" "$("$IPCX" shm "$a" read --offset 100 --length 5)" "hello"
	status "rm $a" 0 "$IPCX" shm "$a" rm
	status "...then it is gone" 1 "$IPCX" shm "$a" read
	contains "...saying so" "$T/err" "no such"
done

"$IPCX" shm "$PS" create --size 64
expect "posixshm is 0600 in /dev/shm" "$(stat -c %a "/dev/shm/ipcx-tool-$$")" "600"
printf 'AB' | "$IPCX" shm "$PS" write --offset 16
"$IPCX" shm "$PS" read -x --offset 16 --length 4 >"$T/x"
contains "read -x is a hex dump" "$T/x" "00000010  41 42 00 00"
contains "...with the text column" "$T/x" "|AB..|"
"$IPCX" shm "$SV" create --size 1M --mode 0640
key=${SV#sysvshm:}
expect "sysvshm --mode shows in ipcs -m" "$(ipcs -m | awk -v k="$key" '$1 == k {print $4, $5}')" "640 1048576"

# A region address given to send/recv is a ring channel in the region.
R="posixshm:/ipcx-tool-ring-$$"
trap '"$IPCX" shm "$PS" rm 2>/dev/null; "$IPCX" shm "$SV" rm 2>/dev/null; "$IPCX" shm "$R" rm 2>/dev/null; cleanup' EXIT
"$IPCX" recv -n 3 --json "$R?size=64K" >"$T/ring" &
r=$!
wait_for "[ -e /dev/shm/ipcx-tool-ring-$$ ]"
"$IPCX" send "$R" one "" three
wait $r
expect "a ring carries messages, empty ones too" "$(cut -d, -f1 "$T/ring")" '{"data":"one"
{"data":""
{"data":"three"'
status "a ring says when it is empty" 1 "$IPCX" recv --nonblock "$R"
contains "...in words" "$T/err" "ring empty"
status "...and times out" 3 "$IPCX" recv --timeout 100 "$R"
status "a message over half the ring is refused" 1 "$IPCX" send "$R" "$(head -c 40000 /dev/zero | tr '\0' x)"
contains "...saying the limit" "$T/err" "larger than this ring carries"
# relay from a ring (no descriptor to poll) keeps boundaries.
"$IPCX" recv -n 2 --json "unix-dgram:$T/d" >"$T/ringd" &
rr=$!
wait_for "[ -S '$T/d' ]"
"$IPCX" relay -u "$R" "unix-dgram:$T/d" &
rl=$!
"$IPCX" send "$R" "ring a" "ring b"
wait $rr
kill $rl 2>/dev/null
expect "relay ring -> unix-dgram" "$(cut -d, -f1 "$T/ringd")" '{"data":"ring a"
{"data":"ring b"'

status "create needs --size" 2 "$IPCX" shm "$PS" create
status "an unknown action" 2 "$IPCX" shm "$PS" frob
status "a bad name" 2 "$IPCX" shm "posixshm:noslash" read
status "not shared memory" 2 "$IPCX" shm "unix:$T/s" read
mkfifo "$T/keep"
status "rm refuses what is not shared memory" 2 "$IPCX" shm "fifo:$T/keep" rm
[ -p "$T/keep" ] && ok "...and leaves it" || bad "...and leaves it"
status "a bad size" 2 "$IPCX" shm "$PS" create --size 12Q

# create honours the address's own options, as every command does.
A="posixshm:/ipcx-tool-opts-$$"
trap '"$IPCX" shm "$PS" rm 2>/dev/null; "$IPCX" shm "$SV" rm 2>/dev/null; "$IPCX" shm "$R" rm 2>/dev/null; "$IPCX" shm "$A" rm 2>/dev/null; cleanup' EXIT
status "create takes the address's size=" 0 "$IPCX" shm "$A?size=8K&mode=0640" create
expect "...that size" "$(stat -c %s "/dev/shm/ipcx-tool-opts-$$")" "8192"
expect "...and its mode=" "$(stat -c %a "/dev/shm/ipcx-tool-opts-$$")" "640"
status "...and fails when it exists" 1 "$IPCX" shm "$A?size=8K" create
printf 'kept' | "$IPCX" shm "$A" write
status "excl=0 takes the one that exists" 0 "$IPCX" shm "$A?size=8K&excl=0" create
expect "...keeping what it holds" "$("$IPCX" shm "$A" read --length 4)" "kept"
status "two sizes that differ are a usage error" 2 "$IPCX" shm "$A?size=8K" create --size 4K
status "--mode as the address's mode= (the address wins)" 0 "$IPCX" shm "$A?excl=0&mode=0600" create --mode 0644 --size 8K
"$IPCX" shm "$A" rm
status "--mode alone" 0 "$IPCX" shm "$A" create --size 4K --mode 0604
expect "...gives that mode" "$(stat -c %a "/dev/shm/ipcx-tool-opts-$$")" "604"

# A private System V segment: create prints the address that names it
# (its id, as ipcmk prints), which then works; a named one prints nothing.
priv=$("$IPCX" shm sysvshm:private create --size 4K 2>"$T/err")
case $priv in
sysvshm:id:[0-9]*)
	ok "shm sysvshm:private create prints its address ($priv)"
	printf 'here' | "$IPCX" shm "$priv" write
	expect "...which reaches it" "$("$IPCX" shm "$priv" read --length 4)" "here"
	status "...and removes it" 0 "$IPCX" rm "$priv"
	;;
*)
	bad "shm sysvshm:private create prints its address: '$priv' $(cat "$T/err")"
	;;
esac
expect "a named region's create prints nothing" \
	"$("$IPCX" shm "$A" rm; "$IPCX" shm "$A" create --size 4K)" ""
finish
