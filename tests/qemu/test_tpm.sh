#!/usr/bin/env bash
# test_tpm.sh - measured boot under OVMF with a software TPM (swtpm,
# ovmf/run.sh --tpm).  One run-all boot:
#   1. a native kernel with a command line and two modules, the second
#      missing: Runway reads and measures the kernel, its command line and
#      the first module, then the entry fails and run-all goes on;
#   2. the TPM test program (tests/efiapp/tpmcheck.c) with an initrd: it
#      replays the firmware's event log for PCRs 8 and 9, reads both PCRs
#      from the TPM, compares, and checks that the log holds an event with
#      each SHA-256 its load options name (the kernel file's sha256sum
#      among them).  It ends the machine with its verdict.
# Then the same image without a TPM: Runway measures nothing, says
# nothing about a TPM, and the entries run as before.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel/demo.elf
app=$BUILD/tpmcheck.efi
mod=$OUT/tpm-module.txt
initrd=$OUT/tpm-initrd.txt
printf '%s\n' "a module measured into PCR 9" >"$mod"
printf '%s\n' "an initrd measured into PCR 9" >"$initrd"
sum() { sha256sum "$1" | cut -d' ' -f1; }
# SHA-256 of a string's bytes (no newline): what PCR 8 gets for a command line.
strsum() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

ksum=$(sum "$K") msum=$(sum "$mod") isum=$(sum "$initrd") asum=$(sum "$app")
kcmd="runway-test tpm=measured"
kcsum=$(strsum "$kcmd")
acmd="9:$ksum 9:$msum 8:$kcsum 9:$isum 9:$asum"
acsum=$(strsum "$acmd")

cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = kernel, measured, then a missing module" "kernel = /boot/kernel.elf" \
	"cmdline = $kcmd" "module = /boot/module.txt" "module = /boot/missing.txt" \
	"entry = tpmcheck" "efi = /EFI/tools/tpmcheck.efi" "cmdline = $acmd" \
	"initrd = /boot/initrd.txt")
csum=$(sum "$cfg")
files=("$K=/boot/kernel.elf" "$mod=/boot/module.txt" "$app=/EFI/tools/tpmcheck.efi"
	"$initrd=/boot/initrd.txt")

# ---- with a TPM ----
boot tpm "$cfg" --tpm --timeout 120 -- "${files[@]}"
expect_rc tpm 0
expect_line tpm '^runway: tpm tcg2 protocol=1\.[0-9]+ banks=0x[0-9a-f]+ pcr_files=9 pcr_cmdline=8$'
expect_line tpm '^runway: tpm measured pcr=9 bytes=[0-9]+ us=[0-9]+ event="runway: config runway.conf"$'
expect_line tpm "^runway: tpm measured pcr=9 bytes=$(stat -c %s "$K") us=[0-9]+ event=\"runway: kernel /boot/kernel.elf\"\$"
expect_line tpm "^runway: tpm measured pcr=8 bytes=${#kcmd} us=[0-9]+ event=\"runway: cmdline $kcmd\"\$"
expect_line tpm '^runway: tpm measured pcr=9 bytes=[0-9]+ us=[0-9]+ event="runway: module /boot/module.txt"$'
expect_line tpm '^runway: error: module /boot/missing.txt: cannot open: EFI_NOT_FOUND'
expect_line tpm '^runway: tpm measured pcr=9 bytes=[0-9]+ us=[0-9]+ event="runway: efi /EFI/tools/tpmcheck.efi"$'
expect_line tpm '^runway: tpm measured pcr=9 bytes=[0-9]+ us=[0-9]+ event="runway: initrd /boot/initrd.txt"$'
expect_no_line tpm '^runway: tpm error'
# What the program found in the log: each digest with its event's text.
expect_line tpm "^tpmcheck: event pcr=9 type=0xD sha256=$csum text=\"runway: config runway.conf\"\$"
expect_line tpm "^tpmcheck: found pcr=9 sha256=$ksum text=\"runway: kernel /boot/kernel.elf\"\$"
expect_line tpm "^tpmcheck: found pcr=8 sha256=$kcsum text=\"runway: cmdline $kcmd\"\$"
expect_line tpm "^tpmcheck: found pcr=9 sha256=$msum text=\"runway: module /boot/module.txt\"\$"
expect_line tpm "^tpmcheck: found pcr=9 sha256=$asum text=\"runway: efi /EFI/tools/tpmcheck.efi\"\$"
expect_line tpm "^tpmcheck: found pcr=9 sha256=$isum text=\"runway: initrd /boot/initrd.txt\"\$"
# (the program shows the first 200 characters of an event's text)
expect_line tpm "^tpmcheck: event pcr=8 type=0xD sha256=$acsum text=\"runway: cmdline 9:$ksum 9:$msum"
expect_line tpm '^tpmcheck: pcr=8 tpm=([0-9a-f]{64}) log=\1 match$'
expect_line tpm '^tpmcheck: pcr=9 tpm=([0-9a-f]{64}) log=\1 match$'
expect_line tpm '^tpmcheck: PASS events=[0-9]+ expected=5$'
expect_no_line tpm 'LEAK'

# ---- the same image without a TPM ----
boot no-tpm "$cfg" --timeout 120 -- "${files[@]}"
expect_rc no-tpm 1
expect_no_line no-tpm '^runway: tpm'
expect_line no-tpm '^runway: error: module /boot/missing.txt: cannot open: EFI_NOT_FOUND'
expect_line no-tpm '^tpmcheck: FAIL no EFI_TCG2_PROTOCOL'
expect_no_line no-tpm 'LEAK'

rm -f "$mod" "$initrd"
exit $((failures > 0))
