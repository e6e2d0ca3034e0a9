/*
 * lchecks.c - the Limine test kernel's pure checking functions (see
 * lchecks.h).  Built freestanding into every Limine test kernel and for
 * the build host into host_test.
 */
#include "lchecks.h"

#include "checks.h" /* gdt_code64_problem, gdt_data_problem */

/* ---- byte helpers (little-endian, any alignment) ---------------------- */

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)get_le(p, 2); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get_le(p, 4); }
static uint64_t get64(const uint8_t *p) { return get_le(p, 8); }

static int bytes_eq(const void *a, const void *b, uint64_t n)
{
	const uint8_t *x = a, *y = b;

	while (n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* ---- the Limine memory map -------------------------------------------- */

const char *lc_mmap_error_name(enum lc_mmap_error e)
{
	switch (e) {
	case LC_MMAP_OK:          return "ok";
	case LC_MMAP_EMPTY:       return "no entries";
	case LC_MMAP_ZERO_LENGTH: return "zero-length entry";
	case LC_MMAP_BAD_TYPE:    return "type outside 0..7";
	case LC_MMAP_WRAPS:       return "base + length overflows";
	case LC_MMAP_UNSORTED:    return "not sorted by base";
	case LC_MMAP_UNALIGNED:   return "usable/bootloader-reclaimable entry not 4 KiB aligned";
	case LC_MMAP_OVERLAP:     return "usable/bootloader-reclaimable entry overlaps another entry";
	case LC_MMAP_LOW_USABLE:  return "usable memory below 0x1000";
	}
	return "?";
}

const char *lc_mmap_type_name(uint64_t type)
{
	switch (type) {
	case LP_MEMMAP_USABLE:                 return "usable";
	case LP_MEMMAP_RESERVED:               return "reserved";
	case LP_MEMMAP_ACPI_RECLAIMABLE:       return "acpi-reclaimable";
	case LP_MEMMAP_ACPI_NVS:               return "acpi-nvs";
	case LP_MEMMAP_BAD_MEMORY:             return "bad";
	case LP_MEMMAP_BOOTLOADER_RECLAIMABLE: return "bootloader-reclaimable";
	case LP_MEMMAP_KERNEL_AND_MODULES:     return "executable-and-modules";
	case LP_MEMMAP_FRAMEBUFFER:            return "framebuffer";
	}
	return "invalid";
}

static int strict_type(uint64_t type)
{
	return type == LP_MEMMAP_USABLE || type == LP_MEMMAP_BOOTLOADER_RECLAIMABLE;
}

/* One entry on its own, and against its sorted neighbours. */
static enum lc_mmap_error check_entry(const struct lp_memmap_entry *m, uint64_t n,
                                      uint64_t i, uint64_t max_end)
{
	const struct lp_memmap_entry *e = &m[i];

	if (e->length == 0)
		return LC_MMAP_ZERO_LENGTH;
	if (e->type > LP_MEMMAP_FRAMEBUFFER)
		return LC_MMAP_BAD_TYPE;
	if (e->length > UINT64_MAX - e->base)
		return LC_MMAP_WRAPS;
	if (i > 0 && e->base < m[i - 1].base)
		return LC_MMAP_UNSORTED;
	if (i + 1 < n && m[i + 1].base < e->base)
		return LC_MMAP_UNSORTED;
	if (strict_type(e->type)) {
		if (e->base % LC_PAGE || e->length % LC_PAGE)
			return LC_MMAP_UNALIGNED;
		/* Sorted, so only earlier ends and the next base can reach it. */
		if (i > 0 && max_end > e->base)
			return LC_MMAP_OVERLAP;
		if (i + 1 < n && m[i + 1].base < e->base + e->length)
			return LC_MMAP_OVERLAP;
	}
	if (e->type == LP_MEMMAP_USABLE && e->base < 0x1000)
		return LC_MMAP_LOW_USABLE;
	return LC_MMAP_OK;
}

enum lc_mmap_error lc_mmap_validate(const struct lp_memmap_entry *m, uint64_t n,
                                    uint64_t *bad)
{
	uint64_t i, max_end = 0;

	*bad = 0;
	if (n == 0)
		return LC_MMAP_EMPTY;
	for (i = 0; i < n; i++) {
		enum lc_mmap_error err = check_entry(m, n, i, max_end);

		if (err != LC_MMAP_OK) {
			*bad = i;
			return err;
		}
		if (m[i].base + m[i].length > max_end)
			max_end = m[i].base + m[i].length;
	}
	return LC_MMAP_OK;
}

int lc_mmap_covers(const struct lp_memmap_entry *m, uint64_t n, uint64_t phys,
                   uint64_t len, uint64_t type, uint64_t *bad)
{
	uint64_t p = phys, end = phys + len, i;

	if (len == 0)
		return 1;
	if (end < phys) {
		*bad = phys;
		return 0;
	}
	while (p < end) {
		uint64_t reach = p; /* the furthest end of an entry holding p */

		for (i = 0; i < n; i++)
			if (m[i].type == type && m[i].base <= p &&
			    p - m[i].base < m[i].length && m[i].base + m[i].length > reach)
				reach = m[i].base + m[i].length;
		if (reach == p) {
			*bad = p;
			return 0;
		}
		p = reach;
	}
	return 1;
}

int lc_mmap_touches(const struct lp_memmap_entry *m, uint64_t n, uint64_t phys,
                    uint64_t len, uint64_t type)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (m[i].type == type && m[i].base < phys + len &&
		    phys < m[i].base + m[i].length)
			return 1;
	return 0;
}

uint64_t lc_mmap_sum(const struct lp_memmap_entry *m, uint64_t n, uint64_t type)
{
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++)
		if (m[i].type == type)
			sum += m[i].length;
	return sum;
}

