/*
 * fuzz_memmap.c - libFuzzer target: the firmware map walkers
 * (mm_efi_desc_count, mm_efi_free_bytes) and buffer sizing
 * (mm_load_caps), mm_normalize, mm_boot_map, mm_clip and
 * mm_direct_map_size, and the free-run allocator
 * (mm_alloc_*, mm_fragment) against a fake firmware.
 *
 * Input layout (missing bytes read as zero):
 *   [0]      descriptor size: 40..128, or (rarely, >= 0xf8) an invalid one
 *   [1]      bits 0-5: descriptor count; bit 6: raw descriptors;
 *            bit 7: map size not a multiple of the descriptor size
 *   [2]      capacities: bits 0-1 == 3: out_cap too small,
 *            bits 2-3 == 3: scratch too small, bit 4: reg_cap at the
 *            documented minimum MM_REG_CAP() instead of generous;
 *            bit 5: mm_load_caps with a fragment size from [3] and [12]
 *   [3]      claim_cap selector (1..253)
 *   [4..7]   fake firmware: refuse claim call n when bit n % 32 is set
 *   [8..11]  seam (page number) no claim may straddle; 0: none
 *   [12]     trailing bytes when bit 7 of [1] is set
 *   then the descriptors: 8 bytes each in compact form (type selector,
 *   24-bit base page, 16-bit page count, scale/offset bits), or desc_size
 *   bytes each verbatim in raw form;
 *   then up to 64 operations: an opcode byte and its parameters.
 *
 * Every invariant violation abort()s with a message naming it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "mm.h"
#include "runway/boot.h"


#define MAX_DESC 63
#define MAX_OPS 64
#define REFUSAL_BUDGET 64

static const uint32_t type_table[16] = {
	MM_EFI_CONVENTIONAL, MM_EFI_CONVENTIONAL, MM_EFI_CONVENTIONAL,
	MM_EFI_CONVENTIONAL, MM_EFI_CONVENTIONAL, MM_EFI_BS_CODE,
	MM_EFI_BS_DATA,      MM_EFI_LOADER_CODE,  MM_EFI_LOADER_DATA,
	MM_EFI_RT_DATA,      MM_EFI_ACPI_RECLAIM, MM_EFI_ACPI_NVS,
	MM_EFI_UNUSABLE,     MM_EFI_RESERVED,     MM_EFI_RUNWAY_KERNEL,
	MM_EFI_PERSISTENT,
};

/* A descriptor as mm_normalize is expected to see it (clipped at 2^64). */
struct ref_desc {
	bool live;
	uint64_t base, end;
	uint32_t kind;
};

/* ---------------------------------------------------------------------- */
/* walking and sizing a raw map, whatever its descriptor size               */

/*
 * mm_efi_desc_count, mm_efi_free_bytes and mm_load_caps on the raw map:
 * no division by a zero descriptor size, no read past the map (ASan), the
 * free bytes of the reference descriptors (clipped at 2^64, saturating),
 * capacities that hold what mm.h promises.
 */
static void check_walkers(const uint8_t *map, size_t map_size, size_t desc_size,
			  const struct ref_desc *ref, uint64_t fragment)
{
	bool ok = desc_size >= sizeof(struct mm_efi_desc);
	size_t n = mm_efi_desc_count(map_size, desc_size);
	CHECK(n == (ok ? map_size / desc_size : 0),
	      "mm_efi_desc_count(%zu, %zu) = %zu", map_size, desc_size, n);
	uint64_t want = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ref[i].live || ref[i].kind != MM_USABLE)
			continue;
		uint64_t b = ref[i].end - ref[i].base;
		want = b > UINT64_MAX - want ? UINT64_MAX : want + b;
	}
	uint64_t got = mm_efi_free_bytes(map, map_size, desc_size);
	CHECK(got == want, "mm_efi_free_bytes: 0x%" PRIx64 ", descriptors say 0x%" PRIx64,
	      got, want);
	struct mm_load_caps c;
	mm_load_caps(n, got, fragment, &c);
	uint64_t piece = fragment < MM_PAGE_SIZE ? MM_PAGE_SIZE : fragment;
	CHECK(c.claim_cap >= 256 && (!fragment || c.claim_cap >= got / piece / 2) &&
	      c.map_descs >= n + 2 * c.claim_cap &&
	      c.final_reg_cap == 2 * c.map_descs &&
	      c.reg_cap >= MM_REG_CAP(c.final_reg_cap, c.claim_cap) &&
	      c.scratch_size >= mm_normalize_scratch(c.map_descs),
	      "mm_load_caps(%zu, 0x%" PRIx64 ", 0x%" PRIx64 "): claims %zu, descriptors %zu, regions %zu/%zu, scratch %zu",
	      n, got, fragment, c.claim_cap, c.map_descs, c.reg_cap,
	      c.final_reg_cap, c.scratch_size);
}

/* ---------------------------------------------------------------------- */
/* mm_normalize: structural checks and a brute-force point oracle          */

/* The region containing x, or NULL. */
static const struct mm_region *region_at(const struct mm_region *r, size_t n,
					 uint64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].end <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].base <= x ? &r[lo] : NULL;
}

/* Winner descriptor at x (most restrictive kind, then lowest index), -1 if none. */
static int winner_at(const struct ref_desc *d, size_t nd, uint64_t x)
{
	int w = -1;
	for (size_t i = 0; i < nd; i++) {
		if (!d[i].live || x < d[i].base || x >= d[i].end)
			continue;
		if (w < 0 || d[i].kind > d[w].kind)
			w = (int)i;
	}
	return w;
}

