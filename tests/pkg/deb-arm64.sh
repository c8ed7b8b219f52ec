#!/bin/sh
# The arm64 packages (make deb DEB_ARCH=arm64) on Debian 12: a clean
# debootstrap root gets arm64 as a foreign architecture, as a device's
# dependencies; apt install ./*.deb pulls the arm64 libraries; then the
# installed arm64 programs run inside that root under qemu-user (the static
# build of qemu-aarch64 copied in, taken from Debian's qemu-user-static
# package without installing it): server with the packaged configuration,
# device enrolled, an assessment with the installed instruments, sync.
# Needs root. Ends with `N passed, N failed`.
set -u
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "deb-arm64: needs root"; echo "0 passed, 1 failed"; exit 1; }
ls build/deb-arm64/sync-server_*_arm64.deb >/dev/null 2>&1 || { echo "deb-arm64: run make deb DEB_ARCH=arm64 first"; exit 1; }
base=$(tests/pkg/chroot-base.sh) || exit 1
R=$(mktemp -d /var/tmp/fieldassess-pkg/arm64.XXXXXX)
npass=0; nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	sleep 0.3
	for m in dev/pts dev proc; do umount "$R/$m" 2>/dev/null; done
	rm -rf "$R"
}
trap cleanup EXIT
tar -C "$R" -xf "$base"
chmod 755 "$R"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"; }
# qemu-aarch64-static from Debian's package, unpacked, not installed
q=$(mktemp -d)
(cd "$q" && apt-get download -qq qemu-user-static >/dev/null 2>&1 && dpkg-deb -x qemu-user-static_*.deb x) \
	&& cp "$q/x/usr/bin/qemu-aarch64-static" "$R/usr/bin/" && pass "qemu-aarch64-static from Debian's package" || fail "no qemu-aarch64-static"
rm -rf "$q"
mkdir -p "$R/tmp/debs"
cp build/deb-arm64/*.deb "$R/tmp/debs/"; rm -f "$R"/tmp/debs/*dbgsym*
cp tests/fixtures/ruse-wizard.txt "$R/tmp/"
in_root dpkg --add-architecture arm64
in_root apt-get update -qq >"$R/tmp/apt.log" 2>&1
if in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./tmp/debs/*.deb' >>"$R/tmp/apt.log" 2>&1; then
	pass "apt install ./*arm64.deb (arm64 libraries pulled as dependencies)"
else
	fail "apt install"; tail -20 "$R/tmp/apt.log"; echo "$npass passed, $nfail failed"; exit 1
fi
[ "$(in_root dpkg-query -W -f='${Architecture}' field-agent)" = arm64 ] && pass "field-agent:arm64 installed" || fail "field-agent arch"
A64="qemu-aarch64-static"
PORT=$(( 30000 + ($$ + 11) % 20000 ))
sed -i "s/^port = .*/port = $PORT/" "$R/etc/sync-server/sync-server.conf"
: >"$R/tmp/server.log"
chroot "$R" /usr/bin/env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 setpriv --reuid sync-server --regid sync-server \
	--init-groups sh -c "umask 077; exec $A64 /usr/bin/sync-server serve --config /etc/sync-server/sync-server.conf" >"$R/tmp/server.log" 2>&1 &
SPID=$!
for _ in $(seq 400); do grep -q listening "$R/tmp/server.log" 2>/dev/null && break; sleep 0.05; done
grep -q listening "$R/tmp/server.log" && pass "arm64 sync-server serves (under qemu, as sync-server)" || { fail "server"; cat "$R/tmp/server.log"; }
ADM="setpriv --reuid sync-server --regid sync-server --init-groups $A64 /usr/bin/sync-server"
in_root $ADM device enroll "Мария Иванова" "Басарбово" --config /etc/sync-server/sync-server.conf >"$R/tmp/enroll.txt" 2>&1 \
	&& pass "arm64 device enroll" || { fail "device enroll"; cat "$R/tmp/enroll.txt"; }
CMD=$(sed -n 's/^on the device: *field-agent //p' "$R/tmp/enroll.txt")
in_root sh -c "export FA_DATA=/root/dev FA_PIN=2468
$A64 /usr/bin/field-agent init --kdf-ms 20 >/dev/null && $A64 /usr/bin/field-agent $CMD
P=\$($A64 /usr/bin/field-agent person add --name 'ИВАН ПЕТРОВ' --birth-date 1950-03-01 --locality Басарбово)
$A64 /usr/bin/field-agent assess --person \"\$P\" --instrument bg-independent-living --registered-on 2026-02-25 --assessed-on 2026-03-01 </tmp/ruse-wizard.txt >/dev/null 2>&1
$A64 /usr/bin/field-agent sync --retries 0" >"$R/tmp/sync.log" 2>&1
grep -q "sent 2 (new 2" "$R/tmp/sync.log" && pass "arm64 field-agent: enroll, assessment with the installed instruments, sync" || { fail "sync"; cat "$R/tmp/sync.log"; }
in_root $ADM assessments --config /etc/sync-server/sync-server.conf bg-independent-living 2>/dev/null | grep -q '"instrument"' \
	&& pass "arm64 server holds the assessment" || fail "no assessment on the server"
in_root sh -c "FA_DATA=/root/dev $A64 /usr/bin/field-agent --lang ro --help" 2>&1 | grep -q "comenz" && pass "arm64 field-agent finds the installed Romanian translation" || fail "no Romanian"
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
