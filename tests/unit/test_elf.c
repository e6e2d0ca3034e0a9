/*
 * test_elf.c - ELF64 validation (elf_parse), loading (elf_load,
 * elf_mappings) and verify mode's digest read back through page tables
 * (elf_hash_mapped, against tools/elfhash), with images built in memory,
 * the allocator over a fake firmware (fakefw.c) and a host buffer as
 * physical memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf64.h"
#include "fakefw.h"
#include "mm.h"

#include "../../elf/format.h"

/* tools/elfhash's digest of a file, elfhash_file(), to compare with. */
#define ELFHASH_NO_MAIN
#include "../../tools/elfhash.c"

#define PAGE 4096ull
#define KBASE 0xffffffff80000000ull
#define PATH "/boot/kernel.elf"
#define FILE_MAX (1u << 20)
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551u
#define EFI_DEVICE_ERROR 0x8000000000000007ull

/* ---- an ELF image builder ---- */

struct img {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[40];
	size_t nph;
	bool keep_phnum;        /* do not set e_phnum from nph */
	bool has_sh0;
	struct elf64_shdr sh0;  /* written at e_shoff */
	uint64_t size;          /* of the file */
	uint8_t bytes[FILE_MAX];
};

/* File contents outside the headers: never zero, so zeroing shows. */
static uint8_t pattern(uint64_t off)
{
	uint8_t b = (uint8_t)(off * 131 + (off >> 8) * 7 + 0x5b);
	return b ? b : 0x11;
}

static struct img *img_new(uint64_t size)
{
	struct img *m = calloc(1, sizeof *m);
	assert_non_null(m);
	m->size = size;
	memcpy(m->eh.e_ident, "\x7f" "ELF", 4);
	m->eh.e_ident[EI_CLASS] = ELFCLASS64;
	m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	m->eh.e_ident[EI_VERSION] = EV_CURRENT;
	m->eh.e_type = ELF_ET_EXEC;
	m->eh.e_machine = EM_X86_64;
	m->eh.e_version = EV_CURRENT;
	m->eh.e_phoff = sizeof m->eh;
	m->eh.e_ehsize = sizeof m->eh;
	m->eh.e_phentsize = sizeof(struct elf64_phdr);
	return m;
}

static struct elf64_phdr *img_phdr(struct img *m, uint32_t type, uint32_t flags,
				   uint64_t off, uint64_t vaddr, uint64_t filesz,
				   uint64_t memsz)
{
	struct elf64_phdr *p = &m->ph[m->nph++];
	*p = (struct elf64_phdr){ type, flags, off, vaddr, vaddr, filesz, memsz, PAGE };
	return p;
}

static void put(struct img *m, uint64_t off, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (off + i < m->size && off + i < FILE_MAX)
			m->bytes[off + i] = ((const uint8_t *)p)[i];
}

static void img_write(struct img *m)
{
	assert_true(m->size <= FILE_MAX);
	for (uint64_t o = 0; o < m->size; o++)
		m->bytes[o] = pattern(o);
	if (!m->keep_phnum)
		m->eh.e_phnum = (uint16_t)m->nph;
	put(m, 0, &m->eh, sizeof m->eh);
	for (size_t i = 0; i < m->nph; i++)
		if (m->eh.e_phoff < FILE_MAX)
			put(m, m->eh.e_phoff + i * m->eh.e_phentsize, &m->ph[i],
			    sizeof m->ph[i]);
	if (m->has_sh0)
		put(m, m->eh.e_shoff, &m->sh0, sizeof m->sh0);
}

/* The valid three-segment kernel every test starts from. */
static struct img *kernel_img(void)
{
	struct img *m = img_new(0x5000);
	/* text: RX, ends mid-page */
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, 0x1800, 0x1800);
	/* rodata: R, starts on text's last page (a shared page) */
	img_phdr(m, PT_LOAD, PF_R, 0x2c00, KBASE + 0x1c00, 0x600, 0x600);
	/* data + bss: RW, far away */
	img_phdr(m, PT_LOAD, PF_R | PF_W, 0x4000, KBASE + 0x10000, 0x900, 0x3000);
	/* ignored: no memory */
	img_phdr(m, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	m->eh.e_entry = KBASE + 0x40;
	return m;
}

/* ---- reading it ---- */

struct reader {
	const struct img *m;
	uint64_t calls;
	uint64_t fail_at; /* refuse read call number N (1-based); 0: never */
	uint64_t max_len; /* refuse reads longer than this; 0: no limit */
	uint64_t refused; /* reads refused for their length */
};

static uint64_t rd_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	struct reader *r = ctx;
	r->calls++;
	if (r->fail_at && r->calls >= r->fail_at)
		return EFI_DEVICE_ERROR;
	if (r->max_len && len > r->max_len) {
		r->refused++;
		return EFI_DEVICE_ERROR;
	}
	if (off > r->m->size || len > r->m->size - off)
		fail_msg("read of %" PRIu64 " bytes at %" PRIu64 " past the end of a %" PRIu64 "-byte file",
			 len, off, r->m->size);
	memcpy(buf, r->m->bytes + off, len);
	return 0;
}

static const char *rd_status(uint64_t st)
{
	return st == EFI_DEVICE_ERROR ? "EFI_DEVICE_ERROR" : "?";
}

static struct reader rd;

static struct elf_file file_of(struct img *m)
{
	img_write(m);
	rd = (struct reader){ .m = m };
	return (struct elf_file){ .path = PATH, .size = m->size, .ctx = &rd,
				  .read = rd_read, .status_name = rd_status };
}

/* State freed by teardown (also when a test fails). */
static struct img *cur_img;
static struct elf_image *cur_parsed;

static int parse(struct img *m, struct elf_image *out, struct rw_err *err)
{
	struct elf_file f = file_of(m);
	return elf_parse(&f, out, err);
}

