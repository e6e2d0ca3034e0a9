/*
 * kernel.ld.S - linker script for Runway's test kernels, run through the C
 * preprocessor (kernel.mk) once per variant.
 *
 * Without KERNEL_PIE: linked at 0xffffffff80000000 (the top 2 GiB, for
 * -mcmodel=kernel) as a static ET_EXEC.  With KERNEL_PIE=1: linked at 0 as
 * a position-independent ET_DYN (ld.lld -pie), which Runway relocates
 * (R_X86_64_RELATIVE, or DT_RELR with --pack-dyn-relocs=relr) to the base
 * it picks.  Either way, exactly three page-aligned PT_LOAD segments:
 *     text    R+X   .text
 *     rodata  R     .rodata, .data.rel.ro (pointers the loader relocates
 *                   before the page is mapped read-only), and for PIE the
 *                   dynamic symbol and relocation tables
 *     data    RW    .data (the data pattern blob first), for PIE .got and
 *                   .dynamic (also PT_DYNAMIC), then .bss
 * The ELF and program headers are not loaded.  No PT_INTERP, no
 * PT_GNU_STACK: PHDRS makes only the headers listed here.
 * Link with ld.lld -z max-page-size=4096 --orphan-handling=error, so that a
 * section this script does not place is an error rather than a surprise.
 *
 * The symbols marking each section's start and end let the kernel find
 * its own pages to check where Runway put them.
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
	.data : {
		__data_start = .;
		*(.data.big)            /* the pattern blob, at the segment start */
		*(.data .data.*)
		*(.got .got.plt)
		__data_end = .;
	} :data
#if KERNEL_PIE
	.dynamic : { *(.dynamic) } :data :dynamic
#endif

	/* Straight after .data, not page-aligned: the last file page of the
	 * data segment is partly .bss, which the loader must zero. */
	.bss (NOLOAD) : {
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
