/*
 * test_proto.c - the protocol seam: the table (proto_find, proto_names) and
 * Runway's own protocol (proto/runway.c).  A loaded kernel is described by
 * hand; prepare claims through the allocator over a fake firmware
 * (fakefw.c) with a host buffer as physical memory, and everything the
 * kernel would receive is read back through its direct-map addresses.
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
#include "proto.h"
#include "runway/boot.h"

#define PAGE 4096ull
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define HHDM RUNWAY_HHDM_OFFSET
#define KBASE 0xffffffff80000000ull
#define PHYS_END (32 * MIB) /* host memory stands for [0, PHYS_END) */
#define JUNK 0xcc           /* host memory before the test: writes show */
#define MAP_CAP 64
#define REG_CAP 256
#define CLAIM_CAP 64

#define KERNEL_ENTRY (KBASE + 0x1040)
#define KERNEL_PIECE0 0x1200000ull
#define CMDLINE "console=ttyS0 loglevel=7 root=/dev/ram0"
#define FB_PHYS 0x80000000ull
#define ACPI1 0xe0000ull
#define ACPI2 0x7fb7e014ull
#define SMBIOS32 0xf0000ull
#define SMBIOS64 0x7fb5f000ull
#define SYSTAB 0x7f9ee018ull

/* ---- environment: allocator over a fake map, phys in a host buffer ---- */

static struct {
	struct fake_fw f;
	struct mm_alloc a;
	struct mm_region reg[REG_CAP];
	struct mm_claim claims[CLAIM_CAP];
	uint8_t *phys;
	struct elf_image img;
	struct elf_load ld;
	struct loaded_kernel k;
	struct proto_run run;
	uint64_t claim_base, claim_end; /* prepare's one claim */
	bool up;
} E;

static void *p2v(void *ctx, uint64_t phys)
{
	if (ctx != &E)
		fail_msg("p2v called with ctx %p, not run->p2v_ctx", ctx);
	if (phys >= PHYS_END)
		fail_msg("p2v(0x%" PRIx64 ") outside host memory", phys);
	if (!E.f.claimed[phys >> 12])
		fail_msg("the protocol writes 0x%" PRIx64 ", which it has not claimed",
			 phys);
	return E.phys + phys;
}

/* The kernel every test starts from: two pieces (the first not the
 * lowest physical one), two modules, a BGRX framebuffer, every table. */
static void describe_kernel(void)
{
	E.img = (struct elf_image){ .type = ELF_ET_EXEC, .entry = KERNEL_ENTRY,
				    .vlow = KBASE, .vhigh = KBASE + 0x7000 };
	E.ld = (struct elf_load){ .ngroups = 1, .npieces = 2 };
	E.ld.group[0] = (struct elf_group){ .vbase = KBASE, .pages = 7,
					    .npieces = 2 };
	E.ld.piece[0] = (struct mm_claim){ KERNEL_PIECE0, 5 };
	E.ld.piece[1] = (struct mm_claim){ 0x1100000, 2 };
	E.k = (struct loaded_kernel){
		.path = "/boot/kernel.elf",
		.cmdline = CMDLINE,
		.img = &E.img,
		.ld = &E.ld,
		.hhdm_offset = HHDM,
		.hhdm_size = 4 * GIB,
		.nmodules = 2,
		.modules = {
			{ 0x1600000, 0x1234, "/boot/initrd.img", "root=/dev/ram0" },
			{ 0x1700000, 0x10, "/boot/font.psf", "" },
		},
		.machine = {
			.fb = { .present = true, .phys = FB_PHYS, .size = 0x300000,
				.mode = { .width = 1024, .height = 768, .pitch = 4096,
				.bpp = 32, .red_mask = 0xff0000,
				.green_mask = 0xff00, .blue_mask = 0xff,
				.reserved_mask = 0xff000000 } },
			.acpi1_rsdp = ACPI1,
			.acpi2_rsdp = ACPI2,
			.smbios32_entry = SMBIOS32,
			.smbios64_entry = SMBIOS64,
			.efi_system_table = SYSTAB,
			.efi_image_handle = 0x7e000000,
		},
		.map_cap = MAP_CAP,
		.tsc_entry = 1111111,
		.tsc_load_start = 2222222,
		.tsc_load_done = 3333333,
		.times = { .map = 11, .plan = 12, .claims = 13, .reads = 14,
			   .zeroing = 15, .relocation = 16, .page_tables = 17 },
	};
}

