/*
 * file.c - files on the volume Runway was loaded from.
 *
 * Paths in runway.conf use '/'; the firmware's file protocol wants UCS-2
 * with '\'.  Kernel files are read at offsets on demand (elf_file.read);
 * only small files (the config) are read whole.
 */
#include "loader.h"

#include <string.h>

/* The directory part of the loader's own path, e.g. \EFI\BOOT. */
static CHAR16 *image_dir(EFI_LOADED_IMAGE *li)
{
	static CHAR16 dir[CONFIG_PATH_MAX];
	EFI_DEVICE_PATH *dp = li->FilePath;
	UINTN n = 0;

	dir[0] = 0;
	while (dp && !IsDevicePathEnd(dp)) {
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_FILEPATH_DP) {
			FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
			UINTN len = (DevicePathNodeLength(dp) - 4) / sizeof(CHAR16);
			for (UINTN i = 0; i < len && fp->PathName[i]; i++) {
				if (n + 2 >= CONFIG_PATH_MAX)
					break;
				if (n == 0 && fp->PathName[i] != L'\\')
					dir[n++] = L'\\';
				if (n && dir[n - 1] == L'\\' && fp->PathName[i] == L'\\')
					continue;
				dir[n++] = fp->PathName[i];
			}
		}
		dp = NextDevicePathNode(dp);
	}
	dir[n] = 0;
	/* Strip the file name. */
	while (n > 0 && dir[n - 1] != L'\\')
		dir[--n] = 0;
	if (n > 0)
		dir[--n] = 0;
	return dir;
}

EFI_STATUS vol_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *ret_root,
			 CHAR16 **ret_dir)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle,
			       &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, ret_root);
	if (EFI_ERROR(st))
		return st;
	*ret_dir = image_dir(li);
	return EFI_SUCCESS;
}

void file_efi_path(const char *path, CHAR16 *out, UINTN cap)
{
	UINTN n = 0;

	if (*path != '/' && *path != '\\')
		out[n++] = L'\\';
	for (; *path && n + 1 < cap; path++)
		out[n++] = (*path == '/') ? L'\\' : (CHAR16)(unsigned char)*path;
	out[n] = 0;
}

static EFI_STATUS file_size(EFI_FILE_HANDLE h, uint64_t *ret_size)
{
	EFI_FILE_INFO *info = LibFileInfo(h);

	if (!info)
		return EFI_DEVICE_ERROR;
	*ret_size = info->FileSize;
	FreePool(info);
	return EFI_SUCCESS;
}

EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path,
		     struct efi_file *ret_f)
{
	CHAR16 wpath[CONFIG_PATH_MAX];
	struct efi_file f;
	EFI_STATUS st;

	memset(&f, 0, sizeof f);
	fmt(f.path, sizeof f.path, "%s", path);
	file_efi_path(path, wpath, CONFIG_PATH_MAX);
	st = uefi_call_wrapper(root->Open, 5, root, &f.h, wpath,
			       EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	st = file_size(f.h, &f.size);
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(f.h->Close, 1, f.h);
		return st;
	}
	*ret_f = f;
	return EFI_SUCCESS;
}

void file_close(struct efi_file *f)
{
	if (f->h)
		uefi_call_wrapper(f->h->Close, 1, f->h);
	f->h = NULL;
}

uint64_t file_read_at(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	struct efi_file *f = ctx;
	EFI_STATUS st;

	st = uefi_call_wrapper(f->h->SetPosition, 2, f->h, off);
	if (EFI_ERROR(st))
		return st;
	UINTN n = len;
	st = uefi_call_wrapper(f->h->Read, 3, f->h, &n, buf);
	if (EFI_ERROR(st))
		return st;
	return n == len ? EFI_SUCCESS : EFI_END_OF_FILE;
}

EFI_STATUS file_read_chunked(struct efi_file *f, void *buf, uint64_t len,
			     uint64_t *ret_off)
{
	const uint64_t chunk = 1u << 20;

	for (uint64_t off = 0; off < len; off += chunk) {
		EFI_STATUS st = file_read_at(f, off, (uint8_t *)buf + off,
					     len - off < chunk ? len - off : chunk);
		if (EFI_ERROR(st)) {
			*ret_off = off;
			return st;
		}
	}
	return EFI_SUCCESS;
}

EFI_STATUS file_read_all(EFI_FILE_HANDLE root, const CHAR16 *path,
			 char **ret_buf, UINTN *ret_len)
{
	EFI_FILE_HANDLE h;
	EFI_STATUS st;
	uint64_t size;

	st = uefi_call_wrapper(root->Open, 5, root, &h, (CHAR16 *)path,
			       EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	st = file_size(h, &size);
	if (!EFI_ERROR(st) && size > (1u << 20))
		st = EFI_BAD_BUFFER_SIZE;
	char *buf = NULL;
	if (!EFI_ERROR(st)) {
		buf = AllocatePool(size + 1);
		if (!buf)
			st = EFI_OUT_OF_RESOURCES;
	}
	if (!EFI_ERROR(st)) {
		struct efi_file f = { .h = h, .size = size };
		uint64_t off;
		st = file_read_chunked(&f, buf, size, &off);
	}
	uefi_call_wrapper(h->Close, 1, h);
	if (EFI_ERROR(st)) {
		if (buf)
			FreePool(buf);
		return st;
	}
	buf[size] = 0;
	*ret_buf = buf;
	*ret_len = size;
	return EFI_SUCCESS;
}
