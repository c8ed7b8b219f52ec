#!/bin/sh
# The coordinator web interface end to end: a real sync server over TLS
# (self-signed), two real field agents enrolled and synced with generated
# cases of several villages, one conflicting edit; staff accounts made
# with the CLI; then Debian's chromium (headless, driven by playwright-core
# from build/node, see mk/web.mk) works through the pages in
# tests/web/*.js, each step checked on the page and on the server (CLI or
# the SQLite file). Also here, with curl: CSRF and Origin refusals,
# lockout after repeated failures, logout.
. "$(dirname "$0")/lib.sh"
FA="$BIN/field-agent"
SS="$BIN/sync-server"
export LC_ALL=C.UTF-8 FA_PIN=2468
NODE_PATH="$ROOT/build/node/node_modules"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
for need in node curl sqlite3; do
	command -v $need >/dev/null || { fail "$need is needed (scripts/deps.sh installs it)"; finish; exit 1; }
done
[ -x "$CHROMIUM" ] || { fail "$CHROMIUM is needed (scripts/deps.sh installs Debian's chromium)"; finish; exit 1; }
[ -d "$NODE_PATH/playwright-core" ] || { fail "playwright-core is needed: make web-deps"; finish; exit 1; }

SRV="$T/srv"
SPID=""
trap 'kill $SPID 2>/dev/null; rm -rf "$T"' EXIT
# other suites (and other checkouts) may hold a port: try a few
for try in 1 2 3 4 5; do
	PORT=$(( 20000 + ($$ * 7 + try * 4099) % 20000 ))
	"$SS" serve --data "$SRV" --port $PORT --threads 4 >"$T/server.log" 2>&1 &
	SPID=$!
	for _ in $(seq 100); do grep -q listening "$T/server.log" 2>/dev/null && break; sleep 0.05; done
	grep -q listening "$T/server.log" && break
	kill $SPID 2>/dev/null
	wait $SPID 2>/dev/null
done
grep -q listening "$T/server.log" && pass "server: serving TLS on $PORT" || { fail "server did not start"; cat "$T/server.log"; finish; exit 1; }
URL="https://127.0.0.1:$PORT"
PIN=$(sed -n 's/^server key pin //p' "$T/server.log")

