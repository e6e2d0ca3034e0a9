/*
 * test_directmap.c - what the direct map can hold (mm/directmap.c): the
 * normalized map clipped to MM_DIRECT_MAP_LIMIT, the direct map's size,
 * and the overlap test of the kernel against it, none of which may wrap
 * (issue 11, defect 2).  Crafted maps for what OVMF cannot make (memory
 * near 2^64, at 128 TiB), the captured OVMF maps for what it does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "runway/boot.h"

#define PAGE MM_PAGE_SIZE
#define GIB (1ull << 30)
#define TIB (1ull << 40)
#define LIMIT MM_DIRECT_MAP_LIMIT

struct d {
	uint32_t type;
	uint64_t base, pages;
};

/* Normalize d[0..n) (descriptor size 48) into out[0..cap); returns the
 * region count, failing the test on error. */
static size_t norm(const struct d *d, size_t n, struct mm_region *out, size_t cap)
{
	const size_t dsz = 48;
	uint8_t *buf = calloc(n ? n : 1, dsz);
	size_t ss = mm_normalize_scratch(n), count = 0;
	void *scratch = malloc(ss ? ss : 1);
	struct rw_err err = { "" };

	assert_true(buf && scratch);
	for (size_t i = 0; i < n; i++) {
		struct mm_efi_desc e = { .type = d[i].type, .phys_start = d[i].base,
					 .pages = d[i].pages };
		memcpy(buf + i * dsz, &e, sizeof e);
	}
	if (mm_normalize(buf, n * dsz, dsz, out, cap, scratch, ss, &count, &err))
		fail_msg("mm_normalize: %s", err.msg);
	free(buf);
	free(scratch);
	return count;
}

static void assert_below_limit(const struct mm_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(r[i].base < r[i].end);
		assert_true(r[i].end <= LIMIT);
		if (i)
			assert_true(r[i - 1].end <= r[i].base);
	}
}

/* The limit is what the direct map at RUNWAY_HHDM_OFFSET holds: it ends
 * exactly at 2^64. */
static void test_limit_is_what_the_4_level_direct_map_holds(void **state)
{
	(void)state;
	assert_int_equal(LIMIT, 128 * TIB);
	assert_int_equal(RUNWAY_HHDM_OFFSET + (LIMIT - 1), UINT64_MAX);
}

/* A reserved gigabyte just below 2^64 (the machine): the direct
 * map's size wrapped to 0, and the kernel ran without a direct map. */
static void test_reserved_page_near_2_64_is_clipped_and_the_size_stays_sane(void **state)
{
	(void)state;
	const struct d map[] = {
		{ MM_EFI_CONVENTIONAL, 0x1000, 0x9f },
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x7ff00 },
		{ MM_EFI_RESERVED, 0xffffffffc0000000ull, 0x40000 },
	};
	struct mm_region r[8];
	size_t n = norm(map, 3, r, 8);
	assert_int_equal(n, 3);
	/* Even unclipped, the size is bounded and never 0. */
	uint64_t raw = mm_direct_map_size(r, n);
	assert_int_equal(raw, LIMIT);

	struct mm_clip_info info;
	n = mm_clip(r, n, LIMIT, &info);
	assert_int_equal(n, 2);
	assert_below_limit(r, n);
	assert_int_equal(info.regions, 1);
	assert_int_equal(info.low, 0xffffffffc0000000ull);
	assert_int_equal(info.high, 0xfffffffffffff000ull); /* clipped at 2^64 */
	assert_int_equal(info.bytes, 0x3ffff000ull);
	assert_int_equal(info.usable_bytes, 0);
	assert_int_equal(mm_direct_map_size(r, n), 4 * GIB);
}

