#!/usr/bin/env bash
# mkimg.sh - build a bootable GPT disk image holding one EFI System Partition.
#
# The image is made without root and without loop devices: a sparse file is
# partitioned with sgdisk, and the FAT file system inside partition 1 is
# written with mtools addressing the partition by byte offset (FILE@@OFFSET).
# The result can be booted by ovmf/run.sh or written to a USB stick with dd.
#
# Needs: sgdisk (gdisk), mformat/mmd/mcopy/minfo (mtools), truncate, wc.
set -eu

prog=${0##*/}
script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
repo_root=$(dirname -- "$script_dir")

usage() {
	cat <<EOF
Usage: $prog -o OUT.img [-s SIZE_MiB] [-e BOOTX64.EFI | -n] [-c CONFIG]
             [-L LABEL] [SRC=/ESP/PATH ...]

Build a GPT disk image OUT.img with a single EFI System Partition
(partition 1, type EF00, starting at sector 2048). The partition is
formatted FAT32 when it is large enough (about 33 MiB or more), FAT16
otherwise.

Options:
  -o OUT.img     output image (required); replaced only when the build succeeds
  -s SIZE_MiB    total image size in MiB (default: sum of file sizes + 32 MiB,
                 at least 64 MiB); it is an error if the files do not fit
  -e FILE        boot loader copied to /EFI/BOOT/BOOTX64.EFI
                 (default: build/BOOTX64.EFI in the repository:
                 $repo_root/build/BOOTX64.EFI)
  -n             do not install any /EFI/BOOT/BOOTX64.EFI (empty ESP, for tests)
  -c CONFIG      config file copied to /EFI/BOOT/runway.conf
  -L LABEL       FAT volume label (default: RUNWAY)
  -h             show this help

Operands:
  SRC=/ESP/PATH  copy host file SRC to /ESP/PATH inside the ESP; missing
                 directories are created (e.g. k.elf=/boot/kernel.elf).
                 The split is at the last '=' so SRC may contain '='.

Write the image to a stick with e.g.:
  dd if=OUT.img of=/dev/sdX bs=4M conv=fsync
(the backup GPT then sits at the end of the image, not of the stick; firmware
and gdisk handle that, and 'sgdisk -e /dev/sdX' moves it if wanted).
EOF
}

die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

note() {
	printf '%s: %s\n' "$prog" "$*" >&2
}

need_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found (install the Debian package '$2'; see tools/deps.sh)"
}

# ---------------------------------------------------------------- arguments
out=""
size_mib=""
efi="$repo_root/build/BOOTX64.EFI"
no_efi=0
config=""
label="RUNWAY"

while getopts ":o:s:e:nc:L:h" opt; do
	case $opt in
	o) out=$OPTARG ;;
	s) size_mib=$OPTARG ;;
	e) efi=$OPTARG ;;
	n) no_efi=1 ;;
	c) config=$OPTARG ;;
	L) label=$OPTARG ;;
	h) usage; exit 0 ;;
	:) printf '%s: error: option -%s needs an argument\n' "$prog" "$OPTARG" >&2
	   usage >&2; exit 2 ;;
	*) printf '%s: error: unknown option -%s\n' "$prog" "$OPTARG" >&2
	   usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

[ -n "$out" ] || { printf '%s: error: -o OUT.img is required\n' "$prog" >&2; usage >&2; exit 2; }
if [ -n "$size_mib" ]; then
	case $size_mib in
	*[!0-9]*) die "-s wants a whole number of MiB, got '$size_mib'" ;;
	esac
	size_mib=$((size_mib + 0))
	[ "$size_mib" -ge 4 ] || die "-s $size_mib: the image must be at least 4 MiB"
fi
case $label in
????????????*) die "-L '$label': a FAT label has at most 11 characters" ;;
esac

need_tool sgdisk gdisk
need_tool mformat mtools
need_tool mmd mtools
need_tool mcopy mtools
need_tool minfo mtools
need_tool truncate coreutils

