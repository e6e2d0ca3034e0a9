/*
 * memory.c - the full Limine test kernel's memory checks: the memory map,
 * the page tables, the HHDM (and revision 0's identity map), the kernel
 * image's placement, stacks, the record of loader data (lim_data) with
 * its digest, and the scribble over usable memory.
 *
 * Every address the loader hands over is walked through the live page
 * tables (tests/kernel/checks.c pt_translate, tables read through the
 * HHDM) before it is read, so a bad pointer is a FAIL, not a fault.
 */
#include <stdint.h>

#include "cpu.h"
#include "kernel.h"
#include "report.h"

/* From limine.ld.S. */
extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];

#define PTE_US (1ull << 2)
#define FOUR_GIB (4 * GIB)

static struct lp_memmap_entry map_copy[LIM_MAX_MAP];

/* ---- walking ------------------------------------------------------------- */

void mem_translate(const struct kctx *c, uint64_t virt, const char *what,
                   struct pt_walk *w)
{
	enum pt_status s = pt_translate(c->cr3, c->levels, c->hhdm, virt, w);

	if (s != PT_OK)
		lim_fail("%s: virtual %#lx does not translate: %s (level %d entry %#lx, CR3 %#lx)",
		         what, virt, pt_status_name(s), w->fail_level, w->fail_entry, c->cr3);
}

uint64_t mem_leaf(const struct kctx *c, uint64_t virt, const struct pt_walk *w)
{
	int level = c->levels - (w->ntables - 1);
	uint64_t index = (virt >> (12 + 9 * (level - 1))) & 511;

	return ((const uint64_t *)(c->hhdm + w->table[w->ntables - 1]))[index];
}

static const char *region_of(const struct kctx *c, uint64_t phys)
{
	uint64_t i;

	for (i = 0; i < c->nmap; i++)
		if (c->map[i].base <= phys && phys - c->map[i].base < c->map[i].length)
			return lc_mmap_type_name(c->map[i].type);
	return "unlisted";
}

uint64_t mem_hhdm_range(const struct kctx *c, uint64_t virt, uint64_t len,
                        const char *what)
{
	uint64_t page, last;
	struct pt_walk w;

	if (virt < c->hhdm || len > UINT64_MAX - virt)
		lim_fail("%s at %#lx (%#lx bytes) is not an HHDM address (offset %#lx)",
		         what, virt, len, c->hhdm);
	last = PAGE_DOWN(virt + (len ? len - 1 : 0));
	for (page = PAGE_DOWN(virt);; page += PAGE_SIZE) {
		mem_translate(c, page, what, &w);
		if (w.phys != page - c->hhdm)
			lim_fail("%s: HHDM page %#lx maps physical %#lx, want %#lx",
			         what, page, w.phys, page - c->hhdm);
		if (page == last)
			break;
	}
	return virt - c->hhdm;
}

/* ---- loader data and its digest ------------------------------------------- */

#define MAX_REGIONS 1024

struct region {
	uint64_t virt, len, hash;
	const char *what;
};
static struct region regions[MAX_REGIONS], saved[MAX_REGIONS];
static uint64_t nregions, nsaved;

uint64_t lim_data(const struct kctx *c, uint64_t virt, uint64_t len, uint64_t type,
                  const char *what)
{
	uint64_t phys = mem_hhdm_range(c, virt, len, what), bad;

	if (!lc_mmap_covers(c->map, c->nmap, phys, len, type, &bad))
		lim_fail("%s (physical %#lx, %#lx bytes): physical %#lx is in %s memory, want %s",
		         what, phys, len, bad, region_of(c, bad), lc_mmap_type_name(type));
	if (nregions == MAX_REGIONS)
		lim_fail("more than %u pieces of loader data to record (%s)", MAX_REGIONS, what);
	regions[nregions].virt = virt;
	regions[nregions].len = len;
	regions[nregions].what = what;
	nregions++;
	return phys;
}

const char *lim_string(const struct kctx *c, uint64_t virt, uint64_t max,
                       const char *what)
{
	const char *s = (const char *)virt;
	uint64_t len;

	mem_hhdm_range(c, virt, 1, what);
	for (len = 0; s[len]; len++) {
		if (len >= max)
			lim_fail("%s at %#lx is not NUL-terminated within %lu bytes", what, virt, max);
		if ((virt + len + 1) % PAGE_SIZE == 0)
			mem_hhdm_range(c, virt + len + 1, 1, what);
	}
	lim_data(c, virt, len + 1, RECLAIM, what);
	return s;
}

