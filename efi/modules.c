/*
 * modules.c - the entry's modules (`module = PATH [STRING]`), each read
 * into its own run of pages (one claim), pinned when the entry says so,
 * and described for the protocol.
 */
#include "loader.h"

#include <string.h>

/* Reads of at most this size: one firmware call each. */
#define MODULE_READ_CHUNK (64ull << 20)

static EFI_STATUS read_into(struct vol_file *f, uint8_t *dst)
{
	for (uint64_t off = 0; off < f->size; off += MODULE_READ_CHUNK) {
		uint64_t n = f->size - off < MODULE_READ_CHUNK ? f->size - off
							       : MODULE_READ_CHUNK;
		EFI_STATUS st = file_read_at(f, off, dst + off, n);
		if (EFI_ERROR(st))
			return con_fail(st, "module %s: reading %" PRIu64 " bytes at offset %" PRIu64 ": %s",
					f->path, n, off, efi_status_name(st));
	}
	return EFI_SUCCESS;
}

/* Load one module into its own run (one claim). */
static EFI_STATUS load_module(struct load *L, EFI_FILE_HANDLE root,
			      const struct config_module *cm,
			      struct loaded_module *ret)
{
	struct vol_file f;
	struct rw_err err;
	uint64_t base;
	EFI_STATUS st = file_open(root, cm->path, &f);

	if (EFI_ERROR(st))
		return con_fail(st, "module %s: cannot open: %s", cm->path,
				efi_status_name(st));
	struct mm_req req = { .pages = MM_PAGES(f.size ? f.size : 1), .kind = MM_MODULE };
	if (mm_alloc_run(&L->alloc, &req, &base, &err)) {
		file_close(&f);
		return con_fail(EFI_OUT_OF_RESOURCES, "module %s (%" PRIu64 " bytes): %s",
				cm->path, f.size, err.msg);
	}
	uint8_t *dst = (uint8_t *)(uintptr_t)base;
	st = read_into(&f, dst);
	file_close(&f);
	if (EFI_ERROR(st))
		return st;
	memset(dst + f.size, 0, (req.pages << MM_PAGE_SHIFT) - f.size);
	if (cm->has_sha256) {
		st = pin_check_buffer("module", cm->path, dst, f.size, cm->sha256);
		if (EFI_ERROR(st))
			return st;
	}
	*ret = (struct loaded_module){
		.phys = base,
		.size = f.size,
		.path = cm->path,
		.string = cm->string,
	};
	log_event("module path=%s bytes=%" PRIu64 " phys=0x%" PRIx64 "\n", cm->path,
		  f.size, base);
	return EFI_SUCCESS;
}

EFI_STATUS modules_load(struct load *L, EFI_FILE_HANDLE root,
			const struct config_entry *e)
{
	for (size_t m = 0; m < e->nmodules; m++) {
		EFI_STATUS st = load_module(L, root, &e->modules[m], &L->k.modules[m]);
		if (EFI_ERROR(st))
			return st;
		L->k.nmodules = m + 1;
	}
	return EFI_SUCCESS;
}
