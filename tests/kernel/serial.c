/*
 * serial.c - polled output on COM1 (I/O port 0x3f8, 115200 baud, 8N1) and
 * the small printf the test kernel formats its PASS/FAIL lines with.
 *
 * The line status register is polled before every byte.  The poll is
 * bounded so that a machine without a UART cannot hang the kernel before
 * it reaches the isa-debug-exit port.
 */
#include <stdint.h>

#include "cpu.h"
#include "serial.h"

#define COM1      0x3f8
#define UART_DATA (COM1 + 0) /* THR (write) / divisor low with DLAB  */
#define UART_IER  (COM1 + 1) /* interrupt enable / divisor high      */
#define UART_FCR  (COM1 + 2) /* FIFO control                         */
#define UART_LCR  (COM1 + 3) /* line control                         */
#define UART_MCR  (COM1 + 4) /* modem control                        */
#define UART_LSR  (COM1 + 5) /* line status                          */
#define LSR_THRE  0x20       /* transmit holding register empty      */

void serial_init(void)
{
	outb(UART_IER, 0x00);  /* no interrupts                          */
	outb(UART_LCR, 0x80);  /* DLAB on: next two ports set the divisor */
	outb(UART_DATA, 0x01); /* divisor 1 = 115200 baud                */
	outb(UART_IER, 0x00);
	outb(UART_LCR, 0x03);  /* DLAB off, 8 data bits, no parity, 1 stop */
	outb(UART_FCR, 0xc7);  /* enable and clear FIFOs, 14-byte trigger */
	outb(UART_MCR, 0x03);  /* DTR + RTS, loopback off                */
}

void serial_putc(char c)
{
	unsigned spins;

	for (spins = 0; spins < 1000000; spins++)
		if (inb(UART_LSR) & LSR_THRE)
			break;
	outb(UART_DATA, (uint8_t)c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

static void put_padded(const char *digits, int len, int width, char pad)
{
	while (width-- > len)
		serial_putc(pad);
	while (len-- > 0)
		serial_putc(*digits++);
}

static void put_unsigned(uint64_t v, unsigned base, int width, char pad)
{
	char buf[24];
	int i = sizeof buf;

	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	put_padded(buf + i, (int)sizeof buf - i, width, pad);
}

void serial_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int alt = 0, longs = 0, width = 0;
		char pad = ' ';
		uint64_t u;

		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			alt = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			put_padded(s, len, width, ' ');
			break;
		}
		case 'c':
			serial_putc((char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			if (v < 0) {
				serial_putc('-');
				u = (uint64_t)0 - (uint64_t)v;
			} else {
				u = (uint64_t)v;
			}
			put_unsigned(u, 10, width, pad);
			break;
		}
		case 'u':
		case 'x':
			u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			if (*fmt == 'x' && alt)
				serial_puts("0x");
			put_unsigned(u, *fmt == 'x' ? 16 : 10, width, pad);
			break;
		case 'p':
			serial_puts("0x");
			put_unsigned((uint64_t)(uintptr_t)va_arg(ap, void *), 16, width, pad);
			break;
		case '%':
			serial_putc('%');
			break;
		default: /* unknown conversion: print it as written */
			serial_putc('%');
			if (!*fmt)
				return;
			serial_putc(*fmt);
			break;
		}
	}
}

void serial_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	serial_vprintf(fmt, ap);
	va_end(ap);
}
