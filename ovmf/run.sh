#!/usr/bin/env bash
# run.sh - boot a Runway disk image headless under QEMU + OVMF, or boot
# Runway over the network with no disk at all.
#
# The firmware is /usr/share/OVMF/OVMF_CODE_4M.fd (read-only pflash) with a
# fresh copy of OVMF_VARS_4M.fd for every run, kept in a temporary directory
# that is removed at exit. The image is attached as a virtio-blk disk (or IDE /
# AHCI, or a USB stick on an xHCI controller, with --disk) in snapshot mode, so
# the image file is never modified; --no-disk attaches none.
# With --tftp DIR there is no disk: OVMF PXE-boots from QEMU's built-in DHCP
# and TFTP server (user networking, restrict=on: nothing leaves QEMU), which
# serves DIR and names --bootfile in its DHCP reply; the virtio-net device
# has no option ROM, so OVMF's own network drivers are used, and boots first.
# The serial console goes to stdout (and to --serial FILE as well).
# --tpm attaches a TPM 2.0 (swtpm, a fresh state in the temporary directory)
# on the TIS interface; OVMF then offers EFI_TCG2_PROTOCOL.
# --screendump and --keys use one QMP socket and one python3 helper,
# ovmf/qmp.py.
#
# Exit status
#   The guest ends a test by writing one byte V to I/O port 0xf4
#   (isa-debug-exit); QEMU then exits with status (V << 1) | 1.
#     V = 0x10 (QEMU status 33)  -> 0    pass
#     V = 0x11 (QEMU status 35)  -> 1    fail
#     QEMU status 0              -> 3    guest powered off without a verdict
#                                        (e.g. the loader shut down after an
#                                        error; with -no-reboot a guest reset
#                                        or triple fault also ends up here)
#     timeout (--timeout SEC)    -> 124  QEMU was killed
#     any other QEMU status      -> 2    QEMU crashed, bad arguments, other V
#   run.sh's own usage errors also exit 2.
#
# Accelerator: KVM is used only if it really works: a tiny probe firmware
# (executes an x87 instruction from pflash, then writes 0x10 to port 0xf4) is
# booted with -accel kvm and the chosen CPU model; anything but status 33
# within 3 s means TCG. RUNWAY_ACCEL=kvm|tcg skips the probe; the probe result
# can be computed once with `run.sh --probe-accel` and exported.
#
# --secure-boot: OVMF's Secure Boot build with Debian's snakeoil keys
# enrolled (OVMF_CODE_4M.snakeoil.fd, a fresh copy of OVMF_VARS_4M.snakeoil.fd;
# q35 with SMM, the variable store behind SMM-only pflash). Images signed
# with /usr/share/ovmf/PkKek-1-snakeoil.key (pass phrase "snakeoil",
# tools/sign.sh) boot; unsigned ones are refused by the firmware.
#
# Environment: RUNWAY_ACCEL, RUNWAY_QEMU (default qemu-system-x86_64),
# RUNWAY_OVMF_CODE, RUNWAY_OVMF_VARS (default the Debian ovmf 4M files).
# Re-run under bash when started as "sh run.sh".
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -eu

