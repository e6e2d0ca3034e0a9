/*
 * test_multiboot.c - the Multiboot2 and Multiboot (1) protocols on the
 * loader side (proto/multiboot2.c, proto/multiboot1.c, proto/mbcommon.c)
 * and the video mode choice they ask for (fb_closest, proto/proto.c).
 *
 * Each test writes a kernel file's header, runs the protocol's parse on
 * it, describes the rest of the loaded kernel by hand (modules, the
 * machine's framebuffer and tables), runs plan and prepare, which claim
 * through the allocator over a fake firmware (fakefw.c) with a host buffer
 * standing for physical memory, and finish with a hand-made final map.
 * Then it reads what the kernel would get, from the physical address in
 * EBX, as the specifications lay it out (Multiboot2 Specification 2.0
 * section 3.6, Multiboot Specification 0.6.96 section 3.3): the tag types,
 * offsets and sizes below are taken from that text, not from
 * include/multiboot.h, so that a typo on either side shows.
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
#include "proto.h"
#include "runway/boot.h"

#include "../../proto/mbcommon.h"

#define PAGE 4096ull
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define PHYS_END (32 * MIB) /* host memory stands for [0, PHYS_END) */
#define JUNK 0xcc
#define MAP_CAP 64
#define REG_CAP 256
#define CLAIM_CAP 64
#define LOG_MAX 32
#define PATH "/boot/mb.bin"

/* The kernel: a flat binary (address tag) at 16 MiB, outside the free
 * memory, 12 KiB of file and 20 KiB of bss. */
#define IMG_PHYS (16 * MIB)
#define IMG_FILE 0x3000ull
#define IMG_SIZE 0x8000ull
#define ENTRY (IMG_PHYS + 0x40)
#define EFI_ENTRY (IMG_PHYS + 0x80)

#define CMDLINE "console=ttyS0 loglevel=7"
#define FB_PHYS 0x80000000ull
#define SYSTAB 0x7f9ee018ull
#define IMAGE_HANDLE 0x7e1c2a98ull
/* Firmware tables below the free memory, as firmware leaves them. */
#define TABLES_PHYS 0xe0000ull
#define TABLES_END 0x100000ull
#define ACPI1 0xe0000ull
#define ACPI2 0xe0040ull
#define SMBIOS32 0xf0000ull
#define SMBIOS64 0xf0100ull
/* The firmware's final map, as the loader keeps it for finish. */
#define EFI_MAP_PHYS 0x80000ull
#define EFI_DESC_SIZE 56 /* larger than the 40 bytes UEFI shows */
#define EFI_NDESC 3

/* ---- the specifications' numbers ---- */

#define SPEC2_MAGIC 0xe85250d6u
#define SPEC2_BOOT_MAGIC 0x36d76289u /* EAX */
#define SPEC1_MAGIC 0x1badb002u
#define SPEC1_BOOT_MAGIC 0x2badb002u

/* Multiboot2 information tag types (section 3.6). */
enum {
	IT_END = 0,
	IT_CMDLINE = 1,
	IT_LOADER_NAME = 2,
	IT_MODULE = 3,
	IT_MEMINFO = 4,
	IT_BOOTDEV = 5,
	IT_MMAP = 6,
	IT_VBE = 7,
	IT_FRAMEBUFFER = 8,
	IT_ELF_SECTIONS = 9,
	IT_APM = 10,
	IT_EFI32 = 11,
	IT_EFI64 = 12,
	IT_SMBIOS = 13,
	IT_ACPI_OLD = 14,
	IT_ACPI_NEW = 15,
	IT_NETWORK = 16,
	IT_EFI_MMAP = 17,
	IT_EFI_BS = 18,
	IT_EFI32_IH = 19,
	IT_EFI64_IH = 20,
	IT_LOAD_BASE = 21,
	IT_TYPES
};

/* Multiboot2 header tag types (section 3.1). */
enum {
	HT_INFO = 1,
	HT_ADDRESS = 2,
	HT_ENTRY = 3,
	HT_CONSOLE = 4,
	HT_FRAMEBUFFER = 5,
	HT_EFI_BS = 7,
	HT_EFI_AMD64 = 9,
	HT_RELOCATABLE = 10,
};
#define HT_OPTIONAL 1

/* The Multiboot (1) information structure's offsets (section 3.3). */
enum {
	MBI_FLAGS = 0,
	MBI_MEM_LOWER = 4,
	MBI_MEM_UPPER = 8,
	MBI_CMDLINE = 16,
	MBI_MODS_COUNT = 20,
	MBI_MODS_ADDR = 24,
	MBI_MMAP_LENGTH = 44,
	MBI_MMAP_ADDR = 48,
	MBI_LOADER_NAME = 64,
	MBI_FB_ADDR = 88,
	MBI_FB_PITCH = 96,
	MBI_FB_WIDTH = 100,
	MBI_FB_HEIGHT = 104,
	MBI_FB_BPP = 108,
	MBI_FB_TYPE = 109,
	MBI_FB_COLOR = 110,
	MBI_SIZE = 116,
};

/* Information flags: mem (0), cmdline (2), mods (3), mmap (6), boot
 * loader name (9), framebuffer (12). */
#define I1_MEM (1u << 0)
#define I1_BOOTDEV (1u << 1)
#define I1_CMDLINE (1u << 2)
#define I1_MODS (1u << 3)
#define I1_MMAP (1u << 6)
#define I1_LOADER (1u << 9)
#define I1_VBE (1u << 11)
#define I1_FB (1u << 12)

/* ---- environment ---- */

static struct {
	struct fake_fw f;
	struct mm_alloc a;
	struct mm_region reg[REG_CAP];
	struct mm_claim claims[CLAIM_CAP];
	uint8_t *phys;
	uint8_t *before;                /* host memory before prepare */
	struct elf_image img;
	struct elf_load ld;
	struct loaded_kernel k;
	struct proto_run run;
	uint64_t claim_base, claim_end; /* prepare's one claim */
	char log[LOG_MAX][256];
	size_t nlog;
	bool up;
} E;

static void *p2v(void *ctx, uint64_t phys)
{
	if (ctx != &E)
		fail_msg("p2v called with ctx %p, not run->p2v_ctx", ctx);
	if (phys >= PHYS_END)
		fail_msg("p2v(0x%" PRIx64 ") outside host memory", phys);
	bool tables = phys >= TABLES_PHYS && phys < TABLES_END;
	bool efi_map = phys >= EFI_MAP_PHYS && phys < EFI_MAP_PHYS + PAGE;
	if (!tables && !efi_map && !E.f.claimed[phys >> 12])
		fail_msg("the protocol touches 0x%" PRIx64 ", which is neither a firmware table nor claimed",
			 phys);
	return E.phys + phys;
}

static void log_line(void *ctx, const char *line)
{
	if (ctx != &E)
		fail_msg("log called with ctx %p, not run->log_ctx", ctx);
	if (E.nlog < LOG_MAX)
		snprintf(E.log[E.nlog++], sizeof E.log[0], "%s", line);
}

static void assert_logged(const char *s)
{
	for (size_t i = 0; i < E.nlog; i++)
		if (strstr(E.log[i], s))
			return;
	for (size_t i = 0; i < E.nlog; i++)
		print_message("log: %s\n", E.log[i]);
	fail_msg("no line with '%s' was logged", s);
}

static void put(uint64_t phys, const void *bytes, size_t n)
{
	memcpy(E.phys + phys, bytes, n);
}

/* The firmware's tables: an ACPI 1.0 RSDP, an ACPI 2.0 one (36 bytes),
 * an SMBIOS 2.8 entry point (31 bytes) and an SMBIOS 3.2 one (24). */