# ------------------------------------------------------- collect the files
# The file list is kept as lines "SRC<TAB>DST" in a temporary file so that
# names with spaces survive a POSIX shell.
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/mkimg.XXXXXX")
tmp_img=""
cleanup() {
	rm -rf "$tmpdir"
	[ -z "$tmp_img" ] || rm -f "$tmp_img"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
list="$tmpdir/files"
: >"$list"
tab=$(printf '\t')
nl='
'

add_file() { # SRC DST WHAT
	src=$1 dst=$2 what=$3
	[ -e "$src" ] || die "$what: source file not found: $src"
	[ -f "$src" ] || die "$what: not a regular file: $src"
	[ -r "$src" ] || die "$what: cannot read: $src"
	case $dst in
	/*) ;;
	*) die "$what: ESP path must start with '/': $dst" ;;
	esac
	case $dst in
	*/) die "$what: ESP path names a directory, not a file: $dst" ;;
	*//* | */./* | */../* | */. | */..) die "$what: bad ESP path: $dst" ;;
	esac
	case $src$dst in
	*"$tab"* | *"$nl"*) die "$what: tabs and newlines are not allowed in names" ;;
	esac
	case $dst in
	*[\"*:\<\>?\|\\]*) die "$what: character not allowed on FAT in ESP path: $dst" ;;
	esac
	# FAT names are case-insensitive: refuse two files at the same place.
	up=$(printf '%s' "$dst" | tr '[:lower:]' '[:upper:]')
	while IFS="$tab" read -r _s d; do
		dup=$(printf '%s' "$d" | tr '[:lower:]' '[:upper:]')
		[ "$dup" != "$up" ] || die "$what: ESP path given twice: $dst"
	done <"$list"
	printf '%s\t%s\n' "$src" "$dst" >>"$list"
}

if [ "$no_efi" -eq 0 ]; then
	[ -e "$efi" ] || die "boot loader not found: $efi (build it first, or pass -e FILE, or -n for none)"
	add_file "$efi" /EFI/BOOT/BOOTX64.EFI "-e"
fi
[ -z "$config" ] || add_file "$config" /EFI/BOOT/runway.conf "-c"
for arg in "$@"; do
	case $arg in
	*=*) ;;
	*) die "operand '$arg' is not of the form SRC=/ESP/PATH" ;;
	esac
	add_file "${arg%=*}" "${arg##*=}" "'$arg'"
done

# A path used for a file must not also be a directory of another file.
cut -f2 "$list" | tr '[:lower:]' '[:upper:]' | sort >"$tmpdir/f_up"
cut -f2 "$list" | tr '[:lower:]' '[:upper:]' | while IFS= read -r d; do
	d=${d%/*}
	while [ -n "$d" ]; do
		printf '%s\n' "$d"
		d=${d%/*}
	done
done | sort -u >"$tmpdir/d_up"
clash=$(comm -12 "$tmpdir/f_up" "$tmpdir/d_up" | head -n 1)
[ -z "$clash" ] || die "ESP path is used both for a file and as a directory: $clash"

# ------------------------------------------------------------------ sizing
mib=1048576
total=0
nfiles=0
while IFS="$tab" read -r s d; do
	sz=$(wc -c <"$s" | tr -d ' ')
	total=$((total + sz))
	nfiles=$((nfiles + 1))
done <"$list"

if [ -z "$size_mib" ]; then
	size_mib=$(((total + 32 * mib + mib - 1) / mib))
	[ "$size_mib" -ge 64 ] || size_mib=64
else
	# Partition 1 starts at 1 MiB; the backup GPT takes 33 sectors at the end.
	room=$((size_mib * mib - mib - 33 * 512))
	[ "$total" -le "$room" ] ||
		die "-s $size_mib MiB is too small: the files need $total bytes but the partition holds at most $room bytes"
fi

# -------------------------------------------------------- partition table
out_dir=$(dirname -- "$out")
[ -d "$out_dir" ] || die "output directory does not exist: $out_dir"
# Build next to the output (so the final mv is a rename) in a new file that
# gets the usual umask permissions.
tmp_img="$out_dir/.${out##*/}.mkimg.$$"
rm -f -- "$tmp_img"
: >"$tmp_img"
truncate -s "${size_mib}M" "$tmp_img"

if ! sg_out=$(sgdisk -n 1:2048:0 -t 1:ef00 -c 1:"EFI System" "$tmp_img" 2>&1); then
	printf '%s\n' "$sg_out" >&2
	die "sgdisk could not create the partition table"
fi

# Read the layout back instead of assuming it.
sg_print=$(sgdisk -p "$tmp_img" 2>&1) || { printf '%s\n' "$sg_print" >&2; die "sgdisk -p failed"; }
sg_info=$(sgdisk -i 1 "$tmp_img" 2>&1) || { printf '%s\n' "$sg_info" >&2; die "sgdisk -i 1 failed"; }
sg_verify=$(sgdisk -v "$tmp_img" 2>&1) || { printf '%s\n' "$sg_verify" >&2; die "sgdisk -v failed"; }