/* The image must be rejected with a message naming the file and `field`. */
static void expect_reject(struct img *m, const char *field)
{
	struct rw_err err = { "" };
	memset(cur_parsed, 0x5a, sizeof *cur_parsed);
	if (parse(m, cur_parsed, &err) == 0)
		fail_msg("accepted; expected a rejection naming '%s'", field);
	if (!strstr(err.msg, field) || !strstr(err.msg, PATH))
		fail_msg("message '%s' does not name '%s' and the file", err.msg, field);
	/* The output is left alone on failure. */
	const uint8_t *b = (const uint8_t *)cur_parsed;
	for (size_t i = 0; i < sizeof *cur_parsed; i++)
		if (b[i] != 0x5a)
			fail_msg("elf_parse wrote to its output although it failed");
}

static void expect_accept(struct img *m)
{
	struct rw_err err = { "" };
	if (parse(m, cur_parsed, &err))
		fail_msg("rejected: %s", err.msg);
}

static int setup(void **state)
{
	(void)state;
	cur_img = kernel_img();
	cur_parsed = calloc(1, sizeof *cur_parsed);
	return cur_parsed ? 0 : -1;
}

/* ---- load environment: allocator over a fake map, phys in a buffer ---- */

#define PHYS_END 0x2100000ull /* host memory stands for [0, PHYS_END) */

static struct {
	struct fake_fw f;
	struct mm_alloc a;
	struct mm_region reg[512];
	struct mm_claim claims[512];
	uint8_t *phys;
	uint64_t free0;
	struct elf_load ld;
	bool up;
} L;

static void *p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	if (phys >= PHYS_END)
		fail_msg("phys_to_ptr(0x%" PRIx64 ") outside memory", phys);
	if (!L.f.claimed[phys >> 12])
		fail_msg("the loader touches 0x%" PRIx64 ", which it has not claimed",
			 phys);
	return L.phys + phys;
}

static void load_env(const struct fake_desc *d, size_t n)
{
	fake_init(&L.f, PHYS_END >> 12);
	size_t nreg = fake_map(&L.f, d, n, L.reg, 512);
	mm_alloc_init(&L.a, &L.f.fw, L.reg, nreg, 512, L.claims, 512);
	L.free0 = mm_alloc_free_pages(&L.a);
	L.phys = malloc(PHYS_END);
	assert_non_null(L.phys);
	memset(L.phys, 0xcc, PHYS_END); /* junk: zeroing must show */
	L.up = true;
}

static const struct fake_desc one_run[] = {
	{ MM_EFI_CONVENTIONAL, 0x100000, 0x2000 }, /* 32 MiB */
};

static int teardown(void **state)
{
	(void)state;
	free(cur_img);
	free(cur_parsed);
	cur_img = NULL;
	cur_parsed = NULL;
	if (L.up) {
		fake_destroy(&L.f);
		free(L.phys);
		memset(&L, 0, sizeof L);
	}
	return 0;
}

/* Physical address of loaded virtual address v, from the load result. */
static uint64_t v2p(const struct elf_load *ld, uint64_t v)
{
	for (size_t g = 0; g < ld->ngroups; g++) {
		const struct elf_group *gr = &ld->group[g];
		uint64_t pv = gr->vbase;
		for (size_t p = 0; p < gr->npieces; p++) {
			const struct mm_claim *pc = &ld->piece[gr->first_piece + p];
			if (v >= pv && v - pv < pc->pages * PAGE)
				return pc->base + (v - pv);
			pv += pc->pages * PAGE;
		}
	}
	fail_msg("0x%" PRIx64 " is not loaded", v);
	return 0;
}

/* Every byte of every group: file bytes where a segment has them, else 0. */
static void check_contents(const struct img *m, const struct elf_image *im,
			   const struct elf_load *ld)
{
	for (size_t g = 0; g < ld->ngroups; g++) {
		const struct elf_group *gr = &ld->group[g];
		for (uint64_t v = gr->vbase; v < gr->vbase + gr->pages * PAGE; v++) {
			uint8_t want = 0;
			for (size_t s = 0; s < im->nseg; s++) {
				const struct elf_segment *sg = &im->seg[s];
				if (v >= sg->vaddr && v - sg->vaddr < sg->filesz)
					want = m->bytes[sg->offset + (v - sg->vaddr)];
			}
			uint8_t got = L.phys[v2p(ld, v)];
			if (got != want)
				fail_msg("virtual 0x%" PRIx64 " (phys 0x%" PRIx64 ") holds 0x%02x, expected 0x%02x",
					 v, v2p(ld, v), got, want);
		}
	}
}

static int load(struct img *m, struct elf_image *im, struct rw_err *err)
{
	struct elf_file f = file_of(m);
	if (elf_parse(&f, im, err))
		fail_msg("elf_parse: %s", err->msg);
	return elf_load(&f, im, &L.a, p2v, NULL, &L.ld, err);
}

/* file_of(m), parsed into cur_parsed (the reader state rd is then set up
 * for the test to adjust before loading). */
static struct elf_file parsed_file(struct img *m)
{
	struct elf_file f = file_of(m);
	struct rw_err err = { "" };
	if (elf_parse(&f, cur_parsed, &err))
		fail_msg("elf_parse: %s", err.msg);
	return f;
}

/* Nothing claimed anywhere: allocator and firmware agree. */
static void assert_nothing_claimed(void)
{
	assert_fake_clean(&L.f);
	assert_int_equal(fake_claimed_pages(&L.f), 0);
	assert_int_equal(L.f.nlive, 0);
	assert_int_equal(L.a.nclaims, 0);
}

/* ==== parsing: accepted ==== */

