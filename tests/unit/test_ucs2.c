/*
 * test_ucs2.c - lib/ucs2.c: UTF-8 load options as UCS-2, runway.conf
 * paths as EFI paths, joining a directory and a name, and the directory
 * of the loader's own path given node by node.
 *
 * Every output buffer is filled with a canary first, so a test sees both
 * what was written and that nothing else was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <uchar.h>

#include "config.h"
#include "ucs2.h"

#define CANARY 0xa5a5
#define FFFD UCS2_REPLACEMENT

static uint16_t out[CONFIG_PATH_MAX + 8];

static void fill_canary(void)
{
	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
		out[i] = CANARY;
}

/* out holds want (n units and a NUL), and the canary right after. */
static void assert_units(const uint16_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (out[i] != want[i])
			fail_msg("unit %zu is 0x%04x, want 0x%04x", i, out[i], want[i]);
	assert_int_equal(out[n], 0);
	assert_int_equal(out[n + 1], CANARY);
}

static void assert_untouched(void)
{
	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
		if (out[i] != CANARY)
			fail_msg("unit %zu written (0x%04x) by a refused call", i, out[i]);
}

/* s converts to the n units of want (NUL not counted), exactly sized. */
static void check_utf8(const char *s, const uint16_t *want, size_t n)
{
	size_t size = 0;

	fill_canary();
	assert_true(ucs2_from_utf8(s, out, n + 1, &size));
	assert_int_equal(size, (n + 1) * 2);
	assert_int_equal(ucs2_from_utf8_size(s), (n + 1) * 2);
	assert_units(want, n);
}

#define CHECK_UTF8(s, ...)                                                    \
	do {                                                                  \
		const uint16_t want_[] = { __VA_ARGS__ };                     \
		check_utf8((s), want_, sizeof want_ / sizeof want_[0]);       \
	} while (0)

/* ---- UTF-8 -> UCS-2 ---- */

static void test_utf8_ascii(void **state)
{
	CHECK_UTF8("root=/dev/sda1 quiet", 'r', 'o', 'o', 't', '=', '/', 'd', 'e',
		   'v', '/', 's', 'd', 'a', '1', ' ', 'q', 'u', 'i', 'e', 't');
}

static void test_utf8_empty_is_a_nul(void **state)
{
	size_t size = 0;

	fill_canary();
	assert_true(ucs2_from_utf8("", out, 1, &size));
	assert_int_equal(size, 2);
	assert_units(NULL, 0);
}

static void test_utf8_two_byte(void **state)
{
	/* U+0080 (the smallest), U+00F6, U+07FF (the largest) */
	CHECK_UTF8("\xc2\x80w\xc3\xb6rld\xdf\xbf", 0x80, 'w', 0xf6, 'r', 'l', 'd', 0x7ff);
}

static void test_utf8_three_byte(void **state)
{
	/* U+0800 (the smallest), U+20AC, U+D7FF and U+E000 around the
	 * surrogates, U+FFFF (the largest) */
	CHECK_UTF8("\xe0\xa0\x80\xe2\x82\xac\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
		   0x800, 0x20ac, 0xd7ff, 0xe000, 0xffff);
}

static void test_utf8_four_byte_is_replaced(void **state)
{
	/* U+10000, U+1F600, U+10FFFF: outside the BMP, one U+FFFD each */
	CHECK_UTF8("a\xf0\x90\x80\x80" "b\xf0\x9f\x98\x80" "c\xf4\x8f\xbf\xbf",
		   'a', FFFD, 'b', FFFD, 'c', FFFD);
}

static void test_utf8_beyond_unicode_is_replaced(void **state)
{
	/* F4 90 80 80 = U+110000; F7 BF BF BF = 0x1FFFFF */
	CHECK_UTF8("\xf4\x90\x80\x80" "\xf7\xbf\xbf\xbf", FFFD, FFFD);
}

