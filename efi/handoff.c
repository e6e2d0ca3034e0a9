/*
 * handoff.c - the hand-off (DESIGN.md steps 5, 10 and 11): the trampoline
 * page, ExitBootServices, the final memory map and the jump.
 *
 * The trampoline (trampoline.S) runs from a page below 4 GiB that both the
 * firmware's tables and Runway's map at its physical address, so that it
 * survives the CR3 switch.  Its parameters sit in the same page.  After
 * ExitBootServices nothing allocates and nothing can fail but a firmware
 * that breaks its own rules; if that happens, COM1 says so and the CPU
 * halts (the firmware console is gone).
 */
#include "loader.h"

#include <string.h>

extern const char trampoline_start[], trampoline_end[], handoff_start[];
extern const char handoff_i386[];
/* trampoline.S, outside the page: call a kernel's EFI amd64 entry. */
extern uint64_t efi64_enter(uint64_t entry, uint64_t rax, uint64_t rbx,
			    uint64_t image, uint64_t system_table);
extern const char ap_start[], ap_pm32[], ap_lm64[], la57_back[];

/* What trampoline.S reads; the offsets are its P_* constants. */
struct handoff_params {
	uint64_t arg;        /* RDI */
	uint64_t entry;      /* RIP */
	uint64_t cr3;
	uint64_t stack_top;  /* RSP */
	uint64_t gdtr;       /* address of the GDTR (mapped after the switch) */
	uint64_t nxe;        /* set EFER.NXE first */
	uint16_t code_sel, data_sel;
	uint16_t la57;       /* switch to 5-level paging on the way */
	uint32_t eax;        /* the i386 entry's EAX (arg is its EBX) */
};
_Static_assert(offsetof(struct handoff_params, nxe) == 40, "trampoline.S P_NXE");
_Static_assert(offsetof(struct handoff_params, la57) == 52, "trampoline.S P_LA57");
_Static_assert(offsetof(struct handoff_params, code_sel) == 48, "trampoline.S P_CODE_SEL");
_Static_assert(offsetof(struct handoff_params, data_sel) == 50, "trampoline.S P_DATA_SEL");
_Static_assert(offsetof(struct handoff_params, eax) == 56, "trampoline.S P_EAX");

/* The hand-off page (trampoline.S has the same numbers). */
#define AP_DATA_OFFSET 0xd00
#define MOVES_OFFSET 0xdc0
#define PARAMS_OFFSET 0xf00

/* A staged image's runs, moved into place by handoff_i386 once paging is
 * off (their place was boot-services memory, and the firmware's stack and
 * tables may have been there). */
struct handoff_moves {
	uint32_t count;
	uint32_t pad;
	struct {
		uint32_t to, from, bytes;
	} move[HANDOFF_MOVES_MAX];
};
_Static_assert(MOVES_OFFSET + sizeof(struct handoff_moves) <= PARAMS_OFFSET,
	       "hand-off page layout");

#define SIZE_1M (1ull << 20)
#define SIZE_4G (4ull << 30)

