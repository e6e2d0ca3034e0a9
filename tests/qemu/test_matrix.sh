#!/usr/bin/env bash
# test_matrix.sh - the hand-off on many machines: memory from 64 MiB to
# 16 GiB (memory above 4 GiB included), 1 and 4 CPUs, q35 and pc, and a
# CPU without 1 GiB pages, and one with 5-level paging.  In every cell the test kernel checks the machine
# state, its page tables and the memory map (scribbling over usable memory),
# and reports pass or fail.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel
CMDLINE="runway-test console=ttyS0 answer=42"
good=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes")

# cell NAME RUN.SH-ARGS...
cell() {
	name=$1
	shift
	boot "$name" "$good" --timeout 240 "$@" -- "$K/demo.elf=/boot/kernel.elf"
	expect_rc "$name" 0
	expect_line "$name" '^kernel: PASS'
	pt=$(field pt_pages)
	pass=$(tr -d '\r' <"$log" | grep -m1 '^kernel: PASS' | cut -c15-)
	printf '# %s: pt_pages=%s %s\n' "$name" "$pt" "$pass"
}

cell m64-q35-smp1 --mem 64M --machine q35 --smp 1
cell m512-pc-smp4 --mem 512M --machine pc --smp 4
cell m3g-q35-smp4 --mem 3G --machine q35 --smp 4
cell m6g-pc-smp1 --mem 6G --machine pc --smp 1
cell m16g-q35-smp1 --mem 16G --machine q35 --smp 1
# No 1 GiB pages: the direct map falls back to 2 MiB pages.
cell no1g-512m --mem 512M --cpu max,pdpe1gb=off
expect_line no1g-512m 'huge_1g=0'
expect_line no1g-512m '^kernel: PASS .*hhdm_page=2M'
# A CPU with 5-level paging: Debian's OVMF still runs 4-level, so Runway
# boots (with LA57 on it would refuse: see docs/PROTOCOL.md) and the kernel
# finds CR4.LA57 clear.
cell la57-cpu-512m --mem 512M --cpu max,+la57
expect_no_line la57-cpu-512m 'CR4.LA57'

exit $((failures > 0))
