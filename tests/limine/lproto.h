/*
 * lproto.h - the Limine boot protocol as the Limine test kernels see it:
 * request IDs, request and response layouts, constants.
 *
 * Typed from the specification text (limine-bootloader/limine PROTOCOL.md
 * at commit 78beb06c, which describes base revisions 0-2) and written
 * independently of limine.h, so that a mistake in the loader's copy of a
 * magic number is not repeated here.  Base revision 3 is as revision 2
 * except: the HHDM maps only usable, bootloader-reclaimable, executable/
 * module and framebuffer entries; the RSDP address is physical; there is
 * no identity map (see kernel.c for the SMBIOS and EFI system table).
 *
 * Only the x86-64 forms are given.  Addresses the loader writes are
 * uint64_t, so that the kernel checks them before it reads through them;
 * the few fields the kernel fills itself are pointers.  Every layout is
 * pinned with static assertions at the end.
 */
#ifndef RUNWAY_LIMINE_LPROTO_H
#define RUNWAY_LIMINE_LPROTO_H

#include <stddef.h>
#include <stdint.h>

/* ---- base revision tag, request delimiters (PROTOCOL.md "Base protocol
 * revisions", "Requests Delimiters") ---------------------------------- */

#define LP_BASE_REVISION_MAGIC 0xf9562b2d5c95a6c8ull, 0x6a7b384944536bdcull
/* uint64_t tag[3] = { LP_BASE_REVISION_MAGIC, N }; the loader sets tag[2]
 * to 0 when it supports revision N, and leaves it unchanged if not. */

#define LP_REQUESTS_START_MARKER                                           \
	{ 0xf6b8f4b39de7d1aeull, 0xfab91a6940fcb9cfull,                    \
	  0x785c6ed015d3e316ull, 0x181e920a7852b9d9ull }
#define LP_REQUESTS_END_MARKER { 0xadc0e0531bb10d03ull, 0x9572709f31764c62ull }

/* ---- request IDs ("Feature List"): the common half, then each one --- */

#define LP_COMMON_MAGIC 0xc7b1dd30df4c8b88ull, 0x0a82e883a194f07bull
#define LP_ID(a, b) { LP_COMMON_MAGIC, (a), (b) }

#define LP_BOOTLOADER_INFO_ID  LP_ID(0xf55038d8e2a1202full, 0x279426fcf5f59740ull)
#define LP_FIRMWARE_TYPE_ID    LP_ID(0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull)
#define LP_STACK_SIZE_ID       LP_ID(0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull)
#define LP_HHDM_ID             LP_ID(0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull)
#define LP_FRAMEBUFFER_ID      LP_ID(0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull)
#define LP_PAGING_MODE_ID      LP_ID(0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull)
#define LP_SMP_ID              LP_ID(0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull)
#define LP_MEMMAP_ID           LP_ID(0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull)
#define LP_ENTRY_POINT_ID      LP_ID(0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull)
#define LP_KERNEL_FILE_ID      LP_ID(0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull)
#define LP_MODULE_ID           LP_ID(0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull)
#define LP_RSDP_ID             LP_ID(0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull)
#define LP_SMBIOS_ID           LP_ID(0x9e9046f11e095391ull, 0xaa4a520fefbde5eeull)
#define LP_EFI_SYSTEM_TABLE_ID LP_ID(0x5ceba5163eaaf6d6ull, 0x0a6981610cf65fccull)
#define LP_EFI_MEMMAP_ID       LP_ID(0x7df62a431d6872d5ull, 0xa4fcdfb3e57306c8ull)
#define LP_BOOT_TIME_ID        LP_ID(0x502746e184c088aaull, 0xfbc5ec83e6327893ull)
#define LP_KERNEL_ADDRESS_ID   LP_ID(0x71ba76863cc55f63ull, 0xb2644a48c516a487ull)

/* ---- the members every request and response starts with ------------ */

struct lp_request {
	uint64_t id[4];
	uint64_t revision;  /* of the request, as the kernel writes it */
	uint64_t response;  /* filled by the loader; left alone if not processed */
};

/* Requests with members of their own. */
struct lp_stack_size_request {
	struct lp_request r;
	uint64_t stack_size;
};

#define LP_PAGING_MODE_4LVL 0
#define LP_PAGING_MODE_5LVL 1

struct lp_paging_mode_request {
	struct lp_request r;
	uint64_t mode;
	uint64_t max_mode; /* request revision 1 and above */
	uint64_t min_mode; /* request revision 1 and above */
};

#define LP_SMP_X2APIC (1u << 0) /* request: enable; response: enabled */

struct lp_smp_request {
	struct lp_request r;
	uint64_t flags;
};

struct lp_entry_point_request {
	struct lp_request r;
	void (*entry)(void);
};

#define LP_INTERNAL_MODULE_REQUIRED   (1u << 0)
#define LP_INTERNAL_MODULE_COMPRESSED (1u << 1)

struct lp_internal_module {
	const char *path;    /* relative to the kernel's directory */
	const char *cmdline;
	uint64_t flags;
};

