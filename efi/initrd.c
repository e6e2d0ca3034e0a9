/*
 * initrd.c - an initrd for Linux (5.8 and later) the way its EFI stub
 * asks for one: a handle with the LINUX_EFI_INITRD_MEDIA_GUID vendor
 * device path and the LoadFile2 protocol (efi/linux_initrd.h), installed
 * only while the chainloaded program runs.
 */
#include "linux_initrd.h"
#include "loader.h"

#include <string.h>

/* What the LoadFile2 callback serves; set only while a program runs. */
static struct {
	struct load_file2 proto;
	struct initrd_path path;
	EFI_HANDLE handle;
	const void *data;
	uint64_t size;
} initrd;

static EFI_STATUS EFIAPI initrd_load(struct load_file2 *self, EFI_DEVICE_PATH *path,
				     BOOLEAN boot_policy, UINTN *size, VOID *buf)
{
	(void)self;
	(void)path;
	if (boot_policy)
		return EFI_UNSUPPORTED;
	if (!size)
		return EFI_INVALID_PARAMETER;
	if (!buf || *size < initrd.size) {
		*size = initrd.size;
		return EFI_BUFFER_TOO_SMALL;
	}
	memcpy(buf, initrd.data, initrd.size);
	*size = initrd.size;
	return EFI_SUCCESS;
}

EFI_STATUS initrd_install(void *data, uint64_t size)
{
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE other;
	EFI_STATUS st;

	initrd.proto.load_file = initrd_load;
	initrd_path_init(&initrd.path);
	/* Linux takes the first handle with this path: there must be one. */
	dp = (EFI_DEVICE_PATH *)&initrd.path;
	if (!EFI_ERROR(BS->LocateDevicePath(&load_file2_guid, &dp, &other)))
		return EFI_ALREADY_STARTED;
	initrd.data = data;
	initrd.size = size;
	initrd.handle = NULL;
	st = BS->InstallProtocolInterface(&initrd.handle, &DevicePathProtocol,
					  EFI_NATIVE_INTERFACE, &initrd.path);
	if (EFI_ERROR(st))
		return st;
	st = BS->InstallProtocolInterface(&initrd.handle, &load_file2_guid,
					  EFI_NATIVE_INTERFACE, &initrd.proto);
	if (EFI_ERROR(st))
		BS->UninstallProtocolInterface(initrd.handle, &DevicePathProtocol,
					       &initrd.path);
	return st;
}

EFI_STATUS initrd_uninstall(void)
{
	EFI_STATUS st;

	st = BS->UninstallProtocolInterface(initrd.handle, &load_file2_guid,
					    &initrd.proto);
	if (!EFI_ERROR(st))
		st = BS->UninstallProtocolInterface(initrd.handle, &DevicePathProtocol,
						    &initrd.path);
	if (EFI_ERROR(st))
		return st;
	initrd.handle = NULL;
	initrd.data = NULL;
	initrd.size = 0;
	return EFI_SUCCESS;
}
