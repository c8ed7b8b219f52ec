#!/bin/sh
# sync-server rank: the acceptance sample, refusals, repeatability and
# order independence, invalid cases, flags.
. "$(dirname "$0")/lib.sh"
SS="$BIN/sync-server"
SAMPLE="$ACCEPT/bg-ranking-sample.json"
EXPECTED="$ACCEPT/bg-ranking-sample.expected.json"

expect_status 0 "rank: acceptance sample ranks" \
	"$SS" rank --cases "$SAMPLE" --max-users 12 --children-share 0.25
cp "$T/out" "$T/sample.out"
if cmp -s "$T/sample.out" "$EXPECTED"; then pass "rank: acceptance sample byte-identical to expected"
else fail "rank: acceptance sample differs"; diff "$T/sample.out" "$EXPECTED" | head -20; fi

"$SS" rank --cases "$SAMPLE" --max-users 12 --children-share 0.25 >"$T/again.out" 2>&1
if cmp -s "$T/sample.out" "$T/again.out"; then pass "rank: second run byte-identical"; else fail "rank: second run differs"; fi

# The same cases in another order give the same list (no invalid cases).
"$BIN/gen-cases" --count 300 --seed 7 --ineligible-rate 0.05 >"$T/gen.json"
"$SS" rank --cases "$T/gen.json" --max-users 100 >"$T/gen.out" 2>"$T/err" || fail "rank: generated cases"
awk 'NR==1{print; next} /^\]/{print; next} {print}' "$T/gen.json" >/dev/null
# reverse the element order: one case per line in gen-cases output
{ echo "["; grep -v '^\[' "$T/gen.json" | grep -v '^\]' | sed 's/,$//' | tac | sed '$!s/$/,/'; echo "]"; } >"$T/rev.json"
"$SS" rank --cases "$T/rev.json" --max-users 100 >"$T/rev.out" 2>"$T/err"
if cmp -s "$T/gen.out" "$T/rev.out"; then pass "rank: reversed input gives identical output"
else fail "rank: reversed input differs"; diff "$T/gen.out" "$T/rev.out" | head; fi
n=$(grep -c '"outcome": "approved"' "$T/gen.out")
[ "$n" -le 100 ] && pass "rank: approved ($n) within max-users" || fail "rank: $n approved > 100"

# the text list names each case by its id's last 8 characters: distinct for
# the 300 cases (UUID v7 ids made a minute apart share their first 8)
"$SS" rank --cases "$T/gen.json" --max-users 100 --format text >"$T/gen.txt" 2>"$T/err"
short=$(awk 'NR > 1 && $1 ~ /^[0-9-]+$/ && NF >= 5 {print $2}' "$T/gen.txt" | sort)
nshort=$(printf '%s\n' "$short" | grep -c .)
ndist=$(printf '%s\n' "$short" | sort -u | grep -c .)
nlast=$(printf '%s\n' "$short" | while read -r x; do grep -c "\"id\":\"[0-9a-f-]*$x\"" "$T/gen.json"; done | grep -c '^1$')
nfirst=$(grep -o '^{"id":"[0-9a-f]\{8\}' "$T/gen.json" | sort -u | wc -l)
[ "$nshort" = 300 ] && [ "$ndist" = 300 ] && [ "$nlast" = 300 ] \
	&& pass "rank text: 300 cases, 300 distinct short ids, each the end of one id (their first 8 characters: $nfirst distinct)" \
	|| fail "rank text: $nshort listed, $ndist distinct, $nlast matching one id's end"

# stdin
"$SS" rank --cases - --max-users 12 <"$SAMPLE" >"$T/stdin.out" 2>&1
cmp -s "$T/stdin.out" "$EXPECTED" && pass "rank: reads standard input" || fail "rank: stdin output differs"

# Refusals: not JSON, not an array, another instrument, truncated.
printf 'hello' >"$T/notjson.json"
expect_status 1 "rank: not JSON refused" "$SS" rank --cases "$T/notjson.json"
expect_grep "not a JSON array" "$T/err" "rank: says it is not a JSON array"
printf '{"id": "x"}' >"$T/obj.json"
expect_status 1 "rank: an object is refused" "$SS" rank --cases "$T/obj.json"
expect_grep "not a JSON array" "$T/err" "rank: object refused with message"
sed 's/"bg-independent-living"/"ro-household-screening"/' "$SAMPLE" >"$T/other.json"
expect_status 1 "rank: another instrument refused" "$SS" rank --cases "$T/other.json"
expect_grep "another instrument" "$T/err" "rank: names the other instrument"
head -c 5000 "$SAMPLE" >"$T/trunc.json"
expect_status 1 "rank: truncated file refused" "$SS" rank --cases "$T/trunc.json"
expect_grep "truncated" "$T/err" "rank: truncation explained"
expect_status 1 "rank: missing file" "$SS" rank --cases "$T/nope.json"
expect_grep "cannot open" "$T/err" "rank: missing file explained"
printf '[]' >"$T/empty.json"
expect_status 0 "rank: empty array ranks nothing" "$SS" rank --cases "$T/empty.json"
expect_grep '"cases": \[\]' "$T/out" "rank: empty list printed"

# Invalid cases are listed last with the field, the others still ranked.
"$BIN/gen-cases" --count 200 --seed 3 --invalid-rate 0.1 >"$T/inv.json"
expect_status 0 "rank: file with invalid cases ranks" "$SS" rank --cases "$T/inv.json"
ninv=$(grep -c '"outcome": "invalid"' "$T/out")
nrank=$(grep -c '"outcome": "approved"\|"outcome": "waitlisted"' "$T/out")
[ "$ninv" -gt 5 ] && [ "$nrank" -gt 100 ] && pass "rank: $ninv invalid listed, $nrank ranked" \
	|| fail "rank: invalid=$ninv ranked=$nrank"
last=$(grep '"outcome"' "$T/out" | tail -1)
case "$last" in *invalid*) pass "rank: invalid cases come last";; *) fail "rank: last case is not invalid";; esac
expect_grep '"reason": "[0-9a-z_.]*: ' "$T/out" "rank: invalid reason names the field"
# No personal data in what rank prints or says.
expect_no_grep '"national_id"\|"address"\|"name"' "$T/out" "rank: output carries no personal data"

# A non-JSON element inside the array is one invalid case, not a crash.
printf '[1, "x", {"id": "a", "instrument": "bg-independent-living", "version": 1}]' >"$T/mixed.json"
expect_status 0 "rank: odd elements become invalid cases" "$SS" rank --cases "$T/mixed.json"
[ "$(grep -c '"outcome": "invalid"' "$T/out")" = 3 ] && pass "rank: three invalid" || fail "rank: expected 3 invalid"

# Flags are validated.
expect_status 2 "rank: --max-users must be a number" "$SS" rank --cases "$SAMPLE" --max-users 12x
expect_grep "not a whole number" "$T/err" "rank: bad number explained"
expect_status 2 "rank: --children-share within 0-1" "$SS" rank --cases "$SAMPLE" --children-share 1.5
expect_status 2 "rank: --cases required" "$SS" rank
expect_status 0 "rank: --help" "$SS" rank --help
expect_status 0 "rank: hours budget" "$SS" rank --cases "$SAMPLE" --max-users 12 --hours-budget 500
expect_grep '"reason": "hours"' "$T/out" "rank: hours limit applied"
expect_grep '"hours_budget": 500' "$T/out" "rank: hours budget echoed in settings"
finish
