/*
 * fuzz_elf.c - libFuzzer target: elf_parse (normal and verify_only),
 * elf_slide, elf_load, elf_relocate, elf_mappings (and, on the mappings,
 * mm_pt_count / mm_pt_map_all / mm_pt_walk).
 *
 * The input is an ELF file, read through struct elf_file's callback (which
 * aborts on a read outside the file).  Physical memory is a host buffer
 * behind a fixed firmware map with about 25 MiB free in six conventional
 * descriptors; pages are ASan-poisoned unless claimed, so any write outside
 * the claimed pages is reported.  After a successful parse the image is
 * loaded four times, each on a fresh allocator:
 *   A  plainly;
 *   B  with the read callback failing at one call (chosen from a hash of
 *      the input);
 *   C  with reads above a size limit refused and claims refused by mask
 *      and at a seam;
 *   D  after mm_fragment (the fallback to pieces), released afterwards.
 * An ET_DYN image is first placed in the kernel window (elf_place, with or
 * without KASLR), slid 2 MiB or left as linked (from the hash) and, once
 * loaded, relocated; a reference relocation on flat copies of the groups
 * must agree byte for byte.  A load that succeeds must place exactly the
 * planned pages, fill them with the file's bytes and zeros, and yield
 * mappings inside the segments' page spans that page tables reproduce;
 * verify mode's digest read back through those tables (elf_hash_mapped)
 * must equal one read through the mappings.  A load that fails must leave
 * nothing claimed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "elf64.h"
#include "fuzz_common.h"
#include "mm.h"
#include "sha256.h"

#define PAGE MM_PAGE_SIZE
#define SIZE_2M (2ull << 20)
#define READ_CHUNK_MIN (64ull << 10)
#define CLAIM_CAP 2048
#define MAPS_CAP 512 /* KERNEL_MAPPINGS_MAX in efi/boot.c */
#define PT_PHYS 0x40000000ull /* fake physical address of the table pool */

/* ---- the machine ---- */

struct fdesc {
	uint32_t type;
	uint64_t base, pages;
};

static const struct fdesc fake_map[] = {
	{ MM_EFI_CONVENTIONAL, 0x0000000, 0x9f },   /* page 0 never usable */
	{ MM_EFI_RESERVED, 0x009f000, 0x61 },
	{ MM_EFI_CONVENTIONAL, 0x0100000, 0x700 },  /* 7 MiB */
	{ MM_EFI_CONVENTIONAL, 0x0800000, 0x200 },  /* 2 MiB, adjacent: a seam */
	{ MM_EFI_BS_DATA, 0x0a00000, 0x200 },
	{ MM_EFI_CONVENTIONAL, 0x0c00000, 0x800 },  /* 8 MiB, 2 MiB-aligned */
	{ MM_EFI_ACPI_NVS, 0x1400000, 0x10 },
	{ MM_EFI_CONVENTIONAL, 0x1410000, 0x5f0 },  /* ~6 MiB, unaligned start */
	{ 11 /* MMIO */, 0x1a00000, 0x600 },
	{ MM_EFI_CONVENTIONAL, 0x2000000, 0x203 },  /* 2 MiB + 3 pages */
};
#define NDESC (sizeof fake_map / sizeof fake_map[0])
#define PHYS_SIZE 0x2203000ull

static uint8_t *phys_mem;             /* PHYS_SIZE bytes */
static struct mm_region init_reg[2 * NDESC];
static size_t ninit;
static uint64_t init_free;

static void tail_setup(void);

static void poison_all(void)
{
	ASAN_POISON_MEMORY_REGION(phys_mem, PHYS_SIZE);
}

/*
 * What a firmware hands out is not zeroed: every kernel claim is filled
 * with 0xcc, so that a byte the loader fails to write shows.  The fill is
 * made when the claimed memory is first reached (flush_fill, from every
 * way to it: p2v, pt_p2v, a read into it, and after elf_load returns),
 * not at the claim itself: a load that fails before writing anything
 * (a refused claim, the first read failing) gives its claims back
 * unfilled, and filling megabytes for nothing was much of the time of a
 * large image.  Whoever reaches claimed memory finds 0xcc in all of it,
 * as before.
 */
static struct {
	uint64_t base, pages;
} unfilled[CLAIM_CAP];
static size_t nunfilled;

static void flush_fill(void)
{
	for (size_t i = 0; i < nunfilled; i++)
		memset(phys_mem + unfilled[i].base, 0xcc, unfilled[i].pages << 12);
	nunfilled = 0;
}

/* Only kernel claims become writable: fragment (MM_LOADER) claims stay
 * poisoned, as elf_load must never touch them. */
static void on_claim(uint64_t base, uint64_t pages, enum mm_kind kind)
{
	CHECK(base + (pages << 12) <= PHYS_SIZE, "claim outside fake memory");
	if (kind != MM_KERNEL)
		return;
	ASAN_UNPOISON_MEMORY_REGION(phys_mem + base, pages << 12);
	CHECK(nunfilled < CLAIM_CAP, "unfilled claims");
	unfilled[nunfilled].base = base;
	unfilled[nunfilled].pages = pages;
	nunfilled++;
}

/* Only kernel claims were made writable.  Poisoning a fragment claim's
 * pages again (already poisoned) was a 1/8-size shadow memset over most
 * of fake memory at every PASS_FRAGMENT release. */
static void on_release(uint64_t base, uint64_t pages, enum mm_kind kind)
{
	if (kind != MM_KERNEL)
		return;
	for (size_t i = nunfilled; i-- > 0;)
		if (unfilled[i].base == base) {
			unfilled[i] = unfilled[--nunfilled];
			break;
		}
	ASAN_POISON_MEMORY_REGION(phys_mem + base, pages << 12);
}

static void *p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	CHECK(phys < PHYS_SIZE, "phys_to_ptr(0x%" PRIx64 ") outside fake memory", phys);
	flush_fill();
	return phys_mem + phys;
}

static void setup(void)
{
	uint8_t map[NDESC * 48];
	memset(map, 0, sizeof map);
	for (size_t i = 0; i < NDESC; i++) {
		struct mm_efi_desc d = { fake_map[i].type, 0, fake_map[i].base, 0,
					 fake_map[i].pages, 0xf };
		memcpy(map + i * 48, &d, sizeof d);
	}
	static uint8_t scratch[4096];
	struct rw_err err;
	CHECK(mm_normalize_scratch(NDESC) <= sizeof scratch, "scratch");
	CHECK(!mm_normalize(map, sizeof map, 48, init_reg, 2 * NDESC, scratch,
			    sizeof scratch, &ninit, &err), "normalize: %s", err.msg);
	init_free = usable_pages(init_reg, ninit);
	phys_mem = malloc(PHYS_SIZE);
	CHECK(phys_mem, "malloc");
	poison_all();
	tail_setup();
}

/* ---- the file ---- */

/*
 * The file is the input followed by a generated tail of
 * (e_ident[9] & 0x7f) * 64 KiB bytes (EI_PAD: ignored by the loader), so
 * that reads above READ_CHUNK_MIN, which the loader splits on refusal,
 * are reachable with small inputs.
 */
static const uint8_t *g_data;
static uint64_t g_size, g_total;

static uint8_t tail_byte(uint64_t off)
{
	return (uint8_t)((off * 0x9e3779b97f4a7c15ull) >> 56);
}

