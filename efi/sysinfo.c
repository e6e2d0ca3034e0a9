/*
 * sysinfo.c - what the firmware tells about the machine, in the
 * protocol-neutral struct machine_info: the framebuffer (GOP), the ACPI
 * RSDPs, the SMBIOS entry points, the EFI system table.
 */
#include "loader.h"

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

static void read_framebuffer(struct fb_info *fb)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;

	if (EFI_ERROR(LibLocateProtocol(&gop_guid, (void **)&gop)) || !gop ||
	    !gop->Mode || !gop->Mode->Info)
		return;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->red_mask = 0x0000ff;
		fb->green_mask = 0x00ff00;
		fb->blue_mask = 0xff0000;
		fb->reserved_mask = 0xff000000;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->red_mask = 0xff0000;
		fb->green_mask = 0x00ff00;
		fb->blue_mask = 0x0000ff;
		fb->reserved_mask = 0xff000000;
		break;
	case PixelBitMask:
		fb->red_mask = info->PixelInformation.RedMask;
		fb->green_mask = info->PixelInformation.GreenMask;
		fb->blue_mask = info->PixelInformation.BlueMask;
		fb->reserved_mask = info->PixelInformation.ReservedMask;
		break;
	default: /* PixelBltOnly: no linear framebuffer */
		return;
	}
	fb->present = true;
	fb->phys = gop->Mode->FrameBufferBase;
	fb->size = gop->Mode->FrameBufferSize;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	/* GOP pixels are 32 bits in the three formats above. */
	fb->bpp = 32;
	fb->pitch = info->PixelsPerScanLine * 4;
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
}
