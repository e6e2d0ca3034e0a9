/*
 * main.c - Runway's entry point: console, configuration, menu, entries.
 *
 * gnu-efi's crt0 calls efi_main with the System V convention, so it is
 * not declared EFIAPI.
 */
#include "loader.h"

#include <stddef.h>
#include <string.h>

static EFI_STATUS read_config(struct source *root, struct config *cfg)
{
	struct vol_file f;
	struct rw_err err;
	char *text;
	EFI_STATUS st = source_open_config(root, &f);

	if (EFI_ERROR(st))
		return st;
	if (config_check_size(f.size, &err)) {
		file_close(&f);
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	}
	st = file_read_whole(&f, "config", CONFIG_FILE_MAX, (void **)&text);
	uint64_t len = f.size;
	file_close(&f);
	if (EFI_ERROR(st))
		return st;
	/* Parsed first for `quiet`, which holds for the lines below: the
	 * one setting used before both checks, and it can hide log lines,
	 * never an error.  A config Secure Boot refuses is still parsed, for
	 * its exit-after alone (which can only power the machine off), as a
	 * broken one is. */
	int r = config_parse(text, len, cfg, &err);
	con_set_quiet(cfg->quiet);
	tpm_measure_file("config", f.path, text, len);
	st = secure_check_config(text, len);
	FreePool(text);
	if (EFI_ERROR(st))
		return st;
	if (r)
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	return EFI_SUCCESS;
}

static const char *origin_name(enum config_origin o)
{
	return o == CONFIG_FROM_BLS ? "bls" : o == CONFIG_FROM_UKI ? "uki" : "runway";
}

/* One line per menu entry, in menu order, for the log and the tests. */
static void log_entries(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->nentries; i++)
		log_event("entry %zu origin=%s id=%s title=\"%s\"\n", i + 1,
			  origin_name(cfg->entries[i].origin), bls_entry_id(i),
			  cfg->entries[i].title);
	log_event("menu entries=%zu default=%zu timeout=%u%s\n", cfg->nentries,
		  cfg->default_entry + 1, cfg->timeout, cfg->timeout_set ? "" : " (none given)");
}

/*
 * runway.conf, then the Boot Loader Specification's entries after its own
 * (unless `bls = no`).  Without runway.conf, the BLS entries alone, as
 * systemd-boot would boot them; with neither, runway.conf's absence is
 * the error.
 */
static EFI_STATUS read_entries(struct source *root, struct config *cfg)
{
	bool runway_conf = !source_config_absent(root);
	struct bls_found found;
	EFI_STATUS st;

	if (runway_conf) {
		st = read_config(root, cfg);
		if (EFI_ERROR(st))
			return st;
	} else {
		secure_check_no_config();
	}
	if (cfg->bls_off) {
		log_event("bls off (runway.conf: bls = no)\n");
	} else {
		st = bls_discover(root, &found);
		if (EFI_ERROR(st))
			return st;
		bls_merge(cfg, &found, runway_conf);
		bls_found_free(&found);
	}
	/* No runway.conf and nothing else: its absence is the error. */
	if (!cfg->nentries && !runway_conf)
		return read_config(root, cfg);
	struct rw_err err;
	if (config_check_menu(cfg, &err))
		return con_fail(EFI_LOAD_ERROR, "%s", err.msg);
	log_entries(cfg);
	return EFI_SUCCESS;
}

static void power_off(void)
{
	log_event("poweroff\n");
	RT->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
}

static EFI_STATUS dispatch(EFI_HANDLE image, struct source *root,
			   const struct config *cfg, const struct config_entry *e)
{
	EFI_STATUS st = secure_check_entry(e);

	if (EFI_ERROR(st))
		return st;
	switch (e->kind) {
	case CONFIG_EFI:
		return chain_entry(image, root, e);
	case CONFIG_VERIFY:
		return verify_entry(root, cfg, e);
	default:
		return boot_entry(image, root, cfg, e);
	}
}

/* Run entry i (as e: edited or not) and report how it ended and what
 * stayed claimed. */
