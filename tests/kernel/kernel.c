/*
 * kernel.c - Runway's test kernel: a freestanding higher-half ELF64 kernel
 * that checks, from the inside, that Runway kept every promise of the boot
 * protocol (include/runway/boot.h), then reports on COM1 and exits QEMU.
 *
 * Serial output (lines end in "\n"):
 *     kernel: hello from runway test kernel
 * then exactly one of
 *     kernel: PASS mmap_entries=N usable_mib=N kernel_pages=N layout=L data_kib=N
 *             hhdm_page=P modules=N scribble=S scribbled_mib=N vbase=0xV
 *             (one line; vbase is where the kernel runs: its link address,
 *             or for the PIE variants the base Runway chose)
 *     kernel: FAIL <reason, with the values involved>
 * (layout is "contiguous" or "scattered"; kernel_pages counts distinct pages;
 * hhdm_page is the page size mapping physical 0 in the direct map, "1G",
 * "2M" or "4K"; scribble is "full" or "sampled", see below)
 * followed by a write to QEMU's isa-debug-exit port 0xf4: 0x10 on PASS
 * (QEMU exits with status 33), 0x11 on FAIL (status 35).  Then cli; hlt.
 * A CPU exception during the checks is caught and reported as a FAIL.
 *
 * Checks, in order, stopping at the first failure:
 *   - relocation: two pointers to themselves (one in .data.rel.ro, one in
 *     .data) hold their own run-time addresses;
 *   - entry state: IF and DF clear, CS = 0x08, DS/ES/SS/FS/GS = 0x10,
 *     RSP = 16-byte aligned - 8 with [RSP] = 0;
 *   - control registers: CR0.PE, CR0.PG, CR0.WP, CR4.PAE, EFER.LME and
 *     EFER.LMA set, CR4.LA57 clear (Runway hands over 4-level tables), and
 *     EFER.NXE set exactly when CPUID 0x80000001 EDX bit 20 reports NX;
 *   - the boot info pointer is a mapped direct-map address; magic,
 *     version, size and hhdm_offset are right;
 *   - the memory map: count > 0, lengths > 0, sorted strictly by base,
 *     non-overlapping, types 1..9, usable entries page-aligned and not at
 *     page 0;
 *   - the GDT (sgdt): limit >= 23, base a direct-map address in
 *     loader-reclaimable memory, descriptor 1 (0x08) a present DPL-0
 *     64-bit code segment (L=1, D=0), descriptor 2 (0x10) a present DPL-0
 *     writable data segment;
 *   - the stack: RUNWAY_STACK_SIZE bytes, RSP = stack top - 8, mapped
 *     writable;
 *   - the kernel image: kernel_virt_base/size/phys_base agree with the
 *     link, and every page of text, rodata, data and bss, translated by
 *     walking the live page tables (CR3, read through the direct map),
 *     lies in a RUNWAY_MEM_KERNEL entry.  The walk, rather than
 *     phys = virt - kernel_virt_base + kernel_phys_base, keeps this right
 *     when Runway places the kernel's pages non-contiguously; the PASS
 *     line says which layout it found.  Text must be mapped read-only,
 *     rodata read-only and (with EFER.NXE) non-executable, data and bss
 *     writable and non-executable (CHECK_SEGMENT_PERMS=1, the default);
 *   - the direct map: sampled pages (every 2 MiB, first and last page) of
 *     every entry that is not reserved or bad map to hhdm + phys; then
 *     every page of physical [0, max(4 GiB, end of the highest usable,
 *     reclaimable, kernel or module entry)) maps to hhdm + phys, is
 *     non-executable when EFER.NXE is on, and is writable where it maps
 *     usable memory;
 *   - the whole page-table tree: every paging structure is in
 *     loader-reclaimable memory, and with EFER.NXE no page anywhere
 *     (kernel image, direct map or elsewhere) is writable and executable;
 *   - placement: boot info, memory map array, command line, stack and
 *     the top-level table lie in loader-reclaimable memory; the ACPI RSDP,
 *     SMBIOS entry point and EFI system table are not in usable memory;
 *     the framebuffer is in the direct map;
 *   - modules: each in module memory with virt = hhdm + phys, path and
 *     string NUL-terminated, and a module whose string is
 *     "fnv1a64=<16 hex digits>" hashes (FNV-1a 64 over size bytes) to it;
 *   - the command line equals EXPECTED_CMDLINE;
 *   - the load times (size covers them; every phase and their sum at most
 *     the total), printed first as "kernel: load-times total_us=N ...";
 *   - contents: the .rodata and .data pattern blobs (pattern.h) match
 *     word for word, and all of .bss reads as zero;
 *   - last, because it destroys usable memory: the scribble.  Boot info,
 *     memory map, GDT, page-table hash and module hashes are first copied
 *     to .bss (struct saved); then a pattern derived from the physical
 *     address (checks.h, scribble_word) is written through the direct map
 *     over all usable memory when there is at most 3 GiB of it ("full";
 *     the limit is SCRIBBLE_FULL_LIMIT in checks.h, overridable with -D),
 *     else over the first and last page of every usable entry and every
 *     256th page between ("sampled").  Read back, every word must still
 *     hold its own address's pattern (two addresses that alias show up as
 *     one holding the other's), and the blobs, the rest of .bss, boot info,
 *     memory map, command line, GDT, page tables and modules must be
 *     unchanged: no usable page overlaps anything the loader handed over.
 *
 * Options (-D): EXPECTED_CMDLINE (a string literal), BIG_DATA_MIB (size of
 * the .data blob, see pattern.h), CHECK_SEGMENT_PERMS (1 by default: the
 * segment permissions above; 0 only requires data and bss writable).
 *
 * Nothing in this kernel writes to .bss before the contents check, so the
 * zero check covers it all; the little mutable state it has until then is
 * kept in .data or on the stack.
 */
#include <stdarg.h>
#include <stdint.h>

#include <runway/boot.h>

#include "checks.h"
#include "cpu.h"
#include "pattern.h"
#include "serial.h"

#ifndef EXPECTED_CMDLINE
#define EXPECTED_CMDLINE "runway-test console=ttyS0 answer=42"
#endif

#ifndef CHECK_SEGMENT_PERMS
#define CHECK_SEGMENT_PERMS 1
#endif

#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_PASS 0x10 /* QEMU exit status (0x10 << 1) | 1 = 33 */
#define QEMU_EXIT_FAIL 0x11 /* QEMU exit status (0x11 << 1) | 1 = 35 */

