#!/usr/bin/env bash
# test_boot.sh - end-to-end boots of Runway under OVMF (issue: walking
# skeleton).  Each scenario names the machine and the line it expects.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel
CMDLINE="runway-test console=ttyS0 answer=42"
good=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes")

# The demo kernel on the default machine (512 MiB, q35), with the
# README's two-line config: one entry and no timeout line boots at once,
# with no menu and no countdown.
two=$OUT/two-line.conf
printf '%s\n' "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" >"$two"
boot demo "$two" -- "$K/demo.elf=/boot/kernel.elf"
expect_rc demo 0
expect_no_line demo "Booting '.*' in [0-9]+ s\."

expect_line demo '^runway: loaded path=/boot/kernel.elf bytes=[0-9]+ segments=[0-9]+ runs=[0-9]+ alloc_calls=[0-9]+ pt_pages=[0-9]+ us=[0-9]+'
# The phase times: on the load line (all but the exit, which comes after
# it) and in the boot info, where the kernel checks each phase and their
# sum against the total.  Their values are times: only their form is
# checked here.
expect_line demo '^runway: loaded .* map_us=[0-9]+ plan_us=[0-9]+ claims_us=[0-9]+ reads_us=[0-9]+ zeroing_us=[0-9]+ relocation_us=[0-9]+ page_tables_us=[0-9]+ protocol=runway$'
expect_line demo '^kernel: load-times total_us=[0-9]+ map_us=[0-9]+ plan_us=[0-9]+ claims_us=[0-9]+ reads_us=[0-9]+ zeroing_us=[0-9]+ relocation_us=[0-9]+ page_tables_us=[0-9]+ exit_us=[0-9]+ sum_us=[0-9]+$'
expect_line demo '^kernel: PASS'

# A 14 MiB data segment: firmware calls stay at PT_LOAD count + 2 at most.
boot big14 "$good" -- "$K/big14.elf=/boot/kernel.elf"
expect_rc big14 0
expect_line big14 '^kernel: PASS'
loads=$(readelf -lW "$K/big14.elf" | grep -c '^ *LOAD')
calls=$(field alloc_calls)
if [ -n "$calls" ] && [ "$calls" -le $((loads + 2)) ]; then
	ok "big14: alloc_calls=$calls <= PT_LOAD $loads + 2"
else
	not_ok "big14: alloc_calls" "alloc_calls='$calls', PT_LOAD=$loads, limit $((loads + 2))"
fi
bytes=$(field bytes)
if [ -n "$bytes" ] && [ "$bytes" -ge $((14 << 20)) ]; then ok "big14: bytes=$bytes >= 14 MiB"
else not_ok "big14: bytes" "bytes='$bytes'"
fi
tr -d '\r' <"$log" | grep -m1 '^runway: loaded' | sed 's/^/# /'

# Small and large machines.
boot mem128 "$good" --mem 128M -- "$K/demo.elf=/boot/kernel.elf"
expect_rc mem128 0
expect_line mem128 '^kernel: PASS'

# 4 GiB on a CPU without 1 GiB pages, with the 14 MiB kernel: its run
# agrees with its virtual addresses modulo 2 MiB, so large pages map it,
# and all the tables (kernel, direct map of 6 GiB of address space,
# hand-off page) take at most 16 pages.
boot mem4g "$good" --mem 4G --cpu max,pdpe1gb=off -- "$K/big14.elf=/boot/kernel.elf"
expect_rc mem4g 0
expect_line mem4g '^kernel: PASS'
pt=$(field pt_pages)
if [ -n "$pt" ] && [ "$pt" -le 16 ]; then ok "mem4g: pt_pages=$pt <= 16 without 1 GiB pages"
else not_ok "mem4g: pt_pages" "pt_pages='$pt', want at most 16"
fi

# A corrupted ELF header: a clear error naming file and field, no hang.
bad=$OUT/corrupt-machine.elf
cp "$K/demo.elf" "$bad"
printf '\003\000' | dd of="$bad" bs=1 seek=18 conv=notrunc status=none # e_machine = 3
boot corrupt "$good" --timeout 60 -- "$bad=/boot/kernel.elf"
expect_rc corrupt 3
expect_line corrupt '^runway: error: /boot/kernel.elf: e_machine is 3, expected 62'
expect_no_line corrupt '^kernel:'

# fragment = 2M: no free run is longer than 2 MiB, so a 64 MiB kernel
# lands in many runs stitched together by the page tables; the kernel
# checks every word of its 64 MiB data segment through that mapping.
frag=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes" "fragment = 2M")
boot fragment "$frag" --mem 1G --timeout 120 -- "$K/big64.elf=/boot/kernel.elf"
expect_rc fragment 0
expect_line fragment '^runway: fragment size=2097152 claims=[1-9][0-9]*'
expect_line fragment '^kernel: PASS .*data_kib=65536'
# The progress line ends full, though the file's tail (section headers) is
# never read.
expect_line fragment 'Reading /boot/kernel\.elf \[#{24}\] 100% 64/64 MiB [0-9]+\.[0-9] MiB/s$'
runs=$(field runs)
segs=$(field segments)
calls=$(field alloc_calls)
if [ -n "$runs" ] && [ "$runs" -gt "$segs" ]; then ok "fragment: runs=$runs > segments=$segs"
else not_ok "fragment: runs" "runs='$runs' segments='$segs'"
fi
# One firmware call per run, plus one for the page tables.
if [ -n "$calls" ] && [ "$calls" -eq $((runs + 1)) ]; then ok "fragment: alloc_calls=$calls = runs + 1"
else not_ok "fragment: alloc_calls" "alloc_calls='$calls' runs='$runs'"
fi
tr -d '\r' <"$log" | grep -m1 '^runway: loaded' | sed 's/^/# /'

# A missing kernel file: the status name is shown.
missing=$(conf "kernel = /boot/nothing.elf" "exit-after = yes")
boot missing "$missing" -- "$K/demo.elf=/boot/kernel.elf"
expect_rc missing 3
expect_line missing '^runway: error: /boot/nothing.elf: cannot open: EFI_NOT_FOUND'

# A broken runway.conf (a control byte on line 4): the error names the
# line and the byte.  Before Runway powers off (exit-after) or returns to
# the firmware it gives back the config and closes its volume: nothing it
# allocated since it started stays claimed, pool memory included.
broken=$(conf "exit-after = yes" "kernel = /boot/kernel.elf" "cmdline = a$(printf '\001')b")
boot broken-config "$broken" -- "$K/demo.elf=/boot/kernel.elf"
expect_rc broken-config 3
expect_line broken-config '^runway: error: runway.conf:4: control byte 0x01 at column 12'
expect_line broken-config '^runway: exit status=EFI_LOAD_ERROR claimed_pages=[0-9]+ baseline=[0-9]+$'
expect_no_line broken-config 'LEAK'

# The example kernel users start from (examples/hello) boots and reports.
cfg=$(conf "kernel = /boot/hello.elf" "cmdline = hello qemu-exit" "exit-after = yes")
boot hello "$cfg" -- "$BUILD/examples/hello.elf=/boot/hello.elf"
expect_rc hello 0
expect_line hello '^hello: cmdline "hello qemu-exit"$'
expect_line hello '^hello: [0-9]+ map entries, [0-9]+ MiB usable, kernel at 0xffffffff80000000, framebuffer [0-9]+x[0-9]+$'
expect_line hello '^hello: done$'

exit $((failures > 0))