static void test_valid_three_segment_kernel_parses(void **state)
{
	(void)state;
	expect_accept(cur_img);
	const struct elf_image *im = cur_parsed;
	assert_int_equal(im->type, ELF_ET_EXEC);
	assert_int_equal(im->entry, KBASE + 0x40);
	assert_int_equal(im->nseg, 3);
	assert_int_equal(im->seg[0].vaddr, KBASE);
	assert_int_equal(im->seg[0].flags, MM_MAP_EXEC);
	assert_int_equal(im->seg[1].vaddr, KBASE + 0x1c00);
	assert_int_equal(im->seg[1].flags, 0);
	assert_int_equal(im->seg[2].vaddr, KBASE + 0x10000);
	assert_int_equal(im->seg[2].flags, MM_MAP_WRITE);
	assert_int_equal(im->seg[2].filesz, 0x900);
	assert_int_equal(im->seg[2].memsz, 0x3000);
	assert_int_equal(im->seg[2].offset, 0x4000);
	assert_int_equal(im->seg[2].phdr_index, 2);
	assert_int_equal(im->vlow, KBASE);
	assert_int_equal(im->vhigh, KBASE + 0x13000);
}

static void test_program_headers_out_of_order_are_sorted(void **state)
{
	(void)state;
	struct elf64_phdr t = cur_img->ph[0];
	cur_img->ph[0] = cur_img->ph[2];
	cur_img->ph[2] = t;
	expect_accept(cur_img);
	assert_int_equal(cur_parsed->nseg, 3);
	assert_int_equal(cur_parsed->seg[0].vaddr, KBASE);
	assert_int_equal(cur_parsed->seg[0].phdr_index, 2);
	assert_int_equal(cur_parsed->seg[2].vaddr, KBASE + 0x10000);
	assert_int_equal(cur_parsed->seg[2].phdr_index, 0);
}

static void test_et_dyn_accepted(void **state)
{
	(void)state;
	cur_img->eh.e_type = ELF_ET_DYN;
	expect_accept(cur_img);
	assert_int_equal(cur_parsed->type, ELF_ET_DYN);
}

static void test_larger_phentsize_accepted(void **state)
{
	(void)state;
	cur_img->eh.e_phentsize = 64;
	expect_accept(cur_img);
	assert_int_equal(cur_parsed->nseg, 3);
}

static void test_pn_xnum_with_section_header_0_gives_real_count(void **state)
{
	(void)state;
	struct img *m = cur_img;
	m->eh.e_phnum = PN_XNUM;
	m->keep_phnum = true;
	m->eh.e_shoff = 0x3800; /* inside the file, away from segment bytes */
	m->eh.e_shentsize = sizeof(struct elf64_shdr);
	m->eh.e_shnum = 0;
	m->has_sh0 = true;
	m->sh0 = (struct elf64_shdr){ .sh_info = (uint32_t)m->nph };
	expect_accept(m);
	assert_int_equal(cur_parsed->nseg, 3);
}

static void test_verify_mode_accepts_interp_and_any_entry(void **state)
{
	(void)state;
	img_phdr(cur_img, PT_INTERP, PF_R, 0x200, 0, 0x10, 0x10);
	cur_img->eh.e_entry = 0;
	struct elf_file f = file_of(cur_img);
	f.verify_only = true;
	struct rw_err err = { "" };
	if (elf_parse(&f, cur_parsed, &err))
		fail_msg("verify mode rejected: %s", err.msg);
}

/* ==== parsing: each defect rejected, naming the field ==== */

#define REJECT_TEST(name, field, ...)                                  \
	static void name(void **state)                                 \
	{                                                              \
		(void)state;                                           \
		struct img *m = cur_img;                               \
		(void)m;                                               \
		__VA_ARGS__;                                           \
		expect_reject(m, field);                               \
	}

REJECT_TEST(test_bad_magic_rejected, "magic", m->eh.e_ident[1] = 'X')
REJECT_TEST(test_elfclass32_rejected, "EI_CLASS", m->eh.e_ident[EI_CLASS] = 1)
REJECT_TEST(test_big_endian_rejected, "EI_DATA", m->eh.e_ident[EI_DATA] = 2)
REJECT_TEST(test_bad_ident_version_rejected, "EI_VERSION",
	    m->eh.e_ident[EI_VERSION] = 0)
REJECT_TEST(test_bad_e_version_rejected, "e_version", m->eh.e_version = 2)
REJECT_TEST(test_et_rel_rejected, "e_type", m->eh.e_type = 1)
REJECT_TEST(test_et_core_rejected, "e_type", m->eh.e_type = 4)
REJECT_TEST(test_wrong_machine_rejected, "e_machine", m->eh.e_machine = 3)
REJECT_TEST(test_small_ehsize_rejected, "e_ehsize", m->eh.e_ehsize = 52)
REJECT_TEST(test_small_phentsize_rejected, "e_phentsize", m->eh.e_phentsize = 32)
REJECT_TEST(test_phnum_zero_rejected, "e_phnum",
	    m->eh.e_phnum = 0; m->keep_phnum = true)
REJECT_TEST(test_phdrs_past_end_of_file_rejected, "e_phoff",
	    m->eh.e_phoff = m->size - 100)
REJECT_TEST(test_phoff_overflowing_rejected, "e_phoff",
	    m->eh.e_phoff = UINT64_MAX - 10)
REJECT_TEST(test_filesz_above_memsz_rejected, "p_filesz",
	    m->ph[2].p_filesz = 0x3001)
REJECT_TEST(test_segment_past_end_of_file_rejected, "p_offset",
	    m->ph[2].p_filesz = 0x1001)
REJECT_TEST(test_segment_offset_overflowing_rejected, "p_offset",
	    m->ph[2].p_offset = UINT64_MAX - 0xfff)
REJECT_TEST(test_align_not_power_of_two_rejected, "p_align",
	    m->ph[1].p_align = 0x1800)
REJECT_TEST(test_offset_vaddr_not_congruent_rejected, "p_vaddr",
	    m->ph[2].p_vaddr = KBASE + 0x10800)
REJECT_TEST(test_non_canonical_vaddr_rejected, "canonical",
	    m->ph[2].p_vaddr = 0x0000800000000000ull)
