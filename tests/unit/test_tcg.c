/*
 * test_tcg.c - lib/tcg.c: the crypto-agile event log read and replayed
 * into the SHA-256 bank (expected PCR values computed outside Runway,
 * with Python's hashlib), named corrupt logs refused with the offset and
 * the field, and TPM2_PCR_Read's command bytes and reply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"
#include "tcg.h"

/* SHA-256("abc") and SHA-256(""). */
static const char *ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char *EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/* extend(0, SHA-256("abc")), then extend(that, SHA-256("")) */
static const char *PCR_ABC = "589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d";
static const char *PCR_ABC_EMPTY = "ef6a5fdbba9e14e07fa74d23b7ae639d146ce41635cf3fe44315988c4cbd0caf";

/* A log being built, with the offset of its last event. */
struct builder {
	uint8_t b[4096];
	size_t n;
	size_t last;
};

static void put(struct builder *lb, const void *p, size_t n)
{
	assert_true(lb->n + n <= sizeof lb->b);
	memcpy(lb->b + lb->n, p, n);
	lb->n += n;
}

static void put32(struct builder *lb, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(lb, b, 4);
}

static void put16(struct builder *lb, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(lb, b, 2);
}

static void put8(struct builder *lb, uint8_t v)
{
	put(lb, &v, 1);
}

/* The SHA-1 format Spec ID event naming SHA-1 (20) and SHA-256 (32). */
static void spec_id(struct builder *lb)
{
	static const uint8_t zero20[20];

	lb->n = 0;
	put32(lb, 0);                   /* PCR 0 */
	put32(lb, TCG_EV_NO_ACTION);
	put(lb, zero20, 20);
	put32(lb, 16 + 4 + 4 + 4 + 2 * 4 + 1);
	put(lb, "Spec ID Event03", 16);
	put32(lb, 0);                   /* platformClass */
	put8(lb, 0);                    /* specVersionMinor */
	put8(lb, 2);                    /* specVersionMajor */
	put8(lb, 0);                    /* specErrata */
	put8(lb, 2);                    /* uintnSize */
	put32(lb, 2);
	put16(lb, TCG_ALG_SHA1);
	put16(lb, 20);
	put16(lb, TCG_ALG_SHA256);
	put16(lb, 32);
	put8(lb, 0);                    /* vendorInfoSize */
	lb->last = 0;
}

/* An event with a SHA-1 digest (junk) and the SHA-256 digest hex. */
static void event(struct builder *lb, uint32_t pcr, uint32_t type,
		  const char *hex, const char *data)
{
	uint8_t d[32], sha1[20];

	memset(sha1, 0x5a, sizeof sha1);
	assert_int_equal(sha256_parse_hex(hex, strlen(hex), d), 0);
	lb->last = lb->n;
	put32(lb, pcr);
	put32(lb, type);
	put32(lb, 2);
	put16(lb, TCG_ALG_SHA1);
	put(lb, sha1, 20);
	put16(lb, TCG_ALG_SHA256);
	put(lb, d, 32);
	put32(lb, (uint32_t)strlen(data) + 1);
	put(lb, data, strlen(data) + 1);
}

/* The log the loader leaves: kernel and config in PCR 9, cmdline in 8. */
static void runway_log(struct builder *lb)
{
	spec_id(lb);
	event(lb, 9, TCG_EV_IPL, ABC, "runway: kernel /boot/kernel.elf");
	event(lb, 9, TCG_EV_NO_ACTION, EMPTY, "not extended");
	event(lb, 8, TCG_EV_IPL, ABC, "runway: cmdline abc");
	event(lb, 9, TCG_EV_IPL, EMPTY, "runway: module /boot/empty");
}

static void assert_hex(const uint8_t d[32], const char *want)
{
	char hex[SHA256_HEX_SIZE];

	sha256_hex(d, hex);
	assert_string_equal(hex, want);
}