#define HHDM        ((uint64_t)RUNWAY_HHDM_OFFSET)
#define MIB         ((uint64_t)1024 * 1024)
#define GIB         ((uint64_t)1024 * MIB)
#define MAX_MMAP    65536u  /* more entries than this is not a real map */
#define MAX_MODULES 4096u
#define MAX_CMDLINE 65536u

/* From kernel.ld. */
extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];

/* From blobs.S. */
extern char rodata_blob_start[], rodata_blob_end[];
extern char data_blob_start[], data_blob_end[];

/* From entry.S: the addresses of the 32 exception stubs. */
extern const uint64_t exception_stubs[32];

/*
 * The .bss test array: 64 KiB and a bit, so .bss spans whole pages past the
 * data segment's file contents as well as the partial page it shares.
 */
__attribute__((used)) uint64_t bss_probe[8192 + 3];

/* What is being checked, for the exception handler's message (.data). */
static const char *volatile phase = "startup";
static volatile int in_exception = 0x5a; /* 0x5a = no; non-zero keeps it in .data */

/* Everything the checks share, on the stack (no .bss state). */
struct ctx {
	const struct runway_boot_info *bi;
	uint64_t cr3;
	int levels; /* always 4: CR4.LA57 set is a FAIL */
	int nxe;    /* EFER.NXE: XD bits mean something */
	const struct runway_mmap_entry *map;
	uint64_t count;       /* 0 until the map has been validated */
	uint64_t gdt_base;    /* from sgdt, once checked */
	uint64_t gdt_limit;
	uint64_t hhdm_end;    /* physical [0, hhdm_end) checked mapped */
	uint64_t hhdm_page;   /* page size mapping physical 0 */
};

/*
 * What the loader handed over, copied just before the scribble (after the
 * .bss zero check) and compared after it.  The only .bss the kernel writes.
 */
#define SAVED_MMAP_MAX 1024u
static struct saved {
	struct runway_boot_info bi;
	struct runway_mmap_entry map[SAVED_MMAP_MAX]; /* the first entries */
	uint64_t mmap_hash;    /* FNV-1a of all mmap_count entries */
	uint64_t cmdline_hash; /* ... of the command line and its NUL */
	uint64_t gdt[3];
	uint64_t gdt_hash;     /* ... of the whole GDT (limit + 1 bytes) */
	uint64_t pt_hash, pt_tables;
	struct {
		uint64_t data, path, string;
	} module[MAX_MODULES];
} saved;

/* ---- reporting ------------------------------------------------------- */

static __attribute__((noreturn)) void qemu_exit(uint8_t code)
{
	outb(QEMU_EXIT_PORT, code);
	halt_forever(); /* not under QEMU, or no isa-debug-exit device */
}

static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	serial_puts("kernel: FAIL ");
	va_start(ap, fmt);
	serial_vprintf(fmt, ap);
	va_end(ap);
	serial_puts("\n");
	qemu_exit(QEMU_EXIT_FAIL);
}

/* ---- CPU exceptions -------------------------------------------------- */

struct exception_frame {
	uint64_t vector, error;              /* pushed by the stub */
	uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU  */
};

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t zero;
} __attribute__((packed));

/* In .data (not .bss), so that writing it leaves .bss untouched. */
static struct idt_gate idt[32] __attribute__((section(".data.idt"), aligned(16)));

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "res",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "res", "res",
	"res", "res", "res", "res", "#HV", "#VC", "#SX", "res",
};

void __attribute__((noreturn)) exception_handler(const struct exception_frame *f);
void __attribute__((noreturn)) exception_handler(const struct exception_frame *f)
{
	if (in_exception != 0x5a) /* faulted while reporting a fault */
		qemu_exit(QEMU_EXIT_FAIL);
	in_exception = 1;
	fail("CPU exception %lu (%s) error=%#lx rip=%#lx rsp=%#lx cr2=%#lx while checking %s",
	     f->vector, exception_names[f->vector & 31], f->error, f->rip, f->rsp,
	     read_cr2(), phase);
}

