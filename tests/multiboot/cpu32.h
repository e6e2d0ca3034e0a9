/*
 * cpu32.h - the instructions the 32-bit Multiboot test kernels use to look
 * at the machine state they were entered in (control registers, MSRs,
 * CPUID, segment registers, descriptor limits and rights, memory through
 * one segment register), as inline asm for i386.  Port I/O is
 * tests/kernel/cpu.h's (its 64-bit helpers are never used here).
 */
#ifndef RUNWAY_MB_CPU32_H
#define RUNWAY_MB_CPU32_H

#include <stdint.h>

static inline uint32_t cr0_read(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t cr4_read(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t msr_read(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid32(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
                           uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
	                 : "a"(leaf), "c"(0));
}

#define SEG_READ(name)                                              \
	static inline uint16_t seg_##name(void)                     \
	{                                                           \
		uint16_t v;                                         \
		__asm__ volatile("mov %%" #name ", %0" : "=r"(v)); \
		return v;                                           \
	}
SEG_READ(cs)
SEG_READ(ds)
SEG_READ(es)
SEG_READ(fs)
SEG_READ(gs)
SEG_READ(ss)
#undef SEG_READ

/* LSL: the segment limit of a selector; 0 when the descriptor cannot be
 * read (ZF clear: a null or unreadable selector, or an invalid GDT). */
static inline int seg_limit(uint16_t sel, uint32_t *limit)
{
	uint8_t ok;

	__asm__ volatile("lsl %2, %0; setz %1" : "=r"(*limit), "=q"(ok)
	                 : "r"((uint32_t)sel) : "cc");
	return ok;
}

/* LAR: the access rights dword (bits 8-23 of the descriptor's high dword). */
static inline int seg_rights(uint16_t sel, uint32_t *rights)
{
	uint8_t ok;

	__asm__ volatile("lar %2, %0; setz %1" : "=r"(*rights), "=q"(ok)
	                 : "r"((uint32_t)sel) : "cc");
	return ok;
}

/* Reads the dword at addr through one segment register. */
#define SEG_LOAD(name)                                                          \
	static inline uint32_t load_##name(uint32_t addr)                       \
	{                                                                       \
		uint32_t v;                                                     \
		__asm__ volatile("movl %%" #name ":(%1), %0" : "=r"(v) : "r"(addr) \
		                 : "memory");                                   \
		return v;                                                       \
	}
SEG_LOAD(ds)
SEG_LOAD(es)
SEG_LOAD(fs)
SEG_LOAD(gs)
SEG_LOAD(ss)
#undef SEG_LOAD

/* The address of the instruction after the call: EIP as the CPU sees it. */
static inline uint32_t eip_here(void)
{
	uint32_t v;

	__asm__ volatile("call 1f\n1: popl %0" : "=r"(v));
	return v;
}

#define CR0_PE_BIT   (1u << 0)
#define CR0_PG_BIT   (1u << 31)
#define EFLAGS_IF    (1u << 9)
#define EFLAGS_VM    (1u << 17)
#define MSR_EFER_NUM 0xc0000080u
#define EFER_LME_BIT (1ull << 8)
#define EFER_LMA_BIT (1ull << 10)

#endif /* RUNWAY_MB_CPU32_H */
