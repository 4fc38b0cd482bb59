# tests/fuzz/fuzz.mk: builds and runs every libFuzzer harness. Run from the
# repository root (the top-level Makefile does: make fuzz-run, make fuzz).
#
# Each tests/fuzz/fuzz_<name>.c becomes build/fuzz/fuzz_<name>, linked with
# the portable core (auth/ and sip/, taken from an archive so that only the
# objects a harness uses are pulled in). It is replayed over
# tests/fuzz/corpus/<name>/ and uses tests/fuzz/fuzz_<name>.dict when there is
# one. A harness that needs sources beyond the core names them here in
# FUZZ_EXTRA_<name>, and libraries beyond mbedTLS in FUZZ_LIBS_<name>.
# Helpers shared by harnesses are tests/fuzz/fz_*.c (fz_net: a scripted
# network and loop; fz_verify: signature checks remembered).
#
#   make -f tests/fuzz/fuzz.mk run-corpus        every harness over its corpus once
#   make -f tests/fuzz/fuzz.mk fuzz SECONDS=60   fuzz each harness for SECONDS
#   make -f tests/fuzz/fuzz.mk fuzz NAMES=p11uri just one harness
#   make -f tests/fuzz/fuzz.mk fuzz FUZZ_FLAGS=-max_len=9000   extra libFuzzer flags
#
# `fuzz` keeps each harness's output in build/fuzz/fuzz-<name>.log and ends
# with a table (tests/fuzz/fuzz-table): executions, exec/s and coverage
# (libFuzzer's cov: edges and ft: features) per harness.

FUZZ_CC ?= clang
FUZZ_OUT := build/fuzz
SECONDS ?= 60

AUTH_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard auth/*/*.h))))
FW_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard firmware/*/*.h))))
FUZZ_CPPFLAGS := -I. -Ihal $(addprefix -I,$(AUTH_DIRS)) -Isip $(addprefix -I,$(FW_DIRS)) -Iports/test \
	-I/usr/include/p11-kit-1
# UBSan findings must stop the run like ASan's do, or a replay would pass.
FUZZ_CFLAGS := -g -O1 -std=c11 -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
FUZZ_SAN := address,undefined
FUZZ_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto

FUZZ_FLAGS ?=

# The test port (the session stand-in for firmware/'s run state machine
# lives in tests/doubles/, apart).
FUZZ_TESTPORT := $(wildcard ports/test/*.c)

FUZZ_EXTRA_config := firmware/signin/config.c
# c-ares reads the records; linux_dns_answer.c walks the answer for TTLs.
FUZZ_EXTRA_dns := ports/linux/linux_dns_answer.c
FUZZ_LIBS_dns := -lcares
FUZZ_EXTRA_apdu := $(FUZZ_TESTPORT) tests/fuzz/fz_card.c
# libcoap parses the CoAP message; est_coap_msg.c takes the answer out of it.
FUZZ_EXTRA_estcoap := firmware/coap/est_coap_msg.c
FUZZ_LIBS_estcoap := -lcoap-3-gnutls
FUZZ_EXTRA_ocsp := tests/fuzz/fz_verify.c
FUZZ_EXTRA_crl := tests/fuzz/fz_verify.c tests/fuzz/fz_net.c $(FUZZ_TESTPORT)
FUZZ_EXTRA_pdusers := tools/provisiond/pd_users.c tools/provisiond/pd_files.c
FUZZ_EXTRA_piv := $(FUZZ_TESTPORT)
FUZZ_EXTRA_sipreg := tests/fuzz/fz_net.c $(FUZZ_TESTPORT)
FUZZ_EXTRA_vpcd := tests/fuzz/fz_net.c tests/fuzz/fz_card.c $(FUZZ_TESTPORT)

HARNESSES := $(sort $(wildcard tests/fuzz/fuzz_*.c))
NAMES ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(HARNESSES))
BINS := $(addprefix $(FUZZ_OUT)/fuzz_,$(NAMES))

fuzz_obj = $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(1))
CORE_SRC := $(sort $(wildcard auth/*/*.c sip/*.c))
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
		-o $$@ $$< $(call fuzz_obj,$(FUZZ_EXTRA_$(1))) $$(CORE_LIB) $$(FUZZ_LIBS) $(FUZZ_LIBS_$(1))
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
# build/fuzz/artifacts/<name>-crash-*. Every harness runs even when one
# fails; the target fails at the end when any did.
fuzz: $(BINS)
	@mkdir -p $(FUZZ_OUT)/artifacts; failed=; \
	for n in $(NAMES); do \
		mkdir -p $(FUZZ_OUT)/corpus/$$n; \
		test -d tests/fuzz/corpus/$$n || { echo "fuzz: no corpus for $$n"; exit 1; }; \
		dict=; test -f tests/fuzz/fuzz_$$n.dict && dict=-dict=tests/fuzz/fuzz_$$n.dict; \
		echo "== fuzz: $$n for $(SECONDS)s (log: $(FUZZ_OUT)/fuzz-$$n.log)"; \
		if ! $(FUZZ_OUT)/fuzz_$$n -max_total_time=$(SECONDS) -timeout=10 -print_final_stats=1 \
			$(FUZZ_FLAGS) -artifact_prefix=$(FUZZ_OUT)/artifacts/$$n- $$dict \
			$(FUZZ_OUT)/corpus/$$n tests/fuzz/corpus/$$n >$(FUZZ_OUT)/fuzz-$$n.log 2>&1; then \
			failed="$$failed $$n"; tail -n 40 $(FUZZ_OUT)/fuzz-$$n.log; \
		fi; \
	done; \
	tests/fuzz/fuzz-table $(FUZZ_OUT) $(NAMES); \
	test -z "$$failed" || { echo "fuzz: FAILED:$$failed (inputs in $(FUZZ_OUT)/artifacts/)"; exit 1; }

clean:
	rm -rf $(FUZZ_OUT)

-include $(shell find $(FUZZ_OUT) -name "*.d" 2>/dev/null)
