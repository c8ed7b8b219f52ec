#!/bin/sh
# The central round at county scale: N synthetic people (default 121,000,
# a county) with a final assessment each, stored in a real central store
# the way sync leaves them (a person record and an assessment record per
# person), then `sync-server round run` — choosing the applicants,
# numbering them, scoring every case from its answers, ranking,
# allocating and writing every applicant row in one transaction — timed
# with its peak memory, next to `sync-server rank` on the same cases from
# a file (the same scoring and ranking with no store: the floor for this
# work in this program).
# Usage: scripts/bench-round.sh [BUILD_DIR] [N]. Prints one line:
#   P5r cases=N run_s=… rss_mb=… rank_file_s=… ratio=…
set -eu
B=${1:-build}
N=${2:-121000}
D=$(mktemp -d "${TMPDIR:-/tmp}/fa-bench-round.XXXXXX")
trap 'rm -rf "$D"' EXIT
"$B/gen-cases" --count "$N" --seed 7 --ineligible-rate 0.02 -o "$D/cases.json"
"$B/sync-server" round list --data "$D/srv" >/dev/null
sqlite3 "$D/srv/central.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
INSERT OR IGNORE INTO record(id, kind, locality, head, body)
  SELECT json_extract(value, '\$.person.id'), 'person', json_extract(value, '\$.person.locality'),
         'bench', json_extract(value, '\$.person')
  FROM json_each(readfile('$D/cases.json'));
INSERT INTO record(id, kind, locality, head, body)
  SELECT json_extract(value, '\$.id'), 'assessment', json_extract(value, '\$.person.locality'),
         'bench', json_set(json_remove(value, '\$.id'), '\$.status', 'final')
  FROM json_each(readfile('$D/cases.json'));
COMMIT;
SQL
"$B/sync-server" round create county --municipality Bench --service personal-assistance \
	--from 1900-01-01 --to 2100-12-31 --max-users 5000 --data "$D/srv" >/dev/null
/usr/bin/time -f "%e %M" -o "$D/time" "$B/sync-server" round run county --timing --data "$D/srv" >"$D/run.txt"
read -r run_s rss_kb <"$D/time"
/usr/bin/time -f "%e %M" -o "$D/time2" "$B/sync-server" rank --cases "$D/cases.json" --threads 1 \
	--max-users 5000 >/dev/null
read -r rank_s rank_kb <"$D/time2"
applicants=$(sed -n 's/.*applicants=\([0-9]*\).*/\1/p' "$D/run.txt")
[ "$applicants" = "$N" ] || { echo "bench-round: $applicants applicants of $N" >&2; exit 1; }
sed -n 's/^timing /P5r-steps /p' "$D/run.txt"
printf 'P5r cases=%s run_s=%s rss_mb=%s rank_file_s=%s rank_file_rss_mb=%s ratio=%.2f\n' "$N" "$run_s" \
	"$((rss_kb / 1024))" "$rank_s" "$((rank_kb / 1024))" "$(echo "$run_s / $rank_s" | bc -l)"