static void check_point(const struct ref_desc *d, size_t nd,
			const struct mm_region *r, size_t n, uint64_t x)
{
	const struct mm_region *reg = region_at(r, n, x);
	int w = winner_at(d, nd, x);

	if (w < 0) {
		CHECK(!reg, "0x%" PRIx64 " is covered by no descriptor but lies in region [0x%" PRIx64 ", 0x%" PRIx64 ") kind %u",
		      x, reg->base, reg->end, reg->kind);
		return;
	}
	if (d[w].kind != MM_USABLE) {
		CHECK(reg && reg->kind == d[w].kind,
		      "0x%" PRIx64 ": descriptor %d says kind %u, normalized map says %s%u",
		      x, w, d[w].kind, reg ? "" : "nothing/",
		      reg ? reg->kind : 0);
		return;
	}
	if (reg) {
		CHECK(reg->kind == MM_USABLE && reg->src == (uint32_t)w,
		      "0x%" PRIx64 ": usable in descriptor %d, normalized region [0x%" PRIx64 ", 0x%" PRIx64 ") has kind %u src %u",
		      x, w, reg->base, reg->end, reg->kind, reg->src);
		return;
	}
	/* Not in the map: allowed only when its page is not wholly usable
	 * memory of descriptor w, or is page 0. */
	uint64_t pb = x & ~(MM_PAGE_SIZE - 1);
	if (pb < MM_PAGE_SIZE || pb > UINT64_MAX - MM_PAGE_SIZE)
		return;
	uint64_t pe = pb + MM_PAGE_SIZE;
	if (d[w].base > pb || d[w].end < pe)
		return;
	for (size_t j = 0; j < nd; j++) {
		if (!d[j].live || (int)j == w || d[j].end <= pb || d[j].base >= pe)
			continue;
		if (d[j].kind > MM_USABLE || (int)j < w)
			return;
	}
	CHECK(0, "page 0x%" PRIx64 " is wholly usable memory of descriptor %d but missing from the normalized map",
	      pb, w);
}

static void check_normalized(const struct ref_desc *d, size_t nd,
			     const struct mm_region *r, size_t n)
{
	check_regions_sane("mm_normalize", r, n);
	for (size_t i = 0; i < n; i++) {
		CHECK(r[i].src < nd && d[r[i].src].live,
		      "region %zu has src %u (of %zu descriptors)", i, r[i].src, nd);
		if (r[i].kind == MM_USABLE)
			CHECK(d[r[i].src].kind == MM_USABLE &&
			      d[r[i].src].base <= r[i].base && r[i].end <= d[r[i].src].end,
			      "usable region %zu [0x%" PRIx64 ", 0x%" PRIx64 ") is not inside its descriptor %u",
			      i, r[i].base, r[i].end, r[i].src);
		/* maximal merging */
		if (i && r[i - 1].end == r[i].base && r[i - 1].kind == r[i].kind)
			CHECK(r[i].kind == MM_USABLE && r[i - 1].src != r[i].src,
			      "regions %zu and %zu [0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ") kind %u should have merged",
			      i - 1, i, r[i - 1].base, r[i].base,
			      r[i].end, r[i].kind);
	}
	for (size_t i = 0; i < nd; i++) {
		if (!d[i].live)
			continue;
		uint64_t b = d[i].base, e = d[i].end;
		check_point(d, nd, r, n, b);
		check_point(d, nd, r, n, e - 1);
		check_point(d, nd, r, n, b + (e - b) / 2);
		check_point(d, nd, r, n, b + MM_PAGE_SIZE < e ? b + MM_PAGE_SIZE : b);
		if (b)
			check_point(d, nd, r, n, b - 1);
		if (e != UINT64_MAX)
			check_point(d, nd, r, n, e);
	}
}

/* mm_boot_map on the normalized regions. */
static void check_boot_map(const struct mm_region *r, size_t n, uint8_t sel)
{
	size_t cap = 3 * n + 1;
	if (sel & 1)
		cap = n ? (size_t)(sel >> 1) % (3 * n + 1) : 0;
	struct runway_mmap_entry *out = malloc((cap ? cap : 1) * sizeof *out);
	CHECK(out, "malloc");
	size_t m = mm_boot_map(r, n, out, cap);
	CHECK(m <= cap, "mm_boot_map returned %zu > cap %zu", m, cap);
	if (!(sel & 1))
		CHECK(m > 0 || n == 0, "mm_boot_map: 0 entries for %zu regions with cap %zu", n, cap);
	uint64_t total_r = 0, total_m = 0;
	for (size_t i = 0; i < n; i++)
		total_r += r[i].end - r[i].base;
	for (size_t i = 0; i < m; i++) {
		const struct runway_mmap_entry *e = &out[i];
		CHECK(e->length > 0, "boot map entry %zu is empty", i);
		CHECK(e->base + e->length - 1 >= e->base, "boot map entry %zu wraps", i);
		CHECK(e->type >= RUNWAY_MEM_USABLE && e->type <= RUNWAY_MEM_MODULE,
		      "boot map entry %zu has type %u", i, e->type);
		if (i)
			CHECK(out[i - 1].base + out[i - 1].length <= e->base,
			      "boot map entries %zu and %zu overlap or are unsorted", i - 1, i);
		if (e->type == RUNWAY_MEM_USABLE)
			CHECK(!(e->base & (MM_PAGE_SIZE - 1)) && !(e->length & (MM_PAGE_SIZE - 1)) &&
			      e->base >= MM_PAGE_SIZE,
			      "usable boot map entry %zu [0x%" PRIx64 " + 0x%" PRIx64 "] unaligned or page 0",
			      i, e->base, e->length);
		/* every entry lies inside a region */
		const struct mm_region *reg = region_at(r, n, e->base);
		CHECK(reg, "boot map entry %zu at 0x%" PRIx64 " lies in no region", i, e->base);
		total_m += e->length;
	}
	if (m > 0 || n == 0)
		CHECK(total_m == total_r, "boot map covers 0x%" PRIx64 " bytes, regions 0x%" PRIx64,
		      total_m, total_r);
	free(out);
}

