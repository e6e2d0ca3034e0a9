/*
 * sha256.c - SHA-256 as specified in FIPS 180-4 (sections 4.1.2, 4.2.2,
 * 5.1.1, 5.3.3 and 6.2).
 *
 * Freestanding and portable: words are packed and unpacked byte by byte
 * (big-endian, as the standard says), so no assumption about the host's
 * byte order or alignment is made; compilers turn the byte loads into one
 * load and a byte swap.  Complete 64-byte blocks are hashed straight from
 * the caller's buffer; only a partial block at either end is copied.  The
 * compression function keeps the message schedule in a 16-word ring and
 * renames the eight working variables instead of shifting them, so each
 * round is a handful of integer operations (no SIMD: the loader is built
 * with -mgeneral-regs-only).
 */
#include "sha256.h"

#include <string.h>

/* Section 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Section 5.3.3: the first 32 bits of the fractional parts of the square
 * roots of the first 8 primes. */
static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Section 4.1.2. */
#define BSIG0(x) (ror(x, 2) ^ ror(x, 13) ^ ror(x, 22))
#define BSIG1(x) (ror(x, 6) ^ ror(x, 11) ^ ror(x, 25))
#define SSIG0(x) (ror(x, 7) ^ ror(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ror(x, 17) ^ ror(x, 19) ^ ((x) >> 10))
/* Ch(x,y,z) = (x & y) ^ (~x & z) and Maj(x,y,z) = (x & y) ^ (x & z) ^
 * (y & z), each with one operation fewer. */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

/* W[t] for 16 <= t < 64, in place in the ring: W[t-16] becomes W[t]. */
#define EXPAND(j)                                                           \
	(w[j] += SSIG1(w[((j) + 14) & 15]) + w[((j) + 9) & 15] +            \
		 SSIG0(w[((j) + 1) & 15]))

/*
 * One round, t = i + j.  The caller passes the working variables rotated
 * by one place per round, so that "h" receives the new a and "d" the new
 * e without moving anything.
 */
#define ROUND(a, b, c, d, e, f, g, h, j, wj)                                \
	do {                                                                \
		uint32_t t1 = h + BSIG1(e) + CH(e, f, g) + K[i + (j)] + (wj); \
		d += t1;                                                    \
		h = t1 + BSIG0(a) + MAJ(a, b, c);                           \
	} while (0)

/* Eight rounds, t = i .. i + 7 (i a multiple of 8): after eight the
 * variables are back in their places; W[t] is in ring slot t & 15. */
#define ROUNDS8()                                                           \
	do {                                                                \
		ROUND(a, b, c, d, e, f, g, h, 0, w[(i & 8) + 0]);           \
		ROUND(h, a, b, c, d, e, f, g, 1, w[(i & 8) + 1]);           \
		ROUND(g, h, a, b, c, d, e, f, 2, w[(i & 8) + 2]);           \
		ROUND(f, g, h, a, b, c, d, e, 3, w[(i & 8) + 3]);           \
		ROUND(e, f, g, h, a, b, c, d, 4, w[(i & 8) + 4]);           \
		ROUND(d, e, f, g, h, a, b, c, 5, w[(i & 8) + 5]);           \
		ROUND(c, d, e, f, g, h, a, b, 6, w[(i & 8) + 6]);           \
		ROUND(b, c, d, e, f, g, h, a, 7, w[(i & 8) + 7]);           \
	} while (0)

/* Section 6.2.2: hash nblocks complete 64-byte blocks at p into st. */
static void compress(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	uint32_t w[16];

	while (nblocks--) {
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		unsigned i, j;

		for (j = 0; j < 16; j++)
			w[j] = load_be32(p + 4 * j);
		/* Loops of eight rounds rather than all 64 unrolled, and one
		 * copy of the eight: from round 16 on, the schedule's next
		 * eight words are made before them rather than inside each
		 * round, which took a second copy.  The same speed (a host
		 * program hashing 4 MiB: the same best rate, 0.6% more
		 * instructions) in 0.9 KiB less code. */
		for (i = 0; i < 64; i += 8) {
			if (i >= 16) {
				j = i & 8;
				EXPAND(j);
				EXPAND(j + 1);
				EXPAND(j + 2);
				EXPAND(j + 3);
				EXPAND(j + 4);
				EXPAND(j + 5);
				EXPAND(j + 6);
				EXPAND(j + 7);
			}
			ROUNDS8();
		}

		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
		p += SHA256_BLOCK_SIZE;
	}
}

void sha256_init(struct sha256 *s)
{
	memcpy(s->h, H0, sizeof s->h);
	s->len = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t have = (size_t)(s->len & (SHA256_BLOCK_SIZE - 1));

	if (n == 0)
		return;
	s->len += n;
	if (have) {
		size_t take = SHA256_BLOCK_SIZE - have;
		if (take > n)
			take = n;
		memcpy(s->buf + have, p, take);
		p += take;
		n -= take;
		if (have + take < SHA256_BLOCK_SIZE)
			return;
		compress(s->h, s->buf, 1);
	}
	if (n >= SHA256_BLOCK_SIZE) {
		size_t nb = n / SHA256_BLOCK_SIZE;
		compress(s->h, p, nb);
		p += nb * SHA256_BLOCK_SIZE;
		n -= nb * SHA256_BLOCK_SIZE;
	}
	if (n)
		memcpy(s->buf, p, n);
}

/* Section 5.1.1: a 1 bit, zeros up to 56 mod 64, the length in bits as a
 * 64-bit big-endian number. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE])
{
	size_t have = (size_t)(s->len & (SHA256_BLOCK_SIZE - 1));
	uint64_t bits = s->len << 3;

	s->buf[have++] = 0x80;
	if (have > SHA256_BLOCK_SIZE - 8) {
		memset(s->buf + have, 0, SHA256_BLOCK_SIZE - have);
		compress(s->h, s->buf, 1);
		have = 0;
	}
	memset(s->buf + have, 0, SHA256_BLOCK_SIZE - 8 - have);
	store_be32(s->buf + 56, (uint32_t)(bits >> 32));
	store_be32(s->buf + 60, (uint32_t)bits);
	compress(s->h, s->buf, 1);

	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->h[i]);
	memset(s, 0, sizeof *s);
}

void sha256_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * SHA256_DIGEST_SIZE] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sha256_parse_hex(const char *s, size_t n, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	if (n != 2 * SHA256_DIGEST_SIZE)
		return -1;
	for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, d, sizeof d);
	return 0;
}
