/*
 * test_tftp.c - lib/tftp.c: runway.conf paths as TFTP file names, where
 * runway.conf is looked for next to the boot file, tftp:// URIs and the
 * text of TFTP errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tftp.h"

#define CANARY 0x5a

static char out[TFTP_NAME_MAX + 64];

static void fill_canary(void)
{
	memset(out, CANARY, sizeof out);
}

static void assert_untouched(void)
{
	for (size_t i = 0; i < sizeof out; i++)
		if (out[i] != CANARY)
			fail_msg("byte %zu written by a refused call", i);
}

static void check_name(const char *path, const char *want)
{
	struct rw_err err = { "" };

	fill_canary();
	assert_true(tftp_name_from_config(path, out, sizeof out, &err));
	assert_string_equal(out, want);
	assert_int_equal(out[strlen(want) + 1], CANARY);
}

static void check_name_refused(const char *path, const char *why)
{
	struct rw_err err = { "" };

	fill_canary();
	assert_false(tftp_name_from_config(path, out, sizeof out, &err));
	assert_untouched();
	if (!strstr(err.msg, why))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, why);
}

/* ---- names ---- */

static void name_is_relative_to_the_server_root(void **state)
{
	(void)state;
	check_name("/boot/kernel.elf", "boot/kernel.elf");
	check_name("boot/kernel.elf", "boot/kernel.elf");
	check_name("/runway.conf", "runway.conf");
}

static void name_collapses_and_converts_separators(void **state)
{
	(void)state;
	check_name("//boot///a", "boot/a");
	check_name("\\EFI\\linux\\vmlinuz.efi", "EFI/linux/vmlinuz.efi");
}

static void name_refuses_what_the_volume_refuses(void **state)
{
	(void)state;
	check_name_refused("/boot/../etc/passwd", "..");
	check_name_refused("./kernel.elf", "\".\"");
	check_name_refused("", "no file name");
	check_name_refused("/", "no file name");
	check_name_refused("/boot/", "ends in a separator");
	check_name_refused("/boot/k\x01", "not printable");
	check_name_refused("/boot/k\xc3\xa9", "not printable");
}

static void name_refused_when_it_does_not_fit(void **state)
{
	struct rw_err err = { "" };

	(void)state;
	fill_canary();
	/* "boot/a" needs 7 bytes with its NUL */
	assert_false(tftp_name_from_config("/boot/a", out, 6, &err));
	assert_untouched();
	assert_non_null(strstr(err.msg, "needs 7 bytes"));
	assert_true(tftp_name_from_config("/boot/a", out, 7, &err));
	assert_string_equal(out, "boot/a");
}

static void name_takes_the_longest_config_path(void **state)
{
	char path[TFTP_NAME_MAX];

	(void)state;
	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = 0;
	fill_canary();
	assert_true(tftp_name_from_config(path, out, TFTP_NAME_MAX, NULL));
	assert_int_equal(strlen(out), TFTP_NAME_MAX - 2);
}

/* ---- where runway.conf is ---- */

static void check_config_names(const char *bootfile, size_t n, const char *first,
			       const char *second)
{
	char names[2][TFTP_NAME_MAX];

	memset(names, CANARY, sizeof names);
	assert_int_equal(tftp_config_names(bootfile, names), n);
	assert_string_equal(names[0], first);
	if (n == 2)
		assert_string_equal(names[1], second);
}

static void config_next_to_the_boot_file_then_at_the_root(void **state)
{
	(void)state;
	check_config_names("efi/runway/BOOTX64.EFI", 2, "efi/runway/runway.conf",
			   "runway.conf");
	check_config_names("/pxe/BOOTX64.EFI", 2, "pxe/runway.conf", "runway.conf");
	check_config_names("boot\\x64\\runway.efi", 2, "boot/x64/runway.conf",
			   "runway.conf");
}

static void config_at_the_root_for_a_boot_file_at_the_root(void **state)
{
	(void)state;
	check_config_names("BOOTX64.EFI", 1, "runway.conf", NULL);
	check_config_names("/BOOTX64.EFI", 1, "runway.conf", NULL);
	check_config_names("", 1, "runway.conf", NULL);
	check_config_names("\\/BOOTX64.EFI", 1, "runway.conf", NULL);
}

