/*
 * random.c - entropy for KASLR: EFI_RNG_PROTOCOL, else RDRAND, else the
 * time stamp counter (which says little; the log line names the source so
 * that nobody mistakes it for randomness).
 */
#include "loader.h"

static bool rdrand64(uint64_t *ret)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 30)))
		return false;
	for (int tries = 0; tries < 10; tries++) {
		uint64_t v;
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (ok) {
			*ret = v;
			return true;
		}
	}
	return false;
}

uint64_t random_u64(const char **ret_source)
{
	EFI_GUID guid = EFI_RNG_PROTOCOL_GUID;
	EFI_RNG_PROTOCOL *rng;
	uint64_t v;

	if (!EFI_ERROR(LibLocateProtocol(&guid, (void **)&rng)) && rng &&
	    !EFI_ERROR(uefi_call_wrapper(rng->GetRNG, 4, rng, NULL, sizeof v,
					 (UINT8 *)&v))) {
		*ret_source = "efi-rng";
		return v;
	}
	if (rdrand64(&v)) {
		*ret_source = "rdrand";
		return v;
	}
	*ret_source = "tsc";
	v = tsc_now();
	return v ^ (v >> 29) ^ (v << 17);
}
