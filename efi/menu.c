/*
 * menu.c - the boot menu.
 *
 * The menu lists the config's entries; arrow keys or a digit select,
 * Enter boots, e edits the selected entry's command line for this boot,
 * and the default entry boots when the timeout runs out (only the first
 * time: after a failed entry the menu waits, showing the last error).
 * A config of one entry without a timeout line boots it at once.
 */
#include "loader.h"

#include <string.h>

static void set_attr(UINTN attr)
{
	ST->ConOut->SetAttribute(ST->ConOut, attr);
}

#define ATTR_NORMAL (EFI_LIGHTGRAY | EFI_BACKGROUND_BLACK)
#define ATTR_SELECTED (EFI_BLACK | EFI_BACKGROUND_LIGHTGRAY)
#define ATTR_ERROR (EFI_LIGHTRED | EFI_BACKGROUND_BLACK)

static void draw(const struct config *cfg, size_t sel)
{
	set_attr(ATTR_NORMAL);
	ST->ConOut->ClearScreen(ST->ConOut);
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

/*
 * Edit buf[0..cap) on one line: printable characters are appended,
 * Backspace deletes the last one, Ctrl-U clears the line.  true on Enter,
 * false on Esc (buf is then unspecified).
 */
static bool edit_line(const char *title, char *buf, size_t cap)
{
	size_t n = strlen(buf);
	EFI_INPUT_KEY key;

	con_printf("\nCommand line for '%s' (Enter boots, Esc goes back, Ctrl-U clears):\n> %s",
		   title, buf);
	for (;;) {
		con_read_key(0, &key);
		CHAR16 c = key.UnicodeChar;
		if (key.ScanCode == SCAN_ESC)
			return false;
		if (c == CHAR_CARRIAGE_RETURN || c == CHAR_LINEFEED) {
			con_printf("\n");
			return true;
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

size_t menu_choose(const struct config *cfg, bool use_timeout, char *cmdline,
		   size_t cap)
{
	/* After an entry returns, the menu comes back on it. */
	static size_t last = (size_t)-1;
	size_t sel = last < cfg->nentries ? last : cfg->default_entry;
	unsigned left = cfg->timeout;
	EFI_INPUT_KEY key;

	fmt(cmdline, cap, "%s", cfg->entries[sel].cmdline);
	if (use_timeout && left == 0)
		return sel;
	/* One entry and no timeout line: boot it at once, unless a key is
	 * already waiting (held at start), which shows the menu. */
	if (use_timeout && cfg->nentries == 1 && !cfg->timeout_set) {
		if (ST->ConIn->ReadKeyStroke(ST->ConIn, &key) != EFI_SUCCESS)
			return last = sel;
		use_timeout = false;
	}
	draw(cfg, sel);
	for (;;) {
		if (use_timeout)
			con_printf("\rBooting '%s' in %u s. ", cfg->entries[sel].title,
				   left);
		if (!con_read_key(1, &key)) {
			if (use_timeout && --left == 0) {
				con_printf("\n");
				return last = sel;
			}
			continue;
		}
		use_timeout = false; /* any key stops the countdown */
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