/* What the APs read (trampoline.S, D_* offsets). */
struct ap_boot {
	uint64_t gdt[4];          /* null, 32-bit code 0x08, data 0x10, 64-bit code 0x18 */
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
		uint16_t pad;
	} gdtr32;
	struct __attribute__((packed)) {
		uint32_t offset;
		uint16_t sel;
		uint16_t pad;
	} far32, far64;
	uint64_t cr3;
	uint64_t efer;            /* bits to set: LME, NXE */
	uint64_t kernel_gdtr;     /* virtual address of the protocol's GDTR */
	uint16_t code_sel, data_sel;
	uint32_t pad;
	uint64_t table;           /* struct proto_mp_cpu[count], virtual */
	uint64_t count;
	uint64_t goto_offset;
	uint64_t x2apic;          /* switch to x2APIC mode, find self by x2APIC ID */
	uint64_t cr4;             /* bits an AP sets: PAE, LA57 */
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
		uint8_t pad[6];
	} gdtr64;                 /* the same GDT, for lgdt in 64-bit mode */
	struct __attribute__((packed)) {
		uint32_t offset;
		uint16_t sel;
		uint16_t pad;
	} far_la57;               /* back to 64-bit code after the LA57 switch */
};
_Static_assert(offsetof(struct ap_boot, gdtr32) == 0x20, "trampoline.S D_GDTR32");
_Static_assert(offsetof(struct ap_boot, far32) == 0x28, "trampoline.S D_FAR32");
_Static_assert(offsetof(struct ap_boot, far64) == 0x30, "trampoline.S D_FAR64");
_Static_assert(offsetof(struct ap_boot, cr3) == 0x38, "trampoline.S D_CR3");
_Static_assert(offsetof(struct ap_boot, kernel_gdtr) == 0x48, "trampoline.S D_KGDTR");
_Static_assert(offsetof(struct ap_boot, code_sel) == 0x50, "trampoline.S D_CODE_SEL");
_Static_assert(offsetof(struct ap_boot, table) == 0x58, "trampoline.S D_TABLE");
_Static_assert(offsetof(struct ap_boot, goto_offset) == 0x68, "trampoline.S D_GOTO");
_Static_assert(offsetof(struct ap_boot, x2apic) == 0x70, "trampoline.S D_X2APIC");
_Static_assert(offsetof(struct ap_boot, cr4) == 0x78, "trampoline.S D_CR4");
_Static_assert(offsetof(struct ap_boot, gdtr64) == 0x80, "trampoline.S D_GDTR64");
_Static_assert(offsetof(struct ap_boot, far_la57) == 0x90, "trampoline.S D_FAR_LA57");
_Static_assert(AP_DATA_OFFSET + sizeof(struct ap_boot) <= MOVES_OFFSET, "hand-off page layout");

static void fill_moves(const struct load *L)
{
	struct handoff_moves *m = (void *)(uintptr_t)(L->handoff_page + MOVES_OFFSET);

	m->count = (uint32_t)L->ld.nstages;
	for (size_t i = 0; i < L->ld.nstages; i++) {
		m->move[i].to = (uint32_t)L->ld.stage[i].to;
		m->move[i].from = (uint32_t)L->ld.stage[i].from;
		m->move[i].bytes = (uint32_t)L->ld.stage[i].bytes;
	}
}

/* One page below 1 MiB if the firmware has one (APs can start there),
 * else below 4 GiB. */
static int claim_page(struct load *L, uint64_t *ret_page, struct rw_err *err)
{
	struct mm_req req = { .pages = 1, .below = SIZE_1M, .kind = MM_LOADER };
	struct rw_err low;

	if (mm_alloc_run(&L->alloc, &req, ret_page, &low) == 0)
		return 0;
	req.below = SIZE_4G;
	return mm_alloc_run(&L->alloc, &req, ret_page, err);
}

