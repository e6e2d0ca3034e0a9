/*
 * serial.h - polled COM1 output (115200 8N1) and a tiny printf for the
 * test kernel.  Lines end in "\n" only (no "\r").
 */
#ifndef RUNWAY_TEST_SERIAL_H
#define RUNWAY_TEST_SERIAL_H

#include <stdarg.h>

void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);

/*
 * printf subset: %s %c %d %u %x %p %%, with an optional "l" or "ll" for
 * 64-bit integers ("%lx" for uint64_t) and an optional zero-pad width
 * ("%016lx").  %x and %p print a "0x" prefix only when written "%#x"/"%p".
 */
void serial_vprintf(const char *fmt, va_list ap);
void serial_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* RUNWAY_TEST_SERIAL_H */
