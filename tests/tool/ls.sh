#!/bin/sh
# ipcx ls / rm: objects made by ipcx, by a plain C peer and by ipcmk are
# listed with the right facility, owner, mode and holders; stale ones are
# told apart; rm removes each kind and refuses the wrong kind, held objects
# and (with --dry-run) everything.
. "$(dirname "$0")/lib.sh"
OBJPEER=${OBJPEER:?set OBJPEER to the objpeer binary}
P=$$
K1=$(printf '0x4c%06x' $((P & 0xffffff)))
K2=$(printf '0x4d%06x' $((P & 0xffffff)))
K3=$(printf '0x4b%06x' $((P & 0xffffff)))
IPCMK_IDS=""
# Who runs this: the owner of what it makes (root or not).
ME=$(id -un)
# POSIX queues are listed from the mqueue filesystem: mounted, or root to
# mount one for the listing.
if [ "$(id -u)" = 0 ] || grep -q " mqueue " /proc/self/mounts; then
	MQ_LISTED=1
else
	MQ_LISTED=""
fi
NO_MQ="# SKIP POSIX queues are not listed here: no mqueue filesystem is mounted and only root may mount one"
gone() {
	for k in $K1 $K2; do ipcrm -M "$k" 2>/dev/null; done
	ipcrm -Q "$K3" 2>/dev/null
	ipcrm -S "$K3" 2>/dev/null
	for id in $IPCMK_IDS; do ipcrm -m "$id" 2>/dev/null; done
	rm -f /dev/shm/ipcx-ls-$P-* /dev/shm/sem.ipcx-ls-$P-*
	[ -d /dev/mqueue ] && rm -f /dev/mqueue/ipcx-ls-$P-*
	"$MQPEER" posix-unlink "/ipcx-ls-$P-q" 2>/dev/null
	"$IPCX" rm -f "posixmq:/ipcx-ls-$P-iq" 2>/dev/null
	cleanup
}
trap gone EXIT

# peer KIND NAME [SIZE]: starts a C peer holding the object; waits for it.
peer() {
	"$OBJPEER" "$@" >"$T/peer.$1" 2>&1 &
	PEER_PID=$!
	wait_for "grep -q ready '$T/peer.$1'" || bad "peer $1 did not start"
}

# row ADDR: the -r row of ls for ADDR (columns as asked in $COLS), with
# empty cells dropped.
COLS=FACILITY,ADDRESS,OWNER,PERMS,HOLDERS,STALE
row() {
	"$IPCX" ls -r -n -o "$COLS" 2>/dev/null |
		awk -v a="$1" '{ for (i = 1; i <= NF; i++) if ($i == a) { $1 = $1; print; next } }'
}

# ---- objects made by a plain C peer, held by it -----------------------------
peer shm "$K1" 8192
SHM_PEER=$PEER_PID
expect "C peer's System V segment: facility, owner, mode, holder" \
	"$(row "sysvshm:$K1")" \
	"sysvshm sysvshm:$K1 $ME 0640 $SHM_PEER(objpeer)"
peer posixshm "/ipcx-ls-$P-shm" 4096
expect "C peer's POSIX shm, held through its mapping" \
	"$(row "posixshm:/ipcx-ls-$P-shm")" \
	"posixshm posixshm:/ipcx-ls-$P-shm $ME 0600 $PEER_PID(objpeer)"
peer posixsem "/ipcx-ls-$P-sem"
expect "C peer's named semaphore" \
	"$(row "posixsem:/ipcx-ls-$P-sem")" \
	"posixsem posixsem:/ipcx-ls-$P-sem $ME 0600 $PEER_PID(objpeer)"
peer mq "/ipcx-ls-$P-q"
if [ -n "$MQ_LISTED" ]; then
	expect "C peer's POSIX queue, held open" \
		"$(row "posixmq:/ipcx-ls-$P-q")" \
		"posixmq posixmq:/ipcx-ls-$P-q $ME 0600 $PEER_PID(objpeer)"
else
	ok "$NO_MQ"
fi
peer fifo "$T/fifo"
expect "C peer's FIFO, held open" "$(row "fifo:$T/fifo")" \
	"fifo fifo:$T/fifo $ME 0600 $PEER_PID(objpeer)"
