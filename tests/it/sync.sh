#!/bin/sh
# Sync end to end over TLS on loopback, with the real binaries: enrollment,
# a full sync from field-agent, replays, a disjoint-field merge, a conflict
# and its resolution, a revoked device, a wrong server key refused before
# any data is sent, and the bad-input catalogue of reliability.md R6.
. "$(dirname "$0")/lib.sh"
FA="$BIN/field-agent"
SS="$BIN/sync-server"
export LC_ALL=C.UTF-8
command -v curl >/dev/null || { echo "0 passed, 1 failed"; echo "FAIL curl is needed"; exit 1; }
PORT=$(( 20000 + $$ % 20000 ))
SRV="$T/srv"
PIN=2468
SPID2=""

start_server() { # $1 data dir, $2 port, $3 log, then more options of serve
	sd=$1 sp=$2 sl=$3
	shift 3
	"$SS" serve --data "$sd" --port "$sp" --threads 4 "$@" >"$sl" 2>&1 &
	for _ in $(seq 100); do grep -q "listening" "$sl" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
start_server "$SRV" $PORT "$T/server.log" && pass "server: serving TLS on $PORT" || { fail "server did not start"; cat "$T/server.log"; finish; exit 1; }
SPID=$!
trap 'kill $SPID 2>/dev/null; kill $SPID2 2>/dev/null; rm -rf "$T"' EXIT
URL="https://127.0.0.1:$PORT"
CERT="$SRV/server.crt"
SPIN=$(sed -n 's/^server key pin //p' "$T/server.log")

api() { # method path [body-file] -> writes $T/resp, prints status
	m=$1; p=$2; f=${3:-}
	if [ -n "$f" ]; then
		curl -s -o "$T/resp" -w '%{http_code}' --cacert "$CERT" --pinnedpubkey "$SPIN" \
			-H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN" \
			-X "$m" --data-binary @"$f" "$URL$p"
	else
		curl -s -o "$T/resp" -w '%{http_code}' --cacert "$CERT" --pinnedpubkey "$SPIN" \
			-H "Authorization: Bearer $TOKEN" -X "$m" "$URL$p"
	fi
}
code_of() { sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$1"; }
# cases_device NAME CASES DIR [SERVER_DIR PORT]: a device (FA_DATA=DIR from
# here on) enrolled for the localities of a gen-cases file, holding its cases
cases_device() {
	cd_srv=${4:-$SRV}; cd_port=${5:-$PORT}
	cd_locs=$(grep -o '"locality":"[^"]*"' "$2" | cut -d'"' -f4 | sort -u | paste -sd, -)
	"$SS" device enroll "$1" "$cd_locs" --data "$cd_srv" --port "$cd_port" >"$T/$1.enroll"
	export FA_DATA="$3"
	FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
	FA_PIN=$PIN "$FA" enroll "https://127.0.0.1:$cd_port" "$(code_of "$T/$1.enroll")" \
		--pin "$(sed -n 's/^server key pin *//p' "$T/$1.enroll")" >/dev/null 2>&1
	FA_PIN=$PIN "$FA" import "$2" >/dev/null 2>&1
}
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# --- enrollment --------------------------------------------------------------
expect_status 0 "enroll: code made" "$SS" device enroll "Мария Иванова" "Басарбово, Николово" --data "$SRV" --port $PORT
expect_grep "server key pin  *sha256//" "$T/out" "enroll: prints the pin"
expect_grep "█" "$T/out" "enroll: prints a QR code"
CODE_A=$(code_of "$T/out")
"$SS" device enroll "Петър Петров" "Басарбово" --data "$SRV" --port $PORT >"$T/b.txt"
CODE_B=$(code_of "$T/b.txt")
"$SS" device enroll "Raw One" "Басарбово" --data "$SRV" --port $PORT >"$T/r1.txt"
"$SS" device enroll "Raw Two" "Басарбово" --data "$SRV" --port $PORT >"$T/r2.txt"

export FA_DATA="$T/devA"
FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
expect_status 4 "enroll: a wrong pin is refused" env FA_PIN=$PIN "$FA" enroll "$URL" "$CODE_A" --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
expect_status 0 "enroll: device A" env FA_PIN=$PIN "$FA" enroll "$URL" "$CODE_A" --pin "$SPIN" --name tablet-a
expect_status 1 "enroll: a code works once" env FA_DATA="$T/x" FA_PIN=$PIN sh -c "'$FA' init --kdf-ms 20 >/dev/null; '$FA' enroll '$URL' '$CODE_A' --pin '$SPIN'"
expect_grep "code_used" "$T/err" "enroll: second use says code_used"
expect_no_grep "[0-9a-f]\{64\}" "$FA_DATA/agent.db" "enroll: the device token is not on disk in clear"

# --- a day's work on device A, then sync -------------------------------------
P=$(FA_PIN=$PIN "$FA" person add --name "ИВАН ПЕТРОВ" --birth-date 1950-03-01 --locality Басарбово --national-id 5003014567)
"$FA" assess --person "$P" --instrument bg-independent-living --registered-on 2026-02-25 --assessed-on 2026-03-01 \
	<"$ROOT/tests/fixtures/ruse-wizard.txt" >/dev/null 2>&1
FA_PIN=$PIN "$FA" household add --locality Николово --head "ГЕОРГИ ГЕОРГИЕВ" >/dev/null
FA_PIN=$PIN "$FA" service add --person "$P" --type counselling --minutes 30 --date 2026-03-02 >/dev/null
h0=$(grep -c "GET /v1/health" "$T/server.log")
expect_status 0 "sync: device A pushes" env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 4 (new 4" "$T/out" "sync: 4 records sent and applied"
expect_grep "still waiting 0" "$T/out" "sync: outbox empty"
# with something to send, the first connection is made while the store
# unlocks (a GET of /v1/health from the thread loading libcurl), counted
h1=$(grep -c "GET /v1/health" "$T/server.log")
[ $((h1 - h0)) = 1 ] && grep -q "sent 4 .* 3 requests" "$T/out" \
	&& pass "sync: the first connection opened early (one GET /v1/health), then the push and the pull: 3 requests" \
	|| fail "sync: $((h1 - h0)) GET /v1/health; $(cat "$T/out")"
expect_status 0 "sync: again" env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 0 .* 1 requests" "$T/out" "sync: a no-op sync is one request"
[ "$(grep -c "GET /v1/health" "$T/server.log")" = "$h1" ] && pass "sync: nothing to send, no early connection" \
	|| fail "sync: a no-op sync opened a connection early"
noop_bytes=$(sed -n 's/.* \([0-9]*\) bytes up, \([0-9]*\) down.*/\1 \2/p' "$T/out")
set -- $noop_bytes
[ $(( $1 + $2 )) -le 2048 ] && pass "sync: no-op sync: $(( $1 + $2 )) bytes of HTTP body (<= 2 KB)" || fail "sync: no-op $1+$2 bytes"

# the server's ranking from what arrived equals the rules
"$SS" assessments --data "$SRV" bg-independent-living >"$T/central.json"
expect_status 0 "central: rank the synced assessments" "$SS" rank --cases "$T/central.json"
tr -d ' \n' <"$T/out" >"$T/rank.min"
expect_grep '"points":104,"daily_hours":3,"group":"I"' "$T/rank.min" "central: recomputed 104 points, group I"

# device B (Басарбово only) receives A's Басарбово records, not Николово's
export FA_DATA="$T/devB"
FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
FA_PIN=$PIN "$FA" enroll "$URL" "$CODE_B" --pin "$SPIN" >/dev/null 2>&1
expect_status 0 "sync: device B pulls" env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "received 3" "$T/out" "sync: B receives the 3 Басарбово records (not the Николово household)"

# a new instrument version reaches the devices on their next pull
sed 's/"version": *1,/"version": 2,/' "$ROOT/instruments/bg-independent-living.v1.json" >"$T/bg-v2.json"
expect_status 0 "instrument: v2 published" "$SS" instrument publish "$T/bg-v2.json" --data "$SRV"
printf '{"version": 1}' >"$T/bad-inst.json"
expect_status 1 "instrument: a broken file is refused" "$SS" instrument publish "$T/bad-inst.json" --data "$SRV"
FA_PIN=$PIN "$FA" sync --retries 0 >/dev/null 2>&1
[ -f "$FA_DATA/instruments/bg-independent-living.v2.json" ] && pass "instrument: device B received v2" || fail "instrument: v2 not on device B"
P2=$(FA_PIN=$PIN "$FA" person list | head -1 | cut -c1-36)
printf '%s\n' $PIN :q | "$FA" assess --person "$P2" --instrument bg-independent-living --version 2 >"$T/v2.out" 2>&1
expect_grep "Assessment" "$T/v2.out" "instrument: an assessment can start on v2"

# --- protocol level: replay, merge, conflict, refusal -------------------------
enroll_raw() { # code -> sets TOKEN
	printf '{"code":"%s","device_name":"raw"}' "$1" >"$T/enr.json"
	TOKEN=x; api POST /v1/enroll "$T/enr.json" >/dev/null
	TOKEN="$(sed 's/.*"device_id":"\([^"]*\)".*"token":"\([0-9a-f]*\)".*/\1.\2/' "$T/resp")"
}
enroll_raw "$(code_of "$T/r1.txt")"; T1=$TOKEN
enroll_raw "$(code_of "$T/r2.txt")"; T2=$TOKEN
# the protocol's own examples (proto/examples) are what the server answers
TOKEN=$T2
EX="$ROOT/proto/examples"
[ "$(api POST /v1/push "$EX/push.request.json")" = 200 ] || fail "proto example push refused: $(cat "$T/resp")"
grep -o '"results":\[.*\]' "$T/resp" | tr -d ' \n' >"$T/got-results"
grep -o '"results":\[.*\]' "$EX/push.response.json" | tr -d ' \n' >"$T/want-results" || true
tr -d ' \n' <"$EX/push.response.json" | grep -o '"results":\[[^]]*\]' >"$T/want-results"
tr -d ' \n' <"$T/resp" | grep -o '"results":\[[^]]*\]' >"$T/got-results"
cmp -s "$T/got-results" "$T/want-results" && pass "proto: examples/push.request.json gets examples/push.response.json" \
	|| fail "proto example: $(cat "$T/got-results")"
printf '{"batch": ' >"$T/badex.json"
api POST /v1/push "$T/badex.json" >/dev/null
grep -q '"error":{"code":"bad_json","message":"line 1, column' "$T/resp" && pass "proto: errors have the shape of examples/error.response.json" || fail "proto error shape"
RID=6f1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11
B1='{"locality":"Басарбово","name":"ТЕСТ ЛИЦЕ","sex":"f","address":"ул. 1"}'
H1=$(sha "$B1")
rec() { printf '{"kind":"person","id":"%s","rev":%s,"base":%s,"hash":"%s","body":%s}' "$RID" "$1" "$2" "$(sha "$3")" "$3"; }
batch() { printf '{"batch":"%s","records":[%s]}' "$1" "$2"; }
TOKEN=$T1
batch 11111111-1111-4111-8111-111111111111 "$(rec 1 null "$B1")" >"$T/p1.json"
[ "$(api POST /v1/push "$T/p1.json")" = 200 ] && grep -q '"status":"applied"' "$T/resp" && pass "push: applied" || fail "push: not applied $(cat "$T/resp")"
cp "$T/resp" "$T/first-answer"
i=0; same=0
while [ $i -lt 20 ]; do api POST /v1/push "$T/p1.json" >/dev/null; cmp -s "$T/resp" "$T/first-answer" && same=$((same+1)); i=$((i+1)); done
[ $same = 20 ] && pass "R3 replay: the same batch 20 times, the same answer each time" || fail "R3 replay: $same/20 same answers"
batch 22222222-2222-4222-8222-222222222222 "$(rec 1 null "$B1")" >"$T/p1b.json"
pids=""
for j in 1 2 3 4 5 6 7 8; do api POST /v1/push "$T/p1b.json" >/dev/null & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
grep -q '"status":"duplicate"' "$T/resp" && pass "R3 replay: new batch with the same revision is a duplicate (8 in parallel)" || fail "R3 parallel: $(cat "$T/resp")"
BX='{"locality":"Басарбово","name":"ДРУГО ЛИЦЕ","sex":"f","address":"ул. 1"}'
batch 33333333-3333-4333-8333-333333333333 "$(rec 1 null "$BX")" >"$T/px.json"
api POST /v1/push "$T/px.json" >/dev/null
grep -q '"status":"refused","code":"different_content"' "$T/resp" && pass "R3: same id and rev with other content refused, not overwritten" || fail "R3 different content: $(cat "$T/resp")"
"$SS" audit verify --data "$SRV" >/dev/null 2>&1 || true

# the body's bytes as sent: a device may send its canonical text with spaces
# (then its hash is of the compact text), never one body checked and another stored
RS=7a1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11
BS='{"locality":"Басарбово","name":"ЛИЦЕ С ИНТЕРВАЛИ","sex":"f"}'
BSP='{ "locality" : "Басарбово",  "name": "ЛИЦЕ С ИНТЕРВАЛИ", "sex": "f" }'
printf '{"batch":"8a8a8a8a-1111-4111-8111-111111111111","records":[{"kind":"person","id":"%s","rev":1,"base":null,"hash":"%s","body":%s}]}' \
	"$RS" "$(sha "$BS")" "$BSP" >"$T/sp.json"
[ "$(api POST /v1/push "$T/sp.json")" = 200 ] && grep -q '"status":"applied"' "$T/resp" \
	&& pass "push: a body with spaces and the hash of its canonical text is applied" || fail "push spaces: $(cat "$T/resp")"
TOKEN=$T2; api GET "/v1/pull?cursor=0" >/dev/null; TOKEN=$T1
grep -q "$BS" "$T/resp" && pass "push: that body is stored as its canonical text" || fail "push spaces: stored text"
RD=7b1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11
BD1='{"locality":"Басарбово","name":"ПЪРВО"}'
BD2='{"locality":"Другоселище","name":"ВТОРО"}'
printf '{"batch":"8b8b8b8b-1111-4111-8111-111111111111","records":[{"kind":"person","id":"%s","rev":1,"base":null,"body":%s,"hash":"%s","body":%s}]}' \
	"$RD" "$BD1" "$(sha "$BD2")" "$BD2" >"$T/dup.json"
[ "$(api POST /v1/push "$T/dup.json")" = 400 ] && grep -q '"code":"bad_hash"' "$T/resp" \
	&& pass "push: a record with two bodies is checked and hashed on the same one (refused)" || fail "push two bodies: $(cat "$T/resp")"
printf '{"batch":"8c8c8c8c-1111-4111-8111-111111111111","records":[{"kind":"person","id":"%s","rev":1,"base":null,"b\\u006fdy":%s,"hash":"%s"}]}' \
	"$RD" "$BD2" "$(sha "$BD2")" >"$T/esc.json"
[ "$(api POST /v1/push "$T/esc.json")" = 403 ] && grep -q '"code":"forbidden"' "$T/resp" \
	&& pass "push: a key written with an escape is read as cJSON reads it (locality checked)" || fail "push escaped key: $(cat "$T/resp")"

# disjoint fields: device 1 changes the address, device 2 the sex -> merged
B2a='{"locality":"Басарбово","name":"ТЕСТ ЛИЦЕ","sex":"f","address":"ул. 2"}'
B2b='{"locality":"Басарбово","name":"ТЕСТ ЛИЦЕ","sex":"m","address":"ул. 1"}'
TOKEN=$T1; batch 44444444-4444-4444-8444-444444444444 "$(rec 2 "\"$H1\"" "$B2a")" >"$T/m1.json"; api POST /v1/push "$T/m1.json" >/dev/null
TOKEN=$T2; batch 55555555-5555-4555-8555-555555555555 "$(rec 1 "\"$H1\"" "$B2b")" >"$T/m2.json"; api POST /v1/push "$T/m2.json" >/dev/null
grep -q '"status":"merged"' "$T/resp" && pass "R4 merge: edits to different fields merge" || fail "R4 merge: $(cat "$T/resp")"
api GET "/v1/pull?cursor=0" >/dev/null
grep -q '"sex":"m","address":"ул. 2"\|"address":"ул. 2".*"sex":"m"' "$T/resp" || grep -q '"sex":"m"' "$T/resp" && grep -q 'ул. 2' "$T/resp" \
	&& pass "R4 merge: the merged record has both changes" || fail "R4 merge body: $(cat "$T/resp" | head -c 400)"
HEAD=$(grep -o "\"id\":\"$RID\",\"hash\":\"[0-9a-f]*\"" "$T/resp" | tail -1 | sed 's/.*"hash":"//; s/"//')

# the same field both ways -> conflict, both kept, deterministic winner
B3a='{"locality":"Басарбово","name":"ТЕСТ ЛИЦЕ","sex":"m","address":"ул. 3"}'
B3b='{"locality":"Басарбово","name":"ТЕСТ ЛИЦЕ","sex":"m","address":"ул. 4"}'
TOKEN=$T1; batch 66666666-6666-4666-8666-666666666666 "$(rec 3 "\"$HEAD\"" "$B3a")" >"$T/c1.json"; api POST /v1/push "$T/c1.json" >/dev/null
TOKEN=$T2; batch 77777777-7777-4777-8777-777777777777 "$(rec 2 "\"$HEAD\"" "$B3b")" >"$T/c2.json"; api POST /v1/push "$T/c2.json" >/dev/null
grep -q '"status":"conflict"' "$T/resp" && pass "R4 conflict: the same field edited twice is a conflict" || fail "R4 conflict: $(cat "$T/resp")"
expect_status 0 "conflicts: list" "$SS" conflicts list --data "$SRV"
[ "$(wc -l <"$T/out")" = 1 ] && pass "conflicts: one open conflict listed" || fail "conflicts: $(cat "$T/out")"
CID=$(cut -d' ' -f1 "$T/out")
expect_status 0 "conflicts: show" "$SS" conflicts show "$CID" --data "$SRV"
expect_grep "address .*ул. 3.*ул. 4\|address .*ул. 4.*ул. 3" "$T/out" "conflicts: both values shown side by side"
expect_grep "provisional winner" "$T/out" "conflicts: provisional winner marked"
# the provisional value is the one whose text has the greater hash
W1=$(sha '"ул. 3"'); W2=$(sha '"ул. 4"')
if [ "$W1" \> "$W2" ]; then WIN="ул. 3"; else WIN="ул. 4"; fi
api GET "/v1/pull?cursor=0" >/dev/null
grep -q "\"kind\":\"conflict\"" "$T/resp" && pass "conflicts: devices see the conflict on pull" || fail "conflicts: not pulled"
grep -q "$WIN" "$T/resp" && pass "R5 conflict: provisional value is the one with the greater hash ($WIN), not a clock" || fail "R5 winner"
expect_status 0 "conflicts: resolve with side a" "$SS" conflicts resolve "$CID" a --data "$SRV"
"$SS" conflicts list --data "$SRV" >"$T/open"
[ ! -s "$T/open" ] && pass "conflicts: none open after resolution" || fail "conflicts: still open"
api GET "/v1/pull?cursor=0" >/dev/null
grep -q '"status":"resolved"' "$T/resp" && pass "conflicts: the resolution reaches devices" || fail "conflicts: resolution not pulled"
# two merges of one record: each of the server's revisions is kept under its
# hash, so a record's head is always one of its revisions and the next edit
# based on it finds its base (a second server revision was dropped once)
RM=7c1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11
recm() { printf '{"kind":"person","id":"%s","rev":%s,"base":%s,"hash":"%s","body":%s}' "$RM" "$1" "$2" "$(sha "$3")" "$3"; }
M0='{"locality":"Басарбово","name":"М","sex":"f","address":"а"}'
M1='{"locality":"Басарбово","name":"М","sex":"f","address":"б"}'
M2='{"locality":"Басарбово","name":"М","sex":"m","address":"а"}'
M3='{"locality":"Басарбово","name":"Н","sex":"f","address":"б"}'
TOKEN=$T1; batch 9a9a9a9a-1111-4111-8111-111111111111 "$(recm 1 null "$M0")" >"$T/mm.json"; api POST /v1/push "$T/mm.json" >/dev/null
batch 9a9a9a9a-2222-4111-8111-111111111111 "$(recm 2 "\"$(sha "$M0")\"" "$M1")" >"$T/mm.json"; api POST /v1/push "$T/mm.json" >/dev/null
TOKEN=$T2; batch 9a9a9a9a-3333-4111-8111-111111111111 "$(recm 1 "\"$(sha "$M0")\"" "$M2")" >"$T/mm.json"; api POST /v1/push "$T/mm.json" >/dev/null
grep -q '"status":"merged"' "$T/resp" && m1=ok || m1="$(cat "$T/resp")"
TOKEN=$T1; batch 9a9a9a9a-4444-4111-8111-111111111111 "$(recm 3 "\"$(sha "$M1")\"" "$M3")" >"$T/mm.json"; api POST /v1/push "$T/mm.json" >/dev/null
grep -q '"status":"merged"' "$T/resp" && m2=ok || m2="$(cat "$T/resp")"
nsrv=$(sqlite3 "$SRV/central.db" "SELECT count(*) FROM revision WHERE record_id = '$RM' AND device_id = 'server'")
orphans=$(sqlite3 "$SRV/central.db" "SELECT count(*) FROM record r WHERE NOT EXISTS (SELECT 1 FROM revision v WHERE v.record_id = r.id AND v.hash = r.head)")
final=$(sqlite3 "$SRV/central.db" "SELECT json_extract(body, '$.name') || json_extract(body, '$.sex') || json_extract(body, '$.address') FROM record WHERE id = '$RM'")
[ "$m1" = ok ] && [ "$m2" = ok ] && [ "$nsrv" = 2 ] && [ "$orphans" = 0 ] && [ "$final" = "Нmб" ] \
	&& pass "R4 merge twice: both server revisions kept, every head a stored revision, all three edits in the record" \
	|| fail "R4 merge twice: merges $m1/$m2, server revisions $nsrv (want 2), heads without a revision $orphans, record $final"

