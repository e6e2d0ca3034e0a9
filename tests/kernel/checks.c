/*
 * checks.c - the test kernel's pure checking functions (see checks.h).
 *
 * Built twice: freestanding into every test kernel, and for the build host
 * into host_test, which feeds them synthetic maps, page tables and blobs.
 */
#include "checks.h"
#include "pattern.h"

/* ---- memory map ------------------------------------------------------ */

const char *mmap_error_name(enum mmap_error e)
{
	switch (e) {
	case MMAP_OK:               return "ok";
	case MMAP_EMPTY:            return "empty map";
	case MMAP_ZERO_LENGTH:      return "zero-length entry";
	case MMAP_BAD_TYPE:         return "type outside 1..9";
	case MMAP_WRAPS:            return "base+length overflows";
	case MMAP_UNSORTED:         return "not sorted strictly by base";
	case MMAP_OVERLAP:          return "overlaps the previous entry";
	case MMAP_USABLE_UNALIGNED: return "usable entry not page-aligned";
	case MMAP_USABLE_PAGE0:     return "usable entry at physical page 0";
	}
	return "?";
}

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case RUNWAY_MEM_USABLE:             return "usable";
	case RUNWAY_MEM_RESERVED:           return "reserved";
	case RUNWAY_MEM_ACPI_RECLAIMABLE:   return "acpi-reclaimable";
	case RUNWAY_MEM_ACPI_NVS:           return "acpi-nvs";
	case RUNWAY_MEM_BAD:                return "bad";
	case RUNWAY_MEM_LOADER_RECLAIMABLE: return "loader-reclaimable";
	case RUNWAY_MEM_KERNEL:             return "kernel";
	case RUNWAY_MEM_MODULE:             return "module";
	case RUNWAY_MEM_FRAMEBUFFER:        return "framebuffer";
	}
	return "invalid";
}

enum mmap_error mmap_validate(const struct runway_mmap_entry *map,
                              uint64_t count, uint64_t *bad)
{
	uint64_t i;

	*bad = 0;
	if (count == 0)
		return MMAP_EMPTY;
	for (i = 0; i < count; i++) {
		const struct runway_mmap_entry *e = &map[i];

		*bad = i;
		if (e->length == 0)
			return MMAP_ZERO_LENGTH;
		if (e->type < RUNWAY_MEM_USABLE || e->type > RUNWAY_MEM_FRAMEBUFFER)
			return MMAP_BAD_TYPE;
		if (e->length > UINT64_MAX - e->base)
			return MMAP_WRAPS;
		if (i > 0) {
			const struct runway_mmap_entry *prev = &map[i - 1];

			if (e->base <= prev->base)
				return MMAP_UNSORTED;
			if (prev->base + prev->length > e->base)
				return MMAP_OVERLAP;
		}
		if (e->type == RUNWAY_MEM_USABLE) {
			if (e->base % PAGE_SIZE || e->length % PAGE_SIZE)
				return MMAP_USABLE_UNALIGNED;
			if (e->base < PAGE_SIZE)
				return MMAP_USABLE_PAGE0;
		}
	}
	return MMAP_OK;
}

const struct runway_mmap_entry *mmap_find(const struct runway_mmap_entry *map,
                                          uint64_t count, uint64_t phys)
{
	uint64_t lo = 0, hi = count; /* search [lo, hi) for the last base <= phys */

	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (map[mid].base <= phys)
			lo = mid;
		else
			hi = mid;
	}
	if (count == 0 || map[lo].base > phys || phys - map[lo].base >= map[lo].length)
		return 0;
	return &map[lo];
}

int mmap_range_has_type(const struct runway_mmap_entry *map, uint64_t count,
                        uint64_t phys, uint64_t len, uint32_t type,
                        uint64_t *bad)
{
	uint64_t p = phys, end = phys + len;

	if (len == 0)
		return 1;
	if (end < phys) { /* wraps: cannot be covered */
		*bad = phys;
		return 0;
	}
	while (p < end) {
		const struct runway_mmap_entry *e = mmap_find(map, count, p);

		if (!e || e->type != type) {
			*bad = p;
			return 0;
		}
		p = e->base + e->length;
	}
	return 1;
}

