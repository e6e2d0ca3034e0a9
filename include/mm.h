/*
 * mm.h - physical memory: the firmware map, the free-run allocator and the
 * x86-64 page tables.  Pure logic: nothing here calls firmware.  Side effects
 * (claiming and releasing pages) come in through struct mm_fw so that the
 * same code runs in the loader, in host tests, fuzzers and benchmarks.
 */
#ifndef RUNWAY_MM_H
#define RUNWAY_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define MM_PAGE_SHIFT 12
#define MM_PAGE_SIZE  4096ull
#define MM_PAGES(bytes) (((bytes) + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT)

/*
 * A firmware memory descriptor (UEFI 2.10 section 7.2, GetMemoryMap).  The
 * firmware's descriptor size may be larger than this structure: always step
 * through a map by the size the firmware reports.
 */
struct mm_efi_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t pages;
	uint64_t attribute;
};
_Static_assert(sizeof(struct mm_efi_desc) == 40, "EFI_MEMORY_DESCRIPTOR v1");

/* Firmware memory types (UEFI 2.10 table 7-6) that the code names. */
enum {
	MM_EFI_RESERVED = 0,
	MM_EFI_LOADER_CODE = 1,
	MM_EFI_LOADER_DATA = 2,
	MM_EFI_BS_CODE = 3,
	MM_EFI_BS_DATA = 4,
	MM_EFI_RT_CODE = 5,
	MM_EFI_RT_DATA = 6,
	MM_EFI_CONVENTIONAL = 7,
	MM_EFI_UNUSABLE = 8,
	MM_EFI_ACPI_RECLAIM = 9,
	MM_EFI_ACPI_NVS = 10,
	MM_EFI_PERSISTENT = 14,
	/* OS-defined types (0x80000000 and up) Runway claims its pages with,
	 * so that the final map tells kernel and module pages apart. */
	MM_EFI_RUNWAY_KERNEL = 0x80525701,
	MM_EFI_RUNWAY_MODULE = 0x80525702,
};

/*
 * What a range of physical memory is, in increasing order of restriction:
 * where two firmware descriptors overlap, the larger kind wins.
 */
enum mm_kind {
	MM_USABLE = 0,        /* conventional memory: free for us     */
	MM_BOOT_SERVICES,     /* firmware's; free after ExitBootServices */
	MM_LOADER,            /* loader code/data: reclaimable           */
	MM_KERNEL,            /* claimed for kernel segments             */
	MM_MODULE,            /* claimed for modules                     */
	MM_ACPI_RECLAIM,
	MM_ACPI_NVS,
	MM_RESERVED,          /* runtime services, MMIO, unknown types   */
	MM_BAD,
	MM_KIND_COUNT
};

const char *mm_kind_name(enum mm_kind kind);
enum mm_kind mm_kind_of_efi(uint32_t efi_type);

/* A normalized range of physical memory, [base, end). */
struct mm_region {
	uint64_t base;
	uint64_t end;
	uint32_t kind; /* enum mm_kind */
	uint32_t src;  /* index of the firmware descriptor it came from */
};

/*
 * Walking a firmware map buffer (map_size bytes, descriptors desc_size
 * apart, as GetMemoryMap reports them).  A desc_size too small to hold
 * struct mm_efi_desc (0 included) makes the map empty: these never divide
 * by zero or loop for ever; mm_normalize reports such a map as an error.
 */
/* The number of whole descriptors in the map (0 for a bad desc_size). */
size_t mm_efi_desc_count(size_t map_size, size_t desc_size);
/* Descriptor i, or NULL past the last whole one (at once for a bad
 * desc_size): the one walker, `for (i = 0; (d = mm_efi_desc_at(...)); i++)`.
 * The map must be aligned for struct mm_efi_desc (a firmware buffer is). */
const struct mm_efi_desc *mm_efi_desc_at(const void *map, size_t map_size,
					 size_t desc_size, size_t i);
/* Bytes of conventional memory the map describes (clipped at 2^64, the
 * sum saturating at UINT64_MAX); 0 for a bad desc_size. */
