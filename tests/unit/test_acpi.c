/*
 * test_acpi.c - acpi_madt_cpus (lib/acpi.c): the processors the MADT lists,
 * found from the RSDP through the XSDT or the RSDT.
 *
 * The tables are built by hand in a host buffer that stands for physical
 * memory, with the layouts of the ACPI specification (6.5: 5.2.5.3 RSDP,
 * 5.2.6 system description table header, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12
 * MADT, 5.2.12.2 processor local APIC, 5.2.12.12 processor local x2APIC),
 * not from lib/acpi.c.  The phys-to-pointer callback hands out a fresh
 * heap copy of exactly the bytes asked for, so any read past what the code
 * asked for (and checked) is an ASan error, and it returns NULL for a range
 * that leaves the buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"

#define MEM_BASE 0x7fe00000ull /* below 4 GiB: the RSDT holds 32-bit addresses */
#define MEM_SIZE 0x10000ull
#define COPIES_MAX 256
#define TABLE_MAX 2048
#define CAP 64

/* Processor flags (5.2.12.2, table 5.23). */
#define ENABLED 1u
#define ONLINE_CAPABLE 2u

/* ---- physical memory and the p2v callback ---- */

static struct {
	uint8_t mem[MEM_SIZE];
	uint64_t next;               /* where put() places the next table */
	void *copies[COPIES_MAX];    /* what p2v handed out */
	size_t ncopies;
	size_t calls;
	uint64_t max_len;            /* the most bytes p2v was asked for */
	uint64_t madt;               /* where machine() put the MADT */
} M;

static const void *p2v(void *ctx, uint64_t phys, uint64_t len)
{
	if (ctx != &M)
		fail_msg("p2v called with ctx %p, not the one passed in", ctx);
	M.calls++;
	if (len > M.max_len)
		M.max_len = len;
	if (phys < MEM_BASE || phys - MEM_BASE > MEM_SIZE ||
	    len > MEM_SIZE - (phys - MEM_BASE))
		return NULL;
	if (M.ncopies == COPIES_MAX)
		fail_msg("more than %d p2v calls", COPIES_MAX);
	void *c = malloc(len ? len : 1);
	assert_non_null(c);
	memcpy(c, M.mem + (phys - MEM_BASE), len);
	M.copies[M.ncopies++] = c;
	return c;
}

static int setup(void **state)
{
	(void)state;
	memset(&M, 0, sizeof M);
	memset(M.mem, 0xcc, sizeof M.mem);
	M.next = MEM_BASE + 0x100;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < M.ncopies; i++)
		free(M.copies[i]);
	M.ncopies = 0;
	return 0;
}

static uint8_t *mem_at(uint64_t phys)
{
	assert_true(phys >= MEM_BASE && phys < MEM_BASE + MEM_SIZE);
	return M.mem + (phys - MEM_BASE);
}

/* n bytes at phys; the buffer must hold them. */
static uint64_t put_at(uint64_t phys, const void *bytes, size_t n)
{
	assert_true(phys >= MEM_BASE && phys + n <= MEM_BASE + MEM_SIZE);
	memcpy(mem_at(phys), bytes, n);
	return phys;
}

/* n bytes at the next 16-byte boundary; their physical address. */
static uint64_t put(const void *bytes, size_t n)
{
	uint64_t phys = put_at(M.next, bytes, n);
	M.next = (M.next + n + 15) & ~15ull;
	return phys;
}