/*
 * tail_byte(k) for every k below TAIL_TAB (filled once), so that the
 * tail is copied and compared with memcpy/memcmp instead of byte by byte:
 * enough for any input up to -max_len=65536 and its largest tail.  A
 * longer file (one given on the command line) falls back to tail_byte.
 */
#define TAIL_TAB ((64ull << 10) + (0x7full << 16))
static uint8_t *tail_tab;

static void tail_setup(void)
{
	tail_tab = malloc(TAIL_TAB);
	CHECK(tail_tab, "malloc");
	for (uint64_t k = 0; k < TAIL_TAB; k++)
		tail_tab[k] = tail_byte(k);
}

static uint8_t vbyte(uint64_t off)
{
	return off < g_size ? g_data[off] : off < g_total ? tail_byte(off) : 0;
}

/* The file's bytes [off, off + len), which the caller keeps inside g_total. */
static void vcopy(uint8_t *dst, uint64_t off, uint64_t len)
{
	uint64_t n = off < g_size ? (len < g_size - off ? len : g_size - off) : 0;
	memcpy(dst, g_data + off, n);
	if (off + len <= TAIL_TAB) {
		memcpy(dst + n, tail_tab + off + n, len - n);
		return;
	}
	for (uint64_t i = n; i < len; i++)
		dst[i] = tail_byte(off + i);
}

/* Index of the first byte of p[0..len) that differs from the file at off. */
static uint64_t vdiff(const uint8_t *p, uint64_t off, uint64_t len)
{
	uint64_t i = 0;
	if (off < g_size) {
		uint64_t n = len < g_size - off ? len : g_size - off;
		if (!memcmp(p, g_data + off, n))
			i = n;
		else
			while (p[i] == g_data[off + i])
				i++;
		if (i < n)
			return i;
	}
	if (off + len <= TAIL_TAB && !memcmp(p + i, tail_tab + off + i, len - i))
		return len;
	for (; i < len; i++)
		if (p[i] != tail_byte(off + i))
			return i;
	return len;
}


struct file_ctx {
	const uint8_t *data;
	uint64_t size;
	uint64_t calls;
	uint64_t fail_at;     /* fail read call number fail_at (1-based); 0: never */
	uint64_t fail_above;  /* refuse reads longer than this; 0: never */
	uint64_t failed_len;  /* the length of the read failed by fail_at */
};

static uint64_t file_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	struct file_ctx *c = ctx;
	uint64_t n = ++c->calls;

	CHECK(off <= c->size && len <= c->size - off,
	      "read of %" PRIu64 " bytes at offset %" PRIu64 " past the end of the file (%" PRIu64 " bytes)",
	      len, off, c->size);
	CHECK(len > 0, "read of 0 bytes at offset %" PRIu64, off);
	if (c->fail_at && n == c->fail_at) {
		c->failed_len = len;
		return 0x8000000000000007ull; /* EFI_DEVICE_ERROR */
	}
	if (c->fail_above && len > c->fail_above)
		return 0x8000000000000007ull;
	/* the destination: a claimed page range, or the caller's own memory */
	flush_fill();
	uint8_t *b = buf;
	if (b >= phys_mem && b < phys_mem + PHYS_SIZE)
		CHECK(len <= (uint64_t)(phys_mem + PHYS_SIZE - b), "read runs past fake memory");
	vcopy(buf, off, len);
	return 0;
}

static const char *file_status(uint64_t st)
{
	return st ? "EFI_DEVICE_ERROR" : "EFI_SUCCESS";
}

/* ---- an independent look at the program headers ---- */

static uint64_t get(const uint8_t *d, uint64_t size, uint64_t off, unsigned n)
{
	uint64_t v = 0;
	(void)d;
	(void)size;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)vbyte(off + i) << (8 * i);
	return v;
}

static bool is_canonical(uint64_t v)
{
	return (v >> 47) == 0 || (v >> 47) == 0x1ffff;
}

/* Every accepted image: the segments are exactly the file's PT_LOADs with
 * p_memsz > 0, valid, sorted, disjoint; the entry is executable. */
