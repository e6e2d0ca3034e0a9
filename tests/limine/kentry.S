/*
 * kentry.S - where the loader enters the full Limine test kernel.
 *
 * lim_entry is the address the kernel's Entry Point request names (so not
 * e_entry, which is tests/kernel/entry.S's _start: entering there is a
 * FAIL).  lim_ap_entry is what the kernel writes to each AP's
 * goto_address.  Both first push every general-purpose register and
 * RFLAGS, untouched, onto the stack they were given, so that C can check
 * the protocol's entry state (kernel.h, struct entry_frame):
 *     limine_main(const struct entry_frame *frame)
 *     ap_main(struct lp_smp_info *info, const struct entry_frame *frame)
 * The entry RSP is frame + 128; it still points at the return address
 * the loader pushed.  Neither function returns.
 */
	.macro SAVE_FRAME
	pushfq
	pushq   %rax
	pushq   %rbx
	pushq   %rcx
	pushq   %rdx
	pushq   %rsi
	pushq   %rdi
	pushq   %rbp
	pushq   %r8
	pushq   %r9
	pushq   %r10
	pushq   %r11
	pushq   %r12
	pushq   %r13
	pushq   %r14
	pushq   %r15
	.endm

	.text
	.globl lim_entry
	.type lim_entry, @function
lim_entry:
	SAVE_FRAME
	movq    %rsp, %rdi      /* the frame */
	cld                     /* DF was recorded in the frame */
	andq    $-16, %rsp      /* the ABI's alignment even if RSP was wrong */
	call    limine_main
1:	cli
	hlt
	jmp     1b
	.size lim_entry, . - lim_entry

	.globl lim_ap_entry
	.type lim_ap_entry, @function
lim_ap_entry:
	SAVE_FRAME
	movq    %rsp, %rsi      /* the frame; RDI is still the smp_info */
	cld
	andq    $-16, %rsp
	call    ap_main
2:	cli
	hlt
	jmp     2b
	.size lim_ap_entry, . - lim_ap_entry

	.section .note.GNU-stack, "", @progbits
