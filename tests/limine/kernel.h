/*
 * kernel.h - what the parts of the full Limine test kernel share: its
 * requests (requests.c), the state the checks build up (struct kctx), and
 * each part's entry points.  The parts, in the order limine_main runs
 * them: kernel.c (entry state, CPU state, GDT), memory.c (memory map,
 * page tables, HHDM, the kernel image, stacks, loader data, scribble),
 * responses.c (every response that is not firmware or MP), firmware.c
 * (ACPI, SMBIOS, UEFI, RTC, interrupt masks), mp.c (the APs).
 */
#ifndef RUNWAY_LIMINE_KERNEL_H
#define RUNWAY_LIMINE_KERNEL_H

#include <stdint.h>

#include "checks.h"
#include "lchecks.h"
#include "lproto.h"

/* Variant settings (limine.mk): the base revision the kernel asks for,
 * whether it has the SMP request, whether that request sets flags bit 0
 * (enable x2APIC, if possible), whether its paging mode request prefers
 * 5-level paging (LIM_PAGING5: mode 1, max_mode 1, min_mode 0; else 4-level
 * for all three), and whether it is a PIE. */
#ifndef LIM_REVISION
#define LIM_REVISION 3
#endif
#ifndef LIM_MP
#define LIM_MP 1
#endif
#ifndef LIM_X2APIC
#define LIM_X2APIC 0
#endif
#if LIM_X2APIC && !LIM_MP
#error "LIM_X2APIC needs the SMP request (LIM_MP=1)"
#endif
#ifndef LIM_PAGING5
#define LIM_PAGING5 0
#endif
#ifndef KERNEL_PIE
#define KERNEL_PIE 0
#endif
#ifndef EXPECTED_CMDLINE
#define EXPECTED_CMDLINE "limine-test console=ttyS0 answer=42"
#endif
#ifndef EXPECTED_KERNEL_PATH
#define EXPECTED_KERNEL_PATH "/boot/kernel.elf"
#endif
/*
 * Revision 3 of the upstream protocol also makes the SMBIOS entry points
 * and the EFI system table physical addresses (as the RSDP): on UEFI they
 * live in reserved memory, which the revision-3 HHDM does not map.  Set
 * to 0 to expect HHDM addresses there instead.
 */
#ifndef LIM_REV3_PHYSICAL_TABLES
#define LIM_REV3_PHYSICAL_TABLES 1
#endif

#define KIB ((uint64_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

#define LIM_STACK_SIZE   (128 * KIB) /* what the stack size request asks */
#define LIM_LINK_BASE    ((uint64_t)(KERNEL_PIE ? 0 : 0xffffffff80000000ull))
#define LIM_KERNEL_FLOOR ((uint64_t)0xffffffff80000000ull) /* the lowest allowed base */
#define LIM_MAX_CPUS     64
#define LIM_MAX_MAP      1024 /* memory map entries the kernel keeps */

/* The HHDM offsets the loader uses (Limine's): 4-level and 5-level. */
#define LIM_HHDM_4LVL ((uint64_t)0xffff800000000000ull)
#define LIM_HHDM_5LVL ((uint64_t)0xff00000000000000ull)
/* The lowest higher-half (canonical, bit 63 set) address: 48 or 57 bits. */
#define LIM_HIGHER_HALF(levels) ((levels) == 5 ? LIM_HHDM_5LVL : LIM_HHDM_4LVL)

/* The registers at entry, pushed by kentry.S (lowest address first). */
struct entry_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t rflags;
};
#define ENTRY_RSP(f) ((uint64_t)(f) + sizeof(struct entry_frame))

/* ---- requests.c ----------------------------------------------------- */

extern uint64_t lim_base_revision[3];
extern struct lp_request lim_bootloader_info_req, lim_firmware_type_req,
	lim_hhdm_req, lim_framebuffer_req, lim_memmap_req, lim_kernel_file_req,
	lim_rsdp_req, lim_smbios_req, lim_efi_system_table_req, lim_efi_memmap_req,
	lim_boot_time_req, lim_kernel_address_req;
extern struct lp_stack_size_request lim_stack_size_req;
extern struct lp_paging_mode_request lim_paging_mode_req;
extern struct lp_entry_point_request lim_entry_point_req;
extern struct lp_module_request lim_module_req;
#if LIM_MP
extern struct lp_smp_request lim_smp_req;
#endif
extern const char lim_internal_path[], lim_internal_cmdline[];

/* The response pointer of a request, read from memory every time. */
static inline uint64_t response_of(const struct lp_request *r)
{
	return __atomic_load_n(&r->response, __ATOMIC_RELAXED);
}

/* ---- the state the checks share --------------------------------------- */

