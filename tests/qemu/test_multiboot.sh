#!/usr/bin/env bash
# test_multiboot.sh - the Multiboot2 and Multiboot (1) protocols under
# OVMF, checked from inside by the test kernels of tests/multiboot/: each
# kernel checks the machine state and every tag or field it receives and
# prints one line "mb-kernel: PASS variant=NAME ..." (or one
# "mb-kernel: FAIL variant=NAME ..." line per failed check) before exiting
# QEMU through isa-debug-exit.
#
# Scenarios, one boot each (a Multiboot kernel never returns, so run-all
# cannot batch good kernels), every one with the same command line and two
# modules whose strings carry their FNV-1a 64 hashes:
#   q35, no protocol line (detection must say multiboot2 / multiboot1):
#       mb2-i386.elf, mb1.elf
#   q35 and pc, protocol named: mb2-efi64.elf (EFI amd64 entry, the
#       kernel exits boot services itself), mb2-reloc.elf (relocatable
#       tag: the kernel checks the load base tag against where it runs)
#   q35: mb2-aout.bin; pc: mb1-aout.bin (flat binaries with address fields)
#   pc, protocol named: mb2-i386.elf, mb1.elf
# and one run-all boot of the malformed kernels, each of which must be
# refused with its own "runway: error:" line (checksum, a required tag
# type 99, an unknown header tag 99, an address range over firmware
# flash, a header past the first 32 KiB, an entry outside the image, a
# Multiboot checksum), then a control entry that must boot and PASS where
# a refused one would have gone, with no LEAK.
#
# Needs: make BUILD=... all (BOOTX64.EFI and $BUILD/multiboot/*).
# Run:   BUILD=build tests/qemu/test_multiboot.sh
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

MB=$BUILD/multiboot
# The command line every kernel requires (MB_TEST_CMDLINE in
# tests/multiboot/multiboot.mk).
CMDLINE="mb-test console=ttyS0 answer=42"

for f in BOOTX64.EFI multiboot/mb2-i386.elf multiboot/mb2-i386-16m.elf multiboot/mb2-efi64.elf multiboot/mb2-reloc.elf \
	multiboot/mb2-aout.bin multiboot/mb1.elf multiboot/mb1-aout.bin \
	multiboot/mb2-bad-checksum.elf multiboot/mb2-bad-required.elf \
	multiboot/mb2-bad-unknown-tag.elf multiboot/mb2-bad-addr.bin \
	multiboot/mb2-bad-window.elf multiboot/mb2-bad-entry.bin \
	multiboot/mb1-bad-checksum.elf; do
	if [ ! -f "$BUILD/$f" ]; then
		not_ok "build" "$BUILD/$f is missing: run make BUILD=$BUILD all"
		exit 1
	fi
done

# Two modules, each with "fnv1a64=<its hash>" as its string; the first is
# not a whole number of pages.
mod1=$OUT/mb-mod1.bin mod2=$OUT/mb-mod2.txt
head -c $(((1 << 20) + 123)) /dev/urandom >"$mod1"
printf 'a small Multiboot module, %s\n' "$(date)" >"$mod2"
h1=$(fnv1a64 "$mod1") h2=$(fnv1a64 "$mod2")
modules=("$mod1=/boot/mod1.bin" "$mod2=/boot/mod2.txt")

# pass_field KEY: the value of KEY=... on the kernel's PASS line.
pass_field() {
	tr -d '\r' <"$log" | grep -m1 '^mb-kernel: PASS' | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# mb_entry PROTOCOL PATH: the lines of one entry with the command line and
# both modules ("-" as PROTOCOL: no protocol line, Runway detects it).
mb_entry() {
	[ "$1" = - ] || echo "protocol = $1"
	printf '%s\n' "kernel = $2" "cmdline = $CMDLINE" \
		"module = /boot/mod1.bin fnv1a64=$h1" "module = /boot/mod2.txt fnv1a64=$h2"
}

# good NAME KERNEL PROTOCOL PASS-REGEX -- RUN_ARGS...: one entry, one boot;
# the kernel must PASS (the line matching PASS-REGEX), nothing may fail.
# PROTOCOL "-": no protocol line, and the log must show the detection of
# the protocol the file name says.
good() {
	local name=$1 kern=$2 proto=$3 regex=$4 cfg lines=() want
	shift 4
	[ "${1:-}" = -- ] && shift
	mapfile -t lines < <(mb_entry "$proto" "/boot/$kern")
	cfg=$(conf "exit-after = yes" "entry = $name" "${lines[@]}")
	boot "$name" "$cfg" --timeout 180 "$@" -- "$MB/$kern=/boot/$kern" "${modules[@]}"
	expect_rc "$name" 0
	expect_line "$name" "$regex"
	expect_no_line "$name" '^mb-kernel: FAIL'
	expect_no_line "$name" '^runway: error:'
	if [ "$proto" = - ]; then
		case $kern in
		mb1*) want=multiboot1 ;;
		*) want=multiboot2 ;;
		esac
		expect_line "$name" "^runway: protocol path=/boot/$kern detected=$want( |$)"
	fi
	tr -d '\r' <"$log" | grep '^mb-kernel: ' | sed 's/^/# /'
}

