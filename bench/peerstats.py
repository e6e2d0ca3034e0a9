#!/usr/bin/env python3
"""peerstats.py TSV META PLOTDAT [LOGDIR]: the tables of make bench-peers.

TSV is bench/peers.sh's results.tsv (one line per boot: round,
experiment, size_mib, loader, ok, rc, total_ms, load_ms, bds_ms, mark_ms,
linux_ms, stub_ms: the first line of Linux's EFI stub, when it prints
one); META its meta.tsv (KEY<TAB>VALUE lines: machine, versions,
command, file sizes).  Writes RESULTS.md's text to standard output and,
to PLOTDAT, one line per kernel size with each loader's median time above
the firmware in seconds (gnuplot's input, bench/peers.gp).

Kernel loads: a loader's time above firmware in a round is its time minus
the firmware's own (loader "off") in the same round and size, two boots
seconds apart.  Two clocks: from QEMU's start to its exit (what the whole
boot costs, but the firmware's own start-up, seconds under TCG on a shared
machine, varies by more than the loaders differ), and from the firmware's
hand-off (the serial line "BdsDxe: loading", before it reads BOOTX64.EFI)
to the exit, which leaves that noise out.  Medians and min-max are over
rounds; a ratio is the ratio of medians.
Boots that did not reach their mark (ok = 0) are left out and counted.
With LOGDIR (the boots' serial logs), the phases of each load are taken
from the `runway: loaded` lines of the runway-log boots.
"""
import csv
import glob
import os
import statistics
import sys

KLOADERS = ["floor", "runway", "runway-mb2", "runway-log", "grub"]
LLOADERS = ["runway", "sd-boot", "grub"]
NAMES = {
    "off": "firmware alone",
    "floor": "floor",
    "runway": "Runway",
    "runway-mb2": "Runway (multiboot2)",
    "runway-log": "Runway (log lines)",
    "grub": "GRUB 2",
    "sd-boot": "systemd-boot",
}


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(v):
    return None if v in ("-", "", None) else float(v)


def above_firmware(rows, clock="handoff"):
    """{(size, loader): [ms above 'off' of the same round and size]}, timed
    from QEMU's start (clock "start") or from the hand-off ("handoff")."""
    total = {}
    for r in rows:
        if r["experiment"] == "kernel" and r["ok"] == "1":
            ms = float(r["total_ms"])
            if clock == "handoff":
                if num(r["load_ms"]) is None:
                    continue
                ms -= float(r["load_ms"])
            total[(r["round"], int(r["size_mib"]), r["loader"])] = ms
    out = {}
    for (rnd, size, loader), ms in total.items():
        off = total.get((rnd, size, "off"))
        if loader != "off" and off is not None:
            out.setdefault((size, loader), []).append(ms - off)
    return out


def stat(values, unit="s"):
    """'median [min-max]' in seconds (unit "s") or milliseconds ("ms"), or
    'n/a'."""
    if not values:
        return "n/a"
    if unit == "ms":
        return "%.0f [%.0f-%.0f]" % (statistics.median(values), min(values), max(values))
    return "%.2f [%.2f-%.2f]" % (statistics.median(values) / 1000,
                                  min(values) / 1000, max(values) / 1000)


def ratio(a, b):
    if not a or not b or statistics.median(b) <= 0:
        return "n/a"
    return "%.2fx" % (statistics.median(a) / statistics.median(b))