REJECT_TEST(test_segment_crossing_into_hole_rejected, "canonical",
	    m->ph[2].p_vaddr = 0x00007ffffffff000ull)
REJECT_TEST(test_vaddr_plus_memsz_overflow_rejected, "p_memsz",
	    m->ph[2].p_vaddr = 0xfffffffffffff000ull)
REJECT_TEST(test_huge_memsz_overflow_rejected, "p_memsz",
	    m->ph[2].p_memsz = UINT64_MAX - 0x100)
REJECT_TEST(test_overlapping_segments_rejected, "overlaps",
	    m->ph[1].p_vaddr = KBASE + 0x0c00; m->ph[1].p_offset = 0x1c00)
REJECT_TEST(test_no_pt_load_rejected, "PT_LOAD",
	    for (size_t i = 0; i < 3; i++) m->ph[i].p_type = PT_NOTE)
REJECT_TEST(test_only_empty_pt_load_rejected, "PT_LOAD",
	    for (size_t i = 0; i < 3; i++) m->ph[i].p_memsz = m->ph[i].p_filesz = 0)
REJECT_TEST(test_entry_in_data_segment_rejected, "e_entry",
	    m->eh.e_entry = KBASE + 0x10000)
REJECT_TEST(test_entry_just_past_text_rejected, "e_entry",
	    m->eh.e_entry = KBASE + 0x1800)
REJECT_TEST(test_pt_interp_rejected, "PT_INTERP",
	    img_phdr(m, PT_INTERP, PF_R, 0x200, 0, 0x10, 0x10))
REJECT_TEST(test_pn_xnum_without_section_header_rejected, "PN_XNUM",
	    m->eh.e_phnum = PN_XNUM; m->keep_phnum = true)
REJECT_TEST(test_too_small_file_rejected, "too small", m->size = 63)
REJECT_TEST(test_more_than_32_segments_rejected, "more than",
	    m->nph = 0;
	    for (int i = 0; i < 33; i++)
		    img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000,
			     KBASE + (uint64_t)i * PAGE, 0x100, 0x100))
REJECT_TEST(test_writable_executable_segment_rejected, "writable and executable",
	    m->ph[0].p_flags = PF_R | PF_W | PF_X)
/* data moved onto text's last page: that page would need W+X */
REJECT_TEST(test_text_and_data_sharing_a_page_rejected, "share the page",
	    m->ph[1].p_flags = PF_R | PF_W)

/* Three segments on one page: text, rodata, data; each pair alone is fine. */
static void test_three_segments_on_one_page_union_rejected(void **state)
{
	(void)state;
	struct img *m = img_new(0x3000);
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, 0x10, 0x10);
	img_phdr(m, PT_LOAD, PF_R, 0x1020, KBASE + 0x20, 0x10, 0x10);
	img_phdr(m, PT_LOAD, PF_R | PF_W, 0x1040, KBASE + 0x40, 0x10, 0x10);
	m->eh.e_entry = KBASE;
	free(cur_img);
	cur_img = m;
	expect_reject(m, "phdr 0 and phdr 2 share the page");
}

static void test_verify_mode_accepts_writable_executable(void **state)
{
	(void)state;
	cur_img->ph[0].p_flags = PF_R | PF_W | PF_X;
	struct elf_file f = file_of(cur_img);
	f.verify_only = true;
	struct rw_err err = { "" };
	if (elf_parse(&f, cur_parsed, &err))
		fail_msg("verify mode rejected an RWX segment: %s", err.msg);
}

static void test_read_error_during_parse_named(void **state)
{
	(void)state;
	struct elf_file f = file_of(cur_img);
	rd.fail_at = 2; /* the header reads, the first program header fails */
	struct rw_err err = { "" };
	assert_int_equal(elf_parse(&f, cur_parsed, &err), -1);
	assert_non_null(strstr(err.msg, "EFI_DEVICE_ERROR"));
	assert_non_null(strstr(err.msg, PATH));
}

/* ==== loading ==== */

static void test_load_places_file_bytes_and_zeroes_the_rest(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	check_contents(cur_img, cur_parsed, &L.ld);
	assert_int_equal(L.ld.bytes_read, 0x1800 + 0x600 + 0x900);
	assert_fake_clean(&L.f);
}

static void test_load_bss_reads_zero(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	for (uint64_t v = KBASE + 0x10900; v < KBASE + 0x13000; v++)
		if (L.phys[v2p(&L.ld, v)] != 0)
			fail_msg("bss byte at 0x%" PRIx64 " is 0x%02x",
				 v, L.phys[v2p(&L.ld, v)]);
	/* The last file byte is there. */
	assert_int_equal(L.phys[v2p(&L.ld, KBASE + 0x108ff)], pattern(0x48ff));
}

static void test_load_shared_page_gets_both_segments(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_int_equal(L.ld.shared_pages, 1);
	const uint8_t *pg = &L.phys[v2p(&L.ld, KBASE + 0x1000)];
	for (unsigned i = 0; i < 0x800; i++)     /* text's tail */
		assert_int_equal(pg[i], pattern(0x2000 + i));
	for (unsigned i = 0x800; i < 0xc00; i++) /* gap: zero, not file bytes */
		assert_int_equal(pg[i], 0);
	for (unsigned i = 0xc00; i < 0x1000; i++) /* rodata's head */
		assert_int_equal(pg[i], pattern(0x2c00 + (i - 0xc00)));
}

/* The three-segment kernel with its data 1 MiB away: holes too large to
 * claim with the image. */
static struct img *far_kernel_img(void)
{
	struct img *m = img_new(0x5000);
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, 0x1800, 0x1800);
	img_phdr(m, PT_LOAD, PF_R, 0x2c00, KBASE + 0x1c00, 0x600, 0x600);
	img_phdr(m, PT_LOAD, PF_R | PF_W, 0x4000, KBASE + 0x100000, 0x900, 0x3000);
	m->eh.e_entry = KBASE + 0x40;
	return m;
}

