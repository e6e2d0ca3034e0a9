/*
 * bls.c - Boot Loader Specification entries on Runway's volume: type #1
 * files in /loader/entries/ID.conf, type #2 unified kernel images in
 * /EFI/Linux/NAME.efi (titled from their .osrel section), and systemd-boot's
 * /loader/loader.conf.  The files are parsed by config/bls.c (pure); this
 * file finds and reads them, and merges what it found with runway.conf's
 * entries and settings (DESIGN.md, "Boot Loader Specification").
 *
 * The same directories are read on the disk's XBOOTLDR partition, when
 * it has one; an entry found there reads its files from there (its
 * volume is kept beside cfg's entry, by index: bls_entry_source).
 *
 * A file that cannot be read or parsed is reported (the menu then shows
 * it as the last error) and skipped: one broken entry never hides the
 * others.  Over TFTP there is no directory to list: no BLS entries.
 */
#include "loader.h"

#include <string.h>

#include "pecoff.h"

#define ENTRIES_DIR "/loader/entries"
#define UKI_DIR "/EFI/Linux"

/* Where an entry's files are: Runway's own source, or XBOOTLDR. */
enum volume { VOL_RUNWAY = 0, VOL_XBOOTLDR = 1 };

/* What a scan collects; entries beyond cap are counted, not kept.  Each
 * entry's volume tag is its enum volume. */
struct scan {
	struct source *src;
	enum volume vol;
	struct bls_entry *v; /* pool, cap entries */
	size_t n, cap, dropped;
};

/* Beside cfg's entries, by index: the id ("" for runway.conf's) and the
 * volume. */
static char entry_ids[CONFIG_MAX_ENTRIES][BLS_ID_MAX];
static enum volume entry_vols[CONFIG_MAX_ENTRIES];

/* The XBOOTLDR partition's volume, when one was found. */
static struct source xbootldr;

/* EFI_PARTITION_INFO_PROTOCOL (UEFI 2.10, 13.18), up to the GPT entry's
 * type GUID, which is all Runway reads: gnu-efi does not define it. */
static EFI_GUID partition_info_guid = {
	0x8cf2f62c, 0xbc9b, 0x4821, { 0x80, 0x8d, 0xec, 0x9e, 0xc4, 0x21, 0xa1, 0xa0 }
};
#define PARTITION_TYPE_GPT 2
struct partition_info {
	UINT32 revision;
	UINT32 type;
	UINT8 system;
	UINT8 reserved[7];
	EFI_GUID gpt_type; /* the GPT entry's PartitionTypeGUID */
};

/* The Boot Loader Specification's "Extended Boot Loader Partition". */
static EFI_GUID xbootldr_type_guid = {
	0xbc13c2ff, 0x59e6, 0x4262, { 0xa3, 0x52, 0xb2, 0x75, 0xfd, 0x6f, 0x71, 0x72 }
};

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	if (n <= m)
		return false;
	for (size_t i = 0; i < m; i++) {
		char c = s[n - m + i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != suffix[i])
			return false;
	}
	return true;
}

/* A file name as ASCII, or false (with a log line) for one Runway cannot
 * name in a config path: non-ASCII, or longer than an id may be. */
static bool name_ascii(const CHAR16 *w, const char *dir, char out[BLS_ID_MAX])
{
	size_t n = 0;

	for (; w[n]; n++) {
		if (n + 1 >= BLS_ID_MAX || w[n] < 0x20 || w[n] >= 0x7f) {
			log_event("bls skip dir=%s: a file name that is not short printable ASCII\n",
				  dir);
			return false;
		}
		out[n] = (char)w[n];
	}
	out[n] = 0;
	return true;
}

/* Call fn for each file (not directory) in dir whose name ends in
 * suffix (any case).  A missing directory is no error. */
static void list_dir(struct scan *s, const CHAR16 *wdir, const char *dir,
		     const char *suffix, void (*fn)(struct scan *, const char *))
{
	/* One record: the header and a FAT long name of 255 units. */
	static UINT64 buf[(sizeof(EFI_FILE_INFO) + 256 * sizeof(CHAR16)) / 8 + 1];
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)buf;
	EFI_FILE_HANDLE d;
	char name[BLS_ID_MAX];
	EFI_STATUS st = s->src->root->Open(s->src->root, &d, (CHAR16 *)wdir,
					   EFI_FILE_MODE_READ, 0);

	if (st == EFI_NOT_FOUND)
		return;
	if (EFI_ERROR(st)) {
		con_report("%s: cannot open the directory: %s", dir, efi_status_name(st));
		return;
	}
	for (;;) {
		UINTN n = sizeof buf;
		st = d->Read(d, &n, buf);
		if (EFI_ERROR(st)) {
			con_report("%s: reading the directory: %s", dir, efi_status_name(st));
			break;
		}
		if (n == 0)
			break;
		if (info->Attribute & EFI_FILE_DIRECTORY)
			continue;
		if (name_ascii(info->FileName, dir, name) && ends_with_ci(name, suffix))
			fn(s, name);
	}
	d->Close(d);
}