static void config_at_the_root_when_the_directory_is_no_path(void **state)
{
	char longdir[400];

	(void)state;
	check_config_names("../up/BOOTX64.EFI", 1, "runway.conf", NULL);
	check_config_names("a\x7f/BOOTX64.EFI", 1, "runway.conf", NULL);
	memset(longdir, 'd', sizeof longdir);
	memcpy(longdir + sizeof longdir - 13, "/BOOTX64.EFI", 13);
	check_config_names(longdir, 1, "runway.conf", NULL);
}

/* ---- URIs and addresses ---- */

static void uri_names_server_and_file(void **state)
{
	static const uint8_t ip[4] = { 10, 0, 2, 2 };

	(void)state;
	fill_canary();
	assert_true(tftp_uri(ip, "boot/kernel.elf", out, sizeof out));
	assert_string_equal(out, "tftp://10.0.2.2/boot/kernel.elf");
}

static void uri_refused_when_it_does_not_fit(void **state)
{
	static const uint8_t ip[4] = { 192, 168, 100, 254 };
	const char *want = "tftp://192.168.100.254/a";

	(void)state;
	fill_canary();
	assert_false(tftp_uri(ip, "a", out, strlen(want)));
	assert_untouched();
	assert_true(tftp_uri(ip, "a", out, strlen(want) + 1));
	assert_string_equal(out, want);
}

static void ip_text_of_the_widest_address(void **state)
{
	static const uint8_t ip[4] = { 255, 255, 255, 255 };
	char text[16];

	(void)state;
	tftp_ip_text(ip, text, sizeof text);
	assert_string_equal(text, "255.255.255.255");
}

/* ---- errors ---- */

static void error_names_code_meaning_and_message(void **state)
{
	(void)state;
	tftp_error_text(1, "File not found", 127, out, sizeof out);
	assert_string_equal(out, "TFTP error 1 (file not found), the server says \"File not found\"");
	tftp_error_text(8, "", 127, out, sizeof out);
	assert_string_equal(out, "TFTP error 8 (option negotiation refused)");
	tftp_error_text(42, "odd", 127, out, sizeof out);
	assert_string_equal(out, "TFTP error 42 (unknown code), the server says \"odd\"");
}

static void error_code_0_is_its_message(void **state)
{
	(void)state;
	tftp_error_text(0, "File not found", 127, out, sizeof out);
	assert_string_equal(out, "TFTP error, the server says \"File not found\"");
	tftp_error_text(0, "", 127, out, sizeof out);
	assert_string_equal(out, "TFTP error 0 (not defined)");
}

static void error_message_is_made_printable_and_bounded(void **state)
{
	char msg[127];

	(void)state;
	tftp_error_text(2, "no\tway\x80", 127, out, sizeof out);
	assert_string_equal(out, "TFTP error 2 (access violation), the server says \"no?way?\"");
	/* no NUL in the firmware's buffer: read msg_cap bytes, no more */
	memset(msg, 'x', sizeof msg);
	tftp_error_text(3, msg, 3, out, sizeof out);
	assert_string_equal(out, "TFTP error 3 (disk full or allocation exceeded), the server says \"xxx\"");
}

static void error_text_fits_its_maximum(void **state)
{
	char msg[127];
	char big[512];

	(void)state;
	memset(msg, 'm', sizeof msg);
	for (unsigned code = 0; code < 10; code++) {
		tftp_error_text(code, msg, sizeof msg, big, sizeof big);
		assert_true(strlen(big) < TFTP_ERROR_TEXT_MAX);
	}
	tftp_error_text(65535, msg, sizeof msg, big, sizeof big);
	assert_true(strlen(big) < TFTP_ERROR_TEXT_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_is_relative_to_the_server_root),
		cmocka_unit_test(name_collapses_and_converts_separators),
		cmocka_unit_test(name_refuses_what_the_volume_refuses),
		cmocka_unit_test(name_refused_when_it_does_not_fit),
		cmocka_unit_test(name_takes_the_longest_config_path),
		cmocka_unit_test(config_next_to_the_boot_file_then_at_the_root),
		cmocka_unit_test(config_at_the_root_for_a_boot_file_at_the_root),
		cmocka_unit_test(config_at_the_root_when_the_directory_is_no_path),
		cmocka_unit_test(uri_names_server_and_file),
		cmocka_unit_test(uri_refused_when_it_does_not_fit),
		cmocka_unit_test(ip_text_of_the_widest_address),
		cmocka_unit_test(error_names_code_meaning_and_message),
		cmocka_unit_test(error_code_0_is_its_message),
		cmocka_unit_test(error_message_is_made_printable_and_bounded),
		cmocka_unit_test(error_text_fits_its_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