static void run_entry(EFI_HANDLE image, struct source *root,
		      const struct config *cfg, size_t i,
		      const struct config_entry *e, uint64_t baseline)
{
	con_clear_error();
	EFI_STATUS st = dispatch(image, bls_entry_source(i, root), cfg, e);
	uint64_t now = fw_claimed_pages();

	log_event("entry-done index=%zu status=%s claimed_pages=%" PRIu64
		  " baseline=%" PRIu64 "%s\n",
		  i + 1, efi_status_name(st), now, baseline,
		  now == baseline ? "" : " LEAK");
}

/*
 * Runway gives up before the menu (no file source, a broken config): it gives
 * back the config and closes its volume (if on one), says whether anything it
 * allocated since at_start stays claimed ("exit ... LEAK" if so), then
 * powers off (exit-after, if read before the broken line, still applies)
 * or gives the user time to read the error and returns st to the
 * firmware.
 */
static EFI_STATUS leave(struct config *cfg, struct source *src,
			EFI_STATUS st, uint64_t at_start)
{
	bool exit_after = cfg->exit_after;

	FreePool(cfg);
	if (src && src->root)
		src->root->Close(src->root);
	uint64_t now = fw_claimed_pages();
	log_event("exit status=%s claimed_pages=%" PRIu64 " baseline=%" PRIu64 "%s\n",
		  efi_status_name(st), now, at_start, now == at_start ? "" : " LEAK");
	fw_claimed_pages_done();
	if (exit_after)
		power_off();
	EFI_INPUT_KEY key;

	con_printf("Press a key to return to the firmware (30 s).\n");
	con_read_key(30, &key);
	return st;
}

static void run_all(EFI_HANDLE image, struct source *root,
		    const struct config *cfg, uint64_t baseline)
{
	for (size_t i = 0; i < cfg->nentries; i++)
		run_entry(image, root, cfg, i, &cfg->entries[i], baseline);
	log_event("run-all done entries=%zu\n", cfg->nentries);
	if (cfg->exit_after)
		power_off();
}

/* The menu, for ever: the chosen entry with the command line the menu
 * hands back. */
static void menu_loop(EFI_HANDLE image, struct source *root,
		      const struct config *cfg, uint64_t baseline)
{
	static struct config_entry chosen;
	static char cmdline[CONFIG_CMDLINE_MAX];

	for (bool first = !cfg->run_all;; first = false) {
		size_t i = menu_choose(cfg, first, cmdline, sizeof cmdline);
		chosen = cfg->entries[i];
		if (strcmp(cmdline, chosen.cmdline)) {
			if (EFI_ERROR(secure_check_edit(&chosen)))
				continue;
			memcpy(chosen.cmdline, cmdline, sizeof cmdline);
			log_event("cmdline-edited entry=%zu cmdline=%s\n", i + 1, cmdline);
		}
		run_entry(image, root, cfg, i, &chosen, baseline);
		if (cfg->exit_after)
			power_off();
	}
}

/* The image's bss (efi/runway.lds): no bytes in the file. */
extern char _bss[] __attribute__((visibility("hidden")));
extern char _ebss[] __attribute__((visibility("hidden")));

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct source root;
	struct config *cfg;
	EFI_STATUS st;

	/* Before anything reads a static: a PE loader need not zero what
	 * the file does not hold. */
	memset(_bss, 0, (size_t)(_ebss - _bss));
	InitializeLib(image, systab);
	/* The firmware's watchdog would reset the machine after 5 minutes
	 * at a menu; Runway decides itself when to give up. */
	BS->SetWatchdogTimer(0, 0, 0, NULL);
	con_init();
	tsc_calibrate();

	/* Before Runway's first allocation (the count's own buffer aside). */
	uint64_t at_start = fw_claimed_pages();
	/* Half a megabyte, not zeroed as a whole (milliseconds under
	 * emulation): config_parse and bls_merge fill each entry they add. */
	cfg = AllocatePool(sizeof *cfg);
	if (!cfg)
		return con_fail(EFI_OUT_OF_RESOURCES, "no memory for the configuration");
	memset(cfg, 0, offsetof(struct config, entries));
	st = source_open(image, &root);
	if (EFI_ERROR(st))
		return leave(cfg, NULL, st, at_start);
	st = read_entries(&root, cfg);
	if (EFI_ERROR(st))
		return leave(cfg, &root, st, at_start);

	uint64_t baseline = fw_claimed_pages();
	if (cfg->run_all)
		run_all(image, &root, cfg, baseline);
	menu_loop(image, &root, cfg, baseline);
	return EFI_SUCCESS;
}
