/*
 * chainload.c - start another EFI program from Runway's volume: another
 * boot loader, a UEFI shell, Linux through its EFI stub.
 *
 * The file is read whole into pool memory, so that a pinned SHA-256 is
 * checked on exactly the bytes the firmware will run, and handed to
 * LoadImage together with a device path naming it on Runway's volume (the
 * program's LoadedImage then has the right DeviceHandle, which Linux needs
 * for initrd= on its command line).  The entry's cmdline becomes the load
 * options, in UCS-2.  An `initrd = PATH` is served the way Linux 5.8 and
 * later ask for one: a handle with the LINUX_EFI_INITRD_MEDIA_GUID vendor
 * device path and the LoadFile2 protocol, installed only while the program
 * runs.  When the program returns (a shell exits, a loader gives up),
 * Runway reports its status and exit data, gives back what it allocated
 * for it, and the menu comes back.
 */
#include "linux_initrd.h"
#include "loader.h"
#include "sha256.h"

#include <string.h>

typedef unsigned long long ull;

/* What the LoadFile2 callback serves; set only while a program runs. */
static struct {
	struct load_file2 proto;
	struct initrd_path path;
	EFI_HANDLE handle;
	void *data;
	UINTN size;
} initrd;

static EFI_STATUS EFIAPI initrd_load(struct load_file2 *self, EFI_DEVICE_PATH *path,
				     BOOLEAN boot_policy, UINTN *size, VOID *buf)
{
	(void)self;
	(void)path;
	if (boot_policy)
		return EFI_UNSUPPORTED;
	if (!size)
		return EFI_INVALID_PARAMETER;
	if (!buf || *size < initrd.size) {
		*size = initrd.size;
		return EFI_BUFFER_TOO_SMALL;
	}
	memcpy(buf, initrd.data, initrd.size);
	*size = initrd.size;
	return EFI_SUCCESS;
}

/* Read a whole file into pool memory. */
static EFI_STATUS read_whole(EFI_FILE_HANDLE root, const char *what,
			     const char *path, void **ret_buf, UINTN *ret_size)
{
	struct efi_file f;
	EFI_STATUS st = file_open(root, path, &f);

	if (EFI_ERROR(st)) {
		con_error("%s %s: cannot open: %s", what, path, efi_status_name(st));
		return st;
	}
	uint8_t *buf = AllocatePool(f.size ? f.size : 1);
	if (!buf) {
		con_error("%s %s: no memory for its %llu bytes", what, path, (ull)f.size);
		file_close(&f);
		return EFI_OUT_OF_RESOURCES;
	}
	uint64_t off;
	st = file_read_chunked(&f, buf, f.size, &off);
	file_close(&f);
	if (EFI_ERROR(st)) {
		con_error("%s %s: reading at offset %llu: %s", what, path, (ull)off,
			  efi_status_name(st));
		FreePool(buf);
		return st;
	}
	*ret_buf = buf;
	*ret_size = f.size;
	return EFI_SUCCESS;
}

/* Compare the SHA-256 of buf with a pinned digest; the mismatch message
 * names "<prefix><path>", the success line the path. */
static EFI_STATUS check_pin(const char *prefix, const char *path, const void *buf,
			    UINTN size, const uint8_t want[32])
{
	struct sha256 h;
	uint8_t got[32];
	char what[CONFIG_PATH_MAX + 8];

	sha256_init(&h);
	sha256_update(&h, buf, size);
	sha256_final(&h, got);
	fmt(what, sizeof what, "%s%s", prefix, path);
	EFI_STATUS st = sha256_pin_check(what, got, want);
	if (!EFI_ERROR(st))
		log_event("sha256 path=%s ok\n", path);
	return st;
}

/* UTF-8 text as NUL-terminated UCS-2: characters outside the BMP, and
 * malformed, overlong or surrogate sequences, become U+FFFD.  Returns the
 * bytes written, NUL included. */
