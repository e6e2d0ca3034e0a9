/*
 * file.c - files from where Runway was started (efi/source.c): the volume
 * it was loaded from, or the TFTP server that served it.
 *
 * Paths in runway.conf use '/'; the firmware's file protocol wants UCS-2
 * with '\' (lib/ucs2.c converts, and refuses what does not fit).  Kernel
 * files on a volume are read at offsets on demand (elf_file.read); small
 * files (the config, programs to chainload) are read whole.  Over TFTP
 * (efi/pxe.c), which cannot seek, every transfer is of the whole file: a
 * read of all of it goes straight into the caller's memory (a module's
 * run, a chainloaded program's buffer); reads at offsets (a kernel's
 * headers and segments) are served from one buffer the file keeps.
 */
#include "loader.h"

#include <string.h>

#include "ucs2.h"

/* Reads larger than this some firmware refuses. */
#define READ_CHUNK (1ull << 20)

/* The directory part of the loader's own path, e.g. \EFI\BOOT. */
static uint16_t *image_dir(EFI_LOADED_IMAGE *li)
{
	static uint16_t dir[CONFIG_PATH_MAX];
	struct ucs2_dir d;

	ucs2_dir_init(&d, dir, CONFIG_PATH_MAX);
	/* A node shorter than its header would never end the walk: stop. */
	for (EFI_DEVICE_PATH *dp = li->FilePath;
	     dp && !IsDevicePathEnd(dp) && DevicePathNodeLength(dp) >= 4;
	     dp = NextDevicePathNode(dp))
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_FILEPATH_DP)
			ucs2_dir_add_node(&d, ((FILEPATH_DEVICE_PATH *)dp)->PathName,
					  DevicePathNodeLength(dp) - 4);
	/* A directory too long to hold: look for runway.conf at the root. */
	ucs2_dir_finish(&d);
	return dir;
}

EFI_STATUS vol_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *ret_root,
			 uint16_t **ret_dir)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	st = BS->HandleProtocol(li->DeviceHandle, &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(st))
		return st;
	st = fs->OpenVolume(fs, ret_root);
	if (EFI_ERROR(st))
		return st;
	*ret_dir = image_dir(li);
	return EFI_SUCCESS;
}

/* The size of an open file; a directory is refused.  Its info names it
 * with the last component of a path of at most CONFIG_PATH_MAX bytes, so
 * it fits here: no pool memory for it. */
static EFI_STATUS file_size(EFI_FILE_HANDLE h, uint64_t *ret_size)
{
	union {
		EFI_FILE_INFO info;
		uint8_t bytes[__builtin_offsetof(EFI_FILE_INFO, FileName) +
			      (CONFIG_PATH_MAX + 1) * sizeof(CHAR16)];
	} b;
	UINTN size = sizeof b;
	EFI_STATUS st = h->GetInfo(h, &gEfiFileInfoGuid, &size, &b);

	if (EFI_ERROR(st))
		return st;
	if (b.info.Attribute & EFI_FILE_DIRECTORY)
		return RUNWAY_IS_A_DIRECTORY;
	*ret_size = b.info.FileSize;
	return EFI_SUCCESS;
}

