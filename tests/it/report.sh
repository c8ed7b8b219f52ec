#!/bin/sh
# The programme report of the Bulgarian home-care services over the real
# server: the acceptance sample's needs assessments entered on an enrolled
# field agent and synced, services given at home logged on the device,
# assistants recruited and chosen on the server; then `sync-server report`
# for March 2026 checked against figures computed by hand (next to each
# check), with the period's boundary days, in JSON, CSV and HTML, and no
# name, national id or address in any of them.
. "$(dirname "$0")/lib.sh"
LOCALITIES="Русе, Кирилово, Яворово, Змейово, Дълбоки, Богомилово, Остра могила, Еленино, Калитиново, Памукчии, Малка Верея, Оряховица, Горно Ботево, Загоре, Хрищени"
PORT_SALT=3
. "$(dirname "$0")/census-env.inc"

expect_status 0 "device: 24 needs assessments entered (import)" fa import "$ACCEPT/bg-ranking-sample.json"
expect_status 0 "device: synced" fa sync --retries 0
ss assessments bg-independent-living >"$T/central.json"
pid() { grep "\"id\":\"$1\"" "$T/central.json" | sed 's/.*"person":{[^}]*"id":"\([^"]*\)".*/\1/'; }
PC=$(pid c74803e3-1ba1-4215-8228-3d15a9ec0806)   # Русе, a child of 5
PB=$(pid b0fa6216-6bb6-45a0-bd51-2b39498afb13)   # Богомилово
P48=$(pid 48a3ff76-ceb5-4fc3-b5d4-ce457c969920)  # Богомилово
PD5=$(pid d5b48ad0-d810-43f6-b829-62a88f036fbe)  # Калитиново
P9E=$(pid 9e289761-c8fe-45d7-b716-e7ea40041e00)  # Змейово
P65=$(pid 654d479a-02c8-461b-b40c-1a6589be4b4b)  # Змейово
P2E=$(pid 2e76dd6c-9825-4bb4-b1fb-56fa12cf7bee)  # Дълбоки
[ ${#PC} = 36 ] && [ ${#P2E} = 36 ] && pass "server: the synced persons" || fail "persons: '$PC'"
sv() { fa service add "$@" >/dev/null 2>"$T/sv.err" || fail "service add $*: $(cat "$T/sv.err")"; }
sv --person "$P9E" --type home_helper --date 2026-03-10 --minutes 120
sv --person "$P9E" --type home_helper --date 2026-03-11 --minutes 120
sv --person "$P65" --type home_helper --date 2026-04-05 --minutes 120             # after the period
sv --person "$P9E" --type medical_at_home --date 2026-03-10 --minutes 30
sv --person "$P2E" --type medical_at_home --date 2026-03-16 --minutes 30
sv --person "$P9E" --type medical_consultation --date 2026-03-20 --minutes 20
sv --person "$PC" --type psychological_counselling --date 2026-03-18 --minutes 45
sv --person "$PB" --type kinetotherapy --date 2026-03-25 --minutes 60
sv --person "$P2E" --type kinetotherapy --date 2026-03-26 --minutes 60 --place community_centre   # not at home
sv --person "$P2E" --type medical_at_home --date 2026-03-30 --minutes 30 --planned                # planned only
expect_status 0 "device: services synced" fa sync --retries 0

# assistants: steps inside and outside March
ss assistant add "Първи Асистент" --locality Русе --on 2026-02-20 >/dev/null          # 1
ss assistant add "Втори Асистент" --locality Русе --on 2026-03-05 >/dev/null          # 2
ss assistant add "Трети Асистент" --locality Богомилово --role social_assistant --on 2026-01-10 >/dev/null   # 3
ss assistant add "Четвърти Асистент" --locality Русе --on 2026-04-02 >/dev/null       # 4
st() { ss assistant status "$1" "$2" --on "$3" >/dev/null || fail "status $*"; }
st 1 interviewed 2026-03-02; st 1 trained 2026-03-10; st 1 contracted 2026-03-15
st 2 interviewed 2026-03-31; st 2 trained 2026-04-01
st 3 interviewed 2026-01-15; st 3 trained 2026-02-01; st 3 contracted 2026-02-10
ch() { ss assistant choose "$1" "$2" --on "$3" >/dev/null 2>"$T/ch.err" || fail "choose $*: $(cat "$T/ch.err")"; }
ch 1 "$PC" 2026-03-20      # a contract in March, a child
ch 1 "$PB" 2026-03-31      # the last day of March
ch 3 "$P48" 2026-02-15     # before March: served by a social assistant during it
ch 1 "$PD5" 2026-04-01     # after March

expect_status 0 "report: JSON for March 2026" ss report --from 2026-03-01 --to 2026-03-31
tr -d ' \n' <"$T/out" >"$T/r.min"
cp "$T/out" "$T/report.json"
# registered in March: 15 of the 24 (2026-03-01 included), 4 of them children
expect_grep '"applications":{"total":15,"children":4}' "$T/r.min" "report: 15 applications, 4 children"
expect_grep '"assessments":{"total":14,"bg-independent-living":14' "$T/r.min" "report: 14 assessments made in March"
expect_grep '"contracts":{"total":2,"children":1}' "$T/r.min" "report: 2 contracts (one on the last day), 1 child"
expect_grep '"users":{"personal_assistant":2,"social_assistant":1,"home_helper":1}' "$T/r.min" "report: users of each service"
expect_grep '"integrated_at_home":{"medical":{"users":2,"services":3},"psychological":{"users":1,"services":1},"rehabilitation":{"users":1,"services":1}}' "$T/r.min" "report: integrated services at home (planned and centre ones excluded)"
expect_grep '"reached_in_period":{"applied":1,"interviewed":2,"trained":1,"contracted":1}' "$T/r.min" "report: assistants recruited, interviewed, trained, contracted in March"
expect_grep '"at_end":{"applied":0,"interviewed":1,"trained":0,"contracted":2}' "$T/r.min" "report: assistants by status at the end of March"
expect_grep '"localities":\["Богомилово","Дълбоки","Змейово","Русе"\]' "$T/r.min" "report: the 4 localities served"

expect_status 0 "report: CSV" ss report --from 2026-03-01 --to 2026-03-31 --format csv
cp "$T/out" "$T/report.csv"
bom "$T/report.csv" && pass "report csv: UTF-8 BOM" || fail "report csv: no BOM"
expect_grep '^applications,Приети заявления,15' "$T/report.csv" "report csv: Bulgarian labels"
grep -q '^locality,"Населени места, в които са предоставени услуги",Русе' "$T/report.csv" && pass "report csv: a label with a comma is quoted" || fail "report csv quoting: $(grep locality "$T/report.csv" | head -2)"
expect_status 0 "report: printable HTML" ss report --from 2026-03-01 --to 2026-03-31 --format html
cp "$T/out" "$T/report.html"
expect_grep '<html lang="bg">' "$T/report.html" "report html: in Bulgarian"
expect_grep '<td>Приети заявления</td><td class="n">15</td>' "$T/report.html" "report html: the figures"
expect_grep '@media print' "$T/report.html" "report html: made for printing"
expect_status 0 "report: HTML in Romanian" ss report --from 2026-03-01 --to 2026-03-31 --format html --lang ro
expect_grep 'Cereri primite' "$T/out" "report html --lang ro"
expect_status 2 "report: the end before the start" ss report --from 2026-04-01 --to 2026-03-01
expect_status 2 "report: a wrong date" ss report --from 2026-02-30 --to 2026-03-01
expect_status 2 "report: an unknown format" ss report --from 2026-03-01 --to 2026-03-31 --format pdf
expect_status 0 "report: a day with nothing" ss report --from 2025-01-01 --to 2025-01-01
tr -d ' \n' <"$T/out" >"$T/empty"
expect_grep '"applications":{"total":0,"children":0}' "$T/empty" "report: an empty period gives zeros"

# a contract recorded through a round counts on the day it was recorded
TODAY=$(date -u +%Y-%m-%d)
ss round create R1 --municipality Русе --service personal_assistant --from 2026-01-01 --to 2026-12-31 >/dev/null 2>&1
ss round run R1 >/dev/null 2>&1
ss round show R1 >"$T/round.json"
APP=$(tr -d ' \n' <"$T/round.json" | grep -o "{[^{}]*\"person\":\"$PB\"[^{}]*}" | sed 's/.*"application":\([0-9]*\).*/\1/' | head -1)
ss round lock R1 >/dev/null 2>&1 && ss round respond R1 "$APP" accept >/dev/null 2>&1
expect_status 0 "round: the applicant's contract with an assistant recorded" ss round respond R1 "$APP" contract
expect_status 0 "report: today" ss report --from "$TODAY" --to "$TODAY"
tr -d ' \n' <"$T/out" >"$T/today"
expect_grep '"contracts":{"total":1,"children":0}' "$T/today" "report: a round's contract counts as a contract"

# no personal data: the sample's names, national ids and addresses
for f in "$T/report.json" "$T/report.csv" "$T/report.html"; do
	if grep -q "0704999622\|Йорданка\|ул\.\|Първи\|Втори\|Трети" "$f"; then fail "personal data in $(basename "$f")"; else pass "no name, national id or address in $(basename "$f")"; fi
done
ss audit verify >"$T/audit"
expect_grep "intact" "$T/audit" "audit: chain intact after the reports"
finish
