/*
 * chainapp.c - a small EFI application for Runway's chainload tests.
 *
 * Prints, one line each (on the console, which OVMF copies to the serial
 * port):
 *     chainapp: started options="<its load options>"
 *     chainapp: device same-volume=yes|no
 *     chainapp: file-path=<its LoadedImage FilePath, as text>
 *     chainapp: initrd bytes=N fnv1a64=<16 hex digits>   (or initrd none)
 * (the hash in upper-case hex, as gnu-efi prints it), then returns EFI_SUCCESS, or, when its options contain "fail", exits
 * with EFI_ABORTED and the exit data "chainapp failed on purpose", or,
 * when they contain "poweroff", powers the machine off (a test that has
 * no runway.conf, so no exit-after, ends that way).
 * The initrd is fetched the way Linux's EFI stub fetches it: LoadFile2 on
 * the LINUX_EFI_INITRD_MEDIA_GUID vendor device path.
 */
#include "../../efi/linux_initrd.h"

static struct initrd_path initrd_path;

/* Does s[0..n) contain word? */
static BOOLEAN has_word(const CHAR16 *s, UINTN n, const CHAR16 *word)
{
	UINTN m = StrLen(word);

	for (UINTN i = 0; i + m <= n; i++) {
		UINTN j = 0;
		while (j < m && s[i + j] == word[j])
			j++;
		if (j == m)
			return TRUE;
	}
	return FALSE;
}

static void report_initrd(void)
{
	EFI_DEVICE_PATH *dp = (EFI_DEVICE_PATH *)&initrd_path;
	EFI_HANDLE h;
	struct load_file2 *lf;
	UINTN size = 0;

	initrd_path_init(&initrd_path);
	if (EFI_ERROR(uefi_call_wrapper(BS->LocateDevicePath, 3, &load_file2_guid, &dp, &h)) ||
	    EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, h, &load_file2_guid,
					(void **)&lf))) {
		Print(L"chainapp: initrd none\n");
		return;
	}
	EFI_STATUS st = uefi_call_wrapper(lf->load_file, 5, lf, dp, FALSE, &size, NULL);
	if (st != EFI_BUFFER_TOO_SMALL) {
		Print(L"chainapp: initrd size query returned %r\n", st);
		return;
	}
	UINT8 *buf = AllocatePool(size ? size : 1);
	if (!buf) {
		Print(L"chainapp: initrd no memory for %lu bytes\n", size);
		return;
	}
	st = uefi_call_wrapper(lf->load_file, 5, lf, dp, FALSE, &size, buf);
	if (EFI_ERROR(st)) {
		Print(L"chainapp: initrd load returned %r\n", st);
		FreePool(buf);
		return;
	}
	UINT64 hash = 0xcbf29ce484222325ull;
	for (UINTN i = 0; i < size; i++)
		hash = (hash ^ buf[i]) * 0x100000001b3ull;
	FreePool(buf);
	Print(L"chainapp: initrd bytes=%lu fnv1a64=%016lx\n", size, hash);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li, *parent;
	BOOLEAN fail = FALSE;

	InitializeLib(image, systab);
	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image,
					&LoadedImageProtocol, (void **)&li)))
		return EFI_LOAD_ERROR;

	CHAR16 opts[256];
	UINTN n = 0;
	CHAR16 *o = li->LoadOptions;
	for (; o && n + 1 < 256 && n < li->LoadOptionsSize / sizeof(CHAR16) && o[n]; n++)
		opts[n] = o[n];
	opts[n] = 0;
	fail = has_word(opts, n, L"fail");
	Print(L"chainapp: started options=\"%s\"\n", opts);

	BOOLEAN same = FALSE;
	if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, li->ParentHandle,
					 &LoadedImageProtocol, (void **)&parent)))
		same = parent->DeviceHandle == li->DeviceHandle;
	Print(L"chainapp: device same-volume=%s\n", same ? L"yes" : L"no");
	CHAR16 *fp = li->FilePath ? DevicePathToStr(li->FilePath) : NULL;
	Print(L"chainapp: file-path=%s\n", fp ? fp : L"(none)");
	if (fp)
		FreePool(fp);
	report_initrd();

	if (has_word(opts, n, L"poweroff")) {
		Print(L"chainapp: poweroff\n");
		uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	}
	if (fail) {
		static const CHAR16 msg[] = L"chainapp failed on purpose";
		CHAR16 *data = NULL;
		/* Pool, as UEFI asks; boot-services data, not gnu-efi's
		 * loader data: EDK2's Exit() copies exit data and never
		 * frees the program's buffer, and Runway's leak accounting
		 * counts loader data. */
		if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiBootServicesData,
						sizeof msg, (void **)&data)))
			data = NULL;
		if (data)
			CopyMem(data, (void *)msg, sizeof msg);
		uefi_call_wrapper(BS->Exit, 4, image, EFI_ABORTED,
				  data ? sizeof msg : 0, data);
	}
	return EFI_SUCCESS;
}
