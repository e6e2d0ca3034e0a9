#!/usr/bin/env bash
# capture-map.sh MEM OUT: boot the demo kernel under OVMF with MEM of RAM
# and `map-dump = yes`, and keep the firmware's raw memory map
# ("runway: fwmap ..." lines) in OUT, for the host tests in tests/unit.
set -eu
mem=$1 out=$2
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'kernel = /boot/kernel.elf\ncmdline = runway-test console=ttyS0 answer=42\nexit-after = yes\nmap-dump = yes\n' >"$tmp/conf"
tools/mkimg.sh -o "$tmp/img" -c "$tmp/conf" "$BUILD/kernel/demo.elf=/boot/kernel.elf" >/dev/null 2>&1
ovmf/run.sh --mem "$mem" --timeout 120 --serial "$tmp/log" "$tmp/img" >/dev/null 2>&1 || true
tr -d '\r' <"$tmp/log" | grep '^runway: fwmap ' | sed 's/^runway: fwmap //' >"$out"
[ -s "$out" ] || { echo "capture-map: no map captured" >&2; exit 1; }
echo "capture-map: $(($(wc -l <"$out") - 1)) descriptors -> $out"
