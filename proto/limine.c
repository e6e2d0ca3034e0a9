/*
 * limine.c - the Limine boot protocol (docs/LIMINE.md), base revisions 0
 * to 3, from its specification (PROTOCOL.md of the limine-bootloader
 * project; structures in proto/limine_spec.h).
 *
 * plan:    the loaded image (one physical run, as the protocol promises)
 *          is scanned for the requests delimiters, the base revision tag
 *          and the requests on 8-byte boundaries; the stack size, entry
 *          point and paging mode requests are read; base revision 0 gets
 *          its identity map.
 * prepare: one bootloader-reclaimable claim holds the stack, the GDT and
 *          every response; the kernel file and internal modules are read
 *          through run->load_file; each response's address is written
 *          into its request.
 * finish:  the memory map (and the EFI memory map) after
 *          ExitBootServices, into room prepare reserved.
 */
#include "proto.h"

#include <string.h>

#include "acpi.h"
#include "limine_spec.h"
#include "runway/boot.h"

#define LIM_REQUESTS_MAX 64
#define LIM_INTERNAL_MAX 16
#define LIM_STACK_MIN (UINT64_C(64) << 10)
#define LIM_STACK_MAX (UINT64_C(64) << 20)
#define LIM_STRING_MAX 1024
#define LIM_CPUS_MAX 256

static const uint64_t request_id[LIM_REQ_COUNT][2] = {
	[LIM_REQ_BOOTLOADER_INFO] = { 0xf55038d8e2a1202full, 0x279426fcf5f59740ull },
	[LIM_REQ_FIRMWARE_TYPE] = { 0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull },
	[LIM_REQ_STACK_SIZE] = { 0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull },
	[LIM_REQ_HHDM] = { 0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull },
	[LIM_REQ_FRAMEBUFFER] = { 0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull },
	[LIM_REQ_PAGING_MODE] = { 0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull },
	[LIM_REQ_MP] = { 0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull },
	[LIM_REQ_MEMMAP] = { 0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull },
	[LIM_REQ_ENTRY_POINT] = { 0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull },
	[LIM_REQ_KERNEL_FILE] = { 0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull },
	[LIM_REQ_MODULE] = { 0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull },
	[LIM_REQ_RSDP] = { 0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull },
	[LIM_REQ_SMBIOS] = { 0x9e9046f11e095391ull, 0xaa4a520fefbde5eeull },
	[LIM_REQ_EFI_SYSTEM_TABLE] = { 0x5ceba5163eaaf6d6ull, 0x0a6981610cf65fccull },
	[LIM_REQ_EFI_MEMMAP] = { 0x7df62a431d6872d5ull, 0xa4fcdfb3e57306c8ull },
	[LIM_REQ_BOOT_TIME] = { 0x502746e184c088aaull, 0xfbc5ec83e6327893ull },
	[LIM_REQ_KERNEL_ADDRESS] = { 0x71ba76863cc55f63ull, 0xb2644a48c516a487ull },
	[LIM_REQ_DTB] = { 0xb40ddb48fb54bac7ull, 0x545081493f81ffb7ull },
	[LIM_REQ_TERMINAL] = { 0x0785a0aea5d0750full, 0x1c1936fee0d6cf6eull },
};

/* Names in place, not pointers: a pointer is a relocation in the image. */
static const char request_name[LIM_REQ_COUNT][sizeof "efi-system-table"] = {
	[LIM_REQ_BOOTLOADER_INFO] = "bootloader-info",
	[LIM_REQ_FIRMWARE_TYPE] = "firmware-type",
	[LIM_REQ_STACK_SIZE] = "stack-size",
	[LIM_REQ_HHDM] = "hhdm",
	[LIM_REQ_FRAMEBUFFER] = "framebuffer",
	[LIM_REQ_PAGING_MODE] = "paging-mode",
	[LIM_REQ_MP] = "mp",
	[LIM_REQ_MEMMAP] = "memmap",
	[LIM_REQ_ENTRY_POINT] = "entry-point",
	[LIM_REQ_KERNEL_FILE] = "kernel-file",
	[LIM_REQ_MODULE] = "module",
	[LIM_REQ_RSDP] = "rsdp",
	[LIM_REQ_SMBIOS] = "smbios",
	[LIM_REQ_EFI_SYSTEM_TABLE] = "efi-system-table",
	[LIM_REQ_EFI_MEMMAP] = "efi-memmap",
	[LIM_REQ_BOOT_TIME] = "boot-time",
	[LIM_REQ_KERNEL_ADDRESS] = "kernel-address",
	[LIM_REQ_DTB] = "dtb",
	[LIM_REQ_TERMINAL] = "terminal",
};

/* Bump allocation inside the one claim prepare makes. */
struct arena {
	uint8_t *host;
	uint64_t virt;    /* HHDM address of host[0] */
	uint64_t used, cap;
};

/* What plan found and prepare built, kept for finish.  One boot at a
 * time: static storage. */
