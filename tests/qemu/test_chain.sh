#!/usr/bin/env bash
# test_chain.sh - chainloading EFI programs under OVMF: Runway's own test
# program (load options in UCS-2, its volume, an initrd through LoadFile2,
# exit status and exit data reported, the menu back afterwards, nothing
# left allocated), a file that is not an EFI program, a missing file, a
# pinned hash.  Debian's Linux kernel through its EFI stub, to userspace,
# is tests/qemu/test_linux.sh.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

# An initrd: a newc cpio archive with one small file (valid for Linux).
initrd=$OUT/initrd.cpio
python3 tests/qemu/mkcpio.py "$initrd" "runway-initrd=an initrd served by Runway"$'\n'
ih=$(fnv1a64 "$initrd") isize=$(stat -c %s "$initrd")
isum=$(sha256sum "$initrd" | cut -d' ' -f1)
ibad=$(printf '%s' "$isum" | tr '0-9a-f' '1-9a-f0')
empty=$OUT/empty.img
: >"$empty"
app=$BUILD/chainapp.efi
asum=$(sha256sum "$app" | cut -d' ' -f1)
bad=$(printf '%s' "$asum" | tr '0-9a-f' '1-9a-f0')

# ---- Runway's test program, seven entries in one boot ----
cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = app" "efi = /EFI/tools/chainapp.efi" \
	"cmdline = options for the app: wörld" "initrd = /boot/initrd.img" "sha256 = $asum" \
	"initrd-sha256 = $isum" \
	"entry = app-fail" "efi = /EFI/tools/chainapp.efi" "cmdline = please fail" \
	"entry = not-efi" "efi = /boot/initrd.img" \
	"entry = missing" "efi = /EFI/tools/nothing.efi" \
	"entry = pinned-wrong" "efi = /EFI/tools/chainapp.efi" "sha256 = $bad" \
	"entry = initrd-pinned-wrong" "efi = /EFI/tools/chainapp.efi" \
	"initrd = /boot/initrd.img" "initrd-sha256 = $ibad" \
	"entry = initrd-empty" "efi = /EFI/tools/chainapp.efi" "initrd = /boot/empty.img")
boot chain-app "$cfg" --timeout 120 -- "$app=/EFI/tools/chainapp.efi" "$initrd=/boot/initrd.img" \
	"$empty=/boot/empty.img"
expect_rc chain-app 3
expect_line chain-app '^runway: sha256 path=/EFI/tools/chainapp.efi ok'
expect_line chain-app '^runway: sha256 path=/boot/initrd.img ok'
# 26 characters and a NUL, in UCS-2: the UTF-8 "ö" is one character.
expect_line chain-app "^runway: chainload path=/EFI/tools/chainapp.efi bytes=$(stat -c %s "$app") options_bytes=54 initrd=/boot/initrd.img initrd_bytes=$isize\$"
expect_line chain-app '^chainapp: started options="options for the app: w.rld"'
expect_line chain-app '^chainapp: device same-volume=yes'
expect_line chain-app "^chainapp: initrd bytes=$isize fnv1a64=${ih^^}\$"
expect_line chain-app '^runway: chainload-returned path=/EFI/tools/chainapp.efi status=EFI_SUCCESS exit_data=""'
expect_line chain-app '^chainapp: initrd none'
expect_line chain-app '^runway: chainload-returned path=/EFI/tools/chainapp.efi status=EFI_ABORTED exit_data="chainapp failed on purpose"'
expect_line chain-app '^runway: error: /EFI/tools/chainapp.efi returned EFI_ABORTED: chainapp failed on purpose'
expect_line chain-app '^runway: error: /boot/initrd.img: LoadImage: EFI_(UNSUPPORTED|LOAD_ERROR) \(not a PE32\+ EFI program for x64\?\)'
expect_line chain-app '^runway: error: efi /EFI/tools/nothing.efi: cannot open: EFI_NOT_FOUND'
expect_line chain-app "^runway: error: /EFI/tools/chainapp.efi: SHA-256 mismatch: file has $asum, the entry pins $bad; refusing to boot"
expect_line chain-app "^runway: error: initrd /boot/initrd.img: SHA-256 mismatch: file has $isum, the entry pins $ibad; refusing to boot"
expect_line chain-app '^runway: error: initrd /boot/empty.img: the file is empty'
expect_line chain-app '^runway: run-all done entries=7'
clean=$(tr -d '\r' <"$log")
n=$(grep -c '^runway: entry-done ' <<<"$clean")
if [ "$n" -eq 7 ] && ! grep -q '^runway: entry-done .*LEAK' <<<"$clean"; then
	ok "chain-app: seven entries came back to the menu, no page left claimed"
else
	not_ok "chain-app: entries" "$n entry-done lines, or a LEAK (log: $log)"
fi
# Exactly one chainapp start per entry that got as far as StartImage.
starts=$(grep -c '^chainapp: started' <<<"$clean")
if [ "$starts" -eq 2 ]; then ok "chain-app: the program ran twice (pinned-wrong never started)"
else not_ok "chain-app: starts" "$starts chainapp starts, want 2 (log: $log)"
fi

rm -f "$initrd" "$empty"

exit $((failures > 0))