static void env_up(const struct fake_desc *d, size_t n, uint64_t npages)
{
	fake_init(&E.f, npages);
	size_t nreg = fake_map(&E.f, d, n, E.reg, REG_CAP);
	assert_true(REG_CAP >= MM_REG_CAP(nreg, CLAIM_CAP));
	mm_alloc_init(&E.a, &E.f.fw, E.reg, nreg, REG_CAP, E.claims, CLAIM_CAP);
	E.phys = malloc(PHYS_END);
	assert_non_null(E.phys);
	memset(E.phys, JUNK, PHYS_END);
	E.up = true;
	describe_kernel();
	E.run = (struct proto_run){ .k = &E.k, .alloc = &E.a, .p2v = p2v,
				    .p2v_ctx = &E };
}

/* 15 MiB of free memory at 1 MiB; host memory goes on to 32 MiB. */
static const struct fake_desc low_memory[] = {
	{ MM_EFI_CONVENTIONAL, 1 * MIB, (15 * MIB) / PAGE },
};

static void env_default(void)
{
	env_up(low_memory, 1, PHYS_END / PAGE);
}

static int teardown(void **state)
{
	(void)state;
	if (E.up) {
		fake_destroy(&E.f);
		free(E.phys);
	}
	memset(&E, 0, sizeof E);
	return 0;
}

/* The one claim prepare made (the firmware's log has nothing else). */
static const struct fake_call *only_claim(void)
{
	if (E.f.nlog != 1)
		fail_msg("%zu firmware calls, expected one claim", E.f.nlog);
	const struct fake_call *c = &E.f.log[0];
	assert_false(c->release);
	assert_true(c->ok);
	return c;
}

/* Host pointer to [virt, virt + len), a direct-map address that must lie
 * inside prepare's claim. */
static void *at(uint64_t virt, uint64_t len)
{
	const uint64_t hhdm = HHDM, phys = virt - hhdm;
	if (virt < hhdm || phys < E.claim_base || phys > E.claim_end ||
	    len > E.claim_end - phys)
		fail_msg("0x%" PRIx64 " + %" PRIu64 " bytes is not in the claim [0x%" PRIx64 ", 0x%" PRIx64 ") of the direct map",
			 virt, len, E.claim_base + hhdm, E.claim_end + hhdm);
	return E.phys + phys;
}

/* The NUL-terminated string at direct-map address virt, inside the claim. */
static const char *str_at(uint64_t virt)
{
	const char *s = at(virt, 1);
	uint64_t room = E.claim_end - (virt - HHDM);
	if (!memchr(s, 0, room))
		fail_msg("the string at 0x%" PRIx64 " runs past the claim", virt);
	return s;
}

/* Run prepare, which must succeed; returns the boot info. */
static struct runway_boot_info *prepare_ok(void)
{
	struct rw_err err = { "" };
	if (proto_runway.prepare(&E.run, &err))
		fail_msg("prepare: %s", err.msg);
	assert_fake_clean(&E.f);
	const struct fake_call *c = only_claim();
	E.claim_base = c->base;
	E.claim_end = c->base + c->pages * PAGE;
	return at(E.run.arg, sizeof(struct runway_boot_info));
}

/* Every byte of host memory outside prepare's claim is still junk. */
static void assert_nothing_written_outside_claim(void)
{
	for (uint64_t p = 0; p < PHYS_END; p++) {
		if (p == E.claim_base)
			p = E.claim_end;
		if (p < PHYS_END && E.phys[p] != JUNK)
			fail_msg("phys 0x%" PRIx64 " was written; the claim is [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 p, E.claim_base, E.claim_end);
	}
}

/* ---- the table ---- */

static void test_find_empty_name_gives_runway(void **state)
{
	(void)state;
	assert_ptr_equal(proto_find(""), &proto_runway);
}

static void test_find_runway_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(proto_find("runway"), &proto_runway);
	assert_string_equal(proto_runway.name, "runway");
}