static void check_image(const uint8_t *d, uint64_t size, const struct elf_image *img,
			bool verify)
{
	uint64_t max_align = 0;
	uint64_t phoff = get(d, size, 32, 8), entsz = get(d, size, 54, 2);
	uint64_t nph = get(d, size, 56, 2);
	if (nph == 0xffff)
		nph = get(d, size, get(d, size, 40, 8) + 44, 4);
	size_t nload = 0;

	CHECK(img->nseg >= 1 && img->nseg <= ELF_MAX_SEGMENTS, "nseg %zu", img->nseg);
	CHECK(img->type == get(d, size, 16, 2) && img->entry == get(d, size, 24, 8),
	      "type/entry differ from the header");
	for (uint64_t i = 0; i < nph; i++) {
		uint64_t o = phoff + i * entsz;
		uint32_t type = (uint32_t)get(d, size, o, 4);
		uint64_t memsz = get(d, size, o + 40, 8);
		CHECK(type != 3 || verify, "PT_INTERP accepted");
		if (type != 1 || memsz == 0)
			continue;
		const struct elf_segment *s = NULL;
		for (size_t k = 0; k < img->nseg; k++)
			if (img->seg[k].phdr_index == i)
				s = &img->seg[k];
		CHECK(s, "PT_LOAD phdr %" PRIu64 " is missing from the image", i);
		if (get(d, size, o + 48, 8) > max_align)
			max_align = get(d, size, o + 48, 8);
		uint32_t pf = (uint32_t)get(d, size, o + 4, 4);
		CHECK(s->offset == get(d, size, o + 8, 8) &&
		      s->vaddr == get(d, size, o + 16, 8) &&
		      s->filesz == get(d, size, o + 32, 8) && s->memsz == memsz &&
		      s->align == get(d, size, o + 48, 8) &&
		      s->flags == (((pf & 2) ? MM_MAP_WRITE : 0u) | ((pf & 1) ? MM_MAP_EXEC : 0u)),
		      "segment of phdr %" PRIu64 " differs from the file", i);
		nload++;
	}
	CHECK(nload == img->nseg, "%zu PT_LOADs in the file, %zu segments", nload, img->nseg);
	bool entry_ok = false;
	for (size_t k = 0; k < img->nseg; k++) {
		const struct elf_segment *s = &img->seg[k];
		CHECK(s->filesz <= s->memsz && s->offset <= size && s->filesz <= size - s->offset,
		      "segment %zu: bad file range", k);
		CHECK(((s->offset ^ s->vaddr) & (PAGE - 1)) == 0, "segment %zu: offset/vaddr", k);
		CHECK(!(s->align & (s->align - 1)), "segment %zu: align 0x%" PRIx64, k, s->align);
		uint64_t last = s->vaddr + s->memsz - 1;
		CHECK(last >= s->vaddr && last <= UINT64_MAX - PAGE && is_canonical(s->vaddr) &&
		      is_canonical(last) && (s->vaddr >> 47) == (last >> 47),
		      "segment %zu 0x%" PRIx64 " + 0x%" PRIx64 ": bad virtual range", k, s->vaddr,
		      s->memsz);
		if (k)
			CHECK(img->seg[k - 1].vaddr + img->seg[k - 1].memsz <= s->vaddr,
			      "segments %zu and %zu overlap or are unsorted", k - 1, k);
		if ((s->flags & MM_MAP_EXEC) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	CHECK(entry_ok || verify, "entry 0x%" PRIx64 " not in an executable segment", img->entry);
	CHECK(img->dyn.align == max_align, "dyn.align 0x%" PRIx64 ", largest p_align 0x%" PRIx64,
	      img->dyn.align, max_align);
	CHECK(img->slide == 0, "slide %" PRIu64 " before elf_slide", img->slide);
	if (img->dyn.present)
		CHECK(img->type == 3 && !(img->dyn.relasz % 24) && !(img->dyn.relrsz % 8),
		      "dynamic info: type %u relasz %" PRIu64 " relrsz %" PRIu64, img->type,
		      img->dyn.relasz, img->dyn.relrsz);
	CHECK(img->vlow == (img->seg[0].vaddr & ~(PAGE - 1)), "vlow");
	const struct elf_segment *l = &img->seg[img->nseg - 1];
	CHECK(img->vhigh == ((l->vaddr + l->memsz + PAGE - 1) & ~(PAGE - 1)), "vhigh");
}

/* ---- checks on a load ---- */

static uint64_t pdown(uint64_t v) { return v & ~(PAGE - 1); }
static uint64_t pup(uint64_t v) { return (v + PAGE - 1) & ~(PAGE - 1); }

/* The union of the segments' page spans: sorted, merged intervals. */
struct span {
	uint64_t lo, hi;
};

static size_t page_spans(const struct elf_image *img, struct span *out)
{
	size_t n = 0;
	for (size_t i = 0; i < img->nseg; i++) {
		uint64_t lo = pdown(img->seg[i].vaddr);
		uint64_t hi = pup(img->seg[i].vaddr + img->seg[i].memsz);
		if (n && lo <= out[n - 1].hi) { /* touching spans merge here */
			if (hi > out[n - 1].hi)
				out[n - 1].hi = hi;
			continue;
		}
		out[n++] = (struct span){ lo, hi };
	}
	return n;
}

static uint64_t planned_pages(const struct elf_image *img)
{
	struct span s[ELF_MAX_SEGMENTS];
	size_t n = page_spans(img, s);
	uint64_t p = 0;
	for (size_t i = 0; i < n; i++)
		p += (s[i].hi - s[i].lo) >> 12;
	return p;
}

static const uint8_t zero_page[4096];

static void check_zero(const uint8_t *p, uint64_t len, uint64_t v)
{
	while (len) {
		uint64_t n = len < sizeof zero_page ? len : sizeof zero_page;
		if (memcmp(p, zero_page, n)) {
			uint64_t k = 0;
			while (!p[k])
				k++;
			CHECK(0, "virt 0x%" PRIx64 " should be zero, holds 0x%02x", v + k, p[k]);
		}
		p += n;
		v += n;
		len -= n;
	}
}

/* The bytes of group g's virtual range [v0, v1), physically at ptr. */
static void check_bytes(const struct elf_image *img, const struct elf_group *g,
			const uint8_t *file, uint64_t v0, uint64_t v1, const uint8_t *ptr)
{
	uint64_t at = v0;
	for (size_t i = g->first_seg; i < g->first_seg + g->nseg && at < v1; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t flo = s->vaddr, fhi = s->vaddr + s->filesz;
		if (fhi <= at || flo >= v1 || s->filesz == 0)
			continue;
		if (flo > at) {
			check_zero(ptr + (at - v0), flo - at, at);
			at = flo;
		}
		uint64_t hi = fhi < v1 ? fhi : v1;
		uint64_t foff = s->offset + (at - s->vaddr);
		uint64_t k = vdiff(ptr + (at - v0), foff, hi - at);
		(void)file;
		CHECK(k == hi - at,
		      "virt 0x%" PRIx64 " (phdr %u, file offset 0x%" PRIx64 ") holds 0x%02x, file 0x%02x",
		      at + k, s->phdr_index, foff + k, ptr[at - v0 + k],
		      vbyte(foff + k));
		at = hi;
	}
	if (at < v1)
		check_zero(ptr + (at - v0), v1 - at, at);
}

/* The image's pieces in virtual order: [v, end) -> phys. */
struct vpiece {
	uint64_t v, end, phys;
};

static size_t flat_pieces(const struct elf_load *ld, struct vpiece *out)
{
	size_t n = 0;
	for (size_t gi = 0; gi < ld->ngroups; gi++) {
		const struct elf_group *g = &ld->group[gi];
		uint64_t pv = g->vbase;
		for (size_t p = 0; p < g->npieces; p++) {
			const struct mm_claim *pc = &ld->piece[g->first_piece + p];
			out[n++] = (struct vpiece){ pv, pv + (pc->pages << 12), pc->base };
			pv += pc->pages << 12;
		}
	}
	return n;
}

static uint32_t flags_at(const struct elf_image *img, uint64_t v)
{
	uint32_t f = 0;
	for (size_t i = 0; i < img->nseg; i++)
		if (pdown(img->seg[i].vaddr) <= v && v < pup(img->seg[i].vaddr + img->seg[i].memsz))
			f |= img->seg[i].flags;
	return f;
}

/* The table pool (at PT_PHYS, ctx = { pool, pages }) or fake memory. */
static void *pt_p2v(void *ctx, uint64_t phys)
{
	uint8_t *pool = ((uint8_t **)ctx)[0];
	uint64_t pages = (uint64_t)(uintptr_t)((uint8_t **)ctx)[1];
	if (phys < PHYS_SIZE) {
		flush_fill();
		return phys_mem + phys;
	}
	CHECK(phys >= PT_PHYS && phys - PT_PHYS < pages << 12,
	      "page tables: phys 0x%" PRIx64 " outside the pool", phys);
	return pool + (phys - PT_PHYS);
}

/*
 * Verify mode's digest.  This target links with
 * -Wl,--wrap=sha256_init,--wrap=sha256_update,--wrap=sha256_final
 * (tests/fuzz/fuzz.mk), so elf_hash_mapped's calls land below: instead of
 * hashing, every byte it feeds is compared with the expected stream, each
 * segment's p_memsz bytes in program-header order read through the
 * mappings themselves (not the tables), and its final call must come
 * exactly at the end of that stream.  That is the old oracle (its digest
 * equal to one over the mappings) without two SHA-256 passes per input,
 * which had limited it to images of 1 MiB and were most of the target's
 * time; the SHA-256 code itself is checked by tests/unit against the
 * standard's vectors.
 */
static struct {
	const struct elf_image *img;
	const struct mm_mapping *m;
	size_t n;
	bool active, finished;
	const struct elf_segment *seg; /* the segment being fed */
	uint64_t v, left;              /* its next address, bytes to come */
	uint64_t fed;                  /* bytes fed so far */
} dg;

/* The segment with the next program header index after prev (NULL: first). */
static const struct elf_segment *next_seg(const struct elf_image *img,
					  const struct elf_segment *prev)
{
	const struct elf_segment *sg = NULL;
	for (size_t i = 0; i < img->nseg; i++)
		if ((!prev || img->seg[i].phdr_index > prev->phdr_index) &&
		    (!sg || img->seg[i].phdr_index < sg->phdr_index))
			sg = &img->seg[i];
	return sg;
}

void __wrap_sha256_init(struct sha256 *s);
void __wrap_sha256_update(struct sha256 *s, const void *data, size_t n);
void __wrap_sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);

void __wrap_sha256_init(struct sha256 *s)
{
	(void)s;
	CHECK(dg.active && !dg.fed && !dg.finished, "sha256_init outside check_digest");
}

void __wrap_sha256_update(struct sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;
	(void)s;
	CHECK(dg.active && !dg.finished, "sha256_update outside check_digest");
	while (n) {
		while (dg.seg && !dg.left) {
			dg.seg = next_seg(dg.img, dg.seg);
			if (dg.seg) {
				dg.v = dg.seg->vaddr;
				dg.left = dg.seg->memsz;
			}
		}
		CHECK(dg.seg, "digest: %zu bytes fed past the end of the image (%" PRIu64 " fed)",
		      n, dg.fed);
		size_t k = 0;
		while (k < dg.n && !(dg.m[k].virt <= dg.v && dg.v - dg.m[k].virt < dg.m[k].size))
			k++;
		CHECK(k < dg.n, "digest: 0x%" PRIx64 " is in no mapping", dg.v);
		uint64_t take = dg.m[k].virt + dg.m[k].size - dg.v;
		take = take < dg.left ? take : dg.left;
		take = take < n ? take : n;
		const uint8_t *want = phys_mem + dg.m[k].phys + (dg.v - dg.m[k].virt);
		/* The very bytes the mapping names are equal to themselves:
		 * compare only when elf_hash_mapped fed from elsewhere (this
		 * was a whole-image memcmp per input). */
		if (p != want && memcmp(p, want, take)) {
			uint64_t i = 0;
			while (p[i] == want[i])
				i++;
			CHECK(0, "digest: byte %" PRIu64 " (virt 0x%" PRIx64 ", phdr %u) fed as 0x%02x, the mapping holds 0x%02x",
			      dg.fed + i, dg.v + i, dg.seg->phdr_index, p[i], want[i]);
		}
		p += take;
		n -= take;
		dg.v += take;
		dg.left -= take;
		dg.fed += take;
	}
}

void __wrap_sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE])
{
	(void)s;
	CHECK(dg.active && !dg.finished, "sha256_final outside check_digest");
	while (dg.seg && !dg.left) {
		dg.seg = next_seg(dg.img, dg.seg);
		if (dg.seg)
			dg.left = dg.seg->memsz;
	}
	CHECK(!dg.seg, "digest: finished after %" PRIu64 " bytes, %" PRIu64 " of phdr %u still to come",
	      dg.fed, dg.left, dg.seg->phdr_index);
	dg.finished = true;
	memset(out, 0x5a, SHA256_DIGEST_SIZE);
}

