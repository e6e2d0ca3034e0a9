/*
 * test_memmap.c - mm_normalize: firmware memory map -> sorted,
 * non-overlapping regions.
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

#define MMIO 11u /* EfiMemoryMappedIO */

struct d {
	uint32_t type;
	uint64_t base;
	uint64_t pages;
};

/* A firmware map as firmware lays it out: desc_size apart, padding junk. */
struct map {
	uint8_t *buf;
	size_t size, dsz, n;
};

static struct map map_build(const struct d *d, size_t n, size_t dsz)
{
	struct map m = { calloc(n ? n : 1, dsz), n * dsz, dsz, n };

	assert_non_null(m.buf);
	memset(m.buf, 0xa5, n * dsz); /* padding between descriptors */
	for (size_t i = 0; i < n; i++) {
		struct mm_efi_desc e = {
			.type = d[i].type,
			.pad = 0x5a5a5a5a,
			.phys_start = d[i].base,
			.virt_start = 0xdead000000000000ull + i,
			.pages = d[i].pages,
			.attribute = 0x800000000000000full,
		};
		memcpy(m.buf + i * dsz, &e, sizeof e);
	}
	return m;
}

static int map_norm(const struct map *m, struct mm_region *out, size_t cap,
		    size_t *count, struct rw_err *err)
{
	size_t ss = mm_normalize_scratch(m->n);
	void *scratch = malloc(ss ? ss : 1);

	assert_non_null(scratch);
	int r = mm_normalize(m->buf, m->size, m->dsz, out, cap, scratch, ss,
			     count, err);
	free(scratch);
	return r;
}

/* Normalize d[0..n) with descriptor size dsz; the test fails on error. */
static size_t norm(const struct d *d, size_t n, size_t dsz,
		   struct mm_region *out, size_t cap)
{
	struct map m = map_build(d, n, dsz);
	struct rw_err err = { "" };
	size_t count = 12345;
	int r = map_norm(&m, out, cap, &count, &err);

	free(m.buf);
	if (r)
		fail_msg("mm_normalize failed: %s", err.msg);
	return count;
}

static void print_regions(const struct mm_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_message("  [%2zu] 0x%011llx..0x%011llx %-13s src %u\n", i,
			      (unsigned long long)r[i].base,
			      (unsigned long long)r[i].end,
			      mm_kind_name(r[i].kind), r[i].src);
}

/* Output is sorted by base, non-empty and non-overlapping. */
static void assert_sorted_disjoint(const struct mm_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].end <= r[i].base || (i && r[i - 1].end > r[i].base)) {
			print_regions(r, n);
			fail_msg("region %zu is empty, unsorted or overlaps its predecessor", i);
		}
	}
}

/* The kind the header's table says each firmware type becomes. */
static uint32_t expected_kind(uint32_t t)
{
	switch (t) {
	case 7: return MM_USABLE;
	case 3: case 4: return MM_BOOT_SERVICES;
	case 1: case 2: return MM_LOADER;
	case 9: return MM_ACPI_RECLAIM;
	case 10: return MM_ACPI_NVS;
	case 8: return MM_BAD;
	case MM_EFI_RUNWAY_KERNEL: return MM_KERNEL;
	case MM_EFI_RUNWAY_MODULE: return MM_MODULE;
	default: return MM_RESERVED;
	}
}

/* ---- a realistic OVMF-like map ---- */

