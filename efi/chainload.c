/*
 * chainload.c - start another EFI program from where Runway was started
 * (its volume, or the TFTP server that served it): another boot loader,
 * a UEFI shell, Linux through its EFI stub.
 *
 * The file is read whole into pool memory, so that a pinned SHA-256 is
 * checked on exactly the bytes the firmware will run, and handed to
 * LoadImage together with a device path naming it: on Runway's volume
 * (the program's LoadedImage then has the right DeviceHandle, which Linux
 * needs for initrd= on its command line), or Runway's network device and
 * a tftp:// URI (a network boot loader then finds the PXE base code on
 * its DeviceHandle).  The entry's cmdline becomes the load
 * options, in UCS-2.  The entry's initrds (runway.conf's `initrd =`
 * lines, a BLS entry's `initrd` lines) are read in order into one buffer,
 * each padded with zeros to a 4-byte boundary (Linux unpacks
 * concatenated cpio archives only at such boundaries), and served as one
 * initrd through efi/initrd.c.
 * When the program returns (a shell exits, a loader gives up), Runway
 * reports its status and exit data, gives back what it allocated for it,
 * and the menu comes back.
 */
#include "loader.h"

#include <string.h>

#include "ucs2.h"

/* What one chainload holds; chain_release gives it back. */
struct chain {
	const struct config_entry *e;
	void *file;           /* the program's bytes, until LoadImage copies them */
	uint64_t file_size;
	void *initrd;         /* every initrd, concatenated and padded */
	uint64_t initrd_size;
	bool initrd_served;
	char initrd_names[CONFIG_CMDLINE_MAX]; /* "a,b" for the log */
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE child;     /* loaded, not yet started */
	EFI_LOADED_IMAGE *child_li;
};

/* Open, read whole and, when pinned, check one file.  `what` prefixes
 * messages ("" for the program itself). */
static EFI_STATUS read_pinned(struct source *root, const char *what,
			      const char *path, bool pinned,
			      const uint8_t want[32], void **ret_buf,
			      uint64_t *ret_size)
{
	struct vol_file f;
	void *buf;
	EFI_STATUS st = file_open(root, path, &f);

	if (EFI_ERROR(st))
		return con_fail(st, "%s %s: cannot open: %s", what[0] ? what : "efi",
				path, file_error(root, st));
	st = file_read_whole(&f, what[0] ? what : "efi", UINT64_MAX - 1, &buf);
	file_close(&f);
	if (EFI_ERROR(st))
		return st;
	tpm_measure_file(what[0] ? what : "efi", path, buf, f.size);
	/* An unpinned program is left to the firmware's LoadImage; an
	 * unpinned initrd, under Secure Boot, to shim's Verify. */
	if (pinned)
		st = pin_check_buffer(what, path, buf, f.size, want);
	else if (what[0] && secure_needs_verify(false))
		st = secure_verify_unpinned(what, path, buf, f.size);
	if (EFI_ERROR(st)) {
		FreePool(buf);
		return st;
	}
	*ret_buf = buf;
	*ret_size = f.size;
	return EFI_SUCCESS;
}

/* Where the next initrd starts: Linux finds concatenated cpio archives
 * on 4-byte boundaries. */
