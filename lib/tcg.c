/*
 * tcg.c - the TCG event log and TPM2_PCR_Read, as bytes (include/tcg.h).
 *
 * The log is untrusted input like any file: every field is read through
 * inside() before use, sizes in 64-bit arithmetic.  Layouts:
 *
 *   TCG_PCR_EVENT (SHA-1 format, the first event only; PC Client PFP 2.0,
 *   10.2.1): PCRIndex u32, EventType u32, Digest[20], EventSize u32, Event.
 *   Its Event is the TCG_EfiSpecIDEvent (10.4.5.1): Signature[16]
 *   "Spec ID Event03", platformClass u32, specVersionMinor, specVersionMajor,
 *   specErrata, uintnSize (u8 each), numberOfAlgorithms u32, then
 *   {algorithmId u16, digestSize u16} per algorithm, vendorInfoSize u8, ...
 *
 *   TCG_PCR_EVENT2 (10.2.2): PCRIndex u32, EventType u32, TPML_DIGEST_VALUES
 *   (count u32, then {hashAlg u16, digest} per digest, each digest the size
 *   the Spec ID event gave its algorithm), EventSize u32, Event.
 *
 * All little-endian.  TPM commands and replies are big-endian (TPM 2.0
 * Library part 1, 18.3).
 */
#include "tcg.h"

#include <string.h>

#define SPEC_ID_SIGNATURE "Spec ID Event03"
#define PCR_EVENT_HEAD 32      /* TCG_PCR_EVENT up to its Event */
#define SPEC_ID_FIXED 28       /* TCG_EfiSpecIDEvent up to its algorithms */
#define DIGEST_MAX 64          /* SHA-512 */

#define TPM_ST_NO_SESSIONS 0x8001u
#define TPM_CC_PCR_READ 0x0000017eu
#define PCR_SELECT_BYTES 3     /* PCRs 0-23 */

/* Is [off, off + len) inside a buffer of size bytes? */
static bool inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       (uint32_t)p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

/* The algorithms of the Spec ID event's data d[0..n). */
static int read_algorithms(struct tcg_log *log, const uint8_t *d, uint64_t n,
			   struct rw_err *err)
{
	bool sha256 = false;

	if (n < SPEC_ID_FIXED || memcmp(d, SPEC_ID_SIGNATURE, sizeof SPEC_ID_SIGNATURE))
		return rw_fail(err, "event log: the first event is not a Spec ID Event03 (event size %" PRIu64 ")", n);
	uint32_t count = le32(d + 24);
	if (count == 0 || count > TCG_ALGS_MAX)
		return rw_fail(err, "event log: Spec ID event names %" PRIu32 " algorithms, expected 1 to %d",
			       count, TCG_ALGS_MAX);
	if (!inside(SPEC_ID_FIXED, (uint64_t)count * 4, n))
		return rw_fail(err, "event log: Spec ID event's %" PRIu32 " algorithms cross its size %" PRIu64,
			       count, n);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *a = d + SPEC_ID_FIXED + 4 * i;
		log->alg[i] = le16(a);
		log->alg_size[i] = le16(a + 2);
		if (log->alg_size[i] == 0 || log->alg_size[i] > DIGEST_MAX)
			return rw_fail(err, "event log: algorithm 0x%04x has digest size %u, expected 1 to %d",
				       log->alg[i], log->alg_size[i], DIGEST_MAX);
		if (log->alg[i] == TCG_ALG_SHA256 && log->alg_size[i] != SHA256_DIGEST_SIZE)
			return rw_fail(err, "event log: SHA-256's digest size is %u, expected 32",
				       log->alg_size[i]);
		sha256 |= log->alg[i] == TCG_ALG_SHA256;
	}
	log->nalgs = count;
	if (!sha256)
		return rw_fail(err, "event log: no SHA-256 bank among its %" PRIu32 " algorithms", count);
	return 0;
}

