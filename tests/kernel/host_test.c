/*
 * host_test.c - unit tests, run on the build host, for the test kernel's
 * checking logic (checks.c): memory map validation and lookup, the page
 * table walker (on synthetic tables in a host buffer standing in for
 * physical memory), the pattern check (every single-bit corruption of a
 * blob is caught at the right word), the whole-tree walker, GDT descriptor
 * decoding, FNV-1a and the module-string parser, the scribble pattern and
 * its page selection, the zero check and string helpers.
 *
 * Build and run: make test-kernel-host (see kernel.mk).  Exit status 0
 * when every test passes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "pattern.h"

static int failures;

#define EXPECT(cond)                                                          \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__,      \
			        __LINE__, #cond);                             \
			failures++;                                           \
		}                                                             \
	} while (0)

/* ---- memory map ------------------------------------------------------ */

#define E(b, l, t) { .base = (b), .length = (l), .type = (t) }

static const struct runway_mmap_entry good_map[] = {
	E(0x0,        0x1000,    RUNWAY_MEM_RESERVED),
	E(0x1000,     0x9f000,   RUNWAY_MEM_USABLE),
	E(0x100000,   0x100000,  RUNWAY_MEM_KERNEL),
	E(0x200000,   0x1000,    RUNWAY_MEM_KERNEL),   /* adjacent, same type */
	E(0x201000,   0x3000,    RUNWAY_MEM_LOADER_RECLAIMABLE),
	E(0x300000,   0x7d00000, RUNWAY_MEM_USABLE),   /* gap before it */
	E(0x8000000,  0x1234,    RUNWAY_MEM_ACPI_NVS), /* unaligned is fine */
	E(0xfd000000, 0x300000,  RUNWAY_MEM_FRAMEBUFFER),
};
#define NGOOD (sizeof good_map / sizeof good_map[0])

static enum mmap_error validate_one_change(uint64_t index, uint64_t base,
                                           uint64_t length, uint32_t type,
                                           uint64_t *bad)
{
	struct runway_mmap_entry map[NGOOD];

	memcpy(map, good_map, sizeof map);
	map[index].base = base;
	map[index].length = length;
	map[index].type = type;
	return mmap_validate(map, NGOOD, bad);
}

