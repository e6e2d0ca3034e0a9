/*
 * fuzz_common.h - helpers shared by the libFuzzer targets in tests/fuzz/:
 * a CHECK macro that aborts with a message, a byte reader that yields zeros
 * once the input is used up, and a fake firmware behind struct mm_fw.
 *
 * The fake firmware keeps the live claims in a sorted array (no page
 * bitmap, so it copes with any 64-bit address).  A claim must be
 * page-aligned, non-empty, lie inside ONE usable region of the initial
 * normalized map and not overlap a live claim; a release must match a live
 * claim exactly.  Anything else is a bug in the code under test: abort().
 * Refusals on purpose (a 32-bit mask over the call number, a seam address
 * that no claim may straddle) are not bugs; they are counted and limited
 * to a budget so that region slots cannot run out because of them alone.
 */
#ifndef RUNWAY_FUZZ_COMMON_H
#define RUNWAY_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "\n%s:%d: CHECK(%s) failed: ",        \
				__FILE__, __LINE__, #cond);                   \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
			abort();                                              \
		}                                                             \
	} while (0)

/* Append printf-style text at buf[n] (cap bytes in all): the new length.
 * Text that does not fit fails the run (the round trips' text buffers are
 * sized for the largest value). */
static inline size_t fuzz_put(char *buf, size_t cap, size_t n, const char *f, ...)
	__attribute__((format(printf, 4, 5)));

static inline size_t fuzz_put(char *buf, size_t cap, size_t n, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int k = vsnprintf(buf + n, cap - n, f, ap);
	va_end(ap);
	CHECK(k >= 0 && (size_t)k < cap - n, "round trip text too long");
	return n + (size_t)k;
}

/* ---- input reader ---- */

