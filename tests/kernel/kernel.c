/*
 * kernel.c - Runway's test kernel: a freestanding higher-half ELF64 kernel
 * that checks, from the inside, that Runway kept every promise of the boot
 * protocol (include/runway/boot.h), then reports on COM1 and exits QEMU.
 *
 * Serial output (lines end in "\n"):
 *     kernel: hello from runway test kernel
 * then exactly one of
 *     kernel: PASS mmap_entries=N usable_mib=N kernel_pages=N layout=L data_kib=N
 *     kernel: FAIL <reason, with the values involved>
 * (layout is "contiguous" or "scattered"; kernel_pages counts distinct pages)
 * followed by a write to QEMU's isa-debug-exit port 0xf4: 0x10 on PASS
 * (QEMU exits with status 33), 0x11 on FAIL (status 35).  Then cli; hlt.
 * A CPU exception during the checks is caught and reported as a FAIL.
 *
 * Checks, in order, stopping at the first failure:
 *   - entry state: IF and DF clear, long mode with paging, CS = 0x08,
 *     DS/ES/SS = 0x10, RSP = 16-byte aligned - 8 with [RSP] = 0;
 *   - the boot info pointer is a mapped direct-map address; magic,
 *     version, size and hhdm_offset are right;
 *   - the memory map: count > 0, lengths > 0, sorted strictly by base,
 *     non-overlapping, types 1..9, usable entries page-aligned and not at
 *     page 0;
 *   - the stack: RUNWAY_STACK_SIZE bytes, RSP = stack top - 8, mapped
 *     writable;
 *   - the kernel image: kernel_virt_base/size/phys_base agree with the
 *     link, and every page of text, rodata, data and bss, translated by
 *     walking the live page tables (CR3, read through the direct map),
 *     lies in a RUNWAY_MEM_KERNEL entry.  The walk, rather than
 *     phys = virt - kernel_virt_base + kernel_phys_base, keeps this right
 *     when Runway places the kernel's pages non-contiguously; the PASS
 *     line says which layout it found;
 *   - the direct map: sampled pages (every 2 MiB, first and last page) of
 *     every entry that is not reserved or bad map to hhdm + phys;
 *   - placement: boot info, memory map array, command line, stack and
 *     every page table the walks visited lie in loader-reclaimable memory;
 *     modules lie in module memory; the framebuffer is in the direct map;
 *   - the command line equals EXPECTED_CMDLINE;
 *   - contents: the .rodata and .data pattern blobs (pattern.h) match
 *     word for word, and all of .bss reads as zero.
 *
 * Options (-D): EXPECTED_CMDLINE (a string literal), BIG_DATA_MIB (size of
 * the .data blob, see pattern.h), CHECK_SEGMENT_PERMS=1 (also require text
 * and rodata mapped read-only and, when EFER.NXE is on, rodata, data and bss
 * non-executable; data and bss must be writable in any case).
 *
 * Nothing in this kernel writes to .bss, so the zero check covers it all;
 * the little mutable state it has is kept in .data or on the stack.
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
#define CHECK_SEGMENT_PERMS 0
#endif

#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_PASS 0x10 /* QEMU exit status (0x10 << 1) | 1 = 33 */
#define QEMU_EXIT_FAIL 0x11 /* QEMU exit status (0x11 << 1) | 1 = 35 */

#define HHDM        ((uint64_t)RUNWAY_HHDM_OFFSET)
#define MIB         ((uint64_t)1024 * 1024)
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
	int levels; /* 4, or 5 with CR4.LA57 */
	int nxe;    /* EFER.NXE: XD bits mean something */
	const struct runway_mmap_entry *map;
	uint64_t count; /* 0 until the map has been validated */
};

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

