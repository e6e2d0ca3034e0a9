# tests/multiboot/multiboot.mk - GNU make rules for the Multiboot2 and
# Multiboot (1) test kernels.
#
# Included by the top-level Makefile and run from the repository root.
# Builds, under $(BUILD)/multiboot/:
#     mb2-i386.elf         ELF32, i386 entry, linked at 0x100000
#     mb2-i386-16m.elf     the same linked at 16 MiB, where OVMF's boot
#                          services hold memory until ExitBootServices
#     mb2-reloc.elf        ELF32 PIE with a relocatable header tag (16 MiB to
#                          1 GiB, 2 MiB alignment, lowest), linked at 0x100000;
#                          applies its own R_386_RELATIVE relocations
#     mb2-aout.bin         flat binary (address and entry address tags),
#                          loaded at 0x300000, 64 KiB+ of .bss
#     mb2-efi64.elf        ELF64 at physical 0x200000, EFI boot services and
#                          EFI amd64 entry tags; exits boot services itself
#     mb1.elf              Multiboot (1) ELF32 at 0x100000: page-aligned
#                          modules, memory info, 1024x768x32
#     mb1-aout.bin         the same as a flat binary with the address
#                          fields (flags bit 16), loaded at 0x400000
# and the malformed kernels the loader must refuse (each FAILs at once if
# booted anyway):
#     mb2-bad-checksum.elf    mb2-i386 with the checksum off by one
#     mb2-bad-required.elf    ... with a required request for tag type 99
#     mb2-bad-unknown-tag.elf ... with a header tag of type 99, not optional
#     mb2-bad-window.elf      ... with the header at file offset 40 KiB
#     mb2-bad-addr.bin        mb2-aout loading at 0xffc00000 (firmware flash)
#     mb2-bad-entry.bin       mb2-aout with entry_addr 1 MiB past the image
#     mb1-bad-checksum.elf    mb1 with the checksum off by one
# with objects, the preprocessed linker script and a config stamp under
# $(BUILD)/multiboot/<variant>/, and sets MB_KERNELS to all of them (a
# prerequisite of `kernels`).  tests/kernel/'s checks.c, serial.c and
# mem.c are compiled in (for i386 too: rt32.c supplies 64-bit division).
#
# Phony targets:
#     multiboot-kernels       build $(MB_KERNELS)
#     test-multiboot-host     build and run host_test (mbchecks.c on the host)
#     multiboot-kernels-clean remove $(BUILD)/multiboot
#
# Settings: MB_TEST_CMDLINE, the command line every kernel requires
# (tests/qemu/test_multiboot.sh writes the same one; no ' or $ please).
# All other names here start with MB_ / mb_.

BUILD ?= build

MB_SRC := tests/multiboot
MB_TK  := tests/kernel
MB_OUT := $(BUILD)/multiboot

MB_CC ?= clang
MB_LD ?= ld.lld
MB_NM ?= llvm-nm
MB_OBJCOPY ?= objcopy
MB_HOSTCC ?= clang

MB_TEST_CMDLINE ?= mb-test console=ttyS0 answer=42

MB_COMMON_CFLAGS := -std=gnu11 -ffreestanding -fno-stack-protector -fno-builtin \
	-mno-sse -mno-mmx -mno-sse2 -mgeneral-regs-only -O2 -Wall -Wextra -Werror \
	-nostdlib -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-I include -I $(MB_TK) -I $(MB_SRC) -MMD -MP
MB_CFLAGS32 := -target i386-unknown-elf -march=i686 $(MB_COMMON_CFLAGS)
MB_CFLAGS64 := -target x86_64-unknown-elf -mno-red-zone -mcmodel=small -fno-pic \
	$(MB_COMMON_CFLAGS)
MB_LDFLAGS := -nostdlib -z max-page-size=4096 --orphan-handling=error
MB_HOSTCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I include -I $(MB_TK) \
	-I $(MB_SRC) -fsanitize=address,undefined -fno-sanitize-recover=all

# ---- the variants ----------------------------------------------------------
MB_GOOD32 := mb2-i386 mb2-i386-16m mb2-reloc mb2-aout mb1 mb1-aout
MB_BAD32  := mb2-bad-checksum mb2-bad-required mb2-bad-unknown-tag mb2-bad-window \
	mb2-bad-addr mb2-bad-entry mb1-bad-checksum
