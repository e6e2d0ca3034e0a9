#!/usr/bin/env bash
# test_secureboot.sh - Runway under OVMF's Secure Boot firmware with
# Debian's snakeoil keys enrolled (ovmf/run.sh --secure-boot), signed with
# tools/sign.sh.  Six boots:
#   sb-enrolled   signed, config enrolled: an unpinned kernel and an
#                 unpinned module are refused (no shim: nothing can vouch
#                 for them), then the pinned kernel boots
#   sb-edit       signed, config enrolled: the menu's command line editor
#                 is refused, the entry then boots as enrolled
#   sb-tampered   the same signed image, one byte of the config changed:
#                 the config is refused, both digests shown
#   sb-no-config  signed, nothing enrolled: a pinned kernel is refused with
#                 how to enrol; an unsigned efi program is refused by the
#                 firmware (a security violation), a signed one runs
#   sb-shim       a stand-in for shim (tests/efiapp/fakeshim.c, signed, as
#                 BOOTX64.EFI) installs shim's lock protocol, trusting a
#                 list of SHA-256 digests, and starts signed Runway: what
#                 the enrolled config does not pin is verified by it (an
#                 unlisted kernel and module refused with its status, a
#                 wrong pin refused without asking shim, an unpinned
#                 initrd and an unpinned kernel and module accepted)
#   sb-unsigned   unsigned Runway: the firmware does not start it
# And on the host: the image ends where its sections end, and sbsign
# signs it without a warning.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
PASS=snakeoil
K=$BUILD/kernel
app=$BUILD/chainapp.efi
for f in "$KEY" "$CERT" /usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd; do
	[ -r "$f" ] || { not_ok "secure boot: setup" "$f missing (Debian package ovmf)"; exit 1; }
done
command -v sbsign >/dev/null || { not_ok "secure boot: setup" "sbsign missing (sbsigntool; tools/deps.sh)"; exit 1; }
SB=$OUT/sb
mkdir -p "$SB"

# ---- the image's layout, on the host ----
# Every byte of the file belongs to the headers or a section (rounded
# up to the file alignment): nothing after the last section.
last_end=0
while read -r sec_size sec_off; do
	end=$(((0x$sec_off + 0x$sec_size + 511) / 512 * 512))
	[ "$end" -le "$last_end" ] || last_end=$end
done < <(objdump -h "$BUILD/BOOTX64.EFI" | awk '$2 ~ /^\./ { print $3, $6 }')
size=$(stat -c %s "$BUILD/BOOTX64.EFI")
if [ "$last_end" = "$size" ]; then ok "BOOTX64.EFI ends where its last section ends ($size bytes)"
else not_ok "BOOTX64.EFI layout" "the last section ends at $last_end, the file is $size bytes"
fi
for s in .sbat .rwconf; do
	if objdump -h "$BUILD/BOOTX64.EFI" | awk -v s="$s" '$2 == s { f = 1 } END { exit !f }'; then ok "BOOTX64.EFI has a $s section"
	else not_ok "BOOTX64.EFI sections" "no $s section"
	fi
done
objcopy -O binary -j .sbat "$BUILD/BOOTX64.EFI" "$SB/sbat.csv"
if head -n1 "$SB/sbat.csv" | grep -qx 'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md' &&
	tr -d '\0' <"$SB/sbat.csv" | sed -n 2p | grep -Eq '^runway,1,Runway,runway,[0-9.]+,'; then
	ok ".sbat holds the SBAT header line and Runway's generation line"
else
	not_ok ".sbat contents" "$(tr -d '\0' <"$SB/sbat.csv" | tr '\n' '|')"
fi
# A throwaway key: sbsign must not warn (tools/sign.sh refuses warnings).
openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=runway-test/ -days 1 \
	-keyout "$SB/throwaway.key" -out "$SB/throwaway.crt" >/dev/null 2>&1
