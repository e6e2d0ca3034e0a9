/*
 * off.c - the firmware's own time: an EFI program that powers the machine
 * off as soon as the firmware starts it (make bench-peers).
 *
 * Installed as \EFI\BOOT\BOOTX64.EFI on the same image as every loader of
 * the benchmark, it measures what the firmware alone costs from QEMU's
 * start to the boot option's start; every loader's time is reported above
 * this one.  It writes 0x10 to QEMU's isa-debug-exit port (0xf4), which
 * ends QEMU with status 33 (ovmf/run.sh: pass).
 */
#include <efi.h>
#include <efilib.h>

#include "benchexit.h"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	bench_exit(BENCH_EXIT_PASS);
	return EFI_SUCCESS;
}
