/*
 * multiboot2.c - the Multiboot2 boot protocol (docs/MULTIBOOT.md), from
 * the Multiboot2 Specification 2.0.
 *
 * parse:   the header in the first 32 KiB (proto/mbheader.c) decides
 *          where the bytes go: an address-tag image or the ELF32/ELF64
 *          file's segments at their physical addresses, moved within the
 *          relocatable tag's bounds by the load path.
 * plan:    every information request is checked against what Runway can
 *          give on this machine (a required one it cannot is refused by
 *          name); the entry is the i386 one (32-bit, paging off, after
 *          ExitBootServices) or, with the EFI boot services tag, the EFI
 *          amd64 one (boot services running); modules go below 4 GiB.
 * prepare: one loader claim below 4 GiB holds the information structure,
 *          with room for the memory maps.
 * finish:  basic memory information, the memory map and the EFI memory
 *          map, then the end tag and total_size.
 */
#include "mbcommon.h"

#include <string.h>

/* What parse found and prepare built, kept for finish.  One boot at a
 * time: static storage. */
static struct mb2_state {
	struct mb_header h;
	bool efi;                    /* entered with boot services running */
	struct mb_arena arena;
	uint32_t *meminfo;           /* the basic meminfo tag's two fields */
	uint64_t maps_at;            /* arena offset where the maps begin */
	size_t mmap_cap;             /* entries the memory map tag may hold */
	uint64_t efi_cap;            /* bytes the EFI memory map tag may hold */
} mb2;


static bool mb2_probe(const uint8_t *head, size_t len)
{
	return mb_probe(2, head, len > MB2_WINDOW ? MB2_WINDOW : len);
}

static int mb2_parse(const struct elf_file *f, const uint8_t *head, size_t len,
		     struct elf_image *ret_img, struct rw_err *err)
{
	memset(&mb2, 0, sizeof mb2);
	if (mb_parse_image(2, f, head, len, &mb2.h, ret_img, err))
		return -1;
	mb2.efi = mb2.h.keep_bs;
	return 0;
}

/* Why Runway cannot give information tag `type` here; NULL if it can. */
static const char *cannot_give(const struct loaded_kernel *k, uint32_t type)
{
	const struct machine_info *mi = &k->machine;

	switch (type) {
	case MB2_IT_END:
	case MB2_IT_CMDLINE:
	case MB2_IT_LOADER_NAME:
	case MB2_IT_MODULE:
	case MB2_IT_BASIC_MEMINFO:
	case MB2_IT_MMAP:
	case MB2_IT_EFI64:
	case MB2_IT_EFI64_IH:
		return NULL;
	case MB2_IT_FRAMEBUFFER:
		return mi->fb.present ? NULL : "the firmware has no linear framebuffer";
	case MB2_IT_SMBIOS:
		return mi->smbios32_entry || mi->smbios64_entry ? NULL
			: "the firmware has no SMBIOS table";
	case MB2_IT_ACPI_OLD:
		return mi->acpi1_rsdp ? NULL : "the firmware has no ACPI 1.0 RSDP";
	case MB2_IT_ACPI_NEW:
		return mi->acpi2_rsdp ? NULL : "the firmware has no ACPI 2.0 RSDP";
	case MB2_IT_EFI_MMAP:
		return mb2.efi ? "boot services stay running (EFI boot services tag), so the map is the kernel's to read"
			       : NULL;
	case MB2_IT_EFI_BS:
		return mb2.efi ? NULL : "boot services are terminated (no EFI boot services tag)";
	case MB2_IT_LOAD_BASE:
		return mb2.h.has_reloc ? NULL : "the image has no relocatable header tag";
	case MB2_IT_BOOTDEV:
	case MB2_IT_VBE:
	case MB2_IT_APM:
		return "it is BIOS information, and UEFI has none";
	case MB2_IT_EFI32:
	case MB2_IT_EFI32_IH:
		return "the firmware is 64-bit";
	case MB2_IT_ELF_SECTIONS:
	case MB2_IT_NETWORK:
		return "Runway does not give it";
	default:
		return "it is not a type the Multiboot2 specification defines";
	}
}