static void test_mmap(void)
{
	uint64_t bad = 99;

	EXPECT(mmap_validate(good_map, NGOOD, &bad) == MMAP_OK);
	EXPECT(mmap_validate(good_map, 0, &bad) == MMAP_EMPTY);

	EXPECT(validate_one_change(2, 0x100000, 0, RUNWAY_MEM_KERNEL, &bad) ==
	       MMAP_ZERO_LENGTH && bad == 2);
	EXPECT(validate_one_change(2, 0x100000, 0x1000, 0, &bad) == MMAP_BAD_TYPE && bad == 2);
	EXPECT(validate_one_change(2, 0x100000, 0x1000, 10, &bad) == MMAP_BAD_TYPE);
	EXPECT(validate_one_change(7, 0xfffffffffffff000ull, 0x2000,
	                           RUNWAY_MEM_RESERVED, &bad) == MMAP_WRAPS && bad == 7);
	/* Same base as the previous entry: not strictly sorted. */
	EXPECT(validate_one_change(3, 0x100000, 0x1000, RUNWAY_MEM_KERNEL, &bad) ==
	       MMAP_UNSORTED && bad == 3);
	/* Below the previous entry. */
	EXPECT(validate_one_change(5, 0x2000, 0x1000, RUNWAY_MEM_USABLE, &bad) ==
	       MMAP_UNSORTED && bad == 5);
	/* Starts one byte before the previous entry ends. */
	EXPECT(validate_one_change(3, 0x1fffff, 0x1001, RUNWAY_MEM_RESERVED, &bad) ==
	       MMAP_OVERLAP && bad == 3);
	/* Touching is fine. */
	EXPECT(validate_one_change(3, 0x200000, 0x1000, RUNWAY_MEM_RESERVED, &bad) == MMAP_OK);
	EXPECT(validate_one_change(5, 0x300800, 0x1000, RUNWAY_MEM_USABLE, &bad) ==
	       MMAP_USABLE_UNALIGNED && bad == 5);
	EXPECT(validate_one_change(5, 0x300000, 0x1800, RUNWAY_MEM_USABLE, &bad) ==
	       MMAP_USABLE_UNALIGNED);
	EXPECT(validate_one_change(0, 0x0, 0x1000, RUNWAY_MEM_USABLE, &bad) ==
	       MMAP_USABLE_PAGE0 && bad == 0);
	/* Page 0 reserved is fine (good_map[0]); a non-usable page-0 entry too. */
	EXPECT(validate_one_change(0, 0x0, 0x1000, RUNWAY_MEM_ACPI_NVS, &bad) == MMAP_OK);

	/* mmap_find: inside, at the edges, in gaps, past the end. */
	EXPECT(mmap_find(good_map, NGOOD, 0) == &good_map[0]);
	EXPECT(mmap_find(good_map, NGOOD, 0xfff) == &good_map[0]);
	EXPECT(mmap_find(good_map, NGOOD, 0x1000) == &good_map[1]);
	EXPECT(mmap_find(good_map, NGOOD, 0x9ffff) == &good_map[1]);
	EXPECT(mmap_find(good_map, NGOOD, 0xa0000) == NULL);
	EXPECT(mmap_find(good_map, NGOOD, 0x200fff) == &good_map[3]);
	EXPECT(mmap_find(good_map, NGOOD, 0x204000) == NULL);
	EXPECT(mmap_find(good_map, NGOOD, 0x8001233) == &good_map[6]);
	EXPECT(mmap_find(good_map, NGOOD, 0x8001234) == NULL);
	EXPECT(mmap_find(good_map, NGOOD, 0xfd2fffff) == &good_map[7]);
	EXPECT(mmap_find(good_map, NGOOD, 0xfd300000) == NULL);
	EXPECT(mmap_find(good_map, NGOOD, UINT64_MAX) == NULL);
	EXPECT(mmap_find(good_map, 1, 0x1000) == NULL);
	EXPECT(mmap_find(good_map, 0, 0) == NULL);
	{ /* a map whose first entry starts above 0 */
		EXPECT(mmap_find(good_map + 1, NGOOD - 1, 0x800) == NULL);
		EXPECT(mmap_find(good_map + 1, NGOOD - 1, 0x1000) == &good_map[1]);
	}

	/* mmap_range_has_type: across adjacent same-type entries, not across
	 * a type change or a gap. */
	EXPECT(mmap_range_has_type(good_map, NGOOD, 0x100000, 0x101000,
	                           RUNWAY_MEM_KERNEL, &bad));
	EXPECT(!mmap_range_has_type(good_map, NGOOD, 0x100000, 0x101001,
	                            RUNWAY_MEM_KERNEL, &bad) && bad == 0x201000);
	EXPECT(!mmap_range_has_type(good_map, NGOOD, 0x203000, 0x2000,
	                            RUNWAY_MEM_LOADER_RECLAIMABLE, &bad) && bad == 0x204000);
	EXPECT(!mmap_range_has_type(good_map, NGOOD, 0xa0000, 0x1000,
	                            RUNWAY_MEM_USABLE, &bad) && bad == 0xa0000);
	EXPECT(mmap_range_has_type(good_map, NGOOD, 0x5000, 0, RUNWAY_MEM_KERNEL, &bad));
	EXPECT(!mmap_range_has_type(good_map, NGOOD, UINT64_MAX, 2, RUNWAY_MEM_USABLE, &bad));

	EXPECT(mmap_sum(good_map, NGOOD, RUNWAY_MEM_USABLE) == 0x9f000 + 0x7d00000);
	EXPECT(mmap_sum(good_map, NGOOD, RUNWAY_MEM_KERNEL) == 0x101000);
	EXPECT(!strcmp(mem_type_name(RUNWAY_MEM_KERNEL), "kernel"));
	EXPECT(!strcmp(mem_type_name(0), "invalid"));
}

/* ---- page tables ----------------------------------------------------- */

/* "Physical memory" for synthetic tables: page n of the arena is at
 * physical 0x1000 * (n + 1), so hhdm = arena - 0x1000. */
#define ARENA_PAGES 32
static uint64_t (*arena)[512];
static uint64_t arena_hhdm;
static int arena_next;

