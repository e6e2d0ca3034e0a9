#!/usr/bin/env python3
"""mkcorrupt.py - malformed ELF64 kernels for Runway's validator tests.

    tests/data/mkcorrupt.py build/kernel/demo.elf tests/data/corrupt

Reads a valid test kernel (the demo kernel from `make kernels`: an ET_EXEC
x86-64 ELF64 with three PT_LOAD segments, text R+X, rodata R, data RW with
.bss, program headers right after the ELF header) and writes, into the
output directory, one file per defect, named after it (bad-magic.elf,
phnum-zero.elf, ...), plus index.txt.

The files start from a trimmed copy of the kernel, so that the corpus
stays small (about 13 KiB a file) however the kernel grows: the same ELF
header and program headers, each segment's file bytes cut to the first
TRIM bytes (the rest of the segment becomes zero fill: p_memsz, p_vaddr
and the flags are unchanged) and laid out again a page apart, room for 33
program headers after the table, and instead of the symbol table and
section names one null section header (e_shnum 1).  The trimmed copy is a
valid kernel image as far as the validator goes (it would not run).

Each file differs from the trimmed copy in one defect only - usually one
field, sometimes the few fields that one defect needs (PN_XNUM without a
section header, an extra PT_INTERP header, a p_offset + p_filesz that
wraps) - so that the message the loader prints proves which check fired.

index.txt has one line per file, fields separated by one TAB:

    <file name> TAB <substring the loader's error message must contain>
    <file name> TAB <substring> TAB load

The substring is the message elf/validate.c produces, without the leading
"<path>: ".  A third field "load" marks a file that passes elf_parse and
must fail later, cleanly, when its segments are allocated (elf_load).

Everything written is derived from the input's own headers, so the output
follows the demo kernel if it changes; the input is checked to have the
shape the defects assume.  Python 3 standard library only; output is
deterministic (same input, same bytes).
"""

import os
import struct
import sys

PAGE = 0x1000
U64 = (1 << 64) - 1

PT_NULL, PT_LOAD, PT_INTERP = 0, 1, 3
PF_X, PF_W, PF_R = 1, 2, 4
PN_XNUM = 0xFFFF
MAX_SEGMENTS = 32  # ELF_MAX_SEGMENTS in include/elf64.h
TRIM = 512  # file bytes kept per segment

EHDR_FMT = "<16sHHIQQQIHHHHHH"
EHDR_FIELDS = ("e_ident", "e_type", "e_machine", "e_version", "e_entry",
               "e_phoff", "e_shoff", "e_flags", "e_ehsize", "e_phentsize",
               "e_phnum", "e_shentsize", "e_shnum", "e_shstrndx")
PHDR_FMT = "<IIQQQQQQ"
PHDR_FIELDS = ("p_type", "p_flags", "p_offset", "p_vaddr", "p_paddr",
               "p_filesz", "p_memsz", "p_align")
SHDR_FMT = "<IIQQQQIIQQ"
SHDR_FIELDS = ("sh_name", "sh_type", "sh_flags", "sh_addr", "sh_offset",
               "sh_size", "sh_link", "sh_info", "sh_addralign", "sh_entsize")
EHDR_SIZE = struct.calcsize(EHDR_FMT)  # 64
PHDR_SIZE = struct.calcsize(PHDR_FMT)  # 56
SHDR_SIZE = struct.calcsize(SHDR_FMT)  # 64


def die(msg):
    sys.stderr.write("mkcorrupt: %s\n" % msg)
    sys.exit(1)


def page_down(v):
    return v & ~(PAGE - 1)


def page_up(v):
    return (v + PAGE - 1) & ~(PAGE - 1)


