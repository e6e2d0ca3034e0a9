/*
 * bench_alloc.c - how fast does Runway's free-run allocator hand out memory,
 * next to the two usual ways of writing a frame allocator?
 *
 * One process, one fragmented 4 GiB map (the captured OVMF q35 map reshaped
 * and punched with reserved holes, see make_map), four measurements:
 *
 *   (1) Runway, page at a time: mm_alloc_run(pages = 1) until memory is
 *       gone, with a fake firmware that only counts calls;
 *   (2) "walk to the Nth frame": to hand out frame n, iterate the usable
 *       regions page by page from the start until the n-th free page (the
 *       iter().flat_map(step_by(4096)).nth(n) pattern).  O(n) per call, so
 *       it is timed on evenly spaced n and extrapolated;
 *   (3) a bitmap with a largest-free-run hint per 64-page group;
 *       and, for reference, (1) on the same memory without the holes;
 *   (4) Runway placing a 14 MiB and a 64 MiB request (mm_alloc_run, and
 *       mm_alloc_pieces where no single run fits): time and exact firmware
 *       calls per request.
 *
 * Then the cost per allocation of (1) and (3), both on every page, and
 * (2), sampled, against memory size (1 to 64 GiB) goes to
 * OUTDIR/alloc-scaling.csv for bench/alloc-scaling.gp.  (1) and (3) do the
 * same work per page: one allocation, its address kept; each allocator's
 * memory is written before the clock starts.
 *
 * This is a benchmark, not a test: targets are printed as PASS or MISS and
 * the exit status is 0 whatever the timings (non-zero only when the bench
 * itself cannot run or the allocators disagree about which pages exist).
 *
 * Usage: bench_alloc TEMPLATE.map OUTDIR
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm.h"

#define GIB ((uint64_t)1 << 30)
#define MIB ((uint64_t)1 << 20)

/* q35 puts at most 2 GiB of RAM below 4 GiB; the rest starts at 4 GiB. */
#define LOW_TOP   UINT64_C(0x80000000)
#define HIGH_BASE UINT64_C(0x100000000)

/* The fragmentation: the same for every memory size. */
#define HOLES      1536
#define HOLE_MAX   16          /* pages */
#define SEED       0x52756e776179ull /* "Runway" */
#define HOLE_TYPE  MM_EFI_RESERVED

#define REPS          5        /* main comparison: median of 5 ... */
#define RUNWAY_REPS   3        /* ... and of 3 for (1) */
#define SCALE_REPS    3        /* scaling sweep: median of 3 */
#define WALK_SAMPLES  2000     /* (2) at 4 GiB */
#define SCALE_WALK_SAMPLES 200 /* (2) in the sweep */
#define REQ_REPS      201      /* (4): one request is microseconds */

/* Keep the compiler from summing a page walk in closed form: each frame
 * address is materialized, as an iterator yielding it would. */
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))

/* ---------------------------------------------------------------- utils */

static void die(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	fputs("bench_alloc: ", stderr);
	vfprintf(stderr, f, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Long measurements: CPU time of this thread, so that other processes on a
 * shared machine disturb them only through the caches, not by preemption. */
static uint64_t cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* Single calls of microseconds: the cheap clock, and a median of many. */
static uint64_t wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v). */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* "812 ns", "7.81 us", "1.52 ms", "4.20 s", "312 s". */
static const char *fmt_time(double ns, char *buf, size_t size)
{
	if (ns < 1e3)
		snprintf(buf, size, "%.1f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.2f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
	return buf;
}

/* "1.23 M/s", "45.6 k/s". */
static const char *fmt_rate(double per_s, char *buf, size_t size)
{
	if (per_s >= 1e6)
		snprintf(buf, size, "%.2f M/s", per_s / 1e6);
	else if (per_s >= 1e3)
		snprintf(buf, size, "%.2f k/s", per_s / 1e3);
	else
		snprintf(buf, size, "%.1f /s", per_s);
	return buf;
}

/* ------------------------------------------------------ firmware maps */

/* One firmware descriptor, before it is laid out desc_size apart. */
struct desc {
	uint32_t type;
	uint64_t base;
	uint64_t pages;
};

struct desc_list {
	struct desc *d;
	size_t n, cap;
};

static void push(struct desc_list *l, uint32_t type, uint64_t base,
		 uint64_t pages)
{
	if (pages == 0)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->d = realloc(l->d, l->cap * sizeof *l->d);
		if (!l->d)
			die("out of memory");
	}
	l->d[l->n++] = (struct desc){ type, base, pages };
}

/* Read a captured map (tools/capture-map.sh format). */
static struct desc_list load_map(const char *path)
{
	FILE *f = fopen(path, "r");
	struct desc_list l = { 0 };
	unsigned dsz, ver;
	size_t count;
	char line[256];

	if (!f)
		die("cannot open %s", path);
	if (!fgets(line, sizeof line, f) ||
	    sscanf(line, "desc_size=%u desc_version=%u count=%zu", &dsz, &ver,
		   &count) != 3)
		die("%s: bad header", path);
	while (fgets(line, sizeof line, f)) {
		unsigned type;
		unsigned long long base, pages, attr;
		if (sscanf(line, "type=%u base=0x%llx pages=%llu attr=0x%llx",
			   &type, &base, &pages, &attr) != 4)
			die("%s: bad line: %s", path, line);
		push(&l, type, base, pages);
	}
	fclose(f);
	if (l.n != count)
		die("%s: header says %zu descriptors, found %zu", path, count, l.n);
	return l;
}

/* The largest conventional descriptor below LOW_TOP: the one that grows or
 * shrinks with the machine's low memory. */
static size_t big_low(const struct desc_list *t)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < t->n; i++)
		if (t->d[i].type == MM_EFI_CONVENTIONAL && t->d[i].base < LOW_TOP &&
		    (best == SIZE_MAX || t->d[i].pages > t->d[best].pages))
			best = i;
	if (best == SIZE_MAX)
		die("template map has no conventional memory below 2 GiB");
	return best;
}

