"""Unit tests of make bench-peers' Python helpers (run by make lint)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import peerstats  # noqa: E402


def row(rnd, exp, size, loader, total, ok="1", load="100", mark="900", lx="500", stub="-"):
    return {"round": str(rnd), "experiment": exp, "size_mib": str(size), "loader": loader,
            "ok": ok, "rc": "0", "total_ms": str(total), "load_ms": load, "bds_ms": "-",
            "mark_ms": mark, "linux_ms": lx, "stub_ms": stub}


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

    def test_phases_are_medians_of_the_log_boots_loaded_lines(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            for rnd, reads in ((1, 100), (2, 300), (3, 200)):
                with open(os.path.join(d, "r%d-kernel-64-runway-log.log" % rnd), "w") as f:
                    f.write("5.0\tRunway 0.4\n")
                    f.write("9.5\trunway: loaded path=/boot/kernel.elf map_us=%d reads_us=%d "
                            "us=%d protocol=runway\n" % (rnd, reads, reads + 10))
            # Another loader's log, and another size's, are not read.
            with open(os.path.join(d, "r1-kernel-64-runway.log"), "w") as f:
                f.write("1.0\trunway: loaded reads_us=999999\n")
            phases = peerstats.load_phases(d, [64, 16])
        self.assertEqual(sorted(phases[64]["reads_us"]), [100, 200, 300])
        self.assertEqual(sorted(phases[64]["map_us"]), [1, 2, 3])
        self.assertNotIn(16, phases)
        table = peerstats.phase_table(phases)
        self.assertEqual(table[2].split(" | ")[4], "200")  # reads: the median
        self.assertIn("| 64 MiB | 2 | n/a |", table[2])

    def test_linux_times_from_the_hand_off(self):
        rows = [row(1, "linux", 0, "runway", 1000, load="100", mark="900", lx="500", stub="400"),
                row(1, "linux", 0, "sd-boot", 1000, load="100", mark="900", lx="500", stub="500"),
                row(1, "linux", 0, "grub", 1000, load="100", mark="1700", lx="900")]
        table = peerstats.linux_table(rows)
        self.assertIn("| Runway | 0.90 [0.90-0.90] | 0.80 [0.80-0.80] | 0.40 [0.40-0.40] "
                      "| 0.30 [0.30-0.30] |", table[2])
        self.assertTrue(table[3].endswith("| 1.00x | 1.00x | 1.33x |"))
        # GRUB's linux command prints no EFI stub line.
        self.assertTrue(table[4].endswith("| 2.00x | 2.00x | n/a |"))


if __name__ == "__main__":
    unittest.main()
