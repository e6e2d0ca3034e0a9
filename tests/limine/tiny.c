/*
 * tiny.c - the small Limine test kernels, one per LIM_TINY_CASE, most of
 * them malformed on purpose to exercise the loader's handling of bad
 * requests.  Each is entered at e_entry (tests/kernel/entry.S's _start:
 * no entry point request here), asks for the HHDM and the memory map
 * (inside the markers, base revision 3 unless said otherwise), checks
 * that both came back in bootloader-reclaimable memory, then checks its
 * own case and reports one line (report.h):
 *     limine-kernel: PASS case=NAME ...   or   limine-kernel: FAIL ...
 *
 * Cases (limine.mk builds limine-<name>.elf for each):
 *   tiny       nothing wrong: the control, and the entry that must still
 *              boot after the refused ones in a run-all config;
 *   preset     the HHDM request's response pointer is already non-NULL
 *              (it points at a decoy in the kernel's .data): the loader
 *              processes the request and overwrites it (the spec: the
 *              field "is filled in by the bootloader"); left as preset
 *              is a FAIL;
 *   outside    a bootloader info request just before the start marker, a
 *              firmware type request just after the end marker and a
 *              kernel file request in plain .data: base revision 2 and
 *              later honour the markers, so all three responses stay
 *              NULL (the HHDM and memory map inside are answered);
 *   rev99      the base revision tag asks for 99: the loader boots it with
 *              a revision it supports and leaves tag[2] at 99;
 *   reqrev99   module, paging mode and HHDM requests of revision 99: each
 *              processed as the highest revision the loader knows, so the
 *              module response has revision >= 1 and carries the internal
 *              module (bytes hashing to its command line), paging mode is
 *              4-level, the HHDM is there;
 *   stack1g    a stack size request of 1 GiB: the loader must refuse to
 *              boot it ("runway: error:"); booting it is a FAIL;
 *   dup        two HHDM requests: the spec says the loader refuses such an
 *              executable; booting it is a FAIL.
 */
#include <stdint.h>

#include "checks.h"
#include "cpu.h"
#include "lchecks.h"
#include "lproto.h"
#include "report.h"

#define LIM_CASE_TINY     1
#define LIM_CASE_PRESET   2
#define LIM_CASE_OUTSIDE  3
#define LIM_CASE_REV99    4
#define LIM_CASE_REQREV99 5
#define LIM_CASE_STACK1G  6
#define LIM_CASE_DUP      7

#ifndef LIM_TINY_CASE
#define LIM_TINY_CASE LIM_CASE_TINY
#endif
#ifndef LIM_TINY_NAME
#define LIM_TINY_NAME "tiny"
#endif

#if LIM_TINY_CASE == LIM_CASE_REQREV99
#include "internal.h" /* LIM_INTERNAL_CMDLINE */
#define REQ_REVISION 99
#else
#define REQ_REVISION 0
#endif

#define REQUEST __attribute__((used, section(".limine_requests"), aligned(8)))
#define BEFORE  __attribute__((used, section(".limine_requests_before"), aligned(8)))
#define AFTER   __attribute__((used, section(".limine_requests_after"), aligned(8)))
#define PLAIN   __attribute__((used, section(".data.outside"), aligned(8)))

#if LIM_TINY_CASE == LIM_CASE_OUTSIDE
BEFORE struct lp_request outside_before_req = { LP_BOOTLOADER_INFO_ID, 0, 0 };
#endif

__attribute__((used, section(".limine_requests_start"), aligned(8)))
uint64_t tiny_requests_start_marker[4] = LP_REQUESTS_START_MARKER;

REQUEST uint64_t tiny_base_revision[3] = {
	LP_BASE_REVISION_MAGIC, LIM_TINY_CASE == LIM_CASE_REV99 ? 99 : 3
};

#if LIM_TINY_CASE == LIM_CASE_PRESET
static struct lp_hhdm_response decoy = { 0x5151, 0x1234 };
REQUEST struct lp_request hhdm_req = { LP_HHDM_ID, 0, (uint64_t)&decoy };
#else
REQUEST struct lp_request hhdm_req = { LP_HHDM_ID, REQ_REVISION, 0 };
#endif
REQUEST struct lp_request memmap_req = { LP_MEMMAP_ID, 0, 0 };

