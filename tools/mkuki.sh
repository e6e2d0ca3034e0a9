#!/usr/bin/env bash
# mkuki.sh - build a unified kernel image (Boot Loader Specification type #2)
# from systemd's EFI stub with objcopy.
#
# The stub (linuxx64.efi.stub) is a PE32+ program that, once started, finds
# the kernel, initrd and command line in sections of its own image, by
# name.  Each section is added past the stub's last section: the first at
# the end of that section rounded up to the stub's SectionAlignment, each
# next one at the end of the one before, rounded up likewise, so that no
# two sections overlap in memory (the stub and the firmware's PE loader
# see them at their VMAs).  Order: .osrel, .cmdline, .linux, .initrd.
# The layout is printed, one "SECTION VMA SIZE" line each (hexadecimal).
#
# Needs: objcopy and objdump (binutils).
set -eu
prog=${0##*/}

usage() {
	cat <<EOF
Usage: $prog -o OUT.efi -s STUB -k KERNEL [-i INITRD] [-c CMDLINE] [-r OSREL]

  -o OUT.efi  the unified kernel image to write
  -s STUB     systemd's linuxx64.efi.stub (tools/fetch-sdstub.sh)
  -k KERNEL   the Linux kernel (bzImage with its EFI stub) -> .linux
  -i INITRD   an initrd (newc cpio)                        -> .initrd
  -c CMDLINE  the kernel command line (text)               -> .cmdline
  -r OSREL    an os-release file (PRETTY_NAME=...)         -> .osrel
EOF
}

die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

out="" stub="" kernel="" initrd="" cmdline="" osrel=""
have_cmdline=no
while getopts o:s:k:i:c:r:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	s) stub=$OPTARG ;;
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	c) cmdline=$OPTARG have_cmdline=yes ;;
	r) osrel=$OPTARG ;;
	h)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done
if [ -z "$out" ] || [ -z "$stub" ] || [ -z "$kernel" ]; then
	usage >&2
	exit 2
fi
for f in "$stub" "$kernel" ${initrd:+"$initrd"} ${osrel:+"$osrel"}; do
	[ -s "$f" ] || die "$f: missing or empty"
done
for t in objcopy objdump; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (tools/deps.sh installs binutils)"
done

# The stub's section alignment, from its PE optional header.
align=$(objdump -p "$stub" | sed -n 's/^SectionAlignment[[:space:]]*\([0-9a-fA-F]*\)$/\1/p')
[ -n "$align" ] || die "$stub: no SectionAlignment (not a PE32+ program?)"
align=$((16#$align))
# Where the stub's last section ends in memory: the largest VMA + size of
# objdump -h's section lines ("IDX NAME SIZE VMA LMA OFFSET ALIGN").
end=0
while read -r idx _ size vma _; do
	[[ $idx =~ ^[0-9]+$ ]] || continue
	[ $((16#$vma + 16#$size)) -le "$end" ] || end=$((16#$vma + 16#$size))
done < <(objdump -h "$stub")
[ "$end" -gt 0 ] || die "$stub: no sections"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-uki.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
args=()
next=$end
add() { # NAME FILE: the section at the next aligned VMA
	local vma=$(((next + align - 1) / align * align)) size
	size=$(stat -c %s "$2")
	args+=(--add-section "$1=$2" --change-section-vma "$1=$(printf '0x%x' "$vma")")
	printf '%s 0x%x 0x%x\n' "$1" "$vma" "$size"
	next=$((vma + size))
}
[ -z "$osrel" ] || add .osrel "$osrel"
if [ "$have_cmdline" = yes ]; then
	printf '%s' "$cmdline" >"$tmp/cmdline"
	add .cmdline "$tmp/cmdline"
fi
add .linux "$kernel"
[ -z "$initrd" ] || add .initrd "$initrd"
objcopy "${args[@]}" "$stub" "$tmp/uki.efi"
mv "$tmp/uki.efi" "$out"
