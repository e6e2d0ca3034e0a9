/*
 * test_bootmap.c - mm_boot_map: normalized regions -> the kernel's memory
 * map (struct runway_mmap_entry).
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

#define U RUNWAY_MEM_USABLE
#define R RUNWAY_MEM_RESERVED
#define LR RUNWAY_MEM_LOADER_RECLAIMABLE
#define K RUNWAY_MEM_KERNEL

static struct runway_mmap_entry out[256];

static void print_entries(const struct runway_mmap_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_message("  [%zu] 0x%llx + 0x%llx type %u\n", i,
			      (unsigned long long)e[i].base,
			      (unsigned long long)e[i].length, e[i].type);
}

struct want {
	uint64_t base, end;
	uint32_t type;
};

static void expect_map(const struct mm_region *r, size_t nreg,
		       const struct want *w, size_t nw)
{
	memset(out, 0xa5, sizeof out);
	size_t n = mm_boot_map(r, nreg, out, 256);
	bool same = n == nw;
	for (size_t i = 0; same && i < n; i++)
		same = out[i].base == w[i].base &&
		       out[i].length == w[i].end - w[i].base &&
		       out[i].type == w[i].type && out[i].reserved == 0;
	if (!same) {
		print_message("got %zu entries:\n", n);
		print_entries(out, n);
		fail_msg("expected %zu entries", nw);
	}
}

static void test_boot_services_become_usable(void **state)
{
	(void)state;
	const struct mm_region r[] = {
		{ 0x100000, 0x200000, MM_BOOT_SERVICES, 0 },
		{ 0x300000, 0x400000, MM_BOOT_SERVICES, 1 },
	};
	const struct want w[] = {
		{ 0x100000, 0x200000, U },
		{ 0x300000, 0x400000, U },
	};
	expect_map(r, 2, w, 2);
}

static void test_loader_becomes_loader_reclaimable(void **state)
{
	(void)state;
	const struct mm_region r[] = { { 0x100000, 0x180000, MM_LOADER, 0 } };
	const struct want w[] = { { 0x100000, 0x180000, LR } };
	expect_map(r, 1, w, 1);
}

static void test_kernel_stays_kernel(void **state)
{
	(void)state;
	const struct mm_region r[] = {
		{ 0x1000000, 0x1200000, MM_KERNEL, 0 },
		{ 0x1200000, 0x1300000, MM_USABLE, 0 },
	};
	const struct want w[] = {
		{ 0x1000000, 0x1200000, K },
		{ 0x1200000, 0x1300000, U },
	};
	expect_map(r, 2, w, 2);
}

static void test_every_kind_has_its_type(void **state)
{
	(void)state;
	static const uint32_t want[MM_KIND_COUNT] = {
		[MM_USABLE] = U,
		[MM_BOOT_SERVICES] = U,
		[MM_LOADER] = LR,
		[MM_KERNEL] = K,
		[MM_MODULE] = RUNWAY_MEM_MODULE,
		[MM_ACPI_RECLAIM] = RUNWAY_MEM_ACPI_RECLAIMABLE,
		[MM_ACPI_NVS] = RUNWAY_MEM_ACPI_NVS,
		[MM_RESERVED] = R,
		[MM_BAD] = RUNWAY_MEM_BAD,
	};
	for (uint32_t k = 0; k < MM_KIND_COUNT; k++) {
		const struct mm_region r[] = { { 0x100000, 0x101000, k, 0 } };
		size_t n = mm_boot_map(r, 1, out, 256);
		assert_int_equal(n, 1);
		if (out[0].type != want[k])
			fail_msg("kind %s: type %u, expected %u", mm_kind_name(k),
				 out[0].type, want[k]);
	}
	/* An out-of-range kind is reserved, never usable. */
	const struct mm_region odd[] = { { 0x100000, 0x101000, 77, 0 } };
	assert_int_equal(mm_boot_map(odd, 1, out, 256), 1);
	assert_int_equal(out[0].type, R);
}

static void test_neighbours_of_one_resulting_type_merge(void **state)
{
	(void)state;
	/* usable + boot services + usable (three descriptors) -> one usable;
	 * ACPI then reserved stay apart; kernel next to kernel merges. */
	const struct mm_region r[] = {
		{ 0x100000, 0x200000, MM_USABLE, 0 },
		{ 0x200000, 0x300000, MM_BOOT_SERVICES, 1 },
		{ 0x300000, 0x400000, MM_USABLE, 2 },
		{ 0x400000, 0x410000, MM_ACPI_RECLAIM, 3 },
		{ 0x410000, 0x420000, MM_RESERVED, 4 },
		{ 0x420000, 0x430000, MM_RESERVED, 5 },
		{ 0x430000, 0x440000, MM_KERNEL, 6 },
		{ 0x440000, 0x450000, MM_KERNEL, 7 },
		{ 0x460000, 0x470000, MM_USABLE, 8 }, /* gap before: no merge */
		{ 0x470000, 0x480000, MM_LOADER, 9 },
		{ 0x480000, 0x490000, MM_LOADER, 10 },
	};
	const struct want w[] = {
		{ 0x100000, 0x400000, U },
		{ 0x400000, 0x410000, RUNWAY_MEM_ACPI_RECLAIMABLE },
		{ 0x410000, 0x430000, R },
		{ 0x430000, 0x450000, K },
		{ 0x460000, 0x470000, U },
		{ 0x470000, 0x490000, LR },
	};
	expect_map(r, sizeof r / sizeof r[0], w, sizeof w / sizeof w[0]);
}

