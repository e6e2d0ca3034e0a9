/*
 * fuzz_config.c - libFuzzer target: config_parse on arbitrary bytes.
 *
 * Must never crash.  Success or failure, every string of every entry
 * parsed so far is NUL-terminated inside its array and the counts are in
 * range; a failure comes with a non-empty, NUL-terminated message.  On
 * success timeout, default and fragment are in range, every entry has a
 * kind and a title (its path if none was given), and only kernel entries
 * name a protocol, a well-formed one.  A parsed config, written
 * back out as runway.conf text (an entry's protocol line before its kind
 * line in every other entry, after it in the rest), parses to the same
 * config (round trip); no string of it holds a control byte but tab.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_common.h"
#include "ucs2.h"

#define TERMINATED(a) (memchr((a), 0, sizeof(a)) != NULL)

static void check_strings(const struct config *c)
{
	CHECK(c->nentries <= CONFIG_MAX_ENTRIES, "%zu entries", c->nentries);
	for (size_t i = 0; i < c->nentries; i++) {
		const struct config_entry *e = &c->entries[i];
		CHECK(TERMINATED(e->title) && TERMINATED(e->path) && TERMINATED(e->cmdline) &&
		      TERMINATED(e->protocol),
		      "entry %zu: a string is not NUL-terminated", i);
		CHECK(e->ninitrds <= CONFIG_MAX_INITRDS &&
		      e->ninitrd_sha256 <= CONFIG_MAX_INITRDS,
		      "entry %zu: %zu initrds, %zu initrd hashes", i, e->ninitrds,
		      e->ninitrd_sha256);
		for (size_t r = 0; r < e->ninitrds; r++)
			CHECK(TERMINATED(e->initrds[r].path),
			      "entry %zu initrd %zu: the path is not NUL-terminated", i, r);
		CHECK(e->nmodules <= CONFIG_MAX_MODULES &&
		      e->nmodule_sha256 <= CONFIG_MAX_MODULES,
		      "entry %zu: %zu modules, %zu module hashes", i, e->nmodules,
		      e->nmodule_sha256);
		for (size_t m = 0; m < e->nmodules; m++)
			CHECK(TERMINATED(e->modules[m].path) && TERMINATED(e->modules[m].string),
			      "entry %zu module %zu: a string is not NUL-terminated", i, m);
	}
}

/* Every path the parser accepts is one the loader can open as written. */
static void check_path(const char *path, size_t i, const char *what)
{
	uint16_t w[CONFIG_EFI_PATH_UNITS];

	CHECK(config_efi_path(path, w, NULL),
	      "entry %zu: %s '%s' was accepted but is no EFI path", i, what, path);
}

static void check_paths(const struct config *c)
{
	for (size_t i = 0; i < c->nentries; i++) {
		const struct config_entry *e = &c->entries[i];
		check_path(e->path, i, "path");
		for (size_t r = 0; r < e->ninitrds; r++)
			check_path(e->initrds[r].path, i, "initrd");
		for (size_t m = 0; m < e->nmodules; m++)
			check_path(e->modules[m].path, i, "module");
	}
}

/* The documented syntax of a protocol name, written independently of
 * config.c: 1..15 of a-z, 0-9 and '-'. */
static bool protocol_name_ok(const char *p)
{
	size_t n = strlen(p);

	if (n < 1 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-", p[i]))
			return false;
	return true;
}

/* No control byte but tab: 0x00..0x1f and 0x7f are refused in values. */
static void check_no_controls(const char *s, size_t i, const char *what)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		CHECK((*p >= 0x20 && *p != 0x7f) || *p == '\t',
		      "entry %zu: %s holds control byte 0x%02x", i, what, *p);
}

