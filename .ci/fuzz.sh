#!/usr/bin/env bash
# Copyright © SpinorML Ltd., licensed under AGPL-3.0.
#
# Runs every Go fuzz target in the repository for a while, one at a time
# (go test -fuzz takes one target per run):
#
#	.ci/fuzz.sh [FUZZTIME]     FUZZTIME as go test takes it: 10s, 2m, 500x; default 10s
#
# It finds the targets by grepping *_test.go files for `func FuzzName(`, runs
# each, and exits non-zero if any failed (a failing input is saved under the
# package's testdata/fuzz/FuzzName, where go test replays it from then on).
set -euo pipefail

fuzztime=${1:-10s}
cd "$(dirname "$0")/.."

failed=()
count=0
# file:line:func FuzzName(... for every fuzz target outside testdata and out/.
while IFS= read -r hit; do
	file=${hit%%:*}
	name=$(sed -E 's/^[^:]*:[0-9]+:func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$hit")
	pkg=./$(dirname "${file#./}")
	count=$((count + 1))
	echo "== fuzz $pkg $name for $fuzztime"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "$pkg"; then
		failed+=("$pkg $name")
	fi
done < <(grep -rnE --include='*_test.go' --exclude-dir=.git --exclude-dir=testdata --exclude-dir=out \
	'^func Fuzz[A-Za-z0-9_]*\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\)' . | sort)

if [ "$count" -eq 0 ]; then
	echo "no fuzz targets found"
	exit 0
fi
if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzzing failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzzed $count targets for $fuzztime each"