static const struct d ovmf[] = {
	{ MM_EFI_CONVENTIONAL, 0x00000000, 0xa0 },      /*  0 */
	{ MM_EFI_RESERVED, 0x000a0000, 0x60 },          /*  1 */
	{ MM_EFI_CONVENTIONAL, 0x00100000, 0x700 },     /*  2 */
	{ MM_EFI_ACPI_NVS, 0x00800000, 0x8 },           /*  3 */
	{ MM_EFI_CONVENTIONAL, 0x00808000, 0x3 },       /*  4 */
	{ MM_EFI_ACPI_NVS, 0x0080b000, 0x1 },           /*  5 */
	{ MM_EFI_CONVENTIONAL, 0x0080c000, 0x4 },       /*  6 */
	{ MM_EFI_ACPI_NVS, 0x00810000, 0xf0 },          /*  7 */
	{ MM_EFI_BS_DATA, 0x00900000, 0x100 },          /*  8 */
	{ MM_EFI_CONVENTIONAL, 0x00a00000, 0x3000 },    /*  9 */
	{ MM_EFI_LOADER_CODE, 0x03a00000, 0x20 },       /* 10 */
	{ MM_EFI_LOADER_DATA, 0x03a20000, 0x40 },       /* 11 */
	{ MM_EFI_BS_CODE, 0x03a60000, 0x100 },          /* 12 */
	{ MM_EFI_BS_DATA, 0x03b60000, 0x200 },          /* 13 */
	{ MM_EFI_RT_DATA, 0x03d60000, 0x80 },           /* 14 */
	{ MM_EFI_RT_CODE, 0x03de0000, 0x40 },           /* 15 */
	{ MM_EFI_ACPI_RECLAIM, 0x03e20000, 0x10 },      /* 16 */
	{ MM_EFI_CONVENTIONAL, 0x03e30000, 0x1d0 },     /* 17 */
	{ MMIO, 0xb0000000, 0x10000 },                  /* 18 */
	{ MMIO, 0xffc00000, 0x400 },                    /* 19 */
	{ MM_EFI_CONVENTIONAL, 0x100000000ull, 0x40000 }, /* 20 */
	{ MMIO, 0x800000000ull, 0x100000 },             /* 21: MMIO above 4 GiB */
	{ MM_EFI_UNUSABLE, 0x140000000ull, 0x10 },      /* 22 */
};
#define NOVMF (sizeof ovmf / sizeof ovmf[0])

static const struct mm_region ovmf_expected[] = {
	{ 0x00001000, 0x000a0000, MM_USABLE, 0 },   /* page 0 removed */
	{ 0x000a0000, 0x00100000, MM_RESERVED, 1 },
	{ 0x00100000, 0x00800000, MM_USABLE, 2 },
	{ 0x00800000, 0x00808000, MM_ACPI_NVS, 3 },
	{ 0x00808000, 0x0080b000, MM_USABLE, 4 },
	{ 0x0080b000, 0x0080c000, MM_ACPI_NVS, 5 },
	{ 0x0080c000, 0x00810000, MM_USABLE, 6 },
	{ 0x00810000, 0x00900000, MM_ACPI_NVS, 7 },
	{ 0x00900000, 0x00a00000, MM_BOOT_SERVICES, 8 },
	{ 0x00a00000, 0x03a00000, MM_USABLE, 9 },
	{ 0x03a00000, 0x03a60000, MM_LOADER, 10 },  /* code + data merged */
	{ 0x03a60000, 0x03d60000, MM_BOOT_SERVICES, 12 },
	{ 0x03d60000, 0x03e20000, MM_RESERVED, 14 }, /* runtime data + code */
	{ 0x03e20000, 0x03e30000, MM_ACPI_RECLAIM, 16 },
	{ 0x03e30000, 0x04000000, MM_USABLE, 17 },
	{ 0xb0000000, 0xc0000000, MM_RESERVED, 18 },
	{ 0xffc00000, 0x100000000ull, MM_RESERVED, 19 },
	{ 0x100000000ull, 0x140000000ull, MM_USABLE, 20 },
	{ 0x140000000ull, 0x140010000ull, MM_BAD, 22 },
	{ 0x800000000ull, 0x900000000ull, MM_RESERVED, 21 },
};
#define NOVMF_EXPECTED (sizeof ovmf_expected / sizeof ovmf_expected[0])

static struct mm_region out[4096], out2[4096];

/* What the current comparison is about, printed when it fails. */
static char label[128];

static void assert_regions_equal(const struct mm_region *a, size_t na,
				 const struct mm_region *b, size_t nb)
{
	bool same = na == nb;
	for (size_t i = 0; same && i < na; i++)
		same = a[i].base == b[i].base && a[i].end == b[i].end &&
		       a[i].kind == b[i].kind && a[i].src == b[i].src;
	if (!same) {
		print_message("%s\ngot:\n", label);
		print_regions(a, na);
		print_message("expected:\n");
		print_regions(b, nb);
		fail_msg("region lists differ");
	}
	label[0] = '\0';
}

static void test_ovmf_map_normalizes_to_expected_regions(void **state)
{
	(void)state;
	size_t n = norm(ovmf, NOVMF, 48, out, 4096);
	assert_regions_equal(out, n, ovmf_expected, NOVMF_EXPECTED);
}

