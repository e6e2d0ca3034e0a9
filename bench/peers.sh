#!/usr/bin/env bash
# peers.sh - make bench-peers: Runway against GRUB 2, systemd-boot and the
# firmware floor, on the same OVMF, the same QEMU and the same disk layout.
#
# Kernel loads (bench kernels of BENCH_PEERS_SIZES MiB of file-backed
# payload, bench/kernel/), one boot per loader and size in each round:
#   off         bench/efi/off.c: powers off as soon as the firmware starts
#               it (the firmware's own time)
#   floor       bench/efi/floor.c: claims pages, reads /boot/kernel.elf
#               through the firmware in the largest pieces it takes, powers
#               off
#   runway      Runway, protocol = runway (segments at p_vaddr on Runway's
#               page tables, entry e_entry), quiet = yes
#   runway-mb2  Runway, protocol = multiboot2 (segments at p_paddr, the
#               i386 entry): the same work as GRUB's multiboot2 command;
#               quiet = yes
#   runway-log  as runway, but with its log lines (quiet = no, the
#               default): what they cost, and the phases of each load
#   grub        GRUB 2 (Debian's grub-efi-amd64-bin, grub-mkstandalone) with
#               an embedded grub.cfg: multiboot2 /boot/kernel.elf; boot
# Linux with an initrd to a userspace marker (Debian's cloud kernel, an
# initramfs of Debian's busybox-static whose /init prints the marker and
# runs poweroff -f):
#   runway      efi = with initrd =, quiet = yes
#   sd-boot     systemd-boot (Debian's systemd-boot-efi) with a BLS entry
#   grub        GRUB 2: linux, initrd, boot
#
# Every image holds the same files in the same order (the kernel, Linux,
# the initrd, runway.conf, systemd-boot's loader.conf and entry, then
# /EFI/BOOT/BOOTX64.EFI, the one file that changes with the loader).  Each
# boot is timed on the host from the start of ovmf/run.sh (QEMU with
# -no-reboot) to QEMU's exit, and each serial line as it arrives
# (tools/serialtime.py): "BdsDxe: loading Boot0001" is the firmware's
# hand-off (it is about to read BOOTX64.EFI; "BdsDxe: starting" follows
# once it has, and is recorded too).  Loaders are interleaved within each round, in an order that
# rotates from round to round.
#
# Environment: BUILD (build), ROUNDS (5), BENCH_PEERS_SIZES ("1 16 64
# 256"), BENCH_PEERS_LINUX (yes), BENCH_PEERS_MEM (1G).  Output under
# $BUILD/bench/peers/: results.tsv (one line per boot), RESULTS.md, the
# plot peers.png, and each boot's serial log under logs/.
set -eu
cd "$(dirname "$0")/.." || exit

BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
SIZES=${BENCH_PEERS_SIZES:-1 16 64 256}
LINUX=${BENCH_PEERS_LINUX:-yes}
MEM=${BENCH_PEERS_MEM:-1G}
OUT=$BUILD/bench/peers
KLOADERS="off floor runway runway-mb2 runway-log grub"
LLOADERS="runway sd-boot grub"
MARKER="bench-userspace: marker"
LINUX_CMDLINE="console=ttyS0 panic=-1"
SDBOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi

die() {
	printf 'bench-peers: error: %s\n' "$*" >&2
	exit 1
}
note() {
	printf 'bench-peers: %s\n' "$*" >&2
}

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$ROUNDS'"
command -v grub-mkstandalone >/dev/null 2>&1 || die "grub-mkstandalone not found (tools/deps.sh installs grub-efi-amd64-bin)"
[ -f /usr/lib/grub/x86_64-efi/multiboot2.mod ] || die "GRUB's x86_64-efi modules not found (tools/deps.sh installs grub-efi-amd64-bin)"
[ -f "$SDBOOT" ] || die "$SDBOOT not found (tools/deps.sh installs systemd-boot-efi)"
for f in "$BUILD/BOOTX64.EFI" "$BUILD/bench-off.efi" "$BUILD/bench-floor.efi"; do
	[ -f "$f" ] || die "$f not found (run: make bench-peers)"
