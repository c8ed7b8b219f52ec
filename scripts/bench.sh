#!/bin/sh
# `make bench`: every benchmark of issue 8 in one session, then ONE table:
# each figure next to the PouchDB peer or the machine's floor measured in
# the same run, the ratio, the target and pass/miss.
#
#   P1-P3  scripts/bench-sync.sh (10,000 and 100,000 records, with the peer
#          ../shared/bench/peers/pouch_sync.sh in the same run)
#   P4, P7 the sync load generator (scripts/bench-load*.sh), when present
#   P5     scripts/bench-rank.sh (121,000 and 1,000,000 cases)
#   P6, P8 build/bench-agent
#   round  scripts/bench-round.sh (the central round in the store: a county,
#          and everyone applying), scripts/bench-census.sh (the census)
#   floors ../shared/bench/limits/ (fsync, SQLite insert, TLS, zlib)
#
# Usage: scripts/bench.sh [BUILD_DIR]. Environment: BENCH_SYNC_SIZES
# (default "10000 100000"), BENCH_RANK_SIZES (default "121000 1000000"),
# BENCH_ROUND_SIZE and BENCH_CENSUS_SIZE (default 121000 people),
# BENCH_SHARED (default ../shared/bench next to the repository),
# BENCH_TABLE (the table is also written there; default BUILD_DIR/bench-table.md).
# The logs of every part stay in BENCH_LOG (default a temporary directory,
# printed at the end); BENCH_REPORT=1 with the BENCH_LOG of an earlier run
# only prints the table again from its logs.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${BENCH_SHARED:-$ROOT/../shared/bench}
[ -d "$SHARED" ] || SHARED=/work/shared/bench
L=${BENCH_LOG:-$(mktemp -d "${TMPDIR:-/tmp}/fa-bench-all.XXXXXX")}
mkdir -p "$L"
TABLE=${BENCH_TABLE:-$B/bench-table.md}
SYNC_SIZES=${BENCH_SYNC_SIZES:-10000 100000}
export LC_ALL=C.UTF-8
say() { echo "bench: $*" >&2; }
num() { [ -n "${1:-}" ] && [ "$1" != "-" ] && [ "$1" != null ]; }
calc() { echo "$1" | bc -l 2>/dev/null; }
# kv LINE KEY: value of key=value in a line
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
fmt() { # number with thousands separators, or "-"
	if num "${1:-}"; then printf "%s" "$1" | awk '{ x = sprintf("%.0f", $1); s = ""
		while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) }
		printf "%s%s", x, s }'
	else printf -- "-"; fi
}
f2() { num "${1:-}" && printf "%.2f" "$1" || printf -- "-"; }
f3() { num "${1:-}" && printf "%.3f" "$1" || printf -- "-"; }
verdict() { # CONDITION (bc) -> pass / miss / "-"
	if [ -z "${1:-}" ]; then echo "-"; return; fi
	r=$(calc "$1")
	case $r in 1) echo "**pass**" ;; 0) echo "**miss**" ;; *) echo "-" ;; esac
}
ROWS="$L/rows.md"
: >"$ROWS"
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$ROWS"; }

# ---- the machine's floors ------------------------------------------------
LIM="$SHARED/limits"
MEASURE=1
[ -n "${BENCH_REPORT:-}" ] && MEASURE=""
if [ -n "$MEASURE" ] && [ -d "$LIM" ] && command -v python3 >/dev/null; then
	say "floors: fsync"
	python3 "$LIM/fsync_rate.py" 500 3 512 "$L/lim-tmp" >"$L/fsync.txt" 2>&1
	say "floors: sqlite insert"
	python3 "$LIM/sqlite_insert.py" 10000 500 1 "$L/lim-tmp" >"$L/sqlite.txt" 2>&1
	say "floors: zlib"
	python3 "$LIM/zlib_batch.py" 500 1 >"$L/zlib.txt" 2>&1
	if command -v openssl >/dev/null && command -v curl >/dev/null && command -v bash >/dev/null; then
		say "floors: TLS on loopback"
		bash "$LIM/tls_loopback.sh" 1 1 $((20000 + $$ % 20000)) >"$L/tls.txt" 2>&1
	fi
elif [ -n "$MEASURE" ]; then
	say "no $LIM (or no python3): floors left out"