# --- demo data: two devices, generated cases, one conflict -----------------
"$BIN/gen-cases" --count 60 --seed 7 -o "$T/cases.json"
LOCS=$(grep -o '"locality":"[^"]*"' "$T/cases.json" | cut -d'"' -f4 | sort -u | paste -sd, -)
grep '^{' "$T/cases.json" | sed 's/,$//' | head -40 | { echo "["; paste -sd, -; echo "]"; } >"$T/a.json"
grep '^{' "$T/cases.json" | sed 's/,$//' | tail -20 | { echo "["; paste -sd, -; echo "]"; } >"$T/b.json"
code_of() { sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$1"; }
"$SS" device enroll "Мария Иванова" "$LOCS,Басарбово" --data "$SRV" --port $PORT >"$T/ea.txt"
"$SS" device enroll "Петър Петров" "$LOCS,Басарбово" --data "$SRV" --port $PORT >"$T/eb.txt"
for d in a b; do
	FA_DATA="$T/dev-$d" "$FA" init --kdf-ms 20 >/dev/null
	FA_DATA="$T/dev-$d" "$FA" enroll "$URL" "$(code_of "$T/e$d.txt")" --pin "$PIN" --name "tablet-$d" >/dev/null
done
P=$(FA_DATA="$T/dev-a" "$FA" person add --name "ИВАН ПЕТРОВ" --birth-date 1950-03-01 --locality Басарбово --national-id 5003014567)
FA_DATA="$T/dev-a" "$FA" assess --person "$P" --instrument bg-independent-living \
	--registered-on 2026-02-25 --assessed-on 2026-03-01 <"$ROOT/tests/fixtures/ruse-wizard.txt" >/dev/null 2>&1
FA_DATA="$T/dev-a" "$FA" service add --person "$P" --type counselling --minutes 45 --date 2026-03-02 >/dev/null
FA_DATA="$T/dev-a" "$FA" import "$T/a.json" >/dev/null
FA_DATA="$T/dev-b" "$FA" import "$T/b.json" >/dev/null
FA_DATA="$T/dev-a" "$FA" sync >/dev/null 2>&1
FA_DATA="$T/dev-b" "$FA" sync >/dev/null 2>&1
FA_DATA="$T/dev-a" "$FA" person edit "$P" --address "ул. Шипка 5" >/dev/null
FA_DATA="$T/dev-b" "$FA" person edit "$P" --address "ул. Шипка 7" >/dev/null 2>&1
FA_DATA="$T/dev-a" "$FA" sync >/dev/null 2>&1
FA_DATA="$T/dev-b" "$FA" sync >/dev/null 2>&1
# a Romanian census tablet: households, screenings, services (census.h)
"$SS" device enroll "Ana Popescu" "Buhoci,Filipești" --data "$SRV" --port $PORT >"$T/er.txt"
export FA_DATA="$T/dev-ro"
"$FA" init --kdf-ms 20 >/dev/null
"$FA" enroll "$URL" "$(code_of "$T/er.txt")" --pin "$PIN" --name tablet-ro >/dev/null
H1=$("$FA" household add --locality Buhoci --head "Ion Ionescu" --address "Strada Mare 1")
H2=$("$FA" household add --locality Filipești --head "Maria Pop" --address "Strada Mică 2")
C1=$("$FA" person add --household "$H1" --locality Buhoci --name "Andrei Ionescu" --birth-date 2016-05-01 --national-id 5160501990011)
C2=$("$FA" person add --household "$H2" --locality Filipești --name "Elena Pop" --birth-date 2012-03-03 --national-id 6120303990014)
W2=$("$FA" person add --household "$H2" --locality Filipești --name "Maria Pop" --birth-date 1990-01-01 --national-id 2900101990012)
scr() { # n person locality birth role sex items…
	n=$1 p=$2 loc=$3 birth=$4 role=$5 sex=$6; shift 6
	a=""
	for it in econ.poverty econ.parents_unemployed econ.social_benefits social.minor_mother social.single_parent \
		social.parents_away social.no_parents health.no_family_doctor health.vaccinations health.chronic_disability \
		health.pregnant_no_care edu.not_enrolled edu.absence edu.dropout_risk housing.no_documents housing.overcrowded \
		housing.no_utilities risk.substance_use risk.violence risk.child_labour risk.law_conflict; do
		v=false
		for y in "$@"; do [ "$y" = "$it" ] && v=true; done
		a="$a,\"$it\":$v"
	done
	printf '{"id":"bbbbbbbb-0000-4000-8000-%012d","instrument":"ro-household-screening","version":1,"assessed_on":"2026-03-10","person":{"id":"%s","birth_date":"%s","locality":"%s"},"answers":{"role":"%s","sex":"%s"%s}}' \
		"$n" "$p" "$birth" "$loc" "$role" "$sex" "$a"
}
{ echo "["; scr 1 "$C1" Buhoci 2016-05-01 child male econ.poverty health.no_family_doctor; echo ","
  scr 2 "$C2" Filipești 2012-03-03 child female edu.not_enrolled housing.no_documents; echo ","
  scr 3 "$W2" Filipești 1990-01-01 woman female econ.poverty; echo "]"; } >"$T/ro.json"
"$FA" import "$T/ro.json" >/dev/null 2>"$T/ro.err" || fail "census: import: $(head -3 "$T/ro.err")"
"$FA" service add --person "$C1" --type counselling --date 2026-03-15 --minutes 30 --place home --worker "Ana" >/dev/null
"$FA" sync >/dev/null 2>&1 || fail "census: sync"
unset FA_DATA
"$SS" conflicts list --data "$SRV" >"$T/conflicts.txt"
[ "$(wc -l <"$T/conflicts.txt")" -ge 1 ] && pass "demo data: synced, one open conflict" || fail "demo data: no conflict: $(cat "$T/conflicts.txt")"
n=$(sqlite3 "$SRV/central.db" "SELECT count(*) FROM record WHERE kind = 'assessment'")
[ "$n" -ge 61 ] && pass "demo data: $n assessments on the server" || fail "demo data: $n assessments"

# --- staff accounts ----------------------------------------------------------
L1=$(sqlite3 "$SRV/central.db" "SELECT locality FROM record WHERE kind = 'assessment' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
printf 'admin-secret-1\n' | "$SS" user add admin --role admin --data "$SRV" >/dev/null
printf 'coord-secret-1\n' | "$SS" user add coord --role coordinator --localities "$L1" --data "$SRV" >/dev/null
printf 'viewer-secret-1\n' | "$SS" user add viewer --role viewer --data "$SRV" >/dev/null
printf 'commission-secret-1\n' | "$SS" user add chair --role commission --data "$SRV" >/dev/null
expect_status 0 "user list" "$SS" user list --data "$SRV"
expect_grep "coord  *coordinator" "$T/out" "user list: the coordinator with its locality"
printf 'short\n' >"$T/short"
expect_status 2 "user add: a short password is refused" sh -c "'$SS' user add x --role viewer --data '$SRV' <'$T/short'"
printf 'another-secret\n' >"$T/pw"
expect_status 2 "user add: an unknown role is refused" sh -c "'$SS' user add x --role boss --data '$SRV' <'$T/pw'"
expect_status 1 "user add: a second admin of the same name is refused" sh -c "'$SS' user add admin --role admin --data '$SRV' <'$T/pw'"
hash=$(sqlite3 "$SRV/central.db" "SELECT pw_hash FROM staff WHERE name = 'admin'")
case "$hash" in pbkdf2-sha256\$210000\$*) pass "user: the password is kept as a PBKDF2 hash (210000 iterations)" ;; *) fail "user: stored $hash" ;; esac
expect_no_grep "admin-secret-1" "$SRV/central.db" "user: the password is not in the store"

