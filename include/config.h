/*
 * config.h - runway.conf, parsed.  Pure logic: the loader reads the file,
 * this turns its bytes into a struct config, checking every value and
 * limit on the way.  The file's syntax, every key with its default and
 * limits, and how errors are reported: docs/CONFIG.md.
 */
#ifndef RUNWAY_CONFIG_H
#define RUNWAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define CONFIG_FILE_MAX (1ull << 20) /* bytes of runway.conf */
#define CONFIG_PATH_MAX 256
#define CONFIG_CMDLINE_MAX 1024
#define CONFIG_TITLE_MAX 64
#define CONFIG_MODULE_STRING_MAX 256
#define CONFIG_MAX_MODULES 8
#define CONFIG_MAX_INITRDS 8 /* initrd lines of one efi entry */
#define CONFIG_MAX_ENTRIES 64
#define CONFIG_PROTOCOL_MAX 16 /* a name of 1..15 bytes and its NUL */
#define CONFIG_PROTOCOL_DEFAULT "runway"

enum config_kind {
	CONFIG_KERNEL = 1,
	CONFIG_VERIFY = 2,
	CONFIG_EFI = 3,
};

/* Where a menu entry was written: runway.conf, a Boot Loader Specification
 * type #1 file (a .conf in /loader/entries) or a unified kernel image found in
 * /EFI/Linux (type #2). */
enum config_origin {
	CONFIG_FROM_RUNWAY = 0,
	CONFIG_FROM_BLS = 1,
	CONFIG_FROM_UKI = 2,
};

/* loader.conf's console-mode: keep the firmware's mode (the default), the
 * mode the firmware calls best (auto), the largest (max), or mode N. */
enum config_console_mode {
	CONFIG_CONSOLE_KEEP = 0,
	CONFIG_CONSOLE_AUTO,
	CONFIG_CONSOLE_MAX,
	CONFIG_CONSOLE_NUMBER,
};

struct config_module {
	char path[CONFIG_PATH_MAX];
	char string[CONFIG_MODULE_STRING_MAX];
	bool has_sha256;
	uint8_t sha256[32];
};

/* One `initrd =` of an efi entry (or a BLS entry's `initrd`): the loader
 * concatenates them, in order, into the one initrd Linux loads. */
struct config_initrd {
	char path[CONFIG_PATH_MAX];
	bool has_sha256; /* pinned by the entry's matching `initrd-sha256` */
	uint8_t sha256[32];
};

struct config_entry {
	char title[CONFIG_TITLE_MAX];
	enum config_kind kind;
	char path[CONFIG_PATH_MAX];
	/*
	 * `protocol = NAME`, kernel entries only: the boot protocol the kernel
	 * is handed over with.  "" = not given, which means
	 * CONFIG_PROTOCOL_DEFAULT.  The parser checks the syntax only (1..15
	 * of a-z, 0-9 and '-'): whether a protocol of that name exists is the
	 * loader's business, so a new one needs no change here.
	 */
	char protocol[CONFIG_PROTOCOL_MAX];
	char cmdline[CONFIG_CMDLINE_MAX];
	size_t ninitrds; /* efi entries; 0 = none */
	struct config_initrd initrds[CONFIG_MAX_INITRDS];
	size_t ninitrd_sha256; /* initrd-sha256 lines read (the Nth pins initrd N) */
	bool has_sha256;
	uint8_t sha256[32];
	bool kaslr;
	size_t nmodules;
	size_t nmodule_sha256;
	struct config_module modules[CONFIG_MAX_MODULES];
	unsigned line; /* where it starts, for messages */
	enum config_origin origin;
};

struct config {
	unsigned timeout;
	bool timeout_set;     /* the config has a timeout line */
	bool menu_force;      /* show the menu and wait for a key: no countdown */
	bool menu_disabled;   /* timeout 0 and no key shows the menu (loader.conf) */
	bool editor_off;      /* `e` does nothing (loader.conf `editor no`) */
	bool bls_off;         /* `bls = no`: no Boot Loader Specification entries */
	enum config_console_mode console_mode;
	unsigned console_mode_number; /* with CONFIG_CONSOLE_NUMBER */
	size_t default_entry; /* index */
	bool default_set;     /* the config has a `default = N` line ... */
	unsigned default_line; /* ... this one, for messages */
	bool exit_after;
	bool quiet;         /* no log lines, no quick progress bars: errors only */
	bool run_all;
	bool map_dump;
	bool claim_per_page;
	uint64_t fragment; /* bytes; 0 = off */
	size_t nentries;
	struct config_entry entries[CONFIG_MAX_ENTRIES];
};

/*
 * Parse text[0..len) into *cfg (caller-owned; large: allocate it).
 * Returns 0, or -1 at the first error: err then names the line (for a
 * whole-file rule, just "runway.conf") and the key or entry, and *cfg
 * holds the global keys read so far (so that exit-after still applies).
 */
int config_parse(const char *text, size_t len, struct config *cfg,
		 struct rw_err *err);

/*
 * The rules for the menu as a whole, once runway.conf's entries and (unless
 * `bls = no`) the BLS and UKI entries after them are in cfg: at least one
 * entry, and `default = N` names one of them.  config_parse applies it
 * itself only with `bls = no`; otherwise the loader calls it after the
 * merge.  Returns 0, or -1 with err naming where it looked, or the
 * default's line.
 */
int config_check_menu(const struct config *cfg, struct rw_err *err);

/*
 * Is a runway.conf of `size` bytes within CONFIG_FILE_MAX?  Returns 0, or
 * -1 with err naming the size and the limit.
 */
int config_check_size(uint64_t size, struct rw_err *err);

/*
 * The one path rule, for the parser and for the loader's file_open and
 * chainload alike: path (NUL-terminated, at most CONFIG_PATH_MAX - 1
 * bytes) as an EFI file path in out (ucs2_path_from_config says what
 * converts).  Returns true, or false with err (if not NULL) saying why
 * and out untouched.
 */
#define CONFIG_EFI_PATH_UNITS (CONFIG_PATH_MAX + 1)
bool config_efi_path(const char *path, uint16_t out[CONFIG_EFI_PATH_UNITS],
		     struct rw_err *err);

/* "kernel", "verify" or "efi": the key that sets the kind. */
const char *config_kind_name(enum config_kind kind);

/* The entry's protocol name: e->protocol, or CONFIG_PROTOCOL_DEFAULT when
 * the entry does not name one.  Meaningful for kernel entries only. */
const char *config_protocol_name(const struct config_entry *e);

#endif