done
for s in $SIZES; do
	[ -f "$OUT/kernel/bench$s.elf" ] || die "$OUT/kernel/bench$s.elf not found (run: make bench-peers)"
done

mkdir -p "$OUT/img" "$OUT/logs" "$OUT/cfg"
accel=$(ovmf/run.sh --probe-accel 2>/dev/null)
export RUNWAY_ACCEL=$accel

# ------------------------------------------------------------ the files
cfg=$OUT/cfg
lin=$OUT/linux
mkdir -p "$lin"
if [ "$LINUX" = yes ]; then
	linux_version=$(tools/fetch-linux.sh "$BUILD/linux/vmlinuz")
	busybox_version=$(tools/fetch-busybox.sh "$lin/busybox")
	python3 tools/initramfs.py "$lin/initrd.img" "$lin/busybox" "$MARKER"
	vmlinuz=$BUILD/linux/vmlinuz
else
	linux_version="(not run)" busybox_version="(not run)"
	# Same layout without Linux: stand-ins of no size.
	: >"$lin/vmlinuz.none"
	: >"$lin/initrd.none"
	vmlinuz=$lin/vmlinuz.none
fi
initrd=$lin/initrd.img
[ "$LINUX" = yes ] || initrd=$lin/initrd.none

# bls = no: the image also holds systemd-boot's loader.conf and entry,
# which Runway would read too (and loader.conf's default would choose).
# quiet = yes: systemd-boot and GRUB print nothing either.
printf '%s\n' "timeout = 0" "quiet = yes" "bls = no" "entry = bench" "protocol = runway" \
	"kernel = /boot/kernel.elf" >"$cfg/runway-runway.conf"
printf '%s\n' "timeout = 0" "bls = no" "entry = bench" "protocol = runway" \
	"kernel = /boot/kernel.elf" >"$cfg/runway-log.conf"
printf '%s\n' "timeout = 0" "quiet = yes" "bls = no" "entry = bench" "protocol = multiboot2" \
	"kernel = /boot/kernel.elf" >"$cfg/runway-mb2.conf"
printf '%s\n' "timeout = 0" "quiet = yes" "bls = no" "entry = linux" "efi = /EFI/linux/vmlinuz.efi" \
	"cmdline = $LINUX_CMDLINE" "initrd = /EFI/linux/initrd.img" >"$cfg/runway-linux.conf"
printf '%s\n' "timeout 0" "default bench.conf" >"$cfg/loader.conf"
printf '%s\n' "title bench" "linux /EFI/linux/vmlinuz.efi" \
	"initrd /EFI/linux/initrd.img" "options $LINUX_CMDLINE" >"$cfg/bench.conf"
# GRUB: the configuration is embedded; no menu, so no timeout.  The image
# holds only the modules the commands need (its best case: a smaller file
# for the firmware to read than Debian's signed monolithic grubx64.efi).
printf '%s\n' "set root=(hd0,gpt1)" "multiboot2 /boot/kernel.elf" "boot" >"$cfg/grub-mb2.cfg"
printf '%s\n' "set root=(hd0,gpt1)" "linux /EFI/linux/vmlinuz.efi $LINUX_CMDLINE" \
	"initrd /EFI/linux/initrd.img" "boot" >"$cfg/grub-linux.cfg"
grub_mods="part_gpt fat multiboot2 linux"
for g in mb2 linux; do
	grub-mkstandalone -O x86_64-efi -o "$cfg/grub-$g.efi" --modules="$grub_mods" \
		--install-modules="$grub_mods normal" --locales= --fonts= --themes= \
		"boot/grub/grub.cfg=$cfg/grub-$g.cfg"
done

