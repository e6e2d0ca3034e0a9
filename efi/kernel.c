/*
 * kernel.c - the load path (DESIGN.md steps 1-7): from a path in
 * the config to segments in claimed runs, relocated, with page tables.
 *
 * Everything that can fail happens here, while boot services are up, and
 * every page claimed stays on the allocator's log so that load_release
 * gives all of it back.  The pure work is done by elf/ and mm/; this file
 * sizes their buffers, feeds them the firmware's map and files, and
 * reports what they say.
 */
#include "loader.h"

#include <string.h>

#include "runway/boot.h"

static void *identity(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static const char *status_name(uint64_t st)
{
	return efi_status_name(st);
}

/* elf_file.read over the pinned file's bytes in memory. */
static uint64_t whole_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	const struct load *L = ctx;

	if (off > L->whole_size || len > L->whole_size - off)
		return EFI_END_OF_FILE;
	memcpy(buf, L->whole + off, len);
	return EFI_SUCCESS;
}

/*
 * 3. the pin, shim's Verify and the measurement.  A pinned file, one
 * that Secure Boot has shim verify instead (no pin), and any kernel
 * booted on a machine with a TPM, is read once, whole, into memory, its
 * hash checked (or its bytes handed to shim) and its bytes measured
 * there; every later read (headers, segments) comes from those bytes, so
 * storage that answers differently the second time cannot get other
 * bytes loaded than the ones that were checked and measured.  Other
 * kernels are read straight into place.
 */
static EFI_STATUS read_pinned(struct load *L, const struct config_entry *e)
{
	bool measure = !L->verify && tpm_present();
	bool shim = !L->verify && secure_needs_verify(e->has_sha256);
	void *buf;
	EFI_STATUS st;

	if (!e->has_sha256 && !measure && !shim)
		return EFI_SUCCESS;
	st = file_read_whole(&L->file, "kernel", UINT64_MAX / 2, &buf);
	if (EFI_ERROR(st))
		return st;
	L->whole = buf;
	L->whole_size = L->file.size;
	if (measure)
		tpm_measure_file("kernel", e->path, L->whole, L->whole_size);
	if (e->has_sha256) {
		st = pin_check_buffer("", e->path, L->whole, L->whole_size, e->sha256);
		if (EFI_ERROR(st))
			return st;
		L->pin = e->sha256;
	} else if (shim) {
		st = secure_verify_unpinned("kernel", e->path, L->whole, L->whole_size);
		if (EFI_ERROR(st))
			return st;
		L->shim_verified = true;
	}
	L->ef.read = whole_read;
	L->ef.ctx = L;
	return EFI_SUCCESS;
}

/* The pinned file's bytes are in place: give back their copy. */
static void drop_whole(struct load *L)
{
	if (L->whole)
		FreePool(L->whole);
	L->whole = NULL;
	L->whole_size = 0;
}

/* 1b. a protocol whose header is in the file (Multiboot) finds it in
 * the first bytes: detection for an entry that names no protocol, then
 * its own description of the image */
static EFI_STATUS parse_header(struct load *L, const struct config_entry *e,
			       const struct protocol **proto, bool *ret_done)
{
	struct rw_err err;
	uint64_t len = L->file.size < PROTO_HEAD_MAX ? L->file.size : PROTO_HEAD_MAX;

	*ret_done = false;
	if (L->verify || (e->protocol[0] && !(*proto)->parse))
		return EFI_SUCCESS;
	EFI_STATUS st = L->ef.read(L->ef.ctx, 0, L->head, len);
	if (EFI_ERROR(st))
		return con_fail(st, "%s: reading its first %" PRIu64 " bytes: %s", e->path,
				len, efi_status_name(st));
	if (!e->protocol[0]) {
		uint64_t t = tsc_now();
		const struct protocol *p = proto_probe(L->head, (size_t)len);
		if (!p)
			return EFI_SUCCESS;
		*proto = p;
		log_event("protocol path=%s detected=%s us=%" PRIu64 "\n", e->path,
			  p->name, tsc_to_us(tsc_now() - t));
	}
	if (!(*proto)->parse)
		return EFI_SUCCESS;
	*ret_done = true;
	if ((*proto)->parse(&L->ef, L->head, (size_t)len, &L->img, &err))
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	return EFI_SUCCESS;
}