static void test_page_zero_never_usable(void **state)
{
	(void)state;
	/* Boot-services memory is not trimmed by mm_normalize: page 0 can
	 * arrive here. */
	const struct mm_region r[] = {
		{ 0x0, 0x9f000, MM_BOOT_SERVICES, 0 },
		{ 0x9f000, 0xa0000, MM_USABLE, 1 },
	};
	const struct want w[] = {
		{ 0x0, 0x1000, R },
		{ 0x1000, 0xa0000, U },
	};
	expect_map(r, 2, w, 2);
	/* A one-page region at 0 is all reserved. */
	const struct mm_region one[] = { { 0x0, 0x1000, MM_USABLE, 0 } };
	const struct want w1[] = { { 0x0, 0x1000, R } };
	expect_map(one, 1, w1, 1);
}

static void test_partial_pages_of_usable_memory_are_reserved(void **state)
{
	(void)state;
	const struct mm_region r[] = {
		{ 0x100800, 0x103800, MM_BOOT_SERVICES, 0 },
		{ 0x200010, 0x200f00, MM_BOOT_SERVICES, 1 }, /* no whole page */
	};
	const struct want w[] = {
		{ 0x100800, 0x101000, R },
		{ 0x101000, 0x103000, U },
		{ 0x103000, 0x103800, R },
		{ 0x200010, 0x200f00, R },
	};
	expect_map(r, 2, w, 4);
}

static void test_cap_too_small_returns_zero(void **state)
{
	(void)state;
	const struct mm_region r[] = {
		{ 0x1000, 0x9f000, MM_USABLE, 0 },
		{ 0x9f000, 0x100000, MM_RESERVED, 1 },
		{ 0x100000, 0x800000, MM_USABLE, 2 },
		{ 0x800000, 0x900000, MM_KERNEL, 3 },
	};
	assert_int_equal(mm_boot_map(r, 4, out, 4), 4);
	assert_int_equal(mm_boot_map(r, 4, out, 3), 0);
	assert_int_equal(mm_boot_map(r, 4, out, 0), 0);
	/* Merging means fewer entries than regions: that cap is enough. */
	const struct mm_region m[] = {
		{ 0x100000, 0x200000, MM_USABLE, 0 },
		{ 0x200000, 0x300000, MM_BOOT_SERVICES, 1 },
	};
	assert_int_equal(mm_boot_map(m, 2, out, 1), 1);
	/* The page-0 split needs a second entry. */
	const struct mm_region z[] = { { 0x0, 0x10000, MM_USABLE, 0 } };
	assert_int_equal(mm_boot_map(z, 1, out, 1), 0);
	assert_int_equal(mm_boot_map(z, 1, out, 2), 2);
}

static void test_output_sorted_and_covers_input(void **state)
{
	(void)state;
	/* A normalized-looking map of random neighbours: the output is sorted,
	 * non-overlapping, covers exactly the input bytes, and no two
	 * touching entries share a type. */
	uint64_t seed = 88172645463325252ull;
	for (int round = 0; round < 200; round++) {
		struct mm_region r[40];
		size_t n = 0;
		uint64_t at = 0, bytes = 0;
		for (; n < 40; n++) {
			seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
			if (seed % 5 == 0)
				at += (seed >> 8) % 0x10000;
			uint64_t len = 0x1000 * (1 + (seed >> 20) % 64);
			if ((seed >> 40) % 7 == 0)
				len += (seed >> 30) % 0x1000; /* unaligned */
			r[n] = (struct mm_region){ at, at + len,
						   (uint32_t)((seed >> 50) % MM_KIND_COUNT),
						   (uint32_t)n };
			at += len;
			bytes += len;
		}
		size_t k = mm_boot_map(r, n, out, 256);
		assert_true(k > 0);
		uint64_t sum = 0;
		for (size_t i = 0; i < k; i++) {
			sum += out[i].length;
			assert_true(out[i].length > 0);
			if (out[i].type == U) {
				assert_int_equal(out[i].base & 0xfff, 0);
				assert_int_equal(out[i].length & 0xfff, 0);
				assert_true(out[i].base >= 0x1000);
			}
			if (i) {
				uint64_t pend = out[i - 1].base + out[i - 1].length;
				assert_true(pend <= out[i].base);
				if (pend == out[i].base && out[i - 1].type == out[i].type) {
					print_entries(out, k);
					fail_msg("round %d: entries %zu and %zu should merge",
						 round, i - 1, i);
				}
			}
		}
		assert_int_equal(sum, bytes);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_services_become_usable),
		cmocka_unit_test(test_loader_becomes_loader_reclaimable),
		cmocka_unit_test(test_kernel_stays_kernel),
		cmocka_unit_test(test_every_kind_has_its_type),
		cmocka_unit_test(test_neighbours_of_one_resulting_type_merge),
		cmocka_unit_test(test_page_zero_never_usable),
		cmocka_unit_test(test_partial_pages_of_usable_memory_are_reserved),
		cmocka_unit_test(test_cap_too_small_returns_zero),
		cmocka_unit_test(test_output_sorted_and_covers_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
