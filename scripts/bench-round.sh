#!/bin/sh
# The central round at county scale, in a real central store loaded the
# way sync leaves it, timed with its peak memory:
#   county  a Bulgarian county from gen-data (48,000 households, ~121,000
#           people, their services, and the assessments of the people who
#           applied): `round run` finds the applicants among everyone;
#   stress  N people (default 121,000) who all applied, from gen-cases.
# `round run` chooses the applicants, numbers them, scores every case from
# its answers, ranks, allocates and writes every applicant row in one
# transaction. Next to it, `sync-server rank` on the same cases from a
# file: the same scoring and ranking with no store (the floor for this
# work in this program).
# Usage: scripts/bench-round.sh [BUILD_DIR] [N]. Prints for each mode:
#   P5r-MODE cases=… people=… run_s=… rss_mb=… rank_file_s=… ratio=…
#   P5r-MODE-steps select_s=… fetch_score_s=… score_s=… rank_s=… write_s=…
set -eu
B=${1:-build}
N=${2:-121000}
D=$(mktemp -d "${TMPDIR:-/tmp}/fa-bench-round.XXXXXX")
trap 'rm -rf "$D"' EXIT

# load DIR FILE KIND: a JSON array of exchange-format assessments (KIND
# "assessment"), or sync-shaped records one per line (KIND "records")
load() {
	if [ "$3" = records ]; then
		sed '1s/^/[/; $!s/$/,/; $s/$/]/' "$2" >"$D/array.json"
		sqlite3 "$1/central.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
INSERT OR IGNORE INTO record(id, kind, locality, head, body)
  SELECT json_extract(value, '\$.id'), json_extract(value, '\$.kind'),
         coalesce(json_extract(value, '\$.body.locality'), ''), 'bench', json_extract(value, '\$.body')
  FROM json_each(readfile('$D/array.json'));
SQL
	else
		sqlite3 "$1/central.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
INSERT OR IGNORE INTO record(id, kind, locality, head, body)
  SELECT json_extract(value, '\$.person.id'), 'person', json_extract(value, '\$.person.locality'),
         'bench', json_extract(value, '\$.person')
  FROM json_each(readfile('$2'));
INSERT INTO record(id, kind, locality, head, body)
  SELECT json_extract(value, '\$.id'), 'assessment', json_extract(value, '\$.person.locality'),
         'bench', json_set(json_remove(value, '\$.id'), '\$.status', 'final')
  FROM json_each(readfile('$2'));
COMMIT;
SQL
	fi
}

# run MODE DIR CASES_FILE PEOPLE
run() {
	"$B/sync-server" round create county --municipality Bench --service personal-assistance \
		--from 1900-01-01 --to 2100-12-31 --max-users 5000 --data "$2" >/dev/null
	/usr/bin/time -f "%e %M" -o "$D/time" "$B/sync-server" round run county --timing --data "$2" >"$D/run.txt"
	read -r run_s rss_kb <"$D/time"
	/usr/bin/time -f "%e %M" -o "$D/time2" "$B/sync-server" rank --cases "$3" --threads 1 \
		--max-users 5000 >/dev/null
	read -r rank_s rank_kb <"$D/time2"
	applicants=$(sed -n 's/.*applicants=\([0-9]*\).*/\1/p' "$D/run.txt")
	printf 'P5r-%s cases=%s people=%s run_s=%s rss_mb=%s rank_file_s=%s rank_file_rss_mb=%s ratio=%.2f\n' \
		"$1" "$applicants" "$4" "$run_s" "$((rss_kb / 1024))" "$rank_s" "$((rank_kb / 1024))" \
		"$(echo "$run_s / $rank_s" | bc -l)"
	sed -n "s/^timing /P5r-$1-steps /p" "$D/run.txt"
}

# a county as gen-data makes it
"$B/gen-data" --country bg --scale county --seed 7 --out "$D/county" >"$D/county.txt"
"$B/sync-server" round list --data "$D/c" >/dev/null
for f in households persons services; do load "$D/c" "$D/county/$f.jsonl" records; done
sqlite3 "$D/c/central.db" >/dev/null <<SQL
INSERT OR REPLACE INTO record(id, kind, locality, head, body)
  SELECT json_extract(value, '\$.id'), 'assessment', json_extract(value, '\$.person.locality'),
         'bench', json_set(json_remove(value, '\$.id'), '\$.status', 'final')
  FROM json_each(readfile('$D/county/assessments.json'));
SQL
run county "$D/c" "$D/county/assessments.json" "$(sed -n 's/^persons //p' "$D/county.txt")"
rm -rf "$D/c" "$D/county"

# everyone applied
"$B/gen-cases" --count "$N" --seed 7 --ineligible-rate 0.02 -o "$D/cases.json"
"$B/sync-server" round list --data "$D/s" >/dev/null
load "$D/s" "$D/cases.json" assessment
run stress "$D/s" "$D/cases.json" "$N"
