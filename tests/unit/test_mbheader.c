/*
 * test_mbheader.c - what a Multiboot kernel's file says before anything is
 * loaded: the Multiboot2 and Multiboot (1) headers in its first bytes
 * (proto/mbheader.c: mb_find, mb_probe, mb_image_from_addr; proto/proto.c:
 * proto_probe), the image the protocols' parse describes from them
 * (proto/mbcommon.c: mb_parse_image), ELF32 and ELF64 files at their
 * physical addresses (elf/phys.c), and such a fixed image claimed exactly
 * where it must go (elf/load.c, mm/find.c) by the allocator over a fake
 * firmware (fakefw.c), with a host buffer standing for physical memory.
 *
 * Headers are written byte by byte as the specifications lay them out
 * (Multiboot2 Specification 2.0 section 3.1, Multiboot Specification
 * 0.6.96 section 3.1): the magics, tag types and sizes below are taken from
 * that text, not from include/multiboot.h, so that a typo on either side
 * shows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf64.h"
#include "fakefw.h"
#include "mm.h"
#include "multiboot.h"
#include "proto.h"

#include "../../elf/format.h"

#define PAGE 4096ull
#define KIB 1024ull
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define PATH "/boot/mb.elf"
#define FILE_MAX (64 * KIB)
#define JUNK 0xcc

/* ---- the specifications' numbers ---- */

#define SPEC2_MAGIC 0xe85250d6u   /* Multiboot2 header magic */
#define SPEC2_WINDOW (32 * KIB)   /* "within the first 32768 bytes" */
#define SPEC1_MAGIC 0x1badb002u   /* Multiboot header magic */
#define SPEC1_WINDOW (8 * KIB)    /* "within the first 8192 bytes" */

/* Multiboot2 header tag types (section 3.1.3 onwards). */
enum {
	HT_END = 0,
	HT_INFO = 1,
	HT_ADDRESS = 2,
	HT_ENTRY = 3,
	HT_CONSOLE = 4,
	HT_FRAMEBUFFER = 5,
	HT_MODULE_ALIGN = 6,
	HT_EFI_BS = 7,
	HT_EFI_I386 = 8,
	HT_EFI_AMD64 = 9,
	HT_RELOCATABLE = 10,
};
#define HT_OPTIONAL 1 /* tag flags bit 0 */

/* Multiboot (1) header flags (section 3.1.2). */
#define F1_PAGE_ALIGN (1u << 0)
#define F1_MEMINFO (1u << 1)
#define F1_VIDEO (1u << 2)
#define F1_ADDRESS (1u << 16)

/* ---- the file ---- */

static uint8_t F[FILE_MAX];
static uint64_t F_size;

/* File bytes no header covers: never zero, so that zeroing shows. */
static uint8_t pattern(uint64_t off)
{
	uint8_t b = (uint8_t)(off * 167 + (off >> 8) * 13 + 0x3d);
	return b ? b : 0x77;
}

static void file_new(uint64_t size)
{
	assert_true(size <= FILE_MAX);
	F_size = size;
	for (uint64_t o = 0; o < FILE_MAX; o++)
		F[o] = pattern(o);
}

static void put16(uint64_t off, uint16_t v)
{
	assert_true(off + 2 <= FILE_MAX);
	memcpy(F + off, &v, 2);
}

static void put32(uint64_t off, uint32_t v)
{
	assert_true(off + 4 <= FILE_MAX);
	memcpy(F + off, &v, 4);
}

static uint32_t get32(uint64_t off)
{
	uint32_t v;
	memcpy(&v, F + off, 4);
	return v;
}

static uint64_t f_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	(void)ctx;
	if (off > F_size || len > F_size - off)
		fail_msg("read of %" PRIu64 " bytes at %" PRIu64 " past the end of a %" PRIu64 "-byte file",
			 len, off, F_size);
	memcpy(buf, F + off, len);
	return 0;
}

static struct elf_file file_of(void)
{
	return (struct elf_file){ .path = PATH, .size = F_size, .read = f_read };
}

/* ---- a Multiboot2 header, tag by tag ---- */

static struct {
	uint64_t at;    /* the header's offset in the file */
	uint64_t next;  /* where the next tag goes */
} B;

static void mb2_sum(void)
{
	put32(B.at + 12, -(SPEC2_MAGIC + get32(B.at + 4) + get32(B.at + 8)));
}

/* magic, architecture 0 (i386); length and checksum come with mb2_end. */
static void mb2_begin(uint64_t at)
{
	B.at = at;
	B.next = at + 16;
	put32(at, SPEC2_MAGIC);
	put32(at + 4, 0);
}

/* A tag whose size field says `size` (which may lie), with n words after
 * its 8-byte head; the next tag goes at the following 8-byte boundary.
 * Returns the tag's offset in the file. */
static uint64_t tag_sized(uint16_t type, uint16_t flags, uint32_t size,
			  const uint32_t *w, size_t n)
{
	uint64_t t = B.next;
	put16(t, type);
	put16(t + 2, flags);
	put32(t + 4, size);
	for (size_t i = 0; i < n; i++)
		put32(t + 8 + 4 * i, w[i]);
	B.next = (t + (size < 8 ? 8 : size) + 7) & ~7ull;
	return t;
}

static uint64_t tag(uint16_t type, uint16_t flags, const uint32_t *w, size_t n)
{
	return tag_sized(type, flags, (uint32_t)(8 + 4 * n), w, n);
}

#define ARR(...) (const uint32_t[]){ __VA_ARGS__ }
#define WORDS(...) ARR(__VA_ARGS__), sizeof(ARR(__VA_ARGS__)) / 4
#define TAG(type, flags, ...) tag(type, flags, WORDS(__VA_ARGS__))

/* The end tag, header_length and checksum. */
static void mb2_end(void)
{
	tag(HT_END, 0, NULL, 0);
	put32(B.at + 8, (uint32_t)(B.next - B.at));
	mb2_sum();
}

/* ---- a Multiboot (1) header ---- */

/* magic, flags, checksum at `at`, then the address fields (header_addr,
 * load_addr, load_end_addr, bss_end_addr, entry_addr) and the video ones
 * (mode_type, width, height, depth) when given. */
static void mb1_at(uint64_t at, uint32_t flags, const uint32_t *addr,
		   const uint32_t *video)
{
	put32(at, SPEC1_MAGIC);
	put32(at + 4, flags);
	put32(at + 8, -(SPEC1_MAGIC + flags));
	for (int i = 0; addr && i < 5; i++)
		put32(at + 12 + 4 * i, addr[i]);
	for (int i = 0; video && i < 4; i++)
		put32(at + 32 + 4 * i, video[i]);
}

/* ---- finding it ---- */

static int find(int version, uint64_t len, struct mb_header *h,
		struct rw_err *err)
{
	return mb_find(version, F, (size_t)len, F_size, PATH, h, err);
}

/* The loader's call: the file's first min(size, 32 KiB) bytes. */
static struct mb_header found(int version)
{
	struct mb_header h;
	struct rw_err err = { "" };
	uint64_t len = F_size < PROTO_HEAD_MAX ? F_size : PROTO_HEAD_MAX;
	int r = find(version, len, &h, &err);
	if (r < 0)
		fail_msg("mb_find: %s", err.msg);
	if (r == 0)
		fail_msg("mb_find found no header");
	return h;
}

/* The header is refused with a message naming the file and each of
 * what[] (NULL-terminated); the output is left alone. */
static void refused_saying(int version, const char *const *what)
{
	struct mb_header h;
	struct rw_err err = { "" };
	uint64_t len = F_size < PROTO_HEAD_MAX ? F_size : PROTO_HEAD_MAX;

	memset(&h, 0x5a, sizeof h);
	int r = find(version, len, &h, &err);
	if (r != -1)
		fail_msg("mb_find returned %d; expected a refusal", r);
	if (!strstr(err.msg, PATH))
		fail_msg("message '%s' does not name the file", err.msg);
	for (size_t i = 0; what[i]; i++)
		if (!strstr(err.msg, what[i]))
			fail_msg("message '%s' does not say '%s'", err.msg, what[i]);
	const uint8_t *b = (const uint8_t *)&h;
	for (size_t i = 0; i < sizeof h; i++)
		if (b[i] != 0x5a)
			fail_msg("mb_find wrote its output although it failed");
}

#define REFUSED(version, ...) \
	refused_saying(version, (const char *const[]){ __VA_ARGS__, NULL })

static void not_found(int version, uint64_t len)
{
	struct mb_header h;
	struct rw_err err = { "" };

	memset(&h, 0x5a, sizeof h);
	assert_int_equal(find(version, len, &h, &err), 0);
	assert_int_equal(((uint8_t *)&h)[0], 0x5a);
}

/* ---- Multiboot2 headers ---- */

/* Every header tag type the specification defines, in one header at a
 * nonzero 8-byte boundary. */
