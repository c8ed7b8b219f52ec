#!/bin/sh
# The Debian packages in a clean Debian 12 root (debootstrap, from the
# mirror; tests/pkg/chroot-base.sh), no container: apt install ./*.deb, the
# service's user, data directory and enabled unit, the server started the
# way the unit starts it (its ExecStart, as its User, with its UMask:
# there is no systemd running in a chroot), a device enrolled and synced
# with the installed field-agent, then an upgrade (data and edited
# configuration kept, sync goes on), removal (data kept) and purge (data
# gone). Needs root (chroot, mount). Ends with `N passed, N failed`.
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
[ "$(id -u)" = 0 ] || { echo "deb-chroot: needs root"; echo "0 passed, 1 failed"; exit 1; }
ls build/deb/sync-server_*.deb >/dev/null 2>&1 || { echo "deb-chroot: run make deb first"; exit 1; }
base=$(tests/pkg/chroot-base.sh) || exit 1
R=$(mktemp -d /var/tmp/fieldassess-pkg/test.XXXXXX)
npass=0; nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	sleep 0.2
	for m in dev/pts dev proc; do umount "$R/$m" 2>/dev/null; done
	rm -rf "$R"
}
trap cleanup EXIT
tar -C "$R" -xf "$base"
chmod 755 "$R"   # the root of the chroot, as / is
cp /etc/resolv.conf "$R/etc/resolv.conf"
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"; }
mkdir -p "$R/tmp/debs" "$R/tmp/debs2"
cp build/deb/*.deb "$R/tmp/debs/"
rm -f "$R"/tmp/debs/*dbgsym*
cp tests/fixtures/ruse-wizard.txt "$R/tmp/"
PORT=$(( 30000 + $$ % 20000 ))

# --- install -------------------------------------------------------------------
in_root apt-get update -qq >"$R/tmp/apt.log" 2>&1
if in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./tmp/debs/fieldassess-common_*.deb ./tmp/debs/sync-server_*.deb ./tmp/debs/field-agent_*.deb' >>"$R/tmp/apt.log" 2>&1; then
	pass "apt install ./*.deb in a clean Debian 12 root"
else
	fail "apt install"; tail -20 "$R/tmp/apt.log"; echo "$npass passed, $nfail failed"; exit 1
fi
in_root getent passwd sync-server >/dev/null && pass "service user sync-server made" || fail "no sync-server user"
[ "$(in_root stat -c '%U %a' /var/lib/sync-server)" = "sync-server 700" ] && pass "/var/lib/sync-server: sync-server, 0700" || fail "data dir: $(in_root stat -c '%U %a' /var/lib/sync-server)"
[ "$(in_root stat -c '%U:%G %a' /etc/sync-server/sync-server.conf)" = "root:sync-server 640" ] && pass "configuration root:sync-server 0640" || fail "conf: $(in_root stat -c '%U:%G %a' /etc/sync-server/sync-server.conf)"
[ -L "$R/etc/systemd/system/multi-user.target.wants/sync-server.service" ] && pass "unit enabled (multi-user.target.wants)" || fail "unit not enabled"
[ -L "$R/etc/systemd/system/timers.target.wants/sync-server-backup.timer" ] && pass "daily backup timer enabled" || fail "backup timer not enabled"
if in_root systemd-analyze verify /lib/systemd/system/sync-server.service /lib/systemd/system/sync-server-backup.service \
	/lib/systemd/system/sync-server-backup.timer >"$R/tmp/verify.log" 2>&1; then
	pass "systemd-analyze verify: the unit is valid"
else
	# a minimal root has no man(1) to check Documentation= with
	if grep -v "Command 'man " "$R/tmp/verify.log" | grep -q .; then
		fail "unit: $(head -3 "$R/tmp/verify.log")"
	else
		pass "systemd-analyze verify: the unit is valid (no man(1) here to check Documentation=)"
	fi
fi
exp=$(in_root systemd-analyze security --offline=true /lib/systemd/system/sync-server.service 2>/dev/null | sed -n 's/.*Overall exposure level for sync-server.service: \([0-9.]*\).*/\1/p')
[ -n "$exp" ] && awk -v x="$exp" 'BEGIN { exit !(x <= 2.0) }' && pass "unit hardening: systemd exposure level $exp (<= 2.0)" || fail "unit exposure level '$exp'"
in_root man -w sync-server >/dev/null 2>&1 || [ -f "$R/usr/share/man/man8/sync-server.8.gz" ] && pass "manual pages installed" || fail "no man page"

