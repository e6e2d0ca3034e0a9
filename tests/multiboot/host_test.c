/*
 * host_test.c - unit tests, run on the build host, of the Multiboot test
 * kernels' pure checks (mbchecks.c): each check passes a hand-built good
 * input and fails at least one broken one, so that a check that can never
 * fail shows up here rather than as a green boot.  The information
 * structures, memory maps, EFI maps, RSDPs, SMBIOS entry points and EFI
 * table headers are built here byte by byte.
 *
 * Build and run: make test-multiboot-host (multiboot.mk).  Exit status 0
 * when every test passes; the last line is "N passed, N failed".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mbchecks.h"

static int passed, failed;

#define EXPECT(cond)                                                          \
	do {                                                                  \
		if (cond) {                                                   \
			passed++;                                             \
		} else {                                                      \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__,      \
			        __LINE__, #cond);                             \
			failed++;                                             \
		}                                                             \
	} while (0)

/* A problem text containing `part`, or NULL expected when part is NULL. */
static int says(const char *why, const char *part)
{
	if (!part)
		return why == NULL;
	return why && strstr(why, part);
}

/* ---- building an information structure ---------------------------------- */

struct info {
	_Alignas(8) uint8_t b[4096];
	uint32_t len; /* bytes so far, 8-aligned */
};

static void info_start(struct info *in)
{
	memset(in, 0, sizeof *in);
	in->len = 8;
}

/* Appends a tag with `size` (header included) and its payload bytes;
 * returns its offset. */
static uint32_t add_tag(struct info *in, uint32_t type, uint32_t size, const void *payload)
{
	uint32_t off = in->len;

	memcpy(in->b + off, &type, 4);
	memcpy(in->b + off + 4, &size, 4);
	if (size > 8 && payload)
		memcpy(in->b + off + 8, payload, size - 8);
	in->len = (off + size + 7) & ~7u;
	return off;
}

static void add_string(struct info *in, uint32_t type, const char *s)
{
	add_tag(in, type, 8 + (uint32_t)strlen(s) + 1, s);
}

static void add_module(struct info *in, uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[64];
	uint32_t n = (uint32_t)strlen(s) + 1;

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, n);
	add_tag(in, MB2_TAG_MODULE, 16 + n, p);
}

static void info_finish(struct info *in)
{
	uint32_t zero = 0;

	add_tag(in, MB2_TAG_END, 8, 0);
	memcpy(in->b, &in->len, 4);
	memcpy(in->b + 4, &zero, 4);
}

static void put32(struct info *in, uint32_t off, uint32_t v)
{
	memcpy(in->b + off, &v, 4);
}

/* A good structure: cmdline, name, two modules, meminfo, a memory map. */
static uint32_t good_info(struct info *in)
{
	const uint32_t mi[2] = { 636, 7192 };
	uint8_t mm[8 + 3 * 24];
	const uint64_t e[3][3] = { { 0, 0x9f000, 1 }, { 0x100000, 0x706000, 1 },
	                           { 0x806000, 0x2000, 4 } };
	uint32_t mmap_off, i;

	info_start(in);
	add_string(in, MB2_TAG_CMDLINE, "mb-test console=ttyS0 answer=42");
	add_string(in, MB2_TAG_LOADER_NAME, "Runway 0.4");
	add_module(in, 0x200000, 0x201000, "fnv1a64=0123456789abcdef");
	add_module(in, 0x300000, 0x300010, "second");
	add_tag(in, MB2_TAG_BASIC_MEMINFO, 16, mi);
	memset(mm, 0, sizeof mm);
	mm[0] = 24;
	for (i = 0; i < 3; i++) {
		uint32_t t = (uint32_t)e[i][2], r = 0;

		memcpy(mm + 8 + 24 * i, &e[i][0], 8);
		memcpy(mm + 8 + 24 * i + 8, &e[i][1], 8);
		memcpy(mm + 8 + 24 * i + 16, &t, 4);
		memcpy(mm + 8 + 24 * i + 20, &r, 4);
	}
	mmap_off = add_tag(in, MB2_TAG_MMAP, 16 + 3 * 24, mm);
	info_finish(in);
	return mmap_off;
}