static void check_digest(const struct elf_image *img, const struct mm_pt *pt,
			 const struct mm_mapping *m, size_t n)
{
	uint8_t got[SHA256_DIGEST_SIZE];
	struct rw_err err = { "" };

	memset(&dg, 0, sizeof dg);
	dg.img = img;
	dg.m = m;
	dg.n = n;
	dg.active = true;
	dg.seg = next_seg(img, NULL);
	dg.v = dg.seg->vaddr;
	dg.left = dg.seg->memsz;
	memset(got, 0, sizeof got);
	int rc = elf_hash_mapped(img, pt, "fuzz.elf", got, &err);
	dg.active = false;
	CHECK(rc == 0, "elf_hash_mapped: %s", err.msg);
	CHECK(dg.finished && got[0] == 0x5a && got[31] == 0x5a,
	      "elf_hash_mapped returned without finishing its digest");
}

/*
 * The table pool for `count` pages: one buffer for every input (a fresh
 * malloc of up to 64 MiB per input cost more than the tables), filled
 * with junk as a fresh allocation would be and ASan-poisoned again once
 * the tables are checked, so no stale table can pass unnoticed.
 */
#define PT_POOL_MAX 16384
static uint8_t *pt_pool(uint64_t count)
{
	static uint8_t *pool;
	if (!pool) {
		pool = malloc(PT_POOL_MAX << 12);
		CHECK(pool, "malloc");
		ASAN_POISON_MEMORY_REGION(pool, PT_POOL_MAX << 12);
	}
	CHECK(count < PT_POOL_MAX, "mm_pt_count %" PRIu64, count);
	ASAN_UNPOISON_MEMORY_REGION(pool, count << 12);
	memset(pool, 0xbe, count << 12);
	return pool;
}

static void check_tables(const struct elf_image *img, const struct mm_mapping *m,
			 size_t n, uint32_t h, bool digest)
{
	bool huge_1g = h & 1, nx = h & 2;
	uint64_t count = mm_pt_count(m, n, huge_1g);
	CHECK(count >= 2 && count < 16384, "mm_pt_count %" PRIu64 " for %zu mappings", count, n);
	uint8_t *pool = pt_pool(count);
	void *ctx[2] = { pool, (void *)(uintptr_t)count };
	struct mm_pt pt = { .pool = PT_PHYS, .pool_pages = count, .nx = nx,
			    .huge_1g = huge_1g, .phys_to_ptr = pt_p2v, .ctx = ctx };
	struct rw_err err = { "" };
	CHECK(!mm_pt_map_all(&pt, m, n, &err), "mm_pt_map_all: %s", err.msg);
	CHECK(pt.used == count, "mm_pt_count said %" PRIu64 " tables, %" PRIu64 " used",
	      count, pt.used);
	uint64_t budget = 4096;
	for (size_t i = 0; i < n; i++) {
		uint64_t pages = m[i].size >> 12;
		uint64_t step = pages > budget ? pages / 7 + 1 : 1;
		for (uint64_t k = 0; k < pages; k += step) {
			uint64_t v = m[i].virt + (k << 12), phys;
			uint32_t fl;
			uint64_t psz;
			CHECK(mm_pt_walk(&pt, v + 0x123, &phys, &fl, &psz),
			      "walk: 0x%" PRIx64 " unmapped", v);
			uint32_t want = m[i].flags & (MM_MAP_WRITE | MM_MAP_EXEC);
			if (!nx)
				want |= MM_MAP_EXEC;
			CHECK(phys == m[i].phys + (k << 12) + 0x123 && fl == want,
			      "walk 0x%" PRIx64 ": phys 0x%" PRIx64 " flags %u, want 0x%" PRIx64 " flags %u",
			      v, phys, fl, m[i].phys + (k << 12) + 0x123, want);
		}
		if (pages > budget)
			budget = 0;
		else
			budget -= pages;
		/* the pages either side, unless another mapping covers them */
		uint64_t before = m[i].virt - PAGE, after = m[i].virt + m[i].size;
		uint64_t phys, psz;
		uint32_t fl;
		if (m[i].virt >= PAGE && (i == 0 || m[i - 1].virt + m[i - 1].size <= before) &&
		    is_canonical(before))
			CHECK(!mm_pt_walk(&pt, before, &phys, &fl, &psz), "walk: 0x%" PRIx64 " mapped", before);
		if (after && (i + 1 == n || m[i + 1].virt > after) && is_canonical(after))
			CHECK(!mm_pt_walk(&pt, after, &phys, &fl, &psz), "walk: 0x%" PRIx64 " mapped", after);
	}
	if (digest)
		check_digest(img, &pt, m, n);
	ASAN_POISON_MEMORY_REGION(pool, count << 12);
}

/* The mappings of a successful load, the page tables built from them and
 * (with `digest`) verify mode's digest read back through the tables. */
