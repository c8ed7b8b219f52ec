#!/bin/sh
# The central store's schema 7 → 8 → 9 with the real binary on a real store
# (tests/fixtures/central-v7.sql: what sync.sh's protocol part leaves, and
# one head whose revision row a 6 → 7 store had lost): every record's text
# and every revision's text are what they were, each revision's text
# hashes to its name, and the migrated store serves pulls, takes edits and
# shows its conflict.
. "$(dirname "$0")/lib.sh"
SS="$BIN/sync-server"
export LC_ALL=C.UTF-8
command -v curl >/dev/null || { echo "0 passed, 1 failed"; echo "FAIL curl is needed"; exit 1; }
SRV="$T/srv"
DB="$SRV/central.db"
mkdir -p "$SRV"
sqlite3 "$DB" <"$ACCEPT/central-v7.sql"
q() { sqlite3 "$DB" "$1"; }
RECS="SELECT id, kind, locality, head, body, coalesce(conflict, '') FROM record ORDER BY id"
q "$RECS" >"$T/rec.before"
# a schema-7 revision that is its record's head keeps its text in record.body
q "SELECT record_id, hash, coalesce(nullif(body, ''), (SELECT x.body FROM record x
   WHERE x.id = v.record_id AND x.head = v.hash)) FROM revision v ORDER BY record_id, hash" >"$T/rev.before"
LOST=7c1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11
[ "$(q "SELECT value FROM meta WHERE key = 'schema_version'")" = 7 ] && [ -s "$T/rec.before" ] \
	&& [ "$(q "SELECT count(*) FROM record r WHERE NOT EXISTS (SELECT 1 FROM revision v
	        WHERE v.record_id = r.id AND v.hash = r.head)")" = 1 ] \
	&& pass "fixture: a schema-7 store with $(wc -l <"$T/rec.before") records, one head without its revision" \
	|| fail "fixture: not the store this test expects"

expect_status 0 "migrate: the server opens the schema-7 store" "$SS" conflicts list --data "$SRV"
[ "$(q "SELECT value FROM meta WHERE key = 'schema_version'")" = 9 ] && pass "migrate: schema 9" \
	|| fail "migrate: schema $(q "SELECT value FROM meta WHERE key = 'schema_version'")"
# 8 → 9: each record lists its revisions (record_head.revs), oldest first;
# the index of revisions by record is gone
q "SELECT record_id, json_group_array(seq) FROM (SELECT record_id, seq FROM revision
   ORDER BY record_id, seq) GROUP BY record_id" >"$T/revs.want"
q "SELECT id, revs FROM record_head ORDER BY id" >"$T/revs.got"
cmp -s "$T/revs.want" "$T/revs.got" \
	&& [ "$(q "SELECT count(*) FROM record_head, json_each(revs)")" = "$(q "SELECT count(*) FROM revision")" ] \
	&& [ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'revision_by_record'")" = 0 ] \
	&& pass "migrate: each record lists its revisions, oldest first ($(wc -l <"$T/revs.got") records)" \
	|| { fail "migrate: revision lists"; diff "$T/revs.want" "$T/revs.got" | head -4; }
q "$RECS" >"$T/rec.after"
cmp -s "$T/rec.before" "$T/rec.after" && pass "migrate: every record's kind, locality, head, text and conflict as before" \
	|| { fail "migrate: records changed"; diff "$T/rec.before" "$T/rec.after" | head -5; }
q "SELECT record_id, hash, body FROM revision ORDER BY record_id, hash" >"$T/rev.after"
lost=$(comm -23 "$T/rev.before" "$T/rev.after" | wc -l)
added=$(comm -13 "$T/rev.before" "$T/rev.after")
[ "$lost" = 0 ] && pass "migrate: every revision keeps its text (the heads' texts moved into their rows)" \
	|| { fail "migrate: $lost revisions lost or changed"; comm -23 "$T/rev.before" "$T/rev.after" | head -3; }
[ "$(printf '%s\n' "$added" | grep -c .)" = 1 ] && printf '%s' "$added" | grep -q "^$LOST|" \
	&& pass "migrate: the head without a revision row got one, with the record's text" \
	|| fail "migrate: revisions added: $added"