uint64_t mmap_sum(const struct runway_mmap_entry *map, uint64_t count,
                  uint32_t type)
{
	uint64_t i, sum = 0;

	for (i = 0; i < count; i++)
		if (map[i].type == type)
			sum += map[i].length;
	return sum;
}

/* ---- page tables ----------------------------------------------------- */

#define PTE_P      (1ull << 0)
#define PTE_RW     (1ull << 1)
#define PTE_PS     (1ull << 7)
#define PTE_XD     (1ull << 63)
#define PTE_ADDR   0x000ffffffffff000ull /* bits 51:12 */

const char *pt_status_name(enum pt_status s)
{
	switch (s) {
	case PT_OK:           return "ok";
	case PT_NONCANONICAL: return "non-canonical address";
	case PT_NOT_PRESENT:  return "not present";
	case PT_BAD_PS:       return "PS bit set in a PML4/PML5 entry";
	case PT_STOPPED:      return "stopped";
	}
	return "?";
}

enum pt_status pt_translate(uint64_t cr3, int levels, uint64_t hhdm,
                            uint64_t virt, struct pt_walk *w)
{
	int vbits = levels == 5 ? 57 : 48;
	uint64_t top = (uint64_t)((int64_t)(virt << (64 - vbits)) >> (64 - vbits));
	uint64_t table = cr3 & PTE_ADDR;
	int level;

	w->phys = 0;
	w->page_size = 0;
	w->writable = 1;
	w->executable = 1;
	w->ntables = 0;
	w->fail_level = 0;
	w->fail_entry = 0;
	if (top != virt) /* bits above the top one must copy it */
		return PT_NONCANONICAL;

	for (level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		uint64_t index = (virt >> shift) & 511;
		const uint64_t *t = (const uint64_t *)(uintptr_t)(hhdm + table);
		uint64_t entry = t[index];

		w->table[w->ntables++] = table;
		if (!(entry & PTE_P) || ((entry & PTE_PS) && level >= 4)) {
			w->fail_level = level;
			w->fail_entry = entry;
			return (entry & PTE_P) ? PT_BAD_PS : PT_NOT_PRESENT;
		}
		if (!(entry & PTE_RW))
			w->writable = 0;
		if (entry & PTE_XD)
			w->executable = 0;
		if (level == 1 || (entry & PTE_PS)) {
			/* A leaf: 4 KiB at level 1, 2 MiB / 1 GiB with PS (whose
			 * bit 12 is PAT, cleared by the size mask). */
			uint64_t size = 1ull << shift;

			w->page_size = size;
			w->phys = (entry & PTE_ADDR & ~(size - 1)) | (virt & (size - 1));
			return PT_OK;
		}
		table = entry & PTE_ADDR;
	}
	return PT_NOT_PRESENT; /* not reached: level 1 is always a leaf */
}

/* Sign-extends virt from bit vbits - 1 (the canonical form). */
static uint64_t canonical(uint64_t virt, int vbits)
{
	return (uint64_t)((int64_t)(virt << (64 - vbits)) >> (64 - vbits));
}

static enum pt_status walk_table(uint64_t table, int level, uint64_t base,
                                 int vbits, uint64_t hhdm, int writable,
                                 int executable, const struct pt_visitor *v,
                                 struct pt_walk *w)
{
	const uint64_t *t = (const uint64_t *)(uintptr_t)(hhdm + table);
	unsigned shift = 12 + 9 * (unsigned)(level - 1);
	unsigned i;

	if (v->table && v->table(v->arg, table, level, canonical(base, vbits)))
		return PT_STOPPED;
	for (i = 0; i < 512; i++) {
		uint64_t entry = t[i];
		uint64_t virt = base | ((uint64_t)i << shift);
		int wr = writable && (entry & PTE_RW);
		int ex = executable && !(entry & PTE_XD);
		enum pt_status s;

		if (!(entry & PTE_P))
			continue;
		if ((entry & PTE_PS) && level >= 4) {
			if (w) {
				w->phys = canonical(virt, vbits);
				w->fail_level = level;
				w->fail_entry = entry;
			}
			return PT_BAD_PS;
		}
		if (level == 1 || (entry & PTE_PS)) {
			struct pt_leaf leaf;

			leaf.virt = canonical(virt, vbits);
			leaf.size = 1ull << shift;
			leaf.phys = entry & PTE_ADDR & ~(leaf.size - 1);
			leaf.writable = wr;
			leaf.executable = ex;
			if (v->leaf && v->leaf(v->arg, &leaf))
				return PT_STOPPED;
			continue;
		}
		s = walk_table(entry & PTE_ADDR, level - 1, virt, vbits, hhdm, wr, ex,
		               v, w);
		if (s != PT_OK)
			return s;
	}
	return PT_OK;
}