static void check_mappings(const struct elf_image *img, const struct elf_load *ld,
			   uint32_t h, bool digest)
{
	struct mm_mapping *m = malloc(MAPS_CAP * sizeof *m);
	CHECK(m, "malloc");
	size_t n = elf_mappings(img, ld, m, MAPS_CAP);
	if (n == 0) { /* more than MAPS_CAP mappings: legal, nothing to check */
		free(m);
		return;
	}
	struct span sp[ELF_MAX_SEGMENTS];
	size_t nsp = page_spans(img, sp);
	static struct vpiece vp[ELF_MAX_PIECES];
	size_t nvp = flat_pieces(ld, vp);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mm_mapping *x = &m[i];
		CHECK(x->size && !((x->virt | x->phys | x->size) & (PAGE - 1)),
		      "mapping %zu: 0x%" PRIx64 " -> 0x%" PRIx64 " size 0x%" PRIx64, i, x->virt,
		      x->phys, x->size);
		uint64_t end = x->virt + x->size;
		CHECK(end > x->virt, "mapping %zu wraps", i);
		if (i) {
			const struct mm_mapping *p = &m[i - 1];
			CHECK(p->virt + p->size <= x->virt, "mappings %zu and %zu overlap or are unsorted",
			      i - 1, i);
			CHECK(!(p->flags == x->flags && p->virt + p->size == x->virt &&
				p->phys + p->size == x->phys),
			      "mappings %zu and %zu should have merged", i - 1, i);
		}
		bool inside = false;
		for (size_t k = 0; k < nsp && !inside; k++)
			inside = sp[k].lo <= x->virt && end <= sp[k].hi;
		CHECK(inside, "mapping %zu 0x%" PRIx64 "..0x%" PRIx64 " is not inside the segments' page spans",
		      i, x->virt, end);
		/* the pieces say the same thing about every byte */
		size_t k = 0;
		while (k < nvp && vp[k].end <= x->virt)
			k++;
		for (uint64_t at = x->virt; at < end; k++) {
			CHECK(k < nvp && vp[k].v <= at && at < vp[k].end,
			      "mapping %zu: virt 0x%" PRIx64 " lies in no piece", i, at);
			CHECK(vp[k].phys + (at - vp[k].v) == x->phys + (at - x->virt),
			      "mapping %zu: virt 0x%" PRIx64 " -> 0x%" PRIx64 ", pieces say 0x%" PRIx64, i,
			      at, x->phys + (at - x->virt),
			      vp[k].phys + (at - vp[k].v));
			at = vp[k].end < end ? vp[k].end : end;
		}
		for (uint64_t v = x->virt; v < end; v += PAGE)
			CHECK(flags_at(img, v) == x->flags, "mapping %zu: page 0x%" PRIx64 " flags %u, want %u",
			      i, v, x->flags, flags_at(img, v));
		total += x->size >> 12;
	}
	CHECK(total == planned_pages(img), "mappings cover %" PRIu64 " pages, %" PRIu64 " planned",
	      total, planned_pages(img));
	/* too small a buffer: 0, and nothing written past it */
	struct mm_mapping *small = malloc((n - 1 ? n - 1 : 1) * sizeof *small);
	CHECK(small, "malloc");
	CHECK(elf_mappings(img, ld, small, n - 1) == 0, "elf_mappings fit %zu mappings in %zu",
	      n, n - 1);
	free(small);
	check_tables(img, m, n, h, digest);
	free(m);
}

/* A successful load: groups, pieces, claims and bytes. */
static void check_load(const struct elf_image *img, const struct elf_load *ld,
		       const struct ffw *fw, uint64_t kernel_before,
		       const uint8_t *file)
{
	uint64_t planned = planned_pages(img), sum = 0;
	size_t seg = 0, piece = 0;

	CHECK(ld->ngroups >= 1 && ld->ngroups <= img->nseg, "%zu groups", ld->ngroups);
	CHECK(ld->npieces <= ELF_MAX_PIECES, "%zu pieces", ld->npieces);
	for (size_t gi = 0; gi < ld->ngroups; gi++) {
		const struct elf_group *g = &ld->group[gi];
		CHECK(g->first_seg == seg && g->nseg >= 1, "group %zu segments", gi);
		CHECK(g->first_piece == piece && g->npieces >= 1, "group %zu pieces", gi);
		CHECK(!(g->vbase & (PAGE - 1)) && g->pages, "group %zu span", gi);
		uint64_t lo = pdown(img->seg[seg].vaddr), hi = 0;
		for (size_t i = seg; i < seg + g->nseg; i++) {
			uint64_t e = pup(img->seg[i].vaddr + img->seg[i].memsz);
			if (i > seg)
				CHECK(pdown(img->seg[i].vaddr) < hi,
				      "group %zu: segment %zu does not share a page with the ones before", gi, i);
			hi = e > hi ? e : hi;
		}
		CHECK(g->vbase == lo && g->pages == (hi - lo) >> 12,
		      "group %zu: 0x%" PRIx64 " + %" PRIu64 " pages, segments span 0x%" PRIx64 "..0x%" PRIx64,
		      gi, g->vbase, g->pages, lo, hi);
		if (gi)
			CHECK(ld->group[gi - 1].vbase + (ld->group[gi - 1].pages << 12) <= g->vbase,
			      "groups %zu and %zu overlap", gi - 1, gi);
		uint64_t gp = 0, v = g->vbase;
		for (size_t p = g->first_piece; p < g->first_piece + g->npieces; p++) {
			const struct mm_claim *pc = &ld->piece[p];
			CHECK(pc->pages && !(pc->base & (PAGE - 1)) &&
			      pc->base + (pc->pages << 12) <= PHYS_SIZE,
			      "piece %zu: 0x%" PRIx64 " + %" PRIu64 " pages", p, pc->base, pc->pages);
			/* the piece is claimed, as kernel memory */
			uint64_t at = pc->base, end = pc->base + (pc->pages << 12);
			while (at < end) {
				size_t k = ffw_lower(fw, at + 1);
				CHECK(k > 0, "piece %zu: 0x%" PRIx64 " is not claimed", p, at);
				const struct ffw_claim *c = &fw->live[k - 1];
				uint64_t ce = c->base + (c->pages << 12);
				CHECK(c->base <= at && at < ce && c->kind == MM_KERNEL,
				      "piece %zu: 0x%" PRIx64 " is not claimed as kernel memory", p, at);
				at = ce;
			}
			check_bytes(img, g, file, v, v + (pc->pages << 12), phys_mem + pc->base);
			v += pc->pages << 12;
			gp += pc->pages;
		}
		CHECK(gp == g->pages, "group %zu: pieces hold %" PRIu64 " of %" PRIu64 " pages", gi,
		      gp, g->pages);
		sum += g->pages;
		seg += g->nseg;
		piece += g->npieces;
	}
	CHECK(seg == img->nseg && piece == ld->npieces, "groups cover %zu of %zu segments",
	      seg, img->nseg);
	CHECK(sum == planned, "groups hold %" PRIu64 " pages, %" PRIu64 " planned", sum, planned);
	uint64_t kernel = 0;
	for (size_t i = 0; i < fw->nlive; i++)
		if (fw->live[i].kind == MM_KERNEL)
			kernel += fw->live[i].pages;
	/* One run for the whole image (its holes claimed too, physical
	 * offsets equal to virtual ones), or the groups' pages exactly. */
	uint64_t want = planned;
	CHECK(ld->nruns == 1 || ld->nruns == ld->npieces, "%zu runs, %zu pieces",
	      ld->nruns, ld->npieces);
	if (ld->nruns == 1) {
		want = (img->vhigh - img->vlow) >> 12;
		for (size_t gi = 0; gi < ld->ngroups; gi++)
			CHECK(ld->piece[gi].base - ld->piece[0].base ==
			      ld->group[gi].vbase - ld->group[0].vbase,
			      "one run, but group %zu is not at its virtual offset", gi);
	}
	CHECK(!img->one_run || ld->nruns == 1, "one run asked, %zu made", ld->nruns);
	CHECK(kernel - kernel_before == want, "%" PRIu64 " kernel pages claimed, %" PRIu64 " expected",
	      kernel - kernel_before, want);
	/* pieces are physically disjoint */
	for (size_t i = 0; i < ld->npieces; i++)
		for (size_t j = 0; j < i; j++) {
			const struct mm_claim *a = &ld->piece[i], *b = &ld->piece[j];
			CHECK(a->base + (a->pages << 12) <= b->base ||
			      b->base + (b->pages << 12) <= a->base,
			      "pieces %zu and %zu overlap", j, i);
		}
}

