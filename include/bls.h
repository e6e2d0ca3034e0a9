/*
 * bls.h - the Boot Loader Specification's files, parsed: type #1 entries
 * (/loader/entries/ID.conf), systemd-boot's /loader/loader.conf, and the
 * os-release text a unified kernel image (type #2) carries in .osrel.
 * Pure logic, like config.h: the loader reads the files, this turns their
 * bytes into menu entries and settings and puts entries in the
 * specification's order.
 */
#ifndef RUNWAY_BLS_H
#define RUNWAY_BLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fmt.h"

#define BLS_ID_MAX 128        /* a file name, ".conf" or ".efi" included */
#define BLS_KEY_VALUE_MAX 128 /* version, sort-key, machine-id */
#define BLS_FILE_MAX (64u << 10) /* bytes of one entry or loader.conf */

/* One menu entry from a type #1 file or a type #2 image. */
struct bls_entry {
	struct config_entry e; /* origin CONFIG_FROM_BLS or CONFIG_FROM_UKI */
	char id[BLS_ID_MAX];   /* the file name: what `default` globs match */
	char sort_key[BLS_KEY_VALUE_MAX];
	char machine_id[BLS_KEY_VALUE_MAX];
	char version[BLS_KEY_VALUE_MAX];
	/* `devicetree` or `devicetree-overlay` was given: x86 has no device
	 * tree, so it is ignored; the loader says so in its log. */
	bool devicetree_ignored;
	/* Which volume the entry was read from: the loader's tag (the
	 * parser sets 0), kept with the entry through bls_sort. */
	unsigned char volume;
};

/*
 * Parse entry file `id` (its name in /loader/entries, no directory, .conf
 * included) from text[0..len) into *out (all of it written; out->id = id).
 * Lines are `KEY VALUE` (blanks between; a value wholly in double quotes
 * loses them, as systemd-boot reads it), `#` comment lines and blank
 * lines; unknown keys are ignored, and a single-value key given twice
 * keeps the last, as in systemd-boot.
 *
 * `linux` or `efi` (exactly one of them) becomes an efi entry: e.kind =
 * CONFIG_EFI, e.path = that path, every `initrd` in order in e.initrds
 * (an `efi` program gets them too, served the same way), the `options`
 * lines joined by single spaces as e.cmdline.  Paths are relative to the
 * root of the entry's volume, with or without a leading '/': they are
 * stored with one leading '/' and no repeated '/' (the form runway.conf's
 * paths have), and must pass config_efi_path (no "." or "..", printable
 * ASCII).  The title is `title` (cut to CONFIG_TITLE_MAX - 1 bytes ending
 * in "..." when longer), else the id without .conf, with " (VERSION)"
 * when there is a version.  e.origin = CONFIG_FROM_BLS, e.line = 1.
 *
 * Returns 1 with *out filled; 0 when `architecture` names another one
 * than x64 (compared ignoring case; err says which, for the log); -1 on
 * an error, err "loader/entries/ID:LINE: ..." naming the key: no linux or
 * efi, both, a control byte (tab aside) or NUL, a value longer than its
 * field, more than CONFIG_MAX_INITRDS initrds, a path config_efi_path
 * refuses.
 */
int bls_parse_entry(const char *id, const char *text, size_t len,
		    struct bls_entry *out, struct rw_err *err);

/*
 * The UAPI Version Format Specification's comparison (used by the Boot
 * Loader Specification): <0, 0, >0 as a is older than, equal to or newer
 * than b.  Characters other than ASCII letters, digits and "-.~^" only
 * separate.  Where the strings first differ: '~' sorts before anything,
 * even the end of the string ("1~rc1" < "1"); then the end before
 * anything else ("1" < "1.0"); then '-' before anything else, then '^',
 * then '.', then letters and digits; a run of digits is newer than a run
 * of letters, two of them compare as numbers (leading zeros ignored, any
 * length), two runs of letters by ASCII ('Z' < 'a'), a shorter prefix
 * first.  NULL is "".
 */
int bls_version_cmp(const char *a, const char *b);

/*
 * The specification's order of two entries (<0: a is shown first):
 * entries whose boot counter ran out ("+0" in the id) last; of two with a
 * sort-key, sort-key ascending, then machine-id ascending (strcmp), then
 * version newest first; an entry with a sort-key before one without; then
 * the id without .conf/.efi, newest version first.
 */
int bls_entry_cmp(const struct bls_entry *a, const struct bls_entry *b);

/* Put v[0..n) in bls_entry_cmp's order (stable: equal entries keep the
 * order they came in). */
void bls_sort(struct bls_entry *v, size_t n);

/*
 * Does the whole of name match the glob pattern?  '*' any run of bytes,
 * '?' any one byte, "[...]" one byte of a set with ranges ("a-z"), "[!...]"
 * or "[^...]" one byte not in it (a ']' first in the set is literal), '\'
 * makes the next byte literal.  Case-sensitive; '/' is an ordinary byte.
 * A malformed bracket (no closing ']') matches itself literally.
 */
