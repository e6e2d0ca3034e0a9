/*
 * benchexit.h - how the bench's EFI programs leave QEMU: one byte to the
 * isa-debug-exit device at port 0xf4 (ovmf/run.sh adds it); QEMU exits
 * with status (byte << 1) | 1.
 */
#ifndef RUNWAY_BENCH_EXIT_H
#define RUNWAY_BENCH_EXIT_H

#include <stdint.h>

#define BENCH_EXIT_PASS 0x10 /* QEMU status 33 */
#define BENCH_EXIT_FAIL 0x11 /* QEMU status 35 */

static inline __attribute__((noreturn)) void bench_exit(uint8_t code)
{
	__asm__ volatile("outb %0, $0xf4" : : "a"(code));
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
