/*
 * cpu.h - what the loader asks the processor: CPUID features, control
 * registers, RDRAND.  Leaves and bits as in the Intel SDM, vol. 2A (CPUID)
 * and vol. 3A (CR4).
 */
#ifndef RUNWAY_EFI_CPU_H
#define RUNWAY_EFI_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct cpuid_regs {
	uint32_t a, b, c, d;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

#define CR4_LA57 (1ull << 12) /* 5-level paging is on */

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define IA32_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)  /* EXTD: x2APIC mode */
#define APIC_BASE_ENABLE (1ull << 11)

struct cpu_features {
	bool nx;      /* CPUID 0x80000001 EDX bit 20: EFER.NXE exists */
	bool huge_1g; /* CPUID 0x80000001 EDX bit 26: 1 GiB pages */
	bool rdrand;  /* CPUID 1 ECX bit 30 */
	bool la57_on; /* CR4.LA57: the firmware runs with 5-level paging */
	bool la57;    /* CPUID (7, 0) ECX bit 16: 5-level paging exists */
};

static inline struct cpu_features cpu_features(void)
{
	struct cpu_features f = { 0 };

	f.rdrand = cpuid(1, 0).c & (1u << 30);
	f.la57 = cpuid(0, 0).a >= 7 && (cpuid(7, 0).c & (1u << 16));
	if (cpuid(0x80000000, 0).a >= 0x80000001) {
		uint32_t d = cpuid(0x80000001, 0).d;
		f.nx = d & (1u << 20);
		f.huge_1g = d & (1u << 26);
	}
	f.la57_on = read_cr4() & CR4_LA57;
	return f;
}

/* One RDRAND, retried a few times as the SDM advises; false if the
 * instruction is absent or keeps failing. */
static inline bool rdrand64(uint64_t *ret)
{
	if (!cpu_features().rdrand)
		return false;
	for (int tries = 0; tries < 10; tries++) {
		uint64_t v;
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (ok) {
			*ret = v;
			return true;
		}
	}
	return false;
}

#endif
