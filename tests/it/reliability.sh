#!/bin/sh
# The properties of reliability.md that need faults, kills and clocks,
# with the real binaries on loopback: R1 (device killed at chosen syscalls
# and at random), R2 (server killed while devices push), R3 (replays,
# dropped answers), R4/R5 (concurrent offline edits in every order, with
# device clocks off), R8 (ENOSPC/EIO injected), R9 (revoked device
# replayed, plaintext search), R10 (every route, every credential), R12
# (canaries in what is published). Each prints its figure line.
#
# Bounded inside `make test`; `make fault` runs it with REL_FULL=1 and
# REL_KILLS (default there 500) / REL_RECORDS.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/rel/env.sh"
FULL=${REL_FULL:-0}
KILLS=${REL_KILLS:-24}
CASES=$(( ${REL_RECORDS:-300} / 2 ))
command -v faketime >/dev/null || { fail "faketime is needed (scripts/deps.sh installs it)"; finish; exit 1; }
PORT=$(rel_port 0)
URL="https://127.0.0.1:$PORT"
SRV="$T/srv"
start_server "$SRV" $PORT "$T/srv.log" || { fail "server did not start"; cat "$T/srv.log"; finish; exit 1; }
SPIN=$(pin_of "$T/srv.log")

# --- R1: the device killed at the Nth write / fsync / send / receive and at
# random moments of a sync; then synced to completion -----------------------
"$BIN/gen-cases" --count $CASES --seed 41 >"$T/r1a.json"
LOCS=$(grep -o '"locality":"[^"]*"' "$T/r1a.json" | cut -d'"' -f4 | sort -u | paste -sd, -)
D1="$T/dev1"
new_device "$D1" "$SRV" "$URL" "$SPIN" "$LOCS"
DEV1_ID=$(q "$D1/agent.db" "SELECT CAST(value AS TEXT) FROM sync_state WHERE key = 'device_id'")
seed=41
load_more() { # imports a new generated file; remembers what must arrive
	seed=$((seed + 1))
	"$BIN/gen-cases" --count $CASES --seed $seed >"$T/r1b.json"
	FA_DATA="$D1" FA_PIN=$PIN "$FA" import "$T/r1b.json" >/dev/null 2>&1
	q "$D1/agent.db" "SELECT record_id FROM outbox" >>"$T/r1.expected"
}
FA_DATA="$D1" FA_PIN=$PIN "$FA" import "$T/r1a.json" >/dev/null 2>&1
q "$D1/agent.db" "SELECT record_id FROM outbox" >"$T/r1.expected"
kills=0; runs=0; bad_integrity=0; by=""
classes="pwrite64 fdatasync sendto recvfrom random"
i=0
while [ $kills -lt "$KILLS" ] && [ $runs -lt $((KILLS * 3)) ]; do
	i=$((i + 1)); runs=$((runs + 1))
	[ "$(outbox_left "$D1")" = 0 ] && load_more
	cls=$(echo $classes | cut -d' ' -f$(( (i % 5) + 1 )))
	case $cls in
		pwrite64) n=$(( (i * 37) % 140 + 1 ));;
		fdatasync) n=$(( (i * 3) % 9 + 1 ));;
		sendto) n=$(( (i * 5) % 9 + 1 ));;
		recvfrom) n=$(( (i * 7) % 26 + 1 ));;
	esac
	if [ $cls = random ]; then
		FA_DATA="$D1" FA_PIN=$PIN "$FA" sync --quiet --retries 0 >/dev/null 2>&1 &
		pid=$!
		sleep "0.0$(shuf -i 10-99 -n 1)"
		kill -9 $pid 2>/dev/null && killed=1 || killed=0
		wait $pid 2>/dev/null
	else
		FA_DATA="$D1" FA_PIN=$PIN strace -f -o /dev/null -e trace=$cls -e inject=$cls:signal=KILL:when=$n \
			"$FA" sync --quiet --retries 0 >/dev/null 2>"$T/r1.err"
		rc=$?
		# strace reports the signal as its own exit status 137
		[ $rc = 137 ] && killed=1 || killed=0
	fi
	if [ $killed = 1 ]; then
		kills=$((kills + 1))
		case " $by " in *" $cls"*) ;; *) by="$by $cls";; esac
		[ "$(FA_DATA="$D1" FA_PIN=$PIN "$FA" check 2>&1)" = ok ] || bad_integrity=$((bad_integrity + 1))
	fi
