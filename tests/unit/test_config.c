/*
 * test_config.c - config_parse: runway.conf text -> struct config.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static struct config *cfg; /* large: on the heap */

static int setup(void **state)
{
	(void)state;
	cfg = malloc(sizeof *cfg);
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(cfg);
	cfg = NULL;
	return 0;
}

static void parse_ok(const char *text, size_t len)
{
	struct rw_err err = { "" };
	memset(cfg, 0x5a, sizeof *cfg);
	if (config_parse(text, len, cfg, &err))
		fail_msg("config_parse failed: %s", err.msg);
}

#define PARSE_OK(s) parse_ok(s, sizeof(s) - 1)

/* Must fail with a message containing every one of the given strings. */
static void parse_fails(const char *text, size_t len, const char *const *want)
{
	struct rw_err err = { "" };
	if (config_parse(text, len, cfg, &err) == 0)
		fail_msg("accepted; expected an error mentioning '%s'", want[0]);
	for (size_t i = 0; want[i]; i++)
		if (!strstr(err.msg, want[i]))
			fail_msg("message '%s' does not mention '%s'", err.msg, want[i]);
}

#define PARSE_FAILS(s, ...) \
	parse_fails(s, sizeof(s) - 1, (const char *const[]){ __VA_ARGS__, NULL })

static void test_all_keys_parsed_with_spaces_trimmed(void **state)
{
	(void)state;
	PARSE_OK("  kernel   =   /boot/kernel.elf  \n"
		 "\tcmdline\t=\tconsole=ttyS0   answer=42 \t\n"
		 "exit-after = yes\n"
		 "map-dump=true\n");
	assert_int_equal(cfg->nentries, 1);
	const struct config_entry *e = &cfg->entries[0];
	assert_int_equal(e->kind, CONFIG_KERNEL);
	assert_string_equal(e->path, "/boot/kernel.elf");
	assert_string_equal(e->cmdline, "console=ttyS0   answer=42");
	assert_true(cfg->exit_after);
	assert_true(cfg->map_dump);
	/* Defaults. */
	assert_int_equal(cfg->timeout, 5);
	assert_int_equal(cfg->default_entry, 0);
	assert_false(cfg->run_all);
	assert_int_equal(cfg->fragment, 0);
	assert_true(e->kaslr);
	assert_int_equal(e->nmodules, 0);
	assert_false(e->has_sha256);
	assert_string_equal(e->title, "/boot/kernel.elf"); /* from the path */
}

static void test_booleans_default_to_no_and_accept_every_spelling(void **state)
{
	(void)state;
	PARSE_OK("kernel = /k\n");
	assert_false(cfg->exit_after);
	assert_false(cfg->map_dump);
	assert_false(cfg->quiet);
	static const struct { const char *v; bool b; } sp[] = {
		{ "yes", true }, { "true", true }, { "1", true },
		{ "no", false }, { "false", false }, { "0", false },
	};
	for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
		char text[128];
		int n = snprintf(text, sizeof text,
				 "kernel = /k\nexit-after = %s\nmap-dump = %s\nquiet = %s\n",
				 sp[i].v, sp[i].v, sp[i].v);
		parse_ok(text, (size_t)n);
		assert_int_equal(cfg->exit_after, sp[i].b);
		assert_int_equal(cfg->map_dump, sp[i].b);
		assert_int_equal(cfg->quiet, sp[i].b);
	}
}

static void test_comments_and_blank_lines_ignored(void **state)
{
	(void)state;
	PARSE_OK("# runway.conf\n"
		 "\n"
		 "   \t \n"
		 "# kernel = /wrong\n"
		 "   # indented comment = still a comment\n"
		 "kernel = /boot/kernel.elf\n"
		 "\n"
		 "#cmdline = wrong\n");
	assert_int_equal(cfg->nentries, 1);
	assert_string_equal(cfg->entries[0].path, "/boot/kernel.elf");
	assert_string_equal(cfg->entries[0].cmdline, "");
}

static void test_crlf_line_endings(void **state)
{
	(void)state;
	PARSE_OK("# made on Windows\r\n"
		 "kernel = /boot/kernel.elf\r\n"
		 "\r\n"
		 "cmdline = quiet\r\n"
		 "map-dump = yes\r\n");
	assert_string_equal(cfg->entries[0].path, "/boot/kernel.elf");
	assert_string_equal(cfg->entries[0].cmdline, "quiet");
	assert_true(cfg->map_dump);
}

static void test_utf8_bom_skipped(void **state)
{
	(void)state;
	PARSE_OK("\xef\xbb\xbfkernel = /boot/kernel.elf\n");
	assert_string_equal(cfg->entries[0].path, "/boot/kernel.elf");
	/* And line numbers still start at 1. */
	PARSE_FAILS("\xef\xbb\xbf" "bogus = 1\n", "runway.conf:1:", "bogus");
}

static void test_last_line_without_newline(void **state)
{
	(void)state;
	PARSE_OK("cmdline = a b\nkernel = /boot/k");
	assert_string_equal(cfg->entries[0].path, "/boot/k");
	assert_string_equal(cfg->entries[0].cmdline, "a b");
}

static void test_value_may_contain_equals_and_hash(void **state)
{
	(void)state;
	PARSE_OK("kernel = /k\ncmdline = root=/dev/sda1 init=/bin/sh # not a comment\n");
	assert_string_equal(cfg->entries[0].cmdline,
			    "root=/dev/sda1 init=/bin/sh # not a comment");
}

static void test_text_is_bounded_by_len(void **state)
{
	(void)state;
	/* Bytes after len are not part of the file. */
	static const char text[] = "kernel = /boot/k\nbogus = 1\n";
	parse_ok(text, strlen("kernel = /boot/k\n"));
	assert_string_equal(cfg->entries[0].path, "/boot/k");
	parse_ok(text, strlen("kernel = /bo"));
	assert_string_equal(cfg->entries[0].path, "/bo");
}

