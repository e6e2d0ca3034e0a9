/*
 * kernel.c - the full Limine-protocol test kernel: makes every request of
 * the protocol (requests.c), checks each response and the machine state
 * against the specification (lproto.h names the text), and reports one
 * line on COM1 (report.h):
 *     limine-kernel: PASS rev=R bootloader=NAME/VERSION hhdm=H vbase=V
 *         pbase=P cpus=N modules=N fb=WxHxB mmap=N usable_mib=N
 *         boot_time=T rtc=T disk=GUID part=GUID regions=N scribbled_kib=N
 *         [x2apic=0|1, the x2apic variant only: SMP response flags bit 0]
 *         [paging=4|5, the 5lvl variant only: the paging levels in force]
 *     limine-kernel: FAIL <what, expected, got>
 * then exits QEMU (0x10 pass, 0x11 fail on port 0xf4).
 *
 * Variants (limine.mk): limine.elf (static, revision 3, MP), limine-nomp
 * (no SMP request), limine-pie (PIE linked at 0), limine-rev0 (base
 * revision 0: identity map checked), limine-x2apic (the SMP request's
 * flags bit 0: x2APIC enabled if the CPU has it, checked in mp.c),
 * limine-5lvl (LIM_PAGING5: the paging mode request prefers 5-level,
 * mode 1, max_mode 1, min_mode 0; 5-level required when CPUID has LA57).
 *
 * The checks, in order, each expected value with where it comes from:
 *   - entry: through the Entry Point request's lim_entry, not e_entry
 *     (tests/kernel/entry.S's _start: a FAIL); RSP + 8 16-byte aligned and
 *     [RSP] = 0 (the pushed return address); RAX..R15 but RSP all 0
 *     ("All other general purpose registers are set to 0"); IF, DF and VM
 *     clear;
 *   - CPU: CR0.PE, PG, WP; CR4.PAE, CR4.LA57 clear (4-level asked; in
 *     the 5lvl variant CR4.LA57 is checked against the paging mode
 *     response, below);
 *     EFER.LME, LMA, NXE when CPUID has NX; IA32_PAT = the spec's layout;
 *     CS = 0x28 and DS = ES = SS = FS = GS = 0x30 (the 64-bit descriptors
 *     of the spec's list, at 8 bytes each); .bss zero;
 *   - base revision tag: magic intact, tag[2] = 0 (revision accepted);
 *   - paging mode (responses.c resp_check_paging, right after the HHDM
 *     offset): response mode 0 (4-level) in every variant but 5lvl; in
 *     5lvl mode = CR4.LA57 = CPUID.(EAX=7,ECX=0):ECX bit 16 (LA57): 5-level
 *     exactly when the CPU can, and the HHDM offset 0xff00000000000000
 *     with 5 levels, 0xffff800000000000 with 4.  Every page-table walk
 *     below follows CR4.LA57 (4 or 5 levels, 48- or 57-bit canonical);
 *   - memory map (memory.c): entries sorted, usable and bootloader-
 *     reclaimable 4 KiB aligned and overlapping nothing, nothing usable
 *     below 0x1000, types 0..7;
 *   - GDT: limit >= 55, in bootloader-reclaimable memory, the seven
 *     descriptors the spec lists (lchecks.c lc_gdt_problem);
 *   - page tables: every paging structure in bootloader-reclaimable memory;
 *   - HHDM: the entries the revision says (lc_hhdm_maps_type) and, below
 *     revision 3, all of [0, 4 GiB) map hhdm + p to p, supervisor,
 *     writable, write-back (framebuffer entries write-combining); rev 0:
 *     [0x1000, 4 GiB) and every entry identity-mapped too;
 *   - kernel image: the kernel address response's virtual base is where
 *     the kernel runs (at or above 0xffffffff80000000), and every page of
 *     text, rodata, requests, data and bss maps physical_base + (virt -
 *     virtual_base) (the spec's physically contiguous image), in
 *     executable-and-modules memory, text R+X, rodata R, data RW+NX,
 *     write-back;
 *   - stack: the 128 KiB below the entry RSP mapped, writable, in
 *     bootloader-reclaimable memory (the stack size request);
 *   - responses (responses.c, firmware.c, mp.c): each present, each
 *     response and everything it points to an HHDM address in
 *     bootloader-reclaimable memory (kernel and module bytes: executable-
 *     and-modules), and what each says (see those files);
 *   - legacy PIC and I/O APIC fixed/lowest-priority inputs masked;
 *   - the framebuffer painted and read back;
 *   - MP: every AP runs the kernel's function once on its own stack
 *     (x2APIC mode and IDs too in the x2apic variant), in the BSP's paging
 *     mode (CR4.LA57 as the BSP's);
 *   - last, the scribble: sampled usable memory written and read back, then
 *     every response checked again and every byte of loader data recorded
 *     along the way (lim_data) compared with its digest from before.
 */
#include <stdint.h>

#include "cpu.h"
#include "kernel.h"
#include "report.h"
#include "serial.h"

