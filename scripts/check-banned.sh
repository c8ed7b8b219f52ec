#!/bin/sh
# Fails when project C code uses a call the style guide bans (curl's habit):
# they invite overflows or hide errors. Use snprintf, memcpy, strtol.
set -eu
cd "$(dirname "$0")/.."
hits=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atof)[[:space:]]*\(' \
	common/*.c common/*.h field-agent/*.c sync-server/*.c tests/*.c scripts/*.c 2>/dev/null || true)
if [ -n "$hits" ]; then
	echo "banned calls found:"
	echo "$hits"
	exit 1
fi
