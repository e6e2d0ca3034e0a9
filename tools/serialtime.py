#!/usr/bin/env python3
"""serialtime.py: run a command and time the lines of its standard output.

    serialtime.py --log FILE [--mark NAME=REGEX]... [--stop NAME=REGEX]...
                  -- COMMAND [ARG]...

make bench-peers and the Linux tests (tests/qemu/test_linux.sh) run
ovmf/run.sh through it: QEMU's serial console is
run.sh's standard output, so each line is stamped with the milliseconds
since COMMAND was started, as the host sees it arrive.  FILE gets every
line as "MS<TAB>TEXT" (carriage returns and terminal escapes removed).
One line goes to standard output at the end:

    rc=STATUS total_ms=MS NAME_ms=MS|- ...

total_ms is when COMMAND exited; each NAME_ms when a line first matched
REGEX (Python re.search), or "-" when none did.  A --stop is a mark that
also ends the run: the first line it matches sends COMMAND SIGTERM (the
lines that follow are still read; ovmf/run.sh stops QEMU and exits 143),
for a boot that has gone where waiting longer tells nothing.  The exit
status is 0
when COMMAND was run (whatever its status), 2 on a usage error.
"""
import re
import subprocess
import sys
import time

ESCAPES = re.compile(r"\x1b(\[[0-9;=?]*[A-Za-z]|[()][0-9A-Za-z]|[=>c])")


def clean(raw: bytes) -> str:
    """A serial line as text: undecodable bytes replaced, escapes gone."""
    text = raw.decode("utf-8", "replace").replace("\r", "")
    return ESCAPES.sub("", text)


def parse_marks(specs, stop=False):
    """[(NAME, compiled REGEX, stop)] from NAME=REGEX strings; ValueError if
    one is not."""
    marks = []
    for spec in specs:
        name, sep, regex = spec.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError("--%s wants NAME=REGEX, got %r" % ("stop" if stop else "mark", spec))
        marks.append((name, re.compile(regex), stop))
    return marks


class Timer:
    """Stamps lines and remembers the first time each mark matched."""

    def __init__(self, marks, log):
        self.marks = marks
        self.log = log
        self.seen = {}

    def line(self, ms: float, raw: bytes) -> bool:
        """Log and match one line; True when a --stop mark first matched."""
        text = clean(raw)
        self.log.write("%.1f\t%s\n" % (ms, text))
        stop = False
        for name, regex, stops in self.marks:
            if name not in self.seen and regex.search(text):
                self.seen[name] = ms
                stop = stop or stops
        return stop

    def summary(self, rc: int, total_ms: float) -> str:
        parts = ["rc=%d" % rc, "total_ms=%.1f" % total_ms]
        for name, _, _ in self.marks:
            ms = self.seen.get(name)
            parts.append("%s_ms=%s" % (name, "-" if ms is None else "%.1f" % ms))
        return " ".join(parts)


def run(cmd, timer: Timer) -> str:
    start = time.monotonic()
    buf = b""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL) as proc:
        while True:
            chunk = proc.stdout.read1(65536)
            now = (time.monotonic() - start) * 1000
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                if timer.line(now, raw) and proc.returncode is None:
                    proc.terminate()
        rc = proc.wait()
    total = (time.monotonic() - start) * 1000
    if buf:
        timer.line(total, buf)
    return timer.summary(rc, total)


def main(argv):
    usage = ("usage: serialtime.py --log FILE [--mark NAME=REGEX]... "
             "[--stop NAME=REGEX]... -- COMMAND [ARG]...")
    log, specs, stops, i = None, [], [], 1
    while i < len(argv) and argv[i] != "--":
        if argv[i] in ("--log", "--mark", "--stop") and i + 1 < len(argv):
            if argv[i] == "--log":
                log = argv[i + 1]
            elif argv[i] == "--mark":
                specs.append(argv[i + 1])
            else:
                stops.append(argv[i + 1])
            i += 2
        else:
            print(usage, file=sys.stderr)
            return 2
    cmd = argv[i + 1:]
    if log is None or not cmd:
        print(usage, file=sys.stderr)
        return 2
    try:
        marks = parse_marks(specs) + parse_marks(stops, stop=True)
    except (ValueError, re.error) as e:
        print("serialtime.py: %s" % e, file=sys.stderr)
        return 2
    with open(log, "w") as f:
        print(run(cmd, Timer(marks, f)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