static void test_mb2_header_with_every_tag_type_is_read(void **state)
{
	(void)state;
	file_new(0x4000);
	mb2_begin(0x48);
	TAG(HT_INFO, 0, 1, 4, 6);                   /* required */
	TAG(HT_INFO, HT_OPTIONAL, 16, 13);          /* optional */
	TAG(HT_ADDRESS, 0, 0x100048, 0x100000, 0x103000, 0x108000);
	TAG(HT_ENTRY, 0, 0x100400);
	TAG(HT_CONSOLE, 0, 3);
	TAG(HT_FRAMEBUFFER, HT_OPTIONAL, 1024, 768, 32);
	tag(HT_MODULE_ALIGN, 0, NULL, 0);
	tag(HT_EFI_BS, 0, NULL, 0);
	TAG(HT_EFI_I386, HT_OPTIONAL, 0x100500);
	TAG(HT_EFI_AMD64, HT_OPTIONAL, 0x100600);
	TAG(HT_RELOCATABLE, 0, 0x200000, 0x3fffffff, 0x200000, 2);
	mb2_end();

	struct mb_header h = found(2);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.offset, 0x48);
	assert_int_equal(h.length, B.next - B.at);
	assert_int_equal(h.nrequests, 5);
	const uint32_t want[] = { 1, 4, 6, 16, 13 };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(h.request[i], want[i]);
		assert_int_equal(h.request_optional[i], i >= 3);
	}
	assert_true(h.has_addr);
	assert_int_equal(h.header_addr, 0x100048);
	assert_int_equal(h.load_addr, 0x100000);
	assert_int_equal(h.load_end_addr, 0x103000);
	assert_int_equal(h.bss_end_addr, 0x108000);
	assert_true(h.has_entry);
	assert_int_equal(h.entry, 0x100400);
	assert_true(h.has_console_flags);
	assert_int_equal(h.console_flags, 3);
	assert_true(h.has_fb);
	assert_true(h.fb_optional);
	assert_int_equal(h.fb_width, 1024);
	assert_int_equal(h.fb_height, 768);
	assert_int_equal(h.fb_depth, 32);
	assert_true(h.module_align);
	assert_true(h.keep_bs);
	assert_true(h.has_efi32_entry);
	assert_true(h.has_efi64_entry);
	assert_int_equal(h.efi64_entry, 0x100600);
	assert_true(h.has_reloc);
	assert_int_equal(h.reloc_min, 0x200000);
	assert_int_equal(h.reloc_max, 0x3fffffff);
	assert_int_equal(h.reloc_align, 0x200000);
	assert_int_equal(h.reloc_prefer, 2);
}

static void test_mb2_smallest_header_is_just_the_end_tag(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	mb2_end();
	struct mb_header h = found(2);
	assert_int_equal(h.length, 24);
	assert_int_equal(h.nrequests, 0);
	assert_false(h.has_addr);
	assert_false(h.has_entry);
	assert_false(h.has_fb);
	assert_false(h.keep_bs);
	assert_false(h.has_reloc);
}

static void test_mb2_bad_checksum_is_refused_with_the_sum(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0x10);
	mb2_end();
	put32(B.at + 12, get32(B.at + 12) + 1);
	/* magic + architecture + header_length + checksum is now 1. */
	REFUSED(2, "offset 16", "checksum", "0x00000001");
}

static void test_mb2_architecture_1_is_refused(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	mb2_end();
	put32(B.at + 4, 1);
	mb2_sum();
	REFUSED(2, "architecture 1");
}

static void test_mb2_architecture_4_mips_is_refused(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	mb2_end();
	put32(B.at + 4, 4);
	mb2_sum();
	REFUSED(2, "architecture 4");
}

static void test_mb2_header_length_past_the_window_is_refused(void **state)
{
	(void)state;
	/* The header starts 32 bytes before the window ends, its tags run
	 * past it. */
	file_new(48 * KIB);
	mb2_begin(SPEC2_WINDOW - 32);
	TAG(HT_ENTRY, 0, 0x100000);
	TAG(HT_CONSOLE, 0, 0);
	mb2_end();
	assert_true(B.next > SPEC2_WINDOW);
	REFUSED(2, "header_length 56");
}

static void test_mb2_header_length_past_the_end_of_the_file_is_refused(void **state)
{
	(void)state;
	file_new(0x100);
	mb2_begin(0xc0);
	TAG(HT_ENTRY, 0, 0x100000);
	mb2_end();
	put32(B.at + 8, 0x48); /* 0xc0 + 0x48 > 0x100 */
	mb2_sum();
	REFUSED(2, "header_length 72");
}

static void test_mb2_header_length_below_24_is_refused(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	mb2_end();
	put32(B.at + 8, 16);
	mb2_sum();
	REFUSED(2, "header_length 16");
}

static void test_mb2_tag_whose_size_runs_past_the_header_is_refused(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	uint64_t t = TAG(HT_ENTRY, 0, 0x100000);
	mb2_end();
	put32(t + 4, 0x40); /* header_length is 40 */
	REFUSED(2, "type 3 at offset 16", "size 64", "outside the header");
}

static void test_mb2_tag_of_size_below_8_is_refused(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	uint64_t t = TAG(HT_ENTRY, 0, 0x100000);
	mb2_end();
	put32(t + 4, 4);
	REFUSED(2, "offset 16", "size 4");
}

static void test_mb2_tag_of_size_below_its_minimum_is_refused(void **state)
{
	(void)state;
	/* An address tag is 24 bytes: this one says 16. */
	file_new(0x1000);
	mb2_begin(0);
	tag_sized(HT_ADDRESS, 0, 16, WORDS(0x100000, 0x100000));
	mb2_end();
	REFUSED(2, "type 2 at offset 16", "size 16, below 24");
}

static void test_mb2_every_known_tag_is_refused_one_byte_short(void **state)
{
	(void)state;
	/* The sizes the specification gives each header tag. */
	static const struct { uint16_t type; uint32_t size; } sizes[] = {
		{ HT_ADDRESS, 24 }, { HT_ENTRY, 12 }, { HT_CONSOLE, 12 },
		{ HT_FRAMEBUFFER, 20 }, { HT_EFI_I386, 12 },
		{ HT_EFI_AMD64, 12 }, { HT_RELOCATABLE, 24 },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char what[32];
		file_new(0x1000);
		mb2_begin(0);
		tag_sized(sizes[i].type, 0, sizes[i].size - 1, NULL, 0);
		mb2_end();
		snprintf(what, sizeof what, "below %u", sizes[i].size);
		REFUSED(2, what);
		/* At its size, accepted. */
		file_new(0x1000);
		mb2_begin(0);
		tag_sized(sizes[i].type, 0, sizes[i].size,
			  WORDS(0x100000, 0x100000, 0, 0, 0));
		mb2_end();
		found(2);
	}
}

static void test_mb2_header_without_an_end_tag_is_refused(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	TAG(HT_ENTRY, 0, 0x100000);
	TAG(HT_CONSOLE, 0, 0);
	/* header_length covers the two tags; no end tag within it. */
	put32(B.at + 8, (uint32_t)(B.next - B.at));
	mb2_sum();
	REFUSED(2, "no end tag");
}

static void test_mb2_tag_cut_by_header_length_is_refused(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	TAG(HT_ENTRY, 0, 0x100000);
	mb2_end();
	/* 4 bytes of the end tag's head inside header_length. */
	put32(B.at + 8, 36);
	mb2_sum();
	REFUSED(2, "offset 32", "cut by header_length 36");
}

static void test_mb2_unknown_required_tag_is_refused_naming_type_and_offset(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0x18);
	TAG(HT_ENTRY, 0, 0x100000);
	TAG(11, 0, 0x1234);
	mb2_end();
	/* The header is at 0x18, the tag 32 bytes in: file offset 56. */
	REFUSED(2, "type 11 at offset 56", "optional");
}

static void test_mb2_unknown_optional_tag_is_skipped(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0);
	TAG(0x7fff, HT_OPTIONAL, 1, 2, 3, 4, 5);
	TAG(HT_ENTRY, 0, 0x100040);
	mb2_end();
	struct mb_header h = found(2);
	assert_true(h.has_entry);
	assert_int_equal(h.entry, 0x100040);
}

static void test_mb2_tags_of_odd_size_are_padded_to_8_bytes(void **state)
{
	(void)state;
	/* An information request of three types is 20 bytes; the next tag
	 * starts 24 bytes after it. */
	file_new(0x1000);
	mb2_begin(0);
	uint64_t t = TAG(HT_INFO, 0, 1, 2, 3);
	uint64_t e = TAG(HT_ENTRY, 0, 0x100040);
	mb2_end();
	assert_int_equal(e - t, 24);
	struct mb_header h = found(2);
	assert_int_equal(h.nrequests, 3);
	assert_int_equal(h.entry, 0x100040);
}

static void test_mb2_more_than_64_requests_are_refused(void **state)
{
	(void)state;
	uint32_t types[65];
	for (size_t i = 0; i < 65; i++)
		types[i] = 1;
	file_new(0x1000);
	mb2_begin(0);
	tag(HT_INFO, 0, types, 65);
	mb2_end();
	REFUSED(2, "more than 64");
	file_new(0x1000);
	mb2_begin(0);
	tag(HT_INFO, 0, types, 64);
	mb2_end();
	assert_int_equal(found(2).nrequests, 64);
}

static void relocatable(uint32_t min, uint32_t max, uint32_t align, uint32_t prefer)
{
	file_new(0x1000);
	mb2_begin(0);
	TAG(HT_RELOCATABLE, 0, min, max, align, prefer);
	mb2_end();
}

