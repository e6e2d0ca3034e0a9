#!/usr/bin/env python3
"""mkcpio.py OUT NAME=TEXT...: a newc cpio archive (what Linux takes as an
initrd) with one regular file per argument, padded to 512 bytes.
"""
import sys


def newc_entry(name: str, data: bytes = b"", mode: int = 0o100644) -> bytes:
    # c_ino, c_mode, c_uid, c_gid, c_nlink, c_mtime, c_filesize,
    # c_devmajor, c_devminor, c_rdevmajor, c_rdevminor, c_namesize, c_check
    fields = (0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
    head = ("070701" + "".join("%08x" % v for v in fields)).encode()
    b = head + name.encode() + b"\0"
    b += b"\0" * (-len(b) % 4)
    return b + data + b"\0" * (-len(data) % 4)


def archive(files) -> bytes:
    a = b"".join(newc_entry(n, d) for n, d in files)
    a += newc_entry("TRAILER!!!", mode=0)
    return a + b"\0" * (-len(a) % 512)


def main(argv):
    if len(argv) < 2 or any("=" not in a for a in argv[2:]):
        print("usage: mkcpio.py OUT NAME=TEXT...", file=sys.stderr)
        return 2
    files = [(a.split("=", 1)[0], a.split("=", 1)[1].encode()) for a in argv[2:]]
    with open(argv[1], "wb") as f:
        f.write(archive(files))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
