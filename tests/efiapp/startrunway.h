/*
 * startrunway.h - how the test programs that stand in front of Runway
 * (fakeshim.c, keyheld.c) start it: \EFI\BOOT\runway.efi on their own
 * volume, with LoadImage (so that firmware checks its signature under
 * Secure Boot) and StartImage; own_device finds that volume.  WHO
 * prefixes what is printed:
 *     WHO: LoadImage runway.efi: STATUS
 *     WHO: runway returned STATUS
 */
#ifndef RUNWAY_TESTS_STARTRUNWAY_H
#define RUNWAY_TESTS_STARTRUNWAY_H

#include <efi.h>
#include <efilib.h>

/* The device the program itself was loaded from. */
static EFI_STATUS own_device(EFI_HANDLE image, EFI_HANDLE *ret)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
					  &LoadedImageProtocol, (void **)&li);

	if (!EFI_ERROR(st))
		*ret = li->DeviceHandle;
	return st;
}

static EFI_STATUS start_runway(EFI_HANDLE image, EFI_HANDLE device, const CHAR16 *who)
{
	EFI_DEVICE_PATH *dp = FileDevicePath(device, L"\\EFI\\BOOT\\runway.efi");
	EFI_HANDLE child = NULL;
	EFI_STATUS st;

	if (!dp)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, dp, NULL, 0, &child);
	FreePool(dp);
	if (EFI_ERROR(st)) {
		Print(L"%s: LoadImage runway.efi: %r\n", who, st);
		return st;
	}
	st = uefi_call_wrapper(BS->StartImage, 3, child, NULL, NULL);
	Print(L"%s: runway returned %r\n", who, st);
	return st;
}

#endif