# --- revocation -----------------------------------------------------------------
DEV_A=$(FA_DATA="$T/devA" "$SS" device list --data "$SRV" | grep tablet-a | cut -d' ' -f1)
expect_status 0 "revoke: device A" "$SS" device revoke "$DEV_A" --data "$SRV"
export FA_DATA="$T/devA"
expect_status 4 "R9 revoke: device A refused at once" env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "device_revoked" "$T/err" "R9 revoke: says device_revoked"
TOKEN=$T1
[ "$(api GET "/v1/pull?cursor=0")" = 200 ] && pass "revoke: other devices unaffected" || fail "revoke: other device refused"

# --- a wrong server key: refused before any data is sent -------------------------
PORT2=$((PORT + 1))
start_server "$T/srv2" $PORT2 "$T/server2.log"; SPID2=$!
export FA_DATA="$T/devB"
sqlite_url="https://127.0.0.1:$PORT2"
# point device B at the impostor (same protocol, other key)
FA_PIN=$PIN "$FA" household add --locality Басарбово --head "ТАЙНО ИМЕ" >/dev/null
if command -v sqlite3 >/dev/null; then
	sqlite3 "$FA_DATA/agent.db" "UPDATE sync_state SET value = CAST('$sqlite_url' AS BLOB) WHERE key = 'url'"
	before=$(grep -c "POST /v1/push\|GET /v1/pull" "$T/server2.log")
	expect_status 4 "R9 impostor server: refused" env FA_PIN=$PIN "$FA" sync --retries 0
	expect_grep "does not match the pin\|not the one enrolled" "$T/err" "R9 impostor: says the key does not match"
	after=$(grep -c "POST /v1/push\|GET /v1/pull" "$T/server2.log")
	[ "$before" = "$after" ] && pass "R9 impostor: no request reached it (nothing sent)" || fail "R9 impostor: $((after - before)) requests got through"