static void test_extend_of_zero_by_zero_is_sha256_of_64_zero_bytes(void **state)
{
	uint8_t pcr[32] = { 0 }, zero[32] = { 0 };

	(void)state;
	tcg_extend(pcr, zero);
	assert_hex(pcr, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
}

static void test_replay_extends_each_pcr_in_order_and_skips_no_action(void **state)
{
	static struct builder lb;
	uint8_t pcrs[TCG_PCRS][32];
	struct rw_err err;

	(void)state;
	runway_log(&lb);
	assert_int_equal(tcg_log_replay(lb.b, lb.n, lb.last, pcrs, &err), 3);
	assert_hex(pcrs[9], PCR_ABC_EMPTY);
	assert_hex(pcrs[8], PCR_ABC);
	assert_hex(pcrs[0], "0000000000000000000000000000000000000000000000000000000000000000");
}

static void test_events_come_with_digest_and_data(void **state)
{
	static struct builder lb;
	struct tcg_log log;
	struct tcg_event ev;
	struct rw_err err;

	(void)state;
	runway_log(&lb);
	assert_int_equal(tcg_log_open(&log, lb.b, lb.n, lb.last, &err), 0);
	assert_int_equal(tcg_log_next(&log, &ev, &err), 1);
	assert_int_equal(ev.pcr, 9);
	assert_int_equal(ev.type, TCG_EV_IPL);
	assert_non_null(ev.sha256);
	assert_hex(ev.sha256, ABC);
	assert_string_equal((const char *)ev.data, "runway: kernel /boot/kernel.elf");
	assert_int_equal(ev.data_size, strlen("runway: kernel /boot/kernel.elf") + 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tcg_log_next(&log, &ev, &err), 1);
	assert_int_equal(ev.offset, lb.last);
	assert_int_equal(tcg_log_next(&log, &ev, &err), 0);
	assert_int_equal(tcg_log_next(&log, &ev, &err), 0);
}

/* The log may be read from a larger area: the last event ends it. */
static void test_bytes_after_the_last_event_are_not_read(void **state)
{
	static struct builder lb;
	uint8_t pcrs[TCG_PCRS][32];
	struct rw_err err;

	(void)state;
	runway_log(&lb);
	memset(lb.b + lb.n, 0xff, 64);
	assert_int_equal(tcg_log_replay(lb.b, lb.n + 64, lb.last, pcrs, &err), 3);
	assert_hex(pcrs[9], PCR_ABC_EMPTY);
}

static void test_spec_id_only_log_has_no_events(void **state)
{
	static struct builder lb;
	uint8_t pcrs[TCG_PCRS][32];
	struct rw_err err;

	(void)state;
	spec_id(&lb);
	assert_int_equal(tcg_log_replay(lb.b, lb.n, 0, pcrs, &err), 0);
}

static void expect_refused(struct builder *lb, uint64_t last, const char *words)
{
	uint8_t pcrs[TCG_PCRS][32];
	struct rw_err err = { "" };

	assert_int_equal(tcg_log_replay(lb->b, lb->n, last, pcrs, &err), -1);
	if (!strstr(err.msg, words))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, words);
}

static void test_truncated_event_is_refused_with_its_offset(void **state)
{
	static struct builder lb;
	char words[64];

	(void)state;
	runway_log(&lb);
	lb.n -= 3;
	snprintf(words, sizeof words, "event at %zu: its 27 bytes of data cross", lb.last);
	expect_refused(&lb, lb.last, words);
}

static void test_last_offset_between_events_is_refused(void **state)
{
	static struct builder lb;

	(void)state;
	runway_log(&lb);
	expect_refused(&lb, lb.last - 1, "no event starts at the last event's offset");
}

static void test_last_offset_inside_spec_id_is_refused(void **state)
{
	static struct builder lb;

	(void)state;
	runway_log(&lb);
	expect_refused(&lb, 8, "is inside the Spec ID event");
}

static void test_first_event_not_spec_id_is_refused(void **state)
{
	static struct builder lb;

	(void)state;
	runway_log(&lb);
	memcpy(lb.b + 32, "Spec ID Event02", 16);
	expect_refused(&lb, lb.last, "not a Spec ID Event03");
}

static void test_log_without_sha256_bank_is_refused(void **state)
{
	static struct builder lb;

	(void)state;
	runway_log(&lb);
	/* The second algorithm of the Spec ID event becomes SHA-384. */
	lb.b[32 + 28 + 4] = 0x0c;
	expect_refused(&lb, lb.last, "no SHA-256 bank");
}

static void test_digest_of_unlisted_algorithm_is_refused(void **state)
{
	static struct builder lb;
	size_t first;

	(void)state;
	runway_log(&lb);
	first = 32 + 16 + 4 + 4 + 4 + 8 + 1;
	lb.b[first + 12] = 0x0d; /* its first digest: SHA-512 */
	expect_refused(&lb, lb.last, "algorithm 0x000d is not in the Spec ID event");
}

static void test_event_past_pcr_23_is_refused(void **state)
{
	static struct builder lb;

	(void)state;
	spec_id(&lb);
	event(&lb, 24, TCG_EV_IPL, ABC, "x");
	expect_refused(&lb, lb.last, "extends PCR 24");
}