#if LIM_TINY_CASE == LIM_CASE_DUP
REQUEST struct lp_request hhdm_again_req = { LP_HHDM_ID, 0, 0 };
#endif
#if LIM_TINY_CASE == LIM_CASE_STACK1G
REQUEST struct lp_stack_size_request stack_req = { { LP_STACK_SIZE_ID, 0, 0 }, 1ull << 30 };
#endif
#if LIM_TINY_CASE == LIM_CASE_REQREV99
static const struct lp_internal_module internal = {
	"internal.bin", LIM_INTERNAL_CMDLINE, LP_INTERNAL_MODULE_REQUIRED
};
static const struct lp_internal_module *const internals[1] = { &internal };
REQUEST struct lp_module_request module_req = { { LP_MODULE_ID, 99, 0 }, 1, internals };
REQUEST struct lp_paging_mode_request paging_req = {
	{ LP_PAGING_MODE_ID, 99, 0 },
	LP_PAGING_MODE_4LVL, LP_PAGING_MODE_4LVL, LP_PAGING_MODE_4LVL
};
#endif

__attribute__((used, section(".limine_requests_end"), aligned(8)))
uint64_t tiny_requests_end_marker[2] = LP_REQUESTS_END_MARKER;

#if LIM_TINY_CASE == LIM_CASE_OUTSIDE
AFTER struct lp_request outside_after_req = { LP_FIRMWARE_TYPE_ID, 0, 0 };
PLAIN struct lp_request outside_data_req = { LP_KERNEL_FILE_ID, 0, 0 };
#endif

#define MAX_MAP 1024
static struct lp_memmap_entry map[MAX_MAP];

struct tiny {
	uint64_t cr3, hhdm, nmap;
};

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Requires [virt, virt + len) to map virt - hhdm; returns the physical. */
static uint64_t hhdm_phys(const struct tiny *t, uint64_t virt, uint64_t len, const char *what)
{
	uint64_t page;
	struct pt_walk w;

	if (virt < t->hhdm || len > UINT64_MAX - virt)
		lim_fail("%s at %#lx is not an HHDM address (offset %#lx)", what, virt, t->hhdm);
	for (page = PAGE_DOWN(virt); page < virt + len; page += PAGE_SIZE)
		if (pt_translate(t->cr3, 4, t->hhdm, page, &w) != PT_OK || w.phys != page - t->hhdm)
			lim_fail("%s: HHDM page %#lx does not map physical %#lx", what, page,
			         page - t->hhdm);
	return virt - t->hhdm;
}

/* hhdm_phys, and in bootloader-reclaimable memory once the map is in. */
static void loader_data(const struct tiny *t, uint64_t virt, uint64_t len, const char *what)
{
	uint64_t phys = hhdm_phys(t, virt, len, what), bad;

	if (t->nmap && !lc_mmap_covers(map, t->nmap, phys, len,
	                               LP_MEMMAP_BOOTLOADER_RECLAIMABLE, &bad))
		lim_fail("%s (physical %#lx): physical %#lx is not bootloader-reclaimable", what,
		         phys, bad);
}

static void get_hhdm(struct tiny *t)
{
	uint64_t resp = load(&hhdm_req.response);
	struct pt_walk w;

	lim_phase = "HHDM response";
#if LIM_TINY_CASE == LIM_CASE_PRESET
	if (resp == (uint64_t)&decoy)
		lim_fail("HHDM response is still the preset decoy %#lx: the loader did not fill it in",
		         resp);
#endif
	if (resp < 0xffff800000000000ull)
		lim_fail("HHDM response is %#lx, want a higher-half address", resp);
	t->hhdm = ((const struct lp_hhdm_response *)resp)->offset;
	if (t->hhdm < 0xffff800000000000ull || t->hhdm % PAGE_SIZE ||
	    pt_translate(t->cr3, 4, t->hhdm, resp, &w) != PT_OK || w.phys != resp - t->hhdm)
		lim_fail("HHDM offset %#lx does not map the HHDM response at %#lx", t->hhdm, resp);
}

static void get_memmap(struct tiny *t)
{
	uint64_t resp = load(&memmap_req.response), i, n;
	const struct lp_memmap_response *r = (const struct lp_memmap_response *)resp;
	enum lc_mmap_error err;

	lim_phase = "memory map";
	if (!resp)
		lim_fail("no memory map response");
	hhdm_phys(t, resp, sizeof *r, "memory map response");
	n = r->entry_count;
	if (n == 0 || n > MAX_MAP)
		lim_fail("memory map entry_count %lu", n);
	hhdm_phys(t, r->entries, n * 8, "memory map pointer array");
	for (i = 0; i < n; i++) {
		uint64_t e = ((const uint64_t *)r->entries)[i];

		hhdm_phys(t, e, sizeof map[0], "memory map entry");
		map[i] = *(const struct lp_memmap_entry *)e;
	}
	err = lc_mmap_validate(map, n, &i);
	if (err != LC_MMAP_OK)
		lim_fail("memory map entry %lu (base %#lx length %#lx type %lu): %s", i,
		         map[i].base, map[i].length, map[i].type, lc_mmap_error_name(err));
	t->nmap = n;
	loader_data(t, resp, sizeof *r, "memory map response");
	loader_data(t, load(&hhdm_req.response), sizeof(struct lp_hhdm_response),
	            "HHDM response");
}