static void firmware_tables(void)
{
	uint8_t r1[20] = "RSD PTR ";
	memcpy(r1 + 9, "OEMID1", 6);
	r1[15] = 0;                            /* revision */
	memcpy(r1 + 16, "\x00\x10\xfe\x7f", 4); /* RsdtAddress */
	put(ACPI1, r1, sizeof r1);

	uint8_t r2[36] = "RSD PTR ";
	memcpy(r2 + 9, "OEMID2", 6);
	r2[15] = 2;
	r2[20] = 36;                           /* Length */
	memcpy(r2 + 24, "\x00\x20\xfe\x7f\x00\x00\x00\x00", 8); /* XsdtAddress */
	r2[33] = 0xab;
	put(ACPI2, r2, sizeof r2);
	/* The byte after each: not part of the table. */
	E.phys[ACPI2 + 36] = 0xee;

	uint8_t s2[0x1f] = "_SM_";
	s2[5] = 0x1f;                          /* entry point length */
	s2[6] = 2;                             /* major */
	s2[7] = 8;                             /* minor */
	memcpy(s2 + 16, "_DMI_", 5);
	s2[30] = 0x5d;
	put(SMBIOS32, s2, sizeof s2);

	uint8_t s3[0x18] = "_SM3_";
	s3[6] = 0x18;                          /* entry point length */
	s3[7] = 3;
	s3[8] = 2;
	s3[23] = 0x7c;
	put(SMBIOS64, s3, sizeof s3);
}

/* Three descriptors of EFI_DESC_SIZE bytes, each byte telling where it is. */
static void firmware_final_map(void)
{
	for (uint64_t i = 0; i < EFI_NDESC * EFI_DESC_SIZE; i++)
		E.phys[EFI_MAP_PHYS + i] = (uint8_t)(i * 7 + 1);
	E.run.efi_map = EFI_MAP_PHYS;
	E.run.efi_map_size = EFI_NDESC * EFI_DESC_SIZE;
	E.run.efi_desc_size = EFI_DESC_SIZE;
	E.run.efi_desc_version = 1;
}

/* What the load path produced besides the image parse describes. */
static void describe_kernel(void)
{
	E.ld = (struct elf_load){ .ngroups = 1, .npieces = 1, .nruns = 1 };
	E.ld.group[0] = (struct elf_group){ .vbase = IMG_PHYS,
					    .pages = IMG_SIZE / PAGE, .nseg = 1,
					    .npieces = 1 };
	E.ld.piece[0] = (struct mm_claim){ IMG_PHYS, IMG_SIZE / PAGE };
	E.k = (struct loaded_kernel){
		.path = PATH,
		.cmdline = CMDLINE,
		.img = &E.img,
		.ld = &E.ld,
		.phys_base = IMG_PHYS,
		.hhdm_offset = RUNWAY_HHDM_OFFSET,
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
			.efi_image_handle = IMAGE_HANDLE,
		},
		.map_cap = MAP_CAP,
		.efi_map_bytes = 0x2000,
	};
}

/* 15 MiB of free memory at 1 MiB. */
static const struct fake_desc low_memory[] = {
	{ MM_EFI_CONVENTIONAL, 1 * MIB, (15 * MIB) / PAGE },
};

static void env_default(void)
{
	fake_init(&E.f, PHYS_END / PAGE);
	size_t nreg = fake_map(&E.f, low_memory, 1, E.reg, REG_CAP);
	assert_true(REG_CAP >= MM_REG_CAP(nreg, CLAIM_CAP));
	mm_alloc_init(&E.a, &E.f.fw, E.reg, nreg, REG_CAP, E.claims, CLAIM_CAP);
	E.phys = malloc(PHYS_END);
	E.before = malloc(PHYS_END);
	assert_non_null(E.phys);
	assert_non_null(E.before);
	memset(E.phys, JUNK, PHYS_END);
	E.up = true;
	describe_kernel();
	E.run = (struct proto_run){ .k = &E.k, .alloc = &E.a, .p2v = p2v,
				    .p2v_ctx = &E, .log = log_line, .log_ctx = &E };
	firmware_tables();
	firmware_final_map();
}

static int teardown(void **state)
{
	(void)state;
	if (E.up) {
		fake_destroy(&E.f);
		free(E.phys);
		free(E.before);
	}
	memset(&E, 0, sizeof E);
	return 0;
}

/* ---- the kernel's file ---- */

static uint8_t FILE_BYTES[IMG_FILE];
static uint64_t hdr_next; /* where the next header tag goes */

static void fput32(uint64_t off, uint32_t v)
{
	assert_true(off + 4 <= IMG_FILE);
	memcpy(FILE_BYTES + off, &v, 4);
}

static uint32_t fget32(uint64_t off)
{
	uint32_t v;
	memcpy(&v, FILE_BYTES + off, 4);
	return v;
}

static uint64_t f_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	(void)ctx;
	if (off > IMG_FILE || len > IMG_FILE - off)
		fail_msg("read of %" PRIu64 " bytes at %" PRIu64 " past the end of the file",
			 len, off);
	memcpy(buf, FILE_BYTES + off, len);
	return 0;
}

static void tag(uint16_t type, uint16_t flags, const uint32_t *w, size_t n)
{
	uint32_t head = type | (uint32_t)flags << 16;
	fput32(hdr_next, head);
	fput32(hdr_next + 4, (uint32_t)(8 + 4 * n));
	for (size_t i = 0; i < n; i++)
		fput32(hdr_next + 8 + 4 * i, w[i]);
	hdr_next = (hdr_next + 8 + 4 * n + 7) & ~7ull;
}

#define ARR(...) (const uint32_t[]){ __VA_ARGS__ }
#define TAG(type, flags, ...) \
	tag(type, flags, ARR(__VA_ARGS__), sizeof(ARR(__VA_ARGS__)) / 4)

/* A Multiboot2 header at the file's start: the whole file at IMG_PHYS
 * with bss up to IMG_SIZE, entered at ENTRY.  Tests add tags, then
 * parse2(). */
static void header2(void)
{
	memset(FILE_BYTES, 0x90, sizeof FILE_BYTES);
	fput32(0, SPEC2_MAGIC);
	fput32(4, 0);
	hdr_next = 16;
	TAG(HT_ADDRESS, 0, (uint32_t)IMG_PHYS, (uint32_t)IMG_PHYS, 0,
	    (uint32_t)(IMG_PHYS + IMG_SIZE));
	TAG(HT_ENTRY, 0, (uint32_t)ENTRY);
}

static void parse(const struct protocol *p)
{
	struct elf_file f = { .path = PATH, .size = IMG_FILE, .read = f_read };
	struct rw_err err = { "" };
	if (p->parse(&f, FILE_BYTES, IMG_FILE, &E.img, &err))
		fail_msg("%s parse: %s", p->name, err.msg);
	E.k.img = &E.img;
}

/* The end tag, header_length and checksum; then the protocol's parse. */
static void parse2(void)
{
	tag(0, 0, NULL, 0);
	fput32(8, (uint32_t)hdr_next);
	fput32(12, -(SPEC2_MAGIC + fget32(4) + fget32(8)));
	parse(&proto_multiboot2);
}

/* The default Multiboot2 kernel: no tags beyond address and entry. */
static void kernel2(void)
{
	header2();
	parse2();
}

/* A Multiboot (1) header with the address fields (flags bit 16) and the
 * given flags and video fields. */
static void kernel1(uint32_t flags, uint32_t width, uint32_t height, uint32_t depth)
{
	flags |= 1u << 16;
	memset(FILE_BYTES, 0x90, sizeof FILE_BYTES);
	const uint32_t h[12] = {
		SPEC1_MAGIC, flags, -(SPEC1_MAGIC + flags),
		(uint32_t)IMG_PHYS, (uint32_t)IMG_PHYS, 0,
		(uint32_t)(IMG_PHYS + IMG_SIZE), (uint32_t)ENTRY,
		0, width, height, depth,
	};
	for (size_t i = 0; i < 12; i++)
		fput32(4 * i, h[i]);
	parse(&proto_multiboot1);
}

