#!/usr/bin/env bash
# test_net.sh - network boot under OVMF (issue 14): no disk attached,
# OVMF PXE-boots Runway from QEMU's DHCP and TFTP server (ovmf/run.sh
# --tftp), and Runway reads its config, kernels, modules, initrds and EFI
# programs from the same server.  Three boots:
#   net-all    runway.conf next to the boot file (a broken one at the root
#              must not be read); run-all: an EFI program with an initrd,
#              a missing kernel, a kernel with a wrong pin, a file larger
#              than memory, then the test kernel with a pinned module,
#              which boots and checks itself;
#   net-big64  runway.conf at the server's root only; the 64 MiB kernel;
#   disk-big64 the same from a disk, for the same alloc_calls.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel
CMDLINE="runway-test console=ttyS0 answer=42"
BOOTFILE=efi/runway/BOOTX64.EFI
SERVER=10.0.2.2

# ---- one boot, run-all: every entry but the last fails and comes back ----
app=$BUILD/chainapp.efi
asum=$(sha256sum "$app" | cut -d' ' -f1)
initrd=$OUT/net-initrd.cpio
python3 tests/qemu/mkcpio.py "$initrd" "runway-initrd=served over TFTP"$'\n'
ih=$(fnv1a64 "$initrd") isize=$(stat -c %s "$initrd")
isum=$(sha256sum "$initrd" | cut -d' ' -f1)
ksum=$(sha256sum "$K/pie.elf" | cut -d' ' -f1)
kbad=$(printf '%s' "$ksum" | tr '0-9a-f' '1-9a-f0')
mod=$OUT/net-module.bin
head -c $((3 << 20)) /dev/urandom >"$mod"
mh=$(fnv1a64 "$mod") msum=$(sha256sum "$mod" | cut -d' ' -f1)
# Larger than the guest's memory, and sparse: never transferred.
huge=$OUT/net-huge.elf
rm -f "$huge"
truncate -s 1G "$huge"
broken=$OUT/net-broken.conf
echo "this line is no runway.conf key" >"$broken"

cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = app" "efi = /EFI/tools/chainapp.efi" "cmdline = over the network" \
	"sha256 = $asum" "initrd = /boot/initrd.img" "initrd-sha256 = $isum" \
	"entry = missing" "kernel = /boot/nothing.elf" \
	"entry = pinned-wrong" "kernel = /boot/kernel.elf" "sha256 = $kbad" \
	"entry = huge" "kernel = /boot/huge.elf" \
	"entry = good" "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "sha256 = $ksum" \
	"module = /boot/module.bin fnv1a64=$mh" "module-sha256 = $msum")
tftp_boot net-all "$BOOTFILE" --timeout 180 -- "$cfg=/efi/runway/runway.conf" \
	"$broken=/runway.conf" "$app=/EFI/tools/chainapp.efi" "$initrd=/boot/initrd.img" \
	"$K/pie.elf=/boot/kernel.elf" "$mod=/boot/module.bin" "$huge=/boot/huge.elf"
