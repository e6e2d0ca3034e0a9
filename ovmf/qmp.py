#!/usr/bin/env python3
"""qmp.py - ovmf/run.sh's QMP client: screendumps and typing at the guest.

    qmp.py --check=SPEC
        Parse the --keys SPEC only: exit 0 when it is valid, else print why
        on stderr and exit 1.

    qmp.py --socket=PATH [--screendump=PNG] [--keys=SPEC --serial=LOG
           --state=FILE]
        Connect to QEMU's QMP socket PATH (waiting up to 30 s for QEMU to
        open it) and, each in its own thread until QEMU goes away:
        --screendump: take a screendump every 0.25 s; the newest complete
            one is renamed to PNG.
        --keys: do the steps of SPEC in order; wait: steps read the serial
            log LOG, which QEMU writes as it goes.  The step being done is
            kept in FILE ("done" at the end), so that run.sh can name it
            when QEMU exits or times out first.

The SPEC language (ovmf/README.md) is parsed by parse_keys(), a pure
function; the steps are done by run_steps(), which takes the QMP call and
the serial log as arguments.  ovmf/test_qmp.py tests both.  Standard
library only.
"""

import argparse
import json
import os
import re
import socket
import sys
import threading
import time
from typing import Callable, List, NamedTuple, Optional, Tuple, Union

HOLD_MS = 50          # each key is held this long ...
KEY_GAP_S = 0.1       # ... and released this long before the next one
SCREENDUMP_PERIOD_S = 0.25
POLL_S = 0.05         # how often a wait: step reads the serial log again
CONNECT_TIMEOUT_S = 30

# The printable ASCII characters besides letters and digits, as QEMU
# qcodes (QMP send-key names), for a US keyboard layout, which is the one
# OVMF's keyboard drivers read scan codes with.  A shifted character is
# its key with shift held: '_' is shift-minus.  (QEMU has no qcode named
# after '_' itself; text: once used '_' only for a space, so an underscore
# could not be typed at all.)
UNSHIFTED_QCODES = {
    " ": "spc", "-": "minus", "=": "equal", "[": "bracket_left",
    "]": "bracket_right", "\\": "backslash", ";": "semicolon",
    "'": "apostrophe", "`": "grave_accent", ",": "comma", ".": "dot",
    "/": "slash",
}
SHIFTED_QCODES = {
    "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7",
    "*": "8", "(": "9", ")": "0", "_": "minus", "+": "equal",
    "{": "bracket_left", "}": "bracket_right", "|": "backslash",
    ":": "semicolon", '"': "apostrophe", "~": "grave_accent", "<": "comma",
    ">": "dot", "?": "slash",
}

# One key step: qcodes joined by '-', pressed together (shift-a).
KEY_RE = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*")
SECONDS_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
# CSI sequences (ESC [ ...) and two-byte escapes, which the loader's
# console output mixes into the text a wait: step looks for.
ANSI_RE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")

Combo = Tuple[str, ...]  # qcodes pressed together


class Step(NamedTuple):
    """One step of a --keys SPEC.

    word: the step as written (named in notes); kind: "wait", "sleep" or
    "keys"; arg: the text to wait for (str), the seconds to sleep (float),
    or the key presses in order (a tuple of Combo).
    """
    word: str
    kind: str
    arg: Union[str, float, Tuple[Combo, ...]]


class SpecError(ValueError):
    """A --keys SPEC that cannot be done; the message says why."""


def text_combo(char: str) -> Combo:
    """The keys that type CHAR (one printable ASCII character), or
    SpecError."""
    if char in UNSHIFTED_QCODES:
        return (UNSHIFTED_QCODES[char],)
    if char in SHIFTED_QCODES:
        return ("shift", SHIFTED_QCODES[char])
    if "a" <= char <= "z" or "0" <= char <= "9":
        return (char,)
    if "A" <= char <= "Z":
        return ("shift", char.lower())
    raise SpecError("text: cannot type %r" % char)


