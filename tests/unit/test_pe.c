/*
 * test_pe.c - lib/pe.c: a section found by name in a PE32+ file's first
 * bytes, and every header that points outside them or outside the file
 * refused with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pecoff.h"

#define PE_AT 0x80
#define OPT_SIZE 240
#define TABLE (PE_AT + 4 + 20 + OPT_SIZE)

static uint8_t img[1024];

static void put16(size_t at, uint16_t v)
{
	img[at] = (uint8_t)v;
	img[at + 1] = (uint8_t)(v >> 8);
}

static void put32(size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		img[at + i] = (uint8_t)(v >> (8 * i));
}

/* Section i: name, virtual size, raw size, raw offset. */
static void section(int i, const char *name, uint32_t vsize, uint32_t raw,
		    uint32_t off)
{
	size_t h = TABLE + (size_t)i * 40;

	memset(img + h, 0, 40);
	memcpy(img + h, name, strlen(name));
	put32(h + 8, vsize);
	put32(h + 16, raw);
	put32(h + 20, off);
}

/* An image with three sections: .text, .osrel (virtual size under the
 * raw size: file alignment padding) and .cmdline. */
static void make_image(void)
{
	memset(img, 0, sizeof img);
	img[0] = 'M';
	img[1] = 'Z';
	put32(0x3c, PE_AT);
	memcpy(img + PE_AT, "PE\0\0", 4);
	put16(PE_AT + 4, PE_MACHINE_X64);
	put16(PE_AT + 6, 3);
	put16(PE_AT + 20, OPT_SIZE);
	section(0, ".text", 0x100, 0x200, 0x400);
	section(1, ".osrel", 0x31, 0x200, 0x600);
	section(2, ".cmdline", 0, 0x10, 0x800);
}

static int find(size_t head_len, uint64_t file_size, const char *name,
		struct pe_section *s, struct rw_err *err)
{
	uint16_t machine = 0;
	int r = pe_find_section(img, head_len, file_size, name, &machine, s, err);

	if (r >= 0)
		assert_int_equal(machine, PE_MACHINE_X64);
	return r;
}

static void test_finds_sections(void **state)
{
	struct pe_section s;
	struct rw_err err;

	(void)state;
	make_image();
	assert_int_equal(find(sizeof img, 0x1000, ".osrel", &s, &err), 1);
	assert_int_equal(s.offset, 0x600);
	assert_int_equal(s.size, 0x31);
	/* A name of all 8 bytes, no NUL; a zero virtual size means raw. */
	assert_int_equal(find(sizeof img, 0x1000, ".cmdline", &s, &err), 1);
	assert_int_equal(s.offset, 0x800);
	assert_int_equal(s.size, 0x10);
	assert_int_equal(find(sizeof img, 0x1000, ".text", &s, &err), 1);
	assert_int_equal(s.size, 0x100);
}

static void test_missing_section(void **state)
{
	struct pe_section s;
	struct rw_err err;

	(void)state;
	make_image();
	assert_int_equal(find(sizeof img, 0x1000, ".linux", &s, &err), 0);
	/* A prefix of a name is not the name. */
	assert_int_equal(find(sizeof img, 0x1000, ".osre", &s, &err), 0);
	assert_int_equal(find(sizeof img, 0x1000, ".cmdlinex", &s, &err), 0);
}

static void expect_error(size_t head_len, uint64_t file_size, const char *part)
{
	struct pe_section s;
	struct rw_err err = { "" };

	assert_int_equal(find(head_len, file_size, ".osrel", &s, &err), -1);
	if (!strstr(err.msg, part))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, part);
}

static void test_refuses_bad_headers(void **state)
{
	(void)state;
	make_image();
	img[0] = 'X';
	expect_error(sizeof img, 0x1000, "no MZ header");
	make_image();
	expect_error(0x20, 0x1000, "too short");
	put32(0x3c, 0xfffffff0);
	expect_error(sizeof img, 0x1000, "outside the first");
	make_image();
	img[PE_AT + 2] = 'X';
	expect_error(sizeof img, 0x1000, "no PE signature");
	make_image();
	put16(PE_AT + 6, 0xffff); /* a table far longer than the head */
	expect_error(sizeof img, 0x1000, "section table");
	make_image();
	put16(PE_AT + 20, 0xffff);
	expect_error(sizeof img, 0x1000, "section table");
	/* Head longer than the file: only the file's bytes count. */
	make_image();
	expect_error(sizeof img, TABLE + 40, "section table");
}

static void test_refuses_section_outside_file(void **state)
{
	(void)state;
	make_image();
	expect_error(sizeof img, 0x630, "outside the file");
	section(1, ".osrel", 0x31, 0x200, 0xfffffff0);
	expect_error(sizeof img, 0x1000, "outside the file");
	struct pe_section s;
	struct rw_err err;
	section(1, ".osrel", 0x31, 0x200, 0x600);
	assert_int_equal(find(sizeof img, 0x631, ".osrel", &s, &err), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_sections),
		cmocka_unit_test(test_missing_section),
		cmocka_unit_test(test_refuses_bad_headers),
		cmocka_unit_test(test_refuses_section_outside_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
