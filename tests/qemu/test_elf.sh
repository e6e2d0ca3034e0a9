#!/usr/bin/env bash
# test_elf.sh - the ELF loader under OVMF: the malformed corpus (each file
# rejected with its own message, nothing left claimed), verify mode on
# large real ELF files from Debian packages, SHA-256 pinning, PIE kernels
# under KASLR (two boots, two bases) and modules checked by the kernel.
set -u
cd "$(dirname "$0")/../.." || exit
. tests/qemu/lib.sh

K=$BUILD/kernel
CMDLINE="runway-test console=ttyS0 answer=42"

# ---- the malformed corpus: one boot, run-all, every entry must fail ----
corpus=tests/data/corrupt
cfg=$OUT/corpus.conf
files=()
{
	echo "timeout = 0"
	echo "run-all = yes"
	echo "exit-after = yes"
	while IFS=$'\t' read -r name _ _; do
		echo "entry = $name"
		echo "kernel = /corrupt/$name"
		files+=("$corpus/$name=/corrupt/$name")
	done <"$corpus/index.txt"
	# A directory named as a kernel: refused as one, not read as a file.
	echo "entry = a directory"
	echo "kernel = /corrupt"
} >"$cfg"
boot corpus "$cfg" --timeout 180 -- "${files[@]}"
expect_rc corpus 3
clean=$(tr -d '\r' <"$log")
n=0
while IFS=$'\t' read -r name want _; do
	n=$((n + 1))
	if grep -qF -- "runway: error: /corrupt/$name: $want" <<<"$clean"; then
		ok "corpus: $name rejected: $want"
	else
		not_ok "corpus: $name" "no error line with '/corrupt/$name: $want' (log: $log)"
	fi
done <"$corpus/index.txt"
if grep -qF -- "runway: error: /corrupt: cannot open: RUNWAY_IS_A_DIRECTORY" <<<"$clean"; then
	ok "corpus: a directory named as a kernel is refused as one"
else
	not_ok "corpus: directory" "no error line '/corrupt: cannot open: RUNWAY_IS_A_DIRECTORY' (log: $log)"
fi
n=$((n + 1))
done_lines=$(grep -c '^runway: entry-done ' <<<"$clean")
if [ "$done_lines" -eq "$n" ]; then ok "corpus: all $n entries came back to the menu"
else not_ok "corpus: entries" "$done_lines entry-done lines for $n entries"
fi
if grep -q '^runway: entry-done .*LEAK' <<<"$clean"; then
	not_ok "corpus: leaks" "$(grep -m1 '^runway: entry-done .*LEAK' <<<"$clean")"
else
	ok "corpus: no page stays claimed after any failed entry"
fi
expect_no_line corpus '^kernel:'

# ---- verify mode on real ELF files nobody here wrote ----
make -s "$BUILD/elfhash" >/dev/null
pie=/usr/bin/qemu-system-x86_64
# shellcheck disable=SC2012 # the first match of a glob over plain Debian paths
lib=$(ls /usr/lib/llvm-*/lib/libclang-cpp.so.* 2>/dev/null | head -n 1)
cfg=$(conf "run-all = yes" "exit-after = yes" \
	"entry = demo" "verify = /boot/kernel.elf" \
	"entry = pie" "verify = /real/pie.elf" \
	"entry = lib" "verify = /real/lib.so")
boot verify "$cfg" --mem 2G --timeout 300 -- "$K/demo.elf=/boot/kernel.elf" \
	"$pie=/real/pie.elf" "$lib=/real/lib.so"
