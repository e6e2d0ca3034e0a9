/*
 * validate.c - read and check an ELF64 kernel's headers (DESIGN.md step 1).
 *
 * This is where untrusted bytes enter.  Every field used later is checked
 * here, in 64-bit arithmetic with explicit overflow tests, before a single
 * page is claimed.  Each rejection names the file, the field, its value and
 * the limit it broke.
 *
 * elf_parse (at the bottom) runs four stages: the ELF header, the program
 * headers one by one, the segments as a whole, and an ET_DYN image's
 * dynamic section.
 */
#include "elf64.h"
#include "format.h"

#include <string.h>

#define PAGE UINT64_C(4096)

/* Does [off, off + len) lie inside a file of `size` bytes? */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Is v a canonical 48-bit virtual address? */
static bool canonical(uint64_t v)
{
	uint64_t top = v >> 47;
	return top == 0 || top == 0x1ffff;
}


static int check_ehdr(const struct elf_file *f, const struct elf64_ehdr *eh,
		      struct rw_err *err)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, 4))
		return rw_fail(err, "%s: e_ident magic is %02x %02x %02x %02x, expected 7f 45 4c 46 (not an ELF file)",
			       f->path, eh->e_ident[0], eh->e_ident[1],
			       eh->e_ident[2], eh->e_ident[3]);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return rw_fail(err, "%s: e_ident[EI_CLASS] is %u, expected %u (ELFCLASS64)",
			       f->path, eh->e_ident[EI_CLASS], ELFCLASS64);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return rw_fail(err, "%s: e_ident[EI_DATA] is %u, expected %u (little-endian)",
			       f->path, eh->e_ident[EI_DATA], ELFDATA2LSB);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		return rw_fail(err, "%s: e_ident[EI_VERSION] is %u, expected %u",
			       f->path, eh->e_ident[EI_VERSION], EV_CURRENT);
	if (eh->e_type != ELF_ET_EXEC && eh->e_type != ELF_ET_DYN)
		return rw_fail(err, "%s: e_type is %u, expected %u (ET_EXEC) or %u (ET_DYN)",
			       f->path, eh->e_type, ELF_ET_EXEC, ELF_ET_DYN);
	if (eh->e_machine != EM_X86_64)
		return rw_fail(err, "%s: e_machine is %u, expected %u (EM_X86_64)",
			       f->path, eh->e_machine, EM_X86_64);
	if (eh->e_version != EV_CURRENT)
		return rw_fail(err, "%s: e_version is %u, expected %u",
			       f->path, eh->e_version, EV_CURRENT);
	if (eh->e_ehsize < sizeof *eh)
		return rw_fail(err, "%s: e_ehsize is %u, below %zu",
			       f->path, eh->e_ehsize, sizeof *eh);
	if (eh->e_phentsize < sizeof(struct elf64_phdr))
		return rw_fail(err, "%s: e_phentsize is %u, below %zu",
			       f->path, eh->e_phentsize, sizeof(struct elf64_phdr));
	return 0;
}

/* The program header count, following the PN_XNUM extension. */
static int phdr_count(const struct elf_file *f, const struct elf64_ehdr *eh,
		      uint64_t *ret_n, struct rw_err *err)
{
	if (eh->e_phnum != PN_XNUM) {
		*ret_n = eh->e_phnum;
	} else {
		struct elf64_shdr sh = { 0 };
		if (eh->e_shoff == 0 || eh->e_shentsize < sizeof sh)
			return rw_fail(err, "%s: e_phnum is PN_XNUM but there is no section header 0 (e_shoff %" PRIu64 ", e_shentsize %u)",
				       f->path, eh->e_shoff, eh->e_shentsize);
		if (elf_read_at(f, eh->e_shoff, &sh, sizeof sh, "section header 0", err))
			return -1;
		*ret_n = sh.sh_info;
	}
	if (*ret_n == 0)
		return rw_fail(err, "%s: e_phnum is 0: no program headers", f->path);
	uint64_t bytes = *ret_n * eh->e_phentsize;
	if (!in_file(eh->e_phoff, bytes, f->size))
		return rw_fail(err, "%s: e_phoff %" PRIu64 " + %" PRIu64 " program headers of %u bytes exceeds the file size %" PRIu64,
			       f->path, eh->e_phoff, *ret_n,
			       eh->e_phentsize, f->size);
	return 0;
}