static void set32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void set64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* The byte at p[at] that makes p[0..n) sum to zero. */
static void fix_checksum(uint8_t *p, size_t n, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

/* ---- tables ---- */

struct table {
	uint8_t b[TABLE_MAX];
	uint32_t len;
};

static void append(struct table *t, const void *bytes, size_t n)
{
	assert_true(t->len + n <= TABLE_MAX);
	memcpy(t->b + t->len, bytes, n);
	t->len += (uint32_t)n;
}

static void append32(struct table *t, uint32_t v)
{
	append(t, &v, 4);
}

static void append64(struct table *t, uint64_t v)
{
	append(t, &v, 8);
}

/* The 36-byte header (5.2.6): signature, length, revision, checksum,
 * OEM ID, OEM table ID, OEM revision, creator ID and revision. */
static void sdt_begin(struct table *t, const char *sig, uint8_t revision)
{
	memset(t, 0, sizeof *t);
	memcpy(t->b, sig, 4);
	t->b[8] = revision;
	memcpy(t->b + 10, "RUNWAY", 6);
	memcpy(t->b + 16, "UNITTEST", 8);
	set32(t->b + 24, 1);
	memcpy(t->b + 28, "RNWY", 4);
	set32(t->b + 32, 0x20260101);
	t->len = 36;
}

/* Length and checksum as they now stand; the table's physical address. */
static uint64_t install(struct table *t)
{
	set32(t->b + 4, t->len);
	fix_checksum(t->b, t->len, 9);
	return put(t->b, t->len);
}

/* The MADT's 44-byte header: local interrupt controller address and
 * flags (PCAT_COMPAT) after the common one. */
static void madt_begin(struct table *t)
{
	sdt_begin(t, "APIC", 5);
	append32(t, 0xfee00000);
	append32(t, 1);
}

/* Type 0, length 8: processor UID, APIC ID, flags. */
static void lapic(struct table *t, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, apic_id };
	set32(e + 4, flags);
	append(t, e, sizeof e);
}

/* Type 9, length 16: reserved, x2APIC ID, flags, processor UID. */
static void x2apic(struct table *t, uint32_t uid, uint32_t apic_id, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };
	set32(e + 4, apic_id);
	set32(e + 8, flags);
	set32(e + 12, uid);
	append(t, e, sizeof e);
}

/* Any structure: type, length, then filler. */
static void structure(struct table *t, uint8_t type, uint8_t len)
{
	uint8_t e[256];
	memset(e, 0x5a, sizeof e);
	e[0] = type;
	e[1] = len;
	append(t, e, len < 2 ? 2 : len);
}

/* An XSDT (64-bit entries) or RSDT (32-bit) listing tables[0..n). */
static uint64_t xsdt(const uint64_t *tables, size_t n)
{
	struct table t;
	sdt_begin(&t, "XSDT", 1);
	for (size_t i = 0; i < n; i++)
		append64(&t, tables[i]);
	return install(&t);
}

static uint64_t rsdt(const uint64_t *tables, size_t n)
{
	struct table t;
	sdt_begin(&t, "RSDT", 1);
	for (size_t i = 0; i < n; i++) {
		assert_true(tables[i] <= UINT32_MAX);
		append32(&t, (uint32_t)tables[i]);
	}
	return install(&t);
}

/* RSDP (5.2.5.3): "RSD PTR ", checksum of the first 20 bytes, OEM ID,
 * revision, RSDT address; from revision 2 on, length 36, XSDT address and
 * the extended checksum of all 36 bytes. */
static void rsdp_bytes(uint8_t b[36], uint8_t revision, uint32_t rsdt_phys,
		       uint64_t xsdt_phys)
{
	memset(b, 0, 36);
	memcpy(b, "RSD PTR ", 8);
	memcpy(b + 9, "RUNWAY", 6);
	b[15] = revision;
	set32(b + 16, rsdt_phys);
	if (revision >= 2) {
		set32(b + 20, 36);
		set64(b + 24, xsdt_phys);
	}
	fix_checksum(b, 20, 8);
	if (revision >= 2)
		fix_checksum(b, 36, 32);
}

static uint64_t rsdp2(uint32_t rsdt_phys, uint64_t xsdt_phys)
{
	uint8_t b[36];
	rsdp_bytes(b, 2, rsdt_phys, xsdt_phys);
	return put(b, 36);
}

/* A revision 0 RSDP is 20 bytes: put it in the buffer's last 20, so that
 * asking for 36 gets NULL. */
static uint64_t rsdp0_at_the_end(uint32_t rsdt_phys)
{
	uint8_t b[36];
	rsdp_bytes(b, 0, rsdt_phys, 0);
	return put_at(MEM_BASE + MEM_SIZE - 20, b, 20);
}

/* The usual machine: RSDP revision 2 -> XSDT -> this MADT. */
static uint64_t machine(struct table *madt)
{
	M.madt = install(madt);
	return rsdp2(0, xsdt(&M.madt, 1));
}

/* ---- running it ---- */

static struct acpi_cpu out[CAP + 1];

static size_t cpus(uint64_t rsdp, size_t cap)
{
	memset(out, 0xee, sizeof out);
	return acpi_madt_cpus(rsdp, p2v, &M, out, cap);
}

