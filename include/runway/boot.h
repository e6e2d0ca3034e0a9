/*
 * runway/boot.h - the Runway boot protocol, as seen by a kernel.
 *
 * Freestanding C and C++: include it from a kernel with no libc.  Every
 * structure here is shared with the loader in memory, so every layout is
 * pinned with static assertions.  All pointers are 64-bit virtual addresses
 * inside the direct map (hhdm_offset + physical), stored as integers so that
 * the layout does not depend on the compiler's pointer size or language.
 *
 * The machine state at entry is described in docs/PROTOCOL.md.
 */
#ifndef RUNWAY_BOOT_H
#define RUNWAY_BOOT_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__STDC_HOSTED__) || defined(__cplusplus)
#include <stddef.h>
#include <stdint.h>
#endif

/* "RUNWAYBI" in little-endian byte order. */
#define RUNWAY_BOOT_MAGIC   0x49425941574e5552ull
#define RUNWAY_BOOT_VERSION 1u

/* Where physical memory is mapped (the direct map, HHDM). */
#define RUNWAY_HHDM_OFFSET  0xffff800000000000ull

/* Memory map entry types. */
enum runway_mem_type {
	RUNWAY_MEM_USABLE             = 1, /* free RAM, the kernel's to use      */
	RUNWAY_MEM_RESERVED           = 2, /* firmware runtime, MMIO, unknown    */
	RUNWAY_MEM_ACPI_RECLAIMABLE   = 3, /* ACPI tables; usable once parsed    */
	RUNWAY_MEM_ACPI_NVS           = 4, /* ACPI non-volatile storage; keep    */
	RUNWAY_MEM_BAD                = 5, /* reported defective                 */
	RUNWAY_MEM_LOADER_RECLAIMABLE = 6, /* boot info, page tables, stack, the
	                                      loader itself: usable once the
	                                      kernel no longer needs them       */
	RUNWAY_MEM_KERNEL             = 7, /* the kernel image's segments        */
	RUNWAY_MEM_MODULE             = 8, /* modules loaded for the kernel      */
	RUNWAY_MEM_FRAMEBUFFER        = 9, /* reserved for the framebuffer; not
	                                      produced by this version      */
};

struct runway_mmap_entry {
	uint64_t base;   /* physical, page-aligned for usable entries */
	uint64_t length; /* bytes */
	uint32_t type;   /* enum runway_mem_type */
	uint32_t reserved;
};

/* Pixel formats for struct runway_framebuffer.format. */
enum runway_fb_format {
	RUNWAY_FB_NONE     = 0, /* no framebuffer */
	RUNWAY_FB_RGBX8888 = 1, /* byte 0 red, 1 green, 2 blue */
	RUNWAY_FB_BGRX8888 = 2, /* byte 0 blue, 1 green, 2 red */
	RUNWAY_FB_BITMASK  = 3, /* see the masks */
};

struct runway_framebuffer {
	uint64_t phys;   /* physical address, 0 when absent */
	uint64_t virt;   /* direct-map address */
	uint64_t size;   /* bytes */
	uint32_t width;  /* pixels */
	uint32_t height; /* pixels */
	uint32_t pitch;  /* bytes per scan line */
	uint32_t format; /* enum runway_fb_format */
	uint32_t red_mask, green_mask, blue_mask, reserved_mask;
};

struct runway_module {
	uint64_t phys;   /* physical address, page-aligned */
	uint64_t virt;   /* direct-map address */
	uint64_t size;   /* bytes of file content */
	uint64_t path;   /* NUL-terminated string (direct-map address) */
	uint64_t string; /* NUL-terminated string, "" if none */
};

/*
 * Where a kernel load's time went, in microseconds (time stamp counter
 * calibrated against the firmware's Stall).  The phases do not overlap
 * and all lie within total, so each is at most total and so is their sum;
 * what total holds beyond the sum is the loader's other work (protocol
 * preparation, modules, log lines).
 */
struct runway_load_times {
	uint64_t total;       /* from the memory map snapshot to the jump */
	uint64_t map;         /* the firmware's memory map, read and normalized */
	uint64_t plan;        /* choosing where the segments go */
	uint64_t claims;      /* the firmware's AllocatePages calls */
	uint64_t reads;       /* file reads into the segments */
	uint64_t zeroing;     /* bss and the gaps between segments */
	uint64_t relocation;  /* relocations of a moved (PIE) kernel */
	uint64_t page_tables; /* building them (their claim is in claims) */
	uint64_t exit;        /* ExitBootServices, the final memory map, the
	                         hand-off page and starting processors: up to
	                         the jump */
};