/* 1. the file and its headers: nothing is claimed yet */
static EFI_STATUS open_and_parse(struct load *L, struct source *root,
				 const struct config_entry *e,
				 const struct protocol **proto)
{
	struct rw_err err;
	const char *path = e->path;
	bool done;
	EFI_STATUS st = file_open(root, path, &L->file);

	if (EFI_ERROR(st))
		return con_fail(st, "%s: cannot open: %s", path, file_error(root, st));
	L->ef = (struct elf_file){
		.path = L->file.path,
		.size = L->file.size,
		.ctx = &L->file,
		.read = file_read_at,
		.status_name = status_name,
		.verify_only = L->verify,
		.clock = tsc_now,
	};
	st = read_pinned(L, e);
	if (EFI_ERROR(st))
		return st;
	st = parse_header(L, e, proto, &done);
	if (EFI_ERROR(st) || done)
		return st;
	if (elf_parse(&L->ef, &L->img, &err))
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	return EFI_SUCCESS;
}

/* 2. a relocatable kernel's virtual base: random with kaslr */
static EFI_STATUS place(struct load *L, const struct config_entry *e)
{
	const char *source = "off";
	uint64_t random = 0, align;
	struct rw_err err;

	if (L->verify || L->img.type != ELF_ET_DYN)
		return EFI_SUCCESS;
	if (e->kaslr)
		random = random_u64(&source);
	if (elf_place(&L->img, e->path, e->kaslr, random, &align, &err))
		return con_fail(EFI_UNSUPPORTED, "%s", err.msg);
	log_event("kaslr path=%s source=%s base=0x%" PRIx64 " slide=0x%" PRIx64
		  " align=0x%" PRIx64 " entry=0x%" PRIx64 "\n",
		  e->path, source, L->img.vlow, L->img.slide, align, L->img.entry);
	return EFI_SUCCESS;
}

/*
 * Pool buffers sized from the current map (mm_load_caps): nothing is
 * allocated later, in the claim loop or after ExitBootServices.
 */
static EFI_STATUS buffers(struct load *L, const struct config *cfg)
{
	EFI_STATUS st = fw_map_snapshot(&L->map);

	if (EFI_ERROR(st))
		return st;
	mm_load_caps(fw_map_count(&L->map), fw_map_free_bytes(&L->map),
		     cfg->fragment, &L->caps);
	st = fw_map_reserve(&L->map, L->caps.map_descs);
	if (EFI_ERROR(st))
		return st;
	L->reg = AllocatePool(L->caps.reg_cap * sizeof *L->reg);
	L->final_reg = AllocatePool(L->caps.final_reg_cap * sizeof *L->final_reg);
	L->scratch = AllocatePool(L->caps.scratch_size);
	L->claims = AllocatePool(L->caps.claim_cap * sizeof *L->claims);
	if (!L->reg || !L->final_reg || !L->scratch || !L->claims)
		return EFI_OUT_OF_RESOURCES;
	/* The allocations above changed the map: look again (the buffer has
	 * slack, so this normally does not allocate). */
	return fw_map_snapshot(&L->map);
}

/* Drop what the direct map cannot hold (above 128 TiB) and say so; the
 * direct map then covers all memory left, and at least 4 GiB. */
static uint64_t hhdm_size(struct mm_region *r, size_t *n)
{
	struct mm_clip_info info;

	*n = mm_clip(r, *n, MM_DIRECT_MAP_LIMIT, &info);
	if (info.regions)
		log_event("memmap clipped limit=0x%" PRIx64 " regions=%zu bytes=%" PRIu64
			  " usable_bytes=%" PRIu64 " from=0x%" PRIx64 " to=0x%" PRIx64 "\n",
			  (uint64_t)MM_DIRECT_MAP_LIMIT, info.regions, info.bytes,
			  info.usable_bytes, info.low, info.high);
	return mm_direct_map_size(r, *n);
}