static void test_utf8_overlong_is_one_replacement(void **state)
{
	/* '/' as 2, 3 and 4 bytes; NUL as C0 80; U+07FF as 3 bytes;
	 * U+FFFF as 4 bytes: one U+FFFD per sequence */
	CHECK_UTF8("\xc0\xaf" "\xe0\x80\xaf" "\xf0\x80\x80\xaf" "\xc0\x80"
		   "\xe0\x9f\xbf" "\xf0\x8f\xbf\xbf" "x",
		   FFFD, FFFD, FFFD, FFFD, FFFD, FFFD, 'x');
}

static void test_utf8_surrogates_are_replaced(void **state)
{
	/* U+D800, U+DBFF, U+DC00, U+DFFF, and a CESU-8 pair (U+D83D U+DE00) */
	CHECK_UTF8("\xed\xa0\x80\xed\xaf\xbf\xed\xb0\x80\xed\xbf\xbf"
		   "\xed\xa0\xbd\xed\xb8\x80",
		   FFFD, FFFD, FFFD, FFFD, FFFD, FFFD);
}

static void test_utf8_truncated_at_end(void **state)
{
	CHECK_UTF8("a\xc3", 'a', FFFD);
	CHECK_UTF8("a\xe2\x82", 'a', FFFD);
	CHECK_UTF8("a\xf0\x9f\x98", 'a', FFFD);
	CHECK_UTF8("\xe2", FFFD);
}

static void test_utf8_truncated_keeps_next_byte(void **state)
{
	/* The byte that cuts a sequence short is not swallowed. */
	CHECK_UTF8("\xe2\x82" "A" "\xc3" "\xc3\xb6" "\xf0\x9f" " ",
		   FFFD, 'A', FFFD, 0xf6, FFFD, ' ');
}

static void test_utf8_lone_continuations(void **state)
{
	/* each continuation byte without a lead is one U+FFFD */
	CHECK_UTF8("\x80" "a" "\xbf\xbf" "\xc3\xb6\xb6",
		   FFFD, 'a', FFFD, FFFD, 0xf6, FFFD);
}

static void test_utf8_invalid_leads(void **state)
{
	/* F8..FF never occur in UTF-8 */
	CHECK_UTF8("\xf8\x88\x80\x80\x80" "\xfe\xff",
		   FFFD, FFFD, FFFD, FFFD, FFFD, FFFD, FFFD);
}

static void test_utf8_output_too_small_is_refused(void **state)
{
	size_t size = 1234;

	fill_canary();
	/* "wörld" is 5 units + NUL */
	assert_false(ucs2_from_utf8("w\xc3\xb6rld", out, 5, &size));
	assert_int_equal(size, 1234);
	assert_untouched();
	assert_false(ucs2_from_utf8("", out, 0, &size));
	assert_false(ucs2_from_utf8("a", out, 1, &size));
	assert_untouched();
	assert_int_equal(ucs2_from_utf8_size("w\xc3\xb6rld"), 12);
}

static void test_utf8_exact_fit(void **state)
{
	const uint16_t want[] = { 'w', 0xf6, 'r', 'l', 'd' };
	size_t size = 0;

	fill_canary();
	assert_true(ucs2_from_utf8("w\xc3\xb6rld", out, 6, &size));
	assert_int_equal(size, 12);
	assert_units(want, 5);
}

static void test_utf8_cmdline_max_always_fits(void **state)
{
	static uint16_t big[CONFIG_CMDLINE_MAX + 1];
	char s[CONFIG_CMDLINE_MAX];
	size_t size = 0;

	/* the longest command line, all ASCII: one unit per byte */
	memset(s, 'x', sizeof s - 1);
	s[sizeof s - 1] = 0;
	big[CONFIG_CMDLINE_MAX] = CANARY;
	assert_true(ucs2_from_utf8(s, big, CONFIG_CMDLINE_MAX, &size));
	assert_int_equal(size, CONFIG_CMDLINE_MAX * 2);
	assert_int_equal(big[CONFIG_CMDLINE_MAX - 1], 0);
	assert_int_equal(big[CONFIG_CMDLINE_MAX], CANARY);
}

