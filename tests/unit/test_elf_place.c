/*
 * test_elf_place.c - elf_place: where a relocatable kernel goes in the
 * kernel window, with and without KASLR, and what it refuses.  Images are
 * parsed-image structures built by hand: placement reads only the span,
 * the largest p_align and the type.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "elf64.h"

#define PAGE 0x1000ull
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define WBASE ELF_WINDOW_BASE
#define WEND (ELF_WINDOW_BASE + ELF_WINDOW_SIZE)
#define PATH "/boot/pie.elf"

/*
 * A PIE-like image: text at vlow + 0x120 (after the headers on its first
 * page), data with bss ending at vlow + span; p_align `align` for both.
 */
static struct elf_image pie(uint64_t vlow, uint64_t span, uint64_t align)
{
	struct elf_image im = {
		.type = ELF_ET_DYN,
		.entry = vlow + 0x140,
		.vlow = vlow,
		.vhigh = vlow + span,
		.dyn = { .align = align },
		.nseg = 2,
	};
	im.seg[0] = (struct elf_segment){ .vaddr = vlow + 0x120, .memsz = 0x1000,
					  .offset = 0x120, .filesz = 0x1000,
					  .align = align, .flags = MM_MAP_EXEC,
					  .phdr_index = 1 };
	im.seg[1] = (struct elf_segment){ .vaddr = vlow + span - 0x1800,
					  .memsz = 0x1800, .offset = 0x3000,
					  .filesz = 0x200, .align = align,
					  .flags = MM_MAP_WRITE, .phdr_index = 2 };
	return im;
}

static void place_ok(struct elf_image *im, bool kaslr, uint64_t random,
		     uint64_t *ret_align)
{
	struct rw_err err = { "" };

	if (elf_place(im, PATH, kaslr, random, ret_align, &err))
		fail_msg("elf_place: %s", err.msg);
}

/* The aligned base the image now starts from (its link base, slid). */
static uint64_t base_of(const struct elf_image *im, uint64_t align)
{
	return im->vlow & ~(align - 1);
}