if sbsign --key "$SB/throwaway.key" --cert "$SB/throwaway.crt" --output "$SB/throwaway.efi" \
	"$BUILD/BOOTX64.EFI" >"$SB/sbsign.log" 2>&1 &&
	! grep -v '^Signing Unsigned original image$' "$SB/sbsign.log" | grep -q . &&
	sbverify --cert "$SB/throwaway.crt" "$SB/throwaway.efi" >"$SB/sbverify.log" 2>&1 &&
	! grep -v '^Signature verification OK$' "$SB/sbverify.log" | grep -q .; then
	ok "sbsign and sbverify are silent on BOOTX64.EFI"
else
	not_ok "sbsign/sbverify" "$(cat "$SB/sbsign.log" "$SB/sbverify.log" | tr '\n' '|')"
fi

# sign OUT [-C CONFIG]: BOOTX64.EFI signed with the snakeoil key.
sign() {
	local out=$1
	shift
	echo "$PASS" | tools/sign.sh -k "$KEY" -c "$CERT" "$@" -o "$out" "$BUILD/BOOTX64.EFI" \
		>"$out.log" 2>&1
}

ksum=$(sha256sum "$K/demo.elf" | cut -d' ' -f1)
module=$OUT/sb-module.txt
printf 'a module\n' >"$module"
msum=$(sha256sum "$module" | cut -d' ' -f1)
CMDLINE="runway-test console=ttyS0 answer=42"

# ---- sb-enrolled: refused, refused, then the pinned kernel boots ----
cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = unpinned" "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" \
	"entry = unpinned-module" "kernel = /boot/kernel.elf" "sha256 = $ksum" \
	"module = /boot/one.txt" "module = /boot/two.txt" "module-sha256 = $msum" \
	"entry = pinned" "kernel = /boot/kernel.elf" "sha256 = $ksum" "cmdline = $CMDLINE" \
	"module = /boot/one.txt" "module-sha256 = $msum")
if sign "$SB/enrolled.efi" -C "$cfg"; then ok "sign.sh -C signs and enrols (pass phrase on stdin)"
else not_ok "sign.sh -C" "$(tr '\n' '|' <"$SB/enrolled.efi.log")"
fi
csum=$(sha256sum "$cfg" | cut -d' ' -f1)
enrolled_cfg=$cfg
LOADER=$SB/enrolled.efi boot sb-enrolled "$cfg" --secure-boot --timeout 120 -- \
	"$K/demo.elf=/boot/kernel.elf" "$module=/boot/one.txt" "$module=/boot/two.txt"
expect_rc sb-enrolled 0
expect_line sb-enrolled "^runway: secureboot enabled=1 enrolled=1 config_sha256=$csum shim=0"
expect_line sb-enrolled "^runway: error: entry 'unpinned': Secure Boot is on: kernel /boot/kernel.elf is not pinned"
expect_line sb-enrolled "^runway: error: entry 'unpinned-module': Secure Boot is on: module /boot/two.txt is not pinned"
expect_line sb-enrolled '^runway: entry-done index=2 status=EFI_SECURITY_VIOLATION claimed_pages=([0-9]+) baseline=\1$'
expect_line sb-enrolled '^runway: sha256 path=/boot/kernel.elf ok'
expect_line sb-enrolled '^kernel: PASS'

# ---- sb-edit: the menu's command line editor is refused ----
cfg=$(conf "timeout = 30" "entry = pinned" "kernel = /boot/kernel.elf" "sha256 = $ksum" \
	"cmdline = $CMDLINE")
sign "$SB/edit.efi" -C "$cfg" || not_ok "sign.sh -C (sb-edit)" "$(tr '\n' '|' <"$SB/edit.efi.log")"
LOADER=$SB/edit.efi KEYS="wait:Up/Down e wait:Command_line_for backspace text:3 ret wait:cannot_be_edited ret" \
	boot sb-edit "$cfg" --secure-boot --timeout 120 -- "$K/demo.elf=/boot/kernel.elf"
expect_rc sb-edit 0
expect_line sb-edit "^runway: error: entry 'pinned': Secure Boot is on: the command line is the signed runway.conf's and cannot be edited at the menu"
expect_no_line sb-edit '^runway: cmdline-edited'
expect_line sb-edit '^kernel: PASS'

