/*
 * proto.c - the table of boot protocols an entry can name with
 * `protocol = NAME` (docs/CONFIG.md).  A new protocol is a file in proto/
 * and one line here.
 */
#include "proto.h"

#include <stdarg.h>
#include <string.h>

/* The i-th protocol, NULL past the last: a function, not an array of
 * pointers, each of which would be a relocation in the loader's image. */
static const struct protocol *protocol_at(size_t i)
{
	switch (i) {
	case 0: return &proto_runway;
	case 1: return &proto_limine;
	case 2: return &proto_multiboot2;
	case 3: return &proto_multiboot1;
	default: return NULL;
	}
}

const struct protocol *proto_find(const char *name)
{
	const struct protocol *p;

	if (!name[0])
		return &proto_runway;
	for (size_t i = 0; (p = protocol_at(i)); i++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const char *proto_names(void)
{
	static char names[128];
	const struct protocol *p;
	size_t n = 0;

	if (names[0])
		return names;
	/* fmt returns the length the whole output would have had: stop once
	 * the buffer is full, or names + n and sizeof names - n run past it. */
	for (size_t i = 0; (p = protocol_at(i)) && n < sizeof names; i++)
		n += fmt(names + n, sizeof names - n, "%s%s", i ? ", " : "", p->name);
	return names;
}

const struct protocol *proto_detect(const struct loaded_kernel *k,
				    void *(*p2v)(void *, uint64_t), void *p2v_ctx)
{
	const struct protocol *p;

	for (size_t i = 0; (p = protocol_at(i)); i++)
		if (p->detect && p->detect(k, p2v, p2v_ctx))
			return p;
	return &proto_runway;
}

const struct protocol *proto_probe(const uint8_t *head, size_t len)
{
	const struct protocol *p;

	for (size_t i = 0; (p = protocol_at(i)); i++)
		if (p->probe && p->probe(head, len))
			return p;
	return NULL;
}

static uint32_t dist(uint32_t a, uint32_t b)
{
	return a > b ? a - b : b - a;
}

int fb_closest(const struct fb_info *fb, uint32_t width, uint32_t height,
	       uint32_t depth)
{
	int best = -1;
	uint64_t best_score = 0;

	for (size_t i = 0; i < fb->nmodes; i++) {
		const struct fb_mode *m = &fb->modes[i];
		/* Size first (pixels off in each direction), then depth. */
		uint64_t score = ((uint64_t)(width ? dist(m->width, width) : 0) +
				  (height ? dist(m->height, height) : 0)) << 8;
		score += depth ? dist(m->bpp, depth) : 0;
		if (best < 0 || score < best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

void proto_say(const struct proto_run *run, const char *f, ...)
{
	char line[256];
	va_list ap;

	if (!run->log)
		return;
	va_start(ap, f);
	fmt_v(line, sizeof line, f, ap);
	va_end(ap);
	run->log(run->log_ctx, line);
}