EFI_STATUS handoff_reserve(struct load *L)
{
	struct rw_err err;
	uint64_t page;

	_Static_assert(sizeof(struct handoff_params) <= MM_PAGE_SIZE - PARAMS_OFFSET,
		       "parameters fit the hand-off page");
	if ((size_t)(trampoline_end - trampoline_start) > AP_DATA_OFFSET)
		return con_fail(EFI_LOAD_ERROR, "hand-off code does not fit its page");
	if (claim_page(L, &page, &err))
		return con_fail(EFI_OUT_OF_RESOURCES, "hand-off page: %s", err.msg);
	/* The page is mapped at its physical address: the kernel's segments
	 * must not want that virtual address. */
	if (!L->img.fixed && page < L->img.vhigh && L->img.vlow < page + MM_PAGE_SIZE)
		return con_fail(EFI_UNSUPPORTED,
				"%s: segments at 0x%" PRIx64 "..0x%" PRIx64
				" cover the hand-off page 0x%" PRIx64,
				L->file.path, L->img.vlow, L->img.vhigh, page);
	memcpy((void *)(uintptr_t)page, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	L->handoff_page = page;
	return EFI_SUCCESS;
}

bool handoff_can_start_aps(const struct load *L)
{
	return L->handoff_page && L->handoff_page < SIZE_1M;
}

/* What the APs read: their way to long mode and to the kernel's table. */
void handoff_fill_ap_boot(const struct load *L, const struct proto_run *run,
			  void *data)
{
	struct ap_boot *b = data;
	uint32_t page = (uint32_t)L->handoff_page;

	*b = (struct ap_boot){
		/* Accessed bits set: the page is read-only in Runway's tables,
		 * and a CPU sets that bit when it loads a descriptor. */
		.gdt = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
			 0x00af9b000000ffffull },
		.cr3 = L->pt.root,
		.efer = 0x100 | (L->cpu.nx ? 0x800 : 0),
		.kernel_gdtr = run->gdtr,
		.code_sel = run->code_sel,
		.data_sel = run->data_sel,
		.table = run->mp.cpus_virt,
		.count = run->mp.count,
		.goto_offset = run->mp.goto_offset,
		.x2apic = run->mp.x2apic,
		.cr4 = 0x20 | (run->la57 ? 0x1000 : 0),
	};
	b->gdtr32.limit = sizeof b->gdt - 1;
	b->gdtr32.base = page + AP_DATA_OFFSET;
	b->far32.offset = page + (uint32_t)(ap_pm32 - ap_start);
	b->far32.sel = 0x08;
	b->far64.offset = page + (uint32_t)(ap_lm64 - ap_start);
	b->far64.sel = 0x18;
	b->gdtr64.limit = sizeof b->gdt - 1;
	b->gdtr64.base = page + AP_DATA_OFFSET;
	b->far_la57.offset = page + (uint32_t)(la57_back - ap_start);
	b->far_la57.sel = 0x18;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* One byte to COM1, once its transmitter holds room (LSR bit 5). */
static void com1_put(char c)
{
	for (int i = 0; i < 100000 && !(inb(0x3f8 + 5) & 0x20); i++)
		__asm__ volatile("pause");
	outb(0x3f8, (uint8_t)c);
}

/* After ExitBootServices: say why on COM1 (as the firmware left it
 * configured) and stop. */
static __attribute__((noreturn)) void halt_after_exit(const char *why)
{
	for (const char *s = "runway: fatal after ExitBootServices: "; *s; s++)
		com1_put(*s);
	for (; *why; why++)
		com1_put(*why);
	com1_put('\n');
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ExitBootServices with the key of a snapshot taken just before; a stale
 * key (an event changed the map) gets one more snapshot, without
 * allocating (UEFI 2.10 section 7.4).  Each snapshot must fit the final
 * buffers sized in step 4 (mm_final_map_check): else *ret_why says so
 * and ExitBootServices is not called with it. */
static EFI_STATUS exit_boot_services(EFI_HANDLE image, struct load *L,
				     bool *ret_called, struct rw_err *ret_why)
{
	struct fw_map *m = &L->map;
	EFI_STATUS st = EFI_SUCCESS;

	*ret_called = false;
	ret_why->msg[0] = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		st = fw_map_snapshot_noalloc(m);
		if (EFI_ERROR(st))
			return st;
		if (mm_final_map_check(&L->caps, m->size, m->desc_size, ret_why))
			return EFI_BUFFER_TOO_SMALL;
		*ret_called = true;
		st = BS->ExitBootServices(image, m->key);
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	return st;
}

/* The last two phase times, taken as late as can be: just before the
 * jump, when nothing but the jump itself is left. */
static void hand_times(struct load *L, const struct proto_run *run)
{
	uint64_t now = tsc_now();

	L->k.times.exit = tsc_to_us(now - L->tsc_exit);
	L->k.times.total = tsc_to_us(now - L->tsc_map);
	if (run->times_out)
		*run->times_out = L->k.times;
}

/*
 * PROTO_JUMP_EFI: boot services stay up.  The protocol's finish gets the
 * map as it is now (nothing allocates between this snapshot and the
 * jump), then the kernel is called on the firmware's stack and tables.
 */
static EFI_STATUS enter_with_boot_services(EFI_HANDLE image, struct load *L,
					   const struct protocol *proto,
					   struct proto_run *run)
{
	size_t nreg;
	EFI_STATUS st = fw_map_snapshot_noalloc(&L->map);

	if (EFI_ERROR(st))
		return con_fail(st, "memory map for the kernel: %s", efi_status_name(st));
	if (mm_normalize(L->map.buf, L->map.size, L->map.desc_size, L->final_reg,
			 L->caps.final_reg_cap, L->scratch, L->caps.scratch_size,
			 &nreg, NULL))
		return con_fail(EFI_LOAD_ERROR, "the memory map does not normalize");
	run->efi_map = (uint64_t)(uintptr_t)L->map.buf;
	run->efi_map_size = L->map.size;
	run->efi_desc_size = L->map.desc_size;
	run->efi_desc_version = L->map.desc_ver;
	if (proto->finish(run, L->final_reg, nreg, tsc_now()))
		return con_fail(EFI_BUFFER_TOO_SMALL,
				"%s protocol: the memory map does not fit its buffer", proto->name);
	hand_times(L, run);
	efi64_enter(run->entry, run->eax, run->arg, (uint64_t)(uintptr_t)image,
		    (uint64_t)(uintptr_t)ST);
	return con_fail(EFI_ABORTED, "%s: the kernel returned to Runway from its EFI entry",
			L->file.path);
}

EFI_STATUS handoff_exit_and_jump(EFI_HANDLE image, struct load *L,
				 const struct protocol *proto,
				 struct proto_run *run)
{
	struct handoff_params *p =
		(void *)(uintptr_t)(L->handoff_page + PARAMS_OFFSET);
	bool called;
	struct rw_err why;
	size_t nreg;

	L->tsc_exit = tsc_now();
	if (run->jump == PROTO_JUMP_EFI)
		return enter_with_boot_services(image, L, proto, run);
	EFI_STATUS st = exit_boot_services(image, L, &called, &why);

	/* Before the first ExitBootServices call the menu can come back; after
	 * a failed one only memory services are left (UEFI 2.10 section 7.4),
	 * and EDK2 has stopped its timer. */
	if (EFI_ERROR(st) && !called && why.msg[0])
		return con_fail(st, "%s", why.msg);
	if (EFI_ERROR(st) && !called)
		return con_fail(st, "final memory map: %s", efi_status_name(st));
	if (EFI_ERROR(st))
		halt_after_exit(why.msg[0] ? why.msg :
				"ExitBootServices or the final memory map failed twice");
	__asm__ volatile("cli");
	uint64_t tsc_exit = tsc_now();

	if (mm_normalize(L->map.buf, L->map.size, L->map.desc_size, L->final_reg,
			 L->caps.final_reg_cap, L->scratch, L->caps.scratch_size,
			 &nreg, NULL))
		halt_after_exit("the final memory map does not normalize");
	/* As the load's map was (step 4, logged there): the kernel's map
	 * names nothing the direct map cannot reach.  A fixed image gets
	 * no direct map, and the map as the firmware describes it. */
	struct mm_clip_info clipped;
	if (!L->img.fixed)
		nreg = mm_clip(L->final_reg, nreg, MM_DIRECT_MAP_LIMIT, &clipped);
	run->efi_map = (uint64_t)(uintptr_t)L->map.buf;
	run->efi_map_size = L->map.size;
	run->efi_desc_size = L->map.desc_size;
	run->efi_desc_version = L->map.desc_ver;
	if (proto->finish(run, L->final_reg, nreg, tsc_exit))
		halt_after_exit("the final memory map does not fit the protocol's buffer");
	*p = (struct handoff_params){
		.arg = run->arg,
		.entry = run->entry,
		.cr3 = L->pt.root,
		.stack_top = run->stack_top,
		.gdtr = run->gdtr,
		.nxe = L->cpu.nx,
		.code_sel = run->code_sel,
		.data_sel = run->data_sel,
		.la57 = run->la57,
		.eax = run->eax,
	};
	handoff_fill_ap_boot(L, run, (void *)(uintptr_t)(L->handoff_page + AP_DATA_OFFSET));
	fill_moves(L);
	if (run->jump == PROTO_JUMP_I386) {
		hand_times(L, run);
		((void (*)(const struct handoff_params *))(uintptr_t)(L->handoff_page +
			(uint64_t)(handoff_i386 - trampoline_start)))(p);
	}
	mp_start_aps(L, run);
	hand_times(L, run);
	((void (*)(const struct handoff_params *))(uintptr_t)(L->handoff_page +
		(uint64_t)(handoff_start - trampoline_start)))(p);
	halt_after_exit("the kernel returned");
}
