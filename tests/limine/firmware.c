/*
 * firmware.c - the full Limine test kernel's checks of what came from the
 * firmware, each compared with the firmware's own copy where there is one:
 *   - EFI system table: the address the base revision says (physical in
 *     revision 3, see LIM_REV3_PHYSICAL_TABLES; else HHDM), signature
 *     0x5453595320494249, revision >= 2.0, header CRC-32, BootServices
 *     NULL (boot services exited), RuntimeServices' signature; not in
 *     usable memory;
 *   - RSDP: physical in revision 3, HHDM before; "RSD PTR ", the ACPI 1.0
 *     checksum, for revision >= 2 the extended checksum; the same table
 *     the EFI configuration table lists (ACPI 2.0 GUID, else 1.0); the
 *     XSDT (or RSDT) and the MADT with valid checksums; none in usable
 *     memory.  The MADT's enabled local APICs are what mp.c expects;
 *   - SMBIOS: entry_32 and entry_64 are exactly the entry points the EFI
 *     configuration table lists (SMBIOS and SMBIOS3 GUIDs; NULL when it
 *     has none), each with its anchor ("_SM_"/"_DMI_", "_SM3_") and
 *     checksums; not in usable memory;
 *   - EFI memory map: descriptor size >= 40, version 1, every descriptor
 *     sane and none overlapping (lc_efi_memmap_problem), in bootloader-
 *     reclaimable memory, and every usable entry of the Limine map free
 *     memory in it;
 *   - boot time: within a day of the CMOS RTC, read here;
 *   - interrupts: the legacy PICs' masks 0xff, and every I/O APIC input
 *     with fixed or lowest-priority delivery masked.
 *
 * Firmware tables live in reserved or ACPI memory, which the revision-3
 * HHDM does not map, so they are read through a window of 2 MiB pages the
 * kernel adds to a free lower-half slot of the loader's root table
 * (fw_map): a PML4 slot with 4-level paging; with 5-level (CR4.LA57) a
 * PML5 slot, through a PML4 of the kernel's own.
 */
#include <stdint.h>

#include "cpu.h"
#include "kernel.h"
#include "report.h"

#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_XD   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define TWO_MIB  (2 * MIB)
#define MAX_TABLE (1 * MIB) /* an ACPI table longer than this is garbage */

/* ---- the window ---------------------------------------------------------- */

static uint64_t win_pml4[512] __attribute__((aligned(4096))); /* 5-level only */
static uint64_t win_pdpt[512] __attribute__((aligned(4096)));
static uint64_t win_pd[512] __attribute__((aligned(4096)));
static uint64_t win_chunk[512]; /* what each PD slot maps: 2 MiB base | uncached */
static unsigned win_used;
static uint64_t win_base;

static uint64_t phys_of(const struct kctx *c, const void *p)
{
	struct pt_walk w;

	mem_translate(c, (uint64_t)p, "the kernel's window tables", &w);
	return w.phys;
}

static unsigned max_phys_bits(void)
{
	uint32_t a, b, cx, d;

	cpuid(CPUID_EXT_MAX, &a, &b, &cx, &d);
	if (a < 0x80000008u)
		return 36;
	cpuid(0x80000008u, &a, &b, &cx, &d);
	return a & 0xff;
}

/*
 * The window: win_pd under win_pdpt, in a free lower-half slot of the
 * root table CR3 names: the PML4 (4-level: the window is at slot << 39)
 * or the PML5 (5-level: win_pml4 in between, the window at slot << 48).
 */
static void win_install(const struct kctx *c)
{
	uint64_t *root = (uint64_t *)(c->hhdm + (c->cr3 & PTE_ADDR));
	const char *name = c->levels == 5 ? "PML5" : "PML4";
	unsigned slot;

	for (slot = 1; slot < 256 && (root[slot] & PTE_P); slot++)
		;
	if (slot == 256)
		lim_fail("no free lower-half %s slot for the kernel's own mappings", name);
	win_pdpt[0] = phys_of(c, win_pd) | PTE_P | PTE_RW;
	if (c->levels == 5) {
		win_pml4[0] = phys_of(c, win_pdpt) | PTE_P | PTE_RW;
		root[slot] = phys_of(c, win_pml4) | PTE_P | PTE_RW;
		win_base = (uint64_t)slot << 48;
	} else {
		root[slot] = phys_of(c, win_pdpt) | PTE_P | PTE_RW;
		win_base = (uint64_t)slot << 39;
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(c->cr3) : "memory");
}

