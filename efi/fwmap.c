/*
 * fwmap.c - the firmware's memory map: snapshots, the firmware side of
 * the mm/ seam, and the map dumps (DESIGN.md step 4).
 *
 * The map's size changes as pool memory is allocated, so the buffer is
 * grown with slack; the final snapshot before ExitBootServices reuses the
 * buffer and must not allocate (UEFI 2.10 section 7.4, ExitBootServices).
 * Descriptors are read through fw_map_desc only: it steps by the size the
 * firmware reports and stops when that size cannot hold a descriptor.
 */
#include "loader.h"

/* Room for this many more descriptors than asked for. */
#define MAP_SLACK_DESCS 32

EFI_STATUS fw_map_snapshot_noalloc(struct fw_map *m)
{
	UINTN size = m->cap, desc_size = 0;
	UINT32 desc_ver = 0;
	EFI_STATUS st = BS->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)m->buf,
					 &m->key, &desc_size, &desc_ver);

	m->size = size;
	m->desc_size = desc_size;
	m->desc_ver = desc_ver;
	return st;
}

EFI_STATUS fw_map_snapshot(struct fw_map *m)
{
	for (int tries = 0; tries < 8; tries++) {
		EFI_STATUS st = fw_map_snapshot_noalloc(m);
		if (st != EFI_BUFFER_TOO_SMALL)
			return st;
		/* m->size now holds the size needed; the pool allocation
		 * below may itself add descriptors, hence the slack. */
		if (m->buf)
			FreePool(m->buf);
		m->cap = m->size + MAP_SLACK_DESCS *
			 (m->desc_size ? m->desc_size : sizeof(struct mm_efi_desc));
		m->buf = AllocatePool(m->cap);
		if (!m->buf) {
			m->cap = 0;
			return EFI_OUT_OF_RESOURCES;
		}
	}
	return EFI_BUFFER_TOO_SMALL;
}

EFI_STATUS fw_map_reserve(struct fw_map *m, size_t descs)
{
	size_t want = descs * m->desc_size;

	if (want > m->cap) {
		void *buf = AllocatePool(want);
		if (!buf)
			return EFI_OUT_OF_RESOURCES;
		if (m->buf)
			FreePool(m->buf);
		m->buf = buf;
		m->cap = want;
	}
	return fw_map_snapshot(m);
}

void fw_map_free(struct fw_map *m)
{
	if (m->buf)
		FreePool(m->buf);
	m->buf = NULL;
	m->cap = m->size = 0;
}

uint64_t fw_map_free_bytes(const struct fw_map *m)
{
	return mm_efi_free_bytes(m->buf, m->size, m->desc_size);
}

/*
 * The snapshot buffer of the leak accounting, allocated at the first count
 * with room to spare and kept: it is loader data itself, and every count
 * must include it alike (a buffer allocated per count would be counted
 * with whatever size the map had then).
 */
static struct fw_map acct;

uint64_t fw_claimed_pages(void)
{
	const struct mm_efi_desc *d;
	uint64_t pages = 0;
	EFI_STATUS st = acct.buf ? fw_map_snapshot_noalloc(&acct) : EFI_BUFFER_TOO_SMALL;

	if (st == EFI_BUFFER_TOO_SMALL) {
		st = fw_map_snapshot(&acct);
		if (!EFI_ERROR(st))
			st = fw_map_reserve(&acct, 2 * fw_map_count(&acct) + 64);
	}
	if (EFI_ERROR(st))
		return 0;
	/* Pool memory is loader data: a buffer never freed is a leak too. */
	for (size_t i = 0; (d = fw_map_desc(&acct, i)); i++)
		if (d->type == MM_EFI_LOADER_CODE || d->type == MM_EFI_LOADER_DATA ||
		    d->type == MM_EFI_RUNWAY_KERNEL ||
		    d->type == MM_EFI_RUNWAY_MODULE)
			pages += d->pages;
	return pages;
}

void fw_claimed_pages_done(void)
{
	fw_map_free(&acct);
}

/* The firmware's descriptors as reported: tests/data/ keeps such captures. */
void fw_map_dump(const struct fw_map *m)
{
	const struct mm_efi_desc *d;

	log_event("fwmap desc_size=%zu desc_version=%u count=%zu\n",
		  m->desc_size, m->desc_ver, fw_map_count(m));
	for (size_t i = 0; (d = fw_map_desc(m, i)); i++)
		log_event("fwmap type=%u base=0x%" PRIx64 " pages=%" PRIu64
			  " attr=0x%" PRIx64 "\n",
			  d->type, d->phys_start, d->pages, d->attribute);
}

void fw_regions_dump(const struct mm_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_event("map base=0x%" PRIx64 " end=0x%" PRIx64 " pages=%" PRIu64
			  " kind=%s src=%u\n",
			  r[i].base, r[i].end, (r[i].end - r[i].base) >> MM_PAGE_SHIFT,
			  mm_kind_name(r[i].kind), r[i].src);
}

static EFI_MEMORY_TYPE efi_type_of(enum mm_kind kind)
{
	switch (kind) {
	case MM_KERNEL:
		return (EFI_MEMORY_TYPE)MM_EFI_RUNWAY_KERNEL;
	case MM_MODULE:
		return (EFI_MEMORY_TYPE)MM_EFI_RUNWAY_MODULE;
	default:
		/* Loader claims hold the hand-off code, which runs before the
		 * switch to Runway's tables: firmware that enforces NX on data
		 * types must see it as code. */
		return EfiLoaderCode;
	}
}

static uint64_t claim_ticks;

uint64_t fw_claim_ticks(void)
{
	return claim_ticks;
}

static uint64_t fw_claim(void *ctx, uint64_t base, uint64_t pages,
			 enum mm_kind kind)
{
	EFI_PHYSICAL_ADDRESS addr = base;
	uint64_t t = tsc_now();

	(void)ctx;
	EFI_STATUS st = BS->AllocatePages(AllocateAddress, efi_type_of(kind), pages, &addr);
	claim_ticks += tsc_now() - t;
	return st;
}

static void fw_release(void *ctx, uint64_t base, uint64_t pages)
{
	(void)ctx;
	BS->FreePages(base, pages);
}

/* Filled here, not by a static initializer: a function pointer there
 * would be a relocation in the image (the code's addresses are relative). */
const struct mm_fw *efi_mm_fw(void)
{
	static struct mm_fw fw;

	fw.claim = fw_claim;
	fw.release = fw_release;
	fw.status_name = efi_status_name;
	return &fw;
}
