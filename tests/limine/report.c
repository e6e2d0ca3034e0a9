/*
 * report.c - the PASS/FAIL line, QEMU's exit port and the exception
 * handler for the Limine test kernels (see report.h).  The exception
 * stubs are tests/kernel/entry.S's: they call exception_handler() below.
 *
 * Nothing here lives in .bss: the kernels check that .bss reads as zero
 * before they write any of it.
 */
#include <stdarg.h>
#include <stdint.h>

#include "cpu.h"
#include "report.h"
#include "serial.h"

const char *volatile lim_phase = "startup";

/* 0 until a CPU starts the one report line; in .data on purpose. */
static volatile int reported __attribute__((section(".data"))) = 0;

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t zero;
} __attribute__((packed));

static struct idt_gate idt[32] __attribute__((section(".data.idt"), aligned(16)));

/* From tests/kernel/entry.S: the addresses of the 32 exception stubs. */
extern const uint64_t exception_stubs[32];

__attribute__((noreturn)) void lim_halt(void)
{
	halt_forever();
}

/* Only the first caller, on any CPU, gets to write a line. */
static int claim_report(void)
{
	return __atomic_exchange_n(&reported, 1, __ATOMIC_SEQ_CST) == 0;
}

static __attribute__((noreturn)) void finish(uint8_t code)
{
	outb(LIM_EXIT_PORT, code);
	lim_halt(); /* not QEMU, or no isa-debug-exit device */
}

__attribute__((noreturn, format(printf, 1, 2))) void lim_fail(const char *fmt, ...)
{
	va_list ap;

	if (!claim_report())
		lim_halt();
	serial_puts("limine-kernel: FAIL ");
	va_start(ap, fmt);
	serial_vprintf(fmt, ap);
	va_end(ap);
	serial_puts("\n");
	finish(LIM_EXIT_FAIL);
}

__attribute__((noreturn, format(printf, 1, 2))) void lim_pass(const char *fmt, ...)
{
	va_list ap;

	if (!claim_report())
		lim_halt();
	serial_puts("limine-kernel: PASS ");
	va_start(ap, fmt);
	serial_vprintf(fmt, ap);
	va_end(ap);
	serial_puts("\n");
	finish(LIM_EXIT_PASS);
}

struct exception_frame {
	uint64_t vector, error;            /* pushed by the stub */
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU  */
};

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "res",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "res", "res",
	"res", "res", "res", "res", "#HV", "#VC", "#SX", "res",
};

void __attribute__((noreturn)) exception_handler(const struct exception_frame *f);
void __attribute__((noreturn)) exception_handler(const struct exception_frame *f)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	lim_fail("CPU exception %lu (%s) on the CPU with APIC ID %u: error=%#lx rip=%#lx rsp=%#lx cr2=%#lx while checking %s",
	         f->vector, exception_names[f->vector & 31], b >> 24, f->error, f->rip,
	         f->rsp, read_cr2(), lim_phase);
}

void lim_idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof idt - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void lim_report_init(void)
{
	uint16_t cs = read_cs();
	int i;

	serial_init();
	for (i = 0; i < 32; i++) {
		uint64_t stub = exception_stubs[i];

		idt[i].offset_low = (uint16_t)stub;
		idt[i].selector = cs;
		idt[i].ist = 0;
		idt[i].attr = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
		idt[i].offset_mid = (uint16_t)(stub >> 16);
		idt[i].offset_high = (uint32_t)(stub >> 32);
		idt[i].zero = 0;
	}
	lim_idt_load();
}
