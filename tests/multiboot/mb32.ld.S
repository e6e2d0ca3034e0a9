/*
 * mb32.ld.S - linker script of the 32-bit Multiboot test kernels, run
 * through the C preprocessor (multiboot.mk) once per variant with
 * MB_LINK (the link address, also the physical one) and MB_PIE.
 *
 * Two PT_LOAD segments, p_paddr = p_vaddr:
 *     text  R+X  [.mbpad] .mbheader (the Multiboot header first, so that
 *                it lies at the start of the file's first page), the
 *                entry, code, rodata; for MB_PIE the dynamic tables and
 *                .rel.dyn (which entry32.S applies itself)
 *     data  RW   .data (the stack, the IDT), .got, for MB_PIE .dynamic;
 *                then .bss (64 KiB probe included)
 * __image_start .. __load_end is what a flat binary (objcopy -O binary)
 * holds; __image_end is the end of .bss, page-aligned.
 * Link with ld.lld -m elf_i386 -z max-page-size=4096 --orphan-handling=error.
 */
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
#if MB_PIE
	dynamic PT_DYNAMIC FLAGS(6);
#endif
}

SECTIONS
{
	. = MB_LINK;
	__image_start = .;

	.text : {
		KEEP(*(.mbpad))
		KEEP(*(.mbheader))
		*(.text.entry)
		*(.text .text.*)
	} :text

	.rodata : {
		*(.rodata .rodata.*)
	} :text
#if MB_PIE
	.dynsym   : { *(.dynsym) } :text
	.dynstr   : { *(.dynstr) } :text
	.hash     : { *(.hash) } :text
	.gnu.hash : { *(.gnu.hash) } :text
	.rel.dyn  : {
		__rel_start = .;
		*(.rel.dyn)
		__rel_end = .;
	} :text
#endif

	. = ALIGN(4096);
	.data : {
		*(.data .data.*)
		*(.got .got.plt)
	} :data
#if MB_PIE
	.dynamic : { *(.dynamic) } :data :dynamic
#endif
	__load_end = .;

	.bss (NOLOAD) : ALIGN(16) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		__bss_end = .;
	} :data

	. = ALIGN(4096);
	__image_end = .;

	/* Not loaded; named so that --orphan-handling=error accepts them. */
	.symtab   0 : { *(.symtab) }
	.strtab   0 : { *(.strtab) }
	.shstrtab 0 : { *(.shstrtab) }

	/DISCARD/ : {
		*(.comment)
		*(.note .note.*)
		*(.eh_frame .eh_frame_hdr)
#if !MB_PIE
		*(.interp .dynamic .dynsym .dynstr .hash .gnu.hash)
#endif
	}
}
