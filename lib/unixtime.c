/*
 * unixtime.c - calendar time to UNIX time.  Days are counted from the
 * civil date with the usual March-based year (leap day last), so that
 * February needs no special case.
 */
#include "unixtime.h"

#include <stdbool.h>

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d. */
static int64_t days_from_epoch(unsigned y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);          /* years start in March */
	int64_t era = yy / 400;
	int64_t yoe = yy - era * 400;                /* 0..399 */
	int64_t mp = (m + 9) % 12;                   /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;    /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;          /* 719468: 0000-03-01 to 1970 */
}

int64_t unix_time(unsigned year, unsigned month, unsigned day, unsigned hour,
		  unsigned minute, unsigned second)
{
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month) || hour > 23 || minute > 59 ||
	    second > 59)
		return -1;
	return days_from_epoch(year, month, day) * 86400 + hour * 3600 +
	       minute * 60 + second;
}