int lc_hhdm_maps_type(uint64_t type, int revision)
{
	if (revision == 0)
		return 1;
	if (revision <= 2)
		return type != LP_MEMMAP_RESERVED && type != LP_MEMMAP_BAD_MEMORY;
	return type == LP_MEMMAP_USABLE || type == LP_MEMMAP_BOOTLOADER_RECLAIMABLE ||
	       type == LP_MEMMAP_KERNEL_AND_MODULES || type == LP_MEMMAP_FRAMEBUFFER;
}

/* ---- framebuffer --------------------------------------------------------- */

static uint64_t mask_of(uint8_t size, uint8_t shift)
{
	uint64_t m = size >= 64 ? UINT64_MAX : (1ull << size) - 1;

	return shift >= 64 ? 0 : m << shift;
}

const char *lc_pixels_problem(const struct lc_pixels *p)
{
	uint64_t r, g, b;

	if (p->width == 0 || p->height == 0)
		return "width or height is 0";
	if (p->bpp == 0 || p->bpp % 8 || p->bpp > 64)
		return "bpp is not a nonzero multiple of 8 up to 64";
	if (p->width > UINT64_MAX / 8 || p->pitch < p->width * (p->bpp / 8u))
		return "pitch is below width * bpp / 8";
	if (p->model != LP_FRAMEBUFFER_RGB)
		return "memory model is not RGB (1)";
	if (p->rs == 0 || p->gs == 0 || p->bs == 0)
		return "a colour mask has size 0";
	if (p->rs + p->rsh > p->bpp || p->gs + p->gsh > p->bpp || p->bs + p->bsh > p->bpp)
		return "a colour mask reaches past bpp";
	r = mask_of(p->rs, p->rsh);
	g = mask_of(p->gs, p->gsh);
	b = mask_of(p->bs, p->bsh);
	if ((r & g) || (r & b) || (g & b))
		return "colour masks overlap";
	return 0;
}

struct lc_pixels lc_pixels_of_fb(const struct lp_framebuffer *fb)
{
	struct lc_pixels p = { fb->width, fb->height, fb->pitch, fb->bpp, fb->memory_model,
	                       fb->red_mask_size, fb->red_mask_shift, fb->green_mask_size,
	                       fb->green_mask_shift, fb->blue_mask_size, fb->blue_mask_shift };
	return p;
}

