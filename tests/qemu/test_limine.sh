#!/usr/bin/env bash
# test_limine.sh - the Limine boot protocol (protocol = limine) under OVMF,
# checked from inside by the Limine test kernels (tests/limine/): each
# kernel makes the protocol's requests, checks every response and the
# machine state, and prints one line "limine-kernel: PASS ..." or
# "limine-kernel: FAIL <what, expected, got>" before exiting QEMU.
#
# Scenarios: the full kernel with 1 and 4 CPUs on q35 and pc and with
# 4 GiB of memory; without the MP request; asking for x2APIC (the MP
# request's flags bit 0) on the default CPU and on one without x2APIC;
# preferring 5-level paging (the paging mode request's mode 1) on a CPU
# with LA57 and on the default CPU; as a PIE with KASLR on (two
# boots, two bases) and off; asking for base revision 0; the malformed
# kernels the loader must still boot (a preset response pointer, requests
# outside the markers, base revision 99, requests of revision 99); the
# ones it must refuse with "runway: error:" (a 1 GiB stack, two HHDM
# requests, a required internal module that is missing), each followed by
# an entry that must still boot; and a module whose hash does not match,
# to see the kernel fail loudly.
#
# Needs: make BUILD=... all (BOOTX64.EFI and $BUILD/limine/*.elf).
# Run:   BUILD=build tests/qemu/test_limine.sh
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

L=$BUILD/limine
# The command line the full kernels require (LIMINE_TEST_CMDLINE in
# tests/limine/limine.mk).
CMDLINE="limine-test console=ttyS0 answer=42"

for f in BOOTX64.EFI limine/limine.elf limine/limine-nomp.elf limine/limine-pie.elf \
	limine/limine-rev0.elf limine/limine-x2apic.elf limine/limine-5lvl.elf \
	limine/limine-tiny.elf \
	limine/internal.bin; do
	if [ ! -f "$BUILD/$f" ]; then
		not_ok "build" "$BUILD/$f is missing: run make BUILD=$BUILD all"
		exit 1
	fi
done

# Two config modules, each with "fnv1a64=<its hash>" as its command line
# (the kernel hashes the bytes it gets), and the internal module the full
# kernels ask for by path: internal.bin beside the kernel file.
mod1=$OUT/limine-mod1.bin mod2=$OUT/limine-mod2.txt
head -c $((1 << 20)) /dev/urandom >"$mod1"
printf 'a small module, %s\n' "$(date)" >"$mod2"
h1=$(fnv1a64 "$mod1") h2=$(fnv1a64 "$mod2")
files=("$mod1=/boot/mod1.bin" "$mod2=/boot/mod2.txt" "$L/internal.bin=/boot/internal.bin")

# gpt_boot NAME CONFIG RUN_ARGS... -- FILES...: lib.sh's boot, keeping the
# image long enough to read its GPT: sets $log, $rc, $disk_guid, $part_guid.
gpt_boot() {
	local name=$1 conf=$2 run_args=() img
	shift 2
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		run_args+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	img=$OUT/$name.img
	log=$OUT/$name.log
	disk_guid="" part_guid=""
	if ! tools/mkimg.sh -o "$img" -e "$BUILD/BOOTX64.EFI" -c "$conf" "$@" \
		>"$OUT/$name.mkimg.log" 2>&1; then
		rc=99
		{ echo "mkimg failed"; cat "$OUT/$name.mkimg.log"; } >"$log"
		return 0
	fi
	disk_guid=$(sgdisk -p "$img" | sed -n 's/^Disk identifier (GUID): //p')
	part_guid=$(sgdisk -i 1 "$img" | sed -n 's/^Partition unique GUID: //p')
	rc=0
	ovmf/run.sh "${run_args[@]}" --serial "$log" "$img" >/dev/null \
		2>"$OUT/$name.run.log" || rc=$?
	rm -f "$img"
}

