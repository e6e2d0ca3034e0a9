/*
 * boot.c - load a native ELF64 kernel and jump to it (DESIGN.md steps 1-10).
 *
 * The order matters: everything that can fail (file, headers, memory,
 * tables) happens while boot services are up, and a failure gives back
 * every page it claimed.  After ExitBootServices nothing allocates and
 * nothing can fail but a firmware that breaks its own rules.
 */
#include "loader.h"

#include <string.h>

#include "runway/boot.h"
#include "sha256.h"

extern const char handoff_start[], handoff_end[];
typedef void (*handoff_fn)(uint64_t bi, uint64_t entry, uint64_t cr3,
			   uint64_t stack_top, uint64_t gdtr, uint64_t nxe);

#define CLAIM_CAP 256
#define SIZE_1G (1ull << 30)
#define KERNEL_MAPPINGS_MAX 512

typedef unsigned long long ull;

/* Where everything the kernel receives lives: one loader claim. */
struct handoff_block {
	uint64_t gdt[3];
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr;
	uint8_t pad[6];
	struct runway_boot_info bi;
	char cmdline[CONFIG_CMDLINE_MAX];
	struct runway_module modules[CONFIG_MAX_MODULES];
	char module_path[CONFIG_MAX_MODULES][CONFIG_PATH_MAX];
	char module_string[CONFIG_MAX_MODULES][CONFIG_MODULE_STRING_MAX];
	struct runway_mmap_entry mmap[]; /* sized at claim time */
};

/* Scratch and bookkeeping for one load; all pool memory, freed on return. */
struct load {
	struct efi_map map;
	size_t cap_desc;
	struct mm_region *reg, *final_reg;
	size_t reg_cap;
	void *scratch;
	size_t scratch_size;
	struct mm_claim *claims;
	size_t claim_cap;
	struct mm_alloc alloc;
	struct efi_file file;
	struct elf_image img;
	struct elf_load ld;
	struct mm_mapping maps[KERNEL_MAPPINGS_MAX + 2];
	size_t nmaps;
};

static void *identity(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
		  uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

#define CR4_LA57 (1ull << 12)

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* CPUID 0x80000001 EDX: bit 20 NX, bit 26 1 GiB pages (SDM vol. 2A). */
static void cpu_features(bool *ret_nx, bool *ret_1g)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, &a, &b, &c, &d);
	*ret_nx = *ret_1g = false;
	if (a < 0x80000001)
		return;
	cpuid(0x80000001, &a, &b, &c, &d);
	*ret_nx = d & (1u << 20);
	*ret_1g = d & (1u << 26);
}

/* Bytes of conventional memory in the snapshot. */
static uint64_t free_bytes(const struct efi_map *m)
{
	uint64_t total = 0;

	for (UINTN off = 0; off + m->desc_size <= m->size; off += m->desc_size) {
		const struct mm_efi_desc *d = (const void *)((const uint8_t *)m->buf + off);
		if (d->type == MM_EFI_CONVENTIONAL)
			total += d->pages << MM_PAGE_SHIFT;
	}
	return total;
}

/*
 * Allocate the pool buffers sized from the current map: nothing is
 * allocated later, in the claim loop or after ExitBootServices.
 */
static EFI_STATUS load_buffers(struct load *L, const struct config *cfg)
{
	EFI_STATUS st = map_snapshot(&L->map);
	if (EFI_ERROR(st))
		return st;
	L->claim_cap = CLAIM_CAP;
	if (cfg->fragment)
		L->claim_cap += free_bytes(&L->map) / cfg->fragment / 2 +
				L->map.size / L->map.desc_size;
	/* Every claim can split a firmware descriptor in three: the final
	 * map, read after ExitBootServices into this buffer, can grow by two
	 * descriptors per claim. */
	L->cap_desc = L->map.size / L->map.desc_size + 2 * L->claim_cap + 64;
	st = map_reserve(&L->map, L->cap_desc);
	if (EFI_ERROR(st))
		return st;
	/* Normalizing yields up to two regions per descriptor; each claim
	 * and each refusal splits one of them in at most three. */
	L->reg_cap = MM_REG_CAP(2 * L->cap_desc, L->claim_cap);
	L->scratch_size = mm_normalize_scratch(L->cap_desc);
	L->reg = AllocatePool(L->reg_cap * sizeof *L->reg);
	L->final_reg = AllocatePool(2 * L->cap_desc * sizeof *L->final_reg);
	L->scratch = AllocatePool(L->scratch_size);
	L->claims = AllocatePool(L->claim_cap * sizeof *L->claims);
	if (!L->reg || !L->final_reg || !L->scratch || !L->claims)
		return EFI_OUT_OF_RESOURCES;
	/* The allocations above changed the map: look again (the buffer has
	 * slack, so this normally does not allocate). */
	return map_snapshot(&L->map);
}

