/*
 * string.h - the few C library string functions the freestanding loader
 * build provides (lib/string.c).  Host builds use the real C library.
 */
#ifndef RUNWAY_LIBC_STRING_H
#define RUNWAY_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
void *memchr(const void *p, int c, size_t n);
char *strrchr(const char *s, int c);
int strcmp(const char *a, const char *b);

#endif
