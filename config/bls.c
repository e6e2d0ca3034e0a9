/*
 * bls.c - Boot Loader Specification type #1 entries (/loader/entries/
 * *.conf) and unified kernel images (type #2) as menu entries
 * (include/bls.h).  The order of entries is config/bls_order.c's,
 * loader.conf and os-release are config/bls_conf.c's.
 */
#include "bls.h"

#include <string.h>

#include "bls_lines.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---- lines ---- */

void bls_reader_init(struct bls_reader *r, const char *where,
		     const char *text, size_t len)
{
	r->text = text;
	r->len = len;
	r->where = where;
	r->number = 0;
	/* A UTF-8 byte order mark is harmless: skip it. */
	r->pos = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}

static int check_bytes(const struct bls_reader *r, const char *s, size_t n,
		       struct rw_err *err)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return rw_fail(err, "%s:%u: control byte 0x%02x at column %zu (tab is the only one allowed)",
				       r->where, r->number, c, i + 1);
	}
	return 0;
}

/* s[0..n), a trimmed line with a key: split at the first blank. */
static void split(const char *s, size_t n, struct bls_line *l)
{
	size_t k = 0;

	while (k < n && !is_blank(s[k]))
		k++;
	size_t v = k;
	while (v < n && is_blank(s[v]))
		v++;
	l->key = s;
	l->key_len = k;
	l->value = s + v;
	l->value_len = n - v;
	/* systemd-boot drops one pair of double quotes around a value. */
	if (l->value_len >= 2 && l->value[0] == '"' &&
	    l->value[l->value_len - 1] == '"') {
		l->value++;
		l->value_len -= 2;
	}
}

int bls_next_line(struct bls_reader *r, struct bls_line *l, struct rw_err *err)
{
	while (r->pos < r->len) {
		const char *s = r->text + r->pos;
		size_t rest = r->len - r->pos;
		const char *nl = memchr(s, '\n', rest);
		size_t n = nl ? (size_t)(nl - s) : rest;
		r->pos += nl ? n + 1 : n;
		r->number++;
		/* CRLF line ends are fine; a CR anywhere else is not. */
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (check_bytes(r, s, n, err))
			return -1;
		size_t a = 0, b = n;
		while (a < b && is_blank(s[a]))
			a++;
		while (b > a && is_blank(s[b - 1]))
			b--;
		if (a == b || s[a] == '#')
			continue;
		split(s + a, b - a, l);
		l->number = r->number;
		return 1;
	}
	return 0;
}

bool bls_key_is(const struct bls_line *l, const char *key)
{
	return strlen(key) == l->key_len && !memcmp(l->key, key, l->key_len);
}

bool bls_value_is(const struct bls_line *l, const char *word)
{
	size_t n = strlen(word);

	if (n != l->value_len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(l->value[i]) != lower(word[i]))
			return false;
	return true;
}

/* ---- titles ---- */

/* src[0..n) in dst[0..cap), cut and ending in "..." when it does not fit. */
static void fit_n(char *dst, size_t cap, const char *src, size_t n)
{
	if (cap == 0)
		return;
	memset(dst, 0, cap);
	if (n < cap) {
		memcpy(dst, src, n);
		dst[n] = '\0';
		return;
	}
	size_t keep = cap > 4 ? cap - 4 : cap - 1;
	/* Not in the middle of a UTF-8 sequence. */
	while (keep > 0 && ((unsigned char)src[keep] & 0xc0) == 0x80)
		keep--;
	memcpy(dst, src, keep);
	if (cap > 4) {
		memcpy(dst + keep, "...", 3);
		keep += 3;
	}
	dst[keep] = '\0';
}

void bls_title_fit(char *dst, size_t cap, const char *src)
{
	fit_n(dst, cap, src, strlen(src));
}

/* ---- entry keys ---- */

/* What bls_parse_entry keeps between lines. */
struct entry_parser {
	struct bls_entry *out;
	struct bls_reader r;
	char where[BLS_ID_MAX + 32];
	unsigned linux_line, efi_line; /* 0: not given */
	bool title_given;
};

static int too_long(const struct entry_parser *p, const struct bls_line *l,
		    size_t max, struct rw_err *err)
{
	return rw_fail(err, "%s:%u: value of '%.*s' is %zu bytes, longer than %zu",
		       p->where, l->number, (int)l->key_len, l->key, l->value_len,
		       max);
}

static int set_text(const struct entry_parser *p, char *dst, size_t cap,
		    const struct bls_line *l, struct rw_err *err)
{
	if (l->value_len >= cap)
		return too_long(p, l, cap - 1, err);
	/* A key given again leaves nothing of the earlier value behind. */
	memset(dst, 0, cap);
	memcpy(dst, l->value, l->value_len);
	dst[l->value_len] = '\0';
	return 0;
}

/*
 * A path of the entry's volume: relative to its root, with or without a
 * leading '/' (the specification makes them the same), so it is stored
 * as runway.conf writes paths: one leading '/', no repeated '/'.
 */
