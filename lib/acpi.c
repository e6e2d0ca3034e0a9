/*
 * acpi.c - the processors the MADT lists.  RSDP (revision 2 and later
 * points to the XSDT, 64-bit entries; revision 0 to the RSDT, 32-bit),
 * then the table with signature "APIC", then its interrupt controller
 * structures: type 0 (processor local APIC) and type 9 (processor local
 * x2APIC).  Checksums are checked; a structure that runs past the table
 * ends the walk.
 */
#include "acpi.h"

#include <string.h>

typedef const void *(*acpi_p2v)(void *ctx, uint64_t phys, uint64_t len);

#define MADT_LAPIC 0
#define MADT_X2APIC 9
#define CPU_ENABLED 1u

static bool sums_to_zero(const uint8_t *p, uint64_t n)
{
	uint8_t sum = 0;

	for (uint64_t i = 0; i < n; i++)
		sum += p[i];
	return sum == 0;
}

static uint32_t le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* A whole system description table at phys with a valid checksum. */
static const uint8_t *table(acpi_p2v p2v, void *ctx, uint64_t phys)
{
	const uint8_t *h = phys ? p2v(ctx, phys, 36) : NULL;

	if (!h)
		return NULL;
	uint32_t len = le32(h + 4);
	if (len < 36 || len > (16u << 20))
		return NULL;
	const uint8_t *t = p2v(ctx, phys, len);
	return t && sums_to_zero(t, len) ? t : NULL;
}

/* The MADT through the XSDT (or the RSDT). */
static const uint8_t *find_madt(uint64_t rsdp_phys, acpi_p2v p2v, void *ctx)
{
	const uint8_t *rsdp = p2v(ctx, rsdp_phys, 20);

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) || !sums_to_zero(rsdp, 20))
		return NULL;
	bool x = rsdp[15] >= 2;
	if (x) {
		rsdp = p2v(ctx, rsdp_phys, 36);
		if (!rsdp || !sums_to_zero(rsdp, 36))
			return NULL;
	}
	const uint8_t *sdt = table(p2v, ctx, x ? le64(rsdp + 24) : le32(rsdp + 16));
	if (!sdt || memcmp(sdt, x ? "XSDT" : "RSDT", 4))
		return NULL;
	uint32_t len = le32(sdt + 4), step = x ? 8 : 4;
	for (uint32_t off = 36; off + step <= len; off += step) {
		uint64_t phys = x ? le64(sdt + off) : le32(sdt + off);
		const uint8_t *t = table(p2v, ctx, phys);
		if (t && !memcmp(t, "APIC", 4))
			return t;
	}
	return NULL;
}

/* Add a processor unless its APIC ID is listed already (firmware may
 * list one processor as both a local APIC and an x2APIC). */
static void add_cpu(struct acpi_cpu *out, size_t *n, uint32_t uid, uint32_t apic_id)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i].apic_id == apic_id)
			return;
	out[(*n)++] = (struct acpi_cpu){ uid, apic_id };
}

size_t acpi_madt_cpus(uint64_t rsdp_phys, acpi_p2v p2v, void *ctx,
		      struct acpi_cpu *out, size_t cap)
{
	const uint8_t *madt = rsdp_phys ? find_madt(rsdp_phys, p2v, ctx) : NULL;
	size_t n = 0;

	if (!madt)
		return 0;
	uint32_t len = le32(madt + 4);
	for (uint32_t off = 44; off + 2 <= len && n < cap;) {
		const uint8_t *s = madt + off;
		uint8_t type = s[0], slen = s[1];
		if (slen < 2 || off + slen > len)
			break;
		/* Enabled only: an online-capable entry is a hot-plug slot, not
		 * a processor present at boot. */
		if (type == MADT_LAPIC && slen >= 8 && (le32(s + 4) & CPU_ENABLED))
			add_cpu(out, &n, s[2], s[3]);
		else if (type == MADT_X2APIC && slen >= 16 && (le32(s + 8) & CPU_ENABLED))
			add_cpu(out, &n, le32(s + 12), le32(s + 4));
		off += slen;
	}
	return n;
}
