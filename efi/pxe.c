/*
 * pxe.c - files from the TFTP server that served Runway, through the
 * firmware's EFI_PXE_BASE_CODE_PROTOCOL (UEFI 2.10, section 24.3) on
 * Runway's own device.
 *
 * The server and the boot file come from the DHCP replies the PXE boot
 * kept (lib/dhcp.c chooses and reads them).  Opening a file asks its size
 * (the tsize option, RFC 2349) and checks it against free memory, before
 * anything is transferred; a read transfers the whole file, into the
 * memory the caller gives (efi/file.c decides where: straight into place,
 * or a buffer it serves reads at offsets from, as TFTP cannot seek).  A
 * call that times out is tried again, PXE_TRIES times in all; the
 * firmware retries each packet itself (EDK2: 6 times, 4 s apart), so a
 * silent server is reported after about 24 s per try.
 */
#include "loader.h"

#include <string.h>

#include "dhcp.h"
#include "tftp.h"

/* Asked of the server (RFC 2348); servers answer with this or less
 * (QEMU's: at most 1428).  1428 bytes of data leave room in a 1500-byte
 * Ethernet frame for the IP, UDP and TFTP headers with slack for IP
 * options and tunnels: no fragments.  The default, 512, would take
 * almost three times the round trips. */
#define PXE_BLKSIZE 1428
#define PXE_TRIES 3

EFI_STATUS pxe_init(EFI_HANDLE device, struct pxe *ret, char *why, size_t cap)
{
	EFI_PXE_BASE_CODE *bc;
	EFI_PXE_BASE_CODE_MODE *m;
	struct rw_err err;
	EFI_STATUS st = BS->HandleProtocol(device, &PxeBaseCodeProtocol, (void **)&bc);

	if (EFI_ERROR(st))
		return st;
	m = bc->Mode;
	if (!m->Started) {
		fmt(why, cap, "the PXE base code on Runway's device is stopped");
		return EFI_NOT_STARTED;
	}
	if (m->UsingIpv6) {
		fmt(why, cap, "Runway was started over IPv6; it reads files over IPv4 TFTP only");
		return EFI_UNSUPPORTED;
	}
	/* In order of preference, as EDK2 chooses the boot file (PxeBcDhcp4.c):
	 * a PXE boot server's reply, a proxyDHCP offer, the DHCP ACK. */
	const uint8_t *pkts[3] = {
		m->PxeReplyReceived ? (const uint8_t *)&m->PxeReply : NULL,
		m->ProxyOfferReceived ? (const uint8_t *)&m->ProxyOffer : NULL,
		m->DhcpAckReceived ? (const uint8_t *)&m->DhcpAck : NULL,
	};
	const size_t lens[3] = { sizeof m->PxeReply, sizeof m->ProxyOffer,
				 sizeof m->DhcpAck };
	struct dhcp_boot b;
	if (dhcp_boot_choose(pkts, lens, 3, &b, &err) < 0) {
		fmt(why, cap, "%s", err.msg);
		return EFI_PROTOCOL_ERROR;
	}
	ret->bc = bc;
	memcpy(ret->server, b.server, 4);
	tftp_ip_text(b.server, ret->server_text, sizeof ret->server_text);
	memcpy(ret->bootfile, b.bootfile, sizeof ret->bootfile);
	return EFI_SUCCESS;
}

/* One Mtftp operation on name, tried again on a timeout; *size is the
 * buffer's size in, the file's (or what arrived) out. */
static EFI_STATUS mtftp(const struct pxe *p, EFI_PXE_BASE_CODE_TFTP_OPCODE op,
			void *buf, uint64_t *size, const char *name,
			const char *uri, unsigned *ret_tries)
{
	EFI_IP_ADDRESS server;
	EFI_STATUS st;

	memset(&server, 0, sizeof server);
	memcpy(&server.v4, p->server, 4);
	for (unsigned t = 1;; t++) {
		UINTN blksize = PXE_BLKSIZE;
		uint64_t n = *size;
		st = p->bc->Mtftp(p->bc, op, buf, FALSE, &n, &blksize, &server,
				  (UINT8 *)name, NULL, FALSE);
		*ret_tries = t;
		if (st != EFI_TIMEOUT || t == PXE_TRIES) {
			*size = n;
			return st;
		}
		log_event("tftp-retry uri=%s try=%u status=%s\n", uri, t,
			  efi_status_name(st));
	}
}

/*
 * Why an operation failed, in why; the status a caller sees.  A server's
 * error packet is EFI_TFTP_ERROR, or for code 1 (file not found)
 * EFI_NOT_FOUND as on a volume.  EDK2 keeps only the first byte of the
 * code as it came over the wire (UefiPxeBcDxe's PxeBcMtftp4GetFileSize:
 * (UINT8) of the big-endian field), so there every standard code reads as
 * 0 and the server's message is the error; and it keeps nothing of an
 * error that ends a transfer (its check compares the opcode without
 * swapping it): then EFI_TFTP_ERROR alone is known.
 */
static EFI_STATUS failed(const struct pxe *p, EFI_STATUS st, const char *uri,
			 const char *doing, unsigned tries, char *why, size_t cap)
{
	const EFI_PXE_BASE_CODE_MODE *m = p->bc->Mode;
	char text[TFTP_ERROR_TEXT_MAX];

	if (st == EFI_TFTP_ERROR && m->TftpErrorReceived) {
		tftp_error_text(m->TftpError.ErrorCode, (const char *)m->TftpError.ErrorString,
				sizeof m->TftpError.ErrorString, text, sizeof text);
		fmt(why, cap, "%s: %s", uri, text);
		if (m->TftpError.ErrorCode == 1)
			return EFI_NOT_FOUND;
		return m->TftpError.ErrorCode == 2 ? EFI_ACCESS_DENIED : st;
	}
	if (st == EFI_TIMEOUT) {
		fmt(why, cap, "%s: no answer %s, %u tries", uri, doing, tries);
		return st;
	}
	if (st == EFI_ICMP_ERROR && m->IcmpErrorReceived) {
		fmt(why, cap, "%s: ICMP error type %u code %u %s", uri,
		    m->IcmpError.Type, m->IcmpError.Code, doing);
		return st;
	}
	fmt(why, cap, "%s: %s %s", uri, efi_status_name(st), doing);
	/* EDK2 says EFI_NOT_FOUND when the answer had no tsize. */
	return st == EFI_NOT_FOUND ? EFI_UNSUPPORTED : st;
}