done
FA_DATA="$D1" FA_PIN=$PIN "$FA" sync --quiet --retries 3 >/dev/null 2>&1
left=$(outbox_left "$D1")
integrity=$(FA_DATA="$D1" FA_PIN=$PIN "$FA" check 2>&1)
[ $bad_integrity = 0 ] || integrity="bad($bad_integrity)"
expected=$(sort -u "$T/r1.expected" | wc -l)
q "$SRV/central.db" "SELECT id FROM record" | sort -u >"$T/r1.got"
lost=$(sort -u "$T/r1.expected" | comm -23 - "$T/r1.got" | wc -l)
dup=$(q "$SRV/central.db" "SELECT count(*) FROM (SELECT record_id FROM revision WHERE device_id = '$DEV1_ID' GROUP BY record_id HAVING count(*) > 1)")
if [ $kills -ge "$KILLS" ] && [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$left" = 0 ] && [ "$integrity" = ok ]; then
	pass "R1 kills=$kills records=$expected lost=0 duplicated=0 integrity=ok"
else
	fail "R1 kills=$kills/$KILLS records=$expected lost=$lost duplicated=$dup outbox_left=$left integrity=$integrity"
fi
echo "R1 kills=$kills (at:$by) records=$expected lost=$lost duplicated=$dup integrity=$integrity"

# --- R2: the server killed at random while three devices push; restarted;
# the devices retry. What a device recorded as acknowledged must be there. ---
R2_KILLS=${REL_SERVER_KILLS:-$([ "$FULL" = 1 ] && echo 50 || echo 5)}
r2devs=""
for d in a b c; do
	new_device "$T/r2$d" "$SRV" "$URL" "$SPIN" "$LOCS"
	"$BIN/gen-cases" --count $((CASES * 2)) --seed "$(printf '%d' "'$d")9" >"$T/r2$d.json"
	FA_DATA="$T/r2$d" FA_PIN=$PIN "$FA" import "$T/r2$d.json" >/dev/null 2>&1
	q "$T/r2$d/agent.db" "SELECT record_id FROM outbox" >>"$T/r2.expected"
	r2devs="$r2devs $T/r2$d"
done
pusher() { # a device that syncs until its outbox is empty
	while [ "$(outbox_left "$1")" != 0 ]; do
		FA_DATA="$1" FA_PIN=$PIN "$FA" sync --quiet --retries 0 >/dev/null 2>&1
		sleep 0.05
	done
}
ppids=""
for d in $r2devs; do pusher "$d" & ppids="$ppids $!"; done
skills=0; acked_missing=0
while [ $skills -lt "$R2_KILLS" ]; do
	sleep "0.$(shuf -i 05-40 -n 1)"
	kill -9 $SPID 2>/dev/null; wait $SPID 2>/dev/null
	skills=$((skills + 1))
	# what the devices hold as acknowledged, read while the server is down
	for d in $r2devs; do q "$d/agent.db" "SELECT $HEAD_ID FROM heads WHERE rev > 0"; done | sort -u >"$T/r2.acked"
	start_server "$SRV" $PORT "$T/srv.log" || { fail "R2: server did not restart"; break; }
	q "$SRV/central.db" "SELECT id FROM record" | sort -u >"$T/r2.got"
	acked_missing=$((acked_missing + $(comm -23 "$T/r2.acked" "$T/r2.got" | wc -l)))
done
for p in $ppids; do wait "$p"; done
q "$SRV/central.db" "SELECT id FROM record" | sort -u >"$T/r2.got"
r2lost=$(sort -u "$T/r2.expected" | comm -23 - "$T/r2.got" | wc -l)
r2dup=$(q "$SRV/central.db" "SELECT count(*) FROM (SELECT record_id FROM revision GROUP BY record_id, device_id HAVING count(*) > 1)")
r2n=$(sort -u "$T/r2.expected" | wc -l)
if [ "$acked_missing" = 0 ] && [ "$r2lost" = 0 ] && [ "$r2dup" = 0 ]; then
	pass "R2 server_kills=$skills devices=3 records=$r2n acked_lost=0 lost=0 duplicated=0"
else
	fail "R2 server_kills=$skills records=$r2n acked_lost=$acked_missing lost=$r2lost duplicated=$r2dup"
fi
echo "R2 server_kills=$skills devices=3 records=$r2n acked_lost=$acked_missing lost=$r2lost duplicated=$r2dup"

# --- R3: retries are harmless. Eleven batches; one replayed 100 times (half
# in parallel), the others 10 times each in shuffled order, 8 at a time;
# one whose answer the client never reads (connection dropped after the
# request). The server state must equal a clean push of each batch once. --
R3_REPLAYS=${REL_REPLAYS:-100}
mkbatch() { # batch-number variant -> $T/r3/b<n>[variant].json
	b=$1; v=${2:-}
	{
		printf '{"batch":"%08x-1111-4111-8111-11111111111%s","records":[' "$b" "${v:-1}"
		for r in $(seq 1 20); do
			body=$(printf '{"locality":"Басарбово","name":"R3 ЛИЦЕ %d %d%s","sex":"f","address":"ул. %d"}' "$b" "$r" "$v" "$r")
			[ $r -gt 1 ] && printf ','
			printf '{"kind":"person","id":"%08x-0000-4000-8000-%012x","rev":1,"base":null,"hash":"%s","body":%s}' \
				"$b" "$r" "$(sha "$body")" "$body"
		done
		printf ']}'
	} >"$T/r3/b$b$v.json"
}
mkdir -p "$T/r3"
for b in $(seq 0 10); do mkbatch $b; done
mkbatch 0 2
P3A=$(rel_port 1); P3B=$(rel_port 2)
start_server "$T/r3a" $P3A "$T/r3a.log" && start_server "$T/r3b" $P3B "$T/r3b.log" || fail "R3: servers did not start"
U3A="https://127.0.0.1:$P3A"; U3B="https://127.0.0.1:$P3B"
TA=$(raw_token "$T/r3a" "$U3A" Басарбово); TB=$(raw_token "$T/r3b" "$U3B" Басарбово)
# the clean run: each batch once
for b in $(seq 0 10); do post "$TB" "$U3B" /v1/push "$T/r3/b$b.json" >/dev/null; done
clean=$(state_hash "$T/r3b")
# replays
: >"$T/r3.answers"
half=$((R3_REPLAYS / 2))
for _ in $(seq $half); do post "$TA" "$U3A" /v1/push "$T/r3/b0.json" >>"$T/r3.answers"; echo " $(sha256sum <"$T/resp" | cut -c1-16)" >>"$T/r3.answers"; done
seq $((R3_REPLAYS - half)) | xargs -P 8 -I{} sh -c 'curl -sk -w " %{http_code}\n" -o "$0.{}" -H "Content-Type: application/json" -H "Authorization: Bearer $1" --data-binary @"$2" "$3/v1/push"' \
	"$T/r3/par" "$TA" "$T/r3/b0.json" "$U3A" >"$T/r3.par"
distinct=$( { cut -d' ' -f2 "$T/r3.answers"; for f in "$T"/r3/par.*; do sha256sum <"$f" | cut -c1-16; done; } | sort -u | wc -l)
n200=$( { cut -d' ' -f1 "$T/r3.answers"; tr -d ' ' <"$T/r3.par"; } | grep -c '^200$')
# batches 1-9 ten times each, shuffled, 8 in parallel
for b in $(seq 1 9); do for _ in $(seq 10); do echo $b; done; done | shuf >"$T/r3.order"
xargs -P 8 -I{} curl -sk -o /dev/null -w '%{http_code}\n' -H "Content-Type: application/json" \
	-H "Authorization: Bearer $TA" --data-binary @"$T/r3/b{}.json" "$U3A/v1/push" <"$T/r3.order" >"$T/r3.shuf"
nshuf=$(grep -c '^200$' "$T/r3.shuf")
# batch 10: the client sends it and hangs up without reading the answer
len=$(wc -c <"$T/r3/b10.json")
{ printf 'POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nAuthorization: Bearer %s\r\n\r\n' "$len" "$TA"; cat "$T/r3/b10.json"; } |
	timeout 10 openssl s_client -quiet -connect 127.0.0.1:$P3A >"$T/r3.drop" 2>/dev/null
dropped_applied=0
for _ in $(seq 50); do
	[ "$(q "$T/r3a/central.db" "SELECT count(*) FROM record WHERE id LIKE '0000000a-%'")" = 20 ] && { dropped_applied=1; break; }
	sleep 0.1
done
# ... and sends it again: the same answer as if it had been read
st=$(post "$TA" "$U3A" /v1/push "$T/r3/b10.json")
retry_ok=0
[ "$st" = 200 ] && [ "$(grep -o '"status":"[a-z]*"' "$T/resp" | sort -u)" = '"status":"applied"' ] && retry_ok=1
# the same ids with other content: refused, never overwritten
post "$TA" "$U3A" /v1/push "$T/r3/b02.json" >/dev/null; cp "$T/resp" "$T/r3.x"
refused=$(grep -o '"status":"refused","code":"different_content"' "$T/resp" | wc -l)
replayed=$(state_hash "$T/r3a")
if [ "$replayed" = "$clean" ] && [ "$distinct" = 1 ] && [ "$n200" = "$R3_REPLAYS" ] && [ "$nshuf" = 90 ] &&
	[ $dropped_applied = 1 ] && [ $retry_ok = 1 ] && [ "$refused" = 20 ]; then
	pass "R3 replays=$R3_REPLAYS answers_distinct=1 shuffled=90 dropped_then_retried=ok state=$replayed clean=$clean different_content_refused=20/20"
else
	fail "R3 replays=$R3_REPLAYS 200s=$n200 answers_distinct=$distinct shuffled_200=$nshuf/90 dropped_applied=$dropped_applied retry_ok=$retry_ok state=$replayed clean=$clean refused=$refused/20"
fi
echo "R3 replays=$R3_REPLAYS parallel=$((R3_REPLAYS - half)) shuffled=90 answers_distinct=$distinct state_equal=$([ "$replayed" = "$clean" ] && echo yes || echo no) different_content_refused=$refused/20"

# --- R4/R5: three devices edit the same person offline: A and B the same
# field (a conflict), C another (merged). Synced in every order, and with
# device clocks a day and a year off and going backwards; the final state
# (server and what each device shows) must be the same every time. -------
P4=$(rel_port 3)
U4="https://127.0.0.1:$P4"
B4="$T/r4base"
mkdir -p "$B4"
start_server "$B4/srv" $P4 "$T/r4.log" || fail "R4: server did not start"
S4PID=$SPID
S4PIN=$(pin_of "$T/r4.log")
for d in d0 a b c; do new_device "$B4/$d" "$B4/srv" "$U4" "$S4PIN" "Басарбово"; done
H4=$(FA_DATA="$B4/d0" FA_PIN=$PIN "$FA" household add --locality Басарбово --head "R4 ГЛАВА" --address "ул. 0")
P4ID=$(FA_DATA="$B4/d0" FA_PIN=$PIN "$FA" person add --name "R4 ЛИЦЕ" --birth-date 1950-01-01 --locality Басарбово \
	--household "$H4" --address "ул. 0" --sex f)
for d in d0 a b c; do FA_DATA="$B4/$d" FA_PIN=$PIN "$FA" sync --quiet --retries 0 >/dev/null 2>&1; done
kill $S4PID; wait $S4PID 2>/dev/null
r4run() { # name "offsetA offsetB offsetC" order -> prints one line: state
	R="$T/r4run"; rm -rf "$R"; cp -a "$B4" "$R"
	set -- $2 $3
	offA=$1; offB=$2; offC=$3; order=$4
	ft() { # offset cmd...: the device's clock is off by offset
		o=$1; shift
		if [ "$o" = 0 ]; then "$@"; elif [ "$o" = back ]; then
			# a clock that runs backwards: an hour back for each second
			ASAN_OPTIONS=verify_asan_link_order=0 FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "-0d x-3600" "$@"
		else ASAN_OPTIONS=verify_asan_link_order=0 FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$o" "$@"; fi
	}
	FA_DATA="$R/a" FA_PIN=$PIN ft "$offA" "$FA" person edit "$P4ID" --address "ул. А" >/dev/null
	FA_DATA="$R/b" FA_PIN=$PIN ft "$offB" "$FA" person edit "$P4ID" --address "ул. Б" >/dev/null
	FA_DATA="$R/c" FA_PIN=$PIN ft "$offC" "$FA" person edit "$P4ID" --sex m >/dev/null
	start_server "$R/srv" $P4 "$T/r4.log" || { echo "no-server"; return; }
	for d in $(echo "$order" | sed 's/./& /g'); do
		eval "o=\$off$(echo $d | tr abc ABC)"
		FA_DATA="$R/$d" FA_PIN=$PIN ft "$o" "$FA" sync --quiet --retries 0 >/dev/null 2>"$T/r4.err" ||
			echo "sync $d failed: $(cat "$T/r4.err")" >&2
	done
	for d in a b c; do
		eval "o=\$off$(echo $d | tr abc ABC)"
		FA_DATA="$R/$d" FA_PIN=$PIN ft "$o" "$FA" sync --quiet --retries 0 >/dev/null 2>&1
	done
	kill $SPID; wait $SPID 2>/dev/null
	seen=0
	for d in a b c; do
		FA_DATA="$R/$d" FA_PIN=$PIN "$FA" conflicts | grep -q "open.*$P4ID" && seen=$((seen + 1))
	done
	views=$(for d in a b c; do FA_DATA="$R/$d" FA_PIN=$PIN "$FA" person show "$P4ID" 2>&1; done | sha256sum | cut -c1-8)
	open=$(q "$R/srv/central.db" "SELECT count(*) || ':' || group_concat(fields) FROM conflict WHERE status = 'open'")
	body=$(q "$R/srv/central.db" "SELECT body FROM record WHERE id = '$P4ID'")
	merged=0; echo "$body" | grep -q '"sex":"m"' && merged=1
	# every device's revision is kept in every order (the server's own
	# merge revisions in between depend on the order: not compared)
	revs=$(q "$R/srv/central.db" "SELECT count(*) FROM revision WHERE record_id = '$P4ID' AND device_id != 'server'")
	echo "server=$(state_hash "$R/srv") devices=$views conflicts=$open seen_by=$seen merged=$merged revisions=$revs"
}
if [ "$FULL" = 1 ]; then ORDERS="abc acb bac bca cab cba"; R5ORDERS=$ORDERS; else ORDERS="abc acb bac bca cab cba"; R5ORDERS="cba"; fi
control=""; r4same=0; r4n=0
for o in $ORDERS; do
	line=$(r4run control "0 0 0" $o)
	r4n=$((r4n + 1))
	[ -z "$control" ] && control=$line
	[ "$line" = "$control" ] && r4same=$((r4same + 1)) || echo "     | order $o: $line"
done
case "$control" in
	*"conflicts=1:[\"address\"]"*"seen_by=3 merged=1"*)
		[ $r4same = $r4n ] && pass "R4 orders=$r4n identical=$r4same conflicts_detected=1/1 shown_to_devices=3/3 disjoint_fields_merged=yes" \
			|| fail "R4 orders=$r4n identical=$r4same (control $control)";;
	*) fail "R4 control run: $control";;