class Elf:
    """A mutable copy of the input with typed header accessors."""

    def __init__(self, data):
        self.data = bytearray(data)

    def copy(self):
        return Elf(self.data)

    # ELF header
    def eh(self, field):
        return struct.unpack_from(EHDR_FMT, self.data, 0)[EHDR_FIELDS.index(field)]

    def set_eh(self, field, value):
        vals = list(struct.unpack_from(EHDR_FMT, self.data, 0))
        vals[EHDR_FIELDS.index(field)] = value
        struct.pack_into(EHDR_FMT, self.data, 0, *vals)

    def set_ident(self, index, value):
        self.data[index] = value

    # program headers
    def ph_off(self, i):
        return self.eh("e_phoff") + i * self.eh("e_phentsize")

    def ph(self, i):
        return dict(zip(PHDR_FIELDS,
                        struct.unpack_from(PHDR_FMT, self.data, self.ph_off(i))))

    def set_ph(self, i, **fields):
        p = self.ph(i)
        for k, v in fields.items():
            if k not in p:
                raise KeyError(k)
            p[k] = v
        self.write_ph(i, p)

    def write_ph(self, i, p):
        struct.pack_into(PHDR_FMT, self.data, self.ph_off(i),
                         *(p[k] for k in PHDR_FIELDS))

    # section header 0
    def sh0(self):
        return dict(zip(SHDR_FIELDS,
                        struct.unpack_from(SHDR_FMT, self.data, self.eh("e_shoff"))))

    def set_sh0(self, **fields):
        s = self.sh0()
        s.update(fields)
        struct.pack_into(SHDR_FMT, self.data, self.eh("e_shoff"),
                         *(s[k] for k in SHDR_FIELDS))


def load_phdr(p_vaddr, p_memsz, p_flags, p_offset=0, p_filesz=0):
    return dict(p_type=PT_LOAD, p_flags=p_flags, p_offset=p_offset,
                p_vaddr=p_vaddr, p_paddr=p_vaddr, p_filesz=p_filesz,
                p_memsz=p_memsz, p_align=PAGE)


def check_input(base, path):
    """The shape of the demo kernel that the defects below rely on."""
    d = base.data
    if len(d) < EHDR_SIZE or d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
        die("%s is not a little-endian ELF64 file" % path)
    if base.eh("e_machine") != 62 or base.eh("e_type") != 2:
        die("%s is not an x86-64 ET_EXEC file" % path)
    if base.eh("e_phentsize") != PHDR_SIZE or base.eh("e_phnum") != 3:
        die("%s: expected 3 program headers of %d bytes" % (path, PHDR_SIZE))
    phs = [base.ph(i) for i in range(3)]
    flags = [p["p_flags"] & 7 for p in phs]
    if any(p["p_type"] != PT_LOAD for p in phs) or \
            flags != [PF_R | PF_X, PF_R, PF_R | PF_W]:
        die("%s: expected PT_LOAD text R+X, rodata R, data RW" % path)
    text, rodata, data = phs
    if not (text["p_vaddr"] <= base.eh("e_entry") <
            text["p_vaddr"] + text["p_memsz"]):
        die("%s: e_entry is not in the text segment" % path)
    if not (text["p_vaddr"] < rodata["p_vaddr"] < data["p_vaddr"]):
        die("%s: segments are not in address order" % path)
    for p in phs:
        if p["p_filesz"] < 2 or p["p_offset"] + p["p_filesz"] > len(d) or \
                p["p_memsz"] < p["p_filesz"]:
            die("%s: a PT_LOAD segment without file bytes, or cut short" % path)
    if data["p_memsz"] <= data["p_filesz"]:
        die("%s: the data segment has no .bss" % path)
    if (rodata["p_vaddr"] >> 47) != 0x1FFFF or (data["p_vaddr"] >> 47) != 0x1FFFF:
        die("%s: expected a higher-half kernel" % path)
    if base.eh("e_phoff") != EHDR_SIZE:
        die("%s: the program headers do not follow the ELF header" % path)
    return phs


