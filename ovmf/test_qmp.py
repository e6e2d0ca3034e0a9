"""test_qmp.py - unit tests of ovmf/qmp.py: the --keys SPEC parser, the
step runner against a fake QMP connection and serial log, and --check.

    python3 -m unittest ovmf/test_qmp.py      (from the repository root)
"""

import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qmp  # noqa: E402  (found through the path set just above)
from qmp import SpecError, Step, parse_keys  # noqa: E402


class ParseValidSpecs(unittest.TestCase):
    def test_steps_come_back_in_order_with_their_words(self):
        steps = parse_keys("wait:Up/Down down ret")
        self.assertEqual([s.word for s in steps], ["wait:Up/Down", "down", "ret"])
        self.assertEqual([s.kind for s in steps], ["wait", "keys", "keys"])

    def test_any_white_space_separates_steps(self):
        self.assertEqual(parse_keys("  up\tdown\n ret "), parse_keys("up down ret"))

    def test_the_menu_tests_spec_parses(self):
        spec = "wait:Up/Down 3 ret wait:Last_error: up e wait:Command_line_for backspace text:2 ret"
        self.assertEqual(len(parse_keys(spec)), 10)


class ParseWait(unittest.TestCase):
    def test_wait_keeps_its_text(self):
        self.assertEqual(parse_keys("wait:Up/Down"), [Step("wait:Up/Down", "wait", "Up/Down")])

    def test_underscore_in_wait_stands_for_a_space(self):
        self.assertEqual(parse_keys("wait:Last_error:")[0].arg, "Last error:")

    def test_wait_text_may_hold_a_colon(self):
        self.assertEqual(parse_keys("wait:a:b")[0].arg, "a:b")


class ParseSleep(unittest.TestCase):
    def test_whole_seconds(self):
        self.assertEqual(parse_keys("sleep:2"), [Step("sleep:2", "sleep", 2.0)])

    def test_fractions_of_a_second(self):
        self.assertEqual(parse_keys("sleep:0.5")[0].arg, 0.5)
        self.assertEqual(parse_keys("sleep:.25")[0].arg, 0.25)
        self.assertEqual(parse_keys("sleep:1.")[0].arg, 1.0)

    def test_zero_is_allowed(self):
        self.assertEqual(parse_keys("sleep:0")[0].arg, 0.0)


class ParseText(unittest.TestCase):
    def arg(self, word):
        (step,) = parse_keys(word)
        self.assertEqual(step.kind, "keys")
        return step.arg

    def test_lower_case_letters_and_digits_are_their_own_keys(self):
        self.assertEqual(self.arg("text:a9"), (("a",), ("9",)))

    def test_upper_case_letters_hold_shift(self):
        self.assertEqual(self.arg("text:Ab"), (("shift", "a"), ("b",)))

    def test_punctuation_becomes_qcodes(self):
        self.assertEqual(self.arg("text:=-./,"),
                         (("equal",), ("minus",), ("dot",), ("slash",), ("comma",)))

    def test_underscore_types_a_space(self):
        self.assertEqual(self.arg("text:_debug=1"),
                         (("spc",), ("d",), ("e",), ("b",), ("u",), ("g",), ("equal",), ("1",)))

    def test_an_escaped_underscore_types_an_underscore(self):
        self.assertEqual(self.arg("text:a\\_b"), (("a",), ("shift", "minus"), ("b",)))

    def test_an_escaped_backslash_types_a_backslash(self):
        self.assertEqual(self.arg("text:\\\\"), (("backslash",),))


# A US keyboard by key position, written independently of qmp.py's tables:
# each key's qcode with what it types alone and with shift.
US_KEYS = [
    ("grave_accent", "`", "~"), ("1", "1", "!"), ("2", "2", "@"), ("3", "3", "#"),
    ("4", "4", "$"), ("5", "5", "%"), ("6", "6", "^"), ("7", "7", "&"),
    ("8", "8", "*"), ("9", "9", "("), ("0", "0", ")"), ("minus", "-", "_"),
    ("equal", "=", "+"), ("bracket_left", "[", "{"), ("bracket_right", "]", "}"),
    ("backslash", "\\", "|"), ("semicolon", ";", ":"), ("apostrophe", "'", '"'),
    ("comma", ",", "<"), ("dot", ".", ">"), ("slash", "/", "?"), ("spc", " ", None),
] + [(c, c, c.upper()) for c in "abcdefghijklmnopqrstuvwxyz"]