static void test_unknown_key_rejected_with_line_and_key(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\n# comment\nkernal = /boot/k\n",
		    "runway.conf:3:", "kernal");
	PARSE_FAILS("kernel = /k\n Kernel = /boot/k\n", "runway.conf:2:", "Kernel");
}

static void test_missing_equals_rejected_with_line(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\n\nmap-dump yes\n", "runway.conf:3:", "map-dump yes");
}

static void test_bad_boolean_rejected_with_line_and_key(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\nmap-dump = maybe\n",
		    "runway.conf:2:", "map-dump", "maybe");
	PARSE_FAILS("exit-after = YES\nkernel = /k\n", "runway.conf:1:", "exit-after");
	PARSE_FAILS("quiet = loud\nkernel = /k\n", "runway.conf:1:", "quiet");
	PARSE_FAILS("kernel = /k\nexit-after =\n", "runway.conf:2:", "exit-after");
}

static void test_overlong_kernel_path_rejected_with_line_and_key(void **state)
{
	(void)state;
	char text[600];
	/* CONFIG_PATH_MAX - 1 bytes fit... */
	int n = snprintf(text, sizeof text, "kernel = /%0*d\n",
			 CONFIG_PATH_MAX - 2, 0);
	parse_ok(text, (size_t)n);
	assert_int_equal(strlen(cfg->entries[0].path), CONFIG_PATH_MAX - 1);
	/* ...one more does not. */
	n = snprintf(text, sizeof text, "# x\nkernel = /%0*d\n",
		     CONFIG_PATH_MAX - 1, 0);
	parse_fails(text, (size_t)n,
		    (const char *const[]){ "runway.conf:2:", "kernel", NULL });
}

static void test_overlong_cmdline_rejected_with_line_and_key(void **state)
{
	(void)state;
	char *text = malloc(2 * CONFIG_CMDLINE_MAX);
	assert_non_null(text);
	int n = snprintf(text, 2 * CONFIG_CMDLINE_MAX, "kernel = /k\ncmdline = %0*d\n",
			 CONFIG_CMDLINE_MAX - 1, 7);
	struct rw_err err = { "" };
	int r1 = config_parse(text, (size_t)n, cfg, &err);
	size_t len1 = r1 ? 0 : strlen(cfg->entries[0].cmdline);
	n = snprintf(text, 2 * CONFIG_CMDLINE_MAX, "kernel = /k\ncmdline = %0*d\n",
		     CONFIG_CMDLINE_MAX, 7);
	int r2 = config_parse(text, (size_t)n, cfg, &err);
	free(text);
	assert_int_equal(r1, 0);
	assert_int_equal(len1, CONFIG_CMDLINE_MAX - 1);
	assert_int_equal(r2, -1);
	assert_non_null(strstr(err.msg, "runway.conf:2:"));
	assert_non_null(strstr(err.msg, "cmdline"));
}

static void test_missing_kernel_rejected(void **state)
{
	(void)state;
	/* An entry without a kernel: its line and the missing key. */
	PARSE_FAILS("# nothing here\ncmdline = quiet\nmap-dump = yes\n",
		    "runway.conf:2:", "kernel");
	PARSE_FAILS("timeout = 3\nentry = Linux\ncmdline = quiet\n",
		    "runway.conf:2:", "kernel", "Linux");
	/* No entry at all, with bls = no: nothing else can give one. */
	PARSE_FAILS("map-dump = yes\nbls = no\n", "no entries", "kernel", "bls = no");
	PARSE_FAILS("bls = no\n", "no entries", "kernel");
	/* An empty path is no path. */
	PARSE_FAILS("kernel =\n", "runway.conf:1:", "kernel");
}

static void test_line_numbers_count_every_line(void **state)
{
	(void)state;
	PARSE_FAILS("\xef\xbb\xbf# 1\r\n\r\n  \r\nkernel = /k\r\n# 5\r\nbad key = 1\r\n",
		    "runway.conf:6:", "bad key");
}

static void test_global_keys_read_before_an_error_are_kept(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	static const char text[] = "exit-after = yes\nkernel = /k\nbogus = 1\n";
	assert_int_equal(config_parse(text, sizeof text - 1, cfg, &err), -1);
	assert_true(cfg->exit_after);
}

/* ---- menu entries and the newer keys ---- */

static void test_several_entries_with_titles(void **state)
{
	(void)state;
	PARSE_OK("timeout = 0\n"
		 "default = 2\n"
		 "entry = First\n"
		 "kernel = /a.elf\n"
		 "cmdline = one\n"
		 "entry = Second\n"
		 "verify = /b.elf\n"
		 "kaslr = no\n"
		 "run-all = yes\n" /* global keys anywhere */
		 "entry =\n"
		 "kernel = /c.elf\n");
	assert_int_equal(cfg->nentries, 3);
	assert_int_equal(cfg->timeout, 0);
	assert_int_equal(cfg->default_entry, 1);
	assert_true(cfg->run_all);
	assert_string_equal(cfg->entries[0].title, "First");
	assert_int_equal(cfg->entries[0].kind, CONFIG_KERNEL);
	assert_string_equal(cfg->entries[0].cmdline, "one");
	assert_int_equal(cfg->entries[0].line, 3);
	assert_string_equal(cfg->entries[1].title, "Second");
	assert_int_equal(cfg->entries[1].kind, CONFIG_VERIFY);
	assert_string_equal(cfg->entries[1].path, "/b.elf");
	assert_string_equal(cfg->entries[1].cmdline, "");
	assert_false(cfg->entries[1].kaslr);
	assert_true(cfg->entries[0].kaslr);
	assert_string_equal(cfg->entries[2].title, "/c.elf");
}