static void test_mb2_relocatable_preference_3_is_refused(void **state)
{
	(void)state;
	relocatable(0x100000, 0x1000000, 0x1000, 3);
	REFUSED(2, "preference 3");
	for (uint32_t p = 0; p <= 2; p++) {
		relocatable(0x100000, 0x1000000, 0x1000, p);
		assert_int_equal(found(2).reloc_prefer, p);
	}
}

static void test_mb2_relocatable_align_not_a_power_of_two_is_refused(void **state)
{
	(void)state;
	relocatable(0x100000, 0x1000000, 0x3000, 1);
	REFUSED(2, "align 0x3000");
	relocatable(0x100000, 0x1000000, 0x200000, 1);
	assert_int_equal(found(2).reloc_align, 0x200000);
}

static void test_mb2_relocatable_min_above_max_is_refused(void **state)
{
	(void)state;
	relocatable(0x2000000, 0x1000000, 0x1000, 0);
	REFUSED(2, "min_addr 0x2000000", "max_addr 0x1000000");
	relocatable(0x1000000, 0x1000000, 0x1000, 0);
	found(2);
}

static void test_mb2_header_at_40_kib_is_not_found(void **state)
{
	(void)state;
	file_new(48 * KIB);
	mb2_begin(40 * KIB);
	mb2_end();
	/* Even handed more than the window, mb_find looks only inside it. */
	not_found(2, F_size);
	not_found(2, PROTO_HEAD_MAX);
	assert_false(proto_multiboot2.probe(F, (size_t)F_size));
	/* Within the window the same header is found. */
	file_new(48 * KIB);
	mb2_begin(SPEC2_WINDOW - 24);
	mb2_end();
	assert_int_equal(found(2).offset, SPEC2_WINDOW - 24);
}

static void test_mb2_magic_off_an_8_byte_boundary_is_not_found(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0x44);
	mb2_end();
	not_found(2, F_size);
	assert_false(mb_probe(2, F, (size_t)F_size));
}

static void test_mb2_good_header_after_a_bad_magic_wins(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0x20); /* checksum wrong */
	mb2_end();
	put32(B.at + 12, 0);
	mb2_begin(0x100);
	TAG(HT_ENTRY, 0, 0x100123);
	mb2_end();
	struct mb_header h = found(2);
	assert_int_equal(h.offset, 0x100);
	assert_int_equal(h.entry, 0x100123);
}

static void test_mb2_two_bad_headers_report_the_first_fault(void **state)
{
	(void)state;
	file_new(0x1000);
	mb2_begin(0x20);
	mb2_end();
	put32(B.at + 4, 1);
	mb2_sum();
	mb2_begin(0x100);
	mb2_end();
	put32(B.at + 12, 0);
	REFUSED(2, "offset 32", "architecture 1");
}

static void test_mb2_no_magic_is_not_found(void **state)
{
	(void)state;
	file_new(0x8000);
	not_found(2, F_size);
	assert_false(mb_probe(2, F, (size_t)F_size));
}

static void test_mb2_header_past_the_end_of_the_file_is_not_found(void **state)
{
	(void)state;
	/* The bytes are in the buffer, but the file is shorter. */
	file_new(0x1000);
	mb2_begin(0x800);
	mb2_end();
	F_size = 0x800;
	not_found(2, 0x1000);
}

/* ---- Multiboot (1) headers ---- */

static void test_mb1_header_with_flags_0_1_2_16_is_read(void **state)
{
	(void)state;
	file_new(0x3000);
	uint32_t flags = F1_PAGE_ALIGN | F1_MEMINFO | F1_VIDEO | F1_ADDRESS;
	mb1_at(0x24, flags, ARR(0x100024, 0x100000, 0x102000, 0x105000, 0x100080),
	       ARR(0, 800, 600, 32));
	struct mb_header h = found(1);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.offset, 0x24);
	assert_int_equal(h.flags, flags);
	assert_int_equal(h.length, 48);
	assert_true(h.module_align);
	assert_true(h.has_addr);
	assert_int_equal(h.header_addr, 0x100024);
	assert_int_equal(h.load_addr, 0x100000);
	assert_int_equal(h.load_end_addr, 0x102000);
	assert_int_equal(h.bss_end_addr, 0x105000);
	assert_true(h.has_entry);
	assert_int_equal(h.entry, 0x100080);
	assert_true(h.has_fb);
	assert_true(h.fb_optional);
	assert_int_equal(h.fb_mode_type, 0);
	assert_int_equal(h.fb_width, 800);
	assert_int_equal(h.fb_height, 600);
	assert_int_equal(h.fb_depth, 32);
}

static void test_mb1_header_without_address_or_video_is_12_bytes(void **state)
{
	(void)state;
	file_new(0x3000);
	mb1_at(0x8, F1_MEMINFO, NULL, NULL);
	struct mb_header h = found(1);
	assert_int_equal(h.length, 12);
	assert_false(h.has_addr);
	assert_false(h.has_entry);
	assert_false(h.has_fb);
	assert_false(h.module_align);
}

static void test_mb1_unknown_required_flag_bit_3_is_refused(void **state)
{
	(void)state;
	file_new(0x3000);
	mb1_at(0, F1_MEMINFO | (1u << 3), NULL, NULL);
	REFUSED(1, "0x0008", "bits 0-15");
}

static void test_mb1_unknown_optional_flag_bit_20_is_accepted(void **state)
{
	(void)state;
	file_new(0x3000);
	mb1_at(0, F1_MEMINFO | (1u << 20), NULL, NULL);
	assert_int_equal(found(1).flags, F1_MEMINFO | (1u << 20));
}

static void test_mb1_bad_checksum_is_refused(void **state)
{
	(void)state;
	file_new(0x3000);
	mb1_at(0x10, F1_MEMINFO, NULL, NULL);
	put32(0x18, 0);
	REFUSED(1, "offset 16", "checksum");
}

static void test_mb1_good_header_after_bad_ones_wins_else_the_first_fault(void **state)
{
	(void)state;
	file_new(0x3000);
	mb1_at(0x10, F1_MEMINFO | (1u << 5), NULL, NULL); /* unknown bit 5 */
	mb1_at(0x40, F1_MEMINFO, NULL, NULL);
	put32(0x48, 0);                                   /* bad checksum */
	REFUSED(1, "offset 16", "0x0020");
	mb1_at(0x80, F1_MEMINFO, NULL, NULL);
	assert_int_equal(found(1).offset, 0x80);
}

static void test_mb1_header_at_a_4_byte_boundary_is_found(void **state)
{
	(void)state;
	file_new(0x3000);
	mb1_at(0x1c, 0, NULL, NULL);
	assert_int_equal(found(1).offset, 0x1c);
	assert_true(mb_probe(1, F, (size_t)F_size));
}

static void test_mb1_header_past_8_kib_is_not_found(void **state)
{
	(void)state;
	file_new(0x4000);
	mb1_at(SPEC1_WINDOW, 0, NULL, NULL);
	not_found(1, PROTO_HEAD_MAX);
	/* The protocol's probe looks in the same window. */
	assert_false(proto_multiboot1.probe(F, PROTO_HEAD_MAX));
}

static void test_mb1_12_byte_header_ending_at_8_kib_is_found(void **state)
{
	(void)state;
	/* "contained completely within the first 8192 bytes": the last 12. */
	file_new(0x4000);
	mb1_at(SPEC1_WINDOW - 12, F1_MEMINFO, NULL, NULL);
	assert_int_equal(found(1).offset, SPEC1_WINDOW - 12);
	assert_true(mb_probe(1, F, PROTO_HEAD_MAX));
}

static void test_mb1_address_fields_past_8_kib_are_refused(void **state)
{
	(void)state;
	file_new(0x4000);
	mb1_at(SPEC1_WINDOW - 16, F1_ADDRESS, NULL, NULL);
	REFUSED(1, "address fields");
}

static void test_mb1_video_fields_past_8_kib_are_refused(void **state)
{
	(void)state;
	file_new(0x4000);
	mb1_at(SPEC1_WINDOW - 40, F1_VIDEO, NULL, NULL);
	REFUSED(1, "video fields");
}

/* ---- probing ---- */

static void test_probe_prefers_multiboot2_and_ignores_checksums(void **state)
{
	(void)state;
	file_new(0x4000);
	assert_null(proto_probe(F, PROTO_HEAD_MAX));
	mb1_at(0x100, 0, NULL, NULL);
	assert_ptr_equal(proto_probe(F, PROTO_HEAD_MAX), &proto_multiboot1);
	mb2_begin(0x1000);
	mb2_end();
	put32(B.at + 12, 0); /* a bad checksum is parse's to report */
	assert_ptr_equal(proto_probe(F, PROTO_HEAD_MAX), &proto_multiboot2);
}

static void test_probe_looks_for_multiboot1_in_8_kib_only(void **state)
{
	(void)state;
	file_new(0x4000);
	mb1_at(0x2100, 0, NULL, NULL);
	assert_null(proto_probe(F, PROTO_HEAD_MAX));
}

/* ---- names and types ---- */

static void test_mb2_tag_names(void **state)
{
	(void)state;
	assert_string_equal(mb2_tag_name(1), "command line");
	assert_string_equal(mb2_tag_name(5), "BIOS boot device");
	assert_string_equal(mb2_tag_name(9), "ELF sections");
	assert_string_equal(mb2_tag_name(16), "networking information");
	assert_string_equal(mb2_tag_name(17), "EFI memory map");
	assert_string_equal(mb2_tag_name(21), "image load base address");
	assert_string_equal(mb2_tag_name(22), "unknown");
	assert_string_equal(mb2_tag_name(UINT32_MAX), "unknown");
	for (uint32_t t = 0; t <= 21; t++)
		assert_string_not_equal(mb2_tag_name(t), "unknown");
}