#if LIM_TINY_CASE == LIM_CASE_REQREV99
static void check_reqrev99(const struct tiny *t)
{
	const struct lp_module_response *m = (const void *)load(&module_req.r.response);
	const struct lp_paging_mode_response *p = (const void *)load(&paging_req.r.response);
	const struct lp_file *f;
	uint64_t want;

	lim_phase = "revision-99 requests";
	if (!m || !p)
		lim_fail("revision-99 requests unanswered: module response %#lx, paging mode response %#lx; want both processed at the loader's highest revision",
		         (uint64_t)m, (uint64_t)p);
	loader_data(t, (uint64_t)m, sizeof *m, "module response");
	loader_data(t, (uint64_t)p, sizeof *p, "paging mode response");
	if (p->mode != LP_PAGING_MODE_4LVL)
		lim_fail("paging mode %lu, want 4-level (0)", p->mode);
	if (m->revision < 1 || m->module_count < 1)
		lim_fail("module response revision %lu with %lu modules: a revision-99 request with an internal module wants revision >= 1 and the module",
		         m->revision, m->module_count);
	loader_data(t, m->modules, 8, "module pointer array");
	f = (const struct lp_file *)((const uint64_t *)m->modules)[0];
	loader_data(t, (uint64_t)f, sizeof *f, "module file");
	loader_data(t, f->cmdline, sizeof LIM_INTERNAL_CMDLINE, "module cmdline");
	hhdm_phys(t, f->address, f->size, "internal module");
	if (!str_eq((const char *)f->cmdline, LIM_INTERNAL_CMDLINE) ||
	    parse_fnv1a64_string((const char *)f->cmdline, &want) != 1 ||
	    fnv1a64(FNV1A64_INIT, (const void *)f->address, f->size) != want)
		lim_fail("internal module (%lu bytes) does not hash to %s", f->size,
		         LIM_INTERNAL_CMDLINE);
}
#endif

static void check_case(const struct tiny *t)
{
	lim_phase = LIM_TINY_NAME;
	(void)t;
#if LIM_TINY_CASE == LIM_CASE_OUTSIDE
	if (load(&outside_before_req.response) || load(&outside_after_req.response) ||
	    load(&outside_data_req.response))
		lim_fail("requests outside the markers were answered (before %#lx, after %#lx, .data %#lx); base revision 3 honours the markers",
		         load(&outside_before_req.response), load(&outside_after_req.response),
		         load(&outside_data_req.response));
#elif LIM_TINY_CASE == LIM_CASE_REV99
	if (load(&tiny_base_revision[2]) != 99)
		lim_fail("base revision tag[2] is %lu, want 99 left unchanged (revision 99 is not supported)",
		         load(&tiny_base_revision[2]));
#elif LIM_TINY_CASE == LIM_CASE_REQREV99
	check_reqrev99(t);
#elif LIM_TINY_CASE == LIM_CASE_STACK1G
	lim_fail("booted a kernel whose stack size request asks for 1 GiB; want the loader to refuse it");
#elif LIM_TINY_CASE == LIM_CASE_DUP
	lim_fail("booted a kernel with two HHDM requests; the spec says the loader refuses it");
#endif
	if (LIM_TINY_CASE != LIM_CASE_REV99 && load(&tiny_base_revision[2]) != 0)
		lim_fail("base revision tag[2] is %lu, want 0 (revision 3 accepted)",
		         load(&tiny_base_revision[2]));
}

void __attribute__((noreturn)) kernel_main(uint64_t rdi, uint64_t rsp, uint64_t rflags);
void __attribute__((noreturn)) kernel_main(uint64_t rdi, uint64_t rsp, uint64_t rflags)
{
	struct tiny t = { read_cr3(), 0, 0 };

	(void)rdi;
	lim_report_init();
	lim_phase = "entry state";
	if (rflags & (RFLAGS_IF | RFLAGS_DF) || (rsp + 8) % 16 || *(const uint64_t *)rsp)
		lim_fail("entry RFLAGS %#lx RSP %#lx [RSP] %#lx: want IF, DF clear, RSP + 8 aligned, [RSP] 0",
		         rflags, rsp, *(const uint64_t *)rsp);
	get_hhdm(&t);
	get_memmap(&t);
	check_case(&t);
	lim_pass("case=%s hhdm=%#lx mmap=%lu tag2=%lu", LIM_TINY_NAME, t.hhdm, t.nmap,
	         load(&tiny_base_revision[2]));
}