static int mb2_plan(struct proto_run *run, struct rw_err *err)
{
	const struct mb_header *h = &mb2.h;
	const char *path = run->k->path;

	run->state = &mb2;
	for (size_t i = 0; i < h->nrequests; i++) {
		uint32_t t = h->request[i];
		const char *why = cannot_give(run->k, t);
		if (!why)
			continue;
		if (!h->request_optional[i])
			return rw_fail(err, "%s: the Multiboot2 header requires information tag %u (%s), which Runway cannot give: %s",
				       path, t, mb2_tag_name(t), why);
		proto_say(run, "multiboot2 request=%u (%s) optional: not given: %s", t,
		    mb2_tag_name(t), why);
	}
	if (h->has_console_flags && (h->console_flags & 1) &&
	    !run->k->machine.fb.present)
		return rw_fail(err, "%s: the Multiboot2 header requires a console, and the firmware has no linear framebuffer (Runway has no EGA text mode to give)",
			       path);
	if (h->has_efi64_entry && !mb2.efi)
		proto_say(run, "multiboot2 efi-amd64-entry=0x%x ignored: no EFI boot services tag",
		    h->efi64_entry);
	run->jump = mb2.efi ? PROTO_JUMP_EFI : PROTO_JUMP_I386;
	run->eax = MB2_BOOT_MAGIC;
	/* Module tags hold 32-bit addresses. */
	run->modules_below = MB_SIZE_4G;
	if (h->has_fb) {
		run->fb_want.on = true;
		run->fb_want.width = h->fb_width;
		run->fb_want.height = h->fb_height;
		run->fb_want.depth = h->fb_depth;
	}
	return 0;
}

/* ---- the information structure ---- */

static uint64_t tag_bytes(uint64_t size)
{
	return (size + 7) & ~UINT64_C(7);
}

/* A tag of `size` bytes (type and size set), 8-byte aligned. */
static uint8_t *put_tag(uint32_t type, uint64_t size)
{
	uint8_t *t = mb_take(&mb2.arena, tag_bytes(size), 8);
	uint32_t head[2] = { type, (uint32_t)size };

	if (t)
		memcpy(t, head, sizeof head);
	return t;
}

static void put_string_tag(uint32_t type, const char *s)
{
	size_t n = strlen(s) + 1;
	uint8_t *t = put_tag(type, 8 + n);

	memcpy(t + 8, s, n);
}

static const uint8_t *smbios_entry(const struct proto_run *run, uint32_t *ret_len,
				   uint8_t *ret_major, uint8_t *ret_minor)
{
	const struct machine_info *mi = &run->k->machine;
	const uint8_t *p;

	if (mi->smbios32_entry) {
		p = run->p2v(run->p2v_ctx, mi->smbios32_entry);
		*ret_len = p[5] < 0x1f ? 0x1f : p[5];
		*ret_major = p[6];
		*ret_minor = p[7];
		return p;
	}
	if (!mi->smbios64_entry)
		return NULL;
	p = run->p2v(run->p2v_ctx, mi->smbios64_entry);
	*ret_len = p[6] < 0x18 ? 0x18 : p[6];
	*ret_major = p[7];
	*ret_minor = p[8];
	return p;
}

/* Bytes the whole structure may need. */
static uint64_t info_bytes(const struct proto_run *run)
{
	const struct loaded_kernel *k = run->k;
	const struct machine_info *mi = &k->machine;
	uint64_t n = 8 + tag_bytes(8 + strlen(k->cmdline) + 1) +
		     tag_bytes(8 + sizeof MB_LOADER_NAME) + tag_bytes(16) +
		     tag_bytes(38) + 2 * tag_bytes(16) + tag_bytes(28) +
		     tag_bytes(16) + 8 + 8;
	uint32_t len;
	uint8_t major, minor;

	for (size_t m = 0; m < k->nmodules; m++)
		n += tag_bytes(16 + strlen(k->modules[m].string) + 1);
	if (mi->acpi2_rsdp)
		n += tag_bytes(8 + mb_rsdp_size(run, mi->acpi2_rsdp));
	if (smbios_entry(run, &len, &major, &minor))
		n += tag_bytes(16 + len);
	n += tag_bytes(16 + mb2.mmap_cap * sizeof(struct runway_mmap_entry));
	n += tag_bytes(16 + mb2.efi_cap);
	return n;
}

static void put_framebuffer(const struct fb_info *fb)
{
	uint8_t *t = put_tag(MB2_IT_FRAMEBUFFER, 38);
	uint32_t geo[3] = { fb->mode.pitch, fb->mode.width, fb->mode.height };

	memcpy(t + 8, &fb->phys, 8);
	memcpy(t + 16, geo, sizeof geo);
	t[28] = (uint8_t)fb->mode.bpp;
	t[29] = 1; /* direct RGB colour */
	mb_color_fields(&fb->mode, t + 32);
}

static void put_u64_tag(uint32_t type, uint64_t v)
{
	memcpy(put_tag(type, 16) + 8, &v, 8);
}

static void put_copy_tag(uint32_t type, const void *src, uint32_t len,
			 uint32_t skip)
{
	memcpy(put_tag(type, 8 + skip + len) + 8 + skip, src, len);
}

