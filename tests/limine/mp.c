/*
 * mp.c - the full Limine test kernel's MP checks (the SMP request, flags
 * 0, or 1 in the x2apic variant; not in the nomp variant).
 *
 * The response: present; flags without x2APIC (not asked for, and
 * IA32_APIC_BASE agrees); bsp_lapic_id = this CPU's APIC ID (CPUID 1);
 * cpu_count = the MADT's enabled local APICs, each CPU's lapic_id and
 * processor_id those of a MADT entry (lchecks.c lc_cpus_match), the BSP
 * listed once; every smp_info in bootloader-reclaimable memory; every
 * goto_address NULL when the kernel is entered.
 *
 * The run: the BSP writes extra_argument = AP_COOKIE + index, then
 * goto_address = lim_ap_entry (kentry.S), for every AP, and waits up to
 * AP_WAIT_S seconds (TSC, calibrated on the PIT).  Each AP records, on
 * its own stack, its registers at entry, its APIC ID (CPUID) and the
 * extra_argument it finds, then halts.  Every AP must have run exactly
 * once, with RDI = its smp_info, its own APIC ID and cookie, the entry
 * state of the BSP (all other registers 0, IF/DF clear, CR0/CR4/EFER/PAT
 * as the protocol says, CR4.LA57 as the BSP's: the APs run in the same
 * paging mode, 5-level in the 5lvl variant when the BSP does, CS 0x28 and
 * data segments 0x30), [RSP] = 0, and a
 * 128 KiB stack of its own in bootloader-reclaimable memory, and
 * IA32_APIC_BASE bit 10 (x2APIC mode) clear like the BSP's.
 *
 * The x2apic variant (LIM_X2APIC: the request's flags bit 0, "enable
 * x2APIC, if possible"): the response's flags bit 0 must equal
 * CPUID.1:ECX bit 21 (the CPU has x2APIC): a loader that ignores the
 * flag on a CPU with x2APIC is a FAIL.  With flags bit 0 set, x2APIC mode
 * must be on everywhere and the IDs are x2APIC IDs: IA32_APIC_BASE bits
 * 10 (EXTD) and 11 (EN) set on the BSP and, read in the goto_address
 * function, on every AP; bsp_lapic_id = the BSP's x2APIC ID (CPUID leaf
 * 0xB EDX) and each AP's lapic_id = the x2APIC ID the AP reads from CPUID
 * 0xB itself (the MADT match above stands: QEMU lists x2APIC IDs below
 * 255 as type-0 entries, larger ones as type 9).  With flags bit 0 clear
 * (no x2APIC in CPUID) every check is the xAPIC one above.  The PASS line
 * ends in x2apic=0 or x2apic=1 (the response's flags bit 0).
 */
#include <stdint.h>

#include "cpu.h"
#include "kernel.h"
#include "report.h"

#define AP_COOKIE ((uint64_t)0x4c494d4950000000ull) /* "LIMIP" in the top bytes */
#define AP_WAIT_S 5 /* generous for TCG running every vCPU on 2 cores */
#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_EXTD (1ull << 10)   /* x2APIC mode */
#define APIC_BASE_ENABLE (1ull << 11) /* APIC global enable */
#define APIC_BASE_X2 (APIC_BASE_EXTD | APIC_BASE_ENABLE)
#define CPUID_ECX_X2APIC (1u << 21)
#define MSR_PAT 0x277u

void lim_ap_entry(struct lp_smp_info *info);

struct ap_record {
	uint32_t runs;
	uint32_t apic_id;  /* CPUID 1 EBX[31:24] */
	uint32_t x2apic_id; /* CPUID 0xB EDX, if has_leaf_b */
	uint32_t has_leaf_b;
	uint64_t apic_base; /* IA32_APIC_BASE */
	uint64_t info;     /* RDI */
	uint64_t extra;    /* extra_argument as the AP read it */
	uint64_t rsp;      /* at entry */
	uint64_t ret;      /* [RSP] at entry */
	struct entry_frame frame;
	uint64_t cr0, cr4, efer, pat;
	uint16_t cs, ds, es, ss, fs, gs;
};

static struct ap_record rec[LIM_MAX_CPUS];
static uint32_t stray; /* APs that found no cookie of ours */

static uint32_t my_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

