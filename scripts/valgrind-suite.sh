#!/bin/sh
# `make valgrind`: the whole test suite once with every program run under
# valgrind (memcheck) — a second opinion to the ASan+UBSan build, on the
# optimised binaries as shipped. A directory of wrappers stands in for the
# build directory; each process writes its own valgrind log; at the end
# the logs are added up:
#
#   VALGRIND processes=N with_errors=0 errors=0 definitely_lost_bytes=0
#
# The fuzz targets (built with their own sanitizers) and the load test
# (its figures are timings) are left out; SUITE=<name> runs one suite.
# Exit status: non-zero when valgrind reported an error or a test failed.
set -u
cd "$(dirname "$0")/.."
SRC=$(cd "${1:-build}" && pwd)
W=$(pwd)/build/valgrind
LOGS=$W/logs
rm -rf "$W"
mkdir -p "$W" "$LOGS"
for p in "$SRC"/*; do
	[ -f "$p" ] && [ -x "$p" ] || continue
	n=$(basename "$p")
	cat >"$W/$n" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \\
	--errors-for-leak-kinds=definite --log-file="$LOGS/$n.%p.log" "$p" "\$@"
WRAP
	chmod +x "$W/$n"
done
[ -d "$SRC/locale" ] && ln -s "$SRC/locale" "$W/locale"
if [ -z "${SUITE:-}" ]; then
	suites=$(ls tests/it/*.sh | xargs -n1 basename | sed 's/\.sh$//' | grep -v '^lib$\|^fuzz$\|^reliability_load$')
	set -- unit $suites
else
	set -- "$SUITE"
fi
total=0; failed=0
for s in "$@"; do
	out=$(SUITE=$s scripts/run-tests.sh "$W" 2>&1 | tail -1)
	echo "  $s: $out"
	p=${out%% passed*}; f=${out#*passed, }; f=${f%% failed*}
	total=$((total + ${p:-0})); failed=$((failed + ${f:-0}))
done
procs=$(ls "$LOGS" | wc -l)
with_err=$(grep -l "ERROR SUMMARY: [1-9]\|Invalid \|uninitialised\|definitely lost" "$LOGS"/* 2>/dev/null | wc -l)
errors=$(grep -ho "ERROR SUMMARY: [0-9]*" "$LOGS"/* 2>/dev/null | awk '{ s += $3 } END { print s + 0 }')
lost=$(grep -ho "definitely lost: [0-9,]* bytes" "$LOGS"/* 2>/dev/null | tr -d , | awk '{ s += $3 } END { print s + 0 }')
grep -l "Invalid \|uninitialised\|definitely lost" "$LOGS"/* 2>/dev/null | head -5 | while read -r f; do
	echo "--- $f"; head -40 "$f"
done
echo "VALGRIND processes=$procs with_errors=$with_err errors=$errors definitely_lost_bytes=$lost tests_passed=$total tests_failed=$failed"
[ "$with_err" = 0 ] && [ "$failed" = 0 ]