static void test_kind_of_every_efi_type(void **state)
{
	(void)state;
	static const uint32_t types[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					  12, 13, 14, 15, 16, 0x70000000,
					  0x80000000, MM_EFI_RUNWAY_KERNEL,
					  MM_EFI_RUNWAY_MODULE, 0xffffffff };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (mm_kind_of_efi(types[i]) != expected_kind(types[i]))
			fail_msg("type 0x%x: kind %u, expected %u", types[i],
				 mm_kind_of_efi(types[i]), expected_kind(types[i]));
	}
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64*: deterministic across platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void test_unsorted_input_gives_same_output(void **state)
{
	(void)state;
	size_t ns = norm(ovmf, NOVMF, 48, out2, 4096);

	rng_state = 0x1234567;
	for (int round = 0; round < 20; round++) {
		struct d sh[NOVMF];
		size_t perm[NOVMF]; /* sh[i] = ovmf[perm[i]] */
		for (size_t i = 0; i < NOVMF; i++)
			perm[i] = i;
		for (size_t i = NOVMF - 1; i > 0; i--) {
			size_t j = rnd() % (i + 1);
			size_t t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		if (round == 0) /* fully reversed */
			for (size_t i = 0; i < NOVMF; i++)
				perm[i] = NOVMF - 1 - i;
		for (size_t i = 0; i < NOVMF; i++)
			sh[i] = ovmf[perm[i]];
		size_t n = norm(sh, NOVMF, 48, out, 4096);
		/* src indexes the shuffled map: translate back. */
		for (size_t i = 0; i < n; i++)
			out[i].src = (uint32_t)perm[out[i].src];
		assert_regions_equal(out, n, out2, ns);
	}
}

static void test_zero_length_entries_dropped(void **state)
{
	(void)state;
	/* The OVMF map with zero-length entries of restrictive kinds spliced
	 * in, including inside usable runs and at page 0. */
	struct d m[NOVMF + 5];
	uint32_t orig[NOVMF + 5]; /* index in m -> index in ovmf, or ~0 */
	size_t n = 0;
	for (size_t i = 0; i < NOVMF; i++) {
		if (i == 0) {
			orig[n] = ~0u;
			m[n++] = (struct d){ MM_EFI_RESERVED, 0x0, 0 };
		}
		if (i == 9) {
			orig[n] = ~0u;
			m[n++] = (struct d){ MM_EFI_UNUSABLE, 0x01000000, 0 };
			orig[n] = ~0u;
			m[n++] = (struct d){ MM_EFI_RT_CODE, 0x00a00000, 0 };
		}
		if (i == 17) {
			orig[n] = ~0u;
			m[n++] = (struct d){ MM_EFI_CONVENTIONAL, 0x05000000, 0 };
			orig[n] = ~0u;
			m[n++] = (struct d){ MMIO, 0x03f00000, 0 };
		}
		orig[n] = (uint32_t)i;
		m[n++] = ovmf[i];
	}
	size_t nr = norm(m, n, 48, out, 4096);
	for (size_t i = 0; i < nr; i++) {
		if (orig[out[i].src] == ~0u)
			fail_msg("region %zu comes from a zero-length entry", i);
		out[i].src = orig[out[i].src];
	}
	assert_regions_equal(out, nr, ovmf_expected, NOVMF_EXPECTED);
}

static void test_all_zero_length_map_gives_no_regions(void **state)
{
	(void)state;
	static const struct d m[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 0 },
		{ MM_EFI_RESERVED, 0x200000, 0 },
	};
	assert_int_equal(norm(m, 2, 48, out, 4096), 0);
}

static void test_reserved_overlapping_conventional_wins(void **state)
{
	(void)state;
	/* Both orders: the reserved hole wins wherever it overlaps. */
	static const struct d a[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x100 },
		{ MM_EFI_RESERVED, 0x150000, 0x10 },
	};
	static const struct d b[] = {
		{ MM_EFI_RESERVED, 0x150000, 0x10 },
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x100 },
	};
	static const struct mm_region ea[] = {
		{ 0x100000, 0x150000, MM_USABLE, 0 },
		{ 0x150000, 0x160000, MM_RESERVED, 1 },
		{ 0x160000, 0x200000, MM_USABLE, 0 },
	};
	static const struct mm_region eb[] = {
		{ 0x100000, 0x150000, MM_USABLE, 1 },
		{ 0x150000, 0x160000, MM_RESERVED, 0 },
		{ 0x160000, 0x200000, MM_USABLE, 1 },
	};
	size_t n = norm(a, 2, 48, out, 4096);
	assert_regions_equal(out, n, ea, 3);
	n = norm(b, 2, 48, out, 4096);
	assert_regions_equal(out, n, eb, 3);
}

