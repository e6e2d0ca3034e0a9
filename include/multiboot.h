/*
 * multiboot.h - the Multiboot2 (specification 2.0) and Multiboot
 * (specification 0.6.96) formats as Runway reads and writes them, and the
 * header parser shared by proto/multiboot2.c and proto/multiboot1.c.
 *
 * Pure logic: the header is parsed from the first bytes of the file
 * (mb_find); what the kernel receives is built by the protocols.
 */
#ifndef RUNWAY_MULTIBOOT_H
#define RUNWAY_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf64.h"
#include "fmt.h"

/* ---- Multiboot2 ---- */
#define MB2_HEADER_MAGIC 0xe85250d6u
#define MB2_BOOT_MAGIC   0x36d76289u  /* EAX at entry */
#define MB2_WINDOW       32768        /* the header lies in the first 32 KiB */
#define MB2_ARCH_I386    0

/* Header tags (the kernel's). */
enum {
	MB2_HT_END = 0,
	MB2_HT_INFO_REQUEST = 1,
	MB2_HT_ADDRESS = 2,
	MB2_HT_ENTRY = 3,
	MB2_HT_CONSOLE_FLAGS = 4,
	MB2_HT_FRAMEBUFFER = 5,
	MB2_HT_MODULE_ALIGN = 6,
	MB2_HT_EFI_BS = 7,
	MB2_HT_EFI_I386_ENTRY = 8,
	MB2_HT_EFI_AMD64_ENTRY = 9,
	MB2_HT_RELOCATABLE = 10,
};
#define MB2_HT_OPTIONAL 1  /* flags bit 0 */

/* Information tags (what the kernel receives). */
enum {
	MB2_IT_END = 0,
	MB2_IT_CMDLINE = 1,
	MB2_IT_LOADER_NAME = 2,
	MB2_IT_MODULE = 3,
	MB2_IT_BASIC_MEMINFO = 4,
	MB2_IT_BOOTDEV = 5,
	MB2_IT_MMAP = 6,
	MB2_IT_VBE = 7,
	MB2_IT_FRAMEBUFFER = 8,
	MB2_IT_ELF_SECTIONS = 9,
	MB2_IT_APM = 10,
	MB2_IT_EFI32 = 11,
	MB2_IT_EFI64 = 12,
	MB2_IT_SMBIOS = 13,
	MB2_IT_ACPI_OLD = 14,
	MB2_IT_ACPI_NEW = 15,
	MB2_IT_NETWORK = 16,
	MB2_IT_EFI_MMAP = 17,
	MB2_IT_EFI_BS = 18,
	MB2_IT_EFI32_IH = 19,
	MB2_IT_EFI64_IH = 20,
	MB2_IT_LOAD_BASE = 21,
	MB2_IT_COUNT
};

/* Relocatable header tag, preference. */
enum { MB2_PREFER_NONE = 0, MB2_PREFER_LOW = 1, MB2_PREFER_HIGH = 2 };

/* ---- Multiboot (1) ---- */
#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_BOOT_MAGIC   0x2badb002u
#define MB1_WINDOW       8192

/* Header flags. */
#define MB1_HF_PAGE_ALIGN  (1u << 0)
#define MB1_HF_MEMINFO     (1u << 1)
#define MB1_HF_VIDEO       (1u << 2)
#define MB1_HF_ADDRESS     (1u << 16)
#define MB1_HF_KNOWN_REQUIRED (MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | MB1_HF_VIDEO)

/* Information flags. */
#define MB1_IF_MEM        (1u << 0)
#define MB1_IF_CMDLINE    (1u << 2)
#define MB1_IF_MODS       (1u << 3)
#define MB1_IF_MMAP       (1u << 6)
#define MB1_IF_LOADER     (1u << 9)
#define MB1_IF_FB         (1u << 12)

/* The information structure (section 3.3). */
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
	uint8_t color[6];  /* red position, size; green; blue */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_info) == 116, "Multiboot information");

struct mb1_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb1_mmap_entry {
	uint32_t size;     /* of the rest: 20 */
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

/* The memory map types both versions use. */
enum {
	MB_MEM_AVAILABLE = 1,
	MB_MEM_RESERVED = 2,
	MB_MEM_ACPI_RECLAIMABLE = 3,
	MB_MEM_NVS = 4,
	MB_MEM_BAD = 5,
};

#define MB_REQUESTS_MAX 64

/* A header, version 1 or 2, as found in a file: every field Runway uses,
 * checked for form (not yet against memory). */
struct mb_header {
	int version;                 /* 1 or 2 */
	uint64_t offset;             /* in the file */
	uint32_t length;             /* bytes (Multiboot2's header_length) */
	uint32_t flags;              /* Multiboot (1) flags */
	bool has_addr;               /* address tag / flags bit 16 */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	bool has_entry;              /* entry address tag / a.out entry_addr */
	uint32_t entry;
	bool has_efi64_entry;        /* EFI amd64 entry address tag */
	uint32_t efi64_entry;
	bool has_efi32_entry;        /* EFI i386: not for x86-64 firmware */
	bool keep_bs;                /* EFI boot services tag */
	bool has_fb;                 /* framebuffer tag / flags bit 2 */
	uint32_t fb_mode_type;       /* Multiboot (1): 0 linear, 1 EGA text */
	uint32_t fb_width, fb_height, fb_depth;  /* 0: no preference */
	bool fb_optional;
	bool module_align;           /* module alignment tag / flags bit 0 */
	bool has_console_flags;
	uint32_t console_flags;
	bool has_reloc;              /* relocatable header tag */
	uint32_t reloc_min, reloc_max, reloc_align, reloc_prefer;
	size_t nrequests;            /* information request tags' types */
	uint32_t request[MB_REQUESTS_MAX];
	bool request_optional[MB_REQUESTS_MAX];
};

/*
 * Find and check the header of `version` (1 or 2) in head[0..len), the
 * first bytes of a file of file_size bytes (len is at most the window).
 * Returns 1 with *ret set, 0 when no magic is in the window, or -1 with
 * err naming path, the offset and the field when a magic is there but
 * the header around it is malformed (checksum, architecture, a tag).
 */
int mb_find(int version, const uint8_t *head, size_t len, uint64_t file_size,
	    const char *path, struct mb_header *ret, struct rw_err *err);

/* Does the file's head hold the magic of `version` where the header may
 * be?  (For detection: a malformed header is then reported by mb_find.) */
bool mb_probe(int version, const uint8_t *head, size_t len);

/*
 * The image an address tag (or Multiboot (1)'s address fields) describes:
 * one segment of the file, loaded at load_addr, with its bss.  Returns 0,
 * or -1 with err naming the field that does not fit the file.
 */
int mb_image_from_addr(const struct mb_header *h, uint64_t file_size,
		       const char *path, struct elf_image *ret_img,
		       struct rw_err *err);

/* The Multiboot memory type of a normalized region's kind (enum mm_kind). */
uint32_t mb_mem_type(uint32_t kind);

/* The name of a Multiboot2 information tag type ("tag 99" style text for
 * unknown ones goes through fmt). */
const char *mb2_tag_name(uint32_t type);

#endif
