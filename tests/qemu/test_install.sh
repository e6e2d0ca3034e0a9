#!/usr/bin/env bash
# test_install.sh - tools/install.sh on a directory standing for a mounted
# ESP and on a disk image (mtools, no mount): its refusals, --dry-run
# (prints every step, the efibootmgr command line included, and changes
# nothing), the files it places, an existing runway.conf kept; then one
# boot of the image it produced, from the removable path, with its
# starter config.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel
LOADER=$BUILD/BOOTX64.EFI
CMDLINE="runway-test console=ttyS0 answer=42"
T=$OUT/install
rm -rf "$T"
mkdir -p "$T"
export MTOOLS_SKIP_CHECK=1

# inst NAME ARGS...: run install.sh; sets $rc and $out (its output).
inst() {
	local name=$1
	shift
	rc=0
	tools/install.sh --loader "$LOADER" "$@" >"$T/$name.out" 2>&1 || rc=$?
	out=$T/$name.out
}

# has NAME FIXED_LINE: the output holds exactly this line.
has() {
	if grep -qxF -- "$2" "$out"; then ok "$1: says '$2'"
	else not_ok "$1" "no line '$2' in: $(tr '\n' '|' <"$out")"
	fi
}

status() {
	if [ "$rc" -eq "$2" ]; then ok "$1: exit status $2"
	else not_ok "$1: exit status" "got $rc, want $2: $(tr '\n' '|' <"$out")"
	fi
}

same_file() { # NAME A B
	if cmp -s "$2" "$3"; then ok "$1"
	else not_ok "$1" "$2 differs from $3"
	fi
}

# ---- refusals ----
inst no-esp
status "no ESP_DIR" 2
has "no ESP_DIR" "install.sh: error: no ESP_DIR given (the mount point of the EFI System Partition, e.g. /boot/efi)"
inst missing "$T/nowhere"
status "missing ESP_DIR" 1
has "missing ESP_DIR" "install.sh: error: ESP_DIR not found: $T/nowhere"
: >"$T/a-file"
inst not-dir "$T/a-file"
status "ESP_DIR a file" 1
has "ESP_DIR a file" "install.sh: error: ESP_DIR is not a directory: $T/a-file"
mkdir -p "$T/esp"
inst no-loader --loader "$T/no-BOOTX64.EFI" "$T/esp"
status "missing BOOTX64.EFI" 1
has "missing BOOTX64.EFI" "install.sh: error: loader not found: $T/no-BOOTX64.EFI (run make, or give --loader FILE)"
inst no-image --image "$T/no.img"
status "missing image" 1
has "missing image" "install.sh: error: image not found: $T/no.img"

# ---- a directory: --dry-run, then for real ----
inst dir-dry --dry-run --removable --efibootmgr /dev/sda 1 "$T/esp"
status "dir --dry-run" 0
has "dir --dry-run" "install.sh: would copy $LOADER to $T/esp/EFI/runway/runwayx64.efi"
has "dir --dry-run" "install.sh: would copy $LOADER to $T/esp/EFI/BOOT/BOOTX64.EFI"
has "dir --dry-run" "install.sh: would write a starter config to $T/esp/runway.conf (entry: kernel /boot/kernel.elf)"
has "dir --dry-run" 'install.sh: would run: efibootmgr --create --disk /dev/sda --part 1 --label Runway --loader \\EFI\\runway\\runwayx64.efi'
has "dir --dry-run" "install.sh: dry run: nothing was changed"
if [ -z "$(find "$T/esp" -mindepth 1)" ]; then ok "dir --dry-run: the directory is still empty"
else not_ok "dir --dry-run" "it wrote: $(find "$T/esp" -mindepth 1 | tr '\n' ' ')"
fi

inst dir "$T/esp"
status "dir install" 0
same_file "dir install: /EFI/runway/runwayx64.efi is the loader" "$LOADER" "$T/esp/EFI/runway/runwayx64.efi"
if [ ! -e "$T/esp/EFI/BOOT/BOOTX64.EFI" ]; then ok "dir install: no removable copy without --removable"
else not_ok "dir install" "/EFI/BOOT/BOOTX64.EFI written without --removable"
fi
if grep -qx 'kernel = /boot/kernel.elf' "$T/esp/runway.conf" && grep -qx 'timeout = 5' "$T/esp/runway.conf"; then
	ok "dir install: a starter /runway.conf"