static void test_overlap_more_restrictive_kind_wins_for_every_pair(void **state)
{
	(void)state;
	/* One representative firmware type per kind, in kind order. */
	static const uint32_t rep[] = {
		MM_EFI_CONVENTIONAL, MM_EFI_BS_DATA, MM_EFI_LOADER_DATA,
		MM_EFI_RUNWAY_KERNEL, MM_EFI_RUNWAY_MODULE, MM_EFI_ACPI_RECLAIM,
		MM_EFI_ACPI_NVS, MM_EFI_RT_DATA, MM_EFI_UNUSABLE,
	};
	for (size_t lo = 0; lo < MM_KIND_COUNT; lo++) {
		for (size_t hi = lo + 1; hi < MM_KIND_COUNT; hi++) {
			/* A partial overlap, the less restrictive one first
			 * and then second in the map. */
			for (int order = 0; order < 2; order++) {
				struct d m[2];
				m[order] = (struct d){ rep[lo], 0x100000, 0x20 };
				m[!order] = (struct d){ rep[hi], 0x110000, 0x20 };
				size_t n = norm(m, 2, 48, out, 4096);
				struct mm_region e[2] = {
					{ 0x100000, 0x110000, (uint32_t)lo, (uint32_t)order },
					{ 0x110000, 0x130000, (uint32_t)hi, (uint32_t)!order },
				};
				snprintf(label, sizeof label, "%s under %s, order %d",
					 mm_kind_name(lo), mm_kind_name(hi), order);
				assert_regions_equal(out, n, e, 2);
			}
		}
	}
}

static void test_adjacent_conventional_descriptors_stay_separate(void **state)
{
	(void)state;
	static const struct d m[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x100 },
		{ MM_EFI_CONVENTIONAL, 0x200000, 0x100 },
		{ MM_EFI_CONVENTIONAL, 0x300000, 0x80 },
	};
	static const struct mm_region e[] = {
		{ 0x100000, 0x200000, MM_USABLE, 0 },
		{ 0x200000, 0x300000, MM_USABLE, 1 },
		{ 0x300000, 0x380000, MM_USABLE, 2 },
	};
	size_t n = norm(m, 3, 48, out, 4096);
	assert_regions_equal(out, n, e, 3);
}

static void test_adjacent_reserved_descriptors_merge(void **state)
{
	(void)state;
	/* Reserved, runtime and MMIO are all one kind; so are boot-services
	 * code and data, and loader code and data. */
	static const struct d m[] = {
		{ MM_EFI_RESERVED, 0x100000, 0x10 },
		{ MM_EFI_RT_CODE, 0x110000, 0x10 },
		{ MMIO, 0x120000, 0x10 },
		{ MM_EFI_BS_CODE, 0x130000, 0x10 },
		{ MM_EFI_BS_DATA, 0x140000, 0x10 },
		{ MM_EFI_LOADER_CODE, 0x150000, 0x10 },
		{ MM_EFI_LOADER_DATA, 0x160000, 0x10 },
		{ MM_EFI_ACPI_NVS, 0x170000, 0x10 },
		{ MM_EFI_ACPI_NVS, 0x180000, 0x10 },
	};
	static const struct mm_region e[] = {
		{ 0x100000, 0x130000, MM_RESERVED, 0 },
		{ 0x130000, 0x150000, MM_BOOT_SERVICES, 3 },
		{ 0x150000, 0x170000, MM_LOADER, 5 },
		{ 0x170000, 0x190000, MM_ACPI_NVS, 7 },
	};
	size_t n = norm(m, sizeof m / sizeof m[0], 48, out, 4096);
	assert_regions_equal(out, n, e, 4);
}