peer unix "$T/sock"
UNIX_PEER=$PEER_PID
expect "C peer's listening UNIX socket" "$(row "unix:$T/sock")" \
	"unix unix:$T/sock $ME 0755 $PEER_PID(objpeer)"
peer flock "$T/lockfile"
expect "C peer's flock" "$(row "flock:$T/lockfile")" \
	"flock flock:$T/lockfile $ME 0600 $PEER_PID(objpeer)"

# ---- JSON: valid, the same data, typed for machines --------------------------
"$IPCX" ls -J >"$T/ls.json" 2>/dev/null
if ME=$ME python3 - "$T/ls.json" "sysvshm:$K1" "$SHM_PEER" <<'EOF'; then
import json, os, sys
d = json.load(open(sys.argv[1]))
o = [x for x in d["objects"] if x["address"] == sys.argv[2]][0]
assert o["facility"] == "sysvshm" and o["owner"] == os.environ["ME"], o
assert o["uid"] == os.getuid() and o["perms"] == "0640", o
assert o["size"] == 8192 and o["size_unit"] == "bytes", o
assert o["holders"] == [{"pid": int(sys.argv[3]), "command": "objpeer"}], o
assert o["attached"] == 1 and o["stale"] is False, o
EOF
	ok "-J is valid JSON with the same data"
else
	bad "-J is valid JSON with the same data"
fi
# Every object: no "-" or "" placeholders (null instead), numbers as
# numbers, times in ISO 8601 with the zone, sizes with their unit.
"$IPCX" ls -J -o +KEY,MODE,VALUE,LAST,DETAIL >"$T/all.json" 2>/dev/null
if python3 - "$T/all.json" "$K1" "$T/lockfile" <<'EOF' 2>"$T/py"; then
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["objects"], d
units = {"sysvshm": "bytes", "posixshm": "bytes", "sysvmq": "messages",
         "posixmq": "messages", "sysvsem": "semaphores",
         "posixsem": "semaphores"}
for o in d["objects"]:
    for k, v in o.items():
        assert v not in ("-", ""), (k, o)
    for k in ("id", "uid", "size", "creator", "last", "key", "attached"):
        assert o[k] is None or isinstance(o[k], int), (k, o)
    assert o["changed"] is None or re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", o["changed"]), o
    assert isinstance(o["stale"], bool) and isinstance(o["unheld"], bool), o
    assert o["holders"] is None or all(
        set(h) == {"pid", "command"} for h in o["holders"]), o
    if o["facility"] in units:
        assert o["size_unit"] == units[o["facility"]], o
    sysv = o["facility"].startswith("sysv")
    assert (o["key"] is not None) == sysv, o
    assert (o["mode"] is not None) == (o["facility"] in ("flock", "fcntl")), o
seg = [o for o in d["objects"] if o["address"] == "sysvshm:" + sys.argv[2]][0]
assert seg["key"] == int(sys.argv[2], 16), seg
lk = [o for o in d["objects"] if o["address"] == "flock:" + sys.argv[3]][0]
assert lk["mode"] == "WRITE", lk
sem = [o for o in d["objects"] if o["facility"] == "posixsem"][0]
assert sem["size"] == 1 and isinstance(sem["value"], list), sem
EOF
	ok "-J: typed fields, null for unknown, ISO 8601 times, units, key, lock mode"
else
	bad "-J: typed fields, null for unknown, ISO 8601 times, units, key, lock mode: $(tail -3 "$T/py")"
fi

# ---- rm refuses held objects, the wrong kind, and --dry-run removes nothing --
status "rm refuses a segment a live process holds" 1 \
	"$IPCX" rm "sysvshm:$K1"