static void assert_cpu(size_t i, uint32_t uid, uint32_t apic_id)
{
	if (out[i].processor_uid != uid || out[i].apic_id != apic_id)
		fail_msg("cpu %zu: uid 0x%x apic_id 0x%x, want uid 0x%x apic_id 0x%x", i,
			 out[i].processor_uid, out[i].apic_id, uid, apic_id);
}

static void assert_untouched_from(size_t i)
{
	for (; i < sizeof out / sizeof out[0]; i++)
		if (out[i].processor_uid != 0xeeeeeeee || out[i].apic_id != 0xeeeeeeee)
			fail_msg("out[%zu] was written", i);
}

/* A valid MADT with two processors, for the corruption tests. */
static void two_cpus(struct table *madt)
{
	madt_begin(madt);
	lapic(madt, 0, 0, ENABLED);
	lapic(madt, 1, 1, ENABLED);
}

/* ---- the way to the MADT ---- */

static void test_xsdt_of_a_revision_2_rsdp_leads_to_the_madt(void **state)
{
	(void)state;
	struct table x, r;
	madt_begin(&x);
	lapic(&x, 0, 0, ENABLED);
	lapic(&x, 1, 2, ENABLED);
	lapic(&x, 2, 4, ENABLED);
	/* The RSDT of the same RSDP leads to another MADT: not used. */
	madt_begin(&r);
	lapic(&r, 7, 7, ENABLED);
	uint64_t xm = install(&x), rm = install(&r);
	uint64_t rs = rsdt(&rm, 1);
	uint64_t rsdp = rsdp2((uint32_t)rs, xsdt(&xm, 1));
	assert_int_equal(cpus(rsdp, CAP), 3);
	assert_cpu(0, 0, 0);
	assert_cpu(1, 1, 2);
	assert_cpu(2, 2, 4);
	assert_untouched_from(3);
}

static void test_rsdt_of_a_revision_0_rsdp_leads_to_the_madt(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	lapic(&t, 1, 1, ENABLED);
	uint64_t m = install(&t);
	/* Only 20 bytes of a revision 0 RSDP exist. */
	uint64_t rsdp = rsdp0_at_the_end((uint32_t)rsdt(&m, 1));
	assert_int_equal(cpus(rsdp, CAP), 2);
	assert_cpu(0, 0, 0);
	assert_cpu(1, 1, 1);
}

static void test_madt_after_other_tables_of_the_xsdt_is_found(void **state)
{
	(void)state;
	struct table facp, hpet, broken, madt;
	sdt_begin(&facp, "FACP", 6);
	structure(&facp, 0, 200); /* a body of filler */
	sdt_begin(&hpet, "HPET", 1);
	append(&hpet, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
		      "\x11\x12\x13\x14", 20);
	sdt_begin(&broken, "APIC", 5); /* bad checksum: skipped, not the end */
	uint64_t b = install(&broken);
	mem_at(b)[20] ^= 1;
	madt_begin(&madt);
	lapic(&madt, 3, 9, ENABLED);
	const uint64_t list[] = {
		install(&facp), 0, MEM_BASE + MEM_SIZE - 8, install(&hpet), b,
		install(&madt),
	};
	uint64_t rsdp = rsdp2(0, xsdt(list, sizeof list / sizeof list[0]));
	assert_int_equal(cpus(rsdp, CAP), 1);
	assert_cpu(0, 3, 9);
}

static void test_madt_after_other_tables_of_the_rsdt_is_found(void **state)
{
	(void)state;
	struct table facp, madt;
	sdt_begin(&facp, "FACP", 6);
	structure(&facp, 0, 100);
	madt_begin(&madt);
	x2apic(&madt, 5, 0x300, ENABLED);
	const uint64_t list[] = { install(&facp), install(&madt) };
	uint64_t rsdp = rsdp0_at_the_end((uint32_t)rsdt(list, 2));
	assert_int_equal(cpus(rsdp, CAP), 1);
	assert_cpu(0, 5, 0x300);
}

static void test_xsdt_without_a_madt_gives_none(void **state)
{
	(void)state;
	struct table facp;
	sdt_begin(&facp, "FACP", 6);
	uint64_t f = install(&facp);
	assert_int_equal(cpus(rsdp2(0, xsdt(&f, 1)), CAP), 0);
	assert_untouched_from(0);
}

static void test_rsdp_address_0_gives_none_without_reading(void **state)
{
	(void)state;
	assert_int_equal(cpus(0, CAP), 0);
	assert_int_equal(M.calls, 0);
}

