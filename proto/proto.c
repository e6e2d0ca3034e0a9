/*
 * proto.c - the table of boot protocols an entry can name with
 * `protocol = NAME` (docs/CONFIG.md).  A new protocol is a file in proto/
 * and one line here.
 */
#include "proto.h"

#include <string.h>

static const struct protocol *const protocols[] = {
	&proto_runway,
	&proto_limine,
};

#define NPROTOCOLS (sizeof protocols / sizeof protocols[0])

const struct protocol *proto_find(const char *name)
{
	if (!name[0])
		return &proto_runway;
	for (size_t i = 0; i < NPROTOCOLS; i++)
		if (strcmp(protocols[i]->name, name) == 0)
			return protocols[i];
	return NULL;
}

const char *proto_names(void)
{
	static char names[128];
	size_t n = 0;

	if (names[0])
		return names;
	/* fmt returns the length the whole output would have had: stop once
	 * the buffer is full, or names + n and sizeof names - n run past it. */
	for (size_t i = 0; i < NPROTOCOLS && n < sizeof names; i++)
		n += fmt(names + n, sizeof names - n, "%s%s", i ? ", " : "",
			 protocols[i]->name);
	return names;
}

const struct protocol *proto_detect(const struct loaded_kernel *k,
				    void *(*p2v)(void *, uint64_t), void *p2v_ctx)
{
	for (size_t i = 0; i < NPROTOCOLS; i++)
		if (protocols[i]->detect && protocols[i]->detect(k, p2v, p2v_ctx))
			return protocols[i];
	return &proto_runway;
}