void lim_data_reset(void)
{
	nregions = 0;
}

uint64_t lim_data_count(void)
{
	return nregions;
}

void lim_data_hash(void)
{
	uint64_t i;

	for (i = 0; i < nregions; i++)
		regions[i].hash = fnv1a64(FNV1A64_INIT, (const void *)regions[i].virt,
		                          regions[i].len);
}

void lim_data_save(void)
{
	uint64_t i;

	for (i = 0; i < nregions; i++)
		saved[i] = regions[i];
	nsaved = nregions;
}

void lim_data_compare(void)
{
	uint64_t i;

	lim_phase = "loader data after the scribble";
	if (nregions != nsaved)
		lim_fail("after the scribble the responses name %lu pieces of loader data, before it %lu",
		         nregions, nsaved);
	for (i = 0; i < nregions; i++) {
		const struct region *a = &saved[i], *b = &regions[i];

		if (a->virt != b->virt || a->len != b->len)
			lim_fail("%s moved during the scribble: %#lx (%#lx bytes), was %#lx (%#lx bytes)",
			         b->what, b->virt, b->len, a->virt, a->len);
		if (a->hash != b->hash)
			lim_fail("%s at %#lx (%#lx bytes) changed during the scribble: FNV-1a %016lx, was %016lx",
			         b->what, b->virt, b->len, b->hash, a->hash);
	}
}

/* ---- the memory map ---------------------------------------------------------- */

/* Copies the map (each entry checked mapped first) and validates it. */
void mem_check_memmap(struct kctx *c)
{
	const struct lp_memmap_response *r;
	const uint64_t *entries;
	enum lc_mmap_error err;
	uint64_t resp = response_of(&lim_memmap_req), i, n;

	lim_phase = "memory map";
	if (!resp)
		lim_fail("no memory map response");
	mem_hhdm_range(c, resp, sizeof *r, "memory map response");
	r = (const struct lp_memmap_response *)resp;
	n = r->entry_count;
	if (n == 0 || n > LIM_MAX_MAP)
		lim_fail("memory map entry_count is %lu, want 1..%u", n, LIM_MAX_MAP);
	mem_hhdm_range(c, r->entries, n * 8, "memory map entry pointer array");
	entries = (const uint64_t *)r->entries;
	for (i = 0; i < n; i++) {
		mem_hhdm_range(c, entries[i], sizeof map_copy[0], "memory map entry");
		map_copy[i] = *(const struct lp_memmap_entry *)entries[i];
	}
	err = lc_mmap_validate(map_copy, n, &i);
	if (err != LC_MMAP_OK)
		lim_fail("memory map entry %lu (base %#lx length %#lx type %lu) of %lu: %s",
		         i, map_copy[i].base, map_copy[i].length, map_copy[i].type, n,
		         lc_mmap_error_name(err));
	c->map = map_copy;
	c->nmap = n;
}

/* The map as handed over again: recorded, and unchanged since the copy. */
void mem_memmap_handover(const struct kctx *c)
{
	const struct lp_memmap_response *r;
	const uint64_t *entries;
	uint64_t resp = response_of(&lim_memmap_req), i;

	lim_phase = "memory map response";
	if (!resp)
		lim_fail("the memory map response is gone");
	lim_data(c, resp, sizeof *r, RECLAIM, "memory map response");
	r = (const struct lp_memmap_response *)resp;
	if (r->entry_count != c->nmap)
		lim_fail("memory map entry_count is now %lu, was %lu", r->entry_count, c->nmap);
	lim_data(c, r->entries, c->nmap * 8, RECLAIM, "memory map entry pointer array");
	entries = (const uint64_t *)r->entries;
	for (i = 0; i < c->nmap; i++) {
		const struct lp_memmap_entry *e = (const struct lp_memmap_entry *)entries[i];

		lim_data(c, entries[i], sizeof *e, RECLAIM, "memory map entry");
		if (e->base != c->map[i].base || e->length != c->map[i].length ||
		    e->type != c->map[i].type)
			lim_fail("memory map entry %lu is now base %#lx length %#lx type %lu, was %#lx %#lx %lu",
			         i, e->base, e->length, e->type, c->map[i].base,
			         c->map[i].length, c->map[i].type);
	}
}

