/*
 * tpm.c - measured boot: what Runway reads and the command lines it hands
 * over are measured into the TPM through EFI_TCG2_PROTOCOL, with event
 * log entries, when the firmware offers the protocol and a TPM.
 *
 * GRUB's PCR convention (its docs, "Measured Boot"), with Runway's own
 * event texts:
 *   PCR 9: every file Runway reads: the config, kernels, modules, files a
 *          protocol asks for, initrds, EFI programs;
 *          EV_IPL "runway: <what> <path>" (what: config, kernel, module,
 *          file, initrd, efi), the digest over the whole file.
 *   PCR 8: the command line used (as edited in the menu), a kernel's or an
 *          EFI program's (its load options, as configured in UTF-8);
 *          EV_IPL "runway: cmdline <text>", the digest over its bytes
 *          without the NUL.
 * Each event's data is its text with a NUL, as GRUB writes it.
 *
 * A measurement that fails is logged ("runway: tpm error ...") and the
 * boot goes on: a TPM that does not answer must not keep a machine from
 * booting (the PCRs then simply do not match what a verifier expects).
 */
#include "loader.h"
#include "tcg.h"
#include "tcg2.h"

#include <string.h>

/* The longest text: "runway: cmdline " and a command line. */
#define EVENT_TEXT_MAX (32 + CONFIG_CMDLINE_MAX)

enum { TPM_UNKNOWN, TPM_ABSENT, TPM_PRESENT };

static struct {
	int state;
	struct tcg2_protocol *tcg2;
	/* The event passed to HashLogExtendEvent: header, then the text. */
	uint8_t event[sizeof(struct tcg2_event) + EVENT_TEXT_MAX] __attribute__((aligned(8)));
} tpm;

static struct tcg2_event *event(void)
{
	return (struct tcg2_event *)tpm.event;
}

/* Look for the protocol and ask it whether a TPM is there (a firmware may
 * offer the protocol without one: TPMPresentFlag, TCG EFI spec 6.4.4). */
static bool find_tcg2(void)
{
	static EFI_GUID guid = TCG2_PROTOCOL_GUID;
	struct tcg2_capability cap = { .size = sizeof cap };
	struct tcg2_protocol *p;

	if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **)&p)) || !p)
		return false;
	EFI_STATUS st = p->get_capability(p, &cap);
	if (EFI_ERROR(st)) {
		log_event("tpm error GetCapability: %s; not measuring\n", efi_status_name(st));
		return false;
	}
	if (!cap.tpm_present) {
		log_event("tpm absent (EFI_TCG2_PROTOCOL without a TPM); not measuring\n");
		return false;
	}
	log_event("tpm tcg2 protocol=%u.%u banks=0x%x pcr_files=9 pcr_cmdline=8\n",
		  cap.protocol_version.major, cap.protocol_version.minor,
		  (unsigned)cap.active_pcr_banks);
	tpm.tcg2 = p;
	return true;
}

bool tpm_present(void)
{
	if (tpm.state == TPM_UNKNOWN)
		tpm.state = find_tcg2() ? TPM_PRESENT : TPM_ABSENT;
	return tpm.state == TPM_PRESENT;
}

/* HashLogExtendEvent of data[0..size) into pcr, with the event text built
 * in tpm.event; logs the outcome. */
static void measure(uint32_t pcr, const void *data, uint64_t size)
{
	struct tcg2_event *ev = event();
	const char *text = (const char *)ev->event;
	size_t len = strlen(text) + 1;
	uint64_t t = tsc_now();

	ev->size = (UINT32)(sizeof *ev + len);
	ev->header = (struct tcg2_event_header){
		.header_size = sizeof ev->header,
		.header_version = TCG2_EVENT_HEADER_VERSION,
		.pcr_index = pcr,
		.event_type = TCG_EV_IPL,
	};
	EFI_STATUS st = tpm.tcg2->hash_log_extend_event(
		tpm.tcg2, 0, (EFI_PHYSICAL_ADDRESS)(uintptr_t)data, size, ev);
	if (EFI_ERROR(st)) {
		log_event("tpm error pcr=%u bytes=%" PRIu64 " event=\"%.200s\": HashLogExtendEvent: %s\n",
			  (unsigned)pcr, size, text, efi_status_name(st));
		return;
	}
	/* At most 200 characters of the text: one event per log line. */
	log_event("tpm measured pcr=%u bytes=%" PRIu64 " us=%" PRIu64 " event=\"%.200s\"\n",
		  (unsigned)pcr, size, tsc_to_us(tsc_now() - t), text);
}

void tpm_measure_file(const char *what, const char *path, const void *buf,
		      uint64_t size)
{
	if (!tpm_present())
		return;
	fmt((char *)event()->event, EVENT_TEXT_MAX, "runway: %s %s", what, path);
	measure(TPM_PCR_FILES, buf, size);
}

void tpm_measure_cmdline(const char *cmdline)
{
	if (!tpm_present())
		return;
	fmt((char *)event()->event, EVENT_TEXT_MAX, "runway: cmdline %s", cmdline);
	measure(TPM_PCR_CMDLINE, cmdline, strlen(cmdline));
}
