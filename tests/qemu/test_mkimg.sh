#!/usr/bin/env bash
# shellcheck disable=SC2016 # sh -c snippets take their values as "$1"...
# test_mkimg.sh - checks tools/mkimg.sh: GPT layout, protective MBR, ESP
# contents read back byte for byte, sizing rules and error messages.
# Prints TAP-style "ok - ..." / "not ok - ..." lines; exits 1 if any failed.
# Needs sgdisk (gdisk) and mtools; no root, no loop devices, no QEMU.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
repo=$(CDPATH='' cd -- "$here/../.." && pwd)
mkimg="$repo/tools/mkimg.sh"

case ${1:-} in
-h | --help)
	echo "Usage: ${0##*/}   (runs the tools/mkimg.sh tests, TAP-style output)"
	exit 0
	;;
esac

for t in sgdisk mcopy mtype minfo mdir od cmp; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "${0##*/}: error: '$t' not found (see tools/deps.sh)" >&2
		exit 2
	}
done

MTOOLS_SKIP_CHECK=1
export MTOOLS_SKIP_CHECK

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_mkimg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/#   /' "$tmp/check.out"
	fi
}

# Byte offset of partition 1 of image $1, from sgdisk.
part_offset() {
	first=$(sgdisk -i 1 "$1" | sed -n 's/^First sector: \([0-9][0-9]*\).*/\1/p')
	[ -n "$first" ] || return 1
	echo $((first * 512))
}

# ---------------------------------------------------------------- inputs
src="$tmp/src"
mkdir -p "$src"
printf 'fake EFI application\n' >"$src/BOOTX64.EFI"
printf 'timeout = 3\nkernel = /boot/kernel.elf\n' >"$src/runway.conf"
printf 'a small kernel stand-in\n' >"$src/kernel.elf"
printf 'deeply nested\n' >"$src/c.bin"
: >"$src/empty.bin"
head -c 20971520 /dev/urandom >"$src/random20m.bin"

# ------------------------------------------------------------- good image
img="$tmp/out/disk.img"
mkdir -p "$tmp/out"
if "$mkimg" -o "$img" -e "$src/BOOTX64.EFI" -c "$src/runway.conf" \
	"$src/kernel.elf=/boot/kernel.elf" \
	"$src/c.bin=/a/b/c.bin" \
	"$src/empty.bin=/a/empty.bin" \
	"$src/random20m.bin=/data/random20m.bin" >"$tmp/mkimg.log" 2>&1; then
	ok "mkimg.sh builds an image from 6 files"
else
	not_ok "mkimg.sh builds an image from 6 files"
	sed 's/^/#   /' "$tmp/mkimg.log"
	echo "1..$n"
	exit 1
fi

size=$(wc -c <"$img" | tr -d ' ')
check "default size is 64 MiB for ~20 MiB of files (got $size)" test "$size" -eq 67108864

verify=$(sgdisk -v "$img" 2>&1 || true)
case $verify in
*"No problems found"*) ok "sgdisk -v finds no problems" ;;
*)
	not_ok "sgdisk -v finds no problems"
	printf '%s\n' "$verify" | sed 's/^/#   /'
	;;
esac

table=$(sgdisk -p "$img" 2>&1 || true)
if printf '%s\n' "$table" | awk '$1 == "1" && $2 == "2048" && $6 == "EF00" { f = 1 } END { exit !f }'; then
	ok "sgdisk -p: partition 1 starts at sector 2048 with type EF00"
else
	not_ok "sgdisk -p: partition 1 starts at sector 2048 with type EF00"
	printf '%s\n' "$table" | sed 's/^/#   /'
fi
nparts=$(printf '%s\n' "$table" | awk '$1 ~ /^[0-9]+$/ && NF >= 6' | wc -l | tr -d ' ')
check "exactly one partition (got $nparts)" test "$nparts" -eq 1

