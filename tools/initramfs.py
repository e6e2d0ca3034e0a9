#!/usr/bin/env python3
"""initramfs.py [--cmdline] [--check NAME=PATH]... OUT BUSYBOX MARKER

The busybox initramfs of the Linux tests (tests/qemu/test_linux.sh) and
of make bench-peers.  A newc cpio archive (what Linux unpacks as its
initramfs) holding /dev/console (character device 5:1, so that /init has a
console without mounting anything), /bin/busybox (the static binary
BUSYBOX) and /init, a busybox shell script that prints one line on the
console and powers the machine off at once (poweroff -f: no init system
to ask).  The line is MARKER, then for each --check " NAME=present" or
" NAME=absent" as /PATH exists or not when /init runs (a file another
initrd may add), then with --cmdline " cmdline=" and /proc/cmdline (proc
is mounted for it, on /proc).  With neither option /init only echoes
MARKER: the least work between the kernel and the marker, for the bench.
"""
import re
import sys

S_IFDIR, S_IFCHR, S_IFREG = 0o040000, 0o020000, 0o100000
BB = "/bin/busybox"


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


def quoted(what: str, text: str) -> str:
    """text in single quotes for /init; ValueError if it cannot be."""
    if any(c in text for c in "'\n\\"):
        raise ValueError("the %s may not hold quotes, backslashes or newlines" % what)
    return "'%s'" % text


def parse_check(spec: str):
    """(NAME, PATH) from NAME=PATH; ValueError if it is not one."""
    name, sep, path = spec.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z0-9_-]+", name) or not path:
        raise ValueError("--check wants NAME=PATH, got %r" % spec)
    return name, path.lstrip("/")


def init_script(marker: str, checks=(), cmdline=False) -> bytes:
    lines = ["#!%s sh" % BB]
    if not checks and not cmdline:
        lines.append("%s echo %s" % (BB, quoted("marker", marker)))
    else:
        if cmdline:
            lines.append("%s mount -t proc proc /proc" % BB)
        lines.append("line=%s" % quoted("marker", marker))
        for name, path in checks:
            lines.append('if %s test -e %s; then line="$line %s=present"; '
                         'else line="$line %s=absent"; fi'
                         % (BB, quoted("path", "/" + path), name, name))
        if cmdline:
            lines.append('line="$line cmdline=$(%s cat /proc/cmdline)"' % BB)
        lines.append('%s echo "$line"' % BB)
    lines.append("%s poweroff -f" % BB)
    return ("\n".join(lines) + "\n").encode()


def archive(busybox: bytes, marker: str, checks=(), cmdline=False) -> bytes:
    entries = [
        ("dev", S_IFDIR | 0o755, b"", (0, 0)),
        ("dev/console", S_IFCHR | 0o600, b"", (5, 1)),
        ("bin", S_IFDIR | 0o755, b"", (0, 0)),
        ("bin/busybox", S_IFREG | 0o755, busybox, (0, 0)),
        ("init", S_IFREG | 0o755, init_script(marker, checks, cmdline), (0, 0)),
    ]
    if cmdline:
        entries.append(("proc", S_IFDIR | 0o755, b"", (0, 0)))
    a = b"".join(newc_entry(i + 1, n, m, d, r) for i, (n, m, d, r) in enumerate(entries))
    a += newc_entry(0, "TRAILER!!!", 0)
    return a + b"\0" * (-len(a) % 512)


def usage():
    print("usage: initramfs.py [--cmdline] [--check NAME=PATH]... OUT BUSYBOX MARKER",
          file=sys.stderr)
    return 2


def main(argv):
    args, checks, cmdline = argv[1:], [], False
    try:
        while args and args[0].startswith("--"):
            opt = args.pop(0)
            if opt == "--cmdline":
                cmdline = True
            elif opt == "--check" and args:
                checks.append(parse_check(args.pop(0)))
            else:
                return usage()
        if len(args) != 3:
            return usage()
        with open(args[1], "rb") as f:
            busybox = f.read()
        data = archive(busybox, args[2], checks, cmdline)
    except ValueError as e:
        print("initramfs.py: %s" % e, file=sys.stderr)
        return 2
    with open(args[0], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