MB_VARIANTS32 := $(MB_GOOD32) $(MB_BAD32)

# Protocol (which main and header), link address, -D switches, flat, PIE.
MB_PROTO_mb2-i386 := mb2
MB_LINK_mb2-i386  := 0x100000
MB_PROTO_mb2-i386-16m := mb2
MB_LINK_mb2-i386-16m  := 0x1000000
MB_PROTO_mb2-reloc := mb2
MB_LINK_mb2-reloc  := 0x100000
MB_DEFS_mb2-reloc  := -DMB_HDR_RELOC -DMB_RELOC=1
MB_PIE_mb2-reloc   := 1
MB_PROTO_mb2-aout := mb2
MB_LINK_mb2-aout  := 0x300000
MB_DEFS_mb2-aout  := -DMB_HDR_AOUT
MB_FLAT_mb2-aout  := 1
MB_PROTO_mb1 := mb1
MB_LINK_mb1  := 0x100000
MB_PROTO_mb1-aout := mb1
MB_LINK_mb1-aout  := 0x400000
MB_DEFS_mb1-aout  := -DMB_HDR_AOUT
MB_FLAT_mb1-aout  := 1

MB_PROTO_mb2-bad-checksum := mb2
MB_LINK_mb2-bad-checksum  := 0x100000
MB_DEFS_mb2-bad-checksum  := -DMB_BAD_CHECKSUM
MB_WHY_mb2-bad-checksum   := the Multiboot2 header checksum is off by one
MB_PROTO_mb2-bad-required := mb2
MB_LINK_mb2-bad-required  := 0x100000
MB_DEFS_mb2-bad-required  := -DMB_BAD_REQUIRED
MB_WHY_mb2-bad-required   := a required information request for tag type 99
MB_PROTO_mb2-bad-unknown-tag := mb2
MB_LINK_mb2-bad-unknown-tag  := 0x100000
MB_DEFS_mb2-bad-unknown-tag  := -DMB_BAD_UNKNOWN_TAG
MB_WHY_mb2-bad-unknown-tag   := a header tag of type 99 without the optional flag
MB_PROTO_mb2-bad-window := mb2
MB_LINK_mb2-bad-window  := 0x100000
MB_DEFS_mb2-bad-window  := -DMB_BAD_WINDOW
MB_WHY_mb2-bad-window   := the Multiboot2 header starts 40 KiB into the file
MB_PROTO_mb2-bad-addr := mb2
MB_LINK_mb2-bad-addr  := 0xffc00000
MB_DEFS_mb2-bad-addr  := -DMB_HDR_AOUT
MB_FLAT_mb2-bad-addr  := 1
MB_WHY_mb2-bad-addr   := the address tag loads it at 0xffc00000 (firmware flash)
MB_PROTO_mb2-bad-entry := mb2
MB_LINK_mb2-bad-entry  := 0x300000
MB_DEFS_mb2-bad-entry  := -DMB_HDR_AOUT -DMB_BAD_ENTRY
MB_FLAT_mb2-bad-entry  := 1
MB_WHY_mb2-bad-entry   := the entry address tag points 1 MiB past the image
MB_PROTO_mb1-bad-checksum := mb1
MB_LINK_mb1-bad-checksum  := 0x100000
MB_DEFS_mb1-bad-checksum  := -DMB_BAD_CHECKSUM
MB_WHY_mb1-bad-checksum   := the Multiboot header checksum is off by one

MB_MAIN_mb2 := mb2_i386.c
MB_MAIN_mb1 := mb1.c
MB_SRCS32 := machine32.c mbkern.c mbchecks.c report.c rt32.c
MB_TK_SRCS := checks.c serial.c mem.c

mb_ext = $(if $(MB_FLAT_$(1)),bin,elf)
mb_pie = $(if $(MB_PIE_$(1)),1,0)
MB_MODEL_0 :=
MB_MODEL_1 := -fpie -fvisibility=hidden
MB_LINK_0 := -static
MB_LINK_1 := -pie --no-dynamic-linker

