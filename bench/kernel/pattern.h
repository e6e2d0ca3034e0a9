/*
 * pattern.h - the bench kernels' payload: the 32-bit little-endian word at
 * byte offset o of the blob is BENCH_WORD(o).  genblob.c writes it; the
 * kernel's two entries (benchk.S) check one word of every 4 KiB page and
 * the last word.  Included by C and by assembly.
 */
#ifndef RUNWAY_BENCH_PATTERN_H
#define RUNWAY_BENCH_PATTERN_H

#define BENCH_MUL 0x9e3779b1 /* odd: every offset gives another word */
#define BENCH_XOR 0xa5a5a5a5

#ifndef __ASSEMBLER__
#include <stdint.h>
static inline uint32_t bench_word(uint32_t o)
{
	return (o * (uint32_t)BENCH_MUL) ^ (uint32_t)BENCH_XOR;
}
#endif

#endif
