/*
 * tcg.h - TPM measurements as data: the crypto-agile event log
 * (TCG PC Client Platform Firmware Profile 2.0, section 10) read and
 * replayed for the SHA-256 bank, and the TPM2_PCR_Read command (TPM 2.0
 * Library, part 3, section 22.4) built and its reply parsed.
 *
 * Pure: no firmware types.  The loader does not need it (it only asks the
 * firmware to measure); the TPM test program (tests/efiapp/tpmcheck.c) and
 * the unit tests do.
 *
 *     struct tcg_log log;
 *     struct tcg_event ev;
 *     tcg_log_open(&log, buf, size, last, &err);
 *     while ((r = tcg_log_next(&log, &ev, &err)) == 1)
 *         ...;                     r == 0: the end, r == -1: malformed
 */
#ifndef RUNWAY_TCG_H
#define RUNWAY_TCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"
#include "sha256.h"

#define TCG_PCRS 24
#define TCG_EV_NO_ACTION 0x3u   /* not extended into any PCR */
#define TCG_EV_IPL 0xdu         /* what a boot loader measures */
#define TCG_ALG_SHA1 0x0004u
#define TCG_ALG_SHA256 0x000bu
#define TCG_ALGS_MAX 8          /* digest kinds the Spec ID event may list */

/* One TCG_PCR_EVENT2: pointers into the log's buffer. */
struct tcg_event {
	uint64_t offset;            /* from the start of the log */
	uint32_t pcr;
	uint32_t type;
	const uint8_t *sha256;      /* NULL when the event has no SHA-256 digest */
	const uint8_t *data;
	uint32_t data_size;
};

/* A cursor over a log.  The algorithms and their digest sizes come from
 * the Spec ID event that opens the log (section 10.4.5.1). */
struct tcg_log {
	const uint8_t *buf;
	uint64_t size;              /* bytes that may be read */
	uint64_t last;              /* offset of the last event */
	uint64_t off;               /* the next event */
	bool done;
	uint32_t nalgs;
	uint16_t alg[TCG_ALGS_MAX];
	uint16_t alg_size[TCG_ALGS_MAX];
};

/*
 * Open the log buf[0..size): its first event must be the SHA-1 format
 * Spec ID event ("Spec ID Event03") naming SHA-256 among its algorithms.
 * last is the offset of the last event, as GetEventLog reports it (0: the
 * Spec ID event is the only one).  Returns 0, or -1 with err saying why.
 */
int tcg_log_open(struct tcg_log *log, const void *buf, uint64_t size,
		 uint64_t last, struct rw_err *err);
/* The next event after the Spec ID event: 1 with *ret, 0 after the one at
 * `last`, -1 with err naming the offset and the field for a malformed
 * event (one that crosses size, or the last event's offset). */
int tcg_log_next(struct tcg_log *log, struct tcg_event *ret,
		 struct rw_err *err);
/*
 * Replay the whole log into the SHA-256 bank: every PCR starts at zero and
 * every event but EV_NO_ACTION extends its PCR with its SHA-256 digest
 * (pcr = SHA-256(pcr || digest)).  An event without a SHA-256 digest or
 * with a PCR index of 24 or more is an error.  Returns the number of
 * events replayed, or -1.
 */
int tcg_log_replay(const void *buf, uint64_t size, uint64_t last,
		   uint8_t pcrs[TCG_PCRS][SHA256_DIGEST_SIZE], struct rw_err *err);

/* pcr = SHA-256(pcr || digest): one TPM2_PCR_Extend of the SHA-256 bank. */
void tcg_extend(uint8_t pcr[SHA256_DIGEST_SIZE],
		const uint8_t digest[SHA256_DIGEST_SIZE]);

#define TCG_PCR_READ_CMD_SIZE 20

/* TPM2_PCR_Read of one PCR in the SHA-256 bank; returns the command's size. */
size_t tcg_pcr_read_cmd(uint32_t pcr, uint8_t out[TCG_PCR_READ_CMD_SIZE]);
/* Its reply: the PCR's value, or -1 with err (a TPM error code, a reply for
 * another selection, sizes that do not add up). */
int tcg_pcr_read_reply(const void *reply, size_t size, uint32_t pcr,
		       uint8_t out[SHA256_DIGEST_SIZE], struct rw_err *err);

#endif
