# tests/fuzz/fuzz.mk - libFuzzer targets for the pure modules.
#
# Included by the top-level Makefile and run from the repository root.
# Each tests/fuzz/fuzz_<name>.c becomes $(BUILD)/fuzz/fuzz_<name>, linked
# with the pure sources (mm/, elf/, config/, lib/ but for the freestanding
# lib/string.c), all compiled with
# clang's -fsanitize=fuzzer,address,undefined.  The fuzzer runtime comes
# from Debian's libclang-rt-14-dev.  Seeds live in tests/fuzz/corpus/<name>/.
#
#     make fuzzers        build $(FUZZERS)
#     make fuzz-short     run each for FUZZ_SHORT_SECONDS (default 10)
#     make fuzz           run each for FUZZ_SECONDS (default 600), keeping
#                         the evolved corpus in $(BUILD)/fuzz/corpus/
#     make fuzz-long SECONDS=N  run each for N seconds (default 3600),
#                         keeping the evolved corpus across runs in
#                         FUZZ_LONG_CORPUS (~/.cache/runway-fuzz/<name>/)
#     make fuzz-replay    replay the reproducers of fixed bugs in tests/fuzz/regress/
#
# make fuzz and make fuzz-long run FUZZ_JOBS processes per target (default:
# one per CPU, libFuzzer's -fork) on the shared corpus; fuzz-short, which
# make test runs, one.
#
# tests/fuzz/run.sh runs the binaries on a temporary copy of the corpus
# (the repository is never written), prints one "ok - fuzz/<name>" or
# "not ok - fuzz/<name>: <reason>" line per target and keeps reproducers
# in $(BUILD)/fuzz/artifacts/<name>/.

BUILD ?= build

# Keep whatever default goal the including Makefile has (restored below).
FUZZ_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

FUZZ_CC ?= clang
FUZZ_NAMES := memmap elf config fmt ucs2 tcg netboot bls pe
FUZZERS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_SHORT_SECONDS ?= 10
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)

FUZZ_EXTRA_CFLAGS ?=
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Iinclude -Itests/fuzz \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer $(FUZZ_EXTRA_CFLAGS)
FUZZ_PURE_SRC := $(filter-out lib/string.c,$(wildcard mm/*.c elf/*.c config/*.c proto/*.c lib/*.c))
FUZZ_PURE_OBJ := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_PURE_SRC))
FUZZ_HDRS := $(wildcard include/*.h include/*/*.h elf/*.h tests/fuzz/*.h)

$(BUILD)/fuzz/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@


# The targets themselves are built without comparison tracing
# (-fsanitize-coverage=trace-cmp): their oracles compare values the code
# under test computed, never magic numbers of the input, and tracing those
# loops (a point oracle per descriptor, a check of every claim after every
# operation) took half of fuzz_memmap's time.  Their edges still count as
# coverage; the pure modules keep full tracing.
FUZZ_TARGET_CFLAGS := $(FUZZ_CFLAGS) -fno-sanitize-coverage=trace-cmp

$(BUILD)/fuzz/obj/tests/fuzz/%.o: tests/fuzz/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_TARGET_CFLAGS) -c $< -o $@

# lib/fmt.c formats the error messages of every pure module; it is fuzzed
# by fuzz_fmt, against snprintf.  In the other targets it is linked
# without coverage instrumentation (still with ASan and UBSan): an
# allocator request that fails formats its reason, and mm_alloc_pieces
# shrinks a piece through dozens of such failures, so fmt's comparison
# tracing was a quarter of fuzz_memmap's time.  Its edges told those
# targets nothing their own code's edges do not (which message, and how
# many digits a number has) but made inputs that differ only there look
# new.
FUZZ_PLAIN_CFLAGS := $(filter-out -fsanitize=fuzzer%,$(FUZZ_CFLAGS)) \
	-fsanitize=address,undefined
FUZZ_HELPER_SRC := lib/fmt.c
FUZZ_HELPER_OBJ := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_HELPER_SRC))
FUZZ_PLAIN_HELPER_OBJ := $(patsubst %.c,$(BUILD)/fuzz/plain/%.o,$(FUZZ_HELPER_SRC))

$(BUILD)/fuzz/plain/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_PLAIN_CFLAGS) -c $< -o $@

# The objects each target links: fuzz_fmt the instrumented fmt, the others
# the plain one.
fuzz_objs = $(if $(filter fmt,$(1)),$(FUZZ_PURE_OBJ),\
	$(filter-out $(FUZZ_HELPER_OBJ),$(FUZZ_PURE_OBJ)) $(FUZZ_PLAIN_HELPER_OBJ))

.SECONDEXPANSION:
$(FUZZERS): $(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $$(call fuzz_objs,$$*)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(call fuzz_objs,$*) $(FUZZ_LDFLAGS_$*)

# fuzz_elf checks the bytes elf_hash_mapped feeds SHA-256 instead of
# hashing them (see check_digest in fuzz_elf.c).
FUZZ_LDFLAGS_elf := -Wl,--wrap=sha256_init,--wrap=sha256_update,--wrap=sha256_final

.PHONY: fuzzers fuzz-short fuzz fuzz-long fuzz-replay
fuzzers: $(FUZZERS)

# Seeds only: nothing is kept.
fuzz-short: $(FUZZERS)
	BUILD=$(BUILD) tests/fuzz/run.sh $(FUZZ_SHORT_SECONDS)

# The evolved corpus is kept in $(BUILD)/fuzz/corpus/ for the next run.
fuzz: $(FUZZERS)
	BUILD=$(BUILD) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_CORPUS_DIR=$(BUILD)/fuzz/corpus tests/fuzz/run.sh $(FUZZ_SECONDS)

# Long runs: every target for SECONDS (default 3600) each, the evolved
# corpus kept outside the repository and the build directory (make clean
# keeps it) in FUZZ_LONG_CORPUS/<name>/, seeded from tests/fuzz/corpus/
# on every run: make fuzz-long SECONDS=N.
FUZZ_LONG_CORPUS ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/runway-fuzz
fuzz-long: $(FUZZERS)
	@echo "fuzz-long: $(or $(SECONDS),3600) s per target in $(FUZZ_JOBS) processes, corpus kept in $(FUZZ_LONG_CORPUS)/<name>/"
	BUILD=$(BUILD) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_CORPUS_DIR=$(FUZZ_LONG_CORPUS) tests/fuzz/run.sh $(or $(SECONDS),3600)

# The reproducers of fixed bugs in tests/fuzz/regress/.
fuzz-replay: $(FUZZERS)
	BUILD=$(BUILD) tests/fuzz/run.sh --replay

.DEFAULT_GOAL := $(FUZZ_SAVED_DEFAULT_GOAL)