/* ---- running the protocol ---- */

static void plan_ok(const struct protocol *p)
{
	struct rw_err err = { "" };
	if (p->plan(&E.run, &err))
		fail_msg("%s plan: %s", p->name, err.msg);
}

/* plan refuses the kernel with a message naming the file and each of
 * what[] (NULL-terminated). */
static void plan_refused(const struct protocol *p, const char *const *what)
{
	struct rw_err err = { "" };
	assert_int_equal(p->plan(&E.run, &err), -1);
	if (!strstr(err.msg, PATH))
		fail_msg("plan's message '%s' does not name the file", err.msg);
	for (size_t i = 0; what[i]; i++)
		if (!strstr(err.msg, what[i]))
			fail_msg("plan's message '%s' does not say '%s'", err.msg, what[i]);
	assert_int_equal(E.f.nlog, 0);
}

#define PLAN_REFUSED(p, ...) \
	plan_refused(p, (const char *const[]){ __VA_ARGS__, NULL })

static const struct fake_call *only_claim(void)
{
	if (E.f.nlog != 1)
		fail_msg("%zu firmware calls, expected one claim", E.f.nlog);
	const struct fake_call *c = &E.f.log[0];
	assert_false(c->release);
	assert_true(c->ok);
	return c;
}

/* plan, then prepare, which must succeed with one claim. */
static void prepare_ok(const struct protocol *p)
{
	struct rw_err err = { "" };
	plan_ok(p);
	memcpy(E.before, E.phys, PHYS_END);
	if (p->prepare(&E.run, &err))
		fail_msg("%s prepare: %s", p->name, err.msg);
	assert_fake_clean(&E.f);
	const struct fake_call *c = only_claim();
	E.claim_base = c->base;
	E.claim_end = c->base + c->pages * PAGE;
}

/* Host pointer to physical [phys, phys + len), which must lie inside
 * prepare's claim. */
static uint8_t *at(uint64_t phys, uint64_t len)
{
	if (phys < E.claim_base || phys > E.claim_end || len > E.claim_end - phys)
		fail_msg("0x%" PRIx64 " + %" PRIu64 " bytes is not in the claim [0x%" PRIx64 ", 0x%" PRIx64 ")",
			 phys, len, E.claim_base, E.claim_end);
	return E.phys + phys;
}

