#!/usr/bin/env bash
# run.sh - build Runway and the hello kernel and boot them under OVMF,
# headless: the serial console on this terminal.  The kernel halts when it
# is done; Ctrl-C (or the 120 s timeout) ends QEMU.  To see the painted
# screen: examples/hello/run.sh --screendump hello.png
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory efi examples
tools/mkimg.sh -o build/examples/hello.img -c examples/hello/hello.conf \
	build/examples/hello.elf=/boot/hello.elf
exec ovmf/run.sh --timeout 120 "$@" build/examples/hello.img
