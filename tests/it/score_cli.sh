#!/bin/sh
# field-agent score: the provisional result agrees with the central
# ranking for every case, reads as a person expects in bg/ro/en within 80
# columns, and bad input gets a clear error and the right exit status.
. "$(dirname "$0")/lib.sh"
FA="$BIN/field-agent"
SS="$BIN/sync-server"
export LC_ALL=C.UTF-8

# 40 generated cases, one per line: score each alone and compare with the
# server's ranking of all of them.
"$BIN/gen-cases" --count 40 --seed 11 --override-rate 0.2 >"$T/cases.json"
"$SS" rank --cases "$T/cases.json" >"$T/rank.json" 2>"$T/err" || fail "score: rank of generated cases"
agree=0; disagree=0
grep '^{' "$T/cases.json" | sed 's/,$//' | while IFS= read -r line; do
	printf '%s\n' "$line" >"$T/one.json"
	"$FA" score --json "$T/one.json" >"$T/one.out" 2>&1
	id=$(grep -o '"id":"[^"]*"' "$T/one.out" | head -1 | cut -d'"' -f4)
	p=$(grep -o '"points":[0-9.]*' "$T/one.out" | cut -d: -f2)
	d=$(grep -o '"daily_hours":[0-9.]*' "$T/one.out" | cut -d: -f2)
	g=$(grep -o '"group":"[^"]*"' "$T/one.out" | cut -d'"' -f4)
	# the server's line block for this id
	blk=$(grep -A3 "\"id\": \"$id\"" "$T/rank.json" | tr -d ' \n')
	case "$blk" in
	*"\"points\":$p,\"daily_hours\":$d,\"group\":\"$g\""*) echo agree ;;
	*) echo "disagree $id score=$p/$d/$g rank=$blk" ;;
	esac
done >"$T/cmp.txt"
n_agree=$(grep -c '^agree' "$T/cmp.txt")
if [ "$n_agree" = 40 ]; then pass "score: provisional result equals the ranking's for 40/40 cases"
else fail "score: only $n_agree/40 agree"; grep disagree "$T/cmp.txt" | head -3; fi

one=$(grep '^{' "$T/cases.json" | head -1 | sed 's/,$//')
printf '%s\n' "$one" >"$T/one.json"
expect_status 0 "score: Bulgarian text output" "$FA" score --lang bg "$T/one.json"
expect_grep "ПРЕДВАРИТЕЛЕН РЕЗУЛТАТ" "$T/out" "score: marked provisional (bg)"
expect_grep "Точки" "$T/out" "score: points labelled in Bulgarian"
wide=$(while IFS= read -r l; do printf '%s' "$l" | wc -m; done <"$T/out" | sort -n | tail -1)
[ "$wide" -le 80 ] && pass "score: fits 80 columns (widest line $wide)" || fail "score: line of $wide columns"
expect_status 0 "score: Romanian text output" "$FA" score --lang ro "$T/one.json"
expect_grep "REZULTAT PROVIZORIU" "$T/out" "score: marked provisional (ro)"
expect_grep "Grupa\|Grupă" "$T/out" "score: group labelled in Romanian"
expect_status 0 "score: English text output" "$FA" score --lang en "$T/one.json"
expect_grep "PROVISIONAL RESULT" "$T/out" "score: marked provisional (en)"
expect_no_grep "$(grep -o '"national_id":"[0-9]*"' "$T/one.json" | cut -d'"' -f4)" "$T/out" \
	"score: the national id is not printed"
expect_status 0 "score: reads standard input" sh -c "\"$FA\" score --json - <\"$T/one.json\""
expect_grep '"provisional":true' "$T/out" "score: JSON says provisional"

# Invalid assessment: exit 1, the field named, nothing else printed.
sed 's/"3\.2\.1":[0-9]*,//' "$T/one.json" >"$T/bad.json"
expect_status 1 "score: invalid assessment refused" "$FA" score --lang en "$T/bad.json"
expect_grep "3.2.1: missing" "$T/err" "score: names the missing item"
expect_status 1 "score: invalid assessment in JSON mode" "$FA" score --json "$T/bad.json"
expect_grep '"valid":false,"error":"3.2.1: missing"' "$T/out" "score: JSON error names the item"
printf '{"id": ' >"$T/trunc.json"
expect_status 1 "score: broken JSON refused" "$FA" score "$T/trunc.json"
expect_grep "line 1, column" "$T/err" "score: says where the JSON breaks"
expect_status 3 "score: missing file" "$FA" score "$T/none.json"
sed 's/"version":1/"version":9/' "$T/one.json" >"$T/v9.json"
expect_status 1 "score: unknown instrument version refused" "$FA" score "$T/v9.json"
expect_grep "version 9 not found" "$T/err" "score: names the missing version"
expect_status 2 "score: no file is a usage error" "$FA" score
expect_status 2 "score: bad --lang" "$FA" score --lang de "$T/one.json"
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
expect_status 3 "score: oversized input refused" "$FA" score "$T/huge.json"
expect_grep "larger than" "$T/err" "score: size limit explained"
finish
