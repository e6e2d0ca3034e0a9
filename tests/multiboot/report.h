/*
 * report.h - how a Multiboot test kernel reports on COM1 (polled, 115200
 * 8N1, tests/kernel/serial.c):
 *     mb-kernel: PASS variant=NAME key=value ...          or
 *     mb-kernel: FAIL variant=NAME <what, expected, got>  (one per check)
 * then a write to QEMU's isa-debug-exit port 0xf4: 0x10 when every check
 * passed, 0x11 when one failed (ovmf/run.sh exits 0 and 1).  A check that
 * fails prints its line and the kernel goes on with the checks that do not
 * depend on it; mb_fatal is for the ones that do.
 *
 * MB_VARIANT (a string, -D) names the kernel.  Nothing here lives in
 * .bss: the kernels check that .bss reads as zero first.
 */
#ifndef RUNWAY_MB_REPORT_H
#define RUNWAY_MB_REPORT_H

#include <stdint.h>

#define MB_EXIT_PORT 0xf4
#define MB_EXIT_PASS 0x10
#define MB_EXIT_FAIL 0x11

/* What is being checked, for the exception handler's message. */
extern const char *volatile mb_phase;

void mb_report_init(void);

/* One FAIL line; the kernel goes on. */
__attribute__((format(printf, 1, 2))) void mb_fail(const char *fmt, ...);

/* One FAIL line, then exit (failure). */
__attribute__((noreturn, format(printf, 1, 2))) void mb_fatal(const char *fmt, ...);

/* The number of FAIL lines so far. */
unsigned mb_failures(void);

/* The PASS line (facts as given) when nothing failed, else exit (failure)
 * without another line. */
__attribute__((noreturn, format(printf, 1, 2))) void mb_finish(const char *fmt, ...);

/* Exits QEMU with the code, then halts (no QEMU, no exit device). */
__attribute__((noreturn)) void mb_exit(uint8_t code);

#endif /* RUNWAY_MB_REPORT_H */
