/*
 * mbchecks.c - the Multiboot test kernels' pure checks (see mbchecks.h).
 * Built three ways: -m32 into the i386 kernels, x86-64 into the EFI amd64
 * kernel, and for the host with ASan and UBSan into host_test.  All
 * arithmetic on addresses is 64-bit; reads of fields that may be
 * unaligned go through a byte copy.
 */
#include "mbchecks.h"

static uint64_t align8(uint64_t x)
{
	return (x + 7) & ~7ull;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof v);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof v);
	return v;
}

/* ---- the Multiboot2 information structure ----------------------------- */

/* 1 when the string payload [8, size) holds a NUL. */
static int has_nul(const struct mb2_tag *t, uint32_t from)
{
	const char *s = (const char *)t;
	uint32_t i;

	for (i = from; i < t->size; i++)
		if (s[i] == '\0')
			return 1;
	return 0;
}

static const char *mmap_tag_problem(const struct mb2_tag *t)
{
	const struct mb2_tag_mmap *m = (const void *)t;

	if (t->size < sizeof *m)
		return "memory map tag shorter than 16 bytes";
	if (m->entry_size != sizeof(struct mb2_mmap_entry))
		return "memory map entry_size is not 24";
	if (m->entry_version != 0)
		return "memory map entry_version is not 0";
	if ((t->size - sizeof *m) % m->entry_size)
		return "memory map tag size is not 16 plus whole entries";
	return 0;
}

static const char *efi_mmap_tag_problem(const struct mb2_tag *t)
{
	const struct mb2_tag_efi_mmap *m = (const void *)t;

	if (t->size < sizeof *m)
		return "EFI memory map tag shorter than 16 bytes";
	if (m->descriptor_size < sizeof(struct efi_memory_descriptor))
		return "EFI memory map descriptor_size below 40";
	if (m->descriptor_size % 8)
		return "EFI memory map descriptor_size not a multiple of 8";
	if ((t->size - sizeof *m) % m->descriptor_size)
		return "EFI memory map tag size is not 16 plus whole descriptors";
	return 0;
}

static const char *fb_tag_problem(const struct mb2_tag *t)
{
	const struct mb2_tag_framebuffer *f = (const void *)t;

	if (t->size < __builtin_offsetof(struct mb2_tag_framebuffer, red_pos))
		return "framebuffer tag shorter than its common part (32 bytes)";
	if (f->fb_type == MB_FB_TYPE_RGB && t->size < sizeof *f)
		return "RGB framebuffer tag shorter than 38 bytes (no color_info)";
	return 0;
}

const char *mb2_tag_problem(const struct mb2_tag *t)
{
	if (t->size < 8)
		return "tag size below 8";
	switch (t->type) {
	case MB2_TAG_END:
		return t->size == 8 ? 0 : "end tag size is not 8";
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME:
		return has_nul(t, 8) ? 0 : "string tag without a NUL inside its size";
	case MB2_TAG_MODULE:
		if (t->size < sizeof(struct mb2_tag_module) + 1)
			return "module tag shorter than 17 bytes";
		if (((const struct mb2_tag_module *)t)->mod_end <
		    ((const struct mb2_tag_module *)t)->mod_start)
			return "module mod_end below mod_start";
		return has_nul(t, sizeof(struct mb2_tag_module)) ? 0 :
		       "module string without a NUL inside the tag";
	case MB2_TAG_BASIC_MEMINFO:
		return t->size == 16 ? 0 : "basic meminfo tag size is not 16";
	case MB2_TAG_BOOTDEV:
		return t->size == 20 ? 0 : "BIOS boot device tag size is not 20";
	case MB2_TAG_MMAP:
		return mmap_tag_problem(t);
	case MB2_TAG_FRAMEBUFFER:
		return fb_tag_problem(t);
	case MB2_TAG_EFI32_ST:
	case MB2_TAG_EFI32_IH:
		return t->size == 12 ? 0 : "EFI 32-bit pointer tag size is not 12";
	case MB2_TAG_EFI64_ST:
	case MB2_TAG_EFI64_IH:
		return t->size == 16 ? 0 : "EFI 64-bit pointer tag size is not 16";
	case MB2_TAG_SMBIOS:
		return t->size >= sizeof(struct mb2_tag_smbios) + 4 ? 0 :
		       "SMBIOS tag too short for an entry point";
	case MB2_TAG_ACPI_OLD:
		return t->size >= 8 + 20 ? 0 : "ACPI old RSDP tag shorter than 8 + 20 bytes";
	case MB2_TAG_ACPI_NEW:
		return t->size >= 8 + 36 ? 0 : "ACPI new RSDP tag shorter than 8 + 36 bytes";
	case MB2_TAG_EFI_MMAP:
		return efi_mmap_tag_problem(t);
	case MB2_TAG_EFI_BS_NOT_TERM:
		return t->size == 8 ? 0 : "boot services not terminated tag size is not 8";
	case MB2_TAG_LOAD_BASE:
		return t->size == 12 ? 0 : "load base address tag size is not 12";
	default:
		return 0;
	}
}