/*
 * mm_clip at the direct map's limit and at a limit inside the map (so
 * that cutting is exercised on every input), and mm_direct_map_size:
 * what stays is exactly the input below the limit, what is reported
 * dropped is the rest, the size is whole gigabytes in [4 GiB, limit].
 */
static void check_clip_at(const struct mm_region *r, size_t n, uint64_t limit)
{
	struct mm_region *c = malloc((n ? n : 1) * sizeof *c);
	CHECK(c, "malloc");
	memcpy(c, r, n * sizeof *c);
	struct mm_clip_info info;
	size_t k = mm_clip(c, n, limit, &info);
	uint64_t kept = 0, want_kept = 0, want_usable = 0;
	size_t want_regions = 0, j = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t hi = r[i].end < limit ? r[i].end : limit;
		if (r[i].base < hi) {
			CHECK(j < k && c[j].base == r[i].base && c[j].end == hi &&
			      c[j].kind == r[i].kind && c[j].src == r[i].src,
			      "clip at 0x%" PRIx64 ": region %zu [0x%" PRIx64 ", 0x%" PRIx64 ") not kept as [.., 0x%" PRIx64 ")",
			      limit, i, r[i].base, r[i].end, hi);
			j++;
			want_kept += hi - r[i].base;
		}
		if (r[i].end > limit) {
			want_regions++;
			uint64_t lo = r[i].base > limit ? r[i].base : limit;
			if (r[i].kind == MM_USABLE || r[i].kind == MM_BOOT_SERVICES)
				want_usable += r[i].end - lo;
		}
	}
	CHECK(j == k, "clip at 0x%" PRIx64 " kept %zu regions, expected %zu", limit, k, j);
	for (size_t i = 0; i < k; i++)
		kept += c[i].end - c[i].base;
	CHECK(info.regions == want_regions && info.usable_bytes == want_usable,
	      "clip at 0x%" PRIx64 ": reports %zu regions, 0x%" PRIx64 " usable bytes; expected %zu, 0x%" PRIx64,
	      limit, info.regions, info.usable_bytes, want_regions, want_usable);
	CHECK(kept == want_kept, "clip kept 0x%" PRIx64 " bytes, expected 0x%" PRIx64, kept, want_kept);
	uint64_t size = mm_direct_map_size(c, k);
	CHECK(size >= (4ull << 30) && size <= MM_DIRECT_MAP_LIMIT && !(size & ((1ull << 30) - 1)),
	      "direct map size 0x%" PRIx64, size);
	if (limit <= MM_DIRECT_MAP_LIMIT)
		for (size_t i = 0; i < k; i++)
			CHECK(c[i].end <= size, "direct map of 0x%" PRIx64 " bytes misses [.., 0x%" PRIx64 ")",
			      size, c[i].end);
	free(c);
}

static void check_clip(const struct mm_region *r, size_t n)
{
	check_clip_at(r, n, MM_DIRECT_MAP_LIMIT);
	if (n)
		check_clip_at(r, n, (r[n / 2].base / 2 + r[n / 2].end / 2) & ~(MM_PAGE_SIZE - 1));
}

/* ---------------------------------------------------------------------- */
/* the allocator                                                          */

struct env {
	struct mm_alloc a;
	struct ffw fw;
	const struct mm_region *init;
	size_t ninit;
	uint64_t init_free;
	bool *seen; /* claim_cap flags */
};

/*
 * The allocator's regions against the initial map and the fake firmware:
 * initial non-usable regions unchanged, usable memory now usable (same
 * descriptor), claimed (exactly the live claims, each with its kind) or
 * marked reserved after a refusal; the claim log equals the live set.
 */