static void test_find_unknown_name_gives_null(void **state)
{
	(void)state;
	assert_null(proto_find("linux"));
	assert_null(proto_find("runwayx"));
	assert_null(proto_find("runwa"));
	assert_null(proto_find(" runway"));
}

static void test_names_list_every_protocol(void **state)
{
	(void)state;
	assert_string_equal(proto_names(), "runway, limine, multiboot2, multiboot1");
	/* Asked again, the same answer (it is built once). */
	assert_string_equal(proto_names(), "runway, limine, multiboot2, multiboot1");
}

static void test_find_limine_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(proto_find("limine"), &proto_limine);
}

/* ---- prepare: what it claims ---- */

static void test_prepare_makes_one_loader_claim_below_4gib(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	const struct fake_call *c = only_claim();
	assert_int_equal(c->kind, MM_LOADER);
	assert_true(c->base + c->pages * PAGE <= 4 * GIB);
	assert_int_equal(E.a.nclaims, 1);
}

static void test_prepare_claims_below_4gib_when_memory_above_is_free(void **state)
{
	(void)state;
	/* Highest fit first would pick the memory above 4 GiB. */
	static const struct fake_desc d[] = {
		{ MM_EFI_CONVENTIONAL, 1 * MIB, (15 * MIB) / PAGE },
		{ MM_EFI_CONVENTIONAL, 4 * GIB, (16 * MIB) / PAGE },
	};
	env_up(d, 2, (4 * GIB + 16 * MIB) / PAGE);
	prepare_ok();
	assert_true(E.claim_end <= 4 * GIB);
	assert_int_equal(only_claim()->kind, MM_LOADER);
}

static void test_prepare_writes_only_inside_its_claim(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	assert_nothing_written_outside_claim();
}

/* ---- prepare: the boot info ---- */

static void test_boot_info_header(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->magic, RUNWAY_BOOT_MAGIC);
	assert_memory_equal(&bi->magic, "RUNWAYBI", 8);
	assert_int_equal(bi->version, RUNWAY_BOOT_VERSION);
	assert_int_equal(bi->size, sizeof *bi);
	assert_int_equal(bi->hhdm_offset, HHDM);
}

static void test_boot_info_kernel_is_first_piece_and_span(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->kernel_phys_base, KERNEL_PIECE0);
	assert_int_equal(bi->kernel_virt_base, KBASE);
	assert_int_equal(bi->kernel_size, 0x7000);
}

static void test_cmdline_reads_back_through_the_direct_map(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_string_equal(str_at(bi->cmdline), CMDLINE);
}

static void test_empty_cmdline_arrives_empty(void **state)
{
	(void)state;
	env_default();
	E.k.cmdline = "";
	struct runway_boot_info *bi = prepare_ok();
	assert_string_equal(str_at(bi->cmdline), "");
}

static void test_cmdline_of_maximum_length_arrives_whole(void **state)
{
	(void)state;
	static char line[CONFIG_CMDLINE_MAX];
	for (size_t i = 0; i < CONFIG_CMDLINE_MAX - 1; i++)
		line[i] = (char)('a' + i % 26);
	line[CONFIG_CMDLINE_MAX - 1] = 0;
	env_default();
	E.k.cmdline = line;
	struct runway_boot_info *bi = prepare_ok();
	const char *got = str_at(bi->cmdline);
	assert_int_equal(strlen(got), CONFIG_CMDLINE_MAX - 1);
	assert_string_equal(got, line);
}

static void check_module(const struct runway_module *m,
			 const struct loaded_module *want)
{
	assert_int_equal(m->phys, want->phys);
	assert_int_equal(m->virt, want->phys + HHDM);
	assert_int_equal(m->size, want->size);
	assert_string_equal(str_at(m->path), want->path);
	assert_string_equal(str_at(m->string), want->string);
}

static void test_modules_read_back_with_path_and_string(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->module_count, 2);
	const struct runway_module *m = at(bi->modules, 2 * sizeof *m);
	check_module(&m[0], &E.k.modules[0]);
	check_module(&m[1], &E.k.modules[1]);
}

static void test_no_modules_gives_count_zero(void **state)
{
	(void)state;
	env_default();
	E.k.nmodules = 0;
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->module_count, 0);
}

