/*
 * host_test.c - unit tests, run on the build host, of the Limine test
 * kernel's pure checks (lchecks.c): every check passes a good input and
 * fails at least one bad one, so a check that can never fail shows up
 * here rather than as a green boot.
 *
 * Build and run: make test-limine-host (limine.mk).  Exit status 0 when
 * every test passes; the last line is "N passed, N failed".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lchecks.h"

static int passed, failed;

#define EXPECT(cond)                                                          \
	do {                                                                  \
		if (cond) {                                                   \
			passed++;                                             \
		} else {                                                      \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__,      \
			        __LINE__, #cond);                             \
			failed++;                                             \
		}                                                             \
	} while (0)

/* ---- memory map --------------------------------------------------------- */

#define E(b, l, t) { (b), (l), (t) }

static const struct lp_memmap_entry good_map[] = {
	E(0x0,        0x1000,    LP_MEMMAP_RESERVED),
	E(0x1000,     0x9e000,   LP_MEMMAP_USABLE),
	E(0x9fc00,    0x400,     LP_MEMMAP_RESERVED),   /* unaligned: allowed */
	E(0x100000,   0x200000,  LP_MEMMAP_KERNEL_AND_MODULES),
	E(0x100800,   0x800,     LP_MEMMAP_ACPI_NVS),   /* overlaps non-strict */
	E(0x300000,   0x10000,   LP_MEMMAP_BOOTLOADER_RECLAIMABLE),
	E(0x310000,   0x7cf0000, LP_MEMMAP_USABLE),
	E(0x80000000, 0x1000000, LP_MEMMAP_FRAMEBUFFER),
};
#define NGOOD (sizeof good_map / sizeof good_map[0])

static enum lc_mmap_error one_change(uint64_t i, uint64_t base, uint64_t len,
                                     uint64_t type, uint64_t *bad)
{
	struct lp_memmap_entry m[NGOOD];

	memcpy(m, good_map, sizeof m);
	m[i].base = base;
	m[i].length = len;
	m[i].type = type;
	return lc_mmap_validate(m, NGOOD, bad);
}