[ "$(q "SELECT count(*) FROM revision WHERE body = ''")" = 0 ] && pass "migrate: no revision without its text" \
	|| fail "migrate: revisions without text"
bad=0
for s in $(q "SELECT seq FROM revision"); do
	h=$(q "SELECT hash FROM revision WHERE seq = $s")
	b=$(printf '%s' "$(q "SELECT body FROM revision WHERE seq = $s")" | sha256sum | cut -d' ' -f1)
	[ "$h" = "$b" ] || bad=$((bad + 1))
done
[ "$bad" = 0 ] && pass "migrate: each revision's text hashes to its name ($(q "SELECT count(*) FROM revision") revisions)" \
	|| fail "migrate: $bad revisions whose text is not their hash's"
na=$(q "SELECT count(*) FROM record WHERE kind = 'assessment'")
[ "$na" -gt 0 ] && [ "$(q "SELECT count(*) FROM record WHERE kind = 'assessment'
   AND person = json_extract(body, '\$.person.id')")" = "$na" ] \
	&& [ "$(q "SELECT count(*) FROM record WHERE kind != 'assessment' AND person IS NOT NULL")" = 0 ] \
	&& pass "migrate: an assessment's person is its column ($na assessments)" || fail "migrate: person column"
# `record` is a view of record_head and revision: a query over it reads
# each record once, by its key, and each text once
q "EXPLAIN QUERY PLAN SELECT json_extract(r.body, '\$.a'), json_extract(r.body, '\$.b')
   FROM change c JOIN record r ON r.id = c.record_id WHERE c.seq > 0" >"$T/plan"
expect_no_grep "MATERIALIZE\|SCALAR SUBQUERY" "$T/plan" "migrate: the record view is read in place, each text once"
q "PRAGMA integrity_check" >"$T/ic"
expect_grep "^ok$" "$T/ic" "migrate: the store passes integrity_check"

# the migrated store at work: a new device pulls every record, edits one
PORT=$(( 20000 + ($$ + 7) % 20000 ))
"$SS" serve --data "$SRV" --port "$PORT" --threads 2 >"$T/server.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do grep -q listening "$T/server.log" 2>/dev/null && break; sleep 0.05; done
SPIN=$(sed -n 's/^server key pin //p' "$T/server.log")
api() { # method path [body-file] -> $T/resp, prints the status
	curl -s -o "$T/resp" -w '%{http_code}' --cacert "$SRV/server.crt" --pinnedpubkey "$SPIN" \
		-H "Content-Type: application/json" -H "Authorization: Bearer ${TOKEN:-x}" \
		-X "$1" ${3:+--data-binary @"$3"} "https://127.0.0.1:$PORT$2"
}
LOCS=$(q "SELECT DISTINCT locality FROM record" | paste -sd, -)
"$SS" device enroll "Проверка" "$LOCS" --data "$SRV" --port "$PORT" >"$T/enroll.txt"
printf '{"code":"%s","device_name":"migrated"}' \
	"$(sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$T/enroll.txt")" >"$T/enr.json"