/* 4. the memory map, normalized into free runs for the allocator */
static EFI_STATUS map_memory(struct load *L, const struct config *cfg,
			     const char *path)
{
	struct rw_err err;
	size_t nreg;

	L->tsc_map = tsc_now();
	EFI_STATUS st = buffers(L, cfg);

	if (EFI_ERROR(st))
		return con_fail(st, "memory map: %s", efi_status_name(st));
	if (mm_normalize(L->map.buf, L->map.size, L->map.desc_size, L->reg,
			 L->caps.reg_cap, L->scratch, L->caps.scratch_size, &nreg,
			 &err))
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	L->hhdm_size = hhdm_size(L->reg, &nreg);
	if (cfg->map_dump) {
		fw_map_dump(&L->map);
		fw_regions_dump(L->reg, nreg);
	}
	mm_alloc_init(&L->alloc, efi_mm_fw(), L->reg, nreg, L->caps.reg_cap,
		      L->claims, L->caps.claim_cap);
	L->alloc.per_page = cfg->claim_per_page;
	L->t_map = tsc_now() - L->tsc_map;
	const uint64_t hhdm = RUNWAY_HHDM_OFFSET;
	if (!L->img.fixed &&
	    mm_ranges_overlap(L->img.vlow, L->img.vhigh - L->img.vlow, hhdm, L->hhdm_size))
		return con_fail(EFI_UNSUPPORTED,
				"%s: segments at 0x%" PRIx64 "..0x%" PRIx64
				" overlap the direct map at 0x%" PRIx64 " (0x%" PRIx64 " bytes)",
				path, L->img.vlow, L->img.vhigh, hhdm, L->hhdm_size);
	return EFI_SUCCESS;
}

/* Debug (fragment = SIZE): claim every other piece of free memory so
 * that the fallback to several runs is exercised. */
static EFI_STATUS fragment(struct load *L, const struct config *cfg)
{
	struct rw_err err;
	uint64_t calls = L->alloc.calls;

	L->frag_from = L->alloc.nclaims;
	if (!cfg->fragment)
		return EFI_SUCCESS;
	if (mm_fragment(&L->alloc, MM_PAGES(cfg->fragment), &L->frag_claims, &err))
		return con_fail(EFI_OUT_OF_RESOURCES, "%s", err.msg);
	log_event("fragment size=%" PRIu64 " claims=%zu calls=%" PRIu64
		  " largest_free_pages=%" PRIu64 "\n",
		  cfg->fragment, L->frag_claims, L->alloc.calls - calls,
		  L->alloc.largest);
	return EFI_SUCCESS;
}

/* 6. the segments: one claim per run, filled in place, relocated */
static EFI_STATUS load_segments(struct load *L, const char *path)
{
	struct rw_err err;
	uint64_t nrel;
	uint64_t fw = fw_claim_ticks();
	int r = elf_load(&L->ef, &L->img, &L->alloc, identity, NULL, &L->ld, &err);

	/* The claim step's time is the firmware's plus the allocator's own. */
	fw = fw_claim_ticks() - fw;
	L->t_claims += fw;
	L->t_plan = L->ld.claim_time > fw ? L->ld.claim_time - fw : 0;
	if (r)
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	file_progress_end(&L->file);
	/* A fixed image that moved relocates itself (Multiboot2's
	 * relocatable tag: the kernel reads its load base). */
	if (L->img.fixed || (!L->img.slide && (L->verify || !L->img.dyn.present)))
		return EFI_SUCCESS;
	uint64_t t = tsc_now();
	r = elf_relocate(&L->ef, &L->img, &L->ld, identity, NULL, &nrel, &err);
	L->t_reloc = tsc_now() - t;
	if (r)
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	log_event("relocated path=%s relocs=%" PRIu64 " slide=0x%" PRIx64 "\n",
		  path, nrel, L->img.slide);
	return EFI_SUCCESS;
}

