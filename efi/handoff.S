/*
 * handoff.S - the last instructions Runway runs (DESIGN.md step 10).
 *
 * This code is copied to a page that is identity-mapped in both the
 * firmware's tables and Runway's, so execution survives the CR3 switch.
 * It is position-independent and touches no memory but its arguments.
 *
 *   void handoff(uint64_t boot_info,   rdi  (direct-map address)
 *                uint64_t entry,       rsi
 *                uint64_t cr3,         rdx
 *                uint64_t stack_top,   rcx  (16-byte aligned)
 *                uint64_t gdtr,        r8   (direct-map address)
 *                uint64_t set_nxe)     r9
 */
	.text
	.globl handoff_start, handoff_end
	.balign 16
handoff_start:
	cli
	mov	%rdx, %r10
	mov	%rcx, %r11
	/* EFER.NXE before the switch: Runway's tables use the NX bit. */
	test	%r9, %r9
	jz	1f
	mov	$0xc0000080, %ecx
	rdmsr
	or	$0x800, %eax
	wrmsr
1:	mov	%r10, %cr3
	/* The firmware's stack is not mapped any more: take the kernel's. */
	mov	%r11, %rsp
	/* CR0.WP: read-only pages are read-only for the kernel too. */
	mov	%cr0, %rax
	or	$0x10000, %rax
	mov	%rax, %cr0
	lgdt	(%r8)
	pushq	$0x08
	lea	2f(%rip), %rax
	pushq	%rax
	lretq
2:	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%r11, %rsp
	xor	%ebp, %ebp
	pushq	$0		/* a null return address, as after a call */
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	jmp	*%rsi
handoff_end:
	.section .note.GNU-stack,"",@progbits