/*
 * The template resized to `bytes` of RAM the way QEMU q35 lays it out:
 * min(bytes, 2 GiB) below LOW_TOP, the rest from 4 GiB up.  The firmware's
 * own allocations at the top of low memory keep their shape and move down
 * with it; MMIO descriptors stay where they are.
 */
static struct desc_list resize_map(const struct desc_list *t, uint64_t bytes)
{
	uint64_t low = bytes < LOW_TOP ? bytes : LOW_TOP;
	uint64_t shift = LOW_TOP - low;
	size_t big = big_low(t);
	struct desc_list l = { 0 };

	if (shift >> MM_PAGE_SHIFT >= t->d[big].pages)
		die("cannot shrink the template to %" PRIu64 " MiB", bytes / MIB);
	for (size_t i = 0; i < t->n; i++) {
		struct desc d = t->d[i];
		if (d.base >= HIGH_BASE && d.type == MM_EFI_CONVENTIONAL)
			continue; /* replaced below */
		if (i == big)
			d.pages -= shift >> MM_PAGE_SHIFT;
		else if (d.base > t->d[big].base && d.base < LOW_TOP)
			d.base -= shift;
		push(&l, d.type, d.base, d.pages);
	}
	push(&l, MM_EFI_CONVENTIONAL, HIGH_BASE, (bytes - low) >> MM_PAGE_SHIFT);
	return l;
}

struct hole {
	uint64_t at;    /* index of its first page among all free pages */
	uint64_t pages;
};

static int cmp_hole(const void *a, const void *b)
{
	const struct hole *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

static uint64_t conventional_pages(const struct desc_list *l)
{
	uint64_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->d[i].type == MM_EFI_CONVENTIONAL)
			n += l->d[i].pages;
	return n;
}

/*
 * Punch `count` holes of 1..HOLE_MAX pages at pseudo-random free pages
 * (fixed seed): each splits a conventional descriptor into
 * conventional / reserved / conventional, as firmware reports it.  Holes
 * that would overlap an earlier one are dropped; returns how many were made.
 */
static size_t punch_holes(struct desc_list *l, size_t count, uint64_t seed)
{
	uint64_t total = conventional_pages(l), s = seed;
	struct hole *h = xmalloc(count * sizeof *h);
	struct desc_list out = { 0 };
	size_t next = 0, made = 0;
	uint64_t idx = 0; /* free-page index where the current descriptor starts */

	for (size_t i = 0; i < count; i++)
		h[i] = (struct hole){ xorshift64(&s) % total,
				      1 + xorshift64(&s) % HOLE_MAX };
	qsort(h, count, sizeof *h, cmp_hole);
	for (size_t i = 0; i < l->n; i++) {
		struct desc d = l->d[i];
		uint64_t at = 0; /* pages of d already emitted */
		if (d.type != MM_EFI_CONVENTIONAL) {
			push(&out, d.type, d.base, d.pages);
			continue;
		}
		for (; next < count && h[next].at < idx + d.pages; next++) {
			uint64_t off = h[next].at - idx;
			if (off < at)
				continue; /* overlaps the previous hole */
			uint64_t len = h[next].pages < d.pages - off ?
					       h[next].pages : d.pages - off;
			push(&out, MM_EFI_CONVENTIONAL, d.base + at * MM_PAGE_SIZE,
			     off - at);
			push(&out, HOLE_TYPE, d.base + off * MM_PAGE_SIZE, len);
			at = off + len;
			made++;
		}
		push(&out, MM_EFI_CONVENTIONAL, d.base + at * MM_PAGE_SIZE,
		     d.pages - at);
		idx += d.pages;
	}
	free(h);
	free(l->d);
	*l = out;
	return made;
}

