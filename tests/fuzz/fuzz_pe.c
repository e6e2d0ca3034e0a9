/*
 * fuzz_pe.c - libFuzzer target: lib/pe.c on any bytes.
 *
 * Input: byte 0 picks the section name looked for (mod 4), bytes 1-2 how
 * many bytes the file has past the head (the head is the rest of the
 * input, as if read from the file's start).  A section found lies inside
 * the file; an error has a message; nothing reads past the head (ASan:
 * the head is copied into a buffer of exactly its size).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pecoff.h"

static const char *const names[] = { ".osrel", ".cmdline", ".text", ".linux" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	const char *name = names[data[0] % 4];
	uint64_t extra = (uint64_t)data[1] | (uint64_t)data[2] << 8;
	size_t head_len = size - 3;
	uint8_t *head = malloc(head_len ? head_len : 1);
	struct pe_section s = { 0 };
	struct rw_err err = { "" };
	uint16_t machine = 0;

	CHECK(head, "malloc");
	memcpy(head, data + 3, head_len);
	uint64_t file_size = head_len + extra;
	int r = pe_find_section(head, head_len, file_size, name, &machine, &s, &err);
	CHECK(r >= -1 && r <= 1, "result %d", r);
	if (r == 1)
		CHECK(s.offset <= file_size && s.size <= file_size - s.offset,
		      "section [%llu, +%llu) outside a file of %llu bytes",
		      (unsigned long long)s.offset, (unsigned long long)s.size,
		      (unsigned long long)file_size);
	if (r == -1)
		CHECK(err.msg[0], "an error without a message");
	free(head);
	return 0;
}
