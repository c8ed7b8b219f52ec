#!/bin/sh
# The central round over the real server with synced data: a device
# enrolled over TLS imports the acceptance sample and syncs; the round
# ranks what arrived (equal to `sync-server rank` on the same cases), the
# commission overrides with a reason, locks and publishes; letters; an
# objection and re-decision; a withdrawal promoting the next waiting
# person; duplicates; reassessment dates; decisions pulled by devices;
# canaries (national ids, names, addresses) absent where they must be.
. "$(dirname "$0")/lib.sh"
FA="$BIN/field-agent"
SS="$BIN/sync-server"
export LC_ALL=C.UTF-8 SS_ACTOR=commission-chair
command -v jq >/dev/null || { echo "0 passed, 1 failed"; echo "FAIL jq is needed (make deps)"; exit 1; }
PORT=$(( 20000 + ($$ + 7919) % 20000 ))
SRV="$T/srv"
PIN=2468
"$SS" serve --data "$SRV" --port $PORT --threads 2 >"$T/server.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
for _ in $(seq 100); do grep -q "listening" "$T/server.log" 2>/dev/null && break; sleep 0.05; done
SPIN=$(sed -n 's/^server key pin //p' "$T/server.log")
URL="https://127.0.0.1:$PORT"
R() { "$SS" round "$@" --data "$SRV"; }

# --- a device brings in the sample ------------------------------------------------
LOCS=$(jq -r '[.[].person.locality] | unique | join(",")' "$ACCEPT/bg-ranking-sample.json")
"$SS" device enroll "Мария Иванова" "$LOCS" --data "$SRV" --port $PORT >"$T/enr.txt"
CODE=$(sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$T/enr.txt")
export FA_DATA="$T/dev"
FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
FA_PIN=$PIN "$FA" enroll "$URL" "$CODE" --pin "$SPIN" >/dev/null 2>&1
expect_status 0 "device: imports the 24 sample cases" env FA_PIN=$PIN "$FA" import "$ACCEPT/bg-ranking-sample.json"
expect_status 0 "device: syncs them" env FA_PIN=$PIN "$FA" sync --retries 0

# --- a round, ranked as `rank` ranks the same cases ---------------------------------
expect_status 2 "create: a window is required" R create ruse-1 --municipality Русе --service "Асистентска подкрепа"
expect_status 1 "create: a window that closes before it opens is refused" \
	R create ruse-1 --municipality Русе --service "Асистентска подкрепа" --from 2026-12-31 --to 2026-01-01
expect_grep "closes before it opens" "$T/err" "create: says why"
expect_status 0 "create: round ruse-1 (8 places, 25 % children)" \
	R create ruse-1 --municipality "Стара Загора" --service "Асистентска подкрепа" --localities "$LOCS" \
	--from 2026-01-01 --to 2026-12-31 --max-users 8 --children-share 0.25
expect_status 1 "create: the same id twice is refused" \
	R create ruse-1 --municipality Русе --service x --from 2026-01-01 --to 2026-12-31
expect_status 1 "lock: a round not yet ranked cannot be locked" R lock ruse-1
expect_status 0 "run: ranks the synced assessments" R run ruse-1
expect_grep "applicants=24 ranked=24 duplicates=0" "$T/out" "run: 24 applicants, none duplicated"
R ranking ruse-1 >"$T/round.json"
"$SS" assessments --data "$SRV" bg-independent-living >"$T/central.json"
"$SS" rank --cases "$T/central.json" --max-users 8 --children-share 0.25 >"$T/rank.json"
if cmp -s "$T/round.json" "$T/rank.json"; then pass "run: the round's ranking equals sync-server rank byte for byte"
else fail "run: round ranking differs from rank"; diff "$T/round.json" "$T/rank.json" | head -5; fi
"$SS" rank --cases "$ACCEPT/bg-ranking-sample.json" --max-users 8 --children-share 0.25 >"$T/rank-src.json"
cmp -s "$T/round.json" "$T/rank-src.json" && pass "run: and equals the ranking of the device's source file" \
	|| fail "run: synced cases rank differently from the source file"
R show ruse-1 >"$T/show1.json"
jq -e . "$T/show1.json" >/dev/null && pass "show: valid JSON" || fail "show: not JSON"
[ "$(jq '[.applicants[] | select(.decided == "approved")] | length' "$T/show1.json")" = 8 ] \
	&& pass "allocation: 8 approved (max users)" || fail "allocation: approved count"
kids=$(jq '[.applicants[] | select(.decided == "approved" and .child)] | length' "$T/show1.json")
[ "$kids" -le 2 ] && pass "allocation: children within floor(8 × 0.25) = 2 ($kids)" || fail "allocation: $kids children"
jq -e '.capacity.users.used == 8 and .capacity.children.max == 2' "$T/show1.json" >/dev/null \
	&& pass "show: capacity used 8 of 8, 2 children places" || fail "show: capacity"
expect_status 0 "run: again with the same data" R run ruse-1
R show ruse-1 >"$T/show2.json"
R ranking ruse-1 >"$T/round2.json"
if cmp -s "$T/round.json" "$T/round2.json" && [ "$(tail -n +2 "$T/show1.json" | md5sum)" = "$(tail -n +2 "$T/show2.json" | md5sum)" ]
then pass "run: re-run gives the same result byte for byte"; else fail "run: re-run differs"; fi

# --- the same person twice; a person assessed twice ----------------------------------
# a second person record with the first case's national id, assessed later;
# and a later assessment of the second case's person (its id as synced)
A2ID=$(jq -r '.[1].id' "$ACCEPT/bg-ranking-sample.json")
second_pid=$(sqlite3 "$SRV/central.db" "SELECT json_extract(body, '\$.person.id') FROM record WHERE id = '$A2ID'")
jq '[.[0] | .id = "aaaaaaaa-0000-4000-8000-000000000001" | .person.id = "aaaaaaaa-0000-4000-8000-0000000000f1"
	| .assessed_on = "2026-04-30" | .person.name = "Йорданка Атанасова-Дубликат"]' \
	"$ACCEPT/bg-ranking-sample.json" >"$T/dup.json"
