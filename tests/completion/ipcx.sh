#!/bin/bash
# The bash completion (completion/ipcx), as bash-completion loads it:
# `complete -p ipcx`, then _ipcx called with COMP_WORDS split as readline
# splits a line (":" "=" "&" are word breaks), COMPREPLY checked.
# Usage: ipcx.sh SRCDIR BUILDDIR
set -u
src=$1 build=$2
IPCX=$build/src/tool/ipcx
. "$src/tests/tool/lib.sh"

bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "1..0 # SKIP no bash-completion ($bc)"
	exit 0
fi
# bash_completion wants an interactive-looking shell; its own strict mode
# would trip on our set -u.
set +u
. "$bc"
. "$src/completion/ipcx"

spec=$(complete -p ipcx 2>&1)
expect "complete -p ipcx" "$spec" "complete -F _ipcx ipcx"

# comp WORD... : completes the last word of "ipcx WORD..." (the tool of
# this build standing for ipcx), splitting at : = & as readline does.
comp() {
	local line="$IPCX $*" w
	COMP_WORDS=()
	for w in "$IPCX" "$@"; do
		# readline: each break character is a word of its own.
		while [[ $w =~ ^([^:=\&]*)([:=\&])(.*)$ ]]; do
			[[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
			COMP_WORDS+=("${BASH_REMATCH[2]}")
			w=${BASH_REMATCH[3]}
		done
		COMP_WORDS+=("$w")
	done
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_ipcx
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
has() { # has NAME WORD OUTPUT: WORD is one of OUTPUT's lines
	if printf '%s\n' "$3" | grep -qxF -- "$2"; then ok "$1"; else
		bad "$1: '$2' not in: $(echo $3)"; fi
}
hasnt() {
	if printf '%s\n' "$3" | grep -qxF -- "$2"; then
		bad "$1: '$2' offered"; else ok "$1"; fi
}

out=$(comp "")
for c in info send recv relay serve shm sem lock ls rm bench help; do
	has "the command $c" "$c" "$out"
done
expect "commands by prefix" "$(comp "re")" "recv
relay"
out=$(comp ls "--")
has "ls options from its --help" "--stale" "$out"
has "...and --version" "--version" "$out"
has "...and --json" "--json" "$out"
out=$(comp send "--")
has "send --create" "--create" "$out"
hasnt "...not ls's options" "--stale" "$out"

out=$(comp send "")
for s in pipe fifo unix posixmq posixshm sysvmq tcp zmq; do
	has "the scheme $s: for send" "$s:" "$out"
done
expect "a scheme by prefix" "$(comp send "posixs")" "posixsem:
posixshm:"
expect "shm offers the region schemes only" "$(comp shm "")" "anon:
mmap:
posixshm:
sysvshm:"
expect "sem: the semaphore schemes" "$(comp sem "")" "posixsem:
sysvsem:"
expect "lock: the lock schemes" "$(comp lock "")" "fcntl:
flock:"

# Address options from the library's tables (COMPREPLY holds what readline
# replaces: the text after the last break character, here ":").
out=$(comp send "posixshm:/x?")
has "posixshm options after ?" "/x?size=" "$out"
has "...wait=" "/x?wait=" "$out"
has "...and the common ones" "/x?timeout=" "$out"
hasnt "...not another facility's" "/x?framing=" "$out"
out=$(comp send "unix:/tmp/s?fr")
expect "an option by prefix" "$out" "/tmp/s?framing="
out=$(comp send "posixshm:/x?wait=")
expect "a choice's values" "$out" "adaptive
futex
spin"
expect "...by prefix after &" "$(comp send "posixshm:/x?size=1M&wait=f")" "futex"
out=$(comp send "zmq:tcp://127.0.0.1:5555?type=pu")
expect "zmq socket types" "$out" "pub
pull
push"
expect "a value that is not a choice offers nothing" \
	"$(comp send "posixshm:/x?size=")" ""

# Paths for the schemes named by one.
mkdir "$T/dir" && touch "$T/dir/a.lock" "$T/dir/b.sock"
out=$(comp lock "flock:$T/dir/a")
expect "flock: a file" "$out" "$T/dir/a.lock"
out=$(comp send "unix:$T/di")
expect "unix: a directory" "$out" "$T/dir"

# Live objects, as ipcx ls lists them.
name=ipcx-comp-$$
"$IPCX" shm "posixshm:/$name" create --size 4K
"$IPCX" sem "posixsem:/$name" create
out=$(comp recv "posixshm:/ipcx-comp-")
expect "posixshm: the live objects" "$out" "/$name"
out=$(comp rm "")
has "rm: every live object" "posixshm:/$name" "$out"
has "...of every kind" "posixsem:/$name" "$out"
out=$(comp rm --stale "")
has "rm --stale: schemes" "sysvshm" "$out"
"$IPCX" rm "posixshm:/$name" "posixsem:/$name"

expect "shm's actions" "$(comp shm "posixshm:/x" "")" "create
read
rm
write"
expect "sem's actions by prefix" "$(comp sem "posixsem:/x" "t")" "trywait"
out=$(comp ls -o "")
has "ls -o: its columns" "ADDRESS" "$out"
has "...HOLDERS" "HOLDERS" "$out"
expect "ls -o after a comma" "$(comp ls -o "ADDRESS,HOL")" "ADDRESS,HOLDERS"
has "info: schemes" "udp" "$(comp info "")"
has "help: commands" "relay" "$(comp help "")"
expect "nothing after send's address and message" \
	"$(comp send "unix:/x" "")" ""
finish