bool bls_glob_match(const char *pattern, const char *name);

/*
 * The index of the entry `default` selects: the first of v[0..n) (put in
 * menu order first) whose id matches pattern, or n when none does.
 */
size_t bls_find_default(const struct bls_entry *v, size_t n,
			const char *pattern);

/*
 * Give entries with the same title something to tell them apart, as
 * systemd-boot does: " (VERSION)" appended to each that has a version,
 * then " (ID)" to those still alike.  Titles are cut to fit with "...".
 * Looks at the first CONFIG_MAX_ENTRIES entries only.
 */
void bls_disambiguate_titles(struct bls_entry *v, size_t n);

/* src as a title in dst[0..cap): whole when it fits, else cut and ending
 * in "..." so that the cut shows. */
void bls_title_fit(char *dst, size_t cap, const char *src);

/* /loader/loader.conf: the keys Runway honours; others are ignored. */
struct loader_conf {
	char default_pattern[BLS_ID_MAX]; /* "" = not given */
	bool timeout_set;
	unsigned timeout;   /* seconds; 0 = boot the default unless a key is down */
	bool menu_force;    /* timeout menu-force: menu, no countdown */
	bool menu_disabled; /* timeout menu-disabled: as 0, and no key shows it */
	bool editor_off;    /* editor no */
	enum config_console_mode console_mode;
	unsigned console_mode_number;
};

#define LOADER_CONF_TIMEOUT_MAX 0xfffffffdu /* what systemd-boot takes */

/*
 * systemd-boot's loader.conf: `KEY VALUE` lines as in an entry file.
 * default GLOB (kept as written: "@saved" and the like are the loader's
 * to handle), timeout SECONDS | menu-force | menu-hidden | menu-disabled,
 * editor BOOL, console-mode N | keep | auto | max, where BOOL is one of
 * yes y true t on 1 / no n false f off 0.  Any other key (auto-entries,
 * beep, random-seed-mode, ...) is accepted and ignored; a key given twice
 * keeps the last.  Returns 0 with *out filled (defaults: nothing set,
 * console keep), or -1 with err "loader/loader.conf:LINE: ..." naming the
 * key and the value.
 */
int loader_conf_parse(const char *text, size_t len, struct loader_conf *out,
		      struct rw_err *err);

/* os-release (a UKI's .osrel): the fields a menu title is made of.  A value
 * longer than its field is cut to fit. */
struct osrel {
	char pretty_name[CONFIG_TITLE_MAX];
	char name[CONFIG_TITLE_MAX];
	char id[BLS_KEY_VALUE_MAX];
	char version_id[BLS_KEY_VALUE_MAX];
	char version[BLS_KEY_VALUE_MAX];
	char image_id[BLS_KEY_VALUE_MAX];
	char image_version[BLS_KEY_VALUE_MAX];
	char build_id[BLS_KEY_VALUE_MAX];
};

/*
 * os-release text: KEY=VALUE lines, '#' comment lines, blank lines.  A
 * value may be bare, in "double quotes" (where '\' escapes the next
 * character) or in 'single quotes' (taken as written), or pieces of
 * these one after the other, as the shell would read it.  Unknown keys and
 * lines that are not assignments are skipped, as os-release readers do.
 * *out is all written (missing fields "").
 */
void osrel_parse(const char *text, size_t len, struct osrel *out);

/*
 * A UKI's menu name, as systemd-boot picks it: PRETTY_NAME, else
 * IMAGE_ID, else NAME, else ID, else "" (the caller falls back to the
 * file name).  Its version: IMAGE_VERSION, else VERSION, else VERSION_ID,
 * else BUILD_ID, else "".  Its sort key: IMAGE_ID, else ID.
 */
const char *osrel_name(const struct osrel *o);
const char *osrel_version(const struct osrel *o);
const char *osrel_sort_key(const struct osrel *o);

/*
 * The menu title of UKI `id` (its file name in /EFI/Linux): osrel_name,
 * else the id without .efi; then " (VERSION)" with osrel_version unless
 * the name already holds it.  Cut to cap - 1 bytes ending in "..." when
 * longer.
 */
void osrel_title(const struct osrel *o, const char *id, char *out,
		 size_t cap);

/*
 * Fill *out for UKI `id` found at `path` (e.g. "/EFI/Linux/ID"): an efi
 * entry (CONFIG_FROM_UKI) titled by osrel_title, with o's version and
 * sort key and cmdline as its command line (its .cmdline section; NULL =
 * none; cut to fit is refused).  Returns 0, or -1 with err naming the
 * path when a value is too long for its field.
 */
int bls_entry_from_uki(const char *id, const char *path, const struct osrel *o,
		       const char *cmdline, struct bls_entry *out,
		       struct rw_err *err);

#endif
