#!/usr/bin/env bash
# fetch-sdstub.sh OUT - put systemd's EFI stub for unified kernel images
# (linuxx64.efi.stub, from Debian's systemd-boot-efi) at OUT, for
# tools/mkuki.sh in the Linux tests.  Downloaded, not installed
# (tools/fetch-deb.sh).  Prints the package and version.  Quick when OUT
# already exists.
set -eu
out=${1:?usage: fetch-sdstub.sh OUT}
exec "$(dirname "$0")/fetch-deb.sh" systemd-boot-efi \
	./usr/lib/systemd/boot/efi/linuxx64.efi.stub "$out"
