# tests/fuzz/fuzz.mk: builds and runs every libFuzzer harness. Run from the
# repository root (the top-level Makefile does: make fuzz-run, make fuzz).
#
# Each tests/fuzz/fuzz_<name>.c becomes build/fuzz/fuzz_<name>, linked with
# the portable core (auth/ and sip/, taken from an archive so that only the
# objects a harness uses are pulled in). It is replayed over
# tests/fuzz/corpus/<name>/ and uses tests/fuzz/fuzz_<name>.dict when there is
# one. A harness that needs sources beyond the core names them here in
# FUZZ_EXTRA_<name>.
#
#   make -f tests/fuzz/fuzz.mk run-corpus        every harness over its corpus once
#   make -f tests/fuzz/fuzz.mk fuzz SECONDS=60   fuzz each harness for SECONDS
#   make -f tests/fuzz/fuzz.mk fuzz NAMES=p11uri just one harness
#   make -f tests/fuzz/fuzz.mk fuzz FUZZ_FLAGS=-max_len=9000   extra libFuzzer flags

FUZZ_CC ?= clang
FUZZ_OUT := build/fuzz
SECONDS ?= 60

FUZZ_CPPFLAGS := -I. -Ihal -Iauth -Isip -Iports/test -I/usr/include/p11-kit-1
# UBSan findings must stop the run like ASan's do, or a replay would pass.
FUZZ_CFLAGS := -g -O1 -std=c11 -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SAN := address,undefined
FUZZ_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto

FUZZ_FLAGS ?=

FUZZ_EXTRA_config := firmware/config.c
# The session stand-in is for the run state machine (firmware/), not the card.
FUZZ_EXTRA_apdu := $(filter-out ports/test/pt_session.c,$(wildcard ports/test/*.c))
FUZZ_EXTRA_est := firmware/est_msg.c

HARNESSES := $(sort $(wildcard tests/fuzz/fuzz_*.c))
NAMES ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(HARNESSES))
BINS := $(addprefix $(FUZZ_OUT)/fuzz_,$(NAMES))

fuzz_obj = $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(1))
CORE_SRC := $(sort $(wildcard auth/*.c sip/*.c))
CORE_LIB := $(FUZZ_OUT)/libcore.a

.PHONY: all run-corpus fuzz clean
.DEFAULT_GOAL := all

all: $(BINS)

# Library code: instrumented for coverage, without libFuzzer's main().
$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) $(FUZZ_CPPFLAGS) \
		-MMD -MP -c $< -o $@

$(CORE_LIB): $(call fuzz_obj,$(CORE_SRC))
	@rm -f $@
	ar rcs $@ $^

define fuzz_harness
$(FUZZ_OUT)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(call fuzz_obj,$(FUZZ_EXTRA_$(1))) $(CORE_LIB)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer,$$(FUZZ_SAN) $$(FUZZ_CPPFLAGS) -MMD -MP \
		-o $$@ $$< $(call fuzz_obj,$(FUZZ_EXTRA_$(1))) $$(CORE_LIB) $$(FUZZ_LIBS)
endef
$(foreach n,$(NAMES),$(eval $(call fuzz_harness,$(n))))

fuzz_dict = $(if $(wildcard tests/fuzz/fuzz_$(1).dict),-dict=tests/fuzz/fuzz_$(1).dict)

# Replays each corpus once (-runs=0: no mutation); any crash, sanitizer
# report, leak or timeout fails the target.
run-corpus: $(BINS)
	@set -e; $(foreach n,$(NAMES), \
		test -d tests/fuzz/corpus/$(n) || \
			{ echo "fuzz: no corpus for $(n) (tests/fuzz/corpus/$(n)/)"; exit 1; }; \
		echo "== fuzz corpus: $(n) ($$(ls tests/fuzz/corpus/$(n) | wc -l) inputs)"; \
		$(FUZZ_OUT)/fuzz_$(n) -runs=0 -timeout=10 $(call fuzz_dict,$(n)) \
			tests/fuzz/corpus/$(n) 2>$(FUZZ_OUT)/run-corpus-$(n).log || \
			{ tail -n 40 $(FUZZ_OUT)/run-corpus-$(n).log; exit 1; };)
	@echo "fuzz corpus replay: all passed ($(NAMES))"

# Fuzzes each harness for SECONDS. New inputs go to a scratch corpus under
# build/fuzz/corpus/<name>/ (libFuzzer writes into the first directory); the
# repository's corpus seeds it and is never written. Crashes are saved as
# build/fuzz/artifacts/<name>-crash-*.
fuzz: $(BINS)
	@set -e; mkdir -p $(FUZZ_OUT)/artifacts; $(foreach n,$(NAMES), \
		mkdir -p $(FUZZ_OUT)/corpus/$(n) tests/fuzz/corpus/$(n); \
		echo "== fuzz: $(n) for $(SECONDS)s"; \
		$(FUZZ_OUT)/fuzz_$(n) -max_total_time=$(SECONDS) -timeout=10 -print_final_stats=1 $(FUZZ_FLAGS) \
			-artifact_prefix=$(FUZZ_OUT)/artifacts/$(n)- $(call fuzz_dict,$(n)) \
			$(FUZZ_OUT)/corpus/$(n) tests/fuzz/corpus/$(n);)

clean:
	rm -rf $(FUZZ_OUT)

-include $(shell find $(FUZZ_OUT) -name "*.d" 2>/dev/null)
