/*
 * string.c - the memory and string functions a freestanding build needs.
 *
 * clang emits calls to memcpy/memset/memmove/memcmp for structure copies
 * and large initialisers even with -ffreestanding.  efi/efilib.c
 * provides memcpy and memset; this file provides the rest.  Host builds
 * use the C library instead (this file is not linked).
 */
#include <stddef.h>
#include <stdint.h>

/* Forward, the string instruction memcpy uses (efi/efilib.c); backward,
 * when the destination starts inside the source, a byte at a time. */
void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return dst;
	}
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

void *memchr(const void *p, int c, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		if (s[i] == (uint8_t)c)
			return (void *)(s + i);
	return NULL;
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}