esac
echo "R4 orders=$r4n identical=$r4same $control"
r5n=0; r5same=0
for clocks in "+1d +365d -1d" "-365d +1d back" "back -365d +365d"; do
	for o in $R5ORDERS; do
		line=$(r4run skew "$clocks" $o)
		r5n=$((r5n + 1))
		[ "$line" = "$control" ] && r5same=$((r5same + 1)) || echo "     | clocks $clocks, order $o: $line"
	done
done
[ $r5same = $r5n ] && pass "R5 runs=$r5n clocks=+1d,+1y,-1d,-1y,backwards identical_to_control=$r5same" \
	|| fail "R5 runs=$r5n identical_to_control=$r5same"
echo "R5 runs=$r5n clocks=+1d,+365d,-1d,-365d,backwards identical_to_control=$r5same/$r5n"

# --- R8: a full disk or an I/O error (strace -e inject=) at writes and
# fsyncs of the device store (import, pull, push) and of the server's merge.
# Each must fail with a clear error, apply no half batch, and once the
# space is back, end in the state of a run without the fault. ------------
device_view() { # DIR: what a device holds, minus timestamps, order and new ids
	db="$1/agent.db"
	{
		q "$db" "SELECT id, status, revision FROM assessment ORDER BY id"
		# a person an import creates gets a new id on each device
		q "$db" "SELECT locality, count(*) FROM person GROUP BY locality ORDER BY locality"
		q "$db" "SELECT kind, CASE kind WHEN 'person' THEN '' ELSE record_id END AS r, revision, state FROM outbox ORDER BY kind, r, revision"
		q "$db" "SELECT id, kind, head, seq FROM remote ORDER BY id"
		q "$db" "SELECT hex(record_id), hex(hash) FROM heads ORDER BY record_id"
		q "$db" "SELECT CAST(value AS TEXT) FROM sync_state WHERE key = 'cursor'"
	} | sha256sum | cut -c1-16
}
r8n=0; r8clear=0; r8same=0; r8half=0; r8bad=""
r8check() { # name exit-status stderr-file view control
	r8n=$((r8n + 1))
	if [ "$2" != 0 ] && grep -qi "disk\|space\|I/O\|cannot\|unavailable\|storage" "$3"; then r8clear=$((r8clear + 1)); else r8bad="$r8bad $1(exit $2: $(head -c 80 "$3"))"; fi
	if [ "$4" = "$5" ]; then r8same=$((r8same + 1)); else r8bad="$r8bad $1(state)"; fi
}
D8="$T/r8dev"
new_device "$D8" "$SRV" "$URL" "$SPIN" "Басарбово,Николово"
"$BIN/gen-cases" --count 40 --seed 77 | sed 's/"locality":"[^"]*"/"locality":"Басарбово"/g' >"$T/r8.json"
rm -rf "$T/r8c"; cp -a "$D8" "$T/r8c"
FA_DATA="$T/r8c" FA_PIN=$PIN "$FA" import "$T/r8.json" >/dev/null 2>&1
ctl_import=$(device_view "$T/r8c")
for fault in pwrite64:error=ENOSPC:when=5+ pwrite64:error=ENOSPC:when=60+ pwrite64:error=EIO:when=200+ fdatasync:error=EIO:when=3+; do
	sc=${fault%%:*}
	rm -rf "$T/r8f"; cp -a "$D8" "$T/r8f"
	FA_DATA="$T/r8f" FA_PIN=$PIN strace -f -o /dev/null -e trace=$sc -e inject=$fault "$FA" import "$T/r8.json" >/dev/null 2>"$T/r8.err"
	rc=$?
	[ "$(FA_DATA="$T/r8f" FA_PIN=$PIN "$FA" check 2>&1)" = ok ] || r8bad="$r8bad import/$fault(integrity)"
	FA_DATA="$T/r8f" FA_PIN=$PIN "$FA" import "$T/r8.json" >/dev/null 2>&1
	r8check "import/$fault" $rc "$T/r8.err" "$(device_view "$T/r8f")" "$ctl_import"
