#!/usr/bin/env bash
# tests/fuzz/run.sh - run the libFuzzer targets built by tests/fuzz/fuzz.mk.
#
#   tests/fuzz/run.sh SECONDS [NAME...]
#                                 fuzz each target (or the NAMEs) for
#                                 SECONDS (0: only run the seed corpus once)
#   tests/fuzz/run.sh --replay    run every file under tests/fuzz/regress/
#                                 (reproducers of fixed bugs) through its
#                                 target
#
# Each target fuzzes a temporary copy of tests/fuzz/corpus/<name>/ (new
# inputs never land in the repository) and prints one line:
#   ok - fuzz/<name> (N runs)
#   not ok - fuzz/<name>: <reason> (reproducer: <file>)
# Reproducers and logs go to $BUILD/fuzz/artifacts/<name>/.  Exits non-zero
# when a target crashed, hung or could not run.
#
# Environment: BUILD (default build); FUZZ_CORPUS_DIR: a directory kept
# across runs (outside the repository) whose <name>/ subdirectories are
# read as extra seeds and receive the new inputs (make fuzz uses
# $BUILD/fuzz/corpus); FUZZ_TIMEOUT: seconds one input may take (30);
# FUZZ_JOBS: fuzzing processes per target (1; more uses libFuzzer's
# -fork=N, which runs N at once on the shared corpus and stops at the
# first crash, like one process does).
set -u
cd "$(dirname "$0")/../.." || exit
BUILD=${BUILD:-build}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-30}
FUZZ_JOBS=${FUZZ_JOBS:-1}

usage() {
	echo "usage: $0 SECONDS [NAME...] | --replay" >&2
	exit 2
}
[ $# -ge 1 ] || usage
[ "$1" != --replay ] || [ $# -eq 1 ] || usage

names=$(for src in tests/fuzz/fuzz_*.c; do
	n=$(basename "$src" .c)
	echo "${n#fuzz_}"
done)
if [ $# -gt 1 ]; then
	for n in "${@:2}"; do
		[ -f "tests/fuzz/fuzz_$n.c" ] || {
			echo "$0: no target '$n' (tests/fuzz/fuzz_$n.c)" >&2
			exit 2
		}
	done
	names=${*:2}
fi

# The first line of a log that says what went wrong.
reason() {
	grep -m1 -E 'CHECK\(|ERROR: AddressSanitizer|runtime error:|ERROR: libFuzzer|ERROR: LeakSanitizer|out-of-memory|deadly signal' "$1" |
		sed -e 's/^==[0-9]*==//' -e 's/^ *//' | cut -c1-300
}

failed=0

if [ "$1" = "--replay" ]; then
	for name in $names; do
		bin=$BUILD/fuzz/fuzz_$name
		for f in tests/fuzz/regress/"$name"/*; do
			[ -f "$f" ] || continue
			if [ ! -x "$bin" ]; then
				echo "not ok - fuzz/$name: $bin is missing (make fuzzers)"
				failed=1
				break
			fi
			log=$(mktemp)
			if "$bin" -timeout="$FUZZ_TIMEOUT" "$f" >"$log" 2>&1; then
				echo "ok - fuzz/$name replay $(basename "$f")"
			else
				echo "not ok - fuzz/$name replay $(basename "$f"): $(reason "$log")"
				failed=1
			fi
			rm -f "$log"
		done
	done
	exit $failed
fi

secs=$1
case $secs in
'' | *[!0-9]*) usage ;;
esac
case $FUZZ_JOBS in
'' | *[!0-9]* | 0)
	echo "$0: FUZZ_JOBS must be a positive number, not '$FUZZ_JOBS'" >&2
	exit 2
	;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

for name in $names; do
	bin=$BUILD/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz/$name: $bin is missing (make fuzzers)"
		failed=1
		continue
	fi
	art=$BUILD/fuzz/artifacts/$name
	mkdir -p "$art" "$tmp/$name"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp tests/fuzz/corpus/"$name"/* "$tmp/$name"/ 2>/dev/null
	fi
	extra=""
	if [ -n "${FUZZ_CORPUS_DIR:-}" ]; then
		mkdir -p "$FUZZ_CORPUS_DIR/$name"
		extra=$FUZZ_CORPUS_DIR/$name
	fi
	case $name in
	elf) max_len=65536 ;;
	*) max_len=4096 ;;
	esac
	if [ "$secs" -eq 0 ]; then
		limit="-runs=0"
	elif [ "$FUZZ_JOBS" -gt 1 ]; then
		limit="-max_total_time=$secs -fork=$FUZZ_JOBS"
	else
		limit="-max_total_time=$secs"
	fi
	log=$art/log.txt
	# With FUZZ_CORPUS_DIR, new inputs go there (the first directory);
	# else into the temporary copy.
	# shellcheck disable=SC2086
	if [ -n "$extra" ]; then
		dirs="$extra $tmp/$name"
	else
		dirs="$tmp/$name"
	fi
	status=0
	# shellcheck disable=SC2086
	"$bin" $limit -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048 \
		-max_len=$max_len -print_final_stats=1 \
		-artifact_prefix="$art/" $dirs >"$log" 2>&1 || status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	if [ -z "$runs" ] && [ "$FUZZ_JOBS" -gt 1 ]; then
		# -fork prints no final stats: its last "#RUNS: ..." line counts
		# the inputs of every process, and the rate is theirs together.
		runs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -n1)
		[ -z "$runs" ] || eps=$((runs / secs))
	fi
	procs=""
	[ "$FUZZ_JOBS" -eq 1 ] || procs=" in $FUZZ_JOBS processes"
	kept=""
	if [ -n "$extra" ]; then
		kept="; corpus: $extra, $(find "$extra" -type f | wc -l) inputs"
	fi
	if [ "$status" -eq 0 ]; then
		echo "ok - fuzz/$name (${runs:-?} runs, ${eps:-?} exec/s$procs$kept)"
	else
		repro=$(sed -n "s/.*Test unit written to \(.*\)/\1/p" "$log" | tail -n1)
		why=$(reason "$log")
		echo "not ok - fuzz/$name: ${why:-exit status $status} (reproducer: ${repro:-none}; log: $log)"
		failed=1
	fi
done
exit $failed
