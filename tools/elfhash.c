/*
 * elfhash.c - the SHA-256 of what an ELF64 file puts in memory.
 *
 *     elfhash FILE...
 *
 * prints, for each FILE, one line
 *
 *     sha256=<64 hex digits> segments=<S> path=<FILE>
 *
 * where the hash covers, for every PT_LOAD program header with
 * p_memsz > 0, in program-header order: the p_filesz bytes of the file at
 * p_offset, then (p_memsz - p_filesz) zero bytes; S is the number of such
 * headers.  Headers are read field by field as little-endian bytes, so the
 * tool does not depend on the host's byte order or structure layout.
 *
 * Validation is minimal: an ELF64 little-endian file whose program headers
 * (and, for PN_XNUM, section header 0) and hashed segment bytes lie inside
 * the file, with p_filesz <= p_memsz, and at most MAX_IMAGE bytes in all
 * (so that a corrupt p_memsz is an error, not hours of hashing zeros).  Anything else is reported on stderr
 * as "elfhash: FILE: reason"; the other files are still hashed and the exit
 * status is 1.  Exit status 2: usage.
 *
 * Built by tools/elfhash.mk with lib/sha256.c.  The unit tests include
 * this file with ELFHASH_NO_MAIN defined and call elfhash_file(), to check
 * that verify mode's digest (elf_hash_mapped) equals this tool's (hence
 * complain() rather than fail(), a cmocka macro).
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64
#define PN_XNUM 0xffff
#define PT_LOAD 1
#define MAX_IMAGE (16ull << 30) /* sum of p_memsz: 16 GiB */

struct input {
	const char *path;
	int fd;
	uint64_t size;
};

static int complain(const struct input *in, const char *f, ...)
	__attribute__((format(printf, 2, 3)));

