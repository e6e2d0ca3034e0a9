/*
 * fakeshim.c - a stand-in for shim in Runway's Secure Boot test
 * (tests/qemu/test_secureboot.sh), booted by the firmware as
 * \EFI\BOOT\BOOTX64.EFI and signed like Runway.
 *
 * A real shim carries its vendor's certificate and trusts what that key
 * or an enrolled MOK signed; this one trusts a list of SHA-256 digests,
 * read from \EFI\BOOT\fakeshim.sha256 next to it (one digest at the start
 * of each line, as sha256sum writes them).  It installs shim's lock
 * protocol (GUID 605dab50-e046-4300-abb6-3dd810dd8b23), whose Verify
 * accepts exactly the buffers whose digest is listed, then starts
 * \EFI\BOOT\runway.efi with LoadImage (the firmware checks its signature)
 * and StartImage.  It prints, on the console (copied to the serial port):
 *     fakeshim: trusted=N
 *     fakeshim: verify bytes=N sha256=HEX accepted|refused
 *     fakeshim: runway returned STATUS
 * Verify is called with the System V convention, as shim's is on x86-64.
 */
#include <efi.h>
#include <efilib.h>
#include <stdbool.h>

#include "sha256.h"
#include "startrunway.h"

#define TRUSTED_MAX 16
#define LIST_MAX 4096

struct shim_lock {
	EFI_STATUS __attribute__((sysv_abi)) (*verify)(void *buffer, uint32_t size);
	void *hash;
	void *context;
};

static EFI_GUID shim_lock_guid = {
	0x605dab50, 0xe046, 0x4300, { 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23 }
};

static uint8_t trusted[TRUSTED_MAX][SHA256_DIGEST_SIZE];
static size_t ntrusted;

static EFI_STATUS __attribute__((sysv_abi)) verify(void *buffer, uint32_t size)
{
	struct sha256 h;
	uint8_t got[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	bool ok = false;

	sha256_init(&h);
	sha256_update(&h, buffer, size);
	sha256_final(&h, got);
	sha256_hex(got, hex);
	for (size_t i = 0; i < ntrusted && !ok; i++)
		ok = CompareMem(got, trusted[i], sizeof got) == 0;
	Print(L"fakeshim: verify bytes=%u sha256=%a %a\n", size, hex,
	      ok ? "accepted" : "refused");
	return ok ? EFI_SUCCESS : EFI_SECURITY_VIOLATION;
}

static struct shim_lock lock = { .verify = verify };

/* The list's lines: a digest in the first 64 characters, the rest ignored. */
static void parse_list(const char *text, size_t len)
{
	for (size_t i = 0; i < len && ntrusted < TRUSTED_MAX;) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		if (end - i >= 64 && sha256_parse_hex(text + i, 64, trusted[ntrusted]) == 0)
			ntrusted++;
		i = end + 1;
	}
}

static EFI_STATUS read_list(EFI_HANDLE device)
{
	static char text[LIST_MAX];
	EFI_FILE_HANDLE root = LibOpenRoot(device), f;
	UINTN size = sizeof text;
	EFI_STATUS st;

	if (!root)
		return EFI_NOT_FOUND;
	st = uefi_call_wrapper(root->Open, 5, root, &f, L"\\EFI\\BOOT\\fakeshim.sha256",
			       EFI_FILE_MODE_READ, 0);
	if (!EFI_ERROR(st)) {
		st = uefi_call_wrapper(f->Read, 3, f, &size, text);
		uefi_call_wrapper(f->Close, 1, f);
	}
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return st;
	parse_list(text, size);
	Print(L"fakeshim: trusted=%lu\n", ntrusted);
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_HANDLE device;
	EFI_HANDLE handle = NULL;
	EFI_STATUS st;

	InitializeLib(image, systab);
	st = own_device(image, &device);
	if (EFI_ERROR(st))
		return st;
	st = read_list(device);
	if (EFI_ERROR(st)) {
		Print(L"fakeshim: \\EFI\\BOOT\\fakeshim.sha256: %r\n", st);
		return st;
	}
	st = uefi_call_wrapper(BS->InstallProtocolInterface, 4, &handle, &shim_lock_guid,
			       EFI_NATIVE_INTERFACE, &lock);
	if (EFI_ERROR(st)) {
		Print(L"fakeshim: installing the lock protocol: %r\n", st);
		return st;
	}
	st = start_runway(image, device, L"fakeshim");
	uefi_call_wrapper(BS->UninstallProtocolInterface, 3, handle, &shim_lock_guid, &lock);
	return st;
}