jq --arg p "$second_pid" '[.[1] | .id = "aaaaaaaa-0000-4000-8000-000000000002" | .assessed_on = "2026-05-02" | .person.id = $p]' \
	"$ACCEPT/bg-ranking-sample.json" >"$T/again.json"
FA_PIN=$PIN "$FA" import "$T/dup.json" >/dev/null 2>&1
FA_PIN=$PIN "$FA" import "$T/again.json" >/dev/null 2>&1
FA_PIN=$PIN "$FA" sync --retries 0 >/dev/null 2>&1
expect_status 0 "run: after a duplicate and a reassessment arrived" R run ruse-1
expect_grep "applicants=25 ranked=24 duplicates=1" "$T/out" "run: 25 applications, one duplicate shown, 24 ranked"
R show ruse-1 >"$T/show3.json"
A1ID=$(jq -r '.[0].id' "$ACCEPT/bg-ranking-sample.json")
dup_of=$(jq -r --arg a "$A1ID" '.applicants[] | select(.assessment == $a) | .duplicate_of' "$T/show3.json")
new_app=$(jq -r '.applicants[] | select(.assessment == "aaaaaaaa-0000-4000-8000-000000000001") | .application' "$T/show3.json")
[ "$dup_of" = "$new_app" ] && pass "duplicates: the older record of the same national id points to the newer ($dup_of)" \
	|| fail "duplicates: duplicate_of=$dup_of new=$new_app"
[ "$(jq -r --arg p "$second_pid" '.applicants[] | select(.person == $p) | .assessment' "$T/show3.json")" = "aaaaaaaa-0000-4000-8000-000000000002" ] \
	&& pass "latest assessment: a person assessed twice is ranked on the later one" || fail "latest assessment not used"
app1=$(jq -r --arg p "$second_pid" '.applicants[] | select(.person == $p) | .application' "$T/show1.json")
app3=$(jq -r --arg p "$second_pid" '.applicants[] | select(.person == $p) | .application' "$T/show3.json")
[ "$app1" = "$app3" ] && pass "application numbers stay across re-runs ($app1)" || fail "application number changed $app1 -> $app3"

