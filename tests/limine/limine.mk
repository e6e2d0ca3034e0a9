# tests/limine/limine.mk - GNU make rules for the Limine-protocol test kernels.
#
# Included by the top-level Makefile and run from the repository root.
# Builds, under $(BUILD)/limine/:
#     limine.elf             full kernel (kernel.c): static, linked at
#                            0xffffffff80000000, base revision 3, MP
#     limine-nomp.elf        the same without the SMP request
#     limine-pie.elf         the same as a PIE linked at 0 (for KASLR)
#     limine-rev0.elf        the same asking for base revision 0
#     limine-x2apic.elf      the same with the SMP request's flags bit 0
#                            (enable x2APIC, if possible)
#     limine-5lvl.elf        the same with a paging mode request that
#                            prefers 5-level (mode 1, max 1, min 0)
#     limine-tiny.elf        tiny.c, nothing wrong (the control)
#     limine-bad-preset.elf  a response pointer already non-NULL
#     limine-bad-outside.elf requests outside the start/end markers
#     limine-bad-rev99.elf   base revision 99
#     limine-bad-reqrev99.elf requests of revision 99
#     limine-bad-stack1g.elf a 1 GiB stack size request (to be refused)
#     limine-bad-dup.elf     two HHDM requests (to be refused)
#     internal.bin           the internal module the full kernels and
#                            limine-bad-reqrev99 request ("internal.bin"
#                            beside the kernel file); internal.h holds
#                            its hash for the kernels (genmodule.c)
# with objects, the preprocessed linker script and a config stamp under
# $(BUILD)/limine/<variant>/, and sets LIMINE_KERNELS to the ELF files
# (a prerequisite of `kernels`).  The shared helpers are compiled in from
# tests/kernel/ (checks.c, serial.c, mem.c, entry.S) into <variant>/tk/.
#
# Phony targets:
#     limine-kernels       build $(LIMINE_KERNELS) and internal.bin
#     test-limine-host     build and run host_test (lchecks.c on the host)
#     limine-kernels-clean remove $(BUILD)/limine
#
# Settings: LIMINE_TEST_CMDLINE, the command line the full kernels require
# in their kernel file response (tests/qemu/test_limine.sh writes the same
# one; no ' or $ please).  All other names here start with LM_ / lm_.

BUILD ?= build

LM_SRC := tests/limine
LM_TK  := tests/kernel
LM_OUT := $(BUILD)/limine

LM_CC ?= clang
LM_LD ?= ld.lld
LM_HOSTCC ?= clang

LIMINE_TEST_CMDLINE ?= limine-test console=ttyS0 answer=42

LM_CFLAGS := -target x86_64-unknown-elf -std=gnu11 -ffreestanding -fno-stack-protector \
	-mno-red-zone -mno-sse -mno-mmx -mno-sse2 -mgeneral-regs-only -O2 \
	-Wall -Wextra -Werror -nostdlib -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -I include -I $(LM_TK) -I $(LM_SRC) -I $(LM_OUT) -MMD -MP
LM_LDFLAGS := -nostdlib -z max-page-size=4096 --orphan-handling=error
LM_HOSTCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I include -I $(LM_TK) \
	-fsanitize=address,undefined -fno-sanitize-recover=all

LM_FULL := limine limine-nomp limine-pie limine-rev0 limine-x2apic limine-5lvl
LM_TINY := limine-tiny limine-bad-preset limine-bad-outside limine-bad-rev99 \
	limine-bad-reqrev99 limine-bad-stack1g limine-bad-dup
LM_VARIANTS := $(LM_FULL) $(LM_TINY)

LM_DEFS_limine      := -DLIM_REVISION=3 -DLIM_MP=1
LM_DEFS_limine-nomp := -DLIM_REVISION=3 -DLIM_MP=0
LM_DEFS_limine-pie  := -DLIM_REVISION=3 -DLIM_MP=1
LM_DEFS_limine-rev0 := -DLIM_REVISION=0 -DLIM_MP=1
LM_DEFS_limine-x2apic := -DLIM_REVISION=3 -DLIM_MP=1 -DLIM_X2APIC=1
LM_DEFS_limine-5lvl := -DLIM_REVISION=3 -DLIM_MP=1 -DLIM_PAGING5=1
LM_PIE_limine-pie := 1
# Tiny kernels: limine-<name>.elf or limine-bad-<name>.elf is tiny.c's
# case LIM_CASE_<NAME>.
lm_case = $(patsubst limine-%,%,$(patsubst limine-bad-%,%,$(1)))
lm_upper = $(shell echo '$(1)' | tr a-z A-Z)
$(foreach v,$(LM_TINY),$(eval LM_DEFS_$(v) := -DLIM_TINY_CASE=LIM_CASE_$(call lm_upper,$(call lm_case,$(v))) \
	'-DLIM_TINY_NAME="$(call lm_case,$(v))"'))

LM_FULL_SRCS := kernel.c requests.c memory.c responses.c firmware.c mp.c lchecks.c report.c
LM_FULL_ASM  := kentry.S
LM_TINY_SRCS := tiny.c lchecks.c report.c
LM_TK_SRCS   := checks.c serial.c mem.c
LM_TK_ASM    := entry.S

LIMINE_KERNELS := $(foreach v,$(LM_VARIANTS),$(LM_OUT)/$(v).elf)
LIMINE_MODULE := $(LM_OUT)/internal.bin

LM_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

