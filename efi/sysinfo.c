/*
 * sysinfo.c - what the firmware tells about the machine, in the
 * protocol-neutral struct machine_info: the framebuffer (GOP), the ACPI
 * RSDPs, the SMBIOS entry points, the EFI system table.
 */
#include "loader.h"

#include <string.h>

#include "unixtime.h"

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;
static EFI_GUID smbios3_guid = SMBIOS3_TABLE_GUID;
static EFI_GUID smbios_guid = SMBIOS_TABLE_GUID;

static uint64_t config_table(EFI_GUID *guid)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
		if (!CompareGuid(&ST->ConfigurationTable[i].VendorGuid, guid))
			return (uint64_t)(uintptr_t)ST->ConfigurationTable[i].VendorTable;
	return 0;
}

/* A GOP mode as geometry and masks; false for PixelBltOnly (no linear
 * framebuffer). */
static bool mode_of(const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info,
		    struct fb_mode *m)
{
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		m->red_mask = 0x0000ff;
		m->green_mask = 0x00ff00;
		m->blue_mask = 0xff0000;
		m->reserved_mask = 0xff000000;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		m->red_mask = 0xff0000;
		m->green_mask = 0x00ff00;
		m->blue_mask = 0x0000ff;
		m->reserved_mask = 0xff000000;
		break;
	case PixelBitMask:
		m->red_mask = info->PixelInformation.RedMask;
		m->green_mask = info->PixelInformation.GreenMask;
		m->blue_mask = info->PixelInformation.BlueMask;
		m->reserved_mask = info->PixelInformation.ReservedMask;
		break;
	default:
		return false;
	}
	m->width = info->HorizontalResolution;
	m->height = info->VerticalResolution;
	/* 32 bits for the two byte formats; for a bit mask, as many whole
	 * bytes as its highest bit needs (UEFI 2.10 section 12.9). */
	uint32_t all = m->red_mask | m->green_mask | m->blue_mask | m->reserved_mask;
	unsigned bits = 0;
	while (bits < 32 && (all >> bits))
		bits++;
	m->bpp = info->PixelFormat == PixelBitMask ? (bits + 7) / 8 * 8 : 32;
	if (m->bpp == 0)
		return false;
	m->pitch = info->PixelsPerScanLine * (m->bpp / 8);
	return true;
}

/* Every mode GOP offers with a linear framebuffer (up to FB_MODES_MAX). */
static void read_modes(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop, struct fb_info *fb)
{
	for (UINT32 i = 0; i < gop->Mode->MaxMode && fb->nmodes < FB_MODES_MAX; i++) {
		EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
		UINTN size;
		if (EFI_ERROR(gop->QueryMode(gop, i, &size, &info)))
			continue;
		if (mode_of(info, &fb->modes[fb->nmodes])) {
			fb->modes[fb->nmodes].number = i;
			fb->nmodes++;
		}
		FreePool(info);
	}
}

static void read_framebuffer(struct fb_info *fb)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	struct fb_mode m;

	if (EFI_ERROR(LibLocateProtocol(&gop_guid, (void **)&gop)) || !gop ||
	    !gop->Mode || !gop->Mode->Info || !mode_of(gop->Mode->Info, &m))
		return;
	fb->present = true;
	fb->phys = gop->Mode->FrameBufferBase;
	fb->size = gop->Mode->FrameBufferSize;
	m.number = gop->Mode->Mode;
	fb->mode = m;
	read_modes(gop, fb);
}

EFI_STATUS sysinfo_set_mode(uint32_t number, struct fb_info *fb)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_STATUS st = LibLocateProtocol(&gop_guid, (void **)&gop);

	if (EFI_ERROR(st) || !gop)
		return EFI_ERROR(st) ? st : EFI_NOT_FOUND;
	if (gop->Mode->Mode != number) {
		st = gop->SetMode(gop, number);
		if (EFI_ERROR(st))
			return st;
	}
	*fb = (struct fb_info){ 0 };
	read_framebuffer(fb);
	return EFI_SUCCESS;
}

/* The RTC as UNIX time (taken as UTC, as OVMF and QEMU keep it); 0 when
 * the firmware cannot say. */