# --- the commission ------------------------------------------------------------------
TOP=$(jq -r '[.applicants[] | select(.rank == 1)][0].application' "$T/show3.json")
TOPH=$(jq -r '[.applicants[] | select(.rank == 1)][0].daily_hours' "$T/show3.json")
expect_status 1 "override: a reason is required" R override ruse-1 "$TOP" --hours 5
expect_status 1 "override: an empty reason is refused" R override ruse-1 "$TOP" --hours 5 --reason ""
expect_status 1 "override: 25 hours a day is refused" R override ruse-1 "$TOP" --hours 25 --reason "x"
expect_status 1 "override: 2.3 hours (not a half hour) is refused" R override ruse-1 "$TOP" --hours 2.3 --reason "x"
expect_status 1 "override: an unknown application" R override ruse-1 999 --hours 5 --reason "x"
expect_status 0 "override: hours with a reason" R override ruse-1 "$TOP" --hours 5.5 --reason "Живее сам, без близки наблизо"
R show ruse-1 >"$T/show4.json"
jq -e --argjson a "$TOP" --argjson h "$TOPH" '.applicants[] | select(.application == $a)
	| .hours == 5.5 and .daily_hours == $h and .override.reason == "Живее сам, без близки наблизо"' "$T/show4.json" >/dev/null \
	&& pass "override: current 5.5 h, computed $TOPH h kept, reason shown" || fail "override: not as expected"
R history ruse-1 "$TOP" >"$T/hist.json"
jq -e --arg h "$TOPH" 'select(.action == "override_hours") | .from == $h and .to == "5.5" and .by == "commission-chair" and (.at | length) == 20' "$T/hist.json" >/dev/null \
	&& pass "override: history says from $TOPH to 5.5, who and when" || { fail "override: history"; cat "$T/hist.json"; }
W=$(jq -r '[.applicants[] | select(.decided == "waitlisted")][0].application' "$T/show4.json")
expect_status 1 "publish: not before the lock" R publish ruse-1
expect_status 0 "lock: on 2026-05-15" R lock ruse-1 --on 2026-05-15
expect_status 1 "override: refused after the lock" R override ruse-1 "$TOP" --hours 6 --reason "x"
expect_status 1 "run: refused after the lock" R run ruse-1
R show ruse-1 >"$T/show5.json"
jq -e --argjson a "$TOP" '.applicants[] | select(.application == $a) | .state == "offered" and .decided_on == "2026-05-15" and .reassess_on == "2026-11-15"' "$T/show5.json" >/dev/null \
	&& pass "lock: the approved are offered; reassessment due 6 months on (2026-11-15)" || fail "lock: states/dates"
jq -e --argjson a "$W" '.applicants[] | select(.application == $a) | .state == "waiting"' "$T/show5.json" >/dev/null \
	&& pass "lock: the waitlisted wait" || fail "lock: waiting state"

# --- publication ------------------------------------------------------------------------
expect_status 0 "publish: CSV" R publish ruse-1 --format csv --out "$T/list.csv"
head -c 3 "$T/list.csv" | od -An -tx1 | grep -q "ef bb bf" && pass "csv: starts with the UTF-8 BOM" || fail "csv: no BOM"
head -1 "$T/list.csv" | grep -q "Ранг,Заявление №,Инициали,Населено място,Група,Точки,Часа на ден,Резултат" \
	&& pass "csv: Bulgarian header" || fail "csv: header"
[ "$(grep -c "$(printf '\r')\$" "$T/list.csv")" = 25 ] && pass "csv: CRLF lines, header + 24 people (duplicate listed once)" \
	|| fail "csv: $(grep -c "$(printf '\r')\$" "$T/list.csv") CRLF lines"
grep -q "^1,[0-9]*,[^,]*,[^,]*,[IVX-]*,[0-9]*,5.5,одобрен" "$T/list.csv" && pass "csv: rank 1 row shows the decided 5.5 h, одобрен" \
	|| { fail "csv: rank 1 row"; head -3 "$T/list.csv"; }
expect_status 0 "publish: HTML" R publish ruse-1 --format html --lang bg --out "$T/list.html"
expect_grep '<html lang="bg">' "$T/list.html" "html: a Bulgarian page"
[ "$(grep -c '<tr><td' "$T/list.html")" = 24 ] && pass "html: 24 rows" || fail "html: rows"
expect_status 0 "publish: Romanian headings" R publish ruse-1 --format csv --lang ro --out "$T/list-ro.csv"
expect_grep "Cerere nr.,Inițiale,Localitate" "$T/list-ro.csv" "csv: Romanian header with ț"
expect_status 1 "publish: an unknown format is refused" R publish ruse-1 --format xls
R show ruse-1 | jq -e '.round.status == "published"' >/dev/null && pass "publish: the round is marked published" || fail "publish: status"

