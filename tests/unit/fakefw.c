/*
 * fakefw.c - the fake firmware and map helper (see fakefw.h).
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

static void violate(struct fake_fw *f, const char *fmt_, ...)
	__attribute__((format(printf, 2, 3)));

static void violate(struct fake_fw *f, const char *fmt_, ...)
{
	if (f->violations++ == 0) {
		va_list ap;
		va_start(ap, fmt_);
		vsnprintf(f->violation, sizeof f->violation, fmt_, ap);
		va_end(ap);
	}
}

static void log_call(struct fake_fw *f, struct fake_call c)
{
	if (f->nlog == f->log_cap) {
		f->log_cap = f->log_cap ? 2 * f->log_cap : 256;
		f->log = realloc(f->log, f->log_cap * sizeof *f->log);
		assert_non_null(f->log);
	}
	f->log[f->nlog++] = c;
}

static uint64_t fake_claim(void *ctx, uint64_t base, uint64_t pages,
			   enum mm_kind kind)
{
	struct fake_fw *f = ctx;
	uint64_t n = ++f->claim_calls;
	struct fake_call c = { base, pages, (int)kind, false, false };

	if ((f->fail_nth && n == f->fail_nth) ||
	    (f->fail_from && n >= f->fail_from) ||
	    (f->refuse_end > f->refuse_base && pages &&
	     base < f->refuse_end &&
	     base + (pages << MM_PAGE_SHIFT) > f->refuse_base) ||
	    (f->seam && base < f->seam &&
	     base + (pages << MM_PAGE_SHIFT) > f->seam)) {
		f->refusals++;
		log_call(f, c);
		return FAKE_STATUS_REFUSED;
	}
	if (pages == 0 || (base & (MM_PAGE_SIZE - 1))) {
		violate(f, "claim #%" PRIu64 ": bad range 0x%" PRIx64 " + %" PRIu64 " pages",
			n, base, pages);
		log_call(f, c);
		return FAKE_STATUS_BAD;
	}
	uint64_t p0 = base >> MM_PAGE_SHIFT;
	if (p0 >= f->npages || pages > f->npages - p0) {
		violate(f, "claim #%" PRIu64 ": 0x%" PRIx64 " + %" PRIu64 " pages lies outside free memory",
			n, base, pages);
		log_call(f, c);
		return FAKE_STATUS_BAD;
	}
	int32_t id = f->desc[p0];
	for (uint64_t p = p0; p < p0 + pages; p++) {
		if (f->desc[p] < 0) {
			violate(f, "claim #%" PRIu64 ": 0x%" PRIx64 " + %" PRIu64 " pages: page 0x%" PRIx64 " is not free memory",
				n, base, pages, p << MM_PAGE_SHIFT);
			log_call(f, c);
			return FAKE_STATUS_BAD;
		}
		if (f->desc[p] != id) {
			violate(f, "claim #%" PRIu64 ": 0x%" PRIx64 " + %" PRIu64 " pages spans descriptors %d and %d",
				n, base, pages, id, f->desc[p]);
			log_call(f, c);
			return FAKE_STATUS_BAD;
		}
		if (f->claimed[p]) {
			violate(f, "claim #%" PRIu64 ": 0x%" PRIx64 " + %" PRIu64 " pages: page 0x%" PRIx64 " claimed twice",
				n, base, pages, p << MM_PAGE_SHIFT);
			log_call(f, c);
			return FAKE_STATUS_BAD;
		}
	}
	memset(f->claimed + p0, 1, pages);
	if (f->nlive == f->live_cap) {
		f->live_cap = f->live_cap ? 2 * f->live_cap : 64;
		f->live = realloc(f->live, f->live_cap * sizeof *f->live);
		assert_non_null(f->live);
	}
	f->live[f->nlive++] = (struct mm_claim){ base, pages };
	c.ok = true;
	log_call(f, c);
	return 0;
}

static void fake_release(void *ctx, uint64_t base, uint64_t pages)
{
	struct fake_fw *f = ctx;
	struct fake_call c = { base, pages, -1, true, false };

	f->release_calls++;
	for (size_t i = 0; i < f->nlive; i++) {
		if (f->live[i].base == base && f->live[i].pages == pages) {
			memset(f->claimed + (base >> MM_PAGE_SHIFT), 0, pages);
			f->live[i] = f->live[--f->nlive];
			c.ok = true;
			log_call(f, c);
			return;
		}
	}
	violate(f, "release of 0x%" PRIx64 " + %" PRIu64 " pages, which is not a live claim",
		base, pages);
	log_call(f, c);
}

static const char *fake_status_name(uint64_t st)
{
	return st == FAKE_STATUS_REFUSED ? "FAKE_REFUSED" : "FAKE_BAD";
}

void fake_init(struct fake_fw *f, uint64_t npages)
{
	memset(f, 0, sizeof *f);
	f->npages = npages;
	f->desc = malloc(npages * sizeof *f->desc);
	f->claimed = calloc(npages, 1);
	assert_non_null(f->desc);
	assert_non_null(f->claimed);
	for (uint64_t p = 0; p < npages; p++)
		f->desc[p] = -1;
	f->fw = (struct mm_fw){ .ctx = f, .claim = fake_claim,
				.release = fake_release,
				.status_name = fake_status_name };
}

void fake_destroy(struct fake_fw *f)
{
	free(f->desc);
	free(f->claimed);
	free(f->live);
	free(f->log);
	memset(f, 0, sizeof *f);
}

void fake_add_conventional(struct fake_fw *f, uint64_t base, uint64_t pages,
			   int32_t id)
{
	uint64_t p0 = base >> MM_PAGE_SHIFT;
	for (uint64_t p = p0; p < p0 + pages && p < f->npages; p++)
		if (p != 0) /* the loader never sees page 0 as free */
			f->desc[p] = id;
}

