#!/usr/bin/env bash
# sign.sh - sign Runway for Secure Boot, optionally enrolling a runway.conf.
#
# With -C, the config's SHA-256 is first written into the image's .rwconf
# section (40 bytes: the magic "RWCONF01", then the digest; all-zero
# digest = none enrolled), found by its file offset in `objdump -h`; the
# signature then covers it.  Signing is sbsign's (Debian's sbsigntool).
#
# An encrypted key (PEM "ENCRYPTED PRIVATE KEY" or "Proc-Type: 4,ENCRYPTED")
# has its pass phrase read from standard input (first line): sbsign has no
# pass phrase option, so openssl decrypts the key into a private temporary
# directory (mode 700), sbsign reads it there, and the directory is removed
# when the script exits, whatever happens.
#
# Needs: sbsign (sbsigntool), openssl, objdump (binutils), sha256sum, dd.
set -eu

prog=${0##*/}

usage() {
	cat <<EOF
Usage: $prog -k KEY -c CERT [-C runway.conf] -o OUT.efi IN.efi

Sign the Runway image IN.efi (e.g. build/BOOTX64.EFI) with KEY and CERT
(PEM) into OUT.efi.

Options:
  -k KEY     private key (PEM); if it is encrypted, its pass phrase is
             read from standard input
  -c CERT    certificate (PEM) matching KEY; enrol it in the firmware's db
             (or as a MOK with shim)
  -C CONFIG  enrol CONFIG: write its SHA-256 into the image before signing;
             with Secure Boot on, Runway then accepts only this runway.conf
             and boots only kernels, modules and initrds it pins
  -o OUT     signed image to write (IN.efi is not changed)
  -h         show this help

Example (Debian's snakeoil key, pass phrase "snakeoil"):
  echo snakeoil | $prog -k /usr/share/ovmf/PkKek-1-snakeoil.key \\
      -c /usr/share/ovmf/PkKek-1-snakeoil.pem -C runway.conf \\
      -o BOOTX64.signed.efi build/BOOTX64.EFI
EOF
}

die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

need_tool() {
	command -v "$1" >/dev/null 2>&1 || die "'$1' not found (install the Debian package $2; see tools/deps.sh)"
}

key="" cert="" conf="" out=""
while getopts "k:c:C:o:h" opt; do
	case $opt in
	k) key=$OPTARG ;;
	c) cert=$OPTARG ;;
	C) conf=$OPTARG ;;
	o) out=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { usage >&2; exit 2; }
in=$1
[ -n "$key" ] || die "no key: -k KEY"
[ -n "$cert" ] || die "no certificate: -c CERT"
[ -n "$out" ] || die "no output: -o OUT.efi"
for f in "$in" "$key" "$cert" ${conf:+"$conf"}; do
	[ -r "$f" ] || die "cannot read $f"
done
need_tool sbsign sbsigntool
need_tool openssl openssl
need_tool objdump binutils

tmp=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/runway-sign.XXXXXX")
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() { rm -rf -- "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The .rwconf section's file offset and size, from objdump -h's line
# "IDX .rwconf SIZE VMA LMA FILE_OFF ALGN".
rwconf_offset() {
	objdump -h "$1" | awk '$2 == ".rwconf" { print $3, $6; found = 1 } END { exit !found }'
}

# enrol IMAGE CONFIG: write CONFIG's SHA-256 after the magic.
enrol() {
	local where size off magic hex
	where=$(rwconf_offset "$1") || die "$in has no .rwconf section (not a Runway image, or one older than 0.4)"
	read -r size off <<<"$where"
	[ $((16#$size)) -ge 40 ] || die "$in: .rwconf is $((16#$size)) bytes, fewer than 40"
	off=$((16#$off))
	magic=$(dd if="$1" bs=1 skip="$off" count=8 status=none)
	[ "$magic" = RWCONF01 ] || die "$in: .rwconf at file offset $off does not start with RWCONF01"
	hex=$(sha256sum <"$2" | cut -c1-64)
	# shellcheck disable=SC2059 # the format is the digest as \xHH escapes
	printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" |
		dd of="$1" bs=1 seek=$((off + 8)) conv=notrunc status=none
	printf '%s: enrolled %s: sha256 %s\n' "$prog" "$2" "$hex" >&2
}

cp -- "$in" "$tmp/image.efi"
[ -z "$conf" ] || enrol "$tmp/image.efi" "$conf"

signing_key=$key
if grep -q -e 'ENCRYPTED PRIVATE KEY' -e 'Proc-Type: 4,ENCRYPTED' "$key"; then
	[ ! -t 0 ] || printf 'Pass phrase for %s: ' "$key" >&2
	IFS= read -r pass || die "$key is encrypted: give its pass phrase on standard input"
	printf '%s\n' "$pass" | openssl pkey -in "$key" -passin stdin -out "$tmp/key.pem" 2>"$tmp/openssl.log" ||
		die "cannot decrypt $key (wrong pass phrase?): $(head -n1 "$tmp/openssl.log")"
	signing_key=$tmp/key.pem
fi

sbsign --key "$signing_key" --cert "$cert" --output "$tmp/signed.efi" "$tmp/image.efi" >"$tmp/sbsign.log" 2>&1 ||
	die "sbsign failed: $(cat "$tmp/sbsign.log")"
# sbsign prints warnings (e.g. about gaps between PE sections) and still
# succeeds: a Runway image must sign silently.
if grep -v -e '^Signing Unsigned original image$' "$tmp/sbsign.log" | grep -q .; then
	cat "$tmp/sbsign.log" >&2
	die "sbsign warned about $in"
fi
cp -- "$tmp/signed.efi" "$out"
printf '%s: signed %s -> %s\n' "$prog" "$in" "$out" >&2
