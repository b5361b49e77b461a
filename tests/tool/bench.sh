#!/bin/sh
# ipcx bench in its tiny mode: every row works (no failure, nothing
# skipped that should run), JSON and CSV are well formed, the plot is
# drawn, nothing is left behind, Ctrl-C cleans up.  No timing is asserted.
. "$(dirname "$0")/lib.sh"

status "bench --quick --json" 0 "$IPCX" bench --quick --json
cp "$T/out" "$T/b.json"
if python3 - "$T/b.json" <<'PY'; then ok "...is JSON with every row measured"; else bad "...is JSON with every row measured"; fi
import json, sys
d = json.load(open(sys.argv[1]))
env = d["environment"]
assert env["kernel"] and env["cpus"] >= 1 and env["floor_ns"] > 0, env
rows = d["rows"]
names = {r["facility"] for r in rows}
for want in ["cache-line ping-pong", "futex ping-pong", "memcpy (64 KiB blocks)",
             "minimal SPSC ring", "pipe", "fifo", "unix", "unix-dgram",
             "unix-seqpacket", "tcp (loopback)", "udp (loopback)", "sysvmq",
             "posixmq", "pty", "exec (cat)", "stdio", "ring wait=spin (anon)",
             "ring wait=adaptive (anon)", "ring wait=futex (anon)",
             "ring zero-copy (anon)", "sysvsem", "posixsem",
             "posixsem (unnamed)", "robust mutex", "condition variable",
             "flock", "fcntl (ofd=1)", "signal SIGUSR2 (standard)",
             "signal SIGRTMIN+3 (realtime)"]:
    assert want in names, want
for r in rows:
    assert not r["note"].startswith("failed"), r
    if r["note"].startswith("skipped"):
        continue
    if r["kind"] in ("channel", "shared memory", "synchronization", "signal"):
        assert r["median_ns"] and r["median_ns"] > 0, r
        if r["raw_is"] == "syscalls":
            assert r["raw_median_ns"] > 0 and r["latency_ratio"] > 0, r
# Every kernel channel with a raw path has its per-call cost (one thread).
for r in rows:
    if r["kind"] == "channel" and r["raw_is"] == "syscalls" and r["size"] <= 4096 \
            and not r["note"].startswith("skipped"):
        assert r["call_ns"] > 0 and r["raw_call_ns"] > 0, r
        assert "per call" in r["note"], r
# Request/reply through a listening server, one and four clients, each
# next to its raw path (the ring's round trip for shared memory).
for f in ("unix", "unix-seqpacket", "tcp (loopback)", "ring connections (posixshm)"):
    for n in ("1 client", "4 clients"):
        rr = [r for r in rows if r["kind"] == "request/reply" and r["facility"] == f + ", " + n]
        assert rr, (f, n)
        for r in rr:
            assert r["median_ns"] > 0 and r["raw_median_ns"] > 0, r
            assert r["latency_ratio"] > 0 and r["msgs_per_s"] > 0, r
            assert r["raw_is"] == ("ring round trip" if "ring" in f else "syscalls"), r
# Sizes above a facility's limit are skipped, and say why.
q = [r for r in rows if r["facility"] == "sysvmq" and r["size"] == 65536][0]
assert q["note"].startswith("skipped: larger than"), q
PY
status "bench --quick --csv" 0 "$IPCX" bench --quick --csv pipe sysvsem
if python3 - "$T/out" <<'PY'; then ok "...is CSV, one header and a row each"; else bad "...is CSV, one header and a row each"; fi
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert {"kind", "facility", "median_ns", "latency_ratio", "note"} <= set(rows[0]), rows[0]
assert any(r["facility"] == "pipe" and float(r["median_ns"]) > 0 for r in rows)
assert any(r["facility"] == "sysvsem" and float(r["median_ns"]) > 0 for r in rows)
PY
# Every scheme named is measured, or its row says why not: the rings of
# the named region facilities, over those regions.
status "bench --quick mmap posixshm sysvshm" 0 "$IPCX" bench --quick --json -s 64 mmap posixshm sysvshm
if python3 - "$T/out" <<'PY'; then ok "...a ring in each, every wait mode"; else bad "...a ring in each, every wait mode"; fi
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
for region in ("mmap", "posixshm", "sysvshm"):
    for wait in ("spin", "adaptive", "futex"):
        r = [x for x in rows if x["facility"] == "ring wait=%s (%s)" % (wait, region)]
        assert len(r) == 1 and r[0]["median_ns"] > 0 and r[0]["msgs_per_s"] > 0, (region, wait, r)
