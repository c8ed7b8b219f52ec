#!/bin/sh
# Installs what a cross-build for ARCH (arm64 | armhf) needs: Debian's cross
# toolchain, qemu-user to run the result, and the target's -dev packages
# through multiarch (same versions as the native ones, side by side).
# Idempotent; only missing packages are installed.
# Exit 0: multiarch -dev packages installed. Exit 3: they cannot be (the
# mirror's index of ARCH lags the native one, so the versions differ); the
# toolchain is installed and the foreign architecture taken away again so
# that apt stays healthy; tests/pkg/sysroot.sh is the way on.
# Usage: tests/pkg/cross-deps.sh ARCH
set -eu
arch=${1:?usage: cross-deps.sh arm64|armhf}
case $arch in
arm64|armhf) ;;
*) echo "cross-deps: unknown architecture $arch (arm64 or armhf)" >&2; exit 2 ;;
esac
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
libs="libsqlite3-dev libcjson-dev libcurl4-openssl-dev libmicrohttpd-dev libmbedtls-dev zlib1g-dev libdeflate-dev libqrencode-dev nettle-dev"
tools="crossbuild-essential-$arch qemu-user pkg-config"
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=""
for p in $tools; do is_installed "$p" || missing="$missing $p"; done
for l in $libs; do is_installed "$l:$arch" || missing="$missing $l:$arch"; done
[ -z "$missing" ] && exit 0
added=""
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	$SUDO dpkg --add-architecture "$arch"
	added=1
fi
echo "cross-deps: installing:$missing"
update() {
	# a mirror caught mid-sync fails an index now and then: try again
	for try in 1 2 3; do
		$SUDO apt-get update -qq && return 0
		echo "cross-deps: apt-get update failed (try $try)" >&2
		[ "$try" = 3 ] || sleep 20
	done
	return 1
}
update || true
# The native -dev packages stay: --no-remove makes apt refuse (rather than
# carry out) any plan that would take a native package away.
# shellcheck disable=SC2086
if $SUDO apt-get install -y -qq --no-install-recommends --no-remove $missing; then
	exit 0
fi
echo "cross-deps: the $arch -dev packages cannot be installed next to the native ones" >&2
if [ -n "$added" ] && [ -z "$(dpkg-query -W -f='${Architecture}\n' 2>/dev/null | grep -x "$arch")" ]; then
	$SUDO dpkg --remove-architecture "$arch"
	$SUDO apt-get update -qq || true
fi
tmissing=""
for p in $tools; do is_installed "$p" || tmissing="$tmissing $p"; done
# shellcheck disable=SC2086
[ -z "$tmissing" ] || $SUDO apt-get install -y -qq --no-install-recommends $tmissing
exit 3
