/*
 * menu.c - the boot menu.
 *
 * The menu lists the config's entries, each with its kind ([efi], [bls],
 * [uki], [verify], or the kernel's protocol) and the default marked, in a
 * block centred on the screen whatever the text mode's size: the title
 * above, the last error, the countdown and a help line below.  When the
 * entries do not fit, the list scrolls in a window that always keeps
 * the selection in view ("N more above/below" says what is hidden).
 *
 * Keys: Up/Down, PageUp/PageDown, Home/End, or an entry's number typed
 * digit by digit (3 then 0 selects entry 30) choose; Enter boots; e edits
 * the selected entry's command line for this boot (as systemd-boot's
 * editor: the cursor moves with Left/Right/Home/End, Backspace and Delete
 * erase at it, text is inserted at it, Ctrl-U clears, Esc goes back).  The
 * default entry boots when the countdown runs out (only the first time:
 * after a failed entry the menu waits, showing the last error); any key
 * stops the countdown, and its line says so at once.  A config of one
 * entry without a timeout line boots it at once.
 *
 * Every row is drawn at its position and ended with a newline, so that
 * the serial copy of the console (OVMF's terminal) reads one line per
 * row; the countdown is rewritten in place (\r) and ended with a newline
 * when it stops.  Nothing is drawn on the screen's last row, where a
 * newline would scroll the screen.
 */
#include "loader.h"

#include <string.h>

#define ATTR_NORMAL CON_ATTR_NORMAL
#define ATTR_TITLE (EFI_WHITE | EFI_BACKGROUND_BLACK)
#define ATTR_SELECTED (EFI_BLACK | EFI_BACKGROUND_LIGHTGRAY)
#define ATTR_DIM (EFI_DARKGRAY | EFI_BACKGROUND_BLACK)
#define ATTR_ERROR (EFI_LIGHTRED | EFI_BACKGROUND_BLACK)
#define ATTR_STATUS (EFI_YELLOW | EFI_BACKGROUND_BLACK)

#define CHAR_CTRL(c) ((c) - 'a' + 1)

/* Rows around the list: title, "more above", then "more below", the
 * editor's prompt, the last error (the editor's field), the countdown
 * (status) and the help line. */
#define ROWS_AROUND 7

/* Where everything goes on a screen of cols x rows. */
struct layout {
	size_t cols, rows;
	size_t x, width;         /* the block: its first column and width */
	size_t title_y, above_y, list_y, list_h, below_y;
	size_t prompt_y, error_y, status_y, help_y;
};

struct menu {
	const struct config *cfg;
	struct layout l;
	size_t sel;          /* the selected entry */
	size_t top;          /* the first entry in the window */
	unsigned number;     /* the digits typed so far, as a number */
};

static void layout_for(struct layout *l, size_t nentries)
{
	con_size(&l->cols, &l->rows);
	/* At most 80 columns wide, never touching the last column (a
	 * character there moves the cursor to the next row). */
	l->width = l->cols > 82 ? 80 : l->cols - 2;
	l->x = (l->cols - l->width) / 2;
	if (l->x > 160) /* rows are built in 512-byte buffers */
		l->x = 160;
	size_t room = l->rows - 1 - ROWS_AROUND; /* con_size: rows >= 10 */
	l->list_h = nentries < room ? nentries : room;
	if (!l->list_h)
		l->list_h = 1;
	/* Centred in the rows but the last. */
	size_t top = (l->rows - 1 - (l->list_h + ROWS_AROUND)) / 2;
	l->title_y = top;
	l->above_y = top + 1;
	l->list_y = top + 2;
	l->below_y = l->list_y + l->list_h;
	l->prompt_y = l->below_y + 1;
	l->error_y = l->below_y + 2;
	l->status_y = l->below_y + 3;
	l->help_y = l->below_y + 4;
}

static const char *kind_tag(const struct config_entry *e)
{
	if (e->origin == CONFIG_FROM_BLS)
		return "bls";
	if (e->origin == CONFIG_FROM_UKI)
		return "uki";
	switch (e->kind) {
	case CONFIG_EFI: return "efi";
	case CONFIG_VERIFY: return "verify";
	default: return e->protocol[0] ? e->protocol : "kernel";
	}
}

/* Can `e` edit entry i?  (verify entries boot nothing.) */
static bool editable(const struct config *cfg, size_t i)
{
	return !cfg->editor_off && cfg->entries[i].kind != CONFIG_VERIFY;
}