static void load_free(struct load *L)
{
	file_close(&L->file);
	map_free(&L->map);
	if (L->reg)
		FreePool(L->reg);
	if (L->final_reg)
		FreePool(L->final_reg);
	if (L->scratch)
		FreePool(L->scratch);
	if (L->claims)
		FreePool(L->claims);
}

/* The firmware's descriptors as reported: tests/data/ keeps such captures. */
static void fw_map_dump(const struct efi_map *m)
{
	log_event("fwmap desc_size=%llu desc_version=%u count=%llu\n",
		  (ull)m->desc_size, m->desc_ver, (ull)(m->size / m->desc_size));
	for (UINTN off = 0; off + m->desc_size <= m->size; off += m->desc_size) {
		const struct mm_efi_desc *d = (const void *)((const uint8_t *)m->buf + off);
		log_event("fwmap type=%u base=0x%llx pages=%llu attr=0x%llx\n",
			  d->type, (ull)d->phys_start, (ull)d->pages,
			  (ull)d->attribute);
	}
}

static void map_dump(const struct mm_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_event("map base=0x%llx end=0x%llx pages=%llu kind=%s src=%u\n",
			  (ull)r[i].base, (ull)r[i].end,
			  (ull)((r[i].end - r[i].base) >> 12),
			  mm_kind_name(r[i].kind), r[i].src);
}

static void add_mapping(struct load *L, uint64_t virt, uint64_t phys,
			uint64_t size, uint32_t flags)
{
	/* Insertion keeps the list sorted by virtual address. */
	size_t k = L->nmaps++;
	while (k > 0 && L->maps[k - 1].virt > virt) {
		L->maps[k] = L->maps[k - 1];
		k--;
	}
	L->maps[k] = (struct mm_mapping){ virt, phys, size, flags };
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The final map, ExitBootServices (retried once on a stale key), and the
 * jump.  Returns only when ExitBootServices fails twice. */
static EFI_STATUS exit_and_jump(EFI_HANDLE image, struct load *L,
				struct handoff_block *hb, size_t mmap_cap,
				uint64_t tramp, uint64_t cr3, uint64_t stack_top,
				uint64_t entry, bool nx)
{
	EFI_STATUS st = EFI_SUCCESS;

	for (int attempt = 0; attempt < 2; attempt++) {
		st = map_snapshot_noalloc(&L->map);
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, L->map.key);
		if (st == EFI_SUCCESS)
			break;
		/* EFI_INVALID_PARAMETER: the map changed since the snapshot
		 * (an event ran).  Take it again, without allocating. */
	}
	if (EFI_ERROR(st))
		return st;
	__asm__ volatile("cli");
	hb->bi.tsc_exit_boot = tsc_now();

	size_t nreg;
	if (mm_normalize(L->map.buf, L->map.size, L->map.desc_size, L->final_reg,
			 2 * L->cap_desc, L->scratch, L->scratch_size, &nreg, NULL))
		for (;;)
			__asm__ volatile("hlt");
	size_t n = mm_boot_map(L->final_reg, nreg, hb->mmap, mmap_cap);
	if (n == 0)
		for (;;)
			__asm__ volatile("hlt");
	hb->bi.mmap_count = n;

	((handoff_fn)(uintptr_t)tramp)((uint64_t)(uintptr_t)&hb->bi + RUNWAY_HHDM_OFFSET,
				       entry, cr3, stack_top,
				       (uint64_t)(uintptr_t)&hb->gdtr + RUNWAY_HHDM_OFFSET,
				       nx);
	for (;;)
		__asm__ volatile("hlt");
}