static const char *str_at(uint64_t phys)
{
	const char *s = (const char *)at(phys, 1);
	if (!memchr(s, 0, E.claim_end - phys))
		fail_msg("the string at 0x%" PRIx64 " runs past the claim", phys);
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Every byte outside prepare's claim is as it was before prepare. */
static void assert_nothing_written_outside_claim(void)
{
	for (uint64_t p = 0; p < PHYS_END; p++) {
		if (p == E.claim_base)
			p = E.claim_end;
		if (p < PHYS_END && E.phys[p] != E.before[p])
			fail_msg("phys 0x%" PRIx64 " was written; the claim is [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 p, E.claim_base, E.claim_end);
	}
}

/* ---- the final map finish gets, and the Multiboot map it makes ---- */

static const struct mm_region final_map[] = {
	{ 0x0, 0x9f000, MM_BOOT_SERVICES, 0 },
	{ 0x9f000, 0xa0000, MM_RESERVED, 1 },
	{ 0xe0000, 0x100000, MM_RESERVED, 2 },
	/* From 1 MiB, available memory of every kind Runway claims. */
	{ 0x100000, 0x800000, MM_BOOT_SERVICES, 3 },
	{ 0x800000, 0x900000, MM_LOADER, 4 },
	{ 0x900000, 0x1000000, MM_USABLE, 5 },
	{ 0x1000000, 0x1008000, MM_KERNEL, 6 },
	{ 0x1008000, 0x1600000, MM_USABLE, 7 },
	{ 0x1600000, 0x1602000, MM_MODULE, 8 },
	{ 0x1602000, 0x7f00000, MM_USABLE, 9 },
	{ 0x7f00000, 0x7f10000, MM_ACPI_RECLAIM, 10 },
	{ 0x7f10000, 0x7f20000, MM_ACPI_NVS, 11 },
	{ 0x7f20000, 0x8000000, MM_RESERVED, 12 },
	{ 0x8000000, 0x8001000, MM_BAD, 13 },
	{ 0xfee00000, 0xfee01000, MM_RESERVED, 14 },
	{ 0x100000000, 0x180000000, MM_USABLE, 15 },
};
#define FINAL_N (sizeof final_map / sizeof final_map[0])

struct range { uint64_t base, length; uint32_t type; };

/* 1 available, 2 reserved, 3 ACPI reclaimable, 4 NVS, 5 bad; page 0 as
 * the firmware says; neighbours of one type are one entry. */
static const struct range want_map[] = {
	{ 0x0, 0x9f000, 1 },
	{ 0x9f000, 0x1000, 2 },
	{ 0xe0000, 0x20000, 2 },
	{ 0x100000, 0x7e00000, 1 },
	{ 0x7f00000, 0x10000, 3 },
	{ 0x7f10000, 0x10000, 4 },
	{ 0x7f20000, 0xe0000, 2 },
	{ 0x8000000, 0x1000, 5 },
	{ 0xfee00000, 0x1000, 2 },
	{ 0x100000000, 0x80000000, 1 },
};
#define WANT_N (sizeof want_map / sizeof want_map[0])
/* Available from 0 to 0x9f000; from 1 MiB to 0x7f00000. */
#define WANT_LOWER (0x9f000 / 1024)
#define WANT_UPPER ((0x7f00000 - 0x100000) / 1024)

static void finish_ok(const struct protocol *p)
{
	size_t calls = E.f.nlog;
	if (p->finish(&E.run, final_map, FINAL_N, 12345))
		fail_msg("%s finish failed", p->name);
	/* After ExitBootServices: no firmware. */
	assert_int_equal(E.f.nlog, calls);
	assert_int_equal(E.a.nclaims, 1);
}

/* n regions with gaps between them (and partial pages at both ends,
 * reported as they are): one map entry each, none merging. */
#define RAGGED_MAX (3 * MAP_CAP + 1)
static const struct mm_region *ragged_map(size_t n)
{
	static struct mm_region r[RAGGED_MAX];
	assert_true(n <= RAGGED_MAX);
	for (size_t i = 0; i < n; i++) {
		uint64_t base = 0x100000000ull + i * 0x10000 + 0x800;
		r[i] = (struct mm_region){ base, base + 0x3000, MM_BOOT_SERVICES,
					   (uint32_t)i };
	}
	return r;
}

/* ---- the Multiboot2 information structure, walked ---- */

static struct {
	uint32_t total;
	uint8_t *tag[IT_TYPES];    /* the one tag of each type (the first) */
	size_t count[IT_TYPES];
	uint8_t *module[CONFIG_MAX_MODULES];
	uint32_t order[64];
	size_t ntags;
} W;

/* Walk from EBX: total_size, then tags each 8-byte aligned, up to the end
 * tag, which ends exactly at total_size. */
static void walk(void)
{
	memset(&W, 0, sizeof W);
	assert_int_equal(E.run.arg % 8, 0);
	const uint8_t *info = at(E.run.arg, 8);
	W.total = rd32(info);
	assert_int_equal(rd32(info + 4), 0); /* reserved */
	at(E.run.arg, W.total);
	for (uint64_t off = 8;;) {
		if (off % 8)
			fail_msg("a tag at offset %" PRIu64 " is not 8-byte aligned", off);
		if (off + 8 > W.total)
			fail_msg("no end tag before total_size %u", W.total);
		uint8_t *t = E.phys + E.run.arg + off;
		uint32_t type = rd32(t), size = rd32(t + 4);
		if (size < 8 || size > W.total - off)
			fail_msg("tag type %u at offset %" PRIu64 " has size %u (total_size %u)",
				 type, off, size, W.total);
		if (type == IT_END) {
			assert_int_equal(size, 8);
			assert_int_equal(off + 8, W.total);
			return;
		}
		if (type >= IT_TYPES)
			fail_msg("tag type %u is not one the specification defines", type);
		if (W.ntags < 64)
			W.order[W.ntags++] = type;
		if (type == IT_MODULE && W.count[type] < CONFIG_MAX_MODULES)
			W.module[W.count[type]] = t;
		if (!W.count[type]++)
			W.tag[type] = t;
		off = (off + size + 7) & ~7ull;
	}
}

/* The one tag of `type`, of exactly `size` bytes. */
static uint8_t *tag_of(uint32_t type, uint32_t size)
{
	if (W.count[type] != 1)
		fail_msg("%zu tags of type %u, expected one", W.count[type], type);
	assert_int_equal(rd32(W.tag[type] + 4), size);
	return W.tag[type];
}

static void assert_no_tag(uint32_t type)
{
	if (W.count[type])
		fail_msg("a tag of type %u was given", type);
}

/* The default i386 boot, up to finish, walked. */
static void boot2(void)
{
	prepare_ok(&proto_multiboot2);
	finish_ok(&proto_multiboot2);
	walk();
}

/* The longest command line and the most modules, each with the longest
 * string, all different so that a mix-up shows. */
static void describe_the_most(void)
{
	static char line[CONFIG_CMDLINE_MAX];
	static char str[CONFIG_MAX_MODULES][CONFIG_MODULE_STRING_MAX];
	for (size_t i = 0; i < CONFIG_CMDLINE_MAX - 1; i++)
		line[i] = (char)('a' + i % 26);
	line[CONFIG_CMDLINE_MAX - 1] = 0;
	E.k.cmdline = line;
	E.k.nmodules = CONFIG_MAX_MODULES;
	for (size_t m = 0; m < CONFIG_MAX_MODULES; m++) {
		memset(str[m], (int)('A' + m), CONFIG_MODULE_STRING_MAX - 1);
		str[m][CONFIG_MODULE_STRING_MAX - 1] = 0;
		E.k.modules[m] = (struct loaded_module){
			0x1800000 + m * 0x100000, 0x1000 + m, "/boot/m", str[m] };
	}
}

/* ---- Multiboot2: plan ---- */

static void test_mb2_plan_enters_i386_with_the_magic(void **state)
{
	(void)state;
	env_default();
	kernel2();
	plan_ok(&proto_multiboot2);
	assert_int_equal(E.run.jump, PROTO_JUMP_I386);
	assert_int_equal(E.run.eax, SPEC2_BOOT_MAGIC);
	assert_int_equal(E.run.modules_below, 4 * GIB);
	assert_false(E.run.fb_want.on);
	assert_false(E.run.identity_map);
	assert_int_equal(E.f.nlog, 0);
}

static void test_mb2_plan_refuses_a_required_tag_it_cannot_give_by_name(void **state)
{
	(void)state;
	static const struct { uint32_t type; const char *name, *why; } cannot[] = {
		{ 16, "16 (networking information)", "Runway does not give it" },
		{ 9, "9 (ELF sections)", "Runway does not give it" },
		{ 5, "5 (BIOS boot device)", "BIOS information" },
		{ 7, "7 (VBE information)", "BIOS information" },
		{ 10, "10 (APM table)", "BIOS information" },
		{ 11, "11 (EFI 32-bit system table)", "64-bit" },
		{ 19, "19 (EFI 32-bit image handle)", "64-bit" },
		{ 22, "22 (unknown)", "not a type the Multiboot2 specification defines" },
	};
	for (size_t i = 0; i < sizeof cannot / sizeof cannot[0]; i++) {
		env_default();
		header2();
		TAG(HT_INFO, 0, 1, cannot[i].type, 6);
		parse2();
		PLAN_REFUSED(&proto_multiboot2, "requires information tag",
			     cannot[i].name, cannot[i].why);
		teardown(NULL);
	}
}

static void test_mb2_plan_accepts_an_optional_tag_it_cannot_give_and_logs_it(void **state)
{
	(void)state;
	env_default();
	header2();
	TAG(HT_INFO, 0, 1, 6);
	TAG(HT_INFO, HT_OPTIONAL, 16, 9);
	parse2();
	plan_ok(&proto_multiboot2);
	assert_logged("multiboot2 request=16 (networking information) optional: not given");
	assert_logged("multiboot2 request=9 (ELF sections) optional: not given");
}

static void test_mb2_plan_accepts_every_tag_it_gives(void **state)
{
	(void)state;
	env_default();
	header2();
	TAG(HT_INFO, 0, 0, 1, 2, 3, 4, 6, 8, 12, 13, 14, 15, 17, 20);
	parse2();
	plan_ok(&proto_multiboot2);
	assert_int_equal(E.nlog, 0);
}

/* A required request of `type` on the default machine changed by the
 * caller beforehand: refused, saying `why`. */
static void machine_cannot(uint32_t type, const char *name, const char *why)
{
	header2();
	TAG(HT_INFO, 0, type);
	parse2();
	PLAN_REFUSED(&proto_multiboot2, name, why);
}

static void test_mb2_plan_refuses_framebuffer_without_one(void **state)
{
	(void)state;
	env_default();
	E.k.machine.fb.present = false;
	machine_cannot(8, "8 (framebuffer)", "no linear framebuffer");
}

static void test_mb2_plan_refuses_acpi_and_smbios_the_firmware_lacks(void **state)
{
	(void)state;
	env_default();
	E.k.machine.acpi1_rsdp = 0;
	machine_cannot(14, "14 (ACPI old RSDP)", "no ACPI 1.0 RSDP");
	teardown(NULL);
	env_default();
	E.k.machine.acpi2_rsdp = 0;
	machine_cannot(15, "15 (ACPI new RSDP)", "no ACPI 2.0 RSDP");
	teardown(NULL);
	env_default();
	E.k.machine.smbios32_entry = 0;
	E.k.machine.smbios64_entry = 0;
	machine_cannot(13, "13 (SMBIOS tables)", "no SMBIOS");
}

static void test_mb2_plan_refuses_load_base_without_a_relocatable_tag(void **state)
{
	(void)state;
	env_default();
	machine_cannot(21, "21 (image load base address)", "no relocatable header tag");
	teardown(NULL);
	env_default();
	header2();
	TAG(HT_INFO, 0, 21);
	TAG(HT_RELOCATABLE, 0, 0x100000, 0x10000000, 0x1000, 1);
	parse2();
	plan_ok(&proto_multiboot2);
}

static void test_mb2_plan_refuses_boot_services_tag_when_they_end(void **state)
{
	(void)state;
	env_default();
	machine_cannot(18, "18 (EFI boot services not terminated)", "terminated");
}

static void test_mb2_plan_refuses_efi_memory_map_when_boot_services_run(void **state)
{
	(void)state;
	env_default();
	header2();
	TAG(HT_INFO, 0, 17);
	tag(HT_EFI_BS, 0, NULL, 0);
	TAG(HT_EFI_AMD64, 0, (uint32_t)EFI_ENTRY);
	parse2();
	PLAN_REFUSED(&proto_multiboot2, "17 (EFI memory map)", "boot services stay running");
}

static void test_mb2_plan_console_required_needs_a_framebuffer(void **state)
{
	(void)state;
	env_default();
	E.k.machine.fb.present = false;
	header2();
	TAG(HT_CONSOLE, 0, 1);
	parse2();
	PLAN_REFUSED(&proto_multiboot2, "requires a console");
	teardown(NULL);
	/* EGA text supported but no console required: fine. */
	env_default();
	E.k.machine.fb.present = false;
	header2();
	TAG(HT_CONSOLE, 0, 2);
	parse2();
	plan_ok(&proto_multiboot2);
	teardown(NULL);
	env_default();
	header2();
	TAG(HT_CONSOLE, 0, 1);
	parse2();
	plan_ok(&proto_multiboot2);
}

static void test_mb2_plan_asks_for_the_framebuffer_tag_mode(void **state)
{
	(void)state;
	env_default();
	header2();
	TAG(HT_FRAMEBUFFER, HT_OPTIONAL, 800, 600, 32);
	parse2();
	plan_ok(&proto_multiboot2);
	assert_true(E.run.fb_want.on);
	assert_int_equal(E.run.fb_want.width, 800);
	assert_int_equal(E.run.fb_want.height, 600);
	assert_int_equal(E.run.fb_want.depth, 32);
}

static void test_mb2_plan_ignores_and_logs_amd64_entry_without_boot_services(void **state)
{
	(void)state;
	env_default();
	header2();
	TAG(HT_EFI_AMD64, 0, (uint32_t)EFI_ENTRY);
	parse2();
	plan_ok(&proto_multiboot2);
	assert_int_equal(E.run.jump, PROTO_JUMP_I386);
	assert_logged("efi-amd64-entry=0x1000080 ignored");
}

/* ---- Multiboot2: prepare and the structure ---- */

static void test_mb2_prepare_makes_one_loader_claim_below_4gib(void **state)
{
	(void)state;
	env_default();
	kernel2();
	prepare_ok(&proto_multiboot2);
	const struct fake_call *c = only_claim();
	assert_int_equal(c->kind, MM_LOADER);
	assert_true(c->base + c->pages * PAGE <= 4 * GIB);
	assert_int_equal(E.run.arg, E.claim_base);
	assert_int_equal(E.run.entry, ENTRY);
	assert_logged("multiboot2 info=");
	assert_logged("mode=i386");
}

static void test_mb2_writes_only_inside_its_claim(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	assert_nothing_written_outside_claim();
}

static void test_mb2_total_size_ends_with_the_end_tag(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	/* walk() checked alignment, sizes and the end tag at total_size. */
	assert_true(W.total > 8);
	assert_true(E.run.arg + W.total <= E.claim_end);
	assert_int_equal(W.order[0], IT_CMDLINE);
}

static void test_mb2_cmdline_and_loader_name(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_CMDLINE, 8 + sizeof CMDLINE);
	assert_string_equal((const char *)t + 8, CMDLINE);
	t = tag_of(IT_LOADER_NAME, 8 + sizeof("Runway " RUNWAY_VERSION));
	assert_string_equal((const char *)t + 8, "Runway " RUNWAY_VERSION);
}

static void test_mb2_empty_cmdline_is_an_empty_string(void **state)
{
	(void)state;
	env_default();
	E.k.cmdline = "";
	kernel2();
	boot2();
	assert_int_equal(tag_of(IT_CMDLINE, 9)[8], 0);
}

static void test_mb2_module_tags_with_strings(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	assert_int_equal(W.count[IT_MODULE], 2);
	for (size_t m = 0; m < 2; m++) {
		const struct loaded_module *lm = &E.k.modules[m];
		const uint8_t *t = W.module[m];
		assert_int_equal(rd32(t + 4), 16 + strlen(lm->string) + 1);
		assert_int_equal(rd32(t + 8), lm->phys);
		assert_int_equal(rd32(t + 12), lm->phys + lm->size);
		assert_string_equal((const char *)t + 16, lm->string);
	}
}

static void test_mb2_no_modules_no_module_tags(void **state)
{
	(void)state;
	env_default();
	E.k.nmodules = 0;
	kernel2();
	boot2();
	assert_no_tag(IT_MODULE);
}

static void test_mb2_basic_meminfo(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_MEMINFO, 16);
	assert_int_equal(rd32(t + 8), WANT_LOWER);
	assert_int_equal(rd32(t + 12), WANT_UPPER);
}

