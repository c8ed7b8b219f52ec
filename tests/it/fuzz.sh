#!/bin/sh
# R7: every libFuzzer target of fuzz/ (built here into build/fuzz/ with
# ASan+UBSan) runs a fixed number of executions from its
# seed corpus, after every past crash in fuzz/regress/. Runs once (with
# the optimised build's pass); `make fuzz` runs them for minutes each.
. "$(dirname "$0")/lib.sh"
if [ "$(basename "$BIN")" != build ]; then
	echo "0 passed, 0 failed"
	exit 0
fi
# built here, by a make started after scripts/deps.sh installed what it needs
if ! make -C "$ROOT" --no-print-directory fuzz-build >"$T/build.log" 2>&1; then
	fail "fuzz targets do not build (make fuzz-build)"
	grep -v '^  [CL][CD] ' "$T/build.log" | tail -20
	finish; exit 1
fi
FUZZ_RUNS=${FUZZ_RUNS:-3000} "$ROOT/scripts/fuzz.sh" ci >"$T/fuzz.out" 2>&1
rc=$?
cat "$T/fuzz.out"
while read -r line; do
	case "$line" in
		"FUZZ "*" crashes=0") pass "R7 ${line#FUZZ }";;
		"FUZZ "*) fail "R7 ${line#FUZZ }";;
	esac
done <"$T/fuzz.out"
[ $rc = 0 ] || [ $nfail -gt 0 ] || fail "R7 fuzz.sh exited $rc"
finish