uint64_t mm_efi_free_bytes(const void *map, size_t map_size, size_t desc_size);

/* Bytes of scratch mm_normalize needs for a map of ndesc descriptors. */
size_t mm_normalize_scratch(size_t ndesc);

/*
 * Turn a firmware memory map into sorted, non-overlapping regions.
 * Descriptors are read map_size / desc_size at a time, desc_size apart.
 * Zero-length entries are dropped, overlaps resolved in favour of the more
 * restrictive kind, neighbours of one kind merged (usable neighbours only
 * when they come from the same descriptor: firmware refuses one claim that
 * spans two of its descriptors), usable memory trimmed to whole pages and
 * page 0 removed.  out must hold 2 * ndesc regions.
 * Returns 0 and *ret_count, or -1 with err set.
 */
int mm_normalize(const void *map, size_t map_size, size_t desc_size,
		 struct mm_region *out, size_t out_cap, void *scratch,
		 size_t scratch_size, size_t *ret_count, struct rw_err *err);

/* ---- the direct map (directmap.c) ---- */

/*
 * Physical memory the 4-level direct map can hold: it starts at
 * 0xffff800000000000 (RUNWAY_HHDM_OFFSET), so 2^64 minus that, 128 TiB.
 */
#define MM_DIRECT_MAP_LIMIT (1ull << 47)

/* What mm_clip dropped. */
struct mm_clip_info {
	size_t regions;        /* regions dropped or cut */
	uint64_t bytes;        /* bytes dropped (saturating at UINT64_MAX) */
	uint64_t usable_bytes; /* of them usable or boot-services memory */
	uint64_t low, high;    /* lowest dropped address, highest end */
};

/*
 * Drop what lies at or above limit (a multiple of 4 KiB) from the sorted
 * regions r[0..n), cutting a region across it; returns the new count and
 * says in *ret_info what was dropped.
 */
size_t mm_clip(struct mm_region *r, size_t n, uint64_t limit,
	       struct mm_clip_info *ret_info);

/*
 * The direct map's size for the regions r[0..n): their top rounded up to
 * 1 GiB, at least 4 GiB, never more than MM_DIRECT_MAP_LIMIT.
 */
uint64_t mm_direct_map_size(const struct mm_region *r, size_t n);

/* Do [a, a + alen) and [b, b + blen) overlap?  Ranges may end at 2^64;
 * computed without wrapping. */
bool mm_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

/* The seam to firmware: claim exactly [base, base + pages * 4 KiB). */
struct mm_fw {
	void *ctx;
	/* Returns 0 on success, else a nonzero status (logged by the caller). */
	uint64_t (*claim)(void *ctx, uint64_t base, uint64_t pages,
			  enum mm_kind kind);
	void (*release)(void *ctx, uint64_t base, uint64_t pages);
	/* Optional: a name for a status returned by claim. */
	const char *(*status_name)(uint64_t status);
};

/* One claimed piece of memory: one firmware call. */
struct mm_claim {
	uint64_t base;
	uint64_t pages;
};

/* Allocation policy. */
struct mm_req {
	uint64_t pages;
	uint64_t align;   /* bytes, power of two; 0 = page */
	uint64_t phase;   /* base % align == phase % align (page-aligned):
			   * e.g. a virtual address's offset in its 2 MiB
			   * page, so that large pages can map the run */
	uint64_t below;   /* end of the claim must be <= below; 0 = no limit */
	uint64_t exact;   /* claim at this address (when has_exact) */
	bool has_exact;
	enum mm_kind kind; /* MM_KERNEL, MM_MODULE or MM_LOADER */
};

/*
 * The free-run allocator.  It works on a normalized region array it owns
 * (regions are split as memory is claimed) and a fixed-capacity claim log
 * used for rollback.  No memory is allocated after mm_alloc_init.
 */
