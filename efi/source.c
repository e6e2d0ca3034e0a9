/*
 * source.c - where Runway's files come from (DESIGN.md, "File sources"):
 * the volume it was loaded from when its device has a file system, else
 * the TFTP server that served it over PXE (efi/pxe.c).
 *
 * Above this seam nobody knows which: the load path, the modules, the
 * protocols and chainloading open, read and close files through
 * efi/file.c, which asks the source.  This file picks the source, finds
 * runway.conf in it, and names a file for LoadImage.
 */
#include "loader.h"

#include "tftp.h"
#include "ucs2.h"

EFI_STATUS source_open(EFI_HANDLE image, struct source *ret)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);

	if (EFI_ERROR(st))
		return con_fail(st, "Runway's own LoadedImage: %s", efi_status_name(st));
	ret->device = li->DeviceHandle;
	ret->why[0] = 0;
	st = vol_open_root(image, &ret->root, &ret->dir);
	if (st != EFI_UNSUPPORTED) {
		if (EFI_ERROR(st))
			return con_fail(st, "cannot open the loader's own volume: %s",
					efi_status_name(st));
		return EFI_SUCCESS;
	}
	/* No file system on the device: a network boot, or nothing. */
	ret->root = NULL;
	st = pxe_init(ret->device, &ret->pxe, ret->why, sizeof ret->why);
	if (st == EFI_UNSUPPORTED && !ret->why[0])
		return con_fail(st, "the loader's device has neither a file system nor the PXE base code: nowhere to read runway.conf from");
	if (EFI_ERROR(st))
		return con_fail(st, "network boot: %s", ret->why);
	log_event("source kind=tftp server=%s bootfile=%s\n", ret->pxe.server_text,
		  ret->pxe.bootfile);
	return EFI_SUCCESS;
}

/* On the volume: in the loader's own directory, then at the root.
 * Reports nothing. */
static EFI_STATUS volume_open_config(struct source *src, struct vol_file *ret_f)
{
	uint16_t path[CONFIG_PATH_MAX + 16];
	EFI_STATUS st = EFI_NOT_FOUND;

	if (src->dir[0] && ucs2_path_join(src->dir, L"runway.conf", path, CONFIG_PATH_MAX + 16))
		st = file_open_w(src->root, path, "runway.conf", ret_f);
	if (st == EFI_NOT_FOUND)
		st = file_open_w(src->root, L"\\runway.conf", "/runway.conf", ret_f);
	return st;
}

static EFI_STATUS volume_config(struct source *src, struct vol_file *ret_f)
{
	EFI_STATUS st = volume_open_config(src, ret_f);

	if (EFI_ERROR(st))
		return con_fail(st, "runway.conf: cannot read it from the loader's directory or the volume root: %s",
				efi_status_name(st));
	return EFI_SUCCESS;
}

bool source_config_absent(struct source *src)
{
	struct vol_file f;

	if (!src->root)
		return false;
	EFI_STATUS st = volume_open_config(src, &f);
	if (!EFI_ERROR(st))
		file_close(&f);
	return st == EFI_NOT_FOUND;
}

/* Over TFTP: next to the boot file, then at the server's root.  Any
 * error the server answers with means the next place: EDK2 does not
 * say which one it was (efi/pxe.c). */
static EFI_STATUS tftp_config(struct source *src, struct vol_file *ret_f)
{
	char names[2][TFTP_NAME_MAX];
	size_t n = tftp_config_names(src->pxe.bootfile, names);
	EFI_STATUS st = EFI_NOT_FOUND;

	for (size_t i = 0; i < n && (st == EFI_NOT_FOUND || st == EFI_TFTP_ERROR); i++)
		st = file_open(src, names[i], ret_f);
	if (EFI_ERROR(st))
		return con_fail(st, "runway.conf: cannot read it next to the boot file %s or at the root of TFTP server %s: %s",
				src->pxe.bootfile, src->pxe.server_text, file_error(src, st));
	return EFI_SUCCESS;
}

EFI_STATUS source_open_config(struct source *src, struct vol_file *ret_f)
{
	return src->root ? volume_config(src, ret_f) : tftp_config(src, ret_f);
}

EFI_STATUS source_device_path(const struct source *src, const char *path,
			      EFI_DEVICE_PATH **ret_dp)
{
	static uint16_t wpath[CONFIG_EFI_PATH_UNITS];
	EFI_DEVICE_PATH *dp;

	/* The rule file_open read the program's bytes with: the device
	 * path names the same file. */
	if (!config_efi_path(path, wpath, NULL))
		return EFI_INVALID_PARAMETER;
	if (!src->root)
		return pxe_device_path(&src->pxe, src->device, path, ret_dp);
	dp = FileDevicePath(src->device, wpath);
	if (!dp)
		return EFI_OUT_OF_RESOURCES;
	*ret_dp = dp;
	return EFI_SUCCESS;
}
