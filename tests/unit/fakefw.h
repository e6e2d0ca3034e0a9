/*
 * fakefw.h - test doubles shared by the unit tests: a fake firmware behind
 * struct mm_fw that keeps its own page-level view of memory, and a helper
 * that builds and normalizes a firmware memory map.
 *
 * The fake knows, for every page below npages, which conventional
 * descriptor it belongs to (or none) and whether it is claimed.  Every claim
 * must lie inside one conventional descriptor, be page-aligned and not
 * overlap a live claim; every release must match a live claim exactly.
 * Anything else is a violation (counted, first message kept) and the call is
 * refused.  Refusals on purpose (fail_nth, fail_from, refuse range) are not
 * violations.
 */
#ifndef RUNWAY_TEST_FAKEFW_H
#define RUNWAY_TEST_FAKEFW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm.h"

#define FAKE_STATUS_REFUSED 0x800000000000000eull /* EFI_NOT_FOUND */
#define FAKE_STATUS_BAD     0x8000000000000002ull /* EFI_INVALID_PARAMETER */

struct fake_call {
	uint64_t base, pages;
	int kind;     /* enum mm_kind for claims, -1 for releases */
	bool release;
	bool ok;
};

struct fake_fw {
	struct mm_fw fw;
	uint64_t npages;      /* pages [0, npages) are tracked */
	int32_t *desc;        /* per page: conventional descriptor, -1 if none */
	uint8_t *claimed;     /* per page */
	struct mm_claim *live;
	size_t nlive, live_cap;
	struct fake_call *log;
	size_t nlog, log_cap;
	uint64_t claim_calls, release_calls;
	uint64_t fail_nth;    /* refuse claim call number N (1-based); 0: never */
	uint64_t fail_from;   /* refuse every claim call number >= N; 0: never */
	uint64_t refuse_base, refuse_end; /* refuse claims touching this range */
	uint64_t seam;        /* refuse claims with base < seam < end (an
				 internal descriptor boundary, as in EDK2) */
	uint64_t refusals;    /* claims refused on purpose */
	uint64_t violations;
	char violation[256];  /* the first one */
};

void fake_init(struct fake_fw *f, uint64_t npages);
void fake_destroy(struct fake_fw *f);
/* Register conventional descriptor `id` covering [base, base + pages). */
void fake_add_conventional(struct fake_fw *f, uint64_t base, uint64_t pages,
			   int32_t id);
uint64_t fake_claimed_pages(const struct fake_fw *f);
/* Is the page at phys free (in a conventional descriptor, unclaimed)? */
bool fake_page_free(const struct fake_fw *f, uint64_t phys);
/* Forget the call log (keeps the state). */
void fake_clear_log(struct fake_fw *f);

/* Fails the current cmocka test with the first violation, if any. */
#define assert_fake_clean(f)                                                  \
	do {                                                                  \
		if ((f)->violations)                                          \
			fail_msg("fake firmware: %" PRIu64                    \
				 " violation(s), first: %s",                  \
				 (f)->violations, (f)->violation);            \
	} while (0)

/* A firmware descriptor, for building maps. */
struct fake_desc {
	uint32_t type;
	uint64_t base;
	uint64_t pages;
};

/*
 * Build descs as a firmware map (descriptor size 48), normalize it into
 * out[0..cap) (asserting success) and, if f is non-NULL, register its
 * conventional descriptors with f.  Returns the region count.
 */
size_t fake_map(struct fake_fw *f, const struct fake_desc *d, size_t n,
		struct mm_region *out, size_t cap);

/* Sanity of an allocator's region array: sorted, non-empty, non-overlapping. */
void assert_regions_sane(const struct mm_region *r, size_t n);

#endif
