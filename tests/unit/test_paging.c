/*
 * test_paging.c - mm_pt_count, mm_pt_map_all and mm_pt_walk, with a host
 * buffer standing in for the physical pages of the table pool.
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

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define HHDM 0xffff800000000000ull
#define KBASE 0xffffffff80000000ull
#define POOL_BASE 0x7f000000ull /* where the table pool "is" physically */

#define W MM_MAP_WRITE
#define X MM_MAP_EXEC
#define WC MM_MAP_WC

/* The pool's backing memory. */
static struct {
	uint8_t *buf;
	uint64_t pages;
} pool;

static void *p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	if (phys < POOL_BASE || phys >= POOL_BASE + pool.pages * K4 ||
	    (phys & (K4 - 1)))
		fail_msg("phys_to_ptr(0x%llx): outside the table pool [0x%llx, 0x%llx)",
			 (unsigned long long)phys, (unsigned long long)POOL_BASE,
			 (unsigned long long)(POOL_BASE + pool.pages * K4));
	return pool.buf + (phys - POOL_BASE);
}

static void pool_alloc(uint64_t pages)
{
	free(pool.buf);
	pool.pages = pages;
	pool.buf = aligned_alloc(K4, (pages ? pages : 1) * K4);
	assert_non_null(pool.buf);
	memset(pool.buf, 0xa5, (pages ? pages : 1) * K4); /* junk with the present bit set: tables must be zeroed */
}

static int teardown(void **state)
{
	(void)state;
	free(pool.buf);
	pool.buf = NULL;
	pool.pages = 0;
	return 0;
}

static struct mm_pt pt_new(uint64_t pool_pages, bool huge_1g, bool nx)
{
	pool_alloc(pool_pages);
	return (struct mm_pt){
		.pool = POOL_BASE,
		.pool_pages = pool_pages,
		.nx = nx,
		.huge_1g = huge_1g,
		.phys_to_ptr = p2v,
	};
}

/*
 * Count, build from a pool of exactly that many pages (plus `slack`), and
 * check that the count was exact.  Returns the count.
 */
static uint64_t build_levels(struct mm_pt *pt, const struct mm_mapping *m,
			     size_t n, bool huge_1g, bool nx, bool la57)
{
	uint64_t count = mm_pt_count_levels(m, n, huge_1g, la57);
	struct rw_err err = { "" };
	*pt = pt_new(count + 2, huge_1g, nx);
	pt->la57 = la57;
	if (mm_pt_map_all(pt, m, n, &err))
		fail_msg("mm_pt_map_all: %s", err.msg);
	if (pt->used != count)
		fail_msg("mm_pt_count says %llu table pages, mm_pt_map_all used %llu",
			 (unsigned long long)count, (unsigned long long)pt->used);
	return count;
}

/* The same with 4-level tables. */
static uint64_t build(struct mm_pt *pt, const struct mm_mapping *m, size_t n,
		      bool huge_1g, bool nx)
{
	return build_levels(pt, m, n, huge_1g, nx, false);
}

/*
 * An independent walk of the tables as the CPU does it (Intel SDM vol. 3A
 * 4.5), from a PML5 when pt->la57: returns false when not present or when
 * virt is not canonical (48 or 57 bits); checks reserved bits.  The leaf's
 * memory type is its PAT index (PAT, PCD, PWT: SDM vol. 3A, "Selecting a
 * Memory Type from the PAT") in the layout the hand-off programs: 0
 * (write-back) or 5 (write-combining, WC).
 */
static bool hw_walk(const struct mm_pt *pt, uint64_t virt, uint64_t *phys,
		    uint32_t *flags, uint64_t *size)
{
	uint64_t table = pt->root;
	bool w = true, x = true;
	int top = pt->la57 ? 5 : 4;
	/* Bits 63 down to the highest translated one are copies of it. */
	int64_t sign = (int64_t)virt >> (12 + 9 * top - 1);
	if (sign != 0 && sign != -1)
		return false;
	for (int level = top; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		const uint64_t *t = p2v(NULL, table);
		uint64_t e = t[(virt >> shift) & 511];
		if (!(e & 1))
			return false;
		if (e & 4)
			fail_msg("0x%llx: user bit set at level %d",
				 (unsigned long long)virt, level);
		w = w && (e & 2);
		if (e >> 63)
			x = false;
		bool leaf = level == 1 || (e & 0x80);
		if (leaf && level >= 4)
			fail_msg("0x%llx: PS set in a PML%d entry", (unsigned long long)virt,
				 level);
		if (leaf) {
			uint64_t sz = 1ull << shift;
			unsigned pat = ((e >> 3) & 1) | ((e >> 4) & 1) << 1 |
				       ((e >> (level == 1 ? 7 : 12)) & 1) << 2;
			if (pat != 0 && pat != 5)
				fail_msg("0x%llx: PAT index %u in entry 0x%llx",
					 (unsigned long long)virt, pat,
					 (unsigned long long)e);
			/* Bits 51..12 hold the address; in large pages bit 12
			 * is PAT and bits below the page size must be zero. */
			uint64_t addr = e & 0x000ffffffffff000ull;
			if (sz > K4) {
				if (addr & (sz - 1) & ~0x1000ull)
					fail_msg("0x%llx: reserved address bits in a %llu-byte page entry 0x%llx",
						 (unsigned long long)virt,
						 (unsigned long long)sz,
						 (unsigned long long)e);
				addr &= ~(sz - 1);
			}
			*phys = addr | (virt & (sz - 1));
			*size = sz;
			*flags = (w ? W : 0) | (x ? X : 0) | (pat == 5 ? WC : 0);
			return true;
		}
		if (e & (0x7ffull << 52))
			fail_msg("0x%llx: high bits set in a table entry", (unsigned long long)virt);
		table = e & 0x000ffffffffff000ull;
	}
	return false;
}

