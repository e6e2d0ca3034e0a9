/*
 * linux_initrd.h - how Linux's EFI stub (5.8 and later) asks for its
 * initrd: LoadFile2 on a handle whose device path is one vendor media node
 * with LINUX_EFI_INITRD_MEDIA_GUID.  Shared by efi/chainload.c, which
 * serves it, and tests/efiapp/chainapp.c, which fetches it as Linux does.
 */
#ifndef RUNWAY_EFI_LINUX_INITRD_H
#define RUNWAY_EFI_LINUX_INITRD_H

#include <efi.h>
#include <efilib.h>

static EFI_GUID load_file2_guid = {
	0x4006c0c1, 0xfcb3, 0x403e, { 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d }
};
static EFI_GUID initrd_media_guid = {
	0x5568e427, 0x68fc, 0x4f3d, { 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68 }
};

/* EFI_LOAD_FILE2_PROTOCOL (UEFI 2.10 section 13.2). */
struct load_file2 {
	EFI_STATUS (EFIAPI *load_file)(struct load_file2 *self, EFI_DEVICE_PATH *path,
				       BOOLEAN boot_policy, UINTN *size, VOID *buf);
};

struct initrd_path {
	VENDOR_DEVICE_PATH vendor;
	EFI_DEVICE_PATH end;
} __attribute__((packed));
/* UEFI 2.10 section 10.3.5.3: a vendor media node is 4 + 16 bytes. */
_Static_assert(sizeof(VENDOR_DEVICE_PATH) == 20, "vendor device path node");
_Static_assert(sizeof(struct initrd_path) == 24, "initrd device path");

/* Fill p with the initrd media device path. */
static inline void initrd_path_init(struct initrd_path *p)
{
	p->vendor.Header.Type = MEDIA_DEVICE_PATH;
	p->vendor.Header.SubType = MEDIA_VENDOR_DP;
	SetDevicePathNodeLength(&p->vendor.Header, sizeof p->vendor);
	p->vendor.Guid = initrd_media_guid;
	SetDevicePathEndNode(&p->end);
}

#endif
