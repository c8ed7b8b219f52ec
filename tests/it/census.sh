#!/bin/sh
# The Romanian census over the real server: a small synthetic census
# entered on an enrolled field agent (households, persons, screenings,
# services given and planned, services that resolved a vulnerability),
# synced over TLS, then `sync-server census` checked against figures
# computed by hand (below, next to each check), the priority list with a
# capacity of active cases, CSV (BOM, quoting) and no personal data in
# any output.
. "$(dirname "$0")/lib.sh"
LOCALITIES="Buhoci, Filipești"
PORT_SALT=2
. "$(dirname "$0")/census-env.inc"

hh() { fa household add --locality "$1" --head "$2" --address "$3"; }
pers() { fa person add --household "$1" --locality "$2" --name "$3" --birth-date "$4" --national-id "$5" --address "$6"; }
H1=$(hh Buhoci "CANARYHEAD ONE" "Strada Canar 1")
H2=$(hh Buhoci "CANARYHEAD TWO" "Strada Canar 2")
H3=$(hh Buhoci "CANARYHEAD THREE" "Strada Canar 3")
H4=$(hh Filipești "CANARYHEAD FOUR" "Strada Canar 4")
H5=$(hh Filipești "CANARYHEAD FIVE" "Strada Canar 5")
C1=$(pers "$H1" Buhoci "CANARYNAME Copil1" 2018-05-01 5180501990011 "Strada Canar 1")
W1=$(pers "$H1" Buhoci "CANARYNAME Femeie1" 1990-01-01 2900101990012 "Strada Canar 1")
M1=$(pers "$H1" Buhoci "CANARYNAME Barbat1" 1988-02-02 1880202990013 "Strada Canar 1")
C2=$(pers "$H2" Buhoci "CANARYNAME Copil2" 2012-03-03 6120303990014 "Strada Canar 2")
W2=$(pers "$H2" Buhoci "CANARYNAME Femeie2" 1995-04-04 2950404990015 "Strada Canar 2")
C3=$(pers "$H3" Buhoci "CANARYNAME Copil3" 2020-01-01 5200101990016 "Strada Canar 3")
C4=$(pers "$H4" Filipești "CANARYNAME Copil4" 2016-06-06 5160606990017 "Strada Canar 4")
W4=$(pers "$H4" Filipești "CANARYNAME Femeie4" 1980-07-07 2800707990018 "Strada Canar 4")
C5=$(pers "$H5" Filipești "CANARYNAME Copil5" 2010-10-10 5101010990019 "Strada Canar 5")
[ ${#C5} = 36 ] && [ ${#H5} = 36 ] && pass "device: 5 households and 9 persons entered" || fail "device: households/persons"

ITEMS="econ.poverty econ.parents_unemployed econ.social_benefits social.minor_mother social.single_parent social.parents_away social.no_parents health.no_family_doctor health.vaccinations health.chronic_disability health.pregnant_no_care edu.not_enrolled edu.absence edu.dropout_risk housing.no_documents housing.overcrowded housing.no_utilities risk.substance_use risk.violence risk.child_labour risk.law_conflict"
n=0
# screening PERSON LOCALITY BIRTH ROLE SEX DATE ITEMS-FOUND…
screening() {
	p=$1 loc=$2 birth=$3 role=$4 sex=$5 on=$6; shift 6
	n=$((n + 1))
	a=""
	for it in $ITEMS; do
		v=false
		for y in "$@"; do [ "$y" = "$it" ] && v=true; done
		a="$a,\"$it\":$v"
	done
	printf '{"id":"aaaaaaaa-0000-4000-8000-%012d","instrument":"ro-household-screening","version":1,"assessed_on":"%s","person":{"id":"%s","birth_date":"%s","locality":"%s"},"answers":{"role":"%s","sex":"%s"%s}}' \
		$n "$on" "$p" "$birth" "$loc" "$role" "$sex" "$a"
}
{
	echo "["
	screening "$C1" Buhoci 2018-05-01 child male 2026-03-10 econ.poverty health.no_family_doctor housing.no_documents; echo ","
	screening "$W1" Buhoci 1990-01-01 woman female 2026-03-10 econ.poverty; echo ","
	screening "$C2" Buhoci 2012-03-03 child female 2026-03-10; echo ","
	screening "$W2" Buhoci 1995-04-04 woman female 2026-03-10 econ.poverty econ.social_benefits social.single_parent; echo ","
	screening "$C3" Buhoci 2020-01-01 child male 2026-03-10 health.no_family_doctor health.vaccinations; echo ","
	screening "$C4" Filipești 2016-06-06 child male 2026-03-12 edu.not_enrolled housing.no_documents risk.child_labour; echo ","
	screening "$W4" Filipești 1980-07-07 woman female 2026-03-12; echo ","
	screening "$C5" Filipești 2010-10-10 child male 2026-03-12 econ.parents_unemployed; echo ","
	# C1 screened again: the missing documents were obtained
	screening "$C1" Buhoci 2018-05-01 child male 2026-05-10 econ.poverty health.no_family_doctor
	echo "]"
} >"$T/screenings.json"
expect_status 0 "device: 9 screenings entered (import)" fa import "$T/screenings.json"
sv() { fa service add "$@" >/dev/null 2>"$T/sv.err" || fail "service add $*: $(cat "$T/sv.err")"; }
sv --person "$C1" --type counselling --date 2026-03-15 --minutes 30 --place home --worker "CANARYWORKER Ana"
sv --person "$C1" --type information --date 2026-03-15 --minutes 20 --place home --worker "CANARYWORKER Ana"
sv --person "$W2" --type counselling --date 2026-03-20 --minutes 45 --place community_centre --worker "CANARYWORKER Ana"
sv --person "$C3" --type accompaniment --date 2026-04-01 --minutes 60 --place mobile --worker "CANARYWORKER Ioana" --resolves health.no_family_doctor
sv --person "$C1" --type monitoring --date 2026-04-01 --minutes 15 --place home --worker "CANARYWORKER Ioana"
sv --household "$H1" --type information --date 2026-04-02 --minutes 10 --place home
sv --person "$C4" --type accompaniment --date 2026-03-12 --minutes 90 --place home --worker "CANARYWORKER Maria" --resolves housing.no_documents
sv --person "$C5" --type information --date 2026-03-11 --minutes 10 --place home --worker "CANARYWORKER Maria" --resolves econ.parents_unemployed
sv --person "$C4" --type counselling --date 2026-04-20 --minutes 30 --place community_centre --worker "CANARYWORKER Maria"
# individual service plans
sv --person "$C1" --type counselling --date 2026-06-01 --minutes 30 --planned
sv --person "$C1" --type referral --date 2026-06-01 --minutes 30 --planned
sv --person "$W2" --type parental_education --date 2026-06-01 --minutes 60 --planned
sv --person "$C4" --type counselling --date 2026-05-01 --minutes 30 --planned
expect_status 2 "device: --resolves must name a screening item" fa service add --person "$C1" --type counselling --minutes 5 --resolves econ.nothing
expect_status 2 "device: a planned service cannot resolve" fa service add --person "$C1" --type counselling --minutes 5 --planned --resolves econ.poverty
expect_status 0 "device: synced to the server" fa sync --retries 0
expect_grep "sent 36 (new 36" "$T/out" "sync: 5 households, 9 persons, 9 screenings, 13 services applied"

expect_status 0 "census capacity 4 (audited)" ss census capacity 4
expect_status 0 "census: JSON" ss census
cp "$T/out" "$T/census.json"
tr -d ' \n' <"$T/census.json" >"$T/c.min"
ov() { sed 's/,"localities":.*//' "$T/c.min"; }
loc() { sed "s/.*{\"locality\":\"$1\",//" "$T/c.min" | sed 's/}{"locality".*//'; }
has() { # has SCOPE-TEXT PATTERN DESC
	if printf '%s' "$1" | grep -q -- "$2"; then pass "$3"; else fail "$3 (no $2)"; printf '%s' "$1" | head -c 600 | sed 's/^/     | /'; echo; fi
}
O=$(ov); B=$(loc Buhoci); F=$(loc Filipești)
# households 3+2, people 6+3 (the man is censused, not screened)
has "$O" '"households":5,"people":9,"screened":8,"cases":6,"active_cases":4' "overall: 5 households, 9 people, 8 screened, 6 cases, 4 active (capacity 4)"
has "$B" '"households":3,"people":6,"screened":5,"cases":4,"active_cases":3' "Buhoci: 3 households, 6 people, 5 screened, 4 cases, 3 active"
has "$F" '"households":2,"people":3,"screened":3,"cases":2,"active_cases":1' "Filipești: 2 households, 3 people, 3 screened, 2 cases, 1 active"
# latest states: C1 (poverty, doctor), W1 (poverty), W2 (poverty, benefits, single parent),
# C3 (doctor, vaccinations), C4 (not enrolled, documents, child labour), C5 (unemployed)
has "$O" '{"id":"econ","label":"Dimensiuneaeconomică(sărăcie)","cases":4,"active":2,"items":\[{"id":"econ.poverty","label":"[^"]*","cases":3,"active":2,"resolved":0},{"id":"econ.parents_unemployed","label":"[^"]*","cases":1,"active":0,"resolved":0},{"id":"econ.social_benefits","label":"[^"]*","cases":1,"active":1,"resolved":0}\]}' "overall: economic dimension and its items"
has "$O" '{"id":"health","label":"Sănătate","cases":2,"active":2,"items":\[{"id":"health.no_family_doctor","label":"[^"]*","cases":2,"active":2,"resolved":1}' "overall: health, no family doctor 2 cases, 1 resolved by a service"
has "$O" '{"id":"housing","label":"[^"]*","cases":1,"active":1,"items":\[{"id":"housing.no_documents","label":"[^"]*","cases":1,"active":1,"resolved":2}' "overall: documents: 1 open case, 2 resolved (a re-screening; a service the same day)"
has "$O" '"resolved":3,' "overall: 3 vulnerabilities resolved (a service before the screening does not count)"
has "$B" '"resolved":2,' "Buhoci: 2 resolved"
has "$O" '"services":{"given":9,"minutes":310,"by_type":{"accompaniment":2,"counselling":3,"information":3,"monitoring":1},"by_month":{"2026-03":5,"2026-04":4},"by_place":{"community_centre":2,"home":6,"mobile":1}' "overall: 9 services, 310 minutes, by type, month and place"
has "$O" '{"type":"counselling","month":"2026-03","place":"community_centre","services":1,"minutes":45},{"type":"counselling","month":"2026-03","place":"home","services":1,"minutes":30}' "overall: services by type, month and place together"
has "$O" '"plans":{"active_cases":4,"with_plan":3,"without_plan":1,"planned":4,"given":2,"missing":2,"missing_by_type":{"parental_education":1,"referral":1}}' "overall: service plans of the active cases"
# beneficiaries C1 W2 C3 H1 C4 C5; March: C1 W2 C4 C5, April: C3 C1 H1 C4 -> 8/2;
# 7 days with 8 (day, beneficiary) pairs -> 1.14; staff Ana Ioana Maria + the device's assessor
has "$O" '"beneficiaries":{"total":6,"months":2,"per_month":4,"days":7,"per_day":1.14}' "overall: 6 beneficiaries, 4 a month, 1.14 a day"
has "$O" '"staff":{"staff":4,"beneficiaries_per_staff":1.5}' "overall: 4 staff, 1.5 beneficiaries each"
has "$B" '"beneficiaries":{"total":4,"months":2,"per_month":2.5,"days":4,"per_day":1.25}' "Buhoci: 4 beneficiaries, 2.5 a month, 1.25 a day"
has "$F" '"staff":{"staff":1,"beneficiaries_per_staff":2}' "Filipești: 1 staff, 2 beneficiaries"
has "$B" '"needs_profile":{"items":\[{"dimension":"econ","item":"econ.poverty","cases":3,"active":2},{"dimension":"health","item":"health.no_family_doctor","cases":2,"active":2}' "Buhoci: needs profile, most frequent first"
has "$B" '"services_missing":{"parental_education":1,"referral":1},"active_without_plan":1' "Buhoci: services missing from the plans, a case without plan"

# a period: April only
expect_status 0 "census: --from/--to" ss census --from 2026-04-01 --to 2026-04-30
tr -d ' \n' <"$T/out" | sed 's/,"localities":.*//' >"$T/apr"
expect_grep '"given":4,"minutes":115' "$T/apr" "period: 4 services in April (115 minutes)"
expect_grep '"beneficiaries":{"total":4,"months":1,"per_month":4' "$T/apr" "period: one month, 4 beneficiaries"
expect_status 2 "census: a period that ends before it starts" ss census --from 2026-05-01 --to 2026-04-01

# priority list: C4 (3 dimensions), W2 (2, 3), C1 (2, 2), C3 (1, 2, age 6), C5 (1, 1, 15), W1 (1, 1, 36)
expect_status 0 "census priority" ss census priority
tr -d ' \n' <"$T/out" >"$T/prio"
order=$(grep -o '"person":"[^"]*"' "$T/prio" | cut -d'"' -f4 | tr '\n' ' ')
[ "$order" = "$C4 $W2 $C1 $C3 $C5 $W1 " ] && pass "priority: dimensions, then vulnerabilities, then younger first" || fail "priority order: $order"
[ "$(grep -o '"active":true' "$T/prio" | wc -l)" = 4 ] && pass "priority: the first 4 (the capacity) are active" || fail "priority active: $(cat "$T/prio")"
expect_grep "\"rank\":4,\"person\":\"$C3\",\"locality\":\"Buhoci\",\"dimensions\":1,\"vulnerabilities\":2,\"age\":6,\"priority\":\"low\",\"active\":true" "$T/prio" "priority: the 4th case is active (boundary)"
expect_grep "\"rank\":5,\"person\":\"$C5\".*\"active\":false" "$T/prio" "priority: the 5th is not"
expect_status 0 "census priority --capacity 3" ss census priority --capacity 3 --locality Buhoci
tr -d ' \n' <"$T/out" >"$T/prio3"
expect_grep "\"person\":\"$C3\".*\"active\":false" "$T/prio3" "capacity 3: the 4th case is no longer active"
[ "$(grep -o '"locality":"Filipești"' "$T/prio3" | wc -l)" = 0 ] && pass "priority --locality: only that locality" || fail "priority locality filter"
expect_status 1 "census: an unknown locality" ss census --locality Nowhere

# CSV
expect_status 0 "census --format csv" ss census --format csv
cp "$T/out" "$T/census.csv"
bom "$T/census.csv" && pass "csv: UTF-8 BOM" || fail "csv: no BOM"
[ "$(grep -c "$(printf '\r')$" "$T/census.csv")" = "$(wc -l <"$T/census.csv")" ] && pass "csv: CRLF line ends" || fail "csv: line ends"
expect_grep '^ALL,cases,,,,Cazuri,6' "$T/census.csv" "csv: overall cases"
expect_grep '^Filipești,active_cases,,,,Cazuri active,1' "$T/census.csv" "csv: per locality, Romanian labels"
expect_grep '^ALL,services_by_type_month_place,counselling,2026-03,community_centre,"Servicii pe tip, lună și loc",1' "$T/census.csv" "csv: a label with a comma is quoted"
expect_grep '^ALL,beneficiaries_per_day,,,,Numărul mediu de beneficiari pe zi,1.14' "$T/census.csv" "csv: averages"
expect_status 0 "census priority csv" ss census priority --format csv
cp "$T/out" "$T/prio.csv"
bom "$T/prio.csv" && pass "priority csv: BOM" || fail "priority csv BOM"
expect_grep "^1,$C4,Filipești,3,3,9,high,yes,1,1" "$T/prio.csv" "priority csv: first row"

# canaries: no name, national id, address or worker name in any output
for f in "$T/census.json" "$T/census.csv" "$T/prio" "$T/prio.csv" "$T/apr"; do
	if grep -q "CANARY\|990011\|990015\|Strada" "$f"; then fail "canary in $(basename "$f")"; else pass "no canary in $(basename "$f")"; fi
done
ss audit verify >"$T/audit"
expect_grep "intact" "$T/audit" "audit: chain intact after the census exports"
finish