static struct lim_state {
	uint8_t *image;               /* host pointer to vlow */
	uint64_t vlow, vhigh;
	uint64_t from, to;            /* the delimited range scanned */
	uint64_t asked_revision;      /* of the tag; 0 without one */
	uint64_t revision;            /* what Runway boots it as */
	bool tag_found;
	uint64_t req[LIM_REQ_COUNT];  /* virtual address of each request */
	size_t nrequests, nunknown, noutside;
	uint64_t stack_size;
	uint64_t entry;
	size_t ncpus;                 /* the MADT's processors (MP request) */
	struct acpi_cpu cpus[LIM_CPUS_MAX];
	struct arena arena;
	/* for finish */
	struct lim_memmap_entry *mm_entries;  /* host, mm_cap of them */
	uint64_t *mm_ptrs;                    /* host */
	uint64_t mm_entries_virt;
	size_t mm_cap;
	uint64_t *mm_response;                /* host: revision, count, entries */
	struct runway_mmap_entry *scratch;    /* host, mm_cap of them */
	uint64_t *efi_memmap_response;
} lim;


/* ---- the kernel's image ---- */

/* Host pointer to [virt, virt + len) of the image, or NULL outside it. */
static void *at(uint64_t virt, uint64_t len)
{
	if (virt < lim.vlow || virt > lim.vhigh || len > lim.vhigh - virt)
		return NULL;
	return lim.image + (virt - lim.vlow);
}

static uint64_t word(uint64_t virt)
{
	uint64_t w = 0;
	void *p = at(virt, 8);

	if (p)
		memcpy(&w, p, 8);
	return w;
}

static void put_word(uint64_t virt, uint64_t w)
{
	void *p = at(virt, 8);

	if (p)
		memcpy(p, &w, 8);
}

static bool words_are(uint64_t virt, const uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (word(virt + 8 * i) != w[i])
			return false;
	return at(virt, 8 * n) != NULL;
}

/* A NUL-terminated string of the image at virt, or NULL. */
static const char *image_string(uint64_t virt)
{
	const char *s = at(virt, 1);

	if (!s)
		return NULL;
	size_t room = lim.vhigh - virt;
	if (room > LIM_STRING_MAX)
		room = LIM_STRING_MAX;
	return memchr(s, 0, room) ? s : NULL;
}

static const uint64_t start_marker[4] = { LIM_START0, LIM_START1, LIM_START2, LIM_START3 };
static const uint64_t end_marker[2] = { LIM_END0, LIM_END1 };
static const uint64_t base_tag[2] = { LIM_BASE_REV0, LIM_BASE_REV1 };
static const uint64_t common[2] = { LIM_MAGIC0, LIM_MAGIC1 };

/* Requests count between the last start marker and the first end marker
 * after it (honoured in every base revision). */
static void find_delimiters(void)
{
	lim.from = lim.vlow;
	lim.to = lim.vhigh;
	for (uint64_t v = lim.vlow; v + 32 <= lim.vhigh; v += 8)
		if (words_are(v, start_marker, 4))
			lim.from = v + 32;
	for (uint64_t v = lim.from; v + 16 <= lim.vhigh; v += 8)
		if (words_are(v, end_marker, 2)) {
			lim.to = v;
			break;
		}
}

static int known_request(uint64_t v)
{
	for (int r = 0; r < LIM_REQ_COUNT; r++)
		if (word(v + 16) == request_id[r][0] && word(v + 24) == request_id[r][1])
			return r;
	return -1;
}

/* Every request and the base revision tag inside [from, to).  The scan
 * goes on to the last 24 bytes, where a tag still fits. */
static int find_requests(struct rw_err *err)
{
	for (uint64_t v = lim.vlow; v + 24 <= lim.vhigh; v += 8) {
		if (words_are(v, base_tag, 2) && v >= lim.from && v + 24 <= lim.to) {
			lim.tag_found = true;
			lim.asked_revision = word(v + 16);
			put_word(v + 16, lim.asked_revision <= LIM_BASE_REVISION_MAX ?
				 0 : lim.asked_revision);
		}
		if (!words_are(v, common, 2))
			continue;
		if (v < lim.from || v + 48 > lim.to) {
			lim.noutside++;
			continue;
		}
		int r = known_request(v);
		lim.nrequests++;
		if (r < 0) {
			lim.nunknown++;
			continue;
		}
		if (lim.req[r])
			return rw_fail(err, "limine: two %s requests (0x%" PRIx64 " and 0x%" PRIx64
				       "); the protocol allows one", request_name[r], lim.req[r], v);
		lim.req[r] = v;
	}
	lim.revision = lim.asked_revision > LIM_BASE_REVISION_MAX ? LIM_BASE_REVISION_MAX
								   : lim.asked_revision;
	return 0;
}

/* A request's own field after the header (byte offset from its start). */
static uint64_t field(int r, uint64_t off)
{
	return word(lim.req[r] + off);
}

static bool in_exec_segment(const struct elf_image *img, uint64_t v)
{
	for (size_t i = 0; i < img->nseg; i++)
		if ((img->seg[i].flags & MM_MAP_EXEC) && v >= img->seg[i].vaddr &&
		    v < img->seg[i].vaddr + img->seg[i].memsz)
			return true;
	return false;
}

/*
 * The paging mode request (PROTOCOL.md, "Paging Mode Feature"): mode is
 * the kernel's preference, [min_mode, max_mode] what it supports (request
 * revision 1; before, [4-level, mode]).  5-level paging when the preference
 * brought into that range asks for it and the CPU has it; refused when the
 * range is empty or needs 5 levels on a CPU without them.
 */
