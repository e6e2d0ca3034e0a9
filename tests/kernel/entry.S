/*
 * entry.S - the test kernel's entry point and CPU exception stubs.
 *
 * _start is what Runway jumps to, declared in C as
 *     void _start(struct runway_boot_info *bi);
 * It records the entry RSP and RFLAGS (so kernel_main can check the
 * protocol's promises about them) before anything changes them, then calls
 *     kernel_main(bi, entry_rsp, entry_rflags)
 * on a re-aligned stack.  kernel_main never returns.
 *
 * exception_stubs: a table of 32 stub addresses, one per CPU exception
 * vector, for the IDT.  Each stub pushes a dummy error code when the CPU
 * does not push one, then the vector number, and jumps to a common path
 * that calls
 *     exception_handler(struct exception_frame *)
 * which prints a FAIL line and exits.
 */
	.section .text.entry, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	pushfq                  /* RFLAGS as Runway left them */
	popq    %rdx            /* 3rd argument: entry RFLAGS */
	movq    %rsp, %rsi      /* 2nd argument: entry RSP (-> fake return address) */
	cld                     /* the C code needs DF clear; DF was recorded above */
	andq    $-16, %rsp      /* call with the ABI alignment even if RSP was wrong */
	call    kernel_main     /* 1st argument: RDI = boot info, untouched */
1:	cli
	hlt
	jmp     1b
	.size _start, . - _start

	.text
/* Vectors for which the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30. */
	.macro STUB n
	.balign 16
exception_stub_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq   $0
	.endif
	pushq   $\n
	jmp     exception_common
	.endm

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \n
	.endr

exception_common:
	movq    %rsp, %rdi      /* struct exception_frame * */
	cld
	andq    $-16, %rsp
	call    exception_handler
2:	cli
	hlt
	jmp     2b

/* exception_stubs[n]: the address of the stub for vector n (absolute
 * addresses: relocated by Runway in the PIE variants, hence .data.rel.ro). */
	.section .data.rel.ro.exception_stubs, "aw", @progbits
	.balign 8
	.globl exception_stubs
exception_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad   exception_stub_\n
	.endr

	.section .note.GNU-stack, "", @progbits