# ---- sb-tampered: the same image, one byte of the config changed ----
bad=$SB/tampered.conf
sed 's/answer=42/answer=43/' "$enrolled_cfg" >"$bad"
bsum=$(sha256sum "$bad" | cut -d' ' -f1)
LOADER=$SB/enrolled.efi boot sb-tampered "$bad" --secure-boot --timeout 60 -- \
	"$K/demo.elf=/boot/kernel.elf" "$module=/boot/one.txt" "$module=/boot/two.txt"
expect_rc sb-tampered 3
expect_line sb-tampered "^runway: error: runway.conf: Secure Boot: the file's SHA-256 is $bsum, but the one enrolled in Runway's signed image is $csum; refusing it"
expect_no_line sb-tampered '^kernel:'

# ---- sb-no-config: nothing enrolled ----
signed_app=$SB/chainapp-signed.efi
echo "$PASS" | openssl pkey -in "$KEY" -passin stdin -out "$SB/snakeoil.key" 2>/dev/null
sbsign --key "$SB/snakeoil.key" --cert "$CERT" --output "$signed_app" "$app" >/dev/null 2>&1
rm -f "$SB/snakeoil.key"
sign "$SB/plain.efi" || not_ok "sign.sh without -C" "$(tr '\n' '|' <"$SB/plain.efi.log")"
cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = kernel" "kernel = /boot/kernel.elf" "sha256 = $ksum" \
	"entry = unsigned-app" "efi = /EFI/tools/chainapp.efi" \
	"entry = signed-app" "efi = /EFI/tools/signed.efi")
LOADER=$SB/plain.efi boot sb-no-config "$cfg" --secure-boot --timeout 120 -- \
	"$K/demo.elf=/boot/kernel.elf" "$app=/EFI/tools/chainapp.efi" "$signed_app=/EFI/tools/signed.efi"
expect_rc sb-no-config 3
expect_line sb-no-config '^runway: secureboot enabled=1 enrolled=0 '
expect_line sb-no-config "^runway: error: entry 'kernel': Secure Boot is on and no runway.conf digest is enrolled in Runway.*tools/sign.sh -C runway.conf"
expect_line sb-no-config '^runway: error: /EFI/tools/chainapp.efi: LoadImage: EFI_(SECURITY_VIOLATION|ACCESS_DENIED): a security violation: Secure Boot is on and the firmware refused the program'
expect_line sb-no-config '^runway: chainload-returned path=/EFI/tools/signed.efi status=EFI_SUCCESS'
expect_line sb-no-config '^runway: run-all done entries=3'
expect_no_line sb-no-config '^runway: entry-done .*LEAK'
if [ "$(tr -d '\r' <"$log" | grep -c '^chainapp: started')" -eq 1 ]; then ok "sb-no-config: only the signed program ran"
else not_ok "sb-no-config: chainapp starts" "want exactly one (log: $log)"
fi

# ---- sb-shim: unpinned files verified by (a stand-in for) shim ----
# The fake shim trusts the demo kernel, one module and the initrd; a
# kernel one byte longer and another module are not in its list.
other=$SB/other.elf
cat "$K/demo.elf" >"$other" && printf 'x' >>"$other"
osum=$(sha256sum "$other" | cut -d' ' -f1)
bad_module=$SB/bad-module.txt
printf 'a module shim does not know\n' >"$bad_module"
initrd=$SB/initrd.img
head -c 3000 /dev/urandom >"$initrd"
sha256sum "$K/demo.elf" "$module" "$initrd" >"$SB/fakeshim.sha256"
signed_shim=$SB/fakeshim-signed.efi
echo "$PASS" | openssl pkey -in "$KEY" -passin stdin -out "$SB/snakeoil.key" 2>/dev/null
sbsign --key "$SB/snakeoil.key" --cert "$CERT" --output "$signed_shim" "$BUILD/fakeshim.efi" >/dev/null 2>&1
rm -f "$SB/snakeoil.key"
cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = unlisted-kernel" "kernel = /boot/other.elf" "cmdline = $CMDLINE" \
	"entry = unlisted-module" "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" \
	"module = /boot/bad.txt" \
	"entry = wrong-pin" "kernel = /boot/kernel.elf" "sha256 = $osum" \
	"entry = shim-initrd" "efi = /EFI/tools/signed.efi" "initrd = /boot/initrd.img" \
	"entry = shim-kernel" "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" \
	"module = /boot/one.txt")