def unescape(word: str, arg: str) -> str:
    """The text a wait: or text: argument stands for.  Steps are separated
    by white space, so '_' stands for a space; a backslash takes the next
    character as it is ('\\_' an underscore, '\\\\' a backslash).  SpecError
    for a backslash at the end."""
    out = []
    chars = iter(arg)
    for c in chars:
        if c == "\\":
            c = next(chars, None)
            if c is None:
                raise SpecError("a backslash ends %r (write '\\\\' for one)" % word)
            out.append(c)
        else:
            out.append(" " if c == "_" else c)
    return "".join(out)


def parse_step(word: str) -> Step:
    """One word of a SPEC as a Step, or SpecError."""
    kind, colon, arg = word.partition(":")
    if colon and kind == "wait":
        if not arg:
            raise SpecError("empty wait: text in %r" % word)
        return Step(word, "wait", unescape(word, arg))
    if colon and kind == "sleep":
        if not SECONDS_RE.fullmatch(arg):
            raise SpecError("bad sleep time in %r (seconds, e.g. 1 or 0.5)" % word)
        return Step(word, "sleep", float(arg))
    if colon and kind == "text":
        if not arg:
            raise SpecError("empty text: string in %r" % word)
        return Step(word, "keys", tuple(text_combo(c) for c in unescape(word, arg)))
    if KEY_RE.fullmatch(word):
        return Step(word, "keys", (tuple(word.split("-")),))
    raise SpecError("bad step %r (see ovmf/run.sh --help)" % word)


def parse_keys(spec: str) -> List[Step]:
    """The steps of SPEC (words separated by white space), or SpecError.

    A SPEC without any step is refused too: --keys '' is a mistake.
    """
    steps = [parse_step(word) for word in spec.split()]
    if not steps:
        raise SpecError("no steps in the key spec")
    return steps


class Qmp:
    """A QMP connection: one command at a time, from any thread."""

    def __init__(self, path: str, timeout_s: float):
        """Connect to the socket PATH, retrying until TIMEOUT_S has passed
        (QEMU creates it a moment after it starts); OSError then."""
        deadline = time.monotonic() + timeout_s
        while True:
            sock = socket.socket(socket.AF_UNIX)
            try:
                sock.connect(path)
                break
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(POLL_S)
        self._file = sock.makefile("rw", encoding="utf-8")
        sock.close()  # the file object keeps its own reference
        self._lock = threading.Lock()
        self._file.readline()  # the greeting
        self.call("qmp_capabilities")

    def call(self, command: str, arguments: Optional[dict] = None) -> dict:
        """Send COMMAND and return QEMU's reply, which holds "return" or
        "error"; events that come first are skipped.  EOFError when QEMU
        has gone."""
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        with self._lock:
            self._file.write(json.dumps(message) + "\n")
            self._file.flush()
            while True:
                line = self._file.readline()
                if not line:
                    raise EOFError("QMP connection closed")
                reply = json.loads(line)
                if "return" in reply or "error" in reply:
                    return reply


class SerialLog:
    """What the guest has printed so far, read from the log QEMU writes."""

    def __init__(self, path: str):
        self._path = path
        self._offset = 0
        self._text = ""

    def contains(self, text: str) -> bool:
        """Whether the output so far holds TEXT, as printed or with the
        ANSI escape sequences taken out."""
        with open(self._path, "rb") as log:
            log.seek(self._offset)
            data = log.read()
        self._offset += len(data)
        self._text += data.decode("latin-1")
        return text in self._text or text in ANSI_RE.sub("", self._text)


