# tools/elfhash.mk - the host tool $(BUILD)/elfhash (tools/elfhash.c).
#
# Included by the top-level Makefile and run from the repository root:
#
#     make $(BUILD)/elfhash    (or: make elfhash)
#     $(BUILD)/elfhash FILE... prints "sha256=<hex> segments=<S> path=<FILE>"
#
# Built for the host with lib/sha256.c, the same SHA-256 the loader uses.
# Also usable on its own: make -f tools/elfhash.mk

BUILD  ?= build
HOSTCC ?= clang

# Keep whatever default goal the including Makefile has (restored below).
ELFHASH_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

ELFHASH := $(BUILD)/elfhash

$(ELFHASH): tools/elfhash.c lib/sha256.c include/sha256.h
	@mkdir -p $(@D)
	$(HOSTCC) -O2 -Wall -Wextra -Werror -Iinclude -o $@ \
		tools/elfhash.c lib/sha256.c

.PHONY: elfhash
elfhash: $(ELFHASH)

ifneq ($(ELFHASH_SAVED_DEFAULT_GOAL),)
.DEFAULT_GOAL := $(ELFHASH_SAVED_DEFAULT_GOAL)
endif