fi
line=$(grep '^overwrite fdatasync' "$L/fsync.txt" 2>/dev/null)
FSYNC_OPS=$(echo "$line" | sed -n 's/.*median *\([0-9]*\) ops.*/\1/p')
FSYNC_US=$(echo "$line" | sed -n 's/.*p50 *\([0-9]*\) us.*/\1/p')
SQL_FULL=$(sed -n 's/^insert  *sync=FULL .* \([0-9][0-9]*\) rows\/s.*/\1/p' "$L/sqlite.txt" 2>/dev/null)
SQL_ENGINE=$(sed -n 's/^insert_engine sync=FULL .* \([0-9][0-9]*\) rows\/s.*/\1/p' "$L/sqlite.txt" 2>/dev/null)
ZLIB1=$(sed -n 's/^level 1: .*ratio *\([0-9.]*\)x.*/\1/p' "$L/zlib.txt" 2>/dev/null)
ZLIB6=$(sed -n 's/^level 6: .*ratio *\([0-9.]*\)x.*/\1/p' "$L/zlib.txt" 2>/dev/null)
TLS_HS=$(sed -n 's/^handshake ec  *cert new .*median *\([0-9]*\) conn.*/\1/p' "$L/tls.txt" 2>/dev/null)
TLS_MBS=$(sed -n 's/^1MB POST x200 keep-alive https *median *\([0-9.]*\) MB.*/\1/p' "$L/tls.txt" 2>/dev/null)

# ---- P1-P3: sync against the peer ---------------------------------------------
for n in $SYNC_SIZES; do
	[ -n "$MEASURE" ] || break
	say "P1-P3: sync of $n records and the PouchDB peer"
	"$ROOT/scripts/bench-sync.sh" "$B" "$n" >"$L/sync-$n.txt" 2>&1 || say "bench-sync $n failed (see $L/sync-$n.txt)"
done

# ---- P4/P7: the load generator (another area's; used when it is there) ------
LOADGEN=""
for s in "$ROOT"/scripts/bench-load.sh "$ROOT"/scripts/bench-p4*.sh; do
	[ -x "$s" ] && LOADGEN=$s && break
done
if [ -n "$MEASURE" ] && [ -n "$LOADGEN" ]; then
	say "P4/P7: $(basename "$LOADGEN")"
	"$LOADGEN" "$B" >"$L/load.txt" 2>&1 || say "$(basename "$LOADGEN") failed (see $L/load.txt)"
fi

# ---- P5: ranking ------------------------------------------------------------------
if [ -n "$MEASURE" ]; then
	say "P5: ranking ${BENCH_RANK_SIZES:-121000 1000000} cases"
	BENCH_DIR="$L" "$ROOT/scripts/bench-rank.sh" "$B" >"$L/rank.txt" 2>&1 || say "bench-rank failed (see $L/rank.txt)"
fi

# ---- the central round and the census at county scale (issue 5) ------------------
if [ -n "$MEASURE" ]; then
	say "round: a county in the central store, and everyone applying"
	"$ROOT/scripts/bench-round.sh" "$B" "${BENCH_ROUND_SIZE:-121000}" >"$L/round.txt" 2>&1 || say "bench-round failed (see $L/round.txt)"
	say "census: a Romanian county (121,000 people, 550,000 services)"
	"$ROOT/scripts/bench-census.sh" "$B" "${BENCH_CENSUS_SIZE:-121000}" >"$L/census.txt" 2>&1 || say "bench-census failed (see $L/census.txt)"
fi

# ---- P6/P8: the field agent -----------------------------------------------------
if [ -n "$MEASURE" ]; then
	say "P6/P8: field agent"
	"$B/bench-agent" "$B" "$ROOT/tests/fixtures/ruse-wizard.txt" >"$L/agent.txt" 2>&1 || say "bench-agent failed"
fi