static void test_mb2_memory_map_types_and_merges(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_MMAP, 16 + WANT_N * 24);
	assert_int_equal(rd32(t + 8), 24); /* entry_size */
	assert_int_equal(rd32(t + 12), 0); /* entry_version */
	for (size_t i = 0; i < WANT_N; i++) {
		const uint8_t *e = t + 16 + 24 * i;
		if (rd64(e) != want_map[i].base || rd64(e + 8) != want_map[i].length ||
		    rd32(e + 16) != want_map[i].type)
			fail_msg("entry %zu: 0x%" PRIx64 " +0x%" PRIx64 " type %u, expected 0x%" PRIx64 " +0x%" PRIx64 " type %u",
				 i, rd64(e), rd64(e + 8), rd32(e + 16), want_map[i].base,
				 want_map[i].length, want_map[i].type);
		assert_int_equal(rd32(e + 20), 0); /* reserved */
	}
}

static void test_mb2_efi_memory_map_is_the_firmware_final_map(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_EFI_MMAP, 16 + EFI_NDESC * EFI_DESC_SIZE);
	assert_int_equal(rd32(t + 8), EFI_DESC_SIZE);
	assert_int_equal(rd32(t + 12), 1);
	assert_memory_equal(t + 16, E.phys + EFI_MAP_PHYS, EFI_NDESC * EFI_DESC_SIZE);
	assert_no_tag(IT_EFI_BS);
}

static void test_mb2_framebuffer_tag_layout(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_FRAMEBUFFER, 38);
	assert_int_equal(rd64(t + 8), FB_PHYS);
	assert_int_equal(rd32(t + 16), 4096); /* pitch */
	assert_int_equal(rd32(t + 20), 1024);
	assert_int_equal(rd32(t + 24), 768);
	assert_int_equal(t[28], 32);          /* bpp */
	assert_int_equal(t[29], 1);           /* direct RGB */
	/* red at bit 16, green at 8, blue at 0, 8 bits each */
	static const uint8_t colour[6] = { 16, 8, 8, 8, 0, 8 };
	assert_memory_equal(t + 32, colour, 6);
}

static void test_mb2_no_framebuffer_no_tag(void **state)
{
	(void)state;
	env_default();
	E.k.machine.fb.present = false;
	kernel2();
	boot2();
	assert_no_tag(IT_FRAMEBUFFER);
}

static void test_mb2_efi64_system_table_and_image_handle(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	assert_int_equal(rd64(tag_of(IT_EFI64, 16) + 8), SYSTAB);
	assert_int_equal(rd64(tag_of(IT_EFI64_IH, 16) + 8), IMAGE_HANDLE);
}

static void test_mb2_never_gives_bios_or_32bit_efi_tags(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	assert_no_tag(IT_BOOTDEV);
	assert_no_tag(IT_VBE);
	assert_no_tag(IT_ELF_SECTIONS);
	assert_no_tag(IT_APM);
	assert_no_tag(IT_EFI32);
	assert_no_tag(IT_NETWORK);
	assert_no_tag(IT_EFI32_IH);
	assert_no_tag(IT_LOAD_BASE);
}

static void test_mb2_acpi_tags_copy_the_rsdp_bytes(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_ACPI_OLD, 8 + 20);
	assert_memory_equal(t + 8, E.phys + ACPI1, 20);
	t = tag_of(IT_ACPI_NEW, 8 + 36);
	assert_memory_equal(t + 8, E.phys + ACPI2, 36);
	assert_memory_equal(t + 8, "RSD PTR ", 8);
	assert_int_equal(t[8 + 15], 2);
}

static void test_mb2_no_acpi_no_acpi_tags(void **state)
{
	(void)state;
	env_default();
	E.k.machine.acpi1_rsdp = 0;
	E.k.machine.acpi2_rsdp = 0;
	kernel2();
	boot2();
	assert_no_tag(IT_ACPI_OLD);
	assert_no_tag(IT_ACPI_NEW);
}

