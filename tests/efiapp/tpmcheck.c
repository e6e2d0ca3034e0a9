/*
 * tpmcheck.c - an EFI application for Runway's measured-boot test
 * (tests/qemu/test_tpm.sh), chainloaded as the last entry of a run-all
 * boot with a TPM attached.
 *
 * It reads the firmware's event log (EFI_TCG2_PROTOCOL GetEventLog, the
 * crypto-agile TCG_2 format), replays it into the SHA-256 bank
 * (lib/tcg.c), reads PCRs 8 and 9 from the TPM itself (SubmitCommand with
 * TPM2_PCR_Read) and compares.  Its load options are a list of PCR:SHA256
 * words, e.g. "9:5b0e...": each must be the digest of an event the log has
 * for that PCR.  It prints, on the console (which OVMF copies to the
 * serial port):
 *     tpmcheck: event pcr=P sha256=HEX text="..."    each PCR 8 or 9 event
 *     tpmcheck: found pcr=P sha256=HEX text="..."    each expected digest
 *     tpmcheck: pcr=P tpm=HEX log=HEX match|MISMATCH
 *     tpmcheck: PASS events=N            or  tpmcheck: FAIL <why>
 * and ends the machine through isa-debug-exit: 0x10 for PASS, 0x11 for
 * FAIL (QEMU's status 33 or 35).
 */
#include <efi.h>
#include <efilib.h>

#include "../../efi/tcg2.h"
#include "sha256.h"
#include "tcg.h"

/* The log area is at least this much past the last event's start (EDK2
 * allocates PcdTcgLogAreaMinLen, 64 KiB, for it): the last event must end
 * inside it. */
#define LAST_EVENT_MAX (64u << 10)
#define EXPECT_MAX 16
#define OPTIONS_MAX 1024

static int failures;

static void out8(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void fail(const char *why, const char *detail)
{
	Print(L"tpmcheck: FAIL %a%a\n", why, detail);
	failures++;
}

static void hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE])
{
	sha256_hex(d, out);
}

/* The printable ASCII prefix of an event's data, for the report. */
static void event_text(const struct tcg_event *ev, char *out, size_t cap)
{
	size_t n = 0;

	for (; n + 1 < cap && n < ev->data_size && ev->data[n]; n++)
		out[n] = ev->data[n] >= 0x20 && ev->data[n] < 0x7f ? (char)ev->data[n] : '?';
	out[n] = 0;
}

/* The expected PCR:SHA256 words of the load options. */
struct expect {
	uint32_t pcr;
	uint8_t digest[SHA256_DIGEST_SIZE];
	bool found;
};

static size_t parse_options(EFI_LOADED_IMAGE *li, struct expect *ex)
{
	static char opts[OPTIONS_MAX];
	const CHAR16 *o = li->LoadOptions;
	size_t n = 0, count = 0;

	for (; o && n + 1 < OPTIONS_MAX && n < li->LoadOptionsSize / sizeof(CHAR16) && o[n]; n++)
		opts[n] = o[n] < 0x80 ? (char)o[n] : '?';
	opts[n] = 0;
	Print(L"tpmcheck: started options=\"%a\"\n", opts);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && opts[j] != ' ')
			j++;
		/* "P:" and 64 hex digits */
		if (j - i == 66 && opts[i] >= '0' && opts[i] <= '9' && opts[i + 1] == ':' &&
		    count < EXPECT_MAX &&
		    sha256_parse_hex(opts + i + 2, 64, ex[count].digest) == 0) {
			ex[count].pcr = (uint32_t)(opts[i] - '0');
			ex[count].found = false;
			count++;
		} else if (j > i) {
			fail("a load option is not PCR:SHA256: ", "");
		}
		i = j + 1;
	}
	return count;
}

static struct tcg2_protocol *find_tcg2(void)
{
	static EFI_GUID guid = TCG2_PROTOCOL_GUID;
	struct tcg2_capability cap = { .size = sizeof cap };
	struct tcg2_protocol *p = NULL;

	if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &guid, NULL, (void **)&p)) || !p) {
		fail("no EFI_TCG2_PROTOCOL", "");
		return NULL;
	}
	EFI_STATUS st = uefi_call_wrapper(p->get_capability, 2, p, &cap);
	Print(L"tpmcheck: tcg2 status=%r present=%d banks=0x%x logs=0x%x\n", st,
	      cap.tpm_present, cap.active_pcr_banks, cap.supported_event_logs);
	if (EFI_ERROR(st) || !cap.tpm_present) {
		fail("no TPM behind EFI_TCG2_PROTOCOL", "");
		return NULL;
	}
	if (!(cap.active_pcr_banks & TCG2_BOOT_HASH_ALG_SHA256)) {
		fail("the SHA-256 bank is not active", "");
		return NULL;
	}
	return p;
}

/* Report the log's PCR 8 and 9 events and mark the expected digests. */
static int walk(const uint8_t *log, uint64_t size, uint64_t last,
		struct expect *ex, size_t nex)
{
	struct tcg_log lg;
	struct tcg_event ev = { 0 };
	struct rw_err err;
	char text[201], h[SHA256_HEX_SIZE];
	int r, n = 0;