prog=${0##*/}

usage() {
	cat <<EOF
Usage: $prog [options] IMAGE [-- EXTRA QEMU ARGS]
       $prog [options] -- EXTRA QEMU ARGS IMAGE
       $prog [options] --tftp DIR [--bootfile NAME] [-- EXTRA QEMU ARGS]
       $prog [options] --no-disk [-- EXTRA QEMU ARGS]
       $prog --probe-accel [--cpu MODEL] [--machine q35|pc]

Boot the GPT disk image IMAGE under OVMF, headless, serial console on stdout;
or, with --tftp, boot over the network with no disk.

Options:
  --mem SIZE          guest RAM (default 512M)
  --smp N             number of CPUs (default 1)
  --machine q35|pc    machine type (default q35)
  --timeout SEC       kill QEMU after SEC seconds, exit 124 (default 60)
  --cpu MODEL         CPU model (default: host under KVM, max under TCG)
  --disk virtio|ide|ahci|usb
                      how the image is attached (default virtio); usb: as a
                      USB stick (usb-storage) on an xHCI controller
  --no-disk           attach no disk and take no IMAGE (devices of your own
                      can come after --)
  --tftp DIR          no disk: PXE-boot from QEMU's DHCP and TFTP server,
                      which serves the files under DIR (10.0.2.2, with
                      restrict=on: no other machine or host port is reached)
  --bootfile NAME     the boot file the DHCP reply names, relative to DIR
                      (default BOOTX64.EFI)
  --serial FILE       also write the serial console to FILE
  --screendump FILE   save the last screen as PNG to FILE (screendumps are
                      taken every 0.25 s over QMP; the newest one is kept)
  --keys SPEC         type at the guest: SPEC is a list of steps separated by
                      spaces, done in order while the guest runs:
                        wait:TEXT     wait until the serial output so far
                                      contains TEXT (escaped as text:)
                        sleep:SEC     sleep SEC seconds (fractions allowed)
                        text:STRING   type STRING, any printable ASCII
                                      (US layout), '_' for a space, a
                                      backslash before a character types it
                                      as it is: '\_' an underscore, '\\' a
                                      backslash
                        KEY           press one key, a QEMU qcode (ret, esc,
                                      up, down, backspace, spc, a, 1, minus,
                                      ...); shift-a = a with shift held
                      e.g. --keys 'wait:Up/Down down ret'. Keys are held
                      50 ms, 100 ms apart. A wait: still pending when
                      --timeout expires is named on stderr (exit 124).
  --secure-boot       Secure Boot on: OVMF's Secure Boot firmware with Debian's
                      snakeoil keys enrolled (q35 only; sign with
                      tools/sign.sh and /usr/share/ovmf/PkKek-1-snakeoil.key)
  --tpm               attach a software TPM 2.0 (swtpm, Debian's swtpm package)
                      as a TIS device, with a fresh state for this run
  --probe-accel       print the accelerator that would be used (kvm or tcg)
  -h, --help          show this help
  --                  the remaining arguments go to QEMU (if IMAGE was not
                      given before '--', the last one is IMAGE)

Exit status: 0 pass (guest wrote 0x10 to port 0xf4), 1 fail (0x11),
3 guest powered off/reset without a verdict, 124 timeout,
2 anything else (QEMU error or crash, other port value, usage error).

Environment: RUNWAY_ACCEL=kvm|tcg skips the KVM probe; RUNWAY_QEMU,
RUNWAY_OVMF_CODE, RUNWAY_OVMF_VARS override the QEMU binary and firmware.
EOF
}

die() { # usage / setup errors exit 2
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 2
}

note() {
	printf '%s: %s\n' "$prog" "$*" >&2
}

# QEMU option values: a comma is written as two commas.
qesc() {
	printf '%s' "${1//,/,,}"
}

# ---------------------------------------------------------------- arguments
mem=512M
smp=1
machine=q35
timeout_s=60
cpu=""
disk=virtio
serial_file=""
shot_file=""
keys=""
probe_only=0
secure_boot=0
tpm=0
no_disk=0
image=""
tftp_dir=""
bootfile=BOOTX64.EFI
extra=()

need_val() {
	[ "$2" -ge 2 ] || die "option $1 needs a value"
}

while [ $# -gt 0 ]; do
	opt=""
	case $1 in
	-h | --help) usage; exit 0 ;;
	--probe-accel) probe_only=1; shift ;;
	--secure-boot) secure_boot=1; shift ;;
	--no-disk) no_disk=1; shift ;;
	--tpm) tpm=1; shift ;;
	--mem | --smp | --machine | --timeout | --cpu | --disk | --serial | --screendump | --keys | --tftp | --bootfile)
		need_val "$1" $#
		opt=$1 val=$2
		shift 2
		;;
	--mem=* | --smp=* | --machine=* | --timeout=* | --cpu=* | --disk=* | --serial=* | --screendump=* | --keys=* | --tftp=* | --bootfile=*)
		opt=${1%%=*} val=${1#*=}
		shift
		;;
	--)
		shift
		extra=("$@")
		if [ -z "$image" ] && [ -z "$tftp_dir" ] && [ "$no_disk" -eq 0 ]; then
			[ ${#extra[@]} -gt 0 ] || die "no IMAGE given"
			image=${extra[${#extra[@]} - 1]}
			unset 'extra[${#extra[@]}-1]'
		fi
		break
		;;
	-*) die "unknown option '$1' (see $prog -h)" ;;
	*)
		[ -z "$image" ] || die "more than one IMAGE: '$image' and '$1'"
		image=$1
		shift
		continue
		;;
	esac
	case $opt in
	"") ;;
	--mem) mem=$val ;;
	--smp) smp=$val ;;
	--machine) machine=$val ;;
	--timeout) timeout_s=$val ;;
	--cpu) cpu=$val ;;
	--disk) disk=$val ;;
	--serial) serial_file=$val ;;
	--screendump) shot_file=$val ;;
	--keys) keys=$val ;;
	--tftp) tftp_dir=$val ;;
	--bootfile) bootfile=$val ;;
	esac