static const char *walk_fail(struct mb2_walk *w, uint64_t off,
                             const struct mb2_tag *t, const char *why)
{
	w->bad_offset = (uint32_t)off;
	w->bad_type = t ? t->type : 0;
	w->bad_size = t ? t->size : 0;
	return why;
}

const char *mb2_walk_problem(const void *info, struct mb2_walk *w)
{
	const struct mb2_info_head *h = info;
	const uint8_t *base = info;
	uint64_t off = sizeof *h, total = h->total_size;

	__builtin_memset(w, 0, sizeof *w);
	if (total < sizeof *h + 8)
		return walk_fail(w, 0, 0, "total_size below 16 (no room for the end tag)");
	if (total > MB2_INFO_MAX)
		return walk_fail(w, 0, 0, "total_size above 1 MiB");
	if (h->reserved != 0)
		return walk_fail(w, 4, 0, "reserved field is not zero");
	while (off + 8 <= total) {
		const struct mb2_tag *t = (const void *)(base + off);
		const char *why;

		if (t->size < 8)
			return walk_fail(w, off, t, "tag size below 8");
		if (off + t->size > total)
			return walk_fail(w, off, t, "tag runs past total_size");
		why = mb2_tag_problem(t);
		if (why)
			return walk_fail(w, off, t, why);
		if (t->type == MB2_TAG_END)
			return off + 8 == total ? 0 :
			       walk_fail(w, off, t, "end tag before total_size");
		w->ntags++;
		if (t->type > MB2_TAG_MAX) {
			w->unknown++;
		} else {
			if (w->count[t->type]++ == 0)
				w->tag[t->type] = t;
			else if (t->type != MB2_TAG_MODULE)
				return walk_fail(w, off, t, "a second tag of a type given once");
		}
		off = align8(off + t->size);
	}
	return walk_fail(w, off, 0, "no end tag within total_size");
}

const struct mb2_tag_module *mb2_next_module(const void *info,
                                             const struct mb2_tag_module *after)
{
	const uint8_t *base = info;
	uint64_t total = ((const struct mb2_info_head *)info)->total_size;
	uint64_t off = after ? align8((uint64_t)((const uint8_t *)after - base) + after->size) : 8;

	while (off + 8 <= total) {
		const struct mb2_tag *t = (const void *)(base + off);

		if (t->type == MB2_TAG_END || t->size < 8)
			return 0;
		if (t->type == MB2_TAG_MODULE)
			return (const void *)t;
		off = align8(off + t->size);
	}
	return 0;
}

