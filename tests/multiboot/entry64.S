/*
 * entry64.S - the entry points of the EFI amd64 Multiboot2 test kernel
 * (mb2-efi64.elf).
 *
 * mb64_efi_entry is the EFI amd64 entry address tag's address (Multiboot2
 * 3.1.11, machine state 3.5): 64-bit mode, boot services running, the
 * firmware's identity-mapped paging, EAX = 0x36d76289, RBX = the
 * information structure's physical address.  It records RAX, RBX, RSP
 * and RFLAGS as they came, takes its own 128 KiB stack (UEFI 2.3.4 asks
 * for that much before calling boot services; in .kstack, outside the
 * checked .bss) and calls
 *     void mb64_main(uint64_t rax, uint64_t rbx, uint64_t rflags, uint64_t rsp);
 * which never returns.
 *
 * _start is the ELF e_entry, which a loader must ignore when the header
 * has the EFI boot services tag and the EFI amd64 entry tag.  If it is
 * used anyway, it prints a FAIL line and exits QEMU with the failure
 * code, in 32-bit or 64-bit mode alike: it is written with instructions
 * that encode and behave the same in both (no REX prefixes; MOV to ESI
 * zero-extends into RSI; LODSB uses ESI or RSI).
 */
	.section .text.entry, "ax", @progbits
	.code32
	.globl _start
	.type _start, @function
_start:
	cld
	movl    $wrong_entry_line, %esi
	movw    $0x3f8, %dx
1:	lodsb
	testb   %al, %al
	jz      2f
	outb    %al, %dx
	jmp     1b
2:	movb    $0x11, %al
	outb    %al, $0xf4
3:	hlt
	jmp     3b
	.size _start, . - _start

	.code64
	.globl mb64_efi_entry
	.type mb64_efi_entry, @function
mb64_efi_entry:
	movq    %rsp, %rcx              /* 4th argument: RSP as it came     */
	leaq    mb64_stack_top(%rip), %rsp
	pushfq
	popq    %rdx                    /* 3rd: RFLAGS as they came         */
	movq    %rax, %rdi              /* 1st: RAX                         */
	movq    %rbx, %rsi              /* 2nd: RBX                         */
	cld
	call    mb64_main
4:	cli
	hlt
	jmp     4b
	.size mb64_efi_entry, . - mb64_efi_entry

	.section .rodata.wrong_entry, "a", @progbits
wrong_entry_line:
	.ascii  "mb-kernel: FAIL variant=", MB_VARIANT
	.asciz  " entered at the ELF e_entry, not at the EFI amd64 entry address tag's mb64_efi_entry\n"

	.section .kstack, "aw", @nobits
	.balign 16
	.space  128 * 1024
mb64_stack_top:

	.section .note.GNU-stack, "", @progbits
