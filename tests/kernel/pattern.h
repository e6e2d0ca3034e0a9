/*
 * pattern.h - the pseudo-random test pattern shared by the test kernel and
 * its build-time generator (genpattern.c), and the sizes of the blobs.
 *
 * Word i of a blob with seed s is a splitmix64 hash of (s, i).  Each word
 * depends on its index, so a copy that is shifted, truncated, has pages
 * swapped or aliased, or is zero-filled does not match; a word is never
 * zero, so a blob can never be mistaken for (or land in) .bss.  Blobs are
 * stored as little-endian 64-bit words.
 *
 * Included from C (kernel and host) and from blobs.S (sizes only).
 */
#ifndef RUNWAY_TEST_PATTERN_H
#define RUNWAY_TEST_PATTERN_H

#ifndef BIG_DATA_MIB
#define BIG_DATA_MIB 0
#endif

/* Bytes of the .data blob: BIG_DATA_MIB MiB, or a small blob whose end is
 * deliberately not page-aligned (the file tail and .bss share a page). */
#if BIG_DATA_MIB > 0
#define TEST_DATA_BLOB_BYTES (BIG_DATA_MIB * 1048576)
#else
#define TEST_DATA_BLOB_BYTES 6000
#endif

/* Bytes of the .rodata blob (also not page-aligned). */
#define TEST_RODATA_BLOB_BYTES 3000

/* Seeds: "RUNWAYDA" and "RUNWAYRO" as little-endian ASCII. */
#define TEST_DATA_SEED   0x41445941574e5552ull
#define TEST_RODATA_SEED 0x4f525941574e5552ull

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline uint64_t pattern_word(uint64_t seed, uint64_t index)
{
	uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 0x5a5a5a5a5a5a5a5aull;
}
#endif

#endif /* RUNWAY_TEST_PATTERN_H */