# ---- the table -------------------------------------------------------------------
# P1-P3 from the phase rows of bench-sync.sh:
#   name records seconds rec/s wire_bytes | peer_rec/s peer_bytes x_speed x_bytes
#   then "(N requests)"
for n in $SYNC_SIZES; do
	f="$L/sync-$n.txt"
	full=$(grep '^full ' "$f" 2>/dev/null | head -1)
	inc=$(grep '^incremental_10pct ' "$f" 2>/dev/null | head -1)
	noop=$(grep '^noop ' "$f" 2>/dev/null | head -1)
	noop_req=$(grep -A1 '^noop ' "$f" 2>/dev/null | sed -n 's/.*(\([0-9]*\) requests).*/\1/p')
	rs=$(echo "$full" | awk '{print $4}'); bytes=$(echo "$full" | awk '{print $5}')
	prs=$(echo "$full" | awk '{print $7}'); pbytes=$(echo "$full" | awk '{print $8}')
	xs=""; num "$rs" && num "$prs" && xs=$(calc "$rs / $prs")
	ok=""; num "$xs" && ok="$xs >= 10"
	row "P1 push $(fmt "$n") records, full (records/s)" "$(fmt "$rs")" "peer $(fmt "$prs")" \
		"$(f2 "$xs")×" "≥ 10× peer" "$(verdict "$ok")"
	irs=$(echo "$inc" | awk '{print $4}'); iprs=$(echo "$inc" | awk '{print $7}')
	ixs=""; num "$irs" && num "$iprs" && ixs=$(calc "$irs / $iprs")
	ok=""; num "$ixs" && ok="$ixs >= 10"
	row "P1 push $(fmt "$n"), 10 % changed (records/s)" "$(fmt "$irs")" "peer $(fmt "$iprs")" \
		"$(f2 "$ixs")×" "≥ 10× peer" "$(verdict "$ok")"
	# the same push timed as the peer's is: its exchange, the store open
	# (the peer's timer covers replicate.to() of an open database; the row
	# above is the whole command: start, PIN, libcurl, close)
	xrs=$(grep '^exchange_10pct ' "$f" 2>/dev/null | head -1 | awk '{print $4}')
	xxs=""; num "$xrs" && num "$iprs" && xxs=$(calc "$xrs / $iprs")
	row "P1 push $(fmt "$n"), 10 % changed, its exchange alone (store open, as the peer is timed; records/s)" \
		"$(fmt "$xrs")" "peer $(fmt "$iprs")" "$(f2 "$xxs")×" "(for reading the row above)" "-"
	xb=""; num "$bytes" && num "$pbytes" && [ "$pbytes" != 0 ] && xb=$(calc "$bytes / $pbytes")
	ok=""; num "$xb" && ok="$xb <= 0.25"
	zl=""; num "$ZLIB6" && zl=", zlib-6 floor ≈ $(f2 "$(calc "1 / $ZLIB6")")×"
	row "P2 bytes on the wire, $(fmt "$n") full" "$(fmt "$bytes")" "peer $(fmt "$pbytes")$zl" \
		"$(f2 "$xb")×" "≤ ¼ of peer" "$(verdict "$ok")"
	ibytes=$(echo "$inc" | awk '{print $5}'); ipbytes=$(echo "$inc" | awk '{print $8}')
	ixb=""; num "$ibytes" && num "$ipbytes" && [ "$ipbytes" != 0 ] && ixb=$(calc "$ibytes / $ipbytes")
	ok=""; num "$ixb" && ok="$ixb <= 0.25"
	row "P2 bytes, $(fmt "$n"), 10 % changed" "$(fmt "$ibytes")" "peer $(fmt "$ipbytes")" \
		"$(f2 "$ixb")×" "≤ ¼ of peer" "$(verdict "$ok")"
	nbytes=$(echo "$noop" | awk '{print $5}')
	ok=""; num "$nbytes" && num "$noop_req" && ok="$noop_req <= 1 && $nbytes <= 2048"
	row "P3 nothing changed, $(fmt "$n") on the device" "${noop_req:--} request, $(fmt "$nbytes") B" \
		"peer $(echo "$noop" | awk '{print $8}') B" "-" "1 request, ≤ 2 KB" "$(verdict "$ok")"
done
if num "$SQL_FULL"; then
	row "floor: SQLite insert, WAL, synchronous=FULL, 500/txn" "-" "$(fmt "$SQL_FULL") rows/s (engine alone $(fmt "$SQL_ENGINE"))" "-" "what P1/P4 can approach" "-"
fi
if num "$TLS_HS"; then
	row "floor: TLS handshakes on loopback (ECDSA, 1.3)" "-" "$(fmt "$TLS_HS")/s; 1 MB POSTs $(f2 "$TLS_MBS") MB/s" "-" "what P4 can approach" "-"
fi