done

case $machine in
q35 | pc) ;;
*) die "--machine must be q35 or pc, not '$machine'" ;;
esac
case $disk in
virtio | ide | ahci | usb) ;;
*) die "--disk must be virtio, ide, ahci or usb, not '$disk'" ;;
esac
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive number, got '$smp'"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a positive number of seconds, got '$timeout_s'"
[[ $mem =~ ^[1-9][0-9]*[MGmg]?$ ]] || die "--mem wants a size like 512M or 2G, got '$mem'"

qemu=${RUNWAY_QEMU:-qemu-system-x86_64}
ovmf_code=${RUNWAY_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
ovmf_vars=${RUNWAY_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
machine_opt=$machine
sb_args=()
if [ "$secure_boot" -eq 1 ]; then
	[ "$machine" = q35 ] || die "--secure-boot needs --machine q35 (SMM protects the variable store)"
	ovmf_code=${RUNWAY_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd}
	ovmf_vars=${RUNWAY_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd}
	machine_opt=q35,smm=on
	sb_args=(-global 'driver=cfi.pflash01,property=secure,value=on')
fi
# The QMP client for --screendump and --keys (ovmf/qmp.py, beside this script).
qmp_py=$(dirname "$0")/qmp.py

command -v "$qemu" >/dev/null 2>&1 ||
	die "'$qemu' not found (install the Debian package qemu-system-x86; see tools/deps.sh)"
command -v timeout >/dev/null 2>&1 || die "'timeout' not found (coreutils)"
if [ "$no_disk" -eq 1 ] && [ -n "$tftp_dir" ]; then
	die "--no-disk and --tftp: --tftp attaches no disk already"
fi
if [ "$probe_only" -eq 0 ] && [ "$no_disk" -eq 1 ]; then
	[ -z "$image" ] || die "--no-disk attaches no disk: give no IMAGE (got '$image')"
elif [ "$probe_only" -eq 0 ] && [ -n "$tftp_dir" ]; then
	[ -z "$image" ] || die "--tftp boots with no disk: give no IMAGE (got '$image')"
	[ -d "$tftp_dir" ] || die "--tftp: not a directory: $tftp_dir"
	[ -r "$tftp_dir/$bootfile" ] || die "--bootfile: $bootfile not found in $tftp_dir"
elif [ "$probe_only" -eq 0 ]; then
	[ -n "$image" ] || { printf '%s: error: no IMAGE given\n' "$prog" >&2; usage >&2; exit 2; }
	[ -f "$image" ] || die "image not found: $image"
	[ -r "$image" ] || die "image not readable: $image"
fi
if [ "$probe_only" -eq 0 ]; then
	[ -r "$ovmf_code" ] || die "OVMF firmware not found: $ovmf_code (install the Debian package ovmf)"
	[ -r "$ovmf_vars" ] || die "OVMF variable store not found: $ovmf_vars (install the Debian package ovmf)"
	if [ -n "$shot_file" ]; then
		command -v python3 >/dev/null 2>&1 || die "--screendump needs python3"
	fi
	if [ -n "$keys" ]; then
		command -v python3 >/dev/null 2>&1 || die "--keys needs python3"
	fi
	if [ -n "$shot_file" ] || [ -n "$keys" ]; then
		[ -r "$qmp_py" ] || die "QMP helper not found: $qmp_py"
	fi
	if [ "$tpm" -eq 1 ]; then
		command -v swtpm >/dev/null 2>&1 || die "--tpm needs swtpm (install the Debian packages swtpm and swtpm-tools; see tools/deps.sh)"
	fi
fi

# ------------------------------------------------------------ temporary dir
tmp=$(mktemp -d "${TMPDIR:-/tmp}/runway-ovmf.XXXXXX")
helper_pid=""
qemu_pid=""
tpm_pid=""
tty_state=""
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	if [ -n "$helper_pid" ]; then
		kill "$helper_pid" 2>/dev/null || true
		wait "$helper_pid" 2>/dev/null || true
	fi
	if [ -n "$tpm_pid" ]; then
		kill "$tpm_pid" 2>/dev/null || true
		wait "$tpm_pid" 2>/dev/null || true
	fi
	[ -z "$tty_state" ] || stty "$tty_state" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------- QMP helper
# qmp.py serves --screendump and --keys over one QMP socket; it keeps the
# step being done in $tmp/keys.state for the note at a timeout.
if [ -n "$keys" ]; then
	keys_err=$(python3 "$qmp_py" --check="$keys" 2>&1) || die "--keys: $keys_err"
fi

# ------------------------------------------------------------- accelerator
# Probe firmware: 64 KiB of zeros whose last 16 bytes (the reset vector at
# 0xfffffff0, real mode) hold: fwait; fninit; mov al,0x10; out 0xf4,al; hlt;
# jmp $-1. Executing from pflash and an x87 instruction are what fail when
# KVM is present but unusable (e.g. nested without read-only memory slots:
# "KVM internal error. Suberror: 1 ... emulation failure").
probe_why=""
probe_kvm() { # CPU_MODEL
	if [ ! -c /dev/kvm ]; then
		probe_why="no /dev/kvm"
		return 1
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		probe_why="no read/write access to /dev/kvm"
		return 1
	fi
	local fd=$tmp/kvm-probe.fd log=$tmp/kvm-probe.log rc=0
	{
		head -c 65520 /dev/zero
		printf '\233\333\343\260\020\346\364\364\353\375'
		head -c 6 /dev/zero
	} >"$fd"
	# In a command substitution so that the shell's "Aborted" notice (QEMU
	# asserts when it cannot set MSRs) goes nowhere.
	rc=$(
		if timeout -k 1 3 "$qemu" -accel kvm -cpu "$1" -machine "$machine" -m 16M \
			-nodefaults -display none -monitor none -serial none -no-reboot \
			-drive "if=pflash,format=raw,readonly=on,file=$(qesc "$fd")" \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
			</dev/null >"$log" 2>&1; then
			echo 0
		else
			echo $?
		fi
	) 2>/dev/null || true
	[ -n "$rc" ] || rc=255
	[ "$rc" -eq 33 ] && return 0
	case $rc in
	124 | 137) probe_why="probe timed out" ;;
	*) probe_why="probe exited $rc" ;;
	esac
	# First interesting line of QEMU's complaint, if any.
	local msg
	msg=$(grep -v -e '^qemu-system[^:]*: warning:' -e 'terminating on signal' "$log" | grep -m1 . || true)
	[ -z "$msg" ] || probe_why="$probe_why: $msg"
	return 1
}