static void check_ok(const struct config *c)
{
	/* Without entries, or with a default past them, only with BLS on: the
	 * loader checks the merged menu (config_check_menu). */
	CHECK(!c->bls_off || c->nentries >= 1, "success without entries (bls = no)");
	CHECK(!c->bls_off || c->default_entry < c->nentries, "default %zu of %zu",
	      c->default_entry, c->nentries);
	CHECK(c->default_entry < CONFIG_MAX_ENTRIES, "default %zu", c->default_entry);
	CHECK(c->default_set ? c->default_line >= 1 : c->default_entry == 0,
	      "default_set %d line %u entry %zu", c->default_set, c->default_line,
	      c->default_entry);
	struct rw_err e = { "" };
	CHECK(!config_check_menu(c, &e) ==
		      (c->nentries >= 1 && c->default_entry < c->nentries),
	      "config_check_menu: %s", e.msg);
	CHECK(c->timeout <= 3600, "timeout %u", c->timeout);
	CHECK(c->fragment == 0 || (c->fragment >= 4096 && c->fragment <= (UINT64_C(1) << 40)),
	      "fragment %" PRIu64, c->fragment);
	for (size_t i = 0; i < c->nentries; i++) {
		const struct config_entry *e = &c->entries[i];
		CHECK(e->kind == CONFIG_KERNEL || e->kind == CONFIG_VERIFY || e->kind == CONFIG_EFI,
		      "entry %zu: kind %d", i, (int)e->kind);
		CHECK(e->nmodule_sha256 <= e->nmodules, "entry %zu: more hashes than modules", i);
		CHECK(e->ninitrd_sha256 <= e->ninitrds, "entry %zu: more hashes than initrds", i);
		CHECK(e->kind == CONFIG_EFI || e->ninitrds == 0, "entry %zu: initrds on a %s entry",
		      i, config_kind_name(e->kind));
		for (size_t r = 0; r < e->ninitrds; r++)
			CHECK(e->initrds[r].has_sha256 == (r < e->ninitrd_sha256),
			      "entry %zu: initrd %zu pinned %d with %zu pins", i, r,
			      e->initrds[r].has_sha256, e->ninitrd_sha256);
		CHECK(!e->protocol[0] || (e->kind == CONFIG_KERNEL && protocol_name_ok(e->protocol)),
		      "entry %zu (%s): protocol '%s'", i, config_kind_name(e->kind), e->protocol);
		CHECK(!strcmp(config_protocol_name(e), e->protocol[0] ? e->protocol : "runway"),
		      "entry %zu: config_protocol_name '%s'", i, config_protocol_name(e));
		CHECK(e->title[0] || !e->path[0], "entry %zu: no title", i);
		check_no_controls(e->title, i, "title");
		check_no_controls(e->cmdline, i, "cmdline");
		for (size_t m = 0; m < e->nmodules; m++)
			check_no_controls(e->modules[m].string, i, "module string");
	}
}

static void hex(char *out, const uint8_t h[32])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}


static bool same_entry(const struct config_entry *a, const struct config_entry *b)
{
	if (strcmp(a->title, b->title) || a->kind != b->kind || strcmp(a->path, b->path) ||
	    strcmp(a->protocol, b->protocol) ||
	    strcmp(a->cmdline, b->cmdline) ||
	    a->ninitrds != b->ninitrds || a->ninitrd_sha256 != b->ninitrd_sha256 ||
	    a->has_sha256 != b->has_sha256 ||
	    (a->has_sha256 && memcmp(a->sha256, b->sha256, 32)) || a->kaslr != b->kaslr ||
	    a->nmodules != b->nmodules || a->nmodule_sha256 != b->nmodule_sha256)
		return false;
	for (size_t m = 0; m < a->nmodules; m++) {
		const struct config_module *x = &a->modules[m], *y = &b->modules[m];
		if (strcmp(x->path, y->path) || strcmp(x->string, y->string) ||
		    x->has_sha256 != y->has_sha256 ||
		    (x->has_sha256 && memcmp(x->sha256, y->sha256, 32)))
			return false;
	}
	for (size_t r = 0; r < a->ninitrds; r++) {
		const struct config_initrd *x = &a->initrds[r], *y = &b->initrds[r];
		if (strcmp(x->path, y->path) || x->has_sha256 != y->has_sha256 ||
		    (x->has_sha256 && memcmp(x->sha256, y->sha256, 32)))
			return false;
	}
	return true;
}

