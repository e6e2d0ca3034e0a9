/*
 * test_loadcaps.c - sizing a load's buffers (mm_load_caps) and walking a
 * firmware map buffer (mm_efi_desc_count, mm_efi_free_bytes), on the four
 * OVMF maps captured in tests/data/: buffers sized from each map carry a
 * whole load, `fragment` on and firmware refusing claims, through to the
 * rollback, without running out of claim or region slots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakefw.h"
#include "mm.h"
#include "runway/boot.h"

#define PAGE MM_PAGE_SIZE
#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

static const char *const ovmf_maps[] = {
	"tests/data/ovmf-q35-128M.map",
	"tests/data/ovmf-q35-512M.map",
	"tests/data/ovmf-q35-2G.map",
	"tests/data/ovmf-q35-8G.map",
};
#define NMAPS (sizeof ovmf_maps / sizeof ovmf_maps[0])

/* A firmware map as GetMemoryMap returns it. */
struct fwmap {
	uint8_t *buf;
	size_t size, desc_size, ndesc;
};

static struct fwmap cur_map;

static int teardown(void **state)
{
	(void)state;
	free(cur_map.buf);
	memset(&cur_map, 0, sizeof cur_map);
	return 0;
}

/*
 * Read a capture (tools/capture-map.sh: "desc_size=N ... count=N", then
 * one "type=T base=0xB pages=P attr=0xA" line per descriptor) into a
 * descriptor buffer with the captured stride.
 */
static struct fwmap read_capture(const char *path)
{
	FILE *fp = fopen(path, "r");
	struct fwmap m = { 0 };
	char line[256];
	size_t count = 0, n = 0;

	if (!fp)
		fail_msg("%s: cannot open (run from the repository root)", path);
	if (!fgets(line, sizeof line, fp) ||
	    sscanf(line, "desc_size=%zu desc_version=%*u count=%zu",
		   &m.desc_size, &count) != 2 || m.desc_size < sizeof(struct mm_efi_desc))
		fail_msg("%s: bad header line", path);
	m.buf = calloc(count, m.desc_size);
	assert_non_null(m.buf);
	while (fgets(line, sizeof line, fp)) {
		struct mm_efi_desc d = { 0 };
		if (sscanf(line, "type=%" SCNu32 " base=0x%" SCNx64 " pages=%" SCNu64 " attr=0x%" SCNx64,
			   &d.type, &d.phys_start, &d.pages, &d.attribute) != 4)
			fail_msg("%s: bad line '%s'", path, line);
		assert_true(n < count);
		memcpy(m.buf + n++ * m.desc_size, &d, sizeof d);
	}
	fclose(fp);
	assert_int_equal(n, count);
	m.ndesc = n;
	m.size = n * m.desc_size;
	return m;
}

static const struct mm_efi_desc *desc(const struct fwmap *m, size_t i)
{
	return (const void *)(m->buf + i * m->desc_size);
}

/* ==== walking a firmware map buffer ==== */

static void test_free_bytes_of_ovmf_maps_sum_conventional_descriptors(void **state)
{
	(void)state;
	for (size_t k = 0; k < NMAPS; k++) {
		cur_map = read_capture(ovmf_maps[k]);
		uint64_t want = 0;
		for (size_t i = 0; i < cur_map.ndesc; i++)
			if (desc(&cur_map, i)->type == MM_EFI_CONVENTIONAL)
				want += desc(&cur_map, i)->pages * PAGE;
		assert_int_equal(mm_efi_desc_count(cur_map.size, cur_map.desc_size),
				 cur_map.ndesc);
		assert_int_equal(mm_efi_free_bytes(cur_map.buf, cur_map.size,
						   cur_map.desc_size), want);
		teardown(NULL);
	}
}