int tcg_log_open(struct tcg_log *log, const void *buf, uint64_t size,
		 uint64_t last, struct rw_err *err)
{
	const uint8_t *b = buf;

	memset(log, 0, sizeof *log);
	if (!inside(0, PCR_EVENT_HEAD, size))
		return rw_fail(err, "event log: %" PRIu64 " bytes, less than one event header", size);
	uint32_t type = le32(b + 4), n = le32(b + 28);
	if (type != TCG_EV_NO_ACTION)
		return rw_fail(err, "event log: the first event has type 0x%" PRIx32 ", expected EV_NO_ACTION",
			       type);
	if (!inside(PCR_EVENT_HEAD, n, size))
		return rw_fail(err, "event log: the Spec ID event's %" PRIu32 " bytes cross the log's %" PRIu64,
			       n, size);
	if (read_algorithms(log, b + PCR_EVENT_HEAD, n, err))
		return -1;
	log->buf = b;
	log->size = size;
	log->last = last;
	log->off = PCR_EVENT_HEAD + (uint64_t)n;
	log->done = last == 0;
	if (last && last < log->off)
		return rw_fail(err, "event log: the last event's offset %" PRIu64 " is inside the Spec ID event (%" PRIu64 " bytes)",
			       last, log->off);
	return 0;
}

/* The digest size the Spec ID event gave alg, or 0 if it named none. */
static uint16_t digest_size(const struct tcg_log *log, uint16_t alg)
{
	for (uint32_t i = 0; i < log->nalgs; i++)
		if (log->alg[i] == alg)
			return log->alg_size[i];
	return 0;
}

/* The digests of the event at off: fills ev->sha256, moves *off past them. */
static int read_digests(const struct tcg_log *log, uint64_t *off,
			struct tcg_event *ev, struct rw_err *err)
{
	uint64_t at = ev->offset;
	uint32_t count = le32(log->buf + *off);

	*off += 4;
	if (count > TCG_ALGS_MAX)
		return rw_fail(err, "event log: event at %" PRIu64 " has %" PRIu32 " digests, more than %d",
			       at, count, TCG_ALGS_MAX);
	for (uint32_t i = 0; i < count; i++) {
		if (!inside(*off, 2, log->size))
			return rw_fail(err, "event log: event at %" PRIu64 ": digest %" PRIu32 " crosses the log's end",
				       at, i);
		uint16_t alg = le16(log->buf + *off);
		uint16_t n = digest_size(log, alg);
		if (n == 0)
			return rw_fail(err, "event log: event at %" PRIu64 ": algorithm 0x%04x is not in the Spec ID event",
				       at, alg);
		if (!inside(*off + 2, n, log->size))
			return rw_fail(err, "event log: event at %" PRIu64 ": its 0x%04x digest crosses the log's end",
				       at, alg);
		if (alg == TCG_ALG_SHA256)
			ev->sha256 = log->buf + *off + 2;
		*off += 2 + (uint64_t)n;
	}
	return 0;
}

int tcg_log_next(struct tcg_log *log, struct tcg_event *ret, struct rw_err *err)
{
	struct tcg_event ev = { .offset = log->off };
	uint64_t off = log->off;

	if (log->done)
		return 0;
	if (off > log->last)
		return rw_fail(err, "event log: no event starts at the last event's offset %" PRIu64 " (one ends at %" PRIu64 ")",
			       log->last, off);
	if (!inside(off, 12, log->size))
		return rw_fail(err, "event log: event at %" PRIu64 ": its header crosses the log's end %" PRIu64,
			       off, log->size);
	ev.pcr = le32(log->buf + off);
	ev.type = le32(log->buf + off + 4);
	off += 8;
	if (read_digests(log, &off, &ev, err))
		return -1;
	if (!inside(off, 4, log->size))
		return rw_fail(err, "event log: event at %" PRIu64 ": its size crosses the log's end",
			       ev.offset);
	ev.data_size = le32(log->buf + off);
	off += 4;
	if (!inside(off, ev.data_size, log->size))
		return rw_fail(err, "event log: event at %" PRIu64 ": its %" PRIu32 " bytes of data cross the log's end",
			       ev.offset, ev.data_size);
	ev.data = log->buf + off;
	log->off = off + ev.data_size;
	log->done = ev.offset == log->last;
	*ret = ev;
	return 1;
}

void tcg_extend(uint8_t pcr[SHA256_DIGEST_SIZE],
		const uint8_t digest[SHA256_DIGEST_SIZE])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, pcr, SHA256_DIGEST_SIZE);
	sha256_update(&s, digest, SHA256_DIGEST_SIZE);
	sha256_final(&s, pcr);
}

