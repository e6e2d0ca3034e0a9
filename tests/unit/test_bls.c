/*
 * test_bls.c - Boot Loader Specification entries, the version comparison
 * and the menu order, globs, loader.conf and os-release (include/bls.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bls.h"

static struct bls_entry *ent; /* large: on the heap */

static int setup(void **state)
{
	(void)state;
	ent = malloc(sizeof *ent);
	return ent ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ent);
	ent = NULL;
	return 0;
}

static void entry_ok(const char *id, const char *text, size_t len)
{
	struct rw_err err = { "" };
	memset(ent, 0x5a, sizeof *ent);
	int r = bls_parse_entry(id, text, len, ent, &err);
	if (r != 1)
		fail_msg("bls_parse_entry returned %d: %s", r, err.msg);
}

#define ENTRY_OK(id, s) entry_ok(id, s, sizeof(s) - 1)

/* Must return `want` with a message containing every one of the strings. */
static void entry_fails(int want, const char *id, const char *text, size_t len,
			const char *const *msgs)
{
	struct rw_err err = { "" };
	int r = bls_parse_entry(id, text, len, ent, &err);
	if (r != want)
		fail_msg("returned %d, not %d (message '%s'); expected '%s'", r, want,
			 err.msg, msgs[0]);
	for (size_t i = 0; msgs[i]; i++)
		if (!strstr(err.msg, msgs[i]))
			fail_msg("message '%s' does not mention '%s'", err.msg, msgs[i]);
}

#define ENTRY_FAILS(id, s, ...) \
	entry_fails(-1, id, s, sizeof(s) - 1, (const char *const[]){ __VA_ARGS__, NULL })
#define ENTRY_SKIPPED(id, s, ...) \
	entry_fails(0, id, s, sizeof(s) - 1, (const char *const[]){ __VA_ARGS__, NULL })

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- entries ---- */

static void test_the_specifications_example_entry(void **state)
{
	(void)state;
	ENTRY_OK("6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf",
		 "# /boot/loader/entries/6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf\n"
		 "title        Fedora 19 (Rawhide)\n"
		 "sort-key     fedora\n"
		 "machine-id   6a9857a393724b7a981ebb5b8495b9ea\n"
		 "version      3.8.0-2.fc19.x86_64\n"
		 "options      root=UUID=6d3376e4-fc93-4509-95ec-a21d68011da2 quiet\n"
		 "architecture x64\n"
		 "linux        /6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/linux\n"
		 "initrd       /6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/initrd\n");
	assert_string_equal(ent->id, "6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf");
	assert_string_equal(ent->e.title, "Fedora 19 (Rawhide)");
	assert_string_equal(ent->sort_key, "fedora");
	assert_string_equal(ent->machine_id, "6a9857a393724b7a981ebb5b8495b9ea");
	assert_string_equal(ent->version, "3.8.0-2.fc19.x86_64");
	assert_string_equal(ent->e.cmdline, "root=UUID=6d3376e4-fc93-4509-95ec-a21d68011da2 quiet");
	assert_int_equal(ent->e.kind, CONFIG_EFI);
	assert_int_equal(ent->e.origin, CONFIG_FROM_BLS);
	assert_int_equal(ent->e.line, 1);
	assert_string_equal(ent->e.path, "/6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/linux");
	assert_int_equal(ent->e.ninitrds, 1);
	assert_string_equal(ent->e.initrds[0].path, "/6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/initrd");
	assert_false(ent->e.initrds[0].has_sha256);
	assert_false(ent->e.has_sha256);
	assert_false(ent->devicetree_ignored);
	assert_string_equal(ent->e.protocol, "");
	assert_int_equal(ent->e.nmodules, 0);
}

static void test_initrds_in_order_and_options_joined(void **state)
{
	(void)state;
	ENTRY_OK("a.conf",
		 "linux /vmlinuz\n"
		 "initrd /intel-ucode.img\n"
		 "options root=/dev/vda1\n"
		 "initrd /initrd.img\n"
		 "options   console=ttyS0   quiet  \n"
		 "initrd /extra.cpio\n"
		 "options\n");
	assert_int_equal(ent->e.ninitrds, 3);
	assert_string_equal(ent->e.initrds[0].path, "/intel-ucode.img");
	assert_string_equal(ent->e.initrds[1].path, "/initrd.img");
	assert_string_equal(ent->e.initrds[2].path, "/extra.cpio");
	/* Blanks inside a value stay; around it they go; an empty options
	 * line adds nothing. */
	assert_string_equal(ent->e.cmdline, "root=/dev/vda1 console=ttyS0   quiet");
}

static void test_efi_key_makes_an_efi_entry(void **state)
{
	(void)state;
	ENTRY_OK("shell.conf", "title UEFI Shell\nefi /EFI/tools/shell.efi\noptions -nostartup\n");
	assert_int_equal(ent->e.kind, CONFIG_EFI);
	assert_string_equal(ent->e.path, "/EFI/tools/shell.efi");
	assert_string_equal(ent->e.cmdline, "-nostartup");
	assert_int_equal(ent->e.ninitrds, 0);
}

static void test_paths_are_normalised_to_runway_form(void **state)
{
	(void)state;
	ENTRY_OK("a.conf", "linux vmlinuz-6.1\ninitrd 6a98//6.1///initrd\ninitrd //x\n");
	assert_string_equal(ent->e.path, "/vmlinuz-6.1");
	assert_string_equal(ent->e.initrds[0].path, "/6a98/6.1/initrd");
	assert_string_equal(ent->e.initrds[1].path, "/x");
}

