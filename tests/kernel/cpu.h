/*
 * cpu.h - the few x86-64 instructions the test kernel needs (port I/O,
 * control registers, MSRs, CPUID, segment registers, the GDT register,
 * halting), as inline asm.
 */
#ifndef RUNWAY_TEST_CPU_H
#define RUNWAY_TEST_CPU_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
                         uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
	                 : "a"(leaf), "c"(0));
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

struct gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline struct gdtr read_gdtr(void)
{
	struct gdtr g;

	__asm__ volatile("sgdt %0" : "=m"(g));
	return g;
}

#define READ_SEG(name)                                                  \
	static inline uint16_t read_##name(void)                        \
	{                                                               \
		uint16_t v;                                             \
		__asm__ volatile("mov %%" #name ", %0" : "=r"(v));      \
		return v;                                               \
	}
READ_SEG(cs)
READ_SEG(ds)
READ_SEG(es)
READ_SEG(ss)
READ_SEG(fs)
READ_SEG(gs)
#undef READ_SEG

static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#define CR0_PE     (1ull << 0)
#define CR0_WP     (1ull << 16)
#define CR0_PG     (1ull << 31)
#define CR4_PAE    (1ull << 5)
#define CR4_LA57   (1ull << 12)
#define MSR_EFER   0xc0000080u
#define EFER_LME   (1ull << 8)
#define EFER_LMA   (1ull << 10)
#define EFER_NXE   (1ull << 11)
#define CPUID_EXT_MAX      0x80000000u
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EDX_NX       (1u << 20) /* in leaf 0x80000001 */
#define RFLAGS_IF  (1ull << 9)
#define RFLAGS_DF  (1ull << 10)

#endif /* RUNWAY_TEST_CPU_H */