/* Write c back as text, parse it, compare. */
static void round_trip(const struct config *c)
{
	static char text[1 << 18];
	static struct config got;
	const size_t cap = sizeof text;
	size_t n = 0;
	char h[65];

	n = fuzz_put(text, cap, n, "# round trip\ntimeout = %u\n", c->timeout);
	if (c->default_set)
		n = fuzz_put(text, cap, n, "default = %zu\n", c->default_entry + 1);
	if (c->claim_per_page)
		n = fuzz_put(text, cap, n, "claim-per-page = yes\n");
	if (c->bls_off)
		n = fuzz_put(text, cap, n, "bls = no\n");
	n = fuzz_put(text, cap, n, "exit-after = %s\nrun-all = %s\nmap-dump = %s\n",
		c->exit_after ? "yes" : "no", c->run_all ? "true" : "false",
		c->map_dump ? "1" : "0");
	if (c->fragment)
		n = fuzz_put(text, cap, n, "fragment = %" PRIu64 "\n", c->fragment);
	for (size_t i = 0; i < c->nentries; i++) {
		const struct config_entry *e = &c->entries[i];
		/* a title taken from the path is written empty, to be taken
		 * from the path again (it may end in a blank) */
		char derived[CONFIG_TITLE_MAX];
		snprintf(derived, sizeof derived, "%s", e->path);
		n = fuzz_put(text, cap, n, "entry = %s\n", strcmp(e->title, derived) ? e->title : "");
		/* the check of protocol against the kind must not depend on
		 * which line comes first */
		if (e->protocol[0] && i % 2)
			n = fuzz_put(text, cap, n, "protocol = %s\n", e->protocol);
		n = fuzz_put(text, cap, n, "%s = %s\ncmdline = %s\nkaslr = %s\n",
			config_kind_name(e->kind), e->path, e->cmdline, e->kaslr ? "yes" : "no");
		if (e->protocol[0] && i % 2 == 0)
			n = fuzz_put(text, cap, n, "protocol = %s\n", e->protocol);
		/* each pin under its initrd: the Nth pins the Nth */
		for (size_t r = 0; r < e->ninitrds; r++) {
			n = fuzz_put(text, cap, n, "initrd = %s\n", e->initrds[r].path);
			if (e->initrds[r].has_sha256) {
				hex(h, e->initrds[r].sha256);
				n = fuzz_put(text, cap, n, "initrd-sha256 = %s\n", h);
			}
		}
		if (e->has_sha256) {
			hex(h, e->sha256);
			n = fuzz_put(text, cap, n, "sha256 = %s\n", h);
		}
		for (size_t m = 0; m < e->nmodules; m++)
			n = fuzz_put(text, cap, n, "module = %s%s%s\n", e->modules[m].path,
				e->modules[m].string[0] ? " " : "", e->modules[m].string);
		for (size_t m = 0; m < e->nmodule_sha256; m++) {
			hex(h, e->modules[m].sha256);
			n = fuzz_put(text, cap, n, "module-sha256 = %s\n", h);
		}
	}
	struct rw_err err = { "" };
	int rc = config_parse(text, n, &got, &err);
	CHECK(rc == 0, "round trip failed: %s\n%s", err.msg, text);
	bool same = got.timeout == c->timeout && got.default_entry == c->default_entry &&
		    got.exit_after == c->exit_after && got.run_all == c->run_all &&
		    got.map_dump == c->map_dump && got.fragment == c->fragment &&
		    got.claim_per_page == c->claim_per_page && got.bls_off == c->bls_off &&
		    got.default_set == c->default_set && got.nentries == c->nentries;
	for (size_t i = 0; same && i < c->nentries; i++)
		same = same_entry(&got.entries[i], &c->entries[i]);
	CHECK(same, "round trip differs:\n%s", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/*
	 * libFuzzer hands every input over in a heap copy of exactly its
	 * size (ExecuteCallback's DataCopy, there so that overflows show),
	 * so ASan sees any read past the end of data itself: a second copy
	 * here cost a malloc, a memcpy and a free per input for nothing.
	 */
	const char *text = (const char *)data;

	static struct config cfg; /* large (380 KiB): not on the stack */
	static size_t dirty = CONFIG_MAX_ENTRIES; /* entries the last parse wrote */
	struct rw_err err;
	/*
	 * Junk where config_parse must write: the fields before the entries
	 * and every entry a parse may have left non-zero (all of them the
	 * first time).  Filling all 380 KiB for every input was a third of
	 * the target's time.  The parser clears the fields before the
	 * entries and each entry as it starts it, which this junk checks.
	 */
	memset(&cfg, 0x5a, offsetof(struct config, entries) +
				   dirty * sizeof cfg.entries[0]);
	memset(&err, 0xff, sizeof err);
	int rc = config_parse(text, size, &cfg, &err);
	dirty = cfg.nentries < CONFIG_MAX_ENTRIES ? cfg.nentries + 1 : CONFIG_MAX_ENTRIES;
	check_strings(&cfg);
	if (rc == 0) {
		check_ok(&cfg);
		check_paths(&cfg);
		/* A NUL inside a value is refused, so nothing was cut short:
		 * the round trip holds for every text accepted. */
		round_trip(&cfg);
	} else {
		CHECK(rc == -1, "config_parse returned %d", rc);
		CHECK(memchr(err.msg, 0, sizeof err.msg), "error message not NUL-terminated");
		CHECK(err.msg[0], "empty error message");
	}
	return 0;
}
