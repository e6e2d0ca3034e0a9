/*
 * mbkern.h - the checks the test kernels run from inside on what the
 * loader handed over: the Multiboot2 information structure (i386 and EFI
 * amd64 kernels alike): its shape, then each tag against what the kernel
 * asked for and against the machine (module hashes, memory it can read,
 * the framebuffer it can write); and the parts the Multiboot (1) kernel
 * shares (modules, type-1 memory, pixels).  Each failed check is one FAIL
 * line (report.h); a structure that cannot be walked is fatal.
 */
#ifndef RUNWAY_MBKERN_H
#define RUNWAY_MBKERN_H

#include <stdint.h>

#include "mbchecks.h"

/* The command line the kernels require (multiboot.mk, MB_TEST_CMDLINE). */
#ifndef MB_TEST_CMDLINE
#error "MB_TEST_CMDLINE must be defined (-DMB_TEST_CMDLINE=\"...\")"
#endif

#define MB_MAX_MODULES 16
#define MB_MAX_MMAP    512

struct mb_expect {
	uint64_t kernel_base, kernel_size; /* the image as it runs, bss included */
	uint64_t required;  /* bit n: tag type n must be there           */
	uint64_t forbidden; /* bit n: tag type n must not be there       */
	uint32_t fb_w, fb_h, fb_bpp; /* the framebuffer asked for, if any */
};

struct mb_result {
	uint64_t tags;          /* bit n: a tag of type n was there      */
	uint32_t modules, mmap_entries, efi_descs;
	uint32_t fb_w, fb_h;
	uint64_t info, info_size;
	uint64_t system_table, image_handle;
	uint32_t load_base;     /* tag 21, when tags has bit 21          */
	/* The modules' ranges and the memory map, for the caller. */
	uint64_t mod_start[MB_MAX_MODULES], mod_len[MB_MAX_MODULES];
	const struct mb_range *mmap;
};

/*
 * Checks the structure at physical `info` (8-byte aligned already checked
 * by the caller) and fills *r.  With the memory map (6): sorted, types 1
 * to 5, basic meminfo consistent with it, the kernel, the structure and
 * every module in type-1 memory.  With the EFI memory map (17): every
 * descriptor where its type belongs in the Multiboot map and every type-1
 * entry made of usable descriptors.
 */
void mb2_check_info(uint64_t info, const struct mb_expect *x, struct mb_result *r);

/*
 * One module of either protocol, [start, end) with its string (at most
 * string_max bytes to show): page-aligned (both kernels ask for it), the
 * string "fnv1a64=<16 hex digits>" naming the FNV-1a 64 of its bytes, no
 * overlap with the kernel, the information structure (r->info,
 * r->info_size) or the modules before it, inside type-1 memory (r->mmap,
 * when set).  Recorded in r->mod_start/mod_len[i].
 */
void mb_check_module(uint32_t i, uint64_t start, uint64_t end, const char *string,
                     uint64_t string_max, const struct mb_expect *x, struct mb_result *r);

/* A FAIL line unless [base, base + len) is type-1 memory of r->mmap (no
 * line when the kernel has no valid map). */
void mb_in_usable(const struct mb_result *r, const char *what, uint64_t base,
                  uint64_t len);

/* Writes two patterns to the first and the last pixel and reads them
 * back, restoring what was there (32 bpp only; other depths: nothing). */
void mb_check_pixels(const struct mb_fb *fb);

/* A pointer to physical memory (identity: paging off, or the firmware's
 * identity map); 0 when this kernel cannot reach [phys, phys + len). */
static inline void *mb_phys(uint64_t phys, uint64_t len)
{
	if (sizeof(void *) < 8 && (phys >= (1ull << 32) || len > (1ull << 32) - phys))
		return 0;
	return (void *)(uintptr_t)phys;
}

#endif /* RUNWAY_MBKERN_H */
