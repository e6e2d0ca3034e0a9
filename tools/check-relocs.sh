#!/usr/bin/env bash
# Fail when the linked loader carries a relocation type that the PE
# conversion cannot express: gnu-efi's self-relocation (crt0) applies only
# R_X86_64_RELATIVE; anything else would be silently wrong at run time.
set -eu
so=$1
bad=$(readelf -rW "$so" | awk '/^[0-9a-f]+ /{ print $3 }' | grep -v '^R_X86_64_RELATIVE$' | sort -u || true)
if [ -n "$bad" ]; then
	echo "check-relocs: $so has relocations the EFI image cannot carry:" >&2
	echo "$bad" >&2
	exit 1
fi
