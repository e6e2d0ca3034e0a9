/*
 * memmap.c - normalize a firmware memory map (DESIGN.md step 4).
 *
 * Firmware maps are not promised to be sorted, may contain zero-length or
 * overlapping entries, and come with a descriptor size larger than the
 * structure the spec shows.  This file turns one into sorted,
 * non-overlapping regions by sweeping over the descriptors' boundaries.
 */
#include "mm.h"

#include <string.h>

static const char *const kind_names[MM_KIND_COUNT] = {
	[MM_USABLE] = "usable",
	[MM_BOOT_SERVICES] = "boot-services",
	[MM_LOADER] = "loader",
	[MM_KERNEL] = "kernel",
	[MM_MODULE] = "module",
	[MM_ACPI_RECLAIM] = "acpi-reclaim",
	[MM_ACPI_NVS] = "acpi-nvs",
	[MM_RESERVED] = "reserved",
	[MM_BAD] = "bad",
};

const char *mm_kind_name(enum mm_kind kind)
{
	return kind < MM_KIND_COUNT ? kind_names[kind] : "?";
}

enum mm_kind mm_kind_of_efi(uint32_t t)
{
	switch (t) {
	case MM_EFI_CONVENTIONAL:
		return MM_USABLE;
	case MM_EFI_BS_CODE:
	case MM_EFI_BS_DATA:
		return MM_BOOT_SERVICES;
	case MM_EFI_LOADER_CODE:
	case MM_EFI_LOADER_DATA:
		return MM_LOADER;
	case MM_EFI_RUNWAY_KERNEL:
		return MM_KERNEL;
	case MM_EFI_RUNWAY_MODULE:
		return MM_MODULE;
	case MM_EFI_ACPI_RECLAIM:
		return MM_ACPI_RECLAIM;
	case MM_EFI_ACPI_NVS:
		return MM_ACPI_NVS;
	case MM_EFI_UNUSABLE:
		return MM_BAD;
	default: /* reserved, runtime, MMIO, persistent, unaccepted, OEM */
		return MM_RESERVED;
	}
}

size_t mm_normalize_scratch(size_t ndesc)
{
	return ndesc * (sizeof(struct mm_region) + 2 * sizeof(uint64_t) +
			sizeof(uint32_t));
}

/* Shell sort: n is at most a few thousand and input is usually sorted. */
static void sort_regions(struct mm_region *r, size_t n)
{
	static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };

	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
		size_t gap = gaps[g];
		for (size_t i = gap; i < n; i++) {
			struct mm_region t = r[i];
			size_t j = i;
			while (j >= gap && (r[j - gap].base > t.base ||
					    (r[j - gap].base == t.base &&
					     r[j - gap].src > t.src))) {
				r[j] = r[j - gap];
				j -= gap;
			}
			r[j] = t;
		}
	}
}

static void sort_u64(uint64_t *v, size_t n)
{
	static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };

	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
		size_t gap = gaps[g];
		for (size_t i = gap; i < n; i++) {
			uint64_t t = v[i];
			size_t j = i;
			while (j >= gap && v[j - gap] > t) {
				v[j] = v[j - gap];
				j -= gap;
			}
			v[j] = t;
		}
	}
}

/* Append [base, end) of kind, merging with the previous region when allowed. */
static int emit(struct mm_region *out, size_t cap, size_t *n, uint64_t base,
		uint64_t end, uint32_t kind, uint32_t src)
{
	if (*n) {
		struct mm_region *p = &out[*n - 1];
		if (p->end == base && p->kind == kind &&
		    (kind != MM_USABLE || p->src == src)) {
			p->end = end;
			return 0;
		}
	}
	if (*n == cap)
		return -1;
	out[(*n)++] = (struct mm_region){ base, end, kind, src };
	return 0;
}

size_t mm_efi_desc_count(size_t map_size, size_t desc_size)
{
	return desc_size < sizeof(struct mm_efi_desc) ? 0 : map_size / desc_size;
}

const struct mm_efi_desc *mm_efi_desc_at(const void *map, size_t map_size,
					 size_t desc_size, size_t i)
{
	if (i >= mm_efi_desc_count(map_size, desc_size))
		return NULL;
	return (const void *)((const uint8_t *)map + i * desc_size);
}

/* Descriptor i of a map whose descriptors are desc_size bytes apart (the
 * buffer need not be aligned for the structure). */
static struct mm_efi_desc desc_at(const void *map, size_t desc_size, size_t i)
{
	struct mm_efi_desc d;

	memcpy(&d, (const uint8_t *)map + i * desc_size, sizeof d);
	return d;
}

/* Pages of d that lie below 2^64 (an entry may claim to run past it). */
static uint64_t desc_pages(const struct mm_efi_desc *d)
{
	uint64_t room = (UINT64_MAX - d->phys_start) >> MM_PAGE_SHIFT;

	return d->pages > room ? room : d->pages;
}