static void test_usable_trimmed_to_whole_pages(void **state)
{
	(void)state;
	/* Firmware descriptors are page-sized but a buggy one may start
	 * mid-page: usable memory keeps only the whole pages inside. */
	static const struct d m[] = {
		{ MM_EFI_CONVENTIONAL, 0x100800, 4 },   /* 0x100800..0x104800 */
		{ MM_EFI_CONVENTIONAL, 0x200010, 1 },   /* no whole page */
		{ MM_EFI_RESERVED, 0x300800, 1 },       /* not usable: kept */
	};
	static const struct mm_region e[] = {
		{ 0x101000, 0x104000, MM_USABLE, 0 },
		{ 0x300800, 0x301800, MM_RESERVED, 2 },
	};
	size_t n = norm(m, 3, 48, out, 4096);
	assert_regions_equal(out, n, e, 2);
}

static void test_page_zero_removed_from_usable(void **state)
{
	(void)state;
	static const struct d one[] = { { MM_EFI_CONVENTIONAL, 0, 1 } };
	assert_int_equal(norm(one, 1, 48, out, 4096), 0);

	static const struct d many[] = { { MM_EFI_CONVENTIONAL, 0, 16 } };
	static const struct mm_region e[] = { { 0x1000, 0x10000, MM_USABLE, 0 } };
	size_t n = norm(many, 1, 48, out, 4096);
	assert_regions_equal(out, n, e, 1);

	/* A non-usable page 0 is reported as it is. */
	static const struct d res[] = { { MM_EFI_BS_CODE, 0, 2 } };
	static const struct mm_region er[] = { { 0, 0x2000, MM_BOOT_SERVICES, 0 } };
	n = norm(res, 1, 48, out, 4096);
	assert_regions_equal(out, n, er, 1);
}

static void test_descriptor_sizes_40_48_56_64_identical(void **state)
{
	(void)state;
	static const size_t sizes[] = { 40, 48, 56, 64, 80 };
	size_t n40 = norm(ovmf, NOVMF, 40, out2, 4096);
	assert_regions_equal(out2, n40, ovmf_expected, NOVMF_EXPECTED);
	for (size_t i = 1; i < sizeof sizes / sizeof sizes[0]; i++) {
		snprintf(label, sizeof label, "desc_size %zu", sizes[i]);
		size_t n = norm(ovmf, NOVMF, sizes[i], out, 4096);
		assert_regions_equal(out, n, out2, n40);
	}
}

static void test_trailing_partial_descriptor_ignored(void **state)
{
	(void)state;
	struct map m = map_build(ovmf, NOVMF, 48);
	struct rw_err err = { "" };
	size_t n = 0;
	m.size -= 8; /* the last descriptor is cut short */
	m.n -= 1;
	assert_int_equal(map_norm(&m, out, 4096, &n, &err), 0);
	free(m.buf);
	/* Descriptor 22 (the bad range) is gone, the rest is unchanged. */
	struct mm_region e[NOVMF_EXPECTED - 1];
	size_t k = 0;
	for (size_t i = 0; i < NOVMF_EXPECTED; i++)
		if (ovmf_expected[i].src != 22)
			e[k++] = ovmf_expected[i];
	assert_regions_equal(out, n, e, k);
}

static void test_desc_size_below_40_rejected(void **state)
{
	(void)state;
	static const size_t bad[] = { 0, 8, 24, 32, 39 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct map m = map_build(ovmf, 4, 40);
		struct rw_err err = { "" };
		size_t n = 777;
		m.dsz = bad[i];
		int r = mm_normalize(m.buf, m.size, m.dsz, out, 4096, out2,
				     sizeof out2, &n, &err);
		free(m.buf);
		assert_int_equal(r, -1);
		assert_int_equal(n, 777);
		char want[32];
		snprintf(want, sizeof want, "size %zu", bad[i]);
		assert_non_null(strstr(err.msg, "descriptor"));
		assert_non_null(strstr(err.msg, want));
	}
}

