/*
 * alloc.c - the free-run physical allocator (DESIGN.md steps 4 and 6).
 *
 * Free memory is the usable regions of a normalized map; adjacent usable
 * regions form a run.  A request is placed by walking the regions once
 * (O(regions), never O(pages)) and claimed from firmware with one call per
 * firmware descriptor it covers - usually exactly one.  Every claim is
 * logged in a fixed array so that a failed load can give everything back.
 */
#include "mm.h"

#include <string.h>

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static bool joins(const struct mm_region *a, const struct mm_region *b)
{
	return a->kind == MM_USABLE && b->kind == MM_USABLE && a->end == b->base;
}

/*
 * a->largest exactly, from scratch, with the run that has it
 * (a->largest_base) and a bound on every other run (a->other_bound), so
 * that claims from the largest run can keep a->largest exact without
 * walking every region again: while the shrunk run is still at least the
 * bound, it is still the largest.
 */
static void update_largest(struct mm_alloc *a)
{
	uint64_t best = 0, second = 0, best_base = 0;

	a->wm = NULL; /* its floor came from the old figures */
	a->top_hint = 0;
	for (size_t i = 0; i < a->nreg;) {
		if (a->reg[i].kind != MM_USABLE) {
			i++;
			continue;
		}
		uint64_t base = a->reg[i].base;
		size_t j = i;
		while (j + 1 < a->nreg && joins(&a->reg[j], &a->reg[j + 1]))
			j++;
		uint64_t pages = (a->reg[j].end - base) >> MM_PAGE_SHIFT;
		if (pages > best) {
			second = best;
			best = pages;
			best_base = base;
		} else if (pages > second) {
			second = pages;
		}
		a->top_hint = a->reg[j].end;
		i = j + 1;
	}
	a->largest = best;
	a->largest_base = best_base;
	a->other_bound = second;
}

void mm_alloc_init(struct mm_alloc *a, const struct mm_fw *fw,
		   struct mm_region *regions, size_t nreg, size_t reg_cap,
		   struct mm_claim *claims, size_t claim_cap)
{
	*a = (struct mm_alloc){
		.fw = fw,
		.reg = regions,
		.nreg = nreg,
		.reg_cap = reg_cap,
		.claims = claims,
		.claim_cap = claim_cap,
	};
	update_largest(a);
}

uint64_t mm_alloc_free_pages(const struct mm_alloc *a)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < a->nreg; i++)
		if (a->reg[i].kind == MM_USABLE)
			pages += (a->reg[i].end - a->reg[i].base) >> MM_PAGE_SHIFT;
	return pages;
}

