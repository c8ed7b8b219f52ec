#!/bin/sh
# Sync benchmark (P1-P3): push N records from one device to the sync
# server over TLS on loopback (server durable: WAL, synchronous=FULL) —
# all, then 10 % changed, then nothing changed — and the PouchDB peer
# (../shared/bench/peers/pouch_sync.sh) on the same record count, in the
# same run; the full and the 10 % pushes are run REPS times (default 3) on
# both sides and the medians compared. Usage: [REPS=3] scripts/bench-sync.sh [BUILD_DIR] [N=10000]
# Prints a table, then machine-readable lines:
#   P1 records=… seconds=… rps=… peer_rps=… ratio=… bytes=… peer_bytes=…
#   P2 records=… seconds=… rps=… peer_rps=… ratio=… bytes=… peer_bytes=… bytes_ratio=…
#   P3 requests=… bytes=… peer_bytes=… bytes_ratio=…
set -eu
B=${1:-build}
N=${2:-10000}
D=$(mktemp -d "${TMPDIR:-/tmp}/fa-bench-sync.XXXXXX")
PORT=$(( 40000 + $$ % 10000 ))
export LC_ALL=C.UTF-8 FA_PIN=2468
start_server() {
	: >"$D/log"
	"$B/sync-server" serve --data "$D/srv" --port "$PORT" --log-level 1 >"$D/log" 2>&1 &
	SPID=$!
	for _ in $(seq 100); do grep -q listening "$D/log" 2>/dev/null && break; sleep 0.05; done
}
stop_server() { kill $SPID 2>/dev/null; wait $SPID 2>/dev/null || true; }
SPID=
trap 'kill $SPID 2>/dev/null || true; rm -rf "$D"' EXIT INT TERM
start_server
# N records = N/2 persons + N/2 assessments (about 1.2 KB of JSON each on average)
"$B/gen-cases" --count $((N / 2)) --seed 77 -o "$D/cases.json"
LOCS=$(grep -o '"locality":"[^"]*"' "$D/cases.json" | cut -d'"' -f4 | sort -u | paste -sd, -)
"$B/sync-server" device enroll bench "$LOCS" --data "$D/srv" --port "$PORT" >"$D/e.txt"
CODE=$(sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$D/e.txt")
PIN=$(sed -n 's/^server key pin *//p' "$D/e.txt")
export FA_DATA="$D/dev"
"$B/field-agent" init --kdf-ms 1 >/dev/null
"$B/field-agent" enroll "https://127.0.0.1:$PORT" "$CODE" --pin "$PIN" >/dev/null
"$B/field-agent" import "$D/cases.json" >/dev/null
# The clock read by the shell that starts the command (bash's
# $EPOCHREALTIME): `date` before and after added the start of two more
# processes, ~1.7 ms, to a 40 ms push.
timed() { # timed OUT ERR CMD...: runs CMD, prints its seconds
	bash -c 's=$EPOCHREALTIME; out=$1 err=$2; shift 2; "$@" >"$out" 2>"$err"; rc=$?
		e=$EPOCHREALTIME; echo "$e - $s" | bc -l; exit $rc' timed "$@"
}
run() { # name: one sync, timed: the whole command, and its exchange alone
	secs=$(FA_SYNC_TIMING=1 timed "$D/sync.txt" "$D/sync.err" "$B/field-agent" sync)
	echo "$1 $secs $(sed 's/^sent \([0-9]*\).*; \([0-9]*\) requests, \([0-9]*\) bytes up, \([0-9]*\) down.*/\1 \2 \3 \4/' "$D/sync.txt") $(sed -n 's/^sync exchange \([0-9.]*\) s$/\1/p' "$D/sync.err")"
}
# Each repetition does what one repetition of the peer does (its
# bench.js rep()): from the same starting point (every record imported,
# nothing sent; the server's and the device's data copied back, the
# server started on the copy) push everything, change a tenth of the
# records and push again on the same running server, then push with
# nothing changed. The median of REPS runs of each push is reported, as
# the peer reports the median of as many runs.
REPS=${REPS:-3}
stop_server
rm -rf "$D/srv0" "$D/dev0"
cp -a "$D/srv" "$D/srv0"
cp -a "$D/dev" "$D/dev0"
: >"$D/full.txt"
: >"$D/inc.txt"
r=1
while [ $r -le "$REPS" ]; do
	if [ $r -gt 1 ]; then
		rm -rf "$D/srv" "$D/dev"
		cp -a "$D/srv0" "$D/srv"
		cp -a "$D/dev0" "$D/dev"
	fi
	# the copies on disk first: an fsync of a store just copied would
	# write the whole file (the agent's close syncs its store)
	sync
	start_server
	run full >>"$D/full.txt"
	# 10 % changed: a tenth of the records get a new revision (persons' addresses)
	"$B/field-agent" person list | head -n $((N / 10)) | cut -c1-36 >"$D/ids"
	while read -r id; do "$B/field-agent" person edit "$id" --address "ул. Нова $id" >/dev/null; done <"$D/ids"
	sync # the disk quiet before this timed push too
	run incremental_10pct >>"$D/inc.txt"
	[ $r -eq "$REPS" ] && run noop >"$D/noop.txt"
	stop_server
	r=$((r + 1))
done
median() { sort -k2 -n "$1" | sed -n "$(( (REPS + 1) / 2 ))p"; }
{ median "$D/full.txt"; median "$D/inc.txt"; cat "$D/noop.txt"; } >"$D/r.txt"
echo "runs (seconds): full $(cut -d' ' -f2 "$D/full.txt" | paste -sd' ' -);" \
	"10 % changed $(cut -d' ' -f2 "$D/inc.txt" | paste -sd' ' -)," \
	"its exchange $(cut -d' ' -f7 "$D/inc.txt" | paste -sd' ' -)"
# the peer, same N, same run
PEER=$(dirname "$0")/../../shared/bench/peers/pouch_sync.sh
if [ -x "$PEER" ]; then
	# its own ports (it listens on two): two benchmarks at once must not meet
	PEER_DIR="${PEER_DIR:-/tmp/pouch-peer}" "$PEER" "$N" "$REPS" 100 1 $((20000 + $$ % 10000 * 2)) \
		>"$D/peer.txt" 2>/dev/null || true
fi
# the peer's medians (its SUMMARY line)
sv() { sed -n "s/^SUMMARY .*\"$1\":\([0-9.e+-]*\).*/\1/p" "$D/peer.txt" 2>/dev/null; }
printf '%-18s %8s %10s %9s %12s | %10s %12s %8s %8s\n' phase records seconds rec/s wire_bytes \
	peer_rec/s peer_bytes "x speed" "x bytes"
while read -r name secs sent reqs up down xsecs; do
	case $name in
	full) prs=$(sv full_docs_per_s); pbytes=$(echo "(0$(sv full_wire_up_MB) + 0$(sv full_wire_down_MB)) * 1000000" | bc -l);;
	incremental_10pct) prs=$(sv inc10_docs_per_s); pbytes=$(echo "(0$(sv inc10_wire_up_MB) + 0$(sv inc10_wire_down_MB)) * 1000000" | bc -l);;
	*) prs=; pbytes=$(echo "(0$(sv noop_wire_up_KB) + 0$(sv noop_wire_down_KB)) * 1000" | bc -l);;
	esac
	pbytes=$(echo "$pbytes" | cut -d. -f1)
	rs=$(echo "if ($secs > 0) $sent / $secs else 0" | bc -l | cut -d. -f1)
	bytes=$((up + down))
	xs=$( [ -n "$prs" ] && [ "$prs" != null ] && echo "scale=1; $rs / $prs" | bc -l || echo -)
	xb=$( [ "${pbytes:-0}" -gt 0 ] && echo "scale=2; $bytes / $pbytes" | bc -l || echo -)
	printf '%-18s %8s %10.3f %9s %12s | %10s %12s %8s %8s\n' "$name" "$sent" "$secs" "$rs" "$bytes" \
		"${prs:--}" "${pbytes:--}" "$xs" "$xb"
	echo "                   ($reqs requests)"
	case $name in
	full) echo "P1 records=$sent seconds=$secs rps=$rs peer_rps=${prs:--} ratio=$xs bytes=$bytes peer_bytes=${pbytes:--}" >>"$D/lines";;
	incremental_10pct)
		# timed as the peer is: the exchange, the store already open
		xrs=$(echo "if (0${xsecs:-0} > 0) $sent / $xsecs else 0" | bc -l | cut -d. -f1)
		xxs=$( [ -n "$prs" ] && [ "$prs" != null ] && echo "scale=1; $xrs / $prs" | bc -l || echo -)
		echo "exchange_10pct     $sent ${xsecs:-0} $xrs (the store open, as the peer is timed) | $prs x $xxs"
		echo "P2 records=$sent seconds=$secs rps=$rs peer_rps=${prs:--} ratio=$xs bytes=$bytes peer_bytes=${pbytes:--} bytes_ratio=$xb exchange_seconds=${xsecs:--} exchange_rps=$xrs" >>"$D/lines";;
	*) echo "P3 requests=$reqs bytes=$bytes peer_bytes=${pbytes:--} bytes_ratio=$xb" >>"$D/lines";;
	esac
done <"$D/r.txt"
cat "$D/lines"
echo "(wire bytes: TCP payload of the TLS connection both ways, from the kernel's socket counters;"
echo " the peer counts the same on its server's sockets; x bytes < 0.25 is the target)"