# pass_field KEY: the value of KEY=... on the kernel's PASS line.
pass_field() {
	tr -d '\r' <"$log" | grep -m1 '^limine-kernel: PASS' | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# limine_conf KERNEL-LINES...: a one-entry limine config with both modules.
limine_conf() {
	conf "exit-after = yes" "entry = limine test kernel" "protocol = limine" \
		"kernel = /boot/kernel.elf" "cmdline = $CMDLINE" \
		"module = /boot/mod1.bin fnv1a64=$h1" "module = /boot/mod2.txt fnv1a64=$h2" "$@"
}

# full NAME KERNEL CPUS [CONFIG-LINES...] -- RUN_ARGS...: boot a full kernel
# and check its PASS line: base revision, CPUs, 3 modules, the image's GUIDs.
full() {
	local name=$1 kern=$2 cpus=$3 lines=() cfg disk part rev=3
	shift 3
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		lines+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	[ "$kern" = limine-rev0.elf ] && rev=0
	cfg=$(limine_conf "${lines[@]}")
	gpt_boot "$name" "$cfg" --timeout 300 "$@" -- "$L/$kern=/boot/kernel.elf" "${files[@]}"
	expect_rc "$name" 0
	expect_line "$name" "^limine-kernel: PASS rev=$rev .* cpus=$cpus modules=3 "
	expect_no_line "$name" '^runway: error:'
	disk=$(pass_field disk) part=$(pass_field part)
	if [ -z "$disk" ]; then
		: # no PASS line: reported above
	elif [ -n "$disk_guid" ] && [ "${disk^^}" = "${disk_guid^^}" ] &&
		[ "${part^^}" = "${part_guid^^}" ]; then
		ok "$name: kernel file GPT disk $disk and partition $part are the image's"
	else
		not_ok "$name: GUIDs" "kernel saw disk '$disk' part '$part', sgdisk says '$disk_guid' '$part_guid' (log: $log)"
	fi
	tr -d '\r' <"$log" | grep -m1 '^limine-kernel: ' | sed 's/^/# /'
}

# ---- the full kernel across machines ----
full limine-q35-smp1 limine.elf 1 -- --machine q35 --smp 1
expect_line limine-q35-smp1 '^limine-kernel: PASS .* vbase=0xffffffff80000000 '
full limine-q35-smp4 limine.elf 4 -- --machine q35 --smp 4
full limine-pc-smp4 limine.elf 4 -- --machine pc --smp 4
full limine-pc-smp1 limine.elf 1 -- --machine pc --smp 1
full limine-q35-4g limine.elf 2 -- --machine q35 --smp 2 --mem 4G
full limine-nomp-q35-smp4 limine-nomp.elf none -- --machine q35 --smp 4
full limine-rev0-q35-smp2 limine-rev0.elf 2 -- --machine q35 --smp 2
full limine-rev0-pc-smp1 limine-rev0.elf 1 -- --machine pc --smp 1

# ---- x2APIC asked for (the MP request's flags bit 0) ----
# The kernel itself requires response flags bit 0 = CPUID.1:ECX.x2APIC and,
# when set, x2APIC mode on the BSP and every AP with x2APIC IDs (mp.c); its
# PASS line ends in x2apic=0|1.  First QEMU's default CPU (run.sh: host
# under KVM, max under TCG; whether it has x2APIC depends on QEMU and the
# accelerator: QEMU 7.2's TCG has none), then one that never has it.
full limine-x2apic-q35-smp4 limine-x2apic.elf 4 -- --machine q35 --smp 4
x2=$(pass_field x2apic)
cpu_note=$(sed -n 's/^run\.sh: accelerator: //p' "$OUT/limine-x2apic-q35-smp4.run.log" | head -n 1)
case $x2 in
1) ok "limine-x2apic-q35-smp4: x2APIC enabled on all 4 CPUs, x2APIC IDs reported ($cpu_note)" ;;
0) ok "limine-x2apic-q35-smp4: this CPU has no x2APIC (CPUID.1:ECX bit 21 clear): flags bit 0 rightly 0, xAPIC checks only ($cpu_note)" ;;
*) not_ok "limine-x2apic-q35-smp4: x2apic" "no x2apic=0|1 on a PASS line (log: $log)" ;;
esac
full limine-x2apic-nox2-q35-smp4 limine-x2apic.elf 4 -- --machine q35 --smp 4 \
	--cpu qemu64,-x2apic
expect_line limine-x2apic-nox2-q35-smp4 '^limine-kernel: PASS .* x2apic=0$'

# ---- 5-level paging preferred (paging mode request mode 1, max 1, min 0) ----
# The kernel itself requires response mode = CR4.LA57 (BSP and every AP) =
# CPUID.(EAX=7,ECX=0):ECX bit 16, the HHDM at 0xff00000000000000 with
# 5 levels and 0xffff800000000000 with 4, and walks its page tables with
# the levels CR4.LA57 says; its PASS line ends in paging=5|4.  First a CPU
# with LA57 (5-level required), then QEMU's default CPU (run.sh: host under
# KVM, max under TCG), whatever its CPUID says: QEMU 7.2's TCG "max" has
# LA57 here, so that boot is 5-level as well.
full limine-5lvl-la57-q35-smp2 limine-5lvl.elf 2 -- --machine q35 --smp 2 --cpu max,+la57
expect_line limine-5lvl-la57-q35-smp2 '^limine-kernel: PASS .* hhdm=0xff00000000000000 .* paging=5$'
full limine-5lvl-q35-smp2 limine-5lvl.elf 2 -- --machine q35 --smp 2
pg=$(pass_field paging)
cpu_note=$(sed -n 's/^run\.sh: accelerator: //p' "$OUT/limine-5lvl-q35-smp2.run.log" | head -n 1)
case $pg in
5) ok "limine-5lvl-q35-smp2: the default CPU has LA57: 5-level paging on both CPUs, HHDM 0xff00000000000000 ($cpu_note)" ;;
4) ok "limine-5lvl-q35-smp2: the default CPU has no LA57 (CPUID.7.0:ECX bit 16 clear): 4-level rightly, HHDM 0xffff800000000000 ($cpu_note)" ;;
*) not_ok "limine-5lvl-q35-smp2: paging" "no paging=4|5 on a PASS line (log: $log)" ;;
esac