/* Keep the mapping list sorted by virtual address. */
static void add_mapping(struct load *L, uint64_t virt, uint64_t phys,
			uint64_t size, uint32_t flags)
{
	size_t k = L->nmaps++;

	while (k > 0 && L->maps[k - 1].virt > virt) {
		L->maps[k] = L->maps[k - 1];
		k--;
	}
	L->maps[k] = (struct mm_mapping){ virt, phys, size, flags };
}

/* Physical [from, to) at virtual offset + phys, with flags; the
 * framebuffer's part write-combining. */
static void map_physical(struct load *L, uint64_t offset, uint64_t from,
			 uint64_t to, uint32_t flags)
{
	const struct fb_info *fb = &L->k.machine.fb;
	uint64_t lo = fb->phys & ~(MM_PAGE_SIZE - 1);
	uint64_t hi = mm_page_up(fb->phys + fb->size);

	if (!fb->present || !fb->size || hi <= lo || lo < from || hi > to) {
		add_mapping(L, offset + from, from, to - from, flags);
		return;
	}
	if (lo > from)
		add_mapping(L, offset + from, from, lo - from, flags);
	add_mapping(L, offset + lo, lo, hi - lo, flags | MM_MAP_WC);
	if (hi < to)
		add_mapping(L, offset + hi, hi, to - hi, flags);
}

/* A framebuffer above the memory the firmware's map names (a BAR decoded
 * above 4 GiB) is outside [0, hhdm_size): it gets a direct-map mapping of
 * its own, write-combining, and nothing else up there is mapped. */
static void map_framebuffer_above(struct load *L)
{
	const struct fb_info *fb = &L->k.machine.fb;
	uint64_t lo = fb->phys & ~(MM_PAGE_SIZE - 1);
	uint64_t hi = mm_page_up(fb->phys + fb->size);

	if (!fb->present || !fb->size || hi <= lo || lo < L->hhdm_size ||
	    hi > MM_DIRECT_MAP_LIMIT)
		return;
	add_mapping(L, L->k.hhdm_offset + lo, lo, hi - lo, MM_MAP_WRITE | MM_MAP_WC);
}

/* 7. page tables: counted exactly, claimed in one run, built */
static EFI_STATUS build_tables(struct load *L, const char *path,
			       bool identity_map, bool la57)
{
	struct rw_err err;
	/* Below 4 GiB: an AP starting in 32-bit mode loads CR3 from 32 bits. */
	struct mm_req req = { .kind = MM_LOADER, .below = 4ull << 30 };

	L->nmaps = elf_mappings(&L->img, &L->ld, L->maps, LOAD_MAPPINGS_MAX);
	if (L->nmaps == 0)
		return con_fail(EFI_UNSUPPORTED, "%s: more than %d mappings", path,
				LOAD_MAPPINGS_MAX);
	/* The hand-off page at its physical address; an identity map (for
	 * a protocol that promises one) covers it already. */
	if (identity_map)
		map_physical(L, 0, MM_PAGE_SIZE, L->hhdm_size,
			     MM_MAP_WRITE | MM_MAP_EXEC);
	else if (L->handoff_page)
		add_mapping(L, L->handoff_page, L->handoff_page, MM_PAGE_SIZE,
			    MM_MAP_EXEC);
	map_physical(L, L->k.hhdm_offset, 0, L->hhdm_size, MM_MAP_WRITE);
	map_framebuffer_above(L);
	req.pages = mm_pt_count_levels(L->maps, L->nmaps, L->cpu.huge_1g, la57);
	L->pt = (struct mm_pt){
		.pool_pages = req.pages,
		.nx = L->cpu.nx,
		.huge_1g = L->cpu.huge_1g,
		.la57 = la57,
		.phys_to_ptr = identity,
	};
	if (mm_alloc_run(&L->alloc, &req, &L->pt.pool, &err))
		return con_fail(EFI_OUT_OF_RESOURCES, "page tables (%" PRIu64 " pages): %s",
				req.pages, err.msg);
	if (mm_pt_map_all(&L->pt, L->maps, L->nmaps, &err))
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	return EFI_SUCCESS;
}