sign "$SB/shim-runway.efi" -C "$cfg" || not_ok "sign.sh -C (sb-shim)" "$(tr '\n' '|' <"$SB/shim-runway.efi.log")"
LOADER=$signed_shim boot sb-shim "$cfg" --secure-boot --timeout 150 -- \
	"$SB/shim-runway.efi=/EFI/BOOT/runway.efi" "$SB/fakeshim.sha256=/EFI/BOOT/fakeshim.sha256" \
	"$K/demo.elf=/boot/kernel.elf" "$other=/boot/other.elf" "$module=/boot/one.txt" \
	"$bad_module=/boot/bad.txt" "$initrd=/boot/initrd.img" "$signed_app=/EFI/tools/signed.efi"
expect_rc sb-shim 0
expect_line sb-shim '^fakeshim: trusted=3'
expect_line sb-shim '^runway: secureboot enabled=1 enrolled=1 config_sha256=[0-9a-f]{64} shim=1'
expect_line sb-shim '^runway: error: kernel /boot/other.elf: not pinned, and shim.s Verify refused it: EFI_SECURITY_VIOLATION'
expect_line sb-shim '^runway: entry-done index=1 status=EFI_SECURITY_VIOLATION claimed_pages=([0-9]+) baseline=\1$'
expect_line sb-shim '^runway: error: module /boot/bad.txt: not pinned, and shim.s Verify refused it: EFI_SECURITY_VIOLATION'
expect_line sb-shim '^runway: entry-done index=2 status=EFI_SECURITY_VIOLATION claimed_pages=([0-9]+) baseline=\1$'
expect_line sb-shim "^runway: error: /boot/kernel.elf: SHA-256 mismatch: file has $ksum, the entry pins $osum"
expect_line sb-shim '^runway: entry-done index=3 status=EFI_SECURITY_VIOLATION claimed_pages=([0-9]+) baseline=\1$'
expect_line sb-shim '^runway: shim verify path=/boot/initrd.img ok'
ih=$(fnv1a64 "$initrd")
expect_line sb-shim "^chainapp: initrd bytes=3000 fnv1a64=${ih^^}\$"
expect_line sb-shim '^runway: entry-done index=4 status=EFI_SUCCESS'
expect_line sb-shim '^runway: shim verify path=/boot/kernel.elf ok'
expect_line sb-shim '^runway: shim verify path=/boot/one.txt ok'
expect_line sb-shim '^kernel: PASS'
expect_no_line sb-shim '^runway: entry-done .*LEAK'
# Each unpinned file shown to shim once, the pinned one never: the
# unlisted kernel, the listed kernel and unlisted module of entry 2, the
# initrd, the kernel and module of entry 5.
acc=$(tr -d '\r' <"$log" | grep -c '^fakeshim: verify bytes=[0-9]* sha256=[0-9a-f]* accepted$')
ref=$(tr -d '\r' <"$log" | grep -c '^fakeshim: verify bytes=[0-9]* sha256=[0-9a-f]* refused$')
if [ "$acc" -eq 4 ] && [ "$ref" -eq 2 ]; then ok "sb-shim: shim's Verify called 6 times: 4 accepted, 2 refused"
else not_ok "sb-shim: Verify calls" "accepted=$acc refused=$ref, want 4 and 2 (log: $log)"
fi

# ---- sb-unsigned: the firmware refuses Runway itself ----
cfg=$(conf "exit-after = yes" "kernel = /boot/kernel.elf" "sha256 = $ksum")
boot sb-unsigned "$cfg" --secure-boot --timeout 30 -- "$K/demo.elf=/boot/kernel.elf"
# OVMF's boot manager says so on the serial console, then waits in its
# menu (the run ends at the timeout).
expect_line sb-unsigned '^BdsDxe: failed to load Boot[0-9A-F]+ .*: Access Denied'
expect_no_line sb-unsigned '^Runway '
expect_no_line sb-unsigned '^kernel:'

[ "$failures" -eq 0 ]
