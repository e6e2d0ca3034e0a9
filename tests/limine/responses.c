/*
 * responses.c - the full Limine test kernel's checks of the responses that
 * are neither firmware tables (firmware.c) nor MP (mp.c):
 *   - HHDM: offset page-aligned, in the higher half (from 0xffff800000000000
 *     with 4-level paging, 0xff00000000000000 with 5-level), and the
 *     response itself mapped at offset + its physical address;
 *   - memory map (memory.c): the response, its pointer array and entries
 *     recorded, unchanged since the first copy;
 *   - bootloader info: name and version non-empty printable ASCII;
 *   - firmware type: UEFI64 (2): Runway is a 64-bit UEFI application;
 *   - stack size, entry point: a response (the request was processed);
 *   - paging mode: 4-level (0), as requested with min = max = 4-level;
 *     in the 5lvl variant (LIM_PAGING5: mode 1, max 1, min 0) checked
 *     first thing by resp_check_paging: mode 0 or 1, mode = CR4.LA57 (the
 *     response says what runs), mode = CPUID.(EAX=7,ECX=0):ECX bit 16
 *     (5-level preferred and allowed, so it must be given whenever the
 *     CPU has LA57, and cannot be without), and the HHDM offset Limine
 *     uses for the mode: 0xff00000000000000 (5-level) or
 *     0xffff800000000000 (4-level); later only that it has not changed;
 *   - kernel address: unchanged (memory.c checked its values);
 *   - kernel file: path EXPECTED_KERNEL_PATH, cmdline EXPECTED_CMDLINE,
 *     generic media, partition 1, nonzero GPT disk and partition GUIDs,
 *     no TFTP; its bytes in executable-and-modules memory, 4 KiB aligned,
 *     an ELF file whose e_type and e_entry are this kernel's (the link
 *     address of _start), whose executable segment's bytes are the text
 *     running now, and whose size is where its last table ends;
 *   - modules: response revision >= 1 (internal modules honoured); the
 *     internal module first, at the kernel's directory + "internal.bin",
 *     with the request's command line; every module's command line
 *     "fnv1a64=<16 hex digits>" and its bytes hashing to it; every module
 *     on the kernel file's volume and partition;
 *   - framebuffers: at least one; fields consistent (lchecks.c
 *     lc_pixels_problem); the memory mapped writable and write-combining
 *     in framebuffer entries; EDID (when given) with its header and
 *     checksum; video modes (response revision 1) consistent.
 */
#include <stdint.h>

#include "kernel.h"
#include "report.h"
#include "serial.h"

#define MAX_STRING  4096u
#define MAX_MODULES 64u

/* From tests/kernel/entry.S: e_entry. */
extern char _start[];

/* The response of a request, recorded as loader data; a missing one is
 * a FAIL naming the request. */
static uint64_t response(const struct kctx *c, const struct lp_request *r,
                         uint64_t size, const char *what)
{
	uint64_t resp = response_of(r);

	if (!resp)
		lim_fail("no %s response: the request was not processed", what);
	lim_data(c, resp, size, RECLAIM, what);
	return resp;
}

uint64_t resp_hhdm_offset(const struct kctx *c)
{
	uint64_t resp = response_of(&lim_hhdm_req), off;
	struct pt_walk w;

	lim_phase = "HHDM response";
	if (!resp)
		lim_fail("no HHDM response");
	if (resp < LIM_HIGHER_HALF(c->levels))
		lim_fail("HHDM response pointer %#lx is not a higher-half (HHDM) address (%d-level paging)",
		         resp, c->levels);
	off = ((const struct lp_hhdm_response *)resp)->offset;
	if (off < LIM_HIGHER_HALF(c->levels) || off % PAGE_SIZE)
		lim_fail("HHDM offset %#lx is not a page-aligned higher-half address (%d-level paging)",
		         off, c->levels);
	if (pt_translate(c->cr3, c->levels, off, resp, &w) != PT_OK || w.phys != resp - off)
		lim_fail("the HHDM response at %#lx is not mapped at HHDM offset %#lx + its physical address",
		         resp, off);
	return off;
}

