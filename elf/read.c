/*
 * read.c - the one checked read of an ELF file's bytes (validate.c and
 * phys.c): inside the file, through its read callback, or an error naming
 * the file, what was read and where.
 */
#include "elf64.h"
#include "format.h"

int elf_read_at(const struct elf_file *f, uint64_t off, void *buf,
		uint64_t len, const char *what, struct rw_err *err)
{
	if (off > f->size || len > f->size - off)
		return rw_fail(err, "%s: %s at offset %" PRIu64 " (+%" PRIu64 " bytes) lies past the end of the file (%" PRIu64 " bytes)",
			       f->path, what, off, len, f->size);
	uint64_t st = f->read(f->ctx, off, buf, len);
	if (st)
		return rw_fail(err, "%s: reading %s at offset %" PRIu64 " failed: %s",
			       f->path, what, off,
			       f->status_name ? f->status_name(st) : "error");
	return 0;
}