fi

# --- R6: bad input gets a 4xx JSON error, never a 5xx; the server keeps serving -----
TOKEN=$T1
n5=0; n4=0; njson=0; total=0
bad() { # name file content-type
	total=$((total + 1))
	st=$(curl -s -o "$T/resp" -w '%{http_code}' --cacert "$CERT" -H "Content-Type: ${3:-application/json}" \
		-H "Authorization: Bearer $TOKEN" --data-binary @"$2" "$URL/v1/push")
	case "$st" in 4*) n4=$((n4 + 1));; 5*) n5=$((n5 + 1)); echo "     | $1: $st";; *) echo "     | $1: $st";; esac
	grep -q '"error":{"code":"' "$T/resp" && njson=$((njson + 1)) || echo "     | $1: not a JSON error: $(head -c 100 "$T/resp")"
}
printf '{"batch": ' >"$T/b1"; bad malformed "$T/b1"
printf '{"batch": 5, "records": []}' >"$T/b2"; bad wrong-type "$T/b2"
printf '{"batch": "%s", "records": [], "extra": 1}' 88888888-8888-4888-8888-888888888888 >"$T/b3"; bad unknown-field "$T/b3"
printf '{"batch": "\377\376", "records": []}' >"$T/b4"; bad invalid-utf8 "$T/b4"
printf '{"batch": "a\000b", "records": []}' >"$T/b5"; bad nul-byte "$T/b5"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "["; for (i = 0; i < 10000; i++) printf "]" }' >"$T/b6"; bad deep-nesting "$T/b6"
printf '{"batch": "%s", "records": [{"kind":"person","id":"%s","rev":1e999,"base":null,"hash":"x","body":{}}]}' 88888888-8888-4888-8888-888888888888 "$RID" >"$T/b7"
bad huge-number "$T/b7"
head -c 5000000 /dev/zero | tr '\0' 'a' | sed 's/^/{"batch":"/; s/$/"}/' >"$T/b8"; bad oversized "$T/b8"
printf '{"batch":"%s","records":[{"kind":"spaceship","id":"%s","rev":1,"base":null,"hash":"%s","body":{"locality":"Басарбово"}}]}' \
	99999999-9999-4999-8999-999999999999 "$RID" "$(sha '{"locality":"Басарбово"}')" >"$T/b9"
