/*
 * ucs2.c - UTF-8 to UCS-2, runway.conf paths to EFI paths, joining paths,
 * the directory of an EFI path (see include/ucs2.h).
 *
 * The decoder follows RFC 3629's definition: a lead byte 0xxxxxxx,
 * 110xxxxx, 1110xxxx or 11110xxx announces 0, 1, 2 or 3 continuation
 * bytes 10xxxxxx; the scalar value must be the shortest form's (section 3:
 * at least U+0080, U+0800, U+10000 for 2, 3, 4 bytes) and not a surrogate.
 * Each writer measures first and writes only what fits, so a refusal
 * leaves the output alone.
 */
#include "ucs2.h"

static bool is_cont(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

/*
 * Decode the sequence at p (NUL-terminated) into one unit; returns the
 * bytes it takes (>= 1).  A NUL is never a continuation byte, so the
 * look-ahead stops at the end of the string.
 */
static size_t decode(const unsigned char *p, uint16_t *ret_unit)
{
	unsigned char b = p[0];
	size_t need, n;
	uint32_t c, min;

	if (b < 0x80) {
		*ret_unit = b;
		return 1;
	}
	if (b < 0xc0 || b >= 0xf8) { /* a lone continuation, or never UTF-8 */
		*ret_unit = UCS2_REPLACEMENT;
		return 1;
	}
	if (b >= 0xf0) {
		need = 3;
		c = b & 0x07;
		min = 0x10000;
	} else if (b >= 0xe0) {
		need = 2;
		c = b & 0x0f;
		min = 0x800;
	} else {
		need = 1;
		c = b & 0x1f;
		min = 0x80;
	}
	for (n = 1; n <= need && is_cont(p[n]); n++)
		c = c << 6 | (p[n] & 0x3f);
	if (n <= need || c < min || c > 0xffff || (c >= 0xd800 && c <= 0xdfff))
		*ret_unit = UCS2_REPLACEMENT;
	else
		*ret_unit = (uint16_t)c;
	return n;
}

/* Units of s as UCS-2, the NUL not counted. */
static size_t utf8_units(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t units = 0;
	uint16_t u;

	while (*p) {
		p += decode(p, &u);
		units++;
	}
	return units;
}

size_t ucs2_from_utf8_size(const char *s)
{
	return (utf8_units(s) + 1) * sizeof(uint16_t);
}

bool ucs2_from_utf8(const char *s, uint16_t *out, size_t cap, size_t *ret_size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t units = utf8_units(s), n = 0;

	if (units >= cap)
		return false;
	while (*p)
		p += decode(p, &out[n++]);
	out[n++] = 0;
	*ret_size = n * sizeof(uint16_t);
	return true;
}

/* ---- paths ---- */

static bool is_sep(char c)
{
	return c == '/' || c == '\\';
}

__attribute__((format(printf, 2, 3)))
static bool refuse(struct rw_err *err, const char *f, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, f);
		fmt_v(err->msg, sizeof err->msg, f, ap);
		va_end(ap);
	}
	return false;
}

static bool is_printable(unsigned char b)
{
	return b >= 0x20 && b <= 0x7e;
}

/* Check the component path[start..end) (no separators in it, every byte
 * printable: check_path saw to that). */
static bool check_component(const char *path, size_t start, size_t end,
			    struct rw_err *err)
{
	size_t n = end - start;
	if ((n == 1 || n == 2) && path[start] == '.' && path[end - 1] == '.')
		return refuse(err, "component \"%.*s\" at offset %zu: paths go from the volume root, without . or ..",
			      (int)n, path + start, start);
	return true;
}