/* ---- runway.conf path -> EFI path ---- */

static void check_path(const char *path, const char16_t *want)
{
	struct rw_err err = { "" };
	size_t n = 0;

	while (want[n])
		n++;
	fill_canary();
	if (!ucs2_path_from_config(path, out, n + 1, &err))
		fail_msg("\"%s\" refused: %s", path, err.msg);
	assert_units(want, n);
}

/* path is refused, whatever the room, with a message containing why. */
static void check_path_refused(const char *path, const char *why)
{
	struct rw_err err = { "" };

	fill_canary();
	assert_false(ucs2_path_from_config(path, out, sizeof out / sizeof out[0], &err));
	assert_untouched();
	if (!strstr(err.msg, why))
		fail_msg("\"%s\": message \"%s\" does not say \"%s\"", path, err.msg, why);
}

static void test_path_relative_gets_leading_backslash(void **state)
{
	check_path("boot/kernel.elf", u"\\boot\\kernel.elf");
	check_path("kernel.elf", u"\\kernel.elf");
}

static void test_path_leading_slash(void **state)
{
	check_path("/EFI/linux/vmlinuz.efi", u"\\EFI\\linux\\vmlinuz.efi");
}

static void test_path_backslashes_separate(void **state)
{
	check_path("\\EFI\\tools/shell.efi", u"\\EFI\\tools\\shell.efi");
}

static void test_path_repeated_separators_collapse(void **state)
{
	check_path("//boot///modules\\/\\initrd.img", u"\\boot\\modules\\initrd.img");
}

static void test_path_dots_inside_names(void **state)
{
	check_path("/boot/.hidden/a..b/...", u"\\boot\\.hidden\\a..b\\...");
}

static void test_path_printable_ascii_kept(void **state)
{
	check_path("/a b/~!#$%&'()+,;=@[]^_`{}-", u"\\a b\\~!#$%&'()+,;=@[]^_`{}-");
}

static void test_path_exact_fit(void **state)
{
	char path[CONFIG_PATH_MAX];
	struct rw_err err = { "" };

	/* the longest config path without a leading '/': 255 bytes, 256
	 * units with the added '\', 257 with the NUL */
	memset(path, 'a', sizeof path - 1);
	path[sizeof path - 1] = 0;
	fill_canary();
	assert_true(ucs2_path_from_config(path, out, CONFIG_PATH_MAX + 1, &err));
	assert_int_equal(out[0], '\\');
	assert_int_equal(out[CONFIG_PATH_MAX - 1], 'a');
	assert_int_equal(out[CONFIG_PATH_MAX], 0);
	assert_int_equal(out[CONFIG_PATH_MAX + 1], CANARY);
}

static void test_path_too_long_by_one_is_refused(void **state)
{
	char path[CONFIG_PATH_MAX];
	struct rw_err err = { "" };

	/* the security review's case: 255 bytes in 256 units was cut by one */
	memset(path, 'a', sizeof path - 1);
	path[sizeof path - 1] = 0;
	fill_canary();
	assert_false(ucs2_path_from_config(path, out, CONFIG_PATH_MAX, &err));
	assert_untouched();
	assert_string_equal(err.msg, "needs 257 UCS-2 units with the NUL; the buffer holds 256");
	/* the same with a leading '/': nothing to add, it fits */
	path[0] = '/';
	assert_true(ucs2_path_from_config(path, out, CONFIG_PATH_MAX, &err));
	assert_int_equal(out[CONFIG_PATH_MAX - 1], 0);
	assert_int_equal(out[CONFIG_PATH_MAX], CANARY);
}

