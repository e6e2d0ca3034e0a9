"""Unit tests of the QEMU tests' Python helpers (run by make lint)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fnv1a64  # noqa: E402
import mkcpio  # noqa: E402
import patchimg  # noqa: E402


class Fnv1a64(unittest.TestCase):
    def test_published_vectors(self):
        # FNV-1a 64 test vectors from its authors' reference list.
        self.assertEqual(fnv1a64.fnv1a64(b""), 0xcbf29ce484222325)
        self.assertEqual(fnv1a64.fnv1a64(b"a"), 0xaf63dc4c8601ec8c)
        self.assertEqual(fnv1a64.fnv1a64(b"foobar"), 0x85944171f73967e8)


class PatchImg(unittest.TestCase):
    def test_finds_the_one_occurrence(self):
        self.assertEqual(patchimg.find_once(b"xxxxABCDyyyy", b"ABCD"), 4)
        self.assertEqual(patchimg.complement(b"AB"), b"\xbe\xbd")

    def test_refuses_missing_and_repeated_bytes(self):
        with self.assertRaises(ValueError):
            patchimg.find_once(b"xxxx", b"AB")
        with self.assertRaises(ValueError):
            patchimg.find_once(b"ABxAB", b"AB")


class Newc(unittest.TestCase):
    def test_entry_header_fields(self):
        e = mkcpio.newc_entry("name", b"hello")
        self.assertEqual(e[:6], b"070701")
        field = lambda i: int(e[6 + 8 * i:14 + 8 * i], 16)
        self.assertEqual(field(1), 0o100644)   # mode
        self.assertEqual(field(6), 5)          # file size
        self.assertEqual(field(11), 5)         # name size with its NUL
        self.assertEqual(e[110:115], b"name\0")

    def test_entries_and_archive_are_aligned(self):
        e = mkcpio.newc_entry("abc", b"12345")
        self.assertEqual(len(e) % 4, 0)
        a = mkcpio.archive([("f", b"x")])
        self.assertEqual(len(a) % 512, 0)
        self.assertIn(b"TRAILER!!!\0", a)


if __name__ == "__main__":
    unittest.main()
