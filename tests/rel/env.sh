# Shared set-up of the reliability tests (tests/it/reliability*.sh), sourced
# after tests/it/lib.sh: a sync server on loopback with real TLS, devices
# enrolled through the real protocol, and helpers to read both stores.
FA="$BIN/field-agent"
SS="$BIN/sync-server"
export LC_ALL=C.UTF-8
PIN=2468
SPIDS=""
for tool in curl sqlite3 strace; do
	command -v $tool >/dev/null || { fail "$tool is needed (scripts/deps.sh installs it)"; finish; exit 1; }
done
rel_cleanup() {
	for p in $SPIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap rel_cleanup EXIT
# a free port of our own: derived from the pid, moved on if taken
rel_port() {
	p=$(( 21000 + ($$ * 7 + ${1:-0} * 101) % 30000 ))
	while ss -ltn 2>/dev/null | grep -q ":$p "; do p=$((p + 1)); done
	echo $p
}
# start_server DIR PORT LOG [extra serve options]: waits until it listens;
# SPID is its pid
start_server() {
	d=$1; p=$2; l=$3; shift 3
	"$SS" serve --data "$d" --port "$p" --threads 4 "$@" >>"$l" 2>&1 &
	SPID=$!
	SPIDS="$SPIDS $SPID"
	for _ in $(seq 200); do
		curl -sk -o /dev/null "https://127.0.0.1:$p/v1/health" 2>/dev/null && return 0
		kill -0 $SPID 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
code_of() { sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$1"; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
pin_of() { sed -n 's/^server key pin //p' "$1" | tail -1; }
# new_device DIR SRVDIR URL SPIN LOCALITIES: a field agent, initialised and
# enrolled; prints nothing
new_device() {
	"$SS" device enroll "Rel $(basename "$1")" "$5" --data "$2" >"$T/enr.$$" 2>&1
	FA_DATA="$1" FA_PIN=$PIN "$FA" init --kdf-ms 5 >/dev/null
	FA_DATA="$1" FA_PIN=$PIN "$FA" enroll "$3" "$(code_of "$T/enr.$$")" --pin "$4" --name "$(basename "$1")" >/dev/null 2>&1
}
# raw_token SRVDIR URL LOCALITIES: enrolls with curl, prints "id.token"
raw_token() {
	"$SS" device enroll "Raw" "$3" --data "$1" >"$T/renr.$$" 2>&1
	printf '{"code":"%s","device_name":"raw"}' "$(code_of "$T/renr.$$")" >"$T/renr.json"
	curl -sk -H "Content-Type: application/json" --data-binary @"$T/renr.json" "$2/v1/enroll" |
		sed 's/.*"device_id":"\([^"]*\)".*"token":"\([0-9a-f]*\)".*/\1.\2/'
}
# post TOKEN URL PATH FILE -> prints the status, body in $T/resp
post() {
	curl -sk -o "$T/resp" -w '%{http_code}' -H "Content-Type: application/json" \
		-H "Authorization: Bearer $1" --data-binary @"$4" "$2$3"
}
get() {
	curl -sk -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $1" "$2$3"
}
outbox_left() { FA_DATA="$1" FA_PIN=$PIN "$FA" outbox | sed -n 's/^Waiting to sync: //p'; }
# q DB SQL: a read-only query of a SQLite file in use (WAL)
q() { sqlite3 -readonly -cmd ".timeout 5000" "$1" "$2"; }
# state_hash SRVDIR: a hash of what the server holds that must not depend
# on order or timing: every record's id, kind, head and body, every
# revision a device sent, the conflicts by record and fields. (Merges the
# server made on the way, and which revision a conflict names, are history
# that depends on arrival order; the heads they lead to must not.)
state_hash() {
	db="$1/central.db"
	{
		q "$db" "SELECT id, kind, locality, head, body, conflict IS NOT NULL FROM record ORDER BY id"
		q "$db" "SELECT hash, kind, record_id, base, body FROM revision WHERE device_id <> 'server' ORDER BY hash"
		q "$db" "SELECT record_id, fields, status FROM conflict ORDER BY record_id, fields, status"
	} | sha256sum | cut -c1-16
}