static void test_default_beyond_entries_rejected(void **state)
{
	(void)state;
	PARSE_FAILS("bls = no\ndefault = 2\nkernel = /k\n", "runway.conf:2:",
		    "default = 2, but there are only 1 entries");
	PARSE_FAILS("default = 0\nkernel = /k\n", "runway.conf:1:", "default");
	PARSE_FAILS("default = 65\n", "runway.conf:1:", "default");
}

/* Global keys alone tune a menu of BLS entries: the parser accepts them
 * and leaves the whole-menu rules to config_check_menu, after the merge. */
static void test_global_keys_alone_accepted_with_bls(void **state)
{
	(void)state;
	struct rw_err err = { "" };

	PARSE_OK("timeout = 3\nbls = yes\n");
	assert_int_equal(cfg->nentries, 0);
	assert_int_equal(cfg->timeout, 3);
	assert_true(cfg->timeout_set);
	assert_int_equal(config_check_menu(cfg, &err), -1);
	assert_non_null(strstr(err.msg, "no entries"));
	assert_non_null(strstr(err.msg, "runway.conf, /loader/entries, /EFI/Linux"));
	PARSE_OK("");
	assert_int_equal(cfg->nentries, 0);
	PARSE_OK("# only a comment\nmap-dump = yes\n");
	assert_true(cfg->map_dump);
	/* Two BLS entries merged after it: a menu. */
	cfg->nentries = 2;
	assert_int_equal(config_check_menu(cfg, &err), 0);
}

/* A default past runway.conf's entries may name a BLS entry: checked on
 * the merged menu, with the default's line. */
static void test_default_checked_against_the_merged_menu(void **state)
{
	(void)state;
	struct rw_err err = { "" };

	PARSE_OK("timeout = 1\nkernel = /k\n\ndefault = 3\n");
	assert_int_equal(cfg->nentries, 1);
	assert_int_equal(cfg->default_entry, 2);
	assert_int_equal(config_check_menu(cfg, &err), -1);
	assert_non_null(strstr(err.msg, "runway.conf:4: default = 3, but there are only 1 entries"));
	assert_non_null(strstr(err.msg, "/loader/entries"));
	cfg->nentries = 2; /* one BLS entry: still short */
	assert_int_equal(config_check_menu(cfg, &err), -1);
	assert_non_null(strstr(err.msg, "only 2 entries"));
	cfg->nentries = 3;
	assert_int_equal(config_check_menu(cfg, &err), 0);
}

/* `default = 1` and no default line look alike in default_entry:
 * default_set tells them apart (loader.conf's glob yields to the line). */
static void test_default_set_tells_default_1_from_none(void **state)
{
	(void)state;
	PARSE_OK("kernel = /k\n");
	assert_false(cfg->default_set);
	assert_int_equal(cfg->default_entry, 0);
	PARSE_OK("kernel = /k\ndefault = 1\n");
	assert_true(cfg->default_set);
	assert_int_equal(cfg->default_line, 2);
	assert_int_equal(cfg->default_entry, 0);
}

static void test_timeout_bounds(void **state)
{
	(void)state;
	PARSE_OK("timeout = 3600\nkernel = /k\n");
	assert_int_equal(cfg->timeout, 3600);
	PARSE_FAILS("timeout = 3601\nkernel = /k\n", "runway.conf:1:", "timeout");
	PARSE_FAILS("timeout = -1\nkernel = /k\n", "runway.conf:1:", "timeout");
	PARSE_FAILS("timeout = 5s\nkernel = /k\n", "runway.conf:1:", "timeout");
	PARSE_FAILS("timeout = 99999999999999999999999\nkernel = /k\n",
		    "runway.conf:1:", "timeout");
}

static void test_fragment_sizes(void **state)
{
	(void)state;
	static const struct { const char *v; uint64_t bytes; } ok[] = {
		{ "4096", 4096 }, { "4K", 4096 }, { "64k", 65536 },
		{ "2M", 2u << 20 }, { "1G", 1u << 30 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char text[64];
		int n = snprintf(text, sizeof text, "fragment = %s\nkernel = /k\n", ok[i].v);
		parse_ok(text, (size_t)n);
		assert_int_equal(cfg->fragment, ok[i].bytes);
	}
	PARSE_FAILS("fragment = 4095\nkernel = /k\n", "runway.conf:1:", "fragment");
	PARSE_FAILS("fragment = 2X\nkernel = /k\n", "runway.conf:1:", "fragment");
	PARSE_FAILS("fragment = M\nkernel = /k\n", "runway.conf:1:", "fragment");
	PARSE_FAILS("fragment = 2MB\nkernel = /k\n", "runway.conf:1:", "fragment");
	PARSE_FAILS("fragment = 99999999999G\nkernel = /k\n", "runway.conf:1:", "fragment");
}

static void test_modules_with_strings_and_hashes(void **state)
{
	(void)state;
	PARSE_OK("kernel = /k\n"
		 "module = /initrd.img\n"
		 "module = /font.psf   the   font \n"
		 "module-sha256 = " "0123456789abcdef0123456789abcdef"
		 "0123456789ABCDEF0123456789ABCDEF\n"
		 "sha256 = " "ffffffffffffffffffffffffffffffff"
		 "00000000000000000000000000000000\n");
	const struct config_entry *e = &cfg->entries[0];
	assert_int_equal(e->nmodules, 2);
	assert_string_equal(e->modules[0].path, "/initrd.img");
	assert_string_equal(e->modules[0].string, "");
	assert_string_equal(e->modules[1].path, "/font.psf");
	assert_string_equal(e->modules[1].string, "the   font");
	assert_true(e->modules[0].has_sha256);
	assert_false(e->modules[1].has_sha256);
	assert_int_equal(e->modules[0].sha256[0], 0x01);
	assert_int_equal(e->modules[0].sha256[31], 0xef);
	assert_true(e->has_sha256);
	assert_int_equal(e->sha256[0], 0xff);
	assert_int_equal(e->sha256[31], 0x00);
}

static void test_bad_hashes_and_module_lines_rejected(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\nsha256 = abc\n", "runway.conf:2:", "sha256");
	PARSE_FAILS("kernel = /k\nsha256 = " "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdeg\n", "runway.conf:2:", "sha256");
	PARSE_FAILS("kernel = /k\nmodule =\n", "runway.conf:2:", "module");
	/* More hashes than modules. */
	PARSE_FAILS("kernel = /k\nmodule-sha256 = " "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef\n", "module-sha256");
	PARSE_FAILS("kernel = /a\nkernel = /b\n", "runway.conf:2:", "kernel");
}

static void test_too_many_modules_rejected(void **state)
{
	(void)state;
	char text[1024];
	size_t n = (size_t)snprintf(text, sizeof text, "kernel = /k\n");
	for (int i = 0; i <= CONFIG_MAX_MODULES; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "module = /m%d\n", i);
	char line[32];
	snprintf(line, sizeof line, "runway.conf:%d:", CONFIG_MAX_MODULES + 2);
	parse_fails(text, n, (const char *const[]){ line, "modules", NULL });
}

static void test_too_many_entries_rejected(void **state)
{
	(void)state;
	size_t cap = (CONFIG_MAX_ENTRIES + 2) * 40, n = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (int i = 0; i <= CONFIG_MAX_ENTRIES; i++)
		n += (size_t)snprintf(text + n, cap - n, "entry = e%d\nkernel = /k\n", i);
	struct rw_err err = { "" };
	int r = config_parse(text, n, cfg, &err);
	free(text);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, "entries"));
}