const void *fw_map(const struct kctx *c, uint64_t phys, uint64_t len, int uncached)
{
	uint64_t first = phys & ~(TWO_MIB - 1), n, k, tag = uncached ? 1 : 0;
	unsigned slot;

	if (len == 0)
		len = 1;
	if (phys + len < phys || phys + len > 1ull << max_phys_bits())
		lim_fail("physical %#lx (+%#lx) is beyond the CPU's physical address width", phys, len);
	if (!win_base)
		win_install(c);
	n = (PAGE_UP(phys + len) - first + TWO_MIB - 1) / TWO_MIB;
	for (slot = 0; slot + n <= win_used; slot++) { /* mapped already? */
		for (k = 0; k < n && win_chunk[slot + k] == ((first + k * TWO_MIB) | tag); k++)
			;
		if (k == n)
			return (const void *)(win_base + slot * TWO_MIB + (phys - first));
	}
	if (win_used + n > 512)
		lim_fail("the kernel's 1 GiB window for firmware tables is full");
	slot = win_used;
	for (k = 0; k < n; k++) {
		win_pd[slot + k] = (first + k * TWO_MIB) | PTE_P | PTE_RW | PTE_PS |
		                   (c->nxe ? PTE_XD : 0) | (uncached ? PTE_PCD | PTE_PWT : 0);
		win_chunk[slot + k] = (first + k * TWO_MIB) | tag;
		__asm__ volatile("invlpg (%0)" : : "r"(win_base + (slot + k) * TWO_MIB) : "memory");
	}
	win_used += (unsigned)n;
	return (const void *)(win_base + slot * TWO_MIB + (phys - first));
}

/* ---- addresses the base revision decides -------------------------------- */

/*
 * The physical address of a firmware table the loader named by addr:
 * physical (revision 3's RSDP and, upstream, SMBIOS and system table) or
 * an HHDM address that must map it.
 */
static uint64_t table_phys(const struct kctx *c, uint64_t addr, int physical,
                           const char *what)
{
	if (physical) {
		if (addr >= c->hhdm)
			lim_fail("%s address %#lx is an HHDM address; base revision %d gives it as physical",
			         what, addr, c->revision);
		return addr;
	}
	if (addr < c->hhdm)
		lim_fail("%s address %#lx is not an HHDM address (offset %#lx); base revision %d gives it through the HHDM",
		         what, addr, c->hhdm, c->revision);
	return mem_hhdm_range(c, addr, 1, what);
}

static int tables_physical(const struct kctx *c)
{
	return LIM_REV3_PHYSICAL_TABLES && c->revision >= 3;
}