accel=""
case ${RUNWAY_ACCEL:-} in
kvm | tcg)
	accel=$RUNWAY_ACCEL
	accel_why="from RUNWAY_ACCEL"
	;;
"")
	if probe_kvm "${cpu:-host}"; then
		accel=kvm
		accel_why="KVM probe passed"
	else
		accel=tcg
		accel_why="KVM not usable: $probe_why"
	fi
	;;
*) die "RUNWAY_ACCEL must be kvm or tcg, not '$RUNWAY_ACCEL'" ;;
esac
if [ -z "$cpu" ]; then
	if [ "$accel" = kvm ]; then cpu=host; else cpu=max; fi
fi

if [ "$probe_only" -eq 1 ]; then
	note "accelerator: $accel ($accel_why)"
	printf '%s\n' "$accel"
	exit 0
fi
note "accelerator: $accel, cpu $cpu ($accel_why)"

# ----------------------------------------------------------- QEMU command
cp -- "$ovmf_vars" "$tmp/OVMF_VARS.fd"
chmod u+w "$tmp/OVMF_VARS.fd"

img_opt="file=$(qesc "$image"),format=raw,snapshot=on"
case $disk in
virtio) disk_args=(-drive "$img_opt,if=none,id=disk0" -device "virtio-blk-pci,drive=disk0,bootindex=1") ;;
ide) disk_args=(-drive "$img_opt,if=ide,index=0,media=disk") ;;
ahci) disk_args=(-drive "$img_opt,if=none,id=disk0" -device "ahci,id=ahci0" -device "ide-hd,drive=disk0,bus=ahci0.0,bootindex=1") ;;
# A USB stick: QEMU's xHCI controller (PCI, so on pc as on q35) with a
# usb-storage device; OVMF's USB mass storage driver finds the ESP on it.
usb) disk_args=(-drive "$img_opt,if=none,id=disk0" -device "qemu-xhci,id=xhci0" -device "usb-storage,bus=xhci0.0,drive=disk0,bootindex=1") ;;
esac
[ "$no_disk" -eq 0 ] || disk_args=()
# The network boot: bootindex puts OVMF's PXEv4 option for this device
# first (its IPv6 and HTTP options, which would wait for answers QEMU
# never gives, come after); romfile= (empty) keeps QEMU's iPXE ROM off.
if [ -n "$tftp_dir" ]; then
	disk_args=(
		-netdev "user,id=n0,restrict=on,tftp=$(qesc "$tftp_dir"),bootfile=$(qesc "$bootfile")"
		-device "virtio-net-pci,netdev=n0,romfile=,bootindex=1"
	)
