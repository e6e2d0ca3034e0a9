/*
 * genblob.c - write the payload of a bench kernel: genblob MIB OUT writes
 * MIB MiB of the words of pattern.h to OUT (make bench-peers).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pattern.h"

int main(int argc, char **argv)
{
	static uint32_t buf[1 << 16];
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: genblob MIB OUT\n");
		return 2;
	}
	unsigned long mib = strtoul(argv[1], &end, 10);
	if (*end || mib == 0 || mib > 1024) {
		fprintf(stderr, "genblob: MIB must be 1..1024, not '%s'\n", argv[1]);
		return 2;
	}
	FILE *f = fopen(argv[2], "wb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	uint64_t total = (uint64_t)mib << 20;
	for (uint64_t off = 0; off < total; off += sizeof buf) {
		for (uint32_t i = 0; i < sizeof buf / 4; i++)
			buf[i] = bench_word((uint32_t)(off + 4 * i));
		if (fwrite(buf, sizeof buf, 1, f) != 1) {
			perror(argv[2]);
			return 1;
		}
	}
	if (fclose(f) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
