# bench/bench.mk - benchmarks (not tests: timings never fail the build).
#
# Included by the top-level Makefile and run from the repository root:
#
#     make bench-boot     bench/boot_claims.sh: run-batched against per-page
#                         firmware claims under OVMF; output in
#                         $(BUILD)/bench/boot.txt
#     make bench-alloc    build and run bench/bench_alloc.c; its output is
#                         also kept in $(BUILD)/bench/alloc.txt, with
#                         $(BUILD)/bench/alloc-scaling.csv and .png
#
# The pure modules are compiled again here, optimized and WITHOUT the
# sanitizers of $(BUILD)/libpure.a, so that the timings mean something.

BUILD  ?= build
HOSTCC ?= clang

BENCH_DIR    := $(BUILD)/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -Iinclude
BENCH_PURE   := $(wildcard mm/*.c) lib/fmt.c
BENCH_OBJ    := $(patsubst %.c,$(BENCH_DIR)/obj/%.o,$(BENCH_PURE))
BENCH_HDRS   := $(wildcard include/*.h include/*/*.h)
BENCH_ALLOC  := $(BENCH_DIR)/bench_alloc
BENCH_MAP    := tests/data/ovmf-q35-8G.map

$(BENCH_DIR)/obj/%.o: %.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_CFLAGS) -c $< -o $@

$(BENCH_ALLOC): bench/bench_alloc.c $(BENCH_OBJ) $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_CFLAGS) -o $@ bench/bench_alloc.c $(BENCH_OBJ)

# Run (output shown and kept; a crash still fails), then plot.  gnuplot
# comes from tools/deps.sh (gnuplot-nox); without it the plot is skipped.
.PHONY: bench-alloc
bench-alloc: $(BENCH_ALLOC)
	@{ $(BENCH_ALLOC) $(BENCH_MAP) $(BENCH_DIR); echo $$? >$(BENCH_DIR)/alloc.rc; } \
		| tee $(BENCH_DIR)/alloc.txt; exit $$(cat $(BENCH_DIR)/alloc.rc)
	@command -v gnuplot >/dev/null 2>&1 || tools/deps.sh || true
	@if command -v gnuplot >/dev/null 2>&1; then \
		gnuplot -e "csv='$(BENCH_DIR)/alloc-scaling.csv'; png='$(BENCH_DIR)/alloc-scaling.png'" \
			bench/alloc-scaling.gp && \
		echo "plot: $(BENCH_DIR)/alloc-scaling.png"; \
	else \
		echo "bench-alloc: gnuplot not found (tools/deps.sh installs gnuplot-nox): plot skipped"; \
	fi

# Run-batched against per-page claims under OVMF (QEMU; a few minutes).
.PHONY: bench-boot
bench-boot: efi $(TEST_KERNELS)
	BUILD=$(BUILD) bench/boot_claims.sh