static uint64_t initrd_align(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

/* Open every initrd and size the buffer they fill (each but the last
 * padded, so that the next starts aligned); reports its errors. */
static EFI_STATUS open_initrds(struct source *root, const struct config_entry *e,
			       struct vol_file *f, uint64_t *ret_total)
{
	uint64_t total = 0;

	for (size_t i = 0; i < e->ninitrds; i++) {
		const char *path = e->initrds[i].path;
		EFI_STATUS st = file_open(root, path, &f[i]);
		if (EFI_ERROR(st))
			return con_fail(st, "initrd %s: cannot open: %s", path,
					file_error(root, st));
		if (f[i].size == 0)
			return con_fail(EFI_LOAD_ERROR, "initrd %s: the file is empty", path);
		if (f[i].size > UINT64_MAX / 4 - total)
			return con_fail(EFI_BAD_BUFFER_SIZE, "initrd %s: %" PRIu64 " bytes: too large",
					path, f[i].size);
		total = initrd_align(total) + f[i].size;
	}
	*ret_total = total;
	return EFI_SUCCESS;
}

/* Read each open initrd into its place in c->initrd, checking pins (or,
 * unpinned under Secure Boot, shim's Verify) on the bytes read.  Only the
 * padding between them is zeroed: the reads cover the rest, and zeroing
 * all of a 2 MiB buffer first cost about 20 ms under TCG. */
static EFI_STATUS fill_initrds(struct chain *c, struct source *root,
				struct vol_file *f)
{
	const struct config_entry *e = c->e;
	uint8_t *dst = c->initrd;
	uint64_t off = 0, at, end;

	for (size_t i = 0; i < e->ninitrds; i++) {
		const struct config_initrd *r = &e->initrds[i];
		EFI_STATUS st = file_read_chunked(&f[i], dst + off, f[i].size, &at);
		if (EFI_ERROR(st))
			return con_fail(st, "initrd %s: reading at offset %" PRIu64 ": %s", r->path,
					at, file_error(root, st));
		tpm_measure_file("initrd", r->path, dst + off, f[i].size);
		/* Unpinned, under Secure Boot: shim's Verify judges it. */
		if (r->has_sha256)
			st = pin_check_buffer("initrd", r->path, dst + off, f[i].size, r->sha256);
		else if (secure_needs_verify(false))
			st = secure_verify_unpinned("initrd", r->path, dst + off, f[i].size);
		if (EFI_ERROR(st))
			return st;
		end = off + f[i].size;
		off = initrd_align(end);
		if (off <= c->initrd_size) /* the last has none */
			memset(dst + end, 0, off - end);
	}
	return EFI_SUCCESS;
}

/* Every initrd of the entry, in order, into one buffer. */
static EFI_STATUS read_initrds(struct chain *c, struct source *root)
{
	const struct config_entry *e = c->e;
	struct vol_file f[CONFIG_MAX_INITRDS];
	EFI_STATUS st;

	memset(f, 0, sizeof f);
	st = open_initrds(root, e, f, &c->initrd_size);
	if (!EFI_ERROR(st)) {
		c->initrd = AllocatePool(c->initrd_size);
		if (!c->initrd)
			st = con_fail(EFI_OUT_OF_RESOURCES, "initrd: no memory for %" PRIu64 " bytes",
				      c->initrd_size);
	}
	if (!EFI_ERROR(st))
		st = fill_initrds(c, root, f);
	for (size_t i = 0; i < e->ninitrds; i++)
		file_close(&f[i]);
	return st;
}

/* "PATH,PATH" for messages and the log line (cut if it does not fit). */
static void name_initrds(struct chain *c)
{
	size_t n = 0, cap = sizeof c->initrd_names;

	for (size_t i = 0; i < c->e->ninitrds && n < cap; i++)
		n += fmt(c->initrd_names + n, cap - n, "%s%s", i ? "," : "",
			 c->e->initrds[i].path);
}

static EFI_STATUS read_files(struct chain *c, struct source *root)
{
	const struct config_entry *e = c->e;
	EFI_STATUS st = read_pinned(root, "", e->path, e->has_sha256, e->sha256,
				    &c->file, &c->file_size);

	if (EFI_ERROR(st) || !e->ninitrds)
		return st;
	name_initrds(c);
	return read_initrds(c, root);
}

static const char *load_hint(EFI_STATUS st)
{
	if (st == EFI_UNSUPPORTED || st == EFI_LOAD_ERROR)
		return " (not a PE32+ EFI program for x64?)";
	if ((st == EFI_SECURITY_VIOLATION || st == EFI_ACCESS_DENIED) && secure_boot_on())
		return ": a security violation: Secure Boot is on and the firmware refused the program (not signed by a key in db, or revoked in dbx)";
	if (st == EFI_SECURITY_VIOLATION || st == EFI_ACCESS_DENIED)
		return " (refused by Secure Boot?)";
	return "";
}

static void unload(struct chain *c)
{
	BS->UnloadImage(c->child);
	c->child = NULL;
}

/*
 * A PE image for another machine is refused here, by name: x64 firmware
 * turns a 32-bit (IA32) program away with a bare EFI_UNSUPPORTED (at
 * LoadImage or StartImage), which says nothing to the person who picked
 * it.  Anything that is not PE at all is left to LoadImage.
 */
static EFI_STATUS check_machine(const char *path, const uint8_t *b, uint64_t size)
{
	if (size < 0x40 || b[0] != 'M' || b[1] != 'Z')
		return EFI_SUCCESS;
	uint32_t pe = b[0x3c] | b[0x3d] << 8 | b[0x3e] << 16 | (uint32_t)b[0x3f] << 24;
	if (pe > size - 6 || memcmp(b + pe, "PE\0\0", 4))
		return EFI_SUCCESS;
	unsigned machine = b[pe + 4] | b[pe + 5] << 8;
	if (machine == 0x8664 || machine == 0x0ebc) /* x64, EFI byte code */
		return EFI_SUCCESS;
	if (machine == 0x014c)
		return con_fail(EFI_UNSUPPORTED,
				"%s: not started: 32-bit (IA32) program; this firmware runs x64 ones: EFI_UNSUPPORTED",
				path);
	return con_fail(EFI_UNSUPPORTED,
			"%s: not started: a program for another machine (PE machine 0x%04x), not x64: EFI_UNSUPPORTED",
			path, machine);
}

/* LoadImage from the buffer, with a device path naming the file where
 * it came from (source_device_path); applications only. */
static EFI_STATUS load_image(struct chain *c, EFI_HANDLE image,
			     const struct source *root)
{
	const char *path = c->e->path;
	EFI_STATUS st = check_machine(path, c->file, c->file_size);

	if (EFI_ERROR(st))
		return st;
	st = source_device_path(root, path, &c->dp);

	if (EFI_ERROR(st))
		return con_fail(st, "efi %s: its device path: %s", path, efi_status_name(st));
	/* The firmware makes its own copy; ours is freed once the program
	 * returns (chain_release), not before it starts: freeing 14 MiB
	 * took OVMF 35 to 57 ms under TCG, and Linux never returns. */
	st = BS->LoadImage(FALSE, image, c->dp, c->file, c->file_size, &c->child);
	if (EFI_ERROR(st))
		return con_fail(st, "%s: LoadImage: %s%s", path, efi_status_name(st),
				load_hint(st));
	st = BS->HandleProtocol(c->child, &LoadedImageProtocol, (void **)&c->child_li);
	if (EFI_ERROR(st) || !c->child_li)
		return con_fail(EFI_ERROR(st) ? st : EFI_NOT_FOUND, "%s: its LoadedImage: %s",
				path, efi_status_name(st));
	/* A driver would stay resident, pointing at Runway's buffers. */
	if (c->child_li->ImageCodeType != EfiLoaderCode)
		return con_fail(EFI_UNSUPPORTED,
				"%s: an EFI driver (code memory type %u), not an application; Runway starts applications only",
				path, (unsigned)c->child_li->ImageCodeType);
	return EFI_SUCCESS;
}

/* Load options (the cmdline as UCS-2) and the initrd. */
static EFI_STATUS give_options(struct chain *c)
{
	static uint16_t options[CONFIG_CMDLINE_MAX];
	const struct config_entry *e = c->e;
	size_t bytes;

	tpm_measure_cmdline(e->cmdline);
	if (e->cmdline[0]) {
		/* Each byte makes at most one unit: the config's limit fits. */
		if (!ucs2_from_utf8(e->cmdline, options, CONFIG_CMDLINE_MAX, &bytes))
			return con_fail(EFI_BAD_BUFFER_SIZE, "%s: command line too long",
					e->path);
		c->child_li->LoadOptions = options;
		c->child_li->LoadOptionsSize = (uint32_t)bytes;
	}
	if (!c->initrd)
		return EFI_SUCCESS;
	EFI_STATUS st = initrd_install(c->initrd, c->initrd_size);
	if (EFI_ERROR(st))
		return con_fail(st, "initrd %s: installing its LoadFile2 protocol: %s%s",
				c->initrd_names, efi_status_name(st),
				st == EFI_ALREADY_STARTED ?
				" (another initrd device path is installed already)" : "");
	c->initrd_served = true;
	return EFI_SUCCESS;
}

/* Printable ASCII of a program's exit data. */
static void exit_text(const uint16_t *data, size_t size, char *out, size_t cap)
{
	size_t n = 0;

	for (; data && n + 1 < cap && n < size / sizeof *data && data[n]; n++)
		out[n] = data[n] < 0x80 && data[n] >= 0x20 ? (char)data[n] : '?';
	out[n] = 0;
}

/* StartImage, under the firmware's usual five-minute watchdog; report how
 * the program ended. */
static EFI_STATUS start(struct chain *c)
{
	const struct config_entry *e = c->e;
	UINTN exit_size = 0;
	CHAR16 *exit_data = NULL;
	EFI_LOADED_IMAGE *still;
	char text[128];

	log_event("chainload path=%s bytes=%" PRIu64 " options_bytes=%u initrd=%s initrd_bytes=%" PRIu64 "\n",
		  e->path, c->file_size, e->cmdline[0] ? c->child_li->LoadOptionsSize : 0,
		  e->ninitrds ? c->initrd_names : "-", c->initrd_size);
	/* As the firmware's boot manager does: five minutes, then a reset,
	 * unless the program disarms it (Linux and most loaders do). */
	BS->SetWatchdogTimer(300, 0x10000, 0, NULL);
	EFI_STATUS st = BS->StartImage(c->child, &exit_size, &exit_data);
	BS->SetWatchdogTimer(0, 0, 0, NULL);
	/* An application that ran is unloaded by the firmware when it
	 * returns; one that StartImage refused to run is still there. */
	if (EFI_ERROR(BS->HandleProtocol(c->child, &LoadedImageProtocol, (void **)&still)))
		c->child = NULL;
	exit_text(exit_data, exit_size, text, sizeof text);
	if (exit_data)
		FreePool(exit_data);
	log_event("chainload-returned path=%s status=%s exit_data=\"%s\"\n", e->path,
		  efi_status_name(st), text);
	if (EFI_ERROR(st))
		return con_fail(st, "%s returned %s%s%s", e->path, efi_status_name(st),
				text[0] ? ": " : "", text);
	return EFI_SUCCESS;
}

static void chain_release(struct chain *c)
{
	if (c->child)
		unload(c);
	if (c->initrd_served) {
		EFI_STATUS st = initrd_uninstall();
		if (EFI_ERROR(st)) {
			/* Still served: leak it rather than free it. */
			con_report("initrd %s: removing its LoadFile2 protocol: %s; its memory stays allocated",
				   c->initrd_names, efi_status_name(st));
			c->initrd = NULL;
		}
	}
	if (c->initrd)
		FreePool(c->initrd);
	if (c->dp)
		FreePool(c->dp);
	if (c->file)
		FreePool(c->file);
}

EFI_STATUS chain_entry(EFI_HANDLE image, struct source *root,
		       const struct config_entry *e)
{
	struct chain c = { .e = e };
	EFI_STATUS st = read_files(&c, root);

	if (!EFI_ERROR(st))
		st = load_image(&c, image, root);
	if (!EFI_ERROR(st))
		st = give_options(&c);
	if (!EFI_ERROR(st))
		st = start(&c);
	chain_release(&c);
	return st;
}
