#!/bin/sh
# Many devices at once (P4) and the server's memory meanwhile (P7): a real
# sync-server (TLS on loopback, durable store) and D simulated devices, each
# enrolled with its own one-time code, pushing R records each at the same
# time (build/load-devices). Prints machine-readable lines:
#   P4 devices=… records=… seconds=… rps=… p50_ms=… p99_ms=… requests=… errors=…
#      server_cpu_s=… records_per_server_cpu_s=…
#   P7 server_peak_rss_kb=… limit_kb=51200
# Usage: scripts/bench-load.sh [BUILD_DIR] [DEVICES=100] [RECORDS=1000]
set -eu
B=${1:-build}
ND=${2:-100}
NR=${3:-1000}
D=$(mktemp -d "${TMPDIR:-/tmp}/fa-bench-load.XXXXXX")
PORT=$(( 30000 + $$ % 10000 ))
export LC_ALL=C.UTF-8
# every device comes from 127.0.0.1: let them all connect at once
"$B/sync-server" serve --data "$D/srv" --port "$PORT" --log-level 1 \
	--max-per-client $((ND + 16)) --max-connections $((ND + 64)) >"$D/log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null; rm -rf "$D"' EXIT INT TERM
for _ in $(seq 100); do grep -q listening "$D/log" 2>/dev/null && break; sleep 0.05; done
"$B/gen-cases" --count $((ND * NR / 2)) --seed 91 -o "$D/cases.json"
LOCS=$(grep -o '"locality":"[^"]*"' "$D/cases.json" | cut -d'"' -f4 | sort -u | paste -sd, -)
: >"$D/codes"
i=0
while [ $i -lt "$ND" ]; do
	"$B/sync-server" device enroll "device $i" "$LOCS" --data "$D/srv" --port "$PORT" >"$D/e.txt"
	sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$D/e.txt" >>"$D/codes"
	i=$((i + 1))
done
PIN=$(sed -n 's/^server key pin *//p' "$D/e.txt")
cpu() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
c0=$(cpu)
"$B/load-devices" "https://127.0.0.1:$PORT" "$PIN" "$D/srv/server.crt" "$D/codes" "$D/cases.json" "$ND" "$NR" >"$D/p4" || true
c1=$(cpu)
hz=$(getconf CLK_TCK)
recs=$(sed -n 's/.* records=\([0-9]*\).*/\1/p' "$D/p4")
# the server's own CPU time during the run (enrollment included): what the
# machine's other load does not change
scpu=$(echo "scale=3; ($c1 - $c0) / $hz" | bc -l)
echo "$(cat "$D/p4") server_cpu_s=$scpu records_per_server_cpu_s=$(echo "if ($scpu > 0) ${recs:-0} / $scpu else 0" | bc -l | cut -d. -f1)"
rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$SPID/status")
echo "P7 server_peak_rss_kb=$rss limit_kb=51200"
