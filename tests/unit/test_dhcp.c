/*
 * test_dhcp.c - lib/dhcp.c: the boot server and boot file of a DHCPv4
 * reply, and the choice among the replies a PXE boot received.  Each
 * packet is built here field by field, in a zeroed 1472-byte buffer like
 * the ones the PXE base code keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dhcp.h"

#define PKT_SIZE 1472

struct pkt {
	uint8_t b[PKT_SIZE];
	size_t opt; /* where the next option goes */
};

/* A BOOTREPLY with the magic cookie and no options yet. */
static void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof *p);
	p->b[0] = 2;
	memcpy(p->b + 236, "\x63\x82\x53\x63", 4);
	p->opt = DHCP_OPTIONS_OFFSET;
}

static void set_siaddr(struct pkt *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t ip[4] = { a, b, c, d };

	memcpy(p->b + 20, ip, 4);
}

static void set_file(struct pkt *p, const char *name)
{
	memcpy(p->b + 108, name, strlen(name));
}

static void add_option(struct pkt *p, uint8_t code, const void *v, uint8_t len)
{
	p->b[p->opt] = code;
	p->b[p->opt + 1] = len;
	memcpy(p->b + p->opt + 2, v, len);
	p->opt += 2u + len;
}

static void add_end(struct pkt *p)
{
	p->b[p->opt++] = 255;
}

static void assert_server(const struct dhcp_boot *b, uint8_t a, uint8_t c2, uint8_t c3,
			  uint8_t d)
{
	uint8_t want[4] = { a, c2, c3, d };

	assert_memory_equal(b->server, want, 4);
}

/* Parsing fails with a message containing why, and leaves *ret alone. */
static void assert_refused(const struct pkt *p, size_t len, const char *why)
{
	struct dhcp_boot b;
	struct rw_err err = { "" };

	memset(&b, 0x77, sizeof b);
	assert_int_equal(dhcp_boot_info(p->b, len, &b, &err), -1);
	if (!strstr(err.msg, why))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, why);
	for (size_t i = 0; i < sizeof b; i++)
		if (((uint8_t *)&b)[i] != 0x77)
			fail_msg("byte %zu of the result written on failure", i);
}

static void parse_ok(const struct pkt *p, struct dhcp_boot *b)
{
	struct rw_err err = { "" };

	if (dhcp_boot_info(p->b, PKT_SIZE, b, &err))
		fail_msg("refused: %s", err.msg);
}

/* ---- the server ---- */

static void server_is_siaddr_and_file_the_file_field(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	set_file(&p, "BOOTX64.EFI");
	add_end(&p);
	parse_ok(&p, &b);
	assert_server(&b, 10, 0, 2, 2);
	assert_string_equal(b.bootfile, "BOOTX64.EFI");
}

static void server_identifier_when_siaddr_is_zero(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	add_option(&p, 54, "\xc0\xa8\x01\x01", 4);
	add_end(&p);
	parse_ok(&p, &b);
	assert_server(&b, 192, 168, 1, 1);
}

static void server_identifier_when_siaddr_is_broadcast(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 255, 255, 255, 255);
	add_option(&p, 54, "\x0a\x00\x00\x01", 4);
	parse_ok(&p, &b);
	assert_server(&b, 10, 0, 0, 1);
}

static void no_server_is_refused(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	set_file(&p, "BOOTX64.EFI");
	assert_refused(&p, PKT_SIZE, "no server: siaddr is 0.0.0.0 and option 54 is not there");
	add_option(&p, 54, "\xe0\x00\x00\x01", 4);
	assert_refused(&p, PKT_SIZE, "option 54 is no unicast address");
}

/* ---- the boot file ---- */

static void option_67_wins_over_the_file_field(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	set_file(&p, "old.efi");
	add_option(&p, 67, "efi/runway/BOOTX64.EFI", 22);
	add_end(&p);
	parse_ok(&p, &b);
	assert_string_equal(b.bootfile, "efi/runway/BOOTX64.EFI");
}

static void option_67_ends_at_its_nul(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_option(&p, 67, "a.efi\0junk", 10);
	parse_ok(&p, &b);
	assert_string_equal(b.bootfile, "a.efi");
}

