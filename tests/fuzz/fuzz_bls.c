/*
 * fuzz_bls.c - libFuzzer target: the Boot Loader Specification parsers
 * (include/bls.h) on arbitrary bytes.
 *
 * Every input is read as an entry file, as loader.conf and as os-release,
 * and cut at its first two NULs into three strings for the version
 * comparison, the glob matcher and the sort.  Oracles: never a crash;
 * every string field NUL-terminated inside its array, counts in range,
 * results among the documented ones, messages non-empty; an accepted
 * entry has a title, paths in runway.conf's form (one leading '/', no
 * "//") that convert to EFI paths, no control byte but tab in its title
 * and command line; parsing twice gives the same bytes; an accepted entry
 * written back out as an entry file parses to the same entry (round
 * trip); the version comparison is antisymmetric, reflexive and
 * transitive on the three strings; bls_sort leaves entries in
 * bls_entry_cmp order; '*' matches anything and a pattern without
 * metacharacters matches exactly itself.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bls.h"
#include "fuzz_common.h"

#define TERMINATED(a) (memchr((a), 0, sizeof(a)) != NULL)

static int sgn(int x)
{
	return (x > 0) - (x < 0);
}

static void check_no_controls(const char *s, const char *what)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		CHECK((*p >= 0x20 && *p != 0x7f) || *p == '\t',
		      "%s holds control byte 0x%02x", what, *p);
}

static void check_path(const char *p, const char *what)
{
	uint16_t w[CONFIG_EFI_PATH_UNITS];

	CHECK(p[0] == '/', "%s '%s' does not start with '/'", what, p);
	for (size_t i = 1; p[i]; i++)
		CHECK(!(p[i] == '/' && p[i - 1] == '/'), "%s '%s' holds '//'", what, p);
	CHECK(config_efi_path(p, w, NULL), "%s '%s' is no EFI path", what, p);
}

static void check_terminated(const struct bls_entry *b)
{
	const struct config_entry *e = &b->e;

	CHECK(TERMINATED(b->id) && TERMINATED(b->sort_key) && TERMINATED(b->machine_id) &&
	      TERMINATED(b->version) && TERMINATED(e->title) && TERMINATED(e->path) &&
	      TERMINATED(e->cmdline) && TERMINATED(e->protocol),
	      "a string is not NUL-terminated");
	CHECK(e->ninitrds <= CONFIG_MAX_INITRDS, "%zu initrds", e->ninitrds);
	for (size_t i = 0; i < e->ninitrds; i++)
		CHECK(TERMINATED(e->initrds[i].path), "initrd %zu not NUL-terminated", i);
}

static void check_entry(const struct bls_entry *b)
{
	const struct config_entry *e = &b->e;

	CHECK(e->kind == CONFIG_EFI && e->origin == CONFIG_FROM_BLS && e->line == 1,
	      "kind %d origin %d line %u", (int)e->kind, (int)e->origin, e->line);
	CHECK(e->title[0], "no title");
	check_no_controls(e->title, "title");
	check_no_controls(e->cmdline, "cmdline");
	check_path(e->path, "path");
	for (size_t i = 0; i < e->ninitrds; i++) {
		check_path(e->initrds[i].path, "initrd");
		CHECK(!e->initrds[i].has_sha256, "initrd %zu pinned", i);
	}
	CHECK(!e->has_sha256 && e->nmodules == 0 && !e->protocol[0], "runway-only fields set");
}


/* Write b as an entry file (every value in quotes, so that blanks and
 * quotes of its own survive), parse it, compare. */