static int read_paging_mode(struct proto_run *run, struct rw_err *err)
{
	uint64_t mode, max, min = LIM_PAGING_4LVL;

	if (!lim.req[LIM_REQ_PAGING_MODE])
		return 0;
	mode = field(LIM_REQ_PAGING_MODE, 48);
	max = mode;
	if (field(LIM_REQ_PAGING_MODE, 32) >= 1) {
		max = field(LIM_REQ_PAGING_MODE, 56);
		min = field(LIM_REQ_PAGING_MODE, 64);
	}
	if (min > max || min > LIM_PAGING_5LVL)
		return rw_fail(err, "limine: the paging mode request's min_mode %" PRIu64
			       " is above its max_mode %" PRIu64 " or 5-level paging (1)",
			       min, max);
	if (mode < min)
		mode = min;
	if (mode > max)
		mode = max;
	if (run->k->machine.la57 && mode >= LIM_PAGING_5LVL) {
		run->la57 = true;
		run->hhdm_offset = LIM_HHDM_5LVL;
		return 0;
	}
	if (min >= LIM_PAGING_5LVL)
		return rw_fail(err, "limine: the paging mode request needs 5-level paging"
			       " (min_mode %" PRIu64 "); this CPU has 4 levels only", min);
	return 0;
}

/* Stack size, entry point and paging mode: what the hand-off depends on. */
static int read_machine_requests(struct proto_run *run, struct rw_err *err)
{
	const struct elf_image *img = run->k->img;

	lim.stack_size = LIM_STACK_MIN;
	if (lim.req[LIM_REQ_STACK_SIZE]) {
		uint64_t want = field(LIM_REQ_STACK_SIZE, 48);
		if (want > LIM_STACK_MAX)
			return rw_fail(err, "limine: the stack size request asks for %" PRIu64
				       " bytes; Runway gives at most %" PRIu64, want, LIM_STACK_MAX);
		if (want > lim.stack_size)
			lim.stack_size = (want + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
	}
	lim.entry = img->entry;
	if (lim.req[LIM_REQ_ENTRY_POINT]) {
		lim.entry = field(LIM_REQ_ENTRY_POINT, 48);
		if (!in_exec_segment(img, lim.entry))
			return rw_fail(err, "limine: the entry point request names 0x%" PRIx64
				       ", which is in no executable segment", lim.entry);
	}
	return read_paging_mode(run, err);
}

static int limine_plan(struct proto_run *run, struct rw_err *err)
{
	const struct loaded_kernel *k = run->k;

	memset(&lim, 0, sizeof lim);
	if (k->ld->nruns != 1)
		return rw_fail(err, "limine: %s landed in %zu physical runs; the protocol promises one (with protocol = limine in the entry, Runway claims it as one)",
			       k->path, k->ld->nruns);
	lim.vlow = k->img->vlow;
	lim.vhigh = k->img->vhigh;
	lim.image = run->p2v(run->p2v_ctx, k->phys_base);
	find_delimiters();
	if (find_requests(err) || read_machine_requests(run, err))
		return -1;
	run->identity_map = lim.revision == 0;
	run->state = &lim;
	proto_say(run, "limine base_revision=%" PRIu64 " asked=%" PRIu64 "%s requests=%zu unknown=%zu outside_markers=%zu stack=%" PRIu64 " entry=0x%" PRIx64 " paging=%d",
	    lim.revision, lim.asked_revision,
	    lim.asked_revision > LIM_BASE_REVISION_MAX ? " (newer than Runway's: tag left unchanged)" : "",
	    lim.nrequests, lim.nunknown, lim.noutside, lim.stack_size, lim.entry,
	    run->la57 ? 5 : 4);
	for (int r = 0; r < LIM_REQ_COUNT; r++)
		if (lim.req[r] && field(r, 32) > 0)
			proto_say(run, "limine request=%s revision=%" PRIu64, request_name[r],
			    field(r, 32));
	return 0;
}

/* A Limine tag or request among n words. */
static bool has_limine_words(const uint64_t *w, uint64_t n)
{
	for (uint64_t i = 0; i + 1 < n; i++) {
		if (w[i] == LIM_BASE_REV0 && w[i + 1] == LIM_BASE_REV1)
			return true;
		if (w[i] == LIM_START0 && w[i + 1] == LIM_START1)
			return true;
		if (w[i] == LIM_MAGIC0 && w[i + 1] == LIM_MAGIC1)
			return true;
	}
	return false;
}

static bool limine_detect(const struct loaded_kernel *k,
			  void *(*p2v)(void *, uint64_t), void *p2v_ctx)
{
	/* Piece by piece (each starts on a page: aligned 8-byte loads): an
	 * image that did not land in one run is still found, and plan then
	 * says why it cannot boot. */
	for (size_t i = 0; i < k->ld->npieces; i++) {
		const struct mm_claim *pc = &k->ld->piece[i];
		if (has_limine_words(p2v(p2v_ctx, pc->base), pc->pages * MM_PAGE_SIZE / 8))
			return true;
	}
	return false;
}

/* ---- responses ---- */

/* size bytes of zeroed, 16-byte aligned arena memory; its HHDM address. */
static void *take(uint64_t size, uint64_t *ret_virt)
{
	struct arena *a = &lim.arena;
	uint64_t at = (a->used + 15) & ~15ull;

	if (at + size > a->cap)
		return NULL;
	a->used = at + size;
	if (ret_virt)
		*ret_virt = a->virt + at;
	return a->host + at;
}

static uint64_t copy_string(const char *s)
{
	uint64_t virt = 0;
	size_t n = strlen(s) + 1;
	char *p = take(n, &virt);

	if (p)
		memcpy(p, s, n);
	return virt;
}

/* A response of `size` bytes whose first word is `revision`, linked from
 * request r. */
static uint64_t *respond(const struct proto_run *run, int r, uint64_t size,
			 uint64_t revision)
{
	uint64_t virt;
	uint64_t *resp = take(size, &virt);

	if (!resp)
		return NULL;
	resp[0] = revision;
	if (field(r, 40))
		proto_say(run, "limine request=%s had a response pointer (0x%" PRIx64 ") already: replaced",
		    request_name[r], field(r, 40));
	put_word(lim.req[r] + 40, virt);
	return resp;
}

static void fill_mode(struct lim_video_mode *v, const struct fb_mode *m)
{
	v->pitch = m->pitch;
	v->width = m->width;
	v->height = m->height;
	v->bpp = (uint16_t)m->bpp;
	v->memory_model = LIM_FB_RGB;
	v->red_mask_size = (uint8_t)fb_mask_size(m->red_mask);
	v->red_mask_shift = (uint8_t)fb_mask_shift(m->red_mask);
	v->green_mask_size = (uint8_t)fb_mask_size(m->green_mask);
	v->green_mask_shift = (uint8_t)fb_mask_shift(m->green_mask);
	v->blue_mask_size = (uint8_t)fb_mask_size(m->blue_mask);
	v->blue_mask_shift = (uint8_t)fb_mask_shift(m->blue_mask);
}

static void fill_framebuffer(const struct proto_run *run, struct lim_framebuffer *fb)
{
	const struct fb_info *in = &run->k->machine.fb;
	struct lim_video_mode v;
	uint64_t *ptrs, ptrs_virt;

	fill_mode(&v, &in->mode);
	fb->address = in->phys + run->k->hhdm_offset;
	fb->width = v.width;
	fb->height = v.height;
	fb->pitch = v.pitch;
	fb->bpp = v.bpp;
	fb->memory_model = LIM_FB_RGB;
	fb->red_mask_size = v.red_mask_size;
	fb->red_mask_shift = v.red_mask_shift;
	fb->green_mask_size = v.green_mask_size;
	fb->green_mask_shift = v.green_mask_shift;
	fb->blue_mask_size = v.blue_mask_size;
	fb->blue_mask_shift = v.blue_mask_shift;
	ptrs = take(in->nmodes * 8, &ptrs_virt);
	if (!ptrs)
		return;
	for (size_t i = 0; i < in->nmodes; i++) {
		struct lim_video_mode *m = take(sizeof *m, &ptrs[i]);
		if (!m)
			return;
		fill_mode(m, &in->modes[i]);
	}
	fb->mode_count = in->nmodes;
	fb->modes = ptrs_virt;
}

static int respond_framebuffer(const struct proto_run *run)
{
	uint64_t ptr_virt, fb_virt;
	uint64_t *resp, *ptr;
	struct lim_framebuffer *fb;

	if (!run->k->machine.fb.present)
		return 0; /* no linear framebuffer: no response */
	resp = respond(run, LIM_REQ_FRAMEBUFFER, 24, 1);
	ptr = take(8, &ptr_virt);
	fb = take(sizeof *fb, &fb_virt);
	if (!resp || !ptr || !fb)
		return -1;
	*ptr = fb_virt;
	fill_framebuffer(run, fb);
	resp[1] = 1;
	resp[2] = ptr_virt;
	return 0;
}

/* A limine_file for a file in memory. */
static uint64_t make_file(const struct proto_run *run, const struct loaded_module *m,
			  const char *cmdline)
{
	const struct volume_info *vol = &run->k->machine.volume;
	char path[CONFIG_PATH_MAX + 1];
	uint64_t virt;
	struct lim_file *f = take(sizeof *f, &virt);

	if (!f)
		return 0;
	fmt(path, sizeof path, "%s%s", m->path[0] == '/' ? "" : "/", m->path);
	f->revision = 0;
	f->address = m->phys + run->k->hhdm_offset;
	f->size = m->size;
	f->path = copy_string(path);
	f->cmdline = copy_string(cmdline);
	f->media_type = LIM_MEDIA_GENERIC;
	f->partition_index = vol->partition_index;
	f->mbr_disk_id = vol->mbr_disk_id;
	memcpy(f->gpt_disk_uuid.bytes, vol->gpt_disk_guid, 16);
	memcpy(f->gpt_part_uuid.bytes, vol->gpt_part_guid, 16);
	return f->path && f->cmdline ? virt : 0;
}

static int respond_kernel_file(const struct proto_run *run, struct rw_err *err)
{
	struct loaded_module m;
	uint64_t *resp;

	if (run->load_file(run->load_ctx, run->k->path, &m, err))
		return -1;
	resp = respond(run, LIM_REQ_KERNEL_FILE, 16, 0);
	if (!resp)
		return rw_fail(err, "limine: no room for the kernel file response");
	resp[1] = make_file(run, &m, run->k->cmdline);
	return resp[1] ? 0 : rw_fail(err, "limine: no room for the kernel file response");
}

/* The kernel's directory joined with a relative path; false when that
 * does not fit out (refused, never cut: a cut path may name another file). */
static bool beside_kernel(const char *kernel, const char *rel, char *out, size_t cap)
{
	const char *slash = strrchr(kernel, '/');
	int dir = slash ? (int)(slash - kernel) : 0;

	while (*rel == '/')
		rel++;
	return fmt(out, cap, "%.*s/%s", dir, kernel, rel) < cap;
}

/* Internal modules (module request revision 1): loaded first, listed first. */
static int load_internal(const struct proto_run *run, uint64_t *ptrs, size_t *n,
			 struct rw_err *err)
{
	uint64_t count = field(LIM_REQ_MODULE, 48), list = field(LIM_REQ_MODULE, 56);

	if (field(LIM_REQ_MODULE, 32) < 1 || count == 0)
		return 0;
	if (count > LIM_INTERNAL_MAX)
		return rw_fail(err, "limine: %" PRIu64 " internal modules asked for; Runway loads at most %d",
			       count, LIM_INTERNAL_MAX);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t im = word(list + 8 * i);
		const char *rel = image_string(word(im));
		const char *cmd = word(im + 8) ? image_string(word(im + 8)) : "";
		uint64_t flags = word(im + 16);
		char path[CONFIG_PATH_MAX];
		struct loaded_module m;
		struct rw_err why;
		if (!at(list + 8 * i, 8) || !at(im, 24) || !rel || !cmd)
			return rw_fail(err, "limine: internal module %" PRIu64 " points outside the kernel image", i);
		m.path = path;
		/* why names the path (load_file's message) or says it is too long */
		if (!beside_kernel(run->k->path, rel, path, sizeof path))
			rw_fail(&why, "its path beside %s is longer than %d bytes",
				run->k->path, CONFIG_PATH_MAX - 1);
		else if (!run->load_file(run->load_ctx, path, &m, &why)) {
			ptrs[(*n)++] = make_file(run, &m, cmd);
			continue;
		}
		if (flags & LIM_INTERNAL_MODULE_REQUIRED)
			return rw_fail(err, "limine: required internal module %" PRIu64 ": %s", i, why.msg);
		proto_say(run, "limine internal module %" PRIu64 " skipped: %s", i, why.msg);
	}
	return 0;
}

