/*
 * fmt.h - a small, freestanding formatter shared by the loader and pure code.
 *
 * Supports %s %c %d %i %u %x %X %p %% with the l, ll, z length modifiers,
 * a field width, the 0 and - flags, and a precision (.N or .*) for %s.  Output is always NUL-terminated
 * (when size > 0) and truncated to fit; the return value is the length the
 * full output would have had, as with C's snprintf.
 *
 * 64-bit values print with <inttypes.h>'s macros ("%" PRIx64): the
 * freestanding build has its own include/libc/inttypes.h.
 */
#ifndef RUNWAY_FMT_H
#define RUNWAY_FMT_H

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>

size_t fmt_v(char *buf, size_t size, const char *f, va_list ap);
size_t fmt(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * fmt_v for text that goes out as one event (the console): when the
 * output does not fit in size - 1 bytes it is cut and ends in "...",
 * then '\n' if the whole output ended in one, so that one line stays one
 * line and the next event starts its own.  Buffers under 5 bytes are only
 * truncated.  Returns the length written (not the length the full output
 * would have had).
 */
size_t fmt_line_v(char *buf, size_t size, const char *f, va_list ap);

/* An error message buffer used by the pure modules (mm/, elf/, config/). */
struct rw_err {
	char msg[256];
};

/* Formats into err (if non-NULL) and returns -1, for `return rw_fail(...)`. */
int rw_fail(struct rw_err *err, const char *f, ...)
	__attribute__((format(printf, 2, 3)));

#endif
