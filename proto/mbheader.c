/*
 * mbheader.c - Multiboot2 and Multiboot (1) headers: find one in the
 * first bytes of a file, check its checksum and every tag, and describe
 * an address-tag image.  Written from the Multiboot2 Specification 2.0
 * (section 3.1) and the Multiboot Specification 0.6.96 (section 3.1).
 */
#include "multiboot.h"

#include <string.h>

#include "runway/boot.h"

#define PAGE UINT64_C(4096)

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

const char *mb2_tag_name(uint32_t type)
{
	static const char *const names[MB2_IT_COUNT] = {
		[MB2_IT_END] = "end",
		[MB2_IT_CMDLINE] = "command line",
		[MB2_IT_LOADER_NAME] = "boot loader name",
		[MB2_IT_MODULE] = "modules",
		[MB2_IT_BASIC_MEMINFO] = "basic memory information",
		[MB2_IT_BOOTDEV] = "BIOS boot device",
		[MB2_IT_MMAP] = "memory map",
		[MB2_IT_VBE] = "VBE information",
		[MB2_IT_FRAMEBUFFER] = "framebuffer",
		[MB2_IT_ELF_SECTIONS] = "ELF sections",
		[MB2_IT_APM] = "APM table",
		[MB2_IT_EFI32] = "EFI 32-bit system table",
		[MB2_IT_EFI64] = "EFI 64-bit system table",
		[MB2_IT_SMBIOS] = "SMBIOS tables",
		[MB2_IT_ACPI_OLD] = "ACPI old RSDP",
		[MB2_IT_ACPI_NEW] = "ACPI new RSDP",
		[MB2_IT_NETWORK] = "networking information",
		[MB2_IT_EFI_MMAP] = "EFI memory map",
		[MB2_IT_EFI_BS] = "EFI boot services not terminated",
		[MB2_IT_EFI32_IH] = "EFI 32-bit image handle",
		[MB2_IT_EFI64_IH] = "EFI 64-bit image handle",
		[MB2_IT_LOAD_BASE] = "image load base address",
	};

	return type < MB2_IT_COUNT ? names[type] : "unknown";
}

uint32_t mb_mem_type(uint32_t kind)
{
	switch (kind) {
	case MM_USABLE:
	case MM_BOOT_SERVICES:
	case MM_LOADER:
	case MM_KERNEL:
	case MM_MODULE:
		/* The kernel, its modules and this information are the
		 * kernel's to keep clear of (both specifications say so). */
		return MB_MEM_AVAILABLE;
	case MM_ACPI_RECLAIM:
		return MB_MEM_ACPI_RECLAIMABLE;
	case MM_ACPI_NVS:
		return MB_MEM_NVS;
	case MM_BAD:
		return MB_MEM_BAD;
	default:
		return MB_MEM_RESERVED;
	}
}

bool mb_probe(int version, const uint8_t *head, size_t len)
{
	uint32_t magic = version == 2 ? MB2_HEADER_MAGIC : MB1_HEADER_MAGIC;
	size_t step = version == 2 ? 8 : 4;

	size_t min = version == 2 ? 16 : 12;  /* the fixed fields */

	for (size_t off = 0; off + min <= len; off += step)
		if (u32(head + off) == magic)
			return true;
	return false;
}

/* ---- Multiboot2 ---- */