static int respond_modules(const struct proto_run *run, struct rw_err *err)
{
	const struct loaded_kernel *k = run->k;
	uint64_t ptrs_virt, *resp;
	uint64_t *ptrs = take((LIM_INTERNAL_MAX + CONFIG_MAX_MODULES) * 8, &ptrs_virt);
	size_t n = 0;

	if (!ptrs || load_internal(run, ptrs, &n, err))
		return ptrs ? -1 : rw_fail(err, "limine: no room for the module response");
	for (size_t i = 0; i < k->nmodules; i++)
		ptrs[n++] = make_file(run, &k->modules[i], k->modules[i].string);
	for (size_t i = 0; i < n; i++)
		if (!ptrs[i])
			return rw_fail(err, "limine: no room for the module response");
	resp = respond(run, LIM_REQ_MODULE, 24, 1);
	if (!resp)
		return rw_fail(err, "limine: no room for the module response");
	resp[1] = n;
	resp[2] = ptrs_virt;
	return 0;
}

/* Base revision 3 gives these firmware table addresses physical (its
 * direct map leaves reserved memory out); earlier ones in the HHDM. */
static uint64_t table_address(const struct proto_run *run, uint64_t phys)
{
	if (!phys || lim.revision >= 3)
		return phys;
	return phys + run->k->hhdm_offset;
}