static void test_mmap(void)
{
	uint64_t bad = 99;

	EXPECT(lc_mmap_validate(good_map, NGOOD, &bad) == LC_MMAP_OK);
	EXPECT(lc_mmap_validate(good_map, 0, &bad) == LC_MMAP_EMPTY);
	EXPECT(one_change(3, 0x100000, 0, LP_MEMMAP_KERNEL_AND_MODULES, &bad) ==
	       LC_MMAP_ZERO_LENGTH && bad == 3);
	EXPECT(one_change(3, 0x100000, 0x1000, 8, &bad) == LC_MMAP_BAD_TYPE && bad == 3);
	EXPECT(one_change(7, 0xfffffffffffff000ull, 0x2000, LP_MEMMAP_RESERVED, &bad) ==
	       LC_MMAP_WRAPS && bad == 7);
	EXPECT(one_change(5, 0x1000, 0x1000, LP_MEMMAP_ACPI_NVS, &bad) == LC_MMAP_UNSORTED);
	EXPECT(one_change(6, 0x310800, 0x1000, LP_MEMMAP_USABLE, &bad) ==
	       LC_MMAP_UNALIGNED && bad == 6);
	EXPECT(one_change(5, 0x300000, 0x10800, LP_MEMMAP_BOOTLOADER_RECLAIMABLE, &bad) ==
	       LC_MMAP_UNALIGNED && bad == 5);
	/* A usable entry reaching into the kernel entry after it. */
	EXPECT(one_change(1, 0x1000, 0x100000, LP_MEMMAP_USABLE, &bad) ==
	       LC_MMAP_OVERLAP && bad == 1);
	/* Reclaimable memory starting inside the kernel entry before it. */
	EXPECT(one_change(5, 0x2ff000, 0x11000, LP_MEMMAP_BOOTLOADER_RECLAIMABLE, &bad) ==
	       LC_MMAP_OVERLAP && bad == 5);
	/* Non-strict entries may overlap each other (entries 3 and 4 do). */
	EXPECT(one_change(4, 0x100000, 0x300000, LP_MEMMAP_ACPI_NVS, &bad) ==
	       LC_MMAP_OVERLAP); /* ... but not the reclaimable entry at 0x300000 */
	EXPECT(one_change(0, 0x0, 0x1000, LP_MEMMAP_USABLE, &bad) ==
	       LC_MMAP_LOW_USABLE && bad == 0);
	EXPECT(one_change(0, 0x0, 0x1000, LP_MEMMAP_BOOTLOADER_RECLAIMABLE, &bad) ==
	       LC_MMAP_OK);

	EXPECT(lc_mmap_covers(good_map, NGOOD, 0x300000, 0x8000000 - 0x300000,
	                      LP_MEMMAP_BOOTLOADER_RECLAIMABLE, &bad) == 0 && bad == 0x310000);
	EXPECT(lc_mmap_covers(good_map, NGOOD, 0x300000, 0x10000,
	                      LP_MEMMAP_BOOTLOADER_RECLAIMABLE, &bad));
	EXPECT(lc_mmap_covers(good_map, NGOOD, 0x1000, 0x9e000, LP_MEMMAP_USABLE, &bad));
	EXPECT(!lc_mmap_covers(good_map, NGOOD, 0x1000, 0x9f000, LP_MEMMAP_USABLE, &bad) &&
	       bad == 0x9f000);
	EXPECT(!lc_mmap_covers(good_map, NGOOD, 0x8000000, 1, LP_MEMMAP_USABLE, &bad) &&
	       bad == 0x8000000);
	EXPECT(!lc_mmap_covers(good_map, NGOOD, UINT64_MAX, 2, LP_MEMMAP_USABLE, &bad));
	EXPECT(lc_mmap_covers(good_map, NGOOD, 0x100900, 0x100, LP_MEMMAP_ACPI_NVS, &bad));
	EXPECT(lc_mmap_touches(good_map, NGOOD, 0xfff, 2, LP_MEMMAP_USABLE));
	EXPECT(!lc_mmap_touches(good_map, NGOOD, 0x9f000, 0x1000, LP_MEMMAP_USABLE));
	EXPECT(lc_mmap_sum(good_map, NGOOD, LP_MEMMAP_USABLE) == 0x9e000 + 0x7cf0000);
	EXPECT(!strcmp(lc_mmap_type_name(LP_MEMMAP_KERNEL_AND_MODULES), "executable-and-modules"));
	EXPECT(!strcmp(lc_mmap_type_name(9), "invalid"));

	EXPECT(lc_hhdm_maps_type(LP_MEMMAP_RESERVED, 0));
	EXPECT(!lc_hhdm_maps_type(LP_MEMMAP_RESERVED, 2));
	EXPECT(lc_hhdm_maps_type(LP_MEMMAP_ACPI_RECLAIMABLE, 2));
	EXPECT(!lc_hhdm_maps_type(LP_MEMMAP_ACPI_RECLAIMABLE, 3));
	EXPECT(lc_hhdm_maps_type(LP_MEMMAP_FRAMEBUFFER, 3));
	EXPECT(lc_hhdm_maps_type(LP_MEMMAP_KERNEL_AND_MODULES, 3));
	EXPECT(!lc_hhdm_maps_type(LP_MEMMAP_BAD_MEMORY, 1));
}

/* ---- framebuffer ---------------------------------------------------------- */