static void round_trip(const struct bls_entry *b)
{
	static char text[8192];
	static struct bls_entry got;
	const struct config_entry *e = &b->e;
	size_t n = 0;
	struct rw_err err;

	n = fuzz_put(text, sizeof text, n, "# round trip\ntitle \"%s\"\n", e->title);
	if (b->version[0])
		n = fuzz_put(text, sizeof text, n, "version \"%s\"\n", b->version);
	if (b->machine_id[0])
		n = fuzz_put(text, sizeof text, n, "machine-id \"%s\"\n", b->machine_id);
	if (b->sort_key[0])
		n = fuzz_put(text, sizeof text, n, "sort-key \"%s\"\n", b->sort_key);
	n = fuzz_put(text, sizeof text, n, "linux \"%s\"\n", e->path);
	for (size_t i = 0; i < e->ninitrds; i++)
		n = fuzz_put(text, sizeof text, n, "initrd \"%s\"\n", e->initrds[i].path);
	if (e->cmdline[0])
		n = fuzz_put(text, sizeof text, n, "options \"%s\"\n", e->cmdline);
	if (b->devicetree_ignored)
		n = fuzz_put(text, sizeof text, n, "devicetree /x.dtb\n");
	int r = bls_parse_entry(b->id, text, n, &got, &err);
	CHECK(r == 1, "round trip returned %d: %s\n%s", r, err.msg, text);
	CHECK(!memcmp(&got, b, sizeof got), "round trip differs:\n%s", text);
}

static void fuzz_entry(const char *text, size_t size)
{
	static struct bls_entry a, b;
	struct rw_err err, err2;

	memset(&err, 0xff, sizeof err);
	int r = bls_parse_entry("fuzz-1.0.conf", text, size, &a, &err);
	CHECK(r >= -1 && r <= 1, "bls_parse_entry returned %d", r);
	check_terminated(&a);
	CHECK(!strcmp(a.id, "fuzz-1.0.conf"), "id '%s'", a.id);
	int r2 = bls_parse_entry("fuzz-1.0.conf", text, size, &b, &err2);
	CHECK(r2 == r && !memcmp(&a, &b, sizeof a), "not deterministic");
	if (r < 1) {
		CHECK(TERMINATED(err.msg) && err.msg[0], "no message");
		CHECK(!strcmp(err.msg, err2.msg), "message not deterministic");
		return;
	}
	check_entry(&a);
	round_trip(&a);
}

static void fuzz_loader_conf(const char *text, size_t size)
{
	struct loader_conf c;
	struct rw_err err;

	memset(&c, 0x5a, sizeof c);
	memset(&err, 0xff, sizeof err);
	int r = loader_conf_parse(text, size, &c, &err);
	CHECK(r == 0 || r == -1, "loader_conf_parse returned %d", r);
	CHECK(TERMINATED(c.default_pattern), "default not NUL-terminated");
	if (r) {
		CHECK(TERMINATED(err.msg) && err.msg[0], "no message");
		return;
	}
	CHECK(!(c.menu_force && c.menu_disabled), "menu-force and menu-disabled");
	CHECK(!(c.menu_force || c.menu_disabled) || c.timeout_set, "menu-* without timeout_set");
	CHECK(c.timeout <= LOADER_CONF_TIMEOUT_MAX, "timeout %u", c.timeout);
	CHECK(c.console_mode >= CONFIG_CONSOLE_KEEP && c.console_mode <= CONFIG_CONSOLE_NUMBER,
	      "console mode %d", (int)c.console_mode);
	CHECK(c.console_mode == CONFIG_CONSOLE_NUMBER || c.console_mode_number == 0,
	      "a mode number without console-mode N");
	check_no_controls(c.default_pattern, "default");
}

static void fuzz_osrel(const char *text, size_t size)
{
	struct osrel o, o2;
	char t[CONFIG_TITLE_MAX];

	memset(&o, 0x5a, sizeof o);
	osrel_parse(text, size, &o);
	CHECK(TERMINATED(o.pretty_name) && TERMINATED(o.name) && TERMINATED(o.id) &&
	      TERMINATED(o.version_id) && TERMINATED(o.version) && TERMINATED(o.image_id) &&
	      TERMINATED(o.image_version) && TERMINATED(o.build_id),
	      "an os-release field is not NUL-terminated");
	check_no_controls(o.pretty_name, "PRETTY_NAME");
	check_no_controls(o.version, "VERSION");
	memset(&o2, 0xa5, sizeof o2);
	osrel_parse(text, size, &o2);
	CHECK(!memcmp(&o, &o2, sizeof o), "osrel_parse not deterministic");
	osrel_title(&o, "fuzz.efi", t, sizeof t);
	CHECK(TERMINATED(t) && t[0], "empty or unterminated title");
}

/* ---- versions, globs, order: on the input cut into three strings ---- */