static uint64_t new_table(void)
{
	int n = arena_next++;

	if (n >= ARENA_PAGES)
		abort();
	memset(arena[n], 0, 4096);
	return 0x1000ull * (uint64_t)(n + 1);
}

static uint64_t *table_at(uint64_t phys)
{
	return arena[phys / 0x1000 - 1];
}

#define P  (1ull << 0)
#define RW (1ull << 1)
#define PS (1ull << 7)
#define XD (1ull << 63)

static unsigned idx(uint64_t virt, int level)
{
	return (unsigned)((virt >> (12 + 9 * (level - 1))) & 511);
}

/* Records what pt_walk_tree visits. */
struct tree_log {
	int ntables, nleaves;
	uint64_t table[16], tvirt[16];
	int level[16];
	struct pt_leaf leaf[16];
	int stop_after_leaves; /* stop once this many leaves were seen (0: never) */
	int stop_at_level;     /* stop at the first table of this level (0: never) */
};

static int log_table(void *arg, uint64_t phys, int level, uint64_t virt)
{
	struct tree_log *l = arg;

	if (l->ntables < 16) {
		l->table[l->ntables] = phys;
		l->level[l->ntables] = level;
		l->tvirt[l->ntables] = virt;
	}
	l->ntables++;
	return level == l->stop_at_level;
}

static int log_leaf(void *arg, const struct pt_leaf *leaf)
{
	struct tree_log *l = arg;

	if (l->nleaves < 16)
		l->leaf[l->nleaves] = *leaf;
	l->nleaves++;
	return l->nleaves == l->stop_after_leaves;
}

