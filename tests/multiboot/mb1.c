/*
 * mb1.c - the Multiboot (1) test kernels (Multiboot Specification 0.6.96):
 * mb1.elf, mb1-aout.bin, and mb1-bad-checksum.elf.
 *
 * The header (header_mb1.S) asks for page-aligned modules, memory
 * information and a linear 1024x768x32 mode.  On entry: EAX = 0x2BADB002,
 * EBX non-zero; the machine state of mb32_check_machine; then the
 * information structure: flags bits 0 (mem_lower/mem_upper), 2 (cmdline),
 * 3 (modules), 6 (memory map), 9 (boot loader name) and 12 (framebuffer)
 * set, and not both 4 and 5; the map walked by its size fields, sorted,
 * types 1 to 5, mem_lower/mem_upper consistent with it; cmdline =
 * MB_TEST_CMDLINE; the name starting "Runway"; each module page-aligned,
 * hashed against its "fnv1a64=" string, overlapping nothing; the kernel,
 * the structure, the module list, the map and the strings in type-1
 * memory; the framebuffer RGB 1024x768x32, its first and last pixel
 * writable.
 *
 * MB_MUST_REFUSE: FAIL at once (the loader must not have booted it).
 *
 * PASS line: variant=... flags=0x... modules=N fb=WxH mmap_entries=N
 * mem_lower=N mem_upper=N gdt=lsl|unreadable base=0x...
 */
#include <stdint.h>

#include "checks.h"
#include "mb32.h"
#include "mbkern.h"
#include "report.h"

#define U64(x) ((unsigned long long)(x))

#define MB1_REQUIRED (MB1_IF_MEM | MB1_IF_CMDLINE | MB1_IF_MODS | MB1_IF_MMAP | \
                      MB1_IF_LOADER_NAME | MB1_IF_FRAMEBUFFER)

static struct mb_range mmap_buf[MB_MAX_MMAP];

/* A NUL-terminated string at a physical address, in usable memory. */
static const char *string_at(const struct mb_result *r, const char *what, uint32_t addr)
{
	const char *s = mb_phys(addr, 1);
	uint32_t len = 0;

	if (!s || addr == 0) {
		mb_fail("%s at %#x: not a string address", what, addr);
		return 0;
	}
	while (s[len] && len < 4096)
		len++;
	mb_in_usable(r, what, addr, len + 1);
	return s;
}

static void check_mmap(const struct mb1_info *mi, struct mb_result *r)
{
	uint32_t n, bad, lower, upper;
	const char *why;

	mb_in_usable(r, "the memory map buffer", mi->mmap_addr, mi->mmap_length);
	why = mb1_mmap_problem(mb_phys(mi->mmap_addr, mi->mmap_length), mi->mmap_length,
	                       mmap_buf, MB_MAX_MMAP, &n, &bad);
	if (why)
		mb_fatal("memory map at %#x (%u bytes): %s at offset %u", mi->mmap_addr,
		         mi->mmap_length, why, bad);
	if (n > MB_MAX_MMAP)
		mb_fatal("memory map: %u entries, this kernel holds %u", n, MB_MAX_MMAP);
	r->mmap_entries = n;
	why = mb_mmap_problem(mmap_buf, n, &bad);
	if (why)
		mb_fatal("memory map: %s: entry %u base %#llx length %#llx type %u", why, bad,
		         U64(mmap_buf[bad].base), U64(mmap_buf[bad].length), mmap_buf[bad].type);
	r->mmap = mmap_buf;
	mb_meminfo_expect(mmap_buf, n, &lower, &upper);
	if (mi->mem_lower != lower || mi->mem_upper != upper)
		mb_fail("mem_lower=%u mem_upper=%u KiB, the memory map says %u and %u",
		        mi->mem_lower, mi->mem_upper, lower, upper);
}

static void check_strings(const struct mb1_info *mi, const struct mb_result *r)
{
	const char *c = string_at(r, "cmdline", mi->cmdline);
	const char *n = string_at(r, "boot loader name", mi->boot_loader_name);
	char text[96];

	if (c && !str_eq(c, MB_TEST_CMDLINE)) {
		escape_string(text, sizeof text, c, 4096);
		mb_fail("cmdline is \"%s\", expected \"%s\"", text, MB_TEST_CMDLINE);
	}
	if (n && !mb_starts_with(n, "Runway")) {
		escape_string(text, sizeof text, n, 4096);
		mb_fail("boot loader name is \"%s\", expected it to start with \"Runway\"", text);
	}
}