contains "...naming the holder" "$T/err" "held by $SHM_PEER (objpeer) (--force removes it anyway)"
status "rm refuses a held FIFO" 1 "$IPCX" rm "fifo:$T/fifo"
status "rm fifo: on a socket is refused" 1 "$IPCX" rm "fifo:$T/sock"
contains "...as not a FIFO" "$T/err" "is not a FIFO"
[ -S "$T/sock" ] && ok "...and the socket stays" || bad "...and the socket stays"
: >"$T/plain"
status "rm unix: on a regular file is refused" 1 "$IPCX" rm "unix:$T/plain"
[ -f "$T/plain" ] && ok "...and the file stays" || bad "...and the file stays"
status "rm posixsem: of a shm object is refused" 1 \
	"$IPCX" rm "posixsem:/ipcx-ls-$P-shm"
status "rm of a missing object" 1 "$IPCX" rm "posixshm:/ipcx-ls-$P-none"
contains "...says so" "$T/err" "No such file"
status "rm --dry-run --force prints, removes nothing" 0 \
	"$IPCX" rm --dry-run --force "sysvshm:$K1" "posixshm:/ipcx-ls-$P-shm"
contains "...what it would remove" "$T/out" "would remove sysvshm:$K1"
ipcs -m | grep -q "$K1" && ok "...the segment is still there" ||
	bad "...the segment is still there"
[ -e "/dev/shm/ipcx-ls-$P-shm" ] && ok "...and the shm object" ||
	bad "...and the shm object"
status "rm of a lock is refused" 1 "$IPCX" rm -f "flock:$T/lockfile"
status "rm with no address is a usage error" 2 "$IPCX" rm
status "ls of an unknown scheme is a usage error" 2 "$IPCX" ls nosuch
status "ls -o with an unknown column" 2 "$IPCX" ls -o ADDRESS,NOPE
# -o +COLS: the default columns, then those.
"$IPCX" ls -o +DETAIL 2>/dev/null | head -1 >"$T/head"
expect "ls -o +DETAIL adds DETAIL to the defaults" "$(tr -s ' ' <"$T/head" | sed 's/ $//')" \
	"FACILITY ADDRESS ID OWNER PERMS SIZE HOLDERS CREATOR CHANGED STALE UNHELD DETAIL"
# At 80 columns the default table leaves out what is least needed rather
# than break its lines, and says so; a pipe gets every default column.
COLUMNS=80 "$IPCX" ls >"$T/w80" 2>/dev/null
expect "ls at 80 columns: no line wider" "$(awk 'length($0) > 80' "$T/w80")" ""
contains "...the objects still there" "$T/w80" "sysvshm:$K1"
contains "...saying what it left out" "$T/w80" "left out to fit 80 columns"
env -u COLUMNS "$IPCX" ls >"$T/wide" 2>/dev/null
grep -q "left out" "$T/wide" && bad "through a pipe: nothing left out" ||
	ok "through a pipe: nothing left out"
status "ls --list-columns" 0 "$IPCX" ls --list-columns
contains "...names each column with its type" "$T/out" "HOLDERS"
if "$IPCX" ls -H -J | python3 -c 'import json,sys; c = json.load(sys.stdin)["columns"]; assert {"name": "SIZE", "type": "number", "description": "bytes (memory), messages (queues) or semaphores"} in c, c'; then
	ok "ls -H -J: the columns as JSON"
else bad "ls -H -J: the columns as JSON"; fi
expect "ls -H lists every column the table takes" \
	"$("$IPCX" ls -H -r -n | cut -d' ' -f1 | tr '\n' ,)" \
	"FACILITY,ADDRESS,KEY,ID,OWNER,PERMS,MODE,SIZE,VALUE,HOLDERS,CREATOR,LAST,CHANGED,STALE,UNHELD,DETAIL,"
status "info --list-columns -l" 0 "$IPCX" info -H -l -r -n
contains "...the limits' columns" "$T/out" "USED"

# ---- stale: a dead creator's segment is, a live one's is not -------------
"$OBJPEER" shm-leave "$K2" 4096 >"$T/leave" 2>&1
COLS=ADDRESS,STALE
expect "a segment whose creator died, detached: stale" \
	"$(row "sysvshm:$K2")" "sysvshm:$K2 yes"
expect "a segment its live creator holds: not stale" "$(row "sysvshm:$K1")" \
	"sysvshm:$K1"
"$IPCX" ls --stale -r -n -o ADDRESS >"$T/stale.young" 2>/dev/null
if grep -q "sysvshm:$K2" "$T/stale.young"; then bad "ls --stale: not one changed within the hour (the default age)"; else
	ok "ls --stale: not one changed within the hour (the default age)"; fi
