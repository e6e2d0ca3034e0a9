/*
 * rt32.c - the compiler runtime the 32-bit kernels need and cannot take
 * from libgcc or compiler-rt (freestanding, -nostdlib): unsigned 64-bit
 * division and remainder, which clang calls for uint64_t / and % on i386
 * (tests/kernel/serial.c's number formatting, mbchecks.c).  Shift and
 * subtract: slow, and only used to print a few lines.
 */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;
	int i;

	if (d == 0) { /* what the hardware would fault on: make it loud */
		__asm__ volatile("ud2");
	}
	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return __udivmoddi4(n, d, 0);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	__udivmoddi4(n, d, &r);
	return r;
}
