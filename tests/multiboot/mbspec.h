/*
 * mbspec.h - the Multiboot2 (Specification version 2.0) and Multiboot
 * (Specification 0.6.96) structures the test kernels read, typed from the
 * two specifications in GNU GRUB's documentation, plus the few UEFI
 * constants the checks need.  Every layout is pinned with _Static_assert,
 * so the 32-bit kernels, the 64-bit kernel and the host test agree.
 *
 * Usable from C and, with __ASSEMBLER__ defined, from the header .S files
 * (constants only).
 */
#ifndef RUNWAY_MB_SPEC_H
#define RUNWAY_MB_SPEC_H

/* ---- Multiboot2: the OS image header (spec 3.1) ----------------------- */

#define MB2_HEADER_MAGIC     0xe85250d6
#define MB2_ARCH_I386        0
#define MB2_SEARCH_BYTES     32768 /* the header lies within the first 32 KiB */
#define MB2_HEADER_ALIGN     8

#define MB2_HTAG_END         0
#define MB2_HTAG_INFO_REQ    1
#define MB2_HTAG_ADDRESS     2
#define MB2_HTAG_ENTRY       3
#define MB2_HTAG_FLAGS       4
#define MB2_HTAG_FRAMEBUFFER 5
#define MB2_HTAG_MODULE_ALIGN 6
#define MB2_HTAG_EFI_BS      7
#define MB2_HTAG_ENTRY_EFI32 8
#define MB2_HTAG_ENTRY_EFI64 9
#define MB2_HTAG_RELOCATABLE 10
#define MB2_HTAG_OPTIONAL    1 /* flags bit 0 */

/* ---- Multiboot2: the information structure (spec 3.6) ----------------- */

/* EAX on entry, both for the i386 and the EFI amd64 entry. */
#define MB2_BOOT_MAGIC       0x36d76289

#define MB2_TAG_END             0
#define MB2_TAG_CMDLINE         1
#define MB2_TAG_LOADER_NAME     2
#define MB2_TAG_MODULE          3
#define MB2_TAG_BASIC_MEMINFO   4
#define MB2_TAG_BOOTDEV         5
#define MB2_TAG_MMAP            6
#define MB2_TAG_VBE             7
#define MB2_TAG_FRAMEBUFFER     8
#define MB2_TAG_ELF_SECTIONS    9
#define MB2_TAG_APM             10
#define MB2_TAG_EFI32_ST        11
#define MB2_TAG_EFI64_ST        12
#define MB2_TAG_SMBIOS          13
#define MB2_TAG_ACPI_OLD        14
#define MB2_TAG_ACPI_NEW        15
#define MB2_TAG_NETWORK         16
#define MB2_TAG_EFI_MMAP        17
#define MB2_TAG_EFI_BS_NOT_TERM 18
#define MB2_TAG_EFI32_IH        19
#define MB2_TAG_EFI64_IH        20
#define MB2_TAG_LOAD_BASE       21
#define MB2_TAG_MAX             21

/* Memory map types, both protocols (MB2 3.6.8, MB1 3.3). */
#define MB_MEM_AVAILABLE     1
#define MB_MEM_RESERVED      2
#define MB_MEM_ACPI          3
#define MB_MEM_NVS           4
#define MB_MEM_BADRAM        5

#define MB_FB_TYPE_INDEXED   0
#define MB_FB_TYPE_RGB       1
#define MB_FB_TYPE_EGA_TEXT  2

/* ---- Multiboot (1) ---------------------------------------------------- */

#define MB1_HEADER_MAGIC     0x1badb002
#define MB1_SEARCH_BYTES     8192 /* the header lies within the first 8 KiB */
#define MB1_BOOT_MAGIC       0x2badb002

/* Header flags (spec 3.1.2). */
#define MB1_HF_PAGE_ALIGN    (1 << 0)
#define MB1_HF_MEMINFO       (1 << 1)
#define MB1_HF_VIDEO         (1 << 2)
#define MB1_HF_ADDRESS       (1 << 16)

/* Information flags (spec 3.3). */
#define MB1_IF_MEM           (1 << 0)
#define MB1_IF_BOOTDEV       (1 << 1)
#define MB1_IF_CMDLINE       (1 << 2)
#define MB1_IF_MODS          (1 << 3)
#define MB1_IF_AOUT_SYMS     (1 << 4)
#define MB1_IF_ELF_SHDR      (1 << 5)
#define MB1_IF_MMAP          (1 << 6)
#define MB1_IF_DRIVES        (1 << 7)
#define MB1_IF_CONFIG        (1 << 8)
#define MB1_IF_LOADER_NAME   (1 << 9)
#define MB1_IF_APM           (1 << 10)
#define MB1_IF_VBE           (1 << 11)
#define MB1_IF_FRAMEBUFFER   (1 << 12)

/* ---- UEFI (2.10), only what the checks compare against ----------------- */

#define EFI_ST_SIGNATURE     0x5453595320494249ull /* "IBI SYST" */
#define EFI_BS_SIGNATURE     0x56524553544f4f42ull /* "BOOTSERV" */