/* Check path and count the units of its EFI form, the NUL not counted. */
static bool check_path(const char *path, size_t *ret_units, struct rw_err *err)
{
	size_t i = 0, units = 0;

	for (;;) {
		while (is_sep(path[i]))
			i++;
		if (!path[i])
			break;
		/* One pass over the component: it ends at a separator or
		 * the NUL; any other byte that is not printable ASCII is
		 * refused, the first one of the component named. */
		size_t start = i;
		while (is_printable((unsigned char)path[i]) && !is_sep(path[i]))
			i++;
		if (path[i] && !is_sep(path[i]))
			return refuse(err, "byte 0x%02x at offset %zu is not printable ASCII",
				      (unsigned char)path[i], i);
		if (!check_component(path, start, i, err))
			return false;
		units += 1 + (i - start);
	}
	if (units == 0)
		return refuse(err, "no file name in it");
	if (is_sep(path[i - 1]))
		return refuse(err, "ends in a separator: it names a directory, not a file");
	*ret_units = units;
	return true;
}

bool ucs2_path_from_config(const char *path, uint16_t *out, size_t cap,
			   struct rw_err *err)
{
	size_t units = 0, n = 0;
	bool sep = true;

	if (!check_path(path, &units, err))
		return false;
	if (units >= cap)
		return refuse(err, "needs %zu UCS-2 units with the NUL; the buffer holds %zu",
			      units + 1, cap);
	for (; *path; path++) {
		if (is_sep(*path)) {
			sep = true;
			continue;
		}
		if (sep)
			out[n++] = UCS2_SEP;
		sep = false;
		out[n++] = (uint16_t)(unsigned char)*path;
	}
	out[n] = 0;
	return true;
}

static size_t ucs2_len(const uint16_t *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

bool ucs2_path_join(const uint16_t *dir, const uint16_t *name, uint16_t *out,
		    size_t cap)
{
	size_t dl = ucs2_len(dir), nl;

	while (dl > 0 && dir[dl - 1] == UCS2_SEP)
		dl--;
	while (*name == UCS2_SEP)
		name++;
	nl = ucs2_len(name);
	/* dl + nl < 2^63 units: they are in memory. */
	if (dl + 1 + nl >= cap)
		return false;
	for (size_t i = 0; i < dl; i++)
		out[i] = dir[i];
	out[dl] = UCS2_SEP;
	for (size_t i = 0; i <= nl; i++)
		out[dl + 1 + i] = name[i];
	return true;
}

/* ---- the directory of an EFI path ---- */

void ucs2_dir_init(struct ucs2_dir *d, uint16_t *buf, size_t cap)
{
	*d = (struct ucs2_dir){ .buf = buf, .cap = cap };
	if (cap)
		buf[0] = 0;
}

/* Append one unit of the path, collapsing runs of separators. */
static void dir_put(struct ucs2_dir *d, uint16_t u)
{
	if (u == UCS2_SEP && d->last == UCS2_SEP)
		return;
	d->last = u;
	if (!d->cut && d->len + 1 < d->cap) {
		d->buf[d->len++] = u;
	} else if (!d->cut) {
		d->cut = true;
		d->cut_at_sep = u == UCS2_SEP;
	} else if (u == UCS2_SEP) {
		d->too_long = true;
	}
}

void ucs2_dir_add_node(struct ucs2_dir *d, const void *name, size_t size)
{
	const unsigned char *p = name;

	for (size_t i = 0; i < size / 2; i++) {
		uint16_t u = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
		if (!u)
			break;
		/* A node starts a component: the path's leading '\' too. */
		if (i == 0)
			dir_put(d, UCS2_SEP);
		dir_put(d, u);
	}
}

bool ucs2_dir_finish(struct ucs2_dir *d)
{
	size_t n = d->len;

	if (!d->cap)
		return false;
	if (d->too_long) {
		d->buf[0] = 0;
		return false;
	}
	/* Cut right at a separator, buf holds exactly the directory. */
	if (!(d->cut && d->cut_at_sep)) {
		while (n > 0 && d->buf[n - 1] != UCS2_SEP)
			n--;
		if (n > 0)
			n--;
	}
	d->buf[n] = 0;
	return true;
}
