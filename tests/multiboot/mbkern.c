/*
 * mbkern.c - the Multiboot2 information checks of the test kernels (see
 * mbkern.h), built for i386 and for x86-64.  The pure parts are
 * mbchecks.c; here are the reads of physical memory the information
 * points to, and the FAIL lines with their values.
 */
#include <stdint.h>

#include "checks.h"
#include "mbkern.h"
#include "report.h"

#define U64(x) ((unsigned long long)(x))

/* Filled after the .bss check, so they may live in .bss. */
static struct mb_range mmap_buf[MB_MAX_MMAP];

static const struct mb2_tag *walk_info(uint64_t info, struct mb2_walk *w,
                                       struct mb_result *r)
{
	const struct mb2_info_head *h = mb_phys(info, 8);
	const char *why;

	if (!h)
		mb_fatal("information structure at %#llx: out of this kernel's reach", U64(info));
	r->info = info;
	r->info_size = h->total_size;
	if (!mb_phys(info, h->total_size))
		mb_fatal("information structure [%#llx, +%u): out of this kernel's reach",
		         U64(info), h->total_size);
	why = mb2_walk_problem(h, w);
	if (why)
		mb_fatal("information structure at %#llx (total_size %u): %s: tag at offset %u type %u size %u",
		         U64(info), h->total_size, why, w->bad_offset, w->bad_type, w->bad_size);
	return (const void *)h;
}

static void check_presence(const struct mb2_walk *w, const struct mb_expect *x,
                           struct mb_result *r)
{
	char have[200], want[200];
	uint32_t t;

	for (t = 0; t <= MB2_TAG_MAX; t++)
		if (w->count[t])
			r->tags |= 1ull << t;
	if ((r->tags & x->required) != x->required)
		mb_fail("tags missing: have %s, required %s",
		        mb_tags_text(have, sizeof have, r->tags),
		        mb_tags_text(want, sizeof want, x->required));
	if (r->tags & x->forbidden)
		mb_fail("tags that must not be there: %s",
		        mb_tags_text(want, sizeof want, r->tags & x->forbidden));
	if (w->unknown)
		mb_fail("%u tags of types above %u (unknown to the specification)",
		        w->unknown, MB2_TAG_MAX);
}

static void check_strings(const struct mb2_walk *w)
{
	const struct mb2_tag_string *c = (const void *)w->tag[MB2_TAG_CMDLINE];
	const struct mb2_tag_string *n = (const void *)w->tag[MB2_TAG_LOADER_NAME];
	char text[96];

	if (c && !str_eq(c->string, MB_TEST_CMDLINE)) {
		escape_string(text, sizeof text, c->string, c->size - 8);
		mb_fail("cmdline is \"%s\", expected \"%s\"", text, MB_TEST_CMDLINE);
	}
	if (n && !mb_starts_with(n->string, "Runway")) {
		escape_string(text, sizeof text, n->string, n->size - 8);
		mb_fail("boot loader name is \"%s\", expected it to start with \"Runway\"", text);
	}
}

/* [base, base + len) inside type-1 memory of the Multiboot map. */
void mb_in_usable(const struct mb_result *r, const char *what, uint64_t base,
                  uint64_t len)
{
	uint64_t bad;

	if (r->mmap && !mb_mmap_covers(r->mmap, r->mmap_entries, base, len,
	                               MB_MEM_AVAILABLE, &bad))
		mb_fail("%s [%#llx, %#llx) not inside type-1 memory of the map: %#llx is not",
		        what, U64(base), U64(base + len), U64(bad));
}

static void check_mmap(const struct mb2_walk *w, struct mb_result *r)
{
	const struct mb2_tag_mmap *t = (const void *)w->tag[MB2_TAG_MMAP];
	const struct mb2_tag_meminfo *mi = (const void *)w->tag[MB2_TAG_BASIC_MEMINFO];
	uint32_t n, bad, lower, upper;
	const char *why;

	if (!t)
		return;
	n = mb2_mmap_collect(t, mmap_buf, MB_MAX_MMAP);
	if (n > MB_MAX_MMAP)
		mb_fatal("memory map: %u entries, this kernel holds %u", n, MB_MAX_MMAP);
	r->mmap_entries = n;
	why = mb_mmap_problem(mmap_buf, n, &bad);
	if (why) {
		mb_fail("memory map: %s: entry %u base %#llx length %#llx type %u", why, bad,
		        U64(mmap_buf[bad].base), U64(mmap_buf[bad].length), mmap_buf[bad].type);
		return;
	}
	r->mmap = mmap_buf;
	if (!mi)
		return;
	mb_meminfo_expect(mmap_buf, n, &lower, &upper);
	if (mi->mem_lower != lower || mi->mem_upper != upper)
		mb_fail("basic meminfo mem_lower=%u mem_upper=%u KiB, the memory map says %u and %u",
		        mi->mem_lower, mi->mem_upper, lower, upper);
}