static void test_title_defaults_to_the_id_and_version(void **state)
{
	(void)state;
	ENTRY_OK("debian-6.1.0.conf", "linux /k\n");
	assert_string_equal(ent->e.title, "debian-6.1.0");
	ENTRY_OK("debian.conf", "linux /k\nversion 6.1.0-18-amd64\n");
	assert_string_equal(ent->e.title, "debian (6.1.0-18-amd64)");
	ENTRY_OK("debian.conf", "title x\ntitle \"\"\nlinux /k\n");
	assert_string_equal(ent->e.title, "debian");
	/* A file name without .conf is used whole. */
	ENTRY_OK("odd", "linux /k\n");
	assert_string_equal(ent->e.title, "odd");
}

static void test_long_title_is_cut_with_dots(void **state)
{
	(void)state;
	ENTRY_OK("a.conf", "title 0123456789012345678901234567890123456789012345678901234567890123456789\nlinux /k\n");
	assert_int_equal(strlen(ent->e.title), CONFIG_TITLE_MAX - 1);
	assert_string_equal(ent->e.title + CONFIG_TITLE_MAX - 4, "...");
	assert_memory_equal(ent->e.title, "012345678901234567890123456789", 30);
	/* exactly 63 bytes: whole */
	ENTRY_OK("a.conf", "title 012345678901234567890123456789012345678901234567890123456789012\nlinux /k\n");
	assert_string_equal(ent->e.title, "012345678901234567890123456789012345678901234567890123456789012");
	/* never cut inside a UTF-8 character: 'é' is 2 bytes */
	ENTRY_OK("a.conf", "title 01234567890123456789012345678901234567890123456789012345678\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\nlinux /k\n");
	assert_string_equal(ent->e.title, "01234567890123456789012345678901234567890123456789012345678...");
	ENTRY_OK("a.conf", "title 0123456789012345678901234567890123456789012345678901234567\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\nlinux /k\n");
	assert_string_equal(ent->e.title, "0123456789012345678901234567890123456789012345678901234567\xc3\xa9...");
}

static void test_comments_blanks_quotes_crlf_and_unknown_keys(void **state)
{
	(void)state;
	ENTRY_OK("a.conf",
		 "\xef\xbb\xbf# comment\r\n"
		 "\r\n"
		 "   # indented comment\n"
		 "\ttitle\t\"Quoted Title\"\r\n"
		 "grub_users $grub_users\n"
		 "grub_class kernel\n"
		 "future-key whatever it says\n"
		 "linux\t/vmlinuz\r\n"
		 "options a#b \"c\" d");
	assert_string_equal(ent->e.title, "Quoted Title");
	assert_string_equal(ent->e.path, "/vmlinuz");
	/* only a value wholly in quotes loses them */
	assert_string_equal(ent->e.cmdline, "a#b \"c\" d");
}

static void test_repeated_single_keys_keep_the_last(void **state)
{
	(void)state;
	ENTRY_OK("a.conf", "title One\ntitle Two\nversion 1\nversion 2\nlinux /a\nlinux /b\nsort-key x\nsort-key y\n");
	assert_string_equal(ent->e.title, "Two");
	assert_string_equal(ent->version, "2");
	assert_string_equal(ent->e.path, "/b");
	assert_string_equal(ent->sort_key, "y");
}

static void test_devicetree_is_noted_and_ignored(void **state)
{
	(void)state;
	ENTRY_OK("a.conf", "linux /k\ndevicetree /dtbs/board.dtb\n");
	assert_true(ent->devicetree_ignored);
	ENTRY_OK("a.conf", "linux /k\ndevicetree-overlay /a.dtbo /b.dtbo\n");
	assert_true(ent->devicetree_ignored);
	ENTRY_OK("a.conf", "linux /k\n");
	assert_false(ent->devicetree_ignored);
}

static void test_other_architectures_are_skipped_with_the_reason(void **state)
{
	(void)state;
	ENTRY_OK("a.conf", "architecture X64\nlinux /k\n");
	ENTRY_OK("a.conf", "architecture x64\nlinux /k\n");
	ENTRY_SKIPPED("arm.conf", "title ARM\nlinux /k\narchitecture aa64\n",
		      "loader/entries/arm.conf:3:", "'aa64', not x64: skipped");
	ENTRY_SKIPPED("a.conf", "architecture IA32\nlinux /k\n", "'IA32'");
	/* skipped even when the rest would be refused here */
	ENTRY_SKIPPED("a.conf", "architecture riscv64\n", "riscv64");
	/* the last line counts */
	ENTRY_OK("a.conf", "architecture aa64\narchitecture x64\nlinux /k\n");
	ENTRY_SKIPPED("a.conf", "architecture x64\narchitecture aa64\nlinux /k\n", "a.conf:2:");
}

static void test_neither_or_both_programs_refused(void **state)
{
	(void)state;
	ENTRY_FAILS("a.conf", "title Nothing\noptions quiet\n",
		    "loader/entries/a.conf: neither 'linux' nor 'efi'");
	ENTRY_FAILS("a.conf", "", "neither 'linux' nor 'efi'");
	ENTRY_FAILS("b.conf", "linux /k\ntitle x\nefi /e.efi\n",
		    "loader/entries/b.conf:3: 'efi' in an entry that has 'linux' (line 1): it takes one of them");
	ENTRY_FAILS("b.conf", "efi /e.efi\nlinux /k\n",
		    "loader/entries/b.conf:2: 'linux' in an entry that has 'efi' (line 1)");
}

