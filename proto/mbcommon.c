/*
 * mbcommon.c - what the Multiboot2 and Multiboot (1) protocols share:
 * the image their header describes, the arena their information lives
 * in, and the memory map in Multiboot's types.
 */
#include "mbcommon.h"

#include <string.h>

static bool entry_inside(const struct elf_image *img, uint64_t entry)
{
	for (size_t i = 0; i < img->nseg; i++)
		if (entry >= img->seg[i].vaddr &&
		    entry - img->seg[i].vaddr < img->seg[i].memsz)
			return true;
	return false;
}

/* Where the header sends the processor, set in img->entry. */
static int choose_entry(const struct mb_header *h, const char *path,
			struct elf_image *img, bool *ret_efi, struct rw_err *err)
{
	const char *what = "e_entry";

	*ret_efi = false;
	if (h->keep_bs && !h->has_efi64_entry)
		return rw_fail(err, "%s: the Multiboot2 header keeps EFI boot services (tag 7) but has no EFI amd64 entry address tag (type 9) to enter with them",
			       path);
	if (h->keep_bs) {
		img->entry = h->efi64_entry;
		*ret_efi = true;
		what = "EFI amd64 entry address";
	} else if (h->has_entry) {
		img->entry = h->entry;
		what = "entry address";
	} else if (h->has_addr) {
		return rw_fail(err, "%s: the Multiboot%s header has an address tag but no entry address tag (type 3)",
			       path, h->version == 2 ? "2" : "");
	}
	if (!entry_inside(img, img->entry))
		return rw_fail(err, "%s: the %s 0x%" PRIx64 " is outside the loaded image (physical 0x%" PRIx64 "..0x%" PRIx64 ")",
			       path, what, img->entry, img->vlow, img->vhigh);
	return 0;
}

int mb_parse_image(int version, const struct elf_file *f, const uint8_t *head,
		   size_t len, struct mb_header *ret_hdr, struct elf_image *ret_img,
		   struct rw_err *err)
{
	struct elf_image img;
	unsigned cls = 0;
	bool efi;
	int r = mb_find(version, head, len, f->size, f->path, ret_hdr, err);
	const struct mb_header *h = ret_hdr;

	if (r < 0)
		return -1;
	if (r == 0)
		return rw_fail(err, "%s: no Multiboot%s header (magic 0x%08x) in the first %d KiB",
			       f->path, version == 2 ? "2" : "",
			       version == 2 ? MB2_HEADER_MAGIC : MB1_HEADER_MAGIC,
			       (version == 2 ? MB2_WINDOW : MB1_WINDOW) / 1024);
	if (h->has_addr ? mb_image_from_addr(h, f->size, f->path, &img, err)
			: elf_parse_phys(f, &img, &cls, err))
		return -1;
	if (choose_entry(h, f->path, &img, &efi, err))
		return -1;
	img.claim_as_loader = efi;
	img.may_stage = !efi;
	if (!efi && img.vhigh > MB_SIZE_4G)
		return rw_fail(err, "%s: the image reaches physical 0x%" PRIx64 ", above 4 GiB, which a 32-bit entry cannot reach",
			       f->path, img.vhigh);
	if (h->has_reloc) {
		img.move.on = true;
		img.move.min = h->reloc_min;
		img.move.max = h->reloc_max;
		/* max_addr is the highest address of the image: its end may
		 * be the byte after it. */
		if (img.move.max < UINT64_MAX)
			img.move.max++;
		if (!efi && img.move.max > MB_SIZE_4G)
			img.move.max = MB_SIZE_4G;
		img.move.align = h->reloc_align;
		img.move.highest = h->reloc_prefer == MB2_PREFER_HIGH;
	}
	*ret_img = img;
	return 0;
}

int mb_arena_claim(struct proto_run *run, uint64_t bytes, struct mb_arena *ret,
		   struct rw_err *err)
{
	struct mm_req req = { .pages = MM_PAGES(bytes), .below = MB_SIZE_4G,
			      .kind = MM_LOADER };
	struct rw_err why;
	uint64_t base;

	if (mm_alloc_run(run->alloc, &req, &base, &why))
		return rw_fail(err, "boot information (%" PRIu64 " pages below 4 GiB): %s",
			       req.pages, why.msg);
	*ret = (struct mb_arena){ run->p2v(run->p2v_ctx, base), base, 0,
				  req.pages << MM_PAGE_SHIFT };
	memset(ret->host, 0, ret->cap);
	return 0;
}

void *mb_take(struct mb_arena *a, uint64_t size, uint64_t align)
{
	uint64_t at = (a->used + align - 1) & ~(align - 1);

	if (at > a->cap || size > a->cap - at)
		return NULL;
	a->used = at + size;
	return a->host + at;
}

size_t mb_memory_map(const struct mm_region *reg, size_t nreg,
		     struct runway_mmap_entry *out, size_t cap)
{
	size_t m = 0;

	for (size_t i = 0; i < nreg; i++) {
		uint32_t type = mb_mem_type(reg[i].kind);
		if (reg[i].end <= reg[i].base)
			continue;
		if (m && out[m - 1].type == type &&
		    out[m - 1].base + out[m - 1].length == reg[i].base) {
			out[m - 1].length = reg[i].end - out[m - 1].base;
			continue;
		}
		if (m == cap)
			return 0;
		out[m++] = (struct runway_mmap_entry){ reg[i].base,
						       reg[i].end - reg[i].base, type, 0 };
	}
	return m;
}

/* KiB of available memory contiguous from `from` (0 if none there). */
static uint64_t available_from(const struct runway_mmap_entry *e, size_t n,
			       uint64_t from)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].type == MB_MEM_AVAILABLE && e[i].base <= from &&
		    from - e[i].base < e[i].length)
			return (e[i].base + e[i].length - from) >> 10;
	return 0;
}

void mb_meminfo(const struct runway_mmap_entry *e, size_t n,
		uint32_t *ret_lower, uint32_t *ret_upper)
{
	uint64_t lower = available_from(e, n, 0);
	uint64_t upper = available_from(e, n, UINT64_C(1) << 20);

	*ret_lower = (uint32_t)(lower > 640 ? 640 : lower);
	*ret_upper = (uint32_t)(upper > UINT32_MAX ? UINT32_MAX : upper);
}

void mb_color_fields(const struct fb_mode *m, uint8_t out[6])
{
	const uint32_t masks[3] = { m->red_mask, m->green_mask, m->blue_mask };

	for (int i = 0; i < 3; i++) {
		out[2 * i] = (uint8_t)fb_mask_shift(masks[i]);
		out[2 * i + 1] = (uint8_t)fb_mask_size(masks[i]);
	}
}

uint32_t mb_rsdp_size(const struct proto_run *run, uint64_t phys)
{
	const uint8_t *p = run->p2v(run->p2v_ctx, phys);
	uint32_t len;

	if (p[15] == 0)
		return 20;
	memcpy(&len, p + 20, 4);
	return len < 36 ? 36 : len > 1024 ? 1024 : len;
}
