/*
 * bls_order.c - the order of Boot Loader Specification entries: the UAPI
 * Version Format Specification's comparison, the specification's
 * "Sorting" rules, the glob patterns loader.conf's `default` is written
 * in, and the titles systemd-boot gives entries that share one
 * (include/bls.h).
 */
#include "bls.h"
#include "bls_lines.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The characters that mean something in a version; others separate. */
static bool is_version_char(char c)
{
	return is_digit(c) || is_letter(c) || c == '-' || c == '.' || c == '~' ||
	       c == '^';
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/*
 * Where one string has c and the other not, the one with c sorts lower:
 * returns -1/+1 then, or 0 with both moved past a c they share (or left
 * alone when neither has it).
 */
static int lower_mark(const char **a, const char **b, char c)
{
	bool ha = **a == c, hb = **b == c;

	if (ha != hb)
		return ha ? -1 : 1;
	if (ha) {
		(*a)++;
		(*b)++;
	}
	return 0;
}

/* Compare the runs of digits at *a and *b as numbers and step past them;
 * an empty run is older than any number. */
static int cmp_numbers(const char **a, const char **b)
{
	const char *p = *a, *q = *b;
	size_t na = 0, nb = 0;

	while (is_digit(p[na]))
		na++;
	while (is_digit(q[nb]))
		nb++;
	*a = p + na;
	*b = q + nb;
	if ((na == 0) != (nb == 0))
		return na == 0 ? -1 : 1;
	while (na > 0 && *p == '0') {
		p++;
		na--;
	}
	while (nb > 0 && *q == '0') {
		q++;
		nb--;
	}
	/* No leading zeros left: the longer number is the bigger one. */
	if (na != nb)
		return na < nb ? -1 : 1;
	return sign(memcmp(p, q, na));
}

/* Compare the runs of letters at *a and *b and step past them. */
static int cmp_letters(const char **a, const char **b)
{
	const char *p = *a, *q = *b;
	size_t na = 0, nb = 0;

	while (is_letter(p[na]))
		na++;
	while (is_letter(q[nb]))
		nb++;
	*a = p + na;
	*b = q + nb;
	int r = memcmp(p, q, na < nb ? na : nb);
	if (r)
		return sign(r);
	return na == nb ? 0 : na < nb ? -1 : 1;
}

int bls_version_cmp(const char *a, const char *b)
{
	int r;

	a = a ? a : "";
	b = b ? b : "";
	for (;;) {
		while (*a && !is_version_char(*a))
			a++;
		while (*b && !is_version_char(*b))
			b++;
		/* A pre-release ("~rc1") is older than even the end. */
		if ((r = lower_mark(&a, &b, '~')))
			return r;
		if (!*a || !*b) {
			if (!*a && !*b)
				return 0;
			return *a ? 1 : -1;
		}
		if ((r = lower_mark(&a, &b, '-')) || (r = lower_mark(&a, &b, '^')) ||
		    (r = lower_mark(&a, &b, '.')))
			return r;
		if (is_digit(*a) || is_digit(*b))
			r = cmp_numbers(&a, &b);
		else
			r = cmp_letters(&a, &b);
		if (r)
			return r;
	}
}

/* ---- sorting ---- */

/* The id's length without ".conf" or ".efi" (bls_lines.h). */
size_t bls_id_stem(const char *id)
{
	size_t n = strlen(id);

	if (n > 5 && !memcmp(id + n - 5, ".conf", 5))
		return n - 5;
	if (n > 4 && !memcmp(id + n - 4, ".efi", 4))
		return n - 4;
	return n;
}

/*
 * Has the entry's boot counter run out?  Boot counting puts "+LEFT" or
 * "+LEFT-DONE" just before the suffix; LEFT = 0 marks it bad.
 */
static bool boot_count_bad(const char *id)
{
	size_t n = bls_id_stem(id), i = n;

	while (i > 0 && (is_digit(id[i - 1]) || id[i - 1] == '-'))
		i--;
	if (i == 0 || id[i - 1] != '+' || i == n || !is_digit(id[i]))
		return false;
	size_t j = i;
	while (j < n && id[j] == '0')
		j++;
	/* LEFT is all zeros: the next byte ends it. */
	return j > i && (j == n || id[j] == '-');
}

/* The stem of id in buf (the id fits BLS_ID_MAX). */
static void stem(const char *id, char buf[BLS_ID_MAX])
{
	size_t n = bls_id_stem(id);

	if (n >= BLS_ID_MAX)
		n = BLS_ID_MAX - 1;
	memcpy(buf, id, n);
	buf[n] = '\0';
}

int bls_entry_cmp(const struct bls_entry *a, const struct bls_entry *b)
{
	bool bad_a = boot_count_bad(a->id), bad_b = boot_count_bad(b->id);
	bool key_a = a->sort_key[0], key_b = b->sort_key[0];
	char sa[BLS_ID_MAX], sb[BLS_ID_MAX];
	int r;

	if (bad_a != bad_b)
		return bad_a ? 1 : -1;
	if (key_a != key_b)
		return key_a ? -1 : 1;
	if (key_a) {
		if ((r = strcmp(a->sort_key, b->sort_key)) ||
		    (r = strcmp(a->machine_id, b->machine_id)))
			return sign(r);
		if ((r = bls_version_cmp(b->version, a->version)))
			return r;
	}
	stem(a->id, sa);
	stem(b->id, sb);
	return bls_version_cmp(sb, sa);
}

/* Exchange two entries in place, a piece at a time: no second entry
 * (kilobytes) on the loader's stack. */
static void swap(struct bls_entry *x, struct bls_entry *y)
{
	unsigned char *p = (unsigned char *)x, *q = (unsigned char *)y;
	unsigned char t[256];

	for (size_t i = 0; i < sizeof *x; i += sizeof t) {
		size_t n = sizeof *x - i < sizeof t ? sizeof *x - i : sizeof t;
		memcpy(t, p + i, n);
		memcpy(p + i, q + i, n);
		memcpy(q + i, t, n);
	}
}

/* Insertion sort: stable, no allocation, and menus are short. */
void bls_sort(struct bls_entry *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && bls_entry_cmp(&v[j - 1], &v[j]) > 0; j--)
			swap(&v[j - 1], &v[j]);
}