static void test_control_bytes_and_nul_refused_with_line(void **state)
{
	(void)state;
	ENTRY_FAILS("a.conf", "linux /k\ntitle a\x1b[31mred\n", "loader/entries/a.conf:2:",
		    "control byte 0x1b at column 8");
	ENTRY_FAILS("a.conf", "linux /k\x00.evil\n", "loader/entries/a.conf:1:",
		    "control byte 0x00");
	ENTRY_FAILS("a.conf", "linux /k\noptions a\x7f\n", "a.conf:2:", "0x7f");
	/* A NUL in a comment is refused as well: the file is not text. */
	ENTRY_FAILS("a.conf", "# \x00\nlinux /k\n", "a.conf:1:", "0x00");
	/* CR only before the newline */
	ENTRY_FAILS("a.conf", "linux /k\ntitle a\rb\r\n", "a.conf:2:", "control byte 0x0d at column 8");
	/* tab is fine, inside a value too */
	ENTRY_OK("a.conf", "linux /k\noptions a\tb\n");
	assert_string_equal(ent->e.cmdline, "a\tb");
}

static void test_values_longer_than_their_field_refused(void **state)
{
	(void)state;
	char text[4096], v[2048];

	memset(v, 'v', 128);
	v[128] = '\0';
	snprintf(text, sizeof text, "linux /k\nversion %s\n", v);
	entry_fails(-1, "a.conf", text, strlen(text),
		    (const char *const[]){ "a.conf:2:", "'version' is 128 bytes, longer than 127", NULL });
	snprintf(text, sizeof text, "linux /k\nmachine-id %s\n", v);
	entry_fails(-1, "a.conf", text, strlen(text),
		    (const char *const[]){ "a.conf:2:", "'machine-id'", NULL });
	snprintf(text, sizeof text, "linux /k\nsort-key %s\n", v);
	entry_fails(-1, "a.conf", text, strlen(text),
		    (const char *const[]){ "a.conf:2:", "'sort-key'", NULL });
	v[127] = '\0';
	snprintf(text, sizeof text, "linux /k\nversion %s\n", v);
	entry_ok("a.conf", text, strlen(text));
	assert_int_equal(strlen(ent->version), 127);

	/* paths: 255 bytes with the leading '/' added */
	memset(v, 'p', 254);
	v[254] = '\0';
	snprintf(text, sizeof text, "linux %s\n", v);
	entry_ok("a.conf", text, strlen(text));
	assert_int_equal(strlen(ent->e.path), 255);
	memset(v, 'p', 255);
	v[255] = '\0';
	snprintf(text, sizeof text, "linux %s\n", v);
	entry_fails(-1, "a.conf", text, strlen(text),
		    (const char *const[]){ "a.conf:1:", "'linux'", "longer than 255", NULL });
	snprintf(text, sizeof text, "linux /k\ninitrd /%s\n", v);
	entry_fails(-1, "a.conf", text, strlen(text),
		    (const char *const[]){ "a.conf:2:", "'initrd'", "longer than 255", NULL });

	/* options: 1023 bytes in all, the joining spaces counted */
	memset(v, 'o', 1000);
	v[1000] = '\0';
	snprintf(text, sizeof text, "linux /k\noptions %s\noptions %.22s\n", v, v);
	entry_ok("a.conf", text, strlen(text));
	assert_int_equal(strlen(ent->e.cmdline), 1023);
	snprintf(text, sizeof text, "linux /k\noptions %s\noptions %.23s\n", v, v);
	entry_fails(-1, "a.conf", text, strlen(text),
		    (const char *const[]){ "a.conf:3:", "the options come to 1024 bytes, longer than 1023", NULL });
}

static void test_too_many_initrds_refused_with_line(void **state)
{
	(void)state;
	ENTRY_OK("a.conf", "linux /k\ninitrd /1\ninitrd /2\ninitrd /3\ninitrd /4\n"
			   "initrd /5\ninitrd /6\ninitrd /7\ninitrd /8\n");
	assert_int_equal(ent->e.ninitrds, CONFIG_MAX_INITRDS);
	ENTRY_FAILS("a.conf", "linux /k\ninitrd /1\ninitrd /2\ninitrd /3\ninitrd /4\n"
			      "initrd /5\ninitrd /6\ninitrd /7\ninitrd /8\ninitrd /9\n",
		    "loader/entries/a.conf:10:", "more than 8 initrds");
}

static void test_bad_paths_refused_with_line_and_key(void **state)
{
	(void)state;
	ENTRY_FAILS("a.conf", "linux /boot/../vmlinuz\n", "a.conf:1:", "'linux' path '/boot/../vmlinuz'", "..");
	ENTRY_FAILS("a.conf", "linux /k\ninitrd ./initrd\n", "a.conf:2:", "'initrd' path '/./initrd'");
	ENTRY_FAILS("a.conf", "efi /EFI/caf\xc3\xa9.efi\n", "a.conf:1:", "'efi'", "not printable ASCII");
	ENTRY_FAILS("a.conf", "linux /boot/\n", "a.conf:1:", "'linux'", "directory");
	ENTRY_FAILS("a.conf", "linux\n", "a.conf:1:", "'linux' needs a path");
	ENTRY_FAILS("a.conf", "linux /k\ninitrd\n", "a.conf:2:", "'initrd' needs a path");
	ENTRY_FAILS("a.conf", "linux /\n", "a.conf:1:", "'linux'");
}