static int check_load(const struct elf_file *f, uint64_t i,
		      const struct elf64_phdr *ph, struct rw_err *err)
{
	if (ph->p_filesz > ph->p_memsz)
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_filesz %" PRIu64 " exceeds p_memsz %" PRIu64,
			       f->path, i, ph->p_filesz, ph->p_memsz);
	if (!in_file(ph->p_offset, ph->p_filesz, f->size))
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_offset %" PRIu64 " + p_filesz %" PRIu64 " exceeds the file size %" PRIu64,
			       f->path, i, ph->p_offset, ph->p_filesz, f->size);
	if (ph->p_align & (ph->p_align - 1))
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_align 0x%" PRIx64 " is not a power of two",
			       f->path, i, ph->p_align);
	if ((ph->p_offset ^ ph->p_vaddr) & (PAGE - 1))
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_offset 0x%" PRIx64 " and p_vaddr 0x%" PRIx64 " differ modulo the page size 0x%" PRIx64,
			       f->path, i, ph->p_offset, ph->p_vaddr, PAGE);
	uint64_t last = ph->p_vaddr + ph->p_memsz - 1;
	if (last < ph->p_vaddr || last > UINT64_MAX - PAGE)
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_vaddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64 " overflows",
			       f->path, i, ph->p_vaddr, ph->p_memsz);
	if (!canonical(ph->p_vaddr) || !canonical(last) ||
	    (ph->p_vaddr >> 47) != (last >> 47))
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_vaddr 0x%" PRIx64 "..0x%" PRIx64 " is not canonical",
			       f->path, i, ph->p_vaddr, last);
	return 0;
}

/* Read an ET_DYN image's dynamic section: where its relocations are. */
static int read_dynamic(const struct elf_file *f, const struct elf64_phdr *ph,
			struct elf_dynamic *dyn, struct rw_err *err)
{
	uint64_t n = ph->p_filesz / sizeof(struct elf64_dyn);
	uint64_t relaent = sizeof(struct elf64_rela), relrent = 8, pltrelsz = 0;

	if (!in_file(ph->p_offset, ph->p_filesz, f->size))
		return rw_fail(err, "%s: PT_DYNAMIC p_offset %" PRIu64 " + p_filesz %" PRIu64 " exceeds the file size %" PRIu64,
			       f->path, ph->p_offset, ph->p_filesz, f->size);
	dyn->present = true;
	for (uint64_t i = 0; i < n; i++) {
		struct elf64_dyn d = { 0 };
		if (elf_read_at(f, ph->p_offset + i * sizeof d, &d, sizeof d,
			    "dynamic entry", err))
			return -1;
		switch (d.d_tag) {
		case DT_NULL:
			i = n;
			break;
		case DT_RELA: dyn->rela = d.d_val; break;
		case DT_RELASZ: dyn->relasz = d.d_val; break;
		case DT_RELAENT: relaent = d.d_val; break;
		case DT_RELR: dyn->relr = d.d_val; break;
		case DT_RELRSZ: dyn->relrsz = d.d_val; break;
		case DT_RELRENT: relrent = d.d_val; break;
		case DT_PLTRELSZ: pltrelsz = d.d_val; break;
		case DT_REL:
		case DT_RELSZ:
			if (d.d_val && !f->verify_only)
				return rw_fail(err, "%s: dynamic tag DT_REL%s: REL-format relocations are not supported (use RELA)",
					       f->path, d.d_tag == DT_RELSZ ? "SZ" : "");
			break;
		default:
			break;
		}
	}
	if (relaent != sizeof(struct elf64_rela))
		return rw_fail(err, "%s: DT_RELAENT is %" PRIu64 ", expected %zu",
			       f->path, relaent, sizeof(struct elf64_rela));
	if (relrent != 8)
		return rw_fail(err, "%s: DT_RELRENT is %" PRIu64 ", expected 8",
			       f->path, relrent);
	if (pltrelsz && !f->verify_only)
		return rw_fail(err, "%s: DT_PLTRELSZ is %" PRIu64 ": PLT relocations need symbol lookup, which a kernel cannot ask of its loader",
			       f->path, pltrelsz);
	if (dyn->relasz % sizeof(struct elf64_rela) || dyn->relrsz % 8)
		return rw_fail(err, "%s: DT_RELASZ %" PRIu64 " / DT_RELRSZ %" PRIu64 " are not multiples of the entry size",
			       f->path, dyn->relasz, dyn->relrsz);
	return 0;
}