/* Room for one more entry, or false (counted) when the list is full. */
static struct bls_entry *next_slot(struct scan *s, const char *id)
{
	if (s->n < s->cap)
		return memset(&s->v[s->n], 0, sizeof s->v[s->n]);
	log_event("bls dropped id=%s: more than %zu entries\n", id, s->cap);
	s->dropped++;
	return NULL;
}

/* Read path whole (at most BLS_FILE_MAX bytes); reports its errors. */
static EFI_STATUS read_text(struct source *src, const char *what,
			    const char *path, char **ret, uint64_t *ret_len)
{
	struct vol_file f;
	EFI_STATUS st = file_open(src, path, &f);

	if (EFI_ERROR(st))
		return con_fail(st, "%s: cannot open: %s", path, file_error(src, st));
	st = file_read_whole(&f, what, BLS_FILE_MAX, (void **)ret);
	file_close(&f);
	if (EFI_ERROR(st))
		return st;
	*ret_len = f.size;
	tpm_measure_file(what, path, *ret, f.size);
	return EFI_SUCCESS;
}

/* One type #1 entry file. */
static void add_conf(struct scan *s, const char *name)
{
	char path[CONFIG_PATH_MAX];
	struct bls_entry *b = next_slot(s, name);
	struct rw_err err;
	char *text;
	uint64_t len;

	if (!b)
		return;
	fmt(path, sizeof path, ENTRIES_DIR "/%s", name);
	if (EFI_ERROR(read_text(s->src, "bls", path, &text, &len)))
		return;
	int r = bls_parse_entry(name, text, len, b, &err);
	FreePool(text);
	if (r < 0) {
		con_report("%s", err.msg);
	} else if (r == 0) {
		log_event("bls skip id=%s: %s\n", name, err.msg);
	} else {
		if (b->devicetree_ignored)
			log_event("bls devicetree ignored id=%s: x86 has no device tree\n", name);
		b->volume = (unsigned char)s->vol;
		s->n++;
	}
}

/* The .osrel section of an open UKI, parsed; reports its errors. */
static EFI_STATUS read_osrel(struct vol_file *f, const char *id, struct osrel *ret)
{
	static uint8_t head[PE_HEAD_MAX];
	uint64_t head_len = f->size < sizeof head ? f->size : sizeof head;
	struct pe_section sec;
	struct rw_err err;
	uint16_t machine;
	EFI_STATUS st = file_read_at(f, 0, head, head_len);

	if (EFI_ERROR(st))
		return con_fail(st, "%s: reading its headers: %s", f->path, efi_status_name(st));
	int r = pe_find_section(head, head_len, f->size, ".osrel", &machine, &sec, &err);
	if (r < 0)
		return con_fail(EFI_LOAD_ERROR, "%s: %s", f->path, err.msg);
	if (r == 0 || machine != PE_MACHINE_X64) {
		log_event("bls skip id=%s: %s\n", id,
			  r == 0 ? "no .osrel section: not a unified kernel image" :
				   "not an x64 program");
		return EFI_UNSUPPORTED;
	}
	if (sec.size > BLS_FILE_MAX)
		return con_fail(EFI_BAD_BUFFER_SIZE, "%s: .osrel of %" PRIu64 " bytes, over %u",
				f->path, sec.size, BLS_FILE_MAX);
	char *text = AllocatePool(sec.size + 1);
	if (!text)
		return con_fail(EFI_OUT_OF_RESOURCES, "%s: no memory for .osrel", f->path);
	st = file_read_at(f, sec.offset, text, sec.size);
	if (!EFI_ERROR(st))
		osrel_parse(text, sec.size, ret);
	FreePool(text);
	if (EFI_ERROR(st))
		return con_fail(st, "%s: reading .osrel: %s", f->path, efi_status_name(st));
	return EFI_SUCCESS;
}

