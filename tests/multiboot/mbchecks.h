/*
 * mbchecks.h - the Multiboot test kernels' checking logic as pure
 * functions: walking the Multiboot2 information structure, the memory map
 * of either protocol and its consistency with mem_lower/mem_upper and with
 * the EFI memory map, range overlap and coverage, ACPI RSDP and SMBIOS
 * entry point checksums, the EFI table header CRC32, the framebuffer
 * fields.  No I/O, no globals and no pointers made from physical
 * addresses: the kernels (32- and 64-bit) and host_test.c compile the same
 * file; the host test feeds it hand-built structures, broken ones
 * included, so every check is shown able to fail.
 *
 * Functions named *_problem return NULL when all is well, else a short
 * static text saying what is wrong; the kernel prints it with the values.
 */
#ifndef RUNWAY_MB_CHECKS_H
#define RUNWAY_MB_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "mbspec.h"

#define MB_PAGE 4096ull

/* The information structure may not be larger than this (a sanity bound
 * for the walk: Runway's is a few KiB). */
#define MB2_INFO_MAX (1u << 20)

/* ---- the Multiboot2 information structure ----------------------------- */

struct mb2_walk {
	/* The first tag of each known type, or NULL; and how many there are. */
	const struct mb2_tag *tag[MB2_TAG_MAX + 1];
	uint32_t count[MB2_TAG_MAX + 1];
	uint32_t ntags;   /* tags before the end tag          */
	uint32_t unknown; /* of them, types above MB2_TAG_MAX */
	/* On failure: the offending tag's offset, type and size. */
	uint32_t bad_offset, bad_type, bad_size;
};

/*
 * Walks the structure at info, whose first 8 bytes (total_size, reserved)
 * the caller has read; the caller may read total_size bytes.  Checks:
 * total_size at least 16 and at most MB2_INFO_MAX, reserved zero, every
 * tag inside total_size with size >= 8 and the sizes its type needs
 * (mb2_tag_problem), each next tag at the 8-byte boundary after the last,
 * an end tag (type 0, size 8) that ends exactly at total_size, no known
 * type other than modules twice.  Fills *w (also on failure, as far as
 * the walk got).
 */
const char *mb2_walk_problem(const void *info, struct mb2_walk *w);

/* What is wrong with one tag's size or fixed fields, or NULL. */
const char *mb2_tag_problem(const struct mb2_tag *t);

/* The next module tag after `after` (NULL: the first), or NULL. */
const struct mb2_tag_module *mb2_next_module(const void *info,
                                             const struct mb2_tag_module *after);

/*
 * "1,2,3" for the types set in `mask` (bit n = type n), into buf (size >=
 * 3 * 64 is always enough).  Returns buf.
 */
char *mb_tags_text(char *buf, size_t size, uint64_t mask);

/* ---- memory maps ------------------------------------------------------- */

/* One map entry of either protocol. */
struct mb_range {
	uint64_t base, length;
	uint32_t type;
};

/*
 * The entries of a Multiboot2 memory map tag (already passed
 * mb2_tag_problem) into out[cap]; returns the number of entries (more than
 * cap when it did not fit: only cap were stored).
 */
uint32_t mb2_mmap_collect(const struct mb2_tag_mmap *t, struct mb_range *out,
                          uint32_t cap);

/*
 * The Multiboot (1) map: mmap_length bytes at buf, each entry a u32 size
 * (not counting itself, at least 20) and base, length, type.  Stores up to
 * cap entries; *n is the count.  On a problem *bad_off is the offset.
 */
const char *mb1_mmap_problem(const uint8_t *buf, uint32_t length,
                             struct mb_range *out, uint32_t cap, uint32_t *n,
                             uint32_t *bad_off);

/*
 * The map's promises as the test kernels read them: no empty entry, none
 * wrapping past 2^64, sorted by base, none overlapping another, types 1
 * to 5.  On a problem *bad is the entry's index.
 */
const char *mb_mmap_problem(const struct mb_range *m, uint32_t n, uint32_t *bad);

/*
 * 1 when [base, base + len) lies in entries of `type` (adjacent entries may
 * share the range), else 0 with the first address that does not in *bad.
 * The map must be sorted (mb_mmap_problem).  len 0: 1.
 */
int mb_mmap_covers(const struct mb_range *m, uint32_t n, uint64_t base,
                   uint64_t len, uint32_t type, uint64_t *bad);

