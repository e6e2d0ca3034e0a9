/*
 * mb2_i386.c - the Multiboot2 test kernels entered at the i386 entry
 * (Multiboot2 3.3): mb2-i386.elf, mb2-reloc.elf, mb2-aout.bin, and the
 * malformed kernels built from them.
 *
 * On entry (entry32.S recorded the registers): EAX = 0x36d76289; EBX
 * non-zero and 8-byte aligned; the machine state of mb32_check_machine
 * (paging off, protected mode, interrupts off, no VM86, long mode off,
 * flat segments, A20 on, .bss zero); then the information structure
 * (mbkern.c) with, required: cmdline = MB_TEST_CMDLINE, a boot loader
 * name starting "Runway", basic meminfo, memory map, framebuffer
 * 800x600x32, EFI 64-bit system table, ACPI new RSDP, EFI memory map; not
 * there: "EFI boot services not terminated" (18: the i386 entry comes
 * after ExitBootServices) and network (16, which Runway does not give and
 * the kernel asked for as optional).  The kernel image itself, the
 * structure and the modules must be type-1 memory.
 *
 * MB_RELOC: the image load base tag (21) must be there and equal where
 * the code runs (entry32.S found it), 2 MiB-aligned, within the
 * relocatable tag's [16 MiB, 1 GiB).  Without it tag 21 must not be there.
 *
 * MB_MUST_REFUSE (the malformed kernels): the loader must not have booted
 * this kernel at all; FAIL at once, naming what is broken.
 *
 * PASS line: variant=... tags=1,2,... modules=N fb=WxH mmap_entries=N
 * efi_descs=N gdt=lsl|unreadable base=0x... (where the image runs).
 */
#include <stdint.h>

#include "mbkern.h"
#include "mb32.h"
#include "report.h"

#ifndef MB_RELOC
#define MB_RELOC 0
#endif

#define BIT(n) (1ull << (n))

#define RELOC_MIN   0x1000000u
#define RELOC_MAX   0x40000000u
#define RELOC_ALIGN 0x200000u

static void check_reloc(const struct mb32_entry *e, const struct mb_result *r)
{
	uint64_t end = e->image_start + mb32_image_size();

	if (!(r->tags & BIT(MB2_TAG_LOAD_BASE)))
		return; /* reported as a missing required tag */
	if (r->load_base != e->image_start)
		mb_fail("image load base tag says %#x, the code runs with its first byte at %#x",
		        r->load_base, e->image_start);
	if (e->image_start % RELOC_ALIGN)
		mb_fail("relocated to %#x, not aligned to 2 MiB as the relocatable tag asks",
		        e->image_start);
	if (e->image_start < RELOC_MIN || end > RELOC_MAX)
		mb_fail("relocated to [%#x, %#llx), outside [%#x, %#x) of the relocatable tag",
		        e->image_start, (unsigned long long)end, RELOC_MIN, RELOC_MAX);
}

__attribute__((noreturn)) void mb32_main(const struct mb32_entry *e)
{
	struct mb_expect x = { 0 };
	struct mb_result r;
	const char *gdt;
	char tags[200];

	mb_report_init();
#ifdef MB_MUST_REFUSE
	mb_fatal("booted, but the loader must refuse this kernel: %s", MB_MUST_REFUSE);
#endif
	mb32_check_machine(e, &gdt);
	if (e->eax != MB2_BOOT_MAGIC)
		mb_fatal("EAX=%#x on entry, expected 0x36d76289", e->eax);
	if (e->ebx == 0 || e->ebx % 8)
		mb_fatal("EBX=%#x on entry, expected the 8-byte aligned information address", e->ebx);
	x.kernel_base = mb32_image_base(e);
	x.kernel_size = mb32_image_size();
	x.required = BIT(MB2_TAG_CMDLINE) | BIT(MB2_TAG_LOADER_NAME) | BIT(MB2_TAG_BASIC_MEMINFO) |
	             BIT(MB2_TAG_MMAP) | BIT(MB2_TAG_FRAMEBUFFER) | BIT(MB2_TAG_EFI64_ST) |
	             BIT(MB2_TAG_ACPI_NEW) | BIT(MB2_TAG_EFI_MMAP);
	x.forbidden = BIT(MB2_TAG_EFI_BS_NOT_TERM) | BIT(MB2_TAG_NETWORK);
	if (MB_RELOC)
		x.required |= BIT(MB2_TAG_LOAD_BASE);
	else
		x.forbidden |= BIT(MB2_TAG_LOAD_BASE);
	x.fb_w = 800;
	x.fb_h = 600;
	x.fb_bpp = 32;
	mb2_check_info(e->ebx, &x, &r);
	if (MB_RELOC)
		check_reloc(e, &r);
	mb_finish("tags=%s modules=%u fb=%ux%u mmap_entries=%u efi_descs=%u gdt=%s base=%#x",
	          mb_tags_text(tags, sizeof tags, r.tags), r.modules, r.fb_w, r.fb_h,
	          r.mmap_entries, r.efi_descs, gdt, e->image_start);
}
