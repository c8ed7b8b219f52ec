#!/bin/sh
# field-agent end to end with the real binary and real SQLite files: a full
# Ruse assessment through the wizard (piped, and under a pty), its result
# against the central rules, kill -9 at many points then resume with
# nothing lost, PINs and lockout, canaries, import/export, services.
. "$(dirname "$0")/lib.sh"
FA="$BIN/field-agent"
SS="$BIN/sync-server"
FIX="$ROOT/tests/fixtures/ruse-wizard.txt"
export FA_DATA="$T/dev" LC_ALL=C.UTF-8 TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
PIN=2468

expect_status 0 "agent: init" env FA_PIN=$PIN "$FA" init --kdf-ms 20 --max-tries 3
expect_grep "Recovery code" "$T/out" "agent: init prints a recovery code"
CODE=$(sed -n 's/.*: \([A-Z0-9-]\{24\}\)$/\1/p' "$T/out")
expect_status 1 "agent: init twice refused" env FA_PIN=$PIN "$FA" init --kdf-ms 20

# Canary values: they must never reach the disk in clear.
CNAME="КАНАРЧЕВ ЗЛАТКО"
CNID=7777012345
CADDR="ул. Канарска 99"
CNOTE="Бележка-канарче-55"
expect_status 0 "agent: person add" env FA_PIN=$PIN "$FA" person add --name "$CNAME" \
	--birth-date 1950-03-01 --locality Басарбово --national-id $CNID --address "$CADDR" --sex m
P=$(cat "$T/out")

# 1. A full Ruse assessment through the wizard, piped.
sed "s/^Живее сам на втори етаж.$/$CNOTE/" "$FIX" >"$T/wizard.txt"
"$FA" --lang bg assess --person "$P" --instrument bg-independent-living \
	--registered-on 2026-02-25 --assessed-on 2026-03-01 <"$T/wizard.txt" >"$T/wiz.out" 2>&1
expect_grep "ПРЕДВАРИТЕЛЕН РЕЗУЛТАТ" "$T/wiz.out" "wizard: provisional result shown in Bulgarian"
expect_grep "Точки.*104" "$T/wiz.out" "wizard: provisional points 104"
expect_grep "окончателна" "$T/wiz.out" "wizard: finalised (said in Bulgarian)"
awk '{ if (length($0) > 0) print }' "$T/wiz.out" | while IFS= read -r l; do printf '%s' "$l" | wc -m; done \
	| sort -n | tail -1 >"$T/widest"
[ "$(cat "$T/widest")" -le 80 ] && pass "wizard: every line fits 80 columns" || fail "wizard: a line of $(cat "$T/widest") columns"
FA_PIN=$PIN "$FA" list final >"$T/list" 2>&1
expect_grep " answers 55" "$T/list" "wizard: 55 answers stored"
A=$(cut -c1-36 "$T/list" | head -1)

# The central rules agree: export, rank on the "server", score.
expect_status 0 "agent: export json" env FA_PIN=$PIN "$FA" export -o "$T/export.json"
expect_status 0 "agent: exported case ranks centrally" "$SS" rank --cases "$T/export.json"
tr -d ' \n' <"$T/out" >"$T/rank.min"
expect_grep '"points":104,"daily_hours":3,"group":"I","rank":1,"outcome":"approved"' "$T/rank.min" \
	"agent: server recomputes 104 points, 3 h/day, group I"

# Delays of a person typing and of the kill window, times IT_TIME_SCALE
# (make test-cross sets it: programs start ~100 times slower under qemu-user).
scaled() { awk -v t="$1" -v k="${IT_TIME_SCALE:-1}" 'BEGIN { printf "%.3f", t * k }'; }

# 2. The same under a pseudo-terminal (PIN read without echo).
if command -v script >/dev/null 2>&1; then
	FA_PIN=$PIN "$FA" person add --name "ПЕТЪР ПЕТРОВ" --birth-date 1948-01-02 --locality Николово >"$T/p2"
	P2=$(cat "$T/p2")
	# typed line by line, as a person does: the PIN after its prompt
	while IFS= read -r l; do sleep "$(scaled 0.05)"; echo "$l"; done <"$FIX" |
		script -qec "'$FA' --lang en assess --person $P2 --instrument bg-independent-living --registered-on 2026-02-25 --assessed-on 2026-03-01" \
		/dev/null >"$T/pty.out" 2>&1
	expect_grep "PROVISIONAL RESULT" "$T/pty.out" "wizard under a pty: result shown"
	expect_no_grep "^2468" "$T/pty.out" "wizard under a pty: the PIN is not echoed"
	FA_PIN=$PIN "$FA" list final >"$T/list2"
	[ "$(grep -c ' final ' "$T/list2")" = 2 ] && pass "wizard under a pty: finalised" || fail "wizard under a pty: not finalised"