/* ------------------------------------------------------- the test map */

/* A fragmented map, normalized: what all the allocators start from. */
struct map {
	uint64_t ram;              /* bytes of RAM it describes */
	size_t ndesc, holes;
	struct mm_region *reg;
	size_t nreg;
	uint64_t free_pages;
	size_t nruns;              /* free runs: adjacent usable regions joined */
	uint64_t *run_pages;       /* their sizes, largest first */
	uint64_t top;              /* end of the highest usable region */
};

static int cmp_u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x < y) - (x > y);
}

/* Lay descriptors out as firmware does (48 bytes apart, as OVMF) and
 * normalize them with Runway's own mm_normalize. */
static void normalize(struct map *m, const struct desc_list *l)
{
	const size_t dsz = 48;
	uint8_t *raw = calloc(l->n, dsz);
	size_t scratch_size = mm_normalize_scratch(l->n);
	void *scratch = xmalloc(scratch_size);
	struct rw_err err;

	if (!raw)
		die("out of memory");
	for (size_t i = 0; i < l->n; i++) {
		struct mm_efi_desc d = { .type = l->d[i].type,
					 .phys_start = l->d[i].base,
					 .pages = l->d[i].pages,
					 .attribute = 0xf };
		memcpy(raw + i * dsz, &d, sizeof d);
	}
	m->reg = xmalloc(2 * l->n * sizeof *m->reg);
	if (mm_normalize(raw, l->n * dsz, dsz, m->reg, 2 * l->n, scratch,
			 scratch_size, &m->nreg, &err))
		die("mm_normalize: %s", err.msg);
	free(raw);
	free(scratch);
}

/* Free pages, free runs (sorted, largest first) and the top of memory. */
static void measure_map(struct map *m)
{
	m->run_pages = xmalloc(m->nreg * sizeof *m->run_pages);
	m->free_pages = 0;
	m->nruns = 0;
	for (size_t i = 0; i < m->nreg; i++) {
		const struct mm_region *r = &m->reg[i];
		if (r->kind != MM_USABLE)
			continue;
		uint64_t pages = (r->end - r->base) >> MM_PAGE_SHIFT;
		m->free_pages += pages;
		m->top = r->end;
		if (i > 0 && m->reg[i - 1].kind == MM_USABLE &&
		    m->reg[i - 1].end == r->base)
			m->run_pages[m->nruns - 1] += pages;
		else
			m->run_pages[m->nruns++] = pages;
	}
	qsort(m->run_pages, m->nruns, sizeof *m->run_pages, cmp_u64_desc);
}

static struct map make_map(const struct desc_list *tmpl, uint64_t ram,
			   size_t holes)
{
	struct desc_list l = resize_map(tmpl, ram);
	struct map m = { .ram = ram };

	m.holes = holes ? punch_holes(&l, holes, SEED) : 0;
	m.ndesc = l.n;
	normalize(&m, &l);
	measure_map(&m);
	free(l.d);
	return m;
}

static void free_map(struct map *m)
{
	free(m->reg);
	free(m->run_pages);
}

/* Fewest free runs that hold `pages` (largest first): the lower bound for
 * the firmware calls of a request in pieces. */
static size_t runs_needed(const struct map *m, uint64_t pages)
{
	size_t n = 0;

	for (uint64_t got = 0; got < pages && n < m->nruns; n++)
		got += m->run_pages[n];
	return n;
}

/* ----------------------------------------------- (1) Runway's allocator */

/* The fake firmware: every claim succeeds and is counted. */
struct count_fw {
	uint64_t claims, releases;
};

static uint64_t count_claim(void *ctx, uint64_t base, uint64_t pages,
			    enum mm_kind kind)
{
	((struct count_fw *)ctx)->claims++;
	return 0;
}

static void count_release(void *ctx, uint64_t base, uint64_t pages)
{
	((struct count_fw *)ctx)->releases++;
}

/*
 * A Runway allocator over a private copy of m's regions.  Its claim log
 * is written before the clock starts, as bitmap_init writes the bitmap:
 * fresh memory from malloc is only mapped when first touched, and the
 * page faults (a kernel's work, a microsecond each, one per 256 log
 * entries) would be timed for Runway alone.
 */
struct runway {
	struct count_fw counts;
	struct mm_fw fw;
	struct mm_alloc a;
	struct mm_region *reg;
	struct mm_claim *claims;
};