/* Translate virt both ways and check both against the mappings. */
static void check_virt(const struct mm_pt *pt, const struct mm_mapping *m,
		       size_t n, uint64_t virt, bool nx)
{
	const struct mm_mapping *in = NULL;
	for (size_t i = 0; i < n; i++)
		if (virt >= m[i].virt && virt - m[i].virt < m[i].size)
			in = &m[i];
	uint64_t phys = 0, size = 0, hphys = 0, hsize = 0;
	uint32_t flags = 0, hflags = 0;
	bool ok = mm_pt_walk(pt, virt, &phys, &flags, &size);
	bool hok = hw_walk(pt, virt, &hphys, &hflags, &hsize);
	if (!in) {
		if (ok || hok)
			fail_msg("0x%llx is mapped (walk %d, cpu %d) but in no mapping",
				 (unsigned long long)virt, ok, hok);
		return;
	}
	if (!ok || !hok)
		fail_msg("0x%llx is not mapped (walk %d, cpu %d)",
			 (unsigned long long)virt, ok, hok);
	uint64_t want = in->phys + (virt - in->virt);
	uint32_t wflags = (in->flags & (W | WC)) | ((in->flags & X) || !nx ? X : 0);
	if (phys != want || hphys != want)
		fail_msg("0x%llx -> 0x%llx (cpu 0x%llx), expected 0x%llx",
			 (unsigned long long)virt, (unsigned long long)phys,
			 (unsigned long long)hphys, (unsigned long long)want);
	if (flags != wflags || hflags != wflags)
		fail_msg("0x%llx: flags %u (cpu %u), expected %u",
			 (unsigned long long)virt, flags, hflags, wflags);
	if (size != hsize)
		fail_msg("0x%llx: page size %llu, cpu says %llu",
			 (unsigned long long)virt, (unsigned long long)size,
			 (unsigned long long)hsize);
	/* The leaf lies inside the mapping... */
	uint64_t lv = virt & ~(size - 1);
	if (lv < in->virt || lv + size - in->virt > in->size)
		fail_msg("0x%llx: a %llu-byte page reaches outside its mapping",
			 (unsigned long long)virt, (unsigned long long)size);
	/* ...and is as large as alignment allows. */
	for (uint64_t big = pt->huge_1g ? G1 : M2; big > size; big >>= 9) {
		uint64_t bv = virt & ~(big - 1);
		if (bv >= in->virt && bv + big - in->virt <= in->size &&
		    !((in->phys + (bv - in->virt)) & (big - 1)))
			fail_msg("0x%llx: mapped with a %llu-byte page where a %llu-byte one fits",
				 (unsigned long long)virt, (unsigned long long)size,
				 (unsigned long long)big);
	}
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* First, last, around every 2 MiB / 1 GiB boundary (sampled), random pages. */
static void check_all(const struct mm_pt *pt, const struct mm_mapping *m,
		      size_t n, bool nx, int samples)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = m[i].virt, end = m[i].virt + m[i].size;
		check_virt(pt, m, n, v, nx);
		check_virt(pt, m, n, v + 0x123, nx);
		check_virt(pt, m, n, end - 1, nx);
		check_virt(pt, m, n, end - K4, nx);
		check_virt(pt, m, n, v - K4, nx);  /* before: unmapped unless a neighbour */
		check_virt(pt, m, n, end, nx);     /* after */
		for (int s = 0; s < samples; s++)
			check_virt(pt, m, n, v + (rnd() % m[i].size), nx);
		uint64_t step = m[i].size > 64 * G1 ? G1 : M2;
		for (uint64_t b = (v + step - 1) & ~(step - 1); b < end && b - v < 256 * step; b += step) {
			check_virt(pt, m, n, b, nx);
			check_virt(pt, m, n, b - 1, nx);
		}
	}
}

/* ---- concrete counts ---- */

static void test_direct_map_4g_with_1g_pages_needs_2_tables(void **state)
{
	(void)state;
	const struct mm_mapping m[] = { { HHDM, 0, 4 * G1, W } };
	struct mm_pt pt;
	assert_int_equal(build(&pt, m, 1, true, true), 2);
	check_all(&pt, m, 1, true, 500);
	uint64_t phys, size;
	uint32_t flags;
	assert_true(mm_pt_walk(&pt, HHDM + 3 * G1 + 0x5000, &phys, &flags, &size));
	assert_int_equal(phys, 3 * G1 + 0x5000);
	assert_int_equal(size, G1);
	assert_int_equal(flags, W);
}

static void test_direct_map_4g_with_2m_pages_needs_6_tables(void **state)
{
	(void)state;
	const struct mm_mapping m[] = { { HHDM, 0, 4 * G1, W } };
	struct mm_pt pt;
	assert_int_equal(build(&pt, m, 1, false, true), 6);
	check_all(&pt, m, 1, true, 500);
	uint64_t phys, size;
	uint32_t flags;
	assert_true(mm_pt_walk(&pt, HHDM + 4 * G1 - 1, &phys, &flags, &size));
	assert_int_equal(phys, 4 * G1 - 1);
	assert_int_equal(size, M2);
}

static const struct mm_mapping kernel[] = {
	{ KBASE + 0x000000, 0x01000000, 0x5000, X },      /* text */
	{ KBASE + 0x005000, 0x01005000, 0x3000, 0 },      /* rodata */
	{ KBASE + 0x008000, 0x01008000, 0x200000, W },    /* data, crosses 2 MiB */
	{ KBASE + 0x400000, 0x01400000, 0x401000, W | X },/* 2 x 2 MiB + 4 KiB */
};
#define NKERNEL (sizeof kernel / sizeof kernel[0])

static void test_kernel_ranges_count_and_flags(void **state)
{
	(void)state;
	struct mm_pt pt;
	/* PML4, PDPT, PD, and PTs for 2 MiB slots 0, 1 and 4. */
	assert_int_equal(build(&pt, kernel, NKERNEL, true, true), 6);
	check_all(&pt, kernel, NKERNEL, true, 200);
	uint64_t phys, size;
	uint32_t flags;
	assert_true(mm_pt_walk(&pt, KBASE + 0x1000, &phys, &flags, &size));
	assert_int_equal(flags, X);   /* text: read-only, executable */
	assert_int_equal(size, K4);
	assert_true(mm_pt_walk(&pt, KBASE + 0x6000, &phys, &flags, &size));
	assert_int_equal(flags, 0);   /* rodata: read-only, NX */
	assert_true(mm_pt_walk(&pt, KBASE + 0x100000, &phys, &flags, &size));
	assert_int_equal(flags, W);   /* data: writable, NX */
	assert_int_equal(phys, 0x01100000);
	assert_true(mm_pt_walk(&pt, KBASE + 0x500000, &phys, &flags, &size));
	assert_int_equal(flags, W | X);
	assert_int_equal(size, M2);
	assert_int_equal(phys, 0x01500000);
	assert_true(mm_pt_walk(&pt, KBASE + 0x800000, &phys, &flags, &size));
	assert_int_equal(size, K4);
	assert_int_equal(phys, 0x01800000);
}

