#!/usr/bin/env bash
# fetch-deb.sh PACKAGE MEMBER OUT - put one file of a Debian package at OUT.
# The package is downloaded with apt-get download and unpacked with dpkg-deb
# into a temporary directory; nothing is installed.  MEMBER is the file's
# path inside the package ("./usr/lib/...", shell wildcards allowed; exactly
# one file must match).  OUT.version records "PACKAGE VERSION", which is
# also printed.  Quick when OUT and OUT.version already exist: the test
# set-up and make bench-peers call it every time and the cache is build/.
set -eu
pkg=${1:?usage: fetch-deb.sh PACKAGE MEMBER OUT}
member=${2:?usage: fetch-deb.sh PACKAGE MEMBER OUT}
out=${3:?usage: fetch-deb.sh PACKAGE MEMBER OUT}
if [ -s "$out" ] && [ -s "$out.version" ]; then
	cat "$out.version"
	exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
if ! apt-cache show "$pkg" >/dev/null 2>&1; then
	# No package lists yet (a fresh machine): read them.
	$sudo apt-get update -q >&2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
(cd "$tmp" && apt-get download -q "$pkg" >&2)
deb=$(ls "$tmp"/*.deb)
mkdir "$tmp/root"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" --wildcards "$member"
# The one regular file the wildcard matched.
mapfile -t found < <(find "$tmp/root" -type f)
[ "${#found[@]}" -eq 1 ] || {
	echo "fetch-deb: $member matches ${#found[@]} files in $deb, want 1" >&2
	exit 1
}
mkdir -p "$(dirname "$out")"
cp "${found[0]}" "$out.tmp"
mv "$out.tmp" "$out"
echo "$pkg $(dpkg-deb -f "$deb" Version)" >"$out.version"
cat "$out.version"
