/*
 * genpattern.c - build-time generator (runs on the build host) of the
 * test kernel's pattern blobs, included into the kernel with .incbin.
 *
 * Usage: genpattern data|rodata OUTPUT
 *
 * Compiled once per kernel variant with that variant's -DBIG_DATA_MIB, so
 * the blob sizes come from pattern.h, the same header the kernel checks
 * them with.  Writing N MiB this way takes milliseconds, where N MiB of C
 * initialiser text would take the compiler minutes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"

int main(int argc, char **argv)
{
	uint64_t seed, bytes, words, i;
	unsigned char buf[8 * 4096];
	size_t fill = 0;
	FILE *out;

	if (argc != 3 || (strcmp(argv[1], "data") && strcmp(argv[1], "rodata"))) {
		fprintf(stderr, "usage: genpattern data|rodata OUTPUT\n");
		return 2;
	}
	if (!strcmp(argv[1], "data")) {
		seed = TEST_DATA_SEED;
		bytes = TEST_DATA_BLOB_BYTES;
	} else {
		seed = TEST_RODATA_SEED;
		bytes = TEST_RODATA_BLOB_BYTES;
	}
	if (bytes % 8) {
		fprintf(stderr, "genpattern: blob size %llu is not a multiple of 8\n",
		        (unsigned long long)bytes);
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	words = bytes / 8;
	for (i = 0; i < words; i++) {
		uint64_t w = pattern_word(seed, i);
		int b;

		for (b = 0; b < 8; b++) /* little-endian, whatever the host */
			buf[fill++] = (unsigned char)(w >> (8 * b));
		if (fill == sizeof buf || i + 1 == words) {
			if (fwrite(buf, 1, fill, out) != fill) {
				perror(argv[2]);
				return 1;
			}
			fill = 0;
		}
	}
	if (fclose(out)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