static void test_without_nx_everything_is_executable(void **state)
{
	(void)state;
	struct mm_pt pt;
	assert_int_equal(build(&pt, kernel, NKERNEL, false, false), 6);
	check_all(&pt, kernel, NKERNEL, false, 100);
}

static void test_single_identity_page_needs_4_tables(void **state)
{
	(void)state;
	const struct mm_mapping m[] = { { 0x7000, 0x7000, K4, W | X } };
	struct mm_pt pt;
	assert_int_equal(build(&pt, m, 1, true, true), 4);
	check_all(&pt, m, 1, true, 0);
	uint64_t phys, size;
	uint32_t flags;
	assert_true(mm_pt_walk(&pt, 0x7abc, &phys, &flags, &size));
	assert_int_equal(phys, 0x7abc);
	assert_int_equal(size, K4);
	assert_int_equal(flags, W | X);
	assert_false(mm_pt_walk(&pt, 0x6fff, &phys, &flags, &size));
	assert_false(mm_pt_walk(&pt, 0x8000, &phys, &flags, &size));
}

static void test_identity_direct_map_and_kernel_together(void **state)
{
	(void)state;
	struct mm_mapping m[2 + NKERNEL] = {
		{ 0x7000, 0x7000, K4, W | X },
		{ HHDM, 0, 4 * G1, W },
	};
	memcpy(&m[2], kernel, sizeof kernel);
	struct mm_pt pt;
	/* 1 PML4; identity 1 + 1 + 1; direct map 1 (+ 4 PDs with 2 MiB
	 * pages); kernel 1 + 1 + 3. */
	assert_int_equal(build(&pt, m, 2 + NKERNEL, true, true), 10);
	check_all(&pt, m, 2 + NKERNEL, true, 200);
	assert_int_equal(build(&pt, m, 2 + NKERNEL, false, true), 14);
	check_all(&pt, m, 2 + NKERNEL, true, 200);
}

static void test_unmapped_addresses_return_false(void **state)
{
	(void)state;
	const struct mm_mapping m[] = {
		{ HHDM, 0, 4 * G1, W },
		{ KBASE, 0x1000000, 0x3000, X },
	};
	struct mm_pt pt;
	build(&pt, m, 2, true, true);
	static const uint64_t holes[] = {
		0, 0x1000, 0x7fffffffffffull, HHDM - K4, HHDM + 4 * G1,
		HHDM + 512 * G1, KBASE - K4, KBASE + 0x3000, KBASE + M2,
		0xfffffffffffff000ull, 0xffffff8000000000ull,
	};
	for (size_t i = 0; i < sizeof holes / sizeof holes[0]; i++) {
		uint64_t phys = 0x55, size = 0x66;
		uint32_t flags = 0x77;
		if (mm_pt_walk(&pt, holes[i], &phys, &flags, &size))
			fail_msg("0x%llx walks to 0x%llx", (unsigned long long)holes[i],
				 (unsigned long long)phys);
	}
}

static void test_walk_non_canonical_address_is_unmapped(void **state)
{
	(void)state;
	/* 0x0000800000000000 has the direct map's PML4 index (256) but is not
	 * canonical: no mapping covers it, so the walk must say unmapped. */
	const struct mm_mapping m[] = { { HHDM, 0, 4 * G1, W } };
	struct mm_pt pt;
	build(&pt, m, 1, true, true);
	static const uint64_t bad[] = {
		0x0000800000000000ull, 0x0000800000001000ull,
		0x7fff800000000000ull, 0x8000800000000000ull,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t phys = 0, size = 0;
		uint32_t flags = 0;
		if (mm_pt_walk(&pt, bad[i], &phys, &flags, &size))
			fail_msg("non-canonical 0x%016llx walks to 0x%llx (%llu-byte page)",
				 (unsigned long long)bad[i], (unsigned long long)phys,
				 (unsigned long long)size);
	}
}

static void test_fragmented_kernel_walks_correctly(void **state)
{
	(void)state;
	/* One virtually contiguous image from physical pieces of odd sizes
	 * and alignments, with a permission change in the middle. */
	const struct mm_mapping m[] = {
		{ KBASE + 0x000000, 0x03000000, 0x10000, X },   /* 16 pages */
		{ KBASE + 0x010000, 0x00100000, 0x12c000, X },  /* 300 pages, crosses 2 MiB */
		{ KBASE + 0x13c000, 0x07003000, 0x201000, W },  /* 513 pages */
		{ KBASE + 0x33d000, 0x00200000, 0x0c3000, W },
		{ KBASE + 0x400000, 0x09000000, 0x400000, W },  /* 2 MiB aligned both */
		{ KBASE + 0x800000, 0x0a001000, 0x1000, 0 },
	};
	size_t n = sizeof m / sizeof m[0];
	struct mm_pt pt;
	build(&pt, m, n, true, true);
	/* Every page, both walks. */
	for (size_t i = 0; i < n; i++)
		for (uint64_t off = 0; off < m[i].size; off += K4)
			check_virt(&pt, m, n, m[i].virt + off + (off & 0xfff8) % K4, true);
	check_all(&pt, m, n, true, 100);
}

/* ---- write-combining (PAT entry 5: PAT, PCD clear, PWT) ---- */

/* Entry bits, as the SDM (vol. 3A, 4.5, tables 4-15 to 4-20) numbers them. */
#define E_P      (1ull << 0)
#define E_W      (1ull << 1)
#define E_PWT    (1ull << 3)
#define E_PCD    (1ull << 4)
#define E_PS     (1ull << 7)
#define E_PAT4K  (1ull << 7)
#define E_PATLG  (1ull << 12)
#define E_NX     (1ull << 63)

/* The leaf entry that maps virt, in the pool; its page size in *ret_size. */
static uint64_t *leaf_entry(const struct mm_pt *pt, uint64_t virt, uint64_t *ret_size)
{
	uint64_t table = pt->root;
	unsigned top = pt->la57 ? 48 : 39;
	for (unsigned shift = top;; shift -= 9) {
		uint64_t *e = (uint64_t *)p2v(NULL, table) + ((virt >> shift) & 511);
		if (!(*e & E_P))
			fail_msg("0x%llx: not present at shift %u", (unsigned long long)virt, shift);
		if (shift == 12 || (shift < 39 && (*e & E_PS))) {
			*ret_size = 1ull << shift;
			return e;
		}
		table = *e & 0x000ffffffffff000ull;
	}
}

/* virt walks to phys in a page of `size` bytes with exactly `flags`, and
 * its leaf entry is exactly `entry`. */