static void test_load_whole_image_in_one_firmware_call_when_holes_are_small(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_int_equal(L.ld.ngroups, 2);
	assert_int_equal(L.f.claim_calls, 1);
	assert_int_equal(L.ld.nruns, 1);
	assert_int_equal(L.ld.npieces, 2);
	/* physical offsets equal virtual ones */
	assert_int_equal(L.ld.piece[1].base - L.ld.piece[0].base,
			 L.ld.group[1].vbase - L.ld.group[0].vbase);
	assert_int_equal(fake_claimed_pages(&L.f), 0x13); /* the span, holes too */
	check_contents(cur_img, cur_parsed, &L.ld);
	assert_fake_clean(&L.f);
}

static void test_load_one_run_required_and_missing_is_refused(void **state)
{
	(void)state;
	/* two 16-page runs: the 19-page span fits neither */
	static const struct fake_desc two[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 16 },
		{ MM_EFI_CONVENTIONAL, 0x200000, 16 },
	};
	load_env(two, 2);
	struct elf_file f = parsed_file(cur_img);
	struct rw_err err = { "" };
	cur_parsed->one_run = true;
	assert_int_equal(elf_load(&f, cur_parsed, &L.a, p2v, NULL, &L.ld, &err), -1);
	assert_non_null(strstr(err.msg, PATH));
	assert_non_null(strstr(err.msg, "one piece"));
	assert_nothing_claimed();
}

static void test_load_without_one_run_falls_back_to_groups(void **state)
{
	(void)state;
	static const struct fake_desc two[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 16 },
		{ MM_EFI_CONVENTIONAL, 0x200000, 16 },
	};
	load_env(two, 2);
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_int_equal(L.ld.nruns, 2);
	assert_int_equal(fake_claimed_pages(&L.f), 6);
	check_contents(cur_img, cur_parsed, &L.ld);
	assert_fake_clean(&L.f);
}

static void test_load_one_firmware_call_per_segment_group(void **state)
{
	(void)state;
	load_env(one_run, 1);
	free(cur_img);
	cur_img = far_kernel_img();
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_int_equal(L.ld.ngroups, 2);
	assert_int_equal(L.ld.group[0].pages, 3);
	assert_int_equal(L.ld.group[1].pages, 3);
	assert_int_equal(L.a.calls, 2);
	assert_int_equal(L.f.claim_calls, 2);
	assert_int_equal(L.ld.npieces, 2);
	assert_int_equal(L.ld.nruns, 2);
	for (size_t i = 0; i < L.f.nlog; i++)
		assert_int_equal(L.f.log[i].kind, MM_KERNEL);
	assert_int_equal(fake_claimed_pages(&L.f), 6);
	assert_fake_clean(&L.f);
}

static void test_load_mappings_carry_segment_permissions(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	struct mm_mapping mp[16];
	size_t n = elf_mappings(cur_parsed, &L.ld, mp, 16);
	assert_true(n > 0);
	uint64_t pages = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			assert_true(mp[i - 1].virt + mp[i - 1].size <= mp[i].virt);
		for (uint64_t o = 0; o < mp[i].size; o += PAGE) {
			uint64_t v = mp[i].virt + o;
			assert_int_equal(mp[i].phys + o, v2p(&L.ld, v));
			uint32_t want = v < KBASE + 0x2000 ? MM_MAP_EXEC : /* text, shared */
					v < KBASE + 0x3000 ? 0 :           /* rodata */
					MM_MAP_WRITE;                      /* data */
			if (mp[i].flags != want)
				fail_msg("page 0x%" PRIx64 " flags %u, expected %u",
					 v, mp[i].flags, want);
			pages++;
		}
	}
	assert_int_equal(pages, 6);
	/* Too little room: 0. */
	assert_int_equal(elf_mappings(cur_parsed, &L.ld, mp, 1), 0);
}

