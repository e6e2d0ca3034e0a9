/*
 * loader.h - what the firmware-facing files of efi/ share.  Only efi/
 * includes <efi.h>; the pure modules never see it.
 *
 * Conventions: functions here return EFI_STATUS and report their own
 * errors once, with con_fail (which logs and returns the status); output
 * parameters come last, are named ret_*, and are untouched on failure.
 * Firmware types stay at the firmware calls: Runway's own signatures use
 * bool, size_t, uint64_t and char16_t-sized uint16_t.
 */
#ifndef RUNWAY_EFI_LOADER_H
#define RUNWAY_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>

#include "bls.h"
#include "config.h"
#include "cpu.h"
#include "dhcp.h"
#include "elf64.h"
#include "fmt.h"
#include "mm.h"
#include "proto.h"


/* ---- console.c: output to the firmware console ---- */
void con_init(void);
/* `quiet = yes`: log_event writes nothing, con_progress only for slow reads. */
void con_set_quiet(bool on);
void con_printf(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* Machine-readable log line: "runway: <event> key=value ..." (the prefix
 * is written here, not repeated in every format string). */
void log_event(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* Report an error ("runway: error: ..."; the text is kept for the menu). */
void con_report(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* Report and return st, in one expression: `return con_fail(st, "...", ...);`
 * (a macro, so that the analyzer sees which status comes back). */
#define con_fail(st, ...) (con_report(__VA_ARGS__), (EFI_STATUS)(st))
/* The text of the last error reported ("" if none since con_clear_error). */
const char *con_last_error(void);
void con_clear_error(void);
const char *efi_status_name(EFI_STATUS st);
/* Wait for a key press for at most `seconds` (0: for ever); true with
 * *ret_key when one came. */
bool con_read_key(unsigned seconds, EFI_INPUT_KEY *ret_key);
/* End a line left open by con_progress (con_printf and con_report do it
 * themselves). */
void con_end_line(void);
/* The current text mode's columns and rows (80x25 when the firmware
 * cannot say). */
void con_size(size_t *ret_cols, size_t *ret_rows);
/* Set the text mode console-mode asks for (keep: none); a mode the
 * console lacks is reported and the current one kept. */
void con_apply_mode(enum config_console_mode how, unsigned number);
/* s cut to at most width bytes ("..." at the end when cut), into
 * out[0..cap). */
void con_fit(char *out, size_t cap, const char *s, size_t width);
#define CON_ATTR_NORMAL (EFI_LIGHTGRAY | EFI_BACKGROUND_BLACK)
/* text at column x of row y in attr, cut or padded with spaces to width
 * (at most 511) bytes; the attribute goes back to CON_ATTR_NORMAL, then a
 * newline (the serial copy reads one line per row): never on the
 * screen's last row, where it would scroll. */
void con_at(size_t x, size_t y, size_t width, UINTN attr, const char *text);
/*
 * Progress of one long read: one line, "Reading PATH [####----] 45%
 * 29/64 MiB 12.3 MiB/s", rewritten in place (\r) at most ten times a
 * second (now_anyway: this call too, e.g. at the end of a large read, which
 * a kernel's never-read gaps may leave short of total) from the first
 * MiB on, and ended with a newline when done reaches total (later calls
 * show nothing).  Start with a zeroed struct.
 */
#define CON_PROGRESS_BAR 24
#define CON_PROGRESS_MIN (16ull << 20) /* files larger than this show it */
struct con_progress {
	uint64_t start, shown; /* TSC: the first call, the last update */
	uint64_t done;         /* bytes read so far (the caller's count) */
	bool finished;         /* the 100% line is out: no more lines */
};
void con_progress(struct con_progress *p, const char *path, uint64_t done,
		  uint64_t total, bool now_anyway);

/* ---- time.c: time stamp counter ---- */
uint64_t tsc_now(void);
void tsc_calibrate(void);
uint64_t tsc_to_us(uint64_t ticks);
/* Busy-wait (usable after ExitBootServices). */
void tsc_delay_us(uint64_t us);

/* ---- random.c: KASLR entropy; names its source ---- */
uint64_t random_u64(const char **ret_source);

/* ---- pxe.c: files from the TFTP server that served Runway ---- */
struct pxe {
	EFI_PXE_BASE_CODE *bc;
	uint8_t server[4];
	char server_text[16];
	char bootfile[DHCP_BOOTFILE_MAX]; /* as the DHCP reply names it */
};
struct vol_file;
/*
 * Runway's device has the PXE base code: find the server that served it
 * and its boot file.  EFI_UNSUPPORTED with why[0] == 0 when the device has
 * no PXE base code; other failures say why in why[0..cap).  Reports
 * nothing.
 */
EFI_STATUS pxe_init(EFI_HANDLE device, struct pxe *ret, char *why, size_t cap);
/*
 * The size of the file at config path `path` (tsize), refused
 * (EFI_BAD_BUFFER_SIZE) when larger than free memory.  Reports nothing:
 * on failure why[0..cap) names the server, the file and the TFTP error
 * or the status; a missing file is EFI_NOT_FOUND or EFI_TFTP_ERROR.
 */
EFI_STATUS pxe_size(const struct pxe *p, const char *path, uint64_t *ret_size,
		    char *why, size_t cap);
/* Transfer the whole file into dst[0..size) (logs "tftp uri=..."); on
 * failure why says why and a "tftp-failed" line says it too (the caller
 * reports the status). */
EFI_STATUS pxe_read(const struct pxe *p, const char *path, void *dst, uint64_t size,
		    char *why, size_t cap);
/* Runway's device path and a URI node "tftp://SERVER/NAME" (pool). */
EFI_STATUS pxe_device_path(const struct pxe *p, EFI_HANDLE device, const char *path,
			   EFI_DEVICE_PATH **ret_dp);

/* ---- source.c: where files come from, the volume or TFTP ---- */
struct source {
	EFI_HANDLE device;      /* Runway's own device */
	EFI_FILE_HANDLE root;   /* its file system's root; NULL over TFTP */
	uint16_t *dir;          /* the loader's directory there ("\EFI\BOOT") */
	struct pxe pxe;         /* when root is NULL */
	char why[320];          /* what the last failed file_open found out */
};
/* The volume Runway was loaded from, else the TFTP server that served
 * it (logs "source kind=tftp ...").  Reports its errors. */
EFI_STATUS source_open(EFI_HANDLE image, struct source *ret);
/* Open runway.conf: on a volume in the loader's directory, then at the
 * root; over TFTP next to the boot file, then at the server's root.
 * Reports its errors. */
EFI_STATUS source_open_config(struct source *src, struct vol_file *ret_f);
/* On a volume, is there no runway.conf in either place?  (Over TFTP:
 * false, so that the config is asked for and its absence reported.) */
bool source_config_absent(struct source *src);
/* A device path naming the file at path for LoadImage (pool): on the
 * volume, or Runway's device and tftp://SERVER/NAME. */
EFI_STATUS source_device_path(const struct source *src, const char *path,
			      EFI_DEVICE_PATH **ret_dp);

/* ---- file.c: files from the source, opened, read and closed ---- */
struct vol_file {
	EFI_FILE_HANDLE h;      /* on a volume */
	struct source *src;     /* over TFTP */
	uint8_t *bytes;         /* over TFTP, once read at an offset: the whole
				 * file (pool) */
	uint64_t size;
	char path[CONFIG_PATH_MAX];
	struct con_progress progress; /* files over CON_PROGRESS_MIN */
};
/* What file_open and file_open_w return for a path that names a
 * directory (an OEM status, UEFI 2.10 appendix D; efi_status_name names
 * it): read as a file, a directory gives its entries. */
#define RUNWAY_IS_A_DIRECTORY EFIERR_OEM(1)
/* The loader's volume and the directory it was started from ("\EFI\BOOT");
 * EFI_UNSUPPORTED when its device has no file system. */
EFI_STATUS vol_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *ret_root,
			 uint16_t **ret_dir);
/* Open a config path ('/'-separated) in the source; over TFTP this asks
 * the size and checks it against free memory.  Reports nothing:
 * file_error(src, status) says why (EFI_INVALID_PARAMETER when the path
 * cannot be a file name, RUNWAY_IS_A_DIRECTORY for a directory). */
EFI_STATUS file_open(struct source *src, const char *path,
		     struct vol_file *ret_f);
/* The status's name and what the last failed file_open found out, e.g.
 * "EFI_NOT_FOUND: tftp://10.0.2.2/boot/x: TFTP error 1 (file not found)";
 * valid until the next call. */
const char *file_error(const struct source *src, EFI_STATUS st);
void file_close(struct vol_file *f);
/* elf_file.read: read exactly len bytes at off.  Over TFTP, a read of
 * the whole file transfers it straight into buf; any other read first
 * transfers the whole file into a buffer the file keeps (the one copy a
 * network load makes), then copies from it. */
uint64_t file_read_at(void *ctx, uint64_t off, void *buf, uint64_t len);
/* A kernel's segments are in: a progress line still open ends at 100%
 * (the file's section headers and the like are never read). */
void file_progress_end(struct vol_file *f);
/* Read f's bytes [0, len) into buf, 1 MiB per firmware call (some firmware
 * refuses larger reads; over TFTP, one transfer); on failure *ret_off is
 * the offset of the read that failed. */
EFI_STATUS file_read_chunked(struct vol_file *f, void *buf, uint64_t len,
			     uint64_t *ret_off);
/* Open an EFI path (UCS-2, '\\'-separated); path names it in messages. */
EFI_STATUS file_open_w(EFI_FILE_HANDLE root, const uint16_t *wpath,
		       const char *path, struct vol_file *ret_f);
/* Read an open file whole into pool memory, with a NUL after it (the
 * caller frees it with FreePool); a file over max bytes is refused.
 * Reports its errors, naming `what` and the path. */
EFI_STATUS file_read_whole(struct vol_file *f, const char *what, uint64_t max,
			   void **ret_buf);

/* ---- fwmap.c: firmware memory map snapshots ---- */
struct fw_map {
	void *buf;
	size_t size;      /* bytes of descriptors in buf */
	size_t cap;       /* bytes allocated */
	UINTN key;
	size_t desc_size;
	uint32_t desc_ver;
};
/* Descriptors in the snapshot (mm_efi_desc_count: 0 when the firmware's
 * descriptor size cannot hold one). */
static inline size_t fw_map_count(const struct fw_map *m)
{
	return mm_efi_desc_count(m->size, m->desc_size);
}
/* The i-th descriptor, or NULL past the end: the one walker over a
 * firmware map in efi/. */
static inline const struct mm_efi_desc *fw_map_desc(const struct fw_map *m,
						    size_t i)
{
	return mm_efi_desc_at(m->buf, m->size, m->desc_size, i);
}
/* Take a snapshot, growing the buffer (with slack) as needed. */
EFI_STATUS fw_map_snapshot(struct fw_map *m);
/* Grow the buffer to hold `descs` descriptors, then take a snapshot. */
EFI_STATUS fw_map_reserve(struct fw_map *m, size_t descs);
/* Take a snapshot into the existing buffer; never allocates. */
EFI_STATUS fw_map_snapshot_noalloc(struct fw_map *m);
void fw_map_free(struct fw_map *m);
/* Bytes of conventional memory in the snapshot. */
uint64_t fw_map_free_bytes(const struct fw_map *m);
/* Pages currently claimed by Runway: loader code and data (pool memory
 * included) and Runway's own types.  The first call allocates the
 * snapshot buffer all calls share; fw_claimed_pages_done frees it. */
uint64_t fw_claimed_pages(void);
void fw_claimed_pages_done(void);
/* map-dump = yes: the firmware's descriptors, then the normalized map. */
void fw_map_dump(const struct fw_map *m);
void fw_regions_dump(const struct mm_region *r, size_t n);
/* The seam for mm/: claims via AllocatePages(AllocateAddress). */
const struct mm_fw *efi_mm_fw(void);
/* Time stamp counter ticks spent in its claims since Runway started (the
 * load's phase times take differences). */
uint64_t fw_claim_ticks(void);

/* ---- sysinfo.c: what the firmware tells about the machine ---- */
void sysinfo_read(EFI_HANDLE image, struct machine_info *ret);
/* Switch GOP to mode `number` (if it is not the current one) and read the
 * framebuffer again into *fb. */
EFI_STATUS sysinfo_set_mode(uint32_t number, struct fb_info *fb);

/* ---- pin.c: the one path for SHA-256 pins ---- */
/*
 * Compare got with the pinned want: on a match log "sha256 path=PATH ok"
 * and return EFI_SUCCESS, else report "<what> PATH: SHA-256 mismatch ..."
 * (what may be "") and return EFI_SECURITY_VIOLATION.
 */
EFI_STATUS pin_check(const char *what, const char *path, const uint8_t got[32],
		     const uint8_t want[32]);
/* The same for the SHA-256 of buf[0..size). */
EFI_STATUS pin_check_buffer(const char *what, const char *path,
			    const void *buf, uint64_t size,
			    const uint8_t want[32]);

/* ---- tpm.c: measured boot through EFI_TCG2_PROTOCOL (GRUB's PCRs) ---- */
#define TPM_PCR_CMDLINE 8  /* command lines */
#define TPM_PCR_FILES 9    /* every file Runway reads */
/* Does the firmware offer EFI_TCG2_PROTOCOL with a TPM?  Asked once;
 * the first call logs the answer when there is one. */
bool tpm_present(void);
/*
 * Measure buf[0..size), a file's whole contents, into PCR 9 as EV_IPL
 * "runway: <what> <path>".  Without a TPM, nothing; a failure is logged
 * ("runway: tpm error ..."), never returned.
 */
void tpm_measure_file(const char *what, const char *path, const void *buf,
		      uint64_t size);
/* Measure the command line used (its bytes, without the NUL) into PCR 8
 * as EV_IPL "runway: cmdline <text>"; the same rules. */
void tpm_measure_cmdline(const char *cmdline);

/* ---- kernel.c: the load path (DESIGN.md steps 1-7) ---- */
#define LOAD_MAPPINGS_MAX 512
/* Staged runs of a fixed image the hand-off page has room to move. */
#define HANDOFF_MOVES_MAX 16

/* One load: scratch, bookkeeping and results, from open to release. */
struct load {
	bool verify;             /* verify mode: no hand-off page, no jump */
	struct cpu_features cpu;
	struct fw_map map;
	struct mm_load_caps caps;
	struct mm_region *reg, *final_reg; /* pool memory */
	void *scratch;
	struct mm_claim *claims;
	struct mm_alloc alloc;
	struct vol_file file;
	struct elf_file ef;
	uint8_t head[PROTO_HEAD_MAX]; /* the file's first bytes, for headers */
	uint8_t *whole;          /* a pinned file, read once (pool) */
	uint64_t whole_size;
	const uint8_t *pin;      /* the kernel's pin, when it has one */
	bool shim_verified;      /* no pin: shim's Verify accepted the kernel */
	uint64_t modules_below;  /* set from the protocol's plan */
	struct elf_image img;
	struct elf_load ld;
	/* + the hand-off page, identity and direct maps (three parts each),
	 * a framebuffer above memory */
	struct mm_mapping maps[LOAD_MAPPINGS_MAX + 8];
	size_t nmaps;
	struct mm_pt pt;
	uint64_t handoff_page;   /* identity-mapped trampoline page */
	uint64_t hhdm_size;
	size_t frag_from, frag_claims;
	uint64_t calls_before;   /* allocator calls before the segments */
	uint64_t untimed;        /* ticks between segments and tables spent
				  * on other things (protocol detection) */
	uint64_t alloc_calls;    /* firmware claims for segments and tables */
	/* Phase times (ticks) for struct runway_load_times: the total from
	 * tsc_map; the exit from tsc_exit (handoff.c); the firmware's claim
	 * time apart from the allocator's and the tables' own work. */
	uint64_t tsc_map, tsc_exit;
	uint64_t t_map, t_plan, t_claims, t_reloc, t_tables;
	struct loaded_kernel k;  /* the description protocols read */
};

/*
 * Steps 1-6 for entry e: open and validate the file, place a relocatable
 * kernel, check its pin, snapshot and normalize the memory map, claim
 * the hand-off page (boot mode), load the segments (in one physical run
 * when the entry's protocol needs it) and relocate.  *proto is the
 * entry's protocol; for an entry that names none, a protocol whose header
 * the file carries (Multiboot) replaces it.  Such a protocol describes a
 * fixed image, claimed at its physical addresses.  Reports its own
 * errors.  Everything claimed stays claimed until load_release.
 */
EFI_STATUS kernel_load(struct load *L, struct source *root,
		       const struct config *cfg, const struct config_entry *e,
		       const struct protocol **proto);
/* Step 7: the page tables (with an identity map of [4 KiB, direct map
 * size) when asked; 5 levels when la57). */
EFI_STATUS kernel_map(struct load *L, bool identity_map, bool la57);
/* A load's bookkeeping, zeroed, from pool memory (about 60 KiB: kept out
 * of the image's data, which the file would carry); FreePool it after
 * load_release.  NULL when the pool is exhausted. */
struct load *load_alloc(void);
/* Give back everything the load claimed and allocated. */
void load_release(struct load *L);
/* The "loaded" / "verify" line's common counters. */
void load_log_line(const struct load *L, const char *event, const char *extra);

/* ---- modules.c: modules, each in its own run ---- */
EFI_STATUS modules_load(struct load *L, struct source *root,
			const struct config_entry *e);
/* proto_run.load_file for a protocol: ctx is a struct module_source. */
struct module_source {
	struct load *L;
	struct source *root;
};
int modules_load_file(void *ctx, const char *path, struct loaded_module *ret,
		      struct rw_err *err);

/* ---- verify.c: verify = PATH ---- */
/* Load e's file as a kernel, hash it back through the page tables, log
 * the verify line, and give everything back. */
EFI_STATUS verify_entry(struct source *root, const struct config *cfg,
			const struct config_entry *e);

/* ---- handoff.c: the hand-off page, ExitBootServices and the jump ---- */
/* Claim the trampoline page (below 4 GiB, identity-mapped by the tables). */
EFI_STATUS handoff_reserve(struct load *L);
/* Can an AP be started in the hand-off page (below 1 MiB)? */
bool handoff_can_start_aps(const struct load *L);
/* Fill the page's AP block (the APs' way in, and the BSP's to 5 levels). */
void handoff_fill_ap_boot(const struct load *L, const struct proto_run *run,
			  void *data);
/* Final map, ExitBootServices (retried once on a stale key), the
 * protocol's finish, the APs, and the jump.  Returns only when the final
 * map cannot be taken before ExitBootServices was called; any failure
 * after that is written to COM1 and halts. */
EFI_STATUS handoff_exit_and_jump(EFI_HANDLE image, struct load *L,
				 const struct protocol *proto,
				 struct proto_run *run);

/* ---- mp.c: application processors, after ExitBootServices ---- */
/* Start run->mp's APs with INIT-SIPI-SIPI through the local APIC; the
 * ones that do not report in are dropped from the protocol's list. */
void mp_start_aps(const struct load *L, struct proto_run *run);

/* ---- boot.c: boot a kernel entry ---- */
/* Returns only on failure, with every page it claimed given back. */
EFI_STATUS boot_entry(EFI_HANDLE image, struct source *root,
		      const struct config *cfg, const struct config_entry *e);

/* ---- initrd.c: an initrd for Linux through LoadFile2 ---- */
/* Serve data[0..size) on the LINUX_EFI_INITRD_MEDIA_GUID device path. */
EFI_STATUS initrd_install(void *data, uint64_t size);
/* Remove it.  When the firmware refuses (the program keeps it open) the
 * data is still served and must stay allocated. */
EFI_STATUS initrd_uninstall(void);

/* ---- bls.c: Boot Loader Specification entries and loader.conf ---- */
struct bls_found {
	struct bls_entry *v;    /* pool; in the specification's menu order */
	size_t n;
	size_t dropped;         /* past CONFIG_MAX_ENTRIES */
	bool has_conf;          /* /loader/loader.conf was read and parsed */
	struct loader_conf conf;
};
/*
 * Read /loader/loader.conf, the type #1 entries in /loader/entries and
 * the unified kernel images in /EFI/Linux on Runway's volume and on the
 * XBOOTLDR partition of its disk (nothing over TFTP), and sort the
 * entries.  A file that cannot be read or
 * parsed is reported and skipped; fails only when out of memory.
 */
EFI_STATUS bls_discover(struct source *src, struct bls_found *ret);
void bls_found_free(struct bls_found *f);
/*
 * Append f's entries to cfg's (those past CONFIG_MAX_ENTRIES are logged
 * and dropped) and apply loader.conf where runway.conf (runway_conf: it
 * was read) did not decide: timeout, editor, console-mode, and the
 * default glob.  Without runway.conf, no timeout means boot at once.
 */
void bls_merge(struct config *cfg, const struct bls_found *f, bool runway_conf);
/* The id (file name) of cfg's entry i, or "-" for runway.conf's. */
const char *bls_entry_id(size_t i);
/* Where cfg's entry i reads its files: root, or the XBOOTLDR partition's
 * volume for an entry found there. */
struct source *bls_entry_source(size_t i, struct source *root);

/* ---- chainload.c: start another EFI program ---- */
/*
 * Run efi entry e: load its file, start it with the entry's cmdline as
 * load options (and its initrd served to Linux), and return when the
 * program returns, with everything Runway allocated for it given back.
 */
EFI_STATUS chain_entry(EFI_HANDLE image, struct source *root,
		       const struct config_entry *e);

/* ---- secure.c: Secure Boot (SBAT, the enrolled config digest) ---- */
/*
 * Read the SecureBoot variable and check the config's bytes against the
 * digest enrolled in Runway's image; logs "secureboot enabled=N
 * enrolled=N config_sha256=HEX".  With Secure Boot on, a config that
 * differs from the enrolled one is refused (EFI_SECURITY_VIOLATION, both
 * digests shown).  Call once, before the config is parsed.
 */
EFI_STATUS secure_check_config(const void *text, uint64_t len);
/* Instead, without runway.conf (Boot Loader Specification entries only):
 * read the SecureBoot variable; no digest vouches for anything, so with
 * Secure Boot on an entry with initrds is refused, and a program runs only
 * if the firmware's signature check passes it. */
void secure_check_no_config(void);
/* With Secure Boot on, refuse an entry the enrolled config does not pin
 * (config/trust.c); before anything is claimed. */
EFI_STATUS secure_check_entry(const struct config_entry *e);
/* With Secure Boot on, refuse a command line edited at the menu: the
 * enrolled config's is the one vouched for. */
EFI_STATUS secure_check_edit(const struct config_entry *e);
/* Was the SecureBoot variable 1 at secure_check_config? */
bool secure_boot_on(void);
/* Must a file with(out) a pin be verified by shim once read?  True for an
 * unpinned file with Secure Boot on (the entry check let it through, so
 * shim is there). */
bool secure_needs_verify(bool pinned);
/*
 * An unpinned file's bytes, whole, as read into place: with Secure Boot
 * on, shim's lock protocol must accept them (logs "shim verify path=PATH
 * ok"); refused, the message names what, the path and shim's status,
 * which is returned.  Without Secure Boot, EFI_SUCCESS.
 */
EFI_STATUS secure_verify_unpinned(const char *what, const char *path,
				  const void *buf, uint64_t size);

/* ---- menu.c ---- */
/*
 * Show the menu and return the chosen entry; the default boots when the
 * timeout (if used) runs out.  cmdline[0..cap) receives the command line
 * to use: the entry's own, or the one the user edited.
 */
size_t menu_choose(const struct config *cfg, bool use_timeout, char *cmdline,
		   size_t cap);

#endif
