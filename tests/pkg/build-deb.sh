#!/bin/sh
# Builds the Debian packages (fieldassess-common, field-agent, sync-server)
# with dpkg-buildpackage from a copy of this tree in build/deb/src, so the
# .debs land in build/deb/ and nothing is written next to the tree.
# DEB_ARCH=arm64 (or armhf) cross-builds them (dpkg-buildpackage -a).
set -eu
arch=${DEB_ARCH:-}
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
if [ -n "$arch" ]; then
	tests/pkg/cross-deps.sh "$arch"
	out=build/deb-$arch
	aflag="-a$arch"
else
	out=build/deb
	aflag=""
fi
rm -rf "$out"
mkdir -p "$out/src"
tar --exclude=./build --exclude=./.git --exclude='./*.deb' -cf - . | tar -C "$out/src" -xf -
# shellcheck disable=SC2086
(cd "$out/src" && dpkg-buildpackage $aflag -us -uc -b >../build.log 2>&1) || {
	tail -40 "$out/build.log"; echo "deb: dpkg-buildpackage failed ($out/build.log)" >&2; exit 1; }
for d in "$out"/*.deb; do
	printf '%-60s %8s bytes\n' "$d" "$(wc -c <"$d")"
done
