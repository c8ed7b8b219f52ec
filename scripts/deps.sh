#!/bin/sh
# Installs the Debian packages the project needs, only those missing.
# Runs apt-get directly as root, else through sudo. Idempotent and quiet
# when everything is there already.
set -eu
PKGS="gcc make pkg-config libsqlite3-dev libcjson-dev libcurl4-openssl-dev \
libmicrohttpd-dev libmbedtls-dev zlib1g-dev libdeflate-dev libqrencode-dev nettle-dev gettext clang libclang-rt-dev bc time curl openssl sqlite3 jq \
nodejs chromium strace faketime valgrind"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# npm: Debian's package, unless a node.js that brings its own is installed
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
