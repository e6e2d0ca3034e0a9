/*
 * main.c - Runway's entry point: console, configuration, menu, entries.
 *
 * gnu-efi's crt0 calls efi_main with the System V convention, so it is
 * not declared EFIAPI.
 */
#include "loader.h"

#include <string.h>


/* Read runway.conf: from the loader's own directory, then the root. */
static EFI_STATUS read_config(EFI_FILE_HANDLE root, const CHAR16 *dir,
			      struct config *cfg)
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
	int r = config_parse(text, len, cfg, &err);
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

/* Run entry i (as e: edited or not) and report how it ended and what
 * stayed claimed. */
static void run_entry(EFI_HANDLE image, EFI_FILE_HANDLE root,
		      const struct config *cfg, size_t i,
		      const struct config_entry *e, uint64_t baseline)
{
	con_clear_error();
	EFI_STATUS st = e->kind == CONFIG_EFI ? chain_entry(image, root, e)
					       : boot_entry(image, root, cfg, e);
	uint64_t now = claimed_pages();

	log_event("entry-done index=%zu status=%s claimed_pages=%llu baseline=%llu%s\n",
		  i + 1, efi_status_name(st), (unsigned long long)now,
		  (unsigned long long)baseline, now == baseline ? "" : " LEAK");
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_FILE_HANDLE root;
	CHAR16 *dir;
	struct config *cfg;
	EFI_STATUS st;

	InitializeLib(image, systab);
	/* The firmware's watchdog would reset the machine after 5 minutes
	 * at a menu; Runway decides itself when to give up. */
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	con_init();
	tsc_calibrate();
	con_printf("Runway %s\n", RUNWAY_VERSION);

	cfg = AllocateZeroPool(sizeof *cfg);
	if (!cfg) {
		con_error("no memory for the configuration");
		return EFI_OUT_OF_RESOURCES;
	}
	st = vol_open_root(image, &root, &dir);
	if (EFI_ERROR(st)) {
		con_error("cannot open the loader's own volume: %s",
			  efi_status_name(st));
		return st;
	}
	st = read_config(root, dir, cfg);
	if (EFI_ERROR(st)) {
		/* exit-after, if read before the broken line, still applies. */
		if (cfg->exit_after)
			power_off();
		con_printf("Press a key to return to the firmware (30 s).\n");
		con_wait_key(30);
		return st;
	}

	uint64_t baseline = claimed_pages();
	if (cfg->run_all) {
		for (size_t i = 0; i < cfg->nentries; i++)
			run_entry(image, root, cfg, i, &cfg->entries[i], baseline);
		log_event("run-all done entries=%zu\n", cfg->nentries);
		if (cfg->exit_after)
			power_off();
	}
	/* The chosen entry, with the command line the menu hands back. */
	static struct config_entry chosen;
	static char cmdline[CONFIG_CMDLINE_MAX];
	for (BOOLEAN first = !cfg->run_all;; first = FALSE) {
		size_t i = menu_choose(cfg, first, cmdline, sizeof cmdline);
		chosen = cfg->entries[i];
		if (strcmp(cmdline, chosen.cmdline)) {
			memcpy(chosen.cmdline, cmdline, sizeof cmdline);
			log_event("cmdline-edited entry=%zu cmdline=%s\n", i + 1, cmdline);
		}
		run_entry(image, root, cfg, i, &chosen, baseline);
		if (cfg->exit_after)
			power_off();
	}
}