static void test_file_and_id_limits(void **state)
{
	(void)state;
	char id[200];
	struct rw_err err = { "" };

	memset(id, 'i', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	assert_int_equal(bls_parse_entry(id, "linux /k\n", 9, ent, &err), -1);
	assert_non_null(strstr(err.msg, "the file name is 199 bytes, longer than 127"));
	char *big = calloc(1, BLS_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '#', BLS_FILE_MAX + 1);
	memcpy(big, "linux /k\n", 9);
	assert_int_equal(bls_parse_entry("a.conf", big, BLS_FILE_MAX + 1, ent, &err), -1);
	assert_non_null(strstr(err.msg, "over the limit of 65536 bytes"));
	assert_int_equal(bls_parse_entry("a.conf", big, BLS_FILE_MAX, ent, &err), 1);
	free(big);
}

/* The text is bounded by len, not by a NUL. */
static void test_text_is_bounded_by_len(void **state)
{
	(void)state;
	const char text[] = "linux /k\noptions quiet\nefi /e.efi\n";
	entry_ok("a.conf", text, 23);
	assert_string_equal(ent->e.cmdline, "quiet");
	entry_ok("a.conf", text, 21);
	assert_string_equal(ent->e.cmdline, "quie");
}

/* ---- type #2 ---- */

static void test_uki_entry_from_its_osrel(void **state)
{
	(void)state;
	struct osrel o;
	struct rw_err err = { "" };
	const char rel[] = "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\n"
			   "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";

	osrel_parse(rel, sizeof rel - 1, &o);
	assert_int_equal(bls_entry_from_uki("debian-6.1.efi", "/EFI/Linux/debian-6.1.efi", &o,
					    "console=ttyS0 quiet\n\n", ent, &err), 0);
	assert_int_equal(ent->e.kind, CONFIG_EFI);
	assert_int_equal(ent->e.origin, CONFIG_FROM_UKI);
	assert_string_equal(ent->e.path, "/EFI/Linux/debian-6.1.efi");
	assert_string_equal(ent->id, "debian-6.1.efi");
	/* the version is in the name already */
	assert_string_equal(ent->e.title, "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(ent->version, "12");
	assert_string_equal(ent->sort_key, "debian");
	assert_string_equal(ent->e.cmdline, "console=ttyS0 quiet");
	assert_int_equal(bls_entry_from_uki("x.efi", "/EFI/Linux/x.efi", &o, NULL, ent, &err), 0);
	assert_string_equal(ent->e.cmdline, "");
	assert_int_equal(bls_entry_from_uki("x.efi", "/EFI/Linux/x.efi", &o, "a\x1b" "b", ent, &err), -1);
	assert_non_null(strstr(err.msg, "/EFI/Linux/x.efi: .cmdline: control byte 0x1b"));
	assert_int_equal(bls_entry_from_uki("x.efi", "/EFI/../x.efi", &o, NULL, ent, &err), -1);
	assert_non_null(strstr(err.msg, "/EFI/../x.efi"));
}

/* ---- versions ---- */

static void expect_order(const char *a, const char *b, int want)
{
	int r = bls_version_cmp(a, b), back = bls_version_cmp(b, a);
	if ((r > 0) - (r < 0) != want || (back > 0) - (back < 0) != -want)
		fail_msg("'%s' vs '%s': %d (and %d back), want %d", a, b, r, back, want);
}

#define LT(a, b) expect_order(a, b, -1)
#define EQ(a, b) expect_order(a, b, 0)
#define GT(a, b) expect_order(a, b, 1)

/* The examples of the UAPI Version Format Specification. */
static void test_version_cmp_specification_examples(void **state)
{
	(void)state;
	EQ("11", "11");
	EQ("systemd-123", "systemd-123");
	LT("bar-123", "foo-123");
	GT("123a", "123");
	GT("123.a", "123");
	LT("123.a", "123.b");
	GT("123a", "123.a");
	EQ("11\xce\xb1", "11\xce\xb2"); /* 11α == 11β */
	LT("B", "a");
	LT("", "0");
	GT("0.", "0");
	GT("0.0", "0");
	GT("0", "~");
	GT("", "~");
	EQ("1_", "1");
	EQ("_1", "1");
	LT("1_", "1.2");
	GT("1_2_3", "1.3.3");
	EQ("1+", "1");
	EQ("+1", "1");
	LT("1+", "1.2");
	GT("1+2+3", "1.3.3");
	/* each one below every one to its right */
	static const char *const chain[] = {
		"122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1",
		"123^post1", "123.a-1", "123.1-1", "123a-1", "124-1",
	};
	size_t n = sizeof chain / sizeof chain[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			expect_order(chain[i], chain[j], i < j ? -1 : i > j ? 1 : 0);
}

static void test_version_cmp_edge_cases(void **state)
{
	(void)state;
	EQ(NULL, "");
	EQ(NULL, NULL);
	LT(NULL, "1");
	EQ("007", "7");
	EQ("1.007", "1.7");
	LT("9", "10");
	LT("99999999999999999999999", "100000000000000000000000"); /* past 64 bits */
	GT("100000000000000000000001", "100000000000000000000000");
	LT("1.0~rc1", "1.0");
	LT("1.0~rc1", "1.0~rc2");
	/* One '~' each is passed, then the end is looked at: the longer
	 * string is newer (as systemd-analyze compare-versions says). */
	GT("1.0~~", "1.0~");
	LT("1.0~rc1", "1.0~rc1.1");
	LT("1-1", "1.1"); /* '-' before '.' */
	LT("1^1", "1.1"); /* '^' before '.' */
	LT("1-1", "1^1");
	GT("1^1", "1");
	LT("a", "1"); /* letters before digits */
	LT("abc", "abd");
	LT("ab", "abc");
	LT("Z", "a");
	LT("6.1.0-17-amd64", "6.1.0-18-amd64");
	LT("6.1.0-18-amd64", "6.10.0-1-amd64");
	LT("5.19.0", "6.0.0-rc1"); /* '-rc1' is not '~rc1' */
	GT("6.0.0-rc1", "6.0.0");
	LT("6.0.0~rc1", "6.0.0");
	EQ("\xff\xfe", "");
	EQ("1..2", "1..2");
	GT("1.2", "1..2"); /* the second '.' sorts before the digit */
}

/* ---- order ---- */

static struct bls_entry *make(struct bls_entry *v, const char *id, const char *sort_key,
			      const char *machine_id, const char *version)
{
	memset(v, 0, sizeof *v);
	snprintf(v->id, sizeof v->id, "%s", id);
	snprintf(v->sort_key, sizeof v->sort_key, "%s", sort_key);
	snprintf(v->machine_id, sizeof v->machine_id, "%s", machine_id);
	snprintf(v->version, sizeof v->version, "%s", version);
	snprintf(v->e.title, sizeof v->e.title, "%s", id);
	return v;
}

static void expect_ids(const struct bls_entry *v, size_t n, const char *const *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, want[i]))
			fail_msg("position %zu: '%s', want '%s'", i, v[i].id, want[i]);
}

static void test_sort_follows_the_specification(void **state)
{
	(void)state;
	struct bls_entry *v = calloc(10, sizeof *v);
	assert_non_null(v);
	make(&v[0], "old-5.10.conf", "", "", "");
	make(&v[1], "fedora-6.5.conf", "fedora", "bbbb", "6.5.0");
	make(&v[2], "old-5.9.conf", "", "", "");
	make(&v[3], "fedora-6.6.conf", "fedora", "bbbb", "6.6.0");
	make(&v[4], "arch.conf", "arch", "cccc", "6.1");
	make(&v[5], "fedora-other.conf", "fedora", "aaaa", "1.0");
	make(&v[6], "bad+0-3.conf", "aaa", "", "");
	make(&v[7], "debian.efi", "", "", "");
	make(&v[8], "fedora-rc.conf", "fedora", "bbbb", "6.6.0~rc1");
	make(&v[9], "old-5.10+2-1.conf", "", "", "");
	bls_sort(v, 10);
	expect_ids(v, 10, (const char *const[]){
		"arch.conf",         /* sort-keys ascending */
		"fedora-other.conf", /* same key: machine-id ascending */
		"fedora-6.6.conf",   /* same machine: version newest first */
		"fedora-rc.conf",
		"fedora-6.5.conf",
		"old-5.10+2-1.conf", /* no sort-key: id newest first */
		"old-5.10.conf",
		"old-5.9.conf",
		"debian.efi",
		"bad+0-3.conf",      /* its tries ran out: last, sort-key or not */
	});
	free(v);
}

static void test_entry_cmp_details(void **state)
{
	(void)state;
	struct bls_entry *a = calloc(2, sizeof *a), *b = a + 1;
	assert_non_null(a);
	/* an empty machine-id sorts before a set one */
	make(a, "a.conf", "k", "", "1");
	make(b, "b.conf", "k", "m", "1");
	assert_true(bls_entry_cmp(a, b) < 0);
	/* all equal but the id: the id, newest first, suffix ignored */
	make(a, "x-1.conf", "k", "m", "1");
	make(b, "x-2.efi", "k", "m", "1");
	assert_true(bls_entry_cmp(a, b) > 0);
	assert_true(bls_entry_cmp(b, a) < 0);
	assert_int_equal(bls_entry_cmp(a, a), 0);
	/* "+1-5" has tries left, "+00" none, "+" or "+x" is no counter */
	make(a, "a+1-5.conf", "", "", "");
	make(b, "b+00.conf", "", "", "");
	assert_true(bls_entry_cmp(a, b) < 0);
	make(b, "b+.conf", "", "", "");
	assert_true(bls_entry_cmp(a, b) > 0);
	make(b, "b+0x.conf", "", "", "");
	assert_true(bls_entry_cmp(a, b) > 0);
	make(b, "+0.conf", "", "", "");
	assert_true(bls_entry_cmp(a, b) < 0);
	free(a);
}

static void test_sort_is_stable_and_handles_small_inputs(void **state)
{
	(void)state;
	struct bls_entry *v = calloc(3, sizeof *v);
	assert_non_null(v);
	bls_sort(v, 0);
	make(&v[0], "same.conf", "", "", "");
	bls_sort(v, 1);
	make(&v[1], "same.conf", "", "", "");
	make(&v[2], "same.conf", "", "", "");
	strcpy(v[0].e.title, "first");
	strcpy(v[1].e.title, "second");
	strcpy(v[2].e.title, "third");
	bls_sort(v, 3);
	assert_string_equal(v[0].e.title, "first");
	assert_string_equal(v[1].e.title, "second");
	assert_string_equal(v[2].e.title, "third");
	free(v);
}

static void test_default_and_titles_alike(void **state)
{
	(void)state;
	struct bls_entry *v = calloc(4, sizeof *v);
	assert_non_null(v);
	make(&v[0], "fedora-6.6.conf", "", "", "6.6");
	make(&v[1], "fedora-6.5.conf", "", "", "6.5");
	make(&v[2], "debian.conf", "", "", "");
	make(&v[3], "debian2.conf", "", "", "");
	assert_int_equal(bls_find_default(v, 4, "fedora-*"), 0);
	assert_int_equal(bls_find_default(v, 4, "*6.5*"), 1);
	assert_int_equal(bls_find_default(v, 4, "debian?.conf"), 3);
	assert_int_equal(bls_find_default(v, 4, "nothing*"), 4);
	assert_int_equal(bls_find_default(v, 0, "*"), 0);
	for (int i = 0; i < 4; i++)
		strcpy(v[i].e.title, i < 2 ? "Fedora" : "Debian");
	strcpy(v[3].version, "");
	bls_disambiguate_titles(v, 4);
	assert_string_equal(v[0].e.title, "Fedora (6.6)");
	assert_string_equal(v[1].e.title, "Fedora (6.5)");
	assert_string_equal(v[2].e.title, "Debian (debian.conf)");
	assert_string_equal(v[3].e.title, "Debian (debian2.conf)");
	/* unique titles are left alone; long ones are cut */
	strcpy(v[0].e.title, "0123456789012345678901234567890123456789012345678901234567890");
	strcpy(v[1].e.title, "0123456789012345678901234567890123456789012345678901234567890");
	bls_disambiguate_titles(v, 4);
	assert_string_equal(v[0].e.title, "012345678901234567890123456789012345678901234567890123456789...");
	assert_string_equal(v[2].e.title, "Debian (debian.conf)");
	free(v);
}

/* ---- globs ---- */

static void test_glob_match(void **state)
{
	(void)state;
	assert_true(bls_glob_match("", ""));
	assert_false(bls_glob_match("", "a"));
	assert_true(bls_glob_match("*", ""));
	assert_true(bls_glob_match("*", "anything.conf"));
	assert_true(bls_glob_match("abc", "abc"));
	assert_false(bls_glob_match("abc", "abcd"));
	assert_false(bls_glob_match("abcd", "abc"));
	assert_true(bls_glob_match("a?c", "abc"));
	assert_false(bls_glob_match("a?c", "ac"));
	assert_true(bls_glob_match("01234567890abcdef1234567890abdf0-*",
				   "01234567890abcdef1234567890abdf0-6.1.0.conf"));
	assert_true(bls_glob_match("*-6.*.conf", "debian-6.1.0-18.conf"));
	assert_false(bls_glob_match("*-6.*.conf", "debian-5.1.0-18.conf"));
	assert_true(bls_glob_match("a*b*c", "aXXbYYbZZc"));
	assert_false(bls_glob_match("a*b*c", "aXXbYYbZZ"));
	assert_true(bls_glob_match("**a**", "xxaxx"));
	assert_true(bls_glob_match("[abc]x", "bx"));
	assert_false(bls_glob_match("[abc]x", "dx"));
	assert_true(bls_glob_match("[a-c]", "b"));
	assert_false(bls_glob_match("[a-c]", "d"));
	assert_true(bls_glob_match("[!a-c]", "d"));
	assert_false(bls_glob_match("[!a-c]", "a"));
	assert_true(bls_glob_match("[^0-9]", "x"));
	assert_true(bls_glob_match("[]]", "]"));
	assert_true(bls_glob_match("[!]]", "a"));
	assert_false(bls_glob_match("[!]]", "]"));
	assert_true(bls_glob_match("[a-]", "-"));
	assert_true(bls_glob_match("v[0-9][0-9]*", "v12.conf"));
	assert_false(bls_glob_match("v[0-9][0-9]*", "v1.conf"));
	/* an unclosed bracket is literal */
	assert_true(bls_glob_match("[ab", "[ab"));
	assert_false(bls_glob_match("[ab", "a"));
	/* backslash escapes */
	assert_true(bls_glob_match("\\*", "*"));
	assert_false(bls_glob_match("\\*", "a"));
	assert_true(bls_glob_match("[\\]]", "]"));
	/* case-sensitive */
	assert_false(bls_glob_match("Fedora*", "fedora.conf"));
	/* the whole name, not a prefix */
	assert_false(bls_glob_match("fedora", "fedora.conf"));
}

/* ---- loader.conf ---- */

static struct loader_conf lc;

static void conf_ok(const char *text)
{
	struct rw_err err = { "" };
	memset(&lc, 0x5a, sizeof lc);
	if (loader_conf_parse(text, strlen(text), &lc, &err))
		fail_msg("loader_conf_parse failed: %s", err.msg);
}

static void conf_fails(const char *text, const char *a, const char *b)
{
	struct rw_err err = { "" };
	if (loader_conf_parse(text, strlen(text), &lc, &err) == 0)
		fail_msg("accepted '%s'", text);
	if (!strstr(err.msg, a) || !strstr(err.msg, b))
		fail_msg("message '%s' does not mention '%s' and '%s'", err.msg, a, b);
}

static void test_loader_conf_defaults(void **state)
{
	(void)state;
	conf_ok("");
	assert_string_equal(lc.default_pattern, "");
	assert_false(lc.timeout_set);
	assert_false(lc.menu_force);
	assert_false(lc.menu_disabled);
	assert_false(lc.editor_off);
	assert_int_equal(lc.console_mode, CONFIG_CONSOLE_KEEP);
}

static void test_loader_conf_the_manual_example(void **state)
{
	(void)state;
	conf_ok("# /boot/efi/loader/loader.conf\n"
		"timeout 0\n"
		"default 01234567890abcdef1234567890abdf0-*\n"
		"editor no\n");
	assert_true(lc.timeout_set);
	assert_int_equal(lc.timeout, 0);
	assert_false(lc.menu_force);
	assert_string_equal(lc.default_pattern, "01234567890abcdef1234567890abdf0-*");
	assert_true(lc.editor_off);
}

static void test_loader_conf_timeouts(void **state)
{
	(void)state;
	conf_ok("timeout 5\n");
	assert_int_equal(lc.timeout, 5);
	assert_true(lc.timeout_set);
	conf_ok("timeout menu-force\n");
	assert_true(lc.menu_force);
	assert_true(lc.timeout_set);
	conf_ok("timeout menu-hidden\n");
	assert_int_equal(lc.timeout, 0);
	assert_false(lc.menu_force);
	assert_false(lc.menu_disabled);
	conf_ok("timeout menu-disabled\n");
	assert_int_equal(lc.timeout, 0);
	assert_true(lc.menu_disabled);
	/* the last line counts, whole */
	conf_ok("timeout menu-force\ntimeout 3\n");
	assert_false(lc.menu_force);
	assert_int_equal(lc.timeout, 3);
	conf_ok("timeout 4294967293\n");
	assert_int_equal(lc.timeout, LOADER_CONF_TIMEOUT_MAX);
	conf_fails("timeout 4294967294\n", "loader/loader.conf:1:", "'timeout' must be a number of seconds");
	conf_fails("\ntimeout soon\n", "loader/loader.conf:2:", "not 'soon'");
	conf_fails("timeout -1\n", "loader.conf:1:", "'-1'");
	conf_fails("timeout\n", "loader.conf:1:", "'timeout'");
}

static void test_loader_conf_editor_and_console_mode(void **state)
{
	(void)state;
	static const char *const off[] = { "no", "n", "false", "f", "off", "0", "NO", "False" };
	static const char *const on[] = { "yes", "y", "true", "t", "on", "1", "Yes" };
	char text[64];

	for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
		snprintf(text, sizeof text, "editor %s\n", off[i]);
		conf_ok(text);
		assert_true(lc.editor_off);
	}
	for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
		snprintf(text, sizeof text, "editor %s\n", on[i]);
		conf_ok(text);
		assert_false(lc.editor_off);
	}
	conf_fails("editor maybe\n", "loader.conf:1:", "'editor' must be a boolean");
	conf_ok("console-mode keep\n");
	assert_int_equal(lc.console_mode, CONFIG_CONSOLE_KEEP);
	conf_ok("console-mode auto\n");
	assert_int_equal(lc.console_mode, CONFIG_CONSOLE_AUTO);
	conf_ok("console-mode max\n");
	assert_int_equal(lc.console_mode, CONFIG_CONSOLE_MAX);
	conf_ok("console-mode 2\n");
	assert_int_equal(lc.console_mode, CONFIG_CONSOLE_NUMBER);
	assert_int_equal(lc.console_mode_number, 2);
	conf_ok("console-mode 0\n");
	assert_int_equal(lc.console_mode, CONFIG_CONSOLE_NUMBER);
	assert_int_equal(lc.console_mode_number, 0);
	conf_fails("console-mode big\n", "loader.conf:1:", "'console-mode' must be a mode number, keep, auto or max");
	conf_fails("console-mode 99999999999\n", "loader.conf:1:", "'console-mode'");
}