efi_of() { # LOADER EXPERIMENT: the BOOTX64.EFI
	case $1 in
	off) echo "$BUILD/bench-off.efi" ;;
	floor) echo "$BUILD/bench-floor.efi" ;;
	runway | runway-mb2 | runway-log) echo "$BUILD/BOOTX64.EFI" ;;
	grub) echo "$cfg/grub-$2.efi" ;;
	sd-boot) echo "$SDBOOT" ;;
	esac
}
conf_of() { # LOADER EXPERIMENT: the runway.conf on the image
	case $1-$2 in
	runway-mb2-mb2) echo "$cfg/runway-mb2.conf" ;;
	runway-log-mb2) echo "$cfg/runway-log.conf" ;;
	*-linux) echo "$cfg/runway-linux.conf" ;;
	*) echo "$cfg/runway-runway.conf" ;;
	esac
}

# One image size for all: the largest kernel, Linux and its initrd, slack.
big=0
for s in $SIZES; do [ "$s" -le "$big" ] || big=$s; done
img_mib=$((big + ($(stat -c %s "$vmlinuz") + $(stat -c %s "$initrd")) / 1048576 + 64))

make_image() { # IMG KERNEL LOADER EXPERIMENT
	tools/mkimg.sh -n -s "$img_mib" -o "$1" \
		"$2=/boot/kernel.elf" "$vmlinuz=/EFI/linux/vmlinuz.efi" \
		"$initrd=/EFI/linux/initrd.img" "$(conf_of "$3" "$4")=/EFI/BOOT/runway.conf" \
		"$cfg/loader.conf=/loader/loader.conf" "$cfg/bench.conf=/loader/entries/bench.conf" \
		"$(efi_of "$3" "$4")=/EFI/BOOT/BOOTX64.EFI" 2>>"$OUT/mkimg.log" ||
		die "mkimg failed (see $OUT/mkimg.log)"
}

note "building images ($img_mib MiB each) ..."
: >"$OUT/mkimg.log"
for s in $SIZES; do
	for l in $KLOADERS; do
		make_image "$OUT/img/k$s-$l.img" "$OUT/kernel/bench$s.elf" "$l" mb2
	done
done
if [ "$LINUX" = yes ]; then
	small=$big
	for s in $SIZES; do [ "$s" -ge "$small" ] || small=$s; done
	for l in $LLOADERS; do
		make_image "$OUT/img/linux-$l.img" "$OUT/kernel/bench$small.elf" "$l" linux
	done
fi

# -------------------------------------------------------------- booting
tsv=$OUT/results.tsv
printf 'round\texperiment\tsize_mib\tloader\tok\trc\ttotal_ms\tload_ms\tbds_ms\tmark_ms\tlinux_ms\tstub_ms\n' >"$tsv"

# boot ROUND EXPERIMENT SIZE LOADER IMG MARK_REGEX WANT_RC: one timed boot,
# one line of results.tsv.
boot() {
	local round=$1 exp=$2 size=$3 loader=$4 img=$5 mark=$6 want=$7 name line
	name=r$1-$2-$3-$4
	line=$(python3 tools/serialtime.py --log "$OUT/logs/$name.log" \
		--mark "load=BdsDxe: loading" --mark "bds=BdsDxe: starting" --mark "mark=$mark" --mark "linux=Linux version" --mark "stub=^EFI stub: " -- \
		ovmf/run.sh --mem "$MEM" --timeout 180 "$img" -- -no-reboot 2>"$OUT/logs/$name.err")
	local rc total ld bds mk lx st ok=1
	# "rc=R total_ms=T load_ms=L bds_ms=B mark_ms=M linux_ms=X stub_ms=S":
	# the values.
	read -r rc total ld bds mk lx st <<<"$(tr ' ' '\n' <<<"$line" | cut -d= -f2 | tr '\n' ' ')"
	[ "$rc" = "$want" ] || ok=0
	[ "$mk" != - ] || ok=0
	[ "$ok" = 1 ] || note "round $round $exp $size $loader: rc=$rc (want $want), mark at $mk: see $OUT/logs/$name.log"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$exp" "$size" "$loader" \
		"$ok" "$rc" "$total" "$ld" "$bds" "$mk" "$lx" "$st" >>"$tsv"
	printf '  %-6s %5s MiB %-10s %8.0f ms\n' "$exp" "$size" "$loader" "$total" >&2
}

