"""Find a file's bytes inside a disk image, to change them there later.

    patchimg.py IMAGE FILE OFFSET LENGTH OUT

Finds FILE's bytes [OFFSET, OFFSET + LENGTH) in IMAGE (they must occur
exactly once), prints their offset in the image, and writes their
complement to OUT.  Writing OUT over the image at that offset
(dd conv=notrunc) changes the file's content without touching the file
system: it still names the same clusters, so a machine reading the image
live sees other bytes in the same file.  The search is done before the
boot, so that the write itself takes no time.
"""
import sys


def find_once(image: bytes, needle: bytes) -> int:
    """The offset of the one occurrence of needle in image."""
    at = image.find(needle)
    if at < 0:
        raise ValueError("the bytes are not in the image")
    if image.find(needle, at + 1) >= 0:
        raise ValueError("the bytes occur more than once in the image")
    return at


def complement(data: bytes) -> bytes:
    return bytes(b ^ 0xff for b in data)


def main(argv):
    if len(argv) != 6:
        sys.exit("usage: patchimg.py IMAGE FILE OFFSET LENGTH OUT")
    image_path, file_path, out_path = argv[1], argv[2], argv[5]
    off, length = int(argv[3], 0), int(argv[4], 0)
    with open(file_path, "rb") as f:
        f.seek(off)
        needle = f.read(length)
    if len(needle) != length:
        sys.exit("patchimg.py: %s has no %d bytes at %d" % (file_path, length, off))
    with open(image_path, "rb") as f:
        image = f.read()
    try:
        at = find_once(image, needle)
    except ValueError as e:
        sys.exit("patchimg.py: %s" % e)
    with open(out_path, "wb") as f:
        f.write(complement(needle))
    print(at)


if __name__ == "__main__":
    main(sys.argv)
