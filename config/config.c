/*
 * config.c - parse runway.conf (see include/config.h for the syntax).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int set_string(char *dst, size_t cap, const char *v, size_t n,
		      unsigned line, const char *key, struct rw_err *err)
{
	if (n >= cap)
		return rw_fail(err, "runway.conf:%u: value of '%s' is %zu bytes, longer than %zu",
			       line, key, n, cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int set_bool(bool *dst, const char *v, size_t n, unsigned line,
		    const char *key, struct rw_err *err)
{
	if ((n == 3 && !memcmp(v, "yes", 3)) || (n == 4 && !memcmp(v, "true", 4)) ||
	    (n == 1 && v[0] == '1')) {
		*dst = true;
		return 0;
	}
	if ((n == 2 && !memcmp(v, "no", 2)) || (n == 5 && !memcmp(v, "false", 5)) ||
	    (n == 1 && v[0] == '0')) {
		*dst = false;
		return 0;
	}
	return rw_fail(err, "runway.conf:%u: '%s' must be yes or no, not '%.*s'",
		       line, key, (int)(n > 40 ? 40 : n), v);
}

/* A size: decimal bytes with an optional K, M or G suffix (powers of 2). */
static int set_size(uint64_t *dst, const char *v, size_t n, unsigned line,
		    const char *key, struct rw_err *err)
{
	uint64_t x = 0;
	size_t i = 0;

	while (i < n && v[i] >= '0' && v[i] <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			goto bad;
		x = x * 10 + (uint64_t)(v[i++] - '0');
	}
	if (i == 0)
		goto bad;
	unsigned shift = 0;
	if (i < n) {
		switch (v[i++]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: goto bad;
		}
	}
	if (i != n || x > (UINT64_MAX >> shift))
		goto bad;
	*dst = x << shift;
	return 0;
bad:
	return rw_fail(err, "runway.conf:%u: '%s' must be a size such as 4096, 64K or 2M, not '%.*s'",
		       line, key, (int)(n > 40 ? 40 : n), v);
}

static bool key_is(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && !memcmp(k, name, n);
}

int config_parse(const char *text, size_t len, struct config *ret_cfg,
		 struct rw_err *err)
{
	struct config cfg;
	unsigned line = 0;
	size_t i = 0;

	memset(&cfg, 0, sizeof cfg);
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
		const char *k = text + a, *v = text + vs;
		size_t kn = ke - a, vn = b - vs;
		char key[32];
		fmt(key, sizeof key, "%.*s", (int)(kn > 31 ? 31 : kn), k);
		int r;
		if (key_is(k, kn, "kernel"))
			r = set_string(cfg.kernel, sizeof cfg.kernel, v, vn, line, key, err);
		else if (key_is(k, kn, "cmdline"))
			r = set_string(cfg.cmdline, sizeof cfg.cmdline, v, vn, line, key, err);
		else if (key_is(k, kn, "exit-after"))
			r = set_bool(&cfg.exit_after, v, vn, line, key, err);
		else if (key_is(k, kn, "fragment"))
			r = set_size(&cfg.fragment, v, vn, line, key, err);
		else if (key_is(k, kn, "map-dump"))
			r = set_bool(&cfg.map_dump, v, vn, line, key, err);
		else
			r = rw_fail(err, "runway.conf:%u: unknown key '%s'", line, key);
		if (r)
			return r;
	}
	if (!cfg.kernel[0])
		return rw_fail(err, "runway.conf: no 'kernel = PATH' line");
	*ret_cfg = cfg;
	return 0;
}