static void test_pixels(void)
{
	const struct lc_pixels good = { 1280, 800, 5120, 32, LP_FRAMEBUFFER_RGB,
	                                8, 16, 8, 8, 8, 0 };
	struct lc_pixels p;
	struct lp_framebuffer fb = { 0 };
	struct lp_video_mode m = { 0 };

	EXPECT(lc_pixels_problem(&good) == NULL);
	p = good; p.pitch = 5119;
	EXPECT(lc_pixels_problem(&p) != NULL);
	p = good; p.width = 0;
	EXPECT(lc_pixels_problem(&p) != NULL);
	p = good; p.bpp = 30;
	EXPECT(lc_pixels_problem(&p) != NULL);
	p = good; p.model = 0;
	EXPECT(lc_pixels_problem(&p) != NULL);
	p = good; p.gsh = 12; /* green 12..19 overlaps red 16..23 */
	EXPECT(lc_pixels_problem(&p) != NULL);
	p = good; p.rsh = 25;
	EXPECT(lc_pixels_problem(&p) != NULL);
	p = good; p.bs = 0;
	EXPECT(lc_pixels_problem(&p) != NULL);
	p = good; p.width = UINT64_MAX / 2;
	EXPECT(lc_pixels_problem(&p) != NULL);

	fb.width = 640; fb.height = 480; fb.pitch = 2560; fb.bpp = 32; fb.memory_model = 1;
	fb.red_mask_size = 8; fb.red_mask_shift = 16; fb.green_mask_size = 8;
	fb.green_mask_shift = 8; fb.blue_mask_size = 8;
	p = lc_pixels_of_fb(&fb);
	EXPECT(lc_pixels_problem(&p) == NULL && p.width == 640 && p.rsh == 16);
	m.width = 800; m.height = 600; m.pitch = 2400; m.bpp = 24; m.memory_model = 1;
	m.red_mask_size = 8; m.red_mask_shift = 16; m.green_mask_size = 8;
	m.green_mask_shift = 8; m.blue_mask_size = 8;
	p = lc_pixels_of_mode(&m);
	EXPECT(lc_pixels_problem(&p) == NULL && p.bpp == 24);
	m.pitch = 2399;
	p = lc_pixels_of_mode(&m);
	EXPECT(lc_pixels_problem(&p) != NULL);
}

/* ---- ACPI ------------------------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Makes the byte at off the one that brings len bytes to a sum of 0. */
static void fix_sum(uint8_t *p, uint64_t len, uint64_t off)
{
	p[off] = 0;
	p[off] = (uint8_t)(0x100 - lc_sum8(p, len));
}

static void make_rsdp(uint8_t r[36])
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "RUNWAY", 6);
	r[15] = 2;
	put32(r + 16, 0x7fe0000);
	put32(r + 20, 36);
	put64(r + 24, 0x7fe1000);
	fix_sum(r, 20, 8);
	fix_sum(r, 36, 32);
}

static void test_rsdp(void)
{
	uint8_t r[36];

	make_rsdp(r);
	EXPECT(lc_rsdp_problem(r) == NULL && lc_rsdp_length(r) == 36);
	r[0] = 'r';
	EXPECT(lc_rsdp_problem(r) != NULL);
	make_rsdp(r);
	r[8]++;
	EXPECT(lc_rsdp_problem(r) != NULL); /* 1.0 checksum */
	make_rsdp(r);
	r[32]++;
	EXPECT(lc_rsdp_problem(r) != NULL); /* extended checksum only */
	make_rsdp(r);
	put32(r + 20, 20);
	fix_sum(r, 20, 8);
	EXPECT(lc_rsdp_problem(r) != NULL); /* length below 36 */
	make_rsdp(r);
	r[15] = 0; /* ACPI 1.0: the 20-byte checksum alone */
	fix_sum(r, 20, 8);
	r[32]++;
	EXPECT(lc_rsdp_problem(r) == NULL && lc_rsdp_length(r) == 20);
}