fi

# 3. Stop half way (input ends), resume at the exact item.
FA_PIN=$PIN "$FA" person add --name "МАРИЯ ИВАНОВА" --birth-date 1941-05-06 --locality Мартен >"$T/p3"
P3=$(cat "$T/p3")
head -n 30 "$FIX" | "$FA" assess --person "$P3" --instrument bg-independent-living \
	--registered-on 2026-02-25 --assessed-on 2026-03-01 >"$T/half.out" 2>&1
FA_PIN=$PIN "$FA" list draft >"$T/draft"
expect_grep "answers 27 @3.3.5" "$T/draft" "resume: the draft stopped at item 3.3.5 with 27 answers"
{ echo $PIN; tail -n +31 "$FIX"; } | "$FA" resume >"$T/rest.out" 2>&1
head -8 "$T/rest.out" | grep -q "^3.3.5 " && pass "resume: continues at 3.3.5" || fail "resume: did not continue at 3.3.5"
FA_PIN=$PIN "$FA" list final >"$T/list3"
[ "$(grep -c ' answers 55' "$T/list3")" = 3 ] && pass "resume: finalised with all 55 answers" || fail "resume: answers lost"

# 4. kill -9 at many points of a wizard session; resume each time.
FA_PIN=$PIN "$FA" person add --name "ГЕОРГИ КОЛЕВ" --birth-date 1939-09-09 --locality Тетово >"$T/p4"
P4=$(cat "$T/p4")
# item order: the item id that follows each rule line of a full run
awk '/^── /{getline; print $1}' "$T/wiz.out" >"$T/items"
kills=0; runs=0
feed() { # $1: first fixture line to feed (2 = first answer); slow feeder
	echo $PIN
	tail -n +"$1" "$FIX" | while IFS= read -r l; do echo "$l"; sleep 0.01; done
}
start=2
cmd="assess --person $P4 --instrument bg-independent-living --registered-on 2026-02-25 --assessed-on 2026-03-01"
while [ $runs -lt 40 ]; do
	runs=$((runs + 1))
	# shellcheck disable=SC2086
	feed "$start" | "$FA" $cmd >/dev/null 2>&1 &
	pid=$!
	sleep "$(scaled "0.0$(shuf -i 5-60 -n 1)")"
	if kill -9 $pid 2>/dev/null; then kills=$((kills + 1)); fi
	wait $pid 2>/dev/null
	FA_PIN=$PIN "$FA" list >"$T/l4" 2>&1
	line=$(grep -v "^$A\|ПЕТ" "$T/l4" | awk -v p="$P4" '1' | grep -F "$(FA_PIN=$PIN "$FA" person show "$P4" | sed -n 's/^  \([0-9a-f-]\{36\}\) .*/\1/p' | head -1)" || true)
	A4=$(FA_PIN=$PIN "$FA" person show "$P4" | sed -n 's/^  \([0-9a-f-]\{36\}\) .*/\1/p' | head -1)
	[ -z "$A4" ] && continue
	st=$(grep "^$A4" "$T/l4" | awk '{print $3}')
	[ "$st" = final ] && break
	cur=$(grep "^$A4" "$T/l4" | sed -n 's/.*@\(.*\)$/\1/p')
	if [ -z "$cur" ]; then start=72; else
		n=$(grep -n -x -F "$cur" "$T/items" | head -1 | cut -d: -f1)
		start=$((n + 1))
	fi
	cmd="resume $A4"
done
if [ "$st" != final ]; then feed "$start" | "$FA" $cmd >/dev/null 2>&1; fi
FA_PIN=$PIN "$FA" list final >"$T/l5"
got=$(grep "^$A4" "$T/l5" | sed 's/.* answers \([0-9]*\).*/\1/')
integrity=$(FA_PIN=$PIN "$FA" check)
if [ "$got" = 55 ] && [ "$integrity" = ok ]; then
	pass "R-wizard kills=$kills runs=$runs answers=55 lost=0 integrity=ok"
	echo "WIZARD kills=$kills lost=0 integrity=$integrity"
else
	fail "wizard after $kills kills: answers=$got integrity=$integrity"
fi
FA_PIN=$PIN "$FA" export --status all -o "$T/after.json" 2>/dev/null
"$SS" rank --cases "$T/after.json" | tr -d ' \n' >"$T/r4"
[ "$(grep -o '"points":104' "$T/r4" | wc -l)" -ge 3 ] && pass "wizard after kills: same result (104 points)" \
	|| fail "wizard after kills: result differs"