static void test_loader_conf_other_keys_ignored_and_errors_named(void **state)
{
	(void)state;
	conf_ok("auto-entries no\nauto-firmware no\nbeep yes\nrandom-seed-mode always\n"
		"secure-boot-enroll manual\nreboot-for-bitlocker yes\nsomething-new 1 2 3\n"
		"default \"@saved\"\n");
	assert_string_equal(lc.default_pattern, "@saved");
	char text[300];
	memset(text, 'x', sizeof text);
	memcpy(text, "default ", 8);
	text[8 + 128] = '\n';
	text[8 + 129] = '\0';
	conf_fails(text, "loader.conf:1:", "'default' is 128 bytes, longer than 127");
	conf_fails("timeout 3\neditor\x01 no\n", "loader/loader.conf:2:", "control byte 0x01");
	struct rw_err err;
	char *big = calloc(1, BLS_FILE_MAX + 1);
	assert_non_null(big);
	assert_int_equal(loader_conf_parse(big, BLS_FILE_MAX + 1, &lc, &err), -1);
	assert_non_null(strstr(err.msg, "loader/loader.conf: 65537 bytes"));
	free(big);
}

/* ---- os-release ---- */

static void test_osrel_quotes_escapes_and_comments(void **state)
{
	(void)state;
	struct osrel o;
	const char text[] =
		"# comment\n"
		"NAME=Fedora Linux\n"
		"  ID=fedora  \n"
		"VERSION_ID='39'\n"
		"VERSION=\"39 (Workstation \\\"Edition\\\") \\$HOME \\\\ \\n\"\n"
		"PRETTY_NAME=\"Fedora Linux 39\"' (Workstation)'\n"
		"IMAGE_ID=a\\ b\n"
		"IMAGE_VERSION=\"\"\n"
		"BUILD_ID=\"unterminated\n"
		"not an assignment\n"
		"ANSI_COLOR=\"0;38;2;60;110;180\"\n"
		"=empty key\n"
		"NAME=\"Fedora Linux\"\r\n";
	osrel_parse(text, sizeof text - 1, &o);
	assert_string_equal(o.name, "Fedora Linux");
	assert_string_equal(o.id, "fedora");
	assert_string_equal(o.version_id, "39");
	assert_string_equal(o.version, "39 (Workstation \"Edition\") $HOME \\ \\n");
	assert_string_equal(o.pretty_name, "Fedora Linux 39 (Workstation)");
	assert_string_equal(o.image_id, "a b");
	assert_string_equal(o.image_version, "");
	assert_string_equal(o.build_id, "unterminated");
}

