/*
 * directmap.c - what the direct map can hold (DESIGN.md step 4).
 *
 * The direct map starts at RUNWAY_HHDM_OFFSET and can hold 2^64 minus
 * that: 128 TiB of physical address space.  A firmware map may name
 * memory above (a reserved page just below 2^64, memory at 128 TiB and
 * up): the normalized map is clipped to the limit before the allocator
 * and the direct map see it, so that neither the direct map's size nor
 * its end ever wraps.
 */
#include "mm.h"

#define SIZE_1G (1ull << 30)

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Account [lo, hi) of kind as dropped. */
static void dropped(struct mm_clip_info *info, uint64_t lo, uint64_t hi,
		    uint32_t kind)
{
	if (info->regions == 0 || lo < info->low)
		info->low = lo;
	if (hi > info->high)
		info->high = hi;
	info->regions++;
	info->bytes = add_sat(info->bytes, hi - lo);
	if (kind == MM_USABLE || kind == MM_BOOT_SERVICES)
		info->usable_bytes = add_sat(info->usable_bytes, hi - lo);
}

size_t mm_clip(struct mm_region *r, size_t n, uint64_t limit,
	       struct mm_clip_info *ret_info)
{
	struct mm_clip_info info = { 0 };
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (r[i].end <= limit) {
			r[k++] = r[i];
			continue;
		}
		uint64_t lo = r[i].base > limit ? r[i].base : limit;
		dropped(&info, lo, r[i].end, r[i].kind);
		if (r[i].base < limit) {
			r[k] = r[i];
			r[k++].end = limit;
		}
	}
	*ret_info = info;
	return k;
}

uint64_t mm_direct_map_size(const struct mm_region *r, size_t n)
{
	uint64_t top = 4 * SIZE_1G;

	for (size_t i = 0; i < n; i++)
		if (r[i].end > top)
			top = r[i].end;
	/* The limit is a whole number of gigabytes: rounding up below it
	 * cannot pass it, and nothing above it is rounded (or wraps). */
	if (top >= MM_DIRECT_MAP_LIMIT)
		return MM_DIRECT_MAP_LIMIT;
	return (top + SIZE_1G - 1) & ~(SIZE_1G - 1);
}

bool mm_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (alen == 0 || blen == 0)
		return false;
	/* Last bytes, not ends: a range may end at 2^64. */
	uint64_t a_last = alen - 1 > UINT64_MAX - a ? UINT64_MAX : a + (alen - 1);
	uint64_t b_last = blen - 1 > UINT64_MAX - b ? UINT64_MAX : b + (blen - 1);

	return a <= b_last && b <= a_last;
}
