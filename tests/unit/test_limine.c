/*
 * test_limine.c - the Limine boot protocol on the loader side
 * (proto/limine.c).  A kernel image is built by hand in host memory that
 * stands for physical memory, with requests written into it as the
 * specification (PROTOCOL.md of the limine-bootloader project) lays them
 * out: the IDs and response layouts below are copied from that text, not
 * from proto/limine_spec.h, so that a typo on either side shows.  prepare
 * claims through the allocator over a fake firmware (fakefw.c), files come
 * from a fake run->load_file, and every response is read back through the
 * direct-map address written into its request.  For the MP request, ACPI
 * tables (RSDP, XSDT, MADT) are laid out below the free memory as firmware
 * leaves them.
 *
 * Base revision 3, which that text does not describe, differs from 2 in
 * that the RSDP, SMBIOS and EFI system table addresses are physical.
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
#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define HHDM RUNWAY_HHDM_OFFSET
#define HHDM5 0xff00000000000000ull /* the direct map with 5-level paging */
#define KBASE 0xffffffff80000000ull
#define PHYS_END (32 * MIB) /* host memory stands for [0, PHYS_END) */
#define JUNK 0xcc           /* host memory outside the image: writes show */
#define MAP_CAP 64
#define REG_CAP 256
#define CLAIM_CAP 64

/* The image: 8 KiB of code, then 24 KiB of data, at 16 MiB physical
 * (outside the free memory the allocator hands out). */
#define IMG_PHYS (16 * MIB)
#define IMG_SIZE 0x8000ull
#define TEXT_SIZE 0x2000ull
#define KERNEL_ENTRY (KBASE + 0x40)
#define REQ_FIRST 0x2000ull  /* req() places requests from here */
#define REQ_SLOT 0x80ull
#define REQ_END 0x4000ull
#define TAG_OFF (REQ_FIRST - 0x20) /* tag() places the tag here */
#define STR_FIRST 0x5000ull  /* str() places strings and tables from here */
#define STR_END 0x6000ull    /* [0x6000, IMG_SIZE) is for explicit offsets */

#define CMDLINE "console=ttyS0 loglevel=7"
#define FB_PHYS 0x80000000ull
#define FB_SIZE 0x300000ull
#define ACPI1 0xe0000ull
#define ACPI2 0x7fb7e014ull
#define SMBIOS32 0xf0000ull
#define SMBIOS64 0x7fb5f000ull
#define SYSTAB 0x7f9ee018ull
#define BOOT_TIME 1700000000
#define KFILE_PHYS 0x1100000ull
#define KFILE_SIZE 0x7a31ull
/* Firmware ACPI tables (acpi_tables()), below the free memory. */
#define ACPI_PHYS 0x80000ull
#define ACPI_END 0xa0000ull

/* ---- the protocol as PROTOCOL.md writes it ---- */

#define COMMON0 0xc7b1dd30df4c8b88ull
#define COMMON1 0x0a82e883a194f07bull
#define BASE_REV0 0xf9562b2d5c95a6c8ull
#define BASE_REV1 0x6a7b384944536bdcull

static const uint64_t start_marker[4] = { 0xf6b8f4b39de7d1aeull, 0xfab91a6940fcb9cfull,
					  0x785c6ed015d3e316ull, 0x181e920a7852b9d9ull };
static const uint64_t end_marker[2] = { 0xadc0e0531bb10d03ull, 0x9572709f31764c62ull };

enum req {
	BOOTLOADER_INFO,
	FIRMWARE_TYPE,
	STACK_SIZE,
	HHDM_REQ,
	FRAMEBUFFER,
	PAGING_MODE,
	SMP,
	MEMMAP,
	ENTRY_POINT,
	KERNEL_FILE,
	MODULE,
	RSDP,
	SMBIOS,
	EFI_SYSTEM_TABLE,
	EFI_MEMMAP,
	BOOT_TIME_REQ,
	KERNEL_ADDRESS,
	DTB,
	NREQ
};

/* The last two words of each ID ("Feature List"). */
static const uint64_t req_id[NREQ][2] = {
	[BOOTLOADER_INFO] = { 0xf55038d8e2a1202full, 0x279426fcf5f59740ull },
	[FIRMWARE_TYPE] = { 0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull },
	[STACK_SIZE] = { 0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull },
	[HHDM_REQ] = { 0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull },
	[FRAMEBUFFER] = { 0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull },
	[PAGING_MODE] = { 0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull },
	[SMP] = { 0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull },
	[MEMMAP] = { 0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull },
	[ENTRY_POINT] = { 0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull },
	[KERNEL_FILE] = { 0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull },
	[MODULE] = { 0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull },
	[RSDP] = { 0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull },
	[SMBIOS] = { 0x9e9046f11e095391ull, 0xaa4a520fefbde5eeull },
	[EFI_SYSTEM_TABLE] = { 0x5ceba5163eaaf6d6ull, 0x0a6981610cf65fccull },
	[EFI_MEMMAP] = { 0x7df62a431d6872d5ull, 0xa4fcdfb3e57306c8ull },
	[BOOT_TIME_REQ] = { 0x502746e184c088aaull, 0xfbc5ec83e6327893ull },
	[KERNEL_ADDRESS] = { 0x71ba76863cc55f63ull, 0xb2644a48c516a487ull },
	[DTB] = { 0xb40ddb48fb54bac7ull, 0x545081493f81ffb7ull },
};

/* Request fields after the header (id[4], revision, response). */
#define REQ_REVISION 32
#define REQ_RESPONSE 40
#define REQ_FIELD0 48 /* stack_size, entry, mode, internal_module_count */
#define REQ_FIELD1 56 /* max_mode, internal_modules */
#define REQ_FIELD2 64 /* min_mode */

#define INTERNAL_MODULE_REQUIRED 1

/* Responses whose one field after the revision is a number or address:
 * firmware type, HHDM, paging mode, RSDP, EFI system table, boot time. */
struct one_word_response {
	uint64_t revision;
	uint64_t value;
};

struct bootloader_info_response {
	uint64_t revision;
	uint64_t name, version;
};

struct smbios_response {
	uint64_t revision;
	uint64_t entry_32, entry_64;
};

struct kernel_address_response {
	uint64_t revision;
	uint64_t physical_base, virtual_base;
};

/* Framebuffer, memory map and module responses: a count and an array of
 * pointers. */
struct list_response {
	uint64_t revision;
	uint64_t count;
	uint64_t list;
};

struct kernel_file_response {
	uint64_t revision;
	uint64_t kernel_file;
};

struct efi_memmap_response {
	uint64_t revision;
	uint64_t memmap, memmap_size, desc_size, desc_version;
};

/* MP (x86-64): the response and one processor's information. */
struct limine_mp_response {
	uint64_t revision;
	uint32_t flags;
	uint32_t bsp_lapic_id;
	uint64_t cpu_count;
	uint64_t cpus;       /* struct limine_mp_info ** */
};
_Static_assert(sizeof(struct limine_mp_response) == 32, "limine_mp_response");

struct limine_mp_info {
	uint32_t processor_id;
	uint32_t lapic_id;
	uint64_t reserved;
	uint64_t goto_address;
	uint64_t extra_argument;
};
_Static_assert(offsetof(struct limine_mp_info, goto_address) == 16, "limine_mp_info");
_Static_assert(sizeof(struct limine_mp_info) == 32, "limine_mp_info");

struct limine_uuid {
	uint32_t a;
	uint16_t b, c;
	uint8_t d[8];
};

struct limine_file {
	uint64_t revision;
	uint64_t address;
	uint64_t size;
	uint64_t path;
	uint64_t cmdline;
	uint32_t media_type;
	uint32_t unused;
	uint32_t tftp_ip;
	uint32_t tftp_port;
	uint32_t partition_index;
	uint32_t mbr_disk_id;
	struct limine_uuid gpt_disk_uuid;
	struct limine_uuid gpt_part_uuid;
	struct limine_uuid part_uuid;
};
_Static_assert(sizeof(struct limine_file) == 112, "limine_file");

struct limine_framebuffer {
	uint64_t address;
	uint64_t width, height, pitch;
	uint16_t bpp;
	uint8_t memory_model;
	uint8_t red_mask_size, red_mask_shift;
	uint8_t green_mask_size, green_mask_shift;
	uint8_t blue_mask_size, blue_mask_shift;
	uint8_t unused[7];
	uint64_t edid_size;
	uint64_t edid;
	uint64_t mode_count; /* response revision 1 */
	uint64_t modes;
};
_Static_assert(offsetof(struct limine_framebuffer, edid_size) == 48, "limine_framebuffer");
_Static_assert(sizeof(struct limine_framebuffer) == 80, "limine_framebuffer");

struct limine_video_mode {
	uint64_t pitch, width, height;
	uint16_t bpp;
	uint8_t memory_model;
	uint8_t red_mask_size, red_mask_shift;
	uint8_t green_mask_size, green_mask_shift;
	uint8_t blue_mask_size, blue_mask_shift;
};
_Static_assert(offsetof(struct limine_video_mode, blue_mask_shift) == 32, "limine_video_mode");

#define FB_MODEL_RGB 1

struct limine_memmap_entry {
	uint64_t base, length, type;
};

enum {
	MEM_USABLE = 0,
	MEM_RESERVED = 1,
	MEM_ACPI_RECLAIMABLE = 2,
	MEM_ACPI_NVS = 3,
	MEM_BAD = 4,
	MEM_BOOTLOADER_RECLAIMABLE = 5,
	MEM_KERNEL_AND_MODULES = 6,
	MEM_FRAMEBUFFER = 7,
};

/* ---- environment: allocator over a fake map, phys in a host buffer ---- */

#define LOG_MAX 32
#define LOADS_MAX 16

/* The files the fake run->load_file knows. */
static const struct loaded_module volume_files[] = {
	{ KFILE_PHYS, KFILE_SIZE, "/boot/kernel.elf", "" },
	{ 0x1200000, 0x2000, "/boot/drivers.tar", "" },
	{ 0x1300000, 0x123, "/boot/sub/logo.bmp", "" },
	{ 0x1400000, 0x4444, "/kernel.elf", "" },
	{ 0x1500000, 0x55, "/drivers.tar", "" },
};

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
	uint64_t next_req, next_str;    /* image offsets req() and str() use */
	char log[LOG_MAX][256];
	size_t nlog;
	char loads[LOADS_MAX][CONFIG_PATH_MAX + 1]; /* paths load_file was asked for */
	size_t nloads;
	const char *missing;            /* a path load_file refuses */
	struct loaded_module extra;     /* one more file of the volume */
	bool acpi;                      /* [ACPI_PHYS, ACPI_END) holds tables */
	uint64_t stacks_base, stacks_end; /* the AP stacks' claim */
	bool up;
} E;