static void option_67_in_pieces_is_concatenated(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_option(&p, 67, "efi/run", 7);
	add_option(&p, 12, "host", 4);
	add_option(&p, 67, "way.efi", 7);
	add_end(&p);
	parse_ok(&p, &b);
	assert_string_equal(b.bootfile, "efi/runway.efi");
}

static void a_full_file_field_without_nul(void **state)
{
	struct pkt p;
	struct dhcp_boot b;
	char name[129];

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	memset(name, 'f', 128);
	name[128] = 0;
	set_file(&p, name);
	parse_ok(&p, &b);
	assert_string_equal(b.bootfile, name);
}

static void overloaded_file_field_holds_options_not_a_name(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_option(&p, 52, "\x01", 1);
	add_end(&p);
	/* options in `file`: option 67, then the end */
	memcpy(p.b + 108, "\x43\x05x.efi\xff", 8);
	parse_ok(&p, &b);
	assert_string_equal(b.bootfile, "x.efi");

	memcpy(p.b + 108, "\xff", 1);
	parse_ok(&p, &b);
	assert_string_equal(b.bootfile, "");
}

static void overloaded_sname_is_read_after_file(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	add_option(&p, 52, "\x02", 1);
	add_end(&p);
	memcpy(p.b + 44, "\x36\x04\x0a\x01\x02\x03\xff", 7);
	set_file(&p, "from-file.efi");
	parse_ok(&p, &b);
	assert_server(&b, 10, 1, 2, 3);
	assert_string_equal(b.bootfile, "from-file.efi");
}

static void bootp_without_cookie_has_no_options(void **state)
{
	struct pkt p;
	struct dhcp_boot b;
	struct rw_err err;

	(void)state;
	pkt_init(&p);
	memset(p.b + 236, 0, 4);
	set_siaddr(&p, 10, 0, 2, 2);
	set_file(&p, "pxe.efi");
	/* what would be a broken option is not read */
	p.b[240] = 67;
	p.b[241] = 250;
	assert_int_equal(dhcp_boot_info(p.b, 300, &b, &err), 0);
	assert_string_equal(b.bootfile, "pxe.efi");
	/* exactly the fixed part */
	assert_int_equal(dhcp_boot_info(p.b, DHCP_FIXED_SIZE, &b, &err), 0);
}

static void options_after_the_end_are_not_read(void **state)
{
	struct pkt p;
	struct dhcp_boot b;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_end(&p);
	add_option(&p, 54, "\x01", 1);
	parse_ok(&p, &b);
}

/* ---- broken packets ---- */

static void short_packet_and_wrong_op_refused(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	assert_refused(&p, DHCP_FIXED_SIZE - 1, "235 bytes, shorter than the 236");
	p.b[0] = 1;
	assert_refused(&p, PKT_SIZE, "op is 1, expected 2 (BOOTREPLY)");
}

static void option_running_past_the_packet_refused(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_option(&p, 67, "abcdef", 6);
	assert_refused(&p, 245, "option 67 at offset 240: its 6 bytes run past the end of the packet at offset 245");
	assert_refused(&p, 241, "option 67 at offset 240: no length byte");
}

static void option_running_past_the_file_field_refused(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_option(&p, 52, "\x01", 1);
	add_end(&p);
	p.b[230] = 67;
	p.b[231] = 10;
	assert_refused(&p, PKT_SIZE, "run past the end of the file field at offset 236");
}

static void wrong_option_lengths_refused(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_option(&p, 54, "\x0a\x00\x02", 3);
	assert_refused(&p, PKT_SIZE, "option 54 (server identifier) at offset 240: length 3, expected 4");

	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	add_option(&p, 52, "\x04", 1);
	assert_refused(&p, PKT_SIZE, "option 52 (overload) at offset 240: length 1 value 4");
}

static void bootfile_not_printable_refused(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	set_file(&p, "boot\nx.efi");
	assert_refused(&p, PKT_SIZE, "file field: byte 0x0a at 4 is not printable ASCII");
}