static void test_page_tables(void)
{
	const uint64_t kvirt = 0xffffffff80000000ull;
	const uint64_t hvirt = 0xffff800000000000ull;
	uint64_t pml4, pdpt_k, pd_k, pt_k, pdpt_h, pd_h, cr3;
	struct pt_walk w;

	arena = aligned_alloc(4096, ARENA_PAGES * 4096);
	if (!arena)
		abort();
	arena_hhdm = (uint64_t)(uintptr_t)arena - 0x1000;
	arena_next = 0;

	pml4 = new_table();
	pdpt_k = new_table();
	pd_k = new_table();
	pt_k = new_table();
	pdpt_h = new_table();
	pd_h = new_table();

	/* Kernel: 4 KiB pages, the first read-only+exec, the second RW+XD. */
	table_at(pml4)[idx(kvirt, 4)] = pdpt_k | P | RW;
	table_at(pdpt_k)[idx(kvirt, 3)] = pd_k | P | RW;
	table_at(pd_k)[idx(kvirt, 2)] = pt_k | P | RW;
	table_at(pt_k)[0] = 0x1234000ull | P;
	table_at(pt_k)[1] = 0x7777000ull | P | RW | XD;
	/* A 2 MiB page after the kernel's first 2 MiB, with PAT (bit 12) set. */
	table_at(pd_k)[idx(kvirt, 2) + 1] = 0x40000000ull | (1ull << 12) | P | RW | PS;
	/* Direct map: 1 GiB page for the first GiB, 2 MiB pages for the second. */
	table_at(pml4)[idx(hvirt, 4)] = pdpt_h | P | RW;
	table_at(pdpt_h)[0] = 0x0 | P | RW | PS | XD;
	table_at(pdpt_h)[1] = pd_h | P | RW;
	table_at(pd_h)[0] = 0x40000000ull | P | RW | PS;
	/* A PS bit in a PML4 entry is reserved. */
	table_at(pml4)[3] = 0x0 | P | PS;

	cr3 = pml4 | 0x18; /* PWT/PCD flags in CR3 must be ignored */

	EXPECT(pt_translate(cr3, 4, arena_hhdm, kvirt + 0x123, &w) == PT_OK);
	EXPECT(w.phys == 0x1234123 && w.page_size == 0x1000);
	EXPECT(!w.writable && w.executable);
	EXPECT(w.ntables == 4 && w.table[0] == pml4 && w.table[1] == pdpt_k &&
	       w.table[2] == pd_k && w.table[3] == pt_k);

	EXPECT(pt_translate(cr3, 4, arena_hhdm, kvirt + 0x1ff8, &w) == PT_OK);
	EXPECT(w.phys == 0x7777ff8 && w.writable && !w.executable);

	EXPECT(pt_translate(cr3, 4, arena_hhdm, kvirt + 0x2000, &w) == PT_NOT_PRESENT);
	EXPECT(w.fail_level == 1 && w.fail_entry == 0);

	EXPECT(pt_translate(cr3, 4, arena_hhdm, kvirt + 0x200000 + 0x1abcde, &w) == PT_OK);
	EXPECT(w.phys == 0x40000000ull + 0x1abcde && w.page_size == 0x200000);
	EXPECT(w.ntables == 3);

	EXPECT(pt_translate(cr3, 4, arena_hhdm, hvirt + 0x3fffffff, &w) == PT_OK);
	EXPECT(w.phys == 0x3fffffff && w.page_size == 0x40000000 && !w.executable);
	EXPECT(pt_translate(cr3, 4, arena_hhdm, hvirt + 0x40000000 + 0x1000, &w) == PT_OK);
	EXPECT(w.phys == 0x40001000 && w.page_size == 0x200000);
	EXPECT(pt_translate(cr3, 4, arena_hhdm, hvirt + 0x40200000, &w) == PT_NOT_PRESENT);
	EXPECT(w.fail_level == 2);
	EXPECT(pt_translate(cr3, 4, arena_hhdm, hvirt + 0x80000000ull, &w) == PT_NOT_PRESENT);
	EXPECT(w.fail_level == 3);
	EXPECT(pt_translate(cr3, 4, arena_hhdm, 0x1000, &w) == PT_NOT_PRESENT);
	EXPECT(w.fail_level == 4);
	EXPECT(pt_translate(cr3, 4, arena_hhdm, 3ull << 39, &w) == PT_BAD_PS);

	/* Non-canonical with 4 levels; canonical (and absent) with 5. */
	EXPECT(pt_translate(cr3, 4, arena_hhdm, 0x0000800000000000ull, &w) == PT_NONCANONICAL);
	EXPECT(pt_translate(cr3, 4, arena_hhdm, 0xfff0800000000000ull, &w) == PT_NONCANONICAL);

	/* Five levels: a PML5 whose last entry points at the PML4 above. */
	{
		uint64_t pml5 = new_table();

		table_at(pml5)[511] = pml4 | P | RW;
		/* PML5 index 510: canonical with 5 levels (not with 4), absent. */
		EXPECT(pt_translate(pml5, 5, arena_hhdm, 0xfffe000000000000ull, &w) ==
		       PT_NOT_PRESENT && w.fail_level == 5);
		EXPECT(pt_translate(pml5, 4, arena_hhdm, 0xfffe000000000000ull, &w) ==
		       PT_NONCANONICAL);
		EXPECT(pt_translate(pml5, 5, arena_hhdm, kvirt + 0x1008, &w) == PT_OK);
		EXPECT(w.phys == 0x7777008 && w.ntables == 5 && w.table[0] == pml5);
		EXPECT(pt_translate(pml5, 5, arena_hhdm, 0x00ff000000000000ull, &w) ==
		       PT_NOT_PRESENT);
		EXPECT(pt_translate(pml5, 5, arena_hhdm, 0x0100000000000000ull, &w) ==
		       PT_NONCANONICAL);
	}

	/* The whole-tree walk: PML4 entry 3 has the reserved PS bit. */
	{
		struct tree_log log = { 0 };
		const struct pt_visitor v = { log_table, log_leaf, &log };

		EXPECT(pt_walk_tree(cr3, 4, arena_hhdm, &v, &w) == PT_BAD_PS);
		EXPECT(w.fail_level == 4 && w.phys == 3ull << 39 &&
		       w.fail_entry == (P | PS));
		EXPECT(log.ntables == 1 && log.nleaves == 0);

		table_at(pml4)[3] = 0;
		memset(&log, 0, sizeof log);
		EXPECT(pt_walk_tree(cr3, 4, arena_hhdm, &v, &w) == PT_OK);
		/* Tables root first, depth first, by increasing address: the
		 * direct map (PML4 256) before the kernel (PML4 511). */
		EXPECT(log.ntables == 6);
		EXPECT(log.table[0] == pml4 && log.level[0] == 4 && log.tvirt[0] == 0);
		EXPECT(log.table[1] == pdpt_h && log.level[1] == 3 && log.tvirt[1] == hvirt);
		EXPECT(log.table[2] == pd_h && log.level[2] == 2 &&
		       log.tvirt[2] == hvirt + 0x40000000ull);
		EXPECT(log.table[3] == pdpt_k && log.tvirt[3] == 0xffffff8000000000ull);
		EXPECT(log.table[4] == pd_k && log.tvirt[4] == kvirt);
		EXPECT(log.table[5] == pt_k && log.level[5] == 1 && log.tvirt[5] == kvirt);
		/* Leaves in address order, with sizes and effective flags. */
		EXPECT(log.nleaves == 5);
		EXPECT(log.leaf[0].virt == hvirt && log.leaf[0].phys == 0 &&
		       log.leaf[0].size == 0x40000000 && log.leaf[0].writable &&
		       !log.leaf[0].executable);
		EXPECT(log.leaf[1].virt == hvirt + 0x40000000ull &&
		       log.leaf[1].phys == 0x40000000ull && log.leaf[1].size == 0x200000 &&
		       log.leaf[1].writable && log.leaf[1].executable);
		EXPECT(log.leaf[2].virt == kvirt && log.leaf[2].phys == 0x1234000 &&
		       log.leaf[2].size == 0x1000 && !log.leaf[2].writable &&
		       log.leaf[2].executable);
		EXPECT(log.leaf[3].virt == kvirt + 0x1000 && log.leaf[3].phys == 0x7777000 &&
		       log.leaf[3].writable && !log.leaf[3].executable);
		/* The 2 MiB page with PAT (bit 12) set: PAT is not address. */
		EXPECT(log.leaf[4].virt == kvirt + 0x200000 &&
		       log.leaf[4].phys == 0x40000000ull && log.leaf[4].size == 0x200000);

		/* Flags are the AND (R/W) and OR (XD) of every level. */
		table_at(pdpt_k)[idx(kvirt, 3)] = pd_k | P; /* read-only above */
		table_at(pml4)[idx(hvirt, 4)] = pdpt_h | P | RW | XD;
		memset(&log, 0, sizeof log);
		EXPECT(pt_walk_tree(cr3, 4, arena_hhdm, &v, &w) == PT_OK);
		EXPECT(!log.leaf[1].executable && log.leaf[1].writable);
		EXPECT(!log.leaf[3].writable && !log.leaf[4].writable);

		/* A callback's nonzero return stops the walk. */
		memset(&log, 0, sizeof log);
		log.stop_after_leaves = 2;
		EXPECT(pt_walk_tree(cr3, 4, arena_hhdm, &v, &w) == PT_STOPPED);
		EXPECT(log.nleaves == 2);
		memset(&log, 0, sizeof log);
		log.stop_at_level = 2;
		EXPECT(pt_walk_tree(cr3, 4, arena_hhdm, &v, &w) == PT_STOPPED);
		EXPECT(log.ntables == 3 && log.nleaves == 1);

		/* Null callbacks are allowed. */
		{
			const struct pt_visitor none = { 0, 0, 0 };

			EXPECT(pt_walk_tree(cr3, 4, arena_hhdm, &none, 0) == PT_OK);
		}
	}
	free(arena);
}

