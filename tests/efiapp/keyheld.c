/*
 * keyheld.c - a key held down while Runway starts, made exact for
 * tests/qemu/test_menu.sh.
 *
 * A key typed through QEMU's monitor while the firmware loads Runway lands
 * before or after Runway looks for it, by chance.  This program, booted as
 * \EFI\BOOT\BOOTX64.EFI, puts a stand-in for the console's input protocol
 * in the system table whose first ReadKeyStroke returns a space (a key that
 * was down when Runway started), then starts \EFI\BOOT\runway.efi.  Every
 * later call, and WaitForKey, is the firmware's own input: keys typed
 * through QEMU reach Runway's menu as usual.  It prints on the console
 * (copied to the serial port):
 *     keyheld: held key read
 *     keyheld: runway returned STATUS
 */
#include <efi.h>
#include <efilib.h>

#include "startrunway.h"

static SIMPLE_INPUT_INTERFACE *real;
static SIMPLE_INPUT_INTERFACE held;
static BOOLEAN given;

static EFI_STATUS EFIAPI held_reset(SIMPLE_INPUT_INTERFACE *self, BOOLEAN extended)
{
	(void)self;
	return uefi_call_wrapper(real->Reset, 2, real, extended);
}

static EFI_STATUS EFIAPI held_read(SIMPLE_INPUT_INTERFACE *self, EFI_INPUT_KEY *key)
{
	(void)self;
	if (!given) {
		given = TRUE;
		key->ScanCode = 0;
		key->UnicodeChar = L' ';
		Print(L"keyheld: held key read\n");
		return EFI_SUCCESS;
	}
	return uefi_call_wrapper(real->ReadKeyStroke, 2, real, key);
}

/* The system table's CRC covers ConIn: recomputed after the swap. */
static void set_con_in(SIMPLE_INPUT_INTERFACE *in)
{
	ST->ConIn = in;
	ST->Hdr.CRC32 = 0;
	uefi_call_wrapper(BS->CalculateCrc32, 3, ST, ST->Hdr.HeaderSize, &ST->Hdr.CRC32);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_HANDLE device;
	EFI_STATUS st;

	InitializeLib(image, systab);
	st = own_device(image, &device);
	if (EFI_ERROR(st))
		return st;
	real = ST->ConIn;
	held.Reset = held_reset;
	held.ReadKeyStroke = held_read;
	held.WaitForKey = real->WaitForKey;
	set_con_in(&held);
	st = start_runway(image, device, L"keyheld");
	set_con_in(real);
	return st;
}