static const char *walk(struct info *in, struct mb2_walk *w)
{
	return mb2_walk_problem(in->b, w);
}

static void test_walk_good(void)
{
	struct info in;
	struct mb2_walk w;
	const struct mb2_tag_module *m;
	char text[64];

	good_info(&in);
	EXPECT(walk(&in, &w) == NULL);
	EXPECT(w.ntags == 6 && w.unknown == 0);
	EXPECT(w.count[MB2_TAG_MODULE] == 2 && w.count[MB2_TAG_MMAP] == 1);
	EXPECT(w.tag[MB2_TAG_CMDLINE] == (const void *)(in.b + 8));
	m = mb2_next_module(in.b, 0);
	EXPECT(m && m->mod_start == 0x200000 && !strcmp(m->string, "fnv1a64=0123456789abcdef"));
	m = mb2_next_module(in.b, m);
	EXPECT(m && m->mod_start == 0x300000 && !strcmp(m->string, "second"));
	EXPECT(mb2_next_module(in.b, m) == NULL);
	EXPECT(!strcmp(mb_tags_text(text, sizeof text, (1ull << 1) | (1ull << 2) | (1ull << 21)),
	               "1,2,21"));
	EXPECT(!strcmp(mb_tags_text(text, sizeof text, 0), ""));
	EXPECT(!strcmp(mb_tags_text(text, 6, (1ull << 1) | (1ull << 2) | (1ull << 21)), "1,2"));
}

static void test_walk_broken(void)
{
	struct info in;
	struct mb2_walk w;
	uint32_t mm;

	good_info(&in);
	put32(&in, 0, 8);
	EXPECT(says(walk(&in, &w), "below 16"));
	good_info(&in);
	put32(&in, 0, 2u << 20);
	EXPECT(says(walk(&in, &w), "above 1 MiB"));
	good_info(&in);
	put32(&in, 4, 1);
	EXPECT(says(walk(&in, &w), "reserved"));
	/* total_size ends inside the end tag, or before it. */
	good_info(&in);
	put32(&in, 0, in.len - 8);
	EXPECT(says(walk(&in, &w), "no end tag"));
	good_info(&in);
	put32(&in, 0, in.len + 8);
	EXPECT(says(walk(&in, &w), "end tag before total_size"));
	/* The end tag's size. */
	good_info(&in);
	put32(&in, in.len - 4, 16);
	EXPECT(says(walk(&in, &w), "runs past"));
	good_info(&in);
	put32(&in, in.len - 4, 12);
	put32(&in, 0, in.len + 8);
	EXPECT(says(walk(&in, &w), "end tag size"));
	/* The cmdline tag (offset 8): size 4, size past total, no NUL. */
	good_info(&in);
	put32(&in, 12, 4);
	EXPECT(says(walk(&in, &w), "size below 8") && w.bad_offset == 8 && w.bad_type == 1);
	good_info(&in);
	put32(&in, 12, 5000);
	EXPECT(says(walk(&in, &w), "runs past"));
	good_info(&in);
	in.b[8 + 8 + 31] = 'x';
	EXPECT(says(walk(&in, &w), "without a NUL"));
	/* The memory map: entry size, version, a partial entry. */
	mm = good_info(&in);
	put32(&in, mm + 8, 20);
	EXPECT(says(walk(&in, &w), "entry_size"));
	mm = good_info(&in);
	put32(&in, mm + 12, 1);
	EXPECT(says(walk(&in, &w), "entry_version"));
	mm = good_info(&in);
	put32(&in, mm + 4, 16 + 2 * 24 + 8);
	EXPECT(says(walk(&in, &w), "whole entries"));
	/* A duplicated name; an unknown type is counted, not refused. */
	info_start(&in);
	add_string(&in, MB2_TAG_LOADER_NAME, "Runway");
	add_string(&in, MB2_TAG_LOADER_NAME, "Runway");
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "second tag"));
	info_start(&in);
	add_tag(&in, 50, 12, "abcd");
	info_finish(&in);
	EXPECT(walk(&in, &w) == NULL && w.unknown == 1);
}