/* ---- a reference elf_relocate on flat copies of the groups ---- */

struct refimg {
	const struct elf_load *ld;
	uint8_t *buf[ELF_MAX_SEGMENTS];
};

static bool ref_rw(struct refimg *R, uint64_t v, void *p, size_t len, bool write)
{
	uint8_t *b = p;
	for (size_t i = 0; i < len; i++) {
		uint64_t a = v + i;
		size_t g = 0;
		while (g < R->ld->ngroups && (a < R->ld->group[g].vbase ||
					      a - R->ld->group[g].vbase >= R->ld->group[g].pages << 12))
			g++;
		if (g == R->ld->ngroups)
			return false;
		uint8_t *q = R->buf[g] + (a - R->ld->group[g].vbase);
		if (write)
			*q = b[i];
		else
			b[i] = *q;
	}
	return true;
}

static bool ref_reloc_at(struct refimg *R, uint64_t at, uint64_t value, bool add)
{
	uint64_t cur = 0;
	if (add && !ref_rw(R, at, &cur, 8, false))
		return false;
	cur = add ? cur + value : value;
	return ref_rw(R, at, &cur, 8, true);
}

/* Returns the relocation count, or -1 where elf_relocate must fail. */
static int64_t ref_relocate(struct refimg *R, const struct elf_image *img)
{
	const struct elf_dynamic *dyn = &img->dyn;
	uint64_t slide = img->slide;
	int64_t n = 0;

	for (uint64_t off = 0; off < dyn->relasz; off += 24) {
		uint64_t r[3];
		if (!ref_rw(R, dyn->rela + slide + off, r, 24, false))
			return -1;
		uint32_t type = (uint32_t)r[1];
		if (type == 0)
			continue;
		if (type != 8 || !ref_reloc_at(R, r[0] + slide, slide + r[2], false))
			return -1;
		n++;
	}
	uint64_t where = 0;
	for (uint64_t off = 0; off < dyn->relrsz; off += 8) {
		uint64_t e;
		if (!ref_rw(R, dyn->relr + slide + off, &e, 8, false))
			return -1;
		if (!(e & 1)) {
			where = e + slide;
			if (!ref_reloc_at(R, where, slide, true))
				return -1;
			n++;
			where += 8;
			continue;
		}
		for (unsigned bit = 1; bit < 64; bit++)
			if ((e >> bit) & 1) {
				if (!ref_reloc_at(R, where + (bit - 1) * 8, slide, true))
					return -1;
				n++;
			}
		where += 63 * 8;
	}
	return n;
}

/* Copy group g of the loaded image out of (or back into) fake memory. */
static void group_copy(const struct elf_load *ld, size_t g, uint8_t *buf, bool out)
{
	const struct elf_group *gr = &ld->group[g];
	uint64_t off = 0;
	for (size_t p = gr->first_piece; p < gr->first_piece + gr->npieces; p++) {
		uint64_t len = ld->piece[p].pages << 12;
		if (out)
			memcpy(buf + off, phys_mem + ld->piece[p].base, len);
		else
			CHECK(!memcmp(buf + off, phys_mem + ld->piece[p].base, len),
			      "relocated group %zu differs from the reference at piece %zu", g, p);
		off += len;
	}
}

static void check_relocate(const struct elf_file *f, const struct elf_image *img,
			   const struct elf_load *ld)
{
	struct refimg R = { .ld = ld };
	for (size_t g = 0; g < ld->ngroups; g++) {
		R.buf[g] = malloc(ld->group[g].pages << 12);
		CHECK(R.buf[g], "malloc");
		group_copy(ld, g, R.buf[g], true);
	}
	int64_t want = ref_relocate(&R, img);
	uint64_t n = 0;
	struct rw_err err;
	memset(&err, 0xff, sizeof err);
	int rc = elf_relocate(f, img, ld, p2v, NULL, &n, &err);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "relocate: slide 0x%" PRIx64 ", rc %d, %" PRIu64 " relocations (reference %" PRId64 ")%s%s\n",
			img->slide, rc, n, want, rc ? ": " : "", rc ? err.msg : "");
	if (rc == 0)
		CHECK(want >= 0 && (uint64_t)want == n,
		      "elf_relocate applied %" PRIu64 " relocations, the reference %" PRId64,
		      n, want);
	else
		CHECK(want < 0 && memchr(err.msg, 0, sizeof err.msg) && err.msg[0],
		      "elf_relocate failed (%s), the reference applied %" PRId64, err.msg,
		      want);
	for (size_t g = 0; g < ld->ngroups; g++) {
		group_copy(ld, g, R.buf[g], false);
		free(R.buf[g]);
	}
}

/* ---- one load on a fresh machine ---- */

enum pass { PASS_PLAIN, PASS_READ_FAIL, PASS_REFUSE, PASS_FRAGMENT };

static struct mm_region reg[2 * NDESC + 2 * CLAIM_CAP + 256];
static struct mm_claim claims[CLAIM_CAP];
static struct ffw_claim live[CLAIM_CAP];

/*
 * mm_fragment(a, pages) on a fresh allocator, a and fw as they were
 * after it.  Nothing in it depends on the input (no refusals: the fake
 * firmware's mask and seam are clear), so it runs once per piece size,
 * under the fake firmware's checks; later inputs get a copy of the
 * allocator and the firmware as it left them (~800 claims for 4-page
 * pieces: this was 40% of the target's time).  Returns the claims made.
 */
struct frag_snap {
	uint64_t pages;
	size_t made;
	struct mm_alloc a;
	struct ffw fw;
	struct mm_region *reg;
	struct mm_claim *claims;
	struct ffw_claim *live;
};

