/*
 * fuzz_netboot.c - libFuzzer target: what a network boot reads from the
 * network and turns into names (lib/dhcp.c, lib/tftp.c).
 *
 * Input: byte 0 picks the function (mod 4), the rest is its input.
 *
 *   0  dhcp_boot_info on the bytes, in a buffer of exactly their size
 *      (ASan catches a read past the packet): on success the boot file is
 *      NUL-terminated printable ASCII and the server a unicast address;
 *      on failure a message, and the result untouched.
 *   1  dhcp_boot_choose over three packets (a length byte each, then the
 *      bytes; length 0 = not received): the index returned is one of the
 *      packets given, and its own dhcp_boot_info gives the same result.
 *   2  tftp_name_from_config on the bytes as a string: accepted exactly
 *      when ucs2_path_from_config accepts; the name is the EFI path
 *      without its first '\' and with '/' for the others; a capacity one
 *      byte short is refused without a write.
 *   3  tftp_config_names on the bytes as a boot file name: one or two
 *      names, the last "runway.conf", the first (when two) a valid TFTP
 *      name ending in "/runway.conf"; then tftp_error_text on the same
 *      bytes as the message: NUL-terminated, printable, under the maximum.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "fuzz_common.h"
#include "tftp.h"
#include "ucs2.h"

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static void check_boot(const struct dhcp_boot *b)
{
	CHECK(memchr(b->bootfile, 0, sizeof b->bootfile), "boot file not NUL-terminated");
	CHECK(printable(b->bootfile), "boot file not printable");
	CHECK(b->server[0] < 224 && (b->server[0] | b->server[1] | b->server[2] | b->server[3]),
	      "server %u.%u.%u.%u", b->server[0], b->server[1], b->server[2], b->server[3]);
}

static void fuzz_info(struct rd *r)
{
	uint8_t *pkt = malloc(r->n ? r->n : 1);
	struct dhcp_boot b, untouched;
	struct rw_err err = { "" };

	CHECK(pkt, "malloc");
	memcpy(pkt, r->p, r->n);
	memset(&b, 0x77, sizeof b);
	untouched = b;
	if (dhcp_boot_info(pkt, r->n, &b, &err) == 0) {
		check_boot(&b);
	} else {
		CHECK(err.msg[0], "no message");
		CHECK(!memcmp(&b, &untouched, sizeof b), "result written on failure");
	}
	free(pkt);
}

static void fuzz_choose(struct rd *r)
{
	uint8_t *pkts[3] = { NULL, NULL, NULL };
	size_t lens[3];
	struct dhcp_boot b, again;
	struct rw_err err;

	for (int i = 0; i < 3; i++) {
		/* lengths around the fixed part and beyond */
		lens[i] = rd_u8(r) * 2u;
		if (lens[i] > r->n)
			lens[i] = r->n;
		if (!lens[i])
			continue;
		pkts[i] = malloc(lens[i]);
		CHECK(pkts[i], "malloc");
		memcpy(pkts[i], r->p, lens[i]);
		r->p += lens[i];
		r->n -= lens[i];
	}
	int k = dhcp_boot_choose((const uint8_t *const *)pkts, lens, 3, &b, &err);
	CHECK(k >= -1 && k < 3, "index %d", k);
	if (k >= 0) {
		CHECK(pkts[k], "chose packet %d, which was not given", k);
		CHECK(dhcp_boot_info(pkts[k], lens[k], &again, &err) == 0, "chosen packet refused");
		CHECK(!memcmp(&b, &again, sizeof b), "choice differs from the packet's own result");
		check_boot(&b);
	}
	for (int i = 0; i < 3; i++)
		free(pkts[i]);
}

static char *as_string(struct rd *r)
{
	char *s = malloc(r->n + 1);

	CHECK(s, "malloc");
	memcpy(s, r->p, r->n);
	s[r->n] = 0;
	return s;
}

static void fuzz_name(struct rd *r)
{
	static uint16_t efi[TFTP_NAME_MAX + 1];
	static char name[TFTP_NAME_MAX];
	char *s = as_string(r);
	bool want = ucs2_path_from_config(s, efi, TFTP_NAME_MAX + 1, NULL);
	bool got = tftp_name_from_config(s, name, sizeof name, NULL);

	CHECK(got == want, "name: tftp %d, ucs2 %d", got, want);
	if (got) {
		size_t n = strlen(name);
		for (size_t i = 0; i <= n; i++)
			CHECK(efi[i + 1] == (name[i] == '/' ? '\\' : (unsigned char)name[i]),
			      "name byte %zu differs from the EFI path", i);
		/* one byte short: refused, nothing written */
		char *tight = malloc(n);
		CHECK(tight || !n, "malloc");
		if (n) {
			memset(tight, 0x5a, n);
			CHECK(!tftp_name_from_config(s, tight, n, NULL), "fit in %zu bytes", n);
			for (size_t i = 0; i < n; i++)
				CHECK(tight[i] == 0x5a, "refused call wrote byte %zu", i);
		}
		free(tight);
	}
	free(s);
}

static void fuzz_config_names(struct rd *r)
{
	static const char tail[] = "/runway.conf";
	char names[2][TFTP_NAME_MAX];
	char text[TFTP_ERROR_TEXT_MAX + 64];
	char check[TFTP_NAME_MAX];
	char *s = as_string(r);
	size_t n = tftp_config_names(s, names);

	CHECK(n == 1 || n == 2, "%zu names", n);
	CHECK(!strcmp(names[n - 1], "runway.conf"), "last name \"%s\"", names[n - 1]);
	if (n == 2) {
		size_t len = strlen(names[0]);
		CHECK(len > sizeof tail - 1 && !strcmp(names[0] + len - (sizeof tail - 1), tail),
		      "first name \"%s\"", names[0]);
		CHECK(tftp_name_from_config(names[0], check, sizeof check, NULL) &&
		      !strcmp(check, names[0]), "first name \"%s\" is no TFTP name", names[0]);
	}
	tftp_error_text(r->n ? r->p[0] : 0, s, r->n, text, sizeof text);
	CHECK(strlen(text) < TFTP_ERROR_TEXT_MAX, "error text of %zu bytes", strlen(text));
	CHECK(printable(text), "error text not printable");
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };

	switch (rd_u8(&r) % 4) {
	case 0:
		fuzz_info(&r);
		break;
	case 1:
		fuzz_choose(&r);
		break;
	case 2:
		fuzz_name(&r);
		break;
	default:
		fuzz_config_names(&r);
		break;
	}
	return 0;
}