static void assert_leaf(const struct mm_pt *pt, uint64_t virt, uint64_t phys,
			uint64_t size, uint32_t flags, uint64_t entry)
{
	uint64_t got_phys, got_size, e, e_size;
	uint32_t got_flags;
	if (!mm_pt_walk(pt, virt, &got_phys, &got_flags, &got_size))
		fail_msg("0x%llx is not mapped", (unsigned long long)virt);
	if (got_phys != phys || got_size != size || got_flags != flags)
		fail_msg("0x%llx walks to 0x%llx (%llu-byte page, flags %u), expected 0x%llx (%llu, %u)",
			 (unsigned long long)virt, (unsigned long long)got_phys,
			 (unsigned long long)got_size, got_flags, (unsigned long long)phys,
			 (unsigned long long)size, flags);
	e = *leaf_entry(pt, virt, &e_size);
	assert_int_equal(e_size, size);
	if (e != entry)
		fail_msg("0x%llx: leaf entry 0x%016llx, expected 0x%016llx",
			 (unsigned long long)virt, (unsigned long long)e,
			 (unsigned long long)entry);
}

static void test_wc_4k_pages_set_pwt_and_pat_bit_7(void **state)
{
	(void)state;
	const struct mm_mapping m[] = {
		{ HHDM + 0x80001000, 0x80001000, 3 * K4, W | WC },
		{ HHDM + 0x80004000, 0x80004000, K4, W },
	};
	struct mm_pt pt;
	build(&pt, m, 2, true, true);
	check_all(&pt, m, 2, true, 20);
	assert_leaf(&pt, HHDM + 0x80002234, 0x80002234, K4, W | WC,
		    0x80002000 | E_P | E_W | E_PWT | E_PAT4K | E_NX);
	assert_leaf(&pt, HHDM + 0x80003fff, 0x80003fff, K4, W | WC,
		    0x80003000 | E_P | E_W | E_PWT | E_PAT4K | E_NX);
	/* The neighbour is write-back: PAT index 0. */
	assert_leaf(&pt, HHDM + 0x80004000, 0x80004000, K4, W,
		    0x80004000 | E_P | E_W | E_NX);
}

static void test_wc_2m_pages_set_pwt_and_pat_bit_12_outside_the_address(void **state)
{
	(void)state;
	const struct mm_mapping m[] = {
		{ HHDM + 0x80000000, 0x80000000, 2 * M2, W | WC },
		{ HHDM + 0x80400000, 0x80400000, M2, W },
	};
	struct mm_pt pt;
	build(&pt, m, 2, false, true);
	check_all(&pt, m, 2, true, 50);
	/* Offset 0x234 in the page: a PAT bit taken for address bit 12
	 * would show as 0x80201234. */
	assert_leaf(&pt, HHDM + 0x80200234, 0x80200234, M2, W | WC,
		    0x80200000 | E_P | E_W | E_PWT | E_PS | E_PATLG | E_NX);
	assert_leaf(&pt, HHDM + 0x801ff000, 0x801ff000, M2, W | WC,
		    0x80000000 | E_P | E_W | E_PWT | E_PS | E_PATLG | E_NX);
	assert_leaf(&pt, HHDM + 0x80400234, 0x80400234, M2, W,
		    0x80400000 | E_P | E_W | E_PS | E_NX);
}

static void test_wc_1g_pages_set_pwt_and_pat_bit_12_outside_the_address(void **state)
{
	(void)state;
	const struct mm_mapping m[] = {
		{ HHDM + 2 * G1, 2 * G1, G1, W | WC },
		{ HHDM + 3 * G1, 3 * G1, G1, W },
	};
	struct mm_pt pt;
	build(&pt, m, 2, true, true);
	check_all(&pt, m, 2, true, 50);
	assert_leaf(&pt, HHDM + 2 * G1 + 0x234, 2 * G1 + 0x234, G1, W | WC,
		    2 * G1 | E_P | E_W | E_PWT | E_PS | E_PATLG | E_NX);
	assert_leaf(&pt, HHDM + 3 * G1 - 1, 3 * G1 - 1, G1, W | WC,
		    2 * G1 | E_P | E_W | E_PWT | E_PS | E_PATLG | E_NX);
	assert_leaf(&pt, HHDM + 3 * G1 + 0x234, 3 * G1 + 0x234, G1, W,
		    3 * G1 | E_P | E_W | E_PS | E_NX);
}

static void test_wc_mapping_of_every_leaf_size_is_wc_throughout(void **state)
{
	(void)state;
	/* A framebuffer that starts and ends off 2 MiB boundaries, inside a
	 * write-back direct map: 4 KiB, 2 MiB, 1 GiB, 2 MiB, 4 KiB leaves. */
	const uint64_t fb = G1 - M2 - K4, fb_size = 2 * K4 + 2 * M2 + G1;
	const struct mm_mapping m[] = {
		{ HHDM, 0, fb, W },
		{ HHDM + fb, fb, fb_size, W | WC },
		{ HHDM + fb + fb_size, fb + fb_size, 4 * G1 - fb - fb_size, W },
	};
	struct mm_pt pt;
	build(&pt, m, 3, true, true);
	check_all(&pt, m, 3, true, 200);
	const uint64_t sizes[] = { K4, M2, G1, M2, K4 };
	uint64_t v = fb;
	for (size_t i = 0; i < 5; i++) {
		uint64_t pat = sizes[i] == K4 ? E_PAT4K : E_PATLG | E_PS;
		assert_leaf(&pt, HHDM + v, v, sizes[i], W | WC,
			    v | E_P | E_W | E_PWT | pat | E_NX);
		v += sizes[i];
	}
	assert_int_equal(v, fb + fb_size);
	assert_leaf(&pt, HHDM + fb - 1, fb - 1, K4, W, (fb - K4) | E_P | E_W | E_NX);
	assert_leaf(&pt, HHDM + v, v, K4, W, v | E_P | E_W | E_NX);
}