/* Responses that are one or two words of what Runway knows already. */
static int respond_simple(const struct proto_run *run)
{
	const struct loaded_kernel *k = run->k;
	const struct machine_info *mi = &k->machine;
	uint64_t *r;

	if (lim.req[LIM_REQ_BOOTLOADER_INFO] &&
	    (r = respond(run, LIM_REQ_BOOTLOADER_INFO, 24, 0))) {
		r[1] = copy_string("Runway");
		r[2] = copy_string(RUNWAY_VERSION);
	}
	if (lim.req[LIM_REQ_FIRMWARE_TYPE] && (r = respond(run, LIM_REQ_FIRMWARE_TYPE, 16, 0)))
		r[1] = LIM_FIRMWARE_UEFI64;
	if (lim.req[LIM_REQ_STACK_SIZE])
		respond(run, LIM_REQ_STACK_SIZE, 8, 0);
	if (lim.req[LIM_REQ_HHDM] && (r = respond(run, LIM_REQ_HHDM, 16, 0)))
		r[1] = k->hhdm_offset;
	if (lim.req[LIM_REQ_PAGING_MODE] && (r = respond(run, LIM_REQ_PAGING_MODE, 16, 0)))
		r[1] = run->la57 ? LIM_PAGING_5LVL : LIM_PAGING_4LVL;
	if (lim.req[LIM_REQ_ENTRY_POINT])
		respond(run, LIM_REQ_ENTRY_POINT, 8, 0);
	uint64_t rsdp = mi->acpi2_rsdp ? mi->acpi2_rsdp : mi->acpi1_rsdp;
	if (lim.req[LIM_REQ_RSDP] && rsdp && (r = respond(run, LIM_REQ_RSDP, 16, 0)))
		r[1] = table_address(run, rsdp);
	if (lim.req[LIM_REQ_SMBIOS] && (mi->smbios32_entry || mi->smbios64_entry) &&
	    (r = respond(run, LIM_REQ_SMBIOS, 24, 0))) {
		r[1] = table_address(run, mi->smbios32_entry);
		r[2] = table_address(run, mi->smbios64_entry);
	}
	if (lim.req[LIM_REQ_EFI_SYSTEM_TABLE] && (r = respond(run, LIM_REQ_EFI_SYSTEM_TABLE, 16, 0)))
		r[1] = table_address(run, mi->efi_system_table);
	if (lim.req[LIM_REQ_BOOT_TIME] && mi->boot_time && (r = respond(run, LIM_REQ_BOOT_TIME, 16, 0)))
		r[1] = (uint64_t)mi->boot_time;
	if (lim.req[LIM_REQ_KERNEL_ADDRESS] && (r = respond(run, LIM_REQ_KERNEL_ADDRESS, 24, 0))) {
		r[1] = k->phys_base;
		r[2] = k->img->vlow;
	}
	if (lim.req[LIM_REQ_EFI_MEMMAP])
		lim.efi_memmap_response = respond(run, LIM_REQ_EFI_MEMMAP, 40, 0);
	if (lim.req[LIM_REQ_DTB])
		proto_say(run, "limine request=dtb ignored: no device tree on x86");
	if (lim.req[LIM_REQ_TERMINAL])
		proto_say(run, "limine request=terminal ignored: deprecated, not provided");
	return 0;
}