/* A MADT: two enabled LAPICs, one disabled, one x2APIC, one I/O APIC. */
static uint32_t make_madt(uint8_t *t)
{
	uint32_t off = 44;

	memset(t, 0, 256);
	memcpy(t, "APIC", 4);
	t[off] = 0; t[off + 1] = 8; t[off + 2] = 0; t[off + 3] = 0; put32(t + off + 4, 1); off += 8;
	t[off] = 0; t[off + 1] = 8; t[off + 2] = 1; t[off + 3] = 2; put32(t + off + 4, 1); off += 8;
	t[off] = 0; t[off + 1] = 8; t[off + 2] = 2; t[off + 3] = 4; put32(t + off + 4, 0); off += 8;
	t[off] = 1; t[off + 1] = 12; t[off + 2] = 0; put32(t + off + 4, 0xfec00000); put32(t + off + 8, 0); off += 12;
	t[off] = 9; t[off + 1] = 16; put32(t + off + 4, 300); put32(t + off + 8, 1); put32(t + off + 12, 7); off += 16;
	put32(t + 4, off);
	fix_sum(t, off, 9);
	return off;
}

static void test_sdt_madt(void)
{
	uint8_t t[256];
	uint32_t len = make_madt(t), ncpu, nio;
	struct lc_cpu cpus[8];
	struct lc_ioapic io[4];

	EXPECT(lc_sdt_problem(t, len, "APIC") == NULL);
	EXPECT(lc_sdt_problem(t, len, "XSDT") != NULL);
	EXPECT(lc_sdt_problem(t, len - 1, "APIC") != NULL); /* length beyond mapped */
	t[50]++;
	EXPECT(lc_sdt_problem(t, len, "APIC") != NULL); /* checksum */
	t[50]--;

	EXPECT(lc_madt_parse(t, len, cpus, 8, &ncpu, io, 4, &nio) == NULL);
	EXPECT(ncpu == 3 && nio == 1);
	EXPECT(cpus[0].apic_id == 0 && cpus[1].apic_id == 2 && cpus[1].uid == 1);
	EXPECT(cpus[2].apic_id == 300 && cpus[2].uid == 7);
	EXPECT(io[0].address == 0xfec00000);
	t[44 + 8 + 3] = 0; /* second LAPIC now has APIC ID 0 too */
	EXPECT(lc_madt_parse(t, len, cpus, 8, &ncpu, io, 4, &nio) != NULL);
	make_madt(t);
	t[44 + 1] = 0; /* zero-length entry */
	EXPECT(lc_madt_parse(t, len, cpus, 8, &ncpu, io, 4, &nio) != NULL);
	make_madt(t);
	EXPECT(lc_madt_parse(t, len - 4, cpus, 8, &ncpu, io, 4, &nio) != NULL); /* cut */
}

static void test_cpus_match(void)
{
	const struct lc_cpu madt[3] = { { 0, 0 }, { 2, 1 }, { 300, 7 } };
	struct lc_cpu resp[3] = { { 2, 1 }, { 0, 0 }, { 300, 7 } };
	uint64_t bad;

	EXPECT(lc_cpus_match(madt, 3, resp, 3, &bad) == NULL);
	EXPECT(lc_cpus_match(madt, 3, resp, 2, &bad) != NULL && bad == 2);
	resp[0].uid = 5;
	EXPECT(lc_cpus_match(madt, 3, resp, 3, &bad) != NULL && bad == 0);
	resp[0].uid = 1;
	resp[2].apic_id = 4;
	EXPECT(lc_cpus_match(madt, 3, resp, 3, &bad) != NULL && bad == 2);
	resp[2].apic_id = 2;
	EXPECT(lc_cpus_match(madt, 3, resp, 3, &bad) != NULL && bad == 2); /* twice */
}

/* ---- SMBIOS ----------------------------------------------------------------- */

static void make_smbios32(uint8_t e[32])
{
	memset(e, 0, 32);
	memcpy(e, "_SM_", 4);
	e[5] = 0x1f;
	e[6] = 2; e[7] = 8;
	memcpy(e + 0x10, "_DMI_", 5);
	put32(e + 0x18, 0xf0000);
	fix_sum(e + 0x10, 15, 0x15 - 0x10);
	fix_sum(e, 0x1f, 4);
}

static void make_smbios64(uint8_t e[24])
{
	memset(e, 0, 24);
	memcpy(e, "_SM3_", 5);
	e[6] = 0x18;
	e[7] = 3;
	put64(e + 0x10, 0xbf000000);
	fix_sum(e, 0x18, 5);
}

