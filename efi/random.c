/*
 * random.c - entropy for KASLR: EFI_RNG_PROTOCOL, else RDRAND, else the
 * time stamp counter (which says little; the log line names the source so
 * that nobody mistakes it for randomness).
 */
#include "cpu.h"
#include "loader.h"

uint64_t random_u64(const char **ret_source)
{
	EFI_GUID guid = EFI_RNG_PROTOCOL_GUID;
	EFI_RNG_PROTOCOL *rng;
	uint64_t v;

	if (!EFI_ERROR(LibLocateProtocol(&guid, (void **)&rng)) && rng &&
	    !EFI_ERROR(rng->GetRNG(rng, NULL, sizeof v, (UINT8 *)&v))) {
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