# --- the round: the lead's module, created and ranked with its CLI --------
ROUND=ruse-2026
expect_status 0 "round: created" "$SS" round create $ROUND --municipality Русе --service personal-assistance \
	--from 2026-01-01 --to 2026-12-31 --max-users 30 --children-share 0.25 --data "$SRV"
expect_status 0 "round: ranked" "$SS" round run $ROUND --data "$SRV"

# --- assistants (the census helper's module), made with its CLI ------------
ASSIST="Гергана Петкова"
L2=$(sqlite3 "$SRV/central.db" "SELECT locality FROM record WHERE kind = 'assessment' AND locality <> '$L1' LIMIT 1")
A1=$("$SS" assistant add "$ASSIST" --locality "$L1" --data "$SRV")
A2=$("$SS" assistant add "Стоян Колев" --locality "$L2" --data "$SRV")
"$SS" assistant status "$A1" contracted --data "$SRV" >/dev/null
"$SS" assistant status "$A2" contracted --data "$SRV" >/dev/null
for p in $(sqlite3 "$SRV/central.db" "SELECT json_extract(body, '$.person.id') FROM record WHERE kind = 'assessment' AND locality = '$L1' AND json_extract(body, '$.person.birth_date') < '2000' LIMIT 2"); do
	"$SS" assistant choose "$A1" "$p" --data "$SRV" >/dev/null
done
[ -n "$A1" ] && "$SS" assistant load --data "$SRV" >"$T/load.json"; [ -s "$T/load.json" ] && pass "assistants: two made, two users chosen" || fail "assistants: setup"

