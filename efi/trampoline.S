/*
 * trampoline.S - the last instructions Runway runs (DESIGN.md step 11),
 * and the first ones of the application processors a protocol wants
 * started.
 *
 * Both are copied into the hand-off page, which lies below 1 MiB when the
 * firmware has a free page there (a SIPI can only start a processor at
 * such an address) and is mapped at its physical address in both the
 * firmware's tables and Runway's, so execution survives the CR3 switch.
 * The code is copied as one piece to the start of the page (a SIPI
 * starts an AP at a page boundary: ap_start comes first).  Layout of the
 * page (efi/handoff.c has the same numbers):
 *   0x000  ap_start: 16-bit, then 32-bit, then 64-bit code for the APs;
 *          handoff_start: the BSP's jump to the kernel; zero_regs;
 *          handoff_i386: the BSP's jump to a 32-bit entry
 *   0xd00  struct ap_boot: what the APs read
 *   0xf00  struct handoff_params: what the BSP reads
 */
#define P_ARG       0
#define P_ENTRY     8
#define P_CR3       16
#define P_STACK     24
#define P_GDTR      32
#define P_NXE       40
#define P_CODE_SEL  48
#define P_DATA_SEL  50
#define P_LA57      52
#define P_EAX       56

#define AP_DATA     0xd00
#define MOVES       0xdc0   /* struct handoff_moves: count, pad, {to, from, bytes}[] */
#define D_GDTR32    0x20
#define D_FAR32     0x28
#define D_FAR64     0x30
#define D_CR3       0x38
#define D_EFER      0x40
#define D_KGDTR     0x48
#define D_CODE_SEL  0x50
#define D_DATA_SEL  0x52
#define D_TABLE     0x58
#define D_COUNT     0x60
#define D_GOTO      0x68
#define D_X2APIC    0x70
#define D_CR4       0x78
#define D_GDTR64    0x80
#define D_FAR_LA57  0x90

	.text
	.globl trampoline_start, trampoline_end, handoff_start, handoff_i386
	.globl efi64_enter
	.globl ap_start, ap_pm32, ap_lm64, la57_back


/*
 * An AP after INIT-SIPI-SIPI: real mode, CS = page >> 4, IP = 0.  It
 * enters protected mode with the page's own GDT, turns on PAE, loads
 * Runway's tables (below 4 GiB), sets EFER.LME (and NXE), turns on paging,
 * enters 64-bit mode, loads the kernel's GDT and selectors, finds its
 * entry in the table by its APIC ID, takes its stack, says it started,
 * and waits for a jump address in its info structure.
 */
	.balign 16
	.code16
trampoline_start:		/* == ap_start: the page's first byte */
ap_start:
	cli
	cld
	xor	%ebx, %ebx
	mov	%cs, %bx
	shl	$4, %ebx		/* ebx = the page's physical address */
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	AP_DATA + D_GDTR32
	mov	%cr0, %eax
	and	$0x9fffffff, %eax	/* caches on: CD and NW off */
	or	$1, %eax		/* PE */
	mov	%eax, %cr0
	ljmpl	*AP_DATA + D_FAR32

	.code32
ap_pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	AP_DATA + D_CR4(%ebx), %eax	/* PAE, and LA57 for 5 levels */
	mov	%eax, %cr4
	mov	AP_DATA + D_CR3(%ebx), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx
	rdmsr
	or	AP_DATA + D_EFER(%ebx), %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80010000, %eax	/* PG, WP */
	mov	%eax, %cr0
	ljmpl	*AP_DATA + D_FAR64(%ebx)

	.code64
