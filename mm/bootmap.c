/*
 * bootmap.c - the memory map handed to the kernel (DESIGN.md step 10).
 *
 * Runs after ExitBootServices, so it allocates nothing: it converts
 * normalized regions of the final firmware map into protocol entries in a
 * buffer sized beforehand.  Boot-services memory becomes usable, loader
 * memory loader-reclaimable; neighbours of one type merge; page 0 is never
 * usable.
 */
#include "mm.h"

#include "runway/boot.h"

static uint32_t boot_type(uint32_t kind)
{
	switch (kind) {
	case MM_USABLE:
	case MM_BOOT_SERVICES:
		return RUNWAY_MEM_USABLE;
	case MM_LOADER:
		return RUNWAY_MEM_LOADER_RECLAIMABLE;
	case MM_KERNEL:
		return RUNWAY_MEM_KERNEL;
	case MM_MODULE:
		return RUNWAY_MEM_MODULE;
	case MM_ACPI_RECLAIM:
		return RUNWAY_MEM_ACPI_RECLAIMABLE;
	case MM_ACPI_NVS:
		return RUNWAY_MEM_ACPI_NVS;
	case MM_BAD:
		return RUNWAY_MEM_BAD;
	default:
		return RUNWAY_MEM_RESERVED;
	}
}

static int push(struct runway_mmap_entry *out, size_t cap, size_t *n,
		uint64_t base, uint64_t end, uint32_t type)
{
	if (end <= base)
		return 0;
	if (*n && out[*n - 1].type == type &&
	    out[*n - 1].base + out[*n - 1].length == base) {
		out[*n - 1].length += end - base;
		return 0;
	}
	if (*n == cap)
		return -1;
	out[(*n)++] = (struct runway_mmap_entry){ base, end - base, type, 0 };
	return 0;
}

size_t mm_boot_map(const struct mm_region *r, size_t nreg,
		   struct runway_mmap_entry *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < nreg; i++) {
		uint32_t type = boot_type(r[i].kind);
		uint64_t base = r[i].base, end = r[i].end;
		if (type == RUNWAY_MEM_USABLE) {
			/* Whole pages only; page 0 stays out of reach. */
			uint64_t lo = mm_page_up(base);
			uint64_t hi = end & ~(MM_PAGE_SIZE - 1);
			if (lo < MM_PAGE_SIZE)
				lo = MM_PAGE_SIZE;
			if (push(out, cap, &n, base, lo < end ? lo : end, RUNWAY_MEM_RESERVED) ||
			    push(out, cap, &n, lo, hi, type) ||
			    push(out, cap, &n, hi > lo ? hi : lo, end, RUNWAY_MEM_RESERVED))
				return 0;
			continue;
		}
		if (push(out, cap, &n, base, end, type))
			return 0;
	}
	return n;
}
