#!/bin/sh
# A sysroot of the target's Debian -dev packages, for when they cannot be
# installed through multiarch next to the native ones (multiarch needs the
# exact same versions for both architectures; a mirror whose index of one
# architecture lags, as the security archive's armhf index did here, makes
# that impossible). apt, with its own state in build/sysroot-ARCH.apt,
# resolves and downloads the packages for ARCH alone; dpkg-deb unpacks them
# into build/sysroot-ARCH. Nothing of the machine's own apt state changes.
# Usage: tests/pkg/sysroot.sh ARCH   (prints the sysroot's path)
set -eu
cd "$(dirname "$0")/../.."
arch=${1:?usage: sysroot.sh ARCH}
root=$(pwd)/build/sysroot-$arch
[ -f "$root/.done" ] && { echo "$root"; exit 0; }
a=$root.apt
rm -rf "$root" "$a"
mkdir -p "$root" "$a/lists/partial" "$a/cache/archives/partial" "$a/parts" "$a/prefs"
: >"$a/status"
mirror=${PKG_MIRROR:-$(tests/pkg/mirror.sh)}
cat >"$a/sources.list" <<EOS
deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-updates main
EOS
apt_() {
	apt-get -q -o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts="$a/parts" \
		-o Dir::Etc::Preferences="$a/prefs/none" -o Dir::Etc::PreferencesParts="$a/prefs" \
		-o Dir::State="$a" -o Dir::State::Lists="$a/lists" -o Dir::State::status="$a/status" \
		-o Dir::Cache="$a/cache" -o APT::Architecture="$arch" -o APT::Architectures="$arch" \
		-o Debug::NoLocking=1 "$@"
}
apt_ update >&2
apt_ install -y --download-only --no-install-recommends libc6-dev libsqlite3-dev libcjson-dev \
	libcurl4-openssl-dev libmicrohttpd-dev libmbedtls-dev zlib1g-dev libdeflate-dev libqrencode-dev nettle-dev >&2
for d in "$a"/cache/archives/*.deb; do dpkg-deb -x "$d" "$root"; done
# absolute symlinks (libfoo.so -> /lib/...) must point inside the sysroot
find "$root" -type l | while read -r l; do
	t=$(readlink "$l")
	case $t in /*) ln -sfn "$root$t" "$l" ;; esac
done
touch "$root/.done"
echo "$root"
