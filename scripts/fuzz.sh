#!/bin/sh
# Runs the libFuzzer targets of fuzz/ (built by `make fuzz-build` into
# build/fuzz/). Seeds come from the protocol's examples, the shipped
# instruments and generated cases; every file in fuzz/regress/<target>/
# (an input that once crashed) is run first and must pass.
#
#   scripts/fuzz.sh ci     a fixed number of executions per target
#                          (FUZZ_RUNS, default 3000), deterministic seed
#   scripts/fuzz.sh long   FUZZ_SECONDS per target (default 300); new
#                          crashes are left in build/fuzz/crash-<target>-*
#
# Prints one line per target: `FUZZ <target> runs=N crashes=0 …` and exits
# non-zero on any crash.
set -u
cd "$(dirname "$0")/.."
MODE=${1:-ci}
B=build/fuzz
W=$(mktemp -d "${TMPDIR:-/tmp}/fa-fuzzrun.XXXXXX")
# the targets make their stores under TMPDIR: this run's own directory
mkdir -p "$W/tmp"
export TMPDIR="$W/tmp"
trap 'rm -rf "$W"' EXIT
status=0

seed() { # target name <content>
	mkdir -p "$W/$1"
	printf '%s' "$3" >"$W/$1/$2"
}
seed_file() { # target prefix file
	mkdir -p "$W/$1"
	{ printf '%s' "$2"; cat "$3"; } >"$W/$1/$(basename "$3")"
}
EX=proto/examples
seed_file server "" $EX/push.request.json
seed_file server E $EX/enroll.request.json
seed server q1 'Qcursor=0&limit=10'
seed server q2 'Qcursor=%41%&limit=1000000000000000000000'
seed server deep "$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "["; for (i = 0; i < 40; i++) printf "]" }')"
seed_file client "" $EX/pull.response.json
seed_file client P $EX/push.response.json
seed_file client X $EX/error.response.json
seed_file client N $EX/enroll.response.json
seed client more '{"changes":[{"seq":1e300,"kind":"conflict","id":"c","body":{"record":"r","fields":["a"],"winner":"w","status":"open"}}],"cursor":1e300,"more":false}'
for f in instruments/*.json; do seed_file inst "" "$f"; done
grep -ho '"\(x\|when\|relevant\|constraint\|required\)": *"[^"]*"' instruments/*.json | sed 's/^"[a-z]*": *"//; s/"$//' |
	sort -u | head -300 | awk -v d="$W/expr" 'BEGIN { system("mkdir -p " d) } { f = d "/e" NR; printf "%s", $0 > f; close(f) }'
seed expr calls "age(\${s}, \${d}) + lookup('t', \${.}) * round(\${a} / 3) - count(\${l})"
if [ -x build/gen-cases ]; then
	mkdir -p "$W/import"
	build/gen-cases --count 3 --seed 7 >"$W/import/gen3.json"
fi
seed_file import "" tests/fixtures/bg-ranking-sample.json

for t in expr inst import server client; do
	bin="$B/fuzz_$t"
	[ -x "$bin" ] || { echo "FUZZ $t: $bin missing (make fuzz-build)"; status=1; continue; }
	mkdir -p "$W/$t" "$W/out-$t"
	# regressions first: each one input, run once
	nreg=0
	if [ -d "fuzz/regress/$t" ] && [ -n "$(ls "fuzz/regress/$t" 2>/dev/null)" ]; then
		nreg=$(ls "fuzz/regress/$t" | wc -l)
		if ! "$bin" fuzz/regress/"$t"/* >"$W/reg-$t.log" 2>&1; then
			echo "FUZZ $t: a regression input fails again:"; tail -30 "$W/reg-$t.log"; status=1; continue
		fi
	fi
	if [ "$MODE" = long ]; then
		opts="-max_total_time=${FUZZ_SECONDS:-300} -artifact_prefix=$B/crash-$t-"
	else
		opts="-runs=${FUZZ_RUNS:-3000} -seed=1 -artifact_prefix=$W/crash-$t-"
	fi
	# shellcheck disable=SC2086
	"$bin" $opts -max_len=300000 -timeout=20 -rss_limit_mb=2048 -close_fd_mask=1 \
		"$W/out-$t" "$W/$t" >"$W/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$W/$t.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$W/$t.log" | tail -1 | cut -d' ' -f2)
	if [ $rc = 0 ]; then
		echo "FUZZ $t runs=${runs:-0} cov=${cov:-0} regressions=$nreg crashes=0"
	else
		echo "FUZZ $t runs=${runs:-0} crashes=1 (exit $rc)"
		grep -A25 'ERROR: \|runtime error\|fuzz: ' "$W/$t.log" | head -40
		for c in "$W"/crash-$t-* "$B"/crash-$t-*; do [ -f "$c" ] && echo "  input: $c" && cp "$c" "$B/" 2>/dev/null; done
		status=1
	fi
done
exit $status
