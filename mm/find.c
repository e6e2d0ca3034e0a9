/*
 * find.c - questions about an allocator's regions that claim nothing:
 * where a fixed image that may move can go, and who holds memory a fixed
 * image needs (for the error message when it cannot be claimed).
 */
#include "mm.h"

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return v > UINT64_MAX - (align - 1) ? UINT64_MAX : (v + align - 1) & ~(align - 1);
}

bool mm_alloc_find(const struct mm_alloc *a, uint64_t size, uint64_t min,
		   uint64_t max, uint64_t align, bool highest, uint64_t *ret_base)
{
	bool found = false;

	if (align < MM_PAGE_SIZE)
		align = MM_PAGE_SIZE;
	if (size == 0 || max < size || align & (align - 1))
		return false;
	/* Usable runs: adjacent usable regions join into one. */
	for (size_t i = 0; i < a->nreg; i++) {
		if (a->reg[i].kind != MM_USABLE)
			continue;
		uint64_t lo = a->reg[i].base, hi = a->reg[i].end;
		while (i + 1 < a->nreg && a->reg[i + 1].kind == MM_USABLE &&
		       a->reg[i + 1].base == hi)
			hi = a->reg[++i].end;
		if (lo < min)
			lo = min;
		if (hi > max)
			hi = max;
		uint64_t first = align_up(lo, align);
		if (first >= hi || hi - first < size)
			continue;
		uint64_t last = (hi - size) & ~(align - 1);
		if (!highest) {
			*ret_base = first;
			return true;
		}
		*ret_base = last;
		found = true;
	}
	return found;
}

bool mm_alloc_owner(const struct mm_alloc *a, uint64_t base, uint64_t end,
		    struct mm_region *ret)
{
	uint64_t at = base;

	for (size_t i = 0; i < a->nreg && at < end; i++) {
		const struct mm_region *r = &a->reg[i];
		if (r->end <= at)
			continue;
		if (r->base > at) {
			/* A hole in the map: memory the firmware does not name. */
			*ret = (struct mm_region){ at, r->base < end ? r->base : end,
						   MM_KIND_COUNT, 0 };
			return true;
		}
		if (r->kind != MM_USABLE) {
			*ret = (struct mm_region){ at, r->end < end ? r->end : end,
						   r->kind, r->src };
			return true;
		}
		at = r->end;
	}
	if (at < end) {
		*ret = (struct mm_region){ at, end, MM_KIND_COUNT, 0 };
		return true;
	}
	return false;
}
