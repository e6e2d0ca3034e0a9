/*
 * pin.c - the one path for SHA-256 pins (`sha256 =`, `module-sha256 =`,
 * `initrd-sha256 =`): one comparison, one success line, one message.
 */
#include "loader.h"

#include <string.h>

#include "sha256.h"

EFI_STATUS pin_check(const char *what, const char *path, const uint8_t got[32],
		     const uint8_t want[32])
{
	char hex_got[65], hex_want[65];

	if (memcmp(got, want, 32) == 0) {
		log_event("sha256 path=%s ok\n", path);
		return EFI_SUCCESS;
	}
	sha256_hex(got, hex_got);
	sha256_hex(want, hex_want);
	return con_fail(EFI_SECURITY_VIOLATION,
			"%s%s%s: SHA-256 mismatch: file has %s, the entry pins %s; refusing to boot",
			what, what[0] ? " " : "", path, hex_got, hex_want);
}

EFI_STATUS pin_check_buffer(const char *what, const char *path,
			    const void *buf, uint64_t size,
			    const uint8_t want[32])
{
	struct sha256 h;
	uint8_t got[32];

	sha256_init(&h);
	sha256_update(&h, buf, size);
	sha256_final(&h, got);
	return pin_check(what, path, got, want);
}
