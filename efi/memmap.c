/*
 * memmap.c - firmware memory map snapshots and the firmware side of the
 * mm/ seam (DESIGN.md step 1).
 *
 * The map's size changes as pool memory is allocated, so the buffer is
 * grown with slack; the final snapshot before ExitBootServices reuses the
 * buffer and must not allocate (UEFI 2.10 section 7.4, ExitBootServices).
 */
#include "loader.h"

/* Room for this many more descriptors than asked for. */
#define MAP_SLACK_DESCS 32

EFI_STATUS map_snapshot_noalloc(struct efi_map *m)
{
	m->size = m->cap;
	return uefi_call_wrapper(BS->GetMemoryMap, 5, &m->size,
				 (EFI_MEMORY_DESCRIPTOR *)m->buf, &m->key,
				 &m->desc_size, &m->desc_ver);
}

EFI_STATUS map_snapshot(struct efi_map *m)
{
	for (int tries = 0; tries < 8; tries++) {
		EFI_STATUS st = map_snapshot_noalloc(m);
		if (st != EFI_BUFFER_TOO_SMALL)
			return st;
		/* m->size now holds the size needed; the pool allocation
		 * below may itself add descriptors, hence the slack. */
		if (m->buf)
			FreePool(m->buf);
		m->cap = m->size + MAP_SLACK_DESCS * (m->desc_size ? m->desc_size : 64);
		m->buf = AllocatePool(m->cap);
		if (!m->buf) {
			m->cap = 0;
			return EFI_OUT_OF_RESOURCES;
		}
	}
	return EFI_BUFFER_TOO_SMALL;
}

EFI_STATUS map_reserve(struct efi_map *m, UINTN descs)
{
	UINTN want = descs * m->desc_size;

	if (want > m->cap) {
		void *buf = AllocatePool(want);
		if (!buf)
			return EFI_OUT_OF_RESOURCES;
		if (m->buf)
			FreePool(m->buf);
		m->buf = buf;
		m->cap = want;
	}
	return map_snapshot(m);
}

void map_free(struct efi_map *m)
{
	if (m->buf)
		FreePool(m->buf);
	m->buf = NULL;
	m->cap = m->size = 0;
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

static uint64_t fw_claim(void *ctx, uint64_t base, uint64_t pages,
			 enum mm_kind kind)
{
	EFI_PHYSICAL_ADDRESS addr = base;

	(void)ctx;
	return uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress,
				 efi_type_of(kind), pages, &addr);
}

static void fw_release(void *ctx, uint64_t base, uint64_t pages)
{
	(void)ctx;
	uefi_call_wrapper(BS->FreePages, 2, base, pages);
}

static const char *fw_status_name(uint64_t st)
{
	return efi_status_name(st);
}

const struct mm_fw efi_mm_fw = {
	.claim = fw_claim,
	.release = fw_release,
	.status_name = fw_status_name,
};
