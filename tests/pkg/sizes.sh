#!/bin/sh
# Prints the size of each program of a build directory: as built (with
# debug info), stripped, and the loadable segments (text, data, bss).
# Usage: tests/pkg/sizes.sh DIR [TRIPLET]
set -eu
dir=$1
pre=${2:+$2-}
printf '%-32s %10s %10s %10s %8s %8s\n' program file stripped text data bss
for p in field-agent sync-server; do
	f=$dir/$p
	[ -f "$f" ] || continue
	"${pre}strip" -o "$f.stripped" "$f"
	set -- $("${pre}size" "$f" | tail -1)
	printf '%-32s %10s %10s %10s %8s %8s\n' "$f" "$(wc -c <"$f")" "$(wc -c <"$f.stripped")" "$1" "$2" "$3"
	rm -f "$f.stripped"
done
