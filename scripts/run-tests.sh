#!/bin/sh
# The test runner: for each build directory given (default: build), runs
# the unit tests and every integration test in tests/it/, then prints the
# total as the last line: `N passed, N failed`.
# A single suite can be run with SUITE=<name> (e.g. SUITE=rank_cli).
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

tally() { # $1: label; reads the suite's output in $log
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$last" ]; then
		echo "FAIL $1: ended without a result line"
		total_fail=$((total_fail + 1))
		return
	fi
	p=${last%% passed*}
	f=${last#*passed, }; f=${f%% failed*}
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

for dir in "$@"; do
	echo "== $dir"
	if [ -z "${SUITE:-}" ] || [ "$SUITE" = unit ]; then
		"$dir/unit-tests" >"$log" 2>&1
		grep -v '^ok ' "$log"
		tally "$dir unit-tests"
	fi
	for t in tests/it/*.sh; do
		name=$(basename "$t" .sh)
		[ "$name" = lib ] && continue
		[ -n "${SUITE:-}" ] && [ "$SUITE" != "$name" ] && continue
		BIN="$dir" sh "$t" >"$log" 2>&1
		grep -v '^ok ' "$log" | sed "s|^|[$name] |"
		tally "$dir $name"
	done
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