class StateFile:
    """The step being done, in a file run.sh reads after QEMU has exited."""

    def __init__(self, path: str):
        self._path = path

    def set(self, text: str) -> None:
        part = self._path + ".part"
        with open(part, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.replace(part, self._path)


def note(message: str) -> None:
    sys.stderr.write("qmp.py: %s\n" % message)
    sys.stderr.flush()


def send_combo(call: Callable[[str, dict], dict], combo: Combo) -> dict:
    keys = [{"type": "qcode", "data": qcode} for qcode in combo]
    return call("send-key", {"keys": keys, "hold-time": HOLD_MS})


def run_steps(steps: List[Step], call: Callable[[str, dict], dict],
              serial_contains: Callable[[str], bool],
              set_state: Callable[[str], None],
              sleep: Callable[[float], None] = time.sleep) -> bool:
    """Do STEPS in order: wait until serial_contains(text), sleep, or press
    keys through CALL (QMP send-key).  SET_STATE is told each step before
    it starts, and "done" at the end.  Returns False when QEMU refused a
    key (noted on stderr; the remaining steps are skipped), else True.
    After the very last key there is no pause: the guest may exit at once.
    """
    for i, step in enumerate(steps):
        where = "step %d of %d, '%s'" % (i + 1, len(steps), step.word)
        if step.kind == "wait":
            set_state("%s: the serial output never contained %r" % (where, step.arg))
            while not serial_contains(step.arg):
                sleep(POLL_S)
        elif step.kind == "sleep":
            set_state(where + " (sleeping)")
            sleep(step.arg)
        else:
            set_state(where + " (sending keys)")
            for j, combo in enumerate(step.arg):
                reply = send_combo(call, combo)
                if "error" in reply:
                    why = reply["error"].get("desc", reply["error"])
                    note("--keys %s: QEMU refused key '%s': %s" % (where, "-".join(combo), why))
                    set_state(where + ": QEMU refused the key, the remaining steps were skipped")
                    return False
                if i < len(steps) - 1 or j < len(step.arg) - 1:
                    sleep(HOLD_MS / 1000 + KEY_GAP_S)
    set_state("done")
    return True


def take_screendumps(qmp: Qmp, png: str) -> None:
    """A screendump every SCREENDUMP_PERIOD_S until QEMU goes away; only
    complete ones are renamed to PNG."""
    part = png + ".part"
    while True:
        if "return" in qmp.call("screendump", {"filename": part, "format": "png"}):
            os.replace(part, png)
        time.sleep(SCREENDUMP_PERIOD_S)


def until_qemu_exits(work: Callable[[], object]) -> Callable[[], None]:
    """WORK, ending quietly when the connection to QEMU ends under it."""
    def run() -> None:
        try:
            work()
        except (EOFError, OSError, ValueError):
            pass
    return run


def check(spec: str) -> int:
    try:
        parse_keys(spec)
    except SpecError as e:
        sys.stderr.write("%s\n" % e)
        return 1
    return 0


def serve(args: argparse.Namespace) -> int:
    steps = parse_keys(args.keys) if args.keys else []
    state = StateFile(args.state) if steps else None
    if state:
        state.set("step 1 of %d, '%s' (QMP not connected yet)" % (len(steps), steps[0].word))
    try:
        qmp = Qmp(args.socket, CONNECT_TIMEOUT_S)
    except (EOFError, OSError, ValueError):
        return 0  # QEMU never came up or is gone: run.sh reports that
    work = []
    if steps:
        serial = SerialLog(args.serial)
        work.append(lambda: run_steps(steps, qmp.call, serial.contains, state.set))
    if args.screendump:
        work.append(lambda: take_screendumps(qmp, args.screendump))
    threads = [threading.Thread(target=until_qemu_exits(w), daemon=True) for w in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="qmp.py", description=__doc__.split("\n")[0])
    parser.add_argument("--check", metavar="SPEC", help="only check a --keys SPEC")
    parser.add_argument("--socket", metavar="PATH", help="QEMU's QMP socket")
    parser.add_argument("--screendump", metavar="PNG", default="",
                        help="keep the newest screendump in PNG")
    parser.add_argument("--keys", metavar="SPEC", default="", help="steps to do")
    parser.add_argument("--serial", metavar="LOG", help="serial log (with --keys)")
    parser.add_argument("--state", metavar="FILE", help="the current step (with --keys)")
    args = parser.parse_args(argv)
    if args.check is not None:
        return check(args.check)
    if not args.socket:
        parser.error("--socket is required (or --check)")
    if args.keys and not (args.serial and args.state):
        parser.error("--keys needs --serial and --state")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