/* ---- page tables --------------------------------------------------------------- */

static int table_in_reclaimable(void *arg, uint64_t phys, int level, uint64_t virt)
{
	const struct kctx *c = arg;
	uint64_t bad;

	if (!lc_mmap_covers(c->map, c->nmap, phys, PAGE_SIZE, RECLAIM, &bad))
		lim_fail("page table at physical %#lx (level %d, for virtual %#lx) is in %s memory, want bootloader-reclaimable",
		         phys, level, virt, region_of(c, phys));
	return 0;
}

void mem_check_tables(const struct kctx *c)
{
	struct pt_visitor v = { table_in_reclaimable, 0, 0 };
	struct pt_walk w;
	enum pt_status s;

	lim_phase = "page tables";
	v.arg = (void *)c;
	s = pt_walk_tree(c->cr3, c->levels, c->hhdm, &v, &w);
	if (s != PT_OK)
		lim_fail("page tables (CR3 %#lx): %s at virtual %#lx, level %d entry %#lx",
		         c->cr3, pt_status_name(s), w.phys, w.fail_level, w.fail_entry);
}

/* ---- the HHDM and the identity map ---------------------------------------------- */

#define ANY_CACHE 99u

/* The PAT index the spec gives memory of this type (ANY_CACHE: not said
 * here, e.g. MMIO holes swept as part of [0, 4 GiB)). */
static unsigned want_cache(uint64_t type)
{
	switch (type) {
	case LP_MEMMAP_FRAMEBUFFER:
		return LC_PAT_WC;
	case LP_MEMMAP_USABLE:
	case LP_MEMMAP_BOOTLOADER_RECLAIMABLE:
	case LP_MEMMAP_KERNEL_AND_MODULES:
		return LC_PAT_WB;
	}
	return ANY_CACHE;
}

/*
 * Requires every page of physical [start, end) to be mapped at off + p,
 * supervisor, writable, with the cache type of `type` (UINT64_MAX: any),
 * leaf by leaf.
 */
static void sweep(const struct kctx *c, uint64_t start, uint64_t end, uint64_t off,
                  uint64_t type, const char *what)
{
	unsigned want = type == UINT64_MAX ? ANY_CACHE : want_cache(type);
	uint64_t p = PAGE_DOWN(start);

	while (p < end) {
		struct pt_walk w;
		enum pt_status s = pt_translate(c->cr3, c->levels, c->hhdm, off + p, &w);
		uint64_t leaf;
		unsigned pat;

		if (s != PT_OK)
			lim_fail("%s: physical %#lx (%s) at virtual %#lx is not mapped: %s (level %d entry %#lx)",
			         what, p, region_of(c, p), off + p, pt_status_name(s),
			         w.fail_level, w.fail_entry);
		leaf = mem_leaf(c, off + p, &w);
		pat = lc_pte_pat_index(leaf, w.page_size > PAGE_SIZE);
		if (w.phys != p)
			lim_fail("%s: virtual %#lx maps physical %#lx, want %#lx", what, off + p,
			         w.phys, p);
		if (!w.writable || (leaf & PTE_US))
			lim_fail("%s: virtual %#lx (physical %#lx, %s) is %s, want supervisor read-write",
			         what, off + p, p, region_of(c, p),
			         w.writable ? "user-accessible" : "read-only");
		if (want != ANY_CACHE && pat != want)
			lim_fail("%s: virtual %#lx (physical %#lx, %s) uses PAT entry %u, want %u (%s)",
			         what, off + p, p, lc_mmap_type_name(type), pat, want,
			         want == LC_PAT_WC ? "write-combining" : "write-back");
		p = (p & ~(w.page_size - 1)) + w.page_size;
	}
}