done
# pull: the device receives the Басарбово records of the R1/R2 devices
rm -rf "$T/r8c"; cp -a "$D8" "$T/r8c"
FA_DATA="$T/r8c" FA_PIN=$PIN "$FA" sync --quiet --retries 0 >/dev/null 2>&1
ctl_pull=$(device_view "$T/r8c")
for fault in pwrite64:error=ENOSPC:when=20+ pwrite64:error=EIO:when=100+ fdatasync:error=EIO:when=1+; do
	sc=${fault%%:*}
	rm -rf "$T/r8f"; cp -a "$D8" "$T/r8f"
	FA_DATA="$T/r8f" FA_PIN=$PIN strace -f -o /dev/null -e trace=$sc -e inject=$fault "$FA" sync --quiet --retries 0 >/dev/null 2>"$T/r8.err"
	rc=$?
	[ "$(FA_DATA="$T/r8f" FA_PIN=$PIN "$FA" check 2>&1)" = ok ] || r8bad="$r8bad pull/$fault(integrity)"
	FA_DATA="$T/r8f" FA_PIN=$PIN "$FA" sync --quiet --retries 0 >/dev/null 2>&1
	r8check "pull/$fault" $rc "$T/r8.err" "$(device_view "$T/r8f")" "$ctl_pull"