static void check_alloc(struct env *e)
{
	const struct mm_alloc *a = &e->a;
	const struct ffw *f = &e->fw;

	check_regions_sane("allocator", a->reg, a->nreg);
	CHECK(a->nreg <= a->reg_cap, "nreg %zu > reg_cap %zu", a->nreg, a->reg_cap);
	CHECK(a->nclaims <= a->claim_cap, "nclaims %zu > claim_cap %zu",
	      a->nclaims, a->claim_cap);
	CHECK(a->nclaims == f->nlive, "claim log holds %zu claims, firmware %zu",
	      a->nclaims, f->nlive);
	memset(e->seen, 0, a->claim_cap);
	for (size_t c = 0; c < a->nclaims; c++) {
		const struct ffw_claim *l = ffw_find(f, a->claims[c].base, a->claims[c].pages);
		CHECK(l, "claim log entry %zu (0x%" PRIx64 " + %" PRIu64 " pages) is not held by firmware",
		      c, a->claims[c].base, a->claims[c].pages);
		size_t k = (size_t)(l - f->live);
		CHECK(!e->seen[k], "claim log entry %zu is a duplicate", c);
		e->seen[k] = true;
	}

	uint64_t total_init = 0, total_cur = 0, inter = 0;
	uint64_t cov_usable = 0, cov_claimed = 0, cov_marked = 0;
	for (size_t i = 0; i < e->ninit; i++)
		total_init += e->init[i].end - e->init[i].base;
	size_t i = 0;
	for (size_t j = 0; j < a->nreg; j++) {
		const struct mm_region *c = &a->reg[j];
		total_cur += c->end - c->base;
		while (i < e->ninit && e->init[i].end <= c->base)
			i++;
		for (size_t k = i; k < e->ninit && e->init[k].base < c->end; k++) {
			const struct mm_region *o = &e->init[k];
			uint64_t lo = o->base > c->base ? o->base : c->base;
			uint64_t hi = o->end < c->end ? o->end : c->end;
			inter += hi - lo;
			if (o->kind != MM_USABLE) {
				CHECK(c->kind == o->kind,
				      "[0x%" PRIx64 ", 0x%" PRIx64 ") was kind %u, allocator says %u",
				      lo, hi, o->kind, c->kind);
				continue;
			}
			switch (c->kind) {
			case MM_USABLE:
				CHECK(c->src == o->src,
				      "usable [0x%" PRIx64 ", 0x%" PRIx64 ") changed descriptor %u -> %u",
				      lo, hi, o->src, c->src);
				cov_usable += hi - lo;
				break;
			case MM_LOADER:
			case MM_KERNEL:
			case MM_MODULE:
				cov_claimed += hi - lo;
				break;
			case MM_RESERVED:
				cov_marked += hi - lo;
				break;
			default:
				CHECK(0, "usable [0x%" PRIx64 ", 0x%" PRIx64 ") became kind %u",
				      lo, hi, c->kind);
			}
		}
	}
	CHECK(inter == total_cur, "allocator regions cover 0x%" PRIx64 " bytes outside the initial map",
	      total_cur - inter);
	CHECK(total_cur == total_init, "allocator regions cover 0x%" PRIx64 " bytes, initial map 0x%" PRIx64,
	      total_cur, total_init);
	uint64_t free_pages = mm_alloc_free_pages(a);
	CHECK(cov_usable == free_pages << MM_PAGE_SHIFT,
	      "usable bytes 0x%" PRIx64 " vs mm_alloc_free_pages %" PRIu64, cov_usable,
	      free_pages);
	uint64_t live = ffw_live_pages(f);
	CHECK(cov_claimed == live << MM_PAGE_SHIFT,
	      "allocator marks 0x%" PRIx64 " bytes claimed, firmware holds %" PRIu64 " pages",
	      cov_claimed, live);
	CHECK(cov_marked == 0 || f->refusals > 0,
	      "0x%" PRIx64 " usable bytes marked reserved without any refusal", cov_marked);
	CHECK(cov_usable + cov_claimed + cov_marked == e->init_free << MM_PAGE_SHIFT,
	      "usable accounting: 0x%" PRIx64 " + 0x%" PRIx64 " + 0x%" PRIx64 " != 0x%" PRIx64,
	      cov_usable, cov_claimed, cov_marked,
	      e->init_free << MM_PAGE_SHIFT);

	/* each live claim lies in regions of its kind */
	size_t j = 0;
	for (size_t k = 0; k < f->nlive; k++) {
		const struct ffw_claim *l = &f->live[k];
		uint64_t at = l->base, end = ffw_end(l->base, l->pages);
		while (j < a->nreg && a->reg[j].end <= at)
			j++;
		for (size_t m = j; at < end; m++) {
			CHECK(m < a->nreg && a->reg[m].base <= at && a->reg[m].kind == l->kind,
			      "live claim 0x%" PRIx64 " + %" PRIu64 " pages (kind %u): 0x%" PRIx64 " is not in a region of that kind",
			      l->base, l->pages, l->kind, at);
			at = a->reg[m].end;
		}
	}
	for (size_t k = 0; k < a->nreg; k++)
		if (a->reg[k].kind == MM_USABLE)
			CHECK(a->reg[k].end <= a->top_hint,
			      "usable region [0x%" PRIx64 ", 0x%" PRIx64 ") above top_hint 0x%" PRIx64,
			      a->reg[k].base, a->reg[k].end, a->top_hint);
	CHECK(a->largest == largest_run(a->reg, a->nreg),
	      "largest %" PRIu64 ", actual largest free run %" PRIu64 " pages", a->largest,
	      largest_run(a->reg, a->nreg));
}

/* Highest base for a run of pages (aligned, end <= below), from first principles. */
static bool oracle_top(const struct mm_region *r, size_t n, uint64_t pages,
		       uint64_t align, uint64_t below, uint64_t *ret)
{
	uint64_t size = pages << MM_PAGE_SHIFT;
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (r[i].kind != MM_USABLE)
			continue;
		uint64_t lo = r[i].base;
		while (i + 1 < n && r[i + 1].kind == MM_USABLE && r[i].end == r[i + 1].base)
			i++;
		uint64_t hi = r[i].end;
		if (below && hi > below)
			hi = below;
		if (hi <= lo || hi - lo < size)
			continue;
		uint64_t base = (hi - size) & ~(align - 1);
		if (base >= lo) {
			*ret = base;
			found = true;
		}
	}
	return found;
}

static bool oracle_range_free(const struct mm_region *r, size_t n, uint64_t base,
			      uint64_t pages)
{
	if (base & (MM_PAGE_SIZE - 1))
		return false;
	if (pages > (UINT64_MAX - base) >> MM_PAGE_SHIFT)
		return false;
	uint64_t at = base, end = base + (pages << MM_PAGE_SHIFT);
	const struct mm_region *reg;
	while (at < end) {
		reg = region_at(r, n, at);
		if (!reg || reg->kind != MM_USABLE)
			return false;
		at = reg->end;
	}
	return true;
}

