/*
 * test_sha256.c - lib/sha256.c against the FIPS 180-2 / NIST example
 * vectors, streaming in awkward chunk sizes, every split of a message,
 * the padding boundaries, and the hex helpers.
 *
 *     clang -O1 -g -fsanitize=address,undefined -Iinclude \
 *         tests/unit/test_sha256.c lib/sha256.c -lcmocka
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

static const char ABC448[] =
	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char ABC896[] =
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

/* Hex of the digest of n bytes at p, hashed in one update. */
static void hash_hex(const void *p, size_t n, char hex[SHA256_HEX_SIZE])
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&s);
	sha256_update(&s, p, n);
	sha256_final(&s, d);
	sha256_hex(d, hex);
}

static void check(const void *p, size_t n, const char *want)
{
	char hex[SHA256_HEX_SIZE];

	hash_hex(p, n, hex);
	assert_string_equal(hex, want);
}

static void test_empty(void **state)
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	const char *want =
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

	check("", 0, want);
	/* No update at all, and zero-length updates (NULL is fine then). */
	sha256_init(&s);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want);
	sha256_init(&s);
	sha256_update(&s, NULL, 0);
	sha256_update(&s, "", 0);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want);
}

static void test_abc(void **state)
{
	check("abc", 3,
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448(void **state)
{
	assert_int_equal(strlen(ABC448), 56);
	check(ABC448, strlen(ABC448),
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896(void **state)
{
	assert_int_equal(strlen(ABC896), 112);
	check(ABC896, strlen(ABC896),
	      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a', fed chunk bytes at a time (the last chunk shorter). */
static void million_a(size_t chunk)
{
	static const char want[] =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	char *a = malloc(chunk);

	assert_non_null(a);
	memset(a, 'a', chunk);
	sha256_init(&s);
	for (size_t done = 0; done < 1000000;) {
		size_t n = 1000000 - done < chunk ? 1000000 - done : chunk;
		sha256_update(&s, a, n);
		done += n;
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	if (strcmp(hex, want))
		fail_msg("one million 'a' in chunks of %zu: %s, want %s",
			 chunk, hex, want);
	free(a);
}

static void test_million_a_1(void **state) { million_a(1); }
static void test_million_a_63(void **state) { million_a(63); }
static void test_million_a_64(void **state) { million_a(64); }
static void test_million_a_65(void **state) { million_a(65); }
static void test_million_a_1000(void **state) { million_a(1000); }
static void test_million_a_whole(void **state) { million_a(1000000); }

/* Chunk sizes cycling through 1..150, so every buffer fill level meets
 * every chunk size. */
static void test_million_a_cycling(void **state)
{
	static const char want[] =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	static char a[150];
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	size_t done = 0, k = 0;

	memset(a, 'a', sizeof a);
	sha256_init(&s);
	while (done < 1000000) {
		size_t n = k % sizeof a + 1;
		if (n > 1000000 - done)
			n = 1000000 - done;
		sha256_update(&s, a, n);
		done += n;
		k++;
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want);
}

static void fill_msg(uint8_t *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)(i * 7 + 3);
}

/* Splitting a 200-byte message at any offset gives the same digest. */
static void test_every_split(void **state)
{
	static const char want[] =
		"2c7e18c942ef065b526a2d4e5546283749cd3ddfb51d8fc71f42717363685f46";
	uint8_t m[200], d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	fill_msg(m, sizeof m);
	check(m, sizeof m, want);
	for (size_t k = 0; k <= sizeof m; k++) {
		struct sha256 s;
		sha256_init(&s);
		sha256_update(&s, m, k);
		sha256_update(&s, m + k, sizeof m - k);
		sha256_final(&s, d);
		sha256_hex(d, hex);
		if (strcmp(hex, want))
			fail_msg("split at %zu: %s, want %s", k, hex, want);
	}
	/* Three parts: every (k, j) with k <= j. */
	for (size_t k = 0; k <= sizeof m; k += 7)
		for (size_t j = k; j <= sizeof m; j++) {
			struct sha256 s;
			sha256_init(&s);
			sha256_update(&s, m, k);
			sha256_update(&s, m + k, j - k);
			sha256_update(&s, m + j, sizeof m - j);
			sha256_final(&s, d);
			sha256_hex(d, hex);
			if (strcmp(hex, want))
				fail_msg("split at %zu and %zu: %s", k, j, hex);
		}
}

/* Lengths around the padding boundaries (55/56: the length field still
 * fits or not; 63/64/65: block edges).  Digests from Python's hashlib. */
static void test_padding_boundaries(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
		{ 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
		{ 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
		{ 57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73" },
		{ 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
		{ 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
		{ 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e" },
		{ 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
		{ 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
		{ 127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07" },
		{ 128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
	};
	uint8_t m[128];

	fill_msg(m, sizeof m);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		check(m, v[i].n, v[i].hex);
}

/* Whole blocks hashed straight from an unaligned caller buffer. */
static void test_unaligned_input(void **state)
{
	static const char want[] =
		"2c7e18c942ef065b526a2d4e5546283749cd3ddfb51d8fc71f42717363685f46";
	uint8_t buf[200 + 8];

	for (size_t off = 0; off < 8; off++) {
		fill_msg(buf + off, 200);
		check(buf + off, 200, want);
	}
}

/* A context can be initialized again after sha256_final. */
static void test_reuse(void **state)
{
	struct sha256 s;
	uint8_t d1[SHA256_DIGEST_SIZE], d2[SHA256_DIGEST_SIZE];

	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final(&s, d1);
	sha256_init(&s);
	sha256_update(&s, "ab", 2);
	sha256_update(&s, "c", 1);
	sha256_final(&s, d2);
	assert_memory_equal(d1, d2, sizeof d1);
}

static void test_hex_round_trip(void **state)
{
	static const char lower[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char upper[] =
		"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	static const char mixed[] =
		"Ba7816bF8f01CFEA414140de5dAE2223b00361a396177a9Cb410ff61f20015aD";
	uint8_t d[SHA256_DIGEST_SIZE], e[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	assert_int_equal(sha256_parse_hex(lower, 64, d), 0);
	assert_int_equal(d[0], 0xba);
	assert_int_equal(d[31], 0xad);
	sha256_hex(d, hex);
	assert_string_equal(hex, lower);
	assert_int_equal(sha256_parse_hex(upper, 64, e), 0);
	assert_memory_equal(d, e, sizeof d);
	assert_int_equal(sha256_parse_hex(mixed, 64, e), 0);
	assert_memory_equal(d, e, sizeof d);

	/* Every byte value survives format and parse. */
	for (int base = 0; base < 256; base += 32) {
		for (int i = 0; i < 32; i++)
			d[i] = (uint8_t)(base + i);
		sha256_hex(d, hex);
		assert_int_equal(strlen(hex), 64);
		assert_int_equal(sha256_parse_hex(hex, 64, e), 0);
		assert_memory_equal(d, e, sizeof d);
	}

	/* n counts, not a NUL: 64 digits followed by more text parse. */
	char longer[80];
	snprintf(longer, sizeof longer, "%s  kernel.elf", lower);
	assert_int_equal(sha256_parse_hex(longer, 64, e), 0);
	assert_int_equal(sha256_parse_hex(lower, 64, d), 0);
	assert_memory_equal(d, e, sizeof d);
}

static void test_hex_rejects(void **state)
{
	static const char good[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char bad_chars[] = "gG:/@`xX -+.\n\t";
	uint8_t d[SHA256_DIGEST_SIZE], sentinel[SHA256_DIGEST_SIZE];
	char s[80];

	memset(sentinel, 0x5a, sizeof sentinel);
	memcpy(d, sentinel, sizeof d);

	/* Wrong lengths. */
	assert_int_equal(sha256_parse_hex(good, 0, d), -1);
	assert_int_equal(sha256_parse_hex(good, 63, d), -1);
	assert_int_equal(sha256_parse_hex(good, 62, d), -1);
	snprintf(s, sizeof s, "%s0", good);
	assert_int_equal(sha256_parse_hex(s, 65, d), -1);
	snprintf(s, sizeof s, "%s00", good);
	assert_int_equal(sha256_parse_hex(s, 66, d), -1);
	/* A "0x" prefix is not hex digits. */
	snprintf(s, sizeof s, "0x%.62s", good);
	assert_int_equal(sha256_parse_hex(s, 64, d), -1);
	/* A NUL inside the 64 characters. */
	memcpy(s, good, 65);
	s[40] = '\0';
	assert_int_equal(sha256_parse_hex(s, 64, d), -1);

	/* One bad character at every position, first and last included. */
	for (size_t c = 0; c < sizeof bad_chars - 1; c++)
		for (size_t pos = 0; pos < 64; pos++) {
			memcpy(s, good, 65);
			s[pos] = bad_chars[c];
			if (sha256_parse_hex(s, 64, d) != -1)
				fail_msg("accepted '%c' at %zu", bad_chars[c], pos);
		}
	/* Bytes with the top bit set (signed char on x86-64). */
	memcpy(s, good, 65);
	s[10] = (char)0xe6;
	assert_int_equal(sha256_parse_hex(s, 64, d), -1);

	/* A rejected string leaves out untouched. */
	assert_memory_equal(d, sentinel, sizeof d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_448),
		cmocka_unit_test(test_896),
		cmocka_unit_test(test_million_a_1),
		cmocka_unit_test(test_million_a_63),
		cmocka_unit_test(test_million_a_64),
		cmocka_unit_test(test_million_a_65),
		cmocka_unit_test(test_million_a_1000),
		cmocka_unit_test(test_million_a_whole),
		cmocka_unit_test(test_million_a_cycling),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_unaligned_input),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_hex_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
