/*
 * place.c - where a relocatable (ET_DYN) kernel goes in virtual memory
 * (DESIGN.md step 2): the KASLR slot in the kernel window, and the slide
 * that moves the parsed image there.
 *
 * Pure arithmetic on a parsed image: the randomness comes in as a number,
 * so that the host can try every slot.
 */
#include "elf64.h"

void elf_slide(struct elf_image *img, uint64_t slide)
{
	for (size_t i = 0; i < img->nseg; i++)
		img->seg[i].vaddr += slide;
	img->entry += slide;
	img->vlow += slide;
	img->vhigh += slide;
	img->slide += slide;
}

/* Is the window [ELF_WINDOW_BASE, + ELF_WINDOW_SIZE) able to hold `need`
 * bytes from `base` on? */
static bool in_window(uint64_t base, uint64_t need)
{
	return base >= ELF_WINDOW_BASE &&
	       base - ELF_WINDOW_BASE <= ELF_WINDOW_SIZE - need;
}

int elf_place(struct elf_image *img, const char *path, bool kaslr,
	      uint64_t random, uint64_t *ret_align, struct rw_err *err)
{
	uint64_t span = img->vhigh - img->vlow;
	uint64_t align = img->dyn.align > MM_PAGE_SIZE ? img->dyn.align : MM_PAGE_SIZE;
	uint64_t base;

	if (img->type != ELF_ET_DYN)
		return rw_fail(err, "%s: e_type is %u, not %u (ET_DYN): only a relocatable kernel can be placed",
			       path, img->type, ELF_ET_DYN);
	/* The window's base is 2 GiB-aligned: any slot in it keeps an
	 * alignment up to the window's size. */
	if (align > ELF_WINDOW_SIZE)
		return rw_fail(err, "%s: p_align 0x%" PRIx64 " is larger than the %" PRIu64 "-byte kernel window",
			       path, align, ELF_WINDOW_SIZE);
	uint64_t link = img->vlow & ~(align - 1);
	/* The window must hold the segments from the aligned link base on. */
	uint64_t need = span + (img->vlow - link);
	if (need < span || need > ELF_WINDOW_SIZE)
		return rw_fail(err, "%s: %" PRIu64 " bytes of segments (from a 0x%" PRIx64 "-aligned base) do not fit the %" PRIu64 "-byte kernel window",
			       path, span, align, ELF_WINDOW_SIZE);
	if (kaslr) {
		uint64_t slots = (ELF_WINDOW_SIZE - need) / align + 1;
		base = ELF_WINDOW_BASE + (random % slots) * align;
	} else if (in_window(link, need)) {
		base = link; /* linked inside the window: stays there */
	} else {
		base = ELF_WINDOW_BASE;
	}
	/* The slide is a multiple of the alignment, keeping every segment's
	 * offset within its alignment. */
	elf_slide(img, base - link);
	*ret_align = align;
	return 0;
}