done
# the server's merge: pushes while every write (or fsync) of the server
# fails, then again once it can write; against a server that never failed
P8A=$(rel_port 5); P8B=$(rel_port 6)
start_server "$T/r8a" $P8A "$T/r8a.log"; S8A=$SPID
start_server "$T/r8b" $P8B "$T/r8b.log"
U8A="https://127.0.0.1:$P8A"; U8B="https://127.0.0.1:$P8B"
TA8=$(raw_token "$T/r8a" "$U8A" Басарбово); TB8=$(raw_token "$T/r8b" "$U8B" Басарбово)
b=0
for fault in pwrite64:error=ENOSPC pwrite64:error=ENOSPC:when=3+ pwrite64:error=EIO:when=2+ fdatasync:error=EIO; do
	b=$((b + 1))
	sc=${fault%%:*}
	post "$TB8" "$U8B" /v1/push "$T/r3/b$b.json" >/dev/null
	before=$(q "$T/r8a/central.db" "SELECT count(*) FROM record")
	strace -f -p $S8A -o /dev/null -e trace=$sc -e inject=$fault 2>"$T/r8s.err" &
	stp=$!
	# (under load strace can take seconds to stop every thread)
	for _ in $(seq 400); do grep -q attached "$T/r8s.err" && break; sleep 0.05; done
	st=$(post "$TA8" "$U8A" /v1/push "$T/r3/b$b.json")
	cp "$T/resp" "$T/r8.err"
	kill $stp; wait $stp 2>/dev/null
	after=$(q "$T/r8a/central.db" "SELECT count(*) FROM record")
	# all of the batch or none of it
	d=$((after - before)); [ $d = 0 ] || [ $d = 20 ] || { r8half=$((r8half + 1)); r8bad="$r8bad server/$fault(half:$d)"; }
	[ "$st" = 503 ] && grep -q '"code":"unavailable"' "$T/r8.err" || echo "x" >"$T/r8.err"
	[ "$st" = 503 ] && st=1
	st2=$(post "$TA8" "$U8A" /v1/push "$T/r3/b$b.json")
	[ "$st2" = 200 ] || r8bad="$r8bad server/$fault(retry $st2)"
	r8check "server/$fault" "$st" "$T/r8.err" "$(state_hash "$T/r8a")" "$(state_hash "$T/r8b")"