struct lp_module_request {
	struct lp_request r;
	uint64_t internal_module_count;                /* request revision 1 */
	const struct lp_internal_module *const *internal_modules;
};

/* ---- responses --------------------------------------------------------- */

struct lp_bootloader_info_response {
	uint64_t revision;
	uint64_t name;    /* NUL-terminated ASCII */
	uint64_t version; /* NUL-terminated ASCII */
};

#define LP_FIRMWARE_X86BIOS 0
#define LP_FIRMWARE_UEFI32  1
#define LP_FIRMWARE_UEFI64  2

struct lp_firmware_type_response {
	uint64_t revision;
	uint64_t firmware_type;
};

struct lp_stack_size_response {
	uint64_t revision;
};

struct lp_hhdm_response {
	uint64_t revision;
	uint64_t offset;
};

#define LP_FRAMEBUFFER_RGB 1

struct lp_framebuffer_response {
	uint64_t revision;
	uint64_t framebuffer_count;
	uint64_t framebuffers; /* struct lp_framebuffer *[framebuffer_count] */
};

struct lp_framebuffer {
	uint64_t address;
	uint64_t width;
	uint64_t height;
	uint64_t pitch;
	uint16_t bpp;
	uint8_t memory_model;
	uint8_t red_mask_size;
	uint8_t red_mask_shift;
	uint8_t green_mask_size;
	uint8_t green_mask_shift;
	uint8_t blue_mask_size;
	uint8_t blue_mask_shift;
	uint8_t unused[7];
	uint64_t edid_size;
	uint64_t edid;       /* NULL when the EDID is not known */
	/* Response revision 1 */
	uint64_t mode_count;
	uint64_t modes;      /* struct lp_video_mode *[mode_count] */
};
/* The bytes of a framebuffer structure in a revision-0 response. */
#define LP_FRAMEBUFFER_REV0_SIZE offsetof(struct lp_framebuffer, mode_count)

struct lp_video_mode {
	uint64_t pitch;
	uint64_t width;
	uint64_t height;
	uint16_t bpp;
	uint8_t memory_model;
	uint8_t red_mask_size;
	uint8_t red_mask_shift;
	uint8_t green_mask_size;
	uint8_t green_mask_shift;
	uint8_t blue_mask_size;
	uint8_t blue_mask_shift;
};

struct lp_paging_mode_response {
	uint64_t revision;
	uint64_t mode;
};

struct lp_smp_response {
	uint64_t revision;
	uint32_t flags;        /* LP_SMP_X2APIC: x2APIC was enabled */
	uint32_t bsp_lapic_id;
	uint64_t cpu_count;    /* the BSP included */
	uint64_t cpus;         /* struct lp_smp_info *[cpu_count] */
};

struct lp_smp_info {
	uint32_t processor_id; /* ACPI processor UID, from the MADT */
	uint32_t lapic_id;     /* from the MADT */
	uint64_t reserved;
	uint64_t goto_address; /* void (*)(struct lp_smp_info *); written atomically */
	uint64_t extra_argument;
};

#define LP_MEMMAP_USABLE                 0
#define LP_MEMMAP_RESERVED               1
#define LP_MEMMAP_ACPI_RECLAIMABLE       2
#define LP_MEMMAP_ACPI_NVS               3
#define LP_MEMMAP_BAD_MEMORY             4
#define LP_MEMMAP_BOOTLOADER_RECLAIMABLE 5
#define LP_MEMMAP_KERNEL_AND_MODULES     6 /* "executable and modules" */
#define LP_MEMMAP_FRAMEBUFFER            7

struct lp_memmap_response {
	uint64_t revision;
	uint64_t entry_count;
	uint64_t entries; /* struct lp_memmap_entry *[entry_count] */
};

struct lp_memmap_entry {
	uint64_t base;
	uint64_t length;
	uint64_t type;
};

struct lp_entry_point_response {
	uint64_t revision;
};

struct lp_uuid {
	uint32_t a;
	uint16_t b;
	uint16_t c;
	uint8_t d[8];
};

#define LP_MEDIA_GENERIC 0
#define LP_MEDIA_OPTICAL 1
#define LP_MEDIA_TFTP    2

struct lp_file {
	uint64_t revision;
	uint64_t address;  /* at least 4 KiB aligned */
	uint64_t size;
	uint64_t path;     /* within the volume, leading slash */
	uint64_t cmdline;
	uint32_t media_type;
	uint32_t unused;
	uint32_t tftp_ip;
	uint32_t tftp_port;
	uint32_t partition_index; /* 1-based; 0: invalid or unpartitioned */
	uint32_t mbr_disk_id;
	struct lp_uuid gpt_disk_uuid;
	struct lp_uuid gpt_part_uuid;
	struct lp_uuid part_uuid;
};

struct lp_kernel_file_response {
	uint64_t revision;
	uint64_t kernel_file; /* struct lp_file * */
};

struct lp_module_response {
	uint64_t revision;
	uint64_t module_count;
	uint64_t modules; /* struct lp_file *[module_count], internal ones first */
};

struct lp_rsdp_response {
	uint64_t revision;
	uint64_t address; /* HHDM in base revisions 0-2, physical in 3 */
};

