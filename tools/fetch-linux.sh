#!/usr/bin/env bash
# fetch-linux.sh OUT - put Debian's Linux kernel (the cloud flavour: small,
# with the EFI stub and the 8250 serial console built in) at OUT, for the
# chainload tests.  The package is downloaded with apt-get download and
# unpacked with dpkg-deb; nothing is installed.  Prints the kernel's
# package and version.  Quick when OUT already exists.
set -eu
out=${1:?usage: fetch-linux.sh OUT}
if [ -s "$out" ] && [ -s "$out.version" ]; then
	cat "$out.version"
	exit 0
fi
meta=linux-image-cloud-amd64
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
if [ -z "$pkg" ]; then
	# No package lists yet (a fresh machine): read them.
	$sudo apt-get update -q >&2
	pkg=$(apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
fi
[ -n "$pkg" ] || { echo "fetch-linux: no package behind $meta" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-linux.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
(cd "$tmp" && apt-get download -q "$pkg" >&2)
deb=$(ls "$tmp"/*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
mkdir -p "$(dirname "$out")"
cp "$tmp"/boot/vmlinuz-* "$out"
version=$(dpkg-deb -f "$deb" Version)
echo "$pkg $version" >"$out.version"
cat "$out.version"
