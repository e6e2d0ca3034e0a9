# lib.sh - helpers for the QEMU boot scenarios (sourced by tests/qemu/*.sh).
# shellcheck shell=bash
#
# A scenario builds a disk image with tools/mkimg.sh (or a TFTP root, for
# a network boot), boots it with ovmf/run.sh, then checks the run's exit
# status and serial log.  Each
# check prints one TAP-style line: "ok - NAME" or "not ok - NAME: why".

BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/qemu}
mkdir -p "$OUT"

failures=0

ok() { printf 'ok - %s\n' "$1"; }
not_ok() {
	printf 'not ok - %s: %s\n' "$1" "$2"
	failures=$((failures + 1))
}

# boot NAME CONFIG RUN_ARGS... -- FILES...: image + boot; sets $log, $rc.
# CONFIG "-" writes no runway.conf.
# QEMU_EXTRA (words) goes to QEMU itself; KEYS is typed at the guest
# (ovmf/run.sh --keys); LOADER replaces $BUILD/BOOTX64.EFI.
boot() {
	name=$1 conf=$2
	shift 2
	run_args=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		run_args="$run_args $1"
		shift
	done
	[ $# -gt 0 ] && shift
	img=$OUT/$name.img
	log=$OUT/$name.log
	local conf_arg=(-c "$conf")
	[ "$conf" = - ] && conf_arg=()
	tools/mkimg.sh -o "$img" -e "${LOADER:-$BUILD/BOOTX64.EFI}" "${conf_arg[@]}" "$@" >"$OUT/$name.mkimg.log" 2>&1 || {
		rc=99
		echo "mkimg failed" >"$log"
		cat "$OUT/$name.mkimg.log" >>"$log"
		return 0
	}
	rc=0
	# shellcheck disable=SC2086
	ovmf/run.sh $run_args ${KEYS:+--keys "$KEYS"} --serial "$log" "$img" \
		${QEMU_EXTRA:+-- $QEMU_EXTRA} \
		>/dev/null 2>"$OUT/$name.run.log" || rc=$?
	rm -f "$img"
}

# tftp_boot NAME BOOTFILE RUN_ARGS... -- FILES...: boot over the network
# with no disk (ovmf/run.sh --tftp): a TFTP root $OUT/NAME.tftp holds
# $BUILD/BOOTX64.EFI as BOOTFILE and each SRC=DEST of FILES (DEST relative
# to the root, a leading '/' allowed; a symbolic link to SRC).  Sets $log
# and $rc.
tftp_boot() {
	name=$1 bootfile=$2
	shift 2
	run_args=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		run_args="$run_args $1"
		shift
	done
	[ $# -gt 0 ] && shift
	local root=$OUT/$name.tftp spec src dest
	log=$OUT/$name.log
	rm -rf "$root"
	mkdir -p "$root/$(dirname "$bootfile")"
	cp "$BUILD/BOOTX64.EFI" "$root/$bootfile"
	for spec in "$@"; do
		src=${spec%%=*} dest=${spec#*=}
		dest=${dest#/}
		mkdir -p "$root/$(dirname "$dest")"
		ln -s "$(realpath "$src")" "$root/$dest"
	done
	rc=0
	# shellcheck disable=SC2086
	ovmf/run.sh $run_args --serial "$log" --tftp "$root" --bootfile "$bootfile" \
		>/dev/null 2>"$OUT/$name.run.log" || rc=$?
}

# expect_rc NAME WANT: the run's exit status (see ovmf/run.sh).
expect_rc() {
	if [ "$rc" -eq "$2" ]; then ok "$1: exit status $2"
	else not_ok "$1: exit status" "got $rc, want $2 (log: $log); last lines: $(tail -n 3 "$log" | tr -d '\r' | tr '\n' '|')"
	fi
}

# expect_line NAME REGEX: some serial line matches the extended regex.
expect_line() {
	if tr -d '\r' <"$log" | grep -Eq -- "$2"; then ok "$1: serial shows /$2/"
	else not_ok "$1: serial line" "no line matches /$2/ (log: $log)"
	fi
}

# expect_no_line NAME REGEX
expect_no_line() {
	if tr -d '\r' <"$log" | grep -Eq -- "$2"; then not_ok "$1: serial line" "unexpected /$2/ (log: $log)"
	else ok "$1: serial lacks /$2/"
	fi
}

# field KEY: the value of KEY=... on the first "runway: loaded" line.
field() {
	tr -d '\r' <"$log" | grep -m1 '^runway: loaded ' | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# conf TEXT...: write a config file (no menu delay), print its path.
conf() {
	f=$OUT/conf.$$.$(date +%s%N)
	printf '%s\n' "timeout = 0" "$@" >"$f"
	echo "$f"
}

# fnv1a64 FILE: FNV-1a 64 of the file's bytes, 16 hex digits (what the test
# kernel and the chainload test program compute).
fnv1a64() {
	python3 tests/qemu/fnv1a64.py "$1"
}
