#!/bin/sh
# `make install`: PREFIX and DESTDIR honoured, and the installed programs
# find the installed instruments and translations (not the source tree's:
# they are run with the tree out of reach). Builds once, for the release
# build directory only (the programs are rebuilt with the installed paths).
. "$(dirname "$0")/lib.sh"
case $BIN in
*asan*|*qemu*) echo "skipped for $BIN (the install is built once, natively)"; finish; exit 0 ;;
esac
export LC_ALL=C.UTF-8
P="$T/prefix"
mk() { make -C "$ROOT" --no-print-directory -s -j2 INSTALL_B="$T/b" "$@"; }
expect_status 0 "make install PREFIX=$P" mk install PREFIX="$P"
for f in bin/field-agent bin/sync-server bin/sync-server-backup share/man/man1/field-agent.1 \
	share/man/man8/sync-server.8 share/man/man5/sync-server.conf.5 share/man/man1/sync-server-backup.1 \
	share/locale/bg/LC_MESSAGES/fieldassess.mo share/locale/ro/LC_MESSAGES/fieldassess.mo \
	share/fieldassess/instruments/bg-independent-living.v1.json etc/sync-server/sync-server.conf \
	lib/systemd/system/sync-server.service lib/systemd/system/sync-server-backup.service \
	lib/systemd/system/sync-server-backup.timer; do
	[ -f "$P/$f" ] || fail "not installed: $f"
done
pass "programs, backup script, instruments, translations, manual pages, configuration, unit installed"
grep -q "^ExecStart=$P/bin/sync-server serve --config $P/etc/sync-server/sync-server.conf" "$P/lib/systemd/system/sync-server.service" \
	&& pass "unit's ExecStart names the installed program and configuration" || fail "unit: $(grep ExecStart "$P/lib/systemd/system/sync-server.service")"
# (the debug info names the build directory; the program's data must not)
strip -o "$T/fa.stripped" "$P/bin/field-agent"
strings "$T/fa.stripped" | grep -q "$ROOT" && fail "field-agent still names the source tree" || pass "installed programs do not name the source tree"
# run from elsewhere, with the tree's files hidden behind a wrong HOME
cd "$T"
export FA_DATA="$T/dev"
FA_PIN=2468 "$P/bin/field-agent" init --kdf-ms 20 >/dev/null 2>&1
PID=$(FA_PIN=2468 "$P/bin/field-agent" person add --name "ИВАН ПЕТРОВ" --birth-date 1950-03-01 --locality Басарбово)
"$P/bin/field-agent" assess --person "$PID" --instrument bg-independent-living --registered-on 2026-02-25 \
	--assessed-on 2026-03-01 <"$ROOT/tests/fixtures/ruse-wizard.txt" >"$T/assess.out" 2>&1
FA_PIN=2468 "$P/bin/field-agent" list final >"$T/list.out" 2>&1
expect_grep "bg-independent-living" "$T/list.out" "installed field-agent assesses with the installed instrument"
"$P/bin/field-agent" --lang bg --help >"$T/bg.out" 2>&1
expect_grep "команд" "$T/bg.out" "installed field-agent speaks Bulgarian (installed .mo)"
"$P/bin/field-agent" --lang ro --help >"$T/ro.out" 2>&1
expect_grep "comenz" "$T/ro.out" "installed field-agent speaks Romanian"
"$P/bin/sync-server" rank --cases "$ACCEPT/bg-ranking-sample.json" >"$T/rank.out" 2>&1
expect_grep '"points"' "$T/rank.out" "installed sync-server ranks with the installed instrument"
expect_status 0 "the backup script reads the installed configuration" sh -c "'$P/bin/sync-server-backup' --help"
# DESTDIR: staged, nothing outside it
expect_status 0 "make install DESTDIR=… PREFIX=/usr" mk install PREFIX=/usr DESTDIR="$T/stage"
[ -x "$T/stage/usr/bin/sync-server" ] && [ -f "$T/stage/etc/sync-server/sync-server.conf" ] \
	&& [ -f "$T/stage/lib/systemd/system/sync-server.service" ] && [ -f "$T/stage/usr/share/locale/bg/LC_MESSAGES/fieldassess.mo" ] \
	&& pass "DESTDIR staging: /usr layout, configuration in /etc, unit in /lib/systemd/system" || fail "DESTDIR layout: $(cd "$T/stage" && find . -type f | head -20)"
strings "$T/stage/usr/bin/field-agent" | grep -q "^/usr/share/fieldassess" && pass "staged programs look in /usr/share, not in DESTDIR" || fail "staged program paths"
strings "$T/stage/usr/bin/field-agent" | grep -q "$T/stage" && fail "DESTDIR compiled in" || true
finish