static int complain(const struct input *in, const char *f, ...)
{
	va_list ap;

	fprintf(stderr, "elfhash: %s: ", in->path);
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Does [off, off + len) lie inside the file? */
static int in_file(const struct input *in, uint64_t off, uint64_t len)
{
	return off <= in->size && len <= in->size - off;
}

/* Read exactly len bytes at off (the caller checked the range). */
static int read_at(const struct input *in, uint64_t off, void *buf, size_t len,
		   const char *what)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = pread(in->fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return complain(in, "reading %s at offset %" PRIu64 ": %s",
					what, off, strerror(errno));
		if (r == 0)
			return complain(in, "reading %s at offset %" PRIu64 ": unexpected end of file (did it shrink?)",
					what, off);
		p += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* Hash len bytes of the file at off. */
static int hash_file_bytes(const struct input *in, struct sha256 *s,
			   uint64_t off, uint64_t len)
{
	static uint8_t buf[1 << 20];

	while (len) {
		size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
		if (read_at(in, off, buf, n, "segment bytes"))
			return -1;
		sha256_update(s, buf, n);
		off += n;
		len -= n;
	}
	return 0;
}

static void hash_zeros(struct sha256 *s, uint64_t len)
{
	static const uint8_t zero[1 << 16];

	while (len) {
		size_t n = len < sizeof zero ? (size_t)len : sizeof zero;
		sha256_update(s, zero, n);
		len -= n;
	}
}

/* The program header count and table offset, after the header checks. */
static int read_header(const struct input *in, uint64_t *ret_phoff,
		       uint64_t *ret_phnum, uint64_t *ret_phentsize)
{
	uint8_t eh[EHDR_SIZE];

	if (in->size < EHDR_SIZE)
		return complain(in, "file is %" PRIu64 " bytes, too small for an ELF64 header (64)",
				in->size);
	if (read_at(in, 0, eh, sizeof eh, "the ELF header"))
		return -1;
	if (eh[0] != 0x7f || eh[1] != 'E' || eh[2] != 'L' || eh[3] != 'F')
		return complain(in, "not an ELF file (magic %02x %02x %02x %02x)",
				eh[0], eh[1], eh[2], eh[3]);
	if (eh[4] != 2)
		return complain(in, "EI_CLASS is %u, expected 2 (ELFCLASS64)", eh[4]);
	if (eh[5] != 1)
		return complain(in, "EI_DATA is %u, expected 1 (little-endian)", eh[5]);

	uint64_t phoff = le64(eh + 32), shoff = le64(eh + 40);
	uint16_t phentsize = le16(eh + 54), phnum = le16(eh + 56);
	uint16_t shentsize = le16(eh + 58);
	uint64_t n = phnum;

	if (phentsize < PHDR_SIZE)
		return complain(in, "e_phentsize is %u, below %u", phentsize, PHDR_SIZE);
	if (phnum == PN_XNUM) {
		uint8_t sh[SHDR_SIZE];
		if (shoff == 0 || shentsize < SHDR_SIZE)
			return complain(in, "e_phnum is PN_XNUM but there is no section header 0 (e_shoff %" PRIu64 ", e_shentsize %u)",
					shoff, shentsize);
		if (!in_file(in, shoff, SHDR_SIZE))
			return complain(in, "section header 0 at offset %" PRIu64 " lies past the end of the file (%" PRIu64 " bytes)",
					shoff, in->size);
		if (read_at(in, shoff, sh, sizeof sh, "section header 0"))
			return -1;
		n = le32(sh + 44); /* sh_info */
	}
	if (!in_file(in, phoff, n * phentsize))
		return complain(in, "%" PRIu64 " program headers of %u bytes at offset %" PRIu64 " exceed the file size %" PRIu64,
				n, phentsize, phoff, in->size);
	*ret_phoff = phoff;
	*ret_phnum = n;
	*ret_phentsize = phentsize;
	return 0;
}

/*
 * The digest of the file at path (see the top of this file) and the number
 * of segments it covers.  Returns 0, or -1 after reporting on stderr.
 */
static int elfhash_file(const char *path, uint8_t ret_digest[SHA256_DIGEST_SIZE],
			uint64_t *ret_nseg)
{
	struct input in = { .path = path };
	struct stat st;
	struct sha256 s;
	uint64_t phoff, phnum, phentsize, nseg = 0, image = 0;
	int r = -1;

	in.fd = open(path, O_RDONLY);
	if (in.fd < 0)
		return complain(&in, "cannot open: %s", strerror(errno));
	if (fstat(in.fd, &st) < 0) {
		complain(&in, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		complain(&in, "not a regular file");
		goto out;
	}
	in.size = (uint64_t)st.st_size;
	if (read_header(&in, &phoff, &phnum, &phentsize))
		goto out;

	/* Check every header before hashing anything. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			sha256_init(&s);
		for (uint64_t i = 0; i < phnum; i++) {
			uint8_t ph[PHDR_SIZE];
			if (read_at(&in, phoff + i * phentsize, ph, sizeof ph,
				    "a program header"))
				goto out;
			uint32_t type = le32(ph);
			uint64_t offset = le64(ph + 8), filesz = le64(ph + 32);
			uint64_t memsz = le64(ph + 40);
			if (type != PT_LOAD || memsz == 0)
				continue;
			if (pass == 0) {
				if (filesz > memsz) {
					complain(&in, "phdr %" PRIu64 ": p_filesz %" PRIu64 " exceeds p_memsz %" PRIu64,
						 i, filesz, memsz);
					goto out;
				}
				if (!in_file(&in, offset, filesz)) {
					complain(&in, "phdr %" PRIu64 ": p_offset %" PRIu64 " + p_filesz %" PRIu64 " exceeds the file size %" PRIu64,
						 i, offset, filesz, in.size);
					goto out;
				}
				if (memsz > MAX_IMAGE - image) {
					complain(&in, "phdr %" PRIu64 ": p_memsz %" PRIu64 " brings the segments past %llu bytes in all; refusing to hash that much",
						 i, memsz, MAX_IMAGE);
					goto out;
				}
				image += memsz;
				nseg++;
				continue;
			}
			if (hash_file_bytes(&in, &s, offset, filesz))
				goto out;
			hash_zeros(&s, memsz - filesz);
		}
	}
	sha256_final(&s, ret_digest);
	*ret_nseg = nseg;
	r = 0;
out:
	close(in.fd);
	return r;
}

#ifndef ELFHASH_NO_MAIN
static int hash_one(const char *path)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	uint64_t nseg;

	if (elfhash_file(path, d, &nseg))
		return -1;
	sha256_hex(d, hex);
	printf("sha256=%s segments=%" PRIu64 " path=%s\n", hex, nseg, path);
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: elfhash FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (hash_one(argv[i]))
			status = 1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "elfhash: writing the output: %s\n", strerror(errno));
		status = 1;
	}
	return status;
}
#endif /* ELFHASH_NO_MAIN */