void resp_check_paging(const struct kctx *c)
{
	uint64_t resp = response_of(&lim_paging_mode_req.r), mode, want_hhdm;
	int la57 = c->levels == 5, has = cpu_has_la57();

	lim_phase = "paging mode";
	if (!resp)
		lim_fail("no paging mode response: the request was not processed");
	mem_hhdm_range(c, resp, sizeof(struct lp_paging_mode_response), "paging mode response");
	mode = ((const struct lp_paging_mode_response *)resp)->mode;
	if (!LIM_PAGING5) {
		if (mode != LP_PAGING_MODE_4LVL)
			lim_fail("paging mode response says mode %lu, want %u (4-level: mode, min and max asked for it)",
			         mode, LP_PAGING_MODE_4LVL);
		return;
	}
	if (mode != LP_PAGING_MODE_4LVL && mode != LP_PAGING_MODE_5LVL)
		lim_fail("paging mode response says mode %lu, want 0 (4-level) or 1 (5-level): the request allows min_mode 0 to max_mode 1",
		         mode);
	if (mode != (uint64_t)la57)
		lim_fail("paging mode response says mode %lu (%s), but CR4.LA57 is %d (%s paging runs)",
		         mode, mode ? "5-level" : "4-level", la57, la57 ? "5-level" : "4-level");
	if (la57 != has)
		lim_fail("%s-level paging (response mode %lu, CR4.LA57 %d), want %s: the request prefers 5-level (mode 1, max_mode 1, min_mode 0) and CPUID.(EAX=7,ECX=0):ECX bit 16 (LA57) is %d%s",
		         la57 ? "5" : "4", mode, la57, has ? "5-level" : "4-level", has,
		         has ? ": the loader gave 4-level paging on a CPU that has LA57"
		             : ": the CPU cannot run 5-level paging");
	want_hhdm = la57 ? LIM_HHDM_5LVL : LIM_HHDM_4LVL;
	if (c->hhdm != want_hhdm)
		lim_fail("HHDM offset is %#lx with %s-level paging, want %#lx (Limine's direct map base for that mode)",
		         c->hhdm, la57 ? "5" : "4", want_hhdm);
}

static void check_hhdm(const struct kctx *c)
{
	const struct lp_hhdm_response *r = (const void *)response(
		c, &lim_hhdm_req, sizeof *r, "HHDM");

	if (r->offset != c->hhdm)
		lim_fail("HHDM offset changed to %#lx from %#lx", r->offset, c->hhdm);
}

static void check_bootloader_info(struct kctx *c)
{
	const struct lp_bootloader_info_response *r = (const void *)response(
		c, &lim_bootloader_info_req, sizeof *r, "bootloader info");
	const char *name = lim_string(c, r->name, 64, "bootloader name");
	const char *version = lim_string(c, r->version, 64, "bootloader version");
	unsigned i = 0, j;

	if (!name[0] || !version[0] || !lc_printable(name, 64) || !lc_printable(version, 64))
		lim_fail("bootloader name or version is empty or not printable ASCII");
	for (j = 0; name[j] && i < sizeof c->bootloader - 2; j++)
		c->bootloader[i++] = name[j] == ' ' ? '_' : name[j];
	c->bootloader[i++] = '/';
	for (j = 0; version[j] && i < sizeof c->bootloader - 1; j++)
		c->bootloader[i++] = version[j] == ' ' ? '_' : version[j];
	c->bootloader[i] = 0;
}

static void check_simple(const struct kctx *c)
{
	const struct lp_firmware_type_response *ft;
	const struct lp_paging_mode_response *pm;

	ft = (const void *)response(c, &lim_firmware_type_req, sizeof *ft, "firmware type");
	if (ft->firmware_type != LP_FIRMWARE_UEFI64)
		lim_fail("firmware_type is %lu, want %u (UEFI64: booted by a 64-bit UEFI loader)",
		         ft->firmware_type, LP_FIRMWARE_UEFI64);
	response(c, &lim_stack_size_req.r, sizeof(struct lp_stack_size_response), "stack size");
	response(c, &lim_entry_point_req.r, sizeof(struct lp_entry_point_response),
	         "entry point");
	pm = (const void *)response(c, &lim_paging_mode_req.r, sizeof *pm, "paging mode");
	if (pm->mode != (c->levels == 5 ? LP_PAGING_MODE_5LVL : LP_PAGING_MODE_4LVL))
		lim_fail("paging mode response says mode %lu now, want %u (the mode in force, checked at entry)",
		         pm->mode, c->levels == 5 ? LP_PAGING_MODE_5LVL : LP_PAGING_MODE_4LVL);
}

static void check_kernel_address(const struct kctx *c)
{
	const struct lp_kernel_address_response *r = (const void *)response(
		c, &lim_kernel_address_req, sizeof *r, "kernel address");

	if (r->virtual_base != c->vbase || r->physical_base != c->pbase)
		lim_fail("kernel address response changed: %#lx %#lx, was %#lx %#lx",
		         r->physical_base, r->virtual_base, c->pbase, c->vbase);
}

