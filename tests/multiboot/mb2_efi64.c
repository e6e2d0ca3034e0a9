/*
 * mb2_efi64.c - the EFI amd64 Multiboot2 test kernel (mb2-efi64.elf): an
 * ELF64 linked at physical 0x200000 whose header carries the EFI boot
 * services tag and the EFI amd64 entry address tag, so that the loader
 * enters it at mb64_efi_entry in 64-bit mode with boot services still
 * running (Multiboot2 3.5), and which then does what a real kernel does:
 * calls the firmware and exits boot services itself.
 *
 * Checks, in order:
 *   - .bss zero; EAX = 0x36d76289; RBX non-zero and 8-byte aligned (the
 *     information's 64-bit address); CR0.PG and EFER.LMA set; the code
 *     runs at its link address (RIP-relative = absolute address).
 *   - the information structure (mbkern.c): cmdline, boot loader name,
 *     modules, EFI 64-bit system table (12) and image handle (20)
 *     present; "boot services not terminated" (18) present; no EFI memory
 *     map (17) and no load base (21); meminfo and memory map (asked for
 *     as optional) checked when given, the PASS line lists the tags.
 *   - the system table's signature and header CRC32 (mbkern.c), the boot
 *     services table's too; HandleProtocol(image handle, loaded image
 *     protocol) succeeds and names the same system table.
 *   - GetMemoryMap: the kernel's pages are LoaderCode or LoaderData (what
 *     a loader allocates for a kernel it hands boot services to), and the
 *     information structure and the modules are allocated (listed, and
 *     not conventional memory the firmware could hand out again).
 *   - ExitBootServices(image handle, key), retried once with a fresh map
 *     on EFI_INVALID_PARAMETER (a stale key).
 * PASS line: variant=... tags=... modules=N mmap_entries=N
 * exited_boot_services=1 retries=0|1
 */
#include <stdint.h>

#include "checks.h"
#include "cpu.h"
#include "efi64.h"
#include "mbkern.h"
#include "report.h"

#define U64(x) ((unsigned long long)(x))
#define BIT(n) (1ull << (n))

extern char __image_start[], __image_end[], __bss_start[], __bss_end[];

/* The firmware's memory map, read twice at most. */
static uint8_t efi_map[64 * 1024] __attribute__((aligned(8)));

struct fw_map {
	uint64_t size, key, desc_size;
	uint32_t desc_version;
};

__attribute__((noreturn)) void mb64_main(uint64_t rax, uint64_t rbx, uint64_t rflags,
                                         uint64_t rsp);

static void check_machine(uint64_t rax, uint64_t rbx)
{
	uint64_t cr0 = read_cr0(), efer = rdmsr(MSR_EFER), rip_rel;
	uint64_t bad;

	if (!zero_check(__bss_start, (uint64_t)(__bss_end - __bss_start), &bad))
		mb_fail(".bss not zeroed: byte at %#llx is %#x, expected 0",
		        U64((uintptr_t)__bss_start + bad), __bss_start[bad]);
	if ((uint32_t)rax != MB2_BOOT_MAGIC)
		mb_fatal("EAX=%#x on entry (RAX=%#llx), expected 0x36d76289", (uint32_t)rax, U64(rax));
	if (rbx == 0 || rbx % 8)
		mb_fatal("RBX=%#llx on entry, expected the 8-byte aligned information address", U64(rbx));
	if (!(cr0 & CR0_PG) || !(efer & EFER_LMA))
		mb_fail("CR0=%#llx EFER=%#llx: expected paging on and long mode active", U64(cr0),
		        U64(efer));
	__asm__("leaq __image_start(%%rip), %0" : "=r"(rip_rel));
	if (rip_rel != (uint64_t)(uintptr_t)__image_start)
		mb_fatal("running at %#llx, linked at %#llx: not loaded at its physical address",
		         U64(rip_rel), U64((uintptr_t)__image_start));
}

static int is_loader_type(uint32_t type)
{
	return type == EFI_LOADER_CODE || type == EFI_LOADER_DATA;
}

static int is_allocated(uint32_t type)
{
	return type != EFI_CONVENTIONAL_MEMORY;
}

static efi_status get_map(struct efi_boot_services *bs, struct fw_map *m)
{
	m->size = sizeof efi_map;
	return bs->get_memory_map(&m->size, efi_map, &m->key, &m->desc_size, &m->desc_version);
}

