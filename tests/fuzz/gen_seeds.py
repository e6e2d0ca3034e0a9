#!/usr/bin/env python3
"""gen_seeds.py - write the synthetic seeds of tests/fuzz/corpus/.

elf/: small hand-built ELF64 files, each aiming at one path of elf_parse /
elf_load / elf_relocate: segments sharing pages, a high-half kernel,
ET_DYN at 0, PN_XNUM, a 2 MiB-aligned group (the large-page path), 32
PT_LOADs, a larger e_phentsize, a PIE with DT_RELA and DT_RELR.  The real
test kernel sits next to them (objcopy --strip-all build/kernel/demo.elf
tests/fuzz/corpus/elf/demo.elf).

memmap/: OVMF maps from tests/data (first 63 descriptors, raw) and small
compact maps, each followed by a few allocator operations (the input
layout is described at the top of fuzz_memmap.c).

fmt/: a few format programs for fuzz_fmt.c.

tcg/: a small event log (whole, and its events after the Spec ID event
fuzz_tcg.c puts first), a Spec ID event alone, a TPM2_PCR_Read reply.

netboot/: DHCP replies (QEMU's, option 67 and 54, an overloaded `file`
field), three replies to choose from, a path and a boot file name, in
the input layout described at the top of fuzz_netboot.c.

config/ is hand-written (runway.conf files), not generated.

    tests/fuzz/gen_seeds.py [CORPUS_DIR]     (default tests/fuzz/corpus)
"""
import os
import struct
import sys

PT_LOAD, PT_DYNAMIC, PT_NOTE, PT_GNU_STACK = 1, 2, 4, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4


def phdr(ptype, flags, off, vaddr, filesz, memsz, align=0x1000):
    return struct.pack("<IIQQQQQQ", ptype, flags, off, vaddr, vaddr,
                       filesz, memsz, align)


def elf(phdrs, entry, etype=2, body=b"", body_off=None, phentsize=56,
        phnum=None, shoff=0, shentsize=0, shnum=0, extra=b""):
    """ELF header, program headers right after it, then body at body_off."""
    ph = b"".join(p + b"\0" * (phentsize - 56) for p in phdrs)
    n = len(phdrs) if phnum is None else phnum
    eh = struct.pack("<16sHHIQQQIHHHHHH",
                     b"\x7fELF\x02\x01\x01" + b"\0" * 9, etype, 62, 1,
                     entry, 64, shoff, 0, 64, phentsize, n,
                     shentsize, shnum, 0)
    out = bytearray(eh + ph)
    if body_off is not None:
        assert body_off >= len(out), (body_off, len(out))
        out += b"\0" * (body_off - len(out)) + body
    out += extra
    return bytes(out)


def code(n, seed):
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n))