struct lp_smbios_response {
	uint64_t revision;
	uint64_t entry_32; /* 0 when absent */
	uint64_t entry_64; /* 0 when absent */
};

struct lp_efi_system_table_response {
	uint64_t revision;
	uint64_t address;
};

struct lp_efi_memmap_response {
	uint64_t revision;
	uint64_t memmap;      /* HHDM */
	uint64_t memmap_size; /* bytes */
	uint64_t desc_size;
	uint64_t desc_version;
};

struct lp_boot_time_response {
	uint64_t revision;
	int64_t boot_time; /* UNIX seconds, from the RTC */
};

struct lp_kernel_address_response {
	uint64_t revision;
	uint64_t physical_base;
	uint64_t virtual_base;
};

/* ---- layouts, pinned ---------------------------------------------------- */

#define LP_LAYOUT(cond) _Static_assert(cond, #cond)
LP_LAYOUT(sizeof(struct lp_request) == 48);
LP_LAYOUT(offsetof(struct lp_request, revision) == 32);
LP_LAYOUT(offsetof(struct lp_request, response) == 40);
LP_LAYOUT(sizeof(struct lp_stack_size_request) == 56);
LP_LAYOUT(sizeof(struct lp_paging_mode_request) == 72);
LP_LAYOUT(offsetof(struct lp_paging_mode_request, min_mode) == 64);
LP_LAYOUT(sizeof(struct lp_smp_request) == 56);
LP_LAYOUT(sizeof(struct lp_entry_point_request) == 56);
LP_LAYOUT(sizeof(struct lp_internal_module) == 24);
LP_LAYOUT(sizeof(struct lp_module_request) == 64);
LP_LAYOUT(offsetof(struct lp_module_request, internal_modules) == 56);
LP_LAYOUT(sizeof(struct lp_bootloader_info_response) == 24);
LP_LAYOUT(sizeof(struct lp_firmware_type_response) == 16);
LP_LAYOUT(sizeof(struct lp_hhdm_response) == 16);
LP_LAYOUT(sizeof(struct lp_framebuffer_response) == 24);
LP_LAYOUT(offsetof(struct lp_framebuffer, bpp) == 32);
LP_LAYOUT(offsetof(struct lp_framebuffer, memory_model) == 34);
LP_LAYOUT(offsetof(struct lp_framebuffer, blue_mask_shift) == 40);
LP_LAYOUT(offsetof(struct lp_framebuffer, edid_size) == 48);
LP_LAYOUT(offsetof(struct lp_framebuffer, edid) == 56);
LP_LAYOUT(offsetof(struct lp_framebuffer, mode_count) == 64);
LP_LAYOUT(sizeof(struct lp_framebuffer) == 80);
LP_LAYOUT(offsetof(struct lp_video_mode, bpp) == 24);
LP_LAYOUT(offsetof(struct lp_video_mode, blue_mask_shift) == 32);
LP_LAYOUT(sizeof(struct lp_video_mode) == 40);
LP_LAYOUT(sizeof(struct lp_paging_mode_response) == 16);
LP_LAYOUT(offsetof(struct lp_smp_response, bsp_lapic_id) == 12);
LP_LAYOUT(offsetof(struct lp_smp_response, cpus) == 24);
LP_LAYOUT(sizeof(struct lp_smp_response) == 32);
LP_LAYOUT(offsetof(struct lp_smp_info, lapic_id) == 4);
LP_LAYOUT(offsetof(struct lp_smp_info, goto_address) == 16);
LP_LAYOUT(offsetof(struct lp_smp_info, extra_argument) == 24);
LP_LAYOUT(sizeof(struct lp_smp_info) == 32);
LP_LAYOUT(sizeof(struct lp_memmap_response) == 24);
LP_LAYOUT(sizeof(struct lp_memmap_entry) == 24);
LP_LAYOUT(sizeof(struct lp_uuid) == 16);
LP_LAYOUT(offsetof(struct lp_file, media_type) == 40);
LP_LAYOUT(offsetof(struct lp_file, partition_index) == 56);
LP_LAYOUT(offsetof(struct lp_file, gpt_disk_uuid) == 64);
LP_LAYOUT(offsetof(struct lp_file, gpt_part_uuid) == 80);
LP_LAYOUT(offsetof(struct lp_file, part_uuid) == 96);
LP_LAYOUT(sizeof(struct lp_file) == 112);
LP_LAYOUT(sizeof(struct lp_kernel_file_response) == 16);
LP_LAYOUT(sizeof(struct lp_module_response) == 24);
LP_LAYOUT(sizeof(struct lp_rsdp_response) == 16);
LP_LAYOUT(sizeof(struct lp_smbios_response) == 24);
LP_LAYOUT(sizeof(struct lp_efi_system_table_response) == 16);
LP_LAYOUT(sizeof(struct lp_efi_memmap_response) == 40);
LP_LAYOUT(sizeof(struct lp_boot_time_response) == 16);
LP_LAYOUT(sizeof(struct lp_kernel_address_response) == 24);
#undef LP_LAYOUT

#endif /* RUNWAY_LIMINE_LPROTO_H */