PY
expect "...and leaves no region behind" "$(ls /dev/shm | grep -c "ipcx-bench")$(ipcs -m | grep -c '^0x')" "00"
# ZeroMQ: PAIR sockets next to libzmq's own, and the relay of a ring to a
# push socket next to libzmq's push/pull (when the build has libzmq).
if "$IPCX" info -r -n -o FACILITY zmq | grep -q libzmq; then
	status "bench --quick zmq" 0 "$IPCX" bench --quick --json -s 64,64K zmq
	if python3 - "$T/out" <<'PY'; then ok "...zmq rows next to libzmq's, relay rows"; else bad "...zmq rows next to libzmq's, relay rows"; fi
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
for size in (64, 65536):
    z = [r for r in rows if r["facility"] == "zmq pair (tcp loopback)" and r["size"] == size]
    assert len(z) == 1, z
    z = z[0]
    assert z["raw_is"] == "libzmq" and not z["note"].startswith(("failed", "skipped")), z
    assert z["median_ns"] > 0 and z["raw_median_ns"] > 0 and z["latency_ratio"] > 0, z
    assert z["msgs_per_s"] > 0 and z["raw_msgs_per_s"] > 0 and z["throughput_ratio"] > 0, z
    if size <= 4096:
        assert z["call_ns"] > 0 and z["raw_call_ns"] > 0, z
    for f in ("ring (anon) -> zmq push", "ring (anon), live writer -> zmq push"):
        r = [x for x in rows if x["kind"] == "relay" and x["facility"] == f and x["size"] == size]
        assert len(r) == 1, (f, size)
        r = r[0]
        assert r["raw_is"] == "libzmq push/pull" and not r["note"].startswith("failed"), r
        assert r["msgs_per_s"] > 0 and r["raw_msgs_per_s"] > 0 and r["throughput_ratio"] > 0, r
PY
else
	ok "# SKIP bench zmq: this ipcx was built without libzmq"
fi
# The table at a width: COLUMNS=120 (a terminal that wide) keeps every
# line within it, the notes as footnotes; a pipe without COLUMNS gets whole
# rows, the notes in them.
COLUMNS=120 "$IPCX" bench --quick -s 64 pipe posixmq >"$T/w120" 2>/dev/null
expect "bench at 120 columns: no line wider" \
	"$(awk 'length($0) > 120' "$T/w120")" ""
contains "...the notes as footnotes" "$T/w120" "[1] the floor of any round trip"
contains "...saying what it left out" "$T/w120" "left out to fit 120 columns"
expect "...one line per row (the notes do not wrap the table)" \
	"$(grep -c '^channel ' "$T/w120")" "2"
env -u COLUMNS "$IPCX" bench --quick -s 64 pipe >"$T/wide" 2>/dev/null
contains "through a pipe: the notes in the rows" "$T/wide" " the floor of any round trip"
grep -q "^\[1\]" "$T/wide" && bad "...no footnotes" || ok "...no footnotes"
status "bench --quick --size 8,1K picks the sizes" 0 "$IPCX" bench --quick --size 8,1K unix
contains "...8 B" "$T/out" " 8 B "
contains "...1 KiB" "$T/out" " 1 KiB "
status "bench --plot draws an SVG" 0 "$IPCX" bench --quick --json --plot "$T/b.svg" pipe posixmq sysvsem anon
if grep -q "<svg" "$T/b.svg"; then ok "...it is one"; else bad "...it is one"; fi
# The plot: an opaque background, every percentile of the run drawn (none
# clipped by the axes: each point series has one mark per row that has
# the value, plus its legend sample), and a legend that says what the
# marks are.
if python3 - "$T/out" "$T/b.svg" <<'PY' 2>"$T/py"; then
import json, re, sys
rows = json.load(open(sys.argv[1]))["rows"]
svg = open(sys.argv[2]).read()
assert re.search(r'<rect x="0" y="0" width="\d+" height="\d+" fill="#ffffff"/>', svg), "background"
lat = [r for r in rows if r["median_ns"]]
def marks(group):
    # What the plot's group holds, up to the next plot's.
    part = svg.split('<g id="gnuplot_plot_%s"' % group)[1]
    return part.split('<g id="gnuplot_plot_')[0].count("<use ")
