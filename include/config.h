/*
 * config.h - runway.conf, parsed.  Pure logic: the loader reads the file,
 * this turns its bytes into a struct config.
 *
 * Syntax: one `key = value` per line; `#` starts a comment line; blank
 * lines are ignored; spaces around keys and values are trimmed.
 * `entry = TITLE` starts a menu entry; entry keys before the first
 * `entry =` line form an entry of their own (so a two-line config
 * `kernel = ...` / `cmdline = ...` works).
 *
 * Global keys (anywhere):
 *   timeout = SECONDS     menu timeout before the default entry (default 5;
 *                         0 boots at once)
 *   default = N           the default entry, counted from 1 (default 1)
 *   exit-after = yes|no   power off when an entry fails or a verify ends
 *   run-all = yes|no      run every entry in order (for tests), then power
 *                         off with exit-after, else show the menu
 * Booleans also take true/false and 1/0.  Limits: timeout <= 3600, 64
 * entries, 8 modules an entry, paths 255 bytes, titles 63, command lines
 * 1023, module strings 255; runway.conf itself at most 1 MiB.
 *   map-dump = yes|no     print the firmware's and the normalized map
 *   claim-per-page = yes|no  debug, for benchmarks: claim (and release)
 *                         memory one page per firmware call, as a naive
 *                         loader would (make bench-boot compares)
 *   fragment = SIZE       debug: claim every other SIZE piece of free memory
 *                         while loading (bytes, or with K, M, G, T; at most 1T)
 * Entry keys (one of kernel, verify, efi per entry):
 *   kernel = PATH         an ELF64 kernel to boot, or
 *   verify = PATH         an ELF64 file to load, hash through the page
 *                         tables and release (see docs/PROTOCOL.md), or
 *   efi = PATH            an EFI program to chainload (another loader, a
 *                         shell, Linux through its EFI stub)
 *   cmdline = TEXT        the kernel's command line (for efi: the load
 *                         options, as UCS-2)
 *   initrd = PATH         efi entries: a Linux initrd, served through the
 *                         LINUX_EFI_INITRD_MEDIA_GUID LoadFile2 protocol
 *   initrd-sha256 = HEX   pin the initrd's SHA-256
 *   module = PATH [TEXT]  a module (repeatable), with an optional string
 *   sha256 = HEX          pin the kernel (or efi) file's SHA-256
 *   module-sha256 = HEX   pin the next module's SHA-256 (in module order)
 *   kaslr = yes|no        randomize a relocatable kernel's base (default yes)
 */
#ifndef RUNWAY_CONFIG_H
#define RUNWAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define CONFIG_PATH_MAX 256
#define CONFIG_CMDLINE_MAX 1024
#define CONFIG_TITLE_MAX 64
#define CONFIG_MODULE_STRING_MAX 256
#define CONFIG_MAX_MODULES 8
#define CONFIG_MAX_ENTRIES 64

enum config_kind {
	CONFIG_KERNEL = 1,
	CONFIG_VERIFY = 2,
	CONFIG_EFI = 3,
};

struct config_module {
	char path[CONFIG_PATH_MAX];
	char string[CONFIG_MODULE_STRING_MAX];
	bool has_sha256;
	uint8_t sha256[32];
};

struct config_entry {
	char title[CONFIG_TITLE_MAX];
	enum config_kind kind;
	char path[CONFIG_PATH_MAX];
	char cmdline[CONFIG_CMDLINE_MAX];
	char initrd[CONFIG_PATH_MAX]; /* efi entries; "" = none */
	bool has_initrd_sha256;
	uint8_t initrd_sha256[32];
	bool has_sha256;
	uint8_t sha256[32];
	bool kaslr;
	size_t nmodules;
	size_t nmodule_sha256;
	struct config_module modules[CONFIG_MAX_MODULES];
	unsigned line; /* where it starts, for messages */
};

struct config {
	unsigned timeout;
	size_t default_entry; /* index */
	bool exit_after;
	bool run_all;
	bool map_dump;
	bool claim_per_page;
	uint64_t fragment; /* bytes; 0 = off */
	size_t nentries;
	struct config_entry entries[CONFIG_MAX_ENTRIES];
};

/*
 * Parse text[0..len) into *cfg (caller-owned; large: allocate it).  On
 * error err names the line and the key, and *cfg holds the global keys
 * read so far (so that exit-after still applies).
 */
int config_parse(const char *text, size_t len, struct config *cfg,
		 struct rw_err *err);

/* "kernel", "verify" or "efi": the key that sets the kind. */
const char *config_kind_name(enum config_kind kind);

#endif