total=$((total + 1)); st=$(api POST /v1/push "$T/b9"); grep -q '"code":"unknown_kind"' "$T/resp" && n4=$((n4 + 1)) && njson=$((njson + 1))
AB='{"instrument":"bg-independent-living","version":99,"status":"final","person":{"id":"x","locality":"Басарбово"},"answers":{}}'
printf '{"batch":"%s","records":[{"kind":"assessment","id":"%s","rev":1,"base":null,"hash":"%s","body":%s}]}' \
	aaaaaaaa-9999-4999-8999-999999999999 7f1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11 "$(sha "$AB")" "$AB" >"$T/b10"
total=$((total + 1)); st=$(api POST /v1/push "$T/b10"); grep -q '"code":"unknown_instrument"' "$T/resp" && n4=$((n4 + 1)) && njson=$((njson + 1))
printf '{}' >"$T/b11"; bad wrong-content-type "$T/b11" text/plain
# wrong content length: the declared length is longer than what is sent
total=$((total + 1))
st=$(printf 'POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\nAuthorization: Bearer %s\r\n\r\n{"a":1}' "$TOKEN" |
	timeout 10 openssl s_client -quiet -connect 127.0.0.1:$PORT 2>/dev/null | head -1 | cut -d' ' -f2)
case "$st" in 5*) n5=$((n5 + 1));; *) n4=$((n4 + 1)); njson=$((njson + 1));; esac
api GET "/v1/pull?cursor=0" >/dev/null
ok_after=$(grep -c '"changes"' "$T/resp")
if [ $n5 = 0 ] && [ $ok_after = 1 ]; then
	pass "R6 bad input: $total bad requests, $n4 answered 4xx, $njson with a JSON error, 0 5xx, server still serving"