/* One entry's row: "> 12  Title (default)" and its kind at the right. */
static void draw_entry(const struct menu *m, size_t i)
{
	const struct layout *l = &m->l;
	const struct config_entry *e = &m->cfg->entries[i];
	char left[CONFIG_TITLE_MAX + 32], tag[CONFIG_PROTOCOL_MAX + 4];
	char line[512];
	size_t tag_len = fmt(tag, sizeof tag, "[%s]", kind_tag(e));

	if (i < m->top || i >= m->top + l->list_h)
		return;
	fmt(left, sizeof left, "%c%3zu  %s%s", i == m->sel ? '>' : ' ', i + 1,
	    e->title, i == m->cfg->default_entry ? "  (default)" : "");
	size_t room = l->width > tag_len + 2 ? l->width - tag_len - 2 : l->width;
	con_fit(line, sizeof line, left, room);
	size_t n = strlen(line);
	if (room < l->width) {
		memset(line + n, ' ', l->width - tag_len - 1 - n);
		memcpy(line + l->width - tag_len - 1, tag, tag_len + 1);
	}
	con_at(l->x, l->list_y + (i - m->top), l->width,
	       i == m->sel ? ATTR_SELECTED : ATTR_NORMAL, line);
}

static void draw_list(const struct menu *m)
{
	const struct layout *l = &m->l;
	size_t n = m->cfg->nentries, below = n - m->top - (n < l->list_h ? n : l->list_h);
	char text[64];

	fmt(text, sizeof text, "   ^ %zu more above", m->top);
	con_at(l->x, l->above_y, l->width, ATTR_DIM, m->top ? text : "");
	for (size_t i = m->top; i < n && i < m->top + l->list_h; i++)
		draw_entry(m, i);
	fmt(text, sizeof text, "   v %zu more below", below);
	con_at(l->x, l->below_y, l->width, ATTR_DIM, below ? text : "");
}

static void draw_help(const struct menu *m)
{
	char help[160];
	bool scrolls = m->cfg->nentries > m->l.list_h;

	/* At most 78 columns: one row on an 80-column screen. */
	fmt(help, sizeof help, "Up/Down%s or a number chooses, Enter boots%s.",
	    scrolls ? ", PgUp/PgDn" : "",
	    m->cfg->editor_off ? "" : ", e edits the command line");
	con_at(m->l.x, m->l.help_y, m->l.width, ATTR_NORMAL, help);
}

static void draw_error(const struct menu *m)
{
	char text[1100];

	fmt(text, sizeof text, "Last error: %s", con_last_error());
	con_at(m->l.x, m->l.error_y, m->l.width, ATTR_ERROR,
	       con_last_error()[0] ? text : "");
}

static void draw_status(const struct menu *m, const char *text)
{
	con_at(m->l.x, m->l.status_y, m->l.width, ATTR_STATUS, text);
}

static void draw_all(const struct menu *m)
{
	static const char title[] = "Runway boot menu";
	size_t len = sizeof title - 1;

	ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
	ST->ConOut->ClearScreen(ST->ConOut);
	ST->ConOut->EnableCursor(ST->ConOut, FALSE);
	con_at(m->l.x + (m->l.width - len) / 2, m->l.title_y, len, ATTR_TITLE, title);
	draw_list(m);
	con_at(m->l.x, m->l.prompt_y, m->l.width, ATTR_NORMAL, "");
	draw_error(m);
	draw_status(m, "");
	draw_help(m);
}

/* Select entry i, scrolling the window as little as keeps it in view. */
static void select_entry(struct menu *m, size_t i)
{
	size_t old = m->sel, old_top = m->top;

	m->sel = i;
	if (i < m->top)
		m->top = i;
	else if (i >= m->top + m->l.list_h)
		m->top = i - m->l.list_h + 1;
	if (m->top != old_top) {
		draw_list(m);
	} else if (old != i) {
		draw_entry(m, old);
		draw_entry(m, i);
	}
}

/* ---- the countdown: one row, rewritten in place ---- */

static void countdown_row(const struct menu *m, const char *text, bool first)
{
	char line[512];
	const struct layout *l = &m->l;
	size_t n;

	/* The block's indent as spaces: \r returns to column 0. */
	memset(line, ' ', l->x);
	con_fit(line + l->x, sizeof line - l->x, text, l->width);
	n = strlen(line);
	memset(line + n, ' ', l->x + l->width - n);
	line[l->x + l->width] = 0;
	if (first)
		ST->ConOut->SetCursorPosition(ST->ConOut, 0, l->status_y);
	ST->ConOut->SetAttribute(ST->ConOut, ATTR_STATUS);
	con_printf("\r%s", line);
	ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
}

static void countdown_tick(const struct menu *m, unsigned left, bool first)
{
	char text[160];

	fmt(text, sizeof text, "Booting '%s' in %u s. Any key stops the countdown.",
	    m->cfg->entries[m->sel].title, left);
	countdown_row(m, text, first);
}