fi

# QEMU copies the serial output to a log file as it goes: --serial FILE, or
# for --keys (which reads it to find wait: texts) one in $tmp.
serial_opt="stdio,id=ser0"
serial_log=""
if [ -n "$serial_file" ]; then
	: >"$serial_file" || die "cannot write the serial log: $serial_file"
	serial_log=$serial_file
elif [ -n "$keys" ]; then
	serial_log=$tmp/serial.log
	: >"$serial_log"
fi
if [ -n "$keys" ] && [ ! -f "$serial_log" ]; then
	die "--keys reads the serial log, so --serial must be a regular file: $serial_file"
fi
if [ -n "$serial_log" ]; then
	serial_opt="$serial_opt,logfile=$(qesc "$serial_log"),logappend=off"
fi

args=(
	-accel "$accel" -cpu "$cpu" -machine "$machine_opt" -m "$mem" -smp "$smp"
	"${sb_args[@]}"
	-nodefaults -device VGA -display none -monitor none -no-reboot
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$(qesc "$ovmf_code")"
	-drive "if=pflash,format=raw,unit=1,file=$(qesc "$tmp/OVMF_VARS.fd")"
	"${disk_args[@]}"
	-chardev "$serial_opt" -serial chardev:ser0
	-device "isa-debug-exit,iobase=0xf4,iosize=0x04"
)

