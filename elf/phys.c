/*
 * phys.c - ELF32 and ELF64 files as fixed images: each PT_LOAD segment
 * at its physical address (p_paddr), the way Multiboot loads a kernel.
 *
 * Like validate.c this is where untrusted bytes enter: every field used
 * later is checked here, with each rejection naming the file, the field,
 * its value and the limit it broke.  A copying loader needs less than a
 * mapping one: offsets need not agree with addresses modulo the page
 * size, and one segment may be writable and executable.
 */
#include "elf64.h"
#include "format.h"

#include <string.h>

#define PAGE UINT64_C(4096)
/* Physical addresses Runway claims stay below 2^52 (x86-64's limit). */
#define PHYS_LIMIT (UINT64_C(1) << 52)

/* A program header of either class. */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* The fields of either class's ELF header used here. */
struct ehdr {
	unsigned cls;
	uint16_t type, machine, phentsize, phnum;
	uint64_t entry, phoff;
};


/* Either class's ELF header: the fields used here and their checks.  The
 * two classes differ in sizes and the machine expected, not in what is
 * checked, so one path checks both (its messages name the class). */
static int read_ehdr(const struct elf_file *f, struct ehdr *eh,
		     struct rw_err *err)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	union {
		uint8_t ident[EI_NIDENT];
		struct elf32_ehdr e32;
		struct elf64_ehdr e64;
	} u = { 0 };

	if (elf_read_at(f, 0, u.ident, sizeof u.ident, "ELF identification", err))
		return -1;
	if (memcmp(u.ident, magic, 4))
		return rw_fail(err, "%s: e_ident magic is %02x %02x %02x %02x, expected 7f 45 4c 46 (not an ELF file; a Multiboot kernel that is not ELF needs an address tag)",
			       f->path, u.ident[0], u.ident[1], u.ident[2], u.ident[3]);
	if (u.ident[EI_DATA] != ELFDATA2LSB)
		return rw_fail(err, "%s: e_ident[EI_DATA] is %u, expected %u (little-endian)",
			       f->path, u.ident[EI_DATA], ELFDATA2LSB);
	eh->cls = u.ident[EI_CLASS];
	if (eh->cls != ELFCLASS32 && eh->cls != ELFCLASS64)
		return rw_fail(err, "%s: e_ident[EI_CLASS] is %u, expected %u (ELFCLASS32) or %u (ELFCLASS64)",
			       f->path, eh->cls, ELFCLASS32, ELFCLASS64);
	bool is32 = eh->cls == ELFCLASS32;
	if (elf_read_at(f, 0, &u, is32 ? sizeof u.e32 : sizeof u.e64, "ELF header", err))
		return -1;
	if (is32)
		*eh = (struct ehdr){ ELFCLASS32, u.e32.e_type, u.e32.e_machine,
				     u.e32.e_phentsize, u.e32.e_phnum, u.e32.e_entry,
				     u.e32.e_phoff };
	else
		*eh = (struct ehdr){ ELFCLASS64, u.e64.e_type, u.e64.e_machine,
				     u.e64.e_phentsize, u.e64.e_phnum, u.e64.e_entry,
				     u.e64.e_phoff };
	unsigned machine = is32 ? EM_386 : EM_X86_64;
	size_t phentsize = is32 ? sizeof(struct elf32_phdr) : sizeof(struct elf64_phdr);
	if (eh->machine != machine)
		return rw_fail(err, "%s: e_machine is %u, expected %u (%s) for ELFCLASS%u",
			       f->path, eh->machine, machine,
			       is32 ? "EM_386" : "EM_X86_64", is32 ? 32 : 64);
	if (eh->phentsize < phentsize)
		return rw_fail(err, "%s: e_phentsize is %u, below %zu",
			       f->path, eh->phentsize, phentsize);
	if (eh->type != ELF_ET_EXEC && eh->type != ELF_ET_DYN)
		return rw_fail(err, "%s: e_type is %u, expected %u (ET_EXEC) or %u (ET_DYN)",
			       f->path, eh->type, ELF_ET_EXEC, ELF_ET_DYN);
	if (eh->phnum == 0 || eh->phnum == PN_XNUM)
		return rw_fail(err, "%s: e_phnum is %u: no program headers Runway reads",
			       f->path, eh->phnum);
	return 0;
}

static int read_phdr(const struct elf_file *f, const struct ehdr *eh,
		     uint64_t i, struct phdr *ph, struct rw_err *err)
{
	bool is32 = eh->cls == ELFCLASS32;
	union {
		struct elf32_phdr p32;
		struct elf64_phdr p64;
	} u = { 0 };

	if (elf_read_at(f, eh->phoff + i * eh->phentsize, &u,
			is32 ? sizeof u.p32 : sizeof u.p64, "program header", err))
		return -1;
	if (is32)
		*ph = (struct phdr){ u.p32.p_type, u.p32.p_flags, u.p32.p_offset,
				     u.p32.p_vaddr, u.p32.p_paddr, u.p32.p_filesz,
				     u.p32.p_memsz, u.p32.p_align };
	else
		*ph = (struct phdr){ u.p64.p_type, u.p64.p_flags, u.p64.p_offset,
				     u.p64.p_vaddr, u.p64.p_paddr, u.p64.p_filesz,
				     u.p64.p_memsz, u.p64.p_align };
	return 0;
}