/* The claims made since mark exactly cover [base, end), all of kind. */
static void check_new_claims_cover(struct env *e, size_t mark, uint64_t base,
				   uint64_t end, uint32_t kind, const char *what)
{
	const struct mm_alloc *a = &e->a;
	uint64_t covered = 0;
	for (size_t c = mark; c < a->nclaims; c++) {
		const struct mm_claim *cl = &a->claims[c];
		uint64_t ce = ffw_end(cl->base, cl->pages);
		CHECK(cl->base >= base && ce <= end,
		      "%s: claim 0x%" PRIx64 " + %" PRIu64 " pages lies outside [0x%" PRIx64 ", 0x%" PRIx64 ")",
		      what, cl->base, cl->pages, base, end);
		const struct ffw_claim *l = ffw_find(&e->fw, cl->base, cl->pages);
		CHECK(l && l->kind == kind, "%s: claim 0x%" PRIx64 " has kind %u, wanted %u",
		      what, cl->base, l ? l->kind : 99, kind);
		covered += cl->pages << MM_PAGE_SHIFT;
	}
	/* claims never overlap (the fake checks), so the sum decides */
	CHECK(covered == end - base, "%s: claims cover 0x%" PRIx64 " of 0x%" PRIx64 " bytes",
	      what, covered, end - base);
}

static uint64_t pick_pages(struct rd *r, const struct mm_alloc *a)
{
	uint8_t sel = rd_u8(r);
	switch (sel >> 6) {
	case 0:
		return 1 + (uint64_t)rd_u8(r);
	case 1:
		return rd_u16(r);
	case 2:
		return (uint64_t)rd_u8(r) << (rd_u8(r) % 44);
	default:
		switch (sel & 7) {
		case 0: return 0;
		case 1: return 1ull << 51;
		case 2: return (1ull << 51) + 1;
		case 3: return a->largest;
		case 4: return a->largest + 1;
		case 5: return mm_alloc_free_pages(a);
		case 6: return a->largest ? a->largest - 1 : 0;
		default: return rd_u64(r);
		}
	}
}

static void pick_req(struct rd *r, const struct mm_alloc *a, struct mm_req *req)
{
	memset(req, 0, sizeof *req);
	req->pages = pick_pages(r, a);
	uint8_t al = rd_u8(r);
	if (al >= 0x80)
		req->align = al == 0xff ? 1ull << 63 : 1ull << (12 + al % 40);
	else if (al >= 0x70)
		req->align = 1ull << (al % 12); /* below a page: means a page */
	uint8_t b = rd_u8(r);
	if (b >= 0xa0) {
		req->below = (uint64_t)rd_u16(r) << (12 + b % 24);
		if (b & 1)
			req->below += rd_u16(r); /* unaligned */
	}
	uint8_t x = rd_u8(r);
	if (x >= 0xc0 && a->nreg) {
		req->has_exact = true;
		if (x >= 0xf8) {
			req->exact = rd_u64(r);
		} else {
			const struct mm_region *reg = &a->reg[rd_u8(r) % a->nreg];
			req->exact = reg->base + ((uint64_t)rd_u8(r) << MM_PAGE_SHIFT);
			if (x & 1)
				req->exact -= (uint64_t)rd_u8(r) << MM_PAGE_SHIFT;
		}
	}
	static const enum mm_kind kinds[3] = { MM_LOADER, MM_KERNEL, MM_MODULE };
	req->kind = kinds[rd_u8(r) % 3];
}

static void op_run(struct env *e, struct rd *r)
{
	struct mm_alloc *a = &e->a;
	struct mm_req req;
	pick_req(r, a, &req);
	uint64_t align = req.align > MM_PAGE_SIZE ? req.align : MM_PAGE_SIZE;
	size_t mark = a->nclaims;
	uint64_t refusals = e->fw.refusals;
	bool too_big = req.pages == 0 || req.pages > (UINT64_MAX >> MM_PAGE_SHIFT) / 2;
	uint64_t want = 0;
	bool fits = false;
	if (!too_big)
		fits = req.has_exact ? oracle_range_free(a->reg, a->nreg, req.exact, req.pages)
				     : oracle_top(a->reg, a->nreg, req.pages, align,
						  req.below, &want);
	struct rw_err err = { "" };
	uint64_t base = 0;
	int rc = mm_alloc_run(a, &req, &base, &err);
	check_alloc(e);
	if (rc == 0) {
		CHECK(!too_big, "mm_alloc_run of %" PRIu64 " pages succeeded", req.pages);
		uint64_t end = base + (req.pages << MM_PAGE_SHIFT);
		CHECK(end > base, "run 0x%" PRIx64 " + %" PRIu64 " pages wraps", base, req.pages);
		if (req.has_exact) {
			CHECK(base == req.exact, "exact run at 0x%" PRIx64 " placed at 0x%" PRIx64,
			      req.exact, base);
		} else {
			CHECK(!(base & (align - 1)), "run at 0x%" PRIx64 " is not aligned to 0x%" PRIx64,
			      base, align);
			CHECK(!req.below || end <= req.below,
			      "run 0x%" PRIx64 "..0x%" PRIx64 " ends above below=0x%" PRIx64,
			      base, end, req.below);
			if (e->fw.refusals == refusals)
				CHECK(fits && base == want,
				      "run of %" PRIu64 " pages align 0x%" PRIx64 " below 0x%" PRIx64 " placed at 0x%" PRIx64 ", highest fit is %s0x%" PRIx64,
				      req.pages, align, req.below,
				      base, fits ? "" : "none/", want);
		}
		CHECK(a->nclaims > mark, "run succeeded without a claim");
		check_new_claims_cover(e, mark, base, end, req.kind, "mm_alloc_run");
	} else {
		CHECK(a->nclaims == mark, "failed run left %zu claims", a->nclaims - mark);
		CHECK(err.msg[0], "failed run without a message");
		if (fits && e->fw.refusals == refusals)
			CHECK(strstr(err.msg, "out of claim slots") ||
			      strstr(err.msg, "out of region slots"),
			      "run of %" PRIu64 " pages (align 0x%" PRIx64 " below 0x%" PRIx64 " exact %d 0x%" PRIx64 ") failed though it fits%s0x%" PRIx64 ": %s",
			      req.pages, align, req.below, req.has_exact,
			      req.exact, req.has_exact ? " " : " at ", want,
			      err.msg);
	}
}