static void test_mb_mem_types_follow_the_specifications(void **state)
{
	(void)state;
	/* 1 available, 2 reserved, 3 ACPI reclaimable, 4 NVS, 5 bad. */
	assert_int_equal(mb_mem_type(MM_USABLE), 1);
	assert_int_equal(mb_mem_type(MM_BOOT_SERVICES), 1);
	assert_int_equal(mb_mem_type(MM_LOADER), 1);
	assert_int_equal(mb_mem_type(MM_KERNEL), 1);
	assert_int_equal(mb_mem_type(MM_MODULE), 1);
	assert_int_equal(mb_mem_type(MM_ACPI_RECLAIM), 3);
	assert_int_equal(mb_mem_type(MM_ACPI_NVS), 4);
	assert_int_equal(mb_mem_type(MM_RESERVED), 2);
	assert_int_equal(mb_mem_type(MM_BAD), 5);
	assert_int_equal(mb_mem_type(MM_KIND_COUNT), 2);
	assert_int_equal(mb_mem_type(1000), 2);
}

/* ---- the address tag's image ---- */

static struct mb_header addr_header(uint64_t offset, uint32_t header_addr,
				    uint32_t load, uint32_t load_end,
				    uint32_t bss_end)
{
	return (struct mb_header){ .version = 2, .offset = offset, .has_addr = true,
				   .header_addr = header_addr, .load_addr = load,
				   .load_end_addr = load_end,
				   .bss_end_addr = bss_end };
}

static struct elf_image from_addr(struct mb_header h, uint64_t file_size)
{
	struct elf_image img;
	struct rw_err err = { "" };
	if (mb_image_from_addr(&h, file_size, PATH, &img, &err))
		fail_msg("mb_image_from_addr: %s", err.msg);
	return img;
}

static void addr_refused(struct mb_header h, uint64_t file_size, const char *what)
{
	struct elf_image img;
	struct rw_err err = { "" };
	memset(&img, 0x5a, sizeof img);
	assert_int_equal(mb_image_from_addr(&h, file_size, PATH, &img, &err), -1);
	if (!strstr(err.msg, what) || !strstr(err.msg, PATH))
		fail_msg("message '%s' does not name the file and '%s'", err.msg, what);
	assert_int_equal(((uint8_t *)&img)[0], 0x5a);
}

static void test_addr_image_starts_header_offset_before_the_header(void **state)
{
	(void)state;
	/* The header at file offset 0x2000 is at 0x101000: the file's byte
	 * 0x1000 goes to load_addr 0x100000. */
	struct elf_image img = from_addr(addr_header(0x2000, 0x101000, 0x100000,
						     0x104000, 0x106800), 0x8000);
	assert_int_equal(img.type, ELF_ET_EXEC);
	assert_true(img.fixed);
	assert_false(img.move.on);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.seg[0].vaddr, 0x100000);
	assert_int_equal(img.seg[0].offset, 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x4000);
	assert_int_equal(img.seg[0].memsz, 0x6800);
	assert_int_equal(img.seg[0].flags, MM_MAP_WRITE | MM_MAP_EXEC);
	assert_int_equal(img.vlow, 0x100000);
	assert_int_equal(img.vhigh, 0x107000);
}

static void test_addr_image_load_addr_minus_1_loads_from_the_first_byte(void **state)
{
	(void)state;
	struct elf_image img = from_addr(addr_header(0x40, 0x200040, UINT32_MAX,
						     0, 0), 0x3000);
	assert_int_equal(img.seg[0].vaddr, 0x200000);
	assert_int_equal(img.seg[0].offset, 0);
	assert_int_equal(img.seg[0].filesz, 0x3000);
	assert_int_equal(img.seg[0].memsz, 0x3000);
}

static void test_addr_image_load_end_0_loads_to_the_end_of_the_file(void **state)
{
	(void)state;
	struct elf_image img = from_addr(addr_header(0x1000, 0x100800, 0x100000,
						     0, 0), 0x2345);
	/* From file offset 0x800 to the end. */
	assert_int_equal(img.seg[0].offset, 0x800);
	assert_int_equal(img.seg[0].filesz, 0x2345 - 0x800);
	assert_int_equal(img.seg[0].memsz, 0x2345 - 0x800);
	assert_int_equal(img.vhigh, 0x102000);
}

static void test_addr_image_bss_end_addr_extends_memsz(void **state)
{
	(void)state;
	struct elf_image img = from_addr(addr_header(0, 0x100000, 0x100000,
						     0, 0x110000), 0x3000);
	assert_int_equal(img.seg[0].filesz, 0x3000);
	assert_int_equal(img.seg[0].memsz, 0x10000);
	/* bss_end_addr equal to the end of the bytes: no bss. */
	img = from_addr(addr_header(0, 0x100000, 0x100000, 0x102000, 0x102000),
			0x3000);
	assert_int_equal(img.seg[0].memsz, 0x2000);
}

static void test_addr_image_load_addr_above_header_addr_is_refused(void **state)
{
	(void)state;
	addr_refused(addr_header(0x1000, 0x100000, 0x100004, 0, 0), 0x3000,
		     "load_addr 0x100004");
}

static void test_addr_image_starting_before_the_file_is_refused(void **state)
{
	(void)state;
	/* header_addr - load_addr is 0x2000, the header at offset 0x1000. */
	addr_refused(addr_header(0x1000, 0x102000, 0x100000, 0, 0), 0x3000,
		     "before offset 0");
	/* -1 with a header_addr below the header's offset. */
	addr_refused(addr_header(0x1000, 0x800, UINT32_MAX, 0, 0), 0x3000,
		     "before offset 0");
}

static void test_addr_image_load_end_below_load_is_refused(void **state)
{
	(void)state;
	addr_refused(addr_header(0, 0x100000, 0x100000, 0xff000, 0), 0x3000,
		     "load_end_addr 0xff000");
}

static void test_addr_image_load_end_past_the_file_is_refused(void **state)
{
	(void)state;
	addr_refused(addr_header(0, 0x100000, 0x100000, 0x103001, 0), 0x3000,
		     "load_end_addr 0x103001");
	/* Exactly the file: accepted. */
	from_addr(addr_header(0, 0x100000, 0x100000, 0x103000, 0), 0x3000);
}

static void test_addr_image_bss_end_below_the_bytes_is_refused(void **state)
{
	(void)state;
	addr_refused(addr_header(0, 0x100000, 0x100000, 0x102000, 0x101fff),
		     0x3000, "bss_end_addr 0x101fff");
}

static void test_addr_image_loading_nothing_is_refused(void **state)
{
	(void)state;
	addr_refused(addr_header(0, 0x100000, 0x100000, 0x100000, 0), 0x3000,
		     "load nothing");
}

static void test_addr_image_reaching_above_4_gib_is_refused(void **state)
{
	(void)state;
	/* The file's 0x3000 bytes from 0xfffff000 end at 0x100002000. */
	addr_refused(addr_header(0, 0xfffff000, 0xfffff000, 0, 0), 0x3000,
		     "above 4 GiB");
}

/* ---- ELF32 and ELF64 at physical addresses ---- */

struct seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

#define PT_NOTE 4

/* An ELF file of `cls` (ELFCLASS32 or 64) with segs at its start and the
 * program headers right after the ELF header. */
static void elf_file(unsigned cls, uint64_t entry, const struct seg *s, size_t n,
		     uint64_t size)
{
	file_new(size);
	if (cls == ELFCLASS32) {
		struct elf32_ehdr e = { .e_type = ELF_ET_EXEC, .e_machine = EM_386,
					.e_version = EV_CURRENT,
					.e_entry = (uint32_t)entry,
					.e_phoff = sizeof e, .e_ehsize = sizeof e,
					.e_phentsize = sizeof(struct elf32_phdr),
					.e_phnum = (uint16_t)n };
		memcpy(e.e_ident, "\x7f" "ELF", 4);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(F, &e, sizeof e);
		for (size_t i = 0; i < n; i++) {
			struct elf32_phdr p = {
				s[i].type, (uint32_t)s[i].offset, (uint32_t)s[i].vaddr,
				(uint32_t)s[i].paddr, (uint32_t)s[i].filesz,
				(uint32_t)s[i].memsz, s[i].flags, 0x1000 };
			memcpy(F + sizeof e + i * sizeof p, &p, sizeof p);
		}
		return;
	}
	struct elf64_ehdr e = { .e_type = ELF_ET_EXEC, .e_machine = EM_X86_64,
				.e_version = EV_CURRENT, .e_entry = entry,
				.e_phoff = sizeof e, .e_ehsize = sizeof e,
				.e_phentsize = sizeof(struct elf64_phdr),
				.e_phnum = (uint16_t)n };
	memcpy(e.e_ident, "\x7f" "ELF", 4);
	e.e_ident[EI_CLASS] = (uint8_t)cls;
	e.e_ident[EI_DATA] = ELFDATA2LSB;
	e.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(F, &e, sizeof e);
	for (size_t i = 0; i < n; i++) {
		struct elf64_phdr p = { s[i].type, s[i].flags, s[i].offset,
					s[i].vaddr, s[i].paddr, s[i].filesz,
					s[i].memsz, 0x1000 };
		memcpy(F + sizeof e + i * sizeof p, &p, sizeof p);
	}
}