def typed(combos):
    """What a US keyboard types for COMBOS (AssertionError for a combo it
    cannot type)."""
    table = {}
    for qcode, alone, shifted in US_KEYS:
        table[(qcode,)] = alone
        if shifted:
            table[("shift", qcode)] = shifted
    return "".join(table[c] for c in combos)


class EveryPrintableCharacter(unittest.TestCase):
    PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7f))

    @staticmethod
    def escape(text):
        return "".join({"_": "\\_", "\\": "\\\\", " ": "_"}.get(c, c) for c in text)

    def test_all_95_can_be_typed_and_type_themselves(self):
        self.assertEqual(len(self.PRINTABLE), 95)
        (step,) = parse_keys("text:" + self.escape(self.PRINTABLE))
        self.assertEqual(len(step.arg), 95)
        self.assertEqual(typed(step.arg), self.PRINTABLE)

    def test_each_alone(self):
        for c in self.PRINTABLE:
            with self.subTest(char=c):
                (step,) = parse_keys("text:" + self.escape(c))
                self.assertEqual(typed(step.arg), c)

    def test_wait_text_unescapes_the_same_way(self):
        (step,) = parse_keys("wait:" + self.escape(self.PRINTABLE))
        self.assertEqual(step.arg, self.PRINTABLE)


class ParseKey(unittest.TestCase):
    def test_a_qcode_is_one_key_press(self):
        self.assertEqual(parse_keys("ret"), [Step("ret", "keys", (("ret",),))])

    def test_a_dash_joins_keys_pressed_together(self):
        self.assertEqual(parse_keys("shift-a")[0].arg, (("shift", "a"),))
        self.assertEqual(parse_keys("ctrl-alt-delete")[0].arg, (("ctrl", "alt", "delete"),))

    def test_qcodes_may_hold_underscores_and_digits(self):
        self.assertEqual(parse_keys("kp_1")[0].arg, (("kp_1",),))

    def test_a_digit_alone_is_a_key(self):
        self.assertEqual(parse_keys("3")[0].arg, (("3",),))


class ParseRefuses(unittest.TestCase):
    BAD = {
        "an empty spec": "",
        "only white space": " \t\n",
        "wait: without text": "wait:",
        "sleep: without seconds": "sleep:",
        "a negative sleep": "sleep:-1",
        "a sleep that is not a number": "sleep:abc",
        "an infinite sleep": "sleep:inf",
        "a sleep that is not a number (nan)": "sleep:nan",
        "a sleep in exponent form": "sleep:1e3",
        "a sleep with two dots": "sleep:1.2.3",
        "text: without a string": "text:",
        "text: with a character that has no key": "text:a\x7fb",
        "text: ending in a lone backslash": "text:ab\\",
        "wait: ending in a lone backslash": "wait:ab\\",
        "text: with a non-ASCII letter": "text:caf\u00e9",
        "an unknown kind of step": "type:abc",
        "an upper-case qcode": "Ret",
        "a key combination ending in a dash": "shift-",
        "a key combination starting with a dash": "-a",
        "a double dash": "shift--a",
        "a character outside qcodes": "ret!",
    }

    def test_malformed_specs_are_refused(self):
        for what, spec in self.BAD.items():
            with self.subTest(what, spec=spec):
                with self.assertRaises(SpecError):
                    parse_keys(spec)

    def test_one_bad_step_refuses_the_whole_spec(self):
        with self.assertRaises(SpecError):
            parse_keys("wait:menu down sleep:x ret")

    def test_the_refusal_names_the_bad_word(self):
        with self.assertRaisesRegex(SpecError, "sleep:x"):
            parse_keys("down sleep:x")


class FakeQemu:
    """Records send-key calls; refuses the qcodes in REFUSE."""

    def __init__(self, refuse=()):
        self.sent = []
        self.refuse = set(refuse)

    def call(self, command, arguments=None):
        assert command == "send-key", command
        combo = tuple(k["data"] for k in arguments["keys"])
        self.sent.append(combo)
        if self.refuse & set(combo):
            return {"error": {"class": "GenericError", "desc": "bad key"}}
        return {"return": {}}