static void test_walk_reports_wc_for_pat_entry_5_only(void **state)
{
	(void)state;
	const struct mm_mapping m[] = {
		{ HHDM + 0x1000, 0x1000, K4, W },
		{ HHDM + M2, M2, M2, W },
		{ HHDM + G1, G1, G1, W },
	};
	struct mm_pt pt;
	build(&pt, m, 3, true, true);
	for (size_t i = 0; i < 3; i++) {
		uint64_t size, phys, got_size;
		uint32_t flags;
		uint64_t *e = leaf_entry(&pt, m[i].virt, &size);
		uint64_t wb = *e, pat = size == K4 ? E_PAT4K : E_PATLG;
		for (unsigned index = 0; index < 8; index++) {
			*e = wb | (index & 1 ? E_PWT : 0) | (index & 2 ? E_PCD : 0) |
			     (index & 4 ? pat : 0);
			assert_true(mm_pt_walk(&pt, m[i].virt + 0x234, &phys, &flags, &got_size));
			assert_int_equal(phys, m[i].phys + 0x234);
			if (!!(flags & WC) != (index == 5))
				fail_msg("%llu-byte page with PAT index %u: walk says flags %u",
					 (unsigned long long)size, index, flags);
		}
		*e = wb;
	}
}

static void test_wc_does_not_change_the_table_count(void **state)
{
	(void)state;
	struct mm_mapping m[NKERNEL];
	memcpy(m, kernel, sizeof kernel);
	for (int huge = 0; huge <= 1; huge++) {
		uint64_t wb = mm_pt_count(m, NKERNEL, huge);
		for (size_t i = 0; i < NKERNEL; i++)
			m[i].flags |= WC;
		assert_int_equal(mm_pt_count(m, NKERNEL, huge), wb);
		struct mm_pt pt;
		assert_int_equal(build(&pt, m, NKERNEL, huge, true), wb);
		check_all(&pt, m, NKERNEL, true, 100);
		memcpy(m, kernel, sizeof kernel);
	}
}

/* ---- errors ---- */

static void test_unaligned_mapping_rejected(void **state)
{
	(void)state;
	const struct mm_mapping bad[] = {
		{ KBASE + 0x800, 0x100000, K4, W },
		{ KBASE, 0x100800, K4, W },
		{ KBASE, 0x100000, 0x1800, W },
	};
	for (size_t i = 0; i < 3; i++) {
		struct mm_pt pt = pt_new(16, true, true);
		struct rw_err err = { "" };
		assert_int_equal(mm_pt_map_all(&pt, &bad[i], 1, &err), -1);
		assert_non_null(strstr(err.msg, "unaligned"));
		uint64_t phys, size;
		uint32_t flags;
		assert_false(mm_pt_walk(&pt, KBASE, &phys, &flags, &size));
	}
}

static void test_exhausted_pool_fails_cleanly(void **state)
{
	(void)state;
	struct mm_mapping m[2 + NKERNEL] = {
		{ 0x7000, 0x7000, K4, W | X },
		{ HHDM, 0, 4 * G1, W },
	};
	memcpy(&m[2], kernel, sizeof kernel);
	uint64_t need = mm_pt_count(m, 2 + NKERNEL, false);
	for (uint64_t have = 0; have < need; have++) {
		struct mm_pt pt = pt_new(have, false, true);
		struct rw_err err = { "" };
		assert_int_equal(mm_pt_map_all(&pt, m, 2 + NKERNEL, &err), -1);
		assert_true(pt.used <= have);
		assert_true(strstr(err.msg, "exhausted") || strstr(err.msg, "empty"));
	}
	struct mm_pt pt = pt_new(need, false, true);
	struct rw_err err = { "" };
	assert_int_equal(mm_pt_map_all(&pt, m, 2 + NKERNEL, &err), 0);
	assert_int_equal(pt.used, need);
}

static void test_mapping_twice_rejected(void **state)
{
	(void)state;
	const struct mm_mapping m[] = { { KBASE, 0x100000, K4, W } };
	struct mm_pt pt;
	build(&pt, m, 1, true, true);
	struct rw_err err = { "" };
	assert_int_equal(mm_pt_map_all(&pt, m, 1, &err), -1);
	assert_non_null(strstr(err.msg, "twice"));
}

/* ---- randomized: count == used, walks ---- */

/* Up to cap sorted, non-overlapping mappings from base (plus 0 to 3 GiB)
 * up to limit (0: the top of the address space). */
static size_t random_maps_from(struct mm_mapping *m, size_t cap,
			       uint64_t base, uint64_t limit)
{
	uint64_t v = base + (rnd() % 4) * G1;
	size_t n = 0, want = 1 + rnd() % cap;
	while (n < want) {
		/* Gap: none (adjacent), pages, or a 2 MiB / 1 GiB jump. */
		switch (rnd() % 4) {
		case 0: break;
		case 1: v += (rnd() % 600) * K4; break;
		case 2: v += (1 + rnd() % 3) * M2 - (rnd() % 2) * K4; break;
		case 3: v = ((v + G1) & ~(G1 - 1)) + (rnd() % 2) * M2; break;
		}
		uint64_t size;
		switch (rnd() % 5) {
		case 0: size = (1 + rnd() % 8) * K4; break;
		case 1: size = (1 + rnd() % 700) * K4; break;
		case 2: size = (1 + rnd() % 5) * M2 + (rnd() % 3) * K4; break;
		case 3: size = (1 + rnd() % 3) * G1 + (rnd() % 3) * M2; break;
		default: size = (1 + rnd() % 3) * M2; break;
		}
		/* Stop before leaving the area (or wrapping around). */
		if (v < base || v - 1 + size < v ||
		    (limit && v + size > limit) || (!limit && v + size < v))
			break;
		/* phys: congruent with v mod 1 GiB, mod 2 MiB, or neither. */
		uint64_t phys;
		switch (rnd() % 3) {
		case 0: phys = ((rnd() % 64) * G1) | (v & (G1 - 1)); break;
		case 1: phys = ((rnd() % 32768) * M2) | (v & (M2 - 1)); break;
		default: phys = (rnd() % 0x1000000) * K4; break;
		}
		m[n++] = (struct mm_mapping){ v, phys, size, (uint32_t)(rnd() % 8) };
		v += size;
		if (!limit && v == 0)
			break;
	}
	return n;
}

/* Sorted, non-overlapping, canonical mappings in one half of the space. */
static size_t random_maps(struct mm_mapping *m, size_t cap)
{
	static const struct { uint64_t base, limit; } areas[] = {
		{ 0x0, 0x0000800000000000ull },
		{ 0x40000000000ull, 0x0000800000000000ull },
		{ 0x00007fe000000000ull, 0x0000800000000000ull },
		{ HHDM, 0 },
		{ 0xffffc00000000000ull, 0 },
		{ 0xfffffff000000000ull, 0 }, /* 64 GiB below the top */
	};
	size_t a = rnd() % (sizeof areas / sizeof areas[0]);
	return random_maps_from(m, cap, areas[a].base, areas[a].limit);
}

