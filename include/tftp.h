/*
 * tftp.h - files over TFTP (RFC 1350): runway.conf paths as TFTP file
 * names, where runway.conf is looked for next to the boot file, the
 * tftp:// form that names a server and a file in messages and device
 * paths, and the text of a TFTP error.
 *
 * Pure logic (no firmware headers), tested on the host.  Every capacity
 * `cap` counts bytes, the NUL included; a result that does not fit is
 * refused (false) with the output untouched, never cut short.
 */
#ifndef RUNWAY_TFTP_H
#define RUNWAY_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

/* A TFTP file name with its NUL: every runway.conf path fits (the read
 * request, RFC 1350 section 5, has room for it and the options). */
#define TFTP_NAME_MAX 256
/* "tftp://255.255.255.255/" + a name */
#define TFTP_URI_MAX (TFTP_NAME_MAX + 24)
/* "TFTP error 65535 (...), the server says "..."" with the longest
 * message a PXE base code keeps (127 bytes) */
#define TFTP_ERROR_TEXT_MAX 200

/*
 * The TFTP file name of a runway.conf path: the rules of
 * ucs2_path_from_config (one set of rules for disk and network: '/' and
 * '\' separate, printable ASCII only, no "." or "..", no empty path or
 * trailing separator), components joined by '/', without a leading one:
 * names are relative to the server's TFTP root, as the boot file's is
 * ("/boot/kernel.elf" -> "boot/kernel.elf").  Returns true, or false
 * with out untouched and err (if not NULL) saying why, without repeating
 * the path.
 */
bool tftp_name_from_config(const char *path, char *out, size_t cap,
			   struct rw_err *err);

/*
 * Where runway.conf is looked for, in order: in the boot file's directory
 * ("efi/runway/BOOTX64.EFI" -> "efi/runway/runway.conf"), then at the
 * server's root ("runway.conf").  A boot file at the root, or one whose
 * directory is not a valid path (see tftp_name_from_config), gives the
 * root alone.  Writes the names to out[0], out[1]; returns how many (1 or
 * 2).
 */
size_t tftp_config_names(const char *bootfile, char out[2][TFTP_NAME_MAX]);

/* "a.b.c.d", into out[0..cap) (16 bytes hold any address). */
void tftp_ip_text(const uint8_t ip[4], char *out, size_t cap);

/*
 * "tftp://a.b.c.d/NAME" (RFC 3617's form: NAME is relative to the
 * server's root).  NAME is a tftp_name_from_config result (printable
 * ASCII, so nothing needs escaping).  False, out untouched, when it does
 * not fit.
 */
bool tftp_uri(const uint8_t ip[4], const char *name, char *out, size_t cap);

/*
 * The text of a TFTP error packet (RFC 1350 section 5, and RFC 2347's
 * code 8): "TFTP error 1 (file not found), the server says "File not
 * found"".  msg is the server's message as the firmware kept it: at most
 * msg_cap bytes, NUL-terminated or not; bytes that are not printable
 * ASCII show as '?'; an empty message is left out.  Code 0 ("not
 * defined, see the message") with a message is "TFTP error, the server
 * says "..."": the message is the error.  (EDK2's PXE base code keeps
 * only the first byte of the code as it came over the wire, which is 0
 * for every standard code: the message is then all that is known.)
 * Always NUL-terminates out (cap > 0); TFTP_ERROR_TEXT_MAX holds every
 * text.
 */
void tftp_error_text(unsigned code, const char *msg, size_t msg_cap, char *out,
		     size_t cap);

#endif