static void not_usable(const struct kctx *c, uint64_t phys, uint64_t len, const char *what)
{
	if (lc_mmap_touches(c->map, c->nmap, phys, len, LP_MEMMAP_USABLE))
		lim_fail("%s at physical %#lx (%lu bytes) overlaps usable memory", what, phys, len);
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ---- EFI system table ------------------------------------------------------ */

static void check_efi_system_table(struct kctx *c)
{
	const struct lp_efi_system_table_response *r;
	uint64_t resp = response_of(&lim_efi_system_table_req), phys, rt;
	const uint8_t *st;
	const char *why;
	uint32_t hdr;

	lim_phase = "EFI system table";
	if (!resp)
		lim_fail("no EFI system table response");
	lim_data(c, resp, sizeof *r, RECLAIM, "EFI system table response");
	r = (const struct lp_efi_system_table_response *)resp;
	phys = table_phys(c, r->address, tables_physical(c), "EFI system table");
	st = fw_map(c, phys, LC_EFI_SYSTEM_TABLE_SIZE, 0);
	hdr = get_u32(st + 12);
	if (hdr >= LC_EFI_SYSTEM_TABLE_SIZE && hdr <= PAGE_SIZE)
		st = fw_map(c, phys, hdr, 0);
	why = lc_efi_systab_problem(st, hdr <= PAGE_SIZE ? hdr : LC_EFI_SYSTEM_TABLE_SIZE);
	if (why)
		lim_fail("EFI system table at physical %#lx: %s", phys, why);
	not_usable(c, phys, hdr, "EFI system table");
	rt = lc_efi_systab_u64(st, LC_EFI_ST_RUNTIME_SERVICES);
	if (get_u64(fw_map(c, rt, 8, 0)) != LC_EFI_RUNTIME_SERVICES_SIGNATURE)
		lim_fail("EFI runtime services table at %#lx lacks its signature", rt);
	c->efi_nconfig = lc_efi_systab_u64(st, LC_EFI_ST_NUM_TABLES);
	c->efi_config = lc_efi_systab_u64(st, LC_EFI_ST_CONFIG_TABLE);
	if (c->efi_nconfig == 0 || c->efi_nconfig > 1024)
		lim_fail("EFI system table lists %lu configuration tables", c->efi_nconfig);
}

static uint64_t efi_config_table(const struct kctx *c, const struct lc_guid *g)
{
	const uint8_t *t = fw_map(c, c->efi_config, c->efi_nconfig * 24, 0);

	return lc_efi_config_find(t, c->efi_nconfig, g);
}

/* ---- ACPI ------------------------------------------------------------------- */

/* The ACPI table at phys with signature sig, mapped whole and checked. */
static const uint8_t *acpi_table(const struct kctx *c, uint64_t phys, const char *sig)
{
	const uint8_t *t = fw_map(c, phys, 36, 0);
	uint32_t len = get_u32(t + 4);
	const char *why;

	if (len < 36 || len > MAX_TABLE)
		lim_fail("ACPI table %s at physical %#lx has length %u", sig, phys, len);
	t = fw_map(c, phys, len, 0);
	why = lc_sdt_problem(t, len, sig);
	if (why)
		lim_fail("ACPI table %s at physical %#lx: %s", sig, phys, why);
	not_usable(c, phys, len, "an ACPI table");
	return t;
}

static int sig_is(const uint8_t *t, const char *sig)
{
	return t[0] == sig[0] && t[1] == sig[1] && t[2] == sig[2] && t[3] == sig[3];
}

/* Finds the MADT through the XSDT (RSDT for ACPI 1.0) and parses it. */
static void parse_madt(struct kctx *c, const uint8_t *rsdp)
{
	int x = rsdp[15] >= 2;
	uint64_t sdt = x ? get_u64(rsdp + 24) : get_u32(rsdp + 16), i, n, esize = x ? 8 : 4;
	const uint8_t *t = acpi_table(c, sdt, x ? "XSDT" : "RSDT");
	const char *why;

	n = (get_u32(t + 4) - 36) / esize;
	for (i = 0; i < n; i++) {
		const uint8_t *e = t + 36 + i * esize;
		uint64_t phys = x ? get_u64(e) : get_u32(e);
		const uint8_t *h = fw_map(c, phys, 36, 0);

		if (!sig_is(h, "APIC"))
			continue;
		h = acpi_table(c, phys, "APIC");
		why = lc_madt_parse(h, get_u32(h + 4), c->cpus, LIM_MAX_CPUS, &c->ncpus,
		                    c->ioapics, 16, &c->nioapics);
		if (why)
			lim_fail("MADT at physical %#lx: %s", phys, why);
		if (c->ncpus == 0 || c->ncpus > LIM_MAX_CPUS || c->nioapics > 16)
			lim_fail("MADT lists %u enabled CPUs and %u I/O APICs (this kernel takes 1..%u and 16)",
			         c->ncpus, c->nioapics, LIM_MAX_CPUS);
		return;
	}
	lim_fail("no MADT (\"APIC\") in the %s at physical %#lx", x ? "XSDT" : "RSDT", sdt);
}

static void check_rsdp(struct kctx *c)
{
	const struct lp_rsdp_response *r;
	uint64_t resp = response_of(&lim_rsdp_req), phys, acpi20, acpi10;
	const uint8_t *p;
	const char *why;

	lim_phase = "RSDP";
	if (!resp)
		lim_fail("no RSDP response");
	lim_data(c, resp, sizeof *r, RECLAIM, "RSDP response");
	r = (const struct lp_rsdp_response *)resp;
	phys = table_phys(c, r->address, c->revision >= 3, "RSDP");
	p = fw_map(c, phys, 36, 0);
	why = lc_rsdp_problem(p);
	if (why)
		lim_fail("RSDP at physical %#lx (response address %#lx): %s", phys, r->address, why);
	p = fw_map(c, phys, lc_rsdp_length(p), 0);
	not_usable(c, phys, lc_rsdp_length(p), "RSDP");
	acpi20 = efi_config_table(c, &lc_guid_acpi20);
	acpi10 = efi_config_table(c, &lc_guid_acpi10);
	if (phys != acpi20 && phys != acpi10)
		lim_fail("RSDP at physical %#lx, but the EFI configuration table has ACPI 2.0 at %#lx and 1.0 at %#lx",
		         phys, acpi20, acpi10);
	c->rsdp_phys = phys;
	parse_madt(c, p);
}

/* ---- SMBIOS ----------------------------------------------------------------- */

static void check_smbios_entry(struct kctx *c, uint64_t addr, uint64_t firmware, int is64)
{
	const char *what = is64 ? "SMBIOS entry_64" : "SMBIOS entry_32";
	uint64_t len = is64 ? 0x18 : 0x1f, phys;
	const char *why;
	const uint8_t *p;

	if (!addr && !firmware)
		return;
	if (!addr)
		lim_fail("%s is NULL, but the firmware has one at physical %#lx", what, firmware);
	phys = table_phys(c, addr, tables_physical(c), what);
	if (phys != firmware)
		lim_fail("%s is at physical %#lx, the EFI configuration table says %#lx", what,
		         phys, firmware);
	p = fw_map(c, phys, len, 0);
	why = is64 ? lc_smbios64_problem(p, len) : lc_smbios32_problem(p, len);
	if (why)
		lim_fail("%s at physical %#lx: %s", what, phys, why);
	not_usable(c, phys, len, what);
	if (is64)
		c->smbios64 = phys;
	else
		c->smbios32 = phys;
}

static void check_smbios(struct kctx *c)
{
	const struct lp_smbios_response *r;
	uint64_t resp = response_of(&lim_smbios_req);

	lim_phase = "SMBIOS";
	if (!resp)
		lim_fail("no SMBIOS response");
	lim_data(c, resp, sizeof *r, RECLAIM, "SMBIOS response");
	r = (const struct lp_smbios_response *)resp;
	if (!r->entry_32 && !r->entry_64)
		lim_fail("SMBIOS response has neither entry point");
	check_smbios_entry(c, r->entry_32, efi_config_table(c, &lc_guid_smbios), 0);
	check_smbios_entry(c, r->entry_64, efi_config_table(c, &lc_guid_smbios3), 1);
}

/* ---- EFI memory map --------------------------------------------------------- */

static void check_efi_memmap(const struct kctx *c)
{
	const struct lp_efi_memmap_response *r;
	uint64_t resp = response_of(&lim_efi_memmap_req), bad, i;
	const uint8_t *map;
	const char *why;

	lim_phase = "EFI memory map";
	if (!resp)
		lim_fail("no EFI memory map response");
	lim_data(c, resp, sizeof *r, RECLAIM, "EFI memory map response");
	r = (const struct lp_efi_memmap_response *)resp;
	if (r->memmap_size == 0 || r->memmap_size > 4 * MIB)
		lim_fail("EFI memmap_size is %lu", r->memmap_size);
	lim_data(c, r->memmap, r->memmap_size, RECLAIM, "EFI memory map");
	map = (const uint8_t *)r->memmap;
	why = lc_efi_memmap_problem(map, r->memmap_size, r->desc_size, r->desc_version, &bad);
	if (why)
		lim_fail("EFI memory map (%lu bytes, desc_size %lu, version %lu), descriptor %lu: %s",
		         r->memmap_size, r->desc_size, r->desc_version, bad, why);
	for (i = 0; i < c->nmap; i++) {
		const struct lp_memmap_entry *e = &c->map[i];

		if (e->type == LP_MEMMAP_USABLE &&
		    !lc_efi_covers_free(map, r->memmap_size, r->desc_size, e->base, e->length, &bad))
			lim_fail("usable memory at physical %#lx (entry %#lx+%#lx) is not free memory in the EFI memory map",
			         bad, e->base, e->length);
	}
}

/* ---- boot time ---------------------------------------------------------------- */

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* Reads the RTC until two reads agree, outside an update. */
static int64_t read_rtc(void)
{
	uint8_t a[6], b[6], regs[6] = { 0, 2, 4, 7, 8, 9 }, sb;
	unsigned i, tries, y, mo, d, h, mi, s;
	int same = 0;

	for (tries = 0; tries < 1000 && !same; tries++) {
		unsigned spins;

		for (spins = 0; spins < 1000000 && (cmos(0x0a) & 0x80); spins++)
			;
		for (i = 0; i < 6; i++)
			a[i] = cmos(regs[i]);
		for (i = 0; i < 6; i++)
			b[i] = cmos(regs[i]);
		for (same = 1, i = 0; i < 6; i++)
			same &= a[i] == b[i];
	}
	sb = cmos(0x0b);
	s = lc_rtc_value(a[0], sb & 4);
	mi = lc_rtc_value(a[1], sb & 4);
	h = lc_rtc_hour(a[2], sb & 4, sb & 2);
	d = lc_rtc_value(a[3], sb & 4);
	mo = lc_rtc_value(a[4], sb & 4);
	y = 2000 + lc_rtc_value(a[5], sb & 4);
	if (!same || !lc_date_ok(y, mo, d, h, mi, s))
		lim_fail("the CMOS RTC reads %u-%u-%u %u:%u:%u (status B %#x): not a date",
		         y, mo, d, h, mi, s, sb);
	return lc_unix_time(y, mo, d, h, mi, s);
}

static void check_boot_time(struct kctx *c)
{
	const struct lp_boot_time_response *r;
	uint64_t resp = response_of(&lim_boot_time_req);
	int64_t diff;

	lim_phase = "boot time";
	if (!resp)
		lim_fail("no boot time response");
	lim_data(c, resp, sizeof *r, RECLAIM, "boot time response");
	r = (const struct lp_boot_time_response *)resp;
	c->boot_time = r->boot_time;
	c->rtc_time = read_rtc();
	diff = c->rtc_time - c->boot_time;
	if (diff < -86400 || diff > 86400)
		lim_fail("boot_time is %ld, the RTC says %ld now: more than a day apart",
		         c->boot_time, c->rtc_time);
}

void fw_check_all(struct kctx *c)
{
	check_efi_system_table(c);
	check_rsdp(c);
	check_smbios(c);
	check_efi_memmap(c);
	check_boot_time(c);
}

/* ---- interrupts ------------------------------------------------------------------- */

void fw_check_interrupts_masked(const struct kctx *c)
{
	uint8_t m1 = inb(0x21), m2 = inb(0xa1);
	uint32_t i;

	lim_phase = "interrupt masks";
	if (m1 != 0xff || m2 != 0xff)
		lim_fail("legacy PIC masks are %#x and %#x, want 0xff and 0xff (all IRQs masked)", m1, m2);
	for (i = 0; i < c->nioapics; i++) {
		volatile uint32_t *sel = (volatile uint32_t *)fw_map(c, c->ioapics[i].address, 0x20, 1);
		volatile uint32_t *win = sel + 4;
		uint32_t n, k;

		*sel = 1;
		n = ((*win >> 16) & 0xff) + 1;
		for (k = 0; k < n; k++) {
			uint32_t lo, mode;

			*sel = 0x10 + 2 * k;
			lo = *win;
			mode = (lo >> 8) & 7;
			if (mode <= 1 && !(lo & (1u << 16)))
				lim_fail("I/O APIC at %#x input %u (GSI %u) is unmasked with delivery mode %u (redirection %#x)",
				         c->ioapics[i].address, k, c->ioapics[i].gsi_base + k, mode, lo);
		}
	}
}

/* ---- the TSC ------------------------------------------------------------------------ */

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* TSC ticks per second, over 10 ms of PIT channel 2 (mode 0, gate on). */
uint64_t fw_tsc_hz(void)
{
	const uint32_t latch = 1193182 / 100;
	uint64_t t0, t1, spins;

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	outb(0x42, (uint8_t)latch);
	outb(0x42, (uint8_t)(latch >> 8));
	t0 = rdtsc();
	for (spins = 0; spins < 100000000 && !(inb(0x61) & 0x20); spins++)
		;
	t1 = rdtsc();
	if (!(inb(0x61) & 0x20) || t1 <= t0)
		lim_fail("PIT channel 2 did not count down: cannot time the wait for the APs");
	return (t1 - t0) * 100;
}
