/*
 * pecoff.h - find a section of a PE32+ file (an EFI program) by name, from
 * its first bytes: what type #2 Boot Loader Specification entries need
 * to read a unified kernel image's .osrel without reading the image.
 * Pure logic: the loader reads the headers and then the section.
 */
#ifndef RUNWAY_PECOFF_H
#define RUNWAY_PECOFF_H

#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

/* Enough for the headers and section table of any image a linker or
 * objcopy writes (the section table follows the optional header). */
#define PE_HEAD_MAX 4096u
#define PE_MACHINE_X64 0x8664u

struct pe_section {
	uint64_t offset; /* in the file */
	uint64_t size;   /* bytes of data (padding to the file alignment left out) */
};

/*
 * In the PE file of file_size bytes whose first head_len bytes are head,
 * find the section called name (at most 8 bytes, e.g. ".osrel").
 * *machine receives the COFF machine type.  Returns 1 with *ret filled,
 * 0 when the file has no such section, -1 when the headers are not a
 * PE file's or point outside the file or outside head (err says what).
 */
int pe_find_section(const uint8_t *head, size_t head_len, uint64_t file_size,
		    const char *name, uint16_t *machine, struct pe_section *ret,
		    struct rw_err *err);

#endif
