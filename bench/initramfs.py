#!/usr/bin/env python3
"""initramfs.py OUT BUSYBOX MARKER: the initramfs of make bench-peers.

A newc cpio archive (what Linux unpacks as its initramfs) holding
/dev/console (character device 5:1, so that /init has a console without
mounting anything), /bin/busybox (the static binary BUSYBOX) and /init, a
busybox shell script that prints MARKER on the console and powers the
machine off at once (poweroff -f: no init system to ask).
"""
import sys

S_IFDIR, S_IFCHR, S_IFREG = 0o040000, 0o020000, 0o100000


def newc_entry(ino: int, name: str, mode: int, data: bytes = b"",
               rdev=(0, 0)) -> bytes:
    # c_ino, c_mode, c_uid, c_gid, c_nlink, c_mtime, c_filesize,
    # c_devmajor, c_devminor, c_rdevmajor, c_rdevminor, c_namesize, c_check
    nlink = 2 if mode & S_IFDIR == S_IFDIR else 1
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name) + 1, 0)
    head = ("070701" + "".join("%08x" % v for v in fields)).encode()
    b = head + name.encode() + b"\0"
    b += b"\0" * (-len(b) % 4)
    return b + data + b"\0" * (-len(data) % 4)


def init_script(marker: str) -> bytes:
    if any(c in marker for c in "'\n\\"):
        raise ValueError("the marker may not hold quotes, backslashes or newlines")
    return ("#!/bin/busybox sh\n"
            "/bin/busybox echo '%s'\n"
            "/bin/busybox poweroff -f\n" % marker).encode()


def archive(busybox: bytes, marker: str) -> bytes:
    entries = [
        ("dev", S_IFDIR | 0o755, b"", (0, 0)),
        ("dev/console", S_IFCHR | 0o600, b"", (5, 1)),
        ("bin", S_IFDIR | 0o755, b"", (0, 0)),
        ("bin/busybox", S_IFREG | 0o755, busybox, (0, 0)),
        ("init", S_IFREG | 0o755, init_script(marker), (0, 0)),
    ]
    a = b"".join(newc_entry(i + 1, n, m, d, r) for i, (n, m, d, r) in enumerate(entries))
    a += newc_entry(0, "TRAILER!!!", 0)
    return a + b"\0" * (-len(a) % 512)


def main(argv):
    if len(argv) != 4:
        print("usage: initramfs.py OUT BUSYBOX MARKER", file=sys.stderr)
        return 2
    with open(argv[2], "rb") as f:
        busybox = f.read()
    try:
        data = archive(busybox, argv[3])
    except ValueError as e:
        print("initramfs.py: %s" % e, file=sys.stderr)
        return 2
    with open(argv[1], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