/* Everything but the memory maps, in the order of the specification. */
static void put_fixed_tags(const struct proto_run *run)
{
	const struct loaded_kernel *k = run->k;
	const struct machine_info *mi = &k->machine;
	uint32_t len;
	uint8_t major, minor;

	put_string_tag(MB2_IT_CMDLINE, k->cmdline);
	put_string_tag(MB2_IT_LOADER_NAME, MB_LOADER_NAME);
	for (size_t m = 0; m < k->nmodules; m++) {
		const struct loaded_module *lm = &k->modules[m];
		size_t n = strlen(lm->string) + 1;
		uint8_t *t = put_tag(MB2_IT_MODULE, 16 + n);
		uint32_t range[2] = { (uint32_t)lm->phys, (uint32_t)(lm->phys + lm->size) };
		memcpy(t + 8, range, sizeof range);
		memcpy(t + 16, lm->string, n);
	}
	mb2.meminfo = (uint32_t *)(put_tag(MB2_IT_BASIC_MEMINFO, 16) + 8);
	if (mi->fb.present)
		put_framebuffer(&mi->fb);
	put_u64_tag(MB2_IT_EFI64, mi->efi_system_table);
	const uint8_t *sm = smbios_entry(run, &len, &major, &minor);
	if (sm) {
		uint8_t *t = put_tag(MB2_IT_SMBIOS, 16 + len);
		t[8] = major;
		t[9] = minor;
		memcpy(t + 16, sm, len);
	}
	if (mi->acpi1_rsdp)
		put_copy_tag(MB2_IT_ACPI_OLD, run->p2v(run->p2v_ctx, mi->acpi1_rsdp), 20, 0);
	if (mi->acpi2_rsdp)
		put_copy_tag(MB2_IT_ACPI_NEW, run->p2v(run->p2v_ctx, mi->acpi2_rsdp),
			     mb_rsdp_size(run, mi->acpi2_rsdp), 0);
	if (mb2.efi)
		put_tag(MB2_IT_EFI_BS, 8);
	put_u64_tag(MB2_IT_EFI64_IH, mi->efi_image_handle);
	if (mb2.h.has_reloc) {
		uint32_t base = (uint32_t)k->img->seg[0].vaddr;
		memcpy(put_tag(MB2_IT_LOAD_BASE, 12) + 8, &base, 4);
	}
}

static int mb2_prepare(struct proto_run *run, struct rw_err *err)
{
	mb2.mmap_cap = 3 * run->k->map_cap;
	mb2.efi_cap = mb2.efi ? 0 : run->k->efi_map_bytes;
	if (mb_arena_claim(run, info_bytes(run), &mb2.arena, err))
		return -1;
	mb_take(&mb2.arena, 8, 8); /* total_size, reserved */
	put_fixed_tags(run);
	mb2.maps_at = mb2.arena.used;
	run->entry = run->k->img->entry;
	run->arg = mb2.arena.phys;
	proto_say(run, "multiboot2 info=0x%" PRIx64 " entry=0x%" PRIx64 " mode=%s requests=%zu",
	    mb2.arena.phys, run->entry, mb2.efi ? "efi-amd64" : "i386",
	    mb2.h.nrequests);
	return 0;
}

static int mb2_finish(struct proto_run *run, const struct mm_region *reg,
		      size_t nreg, uint64_t tsc_exit)
{
	struct mb_arena *a = &mb2.arena;
	(void)tsc_exit;

	a->used = mb2.maps_at;
	uint8_t *t = put_tag(MB2_IT_MMAP, 16 + mb2.mmap_cap * sizeof(struct runway_mmap_entry));
	struct runway_mmap_entry *e = (void *)(t + 16);
	size_t n = mb_memory_map(reg, nreg, e, mb2.mmap_cap);
	if (n == 0)
		return -1;
	uint32_t head[4] = { MB2_IT_MMAP, (uint32_t)(16 + n * sizeof *e),
			     sizeof *e, 0 };
	memcpy(t, head, sizeof head);
	a->used = (uint64_t)(t - a->host) + tag_bytes(head[1]);
	mb_meminfo(e, n, &mb2.meminfo[0], &mb2.meminfo[1]);
	if (!mb2.efi) {
		if (run->efi_map_size > mb2.efi_cap)
			return -1;
		t = put_tag(MB2_IT_EFI_MMAP, 16 + run->efi_map_size);
		uint32_t d[2] = { (uint32_t)run->efi_desc_size, run->efi_desc_version };
		memcpy(t + 8, d, sizeof d);
		memcpy(t + 16, run->p2v(run->p2v_ctx, run->efi_map), run->efi_map_size);
	}
	put_tag(MB2_IT_END, 8);
	uint32_t total = (uint32_t)a->used;
	memcpy(a->host, &total, 4);
	return 0;
}

const struct protocol proto_multiboot2 = {
	.name = "multiboot2",
	.probe = mb2_probe,
	.parse = mb2_parse,
	.plan = mb2_plan,
	.prepare = mb2_prepare,
	.finish = mb2_finish,
};
