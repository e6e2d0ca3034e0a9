/*
 * efilib.c - the few gnu-efi library functions Runway calls, written here
 * so that nothing of libefi.a is linked into the loader.
 *
 * libefi's objects come whole: asking it for FileDevicePath brought its
 * device-path printer, and with that its Print machinery, status strings
 * and GUID names - a third of the image, none of it used.  The names and
 * signatures stay those of <efilib.h>, so callers do not change.  The test
 * programs (tests/efiapp/) still link libefi; they do not link this file.
 */
#include "loader.h"

#include <string.h>

EFI_SYSTEM_TABLE *ST;
EFI_BOOT_SERVICES *BS;
EFI_RUNTIME_SERVICES *RT;

EFI_GUID gEfiDevicePathProtocolGuid = EFI_DEVICE_PATH_PROTOCOL_GUID;
EFI_GUID gEfiLoadedImageProtocolGuid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
EFI_GUID gEfiBlockIoProtocolGuid = EFI_BLOCK_IO_PROTOCOL_GUID;
EFI_GUID gEfiPxeBaseCodeProtocolGuid = EFI_PXE_BASE_CODE_PROTOCOL_GUID;
EFI_GUID gEfiSimpleFileSystemProtocolGuid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
EFI_GUID gEfiFileInfoGuid = EFI_FILE_INFO_ID;

/* Pool memory gets the type the firmware loaded Runway's data as (what
 * libefi did too), so that the leak accounting sees one type. */
static EFI_MEMORY_TYPE pool_type = EfiLoaderData;

VOID InitializeLib(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;

	ST = systab;
	BS = systab->BootServices;
	RT = systab->RuntimeServices;
	if (!EFI_ERROR(BS->HandleProtocol(image, &gEfiLoadedImageProtocolGuid,
					  (void **)&li)) && li)
		pool_type = li->ImageDataType;
}

/* clang calls these for structure copies and clears; the load path calls
 * them for whole segments, so they use the string instructions, which
 * current processors run at cache-line speed. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

/*
 * A block of a file's size (a chainloaded program, an initrd, the config's
 * 520 KiB) comes from pages: OVMF's AllocatePool and FreePool take time in
 * proportion to the block (under QEMU's TCG about 3 ms a MiB: 40 ms to
 * allocate 14 MiB of Linux, 108 ms to free it), its AllocatePages does not
 * (1 ms).  Such a block starts with its page count n and ~n, which
 * FreePool looks for before a pointer 16 bytes into a page.
 */
#define POOL_PAGES_MIN (64u << 10)

VOID *AllocatePool(UINTN size)
{
	UINTN *h = NULL, n = (size >> 12) + 2;

	if (size < POOL_PAGES_MIN) {
		if (EFI_ERROR(BS->AllocatePool(pool_type, size, (void **)&h)))
			return NULL;
		return h;
	}
	if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, pool_type, n,
					(EFI_PHYSICAL_ADDRESS *)&h)))
		return NULL;
	h[0] = n;
	h[1] = ~n;
	return h + 2;
}

VOID *AllocateZeroPool(UINTN size)
{
	void *p = AllocatePool(size);

	if (p)
		memset(p, 0, size);
	return p;
}

VOID FreePool(VOID *p)
{
	UINTN *h = (UINTN *)p - 2;

	if (((UINTN)p & 4095) == 16 && h[1] == ~h[0]) {
		h[1] = 0;
		BS->FreePages((UINTN)h, h[0]);
		return;
	}
	BS->FreePool(p);
}

/* 0 when equal, as libefi's. */
INTN CompareGuid(EFI_GUID *a, EFI_GUID *b)
{
	return memcmp(a, b, sizeof *a) != 0;
}

EFI_STATUS LibLocateProtocol(EFI_GUID *guid, VOID **ret_iface)
{
	return BS->LocateProtocol(guid, NULL, ret_iface);
}

EFI_DEVICE_PATH *DevicePathFromHandle(EFI_HANDLE h)
{
	EFI_DEVICE_PATH *dp;

	if (EFI_ERROR(BS->HandleProtocol(h, &gEfiDevicePathProtocolGuid, (void **)&dp)))
		return NULL;
	return dp;
}

/* Bytes of a device path up to its end node (not included).  A node
 * shorter than a header ends it too: no walk can go round for ever. */
static UINTN path_bytes(const EFI_DEVICE_PATH *dp)
{
	const EFI_DEVICE_PATH *p = dp;

	while (!IsDevicePathEnd(p) && (UINTN)DevicePathNodeLength(p) >= sizeof *p)
		p = NextDevicePathNode(p);
	return (UINTN)((const UINT8 *)p - (const UINT8 *)dp);
}

/* The first `bytes` of `a`, then `node` (if any), then an end node. */
static EFI_DEVICE_PATH *path_join(const EFI_DEVICE_PATH *a, UINTN bytes,
				  const EFI_DEVICE_PATH *node)
{
	UINTN nb = node ? (UINTN)DevicePathNodeLength(node) : 0;
	UINT8 *out = AllocatePool(bytes + nb + END_DEVICE_PATH_LENGTH);

	if (!out)
		return NULL;
	if (bytes)
		memcpy(out, a, bytes);
	if (nb)
		memcpy(out + bytes, node, nb);
	EFI_DEVICE_PATH *end = (EFI_DEVICE_PATH *)(out + bytes + nb);
	SetDevicePathEndNode(end);
	return (EFI_DEVICE_PATH *)out;
}

EFI_DEVICE_PATH *DuplicateDevicePath(EFI_DEVICE_PATH *dp)
{
	return dp ? path_join(dp, path_bytes(dp), NULL) : NULL;
}

EFI_DEVICE_PATH *AppendDevicePathNode(EFI_DEVICE_PATH *dp, EFI_DEVICE_PATH *node)
{
	return path_join(dp, dp ? path_bytes(dp) : 0, node);
}

/* The device's path (if it has one) and a file path node for `name`. */
EFI_DEVICE_PATH *FileDevicePath(EFI_HANDLE device, CHAR16 *name)
{
	UINTN len = 0;

	while (name[len])
		len++;
	UINTN node_bytes = SIZE_OF_FILEPATH_DEVICE_PATH + (len + 1) * sizeof(CHAR16);
	FILEPATH_DEVICE_PATH *node = AllocatePool(node_bytes);
	if (!node)
		return NULL;
	node->Header.Type = MEDIA_DEVICE_PATH;
	node->Header.SubType = MEDIA_FILEPATH_DP;
	SetDevicePathNodeLength(&node->Header, node_bytes);
	memcpy(node->PathName, name, (len + 1) * sizeof(CHAR16));
	EFI_DEVICE_PATH *dev = device ? DevicePathFromHandle(device) : NULL;
	EFI_DEVICE_PATH *dp = AppendDevicePathNode(dev, &node->Header);
	FreePool(node);
	return dp;
}