static void test_load_fragmented_memory_uses_pieces(void **state)
{
	(void)state;
	/* Free memory in 8-page runs with a reserved page between them. */
	struct fake_desc d[64];
	size_t nd = 0;
	for (uint64_t at = 0x100000; nd < 64; at += 9 * PAGE) {
		d[nd++] = (struct fake_desc){ MM_EFI_CONVENTIONAL, at, 8 };
		d[nd++] = (struct fake_desc){ MM_EFI_RESERVED, at + 8 * PAGE, 1 };
	}
	load_env(d, nd);
	/* One segment of 20 pages plus a page of bss. */
	struct img *m = img_new(0x16000);
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, 0x14000, 0x15000);
	m->eh.e_entry = KBASE;
	free(cur_img);
	cur_img = m;
	struct rw_err err = { "" };
	if (load(m, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_int_equal(L.ld.ngroups, 1);
	assert_int_equal(L.ld.npieces, 3); /* 8 + 8 + 5 pages */
	check_contents(m, cur_parsed, &L.ld);
	struct mm_mapping mp[16];
	size_t n = elf_mappings(cur_parsed, &L.ld, mp, 16);
	assert_int_equal(n, 3);
	assert_int_equal(mp[0].virt, KBASE);
	assert_int_equal(mp[2].virt + mp[2].size, KBASE + 0x15000);
	assert_fake_clean(&L.f);
}

static void test_load_2mib_aligned_segment_gets_2mib_aligned_memory(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct img *m = img_new(0x3000);
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, 0x1000, 0x201000);
	m->eh.e_entry = KBASE;
	free(cur_img);
	cur_img = m;
	struct rw_err err = { "" };
	if (load(m, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_int_equal(L.ld.npieces, 1);
	assert_int_equal(L.ld.piece[0].base & (0x200000 - 1), 0);
	assert_int_equal(L.ld.piece[0].pages, 0x201);
	check_contents(m, cur_parsed, &L.ld);
}

/*
 * A 16 MiB kernel linked 1 MiB past a 2 MiB boundary (text, then a large
 * data segment): its run gets memory 1 MiB past a 2 MiB boundary too, so
 * that physical and virtual addresses agree modulo 2 MiB and the tables
 * map the aligned interior with 2 MiB pages.  Counted exactly: root,
 * PDPT, PD, a PT for each partial 2 MiB page at the two ends (text and
 * data share the first), nothing for the seven whole ones.
 */
static void test_load_unaligned_kernel_gets_2mib_phase(void **state)
{
	/* Free memory whose top is not at that phase (the highest page-
	 * aligned place would not be either). */
	static const struct fake_desc odd_top[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 0x2003 },
	};
	(void)state;
	load_env(odd_top, 1);
	struct img *m = img_new(0x3000);
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE + 0x100000, 0x1000, 0x1000);
	img_phdr(m, PT_LOAD, PF_R | PF_W, 0x2000, KBASE + 0x101000, 0x1000,
		 (16 << 20) - 0x1000);
	m->eh.e_entry = KBASE + 0x100000;
	free(cur_img);
	cur_img = m;
	struct rw_err err = { "" };
	if (load(m, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_int_equal(L.ld.nruns, 1);
	assert_int_equal(L.ld.piece[0].base & (0x200000 - 1), 0x100000);
	struct mm_mapping mp[16];
	size_t n = elf_mappings(cur_parsed, &L.ld, mp, 16);
	assert_int_equal(mm_pt_count_levels(mp, n, false, false), 5);
	check_contents(m, cur_parsed, &L.ld);
}

static void test_load_failing_read_releases_everything(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct elf_file f = parsed_file(cur_img);
	struct rw_err err = { "" };
	rd.fail_at = rd.calls + 2; /* the second segment read fails */
	assert_int_equal(elf_load(&f, cur_parsed, &L.a, p2v, NULL, &L.ld, &err), -1);
	assert_non_null(strstr(err.msg, "EFI_DEVICE_ERROR"));
	assert_non_null(strstr(err.msg, PATH));
	assert_nothing_claimed();
	assert_int_equal(mm_alloc_free_pages(&L.a), L.free0);
}

/* A segment of 1 MiB - 4 KiB, from a file whose firmware refuses large reads. */
static struct img *big_segment_img(void)
{
	struct img *m = img_new(FILE_MAX);
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, FILE_MAX - 0x1000,
		 FILE_MAX - 0x1000);
	m->eh.e_entry = KBASE;
	free(cur_img);
	cur_img = m;
	return m;
}

static void test_load_refused_large_reads_are_retried_smaller(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct img *m = big_segment_img();
	struct elf_file f = parsed_file(m);
	struct rw_err err = { "" };
	rd.max_len = 256 << 10;
	if (elf_load(&f, cur_parsed, &L.a, p2v, NULL, &L.ld, &err))
		fail_msg("elf_load: %s", err.msg);
	assert_true(rd.refused >= 1);
	assert_int_equal(L.ld.bytes_read, FILE_MAX - 0x1000);
	assert_true(L.ld.reads >= (FILE_MAX - 0x1000) / (256 << 10));
	check_contents(m, cur_parsed, &L.ld);
}

static void test_load_reads_refused_even_small_fail_cleanly(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct img *m = big_segment_img();
	struct elf_file f = parsed_file(m);
	struct rw_err err = { "" };
	rd.max_len = 16 << 10; /* below the smallest chunk Runway tries */
	assert_int_equal(elf_load(&f, cur_parsed, &L.a, p2v, NULL, &L.ld, &err), -1);
	assert_non_null(strstr(err.msg, PATH));
	assert_non_null(strstr(err.msg, "EFI_DEVICE_ERROR"));
	assert_nothing_claimed();
	assert_int_equal(mm_alloc_free_pages(&L.a), L.free0);
}

/*
 * Fault injection: on fragmented memory a load makes several claims.  For
 * every N up to that count, refuse claim N (firmware's map changed under
 * us: the allocator may place the run elsewhere) and, separately, every
 * claim from N on (nothing can succeed).  Each load either succeeds with
 * the right bytes or fails naming the file, with no page still claimed.
 */
static void test_every_nth_claim_refused_load_fails_cleanly(void **state)
{
	(void)state;
	struct fake_desc d[96];
	size_t nd = 0;
	for (uint64_t at = 0x100000; nd < 96; at += 9 * PAGE) {
		d[nd++] = (struct fake_desc){ MM_EFI_CONVENTIONAL, at, 8 };
		d[nd++] = (struct fake_desc){ MM_EFI_RESERVED, at + 8 * PAGE, 1 };
	}
	struct img *m = img_new(0x16000);
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, 0x8000, 0x8000);
	img_phdr(m, PT_LOAD, PF_R | PF_W, 0x9000, KBASE + 0x100000, 0xc000, 0x30000);
	m->eh.e_entry = KBASE;
	free(cur_img);
	cur_img = m;

	load_env(d, nd);
	struct rw_err err = { "" };
	if (load(m, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	uint64_t calls = L.f.claim_calls;
	assert_true(calls >= 6); /* 8 + 48 pages in 8-page runs */
	teardown(NULL);

	for (int mode = 0; mode < 2; mode++) {
		for (uint64_t n = 1; n <= calls; n++) {
			cur_img = m = img_new(0x16000);
			img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, KBASE, 0x8000, 0x8000);
			img_phdr(m, PT_LOAD, PF_R | PF_W, 0x9000, KBASE + 0x100000, 0xc000,
				 0x30000);
			m->eh.e_entry = KBASE;
			cur_parsed = calloc(1, sizeof *cur_parsed);
			load_env(d, nd);
			if (mode == 0)
				L.f.fail_nth = n;
			else
				L.f.fail_from = n;
			err.msg[0] = 0;
			if (load(m, cur_parsed, &err) == 0) {
				if (mode == 1)
					fail_msg("every claim from %" PRIu64 " refused, yet the load succeeded",
						 n);
				check_contents(m, cur_parsed, &L.ld);
			} else {
				if (!strstr(err.msg, PATH))
					fail_msg("claim %" PRIu64 " refused: message '%s' does not name the file",
						 n, err.msg);
				assert_nothing_claimed();
				assert_int_equal(L.a.nclaims, 0);
			}
			assert_true(L.f.refusals >= 1);
			teardown(NULL);
		}
	}
}

static void test_load_failing_claim_releases_everything(void **state)
{
	(void)state;
	load_env(one_run, 1);
	free(cur_img);
	cur_img = far_kernel_img();
	/* The first group's claim works, every later one is refused. */
	L.f.fail_from = 2;
	struct rw_err err = { "" };
	assert_int_equal(load(cur_img, cur_parsed, &err), -1);
	assert_non_null(strstr(err.msg, PATH));
	assert_true(L.f.release_calls >= 1);
	assert_nothing_claimed();
}

static void test_load_out_of_memory_fails_cleanly(void **state)
{
	(void)state;
	static const struct fake_desc small[] = {
		{ MM_EFI_CONVENTIONAL, 0x100000, 4 },
	};
	load_env(small, 1);
	struct rw_err err = { "" };
	assert_int_equal(load(cur_img, cur_parsed, &err), -1);
	assert_non_null(strstr(err.msg, "no memory"));
	assert_nothing_claimed();
	assert_int_equal(mm_alloc_free_pages(&L.a), L.free0);
}

/* ==== verify mode: the digest read back through the page tables ==== */

/* What tools/elfhash computes for m's bytes, written to a file. */
static void elfhash_of(struct img *m, uint8_t ret_digest[32])
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	uint64_t nseg;

	snprintf(path, sizeof path, "%s/runway-test-elf.XXXXXX", dir ? dir : "/tmp");
	img_write(m);
	int fd = mkstemp(path);
	if (fd < 0)
		fail_msg("mkstemp(%s): %s", path, strerror(errno));
	bool ok = write(fd, m->bytes, m->size) == (ssize_t)m->size;
	close(fd);
	int r = ok ? elfhash_file(path, ret_digest, &nseg) : -1;
	unlink(path);
	if (r)
		fail_msg("tools/elfhash could not hash the image (see stderr)");
}