/* ---- contents -------------------------------------------------------- */

static void test_pattern(void)
{
	const uint64_t nwords = TEST_DATA_BLOB_BYTES / 8;
	uint64_t *blob = malloc(nwords * 8), i, bad;
	unsigned char *bytes = (unsigned char *)blob;
	uint64_t byte;
	int bit, missed = 0;

	for (i = 0; i < nwords; i++) {
		blob[i] = pattern_word(TEST_DATA_SEED, i);
		EXPECT(blob[i] != 0);
	}
	EXPECT(pattern_check(blob, nwords, TEST_DATA_SEED, &bad));
	EXPECT(!pattern_check(blob, nwords, TEST_RODATA_SEED, &bad) && bad == 0);

	/* Every single-bit error anywhere is caught, at the right word. */
	for (byte = 0; byte < nwords * 8; byte++) {
		for (bit = 0; bit < 8; bit += 7) { /* lowest and highest bit */
			bytes[byte] ^= (unsigned char)(1u << bit);
			if (pattern_check(blob, nwords, TEST_DATA_SEED, &bad) || bad != byte / 8)
				missed++;
			bytes[byte] ^= (unsigned char)(1u << bit);
		}
	}
	EXPECT(missed == 0);

	/* A blob shifted by one word, or with two words swapped, or with a
	 * zeroed page, is caught. */
	EXPECT(!pattern_check(blob + 1, nwords - 1, TEST_DATA_SEED, &bad) && bad == 0);
	{
		uint64_t t = blob[10];

		blob[10] = blob[11];
		blob[11] = t;
		EXPECT(!pattern_check(blob, nwords, TEST_DATA_SEED, &bad) && bad == 10);
		blob[11] = blob[10];
		blob[10] = t;
	}
	memset(blob + 512, 0, 4096 < (nwords - 512) * 8 ? 4096 : (nwords - 512) * 8);
	EXPECT(!pattern_check(blob, nwords, TEST_DATA_SEED, &bad) && bad == 512);
	free(blob);

	/* No zero word in the first million of either seed. */
	for (i = 0; i < 1000000; i++)
		if (!pattern_word(TEST_DATA_SEED, i) || !pattern_word(TEST_RODATA_SEED, i))
			missed++;
	EXPECT(missed == 0);
}