static void test_mb2_smbios_tag_prefers_the_2x_entry_point(void **state)
{
	(void)state;
	env_default();
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_SMBIOS, 16 + 0x1f);
	assert_int_equal(t[8], 2);
	assert_int_equal(t[9], 8);
	static const uint8_t zero[6];
	assert_memory_equal(t + 10, zero, 6);
	assert_memory_equal(t + 16, E.phys + SMBIOS32, 0x1f);
}

static void test_mb2_smbios_tag_from_the_3_entry_point_alone(void **state)
{
	(void)state;
	env_default();
	E.k.machine.smbios32_entry = 0;
	kernel2();
	boot2();
	const uint8_t *t = tag_of(IT_SMBIOS, 16 + 0x18);
	assert_int_equal(t[8], 3);
	assert_int_equal(t[9], 2);
	assert_memory_equal(t + 16, E.phys + SMBIOS64, 0x18);
	teardown(NULL);
	env_default();
	E.k.machine.smbios32_entry = 0;
	E.k.machine.smbios64_entry = 0;
	kernel2();
	boot2();
	assert_no_tag(IT_SMBIOS);
}

static void test_mb2_load_base_tag_only_for_a_relocatable_image(void **state)
{
	(void)state;
	env_default();
	header2();
	TAG(HT_RELOCATABLE, 0, 0x100000, 0x40000000, 0x200000, 2);
	parse2();
	/* As the load path does: the image moved to where it fits. */
	elf_slide(&E.img, 0x2200000);
	boot2();
	assert_int_equal(rd32(tag_of(IT_LOAD_BASE, 12) + 8), IMG_PHYS + 0x2200000);
	assert_int_equal(E.run.entry, ENTRY + 0x2200000);
}

static void test_mb2_efi_mode_keeps_boot_services(void **state)
{
	(void)state;
	env_default();
	header2();
	tag(HT_EFI_BS, 0, NULL, 0);
	TAG(HT_EFI_AMD64, 0, (uint32_t)EFI_ENTRY);
	parse2();
	plan_ok(&proto_multiboot2);
	assert_int_equal(E.run.jump, PROTO_JUMP_EFI);
	assert_int_equal(E.run.eax, SPEC2_BOOT_MAGIC);
	teardown(NULL);

	env_default();
	header2();
	tag(HT_EFI_BS, 0, NULL, 0);
	TAG(HT_EFI_AMD64, 0, (uint32_t)EFI_ENTRY);
	parse2();
	boot2();
	assert_int_equal(E.run.entry, EFI_ENTRY);
	assert_logged("mode=efi-amd64");
	tag_of(IT_EFI_BS, 8);
	assert_no_tag(IT_EFI_MMAP);
	/* The memory map and the rest are there all the same. */
	tag_of(IT_MMAP, 16 + WANT_N * 24);
	tag_of(IT_EFI64, 16);
	tag_of(IT_EFI64_IH, 16);
	assert_nothing_written_outside_claim();
}

static void test_mb2_the_longest_cmdline_and_most_modules_fit(void **state)
{
	(void)state;
	env_default();
	describe_the_most();
	kernel2();
	boot2();
	assert_nothing_written_outside_claim();
	assert_string_equal((const char *)tag_of(IT_CMDLINE, 8 + CONFIG_CMDLINE_MAX) + 8,
			    E.k.cmdline);
	assert_int_equal(W.count[IT_MODULE], CONFIG_MAX_MODULES);
	for (size_t m = 0; m < CONFIG_MAX_MODULES; m++) {
		assert_int_equal(rd32(W.module[m] + 8), E.k.modules[m].phys);
		assert_string_equal((const char *)W.module[m] + 16, E.k.modules[m].string);
	}
}

static void test_mb2_finish_fits_the_worst_case_map(void **state)
{
	(void)state;
	env_default();
	kernel2();
	prepare_ok(&proto_multiboot2);
	assert_int_equal(proto_multiboot2.finish(&E.run, ragged_map(MAP_CAP), MAP_CAP, 1), 0);
	walk();
	const uint8_t *t = tag_of(IT_MMAP, 16 + MAP_CAP * 24);
	assert_int_equal(rd64(t + 16), 0x100000800ull);
	assert_int_equal(rd64(t + 24), 0x3000);
	tag_of(IT_EFI_MMAP, 16 + EFI_NDESC * EFI_DESC_SIZE);
	assert_nothing_written_outside_claim();
}

static void test_mb2_finish_refuses_a_map_beyond_what_prepare_sized(void **state)
{
	(void)state;
	env_default();
	kernel2();
	prepare_ok(&proto_multiboot2);
	assert_int_equal(proto_multiboot2.finish(&E.run, ragged_map(RAGGED_MAX),
						 RAGGED_MAX, 1), -1);
	assert_nothing_written_outside_claim();
}

static void test_mb2_finish_refuses_an_efi_map_beyond_what_prepare_sized(void **state)
{
	(void)state;
	env_default();
	kernel2();
	prepare_ok(&proto_multiboot2);
	E.run.efi_map_size = E.k.efi_map_bytes + EFI_DESC_SIZE;
	assert_int_equal(proto_multiboot2.finish(&E.run, final_map, FINAL_N, 1), -1);
	assert_nothing_written_outside_claim();
}

static void test_mb2_prepare_fails_cleanly_when_firmware_refuses(void **state)
{
	(void)state;
	env_default();
	kernel2();
	plan_ok(&proto_multiboot2);
	E.f.fail_from = 1;
	struct rw_err err = { "" };
	assert_int_equal(proto_multiboot2.prepare(&E.run, &err), -1);
	assert_non_null(strstr(err.msg, "below 4 GiB"));
	assert_int_equal(fake_claimed_pages(&E.f), 0);
	assert_int_equal(E.a.nclaims, 0);
}

/* ---- Multiboot (1) ---- */

#define MB1_FLAGS_ALL (I1_MEM | I1_CMDLINE | I1_MODS | I1_MMAP | I1_LOADER)

static const uint8_t *boot1(void)
{
	prepare_ok(&proto_multiboot1);
	finish_ok(&proto_multiboot1);
	return at(E.run.arg, MBI_SIZE);
}

static void test_mb1_plan_enters_i386_with_the_magic(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	plan_ok(&proto_multiboot1);
	assert_int_equal(E.run.jump, PROTO_JUMP_I386);
	assert_int_equal(E.run.eax, SPEC1_BOOT_MAGIC);
	assert_int_equal(E.run.modules_below, 4 * GIB);
	assert_false(E.run.fb_want.on);
}

static void test_mb1_plan_asks_for_the_video_mode(void **state)
{
	(void)state;
	env_default();
	kernel1(1u << 2, 800, 600, 16);
	plan_ok(&proto_multiboot1);
	assert_true(E.run.fb_want.on);
	assert_int_equal(E.run.fb_want.width, 800);
	assert_int_equal(E.run.fb_want.height, 600);
	assert_int_equal(E.run.fb_want.depth, 16);
}

static void test_mb1_info_is_one_claim_below_4gib(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	boot1();
	const struct fake_call *c = only_claim();
	assert_int_equal(c->kind, MM_LOADER);
	assert_true(c->base + c->pages * PAGE <= 4 * GIB);
	assert_int_equal(E.run.arg, E.claim_base);
	assert_int_equal(E.run.entry, ENTRY);
	assert_nothing_written_outside_claim();
}

static void test_mb1_flags(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	const uint8_t *mi = boot1();
	assert_int_equal(rd32(mi + MBI_FLAGS), MB1_FLAGS_ALL | I1_FB);
	teardown(NULL);
	env_default();
	E.k.machine.fb.present = false;
	kernel1(0x3, 0, 0, 0);
	mi = boot1();
	assert_int_equal(rd32(mi + MBI_FLAGS), MB1_FLAGS_ALL);
	/* Not given: boot device, symbols, drives, config table, APM, VBE. */
	assert_int_equal(rd32(mi + MBI_FLAGS) & (I1_BOOTDEV | I1_VBE | 0x5b2), 0);
}