struct mm_alloc {
	const struct mm_fw *fw;
	struct mm_region *reg;
	size_t nreg, reg_cap;
	struct mm_claim *claims;
	size_t nclaims, claim_cap;
	uint64_t largest;      /* pages in the largest free run */
	uint64_t largest_base; /* where that run starts */
	uint64_t other_bound;  /* no other free run has more pages */
	/* The watermark (mm_alloc_run_fast): set by the general path after
	 * a claim at the top of usable memory, cleared by any other change
	 * to the regions or the largest run. */
	struct mm_region *wm;  /* the highest usable region, the claim of
				* wm_kind just above it (same source); NULL:
				* no watermark */
	uint64_t wm_floor;     /* the fast path claims nothing below it */
	uint32_t wm_kind;
	bool wm_largest;       /* *wm tops the largest run */
	uint64_t top_hint;     /* no usable memory at or above this address */
	uint64_t calls;        /* firmware claim calls made */
	uint64_t refused;      /* claims firmware refused */
	uint64_t splits;       /* refused claims halved and retried */
	size_t marks;          /* refused ranges marked reserved */
	struct mm_claim last_refused; /* the last of them, and the status */
	uint64_t last_refused_status; /* firmware gave (0: none yet) */
	bool per_page;         /* debug, for benchmarks: one firmware call per
				* page claimed or released (claim-per-page) */
};

/*
 * Ranges firmware refused are marked reserved (firmware knows better than
 * its map): the whole refused claim, widened at each refusal in a row of
 * one request (alloc.c, mark_refused).  Each mark takes up to two region
 * slots; after this many the allocator gives up rather than eat the slots
 * rollback needs.
 */
#define MM_REFUSAL_MARKS 32

/* Round up to a page; an address in the last page below 2^64 has no page
 * boundary above it and gives UINT64_MAX (so [x, end) rounds to empty). */