static void test_zero_and_strings(void)
{
	unsigned char buf[100] = { 0 };
	uint64_t bad = 0;
	char out[32];

	EXPECT(zero_check(buf, sizeof buf, &bad));
	buf[99] = 1;
	EXPECT(!zero_check(buf, sizeof buf, &bad) && bad == 99);
	EXPECT(zero_check(buf, 99, &bad));
	buf[0] = 0x80;
	EXPECT(!zero_check(buf, sizeof buf, &bad) && bad == 0);

	EXPECT(str_eq("", ""));
	EXPECT(str_eq("runway-test console=ttyS0 answer=42",
	              "runway-test console=ttyS0 answer=42"));
	EXPECT(!str_eq("abc", "abcd"));
	EXPECT(!str_eq("abcd", "abc"));
	EXPECT(!str_eq("abc", "abd"));
	EXPECT(!str_eq("", "a"));

	escape_string(out, sizeof out, "a \"q\" \\ \n\x7f", 100);
	EXPECT(!strcmp(out, "a \\\"q\\\" \\\\ \\x0a\\x7f"));
	escape_string(out, sizeof out, "abcdef", 3);
	EXPECT(!strcmp(out, "abc"));
	escape_string(out, 12, "0123456789abcdef", 100);
	EXPECT(strlen(out) < 12 && !strcmp(out + strlen(out) - 3, "..."));
	escape_string(out, sizeof out, "", 100);
	EXPECT(out[0] == 0);
}

/* ---- GDT, hashing, module strings ----------------------------------- */

static void test_gdt(void)
{
	/* What Runway loads, and what most 64-bit kernels use. */
	EXPECT(gdt_code64_problem(0x00af9a000000ffffull) == NULL);
	EXPECT(gdt_data_problem(0x00cf92000000ffffull) == NULL);
	EXPECT(gdt_code64_problem(0x0020980000000000ull) == NULL); /* minimal */
	EXPECT(gdt_data_problem(0x0000920000000000ull) == NULL);

	EXPECT(!strcmp(gdt_code64_problem(0x00af1a000000ffffull), "not present"));
	EXPECT(!strcmp(gdt_code64_problem(0x00af8a000000ffffull), "a system descriptor (S=0)"));
	EXPECT(!strcmp(gdt_code64_problem(0x00cf92000000ffffull), "a data segment, not code"));
	EXPECT(!strcmp(gdt_code64_problem(0x00affa000000ffffull), "DPL is not 0"));
	EXPECT(!strcmp(gdt_code64_problem(0x00cf9a000000ffffull), "not 64-bit code (L=0)"));
	EXPECT(!strcmp(gdt_code64_problem(0x00ef9a000000ffffull), "D=1 with L=1"));
	EXPECT(gdt_code64_problem(0) != NULL);

	EXPECT(!strcmp(gdt_data_problem(0x00cf12000000ffffull), "not present"));
	EXPECT(!strcmp(gdt_data_problem(0x00cf82000000ffffull), "a system descriptor (S=0)"));
	EXPECT(!strcmp(gdt_data_problem(0x00af9a000000ffffull), "a code segment, not data"));
	EXPECT(!strcmp(gdt_data_problem(0x00cf90000000ffffull), "not writable"));
	EXPECT(!strcmp(gdt_data_problem(0x00cff2000000ffffull), "DPL is not 0"));
}