static void test_descriptor_size_too_small_gives_an_empty_map(void **state)
{
	(void)state;
	cur_map = read_capture(ovmf_maps[0]);
	/* 0 would divide by zero or loop for ever; below the structure,
	 * descriptors would overlap. */
	static const size_t bad[] = { 0, 1, 8, 24, 39 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(mm_efi_desc_count(cur_map.size, bad[i]), 0);
		assert_int_equal(mm_efi_free_bytes(cur_map.buf, cur_map.size, bad[i]), 0);
	}
	assert_int_equal(mm_efi_desc_count(SIZE_MAX, 0), 0);
	assert_int_equal(mm_efi_free_bytes(NULL, 0, 48), 0);
}

static void test_free_bytes_ignore_a_trailing_partial_descriptor(void **state)
{
	(void)state;
	cur_map = read_capture(ovmf_maps[2]);
	uint64_t whole = mm_efi_free_bytes(cur_map.buf, cur_map.size, cur_map.desc_size);
	/* The last descriptor cut short: it is not counted. */
	size_t last = cur_map.ndesc - 1;
	uint64_t last_bytes = desc(&cur_map, last)->type == MM_EFI_CONVENTIONAL ?
			      desc(&cur_map, last)->pages * PAGE : 0;
	assert_int_equal(mm_efi_desc_count(cur_map.size - 1, cur_map.desc_size), last);
	assert_int_equal(mm_efi_free_bytes(cur_map.buf, cur_map.size - 1,
					   cur_map.desc_size), whole - last_bytes);
}

static void test_free_bytes_clip_at_the_top_and_saturate(void **state)
{
	(void)state;
	struct mm_efi_desc d[3] = {
		{ .type = MM_EFI_CONVENTIONAL, .phys_start = 0xfffffffffff00000ull,
		  .pages = 1ull << 40 }, /* runs past 2^64: 255 pages below it */
		{ .type = MM_EFI_RESERVED, .phys_start = 0, .pages = UINT64_MAX },
		{ .type = MM_EFI_CONVENTIONAL, .phys_start = 0x1000, .pages = 3 },
	};
	assert_int_equal(mm_efi_free_bytes(d, sizeof d, sizeof d[0]),
			 255 * PAGE + 3 * PAGE);
	d[1] = (struct mm_efi_desc){ .type = MM_EFI_CONVENTIONAL, .phys_start = 0,
				     .pages = 1ull << 52 };
	assert_int_equal(mm_efi_free_bytes(d, sizeof d, sizeof d[0]), UINT64_MAX);
}

/*
 * Issue 11, defect 3: GetMemoryMap reporting DescriptorSize 0 hung every
 * loop that stepped by it.  Every walk in efi/ goes through
 * mm_efi_desc_at (fw_map_desc), mm_efi_desc_count (fw_map_count),
 * mm_efi_free_bytes or mm_normalize: each ends at once on such a map, and
 * mm_normalize says why.
 */
static void test_walks_of_a_map_with_a_bad_descriptor_size_end(void **state)
{
	(void)state;
	cur_map = read_capture(ovmf_maps[1]);
	static const size_t bad[] = { 0, 1, 39 };
	for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
		size_t i = 0;
		while (mm_efi_desc_at(cur_map.buf, cur_map.size, bad[b], i) && i < 1000)
			i++;
		assert_int_equal(i, 0);
		struct mm_load_caps c;
		mm_load_caps(mm_efi_desc_count(cur_map.size, bad[b]),
			     mm_efi_free_bytes(cur_map.buf, cur_map.size, bad[b]), 0, &c);
		struct mm_region *r = calloc(c.reg_cap, sizeof *r);
		void *scratch = malloc(c.scratch_size);
		struct rw_err err = { "" };
		size_t n = 0;
		assert_true(r && scratch);
		assert_int_equal(mm_normalize(cur_map.buf, cur_map.size, bad[b], r, c.reg_cap,
					      scratch, c.scratch_size, &n, &err), -1);
		char want[48];
		snprintf(want, sizeof want, "descriptor size %zu is below 40", bad[b]);
		assert_non_null(strstr(err.msg, want));
		free(r);
		free(scratch);
	}
	/* The captured stride walks every descriptor, in place. */
	size_t i = 0;
	const struct mm_efi_desc *d;
	while ((d = mm_efi_desc_at(cur_map.buf, cur_map.size, cur_map.desc_size, i))) {
		assert_ptr_equal(d, desc(&cur_map, i));
		i++;
	}
	assert_int_equal(i, cur_map.ndesc);
}

