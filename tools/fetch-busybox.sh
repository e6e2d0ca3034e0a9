#!/usr/bin/env bash
# fetch-busybox.sh OUT - put Debian's static busybox binary at OUT, for the
# initramfs of make bench-peers.  The busybox-static package is downloaded
# with apt-get download and unpacked with dpkg-deb; nothing is installed.
# Prints the package and version.  Quick when OUT already exists.
set -eu
out=${1:?usage: fetch-busybox.sh OUT}
if [ -s "$out" ] && [ -s "$out.version" ]; then
	cat "$out.version"
	exit 0
fi
pkg=busybox-static
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
if ! apt-cache show "$pkg" >/dev/null 2>&1; then
	# No package lists yet (a fresh machine): read them.
	$sudo apt-get update -q >&2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-busybox.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
(cd "$tmp" && apt-get download -q "$pkg" >&2)
deb=$(ls "$tmp"/*.deb)
dpkg-deb -x "$deb" "$tmp/root"
[ -x "$tmp/root/bin/busybox" ] || { echo "fetch-busybox: no bin/busybox in $deb" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cp "$tmp/root/bin/busybox" "$out"
version=$(dpkg-deb -f "$deb" Version)
echo "$pkg $version" >"$out.version"
cat "$out.version"
