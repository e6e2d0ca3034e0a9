/*
 * inttypes.h - the printf format macros for the freestanding loader build
 * (lib/fmt.c understands the l length modifier).  On x86-64 (LP64)
 * uint64_t is unsigned long.  Host builds use the real C library's.
 */
#ifndef RUNWAY_LIBC_INTTYPES_H
#define RUNWAY_LIBC_INTTYPES_H

#include <stdint.h>

#define PRId32 "d"
#define PRIu32 "u"
#define PRIx32 "x"
#define PRId64 "ld"
#define PRIu64 "lu"
#define PRIx64 "lx"
#define PRIX64 "lX"

#endif
