#!/bin/sh
# Backup and restore of the sync server's data (packaging/sync-server-backup,
# docs/operator-guide.md): an online backup while the server serves, the
# data directory destroyed, the backup restored, and the enrolled device
# syncing on as before (same key pin, same records, audit chain intact).
# Also: a damaged or altered backup is refused and nothing is touched.
. "$(dirname "$0")/lib.sh"
FA="$BIN/field-agent"
SS="$BIN/sync-server"
BK="$ROOT/packaging/sync-server-backup"
export LC_ALL=C.UTF-8
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; echo "0 passed, 1 failed"; exit 1; }
PORT=$(( 20000 + ($$ + 7) % 20000 ))
SRV="$T/srv"
PIN=2468
SPID=""
trap 'kill $SPID 2>/dev/null; rm -rf "$T"' EXIT
start_server() { # $1 log
	"$SS" serve --data "$SRV" --port $PORT --threads 2 >"$1" 2>&1 &
	SPID=$!
	for _ in $(seq 200); do grep -q "listening" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
stop_server() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""; }
count() { "$SS" assessments --data "$SRV" bg-independent-living | grep -c '"instrument"'; }

start_server "$T/s1.log" || { fail "server did not start"; cat "$T/s1.log"; finish; exit 1; }
URL="https://127.0.0.1:$PORT"
SPIN=$(sed -n 's/^server key pin //p' "$T/s1.log")
"$SS" device enroll "Мария Иванова" "Басарбово" --data "$SRV" --port $PORT >"$T/code.txt"
CODE=$(sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$T/code.txt")
export FA_DATA="$T/dev"
FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
expect_status 0 "device enrolled" env FA_PIN=$PIN "$FA" enroll "$URL" "$CODE" --pin "$SPIN"
assess() { # a person and a final assessment on the device
	P=$(FA_PIN=$PIN "$FA" person add --name "$1" --birth-date 1950-03-01 --locality Басарбово)
	"$FA" assess --person "$P" --instrument bg-independent-living --registered-on 2026-02-25 \
		--assessed-on 2026-03-01 <"$ROOT/tests/fixtures/ruse-wizard.txt" >/dev/null 2>&1
}
assess "ИВАН ПЕТРОВ"
assess "ЕЛЕНА ПЕТРОВА"
expect_status 0 "sync before the backup" env FA_PIN=$PIN "$FA" sync --retries 0
[ "$(count)" = 2 ] && pass "server holds 2 assessments" || fail "server holds $(count) assessments, not 2"

# --- online backup, server running -------------------------------------------
expect_status 0 "backup while the server serves" "$BK" --data "$SRV" backup "$T/bk"
for f in central.db server.crt server.key SHA256SUMS; do
	[ -f "$T/bk/$f" ] || fail "backup lacks $f"
done
[ "$(stat -c %a "$T/bk/server.key")" = 600 ] && pass "backup: the key is readable by its owner only" || fail "backup: key mode $(stat -c %a "$T/bk/server.key")"
expect_status 1 "backup: refuses a directory that is not empty" "$BK" --data "$SRV" backup "$T/bk"
expect_status 0 "server still serves after the backup" env FA_PIN=$PIN "$FA" sync --retries 0

# --- destroy ------------------------------------------------------------------
stop_server
rm -rf "$SRV"
[ ! -e "$SRV" ] && pass "data directory destroyed"
expect_status 1 "no data: backup refused" "$BK" --data "$SRV" backup "$T/bk2"

# --- damaged backups are refused, nothing is touched --------------------------
cp -r "$T/bk" "$T/bad1"; printf 'x' >>"$T/bad1/server.key"
expect_status 1 "restore: an altered file is refused" "$BK" --data "$SRV" restore "$T/bad1"
expect_grep "SHA256SUMS" "$T/err" "restore: says which check failed"
cp -r "$T/bk" "$T/bad2"; dd if=/dev/zero of="$T/bad2/central.db" bs=1 count=64 seek=4096 conv=notrunc 2>/dev/null
(cd "$T/bad2" && sha256sum central.db server.crt server.key >SHA256SUMS)
expect_status 1 "restore: a corrupt store is refused" "$BK" --data "$SRV" restore "$T/bad2"
[ ! -e "$SRV" ] && pass "restore: refused restores left nothing behind" || fail "restore: refused restore wrote $SRV"

# --- restore, the device syncs on ---------------------------------------------
expect_status 0 "restore" "$BK" --data "$SRV" restore "$T/bk"
[ "$(stat -c %a "$SRV")" = 700 ] && pass "restored data directory is 0700" || fail "restored dir mode $(stat -c %a "$SRV")"
start_server "$T/s2.log" || { fail "server did not start on the restored data"; cat "$T/s2.log"; }
SPIN2=$(sed -n 's/^server key pin //p' "$T/s2.log")
[ "$SPIN2" = "$SPIN" ] && pass "restored server keeps its key pin" || fail "pin changed: $SPIN -> $SPIN2"
[ "$(count)" = 2 ] && pass "restored server holds the 2 assessments" || fail "restored server holds $(count)"
expect_status 0 "audit chain verifies after the restore" "$SS" audit verify --data "$SRV"
assess "ГЕОРГИ ГЕОРГИЕВ"
expect_status 0 "the enrolled device syncs after the restore" env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 2 (new 2" "$T/out" "the new person and assessment are applied"
[ "$(count)" = 3 ] && pass "server holds 3 assessments" || fail "server holds $(count), not 3"

# daily: dated backups in a directory, the newest N kept
mkdir "$T/daily"
for i in 1 2 3; do
	"$BK" --data "$SRV" daily "$T/daily" --keep 2 >"$T/daily$i.out" 2>&1 || fail "daily backup $i: $(cat "$T/daily$i.out")"
	[ $i = 3 ] || sleep 1.1
done
n=$(ls -1d "$T"/daily/2* | wc -l)
[ "$n" = 2 ] && pass "daily --keep 2: three runs, the newest 2 backups kept" || fail "daily: $n backups kept"
expect_grep "removed the old backup" "$T/daily3.out" "daily: says which backup it removed"
expect_status 1 "daily: --keep 0 refused" "$BK" --data "$SRV" daily "$T/daily" --keep 0

# a second restore keeps what was there aside
stop_server
expect_status 0 "restore over existing data" "$BK" --data "$SRV" restore "$T/bk"
ls -d "$SRV".before-restore.* >/dev/null 2>&1 && pass "the replaced data is kept aside" || fail "replaced data not kept"
finish
