#!/usr/bin/env bash
# tests/unit/run.sh - run every unit test binary in $BUILD/unit/ (default
# build/unit/) and print one TAP-style line per binary.  Exits non-zero if
# any binary failed, or if there is none to run.
BUILD=${BUILD:-build}
dir="$BUILD/unit"
failed=0
ran=0

for t in "$dir"/test_*; do
	[ -f "$t" ] || continue
	[ -x "$t" ] || continue
	name=$(basename "$t")
	ran=$((ran + 1))
	if "$t"; then
		echo "ok - unit/$name"
	else
		echo "not ok - unit/$name"
		failed=$((failed + 1))
	fi
done

if [ "$ran" -eq 0 ]; then
	echo "not ok - unit: no test binaries in $dir (run: make unit)"
	exit 1
fi
[ "$failed" -eq 0 ]