static void idt_install(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	uint16_t cs = read_cs();
	int i;

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
	idtr.limit = sizeof idt - 1;
	idtr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* ---- helpers --------------------------------------------------------- */

static const char *region_of(const struct ctx *c, uint64_t phys)
{
	const struct runway_mmap_entry *e = mmap_find(c->map, c->count, phys);

	return e ? mem_type_name(e->type) : "unlisted";
}

/* Walks the live page tables for virt; a failed walk is a FAIL. */
static void translate(const struct ctx *c, uint64_t virt, const char *what,
                      struct pt_walk *w)
{
	enum pt_status s = pt_translate(c->cr3, c->levels, HHDM, virt, w);

	if (s != PT_OK)
		fail("%s: virtual %#lx does not translate: %s (level %d entry %#lx, CR3 %#lx)",
		     what, virt, pt_status_name(s), w->fail_level, w->fail_entry, c->cr3);
}

/* Requires the tables a walk visited to be loader-reclaimable memory. */
static void check_tables_reclaimable(const struct ctx *c, const struct pt_walk *w,
                                     uint64_t virt, const char *what)
{
	uint64_t bad;
	int i;

	for (i = 0; i < w->ntables; i++)
		if (!mmap_range_has_type(c->map, c->count, w->table[i], PAGE_SIZE,
		                         RUNWAY_MEM_LOADER_RECLAIMABLE, &bad))
			fail("page table at physical %#lx (level %d, walking %s virtual %#lx) is in %s memory, want loader-reclaimable",
			     w->table[i], c->levels - i, what, virt, region_of(c, w->table[i]));
}

/*
 * Requires [virt, virt + len) to be direct-map addresses whose pages map to
 * virt - hhdm; returns the physical address of virt.  Done before reading
 * anything Runway points to, so a bad pointer is a FAIL, not a fault.
 */
static uint64_t check_direct_map(const struct ctx *c, uint64_t virt, uint64_t len,
                                 const char *what)
{
	uint64_t page, last;
	struct pt_walk w;

	if (virt < HHDM || len > UINT64_MAX - virt)
		fail("%s at %#lx (+%#lx) is not a direct-map address (hhdm %#lx)",
		     what, virt, len, HHDM);
	last = PAGE_DOWN(virt + (len ? len - 1 : 0));
	for (page = PAGE_DOWN(virt);; page += PAGE_SIZE) {
		translate(c, page, what, &w);
		if (w.phys != page - HHDM)
			fail("%s: direct-map page %#lx maps physical %#lx, want %#lx",
			     what, page, w.phys, page - HHDM);
		if (page == last)
			break;
	}
	return virt - HHDM;
}

/* Requires a direct-map range to lie in memory of the given type. */
static void check_placement(const struct ctx *c, uint64_t virt, uint64_t len,
                            uint32_t type, const char *what)
{
	uint64_t bad;

	if (!mmap_range_has_type(c->map, c->count, virt - HHDM, len, type, &bad))
		fail("%s (physical %#lx, %#lx bytes): physical %#lx is in %s memory, want %s",
		     what, virt - HHDM, len, bad, region_of(c, bad), mem_type_name(type));
}

/* ---- the checks ------------------------------------------------------ */

static void check_entry_state(uint64_t rsp, uint64_t rflags)
{
	phase = "entry state";
	if (rflags & RFLAGS_IF)
		fail("interrupts enabled at entry (RFLAGS %#lx)", rflags);
	if (rflags & RFLAGS_DF)
		fail("direction flag set at entry (RFLAGS %#lx)", rflags);
	if (read_cs() != RUNWAY_GDT_KERNEL_CS)
		fail("CS is %#x at entry, want %#x", read_cs(), RUNWAY_GDT_KERNEL_CS);
	if (read_ds() != RUNWAY_GDT_KERNEL_DS || read_es() != RUNWAY_GDT_KERNEL_DS ||
	    read_ss() != RUNWAY_GDT_KERNEL_DS || read_fs() != RUNWAY_GDT_KERNEL_DS ||
	    read_gs() != RUNWAY_GDT_KERNEL_DS)
		fail("data segments at entry: DS %#x ES %#x SS %#x FS %#x GS %#x, want %#x",
		     read_ds(), read_es(), read_ss(), read_fs(), read_gs(),
		     RUNWAY_GDT_KERNEL_DS);
	if (rsp % 16 != 8)
		fail("RSP at entry is %#lx, want 16-byte aligned minus 8", rsp);
	if (*(const uint64_t *)rsp != 0)
		fail("fake return address [RSP] at entry is %#lx, want 0",
		     *(const uint64_t *)rsp);
}

static void check_control_regs(struct ctx *c)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);
	uint32_t max_ext, a, b, cx, d = 0;
	int cpu_nx = 0;

	phase = "control registers";
	if (!(cr0 & CR0_PE))
		fail("CR0.PE clear (CR0 %#lx), want protected mode", cr0);
	if (!(cr0 & CR0_PG))
		fail("CR0.PG clear (CR0 %#lx), want paging on", cr0);
	if (!(cr0 & CR0_WP))
		fail("CR0.WP clear (CR0 %#lx): supervisor writes ignore read-only pages", cr0);
	if (!(cr4 & CR4_PAE))
		fail("CR4.PAE clear (CR4 %#lx), want PAE paging", cr4);
	if (cr4 & CR4_LA57)
		fail("CR4.LA57 set (CR4 %#lx): 5-level paging, want the 4-level tables Runway builds",
		     cr4);
	if (!(efer & EFER_LME))
		fail("EFER.LME clear (EFER %#lx), want long mode enabled", efer);
	if (!(efer & EFER_LMA))
		fail("EFER.LMA clear (EFER %#lx), want long mode active", efer);

	cpuid(CPUID_EXT_MAX, &max_ext, &b, &cx, &d);
	d = 0;
	if (max_ext >= CPUID_EXT_FEATURES) {
		cpuid(CPUID_EXT_FEATURES, &a, &b, &cx, &d);
		cpu_nx = (d & CPUID_EDX_NX) != 0;
	}
	if (cpu_nx && !(efer & EFER_NXE))
		fail("EFER.NXE clear (EFER %#lx) but the CPU has NX (CPUID 0x80000001 EDX %#x)",
		     efer, d);
	if (!cpu_nx && (efer & EFER_NXE))
		fail("EFER.NXE set (EFER %#lx) but CPUID reports no NX (max extended leaf %#x, 0x80000001 EDX %#x)",
		     efer, max_ext, d);

	c->cr3 = read_cr3();
	c->levels = 4;
	c->nxe = (efer & EFER_NXE) != 0;
}

static void check_header(struct ctx *c, uint64_t bi_addr)
{
	const struct runway_boot_info *bi;

	phase = "boot info header";
	check_direct_map(c, bi_addr, sizeof *bi, "boot info");
	c->bi = bi = (const struct runway_boot_info *)bi_addr;
	if (bi->magic != RUNWAY_BOOT_MAGIC)
		fail("boot info magic %#lx, want %#llx", bi->magic, RUNWAY_BOOT_MAGIC);
	if (bi->version != RUNWAY_BOOT_VERSION)
		fail("boot info version %u, want %u", bi->version, RUNWAY_BOOT_VERSION);
	if (bi->size != sizeof *bi)
		fail("boot info size %u, want %lu", bi->size, sizeof *bi);
	if (bi->hhdm_offset != RUNWAY_HHDM_OFFSET)
		fail("hhdm_offset %#lx, want %#llx", bi->hhdm_offset, RUNWAY_HHDM_OFFSET);
}

static void check_mmap(struct ctx *c)
{
	const struct runway_boot_info *bi = c->bi;
	const struct runway_mmap_entry *map;
	enum mmap_error err;
	uint64_t i;

	phase = "memory map";
	if (bi->mmap_count == 0)
		fail("mmap_count is 0");
	if (bi->mmap_count > MAX_MMAP)
		fail("mmap_count is %lu, more than %u", bi->mmap_count, MAX_MMAP);
	check_direct_map(c, bi->mmap, bi->mmap_count * sizeof *map, "memory map array");
	map = (const struct runway_mmap_entry *)bi->mmap;

	err = mmap_validate(map, bi->mmap_count, &i);
	if (err == MMAP_UNSORTED || err == MMAP_OVERLAP)
		fail("mmap[%lu] base=%#lx length=%#lx type=%u: %s, mmap[%lu] base=%#lx length=%#lx",
		     i, map[i].base, map[i].length, map[i].type, mmap_error_name(err),
		     i - 1, map[i - 1].base, map[i - 1].length);
	if (err != MMAP_OK)
		fail("mmap[%lu] base=%#lx length=%#lx type=%u: %s", i, map[i].base,
		     map[i].length, map[i].type, mmap_error_name(err));
	c->map = map;
	c->count = bi->mmap_count;
}