"$IPCX" ls --stale --older-than 0 -r -n -o ADDRESS >"$T/stale" 2>/dev/null
contains "ls --stale lists it" "$T/stale" "sysvshm:$K2"
if grep -q "sysvshm:$K1" "$T/stale"; then bad "...and not the held one"; else
	ok "...and not the held one"; fi
status "rm --stale --dry-run" 0 "$IPCX" rm --stale --older-than 0 --dry-run sysvshm
contains "...names it" "$T/out" "would remove sysvshm:$K2"
ipcs -m | grep -q "$K2" && ok "...and leaves it" || bad "...and leaves it"
status "rm --stale (default age) leaves a leftover of the last hour" 0 "$IPCX" rm --stale -v sysvshm
ipcs -m | grep -q "$K2" && ok "...still there" || bad "...still there"
status "rm --stale --older-than 0 sysvshm" 0 "$IPCX" rm --stale --older-than 0 -v sysvshm
contains "...removes it" "$T/out" "removed sysvshm:$K2"
ipcs -m | grep -q "$K2" && bad "...gone from ipcs" || ok "...gone from ipcs"
ipcs -m | grep -q "$K1" && ok "...the held one stays" ||
	bad "...the held one stays"

# ---- after the holder dies: stale, then removable ----------------------------
kill "$SHM_PEER"
wait "$SHM_PEER" 2>/dev/null
expect "the peer killed: its segment is stale" "$(row "sysvshm:$K1")" \
	"sysvshm:$K1 yes"
status "rm removes it now" 0 "$IPCX" rm "sysvshm:$K1"
ipcs -m | grep -q "$K1" && bad "...gone" || ok "...gone"

# ---- ipcmk's objects, and a private segment by id ----------------------------
if command -v ipcmk >/dev/null; then
	id=$(ipcmk -M 4096 -p 0604 | sed 's/[^0-9]//g')
	IPCMK_IDS="$id"
	COLS=FACILITY,ID,PERMS
	"$IPCX" ls -r -n -o ADDRESS,ID,PERMS,STALE sysvshm | awk -v i="$id" '$2 == i' >"$T/mk"
	contains "ipcmk's segment: listed with its id and mode" "$T/mk" " $id 0604"
	contains "...stale: ipcmk is gone, nobody attached" "$T/mk" "yes"
	addr=$(awk '{print $1}' "$T/mk")
	status "rm by the listed address" 0 "$IPCX" rm "$addr"
	ipcs -m | awk '{print $2}' | grep -qx "$id" && bad "...gone" || ok "...gone"
	id=$(ipcmk -M 4096 | sed 's/[^0-9]//g')
	IPCMK_IDS="$IPCMK_IDS $id"
	status "rm sysvshm:id:N" 0 "$IPCX" rm "sysvshm:id:$id"
	status "...twice: no such object" 1 "$IPCX" rm "sysvshm:id:$id"
	contains "...says so" "$T/err" "no such object"
else
	ok "# SKIP ipcmk is not installed"
fi

# listed SCHEME ADDR COLS: ls's raw row of ADDR, with COLS after ADDRESS.
listed() {
	"$IPCX" ls -r -n -o "ADDRESS,$3" "$1" 2>/dev/null | grep "^$2 "
}

# unchanged_by_ls SCHEME ADDR: looking at it twice, a second apart, does
# not move its CHANGED (a listing must not make an object look used).
unchanged_by_ls() {
	first=$(listed "$1" "$2" CHANGED)
	sleep 1.1
	expect "...listing it does not make it look used (CHANGED stays)" \
		"$(listed "$1" "$2" CHANGED)" "$first"
}

# ---- ipcx's own objects and rm of each kind ------------------------------------
"$IPCX" shm "posixshm:/ipcx-ls-$P-x" create --size 4K
status "rm posixshm" 0 "$IPCX" rm "posixshm:/ipcx-ls-$P-x"
[ -e "/dev/shm/ipcx-ls-$P-x" ] && bad "...gone" || ok "...gone"
"$IPCX" sem "posixsem:/ipcx-ls-$P-s" create --value 2
expect "a named semaphore: one semaphore, its value" \
	"$(listed posixsem "posixsem:/ipcx-ls-$P-s" SIZE,VALUE)" \
	"posixsem:/ipcx-ls-$P-s 1\\x20sem 2"
