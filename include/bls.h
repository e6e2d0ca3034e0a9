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
};

/*
 * Parse entry file `id` (its name in /loader/entries, no directory) from
 * text[0..len) into *out.  `linux` becomes an efi entry (e.kind =
 * CONFIG_EFI, e.path = the linux path) with every `initrd` in order and
 * the `options` lines joined by single spaces as its command line; `efi`
 * likewise without initrds.  The title is `title`, else the pretty id
 * (without .conf) with the version, as systemd-boot shows it.
 * Returns 1 with *out filled; 0 when the entry is for another
 * architecture (err says which, for the log); -1 on an error, err naming
 * "loader/entries/ID:LINE" and the key.
 */
int bls_parse_entry(const char *id, const char *text, size_t len,
		    struct bls_entry *out, struct rw_err *err);

/*
 * The specification's version comparison (<0, 0, >0 as a is older than,
 * equal to or newer than b).
 */
int bls_version_cmp(const char *a, const char *b);

/* Put v[0..n) in the specification's menu order. */
void bls_sort(struct bls_entry *v, size_t n);

/* Does name match the glob pattern (*, ? and [...] as fnmatch)? */
bool bls_glob_match(const char *pattern, const char *name);

/* /loader/loader.conf: the keys Runway honours; others are ignored. */
struct loader_conf {
	char default_pattern[BLS_ID_MAX]; /* "" = not given */
	bool timeout_set;
	unsigned timeout;   /* seconds */
	bool menu_force;    /* timeout menu-force */
	bool editor_off;    /* editor no */
	enum config_console_mode console_mode;
	unsigned console_mode_number;
};

/* Returns 0, or -1 with err naming "loader/loader.conf:LINE" and the key. */
int loader_conf_parse(const char *text, size_t len, struct loader_conf *out,
		      struct rw_err *err);

/* os-release (a UKI's .osrel): the fields a menu title is made of. */
struct osrel {
	char pretty_name[CONFIG_TITLE_MAX];
	char name[CONFIG_TITLE_MAX];
	char id[BLS_KEY_VALUE_MAX];
	char version_id[BLS_KEY_VALUE_MAX];
	char version[BLS_KEY_VALUE_MAX];
	char image_id[BLS_KEY_VALUE_MAX];
};

/* Unquotes and unescapes values; unknown keys and bad lines are skipped,
 * as os-release readers do. */
void osrel_parse(const char *text, size_t len, struct osrel *out);

#endif
