#!/usr/bin/env bash
# screenshots.sh - the menu as a person sees it, as PNGs in docs/screenshots/
# (make screenshots): each shot boots Runway under OVMF on a 1280x800
# graphical console, types its keys (ovmf/run.sh --keys), and keeps the
# last screendump QEMU took (--screendump) before --timeout stops it, so
# every run ends in status 124 on purpose.  Not part of make test: the
# pictures are for reading, the menu's behaviour is tested by
# tests/qemu/test_menu.sh.
set -u
cd "$(dirname "$0")/.." || exit
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/screenshots}
. tests/qemu/lib.sh

DEST=${DEST:-docs/screenshots}
mkdir -p "$DEST"
K=$BUILD/kernel/demo.elf
APP=$BUILD/chainapp.efi
FILES=("$K=/boot/kernel.elf" "$APP=/EFI/tools/chainapp.efi")
# OVMF's QEMU video driver offers the resolution the VGA device names.
export QEMU_EXTRA="-global VGA.xres=1280 -global VGA.yres=800"

# shot NAME SECONDS KEYS CONFIG_LINES...: boot, type KEYS, picture.
shot() {
	local shot_name=$1 secs=$2 keys=$3
	shift 3
	local cfg
	cfg=$(conf "$@")
	KEYS=$keys boot "shot-$shot_name" "$cfg" --timeout "$secs" \
		--screendump "$DEST/$shot_name.png" -- "${FILES[@]}"
	if [ -s "$DEST/$shot_name.png" ]; then
		printf 'screenshot: %s\n' "$DEST/$shot_name.png"
	else
		printf 'screenshot %s: no picture (log: %s)\n' "$shot_name" "$log" >&2
		return 1
	fi
}

# Entries of every kind Runway's own config writes.
kinds=(
	"entry = Demo kernel" "kernel = /boot/kernel.elf" "cmdline = console=ttyS0 quiet"
	"entry = Demo kernel, Limine protocol" "protocol = limine" "kernel = /boot/kernel.elf"
	"entry = Verify the demo kernel" "verify = /boot/kernel.elf"
	"entry = An EFI program (chainapp)" "efi = /EFI/tools/chainapp.efi"
	"cmdline = root=/dev/vda2 ro quiet splash loglevel=3 systemd.show_status=auto"
)
many=()
for i in $(seq 5 40); do
	many+=("entry = Test entry number $i" "kernel = /boot/kernel.elf")
done

status=0
shot countdown 25 "wait:Up/Down sleep:2.5" "timeout = 30" "${kinds[@]}" || status=1
shot scrolled 30 "wait:Up/Down 3 0 sleep:2" "timeout = 30" "${kinds[@]}" "${many[@]}" || status=1
shot editor 25 "wait:Up/Down 4 e wait:Command_line_for home right right right right sleep:2" \
	"timeout = 30" "${kinds[@]}" || status=1
shot error 30 "wait:Up/Down 5 ret wait:Last_error sleep:2" "timeout = 30" "${kinds[@]}" \
	"entry = A kernel that is not there" "kernel = /boot/nothing.elf" || status=1
exit $status
