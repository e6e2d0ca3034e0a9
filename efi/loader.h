/*
 * loader.h - what the firmware-facing files of efi/ share.  Only efi/
 * includes <efi.h>; the pure modules never see it.
 */
#ifndef RUNWAY_EFI_LOADER_H
#define RUNWAY_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>

#include "config.h"
#include "elf64.h"
#include "fmt.h"
#include "mm.h"

#define RUNWAY_VERSION "0.3"

/* ---- console.c: output to the firmware console ---- */
void con_init(void);
void con_printf(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* Machine-readable log line: "runway: <event> key=value ...". */
#define log_event(...) con_printf("runway: " __VA_ARGS__)
void con_error(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* The text of the last con_error ("" if none since con_clear_error). */
const char *con_last_error(void);
void con_clear_error(void);
const char *efi_status_name(EFI_STATUS st);
/* Wait for a key press for at most `seconds`; true if one came. */
BOOLEAN con_wait_key(UINTN seconds);

/* ---- time.c: time stamp counter ---- */
uint64_t tsc_now(void);
void tsc_calibrate(void);
uint64_t tsc_to_us(uint64_t ticks);

/* ---- random.c: KASLR entropy; names its source ---- */
uint64_t random_u64(const char **ret_source);

/* ---- file.c: files on the loader's own volume ---- */
struct efi_file {
	EFI_FILE_HANDLE h;
	uint64_t size;
	char path[CONFIG_PATH_MAX];
};
EFI_STATUS vol_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *ret_root,
			 CHAR16 **ret_dir);
EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path,
		     struct efi_file *ret_f);
void file_close(struct efi_file *f);
/* elf_file.read: read exactly len bytes at off. */
uint64_t file_read_at(void *ctx, uint64_t off, void *buf, uint64_t len);
/* Read f's bytes [0, len) into buf, 1 MiB per firmware call (some firmware
 * refuses larger reads); on failure *ret_off is the offset of the read
 * that failed. */
EFI_STATUS file_read_chunked(struct efi_file *f, void *buf, uint64_t len,
			     uint64_t *ret_off);
/* path ('/'-separated) as an EFI path ('\\', UCS-2) in out[0..cap). */
void file_efi_path(const char *path, CHAR16 *out, UINTN cap);
/* Read a whole small file into pool memory (caller frees with FreePool). */
EFI_STATUS file_read_all(EFI_FILE_HANDLE root, const CHAR16 *path,
			 char **ret_buf, UINTN *ret_len);

/* ---- memmap.c: firmware memory map snapshots ---- */
struct efi_map {
	void *buf;
	UINTN size;      /* bytes of descriptors in buf */
	UINTN cap;       /* bytes allocated */
	UINTN key;
	UINTN desc_size;
	UINT32 desc_ver;
};
/* Take a snapshot, growing the buffer (with slack) as needed. */
EFI_STATUS map_snapshot(struct efi_map *m);
/* Grow the buffer to hold `descs` descriptors, then take a snapshot. */
EFI_STATUS map_reserve(struct efi_map *m, UINTN descs);
/* Take a snapshot into the existing buffer; never allocates. */
EFI_STATUS map_snapshot_noalloc(struct efi_map *m);
void map_free(struct efi_map *m);
/* The seam for mm/: claims via AllocatePages(AllocateAddress). */
extern const struct mm_fw efi_mm_fw;

/* ---- sysinfo.c: what the boot info reports about the machine ---- */
struct runway_boot_info;
void sysinfo_fill(struct runway_boot_info *bi);

/* ---- boot.c: load a native ELF kernel and jump to it ---- */
/*
 * Run entry e: boot its kernel (returns only on failure, with every page
 * it claimed given back) or verify its file (returns EFI_SUCCESS after
 * printing the verify line, everything given back).
 */
EFI_STATUS boot_entry(EFI_HANDLE image, EFI_FILE_HANDLE root,
		      const struct config *cfg, const struct config_entry *e);

/* A pinned hash: EFI_SUCCESS when got equals want, else the mismatch is
 * reported for `what` (a path) and EFI_SECURITY_VIOLATION returned. */
EFI_STATUS sha256_pin_check(const char *what, const uint8_t got[32],
			    const uint8_t want[32]);

/* ---- chainload.c: start another EFI program ---- */
/*
 * Run efi entry e: load its file, start it with the entry's cmdline as
 * load options (and its initrd served to Linux), and return when the
 * program returns, with everything Runway allocated for it given back.
 */
EFI_STATUS chain_entry(EFI_HANDLE image, EFI_FILE_HANDLE root,
		       const struct config_entry *e);

/* ---- menu.c ---- */
/*
 * Show the menu and return the chosen entry; the default boots when the
 * timeout (if used) runs out.  cmdline[0..cap) receives the command line
 * to use: the entry's own, or the one the user edited.
 */
size_t menu_choose(const struct config *cfg, BOOLEAN use_timeout,
		   char *cmdline, size_t cap);
/* Pages currently claimed by Runway (loader code and Runway's own types). */
uint64_t claimed_pages(void);

#endif