static void check_gdt(struct ctx *c)
{
	struct gdtr g = read_gdtr();
	const uint64_t *gdt;
	const char *why;

	phase = "GDT";
	if (g.limit < 23)
		fail("GDT limit %#x, want at least 0x17 (null, code 0x08, data 0x10)", g.limit);
	if (g.base < c->bi->hhdm_offset)
		fail("GDT base %#lx is not a direct-map address (hhdm_offset %#lx)", g.base,
		     c->bi->hhdm_offset);
	check_direct_map(c, g.base, (uint64_t)g.limit + 1, "GDT");
	check_placement(c, g.base, (uint64_t)g.limit + 1, RUNWAY_MEM_LOADER_RECLAIMABLE,
	                "GDT");
	gdt = (const uint64_t *)g.base;
	why = gdt_code64_problem(gdt[RUNWAY_GDT_KERNEL_CS / 8]);
	if (why)
		fail("GDT descriptor %#x at %#lx is %#lx: %s; want a present DPL-0 64-bit code segment (L=1, D=0)",
		     RUNWAY_GDT_KERNEL_CS, g.base + RUNWAY_GDT_KERNEL_CS,
		     gdt[RUNWAY_GDT_KERNEL_CS / 8], why);
	why = gdt_data_problem(gdt[RUNWAY_GDT_KERNEL_DS / 8]);
	if (why)
		fail("GDT descriptor %#x at %#lx is %#lx: %s; want a present DPL-0 writable data segment",
		     RUNWAY_GDT_KERNEL_DS, g.base + RUNWAY_GDT_KERNEL_DS,
		     gdt[RUNWAY_GDT_KERNEL_DS / 8], why);
	c->gdt_base = g.base;
	c->gdt_limit = g.limit;
}

static void check_stack(const struct ctx *c, uint64_t rsp)
{
	const struct runway_boot_info *bi = c->bi;
	uint64_t page, bad;
	struct pt_walk w;

	phase = "stack";
	if (bi->stack_size != RUNWAY_STACK_SIZE)
		fail("stack_size %#lx, want %#x", bi->stack_size, RUNWAY_STACK_SIZE);
	if (bi->stack_base > UINT64_MAX - bi->stack_size ||
	    rsp + 8 != bi->stack_base + bi->stack_size)
		fail("entry RSP %#lx is not stack top - 8 (stack_base %#lx stack_size %#lx)",
		     rsp, bi->stack_base, bi->stack_size);
	for (page = PAGE_DOWN(bi->stack_base); page < bi->stack_base + bi->stack_size;
	     page += PAGE_SIZE) {
		translate(c, page, "stack", &w);
		if (!w.writable)
			fail("stack page %#lx is mapped read-only", page);
		check_tables_reclaimable(c, &w, page, "stack");
		if (!mmap_range_has_type(c->map, c->count, PAGE_DOWN(w.phys), PAGE_SIZE,
		                         RUNWAY_MEM_LOADER_RECLAIMABLE, &bad))
			fail("stack page %#lx (physical %#lx) is in %s memory, want loader-reclaimable",
			     page, w.phys, region_of(c, w.phys));
	}
}

struct segment {
	const char *name;
	uint64_t start, end; /* virtual, [start, end) */
	int writable;        /* must be mapped writable (data, bss) */
	int text;            /* may be executable */
};

/*
 * Walks every page of the kernel's own sections and requires each to be
 * in KERNEL memory.  Returns 1 if the image is physically contiguous
 * (phys = virt - kernel_virt_base + kernel_phys_base everywhere).
 */
static int check_kernel_image(const struct ctx *c, uint64_t *npages)
{
	const struct runway_boot_info *bi = c->bi;
	const struct segment segs[] = {
		{ "text",   (uint64_t)__text_start,   (uint64_t)__text_end,   0, 1 },
		{ "rodata", (uint64_t)__rodata_start, (uint64_t)__rodata_end, 0, 0 },
		{ "data",   (uint64_t)__data_start,   (uint64_t)__data_end,   1, 0 },
		{ "bss",    (uint64_t)__bss_start,    (uint64_t)__bss_end,    1, 0 },
	};
	uint64_t link_size = PAGE_UP((uint64_t)__kernel_end - (uint64_t)__kernel_start);
	uint64_t prev_page = 0; /* data and bss can share a page: count it once */
	int contiguous = 1;
	struct pt_walk w;
	unsigned s;

	phase = "kernel image";
	*npages = 0;
	if (bi->kernel_virt_base != (uint64_t)__kernel_start)
		fail("kernel_virt_base %#lx, want the link address %#lx",
		     bi->kernel_virt_base, (uint64_t)__kernel_start);
	if (bi->kernel_size != link_size)
		fail("kernel_size %#lx, want %#lx", bi->kernel_size, link_size);
	translate(c, (uint64_t)__kernel_start, "kernel base", &w);
	if (w.phys != bi->kernel_phys_base)
		fail("kernel_phys_base %#lx, but virtual %#lx maps physical %#lx",
		     bi->kernel_phys_base, (uint64_t)__kernel_start, w.phys);
	if (bi->kernel_phys_base % PAGE_SIZE)
		fail("kernel_phys_base %#lx is not page-aligned", bi->kernel_phys_base);

	for (s = 0; s < sizeof segs / sizeof segs[0]; s++) {
		const struct segment *g = &segs[s];
		uint64_t page, bad;

		for (page = PAGE_DOWN(g->start); page < g->end; page += PAGE_SIZE) {
			translate(c, page, g->name, &w);
			check_tables_reclaimable(c, &w, page, g->name);
			if (!mmap_range_has_type(c->map, c->count, w.phys, PAGE_SIZE,
			                         RUNWAY_MEM_KERNEL, &bad))
				fail("kernel %s page %#lx is at physical %#lx, in %s memory, want kernel",
				     g->name, page, w.phys, region_of(c, bad));
			if (w.phys != page - bi->kernel_virt_base + bi->kernel_phys_base)
				contiguous = 0;
			if (g->writable && !w.writable)
				fail("kernel %s page %#lx is mapped read-only", g->name, page);
			if (CHECK_SEGMENT_PERMS && !g->writable && w.writable)
				fail("kernel %s page %#lx is mapped writable", g->name, page);
			if (CHECK_SEGMENT_PERMS && c->nxe && !g->text && w.executable)
				fail("kernel %s page %#lx is mapped executable", g->name, page);
			if (page != prev_page)
				++*npages;
			prev_page = page;
		}
	}
	return contiguous;
}