mb_shquote = '$(subst ','\'',$(1))'
mb_defs = $(MB_MODEL_$(call mb_pie,$(1))) -DMB_PIE=$(call mb_pie,$(1)) \
	-DMB_LINK=$(MB_LINK_$(1)) $(MB_DEFS_$(1)) \
	$(call mb_shquote,-DMB_VARIANT="$(1)") \
	$(call mb_shquote,-DMB_TEST_CMDLINE="$(MB_TEST_CMDLINE)") \
	$(if $(MB_WHY_$(1)),$(call mb_shquote,-DMB_MUST_REFUSE="$(MB_WHY_$(1))"))

MB_KERNELS := $(foreach v,$(MB_VARIANTS32),$(MB_OUT)/$(v).$(call mb_ext,$(v))) \
	$(MB_OUT)/mb2-efi64.elf

MB_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

# $(call mb_config,DIR,FLAGS): DIR/config holds FLAGS, rewritten only when
# they change, so that changing them rebuilds what depends on it.
define mb_config
$(1)/config: mb-force
	@mkdir -p $$(@D)
	@printf '%s\n' $$(call mb_shquote,$(2)) > $$@.tmp
	@if cmp -s $$@.tmp $$@; then rm -f $$@.tmp; else mv -f $$@.tmp $$@; fi
endef

# $(call mb_variant32,VARIANT): the rules for one 32-bit kernel.
define mb_variant32
MB_OBJS_$(1) := $(patsubst %.c,$(MB_OUT)/$(1)/%.o,$(MB_MAIN_$(MB_PROTO_$(1))) $(MB_SRCS32)) \
	$(MB_OUT)/$(1)/entry32.o $(MB_OUT)/$(1)/header_$(MB_PROTO_$(1)).o \
	$(patsubst %.c,$(MB_OUT)/$(1)/tk/%.o,$(MB_TK_SRCS))

$(MB_OUT)/$(1)/$(1).elf: $$(MB_OBJS_$(1)) $(MB_OUT)/$(1)/mb32.ld
	$(MB_LD) $(MB_LDFLAGS) $(MB_LINK_$(call mb_pie,$(1))) -T $(MB_OUT)/$(1)/mb32.ld \
		-o $$@ $$(MB_OBJS_$(1))

$(MB_OUT)/$(1)/mb32.ld: $(MB_SRC)/mb32.ld.S $(MB_OUT)/$(1)/config
	$(MB_CC) -E -P -undef -x c -DMB_PIE=$(call mb_pie,$(1)) -DMB_LINK=$(MB_LINK_$(1)) -o $$@ $$<

$(MB_OUT)/$(1)/%.o: $(MB_SRC)/%.c $(MB_OUT)/$(1)/config
	$(MB_CC) $(MB_CFLAGS32) $(call mb_defs,$(1)) -c -o $$@ $$<

$(MB_OUT)/$(1)/%.o: $(MB_SRC)/%.S $(MB_OUT)/$(1)/config
	$(MB_CC) $(MB_CFLAGS32) $(call mb_defs,$(1)) -c -o $$@ $$<

$(MB_OUT)/$(1)/tk/%.o: $(MB_TK)/%.c $(MB_OUT)/$(1)/config
	@mkdir -p $$(@D)
	$(MB_CC) $(MB_CFLAGS32) $(call mb_defs,$(1)) -c -o $$@ $$<

$(call mb_config,$(MB_OUT)/$(1),$(MB_CFLAGS32) $(call mb_defs,$(1)))
endef

$(foreach v,$(MB_VARIANTS32),$(eval $(call mb_variant32,$(v))))

# ELF kernels are copied out as they are; flat ones are the ELF's bytes
# from __image_start to __load_end (objcopy -O binary), checked to be
# exactly that long, since the address tag tells the loader so.
define mb_out_elf
$(MB_OUT)/$(1).elf: $(MB_OUT)/$(1)/$(1).elf
	cp $$< $$@
endef