static void runway_init(struct runway *r, const struct map *m,
			size_t claim_cap)
{
	size_t cap = 2 * m->nreg + 64;

	r->counts = (struct count_fw){ 0 };
	r->fw = (struct mm_fw){ .ctx = &r->counts, .claim = count_claim,
				.release = count_release };
	r->reg = xmalloc(cap * sizeof *r->reg);
	memcpy(r->reg, m->reg, m->nreg * sizeof *r->reg);
	r->claims = xmalloc(claim_cap * sizeof *r->claims);
	memset(r->claims, 0, claim_cap * sizeof *r->claims);
	mm_alloc_init(&r->a, &r->fw, r->reg, m->nreg, cap, r->claims, claim_cap);
}

static void runway_fini(struct runway *r)
{
	free(r->reg);
	free(r->claims);
}

static uint64_t runway_page(struct runway *r)
{
	static const struct mm_req one = { .pages = 1, .kind = MM_LOADER };
	struct rw_err err;
	uint64_t base;

	if (mm_alloc_run(&r->a, &one, &base, &err))
		die("mm_alloc_run(1 page): %s", err.msg);
	return base;
}

/*
 * (1) in full: every free page, one mm_alloc_run each.  Returns the time;
 * *ret_calls the firmware claims; out (optional) gets the pages in order.
 */
static double runway_all_pages(const struct map *m, uint64_t *ret_calls,
			       uint64_t *out)
{
	struct runway r;
	uint64_t t0, t1;

	runway_init(&r, m, m->free_pages + 1);
	t0 = cpu_ns();
	for (uint64_t i = 0; i < m->free_pages; i++) {
		uint64_t p = runway_page(&r);
		if (out)
			out[i] = p;
	}
	t1 = cpu_ns();
	if (mm_alloc_free_pages(&r.a) != 0)
		die("Runway: pages left after %" PRIu64 " allocations",
		    m->free_pages);
	*ret_calls = r.counts.claims;
	runway_fini(&r);
	return (double)(t1 - t0);
}

/* --------------------------------------------------- (2) walk to Nth */

/*
 * The n-th free frame, found by walking the usable regions page by page
 * from the start: regions.filter(usable).flat_map(step_by(4096)).nth(n).
 */
static uint64_t walk_nth(const struct mm_region *reg, size_t nreg, uint64_t n)
{
	for (size_t i = 0; i < nreg; i++) {
		if (reg[i].kind != MM_USABLE)
			continue;
		for (uint64_t p = reg[i].base; p < reg[i].end; p += MM_PAGE_SIZE) {
			OPAQUE(p);
			if (n-- == 0)
				return p;
		}
	}
	return UINT64_MAX;
}

/* The k-th of `samples` evenly spaced frame numbers in [0, free_pages). */
static uint64_t walk_sample_n(const struct map *m, size_t k, size_t samples)
{
	return m->free_pages * (2 * k + 1) / (2 * samples);
}

/*
 * (2) sampled: the allocator's state is just the next frame number, so
 * allocation number n costs exactly walk_nth(n).  Times `samples` calls at
 * evenly spaced n; their mean times free_pages is the whole job (the cost
 * is linear in n, so the mean of evenly spaced samples is the true mean).
 * Returns ns per allocation.  out (optional) gets the frames.
 */
static double walk_sampled_ns_per_op(const struct map *m, size_t samples,
				     uint64_t *out)
{
	uint64_t sink = 0, t0 = cpu_ns();

	for (size_t k = 0; k < samples; k++) {
		uint64_t p = walk_nth(m->reg, m->nreg, walk_sample_n(m, k, samples));
		if (out)
			out[k] = p;
		sink += p;
	}
	uint64_t t1 = cpu_ns();
	if (sink == 0)
		die("walk found nothing");
	return (double)(t1 - t0) / (double)samples;
}

/* ------------------------------------------------------- (3) a bitmap */

/*
 * One bit per page from address 0 to the top of usable memory (set: in use
 * or not memory), and per 64-page group (one word) the longest free run in
 * it.  A request skips every group whose hint is below its size; `first`
 * is the lowest group with any free page, so full groups at the bottom are
 * not even looked at.  Requests of 1..64 pages, lowest address first.
 */
struct bitmap {
	uint64_t *used;
	uint8_t *hint;
	size_t ngroups, first;
};

/* Longest run of set bits in x: combine the runs of 32, 16, ... 1 that
 * fit, from f(x, L) = positions that start L set bits. */
static unsigned longest_ones(uint64_t x)
{
	uint64_t pow[6]; /* pow[k] = f(x, 1 << k) */
	uint64_t cur = ~0ull;
	unsigned len = 0;

	pow[0] = x;
	for (int k = 1; k < 6; k++)
		pow[k] = pow[k - 1] & (pow[k - 1] >> (1u << (k - 1)));
	for (int k = 5; k >= 0; k--) {
		uint64_t cand = cur & (pow[k] >> len); /* f(x, len + 2^k) */
		if (cand) {
			cur = cand;
			len += 1u << k;
		}
	}
	if (x == ~0ull)
		len = 64; /* the steps add up to 63 at most */
	return len;
}