/* Samples the direct map over every entry that should be mapped. */
static void check_hhdm(const struct ctx *c)
{
	uint64_t i;

	phase = "direct map";
	for (i = 0; i < c->count; i++) {
		const struct runway_mmap_entry *e = &c->map[i];
		uint64_t p = PAGE_DOWN(e->base);
		uint64_t last = PAGE_DOWN(e->base + e->length - 1);
		struct pt_walk w;

		if (e->type == RUNWAY_MEM_RESERVED || e->type == RUNWAY_MEM_BAD)
			continue;
		for (;;) {
			uint64_t next;

			if (p > UINT64_MAX - HHDM)
				fail("mmap[%lu] physical %#lx is beyond the direct map", i, p);
			translate(c, HHDM + p, "direct map", &w);
			if (w.phys != p)
				fail("direct map: virtual %#lx maps physical %#lx, want %#lx (mmap[%lu], %s)",
				     HHDM + p, w.phys, p, i, mem_type_name(e->type));
			check_tables_reclaimable(c, &w, HHDM + p, "direct map");
			if (p == last)
				break;
			next = (p & ~(2 * MIB - 1)) + 2 * MIB;
			p = next < last ? next : last;
		}
	}
}

static const char *page_size_name(uint64_t size)
{
	return size == GIB ? "1G" : size == 2 * MIB ? "2M" : size == PAGE_SIZE ? "4K" : "?";
}

/* 1 when some usable entry overlaps [phys, phys + len). */
static int overlaps_usable(const struct ctx *c, uint64_t phys, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < c->count && c->map[i].base < phys + len; i++)
		if (c->map[i].type == RUNWAY_MEM_USABLE &&
		    c->map[i].base + c->map[i].length > phys)
			return 1;
	return 0;
}

/*
 * Walks the direct map over all of physical [0, need), leaf by leaf, where
 * need = max(4 GiB, end of the highest usable, reclaimable, kernel or
 * module entry): every page maps hhdm + p to p, is NX under EFER.NXE, and
 * is writable where it maps usable memory (the scribble writes there).
 */
static void check_hhdm_coverage(struct ctx *c)
{
	uint64_t need = 4 * GIB, why = UINT64_MAX, p, i;

	phase = "direct map coverage";
	for (i = 0; i < c->count; i++) {
		const struct runway_mmap_entry *e = &c->map[i];

		switch (e->type) {
		case RUNWAY_MEM_USABLE:
		case RUNWAY_MEM_ACPI_RECLAIMABLE:
		case RUNWAY_MEM_LOADER_RECLAIMABLE:
		case RUNWAY_MEM_KERNEL:
		case RUNWAY_MEM_MODULE:
			if (e->base + e->length > need) {
				need = PAGE_UP(e->base + e->length);
				why = i;
			}
			break;
		}
	}
	if (need > (1ull << 47))
		fail("mmap[%lu] ends at %#lx, beyond what a 4-level direct map at %#lx can hold",
		     why, need, HHDM);

	for (p = 0; p < need;) {
		struct pt_walk w;
		enum pt_status s = pt_translate(c->cr3, c->levels, HHDM, HHDM + p, &w);

		if (s != PT_OK) {
			if (why == UINT64_MAX)
				fail("direct map covers physical [0, %#lx) only: virtual %#lx %s (level %d entry %#lx); want at least 4 GiB",
				     p, HHDM + p, pt_status_name(s), w.fail_level, w.fail_entry);
			fail("direct map covers physical [0, %#lx) only: virtual %#lx %s (level %d entry %#lx); want [0, %#lx), the end of mmap[%lu] (%s)",
			     p, HHDM + p, pt_status_name(s), w.fail_level, w.fail_entry, need, why,
			     mem_type_name(c->map[why].type));
		}
		if (w.phys != p)
			fail("direct map: virtual %#lx (%s page) maps physical %#lx, want %#lx",
			     HHDM + p, page_size_name(w.page_size), w.phys, p);
		if (c->nxe && w.executable)
			fail("direct map: virtual %#lx (%s page, physical %#lx, %s) is executable, want NX",
			     HHDM + p, page_size_name(w.page_size), p, region_of(c, p));
		if (!w.writable && overlaps_usable(c, PAGE_DOWN(p) & ~(w.page_size - 1),
		                                   w.page_size))
			fail("direct map: virtual %#lx (%s page, physical %#lx) is read-only but maps usable memory",
			     HHDM + p, page_size_name(w.page_size), p);
		if (p == 0)
			c->hhdm_page = w.page_size;
		p = (p & ~(w.page_size - 1)) + w.page_size;
	}
	c->hhdm_end = need;
}

/* State for the whole-tree walk (check_page_tables). */
struct tree_walk {
	const struct ctx *c;
	uint64_t tables, leaves;
	uint64_t hash; /* of every table's entries, accessed and dirty masked */
};

#define PTE_AD_MASK (~0x60ull) /* the CPU sets A (bit 5) and D (bit 6) */

static const char *where_is(const struct ctx *c, uint64_t virt, uint64_t size)
{
	uint64_t kbase = c->bi->kernel_virt_base, kend = kbase + c->bi->kernel_size;

	if (virt < kend && kbase < virt + size)
		return "in the kernel image";
	if (virt >= HHDM && virt - HHDM < c->hhdm_end)
		return "in the direct map";
	return "outside the kernel image and the direct map";
}

static int tree_table(void *arg, uint64_t phys, int level, uint64_t virt)
{
	struct tree_walk *t = arg;
	const struct ctx *c = t->c;
	const uint64_t *e;
	uint64_t bad;
	int i;

	if (phys >= c->hhdm_end)
		fail("page table at physical %#lx (level %d, for virtual %#lx) is outside the checked direct map [0, %#lx)",
		     phys, level, virt, c->hhdm_end);
	if (!mmap_range_has_type(c->map, c->count, phys, PAGE_SIZE,
	                         RUNWAY_MEM_LOADER_RECLAIMABLE, &bad))
		fail("page table at physical %#lx (level %d, for virtual %#lx) is in %s memory, want loader-reclaimable",
		     phys, level, virt, region_of(c, phys));
	e = (const uint64_t *)(HHDM + phys);
	for (i = 0; i < 512; i++) {
		uint64_t v = e[i] & PTE_AD_MASK;

		t->hash = fnv1a64(t->hash, &v, sizeof v);
	}
	t->tables++;
	return 0;
}

static int tree_leaf(void *arg, const struct pt_leaf *l)
{
	struct tree_walk *t = arg;
	const struct ctx *c = t->c;

	if (c->nxe && l->writable && l->executable)
		fail("page tables: virtual %#lx (%s page, physical %#lx) is writable and executable, %s",
		     l->virt, page_size_name(l->size), l->phys, where_is(c, l->virt, l->size));
	t->leaves++;
	return 0;
}