void mem_check_hhdm(const struct kctx *c)
{
	uint64_t i;

	lim_phase = "HHDM";
	if (c->revision <= 2)
		sweep(c, 0, FOUR_GIB, c->hhdm, UINT64_MAX, "HHDM of [0, 4 GiB)");
	for (i = 0; i < c->nmap; i++) {
		const struct lp_memmap_entry *e = &c->map[i];

		if (lc_hhdm_maps_type(e->type, c->revision))
			sweep(c, e->base, e->base + e->length, c->hhdm, e->type, "HHDM");
	}
}

void mem_check_identity(const struct kctx *c)
{
	uint64_t i;

	lim_phase = "identity map (base revision 0)";
	sweep(c, 0x1000, FOUR_GIB, 0, UINT64_MAX, "identity map of [0x1000, 4 GiB)");
	for (i = 0; i < c->nmap; i++) {
		const struct lp_memmap_entry *e = &c->map[i];
		uint64_t start = e->base < 0x1000 ? 0x1000 : e->base;

		if (e->base + e->length > start)
			sweep(c, start, e->base + e->length, 0, e->type, "identity map");
	}
}

void mem_check_framebuffer(const struct kctx *c, uint64_t virt, uint64_t len)
{
	uint64_t phys = mem_hhdm_range(c, virt, len, "framebuffer"), bad;

	if (!lc_mmap_covers(c->map, c->nmap, phys, len, LP_MEMMAP_FRAMEBUFFER, &bad))
		lim_fail("framebuffer (physical %#lx, %#lx bytes): physical %#lx is in %s memory, want a framebuffer entry of the memory map",
		         phys, len, bad, region_of(c, bad));
	sweep(c, phys, phys + len, c->hhdm, LP_MEMMAP_FRAMEBUFFER, "framebuffer");
}

/* ---- the kernel image -------------------------------------------------------------- */

struct part {
	const char *name;
	uint64_t start, end; /* virtual, [start, end) */
	int writable, executable;
};

static void check_part(const struct kctx *c, const struct part *g)
{
	uint64_t page, bad;
	struct pt_walk w;

	for (page = PAGE_DOWN(g->start); page < g->end; page += PAGE_SIZE) {
		uint64_t want = c->pbase + (page - c->vbase), leaf;

		mem_translate(c, page, g->name, &w);
		leaf = mem_leaf(c, page, &w);
		if (w.phys != want)
			lim_fail("kernel %s page %#lx maps physical %#lx, want physical_base + (virt - virtual_base) = %#lx: the image is not physically contiguous",
			         g->name, page, w.phys, want);
		if (!lc_mmap_covers(c->map, c->nmap, w.phys, PAGE_SIZE,
		                    LP_MEMMAP_KERNEL_AND_MODULES, &bad))
			lim_fail("kernel %s page %#lx (physical %#lx) is in %s memory, want executable-and-modules",
			         g->name, page, w.phys, region_of(c, bad));
		if (w.writable != g->writable)
			lim_fail("kernel %s page %#lx is %s, want %s", g->name, page,
			         w.writable ? "writable" : "read-only",
			         g->writable ? "writable" : "read-only");
		if ((g->executable && !w.executable) || (!g->executable && c->nxe && w.executable))
			lim_fail("kernel %s page %#lx is %s", g->name, page,
			         w.executable ? "executable, want NX" : "not executable");
		if ((leaf & PTE_US) || lc_pte_pat_index(leaf, w.page_size > PAGE_SIZE) != LC_PAT_WB)
			lim_fail("kernel %s page %#lx: leaf entry %#lx is user-accessible or not write-back",
			         g->name, page, leaf);
	}
}

void mem_check_kernel_image(struct kctx *c)
{
	const struct part parts[] = {
		{ "text", (uint64_t)__text_start, (uint64_t)__text_end, 0, 1 },
		{ "rodata", (uint64_t)__rodata_start, (uint64_t)__rodata_end, 0, 0 },
		{ "requests and data", (uint64_t)__data_start, (uint64_t)__data_end, 1, 0 },
		{ "bss", (uint64_t)__bss_start, (uint64_t)__bss_end, 1, 0 },
	};
	const struct lp_kernel_address_response *ka;
	uint64_t resp = response_of(&lim_kernel_address_req);
	unsigned i;

	lim_phase = "kernel image";
	if (!resp)
		lim_fail("no kernel address response");
	lim_data(c, resp, sizeof *ka, RECLAIM, "kernel address response");
	ka = (const struct lp_kernel_address_response *)resp;
	c->vbase = ka->virtual_base;
	c->pbase = ka->physical_base;
	if (c->vbase != (uint64_t)__kernel_start)
		lim_fail("kernel address virtual_base is %#lx, but the kernel runs at %#lx",
		         c->vbase, (uint64_t)__kernel_start);
	if (c->vbase < LIM_KERNEL_FLOOR)
		lim_fail("the kernel runs at %#lx, below %#lx (the spec's lowest base)",
		         c->vbase, LIM_KERNEL_FLOOR);
	if (c->pbase % PAGE_SIZE)
		lim_fail("kernel address physical_base %#lx is not 4 KiB aligned", c->pbase);
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++)
		check_part(c, &parts[i]);
}