static void test_maximum_module_count_arrives(void **state)
{
	(void)state;
	static char path[CONFIG_MAX_MODULES][32], str[CONFIG_MAX_MODULES][32];
	env_default();
	E.k.nmodules = CONFIG_MAX_MODULES;
	for (size_t i = 0; i < CONFIG_MAX_MODULES; i++) {
		snprintf(path[i], sizeof path[i], "/boot/mod%zu.bin", i);
		snprintf(str[i], sizeof str[i], "arg=%zu", i);
		E.k.modules[i] = (struct loaded_module){
			0x1800000 + i * 0x100000, 0x1000 + i, path[i], str[i] };
	}
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->module_count, CONFIG_MAX_MODULES);
	const struct runway_module *m =
		at(bi->modules, CONFIG_MAX_MODULES * sizeof *m);
	for (size_t i = 0; i < CONFIG_MAX_MODULES; i++)
		check_module(&m[i], &E.k.modules[i]);
}

static void test_module_path_and_string_of_maximum_length_arrive_whole(void **state)
{
	(void)state;
	static char path[CONFIG_PATH_MAX], str[CONFIG_MODULE_STRING_MAX];
	memset(path, 'p', sizeof path - 1);
	path[0] = '/';
	memset(str, 's', sizeof str - 1);
	env_default();
	E.k.modules[1].path = path;
	E.k.modules[1].string = str;
	struct runway_boot_info *bi = prepare_ok();
	const struct runway_module *m = at(bi->modules, 2 * sizeof *m);
	assert_int_equal(strlen(str_at(m[1].path)), CONFIG_PATH_MAX - 1);
	assert_int_equal(strlen(str_at(m[1].string)), CONFIG_MODULE_STRING_MAX - 1);
	check_module(&m[1], &E.k.modules[1]);
	check_module(&m[0], &E.k.modules[0]);
}

/* ---- prepare: the framebuffer ---- */

static const struct runway_framebuffer *fb_with(uint32_t r, uint32_t g,
						uint32_t b, uint32_t x)
{
	env_default();
	E.k.machine.fb.mode.red_mask = r;
	E.k.machine.fb.mode.green_mask = g;
	E.k.machine.fb.mode.blue_mask = b;
	E.k.machine.fb.mode.reserved_mask = x;
	return &prepare_ok()->framebuffer;
}

static void test_framebuffer_fields_copied_with_direct_map_address(void **state)
{
	(void)state;
	env_default();
	const struct runway_framebuffer *fb = &prepare_ok()->framebuffer;
	assert_int_equal(fb->phys, FB_PHYS);
	assert_int_equal(fb->virt, FB_PHYS + HHDM);
	assert_int_equal(fb->size, 0x300000);
	assert_int_equal(fb->width, 1024);
	assert_int_equal(fb->height, 768);
	assert_int_equal(fb->pitch, 4096);
	assert_int_equal(fb->red_mask, 0xff0000);
	assert_int_equal(fb->green_mask, 0xff00);
	assert_int_equal(fb->blue_mask, 0xff);
	assert_int_equal(fb->reserved_mask, 0xff000000);
}

static void test_framebuffer_rgbx_masks_give_rgbx8888(void **state)
{
	(void)state;
	const struct runway_framebuffer *fb =
		fb_with(0xff, 0xff00, 0xff0000, 0xff000000);
	assert_int_equal(fb->format, RUNWAY_FB_RGBX8888);
}

static void test_framebuffer_bgrx_masks_give_bgrx8888(void **state)
{
	(void)state;
	const struct runway_framebuffer *fb =
		fb_with(0xff0000, 0xff00, 0xff, 0xff000000);
	assert_int_equal(fb->format, RUNWAY_FB_BGRX8888);
}

static void test_framebuffer_other_masks_give_bitmask(void **state)
{
	(void)state;
	/* RGB565-style masks in a 32-bit pixel. */
	const struct runway_framebuffer *fb =
		fb_with(0xf800, 0x07e0, 0x001f, 0xffff0000);
	assert_int_equal(fb->format, RUNWAY_FB_BITMASK);
	assert_int_equal(fb->red_mask, 0xf800);
	assert_int_equal(fb->green_mask, 0x07e0);
	assert_int_equal(fb->blue_mask, 0x001f);
	assert_int_equal(fb->reserved_mask, 0xffff0000);
}