assert marks("2a") == sum(1 for r in lat if r["p99_ns"]) + 1, ("p99", marks("2a"))
assert marks("3a") == sum(1 for r in lat if r["p999_ns"]) + 1, ("p99.9", marks("3a"))
tp = [r for r in rows if r["bytes_per_s"]]
assert marks("2b") == sum(1 for r in tp if r["raw_bytes_per_s"]) + 1, ("raw", marks("2b"))
for words in ("the median round trip", "p99 (1 round trip in 100 was slower)",
              "p99.9 (1 in 1000 was slower)", "its own system calls",
              "shorter is better", "longer is better"):
    assert words in svg, words
PY
	ok "...opaque, every percentile drawn, a legend that says what the marks are"
else
	bad "...opaque, every percentile drawn, a legend that says what the marks are: $(tail -2 "$T/py")"
fi
status "a bad size list" 2 "$IPCX" bench --size 64,x
status "a bad budget" 2 "$IPCX" bench --seconds 0
status "an unknown scheme" 2 "$IPCX" bench nosuch
status "a plot that is neither svg nor png" 2 "$IPCX" bench --plot "$T/b.gif"
# The name never reaches gnuplot (ipcx opens the file): a quote in it is
# part of the name, never the end of a string that the rest would run
# after.
name="it's'; system('touch ran'); x='.svg"
status "bench --plot to a name with a quote" 0 sh -c \
	'cd "$1" && exec "$2" bench --quick --plot "$3" pipe' sh "$T" "$IPCX" "$name"
[ -s "$T/$name" ] && ok "...is that file" || bad "...is that file"
[ ! -e "$T/ran" ] && ok "...and runs nothing" || bad "...and runs nothing"
status "a plot name with a newline is just a name" 0 "$IPCX" bench --quick --plot "$T/a
b.svg" pipe
[ -s "$T/a
b.svg" ] && ok "...that file" || bad "...that file"
: >"$T/victim.svg"
ln -s "$T/victim.svg" "$T/link.svg"
status "a plot file that is a symbolic link is refused" 1 "$IPCX" bench --quick --plot "$T/link.svg" pipe
contains "...saying so" "$T/err" "symbolic link"
expect "...the file it points to untouched" "$(wc -c <"$T/victim.svg")" "0"
status "json and csv at once" 2 "$IPCX" bench --json --csv
left() {
	ls /dev/shm /tmp 2>/dev/null | grep "ipcx-bench-" | grep -vc -- "-other$"
}
expect "nothing left in /dev/shm or /tmp" "$(left)" "0"
# Ctrl-C: the whole process group gets SIGINT; everything goes.
setsid "$IPCX" bench --seconds 3 sysvmq fifo flock >/dev/null 2>"$T/int" &
b=$!
# Another run's file, whose pid merely starts with this one's: not ours.
other="/tmp/ipcx-bench-${b}9-other"
: >"$other"
sleep 1.5
kill -INT -$b
wait $b
s=$?
expect "Ctrl-C ends it with 130" "$s" "130"
sleep 0.2
expect "...and leaves nothing behind" "$(left)" "0"
expect "...no System V queue either" "$(ipcs -q | grep -c "^0x1b$(printf '%04x' $((b & 0xffff)))")" "0"
[ -e "$other" ] && ok "...and leaves another run's names alone" || bad "...and leaves another run's names alone"
rm -f "$other"
finish