/*
 * Count, then build from a pool of exactly that many pages (no slack):
 * building must fit and use them all; on failure the mappings are printed.
 * Returns false, building nothing, when the count is too large for a
 * small pool.
 */
static bool build_exact(struct mm_pt *pt, const struct mm_mapping *m, size_t n,
			bool huge, bool nx, bool la57, int round)
{
	uint64_t count = mm_pt_count_levels(m, n, huge, la57);
	if (count > 4096)
		return false;
	pool_alloc(count);
	*pt = (struct mm_pt){ .pool = POOL_BASE, .pool_pages = count, .nx = nx,
			      .huge_1g = huge, .la57 = la57, .phys_to_ptr = p2v };
	struct rw_err err = { "" };
	int rc = mm_pt_map_all(pt, m, n, &err);
	if (rc || pt->used != count) {
		print_message("round %d, huge_1g %d, la57 %d:\n", round, huge, la57);
		for (size_t i = 0; i < n; i++)
			print_message("  { 0x%016llx, 0x%llx, 0x%llx, %u },\n",
				      (unsigned long long)m[i].virt,
				      (unsigned long long)m[i].phys,
				      (unsigned long long)m[i].size, m[i].flags);
		fail_msg("round %d: mm_pt_count_levels says %llu table pages, building %s (used %llu)",
			 round, (unsigned long long)count,
			 rc ? err.msg : "used a different number",
			 (unsigned long long)pt->used);
	}
	return true;
}

static void test_random_mappings_count_exactly_and_walk(void **state)
{
	(void)state;
	int built = 0;
	const char *seed = getenv("UNIT_SEED"); /* explore other seeds */
	if (seed)
		rng_state = strtoull(seed, NULL, 0) | 1;
	for (int round = 0; round < 300; round++) {
		struct mm_mapping m[16];
		size_t n = random_maps(m, 12);
		if (n == 0)
			continue;
		bool huge = round & 1, nx = round & 2;
		struct mm_pt pt;
		if (!build_exact(&pt, m, n, huge, nx, false, round))
			continue; /* keep the pool small */
		check_all(&pt, m, n, nx, 20);
		built++;
	}
	print_message("%d random mapping sets built and walked\n", built);
	assert_true(built >= 200);
}

/* ---- 5-level tables (CR4.LA57): the root is a PML5 ---- */

#define HHDM5 0xff00000000000000ull /* the direct map with 5 levels */
#define R256T (1ull << 48)          /* what one PML5 entry covers */

/* Sorted, non-overlapping mappings canonical for 57 bits, in some of the
 * 256 TiB regions below, from the start of each, its middle (the middle of
 * region 0 is canonical for 57 bits only) or both. */
static size_t random_maps_57(struct mm_mapping *m, size_t cap_per_region)
{
	static const uint64_t regions[] = {
		0x0000000000000000ull, 0x0001000000000000ull, 0x0080000000000000ull,
		0x00ff000000000000ull, HHDM5, 0xff80000000000000ull,
		0xffff000000000000ull, /* the 48-bit higher half */
	};
	size_t n = 0;
	for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++) {
		uint64_t mid = regions[r] + R256T / 2;
		switch (rnd() % 4) {
		case 0: break;
		case 1: n += random_maps_from(m + n, cap_per_region, regions[r], mid); break;
		case 2: n += random_maps_from(m + n, cap_per_region, mid, regions[r] + R256T); break;
		case 3:
			n += random_maps_from(m + n, cap_per_region, regions[r], mid);
			n += random_maps_from(m + n, cap_per_region, mid, regions[r] + R256T);
			break;
		}
	}
	return n;
}

/* How many PML5 entries (256 TiB regions) maps[0..n) reach into. */
static size_t pml5_entries_used(const struct mm_mapping *m, size_t n)
{
	bool used[512] = { false };
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		for (uint64_t r = m[i].virt >> 48; r <= (m[i].virt + m[i].size - 1) >> 48; r++)
			if (!used[r & 511]) {
				used[r & 511] = true;
				count++;
			}
	return count;
}

static void test_5_level_single_identity_page_needs_5_tables(void **state)
{
	(void)state;
	const struct mm_mapping m[] = { { 0x7000, 0x7000, K4, W | X } };
	struct mm_pt pt;
	assert_int_equal(build_levels(&pt, m, 1, true, true, true), 5);
	check_all(&pt, m, 1, true, 0);
	uint64_t phys, size;
	uint32_t flags;
	assert_true(mm_pt_walk(&pt, 0x7abc, &phys, &flags, &size));
	assert_int_equal(phys, 0x7abc);
	assert_int_equal(size, K4);
	assert_int_equal(flags, W | X);
}

static void test_5_level_count_adds_a_pml4_per_256_tib_region_used(void **state)
{
	(void)state;
	/* Identity page, direct map, kernel: as with 4 levels (10 tables
	 * with 1 GiB pages, 14 without), one PML5 more, and a PML4 for each
	 * region: 0, 0xff00000000000000 and 0xffffffff80000000's. */
	struct mm_mapping m[2 + NKERNEL] = {
		{ 0x7000, 0x7000, K4, W | X },
		{ HHDM5, 0, 4 * G1, W },
	};
	memcpy(&m[2], kernel, sizeof kernel);
	struct mm_pt pt;
	assert_int_equal(build_levels(&pt, m, 2 + NKERNEL, true, true, true), 10 + 1 + 2);
	check_all(&pt, m, 2 + NKERNEL, true, 200);
	assert_int_equal(build_levels(&pt, m, 2 + NKERNEL, false, true, true), 14 + 1 + 2);
	check_all(&pt, m, 2 + NKERNEL, true, 200);
	/* The 4-level direct map shares the kernel's region: one PML4 less. */
	m[1].virt = HHDM;
	assert_int_equal(build_levels(&pt, m, 2 + NKERNEL, true, true, true), 10 + 1 + 1);
	check_all(&pt, m, 2 + NKERNEL, true, 200);
	/* Both halves of region 0 share its PML4: PML5, PML4, 2 PDPTs, 2
	 * PDs, 2 PTs. */
	const struct mm_mapping halves[] = {
		{ 0x7000, 0x7000, K4, W },
		{ 0x0000800000000000ull, 0x8000, K4, W },
	};
	assert_int_equal(build_levels(&pt, halves, 2, true, true, true), 8);
	check_all(&pt, halves, 2, true, 0);
}