static void bitmap_init(struct bitmap *b, const struct map *m)
{
	uint64_t pages = m->top >> MM_PAGE_SHIFT;

	b->ngroups = (pages + 63) / 64;
	b->used = xmalloc(b->ngroups * sizeof *b->used);
	b->hint = xmalloc(b->ngroups);
	memset(b->used, 0xff, b->ngroups * sizeof *b->used);
	for (size_t i = 0; i < m->nreg; i++) {
		if (m->reg[i].kind != MM_USABLE)
			continue;
		for (uint64_t p = m->reg[i].base >> MM_PAGE_SHIFT;
		     p < m->reg[i].end >> MM_PAGE_SHIFT; p++)
			b->used[p / 64] &= ~(1ull << (p % 64));
	}
	b->first = b->ngroups;
	for (size_t g = b->ngroups; g-- > 0;) {
		b->hint[g] = (uint8_t)longest_ones(~b->used[g]);
		if (b->hint[g])
			b->first = g;
	}
}

static void bitmap_fini(struct bitmap *b)
{
	free(b->used);
	free(b->hint);
}

/* Claim `pages` (1..64) free pages inside one group.  Returns the address,
 * or UINT64_MAX when no group has room. */
static uint64_t bitmap_alloc(struct bitmap *b, unsigned pages)
{
	for (size_t g = b->first; g < b->ngroups; g++) {
		if (b->hint[g] < pages)
			continue; /* the summary: this group cannot fit it */
		uint64_t free = ~b->used[g], start = free;
		for (unsigned k = 1; k < pages; k++)
			start &= free >> k;
		unsigned bit = (unsigned)__builtin_ctzll(start);
		uint64_t mask = pages == 64 ? ~0ull : ((1ull << pages) - 1) << bit;
		b->used[g] |= mask;
		b->hint[g] = (uint8_t)longest_ones(~b->used[g]);
		while (b->first < b->ngroups && b->hint[b->first] == 0)
			b->first++;
		return ((uint64_t)g * 64 + bit) << MM_PAGE_SHIFT;
	}
	return UINT64_MAX;
}

/* (3) every free page, one at a time.  Returns the time; out (optional)
 * gets the pages in order. */
static double bitmap_all_pages(const struct map *m, uint64_t *out)
{
	struct bitmap b;
	uint64_t sink = 0;

	bitmap_init(&b, m);
	uint64_t t0 = cpu_ns();
	for (uint64_t i = 0; i < m->free_pages; i++) {
		uint64_t p = bitmap_alloc(&b, 1);
		if (out)
			out[i] = p;
		sink += p;
	}
	uint64_t t1 = cpu_ns();
	if (bitmap_alloc(&b, 1) != UINT64_MAX || sink == 0)
		die("bitmap: wrong number of free pages");
	bitmap_fini(&b);
	return (double)(t1 - t0);
}

/* ------------------------------------------------------ cross-checks */

/*
 * All three must hand out the same pages: the bitmap lowest first (so its
 * n-th page is walk_nth(n)), Runway highest first (its reverse).  rw is
 * what one timed Runway run handed out, with `calls` firmware claims.
 */
static void check_agree(const struct map *m, const uint64_t *rw,
			uint64_t calls)
{
	uint64_t *bm = xmalloc(m->free_pages * sizeof *bm);
	uint64_t *wk = xmalloc(WALK_SAMPLES * sizeof *wk);

	bitmap_all_pages(m, bm);
	walk_sampled_ns_per_op(m, WALK_SAMPLES, wk);
	for (uint64_t i = 0; i < m->free_pages; i++)
		if (bm[i] != rw[m->free_pages - 1 - i])
			die("bitmap page %" PRIu64 " is 0x%" PRIx64
			    ", Runway's reverse order has 0x%" PRIx64,
			    i, bm[i], rw[m->free_pages - 1 - i]);
	for (size_t k = 0; k < WALK_SAMPLES; k++)
		if (wk[k] != bm[walk_sample_n(m, k, WALK_SAMPLES)])
			die("walk and bitmap disagree on frame %" PRIu64,
			    walk_sample_n(m, k, WALK_SAMPLES));
	if (calls != m->free_pages)
		die("Runway made %" PRIu64 " firmware calls for %" PRIu64 " pages",
		    calls, m->free_pages);
	free(bm);
	free(wk);
}

/* ------------------------------------------------------------ report */