static void test_osrel_long_values_cut_and_controls_shown(void **state)
{
	(void)state;
	struct osrel o;
	char text[400];
	int n = snprintf(text, sizeof text, "PRETTY_NAME=\"%0200d\"\nID=a\x01" "b\n", 7);
	osrel_parse(text, (size_t)n, &o);
	assert_int_equal(strlen(o.pretty_name), CONFIG_TITLE_MAX - 1);
	assert_string_equal(o.id, "a?b");
	osrel_parse("", 0, &o);
	assert_string_equal(o.pretty_name, "");
	assert_string_equal(o.id, "");
}

static void test_osrel_names_versions_and_titles(void **state)
{
	(void)state;
	struct osrel o;
	char t[CONFIG_TITLE_MAX];

	memset(&o, 0, sizeof o);
	osrel_title(&o, "linux-6.1.efi", t, sizeof t);
	assert_string_equal(t, "linux-6.1");
	strcpy(o.id, "arch");
	assert_string_equal(osrel_name(&o), "arch");
	assert_string_equal(osrel_sort_key(&o), "arch");
	strcpy(o.name, "Arch Linux");
	assert_string_equal(osrel_name(&o), "Arch Linux");
	strcpy(o.image_id, "arch-img");
	assert_string_equal(osrel_name(&o), "arch-img");
	assert_string_equal(osrel_sort_key(&o), "arch-img");
	strcpy(o.pretty_name, "Arch Linux");
	assert_string_equal(osrel_name(&o), "Arch Linux");
	assert_string_equal(osrel_version(&o), "");
	osrel_title(&o, "arch.efi", t, sizeof t);
	assert_string_equal(t, "Arch Linux");
	strcpy(o.build_id, "rolling");
	assert_string_equal(osrel_version(&o), "rolling");
	strcpy(o.version_id, "2024.01");
	assert_string_equal(osrel_version(&o), "2024.01");
	strcpy(o.version, "2024.01 (x)");
	assert_string_equal(osrel_version(&o), "2024.01 (x)");
	strcpy(o.image_version, "7");
	assert_string_equal(osrel_version(&o), "7");
	osrel_title(&o, "arch.efi", t, sizeof t);
	assert_string_equal(t, "Arch Linux (7)");
	strcpy(o.image_version, "rel");
	strcpy(o.pretty_name, "0123456789012345678901234567890123456789012345678901234567890");
	osrel_title(&o, "arch.efi", t, sizeof t);
	assert_string_equal(t, "012345678901234567890123456789012345678901234567890123456789...");
}