ap_lm64:
	movl	%ebx, %r12d		/* the page, zero-extended */
	mov	$0x277, %ecx		/* the PAT, as set_pat (no stack yet) */
	mov	$0x00070406, %eax
	mov	$0x00070105, %edx
	wrmsr
	/* Which AP is this?  Its entry gives the stack the far return
	 * below needs. */
	cmpq	$0, AP_DATA + D_X2APIC(%r12)
	je	7f
	mov	$0x1b, %ecx		/* IA32_APIC_BASE: EN and EXTD */
	rdmsr
	or	$0xc00, %eax
	wrmsr
	mov	$0xb, %eax
	xor	%ecx, %ecx
	cpuid
	mov	%edx, %ebx		/* x2APIC ID */
	jmp	8f
7:	mov	$1, %eax
	cpuid
	shr	$24, %ebx		/* initial APIC ID */
8:	mov	AP_DATA + D_TABLE(%r12), %rsi
	mov	AP_DATA + D_COUNT(%r12), %rcx
4:	test	%rcx, %rcx
	jz	ap_lost
	cmp	%ebx, (%rsi)
	je	5f
	add	$24, %rsi
	dec	%rcx
	jmp	4b
5:	mov	16(%rsi), %rsp
	mov	AP_DATA + D_KGDTR(%r12), %rax
	lgdt	(%rax)
	movzwq	AP_DATA + D_CODE_SEL(%r12), %rax
	pushq	%rax
	lea	3f(%rip), %rax
	pushq	%rax
	lretq
3:	movzwl	AP_DATA + D_DATA_SEL(%r12), %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	8(%rsi), %rdi
	mov	AP_DATA + D_GOTO(%r12), %r13
	/* Parked: say so in the table (the hand-off page itself is
	 * read-only now). */
	movl	$1, 4(%rsi)
6:	pause
	mov	(%rdi,%r13), %rax	/* goto_address: an atomic 8-byte load */
	test	%rax, %rax
	jz	6b
	pushq	$0
	pushq	%rax
	call	zero_regs
	ret
ap_lost:
	cli
	hlt
	jmp	ap_lost

/*
 *   void handoff(const struct handoff_params *p)   rdi (identity address)
 */
	.code64
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
1:	cmpw	$0, P_LA57(%rsi)
	jne	la57_switch
	mov	P_CR3(%rsi), %rax
	mov	%rax, %cr3
cr3_loaded:
	/* The firmware's stack is not mapped any more: take the kernel's. */
	mov	P_STACK(%rsi), %rsp
	/* CR0.WP: read-only pages are read-only for the kernel too. */
	mov	%cr0, %rax
	or	$0x10000, %rax
	mov	%rax, %cr0
	call	set_pat
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
	pushq	$0		/* a null return address, as after a call */
	pushq	P_ENTRY(%rsi)	/* popped by the ret below */
	call	zero_regs
	ret

/*
 * 5-level paging: CR4.LA57 changes only with paging off, so through
 * 32-bit compatibility mode (the page's own GDT), paging off, LA57 on,
 * Runway's PML5 in CR3, paging on, and back to 64-bit code.  The hand-off
 * page is identity-mapped in both tables; no stack is used once paging
 * is off.
 */
la57_switch:
	mov	%cr4, %rax
	and	$~0x20000, %rax			/* PCIDE must be off to turn paging off */
	mov	%rax, %cr4
	lea	ap_start(%rip), %rbx		/* the page, below 4 GiB */
	lgdt	AP_DATA + D_GDTR64(%rbx)
	pushq	$0x08
	lea	9f(%rip), %rax
	pushq	%rax
	lretq
	.code32
9:	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%cr0, %eax
	and	$0x7fffffff, %eax	/* paging off: long mode inactive */
	mov	%eax, %cr0
	mov	%cr4, %eax
	or	$0x1000, %eax		/* LA57 */
	mov	%eax, %cr4
	mov	P_CR3(%esi), %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$0x80000000, %eax	/* paging on: IA-32e with 5 levels */
	mov	%eax, %cr0
	ljmpl	*AP_DATA + D_FAR_LA57(%ebx)
	.code64
la57_back:
	mov	%esi, %esi		/* upper halves: undefined after 32-bit code */
	jmp	cr3_loaded