/* ==== the capacities ==== */

static void test_caps_without_fragment(void **state)
{
	(void)state;
	struct mm_load_caps c;
	mm_load_caps(126, 2 * GIB, 0, &c);
	assert_int_equal(c.claim_cap, 256);
	assert_int_equal(c.map_descs, 126 + 2 * 256 + 64);
	assert_int_equal(c.final_reg_cap, 2 * c.map_descs);
	assert_int_equal(c.reg_cap, MM_REG_CAP(2 * c.map_descs, c.claim_cap));
	assert_int_equal(c.scratch_size, mm_normalize_scratch(c.map_descs));
}

static void test_caps_with_fragment_count_every_other_piece(void **state)
{
	(void)state;
	struct mm_load_caps c;
	mm_load_caps(126, 2 * GIB, 2 * MIB, &c);
	assert_int_equal(c.claim_cap, 256 + 2 * GIB / (2 * MIB) / 2 + 126);
	assert_int_equal(c.map_descs, 126 + 2 * c.claim_cap + 64);
	assert_int_equal(c.reg_cap, MM_REG_CAP(2 * c.map_descs, c.claim_cap));
	/* A piece below a page (config.c refuses it) counts as a page. */
	struct mm_load_caps tiny, page;
	mm_load_caps(126, 2 * GIB, 1, &tiny);
	mm_load_caps(126, 2 * GIB, PAGE, &page);
	assert_memory_equal(&tiny, &page, sizeof tiny);
}

static void test_caps_do_not_wrap_for_any_free_bytes(void **state)
{
	(void)state;
	static const uint64_t frags[] = { 0, 1, PAGE, 2 * MIB, 1ull << 40 };
	static const size_t ndescs[] = { 0, 1, 126, 1u << 20, (size_t)1 << 39 };
	for (size_t f = 0; f < sizeof frags / sizeof frags[0]; f++) {
		for (size_t n = 0; n < sizeof ndescs / sizeof ndescs[0]; n++) {
			struct mm_load_caps c;
			mm_load_caps(ndescs[n], UINT64_MAX, frags[f], &c);
			assert_true(c.claim_cap >= 256);
			assert_true(c.map_descs >= ndescs[n] + 2 * c.claim_cap);
			assert_true(c.final_reg_cap == 2 * c.map_descs);
			assert_true(c.reg_cap >= c.final_reg_cap + 2 * c.claim_cap);
			assert_true(c.scratch_size >= c.map_descs);
		}
	}
}

/* ==== the final map's buffers (issue 11, defect 5) ==== */

/*
 * A final map as firmware might hand it over after ExitBootServices:
 * `n` descriptors with ends off page boundaries (UEFI says they are not;
 * a firmware breaking that must not make Runway fail after the point of
 * no return), in one of two shapes:
 *   - separate: boot-services descriptors with gaps between them, each
 *     cut by mm_boot_map into a reserved partial page, usable pages and a
 *     reserved partial page: 3 entries a descriptor;
 *   - nested: one boot-services descriptor with n - 1 loader descriptors
 *     inside it, each splitting it: 2n - 1 regions, 4n - 1 entries, more
 *     than three a descriptor.
 */