static struct elf_image phys_ok(unsigned want_class)
{
	struct elf_file f = file_of();
	struct elf_image img;
	unsigned cls = 0;
	struct rw_err err = { "" };
	if (elf_parse_phys(&f, &img, &cls, &err))
		fail_msg("elf_parse_phys: %s", err.msg);
	assert_int_equal(cls, want_class);
	return img;
}

static void phys_refused(const char *what)
{
	struct elf_file f = file_of();
	struct elf_image img;
	unsigned cls = 77;
	struct rw_err err = { "" };
	memset(&img, 0x5a, sizeof img);
	assert_int_equal(elf_parse_phys(&f, &img, &cls, &err), -1);
	if (!strstr(err.msg, what) || !strstr(err.msg, PATH))
		fail_msg("message '%s' does not name the file and '%s'", err.msg, what);
	assert_int_equal(cls, 77);
	assert_int_equal(((uint8_t *)&img)[0], 0x5a);
}

/* A higher-half kernel: linked at 0xc0100000, loaded at 1 MiB. */
static const struct seg higher_half32[] = {
	{ PT_LOAD, PF_R | PF_X, 0x1000, 0xc0100000, 0x100000, 0x1800, 0x1800 },
	{ PT_NOTE, PF_R, 0x1000, 0, 0, 0x20, 0x20 },
	{ PT_LOAD, PF_R | PF_W, 0x3000, 0xc0102000, 0x102000, 0x400, 0x3000 },
};

static void test_elf32_segments_go_to_p_paddr_and_the_entry_is_translated(void **state)
{
	(void)state;
	elf_file(ELFCLASS32, 0xc0100010, higher_half32, 3, 0x4000);
	struct elf_image img = phys_ok(32);
	assert_true(img.fixed);
	assert_int_equal(img.type, ELF_ET_EXEC);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.entry, 0x100010);
	assert_int_equal(img.seg[0].vaddr, 0x100000);
	assert_int_equal(img.seg[0].offset, 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x1800);
	assert_int_equal(img.seg[0].memsz, 0x1800);
	assert_int_equal(img.seg[0].flags, MM_MAP_EXEC);
	assert_int_equal(img.seg[0].phdr_index, 0);
	assert_int_equal(img.seg[1].vaddr, 0x102000);
	assert_int_equal(img.seg[1].memsz, 0x3000);
	assert_int_equal(img.seg[1].flags, MM_MAP_WRITE);
	assert_int_equal(img.seg[1].phdr_index, 2);
	assert_int_equal(img.vlow, 0x100000);
	assert_int_equal(img.vhigh, 0x105000);
}

static void test_elf64_higher_half_entry_is_translated_to_physical(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X | PF_W, 0x1000, 0xffffffff80200000ull,
		  0x200000, 0x2000, 0x5000 },
	};
	elf_file(ELFCLASS64, 0xffffffff80201234ull, s, 1, 0x3000);
	struct elf_image img = phys_ok(64);
	assert_int_equal(img.entry, 0x201234);
	assert_int_equal(img.seg[0].vaddr, 0x200000);
	/* A copying loader maps nothing: W and X together are fine. */
	assert_int_equal(img.seg[0].flags, MM_MAP_WRITE | MM_MAP_EXEC);
}

static void test_elf_entry_at_a_physical_address_is_kept(void **state)
{
	(void)state;
	/* e_entry in no p_vaddr range but in a p_paddr one: physical. */
	elf_file(ELFCLASS32, 0x100020, higher_half32, 3, 0x4000);
	assert_int_equal(phys_ok(32).entry, 0x100020);
}

static void test_elf_segments_are_sorted_by_physical_address(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0x80400000, 0x400000, 0x100, 0x100 },
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x80000000, 0x300000, 0x100, 0x100 },
	};
	elf_file(ELFCLASS32, 0x80400010, s, 2, 0x3000);
	struct elf_image img = phys_ok(32);
	assert_int_equal(img.seg[0].vaddr, 0x300000);
	assert_int_equal(img.seg[0].phdr_index, 1);
	assert_int_equal(img.seg[1].vaddr, 0x400000);
	/* The entry follows its own segment, not the first. */
	assert_int_equal(img.entry, 0x400010);
}

static void test_elf_overlapping_physical_segments_are_refused(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0xc0100000, 0x100000, 0x1000, 0x1800 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0xc0200000, 0x101000, 0x100, 0x100 },
	};
	elf_file(ELFCLASS32, 0xc0100000, s, 2, 0x3000);
	phys_refused("overlaps");
}

static void test_elf_segments_sharing_a_page_without_overlap_are_accepted(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x100000, 0x100000, 0x800, 0x800 },
		{ PT_LOAD, PF_R | PF_W, 0x1800, 0x100800, 0x100800, 0x100, 0x400 },
	};
	elf_file(ELFCLASS32, 0x100000, s, 2, 0x3000);
	assert_int_equal(phys_ok(32).nseg, 2);
}

static void test_elf_entry_outside_every_segment_is_refused(void **state)
{
	(void)state;
	elf_file(ELFCLASS32, 0xc0105000, higher_half32, 3, 0x4000);
	phys_refused("e_entry 0xc0105000");
}

static void test_elf_p_paddr_near_2_pow_52_is_refused(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x100000, (1ull << 52) - 0x1000,
		  0x1000, 0x2000 },
	};
	elf_file(ELFCLASS64, 0x100000, s, 1, 0x3000);
	phys_refused("52-bit");
}

static void test_elf_class_3_is_refused(void **state)
{
	(void)state;
	elf_file(3, 0x100000, higher_half32, 1, 0x3000);
	phys_refused("EI_CLASS] is 3");
}

static void test_elf32_with_the_x86_64_machine_is_refused(void **state)
{
	(void)state;
	elf_file(ELFCLASS32, 0xc0100010, higher_half32, 3, 0x4000);
	put16(18, EM_X86_64);
	phys_refused("e_machine is 62");
}

static void test_elf_filesz_above_memsz_is_refused(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R, 0x1000, 0x100000, 0x100000, 0x200, 0x100 },
	};
	elf_file(ELFCLASS32, 0x100000, s, 1, 0x3000);
	phys_refused("p_filesz 512 exceeds p_memsz 256");
}

static void test_elf_segment_bytes_past_the_file_are_refused(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R, 0x2f00, 0x100000, 0x100000, 0x200, 0x200 },
	};
	elf_file(ELFCLASS64, 0x100000, s, 1, 0x3000);
	phys_refused("exceeds the file size");
}

static void test_elf_without_a_loadable_segment_is_refused(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_NOTE, PF_R, 0x1000, 0, 0, 0x20, 0x20 },
		{ PT_LOAD, PF_R, 0x1000, 0x100000, 0x100000, 0, 0 },
	};
	elf_file(ELFCLASS32, 0x100000, s, 2, 0x3000);
	phys_refused("no PT_LOAD");
}

static void test_elf_program_headers_past_the_file_are_refused(void **state)
{
	(void)state;
	elf_file(ELFCLASS32, 0xc0100010, higher_half32, 3, 0x4000);
	F_size = 52 + 2 * 32; /* the third program header is cut */
	phys_refused("e_phoff");
}

/* ---- the image a header describes (mb_parse_image, through parse) ---- */

static int parse(const struct protocol *p, struct elf_image *img, struct rw_err *err)
{
	struct elf_file f = file_of();
	uint64_t len = F_size < PROTO_HEAD_MAX ? F_size : PROTO_HEAD_MAX;
	return p->parse(&f, F, (size_t)len, img, err);
}

static struct elf_image parse_ok(const struct protocol *p)
{
	struct elf_image img;
	struct rw_err err = { "" };
	if (parse(p, &img, &err))
		fail_msg("%s parse: %s", p->name, err.msg);
	return img;
}

static void parse_refused(const struct protocol *p, const char *what)
{
	struct elf_image img;
	struct rw_err err = { "" };
	assert_int_equal(parse(p, &img, &err), -1);
	if (!strstr(err.msg, what) || !strstr(err.msg, PATH))
		fail_msg("message '%s' does not name the file and '%s'", err.msg, what);
}

/* The ELF32 kernel above with a Multiboot2 header in its first page. */
static void elf32_with_mb2(void)
{
	elf_file(ELFCLASS32, 0xc0100010, higher_half32, 3, 0x4000);
	mb2_begin(0x1000);
}

static void test_parse_mb2_elf_without_an_address_tag_uses_its_segments(void **state)
{
	(void)state;
	elf32_with_mb2();
	mb2_end();
	struct elf_image img = parse_ok(&proto_multiboot2);
	assert_true(img.fixed);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.entry, 0x100010);
	assert_false(img.move.on);
}

static void test_parse_mb2_entry_tag_overrides_e_entry(void **state)
{
	(void)state;
	elf32_with_mb2();
	TAG(HT_ENTRY, 0, 0x102100);
	mb2_end();
	assert_int_equal(parse_ok(&proto_multiboot2).entry, 0x102100);
}