struct runway_boot_info {
	uint64_t magic;            /* RUNWAY_BOOT_MAGIC */
	uint32_t version;          /* RUNWAY_BOOT_VERSION */
	uint32_t size;             /* sizeof(struct runway_boot_info) */

	uint64_t hhdm_offset;      /* virtual = physical + hhdm_offset */
	uint64_t kernel_phys_base; /* physical address of the lowest segment */
	uint64_t kernel_virt_base; /* its link (or relocated) virtual address */
	uint64_t kernel_size;      /* bytes from the lowest to the highest
	                              segment end, rounded up to pages */

	uint64_t mmap;             /* struct runway_mmap_entry[mmap_count] */
	uint64_t mmap_count;       /* sorted by base, non-overlapping */

	uint64_t cmdline;          /* NUL-terminated, "" if none */

	uint64_t modules;          /* struct runway_module[module_count] */
	uint64_t module_count;

	struct runway_framebuffer framebuffer;

	uint64_t acpi_rsdp;        /* physical; ACPI 2.0+ RSDP preferred, 0 if none */
	uint64_t smbios_entry;     /* physical; SMBIOS 3 entry preferred, 0 if none */
	uint64_t efi_system_table; /* physical; see docs/PROTOCOL.md before
	                              calling runtime services */

	uint64_t stack_base;       /* lowest address of the entry stack (virtual) */
	uint64_t stack_size;       /* bytes */

	/* Time stamp counter readings at the loader's phases. */
	uint64_t tsc_loader_entry; /* this boot attempt began (after the menu) */
	uint64_t tsc_load_start;   /* kernel load began */
	uint64_t tsc_load_done;    /* segments filled, tables built */
	uint64_t tsc_exit_boot;    /* ExitBootServices returned */

	/* Fields added later: present when size covers them (check with
	 * RUNWAY_BOOT_INFO_HAS).  Size 288: */
	struct runway_load_times load_times;
};

#if defined(__cplusplus)
#define RUNWAY_STATIC_ASSERT static_assert
#else
#define RUNWAY_STATIC_ASSERT _Static_assert
#endif
RUNWAY_STATIC_ASSERT(sizeof(struct runway_mmap_entry) == 24, "mmap entry layout");
RUNWAY_STATIC_ASSERT(sizeof(struct runway_framebuffer) == 56, "framebuffer layout");
RUNWAY_STATIC_ASSERT(sizeof(struct runway_module) == 40, "module layout");
RUNWAY_STATIC_ASSERT(sizeof(struct runway_load_times) == 72, "load times layout");
RUNWAY_STATIC_ASSERT(sizeof(struct runway_boot_info) == 288, "boot info layout");
RUNWAY_STATIC_ASSERT(offsetof(struct runway_boot_info, hhdm_offset) == 16, "boot info layout");
RUNWAY_STATIC_ASSERT(offsetof(struct runway_boot_info, mmap) == 48, "boot info layout");
RUNWAY_STATIC_ASSERT(offsetof(struct runway_boot_info, framebuffer) == 88, "boot info layout");
RUNWAY_STATIC_ASSERT(offsetof(struct runway_boot_info, acpi_rsdp) == 144, "boot info layout");
RUNWAY_STATIC_ASSERT(offsetof(struct runway_boot_info, tsc_exit_boot) == 208, "boot info layout");
RUNWAY_STATIC_ASSERT(offsetof(struct runway_boot_info, load_times) == 216, "boot info layout");
#undef RUNWAY_STATIC_ASSERT

/* Does the loader's boot info hold `field`?  Version 1 only ever grows at
 * its end, so a kernel checks size before reading a later field. */
#define RUNWAY_BOOT_INFO_HAS(bi, field) \
	((bi)->size >= offsetof(struct runway_boot_info, field) + sizeof((bi)->field))

/* GDT selectors loaded at entry (see docs/PROTOCOL.md). */
#define RUNWAY_GDT_KERNEL_CS 0x08
#define RUNWAY_GDT_KERNEL_DS 0x10

/* Bytes of stack given to the kernel at entry. */
#define RUNWAY_STACK_SIZE (64u * 1024u)

#ifdef __cplusplus
}
#endif
#endif /* RUNWAY_BOOT_H */