static int set_path(const struct entry_parser *p, char dst[CONFIG_PATH_MAX],
		    const struct bls_line *l, struct rw_err *err)
{
	uint16_t wpath[CONFIG_EFI_PATH_UNITS];
	struct rw_err why;
	size_t n = 0;

	if (l->value_len == 0)
		return rw_fail(err, "%s:%u: '%.*s' needs a path", p->where, l->number,
			       (int)l->key_len, l->key);
	memset(dst, 0, CONFIG_PATH_MAX);
	for (size_t i = 0; i < l->value_len; i++) {
		char c = l->value[i];
		if (c == '/' && n > 0 && dst[n - 1] == '/')
			continue;
		if (n == 0 && c != '/')
			dst[n++] = '/';
		if (n + 1 >= CONFIG_PATH_MAX)
			return too_long(p, l, CONFIG_PATH_MAX - 1, err);
		dst[n++] = c;
	}
	dst[n] = '\0';
	if (!config_efi_path(dst, wpath, &why))
		return rw_fail(err, "%s:%u: '%.*s' path '%s': %s", p->where, l->number,
			       (int)l->key_len, l->key, dst, why.msg);
	return 0;
}

static int add_initrd(struct entry_parser *p, const struct bls_line *l,
		      struct rw_err *err)
{
	struct config_entry *e = &p->out->e;

	if (e->ninitrds == CONFIG_MAX_INITRDS)
		return rw_fail(err, "%s:%u: more than %d initrds", p->where, l->number,
			       CONFIG_MAX_INITRDS);
	if (set_path(p, e->initrds[e->ninitrds].path, l, err))
		return -1;
	e->ninitrds++;
	return 0;
}

/* `options`, repeatable: the lines joined by single spaces. */
static int add_options(struct entry_parser *p, const struct bls_line *l,
		       struct rw_err *err)
{
	char *c = p->out->e.cmdline;
	size_t n = strlen(c), sep = n > 0;

	if (l->value_len == 0)
		return 0;
	if (n + sep + l->value_len >= CONFIG_CMDLINE_MAX)
		return rw_fail(err, "%s:%u: the options come to %zu bytes, longer than %d",
			       p->where, l->number, n + sep + l->value_len,
			       CONFIG_CMDLINE_MAX - 1);
	if (sep)
		c[n++] = ' ';
	memcpy(c + n, l->value, l->value_len);
	c[n + l->value_len] = '\0';
	return 0;
}

/* `linux` or `efi`: the program the entry starts; the last line of each
 * counts (as in systemd-boot), one of the two kinds only. */
static int set_program(struct entry_parser *p, const struct bls_line *l,
		       unsigned *line, struct rw_err *err)
{
	*line = l->number;
	return set_path(p, p->out->e.path, l, err);
}

static int entry_key(struct entry_parser *p, const struct bls_line *l,
		     struct rw_err *err)
{
	struct bls_entry *o = p->out;

	if (bls_key_is(l, "title")) {
		/* An empty title falls back to the id, as none would. */
		fit_n(o->e.title, sizeof o->e.title, l->value, l->value_len);
		p->title_given = l->value_len > 0;
		return 0;
	}
	if (bls_key_is(l, "version"))
		return set_text(p, o->version, sizeof o->version, l, err);
	if (bls_key_is(l, "machine-id"))
		return set_text(p, o->machine_id, sizeof o->machine_id, l, err);
	if (bls_key_is(l, "sort-key"))
		return set_text(p, o->sort_key, sizeof o->sort_key, l, err);
	if (bls_key_is(l, "linux"))
		return set_program(p, l, &p->linux_line, err);
	if (bls_key_is(l, "efi"))
		return set_program(p, l, &p->efi_line, err);
	if (bls_key_is(l, "initrd"))
		return add_initrd(p, l, err);
	if (bls_key_is(l, "options"))
		return add_options(p, l, err);
	if (bls_key_is(l, "devicetree") || bls_key_is(l, "devicetree-overlay"))
		o->devicetree_ignored = true;
	/* architecture: read by other_architecture(); anything else is a
	 * key of a newer specification or another loader: ignored. */
	return 0;
}

/*
 * The value of the entry's last `architecture` line when it names
 * another one than x64 (the specification hides such entries), else
 * NULL.  Read before the rest, so that an entry for another machine is
 * skipped rather than refused for a key this one cannot use.
 */
static const struct bls_line *other_architecture(struct entry_parser *p,
						 struct bls_line *arch)
{
	struct bls_line l;
	bool found = false;

	bls_reader_init(&p->r, p->where, p->r.text, p->r.len);
	while (bls_next_line(&p->r, &l, NULL) > 0)
		if (bls_key_is(&l, "architecture")) {
			*arch = l;
			found = true;
		}
	if (!found || bls_value_is(arch, "x64"))
		return NULL;
	return arch;
}