/* Where relocatable kernels go: the top 2 GiB, as for -mcmodel=kernel. */
#define KASLR_BASE 0xffffffff80000000ull
#define KASLR_SIZE (1ull << 30)

/*
 * Pick the virtual base of an ET_DYN kernel and slide the image there:
 * with kaslr, a random multiple of its largest p_align inside the window;
 * without, its link address when that is in the window, else the window's
 * start.
 */
static EFI_STATUS choose_base(struct elf_image *img, const struct config_entry *e,
			      const char *path)
{
	uint64_t span = img->vhigh - img->vlow;
	uint64_t align = img->dyn.align > MM_PAGE_SIZE ? img->dyn.align : MM_PAGE_SIZE;
	const char *source = "off";
	uint64_t base;

	/* The window's base is 2 GiB-aligned: any slot in it keeps an
	 * alignment up to the window's size. */
	if (align > KASLR_SIZE)
		return con_error("%s: p_align 0x%llx is larger than the %llu-byte kernel window",
				 path, (ull)align, (ull)KASLR_SIZE), EFI_UNSUPPORTED;
	uint64_t link = img->vlow & ~(align - 1);
	/* The window must hold the segments from the aligned link base on. */
	uint64_t need = span + (img->vlow - link);
	if (need < span || need > KASLR_SIZE)
		return con_error("%s: %llu bytes of segments (from a 0x%llx-aligned base) do not fit the %llu-byte kernel window",
				 path, (ull)span, (ull)align, (ull)KASLR_SIZE), EFI_UNSUPPORTED;
	if (e->kaslr) {
		uint64_t slots = (KASLR_SIZE - need) / align + 1;
		base = KASLR_BASE + (random_u64(&source) % slots) * align;
	} else if (link >= KASLR_BASE && link - KASLR_BASE <= KASLR_SIZE - need) {
		base = link; /* linked inside the window: stays there */
	} else {
		base = KASLR_BASE;
	}
	/* The slide is a multiple of the alignment, keeping every segment's
	 * offset within its alignment. */
	elf_slide(img, base - link);
	log_event("kaslr path=%s source=%s base=0x%llx slide=0x%llx align=0x%llx entry=0x%llx\n",
		  path, source, (ull)img->vlow, (ull)img->slide, (ull)align,
		  (ull)img->entry);
	return EFI_SUCCESS;
}

/* Read the whole file through a bounce buffer and compare its SHA-256. */
static EFI_STATUS check_file_hash(struct efi_file *f, const uint8_t want[32])
{
	const UINTN chunk = 1u << 20;
	uint8_t *buf = AllocatePool(chunk);
	struct sha256 h;
	uint8_t got[32];

	if (!buf) {
		con_error("%s: no memory to read it for its hash", f->path);
		return EFI_OUT_OF_RESOURCES;
	}
	sha256_init(&h);
	for (uint64_t off = 0; off < f->size; off += chunk) {
		uint64_t n = f->size - off < chunk ? f->size - off : chunk;
		EFI_STATUS st = file_read_at(f, off, buf, n);
		if (EFI_ERROR(st)) {
			FreePool(buf);
			con_error("%s: reading at offset %llu for its hash: %s",
				  f->path, (ull)off, efi_status_name(st));
			return st;
		}
		sha256_update(&h, buf, n);
	}
	FreePool(buf);
	sha256_final(&h, got);
	return sha256_pin_check(f->path, got, want);
}

EFI_STATUS sha256_pin_check(const char *what, const uint8_t got[32],
			    const uint8_t want[32])
{
	char hex_got[65], hex_want[65];

	if (memcmp(got, want, 32) == 0)
		return EFI_SUCCESS;
	sha256_hex(got, hex_got);
	sha256_hex(want, hex_want);
	con_error("%s: SHA-256 mismatch: file has %s, the entry pins %s; refusing to boot",
		  what, hex_got, hex_want);
	return EFI_SECURITY_VIOLATION;
}