/* Room for the memory map finish writes: entries, pointers, scratch. */
static int reserve_memmap(const struct proto_run *run, struct rw_err *err)
{
	/* mm_boot_map's worst case, plus the framebuffer's entry */
	lim.mm_cap = 3 * run->k->map_cap + 1;
	lim.mm_entries = take(lim.mm_cap * sizeof *lim.mm_entries, &lim.mm_entries_virt);
	lim.mm_ptrs = take(lim.mm_cap * 8, NULL);
	lim.scratch = take(lim.mm_cap * sizeof *lim.scratch, NULL);
	if (!lim.mm_entries || !lim.mm_ptrs || !lim.scratch)
		return rw_fail(err, "limine: no room for the memory map");
	if (lim.req[LIM_REQ_MEMMAP])
		lim.mm_response = respond(run, LIM_REQ_MEMMAP, 24, 0);
	return 0;
}

/* Bytes the arena needs at most. */
static uint64_t arena_bytes(const struct proto_run *run)
{
	uint64_t files = 1 + LIM_INTERNAL_MAX + CONFIG_MAX_MODULES;
	uint64_t mm = 3 * run->k->map_cap + 1;

	return 16 * 1024 + /* GDT, fixed responses, strings */
	       (lim.ncpus + 1) * (sizeof(struct lim_mp_info) + 8 + sizeof(struct proto_mp_cpu)) +
	       files * (sizeof(struct lim_file) + CONFIG_PATH_MAX + 2 * LIM_STRING_MAX + 64) +
	       FB_MODES_MAX * (sizeof(struct lim_video_mode) + 32) +
	       mm * (sizeof(struct lim_memmap_entry) + 8 + sizeof(struct runway_mmap_entry) + 16);
}

/* The GDT the specification lists: null, 16-, 32- and 64-bit code and
 * data, at offset 0 of a table in bootloader-reclaimable memory. */
static int build_gdt(struct proto_run *run, struct rw_err *err)
{
	static const uint64_t gdt[7] = {
		0,
		0x00009a000000ffffull, /* 16-bit code, base 0, limit 0xffff */
		0x000092000000ffffull, /* 16-bit data */
		0x00cf9a000000ffffull, /* 32-bit code, limit 4 GiB */
		0x00cf92000000ffffull, /* 32-bit data */
		0x00af9a000000ffffull, /* 64-bit code */
		0x00cf92000000ffffull, /* 64-bit data */
	};
	uint64_t gdt_virt, gdtr_virt;
	uint64_t *g = take(sizeof gdt, &gdt_virt);
	uint8_t *r = take(10, &gdtr_virt);

	if (!g || !r)
		return rw_fail(err, "limine: no room for the GDT");
	memcpy(g, gdt, sizeof gdt);
	uint16_t limit = sizeof gdt - 1;
	memcpy(r, &limit, 2);
	memcpy(r + 2, &gdt_virt, 8);
	run->gdtr = gdtr_virt;
	run->code_sel = LIM_GDT_CODE64;
	run->data_sel = LIM_GDT_DATA64;
	return 0;
}

static const void *acpi_p2v(void *ctx, uint64_t phys, uint64_t len)
{
	const struct proto_run *run = ctx;

	(void)len;
	return run->p2v(run->p2v_ctx, phys);
}

/* The processors the MADT lists, for the MP request. */
static void find_cpus(struct proto_run *run)
{
	const struct machine_info *mi = &run->k->machine;
	uint64_t rsdp = mi->acpi2_rsdp ? mi->acpi2_rsdp : mi->acpi1_rsdp;

	lim.ncpus = 0;
	if (lim.req[LIM_REQ_MP] && rsdp)
		lim.ncpus = acpi_madt_cpus(rsdp, acpi_p2v, run, lim.cpus, LIM_CPUS_MAX);
}

/* Each AP's stack, of the kernel's stack size, in one claim. */
static int claim_ap_stacks(struct proto_run *run, size_t naps, uint64_t *ret_base,
			   struct rw_err *err)
{
	struct mm_req req = { .pages = naps * MM_PAGES(lim.stack_size), .kind = MM_LOADER };
	struct rw_err why;

