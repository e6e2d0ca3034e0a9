/*
 * ucs2.h - the strings the firmware wants: UCS-2 load options and EFI file
 * paths, built from runway.conf's UTF-8 text and '/'-separated paths.
 *
 * Pure logic (no firmware headers), tested on the host.  A UCS-2 unit is a
 * uint16_t (the loader builds with -fshort-wchar, so CHAR16 and L"..." are
 * the same type).  Every capacity `cap` counts units, the NUL included.
 * Nothing is ever cut short: a result that does not fit is refused.  A
 * refused conversion or join leaves its output buffer as it was (the
 * directory builder works in its buffer and leaves "" there).  Outputs
 * must not overlap inputs.
 */
#ifndef RUNWAY_UCS2_H
#define RUNWAY_UCS2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define UCS2_REPLACEMENT 0xfffd
#define UCS2_SEP 0x5c /* '\\', the EFI path separator */

/* ---- UTF-8 text -> UCS-2 load options ---- */

/*
 * The bytes (not units) that s, NUL-terminated UTF-8, takes as UCS-2, the
 * NUL included: what ucs2_from_utf8 would write.  Each input byte makes at
 * most one unit, so cap = strlen(s) + 1 always fits.
 */
size_t ucs2_from_utf8_size(const char *s);

/*
 * Convert s (NUL-terminated UTF-8, RFC 3629) into out[0..cap) as
 * NUL-terminated UCS-2.  Characters outside the BMP and ill-formed
 * sequences become U+FFFD, one unit per sequence: a lead byte and the
 * continuation bytes it announces, as far as they are there.  Ill-formed
 * means a continuation byte (80..BF) without a lead, a byte F8..FF, a
 * sequence cut short by a byte that is not a continuation (that byte is
 * not consumed: ASCII after a broken sequence survives), an overlong form
 * or a surrogate (U+D800..U+DFFF).
 *
 * Returns true with *ret_size = the bytes written, NUL included (the EFI
 * LoadOptionsSize); false when the result needs more than cap units
 * (ucs2_from_utf8_size says how much), with out and *ret_size untouched.
 */
bool ucs2_from_utf8(const char *s, uint16_t *out, size_t cap, size_t *ret_size);

/* ---- runway.conf path -> EFI file path ---- */

/*
 * Convert a runway.conf path (NUL-terminated, e.g. "boot/kernel.elf" or
 * "/EFI/linux/vmlinuz.efi") into an EFI file path in out[0..cap):
 * "\boot\kernel.elf".  Paths are always from the volume root:
 *   - '/' and '\' both separate components; one '\' is put before each
 *     component, so a leading separator is optional and repeated ones
 *     collapse ("//boot///a" -> "\boot\a");
 *   - refused: a byte that is not printable ASCII (0x20..0x7e), UTF-8
 *     included (a control byte in a path is a mistake, and how firmware
 *     matches non-ASCII names on FAT varies: refused, not guessed at);
 *   - refused: a component "." or ".." (no relative steps in a path from
 *     the root: the file opened is the file the config names);
 *   - refused: no component at all ("", "/"), or a separator at the end
 *     (that names a directory, never a file);
 *   - refused: a result longer than cap - 1 units.  The only length limit
 *     here is the caller's cap: a path of n bytes needs at most n + 2 units
 *     (leading '\' and NUL), so CONFIG_PATH_MAX + 1 units hold every path
 *     runway.conf can hold (CONFIG_PATH_MAX - 1 bytes).
 * Returns true, or false with out untouched and err (if not NULL) saying
 * why: the offending byte or component and its offset, or the units
 * needed and cap.  The message does not repeat the path; the caller names
 * it.
 */
bool ucs2_path_from_config(const char *path, uint16_t *out, size_t cap,
			   struct rw_err *err);

/*
 * Join dir and name (NUL-terminated UCS-2) with one '\' into out[0..cap):
 * dir's trailing '\'s and name's leading '\'s are dropped, then
 * dir + '\' + name.  dir "" is the volume root: ("", "runway.conf") ->
 * "\runway.conf"; ("\EFI\BOOT", "runway.conf") ->
 * "\EFI\BOOT\runway.conf".  Returns false, out untouched, when the result
 * needs more than cap units.
 */
bool ucs2_path_join(const uint16_t *dir, const uint16_t *name, uint16_t *out,
		    size_t cap);

/* ---- the directory of an EFI file path, node by node ---- */

/*
 * The directory part of the path in a device path's FILEPATH nodes (the
 * loader's own LoadedImage->FilePath), built node by node:
 *
 *     struct ucs2_dir d;
 *     ucs2_dir_init(&d, dir, ARRAY_SIZE(dir));
 *     for each MEDIA_FILEPATH_DP node fp:
 *         ucs2_dir_add_node(&d, fp->PathName, DevicePathNodeLength(fp) - 4);
 *     if (!ucs2_dir_finish(&d))
 *         the directory does not fit in dir (dir holds "")
 *
 * The nodes are joined as one path: each node's string ends at its first
 * NUL or its last whole unit; an empty one adds nothing; a non-empty one
 * starts a new component; the path gets a leading '\'; runs of '\'
 * collapse to one.  (UEFI's File Path Media Device Path lets each node
 * begin and/or end with a '\', optionally, and EDK2 opens such a path one
 * node at a time: so a '\' between nodes is implied, "\EFI" + "BOOT" is
 * "\EFI\BOOT".)  Only '\' separates.  The directory is that path without
 * its last component and the '\' before it: "\EFI\BOOT\BOOTX64.EFI" ->
 * "\EFI\BOOT", "\BOOTX64.EFI" -> "" (the root), "\EFI\BOOT\" ->
 * "\EFI\BOOT", no nodes -> "".
 *
 * The fields are the builder's own; read the result in the buffer.
 */
struct ucs2_dir {
	uint16_t *buf;
	size_t cap;      /* units in buf, >= 1 */
	size_t len;      /* units of the path kept in buf */
	uint16_t last;   /* the path's last unit so far, kept or not */
	bool cut;        /* the path went on past cap - 1 units ... */
	bool cut_at_sep; /* ... first with a separator */
	bool too_long;   /* ... and had a separator later: no room for the
			  * directory */
};

/* Start an empty path in buf[0..cap); cap >= 1. */
void ucs2_dir_init(struct ucs2_dir *d, uint16_t *buf, size_t cap);

/*
 * Append one node's string: size bytes at name, UCS-2 little-endian, read
 * byte by byte (device path nodes need not be aligned); an odd last byte
 * is ignored.  For a node, size is its length minus the 4-byte header:
 * the caller checks the length is at least 4.
 */
void ucs2_dir_add_node(struct ucs2_dir *d, const void *name, size_t size);

/*
 * Leave the directory in buf, NUL-terminated.  Returns false exactly when
 * it needs more than cap - 1 units (buf then holds ""): a file name too
 * long for buf after the last separator is no reason to fail.
 */
bool ucs2_dir_finish(struct ucs2_dir *d);

#endif
