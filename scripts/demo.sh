#!/bin/sh
# make demo: the main job on the embedded defaults. Until sync exists it
# generates a realistic municipality's applications, shows one assessor's
# provisional result, ranks everyone centrally and prints the list.
set -eu
B=${1:-build}
D=$(mktemp -d "${TMPDIR:-/tmp}/fa-demo.XXXXXX")
trap 'rm -rf "$D"' EXIT
echo "== 400 applications of a Ruse-sized round (synthetic data, seed 2026; 1% with an entry error)"
"$B/gen-cases" --count 400 --seed 2026 --invalid-rate 0.01 -o "$D/cases.json"
grep '^{' "$D/cases.json" | head -1 | sed 's/,$//' >"$D/one.json"
echo
echo "== what the assessor sees at the kitchen table (field-agent score --lang bg)"
"$B/field-agent" score --lang bg "$D/one.json"
echo
echo "== the central ranking: 150 places, children at most 25 %, 20,000 monthly hours"
"$B/sync-server" rank --cases "$D/cases.json" --max-users 150 --children-share 0.25 \
	--hours-budget 20000 --format text >"$D/list.txt"
head -n 26 "$D/list.txt"
echo "   …"
grep -E 'waitlisted +(children|hours)' "$D/list.txt" | head -n 3 || true
echo "   …"
grep -E ' (ineligible|invalid) ' "$D/list.txt" | head -n 6 || true
echo
tail -n 2 "$D/list.txt"
"$B/sync-server" rank --cases "$D/cases.json" --max-users 150 --hours-budget 20000 >"$D/a.json"
"$B/sync-server" rank --cases "$D/cases.json" --max-users 150 --hours-budget 20000 >"$D/b.json"
cmp -s "$D/a.json" "$D/b.json" && echo "(ranked twice: identical byte for byte)"