/*
 *   void handoff_i386(const struct handoff_params *p)   rdi (identity address)
 *
 * Multiboot's 32-bit entry (both specifications' i386 machine state):
 * through compatibility mode with the page's flat GDT (0x08 code, 0x10
 * data, base 0, limit 4 GiB), paging off (which ends long mode), EFER.LME
 * and NXE off, CR4.PAE, PGE, PCIDE and LA57 off so that the kernel starts
 * from plain protected mode; interrupts stay off.  EAX = P_EAX, EBX =
 * P_ARG, ESP just below the page's data (the code under it is done with),
 * the other registers 0, then a jump to P_ENTRY.  Runs on the firmware's
 * tables, which map the page at its address.
 */
	.code64
handoff_i386:
	cli
	cld
	mov	%rdi, %rsi
	mov	%cr4, %rax
	and	$~0x20000, %rax			/* PCIDE must be off to turn paging off */
	mov	%rax, %cr4
	lea	ap_start(%rip), %rbx		/* the page, below 4 GiB */
	lgdt	AP_DATA + D_GDTR64(%rbx)
	pushq	$0x08
	lea	7f(%rip), %rax
	pushq	%rax
	lretq
	.code32
7:	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	%cr0, %eax
	and	$0x7fffffff, %eax	/* paging off: long mode inactive */
	mov	%eax, %cr0
	mov	$0xc0000080, %ecx
	rdmsr
	and	$~0x900, %eax		/* EFER.LME and NXE */
	wrmsr
	mov	%cr4, %eax
	and	$~0x10a0, %eax		/* PAE, PGE, LA57 */
	mov	%eax, %cr4
	xor	%eax, %eax
	mov	%eax, %cr3
	lea	AP_DATA(%ebx), %esp
	/* A staged image's runs into their place (boot-services memory until
	 * ExitBootServices, possibly the firmware's stack and tables). */
	push	%esi
	mov	MOVES(%ebx), %ecx
	lea	MOVES + 8(%ebx), %edx
8:	test	%ecx, %ecx
	jz	6f
	push	%ecx
	mov	(%edx), %edi
	mov	4(%edx), %esi
	mov	8(%edx), %ecx
	rep movsb
	pop	%ecx
	add	$12, %edx
	dec	%ecx
	jmp	8b
6:	pop	%esi
	mov	P_ENTRY(%esi), %ecx
	push	%ecx
	mov	P_EAX(%esi), %eax
	mov	P_ARG(%esi), %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	ret
	.code64

/*
 * The PAT layout the Limine protocol specifies (and harmless for Runway's,
 * whose tables use entry 0 only): WB, WT, UC-, UC, WP, WC, then UC-, UC.
 * Needs a stack; clobbers eax, ecx, edx.
 */
set_pat:
	mov	$0x277, %ecx
	mov	$0x00070406, %eax
	mov	$0x00070105, %edx
	wrmsr
	ret

/* Every general-purpose register but RSP and RDI to 0, as both
 * protocols promise at entry. */
zero_regs:
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	ret
trampoline_end:

/*
 *   uint64_t efi64_enter(entry, rax, rbx, image, system_table)
 *                        rdi    rsi  rdx  rcx    r8
 *
 * Multiboot2's EFI amd64 entry, with boot services running: RAX = the
 * magic, RBX = the information's address, and (as for an EFI image's own
 * entry point) RCX = the image handle, RDX = the system table, with
 * 32 bytes of shadow space and a 16-byte aligned stack at the call.  Runs
 * from Runway's image, not the hand-off page; returns if the kernel does.
 */
efi64_enter:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	and	$-16, %rsp
	sub	$32, %rsp
	mov	%rdi, %r11
	mov	%rsi, %rax
	mov	%rdx, %rbx
	mov	%r8, %rdx
	call	*%r11
	lea	-40(%rbp), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.section .note.GNU-stack,"",@progbits
