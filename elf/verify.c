/*
 * verify.c - verify mode's digest (DESIGN.md, `verify = PATH`):
 * read a loaded image back through the page tables built for it and hash
 * what they map, so that a table pointing at the wrong page shows.
 *
 * tools/elfhash computes the same digest from the file: every PT_LOAD
 * segment's p_memsz bytes (file bytes, then zeros), in program-header
 * order.
 */
#include "elf64.h"
#include "sha256.h"

/* img's segments in program-header order (they are kept sorted by vaddr). */
static void phdr_order(const struct elf_image *img,
		       const struct elf_segment *ret_order[ELF_MAX_SEGMENTS])
{
	for (size_t i = 0; i < img->nseg; i++) {
		size_t k = i;
		while (k > 0 && ret_order[k - 1]->phdr_index > img->seg[i].phdr_index) {
			ret_order[k] = ret_order[k - 1];
			k--;
		}
		ret_order[k] = &img->seg[i];
	}
}

/* Hash the bytes mapped at [v, v + len): one walk per leaf page, one
 * phys_to_ptr per 4 KiB page.  Returns false at the first unmapped byte,
 * with its address in *ret_bad. */
static bool hash_mapped_range(struct sha256 *h, const struct mm_pt *pt,
			      uint64_t v, uint64_t len, uint64_t *ret_bad)
{
	while (len) {
		uint64_t phys, page;
		uint32_t flags;
		if (!mm_pt_walk(pt, v, &phys, &flags, &page)) {
			*ret_bad = v;
			return false;
		}
		uint64_t leaf_left = page - (v & (page - 1));
		uint64_t take = len < leaf_left ? len : leaf_left;
		v += take;
		len -= take;
		while (take) {
			uint64_t n = MM_PAGE_SIZE - (phys & (MM_PAGE_SIZE - 1));
			if (n > take)
				n = take;
			sha256_update(h, pt->phys_to_ptr(pt->ctx, phys), (size_t)n);
			phys += n;
			take -= n;
		}
	}
	return true;
}

int elf_hash_mapped(const struct elf_image *img, const struct mm_pt *pt,
		    const char *path, uint8_t ret_digest[32], struct rw_err *err)
{
	const struct elf_segment *order[ELF_MAX_SEGMENTS];
	struct sha256 h;
	uint64_t bad;

	phdr_order(img, order);
	sha256_init(&h);
	for (size_t i = 0; i < img->nseg; i++)
		if (!hash_mapped_range(&h, pt, order[i]->vaddr, order[i]->memsz, &bad))
			return rw_fail(err, "%s: verify: 0x%" PRIx64 " (phdr %u) is not mapped",
				       path, bad, order[i]->phdr_index);
	sha256_final(&h, ret_digest);
	return 0;
}