#define EFI_RESERVED_TYPE          0
#define EFI_LOADER_CODE            1
#define EFI_LOADER_DATA            2
#define EFI_BOOT_SERVICES_CODE     3
#define EFI_BOOT_SERVICES_DATA     4
#define EFI_RUNTIME_SERVICES_CODE  5
#define EFI_RUNTIME_SERVICES_DATA  6
#define EFI_CONVENTIONAL_MEMORY    7
#define EFI_UNUSABLE_MEMORY        8
#define EFI_ACPI_RECLAIM_MEMORY    9
#define EFI_ACPI_MEMORY_NVS        10
#define EFI_MEMORY_MAPPED_IO       11
#define EFI_MEMORY_MAPPED_IO_PORT  12
#define EFI_PAL_CODE               13
#define EFI_PERSISTENT_MEMORY      14
/* Runway's OS-defined types for the kernel's segments and the modules
 * (docs/DESIGN.md "Memory types"): memory the kernel owns. */
#define RUNWAY_EFI_KERNEL_TYPE     0x80525701u
#define RUNWAY_EFI_MODULE_TYPE     0x80525702u

#ifndef __ASSEMBLER__
#include <stdint.h>

struct mb2_header {
	uint32_t magic, architecture, header_length, checksum;
};

struct mb2_header_tag {
	uint16_t type, flags;
	uint32_t size;
};

struct mb2_info_head {
	uint32_t total_size, reserved;
};

struct mb2_tag {
	uint32_t type, size;
};

struct mb2_tag_string { /* cmdline (1), boot loader name (2) */
	uint32_t type, size;
	char string[];
};

struct mb2_tag_module {
	uint32_t type, size;
	uint32_t mod_start, mod_end;
	char string[];
};

struct mb2_tag_meminfo {
	uint32_t type, size;
	uint32_t mem_lower, mem_upper; /* KiB */
};

struct mb2_mmap_entry {
	uint64_t base_addr, length;
	uint32_t type, reserved;
};

struct mb2_tag_mmap {
	uint32_t type, size;
	uint32_t entry_size, entry_version;
	/* entries follow */
};

/*
 * The framebuffer tag.  The specification's table shows one u8 "reserved"
 * before color_info, but GRUB (which defines the protocol in practice, and
 * whose multiboot2.h every kernel compiles against) has a u16 there and
 * writes color_info at offset 32: this is the layout the kernels read.
 */
struct mb2_tag_framebuffer {
	uint32_t type, size;
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, fb_type;
	uint16_t reserved;
	/* color_info for type 1 (RGB) */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
} __attribute__((packed));

struct mb2_tag_u64 { /* EFI 64-bit system table (12), image handle (20) */
	uint32_t type, size;
	uint64_t pointer;
} __attribute__((packed));

struct mb2_tag_smbios {
	uint32_t type, size;
	uint8_t major, minor, reserved[6];
	uint8_t tables[];
};

struct mb2_tag_efi_mmap {
	uint32_t type, size;
	uint32_t descriptor_size, descriptor_version;
	/* the firmware's descriptors follow */
};

struct mb2_tag_load_base {
	uint32_t type, size;
	uint32_t load_base_addr;
};

_Static_assert(sizeof(struct mb2_header) == 16, "mb2 header");
_Static_assert(sizeof(struct mb2_header_tag) == 8, "mb2 header tag");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "module tag");
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "meminfo tag");
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mmap entry");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mmap tag");
_Static_assert(__builtin_offsetof(struct mb2_tag_framebuffer, bpp) == 28, "fb bpp");
_Static_assert(__builtin_offsetof(struct mb2_tag_framebuffer, red_pos) == 32, "fb color");
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 38, "fb tag");
_Static_assert(sizeof(struct mb2_tag_u64) == 16, "u64 tag");
_Static_assert(sizeof(struct mb2_tag_smbios) == 16, "smbios tag");
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "efi mmap tag");
_Static_assert(sizeof(struct mb2_tag_load_base) == 12, "load base tag");

/* Multiboot (1) information structure (spec 3.3). */
struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height;
	uint8_t framebuffer_bpp, framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));

struct mb1_module {
	uint32_t mod_start, mod_end, string, reserved;
};

/* One map entry; mmap_addr points at `size`, which does not count itself. */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type;
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct mb1_info, mmap_length) == 44, "mb1 mmap");
_Static_assert(__builtin_offsetof(struct mb1_info, boot_loader_name) == 64, "mb1 name");
_Static_assert(__builtin_offsetof(struct mb1_info, framebuffer_addr) == 88, "mb1 fb");
_Static_assert(__builtin_offsetof(struct mb1_info, framebuffer_bpp) == 108, "mb1 bpp");
_Static_assert(sizeof(struct mb1_info) == 116, "mb1 info");
_Static_assert(sizeof(struct mb1_module) == 16, "mb1 module");
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1 mmap entry");

/* UEFI table header and memory descriptor (UEFI 2.10, 4.2 and 7.2). */
struct efi_table_header {
	uint64_t signature;
	uint32_t revision, header_size, crc32, reserved;
};

struct efi_memory_descriptor {
	uint32_t type, pad;
	uint64_t physical_start, virtual_start, number_of_pages, attribute;
};

_Static_assert(sizeof(struct efi_table_header) == 24, "efi table header");
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "efi descriptor");

#endif /* !__ASSEMBLER__ */
#endif /* RUNWAY_MB_SPEC_H */
