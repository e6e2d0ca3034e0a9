/*
 * tcg2.h - the part of EFI_TCG2_PROTOCOL Runway uses (TCG EFI Protocol
 * Specification, family 2.0, revision 1.22, section 6), which gnu-efi
 * 3.0.15 does not define.  Shared by efi/tpm.c and the TPM test program
 * (tests/efiapp/tpmcheck.c).
 */
#ifndef RUNWAY_EFI_TCG2_H
#define RUNWAY_EFI_TCG2_H

#include <efi.h>

#define TCG2_PROTOCOL_GUID \
	{ 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } }

#define TCG2_EVENT_LOG_FORMAT_TCG_2 0x00000002u /* crypto agile (6.4) */
#define TCG2_BOOT_HASH_ALG_SHA256 0x00000002u   /* EFI_TCG2_BOOT_HASH_ALG_SHA256 */
#define TCG2_EVENT_HEADER_VERSION 1

struct tcg2_version {
	UINT8 major;
	UINT8 minor;
};

/* EFI_TCG2_BOOT_SERVICE_CAPABILITY (6.4.4): natural alignment, as in
 * EDK2's Tcg2Protocol.h; the caller sets size to what it can take. */
struct tcg2_capability {
	UINT8 size;
	struct tcg2_version structure_version;
	struct tcg2_version protocol_version;
	UINT32 hash_algorithm_bitmap;
	UINT32 supported_event_logs;
	BOOLEAN tpm_present;
	UINT16 max_command_size;
	UINT16 max_response_size;
	UINT32 manufacturer_id;
	UINT32 number_of_pcr_banks;
	UINT32 active_pcr_banks;
};
_Static_assert(sizeof(struct tcg2_capability) == 36, "EFI_TCG2_BOOT_SERVICE_CAPABILITY");
_Static_assert(__builtin_offsetof(struct tcg2_capability, hash_algorithm_bitmap) == 8,
	       "HashAlgorithmBitmap");
_Static_assert(__builtin_offsetof(struct tcg2_capability, tpm_present) == 16, "TPMPresentFlag");
_Static_assert(__builtin_offsetof(struct tcg2_capability, active_pcr_banks) == 32,
	       "ActivePcrBanks");

/* EFI_TCG2_EVENT (6.6.5): packed, the event data follows the header. */
struct tcg2_event_header {
	UINT32 header_size;     /* sizeof this header: 14 */
	UINT16 header_version;  /* 1 */
	UINT32 pcr_index;
	UINT32 event_type;
} __attribute__((packed));
_Static_assert(sizeof(struct tcg2_event_header) == 14, "EFI_TCG2_EVENT_HEADER");

struct tcg2_event {
	UINT32 size;            /* the header, its size field and the data */
	struct tcg2_event_header header;
	UINT8 event[];
} __attribute__((packed));
_Static_assert(sizeof(struct tcg2_event) == 18, "EFI_TCG2_EVENT");

struct tcg2_protocol;
typedef EFI_STATUS (EFIAPI *tcg2_get_capability)(struct tcg2_protocol *self,
						 struct tcg2_capability *cap);
typedef EFI_STATUS (EFIAPI *tcg2_get_event_log)(struct tcg2_protocol *self, UINT32 format,
						EFI_PHYSICAL_ADDRESS *location,
						EFI_PHYSICAL_ADDRESS *last_entry,
						BOOLEAN *truncated);
typedef EFI_STATUS (EFIAPI *tcg2_hash_log_extend_event)(struct tcg2_protocol *self, UINT64 flags,
							EFI_PHYSICAL_ADDRESS data,
							UINT64 data_size,
							struct tcg2_event *event);
typedef EFI_STATUS (EFIAPI *tcg2_submit_command)(struct tcg2_protocol *self, UINT32 in_size,
						 UINT8 *in, UINT32 out_size, UINT8 *out);

/* EFI_TCG2_PROTOCOL (6.3): the functions in their order; the last three
 * (PCR bank management) are not called. */
struct tcg2_protocol {
	tcg2_get_capability get_capability;
	tcg2_get_event_log get_event_log;
	tcg2_hash_log_extend_event hash_log_extend_event;
	tcg2_submit_command submit_command;
	void *get_active_pcr_banks;
	void *set_active_pcr_banks;
	void *get_result_of_set_active_pcr_banks;
};

#endif