static void test_path_collapsed_length_counts(void **state)
{
	struct rw_err err = { "" };

	/* 7 bytes, but "\a\b" is 4 units: cap 5 is enough */
	fill_canary();
	assert_true(ucs2_path_from_config("//a///b", out, 5, &err));
	assert_units(u"\\a\\b", 4);
	fill_canary();
	assert_false(ucs2_path_from_config("//a///b", out, 4, &err));
	assert_untouched();
}

static void test_path_control_bytes_refused(void **state)
{
	check_path_refused("/boot/ker\tnel", "byte 0x09 at offset 9 is not printable ASCII");
	check_path_refused("/boot/kernel\x7f", "byte 0x7f at offset 12");
	check_path_refused("\x1b[2J", "byte 0x1b at offset 0");
}

static void test_path_non_ascii_refused(void **state)
{
	check_path_refused("/boot/w\xc3\xb6rld", "byte 0xc3 at offset 7 is not printable ASCII");
	check_path_refused("/\xff", "byte 0xff at offset 1");
}

static void test_path_dot_components_refused(void **state)
{
	check_path_refused("/boot/../EFI/x", "component \"..\" at offset 6");
	check_path_refused("..", "component \"..\" at offset 0");
	check_path_refused("/boot/./kernel", "component \".\" at offset 6");
	check_path_refused("boot\\..\\x", "component \"..\" at offset 5");
	check_path_refused("/boot/kernel/..", "component \"..\" at offset 13");
}

static void test_path_without_file_refused(void **state)
{
	check_path_refused("", "no file name");
	check_path_refused("/", "no file name");
	check_path_refused("//\\", "no file name");
	check_path_refused("/boot/", "ends in a separator");
	check_path_refused("boot\\\\", "ends in a separator");
}

static void test_path_null_err_allowed(void **state)
{
	fill_canary();
	assert_false(ucs2_path_from_config("/a/../b", out, 16, NULL));
	assert_false(ucs2_path_from_config("/abc", out, 2, NULL));
	assert_untouched();
}

/* ---- join ---- */

static void check_join(const char16_t *dir, const char16_t *name, size_t cap,
		       const char16_t *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	fill_canary();
	assert_true(ucs2_path_join(dir, name, out, cap));
	assert_units(want, n);
}

static void test_join_dir_and_name(void **state)
{
	check_join(u"\\EFI\\BOOT", u"runway.conf", 64, u"\\EFI\\BOOT\\runway.conf");
}

static void test_join_root_dir(void **state)
{
	check_join(u"", u"runway.conf", 64, u"\\runway.conf");
	check_join(u"\\", u"runway.conf", 64, u"\\runway.conf");
}

static void test_join_one_separator(void **state)
{
	check_join(u"\\EFI\\BOOT\\\\", u"\\\\runway.conf", 64, u"\\EFI\\BOOT\\runway.conf");
	check_join(u"\\EFI\\BOOT\\", u"runway.conf", 64, u"\\EFI\\BOOT\\runway.conf");
}

static void test_join_exact_fit(void **state)
{
	/* "\A\B\c.conf": 11 units and the NUL */
	check_join(u"\\A\\B", u"c.conf", 12, u"\\A\\B\\c.conf");
}

static void test_join_too_long_refused(void **state)
{
	fill_canary();
	assert_false(ucs2_path_join(u"\\A\\B", u"c.conf", out, 11));
	assert_false(ucs2_path_join(u"", u"x", out, 2));
	assert_false(ucs2_path_join(u"", u"", out, 1));
	assert_untouched();
}

/* ---- directory part, node by node ---- */

/* The directory of the nodes (each a NUL-terminated literal, its NUL
 * included in the node as firmware does), with room for cap units. */
