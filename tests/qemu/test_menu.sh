#!/usr/bin/env bash
# test_menu.sh - the interactive menu, typed at through QEMU's keyboard
# (ovmf/run.sh --keys): choose an entry by digit, see its
# error under the menu afterwards (the menu comes back on the entry that
# failed), move with the arrow keys, edit a
# command line with `e` and boot the kernel with it (the test kernel
# checks that its command line is exactly the edited one).
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

exit $((failures > 0))
