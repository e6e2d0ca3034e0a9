/*
 * verify.c - `verify = PATH`: load any ELF64 file the way a kernel is
 * loaded, read every segment back through the page tables just built
 * (elf_hash_mapped), print the verify line with the digest, and give
 * everything back.  tools/elfhash computes the same digest on the host.
 */
#include "loader.h"

#include "sha256.h"

static EFI_STATUS report(const struct load *L)
{
	uint8_t digest[32];
	char line[96];
	char hex[65];
	struct rw_err err;

	if (elf_hash_mapped(&L->img, &L->pt, L->file.path, digest, &err))
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	sha256_hex(digest, hex);
	fmt(line, sizeof line, " sha256=%s", hex);
	load_log_line(L, "verify", line);
	return EFI_SUCCESS;
}

EFI_STATUS verify_entry(struct source *root, const struct config *cfg,
			const struct config_entry *e)
{
	const struct protocol *proto = proto_find("");
	struct load *L = load_alloc();
	EFI_STATUS st;

	if (!L)
		return con_fail(EFI_OUT_OF_RESOURCES, "no memory for a load's bookkeeping (%zu bytes)",
				sizeof *L);
	st = kernel_load(L, root, cfg, e, &proto);
	if (!EFI_ERROR(st))
		st = kernel_map(L, false, false);
	if (!EFI_ERROR(st))
		st = report(L);
	/* A verify never boots: everything goes back, success or not. */
	load_release(L);
	FreePool(L);
	return st;
}