static uint8_t *ragged_final_map(size_t n, bool nested, size_t *ret_size)
{
	uint8_t *buf = calloc(n, 48);
	assert_non_null(buf);
	for (size_t i = 0; i < n; i++) {
		struct mm_efi_desc d = { .type = MM_EFI_BS_DATA };
		if (!nested) {
			d.phys_start = 0x100000 + i * 0x10000 + 0x800;
			d.pages = 4;
		} else if (i == 0) {
			d.phys_start = 0x100800;
			d.pages = (n + 1) * 16;
		} else {
			d.type = MM_EFI_LOADER_DATA;
			d.phys_start = 0x100800 + i * 0x10000 + 0x400;
			d.pages = 2;
		}
		memcpy(buf + i * 48, &d, sizeof d);
	}
	*ret_size = n * 48;
	return buf;
}

/*
 * The bound the final buffers are sized by, shown on 2,000 descriptors:
 * mm_normalize yields at most 2n - 1 regions (the elementary intervals
 * between 2n boundaries: final_reg_cap = 2 * map_descs holds them), and
 * mm_boot_map at most three entries a region (the protocols reserve 3 *
 * final_reg_cap).  Neither two nor three entries a descriptor would do.
 */
static void test_2000_ragged_descriptors_fit_the_final_buffers(void **state)
{
	(void)state;
	const size_t n = 2000;
	for (int nested = 0; nested <= 1; nested++) {
		size_t size;
		uint8_t *map = ragged_final_map(n, nested, &size);
		struct mm_load_caps c;
		/* Buffers sized from a first snapshot of the same count. */
		mm_load_caps(n, 0, 0, &c);
		struct rw_err err = { "" };
		assert_int_equal(mm_final_map_check(&c, size, 48, &err), 0);
		struct mm_region *r = calloc(c.final_reg_cap, sizeof *r);
		void *scratch = malloc(c.scratch_size);
		size_t cap = 3 * c.final_reg_cap, nreg = 0;
		struct runway_mmap_entry *e = calloc(cap, sizeof *e);
		assert_true(r && scratch && e);
		if (mm_normalize(map, size, 48, r, c.final_reg_cap, scratch,
				 c.scratch_size, &nreg, &err))
			fail_msg("normalize: %s", err.msg);
		assert_int_equal(nreg, nested ? 2 * n - 1 : n);
		size_t m = mm_boot_map(r, nreg, e, cap);
		assert_int_equal(m, nested ? 4 * n - 1 : 3 * n);
		assert_true(m <= 3 * nreg);
		/* What the issue found: two entries a descriptor are too few;
		 * and three are too few for the nested shape. */
		assert_int_equal(mm_boot_map(r, nreg, e, 2 * n), 0);
		if (nested)
			assert_int_equal(mm_boot_map(r, nreg, e, 3 * n), 0);
		free(map);
		free(r);
		free(scratch);
		free(e);
	}
}

/* Checked before ExitBootServices, on the snapshot ExitBootServices will
 * get: a final map that would not normalize into the buffers is an error
 * while the menu can still come back. */
static void test_final_map_check_refuses_what_the_buffers_cannot_hold(void **state)
{
	(void)state;
	struct mm_load_caps c;
	struct rw_err err = { "" };
	mm_load_caps(126, 0, 0, &c);
	assert_int_equal(mm_final_map_check(&c, c.map_descs * 48, 48, &err), 0);
	assert_int_equal(mm_final_map_check(&c, c.map_descs * 48 + 47, 48, &err), 0);
	assert_int_equal(mm_final_map_check(&c, (c.map_descs + 1) * 48, 48, &err), -1);
	assert_non_null(strstr(err.msg, "sized for"));
	assert_int_equal(mm_final_map_check(&c, 48, 0, &err), -1);
	assert_non_null(strstr(err.msg, "descriptor size 0"));
	/* A count within the check always normalizes into the buffers. */
	size_t size;
	uint8_t *map = ragged_final_map(c.map_descs, true, &size);
	struct mm_region *r = calloc(c.final_reg_cap, sizeof *r);
	void *scratch = malloc(c.scratch_size);
	size_t nreg;
	assert_true(r && scratch);
	assert_int_equal(mm_normalize(map, size, 48, r, c.final_reg_cap, scratch,
				      c.scratch_size, &nreg, &err), 0);
	free(map);
	free(r);
	free(scratch);
}