# 5. PINs: wrong PIN reads nothing, lockout after 3, recovery.
expect_status 4 "pin: wrong PIN refused" env FA_PIN=0000 "$FA" person list
expect_grep "wrong PIN (2 tries left)" "$T/err" "pin: says how many tries are left"
expect_no_grep "$CNAME" "$T/out" "pin: nothing shown with a wrong PIN"
expect_status 4 "pin: second wrong PIN" env FA_PIN=0001 "$FA" person list
expect_status 4 "pin: third wrong PIN locks" env FA_PIN=0002 "$FA" person list
expect_status 4 "pin: locked even with the right PIN" env FA_PIN=$PIN "$FA" person list
expect_grep "locked" "$T/err" "pin: says it is locked"
expect_status 4 "pin: wrong recovery code refused" env FA_RECOVERY=AAAA-AAAA-AAAA-AAAA-AAAA FA_NEW_PIN=1357 "$FA" recover
expect_status 0 "pin: recovery code unlocks" env FA_RECOVERY="$CODE" FA_NEW_PIN=1357 "$FA" recover
expect_status 0 "pin: the new PIN works" env FA_PIN=1357 "$FA" person list
expect_grep "$CNAME" "$T/out" "pin: data readable again"
PIN=1357
# a kill during the slow PIN check still counts the try: a store whose
# key derivation takes 400 ms, killed 250 ms into a wrong try
(
	export FA_DATA="$T/slow"
	FA_PIN=1111 "$FA" init --kdf-ms 400 --max-tries 3 >/dev/null
	FA_PIN=9999 "$FA" person list >/dev/null 2>&1 &
	sleep 0.25; kill -9 $! 2>/dev/null; wait $! 2>/dev/null
	FA_PIN=9998 "$FA" person list
) >"$T/out" 2>"$T/err"
expect_grep "(1 try left)" "$T/err" "pin: a try killed during the check was counted"
FA_RECOVERY="$CODE" FA_NEW_PIN=$PIN "$FA" recover >/dev/null 2>&1

# 6. Services, households, outbox.
expect_status 0 "agent: household add" env FA_PIN=$PIN "$FA" household add --locality Сандрово --address "$CADDR" --head "$CNAME"
H=$(cat "$T/out")
expect_status 0 "agent: member added to the household" env FA_PIN=$PIN "$FA" person add --household "$H" \
	--name "ДЕТЕ КАНАРЧЕВО" --birth-date 2018-04-04 --locality Сандрово --role child
expect_status 0 "agent: household show lists the member" env FA_PIN=$PIN "$FA" household show "$H"
expect_grep "ДЕТЕ КАНАРЧЕВО" "$T/out" "agent: the household's member is shown"
# the Romanian census: screening a child of the household with ro-household-screening
C=$(FA_PIN=$PIN "$FA" person list --locality Сандрово | grep "ДЕТЕ" | cut -c1-36)
printf '%s\n' $PIN 1 2 "" da nu da "" nu da nu nu "" nu nu da "" nu nu nu "" nu nu nu "" nu nu nu nu "" y >"$T/ro.txt"
"$FA" --lang ro assess --person "$C" --instrument ro-household-screening --assessed-on 2026-03-01 <"$T/ro.txt" >"$T/ro.out" 2>&1
expect_grep "REZULTAT PROVIZORIU" "$T/ro.out" "census: the screening of a child runs in Romanian"
expect_grep "Dimensiuni afectate (0-6) \.* 3" "$T/ro.out" "census: 3 dimensions hit"
expect_grep "Numărul de vulnerabilități \.* 4" "$T/ro.out" "census: 4 vulnerabilities, a case"
expect_status 0 "agent: service logged" env FA_PIN=$PIN "$FA" service add --person "$P" --type counselling --minutes 45 --place home --date 2026-03-02 --note "$CNOTE"
expect_status 2 "agent: unknown service type refused" env FA_PIN=$PIN "$FA" service add --person "$P" --type dancing --minutes 45
expect_status 1 "agent: service date checked" env FA_PIN=$PIN "$FA" service add --person "$P" --type counselling --minutes 45 --date 2026-02-30
expect_status 0 "agent: outbox" "$FA" outbox
expect_grep "assessment *5" "$T/out" "agent: 5 final assessments wait to sync"
expect_grep "service *1" "$T/out" "agent: the service waits to sync"
expect_status 0 "agent: duplicate person added with a warning" env FA_PIN=$PIN "$FA" person add --name "$CNAME" \
	--birth-date 1950-03-01 --locality Басарбово --national-id $CNID