static void test_smbios(void)
{
	uint8_t e[32];

	make_smbios32(e);
	EXPECT(lc_smbios32_problem(e, 31) == NULL);
	EXPECT(lc_smbios32_problem(e, 20) != NULL);
	e[0x18]++;
	EXPECT(lc_smbios32_problem(e, 31) != NULL); /* intermediate checksum */
	make_smbios32(e);
	e[1] = 'X';
	EXPECT(lc_smbios32_problem(e, 31) != NULL);
	make_smbios32(e);
	e[0x12] = 'X';
	EXPECT(lc_smbios32_problem(e, 31) != NULL); /* "_DMI_" */
	make_smbios64(e);
	EXPECT(lc_smbios64_problem(e, 24) == NULL);
	EXPECT(lc_smbios32_problem(e, 31) != NULL);
	e[0x10]++;
	EXPECT(lc_smbios64_problem(e, 24) != NULL);
	make_smbios64(e);
	e[3] = '2';
	EXPECT(lc_smbios64_problem(e, 24) != NULL);
}

/* ---- UEFI ---------------------------------------------------------------------- */

static void make_systab(uint8_t st[120])
{
	memset(st, 0, 120);
	put64(st, LC_EFI_SYSTEM_TABLE_SIGNATURE);
	put32(st + 8, (2u << 16) | 70);
	put32(st + 12, 120);
	put64(st + LC_EFI_ST_RUNTIME_SERVICES, 0x7f000000);
	put64(st + LC_EFI_ST_NUM_TABLES, 3);
	put64(st + LC_EFI_ST_CONFIG_TABLE, 0x7f001000);
	put32(st + 16, lc_crc32(st, 120)); /* computed with the field 0 */
}

static void test_efi_systab(void)
{
	uint8_t st[120];

	EXPECT(lc_crc32("123456789", 9) == 0xcbf43926u);
	make_systab(st);
	EXPECT(lc_efi_systab_problem(st, 120) == NULL);
	EXPECT(lc_efi_systab_u64(st, LC_EFI_ST_NUM_TABLES) == 3);
	EXPECT(lc_efi_systab_problem(st, 100) != NULL);
	st[50] ^= 1;
	EXPECT(lc_efi_systab_problem(st, 120) != NULL); /* CRC */
	make_systab(st);
	st[0] ^= 1;
	EXPECT(lc_efi_systab_problem(st, 120) != NULL);
	make_systab(st);
	put64(st + LC_EFI_ST_BOOT_SERVICES, 0x7e000000);
	put32(st + 16, 0);
	put32(st + 16, lc_crc32(st, 120));
	EXPECT(lc_efi_systab_problem(st, 120) != NULL); /* boot services not exited */
	make_systab(st);
	put32(st + 8, 1u << 16);
	put32(st + 16, 0);
	put32(st + 16, lc_crc32(st, 120));
	EXPECT(lc_efi_systab_problem(st, 120) != NULL); /* EFI 1.x */
}

static void test_efi_config(void)
{
	uint8_t t[72];

	memset(t, 0, sizeof t);
	memcpy(t + 24, &lc_guid_acpi20, 16);
	put64(t + 40, 0x7fb7e014);
	memcpy(t + 48, &lc_guid_smbios3, 16);
	put64(t + 64, 0x7f8e7000);
	EXPECT(lc_efi_config_find(t, 3, &lc_guid_acpi20) == 0x7fb7e014);
	EXPECT(lc_efi_config_find(t, 3, &lc_guid_smbios3) == 0x7f8e7000);
	EXPECT(lc_efi_config_find(t, 3, &lc_guid_smbios) == 0);
	EXPECT(lc_efi_config_find(t, 2, &lc_guid_smbios3) == 0);
	/* The GUIDs' first bytes as stored (little-endian a): 8868e871 -> 71 e8. */
	EXPECT(t[24] == 0x71 && t[25] == 0xe8 && t[26] == 0x68 && t[27] == 0x88);
}

