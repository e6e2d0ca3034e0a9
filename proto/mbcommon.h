/*
 * mbcommon.h - what the Multiboot2 and Multiboot (1) protocols share
 * (proto/mbcommon.c): reading the header into an image, the arena their
 * information lives in, and the memory map in Multiboot's terms.
 * Private to proto/.
 */
#ifndef RUNWAY_PROTO_MBCOMMON_H
#define RUNWAY_PROTO_MBCOMMON_H

#include "multiboot.h"
#include "proto.h"
#include "runway/boot.h"

#define MB_SIZE_4G (UINT64_C(1) << 32)
#define MB_LOADER_NAME "Runway " RUNWAY_VERSION

/*
 * Find the header of `version` in head and describe the image: an
 * address-tag image, else the ELF file's segments at their physical
 * addresses.  The entry (set in ret_img) is the header's entry address
 * when it has one; Multiboot2's EFI amd64 entry when keep_bs.  The image
 * must lie below 4 GiB unless it is entered through EFI.  Returns 0, or
 * -1 with err naming the file and what is wrong.
 */
int mb_parse_image(int version, const struct elf_file *f, const uint8_t *head,
		   size_t len, struct mb_header *ret_hdr, struct elf_image *ret_img,
		   struct rw_err *err);

/* Bump allocation in the one claim a protocol's information lives in. */
struct mb_arena {
	uint8_t *host;
	uint64_t phys;
	uint64_t used, cap;
};

/* Claim `bytes` (zeroed) below 4 GiB as loader memory. */
int mb_arena_claim(struct proto_run *run, uint64_t bytes, struct mb_arena *ret,
		   struct rw_err *err);

/* `size` bytes at the next multiple of align (zeroed when claimed). */
void *mb_take(struct mb_arena *a, uint64_t size, uint64_t align);

static inline uint64_t mb_phys(const struct mb_arena *a, const void *p)
{
	return a->phys + (uint64_t)((const uint8_t *)p - a->host);
}

/*
 * The memory map in Multiboot's types (struct runway_mmap_entry with
 * type MB_MEM_*): the final regions as they are (page 0 included: it is
 * the firmware's to say), merged where neighbours share a type.  Returns
 * the count (0 when cap, k->map_cap in prepare, is too small).
 */
size_t mb_memory_map(const struct mm_region *reg, size_t nreg,
		     struct runway_mmap_entry *out, size_t cap);

/* mem_lower and mem_upper (KiB) from a Multiboot-typed map: available
 * memory from 0 (at most 640 KiB) and from 1 MiB up to the first hole. */
void mb_meminfo(const struct runway_mmap_entry *e, size_t n,
		uint32_t *ret_lower, uint32_t *ret_upper);

/* The framebuffer's RGB fields: position and size of each mask. */
void mb_color_fields(const struct fb_mode *m, uint8_t out[6]);

/* Bytes of the ACPI RSDP at phys (20 for revision 0, else its Length,
 * kept within 36..1024). */
uint32_t mb_rsdp_size(const struct proto_run *run, uint64_t phys);

#endif
