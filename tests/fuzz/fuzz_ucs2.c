/*
 * fuzz_ucs2.c - libFuzzer target: lib/ucs2.c on any bytes.
 *
 * Input: byte 0 picks the function (mod 5), byte 1 the output capacity
 * (mod 8: exactly the size needed, one unit less or more, none, or the
 * number in byte 2), the rest is the function's input.
 *
 *   0  ucs2_from_utf8 on the bytes as a string: refused exactly when the
 *      output does not fit, and then nothing written; else the size is
 *      ucs2_from_utf8_size's, the output is NUL-terminated at its end and
 *      has no NUL before, no surrogate, at most one unit per byte, and its
 *      ASCII is exactly the input's ASCII, in order (a broken sequence
 *      never swallows an ASCII byte, and never makes one).
 *   1  round trip: byte pairs as BMP characters (no NUL, no surrogate),
 *      encoded by the small encoder below (RFC 3629 section 3), decode to
 *      exactly those characters.
 *   2  ucs2_path_from_config against a model written from the header's
 *      rules; on success the path starts with '\', is printable ASCII
 *      without '/', "\\", "." or ".." components and ends in a file name.
 *   3  ucs2_dir_init/add_node/finish: node strings (a length byte, then
 *      units drawn mostly from '\', letters, '.', NUL) against a model;
 *      refused exactly when the directory does not fit.
 *   4  ucs2_path_join against a model.
 *
 * Every output buffer is allocated at exactly its capacity (ASan catches
 * a write past it) inside a canary-filled copy check: a refused call
 * leaves it alone; a successful one writes nothing after the NUL.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ucs2.h"

#define CANARY 0xa5a5
#define SEP '\\'
#define MAX_UNITS 8192

/* The input's capacity choice. */
struct capsel {
	uint8_t sel, value;
};

static size_t pick_cap(struct capsel c, size_t need)
{
	switch (c.sel % 8) {
	case 0:
	case 1:
		return need;
	case 2:
		return need ? need - 1 : 0;
	case 3:
		return need + 1;
	case 4:
		return 0;
	default:
		return c.value;
	}
}

/* An output buffer of exactly cap units, canary-filled (never NULL). */
static uint16_t *out_alloc(size_t cap)
{
	uint16_t *o = malloc(cap ? cap * sizeof *o : 1);

	CHECK(o, "malloc");
	for (size_t i = 0; i < cap; i++)
		o[i] = CANARY;
	return o;
}

static void check_untouched(const uint16_t *o, size_t from, size_t cap, const char *what)
{
	for (size_t i = from; i < cap; i++)
		CHECK(o[i] == CANARY, "%s: unit %zu of %zu written (0x%04x)", what, i, cap, o[i]);
}