/* One header tag of size `size` at head[at]; adds what it says to h. */
static int mb2_tag(struct mb_header *h, const uint8_t *t, uint32_t size,
		   uint64_t at, const char *path, struct rw_err *err)
{
	uint16_t type = u16(t), flags = u16(t + 2);
	bool optional = flags & MB2_HT_OPTIONAL;
	/* The smallest size each known tag type may have. */
	static const uint32_t min_size[] = {
		[MB2_HT_END] = 8, [MB2_HT_INFO_REQUEST] = 8,
		[MB2_HT_ADDRESS] = 24, [MB2_HT_ENTRY] = 12,
		[MB2_HT_CONSOLE_FLAGS] = 12, [MB2_HT_FRAMEBUFFER] = 20,
		[MB2_HT_MODULE_ALIGN] = 8, [MB2_HT_EFI_BS] = 8,
		[MB2_HT_EFI_I386_ENTRY] = 12, [MB2_HT_EFI_AMD64_ENTRY] = 12,
		[MB2_HT_RELOCATABLE] = 24,
	};

	if (type > MB2_HT_RELOCATABLE) {
		if (optional)
			return 0;
		return rw_fail(err, "%s: Multiboot2 header tag type %u at offset %" PRIu64 " is not one Runway knows, and its flags (0x%x) do not mark it optional",
			       path, type, at, flags);
	}
	if (size < min_size[type])
		return rw_fail(err, "%s: Multiboot2 header tag type %u at offset %" PRIu64 " has size %u, below %u",
			       path, type, at, size, min_size[type]);
	switch (type) {
	case MB2_HT_INFO_REQUEST:
		for (uint32_t o = 8; o + 4 <= size; o += 4) {
			if (h->nrequests == MB_REQUESTS_MAX)
				return rw_fail(err, "%s: Multiboot2 information request at offset %" PRIu64 " asks for more than %d tags",
					       path, at, MB_REQUESTS_MAX);
			h->request_optional[h->nrequests] = optional;
			h->request[h->nrequests++] = u32(t + o);
		}
		break;
	case MB2_HT_ADDRESS:
		h->has_addr = true;
		h->header_addr = u32(t + 8);
		h->load_addr = u32(t + 12);
		h->load_end_addr = u32(t + 16);
		h->bss_end_addr = u32(t + 20);
		break;
	case MB2_HT_ENTRY:
		h->has_entry = true;
		h->entry = u32(t + 8);
		break;
	case MB2_HT_CONSOLE_FLAGS:
		h->has_console_flags = true;
		h->console_flags = u32(t + 8);
		break;
	case MB2_HT_FRAMEBUFFER:
		h->has_fb = true;
		h->fb_optional = optional;
		h->fb_width = u32(t + 8);
		h->fb_height = u32(t + 12);
		h->fb_depth = u32(t + 16);
		break;
	case MB2_HT_MODULE_ALIGN:
		h->module_align = true;
		break;
	case MB2_HT_EFI_BS:
		h->keep_bs = true;
		break;
	case MB2_HT_EFI_I386_ENTRY:
		h->has_efi32_entry = true;
		break;
	case MB2_HT_EFI_AMD64_ENTRY:
		h->has_efi64_entry = true;
		h->efi64_entry = u32(t + 8);
		break;
	case MB2_HT_RELOCATABLE:
		h->has_reloc = true;
		h->reloc_min = u32(t + 8);
		h->reloc_max = u32(t + 12);
		h->reloc_align = u32(t + 16);
		h->reloc_prefer = u32(t + 20);
		if (h->reloc_prefer > MB2_PREFER_HIGH)
			return rw_fail(err, "%s: Multiboot2 relocatable tag at offset %" PRIu64 ": preference %u is not 0, 1 or 2",
				       path, at, h->reloc_prefer);
		if (h->reloc_align & (h->reloc_align - 1))
			return rw_fail(err, "%s: Multiboot2 relocatable tag at offset %" PRIu64 ": align 0x%x is not a power of two",
				       path, at, h->reloc_align);
		if (h->reloc_min > h->reloc_max)
			return rw_fail(err, "%s: Multiboot2 relocatable tag at offset %" PRIu64 ": min_addr 0x%x is above max_addr 0x%x",
				       path, at, h->reloc_min, h->reloc_max);
		break;
	default:
		break;
	}
	return 0;
}