define mb_out_flat
$(MB_OUT)/$(1).bin: $(MB_OUT)/$(1)/$(1).elf
	$(MB_OBJCOPY) -O binary $$< $$@
	@start=$$$$($(MB_NM) $$< | awk '$$$$3 == "__image_start" { print $$$$1 }'); \
	end=$$$$($(MB_NM) $$< | awk '$$$$3 == "__load_end" { print $$$$1 }'); \
	size=$$$$(stat -c %s $$@); \
	if [ "$$$$size" -ne $$$$((0x$$$$end - 0x$$$$start)) ]; then \
		echo "$$@: $$$$size bytes, but __load_end - __image_start is $$$$((0x$$$$end - 0x$$$$start))" >&2; \
		rm -f $$@; exit 1; \
	fi
endef

$(foreach v,$(MB_VARIANTS32),$(eval $(call $(if $(MB_FLAT_$(v)),mb_out_flat,mb_out_elf),$(v))))

# ---- the EFI amd64 kernel ---------------------------------------------------
MB64 := mb2-efi64
MB64_DEFS := -DMB_HDR_EFI64 -DMB_LINK=0x200000 $(call mb_shquote,-DMB_VARIANT="$(MB64)") \
	$(call mb_shquote,-DMB_TEST_CMDLINE="$(MB_TEST_CMDLINE)")
MB64_OBJS := $(patsubst %.c,$(MB_OUT)/$(MB64)/%.o,mb2_efi64.c mbkern.c mbchecks.c report.c) \
	$(MB_OUT)/$(MB64)/entry64.o $(MB_OUT)/$(MB64)/header_mb2.o \
	$(patsubst %.c,$(MB_OUT)/$(MB64)/tk/%.o,$(MB_TK_SRCS))

$(MB_OUT)/$(MB64).elf: $(MB64_OBJS) $(MB_OUT)/$(MB64)/mb64.ld
	$(MB_LD) $(MB_LDFLAGS) -static -T $(MB_OUT)/$(MB64)/mb64.ld -o $@ $(MB64_OBJS)

$(MB_OUT)/$(MB64)/mb64.ld: $(MB_SRC)/mb64.ld.S $(MB_OUT)/$(MB64)/config
	$(MB_CC) -E -P -undef -x c -DMB_LINK=0x200000 -o $@ $<

$(MB_OUT)/$(MB64)/%.o: $(MB_SRC)/%.c $(MB_OUT)/$(MB64)/config
	$(MB_CC) $(MB_CFLAGS64) $(MB64_DEFS) -c -o $@ $<

$(MB_OUT)/$(MB64)/%.o: $(MB_SRC)/%.S $(MB_OUT)/$(MB64)/config
	$(MB_CC) $(MB_CFLAGS64) $(MB64_DEFS) -c -o $@ $<

$(MB_OUT)/$(MB64)/tk/%.o: $(MB_TK)/%.c $(MB_OUT)/$(MB64)/config
	@mkdir -p $(@D)
	$(MB_CC) $(MB_CFLAGS64) $(MB64_DEFS) -c -o $@ $<

$(eval $(call mb_config,$(MB_OUT)/$(MB64),$(MB_CFLAGS64) $(MB64_DEFS)))

# ---- host unit tests of mbchecks.c ------------------------------------------
MB_HOST_TEST := $(MB_OUT)/host/host_test

$(MB_HOST_TEST): $(MB_SRC)/host_test.c $(MB_SRC)/mbchecks.c $(MB_SRC)/mbchecks.h \
		$(MB_SRC)/mbspec.h $(MB_TK)/checks.c $(MB_TK)/checks.h
	@mkdir -p $(@D)
	$(MB_HOSTCC) $(MB_HOSTCFLAGS) -o $@ $(MB_SRC)/host_test.c $(MB_SRC)/mbchecks.c \
		$(MB_TK)/checks.c

.PHONY: multiboot-kernels test-multiboot-host multiboot-kernels-clean mb-force
multiboot-kernels: $(MB_KERNELS)

kernels: $(MB_KERNELS)

# tests/run.sh runs the host test: `make test` builds it.
test: $(MB_HOST_TEST)

test-multiboot-host: $(MB_HOST_TEST)
	$(MB_HOST_TEST)

multiboot-kernels-clean:
	rm -rf $(MB_OUT)

mb-force:

-include $(wildcard $(MB_OUT)/*/*.d $(MB_OUT)/*/tk/*.d)

.DEFAULT_GOAL := $(MB_SAVED_DEFAULT_GOAL)
