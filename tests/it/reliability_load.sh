#!/bin/sh
# R11: the server holds load. LOAD_DEVICES simulated devices, each from its
# own loopback address (127.0.0.2 …) as a real device has its own, make
# LOAD_REQUESTS requests each (pulls and pushes), all at once, each device
# one curl process over one kept-alive connection; meanwhile LOAD_SLOW clients open a connection,
# send half a request and never finish. Twice, to see memory stay flat.
#
# Must hold: 0 errors for the well-behaved devices, every slow client cut
# by the idle timeout (LOAD_TIMEOUT seconds) without starving the others,
# p99 latency reported, resident memory flat between the two rounds.
# Bounded in `make test`; `make load` runs 100 devices x 30 requests.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/rel/env.sh"
N=${LOAD_DEVICES:-16}
R=${LOAD_REQUESTS:-10}
SLOW=${LOAD_SLOW:-8}
TO=${LOAD_TIMEOUT:-3}
command -v openssl >/dev/null || { fail "openssl is needed"; finish; exit 1; }
PORT=$(rel_port 9)
U="https://127.0.0.1:$PORT"
start_server "$T/srv" $PORT "$T/srv.log" --timeout $TO --threads 4 --log-level 1 ||
	{ fail "server did not start"; cat "$T/srv.log"; finish; exit 1; }
LSPID=$SPID
# devices: one-time codes made in one go, spent over the protocol
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	"$SS" device enroll "Load $i" Басарбово --data "$T/srv" >"$T/e$i" 2>&1
done
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	printf '{"code":"%s","device_name":"load%d"}' "$(code_of "$T/e$i")" $i >"$T/ej"
	curl -sk --interface "127.0.0.$((i + 1))" -H "Content-Type: application/json" --data-binary @"$T/ej" "$U/v1/enroll" |
		sed 's/.*"device_id":"\([^"]*\)".*"token":"\([0-9a-f]*\)".*/\1.\2/' >"$T/tok$i"
done
mkcfg() { # round -> $T/load.<i>.cfg: each device's requests, pushes of 5 new records and pulls
	i=0
	while [ $i -lt $N ]; do
		i=$((i + 1)); tok=$(cat "$T/tok$i")
		: >"$T/load.$i.cfg"
		j=0
		while [ $j -lt $R ]; do
			j=$((j + 1))
			if [ $((j % 2)) = 1 ]; then
				f="$T/p.$1.$i.$j.json"
				{
					printf '{"batch":"%08x-%04x-4%03x-8000-%012x","records":[' "$1" "$i" "$j" "$i"
					for k in 1 2 3 4 5; do
						body=$(printf '{"locality":"Басарбово","name":"НАТОВАРВАНЕ %d %d %d %d","sex":"m","address":"ул. 1"}' "$1" "$i" "$j" "$k")
						[ $k -gt 1 ] && printf ','
						printf '{"kind":"person","id":"%08x-%04x-4%03x-8%03x-%012x","rev":1,"base":null,"hash":"%s","body":%s}' \
							"$1" "$i" "$j" "$k" "$i" "$(sha "$body")" "$body"
					done
					printf ']}'
				} >"$f"
				printf 'url = "%s/v1/push"\nheader = "Content-Type: application/json"\ndata-binary = "@%s"\n' "$U" "$f"
			else
				printf 'url = "%s/v1/pull?cursor=%d&limit=100"\n' "$U" $((j * 10))
			fi >>"$T/load.$i.cfg"
			# options hold for one transfer each (`next`), -k too
			printf 'insecure\nheader = "Authorization: Bearer %s"\ninterface = "127.0.0.%d"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{time_total}\\n"\nnext\n' \
				"$tok" $((i + 1)) >>"$T/load.$i.cfg"
		done
		sed -i '$d' "$T/load.$i.cfg"
	done
}
rss() { awk '/^VmRSS:/ { print $2 }' /proc/$LSPID/status; }
slow_clients() { # SLOW connections that send half a request and wait; each writes its lifetime
	k=0
	while [ $k -lt $SLOW ]; do
		k=$((k + 1))
		# the time is taken around the client alone: the sleep feeding it
		# outlives it when the server hangs up
		{ printf 'POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'; sleep $((TO * 3)); } |
			{
				s=$(date +%s%N)
				timeout $((TO * 3)) openssl s_client -quiet -connect 127.0.0.1:$PORT >/dev/null 2>&1
				echo $(( ($(date +%s%N) - s) / 1000000 )) >"$T/slow.$1.$k"
			} &
	done
}
round() { # n -> prints: errors p99_ms max_ms requests
	mkcfg $1
	slow_clients $1
	sleep 0.3
	# every device at once, each over its one connection (kept alive), as
	# the field agent does
	i=0
	while [ $i -lt $N ]; do
		i=$((i + 1))
		curl -sk -K "$T/load.$i.cfg" >"$T/lat.$1.$i" 2>/dev/null &
	done
	wait
	cat "$T"/lat.$1.* >"$T/lat.$1"
	total=$(wc -l <"$T/lat.$1")
	errors=$(awk '$1 != 200' "$T/lat.$1" | wc -l)
	p99=$(awk '{ print int($2 * 1000) }' "$T/lat.$1" | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print a[i] }')
	max=$(awk '{ print int($2 * 1000) }' "$T/lat.$1" | sort -n | tail -1)
	echo "$errors $p99 $max $total"
}
rss0=$(rss)
set -- $(round 1); e1=$1; p1=$2; m1=$3; n1=$4
rss1=$(rss)
set -- $(round 2); e2=$1; p2=$2; m2=$3; n2=$4
rss2=$(rss)
# slow clients: each cut by the server near the idle timeout, none left to
# the test's own limit (3 x the timeout)
cut=0; slowest=0
for f in "$T"/slow.*; do
	ms=$(cat "$f")
	[ "$ms" -lt $((TO * 3000 - 500)) ] && cut=$((cut + 1))
	[ "$ms" -gt $slowest ] && slowest=$ms
done
nslow=$(ls "$T"/slow.* | wc -l)
alive=$(curl -sk -o /dev/null -w '%{http_code}' "$U/v1/health")
stored=$(q "$T/srv/central.db" "SELECT count(*) FROM record")
want=$(( 2 * N * ( (R + 1) / 2 ) * 5 ))
grow=$((rss2 - rss1))
# flat: the second round, as heavy as the first, adds less than 8 MiB or 10 %
flat=0; [ $grow -lt 8192 ] || [ $grow -lt $((rss1 / 10)) ] && flat=1
# under AddressSanitizer freed memory waits in quarantine: RSS says nothing
case "$BIN" in *asan*) flat="n/a(asan)";; esac
kill $LSPID 2>/dev/null; [ -n "${LOAD_DEBUG:-}" ] && { sort "$T/lat.1" | cut -d" " -f1 | uniq -c; echo "pid $LSPID"; cat "$T"/slow.*; tail -5 "$T/srv.log"; head -12 "$T/load.1.cfg"; }
line="R11 devices=$N requests=$((n1 + n2)) errors=$((e1 + e2)) p99_ms=$p1/$p2 max_ms=$m1/$m2 stored=$stored/$want slow=$nslow cut_by_timeout=$cut slowest_ms=$slowest rss_kb=$rss0/$rss1/$rss2 flat=$flat alive=$alive"
if [ $((e1 + e2)) = 0 ] && [ "$stored" = $want ] && [ $cut = $nslow ] && [ "$flat" != 0 ] && [ "$alive" = 200 ]; then
	pass "$line"
else
	fail "$line"
fi
echo "$line"
finish
