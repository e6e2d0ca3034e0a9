#!/usr/bin/env bash
# run.sh - the whole test suite (`make test`): host unit tests, tool tests
# and QEMU boots.  Every check prints "ok - ..." or "not ok - ..."; the
# suite ends with one line "N passed, N failed" and fails if any failed.
set -u
cd "$(dirname "$0")/.." || exit
BUILD=${BUILD:-build}
export BUILD
mkdir -p "$BUILD"
out=$BUILD/test-results.txt
: >"$out"

# run SCRIPT: its lines go to the results; a script that fails without
# saying which check failed counts as one failure itself.
run() {
	echo "# $*"
	before=$(grep -c '^not ok - ' "$out")
	status=0
	"$@" >"$BUILD/test-step.txt" 2>&1 || status=$?
	cat "$BUILD/test-step.txt"
	cat "$BUILD/test-step.txt" >>"$out"
	after=$(grep -c '^not ok - ' "$out")
	if [ "$status" -ne 0 ] && [ "$after" -eq "$before" ]; then
		echo "not ok - $1 exited with status $status" | tee -a "$out"
	fi
}

# host_check NAME BINARY: a self-checking host program, one line for it.
host_check() {
	if "$2" >"$BUILD/test-host.txt" 2>&1; then
		echo "ok - $1" | tee -a "$out"
	else
		sed 's/^/# /' "$BUILD/test-host.txt"
		echo "not ok - $1: $2 failed" | tee -a "$out"
	fi
}

run tests/unit/run.sh
run tests/size.sh
host_check "test kernel's checks on the host" "$BUILD/kernel/host/host_test"
host_check "Limine test kernel's checks on the host" "$BUILD/limine/host/host_test"
host_check "Multiboot test kernels' checks on the host" "$BUILD/multiboot/host/host_test"
run tests/fuzz/test_run.sh
run tests/fuzz/run.sh --replay
run tests/fuzz/run.sh "${FUZZ_SHORT_SECONDS:-10}"
run tests/qemu/test_mkimg.sh
run tests/qemu/test_boot.sh
run tests/qemu/test_usb.sh
run tests/qemu/test_install.sh
run tests/qemu/test_elf.sh
run tests/qemu/test_limine.sh
run tests/qemu/test_multiboot.sh
run tests/qemu/test_chain.sh
run tests/qemu/test_linux.sh
run tests/qemu/test_bls.sh
run tests/qemu/test_secureboot.sh
run tests/qemu/test_tpm.sh
run tests/qemu/test_net.sh
run tests/qemu/test_menu.sh
run tests/qemu/test_matrix.sh

passed=$(grep -c '^ok - ' "$out")
failed=$(grep -c '^not ok - ' "$out")
echo
grep '^not ok - ' "$out" || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
