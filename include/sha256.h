/*
 * sha256.h - SHA-256 (FIPS 180-4), streaming.
 *
 * Freestanding: the loader hashes kernels and modules with it, the host
 * tools (tools/elfhash.c) and tests use the same code.
 *
 *     struct sha256 s;
 *     sha256_init(&s);
 *     sha256_update(&s, buf, n);    any number of times, any sizes
 *     sha256_final(&s, digest);     s must be re-initialized to reuse it
 */
#ifndef RUNWAY_SHA256_H
#define RUNWAY_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64
#define SHA256_HEX_SIZE 65 /* 64 digits and a NUL */

struct sha256 {
	uint32_t h[8];       /* chaining value */
	uint64_t len;        /* bytes hashed so far; len % 64 are in buf */
	uint8_t buf[SHA256_BLOCK_SIZE];
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the digest and wipes the state. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);

/* The digest as 64 lower-case hex digits and a NUL. */
void sha256_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

/*
 * Parse exactly n characters of s as a digest: n must be 64 and every
 * character a hex digit (either case).  Returns 0, or -1 (out untouched).
 */
int sha256_parse_hex(const char *s, size_t n, uint8_t out[SHA256_DIGEST_SIZE]);

#endif