static void check_versions(const char *a, const char *b, const char *c)
{
	int ab = sgn(bls_version_cmp(a, b)), ba = sgn(bls_version_cmp(b, a));
	int bc = sgn(bls_version_cmp(b, c)), ac = sgn(bls_version_cmp(a, c));

	CHECK(ab == -ba, "'%s' vs '%s': %d, back %d", a, b, ab, ba);
	CHECK(bls_version_cmp(a, a) == 0, "'%s' unequal to itself", a);
	if (ab <= 0 && bc <= 0)
		CHECK(ac <= 0, "'%s' <= '%s' <= '%s' but not a <= c", a, b, c);
	if (ab == 0 && bc == 0)
		CHECK(ac == 0, "equality not transitive");
}

static bool has_meta(const char *s)
{
	for (; *s; s++)
		if (*s == '*' || *s == '?' || *s == '[' || *s == '\\')
			return true;
	return false;
}

static void check_globs(const char *p, const char *n)
{
	bool m = bls_glob_match(p, n);

	CHECK(bls_glob_match("*", n), "'*' does not match '%s'", n);
	if (!has_meta(p))
		CHECK(m == !strcmp(p, n), "literal '%s' vs '%s': %d", p, n, m);
	if (!has_meta(n))
		CHECK(bls_glob_match(n, n), "'%s' does not match itself", n);
}

static void check_sort(const char *a, const char *b, const char *c)
{
	static struct bls_entry v[6];
	const char *s[3] = { a, b, c };

	memset(v, 0, sizeof v);
	for (size_t i = 0; i < 6; i++) {
		snprintf(v[i].id, sizeof v[i].id, "%s%s", s[i % 3], i & 1 ? ".conf" : "");
		snprintf(v[i].version, sizeof v[i].version, "%s", s[(i + 1) % 3]);
		if (i % 3 == 0)
			snprintf(v[i].sort_key, sizeof v[i].sort_key, "%s", s[(i + 2) % 3]);
		if (i == 2)
			snprintf(v[i].machine_id, sizeof v[i].machine_id, "%s", s[0]);
	}
	bls_sort(v, 6);
	/* Every ordered pair compared once (the comparisons are most of
	 * this target's time): sign[i][j] is the sign of v[i] against v[j]. */
	int sign[6][6];
	for (size_t i = 0; i < 6; i++)
		for (size_t j = 0; j < 6; j++)
			sign[i][j] = sgn(bls_entry_cmp(&v[i], &v[j]));
	for (size_t i = 0; i + 1 < 6; i++)
		CHECK(sign[i][i + 1] <= 0, "entries %zu and %zu out of order", i, i + 1);
	for (size_t i = 0; i < 6; i++)
		for (size_t j = 0; j < 6; j++)
			CHECK(sign[i][j] == -sign[j][i], "bls_entry_cmp not antisymmetric (%zu, %zu)", i, j);
	bls_disambiguate_titles(v, 6);
	for (size_t i = 0; i < 6; i++)
		CHECK(TERMINATED(v[i].e.title), "title %zu not NUL-terminated", i);
}

static void fuzz_strings(const char *text, size_t size)
{
	static char s[3][BLS_ID_MAX - 8];
	size_t at = 0;

	for (int k = 0; k < 3; k++) {
		const char *nul = at < size ? memchr(text + at, 0, size - at) : NULL;
		size_t end = nul ? (size_t)(nul - text) : size;
		size_t n = end - (at < end ? at : end);
		if (n >= sizeof s[k])
			n = sizeof s[k] - 1;
		if (at < size)
			memcpy(s[k], text + at, n);
		s[k][at < size ? n : 0] = '\0';
		at = end + 1;
	}
	check_versions(s[0], s[1], s[2]);
	check_globs(s[0], s[1]);
	check_sort(s[0], s[1], s[2]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that ASan sees any read past the end */
	char *text = malloc(size ? size : 1);
	CHECK(text, "malloc");
	if (size)
		memcpy(text, data, size);
	fuzz_entry(text, size);
	fuzz_loader_conf(text, size);
	fuzz_osrel(text, size);
	fuzz_strings(text, size);
	free(text);
	return 0;
}
