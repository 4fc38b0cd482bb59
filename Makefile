# signet: top-level build. `make help` lists the targets.
#
# Output goes to build/<board>/ (build/<board>-san/ for the sanitizer build),
# so boards and variants never share object files.

BOARD ?= linux-desktop
ifeq ($(wildcard boards/$(BOARD).mk),)
$(error unknown BOARD '$(BOARD)'; boards: $(basename $(notdir $(wildcard boards/*.mk))))
endif
include boards/$(BOARD).mk

SAN ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
V ?= 0

O := build/$(BOARD)$(if $(filter 1,$(SAN)),-san)

CC := $(if $(CROSS),$(CROSS)gcc,$(if $(filter 1,$(SAN)),clang,cc))
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 $(WARN) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
CPPFLAGS += -I. -Ihal -Iauth -Isip -Ifirmware -Iports/$(PORT) -Iports/test -I/usr/include/p11-kit-1 \
	-DSIGNET_BOARD='"$(BOARD)"' \
	-DSIGNET_DEFAULT_P11_MODULE='"$(DEFAULT_P11_MODULE)"' \
	-DSIGNET_DEFAULT_CONFIG='"$(DEFAULT_CONFIG)"' \
	-DSIGNET_VERSION='"$(shell cat VERSION 2>/dev/null || echo 0.1.0)"' \
	$(BOARD_CFLAGS)
LDFLAGS += $(BOARD_LDFLAGS)
LDLIBS := -lmbedtls -lmbedx509 -lmbedcrypto -lpcsclite -ldl
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(SAN),1)
CFLAGS := -O1 -g -std=c11 $(WARN) -fPIC $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
endif
CPPFLAGS += $(shell pkg-config --cflags libpcsclite 2>/dev/null)

ifeq ($(V),0)
Q := @
else
Q :=
endif

CORE_SRC := $(sort $(wildcard auth/*.c sip/*.c))
PORT_SRC := $(sort $(wildcard ports/$(PORT)/*.c))
TESTPORT_SRC := $(sort $(wildcard ports/test/*.c))
FW_SRC := $(sort $(wildcard firmware/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRC := $(sort $(wildcard tests/integration/test_*.c))
TOOL_SRC := $(sort $(wildcard tools/*.c))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

CORE_LIB := $(O)/libsignet-core.a
PORT_LIB := $(O)/libsignet-port.a
TESTPORT_LIB := $(O)/libsignet-testport.a
SIGNET := $(O)/signet
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRC))
INTEG_BINS := $(patsubst tests/integration/%.c,$(O)/tests/integration/%,$(INTEG_SRC))
TOOL_BINS := $(patsubst tools/%.c,$(O)/tools/%,$(TOOL_SRC))

.PHONY: all deps test-deps test unit integration san fuzz fuzz-run lint demo bench \
	install uninstall clean help size
.DEFAULT_GOAL := all
.SECONDARY:

all: deps $(SIGNET) $(TOOL_BINS)

deps:
	$(Q)tools/deps build

test-deps:
	$(Q)tools/deps test

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(call obj,$(CORE_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^
$(PORT_LIB): $(call obj,$(PORT_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^
$(TESTPORT_LIB): $(call obj,$(TESTPORT_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^

$(SIGNET): $(call obj,$(FW_SRC)) $(PORT_LIB) $(CORE_LIB)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(call obj,$(FW_SRC)) $(PORT_LIB) $(CORE_LIB) $(LDLIBS)

$(O)/tools/%: $(O)/obj/tools/%.o $(PORT_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(PORT_LIB) $(CORE_LIB) $(LDLIBS)

# Firmware objects other than the CLI's main() are linked into tests too.
FW_LIB_OBJS := $(call obj,$(filter-out firmware/main.c,$(FW_SRC)))

$(O)/tests/unit/%: $(O)/obj/tests/unit/%.o $(TESTPORT_LIB) $(PORT_LIB) $(CORE_LIB) $(FW_LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(FW_LIB_OBJS) $(TESTPORT_LIB) $(PORT_LIB) $(CORE_LIB) \
		$(LDLIBS) -lcmocka -lp11-kit

ITEST_OBJ := $(O)/obj/tests/integration/itest.o
$(O)/tests/integration/%: $(O)/obj/tests/integration/%.o $(ITEST_OBJ) $(TESTPORT_LIB) $(PORT_LIB) \
		$(CORE_LIB) $(FW_LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ITEST_OBJ) $(FW_LIB_OBJS) $(TESTPORT_LIB) $(PORT_LIB) \
		$(CORE_LIB) $(LDLIBS) -lcmocka

# ---- tests ---------------------------------------------------------------

unit: test-deps $(UNIT_BINS)
	$(Q)tests/run-tests unit $(O) $(UNIT_BINS)

integration: test-deps $(SIGNET) $(INTEG_BINS) $(TOOL_BINS)
	$(Q)tests/run-tests integration $(O) $(INTEG_BINS)

san:
	$(Q)$(MAKE) --no-print-directory SAN=1 unit integration

fuzz-run: test-deps
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk run-corpus

fuzz: test-deps
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk fuzz SECONDS=$(or $(SECONDS),60)

lint: test-deps
	$(Q)tools/lint

test: test-deps all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory san
	$(Q)$(MAKE) --no-print-directory fuzz-run
	$(Q)$(MAKE) --no-print-directory lint
	@echo "make test: all passed ($(BOARD))"

demo: test-deps all
	$(Q)tools/demo $(O)

bench: test-deps all
	$(Q)tools/run-bench $(O)
	$(Q)tools/bench-verify $(O)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(SIGNET) $(DESTDIR)$(PREFIX)/bin/signet

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/signet

clean:
	rm -rf build

help:
	@echo "signet $(shell cat VERSION 2>/dev/null) - smart-card + PIN sign-in"
	@echo
	@echo "  make               build signet for BOARD (default linux-desktop) into build/<board>/"
	@echo "  make test          install test packages if missing, then unit tests, integration"
	@echo "                     tests (real SoftHSM2), the ASan+UBSan run, the fuzz corpus"
	@echo "                     replay and cppcheck"
	@echo "  make demo          create a demo SoftHSM2 token, ask for its PIN, list the"
	@echo "                     certificate, sign and verify a challenge"
	@echo "  make bench         signet's signature time against raw C_Sign; PIN-to-verified time"
	@echo "  make fuzz          run the libFuzzer harnesses (SECONDS=60 each)"
	@echo "  make install       install signet under PREFIX (=$(PREFIX)) and DESTDIR"
	@echo "  make clean         remove build/"
	@echo "  make unit | integration | san | fuzz-run | lint   the parts of make test"
	@echo
	@echo "  BOARD=<name>       boards: $(basename $(notdir $(wildcard boards/*.mk)))"
	@echo "  SAN=1              build with AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "  V=1                show the compiler command lines"

-include $(shell find $(O) -name "*.d" 2>/dev/null)