char *mb_tags_text(char *buf, size_t size, uint64_t mask)
{
	size_t n = 0;
	unsigned type;

	if (!size)
		return buf;
	for (type = 0; type < 64; type++) {
		char digits[3];
		int nd = 0;

		if (!(mask & (1ull << type)))
			continue;
		if (type >= 10)
			digits[nd++] = (char)('0' + type / 10);
		digits[nd++] = (char)('0' + type % 10);
		if (n + (n ? 1 : 0) + (size_t)nd + 1 > size)
			break;
		if (n)
			buf[n++] = ',';
		__builtin_memcpy(buf + n, digits, (size_t)nd);
		n += (size_t)nd;
	}
	buf[n] = '\0';
	return buf;
}

/* ---- memory maps ------------------------------------------------------- */

uint32_t mb2_mmap_collect(const struct mb2_tag_mmap *t, struct mb_range *out,
                          uint32_t cap)
{
	const uint8_t *p = (const uint8_t *)(t + 1);
	uint32_t n = (t->size - (uint32_t)sizeof *t) / t->entry_size, i;

	for (i = 0; i < n && i < cap; i++, p += t->entry_size) {
		out[i].base = rd64(p);
		out[i].length = rd64(p + 8);
		out[i].type = rd32(p + 16);
	}
	return n;
}

const char *mb1_mmap_problem(const uint8_t *buf, uint32_t length,
                             struct mb_range *out, uint32_t cap, uint32_t *n,
                             uint32_t *bad_off)
{
	uint64_t off = 0;

	*n = 0;
	while (off < length) {
		uint32_t size;

		*bad_off = (uint32_t)off;
		if (off + 4 > length)
			return "a partial size field at the end of mmap_length";
		size = rd32(buf + off);
		if (size < 20)
			return "an entry whose size field is below 20";
		if (off + 4 + size > length)
			return "an entry running past mmap_length";
		if (*n < cap) {
			out[*n].base = rd64(buf + off + 4);
			out[*n].length = rd64(buf + off + 12);
			out[*n].type = rd32(buf + off + 20);
		}
		(*n)++;
		off += 4 + (uint64_t)size;
	}
	return 0;
}

const char *mb_mmap_problem(const struct mb_range *m, uint32_t n, uint32_t *bad)
{
	uint32_t i;

	*bad = 0;
	if (n == 0)
		return "the map has no entries";
	for (i = 0; i < n; i++) {
		*bad = i;
		if (m[i].length == 0)
			return "an entry of length 0";
		if (m[i].base + m[i].length < m[i].base)
			return "an entry wrapping past 2^64";
		if (m[i].type < MB_MEM_AVAILABLE || m[i].type > MB_MEM_BADRAM)
			return "an entry whose type is not 1 to 5";
		if (i && m[i].base <= m[i - 1].base)
			return "entries not sorted by base";
		if (i && m[i].base < m[i - 1].base + m[i - 1].length)
			return "an entry overlapping the one before";
	}
	return 0;
}

int mb_mmap_covers(const struct mb_range *m, uint32_t n, uint64_t base,
                   uint64_t len, uint32_t type, uint64_t *bad)
{
	uint64_t pos = base, end = base + len;
	uint32_t i;

	if (len == 0)
		return 1;
	if (end < base) {
		*bad = base;
		return 0;
	}
	for (i = 0; i < n && pos < end; i++) {
		uint64_t e_end = m[i].base + m[i].length;

		if (e_end <= pos)
			continue;
		if (m[i].base > pos || m[i].type != type)
			break;
		pos = e_end;
	}
	if (pos >= end)
		return 1;
	*bad = pos;
	return 0;
}

/* End of the type-1 memory contiguous from `from`, or `from` if none. */
static uint64_t usable_run_end(const struct mb_range *m, uint32_t n, uint64_t from)
{
	uint64_t pos = from;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t e_end = m[i].base + m[i].length;

		if (e_end <= pos)
			continue;
		if (m[i].base > pos || m[i].type != MB_MEM_AVAILABLE)
			break;
		pos = e_end;
	}
	return pos;
}

