#!/usr/bin/env bash
# install.sh - install Runway on an EFI System Partition.
#
# The ESP is a mounted directory (ESP_DIR), or, with --image, a FAT file
# system in an image file written with mtools (no mount, no loop device,
# no root): a bare FAT image, or a GPT disk image such as tools/mkimg.sh
# makes, whose EFI System Partition is found with sgdisk.
#
# What it does, in order (each step printed; --dry-run prints only):
#   1. copies the loader to /EFI/runway/runwayx64.efi, and with
#      --removable also to /EFI/BOOT/BOOTX64.EFI, the path firmware boots
#      from removable media and from disks without a boot entry;
#   2. writes a starter /runway.conf at the root of the ESP, where both
#      copies find it (efi/source.c: the loader's own directory first, then
#      the root), unless a runway.conf is there already (at the root or
#      beside a copy): an existing config is never overwritten;
#   3. with --efibootmgr DISK PART, adds a firmware boot entry "Runway"
#      for \EFI\runway\runwayx64.efi with efibootmgr.
set -eu

prog=${0##*/}
script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
repo_root=$(dirname -- "$script_dir")

LOADER_PATH=/EFI/runway/runwayx64.efi
LOADER_EFI_PATH='\EFI\runway\runwayx64.efi'
REMOVABLE_PATH=/EFI/BOOT/BOOTX64.EFI
CONFIG_PATH=/runway.conf
LABEL=Runway

usage() {
	cat <<EOF
Usage: $prog [options] ESP_DIR
       $prog [options] --image IMG

Install Runway on the EFI System Partition mounted at ESP_DIR (or in the
disk or FAT image IMG, written with mtools).

  --removable            also install as $REMOVABLE_PATH (the path firmware
                         boots from removable media and disks without a
                         boot entry)
  --efibootmgr DISK PART add a firmware boot entry "$LABEL" for
                         $LOADER_EFI_PATH on partition PART of DISK
                         (efibootmgr --create; needs root)
  --loader FILE          the loader to install (default: build/BOOTX64.EFI
                         in the repository, $repo_root/build/BOOTX64.EFI)
  --kernel ESP_PATH      the starter runway.conf's entry boots this kernel
                         (default /boot/kernel.elf, with a note to edit it)
  --cmdline TEXT         the starter entry's command line
  --image IMG            install into the image IMG instead of ESP_DIR
  --dry-run              print what would be done, change nothing
  -h, --help             show this help

A runway.conf already on the ESP (at the root, in /EFI/runway or, with
--removable, in /EFI/BOOT) is kept; the starter goes to $CONFIG_PATH.
EOF
}

die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

usage_error() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	usage >&2
	exit 2
}

# ---------------------------------------------------------------- arguments
esp=""
image=""
removable=0
dry_run=0
disk=""
part=""
loader="$repo_root/build/BOOTX64.EFI"
kernel=""
cmdline=""

while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--removable) removable=1; shift ;;
	--dry-run) dry_run=1; shift ;;
	--efibootmgr)
		[ $# -ge 3 ] || usage_error "--efibootmgr needs DISK and PART"
		disk=$2 part=$3
		shift 3
		;;
	--loader | --kernel | --cmdline | --image)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		case $1 in
		--loader) loader=$2 ;;
		--kernel) kernel=$2 ;;
		--cmdline) cmdline=$2 ;;
		--image) image=$2 ;;
		esac
		shift 2
		;;
	--) shift; break ;;
	-*) usage_error "unknown option '$1'" ;;
	*)
		[ -z "$esp" ] || usage_error "more than one ESP_DIR: '$esp' and '$1'"
		esp=$1
		shift
		;;
	esac