static void describe_map(const struct map *m, const char *tmpl_path,
			 size_t tmpl_n)
{
	printf("Map: %s (%zu descriptors, OVMF q35 8 GiB) reshaped to "
	       "%" PRIu64 " GiB of RAM\n", tmpl_path, tmpl_n, m->ram / GIB);
	printf("     the q35 way: %" PRIu64 " MiB below 2 GiB (firmware's own "
	       "descriptors kept at its top), %" PRIu64 " MiB from 4 GiB up;\n",
	       (m->ram < LOW_TOP ? m->ram : LOW_TOP) / MIB,
	       (m->ram > LOW_TOP ? m->ram - LOW_TOP : 0) / MIB);
	printf("     %zu reserved holes of 1-%d pages punched at pseudo-random "
	       "free pages (xorshift64, seed 0x%llx).\n",
	       m->holes, HOLE_MAX, (unsigned long long)SEED);
	printf("     -> %zu firmware descriptors, %zu normalized regions, "
	       "%zu free runs,\n", m->ndesc, m->nreg, m->nruns);
	printf("        %" PRIu64 " free pages (%" PRIu64 " MiB); free runs: "
	       "largest %" PRIu64 " pages (%.1f MiB), median %" PRIu64
	       " pages, smallest %" PRIu64 "\n\n",
	       m->free_pages, (uint64_t)(m->free_pages * MM_PAGE_SIZE / MIB),
	       m->run_pages[0], m->run_pages[0] * 4.0 / 1024,
	       m->run_pages[m->nruns / 2], m->run_pages[m->nruns - 1]);
}

struct row {
	const char *name;
	const char *ops_note;
	double ops;
	double ns;      /* total, median of the repetitions */
	double spread;  /* (max - min) / median of the repetitions, 0 if n/a */
};

static void print_table(const struct row *r, size_t n)
{
	char t[32], per[32], rate[32];

	printf("%-52s %12s %11s %11s %11s %12s %7s\n", "approach", "operations",
	       "total time", "per op", "ops/sec", "per op/(1)", "spread");
	for (size_t i = 0; i < n; i++) {
		double per_op = r[i].ns / r[i].ops;
		printf("%-52s %12.0f %11s %11s %11s %11.4gx %6.0f%%\n", r[i].name,
		       r[i].ops, fmt_time(r[i].ns, t, sizeof t),
		       fmt_time(per_op, per, sizeof per),
		       fmt_rate(1e9 / per_op, rate, sizeof rate),
		       per_op / (r[0].ns / r[0].ops), 100 * r[i].spread);
		if (r[i].ops_note)
			printf("    %s\n", r[i].ops_note);
	}
}

/* Median and relative spread of v[0..n). */
static double med_spread(double *v, size_t n, double *ret_spread)
{
	double m = median(v, n);
	*ret_spread = (v[n - 1] - v[0]) / m;
	return m;
}

/* --------------------------------------------- (1)-(3) at 4 GiB, table */

struct page_results {
	double runway_ns, walk_ns; /* per allocation */
};

/* (1) RUNWAY_REPS times; *ret_pages (optional) gets what one more,
 * untimed, run hands out, for check_agree. */
static double *time_runway(const struct map *m, double *t, uint64_t **ret_pages,
			   uint64_t *ret_calls)
{
	if (ret_pages) {
		*ret_pages = xmalloc(m->free_pages * sizeof **ret_pages);
		runway_all_pages(m, ret_calls, *ret_pages);
	}
	for (int i = 0; i < RUNWAY_REPS; i++)
		t[i] = runway_all_pages(m, ret_calls, NULL);
	return t;
}

/*
 * (1), (2), (3) on m, and (1) on `plain` (the same memory without the
 * holes) for reference; prints the table.
 */
