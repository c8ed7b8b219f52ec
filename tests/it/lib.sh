# Shared helpers of the integration tests: each test script sources this,
# runs the real binaries from $BIN (a build directory) in a temporary
# directory, records checks with `pass`/`fail`/`expect_*`, and ends with
# `finish`, which prints `N passed, N failed` for the runner to add up.
set -u
: "${BIN:?BIN must name a build directory}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# the acceptance sample of ../shared/acceptance, kept with the tests so
# that a clean clone runs them
ACCEPT="$ROOT/tests/fixtures"
# a field agent's heads table keeps a record's id as its 16 bytes: this
# SQL gives it back as the id's text
HEAD_ID="lower(substr(hex(record_id), 1, 8) || '-' || substr(hex(record_id), 9, 4) || '-' ||
  substr(hex(record_id), 13, 4) || '-' || substr(hex(record_id), 17, 4) || '-' ||
  substr(hex(record_id), 21))"
T=$(mktemp -d "${TMPDIR:-/tmp}/fa-it.XXXXXX")
trap 'rm -rf "$T"' EXIT
npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
# expect_status WANT DESC CMD... : runs CMD, checks its exit status.
expect_status() {
	want=$1; desc=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then pass "$desc"; else
		fail "$desc (exit $got, expected $want)"; sed 's/^/     | /' "$T/err" | head -5; fi
}
# expect_grep PATTERN FILE DESC
expect_grep() {
	if grep -q -- "$1" "$2"; then pass "$3"; else fail "$3 (no \"$1\" in $(basename "$2"))"; sed 's/^/     | /' "$2" | head -5; fi
}
expect_no_grep() {
	if grep -q -- "$1" "$2"; then fail "$3 (found \"$1\")"; else pass "$3"; fi
}
finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" = 0 ]
}
