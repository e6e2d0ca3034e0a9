/*
 * limine.ld.S - linker script for the Limine test kernels, run through
 * the C preprocessor (limine.mk) once per variant.
 *
 * Without KERNEL_PIE: a static ET_EXEC linked at 0xffffffff80000000.
 * With KERNEL_PIE=1: an ET_DYN linked at 0, which the loader slides to at
 * least 0xffffffff80000000 (PROTOCOL.md "Entry memory layout") and
 * relocates.  Three page-aligned PT_LOAD segments:
 *     text    R+X   .text (tests/kernel/entry.S's _start first)
 *     rodata  R     .rodata, .data.rel.ro, for PIE the dynamic tables
 *     data    RW    .limine_requests, .data, for PIE .got and .dynamic,
 *                   then .bss
 * .limine_requests is the dedicated section for the requests: the start
 * marker, the base revision tag and the requests, the end marker, in that
 * order.  The outside-markers test kernel also puts requests just before
 * the start marker and just after the end marker (.limine_requests_before
 * and _after), where a loader honouring the markers must not look.
 *
 * Symbols mark each part so that the kernel can find its own pages.
 * Link with ld.lld -z max-page-size=4096 --orphan-handling=error.
 */
ENTRY(_start)

PHDRS
{
	text   PT_LOAD FLAGS(5); /* PF_R | PF_X */
	rodata PT_LOAD FLAGS(4); /* PF_R        */
	data   PT_LOAD FLAGS(6); /* PF_R | PF_W */
#if KERNEL_PIE
	dynamic PT_DYNAMIC FLAGS(6);
#endif
}

SECTIONS
{
#if KERNEL_PIE
	. = 0;
#else
	. = 0xffffffff80000000;
#endif
	__kernel_start = .;

	.text : ALIGN(4096) {
		__text_start = .;
		*(.text.entry)
		*(.text .text.*)
		__text_end = .;
	} :text

	. = ALIGN(4096);
	.rodata : {
		__rodata_start = .;
		*(.rodata .rodata.*)
		*(.data.rel.ro .data.rel.ro.*)
		__rodata_end = .;
	} :rodata
#if KERNEL_PIE
	.dynsym   : { *(.dynsym) } :rodata
	.dynstr   : { *(.dynstr) } :rodata
	.hash     : { *(.hash) } :rodata
	.gnu.hash : { *(.gnu.hash) } :rodata
	.rela.dyn : { *(.rela.dyn) } :rodata
	.relr.dyn : { *(.relr.dyn) } :rodata
#endif

	. = ALIGN(4096);
	.limine_requests : {
		__data_start = .;
		KEEP(*(.limine_requests_before))
		__requests_start = .;
		KEEP(*(.limine_requests_start))
		KEEP(*(.limine_requests))
		KEEP(*(.limine_requests_end))
		__requests_end = .;
		KEEP(*(.limine_requests_after))
	} :data

	.data : {
		*(.data .data.*)
		*(.got .got.plt)
		__data_end = .;
	} :data
#if KERNEL_PIE
	.dynamic : { *(.dynamic) } :data :dynamic
#endif

	.bss (NOLOAD) : ALIGN(16) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		__bss_end = .;
	} :data

	__kernel_end = .;

	/* Not loaded; named so that --orphan-handling=error accepts them. */
	.symtab   0 : { *(.symtab) }
	.strtab   0 : { *(.strtab) }
	.shstrtab 0 : { *(.shstrtab) }

	/DISCARD/ : {
		*(.comment)
		*(.note .note.*)
		*(.eh_frame .eh_frame_hdr)
#if !KERNEL_PIE
		*(.interp .dynamic .dynsym .dynstr .hash .gnu.hash)
#endif
	}
}