static void test_5_level_count_is_exact_for_the_random_mapping_sets(void **state)
{
	(void)state;
	int built = 0;
	for (int round = 0; round < 120; round++) {
		struct mm_mapping m[16];
		size_t n = random_maps(m, 12);
		if (n == 0)
			continue;
		bool huge = round & 1, nx = round & 2;
		struct mm_pt pt;
		if (!build_exact(&pt, m, n, huge, nx, true, round))
			continue;
		/* One half of the 48-bit space is one 256 TiB region: the
		 * 4-level root becomes its PML4 under a new PML5. */
		assert_int_equal(pt.used, mm_pt_count(m, n, huge) + 1);
		check_all(&pt, m, n, nx, 20);
		built++;
	}
	print_message("%d random mapping sets built and walked with 5 levels\n", built);
	assert_true(built >= 80);
}

static void test_5_level_count_is_exact_over_several_256_tib_regions(void **state)
{
	(void)state;
	int built = 0, regions = 0;
	for (int round = 0; round < 120; round++) {
		struct mm_mapping m[48];
		size_t n = random_maps_57(m, 3);
		if (n == 0)
			continue;
		bool huge = round & 1, nx = round & 2;
		struct mm_pt pt;
		if (!build_exact(&pt, m, n, huge, nx, true, round))
			continue;
		check_all(&pt, m, n, nx, 10);
		if (pml5_entries_used(m, n) > 1)
			regions++;
		built++;
	}
	print_message("%d random mapping sets built and walked, %d over several regions\n",
		      built, regions);
	assert_true(built >= 80);
	assert_true(regions >= 60);
}

static void test_count_levels_with_4_levels_is_mm_pt_count(void **state)
{
	(void)state;
	struct mm_mapping m[2 + NKERNEL] = {
		{ 0x7000, 0x7000, K4, W | X },
		{ HHDM, 0, 4 * G1, W },
	};
	memcpy(&m[2], kernel, sizeof kernel);
	for (int huge = 0; huge <= 1; huge++)
		assert_int_equal(mm_pt_count_levels(m, 2 + NKERNEL, huge, false),
				 mm_pt_count(m, 2 + NKERNEL, huge));
	for (int round = 0; round < 300; round++) {
		size_t n = random_maps(m, 2 + NKERNEL);
		bool huge = round & 1;
		assert_int_equal(mm_pt_count_levels(m, n, huge, false),
				 mm_pt_count(m, n, huge));
	}
}

static void test_5_level_tables_map_and_walk_every_leaf_size_with_flags(void **state)
{
	(void)state;
	const struct mm_mapping m[] = {
		{ HHDM5 + 0x1000, 0x1000, 2 * K4, W | WC },   /* 4 KiB */
		{ HHDM5 + 0x3000, 0x3000, K4, X },
		{ HHDM5 + M2, M2, M2, W | X },                /* 2 MiB */
		{ HHDM5 + 2 * M2, 2 * M2, M2, WC },
		{ HHDM5 + G1, G1, G1, W },                    /* 1 GiB */
		{ HHDM5 + 2 * G1, 2 * G1, G1, W | WC },
		{ KBASE, 0x01000000, 0x5000, X },
	};
	size_t n = sizeof m / sizeof m[0];
	struct mm_pt pt;
	build_levels(&pt, m, n, true, true, true);
	check_all(&pt, m, n, true, 50);
	assert_leaf(&pt, HHDM5 + 0x2234, 0x2234, K4, W | WC,
		    0x2000 | E_P | E_W | E_PWT | E_PAT4K | E_NX);
	assert_leaf(&pt, HHDM5 + 0x3456, 0x3456, K4, X, 0x3000 | E_P);
	assert_leaf(&pt, HHDM5 + M2 + 0x1234, M2 + 0x1234, M2, W | X,
		    M2 | E_P | E_W | E_PS);
	assert_leaf(&pt, HHDM5 + 2 * M2 + 0x1234, 2 * M2 + 0x1234, M2, WC,
		    2 * M2 | E_P | E_PWT | E_PS | E_PATLG | E_NX);
	assert_leaf(&pt, HHDM5 + G1 + 0x1234, G1 + 0x1234, G1, W,
		    G1 | E_P | E_W | E_PS | E_NX);
	assert_leaf(&pt, HHDM5 + 3 * G1 - 1, 3 * G1 - 1, G1, W | WC,
		    2 * G1 | E_P | E_W | E_PWT | E_PS | E_PATLG | E_NX);
	assert_leaf(&pt, KBASE + 0x4321, 0x01004321, K4, X, 0x01004000 | E_P);
}

static void test_5_level_walk_refuses_addresses_not_canonical_for_57_bits(void **state)
{
	(void)state;
	/* Each address below has the PML5 index of a mapped one (256 for
	 * the direct map, 0 for the identity page) but bits 63..57 differ
	 * from bit 56: no mapping covers it, so the walk must say unmapped. */
	const struct mm_mapping m[] = {
		{ 0x7000, 0x7000, K4, W },
		{ HHDM5, 0, 4 * G1, W },
	};
	struct mm_pt pt;
	build_levels(&pt, m, 2, true, true, true);
	static const uint64_t bad[] = {
		0x0100000000000000ull, 0x0100000000001000ull, 0x7f00000000000000ull,
		0x8100000000000000ull, 0xfe00000000007000ull, 0x8000000000007000ull,
		0x0200000000007000ull,
	};
	const uint64_t *root = p2v(NULL, pt.root);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t phys = 0, size = 0;
		uint32_t flags = 0;
		assert_true(root[(bad[i] >> 48) & 511] & E_P);
		if (mm_pt_walk(&pt, bad[i], &phys, &flags, &size))
			fail_msg("non-canonical 0x%016llx walks to 0x%llx (%llu-byte page)",
				 (unsigned long long)bad[i], (unsigned long long)phys,
				 (unsigned long long)size);
	}
}