/* The countdown is over: its row says why, and the serial copy gets its
 * newline. */
static void countdown_end(const struct menu *m, const char *why)
{
	countdown_row(m, why, false);
	con_printf("\n");
}

/* ---- the command-line editor ---- */

struct field {
	char *buf;
	size_t cap, len, cur; /* bytes used, the cursor's byte */
	size_t first;         /* the first byte shown (horizontal scroll) */
};

/* The field on the error row: "> " and the part of the line around the
 * cursor ("< " when the line's start is scrolled off). */
static void draw_field(const struct menu *m, struct field *f)
{
	const struct layout *l = &m->l;
	size_t shown = l->width - 3; /* the cursor may stand after the end */
	char line[512];

	if (f->cur < f->first)
		f->first = f->cur;
	else if (f->cur > f->first + shown)
		f->first = f->cur - shown;
	size_t n = f->len - f->first < shown ? f->len - f->first : shown;
	line[0] = f->first ? '<' : '>';
	line[1] = ' ';
	memcpy(line + 2, f->buf + f->first, n);
	line[2 + n] = 0;
	con_at(l->x, l->error_y, l->width, ATTR_NORMAL, line);
	ST->ConOut->SetCursorPosition(ST->ConOut, l->x + 2 + f->cur - f->first,
				      l->error_y);
}

static void field_insert(struct field *f, char c)
{
	if (f->len + 1 >= f->cap)
		return;
	memmove(f->buf + f->cur + 1, f->buf + f->cur, f->len - f->cur + 1);
	f->buf[f->cur++] = c;
	f->len++;
}

/* Erase the byte at the cursor (Delete), or before it (Backspace). */
static void field_erase(struct field *f, bool before)
{
	if (before) {
		if (!f->cur)
			return;
		f->cur--;
	}
	if (f->cur >= f->len)
		return;
	memmove(f->buf + f->cur, f->buf + f->cur + 1, f->len - f->cur);
	f->len--;
}

/* One key for the field: true when it was an editing key. */
static bool field_key(struct field *f, const EFI_INPUT_KEY *key)
{
	CHAR16 c = key->UnicodeChar;

	switch (key->ScanCode) {
	case SCAN_LEFT: if (f->cur) f->cur--; return true;
	case SCAN_RIGHT: if (f->cur < f->len) f->cur++; return true;
	case SCAN_HOME: f->cur = 0; return true;
	case SCAN_END: f->cur = f->len; return true;
	case SCAN_DELETE: field_erase(f, false); return true;
	default: break;
	}
	if (c == CHAR_BACKSPACE)
		field_erase(f, true);
	else if (c == CHAR_CTRL('u'))
		f->len = f->cur = f->buf[0] = 0;
	else if (c == CHAR_CTRL('k'))
		f->buf[f->len = f->cur] = 0;
	else if (c == CHAR_CTRL('a'))
		f->cur = 0;
	else if (c == CHAR_CTRL('e'))
		f->cur = f->len;
	else if (c >= 0x20 && c < 0x7f)
		field_insert(f, (char)c);
	else
		return false;
	return true;
}

/*
 * Edit buf[0..cap) in the rows under the list, the cursor at the end at
 * first.  true on Enter, false on Esc (buf is then unspecified).
 */
static bool edit_line(const struct menu *m, char *buf, size_t cap)
{
	const struct layout *l = &m->l;
	struct field f = { .buf = buf, .cap = cap, .len = strlen(buf) };
	char text[160];
	EFI_INPUT_KEY key;

	f.cur = f.len;
	fmt(text, sizeof text, "Command line for '%s':", m->cfg->entries[m->sel].title);
	con_at(l->x, l->prompt_y, l->width, ATTR_TITLE, text);
	draw_status(m, "");
	con_at(l->x, l->help_y, l->width, ATTR_NORMAL,
	       l->width >= 90 ?
	       "Enter boots, Esc goes back, Left/Right/Home/End move, Backspace/Delete erase, Ctrl-U clears." :
	       "Enter boots, Esc goes back, Ctrl-U clears; arrows, Home, End move.");
	ST->ConOut->EnableCursor(ST->ConOut, TRUE);
	for (;;) {
		draw_field(m, &f);
		con_read_key(0, &key);
		if (key.ScanCode == SCAN_ESC || key.UnicodeChar == CHAR_CARRIAGE_RETURN ||
		    key.UnicodeChar == CHAR_LINEFEED)
			break;
		field_key(&f, &key);
	}
	ST->ConOut->EnableCursor(ST->ConOut, FALSE);
	return key.ScanCode != SCAN_ESC;
}

/* ---- choosing ---- */

enum action { ACT_NONE, ACT_BOOT, ACT_EDIT };

