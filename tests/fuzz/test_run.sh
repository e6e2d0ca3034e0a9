#!/usr/bin/env bash
# tests/fuzz/test_run.sh - tests/fuzz/run.sh itself, on two small libFuzzer
# programs built here and put in place of fuzz_pe: one that never fails and
# one that aborts on any input starting with '!'.  Checks the line run.sh
# prints for each, with one process and with FUZZ_JOBS=2 (libFuzzer's
# -fork), that a crash under -fork is reported with its reproducer, and
# that a bad FUZZ_JOBS or target name is refused.  Prints "ok - ..." or
# "not ok - ..." per check.
set -u
cd "$(dirname "$0")/../.." || exit
CC=${FUZZ_CC:-clang}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

check() { # NAME CONDITION-STATUS [DETAIL]
	if [ "$2" -eq 0 ]; then
		echo "ok - fuzz/run.sh: $1"
	else
		echo "not ok - fuzz/run.sh: $1${3:+: $3}"
	fi
}

cat >"$tmp/fine.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)d;
	(void)n;
	return 0;
}
EOF
cat >"$tmp/crash.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n > 0 && d[0] == '!')
		abort();
	return 0;
}
EOF
mkdir -p "$tmp/fine/fuzz" "$tmp/crash/fuzz"
for p in fine crash; do
	if ! "$CC" -g -O1 -fsanitize=fuzzer,address -o "$tmp/$p/fuzz/fuzz_pe" "$tmp/$p.c" 2>"$tmp/cc.txt"; then
		check "build the $p program" 1 "$(head -n1 "$tmp/cc.txt")"
		exit 1
	fi
done

# One process: libFuzzer's own final figures.
out=$(BUILD=$tmp/fine FUZZ_JOBS=1 tests/fuzz/run.sh 2 pe)
st=$?
[[ $st -eq 0 && $out =~ ^ok\ -\ fuzz/pe\ \(([1-9][0-9]*)\ runs,\ [1-9][0-9]*\ exec/s\)$ ]]
ok=$?
echo "# $out"
check "one process: runs and exec/s" $ok

# Two processes: the parent's count of every child's inputs.
out=$(BUILD=$tmp/fine FUZZ_JOBS=2 tests/fuzz/run.sh 3 pe)
st=$?
[[ $st -eq 0 && $out =~ ^ok\ -\ fuzz/pe\ \(([1-9][0-9]*)\ runs,\ [1-9][0-9]*\ exec/s\ in\ 2\ processes\)$ ]]
ok=$?
echo "# $out"
check "FUZZ_JOBS=2: runs and exec/s in 2 processes" $ok
grep -q -- '-fork=2: fuzzing in separate process' "$tmp/fine/fuzz/artifacts/pe/log.txt"
check "FUZZ_JOBS=2 runs libFuzzer with -fork=2" $?

# A crash in a child: reported, with a reproducer that crashes.
out=$(BUILD=$tmp/crash FUZZ_JOBS=2 tests/fuzz/run.sh 60 pe)
st=$?
repro=$(sed -n 's/.*(reproducer: \([^;]*\);.*/\1/p' <<<"$out")
[[ $st -ne 0 && $out == "not ok - fuzz/pe: "*"deadly signal"* ]]
ok=$?
echo "# $out"
check "FUZZ_JOBS=2 reports a crash as not ok, exit status non-zero" $ok
[ -f "$repro" ] && [ "$(head -c1 "$repro")" = '!' ]
check "the crash's reproducer is kept and starts with '!'" $? "$repro"

# Refusals.
BUILD=$tmp/fine FUZZ_JOBS=0 tests/fuzz/run.sh 1 pe >/dev/null 2>&1
[ $? -eq 2 ]
check "FUZZ_JOBS=0 is refused" $?
BUILD=$tmp/fine tests/fuzz/run.sh 1 no_such_target >/dev/null 2>&1
[ $? -eq 2 ]
check "an unknown target name is refused" $?
exit 0
