#!/bin/sh
# gen-data (the benchmarks' data generator) at a small scale: the files
# load where the system ingests them (sync-server rank, field-agent import),
# the output is a pure function of the seed, and the stated distributions
# hold (household size about 2.5, children about 40 % in the Romanian
# census, every dependency level present, notes, services).
. "$(dirname "$0")/lib.sh"
G="$BIN/gen-data"
SS="$BIN/sync-server"
FA="$BIN/field-agent"
export LC_ALL=C.UTF-8
stat_of() { sed -n "s/^$1 //p" "$2"; }
# in_range VALUE LO HI DESC (decimals)
in_range() {
	if [ -n "$1" ] && [ "$(echo "$1 >= $2 && $1 <= $3" | bc -l)" = 1 ]; then pass "$4 ($1)"
	else fail "$4 ($1 not in $2-$3)"; fi
}

expect_status 0 "gen-data: ro, 1,500 households" "$G" --country ro --households 1500 --seed 5 --out "$T/ro"
cp "$T/out" "$T/ro.stats"
expect_status 0 "gen-data: same seed again" "$G" --country ro --households 1500 --seed 5 --out "$T/ro2"
same=1
for f in assessments.json households.jsonl persons.jsonl services.jsonl; do
	cmp -s "$T/ro/$f" "$T/ro2/$f" || same=0
done
[ $same = 1 ] && pass "gen-data: same seed, byte-identical files" || fail "gen-data: same seed differs"
"$G" --households 1500 --seed 6 --out "$T/ro3" >/dev/null
cmp -s "$T/ro/persons.jsonl" "$T/ro3/persons.jsonl" && fail "gen-data: another seed gives the same people" ||
	pass "gen-data: another seed, other people"
"$G" --households 300 --seed 5 --out "$T/ro4" >/dev/null
n=$(wc -l <"$T/ro4/households.jsonl")
head -n "$n" "$T/ro/households.jsonl" | cmp -s - "$T/ro4/households.jsonl" &&
	pass "gen-data: fewer households are a prefix" || fail "gen-data: fewer households not a prefix"

# distributions (1,500 households: about 3,800 people)
in_range "$(stat_of mean_household_size "$T/ro.stats")" 2.35 2.70 "gen-data: ro mean household size"
in_range "$(stat_of children_share "$T/ro.stats")" 0.35 0.45 "gen-data: ro children share"
hh=$(stat_of households "$T/ro.stats")
[ "$hh" = 1500 ] && [ "$(wc -l <"$T/ro/households.jsonl")" = 1500 ] && pass "gen-data: 1,500 household records" ||
	fail "gen-data: $hh households, $(wc -l <"$T/ro/households.jsonl") lines"
np=$(stat_of persons "$T/ro.stats")
[ "$(wc -l <"$T/ro/persons.jsonl")" = "$np" ] && pass "gen-data: one person record per person ($np)" ||
	fail "gen-data: persons.jsonl has $(wc -l <"$T/ro/persons.jsonl") lines, stats $np"
ns=$(stat_of services "$T/ro.stats")
[ "$(wc -l <"$T/ro/services.jsonl")" = "$ns" ] && [ "$ns" -gt 0 ] && pass "gen-data: services ($ns)" ||
	fail "gen-data: services.jsonl has $(wc -l <"$T/ro/services.jsonl") lines, stats $ns"
# a county's ratio: about 4.5 services per person (550,000 / 121,000)
in_range "$(echo "$ns / $np" | bc -l)" 2.5 7 "gen-data: services per person"
for k in 1 2 3; do
	v=$(stat_of household_vulnerability_$k "$T/ro.stats")
	[ "${v:-0}" -gt 0 ] && pass "gen-data: vulnerability level $k present ($v)" || fail "gen-data: no level $k"
