/*
 * machine32.c - the machine state both Multiboot protocols promise at the
 * i386 entry (Multiboot2 3.3 "I386 machine state", Multiboot 3.2), checked
 * from inside, and the 32-bit IDT that turns a CPU exception into a FAIL
 * line.  See mb32.h.
 */
#include <stdint.h>

#include "checks.h"
#include "cpu.h"
#include "cpu32.h"
#include "mb32.h"
#include "report.h"

#ifndef MB_PIE
#define MB_PIE 0
#endif

/* The first dword of the kernel's Multiboot header (header_mb*.S). */
extern const uint32_t mb_header[];

/* 64 KiB of .bss that nothing writes: it must read as zero. */
static uint8_t bss_probe[65536] __attribute__((used, aligned(16)));

/* Written by the A20 check; its own address has bit 20 flipped below. */
static volatile uint32_t a20_probe __attribute__((section(".data"))) = 1;

struct idt_gate32 {
	uint16_t offset_low, selector;
	uint8_t zero, attr;
	uint16_t offset_high;
} __attribute__((packed));

static struct idt_gate32 idt[32] __attribute__((section(".data"), aligned(8)));

extern const uint32_t mb32_exception_stubs[32];

struct mb32_frame {
	uint32_t vector, error;   /* pushed by the stub */
	uint32_t eip, cs, eflags; /* pushed by the CPU  */
};

__attribute__((noreturn)) void mb32_exception(const struct mb32_frame *f);
__attribute__((noreturn)) void mb32_exception(const struct mb32_frame *f)
{
	mb_fatal("CPU exception %u error=%#x eip=%#x cs=%#x eflags=%#x while checking %s",
	         f->vector, f->error, f->eip, f->cs, f->eflags, mb_phase);
}