else
	fail "R6 bad input: $n5 5xx of $total; serving after: $ok_after"
fi
echo "R6 requests=$total 4xx=$n4 json=$njson 5xx=$n5 alive=$ok_after"

# --- R10: who may do what ----------------------------------------------------------
BN='{"locality":"Николово","name":"ДРУГО СЕЛО"}'
TOKEN=$T1
printf '{"batch":"bbbbbbbb-9999-4999-8999-999999999999","records":[{"kind":"person","id":"8f1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11","rev":1,"base":null,"hash":"%s","body":%s}]}' "$(sha "$BN")" "$BN" >"$T/loc.json"
[ "$(api POST /v1/push "$T/loc.json")" = 403 ] && grep -q '"forbidden"' "$T/resp" && pass "R10: a record of another locality is refused 403" || fail "R10 locality: $(cat "$T/resp")"
TOKEN=""
[ "$(api GET "/v1/pull?cursor=0")" = 401 ] && pass "R10: no credential is 401" || fail "R10 no credential"
TOKEN="${T1%.*}.0000000000000000000000000000000000000000000000000000000000000000"
[ "$(api GET "/v1/pull?cursor=0")" = 401 ] && pass "R10: another device's id with a wrong token is 401" || fail "R10 wrong token"
TOKEN=$T1
"$SS" audit verify --data "$SRV" >/dev/null
# --- R1: a device killed at random moments of a sync loses and duplicates nothing ---
"$BIN/gen-cases" --count 1500 --seed 31 >"$T/r1.json"
cases_device R1 "$T/r1.json" "$T/devR1"
total=$(FA_PIN=$PIN "$FA" outbox | sed -n 's/^Waiting to sync: //p')
kills=0
for i in $(seq 40); do
	FA_PIN=$PIN "$FA" sync --quiet --retries 0 >/dev/null 2>&1 &
	sleep "0.0$(shuf -i 10-99 -n 1)"
	kill -9 $! 2>/dev/null && kills=$((kills + 1))
	wait $! 2>/dev/null
	[ "$(FA_PIN=$PIN "$FA" outbox | sed -n 's/^Waiting to sync: //p')" = 0 ] && break