PASS2='modules=2 fb=800x600 mmap_entries=[0-9]+ efi_descs=[0-9]+ gdt=(lsl|unreadable)'
PASS1='modules=2 fb=1024x768 mmap_entries=[0-9]+ mem_lower=[0-9]+ mem_upper=[0-9]+ gdt=(lsl|unreadable)'

# ---- the i386 entry: ELF32, detected and named, q35 and pc ----
good mb2-i386-q35-detect mb2-i386.elf - \
	"^mb-kernel: PASS variant=mb2-i386 tags=[0-9,]+ $PASS2 base=0x100000$" -- --machine q35
good mb2-i386-pc mb2-i386.elf multiboot2 \
	"^mb-kernel: PASS variant=mb2-i386 tags=[0-9,]+ $PASS2 base=0x100000$" -- --machine pc

# ---- linked at 16 MiB, boot-services memory under OVMF until
# ExitBootServices: staged elsewhere and moved in with paging off ----
good mb2-i386-16m-q35 mb2-i386-16m.elf multiboot2 \
	"^mb-kernel: PASS variant=mb2-i386-16m tags=[0-9,]+ $PASS2 base=0x1000000$" -- --machine q35
expect_line mb2-i386-16m-q35 '^runway: staged path=/boot/mb2-i386-16m.elf to=0x1000000 from=0x[0-9a-f]+ bytes=[0-9]+ '

# ---- the EFI amd64 entry: boot services running, the kernel exits them ----
good mb2-efi64-q35 mb2-efi64.elf multiboot2 \
	'^mb-kernel: PASS variant=mb2-efi64 tags=[0-9,]+ modules=2 mmap_entries=[0-9]+ exited_boot_services=1 retries=[01]$' \
	-- --machine q35
tags=",$(pass_field tags),"
for t in 4 6; do
	if [ "$tags" = ",," ]; then
		: # no PASS line: reported above
	elif [[ $tags == *",$t,"* ]]; then
		ok "mb2-efi64-q35: optional tag $t given with boot services running"
	else
		not_ok "mb2-efi64-q35: tag $t" "asked for (optional) and not given: tags $(pass_field tags)"
	fi
done

# ---- relocatable: the load base tag equals where the code runs ----
good mb2-reloc-q35 mb2-reloc.elf multiboot2 \
	"^mb-kernel: PASS variant=mb2-reloc tags=[0-9,]*21[0-9,]* $PASS2 base=0x[0-9a-f]+$" -- --machine q35
base=$(pass_field base)
logged=$(tr -d '\r' <"$log" | sed -n 's/^runway: relocated .*base=\(0x[0-9a-f]*\).*/\1/p' | head -n 1)
if [ -n "$base" ] && [ "$base" = "$logged" ]; then
	ok "mb2-reloc-q35: runs at $base, the base Runway logged"
else
	not_ok "mb2-reloc-q35: base" "kernel runs at '$base', Runway logged '$logged' (log: $log)"
fi

# ---- the EFI entry and the relocatable one on pc as well ----
good mb2-efi64-pc mb2-efi64.elf multiboot2 \
	'^mb-kernel: PASS variant=mb2-efi64 tags=[0-9,]+ modules=2 mmap_entries=[0-9]+ exited_boot_services=1 retries=[01]$' \
	-- --machine pc
good mb2-reloc-pc mb2-reloc.elf multiboot2 \
	"^mb-kernel: PASS variant=mb2-reloc tags=[0-9,]*21[0-9,]* $PASS2 base=0x[0-9a-f]+$" -- --machine pc

# ---- flat binaries: address tag (q35) / address fields (pc) ----
good mb2-aout-q35 mb2-aout.bin multiboot2 \
	"^mb-kernel: PASS variant=mb2-aout tags=[0-9,]+ $PASS2 base=0x300000$" -- --machine q35
good mb1-aout-pc mb1-aout.bin multiboot1 \
	"^mb-kernel: PASS variant=mb1-aout flags=0x[0-9a-f]+ $PASS1 base=0x400000$" -- --machine pc