uint64_t mm_efi_free_bytes(const void *map, size_t map_size, size_t desc_size)
{
	size_t n = mm_efi_desc_count(map_size, desc_size);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		struct mm_efi_desc d = desc_at(map, desc_size, i);
		if (d.type != MM_EFI_CONVENTIONAL)
			continue;
		uint64_t bytes = desc_pages(&d) << MM_PAGE_SHIFT;
		total = bytes > UINT64_MAX - total ? UINT64_MAX : total + bytes;
	}
	return total;
}

/* Stage 1: the descriptors with memory, as regions of their kind (src is
 * the descriptor's index), into in[]; returns how many. */
static size_t collect(const void *map, size_t ndesc, size_t desc_size,
		      struct mm_region *in)
{
	size_t n = 0;

	for (size_t i = 0; i < ndesc; i++) {
		struct mm_efi_desc d = desc_at(map, desc_size, i);
		/* Clip entries that run past the 64-bit address space. */
		uint64_t pages = desc_pages(&d);
		if (pages == 0)
			continue;
		in[n++] = (struct mm_region){ d.phys_start,
					      d.phys_start + (pages << MM_PAGE_SHIFT),
					      mm_kind_of_efi(d.type), (uint32_t)i };
	}
	return n;
}

/*
 * Stage 2: sweep the elementary intervals between the sorted boundaries
 * bounds[0..2n) of in[0..n) (sorted by base); each goes to the most
 * restrictive descriptor covering it (the lowest index among equals).
 * active[] (n entries) holds the descriptors covering the current
 * interval.  Returns -1 when out[] is full.
 */
static int sweep(const struct mm_region *in, size_t n, const uint64_t *bounds,
		 uint32_t *active, struct mm_region *out, size_t out_cap,
		 size_t *ret_count)
{
	size_t count = 0, nactive = 0, next = 0;

	for (size_t b = 0; b + 1 < 2 * n; b++) {
		uint64_t lo = bounds[b], hi = bounds[b + 1];
		if (lo == hi)
			continue;
		size_t k = 0;
		for (size_t j = 0; j < nactive; j++)
			if (in[active[j]].end > lo)
				active[k++] = active[j];
		nactive = k;
		while (next < n && in[next].base <= lo) {
			if (in[next].end > lo)
				active[nactive++] = (uint32_t)next;
			next++;
		}
		if (nactive == 0)
			continue;
		const struct mm_region *win = &in[active[0]];
		for (size_t j = 1; j < nactive; j++) {
			const struct mm_region *c = &in[active[j]];
			if (c->kind > win->kind ||
			    (c->kind == win->kind && c->src < win->src))
				win = c;
		}
		if (emit(out, out_cap, &count, lo, hi, win->kind, win->src))
			return -1;
	}
	*ret_count = count;
	return 0;
}

/* Stage 3: usable memory in whole pages only, never page 0.  Returns the
 * new count. */
static size_t trim_usable(struct mm_region *r, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct mm_region x = r[i];
		if (x.kind == MM_USABLE) {
			x.base = mm_page_up(x.base);
			x.end &= ~(MM_PAGE_SIZE - 1);
			if (x.base < MM_PAGE_SIZE)
				x.base = MM_PAGE_SIZE;
			if (x.end <= x.base)
				continue;
		}
		r[k++] = x;
	}
	return k;
}

int mm_normalize(const void *map, size_t map_size, size_t desc_size,
		 struct mm_region *out, size_t out_cap, void *scratch,
		 size_t scratch_size, size_t *ret_count, struct rw_err *err)
{
	if (desc_size < sizeof(struct mm_efi_desc))
		return rw_fail(err, "memory map: descriptor size %zu is below %zu",
			       desc_size, sizeof(struct mm_efi_desc));
	size_t ndesc = map_size / desc_size;
	if (scratch_size < mm_normalize_scratch(ndesc))
		return rw_fail(err, "memory map: %zu descriptors need %zu bytes of scratch, have %zu",
			       ndesc, mm_normalize_scratch(ndesc), scratch_size);
	if (out_cap < 2 * ndesc)
		return rw_fail(err, "memory map: %zu descriptors need room for %zu regions, have %zu",
			       ndesc, 2 * ndesc, out_cap);

	struct mm_region *in = scratch;
	uint64_t *bounds = (uint64_t *)(in + ndesc);
	uint32_t *active = (uint32_t *)(bounds + 2 * ndesc);
	size_t n = collect(map, ndesc, desc_size, in), count;

	sort_regions(in, n);
	for (size_t i = 0; i < n; i++) {
		bounds[2 * i] = in[i].base;
		bounds[2 * i + 1] = in[i].end;
	}
	sort_u64(bounds, 2 * n);
	if (sweep(in, n, bounds, active, out, out_cap, &count))
		return rw_fail(err, "memory map: too many regions");
	*ret_count = trim_usable(out, count);
	return 0;
}