static void test_tag_sizes(void)
{
	struct info in;
	struct mb2_walk w;
	uint8_t p[64] = { 0 };

	info_start(&in);
	add_tag(&in, MB2_TAG_BASIC_MEMINFO, 20, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "meminfo"));
	info_start(&in);
	add_tag(&in, MB2_TAG_MODULE, 16, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "module tag shorter"));
	info_start(&in);
	p[0] = 0x10; /* mod_start 0x10 > mod_end 0 */
	add_tag(&in, MB2_TAG_MODULE, 17, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "mod_end below"));
	memset(p, 0, sizeof p);
	info_start(&in);
	add_tag(&in, MB2_TAG_EFI64_ST, 12, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "64-bit pointer"));
	info_start(&in);
	p[0] = 32; /* descriptor_size 32 */
	add_tag(&in, MB2_TAG_EFI_MMAP, 16 + 32, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "below 40"));
	info_start(&in);
	p[0] = 48;
	add_tag(&in, MB2_TAG_EFI_MMAP, 16 + 40, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "whole descriptors"));
	info_start(&in);
	add_tag(&in, MB2_TAG_EFI_MMAP, 16 + 48, p);
	info_finish(&in);
	EXPECT(walk(&in, &w) == NULL);
	memset(p, 0, sizeof p);
	p[21] = MB_FB_TYPE_RGB; /* framebuffer_type at tag offset 29 */
	info_start(&in);
	add_tag(&in, MB2_TAG_FRAMEBUFFER, 32, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "no color_info"));
	info_start(&in);
	add_tag(&in, MB2_TAG_FRAMEBUFFER, 38, p);
	info_finish(&in);
	EXPECT(walk(&in, &w) == NULL);
	info_start(&in);
	add_tag(&in, MB2_TAG_FRAMEBUFFER, 24, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "common part"));
	info_start(&in);
	add_tag(&in, MB2_TAG_EFI_BS_NOT_TERM, 12, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "not terminated"));
	info_start(&in);
	add_tag(&in, MB2_TAG_ACPI_NEW, 8 + 24, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "new RSDP"));
	info_start(&in);
	add_tag(&in, MB2_TAG_LOAD_BASE, 16, p);
	info_finish(&in);
	EXPECT(says(walk(&in, &w), "load base"));
}

/* ---- memory maps ------------------------------------------------------------ */

#define R(b, l, t) { (b), (l), (t) }

static const struct mb_range good_map[] = {
	R(0x0,       0x9f000,    1),
	R(0x9f000,   0x1000,     2),
	R(0x100000,  0x100000,   1),
	R(0x200000,  0x606000,   1), /* adjacent type-1 entries: one run */
	R(0x806000,  0x2000,     4),
	R(0x808000,  0x8000,     1),
	R(0x1f76c000, 0x12000,   3),
	R(0xffc00000, 0x400000,  2),
};
#define NGOOD ((uint32_t)(sizeof good_map / sizeof good_map[0]))

static const char *one_change(uint32_t i, uint64_t base, uint64_t len, uint32_t type,
                              uint32_t *bad)
{
	struct mb_range m[NGOOD];

	memcpy(m, good_map, sizeof m);
	m[i] = (struct mb_range){ base, len, type };
	return mb_mmap_problem(m, NGOOD, bad);
}

