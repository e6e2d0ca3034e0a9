/*
 * limine_spec.h - the Limine boot protocol's identifiers and structures,
 * written from its specification (PROTOCOL.md of the limine-bootloader
 * project: "Features", "Feature List"), for proto/limine.c.
 *
 * Every pointer in these structures is a 64-bit virtual address in the
 * kernel's address space (an HHDM address unless the specification says
 * otherwise), so they are declared as uint64_t.  Layouts are pinned with
 * static assertions.
 */
#ifndef RUNWAY_PROTO_LIMINE_SPEC_H
#define RUNWAY_PROTO_LIMINE_SPEC_H

#include <stddef.h>
#include <stdint.h>

/* The first two words of every request ID. */
#define LIM_MAGIC0 0xc7b1dd30df4c8b88ull
#define LIM_MAGIC1 0x0a82e883a194f07bull

/* Base revision tag: two magic words, then the revision asked for. */
#define LIM_BASE_REV0 0xf9562b2d5c95a6c8ull
#define LIM_BASE_REV1 0x6a7b384944536bdcull
/* The highest base revision Runway implements. */
#define LIM_BASE_REVISION_MAX 3

/* Requests delimiters. */
#define LIM_START0 0xf6b8f4b39de7d1aeull
#define LIM_START1 0xfab91a6940fcb9cfull
#define LIM_START2 0x785c6ed015d3e316ull
#define LIM_START3 0x181e920a7852b9d9ull
#define LIM_END0 0xadc0e0531bb10d03ull
#define LIM_END1 0x9572709f31764c62ull

/* The last two words of each request ID Runway knows. */
enum lim_request {
	LIM_REQ_BOOTLOADER_INFO,
	LIM_REQ_FIRMWARE_TYPE,
	LIM_REQ_STACK_SIZE,
	LIM_REQ_HHDM,
	LIM_REQ_FRAMEBUFFER,
	LIM_REQ_PAGING_MODE,
	LIM_REQ_MP,
	LIM_REQ_MEMMAP,
	LIM_REQ_ENTRY_POINT,
	LIM_REQ_KERNEL_FILE,
	LIM_REQ_MODULE,
	LIM_REQ_RSDP,
	LIM_REQ_SMBIOS,
	LIM_REQ_EFI_SYSTEM_TABLE,
	LIM_REQ_EFI_MEMMAP,
	LIM_REQ_BOOT_TIME,
	LIM_REQ_KERNEL_ADDRESS,
	LIM_REQ_DTB,
	LIM_REQ_TERMINAL,
	LIM_REQ_COUNT
};

/* Every request starts with this header. */
struct lim_request_header {
	uint64_t id[4];
	uint64_t revision;
	uint64_t response;
};

struct lim_internal_module {
	uint64_t path;     /* relative to the kernel's directory */
	uint64_t cmdline;
	uint64_t flags;
};
#define LIM_INTERNAL_MODULE_REQUIRED 1u

struct lim_uuid {
	uint8_t bytes[16]; /* a, b, c little-endian, then d: EFI GUID order */
};

#define LIM_MEDIA_GENERIC 0

struct lim_file {
	uint64_t revision;
	uint64_t address;
	uint64_t size;
	uint64_t path;
	uint64_t cmdline;
	uint32_t media_type;
	uint32_t unused;
	uint32_t tftp_ip;
	uint32_t tftp_port;
	uint32_t partition_index;
	uint32_t mbr_disk_id;
	struct lim_uuid gpt_disk_uuid;
	struct lim_uuid gpt_part_uuid;
	struct lim_uuid part_uuid;
};
_Static_assert(sizeof(struct lim_file) == 112, "limine_file layout");
_Static_assert(offsetof(struct lim_file, gpt_disk_uuid) == 64, "limine_file layout");

#define LIM_FB_RGB 1

struct lim_framebuffer {
	uint64_t address;
	uint64_t width, height, pitch;
	uint16_t bpp;
	uint8_t memory_model;
	uint8_t red_mask_size, red_mask_shift;
	uint8_t green_mask_size, green_mask_shift;
	uint8_t blue_mask_size, blue_mask_shift;
	uint8_t unused[7];
	uint64_t edid_size;
	uint64_t edid;
	/* response revision 1 */
	uint64_t mode_count;
	uint64_t modes;
};
_Static_assert(offsetof(struct lim_framebuffer, edid_size) == 48, "limine_framebuffer layout");
_Static_assert(sizeof(struct lim_framebuffer) == 80, "limine_framebuffer layout");

struct lim_video_mode {
	uint64_t pitch, width, height;
	uint16_t bpp;
	uint8_t memory_model;
	uint8_t red_mask_size, red_mask_shift;
	uint8_t green_mask_size, green_mask_shift;
	uint8_t blue_mask_size, blue_mask_shift;
};
_Static_assert(offsetof(struct lim_video_mode, blue_mask_shift) == 32, "limine_video_mode layout");

struct lim_mp_info {
	uint32_t processor_id;
	uint32_t lapic_id;
	uint64_t reserved;
	uint64_t goto_address;
	uint64_t extra_argument;
};
_Static_assert(sizeof(struct lim_mp_info) == 32, "limine_smp_info layout");

/* Memory map entry types. */
enum {
	LIM_MEM_USABLE = 0,
	LIM_MEM_RESERVED = 1,
	LIM_MEM_ACPI_RECLAIMABLE = 2,
	LIM_MEM_ACPI_NVS = 3,
	LIM_MEM_BAD = 4,
	LIM_MEM_BOOTLOADER_RECLAIMABLE = 5,
	LIM_MEM_KERNEL_AND_MODULES = 6,
	LIM_MEM_FRAMEBUFFER = 7,
};

struct lim_memmap_entry {
	uint64_t base, length, type;
};

#define LIM_FIRMWARE_UEFI64 2
#define LIM_PAGING_4LVL 0
#define LIM_PAGING_5LVL 1

/* Where the direct map starts with 5-level paging (with 4 levels it is
 * 0xffff800000000000, Runway's own). */
#define LIM_HHDM_5LVL 0xff00000000000000ull

/* The selectors of the GDT the specification lays out. */
#define LIM_GDT_CODE64 0x28
#define LIM_GDT_DATA64 0x30

#endif
