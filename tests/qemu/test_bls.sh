#!/usr/bin/env bash
# test_bls.sh - Boot Loader Specification entries under OVMF, in six
# boots, every entry Runway's chainload test program (build/chainapp.efi):
#   1. runway.conf (run-all) with type #1 entries in /loader/entries (two
#      initrds and two options lines, an `efi` entry, entries ordered by
#      sort-key and version, one for aa64 skipped, a broken one reported)
#      and a unified kernel image in /EFI/Linux (chainapp with an .osrel
#      section): runway.conf's entry first, then the BLS ones in order,
#      each run, loader.conf's default glob applied;
#   2. no runway.conf: what systemd-boot would boot (loader.conf's default
#      glob, timeout 0) boots alone; the entry it picks is on the disk's
#      XBOOTLDR partition, with its program, read from there;
#   3. `bls = no` in runway.conf hides them all;
#   4. no runway.conf, loader.conf `timeout menu-force`: the menu waits (no
#      countdown) on the default, and Enter boots it; with `editor no`, `e`
#      says why it does nothing and Enter boots the entry unedited;
#      `console-mode max` logs the mode set;
#   5. runway.conf `default = 1` beats loader.conf's `default b*`: its entry
#      boots at once and returns; `console-mode 99` is reported when the
#      menu comes back, the mode kept; `e` on a BLS entry edits its options
#      for that boot;
#   6. a runway.conf of global keys with no BLS or UKI entry anywhere:
#      refused, the message saying where Runway looked.
# Boot 4 has a runway.conf of global keys alone, which tunes the BLS menu.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

app=$BUILD/chainapp.efi
work=$OUT/bls
rm -rf "$work"
mkdir -p "$work"

# Two initrds of odd sizes: the first is padded to 4 bytes before the
# second, as Linux needs concatenated cpio archives.
printf 'one-odd' >"$work/one.img"   # 7 bytes, padded to 8
printf 'two!!' >"$work/two.img"     # 5 bytes, last: not padded
{ cat "$work/one.img"; printf '\0'; cat "$work/two.img"; } >"$work/both.img"
both_bytes=$(stat -c %s "$work/both.img")
both_hash=$(fnv1a64 "$work/both.img")

# A unified kernel image, as far as Runway can tell: an EFI program with
# an .osrel section (its .linux and .cmdline are the stub's business).
printf '%s\n' 'NAME="Runway Test OS"' 'PRETTY_NAME="Runway Test OS"' 'ID=rwtest' \
	'VERSION_ID=42' >"$work/osrel"
objcopy --add-section .osrel="$work/osrel" --set-section-flags .osrel=data,readonly \
	--change-section-vma .osrel=0x100000 "$app" "$work/uki.efi"