/* One type #2 entry: a unified kernel image, chainloaded as it is (its
 * own stub applies its .cmdline: Runway adds no options). */
static void add_uki(struct scan *s, const char *name)
{
	struct bls_entry *b = next_slot(s, name);
	char path[CONFIG_PATH_MAX];
	struct rw_err err;
	struct vol_file f;
	struct osrel o;
	EFI_STATUS st;

	if (!b)
		return;
	fmt(path, sizeof path, UKI_DIR "/%s", name);
	st = file_open(s->src, path, &f);
	if (EFI_ERROR(st)) {
		con_report("%s: cannot open: %s", path, file_error(s->src, st));
		return;
	}
	memset(&o, 0, sizeof o);
	st = read_osrel(&f, name, &o);
	file_close(&f);
	if (EFI_ERROR(st))
		return;
	if (bls_entry_from_uki(name, path, &o, NULL, b, &err)) {
		con_report("%s", err.msg);
		return;
	}
	b->volume = (unsigned char)s->vol;
	s->n++;
}

static void read_loader_conf(struct source *src, struct bls_found *ret)
{
	struct vol_file f;
	struct rw_err err;
	char *text;
	uint64_t len;

	/* Absent is the common case: no message. */
	if (EFI_ERROR(file_open(src, "/loader/loader.conf", &f)))
		return;
	file_close(&f);
	if (EFI_ERROR(read_text(src, "loader.conf", "/loader/loader.conf", &text, &len)))
		return;
	int r = loader_conf_parse(text, len, &ret->conf, &err);
	FreePool(text);
	if (r) {
		con_report("%s", err.msg);
		memset(&ret->conf, 0, sizeof ret->conf);
		return;
	}
	ret->has_conf = true;
}

/* The bytes of a device path before its hard drive node (the disk's
 * path), or 0 when it has none. */
static size_t disk_prefix(EFI_DEVICE_PATH *dp)
{
	uint8_t *start = (uint8_t *)dp;

	/* A node shorter than its header would never end the walk: stop. */
	for (; !IsDevicePathEnd(dp) && DevicePathNodeLength(dp) >= 4;
	     dp = NextDevicePathNode(dp))
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_HARDDRIVE_DP)
			return (size_t)((uint8_t *)dp - start);
	return 0;
}

/* Is handle h a partition of the disk whose path is mine[0..n), of the
 * XBOOTLDR type? */
static bool is_xbootldr(EFI_HANDLE h, EFI_DEVICE_PATH *mine, size_t n)
{
	EFI_DEVICE_PATH *dp = DevicePathFromHandle(h);
	struct partition_info *pi;

	if (!dp || disk_prefix(dp) != n || memcmp(dp, mine, n))
		return false;
	if (EFI_ERROR(BS->HandleProtocol(h, &partition_info_guid, (void **)&pi)))
		return false;
	return pi->type == PARTITION_TYPE_GPT &&
	       !memcmp(&pi->gpt_type, &xbootldr_type_guid, sizeof pi->gpt_type);
}

/* Open the XBOOTLDR partition of Runway's disk, if it has one. */
static bool open_xbootldr(const struct source *esp)
{
	static uint16_t no_dir[1];
	EFI_DEVICE_PATH *mine = DevicePathFromHandle(esp->device);
	size_t n = mine ? disk_prefix(mine) : 0;
	EFI_HANDLE *h;
	UINTN count;
	bool found = false;

	if (!n || EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &FileSystemProtocol, NULL,
						    &count, &h)))
		return false;
	for (UINTN i = 0; i < count && !found; i++) {
		EFI_FILE_IO_INTERFACE *fs;
		if (h[i] == esp->device || !is_xbootldr(h[i], mine, n) ||
		    EFI_ERROR(BS->HandleProtocol(h[i], &FileSystemProtocol, (void **)&fs)))
			continue;
		EFI_STATUS st = fs->OpenVolume(fs, &xbootldr.root);
		if (EFI_ERROR(st)) {
			con_report("XBOOTLDR partition: cannot open its volume: %s",
				   efi_status_name(st));
			continue;
		}
		xbootldr.device = h[i];
		xbootldr.dir = no_dir;
		found = true;
	}
	FreePool(h);
	return found;
}

/* Entries and UKIs on one volume. */
static void scan_volume(struct scan *s, struct source *src, enum volume vol)
{
	s->src = src;
	s->vol = vol;
	list_dir(s, L"\\loader\\entries", ENTRIES_DIR, ".conf", add_conf);
	list_dir(s, L"\\EFI\\Linux", UKI_DIR, ".efi", add_uki);
}