/* ---- protocol = NAME ---- */

static void test_protocol_absent_is_empty_and_means_runway(void **state)
{
	(void)state;
	PARSE_OK("kernel = /k\n");
	assert_string_equal(cfg->entries[0].protocol, "");
	assert_string_equal(config_protocol_name(&cfg->entries[0]), "runway");
	/* Not inherited from the entry before. */
	PARSE_OK("entry = A\nkernel = /a\nprotocol = limine\n"
		 "entry = B\nkernel = /b\n");
	assert_string_equal(cfg->entries[0].protocol, "limine");
	assert_string_equal(cfg->entries[1].protocol, "");
	assert_string_equal(config_protocol_name(&cfg->entries[1]), "runway");
}

static void test_protocol_names_accepted_before_or_after_kernel(void **state)
{
	(void)state;
	/* The parser knows no names: any lowercase/digit/'-' name of 1..15. */
	static const char *const names[] = {
		"runway", "limine", "multiboot2", "multiboot1", "x", "7", "-",
		"linux-efi", "abcdefghij-1234" /* 15 bytes */,
	};
	static const char *const forms[] = {
		"kernel = /k\nprotocol = %s\n",
		"protocol = %s\nkernel = /k\n",
		"entry = T\nprotocol=%s\ncmdline = x\nkernel = /k\n",
		"entry = T\nkernel = /k\n\tprotocol \t= %s \r\n",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
			char text[128];
			int n = snprintf(text, sizeof text, forms[f], names[i]);
			parse_ok(text, (size_t)n);
			assert_string_equal(cfg->entries[0].protocol, names[i]);
			assert_string_equal(config_protocol_name(&cfg->entries[0]), names[i]);
		}
	}
}

static void test_protocol_bad_characters_rejected_with_line_and_value(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"Limine", "RUNWAY", "multi boot", "multiboot_2", "multiboot.2",
		"limine!", "/runway", "runway;", "l\xc3\xafmine", "tab\there",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[128];
		int n = snprintf(text, sizeof text, "kernel = /k\n# x\nprotocol = %s\n", bad[i]);
		parse_fails(text, (size_t)n,
			    (const char *const[]){ "runway.conf:3:", "protocol", bad[i], NULL });
	}
	PARSE_FAILS("kernel = /k\nprotocol =\n", "runway.conf:2:", "protocol");
}

static void test_protocol_longer_than_15_rejected_with_line_and_value(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\nprotocol = abcdefghij-12345\n",
		    "runway.conf:2:", "protocol", "abcdefghij-12345", "15");
	char text[512];
	int n = snprintf(text, sizeof text, "protocol = %0300d\nkernel = /k\n", 0);
	parse_fails(text, (size_t)n,
		    (const char *const[]){ "runway.conf:1:", "protocol", "0000000000", NULL });
}

static void test_protocol_on_efi_entry_rejected_in_either_order(void **state)
{
	(void)state;
	PARSE_FAILS("efi = /a.efi\nprotocol = runway\n",
		    "runway.conf:1:", "/a.efi", "'protocol' is for kernel entries");
	PARSE_FAILS("entry = Shell\nprotocol = runway\nefi = /shell.efi\n",
		    "runway.conf:1:", "Shell", "'protocol' is for kernel entries");
	/* In a middle entry: reported when the next one starts, at its own
	 * first line. */
	PARSE_FAILS("entry = A\nkernel = /a\n\n"
		    "entry = B\nprotocol = limine\nefi = /b.efi\n"
		    "entry = C\nkernel = /c\n",
		    "runway.conf:4:", "'B'", "'protocol' is for kernel entries");
}

static void test_protocol_on_verify_entry_rejected_in_either_order(void **state)
{
	(void)state;
	PARSE_FAILS("verify = /k.elf\nprotocol = runway\n",
		    "runway.conf:1:", "/k.elf", "'protocol' is for kernel entries");
	PARSE_FAILS("timeout = 0\nentry = Check\nprotocol = multiboot2\nverify = /k.elf\n",
		    "runway.conf:2:", "Check", "'protocol' is for kernel entries");
}