# ---- Multiboot (1): detected and named, q35 and pc ----
good mb1-q35-detect mb1.elf - \
	"^mb-kernel: PASS variant=mb1 flags=0x[0-9a-f]+ $PASS1 base=0x100000$" -- --machine q35
good mb1-pc mb1.elf multiboot1 \
	"^mb-kernel: PASS variant=mb1 flags=0x[0-9a-f]+ $PASS1 base=0x100000$" -- --machine pc

# ---- malformed kernels, refused one after the other, then the control ----
# Each bad entry names its file; the error line for it must name the file
# and match its regex.  The control loads at 0x300000, where mb2-bad-entry
# would have gone.
bad_names=(checksum required unknown-tag addr window entry mb1-checksum)
bad_files=(mb2-bad-checksum.elf mb2-bad-required.elf mb2-bad-unknown-tag.elf mb2-bad-addr.bin
	mb2-bad-window.elf mb2-bad-entry.bin mb1-bad-checksum.elf)
bad_protos=(multiboot2 multiboot2 multiboot2 multiboot2 multiboot2 multiboot2 multiboot1)
bad_regex=(
	'Multiboot2 header at offset [0-9]+: checksum 0x[0-9a-f]{8} does not cancel'
	'information tag 99\b'
	'header tag type 99 .*optional'
	'physical 0xffc00000\.\.0x[0-9a-f]+, but 0xffc00000\.\.0x[0-9a-f]+ is ([a-z-]+ memory \(firmware descriptor [0-9]+\)|not memory the firmware)'
	'no Multiboot2 header \(magic 0xe85250d6\) in the first 32 KiB'
	'entry.* 0x[0-9a-f]+ is outside the loaded image \(physical 0x300000\.\.'
	'Multiboot header at offset [0-9]+: checksum 0x[0-9a-f]{8} does not cancel magic \+ flags'
)
lines=("run-all = yes" "exit-after = yes")
files=()
for i in "${!bad_names[@]}"; do
	lines+=("entry = bad ${bad_names[$i]}" "protocol = ${bad_protos[$i]}"
		"kernel = /bad/${bad_files[$i]}")
	files+=("$MB/${bad_files[$i]}=/bad/${bad_files[$i]}")
done
mapfile -t control < <(mb_entry multiboot2 /boot/mb2-aout.bin)
cfg=$(conf "${lines[@]}" "entry = control" "${control[@]}")
boot mb-refused "$cfg" --timeout 240 --machine q35 -- "${files[@]}" \
	"$MB/mb2-aout.bin=/boot/mb2-aout.bin" "${modules[@]}"
expect_rc mb-refused 0
expect_line mb-refused "^mb-kernel: PASS variant=mb2-aout tags=[0-9,]+ $PASS2 base=0x300000$"
expect_no_line mb-refused '^mb-kernel: FAIL'
expect_no_line mb-refused '^runway: entry-done .*LEAK'
clean=$(tr -d '\r' <"$log")
errors=$(grep -c '^runway: error:' <<<"$clean")
if [ "$errors" -eq "${#bad_names[@]}" ]; then
	ok "mb-refused: ${#bad_names[@]} entries refused with runway: error:"
else
	not_ok "mb-refused: errors" "$errors 'runway: error:' lines, want ${#bad_names[@]} (log: $log)"
fi
for i in "${!bad_names[@]}"; do
	line=$(grep "^runway: error: .*/bad/${bad_files[$i]}" <<<"$clean" | head -n 1)
	if [ -z "$line" ]; then
		not_ok "mb-refused: ${bad_files[$i]}" "no runway: error: line names /bad/${bad_files[$i]}"
	elif grep -Eq -- "${bad_regex[$i]}" <<<"$line"; then
		ok "mb-refused: ${bad_files[$i]} refused: /${bad_regex[$i]}/"
	else
		not_ok "mb-refused: ${bad_files[$i]}" "'$line' does not match /${bad_regex[$i]}/"
	fi
done
first_pass=$(grep -n -m1 '^mb-kernel: PASS' <<<"$clean" | cut -d: -f1)
last_error=$(grep -n '^runway: error:' <<<"$clean" | tail -n 1 | cut -d: -f1)
if [ -n "$first_pass" ] && [ -n "$last_error" ] && [ "$last_error" -lt "$first_pass" ]; then
	ok "mb-refused: the refusals came before the control's PASS"
else
	not_ok "mb-refused: order" "last error at line '$last_error', PASS at '$first_pass'"
fi
grep '^runway: error:' <<<"$clean" | sed 's/^/# /'

rm -f "$mod1" "$mod2"
exit $((failures > 0))