done
if [ $r8clear = $r8n ] && [ $r8same = $r8n ] && [ $r8half = 0 ] && [ -z "$r8bad" ]; then
	pass "R8 faults=$r8n clear_errors=$r8clear half_applied=0 state_after=control($r8same/$r8n)"
else
	fail "R8 faults=$r8n clear_errors=$r8clear half_applied=$r8half same_as_control=$r8same:$r8bad"
fi
echo "R8 faults=$r8n (ENOSPC/EIO at write and fsync: import, pull, server merge) clear_errors=$r8clear/$r8n half_applied=$r8half state_equal_control=$r8same/$r8n"

# --- R9: a stolen device. Its captured requests replayed after it was
# revoked; its files (store, WAL, temporary files, what it printed)
# searched for planted national ids, names and addresses. ------------------
CN="КАНАРЧЕВ ЗЛАТЬО"; CNID=8888012345; CADDR="ул. Канарска 77"
D9="$T/r9a"; D9B="$T/r9b"
mkdir -p "$T/r9tmp"
new_device "$D9" "$SRV" "$URL" "$SPIN" "Тетово"
new_device "$D9B" "$SRV" "$URL" "$SPIN" "Тетово"
{
	H9=$(FA_DATA="$D9" FA_PIN=$PIN "$FA" household add --locality Тетово --head "$CN" --address "$CADDR")
	FA_DATA="$D9" FA_PIN=$PIN "$FA" person add --name "$CN" --birth-date 1944-04-04 --locality Тетово \
		--national-id $CNID --address "$CADDR" --household "$H9"
	FA_DATA="$D9" FA_PIN=$PIN TMPDIR="$T/r9tmp" "$FA" sync --retries 0
	# the second device receives them, and is killed at its last fsync
	FA_DATA="$D9B" FA_PIN=$PIN TMPDIR="$T/r9tmp" strace -f -o /dev/null -e trace=fdatasync \
		-e inject=fdatasync:signal=KILL:when=3 "$FA" sync --retries 0
} >"$T/r9.log" 2>&1
hits=0; files=0
search9() { # every file a thief would find, the WAL of a killed program included
	for f in $(find "$D9" "$D9B" "$T/r9tmp" -type f) "$T/r9.log"; do
		files=$((files + 1))
		for c in "$CN" "$CNID" "$CADDR" "Канарска"; do
			grep -qaF "$c" "$f" && { hits=$((hits + 1)); echo "     | $c in $f"; }
		done
	done
}
wal=$(find "$D9B" -name '*-wal' -size +0 | wc -l)
search9
FA_DATA="$D9B" FA_PIN=$PIN TMPDIR="$T/r9tmp" "$FA" sync --retries 0 >>"$T/r9.log" 2>&1
got9=$(q "$D9B/agent.db" "SELECT count(*) FROM remote")
search9
# replay what a device sent, after it was revoked
P9=$(rel_port 7); start_server "$T/r9s" $P9 "$T/r9s.log"; U9="https://127.0.0.1:$P9"
T9=$(raw_token "$T/r9s" "$U9" Басарбово)
post "$T9" "$U9" /v1/push "$T/r3/b1.json" >/dev/null; cp "$T/r3/b1.json" "$T/r9.cap1"
mkbatch 9 3; cp "$T/r3/b93.json" "$T/r9.cap2"
"$SS" device revoke "${T9%%.*}" --data "$T/r9s" >/dev/null 2>&1
accepted=0; replays=0
for f in "$T/r9.cap1" "$T/r9.cap2"; do
	replays=$((replays + 1)); st=$(post "$T9" "$U9" /v1/push "$f")
	{ [ "$st" = 401 ] && grep -q device_revoked "$T/resp"; } || accepted=$((accepted + 1))
done
for qs in "cursor=0" "cursor=5&limit=10"; do
	replays=$((replays + 1)); st=$(get "$T9" "$U9" "/v1/pull?$qs")
	[ "$st" = 401 ] || accepted=$((accepted + 1))