sector_size=$(printf '%s\n' "$sg_print" | sed -n 's/^Sector size (logical): \([0-9][0-9]*\) bytes.*/\1/p')
first=$(printf '%s\n' "$sg_info" | sed -n 's/^First sector: \([0-9][0-9]*\).*/\1/p')
last=$(printf '%s\n' "$sg_info" | sed -n 's/^Last sector: \([0-9][0-9]*\).*/\1/p')
type_guid=$(printf '%s\n' "$sg_info" | sed -n 's/^Partition GUID code: \([0-9A-Fa-f-]*\).*/\1/p')
p1_line=$(printf '%s\n' "$sg_print" | awk '$1 == "1" && $6 == "EF00"')

if [ -z "$first" ] || [ -z "$last" ] || [ -z "$p1_line" ] || [ -z "$sector_size" ]; then
	printf '%s\n%s\n' "$sg_print" "$sg_info" >&2
	die "partition 1 (EF00) is missing from the new partition table"
fi
[ "$type_guid" = C12A7328-F81F-11D2-BA4B-00A0C93EC93B ] ||
	die "partition 1 has type GUID '$type_guid', not the EFI System Partition GUID"
case $sg_verify in
*"No problems found"*) ;;
*) printf '%s\n' "$sg_verify" >&2; die "sgdisk -v reports problems with the new GPT" ;;
esac

offset=$((first * sector_size))
sectors=$((last - first + 1))
# mformat counts 512-byte sectors.
[ "$sector_size" -eq 512 ] || die "unexpected logical sector size $sector_size"

# ------------------------------------------------------------ file system
MTOOLS_SKIP_CHECK=1
export MTOOLS_SKIP_CHECK
fs="$tmp_img@@$offset"

# FAT32 needs at least 65525 clusters; with one-sector clusters that is a
# partition of about 33 MiB. Below that use FAT16 with one-sector clusters
# (mformat would otherwise pick FAT12 for the smallest sizes).
if [ "$sectors" -ge 67584 ]; then
	fat_opts="-F"
else
	fat_opts="-c 1"
fi
# shellcheck disable=SC2086 # fat_opts is a list of words
if ! mf_out=$(mformat -i "$fs" -T "$sectors" -H "$first" $fat_opts -v "$label" :: 2>&1 </dev/null); then
	printf '%s\n' "$mf_out" >&2
	die "mformat failed on partition 1 (offset $offset, $sectors sectors)"
fi
fat_type=$(minfo -i "$fs" :: 2>/dev/null | sed -n 's/^disk type="\(FAT[0-9]*\).*/\1/p')
[ -n "$fat_type" ] || die "could not read back the new FAT file system"

# Directories made so far, upper-cased, one a line.
dirs="$tmpdir/dirs"
: >"$dirs"
make_dirs() { # parent directories of ESP path $1
	path=${1#/}
	sofar=""
	while :; do
		case $path in
		*/*) ;;
		*) break ;;
		esac
		comp=${path%%/*}
		path=${path#*/}
		sofar="$sofar/$comp"
		up=$(printf '%s' "$sofar" | tr '[:lower:]' '[:upper:]')
		if ! grep -Fxq -- "$up" "$dirs"; then
			if ! mm_out=$(mmd -i "$fs" "::$sofar" 2>&1 </dev/null); then
				printf '%s\n' "$mm_out" >&2
				die "could not create directory $sofar on the ESP (a file of that name?)"
			fi
			printf '%s\n' "$up" >>"$dirs"
		fi
	done
}

while IFS="$tab" read -r s d; do
	make_dirs "$d"
	# A file given where a directory was already made (or the reverse) clashes.
	up=$(printf '%s' "$d" | tr '[:lower:]' '[:upper:]')
	! grep -Fxq -- "$up" "$dirs" || die "ESP path is both a file and a directory: $d"
	if ! mc_out=$(mcopy -i "$fs" -D o -- "$s" "::$d" 2>&1 </dev/null); then
		printf '%s\n' "$mc_out" >&2
		case $mc_out in
		*"isk full"*) die "the ESP is full while copying $s to $d: use a larger -s (now $size_mib MiB)" ;;
		esac
		die "mcopy failed: $s -> $d"
	fi
done <"$list"

mv -f -- "$tmp_img" "$out"
tmp_img=""
note "wrote $out: ${size_mib} MiB, GPT, ESP $fat_type at sector $first ($sectors sectors), $nfiles file(s), $total bytes"