info=$(sgdisk -i 1 "$img" 2>&1 || true)
case $info in
*"C12A7328-F81F-11D2-BA4B-00A0C93EC93B"*) ok "partition 1 type GUID is the EFI System Partition GUID" ;;
*) not_ok "partition 1 type GUID is the EFI System Partition GUID" ;;
esac
case $info in
*"Partition name: 'EFI System'"*) ok "partition 1 is named 'EFI System'" ;;
*) not_ok "partition 1 is named 'EFI System'" ;;
esac

mbr_type=$(od -An -tx1 -j450 -N1 "$img" | tr -d ' \n')
check "protective MBR: byte 450 is 0xee (got 0x$mbr_type)" test "$mbr_type" = ee
mbr_sig=$(od -An -tx1 -j510 -N2 "$img" | tr -d ' \n')
check "MBR boot signature 55aa at byte 510 (got $mbr_sig)" test "$mbr_sig" = 55aa
gpt_sig=$(od -An -c -j512 -N8 "$img" | tr -d ' \n')
check "GPT header signature at LBA 1 (got '$gpt_sig')" test "$gpt_sig" = "EFIPART"

off=$(part_offset "$img" || echo 0)
fs="$img@@$off"
fat=$(minfo -i "$fs" :: 2>/dev/null | sed -n 's/^disk type="\(FAT[0-9]*\).*/\1/p')
check "ESP of a 64 MiB image is FAT32 (got '$fat')" test "$fat" = FAT32

# Every file read back with mcopy and compared with cmp.
readback() { # HOSTFILE ESPPATH
	rm -f "$tmp/back"
	mcopy -n -i "$fs" "::$2" "$tmp/back" && cmp "$1" "$tmp/back"
}
check "read back /EFI/BOOT/BOOTX64.EFI" readback "$src/BOOTX64.EFI" /EFI/BOOT/BOOTX64.EFI
check "read back /EFI/BOOT/runway.conf" readback "$src/runway.conf" /EFI/BOOT/runway.conf
check "read back /boot/kernel.elf" readback "$src/kernel.elf" /boot/kernel.elf
check "read back nested /a/b/c.bin" readback "$src/c.bin" /a/b/c.bin
check "read back empty /a/empty.bin" readback "$src/empty.bin" /a/empty.bin
check "read back 20 MiB random /data/random20m.bin" readback "$src/random20m.bin" /data/random20m.bin
mtype_cmp() {
	mtype -i "$fs" ::/EFI/BOOT/runway.conf >"$tmp/typed" && cmp "$src/runway.conf" "$tmp/typed"
}
check "mtype /EFI/BOOT/runway.conf matches" mtype_cmp
check "/EFI/BOOT is a directory" mdir -i "$fs" ::/EFI/BOOT/

# ---------------------------------------------------------- missing file
missing="$src/no-such-file.bin"
if "$mkimg" -o "$tmp/out/missing.img" -e "$src/BOOTX64.EFI" \
	"$missing=/boot/x.bin" >"$tmp/missing.log" 2>&1; then
	not_ok "missing source file makes mkimg.sh fail"
else
	ok "missing source file makes mkimg.sh fail"
fi
if grep -qF "$missing" "$tmp/missing.log"; then
	ok "the error message names the missing file"
else
	not_ok "the error message names the missing file"
	sed 's/^/#   /' "$tmp/missing.log"
fi
check "no output image is left behind after a failure" test ! -e "$tmp/out/missing.img"
leftovers=$(find "$tmp/out" -name '.*' -type f | wc -l | tr -d ' ')
check "no temporary files are left behind ($leftovers)" test "$leftovers" -eq 0

if "$mkimg" -o "$tmp/out/missing2.img" -e "$src/nope.efi" >"$tmp/missing2.log" 2>&1; then
	not_ok "missing -e file makes mkimg.sh fail"
else
	if grep -qF "$src/nope.efi" "$tmp/missing2.log"; then
		ok "missing -e file makes mkimg.sh fail, naming it"
	else
		not_ok "missing -e file makes mkimg.sh fail, naming it"
		sed 's/^/#   /' "$tmp/missing2.log"
	fi