/* 2 (fixed images). one that may move goes to the first (or last)
 * place its bounds allow */
static EFI_STATUS place_fixed(struct load *L, const char *path)
{
	struct elf_image *img = &L->img;
	uint64_t size = img->vhigh - img->vlow, base;

	if (!img->move.on)
		return EFI_SUCCESS;
	if (!mm_alloc_find(&L->alloc, size, img->move.min, img->move.max,
			   img->move.align, img->move.highest, &base))
		return con_fail(EFI_OUT_OF_RESOURCES,
				"%s: no free memory for the relocatable image (%" PRIu64 " bytes) in 0x%" PRIx64 "..0x%" PRIx64 " at a multiple of 0x%" PRIx64,
				path, size, img->move.min, img->move.max, img->move.align);
	elf_slide(img, base - img->vlow);
	log_event("relocated path=%s base=0x%" PRIx64 " entry=0x%" PRIx64 " %s\n", path,
		  img->seg[0].vaddr, img->entry,
		  img->move.highest ? "highest" : "lowest");
	return EFI_SUCCESS;
}

/* Steps 3-6 for a fixed image: its memory is claimed where it must go
 * before the hand-off page is, so that the page cannot take it. */
static EFI_STATUS load_fixed(struct load *L, const struct config *cfg,
			     const struct config_entry *e)
{
	EFI_STATUS st = map_memory(L, cfg, e->path);

	if (!EFI_ERROR(st))
		st = place_fixed(L, e->path);
	if (EFI_ERROR(st))
		return st;
	L->calls_before = L->alloc.calls;
	L->k.tsc_load_start = tsc_now();
	st = load_segments(L, e->path);
	drop_whole(L);
	L->k.phys_base = L->ld.npieces ? L->ld.piece[0].base : 0;
	if (!EFI_ERROR(st) && L->ld.nstages > HANDOFF_MOVES_MAX)
		return con_fail(EFI_UNSUPPORTED,
				"%s: %zu runs in boot-services memory to move at the hand-off; Runway moves at most %d",
				e->path, L->ld.nstages, HANDOFF_MOVES_MAX);
	for (size_t i = 0; !EFI_ERROR(st) && i < L->ld.nstages; i++)
		log_event("staged path=%s to=0x%" PRIx64 " from=0x%" PRIx64 " bytes=%" PRIu64
			  " (boot-services memory until ExitBootServices)\n",
			  e->path, L->ld.stage[i].to, L->ld.stage[i].from,
			  L->ld.stage[i].bytes);
	/* Not a segment claim: keep it out of the load line's count. */
	uint64_t calls = L->alloc.calls;
	if (!EFI_ERROR(st))
		st = handoff_reserve(L);
	L->calls_before += L->alloc.calls - calls;
	return st;
}

EFI_STATUS kernel_load(struct load *L, struct source *root,
		       const struct config *cfg, const struct config_entry *e,
		       const struct protocol **proto)
{
	EFI_STATUS st;

	memset(L, 0, sizeof *L);
	/* The direct map's place until a protocol moves it (5-level Limine);
	 * verify mode builds its tables with it too. */
	L->k.hhdm_offset = RUNWAY_HHDM_OFFSET;
	L->k.tsc_entry = tsc_now();
	L->verify = e->kind == CONFIG_VERIFY;
	L->cpu = cpu_features();
	/* Runway builds 4-level tables and does not leave paging to change
	 * its depth: refuse rather than guess. */
	if (!L->verify && L->cpu.la57_on)
		return con_fail(EFI_UNSUPPORTED,
				"the firmware runs with 5-level paging (CR4.LA57); Runway starts from 4-level firmware tables only");
	st = open_and_parse(L, root, e, proto);
	if (!EFI_ERROR(st) && L->img.fixed)
		return load_fixed(L, cfg, e);
	if (!EFI_ERROR(st))
		st = place(L, e);
	if (!EFI_ERROR(st))
		st = map_memory(L, cfg, e->path);
	if (!EFI_ERROR(st) && !L->verify)
		st = handoff_reserve(L);
	if (!EFI_ERROR(st))
		st = fragment(L, cfg);
	if (EFI_ERROR(st))
		return st;
	/* 6-7 are timed and counted: the firmware calls the load line reports. */
	L->img.one_run = e->protocol[0] && (*proto)->one_run;
	L->calls_before = L->alloc.calls;
	L->k.tsc_load_start = tsc_now();
	st = load_segments(L, e->path);
	drop_whole(L);
	L->k.phys_base = L->ld.npieces ? L->ld.piece[0].base : 0;
	return st;
}

