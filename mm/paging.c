/*
 * paging.c - Runway's own x86-64 page tables, 4-level or 5-level (the root
 * a PML5, for CR4.LA57) (DESIGN.md step 7).
 *
 * The architecture's entry bits are defined here and nowhere else; callers
 * speak in MM_MAP_* flags.  Tables come from one pre-claimed pool whose size
 * mm_pt_count computes exactly beforehand, so building never calls firmware.
 * Leaves are as large as alignment allows: 1 GiB (when the CPU has them),
 * 2 MiB, else 4 KiB.
 */
#include "mm.h"

#include <string.h>

/* Intel SDM vol. 3A, section 4.5: 4-level paging entry bits. */
#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)  /* large page, in PDPTEs and PDEs */
#define PTE_PAT4K (1ull << 7) /* PAT index bit 2, in 4 KiB PTEs */
#define PTE_PATLG (1ull << 12) /* the same, in 2 MiB and 1 GiB entries */
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define SIZE_4K (1ull << 12)
#define SIZE_2M (1ull << 21)
#define SIZE_1G (1ull << 30)

/* The largest leaf that can map virt -> phys with `left` bytes to go. */
static uint64_t leaf_size(uint64_t virt, uint64_t phys, uint64_t left,
			  bool huge_1g)
{
	uint64_t both = virt | phys;

	if (huge_1g && !(both & (SIZE_1G - 1)) && left >= SIZE_1G)
		return SIZE_1G;
	if (!(both & (SIZE_2M - 1)) && left >= SIZE_2M)
		return SIZE_2M;
	return SIZE_4K;
}

/* Counts distinct keys (virt >> shift) over a sorted sequence of leaves. */
struct key_count {
	uint64_t last;
	bool any;
	uint64_t n;
};

static void count_keys(struct key_count *k, uint64_t first, uint64_t last)
{
	if (k->any && first == k->last)
		first++;
	if (last >= first)
		k->n += last - first + 1;
	k->last = last;
	k->any = true;
}

uint64_t mm_pt_count_levels(const struct mm_mapping *maps, size_t n,
			    bool huge_1g, bool la57)
{
	/* Tables needed: PTs for 4 KiB leaves (one per 2 MiB of virtual
	 * space touched), PDs for 4 KiB and 2 MiB leaves (per 1 GiB), PDPTs
	 * for every leaf (per 512 GiB), with 5 levels PML4s (per 256 TiB),
	 * and the root. */
	struct key_count pt = { 0 }, pd = { 0 }, pdpt = { 0 }, pml4 = { 0 };

	for (size_t m = 0; m < n; m++) {
		uint64_t v = maps[m].virt, p = maps[m].phys, left = maps[m].size;
		while (left) {
			uint64_t sz = leaf_size(v, p, left, huge_1g);
			/* Extend over a stretch of equal leaves at once. */
			uint64_t span = sz;
			while (span < left &&
			       leaf_size(v + span, p + span, left - span, huge_1g) == sz &&
			       span < (1ull << 39))
				span += sz;
			uint64_t last = v + span - 1;
			if (sz == SIZE_4K)
				count_keys(&pt, v >> 21, last >> 21);
			if (sz != SIZE_1G)
				count_keys(&pd, v >> 30, last >> 30);
			count_keys(&pdpt, v >> 39, last >> 39);
			count_keys(&pml4, v >> 48, last >> 48);
			v += span;
			p += span;
			left -= span;
		}
	}
	return 1 + (la57 ? pml4.n : 0) + pdpt.n + pd.n + pt.n;
}

uint64_t mm_pt_count(const struct mm_mapping *maps, size_t n, bool huge_1g)
{
	return mm_pt_count_levels(maps, n, huge_1g, false);
}

static uint64_t *table(const struct mm_pt *pt, uint64_t phys)
{
	return pt->phys_to_ptr(pt->ctx, phys);
}

/* The table an entry points to, created from the pool when absent. */
static uint64_t *next_table(struct mm_pt *pt, uint64_t *entry,
			    struct rw_err *err)
{
	if (*entry & PTE_P) {
		if (*entry & PTE_PS) {
			rw_fail(err, "page tables: mapping over a large page");
			return NULL;
		}
		return table(pt, *entry & PTE_ADDR);
	}
	if (pt->used == pt->pool_pages) {
		rw_fail(err, "page tables: pool of %" PRIu64 " pages exhausted",
			pt->pool_pages);
		return NULL;
	}
	uint64_t phys = pt->pool + (pt->used++ << MM_PAGE_SHIFT);
	uint64_t *t = table(pt, phys);
	memset(t, 0, MM_PAGE_SIZE);
	/* Intermediate entries allow everything; the leaf decides. */
	*entry = phys | PTE_P | PTE_W;
	return t;
}

static unsigned idx(uint64_t virt, unsigned shift)
{
	return (virt >> shift) & 511;
}

/* Bits 63..47 all equal to bit 47 (4-level paging), or 63..56 to bit 56
 * (5-level): SDM vol. 3A, 4.5.  The tables index only the bits below, so
 * a non-canonical address would alias a canonical one. */
