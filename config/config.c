/*
 * config.c - parse runway.conf into a struct config (the syntax is in
 * docs/CONFIG.md).
 *
 * Three stages: split_line() cuts a line into a trimmed key and value,
 * apply_key() hands the pair to a global key, a new entry or the current
 * entry, and entry_check() applies the rules that need a whole entry
 * (which keys go with which kind: an entry's keys may come in any order)
 * when the next entry starts or the file ends.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "sha256.h"
#include "ucs2.h"

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

/* The index of the first c in s[0..n), or n.  memchr, not a byte loop:
 * every line is scanned for its end, and in the fuzzers a byte loop's two
 * comparisons a byte were traced one call each (most of a parse). */
static size_t find(const char *s, size_t n, char c)
{
	const char *p = memchr(s, c, n);

	return p ? (size_t)(p - s) : n;
}

/* rw_fail with "runway.conf:LINE: " before f's text: the prefix once,
 * here, rather than in two dozen format strings. */
static int conf_fail(struct rw_err *err, unsigned line, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static int conf_fail(struct rw_err *err, unsigned line, const char *f, ...)
{
	if (err) {
		size_t n = fmt(err->msg, sizeof err->msg, "runway.conf:%u: ", line);
		va_list ap;

		va_start(ap, f);
		fmt_v(err->msg + n, sizeof err->msg - n, f, ap);
		va_end(ap);
	}
	return -1;
}

static int fail_value(struct rw_err *err, const struct value *v,
		      const char *want)
{
	return conf_fail(err, v->line, "'%s' must be %s, not '%.*s'",
		         v->key, want, (int)(v->n > 40 ? 40 : v->n), v->s);
}

static int set_string(char *dst, size_t cap, const struct value *v,
		      struct rw_err *err)
{
	if (v->n >= cap)
		return conf_fail(err, v->line, "value of '%s' is %zu bytes, longer than %zu",
			         v->key, v->n, cap - 1);
	memcpy(dst, v->s, v->n);
	dst[v->n] = '\0';
	return 0;
}

bool config_efi_path(const char *path, uint16_t out[CONFIG_EFI_PATH_UNITS],
		     struct rw_err *err)
{
	/* Bytes, not units: "//a" converts to fewer units than it has bytes,
	 * and a path longer than the parser takes never reaches a file.
	 * memchr stops at the NUL (C11 7.24.5.1), so a shorter buffer is
	 * never read past it. */
	const char *nul = memchr(path, 0, CONFIG_PATH_MAX);
	size_t n = nul ? (size_t)(nul - path) : CONFIG_PATH_MAX;

	if (n == CONFIG_PATH_MAX) {
		if (err)
			rw_fail(err, "%zu bytes or more, longer than %d", n, CONFIG_PATH_MAX - 1);
		return false;
	}
	return ucs2_path_from_config(path, out, CONFIG_EFI_PATH_UNITS, err);
}

/* A file path: it must be one the firmware can open as written (lib/ucs2.c
 * says what that is), so that the loader never opens another file. */
static int set_path(char *dst, size_t cap, const struct value *v,
		    struct rw_err *err)
{
	uint16_t wpath[CONFIG_EFI_PATH_UNITS];
	struct rw_err why;

	if (v->n == 0)
		return fail_value(err, v, "a path");
	if (set_string(dst, cap, v, err))
		return -1;
	if (!config_efi_path(dst, wpath, &why))
		return conf_fail(err, v->line, "'%s' path '%s': %s",
			         v->key, dst, why.msg);
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

/* A decimal number with an optional K, M, G or T suffix (powers of 2). */
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

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* 64 hex digits; a wrong length is named (a pasted `sha256sum` line with
 * its file name is the usual one), else the first bad digit. */
static int set_hash(uint8_t out[32], const struct value *v, struct rw_err *err)
{
	if (v->n != 64)
		return conf_fail(err, v->line, "'%s' must be 64 hexadecimal digits, not %zu ('%.*s')",
			         v->key, v->n,
			         (int)(v->n > 40 ? 40 : v->n), v->s);
	for (size_t i = 0; i < v->n; i++)
		if (!is_hex(v->s[i]))
			return conf_fail(err, v->line, "'%s' must be 64 hexadecimal digits: '%c' at position %zu is not one",
				         v->key, v->s[i], i + 1);
	if (sha256_parse_hex(v->s, v->n, out))
		return fail_value(err, v, "64 hexadecimal digits");
	return 0;
}

/* `module = PATH [STRING]` */
static int add_module(struct config_entry *e, const struct value *v,
		      struct rw_err *err)
{
	if (e->nmodules == CONFIG_MAX_MODULES)
		return conf_fail(err, v->line, "more than %d modules in entry '%s'",
			         CONFIG_MAX_MODULES, e->title);
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
	if (set_path(m->path, sizeof m->path, &path, err) ||
	    set_string(m->string, sizeof m->string, &str, err))
		return -1;
	e->nmodules++;
	return 0;
}

static int set_module_hash(struct config_entry *e, const struct value *v,
			   struct rw_err *err)
{
	if (e->nmodule_sha256 == CONFIG_MAX_MODULES)
		return conf_fail(err, v->line, "more than %d module-sha256 lines",
			         CONFIG_MAX_MODULES);
	struct config_module *m = &e->modules[e->nmodule_sha256];
	if (set_hash(m->sha256, v, err))
		return -1;
	m->has_sha256 = true;
	e->nmodule_sha256++;
	return 0;
}

static bool is_protocol_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * `protocol = NAME`: checks the name's syntax only.  Which names exist is
 * the loader's business (its table of protocols), so that a new protocol
 * needs no change here; whether the entry's kind takes a protocol is
 * entry_check()'s, since `kernel =` may come after this line.
 */
static int set_protocol(struct config_entry *e, const struct value *v,
			struct rw_err *err)
{
	if (e->protocol[0])
		return conf_fail(err, v->line, "a second 'protocol' in one entry (the first was '%s')",
			         e->protocol);
	bool ok = v->n >= 1 && v->n < CONFIG_PROTOCOL_MAX;
	for (size_t i = 0; ok && i < v->n; i++)
		ok = is_protocol_char(v->s[i]);
	if (!ok)
		return conf_fail(err, v->line, "'protocol' must be a name of 1 to %d lowercase letters, digits or '-', not '%.*s'",
			         CONFIG_PROTOCOL_MAX - 1,
			         (int)(v->n > 40 ? 40 : v->n), v->s);
	return set_string(e->protocol, sizeof e->protocol, v, err);
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

const char *config_protocol_name(const struct config_entry *e)
{
	return e->protocol[0] ? e->protocol : CONFIG_PROTOCOL_DEFAULT;
}

/* Start a new entry at line: the entry, or NULL with err set. */
static struct config_entry *new_entry(struct config *cfg, unsigned line,
				      struct rw_err *err)
{
	if (cfg->nentries == CONFIG_MAX_ENTRIES) {
		conf_fail(err, line, "more than %d entries",
			  CONFIG_MAX_ENTRIES);
		return NULL;
	}
	struct config_entry *e = &cfg->entries[cfg->nentries++];
	memset(e, 0, sizeof *e);
	e->kaslr = true;
	e->line = line;
	return e;
}

/*
 * Is the entry complete, with only the keys its kind takes?  Gives an
 * untitled entry its path as title (first, so that messages name it).
 * Errors name the entry's first line: the keys may come in any order.
 */
static int entry_check(struct config_entry *e, struct rw_err *err)
{
	if (!e->kind)
		return conf_fail(err, e->line, "entry '%s' has no 'kernel', 'verify' or 'efi'",
			         e->title);
	if (!e->title[0])
		fmt(e->title, sizeof e->title, "%s", e->path);
	if (e->kind != CONFIG_KERNEL && e->protocol[0])
		return conf_fail(err, e->line, "entry '%s': 'protocol' is for kernel entries (%s)",
			         e->title, e->kind == CONFIG_EFI ?
			         "an efi program is chainloaded and starts itself" :
			         "a verify entry is never handed over");
	if (e->kind == CONFIG_EFI && e->nmodules)
		return conf_fail(err, e->line, "entry '%s': 'module' is for kernel entries (an efi entry takes 'initrd' lines)",
			         e->title);
	if (e->ninitrd_sha256 > e->ninitrds)
		return conf_fail(err, e->line, "entry '%s' pins an initrd it does not have (%zu initrd-sha256 lines for %zu initrds)",
			         e->title, e->ninitrd_sha256, e->ninitrds);
	if (e->kind != CONFIG_EFI && e->ninitrds)
		return conf_fail(err, e->line, "entry '%s': 'initrd' is for efi entries (a kernel takes 'module' lines)",
			         e->title);
	if (e->nmodule_sha256 > e->nmodules)
		return conf_fail(err, e->line, "entry '%s' has %zu module-sha256 lines for %zu modules",
			         e->title, e->nmodule_sha256, e->nmodules);
	return 0;
}

/* `kernel`, `verify` or `efi = PATH`: one of them per entry. */
static int set_kind(struct config_entry *e, enum config_kind kind,
		    const struct value *v, struct rw_err *err)
{
	if (e->kind)
		return conf_fail(err, v->line, "entry '%s' already has a '%s'",
			         e->title, config_kind_name(e->kind));
	e->kind = kind;
	return set_path(e->path, sizeof e->path, v, err);
}

/* `initrd = PATH`, repeatable: the loader concatenates them in order. */
static int add_initrd(struct config_entry *e, const struct value *v,
		      struct rw_err *err)
{
	if (e->ninitrds == CONFIG_MAX_INITRDS)
		return conf_fail(err, v->line, "more than %d initrds in entry '%s'",
			         CONFIG_MAX_INITRDS, e->title);
	struct config_initrd *r = &e->initrds[e->ninitrds];
	if (set_path(r->path, sizeof r->path, v, err))
		return -1;
	e->ninitrds++;
	return 0;
}

/*
 * `initrd-sha256 = HEX`: the Nth such line pins the Nth initrd, as
 * module-sha256 does for modules.  Written right after its `initrd`, each
 * pins the initrd above it; one line more than there are initrds is an
 * error of the entry (entry_check), since the keys may come in any order.
 */
static int set_initrd_hash(struct config_entry *e, const struct value *v,
			   struct rw_err *err)
{
	if (e->ninitrd_sha256 == CONFIG_MAX_INITRDS)
		return conf_fail(err, v->line, "more than %d initrd-sha256 lines",
			         CONFIG_MAX_INITRDS);
	struct config_initrd *r = &e->initrds[e->ninitrd_sha256];
	if (set_hash(r->sha256, v, err))
		return -1;
	r->has_sha256 = true;
	e->ninitrd_sha256++;
	return 0;
}

static int entry_key(struct config_entry *e, const struct value *k,
		     const struct value *v, struct rw_err *err)
{
	if (equals(k, "kernel"))
		return set_kind(e, CONFIG_KERNEL, v, err);
	if (equals(k, "verify"))
		return set_kind(e, CONFIG_VERIFY, v, err);
	if (equals(k, "efi"))
		return set_kind(e, CONFIG_EFI, v, err);
	if (equals(k, "protocol"))
		return set_protocol(e, v, err);
	if (equals(k, "cmdline"))
		return set_string(e->cmdline, sizeof e->cmdline, v, err);
	if (equals(k, "initrd"))
		return add_initrd(e, v, err);
	if (equals(k, "module"))
		return add_module(e, v, err);
	if (equals(k, "sha256")) {
		e->has_sha256 = true;
		return set_hash(e->sha256, v, err);
	}
	if (equals(k, "initrd-sha256"))
		return set_initrd_hash(e, v, err);
	if (equals(k, "module-sha256"))
		return set_module_hash(e, v, err);
	if (equals(k, "kaslr"))
		return set_bool(&e->kaslr, v, err);
	return conf_fail(err, v->line, "unknown key '%s'", v->key);
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
		cfg->timeout_set = true;
		return 0;
	}
	if (equals(k, "default")) {
		if (parse_size(v, false, &n) || n == 0 || n > CONFIG_MAX_ENTRIES)
			return fail_value(err, v, "an entry number from 1");
		cfg->default_entry = (size_t)n - 1;
		cfg->default_set = true;
		cfg->default_line = v->line;
		return 0;
	}
	if (equals(k, "exit-after"))
		return set_bool(&cfg->exit_after, v, err);
	if (equals(k, "quiet"))
		return set_bool(&cfg->quiet, v, err);
	if (equals(k, "run-all"))
		return set_bool(&cfg->run_all, v, err);
	if (equals(k, "map-dump"))
		return set_bool(&cfg->map_dump, v, err);
	if (equals(k, "claim-per-page"))
		return set_bool(&cfg->claim_per_page, v, err);
	if (equals(k, "bls")) {
		bool on = true;
		if (set_bool(&on, v, err))
			return -1;
		cfg->bls_off = !on;
		return 0;
	}
	if (equals(k, "fragment")) {
		if (parse_size(v, true, &cfg->fragment) || cfg->fragment < 4096 ||
		    cfg->fragment > (1ull << 40))
			return fail_value(err, v, "a size of at least 4K and at most 1T, such as 64K or 2M");
		return 0;
	}
	*ret_handled = false;
	return 0;
}

/*
 * No control byte in s[a..b) but tab: a NUL would cut a value short where
 * C strings are used (`kernel = /boot/k.elf<NUL>.evil` would open
 * /boot/k.elf), and escape sequences have no business in a title or a
 * command line.  DEL counts as a control byte; UTF-8 does not.
 */
#define BYTES(x) (0x0101010101010101ull * (x))

/*
 * Might the 8 bytes in w hold a control byte?  Exact for "none": a byte
 * below 0x20 borrows into its top bit when 0x20 is taken from it, one of
 * 0x7f becomes zero when xored with 0x7f and borrows the same way, and
 * bytes of 0x80 or more are masked out by ~w.  Tab is a control byte
 * here too; check_bytes looks at such a word byte by byte.
 */
static bool word_has_control(uint64_t w)
{
	uint64_t del = w ^ BYTES(0x7f);

	return (((w - BYTES(0x20)) & ~w) | ((del - BYTES(0x01)) & ~del)) & BYTES(0x80);
}

static int check_bytes(const char *s, size_t a, size_t b, unsigned line,
		       struct rw_err *err)
{
	/* Eight bytes at a time while none is a control byte or a tab: the
	 * usual text, and every line of a file up to 1 MiB goes through
	 * here (in the fuzzers each byte's comparisons were traced). */
	for (uint64_t w; b - a >= 8; a += 8) {
		__builtin_memcpy(&w, s + a, 8); /* a load, even with -fno-builtin */
		if (word_has_control(w))
			break;
	}
	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return conf_fail(err, line, "control byte 0x%02x at column %zu (tab is the only one allowed)",
				         c, i + 1);
	}
	return 0;
}

/*
 * Line number `line`, s[0..n) without its '\n': blanks around the line,
 * the key and the value are trimmed.  Returns 1 with *ret_k and *ret_v
 * set, 0 for a blank line or a comment, -1 for a line without '='.
 */
static int split_line(const char *s, size_t n, unsigned line,
		      struct value *ret_k, struct value *ret_v,
		      struct rw_err *err)
{
	size_t a = 0, b = n;

	while (a < b && is_space(s[a]))
		a++;
	while (b > a && is_space(s[b - 1]))
		b--;
	if (a == b || s[a] == '#')
		return 0;
	if (check_bytes(s, a, b, line, err))
		return -1;
	size_t ke = a + find(s + a, b - a, '='), vs = ke + 1;
	if (ke == b) {
		/* -1 written here: the analyzer does not follow conf_fail's
		 * va_list, and would take a line without '=' for a key. */
		conf_fail(err, line, "expected 'key = value', got '%.*s'",
			  (int)(b - a > 60 ? 60 : b - a), s + a);
		return -1;
	}
	while (ke > a && is_space(s[ke - 1]))
		ke--;
	while (vs < b && is_space(s[vs]))
		vs++;
	struct value k = { s + a, ke - a, line, "" };
	struct value v = { s + vs, b - vs, line, "" };
	/* The key for messages, cut to 31 bytes: a copy, not fmt's "%.*s"
	 * (this runs for every line). */
	size_t kn = k.n < sizeof k.key - 1 ? k.n : sizeof k.key - 1;
	memcpy(k.key, k.s, kn);
	k.key[kn] = '\0';
	memcpy(v.key, k.key, sizeof v.key);
	*ret_k = k;
	*ret_v = v;
	return 1;
}

/* What config_parse keeps between lines. */
struct parser {
	struct config *cfg;
	struct config_entry *cur; /* the entry keys go to; NULL before one */
	unsigned seen;            /* single_keys given in cur, one bit each */
};

/* Entry keys that take one value: a second line in one entry is an error
 * (it would silently override the first), as for kernel/verify/efi and
 * protocol, which check it themselves. */
static const char single_keys[][sizeof "cmdline"] = { "cmdline", "sha256", "kaslr" };

static int check_once(struct parser *p, const struct value *k,
		      const struct value *v, struct rw_err *err)
{
	for (unsigned i = 0; i < sizeof single_keys / sizeof single_keys[0]; i++) {
		if (!equals(k, single_keys[i]))
			continue;
		if (p->seen & (1u << i))
			return conf_fail(err, v->line, "the entry of line %u already has a '%s' (one an entry)",
				         p->cur->line, single_keys[i]);
		p->seen |= 1u << i;
	}
	return 0;
}

/* Start a new entry at v's line: the last one must be complete. */
static int open_entry(struct parser *p, const struct value *v,
		      struct rw_err *err)
{
	if (p->cur && entry_check(p->cur, err))
		return -1;
	p->cur = new_entry(p->cfg, v->line, err);
	p->seen = 0;
	return p->cur ? 0 : -1;
}

/*
 * One `key = value`: a global key (allowed anywhere), `entry =` (which
 * closes the current entry), or a key of the current entry; entry keys
 * before the first `entry =` line open an implicit entry.
 */
static int apply_key(struct parser *p, const struct value *k,
		     const struct value *v, struct rw_err *err)
{
	bool handled;

	if (global_key(p->cfg, k, v, &handled, err))
		return -1;
	if (handled)
		return 0;
	if (equals(k, "entry")) {
		if (open_entry(p, v, err))
			return -1;
		return set_string(p->cur->title, sizeof p->cur->title, v, err);
	}
	if (!p->cur && open_entry(p, v, err))
		return -1;
	if (check_once(p, k, v, err))
		return -1;
	return entry_key(p->cur, k, v, err);
}

/* The rules for the whole file, once every line is read. */
static int finish(struct config *cfg, struct config_entry *cur,
		  struct rw_err *err)
{
	if (cur && entry_check(cur, err))
		return -1;
	/* With BLS on, a file of global keys alone may tune a menu of BLS
	 * entries: the loader checks the merged menu instead. */
	return cfg->bls_off ? config_check_menu(cfg, err) : 0;
}

int config_check_menu(const struct config *cfg, struct rw_err *err)
{
	if (cfg->nentries == 0)
		return rw_fail(err, "runway.conf: no entries: add 'kernel = PATH' (looked in runway.conf%s)",
			       cfg->bls_off ? " only: bls = no" : ", /loader/entries, /EFI/Linux");
	if (cfg->default_entry >= cfg->nentries)
		return conf_fail(err, cfg->default_line, "default = %zu, but there are only %zu entries%s",
			         cfg->default_entry + 1, cfg->nentries,
			         cfg->bls_off ? "" : " (runway.conf's, then /loader/entries', then /EFI/Linux's)");
	return 0;
}

int config_check_size(uint64_t size, struct rw_err *err)
{
	if (size > CONFIG_FILE_MAX)
		return rw_fail(err, "runway.conf: %" PRIu64 " bytes, over the limit of %" PRIu64 " bytes (1 MiB)",
			       size, (uint64_t)CONFIG_FILE_MAX);
	return 0;
}

int config_parse(const char *text, size_t len, struct config *cfg,
		 struct rw_err *err)
{
	struct parser p = { .cfg = cfg };
	unsigned line = 0;
	size_t i = 0;

	/* All but the entries (~400 KiB, each cleared by new_entry as it
	 * starts): clearing them all was most of a short config's parse. */
	_Static_assert(offsetof(struct config, entries) + sizeof cfg->entries == sizeof *cfg,
		       "struct config: the entries must come last");
	memset(cfg, 0, offsetof(struct config, entries));
	cfg->timeout = 5;
	/* A UTF-8 byte order mark is harmless: skip it. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len) {
		size_t n = find(text + i, len - i, '\n');
		struct value k = { 0 }, v = { 0 };
		int r = split_line(text + i, n, ++line, &k, &v, err);
		if (r < 0 || (r > 0 && apply_key(&p, &k, &v, err)))
			return -1;
		i += n + 1;
	}
	return finish(cfg, p.cur, err);
}
