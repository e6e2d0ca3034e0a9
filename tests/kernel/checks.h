/*
 * checks.h - the test kernel's checking logic as pure functions: memory
 * map validation and lookup, a page-table walker, pattern and zero checks,
 * string helpers.  No I/O and no globals, so host_test.c can compile the
 * same code for the build host and exercise it with synthetic inputs.
 */
#ifndef RUNWAY_TEST_CHECKS_H
#define RUNWAY_TEST_CHECKS_H

#include <stdint.h>

#include <runway/boot.h>

#define PAGE_SIZE 4096ull
#define PAGE_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define PAGE_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* ---- memory map ------------------------------------------------------ */

enum mmap_error {
	MMAP_OK = 0,
	MMAP_EMPTY,            /* mmap_count == 0                        */
	MMAP_ZERO_LENGTH,      /* an entry with length 0                 */
	MMAP_BAD_TYPE,         /* type outside 1..9                      */
	MMAP_WRAPS,            /* base + length overflows 64 bits        */
	MMAP_UNSORTED,         /* base not strictly above the previous   */
	MMAP_OVERLAP,          /* starts before the previous entry ends  */
	MMAP_USABLE_UNALIGNED, /* usable base or length not page-aligned */
	MMAP_USABLE_PAGE0,     /* usable memory at physical page 0       */
};

const char *mmap_error_name(enum mmap_error e);
const char *mem_type_name(uint32_t type);

/*
 * Checks the protocol's promises about the map.  On failure stores the
 * index of the offending entry in *bad (0 for MMAP_EMPTY).
 */
enum mmap_error mmap_validate(const struct runway_mmap_entry *map,
                              uint64_t count, uint64_t *bad);

/* The entry containing physical address phys, or 0.  Map must be valid. */
const struct runway_mmap_entry *mmap_find(const struct runway_mmap_entry *map,
                                          uint64_t count, uint64_t phys);

/*
 * 1 when every byte of [phys, phys + len) lies in entries of the given type
 * (adjacent entries may share the range), else 0 with the first address
 * that does not in *bad.  Map must be valid.
 */
int mmap_range_has_type(const struct runway_mmap_entry *map, uint64_t count,
                        uint64_t phys, uint64_t len, uint32_t type,
                        uint64_t *bad);

/* Total bytes of entries of the given type. */
uint64_t mmap_sum(const struct runway_mmap_entry *map, uint64_t count,
                  uint32_t type);

/* ---- page tables ----------------------------------------------------- */

enum pt_status {
	PT_OK = 0,
	PT_NONCANONICAL, /* virtual address not canonical          */
	PT_NOT_PRESENT,  /* an entry on the path has P clear        */
	PT_BAD_PS,       /* PS set where it is reserved (PML4/PML5) */
};

struct pt_walk {
	uint64_t phys;      /* physical address virt translates to       */
	uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB                      */
	int writable;       /* R/W set at every level                     */
	int executable;     /* XD clear at every level                    */
	int ntables;        /* tables visited, root first                 */
	uint64_t table[5];  /* their physical addresses                   */
	int fail_level;     /* on PT_NOT_PRESENT/PT_BAD_PS: 5..1 (1 = PT) */
	uint64_t fail_entry;/* ... and the entry found there             */
};

/*
 * Translates virt through the paging structures rooted at cr3 (PCID/flag
 * bits are ignored), with levels = 4 or 5 (CR4.LA57).  Tables are read at
 * hhdm + their physical address.
 */
enum pt_status pt_translate(uint64_t cr3, int levels, uint64_t hhdm,
                            uint64_t virt, struct pt_walk *w);
const char *pt_status_name(enum pt_status s);

/* ---- contents -------------------------------------------------------- */

/*
 * 1 when words[i] == pattern_word(seed, i) for every i < nwords, else 0
 * with the first bad index in *bad.
 */
int pattern_check(const uint64_t *words, uint64_t nwords, uint64_t seed,
                  uint64_t *bad);

/* 1 when all len bytes at p are zero, else 0 with the first bad offset. */
int zero_check(const void *p, uint64_t len, uint64_t *bad);

int str_eq(const char *a, const char *b);

/*
 * Copies at most srclen bytes of the NUL-terminated src into dst as a
 * printable C-style string: '"' and '\\' escaped, other bytes outside
 * 0x20..0x7e as \xNN; ends with "..." when dst (size dstsize >= 8) is too
 * small.  dst is always NUL-terminated.
 */
void escape_string(char *dst, uint64_t dstsize, const char *src,
                   uint64_t srclen);

#endif /* RUNWAY_TEST_CHECKS_H */
