/*
 * boot.c - boot a kernel entry: the load path, the modules, the protocol,
 * the hand-off (DESIGN.md steps 1-11).  Returns only when something failed, and
 * then every page the attempt claimed has been given back.
 */
#include "loader.h"

#include "runway/boot.h"

static void *identity(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

/* The description every protocol reads (the modules are in already). */
static void describe(struct load *L, EFI_HANDLE image,
		     const struct config_entry *e)
{
	struct loaded_kernel *k = &L->k;

	k->path = e->path;
	k->cmdline = e->cmdline;
	k->img = &L->img;
	k->ld = &L->ld;
	k->hhdm_offset = RUNWAY_HHDM_OFFSET;
	k->hhdm_size = L->hhdm_size;
	k->map_cap = L->caps.final_reg_cap;
	sysinfo_read(image, &k->machine);
}

/* 9. what the kernel receives, in the entry's protocol */
static EFI_STATUS prepare(struct load *L, const struct protocol *proto,
			  struct proto_run *run)
{
	struct rw_err err;

	*run = (struct proto_run){
		.k = &L->k,
		.alloc = &L->alloc,
		.p2v = identity,
	};
	if (proto->prepare(run, &err))
		return con_fail(EFI_OUT_OF_RESOURCES, "%s protocol: %s", proto->name,
				err.msg);
	return EFI_SUCCESS;
}

EFI_STATUS boot_entry(EFI_HANDLE image, EFI_FILE_HANDLE root,
		      const struct config *cfg, const struct config_entry *e)
{
	static struct load L;
	struct proto_run run;
	const struct protocol *proto = proto_find(e->protocol);
	EFI_STATUS st;

	if (!proto)
		return con_fail(EFI_UNSUPPORTED, "entry '%s': unknown protocol '%s' (known: %s)",
				e->title, e->protocol, proto_names());
	st = kernel_load(&L, root, cfg, e);
	if (!EFI_ERROR(st))
		st = modules_load(&L, root, e);
	if (!EFI_ERROR(st)) {
		describe(&L, image, e);
		st = prepare(&L, proto, &run);
	}
	if (!EFI_ERROR(st)) {
		load_log_line(&L, "loaded", "");
		log_event("jump protocol=%s entry=0x%" PRIx64 " hhdm_size=0x%" PRIx64
			  " huge_1g=%d nx=%d\n",
			  proto->name, run.entry, L.hhdm_size, L.cpu.huge_1g, L.cpu.nx);
		file_close(&L.file);
		st = handoff_exit_and_jump(image, &L, proto, &run);
	}
	load_release(&L);
	return st;
}