static struct page_results compare_page_at_a_time(const struct map *m,
						  const struct map *plain)
{
	double rw[RUNWAY_REPS], ref[RUNWAY_REPS], wk[REPS], bm[REPS];
	double s_rw, s_ref, s_wk, s_bm;
	uint64_t calls = 0, ref_calls = 0, *pages;
	static char rw_note[160], walk_note[160], ref_note[160];

	time_runway(m, rw, &pages, &calls);
	check_agree(m, pages, calls);
	free(pages);
	time_runway(plain, ref, NULL, &ref_calls);
	for (int i = 0; i < REPS; i++) {
		wk[i] = walk_sampled_ns_per_op(m, WALK_SAMPLES, NULL) *
			(double)m->free_pages;
		bm[i] = bitmap_all_pages(m, NULL);
	}
	snprintf(rw_note, sizeof rw_note, "firmware claim calls: %" PRIu64
		 " (one per page); median of %d runs", calls, RUNWAY_REPS);
	snprintf(walk_note, sizeof walk_note,
		 "SAMPLED: %d calls at evenly spaced n, mean x %" PRIu64
		 " pages = extrapolated total", WALK_SAMPLES, m->free_pages);
	snprintf(ref_note, sizeof ref_note, "%zu regions instead of %zu; "
		 "%" PRIu64 " firmware calls; median of %d runs", plain->nreg,
		 m->nreg, ref_calls, RUNWAY_REPS);
	struct row rows[4] = {
		{ "(1) Runway mm_alloc_run, pages=1", rw_note,
		  (double)m->free_pages, med_spread(rw, RUNWAY_REPS, &s_rw), s_rw },
		{ "(2) walk usable regions to the Nth frame", walk_note,
		  (double)m->free_pages, med_spread(wk, REPS, &s_wk), s_wk },
		{ "(3) bitmap + largest-free hint per 64-page group", NULL,
		  (double)m->free_pages, med_spread(bm, REPS, &s_bm), s_bm },
		{ "(ref) (1) on this map WITHOUT the holes", ref_note,
		  (double)plain->free_pages, med_spread(ref, RUNWAY_REPS, &s_ref),
		  s_ref },
	};
	printf("== Page at a time: every free page, one allocation each "
	       "(median of %d runs unless said) ==\n\n", REPS);
	print_table(rows, 4);
	double r2 = (rows[1].ns / rows[1].ops) / (rows[0].ns / rows[0].ops);
	double r3 = (rows[2].ns / rows[2].ops) / (rows[0].ns / rows[0].ops);
	printf("\nRatio (2)/(1) = %.1f: Runway is %.1fx faster than "
	       "walk-to-Nth\n", r2, r2);
	printf("Ratio (1)/(3) = %.2f: Runway takes %.2fx the bitmap's time "
	       "per page\n\n", 1 / r3, 1 / r3);
	return (struct page_results){ rows[0].ns / rows[0].ops,
				      rows[1].ns / rows[1].ops };
}

/* ------------------------------------------------ (4) run requests */

struct req_result {
	int ok;
	double ns;           /* median */
	uint64_t calls;      /* firmware claims, exact */
	size_t pieces;
	struct mm_claim piece[64];
	char err[256];
};

/* One request on a fresh allocator, REQ_REPS times; pieces when `pieces`
 * is set, else one mm_alloc_run. */
static struct req_result run_request(const struct map *m, uint64_t bytes,
				     int pieces)
{
	struct req_result res = { 0 };
	struct mm_req req = { .pages = MM_PAGES(bytes), .kind = MM_KERNEL };
	double t[REQ_REPS];

	for (int i = 0; i < REQ_REPS; i++) {
		struct runway r;
		struct rw_err err = { "" };
		uint64_t base;
		size_t n = 1;
		runway_init(&r, m, 256);
		uint64_t t0 = wall_ns();
		int rc = pieces ?
			mm_alloc_pieces(&r.a, &req, res.piece, 64, &n, &err) :
			mm_alloc_run(&r.a, &req, &base, &err);
		t[i] = (double)(wall_ns() - t0);
		if (!pieces && rc == 0)
			res.piece[0] = (struct mm_claim){ base, req.pages };
		res.ok = rc == 0;
		res.calls = r.counts.claims;
		res.pieces = rc == 0 ? n : 0;
		snprintf(res.err, sizeof res.err, "%s", err.msg);
		runway_fini(&r);
	}
	res.ns = median(t, REQ_REPS);
	return res;
}

static void print_request(const char *name, const struct req_result *r,
			  size_t need)
{
	char t[32];

	printf("%-34s %6s %10s %9" PRIu64 " %7zu %12zu\n", name,
	       r->ok ? "ok" : "fails", fmt_time(r->ns, t, sizeof t), r->calls,
	       r->pieces, need);
	if (!r->ok)
		printf("    (%s)\n", r->err);
	for (size_t i = 0; r->ok && r->pieces > 1 && i < r->pieces; i++)
		printf("    piece %zu: 0x%09" PRIx64 " + %" PRIu64 " pages "
		       "(%.2f MiB)\n", i, r->piece[i].base, r->piece[i].pages,
		       r->piece[i].pages * 4.0 / 1024);
}

/* Returns whether the 64 MiB target is met. */
static int compare_requests(const struct map *m)
{
	struct req_result r14 = run_request(m, 14 * MIB, 0);
	struct req_result r64 = run_request(m, 64 * MIB, 0);
	struct req_result p64 = run_request(m, 64 * MIB, 1);
	size_t need14 = runs_needed(m, MM_PAGES(14 * MIB));
	size_t need64 = runs_needed(m, MM_PAGES(64 * MIB));

	printf("== Run requests on the same map (fresh allocator each, median "
	       "of %d) ==\n\n", REQ_REPS);
	printf("%-34s %6s %10s %9s %7s %12s\n", "request", "result", "time",
	       "fw calls", "pieces", "runs needed");
	print_request("14 MiB  mm_alloc_run", &r14, need14);
	print_request("64 MiB  mm_alloc_run", &r64, need64);
	print_request("64 MiB  mm_alloc_pieces (max 64)", &p64,
		      need64);
	printf("\n\"runs needed\": fewest free runs of this map that hold the "
	       "request (largest first).\n\n");
	return p64.ok && p64.calls == need64;
}