static void test_5_level_walk_follows_addresses_canonical_for_57_bits_only(void **state)
{
	(void)state;
	/* Bit 47 differs from bit 48 or above: no 4-level table can map
	 * these; 5-level ones do. */
	const struct mm_mapping m[] = {
		{ 0x0000800000000000ull, 0x1000000, M2 + K4, W },
		{ 0x00fffffffffff000ull, 0x5000, K4, X },  /* the last low page */
		{ HHDM5, 0, G1, W },
		{ 0xffff7ffffffff000ull, 0x6000, K4, 0 },  /* below 0xffff800000000000 */
	};
	size_t n = sizeof m / sizeof m[0];
	struct mm_pt pt;
	build_levels(&pt, m, n, true, true, true);
	check_all(&pt, m, n, true, 50);
	assert_leaf(&pt, 0x0000800000000123ull, 0x1000123, M2, W,
		    0x1000000 | E_P | E_W | E_PS | E_NX);
	assert_leaf(&pt, 0x0000800000200fffull, 0x1200fff, K4, W,
		    0x1200000 | E_P | E_W | E_NX);
	assert_leaf(&pt, 0x00ffffffffffffffull, 0x5fff, K4, X, 0x5000 | E_P);
	assert_leaf(&pt, HHDM5 + 0x12345678, 0x12345678, G1, W,
		    E_P | E_W | E_PS | E_NX);
	assert_leaf(&pt, 0xffff7ffffffff008ull, 0x6008, K4, 0, 0x6000 | E_P | E_NX);
	/* The same addresses are non-canonical with 4 levels. */
	pt.la57 = false;
	uint64_t phys, size;
	uint32_t flags;
	assert_false(mm_pt_walk(&pt, 0x0000800000000123ull, &phys, &flags, &size));
	assert_false(mm_pt_walk(&pt, HHDM5, &phys, &flags, &size));
}

/* The table an entry points to: present, not a large page. */
static const uint64_t *next_level(const uint64_t *t, unsigned i)
{
	if ((t[i] & (E_P | E_PS)) != E_P)
		fail_msg("entry %u is 0x%llx, not a table", i, (unsigned long long)t[i]);
	return p2v(NULL, t[i] & 0x000ffffffffff000ull);
}

static void test_mapping_not_canonical_for_the_depth_is_rejected(void **state)
{
	(void)state;
	/* The tables index bits 47..12 (56..12 with 5 levels): any of these
	 * would silently alias a canonical address. */
	static const struct { uint64_t virt, size; bool la57; } bad[] = {
		{ HHDM5, G1, false },                            /* 5-level direct map */
		{ 0x0000800000000000ull, K4, false },
		{ 0x00007ffffffff000ull, 2 * K4, false },        /* into the hole */
		{ 0xffff7ffffffff000ull, 2 * K4, false },        /* out of it */
		{ 0x0100000000000000ull, K4, true },
		{ 0x00fffffffffff000ull, 2 * K4, true },
		{ 0xfeffffffffe00000ull, M2 + K4, true },
		{ 0x0000000000002000ull, 0xfffffffffffff000ull, true }, /* wraps to 0x1000 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct mm_mapping m[] = { { bad[i].virt, 0x200000, bad[i].size, W } };
		struct mm_pt pt = pt_new(16, true, true);
		struct rw_err err = { "" };
		pt.la57 = bad[i].la57;
		if (mm_pt_map_all(&pt, m, 1, &err) != -1)
			fail_msg("0x%016llx size 0x%llx mapped with %d levels",
				 (unsigned long long)bad[i].virt,
				 (unsigned long long)bad[i].size, bad[i].la57 ? 5 : 4);
		assert_non_null(strstr(err.msg, "not canonical"));
		assert_int_equal(pt.used, 1); /* the root only */
	}
}

static void test_5_level_root_is_a_pml5_whose_entries_point_to_pml4s(void **state)
{
	(void)state;
	const struct mm_mapping m[] = {
		{ 0x7000, 0x7000, K4, W },
		{ HHDM5 + 3 * G1, 3 * G1, G1, W },
		{ KBASE, 0x01000000, K4, X },
	};
	struct mm_pt pt;
	build_levels(&pt, m, 3, true, true, true);
	const uint64_t *pml5 = p2v(NULL, pt.root);
	/* One entry per 256 TiB region: (virt >> 48) & 511. */
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(!!(pml5[i] & E_P), i == 0 || i == 256 || i == 511);
	/* Direct map: PML5[256] -> PML4[0] -> PDPT[3], a 1 GiB leaf. */
	const uint64_t *pdpt = next_level(next_level(pml5, 256), 0);
	assert_int_equal(pdpt[3], 3 * G1 | E_P | E_W | E_PS | E_NX);
	/* Kernel: PML5[511] -> PML4[511] -> PDPT[510] -> PD[0] -> PT[0]. */
	const uint64_t *pt4k = next_level(next_level(next_level(next_level(pml5, 511), 511), 510), 0);
	assert_int_equal(pt4k[0], 0x01000000 | E_P);
	/* Identity page: PML5[0] -> PML4[0] -> PDPT[0] -> PD[0] -> PT[7]. */
	pt4k = next_level(next_level(next_level(next_level(pml5, 0), 0), 0), 0);
	assert_int_equal(pt4k[7], 0x7000 | E_P | E_W | E_NX);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_direct_map_4g_with_1g_pages_needs_2_tables),
		T(test_direct_map_4g_with_2m_pages_needs_6_tables),
		T(test_kernel_ranges_count_and_flags),
		T(test_without_nx_everything_is_executable),
		T(test_single_identity_page_needs_4_tables),
		T(test_identity_direct_map_and_kernel_together),
		T(test_unmapped_addresses_return_false),
		T(test_walk_non_canonical_address_is_unmapped),
		T(test_fragmented_kernel_walks_correctly),
		T(test_wc_4k_pages_set_pwt_and_pat_bit_7),
		T(test_wc_2m_pages_set_pwt_and_pat_bit_12_outside_the_address),
		T(test_wc_1g_pages_set_pwt_and_pat_bit_12_outside_the_address),
		T(test_wc_mapping_of_every_leaf_size_is_wc_throughout),
		T(test_walk_reports_wc_for_pat_entry_5_only),
		T(test_wc_does_not_change_the_table_count),
		T(test_unaligned_mapping_rejected),
		T(test_exhausted_pool_fails_cleanly),
		T(test_mapping_twice_rejected),
		T(test_random_mappings_count_exactly_and_walk),
		T(test_5_level_single_identity_page_needs_5_tables),
		T(test_5_level_count_adds_a_pml4_per_256_tib_region_used),
		T(test_5_level_count_is_exact_for_the_random_mapping_sets),
		T(test_5_level_count_is_exact_over_several_256_tib_regions),
		T(test_count_levels_with_4_levels_is_mm_pt_count),
		T(test_5_level_tables_map_and_walk_every_leaf_size_with_flags),
		T(test_5_level_walk_refuses_addresses_not_canonical_for_57_bits),
		T(test_5_level_walk_follows_addresses_canonical_for_57_bits_only),
		T(test_5_level_root_is_a_pml5_whose_entries_point_to_pml4s),
		T(test_mapping_not_canonical_for_the_depth_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
