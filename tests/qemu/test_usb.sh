#!/usr/bin/env bash
# test_usb.sh - the demo booted from a USB stick (ovmf/run.sh --disk usb:
# usb-storage on QEMU's xHCI controller), on q35 and on pc.  Two boots:
#   usb-q35  at the menu, every printable ASCII character is typed into the
#            command line of an efi entry (ovmf/run.sh --keys text:, the
#            underscore and the backslash escaped), which the loader logs
#            and the program (tests/efiapp/chainapp.c) prints as its load
#            options; then the demo kernel entry is chosen and boots
#   usb-pc   the demo kernel boots with no keys
# And without a boot: run.sh's --no-disk and --disk refusals.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel
CMDLINE="runway-test console=ttyS0 answer=42"

# The 95 printable characters, and the text: word that types them.
printable=$(python3 -c 'print("".join(chr(c) for c in range(0x20, 0x7f)))')
typed=$(python3 -c '
import sys
s = "".join(chr(c) for c in range(0x20, 0x7f))
print("text:" + "".join({"_": "\\_", "\\": "\\\\", " ": "_"}.get(c, c) for c in s))')

# ---- usb-q35: keys, then the demo kernel ----
cfg=$(conf "timeout = 30" \
	"entry = Program" "efi = /EFI/tools/chainapp.efi" \
	"entry = Demo kernel" "kernel = /boot/kernel.elf" "cmdline = $CMDLINE")
KEYS="wait:Up/Down e wait:Command_line_for $typed ret wait:entry-done 2 ret" \
	boot usb-q35 "$cfg" --disk usb --machine q35 --timeout 150 -- \
	"$K/demo.elf=/boot/kernel.elf" "$BUILD/chainapp.efi=/EFI/tools/chainapp.efi"
if grep -q -- '--keys' "$OUT/usb-q35.run.log"; then
	not_ok "usb-q35: keys" "$(grep -- '--keys' "$OUT/usb-q35.run.log")"
else
	ok "usb-q35: every key was typed"
fi
expect_rc usb-q35 0
if tr -d '\r' <"$log" | grep -qxF "runway: cmdline-edited entry=1 cmdline=$printable"; then
	ok "usb-q35: all 95 printable characters typed into the editor arrive as typed"
else
	not_ok "usb-q35: typed characters" "want 'runway: cmdline-edited entry=1 cmdline=$printable', got '$(tr -d '\r' <"$log" | grep -m1 'cmdline-edited')'"
fi
if tr -d '\r' <"$log" | grep -qxF "chainapp: started options=\"$printable\""; then
	ok "usb-q35: the program gets them as its load options"
else
	not_ok "usb-q35: load options" "got '$(tr -d '\r' <"$log" | grep -m1 'chainapp: started')'"
fi
expect_line usb-q35 '^runway: entry-done index=1 status=EFI_SUCCESS'
expect_line usb-q35 '^kernel: PASS'

# ---- usb-pc: the same stick on the older machine type ----
cfg=$(conf "entry = Demo kernel" "kernel = /boot/kernel.elf" "cmdline = $CMDLINE")
boot usb-pc "$cfg" --disk usb --machine pc --timeout 120 -- "$K/demo.elf=/boot/kernel.elf"
expect_rc usb-pc 0
expect_line usb-pc '^kernel: PASS'

# ---- run.sh's arguments, no boot ----
# expect_refused NAME WANT ARGS...: run.sh exits 2 and says WANT.
expect_refused() {
	local name=$1 want=$2 rc=0
	shift 2
	ovmf/run.sh "$@" >"$OUT/usb-args.log" 2>&1 || rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$OUT/usb-args.log"; then ok "run.sh $name: refused, says '$want'"
	else not_ok "run.sh $name" "status $rc, want 2 and '$want': $(tr '\n' '|' <"$OUT/usb-args.log")"
	fi
}
expect_refused "--no-disk IMAGE" "--no-disk attaches no disk: give no IMAGE" --no-disk "$OUT/x.img"
expect_refused "--disk floppy" "--disk must be virtio, ide, ahci or usb" --disk floppy "$OUT/x.img"
# --no-disk alone: OVMF finds nothing to boot and waits; the run ends at
# the timeout, with no Runway.
rc=0
ovmf/run.sh --no-disk --timeout 15 --serial "$OUT/usb-nodisk.log" >/dev/null 2>&1 || rc=$?
if [ "$rc" -eq 124 ] && ! tr -d '\r' <"$OUT/usb-nodisk.log" | grep -q '^Runway '; then ok "run.sh --no-disk: boots with no disk (no Runway, timeout)"
else not_ok "run.sh --no-disk" "status $rc, want 124 with no Runway line (log: $OUT/usb-nodisk.log)"
fi

[ "$failures" -eq 0 ]