# --- HTTP-level checks with curl --------------------------------------------
CURL="curl -sk -o $T/resp -w %{http_code}"
login() { # user password jar -> status
	$CURL -c "$3" -H 'Content-Type: application/json' -H "Origin: $URL" \
		--data-binary "{\"user\":\"$1\",\"password\":\"$2\"}" "$URL/api/login"
}
s=$(login admin admin-secret-1 "$T/jar")
[ "$s" = 200 ] && pass "login: admin over curl" || fail "login: $s $(cat "$T/resp")"
grep -q "HttpOnly" "$T/jar" && pass "login: the session cookie is HttpOnly" || fail "login: cookie jar $(cat "$T/jar")"
CSRF=$(sed 's/.*"csrf":"\([0-9a-f]*\)".*/\1/' "$T/resp")
DEV_B=$(sqlite3 "$SRV/central.db" "SELECT id FROM device WHERE name = 'tablet-b'")
post() { # path body [extra header…] -> status
	p=$1; b=$2; shift 2
	$CURL -b "$T/jar" -H 'Content-Type: application/json' "$@" --data-binary "$b" "$URL$p"
}
s=$(post /api/device/revoke "{\"id\":\"$DEV_B\"}")
[ "$s" = 403 ] && grep -q '"csrf"' "$T/resp" && pass "csrf: a POST without the token is refused (403)" || fail "csrf: no token: $s"
s=$(post /api/device/revoke "{\"id\":\"$DEV_B\"}" -H "X-CSRF-Token: $(printf '%064d' 0)")
[ "$s" = 403 ] && pass "csrf: a POST with a wrong token is refused (403)" || fail "csrf: wrong token: $s"
s=$(post /api/device/revoke "{\"id\":\"$DEV_B\"}" -H "X-CSRF-Token: $CSRF" -H "Origin: https://evil.example")
[ "$s" = 403 ] && pass "csrf: a POST from another origin is refused (403)" || fail "csrf: origin: $s"
s=$($CURL -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" --data-binary "{\"id\":\"$DEV_B\"}" "$URL/api/device/revoke")
[ "$s" = 401 ] && pass "session: a POST without the cookie is refused (401)" || fail "session: no cookie: $s"
[ -z "$(sqlite3 "$SRV/central.db" "SELECT revoked_at FROM device WHERE id = '$DEV_B'")" ] \
	&& pass "csrf: nothing was revoked by the refused requests" || fail "csrf: the device was revoked"
s=$($CURL "$URL/api/cases")
[ "$s" = 401 ] && pass "session: /api/cases without a session is 401" || fail "session: $s"
# lockout: 5 failures lock the account, even the right password is refused
for i in 1 2 3 4 5; do login chair wrong-password-$i "$T/jar2" >/dev/null; done
s=$(login chair commission-secret-1 "$T/jar2")
[ "$s" = 429 ] && grep -q locked "$T/resp" && pass "lockout: after 5 failures the right password is refused (429 locked)" || fail "lockout: $s $(cat "$T/resp")"
"$SS" user list --data "$SRV" >"$T/users.txt"
expect_grep "chair .*LOCKED" "$T/users.txt" "lockout: user list shows the account locked"
n=$(sqlite3 "$SRV/central.db" "SELECT count(*) FROM audit WHERE action = 'login_refused' AND actor = 'chair'")
[ "$n" -ge 6 ] && pass "lockout: each refusal is in the audit trail ($n)" || fail "lockout: audit $n"
printf 'commission-secret-2\n' | "$SS" user passwd chair --data "$SRV" >/dev/null
s=$(login chair commission-secret-2 "$T/jar2")
[ "$s" = 200 ] && pass "lockout: passwd unlocks with the new password" || fail "passwd: $s"
# logout ends the session on the server
s=$(login viewer viewer-secret-1 "$T/jar3")
VCSRF=$(sed 's/.*"csrf":"\([0-9a-f]*\)".*/\1/' "$T/resp")
s=$($CURL -b "$T/jar3" -H 'Content-Type: application/json' -H "X-CSRF-Token: $VCSRF" --data-binary '{}' "$URL/api/logout")
s2=$($CURL -b "$T/jar3" "$URL/api/me")
[ "$s" = 200 ] && [ "$s2" = 401 ] && pass "logout: the old cookie no longer works" || fail "logout: $s then $s2"

# --- the browser -------------------------------------------------------------
mkdir -p "$ROOT/build/screenshots"
P_NAME=$(sqlite3 "$SRV/central.db" "SELECT json_extract(body, '$.person.name') FROM record WHERE kind = 'assessment' AND locality = '$L1' AND json_extract(body, '$.person.name') IS NOT NULL ORDER BY id LIMIT 1")
OTHER=$(sqlite3 "$SRV/central.db" "SELECT id FROM record WHERE kind = 'assessment' AND locality <> '$L1' LIMIT 1")
for t in "$ROOT"/tests/web/*.check.js "$ROOT"/tests/web/*.test.js; do
	NODE_PATH="$NODE_PATH" WEB_URL="$URL" WEB_DATA="$SRV" WEB_SS="$SS" WEB_FA="$FA" WEB_T="$T" \
		WEB_L1="$L1" WEB_NAME="$P_NAME" WEB_OTHER="$OTHER" WEB_DEV_B="$DEV_B" WEB_PIN="$PIN" WEB_ROUND="$ROUND" WEB_ASSISTANT="$ASSIST" \
		WEB_SHOTS="$ROOT/build/screenshots" CHROMIUM="$CHROMIUM" \
		timeout 240 node "$t" >"$T/node.out" 2>&1
	rc=$?
	cat "$T/node.out"
	np=$(grep -c '^ok ' "$T/node.out")
	nf=$(grep -c '^FAIL ' "$T/node.out")
	npass=$((npass + np))
	nfail=$((nfail + nf))
	[ "$rc" = 0 ] || [ "$nf" -gt 0 ] || fail "$(basename "$t"): ended with status $rc"
done
expect_status 0 "audit: the trail still chains after the web session" "$SS" audit verify --data "$SRV"
finish
