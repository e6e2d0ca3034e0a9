/*
 * time.c - the time stamp counter, calibrated against the firmware's Stall.
 */
#include "loader.h"

static uint64_t ticks_per_us = 1;

uint64_t tsc_now(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void tsc_calibrate(void)
{
	uint64_t t0 = tsc_now();

	/* 1 ms: a million ticks of a 1 GHz counter, ample for the
	 * microseconds Runway reports (OVMF's Stall counts the ACPI timer). */
	BS->Stall(1000);
	uint64_t t = (tsc_now() - t0) / 1000;
	ticks_per_us = t ? t : 1;
}

uint64_t tsc_to_us(uint64_t ticks)
{
	return ticks / ticks_per_us;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t end = tsc_now() + us * ticks_per_us;

	while (tsc_now() < end)
		__asm__ volatile("pause");
}