struct rd {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t rd_u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static inline uint16_t rd_u16(struct rd *r)
{
	uint16_t v = rd_u8(r);
	return (uint16_t)(v | (uint16_t)rd_u8(r) << 8);
}

static inline uint32_t rd_u32(struct rd *r)
{
	uint32_t v = rd_u16(r);
	return v | (uint32_t)rd_u16(r) << 16;
}

static inline uint64_t rd_u64(struct rd *r)
{
	uint64_t v = rd_u32(r);
	return v | (uint64_t)rd_u32(r) << 32;
}

/* ---- fake firmware ---- */

#define FFW_REFUSED 0x800000000000000eull /* EFI_NOT_FOUND */

struct ffw_claim {
	uint64_t base, pages;
	uint32_t kind;
};

struct ffw {
	struct mm_fw fw;
	/* the initial normalized map; claims must lie in one usable region */
	const struct mm_region *init;
	size_t ninit;
	struct ffw_claim *live; /* sorted by base */
	size_t nlive, live_cap;
	uint64_t calls, releases;
	uint32_t fail_mask;     /* refuse call n when bit (n % 32) is set */
	uint64_t seam;          /* refuse claims with base < seam < end; 0: none */
	uint64_t refusals, refusal_budget;
	/* optional hooks, e.g. to (un)poison fake physical memory */
	void (*on_claim)(uint64_t base, uint64_t pages, enum mm_kind kind);
	void (*on_release)(uint64_t base, uint64_t pages, enum mm_kind kind);
};

/* Index of the first live claim with base >= b. */
static inline size_t ffw_lower(const struct ffw *f, uint64_t b)
{
	size_t lo = 0, hi = f->nlive;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->live[mid].base < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline uint64_t ffw_end(uint64_t base, uint64_t pages)
{
	return base + (pages << MM_PAGE_SHIFT);
}

static uint64_t ffw_claim_cb(void *ctx, uint64_t base, uint64_t pages,
			     enum mm_kind kind)
{
	struct ffw *f = ctx;
	uint64_t n = f->calls++;

	CHECK(kind == MM_LOADER || kind == MM_KERNEL || kind == MM_MODULE,
	      "claim 0x%" PRIx64 " + %" PRIu64 " pages with kind %d", base, pages,
	      (int)kind);
	CHECK(pages != 0, "claim of 0 pages at 0x%" PRIx64, base);
	CHECK(!(base & (MM_PAGE_SIZE - 1)), "claim at unaligned 0x%" PRIx64, base);
	CHECK(pages <= (UINT64_MAX - base) >> MM_PAGE_SHIFT,
	      "claim 0x%" PRIx64 " + %" PRIu64 " pages runs past 2^64", base, pages);
	uint64_t end = ffw_end(base, pages);
	/* inside one usable region of the initial map (sorted and disjoint:
	 * the one that holds base is the first that ends above it) */
	size_t lo = 0, hi = f->ninit;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->init[mid].end <= base)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct mm_region *r = lo < f->ninit ? &f->init[lo] : NULL;
	bool inside = r && r->base <= base && r->kind == MM_USABLE && end <= r->end;
	CHECK(inside, "claim 0x%" PRIx64 "..0x%" PRIx64 " (%" PRIu64 " pages) is not inside one usable region of the initial map",
	      base, end, pages);
	/* no overlap with a live claim */
	size_t k = ffw_lower(f, base);
	if (k < f->nlive)
		CHECK(f->live[k].base >= end,
		      "double claim: 0x%" PRIx64 "..0x%" PRIx64 " overlaps live claim 0x%" PRIx64 " + %" PRIu64 " pages",
		      base, end, f->live[k].base, f->live[k].pages);
	if (k > 0)
		CHECK(ffw_end(f->live[k - 1].base, f->live[k - 1].pages) <= base,
		      "double claim: 0x%" PRIx64 "..0x%" PRIx64 " overlaps live claim 0x%" PRIx64 " + %" PRIu64 " pages",
		      base, end, f->live[k - 1].base, f->live[k - 1].pages);
	/* refusals on purpose */
	if (f->refusals < f->refusal_budget &&
	    (((f->fail_mask >> (n % 32)) & 1) ||
	     (f->seam && base < f->seam && end > f->seam))) {
		f->refusals++;
		return FFW_REFUSED;
	}
	CHECK(f->nlive < f->live_cap,
	      "more than %zu live claims (the allocator's claim_cap)", f->live_cap);
	/* An element loop, not memmove: ASan's memmove copies byte by byte
	 * and was a seventh of fuzz_memmap's time. */
	for (size_t i = f->nlive; i > k; i--)
		f->live[i] = f->live[i - 1];
	f->live[k] = (struct ffw_claim){ base, pages, (uint32_t)kind };
	f->nlive++;
	if (f->on_claim)
		f->on_claim(base, pages, kind);
	return 0;
}

static void ffw_release_cb(void *ctx, uint64_t base, uint64_t pages)
{
	struct ffw *f = ctx;
	size_t k = ffw_lower(f, base);

	f->releases++;
	CHECK(k < f->nlive && f->live[k].base == base && f->live[k].pages == pages,
	      "release of 0x%" PRIx64 " + %" PRIu64 " pages, which is not a live claim",
	      base, pages);
	uint32_t kind = f->live[k].kind;
	for (size_t i = k; i + 1 < f->nlive; i++) /* not memmove: see above */
		f->live[i] = f->live[i + 1];
	f->nlive--;
	if (f->on_release)
		f->on_release(base, pages, (enum mm_kind)kind);
}

static const char *ffw_status_name(uint64_t st)
{
	return st == FFW_REFUSED ? "FAKE_REFUSED" : "FAKE_?";
}

/* live must hold live_cap entries (>= the allocator's claim_cap). */
static inline void ffw_init(struct ffw *f, const struct mm_region *init,
			    size_t ninit, struct ffw_claim *live, size_t live_cap)
{
	memset(f, 0, sizeof *f);
	f->fw = (struct mm_fw){ .ctx = f, .claim = ffw_claim_cb,
				.release = ffw_release_cb,
				.status_name = ffw_status_name };
	f->init = init;
	f->ninit = ninit;
	f->live = live;
	f->live_cap = live_cap;
}

static inline const struct ffw_claim *ffw_find(const struct ffw *f,
					       uint64_t base, uint64_t pages)
{
	size_t k = ffw_lower(f, base);
	if (k < f->nlive && f->live[k].base == base && f->live[k].pages == pages)
		return &f->live[k];
	return NULL;
}

static inline uint64_t ffw_live_pages(const struct ffw *f)
{
	uint64_t n = 0;
	for (size_t i = 0; i < f->nlive; i++)
		n += f->live[i].pages;
	return n;
}

/* ---- region checks ---- */

/* Sorted, non-overlapping, non-empty, valid kinds. */
static inline void check_regions_sane(const char *what, const struct mm_region *r,
				      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		CHECK(r[i].base < r[i].end, "%s: region %zu [0x%" PRIx64 ", 0x%" PRIx64 ") is empty",
		      what, i, r[i].base, r[i].end);
		CHECK(r[i].kind < MM_KIND_COUNT, "%s: region %zu has kind %u",
		      what, i, r[i].kind);
		if (i)
			CHECK(r[i - 1].end <= r[i].base,
			      "%s: regions %zu [0x%" PRIx64 ", 0x%" PRIx64 ") and %zu [0x%" PRIx64 ", 0x%" PRIx64 ") overlap or are unsorted",
			      what, i - 1, r[i - 1].base, r[i - 1].end,
			      i, r[i].base, r[i].end);
		if (r[i].kind == MM_USABLE) {
			CHECK(!(r[i].base & (MM_PAGE_SIZE - 1)) &&
			      !(r[i].end & (MM_PAGE_SIZE - 1)),
			      "%s: usable region %zu [0x%" PRIx64 ", 0x%" PRIx64 ") is not page-aligned",
			      what, i, r[i].base, r[i].end);
			CHECK(r[i].base >= MM_PAGE_SIZE,
			      "%s: usable region %zu [0x%" PRIx64 ", 0x%" PRIx64 ") contains page 0",
			      what, i, r[i].base, r[i].end);
		}
	}
}

/* The largest run of adjacent usable regions, in pages (independent of alloc.c). */
static inline uint64_t largest_run(const struct mm_region *r, size_t n)
{
	uint64_t best = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].kind != MM_USABLE)
			continue;
		uint64_t lo = r[i].base;
		while (i + 1 < n && r[i + 1].kind == MM_USABLE && r[i].end == r[i + 1].base)
			i++;
		uint64_t pages = (r[i].end - lo) >> MM_PAGE_SHIFT;
		if (pages > best)
			best = pages;
	}
	return best;
}

static inline uint64_t usable_pages(const struct mm_region *r, size_t n)
{
	uint64_t p = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].kind == MM_USABLE)
			p += (r[i].end - r[i].base) >> MM_PAGE_SHIFT;
	return p;
}

#endif
