#!/bin/sh
# Personal assistants over the real server: needs assessments entered on
# an enrolled field agent and synced; assistants registered, moved through
# recruitment, chosen by users; the rule of domain.md §4.7 point 9 checked
# with its boundaries (exactly 8 hours, 9 hours, a child alone, a child
# with another user, a user turning 18, part-time), the user's hours taken
# from the server's recomputed score, every change on the audit trail.
. "$(dirname "$0")/lib.sh"
LOCALITIES="Русе, Кирилово, Яворово, Змейово, Дълбоки, Богомилово, Остра могила, Еленино, Калитиново, Памукчии, Малка Верея, Оряховица, Горно Ботево, Загоре, Хрищени"
PORT_SALT=1
. "$(dirname "$0")/census-env.inc"

# the acceptance sample, one applicant born 2008-05-01 (18 on 2026-05-01)
sed 's/"birth_date": "2013-07-09"/"birth_date": "2008-05-01"/' "$ACCEPT/bg-ranking-sample.json" >"$T/cases.json"
expect_status 0 "device: 24 needs assessments entered (import)" fa import "$T/cases.json"
expect_status 0 "device: synced to the server" fa sync --retries 0
ss assessments bg-independent-living >"$T/central.json"
# person id of an assessment, as the server knows it
pid() { grep "\"id\":\"$1\"" "$T/central.json" | sed 's/.*"person":{[^}]*"id":"\([^"]*\)".*/\1/'; }
P5A=$(pid b0fa6216-6bb6-45a0-bd51-2b39498afb13)   # 5 h, adult
P3A=$(pid d5b48ad0-d810-43f6-b829-62a88f036fbe)   # 3 h, adult
P4A=$(pid ec5f80dd-5a34-4e04-9cb9-eea1f2dc18c6)   # 4 h, adult
P5B=$(pid 9e289761-c8fe-45d7-b716-e7ea40041e00)   # 5 h, adult
P3C=$(pid c74803e3-1ba1-4215-8228-3d15a9ec0806)   # 3 h, child (born 2021)
P2T=$(pid 61e1e80d-d9db-40af-b8a1-0e703db18a28)   # 2 h, 18 on 2026-05-01
P2A=$(pid 14667d17-293e-417f-a29b-e15026f90507)   # 2 h, adult
P2B=$(pid 48a3ff76-ceb5-4fc3-b5d4-ce457c969920)   # 2 h, adult
P2C=$(pid eef20845-0af5-48d2-a101-3eefd733230a)   # 2 h, adult
[ ${#P5A} = 36 ] && [ ${#P2T} = 36 ] && [ ${#P2C} = 36 ] && pass "server: persons of the synced assessments found" || fail "persons: '$P5A' '$P2T'"

audit_n() { ss audit verify | sed -n 's/.*intact: \([0-9]*\) entries.*/\1/p'; }
A0=$(audit_n)

# --- registration and recruitment ----------------------------------------
for n in 1 2 3 4 5 6 7; do
	ss assistant add "Асистент Номер$n Тестов" --locality Русе --on 2026-01-10 >"$T/add$n" 2>&1 || fail "add $n: $(cat "$T/add$n")"
done
[ "$(cat "$T/add7")" = 7 ] && pass "assistant add: numbered 1..7" || fail "add: $(cat "$T/add7")"
expect_status 0 "assistant add: a social assistant" ss assistant add "Социален Асистент" --locality Кирилово --role social_assistant --on 2026-01-12
expect_status 1 "assistant add: an unknown role is refused" ss assistant add "X Y" --locality Русе --role gardener
expect_status 1 "assistant add: a bad date is refused" ss assistant add "X Y" --locality Русе --on 2026-02-30
expect_status 2 "assistant add: no locality is a usage error" ss assistant add "X Y"
for n in 1 2 3 4 8; do
	ss assistant status $n interviewed --on 2026-01-20 >/dev/null &&
	ss assistant status $n trained --on 2026-02-01 >/dev/null &&
	ss assistant status $n contracted --on 2026-02-15 >/dev/null || fail "recruit $n"
done
expect_status 0 "assistant status: interviewed (5)" ss assistant status 5 interviewed --on 2026-01-21
expect_status 0 "assistant status: a step may be skipped (6: applied -> trained)" ss assistant status 6 trained --on 2026-02-02
expect_status 1 "assistant status: never backwards (1: contracted -> trained)" ss assistant status 1 trained
expect_grep "only moves forward" "$T/err" "assistant status: says why"
expect_status 1 "assistant status: unknown status refused" ss assistant status 1 hired
expect_status 1 "assistant status: unknown assistant refused" ss assistant status 99 trained
ss assistant list --status contracted >"$T/list"
[ "$(grep -c '"status":"contracted"' "$T/list")" = 5 ] && pass "assistant list --status contracted: 5" || fail "list: $(cat "$T/list")"
expect_grep '"initials":"А.Н.Т."' "$T/list" "assistant list: initials"
expect_no_grep "Номер1\|Тестов" "$T/list" "assistant list: no names"
expect_grep '"steps":\[{"status":"applied","on":"2026-01-10"},{"status":"interviewed","on":"2026-01-20"},{"status":"trained","on":"2026-02-01"},{"status":"contracted","on":"2026-02-15"}\]' "$T/list" "assistant list: the dated steps"

# --- users choose assistants --------------------------------------------------
ch() { ss assistant choose "$1" "$2" --on "$3" >"$T/ch" 2>&1 || fail "choose $1 $2: $(cat "$T/ch")"; }
ch 1 "$P5A" 2026-03-01; ch 1 "$P3A" 2026-03-01          # 5 + 3 = 8: full day
ch 2 "$P4A" 2026-03-01; ch 2 "$P5B" 2026-03-01          # 4 + 5 = 9: over
ch 3 "$P3C" 2026-03-01                                  # a child alone
ch 4 "$P2T" 2026-03-01; ch 4 "$P2A" 2026-03-01          # a child (until 2026-05-01) and an adult
ch 5 "$P2B" 2026-03-01                                  # not contracted
ch 6 "$P2C" 2026-05-01; ch 7 "$P2C" 2026-05-15          # moves from 6 to 7
expect_status 1 "assistant choose: the same assistant twice is refused" ss assistant choose 1 "$P5A"
expect_status 1 "assistant choose: an unknown person is refused" ss assistant choose 1 00000000-0000-4000-8000-000000000000
expect_status 1 "assistant choose: an unknown assistant is refused" ss assistant choose 42 "$P5A"

load() { ss assistant load --on "$1" >"$T/load" 2>"$T/load.err"; echo $? >"$T/load.rc"; }
row() { grep "^ {\"id\":$1," "$T/load"; }
load 2026-06-01
[ "$(cat "$T/load.rc")" = 1 ] && pass "assistant load: exit 1 while the rule is broken" || fail "load exit $(cat "$T/load.rc")"
row 1 | grep -q '"hours":8,"load":"full_time","violations":\[\]' && pass "point 9: 5 + 3 = exactly 8 hours is a full day, no violation" || fail "assistant 1: $(row 1)"
row 1 | grep -q '"hours":5,"hours_from":"assessment","child":false' && pass "point 9: hours from the server's score of the latest assessment" || fail "hours_from: $(row 1)"
row 2 | grep -q '"hours":9,"load":"over","violations":\["over_8_hours"\]' && pass "point 9: 4 + 5 = 9 hours is over 8" || fail "assistant 2: $(row 2)"
row 3 | grep -q '"child":true}\],"hours":3,"load":"part_time","violations":\[\]' && pass "point 9: a child alone is fine (part-time, 3 h)" || fail "assistant 3: $(row 3)"
row 4 | grep -q '"load":"part_time","violations":\[\]' && pass "point 9: on 2026-06-01 the user of 18 is an adult: two users allowed" || fail "assistant 4: $(row 4)"
row 5 | grep -q '"hours":2,"load":"part_time","violations":\[\],"warnings":\["not_contracted"\]' && pass "point 9: one adult of 2 h is part-time; not contracted is a warning" || fail "assistant 5: $(row 5)"
[ -z "$(row 6)" ] && pass "assistant 6: its user left for assistant 7 (one assistant at a time)" || fail "assistant 6: $(row 6)"
row 7 | grep -q "$P2C" && pass "assistant 7: serves the user who moved" || fail "assistant 7: $(row 7)"
expect_grep '"totals":{"assistants":7,"full_time":1,"part_time":5,"over":1,"with_violations":1' "$T/load" "assistant load: totals"
load 2026-04-30
row 4 | grep -q '"violations":\["child_not_alone"\]' && pass "point 9: on 2026-04-30 a child (17) shares the assistant: violation" || fail "assistant 4 before 18: $(row 4)"
[ -z "$(row 6)" ] && pass "assistant load on a past day: a choice made later is not counted" || fail "assistant 6 on 04-30: $(row 6)"
load 2026-05-10
row 6 | grep -q "$P2C" && pass "assistant load on 2026-05-10: the user is still with assistant 6" || fail "assistant 6 on 05-10: $(row 6)"
expect_status 0 "assistant release: user 2 h leaves assistant 2 on 2026-07-01" ss assistant release 2 "$P4A" --on 2026-07-01
load 2026-07-02
row 2 | grep -q '"hours":5,"load":"part_time","violations":\[\]' && pass "after the release: assistant 2 has 5 h, no violation" || fail "assistant 2 after release: $(row 2)"
expect_status 1 "assistant release: a user it does not serve" ss assistant release 2 "$P4A"

# CSV and no personal data
expect_status 1 "assistant load --format csv (exit 1: a violation remains)" ss assistant load --on 2026-06-01 --format csv
cp "$T/out" "$T/load.csv"
bom "$T/load.csv" && pass "assistant load csv: UTF-8 BOM" || fail "csv: no BOM"
expect_grep 'assistant,initials,locality,role,status,users,hours_a_day,load,violations,user_ids' "$T/load.csv" "assistant load csv: header"
expect_grep '^2,А.Н.Т.,Русе,personal_assistant,contracted,2,9,over,over_8_hours,' "$T/load.csv" "assistant load csv: the over-8 row"
expect_no_grep "Номер\|Тестов\|Социален" "$T/load.csv" "assistant load csv: no names"
expect_status 0 "assistant show: the coordinator sees the name" ss assistant show 1
expect_grep '"name":"Асистент Номер1 Тестов"' "$T/out" "assistant show: name"

# once a round is locked, a user's hours are the approved hours there
# (the commission lowered P5A's from 5 to 4): assistant 1 becomes part-time
expect_status 0 "round: created" ss round create R1 --municipality Русе --service personal_assistant --from 2026-01-01 --to 2026-12-31
expect_status 0 "round: run" ss round run R1
ss round show R1 >"$T/round.json"
APP=$(tr -d ' \n' <"$T/round.json" | grep -o "{[^{}]*\"person\":\"$P5A\"[^{}]*}" | sed 's/.*"application":\([0-9]*\).*/\1/' | head -1)
expect_status 0 "round: the commission lowers application $APP to 4 h" ss round override R1 "$APP" --hours 4 --reason "family helps in the mornings"
load 2026-06-01
row 1 | grep -q '"hours":5,"hours_from":"assessment"' && pass "before the lock: still the assessment's hours" || fail "before lock: $(row 1)"
expect_status 0 "round: locked" ss round lock R1 --on 2026-05-20
load 2026-06-01
row 1 | grep -q "\"person\":\"$P5A\",\"hours\":4,\"hours_from\":\"round\"" && pass "after the lock: the approved hours of the round (4)" || fail "after lock: $(row 1)"
row 1 | grep -q '"hours":7,"load":"part_time","violations":\[\]' && pass "point 9 with approved hours: 4 + 3 = 7, part-time" || fail "assistant 1 after lock: $(row 1)"

# every change on the audit trail, chain intact
A1=$(audit_n)
# 8 adds + 15 + 2 steps + 10 choices + 1 release = 36 changes, plus the load exports
[ $((A1 - A0)) -ge 36 ] && pass "audit: $((A1 - A0)) entries for 36 changes and the exports, chain intact" || fail "audit: $A0 -> $A1"
finish
