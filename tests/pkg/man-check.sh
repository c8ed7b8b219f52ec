#!/bin/sh
# Every command that `field-agent --help` and `sync-server --help` list has
# an entry in its manual page. Usage: tests/pkg/man-check.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.."
b=${1:-build}
nfail=0; npass=0
check() { # program page
	for c in $(FA_DATA=/nonexistent "$b/$1" --help 2>&1 | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
		if grep -q "^\.B[IR]* *\"\{0,1\}$c\b" "man/$2"; then npass=$((npass + 1)); else
			nfail=$((nfail + 1)); echo "FAIL $1 $c: not in man/$2"; fi
	done
}
check field-agent field-agent.1
check sync-server sync-server.8
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
