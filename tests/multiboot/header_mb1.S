/*
 * header_mb1.S - the Multiboot (1) header of the Multiboot test kernels
 * (Multiboot Specification 0.6.96, 3.1): magic, flags, checksum, the
 * address fields and the graphics fields, 4-byte aligned within the first
 * 8 KiB of the file (it is the first thing in .text).
 *
 * Flags: bit 0 (modules page-aligned), bit 1 (memory information), bit 2
 * (video mode: linear graphics, 1024x768x32), and with MB_HDR_AOUT bit 16:
 * the address fields are valid (header_addr, load_addr, load_end_addr =
 * end of the file's bytes, bss_end_addr, entry_addr = _start).  Without
 * it the fields are there (the graphics fields follow them) but zero.
 * MB_BAD_CHECKSUM: the checksum off by one.
 */
#include "mbspec.h"

#ifdef MB_HDR_AOUT
#define MB1_FLAGS (MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | MB1_HF_VIDEO | MB1_HF_ADDRESS)
#else
#define MB1_FLAGS (MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | MB1_HF_VIDEO)
#endif

	.section .mbheader, "a", @progbits
	.balign 4
	.globl mb_header
mb_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
#ifdef MB_BAD_CHECKSUM
	.long 0x100000000 - (MB1_HEADER_MAGIC + MB1_FLAGS) + 1
#else
	.long 0x100000000 - (MB1_HEADER_MAGIC + MB1_FLAGS)
#endif
#ifdef MB_HDR_AOUT
	.long mb_header         /* header_addr   */
	.long __image_start     /* load_addr     */
	.long __load_end        /* load_end_addr */
	.long __bss_end         /* bss_end_addr  */
	.long _start            /* entry_addr    */
#else
	.long 0, 0, 0, 0, 0
#endif
	.long 0                 /* mode_type: linear graphics */
	.long 1024, 768, 32     /* width, height, depth       */

	.section .note.GNU-stack, "", @progbits
