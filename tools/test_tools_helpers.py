"""Unit tests of the Python helpers in tools/ (run by make lint)."""
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import initramfs  # noqa: E402
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

    def test_a_stop_mark_ends_the_command(self):
        log = io.StringIO()
        t = serialtime.Timer(serialtime.parse_marks(["one=^one$"])
                             + serialtime.parse_marks(["gone=^two$"], stop=True), log)
        out = serialtime.run(["sh", "-c", "echo one; echo two; exec sleep 30"], t)
        self.assertRegex(out, r"^rc=-15 total_ms=[0-9.]+ one_ms=[0-9.]+ gone_ms=[0-9.]+$")
        self.assertLess(float(out.split()[1].split("=")[1]), 20000)


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
        self.assertNotIn(b"proc", a)
        self.assertEqual(len(a) % 512, 0)

    def test_marker_with_a_quote_is_refused(self):
        with self.assertRaises(ValueError):
            initramfs.init_script("it's")

    def test_checks_and_cmdline_join_the_marker_line(self):
        s = initramfs.init_script("m:", [("second", "etc/x")], cmdline=True).decode()
        lines = s.splitlines()
        self.assertEqual(lines[1], "/bin/busybox mount -t proc proc /proc")
        self.assertIn("test -e '/etc/x'; then line=\"$line second=present\"", s)
        self.assertIn('line="$line cmdline=$(/bin/busybox cat /proc/cmdline)"', s)
        self.assertEqual(lines[-2:], ['/bin/busybox echo "$line"', "/bin/busybox poweroff -f"])
        a = initramfs.archive(b"", "m:", cmdline=True)
        self.assertIn(b"proc\0", a)

    def test_bad_checks_are_refused(self):
        for spec in ["noequals", "=x", "a b=x", "name="]:
            with self.assertRaises(ValueError):
                initramfs.parse_check(spec)
        self.assertEqual(initramfs.parse_check("s=/f"), ("s", "f"))


if __name__ == "__main__":
    unittest.main()