EFI_STATUS bls_discover(struct source *src, struct bls_found *ret)
{
	struct scan s = { .cap = CONFIG_MAX_ENTRIES };

	memset(ret, 0, sizeof *ret);
	if (!src->root)
		return EFI_SUCCESS;
	read_loader_conf(src, ret);
	s.v = AllocatePool(s.cap * sizeof *s.v);
	if (!s.v)
		return con_fail(EFI_OUT_OF_RESOURCES, "no memory for Boot Loader Specification entries");
	scan_volume(&s, src, VOL_RUNWAY);
	size_t own = s.n;
	if (!xbootldr.root && open_xbootldr(src)) {
		scan_volume(&s, &xbootldr, VOL_XBOOTLDR);
		log_event("bls xbootldr entries=%zu\n", s.n - own);
		/* Kept open only for entries that read from it. */
		if (s.n == own) {
			xbootldr.root->Close(xbootldr.root);
			xbootldr.root = NULL;
		}
	}
	bls_sort(s.v, s.n);
	bls_disambiguate_titles(s.v, s.n);
	ret->v = s.v;
	ret->n = s.n;
	ret->dropped = s.dropped;
	log_event("bls found=%zu dropped=%zu loader_conf=%s\n", s.n, s.dropped,
		  ret->has_conf ? "yes" : "no");
	return EFI_SUCCESS;
}

void bls_found_free(struct bls_found *f)
{
	if (f->v)
		FreePool(f->v);
	f->v = NULL;
	f->n = 0;
}

/* loader.conf's default: the first entry, in menu order, whose id the
 * glob matches (runway.conf's entries have none). */
static void apply_default(struct config *cfg, const char *pattern)
{
	for (size_t i = 0; i < cfg->nentries; i++)
		if (entry_ids[i][0] && bls_glob_match(pattern, entry_ids[i])) {
			cfg->default_entry = i;
			return;
		}
	log_event("bls default=\"%s\" matches no entry\n", pattern);
}

/* loader.conf's settings, where runway.conf (if any) left them unset. */
static void apply_loader_conf(struct config *cfg, const struct loader_conf *lc,
			      bool runway_conf)
{
	if (lc->timeout_set && (!runway_conf || !cfg->timeout_set)) {
		cfg->timeout = lc->timeout;
		cfg->timeout_set = true;
		cfg->menu_force = lc->menu_force;
		cfg->menu_disabled = lc->menu_disabled;
	}
	if (lc->editor_off)
		cfg->editor_off = true;
	if (cfg->console_mode == CONFIG_CONSOLE_KEEP) {
		cfg->console_mode = lc->console_mode;
		cfg->console_mode_number = lc->console_mode_number;
	}
	/* runway.conf's `default = N`, even N = 1, wins. */
	if (lc->default_pattern[0] && (!runway_conf || !cfg->default_set))
		apply_default(cfg, lc->default_pattern);
}

void bls_merge(struct config *cfg, const struct bls_found *f, bool runway_conf)
{
	memset(entry_ids, 0, sizeof entry_ids);
	memset(entry_vols, 0, sizeof entry_vols);
	if (!runway_conf) {
		/* systemd-boot with no timeout boots the default at once. */
		cfg->timeout = 0;
		cfg->timeout_set = false;
	}
	for (size_t i = 0; i < f->n; i++) {
		if (cfg->nentries == CONFIG_MAX_ENTRIES) {
			log_event("bls dropped id=%s: more than %u menu entries\n", f->v[i].id,
				  CONFIG_MAX_ENTRIES);
			continue;
		}
		fmt(entry_ids[cfg->nentries], BLS_ID_MAX, "%s", f->v[i].id);
		entry_vols[cfg->nentries] = (enum volume)f->v[i].volume;
		cfg->entries[cfg->nentries++] = f->v[i].e;
	}
	if (f->has_conf)
		apply_loader_conf(cfg, &f->conf, runway_conf);
}

const char *bls_entry_id(size_t i)
{
	return i < CONFIG_MAX_ENTRIES && entry_ids[i][0] ? entry_ids[i] : "-";
}

struct source *bls_entry_source(size_t i, struct source *root)
{
	return i < CONFIG_MAX_ENTRIES && entry_vols[i] == VOL_XBOOTLDR ? &xbootldr : root;
}