/* ==== a whole load in buffers sized from each OVMF map ==== */

/* How the fake firmware refuses claims during a scenario. */
struct refusals {
	const char *name;
	uint64_t fail_nth;     /* one transient refusal: claim call N */
	uint64_t refuse_slots; /* refuse claims touching this many fragment
				* slots in the middle of the largest free
				* descriptor, and across a seam a quarter
				* into it (fewer refused pieces than
				* MM_REFUSAL_MARKS: fragment must go on) */
	bool refuse_all_late;  /* refuse every claim after fragment */
};

static const struct refusals refusal_cases[] = {
	{ "none", 0, 0, false },
	{ "transient", 3, 0, false },
	{ "range and seam", 0, 5, false },
	{ "everything after fragment", 0, 0, true },
};

struct load_sim {
	struct fake_fw f;
	struct mm_alloc a;
	struct mm_load_caps caps;
	struct mm_region *reg, *reg0; /* reg0: the regions before the load */
	struct mm_claim *claims;
	void *scratch;
	size_t nreg0, peak_claims;
	uint64_t free0;
};

static struct load_sim *S;

static void sim_free(void)
{
	if (!S)
		return;
	fake_destroy(&S->f);
	free(S->reg);
	free(S->reg0);
	free(S->claims);
	free(S->scratch);
	free(S);
	S = NULL;
}

static int sim_teardown(void **state)
{
	sim_free();
	return teardown(state);
}

/* The largest conventional descriptor: where the refusals go. */
static const struct mm_efi_desc *largest_free(const struct fwmap *m)
{
	const struct mm_efi_desc *best = NULL;
	for (size_t i = 0; i < m->ndesc; i++)
		if (desc(m, i)->type == MM_EFI_CONVENTIONAL &&
		    (!best || desc(m, i)->pages > best->pages))
			best = desc(m, i);
	return best;
}

/* Buffers sized by mm_load_caps, the map normalized into them, the fake
 * firmware told the conventional descriptors, the allocator set up. */
static void sim_setup(const struct fwmap *m, uint64_t fragment,
		      const struct refusals *rf)
{
	struct rw_err err = { "" };
	uint64_t top = 0;

	S = calloc(1, sizeof *S);
	assert_non_null(S);
	mm_load_caps(m->ndesc, mm_efi_free_bytes(m->buf, m->size, m->desc_size),
		     fragment, &S->caps);
	S->reg = calloc(S->caps.reg_cap, sizeof *S->reg);
	S->claims = calloc(S->caps.claim_cap, sizeof *S->claims);
	S->scratch = malloc(S->caps.scratch_size);
	assert_true(S->reg && S->claims && S->scratch);
	if (mm_normalize(m->buf, m->size, m->desc_size, S->reg, S->caps.reg_cap,
			 S->scratch, S->caps.scratch_size, &S->nreg0, &err))
		fail_msg("mm_normalize: %s", err.msg);
	for (size_t i = 0; i < m->ndesc; i++)
		if (desc(m, i)->type == MM_EFI_CONVENTIONAL &&
		    desc(m, i)->phys_start + desc(m, i)->pages * PAGE > top)
			top = desc(m, i)->phys_start + desc(m, i)->pages * PAGE;
	fake_init(&S->f, top / PAGE);
	for (size_t i = 0; i < m->ndesc; i++)
		if (desc(m, i)->type == MM_EFI_CONVENTIONAL)
			fake_add_conventional(&S->f, desc(m, i)->phys_start,
					      desc(m, i)->pages, (int32_t)i);
	const struct mm_efi_desc *big = largest_free(m);
	S->f.fail_nth = rf->fail_nth;
	if (rf->refuse_slots) {
		S->f.refuse_base = big->phys_start + big->pages / 2 * PAGE;
		S->f.refuse_end = S->f.refuse_base +
				  rf->refuse_slots * MM_PAGES(fragment) * PAGE;
		S->f.seam = big->phys_start + big->pages / 4 * PAGE + 3 * PAGE;
	}
	S->reg0 = malloc(S->nreg0 * sizeof *S->reg0);
	assert_non_null(S->reg0);
	memcpy(S->reg0, S->reg, S->nreg0 * sizeof *S->reg0);
	mm_alloc_init(&S->a, &S->f.fw, S->reg, S->nreg0, S->caps.reg_cap,
		      S->claims, S->caps.claim_cap);
	S->free0 = mm_alloc_free_pages(&S->a);
}

