/*
 * tftp.c - TFTP names and messages: runway.conf paths as TFTP file names
 * (through the same rules as paths on a volume), where runway.conf is
 * looked for next to the boot file, tftp:// URIs and error texts.
 */
#include "tftp.h"

#include <string.h>

#include "ucs2.h"

__attribute__((format(printf, 2, 3)))
static bool refuse(struct rw_err *err, const char *f, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, f);
		fmt_v(err->msg, sizeof err->msg, f, ap);
		va_end(ap);
	}
	return false;
}

bool tftp_name_from_config(const char *path, char *out, size_t cap,
			   struct rw_err *err)
{
	/* The EFI form ("\boot\kernel.elf") is checked printable ASCII with
	 * one '\' before each component: the TFTP name is it without the
	 * first '\', the others as '/'. */
	uint16_t efi[TFTP_NAME_MAX + 1];
	size_t n = 0;

	if (!ucs2_path_from_config(path, efi, TFTP_NAME_MAX + 1, err))
		return false;
	while (efi[n])
		n++;
	if (n > cap)
		return refuse(err, "needs %zu bytes with the NUL; the buffer holds %zu",
			      n, cap);
	for (size_t i = 1; i < n; i++)
		out[i - 1] = efi[i] == UCS2_SEP ? '/' : (char)efi[i];
	out[n - 1] = 0;
	return true;
}

size_t tftp_config_names(const char *bootfile, char out[2][TFTP_NAME_MAX])
{
	char dir[TFTP_NAME_MAX + 16];
	size_t end = 0, n = 0;

	for (size_t i = 0; bootfile[i]; i++)
		if (bootfile[i] == '/' || bootfile[i] == '\\')
			end = i;
	/* end < strlen(bootfile): dir holds bootfile[0..end) and the name. */
	if (end > 0 && end < TFTP_NAME_MAX) {
		memcpy(dir, bootfile, end);
		memcpy(dir + end, "/runway.conf", sizeof "/runway.conf");
		/* A directory of separators alone ("\\/x.efi") is the root. */
		if (tftp_name_from_config(dir, out[0], TFTP_NAME_MAX, NULL) &&
		    strcmp(out[0], "runway.conf"))
			n++;
	}
	memcpy(out[n], "runway.conf", sizeof "runway.conf");
	return n + 1;
}

void tftp_ip_text(const uint8_t ip[4], char *out, size_t cap)
{
	fmt(out, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

bool tftp_uri(const uint8_t ip[4], const char *name, char *out, size_t cap)
{
	char host[16];

	tftp_ip_text(ip, host, sizeof host);
	if (fmt(NULL, 0, "tftp://%s/%s", host, name) >= cap)
		return false;
	fmt(out, cap, "tftp://%s/%s", host, name);
	return true;
}

/* RFC 1350 section 5; 8 is RFC 2347's (option negotiation).  One string,
 * the meanings one after another (an array of pointers would be one
 * relocation each in the image); an empty one ends them. */
static const char *error_meaning(unsigned code)
{
	const char *s = "not defined\0"
			"file not found\0"
			"access violation\0"
			"disk full or allocation exceeded\0"
			"illegal TFTP operation\0"
			"unknown transfer ID\0"
			"file already exists\0"
			"no such user\0"
			"option negotiation refused\0";

	for (; code && *s; code--)
		s += strlen(s) + 1;
	return *s ? s : "unknown code";
}

void tftp_error_text(unsigned code, const char *msg, size_t msg_cap, char *out,
		     size_t cap)
{
	char clean[128];
	size_t n = 0;

	for (; n < msg_cap && n + 1 < sizeof clean && msg[n]; n++) {
		unsigned char b = (unsigned char)msg[n];
		clean[n] = b >= 0x20 && b <= 0x7e ? (char)b : '?';
	}
	clean[n] = 0;
	/* Code 0 means "see the message": with one, the number says nothing. */
	if (n && code == 0)
		fmt(out, cap, "TFTP error, the server says \"%s\"", clean);
	else if (n)
		fmt(out, cap, "TFTP error %u (%s), the server says \"%s\"", code,
		    error_meaning(code), clean);
	else
		fmt(out, cap, "TFTP error %u (%s)", code, error_meaning(code));
}