# --- letters ---------------------------------------------------------------------------
expect_status 0 "letter: to the first-ranked applicant" R letter ruse-1 "$TOP" --out "$T/letter.html"
expect_grep "5.5 часа дневно" "$T/letter.html" "letter: the approved hours (5.5 a day)"
expect_grep "възражение" "$T/letter.html" "letter: says the applicant may object"
expect_grep "2026-11-15" "$T/letter.html" "letter: the reassessment date"
[ "$(stat -c %a "$T/letter.html")" = 600 ] && pass "letter: written mode 0600 (personal data)" || fail "letter: mode"
R letter ruse-1 "$W" --out "$T/letter-w.html"
expect_grep "списъка на чакащите" "$T/letter-w.html" "letter: a waiting person is told so"

# --- canaries: no national id, name or address where they must not be -----------------
jq -r '.[] | .person.national_id, .person.address, .person.name' "$ACCEPT/bg-ranking-sample.json" | sort -u >"$T/canaries"
echo "Йорданка Атанасова-Дубликат" >>"$T/canaries"
top_aid=$(jq -r --argjson a "$TOP" '.applicants[] | select(.application == $a) | .assessment' "$T/show5.json")
own_addr=$(jq -rs --arg a "$top_aid" 'add | map(select(.id == $a))[0].person.address' "$ACCEPT/bg-ranking-sample.json" "$T/dup.json" "$T/again.json")
own_name=$(jq -rs --arg a "$top_aid" 'add | map(select(.id == $a))[0].person.name' "$ACCEPT/bg-ranking-sample.json" "$T/dup.json" "$T/again.json")
R publish ruse-1 --format json >"$T/list.json"
R history ruse-1 >"$T/hist-all.json"
found=0
for f in list.csv list-ro.csv list.html list.json show5.json hist-all.json; do
	n=$(grep -cFf "$T/canaries" "$T/$f"); found=$((found + n))
