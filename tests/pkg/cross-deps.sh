#!/bin/sh
# Installs what a cross-build for ARCH (arm64 | armhf) needs: Debian's cross
# toolchain, the multiarch -dev packages of the target architecture (same
# versions as the native ones, installed side by side) and qemu-user to run
# the result. Idempotent; only missing packages are installed.
# Usage: tests/pkg/cross-deps.sh ARCH
set -eu
arch=${1:?usage: cross-deps.sh arm64|armhf}
case $arch in
arm64|armhf) ;;
*) echo "cross-deps: unknown architecture $arch (arm64 or armhf)" >&2; exit 2 ;;
esac
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
libs="libsqlite3-dev libcjson-dev libcurl4-openssl-dev libmicrohttpd-dev libmbedtls-dev zlib1g-dev libqrencode-dev"
want="crossbuild-essential-$arch qemu-user pkg-config"
for l in $libs; do want="$want $l:$arch"; done
missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	$SUDO dpkg --add-architecture "$arch"
fi
echo "cross-deps: installing:$missing"
# a mirror caught mid-sync fails an index now and then: try again
for try in 1 2 3; do
	$SUDO apt-get update -qq && break
	echo "cross-deps: apt-get update failed (try $try); again in 20 s" >&2
	sleep 20
done
# The native -dev packages stay: multiarch -dev packages of the same
# version install next to them. --no-remove makes apt refuse (rather than
# carry out) any plan that would take a native package away.
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends --no-remove $missing