#define GDT_CODE64 0x28
#define GDT_DATA64 0x30
#define GDT_ENTRIES 7
#define RFLAGS_VM (1ull << 17)
#define MSR_PAT 0x277u
#define CPUID_7_ECX_LA57 (1u << 16) /* leaf 7 subleaf 0 */

static struct kctx ctx; /* .bss: filled only after the .bss check */

/* tests/kernel/entry.S's _start (e_entry) calls this: the wrong door. */
void __attribute__((noreturn)) kernel_main(uint64_t rdi, uint64_t rsp, uint64_t rflags);
void __attribute__((noreturn)) kernel_main(uint64_t rdi, uint64_t rsp, uint64_t rflags)
{
	lim_report_init();
	lim_fail("entered at e_entry (_start) with RDI %#lx RSP %#lx RFLAGS %#lx; want the entry point request's lim_entry",
	         rdi, rsp, rflags);
}

const char *entry_regs_problem(const struct entry_frame *f, uint64_t rdi,
                               uint64_t *value)
{
	static const char *const names[15] = {
		"R15", "R14", "R13", "R12", "R11", "R10", "R9", "R8",
		"RBP", "RDI", "RSI", "RDX", "RCX", "RBX", "RAX",
	};
	const uint64_t *r = (const uint64_t *)f;
	int i;

	for (i = 0; i < 15; i++) {
		if (r[i] != (i == 9 ? rdi : 0)) {
			*value = r[i];
			return names[i];
		}
	}
	return 0;
}

static void check_entry(struct kctx *c, const struct entry_frame *f)
{
	uint64_t value = 0;
	const char *reg = entry_regs_problem(f, 0, &value);

	lim_phase = "entry state";
	c->entry_rsp = ENTRY_RSP(f);
	if (reg)
		lim_fail("%s is %#lx at entry, want 0 (all general-purpose registers but RSP)",
		         reg, value);
	if (f->rflags & (RFLAGS_IF | RFLAGS_DF | RFLAGS_VM))
		lim_fail("RFLAGS at entry is %#lx, want IF, DF and VM clear", f->rflags);
	if ((c->entry_rsp + 8) % 16)
		lim_fail("RSP at entry is %#lx, want RSP + 8 16-byte aligned", c->entry_rsp);
	if (*(const uint64_t *)c->entry_rsp != 0)
		lim_fail("[RSP] at entry is %#lx, want the pushed return address 0",
		         *(const uint64_t *)c->entry_rsp);
}

static int cpu_has_nx(void)
{
	uint32_t max, a, b, cx, d = 0;

	cpuid(CPUID_EXT_MAX, &max, &b, &cx, &d);
	if (max < CPUID_EXT_FEATURES)
		return 0;
	cpuid(CPUID_EXT_FEATURES, &a, &b, &cx, &d);
	return (d & CPUID_EDX_NX) != 0;
}

int cpu_has_la57(void)
{
	uint32_t max, b, cx, d;

	cpuid(0, &max, &b, &cx, &d);
	if (max < 7)
		return 0;
	cpuid(7, &max, &b, &cx, &d); /* subleaf (ECX) 0 */
	return (cx & CPUID_7_ECX_LA57) != 0;
}

const char *cpu_state_problem(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t pat,
                              int levels)
{
	if (!(cr0 & CR0_PE) || !(cr0 & CR0_PG) || !(cr0 & CR0_WP))
		return "CR0.PE, PG or WP clear";
	if (!(cr4 & CR4_PAE))
		return "CR4.PAE clear";
	if ((cr4 & CR4_LA57) && levels != 5)
		return LIM_PAGING5 ? "CR4.LA57 set: 5-level paging, but the BSP runs 4-level (paging mode response mode 0)"
		                   : "CR4.LA57 set: 5-level paging, but the paging mode request asks for 4-level";
	if (!(cr4 & CR4_LA57) && levels == 5)
		return "CR4.LA57 clear: 4-level paging, but the BSP runs 5-level (paging mode response mode 1)";
	if (!(efer & EFER_LME) || !(efer & EFER_LMA))
		return "EFER.LME or LMA clear";
	if (cpu_has_nx() != !!(efer & EFER_NXE))
		return "EFER.NXE does not match CPUID's NX bit (NX is to be enabled if available)";
	return lc_pat_problem(pat);
}

static void check_cpu(struct kctx *c)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);
	uint64_t pat = rdmsr(MSR_PAT);
	/* The 5lvl variant takes the levels CR4 says here and holds them to
	 * the paging mode response and CPUID in resp_check_paging; the others
	 * asked for 4-level only. */
	int levels = LIM_PAGING5 && (cr4 & CR4_LA57) ? 5 : 4;
	const char *why = cpu_state_problem(cr0, cr4, efer, pat, levels);

	lim_phase = "CPU state";
	if (why)
		lim_fail("%s (CR0 %#lx CR4 %#lx EFER %#lx PAT %#lx)", why, cr0, cr4, efer, pat);
	if (read_cs() != GDT_CODE64)
		lim_fail("CS is %#x at entry, want %#x (the 64-bit code descriptor, 6th in the spec's GDT)",
		         read_cs(), GDT_CODE64);
	if (read_ds() != GDT_DATA64 || read_es() != GDT_DATA64 || read_ss() != GDT_DATA64 ||
	    read_fs() != GDT_DATA64 || read_gs() != GDT_DATA64)
		lim_fail("data segments at entry: DS %#x ES %#x SS %#x FS %#x GS %#x, want %#x (the 64-bit data descriptor)",
		         read_ds(), read_es(), read_ss(), read_fs(), read_gs(), GDT_DATA64);
	c->cr3 = read_cr3();
	c->levels = levels;
	c->nxe = (efer & EFER_NXE) != 0;
}

