/*
 * bls_lines.h - the line syntax the Boot Loader Specification's entry
 * files and systemd-boot's loader.conf share (config/bls.c): `KEY VALUE`
 * lines, '#' comment lines, blank lines.  Private to config/.
 */
#ifndef RUNWAY_BLS_LINES_H
#define RUNWAY_BLS_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "fmt.h"

/* One `KEY VALUE` line: pointers into the text, not NUL-terminated. */
struct bls_line {
	const char *key;
	size_t key_len;
	const char *value; /* blanks around it and one pair of quotes gone */
	size_t value_len;
	unsigned number;   /* from 1 */
};

/* The length of an entry id without its ".conf" or ".efi". */
size_t bls_id_stem(const char *id);

struct bls_reader {
	const char *text;
	size_t len;
	size_t pos;
	unsigned number;   /* of the last line read */
	const char *where; /* "loader/entries/ID" or "loader/loader.conf" */
};

void bls_reader_init(struct bls_reader *r, const char *where,
		     const char *text, size_t len);

/*
 * The next line with a key.  Returns 1 with *l set, 0 at the end of the
 * text, -1 with err ("WHERE:LINE: control byte ...") when the line holds
 * a control byte other than tab (a NUL among them): the rest of such a
 * file cannot be trusted to mean what it shows.
 */
int bls_next_line(struct bls_reader *r, struct bls_line *l, struct rw_err *err);

/* Is the line's key exactly `key`? */
bool bls_key_is(const struct bls_line *l, const char *key);

/* Is the value exactly `word`, ignoring ASCII case? */
bool bls_value_is(const struct bls_line *l, const char *word);

#endif