static void test_scratch_too_small_rejected(void **state)
{
	(void)state;
	struct map m = map_build(ovmf, NOVMF, 48);
	size_t need = mm_normalize_scratch(NOVMF);
	void *scratch = malloc(need);
	struct rw_err err = { "" };
	size_t n = 777;
	int r = mm_normalize(m.buf, m.size, 48, out, 4096, scratch, need - 1,
			     &n, &err);
	assert_int_equal(r, -1);
	assert_int_equal(n, 777);
	assert_non_null(strstr(err.msg, "scratch"));
	/* Exactly the advertised size is enough. */
	assert_int_equal(mm_normalize(m.buf, m.size, 48, out, 4096, scratch,
				      need, &n, &err), 0);
	assert_int_equal(n, NOVMF_EXPECTED);
	free(scratch);
	free(m.buf);
}

static void test_out_too_small_rejected(void **state)
{
	(void)state;
	struct map m = map_build(ovmf, NOVMF, 48);
	struct rw_err err = { "" };
	size_t n = 777;
	assert_int_equal(map_norm(&m, out, 2 * NOVMF - 1, &n, &err), -1);
	assert_int_equal(n, 777);
	assert_non_null(strstr(err.msg, "regions"));
	/* 2 * ndesc is enough, as documented. */
	assert_int_equal(map_norm(&m, out, 2 * NOVMF, &n, &err), 0);
	assert_int_equal(n, NOVMF_EXPECTED);
	free(m.buf);
}

static void test_entry_running_past_address_space_clipped(void **state)
{
	(void)state;
	static const struct d m[] = {
		{ MMIO, 0xfffffffffff00000ull, 0x1000 }, /* would wrap */
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x10 },
	};
	size_t n = norm(m, 2, 48, out, 4096);
	assert_int_equal(n, 2);
	assert_sorted_disjoint(out, n);
	assert_int_equal(out[1].base, 0xfffffffffff00000ull);
	assert_true(out[1].end > out[1].base);
}

/* ---- randomized, against a per-page model ---- */

#define NP 4096 /* pages of address space the random maps cover */

static void random_map_round(uint64_t seed, size_t ndesc)
{
	static const uint32_t types[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 8, 9, 10, MMIO, 12, 13,
		14, 15, 0x70000000, MM_EFI_RUNWAY_KERNEL, MM_EFI_RUNWAY_MODULE,
	};
	struct d *m = calloc(ndesc, sizeof *m);
	int *kind = malloc(NP * sizeof *kind);
	uint32_t *src = malloc(NP * sizeof *src);
	bool *covered = calloc(NP, 1);

	rng_state = seed;
	for (size_t p = 0; p < NP; p++)
		kind[p] = -1;
	for (size_t i = 0; i < ndesc; i++) {
		uint64_t r = rnd() % 100, pages;
		if (r < 5)
			pages = 0;
		else if (r < 55)
			pages = 1 + rnd() % 8;
		else if (r < 95)
			pages = 1 + rnd() % 128;
		else
			pages = 1 + rnd() % 1024;
		uint64_t base = rnd() % (NP - 1024);
		if (rnd() % 50 == 0)
			base = 0;
		m[i] = (struct d){ types[rnd() % (sizeof types / sizeof types[0])],
				   base << MM_PAGE_SHIFT, pages };
		/* The model: the most restrictive kind covering each page; among
		 * equals, the earliest descriptor. */
		int k = (int)expected_kind(m[i].type);
		for (uint64_t p = base; p < base + pages; p++) {
			if (k > kind[p]) {
				kind[p] = k;
				src[p] = (uint32_t)i;
			}
		}
	}

	size_t n = norm(m, ndesc, 56, out, 4096);
	assert_sorted_disjoint(out, n);
	for (size_t i = 0; i < n; i++) {
		const struct mm_region *r = &out[i];
		if ((r->base | r->end) & (MM_PAGE_SIZE - 1))
			fail_msg("region %zu not page-aligned", i);
		/* src names a descriptor of that kind covering the region. */
		const struct d *s = &m[r->src];
		if (expected_kind(s->type) != r->kind || s->base > r->base ||
		    s->base + (s->pages << MM_PAGE_SHIFT) <= r->base)
			fail_msg("seed %llu: region %zu's src %u does not cover it",
				 (unsigned long long)seed, i, r->src);
		for (uint64_t p = r->base >> MM_PAGE_SHIFT;
		     p < r->end >> MM_PAGE_SHIFT; p++) {
			if (p >= NP || kind[p] != (int)r->kind ||
			    (r->kind == MM_USABLE && src[p] != r->src)) {
				print_regions(out, n);
				fail_msg("seed %llu: page 0x%llx: region %zu says %s src %u, model %s src %u",
					 (unsigned long long)seed,
					 (unsigned long long)p, i,
					 mm_kind_name(r->kind), r->src,
					 p < NP && kind[p] >= 0 ? mm_kind_name(kind[p]) : "none",
					 p < NP ? src[p] : 0);
			}
			covered[p] = true;
		}
		/* Neighbours of one kind are merged, except usable memory of
		 * two different descriptors. */
		if (i && out[i - 1].end == r->base && out[i - 1].kind == r->kind &&
		    (r->kind != MM_USABLE || out[i - 1].src == r->src))
			fail_msg("seed %llu: regions %zu and %zu should have merged",
				 (unsigned long long)seed, i - 1, i);
	}
	for (size_t p = 0; p < NP; p++) {
		bool want = kind[p] >= 0 && !(p == 0 && kind[p] == MM_USABLE);
		if (want != covered[p])
			fail_msg("seed %llu: page 0x%zx: covered %d, model %s",
				 (unsigned long long)seed, p, covered[p],
				 kind[p] >= 0 ? mm_kind_name(kind[p]) : "none");
	}
	free(m);
	free(kind);
	free(src);
	free(covered);
}