static void test_protocol_repeated_in_one_entry_rejected(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\nprotocol = limine\nprotocol = limine\n",
		    "runway.conf:3:", "protocol", "limine");
	PARSE_FAILS("protocol = runway\nkernel = /k\ncmdline = x\nprotocol = multiboot1\n",
		    "runway.conf:4:", "protocol", "runway");
	/* One each in two entries is fine. */
	PARSE_OK("entry = A\nprotocol = limine\nkernel = /a\n"
		 "entry = B\nkernel = /b\nprotocol = multiboot2\n");
	assert_string_equal(cfg->entries[0].protocol, "limine");
	assert_string_equal(cfg->entries[1].protocol, "multiboot2");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static void test_efi_entry_with_initrd(void **state)
{
	(void)state;
	PARSE_OK("entry = Linux\n"
		 "efi = /EFI/linux/vmlinuz.efi\n"
		 "cmdline = console=ttyS0 quiet\n"
		 "initrd = /EFI/linux/initrd.img\n"
		 "initrd-sha256 = 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
		 "entry = Shell\n"
		 "efi = /shell.efi\n");
	assert_int_equal(cfg->nentries, 2);
	assert_int_equal(cfg->entries[0].kind, CONFIG_EFI);
	assert_string_equal(cfg->entries[0].path, "/EFI/linux/vmlinuz.efi");
	assert_string_equal(cfg->entries[0].cmdline, "console=ttyS0 quiet");
	assert_int_equal(cfg->entries[0].ninitrds, 1);
	assert_string_equal(cfg->entries[0].initrds[0].path, "/EFI/linux/initrd.img");
	assert_true(cfg->entries[0].initrds[0].has_sha256);
	assert_int_equal(cfg->entries[0].initrds[0].sha256[0], 0x9f);
	assert_int_equal(cfg->entries[0].initrds[0].sha256[31], 0x08);
	assert_int_equal(cfg->entries[1].kind, CONFIG_EFI);
	assert_int_equal(cfg->entries[1].ninitrds, 0);
	assert_false(cfg->entries[1].initrds[0].has_sha256);
	assert_string_equal(config_kind_name(CONFIG_EFI), "efi");
}

static void test_efi_entry_misuse_rejected(void **state)
{
	(void)state;
	PARSE_FAILS("efi = /a.efi\nmodule = /m.bin\n", "runway.conf:1", "'module' is for kernel entries");
	PARSE_FAILS("kernel = /k.elf\ninitrd = /i.img\n", "runway.conf:1", "'initrd' is for efi entries");
	PARSE_FAILS("efi = /a.efi\nkernel = /k.elf\n", "runway.conf:2", "already has a 'efi'");
	PARSE_FAILS("entry = empty\ncmdline = x\n", "has no 'kernel', 'verify' or 'efi'");
	PARSE_FAILS("efi =\n", "runway.conf:1");
	PARSE_FAILS("efi = /a.efi\ninitrd-sha256 = 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
		    "runway.conf:1", "pins an initrd it does not have");
}

#define HASH_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HASH_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

/* Repeated initrd lines are kept in order; the Nth initrd-sha256 pins the
 * Nth initrd, so a pin written under its initrd pins that one. */
static void test_initrds_repeat_in_order_with_their_pins(void **state)
{
	(void)state;
	PARSE_OK("efi = /vmlinuz.efi\n"
		 "initrd = /microcode.img\n"
		 "initrd-sha256 = " HASH_A "\n"
		 "initrd = /initrd.img\n"
		 "initrd-sha256 = " HASH_B "\n"
		 "initrd = /extra.cpio\n");
	const struct config_entry *e = &cfg->entries[0];
	assert_int_equal(e->ninitrds, 3);
	assert_string_equal(e->initrds[0].path, "/microcode.img");
	assert_string_equal(e->initrds[1].path, "/initrd.img");
	assert_string_equal(e->initrds[2].path, "/extra.cpio");
	assert_true(e->initrds[0].has_sha256);
	assert_int_equal(e->initrds[0].sha256[0], 0x9f);
	assert_true(e->initrds[1].has_sha256);
	assert_int_equal(e->initrds[1].sha256[0], 0x60);
	assert_false(e->initrds[2].has_sha256);
	assert_int_equal(e->ninitrd_sha256, 2);
}

/* A pin before its initrd still pins it (keys come in any order). */
static void test_initrd_pin_before_its_initrd_accepted(void **state)
{
	(void)state;
	PARSE_OK("efi = /a.efi\ninitrd-sha256 = " HASH_A "\ninitrd = /i\n");
	assert_int_equal(cfg->entries[0].ninitrds, 1);
	assert_true(cfg->entries[0].initrds[0].has_sha256);
}

static void test_too_many_initrds_rejected_with_line(void **state)
{
	(void)state;
	PARSE_OK("efi = /a.efi\n"
		 "initrd = /1\ninitrd = /2\ninitrd = /3\ninitrd = /4\n"
		 "initrd = /5\ninitrd = /6\ninitrd = /7\ninitrd = /8\n");
	assert_int_equal(cfg->entries[0].ninitrds, CONFIG_MAX_INITRDS);
	assert_string_equal(cfg->entries[0].initrds[7].path, "/8");
	PARSE_FAILS("entry = L\nefi = /a.efi\n"
		    "initrd = /1\ninitrd = /2\ninitrd = /3\ninitrd = /4\n"
		    "initrd = /5\ninitrd = /6\ninitrd = /7\ninitrd = /8\n"
		    "initrd = /9\n",
		    "runway.conf:11:", "more than 8 initrds in entry 'L'");
	PARSE_FAILS("efi = /a.efi\n"
		    "initrd-sha256 = " HASH_A "\ninitrd-sha256 = " HASH_A "\n"
		    "initrd-sha256 = " HASH_A "\ninitrd-sha256 = " HASH_A "\n"
		    "initrd-sha256 = " HASH_A "\ninitrd-sha256 = " HASH_A "\n"
		    "initrd-sha256 = " HASH_A "\ninitrd-sha256 = " HASH_A "\n"
		    "initrd-sha256 = " HASH_A "\n",
		    "runway.conf:10:", "more than 8 initrd-sha256 lines");
}