void mb_meminfo_expect(const struct mb_range *m, uint32_t n, uint32_t *lower_kib,
                       uint32_t *upper_kib)
{
	uint64_t low = usable_run_end(m, n, 0);
	uint64_t up = usable_run_end(m, n, 0x100000) - 0x100000;

	if (low > 640 * 1024)
		low = 640 * 1024;
	*lower_kib = (uint32_t)(low / 1024);
	up /= 1024;
	*upper_kib = up > UINT32_MAX ? UINT32_MAX : (uint32_t)up;
}

int mb_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (alen == 0 || blen == 0)
		return 0;
	return a < b + blen && b < a + alen;
}

/* ---- the EFI memory map against the Multiboot one ---------------------- */

uint32_t mb_efi_expected_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
	case RUNWAY_EFI_KERNEL_TYPE:
	case RUNWAY_EFI_MODULE_TYPE:
		return MB_MEM_AVAILABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MB_MEM_ACPI;
	case EFI_ACPI_MEMORY_NVS:
		return MB_MEM_NVS;
	case EFI_UNUSABLE_MEMORY:
		return MB_MEM_BADRAM;
	default:
		return 0;
	}
}

static struct efi_memory_descriptor desc_at(const uint8_t *descs, uint32_t desc_size,
                                            uint64_t i)
{
	struct efi_memory_descriptor d;

	__builtin_memcpy(&d, descs + i * desc_size, sizeof d);
	return d;
}

static int is_usable_class(uint32_t efi_type)
{
	return mb_efi_expected_type(efi_type) == MB_MEM_AVAILABLE;
}

/* 1 when every byte of [base, end) lies in descriptors that ok() accepts. */
static int efi_covered(const uint8_t *descs, uint64_t count, uint32_t desc_size,
                       uint64_t base, uint64_t end, int (*ok)(uint32_t),
                       uint64_t *bad, int64_t *bad_type)
{
	uint64_t pos = base;

	while (pos < end) {
		uint64_t i, best = pos;
		int64_t t_at = -1;

		for (i = 0; i < count; i++) {
			struct efi_memory_descriptor d = desc_at(descs, desc_size, i);
			uint64_t d_end = d.physical_start + d.number_of_pages * MB_PAGE;

			if (d.physical_start > pos || d_end <= pos)
				continue;
			if (t_at < 0)
				t_at = d.type;
			if (ok(d.type) && d_end > best)
				best = d_end;
		}
		if (best == pos) {
			*bad = pos;
			*bad_type = t_at;
			return 0;
		}
		pos = best;
	}
	return 1;
}

/* The type of the Multiboot entry holding addr, 0 when none does. */
static uint32_t mb_type_at(const struct mb_range *m, uint32_t n, uint64_t addr)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (addr >= m[i].base && addr - m[i].base < m[i].length)
			return m[i].type;
	return 0;
}

static const char *efi_desc_fail(struct mb_efi_bad *bad, uint64_t i,
                                 const struct efi_memory_descriptor *d,
                                 uint64_t addr, const char *why)
{
	bad->index = (uint32_t)i;
	bad->efi_type = d->type;
	bad->start = d->physical_start;
	bad->pages = d->number_of_pages;
	bad->addr = addr;
	return why;
}