static void test_mb1_cmdline_and_loader_name_inside_the_claim(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	const uint8_t *mi = boot1();
	assert_string_equal(str_at(rd32(mi + MBI_CMDLINE)), CMDLINE);
	assert_string_equal(str_at(rd32(mi + MBI_LOADER_NAME)), "Runway " RUNWAY_VERSION);
}

static void test_mb1_modules_with_strings(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	const uint8_t *mi = boot1();
	assert_int_equal(rd32(mi + MBI_MODS_COUNT), 2);
	const uint8_t *mods = at(rd32(mi + MBI_MODS_ADDR), 2 * 16);
	for (size_t m = 0; m < 2; m++) {
		const struct loaded_module *lm = &E.k.modules[m];
		const uint8_t *e = mods + 16 * m;
		assert_int_equal(rd32(e), lm->phys);
		assert_int_equal(rd32(e + 4), lm->phys + lm->size);
		assert_string_equal(str_at(rd32(e + 8)), lm->string);
		assert_int_equal(rd32(e + 12), 0);
	}
}

static void test_mb1_no_modules_count_zero(void **state)
{
	(void)state;
	env_default();
	E.k.nmodules = 0;
	kernel1(0x3, 0, 0, 0);
	const uint8_t *mi = boot1();
	assert_int_equal(rd32(mi + MBI_MODS_COUNT), 0);
	assert_true(rd32(mi + MBI_FLAGS) & I1_MODS);
}

static void test_mb1_memory_map_entries_have_size_20(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	const uint8_t *mi = boot1();
	uint32_t len = rd32(mi + MBI_MMAP_LENGTH);
	const uint8_t *mm = at(rd32(mi + MBI_MMAP_ADDR), len);
	size_t n = 0;
	/* Each entry: size, then size bytes (base, length, type). */
	for (uint32_t off = 0; off < len; off += rd32(mm + off) + 4, n++) {
		const uint8_t *e = mm + off;
		assert_int_equal(rd32(e), 20);
		assert_true(n < WANT_N);
		if (rd64(e + 4) != want_map[n].base || rd64(e + 12) != want_map[n].length ||
		    rd32(e + 20) != want_map[n].type)
			fail_msg("entry %zu: 0x%" PRIx64 " +0x%" PRIx64 " type %u, expected 0x%" PRIx64 " +0x%" PRIx64 " type %u",
				 n, rd64(e + 4), rd64(e + 12), rd32(e + 20),
				 want_map[n].base, want_map[n].length, want_map[n].type);
	}
	assert_int_equal(n, WANT_N);
	assert_int_equal(len, WANT_N * 24);
}

static void test_mb1_mem_lower_and_upper(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	const uint8_t *mi = boot1();
	assert_int_equal(rd32(mi + MBI_MEM_LOWER), WANT_LOWER);
	assert_int_equal(rd32(mi + MBI_MEM_UPPER), WANT_UPPER);
}

static void test_mb1_framebuffer_fields(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	const uint8_t *mi = boot1();
	assert_int_equal(rd64(mi + MBI_FB_ADDR), FB_PHYS);
	assert_int_equal(rd32(mi + MBI_FB_PITCH), 4096);
	assert_int_equal(rd32(mi + MBI_FB_WIDTH), 1024);
	assert_int_equal(rd32(mi + MBI_FB_HEIGHT), 768);
	assert_int_equal(mi[MBI_FB_BPP], 32);
	assert_int_equal(mi[MBI_FB_TYPE], 1);
	static const uint8_t colour[6] = { 16, 8, 8, 8, 0, 8 };
	assert_memory_equal(mi + MBI_FB_COLOR, colour, 6);
}

static void test_mb1_the_longest_cmdline_and_most_modules_fit(void **state)
{
	(void)state;
	env_default();
	describe_the_most();
	kernel1(0x3, 0, 0, 0);
	prepare_ok(&proto_multiboot1);
	assert_int_equal(proto_multiboot1.finish(&E.run, ragged_map(MAP_CAP), MAP_CAP, 1), 0);
	assert_nothing_written_outside_claim();
	const uint8_t *mi = at(E.run.arg, MBI_SIZE);
	assert_string_equal(str_at(rd32(mi + MBI_CMDLINE)), E.k.cmdline);
	assert_int_equal(rd32(mi + MBI_MODS_COUNT), CONFIG_MAX_MODULES);
	const uint8_t *mods = at(rd32(mi + MBI_MODS_ADDR), CONFIG_MAX_MODULES * 16);
	for (size_t m = 0; m < CONFIG_MAX_MODULES; m++)
		assert_string_equal(str_at(rd32(mods + 16 * m + 8)), E.k.modules[m].string);
	assert_int_equal(rd32(mi + MBI_MMAP_LENGTH), MAP_CAP * 24);
}

static void test_mb1_finish_fits_the_worst_case_map(void **state)
{
	(void)state;
	env_default();
	kernel1(0x3, 0, 0, 0);
	prepare_ok(&proto_multiboot1);
	assert_int_equal(proto_multiboot1.finish(&E.run, ragged_map(MAP_CAP), MAP_CAP, 1), 0);
	const uint8_t *mi = at(E.run.arg, MBI_SIZE);
	assert_int_equal(rd32(mi + MBI_MMAP_LENGTH), MAP_CAP * 24);
	at(rd32(mi + MBI_MMAP_ADDR), MAP_CAP * 24);
	assert_nothing_written_outside_claim();
	assert_int_equal(proto_multiboot1.finish(&E.run, ragged_map(RAGGED_MAX),
						 RAGGED_MAX, 1), -1);
}

/* ---- the shared pieces ---- */

static void test_memory_map_merges_neighbours_of_one_type(void **state)
{
	(void)state;
	struct runway_mmap_entry out[3 * FINAL_N];
	size_t n = mb_memory_map(final_map, FINAL_N, out, 3 * FINAL_N);
	assert_int_equal(n, WANT_N);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i].base, want_map[i].base);
		assert_int_equal(out[i].length, want_map[i].length);
		assert_int_equal(out[i].type, want_map[i].type);
	}
	/* Too small a buffer: 0. */
	assert_int_equal(mb_memory_map(final_map, FINAL_N, out, 4), 0);
}

static void test_meminfo_counts_available_memory_from_0_and_1_mib(void **state)
{
	(void)state;
	static const struct runway_mmap_entry pc[] = {
		{ 0x0, 0x9f000, 1, 0 },
		{ 0x9f000, 0x61000, 2, 0 },
		{ 0x100000, 0x700000, 1, 0 },
		{ 0x800000, 0x1000, 3, 0 },
		{ 0x801000, 0x100000, 1, 0 },
	};
	uint32_t lower = 1, upper = 1;
	mb_meminfo(pc, 5, &lower, &upper);
	assert_int_equal(lower, 636);
	assert_int_equal(upper, 7 * 1024); /* to the first hole, at 8 MiB */

	/* Lower memory is at most 640 KiB, upper starts at 1 MiB. */
	static const struct runway_mmap_entry flat[] = { { 0x0, 0x300000, 1, 0 } };
	mb_meminfo(flat, 1, &lower, &upper);
	assert_int_equal(lower, 640);
	assert_int_equal(upper, 2 * 1024);

	/* Nothing available at 0 or at 1 MiB. */
	static const struct runway_mmap_entry none[] = {
		{ 0x0, 0x1000, 2, 0 }, { 0x1000, 0x9e000, 1, 0 },
		{ 0x200000, 0x1000, 1, 0 },
	};
	mb_meminfo(none, 3, &lower, &upper);
	assert_int_equal(lower, 0);
	assert_int_equal(upper, 0);
}