static int64_t boot_time(void)
{
	EFI_TIME t;

	if (EFI_ERROR(RT->GetTime(&t, NULL)))
		return 0;
	int64_t s = unix_time(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second);
	return s < 0 ? 0 : s;
}

/* The GPT header's disk GUID (UEFI 2.10 section 5.3.2: LBA 1, "EFI PART",
 * DiskGUID at byte 56), read from the disk holding the partition whose
 * device path is `part` (truncated at `hd`). */
static void read_disk_guid(EFI_DEVICE_PATH *part, EFI_DEVICE_PATH *hd,
			   uint8_t ret_guid[16])
{
	EFI_DEVICE_PATH *disk_path = DuplicateDevicePath(part);
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE disk;
	EFI_BLOCK_IO *bio;

	if (!disk_path)
		return;
	/* the same path ended where the partition node was */
	SetDevicePathEndNode((EFI_DEVICE_PATH *)((uint8_t *)disk_path +
						 ((uint8_t *)hd - (uint8_t *)part)));
	dp = disk_path;
	if (!EFI_ERROR(BS->LocateDevicePath(&BlockIoProtocol, &dp, &disk)) &&
	    !EFI_ERROR(BS->HandleProtocol(disk, &BlockIoProtocol, (void **)&bio)) &&
	    bio->Media->BlockSize >= 512 && bio->Media->BlockSize <= 4096) {
		uint8_t *block = AllocatePool(bio->Media->BlockSize);
		if (block && !EFI_ERROR(bio->ReadBlocks(bio, bio->Media->MediaId, 1,
							bio->Media->BlockSize, block)) &&
		    !memcmp(block, "EFI PART", 8))
			memcpy(ret_guid, block + 56, 16);
		if (block)
			FreePool(block);
	}
	FreePool(disk_path);
}

/* Partition number and GUIDs of the volume the loader came from. */
static void read_volume(EFI_HANDLE image, struct volume_info *v)
{
	EFI_LOADED_IMAGE *li;
	EFI_DEVICE_PATH *part;

	if (EFI_ERROR(BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li)) ||
	    EFI_ERROR(BS->HandleProtocol(li->DeviceHandle, &DevicePathProtocol,
					 (void **)&part)))
		return;
	for (EFI_DEVICE_PATH *dp = part; !IsDevicePathEnd(dp) &&
	     DevicePathNodeLength(dp) >= 4; dp = NextDevicePathNode(dp)) {
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_HARDDRIVE_DP)
			continue;
		HARDDRIVE_DEVICE_PATH *hd = (HARDDRIVE_DEVICE_PATH *)dp;
		v->partition_index = hd->PartitionNumber;
		if (hd->SignatureType == SIGNATURE_TYPE_GUID) {
			memcpy(v->gpt_part_guid, hd->Signature, 16);
			read_disk_guid(part, dp, v->gpt_disk_guid);
		} else if (hd->SignatureType == SIGNATURE_TYPE_MBR) {
			memcpy(&v->mbr_disk_id, hd->Signature, 4);
		}
		return;
	}
}

void sysinfo_read(EFI_HANDLE image, struct machine_info *ret)
{
	*ret = (struct machine_info){ 0 };
	read_framebuffer(&ret->fb);
	ret->acpi2_rsdp = config_table(&acpi20_guid);
	ret->acpi1_rsdp = config_table(&acpi10_guid);
	ret->smbios64_entry = config_table(&smbios3_guid);
	ret->smbios32_entry = config_table(&smbios_guid);
	ret->efi_system_table = (uint64_t)(uintptr_t)ST;
	ret->efi_image_handle = (uint64_t)(uintptr_t)image;
	ret->boot_time = boot_time();
	ret->bsp_apic_id = cpuid(1, 0).b >> 24;
	ret->la57 = cpu_features().la57;
	ret->x2apic = (cpuid(1, 0).c & (1u << 21)) && cpuid(0, 0).a >= 0xb;
	ret->x2apic_on = ret->x2apic && (rdmsr(IA32_APIC_BASE) & APIC_BASE_X2APIC);
	if (ret->x2apic)
		ret->bsp_x2apic_id = cpuid(0xb, 0).d;
	read_volume(image, &ret->volume);
}
