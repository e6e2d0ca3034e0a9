/*
 * header_mb2.S - the Multiboot2 header of the Multiboot2 test kernels
 * (Multiboot2 Specification 3.1), one per variant through -D switches:
 *
 *   (default)        the i386 ELF kernel: an information request that
 *                    requires cmdline (1), boot loader name (2), modules
 *                    (3), basic meminfo (4), memory map (6), framebuffer
 *                    (8), EFI 64-bit system table (12), ACPI new RSDP
 *                    (15) and EFI memory map (17); a second, optional one
 *                    for SMBIOS (13) and network (16); a framebuffer tag
 *                    (800x600x32); module alignment.  No entry address
 *                    tag: e_entry is the entry.
 *   MB_HDR_RELOC     the same plus a relocatable tag: min 16 MiB, max
 *                    1 GiB, align 2 MiB, preference 1 (lowest).
 *   MB_HDR_AOUT      the same plus an address tag (the image from
 *                    __image_start to __load_end in the file, .bss to
 *                    __bss_end) and an entry address tag (_start).
 *   MB_HDR_EFI64     the EFI amd64 kernel: an information request that
 *                    requires cmdline, name, modules, EFI 64-bit system
 *                    table (12) and image handle (20), an optional one for
 *                    basic meminfo and memory map, EFI boot services (7),
 *                    EFI amd64 entry address (9, mb64_efi_entry), module
 *                    alignment.
 * and the malformed ones (each one thing broken):
 *   MB_BAD_CHECKSUM    checksum off by one
 *   MB_BAD_REQUIRED    a required information request for tag type 99
 *   MB_BAD_UNKNOWN_TAG a header tag of type 99 without the optional flag
 *   MB_BAD_ENTRY       (with MB_HDR_AOUT) entry_addr 1 MiB past the image
 *   MB_BAD_WINDOW      40 KiB of padding before the header (.mbpad), so
 *                      that it starts beyond the first 32 KiB of the file
 */
#include "mbspec.h"

	.macro TAG type, flags, name
	.balign 8
\name:
	.short \type, \flags
	.long \name\()_end - \name
	.endm

#ifdef MB_BAD_WINDOW
	.section .mbpad, "a", @progbits
	.fill 40960, 1, 0
#endif

	.section .mbheader, "a", @progbits
	.balign 8
	.globl mb_header
mb_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb_header_end - mb_header
#ifdef MB_BAD_CHECKSUM
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb_header_end - mb_header)) + 1
#else
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb_header_end - mb_header))
#endif

#ifdef MB_HDR_EFI64
	TAG MB2_HTAG_INFO_REQ, 0, tag_req
	.long MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME, MB2_TAG_MODULE
	.long MB2_TAG_EFI64_ST, MB2_TAG_EFI64_IH
tag_req_end:
	TAG MB2_HTAG_INFO_REQ, MB2_HTAG_OPTIONAL, tag_opt
	.long MB2_TAG_BASIC_MEMINFO, MB2_TAG_MMAP
tag_opt_end:
	TAG MB2_HTAG_EFI_BS, 0, tag_bs
tag_bs_end:
	TAG MB2_HTAG_ENTRY_EFI64, 0, tag_efi64
	.long mb64_efi_entry
tag_efi64_end:
#else
	TAG MB2_HTAG_INFO_REQ, 0, tag_req
	.long MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME, MB2_TAG_MODULE
	.long MB2_TAG_BASIC_MEMINFO, MB2_TAG_MMAP, MB2_TAG_FRAMEBUFFER
	.long MB2_TAG_EFI64_ST, MB2_TAG_ACPI_NEW, MB2_TAG_EFI_MMAP
tag_req_end:
	TAG MB2_HTAG_INFO_REQ, MB2_HTAG_OPTIONAL, tag_opt
	.long MB2_TAG_SMBIOS, MB2_TAG_NETWORK
tag_opt_end:
	TAG MB2_HTAG_FRAMEBUFFER, 0, tag_fb
	.long 800, 600, 32
tag_fb_end:
#endif
	TAG MB2_HTAG_MODULE_ALIGN, 0, tag_modalign
tag_modalign_end:

#ifdef MB_HDR_RELOC
	TAG MB2_HTAG_RELOCATABLE, 0, tag_reloc
	.long 0x1000000         /* min_addr: 16 MiB    */
	.long 0x40000000        /* max_addr: 1 GiB     */
	.long 0x200000          /* align: 2 MiB        */
	.long 1                 /* preference: lowest  */
tag_reloc_end:
#endif

#ifdef MB_HDR_AOUT
	TAG MB2_HTAG_ADDRESS, 0, tag_addr
	.long mb_header         /* header_addr   */
	.long __image_start     /* load_addr     */
	.long __load_end        /* load_end_addr */
	.long __bss_end         /* bss_end_addr  */
tag_addr_end:
	TAG MB2_HTAG_ENTRY, 0, tag_entry
#ifdef MB_BAD_ENTRY
	.long __image_end + 0x100000
#else
	.long _start
#endif
tag_entry_end:
#endif

#ifdef MB_BAD_REQUIRED
	TAG MB2_HTAG_INFO_REQ, 0, tag_req99
	.long 99
tag_req99_end:
#endif

#ifdef MB_BAD_UNKNOWN_TAG
	TAG 99, 0, tag_99
tag_99_end:
#endif

	TAG MB2_HTAG_END, 0, tag_end
tag_end_end:
mb_header_end:

	.section .note.GNU-stack, "", @progbits