static void test_parse_mb2_entry_tag_outside_the_image_is_refused(void **state)
{
	(void)state;
	elf32_with_mb2();
	TAG(HT_ENTRY, 0, 0x106000);
	mb2_end();
	parse_refused(&proto_multiboot2, "entry address 0x106000");
}

static void test_parse_mb2_address_tag_without_entry_tag_is_refused(void **state)
{
	(void)state;
	file_new(0x3000);
	mb2_begin(0x40);
	TAG(HT_ADDRESS, 0, 0x100040, 0x100000, 0, 0);
	mb2_end();
	parse_refused(&proto_multiboot2, "no entry address tag");
}

static void test_parse_mb2_address_tag_image(void **state)
{
	(void)state;
	file_new(0x3000);
	mb2_begin(0x40);
	TAG(HT_ADDRESS, 0, 0x100040, 0x100000, 0, 0x104000);
	TAG(HT_ENTRY, 0, 0x100100);
	mb2_end();
	struct elf_image img = parse_ok(&proto_multiboot2);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.seg[0].vaddr, 0x100000);
	assert_int_equal(img.seg[0].filesz, 0x3000);
	assert_int_equal(img.seg[0].memsz, 0x4000);
	assert_int_equal(img.entry, 0x100100);
}

static void test_parse_mb2_efi_boot_services_take_the_amd64_entry(void **state)
{
	(void)state;
	elf32_with_mb2();
	tag(HT_EFI_BS, 0, NULL, 0);
	TAG(HT_EFI_AMD64, 0, 0x100200);
	mb2_end();
	assert_int_equal(parse_ok(&proto_multiboot2).entry, 0x100200);
}

static void test_parse_mb2_claims_as_loader_only_with_boot_services(void **state)
{
	(void)state;
	/* A kernel that reads the firmware's map itself knows EFI types
	 * only: its pages are EfiLoaderCode, not Runway's kernel type. */
	elf32_with_mb2();
	tag(HT_EFI_BS, 0, NULL, 0);
	TAG(HT_EFI_AMD64, 0, 0x100200);
	mb2_end();
	assert_true(parse_ok(&proto_multiboot2).claim_as_loader);
	elf32_with_mb2();
	TAG(HT_EFI_AMD64, 0, 0x100200);
	mb2_end();
	assert_false(parse_ok(&proto_multiboot2).claim_as_loader);
}

static void test_parse_mb2_efi_boot_services_without_amd64_entry_are_refused(void **state)
{
	(void)state;
	elf32_with_mb2();
	tag(HT_EFI_BS, 0, NULL, 0);
	mb2_end();
	parse_refused(&proto_multiboot2, "type 9");
}

static void test_parse_mb2_amd64_entry_without_boot_services_is_not_the_entry(void **state)
{
	(void)state;
	elf32_with_mb2();
	TAG(HT_EFI_AMD64, 0, 0x100200);
	mb2_end();
	assert_int_equal(parse_ok(&proto_multiboot2).entry, 0x100010);
}

static void test_parse_mb2_image_above_4_gib_needs_the_efi_entry(void **state)
{
	(void)state;
	/* One segment below 4 GiB (with the entry), one above. */
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0xfff00000, 0xfff00000, 0x1000, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0x100000000ull, 0x100000000ull,
		  0x1000, 0x1000 },
	};
	elf_file(ELFCLASS64, 0xfff00000, s, 2, 0x3000);
	mb2_begin(0x1800);
	mb2_end();
	parse_refused(&proto_multiboot2, "above 4 GiB");
	/* Entered with boot services running, in long mode: accepted. */
	elf_file(ELFCLASS64, 0xfff00000, s, 2, 0x3000);
	mb2_begin(0x1800);
	tag(HT_EFI_BS, 0, NULL, 0);
	TAG(HT_EFI_AMD64, 0, 0xfff00010);
	mb2_end();
	struct elf_image img = parse_ok(&proto_multiboot2);
	assert_int_equal(img.entry, 0xfff00010);
	assert_int_equal(img.vhigh, 0x100001000ull);
}

static void test_parse_mb2_relocatable_tag_sets_the_bounds(void **state)
{
	(void)state;
	elf32_with_mb2();
	TAG(HT_RELOCATABLE, 0, 0x200000, 0x7fffffff, 0x200000, 2);
	mb2_end();
	struct elf_image img = parse_ok(&proto_multiboot2);
	assert_true(img.move.on);
	assert_true(img.move.highest);
	assert_int_equal(img.move.min, 0x200000);
	/* max_addr is the image's highest byte: its end may be one past. */
	assert_int_equal(img.move.max, 0x80000000);
	assert_int_equal(img.move.align, 0x200000);

	elf32_with_mb2();
	TAG(HT_RELOCATABLE, 0, 0, 0xffffffff, 0x1000, 1);
	mb2_end();
	img = parse_ok(&proto_multiboot2);
	assert_false(img.move.highest);
	assert_int_equal(img.move.max, 4 * GIB);
}

static void test_parse_mb2_without_a_header_says_so(void **state)
{
	(void)state;
	elf_file(ELFCLASS32, 0xc0100010, higher_half32, 3, 0x4000);
	parse_refused(&proto_multiboot2,
		      "no Multiboot2 header (magic 0xe85250d6) in the first 32 KiB");
}

static void test_parse_mb2_reports_a_malformed_header(void **state)
{
	(void)state;
	elf32_with_mb2();
	mb2_end();
	put32(B.at + 12, 0);
	parse_refused(&proto_multiboot2, "checksum");
}

static void test_parse_mb1_elf_and_address_fields(void **state)
{
	(void)state;
	elf_file(ELFCLASS32, 0xc0100010, higher_half32, 3, 0x4000);
	mb1_at(0x1000, F1_MEMINFO, NULL, NULL);
	assert_int_equal(parse_ok(&proto_multiboot1).entry, 0x100010);

	/* An a.out kludge: the file from its first byte at 0x100000. */
	file_new(0x2000);
	mb1_at(0x20, F1_ADDRESS, ARR(0x100020, 0x100000, 0x101800, 0x103000, 0x100400),
	       NULL);
	struct elf_image img = parse_ok(&proto_multiboot1);
	assert_int_equal(img.seg[0].vaddr, 0x100000);
	assert_int_equal(img.seg[0].offset, 0);
	assert_int_equal(img.seg[0].filesz, 0x1800);
	assert_int_equal(img.seg[0].memsz, 0x3000);
	assert_int_equal(img.entry, 0x100400);
	assert_false(img.move.on);
}

static void test_parse_mb1_without_a_header_says_so(void **state)
{
	(void)state;
	elf_file(ELFCLASS32, 0xc0100010, higher_half32, 3, 0x4000);
	parse_refused(&proto_multiboot1,
		      "no Multiboot header (magic 0x1badb002) in the first 8 KiB");
}

/* ---- a fixed image, claimed where it must go ---- */

#define PHYS_END (32 * MIB) /* host memory stands for [0, PHYS_END) */

static struct {
	struct fake_fw f;
	struct mm_alloc a;
	struct mm_region reg[256];
	struct mm_claim claims[64];
	uint8_t *phys;
	struct elf_load ld;
	bool up;
} L;

static void *p2v(void *ctx, uint64_t phys)
{
	if (ctx != &L)
		fail_msg("p2v called with ctx %p", ctx);
	if (phys >= PHYS_END)
		fail_msg("p2v(0x%" PRIx64 ") outside host memory", phys);
	if (!L.f.claimed[phys >> 12])
		fail_msg("the loader writes 0x%" PRIx64 ", which it has not claimed",
			 phys);
	return L.phys + phys;
}

/*
 * Descriptor 0: free [1 MiB, 8 MiB); 1: ACPI NVS [8 MiB, 8 MiB + 32 KiB);
 * 2: free up to 16 MiB; [16 MiB, 17 MiB) is in no descriptor; 3: free
 * [17 MiB, 32 MiB).
 */
static const struct fake_desc fixed_map[] = {
	{ MM_EFI_CONVENTIONAL, 1 * MIB, (7 * MIB) / PAGE },
	{ MM_EFI_ACPI_NVS, 8 * MIB, 8 },
	{ MM_EFI_CONVENTIONAL, 8 * MIB + 0x8000, (8 * MIB - 0x8000) / PAGE },
	{ MM_EFI_CONVENTIONAL, 17 * MIB, (15 * MIB) / PAGE },
};

static void env_up(const struct fake_desc *d, size_t n)
{
	fake_init(&L.f, PHYS_END / PAGE);
	size_t nreg = fake_map(&L.f, d, n, L.reg, 256);
	assert_true(256 >= MM_REG_CAP(nreg, 64));
	mm_alloc_init(&L.a, &L.f.fw, L.reg, nreg, 256, L.claims, 64);
	L.phys = malloc(PHYS_END);
	assert_non_null(L.phys);
	memset(L.phys, JUNK, PHYS_END);
	L.up = true;
}

static int teardown(void **state)
{
	(void)state;
	if (L.up) {
		fake_destroy(&L.f);
		free(L.phys);
	}
	memset(&L, 0, sizeof L);
	return 0;
}

/* An ELF32 file whose PT_LOAD segments (identity-linked) are s[0..n),
 * parsed as a fixed image. */
static struct elf_image fixed_image(const struct seg *s, size_t n)
{
	elf_file(ELFCLASS32, s[0].paddr, s, n, 0x8000);
	return phys_ok(32);
}

