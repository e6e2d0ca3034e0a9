# Runway - a UEFI boot loader for x86-64.
#
#   make            build/BOOTX64.EFI and the test kernels
#   make run        boot the demo kernel in QEMU (serial on this terminal)
#   make test       the whole test suite (host unit tests + QEMU boots)
#   make bench      benchmarks (not tests)
#   make lint       shellcheck, the clang static analyzer, the Python checks
#   make screenshots  the menu as pictures in docs/screenshots/ (QEMU screendumps)
#
# Everything lands in $(BUILD).  Pure modules (mm/, elf/, config/, proto/,
# lib/ but for the freestanding lib/string.c) are built twice: freestanding
# into the loader, and for the host with ASan/UBSan into a library the tests
# link.  Every object is compiled with -MMD -MP: the .d file it leaves beside
# itself names the headers it read, so a changed header rebuilds exactly the
# objects that include it.

BUILD    ?= build
CC_EFI   := clang
LD_EFI   := ld.lld
OBJCOPY  := objcopy
HOSTCC   ?= clang

# A fresh machine: install the toolchain before the lines below ask clang
# anything (make itself is the one package that must be there first).
ifeq ($(filter clean deps,$(MAKECMDGOALS)),)
ifeq ($(shell command -v $(CC_EFI) 2>/dev/null),)
$(info make: $(CC_EFI) not found: running tools/deps.sh)
DEPS_STATUS := $(shell tools/deps.sh >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error tools/deps.sh failed (status $(DEPS_STATUS)))
endif
endif
endif

GNUEFI_INC := /usr/include/efi
GNUEFI_LIB := /usr/lib
CLANG_INC  := $(shell $(CC_EFI) -print-resource-dir)/include

WARN := -Wall -Wextra -Werror -Wno-unused-parameter

EFI_CFLAGS := $(WARN) -std=gnu11 -O2 -g0 \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-stack-check \
	-fpic -fshort-wchar -mno-red-zone -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections -fvisibility=hidden \
	-DGNU_EFI_USE_MS_ABI -DRUNWAY_EFI \
	-nostdinc -isystem $(CLANG_INC) -isystem include/libc \
	-I$(GNUEFI_INC) -I$(GNUEFI_INC)/x86_64 -Iinclude

HOST_CFLAGS := $(WARN) -std=gnu11 -O1 -g -Iinclude \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

# Header dependencies: the compiler writes them beside each object.
DEPFLAGS := -MMD -MP