expect_rc net-all 0
expect_line net-all "^runway: source kind=tftp server=$SERVER bootfile=$BOOTFILE\$"
expect_line net-all "^runway: tftp uri=tftp://$SERVER/efi/runway/runway.conf bytes=[0-9]+ us=[0-9]+ tries=1\$"
expect_no_line net-all "tftp://$SERVER/runway.conf"
# the EFI program and its initrd, pinned, from a memory buffer
expect_line net-all '^runway: sha256 path=/EFI/tools/chainapp.efi ok'
expect_line net-all '^runway: sha256 path=/boot/initrd.img ok'
expect_line net-all "^runway: chainload path=/EFI/tools/chainapp.efi bytes=$(stat -c %s "$app") options_bytes=34 initrd=/boot/initrd.img initrd_bytes=$isize\$"
expect_line net-all '^chainapp: started options="over the network"'
expect_line net-all '^chainapp: device same-volume=yes'
expect_line net-all "^chainapp: file-path=Uri\\(tftp://$SERVER/EFI/tools/chainapp.efi\\)"
expect_line net-all "^chainapp: initrd bytes=$isize fnv1a64=${ih^^}\$"
expect_line net-all '^runway: chainload-returned path=/EFI/tools/chainapp.efi status=EFI_SUCCESS'
# a missing kernel: the server, the path and the TFTP error
expect_line net-all "^runway: error: /boot/nothing.elf: cannot open: EFI_(NOT_FOUND|TFTP_ERROR): tftp://$SERVER/boot/nothing.elf: TFTP error.* \"File not found\"\$"
# a pin applies to a network file as to a disk file
expect_line net-all "^runway: error: /boot/kernel.elf: SHA-256 mismatch: file has $ksum, the entry pins $kbad; refusing to boot"
# refused on its size, before any transfer
expect_line net-all "^runway: error: /boot/huge.elf: cannot open: EFI_BAD_BUFFER_SIZE: tftp://$SERVER/boot/huge.elf: 1073741824 bytes \\(tsize\\), more than the [0-9]+ bytes of free memory; nothing transferred\$"
expect_no_line net-all "^runway: tftp uri=tftp://$SERVER/boot/huge.elf "
# every failed entry came back to the menu with nothing left claimed
clean=$(tr -d '\r' <"$log")
n=$(grep -c '^runway: entry-done ' <<<"$clean")
if [ "$n" -eq 4 ] && ! grep -q '^runway: entry-done .*LEAK' <<<"$clean"; then
	ok "net-all: four entries came back to the menu, no page left claimed"
else
	not_ok "net-all: entries" "$n entry-done lines (want 4), or a LEAK (log: $log)"
fi
# then the good entry: the kernel and its module over TFTP, both pinned
expect_line net-all '^runway: sha256 path=/boot/kernel.elf ok'
expect_line net-all "^runway: tftp uri=tftp://$SERVER/boot/module.bin bytes=$((3 << 20)) "
expect_line net-all '^runway: sha256 path=/boot/module.bin ok'
expect_line net-all '^kernel: PASS .*modules=1 '
rm -f "$initrd" "$mod" "$huge" "$broken"

# ---- the 64 MiB kernel over TFTP, then from a disk ----
big=$(conf "exit-after = yes" "kernel = /boot/big64.elf" "cmdline = $CMDLINE")
tftp_boot net-big64 "$BOOTFILE" --mem 1G --timeout 300 -- "$big=/runway.conf" \
	"$K/big64.elf=/boot/big64.elf"
expect_rc net-big64 0
expect_line net-big64 "^runway: tftp uri=tftp://$SERVER/runway.conf "
expect_line net-big64 "^runway: tftp uri=tftp://$SERVER/boot/big64.elf bytes=$(stat -c %s "$K/big64.elf") us=[0-9]+ tries=1\$"
expect_line net-big64 '^kernel: PASS .*data_kib=65536'
net_calls=$(field alloc_calls)
tr -d '\r' <"$log" | grep -m1 "^runway: tftp uri=tftp://$SERVER/boot/big64.elf" | sed 's/^/# /'
tr -d '\r' <"$log" | grep -m1 '^runway: loaded' | sed 's/^/# /'

boot disk-big64 "$big" --mem 1G --timeout 300 -- "$K/big64.elf=/boot/big64.elf"
expect_rc disk-big64 0
expect_line disk-big64 '^kernel: PASS .*data_kib=65536'
disk_calls=$(field alloc_calls)
tr -d '\r' <"$log" | grep -m1 '^runway: loaded' | sed 's/^/# /'
if [ -n "$net_calls" ] && [ "$net_calls" = "$disk_calls" ]; then
	ok "big64: alloc_calls=$net_calls over TFTP, as from disk"
else
	not_ok "big64: alloc_calls" "over TFTP '$net_calls', from disk '$disk_calls'"
fi

exit $((failures > 0))