done
# the real agent of a revoked device
DEV9=$(q "$D9/agent.db" "SELECT CAST(value AS TEXT) FROM sync_state WHERE key = 'device_id'")
"$SS" device revoke "$DEV9" --data "$SRV" >/dev/null 2>&1
FA_DATA="$D9" FA_PIN=$PIN "$FA" person add --name "R9 СЛЕД" --birth-date 1950-01-01 --locality Тетово >/dev/null
replays=$((replays + 1))
FA_DATA="$D9" FA_PIN=$PIN "$FA" sync --retries 0 >/dev/null 2>"$T/r9.err" && accepted=$((accepted + 1))
grep -q device_revoked "$T/r9.err" || accepted=$((accepted + 1))
if [ $hits = 0 ] && [ $accepted = 0 ] && [ "$wal" -ge 1 ] && [ "$got9" -ge 2 ]; then
	pass "R9 replays_after_revocation=$replays accepted=0 canary_hits=0 files=$files"
else
	fail "R9 replays=$replays accepted=$accepted canary_hits=$hits files=$files wal=$wal received=$got9"
fi
echo "R9 replays_after_revocation=$replays accepted=$accepted plaintext_hits=$hits files_searched=$files wal_files=$wal (wrong PIN limit: tests/it/agent.sh)"

# --- R10: every route of sync-server/api.c, tried without a credential,
# with a made-up token, with another device's id and a wrong token, as a
# revoked device, and across localities; every refusal audited. ----------
PUBLIC_ROUTES="/v1/enroll /v1/health /v1/server-key / /web/x"
routes=$(grep -o '{"[A-Z]*", *"/[^"]*"' "$ROOT/sync-server/api.c" | sed 's/{"\([A-Z]*\)", *"\([^"]*\)"/\1 \2/' | tr ' ' '|')
TOK10=$(raw_token "$T/r9s" "$U9" Николово)
ID10=${TOK10%%.*}
audit_before=$(q "$T/r9s/central.db" "SELECT count(*) FROM audit WHERE action = 'request_refused'")
tried=0; refused=0; wrong=""
echo '{}' >"$T/empty.json"
for r in $routes; do
	m=${r%%|*}; p=${r#*|}; p=$(echo "$p" | sed 's/\*$/x/')
	case " $PUBLIC_ROUTES " in *" $p "*) continue;; esac
	for cred in "" "garbage" "$ID10.0000000000000000000000000000000000000000000000000000000000000000" "$T9"; do
		tried=$((tried + 1))
		if [ "$m" = GET ]; then
			st=$(curl -sk -o "$T/resp" -w '%{http_code}' ${cred:+-H "Authorization: Bearer $cred"} "$U9$p")
		else
			st=$(curl -sk -o "$T/resp" -w '%{http_code}' -X "$m" -H "Content-Type: application/json" \
				${cred:+-H "Authorization: Bearer $cred"} --data-binary @"$T/empty.json" "$U9$p")
		fi
		if [ "$st" = 401 ] && grep -q '"error"' "$T/resp"; then refused=$((refused + 1)); else wrong="$wrong $m$p:$st"; fi
	done
done
# across localities: a Николово device pushing a Басарбово record
tried=$((tried + 1))
st=$(post "$TOK10" "$U9" /v1/push "$T/r3/b2.json")
[ "$st" = 403 ] && grep -q forbidden "$T/resp" && refused=$((refused + 1)) || wrong="$wrong locality:$st"
# ... and its pull shows nothing of Басарбово
get "$TOK10" "$U9" "/v1/pull?cursor=0" >/dev/null
tried=$((tried + 1))
grep -q 'Басарбово' "$T/resp" && wrong="$wrong pull-leaks-locality" || refused=$((refused + 1))
# the web interface: no session, a viewer on a coordinator's actions, a
# coordinator of one village on the audit trail and on another's case, a
# POST without its CSRF token
printf 'rel-viewer-pw-1\n' | "$SS" user add relviewer --role viewer --localities Николово --data "$T/r9s" >/dev/null 2>&1
printf 'rel-coord-pw-1\n' | "$SS" user add relcoord --role coordinator --localities Николово --data "$T/r9s" >/dev/null 2>&1
wlogin() { # user password jar -> csrf token
	curl -sk -o "$T/resp" -c "$3" -H 'Content-Type: application/json' -H "Origin: $U9" \
		--data-binary "{\"user\":\"$1\",\"password\":\"$2\"}" "$U9/api/login" >/dev/null
	sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' "$T/resp"
}
wreq() { # want jar csrf method path -> counts
	tried=$((tried + 1))
	if [ "$4" = GET ]; then
		st=$(curl -sk -o "$T/resp" -w '%{http_code}' ${2:+-b "$2"} "$U9$5")
	else
		st=$(curl -sk -o "$T/resp" -w '%{http_code}' ${2:+-b "$2"} ${3:+-H "X-CSRF-Token: $3"} \
			-H 'Content-Type: application/json' -H "Origin: $U9" --data-binary '{"id":"x"}' "$U9$5")
	fi
	if [ "$st" = "$1" ]; then refused=$((refused + 1)); else wrong="$wrong web:$4$5:$st(want $1)"; fi
}
VCSRF=$(wlogin relviewer rel-viewer-pw-1 "$T/jar.v")
CCSRF=$(wlogin relcoord rel-coord-pw-1 "$T/jar.c")
[ -n "$VCSRF" ] && [ -n "$CCSRF" ] || wrong="$wrong web-login"
for p in /api/me /api/cases /api/devices /api/audit; do wreq 401 "" "" GET $p; done
for p in /api/device/revoke /api/conflict/resolve; do wreq 401 "" "" POST $p; done
for p in /api/device/enroll /api/device/revoke /api/conflict/resolve; do wreq 403 "$T/jar.v" "$VCSRF" POST $p; done
wreq 403 "$T/jar.v" "" GET /api/audit
wreq 403 "$T/jar.c" "" GET /api/audit
wreq 403 "$T/jar.c" "" POST /api/device/revoke
web403=$refused
# another village's record is not shown to exist (404, not counted as audited)
OTHER9=$(q "$T/r9s/central.db" "SELECT id FROM record WHERE locality = 'Басарбово' LIMIT 1")
wreq 404 "$T/jar.c" "" GET "/api/case?id=$OTHER9"
hidden=1
curl -sk -b "$T/jar.c" "$U9/api/cases" | grep -q 'Басарбово' && { hidden=0; wrong="$wrong web-cases-leak-locality"; }
audit_after=$(q "$T/r9s/central.db" "SELECT count(*) FROM audit WHERE action = 'request_refused'")
audited=$((audit_after - audit_before))
# each refused request audited; not the 404 (nothing refused: nothing
# shown) nor the pull that showed nothing of another village
want_audit=$((tried - 2))
if [ $refused = $tried ] && [ $audited = $want_audit ] && [ $hidden = 1 ]; then
	pass "R10 routes=$(echo $routes | wc -w) attempts=$tried refused=$refused audited=$audited"