done
grep -F "$own_name" "$T/letter.html" >/dev/null || fail "letter: does not name its addressee"
others=$(grep -vFx "$own_addr" "$T/canaries" | grep -vFx "$own_name" >"$T/others"; grep -cFf "$T/others" "$T/letter.html")
grep -F "$own_addr" "$T/letter.html" >/dev/null && pass "letter: addressed to its applicant" || fail "letter: no address"
nid_in_letter=$(jq -r '.[] | .person.national_id' "$ACCEPT/bg-ranking-sample.json" | grep -cFf - "$T/letter.html")
grep -cFf "$T/canaries" "$SRV"/*.log "$T/server.log" 2>/dev/null | grep -qv ':0$\|^0$' && found=$((found + 1))
[ "$found" = 0 ] && [ "$others" = 0 ] && [ "$nid_in_letter" = 0 ] \
	&& pass "canaries: $(wc -l <"$T/canaries") planted; 0 in public lists, exports, history, log; 0 of others in a letter; no national id in it" \
	|| fail "canaries: found $found in lists, $others of others and $nid_in_letter ids in the letter"

# --- after the decision ---------------------------------------------------------------------
expect_status 1 "respond: a waiting person cannot accept" R respond ruse-1 "$W" accept
expect_status 2 "respond: an objection must propose hours" R respond ruse-1 "$TOP" object --reason "нужни са повече"
expect_status 0 "respond: the applicant objects, proposing 7 h" R respond ruse-1 "$TOP" object --hours 7 --reason "Нужда от повече часове"
expect_status 0 "redecide: the commission grants 6.5 h" R redecide ruse-1 "$TOP" --hours 6.5 --reason "Възражението е основателно отчасти"
R show ruse-1 >"$T/show6.json"
jq -e --argjson a "$TOP" '.applicants[] | select(.application == $a) | .state == "offered" and .hours == 6.5' "$T/show6.json" >/dev/null \
	&& pass "redecide: offered again with 6.5 h" || fail "redecide"
expect_status 1 "redecide: only an objection is re-decided" R redecide ruse-1 "$TOP" --hours 4 --reason x
expect_status 0 "respond: the applicant accepts" R respond ruse-1 "$TOP" accept
expect_status 0 "respond: contract signed" R respond ruse-1 "$TOP" contract
# the next waiting person who fits: first waiting by rank (a child only if a
# children's place is free)
kids_held=$(jq '[.applicants[] | select((.state | IN("offered","accepted","objected","contracted")) and .child)] | length' "$T/show6.json")
NEXT=$(jq -r --argjson k "$kids_held" '[.applicants[] | select(.state == "waiting" and .rank != null and ((.child | not) or $k < 2))] | sort_by(.rank) | .[0].application' "$T/show6.json")
A2=$(jq -r '[.applicants[] | select(.state == "offered")] | sort_by(.rank) | .[1].application' "$T/show6.json")
A2_CHILD=$(jq -r --argjson a "$A2" '.applicants[] | select(.application == $a) | .child' "$T/show6.json")
[ "$A2_CHILD" = true ] && NEXT=$(jq -r '[.applicants[] | select(.state == "waiting" and .rank != null)] | sort_by(.rank) | .[0].application' "$T/show6.json")
expect_status 0 "withdraw: an approved applicant withdraws" R withdraw ruse-1 "$A2" --reason "Отказ по лични причини"
expect_grep "offered the freed place: $NEXT\$" "$T/out" "withdraw: the next waiting person who fits ($NEXT) is offered the place"
R show ruse-1 >"$T/show7.json"
jq -e --argjson a "$A2" '.applicants[] | select(.application == $a) | .state == "withdrawn"' "$T/show7.json" >/dev/null \
	&& pass "withdraw: kept on record as withdrawn" || fail "withdraw: state"
jq -e '.capacity.users.used == 8' "$T/show7.json" >/dev/null && pass "withdraw: capacity still 8 of 8 after promotion" || fail "withdraw: capacity"
jq -e --argjson a "$NEXT" '.applicants[] | select(.application == $a) | .state == "offered" and .decided == "approved" and .reassess_on != null' "$T/show7.json" >/dev/null \
	&& pass "promotion: offered, approved, with a reassessment date" || fail "promotion: state"
R history ruse-1 "$NEXT" | grep -q '"action":"promoted"' && pass "promotion: in the history" || fail "promotion: history"
expect_status 0 "refuse-assistants: the promoted person refuses every assistant" R refuse-assistants ruse-1 "$NEXT" --reason "Не харесва предложените асистенти"
R show ruse-1 | jq -e --argjson a "$NEXT" '.applicants[] | select(.application == $a) | .state == "waiting"' >/dev/null \
	&& pass "refuse-assistants: stays on the waiting list" || fail "refuse-assistants: state"
expect_grep "offered the freed place: " "$T/out" "refuse-assistants: the place goes to someone else"
LEAVER=$TOP
expect_status 0 "leave: a contracted user leaves" R leave ruse-1 "$LEAVER" --reason "Преместване"
expect_status 1 "leave: cannot leave twice" R leave ruse-1 "$LEAVER"
expect_status 0 "due: reassessments due by 2026-11-15" R due --on 2026-11-15
n_due=$(wc -l <"$T/out")
[ "$n_due" -ge 8 ] && pass "due: $n_due applications due on 2026-11-15" || fail "due: $n_due"
expect_status 0 "due: none due by 2026-11-14" R due --on 2026-11-14
[ ! -s "$T/out" ] && pass "due: nothing before the date" || fail "due: early"
"$SS" audit verify --data "$SRV" >"$T/audit.txt" 2>&1 && pass "audit: the chain verifies after every action" || fail "audit: broken"
n_aud=$(sqlite3 "$SRV/central.db" "SELECT count(*) FROM audit WHERE action IN ('override_hours','round_locked','object','redecided','withdraw','promoted','refuse-assistants','leave','round_published','round_run','round_created')")
[ "$n_aud" -ge 11 ] && pass "audit: $n_aud round actions audited" || fail "audit: $n_aud"

# --- decisions reach the devices --------------------------------------------------------------
expect_status 0 "pull: the device syncs" env FA_PIN=$PIN "$FA" sync --retries 0
n_dec=$(sqlite3 "$FA_DATA/agent.db" "SELECT count(*) FROM remote WHERE kind = 'decision'")
n_app=$(R show ruse-1 | jq '.applicants | length')
[ "$n_dec" = "$n_app" ] && pass "pull: the device holds the decisions of its $n_app applications" || fail "pull: $n_dec decisions of $n_app"
# a second service's round over the same people: its decisions do not
# replace the first's on the device
R create ruse-day-centre --municipality "Стара Загора" --service "Дневен център" --from 2026-01-01 --to 2026-12-31 --max-users 3 >/dev/null
R run ruse-day-centre >/dev/null && R lock ruse-day-centre --on 2026-06-01 >/dev/null
FA_PIN=$PIN "$FA" sync --retries 0 >/dev/null 2>&1
n_dec2=$(sqlite3 "$FA_DATA/agent.db" "SELECT count(*) FROM remote WHERE kind = 'decision'")
[ "$n_dec2" = $((2 * n_app)) ] && pass "pull: a second round's decisions arrive beside the first's ($n_dec2)" || fail "pull: $n_dec2 decisions after a second round"
expect_status 0 "decisions: the assessor sees them on the device" env FA_PIN=$PIN "$FA" decisions
expect_grep "left the service" "$T/out" "decisions: the user who left is shown as such"
[ "$(grep -c "approved" "$T/out")" -ge 11 ] && pass "decisions: the approved are listed" || fail "decisions: approved lines"
expect_grep "$own_name" "$T/out" "decisions: the device names its own person"
expect_status 0 "decisions: in Bulgarian" env FA_PIN=$PIN "$FA" --lang bg decisions
expect_grep "напуснал услугата" "$T/out" "decisions: Bulgarian words"
# --- the same over the JSON API the web interface uses (session + CSRF) ---------------
printf 'admin-secret-1\n' | "$SS" user add admin --role admin --data "$SRV" >/dev/null
printf 'coord-secret-1\n' | "$SS" user add coord --role coordinator --data "$SRV" >/dev/null
ONE=$(jq -r '.[0].person.locality' "$ACCEPT/bg-ranking-sample.json")
printf 'coord1-secret-1\n' | "$SS" user add coord1 --role coordinator --localities "$ONE" --data "$SRV" >/dev/null
printf 'chair-secret-1\n' | "$SS" user add chair --role commission --data "$SRV" >/dev/null
printf 'viewer-secret-1\n' | "$SS" user add viewer --role viewer --data "$SRV" >/dev/null
login() { # user password -> jar $T/jar-user, csrf in $T/csrf-user
	curl -sk -o "$T/login-$1" -w '%{http_code}' -c "$T/jar-$1" -H 'Content-Type: application/json' \
		-H "Origin: $URL" --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}" "$URL/api/login" >/dev/null
	sed 's/.*"csrf":"\([0-9a-f]*\)".*/\1/' "$T/login-$1" >"$T/csrf-$1"
}
apipost() { # user path body -> status; answer in $T/resp
	curl -sk -o "$T/resp" -w '%{http_code}' -b "$T/jar-$1" -H 'Content-Type: application/json' \
		-H "Origin: $URL" -H "X-CSRF-Token: $(cat "$T/csrf-$1")" --data-binary "$3" "$URL$2"
}
apiget() { # user path -> status
	curl -sk -o "$T/resp" -w '%{http_code}' -b "$T/jar-$1" "$URL$2"
}
for u in admin:admin-secret-1 coord:coord-secret-1 coord1:coord1-secret-1 chair:chair-secret-1 viewer:viewer-secret-1; do
	login "${u%%:*}" "${u#*:}"
