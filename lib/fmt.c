/*
 * fmt.c - freestanding printf-style formatting (see include/fmt.h).
 */
#include "fmt.h"

#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
	char last; /* the last character of the full output, stored or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
	o->last = c;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
		       int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	/* Zero padding goes between the sign and the digits. */
	if (!left && pad == '0' && n && s[0] == '-') {
		put(o, '-');
		s++;
		n--;
	}
	if (!left)
		while (fill-- > 0)
			put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t utoa(char *tmp, uint64_t v, unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (size_t i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

/* A conversion's flags, width, precision and length. */
struct spec {
	int left;
	char pad;
	int width;
	int prec;   /* -1: none */
	int lng;    /* count of l and z modifiers */
};

/* Read the spec after a '%'; returns the conversion character's place. */
static const char *parse_spec(const char *f, va_list *ap, struct spec *sp)
{
	*sp = (struct spec){ .pad = ' ', .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->pad = '0';
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	while (*f == 'l' || *f == 'z') {
		sp->lng++;
		f++;
	}
	return f;
}

static void put_string(struct out *o, const char *s, const struct spec *sp)
{
	size_t n = 0;

	if (!s)
		s = "(null)";
	while ((sp->prec < 0 || n < (size_t)sp->prec) && s[n])
		n++;
	put_padded(o, s, n, sp->width, sp->left, ' ');
}

/* v in base, after a '-' when neg (v is then the magnitude). */
static void put_number(struct out *o, uint64_t v, int neg, unsigned base,
		       int upper, const struct spec *sp)
{
	char tmp[24];
	size_t off = 0;

	if (neg)
		tmp[off++] = '-';
	size_t n = off + utoa(tmp + off, v, base, upper);
	put_padded(o, tmp, n, sp->width, sp->left, sp->pad);
}

/* One conversion; an unknown one is printed as written. */
static void convert(struct out *o, char conv, const struct spec *sp, va_list *ap)
{
	char c;

	switch (conv) {
	case 's':
		put_string(o, va_arg(*ap, const char *), sp);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(o, &c, 1, sp->width, sp->left, ' ');
		break;
	case 'd':
	case 'i': {
		int64_t v = sp->lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
		put_number(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0, sp);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
		put_number(o, sp->lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 0,
			   conv == 'u' ? 10 : 16, conv == 'X', sp);
		break;
	case 'p':
		put_number(o, (uint64_t)(uintptr_t)va_arg(*ap, void *), 0, 16, 0, sp);
		break;
	case '%':
		put(o, '%');
		break;
	default:
		put(o, '%');
		put(o, conv);
		break;
	}
}

/* fmt_v's work; *ret_last is the full output's last character (0 when
 * there is none). */
static size_t fmt_out(char *buf, size_t size, const char *f, va_list ap_in,
		      char *ret_last)
{
	struct out o = { buf, size, 0, 0 };
	struct spec sp;
	va_list ap;

	/* A copy, so that it can be handed on by address. */
	va_copy(ap, ap_in);
	for (; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &ap, &sp);
		if (!*f)
			break;
		convert(&o, *f, &sp, &ap);
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	*ret_last = o.last;
	return o.len;
}

size_t fmt_v(char *buf, size_t size, const char *f, va_list ap)
{
	char last;

	return fmt_out(buf, size, f, ap, &last);
}

size_t fmt_line_v(char *buf, size_t size, const char *f, va_list ap)
{
	static const char mark[] = "...";
	char last;
	size_t n = fmt_out(buf, size, f, ap, &last);

	if (n < size)
		return n;
	if (size < sizeof mark + 1) /* no room for the marker and '\n' */
		return size ? size - 1 : 0;
	/* Cut: the marker, and the line's end if it had one. */
	size_t at = size - 1 - (sizeof mark - 1) - (last == '\n');
	for (size_t i = 0; i < sizeof mark - 1; i++)
		buf[at++] = mark[i];
	if (last == '\n')
		buf[at++] = '\n';
	buf[at] = '\0';
	return at;
}

size_t fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_v(buf, size, f, ap);
	va_end(ap);
	return n;
}

int rw_fail(struct rw_err *err, const char *f, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, f);
		fmt_v(err->msg, sizeof err->msg, f, ap);
		va_end(ap);
	}
	return -1;
}