static inline uint64_t mm_page_up(uint64_t x)
{
	return x > UINT64_MAX - (MM_PAGE_SIZE - 1) ? UINT64_MAX
						   : (x + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
}

/* Region slots an allocator needs: every split a claim or a refusal makes. */
#define MM_REG_CAP(nreg, claim_cap) ((nreg) + 2 * (claim_cap) + 2 * MM_REFUSAL_MARKS)

/*
 * The capacities of one load's buffers, all sized before the first claim
 * (nothing is allocated later, in the claim loop or after
 * ExitBootServices) from the firmware map at that time:
 */
struct mm_load_caps {
	size_t claim_cap;     /* mm_claim entries: the allocator's claim log */
	size_t map_descs;     /* descriptors the firmware map buffer must hold,
			       * up to the final map after ExitBootServices */
	size_t reg_cap;       /* mm_region entries for the allocator (and for
			       * mm_normalize of the map before the load) */
	size_t final_reg_cap; /* mm_region entries for mm_normalize of the
			       * final map; as many mm_boot_map entries do
			       * for page-aligned descriptors (UEFI's rule) */
	size_t scratch_size;  /* bytes of mm_normalize scratch, for either map */
};

/*
 * Size a load's buffers for a map of ndesc descriptors with free_bytes of
 * conventional memory (mm_efi_free_bytes) and the `fragment` debug piece
 * size in bytes (0: off; config.c allows 4 KiB..1 TiB).  No overflow for
 * any free_bytes and ndesc below 2^40.
 */
void mm_load_caps(size_t ndesc, uint64_t free_bytes, uint64_t fragment,
		  struct mm_load_caps *ret);

/*
 * Before ExitBootServices, on the snapshot it will be given: does a final
 * map of map_size bytes, descriptors desc_size apart, normalize into the
 * buffers of c (final_reg_cap regions, scratch_size bytes)?  Those hold
 * 2 * map_descs regions, and mm_normalize makes at most 2n - 1 of n
 * descriptors; protocols reserve three kernel map entries a region
 * (mm_boot_map's most).  Returns 0, or -1 with err saying why.
 */
int mm_final_map_check(const struct mm_load_caps *c, size_t map_size,
		       size_t desc_size, struct rw_err *err);

/*
 * Set up an allocator over regions[0..nreg) (taken over; reg_cap is the
 * capacity of the array, at least MM_REG_CAP(nreg, claim_cap)).
 */
void mm_alloc_init(struct mm_alloc *a, const struct mm_fw *fw,
		   struct mm_region *regions, size_t nreg, size_t reg_cap,
		   struct mm_claim *claims, size_t claim_cap);

/* Pages of usable memory left. */
uint64_t mm_alloc_free_pages(const struct mm_alloc *a);

/*
 * Claim one physically contiguous run for req.  Highest fitting address
 * first unless req->has_exact.  Returns 0 and *ret_base, or -1 with err set.
 * mm_alloc_run (below) is mm_alloc_run_fast, inline, then
 * mm_alloc_run_general: page at a time costs a few instructions and the
 * firmware call.
 */
int mm_alloc_run_general(struct mm_alloc *a, const struct mm_req *req,
			 uint64_t *ret_base, struct rw_err *err);

/*
 * The watermark: the last claim the general path made at the top of
 * usable memory armed it on the region just below (now the highest
 * usable one) when the two differ only in kind.  A request that would go
 * to the top of that region anyway - no address or alignment asked, the
 * same kind, small enough to leave the region a page and the largest run
 * still the largest - is claimed there by moving the edge between the
 * two regions: what set_kind would do, without looking for the region.
 * The region array stays the truth; the watermark is only where to look.
 * False: nothing changed but a->calls, take the general path (also when
 * firmware refused: it then decides what to mark).
 */
static inline bool mm_alloc_run_fast(struct mm_alloc *a, const struct mm_req *req,
				     uint64_t *ret_base)
{
	struct mm_region *r = a->wm;

	/* pages - 1 wraps for 0: refused with the rest, as is what the
	 * general path calls too large even where a region would hold it. */
	if (!r || req->has_exact || req->align > MM_PAGE_SIZE ||
	    (uint32_t)req->kind != a->wm_kind ||
	    req->pages - 1 >= (r->end - a->wm_floor) >> MM_PAGE_SHIFT ||
	    req->pages > (UINT64_MAX >> MM_PAGE_SHIFT) / 2 ||
	    (req->below && r->end > req->below) || a->nclaims == a->claim_cap)
		return false;
	uint64_t base = r->end - (req->pages << MM_PAGE_SHIFT);
	a->calls++;
	if (a->fw->claim(a->fw->ctx, base, req->pages, req->kind))
		return false;
	a->claims[a->nclaims++] = (struct mm_claim){ base, req->pages };
	r[0].end = base;
	r[1].base = base;
	a->top_hint = base;
	if (a->wm_largest) /* the floor keeps it at least the bound */
		a->largest -= req->pages;
	*ret_base = base;
	return true;
}

/*
 * Inline where it is timed (host builds: the tests, the fuzzers and
 * bench-alloc, whose page-at-a-time loop pays for a call per page about
 * as much as for the fast path itself).  The loader is built for size and
 * claims a few runs per load, never page by page: there mm_alloc_run is
 * one function in alloc.c (inlined at its dozen call sites it would cost
 * 2.5 KB of the image).
 */
#ifdef RUNWAY_EFI
int mm_alloc_run(struct mm_alloc *a, const struct mm_req *req,
		 uint64_t *ret_base, struct rw_err *err);
#else
static inline __attribute__((always_inline)) int
mm_alloc_run(struct mm_alloc *a, const struct mm_req *req, uint64_t *ret_base,
	     struct rw_err *err)
{
	if (mm_alloc_run_fast(a, req, ret_base))
		return 0;
	return mm_alloc_run_general(a, req, ret_base, err);
}
#endif

/*
 * Claim req->pages as one run when one fits, else as the fewest pieces
 * (largest first), at most max_pieces, each a multiple of req->align.
 * Returns 0 with ret_pieces[0..*ret_n), or -1 (nothing stays claimed).
 */
int mm_alloc_pieces(struct mm_alloc *a, const struct mm_req *req,
		    struct mm_claim *ret_pieces, size_t max_pieces,
		    size_t *ret_n, struct rw_err *err);

/*
 * Where `size` bytes fit in usable memory inside [min, max), at a multiple
 * of align (a power of two; a page at least): the lowest such base, or the
 * highest when `highest`.  Claims nothing.  False when none fits.
 */
bool mm_alloc_find(const struct mm_alloc *a, uint64_t size, uint64_t min,
		   uint64_t max, uint64_t align, bool highest, uint64_t *ret_base);

/*
 * The first part of [base, end) that is not usable memory: its range,
 * and its kind (MM_KIND_COUNT for memory the map does not name at all).
 * False when all of it is usable.
 */
bool mm_alloc_owner(const struct mm_alloc *a, uint64_t base, uint64_t end,
		    struct mm_region *ret);

/* Rollback: release every claim made after mark = a->nclaims, newest first. */
void mm_alloc_rollback(struct mm_alloc *a, size_t mark);

/*
 * Release claims [from, to) of the log (newest first) and drop them from it;
 * later claims stay.  They must have been made as MM_LOADER.
 */
void mm_alloc_release_span(struct mm_alloc *a, size_t from, size_t to);

/*
 * Debug aid (`fragment = SIZE`): claim every other piece_pages-sized,
 * equally aligned slot of usable memory as MM_LOADER, so that no free run is
 * longer than one slot.  Pieces firmware refuses are skipped.  Returns the
 * number of claims made (release them with mm_alloc_release_span).
 */
int mm_fragment(struct mm_alloc *a, uint64_t piece_pages, size_t *ret_claims,
		struct rw_err *err);

/*
 * The kernel's memory map: regions of the final firmware map converted to
 * protocol entries (struct runway_mmap_entry) without allocating.
 * Returns the count, or 0 when cap is too small.
 */
struct runway_mmap_entry;
size_t mm_boot_map(const struct mm_region *r, size_t nreg,
		   struct runway_mmap_entry *out, size_t cap);

/* ---- page tables ---- */

#define MM_MAP_WRITE 0x1u
#define MM_MAP_EXEC  0x2u
#define MM_MAP_WC    0x4u /* write-combining (PAT entry 5): framebuffers */

/* A virtual range to map. */
struct mm_mapping {
	uint64_t virt;
	uint64_t phys;
	uint64_t size;   /* bytes, multiple of 4 KiB */
	uint32_t flags;  /* MM_MAP_* */
};

struct mm_pt {
	/* Table pages come from [pool, pool + pool_pages * 4 KiB). */
	uint64_t pool;
	uint64_t pool_pages;
	uint64_t used;
	uint64_t root;        /* physical address of the PML4 (PML5 with la57) */
	bool nx;              /* the CPU supports EFER.NXE */
	bool huge_1g;         /* the CPU supports 1 GiB pages */
	bool la57;            /* 5-level tables (root is a PML5) */
	/* Turns a physical address into a pointer the builder can write. */
	void *(*phys_to_ptr)(void *ctx, uint64_t phys);
	void *ctx;
};

/*
 * Number of table pages mm_pt_map_all needs for maps[0..n), which must be
 * sorted by virt and must not overlap.  Exact.
 */
uint64_t mm_pt_count(const struct mm_mapping *maps, size_t n, bool huge_1g);
/* The same for 4-level (la57 false) or 5-level tables. */
uint64_t mm_pt_count_levels(const struct mm_mapping *maps, size_t n,
			    bool huge_1g, bool la57);

/* Build tables for maps[0..n) (sorted, non-overlapping) from pt's pool.
 * A mapping not canonical for the tables' depth (48 or 57 bits) is
 * refused. */
int mm_pt_map_all(struct mm_pt *pt, const struct mm_mapping *maps, size_t n,
		  struct rw_err *err);

/* Software walk: translate virt.  Returns false when unmapped. */
bool mm_pt_walk(const struct mm_pt *pt, uint64_t virt, uint64_t *ret_phys,
		uint32_t *ret_flags, uint64_t *ret_page_size);

#endif