static void test_random_overlapping_map_matches_page_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++)
		random_map_round(seed * 0x9e3779b97f4a7c15ull, 300);
}

static void test_random_map_order_does_not_matter(void **state)
{
	(void)state;
	/* Shuffled input gives the same regions up to src among equals: the
	 * kinds per page must not change. */
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct d m[300];
		rng_state = seed * 7919;
		for (size_t i = 0; i < 300; i++)
			m[i] = (struct d){ (uint32_t)(rnd() % 12),
					   (rnd() % 2000) << MM_PAGE_SHIFT,
					   rnd() % 64 };
		size_t n1 = norm(m, 300, 48, out, 4096);
		for (size_t i = 299; i > 0; i--) {
			size_t j = rnd() % (i + 1);
			struct d t = m[i];
			m[i] = m[j];
			m[j] = t;
		}
		size_t n2 = norm(m, 300, 48, out2, 4096);
		assert_sorted_disjoint(out, n1);
		assert_sorted_disjoint(out2, n2);
		/* Compare page by page (usable splits may differ by src). */
		for (uint64_t p = 0; p < 2100; p++) {
			int k1 = -1, k2 = -1;
			for (size_t i = 0; i < n1; i++)
				if (out[i].base <= p << 12 && p << 12 < out[i].end)
					k1 = (int)out[i].kind;
			for (size_t i = 0; i < n2; i++)
				if (out2[i].base <= p << 12 && p << 12 < out2[i].end)
					k2 = (int)out2[i].kind;
			if (k1 != k2)
				fail_msg("seed %llu page 0x%llx: %d vs %d",
					 (unsigned long long)seed,
					 (unsigned long long)p, k1, k2);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_map_normalizes_to_expected_regions),
		cmocka_unit_test(test_kind_of_every_efi_type),
		cmocka_unit_test(test_unsorted_input_gives_same_output),
		cmocka_unit_test(test_zero_length_entries_dropped),
		cmocka_unit_test(test_all_zero_length_map_gives_no_regions),
		cmocka_unit_test(test_reserved_overlapping_conventional_wins),
		cmocka_unit_test(test_overlap_more_restrictive_kind_wins_for_every_pair),
		cmocka_unit_test(test_adjacent_conventional_descriptors_stay_separate),
		cmocka_unit_test(test_adjacent_reserved_descriptors_merge),
		cmocka_unit_test(test_usable_trimmed_to_whole_pages),
		cmocka_unit_test(test_page_zero_removed_from_usable),
		cmocka_unit_test(test_descriptor_sizes_40_48_56_64_identical),
		cmocka_unit_test(test_trailing_partial_descriptor_ignored),
		cmocka_unit_test(test_desc_size_below_40_rejected),
		cmocka_unit_test(test_scratch_too_small_rejected),
		cmocka_unit_test(test_out_too_small_rejected),
		cmocka_unit_test(test_entry_running_past_address_space_clipped),
		cmocka_unit_test(test_random_overlapping_map_matches_page_model),
		cmocka_unit_test(test_random_map_order_does_not_matter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