static void test_more_initrd_pins_than_initrds_rejected(void **state)
{
	(void)state;
	PARSE_FAILS("entry = L\nefi = /a.efi\ninitrd = /i\n"
		    "initrd-sha256 = " HASH_A "\ninitrd-sha256 = " HASH_B "\n",
		    "runway.conf:1:", "entry 'L' pins an initrd it does not have",
		    "2 initrd-sha256 lines for 1 initrds");
	PARSE_FAILS("efi = /a.efi\ninitrd = /i\ninitrd-sha256 = 12\n",
		    "runway.conf:3:", "'initrd-sha256' must be 64 hexadecimal digits");
	PARSE_FAILS("efi = /a.efi\ninitrd = /i\ninitrd = /b/../i\n",
		    "runway.conf:3:", "'initrd' path '/b/../i'");
}

static void test_bls_key_defaults_to_yes(void **state)
{
	(void)state;
	PARSE_OK("kernel = /k\n");
	assert_false(cfg->bls_off);
	PARSE_OK("bls = no\nkernel = /k\n");
	assert_true(cfg->bls_off);
	PARSE_OK("kernel = /k\nbls = yes\n");
	assert_false(cfg->bls_off);
	PARSE_FAILS("bls = maybe\nkernel = /k\n", "runway.conf:1:", "'bls' must be yes or no");
}

static void test_fragment_size_bounded(void **state)
{
	(void)state;
	PARSE_OK("fragment = 1T\nkernel = /k\n");
	assert_int_equal(cfg->fragment, 1ull << 40);
	PARSE_FAILS("fragment = 2T\nkernel = /k\n", "runway.conf:1", "at most 1T");
	PARSE_FAILS("fragment = 8589934592G\nkernel = /k\n", "runway.conf:1", "at most 1T");
	PARSE_FAILS("fragment = 2K\nkernel = /k\n", "runway.conf:1", "at least 4K");
}

/* Every shipped example config parses (make run boots examples/demo.conf). */
static void test_shipped_examples_parse(void **state)
{
	(void)state;
	const char *files[] = { "examples/demo.conf" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		FILE *fp = fopen(files[i], "rb");
		if (!fp)
			fail_msg("%s: cannot open (run from the repository root)", files[i]);
		static char text[65536];
		size_t len = fread(text, 1, sizeof text, fp);
		fclose(fp);
		struct rw_err err = { "" };
		if (config_parse(text, len, cfg, &err))
			fail_msg("%s: %s", files[i], err.msg);
		assert_true(cfg->nentries >= 1);
	}
}

/* README.md's menu example (the fenced block after "A menu has entries:")
 * is what users copy: it must parse, with its five entries. */
static void test_readme_menu_example_parses(void **state)
{
	(void)state;
	FILE *fp = fopen("README.md", "rb");
	if (!fp)
		fail_msg("README.md: cannot open (run from the repository root)");
	static char line[512], text[8192];
	size_t len = 0;
	int stage = 0; /* 0: before the marker, 1: before the fence, 2: in it */
	while (fgets(line, sizeof line, fp) && stage < 3) {
		const char *l = line;
		while (*l == ' ')
			l++;
		if (stage == 0 && strstr(l, "A menu has entries:") == l)
			stage = 1;
		else if (stage == 1 && strncmp(l, "```", 3) == 0)
			stage = 2;
		else if (stage == 2 && strncmp(l, "```", 3) == 0)
			stage = 3;
		else if (stage == 2 && len + strlen(l) < sizeof text)
			len += (size_t)sprintf(text + len, "%s", l);
	}
	fclose(fp);
	if (stage != 3)
		fail_msg("README.md: no fenced block after 'A menu has entries:'");
	struct rw_err err = { "" };
	if (config_parse(text, len, cfg, &err))
		fail_msg("README.md's menu example: %s", err.msg);
	assert_int_equal(cfg->nentries, 5);
	assert_int_equal(cfg->entries[0].nmodules, 1);
	assert_string_equal(cfg->entries[0].modules[0].path, "/boot/initrd.img");
	assert_string_equal(cfg->entries[1].protocol, "limine");
	assert_string_equal(cfg->entries[2].protocol, "multiboot2");
	assert_string_equal(cfg->entries[4].initrds[0].path, "/EFI/linux/initrd.img");
}

/* docs/CONFIG.md promises that each of its ```conf blocks is a complete
 * runway.conf: every one must parse. */
static void test_config_md_examples_parse(void **state)
{
	(void)state;
	FILE *fp = fopen("docs/CONFIG.md", "rb");
	if (!fp)
		fail_msg("docs/CONFIG.md: cannot open (run from the repository root)");
	static char line[2048], text[16384];
	size_t len = 0, blocks = 0, lineno = 0, start = 0;
	bool in_block = false;
	while (fgets(line, sizeof line, fp)) {
		lineno++;
		size_t n = strlen(line);
		if (!in_block && strcmp(line, "```conf\n") == 0) {
			in_block = true;
			len = 0;
			start = lineno;
		} else if (in_block && strncmp(line, "```", 3) == 0) {
			in_block = false;
			blocks++;
			struct rw_err err = { "" };
			if (config_parse(text, len, cfg, &err))
				fail_msg("docs/CONFIG.md:%zu: the example does not parse: %s",
					 start, err.msg);
		} else if (in_block && len + n < sizeof text) {
			memcpy(text + len, line, n);
			len += n;
		}
	}
	fclose(fp);
	if (in_block)
		fail_msg("docs/CONFIG.md:%zu: the block never ends", start);
	/* One example a key at least: the test is not empty. */
	assert_true(blocks >= 20);
}