expect_grep "look like the same person" "$T/err" "agent: duplicate detected offline (keyed hash)"

# 7. Canaries: nothing personal in clear in the store, WAL, temp files —
# including right after a kill -9 mid-assessment, with the WAL in place.
FA_PIN=$PIN "$FA" person add --name "$CNAME" --birth-date 1950-03-01 --locality Ястребово --address "$CADDR" >"$T/p7"
{ echo $PIN; sed "s/^Живее сам на втори етаж.$/$CNOTE/" "$FIX" | while IFS= read -r l; do echo "$l"; sleep 0.01; done; } |
	"$FA" assess --person "$(cat "$T/p7")" --instrument bg-independent-living >/dev/null 2>&1 &
sleep 0.5; kill -9 $! 2>/dev/null; wait $! 2>/dev/null
ls "$FA_DATA" >"$T/files"
grep -q -- "-wal" "$T/files" && pass "canary run: the WAL is there to search" || fail "canary run: no WAL after kill"
hits=0
for f in "$FA_DATA"/* "$TMPDIR"/*; do
	[ -f "$f" ] || continue
	for c in "$CNAME" "$CNID" "$CADDR" "$CNOTE" "КАНАРЧЕВ" "Канарска"; do
		if grep -a -q -F -- "$c" "$f"; then hits=$((hits + 1)); echo "     | canary in $(basename "$f")"; fi
	done
done
nfiles=$(ls "$FA_DATA" | wc -l)
[ "$hits" = 0 ] && pass "R9 canaries: 0 plaintext hits in $nfiles store files and temp files" \
	|| fail "R9 canaries: $hits plaintext hits"
echo "CANARY hits=$hits files=$nfiles"

# 8. Import: idempotent, conflicts refused, invalid named, kill -9 safe.
export FA_DATA="$T/dev2"
FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
"$BIN/gen-cases" --count 200 --seed 21 >"$T/gen.json"
# gen-cases ids are UUIDs; locality is in person
expect_status 0 "import: 200 cases" env FA_PIN=$PIN "$FA" import "$T/gen.json"
expect_grep "imported 200, already there 0" "$T/out" "import: 200 imported"
expect_status 0 "import: the same file again" env FA_PIN=$PIN "$FA" import "$T/gen.json"
expect_grep "imported 0, already there 200" "$T/out" "import: replay changes nothing"
sed '0,/"3.1.1":[0-9]/s//"3.1.1":9/' "$T/gen.json" >"$T/bad.json"
expect_status 1 "import: an invalid case is refused" env FA_PIN=$PIN "$FA" import "$T/bad.json"
expect_grep "3.1.1: not one of the choices" "$T/err" "import: names the wrong field"
first=$(grep -o '"3.1.1":[0-4]' "$T/gen.json" | head -1 | cut -d: -f2)
other=$(( (first + 1) % 5 ))
sed "0,/\"3.1.1\":[0-4]/s//\"3.1.1\":$other/" "$T/gen.json" >"$T/changed.json"
expect_status 6 "import: same id, different answers refused" env FA_PIN=$PIN "$FA" import "$T/changed.json"
expect_grep "not overwritten" "$T/err" "import: conflict explained"
export FA_DATA="$T/dev3"
FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
ikills=0
for i in 1 2 3 4 5 6 7 8; do
	FA_PIN=$PIN "$FA" import "$T/gen.json" >/dev/null 2>&1 &
	sleep "0.$(shuf -i 1-40 -n 1)"
	kill -9 $! 2>/dev/null && ikills=$((ikills + 1))
	wait $! 2>/dev/null
done
FA_PIN=$PIN "$FA" import "$T/gen.json" >"$T/final-import" 2>&1
n=$(FA_PIN=$PIN "$FA" list final | wc -l)
ok=$(FA_PIN=$PIN "$FA" check)
[ "$n" = 200 ] && [ "$ok" = ok ] && pass "import after $ikills kills: 200 cases, 0 lost, 0 duplicated, integrity ok" \
	|| fail "import after kills: $n cases, integrity $ok"
echo "IMPORT kills=$ikills cases=$n integrity=$ok"

# CSV: no names unless asked; UTF-8 with BOM
export FA_DATA="$T/dev"
expect_status 0 "export: csv" env FA_PIN=$PIN "$FA" export --format csv
expect_no_grep "$CNAME" "$T/out" "export: csv has no names by default"
expect_grep "points,daily_hours,group" "$T/out" "export: csv header"
expect_status 0 "export: csv with names" env FA_PIN=$PIN "$FA" export --format csv --with-names
expect_grep "$CNAME" "$T/out" "export: --with-names includes them"
finish