done
NEW='{"id":"api-1","municipality":"Стара Загора","service":"Асистентска подкрепа","opens_on":"2026-01-01","closes_on":"2026-12-31","max_users":8,"children_share":0.25}'
s=$(apipost viewer /api/round/create "$NEW"); [ "$s" = 403 ] && pass "api: a viewer cannot create a round (403)" || fail "api: viewer create $s"
s=$(apipost coord1 /api/round/create "$NEW"); [ "$s" = 403 ] && pass "api: a coordinator of one village cannot set up the municipality's round (403)" || fail "api: coord1 create $s"
s=$(curl -sk -o "$T/resp" -w '%{http_code}' -b "$T/jar-coord" -H 'Content-Type: application/json' -H "Origin: $URL" --data-binary "$NEW" "$URL/api/round/create")
[ "$s" = 403 ] && pass "api: without the CSRF token: refused (403)" || fail "api: no csrf $s"
s=$(apipost coord /api/round/create '{"id":"api-1","municipality":"x","service":"y","opens_on":"2026-12-31","closes_on":"2026-01-01"}')
[ "$s" = 400 ] && grep -q "closes before it opens" "$T/resp" && pass "api: a bad window is refused with the reason (400)" || fail "api: bad window $s $(cat "$T/resp")"
s=$(apipost coord /api/round/create "$NEW"); [ "$s" = 200 ] && pass "api: the coordinator creates the round" || fail "api: create $s $(cat "$T/resp")"
s=$(apipost coord /api/round/run '{"id":"api-1"}'); [ "$s" = 200 ] && pass "api: and runs it" || fail "api: run $s $(cat "$T/resp")"
R ranking api-1 >"$T/api-rank.json"
R show api-1 >"$T/api-show.json"
[ "$(jq '.cases | length' "$T/api-rank.json")" = "$(jq '[.applicants[] | select(.outcome != "duplicate")] | length' "$T/api-show.json")" ] \
	&& pass "api: the round ranked every application" || fail "api: ranking size"