uint64_t fake_claimed_pages(const struct fake_fw *f)
{
	uint64_t n = 0;
	for (uint64_t p = 0; p < f->npages; p++)
		n += f->claimed[p];
	return n;
}

bool fake_page_free(const struct fake_fw *f, uint64_t phys)
{
	uint64_t p = phys >> MM_PAGE_SHIFT;
	return p < f->npages && f->desc[p] >= 0 && !f->claimed[p];
}

void fake_clear_log(struct fake_fw *f)
{
	f->nlog = 0;
}

size_t fake_map(struct fake_fw *f, const struct fake_desc *d, size_t n,
		struct mm_region *out, size_t cap)
{
	const size_t dsz = 48;
	uint8_t *map = calloc(n ? n : 1, dsz);
	size_t ss = mm_normalize_scratch(n);
	void *scratch = malloc(ss ? ss : 1);
	struct rw_err err = { "" };
	size_t count = 0;

	assert_non_null(map);
	assert_non_null(scratch);
	for (size_t i = 0; i < n; i++) {
		struct mm_efi_desc e = { d[i].type, 0, d[i].base, 0, d[i].pages, 0xf };
		memcpy(map + i * dsz, &e, sizeof e);
	}
	int r = mm_normalize(map, n * dsz, dsz, out, cap, scratch, ss, &count, &err);
	free(map);
	free(scratch);
	if (r)
		fail_msg("mm_normalize: %s", err.msg);
	if (f)
		for (size_t i = 0; i < n; i++)
			if (d[i].type == MM_EFI_CONVENTIONAL)
				fake_add_conventional(f, d[i].base, d[i].pages,
						      (int32_t)i);
	return count;
}

void assert_regions_sane(const struct mm_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].end <= r[i].base)
			fail_msg("region %zu [0x%" PRIx64 ", 0x%" PRIx64 ") is empty", i,
				 r[i].base, r[i].end);
		if (r[i].kind >= MM_KIND_COUNT)
			fail_msg("region %zu has kind %u", i, r[i].kind);
		if (i && r[i - 1].end > r[i].base)
			fail_msg("regions %zu [0x%" PRIx64 ", 0x%" PRIx64 ") and %zu [0x%" PRIx64 ", 0x%" PRIx64 ") overlap or are unsorted",
				 i - 1, r[i - 1].base, r[i - 1].end, i,
				 r[i].base, r[i].end);
	}
}
