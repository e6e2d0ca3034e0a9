#!/usr/bin/env bash
# boot_claims.sh - run-batched against per-page claims on real firmware.
#
# Boots Runway under OVMF twice with the same image: once as it is (one
# AllocatePages per run of pages), once with `claim-per-page = yes` (one
# AllocatePages per page, as a naive loader would).  Each boot verifies the
# 14 MiB and the 64 MiB test kernels REPEAT times (verify loads the file
# exactly as a boot would: claims, reads, page tables; then releases it).
# Prints firmware calls and the median load time (the verify line's us=:
# claims + reads + page tables) per kernel and mode, and the ratios; then
# the batched loads' median phase times (map_us= ... page_tables_us=).
# Timings under TCG are noisy and slower than hardware; the ratio, taken
# within one run, is the figure to read.
set -u
cd "$(dirname "$0")/.." || exit
BUILD=${BUILD:-build}
OUT=$BUILD/bench
REPEAT=${REPEAT:-5}
mkdir -p "$OUT"
K=$BUILD/kernel

boot_mode() { # MODE: batched | per-page
	local mode=$1 cfg=$OUT/boot-$1.conf img=$OUT/boot-$1.img
	{
		echo "timeout = 0"
		echo "run-all = yes"
		echo "exit-after = yes"
		[ "$mode" = per-page ] && echo "claim-per-page = yes"
		for i in $(seq "$REPEAT"); do
			echo "entry = 14 MiB $i"
			echo "verify = /boot/big14.elf"
			echo "entry = 64 MiB $i"
			echo "verify = /boot/big64.elf"
		done
	} >"$cfg"
	tools/mkimg.sh -o "$img" -s 256 -c "$cfg" \
		"$K/big14.elf=/boot/big14.elf" "$K/big64.elf=/boot/big64.elf" >/dev/null
	ovmf/run.sh --mem 1G --timeout 900 --serial "$OUT/boot-$mode.log" "$img" \
		>/dev/null 2>&1
	rm -f "$img"
}

# median of the us= values and the alloc_calls of PATH's verify lines in LOG
stats() {
	tr -d '\r' <"$1" | grep "^runway: verify path=$2 " |
		sed -n 's/.* alloc_calls=\([0-9]*\) .* us=\([0-9]*\) .*/\1 \2/p' |
		sort -n -k2 | awk '{c[NR]=$1; u[NR]=$2} END {
			if (NR == 0) { print "0 0 0"; exit }
			print c[1], u[int((NR + 1) / 2)], NR }'
}

PHASES="map plan claims reads zeroing relocation page_tables"

# median of KEY_us (or us) over PATH's verify lines in LOG
phase_median() {
	local key=${3}_us
	[ "$3" = us ] && key=us
	tr -d '\r' <"$1" | grep "^runway: verify path=$2 " | tr ' ' '\n' |
		sed -n "s/^$key=//p" | sort -n |
		awk '{v[NR]=$1} END { print NR ? v[int((NR + 1) / 2)] : "-" }'
}

for mode in batched per-page; do
	echo "bench: booting ($mode, $REPEAT x 2 verifies) ..." >&2
	boot_mode "$mode"
done

{
	printf '%-8s %-9s %12s %14s %8s\n' kernel mode alloc_calls "median us" samples
	for k in big14 big64; do
		read -r bc bu bn < <(stats "$OUT/boot-batched.log" "/boot/$k.elf")
		read -r pc pu pn < <(stats "$OUT/boot-per-page.log" "/boot/$k.elf")
		printf '%-8s %-9s %12s %14s %8s\n' "$k" batched "$bc" "$bu" "$bn"
		printf '%-8s %-9s %12s %14s %8s\n' "$k" per-page "$pc" "$pu" "$pn"
		if [ "$bu" -gt 0 ] && [ "$bc" -gt 0 ]; then
			awk -v k="$k" -v bc="$bc" -v pc="$pc" -v bu="$bu" -v pu="$pu" 'BEGIN {
				printf "%-8s per-page / batched: %.0fx the firmware calls, %.2fx the load time\n",
					k, pc / bc, pu / bu }'
		else
			echo "$k: no verify lines (see $OUT/boot-*.log)"
		fi
	done

	# Where the batched loads' time went: the median of each phase of the
	# verify lines (microseconds; a verify has no exit phase).
	echo
	printf '%-8s' kernel
	for p in $PHASES; do printf ' %12s' "$p"; done
	printf ' %12s\n' us
	for k in big14 big64; do
		printf '%-8s' "$k"
		for p in $PHASES us; do
			printf ' %12s' "$(phase_median "$OUT/boot-batched.log" "/boot/$k.elf" "$p")"
		done
		echo
	done
} | tee "$OUT/boot.txt"
