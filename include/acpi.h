/*
 * acpi.h - what Runway reads from ACPI tables: the processors the MADT
 * lists (ACPI 6.5, sections 5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12
 * MADT).  Pure logic: tables are read through a phys-to-pointer callback
 * and every length is checked before use.
 */
#ifndef RUNWAY_ACPI_H
#define RUNWAY_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_cpu {
	uint32_t processor_uid;  /* ACPI processor UID */
	uint32_t apic_id;        /* local APIC or x2APIC ID */
};

/*
 * The enabled processors of the MADT found from the
 * RSDP at rsdp_phys, in table order, at most cap of them in out.  Tables
 * are read through p2v (a pointer to len readable bytes at phys, or NULL).
 * Returns the number found (0 when there is no valid MADT: bad signature,
 * checksum or length).
 */
size_t acpi_madt_cpus(uint64_t rsdp_phys,
		      const void *(*p2v)(void *ctx, uint64_t phys, uint64_t len),
		      void *ctx, struct acpi_cpu *out, size_t cap);

#endif