/* Walks the whole tree; returns the table count and hash in *t. */
static void walk_page_tables(const struct ctx *c, struct tree_walk *t)
{
	const struct pt_visitor v = { tree_table, tree_leaf, t };
	struct pt_walk w;
	enum pt_status s;

	t->c = c;
	t->tables = t->leaves = 0;
	t->hash = FNV1A64_INIT;
	s = pt_walk_tree(c->cr3, c->levels, HHDM, &v, &w);
	if (s != PT_OK)
		fail("page tables (CR3 %#lx): %s at virtual %#lx, level %d entry %#lx",
		     c->cr3, pt_status_name(s), w.phys, w.fail_level, w.fail_entry);
}

static void check_page_tables(const struct ctx *c, struct tree_walk *t)
{
	phase = "page-table tree";
	walk_page_tables(c, t);
}

static void check_loader_data(const struct ctx *c)
{
	const struct runway_boot_info *bi = c->bi;
	uint64_t bad;

	phase = "placement";
	if (!mmap_range_has_type(c->map, c->count, c->cr3 & 0x000ffffffffff000ull,
	                         PAGE_SIZE, RUNWAY_MEM_LOADER_RECLAIMABLE, &bad))
		fail("top-level page table (CR3 %#lx) is in %s memory, want loader-reclaimable",
		     c->cr3, region_of(c, bad));
	check_placement(c, (uint64_t)bi, sizeof *bi, RUNWAY_MEM_LOADER_RECLAIMABLE,
	                "boot info");
	check_placement(c, bi->mmap, bi->mmap_count * sizeof(struct runway_mmap_entry),
	                RUNWAY_MEM_LOADER_RECLAIMABLE, "memory map array");
	/* Firmware tables the kernel will want: not memory it may reuse. */
	if (bi->acpi_rsdp && overlaps_usable(c, bi->acpi_rsdp, 36))
		fail("ACPI RSDP at physical %#lx is in usable memory", bi->acpi_rsdp);
	if (bi->smbios_entry && overlaps_usable(c, bi->smbios_entry, 24))
		fail("SMBIOS entry point at physical %#lx is in usable memory", bi->smbios_entry);
	if (bi->efi_system_table && overlaps_usable(c, bi->efi_system_table, 120))
		fail("EFI system table at physical %#lx is in usable memory",
		     bi->efi_system_table);
}

/*
 * The length of the NUL-terminated string at direct-map address virt,
 * checking every page it touches before reading it; a string longer than
 * max is a FAIL.
 */
static uint64_t checked_strlen(const struct ctx *c, uint64_t virt, uint64_t max,
                               const char *what)
{
	const char *s;
	uint64_t len;

	check_direct_map(c, virt, 1, what);
	s = (const char *)virt;
	for (len = 0; s[len]; len++) {
		if (len >= max)
			fail("%s at %#lx is not NUL-terminated within %lu bytes", what, virt, max);
		if ((virt + len + 1) % PAGE_SIZE == 0) /* about to enter a new page */
			check_direct_map(c, virt + len + 1, 1, what);
	}
	return len;
}

/* A module whose string is "fnv1a64=<16 hex digits>" must hash to it. */
static void check_module_hash(const struct runway_module *m, uint64_t i, uint64_t hash)
{
	const char *str = (const char *)m->string;
	char got[64];
	uint64_t want;
	int r = parse_fnv1a64_string(str, &want);

	if (r < 0) {
		escape_string(got, sizeof got, str, sizeof got);
		fail("module %lu: string \"%s\" starts with fnv1a64= but is not fnv1a64=<16 hex digits>",
		     i, got);
	}
	if (r > 0 && hash != want) {
		escape_string(got, sizeof got, (const char *)m->path, sizeof got);
		fail("module %lu (%s, physical %#lx, %lu bytes): FNV-1a 64 is %016lx, its string says %016lx",
		     i, got, m->phys, m->size, hash, want);
	}
}

static void check_modules(const struct ctx *c)
{
	const struct runway_boot_info *bi = c->bi;
	const struct runway_module *mods;
	uint64_t i;

	phase = "modules";
	if (bi->module_count == 0)
		return;
	if (bi->module_count > MAX_MODULES)
		fail("module_count is %lu, more than %u", bi->module_count, MAX_MODULES);
	check_direct_map(c, bi->modules, bi->module_count * sizeof *mods, "module array");
	check_placement(c, bi->modules, bi->module_count * sizeof *mods,
	                RUNWAY_MEM_LOADER_RECLAIMABLE, "module array");
	mods = (const struct runway_module *)bi->modules;
	for (i = 0; i < bi->module_count; i++) {
		const struct runway_module *m = &mods[i];

		if (m->phys % PAGE_SIZE || m->virt != HHDM + m->phys)
			fail("module %lu: phys %#lx virt %#lx, want page-aligned phys and virt = hhdm + phys",
			     i, m->phys, m->virt);
		check_direct_map(c, m->virt, m->size, "module");
		check_placement(c, m->virt, m->size, RUNWAY_MEM_MODULE, "module");
		checked_strlen(c, m->path, MAX_CMDLINE, "module path");
		checked_strlen(c, m->string, MAX_CMDLINE, "module string");
		check_module_hash(m, i, fnv1a64(FNV1A64_INIT, (const void *)m->virt, m->size));
	}
}

static void check_framebuffer(const struct ctx *c)
{
	const struct runway_framebuffer *fb = &c->bi->framebuffer;

	phase = "framebuffer";
	if (fb->phys == 0)
		return;
	if (fb->virt != HHDM + fb->phys)
		fail("framebuffer virt %#lx, want hhdm + phys %#lx = %#lx", fb->virt,
		     fb->phys, HHDM + fb->phys);
	/* The first and last pages; all of it would be slow for little gain. */
	check_direct_map(c, fb->virt, 1, "framebuffer");
	if (fb->size)
		check_direct_map(c, fb->virt + fb->size - 1, 1, "framebuffer end");
}

static void check_cmdline(const struct ctx *c)
{
	const char *s;
	uint64_t virt = c->bi->cmdline, len;
	char got[256], want[256];

	phase = "command line";
	len = checked_strlen(c, virt, MAX_CMDLINE, "cmdline");
	s = (const char *)virt;
	check_placement(c, virt, len + 1, RUNWAY_MEM_LOADER_RECLAIMABLE, "cmdline");
	if (!str_eq(s, EXPECTED_CMDLINE)) {
		escape_string(got, sizeof got, s, len);
		escape_string(want, sizeof want, EXPECTED_CMDLINE, sizeof EXPECTED_CMDLINE);
		fail("cmdline is \"%s\" (%lu bytes), want \"%s\"", got, len, want);
	}
}

