/*
 * multiboot1.c - the Multiboot boot protocol, version 0.6.96
 * (docs/MULTIBOOT.md), from the Multiboot Specification.
 *
 * parse:   the header in the first 8 KiB: its flags (bits 0-15 that
 *          Runway does not know refuse the kernel), an a.out-kludge image
 *          from the address fields (flags bit 16), else the ELF file's
 *          segments at their physical addresses.
 * plan:    the 32-bit entry after ExitBootServices; modules below 4 GiB;
 *          the video mode the header asks for (flags bit 2).
 * prepare: one loader claim below 4 GiB: the information structure, the
 *          command line, the boot loader name, the module list and its
 *          strings, and room for the memory map.
 * finish:  the memory map and mem_lower/mem_upper.
 */
#include "mbcommon.h"

#include <string.h>

static struct mb1_state {
	struct mb_header h;
	struct mb_arena arena;
	struct mb1_info *info;
	struct mb1_mmap_entry *mmap;       /* room for map_cap * 3 entries */
	struct runway_mmap_entry *scratch; /* as many */
	size_t mmap_cap;
} mb1;

static bool mb1_probe(const uint8_t *head, size_t len)
{
	return mb_probe(1, head, len > MB1_WINDOW ? MB1_WINDOW : len);
}

static int mb1_parse(const struct elf_file *f, const uint8_t *head, size_t len,
		     struct elf_image *ret_img, struct rw_err *err)
{
	memset(&mb1, 0, sizeof mb1);
	return mb_parse_image(1, f, head, len, &mb1.h, ret_img, err);
}

static int mb1_plan(struct proto_run *run, struct rw_err *err)
{
	(void)err;
	run->state = &mb1;
	run->jump = PROTO_JUMP_I386;
	run->eax = MB1_BOOT_MAGIC;
	run->modules_below = MB_SIZE_4G;
	/* Mode type 1 (EGA text) has no UEFI equivalent: a linear mode of
	 * the size asked for is the closest Runway can give. */
	if (mb1.h.has_fb) {
		run->fb_want.on = true;
		run->fb_want.width = mb1.h.fb_width;
		run->fb_want.height = mb1.h.fb_height;
		run->fb_want.depth = mb1.h.fb_depth;
	}
	return 0;
}

static uint32_t phys32(const void *p)
{
	return (uint32_t)mb_phys(&mb1.arena, p);
}

static char *put_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = mb_take(&mb1.arena, n, 1);

	memcpy(d, s, n);
	return d;
}

static void fill_framebuffer(struct mb1_info *in, const struct fb_info *fb)
{
	in->flags |= MB1_IF_FB;
	in->framebuffer_addr = fb->phys;
	in->framebuffer_pitch = fb->mode.pitch;
	in->framebuffer_width = fb->mode.width;
	in->framebuffer_height = fb->mode.height;
	in->framebuffer_bpp = (uint8_t)fb->mode.bpp;
	in->framebuffer_type = 1; /* direct RGB colour */
	mb_color_fields(&fb->mode, in->color);
}

static int mb1_prepare(struct proto_run *run, struct rw_err *err)
{
	const struct loaded_kernel *k = run->k;
	uint64_t bytes = sizeof(struct mb1_info) + strlen(k->cmdline) + 1 +
			 sizeof MB_LOADER_NAME + 16 +
			 k->nmodules * sizeof(struct mb1_module);

	mb1.mmap_cap = 3 * k->map_cap;
	for (size_t m = 0; m < k->nmodules; m++)
		bytes += strlen(k->modules[m].string) + 1;
	bytes += mb1.mmap_cap * (sizeof(struct mb1_mmap_entry) +
				 sizeof(struct runway_mmap_entry)) + 16;
	if (mb_arena_claim(run, bytes, &mb1.arena, err))
		return -1;
	struct mb1_info *in = mb_take(&mb1.arena, sizeof *in, 8);
	struct mb1_module *mods = mb_take(&mb1.arena, k->nmodules * sizeof *mods, 8);
	in->flags = MB1_IF_MEM | MB1_IF_CMDLINE | MB1_IF_MODS | MB1_IF_MMAP |
		    MB1_IF_LOADER;
	in->cmdline = phys32(put_string(k->cmdline));
	in->boot_loader_name = phys32(put_string(MB_LOADER_NAME));
	in->mods_count = (uint32_t)k->nmodules;
	in->mods_addr = phys32(mods);
	for (size_t m = 0; m < k->nmodules; m++) {
		const struct loaded_module *lm = &k->modules[m];
		mods[m] = (struct mb1_module){
			.mod_start = (uint32_t)lm->phys,
			.mod_end = (uint32_t)(lm->phys + lm->size),
			.string = phys32(put_string(lm->string)),
		};
	}
	if (k->machine.fb.present)
		fill_framebuffer(in, &k->machine.fb);
	mb1.mmap = mb_take(&mb1.arena, mb1.mmap_cap * sizeof *mb1.mmap, 8);
	mb1.scratch = mb_take(&mb1.arena, mb1.mmap_cap * sizeof *mb1.scratch, 8);
	in->mmap_addr = phys32(mb1.mmap);
	mb1.info = in;
	run->entry = k->img->entry;
	run->arg = mb1.arena.phys;
	proto_say(run, "multiboot1 info=0x%" PRIx64 " entry=0x%" PRIx64 " flags=0x%x",
		  mb1.arena.phys, run->entry, mb1.h.flags);
	return 0;
}

static int mb1_finish(struct proto_run *run, const struct mm_region *reg,
		      size_t nreg, uint64_t tsc_exit)
{
	size_t n = mb_memory_map(reg, nreg, mb1.scratch, mb1.mmap_cap);
	(void)run;
	(void)tsc_exit;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		mb1.mmap[i] = (struct mb1_mmap_entry){
			.size = sizeof(struct mb1_mmap_entry) - 4,
			.base = mb1.scratch[i].base,
			.length = mb1.scratch[i].length,
			.type = mb1.scratch[i].type,
		};
	mb1.info->mmap_length = (uint32_t)(n * sizeof(struct mb1_mmap_entry));
	uint32_t lower, upper;
	mb_meminfo(mb1.scratch, n, &lower, &upper);
	mb1.info->mem_lower = lower;
	mb1.info->mem_upper = upper;
	return 0;
}

const struct protocol proto_multiboot1 = {
	.name = "multiboot1",
	.probe = mb1_probe,
	.parse = mb1_parse,
	.plan = mb1_plan,
	.prepare = mb1_prepare,
	.finish = mb1_finish,
};
