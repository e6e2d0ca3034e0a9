/*
 * sysinfo.c - what the boot info reports about the machine: framebuffer
 * (GOP), ACPI RSDP, SMBIOS entry point, the EFI system table.
 */
#include "loader.h"

#include "runway/boot.h"

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;
static EFI_GUID smbios3_guid = SMBIOS3_TABLE_GUID;
static EFI_GUID smbios_guid = SMBIOS_TABLE_GUID;

static void *config_table(EFI_GUID *guid)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
		if (!CompareGuid(&ST->ConfigurationTable[i].VendorGuid, guid))
			return ST->ConfigurationTable[i].VendorTable;
	return NULL;
}

static void fill_framebuffer(struct runway_framebuffer *fb)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;

	if (EFI_ERROR(LibLocateProtocol(&gop_guid, (void **)&gop)) || !gop ||
	    !gop->Mode || !gop->Mode->Info)
		return;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	uint32_t format;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		format = RUNWAY_FB_RGBX8888;
		fb->red_mask = 0x0000ff;
		fb->green_mask = 0x00ff00;
		fb->blue_mask = 0xff0000;
		fb->reserved_mask = 0xff000000;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		format = RUNWAY_FB_BGRX8888;
		fb->red_mask = 0xff0000;
		fb->green_mask = 0x00ff00;
		fb->blue_mask = 0x0000ff;
		fb->reserved_mask = 0xff000000;
		break;
	case PixelBitMask:
		format = RUNWAY_FB_BITMASK;
		fb->red_mask = info->PixelInformation.RedMask;
		fb->green_mask = info->PixelInformation.GreenMask;
		fb->blue_mask = info->PixelInformation.BlueMask;
		fb->reserved_mask = info->PixelInformation.ReservedMask;
		break;
	default: /* PixelBltOnly: no linear framebuffer */
		return;
	}
	fb->phys = gop->Mode->FrameBufferBase;
	fb->virt = fb->phys + RUNWAY_HHDM_OFFSET;
	fb->size = gop->Mode->FrameBufferSize;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine * 4;
	fb->format = format;
}

void sysinfo_fill(struct runway_boot_info *bi)
{
	void *t;

	fill_framebuffer(&bi->framebuffer);
	t = config_table(&acpi20_guid);
	if (!t)
		t = config_table(&acpi10_guid);
	bi->acpi_rsdp = (uint64_t)(uintptr_t)t;
	t = config_table(&smbios3_guid);
	if (!t)
		t = config_table(&smbios_guid);
	bi->smbios_entry = (uint64_t)(uintptr_t)t;
	bi->efi_system_table = (uint64_t)(uintptr_t)ST;
}
