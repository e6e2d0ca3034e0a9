"""Unit tests of make bench-peers' Python helpers (run by make lint)."""
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import initramfs  # noqa: E402
import peerstats  # noqa: E402
import serialtime  # noqa: E402


class SerialTime(unittest.TestCase):
    def test_clean_drops_escapes_and_carriage_returns(self):
        raw = b"\x1b[2J\x1b[01;01H\x1b[=3hBdsDxe: starting Boot0001\r"
        self.assertEqual(serialtime.clean(raw), "BdsDxe: starting Boot0001")

    def test_first_match_of_each_mark_is_kept(self):
        log = io.StringIO()
        t = serialtime.Timer(serialtime.parse_marks(["bds=BdsDxe: starting", "k=^kernel"]), log)
        t.line(10.0, b"BdsDxe: starting Boot0001")
        t.line(20.0, b"BdsDxe: starting Boot0002")
        self.assertEqual(t.summary(33, 30.0), "rc=33 total_ms=30.0 bds_ms=10.0 k_ms=-")
        self.assertEqual(log.getvalue().splitlines()[1], "20.0\tBdsDxe: starting Boot0002")

    def test_bad_marks_are_refused(self):
        for spec in ["noequals", "1x=a", "=a"]:
            with self.assertRaises(ValueError):
                serialtime.parse_marks([spec])

    def test_runs_a_command_and_times_its_lines(self):
        log = io.StringIO()
        t = serialtime.Timer(serialtime.parse_marks(["two=^two$"]), log)
        out = serialtime.run(["sh", "-c", "echo one; echo two; printf tail; exit 3"], t)
        self.assertRegex(out, r"^rc=3 total_ms=[0-9.]+ two_ms=[0-9.]+$")
        self.assertEqual([ln.split("\t")[1] for ln in log.getvalue().splitlines()],
                         ["one", "two", "tail"])


class Initramfs(unittest.TestCase):
    def test_console_is_a_character_device_5_1(self):
        e = initramfs.newc_entry(2, "dev/console", initramfs.S_IFCHR | 0o600, rdev=(5, 1))
        field = lambda i: int(e[6 + 8 * i:14 + 8 * i], 16)
        self.assertEqual(field(1), 0o020600)   # mode
        self.assertEqual((field(9), field(10)), (5, 1))

    def test_archive_holds_init_and_ends_with_the_trailer(self):
        a = initramfs.archive(b"\x7fELF", "bench-userspace: marker")
        self.assertIn(b"/bin/busybox echo 'bench-userspace: marker'", a)
        self.assertIn(b"TRAILER!!!", a)
        self.assertEqual(len(a) % 512, 0)

    def test_marker_with_a_quote_is_refused(self):
        with self.assertRaises(ValueError):
            initramfs.init_script("it's")


def row(rnd, exp, size, loader, total, ok="1", load="100", mark="900", lx="500"):
    return {"round": str(rnd), "experiment": exp, "size_mib": str(size), "loader": loader,
            "ok": ok, "rc": "0", "total_ms": str(total), "load_ms": load, "bds_ms": "-",
            "mark_ms": mark, "linux_ms": lx}


class PeerStats(unittest.TestCase):
    def test_above_firmware_pairs_boots_of_the_same_round(self):
        rows = [row(1, "kernel", 64, "off", 8000), row(1, "kernel", 64, "runway", 9000),
                row(2, "kernel", 64, "off", 9000), row(2, "kernel", 64, "runway", 9500),
                row(3, "kernel", 64, "runway", 1)]  # no firmware boot in round 3
        self.assertEqual(sorted(peerstats.above_firmware(rows, "start")[(64, "runway")]), [500, 1000])

    def test_hand_off_clock_leaves_the_firmware_start_up_out(self):
        rows = [row(1, "kernel", 64, "off", 8000, load="7990"),
                row(1, "kernel", 64, "runway", 9000, load="8500")]
        self.assertEqual(peerstats.above_firmware(rows)[(64, "runway")], [490])

    def test_failed_boots_are_left_out(self):
        rows = [row(1, "kernel", 1, "off", 8000), row(1, "kernel", 1, "grub", 1, ok="0")]
        self.assertNotIn((1, "grub"), peerstats.above_firmware(rows))

    def test_ratio_is_of_medians(self):
        self.assertEqual(peerstats.ratio([3000, 4000, 100000], [1000, 2000, 3000]), "2.00x")
        self.assertEqual(peerstats.ratio([1], []), "n/a")
        self.assertEqual(peerstats.stat([1000, 3000, 2000]), "2.00 [1.00-3.00]")

    def test_linux_times_from_the_hand_off(self):
        rows = [row(1, "linux", 0, "runway", 1000, load="100", mark="900", lx="500"),
                row(1, "linux", 0, "grub", 1000, load="100", mark="1700", lx="900")]
        table = peerstats.linux_table(rows)
        self.assertIn("| Runway | 0.90 [0.90-0.90] | 0.80 [0.80-0.80] | 0.40 [0.40-0.40] |", table[2])
        self.assertTrue(table[3].endswith("| 2.00x | 2.00x |"))


if __name__ == "__main__":
    unittest.main()