done
FA_PIN=$PIN "$FA" sync --retries 3 >"$T/r1.out" 2>&1
left=$(FA_PIN=$PIN "$FA" outbox | sed -n 's/^Waiting to sync: //p')
integrity=$(FA_PIN=$PIN "$FA" check)
"$SS" assessments --data "$SRV" bg-independent-living >"$T/r1c.json"
ids_sent=$(grep -o '"id":"[0-9a-f-]*","instrument"' "$T/r1.json" | cut -d'"' -f4 | sort)
got=0; dup=0
for id in $ids_sent; do
	n=$(grep -c "\"id\":\"$id\"" "$T/r1c.json")
	[ "$n" -ge 1 ] && got=$((got + 1))
	[ "$n" -gt 1 ] && dup=$((dup + 1))
done
lost=$((1500 - got))
if [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$left" = 0 ] && [ "$integrity" = ok ]; then
	pass "R1 kills=$kills records=$total lost=0 duplicated=0 integrity=ok"
else
	fail "R1 kills=$kills lost=$lost duplicated=$dup outbox_left=$left integrity=$integrity"
fi
echo "R1 kills=$kills records=$total lost=$lost duplicated=$dup integrity=$integrity"

# --- two batches in flight: a record never travels in both --------------------------
# 700 records queued, then the first assessment voided (outbox row 701,
# its revision 2): the second batch is built while the first, which holds
# that assessment, is in flight, so it must end before row 701; revision 2
# then goes in a third batch, based on revision 1 as the server has it.
# Sent with the second batch, it would be a second "revision 1" with other
# content (refused) or arrive before it.
"$BIN/gen-cases" --count 350 --seed 32 >"$T/pl.json"
cases_device PL "$T/pl.json" "$T/devPL"
PL=$(grep -o '^{"id":"[0-9a-f-]*"' "$T/pl.json" | head -1 | cut -d'"' -f4)
FA_PIN=$PIN "$FA" void "$PL" --reason "грешка" >/dev/null
expect_status 0 "pipeline: 701 revisions pushed" env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 701 (new 701, already there 0, merged 0, conflicts 0, refused 0)" "$T/out" \
	"pipeline: the voiding of a record still in flight is applied after it (no merge, conflict or refusal)"
revs=$(sqlite3 "$SRV/central.db" "SELECT group_concat(rev, ',') FROM (SELECT rev FROM revision WHERE record_id = '$PL' ORDER BY rev)")
chain=$(sqlite3 "$SRV/central.db" "SELECT count(*) FROM revision a JOIN revision b ON b.record_id = a.record_id AND b.rev = 2 AND b.base = a.hash WHERE a.record_id = '$PL' AND a.rev = 1")
head_ok=$(sqlite3 "$SRV/central.db" "SELECT count(*) FROM record WHERE id = '$PL' AND json_extract(body, '$.status') = 'voided' AND conflict IS NULL")
[ "$revs" = "1,2" ] && [ "$chain" = 1 ] && [ "$head_ok" = 1 ] \
	&& pass "pipeline: the server holds revision 1 and revision 2 based on it, voided, the head" \
	|| fail "pipeline: revs=$revs chain=$chain head=$head_ok"
# a record the server refuses in a batch stays in the outbox, marked; the
# others of the batch leave it (the answered rows go by their range).
# Made by forgetting, on the device, that revision 1 of one person was
# sent: its next edit goes out as another "revision 1".
RA=$(FA_PIN=$PIN "$FA" person list | sed -n 1p | cut -c1-36)
RB=$(FA_PIN=$PIN "$FA" person list | sed -n 2p | cut -c1-36)
sqlite3 "$FA_DATA/agent.db" "UPDATE heads SET rev = 0 WHERE record_id = X'$(printf '%s' "$RA" | tr -d -)'"
FA_PIN=$PIN "$FA" person edit "$RA" --address "ул. Отказана 1" >/dev/null
FA_PIN=$PIN "$FA" person edit "$RB" --address "ул. Приета 2" >/dev/null
expect_status 0 "refused: the sync goes on" env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 2 (new 1, already there 0, merged 0, conflicts 0, refused 1)" "$T/out" \
	"refused: one record refused (other content under a revision sent), the other applied"
left=$(sqlite3 "$FA_DATA/agent.db" "SELECT record_id || ' ' || (refused IS NOT NULL) FROM outbox")
[ "$left" = "$RA 1" ] && pass "refused: only the refused record stays in the outbox, marked" \
	|| fail "refused: outbox holds: $left"
# while the sync waits for the server, the answers it recorded are
# committed (after 20 ms of waiting), not held until the push ends: other
# commands see them and can write. Every fsync of the server held 300 ms
# (strace on it): the second batch's answer comes ~0.3 s after the first's,
# and the first 500 answers must show meanwhile (outbox 700 → 200 → 0)
"$BIN/gen-cases" --count 350 --seed 33 >"$T/lk.json"
cases_device LK "$T/lk.json" "$T/devLK"
strace -f -p $SPID -o /dev/null -e trace=fdatasync -e inject=fdatasync:delay_enter=300000 2>"$T/lk.st" &
LKS=$!
for _ in $(seq 100); do grep -q attached "$T/lk.st" && break; sleep 0.05; done
FA_PIN=$PIN "$FA" sync --retries 0 >"$T/lk.out" 2>&1 &
LKP=$!
seen=""
while kill -0 $LKP 2>/dev/null; do
	n=$(sqlite3 "$T/devLK/agent.db" "SELECT count(*) FROM outbox" 2>/dev/null)
	case "$n" in ''|0|700) ;; *) seen="$seen $n" ;; esac
	sleep 0.02
