/*
 * format.h - the ELF64 on-disk structures and constants Runway reads
 * (System V ABI, gABI 4.1 and the x86-64 psABI).  Private to elf/.
 */
#ifndef RUNWAY_ELF_FORMAT_H
#define RUNWAY_ELF_FORMAT_H

#include <stdint.h>

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
/* e_type values: ELF_ET_EXEC and ELF_ET_DYN in include/elf64.h. */
#define EM_386 3
#define EM_X86_64 62
#define PN_XNUM 0xffff

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3

/* Dynamic section tags and x86-64 relocation types the loader reads. */
#define DT_NULL 0
#define DT_PLTRELSZ 2
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_REL 17
#define DT_RELSZ 18
#define DT_TEXTREL 22
#define DT_JMPREL 23
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37

#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8

struct elf64_dyn {
	int64_t d_tag;
	uint64_t d_val;
};
_Static_assert(sizeof(struct elf64_dyn) == 16, "Elf64_Dyn");

struct elf64_rela {
	uint64_t r_offset;
	uint64_t r_info;
	int64_t r_addend;
};
_Static_assert(sizeof(struct elf64_rela) == 24, "Elf64_Rela");

#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");

struct elf64_shdr {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
};
_Static_assert(sizeof(struct elf64_shdr) == 64, "Elf64_Shdr");

/* ELF32, for Multiboot kernels (elf/phys.c). */
struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf32_ehdr) == 52, "Elf32_Ehdr");

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};
_Static_assert(sizeof(struct elf32_phdr) == 32, "Elf32_Phdr");

/* Read exactly len bytes at off through f (elf/read.c); err names the
 * file, what was read, the offset and why (past the end, or the read's
 * status). */
struct elf_file;
struct rw_err;
int elf_read_at(const struct elf_file *f, uint64_t off, void *buf,
		uint64_t len, const char *what, struct rw_err *err);

#endif
