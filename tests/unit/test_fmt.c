/*
 * test_fmt.c - fmt_line_v, the console's formatter (issue 11, defect 9):
 * text that does not fit is cut with a marker, and a line keeps its
 * newline, so one event stays one line.  (fmt itself is checked against
 * snprintf by tests/fuzz/fuzz_fmt.c.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fmt.h"

static char out[64];

static size_t line(size_t size, const char *f, ...) __attribute__((format(printf, 2, 3)));
static size_t line(size_t size, const char *f, ...)
{
	va_list ap;

	memset(out, 0x5a, sizeof out);
	va_start(ap, f);
	size_t n = fmt_line_v(out, size, f, ap);
	va_end(ap);
	return n;
}

static void test_a_line_that_fits_is_unchanged(void **state)
{
	(void)state;
	assert_int_equal(line(32, "runway: %s n=%d\n", "event", 7), 18);
	assert_string_equal(out, "runway: event n=7\n");
	/* Exactly size - 1 bytes fit. */
	assert_int_equal(line(19, "runway: %s n=%d\n", "event", 7), 18);
	assert_string_equal(out, "runway: event n=7\n");
}

static void test_a_long_line_is_cut_with_a_marker_and_keeps_its_newline(void **state)
{
	(void)state;
	char cmdline[200];
	memset(cmdline, 'x', sizeof cmdline - 1);
	cmdline[sizeof cmdline - 1] = 0;
	size_t n = line(32, "runway: cmdline-edited cmdline=%s\n", cmdline);
	assert_int_equal(n, 31);
	assert_int_equal(strlen(out), 31);
	assert_string_equal(out, "runway: cmdline-edited cmdl...\n");
	/* The next event starts a line of its own. */
	assert_int_equal(out[30], '\n');
	assert_int_equal(out[31], 0);
	/* One byte too long is enough to cut. */
	n = line(18, "runway: %s n=%d\n", "event", 7);
	assert_string_equal(out, "runway: event...\n");
	assert_int_equal(n, 17);
}

static void test_text_without_a_newline_is_cut_with_the_marker_only(void **state)
{
	(void)state;
	line(16, "%s", "a message with no end of line");
	assert_string_equal(out, "a message wi...");
	/* A newline in the middle of text is not its end. */
	line(16, "first\nsecond line, long");
	assert_string_equal(out, "first\nsecond...");
}

static void test_tiny_buffers_are_still_terminated(void **state)
{
	(void)state;
	for (size_t size = 1; size < 6; size++) {
		line(size, "runway: %s\n", "event");
		assert_true(memchr(out, 0, size) != NULL);
	}
	/* From 5 bytes on, the marker and the newline. */
	assert_int_equal(line(5, "abcdefgh\n"), 4);
	assert_string_equal(out, "...\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_line_that_fits_is_unchanged),
		cmocka_unit_test(test_a_long_line_is_cut_with_a_marker_and_keeps_its_newline),
		cmocka_unit_test(test_text_without_a_newline_is_cut_with_the_marker_only),
		cmocka_unit_test(test_tiny_buffers_are_still_terminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