/* A step that must not fail for want of slots; other failures (out of
 * memory, firmware giving up) are allowed when `may_fail`. */
static void step(int rc, const struct rw_err *err, bool may_fail,
		 const char *what)
{
	if (S->a.nclaims > S->peak_claims)
		S->peak_claims = S->a.nclaims;
	assert_true(S->a.nreg <= S->caps.reg_cap);
	if (rc == 0)
		return;
	if (strstr(err->msg, "slots") || !may_fail)
		fail_msg("%s: %s (claim_cap %zu, reg_cap %zu, nreg %zu)", what,
			 err->msg, S->caps.claim_cap, S->caps.reg_cap, S->a.nreg);
}

/*
 * boot_entry's claims in its order: the hand-off block below 4 GiB (its
 * size grows with the kernel's memory map), `fragment`, the kernel's three
 * segment groups in pieces, the page tables, four modules; then the
 * fragment claims are given back.  With `late`, firmware refuses every
 * claim after fragment: those may fail, but never for want of slots.
 */
static void sim_load(uint64_t fragment, bool late)
{
	struct rw_err err = { "" };
	uint64_t base;
	uint64_t info = 8 * KIB + S->caps.final_reg_cap * sizeof(struct runway_mmap_entry);
	struct mm_req block = { .pages = 1 + 16 + MM_PAGES(info), .below = 4 * GIB,
				.kind = MM_LOADER };

	step(mm_alloc_run(&S->a, &block, &base, &err), &err, false, "hand-off block");
	size_t frag_from = S->a.nclaims, frag_claims = 0;
	step(mm_fragment(&S->a, MM_PAGES(fragment), &frag_claims, &err), &err,
	     false, "fragment");
	if (late)
		S->f.fail_from = S->f.claim_calls + 1;
	static const uint64_t groups[] = { 2 * MIB, 3 * MIB, 512 * KIB };
	for (size_t g = 0; g < 3; g++) {
		struct mm_claim pieces[256];
		struct mm_req req = { .pages = groups[g] / PAGE, .kind = MM_KERNEL };
		size_t n;
		step(mm_alloc_pieces(&S->a, &req, pieces, 256, &n, &err), &err,
		     late, "kernel");
	}
	/* One run each, so no longer than the free runs fragment leaves
	 * (a boot with fragment below its page-table pool fails there). */
	uint64_t piece = MM_PAGES(fragment);
	struct mm_req pt = { .pages = piece < 24 ? piece : 24, .kind = MM_LOADER };
	step(mm_alloc_run(&S->a, &pt, &base, &err), &err, late, "page tables");
	for (int m = 0; m < 4; m++) {
		struct mm_req mod = { .pages = piece / 2 + 1, .kind = MM_MODULE };
		step(mm_alloc_run(&S->a, &mod, &base, &err), &err, late, "module");
	}
	/* The final map: up to two descriptors more per live claim. */
	assert_true(S->f.nlive <= S->caps.claim_cap);
	mm_alloc_release_span(&S->a, frag_from, frag_from + frag_claims);
	assert_true(S->peak_claims <= S->caps.claim_cap);
	assert_true(S->caps.map_descs >= cur_map.ndesc + 2 * S->peak_claims);
}

/* The initial region holding x (S->reg0 is sorted), or NULL. */
static const struct mm_region *initial_at(uint64_t x)
{
	for (size_t i = 0; i < S->nreg0; i++)
		if (S->reg0[i].base <= x && x < S->reg0[i].end)
			return &S->reg0[i];
	return NULL;
}

