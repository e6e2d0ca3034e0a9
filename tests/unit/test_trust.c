/*
 * test_trust.c - what Secure Boot asks of a configuration (config/trust.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "trust.h"

static const struct trust off = { .secure_boot = false, .enrolled = false };
static const struct trust on_none = { .secure_boot = true, .enrolled = false };
static const struct trust on_enrolled = { .secure_boot = true, .enrolled = true };
static const struct trust on_none_shim = { .secure_boot = true, .enrolled = false, .shim = true };
static const struct trust on_enrolled_shim = { .secure_boot = true, .enrolled = true, .shim = true };

static struct config_entry kernel(bool pinned)
{
	struct config_entry e = { .kind = CONFIG_KERNEL };
	strcpy(e.title, "K");
	strcpy(e.path, "/boot/k.elf");
	e.has_sha256 = pinned;
	return e;
}

static void add_module(struct config_entry *e, const char *path, bool pinned)
{
	struct config_module *m = &e->modules[e->nmodules++];
	strcpy(m->path, path);
	m->has_sha256 = pinned;
}

static void expect_refused(const struct trust *t, const struct config_entry *e,
			   const char *words)
{
	struct rw_err err = { "" };
	assert_int_equal(trust_entry_check(t, e, &err), -1);
	if (!strstr(err.msg, words))
		fail_msg("'%s' not in: %s", words, err.msg);
}

static void expect_allowed(const struct trust *t, const struct config_entry *e)
{
	struct rw_err err = { "" };
	if (trust_entry_check(t, e, &err))
		fail_msg("refused: %s", err.msg);
}

static void all_zero_digest_is_not_enrolled(void **state)
{
	(void)state;
	uint8_t d[32] = { 0 };
	assert_false(trust_digest_enrolled(d));
	d[31] = 1;
	assert_true(trust_digest_enrolled(d));
}

static void matching_config_digest_passes(void **state)
{
	(void)state;
	uint8_t want[32], got[32];
	struct rw_err err = { "" };
	memset(want, 0xab, 32);
	memcpy(got, want, 32);
	assert_int_equal(trust_config_check(want, got, &err), 0);
}

static void differing_config_digest_shows_both(void **state)
{
	(void)state;
	uint8_t want[32], got[32];
	struct rw_err err = { "" };
	memset(want, 0xab, 32);
	memset(got, 0xcd, 32);
	assert_int_equal(trust_config_check(want, got, &err), -1);
	assert_non_null(strstr(err.msg, "abababababababababababababababababababababababababababababababab"));
	assert_non_null(strstr(err.msg, "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"));
}

static void no_enrolled_digest_accepts_any_config(void **state)
{
	(void)state;
	uint8_t want[32] = { 0 }, got[32];
	memset(got, 0xcd, 32);
	assert_int_equal(trust_config_check(want, got, NULL), 0);
}

static void without_secure_boot_anything_runs(void **state)
{
	(void)state;
	struct config_entry e = kernel(false);
	add_module(&e, "/m", false);
	expect_allowed(&off, &e);
}

static void kernel_without_enrolled_config_is_refused_with_how_to_enrol(void **state)
{
	(void)state;
	struct config_entry e = kernel(true);
	expect_refused(&on_none, &e, "tools/sign.sh -C");
}

static void unpinned_kernel_is_refused(void **state)
{
	(void)state;
	struct config_entry e = kernel(false);
	expect_refused(&on_enrolled, &e, "kernel /boot/k.elf is not pinned");
}

static void unpinned_module_is_refused(void **state)
{
	(void)state;
	struct config_entry e = kernel(true);
	add_module(&e, "/boot/a", true);
	add_module(&e, "/boot/b", false);
	expect_refused(&on_enrolled, &e, "module /boot/b is not pinned");
}

static void pinned_kernel_and_modules_run(void **state)
{
	(void)state;
	struct config_entry e = kernel(true);
	add_module(&e, "/boot/a", true);
	expect_allowed(&on_enrolled, &e);
}

static void efi_program_is_left_to_the_firmware(void **state)
{
	(void)state;
	struct config_entry e = { .kind = CONFIG_EFI };
	strcpy(e.path, "/EFI/x.efi");
	expect_allowed(&on_none, &e);
	expect_allowed(&on_enrolled, &e);
}

static void efi_initrd_needs_enrolled_pin(void **state)
{
	(void)state;
	struct config_entry e = { .kind = CONFIG_EFI };
	strcpy(e.path, "/EFI/linux.efi");
	strcpy(e.initrds[0].path, "/initrd.img");
	e.ninitrds = 1;
	expect_refused(&on_none, &e, "tools/sign.sh -C");
	expect_refused(&on_enrolled, &e, "initrd /initrd.img is not pinned");
	e.initrds[0].has_sha256 = true;
	expect_allowed(&on_enrolled, &e);
}

/* Started by shim: what the config does not pin is left to shim's Verify
 * (the loader calls it on the bytes read), but the config must still be
 * enrolled, since it carries the command line. */