static void test_mmap(void)
{
	struct info in;
	struct mb2_walk w;
	struct mb_range out[8];
	uint32_t bad = 99, lower, upper;
	uint64_t at;

	EXPECT(mb_mmap_problem(good_map, NGOOD, &bad) == NULL);
	EXPECT(says(mb_mmap_problem(good_map, 0, &bad), "no entries"));
	EXPECT(says(one_change(2, 0x100000, 0, 1, &bad), "length 0") && bad == 2);
	EXPECT(says(one_change(7, 0xfffffffffffff000ull, 0x2000, 2, &bad), "wrapping") && bad == 7);
	EXPECT(says(one_change(4, 0x806000, 0x2000, 0, &bad), "type") && bad == 4);
	EXPECT(says(one_change(4, 0x806000, 0x2000, 6, &bad), "type"));
	EXPECT(says(one_change(1, 0x0, 0x1000, 2, &bad), "sorted") && bad == 1);
	EXPECT(says(one_change(2, 0x9f000, 0x1000, 1, &bad), "sorted"));
	EXPECT(says(one_change(2, 0x9f800, 0x1000, 1, &bad), "overlapping") && bad == 2);

	EXPECT(mb_mmap_covers(good_map, NGOOD, 0x100000, 0x706000, 1, &at));
	EXPECT(!mb_mmap_covers(good_map, NGOOD, 0x100000, 0x707000, 1, &at) && at == 0x806000);
	EXPECT(!mb_mmap_covers(good_map, NGOOD, 0x9e000, 0x2000, 1, &at) && at == 0x9f000);
	EXPECT(!mb_mmap_covers(good_map, NGOOD, 0xa0000, 0x10, 1, &at) && at == 0xa0000);
	EXPECT(mb_mmap_covers(good_map, NGOOD, 0x1f76d000, 0x100, 3, &at));
	EXPECT(!mb_mmap_covers(good_map, NGOOD, 0x20000000, 1, 1, &at) && at == 0x20000000);
	EXPECT(mb_mmap_covers(good_map, NGOOD, 0x5, 0, 1, &at));
	EXPECT(!mb_mmap_covers(good_map, NGOOD, UINT64_MAX, 2, 1, &at));

	/* mem_lower: 0x9f000 = 636 KiB; mem_upper: 1 MiB to 0x806000 = 7192 KiB. */
	mb_meminfo_expect(good_map, NGOOD, &lower, &upper);
	EXPECT(lower == 636 && upper == 7192);
	{
		const struct mb_range big[] = { R(0, 0x200000, 1) }; /* no VGA hole */
		const struct mb_range none[] = { R(0, 0x1000, 2), R(0x1000, 0x9e000, 1),
		                                 R(0x200000, 0x1000, 1) };

		mb_meminfo_expect(big, 1, &lower, &upper);
		EXPECT(lower == 640 && upper == 1024);
		mb_meminfo_expect(none, 3, &lower, &upper);
		EXPECT(lower == 0 && upper == 0);
	}

	good_info(&in);
	EXPECT(walk(&in, &w) == NULL);
	EXPECT(mb2_mmap_collect((const void *)w.tag[MB2_TAG_MMAP], out, 8) == 3);
	EXPECT(out[1].base == 0x100000 && out[1].length == 0x706000 && out[2].type == 4);
	EXPECT(mb2_mmap_collect((const void *)w.tag[MB2_TAG_MMAP], out, 2) == 3);

	EXPECT(mb_overlap(0x1000, 0x1000, 0x1fff, 1));
	EXPECT(!mb_overlap(0x1000, 0x1000, 0x2000, 1));
	EXPECT(!mb_overlap(0x1000, 0x1000, 0x800, 0x800));
	EXPECT(!mb_overlap(0x1000, 0, 0x1000, 0x1000));
}

/* Appends one Multiboot (1) entry with the given size field. */
static uint32_t mb1_entry(uint8_t *buf, uint32_t off, uint32_t size, uint64_t base,
                          uint64_t len, uint32_t type)
{
	memcpy(buf + off, &size, 4);
	memcpy(buf + off + 4, &base, 8);
	memcpy(buf + off + 12, &len, 8);
	memcpy(buf + off + 20, &type, 4);
	return off + 4 + size;
}