static void idt_load(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = { sizeof idt - 1, (uint32_t)idt };
	uint16_t cs = seg_cs();
	int i;

	for (i = 0; i < 32; i++) {
		idt[i].offset_low = (uint16_t)mb32_exception_stubs[i];
		idt[i].selector = cs;
		idt[i].zero = 0;
		idt[i].attr = 0x8e; /* present, DPL 0, 32-bit interrupt gate */
		idt[i].offset_high = (uint16_t)(mb32_exception_stubs[i] >> 16);
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static void check_bss(void)
{
	uint64_t bad;
	uint32_t len = (uint32_t)(__bss_end - __bss_start);

	if (len < sizeof bss_probe)
		mb_fail("bss: linker script lost the probe (%u bytes of .bss)", len);
	if (!zero_check(__bss_start, len, &bad))
		mb_fail(".bss not zeroed: byte at %#x (offset %u of %u) is %#x, expected 0",
		        (uint32_t)(uintptr_t)__bss_start + (uint32_t)bad, (uint32_t)bad, len,
		        __bss_start[bad]);
}

static void check_control(const struct mb32_entry *e)
{
	uint32_t cr0 = cr0_read(), a, b, c, d;

	if (cr0 & CR0_PG_BIT)
		mb_fail("CR0.PG set (CR0=%#x), expected paging off", cr0);
	if (!(cr0 & CR0_PE_BIT))
		mb_fail("CR0.PE clear (CR0=%#x), expected protected mode", cr0);
	if (e->eflags & EFLAGS_IF)
		mb_fail("EFLAGS.IF set on entry (EFLAGS=%#x), expected interrupts off", e->eflags);
	if (e->eflags & EFLAGS_VM)
		mb_fail("EFLAGS.VM set on entry (EFLAGS=%#x), expected 0", e->eflags);
	cpuid32(0x80000000u, &a, &b, &c, &d);
	if (a < 0x80000001u)
		return;
	cpuid32(0x80000001u, &a, &b, &c, &d);
	if (d & ((1u << 29) | (1u << 20) | (1u << 11))) { /* LM, NX, SYSCALL: EFER exists */
		uint64_t efer = msr_read(MSR_EFER_NUM);

		if (efer & (EFER_LME_BIT | EFER_LMA_BIT))
			mb_fail("EFER.LME or LMA set (EFER=%#llx), expected long mode off",
			        (unsigned long long)efer);
	}
}

/* Flat 32-bit code (want_code) or writable data, limit 4 GiB. */
static int check_descriptor(const char *name, uint16_t sel, int want_code)
{
	uint32_t limit, rights;

	if (!seg_limit(sel, &limit) || !seg_rights(sel, &rights))
		return 0;
	if (limit != 0xffffffffu)
		mb_fail("%s=%#x: LSL limit %#x, expected 0xffffffff", name, sel, limit);
	if (!(rights & (1u << 15)) || !(rights & (1u << 12)))
		mb_fail("%s=%#x: LAR rights %#x: not a present code/data segment", name, sel, rights);
	else if (!!(rights & (1u << 11)) != want_code)
		mb_fail("%s=%#x: LAR rights %#x: expected a %s segment", name, sel, rights,
		        want_code ? "code" : "data");
	else if (!(rights & (1u << 22)) || (rights & (1u << 21)))
		mb_fail("%s=%#x: LAR rights %#x: D/B clear or L set, expected 32-bit", name, sel, rights);
	else if (!want_code && (!(rights & (1u << 9)) || (rights & (1u << 10))))
		mb_fail("%s=%#x: LAR rights %#x: expected writable, expand-up data", name, sel, rights);
	return 1;
}

/* Base 0: the header's first dword as read through each register. */
static void check_bases(void)
{
	uint32_t at = (uint32_t)(uintptr_t)mb_header, want = mb_header[0];

	mb_phase = "segment bases (reading the Multiboot header through each register)";
	if (load_es(at) != want || load_fs(at) != want || load_gs(at) != want ||
	    load_ss(at) != want)
		mb_fail("segment bases: the header's magic at %#x reads es=%#x fs=%#x gs=%#x ss=%#x, ds=%#x",
		        at, load_es(at), load_fs(at), load_gs(at), load_ss(at), want);
#if !MB_PIE
	{
		uint32_t eip = eip_here();

		/* A static kernel runs at its link address with CS base 0. */
		if (eip < (uint32_t)(uintptr_t)__image_start || eip >= (uint32_t)(uintptr_t)__load_end)
			mb_fail("EIP %#x outside the image as linked [%#x, %#x): CS base not 0 or loaded elsewhere",
			        eip, (uint32_t)(uintptr_t)__image_start, (uint32_t)(uintptr_t)__load_end);
	}
#endif
	/* Limit 4 GiB: the top dword (firmware flash) through each; a smaller
	 * limit faults (#GP, #SS), which the IDT reports naming this phase. */
	mb_phase = "segment limits (reading 0xfffffffc through ds, es, fs, gs, ss)";
	(void)load_ds(0xfffffffcu);
	(void)load_es(0xfffffffcu);
	(void)load_fs(0xfffffffcu);
	(void)load_gs(0xfffffffcu);
	(void)load_ss(0xfffffffcu);
}

static void check_a20(void)
{
	uint32_t p = (uint32_t)(uintptr_t)&a20_probe;
	volatile uint32_t *alias = (volatile uint32_t *)(uintptr_t)(p ^ 0x100000u);
	uint32_t before = *alias;

	mb_phase = "A20";
	a20_probe = ~before;
	if (*alias != before)
		mb_fail("A20 off: writing %#x at %#x changed %#x", ~before, p, p ^ 0x100000u);
}

void mb32_check_machine(const struct mb32_entry *e, const char **gdt)
{
	int readable;

	check_bss();
	idt_load();
	mb_phase = "control registers";
	check_control(e);
	check_bases();
	mb_phase = "descriptors (LSL, LAR)";
	readable = check_descriptor("cs", seg_cs(), 1);
	readable &= check_descriptor("ds", seg_ds(), 0);
	readable &= check_descriptor("es", seg_es(), 0);
	readable &= check_descriptor("fs", seg_fs(), 0);
	readable &= check_descriptor("gs", seg_gs(), 0);
	readable &= check_descriptor("ss", seg_ss(), 0);
	*gdt = readable ? "lsl" : "unreadable";
	check_a20();
	mb_phase = "the information structure";
}
