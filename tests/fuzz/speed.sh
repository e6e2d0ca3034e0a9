#!/usr/bin/env bash
# tests/fuzz/speed.sh - how fast each libFuzzer target runs.
#
#   tests/fuzz/speed.sh SECONDS [BINDIR [NAME...]]
#
# Fuzzes each target (default: every tests/fuzz/fuzz_*.c) for SECONDS from
# a temporary copy of its seeds, with a fixed -seed=1 and run.sh's max_len,
# and prints libFuzzer's final figures: "NAME: E exec/s (R runs in S s)".
# BINDIR (default $BUILD/fuzz) holds the fuzz_<name> binaries, so two
# builds can be compared with the same command.  One target at a time:
# the figure is only meaningful on an otherwise quiet CPU.
set -u
cd "$(dirname "$0")/../.." || exit
BUILD=${BUILD:-build}

[ $# -ge 1 ] || {
	echo "usage: $0 SECONDS [BINDIR [NAME...]]" >&2
	exit 2
}
secs=$1
bindir=${2:-$BUILD/fuzz}
shift $(($# >= 2 ? 2 : 1))
if [ $# -gt 0 ]; then
	names=$*
else
	names=$(for src in tests/fuzz/fuzz_*.c; do
		n=$(basename "$src" .c)
		echo "${n#fuzz_}"
	done)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-fuzz-speed.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

for name in $names; do
	bin=$bindir/fuzz_$name
	[ -x "$bin" ] || {
		echo "$name: $bin is missing"
		continue
	}
	mkdir -p "$tmp/$name"
	cp tests/fuzz/corpus/"$name"/* "$tmp/$name"/ 2>/dev/null
	case $name in
	elf) max_len=65536 ;;
	*) max_len=4096 ;;
	esac
	"$bin" -seed=1 -max_total_time="$secs" -max_len=$max_len \
		-print_final_stats=1 -artifact_prefix="$tmp/" "$tmp/$name" \
		>"$tmp/log" 2>&1
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/log")
	echo "$name: ${eps:-?} exec/s (${runs:-?} runs in $secs s)"
	rm -rf "${tmp:?}/$name"
done