static bool canonical(const struct mm_pt *pt, uint64_t virt)
{
	unsigned top = pt->la57 ? 56 : 47;

	return (virt >> top) == 0 || (virt >> top) == (UINT64_MAX >> top);
}

/* [virt, virt + size) inside one canonical half, without wrapping. */
static bool canonical_range(const struct mm_pt *pt, uint64_t virt,
			    uint64_t size)
{
	uint64_t last = virt + size - 1;

	if (size == 0)
		return true;
	return last >= virt && canonical(pt, virt) && canonical(pt, last) &&
	       (virt >> 63) == (last >> 63);
}

static int map_one(struct mm_pt *pt, uint64_t virt, uint64_t phys,
		   uint64_t size, uint32_t flags, struct rw_err *err)
{
	uint64_t leaf = phys | PTE_P;
	if (flags & MM_MAP_WRITE)
		leaf |= PTE_W;
	if (!(flags & MM_MAP_EXEC) && pt->nx)
		leaf |= PTE_NX;
	/* Write-combining is PAT entry 5 (PAT=1, PCD=0, PWT=1) in the layout
	 * the hand-off programs (efi/trampoline.S, set_pat). */
	if (flags & MM_MAP_WC)
		leaf |= PTE_PWT | (size == SIZE_4K ? PTE_PAT4K : PTE_PATLG);

	uint64_t *pml4 = table(pt, pt->root);
	if (pt->la57) {
		pml4 = next_table(pt, &pml4[idx(virt, 48)], err);
		if (!pml4)
			return -1;
	}
	uint64_t *pdpt = next_table(pt, &pml4[idx(virt, 39)], err);
	if (!pdpt)
		return -1;
	uint64_t *e = &pdpt[idx(virt, 30)];
	if (size != SIZE_1G) {
		uint64_t *pd = next_table(pt, e, err);
		if (!pd)
			return -1;
		e = &pd[idx(virt, 21)];
		if (size != SIZE_2M) {
			uint64_t *ptab = next_table(pt, e, err);
			if (!ptab)
				return -1;
			e = &ptab[idx(virt, 12)];
		}
	}
	if (*e & PTE_P)
		return rw_fail(err, "page tables: 0x%" PRIx64 " mapped twice",
			       virt);
	*e = leaf | (size != SIZE_4K ? PTE_PS : 0);
	return 0;
}

int mm_pt_map_all(struct mm_pt *pt, const struct mm_mapping *maps, size_t n,
		  struct rw_err *err)
{
	if (pt->used == 0) {
		if (pt->pool_pages == 0)
			return rw_fail(err, "page tables: empty pool");
		pt->root = pt->pool;
		pt->used = 1;
		memset(table(pt, pt->root), 0, MM_PAGE_SIZE);
	}
	for (size_t m = 0; m < n; m++) {
		const struct mm_mapping *mp = &maps[m];
		if ((mp->virt | mp->phys | mp->size) & (SIZE_4K - 1))
			return rw_fail(err, "page tables: unaligned mapping 0x%" PRIx64 " -> 0x%" PRIx64 " size 0x%" PRIx64,
				       mp->virt, mp->phys, mp->size);
		if (!canonical_range(pt, mp->virt, mp->size))
			return rw_fail(err, "page tables: mapping 0x%" PRIx64 " size 0x%" PRIx64 " is not canonical for %d-level paging",
				       mp->virt, mp->size, pt->la57 ? 5 : 4);
		uint64_t v = mp->virt, p = mp->phys, left = mp->size;
		while (left) {
			uint64_t sz = leaf_size(v, p, left, pt->huge_1g);
			if (map_one(pt, v, p, sz, mp->flags, err))
				return -1;
			v += sz;
			p += sz;
			left -= sz;
		}
	}
	return 0;
}

bool mm_pt_walk(const struct mm_pt *pt, uint64_t virt, uint64_t *ret_phys,
		uint32_t *ret_flags, uint64_t *ret_page_size)
{
	uint64_t t = pt->root;
	uint32_t flags = MM_MAP_WRITE | MM_MAP_EXEC;

	if (!canonical(pt, virt))
		return false;
	for (unsigned shift = pt->la57 ? 48 : 39;; shift -= 9) {
		uint64_t e = table(pt, t)[idx(virt, shift)];
		if (!(e & PTE_P))
			return false;
		if (!(e & PTE_W))
			flags &= ~MM_MAP_WRITE;
		if (e & PTE_NX)
			flags &= ~MM_MAP_EXEC;
		if (shift == 12 || (e & PTE_PS)) {
			uint64_t size = 1ull << shift;
			/* PAT index 5 only: PAT and PWT set, PCD clear. */
			uint64_t pat = shift == 12 ? PTE_PAT4K : PTE_PATLG;
			if ((e & (pat | PTE_PCD | PTE_PWT)) == (pat | PTE_PWT))
				flags |= MM_MAP_WC;
			uint64_t base = e & PTE_ADDR & ~(size - 1);
			*ret_phys = base | (virt & (size - 1));
			*ret_flags = flags;
			*ret_page_size = size;
			return true;
		}
		t = e & PTE_ADDR;
	}
}
