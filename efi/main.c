/*
 * main.c - Runway's entry point: console, configuration, boot entry.
 *
 * gnu-efi's crt0 calls efi_main with the System V convention, so it is
 * not declared EFIAPI.
 */
#include "loader.h"

#include <string.h>

#define RUNWAY_VERSION "0.1"

/* Read runway.conf: from the loader's own directory, then the root. */
static EFI_STATUS read_config(EFI_FILE_HANDLE root, const CHAR16 *dir,
			      struct config *ret_cfg)
{
	CHAR16 path[CONFIG_PATH_MAX + 16];
	char *text = NULL;
	UINTN len = 0;
	EFI_STATUS st = EFI_NOT_FOUND;
	struct rw_err err;

	if (dir[0]) {
		UINTN n = 0;
		for (; dir[n] && n < CONFIG_PATH_MAX; n++)
			path[n] = dir[n];
		const CHAR16 *name = L"\\runway.conf";
		for (UINTN i = 0; name[i]; i++)
			path[n++] = name[i];
		path[n] = 0;
		st = file_read_all(root, path, &text, &len);
	}
	if (st == EFI_NOT_FOUND)
		st = file_read_all(root, L"\\runway.conf", &text, &len);
	if (EFI_ERROR(st)) {
		con_error("runway.conf: cannot read it from the loader's directory or the volume root: %s",
			  efi_status_name(st));
		return st;
	}
	int r = config_parse(text, len, ret_cfg, &err);
	FreePool(text);
	if (r) {
		con_error("%s", err.msg);
		return EFI_LOAD_ERROR;
	}
	return EFI_SUCCESS;
}

static void power_off(void)
{
	log_event("poweroff\n");
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0,
			  NULL);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_FILE_HANDLE root;
	CHAR16 *dir;
	struct config cfg = { 0 };
	EFI_STATUS st;

	InitializeLib(image, systab);
	/* The firmware's watchdog would reset the machine after 5 minutes
	 * at a menu; Runway decides itself when to give up. */
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	con_init();
	tsc_calibrate();
	con_printf("Runway %s\n", RUNWAY_VERSION);

	st = vol_open_root(image, &root, &dir);
	if (EFI_ERROR(st)) {
		con_error("cannot open the loader's own volume: %s",
			  efi_status_name(st));
		return st;
	}
	st = read_config(root, dir, &cfg);
	if (!EFI_ERROR(st))
		st = boot_kernel(image, root, &cfg);

	/* Only failures come back here. */
	log_event("failed status=%s\n", efi_status_name(st));
	if (cfg.exit_after)
		power_off();
	con_printf("Press a key to return to the firmware (10 s).\n");
	con_wait_key(10);
	return st;
}
