#!/usr/bin/env bash
# Install the Debian packages Runway needs to build, boot and test.
# Idempotent: silent and quick when everything is already present.
set -eu

# package:file-it-provides pairs; a package is installed when its file is missing.
# GRUB and systemd-boot are what make bench-peers compares Runway with (their
# EFI images are copied onto disk images, never installed as this machine's
# boot loader).  The Linux tests (tests/qemu/test_linux.sh) fetch Debian's
# kernel, busybox-static and systemd's UKI stub with apt-get download into
# build/linux/, never installing them (tools/fetch-deb.sh: apt and dpkg-deb
# are in every Debian base image); tools/mkuki.sh needs objcopy and objdump
# (binutils).
need="
gnu-efi:/usr/include/efi/efi.h
ovmf:/usr/share/OVMF/OVMF_CODE_4M.fd
qemu-system-x86:/usr/bin/qemu-system-x86_64
swtpm:/usr/bin/swtpm
swtpm-tools:/usr/bin/swtpm_setup
clang:/usr/bin/clang
lld:/usr/bin/ld.lld
libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
binutils:/usr/bin/objcopy
mtools:/usr/bin/mcopy
gdisk:/usr/sbin/sgdisk
libcmocka-dev:/usr/include/cmocka.h
make:/usr/bin/make
python3:/usr/bin/python3
shellcheck:/usr/bin/shellcheck
gnuplot-nox:/usr/bin/gnuplot
sbsigntool:/usr/bin/sbsign
openssl:/usr/bin/openssl
grub-common:/usr/bin/grub-mkstandalone
grub-efi-amd64-bin:/usr/lib/grub/x86_64-efi/multiboot2.mod
systemd-boot-efi:/usr/lib/systemd/boot/efi/systemd-bootx64.efi
"
missing=""
for pair in $need; do
	pkg=${pair%%:*}
	file=${pair#*:}
	[ -e "$file" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >&2
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >&2