done
wait $LKP; lksync=$?
kill $LKS 2>/dev/null; wait $LKS 2>/dev/null
[ $lksync = 0 ] && grep -q "sent 700 (new 700, already there 0" "$T/lk.out" && [ -n "$seen" ] \
	&& pass "answers committed while the sync waits for the next (outbox seen at:$(printf '%s\n' $seen | sort -u | tr '\n' ' '))" \
	|| fail "answers while the sync waits: exit $lksync, outbox between 700 and 0 seen: '${seen}' $(cat "$T/lk.out")"
# a server (or a proxy, or a village's tablets behind one address) that
# allows one connection per address: the second connection is refused, the
# device goes on with one batch at a time, in the same sync
PORT1=$((PORT + 7))
start_server "$T/srv1" $PORT1 "$T/srv1.log" --max-per-client 1
SPID1=$!
trap 'kill $SPID 2>/dev/null; kill $SPID2 2>/dev/null; kill $SPID1 2>/dev/null; rm -rf "$T"' EXIT
cases_device One "$T/pl.json" "$T/devOne" "$T/srv1" $PORT1
expect_status 0 "one connection per address: the sync completes without a retry" \
	env FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 700 (new 700, already there 0, merged 0, conflicts 0, refused 0).*still waiting 0" "$T/out" \
	"one connection per address: all 700 records applied once"
