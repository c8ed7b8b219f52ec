#!/bin/sh
# Census indicators at county scale (domain.md §1: 45 localities, 48,000
# households, 121,000 people, 550,000 services): a synthetic central store
# written straight into SQLite (the bodies the devices sync, with the
# server's scores), then `sync-server census` (JSON, CSV), the priority
# list and an assistant-load lookup timed, with peak memory, next to the
# floor of the same machine in the same run: SQLite reading every record
# body once.
# usage: scripts/bench-census.sh BUILD [PEOPLE]
set -eu
BIN=${1:-build}
PEOPLE=${2:-121000}
HOUSEHOLDS=$((PEOPLE * 48 / 121))
SCREENED=$((PEOPLE / 2))          # children and women
SERVICES=$((PEOPLE * 550 / 121))
D=$(mktemp -d "${TMPDIR:-/tmp}/bench-census.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$D"' EXIT
SS="$BIN/sync-server"
"$SS" census capacity 5200 --data "$D" >/dev/null

ITEMS="econ.poverty econ.parents_unemployed econ.social_benefits social.minor_mother social.single_parent social.parents_away social.no_parents health.no_family_doctor health.vaccinations health.chronic_disability health.pregnant_no_care edu.not_enrolled edu.absence edu.dropout_risk housing.no_documents housing.overcrowded housing.no_utilities risk.substance_use risk.violence risk.child_labour risk.law_conflict"
# item k of screening i is found when ((h / (k+1)) % 23) = 0, h a hash of i
k=0; answers=""; vul=""; dims=""; prev=""; dimexpr=""
for it in $ITEMS; do
	k=$((k + 1))
	e="((h / $k) % 23 = 0)"
	answers="$answers, '$it', json(CASE WHEN $e THEN 'true' ELSE 'false' END)"
	vul="$vul + $e"
	d=${it%%.*}
	if [ "$d" != "$prev" ] && [ -n "$prev" ]; then dims="$dims + ($dimexpr)"; dimexpr=""; fi
	dimexpr="${dimexpr:+$dimexpr OR }$e"
	prev=$d
done
dims="$dims + ($dimexpr)"

t0=$(date +%s.%N)
sqlite3 "$D/central.db" <<SQL
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $HOUSEHOLDS)
INSERT INTO record(id, kind, locality, head, body)
SELECT 'h' || i, 'household', 'Loc' || (i % 45), 'x' || i,
 json_object('locality', 'Loc' || (i % 45), 'head', 'H', 'address', 'A') FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $PEOPLE)
INSERT INTO record(id, kind, locality, head, body)
SELECT 'p' || i, 'person', 'Loc' || (i % 45), 'x' || i,
 json_object('household_id', 'h' || (i % $HOUSEHOLDS), 'locality', 'Loc' || (i % 45), 'name', 'N',
  'birth_date', (2008 + i % 18) || '-0' || (1 + i % 9) || '-1' || (i % 9)) FROM n;
CREATE TEMP TABLE s AS
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $SCREENED)
SELECT i, (i * 2654435761) % 4294967296 AS h FROM n;
INSERT INTO record(id, kind, locality, head, body)
SELECT 'a' || i, 'assessment', 'Loc' || (i % 45), 'x' || i,
 json_object('instrument', 'ro-household-screening', 'version', 1, 'status', 'final',
  'assessed_on', '2026-03-10', 'person', json_object('id', 'p' || i, 'locality', 'Loc' || (i % 45)),
  'answers', json_object('role', 'child', 'sex', 'male' $answers)) FROM s;
INSERT INTO score(assessment_id, head, valid, outputs)
SELECT 'a' || i, 'x' || i, 1,
 json_object('age', i % 18, 'is_case', json(CASE WHEN (0 $vul) > 0 THEN 'true' ELSE 'false' END),
  'dimensions_hit', 0 $dims, 'vulnerabilities', 0 $vul,
  'priority', CASE WHEN (0 $dims) >= 3 THEN 'high' WHEN (0 $dims) = 2 THEN 'medium'
   WHEN (0 $dims) = 1 THEN 'low' ELSE 'none' END) FROM s;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $SERVICES)
INSERT INTO record(id, kind, locality, head, body)
SELECT 'v' || i, 'service', 'Loc' || ((i * 7919 % $SCREENED) % 45), 'x' || i,
 json_object('person_id', 'p' || (i * 7919 % $SCREENED), 'locality', 'Loc' || ((i * 7919 % $SCREENED) % 45),
  'type', CASE i % 8 WHEN 0 THEN 'identification' WHEN 1 THEN 'assessment' WHEN 2 THEN 'information'
   WHEN 3 THEN 'counselling' WHEN 4 THEN 'accompaniment' WHEN 5 THEN 'assistance' WHEN 6 THEN 'referral'
   ELSE 'monitoring' END,
  'date', date('2025-01-01', '+' || (i % 730) || ' days'), 'minutes', 10 + i % 50,
  'place', CASE i % 3 WHEN 0 THEN 'home' WHEN 1 THEN 'community_centre' ELSE 'mobile' END,
  'worker', 'w' || (i % 300)) FROM n;
COMMIT;
SQL
t1=$(date +%s.%N)
printf 'census store: %d households, %d people, %d screenings, %d services written in %.1f s\n' \
	$HOUSEHOLDS $PEOPLE $SCREENED $SERVICES "$(echo "$t1 - $t0" | bc)"

run() { # label command… -> "label: wall s, cpu s, peak MB"
	label=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$D/time" "$@" >"$D/out" 2>"$D/err" || { echo "$label failed: $(cat "$D/err")"; exit 1; }
	set -- $(cat "$D/time")
	CPU=$(echo "$2 + $3" | bc)
	printf '%-34s %7.2f s wall %7.2f s cpu %8.1f MB\n' "$label" "$1" "$CPU" "$(echo "$4 / 1024" | bc -l)"
}
run "floor: sqlite3 reads every body" sqlite3 "$D/central.db" "SELECT count(*), sum(length(body)) FROM record"
FLOOR=$CPU
run "census --format json" "$SS" census --data "$D"
J=$CPU
grep -q '"cases":' "$D/out" || { echo "census json: no cases"; exit 1; }
run "census --format csv" "$SS" census --data "$D" --format csv
run "census priority" "$SS" census priority --data "$D"
run "census --locality Loc7" "$SS" census --data "$D" --locality Loc7
echo "census json / floor (cpu): $(echo "scale=1; $J / ($FLOOR + 0.01)" | bc) x (the floor reads the bodies once; census parses every screening and service)"