/*
 * What mem_lower and mem_upper (KiB) must be for this map: lower, the
 * type-1 memory contiguous from address 0 (at most 640 KiB); upper, the
 * type-1 memory contiguous from 1 MiB up to the first hole.  An address
 * that is not type 1 gives 0.  The map must be sorted.
 */
void mb_meminfo_expect(const struct mb_range *m, uint32_t n, uint32_t *lower_kib,
                       uint32_t *upper_kib);

/* 1 when [a, a + alen) and [b, b + blen) share a byte. */
int mb_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

/* ---- the EFI memory map against the Multiboot one ---------------------- */

/*
 * The Multiboot type an EFI descriptor's memory must have: 1 for loader
 * code and data, boot services code and data, conventional memory and
 * Runway's kernel and module types; 3 for ACPI reclaim; 4 for ACPI NVS;
 * 5 for unusable memory; 0 for the rest, which must not be type 1.
 */
uint32_t mb_efi_expected_type(uint32_t efi_type);

struct mb_efi_bad {
	uint32_t index;     /* the descriptor (or, for "not covered", 0) */
	uint32_t efi_type;
	uint64_t start, pages;
	uint64_t addr;      /* the first address that broke the rule     */
	uint32_t mb_type;   /* the Multiboot type there (0: no entry)    */
};

/*
 * Checks `bytes` of descriptors of desc_size at descs (the EFI memory map
 * tag's payload) against the Multiboot map m: every descriptor has pages
 * and a page-aligned start; each lies in Multiboot entries of the type
 * mb_efi_expected_type names, and one that names 0 touches no type-1
 * entry; every type-1 entry is covered by descriptors whose expected type
 * is 1.  The Multiboot map must be sorted; the EFI map need not be.
 */
const char *mb_efi_map_problem(const uint8_t *descs, uint64_t bytes,
                               uint32_t desc_size, const struct mb_range *m,
                               uint32_t n, struct mb_efi_bad *bad);

/*
 * The type of the descriptor holding addr, or -1 when none does (EFI map
 * as above).  When two do, the first.
 */
int64_t mb_efi_type_at(const uint8_t *descs, uint64_t bytes, uint32_t desc_size,
                       uint64_t addr);

/*
 * 1 when every page of [base, base + len) lies in descriptors whose type
 * `ok` accepts, else 0 with the first address that does not in *bad and
 * its type (-1: no descriptor) in *bad_type.
 */
int mb_efi_covers(const uint8_t *descs, uint64_t bytes, uint32_t desc_size,
                  uint64_t base, uint64_t len, int (*ok)(uint32_t type),
                  uint64_t *bad, int64_t *bad_type);

/* ---- firmware tables ---------------------------------------------------- */

/* Sum of len bytes, mod 256. */
uint8_t mb_sum8(const uint8_t *p, uint64_t len);

/*
 * An RSDP copy of `avail` bytes (the ACPI tag's payload): "RSD PTR ", the
 * checksum over the first 20 bytes; with v2, revision >= 2, a length of at
 * least 36 that fits in avail, and the extended checksum over it.
 */
const char *mb_rsdp_problem(const uint8_t *p, uint64_t avail, int v2);

/*
 * The SMBIOS tag: an entry point ("_SM_" with its length at 5, or "_SM3_"
 * with its length at 6) that fits in the tag, its checksum, and major and
 * minor equal to the entry point's version.
 */
const char *mb_smbios_problem(const struct mb2_tag_smbios *t);

/* CRC-32 (IEEE 802.3, as UEFI uses it), continuing from crc (0 to start). */
uint32_t mb_crc32(uint32_t crc, const void *p, uint64_t len);

/*
 * An EFI table header: the signature, a header_size of at least 24 and at
 * most max_size (what the caller may read), and the CRC-32 over
 * header_size bytes with the crc32 field taken as zero.
 */
const char *mb_efi_header_problem(const struct efi_table_header *h,
                                  uint64_t signature, uint32_t max_size);

/* ---- framebuffer -------------------------------------------------------- */

struct mb_fb {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
};

/*
 * The mode the kernel asked for and how it must look: RGB, exactly
 * want_w x want_h (unless want_w is 0) with want_bpp (unless 0), no zero
 * dimension, pitch at least width * bytes per pixel, the whole
 * framebuffer below 4 GiB and not at 0.
 */
const char *mb_fb_problem(const struct mb_fb *fb, uint32_t want_w, uint32_t want_h,
                          uint32_t want_bpp);

/* ---- strings ------------------------------------------------------------ */

/* 1 when s starts with prefix. */
int mb_starts_with(const char *s, const char *prefix);

#endif /* RUNWAY_MB_CHECKS_H */