done
if [ $# -gt 0 ]; then
	if [ -n "$esp" ] || [ $# -ne 1 ]; then usage_error "too many operands"; fi
	esp=$1
fi

if [ -n "$image" ]; then
	[ -z "$esp" ] || usage_error "give ESP_DIR or --image IMG, not both"
elif [ -z "$esp" ]; then
	usage_error "no ESP_DIR given (the mount point of the EFI System Partition, e.g. /boot/efi)"
fi
case $part in
"" | [1-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;;
*) usage_error "--efibootmgr: PART must be a partition number, not '$part'" ;;
esac
case $kernel in
"" | /*) ;;
*) usage_error "--kernel: an ESP path starts with '/': $kernel" ;;
esac
case $kernel$cmdline in
*"
"*) usage_error "--kernel and --cmdline: no newlines" ;;
esac

[ -e "$loader" ] || die "loader not found: $loader (run make, or give --loader FILE)"
if [ ! -f "$loader" ] || [ ! -r "$loader" ]; then die "loader is not a readable file: $loader"; fi

# ------------------------------------------------------------ the ESP access
# Four operations on ESP paths ("/EFI/runway/..."), for a directory or
# for an image through mtools: esp_exists, esp_mkdir (with parents),
# esp_copy SRC DEST, and esp_where (how to name the ESP in messages).
fs=""
if [ -n "$image" ]; then
	[ -e "$image" ] || die "image not found: $image"
	[ -f "$image" ] || die "image is not a regular file: $image"
	if [ ! -r "$image" ] || [ ! -w "$image" ]; then die "image is not readable and writable: $image"; fi
	for t in mdir mmd mcopy; do
		command -v "$t" >/dev/null 2>&1 || die "'$t' not found (install the Debian package mtools)"
	done
	export MTOOLS_SKIP_CHECK=1
	# A GPT disk image: its EFI System Partition (type EF00), by offset.
	if [ "$(dd if="$image" bs=1 skip=512 count=8 2>/dev/null | tr -d '\0')" = "EFI PART" ]; then
		command -v sgdisk >/dev/null 2>&1 || die "'sgdisk' not found (install the Debian package gdisk)"
		start=$(sgdisk -p "$image" 2>/dev/null | awk '$6 == "EF00" { print $2; exit }')
		[ -n "$start" ] || die "$image: a GPT disk image with no EFI System Partition (type EF00)"
		fs="$image@@$((start * 512))"
	else
		fs=$image
	fi
	mdir -i "$fs" :: >/dev/null 2>&1 || die "$image: no FAT file system found (mtools cannot read it)"
else
	[ -e "$esp" ] || die "ESP_DIR not found: $esp"
	[ -d "$esp" ] || die "ESP_DIR is not a directory: $esp"
	[ "$dry_run" -eq 1 ] || [ -w "$esp" ] || die "ESP_DIR is not writable: $esp (run as root?)"
	esp=${esp%/}
fi

esp_where() {
	if [ -n "$image" ]; then printf '%s:%s' "$image" "$1"; else printf '%s%s' "$esp" "$1"; fi
}

esp_exists() {
	if [ -n "$image" ]; then mdir -b -i "$fs" "::$1" >/dev/null 2>&1
	else [ -e "$esp$1" ]
	fi
}

esp_mkdir() {
	local d=$1 path=""
	if [ -z "$image" ]; then
		mkdir -p -- "$esp$d"
		return
	fi
	IFS=/ read -r -a parts <<<"${d#/}"
	for p in "${parts[@]}"; do
		path=$path/$p
		esp_exists "$path" || mmd -i "$fs" "::$path"
	done
}

esp_copy() {
	esp_mkdir "${2%/*}"
	if [ -n "$image" ]; then mcopy -o -i "$fs" "$1" "::$2"
	else cp -- "$1" "$esp$2"
	fi
}

# say TEXT: one step, as done or (--dry-run) as it would be done.
say() {
	if [ "$dry_run" -eq 1 ]; then printf '%s: would %s\n' "$prog" "$1"
	else printf '%s: %s\n' "$prog" "$1"
	fi
}

# ------------------------------------------------------------------ steps
install_loader() { # ESP_PATH
	say "copy $loader to $(esp_where "$1")"
	[ "$dry_run" -eq 1 ] || esp_copy "$loader" "$1"
}

starter_config() {
	cat <<EOF
# runway.conf - Runway's configuration, written by tools/install.sh as a
# start (it is never overwritten by a later install).  Runway reads it from
# the volume root when there is no runway.conf beside the loader.  Keys and
# examples: docs/CONFIG.md in Runway's source.

# Seconds the menu waits before booting the first entry.
timeout = 5

EOF
	if [ -z "$kernel" ]; then
		printf '# Change the path (and add a cmdline) to boot your kernel.\n'
	fi
	printf 'entry = %s\n' "${kernel:-/boot/kernel.elf}"
	printf 'kernel = %s\n' "${kernel:-/boot/kernel.elf}"
	[ -z "$cmdline" ] || printf 'cmdline = %s\n' "$cmdline"
}

install_config() {
	local c tmp places=("$CONFIG_PATH" /EFI/runway/runway.conf)
	[ "$removable" -eq 0 ] || places+=(/EFI/BOOT/runway.conf)
	for c in "${places[@]}"; do
		if esp_exists "$c"; then
			say "keep the existing $(esp_where "$c") (no starter config written)"
			return
		fi
	done
	say "write a starter config to $(esp_where "$CONFIG_PATH") (entry: kernel ${kernel:-/boot/kernel.elf})"
	[ -n "$kernel" ] ||
		printf '%s: note: edit its entry: /boot/kernel.elf is a placeholder (--kernel ESP_PATH names yours)\n' "$prog"
	if [ -n "$kernel" ] && ! esp_exists "$kernel"; then
		printf '%s: warning: %s is not on the ESP (yet)\n' "$prog" "$(esp_where "$kernel")" >&2
	fi
	[ "$dry_run" -eq 0 ] || return 0
	tmp=$(mktemp "${TMPDIR:-/tmp}/runway-conf.XXXXXX")
	starter_config >"$tmp"
	esp_copy "$tmp" "$CONFIG_PATH" || { rm -f "$tmp"; return 1; }
	rm -f "$tmp"
}

boot_entry() {
	local cmd=(efibootmgr --create --disk "$disk" --part "$part" --label "$LABEL" --loader "$LOADER_EFI_PATH")
	say "run: $(printf '%q ' "${cmd[@]}" | sed 's/ $//')"
	[ "$dry_run" -eq 0 ] || return 0
	command -v efibootmgr >/dev/null 2>&1 || die "'efibootmgr' not found (install the Debian package efibootmgr)"
	"${cmd[@]}" || die "efibootmgr failed: the files are installed, the boot entry is not"
}

install_loader "$LOADER_PATH"
[ "$removable" -eq 0 ] || install_loader "$REMOVABLE_PATH"
install_config
[ -z "$disk" ] || boot_entry
if [ "$dry_run" -eq 1 ]; then
	printf '%s: dry run: nothing was changed\n' "$prog"
else
	printf '%s: done\n' "$prog"
fi