static void check_entry_state(struct ctx *c, uint64_t rsp, uint64_t rflags)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);

	phase = "entry state";
	if (rflags & RFLAGS_IF)
		fail("interrupts enabled at entry (RFLAGS %#lx)", rflags);
	if (rflags & RFLAGS_DF)
		fail("direction flag set at entry (RFLAGS %#lx)", rflags);
	if (!(cr0 & CR0_PG) || !(cr0 & CR0_PE) || !(cr4 & CR4_PAE) || !(efer & EFER_LMA))
		fail("not in long mode with paging: CR0 %#lx CR4 %#lx EFER %#lx", cr0, cr4, efer);
	if (read_cs() != RUNWAY_GDT_KERNEL_CS)
		fail("CS is %#x at entry, want %#x", read_cs(), RUNWAY_GDT_KERNEL_CS);
	if (read_ds() != RUNWAY_GDT_KERNEL_DS || read_es() != RUNWAY_GDT_KERNEL_DS ||
	    read_ss() != RUNWAY_GDT_KERNEL_DS)
		fail("data segments at entry: DS %#x ES %#x SS %#x, want %#x",
		     read_ds(), read_es(), read_ss(), RUNWAY_GDT_KERNEL_DS);
	if (rsp % 16 != 8)
		fail("RSP at entry is %#lx, want 16-byte aligned minus 8", rsp);
	if (*(const uint64_t *)rsp != 0)
		fail("fake return address [RSP] at entry is %#lx, want 0",
		     *(const uint64_t *)rsp);

	c->cr3 = read_cr3();
	c->levels = (cr4 & CR4_LA57) ? 5 : 4;
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
		check_direct_map(c, m->path, 1, "module path");
		check_direct_map(c, m->string, 1, "module string");
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
	check_direct_map(c, virt, 1, "cmdline");
	s = (const char *)virt;
	for (len = 0; s[len]; len++) {
		if (len >= MAX_CMDLINE)
			fail("cmdline at %#lx is not NUL-terminated within %u bytes", virt,
			     MAX_CMDLINE);
		if ((virt + len + 1) % PAGE_SIZE == 0) /* about to enter a new page */
			check_direct_map(c, virt + len + 1, 1, "cmdline");
	}
	check_placement(c, virt, len + 1, RUNWAY_MEM_LOADER_RECLAIMABLE, "cmdline");
	if (!str_eq(s, EXPECTED_CMDLINE)) {
		escape_string(got, sizeof got, s, len);
		escape_string(want, sizeof want, EXPECTED_CMDLINE, sizeof EXPECTED_CMDLINE);
		fail("cmdline is \"%s\" (%lu bytes), want \"%s\"", got, len, want);
	}
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

static void check_contents(void)
{
	uint64_t bad;

	phase = "contents";
	check_blob("rodata", rodata_blob_start, rodata_blob_end,
	           TEST_RODATA_BLOB_BYTES, TEST_RODATA_SEED);
	check_blob("data", data_blob_start, data_blob_end,
	           TEST_DATA_BLOB_BYTES, TEST_DATA_SEED);
	if (!zero_check(__bss_start, (uint64_t)(__bss_end - __bss_start), &bad))
		fail("bss byte at %#lx (offset %#lx of %#lx) is %#x, want 0",
		     (uint64_t)__bss_start + bad, bad, (uint64_t)(__bss_end - __bss_start),
		     (unsigned char)__bss_start[bad]);
}

/* ---- entry ----------------------------------------------------------- */

void __attribute__((noreturn)) kernel_main(uint64_t bi_addr, uint64_t entry_rsp,
                                           uint64_t entry_rflags);
void __attribute__((noreturn)) kernel_main(uint64_t bi_addr, uint64_t entry_rsp,
                                           uint64_t entry_rflags)
{
	struct ctx c = { 0 };
	uint64_t kernel_pages;
	int contiguous;

	serial_init();
	idt_install();
	serial_puts("kernel: hello from runway test kernel\n");

	check_entry_state(&c, entry_rsp, entry_rflags);
	check_header(&c, bi_addr);
	check_mmap(&c);
	check_stack(&c, entry_rsp);
	contiguous = check_kernel_image(&c, &kernel_pages);
	check_hhdm(&c);
	check_loader_data(&c);
	check_modules(&c);
	check_framebuffer(&c);
	check_cmdline(&c);
	check_contents();

	serial_printf("kernel: PASS mmap_entries=%lu usable_mib=%lu kernel_pages=%lu layout=%s data_kib=%lu\n",
	              c.count, mmap_sum(c.map, c.count, RUNWAY_MEM_USABLE) / MIB,
	              kernel_pages, contiguous ? "contiguous" : "scattered",
	              (uint64_t)TEST_DATA_BLOB_BYTES / 1024);
	qemu_exit(QEMU_EXIT_PASS);
}