/*
 * After rollback(0): nothing claimed by firmware, and every region as the
 * map said but for usable memory firmware refused (marked reserved), so
 * that no claim's region split was lost for want of a slot.
 */
static void assert_all_given_back(void)
{
	uint64_t marked = 0;

	mm_alloc_rollback(&S->a, 0);
	assert_fake_clean(&S->f);
	assert_int_equal(S->f.nlive, 0);
	assert_int_equal(fake_claimed_pages(&S->f), 0);
	assert_regions_sane(S->a.reg, S->a.nreg);
	for (size_t i = 0; i < S->a.nreg; i++) {
		const struct mm_region *r = &S->a.reg[i];
		const struct mm_region *o = initial_at(r->base);
		bool mark = o && o->kind == MM_USABLE && r->kind == MM_RESERVED;
		if (!o || r->end > o->end || (r->kind != o->kind && !mark))
			fail_msg("[0x%" PRIx64 ", 0x%" PRIx64 ") is %s after rollback, the map said %s",
				 r->base, r->end, mm_kind_name(r->kind),
				 o ? mm_kind_name(o->kind) : "nothing");
		if (mark)
			marked += (r->end - r->base) / PAGE;
	}
	assert_int_equal(mm_alloc_free_pages(&S->a) + marked, S->free0);
	if (S->f.refusals == 0)
		assert_memory_equal(S->a.reg, S->reg0, S->nreg0 * sizeof *S->reg0);
}

static void test_ovmf_maps_carry_a_fragmented_load_with_refusals(void **state)
{
	(void)state;
	static const uint64_t fragments[] = { 2 * MIB, 1 * MIB, 64 * KIB, 20 * KIB + 1 };
	for (size_t k = 0; k < NMAPS; k++) {
		cur_map = read_capture(ovmf_maps[k]);
		for (size_t fi = 0; fi < sizeof fragments / sizeof fragments[0]; fi++) {
			/* Small pieces on large maps: too slow for a unit test
			 * (claims and regions grow as memory / piece size, and
			 * each claim moves the regions above it). */
			if ((fragments[fi] < MIB && k >= 2) ||
			    (fragments[fi] < 64 * KIB && k >= 1))
				continue;
			for (size_t ri = 0; ri < sizeof refusal_cases / sizeof refusal_cases[0]; ri++) {
				const struct refusals *rf = &refusal_cases[ri];
				print_message("%s fragment=%" PRIu64 " refusals=%s\n",
					      ovmf_maps[k], fragments[fi], rf->name);
				sim_setup(&cur_map, fragments[fi], rf);
				sim_load(fragments[fi], rf->refuse_all_late);
				if (rf->fail_nth || rf->refuse_slots)
					assert_true(S->f.refusals > 0);
				assert_all_given_back();
				sim_free();
			}
		}
		teardown(NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_free_bytes_of_ovmf_maps_sum_conventional_descriptors, teardown),
		cmocka_unit_test_teardown(test_descriptor_size_too_small_gives_an_empty_map, teardown),
		cmocka_unit_test_teardown(test_free_bytes_ignore_a_trailing_partial_descriptor, teardown),
		cmocka_unit_test(test_free_bytes_clip_at_the_top_and_saturate),
		cmocka_unit_test_teardown(test_walks_of_a_map_with_a_bad_descriptor_size_end, teardown),
		cmocka_unit_test(test_caps_without_fragment),
		cmocka_unit_test(test_caps_with_fragment_count_every_other_piece),
		cmocka_unit_test(test_caps_do_not_wrap_for_any_free_bytes),
		cmocka_unit_test(test_2000_ragged_descriptors_fit_the_final_buffers),
		cmocka_unit_test(test_final_map_check_refuses_what_the_buffers_cannot_hold),
		cmocka_unit_test_teardown(test_ovmf_maps_carry_a_fragmented_load_with_refusals, sim_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