static void test_load_times(void)
{
	struct runway_load_times t = { .total = 100, .map = 10, .plan = 1, .claims = 5,
	                               .reads = 40, .zeroing = 3, .relocation = 0,
	                               .page_tables = 2, .exit = 30 };
	const char *phase;
	uint64_t sum;

	EXPECT(load_times_problem(&t, &phase, &sum) == NULL && sum == 91 && !phase);
	t.exit = 39; /* the sum equals the total: still fine */
	EXPECT(load_times_problem(&t, &phase, &sum) == NULL && sum == 100);
	t.exit = 40;
	EXPECT(load_times_problem(&t, &phase, &sum) != NULL && !strcmp(phase, "sum"));
	t.exit = 0;
	t.reads = 101;
	EXPECT(load_times_problem(&t, &phase, &sum) != NULL && !strcmp(phase, "reads"));
	struct runway_load_times zero = { 0 };
	EXPECT(load_times_problem(&zero, &phase, &sum) == NULL && sum == 0);
}

static void test_fnv(void)
{
	uint64_t v = 0;
	char buf[40];

	/* Reference values of FNV-1a 64. */
	EXPECT(fnv1a64(FNV1A64_INIT, "", 0) == 0xcbf29ce484222325ull);
	EXPECT(fnv1a64(FNV1A64_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
	EXPECT(fnv1a64(FNV1A64_INIT, "foobar", 6) == 0x85944171f73967e8ull);
	/* Incremental equals one-shot. */
	EXPECT(fnv1a64(fnv1a64(FNV1A64_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ull);

	EXPECT(parse_fnv1a64_string("fnv1a64=85944171f73967e8", &v) == 1 &&
	       v == 0x85944171f73967e8ull);
	EXPECT(parse_fnv1a64_string("fnv1a64=85944171F73967E8", &v) == 1 &&
	       v == 0x85944171f73967e8ull);
	EXPECT(parse_fnv1a64_string("fnv1a64=0000000000000000", &v) == 1 && v == 0);
	EXPECT(parse_fnv1a64_string("", &v) == 0);
	EXPECT(parse_fnv1a64_string("initrd", &v) == 0);
	EXPECT(parse_fnv1a64_string("fnv1a64", &v) == 0);
	EXPECT(parse_fnv1a64_string("sha256=85944171f73967e8", &v) == 0);
	EXPECT(parse_fnv1a64_string("fnv1a64=", &v) == -1);
	EXPECT(parse_fnv1a64_string("fnv1a64=85944171f73967e", &v) == -1);
	EXPECT(parse_fnv1a64_string("fnv1a64=85944171f73967e80", &v) == -1);
	EXPECT(parse_fnv1a64_string("fnv1a64=85944171f73967eg", &v) == -1);
	EXPECT(parse_fnv1a64_string("fnv1a64=85944171f73967e8 ", &v) == -1);
	EXPECT(parse_fnv1a64_string("fnv1a64=0x944171f73967e8", &v) == -1);
	/* Every 64-bit value formatted back parses to itself. */
	snprintf(buf, sizeof buf, "fnv1a64=%016llx", 0xfedcba9876543210ull);
	EXPECT(parse_fnv1a64_string(buf, &v) == 1 && v == 0xfedcba9876543210ull);
}

/* ---- the scribble ---------------------------------------------------- */

struct run_log {
	int n;
	uint64_t phys[64], bytes[64];
	int stop_after;
};

static int log_run(void *arg, uint64_t phys, uint64_t bytes)
{
	struct run_log *l = arg;

	if (l->n < 64) {
		l->phys[l->n] = phys;
		l->bytes[l->n] = bytes;
	}
	l->n++;
	return l->n == l->stop_after;
}

static void test_scribble(void)
{
	const uint64_t npages = 4;
	uint64_t *mem = aligned_alloc(4096, npages * 4096), bad = 0, i;
	const uint64_t phys = 0x123456000ull;
	static const struct runway_mmap_entry map[] = {
		E(0x0,       0x1000,     RUNWAY_MEM_RESERVED),
		E(0x1000,    0x1000,     RUNWAY_MEM_USABLE),      /* 1 page          */
		E(0x2000,    0x2000,     RUNWAY_MEM_KERNEL),
		E(0x100000,  0x101000,   RUNWAY_MEM_USABLE),      /* 257 pages       */
		E(0x300000,  0x100000,   RUNWAY_MEM_USABLE),      /* 256 pages       */
		E(0x400000,  0x201000,   RUNWAY_MEM_USABLE),      /* 513 pages       */
		E(0x700000,  0x2000,     RUNWAY_MEM_LOADER_RECLAIMABLE),
	};
	const uint64_t n = sizeof map / sizeof map[0];
	struct run_log log = { 0 };

	if (!mem)
		abort();
	scribble_fill(mem, phys, npages * 4096);
	for (i = 0; i < npages * 512; i++)
		EXPECT(mem[i] == scribble_word(phys + 8 * i));
	EXPECT(scribble_verify(mem, phys, npages * 4096, &bad));
	/* The same memory checked as if at another address fails at once. */
	EXPECT(!scribble_verify(mem, phys + 4096, 4096, &bad) && bad == 0);
	/* A word read back names the address it was written for. */
	EXPECT((mem[700] ^ SCRIBBLE_KEY) == phys + 8 * 700);

	/* Each single-word change is found at its offset. */
	for (i = 0; i < npages * 512; i += 37) {
		uint64_t keep = mem[i];

		mem[i] ^= 1ull << (i % 64);
		EXPECT(!scribble_verify(mem, phys, npages * 4096, &bad) && bad == 8 * i);
		mem[i] = keep;
	}
	/* Aliasing: page 2 is a copy of page 1 (both written through one
	 * physical page), found at page 2's first word, holding page 1's
	 * pattern. */
	memcpy(mem + 1024, mem + 512, 4096);
	EXPECT(!scribble_verify(mem, phys, npages * 4096, &bad) && bad == 2 * 4096);
	EXPECT((mem[bad / 8] ^ SCRIBBLE_KEY) == phys + 4096);
	free(mem);

	/* Full: each usable entry as one run. */
	EXPECT(scribble_runs(map, n, 1, log_run, &log) == 0x1000 + 0x101000 + 0x100000 + 0x201000);
	EXPECT(log.n == 4 && log.phys[0] == 0x1000 && log.bytes[0] == 0x1000 &&
	       log.phys[1] == 0x100000 && log.bytes[1] == 0x101000 &&
	       log.phys[3] == 0x400000 && log.bytes[3] == 0x201000);

	/* Sampled: first, last and every 256th page, one page per run. */
	memset(&log, 0, sizeof log);
	EXPECT(scribble_runs(map, n, 0, log_run, &log) == 8 * 0x1000);
	EXPECT(log.n == 8);
	EXPECT(log.phys[0] == 0x1000);                             /* 1 page    */
	EXPECT(log.phys[1] == 0x100000 && log.phys[2] == 0x200000); /* 0, 256    */
	EXPECT(log.phys[3] == 0x300000 && log.phys[4] == 0x3ff000); /* 0, 255    */
	EXPECT(log.phys[5] == 0x400000 && log.phys[6] == 0x500000 &&
	       log.phys[7] == 0x600000);                            /* 0,256,512 */
	for (i = 0; i < 8; i++)
		EXPECT(log.bytes[i] == 0x1000);

	/* A nonzero return stops it, with the bytes passed before. */
	memset(&log, 0, sizeof log);
	log.stop_after = 3;
	EXPECT(scribble_runs(map, n, 0, log_run, &log) == 2 * 0x1000 && log.n == 3);
}

int main(void)
{
	test_mmap();
	test_page_tables();
	test_pattern();
	test_gdt();
	test_load_times();
	test_fnv();
	test_scribble();
	test_zero_and_strings();
	if (failures) {
		fprintf(stderr, "host_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("host_test: all checks passed\n");
	return 0;
}