# nothing written for a while: the server copies its WAL into the store
# (the next burst of pushes does not pay for this one's checkpoint): the
# store's file alone, without the WAL, holds every record
w0=$(stat -c %s "$T/srv1/central.db-wal" 2>/dev/null || echo 0)
alone=0
for _ in $(seq 40); do
	rm -f "$T/alone.db"
	cp "$T/srv1/central.db" "$T/alone.db"
	alone=$(sqlite3 "$T/alone.db" "SELECT count(*) FROM record" 2>/dev/null || echo 0)
	[ "$alone" = 700 ] && break
	sleep 0.1
done
[ "$w0" -gt 0 ] && [ "$alone" = 700 ] \
	&& pass "idle checkpoint: the WAL ($w0 bytes after the push) copied into the store within 4 s: its file alone has the 700 records" \
	|| fail "idle checkpoint: WAL of $w0 bytes; the store's file alone has $alone records"
kill $SPID1; wait $SPID1 2>/dev/null
export FA_DATA="$T/devB"

# --- audit ---------------------------------------------------------------------------
expect_status 0 "audit: the hash chain verifies" "$SS" audit verify --data "$SRV"
expect_grep "intact" "$T/out" "audit: intact"
kill $SPID 2>/dev/null; wait $SPID 2>/dev/null
expect_no_grep "ИВАН\|5003014567\|ТЕСТ ЛИЦЕ\|ул. " "$T/server.log" "R12 server log: no names, national ids or addresses"
finish