static void test_framebuffer_absent_gives_format_none_and_zeros(void **state)
{
	(void)state;
	static const struct runway_framebuffer zero;
	env_default();
	E.k.machine.fb.present = false;
	const struct runway_framebuffer *fb = &prepare_ok()->framebuffer;
	assert_int_equal(fb->format, RUNWAY_FB_NONE);
	assert_int_equal(fb->phys, 0);
	assert_memory_equal(fb, &zero, sizeof zero);
}

/* ---- prepare: firmware tables ---- */

static struct runway_boot_info *with_tables(uint64_t acpi1, uint64_t acpi2,
					    uint64_t smb32, uint64_t smb64)
{
	env_default();
	E.k.machine.acpi1_rsdp = acpi1;
	E.k.machine.acpi2_rsdp = acpi2;
	E.k.machine.smbios32_entry = smb32;
	E.k.machine.smbios64_entry = smb64;
	return prepare_ok();
}

static void test_acpi_rsdp_prefers_acpi2(void **state)
{
	(void)state;
	assert_int_equal(with_tables(ACPI1, ACPI2, 0, 0)->acpi_rsdp, ACPI2);
}

static void test_acpi_rsdp_falls_back_to_acpi1(void **state)
{
	(void)state;
	assert_int_equal(with_tables(ACPI1, 0, 0, 0)->acpi_rsdp, ACPI1);
}

static void test_acpi_rsdp_zero_without_acpi(void **state)
{
	(void)state;
	assert_int_equal(with_tables(0, 0, SMBIOS32, 0)->acpi_rsdp, 0);
}

static void test_smbios_prefers_the_64bit_entry(void **state)
{
	(void)state;
	assert_int_equal(with_tables(0, 0, SMBIOS32, SMBIOS64)->smbios_entry,
			 SMBIOS64);
}

static void test_smbios_falls_back_to_the_32bit_entry(void **state)
{
	(void)state;
	assert_int_equal(with_tables(0, 0, SMBIOS32, 0)->smbios_entry, SMBIOS32);
}

static void test_smbios_zero_without_smbios(void **state)
{
	(void)state;
	assert_int_equal(with_tables(ACPI1, 0, 0, 0)->smbios_entry, 0);
}

static void test_efi_system_table_copied(void **state)
{
	(void)state;
	env_default();
	assert_int_equal(prepare_ok()->efi_system_table, SYSTAB);
}

static void test_tsc_stamps_copied_and_exit_stamp_zero(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->tsc_loader_entry, 1111111);
	assert_int_equal(bi->tsc_load_start, 2222222);
	assert_int_equal(bi->tsc_load_done, 3333333);
	assert_int_equal(bi->tsc_exit_boot, 0); /* finish sets it */
}

/* The phase times so far are copied; total and exit are the loader's to
 * write at the jump, through times_out, which points into the boot info. */
static void test_load_times_copied_and_times_out_set(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->size, 288);
	assert_int_equal(bi->load_times.map, 11);
	assert_int_equal(bi->load_times.reads, 14);
	assert_int_equal(bi->load_times.page_tables, 17);
	assert_int_equal(bi->load_times.total, 0);
	assert_int_equal(bi->load_times.exit, 0);
	assert_ptr_equal(E.run.times_out, &bi->load_times);
}

static void test_mmap_buffer_holds_three_entries_per_region(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->mmap_count, 0); /* finish sets it */
	assert_int_equal(bi->mmap % 8, 0);
	at(bi->mmap, 3 * MAP_CAP * sizeof(struct runway_mmap_entry));
}

/* ---- prepare: the jump ---- */

static void test_jump_enters_the_image_with_boot_info_in_rdi(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(E.run.entry, KERNEL_ENTRY);
	assert_ptr_equal(at(E.run.arg, sizeof *bi), bi);
	assert_int_equal(E.run.arg % 8, 0);
}

static void test_stack_top_is_aligned_end_of_the_stack(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(bi->stack_size, RUNWAY_STACK_SIZE);
	assert_int_equal(bi->stack_size, 64 * 1024);
	assert_int_equal(E.run.stack_top, bi->stack_base + bi->stack_size);
	assert_int_equal(E.run.stack_top % 16, 0);
}

