/*
 * dhcp.h - what a DHCPv4 reply says about a network boot: the TFTP server
 * and the boot file.  The PXE base code keeps the replies it received
 * (the DHCP ACK, a proxyDHCP offer, a PXE boot server's reply) as raw
 * packets; Runway reads them here to find the server that served it.
 *
 * Pure logic, tested on the host and fuzzed: a reply is untrusted input,
 * every field and option is checked against the packet's length.
 */
#ifndef RUNWAY_DHCP_H
#define RUNWAY_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

/* RFC 2131 section 2: the fixed part, then the magic cookie (RFC 2132
 * section 3) and the options. */
#define DHCP_FIXED_SIZE 236
#define DHCP_OPTIONS_OFFSET 240
/* The boot file name: the 128-byte `file` field, or option 67 (at most
 * 255 bytes), and a NUL. */
#define DHCP_BOOTFILE_MAX 256

struct dhcp_boot {
	uint8_t server[4];    /* siaddr, else option 54 (server identifier) */
	char bootfile[DHCP_BOOTFILE_MAX]; /* option 67, else `file`; may be "" */
};

/*
 * Read the boot server and file from the reply pkt[0..len): a BOOTREPLY
 * (op 2) of at least DHCP_FIXED_SIZE bytes.  Options are read when the
 * magic cookie is there, up to option 255 or the end of pkt; with option
 * 52 (overload, RFC 2132 section 9.3) the `file` and `sname` fields hold
 * options too and `file` is no name.  Trailing bytes of the buffer past
 * the real packet may be anything that parses as options (the firmware
 * keeps packets in zeroed 1472-byte buffers: zeros are padding).
 *
 * The boot file (option 67, else the `file` field) ends at its first NUL
 * and must be printable ASCII; the server is siaddr when it is not
 * 0.0.0.0, else option 54.  Returns 0, or -1 with err naming the field or
 * option, its offset and what was wrong (an option running past the
 * packet, a wrong length, no server at all), and *ret untouched.
 */
int dhcp_boot_info(const uint8_t *pkt, size_t len, struct dhcp_boot *ret,
		   struct rw_err *err);

/*
 * Choose among the replies a PXE boot received, given in order of
 * preference (the PXE boot server's reply, the proxyDHCP offer, the DHCP
 * ACK; NULL for one not received): the first that parses and names a
 * boot file, else the first that parses.  Returns its index, or -1 with
 * err saying why the last one given failed ("no reply" when all are
 * NULL).
 */
int dhcp_boot_choose(const uint8_t *const pkts[], const size_t lens[], size_t n,
		     struct dhcp_boot *ret, struct rw_err *err);

#endif
