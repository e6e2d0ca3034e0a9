/*
 * lchecks.h - the Limine test kernel's checking logic as pure functions:
 * the Limine memory map's promises, framebuffer fields, ACPI (RSDP, SDT
 * checksums, MADT), SMBIOS entry points, the EFI system table and memory
 * map, the GDT the protocol describes, the PAT layout, the RTC date, the
 * kernel file's ELF header, GUID text, AP stacks.  No I/O and no globals:
 * host_test.c builds this file for the build host and shows each check
 * failing on a bad input.  The shared helpers (page-table walk, FNV-1a,
 * GDT code/data decoding, scribble) are tests/kernel/checks.c.
 *
 * Functions named *_problem return NULL when all is well, else a short
 * static text saying what is wrong (the kernel adds the values).
 */
#ifndef RUNWAY_LIMINE_LCHECKS_H
#define RUNWAY_LIMINE_LCHECKS_H

#include <stdint.h>

#include "lproto.h"

#define LC_PAGE 4096ull

/* ---- the Limine memory map ("Memory Map Feature") ------------------- */

enum lc_mmap_error {
	LC_MMAP_OK = 0,
	LC_MMAP_EMPTY,       /* no entries                                     */
	LC_MMAP_ZERO_LENGTH, /* an entry of length 0                           */
	LC_MMAP_BAD_TYPE,    /* type above LP_MEMMAP_FRAMEBUFFER               */
	LC_MMAP_WRAPS,       /* base + length overflows                        */
	LC_MMAP_UNSORTED,    /* base below the previous entry's                */
	LC_MMAP_UNALIGNED,   /* usable/reclaimable base or length not 4 KiB    */
	LC_MMAP_OVERLAP,     /* usable/reclaimable entry overlaps another      */
	LC_MMAP_LOW_USABLE,  /* usable memory below 0x1000                     */
};

const char *lc_mmap_error_name(enum lc_mmap_error e);
const char *lc_mmap_type_name(uint64_t type);

/*
 * Checks the map against the spec: sorted by base, usable and bootloader-
 * reclaimable entries 4 KiB aligned and overlapping no other entry,
 * nothing usable below 0x1000, types 0..7.  (Other entries may overlap
 * each other and be unaligned.)  On failure *bad is the entry's index.
 */
enum lc_mmap_error lc_mmap_validate(const struct lp_memmap_entry *m, uint64_t n,
                                    uint64_t *bad);

/*
 * 1 when every byte of [phys, phys + len) lies in some entry of the given
 * type, else 0 with the first byte that does not in *bad.  len 0: 1.
 */
int lc_mmap_covers(const struct lp_memmap_entry *m, uint64_t n, uint64_t phys,
                   uint64_t len, uint64_t type, uint64_t *bad);

/* 1 when some entry of the given type overlaps [phys, phys + len). */
int lc_mmap_touches(const struct lp_memmap_entry *m, uint64_t n, uint64_t phys,
                    uint64_t len, uint64_t type);

/* Total bytes of the entries of one type. */
uint64_t lc_mmap_sum(const struct lp_memmap_entry *m, uint64_t n, uint64_t type);

/*
 * 1 when the HHDM must map an entry of this type, for the base revision
 * in force, at this base (PROTOCOL.md "Entry memory layout"): revision 0
 * every entry; 1 and 2 every entry below 4 GiB and all but reserved and
 * bad memory above; 3 usable, bootloader-reclaimable, executable/modules
 * and framebuffer entries only.  ([0, 4 GiB) as a whole is separate.)
 */
int lc_hhdm_maps_type(uint64_t type, int revision);

/* ---- framebuffer ---------------------------------------------------- */

/* The pixel-format fields of a framebuffer or a video mode. */
struct lc_pixels {
	uint64_t width, height, pitch;
	uint16_t bpp;
	uint8_t model;
	uint8_t rs, rsh, gs, gsh, bs, bsh; /* mask sizes and shifts */
};

/* Width, height, bpp nonzero, bpp a multiple of 8 up to 64, pitch >=
 * width * bpp / 8, the RGB model, each mask nonzero, inside bpp, and the
 * three masks not overlapping. */
const char *lc_pixels_problem(const struct lc_pixels *p);
struct lc_pixels lc_pixels_of_fb(const struct lp_framebuffer *fb);
struct lc_pixels lc_pixels_of_mode(const struct lp_video_mode *m);

/* ---- ACPI ------------------------------------------------------------ */

/* Sum of len bytes, mod 256 (0 for a valid ACPI/SMBIOS checksum). */
uint8_t lc_sum8(const void *p, uint64_t len);

