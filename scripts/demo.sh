#!/bin/sh
# make demo: the whole loop on loopback with the embedded defaults — the
# sync server (SQLite, a self-signed certificate made on first run), two
# field agents enrolled with one-time codes, a morning's assessments
# entered offline on both (one through the wizard), one conflicting edit,
# sync, then the conflict and the central ranking.
set -eu
B=${1:-build}
D=$(mktemp -d "${TMPDIR:-/tmp}/fa-demo.XXXXXX")
PORT=${DEMO_PORT:-$(( 30000 + $$ % 20000 ))}
SRV="$D/server"
export LC_ALL=C.UTF-8 FA_PIN=2468
"$B/sync-server" serve --data "$SRV" --port "$PORT" >"$D/server.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; rm -rf "$D"' EXIT INT TERM
for _ in $(seq 100); do grep -q listening "$D/server.log" 2>/dev/null && break; sleep 0.05; done
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. The sync server is up (self-signed TLS, SQLite in $SRV)"
head -2 "$D/server.log"

# the morning's work of two assessors, generated (synthetic people)
"$B/gen-cases" --count 200 --seed 2026 -o "$D/cases.json"
LOCS=$(grep -o '"locality":"[^"]*"' "$D/cases.json" | cut -d'"' -f4 | sort -u | paste -sd, -)
grep '^{' "$D/cases.json" | sed 's/,$//' | head -120 | { echo "["; paste -sd, -; echo "]"; } >"$D/morning-a.json"
grep '^{' "$D/cases.json" | sed 's/,$//' | tail -80 | { echo "["; paste -sd, -; echo "]"; } >"$D/morning-b.json"

say "2. A coordinator enrolls two devices (one-time codes; the device checks the server's key pin)"
"$B/sync-server" device enroll "Мария Иванова" "$LOCS" --data "$SRV" --port "$PORT" >"$D/enroll-a.txt"
"$B/sync-server" device enroll "Петър Петров" "$LOCS" --data "$SRV" --port "$PORT" >"$D/enroll-b.txt"
head -3 "$D/enroll-a.txt"
sed -n '5,$p' "$D/enroll-a.txt" | head -40
code() { sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$1"; }
PIN=$(sed -n 's/^server key pin *//p' "$D/enroll-a.txt")
for dev in a b; do
	FA_DATA="$D/device-$dev" "$B/field-agent" init --kdf-ms 100 >/dev/null
	FA_DATA="$D/device-$dev" "$B/field-agent" enroll "https://127.0.0.1:$PORT" "$(code "$D/enroll-$dev.txt")" \
		--pin "$PIN" --name "tablet-$dev"
done

say "3. Offline at the kitchen table: device A walks one assessment through the wizard (Bulgarian)"
export FA_DATA="$D/device-a"
P=$("$B/field-agent" person add --name "ИВАН ПЕТРОВ" --birth-date 1950-03-01 --locality Басарбово --national-id 5003014567)
"$B/field-agent" --lang bg assess --person "$P" --instrument bg-independent-living \
	--registered-on 2026-02-25 --assessed-on 2026-03-01 <tests/fixtures/ruse-wizard.txt >"$D/wizard.txt" 2>&1
sed -n '/ПРЕДВАРИТЕЛЕН РЕЗУЛТАТ/,/нейният резултат/p' "$D/wizard.txt"
"$B/field-agent" import "$D/morning-a.json"
export FA_DATA="$D/device-b"
"$B/field-agent" import "$D/morning-b.json"

say "4. Sync both devices"
FA_DATA="$D/device-a" "$B/field-agent" sync
FA_DATA="$D/device-b" "$B/field-agent" sync

say "5. Both assessors correct the same person's address offline: a conflict"
FA_DATA="$D/device-a" "$B/field-agent" person edit "$P" --address "ул. Шипка 5" >/dev/null
FA_DATA="$D/device-b" "$B/field-agent" person edit "$P" --address "ул. Шипка 7" >/dev/null
FA_DATA="$D/device-a" "$B/field-agent" sync
FA_DATA="$D/device-b" "$B/field-agent" sync
FA_DATA="$D/device-a" "$B/field-agent" sync --quiet
echo "device A now lists:"; FA_DATA="$D/device-a" "$B/field-agent" conflicts
"$B/sync-server" conflicts list --data "$SRV"
C=$("$B/sync-server" conflicts list --data "$SRV" | head -1 | cut -d' ' -f1)
[ -n "$C" ] && "$B/sync-server" conflicts show "$C" --data "$SRV"

say "6. The central ranking, recomputed by the server from the answers (150 places, 25 % children)"
"$B/sync-server" assessments --data "$SRV" bg-independent-living >"$D/central.json"
"$B/sync-server" rank --cases "$D/central.json" --max-users 150 --children-share 0.25 --format text >"$D/list.txt"
head -n 16 "$D/list.txt"
echo "   …"
tail -n 2 "$D/list.txt"
"$B/sync-server" audit verify --data "$SRV"

say "7. The commission's round: ranked in the store, one override with a reason, locked, published"
export SS_ACTOR="commission"
"$B/sync-server" round create ruse-2026 --municipality Русе --service "Асистентска подкрепа" \
	--localities "$LOCS" --from 2026-01-01 --to 2026-12-31 --max-users 150 --children-share 0.25 --data "$SRV"
"$B/sync-server" round run ruse-2026 --data "$SRV"
"$B/sync-server" round override ruse-2026 1 --hours 4 --reason "Живее сам, без близки наблизо" --data "$SRV"
"$B/sync-server" round lock ruse-2026 --data "$SRV"
"$B/sync-server" round publish ruse-2026 --format csv --out "$D/public-list.csv" --data "$SRV"
"$B/sync-server" round letter ruse-2026 1 --out "$D/letter-1.html" --data "$SRV"
echo "public list (no national id, name or address): $D/public-list.csv"
head -n 4 "$D/public-list.csv"
echo "decision letter to application 1: $D/letter-1.html"
FA_DATA="$D/device-a" "$B/field-agent" sync --quiet
echo "device A, the decisions about its cases (first lines):"
FA_DATA="$D/device-a" "$B/field-agent" --lang bg decisions | head -n 5
"$B/sync-server" audit verify --data "$SRV"