/* Memory at and across 128 TiB: cut at the limit, dropped above it. */
static void test_memory_across_and_above_128_tib_is_cut_and_dropped(void **state)
{
	(void)state;
	const struct d map[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x100 },
		{ MM_EFI_BS_DATA, LIMIT - 2 * GIB, (3 * GIB) / PAGE },   /* across */
		{ MM_EFI_CONVENTIONAL, LIMIT + 1 * GIB, (1 * GIB) / PAGE }, /* above */
		{ MM_EFI_ACPI_NVS, LIMIT + 4 * GIB, 16 },                /* above */
		{ MM_EFI_CONVENTIONAL, 200 * TIB, (2 * GIB) / PAGE },    /* above */
	};
	struct mm_region r[16];
	size_t n = norm(map, 5, r, 16);
	assert_int_equal(n, 5);
	struct mm_clip_info info;
	n = mm_clip(r, n, LIMIT, &info);
	assert_int_equal(n, 2);
	assert_below_limit(r, n);
	assert_int_equal(r[1].base, LIMIT - 2 * GIB);
	assert_int_equal(r[1].end, LIMIT);
	assert_int_equal(r[1].kind, MM_BOOT_SERVICES);
	assert_int_equal(info.regions, 4);
	assert_int_equal(info.low, LIMIT);
	assert_int_equal(info.high, 200 * TIB + 2 * GIB);
	assert_int_equal(info.bytes, 1 * GIB + 1 * GIB + 16 * PAGE + 2 * GIB);
	/* conventional and boot-services memory */
	assert_int_equal(info.usable_bytes, 1 * GIB + 1 * GIB + 2 * GIB);
	uint64_t size = mm_direct_map_size(r, n);
	assert_int_equal(size, LIMIT);
	/* The direct map then ends exactly at 2^64, and the kernel's window
	 * lies inside it: the overlap test must see that. */
	assert_true(mm_ranges_overlap(0xffffffff80000000ull, 2ull << 20,
				      RUNWAY_HHDM_OFFSET, size));
}

/* A descriptor starting exactly at 128 TiB: its direct-map address would
 * be 2^64, which wrapped the overlap test ("page tables: 0x0 mapped
 * twice"); it is dropped whole. */
static void test_descriptor_at_128_tib_dropped_whole(void **state)
{
	(void)state;
	const struct d map[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x100 },
		{ MM_EFI_CONVENTIONAL, LIMIT, 0x100 },
	};
	struct mm_region r[8];
	size_t n = norm(map, 2, r, 8);
	struct mm_clip_info info;
	assert_int_equal(mm_clip(r, n, LIMIT, &info), 1);
	assert_int_equal(info.regions, 1);
	assert_int_equal(info.low, LIMIT);
	assert_int_equal(info.high, LIMIT + 0x100 * PAGE);
	assert_int_equal(info.usable_bytes, 0x100 * PAGE);
	assert_int_equal(mm_direct_map_size(r, 1), 4 * GIB);
}

static void test_clip_keeps_a_map_below_the_limit_and_reports_nothing(void **state)
{
	(void)state;
	const struct d map[] = {
		{ MM_EFI_CONVENTIONAL, 0x1000, 0x9f },
		{ MM_EFI_CONVENTIONAL, LIMIT - 1 * GIB, (1 * GIB) / PAGE }, /* ends at it */
	};
	struct mm_region r[8], before[8];
	size_t n = norm(map, 2, r, 8);
	memcpy(before, r, sizeof r);
	struct mm_clip_info info;
	assert_int_equal(mm_clip(r, n, LIMIT, &info), n);
	assert_memory_equal(r, before, n * sizeof r[0]);
	assert_int_equal(info.regions, 0);
	assert_int_equal(info.bytes, 0);
	assert_int_equal(mm_clip(r, 0, LIMIT, &info), 0);
	assert_int_equal(info.regions, 0);
}

static void test_dropped_bytes_saturate(void **state)
{
	(void)state;
	struct mm_region r[] = {
		{ 0x1000, 0x2000, MM_USABLE, 0 },
		{ LIMIT, UINT64_MAX & ~(PAGE - 1), MM_RESERVED, 1 },
		/* not a normalized map, but the sum must not wrap */
		{ LIMIT, UINT64_MAX & ~(PAGE - 1), MM_USABLE, 2 },
	};
	struct mm_clip_info info;
	assert_int_equal(mm_clip(r, 3, LIMIT, &info), 1);
	assert_int_equal(info.bytes, UINT64_MAX);
}

/* The direct map's size: 4 GiB at least, whole gigabytes, the limit at
 * most, for every top. */
static void test_direct_map_size_rule(void **state)
{
	(void)state;
	static const struct {
		uint64_t end, want;
	} cases[] = {
		{ 0x1000, 4 * GIB },
		{ 4 * GIB, 4 * GIB },
		{ 4 * GIB + 1, 5 * GIB },
		{ 10 * GIB, 10 * GIB },
		{ LIMIT - 1, LIMIT },
		{ LIMIT, LIMIT },
		{ LIMIT + 1, LIMIT },
		{ UINT64_MAX - GIB + 2, LIMIT },
		{ UINT64_MAX, LIMIT },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mm_region r = { 0x1000, cases[i].end, MM_RESERVED, 0 };
		if (mm_direct_map_size(&r, 1) != cases[i].want)
			fail_msg("top 0x%" PRIx64 ": size 0x%" PRIx64 ", want 0x%" PRIx64,
				 cases[i].end, mm_direct_map_size(&r, 1), cases[i].want);
	}
	assert_int_equal(mm_direct_map_size(NULL, 0), 4 * GIB);
}