/* [base, base + len) in the firmware's map: descriptors that ok() accepts. */
static void map_range(const struct fw_map *m, const char *what, uint64_t base, uint64_t len,
                      int (*ok)(uint32_t), const char *want)
{
	uint64_t bad;
	int64_t type;

	if (!mb_efi_covers(efi_map, m->size, (uint32_t)m->desc_size, base, len, ok, &bad, &type))
		mb_fail("firmware memory map: %s [%#llx, %#llx) at %#llx is %s%#llx, expected %s",
		        what, U64(base), U64(base + len), U64(bad), type < 0 ? "unlisted " : "type ",
		        U64(type < 0 ? 0 : type), want);
}

static void check_firmware(struct efi_system_table *st, void *ih)
{
	static const struct efi_guid lip = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	struct efi_boot_services *bs = st->boot_services;
	struct efi_loaded_image *li = 0;
	const char *why;
	efi_status s;

	mb_phase = "boot services";
	why = bs ? mb_efi_header_problem(&bs->hdr, EFI_BS_SIGNATURE, 4096) : "BootServices is NULL";
	if (why)
		mb_fatal("EFI boot services table at %#llx: %s", U64((uintptr_t)bs), why);
	s = bs->handle_protocol(ih, &lip, (void **)&li);
	if (s != EFI_SUCCESS || !li)
		mb_fail("HandleProtocol(image handle %#llx, loaded image protocol) = %#llx",
		        U64((uintptr_t)ih), U64(s));
	else if (li->system_table != st)
		mb_fail("the loaded image protocol names system table %#llx, the tag %#llx",
		        U64((uintptr_t)li->system_table), U64((uintptr_t)st));
}

/* GetMemoryMap, the ranges, ExitBootServices (once more on a stale key). */
static int exit_boot_services(struct efi_boot_services *bs, void *ih, const struct mb_result *r)
{
	struct fw_map m;
	efi_status s = get_map(bs, &m);
	uint32_t i;

	if (s != EFI_SUCCESS)
		mb_fatal("GetMemoryMap = %#llx (buffer %u bytes, needed %llu)", U64(s),
		         (unsigned)sizeof efi_map, U64(m.size));
	map_range(&m, "the kernel", (uintptr_t)__image_start,
	          (uint64_t)(__image_end - __image_start), is_loader_type, "LoaderCode or LoaderData");
	map_range(&m, "the information structure", r->info, r->info_size, is_allocated,
	          "allocated memory, not conventional");
	for (i = 0; i < r->modules && i < MB_MAX_MODULES; i++)
		map_range(&m, "a module", r->mod_start[i], r->mod_len[i], is_allocated,
		          "allocated memory, not conventional");
	s = bs->exit_boot_services(ih, m.key);
	if (s == EFI_INVALID_PARAMETER) {
		s = get_map(bs, &m);
		if (s == EFI_SUCCESS)
			s = bs->exit_boot_services(ih, m.key);
		if (s != EFI_SUCCESS)
			mb_fatal("ExitBootServices failed twice: %#llx", U64(s));
		return 1;
	}
	if (s != EFI_SUCCESS)
		mb_fatal("ExitBootServices = %#llx", U64(s));
	return 0;
}

__attribute__((noreturn)) void mb64_main(uint64_t rax, uint64_t rbx, uint64_t rflags,
                                         uint64_t rsp)
{
	struct mb_expect x = { 0 };
	struct mb_result r;
	char tags[200];
	int retries;

	(void)rflags;
	(void)rsp;
	mb_report_init();
	check_machine(rax, rbx);
	x.kernel_base = (uintptr_t)__image_start;
	x.kernel_size = (uint64_t)(__image_end - __image_start);
	x.required = BIT(MB2_TAG_CMDLINE) | BIT(MB2_TAG_LOADER_NAME) | BIT(MB2_TAG_EFI64_ST) |
	             BIT(MB2_TAG_EFI64_IH) | BIT(MB2_TAG_EFI_BS_NOT_TERM);
	x.forbidden = BIT(MB2_TAG_EFI_MMAP) | BIT(MB2_TAG_LOAD_BASE);
	mb2_check_info(rbx, &x, &r);
	if (!r.system_table || !r.image_handle)
		mb_fatal("no system table or image handle: cannot call the firmware");
	check_firmware((struct efi_system_table *)(uintptr_t)r.system_table,
	               (void *)(uintptr_t)r.image_handle);
	retries = exit_boot_services(((struct efi_system_table *)(uintptr_t)r.system_table)->boot_services,
	                             (void *)(uintptr_t)r.image_handle, &r);
	__asm__ volatile("cli");
	mb_finish("tags=%s modules=%u mmap_entries=%u exited_boot_services=1 retries=%d",
	          mb_tags_text(tags, sizeof tags, r.tags), r.modules, r.mmap_entries, retries);
}