static void test_mb1_mmap(void)
{
	uint8_t buf[128] = { 0 };
	struct mb_range out[4];
	uint32_t n, bad, len;

	len = mb1_entry(buf, 0, 20, 0, 0x9f000, 1);
	len = mb1_entry(buf, len, 24, 0x100000, 0x700000, 1); /* a larger size: skipped by it */
	len = mb1_entry(buf, len, 20, 0x800000, 0x1000, 3);
	EXPECT(mb1_mmap_problem(buf, len, out, 4, &n, &bad) == NULL && n == 3);
	EXPECT(out[1].base == 0x100000 && out[1].length == 0x700000 && out[2].type == 3);
	EXPECT(mb1_mmap_problem(buf, len, out, 2, &n, &bad) == NULL && n == 3);
	EXPECT(says(mb1_mmap_problem(buf, len - 2, out, 4, &n, &bad), "past mmap_length") &&
	       bad == 52);
	EXPECT(says(mb1_mmap_problem(buf, len + 2, out, 4, &n, &bad), "partial size"));
	mb1_entry(buf, 24, 16, 0x100000, 0x700000, 1);
	EXPECT(says(mb1_mmap_problem(buf, len, out, 4, &n, &bad), "below 20") && bad == 24);
}

/* ---- EFI memory map against the Multiboot map --------------------------------- */

struct efimap {
	_Alignas(8) uint8_t b[48 * 16];
	uint32_t n;
};

static void efi_add(struct efimap *e, uint32_t type, uint64_t start, uint64_t pages)
{
	struct efi_memory_descriptor d = { type, 0, start, 0, pages, 0xf };

	memset(e->b + 48 * e->n, 0xee, 48); /* the 8 bytes past 40 are not ours */
	memcpy(e->b + 48 * e->n, &d, sizeof d);
	e->n++;
}

/* The firmware map good_map was made from, out of order. */
static void good_efi(struct efimap *e)
{
	e->n = 0;
	efi_add(e, EFI_BOOT_SERVICES_DATA, 0x200000, 0x100);
	efi_add(e, EFI_BOOT_SERVICES_CODE, 0x0, 1);
	efi_add(e, EFI_CONVENTIONAL_MEMORY, 0x1000, 0x9e);
	efi_add(e, EFI_RESERVED_TYPE, 0x9f000, 1);
	efi_add(e, RUNWAY_EFI_KERNEL_TYPE, 0x100000, 0x100);
	efi_add(e, EFI_LOADER_DATA, 0x300000, 0x506);
	efi_add(e, EFI_ACPI_MEMORY_NVS, 0x806000, 2);
	efi_add(e, EFI_CONVENTIONAL_MEMORY, 0x808000, 8);
	efi_add(e, EFI_ACPI_RECLAIM_MEMORY, 0x1f76c000, 0x12);
	efi_add(e, EFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400);
}

static const char *efi_check(struct efimap *e, struct mb_efi_bad *bad)
{
	return mb_efi_map_problem(e->b, 48ull * e->n, 48, good_map, NGOOD, bad);
}

static void efi_set(struct efimap *e, uint32_t i, uint32_t type, uint64_t start, uint64_t pages)
{
	struct efi_memory_descriptor d = { type, 0, start, 0, pages, 0xf };

	memcpy(e->b + 48 * i, &d, sizeof d);
}

static int is_loader(uint32_t t)
{
	return t == EFI_LOADER_CODE || t == EFI_LOADER_DATA;
}

