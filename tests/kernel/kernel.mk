# tests/kernel/kernel.mk - GNU make rules for Runway's test kernels.
#
# Included by the top-level Makefile and run from the repository root.
# Builds five variants of the same kernel (tests/kernel/kernel.c):
#     $(BUILD)/kernel/demo.elf    small (6000-byte .data pattern blob)
#     $(BUILD)/kernel/big14.elf   BIG_DATA_MIB=14: a 14 MiB .data blob
#     $(BUILD)/kernel/big64.elf   BIG_DATA_MIB=64: a 64 MiB .data blob
#     $(BUILD)/kernel/pie.elf     demo as a PIE (ET_DYN linked at 0,
#                                 R_X86_64_RELATIVE relocations in RELA)
#     $(BUILD)/kernel/pierelr.elf the same with DT_RELR packed relocations
# with objects, generated blobs, the preprocessed linker script and a
# config stamp under $(BUILD)/kernel/<variant>/, and sets TEST_KERNELS to
# the ELF files.
#
# Phony targets:
#     test-kernels         build $(TEST_KERNELS)
#     test-kernel-host     build and run host_test (checks.c on the host)
#     test-kernels-clean   remove $(BUILD)/kernel
#
# Settings (override on the make command line or before the include):
#     TEST_KERNEL_CMDLINE      command line the kernels require Runway to
#                              pass (default below; no ' or $ please)
#     TEST_KERNEL_CHECK_PERMS  1 (default): also require text and rodata read-only and
#                              rodata, data and bss non-executable; 0: only
#                              data and bss writable
#     TK_CC TK_LD TK_HOSTCC    tools (clang, ld.lld, clang)
# Changing a setting rebuilds what depends on it (see the config stamp).
# All other names defined here start with TK_ / tk_.

BUILD ?= build

TK_SRC := tests/kernel
TK_OUT := $(BUILD)/kernel

TK_CC ?= clang
TK_LD ?= ld.lld
TK_HOSTCC ?= clang

TEST_KERNEL_CMDLINE ?= runway-test console=ttyS0 answer=42
TEST_KERNEL_CHECK_PERMS ?= 1

TK_CFLAGS := -target x86_64-unknown-elf -ffreestanding -fno-stack-protector \
	-mno-red-zone -mno-sse -mno-mmx -mno-sse2 \
	-mgeneral-regs-only -O2 -Wall -Wextra -Werror -nostdlib -I include \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -MMD -MP
TK_LDFLAGS := -nostdlib -z max-page-size=4096 --orphan-handling=error
TK_HOSTCFLAGS := -O2 -Wall -Wextra -Werror -I include

TK_VARIANTS := demo big14 big64 pie pierelr
TK_MIB_demo := 0
TK_MIB_big14 := 14
TK_MIB_big64 := 64
TK_MIB_pie := 0
TK_MIB_pierelr := 0
TK_PIE_pie := 1
TK_PIE_pierelr := 1

# Code model and link per kind: static higher-half, or position-independent.
TK_MODEL_0 := -fno-pic -mcmodel=kernel
TK_MODEL_1 := -fpie -fvisibility=hidden
TK_LINK_0 := -static
TK_LINK_1 := -pie --no-dynamic-linker
TK_LINK_pierelr := --pack-dyn-relocs=relr

TEST_KERNELS := $(foreach v,$(TK_VARIANTS),$(TK_OUT)/$(v).elf)

TK_C_SRCS := kernel.c serial.c checks.c mem.c
TK_S_SRCS := entry.S blobs.S

# Keep whatever default goal the including Makefile has (restored below).
TK_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

