#!/bin/sh
# Prints the Debian archive URI this machine's apt is configured with (the
# first one of the main archive, not the security one), from deb822
# .sources files or the one-line sources.list format.
set -eu
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	u=$(sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr ' ' '\n' | grep -v -- '-security' | head -1)
	[ -n "$u" ] && { echo "${u%/}"; exit 0; }
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	u=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' "$f" | grep -v -- '-security' | head -1)
	[ -n "$u" ] && { echo "${u%/}"; exit 0; }
done
echo "mirror: no Debian archive in /etc/apt/sources*; set PKG_MIRROR" >&2
exit 1