static size_t fragment(struct mm_alloc *a, struct ffw *fw, uint64_t pages)
{
	static struct frag_snap snap[16];
	static size_t nsnap;
	struct frag_snap *s = NULL;

	CHECK(a->nclaims == 0 && fw->nlive == 0 && !fw->fail_mask && !fw->seam,
	      "fragment: not a fresh machine");
	for (size_t i = 0; i < nsnap && !s; i++)
		if (snap[i].pages == pages)
			s = &snap[i];
	if (!s) {
		CHECK(nsnap < sizeof snap / sizeof snap[0], "fragment: too many piece sizes");
		s = &snap[nsnap++];
		struct rw_err err;
		CHECK(!mm_fragment(a, pages, &s->made, &err), "mm_fragment: %s", err.msg);
		s->pages = pages;
		s->a = *a;
		s->fw = *fw;
		s->reg = malloc(a->nreg * sizeof *a->reg);
		s->claims = malloc((a->nclaims ? a->nclaims : 1) * sizeof *a->claims);
		s->live = malloc((fw->nlive ? fw->nlive : 1) * sizeof *fw->live);
		CHECK(s->reg && s->claims && s->live, "malloc");
		memcpy(s->reg, a->reg, a->nreg * sizeof *a->reg);
		memcpy(s->claims, a->claims, a->nclaims * sizeof *a->claims);
		memcpy(s->live, fw->live, fw->nlive * sizeof *fw->live);
		return s->made;
	}
	const struct mm_fw *f = a->fw;
	*a = s->a;
	a->fw = f;
	memcpy(a->reg, s->reg, a->nreg * sizeof *a->reg);
	memcpy(a->claims, s->claims, a->nclaims * sizeof *a->claims);
	fw->nlive = s->fw.nlive;
	fw->calls = s->fw.calls;
	fw->releases = s->fw.releases;
	fw->refusals = s->fw.refusals;
	memcpy(fw->live, s->live, fw->nlive * sizeof *fw->live);
	return s->made;
}

/* Returns the number of read calls of a successful plain load, else 0. */
static uint64_t load_once(const uint8_t *data, size_t size, const struct elf_image *img,
			  enum pass pass, uint64_t h, uint64_t reads_a)
{
	struct file_ctx fc = { .data = data, .size = g_total };
	struct elf_file f = { .path = "fuzz.elf", .size = g_total, .ctx = &fc,
			      .read = file_read, .status_name = file_status };
	struct ffw fw;
	struct mm_alloc a;

	ffw_init(&fw, init_reg, ninit, live, CLAIM_CAP);
	fw.on_claim = on_claim;
	fw.on_release = on_release;
	fw.refusal_budget = 64;
	memcpy(reg, init_reg, ninit * sizeof reg[0]);
	mm_alloc_init(&a, &fw.fw, reg, ninit, sizeof reg / sizeof reg[0], claims, CLAIM_CAP);

	size_t frag_from = 0, frag_n = 0;
	switch (pass) {
	case PASS_PLAIN:
		break;
	case PASS_READ_FAIL:
		fc.fail_at = 1 + (h >> 8) % reads_a;
		break;
	case PASS_REFUSE:
		fc.fail_above = (h & 0x100) ? READ_CHUNK_MIN << ((h >> 9) & 3)
					    : 4096ull << ((h >> 9) & 7);
		fw.fail_mask = (uint32_t)(h >> 12) & 0x11111111u;
		fw.seam = (h & 0x200) ? 0x0400000 : 0x1000000;
		break;
	case PASS_FRAGMENT: {
		/* the allocator is O(claims x regions) per claim: 4-page
		 * pieces (~800 claims) only once in 16 */
		static const uint64_t piece[8] = { 16, 33, 64, 200, 511, 512, 1024, 2048 };
		uint64_t pp = ((h >> 40) & 15) ? piece[(h >> 16) & 7] : 4;
		frag_from = a.nclaims;
		frag_n = fragment(&a, &fw, pp);
		/* once in two: the whole image in one run or nothing */
		if ((h >> 44) & 1) {
			static struct elf_image whole;
			whole = *img;
			whole.one_run = true;
			img = &whole;
		}
		break;
	}
	}

	size_t mark = a.nclaims;
	uint64_t kernel_before = 0; /* fragment claims are MM_LOADER */
	static struct elf_load ld;
	struct rw_err err;
	memset(&err, 0xff, sizeof err);
	int rc = elf_load(&f, img, &a, p2v, NULL, &ld, &err);
	flush_fill(); /* a load that wrote nothing is checked against 0xcc */
	bool one_run = img->one_run;
	uint64_t reads = fc.calls;
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "pass %d: %s, %zu groups, %zu pieces, %" PRIu64 " reads, %" PRIu64 " refusals%s%s\n",
			(int)pass, rc ? "failed" : "loaded", ld.ngroups, ld.npieces,
			reads, fw.refusals, rc ? ": " : "", rc ? err.msg : "");

	if (rc == 0) {
		check_load(img, &ld, &fw, kernel_before, data);
		bool relocated = img->slide || img->dyn.present;
		if (relocated)
			check_relocate(&f, img, &ld);
		if (pass == PASS_READ_FAIL)
			CHECK(fc.failed_len > READ_CHUNK_MIN || fc.calls < fc.fail_at,
			      "load succeeded though read %" PRIu64 " of %" PRIu64 " bytes failed",
			      fc.fail_at, fc.failed_len);
		if (frag_n)
			mm_alloc_release_span(&a, frag_from, frag_from + frag_n);
		check_mappings(img, &ld, (uint32_t)(h >> 20), pass == PASS_PLAIN);
		if (frag_n && !relocated)
			check_load(img, &ld, &fw, kernel_before, data);
	} else {
		CHECK(memchr(err.msg, 0, sizeof err.msg) && err.msg[0], "error message");
		if (one_run)
			CHECK(strstr(err.msg, "one piece"), "one run refused without saying so: %s",
			      err.msg);
		CHECK(a.nclaims == mark, "failed load left %zu claims", a.nclaims - mark);
		for (size_t i = 0; i < fw.nlive; i++)
			CHECK(fw.live[i].kind == MM_LOADER, "failed load left kernel memory claimed");
		/* plainly, only memory can run out, and not for a small image */
		if (pass == PASS_PLAIN)
			CHECK(strstr(err.msg, "no memory") && planned_pages(img) > 1024,
			      "plain load of %" PRIu64 " pages failed: %s",
			      planned_pages(img), err.msg);
		if (pass == PASS_READ_FAIL)
			CHECK(fc.calls >= fc.fail_at && fc.failed_len <= READ_CHUNK_MIN &&
			      strstr(err.msg, "failed") != NULL,
			      "load failed (read %" PRIu64 " of %" PRIu64 " bytes failed, %" PRIu64 " calls): %s",
			      fc.fail_at, fc.failed_len, fc.calls, err.msg);
	}

	mm_alloc_rollback(&a, 0);
	CHECK(fw.nlive == 0, "firmware holds %zu claims after rollback(0)", fw.nlive);
	check_regions_sane("after load", a.reg, a.nreg);
	if (fw.refusals == 0)
		CHECK(mm_alloc_free_pages(&a) == init_free && a.nreg == ninit &&
		      !memcmp(a.reg, init_reg, ninit * sizeof reg[0]),
		      "memory not back to the initial map (%" PRIu64 " of %" PRIu64 " pages free)",
		      mm_alloc_free_pages(&a), init_free);
	return rc == 0 ? reads : 0;
}

/* Every address of img is before's moved by img->slide. */
static void check_moved(const struct elf_image *img, const struct elf_image *before)
{
	uint64_t slide = img->slide - before->slide;
	CHECK(img->entry == before->entry + slide && img->vlow == before->vlow + slide &&
	      img->vhigh == before->vhigh + slide && img->nseg == before->nseg,
	      "slide 0x%" PRIx64 ": entry, span or segment count", slide);
	for (size_t i = 0; i < img->nseg; i++)
		CHECK(img->seg[i].vaddr == before->seg[i].vaddr + slide &&
		      img->seg[i].memsz == before->seg[i].memsz,
		      "slide 0x%" PRIx64 ": segment %zu", slide, i);
}

