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
#     make bench-peers    bench/peers.sh: Runway against GRUB 2, systemd-boot
#                         and the firmware floor under OVMF (10-30 minutes;
#                         not part of make bench); RESULTS.md, the plot and
#                         every boot's serial log in $(BUILD)/bench/peers/,
#                         published as bench/RESULTS.md and bench/peers.png
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

# ---- make bench-peers: Runway against GRUB 2, systemd-boot and the
# firmware floor (bench/peers.sh; see bench/RESULTS.md) ----
#
# Builds, under $(BENCH_DIR)/peers/:
#     kernel/benchN.elf   the bench kernel (bench/kernel/) with N MiB of
#                         file-backed payload, N in BENCH_PEERS_SIZES
# and $(BUILD)/bench-off.efi (powers off at once: the firmware's own time)
# and $(BUILD)/bench-floor.efi (claims, reads the kernel file through the
# firmware, powers off).  Settings for the run (environment or make
# command line): ROUNDS (default 5), BENCH_PEERS_SIZES, BENCH_PEERS_LINUX
# (yes/no).  Never part of make test: a full run takes 10-20 minutes.

BENCH_PEERS_SIZES ?= 1 16 64 256
BENCH_PEERS_LINUX ?= yes
BP_DIR     := $(BENCH_DIR)/peers
BP_KDIR    := $(BP_DIR)/kernel
BP_KERNELS := $(foreach s,$(BENCH_PEERS_SIZES),$(BP_KDIR)/bench$(s).elf)
BP_EFI     := $(BUILD)/bench-off.efi $(BUILD)/bench-floor.efi
BP_KFLAGS  := -target x86_64-unknown-elf -Ibench/kernel -Wall -Werror

$(BUILD)/bench-off.so: $(BUILD)/efi-obj/bench/efi/off.o
$(BUILD)/bench-floor.so: $(BUILD)/efi-obj/bench/efi/floor.o
$(BUILD)/efi-obj/bench/efi/off.o $(BUILD)/efi-obj/bench/efi/floor.o: bench/efi/benchexit.h

$(BP_KDIR)/genblob: bench/kernel/genblob.c bench/kernel/pattern.h
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

$(BP_KDIR)/blob%.bin: $(BP_KDIR)/genblob
	$< $* $@

$(BP_KDIR)/blob%.o: bench/kernel/blob.S $(BP_KDIR)/blob%.bin
	$(CC_EFI) $(BP_KFLAGS) -DBLOB='"$(BP_KDIR)/blob$*.bin"' -c $< -o $@

$(BP_KDIR)/benchk.o: bench/kernel/benchk.S bench/kernel/pattern.h
	@mkdir -p $(@D)
	$(CC_EFI) $(BP_KFLAGS) -c $< -o $@

# The payload is only an intermediate: make removes the .bin and .o once
# the kernel is linked (256 MiB each for the largest).
$(BP_KDIR)/bench%.elf: $(BP_KDIR)/benchk.o $(BP_KDIR)/blob%.o bench/kernel/benchk.ld
	$(LD_EFI) -nostdlib -static -z max-page-size=4096 -s -T bench/kernel/benchk.ld \
		-o $@ $(BP_KDIR)/benchk.o $(BP_KDIR)/blob$*.o

.INTERMEDIATE: $(foreach s,$(BENCH_PEERS_SIZES),$(BP_KDIR)/blob$(s).bin $(BP_KDIR)/blob$(s).o)

.PHONY: bench-peers bench-peers-build
bench-peers-build: efi $(BP_EFI) $(BP_KERNELS)

bench-peers: deps bench-peers-build
	BUILD=$(BUILD) BENCH_PEERS_SIZES='$(BENCH_PEERS_SIZES)' \
		BENCH_PEERS_LINUX=$(BENCH_PEERS_LINUX) bench/peers.sh