static void op_pieces(struct env *e, struct rd *r)
{
	struct mm_alloc *a = &e->a;
	struct mm_req req;
	pick_req(r, a, &req);
	uint8_t mp = rd_u8(r);
	size_t max_pieces = mp >= 0xf0 ? 256 : mp % 9;
	struct mm_claim *pieces = malloc((max_pieces ? max_pieces : 1) * sizeof *pieces);
	CHECK(pieces, "malloc");
	uint64_t align = req.align > MM_PAGE_SIZE ? req.align : MM_PAGE_SIZE;
	size_t mark = a->nclaims, n = 0;
	struct rw_err err = { "" };
	int rc = mm_alloc_pieces(a, &req, pieces, max_pieces, &n, &err);
	check_alloc(e);
	if (rc == 0 && req.pages == 0) {
		/* Unlike mm_alloc_run, a request of 0 pages "succeeds" with
		 * 0 pieces (reported; elf_load never asks for 0 pages). */
		CHECK(n == 0 && a->nclaims == mark, "0 pages: %zu pieces", n);
	} else if (rc == 0) {
		CHECK(n >= 1 && n <= max_pieces, "%zu pieces (max %zu)", n, max_pieces);
		uint64_t sum = 0;
		for (size_t i = 0; i < n; i++) {
			const struct mm_claim *p = &pieces[i];
			uint64_t end = ffw_end(p->base, p->pages);
			CHECK(p->pages > 0 && end > p->base, "piece %zu: 0x%" PRIx64 " + %" PRIu64 " pages",
			      i, p->base, p->pages);
			if (req.has_exact) {
				CHECK(n == 1 && p->base == req.exact,
				      "exact pieces: %zu pieces, first at 0x%" PRIx64, n, p->base);
			} else {
				CHECK(!(p->base & (align - 1)),
				      "piece %zu at 0x%" PRIx64 " not aligned to 0x%" PRIx64, i,
				      p->base, align);
				CHECK(!req.below || end <= req.below,
				      "piece %zu ends at 0x%" PRIx64 " above 0x%" PRIx64, i,
				      end, req.below);
				if (n > 1)
					CHECK(!(p->pages & ((align >> MM_PAGE_SHIFT) - 1)),
					      "piece %zu: %" PRIu64 " pages, not a multiple of the alignment",
					      i, p->pages);
			}
			for (size_t j = 0; j < i; j++)
				CHECK(ffw_end(pieces[j].base, pieces[j].pages) <= p->base ||
				      end <= pieces[j].base, "pieces %zu and %zu overlap", j, i);
			sum += p->pages;
		}
		CHECK(sum == req.pages, "pieces sum to %" PRIu64 " pages, asked %" PRIu64,
		      sum, req.pages);
		/* the new claims are exactly the pieces */
		uint64_t claimed = 0;
		for (size_t c = mark; c < a->nclaims; c++) {
			const struct mm_claim *cl = &a->claims[c];
			const struct ffw_claim *l = ffw_find(&e->fw, cl->base, cl->pages);
			CHECK(l && l->kind == (uint32_t)req.kind, "pieces: claim kind");
			bool in = false;
			for (size_t i = 0; i < n && !in; i++)
				in = cl->base >= pieces[i].base &&
				     ffw_end(cl->base, cl->pages) <=
					     ffw_end(pieces[i].base, pieces[i].pages);
			CHECK(in, "pieces: claim 0x%" PRIx64 " + %" PRIu64 " pages is in no piece",
			      cl->base, cl->pages);
			claimed += cl->pages;
		}
		CHECK(claimed == sum, "pieces: %" PRIu64 " pages claimed for %" PRIu64 " pages of pieces",
		      claimed, sum);
	} else {
		CHECK(a->nclaims == mark, "failed pieces left %zu claims", a->nclaims - mark);
		CHECK(err.msg[0], "failed pieces without a message");
	}
	free(pieces);
}

static void op_rollback(struct env *e, struct rd *r)
{
	size_t mark = rd_u8(r) % (e->a.nclaims + 1);
	mm_alloc_rollback(&e->a, mark);
	CHECK(e->a.nclaims == mark, "rollback to %zu left %zu claims", mark, e->a.nclaims);
	check_alloc(e);
}

static void op_fragment(struct env *e, struct rd *r)
{
	struct mm_alloc *a = &e->a;
	uint8_t sel = rd_u8(r);
	uint64_t piece;
	if (sel < 0x80)
		piece = sel % 17; /* 0 is an error */
	else if (sel < 0xf0)
		piece = (uint64_t)(1 + rd_u8(r)) << (sel % 24);
	else
		piece = rd_u64(r) & ((1ull << 52) - 1); /* what MM_PAGES() can give */
	size_t mark = a->nclaims, made = 0;
	uint64_t refusals = e->fw.refusals;
	if (getenv("FUZZ_DEBUG")) {
		fprintf(stderr, "fragment %" PRIu64 " pages, claim_cap %zu, regions:\n",
			piece, a->claim_cap);
		for (size_t i = 0; i < a->nreg; i++)
			fprintf(stderr, "  [0x%016" PRIx64 ", 0x%016" PRIx64 ") kind %u src %u\n",
				a->reg[i].base, a->reg[i].end,
				a->reg[i].kind, a->reg[i].src);
	}
	struct rw_err err = { "" };
	int rc = mm_fragment(a, piece, &made, &err);
	check_alloc(e);
	if (rc == 0) {
		CHECK(piece != 0, "fragment 0 succeeded");
		CHECK(made == a->nclaims - mark, "fragment reports %zu claims, made %zu",
		      made, a->nclaims - mark);
		uint64_t size = piece << MM_PAGE_SHIFT;
		for (size_t c = mark; c < a->nclaims; c++) {
			const struct mm_claim *cl = &a->claims[c];
			const struct ffw_claim *l = ffw_find(&e->fw, cl->base, cl->pages);
			CHECK(l && l->kind == MM_LOADER, "fragment claim not MM_LOADER");
			uint64_t slot = cl->base / size;
			CHECK(!(slot & 1) && (ffw_end(cl->base, cl->pages) - 1) / size == slot,
			      "fragment claim 0x%" PRIx64 " + %" PRIu64 " pages is not inside one even slot of %" PRIu64 " pages",
			      cl->base, cl->pages, piece);
		}
		/* A refused piece is skipped and marked reserved; after a
		 * refusal the rest of its slot may stay free. */
		if (e->fw.refusals == refusals)
			CHECK(a->largest <= piece, "after fragment %" PRIu64 " the largest free run is %" PRIu64 " pages",
		      piece, a->largest);
	} else {
		CHECK(a->nclaims == mark, "failed fragment left %zu claims", a->nclaims - mark);
	}
}

