#!/usr/bin/env bash
# fetch-busybox.sh OUT - put Debian's static busybox binary at OUT, for the
# initramfs of the Linux tests and of make bench-peers (tools/initramfs.py).
# The busybox-static package is downloaded, not installed
# (tools/fetch-deb.sh).  Prints the package and version.  Quick when OUT
# already exists.
set -eu
out=${1:?usage: fetch-busybox.sh OUT}
exec "$(dirname "$0")/fetch-deb.sh" busybox-static ./bin/busybox "$out"