/* This CPU's x2APIC ID, CPUID leaf 0xB EDX; 0 when there is no leaf 0xB
 * (maximum basic leaf below 0xB, or subleaf 0 with EBX 0). */
static int my_x2apic_id(uint32_t *id)
{
	uint32_t a, b, c, d;

	cpuid(0, &a, &b, &c, &d);
	if (a < 0xb)
		return 0;
	cpuid(0xb, &a, &b, &c, &d); /* subleaf (ECX) 0 */
	if (b == 0)
		return 0;
	*id = d;
	return 1;
}

void __attribute__((noreturn)) ap_main(const struct lp_smp_info *info,
                                       const struct entry_frame *f);
void __attribute__((noreturn)) ap_main(const struct lp_smp_info *info,
                                       const struct entry_frame *f)
{
	uint64_t extra, idx;
	struct ap_record *r;

	lim_idt_load();
	extra = __atomic_load_n(&info->extra_argument, __ATOMIC_ACQUIRE);
	idx = extra - AP_COOKIE;
	if (idx >= LIM_MAX_CPUS) {
		__atomic_add_fetch(&stray, 1, __ATOMIC_SEQ_CST);
		lim_halt();
	}
	r = &rec[idx];
	r->frame = *f;
	r->rsp = ENTRY_RSP(f);
	r->ret = *(const uint64_t *)r->rsp;
	r->apic_id = my_apic_id();
	r->has_leaf_b = (uint32_t)my_x2apic_id(&r->x2apic_id);
	r->apic_base = rdmsr(MSR_APIC_BASE);
	r->info = (uint64_t)info;
	r->extra = extra;
	r->cr0 = read_cr0();
	r->cr4 = read_cr4();
	r->efer = rdmsr(MSR_EFER);
	r->pat = rdmsr(MSR_PAT);
	r->cs = read_cs();
	r->ds = read_ds();
	r->es = read_es();
	r->ss = read_ss();
	r->fs = read_fs();
	r->gs = read_gs();
	__atomic_add_fetch(&r->runs, 1, __ATOMIC_SEQ_CST);
	lim_halt();
}

#if LIM_MP
/* CPUID.1:ECX bit 21: the CPU has x2APIC. */
static int cpu_has_x2apic(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return (c & CPUID_ECX_X2APIC) != 0;
}

static const struct lp_smp_response *smp_response(const struct kctx *c)
{
	uint64_t resp = response_of(&lim_smp_req.r);

	if (!resp)
		lim_fail("no SMP response");
	lim_data(c, resp, sizeof(struct lp_smp_response), RECLAIM, "SMP response");
	return (const struct lp_smp_response *)resp;
}

/* The BSP's ID as the response must give it: its x2APIC ID (CPUID 0xB)
 * with x2APIC enabled, its xAPIC ID (CPUID 1) without. */
static uint32_t bsp_id(const struct kctx *c)
{
	uint32_t id;

	if (!c->x2apic)
		return my_apic_id();
	if (!my_x2apic_id(&id))
		lim_fail("x2APIC is enabled, but the BSP has no CPUID leaf 0xB to read its x2APIC ID from");
	return id;
}

/* Response flags bit 0 and IA32_APIC_BASE on the BSP; returns flags bit 0. */
static int check_x2apic_mode(const struct lp_smp_response *r)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	int on = (r->flags & LP_SMP_X2APIC) != 0;
	int has = cpu_has_x2apic();

	if (!LIM_X2APIC) {
		if (on || (base & APIC_BASE_EXTD))
			lim_fail("x2APIC is on (response flags %#x, IA32_APIC_BASE %#lx), but the request's flags are 0",
			         r->flags, base);
		return 0;
	}
	if (on != has)
		lim_fail("SMP response flags bit 0 (x2APIC enabled) is %d, want %d: the request's flags bit 0 asks for x2APIC if possible and CPUID.1:ECX bit 21 (x2APIC) is %d%s (response flags %#x, IA32_APIC_BASE %#lx)",
		         on, has, has, has ? ": the loader ignored the flag" : ": no x2APIC to enable",
		         r->flags, base);
	if (on && (base & APIC_BASE_X2) != APIC_BASE_X2)
		lim_fail("SMP response flags say x2APIC is enabled, but the BSP's IA32_APIC_BASE is %#lx: want bits 10 (x2APIC mode) and 11 (enable) set",
		         base);
	if (!on && (base & APIC_BASE_EXTD))
		lim_fail("the BSP's IA32_APIC_BASE is %#lx (x2APIC mode), but the SMP response flags bit 0 is clear",
		         base);
	return on;
}

