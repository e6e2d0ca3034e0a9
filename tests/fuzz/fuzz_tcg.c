/*
 * fuzz_tcg.c - libFuzzer target: lib/tcg.c on any bytes.
 *
 * Input: byte 0 picks the mode (mod 3), byte 1 a number k, the rest is
 * the subject.  The subject is copied into a buffer of exactly its size,
 * so ASan catches any read past it.
 *
 *   0  the subject is a whole log.
 *   1  a valid Spec ID event (SHA-1 and SHA-256) comes first, then the
 *      subject, so that the events themselves get fuzzed.
 *      For both: the log is walked with no end (last = UINT64_MAX) until
 *      it stops; every event returned lies inside the buffer (its digest
 *      and data too), starts where the one before ended, and comes in
 *      increasing order.  Then the k-th of those events (k mod their
 *      number) is named as the last: a walk must give exactly the same
 *      first k + 1 events and then end, and the replay must extend one PCR
 *      per event that is not EV_NO_ACTION (or refuse exactly when one has
 *      no SHA-256 digest or a PCR past 23).
 *   2  the subject is a TPM2_PCR_Read reply for PCR k mod 24: when
 *      accepted, it is exactly 62 bytes long (as responseSize says), the
 *      selection is the command's own, and the digest is its last 32 bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tcg.h"

#define EVENTS_MAX 4096

static const uint8_t spec_id[] = {
	0, 0, 0, 0, 3, 0, 0, 0,                   /* PCR 0, EV_NO_ACTION */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* SHA-1 */
	37, 0, 0, 0,                              /* event size */
	'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0,
	0, 0, 0, 0, 0, 2, 0, 2,                   /* class, version, uintn */
	2, 0, 0, 0,                               /* two algorithms */
	0x04, 0, 20, 0, 0x0b, 0, 32, 0,           /* SHA-1: 20, SHA-256: 32 */
	0,                                        /* no vendor info */
};

static struct tcg_event events[EVENTS_MAX];

static bool within(const uint8_t *buf, uint64_t size, const uint8_t *p, uint64_t n)
{
	return p >= buf && n <= size && (uint64_t)(p - buf) <= size - n;
}

/* Walk with no end; returns the number of events seen. */
static size_t walk_all(const uint8_t *buf, uint64_t size)
{
	struct tcg_log log;
	struct tcg_event ev;
	struct rw_err err;
	size_t n = 0;
	uint64_t end = 0;

	if (tcg_log_open(&log, buf, size, UINT64_MAX, &err))
		return 0;
	end = log.off;
	while (n < EVENTS_MAX && tcg_log_next(&log, &ev, &err) == 1) {
		CHECK(ev.offset == end, "event %zu at %llu, the one before ended at %llu", n,
		      (unsigned long long)ev.offset, (unsigned long long)end);
		CHECK(within(buf, size, ev.data, ev.data_size), "event %zu's data outside", n);
		CHECK(!ev.sha256 || within(buf, size, ev.sha256, 32), "event %zu's digest outside", n);
		end = (uint64_t)(ev.data - buf) + ev.data_size;
		CHECK(end > ev.offset, "event %zu is empty", n);
		events[n++] = ev;
	}
	return n;
}

/* Name event k the last: the same events, then the end; the replay. */
static void walk_to(const uint8_t *buf, uint64_t size, size_t n, size_t k)
{
	static uint8_t pcrs[TCG_PCRS][32];
	struct tcg_log log;
	struct tcg_event ev;
	struct rw_err err;
	int extends = 0;
	bool bad = false;

	CHECK(tcg_log_open(&log, buf, size, events[k].offset, &err) == 0, "reopen: %s", err.msg);
	for (size_t i = 0; i <= k; i++) {
		CHECK(tcg_log_next(&log, &ev, &err) == 1, "event %zu of %zu: %s", i, k + 1, err.msg);
		const struct tcg_event *e = &events[i];
		CHECK(ev.offset == e->offset && ev.pcr == e->pcr && ev.type == e->type &&
		      ev.sha256 == e->sha256 && ev.data == e->data && ev.data_size == e->data_size,
		      "event %zu differs", i);
		if (ev.type == TCG_EV_NO_ACTION)
			continue;
		bad |= ev.pcr >= TCG_PCRS || !ev.sha256;
		extends++;
	}
	CHECK(tcg_log_next(&log, &ev, &err) == 0, "an event after the last");
	int r = tcg_log_replay(buf, size, events[k].offset, pcrs, &err);
	CHECK(bad ? r == -1 : r == extends, "replay %d, expected %d (bad %d)", r, extends, bad);
	(void)n;
}

static void fuzz_log(const uint8_t *buf, uint64_t size, uint8_t k)
{
	size_t n = walk_all(buf, size);

	if (n)
		walk_to(buf, size, n, k % n);
}

static void fuzz_reply(const uint8_t *buf, size_t size, uint8_t k)
{
	uint8_t d[32], cmd[TCG_PCR_READ_CMD_SIZE];
	struct rw_err err;
	uint32_t pcr = k % TCG_PCRS;

	if (tcg_pcr_read_reply(buf, size, pcr, d, &err))
		return;
	CHECK(size >= 62 && buf[5] == 62 && buf[2] == 0 && buf[3] == 0 && buf[4] == 0,
	      "accepted a reply of %zu bytes", size);
	CHECK(tcg_pcr_read_cmd(pcr, cmd) == TCG_PCR_READ_CMD_SIZE, "command");
	CHECK(memcmp(buf + 14, cmd + 10, 10) == 0, "the selection is not the command's");
	CHECK(memcmp(d, buf + 30, 32) == 0, "the digest is not the reply's");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t mode = data[0] % 3, k = data[1];
	size_t n = size - 2, pre = mode == 1 ? sizeof spec_id : 0;
	uint8_t *buf = malloc(pre + n ? pre + n : 1);

	CHECK(buf, "malloc");
	memcpy(buf, spec_id, pre);
	memcpy(buf + pre, data + 2, n);
	if (mode == 2)
		fuzz_reply(buf, n, k);
	else
		fuzz_log(buf, pre + n, k);
	free(buf);
	return 0;
}