/* Each descriptor on its own: shape, and where the Multiboot map puts it. */
static const char *efi_desc_problem(const struct efi_memory_descriptor *d,
                                    const struct mb_range *m, uint32_t n,
                                    uint64_t *addr)
{
	uint64_t len = d->number_of_pages * MB_PAGE, j;
	uint32_t want = mb_efi_expected_type(d->type);

	*addr = d->physical_start;
	if (d->number_of_pages == 0)
		return "an EFI descriptor with no pages";
	if (d->physical_start % MB_PAGE)
		return "an EFI descriptor whose start is not page-aligned";
	if (d->number_of_pages > (UINT64_MAX - d->physical_start) / MB_PAGE)
		return "an EFI descriptor wrapping past 2^64";
	if (want)
		return mb_mmap_covers(m, n, d->physical_start, len, want, addr) ? 0 :
		       "an EFI descriptor not inside Multiboot entries of the type it maps to";
	for (j = 0; j < n; j++) {
		if (m[j].type == MB_MEM_AVAILABLE &&
		    mb_overlap(m[j].base, m[j].length, d->physical_start, len)) {
			*addr = m[j].base > d->physical_start ? m[j].base : d->physical_start;
			return "an EFI descriptor of a type that is not usable memory overlaps a type-1 entry";
		}
	}
	return 0;
}

const char *mb_efi_map_problem(const uint8_t *descs, uint64_t bytes,
                               uint32_t desc_size, const struct mb_range *m,
                               uint32_t n, struct mb_efi_bad *bad)
{
	uint64_t count, i;

	__builtin_memset(bad, 0, sizeof *bad);
	if (desc_size < sizeof(struct efi_memory_descriptor))
		return "EFI descriptor size below 40";
	count = bytes / desc_size;
	for (i = 0; i < count; i++) {
		struct efi_memory_descriptor d = desc_at(descs, desc_size, i);
		uint64_t addr;
		const char *why = efi_desc_problem(&d, m, n, &addr);

		if (why) {
			bad->mb_type = mb_type_at(m, n, addr);
			return efi_desc_fail(bad, i, &d, addr, why);
		}
	}
	for (i = 0; i < n; i++) {
		uint64_t addr;
		int64_t t;

		if (m[i].type != MB_MEM_AVAILABLE)
			continue;
		if (!efi_covered(descs, count, desc_size, m[i].base, m[i].base + m[i].length,
		                 is_usable_class, &addr, &t)) {
			bad->index = (uint32_t)i;
			bad->efi_type = (uint32_t)t;
			bad->start = m[i].base;
			bad->pages = m[i].length / MB_PAGE;
			bad->addr = addr;
			bad->mb_type = MB_MEM_AVAILABLE;
			return t < 0 ? "a type-1 entry has memory no EFI descriptor lists" :
			       "a type-1 entry has memory of an EFI type that is not usable";
		}
	}
	return 0;
}

int64_t mb_efi_type_at(const uint8_t *descs, uint64_t bytes, uint32_t desc_size,
                       uint64_t addr)
{
	uint64_t i, count = desc_size ? bytes / desc_size : 0;

	for (i = 0; i < count; i++) {
		struct efi_memory_descriptor d = desc_at(descs, desc_size, i);

		if (addr >= d.physical_start &&
		    addr - d.physical_start < d.number_of_pages * MB_PAGE)
			return d.type;
	}
	return -1;
}

int mb_efi_covers(const uint8_t *descs, uint64_t bytes, uint32_t desc_size,
                  uint64_t base, uint64_t len, int (*ok)(uint32_t type),
                  uint64_t *bad, int64_t *bad_type)
{
	uint64_t start = base & ~(MB_PAGE - 1);
	uint64_t count = desc_size ? bytes / desc_size : 0;

	if (len == 0)
		return 1;
	return efi_covered(descs, count, desc_size, start, base + len, ok, bad, bad_type);
}

/* ---- firmware tables ---------------------------------------------------- */

