#!/usr/bin/env python3
"""fnv1a64.py FILE: the FNV-1a 64 hash of FILE's bytes, 16 hex digits.

What the test kernels and the chainload test program compute; the QEMU
tests put it into module strings and compare.
"""
import sys

OFFSET = 0xcbf29ce484222325
PRIME = 0x100000001b3


def fnv1a64(data: bytes) -> int:
    h = OFFSET
    for b in data:
        h = ((h ^ b) * PRIME) & 0xffffffffffffffff
    return h


def main(argv):
    if len(argv) != 2:
        print("usage: fnv1a64.py FILE", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        print("%016x" % fnv1a64(f.read()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