# fat_part IMG FIRST SECTORS LABEL SRC=/PATH...: a FAT file system in
# sectors [FIRST, FIRST+SECTORS) of IMG holding the files.
fat_part() {
	local fs=$1@@$(($2 * 512)) spec dir sofar part parts
	mformat -i "$fs" -T "$3" -H "$2" -c 1 -v "$4" :: || return
	shift 4
	for spec in "$@"; do
		dir=${spec##*=}
		dir=${dir%/*}
		sofar=""
		IFS=/ read -ra parts <<<"${dir#/}"
		for part in "${parts[@]}"; do
			sofar=$sofar/$part
			mmd -i "$fs" "::$sofar" 2>/dev/null || true
		done
		mcopy -i "$fs" -D o -- "${spec%=*}" "::${spec##*=}" || return
	done
}

# two_part_boot NAME RUN_ARGS... -- ESP_FILES... -- XBOOTLDR_FILES...: a
# 64 MiB disk with an ESP (Runway, no runway.conf) and an XBOOTLDR
# partition (type EA00), booted; sets $log and $rc.
two_part_boot() {
	local name=$1 run_args=() esp=() xb=()
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do run_args+=("$1"); shift; done
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do esp+=("$1"); shift; done
	shift
	xb=("$@")
	img=$OUT/$name.img log=$OUT/$name.log rc=0
	rm -f "$img"
	truncate -s 64M "$img"
	if ! { sgdisk -n 1:2048:67583 -t 1:ef00 -n 2:67584:0 -t 2:ea00 "$img" &&
		fat_part "$img" 2048 65536 ESP "$BUILD/BOOTX64.EFI=/EFI/BOOT/BOOTX64.EFI" "${esp[@]}" &&
		fat_part "$img" 67584 $((131038 - 67584)) XBOOTLDR "${xb[@]}"; } >"$OUT/$name.mkimg.log" 2>&1; then
		rc=99
		cp "$OUT/$name.mkimg.log" "$log"
		return 0
	fi
	ovmf/run.sh "${run_args[@]}" --serial "$log" "$img" >/dev/null 2>"$OUT/$name.run.log" || rc=$?
	rm -f "$img"
}

entry() { # entry NAME LINE...: write /loader/entries/NAME
	local name=$1
	shift
	printf '%s\n' "$@" >"$work/$name"
}
entry a-initrds.conf "title BLS two initrds" "sort-key a" "linux /EFI/x/chainapp.efi" \
	"initrd /boot/one.img" "initrd /boot/two.img" "options first=1" "options second=2"
entry b-efi.conf "title BLS efi key" "sort-key b" "efi /EFI/x/chainapp.efi" "options efi-key"
entry ver-1.9.conf "title Version 1.9" "sort-key c" "version 1.9" "efi /EFI/x/chainapp.efi" \
	"options which=1.9"
entry ver-1.10.conf "title Version 1.10" "sort-key c" "version 1.10" "efi /EFI/x/chainapp.efi" \
	"options which=1.10"
entry arm.conf "title Not for x64" "architecture aa64" "linux /EFI/x/chainapp.efi"
entry broken.conf "title Broken" "options nothing to boot"
# Suffixes in any case; a directory named like an entry is no entry.
entry UPPER.CONF "title Upper case" "sort-key d" "efi /EFI/x/chainapp.efi" "options upper"
printf 'not an entry\n' >"$work/inner"
# In /EFI/Linux: a file that is no PE image, and a program without .osrel.
printf 'MZ but nothing more' >"$work/junk.efi"
printf '%s\n' "default ver-*" "timeout 0" >"$work/loader.conf"

files=("$app=/EFI/x/chainapp.efi" "$work/one.img=/boot/one.img" "$work/two.img=/boot/two.img"
	"$work/uki.efi=/EFI/Linux/rwtest-42.efi" "$work/loader.conf=/loader/loader.conf"
	"$work/junk.efi=/EFI/Linux/junk.efi" "$app=/EFI/Linux/plain.efi"
	"$work/inner=/loader/entries/dir.conf/inner")
for f in a-initrds.conf b-efi.conf ver-1.9.conf ver-1.10.conf arm.conf broken.conf UPPER.CONF; do
	files+=("$work/$f=/loader/entries/$f")
done

# ---- 1. runway.conf's entry, then the BLS ones, all run ----
cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = From runway.conf" "efi = /EFI/x/chainapp.efi" "cmdline = runway-entry")
boot bls-all "$cfg" --timeout 180 -- "${files[@]}"
expect_rc bls-all 3
expect_line bls-all '^runway: entry 1 origin=runway id=- title="From runway.conf"$'
expect_line bls-all '^runway: entry 2 origin=bls id=a-initrds.conf title="BLS two initrds"$'
expect_line bls-all '^runway: entry 3 origin=bls id=b-efi.conf title="BLS efi key"$'
expect_line bls-all '^runway: entry 4 origin=bls id=ver-1.10.conf title="Version 1.10"$'
expect_line bls-all '^runway: entry 5 origin=bls id=ver-1.9.conf title="Version 1.9"$'
expect_line bls-all '^runway: entry 6 origin=bls id=UPPER.CONF title="Upper case"$'
expect_line bls-all '^runway: entry 7 origin=uki id=rwtest-42.efi title="Runway Test OS \(42\)"$'
expect_no_line bls-all '^runway: entry 8 '
# loader.conf's default glob: the first match in menu order, the newest.
expect_line bls-all '^runway: menu entries=7 default=4 '
expect_line bls-all '^runway: bls skip id=arm.conf: '
expect_line bls-all '^runway: error: loader/entries/broken.conf'
expect_line bls-all '^runway: error: /EFI/Linux/junk.efi: not a PE file: 19 bytes, too short'
expect_line bls-all '^runway: bls skip id=plain.efi: no .osrel section'
expect_no_line bls-all 'dir\.conf'
expect_line bls-all "^runway: chainload path=/EFI/x/chainapp.efi bytes=[0-9]+ options_bytes=[0-9]+ initrd=/boot/one.img,/boot/two.img initrd_bytes=$both_bytes\$"
expect_line bls-all '^chainapp: started options="first=1 second=2"$'
expect_line bls-all "^chainapp: initrd bytes=$both_bytes fnv1a64=${both_hash^^}\$"
expect_line bls-all '^chainapp: started options="efi-key"$'
expect_line bls-all '^runway: chainload path=/EFI/Linux/rwtest-42.efi .* initrd=- '
expect_line bls-all '^runway: run-all done entries=7$'
# In menu order: the started lines follow the entries'.
order=$(tr -d '\r' <"$log" | sed -n 's/^chainapp: started options="\(.*\)"$/\1/p' | tr '\n' '|')
want='runway-entry|first=1 second=2|efi-key|which=1.10|which=1.9|upper||'
if [ "$order" = "$want" ]; then ok "bls-all: entries ran in menu order"
else not_ok "bls-all: order" "ran $order, want $want (log: $log)"
fi
clean=$(tr -d '\r' <"$log")
n=$(grep -c '^runway: entry-done .*status=EFI_SUCCESS' <<<"$clean")
if [ "$n" -eq 7 ] && ! grep -q '^runway: entry-done .*LEAK' <<<"$clean"; then
	ok "bls-all: seven entries succeeded, no page left claimed"
else
	not_ok "bls-all: entries" "$n successful entry-done lines, or a LEAK (log: $log)"
fi

# ---- 2. no runway.conf: loader.conf's default, at once, from XBOOTLDR ----
entry a-initrds.conf "title BLS first" "sort-key a" "efi /EFI/x/chainapp.efi" "options poweroff which=a"
entry ver-1.9.conf "sort-key c" "version 1.9" "efi /EFI/x/chainapp.efi" "options poweroff which=1.9"
# On XBOOTLDR only, with its program there only.
entry ver-1.10.conf "sort-key c" "version 1.10" "efi /EFI/xb/chainapp.efi" \
	"options poweroff which=1.10"
two_part_boot bls-only --timeout 120 -- "$app=/EFI/x/chainapp.efi" \
	"$work/loader.conf=/loader/loader.conf" \
	"$work/a-initrds.conf=/loader/entries/a-initrds.conf" \
	"$work/ver-1.9.conf=/loader/entries/ver-1.9.conf" -- \
	"$app=/EFI/xb/chainapp.efi" "$work/ver-1.10.conf=/loader/entries/ver-1.10.conf"
expect_rc bls-only 3
expect_line bls-only '^runway: bls xbootldr entries=1$'
expect_line bls-only '^runway: entry 2 origin=bls id=ver-1.10.conf '
expect_line bls-only '^runway: menu entries=3 default=2 timeout=0'
expect_no_line bls-only '^runway: error: '
expect_line bls-only '^chainapp: started options="poweroff which=1.10"$'
# Started from the XBOOTLDR partition, not Runway's own.
expect_line bls-only '^chainapp: device same-volume=no$'
expect_no_line bls-only '^chainapp: started options="poweroff which=(a|1.9)"$'

# ---- 3. bls = no ----
cfg=$(conf "run-all = yes" "exit-after = yes" "bls = no" \
	"entry = Only this one" "efi = /EFI/x/chainapp.efi" "cmdline = alone")
boot bls-off "$cfg" --timeout 120 -- "${files[@]}"
expect_rc bls-off 3
expect_line bls-off '^runway: bls off'
expect_line bls-off '^runway: entry 1 origin=runway '
expect_no_line bls-off '^runway: entry 2 '
expect_no_line bls-off 'origin=(bls|uki)'
expect_line bls-off '^runway: run-all done entries=1$'

# ---- 4. timeout menu-force: the menu waits on the default ----
printf '%s\n' "default b*" "timeout menu-force" "editor no" "console-mode max" \
	>"$work/loader.conf"
entry a.conf "title A" "sort-key a" "efi /EFI/x/chainapp.efi" "options poweroff which=a"
entry b.conf "title B" "sort-key b" "efi /EFI/x/chainapp.efi" "options poweroff which=b"
# A runway.conf of global keys alone (no timeout: conf would add one)
# tunes the BLS menu.
cfg=$work/globals.conf
printf '%s\n' "bls = yes" "map-dump = no" >"$cfg"
KEYS="wait:Up/Down e wait:turned_off ret" boot bls-force "$cfg" --timeout 120 -- "$app=/EFI/x/chainapp.efi" \
	"$work/loader.conf=/loader/loader.conf" "$work/a.conf=/loader/entries/a.conf" \
	"$work/b.conf=/loader/entries/b.conf"
expect_rc bls-force 3
expect_line bls-force '^runway: menu entries=2 default=2 '
# The menu was drawn, and no countdown ran.
expect_line bls-force 'Up/Down'
expect_no_line bls-force "Booting '.*' in [0-9]+ s"
expect_line bls-force '^chainapp: started options="poweroff which=b"$'
# editor no: e explained itself and edited nothing.
expect_line bls-force 'The editor is turned off \(editor no\)\.'
expect_no_line bls-force '^runway: cmdline-edited '
expect_line bls-force '^runway: console mode=[0-9]+ cols=[0-9]+ rows=[0-9]+'

expect_line bls-force '^runway: entry 1 origin=bls id=a.conf '

# ---- 5. runway.conf's default = 1 wins; console-mode 99; e edits ----
printf '%s\n' "default b*" "console-mode 99" >"$work/loader.conf"
cfg=$(conf "timeout = 0" "default = 1" \
	"entry = From runway.conf" "efi = /EFI/x/chainapp.efi" "cmdline = from=runway")
KEYS="wait:no_such_mode down down e wait:Command_line_for text:_extra=1 ret" \
	boot bls-edit "$cfg" --timeout 120 -- "$app=/EFI/x/chainapp.efi" \
	"$work/loader.conf=/loader/loader.conf" "$work/a.conf=/loader/entries/a.conf" \
	"$work/b.conf=/loader/entries/b.conf"
expect_rc bls-edit 3
expect_line bls-edit '^runway: menu entries=3 default=1 '
expect_line bls-edit '^chainapp: started options="from=runway"$'
expect_line bls-edit 'console-mode 99: the console has no such mode \(modes 0-[0-9]+\): keeping mode [0-9]+'
expect_no_line bls-edit '^runway: console mode=99 '
expect_line bls-edit '^runway: cmdline-edited entry=3 cmdline=poweroff which=b extra=1$'
expect_line bls-edit '^chainapp: started options="poweroff which=b extra=1"$'
expect_no_line bls-edit '^chainapp: started options="poweroff which=b"$'

# ---- 6. global keys alone and no BLS or UKI entry: refused, saying where ----
cfg=$(conf "exit-after = yes" "timeout = 3")
boot bls-none "$cfg" --timeout 120 -- "$app=/EFI/x/chainapp.efi"
expect_rc bls-none 3
expect_line bls-none "runway.conf: no entries: add 'kernel = PATH' \\(looked in runway.conf, /loader/entries, /EFI/Linux\\)"
expect_no_line bls-none '^runway: menu entries='

rm -rf "$work"
exit $((failures > 0))