static int load(const struct elf_image *img, struct rw_err *err)
{
	struct elf_file f = file_of();
	return elf_load(&f, img, &L.a, p2v, &L, &L.ld, err);
}

static void load_ok(const struct elf_image *img)
{
	struct rw_err err = { "" };
	if (load(img, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_fake_clean(&L.f);
}

/* The load fails with exactly `want`; nothing stays claimed. */
static void load_refused(const struct elf_image *img, const char *want)
{
	struct rw_err err = { "" };
	assert_int_equal(load(img, &err), -1);
	assert_string_equal(err.msg, want);
	assert_fake_clean(&L.f);
	assert_int_equal(fake_claimed_pages(&L.f), 0);
	assert_int_equal(L.f.nlive, 0);
	assert_int_equal(L.a.nclaims, 0);
}

/* Firmware claim calls in the log (releases left out). */
static size_t claim_calls(void)
{
	size_t n = 0;
	for (size_t i = 0; i < L.f.nlog; i++)
		n += !L.f.log[i].release;
	return n;
}

static void assert_segment_loaded(const struct seg *s)
{
	assert_memory_equal(L.phys + s->paddr, F + s->offset, s->filesz);
	for (uint64_t i = s->filesz; i < s->memsz; i++)
		if (L.phys[s->paddr + i] != 0)
			fail_msg("bss byte at 0x%" PRIx64 " is 0x%02x, not zero",
				 s->paddr + i, L.phys[s->paddr + i]);
}

static const struct seg touching[] = {
	{ PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x200000, 0x1000, 0x1000 },
	{ PT_LOAD, PF_R | PF_W, 0x2000, 0x201000, 0x201000, 0x800, 0x2000 },
};

static void test_fixed_touching_segments_take_one_exact_claim(void **state)
{
	(void)state;
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(touching, 2);
	load_ok(&img);
	assert_int_equal(claim_calls(), 1);
	assert_int_equal(L.f.log[0].base, 0x200000);
	assert_int_equal(L.f.log[0].pages, 3);
	assert_int_equal(L.f.log[0].kind, MM_KERNEL);
	assert_int_equal(L.ld.nruns, 1);
	assert_int_equal(L.ld.npieces, 2);
	assert_int_equal(L.ld.piece[0].base, 0x200000);
	assert_int_equal(L.ld.piece[1].base, 0x201000);
	assert_segment_loaded(&touching[0]);
	assert_segment_loaded(&touching[1]);
}

static void test_fixed_image_claimed_as_loader_memory_when_asked(void **state)
{
	(void)state;
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(touching, 2);
	img.claim_as_loader = true;
	load_ok(&img);
	assert_int_equal(claim_calls(), 1);
	assert_int_equal(L.f.log[0].kind, MM_LOADER);
}

static void test_fixed_segments_sharing_a_page_take_one_exact_claim(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x300100, 0x300100, 0x900, 0x900 },
		{ PT_LOAD, PF_R | PF_W, 0x2a00, 0x300a00, 0x300a00, 0x100, 0x1200 },
	};
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(s, 2);
	load_ok(&img);
	assert_int_equal(claim_calls(), 1);
	assert_int_equal(L.f.log[0].base, 0x300000);
	assert_int_equal(L.f.log[0].pages, 2);
	assert_segment_loaded(&s[0]);
	assert_segment_loaded(&s[1]);
	/* The part of the first page below the image is zeroed, not junk. */
	for (uint64_t p = 0x300000; p < 0x300100; p++)
		assert_int_equal(L.phys[p], 0);
}

static void test_fixed_separated_segments_take_two_exact_claims(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x200000, 0x1000, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0x400000, 0x400000, 0x1000, 0x3000 },
	};
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(s, 2);
	load_ok(&img);
	assert_int_equal(claim_calls(), 2);
	assert_int_equal(L.f.log[0].base, 0x200000);
	assert_int_equal(L.f.log[0].pages, 1);
	assert_int_equal(L.f.log[1].base, 0x400000);
	assert_int_equal(L.f.log[1].pages, 3);
	assert_int_equal(L.ld.nruns, 2);
	assert_segment_loaded(&s[0]);
	assert_segment_loaded(&s[1]);
	/* The hole between them is not touched. */
	assert_int_equal(L.phys[0x201000], JUNK);
	assert_int_equal(L.phys[0x3fffff], JUNK);
}

static void test_fixed_image_in_acpi_nvs_memory_names_the_descriptor(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x7ff000, 0x7ff000, 0x1000, 0x3000 },
	};
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(s, 1);
	load_refused(&img, PATH ": the image must go to physical 0x7ff000..0x802000, but 0x800000..0x802000 is acpi-nvs memory (firmware descriptor 1)");
	/* Known not free before any call: the firmware was not asked. */
	assert_int_equal(claim_calls(), 0);
}

static void test_fixed_image_outside_the_map_says_so(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0xfff000, 0xfff000, 0x1000, 0x2000 },
	};
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(s, 1);
	load_refused(&img, PATH ": the image must go to physical 0xfff000..0x1001000, but 0x1000000..0x1001000 is not memory the firmware's map names");
}

static void test_fixed_image_above_every_descriptor_says_so(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x4000000, 0x4000000, 0x1000, 0x1000 },
	};
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(s, 1);
	load_refused(&img, PATH ": the image must go to physical 0x4000000..0x4001000, but 0x4000000..0x4001000 is not memory the firmware's map names");
}

static void test_fixed_image_second_run_refused_gives_back_the_first(void **state)
{
	(void)state;
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x200000, 0x1000, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0x800000, 0x800000, 0x100, 0x100 },
	};
	env_up(fixed_map, 4);
	struct elf_image img = fixed_image(s, 2);
	load_refused(&img, PATH ": the image must go to physical 0x800000..0x801000, but 0x800000..0x801000 is acpi-nvs memory (firmware descriptor 1)");
	/* The first run was claimed, then released. */
	assert_int_equal(claim_calls(), 1);
	assert_int_equal(L.f.release_calls, 1);
}

static void test_fixed_image_firmware_refuses_is_its_answer_not_a_descriptor(void **state)
{
	(void)state;
	/* The map says free; the firmware (which knows better) refuses. */
	env_up(fixed_map, 4);
	L.f.refuse_base = 0x200000;
	L.f.refuse_end = 0x201000;
	struct elf_image img = fixed_image(touching, 1);
	/* Not "reserved memory (firmware descriptor 0)": descriptor 0 is
	 * free in the map. */
	load_refused(&img, PATH ": cannot claim physical 0x200000..0x201000, where the image must go: firmware refused 1 pages at 0x200000: FAKE_REFUSED");
	assert_int_equal(claim_calls(), 1);
}

static void test_fixed_run_across_two_descriptors_is_claimed_in_each(void **state)
{
	(void)state;
	/* Two free descriptors that touch: the firmware refuses one claim
	 * across them, so the run takes one call per descriptor. */
	static const struct fake_desc d[] = {
		{ MM_EFI_CONVENTIONAL, 1 * MIB, (1 * MIB) / PAGE },
		{ MM_EFI_CONVENTIONAL, 2 * MIB, (1 * MIB) / PAGE },
	};
	static const struct seg s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x1ff000, 0x1ff000, 0x2000, 0x2000 },
	};
	env_up(d, 2);
	struct elf_image img = fixed_image(s, 1);
	load_ok(&img);
	assert_int_equal(claim_calls(), 2);
	assert_int_equal(L.ld.nruns, 1);
	assert_segment_loaded(&s[0]);
}

/* ---- mm_alloc_find and mm_alloc_owner ---- */

static uint64_t find_at(uint64_t size, uint64_t min, uint64_t max,
			uint64_t align, bool highest)
{
	uint64_t base = 0xdead;
	if (!mm_alloc_find(&L.a, size, min, max, align, highest, &base))
		fail_msg("mm_alloc_find(0x%" PRIx64 " bytes in 0x%" PRIx64 "..0x%" PRIx64 ") found nothing",
			 size, min, max);
	return base;
}

static void no_place(uint64_t size, uint64_t min, uint64_t max, uint64_t align)
{
	uint64_t base = 0xdead;
	assert_false(mm_alloc_find(&L.a, size, min, max, align, false, &base));
	assert_false(mm_alloc_find(&L.a, size, min, max, align, true, &base));
	assert_int_equal(base, 0xdead);
}

static void test_find_lowest_and_highest(void **state)
{
	(void)state;
	env_up(fixed_map, 4);
	assert_int_equal(find_at(MIB, 0, 4 * GIB, 0, false), 1 * MIB);
	assert_int_equal(find_at(MIB, 0, 4 * GIB, 0, true), 31 * MIB);
	/* Within bounds. */
	assert_int_equal(find_at(MIB, 3 * MIB, 4 * GIB, 0, false), 3 * MIB);
	assert_int_equal(find_at(MIB, 0, 12 * MIB, 0, true), 11 * MIB);
	/* It claims nothing. */
	assert_int_equal(L.f.nlog, 0);
	assert_int_equal(L.a.nclaims, 0);
}

static void test_find_skips_runs_too_small(void **state)
{
	(void)state;
	env_up(fixed_map, 4);
	/* 8 MiB fits neither [1, 8) MiB nor the rest below 16 MiB. */
	assert_int_equal(find_at(8 * MIB, 0, 4 * GIB, 0, false), 17 * MIB);
	assert_int_equal(find_at(7 * MIB, 0, 4 * GIB, 0, false), 1 * MIB);
}