/* Load one module into its own run (one claim) and describe it. */
static EFI_STATUS load_module(EFI_FILE_HANDLE root, struct load *L,
			      const struct config_module *cm,
			      struct runway_module *out, char *path_out,
			      char *string_out)
{
	struct efi_file f;
	struct rw_err err;
	EFI_STATUS st = file_open(root, cm->path, &f);

	if (EFI_ERROR(st)) {
		con_error("module %s: cannot open: %s", cm->path, efi_status_name(st));
		return st;
	}
	uint64_t pages = MM_PAGES(f.size ? f.size : 1);
	struct mm_req req = { .pages = pages, .kind = MM_MODULE };
	uint64_t base;
	if (mm_alloc_run(&L->alloc, &req, &base, &err)) {
		con_error("module %s (%llu bytes): %s", cm->path, (ull)f.size, err.msg);
		file_close(&f);
		return EFI_OUT_OF_RESOURCES;
	}
	uint8_t *dst = (uint8_t *)(uintptr_t)base;
	const uint64_t chunk = 64ull << 20;
	for (uint64_t off = 0; off < f.size; off += chunk) {
		uint64_t n = f.size - off < chunk ? f.size - off : chunk;
		st = file_read_at(&f, off, dst + off, n);
		if (EFI_ERROR(st)) {
			con_error("module %s: reading %llu bytes at offset %llu: %s",
				  cm->path, (ull)n, (ull)off, efi_status_name(st));
			file_close(&f);
			return st;
		}
	}
	memset(dst + f.size, 0, (pages << MM_PAGE_SHIFT) - f.size);
	file_close(&f);
	if (cm->has_sha256) {
		struct sha256 h;
		uint8_t got[32];
		char hex_got[65], hex_want[65];
		sha256_init(&h);
		sha256_update(&h, dst, f.size);
		sha256_final(&h, got);
		if (memcmp(got, cm->sha256, 32)) {
			sha256_hex(got, hex_got);
			sha256_hex(cm->sha256, hex_want);
			con_error("module %s: SHA-256 mismatch: file has %s, the entry pins %s; refusing to boot",
				  cm->path, hex_got, hex_want);
			return EFI_SECURITY_VIOLATION;
		}
	}
	fmt(path_out, CONFIG_PATH_MAX, "%s", cm->path);
	fmt(string_out, CONFIG_MODULE_STRING_MAX, "%s", cm->string);
	*out = (struct runway_module){
		.phys = base,
		.virt = base + RUNWAY_HHDM_OFFSET,
		.size = f.size,
		.path = (uint64_t)(uintptr_t)path_out + RUNWAY_HHDM_OFFSET,
		.string = (uint64_t)(uintptr_t)string_out + RUNWAY_HHDM_OFFSET,
	};
	log_event("module path=%s bytes=%llu phys=0x%llx\n", cm->path,
		  (ull)f.size, (ull)base);
	return EFI_SUCCESS;
}

/*
 * Verify mode: read every PT_LOAD segment back through the page tables
 * just built (a software walk), hashing p_memsz bytes per segment in
 * program-header order.  tools/elfhash computes the same from the file.
 */
static int verify_hash(const struct load *L, const struct mm_pt *pt,
		       uint8_t out[32], struct rw_err *err)
{
	struct sha256 h;
	const struct elf_segment *order[ELF_MAX_SEGMENTS];
	size_t n = L->img.nseg;

	for (size_t i = 0; i < n; i++) {
		size_t k = i;
		while (k > 0 && order[k - 1]->phdr_index > L->img.seg[i].phdr_index) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = &L->img.seg[i];
	}
	sha256_init(&h);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = order[i]->vaddr, left = order[i]->memsz;
		while (left) {
			uint64_t phys, page;
			uint32_t flags;
			if (!mm_pt_walk(pt, v, &phys, &flags, &page))
				return rw_fail(err, "verify: 0x%llx (phdr %u) is not mapped",
					       (ull)v, order[i]->phdr_index);
			uint64_t room = page - (v & (page - 1));
			uint64_t take = left < room ? left : room;
			sha256_update(&h, (const void *)(uintptr_t)phys, take);
			v += take;
			left -= take;
		}
	}
	sha256_final(&h, out);
	return 0;
}