static void option_67_too_long_in_all_refused(void **state)
{
	struct pkt p;
	char piece[200];

	(void)state;
	pkt_init(&p);
	set_siaddr(&p, 10, 0, 2, 2);
	memset(piece, 'p', sizeof piece);
	add_option(&p, 67, piece, 200);
	add_option(&p, 67, piece, 60);
	assert_refused(&p, PKT_SIZE, "260 bytes in all, more than 255");
}

/* ---- choosing among the replies ---- */

static void choose_the_first_reply_with_a_boot_file(void **state)
{
	struct pkt proxy, ack;
	struct dhcp_boot b;
	struct rw_err err;
	const uint8_t *pkts[3] = { NULL, proxy.b, ack.b };
	const size_t lens[3] = { 0, PKT_SIZE, PKT_SIZE };

	(void)state;
	pkt_init(&ack);
	add_option(&ack, 54, "\x0a\x00\x00\x01", 4);
	pkt_init(&proxy);
	set_siaddr(&proxy, 10, 0, 0, 9);
	set_file(&proxy, "runway.efi");
	assert_int_equal(dhcp_boot_choose(pkts, lens, 3, &b, &err), 1);
	assert_server(&b, 10, 0, 0, 9);
	assert_string_equal(b.bootfile, "runway.efi");
}

static void choose_a_reply_without_boot_file_last(void **state)
{
	struct pkt proxy, ack;
	struct dhcp_boot b;
	struct rw_err err;
	const uint8_t *pkts[3] = { NULL, proxy.b, ack.b };
	const size_t lens[3] = { 0, PKT_SIZE, PKT_SIZE };

	(void)state;
	pkt_init(&proxy);
	proxy.b[0] = 1; /* broken */
	pkt_init(&ack);
	set_siaddr(&ack, 10, 0, 2, 2);
	assert_int_equal(dhcp_boot_choose(pkts, lens, 3, &b, &err), 2);
	assert_server(&b, 10, 0, 2, 2);
	assert_string_equal(b.bootfile, "");
}

static void choose_says_why_when_nothing_parses(void **state)
{
	struct pkt ack;
	struct dhcp_boot b;
	struct rw_err err;
	const uint8_t *none[3] = { NULL, NULL, NULL };
	const uint8_t *pkts[3] = { NULL, NULL, ack.b };
	const size_t lens[3] = { 0, 0, PKT_SIZE };

	(void)state;
	assert_int_equal(dhcp_boot_choose(none, lens, 3, &b, &err), -1);
	assert_string_equal(err.msg, "DHCP reply: none received");
	pkt_init(&ack);
	assert_int_equal(dhcp_boot_choose(pkts, lens, 3, &b, &err), -1);
	assert_non_null(strstr(err.msg, "no server"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(server_is_siaddr_and_file_the_file_field),
		cmocka_unit_test(server_identifier_when_siaddr_is_zero),
		cmocka_unit_test(server_identifier_when_siaddr_is_broadcast),
		cmocka_unit_test(no_server_is_refused),
		cmocka_unit_test(option_67_wins_over_the_file_field),
		cmocka_unit_test(option_67_ends_at_its_nul),
		cmocka_unit_test(option_67_in_pieces_is_concatenated),
		cmocka_unit_test(a_full_file_field_without_nul),
		cmocka_unit_test(overloaded_file_field_holds_options_not_a_name),
		cmocka_unit_test(overloaded_sname_is_read_after_file),
		cmocka_unit_test(bootp_without_cookie_has_no_options),
		cmocka_unit_test(options_after_the_end_are_not_read),
		cmocka_unit_test(short_packet_and_wrong_op_refused),
		cmocka_unit_test(option_running_past_the_packet_refused),
		cmocka_unit_test(option_running_past_the_file_field_refused),
		cmocka_unit_test(wrong_option_lengths_refused),
		cmocka_unit_test(bootfile_not_printable_refused),
		cmocka_unit_test(option_67_too_long_in_all_refused),
		cmocka_unit_test(choose_the_first_reply_with_a_boot_file),
		cmocka_unit_test(choose_a_reply_without_boot_file_last),
		cmocka_unit_test(choose_says_why_when_nothing_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