static void test_meminfo_upper_saturates_at_32_bits(void **state)
{
	(void)state;
	static const struct runway_mmap_entry huge[] = {
		{ 0x100000, 1ull << 43, 1, 0 },
	};
	uint32_t lower, upper;
	mb_meminfo(huge, 1, &lower, &upper);
	assert_int_equal(lower, 0);
	assert_int_equal(upper, UINT32_MAX);
}

static void test_color_fields_are_position_and_size(void **state)
{
	(void)state;
	uint8_t out[6];
	const struct fb_mode rgb565 = { .red_mask = 0xf800, .green_mask = 0x07e0,
					.blue_mask = 0x001f };
	mb_color_fields(&rgb565, out);
	static const uint8_t want565[6] = { 11, 5, 5, 6, 0, 5 };
	assert_memory_equal(out, want565, 6);
	const struct fb_mode rgbx = { .red_mask = 0xff, .green_mask = 0xff00,
				      .blue_mask = 0xff0000 };
	mb_color_fields(&rgbx, out);
	static const uint8_t wantx[6] = { 0, 8, 8, 8, 16, 8 };
	assert_memory_equal(out, wantx, 6);
}

static void test_rsdp_size_by_revision_and_length(void **state)
{
	(void)state;
	env_default();
	assert_int_equal(mb_rsdp_size(&E.run, ACPI1), 20);
	assert_int_equal(mb_rsdp_size(&E.run, ACPI2), 36);
	/* A Length below the 2.0 structure, or absurdly large, is bounded. */
	E.phys[ACPI2 + 20] = 8;
	assert_int_equal(mb_rsdp_size(&E.run, ACPI2), 36);
	memcpy(E.phys + ACPI2 + 20, "\x00\x00\x01\x00", 4);
	assert_int_equal(mb_rsdp_size(&E.run, ACPI2), 1024);
}

/* ---- fb_closest ---- */

static struct fb_info modes(const struct fb_mode *m, size_t n)
{
	struct fb_info fb = { .present = true, .nmodes = n };
	memcpy(fb.modes, m, n * sizeof *m);
	return fb;
}

#define MODE(w, h, d) { .width = w, .height = h, .bpp = d }

static void test_fb_closest_picks_800x600_from_a_list(void **state)
{
	(void)state;
	static const struct fb_mode m[] = {
		MODE(640, 480, 32), MODE(1024, 768, 32), MODE(800, 600, 32),
		MODE(1280, 1024, 32), MODE(1920, 1080, 32),
	};
	struct fb_info fb = modes(m, 5);
	assert_int_equal(fb_closest(&fb, 800, 600, 32), 2);
	assert_int_equal(fb_closest(&fb, 800, 600, 0), 2);
	/* Nearest when none is exact: 1024x768 for 1000x750. */
	assert_int_equal(fb_closest(&fb, 1000, 750, 32), 1);
}

static void test_fb_closest_exact_size_beats_exact_depth(void **state)
{
	(void)state;
	static const struct fb_mode m[] = {
		MODE(801, 600, 32), MODE(800, 600, 16), MODE(800, 601, 32),
	};
	struct fb_info fb = modes(m, 3);
	assert_int_equal(fb_closest(&fb, 800, 600, 32), 1);
}

static void test_fb_closest_depth_breaks_a_size_tie(void **state)
{
	(void)state;
	static const struct fb_mode m[] = {
		MODE(800, 600, 16), MODE(800, 600, 24), MODE(800, 600, 32),
	};
	struct fb_info fb = modes(m, 3);
	assert_int_equal(fb_closest(&fb, 800, 600, 32), 2);
	assert_int_equal(fb_closest(&fb, 800, 600, 24), 1);
	assert_int_equal(fb_closest(&fb, 800, 600, 15), 0);
	/* Any depth: the first of the tied. */
	assert_int_equal(fb_closest(&fb, 800, 600, 0), 0);
	/* Depth alone. */
	assert_int_equal(fb_closest(&fb, 0, 0, 24), 1);
}

static void test_fb_closest_without_modes_is_minus_1(void **state)
{
	(void)state;
	struct fb_info fb = { .present = true };
	assert_int_equal(fb_closest(&fb, 800, 600, 32), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_mb2_plan_enters_i386_with_the_magic),
		T(test_mb2_plan_refuses_a_required_tag_it_cannot_give_by_name),
		T(test_mb2_plan_accepts_an_optional_tag_it_cannot_give_and_logs_it),
		T(test_mb2_plan_accepts_every_tag_it_gives),
		T(test_mb2_plan_refuses_framebuffer_without_one),
		T(test_mb2_plan_refuses_acpi_and_smbios_the_firmware_lacks),
		T(test_mb2_plan_refuses_load_base_without_a_relocatable_tag),
		T(test_mb2_plan_refuses_boot_services_tag_when_they_end),
		T(test_mb2_plan_refuses_efi_memory_map_when_boot_services_run),
		T(test_mb2_plan_console_required_needs_a_framebuffer),
		T(test_mb2_plan_asks_for_the_framebuffer_tag_mode),
		T(test_mb2_plan_ignores_and_logs_amd64_entry_without_boot_services),
		T(test_mb2_prepare_makes_one_loader_claim_below_4gib),
		T(test_mb2_writes_only_inside_its_claim),
		T(test_mb2_total_size_ends_with_the_end_tag),
		T(test_mb2_cmdline_and_loader_name),
		T(test_mb2_empty_cmdline_is_an_empty_string),
		T(test_mb2_module_tags_with_strings),
		T(test_mb2_no_modules_no_module_tags),
		T(test_mb2_basic_meminfo),
		T(test_mb2_memory_map_types_and_merges),
		T(test_mb2_efi_memory_map_is_the_firmware_final_map),
		T(test_mb2_framebuffer_tag_layout),
		T(test_mb2_no_framebuffer_no_tag),
		T(test_mb2_efi64_system_table_and_image_handle),
		T(test_mb2_never_gives_bios_or_32bit_efi_tags),
		T(test_mb2_acpi_tags_copy_the_rsdp_bytes),
		T(test_mb2_no_acpi_no_acpi_tags),
		T(test_mb2_smbios_tag_prefers_the_2x_entry_point),
		T(test_mb2_smbios_tag_from_the_3_entry_point_alone),
		T(test_mb2_load_base_tag_only_for_a_relocatable_image),
		T(test_mb2_efi_mode_keeps_boot_services),
		T(test_mb2_the_longest_cmdline_and_most_modules_fit),
		T(test_mb2_finish_fits_the_worst_case_map),
		T(test_mb2_finish_refuses_a_map_beyond_what_prepare_sized),
		T(test_mb2_finish_refuses_an_efi_map_beyond_what_prepare_sized),
		T(test_mb2_prepare_fails_cleanly_when_firmware_refuses),
		T(test_mb1_plan_enters_i386_with_the_magic),
		T(test_mb1_plan_asks_for_the_video_mode),
		T(test_mb1_info_is_one_claim_below_4gib),
		T(test_mb1_flags),
		T(test_mb1_cmdline_and_loader_name_inside_the_claim),
		T(test_mb1_modules_with_strings),
		T(test_mb1_no_modules_count_zero),
		T(test_mb1_memory_map_entries_have_size_20),
		T(test_mb1_mem_lower_and_upper),
		T(test_mb1_framebuffer_fields),
		T(test_mb1_the_longest_cmdline_and_most_modules_fit),
		T(test_mb1_finish_fits_the_worst_case_map),
		T(test_memory_map_merges_neighbours_of_one_type),
		T(test_meminfo_counts_available_memory_from_0_and_1_mib),
		T(test_meminfo_upper_saturates_at_32_bits),
		T(test_color_fields_are_position_and_size),
		T(test_rsdp_size_by_revision_and_length),
		T(test_fb_closest_picks_800x600_from_a_list),
		T(test_fb_closest_exact_size_beats_exact_depth),
		T(test_fb_closest_depth_breaks_a_size_tie),
		T(test_fb_closest_without_modes_is_minus_1),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