static void op_release_span(struct env *e, struct rd *r, struct mm_claim *tmp)
{
	struct mm_alloc *a = &e->a;
	size_t from = rd_u8(r) % (a->nclaims + 1);
	size_t to = from + rd_u8(r) % (a->nclaims - from + 1);
	/* only MM_LOADER claims may be released this way */
	for (size_t c = from; c < to; c++) {
		const struct ffw_claim *l = ffw_find(&e->fw, a->claims[c].base,
						     a->claims[c].pages);
		CHECK(l, "claim log entry not live");
		if (l->kind != MM_LOADER) {
			to = c;
			break;
		}
	}
	size_t n = a->nclaims;
	memcpy(tmp, a->claims, n * sizeof *tmp);
	mm_alloc_release_span(a, from, to);
	CHECK(a->nclaims == n - (to - from), "release_span [%zu, %zu) of %zu left %zu",
	      from, to, n, a->nclaims);
	CHECK(!memcmp(a->claims, tmp, from * sizeof *tmp) &&
	      !memcmp(a->claims + from, tmp + to, (n - to) * sizeof *tmp),
	      "release_span [%zu, %zu) reordered the remaining claims", from, to);
	check_alloc(e);
}

static void run_allocator(const struct mm_region *init, size_t ninit, struct rd *r,
			  uint8_t caps, uint8_t claim_sel, uint32_t fail_mask,
			  uint64_t seam)
{
	/* up to 253: the allocator is O(claims x regions) per claim */
	size_t claim_cap = 1 + (claim_sel & 0x3f) * ((claim_sel & 0x80) ? 4u : 1u);
	/* mm.h: reg_cap is at least MM_REG_CAP(nreg, claim_cap) */
	size_t reg_cap = MM_REG_CAP(ninit, claim_cap);
	if (!(caps & 0x10))
		reg_cap += 2 * REFUSAL_BUDGET + 8;
	struct mm_region *reg = malloc(reg_cap * sizeof *reg);
	struct mm_claim *claims = malloc(claim_cap * sizeof *claims);
	struct mm_claim *tmp = malloc(claim_cap * sizeof *tmp);
	struct ffw_claim *live = malloc(claim_cap * sizeof *live);
	bool *seen = malloc(claim_cap);
	CHECK(reg && claims && tmp && live && seen, "malloc");
	memcpy(reg, init, ninit * sizeof *reg);

	struct env e = { .init = init, .ninit = ninit, .seen = seen };
	ffw_init(&e.fw, init, ninit, live, claim_cap);
	e.fw.fail_mask = fail_mask;
	e.fw.seam = seam;
	e.fw.refusal_budget = REFUSAL_BUDGET;
	mm_alloc_init(&e.a, &e.fw.fw, reg, ninit, reg_cap, claims, claim_cap);
	e.init_free = mm_alloc_free_pages(&e.a);
	CHECK(e.init_free == usable_pages(init, ninit), "initial free pages");
	check_alloc(&e);

	bool debug = getenv("FUZZ_DEBUG") != NULL;
	int nfrag = 0;
	if (debug)
		fprintf(stderr, "allocator: %zu regions, reg_cap %zu, claim_cap %zu, fail_mask 0x%x, seam 0x%" PRIx64 "\n",
			ninit, reg_cap, claim_cap, fail_mask, seam);
	for (int op = 0; op < MAX_OPS && r->n; op++) {
		uint8_t code = r->p[0] % 8;
		if (debug)
			fprintf(stderr, "op %d: %s (nreg %zu, nclaims %zu, refusals %" PRIu64 ")\n", op,
				(const char *[]){ "run", "run", "pieces", "pieces", "rollback",
						  "fragment", "release_span", "fail_mask" }[code],
				e.a.nreg, e.a.nclaims, e.fw.refusals);
		switch (rd_u8(r) % 8) {
		case 0:
		case 1:
			op_run(&e, r);
			break;
		case 2:
		case 3:
			op_pieces(&e, r);
			break;
		case 4:
			op_rollback(&e, r);
			break;
		case 5: /* O(claims x regions): at most two per input */
			if (nfrag++ < 2)
				op_fragment(&e, r);
			break;
		case 6:
			op_release_span(&e, r, tmp);
			break;
		default: /* change the firmware's mind */
			e.fw.fail_mask = rd_u32(r);
			break;
		}
	}

	mm_alloc_rollback(&e.a, 0);
	check_alloc(&e);
	CHECK(e.fw.nlive == 0, "firmware still holds %zu claims after rollback(0)", e.fw.nlive);
	if (e.fw.refusals == 0) {
		CHECK(mm_alloc_free_pages(&e.a) == e.init_free,
		      "free pages %" PRIu64 " after rollback(0), initially %" PRIu64,
		      mm_alloc_free_pages(&e.a), e.init_free);
		CHECK(e.a.nreg == ninit && !memcmp(e.a.reg, init, ninit * sizeof *reg),
		      "regions differ from the initial map after rollback(0) (%zu vs %zu)",
		      e.a.nreg, ninit);
	}
	free(reg);
	free(claims);
	free(tmp);
	free(live);
	free(seen);
}