/*
 * The RSDP at p (at least 20 bytes readable; 36 when revision >= 2):
 * "RSD PTR " signature, the ACPI 1.0 checksum over 20 bytes, and for
 * revision >= 2 a length of at least 36 and the extended checksum over
 * length bytes.  The caller maps `length` bytes first: lc_rsdp_length.
 */
const char *lc_rsdp_problem(const uint8_t *p);
uint32_t lc_rsdp_length(const uint8_t *p); /* 20 for revision < 2 */

/* An ACPI table header at p (len bytes readable, len >= 36): signature
 * sig, length >= 36 and <= len, checksum over length bytes. */
const char *lc_sdt_problem(const uint8_t *p, uint64_t len, const char sig[4]);

struct lc_cpu {
	uint32_t apic_id;
	uint32_t uid;     /* ACPI processor UID */
};

struct lc_ioapic {
	uint32_t address; /* physical MMIO base */
	uint32_t gsi_base;
};

/*
 * Walks a MADT (whole table at p, checksum already checked): the enabled
 * local APICs (type 0, and type 9 for x2APIC IDs) and the I/O APICs
 * (type 1).  Stores at most max of each and counts all in *ncpu, *nio.
 * Returns a problem for an entry shorter than 2 bytes or running past
 * the table, or two enabled CPUs with one APIC ID.
 */
const char *lc_madt_parse(const uint8_t *p, uint32_t len, struct lc_cpu *cpus,
                          uint32_t max_cpus, uint32_t *ncpu,
                          struct lc_ioapic *io, uint32_t max_io, uint32_t *nio);

/*
 * The SMP response's CPUs against the MADT's: same count, and each
 * response CPU (lapic_id, processor_id) is an enabled MADT CPU with that
 * APIC ID and UID.  On failure *bad is the response index (or the count
 * when the counts differ).
 */
const char *lc_cpus_match(const struct lc_cpu *madt, uint32_t nmadt,
                          const struct lc_cpu *resp, uint64_t nresp, uint64_t *bad);

/* ---- SMBIOS ---------------------------------------------------------- */

/* A 32-bit entry point ("_SM_", length at 5, checksum over it, "_DMI_" at
 * 0x10 with its checksum over 15 bytes); len bytes are readable at p. */
const char *lc_smbios32_problem(const uint8_t *p, uint64_t len);
/* A 64-bit entry point ("_SM3_", length at 6, checksum over it). */
const char *lc_smbios64_problem(const uint8_t *p, uint64_t len);

/* ---- UEFI ------------------------------------------------------------ */

#define LC_EFI_SYSTEM_TABLE_SIGNATURE     0x5453595320494249ull /* "IBI SYST" */
#define LC_EFI_RUNTIME_SERVICES_SIGNATURE 0x56524553544e5552ull /* "RUNTSERV" */
#define LC_EFI_SYSTEM_TABLE_SIZE          120 /* x64, UEFI 2.x */

/* CRC-32 (IEEE 802.3, reflected, as the UEFI table headers use). */
uint32_t lc_crc32(const void *p, uint64_t len);

/*
 * The EFI system table at p (len bytes readable, >= 120): signature,
 * major revision 2 or more, header size in [120, len], the header CRC-32
 * (computed with the CRC field as 0), and BootServices NULL: the
 * firmware clears it in ExitBootServices (UEFI 2.x 7.4), so a non-NULL
 * one says boot services were not exited.
 */
const char *lc_efi_systab_problem(const uint8_t *p, uint64_t len);

/* Fields of the system table used by the kernel. */
uint64_t lc_efi_systab_u64(const uint8_t *p, unsigned offset);
#define LC_EFI_ST_RUNTIME_SERVICES 88
#define LC_EFI_ST_BOOT_SERVICES    96
#define LC_EFI_ST_NUM_TABLES       104
#define LC_EFI_ST_CONFIG_TABLE     112

/* A GUID as it is stored (mixed endian), and the ones the kernel looks up
 * in the configuration table (UEFI 2.x 4.6). */
struct lc_guid {
	uint32_t a;
	uint16_t b, c;
	uint8_t d[8];
};
extern const struct lc_guid lc_guid_acpi20, lc_guid_acpi10, lc_guid_smbios,
	lc_guid_smbios3;

/* The vendor table of a GUID in a configuration table (n entries of 24
 * bytes at p), or 0. */
uint64_t lc_efi_config_find(const uint8_t *p, uint64_t n, const struct lc_guid *g);

#define LC_EFI_MEMORY_DESCRIPTOR_VERSION 1
#define LC_EFI_MEMORY_DESCRIPTOR_MIN     40 /* sizeof(EFI_MEMORY_DESCRIPTOR) */