static bool dir_of(size_t cap, const char16_t *const *nodes, size_t nnodes)
{
	struct ucs2_dir d;

	fill_canary();
	ucs2_dir_init(&d, out, cap);
	for (size_t i = 0; i < nnodes; i++) {
		size_t n = 0;
		while (nodes[i][n])
			n++;
		ucs2_dir_add_node(&d, nodes[i], (n + 1) * sizeof(char16_t));
	}
	bool ok = ucs2_dir_finish(&d);
	/* nothing past the buffer, whatever happened */
	for (size_t i = cap; i < sizeof out / sizeof out[0]; i++)
		assert_int_equal(out[i], CANARY);
	return ok;
}

#define DIR_OF(cap, ...)                                                      \
	dir_of((cap), (const char16_t *const[]){ __VA_ARGS__ },               \
	       sizeof((const char16_t *const[]){ __VA_ARGS__ }) / sizeof(char16_t *))

static void assert_out(const char16_t *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	for (size_t i = 0; i <= n; i++)
		if (out[i] != want[i])
			fail_msg("unit %zu is 0x%04x, want 0x%04x", i, out[i], want[i]);
}

static void test_dir_one_node(void **state)
{
	assert_true(DIR_OF(64, u"\\EFI\\BOOT\\BOOTX64.EFI"));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_name_at_root(void **state)
{
	assert_true(DIR_OF(64, u"\\BOOTX64.EFI"));
	assert_out(u"");
	assert_true(DIR_OF(64, u"BOOTX64.EFI"));
	assert_out(u"");
}

static void test_dir_no_nodes(void **state)
{
	struct ucs2_dir d;

	fill_canary();
	ucs2_dir_init(&d, out, 8);
	assert_true(ucs2_dir_finish(&d));
	assert_int_equal(out[0], 0);
}

static void test_dir_leading_backslash_added(void **state)
{
	assert_true(DIR_OF(64, u"EFI\\BOOT\\BOOTX64.EFI"));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_nodes_with_separators(void **state)
{
	assert_true(DIR_OF(64, u"\\EFI\\", u"\\BOOT\\", u"\\BOOTX64.EFI"));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_nodes_without_separators(void **state)
{
	/* one component per node: the '\' between nodes is implied */
	assert_true(DIR_OF(64, u"EFI", u"BOOT", u"BOOTX64.EFI"));
	assert_out(u"\\EFI\\BOOT");
	assert_true(DIR_OF(64, u"\\EFI\\BOOT", u"BOOTX64.EFI"));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_repeated_separators_collapse(void **state)
{
	assert_true(DIR_OF(64, u"\\\\EFI\\\\\\BOOT\\", u"\\\\BOOTX64.EFI"));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_trailing_separator(void **state)
{
	assert_true(DIR_OF(64, u"\\EFI\\BOOT\\"));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_empty_nodes_add_nothing(void **state)
{
	assert_true(DIR_OF(64, u"", u"\\EFI\\BOOT\\BOOTX64.EFI", u""));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_node_ends_at_nul_or_length(void **state)
{
	static const char16_t node[] = u"\\EFI\\BOOT\\BOOTX64.EFI\0\\junk";
	/* unaligned and odd-sized: the node's bytes start at offset 1 */
	unsigned char raw[2 * 12 + 2];
	struct ucs2_dir d;

	fill_canary();
	ucs2_dir_init(&d, out, 64);
	ucs2_dir_add_node(&d, node, sizeof node);
	assert_true(ucs2_dir_finish(&d));
	assert_out(u"\\EFI\\BOOT");

	/* "\EFI\BOOT\XY" with no NUL, as 24 bytes at an odd address, plus
	 * one stray byte: the node ends with its last whole unit */
	memcpy(raw + 1, u"\\EFI\\BOOT\\XY", 24);
	raw[25] = 'Z';
	fill_canary();
	ucs2_dir_init(&d, out, 64);
	ucs2_dir_add_node(&d, raw + 1, 25);
	assert_true(ucs2_dir_finish(&d));
	assert_out(u"\\EFI\\BOOT");
}

static void test_dir_exact_fit(void **state)
{
	/* "\EFI\BOOT" is 9 units: cap 10 holds it, however long the name */
	assert_true(DIR_OF(10, u"\\EFI\\BOOT\\BOOTX64.EFI"));
	assert_out(u"\\EFI\\BOOT");
	assert_true(DIR_OF(10, u"\\EFI\\BOOT\\", u"A-FILE-NAME-LONGER-THAN-THE-BUFFER.EFI"));
	assert_out(u"\\EFI\\BOOT");
	assert_true(DIR_OF(1, u"\\BOOTX64.EFI"));
	assert_out(u"");
}

static void test_dir_too_long_refused(void **state)
{
	/* "\EFI\BOOT" needs 10 units with the NUL */
	assert_false(DIR_OF(9, u"\\EFI\\BOOT\\BOOTX64.EFI"));
	assert_out(u"");
	assert_false(DIR_OF(4, u"\\EFI", u"BOOT", u"X.EFI"));
	assert_out(u"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_ascii),
		cmocka_unit_test(test_utf8_empty_is_a_nul),
		cmocka_unit_test(test_utf8_two_byte),
		cmocka_unit_test(test_utf8_three_byte),
		cmocka_unit_test(test_utf8_four_byte_is_replaced),
		cmocka_unit_test(test_utf8_beyond_unicode_is_replaced),
		cmocka_unit_test(test_utf8_overlong_is_one_replacement),
		cmocka_unit_test(test_utf8_surrogates_are_replaced),
		cmocka_unit_test(test_utf8_truncated_at_end),
		cmocka_unit_test(test_utf8_truncated_keeps_next_byte),
		cmocka_unit_test(test_utf8_lone_continuations),
		cmocka_unit_test(test_utf8_invalid_leads),
		cmocka_unit_test(test_utf8_output_too_small_is_refused),
		cmocka_unit_test(test_utf8_exact_fit),
		cmocka_unit_test(test_utf8_cmdline_max_always_fits),
		cmocka_unit_test(test_path_relative_gets_leading_backslash),
		cmocka_unit_test(test_path_leading_slash),
		cmocka_unit_test(test_path_backslashes_separate),
		cmocka_unit_test(test_path_repeated_separators_collapse),
		cmocka_unit_test(test_path_dots_inside_names),
		cmocka_unit_test(test_path_printable_ascii_kept),
		cmocka_unit_test(test_path_exact_fit),
		cmocka_unit_test(test_path_too_long_by_one_is_refused),
		cmocka_unit_test(test_path_collapsed_length_counts),
		cmocka_unit_test(test_path_control_bytes_refused),
		cmocka_unit_test(test_path_non_ascii_refused),
		cmocka_unit_test(test_path_dot_components_refused),
		cmocka_unit_test(test_path_without_file_refused),
		cmocka_unit_test(test_path_null_err_allowed),
		cmocka_unit_test(test_join_dir_and_name),
		cmocka_unit_test(test_join_root_dir),
		cmocka_unit_test(test_join_one_separator),
		cmocka_unit_test(test_join_exact_fit),
		cmocka_unit_test(test_join_too_long_refused),
		cmocka_unit_test(test_dir_one_node),
		cmocka_unit_test(test_dir_name_at_root),
		cmocka_unit_test(test_dir_no_nodes),
		cmocka_unit_test(test_dir_leading_backslash_added),
		cmocka_unit_test(test_dir_nodes_with_separators),
		cmocka_unit_test(test_dir_nodes_without_separators),
		cmocka_unit_test(test_dir_repeated_separators_collapse),
		cmocka_unit_test(test_dir_trailing_separator),
		cmocka_unit_test(test_dir_empty_nodes_add_nothing),
		cmocka_unit_test(test_dir_node_ends_at_nul_or_length),
		cmocka_unit_test(test_dir_exact_fit),
		cmocka_unit_test(test_dir_too_long_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