# --- the service -----------------------------------------------------------------
sed -i "s/^port = .*/port = $PORT/" "$R/etc/sync-server/sync-server.conf"
unit="$R/lib/systemd/system/sync-server.service"
EXEC=$(sed -n 's/^ExecStart=//p' "$unit")
USR=$(sed -n 's/^User=//p' "$unit")
UMASK=$(sed -n 's/^UMask=//p' "$unit")
start_service() { # as systemd would: the unit's user, umask and command
	# not through in_root: $! must be the server itself (chroot, env,
	# setpriv and sh all exec)
	: >"$R/tmp/server.log"
	chroot "$R" /usr/bin/env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 setpriv --reuid "$USR" --regid "$USR" \
		--init-groups sh -c "umask $UMASK; exec $EXEC" >"$R/tmp/server.log" 2>&1 &
	SPID=$!
	for _ in $(seq 200); do grep -q listening "$R/tmp/server.log" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
stop_service() {
	kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""
	command -v fuser >/dev/null && fuser "$PORT/tcp" >/dev/null 2>&1 && fail "the server still listens after SIGTERM"
}
if start_service; then pass "service command starts as $USR on port $PORT"; else fail "server did not start"; cat "$R/tmp/server.log"; fi
[ "$(in_root stat -c '%U %a' /var/lib/sync-server/server.key)" = "sync-server 600" ] && pass "generated key: sync-server, 0600" || fail "key: $(in_root stat -c '%U %a' /var/lib/sync-server/server.key)"
ADM="setpriv --reuid sync-server --regid sync-server --init-groups sync-server"
CONF="--config /etc/sync-server/sync-server.conf"
in_root $ADM device enroll "Мария Иванова" "Басарбово" $CONF >"$R/tmp/enroll.txt" 2>&1 && pass "device enroll (as sync-server, with the packaged config)" || { fail "device enroll"; cat "$R/tmp/enroll.txt"; }
CMD=$(sed -n 's/^on the device: *//p' "$R/tmp/enroll.txt")
in_root sh -c "export FA_DATA=/root/dev FA_PIN=2468; field-agent init --kdf-ms 20 >/dev/null && $CMD" >"$R/tmp/fa.log" 2>&1 && pass "installed field-agent enrolled" || { fail "enroll"; cat "$R/tmp/fa.log"; }
in_root sh -c 'export FA_DATA=/root/dev FA_PIN=2468
P=$(field-agent person add --name "ИВАН ПЕТРОВ" --birth-date 1950-03-01 --locality Басарбово)
field-agent assess --person "$P" --instrument bg-independent-living --registered-on 2026-02-25 --assessed-on 2026-03-01 </tmp/ruse-wizard.txt >/dev/null 2>&1
field-agent sync --retries 0' >"$R/tmp/sync1.log" 2>&1 && grep -q "sent 2 (new 2" "$R/tmp/sync1.log" && pass "assessment made with the installed instruments and synced" || { fail "sync 1"; cat "$R/tmp/sync1.log"; }
code=$(curl -sk -o "$R/tmp/web.html" -w '%{http_code}' "https://127.0.0.1:$PORT/")
[ "$code" = 200 ] && grep -qi "<html" "$R/tmp/web.html" && pass "web interface served by the installed server (embedded assets)" || fail "web: HTTP $code"
# the backup unit's command, as the timer runs it
BEXEC=$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/sync-server-backup.service")
in_root setpriv --reuid sync-server --regid sync-server --init-groups sh -c "umask 077; exec $BEXEC" >"$R/tmp/bk.log" 2>&1 \
	&& [ -f "$(ls -d "$R"/var/backups/sync-server/2*/ | head -1)/central.db" ] && pass "daily backup unit's command: a backup in /var/backups/sync-server" \
	|| { fail "backup unit"; cat "$R/tmp/bk.log"; }
count() { in_root $ADM assessments $CONF bg-independent-living 2>/dev/null | grep -c '"instrument"'; }
[ "$(count)" = 1 ] && pass "server holds the assessment" || fail "server holds $(count)"
in_root sh -c 'FA_DATA=/root/dev field-agent --lang bg --help' 2>&1 | grep -q "команд\|Команд" && pass "installed translations found (Bulgarian help)" || fail "no Bulgarian: $(in_root sh -c 'FA_DATA=/root/dev field-agent --lang bg --help' 2>&1 | head -2)"

# --- upgrade: data and the edited configuration kept ---------------------------
rm -rf build/deb/up && mkdir -p build/deb/up
tar -C build/deb/src --exclude=./debian/tmp --exclude='./debian/*/' -cf - . | (mkdir -p build/deb/up/src && tar -C build/deb/up/src -xf -)
(cd build/deb/up/src && rm -rf debian/.debhelper debian/files debian/*.substvars && {
	printf 'fieldassess (0.1.1) bookworm; urgency=medium\n\n  * Test upgrade.\n\n -- Field assessment project <packaging@fieldassess.example.org>  %s\n\n' "$(date -R)"
	cat debian/changelog; } >debian/changelog.new && mv debian/changelog.new debian/changelog &&
	dpkg-buildpackage -us -uc -b >../build.log 2>&1) || { fail "upgrade build"; tail -5 build/deb/up/build.log; }
cp build/deb/up/*0.1.1*.deb "$R/tmp/debs2/" 2>/dev/null; rm -f "$R"/tmp/debs2/*dbgsym*
stop_service
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Options::=--force-confold ./tmp/debs2/*.deb' >"$R/tmp/apt2.log" 2>&1 \
	&& [ "$(in_root dpkg-query -W -f='${Version}' sync-server)" = 0.1.1 ] && pass "upgrade to 0.1.1" || { fail "upgrade"; tail -5 "$R/tmp/apt2.log"; }
grep -q "^port = $PORT" "$R/etc/sync-server/sync-server.conf" && pass "upgrade keeps the edited configuration" || fail "configuration replaced"
start_service || fail "server after upgrade"
[ "$(count)" = 1 ] && pass "upgrade keeps the data" || fail "after upgrade: $(count) assessments"
in_root sh -c 'export FA_DATA=/root/dev FA_PIN=2468
P=$(field-agent person add --name "ЕЛЕНА ПЕТРОВА" --birth-date 1948-05-02 --locality Басарбово)
field-agent sync --retries 0' >"$R/tmp/sync2.log" 2>&1 && grep -q "sent 1 (new 1" "$R/tmp/sync2.log" && pass "the device syncs on after the upgrade" || { fail "sync 2"; cat "$R/tmp/sync2.log"; }
stop_service

# --- remove keeps the data, purge deletes it -----------------------------------
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq sync-server' >"$R/tmp/apt3.log" 2>&1 || fail "remove"
[ ! -e "$R/usr/bin/sync-server" ] && [ -f "$R/var/lib/sync-server/central.db" ] && pass "remove: program gone, data kept" || fail "remove: data not kept"
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./tmp/debs2/sync-server_*.deb' >>"$R/tmp/apt3.log" 2>&1
start_service && [ "$(count)" = 1 ] && pass "reinstall: the kept data is served again" || fail "reinstall: $(count)"
stop_service
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sync-server' >>"$R/tmp/apt3.log" 2>&1 || fail "purge"
[ ! -e "$R/var/lib/sync-server" ] && [ ! -e "$R/var/backups/sync-server" ] && [ ! -e "$R/etc/sync-server/sync-server.conf" ] && pass "purge: data, backups and configuration gone" || fail "purge left $(ls "$R/var/lib/sync-server" "$R/etc/sync-server" 2>&1 | tr '\n' ' ')"
in_root dpkg-query -W -f='${Status}\n' field-agent | grep -q "install ok installed" && pass "field-agent stays installed" || fail "field-agent removed"
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