static void test_ranges_overlap_without_wrapping(void **state)
{
	(void)state;
	const uint64_t hhdm = RUNWAY_HHDM_OFFSET;
	/* A direct map that ends at 2^64 holds everything above it. */
	assert_true(mm_ranges_overlap(0xffffffff80000000ull, 4096, hhdm, LIMIT));
	assert_true(mm_ranges_overlap(hhdm, LIMIT, 0xfffffffffffff000ull, 4096));
	/* Ranges ending at 2^64 against ranges at 0. */
	assert_false(mm_ranges_overlap(0, 4096, hhdm, LIMIT));
	assert_false(mm_ranges_overlap(0xfffffffffffff000ull, 4096, 0, 4096));
	/* Touching is not overlapping; empty ranges overlap nothing. */
	assert_false(mm_ranges_overlap(hhdm, 4 * GIB, hhdm + 4 * GIB, 4096));
	assert_false(mm_ranges_overlap(hhdm + 4 * GIB, 4096, hhdm, 4 * GIB));
	assert_false(mm_ranges_overlap(hhdm, 0, hhdm, 4 * GIB));
	assert_false(mm_ranges_overlap(hhdm, 4 * GIB, hhdm + 4096, 0));
	/* The usual case: a 4 GiB direct map and the kernel's window. */
	assert_false(mm_ranges_overlap(0xffffffff80000000ull, 64ull << 20, hhdm, 4 * GIB));
	assert_true(mm_ranges_overlap(hhdm + GIB, 4096, hhdm, 4 * GIB));
	/* Lengths that would run past 2^64 count as ending there. */
	assert_true(mm_ranges_overlap(0xfffffffffffff000ull, UINT64_MAX,
				      0xfffffffffffff800ull, 16));
}

/* The captured OVMF maps lie far below the limit: nothing is dropped,
 * and the size is their top in whole gigabytes. */
static void test_ovmf_maps_are_not_clipped(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		uint64_t size;
	} maps[] = {
		{ "tests/data/ovmf-q35-128M.map", 4 * GIB },
		{ "tests/data/ovmf-q35-512M.map", 4 * GIB },
		{ "tests/data/ovmf-q35-2G.map", 4 * GIB },
		{ "tests/data/ovmf-q35-8G.map", 10 * GIB },
	};
	for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
		FILE *fp = fopen(maps[k].path, "r");
		char line[256];
		struct d d[256];
		size_t n = 0;
		if (!fp)
			fail_msg("%s: cannot open (run from the repository root)", maps[k].path);
		assert_non_null(fgets(line, sizeof line, fp)); /* header */
		while (n < 256 && fgets(line, sizeof line, fp)) {
			assert_int_equal(sscanf(line, "type=%" SCNu32 " base=0x%" SCNx64 " pages=%" SCNu64,
						&d[n].type, &d[n].base, &d[n].pages), 3);
			n++;
		}
		fclose(fp);
		struct mm_region r[512];
		size_t nreg = norm(d, n, r, 512);
		struct mm_clip_info info;
		assert_int_equal(mm_clip(r, nreg, LIMIT, &info), nreg);
		assert_int_equal(info.regions, 0);
		if (mm_direct_map_size(r, nreg) != maps[k].size)
			fail_msg("%s: direct map 0x%" PRIx64 ", want 0x%" PRIx64, maps[k].path,
				 mm_direct_map_size(r, nreg), maps[k].size);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_is_what_the_4_level_direct_map_holds),
		cmocka_unit_test(test_reserved_page_near_2_64_is_clipped_and_the_size_stays_sane),
		cmocka_unit_test(test_memory_across_and_above_128_tib_is_cut_and_dropped),
		cmocka_unit_test(test_descriptor_at_128_tib_dropped_whole),
		cmocka_unit_test(test_clip_keeps_a_map_below_the_limit_and_reports_nothing),
		cmocka_unit_test(test_dropped_bytes_saturate),
		cmocka_unit_test(test_direct_map_size_rule),
		cmocka_unit_test(test_ranges_overlap_without_wrapping),
		cmocka_unit_test(test_ovmf_maps_are_not_clipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