fi

# ---------------------------------------------------------------- sizing
# Sparse 40 MiB input: default size must be 40 + 32 = 72 MiB.
truncate -s 40M "$src/big40m.bin"
if "$mkimg" -o "$tmp/out/big.img" -n "$src/big40m.bin=/big.bin" >"$tmp/big.log" 2>&1; then
	bsize=$(wc -c <"$tmp/out/big.img" | tr -d ' ')
	check "default size is files + 32 MiB (72 MiB, got $bsize)" test "$bsize" -eq 75497472
	boff=$(part_offset "$tmp/out/big.img" || echo 0)
	rm -f "$tmp/back"
	check "read back 40 MiB file" sh -c 'mcopy -n -i "$1" ::/big.bin "$2" && cmp "$3" "$2"' sh \
		"$tmp/out/big.img@@$boff" "$tmp/back" "$src/big40m.bin"
else
	not_ok "mkimg.sh builds an image with a 40 MiB file"
	sed 's/^/#   /' "$tmp/big.log"
fi
rm -f "$tmp/out/big.img" "$src/big40m.bin"

if "$mkimg" -o "$tmp/out/small.img" -s 10 -e "$src/BOOTX64.EFI" >"$tmp/small.log" 2>&1; then
	ssize=$(wc -c <"$tmp/out/small.img" | tr -d ' ')
	check "-s 10 gives a 10 MiB image (got $ssize)" test "$ssize" -eq 10485760
	check "sgdisk -v accepts the 10 MiB image" sh -c 'sgdisk -v "$1" | grep -q "No problems found"' sh "$tmp/out/small.img"
	soff=$(part_offset "$tmp/out/small.img" || echo 0)
	sfat=$(minfo -i "$tmp/out/small.img@@$soff" :: 2>/dev/null | sed -n 's/^disk type="\(FAT[0-9]*\).*/\1/p')
	check "ESP of a 10 MiB image is FAT16 (got '$sfat')" test "$sfat" = FAT16
else
	not_ok "mkimg.sh -s 10 builds an image"
	sed 's/^/#   /' "$tmp/small.log"
fi

if "$mkimg" -o "$tmp/out/toosmall.img" -s 16 -n "$src/random20m.bin=/r.bin" >"$tmp/toosmall.log" 2>&1; then
	not_ok "-s too small for the files makes mkimg.sh fail"
else
	if grep -q "too small" "$tmp/toosmall.log"; then
		ok "-s too small for the files makes mkimg.sh fail with a clear message"
	else
		not_ok "-s too small for the files makes mkimg.sh fail with a clear message"
		sed 's/^/#   /' "$tmp/toosmall.log"
	fi
fi

# ------------------------------------------------ default -e in the repo
# A copy of mkimg.sh in a scratch repository finds build/BOOTX64.EFI there.
fake="$tmp/fakerepo"
mkdir -p "$fake/tools" "$fake/build"
cp "$mkimg" "$fake/tools/mkimg.sh"
printf 'default loader\n' >"$fake/build/BOOTX64.EFI"
if (cd "$tmp" && "$fake/tools/mkimg.sh" -o "$tmp/out/def.img") >"$tmp/def.log" 2>&1; then
	doff=$(part_offset "$tmp/out/def.img" || echo 0)
	fs="$tmp/out/def.img@@$doff"
	check "-e defaults to build/BOOTX64.EFI under the repository root" \
		readback "$fake/build/BOOTX64.EFI" /EFI/BOOT/BOOTX64.EFI
else
	not_ok "-e defaults to build/BOOTX64.EFI under the repository root"
	sed 's/^/#   /' "$tmp/def.log"
fi

check "mkimg.sh -h prints a usage text" sh -c '"$1" -h | grep -q "^Usage:"' sh "$mkimg"

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n checks failed" >&2
	exit 1
fi
echo "# all $n checks passed" >&2