/* ------------------------------------------------- scaling sweep */

/* The worst (1)/(3) of the sweep, and where. */
struct worst {
	double ratio;
	unsigned gib;
};

static struct worst scaling(const struct desc_list *tmpl, const char *csv_path)
{
	static const unsigned gib[] = { 1, 2, 4, 8, 16, 32, 64 };
	FILE *f = fopen(csv_path, "w");
	struct worst worst = { 0, 0 };

	if (!f)
		die("cannot write %s", csv_path);
	fprintf(f, "gib,free_pages,regions,runway_ns_per_op,"
		   "walk_ns_per_op_sampled,bitmap_ns_per_op\n");
	printf("== Cost per allocation against memory size (median of %d; "
	       "%d holes drawn at every size) ==\n\n", SCALE_REPS, HOLES);
	printf("%5s %10s %8s %12s %16s %12s %9s %9s\n", "GiB", "free pages",
	       "regions", "(1) Runway", "(2) walk smp", "(3) bitmap",
	       "(2)/(1)", "(1)/(3)");
	for (size_t i = 0; i < sizeof gib / sizeof gib[0]; i++) {
		struct map m = make_map(tmpl, gib[i] * GIB, HOLES);
		double rw[SCALE_REPS], wk[SCALE_REPS], bm[SCALE_REPS];
		for (int k = 0; k < SCALE_REPS; k++) {
			uint64_t calls;
			rw[k] = runway_all_pages(&m, &calls, NULL) /
				(double)m.free_pages;
			wk[k] = walk_sampled_ns_per_op(&m, SCALE_WALK_SAMPLES, NULL);
			bm[k] = bitmap_all_pages(&m, NULL) / (double)m.free_pages;
		}
		double r = median(rw, SCALE_REPS), w = median(wk, SCALE_REPS),
		       b = median(bm, SCALE_REPS);
		char a[32], c[32], d[32];
		printf("%5u %10" PRIu64 " %8zu %12s %16s %12s %9.0f %8.2fx\n",
		       gib[i], m.free_pages, m.nreg, fmt_time(r, a, sizeof a),
		       fmt_time(w, c, sizeof c), fmt_time(b, d, sizeof d), w / r,
		       r / b);
		if (r / b > worst.ratio)
			worst = (struct worst){ r / b, gib[i] };
		fprintf(f, "%u,%" PRIu64 ",%zu,%.2f,%.2f,%.3f\n", gib[i],
			m.free_pages, m.nreg, r, w, b);
		fflush(stdout);
		free_map(&m);
	}
	fclose(f);
	printf("\n(1) and (3): every page, the two interleaved.  (2) sampled: "
	       "%d calls at evenly\nspaced n.  CSV: %s\n\n",
	       SCALE_WALK_SAMPLES, csv_path);
	return worst;
}

/* ----------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	if (argc != 3)
		die("usage: bench_alloc TEMPLATE.map OUTDIR");
	struct desc_list tmpl = load_map(argv[1]);
	char csv[4096];
	snprintf(csv, sizeof csv, "%s/alloc-scaling.csv", argv[2]);

	printf("Runway allocator benchmark (a benchmark, not a test: timings "
	       "never fail the build)\n");
	printf("Times: CPU time of the benchmark thread; single requests in "
	       "(4): wall clock.\n\n");
	struct map m = make_map(&tmpl, 4 * GIB, HOLES);
	struct map plain = make_map(&tmpl, 4 * GIB, 0);
	describe_map(&m, argv[1], tmpl.n);
	fflush(stdout);

	struct page_results pr = compare_page_at_a_time(&m, &plain);
	printf("Cross-check passed: all three hand out the same %" PRIu64
	       " pages (bitmap lowest first = walk's n-th\nframe; Runway "
	       "highest first); Runway made exactly one firmware call per "
	       "page.\n\n", m.free_pages);
	int pieces_ok = compare_requests(&m);
	fflush(stdout);
	struct worst worst = scaling(&tmpl, csv);

	double ratio = pr.walk_ns / pr.runway_ns;
	printf("== Targets ==\n");
	printf("%s  page at a time at 4 GiB: Runway %.0fx faster than "
	       "walk-to-Nth (target: >= 1000x)\n", ratio >= 1000 ? "PASS" : "MISS",
	       ratio);
	printf("%s  64 MiB request: firmware calls == free runs it needs\n",
	       pieces_ok ? "PASS" : "MISS");
	printf("%s  page at a time: Runway within 1.5x of the bitmap at every "
	       "size (worst %.2fx, at %u GiB)\n", worst.ratio <= 1.5 ? "PASS" :
	       "MISS", worst.ratio, worst.gib);
	free_map(&m);
	free_map(&plain);
	free(tmpl.d);
	return 0;
}