/* The loader's phase times: present, each at most the total, their sum
 * too.  The line gives them for the log (times are never asserted). */
static void check_load_times(const struct ctx *c)
{
	const struct runway_load_times *t = &c->bi->load_times;
	const char *why, *bad;
	uint64_t sum;

	phase = "load times";
	if (!RUNWAY_BOOT_INFO_HAS(c->bi, load_times))
		fail("boot info size %u holds no load_times (want at least %lu)", c->bi->size,
		     offsetof(struct runway_boot_info, load_times) + sizeof *t);
	why = load_times_problem(t, &bad, &sum);
	serial_printf("kernel: load-times total_us=%lu map_us=%lu plan_us=%lu claims_us=%lu reads_us=%lu zeroing_us=%lu relocation_us=%lu page_tables_us=%lu exit_us=%lu sum_us=%lu\n",
	              t->total, t->map, t->plan, t->claims, t->reads, t->zeroing,
	              t->relocation, t->page_tables, t->exit, sum);
	if (why)
		fail("load times: %s (%s; total %lu us, sum %lu us)", why, bad, t->total, sum);
}

static void check_blob(const char *name, const char *start, const char *end,
                       uint64_t want_bytes, uint64_t seed)
{
	const uint64_t *words = (const uint64_t *)start;
	uint64_t bytes = (uint64_t)(end - start), bad;

	if (bytes != want_bytes)
		fail("%s blob is %lu bytes, want %lu", name, bytes, want_bytes);
	if (!pattern_check(words, bytes / 8, seed, &bad))
		fail("%s blob word %lu (virtual %#lx, offset %#lx) is %#lx, want %#lx",
		     name, bad, (uint64_t)&words[bad], bad * 8, words[bad],
		     pattern_word(seed, bad));
}

static void check_blobs(void)
{
	check_blob("rodata", rodata_blob_start, rodata_blob_end,
	           TEST_RODATA_BLOB_BYTES, TEST_RODATA_SEED);
	check_blob("data", data_blob_start, data_blob_end,
	           TEST_DATA_BLOB_BYTES, TEST_DATA_SEED);
}

/* Requires [start, end) of .bss to read as zero. */
static void check_bss_zero(const char *start, const char *end)
{
	uint64_t bad;

	if (end > start && !zero_check(start, (uint64_t)(end - start), &bad))
		fail("bss byte at %#lx (offset %#lx of %#lx) is %#x, want 0",
		     (uint64_t)start + bad, (uint64_t)(start + bad - __bss_start),
		     (uint64_t)(__bss_end - __bss_start), (unsigned char)start[bad]);
}

static void check_contents(void)
{
	phase = "contents";
	check_blobs();
	check_bss_zero(__bss_start, __bss_end);
}

/* ---- the scribble ---------------------------------------------------- */

static uint64_t mmap_hash(const struct ctx *c)
{
	return fnv1a64(FNV1A64_INIT, c->map, c->count * sizeof *c->map);
}

static uint64_t gdt_hash(const struct ctx *c)
{
	return fnv1a64(FNV1A64_INIT, (const void *)c->gdt_base, c->gdt_limit + 1);
}

static uint64_t string_hash(uint64_t virt)
{
	const char *str = (const char *)virt;
	uint64_t len = 0;

	while (str[len]) /* already checked: mapped and NUL-terminated */
		len++;
	return fnv1a64(FNV1A64_INIT, str, len + 1);
}

/* Copies what the loader handed over into .bss (struct saved). */
static void save_handover(const struct ctx *c, const struct tree_walk *t)
{
	const struct runway_boot_info *bi = c->bi;
	const struct runway_module *mods = (const struct runway_module *)bi->modules;
	uint64_t i;

	phase = "snapshot";
	saved.bi = *bi;
	for (i = 0; i < c->count && i < SAVED_MMAP_MAX; i++)
		saved.map[i] = c->map[i];
	saved.mmap_hash = mmap_hash(c);
	saved.cmdline_hash = string_hash(bi->cmdline);
	for (i = 0; i < 3; i++)
		saved.gdt[i] = ((const uint64_t *)c->gdt_base)[i];
	saved.gdt_hash = gdt_hash(c);
	saved.pt_hash = t->hash;
	saved.pt_tables = t->tables;
	for (i = 0; i < bi->module_count; i++) {
		saved.module[i].data = fnv1a64(FNV1A64_INIT, (const void *)mods[i].virt,
		                               mods[i].size);
		saved.module[i].path = string_hash(mods[i].path);
		saved.module[i].string = string_hash(mods[i].string);
	}
}

struct scribble {
	const struct ctx *c;
	int verify;
	uint64_t bad_phys, bad_value; /* the first word that read back wrong */
	uint64_t bad_run;             /* ... and where its run started */
};

static int scribble_run(void *arg, uint64_t phys, uint64_t bytes)
{
	struct scribble *sc = arg;
	uint64_t *p = (uint64_t *)(HHDM + phys), off;

	if (!sc->verify) {
		scribble_fill(p, phys, bytes);
		return 0;
	}
	if (scribble_verify(p, phys, bytes, &off))
		return 0;
	sc->bad_phys = phys + off;
	sc->bad_value = p[off / 8];
	sc->bad_run = phys;
	return 1;
}

/*
 * Writes the physical-address pattern over usable memory and reads it
 * back.  Returns the bytes written; *full says which way.
 */
static uint64_t scribble_usable(const struct ctx *c, int *full)
{
	struct scribble sc = { c, 0, 0, 0, 0 };
	uint64_t written, checked, alias;

	phase = "scribble";
	*full = mmap_sum(c->map, c->count, RUNWAY_MEM_USABLE) <= SCRIBBLE_FULL_LIMIT;
	written = scribble_runs(c->map, c->count, *full, scribble_run, &sc);
	sc.verify = 1;
	checked = scribble_runs(c->map, c->count, *full, scribble_run, &sc);
	if (checked == written)
		return written;

	alias = sc.bad_value ^ SCRIBBLE_KEY; /* the address it was written for */
	if (alias % 8 == 0 && alias != sc.bad_phys && overlaps_usable(c, alias, 8))
		fail("scribble: usable physical %#lx (%s) reads %#lx, the pattern written for usable physical %#lx (%s): the two alias",
		     sc.bad_phys, region_of(c, sc.bad_phys), sc.bad_value, alias,
		     region_of(c, alias));
	fail("scribble: usable physical %#lx reads %#lx after the scribble, want %#lx (%lu of %lu scribbled bytes verified before it)",
	     sc.bad_phys, sc.bad_value, scribble_word(sc.bad_phys),
	     checked + (sc.bad_phys - sc.bad_run), written);
}

