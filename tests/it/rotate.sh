#!/bin/sh
# Rotating the server's TLS certificate without breaking enrolled devices
# (docs/operator-guide.md): a backup pin (the key of the next certificate)
# is configured before devices enroll; after the rotation a device accepts
# the new certificate because its key is pinned, stores it and the new
# backup pin, and syncs on; a second rotation works the same way. A device
# without the backup pin refuses a new key, but accepts a renewed
# certificate with the same key. An impostor is refused before anything
# is sent, and a malformed backup pin is refused by the server.
. "$(dirname "$0")/lib.sh"
FA="$BIN/field-agent"
SS="$BIN/sync-server"
export LC_ALL=C.UTF-8
command -v openssl >/dev/null || { echo "FAIL openssl is needed"; echo "0 passed, 1 failed"; exit 1; }
PORT=$(( 20000 + ($$ + 13) % 20000 ))
SRV="$T/srv"
PIN=2468
SPID=""
trap 'kill $SPID 2>/dev/null; rm -rf "$T"' EXIT
URL="https://127.0.0.1:$PORT"
start_server() { # $1 data dir, $2 log, then settings
	d=$1; log=$2; shift 2
	"$SS" serve --data "$d" --port $PORT --threads 2 "$@" >"$log" 2>&1 &
	SPID=$!
	for _ in $(seq 200); do grep -q "listening" "$log" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
stop_server() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""; }
key_pin() { # the pin of a PEM key, as curl and the devices compute it
	printf 'sha256//%s' "$(openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | base64)"
}
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }
cert_for() { # key -> certificate for localhost and 127.0.0.1, in $2
	openssl req -x509 -new -key "$1" -days 3650 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out "$2" 2>/dev/null
}
code_of() { sed -n 's/^enrollment code *\([A-Z0-9-]*\).*/\1/p' "$1"; }
enroll() { # device dir, then settings of the server
	dev=$1; shift
	"$SS" device enroll "Мария Иванова" "Басарбово" --data "$SRV" --port $PORT "$@" >"$T/code.txt"
	FA_DATA=$dev FA_PIN=$PIN "$FA" init --kdf-ms 20 >/dev/null
	FA_DATA=$dev FA_PIN=$PIN "$FA" enroll "$URL" "$(code_of "$T/code.txt")" --pin "$(sed -n 's/^server key pin *//p' "$T/code.txt")" >/dev/null 2>&1
}
add_person() { FA_DATA=$1 FA_PIN=$PIN "$FA" person add --name "$2" --birth-date 1950-03-01 --locality Басарбово >/dev/null; }

# device B enrolls before any backup pin is configured
start_server "$SRV" "$T/s0.log" || { fail "server did not start"; cat "$T/s0.log"; finish; exit 1; }
PIN0=$(sed -n 's/^server key pin //p' "$T/s0.log")
enroll "$T/devB" && pass "device B enrolled (no backup pin yet)" || fail "device B enroll"
stop_server

# --- a backup pin is configured; device A enrolls ----------------------------
new_key "$T/next1.key"
BPIN1=$(key_pin "$T/next1.key")
expect_status 1 "serve: a malformed backup pin is refused" "$SS" serve --data "$SRV" --port $PORT --backup-pin "sha256//short="
expect_grep "backup-pin" "$T/err" "serve: says which setting is wrong"
expect_status 1 "serve: the current key's own pin is refused as backup pin" "$SS" serve --data "$SRV" --port $PORT --backup-pin "$PIN0"
start_server "$SRV" "$T/s1.log" --backup-pin "$BPIN1" || fail "server with a backup pin did not start"
expect_grep "^backup pin $BPIN1" "$T/s1.log" "serve: prints the backup pin"
"$SS" device enroll "Мария Иванова" "Басарбово" --data "$SRV" --port $PORT --backup-pin "$BPIN1" >"$T/e.txt"
expect_grep "^backup pin  *$BPIN1" "$T/e.txt" "device enroll: prints the backup pin"
enroll "$T/devA" --backup-pin "$BPIN1" && pass "device A enrolled (gets the backup pin)" || fail "device A enroll"
add_person "$T/devA" "ИВАН ПЕТРОВ"
expect_status 0 "device A syncs" env FA_DATA="$T/devA" FA_PIN=$PIN "$FA" sync --retries 0
stop_server

# --- rotation 1: the new certificate uses the backup key ---------------------
mv "$SRV/server.crt" "$T/old.crt"; mv "$SRV/server.key" "$T/old.key"
cp "$T/next1.key" "$SRV/server.key"
cert_for "$SRV/server.key" "$SRV/server.crt"
new_key "$T/next2.key"
BPIN2=$(key_pin "$T/next2.key")
start_server "$SRV" "$T/s2.log" --backup-pin "$BPIN2" || fail "rotated server did not start"
[ "$(sed -n 's/^server key pin //p' "$T/s2.log")" = "$BPIN1" ] && pass "rotated server's key pin is the old backup pin" || fail "rotated pin $(sed -n 's/^server key pin //p' "$T/s2.log")"
add_person "$T/devA" "ЕЛЕНА ПЕТРОВА"
expect_status 0 "device A syncs after the rotation" env FA_DATA="$T/devA" FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 1 (new 1" "$T/out" "its new record is applied"
expect_grep "new certificate" "$T/err" "device A says it stored the new certificate"
expect_status 0 "device A syncs again" env FA_DATA="$T/devA" FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 0 .* 1 requests" "$T/out" "the next sync uses the stored certificate (1 request)"
expect_no_grep "new certificate" "$T/err" "no second change of certificate"
expect_status 4 "device B (no backup pin) refuses the new key" env FA_DATA="$T/devB" FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "does not match the pin" "$T/err" "device B says the key does not match its pin"
stop_server

# --- rotation 2: the device learned the next backup pin ----------------------
cp "$T/next2.key" "$SRV/server.key"
cert_for "$SRV/server.key" "$SRV/server.crt"
start_server "$SRV" "$T/s3.log" || fail "second rotation: no server"
add_person "$T/devA" "ГЕОРГИ ГЕОРГИЕВ"
expect_status 0 "device A syncs after a second rotation" env FA_DATA="$T/devA" FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "sent 1 (new 1" "$T/out" "its record is applied"
stop_server

# --- renewal with the same key: a device without a backup pin goes on ---------
cp "$T/old.key" "$SRV/server.key"
cert_for "$SRV/server.key" "$SRV/server.crt"
start_server "$SRV" "$T/s4.log" || fail "renewed server did not start"
expect_status 0 "device B accepts a renewed certificate with the same key" env FA_DATA="$T/devB" FA_PIN=$PIN "$FA" sync --retries 0
stop_server

# --- an impostor: another key, same port; nothing is sent --------------------
start_server "$T/impostor" "$T/s5.log" --backup-pin "$BPIN2" || fail "impostor did not start"
add_person "$T/devA" "ТАЙНО ИМЕ"
expect_status 4 "device A refuses an impostor" env FA_DATA="$T/devA" FA_PIN=$PIN "$FA" sync --retries 0
expect_grep "does not match the pin" "$T/err" "says the key does not match"
n=$(grep -c "/v1/" "$T/s5.log")
[ "$n" = 0 ] && pass "no request reached the impostor" || fail "$n requests reached the impostor"
finish