EFI_STATUS file_open_w(EFI_FILE_HANDLE root, const uint16_t *wpath,
		       const char *path, struct vol_file *ret_f)
{
	struct vol_file f = { 0 };
	EFI_STATUS st;

	fmt(f.path, sizeof f.path, "%s", path);
	st = root->Open(root, &f.h, (CHAR16 *)wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	st = file_size(f.h, &f.size);
	if (EFI_ERROR(st)) {
		f.h->Close(f.h);
		return st;
	}
	*ret_f = f;
	return EFI_SUCCESS;
}

/* Over TFTP, nothing is transferred yet: the size is known (and fits). */
static EFI_STATUS tftp_open(struct source *src, const char *path,
			    struct vol_file *ret_f)
{
	struct vol_file f = { .src = src };
	EFI_STATUS st = pxe_size(&src->pxe, path, &f.size, src->why, sizeof src->why);

	if (EFI_ERROR(st))
		return st;
	fmt(f.path, sizeof f.path, "%s", path);
	*ret_f = f;
	return EFI_SUCCESS;
}

/* Over TFTP: the whole file into dst, or (dst NULL) into a buffer the
 * file keeps. */
static EFI_STATUS tftp_fetch(struct vol_file *f, void *dst)
{
	struct source *src = f->src;
	EFI_STATUS st;

	if (dst)
		return pxe_read(&src->pxe, f->path, dst, f->size, src->why, sizeof src->why);
	f->bytes = AllocatePool(f->size ? f->size : 1);
	if (!f->bytes)
		return EFI_OUT_OF_RESOURCES;
	st = pxe_read(&src->pxe, f->path, f->bytes, f->size, src->why, sizeof src->why);
	if (EFI_ERROR(st)) {
		FreePool(f->bytes);
		f->bytes = NULL;
	}
	return st;
}

EFI_STATUS file_open(struct source *src, const char *path,
		     struct vol_file *ret_f)
{
	uint16_t wpath[CONFIG_EFI_PATH_UNITS];

	/* The parser's rule, over either source: longer paths are refused,
	 * never cut. */
	src->why[0] = 0;
	if (!config_efi_path(path, wpath, NULL))
		return EFI_INVALID_PARAMETER;
	if (!src->root)
		return tftp_open(src, path, ret_f);
	return file_open_w(src->root, wpath, path, ret_f);
}

const char *file_error(const struct source *src, EFI_STATUS st)
{
	static char text[sizeof src->why + 32];

	if (!src->why[0])
		return efi_status_name(st);
	fmt(text, sizeof text, "%s: %s", efi_status_name(st), src->why);
	return text;
}

void file_close(struct vol_file *f)
{
	if (f->h)
		f->h->Close(f->h);
	f->h = NULL;
	if (f->bytes)
		FreePool(f->bytes);
	f->bytes = NULL;
	f->src = NULL;
}

/* A large file's first piece; later pieces take about PROGRESS_STEP_US
 * at the rate seen so far.  Fast storage (QEMU's, an NVMe disk) gets the
 * rest in one or two firmware reads, as few as a read of the whole file;
 * a slow USB stick still moves the progress line a few times a second. */
#define PROGRESS_CHUNK (4ull << 20)
#define PROGRESS_STEP_US 250000

static uint64_t next_piece(const struct con_progress *p)
{
	uint64_t us = tsc_to_us(tsc_now() - p->start);
	uint64_t piece = us ? p->done / us * PROGRESS_STEP_US : ~0ull;

	return piece > PROGRESS_CHUNK ? piece : PROGRESS_CHUNK;
}

/* A read from a large file on a volume (positioned already), in pieces,
 * the progress line updated after each: the bytes count once, whatever
 * was read before (a kernel's headers are read twice). */
static EFI_STATUS read_showing_progress(struct vol_file *f, void *buf,
					uint64_t len)
{
	uint64_t piece = PROGRESS_CHUNK;

	if (!f->progress.start)
		f->progress.start = tsc_now();
	for (uint64_t off = 0, want; off < len; off += want) {
		if (off)
			piece = next_piece(&f->progress);
		want = len - off < piece ? len - off : piece;
		UINTN n = want;
		EFI_STATUS st = f->h->Read(f->h, &n, (uint8_t *)buf + off);
		if (EFI_ERROR(st))
			return st;
		if (n != want)
			return EFI_END_OF_FILE;
		f->progress.done += n;
		/* The end of a large read (a kernel's segment) is shown
		 * whatever the rate limit says. */
		con_progress(&f->progress, f->path, f->progress.done, f->size,
			     off + want >= len && len >= PROGRESS_CHUNK);
	}
	return EFI_SUCCESS;
}

void file_progress_end(struct vol_file *f)
{
	if (f->progress.shown) /* con_progress ignores a finished line */
		con_progress(&f->progress, f->path, f->size, f->size, true);
}

uint64_t file_read_at(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	struct vol_file *f = ctx;
	EFI_STATUS st;

	if (f->src) {
		if (off > f->size || len > f->size - off)
			return EFI_END_OF_FILE;
		/* The whole file, not read before: straight into place. */
		if (!f->bytes && off == 0 && len == f->size)
			return tftp_fetch(f, buf);
		if (!f->bytes) {
			st = tftp_fetch(f, NULL);
			if (EFI_ERROR(st))
				return st;
		}
		/* The firmware's copy: gnu-efi's memcpy goes byte by byte. */
		BS->CopyMem(buf, f->bytes + off, len);
		return EFI_SUCCESS;
	}
	st = f->h->SetPosition(f->h, off);
	if (EFI_ERROR(st))
		return st;
	if (f->size > CON_PROGRESS_MIN)
		return read_showing_progress(f, buf, len);
	UINTN n = len;
	st = f->h->Read(f->h, &n, buf);
	if (EFI_ERROR(st))
		return st;
	return n == len ? EFI_SUCCESS : EFI_END_OF_FILE;
}

EFI_STATUS file_read_chunked(struct vol_file *f, void *buf, uint64_t len,
			     uint64_t *ret_off)
{
	if (f->src && len == f->size) {
		EFI_STATUS st = file_read_at(f, 0, buf, len);
		if (EFI_ERROR(st))
			*ret_off = 0;
		return st;
	}
	for (uint64_t off = 0; off < len; off += READ_CHUNK) {
		uint64_t n = len - off < READ_CHUNK ? len - off : READ_CHUNK;
		EFI_STATUS st = file_read_at(f, off, (uint8_t *)buf + off, n);
		if (EFI_ERROR(st)) {
			*ret_off = off;
			return st;
		}
	}
	return EFI_SUCCESS;
}

EFI_STATUS file_read_whole(struct vol_file *f, const char *what, uint64_t max,
			   void **ret_buf)
{
	uint64_t off;
	uint8_t *buf;
	EFI_STATUS st;

	if (f->size > max)
		return con_fail(EFI_BAD_BUFFER_SIZE,
				"%s %s: %" PRIu64 " bytes, more than the %" PRIu64 " allowed",
				what, f->path, f->size, max);
	buf = AllocatePool(f->size + 1);
	if (!buf)
		return con_fail(EFI_OUT_OF_RESOURCES, "%s %s: no memory for its %" PRIu64 " bytes",
				what, f->path, f->size);
	st = file_read_chunked(f, buf, f->size, &off);
	if (EFI_ERROR(st)) {
		FreePool(buf);
		return con_fail(st, "%s %s: reading at offset %" PRIu64 ": %s", what,
				f->path, off,
				f->src ? file_error(f->src, st) : efi_status_name(st));
	}
	buf[f->size] = 0;
	*ret_buf = buf;
	return EFI_SUCCESS;
}