else
	not_ok "dir install: starter config" "$(tr '\n' '|' <"$T/esp/runway.conf" 2>&1)"
fi
has "dir install" "install.sh: note: edit its entry: /boot/kernel.elf is a placeholder (--kernel ESP_PATH names yours)"

# The user's own config (at the root, then beside the loader) is kept.
printf 'timeout = 0\nentry = mine\nkernel = /boot/mine.elf\n' >"$T/esp/runway.conf"
cp "$T/esp/runway.conf" "$T/mine.conf"
inst dir-again --removable --kernel /boot/other.elf "$T/esp"
status "dir install again" 0
has "dir install again" "install.sh: keep the existing $T/esp/runway.conf (no starter config written)"
same_file "dir install again: the existing /runway.conf is unchanged" "$T/mine.conf" "$T/esp/runway.conf"
same_file "dir install again: --removable places /EFI/BOOT/BOOTX64.EFI" "$LOADER" "$T/esp/EFI/BOOT/BOOTX64.EFI"
rm "$T/esp/runway.conf"
cp "$T/mine.conf" "$T/esp/EFI/runway/runway.conf"
inst dir-beside "$T/esp"
has "config beside the loader" "install.sh: keep the existing $T/esp/EFI/runway/runway.conf (no starter config written)"
if [ ! -e "$T/esp/runway.conf" ]; then ok "config beside the loader: no starter at the root"
else not_ok "config beside the loader" "a starter /runway.conf was written as well"
fi

# ---- a disk image (mtools): --dry-run, install, boot ----
img=$T/disk.img
tools/mkimg.sh -n -o "$img" "$K/demo.elf=/boot/kernel.elf" >"$T/mkimg.log" 2>&1 ||
	not_ok "image: mkimg" "$(tr '\n' '|' <"$T/mkimg.log")"
before=$(sha256sum <"$img")
inst img-dry --dry-run --removable --kernel /boot/kernel.elf --cmdline "$CMDLINE" \
	--efibootmgr /dev/nvme0n1 1 --image "$img"
status "image --dry-run" 0
has "image --dry-run" "install.sh: would copy $LOADER to $img:/EFI/BOOT/BOOTX64.EFI"
has "image --dry-run" "install.sh: would write a starter config to $img:/runway.conf (entry: kernel /boot/kernel.elf)"
has "image --dry-run" 'install.sh: would run: efibootmgr --create --disk /dev/nvme0n1 --part 1 --label Runway --loader \\EFI\\runway\\runwayx64.efi'
if [ "$(sha256sum <"$img")" = "$before" ]; then ok "image --dry-run: the image is unchanged"
else not_ok "image --dry-run" "the image changed"
fi

inst img --removable --kernel /boot/kernel.elf --cmdline "$CMDLINE" --image "$img"
status "image install" 0
fs="$img@@1M"
for p in /EFI/runway/runwayx64.efi /EFI/BOOT/BOOTX64.EFI; do
	mcopy -n -i "$fs" "::$p" "$T/copied.efi" 2>/dev/null
	same_file "image install: $p is the loader" "$LOADER" "$T/copied.efi"
	rm -f "$T/copied.efi"
done
mtype -i "$fs" ::/runway.conf >"$T/img.conf" 2>&1
if grep -qx "cmdline = $CMDLINE" "$T/img.conf" && grep -qx 'kernel = /boot/kernel.elf' "$T/img.conf"; then
	ok "image install: the starter /runway.conf has the entry asked for"
else
	not_ok "image install: starter config" "$(tr '\n' '|' <"$T/img.conf")"
fi
inst img-again --removable --image "$img"
has "image install again" "install.sh: keep the existing $img:/runway.conf (no starter config written)"
mtype -i "$fs" ::/runway.conf >"$T/img2.conf" 2>&1
same_file "image install again: /runway.conf unchanged" "$T/img.conf" "$T/img2.conf"

# The installed image boots: firmware finds /EFI/BOOT/BOOTX64.EFI, Runway
# finds the starter /runway.conf at the root (nothing beside it), and its
# entry's command line is the one the test kernel checks.
log=$T/boot.log
rc=0
ovmf/run.sh --timeout 120 --serial "$log" "$img" >/dev/null 2>"$T/boot.run.log" || rc=$?
expect_rc install-boot 0
expect_line install-boot '^BdsDxe: starting Boot[0-9A-F]+ '
expect_line install-boot '^kernel: PASS'

[ "$failures" -eq 0 ]