static UINTN utf8_to_ucs2(const char *s, CHAR16 *out, UINTN cap)
{
	static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;
	UINTN n = 0;

	while (*p && n + 1 < cap) {
		uint32_t c = *p++;
		int more = c >= 0xf8 ? -1 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 :
			   c >= 0x80 ? -1 : 0;
		if (more < 0) {
			c = 0xfffd;
		} else if (more) {
			int len = more;
			c &= 0x3f >> more;
			for (; more; more--) {
				if ((*p & 0xc0) != 0x80)
					break;
				c = (c << 6) | (*p++ & 0x3f);
			}
			if (more || c < min[len] || (c >= 0xd800 && c <= 0xdfff))
				c = 0xfffd;
		}
		out[n++] = c > 0xffff ? 0xfffd : (CHAR16)c;
	}
	out[n++] = 0;
	return n * sizeof(CHAR16);
}

static const char *load_hint(EFI_STATUS st)
{
	if (st == EFI_UNSUPPORTED || st == EFI_LOAD_ERROR)
		return " (not a PE32+ EFI program for x64?)";
	if (st == EFI_SECURITY_VIOLATION || st == EFI_ACCESS_DENIED)
		return " (refused by Secure Boot?)";
	return "";
}

static EFI_STATUS initrd_install(void)
{
	EFI_STATUS st;
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE other;

	initrd.proto.load_file = initrd_load;
	initrd_path_init(&initrd.path);
	/* Linux takes the first handle with this path: there must be one. */
	dp = (EFI_DEVICE_PATH *)&initrd.path;
	if (!EFI_ERROR(uefi_call_wrapper(BS->LocateDevicePath, 3, &load_file2_guid,
					 &dp, &other)))
		return EFI_ALREADY_STARTED;
	initrd.handle = NULL;
	st = uefi_call_wrapper(BS->InstallProtocolInterface, 4, &initrd.handle,
			       &DevicePathProtocol, EFI_NATIVE_INTERFACE, &initrd.path);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(BS->InstallProtocolInterface, 4, &initrd.handle,
			       &load_file2_guid, EFI_NATIVE_INTERFACE, &initrd.proto);
	if (EFI_ERROR(st))
		uefi_call_wrapper(BS->UninstallProtocolInterface, 3, initrd.handle,
				  &DevicePathProtocol, &initrd.path);
	return st;
}

/* Remove the protocols; false when the firmware refused (the program left
 * them open), in which case the initrd must stay where it is. */
static bool initrd_uninstall(const char *path)
{
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->UninstallProtocolInterface, 3, initrd.handle,
			       &load_file2_guid, &initrd.proto);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(BS->UninstallProtocolInterface, 3, initrd.handle,
				       &DevicePathProtocol, &initrd.path);
	if (EFI_ERROR(st)) {
		con_error("initrd %s: removing its LoadFile2 protocol: %s; its memory stays allocated",
			  path, efi_status_name(st));
		return false;
	}
	initrd.handle = NULL;
	return true;
}