static void check_slide(struct elf_image *img, uint64_t slide)
{
	/* elf_slide's caller keeps the image whole: the slid span must not
	 * wrap and must stay in one canonical half */
	uint64_t lo = img->vlow + slide, last = img->vhigh - 1 + slide;
	if (lo > last || last > UINT64_MAX - PAGE || !is_canonical(lo) ||
	    !is_canonical(last) || (lo >> 47) != (last >> 47))
		return;
	struct elf_image before = *img;
	elf_slide(img, slide);
	CHECK(img->slide == slide, "elf_slide: slide 0x%" PRIx64, img->slide);
	check_moved(img, &before);
}

/*
 * elf_place, with KASLR or without (from the hash): a refusal names the
 * file and the window, leaves the image alone and is right to refuse;
 * else the aligned base and the whole span lie in the window, and
 * everything moved by one slide, a multiple of the alignment.
 */
static void check_place(struct elf_image *img, uint64_t h)
{
	const uint64_t wend = ELF_WINDOW_BASE + ELF_WINDOW_SIZE;
	struct elf_image before = *img;
	uint64_t a = img->dyn.align > PAGE ? img->dyn.align : PAGE;
	uint64_t link = img->vlow & ~(a - 1), need = img->vhigh - link;
	bool kaslr = h & 0x4000000, fits = a <= ELF_WINDOW_SIZE && need <= ELF_WINDOW_SIZE;
	uint64_t align = 0;
	struct rw_err err;

	memset(&err, 0xff, sizeof err);
	if (elf_place(img, "fuzz.elf", kaslr, h * 0x9e3779b97f4a7c15ull, &align, &err)) {
		CHECK(memchr(err.msg, 0, sizeof err.msg) && strstr(err.msg, "fuzz.elf") &&
		      strstr(err.msg, "kernel window"), "elf_place: message");
		CHECK(!fits, "elf_place refused a 0x%" PRIx64 "-aligned span of 0x%" PRIx64 ": %s",
		      a, need, err.msg);
		CHECK(!memcmp(img, &before, sizeof before) && align == 0,
		      "elf_place changed what it refused");
		return;
	}
	uint64_t base = img->vlow & ~(align - 1);
	CHECK(fits && align == a && img->slide % align == 0,
	      "elf_place: align 0x%" PRIx64 " (want 0x%" PRIx64 "), slide 0x%" PRIx64,
	      align, a, img->slide);
	CHECK(base >= ELF_WINDOW_BASE && img->vhigh <= wend && img->vhigh > base,
	      "elf_place: 0x%" PRIx64 "..0x%" PRIx64 " is not in the window", base, img->vhigh);
	if (!kaslr && link >= ELF_WINDOW_BASE && need <= wend - link)
		CHECK(img->slide == 0, "kaslr off: linked in the window, slid 0x%" PRIx64, img->slide);
	check_moved(img, &before);
}

static bool same_image(const struct elf_image *a, const struct elf_image *b)
{
	if (a->type != b->type || a->entry != b->entry || a->vlow != b->vlow ||
	    a->vhigh != b->vhigh || a->slide != b->slide || a->nseg != b->nseg ||
	    a->dyn.present != b->dyn.present || a->dyn.rela != b->dyn.rela ||
	    a->dyn.relasz != b->dyn.relasz || a->dyn.relr != b->dyn.relr ||
	    a->dyn.relrsz != b->dyn.relrsz || a->dyn.align != b->dyn.align)
		return false;
	for (size_t i = 0; i < a->nseg; i++) {
		const struct elf_segment *x = &a->seg[i], *y = &b->seg[i];
		if (x->vaddr != y->vaddr || x->memsz != y->memsz || x->offset != y->offset ||
		    x->filesz != y->filesz || x->align != y->align || x->flags != y->flags ||
		    x->phdr_index != y->phdr_index)
			return false;
	}
	return true;
}

/*
 * A hash of the whole input, from which every pass draws its parameters
 * (where a read fails, what is refused, the fragment size, KASLR...).
 * Eight bytes a step: byte-at-a-time FNV-1a over a 64 KiB input, twice
 * (it and a byte sum for the parse's failing read), was a sixth of the
 * time of a small image.  The splitmix64 finisher spreads every input bit
 * over every output bit.
 */
static uint64_t input_hash(const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, d + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!phys_mem)
		setup();

	g_data = data;
	g_size = size;
	uint64_t h = input_hash(data, size); /* the passes' parameters */
	g_total = size + (size > 9 ? (uint64_t)(data[9] & 0x7f) << 16 : 0);

	struct file_ctx fc = { .data = data, .size = g_total };
	struct elf_file f = { .path = "fuzz.elf", .size = g_total, .ctx = &fc,
			      .read = file_read, .status_name = file_status };
	static struct elf_image img, vimg;
	struct rw_err err, verr;
	memset(&err, 0xff, sizeof err);
	memset(&verr, 0xff, sizeof verr);
	int rc = elf_parse(&f, &img, &err);
	f.verify_only = true;
	int vrc = elf_parse(&f, &vimg, &verr);
	if (rc)
		CHECK(memchr(err.msg, 0, sizeof err.msg) && err.msg[0], "error message");
	if (vrc)
		CHECK(memchr(verr.msg, 0, sizeof verr.msg) && verr.msg[0], "error message");
	/* a read that fails during parsing: a clean error */
	if (fc.calls > 0) {
		struct file_ctx fc2 = { .data = data, .size = g_total };
		struct elf_file f2 = f;
		struct elf_image img2;
		struct rw_err err2;
		fc2.fail_at = 1 + (h >> 17) % (fc.calls / 2 + 1);
		f2.ctx = &fc2;
		memset(&err2, 0xff, sizeof err2);
		int rc2 = elf_parse(&f2, &img2, &err2);
		if (fc2.calls >= fc2.fail_at)
			CHECK(rc2 && strstr(err2.msg, "failed"),
			      "parse went on after read %" PRIu64 " failed: %s", fc2.fail_at,
			      rc2 ? err2.msg : "success");
	}
	if (rc == 0) {
		/* verify mode accepts a superset, with the same result */
		CHECK(vrc == 0 && same_image(&img, &vimg), "verify_only parse differs: %s",
		      vrc ? verr.msg : "different image");
	} else if (vrc == 0) {
		CHECK(strstr(err.msg, "PT_INTERP") || strstr(err.msg, "e_entry") ||
		      strstr(err.msg, "DT_REL") || strstr(err.msg, "DT_PLTRELSZ") ||
		      strstr(err.msg, "writable and executable"),
		      "verify_only accepted what a normal parse rejects with: %s", err.msg);
		img = vimg;
	} else {
		return 0;
	}
	check_image(data, g_total, &img, rc != 0);

	/* an ET_DYN image: placed in the kernel window by elf_place, slid
	 * 2 MiB by hand, or left at its link address */
	if (img.type == ELF_ET_DYN && (h & 0x1000000))
		check_place(&img, h);
	else if (img.type == ELF_ET_DYN && (h & 0x2000000))
		check_slide(&img, SIZE_2M);

	uint64_t reads = load_once(data, size, &img, PASS_PLAIN, h, 0);
	if (reads)
		load_once(data, size, &img, PASS_READ_FAIL, h, reads);
	load_once(data, size, &img, PASS_REFUSE, h, 0);
	load_once(data, size, &img, PASS_FRAGMENT, h, 0);
	return 0;
}