static void test_find_aligned(void **state)
{
	(void)state;
	env_up(fixed_map, 4);
	assert_int_equal(find_at(MIB, 0, 4 * GIB, 4 * MIB, false), 4 * MIB);
	assert_int_equal(find_at(MIB, 5 * MIB, 4 * GIB, 4 * MIB, false), 12 * MIB);
	assert_int_equal(find_at(2 * MIB, 0, 4 * GIB, 4 * MIB, true), 28 * MIB);
	/* Not a power of two: nothing. */
	no_place(MIB, 0, 4 * GIB, 3 * MIB);
}

static void test_find_none(void **state)
{
	(void)state;
	env_up(fixed_map, 4);
	no_place(16 * MIB, 0, 4 * GIB, 0);
	no_place(MIB, 32 * MIB, 4 * GIB, 0);
	no_place(2 * MIB, 0, 2 * MIB, 0);   /* [1, 2) MiB is 1 MiB */
	no_place(0, 0, 4 * GIB, 0);
	no_place(MIB, 4 * MIB, 2 * MIB, 0); /* min above max */
}

static void test_find_joins_touching_descriptors(void **state)
{
	(void)state;
	static const struct fake_desc d[] = {
		{ MM_EFI_CONVENTIONAL, 1 * MIB, (1 * MIB) / PAGE },
		{ MM_EFI_CONVENTIONAL, 2 * MIB, (1 * MIB) / PAGE },
	};
	env_up(d, 2);
	assert_int_equal(find_at(2 * MIB, 0, 4 * GIB, 0, false), 1 * MIB);
}

static void test_owner_names_the_first_part_not_free(void **state)
{
	(void)state;
	struct mm_region r;
	env_up(fixed_map, 4);
	assert_false(mm_alloc_owner(&L.a, 2 * MIB, 3 * MIB, &r));
	assert_true(mm_alloc_owner(&L.a, 7 * MIB, 9 * MIB, &r));
	assert_int_equal(r.base, 8 * MIB);
	assert_int_equal(r.end, 8 * MIB + 0x8000);
	assert_int_equal(r.kind, MM_ACPI_NVS);
	assert_int_equal(r.src, 1);
	assert_true(mm_alloc_owner(&L.a, 15 * MIB, 18 * MIB, &r));
	assert_int_equal(r.base, 16 * MIB);
	assert_int_equal(r.end, 17 * MIB);
	assert_int_equal(r.kind, MM_KIND_COUNT);
	assert_true(mm_alloc_owner(&L.a, 0, 2 * MIB, &r));
	assert_int_equal(r.base, 0);
	assert_int_equal(r.end, 1 * MIB);
	assert_int_equal(r.kind, MM_KIND_COUNT);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_mb2_header_with_every_tag_type_is_read),
		T(test_mb2_smallest_header_is_just_the_end_tag),
		T(test_mb2_bad_checksum_is_refused_with_the_sum),
		T(test_mb2_architecture_1_is_refused),
		T(test_mb2_architecture_4_mips_is_refused),
		T(test_mb2_header_length_past_the_window_is_refused),
		T(test_mb2_header_length_past_the_end_of_the_file_is_refused),
		T(test_mb2_header_length_below_24_is_refused),
		T(test_mb2_tag_whose_size_runs_past_the_header_is_refused),
		T(test_mb2_tag_of_size_below_8_is_refused),
		T(test_mb2_tag_of_size_below_its_minimum_is_refused),
		T(test_mb2_every_known_tag_is_refused_one_byte_short),
		T(test_mb2_header_without_an_end_tag_is_refused),
		T(test_mb2_tag_cut_by_header_length_is_refused),
		T(test_mb2_unknown_required_tag_is_refused_naming_type_and_offset),
		T(test_mb2_unknown_optional_tag_is_skipped),
		T(test_mb2_tags_of_odd_size_are_padded_to_8_bytes),
		T(test_mb2_more_than_64_requests_are_refused),
		T(test_mb2_relocatable_preference_3_is_refused),
		T(test_mb2_relocatable_align_not_a_power_of_two_is_refused),
		T(test_mb2_relocatable_min_above_max_is_refused),
		T(test_mb2_header_at_40_kib_is_not_found),
		T(test_mb2_magic_off_an_8_byte_boundary_is_not_found),
		T(test_mb2_good_header_after_a_bad_magic_wins),
		T(test_mb2_two_bad_headers_report_the_first_fault),
		T(test_mb2_no_magic_is_not_found),
		T(test_mb2_header_past_the_end_of_the_file_is_not_found),
		T(test_mb1_header_with_flags_0_1_2_16_is_read),
		T(test_mb1_header_without_address_or_video_is_12_bytes),
		T(test_mb1_unknown_required_flag_bit_3_is_refused),
		T(test_mb1_unknown_optional_flag_bit_20_is_accepted),
		T(test_mb1_bad_checksum_is_refused),
		T(test_mb1_good_header_after_bad_ones_wins_else_the_first_fault),
		T(test_mb1_header_at_a_4_byte_boundary_is_found),
		T(test_mb1_header_past_8_kib_is_not_found),
		T(test_mb1_12_byte_header_ending_at_8_kib_is_found),
		T(test_mb1_address_fields_past_8_kib_are_refused),
		T(test_mb1_video_fields_past_8_kib_are_refused),
		T(test_probe_prefers_multiboot2_and_ignores_checksums),
		T(test_probe_looks_for_multiboot1_in_8_kib_only),
		T(test_mb2_tag_names),
		T(test_mb_mem_types_follow_the_specifications),
		T(test_addr_image_starts_header_offset_before_the_header),
		T(test_addr_image_load_addr_minus_1_loads_from_the_first_byte),
		T(test_addr_image_load_end_0_loads_to_the_end_of_the_file),
		T(test_addr_image_bss_end_addr_extends_memsz),
		T(test_addr_image_load_addr_above_header_addr_is_refused),
		T(test_addr_image_starting_before_the_file_is_refused),
		T(test_addr_image_load_end_below_load_is_refused),
		T(test_addr_image_load_end_past_the_file_is_refused),
		T(test_addr_image_bss_end_below_the_bytes_is_refused),
		T(test_addr_image_loading_nothing_is_refused),
		T(test_addr_image_reaching_above_4_gib_is_refused),
		T(test_elf32_segments_go_to_p_paddr_and_the_entry_is_translated),
		T(test_elf64_higher_half_entry_is_translated_to_physical),
		T(test_elf_entry_at_a_physical_address_is_kept),
		T(test_elf_segments_are_sorted_by_physical_address),
		T(test_elf_overlapping_physical_segments_are_refused),
		T(test_elf_segments_sharing_a_page_without_overlap_are_accepted),
		T(test_elf_entry_outside_every_segment_is_refused),
		T(test_elf_p_paddr_near_2_pow_52_is_refused),
		T(test_elf_class_3_is_refused),
		T(test_elf32_with_the_x86_64_machine_is_refused),
		T(test_elf_filesz_above_memsz_is_refused),
		T(test_elf_segment_bytes_past_the_file_are_refused),
		T(test_elf_without_a_loadable_segment_is_refused),
		T(test_elf_program_headers_past_the_file_are_refused),
		T(test_parse_mb2_elf_without_an_address_tag_uses_its_segments),
		T(test_parse_mb2_entry_tag_overrides_e_entry),
		T(test_parse_mb2_entry_tag_outside_the_image_is_refused),
		T(test_parse_mb2_address_tag_without_entry_tag_is_refused),
		T(test_parse_mb2_address_tag_image),
		T(test_parse_mb2_efi_boot_services_take_the_amd64_entry),
		T(test_parse_mb2_claims_as_loader_only_with_boot_services),
		T(test_parse_mb2_efi_boot_services_without_amd64_entry_are_refused),
		T(test_parse_mb2_amd64_entry_without_boot_services_is_not_the_entry),
		T(test_parse_mb2_image_above_4_gib_needs_the_efi_entry),
		T(test_parse_mb2_relocatable_tag_sets_the_bounds),
		T(test_parse_mb2_without_a_header_says_so),
		T(test_parse_mb2_reports_a_malformed_header),
		T(test_parse_mb1_elf_and_address_fields),
		T(test_parse_mb1_without_a_header_says_so),
		T(test_fixed_touching_segments_take_one_exact_claim),
		T(test_fixed_image_claimed_as_loader_memory_when_asked),
		T(test_fixed_segments_sharing_a_page_take_one_exact_claim),
		T(test_fixed_separated_segments_take_two_exact_claims),
		T(test_fixed_image_in_acpi_nvs_memory_names_the_descriptor),
		T(test_fixed_image_outside_the_map_says_so),
		T(test_fixed_image_above_every_descriptor_says_so),
		T(test_fixed_image_second_run_refused_gives_back_the_first),
		T(test_fixed_image_firmware_refuses_is_its_answer_not_a_descriptor),
		T(test_fixed_run_across_two_descriptors_is_claimed_in_each),
		T(test_find_lowest_and_highest),
		T(test_find_skips_runs_too_small),
		T(test_find_aligned),
		T(test_find_none),
		T(test_find_joins_touching_descriptors),
		T(test_owner_names_the_first_part_not_free),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
