/*
 * test_unixtime.c - calendar time to UNIX time (lib/unixtime.c), checked
 * against dates whose UNIX time is known.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unixtime.h"

static void test_epoch_is_zero(void **state)
{
	(void)state;
	assert_int_equal(unix_time(1970, 1, 1, 0, 0, 0), 0);
}

static void test_known_instants(void **state)
{
	(void)state;
	assert_int_equal(unix_time(2000, 3, 1, 0, 0, 0), 951868800);    /* after a 400-year leap day */
	assert_int_equal(unix_time(2001, 9, 9, 1, 46, 40), 1000000000);
	assert_int_equal(unix_time(2038, 1, 19, 3, 14, 8), 2147483648LL);
	assert_int_equal(unix_time(2100, 3, 1, 0, 0, 0), 4107542400LL); /* 2100 is no leap year */
	assert_int_equal(unix_time(2026, 11, 30, 15, 0, 0), 1796050800LL);
}

static void test_consecutive_days_are_86400_apart(void **state)
{
	(void)state;
	int64_t prev = unix_time(1970, 1, 1, 0, 0, 0);
	for (unsigned y = 1970; y < 2101; y++)
		for (unsigned m = 1; m <= 12; m++)
			for (unsigned d = 1; d <= 31; d++) {
				int64_t t = unix_time(y, m, d, 0, 0, 0);
				if (t < 0)
					continue;
				if (y != 1970 || m != 1 || d != 1)
					assert_int_equal(t - prev, 86400);
				prev = t;
			}
}

static void test_out_of_range_fields_refused(void **state)
{
	(void)state;
	assert_int_equal(unix_time(1969, 12, 31, 0, 0, 0), -1);
	assert_int_equal(unix_time(2023, 2, 29, 0, 0, 0), -1);
	assert_int_not_equal(unix_time(2024, 2, 29, 0, 0, 0), -1);
	assert_int_equal(unix_time(1900 + 200, 2, 29, 0, 0, 0), -1);
	assert_int_equal(unix_time(2024, 13, 1, 0, 0, 0), -1);
	assert_int_equal(unix_time(2024, 0, 1, 0, 0, 0), -1);
	assert_int_equal(unix_time(2024, 4, 31, 0, 0, 0), -1);
	assert_int_equal(unix_time(2024, 1, 1, 24, 0, 0), -1);
	assert_int_equal(unix_time(2024, 1, 1, 0, 60, 0), -1);
	assert_int_equal(unix_time(2024, 1, 1, 0, 0, 60), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_is_zero),
		cmocka_unit_test(test_known_instants),
		cmocka_unit_test(test_consecutive_days_are_86400_apart),
		cmocka_unit_test(test_out_of_range_fields_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