/* ---------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	uint8_t b0 = rd_u8(&r), b1 = rd_u8(&r), caps = rd_u8(&r);
	uint8_t claim_sel = rd_u8(&r);
	uint32_t fail_mask = rd_u32(&r);
	uint64_t seam = (uint64_t)rd_u32(&r) << MM_PAGE_SHIFT;
	uint8_t trail_sel = rd_u8(&r);

	static const size_t bad_sizes[8] = { 0, 1, 8, 24, 32, 36, 39, 39 };
	size_t desc_size = b0 >= 0xf8 ? bad_sizes[b0 & 7] : 40 + b0 % 89;
	size_t nd = b1 & MAX_DESC;
	bool raw = b1 & 0x40;
	size_t stride = desc_size ? desc_size : 1;
	size_t trail = (b1 & 0x80) ? trail_sel % stride : 0;
	size_t map_size = nd * stride + trail;
	uint8_t *map = malloc(map_size ? map_size : 1);
	CHECK(map, "malloc");
	memset(map, 0xa5, map_size);
	struct ref_desc ref[MAX_DESC * 4] = { { 0 } };

	for (size_t i = 0; i < nd; i++) {
		uint8_t *p = map + i * stride;
		struct mm_efi_desc d = { 0 };
		if (raw) {
			for (size_t k = 0; k < stride; k++)
				p[k] = rd_u8(&r);
			if (stride < sizeof d)
				continue;
			memcpy(&d, p, sizeof d);
		} else {
			uint8_t t = rd_u8(&r);
			uint64_t bp = rd_u16(&r) | (uint64_t)rd_u8(&r) << 16;
			uint64_t np = rd_u16(&r);
			uint8_t x = rd_u8(&r);
			static const unsigned bshift[8] = { 0, 0, 0, 0, 4, 8, 16, 28 };
			static const uint64_t boff[4] = { 0, 0, 0x800, 0xfff };
			static const unsigned pshift[8] = { 0, 0, 0, 0, 4, 8, 16, 40 };
			d.type = type_table[t & 15];
			d.pad = 0xdeadbeef;
			d.phys_start = ((bp << bshift[x & 7]) << MM_PAGE_SHIFT) + boff[(x >> 3) & 3];
			d.virt_start = 0x1234;
			d.pages = np << pshift[x >> 5];
			d.attribute = 0xf;
			if (stride >= sizeof d)
				memcpy(p, &d, sizeof d);
			else
				memcpy(p, &d, stride);
		}
		if (stride < sizeof d)
			continue;
		if (d.pages == 0)
			continue;
		uint64_t room = (UINT64_MAX - d.phys_start) >> MM_PAGE_SHIFT;
		uint64_t pages = d.pages > room ? room : d.pages;
		if (pages == 0)
			continue;
		ref[i] = (struct ref_desc){ true, d.phys_start,
					    d.phys_start + (pages << MM_PAGE_SHIFT),
					    mm_kind_of_efi(d.type) };
	}

	check_walkers(map, map_size, desc_size, ref,
		      (caps & 0x20) ? (uint64_t)(claim_sel | 1) << (12 + trail_sel % 29) : 0);

	size_t ndesc = desc_size ? map_size / desc_size : 0;
	size_t out_cap = 2 * ndesc;
	size_t scratch_size = mm_normalize_scratch(ndesc);
	bool small_out = (caps & 3) == 3 && out_cap > 0;
	bool small_scratch = ((caps >> 2) & 3) == 3 && scratch_size > 0;
	if (small_out)
		out_cap -= 1 + (size_t)rd_u8(&r) % out_cap;
	if (small_scratch)
		scratch_size -= 1 + (size_t)rd_u8(&r) % scratch_size;
	struct mm_region *out = malloc((out_cap ? out_cap : 1) * sizeof *out);
	void *scratch = malloc(scratch_size ? scratch_size : 1);
	CHECK(out && scratch, "malloc");
	size_t count = (size_t)-1;
	struct rw_err err;
	memset(&err, 0xff, sizeof err);
	int rc = mm_normalize(map, map_size, desc_size, out, out_cap, scratch,
			      scratch_size, &count, &err);
	bool expect_ok = desc_size >= sizeof(struct mm_efi_desc) && !small_out &&
			 !small_scratch;
	if (rc) {
		CHECK(memchr(err.msg, 0, sizeof err.msg), "error message not NUL-terminated");
		CHECK(!expect_ok, "mm_normalize failed (desc_size %zu, %zu descriptors): %s",
		      desc_size, ndesc, err.msg);
	} else {
		CHECK(expect_ok, "mm_normalize succeeded with desc_size %zu, out_cap %zu, scratch %zu",
		      desc_size, out_cap, scratch_size);
		CHECK(count <= out_cap, "count %zu > out_cap %zu", count, out_cap);
		check_normalized(ref, ndesc, out, count);
		check_boot_map(out, count, rd_u8(&r));
		check_clip(out, count);
		if (count > 0)
			run_allocator(out, count, &r, caps, claim_sel, fail_mask, seam);
	}
	free(map);
	free(out);
	free(scratch);
	return 0;
}
