/*
 * bls_conf.c - systemd-boot's /loader/loader.conf and the os-release text
 * a unified kernel image carries in its .osrel section (include/bls.h).
 */
#include "bls.h"

#include <string.h>

#include "bls_lines.h"

#define WHERE "loader/loader.conf"

/* ---- loader.conf ---- */

static int bad_value(const struct bls_line *l, const char *want,
		     struct rw_err *err)
{
	return rw_fail(err, WHERE ":%u: '%.*s' must be %s, not '%.*s'", l->number,
		       (int)l->key_len, l->key, want,
		       (int)(l->value_len > 40 ? 40 : l->value_len), l->value);
}

/* A decimal number up to max. */
static bool parse_number(const struct bls_line *l, uint64_t max, unsigned *ret)
{
	uint64_t x = 0;

	if (l->value_len == 0)
		return false;
	for (size_t i = 0; i < l->value_len; i++) {
		char c = l->value[i];
		if (c < '0' || c > '9')
			return false;
		x = x * 10 + (uint64_t)(c - '0');
		if (x > max)
			return false;
	}
	*ret = (unsigned)x;
	return true;
}

/* systemd's booleans: yes y true t on 1, no n false f off 0, any case. */
static int parse_bool(const struct bls_line *l, bool *ret, struct rw_err *err)
{
	static const char *const yes[] = { "yes", "y", "true", "t", "on", "1" };
	static const char *const no[] = { "no", "n", "false", "f", "off", "0" };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (bls_value_is(l, yes[i])) {
			*ret = true;
			return 0;
		}
		if (bls_value_is(l, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return bad_value(l, "a boolean (yes or no)", err);
}

/* timeout SECONDS | menu-force | menu-hidden | menu-disabled: the last
 * line counts, whole. */
static int set_timeout(struct loader_conf *c, const struct bls_line *l,
		       struct rw_err *err)
{
	unsigned n = 0;

	c->menu_force = false;
	c->menu_disabled = false;
	if (bls_value_is(l, "menu-force"))
		c->menu_force = true;
	else if (bls_value_is(l, "menu-disabled"))
		c->menu_disabled = true;
	else if (!bls_value_is(l, "menu-hidden") &&
		 !parse_number(l, LOADER_CONF_TIMEOUT_MAX, &n))
		return bad_value(l, "a number of seconds, menu-force, menu-hidden or menu-disabled",
				 err);
	c->timeout = n;
	c->timeout_set = true;
	return 0;
}

static int set_console_mode(struct loader_conf *c, const struct bls_line *l,
			    struct rw_err *err)
{
	unsigned n;

	c->console_mode_number = 0;
	if (bls_value_is(l, "keep"))
		c->console_mode = CONFIG_CONSOLE_KEEP;
	else if (bls_value_is(l, "auto"))
		c->console_mode = CONFIG_CONSOLE_AUTO;
	else if (bls_value_is(l, "max"))
		c->console_mode = CONFIG_CONSOLE_MAX;
	else if (parse_number(l, 0x7fffffff, &n)) {
		c->console_mode = CONFIG_CONSOLE_NUMBER;
		c->console_mode_number = n;
	} else
		return bad_value(l, "a mode number, keep, auto or max", err);
	return 0;
}

static int conf_key(struct loader_conf *c, const struct bls_line *l,
		    struct rw_err *err)
{
	if (bls_key_is(l, "default")) {
		if (l->value_len >= sizeof c->default_pattern)
			return rw_fail(err, WHERE ":%u: value of 'default' is %zu bytes, longer than %zu",
				       l->number, l->value_len, sizeof c->default_pattern - 1);
		memcpy(c->default_pattern, l->value, l->value_len);
		c->default_pattern[l->value_len] = '\0';
		return 0;
	}
	if (bls_key_is(l, "timeout"))
		return set_timeout(c, l, err);
	if (bls_key_is(l, "editor")) {
		bool on = true;
		if (parse_bool(l, &on, err))
			return -1;
		c->editor_off = !on;
		return 0;
	}
	if (bls_key_is(l, "console-mode"))
		return set_console_mode(c, l, err);
	/* auto-entries, auto-firmware, beep, random-seed-mode,
	 * secure-boot-enroll, reboot-for-bitlocker, ...: systemd-boot's own
	 * business. */
	return 0;
}

int loader_conf_parse(const char *text, size_t len, struct loader_conf *out,
		      struct rw_err *err)
{
	struct bls_reader r;
	struct bls_line l;
	int rc;

	memset(out, 0, sizeof *out);
	out->console_mode = CONFIG_CONSOLE_KEEP;
	if (len > BLS_FILE_MAX)
		return rw_fail(err, WHERE ": %zu bytes, over the limit of %u bytes", len,
			       BLS_FILE_MAX);
	bls_reader_init(&r, WHERE, text, len);
	while ((rc = bls_next_line(&r, &l, err)) > 0)
		if (conf_key(out, &l, err))
			return -1;
	return rc < 0 ? -1 : 0;
}

/* ---- os-release ---- */

/* Where os-release values are written while they are read. */
struct sink {
	char *buf;
	size_t cap;
	size_t n;    /* bytes written */
	size_t keep; /* bytes to keep: trailing bare blanks are dropped */
};

static void put(struct sink *s, char c, bool quoted)
{
	/* Control bytes would reach the menu: show them as '?'. */
	if ((unsigned char)c < 0x20 || c == 0x7f)
		c = c == '\t' ? ' ' : '?';
	if (s->n + 1 < s->cap)
		s->buf[s->n] = c;
	s->n++;
	if (quoted || (c != ' ' && c != '\t'))
		s->keep = s->n;
}

static bool osrel_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The value v[0..n) as the shell reads an assignment: bare text, "..."
 * (a backslash escapes $ " \ ` and is kept before anything else) and
 * '...' (as written), one after another.  A quote left open runs to the
 * end of the line.
 */
static void unquote(const char *v, size_t n, struct sink *s)
{
	size_t i = 0;

	while (i < n) {
		char c = v[i++];
		if (c == '\'') {
			while (i < n && v[i] != '\'')
				put(s, v[i++], true);
			i++;
		} else if (c == '"') {
			while (i < n && v[i] != '"') {
				if (v[i] == '\\' && i + 1 < n && memchr("$\"\\`", v[i + 1], 4))
					i++;
				put(s, v[i++], true);
			}
			i++;
		} else if (c == '\\' && i < n) {
			put(s, v[i++], true);
		} else {
			put(s, c, false);
		}
	}
}

/* The field KEY fills, or NULL for a key Runway does not use. */
static struct sink field(struct osrel *o, const char *k, size_t n)
{
	static const struct {
		char key[sizeof "IMAGE_VERSION"]; /* in place: no relocation */
		uint16_t offset, size;
	} fields[] = {
#define F(key, member) { key, offsetof(struct osrel, member), sizeof(((struct osrel *)0)->member) }
		F("PRETTY_NAME", pretty_name), F("NAME", name), F("ID", id),
		F("VERSION_ID", version_id), F("VERSION", version),
		F("IMAGE_ID", image_id), F("IMAGE_VERSION", image_version),
		F("BUILD_ID", build_id),
#undef F
	};
	struct sink s = { 0 };

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strlen(fields[i].key) == n && !memcmp(fields[i].key, k, n)) {
			s.buf = (char *)o + fields[i].offset;
			s.cap = fields[i].size;
		}
	return s;
}

/* One line s[0..n): KEY=VALUE, else nothing. */
static void osrel_line(struct osrel *o, const char *s, size_t n)
{
	size_t a = 0;

	while (a < n && osrel_blank(s[a]))
		a++;
	if (a == n || s[a] == '#')
		return;
	const char *eq = memchr(s + a, '=', n - a);
	if (!eq)
		return;
	size_t k = (size_t)(eq - (s + a));
	struct sink sk = field(o, s + a, k);
	if (!sk.buf)
		return;
	size_t v = k + a + 1;
	size_t b = n;
	while (b > v && osrel_blank(s[b - 1]))
		b--;
	memset(sk.buf, 0, sk.cap);
	unquote(s + v, b - v, &sk);
	/* The last assignment counts; a cut value just fills the field. */
	size_t end = sk.keep < sk.cap ? sk.keep : sk.cap - 1;
	sk.buf[end] = '\0';
}

void osrel_parse(const char *text, size_t len, struct osrel *out)
{
	size_t i = 0;

	memset(out, 0, sizeof *out);
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		osrel_line(out, text + i, n);
		i += n + 1;
	}
}

static const char *first(const char *a, const char *b, const char *c,
			 const char *d)
{
	return a[0] ? a : b[0] ? b : c[0] ? c : d;
}

const char *osrel_name(const struct osrel *o)
{
	return first(o->pretty_name, o->image_id, o->name, o->id);
}

const char *osrel_version(const struct osrel *o)
{
	return first(o->image_version, o->version, o->version_id, o->build_id);
}

const char *osrel_sort_key(const struct osrel *o)
{
	return o->image_id[0] ? o->image_id : o->id;
}

/* Does s hold w (not empty)? */
static bool contains(const char *s, const char *w)
{
	size_t n = strlen(s), m = strlen(w);

	for (size_t i = 0; m && i + m <= n; i++)
		if (!memcmp(s + i, w, m))
			return true;
	return false;
}

void osrel_title(const struct osrel *o, const char *id, char *out, size_t cap)
{
	const char *name = osrel_name(o), *version = osrel_version(o);
	char t[CONFIG_TITLE_MAX + 2 * BLS_KEY_VALUE_MAX + BLS_ID_MAX + 8];
	size_t n = 0;

	if (name[0]) {
		n = fmt(t, sizeof t, "%s", name);
	} else {
		size_t idn = strlen(id);
		if (idn > 4 && !memcmp(id + idn - 4, ".efi", 4))
			idn -= 4;
		n = fmt(t, sizeof t, "%.*s", (int)idn, id);
	}
	if (version[0] && !contains(t, version) && n < sizeof t)
		fmt(t + n, sizeof t - n, " (%s)", version);
	bls_title_fit(out, cap, t);
}
