/*
 * elf64.h - ELF64 x86-64 kernels: validation, planning and loading.
 *
 * Pure logic.  The file is read through struct elf_file's read-at-offset
 * callback, never loaded whole; pages come from the mm_alloc allocator.
 */
#ifndef RUNWAY_ELF64_H
#define RUNWAY_ELF64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"
#include "mm.h"

#define ELF_MAX_SEGMENTS 32

/* e_type values Runway loads (gABI 4.1, "ELF Header"). */
#define ELF_ET_EXEC 2 /* linked at fixed addresses */
#define ELF_ET_DYN  3 /* position-independent: placed by elf_place */

/*
 * Where relocatable kernels go: the top 2 GiB of the address space, as
 * -mcmodel=kernel expects, of which the first 1 GiB is the window.  Its
 * base is 2 GiB-aligned, so any slot in it keeps an alignment up to the
 * window's size.
 */
#define ELF_WINDOW_BASE UINT64_C(0xffffffff80000000)
#define ELF_WINDOW_SIZE (UINT64_C(1) << 30)

/* The bytes of a file, read on demand. */
struct elf_file {
	const char *path;
	uint64_t size;
	void *ctx;
	/* Read exactly len bytes at off into buf; 0 on success, else a
	 * nonzero status whose name status_name gives. */
	uint64_t (*read)(void *ctx, uint64_t off, void *buf, uint64_t len);
	const char *(*status_name)(uint64_t status);
	/* Verify mode: the file is loaded and hashed, never run, so a
	 * PT_INTERP header and any e_entry are accepted. */
	bool verify_only;
	/* Optional: a clock (any unit) for elf_load's phase times; NULL: the
	 * times stay 0. */
	uint64_t (*clock)(void);
};

/* A PT_LOAD segment, validated. */
struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
	uint64_t align;
	uint32_t flags; /* MM_MAP_WRITE | MM_MAP_EXEC */
	uint32_t phdr_index;
};

/* Dynamic relocation tables of an ET_DYN image (link-time addresses). */
struct elf_dynamic {
	bool present;
	uint64_t rela, relasz;  /* DT_RELA table, bytes */
	uint64_t relr, relrsz;  /* DT_RELR table, bytes */
	uint64_t align;         /* largest p_align of the PT_LOAD segments */
};

struct elf_image {
	uint16_t type;          /* ELF_ET_EXEC or ELF_ET_DYN */
	uint64_t entry;
	uint64_t vlow, vhigh;   /* page-aligned span of all segments */
	uint64_t slide;         /* added to every link address (ET_DYN) */
	struct elf_dynamic dyn;
	size_t nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS]; /* sorted by vaddr */
	/* Load policy, set by the caller before elf_load: the whole span in
	 * one physical run or nothing (the Limine protocol promises a
	 * physically contiguous image). */
	bool one_run;
	/* A fixed image (Multiboot): every vaddr above is the physical
	 * address the bytes go to, claimed exactly there (one claim per run
	 * of touching pages); the kernel runs without Runway's page tables
	 * (paging off, or on the firmware's identity map). */
	bool fixed;
	/* Claim the pages as loader memory (EfiLoaderCode), not as Runway's
	 * kernel type: for a kernel entered with boot services running, which
	 * reads the firmware's map itself and knows the EFI types only. */
	bool claim_as_loader;
	/* A fixed image entered after ExitBootServices (Multiboot's i386
	 * entry): a place the firmware's boot services still hold is
	 * acceptable; the bytes are staged in a run of their own and moved
	 * in after ExitBootServices (elf_load.stage). */
	bool may_stage;
	/* A fixed image that may move (Multiboot2's relocatable tag): the
	 * span [vlow, vhigh) goes to a multiple of align in [min, max),
	 * lowest first or highest first.  elf_slide moves it. */
	struct {
		bool on;
		bool highest;
		uint64_t min, max, align;
	} move;
};

/*
 * Read and validate the ELF header and program headers of f.  Checks every
 * field used later; nothing is claimed.  On error err names the file, the
 * field, its value and the limit it broke.
 */
int elf_parse(const struct elf_file *f, struct elf_image *ret_img,
	      struct rw_err *err);

/*
 * Read and validate the headers of an ELF32 (EM_386) or ELF64 (EM_X86_64)
 * file as a fixed image (Multiboot): each PT_LOAD segment at its p_paddr,
 * the entry translated from e_entry's virtual address to its physical one
 * when a segment's p_vaddr range holds it.  Checks what elf_parse checks
 * that a copying loader needs (sizes inside the file, no overlap, the
 * entry inside a segment); nothing is claimed.
 */
