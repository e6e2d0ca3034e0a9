/*
 * runway.c - Runway's own boot protocol (docs/PROTOCOL.md,
 * include/runway/boot.h): one struct runway_boot_info in RDI, Runway's GDT,
 * a 64 KiB stack, everything in one loader-reclaimable run below 4 GiB.
 */
#include "proto.h"

#include <string.h>

#include "runway/boot.h"

/* Where everything the kernel receives lives: one claim, in this order
 * after the stack. */
struct runway_block {
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
	struct runway_mmap_entry mmap[]; /* mmap_entries() of them */
};
_Static_assert(offsetof(struct runway_block, gdtr) == 24, "GDTR follows the GDT");
_Static_assert(offsetof(struct runway_block, bi) % 8 == 0, "boot info aligned");

#define SIZE_4G (4ull << 30)

/* mm_boot_map may turn a usable region into three entries (a partial
 * page below, whole pages, a partial page above): the worst case. */
static size_t mmap_entries(const struct loaded_kernel *k)
{
	return 3 * k->map_cap;
}

static void fill_framebuffer(struct runway_framebuffer *fb,
			     const struct fb_info *in, uint64_t hhdm)
{
	if (!in->present)
		return;
	*fb = (struct runway_framebuffer){
		.phys = in->phys,
		.virt = in->phys + hhdm,
		.size = in->size,
		.width = in->mode.width,
		.height = in->mode.height,
		.pitch = in->mode.pitch,
		.red_mask = in->mode.red_mask,
		.green_mask = in->mode.green_mask,
		.blue_mask = in->mode.blue_mask,
		.reserved_mask = in->mode.reserved_mask,
	};
	if (in->mode.bpp == 32 && in->mode.red_mask == 0xff && in->mode.green_mask == 0xff00 &&
	    in->mode.blue_mask == 0xff0000)
		fb->format = RUNWAY_FB_RGBX8888;
	else if (in->mode.bpp == 32 && in->mode.red_mask == 0xff0000 &&
		 in->mode.green_mask == 0xff00 && in->mode.blue_mask == 0xff)
		fb->format = RUNWAY_FB_BGRX8888;
	else
		fb->format = RUNWAY_FB_BITMASK;
}

/* Copy the modules' descriptions and strings into the block. */
static void fill_modules(struct runway_block *b, uint64_t b_virt,
			 const struct loaded_kernel *k)
{
	for (size_t m = 0; m < k->nmodules; m++) {
		const struct loaded_module *lm = &k->modules[m];
		fmt(b->module_path[m], CONFIG_PATH_MAX, "%s", lm->path);
		fmt(b->module_string[m], CONFIG_MODULE_STRING_MAX, "%s", lm->string);
		b->modules[m] = (struct runway_module){
			.phys = lm->phys,
			.virt = lm->phys + k->hhdm_offset,
			.size = lm->size,
			.path = b_virt + offsetof(struct runway_block, module_path[m]),
			.string = b_virt + offsetof(struct runway_block, module_string[m]),
		};
	}
}

static void fill_boot_info(struct runway_block *b, uint64_t b_virt,
			   uint64_t stack_virt, const struct loaded_kernel *k)
{
	struct runway_boot_info *bi = &b->bi;
	const struct machine_info *mi = &k->machine;

	bi->magic = RUNWAY_BOOT_MAGIC;
	bi->version = RUNWAY_BOOT_VERSION;
	bi->size = sizeof *bi;
	bi->hhdm_offset = k->hhdm_offset;
	bi->kernel_phys_base = k->ld->piece[0].base;
	bi->kernel_virt_base = k->img->vlow;
	bi->kernel_size = k->img->vhigh - k->img->vlow;
	bi->mmap = b_virt + offsetof(struct runway_block, mmap);
	fmt(b->cmdline, sizeof b->cmdline, "%s", k->cmdline);
	bi->cmdline = b_virt + offsetof(struct runway_block, cmdline);
	bi->modules = b_virt + offsetof(struct runway_block, modules);
	bi->module_count = k->nmodules;
	fill_modules(b, b_virt, k);
	fill_framebuffer(&bi->framebuffer, &mi->fb, k->hhdm_offset);
	bi->acpi_rsdp = mi->acpi2_rsdp ? mi->acpi2_rsdp : mi->acpi1_rsdp;
	bi->smbios_entry = mi->smbios64_entry ? mi->smbios64_entry : mi->smbios32_entry;
	bi->efi_system_table = mi->efi_system_table;
	bi->stack_base = stack_virt;
	bi->stack_size = RUNWAY_STACK_SIZE;
	bi->tsc_loader_entry = k->tsc_entry;
	bi->tsc_load_start = k->tsc_load_start;
	bi->tsc_load_done = k->tsc_load_done;
	bi->load_times = k->times;
}

static int runway_prepare(struct proto_run *run, struct rw_err *err)
{
	const struct loaded_kernel *k = run->k;
	uint64_t block_bytes = sizeof(struct runway_block) +
			       mmap_entries(k) * sizeof(struct runway_mmap_entry);
	struct mm_req req = {
		.pages = MM_PAGES(RUNWAY_STACK_SIZE) + MM_PAGES(block_bytes),
		.below = SIZE_4G,
		.kind = MM_LOADER,
	};
	struct rw_err why;
	uint64_t stack;

	if (mm_alloc_run(run->alloc, &req, &stack, &why))
		return rw_fail(err, "boot info and stack (%" PRIu64 " pages): %s",
			       req.pages, why.msg);
	uint64_t block = stack + RUNWAY_STACK_SIZE;
	uint64_t b_virt = block + k->hhdm_offset;
	struct runway_block *b = run->p2v(run->p2v_ctx, block);

	memset(b, 0, block_bytes);
	b->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	b->gdt[2] = 0x00cf92000000ffffull; /* data, DPL 0 */
	b->gdtr.limit = sizeof b->gdt - 1;
	b->gdtr.base = b_virt + offsetof(struct runway_block, gdt);
	fill_boot_info(b, b_virt, stack + k->hhdm_offset, k);

	run->state = b;
	run->entry = k->img->entry;
	run->arg = b_virt + offsetof(struct runway_block, bi);
	run->stack_top = stack + k->hhdm_offset + RUNWAY_STACK_SIZE;
	run->gdtr = b_virt + offsetof(struct runway_block, gdtr);
	run->code_sel = RUNWAY_GDT_KERNEL_CS;
	run->data_sel = RUNWAY_GDT_KERNEL_DS;
	run->times_out = &b->bi.load_times;
	return 0;
}

static int runway_finish(struct proto_run *run, const struct mm_region *reg,
			 size_t nreg, uint64_t tsc_exit)
{
	struct runway_block *b = run->state;
	size_t n = mm_boot_map(reg, nreg, b->mmap, mmap_entries(run->k));

	b->bi.tsc_exit_boot = tsc_exit;
	b->bi.mmap_count = n;
	return n ? 0 : -1;
}

const struct protocol proto_runway = {
	.name = "runway",
	.prepare = runway_prepare,
	.finish = runway_finish,
};
