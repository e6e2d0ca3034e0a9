/*
 * test_corpus.c - the malformed-ELF corpus (tests/data/corrupt/, written by
 * tests/data/mkcorrupt.py) through elf_parse on the host: every file whose
 * index.txt line has no stage must be rejected at parse time with a message
 * that names the file and contains the line's substring; files marked
 * "load" must parse (they fail later, when memory is claimed, which the
 * QEMU corpus boot checks).  Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf64.h"
#include "fmt.h"

#define CORPUS "tests/data/corrupt"

struct blob {
	uint8_t *bytes;
	size_t size;
};

static uint64_t blob_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	const struct blob *b = ctx;

	if (off > b->size || len > b->size - off)
		fail_msg("elf_parse read %llu bytes at %llu past the end of a %zu-byte file",
			 (unsigned long long)len, (unsigned long long)off, b->size);
	memcpy(buf, b->bytes + off, len);
	return 0;
}

static struct blob slurp(const char *path)
{
	struct blob b = { NULL, 0 };
	FILE *fp = fopen(path, "rb");

	if (!fp)
		fail_msg("%s: cannot open (run from the repository root)", path);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b.size = (size_t)n;
	b.bytes = malloc(b.size ? b.size : 1);
	assert_non_null(b.bytes);
	assert_int_equal(fread(b.bytes, 1, b.size, fp), b.size);
	fclose(fp);
	return b;
}

static void test_every_corpus_file_rejected_with_its_message(void **state)
{
	(void)state;
	FILE *idx = fopen(CORPUS "/index.txt", "r");
	char line[1024];
	size_t files = 0, parse_stage = 0;

	if (!idx)
		fail_msg(CORPUS "/index.txt: cannot open (run from the repository root)");
	while (fgets(line, sizeof line, idx)) {
		line[strcspn(line, "\n")] = 0;
		char *name = line, *want = strchr(line, '\t');
		if (!want)
			fail_msg("index.txt: line without a TAB: '%s'", line);
		*want++ = 0;
		char *stage = strchr(want, '\t');
		if (stage)
			*stage++ = 0;

		char path[512], shown[600];
		snprintf(path, sizeof path, CORPUS "/%s", name);
		snprintf(shown, sizeof shown, "/corrupt/%s", name);
		struct blob b = slurp(path);
		struct elf_file f = { .path = shown, .size = b.size, .ctx = &b,
				      .read = blob_read };
		struct elf_image img;
		struct rw_err err = { "" };
		int rc = elf_parse(&f, &img, &err);
		files++;
		if (!stage) {
			parse_stage++;
			if (rc == 0)
				fail_msg("%s: accepted; expected '%s'", name, want);
			if (!strstr(err.msg, want) || !strstr(err.msg, shown))
				fail_msg("%s: message '%s' lacks '%s' or the path", name,
					 err.msg, want);
		} else if (rc != 0) {
			fail_msg("%s (stage %s): rejected at parse time: %s", name, stage,
				 err.msg);
		}
		free(b.bytes);
	}
	fclose(idx);
	/* The issue asks for at least 30 malformed files. */
	if (files < 30)
		fail_msg("only %zu corpus files", files);
	print_message("corpus: %zu files, %zu rejected at parse time\n", files,
		      parse_stage);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_corpus_file_rejected_with_its_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
