#!/bin/bash
# test_elf.sh - the ELF loader under OVMF: the malformed corpus (each file
# rejected with its own message, nothing left claimed), verify mode on
# large real ELF files from Debian packages, SHA-256 pinning and modules.
set -u
cd "$(dirname "$0")/../.."
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
done_lines=$(grep -c '^runway: entry-done ' <<<"$clean")
if [ "$done_lines" -eq "$n" ]; then ok "corpus: all $n entries came back to the menu"
else not_ok "corpus: entries" "$done_lines entry-done lines for $n files"
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

exit $((failures > 0))