EFI_STATUS boot_entry(EFI_HANDLE image, EFI_FILE_HANDLE root,
		      const struct config *cfg, const struct config_entry *e)
{
	static struct load L;
	struct rw_err err;
	EFI_STATUS st;
	uint64_t t_start = tsc_now();
	size_t nreg;
	bool nx, huge_1g;
	bool verify = e->kind == CONFIG_VERIFY;
	const char *path = e->path;

	memset(&L, 0, sizeof L);
	cpu_features(&nx, &huge_1g);
	if (!verify && (read_cr4() & CR4_LA57)) {
		/* Runway builds 4-level tables and does not leave paging to
		 * change its depth: refuse rather than guess. */
		con_error("the firmware runs with 5-level paging (CR4.LA57); Runway hands over 4-level tables only");
		return EFI_UNSUPPORTED;
	}

	/* 1. the file and its headers: nothing is claimed yet */
	st = file_open(root, path, &L.file);
	if (EFI_ERROR(st)) {
		con_error("%s: cannot open: %s", path, efi_status_name(st));
		goto out;
	}
	struct elf_file ef = {
		.path = L.file.path,
		.size = L.file.size,
		.ctx = &L.file,
		.read = file_read_at,
		.status_name = (const char *(*)(uint64_t))efi_status_name,
		.verify_only = verify,
	};
	if (elf_parse(&ef, &L.img, &err)) {
		con_error("%s", err.msg);
		st = EFI_LOAD_ERROR;
		goto out;
	}
	if (!verify && L.img.type == 3 /* ET_DYN */) {
		st = choose_base(&L.img, e, path);
		if (EFI_ERROR(st))
			goto out;
	}
	if (e->has_sha256) {
		st = check_file_hash(&L.file, e->sha256);
		if (EFI_ERROR(st))
			goto out;
		log_event("sha256 path=%s ok\n", path);
	}

	/* 2. the memory map, normalized into free runs */
	st = load_buffers(&L, cfg);
	if (EFI_ERROR(st)) {
		con_error("memory map: %s", efi_status_name(st));
		goto out;
	}
	if (mm_normalize(L.map.buf, L.map.size, L.map.desc_size, L.reg,
			 L.reg_cap, L.scratch, L.scratch_size, &nreg, &err)) {
		con_error("%s", err.msg);
		st = EFI_LOAD_ERROR;
		goto out;
	}
	if (cfg->map_dump) {
		fw_map_dump(&L.map);
		map_dump(L.reg, nreg);
	}
	uint64_t top = 4 * SIZE_1G;
	for (size_t i = 0; i < nreg; i++)
		if (L.reg[i].end > top)
			top = L.reg[i].end;
	uint64_t hhdm_size = (top + SIZE_1G - 1) & ~(SIZE_1G - 1);
	mm_alloc_init(&L.alloc, &efi_mm_fw, L.reg, nreg, L.reg_cap, L.claims,
		      L.claim_cap);
	L.alloc.per_page = cfg->claim_per_page;

	if (overlaps(L.img.vlow, L.img.vhigh - L.img.vlow, RUNWAY_HHDM_OFFSET,
		     hhdm_size)) {
		con_error("%s: segments at 0x%llx..0x%llx overlap the direct map at 0x%llx..0x%llx",
			  path, (ull)L.img.vlow, (ull)L.img.vhigh,
			  (ull)RUNWAY_HHDM_OFFSET, (ull)(RUNWAY_HHDM_OFFSET + hhdm_size));
		st = EFI_UNSUPPORTED;
		goto fail;
	}

	/* 3. the hand-off block: trampoline page, stack, boot info */
	size_t mmap_cap = 2 * L.cap_desc;
	uint64_t info_bytes = sizeof(struct handoff_block) +
			      mmap_cap * sizeof(struct runway_mmap_entry);
	uint64_t stack_pages = RUNWAY_STACK_SIZE / MM_PAGE_SIZE;
	uint64_t block = 0, tramp = 0, stack_base = 0, stack_top = 0;
	struct handoff_block *hb = NULL;
	struct mm_req req;
	if (!verify) {
		req = (struct mm_req){
			.pages = 1 + stack_pages + MM_PAGES(info_bytes),
			.below = 4 * SIZE_1G,
			.kind = MM_LOADER,
		};
		if (mm_alloc_run(&L.alloc, &req, &block, &err)) {
			con_error("hand-off block: %s", err.msg);
			st = EFI_OUT_OF_RESOURCES;
			goto fail;
		}
		if (overlaps(block, MM_PAGE_SIZE, L.img.vlow, L.img.vhigh - L.img.vlow)) {
			con_error("%s: segments at 0x%llx..0x%llx cover the hand-off page 0x%llx",
				  path, (ull)L.img.vlow, (ull)L.img.vhigh, (ull)block);
			st = EFI_UNSUPPORTED;
			goto fail;
		}
		tramp = block;
		stack_base = block + MM_PAGE_SIZE;
		stack_top = stack_base + RUNWAY_STACK_SIZE;
		hb = (void *)(uintptr_t)stack_top;
		memset(hb, 0, info_bytes);
		memcpy((void *)(uintptr_t)tramp, handoff_start,
		       (size_t)(handoff_end - handoff_start));
	}

	/* Debug: fragment free memory so that the fallback path runs. */
	size_t frag_from = L.alloc.nclaims, frag_claims = 0;
	if (cfg->fragment) {
		uint64_t calls = L.alloc.calls;
		if (mm_fragment(&L.alloc, MM_PAGES(cfg->fragment), &frag_claims, &err)) {
			con_error("%s", err.msg);
			st = EFI_OUT_OF_RESOURCES;
			goto fail;
		}
		log_event("fragment size=%llu claims=%zu calls=%llu largest_free_pages=%llu\n",
			  (ull)cfg->fragment, frag_claims,
			  (ull)(L.alloc.calls - calls), (ull)L.alloc.largest);
	}

	/* 4. the segments: one claim per run, filled in place */
	uint64_t calls_before = L.alloc.calls;
	uint64_t t_load = tsc_now();
	if (elf_load(&ef, &L.img, &L.alloc, identity, NULL, &L.ld, &err)) {
		con_error("%s", err.msg);
		st = EFI_LOAD_ERROR;
		goto fail;
	}

	if (L.img.slide || (!verify && L.img.dyn.present)) {
		uint64_t nrel;
		if (elf_relocate(&ef, &L.img, &L.ld, identity, NULL, &nrel, &err)) {
			con_error("%s", err.msg);
			st = EFI_LOAD_ERROR;
			goto fail;
		}
		log_event("relocated path=%s relocs=%llu slide=0x%llx\n", path,
			  (ull)nrel, (ull)L.img.slide);
	}

	/* 5. page tables: counted, claimed in one batch, built */
	size_t nk = elf_mappings(&L.img, &L.ld, L.maps, KERNEL_MAPPINGS_MAX);
	if (nk == 0) {
		con_error("%s: more than %d mappings", path, KERNEL_MAPPINGS_MAX);
		st = EFI_UNSUPPORTED;
		goto fail;
	}
	L.nmaps = nk;
	if (!verify)
		add_mapping(&L, tramp, tramp, MM_PAGE_SIZE, MM_MAP_EXEC);
	add_mapping(&L, RUNWAY_HHDM_OFFSET, 0, hhdm_size, MM_MAP_WRITE);
	uint64_t pt_pages = mm_pt_count(L.maps, L.nmaps, huge_1g);
	req = (struct mm_req){ .pages = pt_pages, .kind = MM_LOADER };
	uint64_t pt_base;
	if (mm_alloc_run(&L.alloc, &req, &pt_base, &err)) {
		con_error("page tables (%llu pages): %s", (ull)pt_pages, err.msg);
		st = EFI_OUT_OF_RESOURCES;
		goto fail;
	}
	struct mm_pt pt = {
		.pool = pt_base,
		.pool_pages = pt_pages,
		.nx = nx,
		.huge_1g = huge_1g,
		.phys_to_ptr = identity,
	};
	if (mm_pt_map_all(&pt, L.maps, L.nmaps, &err)) {
		con_error("%s", err.msg);
		st = EFI_LOAD_ERROR;
		goto fail;
	}
	uint64_t alloc_calls = L.alloc.calls - calls_before;
	uint64_t t_done = tsc_now();
	/* Not timed: OVMF scrubs the pages it gets back, which under
	 * emulation costs seconds for half of memory. */
	if (frag_claims)
		mm_alloc_release_span(&L.alloc, frag_from, frag_from + frag_claims);

	if (verify) {
		uint8_t digest[32];
		char hex[65];
		if (verify_hash(&L, &pt, digest, &err)) {
			con_error("%s: %s", path, err.msg);
			st = EFI_LOAD_ERROR;
			goto fail;
		}
		sha256_hex(digest, hex);
		log_event("verify path=%s segments=%zu runs=%zu alloc_calls=%llu pt_pages=%llu bytes=%llu us=%llu sha256=%s refused=%llu splits=%llu\n",
			  path, L.img.nseg, L.ld.npieces, (ull)alloc_calls,
			  (ull)pt_pages, (ull)L.ld.bytes_read,
			  (ull)tsc_to_us(t_done - t_load), hex,
			  (ull)L.alloc.refused, (ull)L.alloc.splits);
		st = EFI_SUCCESS;
		goto fail; /* release everything: verify never boots */
	}

	/* 6. modules: each in its own run, one claim */
	for (size_t m = 0; m < e->nmodules; m++) {
		st = load_module(root, &L, &e->modules[m], &hb->modules[m],
				 hb->module_path[m], hb->module_string[m]);
		if (EFI_ERROR(st))
			goto fail;
	}

	/* 7. boot info */
	struct runway_boot_info *bi = &hb->bi;
	hb->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	hb->gdt[2] = 0x00cf92000000ffffull; /* data, DPL 0 */
	hb->gdtr.limit = sizeof hb->gdt - 1;
	hb->gdtr.base = (uint64_t)(uintptr_t)hb->gdt + RUNWAY_HHDM_OFFSET;
	bi->magic = RUNWAY_BOOT_MAGIC;
	bi->version = RUNWAY_BOOT_VERSION;
	bi->size = sizeof *bi;
	bi->hhdm_offset = RUNWAY_HHDM_OFFSET;
	bi->kernel_phys_base = L.ld.piece[0].base;
	bi->kernel_virt_base = L.img.vlow;
	bi->kernel_size = L.img.vhigh - L.img.vlow;
	bi->mmap = (uint64_t)(uintptr_t)hb->mmap + RUNWAY_HHDM_OFFSET;
	memcpy(hb->cmdline, e->cmdline, sizeof hb->cmdline);
	bi->cmdline = (uint64_t)(uintptr_t)hb->cmdline + RUNWAY_HHDM_OFFSET;
	bi->modules = (uint64_t)(uintptr_t)hb->modules + RUNWAY_HHDM_OFFSET;
	bi->module_count = e->nmodules;
	bi->stack_base = stack_base + RUNWAY_HHDM_OFFSET;
	bi->stack_size = RUNWAY_STACK_SIZE;
	bi->tsc_loader_entry = t_start;
	bi->tsc_load_start = t_load;
	bi->tsc_load_done = t_done;
	sysinfo_fill(bi);

	log_event("loaded path=%s bytes=%llu segments=%zu runs=%zu alloc_calls=%llu pt_pages=%llu us=%llu shared_pages=%llu refused=%llu splits=%llu\n",
		  path, (ull)L.ld.bytes_read, L.img.nseg, L.ld.npieces,
		  (ull)alloc_calls, (ull)pt_pages, (ull)tsc_to_us(t_done - t_load),
		  (ull)L.ld.shared_pages, (ull)L.alloc.refused, (ull)L.alloc.splits);
	log_event("jump entry=0x%llx hhdm_size=0x%llx huge_1g=%d nx=%d\n",
		  (ull)L.img.entry, (ull)hhdm_size, huge_1g, nx);

	/* 8. exit boot services and jump; only a double failure returns */
	file_close(&L.file);
	st = exit_and_jump(image, &L, hb, mmap_cap, tramp, pt.root,
			   stack_top + RUNWAY_HHDM_OFFSET, L.img.entry, nx);
	con_error("ExitBootServices: %s", efi_status_name(st));

fail:
	mm_alloc_rollback(&L.alloc, 0);
out:
	load_free(&L);
	return st;
}
