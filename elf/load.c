/*
 * load.c - claim, fill and describe a kernel's segments (DESIGN.md steps
 * 6 and 7).
 *
 * The whole image goes into one run of physical pages when the holes
 * between its segments are small (one firmware call, and physical offsets
 * equal virtual ones).  Otherwise segments whose pages touch form a group,
 * the unit of allocation: one run per group when one fits, else the
 * fewest runs the free memory allows, stitched together virtually by the
 * page tables.  File bytes are read straight into their final pages in
 * large chunks; only the bytes no file data covers are zeroed.
 */
#include "elf64.h"
#include "format.h"

#include <string.h>

#define PAGE 4096ull
#define SIZE_2M (2ull << 20)
#define READ_CHUNK_MAX (64ull << 20)
#define READ_CHUNK_MIN (64ull << 10)

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

/* Group segments whose page spans overlap. */
static void plan_groups(const struct elf_image *img, struct elf_load *ld)
{
	ld->ngroups = 0;
	ld->shared_pages = 0;
	for (size_t i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t lo = page_down(s->vaddr);
		uint64_t hi = page_up(s->vaddr + s->memsz);
		struct elf_group *g = ld->ngroups ? &ld->group[ld->ngroups - 1] : NULL;
		uint64_t gend = g ? g->vbase + (g->pages << 12) : 0;
		if (g && lo < gend) {
			ld->shared_pages += (gend - lo) >> 12;
			if (hi > gend)
				g->pages = (hi - g->vbase) >> 12;
			g->nseg++;
			continue;
		}
		ld->group[ld->ngroups++] = (struct elf_group){
			.vbase = lo,
			.pages = (hi - lo) >> 12,
			.first_seg = i,
			.nseg = 1,
		};
	}
}

/*
 * Call fn on each physically contiguous part of the group's virtual range
 * [v, v + len), with the physical address of its start.
 */
typedef int (*range_fn)(void *ctx, uint64_t v, uint64_t phys, uint64_t len);

static int for_each_phys(const struct elf_load *ld, const struct elf_group *g,
			 uint64_t v, uint64_t len, range_fn fn, void *ctx)
{
	uint64_t pv = g->vbase;

	for (size_t p = 0; p < g->npieces && len; p++) {
		const struct mm_claim *pc = &ld->piece[g->first_piece + p];
		uint64_t pend = pv + (pc->pages << 12);
		if (v < pend) {
			uint64_t n = pend - v < len ? pend - v : len;
			int r = fn(ctx, v, pc->base + (v - pv), n);
			if (r)
				return r;
			v += n;
			len -= n;
		}
		pv = pend;
	}
	return 0;
}

struct fill_ctx {
	const struct elf_file *f;
	struct elf_load *ld;
	elf_phys_to_ptr p2v;
	void *p2v_ctx;
	uint64_t file_off; /* file offset of the virtual address file_v */
	uint64_t file_v;
	struct rw_err *err;
};

static uint64_t clock_now(const struct elf_file *f)
{
	return f->clock ? f->clock() : 0;
}

static int zero_part(void *c, uint64_t v, uint64_t phys, uint64_t len)
{
	struct fill_ctx *fc = c;
	uint64_t t = clock_now(fc->f);

	(void)v;
	memset(fc->p2v(fc->p2v_ctx, phys), 0, len);
	fc->ld->zero_time += clock_now(fc->f) - t;
	return 0;
}

/* Read in chunks of up to 64 MiB; halve on refusal (some firmware refuses
 * large reads), down to 64 KiB. */