static void shim_vouches_for_unpinned_files_of_an_enrolled_config(void **state)
{
	(void)state;
	struct config_entry e = kernel(false);
	add_module(&e, "/boot/a", true);
	add_module(&e, "/boot/b", false);
	expect_allowed(&on_enrolled_shim, &e);
	expect_refused(&on_none_shim, &e, "tools/sign.sh -C");

	struct config_entry c = { .kind = CONFIG_EFI };
	strcpy(c.path, "/EFI/linux.efi");
	strcpy(c.initrds[0].path, "/initrd.img");
	c.ninitrds = 1;
	expect_allowed(&on_enrolled_shim, &c);
	expect_refused(&on_none_shim, &c, "tools/sign.sh -C");
}

/* Every initrd is handed to Linux: one unpinned among pinned ones is
 * refused, and named. */
static void every_initrd_of_an_efi_entry_must_be_pinned(void **state)
{
	(void)state;
	struct config_entry e = { .kind = CONFIG_EFI };
	strcpy(e.path, "/EFI/linux.efi");
	e.ninitrds = 3;
	for (size_t i = 0; i < e.ninitrds; i++) {
		sprintf(e.initrds[i].path, "/initrd%zu.img", i);
		e.initrds[i].has_sha256 = true;
	}
	expect_allowed(&on_enrolled, &e);
	e.initrds[1].has_sha256 = false;
	expect_refused(&on_enrolled, &e, "initrd /initrd1.img is not pinned");
	expect_refused(&on_none, &e, "initrd /initrd0.img cannot be trusted");
	e.initrds[1].has_sha256 = true;
	e.initrds[2].has_sha256 = false;
	expect_refused(&on_enrolled, &e, "initrd /initrd2.img is not pinned");
}

static void verify_entry_runs_nothing_and_is_allowed(void **state)
{
	(void)state;
	struct config_entry e = { .kind = CONFIG_VERIFY };
	strcpy(e.path, "/boot/k.elf");
	expect_allowed(&on_none, &e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_zero_digest_is_not_enrolled),
		cmocka_unit_test(matching_config_digest_passes),
		cmocka_unit_test(differing_config_digest_shows_both),
		cmocka_unit_test(no_enrolled_digest_accepts_any_config),
		cmocka_unit_test(without_secure_boot_anything_runs),
		cmocka_unit_test(kernel_without_enrolled_config_is_refused_with_how_to_enrol),
		cmocka_unit_test(unpinned_kernel_is_refused),
		cmocka_unit_test(unpinned_module_is_refused),
		cmocka_unit_test(pinned_kernel_and_modules_run),
		cmocka_unit_test(efi_program_is_left_to_the_firmware),
		cmocka_unit_test(efi_initrd_needs_enrolled_pin),
		cmocka_unit_test(shim_vouches_for_unpinned_files_of_an_enrolled_config),
		cmocka_unit_test(every_initrd_of_an_efi_entry_must_be_pinned),
		cmocka_unit_test(verify_entry_runs_nothing_and_is_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
