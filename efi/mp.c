/*
 * mp.c - starting the application processors a protocol asks for, after
 * ExitBootServices (so the firmware no longer runs them): INIT, then
 * STARTUP twice, to each AP's local APIC ID (Intel SDM vol. 3A, 9.4.4,
 * the MP initialization protocol), in xAPIC (MMIO) or x2APIC (MSR) mode:
 * as the firmware left the BSP's APIC, or switched to x2APIC when the
 * protocol asks.  The APs run ap_start in the
 * hand-off page (trampoline.S) and park; the ones that do not report in
 * within 100 ms are dropped from the protocol's list.
 */
#include "loader.h"

#define X2APIC_ICR 0x830
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define ICR_INIT 0x00004500u     /* delivery mode INIT, level assert */
#define ICR_STARTUP 0x00004600u  /* delivery mode STARTUP, level assert */
#define ICR_PENDING (1u << 12)

struct lapic {
	bool x2apic;
	volatile uint32_t *mmio;
};

static void send_ipi(const struct lapic *a, uint32_t apic_id, uint32_t icr)
{
	if (a->x2apic) {
		wrmsr(X2APIC_ICR, ((uint64_t)apic_id << 32) | icr);
		return;
	}
	a->mmio[XAPIC_ICR_HIGH / 4] = apic_id << 24;
	a->mmio[XAPIC_ICR_LOW / 4] = icr;
	for (int i = 0; i < 1000 && (a->mmio[XAPIC_ICR_LOW / 4] & ICR_PENDING); i++)
		tsc_delay_us(1);
}

static bool wait_started(volatile uint32_t *flag, uint64_t us)
{
	for (uint64_t waited = 0; waited < us; waited += 10) {
		if (*flag)
			return true;
		tsc_delay_us(10);
	}
	return *flag != 0;
}

void mp_start_aps(const struct load *L, struct proto_run *run)
{
	struct proto_mp *mp = &run->mp;
	uint64_t base = rdmsr(IA32_APIC_BASE);

	/* x2APIC asked for (and the CPU has it: the protocol checked): the
	 * BSP first, each AP in the trampoline. */
	if (mp->x2apic && !(base & APIC_BASE_X2APIC)) {
		base |= APIC_BASE_ENABLE | APIC_BASE_X2APIC;
		wrmsr(IA32_APIC_BASE, base);
	}
	struct lapic a = {
		.x2apic = base & APIC_BASE_X2APIC,
		.mmio = (volatile uint32_t *)(uintptr_t)(base & 0x000ffffffffff000ull),
	};
	uint32_t vector = (uint32_t)(L->handoff_page >> 12);
	size_t n = 1;

	if (!mp->count)
		return;
	for (size_t i = 0; i < mp->count; i++) {
		volatile struct proto_mp_cpu *c = &mp->cpus[i];
		send_ipi(&a, c->apic_id, ICR_INIT);
		tsc_delay_us(10000);
		send_ipi(&a, c->apic_id, ICR_STARTUP | vector);
		if (!wait_started(&c->started, 200)) {
			send_ipi(&a, c->apic_id, ICR_STARTUP | vector);
			wait_started(&c->started, 100000);
		}
	}
	/* The kernel's list keeps the BSP and the APs that parked; one that
	 * did not is held in INIT, so that it cannot start late and run
	 * from memory the kernel reuses. */
	for (size_t i = 0; i < mp->count; i++) {
		if (mp->cpus[i].started)
			mp->cpu_ptrs[n++] = mp->cpu_ptrs[1 + i];
		else
			send_ipi(&a, mp->cpus[i].apic_id, ICR_INIT);
	}
	*mp->cpu_count = n;
}