static int read_part(void *c, uint64_t v, uint64_t phys, uint64_t len)
{
	struct fill_ctx *fc = c;
	uint64_t off = fc->file_off + (v - fc->file_v);
	uint8_t *dst = fc->p2v(fc->p2v_ctx, phys);
	uint64_t chunk = READ_CHUNK_MAX;

	while (len) {
		uint64_t n = len < chunk ? len : chunk;
		uint64_t t = clock_now(fc->f);
		uint64_t st = fc->f->read(fc->f->ctx, off, dst, n);
		fc->ld->read_time += clock_now(fc->f) - t;
		if (st) {
			if (chunk > READ_CHUNK_MIN && n > READ_CHUNK_MIN) {
				chunk = (n / 2 + PAGE - 1) & ~(PAGE - 1);
				continue;
			}
			return rw_fail(fc->err, "%s: reading %" PRIu64 " bytes at offset %" PRIu64 " failed: %s",
				       fc->f->path, n, off,
				       fc->f->status_name ? fc->f->status_name(st) : "error");
		}
		fc->ld->reads++;
		fc->ld->bytes_read += n;
		dst += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int fill_group(const struct elf_image *img, const struct elf_group *g,
		      struct fill_ctx *fc)
{
	uint64_t at = g->vbase; /* everything below `at` is filled */

	for (size_t i = g->first_seg; i < g->first_seg + g->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (s->vaddr > at &&
		    for_each_phys(fc->ld, g, at, s->vaddr - at, zero_part, fc))
			return -1;
		fc->file_off = s->offset;
		fc->file_v = s->vaddr;
		if (s->filesz &&
		    for_each_phys(fc->ld, g, s->vaddr, s->filesz, read_part, fc))
			return -1;
		at = s->vaddr + s->filesz;
		/* bss: zeroed up to the segment end or the next segment's
		 * start, whichever comes first. */
		uint64_t end = s->vaddr + s->memsz;
		if (end > at && for_each_phys(fc->ld, g, at, end - at, zero_part, fc))
			return -1;
		at = end;
	}
	uint64_t gend = g->vbase + (g->pages << 12);
	if (gend > at)
		return for_each_phys(fc->ld, g, at, gend - at, zero_part, fc);
	return 0;
}

/* Holes between groups small enough to claim them with the image. */
static bool span_worth_one_run(const struct elf_image *img,
			       const struct elf_load *ld)
{
	uint64_t span = (img->vhigh - img->vlow) >> 12, used = 0;

	for (size_t gi = 0; gi < ld->ngroups; gi++)
		used += ld->group[gi].pages;
	return span - used <= 16 || span - used <= span / 16;
}

/* One run of `pages` whose physical base agrees with vbase modulo 2 MiB
 * when it spans that much (so that the tables can map its aligned
 * interior with large pages), else anywhere page-aligned. */
static int claim_run(struct mm_alloc *a, uint64_t vbase, uint64_t pages,
		     uint64_t *ret_base, struct rw_err *why)
{
	struct mm_req req = { .pages = pages, .kind = MM_KERNEL };

	if ((pages << 12) >= SIZE_2M) {
		req.align = SIZE_2M;
		req.phase = vbase & (SIZE_2M - 1);
		if (mm_alloc_run(a, &req, ret_base, why) == 0)
			return 0;
	}
	req.align = 0;
	req.phase = 0;
	return mm_alloc_run(a, &req, ret_base, why);
}

/* The whole span [vlow, vhigh) in one run; each group is its part. */
static int claim_span(const struct elf_image *img, struct elf_load *ld,
		      struct mm_alloc *a, struct rw_err *why)
{
	uint64_t base;

	if (claim_run(a, img->vlow, (img->vhigh - img->vlow) >> 12, &base, why))
		return -1;
	for (size_t gi = 0; gi < ld->ngroups; gi++) {
		struct elf_group *g = &ld->group[gi];
		g->first_piece = gi;
		g->npieces = 1;
		ld->piece[gi] = (struct mm_claim){ base + (g->vbase - img->vlow), g->pages };
	}
	ld->npieces = ld->ngroups;
	ld->nruns = 1;
	return 0;
}

/* Each group on its own: one run when one fits, else pieces. */
static int claim_groups(const struct elf_file *f, struct elf_load *ld,
			struct mm_alloc *a, struct rw_err *err)
{
	struct rw_err why;

	for (size_t gi = 0; gi < ld->ngroups; gi++) {
		struct elf_group *g = &ld->group[gi];
		struct mm_req req = { .pages = g->pages, .kind = MM_KERNEL };
		size_t n = 0;
		g->first_piece = ld->npieces;
		/* One run that agrees with the group's virtual base modulo
		 * 2 MiB lets the tables use large pages for its aligned
		 * interior (in pieces they are lost anyway: no firmware call is
		 * made unless such a run exists); else pages. */
		int r = -1;
		if ((g->pages << 12) >= SIZE_2M) {
			uint64_t base;
			req.align = SIZE_2M;
			req.phase = g->vbase & (SIZE_2M - 1);
			r = mm_alloc_run(a, &req, &base, &why);
			if (r == 0) {
				ld->piece[ld->npieces] = (struct mm_claim){ base, g->pages };
				n = 1;
			}
		}
		if (r) {
			req.align = 0;
			req.phase = 0;
			r = mm_alloc_pieces(a, &req, &ld->piece[ld->npieces],
					    ELF_MAX_PIECES - ld->npieces, &n, &why);
		}
		if (r)
			return rw_fail(err, "%s: no memory for segment group %zu (0x%" PRIx64 ", %" PRIu64 " pages): %s",
				       f->path, gi, g->vbase, g->pages, why.msg);
		g->npieces = n;
		ld->npieces += n;
	}
	ld->nruns = ld->npieces;
	return 0;
}

/* A one-run image's pages between groups are claimed too: zeroed, so that
 * nothing from earlier use of the memory is taken for the kernel's (a
 * protocol scans the whole image). */
static void zero_holes(const struct elf_image *img, const struct elf_load *ld,
		       elf_phys_to_ptr p2v, void *p2v_ctx)
{
	for (size_t gi = 0; gi + 1 < ld->ngroups; gi++) {
		uint64_t end = ld->group[gi].vbase + (ld->group[gi].pages << 12);
		uint64_t next = ld->group[gi + 1].vbase;
		if (next > end)
			memset(p2v(p2v_ctx, ld->piece[0].base + (end - img->vlow)), 0,
			       next - end);
	}
}

/* Why [base, end) cannot be claimed: r, the first part of it that is not
 * free memory in the firmware's map, and who holds it. */
static int fixed_not_free(const struct elf_file *f, const struct mm_region *r,
			  uint64_t base, uint64_t end, struct rw_err *err)
{
	if (r->kind == MM_KIND_COUNT)
		return rw_fail(err, "%s: the image must go to physical 0x%" PRIx64 "..0x%" PRIx64 ", but 0x%" PRIx64 "..0x%" PRIx64 " is not memory the firmware's map names",
			       f->path, base, end, r->base, r->end);
	return rw_fail(err, "%s: the image must go to physical 0x%" PRIx64 "..0x%" PRIx64 ", but 0x%" PRIx64 "..0x%" PRIx64 " is %s memory (firmware descriptor %u)",
		       f->path, base, end, r->base, r->end, mm_kind_name(r->kind),
		       r->src);
}

/* Is everything in [base, end) that is not free the firmware's boot
 * services memory (free once ExitBootServices returns)? */
static bool only_boot_services(const struct mm_alloc *a, uint64_t base,
			       uint64_t end)
{
	struct mm_region r;

	for (uint64_t at = base; at < end && mm_alloc_owner(a, at, end, &r); at = r.end)
		if (r.kind != MM_BOOT_SERVICES)
			return false;
	return true;
}

/*
 * The place [base, end) is partly boot-services memory: hold its free
 * parts (so that nothing else of this load lands there), and claim a run
 * of its size anywhere for the bytes, to be moved in after
 * ExitBootServices.  Returns the run's base, or -1 with err set.
 */
static int stage_run(const struct elf_file *f, struct mm_alloc *a,
		     enum mm_kind kind, uint64_t base, uint64_t end,
		     uint64_t *ret_from, struct rw_err *err)
{
	struct rw_err why;
	uint64_t got;

	for (size_t i = 0; i < a->nreg && a->reg[i].base < end; i++) {
		const struct mm_region *r = &a->reg[i];
		if (r->kind != MM_USABLE || r->end <= base)
			continue;
		uint64_t lo = r->base > base ? r->base : base;
		uint64_t hi = r->end < end ? r->end : end;
		struct mm_req hold = { .pages = (hi - lo) >> 12, .exact = lo,
				       .has_exact = true, .kind = kind };
		if (mm_alloc_run(a, &hold, &got, &why))
			return rw_fail(err, "%s: holding physical 0x%" PRIx64 "..0x%" PRIx64 " for the image: %s",
				       f->path, lo, hi, why.msg);
		i = 0; /* the claim split regions: look again from the start */
	}
	/* Below 4 GiB: the move is made with paging off (efi/trampoline.S). */
	struct mm_req req = { .pages = (end - base) >> 12, .below = UINT64_C(1) << 32,
			      .kind = kind };
	if (mm_alloc_run(a, &req, ret_from, &why))
		return rw_fail(err, "%s: no memory to stage 0x%" PRIx64 "..0x%" PRIx64 " (boot-services memory until ExitBootServices): %s",
			       f->path, base, end, why.msg);
	return 0;
}

/* A fixed image: each run of touching groups claimed exactly where it
 * must go, one claim per run.  The owner is asked first: a claim the
 * firmware refuses marks the memory reserved in the allocator, and the
 * owner asked then would be that mark, not the firmware's answer. */
static int claim_fixed(const struct elf_file *f, const struct elf_image *img,
		       struct elf_load *ld, struct mm_alloc *a, struct rw_err *err)
{
	ld->nruns = 0;
	for (size_t gi = 0, gj; gi < ld->ngroups; gi = gj) {
		uint64_t end = ld->group[gi].vbase + (ld->group[gi].pages << 12);
		for (gj = gi + 1; gj < ld->ngroups && ld->group[gj].vbase == end; gj++)
			end += ld->group[gj].pages << 12;
		struct mm_req req = {
			.pages = (end - ld->group[gi].vbase) >> 12,
			.exact = ld->group[gi].vbase,
			.has_exact = true,
			.kind = img->claim_as_loader ? MM_LOADER : MM_KERNEL,
		};
		struct mm_region owner;
		struct rw_err why;
		uint64_t base, from = req.exact;
		if (mm_alloc_owner(a, req.exact, end, &owner)) {
			if (!img->may_stage || !only_boot_services(a, req.exact, end))
				return fixed_not_free(f, &owner, req.exact, end, err);
			if (stage_run(f, a, req.kind, req.exact, end, &from, err))
				return -1;
			ld->stage[ld->nstages++] = (struct elf_stage){ req.exact, from,
								       end - req.exact };
		} else if (mm_alloc_run(a, &req, &base, &why)) {
			return rw_fail(err, "%s: cannot claim physical 0x%" PRIx64 "..0x%" PRIx64 ", where the image must go: %s",
				       f->path, req.exact, end, why.msg);
		}
		for (size_t k = gi; k < gj; k++) {
			struct elf_group *g = &ld->group[k];
			g->first_piece = k;
			g->npieces = 1;
			ld->piece[k] = (struct mm_claim){ from + (g->vbase - req.exact),
							  g->pages };
		}
		ld->nruns++;
	}
	ld->npieces = ld->ngroups;
	return 0;
}

/* Where the image goes: one run, or group by group. */
static int claim(const struct elf_file *f, const struct elf_image *img,
		 struct elf_load *ld, struct mm_alloc *a, struct rw_err *err)
{
	struct rw_err why;

	if (img->fixed)
		return claim_fixed(f, img, ld, a, err);
	if (!img->one_run && !span_worth_one_run(img, ld))
		return claim_groups(f, ld, a, err);
	if (claim_span(img, ld, a, &why) == 0)
		return 0;
	if (img->one_run)
		return rw_fail(err, "%s: no run of %" PRIu64 " pages for the whole image, which its protocol needs in one piece: %s",
			       f->path, (img->vhigh - img->vlow) >> 12, why.msg);
	return claim_groups(f, ld, a, err);
}

int elf_load(const struct elf_file *f, const struct elf_image *img,
	     struct mm_alloc *a, elf_phys_to_ptr p2v, void *p2v_ctx,
	     struct elf_load *ret_load, struct rw_err *err)
{
	struct elf_load *ld = ret_load;
	size_t mark = a->nclaims;

	memset(ld, 0, sizeof *ld);
	uint64_t t = clock_now(f);
	plan_groups(img, ld);
	int r = claim(f, img, ld, a, err);
	ld->claim_time = clock_now(f) - t;
	if (r)
		goto fail;
	if (ld->nruns == 1 && !img->fixed) {
		t = clock_now(f);
		zero_holes(img, ld, p2v, p2v_ctx);
		ld->zero_time += clock_now(f) - t;
	}

	struct fill_ctx fc = { .f = f, .ld = ld, .p2v = p2v, .p2v_ctx = p2v_ctx,
			       .err = err };
	for (size_t gi = 0; gi < ld->ngroups; gi++)
		if (fill_group(img, &ld->group[gi], &fc))
			goto fail;
	return 0;

fail:
	mm_alloc_rollback(a, mark);
	return -1;
}

/* Permissions of the page at v: the union of the segments on it. */
static uint32_t page_flags(const struct elf_image *img, const struct elf_group *g,
			   uint64_t v)
{
	uint32_t flags = 0;

	for (size_t i = g->first_seg; i < g->first_seg + g->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (page_down(s->vaddr) <= v && v < page_up(s->vaddr + s->memsz))
			flags |= s->flags;
	}
	return flags;
}

size_t elf_mappings(const struct elf_image *img, const struct elf_load *ld,
		    struct mm_mapping *out, size_t cap)
{
	size_t n = 0;

	for (size_t gi = 0; gi < ld->ngroups; gi++) {
		const struct elf_group *g = &ld->group[gi];
		uint64_t v = g->vbase;
		for (size_t p = 0; p < g->npieces; p++) {
			const struct mm_claim *pc = &ld->piece[g->first_piece + p];
			for (uint64_t k = 0; k < pc->pages; k++, v += PAGE) {
				uint32_t fl = page_flags(img, g, v);
				uint64_t phys = pc->base + (k << 12);
				if (n && out[n - 1].flags == fl &&
				    out[n - 1].virt + out[n - 1].size == v &&
				    out[n - 1].phys + out[n - 1].size == phys) {
					out[n - 1].size += PAGE;
					continue;
				}
				if (n == cap)
					return 0;
				out[n++] = (struct mm_mapping){ v, phys, PAGE, fl };
			}
		}
	}
	return n;
}

/* The physical address of loaded virtual address v, or 0 when unloaded. */
static uint64_t virt_to_phys(const struct elf_load *ld, uint64_t v)
{
	for (size_t gi = 0; gi < ld->ngroups; gi++) {
		const struct elf_group *g = &ld->group[gi];
		if (v < g->vbase || v - g->vbase >= (g->pages << 12))
			continue;
		uint64_t pv = g->vbase;
		for (size_t p = 0; p < g->npieces; p++) {
			const struct mm_claim *pc = &ld->piece[g->first_piece + p];
			uint64_t len = pc->pages << 12;
			if (v - pv < len)
				return pc->base + (v - pv);
			pv += len;
		}
	}
	return 0;
}

/* Copy len bytes between buf and loaded virtual memory at v. */
static bool access_virt(const struct elf_load *ld, elf_phys_to_ptr p2v,
			void *ctx, uint64_t v, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;

	while (len) {
		uint64_t phys = virt_to_phys(ld, v);
		if (!phys)
			return false;
		size_t n = PAGE - (v & (PAGE - 1));
		if (n > len)
			n = len;
		uint8_t *p = p2v(ctx, phys);
		if (write)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		v += n;
		b += n;
		len -= n;
	}
	return true;
}

/* *(uint64_t *)at += slide, at a loaded virtual address. */
static int relocate_at(const struct elf_file *f, const struct elf_load *ld,
		       elf_phys_to_ptr p2v, void *ctx, uint64_t at,
		       uint64_t value, bool add, struct rw_err *err)
{
	uint64_t cur = 0;

	if (add && !access_virt(ld, p2v, ctx, at, &cur, 8, false))
		goto bad;
	cur = add ? cur + value : value;
	if (!access_virt(ld, p2v, ctx, at, &cur, 8, true))
		goto bad;
	return 0;
bad:
	return rw_fail(err, "%s: relocation target 0x%" PRIx64 " is outside the loaded segments",
		       f->path, at);
}

/* An entry of DT_RELA or DT_RELR (name) that no loaded segment holds. */
static int table_outside(const struct elf_file *f, const char *name, uint64_t at,
			 struct rw_err *err)
{
	return rw_fail(err, "%s: %s entry at 0x%" PRIx64 " is outside the loaded segments",
		       f->path, name, at);
}

int elf_relocate(const struct elf_file *f, const struct elf_image *img,
		 const struct elf_load *ld, elf_phys_to_ptr p2v, void *p2v_ctx,
		 uint64_t *ret_n, struct rw_err *err)
{
	const struct elf_dynamic *dyn = &img->dyn;
	uint64_t slide = img->slide, n = 0;

	for (uint64_t off = 0; off < dyn->relasz; off += sizeof(struct elf64_rela)) {
		struct elf64_rela r;
		if (!access_virt(ld, p2v, p2v_ctx, dyn->rela + slide + off, &r,
				 sizeof r, false))
			return table_outside(f, "DT_RELA", dyn->rela + off, err);
		uint32_t type = (uint32_t)r.r_info;
		if (type == R_X86_64_NONE)
			continue;
		if (type != R_X86_64_RELATIVE)
			return rw_fail(err, "%s: relocation %" PRIu64 " has type %u at 0x%" PRIx64 ": only R_X86_64_RELATIVE is supported",
				       f->path, off / sizeof r, type,
				       r.r_offset);
		if (relocate_at(f, ld, p2v, p2v_ctx, r.r_offset + slide,
				slide + (uint64_t)r.r_addend, false, err))
			return -1;
		n++;
	}
	/* DT_RELR: an address entry relocates one word and sets the base; a
	 * bitmap entry (low bit set) relocates up to 63 words after it. */
	uint64_t where = 0;
	for (uint64_t off = 0; off < dyn->relrsz; off += 8) {
		uint64_t e;
		if (!access_virt(ld, p2v, p2v_ctx, dyn->relr + slide + off, &e, 8, false))
			return table_outside(f, "DT_RELR", dyn->relr + off, err);
		if (!(e & 1)) {
			where = e + slide;
			if (relocate_at(f, ld, p2v, p2v_ctx, where, slide, true, err))
				return -1;
			n++;
			where += 8;
			continue;
		}
		for (unsigned bit = 1; bit < 64; bit++) {
			if (((e >> bit) & 1) &&
			    relocate_at(f, ld, p2v, p2v_ctx, where + (bit - 1) * 8,
					slide, true, err))
				return -1;
			n += (e >> bit) & 1;
		}
		where += 63 * 8;
	}
	*ret_n = n;
	return 0;
}