/* After the scribble: everything handed over must be as saved. */
static void check_after_scribble(const struct ctx *c)
{
	const struct runway_boot_info *bi = c->bi;
	const uint64_t *now = (const uint64_t *)bi, *was = (const uint64_t *)&saved.bi;
	const struct runway_module *mods;
	struct tree_walk t;
	uint64_t i;

	phase = "after the scribble";
	check_blobs();
	check_bss_zero(__bss_start, (const char *)&saved);
	check_bss_zero((const char *)(&saved + 1), __bss_end);

	for (i = 0; i < sizeof *bi / 8; i++)
		if (now[i] != was[i])
			fail("boot info changed by the scribble: bytes %#lx..%#lx were %#lx, now %#lx",
			     i * 8, i * 8 + 7, was[i], now[i]);
	for (i = 0; i < c->count && i < SAVED_MMAP_MAX; i++)
		if (c->map[i].base != saved.map[i].base ||
		    c->map[i].length != saved.map[i].length ||
		    c->map[i].type != saved.map[i].type ||
		    c->map[i].reserved != saved.map[i].reserved)
			fail("mmap[%lu] changed by the scribble: base=%#lx length=%#lx type=%u, was base=%#lx length=%#lx type=%u",
			     i, c->map[i].base, c->map[i].length, c->map[i].type,
			     saved.map[i].base, saved.map[i].length, saved.map[i].type);
	if (mmap_hash(c) != saved.mmap_hash)
		fail("memory map array changed by the scribble (FNV-1a %016lx, was %016lx)",
		     mmap_hash(c), saved.mmap_hash);
	if (string_hash(bi->cmdline) != saved.cmdline_hash || !str_eq((const char *)bi->cmdline,
	                                                             EXPECTED_CMDLINE))
		fail("cmdline changed by the scribble (FNV-1a %016lx, was %016lx)",
		     string_hash(bi->cmdline), saved.cmdline_hash);
	for (i = 0; i < 3; i++)
		if (((const uint64_t *)c->gdt_base)[i] != saved.gdt[i])
			fail("GDT descriptor %lu changed by the scribble: %#lx, was %#lx", i,
			     ((const uint64_t *)c->gdt_base)[i], saved.gdt[i]);
	if (gdt_hash(c) != saved.gdt_hash)
		fail("GDT changed by the scribble (FNV-1a %016lx, was %016lx)", gdt_hash(c),
		     saved.gdt_hash);
	walk_page_tables(c, &t);
	if (t.tables != saved.pt_tables || t.hash != saved.pt_hash)
		fail("page tables changed by the scribble: %lu tables hashing to %016lx, were %lu hashing to %016lx",
		     t.tables, t.hash, saved.pt_tables, saved.pt_hash);

	mods = (const struct runway_module *)bi->modules;
	for (i = 0; i < bi->module_count; i++) {
		const struct runway_module *m = &mods[i];
		uint64_t h = fnv1a64(FNV1A64_INIT, (const void *)m->virt, m->size);

		if (h != saved.module[i].data)
			fail("module %lu (physical %#lx, %lu bytes) changed by the scribble: FNV-1a %016lx, was %016lx",
			     i, m->phys, m->size, h, saved.module[i].data);
		if (string_hash(m->path) != saved.module[i].path ||
		    string_hash(m->string) != saved.module[i].string)
			fail("module %lu path or string (at %#lx, %#lx) changed by the scribble",
			     i, m->path, m->string);
		check_module_hash(m, i, h);
	}
}

/*
 * Pointers to themselves: absolute addresses, which the PIE variants need
 * relocated (R_X86_64_RELATIVE or DT_RELR), one on a read-only page and
 * one on a writable page.  Read through volatile so that the compiler
 * cannot fold the comparison.
 */
static const void *const reloc_ro = &reloc_ro;
static const void *reloc_rw = &reloc_rw;

static void check_relocation(void)
{
	const void *ro = *(const void *const volatile *)&reloc_ro;
	const void *rw = *(const void *volatile *)&reloc_rw;

	phase = "relocation";
	if (ro != &reloc_ro || rw != &reloc_rw)
		fail("pointers to themselves hold %#lx and %#lx, want %#lx and %#lx (relocations not applied for this base?)",
		     (uint64_t)ro, (uint64_t)rw, (uint64_t)&reloc_ro, (uint64_t)&reloc_rw);
}

/* ---- entry ----------------------------------------------------------- */

void __attribute__((noreturn)) kernel_main(uint64_t bi_addr, uint64_t entry_rsp,
                                           uint64_t entry_rflags);
void __attribute__((noreturn)) kernel_main(uint64_t bi_addr, uint64_t entry_rsp,
                                           uint64_t entry_rflags)
{
	struct ctx c = { 0 };
	struct tree_walk tables;
	uint64_t kernel_pages, scribbled;
	int contiguous, full;

	serial_init();
	serial_puts("kernel: hello from runway test kernel\n");
	check_relocation(); /* before the IDT, which holds relocated addresses */
	idt_install();

	check_entry_state(entry_rsp, entry_rflags);
	check_control_regs(&c);
	check_header(&c, bi_addr);
	check_mmap(&c);
	check_gdt(&c);
	check_stack(&c, entry_rsp);
	contiguous = check_kernel_image(&c, &kernel_pages);
	check_hhdm(&c);
	check_hhdm_coverage(&c);
	check_page_tables(&c, &tables);
	check_loader_data(&c);
	check_modules(&c);
	check_framebuffer(&c);
	check_cmdline(&c);
	check_load_times(&c);
	check_contents();

	/* Last: this destroys usable memory. */
	save_handover(&c, &tables);
	scribbled = scribble_usable(&c, &full);
	check_after_scribble(&c);

	serial_printf("kernel: PASS mmap_entries=%lu usable_mib=%lu kernel_pages=%lu layout=%s data_kib=%lu hhdm_page=%s modules=%lu scribble=%s scribbled_mib=%lu vbase=%#lx\n",
	              c.count, mmap_sum(c.map, c.count, RUNWAY_MEM_USABLE) / MIB,
	              kernel_pages, contiguous ? "contiguous" : "scattered",
	              (uint64_t)TEST_DATA_BLOB_BYTES / 1024, page_size_name(c.hhdm_page),
	              c.bi->module_count, full ? "full" : "sampled", scribbled / MIB,
	              (uint64_t)__kernel_start);
	qemu_exit(QEMU_EXIT_PASS);
}
