/*
 * efi64.h - the few UEFI (2.10) definitions the EFI amd64 Multiboot2 test
 * kernel calls through, written out here (no gnu-efi headers in a
 * kernel): the system table, the boot services up to ExitBootServices,
 * the loaded image protocol.  Firmware functions use the Microsoft x64
 * calling convention (ms_abi).  Offsets pinned with _Static_assert.
 */
#ifndef RUNWAY_MB_EFI64_H
#define RUNWAY_MB_EFI64_H

#include <stdint.h>

#include "mbspec.h"

#define EFIAPI __attribute__((ms_abi))

typedef uint64_t efi_status;

#define EFI_SUCCESS           0
#define EFI_ERROR_BIT         (1ull << 63)
#define EFI_INVALID_PARAMETER (EFI_ERROR_BIT | 2)
#define EFI_BUFFER_TOO_SMALL  (EFI_ERROR_BIT | 5)

struct efi_guid {
	uint32_t a;
	uint16_t b, c;
	uint8_t d[8];
};

#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
	{ 0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }

typedef void *efi_fn; /* a boot service this kernel does not call */

struct efi_boot_services {
	struct efi_table_header hdr;
	efi_fn raise_tpl, restore_tpl, allocate_pages, free_pages;
	efi_status (EFIAPI *get_memory_map)(uint64_t *map_size, void *map, uint64_t *map_key,
	                                    uint64_t *desc_size, uint32_t *desc_version);
	efi_fn allocate_pool, free_pool;
	efi_fn create_event, set_timer, wait_for_event, signal_event, close_event, check_event;
	efi_fn install_protocol_interface, reinstall_protocol_interface,
	       uninstall_protocol_interface;
	efi_status (EFIAPI *handle_protocol)(void *handle, const struct efi_guid *protocol,
	                                     void **interface);
	efi_fn reserved, register_protocol_notify, locate_handle, locate_device_path,
	       install_configuration_table;
	efi_fn load_image, start_image, exit, unload_image;
	efi_status (EFIAPI *exit_boot_services)(void *image_handle, uint64_t map_key);
};

struct efi_system_table {
	struct efi_table_header hdr;
	uint16_t *firmware_vendor;
	uint32_t firmware_revision;
	void *console_in_handle, *con_in, *console_out_handle, *con_out;
	void *standard_error_handle, *std_err;
	void *runtime_services;
	struct efi_boot_services *boot_services;
	uint64_t number_of_table_entries;
	void *configuration_table;
};

struct efi_loaded_image {
	uint32_t revision;
	void *parent_handle;
	struct efi_system_table *system_table;
	void *device_handle, *file_path, *reserved;
	uint32_t load_options_size;
	void *load_options;
	void *image_base;
	uint64_t image_size;
	uint32_t image_code_type, image_data_type;
	void *unload;
};

_Static_assert(__builtin_offsetof(struct efi_boot_services, get_memory_map) == 56, "GetMemoryMap");
_Static_assert(__builtin_offsetof(struct efi_boot_services, handle_protocol) == 152, "HandleProtocol");
_Static_assert(__builtin_offsetof(struct efi_boot_services, exit_boot_services) == 232, "ExitBootServices");
_Static_assert(__builtin_offsetof(struct efi_system_table, boot_services) == 96, "BootServices");
_Static_assert(sizeof(struct efi_system_table) == 120, "system table");
_Static_assert(__builtin_offsetof(struct efi_loaded_image, image_base) == 64, "ImageBase");
_Static_assert(sizeof(struct efi_loaded_image) == 96, "loaded image");

#endif /* RUNWAY_MB_EFI64_H */
