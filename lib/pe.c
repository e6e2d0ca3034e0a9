/*
 * pe.c - a PE32+ file's section table, read from its first bytes
 * (Microsoft PE/COFF specification: the MS-DOS stub's e_lfanew at 0x3c,
 * the "PE\0\0" signature, the COFF header, the optional header, then
 * 40-byte section headers).  Every offset is checked against what was
 * read and against the file's size before it is used.
 */
#include "pecoff.h"

#include <string.h>

#define DOS_LFANEW 0x3c
#define COFF_SIZE 20      /* after the 4-byte signature */
#define SECTION_SIZE 40
#define SECTION_NAME 8

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Does the section header's 8-byte, NUL-padded name say name? */
static int name_is(const uint8_t *hdr, const char *name)
{
	size_t n = strlen(name);

	if (n > SECTION_NAME || memcmp(hdr, name, n))
		return 0;
	return n == SECTION_NAME || hdr[n] == 0;
}

/* The data of section header hdr: its raw bytes, less the padding the
 * file alignment adds when the virtual size is smaller. */
static int section_of(const uint8_t *hdr, uint64_t file_size, const char *name,
		      struct pe_section *ret, struct rw_err *err)
{
	uint32_t vsize = le32(hdr + 8), raw = le32(hdr + 16), off = le32(hdr + 20);
	uint64_t size = vsize && vsize < raw ? vsize : raw;

	if (off > file_size || size > file_size - off)
		return rw_fail(err, "PE section %s: bytes [%u, +%" PRIu64 ") lie outside the file of %" PRIu64 " bytes",
			       name, off, size, file_size);
	ret->offset = off;
	ret->size = size;
	return 1;
}

int pe_find_section(const uint8_t *head, size_t head_len, uint64_t file_size,
		    const char *name, uint16_t *machine, struct pe_section *ret,
		    struct rw_err *err)
{
	if (head_len > file_size)
		head_len = (size_t)file_size;
	if (head_len < DOS_LFANEW + 4)
		return rw_fail(err, "not a PE file: %zu bytes, too short for its headers",
			       head_len);
	if (head[0] != 'M' || head[1] != 'Z')
		return rw_fail(err, "not a PE file: no MZ header");
	uint32_t pe = le32(head + DOS_LFANEW);
	if (pe > head_len || head_len - pe < 4 + COFF_SIZE)
		return rw_fail(err, "PE header at %u: outside the first %zu bytes", pe, head_len);
	if (memcmp(head + pe, "PE\0\0", 4))
		return rw_fail(err, "not a PE file: no PE signature at %u", pe);
	const uint8_t *coff = head + pe + 4;
	uint16_t nsections = le16(coff + 2), opt_size = le16(coff + 16);
	/* All in 64 bits: no sum below can wrap. */
	uint64_t table = (uint64_t)pe + 4 + COFF_SIZE + opt_size;
	uint64_t end = table + (uint64_t)nsections * SECTION_SIZE;
	if (end > head_len)
		return rw_fail(err, "PE section table [%" PRIu64 ", %" PRIu64 "): outside the first %zu bytes",
			       table, end, head_len);
	*machine = le16(coff);
	for (uint16_t i = 0; i < nsections; i++) {
		const uint8_t *hdr = head + table + (uint64_t)i * SECTION_SIZE;
		if (name_is(hdr, name))
			return section_of(hdr, file_size, name, ret, err);
	}
	return 0;
}