uint8_t mb_sum8(const uint8_t *p, uint64_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

const char *mb_rsdp_problem(const uint8_t *p, uint64_t avail, int v2)
{
	uint32_t length;

	if (avail < 20)
		return "shorter than the 20-byte ACPI 1.0 RSDP";
	if (__builtin_memcmp(p, "RSD PTR ", 8))
		return "signature is not \"RSD PTR \"";
	if (mb_sum8(p, 20))
		return "checksum over the first 20 bytes is not zero";
	if (!v2)
		return 0;
	if (avail < 36)
		return "shorter than the 36-byte ACPI 2.0 RSDP";
	if (p[15] < 2)
		return "revision below 2 in the new RSDP tag";
	length = rd32(p + 20);
	if (length < 36)
		return "length field below 36";
	if (length > avail)
		return "length field larger than the tag's copy";
	if (mb_sum8(p, length))
		return "extended checksum over length bytes is not zero";
	return 0;
}

const char *mb_smbios_problem(const struct mb2_tag_smbios *t)
{
	const uint8_t *ep = t->tables;
	uint64_t avail = t->size - sizeof *t;
	uint32_t len, major, minor;

	if (avail >= 5 && !__builtin_memcmp(ep, "_SM3_", 5)) {
		if (avail < 7)
			return "_SM3_ entry point cut short";
		len = ep[6];
		major = avail > 7 ? ep[7] : 0;
		minor = avail > 8 ? ep[8] : 0;
		if (len < 0x18)
			return "_SM3_ entry point length below 24";
	} else if (avail >= 4 && !__builtin_memcmp(ep, "_SM_", 4)) {
		if (avail < 6)
			return "_SM_ entry point cut short";
		len = ep[5];
		major = avail > 6 ? ep[6] : 0;
		minor = avail > 7 ? ep[7] : 0;
		if (len < 0x1f)
			return "_SM_ entry point length below 31";
	} else {
		return "entry point starts with neither \"_SM_\" nor \"_SM3_\"";
	}
	if (len > avail)
		return "entry point length larger than the tag's copy";
	if (mb_sum8(ep, len))
		return "entry point checksum is not zero";
	if (major != t->major || minor != t->minor)
		return "tag major/minor differ from the entry point's version";
	return 0;
}

uint32_t mb_crc32(uint32_t crc, const void *p, uint64_t len)
{
	const uint8_t *b = p;

	crc = ~crc;
	while (len--) {
		int k;

		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

const char *mb_efi_header_problem(const struct efi_table_header *h,
                                  uint64_t signature, uint32_t max_size)
{
	static const uint8_t zero[4];
	const uint8_t *p = (const void *)h;
	uint32_t crc, at = __builtin_offsetof(struct efi_table_header, crc32);

	if (h->signature != signature)
		return "signature differs";
	if (h->header_size < sizeof *h)
		return "header_size below 24";
	if (h->header_size > max_size)
		return "header_size larger than the table can be";
	crc = mb_crc32(0, p, at);
	crc = mb_crc32(crc, zero, sizeof zero);
	crc = mb_crc32(crc, p + at + 4, h->header_size - at - 4);
	return crc == h->crc32 ? 0 : "CRC32 of the header differs from its crc32 field";
}

/* ---- framebuffer -------------------------------------------------------- */

const char *mb_fb_problem(const struct mb_fb *fb, uint32_t want_w, uint32_t want_h,
                          uint32_t want_bpp)
{
	uint64_t bytes;

	if (fb->type != MB_FB_TYPE_RGB)
		return "type is not 1 (RGB)";
	if (want_w && (fb->width != want_w || fb->height != want_h))
		return "size differs from the mode asked for";
	if (want_bpp && fb->bpp != want_bpp)
		return "bits per pixel differ from the depth asked for";
	if (fb->width == 0 || fb->height == 0 || fb->bpp == 0)
		return "width, height or bpp is 0";
	if ((uint64_t)fb->pitch < (uint64_t)fb->width * ((fb->bpp + 7) / 8))
		return "pitch below width times bytes per pixel";
	if (fb->addr == 0)
		return "address is 0";
	bytes = (uint64_t)fb->pitch * fb->height;
	if (fb->addr >= (1ull << 32) || bytes > (1ull << 32) - fb->addr)
		return "framebuffer not below 4 GiB";
	return 0;
}

/* ---- strings ------------------------------------------------------------ */

int mb_starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}