void mb_check_module(uint32_t i, uint64_t start, uint64_t end, const char *string,
                     uint64_t string_max, const struct mb_expect *x, struct mb_result *r)
{
	uint64_t want = 0, got, len = end - start;
	const void *p = mb_phys(start, len);
	char text[64];
	uint32_t j;

	if (start % MB_PAGE)
		mb_fail("module %u: mod_start %#llx not page-aligned (module alignment tag)", i, U64(start));
	if (end < start) {
		mb_fail("module %u: mod_end %#llx below mod_start %#llx", i, U64(end), U64(start));
		return;
	}
	if (parse_fnv1a64_string(string, &want) != 1) {
		escape_string(text, sizeof text, string, string_max);
		mb_fail("module %u: string \"%s\", expected fnv1a64=<16 hex digits>", i, text);
	} else if (!p) {
		mb_fail("module %u [%#llx, +%#llx): out of this kernel's reach", i, U64(start), U64(len));
	} else if ((got = fnv1a64(FNV1A64_INIT, p, len)) != want) {
		mb_fail("module %u (%llu bytes at %#llx): FNV-1a 64 is %016llx, its string says %016llx",
		        i, U64(len), U64(start), U64(got), U64(want));
	}
	if (mb_overlap(start, len, x->kernel_base, x->kernel_size))
		mb_fail("module %u [%#llx, +%#llx) overlaps the kernel [%#llx, +%#llx)", i,
		        U64(start), U64(len), U64(x->kernel_base), U64(x->kernel_size));
	if (mb_overlap(start, len, r->info, r->info_size))
		mb_fail("module %u [%#llx, +%#llx) overlaps the information structure [%#llx, +%#llx)",
		        i, U64(start), U64(len), U64(r->info), U64(r->info_size));
	for (j = 0; j < i && j < MB_MAX_MODULES; j++)
		if (mb_overlap(start, len, r->mod_start[j], r->mod_len[j]))
			mb_fail("module %u [%#llx, +%#llx) overlaps module %u", i, U64(start), U64(len), j);
	mb_in_usable(r, "module", start, len);
	if (i < MB_MAX_MODULES) {
		r->mod_start[i] = start;
		r->mod_len[i] = len;
	}
}

static void check_efi_mmap(const struct mb2_walk *w, struct mb_result *r)
{
	const struct mb2_tag_efi_mmap *t = (const void *)w->tag[MB2_TAG_EFI_MMAP];
	struct mb_efi_bad bad;
	const char *why;

	if (!t)
		return;
	r->efi_descs = (t->size - (uint32_t)sizeof *t) / t->descriptor_size;
	if (t->descriptor_version != 1)
		mb_fail("EFI memory map descriptor_version %u, expected 1", t->descriptor_version);
	if (!r->mmap)
		return; /* no valid Multiboot map to compare with: failed above */
	why = mb_efi_map_problem((const uint8_t *)(t + 1), t->size - sizeof *t,
	                         t->descriptor_size, r->mmap, r->mmap_entries, &bad);
	if (why)
		mb_fail("EFI memory map vs memory map: %s: #%u EFI type %#x start %#llx pages %llu; at %#llx the memory map has %s%u",
		        why, bad.index, bad.efi_type, U64(bad.start), U64(bad.pages), U64(bad.addr),
		        bad.mb_type ? "type " : "no entry, type ", bad.mb_type);
}

/* Field positions and sizes inside bpp, not overlapping. */
static const char *color_problem(const struct mb2_tag_framebuffer *f)
{
	const uint8_t pos[3] = { f->red_pos, f->green_pos, f->blue_pos };
	const uint8_t size[3] = { f->red_size, f->green_size, f->blue_size };
	uint64_t used = 0;
	int i;

	for (i = 0; i < 3; i++) {
		uint64_t mask;

		if (size[i] == 0 || pos[i] + size[i] > f->bpp)
			return "a color field empty or outside bpp";
		mask = ((1ull << size[i]) - 1) << pos[i];
		if (used & mask)
			return "color fields overlap";
		used |= mask;
	}
	return 0;
}

/* Writes two patterns to the pixel at p and reads them back. */
static int pixel_sticks(volatile uint32_t *p)
{
	uint32_t old = *p, ok;

	*p = 0x00a5c35au;
	ok = *p == 0x00a5c35au;
	*p = 0x005a3ca5u;
	ok = ok && *p == 0x005a3ca5u;
	*p = old;
	return ok;
}

static void check_framebuffer(const struct mb2_walk *w, const struct mb_expect *x,
                              struct mb_result *r)
{
	const struct mb2_tag_framebuffer *f = (const void *)w->tag[MB2_TAG_FRAMEBUFFER];
	struct mb_fb fb;
	const char *why;

