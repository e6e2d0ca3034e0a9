/*
 * config.c - parse runway.conf (see include/config.h for the syntax).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "sha256.h"

struct value {
	const char *s;
	size_t n;
	unsigned line;
	char key[32];
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int fail_value(struct rw_err *err, const struct value *v,
		      const char *want)
{
	return rw_fail(err, "runway.conf:%u: '%s' must be %s, not '%.*s'",
		       v->line, v->key, want, (int)(v->n > 40 ? 40 : v->n), v->s);
}

static int set_string(char *dst, size_t cap, const struct value *v,
		      struct rw_err *err)
{
	if (v->n >= cap)
		return rw_fail(err, "runway.conf:%u: value of '%s' is %zu bytes, longer than %zu",
			       v->line, v->key, v->n, cap - 1);
	memcpy(dst, v->s, v->n);
	dst[v->n] = '\0';
	return 0;
}

static bool equals(const struct value *v, const char *word)
{
	return strlen(word) == v->n && !memcmp(v->s, word, v->n);
}

static int set_bool(bool *dst, const struct value *v, struct rw_err *err)
{
	if (equals(v, "yes") || equals(v, "true") || equals(v, "1")) {
		*dst = true;
		return 0;
	}
	if (equals(v, "no") || equals(v, "false") || equals(v, "0")) {
		*dst = false;
		return 0;
	}
	return fail_value(err, v, "yes or no");
}

/* A decimal number with an optional K, M or G suffix (powers of 2). */
static int parse_size(const struct value *v, bool suffix, uint64_t *ret)
{
	uint64_t x = 0;
	size_t i = 0;
	unsigned shift = 0;

	while (i < v->n && v->s[i] >= '0' && v->s[i] <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v->s[i++] - '0');
	}
	if (i == 0)
		return -1;
	if (suffix && i < v->n) {
		switch (v->s[i++]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		case 'T': case 't': shift = 40; break;
		default: return -1;
		}
	}
	if (i != v->n || x > (UINT64_MAX >> shift))
		return -1;
	*ret = x << shift;
	return 0;
}

static int set_hash(uint8_t out[32], const struct value *v, struct rw_err *err)
{
	if (sha256_parse_hex(v->s, v->n, out))
		return fail_value(err, v, "64 hexadecimal digits");
	return 0;
}

/* `module = PATH [STRING]` */
static int add_module(struct config_entry *e, const struct value *v,
		      struct rw_err *err)
{
	if (e->nmodules == CONFIG_MAX_MODULES)
		return rw_fail(err, "runway.conf:%u: more than %d modules in entry '%s'",
			       v->line, CONFIG_MAX_MODULES, e->title);
	struct config_module *m = &e->modules[e->nmodules];
	size_t p = 0;
	while (p < v->n && !is_space(v->s[p]))
		p++;
	struct value path = *v, str = *v;
	path.n = p;
	while (p < v->n && is_space(v->s[p]))
		p++;
	str.s = v->s + p;
	str.n = v->n - p;
	if (path.n == 0)
		return fail_value(err, v, "a path");
	if (set_string(m->path, sizeof m->path, &path, err) ||
	    set_string(m->string, sizeof m->string, &str, err))
		return -1;
	e->nmodules++;
	return 0;
}

static int set_module_hash(struct config_entry *e, const struct value *v,
			   struct rw_err *err)
{
	if (e->nmodule_sha256 == CONFIG_MAX_MODULES)
		return rw_fail(err, "runway.conf:%u: more than %d module-sha256 lines",
			       v->line, CONFIG_MAX_MODULES);
	struct config_module *m = &e->modules[e->nmodule_sha256];
	if (set_hash(m->sha256, v, err))
		return -1;
	m->has_sha256 = true;
	e->nmodule_sha256++;
	return 0;
}