	if (mm_alloc_run(run->alloc, &req, ret_base, &why))
		return rw_fail(err, "limine: stacks for %zu application processors (%" PRIu64
			       " pages): %s", naps, req.pages, why.msg);
	return 0;
}

/* The MP response: the BSP first, then every other processor the MADT
 * lists, each with an info structure and (for APs) a stack; the loader
 * starts the APs after ExitBootServices (run->mp). */
static int respond_mp(struct proto_run *run, struct rw_err *err)
{
	const struct machine_info *mi = &run->k->machine;
	/* Request flags bit 0: x2APIC, if the CPU has it; and x2APIC it is
	 * when the firmware left it on (there is no going back). */
	bool x2 = ((field(LIM_REQ_MP, 48) & 1) && mi->x2apic) || mi->x2apic_on;
	uint32_t bsp = x2 ? mi->bsp_x2apic_id : mi->bsp_apic_id, bsp_uid = 0;
	size_t naps = 0;
	uint64_t stacks = 0, ptrs_virt, infos_virt, table_virt;

	/* In xAPIC mode an IPI names 8 bits of APIC ID, and 0xff is the
	 * broadcast: processors from 0xff up cannot be started alone. */
	size_t kept = 0;
	for (size_t i = 0; i < lim.ncpus; i++)
		if (x2 || lim.cpus[i].apic_id < 0xff) /* 0xff: broadcast */
			lim.cpus[kept++] = lim.cpus[i];
	if (kept < lim.ncpus)
		proto_say(run, "limine mp: %zu processors with APIC IDs from 255 up left out (xAPIC mode)",
		    lim.ncpus - kept);
	lim.ncpus = kept;
	for (size_t i = 0; i < lim.ncpus; i++) {
		if (lim.cpus[i].apic_id == bsp)
			bsp_uid = lim.cpus[i].processor_uid;
		else
			naps++;
	}
	if (naps && claim_ap_stacks(run, naps, &stacks, err))
		return -1;
	uint64_t *r = respond(run, LIM_REQ_MP, 32, 0);
	uint64_t *ptrs = take((naps + 1) * 8, &ptrs_virt);
	struct lim_mp_info *info = take((naps + 1) * sizeof *info, &infos_virt);
	struct proto_mp_cpu *table = take((naps + 1) * sizeof *table, &table_virt);
	if (!r || !ptrs || !info || !table)
		return rw_fail(err, "limine: no room for the MP response");
	info[0] = (struct lim_mp_info){ .processor_id = bsp_uid, .lapic_id = bsp };
	ptrs[0] = infos_virt;
	for (size_t i = 0, n = 0; i < lim.ncpus; i++) {
		if (lim.cpus[i].apic_id == bsp)
			continue;
		info[1 + n] = (struct lim_mp_info){
			.processor_id = lim.cpus[i].processor_uid,
			.lapic_id = lim.cpus[i].apic_id,
		};
		ptrs[1 + n] = infos_virt + (1 + n) * sizeof *info;
		table[n] = (struct proto_mp_cpu){
			.apic_id = lim.cpus[i].apic_id,
			.info = ptrs[1 + n],
			.stack_top = stacks + run->k->hhdm_offset +
				     (n + 1) * MM_PAGES(lim.stack_size) * MM_PAGE_SIZE,
		};
		n++;
	}
	r[1] = (uint64_t)bsp << 32 | (x2 ? 1 : 0); /* flags bit 0: x2APIC on */
	r[2] = naps + 1;
	r[3] = ptrs_virt;
	run->mp = (struct proto_mp){
		.count = naps,
		.cpus = table,
		.cpus_virt = table_virt,
		.goto_offset = offsetof(struct lim_mp_info, goto_address),
		.cpu_count = &r[2],
		.cpu_ptrs = ptrs,
		.x2apic = x2,
	};
	proto_say(run, "limine mp cpus=%zu bsp_lapic_id=%u x2apic=%d", naps + 1, bsp, x2);
	return 0;
}

static int limine_prepare(struct proto_run *run, struct rw_err *err)
{
	const struct loaded_kernel *k = run->k;
	struct rw_err why;
	uint64_t base;

	find_cpus(run);
	uint64_t bytes = arena_bytes(run);
	struct mm_req req = {
		.pages = MM_PAGES(lim.stack_size) + MM_PAGES(bytes),
		.kind = MM_LOADER,
	};
	if (mm_alloc_run(run->alloc, &req, &base, &why))
		return rw_fail(err, "limine: stack and responses (%" PRIu64 " pages): %s",
			       req.pages, why.msg);
	uint64_t arena = base + MM_PAGES(lim.stack_size) * MM_PAGE_SIZE;
	lim.arena = (struct arena){
		.host = run->p2v(run->p2v_ctx, arena),
		.virt = arena + k->hhdm_offset,
		.cap = MM_PAGES(bytes) * MM_PAGE_SIZE,
	};
	memset(lim.arena.host, 0, lim.arena.cap);
	if (build_gdt(run, err) || reserve_memmap(run, err) || respond_simple(run))
		return -1;
	if (lim.req[LIM_REQ_FRAMEBUFFER] && respond_framebuffer(run))
		return rw_fail(err, "limine: no room for the framebuffer response");
	if (lim.req[LIM_REQ_KERNEL_FILE] && respond_kernel_file(run, err))
		return -1;
	if (lim.req[LIM_REQ_MODULE] && respond_modules(run, err))
		return -1;
	if (lim.req[LIM_REQ_MP] && respond_mp(run, err))
		return -1;
	run->entry = lim.entry;
	run->arg = 0;
	run->stack_top = base + k->hhdm_offset + MM_PAGES(lim.stack_size) * MM_PAGE_SIZE;
	return 0;
}