AP=$(jq -r '[.applicants[] | select(.rank == 1)][0].application' "$T/api-show.json")
s=$(apipost chair /api/round/override "{\"id\":\"api-1\",\"application\":$AP,\"field\":\"hours\",\"value\":\"4.5\",\"reason\":\"Решение на комисията\"}")
[ "$s" = 200 ] && pass "api: the commission overrides with a reason" || fail "api: override $s $(cat "$T/resp")"
s=$(apipost chair /api/round/lock '{"id":"api-1"}'); [ "$s" = 200 ] && pass "api: and locks the list" || fail "api: lock $s $(cat "$T/resp")"
s=$(apipost coord /api/round/respond "{\"id\":\"api-1\",\"application\":$AP,\"action\":\"object\",\"hours\":6,\"reason\":\"Иска повече\"}")
[ "$s" = 200 ] && pass "api: the coordinator records an objection" || fail "api: respond $s $(cat "$T/resp")"
s=$(apipost coord /api/round/redecide "{\"id\":\"api-1\",\"application\":$AP,\"hours\":5,\"reason\":\"Частично уважено\"}")
[ "$s" = 403 ] && pass "api: a coordinator cannot re-decide (commission only, 403)" || fail "api: coord redecide $s"
s=$(apipost chair /api/round/redecide "{\"id\":\"api-1\",\"application\":$AP,\"hours\":5,\"reason\":\"Частично уважено\"}")
[ "$s" = 200 ] && pass "api: the commission re-decides" || fail "api: redecide $s $(cat "$T/resp")"
R show api-1 | jq -e --argjson a "$AP" '.applicants[] | select(.application == $a) | .hours == 5 and .state == "offered"' >/dev/null \
	&& pass "api: offered again with 5 h" || fail "api: after redecide"
A2=$(R show api-1 | jq -r '[.applicants[] | select(.state == "offered" and (.child | not))] | sort_by(.rank) | .[1].application')
s=$(apipost coord /api/round/release "{\"id\":\"api-1\",\"application\":$A2,\"action\":\"withdraw\",\"reason\":\"Отказ\"}")
[ "$s" = 200 ] && jq -e '.offered | length == 1' "$T/resp" >/dev/null && pass "api: a withdrawal offers the freed place to one waiting person" \
	|| fail "api: release $s $(cat "$T/resp")"
s=$(apipost coord /api/round/release "{\"id\":\"api-1\",\"application\":$A2,\"action\":\"withdraw\"}")
[ "$s" = 409 ] || [ "$s" = 400 ] && pass "api: withdrawing twice is refused ($s)" || fail "api: second withdraw $s"
OTHER=$(R show api-1 | jq -r --arg l "$ONE" '[.applicants[] | select(.locality != $l and .state == "offered")][0].application')
s=$(apipost coord1 /api/round/respond "{\"id\":\"api-1\",\"application\":$OTHER,\"action\":\"accept\"}")
[ "$s" = 404 ] && pass "api: a coordinator of one village cannot touch another village's application (404)" || fail "api: coord1 other $s"
s=$(apiget coord1 "/api/round/due?on=2027-12-31")
[ "$s" = 200 ] && [ "$(jq --arg l "$ONE" '[.[] | select(.locality != $l)] | length' "$T/resp")" = 0 ] \
	&& pass "api: reassessments due, only of the user's village" || fail "api: due $s"
s=$(apiget viewer "/api/round/due?on=2027-12-31"); [ "$s" = 200 ] && [ "$(jq length "$T/resp")" -gt 0 ] \
	&& pass "api: a viewer reads what is due" || fail "api: viewer due $s"
finish