/*
 * The EFI memory map: desc_size >= 40 and a multiple of 8, version 1,
 * size a nonzero multiple of desc_size; every descriptor a defined type
 * (0..15, or the OEM/OS ranges from 0x70000000), 4 KiB-aligned start, a
 * nonzero page count that does not wrap, none overlapping another.  *bad
 * is the descriptor index.
 */
const char *lc_efi_memmap_problem(const uint8_t *map, uint64_t size,
                                  uint64_t desc_size, uint64_t version,
                                  uint64_t *bad);

/*
 * 1 when every byte of [phys, phys + len) lies in descriptors that were
 * free for the OS (loader code/data, boot services code/data,
 * conventional memory), else 0 with the first byte that does not.
 */
int lc_efi_covers_free(const uint8_t *map, uint64_t size, uint64_t desc_size,
                       uint64_t phys, uint64_t len, uint64_t *bad);

/* ---- time ------------------------------------------------------------ */

/* Seconds since 1970-01-01 00:00:00 UTC of a Gregorian date and time
 * (year 1970..9999, fields in range: the caller checks with lc_date_ok). */
int64_t lc_unix_time(unsigned year, unsigned mon, unsigned day, unsigned hour,
                     unsigned min, unsigned sec);
int lc_date_ok(unsigned year, unsigned mon, unsigned day, unsigned hour,
               unsigned min, unsigned sec);
/* A CMOS RTC byte: BCD unless status B bit 2 says binary. */
unsigned lc_rtc_value(uint8_t raw, int binary);
/* The hour byte: 12-hour mode (status B bit 1 clear) with bit 7 = PM. */
unsigned lc_rtc_hour(uint8_t raw, int binary, int h24);

/* ---- CPU state ------------------------------------------------------- */

/*
 * Descriptor i (0..6) of the GDT the protocol lists: null; 16-bit code
 * and data (base 0, limit 0xffff); 32-bit code and data (base 0, limit
 * 0xffffffff); 64-bit code and data.  Code readable, data writable, all
 * present DPL 0 code/data descriptors.
 */
const char *lc_gdt_problem(unsigned i, uint64_t desc);

/* IA32_PAT as the protocol lays it out: PAT0 WB, 1 WT, 2 UC-, 3 UC,
 * 4 WP, 5 WC (6 and 7 unspecified). */
const char *lc_pat_problem(uint64_t pat);
#define LC_PAT_WB 0 /* PAT index of write-back: PWT=PCD=PAT=0  */
#define LC_PAT_WC 5 /* PAT index of write-combining: PAT=1 PWT=1 */

/* The PAT index a leaf entry selects (PWT, PCD, and PAT at bit 7 for a
 * 4 KiB page or bit 12 for a large page). */
unsigned lc_pte_pat_index(uint64_t pte, int large);

/* ---- files ----------------------------------------------------------- */

int lc_uuid_is_zero(const struct lp_uuid *u);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (upper case, as sgdisk prints). */
void lc_uuid_format(char out[37], const struct lp_uuid *u);

/*
 * The kernel file's ELF header (size bytes at f): ELF magic, 64-bit,
 * little-endian, x86-64, e_type want_type, e_entry want_entry, program
 * and section header tables inside the file.
 */
const char *lc_elf_problem(const uint8_t *f, uint64_t size, uint16_t want_type,
                           uint64_t want_entry);
uint64_t lc_elf_entry(const uint8_t *f);

/* The first PT_LOAD with PF_X: its file offset, vaddr and file size.
 * Returns 0 when there is none (header checked first). */
int lc_elf_exec_segment(const uint8_t *f, uint64_t size, uint64_t *offset,
                        uint64_t *vaddr, uint64_t *filesz);

/* Where the file's last table or segment ends (lld writes the section
 * header table last, so this is the file's size). */
uint64_t lc_elf_extent(const uint8_t *f);

/*
 * dst = the directory of path (up to and including its last '/') + name;
 * 0 when it does not fit in dstsize.
 */
int lc_sibling_path(char *dst, uint64_t dstsize, const char *path, const char *name);

/* 1 when s is NUL-terminated within max bytes and all printable ASCII. */
int lc_printable(const char *s, uint64_t max);

/* ---- stacks ----------------------------------------------------------- */

/*
 * n stacks given by their entry RSP (the top - 8): each 16-byte aligned
 * after the return address (rsp % 16 == 8), and any two at least size
 * bytes apart (each has its own stack of that size).  *bad is an index.
 */
const char *lc_stacks_problem(const uint64_t *rsp, uint64_t n, uint64_t size,
                              uint64_t *bad);

#endif /* RUNWAY_LIMINE_LCHECKS_H */