static void desc(uint8_t *d, uint32_t type, uint64_t start, uint64_t pages)
{
	memset(d, 0, 48);
	put32(d, type);
	put64(d + 8, start);
	put64(d + 24, pages);
}

static void test_efi_memmap(void)
{
	uint8_t m[4 * 48];
	uint64_t bad;

	desc(m, 7, 0x100000, 0x100);          /* conventional      */
	desc(m + 48, 4, 0x200000, 0x10);      /* boot services data */
	desc(m + 96, 6, 0x210000, 0x10);      /* runtime data       */
	desc(m + 144, 0x80525701u, 0x300000, 1); /* OS-defined      */
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 48, 1, &bad) == NULL);
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 32, 1, &bad) != NULL);
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 48, 2, &bad) != NULL);
	EXPECT(lc_efi_memmap_problem(m, sizeof m - 8, 48, 1, &bad) != NULL);
	desc(m + 48, 4, 0x1ff000, 0x10);
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 48, 1, &bad) != NULL && bad == 1);
	desc(m + 48, 4, 0x200800, 0x10);
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 48, 1, &bad) != NULL && bad == 1);
	desc(m + 48, 4, 0x200000, 0);
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 48, 1, &bad) != NULL && bad == 1);
	desc(m + 48, 16, 0x200000, 0x10);
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 48, 1, &bad) != NULL && bad == 1);
	desc(m + 48, 4, 0xfffffffffff00000ull, 0x1000);
	EXPECT(lc_efi_memmap_problem(m, sizeof m, 48, 1, &bad) != NULL && bad == 1);
	desc(m + 48, 4, 0x200000, 0x10);

	EXPECT(lc_efi_covers_free(m, sizeof m, 48, 0x100000, 0x110000, &bad));
	EXPECT(!lc_efi_covers_free(m, sizeof m, 48, 0x100000, 0x111000, &bad) &&
	       bad == 0x210000);
	EXPECT(!lc_efi_covers_free(m, sizeof m, 48, 0x300000, 0x1000, &bad) && bad == 0x300000);
}

/* ---- time ------------------------------------------------------------------------- */

static void test_time(void)
{
	EXPECT(lc_unix_time(1970, 1, 1, 0, 0, 0) == 0);
	EXPECT(lc_unix_time(2000, 3, 1, 0, 0, 0) == 951868800);
	EXPECT(lc_unix_time(2024, 2, 29, 12, 34, 56) == 1709210096);
	EXPECT(lc_unix_time(2099, 12, 31, 23, 59, 59) == 4102444799);
	EXPECT(lc_date_ok(2024, 2, 29, 0, 0, 0));
	EXPECT(!lc_date_ok(2023, 2, 29, 0, 0, 0));
	EXPECT(!lc_date_ok(2100, 2, 29, 0, 0, 0));
	EXPECT(!lc_date_ok(2024, 13, 1, 0, 0, 0));
	EXPECT(!lc_date_ok(2024, 4, 31, 0, 0, 0));
	EXPECT(!lc_date_ok(2024, 4, 30, 24, 0, 0));
	EXPECT(lc_rtc_value(0x59, 0) == 59 && lc_rtc_value(59, 1) == 59);
	EXPECT(lc_rtc_hour(0x23, 0, 1) == 23);
	EXPECT(lc_rtc_hour(0x12, 0, 0) == 0);  /* 12 AM */
	EXPECT(lc_rtc_hour(0x92, 0, 0) == 12); /* 12 PM */
	EXPECT(lc_rtc_hour(0x81, 0, 0) == 13); /* 1 PM */
	EXPECT(lc_rtc_hour(0x81, 1, 0) == 13);
}

/* ---- CPU state ------------------------------------------------------------------------ */

