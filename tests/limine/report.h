/*
 * report.h - how a Limine test kernel reports: exactly one line on COM1,
 *     limine-kernel: PASS <facts>      or
 *     limine-kernel: FAIL <what, expected, got>
 * then a write to QEMU's isa-debug-exit port 0xf4 (0x10 pass, 0x11 fail;
 * ovmf/run.sh turns them into exit status 0 and 1).  CPU exceptions, on
 * any CPU, are caught through an IDT and reported as a FAIL naming the
 * phase that was running.  The first CPU to report wins; others halt.
 */
#ifndef RUNWAY_LIMINE_REPORT_H
#define RUNWAY_LIMINE_REPORT_H

#include <stdint.h>

#define LIM_EXIT_PORT 0xf4
#define LIM_EXIT_PASS 0x10
#define LIM_EXIT_FAIL 0x11

/* What is being checked, for the exception handler's message. */
extern const char *volatile lim_phase;

/* COM1 and the IDT (tests/kernel/entry.S's exception stubs). */
void lim_report_init(void);

/* Loads the same IDT on the calling CPU (an AP). */
void lim_idt_load(void);

__attribute__((noreturn, format(printf, 1, 2))) void lim_fail(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void lim_pass(const char *fmt, ...);

/* Halts this CPU for good, interrupts off. */
__attribute__((noreturn)) void lim_halt(void);

#endif /* RUNWAY_LIMINE_REPORT_H */