static int mb2_check(const uint8_t *head, size_t len, uint64_t off,
		     const char *path, struct mb_header *h, struct rw_err *err)
{
	uint32_t arch = u32(head + off + 4), hlen = u32(head + off + 8);
	uint32_t sum = MB2_HEADER_MAGIC + arch + hlen + u32(head + off + 12);

	if (sum != 0)
		return rw_fail(err, "%s: Multiboot2 header at offset %" PRIu64 ": checksum 0x%08x does not cancel magic + architecture + header_length (the sum is 0x%08x, not 0)",
			       path, off, u32(head + off + 12), sum);
	if (arch != MB2_ARCH_I386)
		return rw_fail(err, "%s: Multiboot2 header at offset %" PRIu64 ": architecture %u is not 0 (i386)",
			       path, off, arch);
	if (hlen < 24 || hlen > len - off)
		return rw_fail(err, "%s: Multiboot2 header at offset %" PRIu64 ": header_length %u does not fit the first %d bytes (it must hold its end tag)",
			       path, off, hlen, MB2_WINDOW);
	*h = (struct mb_header){ .version = 2, .offset = off, .length = hlen };
	for (uint64_t at = 16; at < hlen;) {
		const uint8_t *t = head + off + at;
		if (hlen - at < 8)
			return rw_fail(err, "%s: Multiboot2 header tag at offset %" PRIu64 " is cut by header_length %u",
				       path, off + at, hlen);
		uint32_t size = u32(t + 4);
		if (size < 8 || size > hlen - at)
			return rw_fail(err, "%s: Multiboot2 header tag type %u at offset %" PRIu64 " has size %u, outside the header (header_length %u)",
				       path, u16(t), off + at, size, hlen);
		if (u16(t) == MB2_HT_END)
			return 0;
		if (mb2_tag(h, t, size, off + at, path, err))
			return -1;
		at += (size + 7) & ~7u;
	}
	return rw_fail(err, "%s: Multiboot2 header at offset %" PRIu64 " has no end tag within header_length %u",
		       path, off, hlen);
}

/* ---- Multiboot (1) ---- */

static int mb1_check(const uint8_t *head, size_t len, uint64_t off,
		     const char *path, struct mb_header *h, struct rw_err *err)
{
	const uint8_t *p = head + off;
	uint32_t flags = u32(p + 4), sum = MB1_HEADER_MAGIC + flags + u32(p + 8);

	if (sum != 0)
		return rw_fail(err, "%s: Multiboot header at offset %" PRIu64 ": checksum 0x%08x does not cancel magic + flags (the sum is 0x%08x, not 0)",
			       path, off, u32(p + 8), sum);
	uint32_t unknown = flags & 0xffff & ~MB1_HF_KNOWN_REQUIRED;
	if (unknown)
		return rw_fail(err, "%s: Multiboot header at offset %" PRIu64 ": flags 0x%08x ask for bits 0x%04x, which Runway does not know (bits 0-15 must be understood)",
			       path, off, flags, unknown);
	*h = (struct mb_header){ .version = 1, .offset = off, .length = 12,
				 .flags = flags,
				 .module_align = flags & MB1_HF_PAGE_ALIGN };
	if (flags & MB1_HF_ADDRESS) {
		if (len - off < 32)
			return rw_fail(err, "%s: Multiboot header at offset %" PRIu64 ": its address fields lie past the first %d bytes",
				       path, off, MB1_WINDOW);
		h->length = 32;
		h->has_addr = true;
		h->header_addr = u32(p + 12);
		h->load_addr = u32(p + 16);
		h->load_end_addr = u32(p + 20);
		h->bss_end_addr = u32(p + 24);
		h->has_entry = true;
		h->entry = u32(p + 28);
	}
	if (flags & MB1_HF_VIDEO) {
		if (len - off < 48)
			return rw_fail(err, "%s: Multiboot header at offset %" PRIu64 ": its video fields lie past the first %d bytes",
				       path, off, MB1_WINDOW);
		h->length = 48;
		h->has_fb = true;
		h->fb_optional = true; /* a preference (section 3.1.4) */
		h->fb_mode_type = u32(p + 32);
		h->fb_width = u32(p + 36);
		h->fb_height = u32(p + 40);
		h->fb_depth = u32(p + 44);
	}
	return 0;
}