struct kctx {
	uint64_t entry_rsp;
	uint64_t cr3;
	int levels;       /* paging levels, from CR4.LA57 at entry: 4 or 5 (every
	                   * walk follows it; only LIM_PAGING5 allows 5) */
	int nxe;          /* EFER.NXE */
	int revision;     /* the base revision in force */
	uint64_t hhdm;    /* HHDM offset */
	const struct lp_memmap_entry *map; /* the memory map, copied */
	uint64_t nmap;
	uint64_t vbase, pbase;            /* kernel address response */
	const struct lp_file *kfile;      /* kernel file response's file */
	uint64_t nmodules;
	struct lc_cpu cpus[LIM_MAX_CPUS]; /* the MADT's enabled CPUs */
	uint32_t ncpus;
	struct lc_ioapic ioapics[16];
	uint32_t nioapics;
	uint64_t efi_config, efi_nconfig; /* EFI configuration table (phys) */
	uint64_t rsdp_phys, smbios32, smbios64;
	int mp_started;   /* goto_address written to every AP */
	uint64_t mp_cpus; /* cpu_count */
	int x2apic;       /* SMP response flags bit 0: x2APIC enabled */
	uint64_t fb_width, fb_height, fb_bpp;
	char bootloader[64];
	char disk_uuid[37], part_uuid[37];
	int64_t boot_time, rtc_time;
};

/* ---- memory.c ---------------------------------------------------------- */

/* Walks the live tables for virt; a failed walk is a FAIL naming what. */
void mem_translate(const struct kctx *c, uint64_t virt, const char *what,
                   struct pt_walk *w);
/* The leaf entry a successful walk of virt ended on. */
uint64_t mem_leaf(const struct kctx *c, uint64_t virt, const struct pt_walk *w);

/*
 * Loader data: requires [virt, virt + len) to be HHDM addresses mapping
 * virt - hhdm, in memory map entries of the given type, and records the
 * range for the digest taken around the scribble.  Returns its physical
 * address.  lim_string does the same for a NUL-terminated string (at
 * most max bytes before the NUL) and returns it.
 */
uint64_t lim_data(const struct kctx *c, uint64_t virt, uint64_t len, uint64_t type,
                  const char *what);
const char *lim_string(const struct kctx *c, uint64_t virt, uint64_t max,
                       const char *what);
#define RECLAIM LP_MEMMAP_BOOTLOADER_RECLAIMABLE

/* The region record: cleared, hashed, compared. */
void lim_data_reset(void);
void lim_data_hash(void);
void lim_data_save(void);
void lim_data_compare(void);
uint64_t lim_data_count(void);

/* Requires [virt, virt + len) to be HHDM addresses of virt - hhdm;
 * returns the physical address (nothing recorded). */
uint64_t mem_hhdm_range(const struct kctx *c, uint64_t virt, uint64_t len,
                        const char *what);
/* The framebuffer: mapped through the HHDM, writable, write-combining,
 * in framebuffer entries of the map. */
void mem_check_framebuffer(const struct kctx *c, uint64_t virt, uint64_t len);

void mem_check_memmap(struct kctx *c);
void mem_memmap_handover(const struct kctx *c);
void mem_check_tables(const struct kctx *c);
void mem_check_hhdm(const struct kctx *c);
void mem_check_identity(const struct kctx *c);
void mem_check_kernel_image(struct kctx *c);
void mem_check_stack(const struct kctx *c, uint64_t rsp, const char *what);
void mem_check_bss_zero(void);
uint64_t mem_scribble(const struct kctx *c);

/* ---- responses.c ----------------------------------------------------- */

uint64_t resp_hhdm_offset(const struct kctx *c); /* before the map: minimal */
/* Right after the HHDM offset: the paging mode response against CR4.LA57,
 * CPUID's LA57 and what was asked, and the HHDM offset for that mode. */
void resp_check_paging(const struct kctx *c);
void resp_check_all(struct kctx *c);       /* every response but MP and firmware */
void resp_paint_framebuffer(const struct kctx *c);

/* ---- firmware.c ------------------------------------------------------ */

/* A mapping of physical [phys, phys + len) (2 MiB pages, kernel-made). */
const void *fw_map(const struct kctx *c, uint64_t phys, uint64_t len, int uncached);
void fw_check_all(struct kctx *c);
void fw_check_interrupts_masked(const struct kctx *c);
uint64_t fw_tsc_hz(void);

/* ---- mp.c ------------------------------------------------------------ */

void mp_check_response(struct kctx *c);
void mp_run(struct kctx *c);

/* ---- kernel.c -------------------------------------------------------- */

/* The CPU-state checks an AP's record is held to as well; levels is the
 * paging the CPU must run (CR4.LA57 set for 5, clear for 4). */
const char *cpu_state_problem(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t pat,
                              int levels);
/* CPUID.(EAX=7,ECX=0):ECX bit 16: the CPU can run 5-level paging. */
int cpu_has_la57(void);
/* The first register of f that is not 0 (RDI: not rdi), with its value. */
const char *entry_regs_problem(const struct entry_frame *f, uint64_t rdi,
                               uint64_t *value);

#endif /* RUNWAY_LIMINE_KERNEL_H */