static size_t ulen(const uint16_t *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* ---- 0: UTF-8 on any bytes ---- */

static void fuzz_utf8(struct rd *r, struct capsel sel)
{
	char *s = malloc(r->n + 1);
	CHECK(s, "malloc");
	memcpy(s, r->p, r->n);
	s[r->n] = 0;
	size_t len = strlen(s), size = ucs2_from_utf8_size(s);
	CHECK(size >= 2 && size % 2 == 0 && size / 2 <= len + 1,
	      "size %zu for %zu bytes", size, len);
	size_t units = size / 2 - 1;
	size_t cap = pick_cap(sel, units + 1);
	uint16_t *o = out_alloc(cap);
	size_t got = 7777;
	bool ok = ucs2_from_utf8(s, o, cap, &got);

	CHECK(ok == (cap >= units + 1), "cap %zu, %zu units: returned %d", cap, units, ok);
	if (!ok) {
		CHECK(got == 7777, "*ret_size written on refusal");
		check_untouched(o, 0, cap, "utf8 refused");
	} else {
		CHECK(got == size, "wrote %zu bytes, size said %zu", got, size);
		CHECK(o[units] == 0, "no NUL at unit %zu", units);
		check_untouched(o, units + 1, cap, "utf8 past the NUL");
		size_t a = 0;
		for (size_t i = 0; i < units; i++) {
			CHECK(o[i] != 0, "NUL at unit %zu of %zu", i, units);
			CHECK(o[i] < 0xd800 || o[i] > 0xdfff, "surrogate 0x%04x at %zu", o[i], i);
			if (o[i] >= 0x80)
				continue;
			/* the next ASCII byte of the input */
			while (a < len && (unsigned char)s[a] >= 0x80)
				a++;
			CHECK(a < len && o[i] == (unsigned char)s[a],
			      "ASCII unit 0x%02x at %zu is not the input's next ASCII byte", o[i], i);
			a++;
		}
		while (a < len && (unsigned char)s[a] >= 0x80)
			a++;
		CHECK(a == len, "input ASCII byte at %zu lost", a);
	}
	free(o);
	free(s);
}

/* ---- 1: round trip of valid BMP text ---- */

/* c (a BMP scalar value) as UTF-8 at p; returns the bytes. */
static size_t encode(uint16_t c, char *p)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	p[0] = (char)(0xe0 | c >> 12);
	p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

static void fuzz_round_trip(struct rd *r, struct capsel sel)
{
	static uint16_t text[MAX_UNITS];
	static char s[3 * MAX_UNITS + 1];
	size_t n = 0, len = 0;

	while (r->n >= 2 && n < MAX_UNITS) {
		uint16_t c = rd_u16(r);
		if (c == 0 || (c >= 0xd800 && c <= 0xdfff))
			continue;
		text[n++] = c;
		len += encode(c, s + len);
	}
	s[len] = 0;
	size_t cap = pick_cap(sel, n + 1);
	uint16_t *o = out_alloc(cap);
	size_t got = 0;
	bool ok = ucs2_from_utf8(s, o, cap, &got);

	CHECK(ok == (cap >= n + 1), "round trip: cap %zu, %zu characters: %d", cap, n, ok);
	if (ok) {
		CHECK(got == (n + 1) * 2, "round trip: %zu bytes for %zu characters", got, n);
		for (size_t i = 0; i < n; i++)
			CHECK(o[i] == text[i], "round trip: unit %zu is 0x%04x, want 0x%04x",
			      i, o[i], text[i]);
		CHECK(o[n] == 0, "round trip: no NUL");
	}
	free(o);
}

/* ---- 2: config path -> EFI path ---- */

static bool is_sep(char c)
{
	return c == '/' || c == '\\';
}

/* The model: the expected EFI path in want (units, NUL-terminated), or
 * false when the header's rules refuse the path (length aside). */
static bool model_path(const char *p, uint16_t *want, size_t *ret_n)
{
	size_t n = 0, i = 0;

	while (p[i]) {
		if (is_sep(p[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (p[j] && !is_sep(p[j]))
			j++;
		if ((j - i == 1 && p[i] == '.') ||
		    (j - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		want[n++] = SEP;
		for (; i < j; i++) {
			if (p[i] < 0x20 || p[i] > 0x7e) /* char may be signed: < 0 too */
				return false;
			want[n++] = (uint16_t)p[i];
		}
	}
	if (n == 0 || is_sep(p[i - 1]))
		return false;
	want[n] = 0;
	*ret_n = n;
	return true;
}

static void fuzz_path(struct rd *r, struct capsel sel)
{
	static uint16_t want[2 * MAX_UNITS + 2];
	char s[MAX_UNITS];
	size_t len = r->n < sizeof s - 1 ? r->n : sizeof s - 1;

	memcpy(s, r->p, len);
	s[len] = 0;
	r->n = 0;
	size_t n = 0;
	bool valid = model_path(s, want, &n);
	size_t cap = pick_cap(sel, n + 1);
	uint16_t *o = out_alloc(cap);
	struct rw_err err;
	memset(&err, 0, sizeof err);
	bool ok = ucs2_path_from_config(s, o, cap, &err);

	CHECK(ok == (valid && cap >= n + 1), "path \"%s\" cap %zu: returned %d, model %d (%zu units)",
	      s, cap, ok, valid, n);
	if (!ok) {
		CHECK(err.msg[0] && memchr(err.msg, 0, sizeof err.msg), "no message");
		check_untouched(o, 0, cap, "path refused");
		free(o);
		return;
	}
	CHECK(o[0] == SEP, "path does not start with '\\'");
	for (size_t i = 0; i <= n; i++)
		CHECK(o[i] == want[i], "path \"%s\": unit %zu is 0x%04x, model 0x%04x", s, i,
		      o[i], want[i]);
	for (size_t i = 0; i < n; i++) {
		CHECK(o[i] >= 0x20 && o[i] <= 0x7e && o[i] != '/', "unit 0x%04x", o[i]);
		CHECK(!(o[i] == SEP && o[i + 1] == SEP), "\"\\\\\" at %zu", i);
		if (o[i] == SEP) {
			size_t c = i + 1;
			while (o[c] && o[c] != SEP)
				c++;
			CHECK(c > i + 1, "empty component at %zu", i);
			CHECK(!(o[i + 1] == '.' && (c == i + 2 || (o[i + 2] == '.' && c == i + 3))),
			      "dot component at %zu", i);
		}
	}
	check_untouched(o, n + 1, cap, "path past the NUL");
	free(o);
}

/* ---- 3: directory of node strings ---- */

static uint16_t node_unit(struct rd *r)
{
	static const uint16_t common[] = { SEP, SEP, 'A', 'b', '.', 0, 0xe9, 0x20ac };
	uint8_t b = rd_u8(r);

	return b < 0xc0 ? common[b % 8] : rd_u16(r);
}

static void fuzz_dir(struct rd *r, struct capsel sel)
{
	static unsigned char nodes[16][2 * 64 + 1];
	static uint16_t path[16 * 65 + 1];
	size_t sizes[16], nn = 0, plen = 0;

	/* the nodes, and the model's path: nodes joined by '\' */
	while (r->n && nn < 16) {
		size_t size = rd_u8(r) % (sizeof nodes[0] + 1);
		bool ended = false, any = false;
		for (size_t i = 0; i + 1 < size; i += 2) {
			uint16_t u = node_unit(r);
			nodes[nn][i] = (unsigned char)u;
			nodes[nn][i + 1] = (unsigned char)(u >> 8);
			if (!u)
				ended = true;
			if (ended)
				continue;
			if (!any)
				path[plen++] = SEP;
			any = true;
			path[plen++] = u;
		}
		if (size % 2)
			nodes[nn][size - 1] = rd_u8(r);
		sizes[nn++] = size;
	}
	/* collapse runs of '\', then cut at the last '\' */
	size_t k = 0;
	for (size_t i = 0; i < plen; i++)
		if (!(path[i] == SEP && k && path[k - 1] == SEP))
			path[k++] = path[i];
	while (k && path[k - 1] != SEP)
		k--;
	if (k)
		k--;

	size_t cap = pick_cap(sel, k + 1);
	if (cap == 0)
		cap = 1; /* the builder wants room for its NUL */
	uint16_t *o = out_alloc(cap);
	struct ucs2_dir d;
	ucs2_dir_init(&d, o, cap);
	for (size_t i = 0; i < nn; i++)
		ucs2_dir_add_node(&d, nodes[i], sizes[i]);
	bool ok = ucs2_dir_finish(&d);

	CHECK(ok == (k + 1 <= cap), "dir: %zu units, cap %zu: returned %d", k, cap, ok);
	if (!ok) {
		CHECK(o[0] == 0, "dir refused but not \"\"");
	} else {
		for (size_t i = 0; i < k; i++)
			CHECK(o[i] == path[i], "dir: unit %zu is 0x%04x, model 0x%04x", i, o[i],
			      path[i]);
		CHECK(o[k] == 0, "dir: no NUL at %zu", k);
		CHECK(k == 0 || (o[0] == SEP && o[k - 1] != SEP), "dir: bad ends");
	}
	free(o);
}

/* ---- 4: join ---- */

static uint16_t nonzero_unit(struct rd *r)
{
	uint16_t u = node_unit(r);

	return u ? u : 'z';
}

static void fuzz_join(struct rd *r, struct capsel sel)
{
	uint16_t dir[256], name[256], want[520];
	size_t dl = rd_u8(r), nl = rd_u8(r);

	for (size_t i = 0; i < dl; i++)
		dir[i] = nonzero_unit(r);
	for (size_t i = 0; i < nl; i++)
		name[i] = nonzero_unit(r);
	dir[dl] = name[nl] = 0;
	size_t a = ulen(dir), b = 0, n = 0;
	while (a && dir[a - 1] == SEP)
		a--;
	while (name[b] == SEP)
		b++;
	memcpy(want, dir, a * sizeof *want);
	n = a;
	want[n++] = SEP;
	for (; name[b]; b++)
		want[n++] = name[b];
	want[n] = 0;

	size_t cap = pick_cap(sel, n + 1);
	uint16_t *o = out_alloc(cap);
	bool ok = ucs2_path_join(dir, name, o, cap);

	CHECK(ok == (cap >= n + 1), "join: %zu units, cap %zu: returned %d", n, cap, ok);
	if (ok) {
		CHECK(!memcmp(o, want, (n + 1) * sizeof *o), "join differs from the model");
		check_untouched(o, n + 1, cap, "join past the NUL");
	} else {
		check_untouched(o, 0, cap, "join refused");
	}
	free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	uint8_t mode = rd_u8(&r);
	struct capsel sel;

	sel.sel = rd_u8(&r);
	sel.value = rd_u8(&r);

	switch (mode % 5) {
	case 0:
		fuzz_utf8(&r, sel);
		break;
	case 1:
		fuzz_round_trip(&r, sel);
		break;
	case 2:
		fuzz_path(&r, sel);
		break;
	case 3:
		fuzz_dir(&r, sel);
		break;
	default:
		fuzz_join(&r, sel);
		break;
	}
	return 0;
}