enum pt_status pt_walk_tree(uint64_t cr3, int levels, uint64_t hhdm,
                            const struct pt_visitor *v, struct pt_walk *w)
{
	if (w) {
		w->phys = 0;
		w->fail_level = 0;
		w->fail_entry = 0;
	}
	return walk_table(cr3 & PTE_ADDR, levels, 0, levels == 5 ? 57 : 48, hhdm,
	                  1, 1, v, w);
}

/* ---- GDT descriptors ------------------------------------------------- */

#define DESC_RW   (1ull << 41) /* data: writable; code: readable */
#define DESC_CODE (1ull << 43) /* executable (code) segment       */
#define DESC_S    (1ull << 44) /* code or data, not system        */
#define DESC_DPL  (3ull << 45)
#define DESC_P    (1ull << 47)
#define DESC_L    (1ull << 53) /* 64-bit code                     */
#define DESC_DB   (1ull << 54)

const char *gdt_code64_problem(uint64_t d)
{
	if (!(d & DESC_P))
		return "not present";
	if (!(d & DESC_S))
		return "a system descriptor (S=0)";
	if (!(d & DESC_CODE))
		return "a data segment, not code";
	if (d & DESC_DPL)
		return "DPL is not 0";
	if (!(d & DESC_L))
		return "not 64-bit code (L=0)";
	if (d & DESC_DB)
		return "D=1 with L=1";
	return 0;
}

const char *gdt_data_problem(uint64_t d)
{
	if (!(d & DESC_P))
		return "not present";
	if (!(d & DESC_S))
		return "a system descriptor (S=0)";
	if (d & DESC_CODE)
		return "a code segment, not data";
	if (!(d & DESC_RW))
		return "not writable";
	if (d & DESC_DPL)
		return "DPL is not 0";
	return 0;
}

/* ---- load times ------------------------------------------------------ */

const char *load_times_problem(const struct runway_load_times *t,
                               const char **bad_phase, uint64_t *ret_sum)
{
	const struct { const char *name; uint64_t us; } phase[] = {
		{ "map", t->map },         { "plan", t->plan },
		{ "claims", t->claims },   { "reads", t->reads },
		{ "zeroing", t->zeroing }, { "relocation", t->relocation },
		{ "page_tables", t->page_tables }, { "exit", t->exit },
	};
	const char *why = 0;
	uint64_t sum = 0;

	*bad_phase = 0;
	for (unsigned i = 0; i < sizeof phase / sizeof phase[0]; i++) {
		if (!why && phase[i].us > t->total) {
			why = "a phase is longer than the total";
			*bad_phase = phase[i].name;
		}
		sum += phase[i].us;
	}
	*ret_sum = sum;
	if (!why && sum > t->total) {
		why = "the phases add up to more than the total";
		*bad_phase = "sum";
	}
	return why;
}

/* ---- hashing --------------------------------------------------------- */

uint64_t fnv1a64(uint64_t h, const void *p, uint64_t len)
{
	const unsigned char *b = p;
	uint64_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int parse_fnv1a64_string(const char *s, uint64_t *out)
{
	const char *prefix = "fnv1a64=";
	uint64_t v = 0;
	int i;

	for (i = 0; prefix[i]; i++)
		if (s[i] != prefix[i])
			return 0;
	s += i;
	for (i = 0; i < 16; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint64_t)(c - 'A' + 10);
		else
			return -1;
	}
	if (s[16])
		return -1;
	*out = v;
	return 1;
}

/* ---- the usable-memory scribble ------------------------------------- */