const char *config_kind_name(enum config_kind kind)
{
	switch (kind) {
	case CONFIG_KERNEL: return "kernel";
	case CONFIG_VERIFY: return "verify";
	case CONFIG_EFI: return "efi";
	}
	return "?";
}

static void entry_init(struct config_entry *e, unsigned line)
{
	memset(e, 0, sizeof *e);
	e->kaslr = true;
	e->line = line;
}

/* Is the entry complete?  Fills in a title from the path if it has none. */
static int entry_check(struct config_entry *e, struct rw_err *err)
{
	if (!e->kind)
		return rw_fail(err, "runway.conf:%u: entry '%s' has no 'kernel', 'verify' or 'efi'",
			       e->line, e->title);
	if (e->kind == CONFIG_EFI && e->nmodules)
		return rw_fail(err, "runway.conf:%u: entry '%s': 'module' is for kernel entries (an efi entry takes one 'initrd')",
			       e->line, e->title);
	if (e->has_initrd_sha256 && !e->initrd[0])
		return rw_fail(err, "runway.conf:%u: entry '%s' pins an initrd it does not have",
			       e->line, e->title);
	if (e->kind != CONFIG_EFI && e->initrd[0])
		return rw_fail(err, "runway.conf:%u: entry '%s': 'initrd' is for efi entries (a kernel takes 'module' lines)",
			       e->line, e->title);
	if (e->nmodule_sha256 > e->nmodules)
		return rw_fail(err, "runway.conf:%u: entry '%s' has %zu module-sha256 lines for %zu modules",
			       e->line, e->title, e->nmodule_sha256, e->nmodules);
	if (!e->title[0])
		fmt(e->title, sizeof e->title, "%s", e->path);
	return 0;
}

static int entry_key(struct config *cfg, struct config_entry **cur,
		     const struct value *k, const struct value *v,
		     struct rw_err *err)
{
	if (!*cur) {
		/* Entry keys before any `entry =` line: an implicit entry. */
		if (cfg->nentries == CONFIG_MAX_ENTRIES)
			return rw_fail(err, "runway.conf:%u: more than %d entries",
				       v->line, CONFIG_MAX_ENTRIES);
		*cur = &cfg->entries[cfg->nentries++];
		entry_init(*cur, v->line);
	}
	struct config_entry *e = *cur;
	if (equals(k, "kernel") || equals(k, "verify") || equals(k, "efi")) {
		if (e->kind)
			return rw_fail(err, "runway.conf:%u: entry '%s' already has a '%s'",
				       v->line, e->title, config_kind_name(e->kind));
		e->kind = equals(k, "kernel") ? CONFIG_KERNEL :
			  equals(k, "verify") ? CONFIG_VERIFY : CONFIG_EFI;
		if (v->n == 0)
			return fail_value(err, v, "a path");
		return set_string(e->path, sizeof e->path, v, err);
	}
	if (equals(k, "cmdline"))
		return set_string(e->cmdline, sizeof e->cmdline, v, err);
	if (equals(k, "initrd")) {
		if (e->initrd[0])
			return rw_fail(err, "runway.conf:%u: entry '%s' already has an 'initrd'",
				       v->line, e->title);
		if (v->n == 0)
			return fail_value(err, v, "a path");
		return set_string(e->initrd, sizeof e->initrd, v, err);
	}
	if (equals(k, "module"))
		return add_module(e, v, err);
	if (equals(k, "sha256")) {
		e->has_sha256 = true;
		return set_hash(e->sha256, v, err);
	}
	if (equals(k, "initrd-sha256")) {
		e->has_initrd_sha256 = true;
		return set_hash(e->initrd_sha256, v, err);
	}
	if (equals(k, "module-sha256"))
		return set_module_hash(e, v, err);
	if (equals(k, "kaslr"))
		return set_bool(&e->kaslr, v, err);
	return rw_fail(err, "runway.conf:%u: unknown key '%s'", v->line, v->key);
}