static void test_gdt(void)
{
	static const uint64_t good[7] = {
		0,
		0x00009a000000ffffull, /* 16-bit code */
		0x000092000000ffffull, /* 16-bit data */
		0x00cf9a000000ffffull, /* 32-bit code */
		0x00cf92000000ffffull, /* 32-bit data */
		0x00209a0000000000ull, /* 64-bit code */
		0x0000920000000000ull, /* 64-bit data */
	};
	unsigned i;

	for (i = 0; i < 7; i++)
		EXPECT(lc_gdt_problem(i, good[i]) == NULL);
	EXPECT(lc_gdt_problem(0, 1) != NULL);
	EXPECT(lc_gdt_problem(1, good[1] | (1ull << 54)) != NULL); /* D=1 */
	EXPECT(lc_gdt_problem(1, good[2]) != NULL);                 /* data */
	EXPECT(lc_gdt_problem(2, good[2] & ~(1ull << 41)) != NULL); /* not writable */
	EXPECT(lc_gdt_problem(2, good[2] | 0x0000000100000000ull) != NULL); /* base */
	EXPECT(lc_gdt_problem(3, good[3] & ~(1ull << 55)) != NULL); /* byte-granular */
	EXPECT(lc_gdt_problem(3, good[1]) != NULL);                 /* 16-bit */
	EXPECT(lc_gdt_problem(4, good[4] & ~(1ull << 47)) != NULL); /* not present */
	EXPECT(lc_gdt_problem(4, good[4] | (3ull << 45)) != NULL);  /* DPL 3 */
	EXPECT(lc_gdt_problem(5, good[5] & ~(1ull << 41)) != NULL); /* not readable */
	EXPECT(lc_gdt_problem(5, good[3]) != NULL);                 /* not 64-bit */
	EXPECT(lc_gdt_problem(6, good[6] & ~(1ull << 41)) != NULL);
	EXPECT(lc_gdt_problem(6, good[5]) != NULL);
	EXPECT(lc_gdt_problem(7, good[6]) != NULL);
}

static void test_pat(void)
{
	EXPECT(lc_pat_problem(0x0000010500070406ull) == NULL);
	EXPECT(lc_pat_problem(0xffff010500070406ull) == NULL); /* 6, 7 unspecified */
	EXPECT(lc_pat_problem(0x0007040600070406ull) != NULL); /* power-on default */
	EXPECT(lc_pat_problem(0x0000010500070407ull) != NULL);
	EXPECT(lc_pte_pat_index(0x1000 | 1 | (1 << 7) | (1 << 3), 0) == LC_PAT_WC);
	EXPECT(lc_pte_pat_index(0x200000 | 1 | (1 << 7) | (1 << 12) | (1 << 3), 1) == LC_PAT_WC);
	EXPECT(lc_pte_pat_index(0x200000 | 1 | (1 << 7), 1) == LC_PAT_WB); /* bit 7 is PS */
	EXPECT(lc_pte_pat_index(0x1000 | 1 | (1 << 4) | (1 << 3), 0) == 3);
}

/* ---- files ----------------------------------------------------------------------------- */

static void test_uuid_paths(void)
{
	struct lp_uuid u = { 0x12345678, 0x9abc, 0xdef0, { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef } };
	struct lp_uuid z = { 0, 0, 0, { 0 } };
	char s[37], p[32];

	lc_uuid_format(s, &u);
	EXPECT(!strcmp(s, "12345678-9ABC-DEF0-0123-456789ABCDEF"));
	EXPECT(!lc_uuid_is_zero(&u) && lc_uuid_is_zero(&z));
	z.d[7] = 1;
	EXPECT(!lc_uuid_is_zero(&z));

	EXPECT(lc_sibling_path(p, sizeof p, "/boot/kernel.elf", "internal.bin") &&
	       !strcmp(p, "/boot/internal.bin"));
	EXPECT(lc_sibling_path(p, sizeof p, "/kernel.elf", "a") && !strcmp(p, "/a"));
	EXPECT(lc_sibling_path(p, sizeof p, "kernel.elf", "a") && !strcmp(p, "a"));
	EXPECT(!lc_sibling_path(p, 10, "/boot/kernel.elf", "internal.bin"));
	EXPECT(lc_printable("Runway 1.0", 64));
	EXPECT(!lc_printable("tab\there", 64));
	EXPECT(!lc_printable("no end", 3));
}

