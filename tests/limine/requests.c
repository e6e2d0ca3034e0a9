/*
 * requests.c - every request the full Limine test kernel makes, between
 * the start and end markers, in the .limine_requests section
 * (limine.ld.S keeps them in that order inside the data segment).
 *
 * The base revision tag asks for LIM_REVISION (3, or 0 for the rev0
 * variant).  Requests and what they ask:
 *   bootloader info, firmware type, HHDM, framebuffer, memory map, kernel
 *   file, RSDP, SMBIOS, EFI system table, EFI memory map, boot time,
 *   kernel address: revision 0, nothing more;
 *   stack size: 128 KiB (LIM_STACK_SIZE);
 *   paging mode, revision 1: 4-level, max 4-level, min 4-level; in the
 *   5lvl variant (LIM_PAGING5) 5-level preferred: mode 1, max 1, min 0;
 *   SMP (not in the nomp variant): flags 0, no x2APIC; in the x2apic
 *   variant (LIM_X2APIC) flags bit 0, "enable x2APIC, if possible";
 *   entry point: lim_entry (kentry.S), not e_entry;
 *   module, revision 1: one internal module, "internal.bin" beside the
 *   kernel file, required, its command line "fnv1a64=<its hash>" from
 *   the generated internal.h (limine.mk builds the file and the header
 *   together, so the kernel carries the hash the module must have).
 */
#include "kernel.h"

#include "internal.h" /* LIM_INTERNAL_CMDLINE */

#define REQUEST __attribute__((used, section(".limine_requests"), aligned(8)))

__attribute__((used, section(".limine_requests_start"), aligned(8)))
uint64_t lim_requests_start_marker[4] = LP_REQUESTS_START_MARKER;

REQUEST uint64_t lim_base_revision[3] = { LP_BASE_REVISION_MAGIC, LIM_REVISION };

void lim_entry(void);

REQUEST struct lp_request lim_bootloader_info_req = { LP_BOOTLOADER_INFO_ID, 0, 0 };
REQUEST struct lp_request lim_firmware_type_req = { LP_FIRMWARE_TYPE_ID, 0, 0 };
REQUEST struct lp_stack_size_request lim_stack_size_req = {
	{ LP_STACK_SIZE_ID, 0, 0 }, LIM_STACK_SIZE
};
REQUEST struct lp_request lim_hhdm_req = { LP_HHDM_ID, 0, 0 };
REQUEST struct lp_request lim_framebuffer_req = { LP_FRAMEBUFFER_ID, 0, 0 };
REQUEST struct lp_paging_mode_request lim_paging_mode_req = {
	{ LP_PAGING_MODE_ID, 1, 0 },
#if LIM_PAGING5
	LP_PAGING_MODE_5LVL, LP_PAGING_MODE_5LVL, LP_PAGING_MODE_4LVL
#else
	LP_PAGING_MODE_4LVL, LP_PAGING_MODE_4LVL, LP_PAGING_MODE_4LVL
#endif
};
#if LIM_MP
REQUEST struct lp_smp_request lim_smp_req = {
	{ LP_SMP_ID, 0, 0 }, LIM_X2APIC ? LP_SMP_X2APIC : 0
};
#endif
REQUEST struct lp_request lim_memmap_req = { LP_MEMMAP_ID, 0, 0 };
REQUEST struct lp_entry_point_request lim_entry_point_req = {
	{ LP_ENTRY_POINT_ID, 0, 0 }, lim_entry
};
REQUEST struct lp_request lim_kernel_file_req = { LP_KERNEL_FILE_ID, 0, 0 };

const char lim_internal_path[] = "internal.bin";
const char lim_internal_cmdline[] = LIM_INTERNAL_CMDLINE;
static const struct lp_internal_module internal_module = {
	lim_internal_path, lim_internal_cmdline, LP_INTERNAL_MODULE_REQUIRED
};
static const struct lp_internal_module *const internal_modules[1] = { &internal_module };
REQUEST struct lp_module_request lim_module_req = {
	{ LP_MODULE_ID, 1, 0 }, 1, internal_modules
};

REQUEST struct lp_request lim_rsdp_req = { LP_RSDP_ID, 0, 0 };
REQUEST struct lp_request lim_smbios_req = { LP_SMBIOS_ID, 0, 0 };
REQUEST struct lp_request lim_efi_system_table_req = { LP_EFI_SYSTEM_TABLE_ID, 0, 0 };
REQUEST struct lp_request lim_efi_memmap_req = { LP_EFI_MEMMAP_ID, 0, 0 };
REQUEST struct lp_request lim_boot_time_req = { LP_BOOT_TIME_ID, 0, 0 };
REQUEST struct lp_request lim_kernel_address_req = { LP_KERNEL_ADDRESS_ID, 0, 0 };

__attribute__((used, section(".limine_requests_end"), aligned(8)))
uint64_t lim_requests_end_marker[2] = LP_REQUESTS_END_MARKER;
