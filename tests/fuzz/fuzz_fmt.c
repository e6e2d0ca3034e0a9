/*
 * fuzz_fmt.c - libFuzzer target: fmt() against the C library's snprintf()
 * on the subset fmt.h documents (%s %c %d %i %u %x %X %% with l, ll, z,
 * a width, the 0 and - flags, and .N / .* precision for %s), with every
 * buffer size from 0 up.  Same return value, same bytes, always
 * NUL-terminated.  %p is compared with %llx (fmt prints no 0x).
 *
 * fmt_line_v, the console's formatter, against a model built on the full
 * snprintf output: the same when it fits, else its start, "..." and, if
 * the full output ended in '\n', the '\n'.
 *
 * Input: a format program.  Each byte pair picks a literal run or a
 * conversion and its flags/width/length; argument values follow inline.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "fuzz_common.h"

#define MAX_ARGS 8

#pragma clang diagnostic ignored "-Wformat-nonliteral"
#pragma clang diagnostic ignored "-Wformat-security"

static size_t line(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_line_v(buf, size, f, ap);
	va_end(ap);
	return n;
}

/* fmt_line_v's output for full[0..n) in a buffer of size bytes. */
static size_t line_model(const char *full, size_t n, size_t size, char *out)
{
	if (size == 0)
		return 0;
	if (n < size || size < 5) {
		size_t k = n < size ? n : size - 1;
		memcpy(out, full, k);
		out[k] = 0;
		return k;
	}
	bool nl = full[n - 1] == '\n';
	size_t k = size - 1 - 3 - nl;
	memcpy(out, full, k);
	memcpy(out + k, nl ? "...\n" : "...", 3 + nl);
	out[k + 3 + nl] = 0;
	return k + 3 + nl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	char f_ours[512], f_libc[640];
	size_t fl = 0;
	uint64_t args[MAX_ARGS] = { 0 };
	size_t nargs = 0;
	static char strs[MAX_ARGS][48];

	size_t bufsize = rd_u8(&r) % 80;
	while (r.n && fl < 400 && nargs < MAX_ARGS) {
		uint8_t op = rd_u8(&r);
		if (op < 0x40) { /* literal text, no '%' */
			size_t n = 1 + op % 8;
			for (size_t i = 0; i < n; i++) {
				char c = (char)rd_u8(&r);
				if (c == '%' || c == 0)
					c = '.';
				f_ours[fl] = c;
				fl++;
			}
			continue;
		}
		uint8_t b = rd_u8(&r);
		static const char convs[] = "sciduxXp%";
		char conv = convs[op % 9];
		char spec[32];
		size_t sl = 0;
		spec[sl++] = '%';
		bool left = b & 1, zero = (b & 2) && conv != 's' && conv != 'c' && conv != '%';
		if (conv == 'p')
			zero = false;
		if (left)
			spec[sl++] = '-';
		if (zero)
			spec[sl++] = '0';
		unsigned width = (b & 4) ? rd_u8(&r) % 40 : 0;
		if (width && conv != '%')
			sl += (size_t)snprintf(spec + sl, sizeof spec - sl, "%u", width);
		int prec_star = 0;
		if (conv == 's' && (b & 8)) {
			if (b & 16) {
				spec[sl++] = '.';
				spec[sl++] = '*';
				prec_star = 1;
			} else {
				sl += (size_t)snprintf(spec + sl, sizeof spec - sl, ".%u",
						       rd_u8(&r) % 50);
			}
		}
		unsigned lng = 0;
		if (strchr("diuxX", conv))
			lng = (b >> 5) % 4; /* none, l, ll, z */
		static const char *const lens[4] = { "", "l", "ll", "z" };
		char ours[40];
		size_t ol = sl;
		memcpy(ours, spec, sl);
		memcpy(ours + ol, lens[lng], strlen(lens[lng]));
		ol += strlen(lens[lng]);
		ours[ol++] = conv;
		if (prec_star) {
			if (nargs + 2 > MAX_ARGS)
				break;
			int p = (int8_t)rd_u8(&r); /* negative: no precision */
			args[nargs++] = (uint64_t)(int64_t)p;
		}
		if (conv != '%') {
			if (nargs + 1 > MAX_ARGS)
				break;
			uint64_t v = rd_u64(&r);
			if (conv == 's') {
				char *s = strs[nargs];
				size_t n = rd_u8(&r) % (sizeof strs[0]);
				for (size_t i = 0; i < n; i++)
					s[i] = (char)(rd_u8(&r) | 1);
				s[n] = 0;
				v = (uint64_t)(uintptr_t)s;
			} else if (conv == 'c') {
				v &= 0xff;
			} else if (lng == 0 && (conv == 'd' || conv == 'i')) {
				v = (uint64_t)(int64_t)(int32_t)v;
			} else if (lng == 0) {
				v = (uint32_t)v;
			}
			args[nargs++] = v;
		}
		if (fl + ol >= sizeof f_ours - 1)
			break;
		memcpy(f_ours + fl, ours, ol);
		fl += ol;
	}
	f_ours[fl] = 0;
	/* f_libc = f_ours with each "%...p" turned into "%...llx" */
	size_t li = 0;
	for (size_t i = 0; i < fl && li < sizeof f_libc - 4; i++) {
		f_libc[li++] = f_ours[i];
		if (f_ours[i] != '%')
			continue;
		size_t j = i + 1;
		while (j < fl && strchr("-0123456789.*lz", f_ours[j]))
			j++;
		for (size_t k = i + 1; k < j; k++)
			f_libc[li++] = f_ours[k];
		if (j < fl && f_ours[j] == 'p') {
			memcpy(f_libc + li, "llx", 3);
			li += 3;
		} else if (j < fl) {
			f_libc[li++] = f_ours[j];
		}
		i = j;
	}
	f_libc[li] = 0;

	char *b1 = malloc(bufsize ? bufsize : 1), *b2 = malloc(bufsize ? bufsize : 1);
	CHECK(b1 && b2, "malloc");
	memset(b1, 0x7e, bufsize ? bufsize : 1);
	memset(b2, 0x7e, bufsize ? bufsize : 1);
	size_t n1 = fmt(b1, bufsize, f_ours, args[0], args[1], args[2], args[3],
			args[4], args[5], args[6], args[7]);
	int n2 = snprintf(b2, bufsize, f_libc, args[0], args[1], args[2], args[3],
			  args[4], args[5], args[6], args[7]);
	CHECK(n2 >= 0, "snprintf failed on %s", f_libc);
	if (bufsize)
		CHECK(memchr(b1, 0, bufsize), "fmt output not NUL-terminated (size %zu)", bufsize);
	CHECK(n1 == (size_t)n2, "fmt(\"%s\") returned %zu, snprintf %d", f_ours, n1, n2);
	if (bufsize)
		CHECK(!memcmp(b1, b2, (size_t)n2 < bufsize ? (size_t)n2 + 1 : bufsize),
		      "fmt(\"%s\") wrote \"%.*s\", snprintf \"%.*s\" (size %zu)", f_ours,
		      (int)bufsize, b1, (int)bufsize, b2, bufsize);
	char *full = malloc((size_t)n2 + 1), *want = malloc(bufsize + 1);
	CHECK(full && want, "malloc");
	snprintf(full, (size_t)n2 + 1, f_libc, args[0], args[1], args[2], args[3],
		 args[4], args[5], args[6], args[7]);
	memset(b1, 0x7e, bufsize ? bufsize : 1);
	size_t l1 = line(b1, bufsize, f_ours, args[0], args[1], args[2], args[3],
			 args[4], args[5], args[6], args[7]);
	size_t lw = line_model(full, (size_t)n2, bufsize, want);
	CHECK(l1 == lw && (!bufsize || !memcmp(b1, want, lw + 1)),
	      "fmt_line_v(\"%s\") wrote %zu \"%.*s\", expected %zu \"%.*s\" (size %zu)",
	      f_ours, l1, (int)bufsize, b1, lw, (int)lw, want, bufsize);
	free(full);
	free(want);
	free(b1);
	free(b2);
	return 0;
}
