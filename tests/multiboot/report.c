/*
 * report.c - the PASS/FAIL lines and QEMU's exit port for the Multiboot
 * test kernels (see report.h).  Builds for i386 and x86-64.
 */
#include <stdarg.h>
#include <stdint.h>

#include "cpu.h"
#include "report.h"
#include "serial.h"

#ifndef MB_VARIANT
#error "MB_VARIANT must name the kernel (-DMB_VARIANT=\"...\")"
#endif

const char *volatile mb_phase __attribute__((section(".data"))) = "startup";

static unsigned failures __attribute__((section(".data"))) = 0;

void mb_report_init(void)
{
	serial_init();
}

unsigned mb_failures(void)
{
	return failures;
}

__attribute__((noreturn)) void mb_exit(uint8_t code)
{
	outb(MB_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void line(const char *verdict, const char *fmt, va_list ap)
{
	serial_puts("mb-kernel: ");
	serial_puts(verdict);
	serial_puts(" variant=" MB_VARIANT " ");
	serial_vprintf(fmt, ap);
	serial_puts("\n");
}

void mb_fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	va_start(ap, fmt);
	line("FAIL", fmt, ap);
	va_end(ap);
}

__attribute__((noreturn)) void mb_fatal(const char *fmt, ...)
{
	va_list ap;

	failures++;
	va_start(ap, fmt);
	line("FAIL", fmt, ap);
	va_end(ap);
	mb_exit(MB_EXIT_FAIL);
}

__attribute__((noreturn)) void mb_finish(const char *fmt, ...)
{
	va_list ap;

	if (failures)
		mb_exit(MB_EXIT_FAIL);
	va_start(ap, fmt);
	line("PASS", fmt, ap);
	va_end(ap);
	mb_exit(MB_EXIT_PASS);
}