static void *p2v(void *ctx, uint64_t phys)
{
	if (ctx != &E)
		fail_msg("p2v called with ctx %p, not run->p2v_ctx", ctx);
	if (phys >= PHYS_END)
		fail_msg("p2v(0x%" PRIx64 ") outside host memory", phys);
	bool image = phys >= IMG_PHYS && phys < IMG_PHYS + IMG_SIZE;
	/* The MP request reads the ACPI tables (its tests check that they
	 * stay unchanged). */
	bool acpi = E.acpi && phys >= ACPI_PHYS && phys < ACPI_END;
	if (!image && !acpi && !E.f.claimed[phys >> 12])
		fail_msg("the protocol writes 0x%" PRIx64 ", which is neither the image nor claimed",
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

/* Was a line containing s logged? */
static bool logged(const char *s)
{
	for (size_t i = 0; i < E.nlog; i++)
		if (strstr(E.log[i], s))
			return true;
	return false;
}

static void assert_logged(const char *s)
{
	if (logged(s))
		return;
	for (size_t i = 0; i < E.nlog; i++)
		print_message("log: %s\n", E.log[i]);
	fail_msg("no line with '%s' was logged", s);
}

/* Paths name the same file with or without their leading slash. */
static bool same_path(const char *a, const char *b)
{
	return !strcmp(a + (*a == '/'), b + (*b == '/'));
}

/* The fake volume: the files above, as efi/modules.c returns them. */
static int load_file(void *ctx, const char *path, struct loaded_module *ret,
		     struct rw_err *err)
{
	if (ctx != &E)
		fail_msg("load_file called with ctx %p, not run->load_ctx", ctx);
	assert_true(E.nloads < LOADS_MAX);
	snprintf(E.loads[E.nloads++], sizeof E.loads[0], "%s", path);
	for (size_t i = 0; i < sizeof volume_files / sizeof volume_files[0]; i++)
		if (same_path(volume_files[i].path, path) &&
		    !(E.missing && same_path(E.missing, path))) {
			*ret = volume_files[i];
			ret->path = path;
			return 0;
		}
	if (E.extra.path && same_path(E.extra.path, path)) {
		*ret = E.extra;
		ret->path = path;
		return 0;
	}
	return rw_fail(err, "%s: Not Found", path);
}

/* The kernel every test starts from: one run at IMG_PHYS, a code and a data
 * segment, two config modules, a BGRX framebuffer, every table. */
static void describe_kernel(void)
{
	E.img = (struct elf_image){ .type = ELF_ET_EXEC, .entry = KERNEL_ENTRY,
				    .vlow = KBASE, .vhigh = KBASE + IMG_SIZE,
				    .nseg = 2, .one_run = true };
	E.img.seg[0] = (struct elf_segment){ .vaddr = KBASE, .memsz = TEXT_SIZE,
					     .flags = MM_MAP_EXEC };
	E.img.seg[1] = (struct elf_segment){ .vaddr = KBASE + TEXT_SIZE,
					     .memsz = IMG_SIZE - TEXT_SIZE,
					     .flags = MM_MAP_WRITE, .phdr_index = 1 };
	E.ld = (struct elf_load){ .ngroups = 1, .npieces = 1, .nruns = 1 };
	E.ld.group[0] = (struct elf_group){ .vbase = KBASE, .pages = IMG_SIZE / PAGE,
					    .nseg = 2, .npieces = 1 };
	E.ld.piece[0] = (struct mm_claim){ IMG_PHYS, IMG_SIZE / PAGE };
	E.k = (struct loaded_kernel){
		.path = "/boot/kernel.elf",
		.cmdline = CMDLINE,
		.img = &E.img,
		.ld = &E.ld,
		.phys_base = IMG_PHYS,
		.hhdm_offset = HHDM,
		.hhdm_size = 4 * GIB,
		.nmodules = 2,
		.modules = {
			{ 0x1600000, 0x1234, "/boot/initrd.img", "root=/dev/ram0" },
			{ 0x1700000, 0x10, "boot/font.psf", "" },
		},
		.machine = {
			.fb = { .present = true, .phys = FB_PHYS, .size = FB_SIZE,
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
			.boot_time = BOOT_TIME,
			.volume = {
				.partition_index = 2,
				.mbr_disk_id = 0x5eed1234,
				.gpt_disk_guid = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
						   0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 },
				.gpt_part_guid = { 0xa1, 0xa2, 0xa3, 0xa4, 0xb1, 0xb2, 0xc1, 0xc2,
						   0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 },
			},
		},
		.map_cap = MAP_CAP,
	};
}

/* 15 MiB of free memory at 1 MiB; the image and the files lie above it. */
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
	assert_non_null(E.phys);
	memset(E.phys, JUNK, PHYS_END);
	memset(E.phys + IMG_PHYS, 0, IMG_SIZE);
	E.up = true;
	E.next_req = REQ_FIRST;
	E.next_str = STR_FIRST;
	describe_kernel();
	E.run = (struct proto_run){ .k = &E.k, .alloc = &E.a, .p2v = p2v,
				    .p2v_ctx = &E, .load_file = load_file,
				    .load_ctx = &E, .log = log_line, .log_ctx = &E };
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

/* For tests that try several kernels in turn. */
static void env_again(void)
{
	teardown(NULL);
	env_default();
}

/* ---- the image ---- */

static uint8_t *image(uint64_t off)
{
	assert_true(off < IMG_SIZE);
	return E.phys + IMG_PHYS + off;
}

static void put64(uint64_t off, uint64_t w)
{
	memcpy(image(off), &w, 8);
}

static uint64_t get64(uint64_t off)
{
	uint64_t w;
	memcpy(&w, image(off), 8);
	return w;
}

/* A request of kind r at image offset off, as a kernel declares it:
 * the ID, the revision, a NULL response.  Returns off. */
static uint64_t req_at(uint64_t off, enum req r, uint64_t revision)
{
	const uint64_t w[6] = { COMMON0, COMMON1, req_id[r][0], req_id[r][1],
				revision, 0 };
	for (size_t i = 0; i < 6; i++)
		put64(off + 8 * i, w[i]);
	return off;
}

/* A request in the next free slot of the data segment. */
static uint64_t req(enum req r, uint64_t revision)
{
	uint64_t off = E.next_req;
	assert_true(off + REQ_SLOT <= REQ_END);
	E.next_req += REQ_SLOT;
	return req_at(off, r, revision);
}

static void tag_at(uint64_t off, uint64_t revision)
{
	put64(off, BASE_REV0);
	put64(off + 8, BASE_REV1);
	put64(off + 16, revision);
}

/* The tag just before the requests. */
static void tag(uint64_t revision)
{
	tag_at(TAG_OFF, revision);
}

static void start_marker_at(uint64_t off)
{
	for (size_t i = 0; i < 4; i++)
		put64(off + 8 * i, start_marker[i]);
}

static void end_marker_at(uint64_t off)
{
	for (size_t i = 0; i < 2; i++)
		put64(off + 8 * i, end_marker[i]);
}

/* size bytes of the image's data (a string, a table); its virtual address. */
static uint64_t data(const void *bytes, size_t size)
{
	uint64_t off = E.next_str;
	assert_true(off + size <= STR_END);
	memcpy(image(off), bytes, size);
	E.next_str = (off + size + 7) & ~7ull;
	return KBASE + off;
}

static uint64_t str(const char *s)
{
	return data(s, strlen(s) + 1);
}

/* ---- running the protocol ---- */

static void plan_ok(void)
{
	struct rw_err err = { "" };
	if (proto_limine.plan(&E.run, &err))
		fail_msg("plan: %s", err.msg);
}

/* plan refuses the kernel with a message containing what. */
static void plan_fails(const char *what)
{
	struct rw_err err = { "" };
	assert_int_equal(proto_limine.plan(&E.run, &err), -1);
	if (!strstr(err.msg, what))
		fail_msg("plan's message '%s' does not say '%s'", err.msg, what);
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

/* plan, then prepare, which must succeed with one claim. */
static void prepare_ok(void)
{
	struct rw_err err = { "" };
	plan_ok();
	/* As the loader does (efi/boot.c): plan may move the direct map. */
	if (E.run.hhdm_offset)
		E.k.hhdm_offset = E.run.hhdm_offset;
	if (proto_limine.prepare(&E.run, &err))
		fail_msg("prepare: %s", err.msg);
	assert_fake_clean(&E.f);
	const struct fake_call *c = only_claim();
	E.claim_base = c->base;
	E.claim_end = c->base + c->pages * PAGE;
}

/* Host pointer to [virt, virt + len), a direct-map address (at the
 * kernel's hhdm_offset) that must lie inside prepare's claim. */
static void *at(uint64_t virt, uint64_t len)
{
	const uint64_t hhdm = E.k.hhdm_offset, phys = virt - hhdm;
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
	if (!memchr(s, 0, E.claim_end - (virt - E.k.hhdm_offset)))
		fail_msg("the string at 0x%" PRIx64 " runs past the claim", virt);
	return s;
}

/* The response to the request at image offset off, read through the
 * address prepare wrote into the request. */
static void *response(uint64_t off, size_t size)
{
	uint64_t virt = get64(off + REQ_RESPONSE);
	if (!virt)
		fail_msg("the request at +0x%" PRIx64 " got no response", off);
	assert_int_equal(virt % 8, 0);
	return at(virt, size);
}

static void assert_no_response(uint64_t off)
{
	assert_int_equal(get64(off + REQ_RESPONSE), 0);
}

/* Every byte of host memory outside prepare's claim and the image is
 * still junk. */
static void assert_nothing_written_outside_claim_and_image(void)
{
	for (uint64_t p = 0; p < PHYS_END; p++) {
		if (p == E.claim_base)
			p = E.claim_end;
		if (p == IMG_PHYS)
			p += IMG_SIZE;
		if (p < PHYS_END && E.phys[p] != JUNK)
			fail_msg("phys 0x%" PRIx64 " was written; the claim is [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 p, E.claim_base, E.claim_end);
	}
}

/* ---- plan: finding requests ---- */

static void test_plan_finds_requests_on_8_byte_boundaries(void **state)
{
	(void)state;
	env_default();
	uint64_t aligned = req_at(0x2008, HHDM_REQ, 0);
	uint64_t misaligned = req_at(0x2104, FIRMWARE_TYPE, 0);
	prepare_ok();
	assert_logged("requests=1 ");
	response(aligned, 16);
	assert_no_response(misaligned);
}

static void test_plan_ignores_and_counts_requests_outside_the_markers(void **state)
{
	(void)state;
	env_default();
	uint64_t before = req_at(0x2000, FIRMWARE_TYPE, 0);
	start_marker_at(0x2100);
	uint64_t inside = req_at(0x2200, HHDM_REQ, 0);
	end_marker_at(0x2300);
	uint64_t after = req_at(0x2400, BOOTLOADER_INFO, 0);
	prepare_ok();
	assert_logged("requests=1 unknown=0 outside_markers=2 ");
	response(inside, 16);
	assert_no_response(before);
	assert_no_response(after);
}

static void test_plan_last_start_marker_and_first_end_marker_win(void **state)
{
	(void)state;
	env_default();
	start_marker_at(0x2000);
	uint64_t a = req_at(0x2100, FIRMWARE_TYPE, 0);
	start_marker_at(0x2200);
	uint64_t b = req_at(0x2300, HHDM_REQ, 0);
	end_marker_at(0x2400);
	uint64_t c = req_at(0x2500, BOOTLOADER_INFO, 0);
	end_marker_at(0x2600);
	uint64_t d = req_at(0x2700, KERNEL_ADDRESS, 0);
	prepare_ok();
	assert_logged("requests=1 unknown=0 outside_markers=3 ");
	response(b, 16);
	assert_no_response(a);
	assert_no_response(c);
	assert_no_response(d);
}

static void test_plan_refuses_a_duplicate_request_naming_it(void **state)
{
	(void)state;
	env_default();
	req(FIRMWARE_TYPE, 0);
	req(HHDM_REQ, 0);
	req(HHDM_REQ, 0);
	plan_fails("two hhdm requests");
}

static void test_plan_ignores_an_unknown_request_id(void **state)
{
	(void)state;
	env_default();
	uint64_t unknown = req(HHDM_REQ, 0);
	put64(unknown + 16, 0x1122334455667788ull);
	put64(unknown + 24, 0x99aabbccddeeff00ull);
	uint64_t known = req(HHDM_REQ, 0);
	prepare_ok();
	assert_logged("requests=2 unknown=1 ");
	assert_no_response(unknown);
	response(known, 16);
}

static void test_plan_refuses_an_image_not_in_one_run(void **state)
{
	(void)state;
	env_default();
	req(HHDM_REQ, 0);
	E.ld.npieces = 2;
	E.ld.piece[0].pages = 4;
	E.ld.piece[1] = (struct mm_claim){ IMG_PHYS + 5 * PAGE, 4 };
	E.ld.nruns = 2;
	plan_fails("landed in 2 physical runs");
}

/* ---- plan: the base revision tag ---- */

static void test_plan_supports_base_revisions_0_to_3_and_zeroes_the_tag(void **state)
{
	(void)state;
	for (uint64_t rev = 0; rev <= 3; rev++) {
		char want[64];
		env_again();
		tag(rev);
		req(HHDM_REQ, 0);
		plan_ok();
		assert_int_equal(get64(TAG_OFF + 16), 0);
		assert_int_equal(get64(TAG_OFF), BASE_REV0);
		snprintf(want, sizeof want, "limine base_revision=%" PRIu64 " asked=%" PRIu64 " ",
			 rev, rev);
		assert_logged(want);
	}
}

static void test_plan_boots_base_revision_99_as_3_and_leaves_the_tag(void **state)
{
	(void)state;
	env_default();
	tag(99);
	plan_ok();
	assert_int_equal(get64(TAG_OFF + 16), 99);
	assert_logged("limine base_revision=3 asked=99 ");
	assert_false(E.run.identity_map);
}

static void test_plan_without_a_tag_is_base_revision_0(void **state)
{
	(void)state;
	env_default();
	req(HHDM_REQ, 0);
	plan_ok();
	assert_logged("limine base_revision=0 asked=0 ");
	assert_true(E.run.identity_map);
}

static void test_plan_ignores_a_tag_outside_the_markers(void **state)
{
	(void)state;
	env_default();
	tag_at(0x2000, 2);
	start_marker_at(0x2100);
	req_at(0x2200, HHDM_REQ, 0);
	end_marker_at(0x2300);
	plan_ok();
	assert_int_equal(get64(0x2000 + 16), 2);
	assert_logged("limine base_revision=0 ");
	assert_true(E.run.identity_map);
}

static void test_plan_finds_a_tag_in_the_last_bytes_of_the_image(void **state)
{
	(void)state;
	env_default();
	tag_at(IMG_SIZE - 24, 2);
	plan_ok();
	assert_int_equal(get64(IMG_SIZE - 24 + 16), 0);
	assert_logged("limine base_revision=2 ");
	assert_false(E.run.identity_map);
}

static void test_plan_sets_identity_map_for_base_revision_0_only(void **state)
{
	(void)state;
	static const uint64_t revs[] = { 0, 1, 2, 3, 99 };
	for (size_t i = 0; i < sizeof revs / sizeof revs[0]; i++) {
		env_again();
		tag(revs[i]);
		E.run.identity_map = revs[i] != 0; /* plan must set it either way */
		plan_ok();
		assert_int_equal(E.run.identity_map, revs[i] == 0);
	}
}

/* ---- plan: stack size, entry point, paging mode ---- */

/* plan with a stack size request for `want` bytes; the stack it logs. */
static void plan_with_stack(uint64_t want, const char *logs)
{
	env_again();
	put64(req(STACK_SIZE, 0) + REQ_FIELD0, want);
	plan_ok();
	assert_logged(logs);
}

static void test_plan_stack_size_request_sets_the_stack(void **state)
{
	(void)state;
	plan_with_stack(100000, " stack=102400 ");  /* 25 pages */
	plan_with_stack(256 * KIB, " stack=262144 ");
	plan_with_stack(64 * MIB, " stack=67108864 ");
}

static void test_plan_stack_is_at_least_64_kib(void **state)
{
	(void)state;
	plan_with_stack(4096, " stack=65536 ");
	plan_with_stack(0, " stack=65536 ");
	env_again();
	plan_ok();
	assert_logged(" stack=65536 ");
}

static void test_plan_refuses_a_stack_above_64_mib(void **state)
{
	(void)state;
	env_default();
	put64(req(STACK_SIZE, 0) + REQ_FIELD0, 64 * MIB + 1);
	plan_fails("67108865");
}

static void test_plan_entry_point_request_overrides_e_entry(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(ENTRY_POINT, 0);
	put64(r + REQ_FIELD0, KBASE + 0x1ff0);
	prepare_ok();
	assert_int_equal(E.run.entry, KBASE + 0x1ff0);
	assert_int_equal(((struct one_word_response *)response(r, 8))->revision, 0);
}

static void test_plan_refuses_an_entry_point_outside_executable_segments(void **state)
{
	(void)state;
	static const uint64_t bad[] = { KBASE + TEXT_SIZE, KBASE + 0x3000,
					KBASE - 0x10, KBASE + IMG_SIZE, 0 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char want[32];
		env_again();
		put64(req(ENTRY_POINT, 0) + REQ_FIELD0, bad[i]);
		snprintf(want, sizeof want, "0x%" PRIx64, bad[i]);
		plan_fails(want);
	}
}

static void test_plan_refuses_paging_mode_min_mode_1(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(PAGING_MODE, 1);
	put64(r + REQ_FIELD0, 1); /* mode: 5-level */
	put64(r + REQ_FIELD1, 1); /* max_mode */
	put64(r + REQ_FIELD2, 1); /* min_mode */
	plan_fails("paging mode");
}

static void test_plan_accepts_paging_mode_5_level_preferred_4_level_allowed(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(PAGING_MODE, 1);
	put64(r + REQ_FIELD0, 1);
	put64(r + REQ_FIELD1, 1);
	put64(r + REQ_FIELD2, 0);
	plan_ok();
	env_again();
	/* Revision 0 has no min_mode: whatever follows the request is not
	 * read as one. */
	r = req(PAGING_MODE, 0);
	put64(r + REQ_FIELD0, 1);
	put64(r + REQ_FIELD2, 1);
	plan_ok();
}

/* ---- the paging mode: 4 or 5 levels ---- */

/* The loader's machine with or without 5-level paging (CPUID 7:ECX[16]). */
static void env_la57(bool la57)
{
	env_default();
	E.k.machine.la57 = la57;
}

/* A paging mode request: mode, and for revision 1 max_mode and min_mode
 * (0: 4-level, 1: 5-level).  Its image offset. */
static uint64_t paging_mode_req(uint64_t revision, uint64_t mode, uint64_t max_mode,
				uint64_t min_mode)
{
	uint64_t r = req(PAGING_MODE, revision);
	put64(r + REQ_FIELD0, mode);
	if (revision >= 1) {
		put64(r + REQ_FIELD1, max_mode);
		put64(r + REQ_FIELD2, min_mode);
	}
	return r;
}

/* After prepare_ok: plan chose `levels`-level paging (and the direct map
 * that goes with it), logged it, and the paging mode request at r (if
 * any) got its response. */
static void assert_paging(uint64_t r, int levels)
{
	assert_int_equal(E.run.la57, levels == 5);
	assert_int_equal(E.run.hhdm_offset, levels == 5 ? HHDM5 : 0);
	assert_int_equal(E.k.hhdm_offset, levels == 5 ? HHDM5 : HHDM);
	assert_logged(levels == 5 ? " paging=5" : " paging=4");
	if (!r)
		return;
	const struct one_word_response *pm = response(r, sizeof *pm);
	assert_int_equal(pm->revision, 0);
	assert_int_equal(pm->value, levels == 5 ? 1 : 0);
}

static void test_paging_mode_5_level_when_preferred_allowed_and_the_cpu_has_la57(void **state)
{
	(void)state;
	env_la57(true);
	uint64_t r = paging_mode_req(1, 1, 1, 0);
	prepare_ok();
	assert_paging(r, 5);
}

static void test_paging_mode_5_level_moves_the_hhdm_to_0xff00000000000000(void **state)
{
	(void)state;
	env_la57(true);
	paging_mode_req(1, 1, 1, 0);
	uint64_t h = req(HHDM_REQ, 0), b = req(BOOTLOADER_INFO, 0);
	prepare_ok();
	/* response() and str_at() read through the 5-level direct map. */
	const struct one_word_response *hhdm = response(h, sizeof *hhdm);
	assert_int_equal(hhdm->value, HHDM5);
	const struct bootloader_info_response *bi = response(b, sizeof *bi);
	assert_string_equal(str_at(bi->name), "Runway");
	/* The stack is in it too. */
	assert_true(E.run.stack_top > HHDM5);
	assert_true(E.run.stack_top - HHDM5 > E.claim_base);
	assert_true(E.run.stack_top - HHDM5 <= E.claim_end);
}

static void test_paging_mode_revision_0_preferring_5_level_gets_it_on_la57(void **state)
{
	(void)state;
	env_la57(true);
	uint64_t r = paging_mode_req(0, 1, 0, 0); /* max_mode: mode's own */
	prepare_ok();
	assert_paging(r, 5);
}

static void test_paging_mode_max_mode_0_keeps_4_level_on_la57(void **state)
{
	(void)state;
	env_la57(true);
	uint64_t r = paging_mode_req(1, 1, 0, 0);
	prepare_ok();
	assert_paging(r, 4);
}

static void test_paging_mode_4_level_preferred_stays_4_level_on_la57(void **state)
{
	(void)state;
	env_la57(true);
	uint64_t r = paging_mode_req(1, 0, 1, 0);
	prepare_ok();
	assert_paging(r, 4);
}

static void test_paging_mode_5_level_preferred_is_4_level_without_la57(void **state)
{
	(void)state;
	env_la57(false);
	uint64_t r = paging_mode_req(1, 1, 1, 0);
	prepare_ok();
	assert_paging(r, 4);
}

static void test_paging_mode_min_mode_1_without_la57_is_refused_naming_it(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	env_la57(false);
	paging_mode_req(1, 1, 1, 1);
	assert_int_equal(proto_limine.plan(&E.run, &err), -1);
	if (!strstr(err.msg, "needs 5-level paging") ||
	    !strstr(err.msg, "this CPU has 4 levels only"))
		fail_msg("plan's message '%s' does not say what the kernel needs and the CPU has",
			 err.msg);
	assert_false(E.run.la57);
	assert_int_equal(E.f.nlog, 0); /* nothing claimed */
}

static void test_paging_mode_min_mode_1_gets_5_level_on_la57_even_if_4_is_preferred(void **state)
{
	(void)state;
	/* PROTOCOL.md: the mode is the kernel's preference; min_mode and
	 * max_mode bound what it supports. */
	env_la57(true);
	uint64_t r = paging_mode_req(1, 0, 1, 1);
	prepare_ok();
	assert_paging(r, 5);
}

static void test_paging_mode_no_mode_between_min_and_max_is_refused(void **state)
{
	(void)state;
	/* min_mode above max_mode, or above 5-level: nothing satisfies
	 * them, whatever the CPU has. */
	static const uint64_t bad[][3] = { { 1, 0, 1 }, { 0, 0, 1 }, { 2, 2, 2 } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		for (int la57 = 0; la57 <= 1; la57++) {
			teardown(NULL);
			env_la57(la57);
			paging_mode_req(1, bad[i][0], bad[i][1], bad[i][2]);
			plan_fails("min_mode");
			assert_false(E.run.la57);
		}
	}
}

static void test_without_a_paging_mode_request_paging_is_4_level_on_la57(void **state)
{
	(void)state;
	env_la57(true);
	uint64_t h = req(HHDM_REQ, 0);
	prepare_ok();
	assert_paging(0, 4);
	assert_int_equal(((struct one_word_response *)response(h, 16))->value, HHDM);
}

/* ---- detect ---- */

static bool detect(void)
{
	return proto_limine.detect(&E.k, p2v, &E);
}

static void test_detect_says_yes_for_a_base_revision_tag(void **state)
{
	(void)state;
	env_default();
	tag_at(0x3000, 3);
	assert_true(detect());
	assert_ptr_equal(proto_detect(&E.k, p2v, &E), &proto_limine);
}

static void test_detect_says_yes_for_a_start_marker(void **state)
{
	(void)state;
	env_default();
	start_marker_at(0x3000);
	assert_true(detect());
}

static void test_detect_says_yes_for_a_request(void **state)
{
	(void)state;
	env_default();
	req(MEMMAP, 0);
	assert_true(detect());
}

static void test_detect_says_yes_for_a_tag_in_the_last_bytes(void **state)
{
	(void)state;
	env_default();
	tag_at(IMG_SIZE - 24, 3);
	assert_true(detect());
}

static void test_detect_says_no_for_an_image_without_any(void **state)
{
	(void)state;
	env_default();
	/* Half an ID, an end marker and unaligned magic are not enough. */
	put64(0x3000, COMMON0);
	end_marker_at(0x3100);
	memcpy(image(0x3204), (const uint64_t[]){ BASE_REV0, BASE_REV1 }, 16);
	memset(image(0), 0x90, TEXT_SIZE);
	assert_false(detect());
	assert_ptr_equal(proto_detect(&E.k, p2v, &E), &proto_runway);
}

/* ---- prepare: the claim ---- */

/* One request of every kind but SMP (whose processors come from ACPI
 * tables this fake machine lacks), with valid fields; their offsets. */
static void every_request(uint64_t offs[NREQ])
{
	for (enum req r = 0; r < NREQ; r++)
		offs[r] = r == SMP ? 0 : req(r, 0);
	put64(offs[ENTRY_POINT] + REQ_FIELD0, KERNEL_ENTRY);
	put64(offs[STACK_SIZE] + REQ_FIELD0, 128 * KIB);
}

static void test_prepare_makes_one_loader_claim(void **state)
{
	(void)state;
	uint64_t offs[NREQ];
	env_default();
	every_request(offs);
	prepare_ok();
	assert_int_equal(only_claim()->kind, MM_LOADER);
	assert_int_equal(E.a.nclaims, 1);
}

static void test_prepare_writes_only_its_claim_and_the_response_fields(void **state)
{
	(void)state;
	static uint8_t before[IMG_SIZE];
	uint64_t offs[NREQ];
	env_default();
	tag(2);
	every_request(offs);
	put64(TAG_OFF + 16, 0); /* as plan leaves it */
	memcpy(before, image(0), IMG_SIZE);
	prepare_ok();
	for (enum req r = 0; r < NREQ; r++)
		if (offs[r])
			memcpy(before + offs[r] + REQ_RESPONSE, image(offs[r] + REQ_RESPONSE), 8);
	assert_memory_equal(image(0), before, IMG_SIZE);
	assert_nothing_written_outside_claim_and_image();
}

static void test_prepare_fails_cleanly_when_firmware_refuses_every_claim(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	uint64_t offs[NREQ];
	env_default();
	every_request(offs);
	E.f.fail_from = 1;
	plan_ok();
	assert_int_equal(proto_limine.prepare(&E.run, &err), -1);
	if (!strstr(err.msg, "stack and responses"))
		fail_msg("message '%s' does not name the stack and responses", err.msg);
	assert_true(E.f.refusals > 0);
	assert_fake_clean(&E.f);
	assert_int_equal(fake_claimed_pages(&E.f), 0);
	assert_int_equal(E.a.nclaims, 0);
	for (enum req r = 0; r < NREQ; r++)
		if (offs[r])
			assert_no_response(offs[r]);
	assert_int_equal(E.nloads, 0);
}

/* ---- prepare: the simple responses ---- */

static void test_bootloader_info_names_runway_and_its_version(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(BOOTLOADER_INFO, 0);
	prepare_ok();
	const struct bootloader_info_response *bi = response(r, sizeof *bi);
	assert_int_equal(bi->revision, 0);
	assert_string_equal(str_at(bi->name), "Runway");
	assert_string_equal(str_at(bi->version), RUNWAY_VERSION);
}

static void test_firmware_type_is_uefi64(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(FIRMWARE_TYPE, 0);
	prepare_ok();
	const struct one_word_response *ft = response(r, sizeof *ft);
	assert_int_equal(ft->revision, 0);
	assert_int_equal(ft->value, 2);
}

static void test_stack_size_request_gets_a_response(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(STACK_SIZE, 0);
	put64(r + REQ_FIELD0, 128 * KIB);
	prepare_ok();
	assert_int_equal(((struct one_word_response *)response(r, 8))->revision, 0);
}

static void test_hhdm_gives_the_direct_map_offset(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(HHDM_REQ, 0);
	prepare_ok();
	const struct one_word_response *h = response(r, sizeof *h);
	assert_int_equal(h->revision, 0);
	assert_int_equal(h->value, HHDM);
}

static void test_paging_mode_is_4_level_even_when_5_is_preferred(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(PAGING_MODE, 0);
	put64(r + REQ_FIELD0, 1);
	prepare_ok();
	assert_int_equal(((struct one_word_response *)response(r, 16))->value, 0);
}

static void test_kernel_address_gives_phys_base_and_vlow(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(KERNEL_ADDRESS, 0);
	prepare_ok();
	const struct kernel_address_response *ka = response(r, sizeof *ka);
	assert_int_equal(ka->revision, 0);
	assert_int_equal(ka->physical_base, IMG_PHYS);
	assert_int_equal(ka->virtual_base, KBASE);
}

static void test_boot_time_gives_the_rtc_time(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(BOOT_TIME_REQ, 0);
	prepare_ok();
	const struct one_word_response *bt = response(r, sizeof *bt);
	assert_int_equal(bt->revision, 0);
	assert_int_equal((int64_t)bt->value, BOOT_TIME);
}

static void test_boot_time_absent_when_the_rtc_time_is_unknown(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(BOOT_TIME_REQ, 0);
	E.k.machine.boot_time = 0;
	prepare_ok();
	assert_no_response(r);
}

static void test_dtb_gets_no_response_on_x86(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(DTB, 0);
	prepare_ok();
	assert_no_response(r);
}

static void test_a_response_pointer_already_set_is_replaced_and_logged(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(HHDM_REQ, 0);
	put64(r + REQ_RESPONSE, 0xdeadbeef000ull);
	prepare_ok();
	assert_true(get64(r + REQ_RESPONSE) != 0xdeadbeef000ull);
	assert_int_equal(((struct one_word_response *)response(r, 16))->value, HHDM);
	assert_logged("request=hhdm had a response pointer (0xdeadbeef000) already: replaced");
}

/* ---- prepare: firmware tables ---- */

/* A kernel with base revision rev (none when rev < 0) asking for the
 * RSDP, SMBIOS and EFI system table, prepared. */
static void prepare_tables(int rev, uint64_t *rsdp, uint64_t *smbios,
			   uint64_t *systab)
{
	if (rev >= 0)
		tag((uint64_t)rev);
	*rsdp = req(RSDP, 0);
	*smbios = req(SMBIOS, 0);
	*systab = req(EFI_SYSTEM_TABLE, 0);
	prepare_ok();
}

static void test_tables_are_physical_in_base_revision_3(void **state)
{
	(void)state;
	uint64_t rsdp, smbios, systab;
	env_default();
	prepare_tables(3, &rsdp, &smbios, &systab);
	assert_int_equal(((struct one_word_response *)response(rsdp, 16))->value, ACPI2);
	const struct smbios_response *s = response(smbios, sizeof *s);
	assert_int_equal(s->revision, 0);
	assert_int_equal(s->entry_32, SMBIOS32);
	assert_int_equal(s->entry_64, SMBIOS64);
	assert_int_equal(((struct one_word_response *)response(systab, 16))->value, SYSTAB);
}

static void test_tables_are_hhdm_addresses_in_base_revisions_0_to_2(void **state)
{
	(void)state;
	for (int rev = -1; rev <= 2; rev++) {
		uint64_t rsdp, smbios, systab;
		env_again();
		prepare_tables(rev, &rsdp, &smbios, &systab);
		assert_int_equal(((struct one_word_response *)response(rsdp, 16))->value,
				 ACPI2 + HHDM);
		const struct smbios_response *s = response(smbios, sizeof *s);
		assert_int_equal(s->entry_32, SMBIOS32 + HHDM);
		assert_int_equal(s->entry_64, SMBIOS64 + HHDM);
		assert_int_equal(((struct one_word_response *)response(systab, 16))->value,
				 SYSTAB + HHDM);
	}
}

static void test_base_revision_99_gives_physical_tables_as_3(void **state)
{
	(void)state;
	uint64_t rsdp, smbios, systab;
	env_default();
	prepare_tables(99, &rsdp, &smbios, &systab);
	assert_int_equal(((struct one_word_response *)response(rsdp, 16))->value, ACPI2);
	assert_int_equal(((struct one_word_response *)response(systab, 16))->value, SYSTAB);
}

static void test_rsdp_falls_back_to_acpi1(void **state)
{
	(void)state;
	env_default();
	tag(3);
	uint64_t r = req(RSDP, 0);
	E.k.machine.acpi2_rsdp = 0;
	prepare_ok();
	assert_int_equal(((struct one_word_response *)response(r, 16))->value, ACPI1);
}

static void test_rsdp_absent_without_acpi(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(RSDP, 0);
	E.k.machine.acpi1_rsdp = E.k.machine.acpi2_rsdp = 0;
	prepare_ok();
	assert_no_response(r);
}

static void test_smbios_missing_entry_is_null(void **state)
{
	(void)state;
	env_default();
	tag(2);
	uint64_t r = req(SMBIOS, 0);
	E.k.machine.smbios64_entry = 0;
	prepare_ok();
	const struct smbios_response *s = response(r, sizeof *s);
	assert_int_equal(s->entry_32, SMBIOS32 + HHDM);
	assert_int_equal(s->entry_64, 0);
}

static void test_smbios_absent_without_smbios(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(SMBIOS, 0);
	E.k.machine.smbios32_entry = E.k.machine.smbios64_entry = 0;
	prepare_ok();
	assert_no_response(r);
}

/* ---- prepare: the framebuffer ---- */

/* The one framebuffer of the response to the request at off. */
static const struct limine_framebuffer *the_framebuffer(uint64_t off)
{
	const struct list_response *l = response(off, sizeof *l);
	assert_int_equal(l->revision, 1);
	assert_int_equal(l->count, 1);
	const uint64_t *ptrs = at(l->list, 8);
	return at(ptrs[0], sizeof(struct limine_framebuffer));
}

static void test_framebuffer_gives_address_and_geometry(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(FRAMEBUFFER, 0);
	prepare_ok();
	const struct limine_framebuffer *fb = the_framebuffer(r);
	assert_int_equal(fb->address, FB_PHYS + HHDM);
	assert_int_equal(fb->width, 1024);
	assert_int_equal(fb->height, 768);
	assert_int_equal(fb->pitch, 4096);
	assert_int_equal(fb->bpp, 32);
	assert_int_equal(fb->memory_model, FB_MODEL_RGB);
	assert_int_equal(fb->edid_size, 0);
	assert_int_equal(fb->edid, 0);
}

static void assert_masks(uint8_t rsize, uint8_t rshift, uint8_t gsize, uint8_t gshift,
			 uint8_t bsize, uint8_t bshift, const uint8_t *got)
{
	const uint8_t want[6] = { rsize, rshift, gsize, gshift, bsize, bshift };
	assert_memory_equal(got, want, 6);
}

static void test_framebuffer_bgrx_masks_give_sizes_and_shifts(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(FRAMEBUFFER, 0);
	prepare_ok();
	const struct limine_framebuffer *fb = the_framebuffer(r);
	assert_masks(8, 16, 8, 8, 8, 0, &fb->red_mask_size);
}

static void test_framebuffer_rgbx_masks_give_sizes_and_shifts(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(FRAMEBUFFER, 0);
	E.k.machine.fb.mode.red_mask = 0xff;
	E.k.machine.fb.mode.blue_mask = 0xff0000;
	prepare_ok();
	const struct limine_framebuffer *fb = the_framebuffer(r);
	assert_masks(8, 0, 8, 8, 8, 16, &fb->red_mask_size);
}

static void test_framebuffer_lists_the_video_modes(void **state)
{
	(void)state;
	static const struct fb_mode modes[] = {
		{ 1024, 768, 4096, 32, 0xff0000, 0xff00, 0xff, 0xff000000, 0 },
		{ 640, 480, 2560, 32, 0xff, 0xff00, 0xff0000, 0xff000000, 0 },
		{ 800, 600, 1600, 16, 0xf800, 0x07e0, 0x001f, 0, 0 },
	};
	env_default();
	uint64_t r = req(FRAMEBUFFER, 1);
	E.k.machine.fb.nmodes = 3;
	memcpy(E.k.machine.fb.modes, modes, sizeof modes);
	prepare_ok();
	const struct limine_framebuffer *fb = the_framebuffer(r);
	assert_int_equal(fb->mode_count, 3);
	const uint64_t *ptrs = at(fb->modes, 3 * 8);
	const struct limine_video_mode *m[3];
	for (size_t i = 0; i < 3; i++) {
		m[i] = at(ptrs[i], sizeof *m[i]);
		assert_int_equal(m[i]->width, modes[i].width);
		assert_int_equal(m[i]->height, modes[i].height);
		assert_int_equal(m[i]->pitch, modes[i].pitch);
		assert_int_equal(m[i]->bpp, modes[i].bpp);
		assert_int_equal(m[i]->memory_model, FB_MODEL_RGB);
	}
	assert_masks(8, 16, 8, 8, 8, 0, &m[0]->red_mask_size);
	assert_masks(8, 0, 8, 8, 8, 16, &m[1]->red_mask_size);
	assert_masks(5, 11, 6, 5, 5, 0, &m[2]->red_mask_size);
}

static void test_framebuffer_absent_gives_no_response(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(FRAMEBUFFER, 0);
	E.k.machine.fb.present = false;
	prepare_ok();
	assert_no_response(r);
}

/* ---- prepare: the kernel file and modules ---- */

/* A limine_file as it must read: address, size, path, cmdline, volume. */
static void check_file(const struct limine_file *f, uint64_t phys, uint64_t size,
		       const char *path, const char *cmdline)
{
	const struct volume_info *vol = &E.k.machine.volume;
	assert_int_equal(f->revision, 0);
	assert_int_equal(f->address, phys + HHDM);
	assert_int_equal(f->size, size);
	assert_string_equal(str_at(f->path), path);
	assert_string_equal(str_at(f->cmdline), cmdline);
	assert_int_equal(f->media_type, 0);
	assert_int_equal(f->tftp_ip, 0);
	assert_int_equal(f->partition_index, vol->partition_index);
	assert_int_equal(f->mbr_disk_id, vol->mbr_disk_id);
	assert_memory_equal(&f->gpt_disk_uuid, vol->gpt_disk_guid, 16);
	assert_memory_equal(&f->gpt_part_uuid, vol->gpt_part_guid, 16);
}

static const struct limine_file *the_kernel_file(uint64_t off)
{
	const struct kernel_file_response *kf = response(off, sizeof *kf);
	assert_int_equal(kf->revision, 0);
	return at(kf->kernel_file, sizeof(struct limine_file));
}

static void test_kernel_file_is_read_and_described(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(KERNEL_FILE, 0);
	prepare_ok();
	assert_int_equal(E.nloads, 1);
	assert_string_equal(E.loads[0], "/boot/kernel.elf");
	check_file(the_kernel_file(r), KFILE_PHYS, KFILE_SIZE, "/boot/kernel.elf", CMDLINE);
	/* Its GUIDs in EFI byte order are limine_uuid's a, b, c, d. */
	assert_int_equal(the_kernel_file(r)->gpt_disk_uuid.a, 0x04030201);
	assert_int_equal(the_kernel_file(r)->gpt_part_uuid.b, 0xb2b1);
}

static void test_kernel_file_path_gets_a_leading_slash(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(KERNEL_FILE, 0);
	E.k.path = "boot/kernel.elf";
	prepare_ok();
	assert_string_equal(E.loads[0], "boot/kernel.elf");
	check_file(the_kernel_file(r), KFILE_PHYS, KFILE_SIZE, "/boot/kernel.elf", CMDLINE);
}

static void test_kernel_file_that_cannot_be_read_fails_prepare(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	env_default();
	req(KERNEL_FILE, 0);
	E.missing = "/boot/kernel.elf";
	plan_ok();
	assert_int_equal(proto_limine.prepare(&E.run, &err), -1);
	assert_non_null(strstr(err.msg, "/boot/kernel.elf"));
}

/* The module response to the request at off: its files. */
static const struct limine_file *const *the_modules(uint64_t off, size_t want)
{
	static const struct limine_file *files[32];
	const struct list_response *l = response(off, sizeof *l);
	assert_int_equal(l->revision, 1);
	assert_int_equal(l->count, want);
	const uint64_t *ptrs = at(l->list, want * 8);
	for (size_t i = 0; i < want; i++)
		files[i] = at(ptrs[i], sizeof(struct limine_file));
	return files;
}

static void test_config_modules_carry_their_strings_as_cmdline(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(MODULE, 0);
	prepare_ok();
	const struct limine_file *const *m = the_modules(r, 2);
	check_file(m[0], 0x1600000, 0x1234, "/boot/initrd.img", "root=/dev/ram0");
	check_file(m[1], 0x1700000, 0x10, "/boot/font.psf", "");
	assert_int_equal(E.nloads, 0);
}

static void test_no_modules_give_an_empty_list(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(MODULE, 0);
	E.k.nmodules = 0;
	prepare_ok();
	the_modules(r, 0);
}

/* A module request of revision 1 asking for internal modules: paths,
 * cmdlines (NULL for none) and flags. */
static uint64_t internal_modules(size_t n, const char *const *paths,
				 const char *const *cmdlines, const uint64_t *flags)
{
	uint64_t ptrs[8];
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		uint64_t im[3] = { str(paths[i]), cmdlines[i] ? str(cmdlines[i]) : 0,
				   flags[i] };
		ptrs[i] = data(im, sizeof im);
	}
	uint64_t r = req(MODULE, 1);
	put64(r + REQ_FIELD0, n);
	put64(r + REQ_FIELD1, data(ptrs, n * 8));
	return r;
}

static void test_internal_modules_load_beside_the_kernel_before_config_modules(void **state)
{
	(void)state;
	static const char *const paths[] = { "drivers.tar", "sub/logo.bmp" };
	static const char *const cmdlines[] = { "fast", NULL };
	static const uint64_t flags[] = { INTERNAL_MODULE_REQUIRED, 0 };
	env_default();
	uint64_t r = internal_modules(2, paths, cmdlines, flags);
	prepare_ok();
	assert_int_equal(E.nloads, 2);
	assert_string_equal(E.loads[0], "/boot/drivers.tar");
	assert_string_equal(E.loads[1], "/boot/sub/logo.bmp");
	const struct limine_file *const *m = the_modules(r, 4);
	check_file(m[0], 0x1200000, 0x2000, "/boot/drivers.tar", "fast");
	check_file(m[1], 0x1300000, 0x123, "/boot/sub/logo.bmp", "");
	check_file(m[2], 0x1600000, 0x1234, "/boot/initrd.img", "root=/dev/ram0");
	check_file(m[3], 0x1700000, 0x10, "/boot/font.psf", "");
}

static void test_internal_modules_of_a_kernel_at_the_root(void **state)
{
	(void)state;
	static const char *const paths[] = { "drivers.tar" };
	static const char *const cmdlines[] = { NULL };
	static const uint64_t flags[] = { INTERNAL_MODULE_REQUIRED };
	env_default();
	E.k.path = "/kernel.elf";
	E.k.nmodules = 0;
	uint64_t r = internal_modules(1, paths, cmdlines, flags);
	prepare_ok();
	assert_string_equal(E.loads[0], "/drivers.tar");
	check_file(the_modules(r, 1)[0], 0x1500000, 0x55, "/drivers.tar", "");
}

static void test_internal_modules_ignored_by_a_revision_0_request(void **state)
{
	(void)state;
	static const char *const paths[] = { "drivers.tar" };
	static const char *const cmdlines[] = { NULL };
	static const uint64_t flags[] = { INTERNAL_MODULE_REQUIRED };
	env_default();
	uint64_t r = internal_modules(1, paths, cmdlines, flags);
	put64(r + REQ_REVISION, 0);
	prepare_ok();
	assert_int_equal(E.nloads, 0);
	the_modules(r, 2);
}

static void test_a_required_internal_module_that_fails_to_load_fails_prepare(void **state)
{
	(void)state;
	static const char *const paths[] = { "sub/logo.bmp", "drivers.tar" };
	static const char *const cmdlines[] = { NULL, NULL };
	static const uint64_t flags[] = { 0, INTERNAL_MODULE_REQUIRED };
	struct rw_err err = { "" };
	env_default();
	uint64_t r = internal_modules(2, paths, cmdlines, flags);
	E.missing = "/boot/drivers.tar";
	plan_ok();
	assert_int_equal(proto_limine.prepare(&E.run, &err), -1);
	if (!strstr(err.msg, "/boot/drivers.tar") || !strstr(err.msg, "Not Found"))
		fail_msg("message '%s' does not name the module and why", err.msg);
	assert_no_response(r);
}

static void test_an_optional_internal_module_that_fails_to_load_is_skipped(void **state)
{
	(void)state;
	static const char *const paths[] = { "drivers.tar", "sub/logo.bmp" };
	static const char *const cmdlines[] = { "a", "b" };
	static const uint64_t flags[] = { 0, 0 };
	env_default();
	uint64_t r = internal_modules(2, paths, cmdlines, flags);
	E.missing = "/boot/drivers.tar";
	prepare_ok();
	const struct limine_file *const *m = the_modules(r, 3);
	check_file(m[0], 0x1300000, 0x123, "/boot/sub/logo.bmp", "b");
	check_file(m[1], 0x1600000, 0x1234, "/boot/initrd.img", "root=/dev/ram0");
	assert_logged("limine internal module 0 skipped: /boot/drivers.tar: Not Found");
}

/* An internal module whose path beside the kernel is one byte longer
 * than a path may be; cut, it would name another file of the volume. */
static uint64_t internal_module_too_long(uint64_t flags)
{
	static char rel[CONFIG_PATH_MAX], cut[CONFIG_PATH_MAX];
	const char *paths[] = { rel };
	const char *cmdlines[] = { NULL };
	memset(rel, 'x', CONFIG_PATH_MAX - 7);
	snprintf(cut, sizeof cut, "/boot/%s", rel); /* 255 bytes */
	strcat(rel, "y");
	E.extra = (struct loaded_module){ 0x1800000, 0x99, cut, "" };
	return internal_modules(1, paths, cmdlines, &flags);
}

static void test_an_optional_internal_module_path_too_long_is_skipped_not_cut(void **state)
{
	(void)state;
	env_default();
	uint64_t r = internal_module_too_long(0);
	prepare_ok();
	assert_int_equal(E.nloads, 0);
	the_modules(r, 2);
	assert_logged("limine internal module 0 skipped: its path beside /boot/kernel.elf is longer than 255 bytes");
}

static void test_a_required_internal_module_path_too_long_fails_prepare(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	env_default();
	internal_module_too_long(INTERNAL_MODULE_REQUIRED);
	plan_ok();
	assert_int_equal(proto_limine.prepare(&E.run, &err), -1);
	assert_non_null(strstr(err.msg, "longer than 255 bytes"));
	assert_int_equal(E.nloads, 0);
}

static void test_an_internal_module_path_outside_the_image_fails_prepare(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	env_default();
	uint64_t im[3] = { 0x1000, 0, 0 }; /* not a kernel address */
	uint64_t list = data((uint64_t[]){ data(im, sizeof im) }, 8);
	uint64_t r = req(MODULE, 1);
	put64(r + REQ_FIELD0, 1);
	put64(r + REQ_FIELD1, list);
	plan_ok();
	assert_int_equal(proto_limine.prepare(&E.run, &err), -1);
	assert_non_null(strstr(err.msg, "outside the kernel image"));
	assert_int_equal(E.nloads, 0);
}

/* ---- prepare: the jump ---- */

static void test_jump_enters_at_e_entry_with_zero_in_rdi(void **state)
{
	(void)state;
	env_default();
	prepare_ok();
	assert_int_equal(E.run.entry, KERNEL_ENTRY);
	assert_int_equal(E.run.arg, 0);
}

/* The stack: [stack_top - size, stack_top) in the claim, 16-byte aligned
 * top, and none of the responses (nor the GDT) in it. */
static void check_stack(uint64_t size, const uint64_t *others, size_t n)
{
	uint64_t top = E.run.stack_top;
	assert_int_equal(top % 16, 0);
	at(top - size, size);
	for (size_t i = 0; i < n; i++)
		if (others[i] >= top - size && others[i] < top)
			fail_msg("0x%" PRIx64 " lies in the stack [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 others[i], top - size, top);
}

static void test_stack_is_64_kib_aligned_and_apart_from_the_responses(void **state)
{
	(void)state;
	env_default();
	uint64_t h = req(HHDM_REQ, 0), m = req(MEMMAP, 0), b = req(BOOTLOADER_INFO, 0);
	prepare_ok();
	const uint64_t others[] = { get64(h + REQ_RESPONSE), get64(m + REQ_RESPONSE),
				    get64(b + REQ_RESPONSE), E.run.gdtr };
	check_stack(64 * KIB, others, 4);
}

static void test_stack_size_request_gives_a_larger_stack(void **state)
{
	(void)state;
	env_default();
	uint64_t s = req(STACK_SIZE, 0), h = req(HHDM_REQ, 0);
	put64(s + REQ_FIELD0, 100000);
	prepare_ok();
	const uint64_t others[] = { get64(s + REQ_RESPONSE), get64(h + REQ_RESPONSE),
				    E.run.gdtr };
	check_stack(102400, others, 3);
}

/* ---- prepare: the GDT ---- */

/* Fields of a segment descriptor (Intel SDM vol. 3A, 3.4.5). */
#define DESC_LIMIT(d)   (((d) & 0xffff) | (((d) >> 32) & 0xf0000))
#define DESC_BASE(d)    ((((d) >> 16) & 0xffffff) | (((d) >> 32) & 0xff000000))
#define DESC_CODE(d)    (((d) >> 43) & 1)
#define DESC_RW(d)      (((d) >> 41) & 1) /* readable code, writable data */
#define DESC_S(d)       (((d) >> 44) & 1) /* code or data, not system */
#define DESC_DPL(d)     (((d) >> 45) & 3)
#define DESC_PRESENT(d) (((d) >> 47) & 1)
#define DESC_L(d)       (((d) >> 53) & 1)
#define DESC_DB(d)      (((d) >> 54) & 1)
#define DESC_G(d)       (((d) >> 55) & 1)

/* The GDT run->gdtr points at; its limit. */
static const uint64_t *read_gdt(uint16_t *ret_limit)
{
	const uint8_t *g = at(E.run.gdtr, 10);
	uint64_t base;
	memcpy(ret_limit, g, 2);
	memcpy(&base, g + 2, 8);
	assert_int_equal(base % 8, 0);
	return at(base, *ret_limit + 1u);
}

static void assert_segment(uint64_t d, bool code, unsigned db, unsigned l)
{
	assert_int_equal(DESC_PRESENT(d), 1);
	assert_int_equal(DESC_DPL(d), 0);
	assert_int_equal(DESC_S(d), 1);
	assert_int_equal(DESC_CODE(d), code);
	assert_int_equal(DESC_RW(d), 1);
	assert_int_equal(DESC_DB(d), db);
	assert_int_equal(DESC_L(d), l);
}

static const uint64_t *prepared_gdt(void)
{
	uint16_t limit;
	env_default();
	prepare_ok();
	const uint64_t *gdt = read_gdt(&limit);
	assert_int_equal(limit, 7 * 8 - 1);
	return gdt;
}

static void test_gdt_has_seven_descriptors_from_a_null_one(void **state)
{
	(void)state;
	assert_int_equal(prepared_gdt()[0], 0);
}

static void test_gdt_16_bit_code_and_data_cover_64_kib(void **state)
{
	(void)state;
	const uint64_t *gdt = prepared_gdt();
	for (size_t i = 1; i <= 2; i++) {
		assert_segment(gdt[i], i == 1, 0, 0);
		assert_int_equal(DESC_BASE(gdt[i]), 0);
		assert_int_equal(DESC_LIMIT(gdt[i]), 0xffff);
		assert_int_equal(DESC_G(gdt[i]), 0);
	}
}

static void test_gdt_32_bit_code_and_data_cover_4_gib(void **state)
{
	(void)state;
	const uint64_t *gdt = prepared_gdt();
	for (size_t i = 3; i <= 4; i++) {
		assert_segment(gdt[i], i == 3, 1, 0);
		assert_int_equal(DESC_BASE(gdt[i]), 0);
		assert_int_equal(DESC_LIMIT(gdt[i]), 0xfffff);
		assert_int_equal(DESC_G(gdt[i]), 1);
	}
}

static void test_gdt_64_bit_code_at_0x28_and_data_at_0x30(void **state)
{
	(void)state;
	const uint64_t *gdt = prepared_gdt();
	assert_segment(gdt[0x28 >> 3], true, 0, 1); /* L with D set is reserved */
	assert_int_equal(DESC_PRESENT(gdt[0x30 >> 3]), 1);
	assert_int_equal(DESC_S(gdt[0x30 >> 3]), 1);
	assert_int_equal(DESC_CODE(gdt[0x30 >> 3]), 0);
	assert_int_equal(DESC_RW(gdt[0x30 >> 3]), 1);
	assert_int_equal(DESC_DPL(gdt[0x30 >> 3]), 0);
}

static void test_selectors_are_0x28_and_0x30(void **state)
{
	(void)state;
	prepared_gdt();
	assert_int_equal(E.run.code_sel, 0x28);
	assert_int_equal(E.run.data_sel, 0x30);
}

/* ---- prepare: the MP response ---- */

/* A processor as the MADT lists it (ACPI 6.5, 5.2.12.2 and 5.2.12.12). */
struct madt_cpu {
	uint32_t uid, apic_id, flags;
	bool x2apic;
};

#define CPU_ENABLED 1u

static void acpi_checksum(uint8_t *p, size_t n, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

/* ACPI tables at ACPI_PHYS as firmware leaves them: an RSDP (revision 2)
 * naming an XSDT naming a FACP and a MADT of cpus[0..n); machine.acpi2_rsdp
 * points at the RSDP.  Layouts from the ACPI specification (5.2.5.3, 5.2.6,
 * 5.2.8, 5.2.12). */
static void acpi_tables(const struct madt_cpu *cpus, size_t n)
{
	uint8_t *rsdp = E.phys + ACPI_PHYS, *xsdt = rsdp + 0x40, *facp = rsdp + 0x80,
		*madt = rsdp + 0x200;
	const uint64_t list[2] = { ACPI_PHYS + 0x80, ACPI_PHYS + 0x200 };
	uint32_t len = 44, v;

	memset(rsdp, 0, ACPI_END - ACPI_PHYS);
	memcpy(facp, "FACP", 4);
	v = 0x100;
	memcpy(facp + 4, &v, 4);
	acpi_checksum(facp, 0x100, 9);
	memcpy(madt, "APIC", 4);
	madt[8] = 5;
	v = 0xfee00000;
	memcpy(madt + 36, &v, 4);
	madt[40] = 1; /* PCAT_COMPAT */
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = madt + len;
		assert_true(0x200 + len + 16 <= ACPI_END - ACPI_PHYS);
		if (cpus[i].x2apic) {
			e[0] = 9;
			e[1] = 16;
			memcpy(e + 4, &cpus[i].apic_id, 4);
			memcpy(e + 8, &cpus[i].flags, 4);
			memcpy(e + 12, &cpus[i].uid, 4);
		} else {
			assert_true(cpus[i].uid <= 0xff && cpus[i].apic_id <= 0xff);
			e[0] = 0;
			e[1] = 8;
			e[2] = (uint8_t)cpus[i].uid;
			e[3] = (uint8_t)cpus[i].apic_id;
			memcpy(e + 4, &cpus[i].flags, 4);
		}
		len += e[1];
	}
	memcpy(madt + 4, &len, 4);
	acpi_checksum(madt, len, 9);
	memcpy(xsdt, "XSDT", 4);
	v = 36 + sizeof list;
	memcpy(xsdt + 4, &v, 4);
	xsdt[8] = 1;
	memcpy(xsdt + 36, list, sizeof list);
	acpi_checksum(xsdt, v, 9);
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	v = 36;
	memcpy(rsdp + 20, &v, 4);
	uint64_t x = ACPI_PHYS + 0x40;
	memcpy(rsdp + 24, &x, 8);
	acpi_checksum(rsdp, 20, 8);
	acpi_checksum(rsdp, 36, 32);
	E.acpi = true;
	E.k.machine.acpi2_rsdp = ACPI_PHYS;
	E.k.machine.acpi1_rsdp = 0;
}

/* Four enabled processors, a disabled one and an x2APIC one; the BSP
 * (APIC ID 4) is the MADT's third. */
static const struct madt_cpu four_and_x2apic[] = {
	{ 0, 0, CPU_ENABLED, false },
	{ 1, 2, CPU_ENABLED, false },
	{ 2, 4, CPU_ENABLED, false },
	{ 3, 6, CPU_ENABLED, false },
	{ 4, 8, 0, false },
	{ 0x105, 0x101, CPU_ENABLED, true },
};
#define FOUR_N (sizeof four_and_x2apic / sizeof four_and_x2apic[0])
#define FOUR_BSP 4

/* plan and prepare with an MP request (at *ret_off): the responses' claim,
 * then (with APs) one claim of their stacks. */
static void prepare_mp_ok(uint64_t *ret_off, size_t naps)
{
	struct rw_err err = { "" };
	*ret_off = req(SMP, 0);
	plan_ok();
	if (proto_limine.prepare(&E.run, &err))
		fail_msg("prepare: %s", err.msg);
	assert_fake_clean(&E.f);
	size_t claims = naps ? 2 : 1;
	if (E.f.nlog != claims)
		fail_msg("%zu firmware calls, expected %zu claims", E.f.nlog, claims);
	for (size_t i = 0; i < E.f.nlog; i++) {
		assert_false(E.f.log[i].release);
		assert_true(E.f.log[i].ok);
		assert_int_equal(E.f.log[i].kind, MM_LOADER);
	}
	E.claim_base = E.f.log[0].base;
	E.claim_end = E.f.log[0].base + E.f.log[0].pages * PAGE;
	if (naps) {
		E.stacks_base = E.f.log[1].base;
		E.stacks_end = E.f.log[1].base + E.f.log[1].pages * PAGE;
	}
}

static const struct limine_mp_response *the_mp(uint64_t off)
{
	const struct limine_mp_response *r = response(off, sizeof *r);
	assert_int_equal(r->revision, 0);
	return r;
}

/* Processor i of the response. */
static const struct limine_mp_info *mp_info(const struct limine_mp_response *r, size_t i)
{
	const uint64_t *ptrs = at(r->cpus, r->cpu_count * 8);
	assert_true(i < r->cpu_count);
	assert_int_equal(ptrs[i] % 8, 0);
	return at(ptrs[i], sizeof(struct limine_mp_info));
}

static void assert_mp_info(const struct limine_mp_response *r, size_t i,
			   uint32_t processor_id, uint32_t lapic_id)
{
	const struct limine_mp_info *info = mp_info(r, i);
	if (info->processor_id != processor_id || info->lapic_id != lapic_id)
		fail_msg("cpu %zu: processor_id 0x%x lapic_id 0x%x, expected 0x%x and 0x%x", i,
			 info->processor_id, info->lapic_id, processor_id, lapic_id);
	assert_int_equal(info->reserved, 0);
	assert_int_equal(info->goto_address, 0);
	assert_int_equal(info->extra_argument, 0);
}

static void test_mp_lists_the_bsp_first_then_every_other_madt_processor(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	prepare_mp_ok(&off, 4);
	const struct limine_mp_response *r = the_mp(off);
	assert_int_equal(r->flags, 1);
	assert_int_equal(r->bsp_lapic_id, FOUR_BSP);
	assert_int_equal(r->cpu_count, 5);
	assert_mp_info(r, 0, 2, 4);
	assert_mp_info(r, 1, 0, 0);
	assert_mp_info(r, 2, 1, 2);
	assert_mp_info(r, 3, 3, 6);
	assert_mp_info(r, 4, 0x105, 0x101);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < i; j++)
			assert_ptr_not_equal(mp_info(r, i), mp_info(r, j));
	assert_logged("limine mp cpus=5 bsp_lapic_id=4");
}

static void test_mp_hands_the_loader_each_ap_with_its_info(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	prepare_mp_ok(&off, 4);
	const struct limine_mp_response *r = the_mp(off);
	const uint64_t *ptrs = at(r->cpus, r->cpu_count * 8);
	const struct proto_mp *mp = &E.run.mp;
	static const uint32_t apic_ids[] = { 0, 2, 6, 0x101 };
	assert_int_equal(mp->count, 4);
	assert_ptr_equal(at(mp->cpus_virt, 4 * sizeof *mp->cpus), mp->cpus);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(mp->cpus[i].apic_id, apic_ids[i]);
		assert_int_equal(mp->cpus[i].started, 0);
		/* The AP's RDI: its own info, by its HHDM address. */
		assert_int_equal(mp->cpus[i].info, ptrs[1 + i]);
		assert_int_equal(mp_info(r, 1 + i)->lapic_id, apic_ids[i]);
	}
}

/* Each AP's stack: [top - size, top) inside the stacks' claim of exactly
 * size per AP, a 16-byte aligned top, no two overlapping, none in the
 * responses' claim or the BSP's stack. */
static void check_ap_stacks(uint64_t size)
{
	const struct proto_mp *mp = &E.run.mp;
	uint64_t bsp_top = E.run.stack_top - HHDM;
	assert_int_equal(E.stacks_end - E.stacks_base, mp->count * size);
	for (size_t i = 0; i < mp->count; i++) {
		uint64_t top = mp->cpus[i].stack_top;
		assert_int_equal(top % 16, 0);
		assert_true(top > HHDM);
		uint64_t lo = top - HHDM - size, hi = top - HHDM;
		if (lo < E.stacks_base || hi > E.stacks_end)
			fail_msg("AP %zu: stack [0x%" PRIx64 ", 0x%" PRIx64 ") outside the claim [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 i, lo, hi, E.stacks_base, E.stacks_end);
		if (lo < E.claim_end && E.claim_base < hi)
			fail_msg("AP %zu: stack overlaps the responses' claim", i);
		if (lo < bsp_top && bsp_top - size < hi)
			fail_msg("AP %zu: stack overlaps the BSP's", i);
		for (size_t j = 0; j < i; j++) {
			uint64_t other = mp->cpus[j].stack_top - HHDM;
			if (lo < other && other - size < hi)
				fail_msg("APs %zu and %zu share stack memory", j, i);
		}
	}
}

static void test_mp_gives_each_ap_a_64_kib_stack_of_its_own(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	prepare_mp_ok(&off, 4);
	check_ap_stacks(64 * KIB);
}

static void test_mp_stacks_follow_the_stack_size_request(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	uint64_t s = req(STACK_SIZE, 0);
	put64(s + REQ_FIELD0, 100000);
	prepare_mp_ok(&off, 4);
	check_ap_stacks(102400);
}

static void test_mp_goto_offset_and_cpu_pointers_point_into_the_response(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	prepare_mp_ok(&off, 4);
	const struct limine_mp_response *r = the_mp(off);
	const struct proto_mp *mp = &E.run.mp;
	assert_int_equal(mp->goto_offset, offsetof(struct limine_mp_info, goto_address));
	assert_ptr_equal(mp->cpu_count, &r->cpu_count);
	assert_ptr_equal(mp->cpu_ptrs, at(r->cpus, r->cpu_count * 8));
	/* What the loader writes through them is what the kernel reads. */
	*mp->cpu_count = 3;
	mp->cpu_ptrs[1] = mp->cpu_ptrs[3];
	assert_int_equal(r->cpu_count, 3);
	assert_int_equal(mp_info(r, 1)->lapic_id, 6);
}

static void test_mp_writes_only_its_claims_and_leaves_the_acpi_tables(void **state)
{
	(void)state;
	uint64_t off;
	uint8_t *before = malloc(ACPI_END - ACPI_PHYS);
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	assert_non_null(before);
	memcpy(before, E.phys + ACPI_PHYS, ACPI_END - ACPI_PHYS);
	prepare_mp_ok(&off, 4);
	assert_memory_equal(E.phys + ACPI_PHYS, before, ACPI_END - ACPI_PHYS);
	free(before);
	const uint64_t keep[4][2] = {
		{ E.claim_base, E.claim_end }, { E.stacks_base, E.stacks_end },
		{ ACPI_PHYS, ACPI_END }, { IMG_PHYS, IMG_PHYS + IMG_SIZE },
	};
	for (uint64_t p = 0; p < PHYS_END; p++) {
		bool kept = false;
		for (size_t i = 0; i < 4; i++)
			kept = kept || (p >= keep[i][0] && p < keep[i][1]);
		if (!kept && E.phys[p] != JUNK)
			fail_msg("phys 0x%" PRIx64 " was written; claims [0x%" PRIx64 ", 0x%" PRIx64 ") and [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 p, E.claim_base, E.claim_end, E.stacks_base, E.stacks_end);
	}
}

static void test_mp_without_an_rsdp_lists_the_bsp_alone(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	E.k.machine.acpi1_rsdp = E.k.machine.acpi2_rsdp = 0;
	E.k.machine.bsp_apic_id = 3;
	prepare_mp_ok(&off, 0);
	const struct limine_mp_response *r = the_mp(off);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->bsp_lapic_id, 3);
	assert_int_equal(r->cpu_count, 1);
	assert_mp_info(r, 0, 0, 3);
	assert_int_equal(E.run.mp.count, 0);
	assert_int_equal(*E.run.mp.cpu_count, 1);
}

static void test_mp_without_madt_processors_lists_the_bsp_alone(void **state)
{
	(void)state;
	static const struct madt_cpu disabled[] = {
		{ 0, 0, 0, false },
		{ 1, 1, 0, false },
		{ 2, 0x200, 0, true },
	};
	uint64_t off;
	env_default();
	acpi_tables(disabled, 3);
	E.k.machine.bsp_apic_id = 7;
	prepare_mp_ok(&off, 0);
	const struct limine_mp_response *r = the_mp(off);
	assert_int_equal(r->bsp_lapic_id, 7);
	assert_int_equal(r->cpu_count, 1);
	assert_mp_info(r, 0, 0, 7);
	assert_int_equal(E.run.mp.count, 0);
}

static void test_mp_madt_of_the_bsp_alone_gives_its_processor_id(void **state)
{
	(void)state;
	static const struct madt_cpu bsp[] = { { 9, 0x30, CPU_ENABLED, false } };
	uint64_t off;
	env_default();
	acpi_tables(bsp, 1);
	E.k.machine.bsp_apic_id = 0x30;
	prepare_mp_ok(&off, 0);
	const struct limine_mp_response *r = the_mp(off);
	assert_int_equal(r->cpu_count, 1);
	assert_mp_info(r, 0, 9, 0x30);
	assert_int_equal(E.run.mp.count, 0);
}

static void test_mp_falls_back_to_the_acpi_1_rsdp(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.acpi1_rsdp = E.k.machine.acpi2_rsdp;
	E.k.machine.acpi2_rsdp = 0;
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	prepare_mp_ok(&off, 4);
	assert_int_equal(the_mp(off)->cpu_count, 5);
	assert_int_equal(E.run.mp.count, 4);
}

static void test_mp_in_xapic_mode_leaves_out_ids_above_255(void **state)
{
	(void)state;
	uint64_t off;
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	prepare_mp_ok(&off, 3);
	const struct limine_mp_response *r = the_mp(off);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->cpu_count, 4);
	for (uint64_t i = 0; i < r->cpu_count; i++)
		assert_true(mp_info(r, i)->lapic_id <= 0xff);
	assert_int_equal(E.run.mp.count, 3);
}

static void test_mp_with_100_processors_fits_its_claims(void **state)
{
	(void)state;
	struct madt_cpu many[100];
	uint64_t off;
	for (uint32_t i = 0; i < 100; i++)
		many[i] = (struct madt_cpu){ i, i < 50 ? i : 0x1000 + i, CPU_ENABLED, i >= 50 };
	env_default();
	acpi_tables(many, 100);
	E.k.machine.bsp_apic_id = 0;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = 0;
	prepare_mp_ok(&off, 99);
	const struct limine_mp_response *r = the_mp(off);
	assert_int_equal(r->cpu_count, 100);
	for (uint32_t i = 0; i < 100; i++)
		assert_mp_info(r, i, i, many[i].apic_id);
	assert_int_equal(E.run.mp.count, 99);
	check_ap_stacks(64 * KIB);
}

static void test_mp_stacks_refused_fail_prepare_naming_them(void **state)
{
	(void)state;
	struct rw_err err = { "" };
	env_default();
	acpi_tables(four_and_x2apic, FOUR_N);
	E.k.machine.bsp_apic_id = FOUR_BSP;
	/* the MADT has x2APIC IDs above 255: the firmware left x2APIC on */
	E.k.machine.x2apic = E.k.machine.x2apic_on = true;
	E.k.machine.bsp_x2apic_id = FOUR_BSP;
	req(SMP, 0);
	E.f.fail_from = 2; /* the responses' claim succeeds, no stack claim does */
	plan_ok();
	assert_int_equal(proto_limine.prepare(&E.run, &err), -1);
	if (!strstr(err.msg, "stacks for 4 application processors"))
		fail_msg("message '%s' does not name the AP stacks", err.msg);
	assert_fake_clean(&E.f);
	assert_int_equal(E.run.mp.count, 0);
}

/* ---- finish: the memory map ---- */

static const struct mm_region final_map[] = {
	{ 0x0, 0x9f000, MM_USABLE, 0 },
	{ 0x9f000, 0x100000, MM_RESERVED, 1 },
	{ 0x100000, 0x800000, MM_LOADER, 2 },
	{ 0x800000, 0xa00000, MM_KERNEL, 3 },
	{ 0xa00000, 0xb00000, MM_MODULE, 4 },
	{ 0xb00000, 0xb10000, MM_ACPI_RECLAIM, 5 },
	/* a partial page at each end */
	{ 0xb10800, 0xc0f400, MM_BOOT_SERVICES, 6 },
	{ 0xd00000, 0xe00000, MM_ACPI_NVS, 7 },
	{ 0xe00000, 0xe10000, MM_BAD, 8 },
	{ 0xe10000, 0x1000000, MM_USABLE, 9 },
	{ 0xfec00000, 0xfec01000, MM_RESERVED, 10 },
};
#define FINAL_N (sizeof final_map / sizeof final_map[0])

/* The memory map response to the request at off: count entries. */
static const struct limine_memmap_entry *const *the_map(uint64_t off, size_t *count)
{
	static const struct limine_memmap_entry *e[3 * MAP_CAP + 1];
	const struct list_response *l = response(off, sizeof *l);
	assert_int_equal(l->revision, 0);
	assert_true(l->count <= 3 * MAP_CAP + 1);
	const uint64_t *ptrs = at(l->list, l->count * 8);
	for (size_t i = 0; i < l->count; i++)
		e[i] = at(ptrs[i], sizeof *e[i]);
	*count = l->count;
	return e;
}

static bool claimable(uint64_t type)
{
	return type == MEM_USABLE || type == MEM_BOOTLOADER_RECLAIMABLE;
}

/* PROTOCOL.md's guarantees: sorted; usable and bootloader-reclaimable
 * entries page-aligned and overlapping nothing; nothing usable below
 * 4 KiB. */
static void assert_map_well_formed(const struct limine_memmap_entry *const *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(e[i]->length > 0);
		assert_true(e[i]->type <= MEM_FRAMEBUFFER);
		if (i && e[i - 1]->base > e[i]->base)
			fail_msg("entries %zu and %zu are not sorted", i - 1, i);
		if (e[i]->type == MEM_USABLE && e[i]->base < 0x1000)
			fail_msg("entry %zu at 0x%" PRIx64 " is usable below 4 KiB", i, e[i]->base);
		if (!claimable(e[i]->type))
			continue;
		if ((e[i]->base | e[i]->length) & 0xfff)
			fail_msg("entry %zu (0x%" PRIx64 " + 0x%" PRIx64 ", type %" PRIu64 ") is not page-aligned",
				 i, e[i]->base, e[i]->length, e[i]->type);
		for (size_t j = 0; j < n; j++)
			if (j != i && e[j]->base < e[i]->base + e[i]->length &&
			    e[i]->base < e[j]->base + e[j]->length)
				fail_msg("entry %zu (type %" PRIu64 ") overlaps entry %zu", i,
					 e[i]->type, j);
	}
}

/* The type of the entry covering phys (the first, where several do). */
static int64_t type_at(const struct limine_memmap_entry *const *e, size_t n, uint64_t phys)
{
	for (size_t i = 0; i < n; i++)
		if (phys >= e[i]->base && phys - e[i]->base < e[i]->length)
			return (int64_t)e[i]->type;
	return -1;
}

/* prepare with a memory map request, then finish with reg. */
static const struct limine_memmap_entry *const *finish_map(const struct mm_region *reg,
							   size_t nreg, size_t *count)
{
	uint64_t r = req(MEMMAP, 0);
	prepare_ok();
	assert_int_equal(proto_limine.finish(&E.run, reg, nreg, 42), 0);
	return the_map(r, count);
}

static void test_finish_memory_map_is_sorted_aligned_and_disjoint(void **state)
{
	(void)state;
	size_t n;
	env_default();
	const struct limine_memmap_entry *const *e = finish_map(final_map, FINAL_N, &n);
	assert_map_well_formed(e, n);
}

static void test_finish_translates_every_memory_type(void **state)
{
	(void)state;
	static const struct { uint64_t phys; int64_t type; } want[] = {
		{ 0x1000, MEM_USABLE },
		{ 0x9f000, MEM_RESERVED },
		{ 0x100000, MEM_BOOTLOADER_RECLAIMABLE },
		{ 0x7ff000, MEM_BOOTLOADER_RECLAIMABLE },
		{ 0x800000, MEM_KERNEL_AND_MODULES },
		{ 0xa00000, MEM_KERNEL_AND_MODULES },
		{ 0xb00000, MEM_ACPI_RECLAIMABLE },
		{ 0xb10800, MEM_RESERVED },
		{ 0xb11000, MEM_USABLE },
		{ 0xc0f000, MEM_RESERVED },
		{ 0xd00000, MEM_ACPI_NVS },
		{ 0xe00000, MEM_BAD },
		{ 0xe10000, MEM_USABLE },
		{ 0xfec00000, MEM_RESERVED },
		{ 0xc0f800, -1 },
		{ 0x1000000, -1 },
	};
	size_t n;
	env_default();
	E.k.machine.fb.present = false;
	const struct limine_memmap_entry *const *e = finish_map(final_map, FINAL_N, &n);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (type_at(e, n, want[i].phys) != want[i].type)
			fail_msg("0x%" PRIx64 " has type %" PRId64 ", not %" PRId64, want[i].phys,
				 type_at(e, n, want[i].phys), want[i].type);
}

static void test_finish_never_marks_the_first_page_usable(void **state)
{
	(void)state;
	size_t n;
	env_default();
	const struct limine_memmap_entry *const *e = finish_map(final_map, FINAL_N, &n);
	assert_int_not_equal(type_at(e, n, 0), MEM_USABLE);
	assert_int_not_equal(type_at(e, n, 0xfff), MEM_USABLE);
	assert_int_equal(type_at(e, n, 0x1000), MEM_USABLE);
}

static void test_finish_adds_the_framebuffer_in_a_hole_of_the_map(void **state)
{
	(void)state;
	size_t n, found = 0;
	env_default();
	const struct limine_memmap_entry *const *e = finish_map(final_map, FINAL_N, &n);
	for (size_t i = 0; i < n; i++)
		if (e[i]->type == MEM_FRAMEBUFFER) {
			assert_int_equal(e[i]->base, FB_PHYS);
			assert_int_equal(e[i]->length, FB_SIZE);
			found++;
		}
	assert_int_equal(found, 1);
	assert_map_well_formed(e, n);
}

static void test_finish_adds_no_framebuffer_entry_over_usable_memory(void **state)
{
	(void)state;
	size_t n;
	env_default();
	E.k.machine.fb.phys = 0xe20000; /* inside usable [0xe10000, 16 MiB) */
	const struct limine_memmap_entry *const *e = finish_map(final_map, FINAL_N, &n);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(e[i]->type, MEM_FRAMEBUFFER);
	assert_int_equal(type_at(e, n, 0xe20000), MEM_USABLE);
	assert_map_well_formed(e, n);
}

static void test_finish_adds_no_framebuffer_entry_without_a_framebuffer(void **state)
{
	(void)state;
	size_t n;
	env_default();
	E.k.machine.fb.present = false;
	const struct limine_memmap_entry *const *e = finish_map(final_map, FINAL_N, &n);
	assert_int_equal(type_at(e, n, FB_PHYS), -1);
}

static void test_finish_trims_bootloader_reclaimable_memory_to_pages(void **state)
{
	(void)state;
	static const struct mm_region ragged[] = {
		{ 0x100000, 0x200000, MM_USABLE, 0 },
		{ 0x200400, 0x2ffc00, MM_LOADER, 1 },
		{ 0x300000, 0x400000, MM_KERNEL, 2 },
	};
	size_t n;
	env_default();
	const struct limine_memmap_entry *const *e = finish_map(ragged, 3, &n);
	assert_map_well_formed(e, n);
	assert_int_equal(type_at(e, n, 0x201000), MEM_BOOTLOADER_RECLAIMABLE);
	assert_int_equal(type_at(e, n, 0x2fe000), MEM_BOOTLOADER_RECLAIMABLE);
	assert_int_not_equal(type_at(e, n, 0x200400), MEM_BOOTLOADER_RECLAIMABLE);
	assert_int_not_equal(type_at(e, n, 0x2ff000), MEM_BOOTLOADER_RECLAIMABLE);
}

static void test_finish_fills_the_efi_memory_map_response(void **state)
{
	(void)state;
	env_default();
	uint64_t r = req(EFI_MEMMAP, 0);
	prepare_ok();
	E.run.efi_map = 0x7e51000;
	E.run.efi_map_size = 48 * 40;
	E.run.efi_desc_size = 48;
	E.run.efi_desc_version = 1;
	assert_int_equal(proto_limine.finish(&E.run, final_map, FINAL_N, 42), 0);
	const struct efi_memmap_response *m = response(r, sizeof *m);
	assert_int_equal(m->revision, 0);
	assert_int_equal(m->memmap, 0x7e51000 + HHDM);
	assert_int_equal(m->memmap_size, 48 * 40);
	assert_int_equal(m->desc_size, 48);
	assert_int_equal(m->desc_version, 1);
}

static void test_finish_calls_no_firmware(void **state)
{
	(void)state;
	size_t n;
	env_default();
	finish_map(final_map, FINAL_N, &n);
	assert_int_equal(E.f.nlog, 1);
	assert_int_equal(E.a.nclaims, 1);
}

/* n regions of one kind with a partial page at each end and gaps between
 * them: three entries each (usable or bootloader-reclaimable memory
 * between two reserved slivers), none merging. */
static const struct mm_region *ragged_map(size_t n, enum mm_kind kind)
{
	static struct mm_region r[MAP_CAP + 1];
	assert_true(n <= MAP_CAP + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t base = 4 * GIB + i * 0x10000 + 0x800;
		r[i] = (struct mm_region){ base, base + 0x3000, kind, (uint32_t)i };
	}
	return r;
}

static void test_finish_fits_the_worst_case_map(void **state)
{
	(void)state;
	size_t n;
	env_default();
	const struct limine_memmap_entry *const *e =
		finish_map(ragged_map(MAP_CAP, MM_BOOT_SERVICES), MAP_CAP, &n);
	assert_int_equal(n, 3 * MAP_CAP + 1);
	assert_map_well_formed(e, n);
	assert_int_equal(e[0]->type, MEM_FRAMEBUFFER);
	assert_int_equal(e[n - 1]->type, MEM_RESERVED);
	assert_int_equal(e[n - 2]->type, MEM_USABLE);
}

static void test_finish_fits_the_worst_case_map_of_loader_memory(void **state)
{
	(void)state;
	size_t n;
	env_default();
	const struct limine_memmap_entry *const *e =
		finish_map(ragged_map(MAP_CAP, MM_LOADER), MAP_CAP, &n);
	assert_int_equal(n, 3 * MAP_CAP + 1);
	assert_map_well_formed(e, n);
	assert_int_equal(e[n - 2]->type, MEM_BOOTLOADER_RECLAIMABLE);
}

static void test_finish_refuses_a_map_beyond_what_prepare_sized(void **state)
{
	(void)state;
	/* too many entries for mm_boot_map, then for the trimming after it */
	static const enum mm_kind kinds[] = { MM_BOOT_SERVICES, MM_LOADER };
	for (size_t i = 0; i < 2; i++) {
		env_again();
		req(MEMMAP, 0);
		prepare_ok();
		assert_int_equal(proto_limine.finish(&E.run, ragged_map(MAP_CAP + 1, kinds[i]),
						     MAP_CAP + 1, 7), -1);
		assert_nothing_written_outside_claim_and_image();
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_plan_finds_requests_on_8_byte_boundaries),
		T(test_plan_ignores_and_counts_requests_outside_the_markers),
		T(test_plan_last_start_marker_and_first_end_marker_win),
		T(test_plan_refuses_a_duplicate_request_naming_it),
		T(test_plan_ignores_an_unknown_request_id),
		T(test_plan_refuses_an_image_not_in_one_run),
		T(test_plan_supports_base_revisions_0_to_3_and_zeroes_the_tag),
		T(test_plan_boots_base_revision_99_as_3_and_leaves_the_tag),
		T(test_plan_without_a_tag_is_base_revision_0),
		T(test_plan_ignores_a_tag_outside_the_markers),
		T(test_plan_finds_a_tag_in_the_last_bytes_of_the_image),
		T(test_plan_sets_identity_map_for_base_revision_0_only),
		T(test_plan_stack_size_request_sets_the_stack),
		T(test_plan_stack_is_at_least_64_kib),
		T(test_plan_refuses_a_stack_above_64_mib),
		T(test_plan_entry_point_request_overrides_e_entry),
		T(test_plan_refuses_an_entry_point_outside_executable_segments),
		T(test_plan_refuses_paging_mode_min_mode_1),
		T(test_plan_accepts_paging_mode_5_level_preferred_4_level_allowed),
		T(test_paging_mode_5_level_when_preferred_allowed_and_the_cpu_has_la57),
		T(test_paging_mode_5_level_moves_the_hhdm_to_0xff00000000000000),
		T(test_paging_mode_revision_0_preferring_5_level_gets_it_on_la57),
		T(test_paging_mode_max_mode_0_keeps_4_level_on_la57),
		T(test_paging_mode_4_level_preferred_stays_4_level_on_la57),
		T(test_paging_mode_5_level_preferred_is_4_level_without_la57),
		T(test_paging_mode_min_mode_1_without_la57_is_refused_naming_it),
		T(test_paging_mode_min_mode_1_gets_5_level_on_la57_even_if_4_is_preferred),
		T(test_paging_mode_no_mode_between_min_and_max_is_refused),
		T(test_without_a_paging_mode_request_paging_is_4_level_on_la57),
		T(test_detect_says_yes_for_a_base_revision_tag),
		T(test_detect_says_yes_for_a_start_marker),
		T(test_detect_says_yes_for_a_request),
		T(test_detect_says_yes_for_a_tag_in_the_last_bytes),
		T(test_detect_says_no_for_an_image_without_any),
		T(test_prepare_makes_one_loader_claim),
		T(test_prepare_writes_only_its_claim_and_the_response_fields),
		T(test_prepare_fails_cleanly_when_firmware_refuses_every_claim),
		T(test_bootloader_info_names_runway_and_its_version),
		T(test_firmware_type_is_uefi64),
		T(test_stack_size_request_gets_a_response),
		T(test_hhdm_gives_the_direct_map_offset),
		T(test_paging_mode_is_4_level_even_when_5_is_preferred),
		T(test_kernel_address_gives_phys_base_and_vlow),
		T(test_boot_time_gives_the_rtc_time),
		T(test_boot_time_absent_when_the_rtc_time_is_unknown),
		T(test_dtb_gets_no_response_on_x86),
		T(test_a_response_pointer_already_set_is_replaced_and_logged),
		T(test_tables_are_physical_in_base_revision_3),
		T(test_tables_are_hhdm_addresses_in_base_revisions_0_to_2),
		T(test_base_revision_99_gives_physical_tables_as_3),
		T(test_rsdp_falls_back_to_acpi1),
		T(test_rsdp_absent_without_acpi),
		T(test_smbios_missing_entry_is_null),
		T(test_smbios_absent_without_smbios),
		T(test_framebuffer_gives_address_and_geometry),
		T(test_framebuffer_bgrx_masks_give_sizes_and_shifts),
		T(test_framebuffer_rgbx_masks_give_sizes_and_shifts),
		T(test_framebuffer_lists_the_video_modes),
		T(test_framebuffer_absent_gives_no_response),
		T(test_kernel_file_is_read_and_described),
		T(test_kernel_file_path_gets_a_leading_slash),
		T(test_kernel_file_that_cannot_be_read_fails_prepare),
		T(test_config_modules_carry_their_strings_as_cmdline),
		T(test_no_modules_give_an_empty_list),
		T(test_internal_modules_load_beside_the_kernel_before_config_modules),
		T(test_internal_modules_of_a_kernel_at_the_root),
		T(test_internal_modules_ignored_by_a_revision_0_request),
		T(test_a_required_internal_module_that_fails_to_load_fails_prepare),
		T(test_an_optional_internal_module_that_fails_to_load_is_skipped),
		T(test_an_optional_internal_module_path_too_long_is_skipped_not_cut),
		T(test_a_required_internal_module_path_too_long_fails_prepare),
		T(test_an_internal_module_path_outside_the_image_fails_prepare),
		T(test_jump_enters_at_e_entry_with_zero_in_rdi),
		T(test_stack_is_64_kib_aligned_and_apart_from_the_responses),
		T(test_stack_size_request_gives_a_larger_stack),
		T(test_gdt_has_seven_descriptors_from_a_null_one),
		T(test_gdt_16_bit_code_and_data_cover_64_kib),
		T(test_gdt_32_bit_code_and_data_cover_4_gib),
		T(test_gdt_64_bit_code_at_0x28_and_data_at_0x30),
		T(test_selectors_are_0x28_and_0x30),
		T(test_mp_lists_the_bsp_first_then_every_other_madt_processor),
		T(test_mp_hands_the_loader_each_ap_with_its_info),
		T(test_mp_gives_each_ap_a_64_kib_stack_of_its_own),
		T(test_mp_stacks_follow_the_stack_size_request),
		T(test_mp_goto_offset_and_cpu_pointers_point_into_the_response),
		T(test_mp_writes_only_its_claims_and_leaves_the_acpi_tables),
		T(test_mp_without_an_rsdp_lists_the_bsp_alone),
		T(test_mp_without_madt_processors_lists_the_bsp_alone),
		T(test_mp_madt_of_the_bsp_alone_gives_its_processor_id),
		T(test_mp_falls_back_to_the_acpi_1_rsdp),
		T(test_mp_in_xapic_mode_leaves_out_ids_above_255),		T(test_mp_with_100_processors_fits_its_claims),
		T(test_mp_stacks_refused_fail_prepare_naming_them),
		T(test_finish_memory_map_is_sorted_aligned_and_disjoint),
		T(test_finish_translates_every_memory_type),
		T(test_finish_never_marks_the_first_page_usable),
		T(test_finish_adds_the_framebuffer_in_a_hole_of_the_map),
		T(test_finish_adds_no_framebuffer_entry_over_usable_memory),
		T(test_finish_adds_no_framebuffer_entry_without_a_framebuffer),
		T(test_finish_trims_bootloader_reclaimable_memory_to_pages),
		T(test_finish_fills_the_efi_memory_map_response),
		T(test_finish_calls_no_firmware),
		T(test_finish_fits_the_worst_case_map),
		T(test_finish_fits_the_worst_case_map_of_loader_memory),
		T(test_finish_refuses_a_map_beyond_what_prepare_sized),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