/* Index of the first region that ends above addr (regions are sorted). */
static size_t first_above(const struct mm_alloc *a, uint64_t addr)
{
	size_t lo = 0, hi = a->nreg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->reg[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Pages of the usable run that region i belongs to. */
static uint64_t run_pages(const struct mm_alloc *a, size_t i)
{
	size_t s = i, e = i;

	while (s > 0 && joins(&a->reg[s - 1], &a->reg[s]))
		s--;
	while (e + 1 < a->nreg && joins(&a->reg[e], &a->reg[e + 1]))
		e++;
	return (a->reg[e].end - a->reg[s].base) >> MM_PAGE_SHIFT;
}

/* Index of the first region of the usable run that region i belongs to. */
static size_t run_start(const struct mm_alloc *a, size_t i)
{
	while (i > 0 && joins(&a->reg[i - 1], &a->reg[i]))
		i--;
	return i;
}

/* Do regions x and y (x just below y) share kind and source? */
static bool mergeable(const struct mm_region *x, const struct mm_region *y)
{
	return x->end == y->base && x->kind == y->kind && x->src == y->src;
}

static void remove_region(struct mm_alloc *a, size_t i)
{
	memmove(&a->reg[i], &a->reg[i + 1], (a->nreg - i - 1) * sizeof a->reg[0]);
	a->nreg--;
}

/* Merge region i into its neighbours where allowed; returns its new index. */
static size_t merge_around(struct mm_alloc *a, size_t i)
{
	if (i + 1 < a->nreg && mergeable(&a->reg[i], &a->reg[i + 1])) {
		a->reg[i].end = a->reg[i + 1].end;
		remove_region(a, i + 1);
	}
	if (i > 0 && mergeable(&a->reg[i - 1], &a->reg[i])) {
		a->reg[i - 1].end = a->reg[i].end;
		remove_region(a, i);
		i--;
	}
	return i;
}

/* Memory claimed for a load (the kinds mm_alloc_rollback gives back). */
static bool is_claim(uint32_t kind)
{
	return kind >= MM_LOADER && kind <= MM_MODULE;
}

/* Two claimed regions set_kind left unmerged. */
static bool lazy_pair(const struct mm_region *x, const struct mm_region *y)
{
	return is_claim(x->kind) && mergeable(x, y);
}

/* How far above a split open_slots looks for a pair to merge. */
#define MM_SLACK_WINDOW 8

/*
 * Open `n` free slots at index `at`, moving the regions from there up.
 * A claim that empties a region leaves it beside the claimed region above
 * it, unmerged (set_kind): when such a pair lies a few regions above,
 * merging it frees the slot and only the regions in between move.  Page
 * at a time, top down, that is the usual case: each region's first claim
 * splits it just below the hole above, over the region emptied last -
 * else every claimed region above would move, twice per region.  The
 * caller has checked the capacity for n more regions.
 */
static void open_slots(struct mm_alloc *a, size_t at, size_t n)
{
	for (size_t stop = at + n; at < stop; at++) {
		size_t j = at;
		while (j + 1 < a->nreg && j < at + MM_SLACK_WINDOW &&
		       !lazy_pair(&a->reg[j], &a->reg[j + 1]))
			j++;
		if (j + 1 < a->nreg && lazy_pair(&a->reg[j], &a->reg[j + 1])) {
			a->reg[j].end = a->reg[j + 1].end;
			memmove(&a->reg[at + 1], &a->reg[at],
				(j + 1 - at) * sizeof a->reg[0]);
			continue;
		}
		memmove(&a->reg[at + 1], &a->reg[at],
			(a->nreg - at) * sizeof a->reg[0]);
		a->nreg++;
	}
}

/*
 * [base, end) was claimed out of the largest run: what is left of it lies
 * just below base and from end up (when end was inside it).  The longer
 * piece is the largest run still if it reaches the bound on the others;
 * the shorter one becomes one of those others.  Else count again.
 */
static void largest_after_claim(struct mm_alloc *a, uint64_t base, uint64_t end)
{
	uint64_t old_end = a->largest_base + (a->largest << MM_PAGE_SHIFT);
	uint64_t below = 0, above = 0, below_base = a->largest_base;
	size_t i = first_above(a, base ? base - 1 : 0);

	if (base > a->largest_base && i < a->nreg && a->reg[i].kind == MM_USABLE &&
	    a->reg[i].base < base) {
		size_t s = run_start(a, i);
		if (a->reg[s].base == a->largest_base)
			below = (base - a->reg[s].base) >> MM_PAGE_SHIFT;
	}
	if (end < old_end) {
		i = first_above(a, end);
		if (i < a->nreg && a->reg[i].kind == MM_USABLE && a->reg[i].base == end)
			above = run_pages(a, i);
	}
	uint64_t longer = below >= above ? below : above;
	uint64_t shorter = below >= above ? above : below;
	if (longer == 0 || longer < a->other_bound) {
		update_largest(a);
		return;
	}
	a->largest = longer;
	a->largest_base = below >= above ? below_base : end;
	if (shorter > a->other_bound)
		a->other_bound = shorter;
}

/*
 * Give the parts of [base, end) that are of kind `from` the kind `kind`,
 * splitting regions at the edges and merging neighbours of one kind and
 * source descriptor.  Cost: a binary search plus the regions touched; an
 * edge moves in place when the neighbour already has the new kind (the
 * page-at-a-time case).  Keeps a->largest exact: recomputed in full only
 * when a largest run shrinks.  Returns -1 when out of room.
 */
static int set_kind(struct mm_alloc *a, uint64_t base, uint64_t end,
		    uint32_t from, uint32_t kind)
{
	bool rescan = false;

	a->wm = NULL; /* regions move: mm_alloc_run_general arms it again */
	for (size_t i = first_above(a, base); i < a->nreg && a->reg[i].base < end; i++) {
		struct mm_region *r = &a->reg[i];
		if (r->kind != from)
			continue;
		/* Claiming from the largest run: rescan below, unless what is
		 * left of it is found to be the largest still. */
		if (from == MM_USABLE && !rescan &&
		    a->reg[run_start(a, i)].base == a->largest_base)
			rescan = true;
		uint64_t lo = r->base > base ? r->base : base;
		uint64_t hi = r->end < end ? r->end : end;
		struct mm_region *next = i + 1 < a->nreg ? &a->reg[i + 1] : NULL;
		struct mm_region *prev = i > 0 ? &a->reg[i - 1] : NULL;
		size_t changed; /* the region now holding [lo, hi) */
		if (lo == r->base && hi == r->end) {
			/* A claim does not merge with its neighbours, so
			 * that no region moves here: the next split nearby
			 * merges it (open_slots).  The rest merges at once
			 * (runs are found by their usable regions). */
			r->kind = kind;
			i = changed = is_claim(kind) ? i : merge_around(a, i);
		} else if (hi == r->end && next && next->base == r->end &&
			   next->kind == kind && next->src == r->src) {
			r->end = lo;
			next->base = lo;
			i = changed = i + 1;
		} else if (lo == r->base && prev && prev->end == r->base &&
			   prev->kind == kind && prev->src == r->src) {
			prev->end = hi;
			r->base = hi;
			changed = i - 1;
		} else {
			size_t extra = (lo > r->base) + (hi < r->end);
			if (a->nreg + extra > a->reg_cap)
				return -1;
			open_slots(a, i + 1, extra);
			struct mm_region orig = *r;
			size_t k = i;
			if (lo > orig.base)
				a->reg[k++] = (struct mm_region){ orig.base, lo, orig.kind, orig.src };
			changed = k;
			a->reg[k++] = (struct mm_region){ lo, hi, kind, orig.src };
			if (hi < orig.end)
				a->reg[k++] = (struct mm_region){ hi, orig.end, orig.kind, orig.src };
			i = k - 1;
		}
		if (kind == MM_USABLE) {
			if (a->reg[changed].end > a->top_hint)
				a->top_hint = a->reg[changed].end;
			uint64_t p = run_pages(a, changed);
			if (p > a->largest) {
				/* The old largest run counts as another now
				 * (a loose bound if this run swallowed it). */
				if (a->largest > a->other_bound)
					a->other_bound = a->largest;
				a->largest = p;
				a->largest_base = a->reg[run_start(a, changed)].base;
			} else if (p > a->other_bound) {
				a->other_bound = p;
			}
		}
	}
	if (rescan)
		largest_after_claim(a, base, end);
	return 0;
}

/* Is [base, end) entirely usable (possibly over several regions)? */
static bool range_free(const struct mm_alloc *a, uint64_t base, uint64_t end)
{
	uint64_t at = base;

	for (size_t i = first_above(a, base); i < a->nreg && at < end; i++) {
		const struct mm_region *r = &a->reg[i];
		if (r->end <= at)
			continue;
		if (r->base > at || r->kind != MM_USABLE)
			return false;
		at = r->end;
	}
	return at >= end;
}

/*
 * Highest base for `pages` pages at `phase` past a multiple of `align`
 * (phase < align) inside a usable run, with the end at or below `below`
 * (0: no limit).  O(regions).
 */
static bool find_top(struct mm_alloc *a, uint64_t pages, uint64_t align,
		     uint64_t phase, uint64_t below, uint64_t *ret_base)
{
	uint64_t size = pages << MM_PAGE_SHIFT;
	bool first = true;

	if (pages > a->largest || a->top_hint == 0)
		return false; /* the hint: no run can hold it */
	/* Start at the top of usable memory, not at the top of the map:
	 * claimed memory piles up there when allocating top-down. */
	size_t start = first_above(a, a->top_hint - 1) + 1;
	if (start > a->nreg)
		start = a->nreg;
	for (size_t j = start; j-- > 0;) {
		if (a->reg[j].kind != MM_USABLE)
			continue;
		if (first) {
			a->top_hint = a->reg[j].end; /* tighten the hint */
			first = false;
		}
		size_t i = j;
		while (i > 0 && joins(&a->reg[i - 1], &a->reg[i]))
			i--;
		uint64_t lo = a->reg[i].base, hi = a->reg[j].end;
		j = i;
		if (below && hi > below)
			hi = below;
		if (hi <= lo || hi - lo < size)
			continue;
		uint64_t base = align_down(hi - size, align) + phase;
		if (base > hi - size) {
			if (base < align)
				continue;
			base -= align;
		}
		if (base >= lo) {
			*ret_base = base;
			return true;
		}
	}
	if (first)
		a->top_hint = 0; /* nothing usable below the hint */
	return false;
}

/*
 * One firmware claim of n pages at lo; with a->per_page (a debug switch
 * for benchmarks) one call per page instead, as a naive loader would.
 */
static uint64_t fw_claim(struct mm_alloc *a, uint64_t lo, uint64_t n,
			 enum mm_kind kind)
{
	if (!a->per_page) {
		a->calls++;
		return a->fw->claim(a->fw->ctx, lo, n, kind);
	}
	for (uint64_t i = 0; i < n; i++) {
		a->calls++;
		uint64_t st = a->fw->claim(a->fw->ctx, lo + (i << MM_PAGE_SHIFT), 1, kind);
		if (st) {
			while (i--)
				a->fw->release(a->fw->ctx, lo + (i << MM_PAGE_SHIFT), 1);
			return st;
		}
	}
	return 0;
}

static void fw_release(struct mm_alloc *a, uint64_t base, uint64_t n)
{
	if (!a->per_page) {
		a->fw->release(a->fw->ctx, base, n);
		return;
	}
	for (uint64_t i = n; i--;)
		a->fw->release(a->fw->ctx, base + (i << MM_PAGE_SHIFT), 1);
}

static const char *status_name(const struct mm_alloc *a, uint64_t st)
{
	return a->fw->status_name ? a->fw->status_name(st) : "error";
}

/* How often a refused claim is halved before the piece is given up. */
#define MM_SPLIT_DEPTH 4

/*
 * Claim [lo, lo + n pages) with one call; when firmware refuses, halve and
 * claim the halves, MM_SPLIT_DEPTH levels deep.  EDK2 refuses an
 * AllocateAddress that covers two of its internal descriptors even when
 * GetMemoryMap merged them into one free entry; halving finds the seam.
 * Returns 0, the firmware's status, or 1 with *ret_no_slot when the claim
 * log is full.
 */
static uint64_t claim_split(struct mm_alloc *a, uint64_t lo, uint64_t n,
			    enum mm_kind kind, int depth, bool *ret_no_slot)
{
	if (a->nclaims == a->claim_cap) {
		*ret_no_slot = true;
		return 1;
	}
	uint64_t st = fw_claim(a, lo, n, kind);
	if (st == 0) {
		a->claims[a->nclaims++] = (struct mm_claim){ lo, n };
		return 0;
	}
	a->refused++;
	if (depth == MM_SPLIT_DEPTH || n < 2)
		return st;
	a->splits++;
	uint64_t half = n / 2;
	st = claim_split(a, lo, half, kind, depth + 1, ret_no_slot);
	if (st == 0)
		st = claim_split(a, lo + (half << MM_PAGE_SHIFT), n - half, kind,
				 depth + 1, ret_no_slot);
	return st;
}

/* A claim firmware refused: the range (one region's part of the claim),
 * the bottom of that region, and the status. */
struct refusal {
	uint64_t lo, hi;
	uint64_t region_base;
	uint64_t status;
};

/*
 * Claim [base, base + pages) from firmware, one call per region it covers
 * (more only when firmware refuses and the piece is split).  On failure
 * everything claimed here is released; when firmware refused, err says so
 * with its status and *ret_refused describes the refused range (else
 * ret_refused->hi is 0), so that the caller can mark it and place the
 * request elsewhere.
 */
static int claim_range(struct mm_alloc *a, uint64_t base, uint64_t pages,
		       enum mm_kind kind, struct refusal *ret_refused,
		       struct rw_err *err)
{
	uint64_t end = base + (pages << MM_PAGE_SHIFT);
	size_t mark = a->nclaims;

	ret_refused->hi = 0;
	for (size_t i = first_above(a, base); i < a->nreg && a->reg[i].base < end; i++) {
		const struct mm_region *r = &a->reg[i];
		if (r->end <= base)
			continue;
		uint64_t lo = r->base > base ? r->base : base;
		uint64_t hi = r->end < end ? r->end : end;
		bool no_slot = false;
		uint64_t st = claim_split(a, lo, (hi - lo) >> MM_PAGE_SHIFT, kind,
					  0, &no_slot);
		if (st == 0)
			continue;
		uint64_t region_base = r->base;
		mm_alloc_rollback(a, mark);
		if (no_slot)
			return rw_fail(err, "out of claim slots (%zu)", a->claim_cap);
		*ret_refused = (struct refusal){ lo, hi, region_base, st };
		return rw_fail(err, "firmware refused %" PRIu64 " pages at 0x%" PRIx64 ": %s",
			       (hi - lo) >> MM_PAGE_SHIFT, lo, status_name(a, st));
	}
	for (size_t c = mark; c < a->nclaims; c++) {
		uint64_t lo = a->claims[c].base;
		if (set_kind(a, lo, lo + (a->claims[c].pages << MM_PAGE_SHIFT),
			     MM_USABLE, kind)) {
			mm_alloc_rollback(a, mark);
			return rw_fail(err, "out of region slots");
		}
	}
	return 0;
}

/*
 * Mark memory firmware refused though its map calls it free as reserved
 * (firmware knows better than its map): the whole refused range, widened
 * downward to `span` bytes but not below its region (one firmware
 * descriptor).  What firmware refuses comes in blocks (its own
 * allocations since the snapshot are made top-down, as Runway's are):
 * mm_alloc_run doubles `span` at each refusal in a row, so that a block of
 * any size is stepped over in a few tries rather than one request's size
 * at a time.  Returns 0, or -1 with err set (keeping the firmware's
 * status) when out of marks or region slots.
 */
static int mark_refused(struct mm_alloc *a, const struct refusal *rf,
			uint64_t span, struct rw_err *err)
{
	uint64_t lo = rf->hi - rf->region_base > span ? rf->hi - span : rf->region_base;

	if (lo > rf->lo)
		lo = rf->lo;
	if (a->marks == MM_REFUSAL_MARKS)
		return rw_fail(err, "firmware refused %" PRIu64 " pages at 0x%" PRIx64 ": %s (%d refusals of memory its map calls free: giving up)",
			       (rf->hi - rf->lo) >> MM_PAGE_SHIFT, rf->lo,
			       status_name(a, rf->status), MM_REFUSAL_MARKS);
	if (set_kind(a, lo, rf->hi, MM_USABLE, MM_RESERVED))
		return rw_fail(err, "firmware refused %" PRIu64 " pages at 0x%" PRIx64 ": %s; out of region slots to mark them",
			       (rf->hi - rf->lo) >> MM_PAGE_SHIFT, rf->lo,
			       status_name(a, rf->status));
	a->marks++;
	a->last_refused = (struct mm_claim){ rf->lo, (rf->hi - rf->lo) >> MM_PAGE_SHIFT };
	a->last_refused_status = rf->status;
	return 0;
}

/* No run fits: say so, with the last refusal when firmware refused
 * memory its map calls free (that, not the map, is then the reason). */
static int no_run(const struct mm_alloc *a, uint64_t pages, struct rw_err *err)
{
	if (!a->last_refused_status)
		return rw_fail(err, "no free run of %" PRIu64 " pages (largest free run: %" PRIu64 " pages)",
			       pages, a->largest);
	return rw_fail(err, "no free run of %" PRIu64 " pages (largest free run: %" PRIu64 " pages; firmware refused %zu ranges its map calls free, the last %" PRIu64 " pages at 0x%" PRIx64 ": %s)",
		       pages, a->largest, a->marks, a->last_refused.pages,
		       a->last_refused.base, status_name(a, a->last_refused_status));
}

/* Firmware may refuse a claim its map reported free; try elsewhere, bounded. */
#define MM_MAX_REFUSALS 16

/*
 * Arm the watermark (mm_alloc_run_fast, mm.h) after a claim of `pages`
 * at base: when it took the top of the highest usable region (its end
 * was `top`, top_hint fresh from find_top) and what is left below is the
 * same firmware descriptor's, the next request of this kind goes just
 * below it.  While that region tops the largest run, the floor stops the
 * fast path before the run shrinks below the bound on the others, so that
 * the run stays the largest and a->largest shrinks with it.
 */
static void arm_watermark(struct mm_alloc *a, uint64_t base, uint64_t pages,
			  uint64_t top, enum mm_kind kind)
{
	size_t i = first_above(a, base);

	if (a->per_page || base + (pages << MM_PAGE_SHIFT) != top || i == 0 ||
	    i >= a->nreg)
		return;
	struct mm_region *r = &a->reg[i - 1], *next = &a->reg[i];
	if (r->kind != MM_USABLE || r->end != base || next->base != base ||
	    next->kind != (uint32_t)kind || next->src != r->src)
		return;
	uint64_t floor = r->base + MM_PAGE_SIZE;
	bool largest = a->reg[run_start(a, i - 1)].base == a->largest_base;
	if (largest && a->largest_base + (a->other_bound << MM_PAGE_SHIFT) > floor)
		floor = a->largest_base + (a->other_bound << MM_PAGE_SHIFT);
	if (floor >= base)
		return;
	a->top_hint = base; /* nothing usable above r now */
	a->wm = r;
	a->wm_floor = floor;
	a->wm_kind = kind;
	a->wm_largest = largest;
}

#ifdef RUNWAY_EFI
/* The loader's one copy (mm.h says why it is not inline there). */
int mm_alloc_run(struct mm_alloc *a, const struct mm_req *req,
		 uint64_t *ret_base, struct rw_err *err)
{
	if (mm_alloc_run_fast(a, req, ret_base))
		return 0;
	return mm_alloc_run_general(a, req, ret_base, err);
}
#endif

/* Everything mm_alloc_run_fast declines: any alignment, address or
 * limit, the first page of a region, firmware refusals. */
int mm_alloc_run_general(struct mm_alloc *a, const struct mm_req *req,
			 uint64_t *ret_base, struct rw_err *err)
{
	uint64_t align = req->align > MM_PAGE_SIZE ? req->align : MM_PAGE_SIZE;
	uint64_t span = 0; /* bytes marked at the last refusal */
	struct refusal rf = { 0 };
	struct rw_err why;

	if (req->pages == 0)
		return rw_fail(err, "zero-page request");
	if (req->pages > (UINT64_MAX >> MM_PAGE_SHIFT) / 2)
		return rw_fail(err, "request of %" PRIu64 " pages is too large",
			       req->pages);
	for (int attempt = 0; attempt < MM_MAX_REFUSALS; attempt++) {
		uint64_t base;
		if (req->has_exact) {
			base = req->exact;
			uint64_t end = base + (req->pages << MM_PAGE_SHIFT);
			if ((base & (MM_PAGE_SIZE - 1)) || end < base ||
			    !range_free(a, base, end))
				return rw_fail(err, "%" PRIu64 " pages at 0x%" PRIx64 " are not free memory",
					       req->pages, base);
		} else if (!find_top(a, req->pages, align,
				     req->phase & (align - 1) & ~(MM_PAGE_SIZE - 1),
				     req->below, &base)) {
			return no_run(a, req->pages, err);
		}
		uint64_t top = a->top_hint;
		if (claim_range(a, base, req->pages, req->kind, &rf, &why) == 0) {
			if (!req->has_exact)
				arm_watermark(a, base, req->pages, top, req->kind);
			*ret_base = base;
			return 0;
		}
		if (rf.hi == 0)
			return rw_fail(err, "%s", why.msg);
		span = span > (UINT64_MAX >> 1) ? UINT64_MAX : 2 * span;
		if (span < rf.hi - rf.lo)
			span = rf.hi - rf.lo;
		if (mark_refused(a, &rf, span, err))
			return -1;
		if (req->has_exact)
			return rw_fail(err, "%s", why.msg);
	}
	return rw_fail(err, "firmware refused %d claims in a row, the last %" PRIu64 " pages at 0x%" PRIx64 ": %s",
		       MM_MAX_REFUSALS, (rf.hi - rf.lo) >> MM_PAGE_SHIFT, rf.lo,
		       status_name(a, rf.status));
}

int mm_alloc_pieces(struct mm_alloc *a, const struct mm_req *req,
		    struct mm_claim *ret_pieces, size_t max_pieces,
		    size_t *ret_n, struct rw_err *err)
{
	uint64_t align = req->align > MM_PAGE_SIZE ? req->align : MM_PAGE_SIZE;
	uint64_t align_pages = align >> MM_PAGE_SHIFT;
	size_t mark = a->nclaims, n = 0;
	uint64_t left = req->pages, base;

	if (req->pages == 0)
		return rw_fail(err, "zero-page request");
	if (max_pieces == 0)
		return rw_fail(err, "no room for pieces");
	uint64_t free_pages = mm_alloc_free_pages(a);
	if (req->pages > free_pages)
		return rw_fail(err, "out of memory: %" PRIu64 " pages asked, %" PRIu64 " free",
			       req->pages, free_pages);
	/* why: the last reason a run could not be placed, kept for the
	 * message (a firmware status says more than "out of memory"). */
	struct rw_err why;
	fmt(why.msg, sizeof why.msg, "largest free run: %" PRIu64 " pages", a->largest);
	if (req->pages <= a->largest || req->has_exact) {
		if (mm_alloc_run(a, req, &base, &why) == 0) {
			ret_pieces[0] = (struct mm_claim){ base, req->pages };
			*ret_n = 1;
			return 0;
		}
	}
	if (req->has_exact)
		return rw_fail(err, "%s", why.msg);
	/* Fewest pieces: the largest run each time, its aligned part. */
	while (left) {
		if (n == max_pieces) {
			mm_alloc_rollback(a, mark);
			return rw_fail(err, "%" PRIu64 " pages need more than %zu pieces of free memory",
				       req->pages, max_pieces);
		}
		uint64_t take = a->largest < left ? a->largest : left;
		take = take / align_pages * align_pages;
		bool placed = false;
		while (take) {
			struct mm_req sub = *req;
			sub.pages = take;
			sub.phase = 0; /* pieces: only alignment */
			if (mm_alloc_run(a, &sub, &base, &why) == 0) {
				placed = true;
				break;
			}
			take -= align_pages; /* alignment lost a little: shrink */
			if (take > align_pages * 64)
				take = align_down(take / 2, align_pages);
		}
		if (!placed) {
			mm_alloc_rollback(a, mark);
			return rw_fail(err, "%" PRIu64 " of %" PRIu64 " pages left to place: %s",
				       left, req->pages, why.msg);
		}
		ret_pieces[n++] = (struct mm_claim){ base, take };
		left -= take;
	}
	*ret_n = n;
	return 0;
}

void mm_alloc_rollback(struct mm_alloc *a, size_t mark)
{
	while (a->nclaims > mark) {
		struct mm_claim c = a->claims[--a->nclaims];
		fw_release(a, c.base, c.pages);
		uint64_t end = c.base + (c.pages << MM_PAGE_SHIFT);
		/* Back to usable, whatever kind it was claimed as.  Cannot run
		 * out of room: regions never outnumber the original ones plus two
		 * per live claim and per refusal mark, which MM_REG_CAP covers. */
		for (uint32_t k = MM_LOADER; k <= MM_MODULE; k++)
			set_kind(a, c.base, end, k, MM_USABLE);
	}
}

/* The lowest usable region that ends above `at`, or NULL.  The regions
 * below first_above(at) all end at or below it: a binary search, not a
 * walk from region 0 for every slot (mm_fragment was O(slots x regions)). */
static const struct mm_region *usable_after(const struct mm_alloc *a,
					    uint64_t at)
{
	for (size_t i = first_above(a, at); i < a->nreg; i++)
		if (a->reg[i].kind == MM_USABLE)
			return &a->reg[i];
	return NULL;
}

int mm_fragment(struct mm_alloc *a, uint64_t piece_pages, size_t *ret_claims,
		struct rw_err *err)
{
	uint64_t size = piece_pages << MM_PAGE_SHIFT;
	size_t mark = a->nclaims;
	const struct mm_region *r;

	if (piece_pages == 0)
		return rw_fail(err, "fragment: piece size is zero");
	for (uint64_t at = 0; (r = usable_after(a, at)) != NULL;) {
		uint64_t lo = r->base > at ? r->base : at;
		uint64_t slot = lo / size;
		uint64_t start = slot * size;
		/* The last slot below 2^64 may be cut short. */
		uint64_t hi = start > UINT64_MAX - size ? UINT64_MAX : start + size;
		if (slot & 1) {
			at = hi;
			continue;
		}
		if (hi > r->end)
			hi = r->end;
		struct refusal rf;
		struct rw_err why;
		if (claim_range(a, lo, (hi - lo) >> MM_PAGE_SHIFT, MM_LOADER,
				&rf, &why) &&
		    (rf.hi == 0 || mark_refused(a, &rf, rf.hi - rf.lo, &why))) {
			mm_alloc_rollback(a, mark);
			return rw_fail(err, "fragment: %s", why.msg);
		}
		at = hi;
	}
	*ret_claims = a->nclaims - mark;
	return 0;
}

void mm_alloc_release_span(struct mm_alloc *a, size_t from, size_t to)
{
	for (size_t c = to; c-- > from;) {
		struct mm_claim cl = a->claims[c];
		fw_release(a, cl.base, cl.pages);
		set_kind(a, cl.base, cl.base + (cl.pages << MM_PAGE_SHIFT),
			 MM_LOADER, MM_USABLE);
	}
	memmove(&a->claims[from], &a->claims[to],
		(a->nclaims - to) * sizeof a->claims[0]);
	a->nclaims -= to - from;
}
