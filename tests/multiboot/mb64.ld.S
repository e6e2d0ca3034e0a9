/*
 * mb64.ld.S - linker script of the EFI amd64 Multiboot2 test kernel
 * (mb2-efi64.elf), run through the C preprocessor with MB_LINK: a static
 * ELF64 at MB_LINK, physical address = virtual address (Multiboot2 loads
 * segments at their physical addresses; under the firmware's identity
 * map the two agree).  The same layout as mb32.ld.S: text R+X with the
 * Multiboot2 header first, data RW, then .bss and the stack (.kstack).
 * Link with ld.lld -z max-page-size=4096 --orphan-handling=error.
 */
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
}

SECTIONS
{
	. = MB_LINK;
	__image_start = .;

	.text : {
		KEEP(*(.mbheader))
		*(.text.entry)
		*(.text .text.*)
	} :text

	.rodata : {
		*(.rodata .rodata.*)
	} :text

	. = ALIGN(4096);
	.data : {
		*(.data .data.*)
		*(.got .got.plt)
	} :data
	__load_end = .;

	.bss (NOLOAD) : ALIGN(16) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		__bss_end = .;
	} :data

	/* The stack: zeroed by the loader like .bss, not checked with it. */
	.kstack (NOLOAD) : ALIGN(16) {
		*(.kstack)
	} :data

	. = ALIGN(4096);
	__image_end = .;

	.symtab   0 : { *(.symtab) }
	.strtab   0 : { *(.strtab) }
	.shstrtab 0 : { *(.shstrtab) }

	/DISCARD/ : {
		*(.comment)
		*(.note .note.*)
		*(.eh_frame .eh_frame_hdr)
		*(.interp .dynamic .dynsym .dynstr .hash .gnu.hash)
	}
}