PURE_SRC := $(wildcard mm/*.c elf/*.c config/*.c proto/*.c) \
	    $(filter-out lib/string.c,$(wildcard lib/*.c))
EFI_SRC  := $(wildcard efi/*.c) $(PURE_SRC) lib/string.c
EFI_ASM  := $(wildcard efi/*.S)
EFI_OBJ  := $(patsubst %.c,$(BUILD)/efi-obj/%.o,$(EFI_SRC)) \
	    $(patsubst %.S,$(BUILD)/efi-obj/%.o,$(EFI_ASM))
HOST_OBJ := $(patsubst %.c,$(BUILD)/host-obj/%.o,$(PURE_SRC))
# -MMD leaves out headers found through -isystem, which is how the
# freestanding build finds its own libc headers: those are named here.
LIBC_HEADERS := $(wildcard include/libc/*.h)

# Every EFI program NAME becomes $(BUILD)/NAME.efi, linked from NAME_OBJ.
EFI_PROGRAMS := runway chainapp tpmcheck fakeshim keyheld
runway_OBJ   := $(EFI_OBJ)
chainapp_OBJ := $(BUILD)/efi-obj/tests/efiapp/chainapp.o $(BUILD)/efi-obj/lib/string.o
tpmcheck_OBJ := $(patsubst %,$(BUILD)/efi-obj/%.o,tests/efiapp/tpmcheck lib/tcg \
		lib/sha256 lib/fmt lib/string)
fakeshim_OBJ := $(patsubst %,$(BUILD)/efi-obj/%.o,tests/efiapp/fakeshim lib/sha256 \
		lib/fmt lib/string)
keyheld_OBJ  := $(BUILD)/efi-obj/tests/efiapp/keyheld.o
EFI_PROGRAM_OBJ := $(sort $(foreach p,$(EFI_PROGRAMS),$($(p)_OBJ)))

.PHONY: all efi run test unit qemu-test bench fuzz clean deps examples lint screenshots
all: efi kernels examples $(patsubst %,$(BUILD)/%.efi,$(EFI_PROGRAMS))

deps:
	@tools/deps.sh

efi: $(BUILD)/BOOTX64.EFI

# Size against speed: what runs per byte of a load (hashing a pinned
# file) keeps -O2; the rest is built for size (-Oz takes about a fifth
# off the image).  The allocator, the map's normalization and the ELF
# loader run a few times per load on tens of items, their per-byte work
# done by memset and the firmware's reads: -Oz costs them nothing a
# load's phase times show.  mm/paging.c too: a load's page tables are a
# few hundred entries and the pages' memset (the page_tables phase of
# big64 showed the same medians at -O2 and -Oz, 3 boots of 7 loads
# each, interleaved).  Cold code also goes without jump tables: a
# switch becomes compares, and the tables' bytes in .data cost more than
# the compares' in .text.  memcpy, memset (efi/efilib.c) and memmove's
# forward copy (lib/string.c) are one string instruction each (inline
# assembly: the same bytes at -Oz as at -O2); the rest of those two files
# runs on config text, names and a few table entries, never per byte of
# a load.
EFI_HOT := lib/sha256.c
EFI_COLD_OBJ := $(patsubst %.c,$(BUILD)/efi-obj/%.o,$(filter-out $(EFI_HOT),$(EFI_SRC)))
EFI_COLD_OPT := -Oz -fno-jump-tables
$(EFI_COLD_OBJ): EFI_OPT := $(EFI_COLD_OPT)
# But for proto/multiboot2.c: its switches over tag types are dense, and
# their tables (offsets: no relocations) take fewer bytes than compares.
# (config.c's and proto.c's become tables of pointers, each a relocation.)
EFI_JUMP_TABLES := proto/multiboot2.c
$(patsubst %.c,$(BUILD)/efi-obj/%.o,$(EFI_JUMP_TABLES)): EFI_OPT := -Oz

# make sees changed files, not changed flags: the flags that make the
# objects are kept in a stamp, rewritten only when they differ, and every
# object depends on it (a build from before a flag change is rebuilt, not
# linked half old, half new).
EFI_FLAGS_STAMP := $(BUILD)/efi-obj/flags
EFI_FLAGS_NOW := $(EFI_CFLAGS) hot: $(EFI_HOT) cold: $(EFI_COLD_OPT) tables: $(EFI_JUMP_TABLES)
ifeq ($(filter clean deps,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD)/efi-obj && \
	{ echo '$(EFI_FLAGS_NOW)' | cmp -s - $(EFI_FLAGS_STAMP) || \
	  echo '$(EFI_FLAGS_NOW)' >$(EFI_FLAGS_STAMP); })
endif

$(BUILD)/efi-obj/%.o: %.c $(LIBC_HEADERS) $(EFI_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC_EFI) $(EFI_CFLAGS) $(EFI_OPT) $(DEPFLAGS) -c $< -o $@

$(BUILD)/efi-obj/%.o: %.S $(EFI_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC_EFI) $(EFI_CFLAGS) $(DEPFLAGS) -c $< -o $@

# ---- EFI programs ----
# Link as a shared object with gnu-efi's crt0 and our linker script; refuse
# undefined symbols and relocations the PE image cannot carry, then convert
# to a PE32+ EFI application.  crt0's self-relocation adds the load address
# to what each R_X86_64_RELATIVE place holds (REL style), so lld must also
# write the addends into the places: --apply-dynamic-relocs.  Size: every
# function and object in its own section, nothing exported (hidden
# visibility), so that --gc-sections drops what nothing calls and
# --icf=all folds identical functions; -O2 merges a string that ends
# another into it (tail merging); libefi's objects are no longer
# pulled in for the loader (efi/efilib.c); .bss has no bytes in the file;
# .dynsym stays out of the PE image (crt0's self-relocation reads only
# _DYNAMIC's DT_RELA entries).
# tests/size.sh holds BOOTX64.EFI under its limit (target: 128 KiB).
$(BUILD)/%.so: efi/runway.lds
	$(LD_EFI) -shared -Bsymbolic -nostdlib --no-undefined -znocombreloc \
		--apply-dynamic-relocs -O2 --gc-sections --icf=all --exclude-libs=ALL \
		-T efi/runway.lds \
		$(GNUEFI_LIB)/crt0-efi-x86_64.o $(filter %.o,$^) \
		-L$(GNUEFI_LIB) -lefi -lgnuefi -o $@
	@tools/check-relocs.sh $@

$(BUILD)/%.efi: $(BUILD)/%.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		-j .sbat -j .rwconf -j .bss --strip-all \
		--target efi-app-x86_64 --subsystem=10 $< $@

# NAME.so is linked from NAME_OBJ.
$(foreach p,$(EFI_PROGRAMS),$(eval $(BUILD)/$(p).so: $($(p)_OBJ)))

# The loader, under the name firmware boots from removable media (UEFI
# 2.10, 3.5.1.1: \EFI\BOOT\BOOTX64.EFI).
$(BUILD)/BOOTX64.EFI: $(BUILD)/runway.efi
	cp $< $@

# ---- examples/hello: the smallest kernel, a starting point for users ----
EXAMPLE_CFLAGS := -target x86_64-unknown-elf -ffreestanding -fno-stack-protector \
	-fno-pic -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -O2 \
	$(WARN) -Iinclude -fno-asynchronous-unwind-tables

$(BUILD)/examples/hello.elf: examples/hello/hello.c examples/hello/hello.ld include/runway/boot.h
	@mkdir -p $(@D)
	$(CC_EFI) $(EXAMPLE_CFLAGS) -c examples/hello/hello.c -o $(BUILD)/examples/hello.o
	$(LD_EFI) -nostdlib -static -z max-page-size=4096 -T examples/hello/hello.ld \
		-o $@ $(BUILD)/examples/hello.o

examples: $(BUILD)/examples/hello.elf

# ---- host library of the pure modules ----
$(BUILD)/host-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/libpure.a: $(HOST_OBJ)
	rm -f $@ && ar rcs $@ $^

-include $(EFI_PROGRAM_OBJ:.o=.d) $(HOST_OBJ:.o=.d)

-include tests/kernel/kernel.mk
-include tests/limine/limine.mk
-include tests/multiboot/multiboot.mk
-include tests/unit/unit.mk
-include tools/elfhash.mk
-include bench/bench.mk
-include tests/fuzz/fuzz.mk

kernels: $(TEST_KERNELS)

# ---- user-facing targets ----
run: deps all
	tools/mkimg.sh -o $(BUILD)/demo.img -c examples/demo.conf \
		$(BUILD)/kernel/demo.elf=/boot/kernel.elf
	ovmf/run.sh --timeout 120 $(BUILD)/demo.img

test: deps all $(UNIT_TESTS) fuzzers $(TK_HOST_TEST) $(LM_HOST_TEST)
	tests/run.sh

bench: deps bench-alloc bench-boot

# The menu as a person sees it, on a 1280x800 screen: PNGs from QEMU's
# screendump in docs/screenshots/ (tools/screenshots.sh; about two minutes).
screenshots: deps efi kernels $(BUILD)/chainapp.efi
	tools/screenshots.sh

# Static checks (tools/lint.sh): shellcheck on every shell script, the clang
# static analyzer on the C sources with the flags they are built with (the
# pure modules with HOST_CFLAGS, the EFI programs with EFI_CFLAGS), and the
# Python files compiled and their tests run.
lint: deps
	@BUILD='$(BUILD)' CC_EFI='$(CC_EFI)' HOSTCC='$(HOSTCC)' \
	LINT_PURE_SRC='$(PURE_SRC)' \
	LINT_EFI_SRC='$(wildcard efi/*.c tests/efiapp/*.c)' \
	LINT_HOST_CFLAGS='$(HOST_CFLAGS)' \
	LINT_EFI_CFLAGS='$(EFI_CFLAGS)' \
		tools/lint.sh

clean:
	rm -rf $(BUILD)