# P4/P7 from the load generator's lines (scripts/bench-load.sh):
#   P4 devices=… records=… seconds=… rps=… p50_ms=… p99_ms=… requests=… errors=…
#      server_cpu_s=… records_per_server_cpu_s=…
#   P7 server_peak_rss_kb=… limit_kb=…
p4=$(grep -h '^P4 ' "$L/load.txt" 2>/dev/null | head -1)
p7=$(grep -h '^P7 ' "$L/load.txt" 2>/dev/null | head -1)
if [ -n "$p4" ]; then
	rps=$(kv "$p4" rps); errs=$(kv "$p4" errors); cpu=$(kv "$p4" records_per_server_cpu_s)
	ok=""; num "$rps" && num "$errs" && ok="$rps >= 20000 && $errs == 0"
	row "P4 $(kv "$p4" devices) devices × $(fmt "$(calc "$(kv "$p4" records) / $(kv "$p4" devices)")") records at once (records/s merged)" \
		"$(fmt "$rps"); p50 $(kv "$p4" p50_ms) ms, p99 $(kv "$p4" p99_ms) ms; $(fmt "$errs") errors; $(fmt "$cpu") per server CPU second" \
		"SQLite insert floor $(fmt "$SQL_FULL")/s" "$(num "$rps" && num "$SQL_FULL" && f2 "$(calc "$rps / $SQL_FULL")")×" "≥ 20,000/s, 0 errors" "$(verdict "$ok")"
else
	row "P4 100 devices × 1,000 records" "**not measured** (no scripts/bench-load.sh, or it failed: see the log)" "-" "-" "≥ 20,000/s, 0 errors" "-"
fi
if [ -n "$p7" ]; then
	kb=$(kv "$p7" server_peak_rss_kb)
	ok=""; num "$kb" && ok="$kb <= 51200"
	row "P7 server peak RSS during P4" "$(num "$kb" && f2 "$(calc "$kb / 1024")") MB" "-" "-" "≤ 50 MB" "$(verdict "$ok")"
else
	row "P7 server peak RSS during P4" "**not measured**: needs P4" "-" "-" "≤ 50 MB" "-"
fi

# P5
grep '^P5 ' "$L/rank.txt" 2>/dev/null | while read -r line; do
	n=$(kv "$line" cases); tn=$(kv "$line" score_rank_s); t1=$(kv "$line" score_rank_1t_s); rd=$(kv "$line" read_s)
	# the better of one thread and every core (--threads): on a loaded
	# machine the second thread can lose more than it gains
	t=$tn; how="$(kv "$line" threads) threads; 1 thread $(f3 "$t1")"
	if num "$t1" && [ "$(calc "$t1 < $tn")" = 1 ]; then t=$t1; how="1 thread; $(kv "$line" threads) threads $(f3 "$tn")"; fi
	lim=0.3; [ "$n" -gt 200000 ] && lim=2
	ok=""; num "$t" && ok="$t < $lim"
	ratio=""; num "$t" && num "$rd" && ratio=$(calc "$t / $rd")
	echo "| P5 score + rank + allocate $(fmt "$n") cases (s) | $(f3 "$t") ($how; rank+allocate $(f3 "$(kv "$line" rank_s)")) | read the $(kv "$line" mb) MB file: $(f3 "$rd") | $(f2 "$ratio")× | < $lim s | $(verdict "$ok") |"
	c1=$(kv "$line" cpu_1t_s); cn=$(kv "$line" cpu_nt_s)
	if num "$c1"; then
		ok=""; num "$cn" && ok="$cn < $lim"
		echo "| P5 the same in CPU time (scoring per thread + ranking), $(fmt "$n") | $(f3 "$cn") on $(kv "$line" threads) threads; $(f3 "$c1") on 1 | read: $(f3 "$rd") | $(num "$cn" && f2 "$(calc "$cn / $rd")")× | < $lim s | $(verdict "$ok") |"
	fi
	echo "| P5 (for reference) with reading and parsing the JSON, $(fmt "$n") | $(f3 "$(kv "$line" pipe_s)") + $(f3 "$(kv "$line" rank_s)") | $(f3 "$rd") | $(f2 "$(calc "($(kv "$line" pipe_s) + $(kv "$line" rank_s)) / $rd")")× | - | - |"
done >>"$ROWS"