static void test_huge_digest_count_is_refused(void **state)
{
	static struct builder lb;

	(void)state;
	spec_id(&lb);
	event(&lb, 9, TCG_EV_IPL, ABC, "x");
	lb.b[lb.last + 8 + 3] = 0x80;
	expect_refused(&lb, lb.last, "digests, more than 8");
}

static void test_pcr_read_command_selects_one_sha256_pcr(void **state)
{
	static const uint8_t want[TCG_PCR_READ_CMD_SIZE] = {
		0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e,
		0, 0, 0, 1, 0x00, 0x0b, 3, 0x00, 0x02, 0x00,
	};
	uint8_t cmd[TCG_PCR_READ_CMD_SIZE];

	(void)state;
	assert_int_equal(tcg_pcr_read_cmd(9, cmd), TCG_PCR_READ_CMD_SIZE);
	assert_memory_equal(cmd, want, sizeof want);
	assert_int_equal(tcg_pcr_read_cmd(24, cmd), 0);
}

/* A reply for PCR 9 whose digest is 0x00, 0x01, ... 0x1f. */
static size_t reply_pcr9(uint8_t r[64])
{
	static const uint8_t head[30] = {
		0x80, 0x01, 0, 0, 0, 62, 0, 0, 0, 0,
		0, 0, 0, 7,
		0, 0, 0, 1, 0x00, 0x0b, 3, 0x00, 0x02, 0x00,
		0, 0, 0, 1, 0, 32,
	};

	memcpy(r, head, sizeof head);
	for (int i = 0; i < 32; i++)
		r[30 + i] = (uint8_t)i;
	return 62;
}

static void test_pcr_read_reply_gives_the_digest(void **state)
{
	uint8_t r[64], d[32];
	struct rw_err err;

	(void)state;
	size_t n = reply_pcr9(r);
	assert_int_equal(tcg_pcr_read_reply(r, n, 9, d, &err), 0);
	assert_memory_equal(d, r + 30, 32);
}

static void test_pcr_read_reply_with_tpm_error_is_refused(void **state)
{
	uint8_t r[64], d[32];
	struct rw_err err;

	(void)state;
	reply_pcr9(r);
	static const uint8_t error[10] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x01 };
	memcpy(r, error, sizeof error);
	assert_int_equal(tcg_pcr_read_reply(r, 10, 9, d, &err), -1);
	assert_non_null(strstr(err.msg, "TPM response code 0x101"));
}

static void test_pcr_read_reply_for_another_pcr_is_refused(void **state)
{
	uint8_t r[64], d[32];
	struct rw_err err;

	(void)state;
	size_t n = reply_pcr9(r);
	assert_int_equal(tcg_pcr_read_reply(r, n, 8, d, &err), -1);
	assert_non_null(strstr(err.msg, "selection is not SHA-256 PCR 8"));
	assert_int_equal(tcg_pcr_read_reply(r, n - 1, 9, d, &err), -1);
	assert_non_null(strstr(err.msg, "responseSize 62, the reply has 61 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extend_of_zero_by_zero_is_sha256_of_64_zero_bytes),
		cmocka_unit_test(test_replay_extends_each_pcr_in_order_and_skips_no_action),
		cmocka_unit_test(test_events_come_with_digest_and_data),
		cmocka_unit_test(test_bytes_after_the_last_event_are_not_read),
		cmocka_unit_test(test_spec_id_only_log_has_no_events),
		cmocka_unit_test(test_truncated_event_is_refused_with_its_offset),
		cmocka_unit_test(test_last_offset_between_events_is_refused),
		cmocka_unit_test(test_last_offset_inside_spec_id_is_refused),
		cmocka_unit_test(test_first_event_not_spec_id_is_refused),
		cmocka_unit_test(test_log_without_sha256_bank_is_refused),
		cmocka_unit_test(test_digest_of_unlisted_algorithm_is_refused),
		cmocka_unit_test(test_event_past_pcr_23_is_refused),
		cmocka_unit_test(test_huge_digest_count_is_refused),
		cmocka_unit_test(test_pcr_read_command_selects_one_sha256_pcr),
		cmocka_unit_test(test_pcr_read_reply_gives_the_digest),
		cmocka_unit_test(test_pcr_read_reply_with_tpm_error_is_refused),
		cmocka_unit_test(test_pcr_read_reply_for_another_pcr_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