static void test_efi_map(void)
{
	struct efimap e;
	struct mb_efi_bad bad;
	uint64_t at;
	int64_t t;

	good_efi(&e);
	EXPECT(efi_check(&e, &bad) == NULL);
	EXPECT(says(mb_efi_map_problem(e.b, 48ull * e.n, 32, good_map, NGOOD, &bad), "below 40"));
	/* Conventional memory where the Multiboot map says reserved. */
	good_efi(&e);
	efi_set(&e, 3, EFI_CONVENTIONAL_MEMORY, 0x9f000, 1);
	EXPECT(says(efi_check(&e, &bad), "not inside") && bad.index == 3 && bad.addr == 0x9f000 &&
	       bad.mb_type == 2);
	/* ACPI reclaim listed as usable memory; NVS where type 3 is. */
	good_efi(&e);
	efi_set(&e, 7, EFI_ACPI_RECLAIM_MEMORY, 0x808000, 8);
	EXPECT(says(efi_check(&e, &bad), "not inside") && bad.efi_type == EFI_ACPI_RECLAIM_MEMORY);
	good_efi(&e);
	efi_set(&e, 8, EFI_ACPI_MEMORY_NVS, 0x1f76c000, 0x12);
	EXPECT(says(efi_check(&e, &bad), "not inside") && bad.mb_type == 3);
	good_efi(&e);
	efi_add(&e, EFI_CONVENTIONAL_MEMORY, 0xa0000, 0x10);
	EXPECT(says(efi_check(&e, &bad), "not inside") && bad.addr == 0xa0000 && bad.mb_type == 0);
	good_efi(&e);
	efi_set(&e, 8, EFI_UNUSABLE_MEMORY, 0x1f76c000, 0x12);
	EXPECT(says(efi_check(&e, &bad), "not inside"));
	/* MMIO over usable memory. */
	good_efi(&e);
	efi_add(&e, EFI_MEMORY_MAPPED_IO, 0x80f000, 2);
	EXPECT(says(efi_check(&e, &bad), "not usable memory overlaps") && bad.addr == 0x80f000);
	/* Type-1 memory the firmware does not list, or lists as runtime data. */
	good_efi(&e);
	efi_set(&e, 7, EFI_CONVENTIONAL_MEMORY, 0x808000, 7);
	EXPECT(says(efi_check(&e, &bad), "no EFI descriptor") && bad.addr == 0x80f000 &&
	       bad.mb_type == 1);
	good_efi(&e);
	efi_set(&e, 7, EFI_CONVENTIONAL_MEMORY, 0x808000, 7);
	efi_add(&e, EFI_RUNTIME_SERVICES_DATA, 0x80f000, 1);
	EXPECT(says(efi_check(&e, &bad), "not usable memory overlaps"));
	/* Shapes. */
	good_efi(&e);
	efi_set(&e, 7, EFI_CONVENTIONAL_MEMORY, 0x808000, 0);
	EXPECT(says(efi_check(&e, &bad), "no pages"));
	good_efi(&e);
	efi_set(&e, 7, EFI_CONVENTIONAL_MEMORY, 0x808800, 7);
	EXPECT(says(efi_check(&e, &bad), "page-aligned"));
	good_efi(&e);
	efi_set(&e, 9, EFI_MEMORY_MAPPED_IO, 0xfffffffffff00000ull, 0x200);
	EXPECT(says(efi_check(&e, &bad), "wrapping"));

	good_efi(&e);
	EXPECT(mb_efi_expected_type(RUNWAY_EFI_MODULE_TYPE) == 1);
	EXPECT(mb_efi_expected_type(EFI_RUNTIME_SERVICES_CODE) == 0);
	EXPECT(mb_efi_type_at(e.b, 48ull * e.n, 48, 0x100fff) == RUNWAY_EFI_KERNEL_TYPE);
	EXPECT(mb_efi_type_at(e.b, 48ull * e.n, 48, 0xa0000) == -1);
	EXPECT(mb_efi_covers(e.b, 48ull * e.n, 48, 0x300010, 0x1000, is_loader, &at, &t));
	EXPECT(!mb_efi_covers(e.b, 48ull * e.n, 48, 0x2ff000, 0x2000, is_loader, &at, &t) &&
	       at == 0x2ff000 && t == EFI_BOOT_SERVICES_DATA);
	EXPECT(!mb_efi_covers(e.b, 48ull * e.n, 48, 0x806000 - 0x10, 0x20, is_loader, &at, &t));
	EXPECT(!mb_efi_covers(e.b, 48ull * e.n, 48, 0xa0000, 1, is_loader, &at, &t) && t == -1);
}