int mb_find(int version, const uint8_t *head, size_t len, uint64_t file_size,
	    const char *path, struct mb_header *ret, struct rw_err *err)
{
	uint32_t magic = version == 2 ? MB2_HEADER_MAGIC : MB1_HEADER_MAGIC;
	size_t window = version == 2 ? MB2_WINDOW : MB1_WINDOW;
	size_t step = version == 2 ? 8 : 4;
	struct rw_err first;
	bool bad = false;

	if (len > window)
		len = window;
	if (len > file_size)
		len = (size_t)file_size;
	/* The first magic whose header checks out; else the first one's
	 * fault. */
	size_t min = version == 2 ? 16 : 12;  /* the fixed fields */

	for (size_t off = 0; off + min <= len; off += step) {
		struct mb_header h;
		if (u32(head + off) != magic)
			continue;
		int r = version == 2 ? mb2_check(head, len, off, path, &h, bad ? NULL : &first)
				     : mb1_check(head, len, off, path, &h, bad ? NULL : &first);
		if (r == 0) {
			*ret = h;
			return 1;
		}
		bad = true;
	}
	if (!bad)
		return 0;
	*err = first;
	return -1;
}

int mb_image_from_addr(const struct mb_header *h, uint64_t file_size,
		       const char *path, struct elf_image *ret_img,
		       struct rw_err *err)
{
	/* -1 as load_addr (Multiboot2): the file from its first byte. */
	uint64_t load = h->load_addr == UINT32_MAX ? h->header_addr - h->offset
						     : h->load_addr;

	if (load > h->header_addr || h->header_addr - load > h->offset)
		return rw_fail(err, "%s: Multiboot address fields: load_addr 0x%x and header_addr 0x%x put the start of the file before offset 0 (the header is at offset %" PRIu64 ")",
			       path, h->load_addr, h->header_addr, h->offset);
	uint64_t file_off = h->offset - (h->header_addr - load);
	uint64_t filesz = file_size - file_off;
	if (h->load_end_addr) {
		if (h->load_end_addr < load ||
		    h->load_end_addr - load > file_size - file_off)
			return rw_fail(err, "%s: Multiboot address fields: load_end_addr 0x%x is outside [load_addr 0x%" PRIx64 ", 0x%" PRIx64 "], what the file holds from offset %" PRIu64,
				       path, h->load_end_addr, load,
				       load + (file_size - file_off), file_off);
		filesz = h->load_end_addr - load;
	}
	uint64_t memsz = filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < load + filesz)
			return rw_fail(err, "%s: Multiboot address fields: bss_end_addr 0x%x is below the end of the loaded bytes 0x%" PRIx64,
				       path, h->bss_end_addr, load + filesz);
		memsz = h->bss_end_addr - load;
	}
	if (memsz == 0)
		return rw_fail(err, "%s: Multiboot address fields load nothing", path);
	if (load + memsz > (UINT64_C(1) << 32))
		return rw_fail(err, "%s: Multiboot address fields: 0x%" PRIx64 "..0x%" PRIx64 " ends above 4 GiB",
			       path, load, load + memsz);
	*ret_img = (struct elf_image){
		.type = ELF_ET_EXEC,
		.fixed = true,
		.vlow = load & ~(PAGE - 1),
		.vhigh = (load + memsz + PAGE - 1) & ~(PAGE - 1),
		.nseg = 1,
		.seg[0] = {
			.vaddr = load,
			.memsz = memsz,
			.offset = file_off,
			.filesz = filesz,
			.align = PAGE,
			.flags = MM_MAP_WRITE | MM_MAP_EXEC,
		},
	};
	return 0;
}