/* ---- stacks ------------------------------------------------------------------------- */

void mem_check_stack(const struct kctx *c, uint64_t rsp, const char *what)
{
	uint64_t top = rsp + 8, page, bad;
	struct pt_walk w;

	lim_phase = what;
	for (page = PAGE_DOWN(top - LIM_STACK_SIZE); page < top; page += PAGE_SIZE) {
		mem_translate(c, page, what, &w);
		if (!w.writable)
			lim_fail("%s: page %#lx (%lu KiB below the entry RSP %#lx) is read-only",
			         what, page, (rsp - page) / KIB, rsp);
		if (!lc_mmap_covers(c->map, c->nmap, PAGE_DOWN(w.phys), PAGE_SIZE, RECLAIM, &bad))
			lim_fail("%s: page %#lx (physical %#lx, %lu KiB below the entry RSP %#lx) is in %s memory, want bootloader-reclaimable (a %lu KiB stack was asked for)",
			         what, page, w.phys, (rsp - page) / KIB, rsp, region_of(c, w.phys),
			         LIM_STACK_SIZE / KIB);
	}
}

void mem_check_bss_zero(void)
{
	uint64_t bad;

	lim_phase = ".bss";
	if (!zero_check(__bss_start, (uint64_t)(__bss_end - __bss_start), &bad))
		lim_fail(".bss byte at %#lx (offset %#lx of %#lx) is %#x, want 0",
		         (uint64_t)__bss_start + bad, bad, (uint64_t)(__bss_end - __bss_start),
		         (unsigned char)__bss_start[bad]);
}

/* ---- the scribble --------------------------------------------------------------------- */

static struct runway_mmap_entry usable[LIM_MAX_MAP];

struct scribble {
	uint64_t hhdm;
	int verify;
	uint64_t bad_phys, bad_value;
};

static int scribble_run(void *arg, uint64_t phys, uint64_t bytes)
{
	struct scribble *sc = arg;
	uint64_t *p = (uint64_t *)(sc->hhdm + phys), off;

	if (!sc->verify) {
		scribble_fill(p, phys, bytes);
		return 0;
	}
	if (scribble_verify(p, phys, bytes, &off))
		return 0;
	sc->bad_phys = phys + off;
	sc->bad_value = p[off / 8];
	return 1;
}

/*
 * Writes the physical-address pattern (checks.h scribble_word) over the
 * first and last page of every usable entry and every 256th page between,
 * through the HHDM, and reads it back.  Returns the bytes written.
 */
uint64_t mem_scribble(const struct kctx *c)
{
	struct scribble sc = { c->hhdm, 0, 0, 0 };
	uint64_t n = 0, i, written, checked;

	lim_phase = "scribble";
	for (i = 0; i < c->nmap; i++) {
		if (c->map[i].type != LP_MEMMAP_USABLE)
			continue;
		usable[n].base = c->map[i].base;
		usable[n].length = c->map[i].length;
		usable[n].type = RUNWAY_MEM_USABLE;
		n++;
	}
	written = scribble_runs(usable, n, 0, scribble_run, &sc);
	sc.verify = 1;
	checked = scribble_runs(usable, n, 0, scribble_run, &sc);
	if (checked != written)
		lim_fail("scribble: usable physical %#lx reads %#lx after the scribble, want %#lx (another usable page aliases it, or something else writes there)",
		         sc.bad_phys, sc.bad_value, scribble_word(sc.bad_phys));
	return written;
}