/* ---- firmware tables ------------------------------------------------------------ */

static void make_rsdp(uint8_t *p, int rev)
{
	uint32_t len = 36;

	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "RUNWAY", 6);
	p[15] = (uint8_t)rev;
	memcpy(p + 20, &len, 4);
	p[8] = (uint8_t)-mb_sum8(p, 20);
	p[32] = (uint8_t)-mb_sum8(p, 36);
}

static void test_rsdp(void)
{
	uint8_t p[40];

	make_rsdp(p, 2);
	EXPECT(mb_rsdp_problem(p, 36, 1) == NULL);
	EXPECT(mb_rsdp_problem(p, 20, 0) == NULL);
	EXPECT(says(mb_rsdp_problem(p, 19, 0), "shorter than the 20"));
	EXPECT(says(mb_rsdp_problem(p, 30, 1), "shorter than the 36"));
	make_rsdp(p, 2);
	p[0] = 'X';
	EXPECT(says(mb_rsdp_problem(p, 36, 0), "signature"));
	make_rsdp(p, 2);
	p[10] ^= 1;
	EXPECT(says(mb_rsdp_problem(p, 36, 0), "first 20 bytes"));
	make_rsdp(p, 2);
	p[33] ^= 1;
	EXPECT(mb_rsdp_problem(p, 36, 0) == NULL);
	EXPECT(says(mb_rsdp_problem(p, 36, 1), "extended checksum"));
	make_rsdp(p, 0);
	EXPECT(says(mb_rsdp_problem(p, 36, 1), "revision"));
	make_rsdp(p, 2);
	p[20] = 40;
	p[8] = 0;
	p[8] = (uint8_t)-mb_sum8(p, 20);
	EXPECT(says(mb_rsdp_problem(p, 36, 1), "larger than"));
}

struct smb {
	_Alignas(8) uint8_t b[64];
};

static const struct mb2_tag_smbios *make_smbios(struct smb *s, int v3, uint8_t major,
                                               uint8_t minor)
{
	struct mb2_tag_smbios *t = (void *)s->b;
	uint8_t *ep = s->b + 16;
	uint8_t len = v3 ? 0x18 : 0x1f;

	memset(s, 0, sizeof *s);
	t->type = MB2_TAG_SMBIOS;
	t->size = 16 + len;
	t->major = major;
	t->minor = minor;
	if (v3) {
		memcpy(ep, "_SM3_", 5);
		ep[6] = len;
		ep[7] = 3;
		ep[8] = 2;
	} else {
		memcpy(ep, "_SM_", 4);
		ep[5] = len;
		ep[6] = 2;
		ep[7] = 8;
		memcpy(ep + 16, "_DMI_", 5);
	}
	ep[v3 ? 5 : 4] = (uint8_t)-mb_sum8(ep, len);
	return t;
}

static void test_smbios(void)
{
	struct smb s;
	struct mb2_tag_smbios *t;

	EXPECT(mb_smbios_problem(make_smbios(&s, 0, 2, 8)) == NULL);
	EXPECT(mb_smbios_problem(make_smbios(&s, 1, 3, 2)) == NULL);
	EXPECT(says(mb_smbios_problem(make_smbios(&s, 1, 3, 0)), "major/minor"));
	EXPECT(says(mb_smbios_problem(make_smbios(&s, 0, 3, 8)), "major/minor"));
	t = (void *)make_smbios(&s, 0, 2, 8);
	s.b[16 + 9] ^= 1;
	EXPECT(says(mb_smbios_problem(t), "checksum"));
	t = (void *)make_smbios(&s, 1, 3, 2);
	t->size = 16 + 0x10;
	EXPECT(says(mb_smbios_problem(t), "larger than"));
	t = (void *)make_smbios(&s, 0, 2, 8);
	s.b[16] = '-';
	EXPECT(says(mb_smbios_problem(t), "neither"));
	t = (void *)make_smbios(&s, 0, 2, 8);
	s.b[16 + 5] = 0x10;
	EXPECT(says(mb_smbios_problem(t), "below 31"));
}

