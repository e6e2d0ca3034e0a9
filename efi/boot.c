/*
 * boot.c - boot a kernel entry: the load path, the protocol, the modules,
 * the hand-off (DESIGN.md steps 1-11).  Returns only when something
 * failed, and then every page the attempt claimed has been given back.
 */
#include "loader.h"

static void *identity(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void proto_log(void *ctx, const char *line)
{
	(void)ctx;
	log_event("%s\n", line);
}

/* The entry's protocol, or the one the image asks for when it names none
 * (after loading: detection reads the image). */
static EFI_STATUS choose(const struct config_entry *e, struct load *L,
			 const struct protocol **proto)
{
	uint64_t t = tsc_now();

	if (e->protocol[0] || L->img.fixed)
		return EFI_SUCCESS; /* found before loading */
	*proto = proto_detect(&L->k, identity, NULL);
	/* Not part of the load's time: the scan reads the whole image. */
	L->untimed += tsc_now() - t;
	log_event("protocol path=%s detected=%s us=%" PRIu64 "\n", e->path,
		  (*proto)->name, tsc_to_us(tsc_now() - t));
	return EFI_SUCCESS;
}

/* 9a. what the protocol reads from the image before the page tables */
static EFI_STATUS plan(struct load *L, const struct protocol *proto,
		       struct proto_run *run, struct module_source *src)
{
	struct rw_err err;

	*run = (struct proto_run){
		.k = &L->k,
		.alloc = &L->alloc,
		.p2v = identity,
		.load_file = modules_load_file,
		.load_ctx = src,
		.log = proto_log,
	};
	uint64_t t = tsc_now();
	int r = proto->plan ? proto->plan(run, &err) : 0;

	L->untimed += tsc_now() - t;
	if (r)
		return con_fail(EFI_UNSUPPORTED, "%s", err.msg);
	if (run->hhdm_offset)
		L->k.hhdm_offset = run->hhdm_offset;
	L->modules_below = run->modules_below;
	return EFI_SUCCESS;
}

/* 9a'. the video mode the kernel asked for: the closest GOP offers */
static void set_video_mode(struct load *L, const struct proto_run *run)
{
	struct fb_info *fb = &L->k.machine.fb;
	uint32_t w = run->fb_want.width, h = run->fb_want.height;
	uint32_t d = run->fb_want.depth;

	if (!run->fb_want.on || !fb->present || (!w && !h && !d))
		return;
	int i = fb_closest(fb, w, h, d);
	if (i < 0)
		return;
	const struct fb_mode *m = &fb->modes[i];
	log_event("video asked=%ux%ux%u mode=%u set=%ux%ux%u\n", w, h, d, m->number,
		  m->width, m->height, m->bpp);
	EFI_STATUS st = sysinfo_set_mode(m->number, fb);
	if (EFI_ERROR(st))
		log_event("video mode=%u not set: %s\n", m->number, efi_status_name(st));
}

/* 9b. what the kernel receives, in the entry's protocol */
static EFI_STATUS prepare(struct load *L, const struct protocol *proto,
			  struct proto_run *run)
{
	struct rw_err err;

	if (proto->prepare(run, &err))
		return con_fail(EFI_OUT_OF_RESOURCES, "%s protocol: %s", proto->name,
				err.msg);
	if (run->mp.count && !handoff_can_start_aps(L))
		return con_fail(EFI_OUT_OF_RESOURCES,
				"%s protocol: %zu processors to start, but no free page below 1 MiB to start them from",
				proto->name, run->mp.count);
	return EFI_SUCCESS;
}

/* The description every protocol reads; the modules come later. */
static void describe(struct load *L, EFI_HANDLE image, const struct config_entry *e)
{
	struct loaded_kernel *k = &L->k;

	sysinfo_read(image, &k->machine);
	k->path = e->path;
	k->cmdline = e->cmdline;
	k->img = &L->img;
	k->ld = &L->ld;
	k->hhdm_size = L->hhdm_size;
	k->map_cap = L->caps.final_reg_cap;
	k->efi_map_bytes = L->map.cap;
}

EFI_STATUS boot_entry(EFI_HANDLE image, struct source *root,
		      const struct config *cfg, const struct config_entry *e)
{
	struct load *L = load_alloc();
	struct proto_run run;
	struct module_source src = { .L = L, .root = root };
	const struct protocol *proto = proto_find(e->protocol);
	EFI_STATUS st;

	if (!L)
		return con_fail(EFI_OUT_OF_RESOURCES, "no memory for a load's bookkeeping (%zu bytes)",
				sizeof *L);
	if (!proto) {
		FreePool(L);
		return con_fail(EFI_UNSUPPORTED, "entry '%s': unknown protocol '%s' (known: %s)",
				e->title, e->protocol, proto_names());
	}
	st = kernel_load(L, root, cfg, e, &proto);
	if (!EFI_ERROR(st)) {
		tpm_measure_cmdline(e->cmdline);
		describe(L, image, e);
		st = choose(e, L, &proto);
	}
	if (!EFI_ERROR(st))
		st = plan(L, proto, &run, &src);
	if (!EFI_ERROR(st)) {
		set_video_mode(L, &run);
		st = kernel_map(L, run.identity_map, run.la57);
	}
	if (!EFI_ERROR(st))
		st = modules_load(L, root, e);
	if (!EFI_ERROR(st))
		st = prepare(L, proto, &run);
	if (!EFI_ERROR(st)) {
		char extra[32];
		fmt(extra, sizeof extra, " protocol=%s", proto->name);
		load_log_line(L, "loaded", extra);
		log_event("jump protocol=%s entry=0x%" PRIx64 " hhdm_size=0x%" PRIx64
			  " huge_1g=%d nx=%d\n",
			  proto->name, run.entry, L->hhdm_size, L->cpu.huge_1g, L->cpu.nx);
		file_close(&L->file);
		st = handoff_exit_and_jump(image, L, proto, &run);
	}
	load_release(L);
	FreePool(L);
	return st;
}