/* ---- the processors ---- */

static void test_disabled_and_online_capable_processors_are_skipped(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	lapic(&t, 1, 1, 0);                /* disabled, cannot be enabled */
	lapic(&t, 2, 2, ONLINE_CAPABLE);   /* a hot-plug slot: not there yet */
	lapic(&t, 3, 3, ENABLED | 0xf0);   /* reserved bits ignored */
	lapic(&t, 4, 4, 0xfffffffc);       /* neither bit: skipped */
	x2apic(&t, 5, 0x105, 0);
	x2apic(&t, 6, 0x106, ONLINE_CAPABLE);
	assert_int_equal(cpus(machine(&t), CAP), 2);
	assert_cpu(0, 0, 0);
	assert_cpu(1, 3, 3);
	assert_untouched_from(2);
}

static void test_x2apic_entries_give_32_bit_ids_in_table_order(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	x2apic(&t, 0x12345678, 0xfedcba98, ENABLED);
	lapic(&t, 0xfe, 0xfe, ENABLED);
	x2apic(&t, 0x100, 0xff, ENABLED);
	assert_int_equal(cpus(machine(&t), CAP), 4);
	assert_cpu(0, 0, 0);
	assert_cpu(1, 0x12345678, 0xfedcba98);
	assert_cpu(2, 0xfe, 0xfe);
	assert_cpu(3, 0x100, 0xff);
}

static void test_other_structure_types_are_skipped(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	structure(&t, 1, 12);    /* I/O APIC */
	lapic(&t, 0, 0, ENABLED);
	structure(&t, 2, 10);    /* interrupt source override */
	structure(&t, 4, 6);     /* local APIC NMI */
	structure(&t, 5, 12);    /* local APIC address override */
	lapic(&t, 1, 1, ENABLED);
	structure(&t, 0xa, 12);  /* local x2APIC NMI */
	structure(&t, 0xb, 82);  /* GIC CPU interface */
	structure(&t, 0x7f, 3);  /* reserved type, odd length */
	structure(&t, 0x80, 2);  /* OEM type, header only */
	x2apic(&t, 2, 0x200, ENABLED);
	assert_int_equal(cpus(machine(&t), CAP), 3);
	assert_cpu(0, 0, 0);
	assert_cpu(1, 1, 1);
	assert_cpu(2, 2, 0x200);
}

static void test_processor_structures_too_short_are_skipped(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	uint8_t short_lapic[6] = { 0, 6, 9, 9, ENABLED, 0 };
	uint8_t short_x2apic[12] = { 9, 12, 0, 0, 9, 9, 0, 0, ENABLED, 0, 0, 0 };
	append(&t, short_lapic, sizeof short_lapic);
	append(&t, short_x2apic, sizeof short_x2apic);
	lapic(&t, 1, 1, ENABLED);
	assert_int_equal(cpus(machine(&t), CAP), 1);
	assert_cpu(0, 1, 1);
}

static void test_cap_is_respected(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	for (uint8_t i = 0; i < 5; i++)
		lapic(&t, i, (uint8_t)(10 + i), ENABLED);
	uint64_t rsdp = machine(&t);
	assert_int_equal(cpus(rsdp, 2), 2);
	assert_cpu(0, 0, 10);
	assert_cpu(1, 1, 11);
	assert_untouched_from(2);
	assert_int_equal(acpi_madt_cpus(rsdp, p2v, &M, NULL, 0), 0);
	assert_int_equal(cpus(rsdp, 5), 5);
	assert_untouched_from(5);
}

/* ---- corrupt tables ---- */

static void test_bad_rsdp_signature_gives_none(void **state)
{
	(void)state;
	struct table t;
	two_cpus(&t);
	uint64_t rsdp = machine(&t);
	memcpy(mem_at(rsdp), "RSD PTR!", 8);
	fix_checksum(mem_at(rsdp), 20, 8);
	fix_checksum(mem_at(rsdp), 36, 32);
	assert_int_equal(cpus(rsdp, CAP), 0);
	assert_untouched_from(0);
}

