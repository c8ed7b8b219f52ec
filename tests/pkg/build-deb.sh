#!/bin/sh
# Builds the Debian packages (fieldassess-common, field-agent, sync-server)
# with dpkg-buildpackage from a copy of this tree in build/deb/src, so the
# .debs land in build/deb/ and nothing is written next to the tree.
set -eu
cd "$(dirname "$0")/../.."
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
missing=""
for p in dpkg-dev debhelper fakeroot; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
rm -rf build/deb
mkdir -p build/deb/src
tar --exclude=./build --exclude=./.git --exclude='./*.deb' -cf - . | tar -C build/deb/src -xf -
(cd build/deb/src && dpkg-buildpackage -us -uc -b >../build.log 2>&1) || {
	tail -40 build/deb/build.log; echo "deb: dpkg-buildpackage failed (build/deb/build.log)" >&2; exit 1; }
ls build/deb/*.deb
for d in build/deb/*.deb; do
	printf '%-60s %8s bytes\n' "$d" "$(wc -c <"$d")"
done