static void check_modules(const struct mb1_info *mi, const struct mb_expect *x,
                          struct mb_result *r)
{
	const struct mb1_module *mods;
	uint32_t i;

	if (mi->mods_count == 0)
		return;
	mods = mb_phys(mi->mods_addr, (uint64_t)mi->mods_count * sizeof *mods);
	if (!mods || mi->mods_count > MB_MAX_MODULES) {
		mb_fail("module list at %#x: %u modules, not readable or more than %u",
		        mi->mods_addr, mi->mods_count, MB_MAX_MODULES);
		return;
	}
	mb_in_usable(r, "the module list", mi->mods_addr, (uint64_t)mi->mods_count * sizeof *mods);
	for (i = 0; i < mi->mods_count; i++) {
		const char *s = string_at(r, "module string", mods[i].string);

		if (s)
			mb_check_module(i, mods[i].mod_start, mods[i].mod_end, s, 4096, x, r);
	}
	r->modules = mi->mods_count;
}

static void check_framebuffer(const struct mb1_info *mi, struct mb_result *r)
{
	struct mb_fb fb = { mi->framebuffer_addr, mi->framebuffer_pitch, mi->framebuffer_width,
	                    mi->framebuffer_height, mi->framebuffer_bpp, mi->framebuffer_type };
	const char *why = mb_fb_problem(&fb, 1024, 768, 32);

	r->fb_w = fb.width;
	r->fb_h = fb.height;
	if (why) {
		mb_fail("framebuffer: %s: addr=%#llx %ux%u bpp=%u pitch=%u type=%u, asked for 1024x768x32",
		        why, U64(fb.addr), fb.width, fb.height, fb.bpp, fb.pitch, fb.type);
		return;
	}
	mb_check_pixels(&fb);
}

static void check_info(const struct mb1_info *mi, const struct mb_expect *x,
                       struct mb_result *r)
{
	if ((mi->flags & MB1_REQUIRED) != MB1_REQUIRED)
		mb_fatal("info flags %#x lack %#x (want bits 0, 2, 3, 6, 9, 12)", mi->flags,
		         MB1_REQUIRED & ~mi->flags);
	if ((mi->flags & MB1_IF_AOUT_SYMS) && (mi->flags & MB1_IF_ELF_SHDR))
		mb_fail("info flags %#x: bits 4 and 5 are mutually exclusive", mi->flags);
	check_mmap(mi, r);
	mb_in_usable(r, "the kernel image", x->kernel_base, x->kernel_size);
	mb_in_usable(r, "the information structure", r->info, r->info_size);
	if (mb_overlap(r->info, r->info_size, x->kernel_base, x->kernel_size))
		mb_fail("information structure at %#llx overlaps the kernel", U64(r->info));
	check_strings(mi, r);
	check_modules(mi, x, r);
	check_framebuffer(mi, r);
}

__attribute__((noreturn)) void mb32_main(const struct mb32_entry *e)
{
	struct mb_expect x = { 0 };
	struct mb_result r = { 0 };
	const struct mb1_info *mi;
	const char *gdt;

	mb_report_init();
#ifdef MB_MUST_REFUSE
	mb_fatal("booted, but the loader must refuse this kernel: %s", MB_MUST_REFUSE);
#endif
	mb32_check_machine(e, &gdt);
	if (e->eax != MB1_BOOT_MAGIC)
		mb_fatal("EAX=%#x on entry, expected 0x2badb002", e->eax);
	mi = mb_phys(e->ebx, sizeof *mi);
	if (e->ebx == 0 || !mi)
		mb_fatal("EBX=%#x on entry, expected the information structure's address", e->ebx);
	x.kernel_base = mb32_image_base(e);
	x.kernel_size = mb32_image_size();
	r.info = e->ebx;
	r.info_size = sizeof *mi;
	check_info(mi, &x, &r);
	mb_finish("flags=%#x modules=%u fb=%ux%u mmap_entries=%u mem_lower=%u mem_upper=%u gdt=%s base=%#x",
	          mi->flags, r.modules, r.fb_w, r.fb_h, r.mmap_entries, mi->mem_lower,
	          mi->mem_upper, gdt, e->image_start);
}