	if (!f)
		return;
	fb = (struct mb_fb){ f->addr, f->pitch, f->width, f->height, f->bpp, f->fb_type };
	r->fb_w = fb.width;
	r->fb_h = fb.height;
	why = mb_fb_problem(&fb, x->fb_w, x->fb_h, x->fb_bpp);
	if (why) {
		mb_fail("framebuffer: %s: addr=%#llx %ux%u bpp=%u pitch=%u type=%u, asked for %ux%ux%u",
		        why, U64(fb.addr), fb.width, fb.height, fb.bpp, fb.pitch, fb.type,
		        x->fb_w, x->fb_h, x->fb_bpp);
		return;
	}
	why = color_problem(f);
	if (why)
		mb_fail("framebuffer color_info (at offset 32): %s: red %u/%u green %u/%u blue %u/%u",
		        why, f->red_pos, f->red_size, f->green_pos, f->green_size, f->blue_pos,
		        f->blue_size);
	mb_check_pixels(&fb);
}

void mb_check_pixels(const struct mb_fb *fb)
{
	uint8_t *base = mb_phys(fb->addr, (uint64_t)fb->pitch * fb->height);
	const char *phase = mb_phase;

	if (fb->bpp != 32)
		return; /* only the kernels that asked for 32 bpp write pixels */
	mb_phase = "framebuffer pixels";
	if (!base || !pixel_sticks((volatile uint32_t *)base) ||
	    !pixel_sticks((volatile uint32_t *)(base + (uint64_t)(fb->height - 1) * fb->pitch +
	                                        (uint64_t)(fb->width - 1) * 4)))
		mb_fail("framebuffer at %#llx: a pattern written to the first or last pixel did not read back",
		        U64(fb->addr));
	mb_phase = phase;
}

static void check_system_table(const struct mb2_walk *w, struct mb_result *r)
{
	const struct mb2_tag_u64 *t = (const void *)w->tag[MB2_TAG_EFI64_ST];
	const struct efi_table_header *h;
	const char *why;

	if (!t)
		return;
	r->system_table = t->pointer;
	h = mb_phys(t->pointer, 4096);
	if (!h) {
		mb_fail("EFI system table at %#llx: above 4 GiB, out of this kernel's reach",
		        U64(t->pointer));
		return;
	}
	why = mb_efi_header_problem(h, EFI_ST_SIGNATURE, 4096);
	if (why)
		mb_fail("EFI system table at %#llx: %s: signature %#llx header_size %u crc32 %#x",
		        U64(t->pointer), why, U64(h->signature), h->header_size, h->crc32);
}

static void check_acpi_smbios(const struct mb2_walk *w)
{
	const struct mb2_tag *o = w->tag[MB2_TAG_ACPI_OLD], *n = w->tag[MB2_TAG_ACPI_NEW];
	const struct mb2_tag_smbios *s = (const void *)w->tag[MB2_TAG_SMBIOS];
	const struct mb2_tag_u64 *ih = (const void *)w->tag[MB2_TAG_EFI64_IH];
	const char *why;

	if (o && (why = mb_rsdp_problem((const uint8_t *)(o + 1), o->size - 8, 0)))
		mb_fail("ACPI old RSDP tag (%u bytes): %s", o->size, why);
	if (n && (why = mb_rsdp_problem((const uint8_t *)(n + 1), n->size - 8, 1)))
		mb_fail("ACPI new RSDP tag (%u bytes): %s", n->size, why);
	if (s && (why = mb_smbios_problem(s)))
		mb_fail("SMBIOS tag (%u bytes, version %u.%u): %s", s->size, s->major, s->minor, why);
	if (ih && ih->pointer == 0)
		mb_fail("EFI 64-bit image handle tag: the handle is 0");
}

void mb2_check_info(uint64_t info, const struct mb_expect *x, struct mb_result *r)
{
	const struct mb2_tag_module *m = 0;
	struct mb2_walk w;
	const void *h;

	__builtin_memset(r, 0, sizeof *r);
	mb_phase = "the information structure";
	h = walk_info(info, &w, r);
	check_presence(&w, x, r);
	check_strings(&w);
	check_mmap(&w, r);
	mb_in_usable(r, "the kernel image", x->kernel_base, x->kernel_size);
	mb_in_usable(r, "the information structure", r->info, r->info_size);
	if (mb_overlap(r->info, r->info_size, x->kernel_base, x->kernel_size))
		mb_fail("information structure [%#llx, +%#llx) overlaps the kernel [%#llx, +%#llx)",
		        U64(r->info), U64(r->info_size), U64(x->kernel_base), U64(x->kernel_size));
	while ((m = mb2_next_module(h, m)) != 0)
		mb_check_module(r->modules++, m->mod_start, m->mod_end, m->string,
		                m->size - sizeof *m, x, r);
	check_efi_mmap(&w, r);
	check_framebuffer(&w, x, r);
	check_system_table(&w, r);
	check_acpi_smbios(&w);
	if (w.tag[MB2_TAG_EFI64_IH])
		r->image_handle = ((const struct mb2_tag_u64 *)w.tag[MB2_TAG_EFI64_IH])->pointer;
	if (w.tag[MB2_TAG_LOAD_BASE])
		r->load_base = ((const struct mb2_tag_load_base *)w.tag[MB2_TAG_LOAD_BASE])->load_base_addr;
}