/* Refuse a file larger than free memory before transferring it. */
static EFI_STATUS fits(uint64_t size, const char *uri, char *why, size_t cap)
{
	struct fw_map m = { 0 };
	EFI_STATUS st = fw_map_snapshot(&m);

	if (EFI_ERROR(st)) {
		fmt(why, cap, "%s: %" PRIu64 " bytes, and no memory map to check them against: %s",
		    uri, size, efi_status_name(st));
		return st;
	}
	uint64_t free = fw_map_free_bytes(&m);
	fw_map_free(&m);
	if (size < free)
		return EFI_SUCCESS;
	fmt(why, cap, "%s: %" PRIu64 " bytes (tsize), more than the %" PRIu64
	    " bytes of free memory; nothing transferred", uri, size, free);
	return EFI_BAD_BUFFER_SIZE;
}

/* The TFTP name and URI of a config path. */
static EFI_STATUS names(const struct pxe *p, const char *path, char name[TFTP_NAME_MAX],
			char uri[TFTP_URI_MAX], char *why, size_t cap)
{
	struct rw_err err;

	if (!tftp_name_from_config(path, name, TFTP_NAME_MAX, &err)) {
		fmt(why, cap, "not a TFTP file name: %s", err.msg);
		return EFI_INVALID_PARAMETER;
	}
	tftp_uri(p->server, name, uri, TFTP_URI_MAX);
	return EFI_SUCCESS;
}

EFI_STATUS pxe_size(const struct pxe *p, const char *path, uint64_t *ret_size,
		    char *why, size_t cap)
{
	char name[TFTP_NAME_MAX];
	char uri[TFTP_URI_MAX];
	uint64_t size = 0;
	unsigned tries;
	EFI_STATUS st = names(p, path, name, uri, why, cap);

	if (EFI_ERROR(st))
		return st;
	st = mtftp(p, EFI_PXE_BASE_CODE_TFTP_GET_FILE_SIZE, NULL, &size, name, uri,
		   &tries);
	if (EFI_ERROR(st))
		return failed(p, st, uri, "asking its size (TFTP option tsize)", tries,
			      why, cap);
	st = fits(size, uri, why, cap);
	if (EFI_ERROR(st))
		return st;
	*ret_size = size;
	return EFI_SUCCESS;
}

EFI_STATUS pxe_read(const struct pxe *p, const char *path, void *dst, uint64_t size,
		    char *why, size_t cap)
{
	char name[TFTP_NAME_MAX];
	char uri[TFTP_URI_MAX];
	unsigned tries = 0;
	uint64_t got = size;
	uint64_t t0 = tsc_now();
	EFI_STATUS st = names(p, path, name, uri, why, cap);

	if (!EFI_ERROR(st))
		st = mtftp(p, EFI_PXE_BASE_CODE_TFTP_READ_FILE, dst, &got, name, uri,
			   &tries);
	if (EFI_ERROR(st)) {
		if (tries)
			st = failed(p, st, uri, "while reading", tries, why, cap);
	} else if (got != size) {
		fmt(why, cap, "%s: %" PRIu64 " bytes arrived, tsize said %" PRIu64, uri,
		    got, size);
		st = EFI_END_OF_FILE;
	}
	if (EFI_ERROR(st)) {
		/* The caller reports the status; this says what happened. */
		log_event("tftp-failed status=%s %s\n", efi_status_name(st), why);
		return st;
	}
	log_event("tftp uri=%s bytes=%" PRIu64 " us=%" PRIu64 " tries=%u\n", uri, size,
		  tsc_to_us(tsc_now() - t0), tries);
	return EFI_SUCCESS;
}

EFI_STATUS pxe_device_path(const struct pxe *p, EFI_HANDLE device, const char *path,
			   EFI_DEVICE_PATH **ret_dp)
{
	/* UEFI 2.10, 10.3.5.23: a URI node is its header and the URI's
	 * bytes, no NUL. */
	struct {
		EFI_DEVICE_PATH hdr;
		char uri[TFTP_URI_MAX];
	} node;
	char name[TFTP_NAME_MAX];
	EFI_DEVICE_PATH *dev = DevicePathFromHandle(device);

	if (!tftp_name_from_config(path, name, sizeof name, NULL) ||
	    !tftp_uri(p->server, name, node.uri, sizeof node.uri))
		return EFI_INVALID_PARAMETER;
	node.hdr.Type = MESSAGING_DEVICE_PATH;
	node.hdr.SubType = MSG_URI_DP;
	SetDevicePathNodeLength(&node.hdr, sizeof node.hdr + strlen(node.uri));
	/* Runway's device (the PXE handle) and the URI: LoadImage finds
	 * that handle for the program, which can use its PXE base code. */
	EFI_DEVICE_PATH *dp = dev ? AppendDevicePathNode(dev, &node.hdr) : NULL;
	if (!dp)
		return dev ? EFI_OUT_OF_RESOURCES : EFI_NOT_FOUND;
	*ret_dp = dp;
	return EFI_SUCCESS;
}