	if (tcg_log_open(&lg, log, size, last, &err)) {
		fail(err.msg, "");
		return -1;
	}
	while ((r = tcg_log_next(&lg, &ev, &err)) == 1) {
		n++;
		if ((ev.pcr != 8 && ev.pcr != 9) || !ev.sha256)
			continue;
		event_text(&ev, text, sizeof text);
		hex(ev.sha256, h);
		Print(L"tpmcheck: event pcr=%d type=0x%x sha256=%a text=\"%a\"\n", ev.pcr,
		      ev.type, h, text);
		for (size_t i = 0; i < nex; i++) {
			if (ex[i].found || ex[i].pcr != ev.pcr ||
			    CompareMem(ex[i].digest, (void *)ev.sha256, SHA256_DIGEST_SIZE))
				continue;
			ex[i].found = true;
			Print(L"tpmcheck: found pcr=%d sha256=%a text=\"%a\"\n", ev.pcr, h, text);
		}
	}
	if (r < 0) {
		fail(err.msg, "");
		return -1;
	}
	return n;
}

/* PCR pcr of the SHA-256 bank, from the TPM. */
static bool read_pcr(struct tcg2_protocol *p, uint32_t pcr, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint8_t cmd[TCG_PCR_READ_CMD_SIZE], reply[128];
	struct rw_err err;

	SetMem(reply, sizeof reply, 0);
	size_t n = tcg_pcr_read_cmd(pcr, cmd);
	EFI_STATUS st = uefi_call_wrapper(p->submit_command, 5, p, (UINT32)n, cmd,
					  (UINT32)sizeof reply, reply);
	if (EFI_ERROR(st)) {
		Print(L"tpmcheck: FAIL SubmitCommand(PCR_Read %d): %r\n", pcr, st);
		failures++;
		return false;
	}
	if (tcg_pcr_read_reply(reply, sizeof reply, pcr, out, &err)) {
		fail(err.msg, "");
		return false;
	}
	return true;
}

static void compare(struct tcg2_protocol *p, uint8_t pcrs[TCG_PCRS][SHA256_DIGEST_SIZE])
{
	for (uint32_t pcr = 8; pcr <= 9; pcr++) {
		uint8_t tpm[SHA256_DIGEST_SIZE];
		char ht[SHA256_HEX_SIZE], hl[SHA256_HEX_SIZE];
		if (!read_pcr(p, pcr, tpm))
			continue;
		hex(tpm, ht);
		hex(pcrs[pcr], hl);
		bool same = CompareMem(tpm, pcrs[pcr], SHA256_DIGEST_SIZE) == 0;
		Print(L"tpmcheck: pcr=%d tpm=%a log=%a %a\n", pcr, ht, hl,
		      same ? "match" : "MISMATCH");
		if (!same)
			fail("the log's replay differs from the TPM for a PCR", "");
	}
}

static void check(EFI_LOADED_IMAGE *li)
{
	static struct expect ex[EXPECT_MAX];
	static uint8_t pcrs[TCG_PCRS][SHA256_DIGEST_SIZE];
	EFI_PHYSICAL_ADDRESS where = 0, last = 0;
	BOOLEAN truncated = FALSE;
	struct rw_err err;
	size_t nex = parse_options(li, ex);
	struct tcg2_protocol *p = find_tcg2();

	if (!p)
		return;
	EFI_STATUS st = uefi_call_wrapper(p->get_event_log, 5, p, TCG2_EVENT_LOG_FORMAT_TCG_2,
					  &where, &last, &truncated);
	Print(L"tpmcheck: log status=%r at=0x%lx last=0x%lx truncated=%d\n", st, where, last,
	      truncated);
	if (EFI_ERROR(st) || !where || last < where || truncated) {
		fail("GetEventLog gave no complete TCG_2 log", "");
		return;
	}
	const uint8_t *log = (const uint8_t *)(UINTN)where;
	uint64_t size = last - where + LAST_EVENT_MAX;
	if (walk(log, size, last - where, ex, nex) < 0)
		return;
	for (size_t i = 0; i < nex; i++) {
		char h[SHA256_HEX_SIZE];
		hex(ex[i].digest, h);
		if (!ex[i].found) {
			Print(L"tpmcheck: FAIL no PCR %d event has SHA-256 %a\n", ex[i].pcr, h);
			failures++;
		}
	}
	int n = tcg_log_replay(log, size, last - where, pcrs, &err);
	if (n < 0) {
		fail(err.msg, "");
		return;
	}
	compare(p, pcrs);
	if (!failures)
		Print(L"tpmcheck: PASS events=%d expected=%d\n", n, (int)nex);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;

	InitializeLib(image, systab);
	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image,
					&LoadedImageProtocol, (void **)&li)))
		fail("no LoadedImage", "");
	else
		check(li);
	out8(0xf4, failures ? 0x11 : 0x10);
	return failures ? EFI_ABORTED : EFI_SUCCESS;
}