/* Take the page at v out of the mappings (splitting the one holding it). */
static void unmap_page(struct mm_mapping *mp, size_t *n, size_t cap, uint64_t v)
{
	for (size_t i = 0; i < *n; i++) {
		struct mm_mapping m = mp[i];
		if (v < m.virt || v - m.virt >= m.size)
			continue;
		assert_true(*n < cap);
		memmove(&mp[i + 2], &mp[i + 1], (*n - i - 1) * sizeof *mp);
		mp[i] = (struct mm_mapping){ m.virt, m.phys, v - m.virt, m.flags };
		uint64_t after = v + PAGE - m.virt;
		mp[i + 1] = (struct mm_mapping){ v + PAGE, m.phys + after,
						 m.size - after, m.flags };
		/* Drop the empty halves. */
		size_t k = 0;
		for (size_t j = 0; j < *n + 1; j++)
			if (mp[j].size)
				mp[k++] = mp[j];
		*n = k;
		return;
	}
	fail_msg("0x%" PRIx64 " is not mapped to begin with", v);
}

/*
 * Page tables for the loaded image as boot_entry builds them: the
 * image's mappings, tables from one pool claimed from the allocator,
 * phys_to_ptr into host memory.  A nonzero `hole` is left unmapped.
 */
static struct mm_pt tables_for(const struct elf_image *im, uint64_t hole)
{
	struct mm_mapping mp[64];
	size_t n = elf_mappings(im, &L.ld, mp, 64);
	struct rw_err err = { "" };
	uint64_t pool;

	assert_true(n > 0);
	if (hole)
		unmap_page(mp, &n, 64, hole);
	struct mm_req req = { .pages = mm_pt_count(mp, n, false), .kind = MM_LOADER };
	if (mm_alloc_run(&L.a, &req, &pool, &err))
		fail_msg("page table pool: %s", err.msg);
	struct mm_pt pt = { .pool = pool, .pool_pages = req.pages, .nx = true,
			    .phys_to_ptr = p2v };
	if (mm_pt_map_all(&pt, mp, n, &err))
		fail_msg("mm_pt_map_all: %s", err.msg);
	return pt;
}

/* Load m, build its tables and compare the digests. */
static void expect_digest_of_elfhash(struct img *m, struct elf_image *im,
				     bool place, uint64_t random)
{
	struct elf_file f = parsed_file(m);
	struct rw_err err = { "" };
	uint8_t got[32], want[32];
	uint64_t align;

	*im = *cur_parsed;
	if (place && elf_place(im, PATH, true, random, &align, &err))
		fail_msg("elf_place: %s", err.msg);
	if (elf_load(&f, im, &L.a, p2v, NULL, &L.ld, &err))
		fail_msg("elf_load: %s", err.msg);
	struct mm_pt pt = tables_for(im, 0);
	if (elf_hash_mapped(im, &pt, PATH, got, &err))
		fail_msg("elf_hash_mapped: %s", err.msg);
	elfhash_of(m, want);
	assert_memory_equal(got, want, 32);
}

static void test_digest_of_a_loaded_kernel_equals_elfhash(void **state)
{
	(void)state;
	struct elf_image im;
	load_env(one_run, 1);
	/* text and rodata share a page; data has bss */
	expect_digest_of_elfhash(cur_img, &im, false, 0);
	assert_int_equal(im.nseg, 3);
	assert_true(im.seg[2].memsz > im.seg[2].filesz);
}

static void test_digest_follows_program_header_order(void **state)
{
	(void)state;
	struct elf_image im;
	struct elf64_phdr t = cur_img->ph[0];
	cur_img->ph[0] = cur_img->ph[2];
	cur_img->ph[2] = t;
	load_env(one_run, 1);
	expect_digest_of_elfhash(cur_img, &im, false, 0);
	assert_int_equal(im.seg[0].phdr_index, 2); /* vaddr order differs */
}

