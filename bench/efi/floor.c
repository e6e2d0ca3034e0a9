/*
 * floor.c - the firmware floor of make bench-peers: the least a loader must
 * do to have a kernel file in memory, done through the firmware alone.
 *
 * Opens \boot\kernel.elf on its own volume (Simple File System), claims
 * pages for the whole file in one AllocatePages call, reads the file into
 * them in the largest pieces the firmware accepts (the whole file in one
 * Read first; a piece the firmware refuses is halved, down to 4 KiB),
 * prints one line
 *     floor: read bytes=N piece=P reads=R
 * and powers off through isa-debug-exit (0x10: pass; 0x11 when the file
 * cannot be opened, claimed or read, after a line "floor: error: ...").
 * It neither parses nor checks the file: that is the kernel's part.
 */
#include <efi.h>
#include <efilib.h>

#include "benchexit.h"

#define KERNEL_PATH L"\\boot\\kernel.elf"
#define MIN_PIECE 4096u

static __attribute__((noreturn)) void fail(const CHAR16 *what, EFI_STATUS st)
{
	Print(L"floor: error: %s: %r\n", what, st);
	bench_exit(BENCH_EXIT_FAIL);
}

static EFI_FILE_HANDLE open_kernel(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_FILE_HANDLE root, f;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		fail(L"LoadedImage", st);
	st = BS->HandleProtocol(li->DeviceHandle, &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(st))
		fail(L"SimpleFileSystem", st);
	st = fs->OpenVolume(fs, &root);
	if (EFI_ERROR(st))
		fail(L"OpenVolume", st);
	st = root->Open(root, &f, KERNEL_PATH, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		fail(KERNEL_PATH, st);
	return f;
}

/* Read len bytes into buf, each Read as large as the firmware takes; the
 * piece size found is kept for the rest of the file. */
static void read_all(EFI_FILE_HANDLE f, uint8_t *buf, uint64_t len,
		     uint64_t *ret_piece, uint64_t *ret_reads)
{
	uint64_t piece = len, off = 0, reads = 0;

	while (off < len) {
		UINTN n = len - off < piece ? len - off : piece;
		EFI_STATUS st = f->Read(f, &n, buf + off);
		reads++;
		if (EFI_ERROR(st)) {
			if (piece <= MIN_PIECE)
				fail(L"Read", st);
			piece /= 2;
			f->SetPosition(f, off);
			continue;
		}
		if (n == 0)
			fail(L"Read (end of file early)", EFI_END_OF_FILE);
		off += n;
	}
	*ret_piece = piece;
	*ret_reads = reads;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_PHYSICAL_ADDRESS addr = 0;
	uint64_t size, piece, reads;
	EFI_STATUS st;

	InitializeLib(image, systab);
	EFI_FILE_HANDLE f = open_kernel(image);
	EFI_FILE_INFO *info = LibFileInfo(f);
	if (!info)
		fail(L"GetInfo", EFI_DEVICE_ERROR);
	size = info->FileSize;
	FreePool(info);
	st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData,
			       EFI_SIZE_TO_PAGES(size), &addr);
	if (EFI_ERROR(st))
		fail(L"AllocatePages", st);
	read_all(f, (uint8_t *)(UINTN)addr, size, &piece, &reads);
	Print(L"floor: read bytes=%lu piece=%lu reads=%lu\n", size, piece, reads);
	bench_exit(BENCH_EXIT_PASS);
}
