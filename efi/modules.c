/*
 * modules.c - files loaded for the kernel: the entry's modules
 * (`module = PATH [STRING]`) and the files a protocol asks for (Limine's
 * kernel file and internal modules).  Each goes into its own run of
 * pages (one claim), typed as module memory.
 */
#include "loader.h"

#include <string.h>

/* Reads of at most this size: one firmware call each. */
#define MODULE_READ_CHUNK (64ull << 20)

static int read_into(struct vol_file *f, uint8_t *dst, struct rw_err *err)
{
	for (uint64_t off = 0; off < f->size; off += MODULE_READ_CHUNK) {
		uint64_t n = f->size - off < MODULE_READ_CHUNK ? f->size - off
							       : MODULE_READ_CHUNK;
		EFI_STATUS st = file_read_at(f, off, dst + off, n);
		if (EFI_ERROR(st))
			return rw_fail(err, "reading %" PRIu64 " bytes at offset %" PRIu64 ": %s",
				       n, off, efi_status_name(st));
	}
	return 0;
}

/* Read path into its own run and measure it as `what`; on failure err
 * says why (without the path) and nothing stays claimed past the
 * allocator's log. */
static int load_one(struct load *L, struct source *root, const char *what,
		    const char *path, struct loaded_module *ret, struct rw_err *err)
{
	struct vol_file f;
	struct rw_err why;
	uint64_t base;
	EFI_STATUS st = file_open(root, path, &f);

	if (EFI_ERROR(st))
		return rw_fail(err, "cannot open: %s", file_error(root, st));
	struct mm_req req = { .pages = MM_PAGES(f.size ? f.size : 1),
			      .below = L->modules_below, .kind = MM_MODULE };
	size_t mark = L->alloc.nclaims;
	if (mm_alloc_run(&L->alloc, &req, &base, &why)) {
		file_close(&f);
		return rw_fail(err, "%" PRIu64 " bytes: %s", f.size, why.msg);
	}
	uint8_t *dst = (uint8_t *)(uintptr_t)base;
	int r = read_into(&f, dst, err);
	file_close(&f);
	/* An optional file that fails must not stay claimed: the boot goes on. */
	if (r) {
		mm_alloc_rollback(&L->alloc, mark);
		return -1;
	}
	memset(dst + f.size, 0, (req.pages << MM_PAGE_SHIFT) - f.size);
	tpm_measure_file(what, path, dst, f.size);
	*ret = (struct loaded_module){ .phys = base, .size = f.size, .path = path };
	log_event("module path=%s bytes=%" PRIu64 " phys=0x%" PRIx64 "\n", path,
		  f.size, base);
	return 0;
}

int modules_load_file(void *ctx, const char *path, struct loaded_module *ret,
		      struct rw_err *err)
{
	struct module_source *src = ctx;
	struct rw_err why;

	/* A file the kernel names itself (a Limine internal module) has no
	 * pin in the enrolled config: under Secure Boot it is not loaded. */
	if (secure_boot_on() && strcmp(path, src->L->k.path) != 0)
		return rw_fail(err, "%s: Secure Boot is on and runway.conf pins no such file", path);
	if (load_one(src->L, src->root, "file", path, ret, &why))
		return rw_fail(err, "%s: %s", path, why.msg);
	ret->string = "";
	/* The kernel file again (Limine's kernel file response): a pinned
	 * kernel's pin holds for this read too, and a kernel shim vouched
	 * for is shown to shim again. */
	const void *bytes = (const void *)(uintptr_t)ret->phys;
	bool kernel = strcmp(path, src->L->k.path) == 0;
	if (kernel && src->L->pin &&
	    EFI_ERROR(pin_check_buffer("kernel file", path, bytes, ret->size,
				       src->L->pin)))
		return rw_fail(err, "%s: the kernel file read again does not match its pin",
			       path);
	if (kernel && src->L->shim_verified &&
	    EFI_ERROR(secure_verify_unpinned("kernel file", path, bytes, ret->size)))
		return rw_fail(err, "%s: shim refused the kernel file read again", path);
	return 0;
}

EFI_STATUS modules_load(struct load *L, struct source *root,
			const struct config_entry *e)
{
	for (size_t m = 0; m < e->nmodules; m++) {
		const struct config_module *cm = &e->modules[m];
		struct loaded_module *lm = &L->k.modules[m];
		struct rw_err err;
		if (load_one(L, root, "module", cm->path, lm, &err))
			return con_fail(EFI_LOAD_ERROR, "module %s: %s", cm->path, err.msg);
		lm->string = cm->string;
		L->k.nmodules = m + 1;
		/* Checked on the bytes in place: what the kernel gets. */
		uint8_t *bytes = (uint8_t *)(uintptr_t)lm->phys;
		EFI_STATUS st = EFI_SUCCESS;
		if (cm->has_sha256)
			st = pin_check_buffer("module", cm->path, bytes, lm->size,
					      cm->sha256);
		else if (secure_needs_verify(false))
			st = secure_verify_unpinned("module", cm->path, bytes, lm->size);
		if (EFI_ERROR(st))
			return st;
	}
	return EFI_SUCCESS;
}