def kernel_table(rows, clock="handoff"):
    above = above_firmware(rows, clock)
    sizes = sorted({s for s, _ in above})
    offs = {}
    for r in rows:
        if r["experiment"] == "kernel" and r["loader"] == "off" and r["ok"] == "1":
            ms = float(r["total_ms"])
            if clock == "handoff" and num(r["load_ms"]) is not None:
                ms -= float(r["load_ms"])
            offs.setdefault(int(r["size_mib"]), []).append(ms)
    first = "firmware alone (QEMU start to exit)" if clock == "start" else \
        "firmware alone (hand-off to exit)"
    # Ratios only on the hand-off clock: from QEMU's start the differences
    # are mostly the firmware's noise and their ratios mean nothing.
    ratios = clock == "handoff"
    head = ["kernel", first] + [NAMES[l] for l in KLOADERS]
    if ratios:
        head += ["GRUB / Runway", "floor / Runway", "Runway (mb2) / Runway",
                 "Runway (log) / Runway"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in sizes:
        cells = ["%d MiB" % s, stat(offs.get(s, []), "ms")]
        cells += [stat(above.get((s, l), []), "ms") for l in KLOADERS]
        rw = above.get((s, "runway"), [])
        if ratios:
            cells += [ratio(above.get((s, "grub")), rw), ratio(above.get((s, "floor")), rw),
                      ratio(above.get((s, "runway-mb2")), rw),
                      ratio(above.get((s, "runway-log")), rw)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines, above, sizes


def linux_table(rows):
    series = {}
    for r in rows:
        if r["experiment"] != "linux" or r["ok"] != "1":
            continue
        mark, bds, lx = num(r["mark_ms"]), num(r["load_ms"]), num(r["linux_ms"])
        stub = num(r.get("stub_ms"))
        d = series.setdefault(r["loader"], {"start": [], "handoff": [], "first": [],
                                            "stub": []})
        d["start"].append(mark)
        if bds is not None:
            d["handoff"].append(mark - bds)
            if lx is not None:
                d["first"].append(lx - bds)
            if stub is not None:
                d["stub"].append(stub - bds)
    if not series:
        return []
    head = ["loader", "QEMU start to marker", "hand-off to marker",
            "hand-off to Linux's first line", "hand-off to the EFI stub's first line",
            "ratio to Runway (hand-off to marker)", "ratio to Runway (hand-off to first line)",
            "ratio to Runway (hand-off to EFI stub)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rw = series.get("runway", {"handoff": [], "first": [], "stub": []})
    for l in LLOADERS:
        d = series.get(l)
        if d is None:
            continue
        lines.append("| " + " | ".join([NAMES[l], stat(d["start"]), stat(d["handoff"]),
                                        stat(d["first"]), stat(d["stub"]),
                                        ratio(d["handoff"], rw["handoff"]),
                                        ratio(d["first"], rw["first"]),
                                        ratio(d["stub"], rw["stub"])]) + " |")
    return lines


PHASES = ["map_us", "plan_us", "claims_us", "reads_us", "zeroing_us", "relocation_us",
          "page_tables_us", "us"]


def load_phases(logdir, sizes):
    """{size: {field: [values over rounds]}} from the `runway: loaded` lines
    of the runway-log boots' serial logs in logdir."""
    out = {}
    for s in sizes:
        for path in sorted(glob.glob(os.path.join(logdir, "r*-kernel-%d-runway-log.log" % s))):
            with open(path, errors="replace") as f:
                for line in f:
                    _, _, text = line.rstrip("\n").partition("\t")
                    if not text.startswith("runway: loaded "):
                        continue
                    kv = dict(w.split("=", 1) for w in text.split() if "=" in w)
                    for k in PHASES:
                        if k in kv:
                            out.setdefault(s, {}).setdefault(k, []).append(int(kv[k]))
    return out


def phase_table(phases):
    head = ["kernel"] + [k[:-3] if k != "us" else "load" for k in PHASES]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in sorted(phases):
        cells = ["%d MiB" % s] + ["%.0f" % statistics.median(phases[s][k])
                                  if phases[s].get(k) else "n/a" for k in PHASES]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def plot_data(above, sizes):
    out = ["# size_mib " + " ".join(KLOADERS) + "  (median seconds above firmware)"]
    for s in sizes:
        vals = []
        for l in KLOADERS:
            v = above.get((s, l))
            vals.append("%.3f" % (statistics.median(v) / 1000) if v else "NaN")
        out.append("%d %s" % (s, " ".join(vals)))
    return out


PREAMBLE = """# Runway against GRUB 2, systemd-boot and the firmware floor

Written by `make bench-peers` (bench/peers.sh, bench/peerstats.py); the
plot is bench/peers.png.  Every boot runs under the same OVMF and QEMU
(ovmf/run.sh: q35, one CPU, guest memory {mem}, the disk a virtio-blk GPT
image with one FAT32 EFI System Partition, QEMU with -no-reboot).  Every
image holds the same files in the same order: /boot/kernel.elf, Linux,
its initrd, runway.conf, systemd-boot's loader.conf and entry, and last
/EFI/BOOT/BOOTX64.EFI, the only file that changes with the loader.
Loaders are interleaved within each round, in an order that rotates from
round to round; each boot is timed on the host, and each serial line as
it arrives.

- **Kernels**: bench/kernel/, an ELF64 file with 1 to 256 MiB of
  file-backed payload and a Multiboot2 header.  Its i386 entry (the
  header's entry address tag) and its `e_entry` (the Runway protocol)
  both check one word of every page of the payload and leave through
  isa-debug-exit.
- **Runway** boots it with `protocol = runway` and `quiet = yes` (no log
  lines; systemd-boot and GRUB print nothing either): the protocol Runway's
  own kernels use and the path its load-time work is about; it does more
  than GRUB's `multiboot2` (its own page tables with a direct map of all
  memory), so the comparison does not flatter it.  **Runway
  (multiboot2)** boots the same file with `protocol = multiboot2`, the
  same work as GRUB's: segments at `p_paddr`, the i386 entry.  **Runway
  (log lines)** is Runway with its default log on the serial console, whose
  lines cost QEMU a host write per character.
- **GRUB 2**: Debian's grub-efi-amd64-bin, `grub-mkstandalone -O
  x86_64-efi` with an embedded grub.cfg (`multiboot2 /boot/kernel.elf`,
  `boot`; no menu) and only the modules it needs: its best case.
- **floor**: bench/efi/floor.c claims pages and reads the kernel file
  through the firmware's Simple File System in the largest pieces it
  takes (OVMF takes the whole file in one Read), then powers off.
- **firmware alone**: bench/efi/off.c powers off as soon as it starts.
- **Linux**: Debian's cloud kernel and an initramfs of Debian's
  busybox-static whose /init prints a marker and runs `poweroff -f`;
  Runway (`efi =`, `initrd =`), systemd-boot (Debian's systemd-boot-efi,
  `timeout 0` and a BLS entry), GRUB 2 (`linux`, `initrd`, `boot`).

Timings come from TCG on a shared two-core machine: slower than hardware
and noisy.  The ratios over interleaved rounds are the figures to read.
"""


def report(rows, meta, logdir=None):
    bad = [r for r in rows if r["ok"] != "1"]
    klines, above, sizes = kernel_table(rows, "handoff")
    slines, _, _ = kernel_table(rows, "start")
    out = PREAMBLE.format(mem=meta.get("mem", "?")).splitlines() + [
           "## Kernel loads: time above the firmware's own time",
           "",
           "Milliseconds from the firmware's hand-off (the serial line `BdsDxe: loading",
           "Boot0001`, before the firmware reads BOOTX64.EFI) to QEMU's exit, minus",
           "the same for the firmware alone (an EFI program that powers off at once)",
           "in the same round and size: median [min-max] over %s rounds. Ratios" % meta.get("rounds", "?"),
           "are of medians. The first column is the firmware alone's own time.",
           ""] + klines + [
           "",
           "The same from QEMU's start (the whole boot: the firmware's start-up,",
           "seconds under TCG on a shared machine, varies from boot to boot by more",
           "than the loaders differ, hence the hand-off clock above):",
           ""] + slines
    phases = load_phases(logdir, sizes) if logdir else {}
    if phases:
        out += ["", "## Where a load goes", "",
                "Microseconds per phase, median over rounds, from the `runway: loaded`",
                "lines of the Runway (log lines) boots; `load` is the whole timed load.", ""]
        out += phase_table(phases)
    llines = linux_table(rows)
    if llines:
        out += ["", "## Linux with an initrd, to a userspace marker", "",
                "Seconds: from QEMU's start, and from the firmware's hand-off to the",
                "loader (the serial line `BdsDxe: loading Boot0001`), to the marker",
                "printed by /init, to Linux's first line on the serial console",
                "(`Linux version`), and to the first line of Linux's EFI stub (`EFI stub:",
                "Loaded initrd ...`: the loader's work is done, the kernel's not begun;",
                "GRUB's `linux` command takes another path that prints none); median",
                "[min-max].", ""] + llines
    out += ["", "## Sizes of the programs the firmware reads", "",
            "| program | bytes |", "|---|---|"]
    for k in ("runway", "grub", "sd-boot", "floor"):
        if "size " + k in meta:
            out.append("| %s | %s |" % (NAMES[k] if k != "runway" else "Runway BOOTX64.EFI",
                                         meta["size " + k]))
    out += ["", "## Machine and versions", ""]
    for k in ("date", "runway", "machine", "qemu", "ovmf", "grub", "sd-boot", "linux",
              "busybox", "rounds", "command"):
        if k in meta:
            out.append("- %s: %s" % (k, meta[k]))
    if bad:
        out += ["", "%d boot(s) did not reach their mark and were left out:" % len(bad)]
        out += ["- round %s %s %s MiB %s: rc=%s" % (r["round"], r["experiment"], r["size_mib"],
                                                  r["loader"], r["rc"]) for r in bad]
    return out, plot_data(above, sizes)


def main(argv):
    if len(argv) not in (4, 5):
        print("usage: peerstats.py TSV META PLOTDAT [LOGDIR]", file=sys.stderr)
        return 2
    rows = read_rows(argv[1])
    meta = {}
    with open(argv[2]) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            meta[k] = v
    text, plot = report(rows, meta, argv[4] if len(argv) == 5 else None)
    print("\n".join(text))
    with open(argv[3], "w") as f:
        f.write("\n".join(plot) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