# $(call tk_shquote,TEXT): TEXT as one single-quoted shell word.
tk_shquote = '$(subst ','\'',$(1))'
# $(call tk_cstr,TEXT): TEXT with \ and " escaped for a C string literal.
tk_cstr = $(subst ",\",$(subst \,\\,$(1)))

# $(call tk_defs,VARIANT): the variant's -D options, shell-quoted.
tk_pie = $(if $(TK_PIE_$(1)),1,0)
tk_defs = $(TK_MODEL_$(call tk_pie,$(1))) -DKERNEL_PIE=$(call tk_pie,$(1)) \
	-DBIG_DATA_MIB=$(TK_MIB_$(1)) \
	-DCHECK_SEGMENT_PERMS=$(TEST_KERNEL_CHECK_PERMS) \
	$(call tk_shquote,-DEXPECTED_CMDLINE="$(call tk_cstr,$(TEST_KERNEL_CMDLINE))") \
	$(call tk_shquote,-DDATA_BLOB="$(TK_OUT)/$(1)/data.bin") \
	$(call tk_shquote,-DRODATA_BLOB="$(TK_OUT)/$(1)/rodata.bin")

# $(call tk_variant,VARIANT): the rules for one variant.
define tk_variant
TK_DEFS_$(1) = $$(call tk_defs,$(1))
TK_OBJS_$(1) := $(patsubst %.c,$(TK_OUT)/$(1)/%.o,$(TK_C_SRCS)) \
	$(patsubst %.S,$(TK_OUT)/$(1)/%.o,$(TK_S_SRCS))

$(TK_OUT)/$(1).elf: $$(TK_OBJS_$(1)) $(TK_OUT)/$(1)/kernel.ld
	$(TK_LD) $(TK_LDFLAGS) $(TK_LINK_$(call tk_pie,$(1))) $(TK_LINK_$(1)) \
		-T $(TK_OUT)/$(1)/kernel.ld -o $$@ $$(TK_OBJS_$(1))

$(TK_OUT)/$(1)/kernel.ld: $(TK_SRC)/kernel.ld.S $(TK_OUT)/$(1)/config
	$(TK_CC) -E -P -undef -x c -DKERNEL_PIE=$(call tk_pie,$(1)) -o $$@ $$<

$(patsubst %.c,$(TK_OUT)/$(1)/%.o,$(TK_C_SRCS)): $(TK_OUT)/$(1)/%.o: $(TK_SRC)/%.c $(TK_OUT)/$(1)/config
	$(TK_CC) $(TK_CFLAGS) $$(TK_DEFS_$(1)) -c -o $$@ $$<

$(TK_OUT)/$(1)/entry.o: $(TK_SRC)/entry.S $(TK_OUT)/$(1)/config
	$(TK_CC) $(TK_CFLAGS) $$(TK_DEFS_$(1)) -c -o $$@ $$<

$(TK_OUT)/$(1)/blobs.o: $(TK_SRC)/blobs.S $(TK_OUT)/$(1)/config \
		$(TK_OUT)/$(1)/data.bin $(TK_OUT)/$(1)/rodata.bin
	$(TK_CC) $(TK_CFLAGS) $$(TK_DEFS_$(1)) -c -o $$@ $$<

# The generator is built per variant, with the variant's BIG_DATA_MIB, so
# the blob sizes come from pattern.h alone.
$(TK_OUT)/$(1)/genpattern: $(TK_SRC)/genpattern.c $(TK_SRC)/pattern.h $(TK_OUT)/$(1)/config
	$(TK_HOSTCC) $(TK_HOSTCFLAGS) -DBIG_DATA_MIB=$(TK_MIB_$(1)) -o $$@ $$<

$(TK_OUT)/$(1)/data.bin: $(TK_OUT)/$(1)/genpattern
	$$< data $$@

$(TK_OUT)/$(1)/rodata.bin: $(TK_OUT)/$(1)/genpattern
	$$< rodata $$@

# Rewritten only when the flags change, so that changing them rebuilds.
$(TK_OUT)/$(1)/config: tk-force
	@mkdir -p $$(@D)
	@printf '%s\n' $$(call tk_shquote,$(TK_CFLAGS) $$(TK_DEFS_$(1))) > $$@.tmp
	@if cmp -s $$@.tmp $$@; then rm -f $$@.tmp; else mv -f $$@.tmp $$@; fi
endef

$(foreach v,$(TK_VARIANTS),$(eval $(call tk_variant,$(v))))

# Host unit tests of checks.c.
TK_HOST_TEST := $(TK_OUT)/host/host_test

$(TK_HOST_TEST): $(TK_SRC)/host_test.c $(TK_SRC)/checks.c $(TK_SRC)/checks.h \
		$(TK_SRC)/pattern.h include/runway/boot.h
	@mkdir -p $(@D)
	$(TK_HOSTCC) $(TK_HOSTCFLAGS) -o $@ $(TK_SRC)/host_test.c $(TK_SRC)/checks.c

.PHONY: test-kernels test-kernel-host test-kernels-clean tk-force
test-kernels: $(TEST_KERNELS)

test-kernel-host: $(TK_HOST_TEST)
	$(TK_HOST_TEST)

test-kernels-clean:
	rm -rf $(TK_OUT)

tk-force:

-include $(wildcard $(TK_OUT)/*/*.d)

.DEFAULT_GOAL := $(TK_SAVED_DEFAULT_GOAL)