static void test_bad_rsdp_checksum_gives_none(void **state)
{
	(void)state;
	struct table t;
	two_cpus(&t);
	uint64_t rsdp = machine(&t);
	mem_at(rsdp)[8] ^= 0x40;
	fix_checksum(mem_at(rsdp), 36, 32); /* all 36 bytes still sum to 0 */
	assert_int_equal(cpus(rsdp, CAP), 0);
	/* Revision 0: the 20 bytes are all there is. */
	uint64_t m = M.madt;
	rsdp = rsdp0_at_the_end((uint32_t)rsdt(&m, 1));
	assert_int_equal(cpus(rsdp, CAP), 2);
	mem_at(rsdp)[9] ^= 0x40; /* the OEM ID */
	assert_int_equal(cpus(rsdp, CAP), 0);
}

static void test_bad_rsdp_extended_checksum_gives_none(void **state)
{
	(void)state;
	struct table t;
	two_cpus(&t);
	uint64_t rsdp = machine(&t);
	mem_at(rsdp)[32] ^= 0x40;  /* the first 20 bytes still sum to 0 */
	assert_int_equal(cpus(rsdp, CAP), 0);
}

static void test_rsdp_past_the_buffer_gives_none(void **state)
{
	(void)state;
	assert_int_equal(cpus(MEM_BASE + MEM_SIZE - 10, CAP), 0);
	assert_int_equal(cpus(MEM_BASE - 4, CAP), 0);
	assert_int_equal(cpus(UINT64_MAX - 8, CAP), 0);
}

static void test_bad_xsdt_checksum_gives_none(void **state)
{
	(void)state;
	struct table t;
	two_cpus(&t);
	uint64_t m = install(&t), x = xsdt(&m, 1);
	uint64_t rsdp = rsdp2(0, x);
	mem_at(x)[9] ^= 1;
	assert_int_equal(cpus(rsdp, CAP), 0);
}

static void test_xsdt_with_the_wrong_signature_gives_none(void **state)
{
	(void)state;
	struct table t, x;
	two_cpus(&t);
	uint64_t m = install(&t);
	/* 64-bit entries, but named RSDT: not what a revision 2 RSDP names. */
	sdt_begin(&x, "RSDT", 1);
	append64(&x, m);
	assert_int_equal(cpus(rsdp2(0, install(&x)), CAP), 0);
	/* 32-bit entries named XSDT: not what a revision 0 RSDP names. */
	sdt_begin(&x, "XSDT", 1);
	append32(&x, (uint32_t)m);
	assert_int_equal(cpus(rsdp0_at_the_end((uint32_t)install(&x)), CAP), 0);
}

static void test_bad_madt_checksum_gives_none(void **state)
{
	(void)state;
	struct table t;
	two_cpus(&t);
	uint64_t rsdp = machine(&t);
	mem_at(M.madt)[44 + 3] ^= 1; /* the first processor's APIC ID */
	assert_int_equal(cpus(rsdp, CAP), 0);
	assert_untouched_from(0);
}

static void test_xsdt_length_past_the_buffer_gives_none(void **state)
{
	(void)state;
	struct table t, x;
	two_cpus(&t);
	uint64_t m = install(&t);
	sdt_begin(&x, "XSDT", 1);
	append64(&x, m);
	uint64_t xp = install(&x);
	set32(mem_at(xp) + 4, (uint32_t)(MEM_BASE + MEM_SIZE - xp + 8));
	fix_checksum(mem_at(xp), 36 + 8, 9); /* of the bytes that exist */
	assert_int_equal(cpus(rsdp2(0, xp), CAP), 0);
}

static void test_madt_length_past_the_buffer_gives_none(void **state)
{
	(void)state;
	struct table t;
	two_cpus(&t);
	/* The MADT in the buffer's last bytes, its length 4 bytes more. */
	set32(t.b + 4, t.len);
	fix_checksum(t.b, t.len, 9);
	uint64_t m = put_at(MEM_BASE + MEM_SIZE - t.len, t.b, t.len);
	set32(mem_at(m) + 4, t.len + 4);
	fix_checksum(mem_at(m), t.len, 9); /* of the bytes that exist */
	uint64_t rsdp = rsdp2(0, xsdt(&m, 1));
	assert_int_equal(cpus(rsdp, CAP), 0);
}

static void test_table_lengths_below_the_header_give_none(void **state)
{
	(void)state;
	struct table t;
	/* A MADT of 36 bytes: no room for its own 8-byte header. */
	sdt_begin(&t, "APIC", 5);
	assert_int_equal(cpus(machine(&t), CAP), 0);
	/* A MADT claiming 40 bytes of its 52, checksummed over 40. */
	two_cpus(&t);
	t.len = 40;
	assert_int_equal(cpus(machine(&t), CAP), 0);
	/* An XSDT claiming 20 bytes, checksummed over 20. */
	struct table x;
	sdt_begin(&x, "XSDT", 1);
	x.len = 20;
	assert_int_equal(cpus(rsdp2(0, install(&x)), CAP), 0);
}

