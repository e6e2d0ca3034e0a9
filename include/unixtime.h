/*
 * unixtime.h - calendar time to UNIX time, for boot time stamps.
 */
#ifndef RUNWAY_UNIXTIME_H
#define RUNWAY_UNIXTIME_H

#include <stdint.h>

/*
 * Seconds since 1970-01-01 00:00:00 of a proleptic Gregorian date and
 * time (no leap seconds), or -1 when a field is out of range (month
 * 1..12, day 1..days of that month, hour 0..23, minute and second
 * 0..59, year 1970..9999).
 */
int64_t unix_time(unsigned year, unsigned month, unsigned day, unsigned hour,
		  unsigned minute, unsigned second);

#endif
