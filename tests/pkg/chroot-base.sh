#!/bin/sh
# Makes (once) a minimal Debian 12 root with debootstrap from the Debian
# mirror and keeps it as a tarball, so that each deb test starts from a
# clean copy. Prints the tarball's path.
# Usage: tests/pkg/chroot-base.sh [CACHE_DIR]
set -eu
cd "$(dirname "$0")/../.."
cache=${1:-${PKG_CHROOT_CACHE:-/var/tmp/fieldassess-pkg}}
tar=$cache/bookworm-minbase.tar
# the Debian mirror this machine's apt uses (PKG_MIRROR overrides)
mirror=${PKG_MIRROR:-$(tests/pkg/mirror.sh)}
if [ ! -s "$tar" ]; then
	command -v debootstrap >/dev/null || {
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } >&2
	mkdir -p "$cache"
	root=$(mktemp -d "$cache/root.XXXXXX")
	# systemd is there for systemctl and deb-systemd-helper, as on a server
	debootstrap --variant=minbase --include=systemd,ca-certificates bookworm "$root" "$mirror" >&2
	tar -C "$root" -cf "$tar.tmp" .
	mv "$tar.tmp" "$tar"
	rm -rf "$root"
fi
echo "$tar"