struct lc_pixels lc_pixels_of_mode(const struct lp_video_mode *m)
{
	struct lc_pixels p = { m->width, m->height, m->pitch, m->bpp, m->memory_model,
	                       m->red_mask_size, m->red_mask_shift, m->green_mask_size,
	                       m->green_mask_shift, m->blue_mask_size, m->blue_mask_shift };
	return p;
}

/* ---- ACPI ------------------------------------------------------------------- */

uint8_t lc_sum8(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

uint32_t lc_rsdp_length(const uint8_t *p)
{
	return p[15] >= 2 ? get32(p + 20) : 20;
}

const char *lc_rsdp_problem(const uint8_t *p)
{
	if (!bytes_eq(p, "RSD PTR ", 8))
		return "signature is not \"RSD PTR \"";
	if (lc_sum8(p, 20))
		return "ACPI 1.0 checksum (20 bytes) is not 0";
	if (p[15] < 2)
		return 0;
	if (get32(p + 20) < 36)
		return "revision >= 2 but length below 36";
	if (lc_sum8(p, get32(p + 20)))
		return "extended checksum (ACPI 2.0+) is not 0";
	return 0;
}

const char *lc_sdt_problem(const uint8_t *p, uint64_t len, const char sig[4])
{
	uint32_t length = get32(p + 4);

	if (!bytes_eq(p, sig, 4))
		return "signature differs";
	if (length < 36 || length > len)
		return "length is below 36 or beyond what was mapped";
	if (lc_sum8(p, length))
		return "checksum is not 0";
	return 0;
}

/* Adds an enabled CPU unless its APIC ID is there already (then 0). */
static int add_cpu(struct lc_cpu *cpus, uint32_t max, uint32_t *n, uint32_t apic,
                   uint32_t uid)
{
	uint32_t i;

	for (i = 0; i < *n && i < max; i++)
		if (cpus[i].apic_id == apic)
			return 0;
	if (*n < max) {
		cpus[*n].apic_id = apic;
		cpus[*n].uid = uid;
	}
	++*n;
	return 1;
}

const char *lc_madt_parse(const uint8_t *p, uint32_t len, struct lc_cpu *cpus,
                          uint32_t max_cpus, uint32_t *ncpu,
                          struct lc_ioapic *io, uint32_t max_io, uint32_t *nio)
{
	uint32_t off;

	*ncpu = *nio = 0;
	for (off = 44; off + 2 <= len; off += p[off + 1]) {
		const uint8_t *e = p + off;

		if (e[1] < 2)
			return "an entry is shorter than 2 bytes";
		if (e[1] > len - off)
			return "an entry runs past the table";
		if (e[0] == 0 && e[1] >= 8 && (get32(e + 4) & 1)) {
			if (!add_cpu(cpus, max_cpus, ncpu, e[3], e[2]))
				return "two enabled local APICs have one APIC ID";
		} else if (e[0] == 9 && e[1] >= 16 && (get32(e + 8) & 1)) {
			if (!add_cpu(cpus, max_cpus, ncpu, get32(e + 4), get32(e + 12)))
				return "two enabled local APICs have one APIC ID";
		} else if (e[0] == 1 && e[1] >= 12) {
			if (*nio < max_io) {
				io[*nio].address = get32(e + 4);
				io[*nio].gsi_base = get32(e + 8);
			}
			++*nio;
		}
	}
	return 0;
}

const char *lc_cpus_match(const struct lc_cpu *madt, uint32_t nmadt,
                          const struct lc_cpu *resp, uint64_t nresp, uint64_t *bad)
{
	uint64_t i, j;

	*bad = nresp;
	if (nresp != nmadt)
		return "cpu_count differs from the MADT's enabled local APICs";
	for (i = 0; i < nresp; i++) {
		*bad = i;
		for (j = 0; j < i; j++)
			if (resp[j].apic_id == resp[i].apic_id)
				return "a local APIC ID is listed twice";
		for (j = 0; j < nmadt && madt[j].apic_id != resp[i].apic_id; j++)
			;
		if (j == nmadt)
			return "lapic_id is not an enabled local APIC of the MADT";
		if (madt[j].uid != resp[i].uid)
			return "processor_id is not the MADT's ACPI processor UID";
	}
	return 0;
}

/* ---- SMBIOS ------------------------------------------------------------------ */

const char *lc_smbios32_problem(const uint8_t *p, uint64_t len)
{
	if (len < 0x1f)
		return "fewer than 31 bytes readable";
	if (!bytes_eq(p, "_SM_", 4))
		return "anchor is not \"_SM_\"";
	if (p[5] < 0x1e || p[5] > len)
		return "entry point length is not 0x1e or 0x1f";
	if (lc_sum8(p, p[5]))
		return "entry point checksum is not 0";
	if (!bytes_eq(p + 0x10, "_DMI_", 5))
		return "intermediate anchor is not \"_DMI_\"";
	if (lc_sum8(p + 0x10, 15))
		return "intermediate checksum is not 0";
	return 0;
}

const char *lc_smbios64_problem(const uint8_t *p, uint64_t len)
{
	if (len < 0x18)
		return "fewer than 24 bytes readable";
	if (!bytes_eq(p, "_SM3_", 5))
		return "anchor is not \"_SM3_\"";
	if (p[6] < 0x18 || p[6] > len)
		return "entry point length is below 0x18";
	if (lc_sum8(p, p[6]))
		return "entry point checksum is not 0";
	return 0;
}

/* ---- UEFI ---------------------------------------------------------------------- */

static uint32_t crc32_update(uint32_t crc, const void *p, uint64_t len)
{
	const uint8_t *b = p;
	int k;

	while (len--) {
		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return crc;
}

uint32_t lc_crc32(const void *p, uint64_t len)
{
	return ~crc32_update(~0u, p, len);
}

uint64_t lc_efi_systab_u64(const uint8_t *p, unsigned offset)
{
	return get64(p + offset);
}

const char *lc_efi_systab_problem(const uint8_t *p, uint64_t len)
{
	static const uint8_t zero[4];
	uint32_t hdr = get32(p + 12), crc;

	if (len < LC_EFI_SYSTEM_TABLE_SIZE)
		return "fewer than 120 bytes readable";
	if (get64(p) != LC_EFI_SYSTEM_TABLE_SIGNATURE)
		return "signature is not EFI_SYSTEM_TABLE_SIGNATURE (\"IBI SYST\")";
	if ((get32(p + 8) >> 16) < 2)
		return "revision is below 2.0";
	if (hdr < LC_EFI_SYSTEM_TABLE_SIZE || hdr > len)
		return "header size is below 120 or beyond what was mapped";
	crc = crc32_update(~0u, p, 16);
	crc = crc32_update(crc, zero, 4);
	crc = ~crc32_update(crc, p + 20, hdr - 20);
	if (crc != get32(p + 16))
		return "header CRC-32 does not match";
	if (get64(p + LC_EFI_ST_BOOT_SERVICES) != 0)
		return "BootServices is not NULL: boot services were not exited";
	return 0;
}

const struct lc_guid lc_guid_acpi20 = { 0x8868e871, 0xe4f1, 0x11d3,
	{ 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } };
const struct lc_guid lc_guid_acpi10 = { 0xeb9d2d30, 0x2d88, 0x11d3,
	{ 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };
const struct lc_guid lc_guid_smbios = { 0xeb9d2d31, 0x2d88, 0x11d3,
	{ 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };
const struct lc_guid lc_guid_smbios3 = { 0xf2fd1544, 0x9794, 0x4a2c,
	{ 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94 } };

uint64_t lc_efi_config_find(const uint8_t *p, uint64_t n, const struct lc_guid *g)
{
	uint64_t i;

	for (i = 0; i < n; i++, p += 24)
		if (get32(p) == g->a && get16(p + 4) == g->b && get16(p + 6) == g->c &&
		    bytes_eq(p + 8, g->d, 8))
			return get64(p + 16);
	return 0;
}

static int efi_type_defined(uint32_t type)
{
	return type <= 15 || type >= 0x70000000u;
}

/* A descriptor's [start, end); 0 when the page count wraps. */
static int efi_desc_range(const uint8_t *d, uint64_t *start, uint64_t *end)
{
	uint64_t pages = get64(d + 24);

	*start = get64(d + 8);
	if (pages > (UINT64_MAX - *start) / LC_PAGE)
		return 0;
	*end = *start + pages * LC_PAGE;
	return 1;
}

static const char *efi_desc_problem(const uint8_t *d)
{
	uint64_t start, end;

	if (!efi_type_defined(get32(d)))
		return "a descriptor has an undefined type";
	if (get64(d + 8) % LC_PAGE)
		return "a descriptor's PhysicalStart is not 4 KiB aligned";
	if (get64(d + 24) == 0)
		return "a descriptor has NumberOfPages 0";
	if (!efi_desc_range(d, &start, &end))
		return "a descriptor's range overflows";
	return 0;
}

const char *lc_efi_memmap_problem(const uint8_t *map, uint64_t size,
                                  uint64_t desc_size, uint64_t version,
                                  uint64_t *bad)
{
	uint64_t n, i, j, s1, e1, s2, e2;
	const char *why;

	*bad = 0;
	if (desc_size < LC_EFI_MEMORY_DESCRIPTOR_MIN || desc_size % 8)
		return "desc_size is below 40 or not a multiple of 8";
	if (version != LC_EFI_MEMORY_DESCRIPTOR_VERSION)
		return "desc_version is not 1";
	if (size == 0 || size % desc_size)
		return "memmap_size is 0 or not a multiple of desc_size";
	n = size / desc_size;
	for (i = 0; i < n; i++) {
		*bad = i;
		why = efi_desc_problem(map + i * desc_size);
		if (why)
			return why;
		efi_desc_range(map + i * desc_size, &s1, &e1);
		for (j = 0; j < i; j++) {
			efi_desc_range(map + j * desc_size, &s2, &e2);
			if (s1 < e2 && s2 < e1)
				return "two descriptors overlap";
		}
	}
	return 0;
}

static int efi_free_type(uint32_t type)
{
	/* EfiLoaderCode, EfiLoaderData, EfiBootServicesCode, EfiBootServicesData,
	 * EfiConventionalMemory (UEFI 2.x 7.2, "Memory Type Usage after
	 * ExitBootServices()"). */
	return (type >= 1 && type <= 4) || type == 7;
}

int lc_efi_covers_free(const uint8_t *map, uint64_t size, uint64_t desc_size,
                       uint64_t phys, uint64_t len, uint64_t *bad)
{
	uint64_t p = phys, end = phys + len, i, s, e;

	if (end < phys) {
		*bad = phys;
		return 0;
	}
	while (p < end) {
		uint64_t reach = p;

		for (i = 0; i + desc_size <= size; i += desc_size)
			if (efi_free_type(get32(map + i)) && efi_desc_range(map + i, &s, &e) &&
			    s <= p && p < e && e > reach)
				reach = e;
		if (reach == p) {
			*bad = p;
			return 0;
		}
		p = reach;
	}
	return 1;
}

/* ---- time ----------------------------------------------------------------------- */

static int leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int lc_date_ok(unsigned year, unsigned mon, unsigned day, unsigned hour,
               unsigned min, unsigned sec)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1)
		return 0;
	if (day > mdays[mon - 1] + (mon == 2 && leap(year)))
		return 0;
	return hour < 24 && min < 60 && sec < 60;
}

int64_t lc_unix_time(unsigned year, unsigned mon, unsigned day, unsigned hour,
                     unsigned min, unsigned sec)
{
	/* Days from the civil date, counting years from March (so the leap
	 * day is the last day of the year). */
	int64_t y = (int64_t)year - (mon <= 2);
	int64_t era = y / 400, yoe = y - era * 400;
	int64_t doy = (153 * ((int64_t)mon + (mon > 2 ? -3 : 9)) + 2) / 5 + (int64_t)day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 + (int64_t)sec;
}

unsigned lc_rtc_value(uint8_t raw, int binary)
{
	return binary ? raw : (unsigned)(raw >> 4) * 10u + (raw & 15u);
}

unsigned lc_rtc_hour(uint8_t raw, int binary, int h24)
{
	unsigned h;

	if (h24)
		return lc_rtc_value(raw, binary);
	h = lc_rtc_value((uint8_t)(raw & 0x7f), binary) % 12; /* 12 AM is 0 */
	return raw & 0x80 ? h + 12 : h;
}

/* ---- CPU state ------------------------------------------------------------------- */

#define D_RW   (1ull << 41)
#define D_CODE (1ull << 43)
#define D_S    (1ull << 44)
#define D_DPL  (3ull << 45)
#define D_P    (1ull << 47)
#define D_L    (1ull << 53)
#define D_DB   (1ull << 54)
#define D_G    (1ull << 55)

static uint64_t desc_base(uint64_t d)
{
	return ((d >> 16) & 0xffffff) | ((d >> 56) << 24);
}

static uint64_t desc_limit(uint64_t d)
{
	uint64_t limit = (d & 0xffff) | (((d >> 48) & 0xf) << 16);

	return (d & D_G) ? limit << 12 | 0xfff : limit;
}

/* A 16- or 32-bit descriptor (i = 1..4). */
static const char *legacy_problem(unsigned i, uint64_t d)
{
	int code = i % 2 == 1, big = i >= 3;

	if (!(d & D_P) || !(d & D_S) || (d & D_DPL))
		return "not a present DPL-0 code/data descriptor";
	if (!!(d & D_CODE) != code)
		return code ? "not a code segment" : "not a data segment";
	if (!(d & D_RW))
		return code ? "code segment not readable" : "data segment not writable";
	if ((d & D_L) || !!(d & D_DB) != big)
		return big ? "not 32-bit (D/B clear or L set)" : "not 16-bit (D/B or L set)";
	if (desc_base(d) != 0)
		return "base is not 0";
	if (desc_limit(d) != (big ? 0xffffffffull : 0xffffull))
		return big ? "limit is not 0xffffffff" : "limit is not 0xffff";
	return 0;
}

const char *lc_gdt_problem(unsigned i, uint64_t d)
{
	const char *why;

	switch (i) {
	case 0:
		return d ? "null descriptor is not 0" : 0;
	case 1: case 2: case 3: case 4:
		return legacy_problem(i, d);
	case 5:
		why = gdt_code64_problem(d);
		return why ? why : (d & D_RW) ? 0 : "code segment not readable";
	case 6:
		why = gdt_data_problem(d);
		return why;
	}
	return "no such descriptor in the protocol's list";
}

const char *lc_pat_problem(uint64_t pat)
{
	/* Memory types: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-. */
	static const uint8_t want[6] = { 6, 4, 7, 0, 5, 1 };
	static const char *const why[6] = {
		"PAT0 is not WB", "PAT1 is not WT", "PAT2 is not UC-",
		"PAT3 is not UC", "PAT4 is not WP", "PAT5 is not WC",
	};
	unsigned i;

	for (i = 0; i < 6; i++)
		if (((pat >> (8 * i)) & 0xff) != want[i])
			return why[i];
	return 0;
}

unsigned lc_pte_pat_index(uint64_t pte, int large)
{
	unsigned pwt = (pte >> 3) & 1, pcd = (pte >> 4) & 1;
	unsigned pat = (pte >> (large ? 12 : 7)) & 1;

	return pat << 2 | pcd << 1 | pwt;
}

/* ---- files ------------------------------------------------------------------------ */

int lc_uuid_is_zero(const struct lp_uuid *u)
{
	unsigned i;

	if (u->a || u->b || u->c)
		return 0;
	for (i = 0; i < 8; i++)
		if (u->d[i])
			return 0;
	return 1;
}

static char *put_hex(char *o, uint64_t v, int digits)
{
	while (digits--)
		*o++ = "0123456789ABCDEF"[(v >> (4 * digits)) & 15];
	return o;
}

void lc_uuid_format(char out[37], const struct lp_uuid *u)
{
	char *o = out;
	int i;

	o = put_hex(o, u->a, 8);
	*o++ = '-';
	o = put_hex(o, u->b, 4);
	*o++ = '-';
	o = put_hex(o, u->c, 4);
	*o++ = '-';
	for (i = 0; i < 8; i++) {
		if (i == 2)
			*o++ = '-';
		o = put_hex(o, u->d[i], 2);
	}
	*o = 0;
}

/* [off, off + len) inside a file of size bytes. */
static int inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

const char *lc_elf_problem(const uint8_t *f, uint64_t size, uint16_t want_type,
                           uint64_t want_entry)
{
	if (size < 64)
		return "shorter than an ELF64 header";
	if (!bytes_eq(f, "\x7f" "ELF", 4))
		return "no ELF magic";
	if (f[4] != 2 || f[5] != 1 || f[6] != 1)
		return "not ELF64 little-endian version 1";
	if (get16(f + 18) != 62)
		return "e_machine is not x86-64 (62)";
	if (get16(f + 16) != want_type)
		return "e_type is not this kernel's";
	if (get64(f + 24) != want_entry)
		return "e_entry is not this kernel's";
	if (get16(f + 54) < 56 || !inside(get64(f + 32), (uint64_t)get16(f + 56) * get16(f + 54), size))
		return "program headers outside the file";
	if (!inside(get64(f + 40), (uint64_t)get16(f + 60) * get16(f + 58), size))
		return "section headers outside the file";
	return 0;
}

uint64_t lc_elf_entry(const uint8_t *f)
{
	return get64(f + 24);
}

int lc_elf_exec_segment(const uint8_t *f, uint64_t size, uint64_t *offset,
                        uint64_t *vaddr, uint64_t *filesz)
{
	uint64_t phoff = get64(f + 32), i;
	uint16_t n = get16(f + 56), es = get16(f + 54);

	for (i = 0; i < n; i++) {
		const uint8_t *ph = f + phoff + i * es;

		if (get32(ph) != 1 || !(get32(ph + 4) & 1))
			continue;
		*offset = get64(ph + 8);
		*vaddr = get64(ph + 16);
		*filesz = get64(ph + 32);
		return inside(*offset, *filesz, size);
	}
	return 0;
}

uint64_t lc_elf_extent(const uint8_t *f)
{
	uint64_t phoff = get64(f + 32), i, end;
	uint16_t n = get16(f + 56), es = get16(f + 54);

	end = phoff + (uint64_t)n * es;
	if (get64(f + 40) + (uint64_t)get16(f + 60) * get16(f + 58) > end)
		end = get64(f + 40) + (uint64_t)get16(f + 60) * get16(f + 58);
	for (i = 0; i < n; i++) {
		const uint8_t *ph = f + phoff + i * es;

		if (get64(ph + 8) + get64(ph + 32) > end)
			end = get64(ph + 8) + get64(ph + 32);
	}
	return end;
}

int lc_sibling_path(char *dst, uint64_t dstsize, const char *path, const char *name)
{
	uint64_t slash = 0, i, o = 0;

	for (i = 0; path[i]; i++)
		if (path[i] == '/')
			slash = i + 1;
	for (i = 0; i < slash; i++) {
		if (o + 1 >= dstsize)
			return 0;
		dst[o++] = path[i];
	}
	for (i = 0; name[i]; i++) {
		if (o + 1 >= dstsize)
			return 0;
		dst[o++] = name[i];
	}
	if (o >= dstsize)
		return 0;
	dst[o] = 0;
	return 1;
}

int lc_printable(const char *s, uint64_t max)
{
	uint64_t i;

	for (i = 0; i < max; i++) {
		if (s[i] == 0)
			return 1;
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	}
	return 0;
}

/* ---- stacks ------------------------------------------------------------------------- */

const char *lc_stacks_problem(const uint64_t *rsp, uint64_t n, uint64_t size,
                              uint64_t *bad)
{
	uint64_t i, j;

	for (i = 0; i < n; i++) {
		*bad = i;
		if (rsp[i] % 16 != 8)
			return "RSP is not 16-byte aligned minus 8 (after the return address)";
		for (j = 0; j < i; j++) {
			uint64_t d = rsp[i] > rsp[j] ? rsp[i] - rsp[j] : rsp[j] - rsp[i];

			if (d < size)
				return "two CPUs' stacks are closer than the stack size";
		}
	}
	return 0;
}
