#!/usr/bin/env python3
"""sendkeys.py SOCKET SERIAL_LOG STEP... - type at a guest's keyboard.

Connects to QEMU's QMP socket (retrying until QEMU has made it) and runs
the steps in order:
    wait:TEXT     wait until SERIAL_LOG contains TEXT ('_' stands for a space)
    sleep:SECS    sleep
    text:STRING   type STRING ('_' is a space; letters, digits, = - . / ,)
    KEY           press one key, by QEMU qcode (ret, esc, up, down, e,
                  backspace, ctrl-u for Ctrl+U ...)
Gives up after 300 s in all.  Exits 0 when every step ran, 1 otherwise,
and says on stderr which step it was stuck at.
"""
import json
import socket
import sys
import time

DEADLINE = time.time() + 300

CHARS = {" ": "spc", "_": "spc", "=": "equal", "-": "minus", ".": "dot",
         "/": "slash", ",": "comma"}


def qcodes(step):
    return [{"type": "qcode", "data": k} for k in step.split("-")]


def main():
    sock_path, serial, steps = sys.argv[1], sys.argv[2], sys.argv[3:]
    s = None
    while s is None:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock_path)
        except OSError:
            s = None
            if time.time() > DEADLINE:
                sys.stderr.write("sendkeys: no QMP socket at %s\n" % sock_path)
                return 1
            time.sleep(0.1)
    f = s.makefile("rw")
    f.readline()  # greeting

    def call(cmd, args=None):
        f.write(json.dumps({"execute": cmd, "arguments": args or {}}) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                return r

    def key(keys):
        call("send-key", {"keys": keys, "hold-time": 50})
        time.sleep(0.1)

    call("qmp_capabilities")
    for step in steps:
        if step.startswith("wait:"):
            want = step[5:].replace("_", " ").encode()
            while True:
                try:
                    with open(serial, "rb") as log:
                        if want in log.read():
                            break
                except OSError:
                    pass
                if time.time() > DEADLINE:
                    sys.stderr.write("sendkeys: stuck at %s\n" % step)
                    return 1
                time.sleep(0.2)
        elif step.startswith("sleep:"):
            time.sleep(float(step[6:]))
        elif step.startswith("text:"):
            for c in step[5:]:
                if c in CHARS:
                    key(qcodes(CHARS[c]))
                elif c.isupper():
                    key(qcodes("shift-" + c.lower()))
                else:
                    key(qcodes(c))
        else:
            key(qcodes(step))
    return 0


if __name__ == "__main__":
    sys.exit(main())