static void test_stack_lies_in_the_claim_apart_from_the_block(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	at(bi->stack_base, bi->stack_size);
	const uint64_t lo = bi->stack_base, hi = bi->stack_base + bi->stack_size;
	const uint64_t mmap_end =
		bi->mmap + 3 * MAP_CAP * sizeof(struct runway_mmap_entry);
	const uint64_t in_block[] = { E.run.arg, E.run.gdtr, bi->cmdline,
				      bi->modules, bi->mmap, mmap_end - 1 };
	for (size_t i = 0; i < sizeof in_block / sizeof in_block[0]; i++)
		if (in_block[i] >= lo && in_block[i] < hi)
			fail_msg("0x%" PRIx64 " lies in the stack [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 in_block[i], lo, hi);
}

/* The 10-byte GDTR at run->gdtr. */
static void read_gdtr(uint16_t *limit, uint64_t *base)
{
	const uint8_t *g = at(E.run.gdtr, 10);
	memcpy(limit, g, 2);
	memcpy(base, g + 2, 8);
}

static void test_gdtr_covers_three_descriptors_in_the_claim(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	uint16_t limit;
	uint64_t base;
	read_gdtr(&limit, &base);
	assert_int_equal(limit, 3 * 8 - 1);
	at(base, limit + 1u);
	assert_int_equal(base % 8, 0);
}

/* Fields of a segment descriptor (Intel SDM vol. 3A, 3.4.5). */
#define DESC_PRESENT(d) (((d) >> 47) & 1)
#define DESC_DPL(d)     (((d) >> 45) & 3)
#define DESC_S(d)       (((d) >> 44) & 1) /* code or data, not system */
#define DESC_CODE(d)    (((d) >> 43) & 1)
#define DESC_RW(d)      (((d) >> 41) & 1) /* readable code, writable data */
#define DESC_L(d)       (((d) >> 53) & 1)
#define DESC_DB(d)      (((d) >> 54) & 1)

static void read_gdt(uint64_t gdt[3])
{
	uint16_t limit;
	uint64_t base;
	read_gdtr(&limit, &base);
	memcpy(gdt, at(base, 24), 24);
}

static void test_gdt_0x08_is_64bit_code_dpl0(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	uint64_t gdt[3];
	read_gdt(gdt);
	assert_int_equal(gdt[0], 0);
	uint64_t d = gdt[0x08 >> 3];
	assert_int_equal(DESC_PRESENT(d), 1);
	assert_int_equal(DESC_DPL(d), 0);
	assert_int_equal(DESC_S(d), 1);
	assert_int_equal(DESC_CODE(d), 1);
	assert_int_equal(DESC_RW(d), 1);
	assert_int_equal(DESC_L(d), 1);
	assert_int_equal(DESC_DB(d), 0); /* L with D set is reserved */
}

static void test_gdt_0x10_is_data_dpl0(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	uint64_t gdt[3];
	read_gdt(gdt);
	uint64_t d = gdt[0x10 >> 3];
	assert_int_equal(DESC_PRESENT(d), 1);
	assert_int_equal(DESC_DPL(d), 0);
	assert_int_equal(DESC_S(d), 1);
	assert_int_equal(DESC_CODE(d), 0);
	assert_int_equal(DESC_RW(d), 1);
}

static void test_selectors_are_0x08_and_0x10(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	assert_int_equal(E.run.code_sel, 0x08);
	assert_int_equal(E.run.data_sel, 0x10);
	assert_int_equal(E.run.code_sel, RUNWAY_GDT_KERNEL_CS);
	assert_int_equal(E.run.data_sel, RUNWAY_GDT_KERNEL_DS);
}

/* ---- prepare: failures ---- */

static void expect_prepare_fails(void)
{
	struct rw_err err = { "" };
	assert_int_equal(proto_runway.prepare(&E.run, &err), -1);
	if (!strstr(err.msg, "boot info and stack"))
		fail_msg("message '%s' does not name the boot info and stack",
			 err.msg);
	assert_fake_clean(&E.f);
	assert_int_equal(fake_claimed_pages(&E.f), 0);
	assert_int_equal(E.f.nlive, 0);
	assert_int_equal(E.a.nclaims, 0);
	E.claim_base = E.claim_end = 0;
	assert_nothing_written_outside_claim();
}

static void test_prepare_fails_cleanly_when_firmware_refuses_every_claim(void **state)
{
	(void)state;
	env_default();
	E.f.fail_from = 1;
	expect_prepare_fails();
	assert_true(E.f.refusals > 0);
}

static void test_prepare_fails_cleanly_without_memory_below_4gib(void **state)
{
	(void)state;
	static const struct fake_desc d[] = {
		{ MM_EFI_CONVENTIONAL, 4 * GIB, (16 * MIB) / PAGE },
	};
	env_up(d, 1, (4 * GIB + 16 * MIB) / PAGE);
	expect_prepare_fails();
	assert_int_equal(E.f.claim_calls, 0);
}

static void test_prepare_fails_cleanly_when_low_memory_is_too_small(void **state)
{
	(void)state;
	/* Eight pages below 4 GiB: less than the stack alone. */
	static const struct fake_desc d[] = {
		{ MM_EFI_CONVENTIONAL, 1 * MIB, 8 },
		{ MM_EFI_CONVENTIONAL, 4 * GIB, (16 * MIB) / PAGE },
	};
	env_up(d, 2, (4 * GIB + 16 * MIB) / PAGE);
	expect_prepare_fails();
}

/* ---- finish ---- */

static const struct mm_region final_map[] = {
	{ 0x1000, 0x9f000, MM_USABLE, 0 },
	{ 0x9f000, 0x100000, MM_RESERVED, 1 },
	{ 0x100000, 0x800000, MM_LOADER, 2 },
	{ 0x800000, 0xa00000, MM_KERNEL, 3 },
	{ 0xa00000, 0xb00000, MM_MODULE, 4 },
	{ 0xb00000, 0xb10000, MM_ACPI_RECLAIM, 5 },
	/* Boot-services memory is not trimmed to pages by mm_normalize:
	 * a partial page at each end, three entries. */
	{ 0xb10800, 0xc0f400, MM_BOOT_SERVICES, 6 },
	{ 0xd00000, 0xe00000, MM_RESERVED, 7 },
};
#define FINAL_N (sizeof final_map / sizeof final_map[0])

static void assert_sorted_and_disjoint(const struct runway_mmap_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(e[i].length > 0);
		if (i && e[i - 1].base + e[i - 1].length > e[i].base)
			fail_msg("entries %zu and %zu overlap or are unsorted", i - 1, i);
	}
}