class RunSteps(unittest.TestCase):
    def run_spec(self, spec, qemu=None, serial=lambda text: True):
        self.qemu = qemu or FakeQemu()
        self.states = []
        self.sleeps = []
        with contextlib.redirect_stderr(io.StringIO()) as err:
            ok = qmp.run_steps(parse_keys(spec), self.qemu.call, serial,
                               self.states.append, self.sleeps.append)
        self.stderr = err.getvalue()
        return ok

    def test_keys_are_sent_in_order_and_the_state_ends_done(self):
        self.assertTrue(self.run_spec("down text:Ab ret"))
        self.assertEqual(self.qemu.sent, [("down",), ("shift", "a"), ("b",), ("ret",)])
        self.assertEqual(self.states[-1], "done")

    def test_keys_are_held_and_spaced_but_not_after_the_last_one(self):
        self.run_spec("up down")
        gap = qmp.HOLD_MS / 1000 + qmp.KEY_GAP_S
        self.assertEqual(self.sleeps, [gap])

    def test_sleep_sleeps_its_seconds(self):
        self.run_spec("sleep:1.5")
        self.assertEqual(self.sleeps, [1.5])

    def test_wait_polls_the_serial_log_until_the_text_shows(self):
        answers = iter([False, False, True])
        asked = []

        def serial(text):
            asked.append(text)
            return next(answers)

        self.run_spec("wait:Up/Down ret", serial=serial)
        self.assertEqual(asked, ["Up/Down"] * 3)
        self.assertEqual(self.sleeps, [qmp.POLL_S] * 2)
        self.assertEqual(self.qemu.sent, [("ret",)])

    def test_the_state_names_the_step_being_done(self):
        self.run_spec("wait:menu sleep:0 ret")
        self.assertEqual(self.states, [
            "step 1 of 3, 'wait:menu': the serial output never contained 'menu'",
            "step 2 of 3, 'sleep:0' (sleeping)",
            "step 3 of 3, 'ret' (sending keys)",
            "done",
        ])

    def test_a_refused_key_skips_the_rest_and_is_reported(self):
        self.assertFalse(self.run_spec("down nosuchkey ret", qemu=FakeQemu(refuse=["nosuchkey"])))
        self.assertEqual(self.qemu.sent, [("down",), ("nosuchkey",)])
        self.assertIn("QEMU refused", self.states[-1])
        self.assertIn("--keys step 2 of 3, 'nosuchkey': QEMU refused key 'nosuchkey': bad key",
                      self.stderr)


class SerialLogMatching(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.path = os.path.join(tmp.name, "serial.log")
        open(self.path, "wb").close()

    def append(self, data):
        with open(self.path, "ab") as f:
            f.write(data)

    def test_text_printed_later_is_found(self):
        log = qmp.SerialLog(self.path)
        self.assertFalse(log.contains("Up/Down"))
        self.append(b"Up/")
        self.assertFalse(log.contains("Up/Down"))
        self.append(b"Down to choose")
        self.assertTrue(log.contains("Up/Down"))

    def test_escape_sequences_in_the_middle_are_ignored(self):
        log = qmp.SerialLog(self.path)
        self.append(b"Last \x1b[1;33merror\x1b[0m: x")
        self.assertTrue(log.contains("Last error: x"))


class Check(unittest.TestCase):
    def check(self, spec):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            status = qmp.main(["--check=" + spec])
        return status, err.getvalue()

    def test_a_valid_spec_passes_silently(self):
        self.assertEqual(self.check("wait:Up/Down down ret"), (0, ""))

    def test_a_bad_spec_fails_with_the_reason(self):
        status, err = self.check("sleep:soon")
        self.assertEqual(status, 1)
        self.assertIn("sleep:soon", err)

    def test_a_spec_starting_with_a_dash_is_a_spec_not_an_option(self):
        status, err = self.check("-a")
        self.assertEqual(status, 1)
        self.assertIn("bad step '-a'", err)


if __name__ == "__main__":
    unittest.main()