static void check_base_revision(struct kctx *c)
{
	uint64_t t0 = __atomic_load_n(&lim_base_revision[0], __ATOMIC_RELAXED);
	uint64_t t1 = __atomic_load_n(&lim_base_revision[1], __ATOMIC_RELAXED);
	uint64_t t2 = __atomic_load_n(&lim_base_revision[2], __ATOMIC_RELAXED);
	const uint64_t magic[2] = { LP_BASE_REVISION_MAGIC };

	lim_phase = "base revision";
	if (t0 != magic[0] || t1 != magic[1])
		lim_fail("base revision tag magic changed to %#lx %#lx", t0, t1);
	if (t2 != 0)
		lim_fail("base revision tag[2] is %lu after boot, want 0: the loader did not accept revision %d",
		         t2, LIM_REVISION);
	c->revision = LIM_REVISION;
}

static void check_gdt(const struct kctx *c)
{
	struct gdtr g = read_gdtr();
	const uint64_t *gdt;
	unsigned i;

	lim_phase = "GDT";
	if (g.limit < GDT_ENTRIES * 8 - 1)
		lim_fail("GDT limit is %#x, want at least %#x (the spec's seven descriptors)",
		         g.limit, GDT_ENTRIES * 8 - 1);
	lim_data(c, g.base, (uint64_t)g.limit + 1, RECLAIM, "GDT");
	gdt = (const uint64_t *)g.base;
	for (i = 0; i < GDT_ENTRIES; i++) {
		const char *why = lc_gdt_problem(i, gdt[i]);

		if (why)
			lim_fail("GDT descriptor %u (selector %#x) is %#lx: %s", i, i * 8, gdt[i], why);
	}
}

/* Everything that is only read: run before and after the scribble. */
static void check_handover(struct kctx *c)
{
	lim_data_reset();
	check_base_revision(c);
	check_gdt(c);
	resp_check_all(c);
	fw_check_all(c);
#if LIM_MP
	mp_check_response(c);
#endif
}

static __attribute__((noreturn)) void report_pass(const struct kctx *c, uint64_t scribbled)
{
	char cpus[24] = "none";

	if (LIM_MP) {
		uint64_t n = c->mp_cpus;
		int i = 0;
		char t[24];

		do {
			t[i++] = (char)('0' + n % 10);
			n /= 10;
		} while (n);
		for (n = 0; i > 0; n++)
			cpus[n] = t[--i];
		cpus[n] = 0;
	}
	lim_pass("rev=%d bootloader=%s hhdm=%#lx vbase=%#lx pbase=%#lx cpus=%s modules=%lu fb=%lux%lux%lu mmap=%lu usable_mib=%lu boot_time=%ld rtc=%ld disk=%s part=%s regions=%lu scribbled_kib=%lu%s%s",
	         c->revision, c->bootloader, c->hhdm, c->vbase, c->pbase, cpus, c->nmodules,
	         c->fb_width, c->fb_height, c->fb_bpp, c->nmap,
	         lc_mmap_sum(c->map, c->nmap, LP_MEMMAP_USABLE) / MIB, c->boot_time,
	         c->rtc_time, c->disk_uuid, c->part_uuid, lim_data_count(), scribbled / KIB,
	         !LIM_X2APIC ? "" : c->x2apic ? " x2apic=1" : " x2apic=0",
	         !LIM_PAGING5 ? "" : c->levels == 5 ? " paging=5" : " paging=4");
}

void __attribute__((noreturn)) limine_main(const struct entry_frame *f);
void __attribute__((noreturn)) limine_main(const struct entry_frame *f)
{
	struct kctx *c = &ctx;
	uint64_t scribbled;

	lim_report_init();
	mem_check_bss_zero(); /* before anything writes .bss */
	check_entry(c, f);
	check_cpu(c);
	check_base_revision(c);
	c->hhdm = resp_hhdm_offset(c);
	resp_check_paging(c);
	mem_check_memmap(c);
	mem_check_tables(c);
	mem_check_hhdm(c);
	if (c->revision == 0)
		mem_check_identity(c);
	mem_check_kernel_image(c);
	mem_check_stack(c, c->entry_rsp, "BSP stack");

	check_handover(c);
	fw_check_interrupts_masked(c);
	resp_paint_framebuffer(c);
#if LIM_MP
	mp_run(c);
#endif

	/* Last: this destroys usable memory. */
	check_handover(c);
	lim_data_hash();
	lim_data_save();
	scribbled = mem_scribble(c);
	check_handover(c);
	lim_data_hash();
	lim_data_compare();
	report_pass(c, scribbled);
}