unchanged_by_ls posixsem "posixsem:/ipcx-ls-$P-s"
COLS=FACILITY,ADDRESS,OWNER,PERMS,HOLDERS,STALE,UNHELD
expect "ipcx's named semaphore, nobody holding: unheld (no creator recorded), not stale" \
	"$(row "posixsem:/ipcx-ls-$P-s")" \
	"posixsem posixsem:/ipcx-ls-$P-s $ME 0600 yes"
status "rm posixsem" 0 "$IPCX" rm "posixsem:/ipcx-ls-$P-s"
"$IPCX" send --create "posixmq:/ipcx-ls-$P-iq" hello
"$IPCX" send "posixmq:/ipcx-ls-$P-iq" again
if [ -n "$MQ_LISTED" ]; then
	expect "a POSIX queue's size is in messages" \
		"$(listed posixmq "posixmq:/ipcx-ls-$P-iq" SIZE)" \
		"posixmq:/ipcx-ls-$P-iq 2\\x20msgs"
	unchanged_by_ls posixmq "posixmq:/ipcx-ls-$P-iq"
	status "rm posixmq" 0 "$IPCX" rm "posixmq:/ipcx-ls-$P-iq"
	status "...twice: no such object" 1 "$IPCX" rm "posixmq:/ipcx-ls-$P-iq"
else
	# rm looks first, and cannot look: it refuses, saying why.
	status "rm posixmq, with nothing to look it up in" 1 "$IPCX" rm "posixmq:/ipcx-ls-$P-iq"
	contains "...says how to mount one" "$T/err" "mount -t mqueue"
	status "rm -f removes it all the same (the kernel's permissions decide)" 0 \
		"$IPCX" rm -f "posixmq:/ipcx-ls-$P-iq"
	status "...it is gone" 1 "$MQPEER" posix-unlink "/ipcx-ls-$P-iq"
	ok "$NO_MQ"
fi
"$IPCX" send --create "sysvmq:$K3" hello
COLS=FACILITY,ADDRESS,PERMS
expect "ipcx's System V queue" "$(row "sysvmq:$K3")" \
	"sysvmq sysvmq:$K3 0600"
status "rm sysvmq" 0 "$IPCX" rm "sysvmq:$K3"
ipcs -q | grep -q "$K3" && bad "...gone" || ok "...gone"
kill "$UNIX_PEER"
wait "$UNIX_PEER" 2>/dev/null
COLS=ADDRESS,STALE
expect "a socket file whose server died is no longer listed" \
	"$(cd / && "$IPCX" ls -r -n -o ADDRESS,STALE 2>/dev/null | grep -c "unix:$T/sock")" "0"
status "rm of the leftover socket file" 0 "$IPCX" rm "unix:$T/sock"
[ -e "$T/sock" ] && bad "...gone" || ok "...gone"
pkill -P $$ objpeer 2>/dev/null
sleep 0.1
status "rm fifo, once nobody holds it" 0 "$IPCX" rm "fifo:$T/fifo"
[ -e "$T/fifo" ] && bad "...gone" || ok "...gone"