/* Stage 1: the ELF header, checked, and the program header count. */
static int read_header(const struct elf_file *f, struct elf64_ehdr *ret_eh,
		       uint64_t *ret_nph, struct rw_err *err)
{
	if (f->size < sizeof *ret_eh)
		return rw_fail(err, "%s: file is %" PRIu64 " bytes, too small for an ELF header (%zu)",
			       f->path, f->size, sizeof *ret_eh);
	if (elf_read_at(f, 0, ret_eh, sizeof *ret_eh, "ELF header", err) ||
	    check_ehdr(f, ret_eh, err))
		return -1;
	return phdr_count(f, ret_eh, ret_nph, err);
}

/* A checked PT_LOAD header i joins img's segments, kept sorted by vaddr. */
static int add_segment(const struct elf_file *f, uint64_t i,
		       const struct elf64_phdr *ph, struct elf_image *img,
		       struct rw_err *err)
{
	if (ph->p_align > img->dyn.align)
		img->dyn.align = ph->p_align;
	if (check_load(f, i, ph, err))
		return -1;
	if (!f->verify_only && (ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return rw_fail(err, "%s: phdr %" PRIu64 ": p_flags 0x%x asks for writable and executable memory, which Runway never maps (give code and data separate segments)",
			       f->path, i, ph->p_flags);
	if (img->nseg == ELF_MAX_SEGMENTS)
		return rw_fail(err, "%s: more than %d PT_LOAD segments",
			       f->path, ELF_MAX_SEGMENTS);
	size_t k = img->nseg++;
	while (k > 0 && img->seg[k - 1].vaddr > ph->p_vaddr) {
		img->seg[k] = img->seg[k - 1];
		k--;
	}
	img->seg[k] = (struct elf_segment){
		.vaddr = ph->p_vaddr,
		.memsz = ph->p_memsz,
		.offset = ph->p_offset,
		.filesz = ph->p_filesz,
		.align = ph->p_align,
		.flags = ((ph->p_flags & PF_W) ? MM_MAP_WRITE : 0) |
			 ((ph->p_flags & PF_X) ? MM_MAP_EXEC : 0),
		.phdr_index = (uint32_t)i,
	};
	return 0;
}

/*
 * Stage 2: the program headers, in file order.  PT_LOAD segments with
 * memory go into img (their largest p_align into img->dyn.align); the
 * last PT_DYNAMIC header is copied to *ret_dynph (p_type stays 0 when
 * there is none).
 */
static int walk_phdrs(const struct elf_file *f, const struct elf64_ehdr *eh,
		      uint64_t nph, struct elf_image *img,
		      struct elf64_phdr *ret_dynph, struct rw_err *err)
{
	for (uint64_t i = 0; i < nph; i++) {
		struct elf64_phdr ph = { 0 };
		if (elf_read_at(f, eh->e_phoff + i * eh->e_phentsize, &ph, sizeof ph,
			    "program header", err))
			return -1;
		if (ph.p_type == PT_INTERP && !f->verify_only)
			return rw_fail(err, "%s: phdr %" PRIu64 ": PT_INTERP: a kernel cannot ask for a dynamic linker",
				       f->path, i);
		if (ph.p_type == PT_DYNAMIC)
			*ret_dynph = ph;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (add_segment(f, i, &ph, img, err))
			return -1;
	}
	if (img->nseg == 0)
		return rw_fail(err, "%s: no PT_LOAD segment with p_memsz > 0 among %" PRIu64 " program headers",
			       f->path, nph);
	return 0;
}

/*
 * Would the page holding the start of segment i be writable and
 * executable?  It gets the union of the permissions of every segment on
 * it: segment i and the earlier ones that reach into it, however many.
 * When so, *ret_first is the lowest of them.
 */
static bool start_page_wx(const struct elf_image *img, size_t i,
			  size_t *ret_first)
{
	uint64_t page = img->seg[i].vaddr & ~(PAGE - 1);
	uint32_t all = img->seg[i].flags;
	size_t j = i;

	while (j > 0) {
		const struct elf_segment *p = &img->seg[j - 1];
		if (((p->vaddr + p->memsz + PAGE - 1) & ~(PAGE - 1)) <= page)
			break;
		all |= p->flags;
		j--;
	}
	*ret_first = j;
	return (all & MM_MAP_WRITE) && (all & MM_MAP_EXEC);
}

/*
 * Stage 3: the segments as a whole (sorted by vaddr): no two overlap, no
 * shared page needs write and execute, and the entry point lies in an
 * executable one.  Verify mode checks overlaps only.
 */
static int check_layout(const struct elf_file *f, const struct elf_image *img,
			struct rw_err *err)
{
	bool entry_ok = false;

	for (size_t i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		const struct elf_segment *p = i > 0 ? &img->seg[i - 1] : NULL;
		size_t first;
		if (p && p->vaddr + p->memsz > s->vaddr)
			return rw_fail(err, "%s: phdr %u (0x%" PRIx64 "..0x%" PRIx64 ") overlaps phdr %u (0x%" PRIx64 "..0x%" PRIx64 ") in memory",
				       f->path, s->phdr_index, s->vaddr,
				       s->vaddr + s->memsz, p->phdr_index,
				       p->vaddr, p->vaddr + p->memsz);
		if (p && !f->verify_only && start_page_wx(img, i, &first))
			return rw_fail(err, "%s: phdr %u and phdr %u share the page at 0x%" PRIx64 ", which would have to be writable and executable; start the writable segment on its own page (ld -z separate-code)",
				       f->path, img->seg[first].phdr_index,
				       s->phdr_index, s->vaddr & ~(PAGE - 1));
		if ((s->flags & MM_MAP_EXEC) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	if (!entry_ok && !f->verify_only)
		return rw_fail(err, "%s: e_entry 0x%" PRIx64 " is not inside an executable PT_LOAD segment",
			       f->path, img->entry);
	return 0;
}

int elf_parse(const struct elf_file *f, struct elf_image *ret_img,
	      struct rw_err *err)
{
	struct elf64_ehdr eh = { 0 };
	struct elf64_phdr dynph = { 0 };
	struct elf_image img = { 0 };
	uint64_t nph = 0;

	if (read_header(f, &eh, &nph, err))
		return -1;
	img.type = eh.e_type;
	img.entry = eh.e_entry;
	if (walk_phdrs(f, &eh, nph, &img, &dynph, err) ||
	    check_layout(f, &img, err))
		return -1;
	/* Stage 4: where an ET_DYN image's relocations are. */
	if (img.type == ELF_ET_DYN && dynph.p_type == PT_DYNAMIC &&
	    read_dynamic(f, &dynph, &img.dyn, err))
		return -1;
	img.vlow = img.seg[0].vaddr & ~(PAGE - 1);
	const struct elf_segment *last = &img.seg[img.nseg - 1];
	img.vhigh = (last->vaddr + last->memsz + PAGE - 1) & ~(PAGE - 1);
	*ret_img = img;
	return 0;
}
