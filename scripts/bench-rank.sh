#!/bin/sh
# Ranking benchmark: generates 121,000 (a county) and 1,000,000 cases and
# ranks each with `sync-server rank --timing`, on one thread and on every
# core, printing separately: the JSON pipeline (read + parse + score), the
# scoring alone, and ranking + allocation; next to the machine's floor for
# the input (reading the same file from the page cache).
# Usage: scripts/bench-rank.sh [BUILD_DIR]; BENCH_DIR holds the files.
set -eu
B=${1:-build}
D=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/fa-bench.XXXXXX")}
mkdir -p "$D"
trap 'rm -f "$D"/cases-*.json "$D"/out.json "$D"/timing.txt; [ -n "${BENCH_DIR:-}" ] || rmdir "$D" 2>/dev/null' EXIT
NCPU=$(nproc)
field() { echo "$1" | sed "s/.*$2=\([0-9.]*\).*/\1/"; }
best_run() { # file threads -> best (least CPU time of score+rank) timing line of 3
	best=""
	for rep in 1 2 3; do
		"$B/sync-server" rank --cases "$1" --threads "$2" --timing >"$D/out.json" 2>"$D/timing.txt"
		line=$(grep '^timing' "$D/timing.txt")
		t=$(echo "$(field "$line" score_cpu_s) + $(field "$line" rank_cpu_s)" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; bl=$line; fi
	done
	echo "$bl"
}
printf '%-8s %6s %7s | %9s %9s | %9s %9s %9s | %9s %9s\n' cases MB read_s \
	"pipe_1t" "pipe_${NCPU}t" score_1t "score_${NCPU}t" rank_s "sc+rk_1t" "sc+rk_${NCPU}t"
for n in ${BENCH_RANK_SIZES:-121000 1000000}; do
	f="$D/cases-$n.json"
	"$B/gen-cases" --count "$n" --seed 42 --ineligible-rate 0.02 --override-rate 0.05 -o "$f"
	mb=$(( $(stat -c %s "$f") / 1000000 ))
	cat "$f" >/dev/null
	t0=$(date +%s.%N); cat "$f" >/dev/null; t1=$(date +%s.%N)
	read_s=$(echo "$t1 - $t0" | bc -l)
	one=$(best_run "$f" 1)
	all=$(best_run "$f" "$NCPU")
	s1=$(field "$one" score_s); r1=$(field "$one" rank_s)
	sn=$(field "$all" score_s); rn=$(field "$all" rank_s)
	printf '%-8s %6s %7.3f | %9.3f %9.3f | %9.3f %9.3f %9.3f | %9.3f %9.3f\n' "$n" "$mb" "$read_s" \
		"$(field "$one" read_parse_score_s)" "$(field "$all" read_parse_score_s)" "$s1" "$sn" "$r1" \
		"$(echo "$s1 + $r1" | bc -l)" "$(echo "$sn + $rn" | bc -l)"
	echo "         cases/s: scoring $(echo "$n / $s1" | bc) on 1 thread; ranking+allocation $(echo "$n / $r1" | bc)"
	# one machine-readable line for scripts/bench.sh
	# CPU time of the scoring threads (per thread) and of the ranking:
	# what the machine's other load does not change
	c1=$(field "$one" score_cpu_s); rc1=$(field "$one" rank_cpu_s)
	cn=$(field "$all" score_cpu_s); rcn=$(field "$all" rank_cpu_s)
	printf 'P5 cases=%s threads=%s score_rank_s=%.3f score_s=%.3f rank_s=%.3f read_s=%.4f pipe_s=%.3f score_rank_1t_s=%.3f mb=%s cpu_1t_s=%.3f cpu_nt_s=%.3f\n' \
		"$n" "$NCPU" "$(echo "$sn + $rn" | bc -l)" "$sn" "$rn" "$read_s" "$(field "$all" read_parse_score_s)" \
		"$(echo "$s1 + $r1" | bc -l)" "$mb" "$(echo "$c1 + $rc1" | bc -l)" "$(echo "$cn + $rcn" | bc -l)"
done
echo "(seconds, best of 3; pipe = read + parse + score; read_s = the file read from the page cache,"
echo " the floor under pipe; score on N threads is wall time, the sum divided by N)"