static void test_finish_writes_the_map_mm_boot_map_makes(void **state)
{
	(void)state;
	static struct runway_mmap_entry want[3 * FINAL_N];
	size_t nwant = mm_boot_map(final_map, FINAL_N, want, 3 * FINAL_N);
	assert_int_equal(nwant, FINAL_N + 2);
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(proto_runway.finish(&E.run, final_map, FINAL_N, 42), 0);
	assert_int_equal(bi->mmap_count, nwant);
	const struct runway_mmap_entry *e = at(bi->mmap, nwant * sizeof *e);
	assert_memory_equal(e, want, nwant * sizeof *e);
	assert_sorted_and_disjoint(e, nwant);
}

static void test_finish_sets_tsc_exit_boot(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	assert_int_equal(proto_runway.finish(&E.run, final_map, FINAL_N,
					     0x123456789abull), 0);
	assert_int_equal(bi->tsc_exit_boot, 0x123456789abull);
	assert_int_equal(bi->tsc_load_done, 3333333);
}

static void test_finish_calls_no_firmware(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	size_t calls = E.f.nlog;
	assert_int_equal(proto_runway.finish(&E.run, final_map, FINAL_N, 1), 0);
	assert_int_equal(E.f.nlog, calls);
	assert_int_equal(E.a.nclaims, 1);
}

/* n usable regions with a partial page at each end and gaps between them:
 * three entries each, none merging. */
