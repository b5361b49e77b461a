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

status "create needs --size" 2 "$IPCX" shm "$PS" create
status "an unknown action" 2 "$IPCX" shm "$PS" frob
status "a bad name" 2 "$IPCX" shm "posixshm:noslash" read
status "not shared memory" 1 "$IPCX" shm "unix:$T/s" read
status "a bad size" 2 "$IPCX" shm "$PS" create --size 12Q
finish
