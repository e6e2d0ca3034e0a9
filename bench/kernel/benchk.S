/*
 * benchk.S - the bench kernel of make bench-peers: a Multiboot2 header,
 * two entries that check the payload, and the way out.
 *
 *   entry32  the Multiboot2 i386 entry (GRUB's multiboot2 command, Runway's
 *            protocol = multiboot2): 32-bit protected mode, paging off,
 *            segments at their physical addresses (p_paddr).  The header's
 *            entry address tag names it.
 *   entry64  e_entry, the Runway protocol entry: long mode on Runway's page
 *            tables, segments at their virtual addresses (p_vaddr).
 *
 * Both check one 32-bit word of every 4 KiB page of the blob and its last
 * word against pattern.h, write one line on COM1
 *     bench-kernel: pass entry=i386|runway
 * (or "bench-kernel: FAIL ...") and leave QEMU through isa-debug-exit
 * (port 0xf4): 0x10 when every word was right, 0x11 otherwise.  No stack,
 * no calls: the code is position-independent and runs wherever the loader
 * put it.
 */
#include "pattern.h"

#define MB2_MAGIC     0xe85250d6
#define MB2_TAG_END   0
#define MB2_TAG_ENTRY 3
#define COM1          0x3f8
#define EXIT_PORT     0xf4
#define EXIT_PASS     0x10
#define EXIT_FAIL     0x11

/* Multiboot2 Specification 3.1: magic, architecture 0 (i386), length,
 * checksum; an entry address tag; the end tag.  In the first 32 KiB. */
	.section .mbheader, "a", @progbits
	.balign 8
mb_header:
	.long MB2_MAGIC, 0, mb_header_end - mb_header
	.long 0x100000000 - (MB2_MAGIC + (mb_header_end - mb_header))
	.balign 8
	.short MB2_TAG_ENTRY, 0
	.long 12
	.long entry32_phys
	.balign 8
	.short MB2_TAG_END, 0
	.long 8
mb_header_end:

/* PUTS: write the NUL-terminated string at SI on COM1 (polls THRE).
 * Clobbers AL, DX, SI. */
	.macro PUTS
77:	lodsb
	testb   %al, %al
	jz      79f
	movb    %al, %ah
	movw    $(COM1 + 5), %dx
78:	inb     %dx, %al
	testb   $0x20, %al
	jz      78b
	movb    %ah, %al
	movw    $COM1, %dx
	outb    %al, %dx
	jmp     77b
79:
	.endm

/* WORD_AT_EBX: EAX = the pattern word for byte offset EBX. */
	.macro WORD_AT_EBX
	movl    %ebx, %eax
	imull   $BENCH_MUL, %eax, %eax
	xorl    $BENCH_XOR, %eax
	.endm

	.text
	.code32
	.globl entry32
entry32:
	cld
	call    1f
1:	popl    %ebp                    /* where label 1 runs                */
	movl    $blob_phys, %edi
	movl    $blob_size, %ecx
	xorl    %ebx, %ebx
2:	WORD_AT_EBX
	cmpl    %eax, (%edi,%ebx)
	jne     4f
	addl    $4096, %ebx
	cmpl    %ecx, %ebx
	jb      2b
	leal    -4(%ecx), %ebx
	WORD_AT_EBX
	cmpl    %eax, (%edi,%ebx)
	jne     4f
	leal    (msg_pass32 - 1b)(%ebp), %esi
	movb    $EXIT_PASS, %cl
	jmp     5f
4:	leal    (msg_fail32 - 1b)(%ebp), %esi
	movb    $EXIT_FAIL, %cl
5:	PUTS
	movb    %cl, %al
	outb    %al, $EXIT_PORT
6:	cli
	hlt
	jmp     6b

	.code64
	.globl entry64
entry64:
	cld
	leaq    blob_start(%rip), %rdi
	movl    $blob_size, %ecx
	xorl    %ebx, %ebx              /* zero-extends: RBX = offset        */
2:	WORD_AT_EBX
	cmpl    %eax, (%rdi,%rbx)
	jne     4f
	addl    $4096, %ebx
	cmpl    %ecx, %ebx
	jb      2b
	leal    -4(%rcx), %ebx
	WORD_AT_EBX
	cmpl    %eax, (%rdi,%rbx)
	jne     4f
	leaq    msg_pass64(%rip), %rsi
	movb    $EXIT_PASS, %cl
	jmp     5f
4:	leaq    msg_fail64(%rip), %rsi
	movb    $EXIT_FAIL, %cl
5:	PUTS
	movb    %cl, %al
	outb    %al, $EXIT_PORT
6:	cli
	hlt
	jmp     6b

msg_pass32: .asciz "bench-kernel: pass entry=i386\r\n"
msg_fail32: .asciz "bench-kernel: FAIL entry=i386: a payload word is wrong\r\n"
msg_pass64: .asciz "bench-kernel: pass entry=runway\r\n"
msg_fail64: .asciz "bench-kernel: FAIL entry=runway: a payload word is wrong\r\n"

	.section .note.GNU-stack, "", @progbits
