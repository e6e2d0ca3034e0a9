#!/usr/bin/env bash
# test_linux.sh - Linux to userspace under OVMF, one boot per scenario:
# Debian's cloud kernel (tools/fetch-linux.sh) through its EFI stub, with
# an initramfs of Debian's busybox-static (tools/fetch-busybox.sh,
# tools/initramfs.py) whose /init prints one marker line and powers off:
#
#   runway-linux-marker: second-initrd=present|absent cmdline=/proc/cmdline
#
# second-initrd says whether /runway-second-initrd exists, a file that only
# the second initrd (a cpio of its own) adds.  Scenarios:
#   efi   runway.conf: an efi = entry with one initrd
#   bls   a Boot Loader Specification entry (/loader/entries/debian.conf)
#         with two initrd lines and two options lines; no runway.conf
#   glob  /loader/loader.conf `default deb*` picks one of two entries, the
#         one that is not first in the menu; no runway.conf
#   uki   a unified kernel image (tools/mkuki.sh: systemd's stub from
#         Debian's systemd-boot-efi, tools/fetch-sdstub.sh) in /EFI/Linux,
#         listed with its .osrel title, booted with its .cmdline
# Linux powering off ends QEMU (run.sh: status 3), so a scenario is a boot.
# bls, glob and uki need a loader that reads BLS entries: when the log
# shows neither entries with their origin ("runway: entry N origin=") nor
# BLS discovery ("runway: bls ..."), the loader predates BLS and the
# scenario is skipped, saying so.
#
# Each scenario prints "# linux NAME: T s ..." - the time from the
# firmware's hand-off (its "BdsDxe: loading" line, as make bench-peers
# measures) to the marker, on the host's clock - for reading, never
# asserted.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

MARKER=runway-linux-marker:
BASE="console=ttyS0 panic=-1"
lin=$OUT/linux
mkdir -p "$lin"

# fetch WHAT TOOL OUT: a cached download; a failure is one not ok and ends
# the script (nothing here can run without it).
fetch() {
	if ! "$2" "$3" >"$lin/$1.version" 2>"$lin/fetch-$1.log"; then
		not_ok "linux: fetch $1" "$2 failed: $(tail -n 2 "$lin/fetch-$1.log" | tr '\n' ' ')"
		exit 1
	fi
	echo "# linux: $1 $(cat "$lin/$1.version")"
}
fetch kernel tools/fetch-linux.sh "$BUILD/linux/vmlinuz"
fetch busybox tools/fetch-busybox.sh "$BUILD/linux/busybox"
fetch stub tools/fetch-sdstub.sh "$BUILD/linux/linuxx64.efi.stub"
vmlinuz=$BUILD/linux/vmlinuz

# The initrds and the unified kernel image.
initramfs=$lin/initramfs.img
second=$lin/second.img
uki=$lin/debian-uki.efi
ukicmd="$BASE runway-scenario=uki"
python3 tools/initramfs.py --cmdline --check second-initrd=/runway-second-initrd \
	"$initramfs" "$BUILD/linux/busybox" "$MARKER" || {
	not_ok "linux: initramfs" "tools/initramfs.py failed"
	exit 1
}
python3 tests/qemu/mkcpio.py "$second" "runway-second-initrd=added by the second initrd"$'\n'
printf '%s\n' 'NAME="Runway Test Linux"' 'PRETTY_NAME="Runway Test Linux 12 (UKI)"' \
	'ID=runwaytest' 'VERSION_ID=12' >"$lin/os-release"
if layout=$(tools/mkuki.sh -o "$uki" -s "$BUILD/linux/linuxx64.efi.stub" -k "$vmlinuz" \
	-i "$initramfs" -r "$lin/os-release" -c "$ukicmd" 2>"$lin/mkuki.log"); then
	# shellcheck disable=SC2001 # one prefix per line
	sed 's/^/# linux uki layout: /' <<<"$layout"
else
	not_ok "linux: mkuki" "tools/mkuki.sh failed: $(tail -n 2 "$lin/mkuki.log" | tr '\n' ' ')"
fi