/* docs/CONFIG.md's ```bls-entry and ```loader-conf blocks must parse. */
static void test_config_md_examples_parse(void **state)
{
	(void)state;
	FILE *fp = fopen("docs/CONFIG.md", "r");
	if (!fp)
		fp = fopen("../../docs/CONFIG.md", "r");
	assert_non_null(fp);
	char line[512], text[8192];
	size_t len = 0, entries = 0, confs = 0, lineno = 0, start = 0;
	int kind = 0; /* 1 entry, 2 loader.conf */
	while (fgets(line, sizeof line, fp)) {
		lineno++;
		size_t n = strlen(line);
		if (!kind && (!strcmp(line, "```bls-entry\n") || !strcmp(line, "```loader-conf\n"))) {
			kind = line[3] == 'b' ? 1 : 2;
			len = 0;
			start = lineno;
		} else if (kind && !strncmp(line, "```", 3)) {
			struct rw_err err = { "" };
			int r = kind == 1 ? bls_parse_entry("example.conf", text, len, ent, &err)
					  : loader_conf_parse(text, len, &lc, &err) + 1;
			if (r != 1)
				fail_msg("docs/CONFIG.md:%zu: the example does not parse: %s", start,
					 err.msg);
			entries += kind == 1;
			confs += kind == 2;
			kind = 0;
		} else if (kind && len + n < sizeof text) {
			memcpy(text + len, line, n);
			len += n;
		}
	}
	fclose(fp);
	assert_true(entries >= 2);
	assert_true(confs >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_the_specifications_example_entry),
		T(test_initrds_in_order_and_options_joined),
		T(test_efi_key_makes_an_efi_entry),
		T(test_paths_are_normalised_to_runway_form),
		T(test_title_defaults_to_the_id_and_version),
		T(test_long_title_is_cut_with_dots),
		T(test_comments_blanks_quotes_crlf_and_unknown_keys),
		T(test_repeated_single_keys_keep_the_last),
		T(test_devicetree_is_noted_and_ignored),
		T(test_other_architectures_are_skipped_with_the_reason),
		T(test_neither_or_both_programs_refused),
		T(test_control_bytes_and_nul_refused_with_line),
		T(test_values_longer_than_their_field_refused),
		T(test_too_many_initrds_refused_with_line),
		T(test_bad_paths_refused_with_line_and_key),
		T(test_file_and_id_limits),
		T(test_text_is_bounded_by_len),
		T(test_uki_entry_from_its_osrel),
		T(test_version_cmp_specification_examples),
		T(test_version_cmp_edge_cases),
		T(test_sort_follows_the_specification),
		T(test_entry_cmp_details),
		T(test_sort_is_stable_and_handles_small_inputs),
		T(test_default_and_titles_alike),
		T(test_glob_match),
		T(test_loader_conf_defaults),
		T(test_loader_conf_the_manual_example),
		T(test_loader_conf_timeouts),
		T(test_loader_conf_editor_and_console_mode),
		T(test_loader_conf_other_keys_ignored_and_errors_named),
		T(test_osrel_quotes_escapes_and_comments),
		T(test_osrel_long_values_cut_and_controls_shown),
		T(test_osrel_names_versions_and_titles),
		T(test_config_md_examples_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
