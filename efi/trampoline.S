/*
 * trampoline.S - the last instructions Runway runs (DESIGN.md step 11).
 *
 * This code is copied to the start of a page that is identity-mapped in
 * both the firmware's tables and Runway's, so execution survives the CR3
 * switch.  It is position-independent and reads nothing but its parameter
 * block, which lies in the same page (struct handoff_params in
 * efi/handoff.c; offsets below).
 *
 *   void handoff(const struct handoff_params *p)   rdi (identity address)
 */
#define P_ARG       0
#define P_ENTRY     8
#define P_CR3       16
#define P_STACK     24
#define P_GDTR      32
#define P_NXE       40
#define P_CODE_SEL  48
#define P_DATA_SEL  50

	.text
	.globl handoff_start, handoff_end
	.balign 16
handoff_start:
	cli
	mov	%rdi, %rsi
	/* EFER.NXE before the switch: Runway's tables use the NX bit. */
	cmpq	$0, P_NXE(%rsi)
	je	1f
	mov	$0xc0000080, %ecx
	rdmsr
	or	$0x800, %eax
	wrmsr
1:	mov	P_CR3(%rsi), %rax
	mov	%rax, %cr3
	/* The firmware's stack is not mapped any more: take the kernel's. */
	mov	P_STACK(%rsi), %rsp
	/* CR0.WP: read-only pages are read-only for the kernel too. */
	mov	%cr0, %rax
	or	$0x10000, %rax
	mov	%rax, %cr0
	mov	P_GDTR(%rsi), %rax
	lgdt	(%rax)
	movzwq	P_CODE_SEL(%rsi), %rax
	pushq	%rax
	lea	2f(%rip), %rax
	pushq	%rax
	lretq
2:	movzwl	P_DATA_SEL(%rsi), %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	P_STACK(%rsi), %rsp
	mov	P_ARG(%rsi), %rdi
	mov	P_ENTRY(%rsi), %r11
	xor	%ebp, %ebp
	pushq	$0		/* a null return address, as after a call */
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	jmp	*%r11
handoff_end:
	.section .note.GNU-stack,"",@progbits