# check_uki: the image's sections, in order, never overlap in memory; the
# four tools/mkuki.sh added come after the stub's, at the stub's section
# alignment, and hold what they were made from.
check_uki() {
	local align end=0 added="" bad="" idx name size vma
	align=$((16#$(objdump -p "$uki" | sed -n 's/^SectionAlignment[[:space:]]*//p')))
	while read -r idx name size vma _; do
		[[ $idx =~ ^[0-9]+$ ]] || continue
		[ $((16#$vma)) -ge "$end" ] || bad="$bad $name overlaps the one before;"
		case $name in
		.osrel | .cmdline | .linux | .initrd)
			added="$added $name"
			[ $((16#$vma % align)) -eq 0 ] || bad="$bad $name at $vma is not aligned to $align;"
			;;
		*) [ -z "$added" ] || bad="$bad $name after the added sections;" ;;
		esac
		end=$((16#$vma + 16#$size))
	done < <(objdump -h "$uki")
	[ "$added" = " .osrel .cmdline .linux .initrd" ] || bad="$bad sections added:$added;"
	if [ -z "$bad" ]; then ok "linux uki: .osrel .cmdline .linux .initrd after the stub's sections, aligned to $align"
	else not_ok "linux uki: layout" "$bad"
	fi
	local s
	for s in linux initrd osrel cmdline discard; do rm -f "$lin/uki.$s"; done
	objcopy --dump-section .linux="$lin/uki.linux" --dump-section .initrd="$lin/uki.initrd" \
		--dump-section .osrel="$lin/uki.osrel" --dump-section .cmdline="$lin/uki.cmdline" \
		"$uki" "$lin/uki.discard" 2>/dev/null
	if cmp -s "$lin/uki.linux" "$vmlinuz" && cmp -s "$lin/uki.initrd" "$initramfs" &&
		cmp -s "$lin/uki.osrel" "$lin/os-release" && [ "$(cat "$lin/uki.cmdline")" = "$ukicmd" ]; then
		ok "linux uki: .linux, .initrd, .osrel and .cmdline hold what they were made from"
	else
		not_ok "linux uki: contents" "a section differs from its file (objcopy --dump-section)"
	fi
	for s in linux initrd osrel cmdline discard; do rm -f "$lin/uki.$s"; done
}
[ ! -s "$uki" ] || check_uki
printf '%s\n' "timeout 0" >"$lin/loader.conf"

# linux_boot NAME [-c RUNWAY_CONF] -- FILES...: an image with FILES (and
# RUNWAY_CONF, if given) booted to the marker.  Sets $log, $rc and
# $timing.  The run is stopped early when Runway gives up before its menu
# or an entry comes back to it (Linux did not start): waiting longer
# would tell nothing.
linux_boot() {
	local name=$1 summary img
	shift
	local conf=()
	if [ "$1" = -c ]; then
		conf=(-c "$2")
		shift 2
	fi
	[ "$1" = -- ] && shift
	img=$OUT/linux-$name.img
	log=$OUT/linux-$name.log
	rc=0 timing=""
	if ! tools/mkimg.sh -o "$img" -e "$BUILD/BOOTX64.EFI" "${conf[@]}" "$@" \
		>"$OUT/linux-$name.mkimg.log" 2>&1; then
		rc=99
		cp "$OUT/linux-$name.mkimg.log" "$log"
		return
	fi
	summary=$(python3 tools/serialtime.py --log "$OUT/linux-$name.times" \
		--mark "handoff=BdsDxe: loading" --mark "kernel=Linux version" \
		--mark "marker=$MARKER" --stop "gaveup=^runway: (exit status=|entry-done )" -- \
		ovmf/run.sh --timeout 300 --serial "$log" "$img" -- -no-reboot \
		2>"$OUT/linux-$name.run.log")
	rm -f "$img"
	rc=$(sed -n 's/^rc=\([-0-9]*\) .*/\1/p' <<<"$summary")
	[ -n "$rc" ] || rc=98
	# "rc=R total_ms=T handoff_ms=H kernel_ms=K marker_ms=M gaveup_ms=G"
	local h k m
	read -r h k m < <(tr ' ' '\n' <<<"$summary" | sed -n 's/^\(handoff\|kernel\|marker\)_ms=//p' | tr '\n' ' ')
	if [ "${h:--}" != - ] && [ "${m:--}" != - ]; then
		timing=$(awk -v h="$h" -v k="$k" -v m="$m" 'BEGIN {
			printf "%.2f s from the firmware'"'"'s hand-off to the userspace marker", (m - h) / 1000
			if (k != "-") printf " (Linux starts at %.2f s)", (k - h) / 1000 }')
	fi
}

# report NAME: the scenario's time, when it reached the marker.
report() {
	if [ -n "$timing" ]; then echo "# linux $1: $timing"
	else echo "# linux $1: no time (no marker or no hand-off line; log: $log)"
	fi
}

# lacks_bls NAME: true (after one "ok - ... # SKIP" line) when Runway ran
# but its log has neither an entry with its origin ("runway: entry N
# origin=...") nor a line of BLS discovery ("runway: bls ..."): a loader
# without BLS support.  A loader that looked and found nothing fails.
lacks_bls() {
	local clean
	clean=$(tr -d '\r' <"$log")
	grep -q '^Runway ' <<<"$clean" || return 1
	grep -Eq '^runway: (entry [0-9]+ origin=|bls )' <<<"$clean" && return 1
	ok "linux $1: # SKIP this Runway has no BLS support (no 'runway: entry N origin=' or 'runway: bls' line)"
	return 0
}

# expect_marker NAME SECOND CMDLINE: the one marker line, exactly.
expect_marker() {
	local want="$MARKER second-initrd=$2 cmdline=$3"
	local got
	got=$(tr -d '\r' <"$log" | grep -o "$MARKER.*" | head -n 1)
	if [ "$got" = "$want" ]; then ok "linux $1: userspace marker '$want'"
	else not_ok "linux $1: marker" "got '${got:-nothing}', want '$want' (log: $log)"
	fi
}

# ---- a: runway.conf, an efi = entry with one initrd ----
cmd="$BASE runway-scenario=efi"
cfg=$(conf "exit-after = yes" "entry = linux" "efi = /EFI/linux/vmlinuz.efi" \
	"cmdline = $cmd" "initrd = /EFI/linux/initramfs.img")
linux_boot efi -c "$cfg" -- "$vmlinuz=/EFI/linux/vmlinuz.efi" \
	"$initramfs=/EFI/linux/initramfs.img"
rm -f "$cfg"
expect_rc "linux efi" 3
expect_line "linux efi" "^runway: chainload path=/EFI/linux/vmlinuz.efi bytes=$(stat -c %s "$vmlinuz") .* initrd_bytes=$(stat -c %s "$initramfs")\$"
expect_line "linux efi" '^EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path'
expect_line "linux efi" "\] Kernel command line: $cmd\$"
expect_marker efi absent "$cmd"
report efi

# ---- b: a BLS entry, two initrds, two options lines ----
printf '%s\n' "title Debian GNU/Linux (Runway test)" "version 6.1.0" \
	"linux /debian/vmlinuz" "initrd /debian/initramfs.img" "initrd /debian/second.img" \
	"options $BASE" "options runway-scenario=bls two-options=yes" >"$lin/debian.conf"
linux_boot bls -- "$vmlinuz=/debian/vmlinuz" "$initramfs=/debian/initramfs.img" \
	"$second=/debian/second.img" "$lin/loader.conf=/loader/loader.conf" \
	"$lin/debian.conf=/loader/entries/debian.conf"
if ! lacks_bls bls; then
	expect_rc "linux bls" 3
	expect_line "linux bls" '^runway: entry 1 origin=bls id=debian\.conf '
	expect_marker bls present "$BASE runway-scenario=bls two-options=yes"
	report bls
fi

# ---- c: loader.conf picks the default by a glob; no runway.conf ----
# sort-key puts other.conf first: without the glob, it would boot.
printf '%s\n' "timeout 0" "default deb*" >"$lin/loader-glob.conf"
printf '%s\n' "title Other" "sort-key a-first" "linux /debian/vmlinuz" \
	"initrd /debian/initramfs.img" "options $BASE runway-scenario=glob-other" >"$lin/other.conf"
printf '%s\n' "title Debian" "sort-key z-last" "linux /debian/vmlinuz" \
	"initrd /debian/initramfs.img" "options $BASE runway-scenario=glob-debian" >"$lin/debian-glob.conf"
linux_boot glob -- "$vmlinuz=/debian/vmlinuz" "$initramfs=/debian/initramfs.img" \
	"$lin/loader-glob.conf=/loader/loader.conf" "$lin/other.conf=/loader/entries/other.conf" \
	"$lin/debian-glob.conf=/loader/entries/debian-6.1.conf"
if ! lacks_bls glob; then
	expect_rc "linux glob" 3
	expect_line "linux glob" '^runway: entry 1 origin=bls id=other\.conf '
	expect_line "linux glob" '^runway: entry 2 origin=bls id=debian-6\.1\.conf '
	expect_line "linux glob" '^runway: menu entries=2 default=2( |$)'
	expect_marker glob absent "$BASE runway-scenario=glob-debian"
	report glob
fi

# ---- d: a unified kernel image in /EFI/Linux; no runway.conf ----
if [ -s "$uki" ]; then
	linux_boot uki -- "$uki=/EFI/Linux/debian-uki.efi" "$lin/loader.conf=/loader/loader.conf"
	if ! lacks_bls uki; then
		expect_rc "linux uki" 3
		expect_line "linux uki" '^runway: entry 1 origin=uki id=debian-uki\.efi title="Runway Test Linux 12 \(UKI\)'
		expect_marker uki absent "$ukicmd"
		report uki
	fi
fi

exit $((failures > 0))