static int global_key(struct config *cfg, const struct value *k,
		      const struct value *v, bool *ret_handled,
		      struct rw_err *err)
{
	uint64_t n;

	*ret_handled = true;
	if (equals(k, "timeout")) {
		if (parse_size(v, false, &n) || n > 3600)
			return fail_value(err, v, "a number of seconds up to 3600");
		cfg->timeout = (unsigned)n;
		return 0;
	}
	if (equals(k, "default")) {
		if (parse_size(v, false, &n) || n == 0 || n > CONFIG_MAX_ENTRIES)
			return fail_value(err, v, "an entry number from 1");
		cfg->default_entry = (size_t)n - 1;
		return 0;
	}
	if (equals(k, "exit-after"))
		return set_bool(&cfg->exit_after, v, err);
	if (equals(k, "run-all"))
		return set_bool(&cfg->run_all, v, err);
	if (equals(k, "map-dump"))
		return set_bool(&cfg->map_dump, v, err);
	if (equals(k, "claim-per-page"))
		return set_bool(&cfg->claim_per_page, v, err);
	if (equals(k, "fragment")) {
		if (parse_size(v, true, &cfg->fragment) || cfg->fragment < 4096 ||
		    cfg->fragment > (1ull << 40))
			return fail_value(err, v, "a size of at least 4K and at most 1T, such as 64K or 2M");
		return 0;
	}
	*ret_handled = false;
	return 0;
}

int config_parse(const char *text, size_t len, struct config *cfg,
		 struct rw_err *err)
{
	struct config_entry *cur = NULL;
	unsigned line = 0;
	size_t i = 0;

	memset(cfg, 0, sizeof *cfg);
	cfg->timeout = 5;
	/* A UTF-8 byte order mark is harmless: skip it. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len) {
		size_t eol = i;
		while (eol < len && text[eol] != '\n')
			eol++;
		line++;
		size_t a = i, b = eol;
		i = eol + 1;
		while (a < b && is_space(text[a]))
			a++;
		while (b > a && is_space(text[b - 1]))
			b--;
		if (a == b || text[a] == '#')
			continue;
		size_t eq = a;
		while (eq < b && text[eq] != '=')
			eq++;
		if (eq == b)
			return rw_fail(err, "runway.conf:%u: expected 'key = value', got '%.*s'",
				       line, (int)(b - a > 60 ? 60 : b - a), text + a);
		size_t ke = eq, vs = eq + 1;
		while (ke > a && is_space(text[ke - 1]))
			ke--;
		while (vs < b && is_space(text[vs]))
			vs++;
		struct value k = { text + a, ke - a, line, "" };
		struct value v = { text + vs, b - vs, line, "" };
		fmt(v.key, sizeof v.key, "%.*s", (int)(k.n > 31 ? 31 : k.n), k.s);
		memcpy(k.key, v.key, sizeof k.key);

		bool handled;
		if (global_key(cfg, &k, &v, &handled, err))
			return -1;
		if (handled)
			continue;
		if (equals(&k, "entry")) {
			if (cur && entry_check(cur, err))
				return -1;
			if (cfg->nentries == CONFIG_MAX_ENTRIES)
				return rw_fail(err, "runway.conf:%u: more than %d entries",
					       line, CONFIG_MAX_ENTRIES);
			cur = &cfg->entries[cfg->nentries++];
			entry_init(cur, line);
			if (set_string(cur->title, sizeof cur->title, &v, err))
				return -1;
			continue;
		}
		if (entry_key(cfg, &cur, &k, &v, err))
			return -1;
	}
	if (cur && entry_check(cur, err))
		return -1;
	if (cfg->nentries == 0)
		return rw_fail(err, "runway.conf: no entries: add 'kernel = PATH'");
	if (cfg->default_entry >= cfg->nentries)
		return rw_fail(err, "runway.conf: default = %zu, but there are only %zu entries",
			       cfg->default_entry + 1, cfg->nentries);
	return 0;
}