# ---- the PIE: KASLR on (two boots, two bases) and off ----
bases=()
for i in 1 2; do
	full "limine-pie-kaslr-$i" limine-pie.elf 4 "kaslr = yes" -- --smp 4
	base=$(pass_field vbase)
	if [ -n "$base" ] && [ "$((base))" -ge "$((0xffffffff80000000))" ]; then
		ok "limine-pie-kaslr-$i: runs at $base, at or above 0xffffffff80000000"
	else
		not_ok "limine-pie-kaslr-$i: base" "vbase '$base' (log: $log)"
	fi
	bases+=("$base")
done
if [ -n "${bases[0]}" ] && [ "${bases[0]}" != "${bases[1]}" ]; then
	ok "limine-pie-kaslr: two boots, two bases (${bases[0]}, ${bases[1]})"
else
	not_ok "limine-pie-kaslr: bases" "both boots ran at '${bases[0]}'"
fi
full limine-pie-fixed limine-pie.elf 1 "kaslr = no" -- --machine pc --smp 1
expect_line limine-pie-fixed '^limine-kernel: PASS .* vbase=0xffffffff80000000 '

# ---- malformed kernels the loader boots ----
# tiny NAME KERNEL LINE-REGEX: one entry, the kernel's own checks decide.
tiny() {
	local cfg
	cfg=$(conf "exit-after = yes" "entry = $1" "protocol = limine" "kernel = /boot/kernel.elf")
	boot "$1" "$cfg" --timeout 120 -- "$L/$2=/boot/kernel.elf" "$L/internal.bin=/boot/internal.bin"
	expect_rc "$1" 0
	expect_line "$1" "$3"
	expect_no_line "$1" '^runway: error:'
}
tiny limine-bad-preset limine-bad-preset.elf '^limine-kernel: PASS case=preset '
tiny limine-bad-outside limine-bad-outside.elf '^limine-kernel: PASS case=outside '
tiny limine-bad-rev99 limine-bad-rev99.elf '^limine-kernel: PASS case=rev99 .*tag2=99$'
tiny limine-bad-reqrev99 limine-bad-reqrev99.elf '^limine-kernel: PASS case=reqrev99 '

# ---- malformed kernels the loader refuses, then the next entry boots ----
# One run-all boot: a 1 GiB stack request, two HHDM requests, a full kernel
# whose required internal module is not beside it; then the tiny control.
cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = stack 1 GiB" "protocol = limine" "kernel = /bad/stack1g.elf" \
	"entry = two HHDM requests" "protocol = limine" "kernel = /bad/dup.elf" \
	"entry = no internal module" "protocol = limine" "kernel = /noint/kernel.elf" \
	"cmdline = $CMDLINE" \
	"entry = control" "protocol = limine" "kernel = /boot/tiny.elf")
boot limine-refused "$cfg" --timeout 180 -- "$L/limine-bad-stack1g.elf=/bad/stack1g.elf" \
	"$L/limine-bad-dup.elf=/bad/dup.elf" "$L/limine-nomp.elf=/noint/kernel.elf" \
	"$L/limine-tiny.elf=/boot/tiny.elf"
expect_rc limine-refused 0
expect_line limine-refused '^limine-kernel: PASS case=tiny '
expect_no_line limine-refused '^limine-kernel: FAIL'
expect_no_line limine-refused '^runway: entry-done .*LEAK'
clean=$(tr -d '\r' <"$log")
errors=$(grep -c '^runway: error:' <<<"$clean")
if [ "$errors" -eq 3 ]; then
	ok "limine-refused: 3 entries refused with runway: error:, then the control booted"
else
	not_ok "limine-refused: errors" "$errors 'runway: error:' lines, want 3 (log: $log)"
fi
first_pass=$(grep -n -m1 '^limine-kernel: PASS' <<<"$clean" | cut -d: -f1)
last_error=$(grep -n '^runway: error:' <<<"$clean" | tail -n 1 | cut -d: -f1)
if [ -n "$first_pass" ] && [ -n "$last_error" ] && [ "$last_error" -lt "$first_pass" ]; then
	ok "limine-refused: the refusals came before the control's PASS"
else
	not_ok "limine-refused: order" "last error at line '$last_error', PASS at '$first_pass'"
fi
grep '^runway: error:' <<<"$clean" | sed 's/^/# /'

# ---- the kernel fails loudly: a module string naming another hash ----
cfg=$(conf "exit-after = yes" "entry = mismatch" "protocol = limine" \
	"kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "module = /boot/mod1.bin fnv1a64=$h2")
boot limine-module-mismatch "$cfg" --timeout 180 -- "$L/limine-nomp.elf=/boot/kernel.elf" \
	"${files[@]}"
expect_rc limine-module-mismatch 1
expect_line limine-module-mismatch "^limine-kernel: FAIL module 1 \\(/boot/mod1.bin, .*FNV-1a 64 is $h1, its cmdline says $h2"

rm -f "$mod1" "$mod2"
exit $((failures > 0))