static void test_paths_the_firmware_cannot_open_rejected_with_line(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /boot/../kernel.elf\n", "runway.conf:1:", "'kernel'",
		    "..");
	PARSE_FAILS("timeout = 0\nefi = /EFI/caf\xc3\xa9.efi\n", "runway.conf:2:",
		    "'efi'");
	PARSE_FAILS("verify = /boot/\n", "runway.conf:1:", "'verify'");
	PARSE_FAILS("efi = /a.efi\ninitrd = /boot/./initrd.img\n", "runway.conf:2:",
		    "'initrd'");
	PARSE_FAILS("kernel = /k.elf\nmodule = /m/../x.bin str\n", "runway.conf:2:",
		    "'module'");
}

static void test_paths_in_either_separator_accepted(void **state)
{
	(void)state;
	PARSE_OK("kernel = boot\\kernel.elf\nmodule = //boot//m.bin\n");
	assert_string_equal(cfg->entries[0].path, "boot\\kernel.elf");
	assert_string_equal(cfg->entries[0].modules[0].path, "//boot//m.bin");
}

/* ==== control bytes (issue 11, defect 8) ==== */

static void test_nul_in_a_path_rejected_with_line(void **state)
{
	(void)state;
	/* The C string would stop at the NUL: "/boot/k.elf" would load. */
	PARSE_FAILS("timeout = 1\nkernel = /boot/k.elf\0.evil\n", "runway.conf:2:",
		    "0x00", "column 21");
	/* A value of nothing but a NUL would pass as a non-empty path. */
	PARSE_FAILS("kernel = \0\n", "runway.conf:1:", "0x00");
}

static void test_control_bytes_in_values_rejected_with_line(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\ncmdline = a\x1b[2Jb\n", "runway.conf:2:", "0x1b");
	PARSE_FAILS("entry = T\x07itle\nkernel = /k\n", "runway.conf:1:", "0x07");
	PARSE_FAILS("kernel = /k\ncmdline = a\rb\n", "runway.conf:2:", "0x0d");
	PARSE_FAILS("kernel = /k\ncmdline = a\x7f" "b\n", "runway.conf:2:", "0x7f");
	PARSE_FAILS("kernel = /k\nmodule = /m.bin s\x01t\n", "runway.conf:2:", "0x01");
	/* In a key too. */
	PARSE_FAILS("ker\x02nel = /k\n", "runway.conf:1:", "0x02");
}

static void test_tabs_and_utf8_in_values_accepted(void **state)
{
	(void)state;
	PARSE_OK("entry = Caf\xc3\xa9\tkernel\nkernel = /k\ncmdline =\ta\tb\t\r\n");
	assert_string_equal(cfg->entries[0].title, "Caf\xc3\xa9\tkernel");
	assert_string_equal(cfg->entries[0].cmdline, "a\tb");
	/* A comment is not a value: anything goes there. */
	PARSE_OK("# \x01\x02\0\x7f\nkernel = /k\n");
}

/* ==== clearer messages (issue 11) ==== */

#define HASH64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_single_value_keys_repeated_in_an_entry_rejected(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\ncmdline = a\ncmdline = b\n", "runway.conf:3:",
		    "already has a 'cmdline'");
	/* An empty cmdline was given all the same. */
	PARSE_FAILS("kernel = /k\ncmdline =\ncmdline = b\n", "runway.conf:3:",
		    "'cmdline'");
	PARSE_FAILS("kernel = /k\nsha256 = " HASH64 "\nsha256 = " HASH64 "\n",
		    "runway.conf:3:", "already has a 'sha256'");
	PARSE_FAILS("kernel = /k\nkaslr = no\nkaslr = no\n", "runway.conf:3:",
		    "already has a 'kaslr'");
	/* initrd-sha256 repeats, one for each initrd (see
	 * test_more_initrd_pins_than_initrds_rejected). */
	PARSE_FAILS("efi = /a.efi\ninitrd = /i\ninitrd-sha256 = " HASH64
		    "\ninitrd-sha256 = " HASH64 "\n", "runway.conf:1:",
		    "pins an initrd it does not have");
}

static void test_single_value_keys_once_per_entry_accepted(void **state)
{
	(void)state;
	PARSE_OK("entry = a\nkernel = /k\ncmdline = x\nkaslr = no\nsha256 = " HASH64 "\n"
		 "entry = b\nkernel = /k\ncmdline = y\nkaslr = yes\nsha256 = " HASH64 "\n");
	assert_string_equal(cfg->entries[0].cmdline, "x");
	assert_false(cfg->entries[0].kaslr);
	assert_string_equal(cfg->entries[1].cmdline, "y");
	assert_true(cfg->entries[1].kaslr);
	/* Global keys may still repeat: the last one counts. */
	PARSE_OK("timeout = 3\nkernel = /k\ntimeout = 4\n");
	assert_int_equal(cfg->timeout, 4);
}