static int check_load(const struct elf_file *f, uint64_t i,
		      const struct phdr *ph, struct rw_err *err)
{
	if (ph->filesz > ph->memsz)
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_filesz %" PRIu64 " exceeds p_memsz %" PRIu64,
			       f->path, i, ph->filesz, ph->memsz);
	if (ph->offset > f->size || ph->filesz > f->size - ph->offset)
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_offset %" PRIu64 " + p_filesz %" PRIu64 " exceeds the file size %" PRIu64,
			       f->path, i, ph->offset, ph->filesz, f->size);
	if (ph->paddr >= PHYS_LIMIT || ph->memsz > PHYS_LIMIT - ph->paddr)
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_paddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64 " is past the 52-bit physical address space",
			       f->path, i, ph->paddr, ph->memsz);
	if (ph->vaddr + ph->memsz < ph->vaddr)
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_vaddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64 " overflows",
			       f->path, i, ph->vaddr, ph->memsz);
	return 0;
}

/* Segment i joins img, sorted by physical address; its virtual address
 * is kept in virt[] (same order) to translate the entry point. */
static int add_segment(const struct elf_file *f, uint64_t i,
		       const struct phdr *ph, struct elf_image *img,
		       uint64_t *virt, struct rw_err *err)
{
	if (img->nseg == ELF_MAX_SEGMENTS)
		return rw_fail(err, "%s: more than %d PT_LOAD segments",
			       f->path, ELF_MAX_SEGMENTS);
	size_t k = img->nseg++;
	while (k > 0 && img->seg[k - 1].vaddr > ph->paddr) {
		img->seg[k] = img->seg[k - 1];
		virt[k] = virt[k - 1];
		k--;
	}
	img->seg[k] = (struct elf_segment){
		.vaddr = ph->paddr,
		.memsz = ph->memsz,
		.offset = ph->offset,
		.filesz = ph->filesz,
		.align = ph->align,
		.flags = ((ph->flags & PF_W) ? MM_MAP_WRITE : 0) |
			 ((ph->flags & PF_X) ? MM_MAP_EXEC : 0),
		.phdr_index = (uint32_t)i,
	};
	virt[k] = ph->vaddr;
	return 0;
}

/* No two segments overlap; the entry point lies in one (by its virtual
 * address, else by its physical one): *entry becomes physical. */
static int check_layout(const struct elf_file *f, struct elf_image *img,
			const uint64_t *virt, uint64_t entry, struct rw_err *err)
{
	bool found = false;

	for (size_t i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		const struct elf_segment *p = i > 0 ? &img->seg[i - 1] : NULL;
		if (p && p->vaddr + p->memsz > s->vaddr)
			return rw_fail(err, "%s: phdr %u (physical 0x%" PRIx64 "..0x%" PRIx64 ") overlaps phdr %u (0x%" PRIx64 "..0x%" PRIx64 ")",
				       f->path, s->phdr_index, s->vaddr,
				       s->vaddr + s->memsz, p->phdr_index,
				       p->vaddr, p->vaddr + p->memsz);
		if (!found && entry >= virt[i] && entry - virt[i] < s->memsz) {
			img->entry = entry - virt[i] + s->vaddr;
			found = true;
		}
	}
	for (size_t i = 0; i < img->nseg && !found; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (entry >= s->vaddr && entry - s->vaddr < s->memsz) {
			img->entry = entry;
			found = true;
		}
	}
	if (!found)
		return rw_fail(err, "%s: e_entry 0x%" PRIx64 " is inside no PT_LOAD segment (by virtual or physical address)",
			       f->path, entry);
	return 0;
}

int elf_parse_phys(const struct elf_file *f, struct elf_image *ret_img,
		   unsigned *ret_class, struct rw_err *err)
{
	struct ehdr eh = { 0 };
	struct elf_image img = { 0 };
	uint64_t virt[ELF_MAX_SEGMENTS];

	if (read_ehdr(f, &eh, err))
		return -1;
	if (eh.phoff > f->size ||
	    (uint64_t)eh.phnum * eh.phentsize > f->size - eh.phoff)
		return rw_fail(err, "%s: e_phoff %" PRIu64 " + %" PRIu64 " program headers of %u bytes exceeds the file size %" PRIu64,
			       f->path, eh.phoff, (uint64_t)eh.phnum, eh.phentsize, f->size);
	for (uint64_t i = 0; i < eh.phnum; i++) {
		struct phdr ph = { 0 };
		if (read_phdr(f, &eh, i, &ph, err))
			return -1;
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (check_load(f, i, &ph, err) ||
		    add_segment(f, i, &ph, &img, virt, err))
			return -1;
	}
	if (img.nseg == 0)
		return rw_fail(err, "%s: no PT_LOAD segment with p_memsz > 0 among %" PRIu64 " program headers",
			       f->path, (uint64_t)eh.phnum);
	if (check_layout(f, &img, virt, eh.entry, err))
		return -1;
	const struct elf_segment *last = &img.seg[img.nseg - 1];
	img.type = ELF_ET_EXEC;
	img.fixed = true;
	img.vlow = img.seg[0].vaddr & ~(PAGE - 1);
	img.vhigh = (last->vaddr + last->memsz + PAGE - 1) & ~(PAGE - 1);
	*ret_img = img;
	*ret_class = eh.cls == ELFCLASS32 ? 32 : 64;
	return 0;
}