static void test_crc_and_header(void)
{
	_Alignas(8) uint8_t st[120];
	struct efi_table_header *h = (void *)st;
	unsigned i;

	/* The CRC-32 check value of "123456789". */
	EXPECT(mb_crc32(0, "123456789", 9) == 0xcbf43926u);
	EXPECT(mb_crc32(mb_crc32(0, "1234", 4), "56789", 5) == 0xcbf43926u);
	for (i = 0; i < sizeof st; i++)
		st[i] = (uint8_t)(i * 7);
	h->signature = EFI_ST_SIGNATURE;
	h->header_size = sizeof st;
	h->crc32 = 0;
	h->crc32 = mb_crc32(0, st, sizeof st);
	EXPECT(mb_efi_header_problem(h, EFI_ST_SIGNATURE, 4096) == NULL);
	EXPECT(says(mb_efi_header_problem(h, EFI_BS_SIGNATURE, 4096), "signature"));
	EXPECT(says(mb_efi_header_problem(h, EFI_ST_SIGNATURE, 100), "larger than"));
	st[100] ^= 0x40;
	EXPECT(says(mb_efi_header_problem(h, EFI_ST_SIGNATURE, 4096), "CRC32"));
	st[100] ^= 0x40;
	h->crc32 ^= 1;
	EXPECT(says(mb_efi_header_problem(h, EFI_ST_SIGNATURE, 4096), "CRC32"));
	h->header_size = 16;
	EXPECT(says(mb_efi_header_problem(h, EFI_ST_SIGNATURE, 4096), "below 24"));
}

static void test_framebuffer(void)
{
	const struct mb_fb good = { 0x80000000, 3200, 800, 600, 32, MB_FB_TYPE_RGB };
	struct mb_fb f;

	EXPECT(mb_fb_problem(&good, 800, 600, 32) == NULL);
	EXPECT(mb_fb_problem(&good, 0, 0, 0) == NULL);
	EXPECT(says(mb_fb_problem(&good, 1024, 768, 32), "size differs"));
	f = good;
	f.type = MB_FB_TYPE_EGA_TEXT;
	EXPECT(says(mb_fb_problem(&f, 800, 600, 32), "RGB"));
	f = good;
	f.bpp = 24;
	EXPECT(says(mb_fb_problem(&f, 800, 600, 32), "bits per pixel"));
	f = good;
	f.pitch = 3196;
	EXPECT(says(mb_fb_problem(&f, 800, 600, 32), "pitch"));
	f = good;
	f.addr = 0;
	EXPECT(says(mb_fb_problem(&f, 800, 600, 32), "address is 0"));
	f = good;
	f.addr = 0xfff00000;
	EXPECT(says(mb_fb_problem(&f, 800, 600, 32), "below 4 GiB"));
	f = good;
	f.addr = 0x100000000ull;
	EXPECT(says(mb_fb_problem(&f, 0, 0, 0), "below 4 GiB"));
	f = good;
	f.height = 0;
	EXPECT(says(mb_fb_problem(&f, 0, 0, 0), "is 0"));

	EXPECT(mb_starts_with("Runway 0.4", "Runway"));
	EXPECT(!mb_starts_with("Run", "Runway"));
	EXPECT(!mb_starts_with("GRUB 2.06", "Runway"));
}

int main(void)
{
	test_walk_good();
	test_walk_broken();
	test_tag_sizes();
	test_mmap();
	test_mb1_mmap();
	test_efi_map();
	test_rsdp();
	test_smbios();
	test_crc_and_header();
	test_framebuffer();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