# --tpm: swtpm serves a TPM 2.0 on a control socket; QEMU connects to it
# as its TPM emulator backend and shows the guest a TIS device; cleanup
# stops swtpm, and its state goes with the temporary directory.
if [ "$tpm" -eq 1 ]; then
	mkdir "$tmp/tpm"
	swtpm socket --tpm2 --tpmstate "dir=$tmp/tpm" \
		--ctrl "type=unixio,path=$tmp/tpm/sock" \
		--log "file=$tmp/tpm/swtpm.log" </dev/null >/dev/null 2>&1 &
	tpm_pid=$!
	for _ in $(seq 50); do
		[ -S "$tmp/tpm/sock" ] && break
		kill -0 "$tpm_pid" 2>/dev/null || die "swtpm did not start: $(tail -n 2 "$tmp/tpm/swtpm.log" 2>/dev/null)"
		sleep 0.1
	done
	[ -S "$tmp/tpm/sock" ] || die "swtpm did not create its socket in 5 s"
	args+=(
		-chardev "socket,id=chrtpm,path=$(qesc "$tmp/tpm/sock")"
		-tpmdev "emulator,id=tpm0,chardev=chrtpm"
		-device "tpm-tis,tpmdev=tpm0"
	)
fi

if [ -n "$shot_file" ]; then
	: >"$shot_file" || die "cannot write the screendump: $shot_file"
	rm -f -- "$shot_file"
fi
if [ -n "$shot_file" ] || [ -n "$keys" ]; then
	args+=(-qmp "unix:$(qesc "$tmp/qmp.sock"),server=on,wait=off")
	python3 "$qmp_py" --socket="$tmp/qmp.sock" --screendump="${shot_file:+$tmp/screen.png}" \
		--keys="$keys" --serial="$serial_log" --state="$tmp/keys.state" &
	helper_pid=$!
fi

# QEMU reads the serial console input from stdin: give it the terminal when
# there is one, never a pipe or file that belongs to the caller.
if [ -t 0 ]; then
	tty_state=$(stty -g 2>/dev/null || true)
	stdin_src=/dev/stdin
else
	stdin_src=/dev/null
fi

# QEMU runs as a background job that is waited for, so that a signal sent to
# run.sh is handled at once: the EXIT trap then stops QEMU (through timeout,
# which passes the signal on) instead of leaving it running.
start=$SECONDS
rc=0
timeout --foreground -k 5 "$timeout_s" "$qemu" "${args[@]}" "${extra[@]}" <"$stdin_src" &
qemu_pid=$!
wait "$qemu_pid" || rc=$?
qemu_pid=""
elapsed=$((SECONDS - start))
[ -z "$tty_state" ] || stty "$tty_state" 2>/dev/null || true

if [ -n "$helper_pid" ]; then
	kill "$helper_pid" 2>/dev/null || true
	wait "$helper_pid" 2>/dev/null || true
	helper_pid=""
	if [ -n "$shot_file" ]; then
		if [ -s "$tmp/screen.png" ]; then
			cp -- "$tmp/screen.png" "$shot_file"
		else
			note "no screendump was taken"
		fi
	fi
	if [ -n "$keys" ]; then
		keys_state=$(cat "$tmp/keys.state" 2>/dev/null || echo "QMP helper did not start")
		if [ "$keys_state" != "done" ]; then
			if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$elapsed" -ge "$timeout_s" ]; }; then
				note "--keys: timed out at $keys_state"
			else
				note "--keys: QEMU exited at $keys_state"
			fi
		fi
	fi
fi

case $rc in
33) note "guest reported PASS"; exit 0 ;;
35) note "guest reported FAIL"; exit 1 ;;
0) note "guest powered off (or reset) without reporting pass/fail"; exit 3 ;;
124)
	note "timeout after ${timeout_s}s: QEMU killed"
	exit 124
	;;
137)
	if [ "$elapsed" -ge "$timeout_s" ]; then
		note "timeout after ${timeout_s}s: QEMU did not stop on SIGTERM, killed"
		exit 124
	fi
	note "QEMU was killed (status 137)"
	exit 2
	;;
*)
	if [ $((rc & 1)) -eq 1 ] && [ "$rc" -lt 128 ] && [ "$rc" -gt 1 ]; then
		note "QEMU exited with status $rc (guest wrote $(printf '0x%02x' $((rc >> 1))) to port 0xf4, not 0x10/0x11)"
	else
		note "QEMU exited with status $rc"
	fi
	exit 2
	;;
esac