def trim(orig, phs):
    """The compact copy of the kernel the defects start from (see above)."""
    phoff = orig.eh("e_phoff")
    base = Elf(orig.data[:phoff + len(phs) * PHDR_SIZE])
    # Room for MAX_SEGMENTS + 1 headers and a PT_INTERP string.
    cursor = phoff + (MAX_SEGMENTS + 1) * PHDR_SIZE + 64
    for i, p in enumerate(phs):
        keep = min(p["p_filesz"], TRIM)
        off = cursor + (p["p_vaddr"] - cursor) % PAGE  # == p_vaddr mod 4 KiB
        base.data += bytes(off - len(base.data))
        base.data += orig.data[p["p_offset"]:p["p_offset"] + keep]
        base.set_ph(i, p_offset=off, p_filesz=keep)
        cursor = off + keep
    base.data += bytes(-len(base.data) % 8)
    base.set_eh("e_shoff", len(base.data))
    base.set_eh("e_shentsize", SHDR_SIZE)
    base.set_eh("e_shnum", 1)
    base.set_eh("e_shstrndx", 0)
    base.data += bytes(SHDR_SIZE)  # section header 0: SHT_NULL, sh_info 0
    return base, [base.ph(i) for i in range(len(phs))]


def defects(base, phs):
    """Yield (name, bytes, substring, stage) for every defect."""
    text, rodata, data = phs
    size = len(base.data)
    phoff = base.eh("e_phoff")
    shoff = base.eh("e_shoff")
    RO, DATA = 1, 2  # rodata and data: the program header indexes

    def variant():
        return base.copy()

    def out(name, e, msg, stage="parse"):
        return (name + ".elf", bytes(e.data), msg, stage)

    def headers_exceed(e, n, esize=PHDR_SIZE, off=phoff):
        return ("e_phoff %d + %d program headers of %d bytes exceeds the file size %d"
                % (off, n, esize, len(e.data)))

    # ---- the ELF header ----
    e = variant()
    e.set_ident(0, 0x7E)
    yield out("bad-magic", e,
              "e_ident magic is 7e 45 4c 46, expected 7f 45 4c 46 (not an ELF file)")

    e = variant()
    e.set_ident(4, 1)
    yield out("class32", e, "e_ident[EI_CLASS] is 1, expected 2 (ELFCLASS64)")

    e = variant()
    e.set_ident(5, 2)
    yield out("big-endian", e, "e_ident[EI_DATA] is 2, expected 1 (little-endian)")

    e = variant()
    e.set_ident(6, 0)
    yield out("bad-ident-version", e, "e_ident[EI_VERSION] is 0, expected 1")

    e = variant()
    e.set_eh("e_type", 1)
    yield out("type-rel", e, "e_type is 1, expected 2 (ET_EXEC) or 3 (ET_DYN)")

    e = variant()
    e.set_eh("e_type", 4)
    yield out("type-core", e, "e_type is 4, expected 2 (ET_EXEC) or 3 (ET_DYN)")

    e = variant()
    e.set_eh("e_machine", 3)
    yield out("machine-386", e, "e_machine is 3, expected 62 (EM_X86_64)")

    e = variant()
    e.set_eh("e_version", 2)
    yield out("bad-version", e, "e_version is 2, expected 1")

    e = variant()
    e.set_eh("e_ehsize", 52)
    yield out("ehsize-small", e, "e_ehsize is 52, below 64")

    e = variant()
    e.set_eh("e_phentsize", 32)
    yield out("phentsize-small", e, "e_phentsize is 32, below 56")

    # ---- the program header table ----
    e = variant()
    e.set_eh("e_phnum", 0)
    yield out("phnum-zero", e, "e_phnum is 0: no program headers")

    e = variant()
    e.set_eh("e_phnum", 0xFFFE)
    yield out("phnum-huge", e, headers_exceed(e, 0xFFFE))

    e = variant()
    off = page_up(size) + PAGE
    e.set_eh("e_phoff", off)
    yield out("phoff-past-eof", e, headers_exceed(e, 3, off=off))

    # e_phoff + the table wraps around to a small number.
    e = variant()
    off = U64 - 63
    e.set_eh("e_phoff", off)
    yield out("phoff-overflow", e, headers_exceed(e, 3, off=off))

    # The table starts inside the file and ends past it.
    e = variant()
    off = size - 100
    e.set_eh("e_phoff", off)
    yield out("phdrs-cross-eof", e, headers_exceed(e, 3, off=off))

    # The file ends inside the program header table.
    e = variant()
    e.data = e.data[:phoff + PHDR_SIZE + 20]
    yield out("truncated-phdrs", e, headers_exceed(e, 3))

    # ---- PN_XNUM: the count in section header 0's sh_info ----
    e = variant()
    e.set_eh("e_phnum", PN_XNUM)
    e.set_eh("e_shoff", 0)
    yield out("pn-xnum-no-shdr", e,
              "e_phnum is PN_XNUM but there is no section header 0 (e_shoff 0, e_shentsize %d)"
              % SHDR_SIZE)

    e = variant()
    e.set_eh("e_phnum", PN_XNUM)
    e.set_eh("e_shentsize", 40)
    yield out("pn-xnum-shentsize-small", e,
              "e_phnum is PN_XNUM but there is no section header 0 (e_shoff %d, e_shentsize 40)"
              % shoff)

    e = variant()
    off = page_up(size) + PAGE
    e.set_eh("e_phnum", PN_XNUM)
    e.set_eh("e_shoff", off)
    yield out("pn-xnum-shoff-past-eof", e,
              "section header 0 at offset %d (+%d bytes) lies past the end of the file (%d bytes)"
              % (off, SHDR_SIZE, size))

    # Section header 0 says 0 program headers (the input's sh_info is 0).
    e = variant()
    e.set_eh("e_phnum", PN_XNUM)
    yield out("pn-xnum-info-zero", e, "e_phnum is 0: no program headers")

    e = variant()
    e.set_eh("e_phnum", PN_XNUM)
    e.set_sh0(sh_info=0xFFFFFFFF)
    yield out("pn-xnum-info-huge", e, headers_exceed(e, 0xFFFFFFFF))

    # ---- one PT_LOAD header (rodata unless said otherwise) ----
    # p_memsz one below p_filesz (p_filesz stays inside the file).
    e = variant()
    e.set_ph(RO, p_memsz=rodata["p_filesz"] - 1)
    yield out("filesz-gt-memsz", e, "phdr 1: p_filesz %d exceeds p_memsz %d"
              % (rodata["p_filesz"], rodata["p_filesz"] - 1))

    # Offsets keep their page offset: p_offset == p_vaddr (mod 4 KiB) holds.
    e = variant()
    off = page_up(size) + (rodata["p_offset"] & (PAGE - 1))
    e.set_ph(RO, p_offset=off)
    yield out("offset-past-eof", e,
              "phdr 1: p_offset %d + p_filesz %d exceeds the file size %d"
              % (off, rodata["p_filesz"], size))

    # p_offset + p_filesz wraps to a number below the file size (p_offset
    # the last page offset congruent to p_vaddr, p_filesz one page more so
    # that the sum wraps; still below p_memsz).
    e = variant()
    off = (U64 + 1 - PAGE) | (rodata["p_offset"] & (PAGE - 1))
    filesz = PAGE + rodata["p_filesz"]
    assert filesz <= rodata["p_memsz"]
    assert (off + filesz) & U64 < size
    e.set_ph(RO, p_offset=off, p_filesz=filesz)
    yield out("offset-plus-filesz-overflow", e,
              "phdr 1: p_offset %d + p_filesz %d exceeds the file size %d"
              % (off, filesz, size))

    # The file ends in the middle of the data segment's file bytes.
    e = variant()
    cut = data["p_offset"] + data["p_filesz"] // 2
    e.data = e.data[:cut]
    yield out("truncated-segment", e,
              "phdr 2: p_offset %d + p_filesz %d exceeds the file size %d"
              % (data["p_offset"], data["p_filesz"], cut))

    e = variant()
    e.set_ph(RO, p_align=0x1800)
    yield out("align-not-pow2", e, "phdr 1: p_align 0x1800 is not a power of two")

    e = variant()
    off = rodata["p_offset"] + 8
    e.set_ph(RO, p_offset=off)
    yield out("offset-vaddr-incongruent", e,
              "phdr 1: p_offset 0x%x and p_vaddr 0x%x differ modulo the page size 0x1000"
              % (off, rodata["p_vaddr"]))

    # p_vaddr + p_memsz wraps past 2^64.
    e = variant()
    memsz = (U64 + 1 - data["p_vaddr"]) + PAGE
    e.set_ph(DATA, p_memsz=memsz)
    yield out("vaddr-memsz-overflow", e,
              "phdr 2: p_vaddr 0x%x + p_memsz 0x%x overflows"
              % (data["p_vaddr"], memsz))

    # No wrap, but the last byte is in the top page of the address space.
    e = variant()
    memsz = 0xFFFFFFFFFFFFF000 - data["p_vaddr"] + 1
    e.set_ph(DATA, p_memsz=memsz)
    yield out("vaddr-memsz-top-page", e,
              "phdr 2: p_vaddr 0x%x + p_memsz 0x%x overflows"
              % (data["p_vaddr"], memsz))

    # Neither half: bit 63 set, bits 47..62 clear.
    e = variant()
    va = 0x8000000000000000 | (rodata["p_vaddr"] & 0xFFFFFFFF)
    e.set_ph(RO, p_vaddr=va)
    yield out("vaddr-noncanonical", e, "phdr 1: p_vaddr 0x%x..0x%x is not canonical"
              % (va, va + rodata["p_memsz"] - 1))

    # Starts at the top of the lower half, ends in the hole.
    e = variant()
    va = 0x00007FFFFFFFF000 | (data["p_offset"] & (PAGE - 1))
    assert va + data["p_memsz"] - 1 >= 1 << 47
    e.set_ph(DATA, p_vaddr=va)
    yield out("canonical-cross", e, "phdr 2: p_vaddr 0x%x..0x%x is not canonical"
              % (va, va + data["p_memsz"] - 1))

    # Both ends canonical, in different halves: the segment spans the hole.
    e = variant()
    va = 0x00007FFFFFFFF000 | (data["p_offset"] & (PAGE - 1))
    memsz = 0xFFFF800000001000 - va
    e.set_ph(DATA, p_vaddr=va, p_memsz=memsz)
    yield out("canonical-span", e, "phdr 2: p_vaddr 0x%x..0x%x is not canonical"
              % (va, va + memsz - 1))

    # rodata moved down one page into text's last page and beyond its end.
    e = variant()
    text_end = text["p_vaddr"] + text["p_memsz"]
    va = page_down(text_end - 1) | (rodata["p_offset"] & (PAGE - 1))
    assert text["p_vaddr"] < va < text_end
    assert va + rodata["p_memsz"] <= data["p_vaddr"]
    e.set_ph(RO, p_vaddr=va)
    yield out("segments-overlap", e,
              "phdr 1 (0x%x..0x%x) overlaps phdr 0 (0x%x..0x%x) in memory"
              % (va, va + rodata["p_memsz"], text["p_vaddr"], text_end))

    # The data segment asks to be writable and executable.
    e = variant()
    e.set_ph(DATA, p_flags=PF_R | PF_W | PF_X)
    yield out("segment-rwx", e,
              "phdr 2: p_flags 0x7 asks for writable and executable memory")

    # rodata made writable and moved onto text's last page, just past its
    # end: no overlap, but that page would need to be writable and executable.
    e = variant()
    text_end = text["p_vaddr"] + text["p_memsz"]
    va = (text_end + 15) & ~15
    assert va & (PAGE - 1), "text ends on a page boundary"
    assert va + rodata["p_memsz"] <= data["p_vaddr"]
    off = va & (PAGE - 1)
    while off + rodata["p_filesz"] > size:
        off -= PAGE
    assert off >= 0
    e.set_ph(RO, p_vaddr=va, p_offset=off, p_flags=PF_R | PF_W)
    yield out("wx-shared-page", e,
              "phdr 0 and phdr 1 share the page at 0x%x, which would have to be writable and executable"
              % page_down(va))

    # ---- the set of headers ----
    e = variant()
    for i in range(3):
        e.set_ph(i, p_type=PT_NULL)
    yield out("no-pt-load", e,
              "no PT_LOAD segment with p_memsz > 0 among 3 program headers")

    # A fourth header, PT_INTERP, naming a dynamic linker placed after the
    # headers (in the padding before the first segment).
    e = variant()
    interp = b"/lib64/ld-linux-x86-64.so.2\0"
    ioff = phoff + 4 * PHDR_SIZE
    e.data[ioff:ioff + len(interp)] = interp
    e.set_eh("e_phnum", 4)
    e.write_ph(3, dict(p_type=PT_INTERP, p_flags=PF_R, p_offset=ioff,
                       p_vaddr=0, p_paddr=0, p_filesz=len(interp),
                       p_memsz=len(interp), p_align=1))
    yield out("pt-interp", e,
              "phdr 3: PT_INTERP: a kernel cannot ask for a dynamic linker")

    # 33 PT_LOAD segments: the three, then 30 one-page read-only ones above
    # the data segment (each valid on its own).
    e = variant()
    n = MAX_SEGMENTS + 1
    e.set_eh("e_phnum", n)
    va = page_up(data["p_vaddr"] + data["p_memsz"]) + 16 * PAGE
    for i in range(3, n):
        e.write_ph(i, load_phdr(va + (i - 3) * 2 * PAGE, PAGE, PF_R))
    yield out("too-many-loads", e, "more than %d PT_LOAD segments" % MAX_SEGMENTS)

    # ---- the entry point ----
    e = variant()
    va = page_up(data["p_vaddr"] + data["p_memsz"]) + 0x10000
    e.set_eh("e_entry", va)
    yield out("entry-outside", e,
              "e_entry 0x%x is not inside an executable PT_LOAD segment" % va)

    e = variant()
    e.set_eh("e_entry", rodata["p_vaddr"])
    yield out("entry-in-nonexec", e,
              "e_entry 0x%x is not inside an executable PT_LOAD segment"
              % rodata["p_vaddr"])

    # One past the end of the text segment.
    e = variant()
    e.set_eh("e_entry", text_end)
    yield out("entry-at-segment-end", e,
              "e_entry 0x%x is not inside an executable PT_LOAD segment"
              % text_end)

    # ---- the file itself ----
    e = variant()
    e.data = e.data[:40]
    yield out("truncated-header", e,
              "file is 40 bytes, too small for an ELF header (64)")

    e = variant()
    e.data = bytearray()
    yield out("empty", e, "file is 0 bytes, too small for an ELF header (64)")

    # ---- valid headers, impossible to load ----
    # A fourth PT_LOAD: 1 TiB of bss, below the kernel in the higher half
    # (clear of the direct map at 0xffff800000000000 and of the other
    # segments).  elf_parse accepts it; the allocator must refuse cleanly.
    e = variant()
    va = 0xFFFFF00000000000
    assert va + (1 << 40) <= text["p_vaddr"]
    e.set_eh("e_phnum", 4)
    e.write_ph(3, load_phdr(va, 1 << 40, PF_R | PF_W))
    yield out("memsz-huge", e, "no memory for segment group", stage="load")


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: mkcorrupt.py INPUT.elf OUTDIR\n")
        return 2
    src, outdir = argv[1], argv[2]
    try:
        with open(src, "rb") as f:
            base = Elf(f.read())
    except OSError as e:
        die("%s: %s" % (src, e.strerror))
    base, phs = trim(base, check_input(base, src))

    os.makedirs(outdir, exist_ok=True)
    lines, names, total = [], set(), 0
    for name, data, msg, stage in defects(base, phs):
        assert name not in names, name
        assert "\t" not in msg and "\n" not in msg
        names.add(name)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        total += len(data)
        lines.append("%s\t%s%s\n" % (name, msg, "" if stage == "parse" else "\t" + stage))
    with open(os.path.join(outdir, "index.txt"), "w") as f:
        f.writelines(lines)
    sys.stdout.write("mkcorrupt: %d files, %d bytes, in %s\n"
                     % (len(lines), total, outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