else
	fail "R10 attempts=$tried refused=$refused audited=$audited/$want_audit:$wrong"
fi
echo "R10 routes=$(echo $routes | wc -w) (public: $PUBLIC_ROUTES) attempts=$tried refused=$refused audited=$audited/$want_audit other_village_hidden=$hidden"

# --- R12: canaries in what is published: the ranking (JSON and text),
# the server's log -----------------------------------------------------------
"$BIN/gen-cases" --count 30 --seed 12 | sed "s/\"name\":\"[^\"]*\"/\"name\":\"$CN\"/; s/\"national_id\":\"[^\"]*\"/\"national_id\":\"$CNID\"/; s/\"address\":\"[^\"]*\"/\"address\":\"$CADDR\"/" >"$T/r12.json"
D12="$T/r12dev"
LOC12=$(grep -o '"locality":"[^"]*"' "$T/r12.json" | cut -d'"' -f4 | sort -u | paste -sd, -)
new_device "$D12" "$SRV" "$URL" "$SPIN" "$LOC12"
FA_DATA="$D12" FA_PIN=$PIN "$FA" import "$T/r12.json" >/dev/null 2>&1
FA_DATA="$D12" FA_PIN=$PIN "$FA" sync --retries 0 >"$T/r12.sync" 2>&1
planted=$(grep -c "$CNID" "$T/r12.json")
"$SS" assessments --data "$SRV" bg-independent-living >"$T/r12.central.json"
incentral=$(grep -o "$CNID" "$T/r12.central.json" | wc -l)
"$SS" rank --cases "$T/r12.central.json" >"$T/pub.rank.json" 2>&1
"$SS" rank --cases "$T/r12.central.json" --format text >"$T/pub.rank.txt" 2>&1
# the round's public list in every format, and the programme report
R12() { SS_ACTOR=rel "$SS" round "$@" --data "$SRV"; }
R12 create rel-12 --municipality Русе --service "Асистентска подкрепа" --localities "$LOC12" \
	--from 2000-01-01 --to 2030-12-31 >/dev/null 2>&1
R12 run rel-12 >/dev/null 2>&1
R12 lock rel-12 >/dev/null 2>&1
for fmt in csv html json; do R12 publish rel-12 --format $fmt --out "$T/pub.list.$fmt" >/dev/null 2>"$T/pub.list.$fmt.err"; done
for fmt in json csv html; do "$SS" report --data "$SRV" --from 2000-01-01 --to 2030-12-31 --format $fmt >"$T/pub.report.$fmt" 2>&1; done
published=$(ls "$T"/pub.list.* 2>/dev/null | grep -vc '\.err$')
kill $SPID 2>/dev/null
c12=0; outs=0
for f in "$T"/pub.* "$T/srv.log" "$T/r4.log" "$T/r8a.log" "$T/r9s.log" "$T/r12.sync"; do
	outs=$((outs + 1))
	for c in "$CN" "$CNID" "$CADDR" "Канарска"; do
		grep -qaF "$c" "$f" && { c12=$((c12 + 1)); echo "     | $c in $(basename "$f")"; }
	done
done
if [ $c12 = 0 ] && [ "$incentral" -gt 0 ] && [ -s "$T/pub.rank.json" ] && [ -s "$T/pub.list.csv" ] && [ -s "$T/pub.list.html" ]; then
	pass "R12 canaries_planted=$planted outputs=$outs found=0"
else
	fail "R12 canaries found=$c12 (planted $planted, reached the server $incentral; public lists $(cat "$T"/pub.list.*.err 2>/dev/null | head -c 200))"
fi
echo "R12 canaries_planted=$planted outputs_searched=$outs found=$c12"
finish