done
[ "$(stat_of notes "$T/ro.stats")" -gt 0 ] && pass "gen-data: free-text notes" || fail "gen-data: no notes"
expect_no_grep '"kind":"person".*"national_id":"[0-9]\{12\}"' "$T/ro/persons.jsonl" "gen-data: CNPs have 13 digits"
# every CNP's check digit (weights 279146358279)
bad=$(grep -o '"national_id":"[0-9]*"' "$T/ro/persons.jsonl" | cut -d'"' -f4 | head -200 | awk '
	{ w = "279146358279"; s = 0; for (i = 1; i <= 12; i++) s += substr($0, i, 1) * substr(w, i, 1)
	  c = s % 11; if (c == 10) c = 1; if (length($0) != 13 || c != substr($0, 13, 1)) n++ }
	END { print n + 0 }')
[ "$bad" = 0 ] && pass "gen-data: CNP check digits" || fail "gen-data: $bad bad CNPs"

# the census ranks with the Romanian instrument: no case invalid
na=$(stat_of assessments "$T/ro.stats")
expect_status 0 "gen-data: ro assessments rank" "$SS" rank --instrument ro-household-screening \
	--cases "$T/ro/assessments.json"
[ "$(grep -c '"outcome"' "$T/out")" = "$na" ] && pass "gen-data: every ro assessment ranked ($na)" ||
	fail "gen-data: $(grep -c '"outcome"' "$T/out") ranked of $na"
expect_no_grep '"outcome": "invalid"' "$T/out" "gen-data: no ro assessment invalid"
nc=$(stat_of cases "$T/ro.stats")
ni=$(grep -c '"reason": "not_a_case"\|"outcome": "ineligible"' "$T/out")
[ "$((na - ni))" = "$nc" ] && pass "gen-data: cases ($nc) = screened with a vulnerability" ||
	fail "gen-data: $((na - ni)) ranked as cases, stats $nc"

# Bulgarian municipality: the needs assessments rank, every level present
expect_status 0 "gen-data: bg, 4,000 households" "$G" --country bg --households 4000 --seed 5 --out "$T/bg"
cp "$T/out" "$T/bg.stats"
in_range "$(stat_of mean_household_size "$T/bg.stats")" 2.30 2.70 "gen-data: bg mean household size"
for l in mild moderate severe complete; do
	v=$(stat_of dependency_$l "$T/bg.stats")
	[ "${v:-0}" -gt 0 ] && pass "gen-data: bg $l dependency present ($v)" || fail "gen-data: no $l"
done
expect_status 0 "gen-data: bg assessments rank" "$SS" rank --cases "$T/bg/assessments.json" --max-users 20
expect_no_grep '"outcome": "invalid"' "$T/out" "gen-data: no bg assessment invalid"
expect_grep '"outcome": "approved"' "$T/out" "gen-data: bg approvals"
expect_grep '"points": 1[2-6][0-9]' "$T/out" "gen-data: bg has high-dependency cases"
expect_grep '"points": [0-3]\{0,1\}[0-9],' "$T/out" "gen-data: bg has low-dependency cases (under 40 points)"
grep -q 'Русе' "$T/bg/persons.jsonl" && grep -q 'ова"' "$T/bg/persons.jsonl" &&
	pass "gen-data: Bulgarian names and places" || fail "gen-data: no Bulgarian names"

# field-agent import takes both kinds of assessment
export FA_DATA="$T/dev" FA_PIN=2468
"$FA" init --kdf-ms 1 >/dev/null 2>&1
"$G" --country ro --households 40 --seed 9 --out "$T/ro5" >"$T/ro5.stats"
expect_status 0 "gen-data: field-agent imports ro assessments" "$FA" import "$T/ro5/assessments.json"
expect_grep "imported $(stat_of assessments "$T/ro5.stats"), already there 0, invalid 0" "$T/out" \
	"gen-data: every ro assessment imported"
"$G" --country bg --households 400 --seed 9 --out "$T/bg5" >"$T/bg5.stats"
expect_status 0 "gen-data: field-agent imports bg assessments" "$FA" import "$T/bg5/assessments.json"
expect_grep "imported $(stat_of assessments "$T/bg5.stats"), already there 0, invalid 0" "$T/out" \
	"gen-data: every bg assessment imported"

# bad usage
expect_status 2 "gen-data: unknown option refused" "$G" --frobnicate
expect_status 2 "gen-data: zero households refused" "$G" --households 0 --out "$T/x"
expect_status 2 "gen-data: bad country refused" "$G" --country fr --out "$T/x"
finish