lm_shquote = '$(subst ','\'',$(1))'
lm_pie = $(if $(LM_PIE_$(1)),1,0)
LM_MODEL_0 := -fno-pic -mcmodel=kernel
LM_MODEL_1 := -fpie -fvisibility=hidden
LM_LINK_0 := -static
LM_LINK_1 := -pie --no-dynamic-linker
lm_defs = $(LM_MODEL_$(call lm_pie,$(1))) -DKERNEL_PIE=$(call lm_pie,$(1)) $(LM_DEFS_$(1)) \
	$(call lm_shquote,-DEXPECTED_CMDLINE="$(LIMINE_TEST_CMDLINE)")
lm_srcs = $(if $(filter $(1),$(LM_FULL)),$(LM_FULL_SRCS) $(LM_FULL_ASM),$(LM_TINY_SRCS))

# $(call lm_variant,VARIANT): the rules for one variant.
define lm_variant
LM_OBJS_$(1) := $(patsubst %.S,$(LM_OUT)/$(1)/%.o,$(patsubst %.c,$(LM_OUT)/$(1)/%.o,$(call lm_srcs,$(1)))) \
	$(patsubst %.c,$(LM_OUT)/$(1)/tk/%.o,$(LM_TK_SRCS)) \
	$(patsubst %.S,$(LM_OUT)/$(1)/tk/%.o,$(LM_TK_ASM))

$(LM_OUT)/$(1).elf: $$(LM_OBJS_$(1)) $(LM_OUT)/$(1)/limine.ld
	$(LM_LD) $(LM_LDFLAGS) $(LM_LINK_$(call lm_pie,$(1))) -T $(LM_OUT)/$(1)/limine.ld \
		-o $$@ $$(LM_OBJS_$(1))

$(LM_OUT)/$(1)/limine.ld: $(LM_SRC)/limine.ld.S $(LM_OUT)/$(1)/config
	$(LM_CC) -E -P -undef -x c -DKERNEL_PIE=$(call lm_pie,$(1)) -o $$@ $$<

$(LM_OUT)/$(1)/%.o: $(LM_SRC)/%.c $(LM_OUT)/$(1)/config $(LM_OUT)/internal.h
	$(LM_CC) $(LM_CFLAGS) $(call lm_defs,$(1)) -c -o $$@ $$<

$(LM_OUT)/$(1)/%.o: $(LM_SRC)/%.S $(LM_OUT)/$(1)/config
	$(LM_CC) $(LM_CFLAGS) $(call lm_defs,$(1)) -c -o $$@ $$<

$(LM_OUT)/$(1)/tk/%.o: $(LM_TK)/%.c $(LM_OUT)/$(1)/config
	@mkdir -p $$(@D)
	$(LM_CC) $(LM_CFLAGS) $(call lm_defs,$(1)) -c -o $$@ $$<

$(LM_OUT)/$(1)/tk/%.o: $(LM_TK)/%.S $(LM_OUT)/$(1)/config
	@mkdir -p $$(@D)
	$(LM_CC) $(LM_CFLAGS) $(call lm_defs,$(1)) -c -o $$@ $$<

# Rewritten only when the flags change, so that changing them rebuilds.
$(LM_OUT)/$(1)/config: lm-force
	@mkdir -p $$(@D)
	@printf '%s\n' $$(call lm_shquote,$(LM_CFLAGS) $(call lm_defs,$(1))) > $$@.tmp
	@if cmp -s $$@.tmp $$@; then rm -f $$@.tmp; else mv -f $$@.tmp $$@; fi
endef

$(foreach v,$(LM_VARIANTS),$(eval $(call lm_variant,$(v))))

# The internal module and the header with its hash, written together.
$(LM_OUT)/genmodule: $(LM_SRC)/genmodule.c $(LM_TK)/checks.c $(LM_TK)/checks.h \
		$(LM_TK)/pattern.h
	@mkdir -p $(@D)
	$(LM_HOSTCC) $(LM_HOSTCFLAGS) -o $@ $(LM_SRC)/genmodule.c $(LM_TK)/checks.c

$(LM_OUT)/internal.bin $(LM_OUT)/internal.h &: $(LM_OUT)/genmodule
	$< $(LM_OUT)/internal.bin $(LM_OUT)/internal.h

# Host unit tests of lchecks.c.
LM_HOST_TEST := $(LM_OUT)/host/host_test

$(LM_HOST_TEST): $(LM_SRC)/host_test.c $(LM_SRC)/lchecks.c $(LM_SRC)/lchecks.h \
		$(LM_SRC)/lproto.h $(LM_TK)/checks.c $(LM_TK)/checks.h
	@mkdir -p $(@D)
	$(LM_HOSTCC) $(LM_HOSTCFLAGS) -I $(LM_SRC) -o $@ $(LM_SRC)/host_test.c \
		$(LM_SRC)/lchecks.c $(LM_TK)/checks.c

.PHONY: limine-kernels test-limine-host limine-kernels-clean lm-force
limine-kernels: $(LIMINE_KERNELS) $(LIMINE_MODULE)

kernels: $(LIMINE_KERNELS) $(LIMINE_MODULE)

test-limine-host: $(LM_HOST_TEST)
	$(LM_HOST_TEST)

limine-kernels-clean:
	rm -rf $(LM_OUT)

lm-force:

-include $(wildcard $(LM_OUT)/*/*.d $(LM_OUT)/*/tk/*.d)

.DEFAULT_GOAL := $(LM_SAVED_DEFAULT_GOAL)
