/*
 * menu.c - the boot menu and the accounting that proves failed entries
 * give everything back.
 *
 * The menu lists the config's entries; arrow keys or a digit select,
 * Enter boots, e edits the selected entry's command line for this boot,
 * and the default entry boots when the timeout runs out (only the first
 * time: after a failed entry the menu waits, showing the last error).
 */
#include "loader.h"

#include <string.h>

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

static void set_attr(UINTN attr)
{
	uefi_call_wrapper(ST->ConOut->SetAttribute, 2, ST->ConOut, attr);
}

#define ATTR_NORMAL (EFI_LIGHTGRAY | EFI_BACKGROUND_BLACK)
#define ATTR_SELECTED (EFI_BLACK | EFI_BACKGROUND_LIGHTGRAY)
#define ATTR_ERROR (EFI_LIGHTRED | EFI_BACKGROUND_BLACK)

static void draw(const struct config *cfg, size_t sel)
{
	set_attr(ATTR_NORMAL);
	uefi_call_wrapper(ST->ConOut->ClearScreen, 1, ST->ConOut);
	con_printf("Runway %s - UEFI boot loader\n\n", RUNWAY_VERSION);
	for (size_t i = 0; i < cfg->nentries; i++) {
		const struct config_entry *e = &cfg->entries[i];
		con_printf("%s", i == sel ? " > " : "   ");
		if (i == sel)
			set_attr(ATTR_SELECTED);
		con_printf("%zu) %s%s", i + 1, e->title,
			   e->kind == CONFIG_VERIFY ? " [verify]" :
			   e->kind == CONFIG_EFI ? " [efi]" : "");
		set_attr(ATTR_NORMAL);
		con_printf("\n");
	}
	con_printf("\nUp/Down or 1-9 to choose, Enter to boot, e to edit the command line.\n");
	if (con_last_error()[0]) {
		set_attr(ATTR_ERROR);
		con_printf("Last error: %s\n", con_last_error());
		set_attr(ATTR_NORMAL);
	}
}

static void wait_key(EFI_INPUT_KEY *key)
{
	UINTN which;

	for (;;) {
		uefi_call_wrapper(BS->WaitForEvent, 3, 1, &ST->ConIn->WaitForKey, &which);
		if (uefi_call_wrapper(ST->ConIn->ReadKeyStroke, 2, ST->ConIn, key) ==
		    EFI_SUCCESS)
			return;
	}
}

/*
 * Edit buf[0..cap) on one line: printable characters are appended,
 * Backspace deletes the last one, Ctrl-U clears the line.  TRUE on Enter,
 * FALSE on Esc (buf is then unspecified).
 */
static BOOLEAN edit_line(const char *title, char *buf, size_t cap)
{
	size_t n = strlen(buf);
	EFI_INPUT_KEY key;

	con_printf("\nCommand line for '%s' (Enter boots, Esc goes back, Ctrl-U clears):\n> %s",
		   title, buf);
	for (;;) {
		wait_key(&key);
		CHAR16 c = key.UnicodeChar;
		if (key.ScanCode == SCAN_ESC)
			return FALSE;
		if (c == CHAR_CARRIAGE_RETURN || c == CHAR_LINEFEED) {
			con_printf("\n");
			return TRUE;
		}
		if (c == CHAR_BACKSPACE) {
			if (n) {
				buf[--n] = 0;
				con_printf("\b \b");
			}
		} else if (c == 0x15) { /* Ctrl-U */
			while (n) {
				buf[--n] = 0;
				con_printf("\b \b");
			}
		} else if (c >= 0x20 && c < 0x7f && n + 1 < cap) {
			buf[n++] = (char)c;
			buf[n] = 0;
			con_printf("%c", (char)c);
		}
	}
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

size_t menu_choose(const struct config *cfg, BOOLEAN use_timeout,
		   char *cmdline, size_t cap)
{
	/* After an entry returns, the menu comes back on it. */
	static size_t last = (size_t)-1;
	size_t sel = last < cfg->nentries ? last : cfg->default_entry;
	UINTN left = cfg->timeout;
	EFI_INPUT_KEY key;

	fmt(cmdline, cap, "%s", cfg->entries[sel].cmdline);
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
				return last = sel;
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
			 key.UnicodeChar == CHAR_LINEFEED) {
			fmt(cmdline, cap, "%s", cfg->entries[sel].cmdline);
			return last = sel;
		} else if ((key.UnicodeChar == L'e' || key.UnicodeChar == L'E') &&
			   cfg->entries[sel].kind != CONFIG_VERIFY) {
			fmt(cmdline, cap, "%s", cfg->entries[sel].cmdline);
			if (edit_line(cfg->entries[sel].title, cmdline, cap))
				return last = sel;
		} else {
			continue;
		}
		draw(cfg, sel);
	}
}