/* A digit extends the number typed so far when the result is an entry's
 * number, else starts a new one: 3 then 0 is entry 30 of 40, entry 3 of 9. */
static void type_digit(struct menu *m, unsigned d)
{
	size_t n = m->cfg->nentries;

	m->number = m->number * 10 + d;
	if (m->number == 0 || m->number > n)
		m->number = d;
	if (m->number >= 1 && m->number <= n)
		select_entry(m, m->number - 1);
	else
		m->number = 0;
}

static enum action menu_key(struct menu *m, const EFI_INPUT_KEY *key)
{
	size_t n = m->cfg->nentries, page = m->l.list_h, sel = m->sel;
	CHAR16 c = key->UnicodeChar;

	if (c >= L'0' && c <= L'9') {
		type_digit(m, c - L'0');
		return ACT_NONE;
	}
	m->number = 0;
	switch (key->ScanCode) {
	case SCAN_UP: sel = sel ? sel - 1 : 0; break;
	case SCAN_DOWN: sel = sel + 1 < n ? sel + 1 : sel; break;
	case SCAN_PAGE_UP: sel = sel > page ? sel - page : 0; break;
	case SCAN_PAGE_DOWN: sel = sel + page < n ? sel + page : n - 1; break;
	case SCAN_HOME: sel = 0; break;
	case SCAN_END: sel = n - 1; break;
	default:
		if (c == CHAR_CARRIAGE_RETURN || c == CHAR_LINEFEED)
			return ACT_BOOT;
		if (c == L'e' || c == L'E')
			return ACT_EDIT;
		return ACT_NONE;
	}
	select_entry(m, sel);
	return ACT_NONE;
}

/* Leave the menu for entry sel: a clean screen that names it. */
static size_t leave(const struct menu *m)
{
	ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
	ST->ConOut->ClearScreen(ST->ConOut);
	con_printf("Booting '%s'\n", m->cfg->entries[m->sel].title);
	return m->sel;
}

/* Wait for keys until an entry is chosen (or, with `left` seconds of
 * countdown, the time runs out). */
static size_t choose(struct menu *m, unsigned left, char *cmdline, size_t cap)
{
	bool counting = left > 0;
	EFI_INPUT_KEY key;

	for (bool first = true;; first = false) {
		if (counting)
			countdown_tick(m, left, first);
		if (!con_read_key(counting ? 1 : 0, &key)) {
			if (counting && --left == 0) {
				countdown_end(m, "");
				return leave(m);
			}
			continue;
		}
		if (counting) {
			counting = false;
			countdown_end(m, "Countdown stopped.");
		}
		enum action a = menu_key(m, &key);
		if (a == ACT_BOOT) {
			fmt(cmdline, cap, "%s", m->cfg->entries[m->sel].cmdline);
			return leave(m);
		}
		if (a != ACT_EDIT)
			continue;
		if (!editable(m->cfg, m->sel)) {
			draw_status(m, m->cfg->editor_off ?
				    "The editor is turned off (editor no)." :
				    "A verify entry has no command line to edit.");
			continue;
		}
		fmt(cmdline, cap, "%s", m->cfg->entries[m->sel].cmdline);
		if (edit_line(m, cmdline, cap))
			return leave(m);
		draw_all(m);
	}
}

size_t menu_choose(const struct config *cfg, bool use_timeout, char *cmdline,
		   size_t cap)
{
	/* After an entry returns, the menu comes back on it. */
	static size_t last = (size_t)-1;
	static bool mode_set;
	struct menu m = { .cfg = cfg };
	EFI_INPUT_KEY key;

	m.sel = last < cfg->nentries ? last : cfg->default_entry;
	fmt(cmdline, cap, "%s", cfg->entries[m.sel].cmdline);
	if (cfg->menu_force)
		use_timeout = false;
	/* A timeout of 0, or one entry and no timeout line: boot at once,
	 * unless a key is already waiting (held at start), which shows the
	 * menu -- but not with loader.conf's menu-disabled. */
	if (use_timeout &&
	    (cfg->timeout == 0 || (cfg->nentries == 1 && !cfg->timeout_set))) {
		if (cfg->menu_disabled ||
		    ST->ConIn->ReadKeyStroke(ST->ConIn, &key) != EFI_SUCCESS)
			return last = m.sel;
		log_event("menu shown: a key was held at start\n");
		use_timeout = false;
	}
	if (!mode_set) {
		mode_set = true;
		con_apply_mode(cfg->console_mode, cfg->console_mode_number);
	}
	layout_for(&m.l, cfg->nentries);
	if (m.sel >= m.l.list_h)
		m.top = m.sel - m.l.list_h + 1;
	draw_all(&m);
	return last = choose(&m, use_timeout ? cfg->timeout : 0, cmdline, cap);
}
