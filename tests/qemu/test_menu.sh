#!/usr/bin/env bash
# test_menu.sh - the interactive menu, typed at through QEMU's keyboard
# (ovmf/run.sh --keys), in five boots.
#   menu: a key stops the countdown and its line says so at once; choose
#     an entry by digit, see its error under the menu afterwards (the menu
#     comes back on the entry that failed), move with the arrow keys, edit
#     a command line with `e` and boot the kernel with it (the test kernel
#     checks that its command line is exactly the edited one); the banner
#     is printed once.
#   menu-many: 40 entries: Down 29 times scrolls to entry 30 and boots it
#     (chainapp prints its options); the editor's cursor (Home, insertion
#     at it, End, Backspace, Left, Delete) makes the expected command line;
#     a number of two digits picks entry 31, a 32-bit (IA32) program, which
#     is refused by name, then entry 32, a program with a 17 MiB initrd
#     whose read shows the progress line; entry 1 ends the run.
#   held, held-disabled: a key held at start (tests/efiapp/keyheld.c)
#     shows the menu for the two-line config, with no countdown; not with
#     loader.conf `timeout menu-disabled`.
#   quiet: `quiet = yes` writes no log line and no progress line for a
#     quick read, but an entry's error still shows, after the banner.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel
cfg=$(conf "timeout = 30" \
	"entry = Verify the demo kernel" "verify = /boot/kernel.elf" \
	"entry = Demo kernel, command line one off" "kernel = /boot/kernel.elf" \
	"cmdline = runway-test console=ttyS0 answer=41" \
	"entry = A kernel that is not there" "kernel = /boot/nothing.elf")
# conf starts with "timeout = 0"; the later line wins.
KEYS="wait:Up/Down 3 ret wait:Last_error: up e wait:Command_line_for backspace text:2 ret" \
	boot menu "$cfg" --timeout 120 -- "$K/demo.elf=/boot/kernel.elf"
if grep -q -- '--keys' "$OUT/menu.run.log"; then
	not_ok "menu: keys" "$(grep -- '--keys' "$OUT/menu.run.log")"
else
	ok "menu: every key was typed"
fi
expect_rc menu 0
expect_line menu 'Up/Down or a number chooses, Enter boots, e edits the command line\.'
expect_line menu '^runway: error: /boot/nothing\.elf: cannot open: EFI_NOT_FOUND'
expect_line menu 'Last error: /boot/nothing\.elf: cannot open: EFI_NOT_FOUND'
expect_line menu "Command line for 'Demo kernel, command line one off'"
expect_line menu '^runway: cmdline-edited entry=2 cmdline=runway-test console=ttyS0 answer=42$'
expect_line menu '^kernel: PASS'
expect_no_line menu '^runway: verify '
# The countdown's line is rewritten in place (\r); the key that stops it
# turns it into "Countdown stopped." at once, and the serial copy gets its
# newline there: that serial line ends with it.
plain=$(tr -d '\r' <"$log" | sed $'s/\x1b\\[[0-9;=?]*[A-Za-z]//g')
if grep -qE "Booting 'Verify the demo kernel' in 30 s\. Any key stops the countdown\." <<<"$plain" &&
	grep -qE '^ *Booting .*Countdown stopped\. *$' <<<"$plain"; then
	ok "menu: the countdown line says it stopped, and its serial line ends there"
else
	not_ok "menu: countdown" "no countdown line ending in 'Countdown stopped.' (log: $log)"
fi
n=$(tr -d '\r' <"$log" | grep -cE 'Runway [0-9]+\.[0-9]+')
if [ "$n" -eq 1 ]; then ok "menu: the banner is printed once"
else not_ok "menu: banner" "'Runway x.y' on $n lines, want 1 (log: $log)"
fi

# ---- 40 entries, the editor's cursor, an IA32 program, a long read ----
app=$BUILD/chainapp.efi
ia32=$OUT/ia32.efi
big=$OUT/big17.img
# The headers of a PE32 program for i386 (machine 0x14c): all Runway reads.
python3 -c '
import sys
b = bytearray(512)
b[0:2] = b"MZ"
b[0x3c:0x40] = (0x80).to_bytes(4, "little")
b[0x80:0x84] = b"PE\0\0"
b[0x84:0x86] = (0x14c).to_bytes(2, "little")
open(sys.argv[1], "wb").write(b)' "$ia32"
head -c $((17 << 20)) /dev/zero >"$big"
lines=("timeout = 30"
	"entry = Demo kernel" "kernel = /boot/kernel.elf"
	"cmdline = runway-test console=ttyS0 answer=42")
for i in $(seq 2 40); do
	case $i in
	30) lines+=("entry = Entry thirty, chainapp" "efi = /EFI/tools/chainapp.efi"
		"cmdline = one two") ;;
	31) lines+=("entry = A 32-bit program" "efi = /EFI/tools/ia32.efi") ;;
	32) lines+=("entry = chainapp, 17 MiB initrd" "efi = /EFI/tools/chainapp.efi"
		"initrd = /boot/big.img") ;;
	*) lines+=("entry = Filler $i" "kernel = /boot/nothing.elf") ;;
	esac
done
cfg=$(conf "${lines[@]}")
down29=$(printf 'down %.0s' $(seq 29))
KEYS="wait:Up/Down $down29 ret wait:options=\"one_two\" \
e wait:Command_line_for home text:zero spc end backspace left left delete text:x ret \
wait:options=\"zero_one_xw\" 3 1 ret wait:not_started 3 2 ret wait:initrd_bytes= 1 ret" \
	boot menu-many "$cfg" --timeout 240 -- "$K/demo.elf=/boot/kernel.elf" \
	"$app=/EFI/tools/chainapp.efi" "$ia32=/EFI/tools/ia32.efi" "$big=/boot/big.img"