# rotate N WORDS...: the words, starting at the (N mod count)th.
rotate() {
	local n=$1
	shift
	local -a w=("$@")
	local i k=${#w[@]}
	for ((i = 0; i < k; i++)); do printf '%s ' "${w[(i + n) % k]}"; done
}

kmark() { # LOADER: what proves the boot got where it should
	case $1 in
	off) echo "BdsDxe: starting" ;;
	floor) echo "^floor: read bytes=" ;;
	runway | runway-log) echo "^bench-kernel: pass entry=runway" ;;
	*) echo "^bench-kernel: pass entry=i386" ;;
	esac
}

start=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
	note "round $r of $ROUNDS ($((SECONDS - start)) s so far)"
	# shellcheck disable=SC2086 # word lists
	for s in $(rotate "$r" $SIZES); do
		for l in $(rotate "$r" $KLOADERS); do
			boot "$r" kernel "$s" "$l" "$OUT/img/k$s-$l.img" "$(kmark "$l")" 0
		done
	done
	if [ "$LINUX" = yes ]; then
		# shellcheck disable=SC2086
		for l in $(rotate "$r" $LLOADERS); do
			# poweroff -f: the guest powers off without a verdict (run.sh: 3).
			boot "$r" linux 0 "$l" "$OUT/img/linux-$l.img" "^$MARKER" 3
		done
	fi
done
note "$ROUNDS rounds in $((SECONDS - start)) s"

# -------------------------------------------------------------- results
sizes_of() { # FILE: its size in bytes
	stat -c %s "$1"
}
{
	echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "runway	$(git describe --always --dirty 2>/dev/null || echo unknown)"
	echo "machine	$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "qemu	$(qemu-system-x86_64 --version | head -n1), accelerator $accel, guest memory $MEM"
	echo "ovmf	$(dpkg-query -W -f '${Package} ${Version}' ovmf 2>/dev/null)"
	echo "grub	$(dpkg-query -W -f '${Package} ${Version}' grub-efi-amd64-bin 2>/dev/null)"
	echo "sd-boot	$(dpkg-query -W -f '${Package} ${Version}' systemd-boot-efi 2>/dev/null)"
	echo "linux	$linux_version"
	echo "busybox	$busybox_version"
	echo "rounds	$ROUNDS"
	echo "mem	$MEM"
	echo "command	tools/deps.sh; make bench-peers ROUNDS=$ROUNDS BENCH_PEERS_SIZES='$SIZES' BENCH_PEERS_LINUX=$LINUX BENCH_PEERS_MEM=$MEM"
	echo "size runway	$(sizes_of "$BUILD/BOOTX64.EFI")"
	echo "size grub	$(sizes_of "$cfg/grub-mb2.efi")"
	echo "size sd-boot	$(sizes_of "$SDBOOT")"
	echo "size floor	$(sizes_of "$BUILD/bench-floor.efi")"
} >"$OUT/meta.tsv"
python3 bench/peerstats.py "$tsv" "$OUT/meta.tsv" "$OUT/plot.dat" "$OUT/logs" >"$OUT/RESULTS.md"
if command -v gnuplot >/dev/null 2>&1; then
	gnuplot -e "dat='$OUT/plot.dat'; png='$OUT/peers.png'" bench/peers.gp
else
	note "gnuplot not found (tools/deps.sh installs gnuplot-nox): plot skipped"
fi
cat "$OUT/RESULTS.md"
note "results: $OUT/RESULTS.md, $OUT/peers.png, $tsv"
