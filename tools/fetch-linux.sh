#!/usr/bin/env bash
# fetch-linux.sh OUT - put Debian's Linux kernel (the cloud flavour: small,
# with the EFI stub and the 8250 serial console built in) at OUT, for the
# Linux tests and make bench-peers.  The package behind the meta-package
# is downloaded, not installed (tools/fetch-deb.sh).  Prints the kernel's
# package and version.  Quick when OUT already exists.
set -eu
out=${1:?usage: fetch-linux.sh OUT}
if [ -s "$out" ] && [ -s "$out.version" ]; then
	cat "$out.version"
	exit 0
fi
meta=linux-image-cloud-amd64
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
kernel_package() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1
}
pkg=$(kernel_package)
if [ -z "$pkg" ]; then
	# No package lists yet (a fresh machine): read them.
	$sudo apt-get update -q >&2
	pkg=$(kernel_package)
fi
[ -n "$pkg" ] || { echo "fetch-linux: no package behind $meta" >&2; exit 1; }
exec "$(dirname "$0")/fetch-deb.sh" "$pkg" './boot/vmlinuz-*' "$out"