rm -f "$big"
if grep -q -- '--keys' "$OUT/menu-many.run.log"; then
	not_ok "menu-many: keys" "$(grep -- '--keys' "$OUT/menu-many.run.log")"
else
	ok "menu-many: every key was typed"
fi
expect_rc menu-many 0
expect_line menu-many 'Up/Down, PgUp/PgDn or a number chooses'
expect_line menu-many '\^ [0-9]+ more above'
expect_line menu-many 'v [0-9]+ more below'
expect_line menu-many '^chainapp: started options="one two"$'
expect_line menu-many '^runway: entry-done index=30 status=EFI_SUCCESS'
expect_line menu-many '^runway: cmdline-edited entry=30 cmdline=zero one xw$'
expect_line menu-many '^chainapp: started options="zero one xw"$'
expect_line menu-many '^runway: error: /EFI/tools/ia32\.efi: not started: 32-bit \(IA32\) program'
expect_line menu-many '^runway: entry-done index=31 status=EFI_UNSUPPORTED'
expect_line menu-many 'Reading /boot/big\.img \[#{24}\] 100% 17/17 MiB [0-9]+\.[0-9] MiB/s$'
expect_line menu-many "^runway: chainload path=/EFI/tools/chainapp.efi bytes=[0-9]+ options_bytes=0 initrd=/boot/big.img initrd_bytes=$((17 << 20))\$"
expect_line menu-many "^chainapp: initrd bytes=$((17 << 20)) "
expect_line menu-many '^kernel: PASS'

# ---- a key held at start (tests/efiapp/keyheld.c makes it exact) ----
# The README's two-line config (one entry, no timeout line) boots at once;
# a key already waiting when Runway starts shows the menu instead, with no
# countdown, as systemd-boot does -- unless loader.conf says
# `timeout menu-disabled`.  keyheld.efi is the firmware's boot program and
# starts Runway as \EFI\BOOT\runway.efi with the key waiting.
two_line=$OUT/two-line.conf
printf 'kernel = /boot/kernel.elf\ncmdline = runway-test console=ttyS0 answer=42\n' >"$two_line"
LOADER=$BUILD/keyheld.efi KEYS="wait:Enter_boots ret" \
	boot held "$two_line" --timeout 90 -- "$K/demo.elf=/boot/kernel.elf" \
	"$BUILD/BOOTX64.EFI=/EFI/BOOT/runway.efi"
expect_rc held 0
expect_line held '^keyheld: held key read$'
expect_line held '^runway: menu shown: a key was held at start$'
expect_line held 'Up/Down or a number chooses, Enter boots'
expect_no_line held 'Any key stops the countdown'
expect_line held '^kernel: PASS'

disabled=$OUT/menu-disabled.conf
printf 'timeout menu-disabled\n' >"$disabled"
LOADER=$BUILD/keyheld.efi boot held-disabled "$two_line" --timeout 60 -- \
	"$K/demo.elf=/boot/kernel.elf" "$BUILD/BOOTX64.EFI=/EFI/BOOT/runway.efi" \
	"$disabled=/loader/loader.conf"
expect_rc held-disabled 0
# menu-disabled: Runway does not look at the keyboard at all.
expect_no_line held-disabled '^keyheld: held key read$'
expect_no_line held-disabled 'menu shown'
expect_no_line held-disabled 'Enter boots'
expect_line held-disabled '^kernel: PASS'

# ---- quiet = yes: errors only ----
# run-all: a missing kernel (its error shows), a program with a 17 MiB
# initrd (read in well under a second: no progress line), the demo kernel.
head -c $((17 << 20)) /dev/zero >"$big"
cfg=$(conf "quiet = yes" "run-all = yes" \
	"entry = A kernel that is not there" "kernel = /boot/nothing.elf" \
	"entry = chainapp, 17 MiB initrd" "efi = /EFI/tools/chainapp.efi" "initrd = /boot/big.img" \
	"entry = Demo kernel" "kernel = /boot/kernel.elf" \
	"cmdline = runway-test console=ttyS0 answer=42")
boot quiet "$cfg" --timeout 90 -- "$K/demo.elf=/boot/kernel.elf" \
	"$app=/EFI/tools/chainapp.efi" "$big=/boot/big.img"
rm -f "$big"
expect_rc quiet 0
expect_line quiet '^runway: error: /boot/nothing\.elf: cannot open: EFI_NOT_FOUND'
expect_line quiet "^chainapp: initrd bytes=$((17 << 20)) "
expect_no_line quiet 'Reading /boot/big\.img'
expect_line quiet '^kernel: PASS'
plain=$(tr -d '\r' <"$log" | sed $'s/\x1b\\[[0-9;=?]*[A-Za-z]//g')
logged=$(grep '^runway: ' <<<"$plain" | grep -v '^runway: error: ' || true)
if [ -z "$logged" ]; then ok "quiet: no log line but the error"
else not_ok "quiet: log lines" "$(head -n3 <<<"$logged") (log: $log)"
fi
# The banner, once, on the line before the error: the first output.
if [ "$(grep -cE '^Runway [0-9]+\.[0-9]+$' <<<"$plain")" -eq 1 ] &&
	grep -A1 -E '^Runway [0-9]+\.[0-9]+$' <<<"$plain" | grep -q '^runway: error: /boot/nothing'; then
	ok "quiet: the banner once, just before the error"
else
	not_ok "quiet: banner" "want one 'Runway x.y' line right before the error (log: $log)"
fi

exit $((failures > 0))