/* The entry as a whole, once every line is read. */
static int finish(struct entry_parser *p, struct rw_err *err)
{
	struct bls_entry *o = p->out;

	if (!p->linux_line && !p->efi_line)
		return rw_fail(err, "%s: neither 'linux' nor 'efi': an entry needs one of them",
			       p->where);
	if (p->linux_line && p->efi_line) {
		bool efi_later = p->efi_line > p->linux_line;
		return rw_fail(err, "%s:%u: '%s' in an entry that has '%s' (line %u): it takes one of them",
			       p->where, efi_later ? p->efi_line : p->linux_line,
			       efi_later ? "efi" : "linux", efi_later ? "linux" : "efi",
			       efi_later ? p->linux_line : p->efi_line);
	}
	if (!p->title_given) {
		char t[BLS_ID_MAX + BLS_KEY_VALUE_MAX + 4];
		fmt(t, sizeof t, o->version[0] ? "%.*s (%s)" : "%.*s",
		    (int)bls_id_stem(o->id), o->id, o->version);
		bls_title_fit(o->e.title, sizeof o->e.title, t);
	}
	return 0;
}

int bls_parse_entry(const char *id, const char *text, size_t len,
		    struct bls_entry *out, struct rw_err *err)
{
	struct entry_parser p = { .out = out };
	struct bls_line l, arch;
	size_t idn = strlen(id);
	int r;

	memset(out, 0, sizeof *out);
	out->e.kind = CONFIG_EFI;
	out->e.origin = CONFIG_FROM_BLS;
	out->e.line = 1;
	out->e.kaslr = true;
	fmt(p.where, sizeof p.where, "loader/entries/%s", id);
	if (idn >= BLS_ID_MAX)
		return rw_fail(err, "loader/entries/%.40s...: the file name is %zu bytes, longer than %d",
			       id, idn, BLS_ID_MAX - 1);
	memcpy(out->id, id, idn + 1);
	if (len > BLS_FILE_MAX)
		return rw_fail(err, "%s: %zu bytes, over the limit of %u bytes",
			       p.where, len, BLS_FILE_MAX);
	p.r.text = text;
	p.r.len = len;
	if (other_architecture(&p, &arch)) {
		rw_fail(err, "%s:%u: for architecture '%.*s', not x64: skipped",
			p.where, arch.number, (int)(arch.value_len > 40 ? 40 : arch.value_len),
			arch.value);
		return 0;
	}
	bls_reader_init(&p.r, p.where, text, len);
	while ((r = bls_next_line(&p.r, &l, err)) > 0)
		if (entry_key(&p, &l, err))
			return -1;
	if (r < 0)
		return -1;
	return finish(&p, err) ? -1 : 1;
}

/* ---- type #2 ---- */

int bls_entry_from_uki(const char *id, const char *path, const struct osrel *o,
		       const char *cmdline, struct bls_entry *out,
		       struct rw_err *err)
{
	uint16_t wpath[CONFIG_EFI_PATH_UNITS];
	struct rw_err why;
	size_t idn = strlen(id), pn = strlen(path);

	memset(out, 0, sizeof *out);
	out->e.kind = CONFIG_EFI;
	out->e.origin = CONFIG_FROM_UKI;
	out->e.line = 1;
	out->e.kaslr = true;
	if (idn >= BLS_ID_MAX || pn >= CONFIG_PATH_MAX)
		return rw_fail(err, "%.60s: the %s is longer than %d bytes", path,
			       idn >= BLS_ID_MAX ? "file name" : "path",
			       idn >= BLS_ID_MAX ? BLS_ID_MAX - 1 : CONFIG_PATH_MAX - 1);
	memcpy(out->id, id, idn + 1);
	memcpy(out->e.path, path, pn + 1);
	if (!config_efi_path(path, wpath, &why))
		return rw_fail(err, "%s: %s", path, why.msg);
	osrel_title(o, id, out->e.title, sizeof out->e.title);
	bls_title_fit(out->version, sizeof out->version, osrel_version(o));
	bls_title_fit(out->sort_key, sizeof out->sort_key, osrel_sort_key(o));
	if (!cmdline)
		return 0;
	/* A .cmdline section often ends in a newline (or NULs): drop the
	 * blanks at its end; any other control byte is refused. */
	size_t n = strlen(cmdline);
	while (n > 0 && (is_blank(cmdline[n - 1]) || cmdline[n - 1] == '\n'))
		n--;
	if (n >= CONFIG_CMDLINE_MAX)
		return rw_fail(err, "%s: .cmdline is %zu bytes, longer than %d", path, n,
			       CONFIG_CMDLINE_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)cmdline[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return rw_fail(err, "%s: .cmdline: control byte 0x%02x at byte %zu",
				       path, c, i + 1);
	}
	memcpy(out->e.cmdline, cmdline, n);
	out->e.cmdline[n] = '\0';
	return 0;
}
