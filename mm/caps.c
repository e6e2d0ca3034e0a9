/*
 * caps.c - how large one load's buffers must be (DESIGN.md step 4).
 *
 * The loader allocates its claim log, map buffer, region arrays and
 * normalize scratch once, before the first claim, because nothing may
 * allocate in the claim loop or after ExitBootServices.  Too small a
 * buffer is a failed boot ("out of region slots" during a rollback was
 * one: tests/fuzz/regress/memmap/rollback-out-of-region-slots), so the
 * arithmetic lives here, where host tests run it on captured OVMF maps.
 */
#include "mm.h"

/*
 * Claims one load makes without `fragment`: the hand-off block, the
 * kernel's runs (elf_load allows 256 pieces), the page tables and the
 * modules, one claim per firmware descriptor a run covers.  Running out
 * is a clean error ("out of claim slots"), never an overrun.
 */
#define MM_LOAD_CLAIMS 256

/*
 * Descriptors the firmware may add to its map on its own between our
 * snapshot and the final one (the pool buffers sized here, events).
 */
#define MM_MAP_SLACK 64

void mm_load_caps(size_t ndesc, uint64_t free_bytes, uint64_t fragment,
		  struct mm_load_caps *ret)
{
	uint64_t claims = MM_LOAD_CLAIMS;

	if (fragment) {
		/* mm_fragment claims every other fragment-sized slot: half of
		 * free memory in such pieces, plus one more per descriptor
		 * for the slots its edges cut short.  (config.c refuses
		 * pieces below a page; a smaller one would not be smaller.) */
		uint64_t piece = fragment < MM_PAGE_SIZE ? MM_PAGE_SIZE : fragment;
		claims += free_bytes / piece / 2 + ndesc;
	}
	/* Every claim can split a firmware descriptor in three: the final
	 * map, read after ExitBootServices into the same buffer, can grow by
	 * two descriptors per claim. */
	size_t map_descs = ndesc + 2 * (size_t)claims + MM_MAP_SLACK;

	*ret = (struct mm_load_caps){
		.claim_cap = (size_t)claims,
		.map_descs = map_descs,
		/* Normalizing yields up to two regions per descriptor; each
		 * claim and each refusal mark splits one in at most three. */
		.reg_cap = MM_REG_CAP(2 * map_descs, (size_t)claims),
		.final_reg_cap = 2 * map_descs,
		.scratch_size = mm_normalize_scratch(map_descs),
	};
}

int mm_final_map_check(const struct mm_load_caps *c, size_t map_size,
		       size_t desc_size, struct rw_err *err)
{
	if (desc_size < sizeof(struct mm_efi_desc))
		return rw_fail(err, "final memory map: descriptor size %zu is below %zu",
			       desc_size, sizeof(struct mm_efi_desc));
	size_t n = mm_efi_desc_count(map_size, desc_size);
	/* map_descs sizes both: final_reg_cap = 2 * map_descs regions and
	 * mm_normalize_scratch(map_descs) bytes. */
	if (n > c->map_descs || c->final_reg_cap < 2 * n ||
	    c->scratch_size < mm_normalize_scratch(n))
		return rw_fail(err, "final memory map: %zu descriptors, more than the %zu its buffers were sized for",
			       n, c->map_descs);
	return 0;
}