int tcg_log_replay(const void *buf, uint64_t size, uint64_t last,
		   uint8_t pcrs[TCG_PCRS][SHA256_DIGEST_SIZE], struct rw_err *err)
{
	struct tcg_log log;
	struct tcg_event ev = { 0 };
	int r, n = 0;

	memset(pcrs, 0, TCG_PCRS * SHA256_DIGEST_SIZE);
	if (tcg_log_open(&log, buf, size, last, err))
		return -1;
	while ((r = tcg_log_next(&log, &ev, err)) == 1) {
		if (ev.type == TCG_EV_NO_ACTION)
			continue;
		if (ev.pcr >= TCG_PCRS)
			return rw_fail(err, "event log: event at %" PRIu64 " extends PCR %" PRIu32 ", past PCR %d",
				       ev.offset, ev.pcr, TCG_PCRS - 1);
		if (!ev.sha256)
			return rw_fail(err, "event log: event at %" PRIu64 " (PCR %" PRIu32 ") has no SHA-256 digest",
				       ev.offset, ev.pcr);
		tcg_extend(pcrs[ev.pcr], ev.sha256);
		n++;
	}
	return r < 0 ? -1 : n;
}

size_t tcg_pcr_read_cmd(uint32_t pcr, uint8_t out[TCG_PCR_READ_CMD_SIZE])
{
	memset(out, 0, TCG_PCR_READ_CMD_SIZE);
	if (pcr >= TCG_PCRS)
		return 0;
	put_be16(out, TPM_ST_NO_SESSIONS);
	put_be32(out + 2, TCG_PCR_READ_CMD_SIZE);
	put_be32(out + 6, TPM_CC_PCR_READ);
	put_be32(out + 10, 1);                  /* TPML_PCR_SELECTION.count */
	put_be16(out + 14, TCG_ALG_SHA256);     /* TPMS_PCR_SELECTION.hash */
	out[16] = PCR_SELECT_BYTES;             /* sizeofSelect */
	out[17 + pcr / 8] = (uint8_t)(1u << (pcr % 8));
	return TCG_PCR_READ_CMD_SIZE;
}

/*
 * The reply (part 3, 22.4.2): tag u16, responseSize u32, responseCode u32,
 * pcrUpdateCounter u32, TPML_PCR_SELECTION (count u32, then hash u16,
 * sizeofSelect u8, pcrSelect[]), TPML_DIGEST (count u32, then size u16 and
 * the digest).  Only a reply naming exactly the PCR asked for is accepted.
 */
int tcg_pcr_read_reply(const void *reply, size_t size, uint32_t pcr,
		       uint8_t out[SHA256_DIGEST_SIZE], struct rw_err *err)
{
	const uint8_t *r = reply;
	uint8_t want[PCR_SELECT_BYTES] = { 0 };

	if (pcr >= TCG_PCRS)
		return rw_fail(err, "PCR_Read: PCR %" PRIu32 ", past PCR %d", pcr, TCG_PCRS - 1);
	want[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	if (size < 10)
		return rw_fail(err, "PCR_Read: a reply of %zu bytes, less than its header", size);
	uint32_t len = be32(r + 2), rc = be32(r + 6);
	if (len < 10 || len > size)
		return rw_fail(err, "PCR_Read: responseSize %" PRIu32 ", the reply has %zu bytes",
			       len, size);
	if (rc != 0)
		return rw_fail(err, "PCR_Read: TPM response code 0x%" PRIx32, rc);
	if (be16(r) != TPM_ST_NO_SESSIONS)
		return rw_fail(err, "PCR_Read: tag 0x%04x, expected 0x%04x", be16(r),
			       TPM_ST_NO_SESSIONS);
	/* header 10, counter 4, count 4, hash 2, sizeofSelect 1, select 3,
	 * digest count 4, digest size 2, digest 32 */
	if (len != 10 + 4 + 4 + 2 + 1 + PCR_SELECT_BYTES + 4 + 2 + SHA256_DIGEST_SIZE)
		return rw_fail(err, "PCR_Read: responseSize %" PRIu32 ", expected one SHA-256 digest of 3 select bytes",
			       len);
	if (be32(r + 14) != 1 || be16(r + 18) != TCG_ALG_SHA256 ||
	    r[20] != PCR_SELECT_BYTES || memcmp(r + 21, want, PCR_SELECT_BYTES))
		return rw_fail(err, "PCR_Read: the reply's selection is not SHA-256 PCR %" PRIu32, pcr);
	if (be32(r + 24) != 1 || be16(r + 28) != SHA256_DIGEST_SIZE)
		return rw_fail(err, "PCR_Read: %" PRIu32 " digests of %u bytes, expected one of 32",
			       be32(r + 24), be16(r + 28));
	memcpy(out, r + 30, SHA256_DIGEST_SIZE);
	return 0;
}