/* ---- files --------------------------------------------------------------- */

static int uuid_eq(const struct lp_uuid *a, const struct lp_uuid *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	unsigned i;

	for (i = 0; i < sizeof *a; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

/* What every struct lp_file the kernel gets must satisfy. */
static const struct lp_file *check_file(const struct kctx *c, uint64_t addr,
                                        const char *what)
{
	const struct lp_file *f;
	const char *path;

	lim_data(c, addr, sizeof *f, RECLAIM, what);
	f = (const struct lp_file *)addr;
	if (f->address % PAGE_SIZE)
		lim_fail("%s address %#lx is not 4 KiB aligned", what, f->address);
	lim_data(c, f->address, f->size, LP_MEMMAP_KERNEL_AND_MODULES, what);
	path = lim_string(c, f->path, MAX_STRING, "file path");
	lim_string(c, f->cmdline, MAX_STRING, "file cmdline");
	if (path[0] != '/')
		lim_fail("%s path \"%s\" has no leading slash", what, path);
	if (f->media_type != LP_MEDIA_GENERIC || f->tftp_ip || f->tftp_port)
		lim_fail("%s %s: media_type %u tftp %#x:%u, want generic (0) media, no TFTP",
		         what, path, f->media_type, f->tftp_ip, f->tftp_port);
	if (f->partition_index != 1)
		lim_fail("%s %s: partition_index %u, want 1 (the image's only partition)",
		         what, path, f->partition_index);
	if (lc_uuid_is_zero(&f->gpt_disk_uuid) || lc_uuid_is_zero(&f->gpt_part_uuid))
		lim_fail("%s %s: GPT disk or partition UUID is zero (the image is GPT)", what, path);
	return f;
}

/* The running text against the executable segment in the file. */
static void check_kernel_bytes(const struct kctx *c, const struct lp_file *f)
{
	const uint8_t *file = (const uint8_t *)f->address;
	uint64_t want_entry = (uint64_t)_start - c->vbase + LIM_LINK_BASE;
	uint64_t off, vaddr, filesz, i;
	const uint8_t *mem;
	const char *why;

	why = lc_elf_problem(file, f->size, KERNEL_PIE ? 3 : 2, want_entry);
	if (why)
		lim_fail("kernel file (%lu bytes): %s (want e_type %u, e_entry %#lx; file has e_entry %#lx)",
		         f->size, why, KERNEL_PIE ? 3 : 2, want_entry,
		         f->size >= 64 ? lc_elf_entry(file) : 0);
	if (lc_elf_extent(file) != f->size)
		lim_fail("kernel file size is %lu, but its last table ends at %lu", f->size,
		         lc_elf_extent(file));
	if (!lc_elf_exec_segment(file, f->size, &off, &vaddr, &filesz))
		lim_fail("kernel file has no executable PT_LOAD inside the file");
	mem = (const uint8_t *)(vaddr - LIM_LINK_BASE + c->vbase);
	for (i = 0; i < filesz; i++)
		if (file[off + i] != mem[i])
			lim_fail("kernel file byte %#lx (text at %#lx) is %#x, the running kernel has %#x",
			         off + i, (uint64_t)&mem[i], file[off + i], mem[i]);
}

static void check_kernel_file(struct kctx *c)
{
	const struct lp_kernel_file_response *r = (const void *)response(
		c, &lim_kernel_file_req, sizeof *r, "kernel file");
	const struct lp_file *f = check_file(c, r->kernel_file, "kernel file");

	if (!str_eq((const char *)f->path, EXPECTED_KERNEL_PATH))
		lim_fail("kernel file path is \"%s\", want \"%s\"", (const char *)f->path,
		         EXPECTED_KERNEL_PATH);
	if (!str_eq((const char *)f->cmdline, EXPECTED_CMDLINE))
		lim_fail("kernel file cmdline is \"%s\", want the entry's \"%s\"",
		         (const char *)f->cmdline, EXPECTED_CMDLINE);
	check_kernel_bytes(c, f);
	c->kfile = f;
	lc_uuid_format(c->disk_uuid, &f->gpt_disk_uuid);
	lc_uuid_format(c->part_uuid, &f->gpt_part_uuid);
}

static void check_module(const struct kctx *c, uint64_t i, uint64_t addr)
{
	const struct lp_file *m = check_file(c, addr, "module");
	const char *path = (const char *)m->path, *cmdline = (const char *)m->cmdline;
	uint64_t want, got;

	if (m->partition_index != c->kfile->partition_index ||
	    !uuid_eq(&m->gpt_disk_uuid, &c->kfile->gpt_disk_uuid) ||
	    !uuid_eq(&m->gpt_part_uuid, &c->kfile->gpt_part_uuid))
		lim_fail("module %lu (%s) is not on the kernel file's partition and disk", i, path);
	if (parse_fnv1a64_string(cmdline, &want) != 1)
		lim_fail("module %lu (%s) cmdline is \"%s\", want \"fnv1a64=<16 hex digits>\" (as the test config writes it)",
		         i, path, cmdline);
	got = fnv1a64(FNV1A64_INIT, (const void *)m->address, m->size);
	if (got != want)
		lim_fail("module %lu (%s, %lu bytes at %#lx): FNV-1a 64 is %016lx, its cmdline says %016lx",
		         i, path, m->size, m->address, got, want);
}

static void check_modules(struct kctx *c)
{
	const struct lp_module_response *r = (const void *)response(
		c, &lim_module_req.r, sizeof *r, "module");
	const uint64_t *mods;
	const struct lp_file *first;
	char want_path[256];
	uint64_t i;

	if (r->revision < 1)
		lim_fail("module response revision is %lu: internal modules need revision 1",
		         r->revision);
	if (r->module_count < 1 || r->module_count > MAX_MODULES)
		lim_fail("module_count is %lu, want 1 (internal) + the config's, at most %u",
		         r->module_count, MAX_MODULES);
	lim_data(c, r->modules, r->module_count * 8, RECLAIM, "module pointer array");
	mods = (const uint64_t *)r->modules;
	for (i = 0; i < r->module_count; i++)
		check_module(c, i, mods[i]);
	first = (const struct lp_file *)mods[0];
	if (!lc_sibling_path(want_path, sizeof want_path, (const char *)c->kfile->path,
	                     lim_internal_path))
		lim_fail("kernel path too long to build the internal module's path");
	if (!str_eq((const char *)first->path, want_path) ||
	    !str_eq((const char *)first->cmdline, lim_internal_cmdline))
		lim_fail("module 0 is %s \"%s\", want the internal module %s \"%s\" first",
		         (const char *)first->path, (const char *)first->cmdline, want_path,
		         lim_internal_cmdline);
	c->nmodules = r->module_count;
}

/* ---- framebuffers -------------------------------------------------------- */

static void check_edid(const struct kctx *c, const struct lp_framebuffer *fb)
{
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	const uint8_t *e = (const uint8_t *)fb->edid;
	unsigned i;

	if (fb->edid_size == 0) {
		if (fb->edid)
			lim_fail("framebuffer edid_size is 0 but edid is %#lx, want NULL", fb->edid);
		return;
	}
	lim_data(c, fb->edid, fb->edid_size, RECLAIM, "EDID");
	if (fb->edid_size < 128)
		lim_fail("EDID is %lu bytes, less than one 128-byte block", fb->edid_size);
	for (i = 0; i < 8; i++)
		if (e[i] != header[i])
			lim_fail("EDID byte %u is %#x: not the EDID header", i, e[i]);
	if (lc_sum8(e, 128))
		lim_fail("EDID block 0 checksum is not 0");
}

static void check_modes(const struct kctx *c, const struct lp_framebuffer *fb)
{
	const uint64_t *modes = (const uint64_t *)fb->modes;
	uint64_t i;

	if (fb->mode_count > 4096)
		lim_fail("framebuffer mode_count is %lu", fb->mode_count);
	if (fb->mode_count == 0)
		return;
	lim_data(c, fb->modes, fb->mode_count * 8, RECLAIM, "video mode pointer array");
	for (i = 0; i < fb->mode_count; i++) {
		const struct lp_video_mode *m = (const struct lp_video_mode *)modes[i];
		struct lc_pixels px;
		const char *why;

		lim_data(c, modes[i], sizeof *m, RECLAIM, "video mode");
		px = lc_pixels_of_mode(m);
		why = lc_pixels_problem(&px);
		if (why)
			lim_fail("video mode %lu (%lux%lu bpp %u pitch %lu): %s", i, m->width,
			         m->height, m->bpp, m->pitch, why);
	}
}

static void check_framebuffer(struct kctx *c, uint64_t i, uint64_t addr, uint64_t rev)
{
	const struct lp_framebuffer *fb = (const struct lp_framebuffer *)addr;
	struct lc_pixels px;
	const char *why;

	lim_data(c, addr, rev >= 1 ? sizeof *fb : LP_FRAMEBUFFER_REV0_SIZE, RECLAIM,
	         "framebuffer structure");
	px = lc_pixels_of_fb(fb);
	why = lc_pixels_problem(&px);
	if (why)
		lim_fail("framebuffer %lu (%lux%lu bpp %u pitch %lu model %u masks r%u@%u g%u@%u b%u@%u): %s",
		         i, fb->width, fb->height, fb->bpp, fb->pitch, fb->memory_model,
		         fb->red_mask_size, fb->red_mask_shift, fb->green_mask_size,
		         fb->green_mask_shift, fb->blue_mask_size, fb->blue_mask_shift, why);
	if (fb->height > UINT64_MAX / fb->pitch)
		lim_fail("framebuffer %lu: pitch * height overflows", i);
	mem_check_framebuffer(c, fb->address, fb->pitch * fb->height);
	check_edid(c, fb);
	if (rev >= 1)
		check_modes(c, fb);
	if (i == 0) {
		c->fb_width = fb->width;
		c->fb_height = fb->height;
		c->fb_bpp = fb->bpp;
	}
}

static void check_framebuffers(struct kctx *c)
{
	const struct lp_framebuffer_response *r = (const void *)response(
		c, &lim_framebuffer_req, sizeof *r, "framebuffer");
	const uint64_t *fbs;
	uint64_t i;

	if (r->framebuffer_count < 1 || r->framebuffer_count > 16)
		lim_fail("framebuffer_count is %lu, want 1..16 (QEMU's display has a GOP framebuffer)",
		         r->framebuffer_count);
	lim_data(c, r->framebuffers, r->framebuffer_count * 8, RECLAIM,
	         "framebuffer pointer array");
	fbs = (const uint64_t *)r->framebuffers;
	for (i = 0; i < r->framebuffer_count; i++)
		check_framebuffer(c, i, fbs[i], r->revision);
}

/* The colour with every bit of one mask set, for 8 bars. */
static uint64_t bar_colour(const struct lp_framebuffer *fb, unsigned bar)
{
	uint64_t r = ((1ull << fb->red_mask_size) - 1) << fb->red_mask_shift;
	uint64_t g = ((1ull << fb->green_mask_size) - 1) << fb->green_mask_shift;
	uint64_t b = ((1ull << fb->blue_mask_size) - 1) << fb->blue_mask_shift;

	return (bar & 4 ? r : 0) | (bar & 2 ? g : 0) | (bar & 1 ? b : 0);
}

/* Paints eight colour bars over the top rows of framebuffer 0 and reads
 * every painted pixel back. */
void resp_paint_framebuffer(const struct kctx *c)
{
	const struct lp_framebuffer_response *r = (const void *)response_of(&lim_framebuffer_req);
	const struct lp_framebuffer *fb = *(const struct lp_framebuffer *const *)r->framebuffers;
	uint64_t bytes = fb->bpp / 8u, rows = fb->height < 64 ? fb->height : 64, x, y, k;

	(void)c; /* checked by resp_check_all */
	lim_phase = "framebuffer paint";
	for (y = 0; y < rows; y++)
		for (x = 0; x < fb->width; x++) {
			volatile uint8_t *p = (volatile uint8_t *)(fb->address + y * fb->pitch + x * bytes);
			uint64_t v = bar_colour(fb, (unsigned)(x * 8 / fb->width));

			for (k = 0; k < bytes; k++)
				p[k] = (uint8_t)(v >> (8 * k));
		}
	for (y = 0; y < rows; y++)
		for (x = 0; x < fb->width; x++) {
			volatile uint8_t *p = (volatile uint8_t *)(fb->address + y * fb->pitch + x * bytes);
			uint64_t v = bar_colour(fb, (unsigned)(x * 8 / fb->width));

			for (k = 0; k < bytes; k++)
				if (p[k] != (uint8_t)(v >> (8 * k)))
					lim_fail("framebuffer pixel (%lu, %lu) byte %lu reads %#x after painting %#x",
					         x, y, k, p[k], (unsigned)(uint8_t)(v >> (8 * k)));
		}
}

void resp_check_all(struct kctx *c)
{
	lim_phase = "responses";
	check_hhdm(c);
	mem_memmap_handover(c);
	check_bootloader_info(c);
	check_simple(c);
	check_kernel_address(c);
	check_kernel_file(c);
	check_modules(c);
	check_framebuffers(c);
}