static struct mm_region *ragged_map(size_t n)
{
	static struct mm_region r[MAP_CAP + 1];
	assert_true(n <= MAP_CAP + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t base = 0x100000000ull + i * 0x10000 + 0x800;
		r[i] = (struct mm_region){ base, base + 0x3000,
					   MM_BOOT_SERVICES, (uint32_t)i };
	}
	return r;
}

static void test_finish_fits_the_worst_case_map(void **state)
{
	(void)state;
	env_default();
	struct runway_boot_info *bi = prepare_ok();
	const struct mm_region *r = ragged_map(MAP_CAP);
	assert_int_equal(proto_runway.finish(&E.run, r, MAP_CAP, 7), 0);
	assert_int_equal(bi->mmap_count, 3 * MAP_CAP);
	const struct runway_mmap_entry *e = at(bi->mmap, bi->mmap_count * sizeof *e);
	assert_sorted_and_disjoint(e, bi->mmap_count);
	assert_int_equal(e[3 * MAP_CAP - 1].type, RUNWAY_MEM_RESERVED);
	assert_int_equal(e[3 * MAP_CAP - 2].type, RUNWAY_MEM_USABLE);
	assert_nothing_written_outside_claim();
}

static void test_finish_refuses_a_map_beyond_what_prepare_sized(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	const struct mm_region *r = ragged_map(MAP_CAP + 1);
	assert_int_equal(proto_runway.finish(&E.run, r, MAP_CAP + 1, 7), -1);
	assert_nothing_written_outside_claim();
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_find_empty_name_gives_runway),
		T(test_find_runway_by_name),
		T(test_find_unknown_name_gives_null),
		T(test_names_list_every_protocol),
		T(test_find_limine_by_name),
		T(test_prepare_makes_one_loader_claim_below_4gib),
		T(test_prepare_claims_below_4gib_when_memory_above_is_free),
		T(test_prepare_writes_only_inside_its_claim),
		T(test_boot_info_header),
		T(test_boot_info_kernel_is_first_piece_and_span),
		T(test_cmdline_reads_back_through_the_direct_map),
		T(test_empty_cmdline_arrives_empty),
		T(test_cmdline_of_maximum_length_arrives_whole),
		T(test_modules_read_back_with_path_and_string),
		T(test_no_modules_gives_count_zero),
		T(test_maximum_module_count_arrives),
		T(test_module_path_and_string_of_maximum_length_arrive_whole),
		T(test_framebuffer_fields_copied_with_direct_map_address),
		T(test_framebuffer_rgbx_masks_give_rgbx8888),
		T(test_framebuffer_bgrx_masks_give_bgrx8888),
		T(test_framebuffer_other_masks_give_bitmask),
		T(test_framebuffer_absent_gives_format_none_and_zeros),
		T(test_acpi_rsdp_prefers_acpi2),
		T(test_acpi_rsdp_falls_back_to_acpi1),
		T(test_acpi_rsdp_zero_without_acpi),
		T(test_smbios_prefers_the_64bit_entry),
		T(test_smbios_falls_back_to_the_32bit_entry),
		T(test_smbios_zero_without_smbios),
		T(test_efi_system_table_copied),
		T(test_tsc_stamps_copied_and_exit_stamp_zero),
		T(test_mmap_buffer_holds_three_entries_per_region),
		T(test_jump_enters_the_image_with_boot_info_in_rdi),
		T(test_stack_top_is_aligned_end_of_the_stack),
		T(test_stack_lies_in_the_claim_apart_from_the_block),
		T(test_gdtr_covers_three_descriptors_in_the_claim),
		T(test_gdt_0x08_is_64bit_code_dpl0),
		T(test_gdt_0x10_is_data_dpl0),
		T(test_selectors_are_0x08_and_0x10),
		T(test_prepare_fails_cleanly_when_firmware_refuses_every_claim),
		T(test_prepare_fails_cleanly_without_memory_below_4gib),
		T(test_prepare_fails_cleanly_when_low_memory_is_too_small),
		T(test_finish_writes_the_map_mm_boot_map_makes),
		T(test_finish_sets_tsc_exit_boot),
		T(test_load_times_copied_and_times_out_set),
		T(test_finish_calls_no_firmware),
		T(test_finish_fits_the_worst_case_map),
		T(test_finish_refuses_a_map_beyond_what_prepare_sized),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