EFI_STATUS chain_entry(EFI_HANDLE image, EFI_FILE_HANDLE root,
		       const struct config_entry *e)
{
	static CHAR16 wpath[CONFIG_PATH_MAX + 2];
	static CHAR16 options[CONFIG_CMDLINE_MAX];
	EFI_LOADED_IMAGE *self, *child_li;
	EFI_DEVICE_PATH *dp = NULL;
	EFI_HANDLE child = NULL;
	void *buf = NULL;
	UINTN size = 0;
	bool have_initrd = false;
	EFI_STATUS st;

	st = read_whole(root, "efi", e->path, &buf, &size);
	if (EFI_ERROR(st))
		return st;
	if (e->has_sha256) {
		st = check_pin("", e->path, buf, size, e->sha256);
		if (EFI_ERROR(st))
			goto out;
	}
	initrd.data = NULL;
	initrd.size = 0;
	if (e->initrd[0]) {
		st = read_whole(root, "initrd", e->initrd, &initrd.data, &initrd.size);
		if (EFI_ERROR(st))
			goto out;
		if (initrd.size == 0) {
			con_error("initrd %s: the file is empty", e->initrd);
			st = EFI_LOAD_ERROR;
			goto out;
		}
		if (e->has_initrd_sha256) {
			st = check_pin("initrd ", e->initrd, initrd.data, initrd.size,
				       e->initrd_sha256);
			if (EFI_ERROR(st))
				goto out;
		}
	}

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			       (void **)&self);
	if (EFI_ERROR(st)) {
		con_error("efi %s: Runway's own LoadedImage: %s", e->path,
			  efi_status_name(st));
		goto out;
	}
	file_efi_path(e->path, wpath, CONFIG_PATH_MAX + 2);
	dp = FileDevicePath(self->DeviceHandle, wpath);
	if (!dp) {
		con_error("efi %s: no memory for its device path", e->path);
		st = EFI_OUT_OF_RESOURCES;
		goto out;
	}
	st = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, dp, buf, size, &child);
	/* The firmware has its own copy now. */
	FreePool(buf);
	buf = NULL;
	if (EFI_ERROR(st)) {
		con_error("%s: LoadImage: %s%s", e->path, efi_status_name(st), load_hint(st));
		/* A Secure Boot refusal still loads the image: unload it. */
		if (child)
			uefi_call_wrapper(BS->UnloadImage, 1, child);
		goto out;
	}
	st = uefi_call_wrapper(BS->HandleProtocol, 3, child, &LoadedImageProtocol,
			       (void **)&child_li);
	if (EFI_ERROR(st)) {
		con_error("%s: its LoadedImage: %s", e->path, efi_status_name(st));
		uefi_call_wrapper(BS->UnloadImage, 1, child);
		goto out;
	}
	/* A driver would stay resident, pointing at Runway's buffers. */
	if (child_li->ImageCodeType != EfiLoaderCode) {
		con_error("%s: an EFI driver (code memory type %u), not an application; Runway starts applications only",
			  e->path, (unsigned)child_li->ImageCodeType);
		uefi_call_wrapper(BS->UnloadImage, 1, child);
		st = EFI_UNSUPPORTED;
		goto out;
	}
	if (e->cmdline[0]) {
		child_li->LoadOptions = options;
		child_li->LoadOptionsSize =
			(UINT32)utf8_to_ucs2(e->cmdline, options, CONFIG_CMDLINE_MAX);
	}
	if (initrd.data) {
		st = initrd_install();
		if (EFI_ERROR(st)) {
			con_error("initrd %s: installing its LoadFile2 protocol: %s%s",
				  e->initrd, efi_status_name(st),
				  st == EFI_ALREADY_STARTED ?
				  " (another initrd device path is installed already)" : "");
			uefi_call_wrapper(BS->UnloadImage, 1, child);
			goto out;
		}
		have_initrd = true;
	}

	log_event("chainload path=%s bytes=%llu options_bytes=%u initrd=%s initrd_bytes=%llu\n",
		  e->path, (ull)size, e->cmdline[0] ? child_li->LoadOptionsSize : 0,
		  e->initrd[0] ? e->initrd : "-", (ull)initrd.size);
	/* As the firmware's boot manager does: five minutes, then a reset,
	 * unless the program disarms it (Linux and most loaders do). */
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 300, 0x10000, 0, NULL);
	UINTN exit_size = 0;
	CHAR16 *exit_data = NULL;
	st = uefi_call_wrapper(BS->StartImage, 3, child, &exit_size, &exit_data);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);

	/* An application that ran is unloaded by the firmware when it
	 * returns; one that StartImage refused to run is still there. */
	EFI_LOADED_IMAGE *still;
	if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, child,
					 &LoadedImageProtocol, (void **)&still)))
		uefi_call_wrapper(BS->UnloadImage, 1, child);
	char text[128];
	UINTN n = 0;
	for (; exit_data && n + 1 < sizeof text && n < exit_size / sizeof(CHAR16) &&
	       exit_data[n]; n++)
		text[n] = exit_data[n] < 0x80 && exit_data[n] >= 0x20 ? (char)exit_data[n] : '?';
	text[n] = 0;
	if (exit_data)
		FreePool(exit_data);
	log_event("chainload-returned path=%s status=%s exit_data=\"%s\"\n", e->path,
		  efi_status_name(st), text);
	if (EFI_ERROR(st))
		con_error("%s returned %s%s%s", e->path, efi_status_name(st),
			  text[0] ? ": " : "", text);
out:
	if (have_initrd && !initrd_uninstall(e->initrd))
		initrd.data = NULL; /* still served: leak it rather than free it */
	if (initrd.data)
		FreePool(initrd.data);
	initrd.data = NULL;
	initrd.size = 0;
	if (dp)
		FreePool(dp);
	if (buf)
		FreePool(buf);
	return st;
}
