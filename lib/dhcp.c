/*
 * dhcp.c - the boot server and boot file of a DHCPv4 reply (RFC 2131,
 * options RFC 2132), read from a packet the firmware kept.  Every option
 * is checked against the area it sits in before it is read.
 */
#include "dhcp.h"

#include <string.h>

/* RFC 2131 section 2: offsets in the fixed part. */
#define OFF_SIADDR 20
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define SNAME_SIZE 64
#define FILE_SIZE 128
#define BOOTREPLY 2

/* RFC 2132: option codes. */
#define OPT_PAD 0
#define OPT_END 255
#define OPT_OVERLOAD 52 /* section 9.3: 1 `file`, 2 `sname`, 3 both */
#define OPT_SERVER_ID 54
#define OPT_BOOTFILE 67

/* What the options said. */
struct found {
	unsigned overload;
	bool has_server;
	uint8_t server[4];
	/* option 67, concatenated across instances (RFC 3396) */
	size_t bootfile_len;
	bool has_bootfile;
	char bootfile[DHCP_BOOTFILE_MAX];
};

static int take_option(const uint8_t *p, size_t at, unsigned code, size_t len,
		       struct found *f, struct rw_err *err)
{
	const uint8_t *v = p + at + 2;

	switch (code) {
	case OPT_OVERLOAD:
		if (len != 1 || v[0] < 1 || v[0] > 3)
			return rw_fail(err, "DHCP reply: option 52 (overload) at offset %zu: length %zu value %u, expected length 1 value 1..3",
				       at, len, len ? v[0] : 0);
		f->overload = v[0];
		return 0;
	case OPT_SERVER_ID:
		if (len != 4)
			return rw_fail(err, "DHCP reply: option 54 (server identifier) at offset %zu: length %zu, expected 4",
				       at, len);
		memcpy(f->server, v, 4);
		f->has_server = true;
		return 0;
	case OPT_BOOTFILE:
		if (f->bootfile_len + len >= DHCP_BOOTFILE_MAX)
			return rw_fail(err, "DHCP reply: option 67 (boot file name) at offset %zu: %zu bytes in all, more than %d",
				       at, f->bootfile_len + len, DHCP_BOOTFILE_MAX - 1);
		memcpy(f->bootfile + f->bootfile_len, v, len);
		f->bootfile_len += len;
		f->bootfile[f->bootfile_len] = 0;
		f->has_bootfile = true;
		return 0;
	default:
		return 0;
	}
}

/* The options in p[start..end), up to OPT_END; `area` names it. */
static int walk(const uint8_t *p, size_t start, size_t end, const char *area,
		struct found *f, struct rw_err *err)
{
	size_t i = start;

	while (i < end) {
		unsigned code = p[i];
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return 0;
		if (end - i < 2)
			return rw_fail(err, "DHCP reply: option %u at offset %zu: no length byte before the end of the %s",
				       code, i, area);
		size_t len = p[i + 1];
		if (len > end - i - 2)
			return rw_fail(err, "DHCP reply: option %u at offset %zu: its %zu bytes run past the end of the %s at offset %zu",
				       code, i, len, area, end);
		if (take_option(p, i, code, len, f, err))
			return -1;
		i += 2 + len;
	}
	return 0;
}

static int read_options(const uint8_t *pkt, size_t len, struct found *f,
			struct rw_err *err)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };

	if (len < DHCP_OPTIONS_OFFSET || memcmp(pkt + OFF_COOKIE, cookie, 4))
		return 0; /* BOOTP: no options */
	if (walk(pkt, DHCP_OPTIONS_OFFSET, len, "packet", f, err))
		return -1;
	/* RFC 2131 section 4.1: then `file`, then `sname`. */
	if ((f->overload & 1) &&
	    walk(pkt, OFF_FILE, OFF_FILE + FILE_SIZE, "file field", f, err))
		return -1;
	if ((f->overload & 2) &&
	    walk(pkt, OFF_SNAME, OFF_SNAME + SNAME_SIZE, "sname field", f, err))
		return -1;
	return 0;
}

/* Bytes before the first NUL in s[0..max). */
static size_t name_len(const void *s, size_t max)
{
	const uint8_t *z = memchr(s, 0, max);

	return z ? (size_t)(z - (const uint8_t *)s) : max;
}

/* The boot file: option 67, else `file` when it holds no options; up to
 * the first NUL, printable ASCII. */
static int boot_file(const uint8_t *pkt, const struct found *f,
		     struct dhcp_boot *b, struct rw_err *err)
{
	const char *what = "option 67 (boot file name)";
	size_t n = 0;

	if (f->has_bootfile) {
		n = name_len(f->bootfile, f->bootfile_len);
		memcpy(b->bootfile, f->bootfile, n);
	} else if (!(f->overload & 1)) {
		what = "file field";
		n = name_len(pkt + OFF_FILE, FILE_SIZE);
		memcpy(b->bootfile, pkt + OFF_FILE, n);
	}
	b->bootfile[n] = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b->bootfile[i];
		if (c < 0x20 || c > 0x7e)
			return rw_fail(err, "DHCP reply: %s: byte 0x%02x at %zu is not printable ASCII",
				       what, c, i);
	}
	return 0;
}

/* Not an address a server can have: 0.0.0.0 (none), multicast, reserved
 * and broadcast (224 and up). */
static bool unicast(const uint8_t ip[4])
{
	return ip[0] < 224 && (ip[0] | ip[1] | ip[2] | ip[3]) != 0;
}

int dhcp_boot_info(const uint8_t *pkt, size_t len, struct dhcp_boot *ret,
		   struct rw_err *err)
{
	struct found f = { 0 };
	struct dhcp_boot b = { 0 };
	const uint8_t *siaddr = pkt + OFF_SIADDR;

	if (len < DHCP_FIXED_SIZE)
		return rw_fail(err, "DHCP reply: %zu bytes, shorter than the %d of its fixed part",
			       len, DHCP_FIXED_SIZE);
	if (pkt[0] != BOOTREPLY)
		return rw_fail(err, "DHCP reply: op is %u, expected %d (BOOTREPLY)", pkt[0],
			       BOOTREPLY);
	if (read_options(pkt, len, &f, err) || boot_file(pkt, &f, &b, err))
		return -1;
	if (unicast(siaddr))
		memcpy(b.server, siaddr, 4);
	else if (f.has_server && unicast(f.server))
		memcpy(b.server, f.server, 4);
	else
		return rw_fail(err, "DHCP reply: no server: siaddr is %u.%u.%u.%u and option 54 %s",
			       siaddr[0], siaddr[1], siaddr[2], siaddr[3],
			       f.has_server ? "is no unicast address" : "is not there");
	*ret = b;
	return 0;
}

int dhcp_boot_choose(const uint8_t *const pkts[], const size_t lens[], size_t n,
		     struct dhcp_boot *ret, struct rw_err *err)
{
	struct dhcp_boot b = { 0 }, first = { 0 };
	int first_ok = -1;

	rw_fail(err, "DHCP reply: none received");
	for (size_t i = 0; i < n; i++) {
		if (!pkts[i] || dhcp_boot_info(pkts[i], lens[i], &b, err))
			continue;
		if (b.bootfile[0]) {
			*ret = b;
			return (int)i;
		}
		if (first_ok < 0) {
			first = b;
			first_ok = (int)i;
		}
	}
	if (first_ok >= 0)
		*ret = first;
	return first_ok;
}
