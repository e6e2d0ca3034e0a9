/*
 * entry32.S - the entry point of the 32-bit Multiboot test kernels (the
 * Multiboot2 i386 entry and the Multiboot (1) entry), and their CPU
 * exception stubs.
 *
 * The loader jumps to _start in 32-bit protected mode with paging off,
 * EAX = the magic value and EBX = the information structure's physical
 * address; ESP and every other register are undefined (Multiboot2 3.3,
 * Multiboot 3.2).  _start records EAX, EBX, ESP and EFLAGS as they came,
 * takes its own stack (in .data: .bss must still read as zero when the C
 * code checks it) and calls
 *     void mb32_main(const struct mb32_entry *e);   (mb32.h)
 * which never returns.
 *
 * MB_PIE=1 (the relocatable kernel): the code does not know where it is
 * and has no stack.  It borrows the information structure's `reserved`
 * word (offset 4, which the kernel must ignore) as a one-word stack for
 * PUSHF and for CALL/POP, which give EFLAGS and the address it runs at,
 * and puts the word back.  Then it takes its stack relative to that
 * address and applies its own R_386_RELATIVE relocations (the delta being
 * where it runs minus MB_LINK, the link address); any other relocation
 * type exits QEMU with the failure code at once.
 */
#include "mbspec.h"

#ifndef MB_PIE
#define MB_PIE 0
#endif

	.code32
	.section .text.entry, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
#if MB_PIE
	movl    %eax, %edi              /* magic                            */
	movl    %esp, %ebp              /* ESP as the loader left it        */
	movl    4(%ebx), %ecx           /* the reserved word, to put back   */
	leal    8(%ebx), %esp           /* a one-word stack at EBX + 4      */
	pushfl
	popl    %edx                    /* EFLAGS as the loader left them   */
	call    1f
1:	popl    %esi                    /* where label 1 runs               */
	movl    %ecx, 4(%ebx)
	leal    (mb_stack_top - 1b)(%esi), %esp
	leal    (__image_start - 1b)(%esi), %eax
	pushl   %eax                    /* e->image_start                   */
	pushl   %ebp                    /* e->esp                           */
	pushl   %edx                    /* e->eflags                        */
	pushl   %ebx                    /* e->ebx                           */
	pushl   %edi                    /* e->eax                           */
	subl    $MB_LINK, %eax          /* relocation delta                 */
	leal    (__rel_start - 1b)(%esi), %ecx
	leal    (__rel_end - 1b)(%esi), %edx
2:	cmpl    %edx, %ecx
	jae     3f
	cmpb    $8, 4(%ecx)             /* r_info's type: R_386_RELATIVE    */
	jne     bad_reloc
	movl    (%ecx), %edi            /* r_offset, a link address         */
	addl    %eax, %edi
	addl    %eax, (%edi)
	addl    $8, %ecx
	jmp     2b
3:
#else
	movl    %esp, %ebp
	movl    $mb_stack_top, %esp
	pushfl
	popl    %edx
	pushl   $__image_start          /* e->image_start (the link address) */
	pushl   %ebp
	pushl   %edx
	pushl   %ebx
	pushl   %eax
#endif
	movl    %esp, %eax
	cld                             /* C needs DF clear (recorded above)  */
	pushl   %eax                    /* const struct mb32_entry *          */
	call    mb32_main
4:	cli
	hlt
	jmp     4b
#if MB_PIE
bad_reloc:
	movb    $0x11, %al
	outb    %al, $0xf4
	jmp     4b
#endif
	.size _start, . - _start

/* Vectors for which the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30. */
	.text
	.macro STUB n
	.balign 8
exception_stub_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushl   $0
	.endif
	pushl   $\n
	jmp     exception_common
	.endm

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \n
	.endr

exception_common:
	movl    %esp, %eax
	cld
	pushl   %eax                    /* struct mb32_frame * */
	call    mb32_exception
5:	cli
	hlt
	jmp     5b

/* mb32_exception_stubs[n]: the stub for vector n (R_386_32 in the static
 * kernels; R_386_RELATIVE, applied above, in the relocatable one). */
	.section .data.stubs, "aw", @progbits
	.balign 4
	.globl mb32_exception_stubs
mb32_exception_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long exception_stub_\n
	.endr

/* The stack, in .data so that .bss is untouched until it is checked. */
	.section .data.stack, "aw", @progbits
	.balign 16
mb_stack:
	.fill 16384, 1, 0
mb_stack_top:

	.section .note.GNU-stack, "", @progbits