def seeds():
    s = {}
    # one RX segment with bss
    s["min_exec"] = elf([phdr(PT_LOAD, PF_R | PF_X, 0x100, 0x200100, 0x80, 0x2000)],
                        0x200100, body=code(0x80, 1), body_off=0x100)
    # text, rodata, data+bss sharing pages (one group, mixed permissions)
    s["shared_pages"] = elf([
        phdr(PT_LOAD, PF_R | PF_X, 0x200, 0x400200, 0x80, 0x80),
        phdr(PT_LOAD, PF_R, 0x280, 0x400280, 0x40, 0x40),
        phdr(PT_LOAD, PF_R | PF_W, 0x2C0, 0x4002C0, 0x40, 0x3000),
        phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16),
    ], 0x400200, body=code(0x100, 2), body_off=0x200)
    # high-half kernel: two groups with a gap, entry in the second
    hh = 0xFFFFFFFF80000000
    s["high_half"] = elf([
        phdr(PT_LOAD, PF_R, 0x100, hh + 0x100, 0x40, 0x40),
        phdr(PT_LOAD, PF_R | PF_X, 0x140, hh + 0x3140, 0x40, 0x1000),
        phdr(PT_NOTE, PF_R, 0x180, 0, 0x10, 0x10, 4),
    ], hh + 0x3140, body=code(0x90, 3), body_off=0x100)
    # ET_DYN linked at 0 with a PT_DYNAMIC and an empty PT_LOAD
    s["dyn_at_zero"] = elf([
        phdr(PT_LOAD, PF_R | PF_X, 0x200, 0x200, 0x60, 0x60),
        phdr(PT_LOAD, PF_R | PF_W, 0x260, 0x1260, 0x20, 0x20),
        phdr(PT_LOAD, PF_R, 0x280, 0x5280, 0, 0),
        phdr(PT_DYNAMIC, PF_R | PF_W, 0x260, 0x1260, 0x20, 0x20, 8),
    ], 0x210, etype=3, body=code(0x80, 4), body_off=0x200)
    # PN_XNUM: the count is in section header 0's sh_info
    sh0 = struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 2, 0, 0)
    body = code(0x40, 5)
    s["pn_xnum"] = elf([
        phdr(PT_LOAD, PF_R | PF_X, 0x100, 0x600100, 0x20, 0x20),
        phdr(PT_LOAD, PF_R | PF_W, 0x120, 0x601120, 0x20, 0x40),
    ], 0x600100, body=body + sh0, body_off=0x100, phnum=0xFFFF,
        shoff=0x140, shentsize=64, shnum=0)
    # a 2 MiB-aligned 3 MiB group: the large-page placement
    s["big_bss_2m"] = elf([
        phdr(PT_LOAD, PF_R | PF_X | PF_W, 0x0, 0x200000, 0x100, 0x300000, 0x200000),
    ], 0x200080, body=b"")
    s["big_bss_2m"] = s["big_bss_2m"] + code(0x100 - len(s["big_bss_2m"]), 6)
    # 32 PT_LOADs alternating permissions, some sharing pages
    phs = []
    for i in range(32):
        v = 0x800000 + (i // 2) * 0x2000 + (i % 2) * 0x800
        off = 0x1000 + i * 0x20
        off = off - (off & 0xFFF) + (v & 0xFFF)
        phs.append(phdr(PT_LOAD, PF_R | (PF_X if i % 3 == 0 else PF_W),
                        off, v, 0x20, 0x100 + i))
    body = bytearray(b"\0" * 0x2000)
    for i in range(32):
        v = 0x800000 + (i // 2) * 0x2000 + (i % 2) * 0x800
        off = 0x1000 + i * 0x20
        off = off - (off & 0xFFF) + (v & 0xFFF)
        body[off - 0x800:off - 0x800 + 0x20] = code(0x20, i)
    s["segments_32"] = elf(phs, 0x800000, body=bytes(body[:0x1800]), body_off=0x800)
    # PIE with DT_RELA and DT_RELR relocations in its data segment
    DT = dict(NULL=0, RELA=7, RELASZ=8, RELAENT=9, RELRSZ=35, RELR=36, RELRENT=37)
    dyn = b"".join(struct.pack("<qQ", DT[k], v) for k, v in [
        ("RELA", 0x1100), ("RELASZ", 48), ("RELAENT", 24), ("RELR", 0x1140),
        ("RELRSZ", 16), ("RELRENT", 8), ("NULL", 0)])
    rela = struct.pack("<QQq", 0x1180, 8, 0x10) + struct.pack("<QQq", 0x1188, 8, 0x20)
    relr = struct.pack("<QQ", 0x1190, 0b1011)
    data = bytearray(0x200)
    data[0:len(dyn)] = dyn
    data[0x100:0x100 + len(rela)] = rela
    data[0x140:0x140 + len(relr)] = relr
    for i in range(8):
        data[0x180 + 8 * i:0x188 + 8 * i] = struct.pack("<Q", 0x100 + 8 * i)
    text = bytearray(b"\0" * 0x1000)
    s["pie_rela_relr"] = elf([
        phdr(PT_LOAD, PF_R | PF_X, 0, 0, 0x400, 0x400),
        phdr(PT_LOAD, PF_R | PF_W, 0x1000, 0x1000, 0x200, 0x1000),
        phdr(PT_DYNAMIC, PF_R | PF_W, 0x1000, 0x1000, len(dyn), len(dyn), 8),
    ], 0x10, etype=3, body=bytes(text[0x200:]) + bytes(data), body_off=0x200)
    # dynamic tags the parser refuses or ignores, all with value 0 here
    DT2 = [(7, 0x1100), (8, 24), (9, 24), (2, 0), (17, 0), (18, 0), (22, 0),
           (23, 0), (35, 0), (36, 0), (37, 8), (0, 0)]
    dyn2 = b"".join(struct.pack("<qQ", k, v) for k, v in DT2)
    data2 = bytearray(0x200)
    data2[0:len(dyn2)] = dyn2
    data2[0x100:0x118] = struct.pack("<QQq", 0x1180, 8, 0x40)
    s["pie_dyn_tags"] = elf([
        phdr(PT_LOAD, PF_R | PF_X, 0, 0, 0x300, 0x300),
        phdr(PT_LOAD, PF_R | PF_W, 0x1000, 0x1000, 0x200, 0x200),
        phdr(PT_DYNAMIC, PF_R | PF_W, 0x1000, 0x1000, len(dyn2), len(dyn2), 8),
    ], 0x20, etype=3, body=bytes(0x1000 - 0x200) + bytes(data2), body_off=0x200)
    # a 10 MiB 2 MiB-aligned group: no single 2 MiB-aligned run holds it
    s["huge_bss_10m"] = elf([
        phdr(PT_LOAD, PF_R | PF_X | PF_W, 0x100, 0x40000100, 0x40, 0xA00000, 0x200000),
    ], 0x40000100, body=code(0x40, 8), body_off=0x100)
    # e_ident[9] = 4: fuzz_elf.c appends a 256 KiB generated tail to the
    # file; a 192 KiB segment read from it (reads above 64 KiB)
    t = bytearray(elf([
        phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x7000000, 0x30000, 0x31000),
    ], 0x7000000, body=code(0x40, 9), body_off=0x100))
    t[9] = 4
    s["tail_256k"] = bytes(t)
    # e_phentsize 64: padding after each header
    s["phentsize_64"] = elf([
        phdr(PT_LOAD, PF_R | PF_X, 0x100, 0x1000100, 0x40, 0x1040),
    ], 0x1000100, phentsize=64, body=code(0x40, 7), body_off=0x100)
    return s


# ---- memmap ----

def memmap_header(desc_size_sel, ndesc, raw=False, caps=0, claim_sel=0x90,
                  fail_mask=0, seam_page=0):
    return (bytes([desc_size_sel, ndesc | (0x40 if raw else 0), caps, claim_sel])
            + struct.pack("<II", fail_mask, seam_page) + b"\0")


def compact(ty, base_page, pages, x=0):
    """ty: index into fuzz_memmap.c's type_table (0-4 conventional)."""
    return (bytes([ty]) + struct.pack("<H", base_page & 0xFFFF)
            + bytes([base_page >> 16]) + struct.pack("<H", pages) + bytes([x]))


def run(pages_sel, *pages_args, align=0, below=None, exact=None, kind=1, op=0):
    b = bytes([op, pages_sel, *pages_args, align])
    b += bytes([0]) if below is None else bytes([0xA0 + below[0]]) + struct.pack("<H", below[1])
    b += bytes([0]) if exact is None else bytes([0xC0, exact[0], exact[1]])
    return b + bytes([kind])


def pieces(pages_sel, *pages_args, align=0, max_pieces=4, kind=1):
    return run(pages_sel, *pages_args, align=align, kind=kind, op=2) + bytes([max_pieces])


def ovmf_map(path):
    descs = []
    with open(path) as f:
        for line in f:
            if not line.startswith("type="):
                continue
            kv = dict(w.split("=") for w in line.split())
            descs.append(struct.pack("<IIQQQQ", int(kv["type"]), 0, int(kv["base"], 16),
                                     0, int(kv["pages"]), int(kv["attr"], 16))
                         + b"\0" * 8)
    return descs


def memmap_seeds(root):
    s = {}
    data = os.path.join(root, "..", "..", "data")
    for name in ("ovmf-q35-512M", "ovmf-q35-8G"):
        path = os.path.join(data, name + ".map")
        if not os.path.exists(path):
            continue
        descs = ovmf_map(path)[:63]
        ops = (run(0x00, 0x3F, align=0x81)           # 64 pages, 2 MiB aligned
               + pieces(0x40, 0x00, 0x10, max_pieces=8)  # 4096 pages in pieces
               + bytes([5, 0x94, 15])                # fragment 16 << 4 pages
               + run(0x00, 9, kind=2)                # 10 pages as MM_MODULE
               + bytes([6, 0, 255])                  # release_span
               + bytes([4, 1]))                      # rollback to 1
        s[name] = memmap_header(8, len(descs), raw=True) + b"".join(descs) + b"\0" + ops
    # compact: conventional memory split by reserved, ACPI and BS ranges,
    # two adjacent conventional descriptors, an unaligned one, page 0
    s["compact_small"] = (memmap_header(8, 7, claim_sel=0x20)
        + compact(0, 0, 0xA0) + compact(13, 0xA0, 0x60) + compact(1, 0x100, 0x700)
        + compact(2, 0x800, 0x200) + compact(6, 0xA00, 0x10) + compact(3, 0xA10, 0x1F0, 0x10)
        + compact(11, 0xC00, 0x400)
        + b"\0"
        + run(0x00, 3, exact=(2, 4))               # exact, inside region 2
        + run(0x80, 1, 9, align=0x80)              # 2 << 9 pages
        + pieces(0x40, 0x00, 0x08, align=0x81, max_pieces=3)
        + bytes([5, 0x03])                         # fragment 3 pages
        + bytes([6, 0, 255]) + bytes([4, 0]))
    # refusals: a claim mask and a seam in the middle of the big region
    s["refusals_seam"] = (memmap_header(0, 3, claim_sel=0x3F, fail_mask=0x00410021,
                                        seam_page=0x900)
        + compact(0, 0x100, 0x2000) + compact(8, 0x2100, 0x100) + compact(1, 0x2200, 0x800)
        + b"\0"
        + run(0x40, 0x00, 0x18) + pieces(0x40, 0x00, 0x20, max_pieces=16)
        + bytes([7]) + struct.pack("<I", 0x80000001)
        + bytes([5, 0x90, 0]) + bytes([4, 0]))
    # odd sizes: 128-byte descriptors, a trailing partial one, huge entries
    s["desc128_huge"] = (bytes([88, 0x80 | 3, 0, 0x10]) + struct.pack("<II", 0, 0) + bytes([77])
        + compact(0, 0xFFF000, 0x100, 0xE7) + b"\0" * 120
        + compact(1, 0x10, 0xFFFF, 0xE0) + b"\0" * 120
        + compact(9, 0x1000, 0x10, 0x08) + b"\0" * 120
        + b"\0" * 77 + b"\0" + run(0xC3) + run(0xC4) + pieces(0xC5, max_pieces=0xF0))
    # an invalid descriptor size (24)
    s["desc_size_24"] = bytes([0xFB, 2, 0, 0]) + b"\0" * 9 + b"\x07" * 48
    return s


# ---- fmt ----

def fmt_seeds():
    s = {}
    s["mixed"] = (bytes([40])
                  + bytes([0x03]) + b"n=[]"
                  + bytes([0x40 + 3, 0x04 | 0x02, 8]) + struct.pack("<q", -42)   # %08d
                  + bytes([0x40 + 0, 0x08 | 0x10 | 0x04, 12]) + bytes([5]) + struct.pack("<Q", 0) + bytes([9]) + b"abcdefghi"  # %12.*s
                  + bytes([0x40 + 5, 0x60 | 0x01 | 0x04, 20]) + struct.pack("<Q", 0xDEADBEEFCAFEF00D)  # %-20llx
                  + bytes([0x40 + 8, 0]))                                          # %%
    s["trunc"] = (bytes([3]) + bytes([0x40 + 4, 0x20]) + struct.pack("<Q", 2**64 - 1)
                  + bytes([0x40 + 1, 0x04, 5]) + struct.pack("<Q", 0x41)
                  + bytes([0x40 + 7, 0x04, 18]) + struct.pack("<Q", 0x1234))
    return s


# ---- tcg (fuzz_tcg.c: mode byte, k, then the subject) ----

def tcg_event(pcr, etype, text, sha256=b"\x11" * 32):
    """A TCG_PCR_EVENT2 with a SHA-1 and a SHA-256 digest."""
    data = text + b"\0"
    return (struct.pack("<III", pcr, etype, 2)
            + struct.pack("<H", 4) + b"\x22" * 20
            + struct.pack("<H", 0x0B) + sha256
            + struct.pack("<I", len(data)) + data)


def tcg_spec_id():
    data = (b"Spec ID Event03\0" + struct.pack("<IBBBBI", 0, 0, 2, 0, 2, 2)
            + struct.pack("<HHHH", 4, 20, 0x0B, 32) + b"\0")
    return struct.pack("<II", 0, 3) + b"\0" * 20 + struct.pack("<I", len(data)) + data


def tcg_seeds():
    events = (tcg_event(9, 0xD, b"runway: config runway.conf")
              + tcg_event(9, 0xD, b"runway: kernel /boot/kernel.elf")
              + tcg_event(0, 3, b"no action")
              + tcg_event(8, 0xD, b"runway: cmdline console=ttyS0"))
    reply = (struct.pack(">HIIII", 0x8001, 62, 0, 7, 1) + struct.pack(">HB", 0x0B, 3)
             + bytes([0, 2, 0]) + struct.pack(">IH", 1, 32) + bytes(range(32)))
    return {
        "log_whole": bytes([0, 3]) + tcg_spec_id() + events,
        "log_events": bytes([1, 1]) + events,
        "log_spec_only": bytes([0, 0]) + tcg_spec_id(),
        "pcr_read_reply": bytes([2, 9]) + reply,
    }


# ---- netboot ----

def dhcp_reply(siaddr=b"\x0a\x00\x02\x02", file=b"", options=b"\xff"):
    """A BOOTREPLY: fixed part, magic cookie, options, zero padding."""
    p = bytearray(300)
    p[0] = 2
    p[20:24] = siaddr
    p[108:108 + len(file)] = file
    p[236:240] = b"\x63\x82\x53\x63"
    p[240:240 + len(options)] = options
    return bytes(p)


def netboot_seeds():
    s = {}
    # mode 0: one reply (QEMU's, a proxyDHCP one, an overloaded one)
    s["slirp"] = b"\x00" + dhcp_reply(file=b"BOOTX64.EFI")
    s["opt67"] = b"\x00" + dhcp_reply(b"\0\0\0\0", b"", b"\x36\x04\xc0\xa8\x01\x01"
                                     b"\x43\x16efi/runway/BOOTX64.EFI\xff")
    s["overload"] = b"\x00" + dhcp_reply(file=b"\x43\x05x.efi\xff",
                                        options=b"\x34\x01\x01\xff")
    # mode 1: three replies, each a length byte (x2) then its bytes
    ack = dhcp_reply()
    proxy = dhcp_reply(file=b"runway.efi")
    s["choose"] = (b"\x01\x00" + bytes([len(proxy) // 2]) + proxy
                   + bytes([len(ack) // 2]) + ack)
    # modes 2 and 3: a path, a boot file name
    s["path"] = b"\x02/boot/../kernel.elf"
    s["bootfile"] = b"\x03efi\\runway/BOOTX64.EFI"
    return s


def write_all(d, seeds):
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    write_all(os.path.join(root, "elf"), seeds())
    write_all(os.path.join(root, "memmap"), memmap_seeds(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")))
    write_all(os.path.join(root, "fmt"), fmt_seeds())
    write_all(os.path.join(root, "tcg"), tcg_seeds())
    write_all(os.path.join(root, "netboot"), netboot_seeds())


if __name__ == "__main__":
    main()