api POST /v1/enroll "$T/enr.json" >/dev/null
TOKEN="$(sed 's/.*"device_id":"\([^"]*\)".*"token":"\([0-9a-f]*\)".*/\1.\2/' "$T/resp")"
[ "$(api GET "/v1/pull?cursor=0&limit=500")" = 200 ] && pass "serve: a new device pulls from the migrated store" \
	|| fail "serve: pull $(head -c 300 "$T/resp")"
missing=0
for id in $(q "SELECT id FROM record WHERE kind IN ('person', 'household', 'assessment', 'service')"); do
	h=$(q "SELECT head FROM record WHERE id = '$id'")
	grep -q "\"id\":\"$id\",\"hash\":\"$h\"" "$T/resp" || missing=$((missing + 1))
done
[ "$missing" = 0 ] && pass "serve: every record arrives at its head" || fail "serve: $missing records missing from the pull"
grep -q "\"id\":\"$LOST\",\"hash\":\"[0-9a-f]*\",\"body\":{\"address\":\"б\"" "$T/resp" \
	|| grep -q "\"id\":\"$LOST\".*\"address\":\"б\"" "$T/resp" \
	&& pass "serve: the record whose head had no revision arrives with its text" || fail "serve: $LOST's text"
# an edit made from the head the migration kept
HEAD=$(q "SELECT head FROM record WHERE id = '$LOST'")
OLD=$(q "SELECT body FROM record WHERE id = '$LOST'")
NEW='{"address":"в","locality":"Басарбово","name":"Н","sex":"f"}'
NH=$(printf '%s' "$NEW" | sha256sum | cut -d' ' -f1)
printf '{"batch":"0b0b0b0b-1111-4111-8111-111111111111","records":[{"kind":"person","id":"%s","rev":1,"base":"%s","hash":"%s","body":%s}]}' \
	"$LOST" "$HEAD" "$NH" "$NEW" >"$T/edit.json"
[ "$(api POST /v1/push "$T/edit.json")" = 200 ] && grep -q '"status":"applied"' "$T/resp" \
	&& pass "serve: an edit from the kept head is applied" || fail "serve: edit $(cat "$T/resp")"
[ "$(q "SELECT body FROM record WHERE id = '$LOST'")" = "$NEW" ] \
	&& [ "$(q "SELECT body FROM revision WHERE record_id = '$LOST' AND hash = '$HEAD'")" = "$OLD" ] \
	&& pass "serve: the record shows the edit; the revision before it keeps its text" \
	|| fail "serve: after the edit: $(q "SELECT body FROM record WHERE id = '$LOST'")"
NSEQ=$(q "SELECT seq FROM revision WHERE record_id = '$LOST' AND hash = '$NH'")
[ -n "$NSEQ" ] && [ "$(q "SELECT json_extract(revs, '\$[#-1]') FROM record_head WHERE id = '$LOST'")" = "$NSEQ" ] \
	&& pass "serve: the new revision is the last in its record's list" || fail "serve: list $(q "SELECT revs FROM record_head WHERE id = '$LOST'")"
# the same revision again is a duplicate; this device's revision 1 with
# other content is refused, whatever the other revisions in the list
nrev=$(q "SELECT count(*) FROM revision")
sed 's/0b0b0b0b-1111-4111-8111-111111111111/0b0b0b0b-3333-4333-8333-333333333333/' "$T/edit.json" >"$T/again.json"
[ "$(api POST /v1/push "$T/again.json")" = 200 ] && grep -q '"status":"duplicate"' "$T/resp" \
	&& pass "serve: the same edit again is a duplicate" || fail "serve: again $(cat "$T/resp")"
OTHER='{"address":"г","locality":"Басарбово","name":"Н","sex":"f"}'
OH=$(printf '%s' "$OTHER" | sha256sum | cut -d' ' -f1)
printf '{"batch":"0b0b0b0b-2222-4222-8222-222222222222","records":[{"kind":"person","id":"%s","rev":1,"base":"%s","hash":"%s","body":%s}]}' \
	"$LOST" "$NH" "$OH" "$OTHER" >"$T/clash.json"
[ "$(api POST /v1/push "$T/clash.json")" = 200 ] && grep -q '"status":"refused","code":"different_content"' "$T/resp" \
	&& [ "$(q "SELECT count(*) FROM revision")" = "$nrev" ] \
	&& pass "serve: revision 1 again with other content is refused, nothing stored" || fail "serve: clash $(cat "$T/resp")"

# a field agent's store, schema 1 → 2 (tests/fixtures/agent-v1.sql): each
# record's known head and the last revision it pushed become one row; the
# edit waiting in its outbox goes out as the next revision, from its head
FA="$BIN/field-agent"
AG="$T/agent"
mkdir -p "$AG"
sqlite3 "$AG/agent.db" <"$ACCEPT/agent-v1.sql"
aq() { sqlite3 "$AG/agent.db" "$1"; }
aq "SELECT replace(h.record_id, '-', ''), h.hash,
    (SELECT max(p.rev) FROM pushed p WHERE p.record_id = h.record_id) FROM heads h ORDER BY 1" >"$T/heads.before"
npushed=$(aq "SELECT count(*) FROM pushed")
EDITED=019b8d2b-8c00-7121-bd9d-2c4ce0b0a568
EDITED_KEY="X'$(printf '%s' "$EDITED" | tr -d -)'" # heads keeps an id as its 16 bytes
BASE=$(aq "SELECT hash FROM heads WHERE record_id = '$EDITED'") # schema 1: text
export FA_DATA="$AG" FA_PIN=2468
expect_status 0 "agent: this agent opens a schema-1 store" "$FA" person list
[ "$(aq "SELECT value FROM meta WHERE key = 'schema_version'")" = 3 ] && pass "agent: schema 3" \
	|| fail "agent: schema $(aq "SELECT value FROM meta WHERE key = 'schema_version'")"
aq "SELECT lower(hex(record_id)), lower(hex(hash)), rev FROM heads ORDER BY 1" >"$T/heads.after"
[ "$npushed" -gt "$(wc -l <"$T/heads.before")" ] && cmp -s "$T/heads.before" "$T/heads.after" \
	&& pass "agent: every record's head and last pushed revision kept ($npushed pushed revisions, $(wc -l <"$T/heads.after") records)" \
	|| { fail "agent: heads changed"; diff "$T/heads.before" "$T/heads.after" | head -4; }
[ "$(aq "SELECT count(*) FROM sqlite_master WHERE name = 'heads' AND sql LIKE '%WITHOUT ROWID'")" = 1 ] \
	&& [ "$(aq "SELECT count(*) FROM sqlite_master WHERE name = 'pushed'")" = 0 ] \
	&& [ "$(aq "SELECT count(*) FROM heads WHERE typeof(record_id) != 'blob' OR length(record_id) != 16
	        OR typeof(hash) != 'blob' OR length(hash) != 32")" = 0 ] \
	&& pass "agent: one row a record, in its key's order, id and hash as bytes" || fail "agent: tables not rebuilt"
aq "PRAGMA integrity_check" >"$T/aic"
expect_grep "^ok$" "$T/aic" "agent: the store passes integrity_check"
ALOCS=$(aq "SELECT locality FROM person UNION SELECT locality FROM household" | paste -sd, -)
"$SS" device enroll "Проверка" "$ALOCS" --data "$SRV" --port "$PORT" >"$T/enroll2.txt"
expect_status 0 "agent: enrolls with the migrated server" "$FA" enroll "https://127.0.0.1:$PORT" \
	"$(sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$T/enroll2.txt")" \
	--pin "$(sed -n 's/^server key pin *//p' "$T/enroll2.txt")"
expect_status 0 "agent: syncs its waiting edit" "$FA" sync --quiet
[ "$(q "SELECT rev || ' ' || base FROM revision WHERE record_id = '$EDITED'")" = "3 $BASE" ] \
	&& pass "agent: the edit arrives as revision 3, made from the head it had pushed" \
	|| fail "agent: the server got $(q "SELECT rev || ' ' || coalesce(base, 'null') FROM revision WHERE record_id = '$EDITED'")"
[ "$(aq "SELECT lower(hex(hash)) FROM heads WHERE record_id = $EDITED_KEY")" = "$(q "SELECT head FROM record WHERE id = '$EDITED'")" ] \
	&& [ "$(aq "SELECT rev FROM heads WHERE record_id = $EDITED_KEY")" = 3 ] \
	&& pass "agent: the answer recorded in the new tables (head and revision 3)" || fail "agent: answer not recorded"

CID=$(q "SELECT id FROM conflict LIMIT 1")
expect_status 0 "serve: the fixture's conflict can be shown" "$SS" conflicts show "$CID" --data "$SRV"
expect_grep "address .*ул. 3.*ул. 4\|address .*ул. 4.*ул. 3" "$T/out" "serve: both sides of the conflict, from their revisions"
finish