/* Aligned, inside the window, and the whole span with it. */
static void assert_in_window(const struct elf_image *im, uint64_t align)
{
	uint64_t base = base_of(im, align);

	if (base % align || base < WBASE || im->vhigh > WEND || im->vlow < base)
		fail_msg("placed at 0x%" PRIx64 "..0x%" PRIx64 " (base 0x%" PRIx64 ", align 0x%" PRIx64 "): outside the window or unaligned",
			 im->vlow, im->vhigh, base, align);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The slots elf_place chooses from for a span from an aligned base. */
static uint64_t slots_for(uint64_t need, uint64_t align)
{
	return (ELF_WINDOW_SIZE - need) / align + 1;
}

static void test_kaslr_stays_aligned_and_inside_the_window(void **state)
{
	(void)state;
	static const struct { uint64_t vlow, span, align; } cases[] = {
		{ 0, 0x5000, PAGE },
		{ 0, 64 * MIB, 2 * MIB },
		{ 0x200000, 3 * MIB + 0x3000, 2 * MIB },
		{ 0x1000, 17 * MIB, 2 * MIB },  /* link base below vlow */
		{ WBASE + 0x123000, 12 * MIB, 0x10000 },
		{ 0, 100 * MIB, 256 * MIB },
		{ 0, 0x3000, GIB },             /* one slot */
		{ 0, GIB, PAGE },               /* the whole window */
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (int i = 0; i < 20000; i++) {
			struct elf_image im = pie(cases[c].vlow, cases[c].span,
						  cases[c].align);
			uint64_t align = 0;
			place_ok(&im, true, i < 4 ? (uint64_t)i - 2 : rnd(), &align);
			assert_int_equal(align, cases[c].align);
			assert_in_window(&im, align);
			/* Offsets within the alignment are kept. */
			assert_int_equal(im.vlow % align, cases[c].vlow % align);
		}
	}
}

static void test_kaslr_highest_slot_reachable_and_never_exceeded(void **state)
{
	(void)state;
	static const struct { uint64_t vlow, span, align; } cases[] = {
		{ 0, 0x5000, PAGE },
		{ 0x1000, 17 * MIB, 2 * MIB },
		{ 0, 100 * MIB, 256 * MIB },
		{ 0, GIB - 2 * MIB, 2 * MIB },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		uint64_t align = cases[c].align;
		uint64_t need = cases[c].span + cases[c].vlow % align;
		uint64_t slots = slots_for(need, align);
		uint64_t top = WBASE + (slots - 1) * align;
		/* random = slots - 1 is the highest slot; its end fits, one
		 * alignment higher would not. */
		struct elf_image im = pie(cases[c].vlow, cases[c].span, align);
		place_ok(&im, true, slots - 1, &align);
		assert_int_equal(base_of(&im, align), top);
		assert_true(top + need <= WEND);
		assert_true(top + align + need > WEND);
		/* random = slots wraps to the first slot; any random value
		 * stays at or below the highest. */
		im = pie(cases[c].vlow, cases[c].span, align);
		place_ok(&im, true, slots, &align);
		assert_int_equal(base_of(&im, align), WBASE);
		for (uint64_t r = UINT64_MAX - 64; r != 0; r++) {
			im = pie(cases[c].vlow, cases[c].span, align);
			place_ok(&im, true, r, &align);
			assert_true(base_of(&im, align) <= top);
			assert_in_window(&im, align);
		}
	}
}

static void test_kaslr_reaches_every_slot(void **state)
{
	(void)state;
	/* 100 MiB at 256 MiB alignment: 4 slots, each reachable. */
	uint64_t seen = 0;
	for (uint64_t r = 0; r < 8; r++) {
		struct elf_image im = pie(0, 100 * MIB, 256 * MIB);
		uint64_t align;
		place_ok(&im, true, r, &align);
		uint64_t slot = (base_of(&im, align) - WBASE) / align;
		assert_true(slot < 4);
		assert_int_equal(slot, r % 4);
		seen |= 1ull << slot;
	}
	assert_int_equal(seen, 0xf);
}

static void test_without_kaslr_a_link_address_inside_the_window_is_kept(void **state)
{
	(void)state;
	static const uint64_t links[] = {
		WBASE,                       /* the window's start */
		WBASE + 16 * MIB,
		WEND - 8 * MIB,              /* ends exactly at the window's end */
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		struct elf_image im = pie(links[i], 8 * MIB, 2 * MIB);
		uint64_t align;
		place_ok(&im, false, 12345, &align);
		assert_int_equal(im.vlow, links[i]);
		assert_int_equal(im.slide, 0);
	}
}

static void test_without_kaslr_elsewhere_the_window_start_is_used(void **state)
{
	(void)state;
	static const uint64_t links[] = {
		0,                           /* linked at 0 (PIE) */
		0x400000,
		WBASE - 2 * MIB,             /* just below the window */
		WEND,                        /* just above it */
		WEND - 6 * MIB,              /* starts inside, ends past it */
		0xffff800000000000ull,       /* the direct map */
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		struct elf_image im = pie(links[i], 8 * MIB, 2 * MIB);
		uint64_t align;
		place_ok(&im, false, 12345, &align);
		if (im.vlow != WBASE)
			fail_msg("linked at 0x%" PRIx64 ": placed at 0x%" PRIx64 ", expected the window's start",
				 links[i], im.vlow);
	}
}

static void test_entry_and_segments_move_by_the_slide(void **state)
{
	(void)state;
	struct elf_image before = pie(0x1000, 5 * MIB, 2 * MIB);
	struct elf_image im = before;
	uint64_t align;

	place_ok(&im, true, 0xdeadbeefcafe, &align);
	uint64_t slide = im.vlow - before.vlow;
	assert_int_equal(im.slide, slide);
	assert_int_equal(slide % align, 0);
	assert_int_equal(im.entry, before.entry + slide);
	assert_int_equal(im.vhigh, before.vhigh + slide);
	assert_int_equal(im.nseg, before.nseg);
	for (size_t i = 0; i < im.nseg; i++) {
		assert_int_equal(im.seg[i].vaddr, before.seg[i].vaddr + slide);
		assert_int_equal(im.seg[i].memsz, before.seg[i].memsz);
		assert_int_equal(im.seg[i].offset, before.seg[i].offset);
		assert_int_equal(im.seg[i].phdr_index, before.seg[i].phdr_index);
	}
	/* Link-time addresses of the relocation tables stay as they are:
	 * elf_relocate adds img->slide. */
	assert_int_equal(im.dyn.rela, before.dyn.rela);
}

static void test_p_align_below_a_page_places_on_pages(void **state)
{
	(void)state;
	for (uint64_t a = 0; a <= 0x800; a = a ? a * 2 : 1) {
		struct elf_image im = pie(0, 0x3000, a);
		uint64_t align;
		place_ok(&im, true, rnd(), &align);
		assert_int_equal(align, PAGE);
		assert_in_window(&im, PAGE);
	}
}

/* Refused, naming the file and every string in want; img and the output
 * untouched. */
static void expect_refused(struct elf_image *im, const char *const *want)
{
	struct elf_image before = *im;
	struct rw_err err = { "" };
	uint64_t align = 0x5a5a;

	if (elf_place(im, PATH, true, rnd(), &align, &err) == 0)
		fail_msg("placed at 0x%" PRIx64 "; expected a refusal", im->vlow);
	if (!strstr(err.msg, PATH))
		fail_msg("message '%s' does not name the file", err.msg);
	for (size_t i = 0; want[i]; i++)
		if (!strstr(err.msg, want[i]))
			fail_msg("message '%s' does not name '%s'", err.msg, want[i]);
	assert_int_equal(align, 0x5a5a);
	assert_memory_equal(im, &before, sizeof before);
}

static void test_p_align_larger_than_the_window_refused(void **state)
{
	(void)state;
	struct elf_image im = pie(0, 0x5000, 2 * GIB);
	expect_refused(&im, (const char *const[]){ "p_align 0x80000000",
		"1073741824-byte kernel window", NULL });
}

static void test_span_larger_than_the_window_refused(void **state)
{
	(void)state;
	struct elf_image im = pie(0, GIB + PAGE, PAGE);
	expect_refused(&im, (const char *const[]){ "1073745920 bytes",
		"0x1000-aligned", "1073741824-byte kernel window", NULL });
}

static void test_span_fitting_only_without_its_alignment_offset_refused(void **state)
{
	(void)state;
	/* 1 GiB - 1 MiB of segments from 1 MiB above a 2 MiB boundary: the
	 * whole window from the aligned base, one slot. */
	struct elf_image im = pie(MIB, GIB - MIB, 2 * MIB);
	uint64_t align;
	place_ok(&im, true, rnd(), &align);
	assert_int_equal(base_of(&im, align), WBASE);
	assert_int_equal(im.vhigh, WEND);
	/* One page more does not fit, though the span is below 1 GiB. */
	im = pie(MIB, GIB - MIB + PAGE, 2 * MIB);
	expect_refused(&im, (const char *const[]){ "1072697344 bytes",
		"0x200000-aligned", "1073741824-byte kernel window", NULL });
}

static void test_et_exec_refused(void **state)
{
	(void)state;
	struct elf_image im = pie(WBASE, 0x5000, PAGE);
	im.type = ELF_ET_EXEC;
	expect_refused(&im, (const char *const[]){ "e_type is 2", "ET_DYN", NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kaslr_stays_aligned_and_inside_the_window),
		cmocka_unit_test(test_kaslr_highest_slot_reachable_and_never_exceeded),
		cmocka_unit_test(test_kaslr_reaches_every_slot),
		cmocka_unit_test(test_without_kaslr_a_link_address_inside_the_window_is_kept),
		cmocka_unit_test(test_without_kaslr_elsewhere_the_window_start_is_used),
		cmocka_unit_test(test_entry_and_segments_move_by_the_slide),
		cmocka_unit_test(test_p_align_below_a_page_places_on_pages),
		cmocka_unit_test(test_p_align_larger_than_the_window_refused),
		cmocka_unit_test(test_span_larger_than_the_window_refused),
		cmocka_unit_test(test_span_fitting_only_without_its_alignment_offset_refused),
		cmocka_unit_test(test_et_exec_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
