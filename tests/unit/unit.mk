# tests/unit/unit.mk - host unit tests of the pure modules (cmocka).
#
# Included by the top-level Makefile and run from the repository root.
# Every tests/unit/test_<name>.c becomes $(BUILD)/unit/test_<name>, built
# with $(HOSTCC) $(HOST_CFLAGS) (ASan/UBSan) and linked with the shared test
# doubles (fakefw.c), $(BUILD)/libpure.a and cmocka.  Every binary runs on
# its own and exits non-zero when a test fails.
#
#     make $(BUILD)/unit/test_alloc    one binary
#     make unit                        build all, run tests/unit/run.sh

UNIT_TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,\
		$(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(BUILD)/unit/fakefw.o

# Header dependencies (-MMD -MP) land in $(BUILD)/unit/*.d; a test is
# compiled and linked in one step, so its .d file is named explicitly.
$(BUILD)/unit/fakefw.o: tests/unit/fakefw.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -Itests/unit $(DEPFLAGS) -c $< -o $@

$(UNIT_TESTS): $(BUILD)/unit/test_%: tests/unit/test_%.c $(UNIT_HELPERS) \
		$(BUILD)/libpure.a
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -Itests/unit $(DEPFLAGS) -MF $@.d -MT $@ \
		-o $@ $< $(UNIT_HELPERS) $(BUILD)/libpure.a -lcmocka

-include $(UNIT_HELPERS:.o=.d) $(UNIT_TESTS:=.d)

.PHONY: unit
unit: $(UNIT_TESTS)
	BUILD=$(BUILD) tests/unit/run.sh