/* ---- globs ---- */

/*
 * The bracket expression at p (just past '['): does it hold c?  Returns
 * the pattern just past its ']', or NULL when there is none (then '[' is
 * an ordinary byte).
 */
static const char *bracket(const char *p, char c, bool *ret_in)
{
	bool negate = *p == '!' || *p == '^', in = false;

	if (negate)
		p++;
	const char *start = p;
	while (*p && (*p != ']' || p == start)) {
		char lo = *p++;
		if (lo == '\\' && *p)
			lo = *p++;
		char hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = *p++;
			if (hi == '\\' && *p)
				hi = *p++;
		}
		if ((unsigned char)c >= (unsigned char)lo &&
		    (unsigned char)c <= (unsigned char)hi)
			in = true;
	}
	if (*p != ']')
		return NULL;
	*ret_in = in != negate;
	return p + 1;
}

bool bls_glob_match(const char *pattern, const char *name)
{
	const char *p = pattern, *n = name;
	const char *star = NULL, *resume = NULL;

	/* Backtracking to the last '*' only: a later star never needs an
	 * earlier one to give back more. */
	while (*n) {
		bool in;
		const char *next;
		if (*p == '*') {
			star = ++p;
			resume = n;
			continue;
		}
		if (*p == '?') {
			p++;
			n++;
			continue;
		}
		if (*p == '[' && (next = bracket(p + 1, *n, &in))) {
			if (in) {
				p = next;
				n++;
				continue;
			}
		} else {
			char lit = *p;
			const char *after = p + 1;
			if (lit == '\\' && p[1]) {
				lit = p[1];
				after = p + 2;
			}
			if (lit && lit == *n) {
				p = after;
				n++;
				continue;
			}
		}
		if (!star)
			return false;
		p = star;
		n = ++resume;
	}
	while (*p == '*')
		p++;
	return !*p;
}

size_t bls_find_default(const struct bls_entry *v, size_t n,
			const char *pattern)
{
	for (size_t i = 0; i < n; i++)
		if (bls_glob_match(pattern, v[i].id))
			return i;
	return n;
}

/* ---- titles ---- */

/* title + " (" + what + ")", cut with "..." to fit the title's field. */
static void add_note(struct config_entry *e, const char *what)
{
	char t[CONFIG_TITLE_MAX * 2 + BLS_ID_MAX + 8];

	fmt(t, sizeof t, "%s (%s)", e->title, what);
	bls_title_fit(e->title, sizeof e->title, t);
}

static bool same_title(const struct bls_entry *v, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (j != i && !strcmp(v[i].e.title, v[j].e.title))
			return true;
	return false;
}

void bls_disambiguate_titles(struct bls_entry *v, size_t n)
{
	bool dup[CONFIG_MAX_ENTRIES];

	if (n > CONFIG_MAX_ENTRIES)
		n = CONFIG_MAX_ENTRIES;
	/* Decide for all, then change: a changed title must not make or
	 * break a tie among the ones still to look at. */
	for (size_t i = 0; i < n; i++)
		dup[i] = same_title(v, n, i);
	for (size_t i = 0; i < n; i++)
		if (dup[i] && v[i].version[0])
			add_note(&v[i].e, v[i].version);
	for (size_t i = 0; i < n; i++)
		dup[i] = same_title(v, n, i);
	for (size_t i = 0; i < n; i++)
		if (dup[i])
			add_note(&v[i].e, v[i].id);
}