static void test_huge_table_length_is_refused_without_asking_for_it(void **state)
{
	(void)state;
	struct table t;
	two_cpus(&t);
	uint64_t rsdp = machine(&t);
	set32(mem_at(M.madt) + 4, UINT32_MAX);
	assert_int_equal(cpus(rsdp, CAP), 0);
	assert_true(M.max_len <= MEM_SIZE);
}

static void test_partial_xsdt_entry_is_not_read(void **state)
{
	(void)state;
	struct table t, facp, x;
	two_cpus(&t);
	uint64_t m = install(&t);
	sdt_begin(&facp, "FACP", 6);
	sdt_begin(&x, "XSDT", 1);
	append64(&x, install(&facp));
	append32(&x, (uint32_t)m); /* half an entry, naming the MADT */
	assert_int_equal(cpus(rsdp2(0, install(&x)), CAP), 0);
	/* The same in an RSDT: two bytes of a 4-byte entry. */
	struct table r;
	sdt_begin(&r, "RSDT", 1);
	append(&r, &m, 2);
	assert_int_equal(cpus(rsdp0_at_the_end((uint32_t)install(&r)), CAP), 0);
}

static void test_structure_of_length_0_stops_the_walk(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	structure(&t, 0, 0);
	lapic(&t, 1, 1, ENABLED);
	assert_int_equal(cpus(machine(&t), CAP), 1);
	assert_cpu(0, 0, 0);
	assert_untouched_from(1);
}

static void test_structure_of_length_1_stops_the_walk(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	structure(&t, 1, 1);
	lapic(&t, 1, 1, ENABLED);
	assert_int_equal(cpus(machine(&t), CAP), 1);
}

static void test_structure_running_past_the_table_stops_the_walk(void **state)
{
	(void)state;
	struct table t;
	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	lapic(&t, 1, 1, ENABLED);
	t.len -= 1;  /* the second one's last flag byte is outside */
	assert_int_equal(cpus(machine(&t), CAP), 1);
	assert_cpu(0, 0, 0);

	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	x2apic(&t, 1, 0x100, ENABLED);
	t.b[t.len - 15] = 0xff; /* the x2APIC structure says 255 bytes */
	assert_int_equal(cpus(machine(&t), CAP), 1);

	madt_begin(&t);
	lapic(&t, 0, 0, ENABLED);
	append(&t, "\x00", 1); /* one byte: not even a structure header */
	assert_int_equal(cpus(machine(&t), CAP), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_xsdt_of_a_revision_2_rsdp_leads_to_the_madt),
		T(test_rsdt_of_a_revision_0_rsdp_leads_to_the_madt),
		T(test_madt_after_other_tables_of_the_xsdt_is_found),
		T(test_madt_after_other_tables_of_the_rsdt_is_found),
		T(test_xsdt_without_a_madt_gives_none),
		T(test_rsdp_address_0_gives_none_without_reading),
		T(test_disabled_and_online_capable_processors_are_skipped),
		T(test_x2apic_entries_give_32_bit_ids_in_table_order),
		T(test_other_structure_types_are_skipped),
		T(test_processor_structures_too_short_are_skipped),
		T(test_cap_is_respected),
		T(test_bad_rsdp_signature_gives_none),
		T(test_bad_rsdp_checksum_gives_none),
		T(test_bad_rsdp_extended_checksum_gives_none),
		T(test_rsdp_past_the_buffer_gives_none),
		T(test_bad_xsdt_checksum_gives_none),
		T(test_xsdt_with_the_wrong_signature_gives_none),
		T(test_bad_madt_checksum_gives_none),
		T(test_xsdt_length_past_the_buffer_gives_none),
		T(test_madt_length_past_the_buffer_gives_none),
		T(test_table_lengths_below_the_header_give_none),
		T(test_huge_table_length_is_refused_without_asking_for_it),
		T(test_partial_xsdt_entry_is_not_read),
		T(test_structure_of_length_0_stops_the_walk),
		T(test_structure_of_length_1_stops_the_walk),
		T(test_structure_running_past_the_table_stops_the_walk),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