static void test_sha256_of_the_wrong_length_gives_its_length(void **state)
{
	(void)state;
	PARSE_FAILS("kernel = /k\nsha256 = abc\n", "runway.conf:2:", "'sha256'",
		    "64 hexadecimal digits", "not 3");
	/* sha256sum's whole line pasted: digest, blanks, file name. */
	PARSE_FAILS("kernel = /k\nsha256 = " HASH64 "  kernel.elf\n", "runway.conf:2:",
		    "not 76");
	PARSE_FAILS("kernel = /k.elf\nmodule = /m\nmodule-sha256 = " HASH64 "0\n",
		    "runway.conf:3:", "'module-sha256'", "not 65");
	/* The right length with a bad digit names the digit. */
	PARSE_FAILS("kernel = /k\nsha256 = " "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdeg\n", "runway.conf:2:",
		    "'g' at position 64");
}

static void test_config_size_limit_named(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	assert_int_equal(config_check_size(0, &err), 0);
	assert_int_equal(config_check_size(CONFIG_FILE_MAX, &err), 0);
	assert_int_equal(config_check_size(CONFIG_FILE_MAX + 1, &err), -1);
	assert_string_equal(err.msg, "runway.conf: 1048577 bytes, over the limit of 1048576 bytes (1 MiB)");
	assert_int_equal(config_check_size(UINT64_MAX, &err), -1);
	assert_non_null(strstr(err.msg, "18446744073709551615 bytes"));
}

/* ==== one path limit (issue 11, defect 6) ==== */

static void test_efi_path_limit_is_config_path_max_bytes(void **state)
{
	(void)state;
	char path[CONFIG_PATH_MAX + 8];
	uint16_t w[CONFIG_EFI_PATH_UNITS];
	struct rw_err err = { "" };

	/* 255 bytes, with or without the leading '/': accepted whole. */
	memset(path, 'a', CONFIG_PATH_MAX - 1);
	path[CONFIG_PATH_MAX - 1] = 0;
	assert_true(config_efi_path(path, w, &err));
	assert_int_equal(w[0], '\\');
	assert_int_equal(w[CONFIG_PATH_MAX], 0);
	path[0] = '/';
	assert_true(config_efi_path(path, w, &err));
	assert_int_equal(w[CONFIG_PATH_MAX - 1], 0);
	/* 256 bytes: refused, even when repeated separators would make the
	 * EFI path short enough (the file opened and the path a message
	 * names must be the same string). */
	memset(path, '/', 200);
	memset(path + 200, 'b', CONFIG_PATH_MAX - 200);
	path[CONFIG_PATH_MAX] = 0;
	memset(w, 0x55, sizeof w);
	assert_false(config_efi_path(path, w, &err));
	assert_non_null(strstr(err.msg, "256 bytes"));
	assert_non_null(strstr(err.msg, "255"));
	assert_int_equal(w[0], 0x5555);
	/* The parser says the same, with the line. */
	char text[CONFIG_PATH_MAX + 32];
	int n = snprintf(text, sizeof text, "timeout = 1\nmodule = %s x\nkernel = /k\n", path);
	parse_fails(text, (size_t)n, (const char *const[]){ "runway.conf:2:", "'module'", NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_all_keys_parsed_with_spaces_trimmed),
		T(test_efi_path_limit_is_config_path_max_bytes),
		T(test_single_value_keys_repeated_in_an_entry_rejected),
		T(test_single_value_keys_once_per_entry_accepted),
		T(test_sha256_of_the_wrong_length_gives_its_length),
		T(test_config_size_limit_named),
		T(test_nul_in_a_path_rejected_with_line),
		T(test_control_bytes_in_values_rejected_with_line),
		T(test_tabs_and_utf8_in_values_accepted),
		T(test_paths_the_firmware_cannot_open_rejected_with_line),
		T(test_paths_in_either_separator_accepted),
		T(test_shipped_examples_parse),
		T(test_readme_menu_example_parses),
		T(test_config_md_examples_parse),
		T(test_fragment_size_bounded),
		T(test_efi_entry_with_initrd),
		T(test_efi_entry_misuse_rejected),
		T(test_initrds_repeat_in_order_with_their_pins),
		T(test_initrd_pin_before_its_initrd_accepted),
		T(test_too_many_initrds_rejected_with_line),
		T(test_more_initrd_pins_than_initrds_rejected),
		T(test_bls_key_defaults_to_yes),
		T(test_booleans_default_to_no_and_accept_every_spelling),
		T(test_comments_and_blank_lines_ignored),
		T(test_crlf_line_endings),
		T(test_utf8_bom_skipped),
		T(test_last_line_without_newline),
		T(test_value_may_contain_equals_and_hash),
		T(test_text_is_bounded_by_len),
		T(test_unknown_key_rejected_with_line_and_key),
		T(test_missing_equals_rejected_with_line),
		T(test_bad_boolean_rejected_with_line_and_key),
		T(test_overlong_kernel_path_rejected_with_line_and_key),
		T(test_overlong_cmdline_rejected_with_line_and_key),
		T(test_missing_kernel_rejected),
		T(test_line_numbers_count_every_line),
		T(test_global_keys_read_before_an_error_are_kept),
		T(test_several_entries_with_titles),
		T(test_default_beyond_entries_rejected),
		T(test_global_keys_alone_accepted_with_bls),
		T(test_default_checked_against_the_merged_menu),
		T(test_default_set_tells_default_1_from_none),
		T(test_timeout_bounds),
		T(test_fragment_sizes),
		T(test_modules_with_strings_and_hashes),
		T(test_bad_hashes_and_module_lines_rejected),
		T(test_too_many_modules_rejected),
		T(test_too_many_entries_rejected),
		T(test_protocol_absent_is_empty_and_means_runway),
		T(test_protocol_names_accepted_before_or_after_kernel),
		T(test_protocol_bad_characters_rejected_with_line_and_value),
		T(test_protocol_longer_than_15_rejected_with_line_and_value),
		T(test_protocol_on_efi_entry_rejected_in_either_order),
		T(test_protocol_on_verify_entry_rejected_in_either_order),
		T(test_protocol_repeated_in_one_entry_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
