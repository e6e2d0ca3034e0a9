/*
 * menu.c - the boot menu and the accounting that proves failed entries
 * give everything back.
 *
 * The menu lists the config's entries; arrow keys or a digit select,
 * Enter boots, and the default entry boots when the timeout runs out
 * (only the first time: after a failed entry the menu waits).
 */
#include "loader.h"

uint64_t claimed_pages(void)
{
	struct efi_map m = { 0 };
	uint64_t pages = 0;

	if (EFI_ERROR(map_snapshot(&m)))
		return 0;
	for (UINTN off = 0; off + m.desc_size <= m.size; off += m.desc_size) {
		const struct mm_efi_desc *d = (const void *)((const uint8_t *)m.buf + off);
		if (d->type == MM_EFI_LOADER_CODE ||
		    d->type == MM_EFI_RUNWAY_KERNEL ||
		    d->type == MM_EFI_RUNWAY_MODULE)
			pages += d->pages;
	}
	map_free(&m);
	return pages;
}

static void draw(const struct config *cfg, size_t sel)
{
	con_printf("\n");
	for (size_t i = 0; i < cfg->nentries; i++)
		con_printf("%s %zu) %s%s\n", i == sel ? ">" : " ", i + 1,
			   cfg->entries[i].title,
			   cfg->entries[i].kind == CONFIG_VERIFY ? " [verify]" :
			   cfg->entries[i].kind == CONFIG_EFI ? " [efi]" : "");
	con_printf("Up/Down or 1-9 to choose, Enter to boot.\n");
}

/* Wait up to one second for a key; false on timeout. */
static BOOLEAN key_or_tick(EFI_INPUT_KEY *key)
{
	EFI_EVENT timer, events[2];
	UINTN which = 1;

	if (uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER, 0, NULL, NULL,
			      &timer) != EFI_SUCCESS)
		return FALSE;
	uefi_call_wrapper(BS->SetTimer, 3, timer, TimerRelative, 10000000);
	events[0] = ST->ConIn->WaitForKey;
	events[1] = timer;
	uefi_call_wrapper(BS->WaitForEvent, 3, 2, events, &which);
	uefi_call_wrapper(BS->CloseEvent, 1, timer);
	if (which != 0)
		return FALSE;
	return uefi_call_wrapper(ST->ConIn->ReadKeyStroke, 2, ST->ConIn, key) ==
	       EFI_SUCCESS;
}

size_t menu_choose(const struct config *cfg, BOOLEAN use_timeout)
{
	size_t sel = cfg->default_entry;
	UINTN left = cfg->timeout;
	EFI_INPUT_KEY key;

	if (use_timeout && left == 0)
		return sel;
	draw(cfg, sel);
	for (;;) {
		if (use_timeout)
			con_printf("\rBooting '%s' in %u s. ", cfg->entries[sel].title,
				   (unsigned)left);
		if (!key_or_tick(&key)) {
			if (use_timeout && --left == 0) {
				con_printf("\n");
				return sel;
			}
			continue;
		}
		use_timeout = FALSE; /* any key stops the countdown */
		if (key.ScanCode == SCAN_UP && sel > 0)
			sel--;
		else if (key.ScanCode == SCAN_DOWN && sel + 1 < cfg->nentries)
			sel++;
		else if (key.UnicodeChar >= L'1' && key.UnicodeChar <= L'9' &&
			 (size_t)(key.UnicodeChar - L'1') < cfg->nentries)
			sel = key.UnicodeChar - L'1';
		else if (key.UnicodeChar == CHAR_CARRIAGE_RETURN ||
			 key.UnicodeChar == CHAR_LINEFEED)
			return sel;
		else
			continue;
		draw(cfg, sel);
	}
}
