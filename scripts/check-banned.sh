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
# The central store's `record` is a view that joins record_head and
# revision: on the right of a LEFT JOIN, SQLite copies it whole (every
# record's text) before the query runs. Join the two tables there instead.
hits=$(grep -nE 'LEFT JOIN record[[:space:]]' sync-server/*.c common/*.c 2>/dev/null || true)
if [ -n "$hits" ]; then
	echo "LEFT JOIN onto the record view (join record_head and revision instead):"
	echo "$hits"
	exit 1
fi