# the round: `round run` in a real central store (rank+allocate inside it),
# next to `rank` on the same cases from a file
for mode in county stress; do
	line=$(grep "^P5r-$mode " "$L/round.txt" 2>/dev/null)
	steps=$(grep "^P5r-$mode-steps " "$L/round.txt" 2>/dev/null)
	[ -n "$line" ] || continue
	what="a county: $(fmt "$(kv "$line" people)") people, $(fmt "$(kv "$line" cases)") applicants"
	[ "$mode" = stress ] && what="everyone applied: $(fmt "$(kv "$line" cases)") applicants"
	row "Round run in the store, $what (s; peak MB)" \
		"$(kv "$line" run_s) s, $(kv "$line" rss_mb) MB (rank+allocate $(kv "$steps" rank_s) s)" \
		"rank from a file: $(kv "$line" rank_file_s) s, $(kv "$line" rank_file_rss_mb) MB" "$(f2 "$(kv "$line" ratio)")×" "-" "-"
done
if grep -q '^census json / floor' "$L/census.txt" 2>/dev/null; then
	cj=$(sed -n 's/^census --format json *\([0-9.]*\) s wall *\([0-9.]*\) s cpu *\([0-9.]*\) MB.*/\2 s CPU, \3 MB/p' "$L/census.txt")
	fl=$(sed -n 's/^floor: sqlite3 reads every body *[0-9.]* s wall *\([0-9.]*\) s cpu.*/\1 s CPU/p' "$L/census.txt")
	row "Census indicators, a Romanian county (JSON)" "$cj" "sqlite3 reads every body: $fl" \
		"$(sed -n 's/^census json \/ floor (cpu): \([0-9.]*\) x.*/\1/p' "$L/census.txt")×" "-" "-"
fi

# P6/P8 from bench-agent's table
a="$L/agent.txt"
save=$(sed -n 's/^P8 durable answer save (median) *\([0-9.]*\) ms *\([0-9.]*\) ms.*/\1 \2/p' "$a")
s_ms=${save% *}; f_ms=${save#* }
ok=""; num "$s_ms" && num "$f_ms" && ok="$s_ms <= 2 + $f_ms"
row "P8 durable answer save (median, ms)" "$(f3 "$s_ms")" "4 KiB write + fdatasync $(f3 "$f_ms")${FSYNC_US:+; fsync loop p50 $(calc "$FSYNC_US / 1000" | xargs printf '%.3f')}" \
	"$(num "$s_ms" && num "$f_ms" && f2 "$(calc "$s_ms / $f_ms")")×" "≤ 2 ms + one fsync" "$(verdict "$ok")"
st=$(sed -n 's/^P6 start to first output (list) *\([0-9.]*\) ms *\([0-9.]*\) ms.*/\1 \2/p' "$a")
s_ms=${st% *}; f_ms=${st#* }
ok=""; num "$s_ms" && ok="$s_ms <= 10"
row "P6 start to first output (ms)" "$(f3 "$s_ms")" "spawn of /bin/true $(f3 "$f_ms")" \
	"$(num "$s_ms" && num "$f_ms" && f2 "$(calc "$s_ms / $f_ms")")×" "≤ 10 ms" "$(verdict "$ok")"
for what in list "full wizard"; do
	kb=$(sed -n "s/^P6 peak RSS, $what *\([0-9]*\) KB.*/\1/p" "$a")
	ok=""; num "$kb" && ok="$kb <= 8192"
	row "P6 peak RSS, $what" "$(num "$kb" && f2 "$(calc "$kb / 1024")") MB" "-" "-" "≤ 8 MB" "$(verdict "$ok")"
done

{
	echo "| figure | this system | peer / floor (same run) | ratio | target | result |"
	echo "| --- | --- | --- | --- | --- | --- |"
	cat "$ROWS"
	echo
	echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release 2>/dev/null), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(date -u '+%Y-%m-%d %H:%M UTC')."
	if num "$FSYNC_OPS"; then echo "Floors: fdatasync $(fmt "$FSYNC_OPS")/s (p50 $FSYNC_US µs); SQLite insert FULL $(fmt "$SQL_FULL") rows/s; zlib on a batch: level 1 $(f2 "$ZLIB1")×, level 6 $(f2 "$ZLIB6")×${TLS_HS:+; TLS handshakes $(fmt "$TLS_HS")/s}."; fi
} >"$TABLE"
echo
cat "$TABLE"
echo
echo "(logs of every part: $L)"