/* A PIE linked at 0: text, then data whose bss fills a 2 MiB-aligned
 * group of more than 2 MiB (a large page in the tables). */
static struct img *pie_img(void)
{
	struct img *m = img_new(0x4000);
	m->eh.e_type = ELF_ET_DYN;
	img_phdr(m, PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x1234, 0x1234);
	struct elf64_phdr *d = img_phdr(m, PT_LOAD, PF_R | PF_W, 0x3000,
					0x200000, 0x800, 0x280000);
	d->p_align = 0x200000;
	m->eh.e_entry = 0x1010;
	free(cur_img);
	cur_img = m;
	return m;
}

static void test_digest_of_a_slid_pie_equals_elfhash(void **state)
{
	(void)state;
	static const uint64_t randoms[] = { 0, 1, 77, 0xfedcba9876543210ull };
	for (size_t i = 0; i < sizeof randoms / sizeof randoms[0]; i++) {
		struct elf_image im;
		struct img *m = pie_img();
		load_env(one_run, 1);
		expect_digest_of_elfhash(m, &im, true, randoms[i]);
		assert_true(im.vlow >= ELF_WINDOW_BASE);
		assert_int_equal(im.slide % 0x200000, 0);
		teardown(NULL);
		cur_parsed = calloc(1, sizeof *cur_parsed);
		assert_non_null(cur_parsed);
	}
}

static void test_digest_of_an_unmapped_page_names_address_and_phdr(void **state)
{
	(void)state;
	load_env(one_run, 1);
	struct rw_err err = { "" };
	if (load(cur_img, cur_parsed, &err))
		fail_msg("elf_load: %s", err.msg);
	/* the last page of data's bss */
	struct mm_pt pt = tables_for(cur_parsed, KBASE + 0x12000);
	uint8_t digest[32];
	memset(digest, 0x5a, sizeof digest);
	assert_int_equal(elf_hash_mapped(cur_parsed, &pt, PATH, digest, &err), -1);
	if (!strstr(err.msg, PATH) || !strstr(err.msg, "0xffffffff80012000") ||
	    !strstr(err.msg, "phdr 2") || !strstr(err.msg, "not mapped"))
		fail_msg("message '%s' does not name the file, address and phdr", err.msg);
	for (size_t i = 0; i < sizeof digest; i++)
		assert_int_equal(digest[i], 0x5a);
}

#define P(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		P(test_valid_three_segment_kernel_parses),
		P(test_program_headers_out_of_order_are_sorted),
		P(test_et_dyn_accepted),
		P(test_larger_phentsize_accepted),
		P(test_pn_xnum_with_section_header_0_gives_real_count),
		P(test_verify_mode_accepts_interp_and_any_entry),
		P(test_bad_magic_rejected),
		P(test_elfclass32_rejected),
		P(test_big_endian_rejected),
		P(test_bad_ident_version_rejected),
		P(test_bad_e_version_rejected),
		P(test_et_rel_rejected),
		P(test_et_core_rejected),
		P(test_wrong_machine_rejected),
		P(test_small_ehsize_rejected),
		P(test_small_phentsize_rejected),
		P(test_phnum_zero_rejected),
		P(test_phdrs_past_end_of_file_rejected),
		P(test_phoff_overflowing_rejected),
		P(test_filesz_above_memsz_rejected),
		P(test_segment_past_end_of_file_rejected),
		P(test_segment_offset_overflowing_rejected),
		P(test_align_not_power_of_two_rejected),
		P(test_offset_vaddr_not_congruent_rejected),
		P(test_non_canonical_vaddr_rejected),
		P(test_segment_crossing_into_hole_rejected),
		P(test_vaddr_plus_memsz_overflow_rejected),
		P(test_huge_memsz_overflow_rejected),
		P(test_overlapping_segments_rejected),
		P(test_no_pt_load_rejected),
		P(test_only_empty_pt_load_rejected),
		P(test_entry_in_data_segment_rejected),
		P(test_entry_just_past_text_rejected),
		P(test_pt_interp_rejected),
		P(test_pn_xnum_without_section_header_rejected),
		P(test_too_small_file_rejected),
		P(test_more_than_32_segments_rejected),
		P(test_read_error_during_parse_named),
		P(test_load_places_file_bytes_and_zeroes_the_rest),
		P(test_load_bss_reads_zero),
		P(test_load_shared_page_gets_both_segments),
		P(test_writable_executable_segment_rejected),
		P(test_load_refused_large_reads_are_retried_smaller),
		P(test_load_reads_refused_even_small_fail_cleanly),
		P(test_every_nth_claim_refused_load_fails_cleanly),
		P(test_text_and_data_sharing_a_page_rejected),
		P(test_verify_mode_accepts_writable_executable),
		P(test_three_segments_on_one_page_union_rejected),
		P(test_load_one_firmware_call_per_segment_group),
		P(test_load_whole_image_in_one_firmware_call_when_holes_are_small),
		P(test_load_one_run_required_and_missing_is_refused),
		P(test_load_without_one_run_falls_back_to_groups),
		P(test_load_mappings_carry_segment_permissions),
		P(test_load_fragmented_memory_uses_pieces),
		P(test_load_2mib_aligned_segment_gets_2mib_aligned_memory),
		P(test_load_unaligned_kernel_gets_2mib_phase),
		P(test_load_failing_read_releases_everything),
		P(test_load_failing_claim_releases_everything),
		P(test_load_out_of_memory_fails_cleanly),
		P(test_digest_of_a_loaded_kernel_equals_elfhash),
		P(test_digest_follows_program_header_order),
		P(test_digest_of_a_slid_pie_equals_elfhash),
		P(test_digest_of_an_unmapped_page_names_address_and_phdr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
