/*
 * mb32.h - what the 32-bit Multiboot test kernels share: the registers
 * entry32.S recorded, the machine-state checks both protocols promise for
 * the i386 entry, and the kernel's own extent.
 */
#ifndef RUNWAY_MB32_H
#define RUNWAY_MB32_H

#include <stdint.h>

/* As _start found them (entry32.S pushes them in this order). */
struct mb32_entry {
	uint32_t eax, ebx, eflags, esp;
	uint32_t image_start; /* where the image's first byte runs */
};

/* The kernel's main, per protocol (mb2_i386.c, mb1.c). */
__attribute__((noreturn)) void mb32_main(const struct mb32_entry *e);

/* Linker-script symbols (mb32.ld.S). */
extern char __image_start[], __load_end[], __bss_start[], __bss_end[], __image_end[];

/*
 * The checks common to both protocols' i386 entry, each failure one FAIL
 * line: .bss zero (first: it reads memory nothing has written yet),
 * CR0.PG clear and PE set, EFLAGS.IF and VM clear, EFER.LME clear, the
 * segment registers flat (base 0 by reading known bytes through each,
 * limit 4 GiB by reading the top dword through each, and LSL/LAR when the
 * GDT can be read: flat 32-bit code and writable data), A20 on.  Also
 * loads an IDT so that an exception becomes a FAIL line.  `gdt` is set to
 * "lsl" when the descriptors could be read, else "unreadable".
 */
void mb32_check_machine(const struct mb32_entry *e, const char **gdt);

/* Physical extent of the loaded image, bss included, as it runs. */
static inline uint64_t mb32_image_base(const struct mb32_entry *e)
{
	return e->image_start;
}

static inline uint64_t mb32_image_size(void)
{
	return (uint64_t)(__image_end - __image_start);
}

#endif /* RUNWAY_MB32_H */