static void check_goto(const struct kctx *c, uint64_t i, const struct lp_smp_info *info,
                       uint32_t bsp)
{
	uint64_t g = __atomic_load_n(&info->goto_address, __ATOMIC_RELAXED);
	uint64_t want = c->mp_started && info->lapic_id != bsp ? (uint64_t)lim_ap_entry : 0;

	if (g != want)
		lim_fail("CPU %lu (APIC ID %u) goto_address is %#lx, want %#lx (%s)", i,
		         info->lapic_id, g, want,
		         want ? "written by this kernel" : "NULL when the kernel is entered");
}

void mp_check_response(struct kctx *c)
{
	const struct lp_smp_response *r = smp_response(c);
	struct lc_cpu resp_cpus[LIM_MAX_CPUS];
	const uint64_t *cpus;
	uint32_t bsp;
	uint64_t i, nbsp = 0, bad;
	const char *why;

	lim_phase = "SMP response";
	c->x2apic = check_x2apic_mode(r);
	bsp = bsp_id(c);
	if (r->bsp_lapic_id != bsp)
		lim_fail("bsp_lapic_id is %u, the BSP's %s is %u", r->bsp_lapic_id,
		         c->x2apic ? "x2APIC ID (CPUID 0xB EDX)" : "APIC ID (CPUID 1)", bsp);
	if (r->cpu_count == 0 || r->cpu_count > LIM_MAX_CPUS)
		lim_fail("cpu_count is %lu, want 1..%u", r->cpu_count, LIM_MAX_CPUS);
	lim_data(c, r->cpus, r->cpu_count * 8, RECLAIM, "SMP cpus pointer array");
	cpus = (const uint64_t *)r->cpus;
	for (i = 0; i < r->cpu_count; i++) {
		const struct lp_smp_info *info = (const struct lp_smp_info *)cpus[i];

		lim_data(c, cpus[i], sizeof *info, RECLAIM, "smp_info");
		resp_cpus[i].apic_id = info->lapic_id;
		resp_cpus[i].uid = info->processor_id;
		nbsp += info->lapic_id == bsp;
		check_goto(c, i, info, bsp);
	}
	if (nbsp != 1)
		lim_fail("the BSP (APIC ID %u) is listed %lu times in cpus, want once", bsp, nbsp);
	why = lc_cpus_match(c->cpus, c->ncpus, resp_cpus, r->cpu_count, &bad);
	if (why)
		lim_fail("SMP cpus[%lu] (cpu_count %lu, MADT %u enabled CPUs): %s", bad,
		         r->cpu_count, c->ncpus, why);
	c->mp_cpus = r->cpu_count;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* 1 when every AP's record says it ran. */
static int all_ran(const struct lp_smp_response *r, uint32_t bsp)
{
	const uint64_t *cpus = (const uint64_t *)r->cpus;
	uint64_t i;

	for (i = 0; i < r->cpu_count; i++)
		if (((const struct lp_smp_info *)cpus[i])->lapic_id != bsp &&
		    !__atomic_load_n(&rec[i].runs, __ATOMIC_ACQUIRE))
			return 0;
	return 1;
}

static void check_ap(const struct kctx *c, uint64_t i, const struct lp_smp_info *info)
{
	const struct ap_record *a = &rec[i];
	const char *idname = c->x2apic ? "x2APIC ID (CPUID 0xB)" : "APIC ID (CPUID 1)";
	uint32_t id = c->x2apic ? a->x2apic_id : a->apic_id;
	uint64_t value = 0;
	const char *why;

	if (a->runs != 1)
		lim_fail("AP %lu (APIC ID %u) ran its goto_address function %u times in %u s, want once",
		         i, info->lapic_id, a->runs, AP_WAIT_S);
	if (c->x2apic && (a->apic_base & APIC_BASE_X2) != APIC_BASE_X2)
		lim_fail("AP %lu (lapic_id %u): IA32_APIC_BASE is %#lx in its goto_address function, want bits 10 (x2APIC mode) and 11 (enable) set: the SMP response says x2APIC is enabled",
		         i, info->lapic_id, a->apic_base);
	if (!c->x2apic && (a->apic_base & APIC_BASE_EXTD))
		lim_fail("AP %lu (lapic_id %u): IA32_APIC_BASE is %#lx in its goto_address function (x2APIC mode), but the SMP response flags bit 0 is clear",
		         i, info->lapic_id, a->apic_base);
	if (c->x2apic && !a->has_leaf_b)
		lim_fail("AP %lu: x2APIC is enabled, but the AP has no CPUID leaf 0xB to read its x2APIC ID from",
		         i);
	if (id != info->lapic_id || a->info != (uint64_t)info || a->extra != AP_COOKIE + i)
		lim_fail("AP %lu: ran on %s %u with RDI %#lx and extra_argument %#lx, want lapic_id %u, RDI %#lx (its smp_info), %#lx",
		         i, idname, id, a->info, a->extra, info->lapic_id, (uint64_t)info,
		         AP_COOKIE + i);
	why = entry_regs_problem(&a->frame, a->info, &value);
	if (why)
		lim_fail("AP %lu: %s is %#lx at goto_address entry, want 0", i, why, value);
	if (a->frame.rflags & (RFLAGS_IF | RFLAGS_DF) || a->ret != 0)
		lim_fail("AP %lu: RFLAGS %#lx and [RSP] %#lx at entry, want IF, DF clear and a return address of 0",
		         i, a->frame.rflags, a->ret);
	why = cpu_state_problem(a->cr0, a->cr4, a->efer, a->pat, c->levels);
	if (why)
		lim_fail("AP %lu: %s (CR0 %#lx CR4 %#lx EFER %#lx PAT %#lx)", i, why, a->cr0,
		         a->cr4, a->efer, a->pat);
	if (a->cs != 0x28 || a->ds != 0x30 || a->es != 0x30 || a->ss != 0x30 ||
	    a->fs != 0x30 || a->gs != 0x30)
		lim_fail("AP %lu: CS %#x DS %#x ES %#x SS %#x FS %#x GS %#x, want 0x28 and 0x30",
		         i, a->cs, a->ds, a->es, a->ss, a->fs, a->gs);
	mem_check_stack(c, a->rsp, "AP stack");
}

void mp_run(struct kctx *c)
{
	const struct lp_smp_response *r = (const struct lp_smp_response *)response_of(&lim_smp_req.r);
	const uint64_t *cpus = (const uint64_t *)r->cpus;
	uint64_t rsps[LIM_MAX_CPUS], n = 0, i, deadline, bad;
	uint32_t bsp = bsp_id(c);
	const char *why;

	lim_phase = "MP start";
	for (i = 0; i < r->cpu_count; i++) {
		struct lp_smp_info *info = (struct lp_smp_info *)cpus[i];

		if (info->lapic_id == bsp)
			continue;
		__atomic_store_n(&info->extra_argument, AP_COOKIE + i, __ATOMIC_SEQ_CST);
		__atomic_store_n(&info->goto_address, (uint64_t)lim_ap_entry, __ATOMIC_SEQ_CST);
	}
	c->mp_started = 1;
	deadline = rdtsc() + AP_WAIT_S * fw_tsc_hz();
	while (!all_ran(r, bsp) && rdtsc() < deadline)
		__asm__ volatile("pause");

	lim_phase = "MP records";
	if (__atomic_load_n(&stray, __ATOMIC_SEQ_CST))
		lim_fail("%u CPUs ran lim_ap_entry with an extra_argument this kernel did not write",
		         stray);
	rsps[n++] = c->entry_rsp;
	for (i = 0; i < r->cpu_count; i++) {
		const struct lp_smp_info *info = (const struct lp_smp_info *)cpus[i];

		if (info->lapic_id == bsp)
			continue;
		check_ap(c, i, info);
		rsps[n++] = rec[i].rsp;
	}
	why = lc_stacks_problem(rsps, n, LIM_STACK_SIZE, &bad);
	if (why)
		lim_fail("stack of %s %lu (entry RSP %#lx): %s", bad ? "AP" : "the BSP", bad,
		         rsps[bad], why);
}
#endif /* LIM_MP */
