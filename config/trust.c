/*
 * trust.c - the rules Secure Boot adds to a configuration (include/trust.h):
 * the config must be the enrolled one, and with it every file Runway
 * itself runs or hands to a kernel must be pinned, or, when Runway was
 * started by shim, pass shim's Verify.
 */
#include "trust.h"

#include <string.h>

#include "sha256.h"

bool trust_digest_enrolled(const uint8_t digest[32])
{
	uint8_t any = 0;

	for (size_t i = 0; i < 32; i++)
		any |= digest[i];
	return any != 0;
}

int trust_config_check(const uint8_t enrolled[32], const uint8_t got[32],
		       struct rw_err *err)
{
	char hex_got[65], hex_want[65];

	if (!trust_digest_enrolled(enrolled) || memcmp(enrolled, got, 32) == 0)
		return 0;
	sha256_hex(got, hex_got);
	sha256_hex(enrolled, hex_want);
	return rw_fail(err,
		       "runway.conf: Secure Boot: the file's SHA-256 is %s, but the one enrolled in Runway's signed image is %s; refusing it",
		       hex_got, hex_want);
}

static const char *title(const struct config_entry *e)
{
	return e->title[0] ? e->title : e->path;
}

/* One message for a kernel and an initrd alike (what: "kernel", "initrd"). */
static int not_enrolled(const struct config_entry *e, const char *what,
			const char *path, struct rw_err *err)
{
	return rw_fail(err,
		       "entry '%s': Secure Boot is on and no runway.conf digest is enrolled in Runway, so %s %s cannot be trusted: enrol the config by signing Runway with tools/sign.sh -C runway.conf (README, Secure Boot)",
		       title(e), what, path);
}

static int kernel_check(const struct trust *t, const struct config_entry *e,
			struct rw_err *err)
{
	if (!t->enrolled)
		return not_enrolled(e, "kernel", e->path, err);
	if (t->shim)
		return 0; /* shim's Verify judges what is not pinned */
	if (!e->has_sha256)
		return rw_fail(err,
			       "entry '%s': Secure Boot is on: kernel %s is not pinned; add 'sha256 = ' to runway.conf and enrol it again",
			       title(e), e->path);
	for (size_t m = 0; m < e->nmodules; m++)
		if (!e->modules[m].has_sha256)
			return rw_fail(err,
				       "entry '%s': Secure Boot is on: module %s is not pinned; add a 'module-sha256 = ' line for it and enrol runway.conf again",
				       title(e), e->modules[m].path);
	return 0;
}

/* Every initrd of an efi entry: each one is handed to Linux unverified
 * unless Runway pins it (or, started by shim, shim's Verify accepts it). */
static int efi_check(const struct trust *t, const struct config_entry *e,
		     struct rw_err *err)
{
	if (e->ninitrds && !t->enrolled)
		return not_enrolled(e, "initrd", e->initrds[0].path, err);
	for (size_t i = 0; i < e->ninitrds && !t->shim; i++)
		if (!e->initrds[i].has_sha256)
			return rw_fail(err,
				       "entry '%s': Secure Boot is on: initrd %s is not pinned; add an 'initrd-sha256 = ' line for it and enrol runway.conf again",
				       title(e), e->initrds[i].path);
	return 0;
}

int trust_entry_check(const struct trust *t, const struct config_entry *e,
		      struct rw_err *err)
{
	if (!t->secure_boot)
		return 0;
	switch (e->kind) {
	case CONFIG_KERNEL:
		return kernel_check(t, e, err);
	case CONFIG_EFI:
		return efi_check(t, e, err);
	default:
		return 0; /* verify: nothing runs */
	}
}