/* The phases so far, in microseconds, for the log line and the kernel. */
static void phase_times(struct load *L)
{
	struct runway_load_times *t = &L->k.times;

	t->map = tsc_to_us(L->t_map);
	t->plan = tsc_to_us(L->t_plan);
	t->claims = tsc_to_us(L->t_claims);
	t->reads = tsc_to_us(L->ld.read_time);
	t->zeroing = tsc_to_us(L->ld.zero_time);
	t->relocation = tsc_to_us(L->t_reloc);
	t->page_tables = tsc_to_us(L->t_tables);
}

EFI_STATUS kernel_map(struct load *L, bool identity_map, bool la57)
{
	EFI_STATUS st = EFI_SUCCESS;
	uint64_t t = tsc_now(), fw = fw_claim_ticks();

	/* A fixed image runs with paging off or on the firmware's tables. */
	if (!L->img.fixed)
		st = build_tables(L, L->file.path, identity_map, la57);
	L->k.tsc_load_done = tsc_now();
	/* Their claim is the firmware's time, counted with the claims. */
	fw = fw_claim_ticks() - fw;
	L->t_claims += fw;
	L->t_tables = L->k.tsc_load_done - t - fw;
	phase_times(L);
	L->alloc_calls = L->alloc.calls - L->calls_before;
	/* Not timed: OVMF scrubs the pages it gets back, which under
	 * emulation costs seconds for half of memory. */
	if (L->frag_claims)
		mm_alloc_release_span(&L->alloc, L->frag_from,
				      L->frag_from + L->frag_claims);
	L->frag_claims = 0;
	return st;
}

struct load *load_alloc(void)
{
	return AllocateZeroPool(sizeof(struct load));
}

void load_release(struct load *L)
{
	mm_alloc_rollback(&L->alloc, 0);
	drop_whole(L);
	file_close(&L->file);
	fw_map_free(&L->map);
	if (L->reg)
		FreePool(L->reg);
	if (L->final_reg)
		FreePool(L->final_reg);
	if (L->scratch)
		FreePool(L->scratch);
	if (L->claims)
		FreePool(L->claims);
	L->reg = L->final_reg = NULL;
	L->scratch = NULL;
	L->claims = NULL;
}

/* The exit phase is not on this line: it is printed before the exit.
 * The kernel receives it (struct runway_load_times). */
void load_log_line(const struct load *L, const char *event, const char *extra)
{
	const struct runway_load_times *t = &L->k.times;

	log_event("%s path=%s bytes=%" PRIu64 " segments=%zu runs=%zu alloc_calls=%" PRIu64
		  " pt_pages=%" PRIu64 " us=%" PRIu64 " shared_pages=%" PRIu64
		  " refused=%" PRIu64 " splits=%" PRIu64 " map_us=%" PRIu64
		  " plan_us=%" PRIu64 " claims_us=%" PRIu64 " reads_us=%" PRIu64
		  " zeroing_us=%" PRIu64 " relocation_us=%" PRIu64
		  " page_tables_us=%" PRIu64 "%s\n",
		  event, L->file.path, L->ld.bytes_read, L->img.nseg, L->ld.nruns,
		  L->alloc_calls, L->pt.pool_pages,
		  tsc_to_us(L->k.tsc_load_done - L->k.tsc_load_start - L->untimed),
		  L->ld.shared_pages, L->alloc.refused, L->alloc.splits, t->map,
		  t->plan, t->claims, t->reads, t->zeroing, t->relocation,
		  t->page_tables, extra);
}