int elf_parse_phys(const struct elf_file *f, struct elf_image *ret_img,
		   unsigned *ret_class, struct rw_err *err);

/*
 * Move an ET_DYN image by `slide` bytes (a multiple of the page size):
 * segments, entry and span.  Call before elf_load, then elf_relocate.
 */
void elf_slide(struct elf_image *img, uint64_t slide);

/*
 * Choose the virtual base of an ELF_ET_DYN image and slide it there
 * (elf_slide), once, after elf_parse and before elf_load.  The base lies
 * in [ELF_WINDOW_BASE, + ELF_WINDOW_SIZE) and is a multiple of the largest
 * p_align (at least a page), so that every segment keeps its offset within
 * its alignment:
 *   kaslr: slot `random % slots` of the slots where the image fits (random
 *          is used only here; pass any value, e.g. 0, without kaslr);
 *   else:  the aligned link address when the image fits the window there,
 *          else the window's start.
 * Returns 0 and *ret_align (the alignment used), or -1 with err naming
 * path, the value and the limit: an image that is not ELF_ET_DYN, a
 * p_align above the window, or segments that do not fit it.  On failure
 * img and *ret_align are untouched.
 */
int elf_place(struct elf_image *img, const char *path, bool kaslr,
	      uint64_t random, uint64_t *ret_align, struct rw_err *err);

/* A group of segments sharing pages: one allocation unit. */
struct elf_group {
	uint64_t vbase;      /* page-aligned */
	uint64_t pages;
	size_t first_seg, nseg;
	size_t first_piece, npieces; /* into elf_load.pieces */
};

#define ELF_MAX_PIECES 256

/* What loading produced: where every page went. */
/* Bytes to move into place after ExitBootServices (a staged fixed image). */
struct elf_stage {
	uint64_t to, from, bytes;
};

struct elf_load {
	size_t ngroups;
	struct elf_group group[ELF_MAX_SEGMENTS];
	size_t npieces;
	struct mm_claim piece[ELF_MAX_PIECES]; /* physical pieces, in virtual order */
	size_t nruns;          /* physical runs claimed: 1 when the whole span
				* went into one run, else npieces */
	uint64_t bytes_read;
	uint64_t reads;
	uint64_t shared_pages; /* pages holding bytes of two segments */
	size_t nstages;        /* staged runs of a fixed image */
	struct elf_stage stage[ELF_MAX_SEGMENTS];
	/* Where the time went, in elf_file.clock's unit (0 without one):
	 * choosing and claiming memory (the allocator and its firmware
	 * calls), reading the file, zeroing. */
	uint64_t claim_time, read_time, zero_time;
};

/* Turns a physical address into a pointer the loader may write. */
typedef void *(*elf_phys_to_ptr)(void *ctx, uint64_t phys);

/*
 * Claim memory for every segment group of img (one run per group when
 * one fits, else pieces), read the file's bytes straight into it and zero
 * the rest.  On failure everything claimed here is released.
 */
int elf_load(const struct elf_file *f, const struct elf_image *img,
	     struct mm_alloc *a, elf_phys_to_ptr p2v, void *p2v_ctx,
	     struct elf_load *ret_load, struct rw_err *err);

/*
 * Apply an ET_DYN image's R_X86_64_RELATIVE (DT_RELA) and DT_RELR
 * relocations for img->slide, in the loaded pages.  Any other relocation
 * type is refused, naming it.  Returns the number applied in *ret_n.
 */
int elf_relocate(const struct elf_file *f, const struct elf_image *img,
		 const struct elf_load *ld, elf_phys_to_ptr p2v, void *p2v_ctx,
		 uint64_t *ret_n, struct rw_err *err);

/*
 * The mappings for a loaded image: one per piece and permission change,
 * sorted by virtual address.  Returns the count, or 0 if cap is too small.
 */
size_t elf_mappings(const struct elf_image *img, const struct elf_load *ld,
		    struct mm_mapping *out, size_t cap);

/*
 * Verify mode's digest: the SHA-256 of every PT_LOAD segment's p_memsz
 * bytes, in program-header order, read back through the page tables pt
 * (mm_pt_walk, then pt->phys_to_ptr, one 4 KiB page at a time: it must
 * give a pointer to the bytes from a physical address to the end of its
 * page).  For an image loaded but not relocated this equals what
 * tools/elfhash prints for the file.  Returns 0 and ret_digest, or -1 with
 * err naming path, the first unmapped address and its program header
 * (ret_digest untouched).
 */
int elf_hash_mapped(const struct elf_image *img, const struct mm_pt *pt,
		    const char *path, uint8_t ret_digest[32], struct rw_err *err);

#endif