# ---- namespaces: a holder in another IPC namespace, and --ns PID -------------
if unshare --ipc true 2>/dev/null; then
	unshare --ipc "$OBJPEER" posixshm "/ipcx-ls-$P-ns" 4096 >"$T/peer.ns" 2>&1 &
	NS_PEER=$!
	wait_for "grep -q ready '$T/peer.ns'"
	COLS=ADDRESS,HOLDERS
	row "posixshm:/ipcx-ls-$P-ns" >"$T/nsrow"
	contains "a holder in another IPC namespace is marked so" "$T/nsrow" \
		"$NS_PEER(objpeer)[ipc:"
	kill "$NS_PEER"
	unshare --ipc "$OBJPEER" shm "$K2" 4096 >"$T/peer.ns2" 2>&1 &
	NS_PEER=$!
	wait_for "grep -q ready '$T/peer.ns2'"
	"$IPCX" ls -r -n -o ADDRESS sysvshm >"$T/here" 2>/dev/null
	"$IPCX" ls --ns "$NS_PEER" -r -n -o ADDRESS,HOLDERS sysvshm >"$T/there" 2>/dev/null
	if grep -q "sysvshm:$K2" "$T/here"; then
		bad "another IPC namespace's segment is not listed here"
	else
		ok "another IPC namespace's segment is not listed here"
	fi
	contains "ls --ns PID lists it, with its holder" "$T/there" \
		"sysvshm:$K2 $NS_PEER(objpeer)"
	status "ls --ns of no such process" 1 "$IPCX" ls --ns 999999999
	status "ls --ns of something else than a pid" 2 "$IPCX" ls --ns ../1
	kill "$NS_PEER" # its namespace, and the segment, go with it
else
	ok "# SKIP unshare --ipc is not permitted here"
fi

# ---- System V semaphore sets; -u; another user ----------------------------
"$IPCX" sem "sysvsem:$K3" create --value 1
COLS=FACILITY,ADDRESS,OWNER,PERMS
expect "ipcx's System V semaphore set" "$(row "sysvsem:$K3")" \
	"sysvsem sysvsem:$K3 $ME 0600"
"$IPCX" ls -u "$ME" -r -n -o ADDRESS sysvsem >"$T/mine" 2>/dev/null
contains "ls -u $ME lists it" "$T/mine" "sysvsem:$K3"
OTHER=nobody
[ "$ME" = nobody ] && OTHER=root
"$IPCX" ls -u $OTHER -r -n -o ADDRESS sysvsem >"$T/theirs" 2>/dev/null
if grep -q "sysvsem:$K3" "$T/theirs"; then bad "ls -u $OTHER does not"; else
	ok "ls -u $OTHER does not"; fi
status "ls -u of an unknown user is a usage error" 2 "$IPCX" ls -u no-such-user-$P
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP another user's rm: becoming another user needs root"
	ok "# SKIP another user's rm: becoming another user needs root"
	ok "# SKIP another user's ls of POSIX queues: becoming another user needs root"
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	status "another user's rm is refused" 1 $AS_NOBODY "$IPCX" rm "sysvsem:$K3"
	contains "...saying whose it is" "$T/err" "owned by $ME"
	$AS_NOBODY "$IPCX" ls posixmq >"$T/out" 2>"$T/err"
	if [ -d /dev/mqueue ] && grep -q mqueue /proc/mounts; then
		ok "# SKIP an mqueue filesystem is mounted"
	else
		contains "no mqueue mounted, not root: ls says how to mount one" \
			"$T/err" "mount -t mqueue"
	fi
else
	ok "# SKIP setpriv or the user nobody is missing"
	ok "# SKIP setpriv or the user nobody is missing"
	ok "# SKIP setpriv or the user nobody is missing"
fi
status "rm sysvsem" 0 "$IPCX" rm "sysvsem:$K3"
ipcs -s | grep -q "$K3" && bad "...gone" || ok "...gone"

# ---- a name the address syntax would misread is escaped ------------------
"$IPCX" shm "posixshm:/ipcx-ls-$P-a%3Fb%20c" create --size 1K
[ -e "/dev/shm/ipcx-ls-$P-a?b c" ] && ok "a name with '?' and ' '" ||
	bad "a name with '?' and ' '"
COLS=ADDRESS,UNHELD
expect "...listed escaped, ready to paste" \
	"$(row "posixshm:/ipcx-ls-$P-a%3Fb%20c")" "posixshm:/ipcx-ls-$P-a%3Fb%20c yes"
status "...and removed by that address" 0 "$IPCX" rm "posixshm:/ipcx-ls-$P-a%3Fb%20c"

# ---- the summary line ---------------------------------------------------------
"$IPCX" ls >"$T/table" 2>/dev/null
contains "ls ends with the limits summary" "$T/table" "(SHMMNI)"
contains "...and /dev/shm's room" "$T/table" "(/dev/shm)"
finish