/* ---- after ExitBootServices ---- */

static uint64_t limine_type(uint32_t runway_type)
{
	switch (runway_type) {
	case RUNWAY_MEM_USABLE:
		return LIM_MEM_USABLE;
	case RUNWAY_MEM_ACPI_RECLAIMABLE:
		return LIM_MEM_ACPI_RECLAIMABLE;
	case RUNWAY_MEM_ACPI_NVS:
		return LIM_MEM_ACPI_NVS;
	case RUNWAY_MEM_BAD:
		return LIM_MEM_BAD;
	case RUNWAY_MEM_LOADER_RECLAIMABLE:
		return LIM_MEM_BOOTLOADER_RECLAIMABLE;
	case RUNWAY_MEM_KERNEL:
	case RUNWAY_MEM_MODULE:
		return LIM_MEM_KERNEL_AND_MODULES;
	default:
		return LIM_MEM_RESERVED;
	}
}

/* Append [base, end) (if not empty), merging with the last entry of the
 * same type; false when the room prepare sized (all but the framebuffer's
 * entry) is full. */
static bool push_entry(size_t *n, uint64_t base, uint64_t end, uint64_t type)
{
	struct lim_memmap_entry *last = *n ? &lim.mm_entries[*n - 1] : NULL;

	if (end <= base)
		return true;
	if (last && last->type == type && last->base + last->length == base) {
		last->length += end - base;
		return true;
	}
	if (*n >= lim.mm_cap - 1)
		return false;
	lim.mm_entries[(*n)++] = (struct lim_memmap_entry){ base, end - base, type };
	return true;
}

/* One entry of mm_boot_map's map.  Bootloader-reclaimable entries, like
 * usable ones (which mm_boot_map trims), are whole pages (PROTOCOL.md,
 * Memory Map Feature): partial pages at their ends become reserved.  At
 * most three entries, as for usable memory. */
static bool push_converted(size_t *n, const struct runway_mmap_entry *e)
{
	uint64_t type = limine_type(e->type), end = e->base + e->length;
	uint64_t lo = mm_page_up(e->base), hi = end & ~(MM_PAGE_SIZE - 1);

	if (type != LIM_MEM_BOOTLOADER_RECLAIMABLE)
		return push_entry(n, e->base, end, type);
	if (lo > end)
		lo = end;
	if (hi < lo)
		hi = lo;
	return push_entry(n, e->base, lo, LIM_MEM_RESERVED) && push_entry(n, lo, hi, type) &&
	       push_entry(n, hi, end, LIM_MEM_RESERVED);
}

/* The framebuffer gets its own entry where the firmware's map has a hole
 * (GOP memory is MMIO, usually absent from the map) or reserved memory. */
static size_t add_framebuffer(const struct proto_run *run, size_t n)
{
	const struct fb_info *fb = &run->k->machine.fb;
	uint64_t base = fb->phys, end = fb->phys + fb->size;
	size_t i = 0;

	if (!fb->present || !fb->size || n >= lim.mm_cap)
		return n;
	while (i < n && lim.mm_entries[i].base < base)
		i++;
	for (size_t j = 0; j < n; j++) {
		const struct lim_memmap_entry *e = &lim.mm_entries[j];
		if (e->base < end && base < e->base + e->length &&
		    (e->type == LIM_MEM_USABLE || e->type == LIM_MEM_BOOTLOADER_RECLAIMABLE))
			return n; /* never over memory someone may use */
	}
	memmove(&lim.mm_entries[i + 1], &lim.mm_entries[i], (n - i) * sizeof lim.mm_entries[0]);
	lim.mm_entries[i] = (struct lim_memmap_entry){ base, fb->size, LIM_MEM_FRAMEBUFFER };
	return n + 1;
}

static int limine_finish(struct proto_run *run, const struct mm_region *reg,
			 size_t nreg, uint64_t tsc_exit)
{
	size_t m = mm_boot_map(reg, nreg, lim.scratch, lim.mm_cap - 1), n = 0;

	(void)tsc_exit;
	if (m == 0)
		return -1;
	for (size_t i = 0; i < m; i++)
		if (!push_converted(&n, &lim.scratch[i]))
			return -1;
	n = add_framebuffer(run, n);
	for (size_t i = 0; i < n; i++)
		lim.mm_ptrs[i] = lim.mm_entries_virt + i * sizeof lim.mm_entries[0];
	if (lim.mm_response) {
		lim.mm_response[1] = n;
		lim.mm_response[2] = lim.arena.virt + ((uint8_t *)lim.mm_ptrs - lim.arena.host);
	}
	if (lim.efi_memmap_response) {
		lim.efi_memmap_response[1] = run->efi_map + run->k->hhdm_offset;
		lim.efi_memmap_response[2] = run->efi_map_size;
		lim.efi_memmap_response[3] = run->efi_desc_size;
		lim.efi_memmap_response[4] = run->efi_desc_version;
	}
	return 0;
}

const struct protocol proto_limine = {
	.name = "limine",
	.one_run = true,
	.detect = limine_detect,
	.plan = limine_plan,
	.prepare = limine_prepare,
	.finish = limine_finish,
};