expect_rc verify 3
for pair in "/boot/kernel.elf:$K/demo.elf" "/real/pie.elf:$pie" "/real/lib.so:$lib"; do
	esp=${pair%%:*} host=${pair#*:}
	want=$("$BUILD/elfhash" "$host" | sed -n 's/^sha256=\([0-9a-f]*\) .*/\1/p')
	got=$(tr -d '\r' <"$log" | grep -m1 "^runway: verify path=$esp " | sed -n 's/.* sha256=\([0-9a-f]*\).*/\1/p')
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "verify: $esp ($(stat -c %s "$host") bytes, $host) hash equals tools/elfhash"
	else
		not_ok "verify: $esp" "loader '$got', elfhash '$want' (log: $log)"
	fi
	tr -d '\r' <"$log" | grep -m1 "^runway: verify path=$esp " | sed 's/^/# /'
	expect_line "verify $esp" "^runway: verify path=$esp .* map_us=[0-9]+ plan_us=[0-9]+ claims_us=[0-9]+ reads_us=[0-9]+ zeroing_us=[0-9]+ relocation_us=[0-9]+ page_tables_us=[0-9]+ sha256="
done
if tr -d '\r' <"$log" | grep -q '^runway: entry-done .*LEAK'; then
	not_ok "verify: leaks" "a verify entry left pages claimed"
else
	ok "verify: every verify entry gave back all it claimed"
fi

# ---- SHA-256 pinning ----
sum=$(sha256sum "$K/demo.elf" | cut -d' ' -f1)
bad=$(printf '%s' "$sum" | tr '0-9a-f' '1-9a-f0')
cfg=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes" "sha256 = $sum")
boot pinned "$cfg" -- "$K/demo.elf=/boot/kernel.elf"
expect_rc pinned 0
expect_line pinned '^runway: sha256 path=/boot/kernel.elf ok'
expect_line pinned '^kernel: PASS'
cfg=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes" "sha256 = $bad")
boot pinned-wrong "$cfg" -- "$K/demo.elf=/boot/kernel.elf"
expect_rc pinned-wrong 3
expect_line pinned-wrong "^runway: error: /boot/kernel.elf: SHA-256 mismatch: file has $sum, the entry pins $bad; refusing to boot"
expect_no_line pinned-wrong '^kernel:'

# A pinned kernel whose file changes on the disk right after the pin is
# reported good (a USB stick that answers differently the second time):
# the bytes checked must be the bytes that run.  The 64 MiB kernel checks
# every byte of its data blob; 4 KiB near the end of it are complemented
# in the image file while QEMU runs, as soon as the sha256 line is out.
read -r lo lf < <(readelf -lW "$K/big64.elf" | awk '$1 == "LOAD" { o = $2; f = $5 } END { print o, f }')
sum=$(sha256sum "$K/big64.elf" | cut -d' ' -f1)
cfg=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes" "sha256 = $sum")
img=$OUT/pinned-live.img log=$OUT/pinned-live.log
rc=0
if tools/mkimg.sh -o "$img" -e "$BUILD/BOOTX64.EFI" -c "$cfg" \
	"$K/big64.elf=/boot/kernel.elf" >"$OUT/pinned-live.mkimg.log" 2>&1 &&
	at=$(python3 tests/qemu/patchimg.py "$img" "$K/big64.elf" $((lo + lf - 8192)) 4096 \
		"$OUT/pinned-live.bytes" 2>"$OUT/pinned-live.patch.log"); then
	: >"$log"
	ovmf/run.sh --timeout 120 --serial "$log" "$img" >/dev/null 2>"$OUT/pinned-live.run.log" &
	qemu=$!
	for _ in $(seq 6000); do
		grep -q '^runway: sha256 path=/boot/kernel.elf ok' "$log" 2>/dev/null && break
		kill -0 "$qemu" 2>/dev/null || break
		sleep 0.01
	done
	dd if="$OUT/pinned-live.bytes" of="$img" bs=4096 seek="$at" oflag=seek_bytes \
		conv=notrunc status=none || echo "patch failed" >>"$log"
	wait "$qemu" || rc=$?
else
	rc=99
	echo "patch failed: $(cat "$OUT/pinned-live.patch.log")" >>"$log"
fi
rm -f "$img"
expect_rc pinned-live 0
expect_line pinned-live '^runway: sha256 path=/boot/kernel.elf ok'
expect_line pinned-live '^kernel: PASS'
expect_no_line pinned-live '^patch failed'

# ---- PIE kernels: KASLR, relocation, modules ----
# Two modules: 3 MiB of pseudo-random bytes and a short text file.  Each
# string is "fnv1a64=<hash of the file>", which the kernel checks.
mod1=$OUT/module1.bin mod2=$OUT/module2.txt
head -c $((3 << 20)) /dev/urandom >"$mod1"
printf 'a small module, %s\n' "$(date)" >"$mod2"
h1=$(fnv1a64 "$mod1") h2=$(fnv1a64 "$mod2")
s1=$(sha256sum "$mod1" | cut -d' ' -f1) s2=$(sha256sum "$mod2" | cut -d' ' -f1)
mods=("$mod1=/boot/mod1.bin" "$mod2=/boot/mod2.txt")

# pie_boot NAME KERNEL CONFIG-LINES...: boot the PIE kernel with both modules.
pie_boot() {
	local name=$1 kern=$2
	shift 2
	local cfg
	cfg=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes" \
		"module = /boot/mod1.bin fnv1a64=$h1" "module = /boot/mod2.txt fnv1a64=$h2" "$@")
	boot "$name" "$cfg" -- "$K/$kern=/boot/kernel.elf" "${mods[@]}"
}

# kaslr_base: the base on the "runway: kaslr" line; vbase: the kernel's view.
kaslr_field() { tr -d '\r' <"$log" | grep -m1 '^runway: kaslr ' | tr ' ' '\n' | sed -n "s/^$1=//p"; }
vbase() { tr -d '\r' <"$log" | grep -m1 '^kernel: PASS' | tr ' ' '\n' | sed -n 's/^vbase=//p'; }

bases=()
for i in 1 2; do
	pie_boot "pie-kaslr-$i" pie.elf "module-sha256 = $s1" "module-sha256 = $s2"
	expect_rc "pie-kaslr-$i" 0
	expect_line "pie-kaslr-$i" '^runway: kaslr path=/boot/kernel.elf source=(efi-rng|rdrand|tsc) base=0x'
	expect_line "pie-kaslr-$i" '^kernel: PASS .*modules=2 '
	base=$(kaslr_field base) kv=$(vbase)
	if [ -n "$base" ] && [ "$((base))" -eq "$((kv))" ] &&
		[ "$((base))" -ge "$((0xffffffff80000000))" ]; then
		ok "pie-kaslr-$i: kernel runs at the chosen base $base (source $(kaslr_field source))"
	else
		not_ok "pie-kaslr-$i: base" "runway chose '$base', kernel runs at '$kv' (log: $log)"
	fi
	bases+=("$base")
done
if [ -n "${bases[0]}" ] && [ "${bases[0]}" != "${bases[1]}" ]; then
	ok "pie-kaslr: two boots, two bases (${bases[0]}, ${bases[1]})"
else
	not_ok "pie-kaslr: bases" "both boots chose '${bases[0]}'"
fi

pie_boot pie-fixed pie.elf "kaslr = no"
expect_rc pie-fixed 0
expect_line pie-fixed '^runway: kaslr path=/boot/kernel.elf source=off base=0xffffffff80000000 '
expect_line pie-fixed '^kernel: PASS .*vbase=0xffffffff80000000$'

pie_boot pie-relr pierelr.elf
expect_rc pie-relr 0
expect_line pie-relr '^kernel: PASS .*modules=2 '
expect_line pie-relr '^kernel: load-times total_us=[0-9]+ .* relocation_us=[0-9]+ page_tables_us=[0-9]+ exit_us=[0-9]+ sum_us=[0-9]+$'

# The kernel's module check can fail: a string that names another hash.
cfg=$(conf "kernel = /boot/kernel.elf" "cmdline = $CMDLINE" "exit-after = yes" \
	"module = /boot/mod1.bin fnv1a64=$h2")
boot module-mismatch "$cfg" -- "$K/pie.elf=/boot/kernel.elf" "${mods[@]}"
expect_rc module-mismatch 1
expect_line module-mismatch "^kernel: FAIL .*module 0 .*FNV-1a 64 is $h1, its string says $h2"

# A pinned module that is not the file: refused before the jump.
pie_boot module-pinned-wrong pie.elf "module-sha256 = $s2"
expect_rc module-pinned-wrong 3
expect_line module-pinned-wrong "^runway: error: module /boot/mod1.bin: SHA-256 mismatch: file has $s1, the entry pins $s2; refusing to boot"
expect_no_line module-pinned-wrong '^kernel:'
rm -f "$mod1" "$mod2"

exit $((failures > 0))
