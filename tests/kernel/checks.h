/*
 * checks.h - the test kernel's checking logic as pure functions: memory
 * map validation and lookup, a page-table walker (one address, or the whole
 * tree), GDT descriptor decoding, pattern and zero checks, FNV-1a hashing,
 * the physical-address scribble pattern, string helpers.  No I/O and no globals, so host_test.c can compile the
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
	PT_STOPPED,      /* pt_walk_tree: a callback asked to stop   */
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

/* One leaf (a present page of any size) found by pt_walk_tree. */
struct pt_leaf {
	uint64_t virt;      /* canonical virtual address of the page      */
	uint64_t phys;      /* physical address of the page               */
	uint64_t size;      /* 4 KiB, 2 MiB or 1 GiB                      */
	int writable;       /* R/W set at every level on the path         */
	int executable;     /* XD clear at every level on the path        */
};

/*
 * Callbacks for pt_walk_tree; either may be null.  A nonzero return stops
 * the walk (pt_walk_tree then returns PT_STOPPED).  table() sees every
 * paging structure, root first, with its level (levels..1, 1 = PT) and
 * the first virtual address it translates.
 */
struct pt_visitor {
	int (*table)(void *arg, uint64_t phys, int level, uint64_t virt);
	int (*leaf)(void *arg, const struct pt_leaf *leaf);
	void *arg;
};

/*
 * Visits every present entry of the paging structures rooted at cr3, in
 * increasing (canonical) virtual address order.  On PT_BAD_PS stores the
 * entry's virtual address, level and value in w->phys (virtual address),
 * w->fail_level and w->fail_entry; w may be null.
 */
enum pt_status pt_walk_tree(uint64_t cr3, int levels, uint64_t hhdm,
                            const struct pt_visitor *v, struct pt_walk *w);

/* ---- GDT descriptors ------------------------------------------------- */

/*
 * What is wrong with a legacy 8-byte descriptor meant as a present DPL-0
 * 64-bit code segment (S=1, executable, L=1, D=0), or null if nothing.
 */
const char *gdt_code64_problem(uint64_t desc);

/* The same for a present DPL-0 writable data segment (S=1, not code, W=1). */
const char *gdt_data_problem(uint64_t desc);

/* ---- load times ------------------------------------------------------ */

/*
 * The loader's phase times: each phase at most the total, and so is their
 * sum (the phases do not overlap).  Returns NULL, or what is wrong, with
 * the offending phase's name in *bad_phase (or "sum"); *ret_sum gets the
 * sum of the phases either way.
 */
const char *load_times_problem(const struct runway_load_times *t,
                               const char **bad_phase, uint64_t *ret_sum);

/* ---- hashing --------------------------------------------------------- */

#define FNV1A64_INIT 0xcbf29ce484222325ull

/* FNV-1a 64 of len bytes, continuing from h (FNV1A64_INIT to start). */
uint64_t fnv1a64(uint64_t h, const void *p, uint64_t len);

/*
 * Parses a module string of the form "fnv1a64=<16 hex digits>" (either
 * case, nothing after).  Returns 1 with the value in *out; 0 when s does
 * not start with "fnv1a64="; -1 when it does but the rest is malformed.
 */
int parse_fnv1a64_string(const char *s, uint64_t *out);

/* ---- the usable-memory scribble ------------------------------------- */

/* The word written at physical address a (8-byte aligned): a ^ key, so a
 * word read back names the address it was written for. */
#define SCRIBBLE_KEY 0x5ca1ab1e0ddba11ull
static inline uint64_t scribble_word(uint64_t phys)
{
	return phys ^ SCRIBBLE_KEY;
}

/* Usable memory up to this many bytes is scribbled in full, above it
 * sampled (-D to change it, e.g. for slow many-CPU TCG runs). */
#ifndef SCRIBBLE_FULL_LIMIT
#define SCRIBBLE_FULL_LIMIT (3ull << 30)
#endif

/* Fills bytes (a multiple of 64) at p, which is physical phys. */
void scribble_fill(uint64_t *p, uint64_t phys, uint64_t bytes);

/*
 * 1 when bytes (a multiple of 64) at p read back as scribble_fill wrote
 * them for physical phys, else 0 with the first bad byte offset in *bad.
 */
int scribble_verify(const uint64_t *p, uint64_t phys, uint64_t bytes,
                    uint64_t *bad);

/*
 * The pages to scribble: with full set, every usable entry whole, else the
 * first and last page of every usable entry and every 256th page between
 * (page j of an n-page entry when j % 256 == 0 or j == n - 1).  Calls
 * fn(arg, phys, bytes) for each run, in map order, and returns the total
 * bytes; stops early (returning what was passed so far) when fn returns
 * nonzero.  Map must be valid.
 */
#define SCRIBBLE_STRIDE 256
uint64_t scribble_runs(const struct runway_mmap_entry *map, uint64_t count,
                       int full, int (*fn)(void *arg, uint64_t phys, uint64_t bytes),
                       void *arg);

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