/* A 64-bit ELF file: header, two program headers, 0x40 bytes of text,
 * two section headers at the end. */
static uint64_t make_elf(uint8_t *f)
{
	uint8_t *ph;

	memset(f, 0, 512);
	memcpy(f, "\x7f" "ELF", 4);
	f[4] = 2; f[5] = 1; f[6] = 1;
	f[16] = 2; f[18] = 62; f[20] = 1;
	put64(f + 24, 0xffffffff80000010ull);
	put64(f + 32, 64);
	put64(f + 40, 304);
	f[52] = 64; f[54] = 56; f[56] = 2; f[58] = 64; f[60] = 2;
	ph = f + 64; /* PT_LOAD R */
	put32(ph, 1); put32(ph + 4, 4); put64(ph + 8, 0); put64(ph + 16, 0xffffffff7ffff000ull);
	put64(ph + 32, 0xb0);
	ph += 56; /* PT_LOAD R+X */
	put32(ph, 1); put32(ph + 4, 5); put64(ph + 8, 0xc0); put64(ph + 16, 0xffffffff80000000ull);
	put64(ph + 32, 0x40);
	return 304 + 128;
}

static void test_elf(void)
{
	uint8_t f[512];
	uint64_t size = make_elf(f), off, va, fs;

	EXPECT(lc_elf_problem(f, size, 2, 0xffffffff80000010ull) == NULL);
	EXPECT(lc_elf_entry(f) == 0xffffffff80000010ull);
	EXPECT(lc_elf_extent(f) == size);
	EXPECT(lc_elf_exec_segment(f, size, &off, &va, &fs) && off == 0xc0 &&
	       va == 0xffffffff80000000ull && fs == 0x40);
	EXPECT(lc_elf_problem(f, size, 3, 0xffffffff80000010ull) != NULL);
	EXPECT(lc_elf_problem(f, size, 2, 0xffffffff80000000ull) != NULL);
	EXPECT(lc_elf_problem(f, size - 1, 2, 0xffffffff80000010ull) != NULL);
	EXPECT(lc_elf_problem(f, 40, 2, 0xffffffff80000010ull) != NULL);
	f[1] = 'e';
	EXPECT(lc_elf_problem(f, size, 2, 0xffffffff80000010ull) != NULL);
	make_elf(f);
	f[18] = 3;
	EXPECT(lc_elf_problem(f, size, 2, 0xffffffff80000010ull) != NULL);
	make_elf(f);
	put64(f + 32, 400); /* program headers past the end */
	EXPECT(lc_elf_problem(f, size, 2, 0xffffffff80000010ull) != NULL);
	make_elf(f);
	put32(f + 64 + 56 + 4, 4); /* no executable segment */
	EXPECT(!lc_elf_exec_segment(f, size, &off, &va, &fs));
}

static void test_stacks(void)
{
	uint64_t rsp[3] = { 0x100000 - 8, 0x140000 - 8, 0x120000 - 8 }, bad;

	EXPECT(lc_stacks_problem(rsp, 3, 0x20000, &bad) == NULL);
	EXPECT(lc_stacks_problem(rsp, 3, 0x20001, &bad) != NULL && bad == 2);
	rsp[1] += 8;
	EXPECT(lc_stacks_problem(rsp, 3, 0x20000, &bad) != NULL && bad == 1);
}

int main(void)
{
	test_mmap();
	test_pixels();
	test_rsdp();
	test_sdt_madt();
	test_cpus_match();
	test_smbios();
	test_efi_systab();
	test_efi_config();
	test_efi_memmap();
	test_time();
	test_gdt();
	test_pat();
	test_uuid_paths();
	test_elf();
	test_stacks();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
