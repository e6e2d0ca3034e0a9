/*
 * trust.h - what Secure Boot asks of a configuration.  Pure logic: the
 * loader (efi/secure.c) reads the firmware's SecureBoot variable and the
 * digest enrolled in its own signed image; these functions decide.
 * docs/DESIGN.md, "Secure Boot"; docs/CONFIG.md, "Secure Boot".
 */
#ifndef RUNWAY_TRUST_H
#define RUNWAY_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fmt.h"

/* The state an entry is judged in. */
struct trust {
	bool secure_boot;   /* the firmware's SecureBoot variable is 1 */
	bool enrolled;      /* a config digest is enrolled in the image */
	bool shim;          /* shim's lock protocol is installed: Runway was
			     * started by shim, whose Verify can vouch for a
			     * file the config does not pin */
};

/* Is a digest enrolled?  All zero bytes means none (tools/sign.sh -C
 * writes one). */
bool trust_digest_enrolled(const uint8_t digest[32]);

/*
 * Compare the config's SHA-256 with the enrolled one.  0 when they match
 * (or nothing is enrolled); -1 with err showing both digests when not.
 */
int trust_config_check(const uint8_t enrolled[32], const uint8_t got[32],
		       struct rw_err *err);

/*
 * May entry e run in state t?  Without Secure Boot, always.  With it: a
 * kernel entry needs an enrolled config and pins on the kernel and on
 * every module; an efi entry's initrds need an enrolled config and a pin
 * each (the program itself is verified by the firmware's LoadImage); a verify
 * entry runs nothing and is always allowed.  Started by shim, a file the
 * enrolled config does not pin is allowed too: the loader then has shim's
 * Verify check its bytes as read (efi/secure.c).  0 if allowed, else -1 with
 * err naming the entry, the unpinned file and what to do.
 */
int trust_entry_check(const struct trust *t, const struct config_entry *e,
		      struct rw_err *err);

#endif