/*
 * Eight words at a time: for a 64-byte aligned address a, a + 8k = a ^ 8k,
 * so the words are (a ^ key) ^ 8k, one XOR with a constant each.
 */
void scribble_fill(uint64_t *p, uint64_t phys, uint64_t bytes)
{
	uint64_t off;

	for (off = 0; off < bytes; off += 64, p += 8) {
		uint64_t v = scribble_word(phys + off);

		p[0] = v;
		p[1] = v ^ 8;
		p[2] = v ^ 16;
		p[3] = v ^ 24;
		p[4] = v ^ 32;
		p[5] = v ^ 40;
		p[6] = v ^ 48;
		p[7] = v ^ 56;
	}
}

int scribble_verify(const uint64_t *p, uint64_t phys, uint64_t bytes,
                    uint64_t *bad)
{
	uint64_t off;
	int k;

	for (off = 0; off < bytes; off += 64, p += 8) {
		uint64_t v = scribble_word(phys + off);
		uint64_t diff = (p[0] ^ v) | (p[1] ^ v ^ 8) | (p[2] ^ v ^ 16) |
		                (p[3] ^ v ^ 24) | (p[4] ^ v ^ 32) | (p[5] ^ v ^ 40) |
		                (p[6] ^ v ^ 48) | (p[7] ^ v ^ 56);

		if (!diff)
			continue;
		for (k = 0; k < 8; k++) {
			if (p[k] != (v ^ (8ull * (uint64_t)k))) {
				*bad = off + 8ull * (uint64_t)k;
				return 0;
			}
		}
	}
	return 1;
}

uint64_t scribble_runs(const struct runway_mmap_entry *map, uint64_t count,
                       int full, int (*fn)(void *arg, uint64_t phys, uint64_t bytes),
                       void *arg)
{
	uint64_t i, total = 0;

	for (i = 0; i < count; i++) {
		const struct runway_mmap_entry *e = &map[i];
		uint64_t n = e->length / PAGE_SIZE, j;

		if (e->type != RUNWAY_MEM_USABLE || n == 0)
			continue;
		if (full) {
			if (fn(arg, e->base, n * PAGE_SIZE))
				return total;
			total += n * PAGE_SIZE;
			continue;
		}
		for (j = 0;;) { /* pages 0, 256, 512, ... and n - 1 */
			if (fn(arg, e->base + j * PAGE_SIZE, PAGE_SIZE))
				return total;
			total += PAGE_SIZE;
			if (j == n - 1)
				break;
			j = j + SCRIBBLE_STRIDE < n - 1 ? j + SCRIBBLE_STRIDE : n - 1;
		}
	}
	return total;
}

/* ---- contents -------------------------------------------------------- */

int pattern_check(const uint64_t *words, uint64_t nwords, uint64_t seed,
                  uint64_t *bad)
{
	uint64_t i;

	for (i = 0; i < nwords; i++) {
		if (words[i] != pattern_word(seed, i)) {
			*bad = i;
			return 0;
		}
	}
	return 1;
}

int zero_check(const void *p, uint64_t len, uint64_t *bad)
{
	const unsigned char *b = p;
	uint64_t i;

	for (i = 0; i < len; i++) {
		if (b[i]) {
			*bad = i;
			return 0;
		}
	}
	return 1;
}

int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

void escape_string(char *dst, uint64_t dstsize, const char *src,
                   uint64_t srclen)
{
	uint64_t o = 0, i;

	for (i = 0; i < srclen && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		char tmp[4];
		int n = 0, k;

		if (c == '"' || c == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = (char)c;
		} else if (c >= 0x20 && c <= 0x7e) {
			tmp[n++] = (char)c;
		} else {
			tmp[n++] = '\\';
			tmp[n++] = 'x';
			tmp[n++] = "0123456789abcdef"[c >> 4];
			tmp[n++] = "0123456789abcdef"[c & 15];
		}
		if (o + (uint64_t)n + 4 > dstsize) { /* keep room for "...\0" */
			dst[o++] = '.';
			dst[o++] = '.';
			dst[o++] = '.';
			break;
		}
		for (k = 0; k < n; k++)
			dst[o++] = tmp[k];
	}
	dst[o] = 0;
}
