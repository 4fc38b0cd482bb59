# signet: top-level build. `make help` lists the targets.
#
# Output goes to build/<board>/ (build/<board>-san/ for the sanitizer build),
# so boards and variants never share object files.

BOARD ?= linux-desktop
# A board is a folder: boards/<name>/board.mk (toolchain, ports, features,
# device paths) and boards/<name>/board.c, whose board_open (boards/board.h)
# sets up the ports the board has, with its paths; every program gets its
# hal from there.
BOARDS := $(patsubst boards/%/board.mk,%,$(wildcard boards/*/board.mk))
BOARD_MK := boards/$(BOARD)/board.mk
ifeq ($(wildcard $(BOARD_MK)),)
$(error unknown BOARD '$(BOARD)'; boards: $(BOARDS))
endif
include $(BOARD_MK)

SAN ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
V ?= 0
# BUILD: where build/<board>/ goes (the build-order check builds elsewhere).
BUILD ?= build

O := $(BUILD)/$(BOARD)$(if $(filter 1,$(SAN)),-san)

# ---- board toolchain and target libraries ------------------------------
# The host board uses the machine's own compiler and libraries. A cross
# board (CROSS set in its board.mk) compiles with $(CROSS)gcc against a
# sysroot that tools/sysroot makes from Debian's ARCH packages, links
# mbedTLS statically from its .a files when MBEDTLS_STATIC=1, and runs its
# programs through $(QEMU) (binfmt_misc is not available).
ifeq ($(CROSS),)
SYS_INCLUDES := -I/usr/include/p11-kit-1
SYS_LDFLAGS :=
MBEDTLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto
TEST_RUNNER ?=
else
TRIPLET := $(patsubst %-,%,$(CROSS))
SYSROOT ?= build/sysroot/$(ARCH)
SYSROOT_LIB := $(SYSROOT)/usr/lib/$(TRIPLET)
SYS_INCLUDES := -I$(SYSROOT)/usr/include -I$(SYSROOT)/usr/include/p11-kit-1 -I$(SYSROOT)/usr/include/PCSC
# -rpath-link: the linker resolves the sysroot libraries' own needs
# (libp11-kit needs libffi) there, not on the host.
SYS_LDFLAGS := -L$(SYSROOT_LIB) -Wl,-rpath-link,$(SYSROOT_LIB)
MBEDTLS_LIBS := $(if $(filter 1,$(MBEDTLS_STATIC)),$(addprefix $(SYSROOT_LIB)/,libmbedtls.a libmbedx509.a libmbedcrypto.a) -lpthread,-lmbedtls -lmbedx509 -lmbedcrypto)
# The target's C library comes with the cross toolchain (/usr/TRIPLET); the
# sysroot's shared libraries (cmocka, pcsc-lite, p11-kit) by LD_LIBRARY_PATH.
TEST_RUNNER := $(QEMU) -L /usr/$(TRIPLET) -E LD_LIBRARY_PATH=$(abspath $(SYSROOT_LIB))
AR := $(CROSS)ar
SYSROOT_STAMP := $(SYSROOT)/.signet-sysroot
endif
# A board with MBEDTLS_CONFIG (its board.mk) links its own mbedTLS, built by
# tools/mbedtls-board from Debian's source package with the board's flags
# and that configuration; signet compiles against the same headers and
# configuration (struct layouts agree).
ifneq ($(MBEDTLS_CONFIG),)
MBEDTLS_DIR := $(BUILD)/mbedtls/$(BOARD)
MBEDTLS_STAMP := $(MBEDTLS_DIR)/.signet-mbedtls
SYS_INCLUDES := -I$(MBEDTLS_DIR)/src/include -DMBEDTLS_CONFIG_FILE='"$(abspath $(MBEDTLS_CONFIG))"' $(SYS_INCLUDES)
MBEDTLS_LIBS := $(MBEDTLS_DIR)/libmbedtls.a
endif
STRIP := $(CROSS)strip
export TEST_RUNNER

CC := $(if $(CROSS),$(CROSS)gcc,$(if $(filter 1,$(SAN)),clang,cc))
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 $(WARN) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
# One folder per concern inside auth/ and firmware/ (README of each).
# Each layer is compiled with the include path of what it may use
# (DESIGN.md), so a wrong include does not compile (make lint tries one):
# auth/ sees hal/ and itself; sip/ also auth/; a port hal/ and the ports;
# a board hal/, boards/ and its ports; firmware, tests and tools everything.
AUTH_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard auth/*/*.h))))
FW_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard firmware/*/*.h))))
CORE_INC := -Ihal $(addprefix -I,$(AUTH_DIRS))
SIP_INC := $(CORE_INC) -Isip
PORT_INC := -Ihal -Iports/$(PORT) $(if $(PORT_OVERLAY),-Iports/$(PORT_OVERLAY)) -Iports/embedded \
	-Iports/test
BOARD_INC := -Ihal -Iboards -Iports/$(PORT) $(if $(PORT_OVERLAY),-Iports/$(PORT_OVERLAY))
ALL_INC := -I. $(SIP_INC) $(addprefix -I,$(FW_DIRS)) -Iboards -Iports/$(PORT) \
	$(if $(PORT_OVERLAY),-Iports/$(PORT_OVERLAY)) -Iports/test -Itests/doubles
LAYER_INC = $(ALL_INC)
# Device paths from board.mk reach the board's board.c only (LAYER_DEFS).
BOARD_DEFS := $(if $(INPUT_DEVICE),-DBOARD_INPUT_DEVICE='"$(INPUT_DEVICE)"') \
	$(if $(LCD_DEVICE),-DBOARD_LCD_DEVICE='"$(LCD_DEVICE)"') -DBOARD_DISPLAY='"$(DISPLAY)"'
LAYER_DEFS =
CPPFLAGS += $(LAYER_INC) $(LAYER_DEFS) $(SYS_INCLUDES) \
	-DSIGNET_BOARD='"$(BOARD)"' \
	-DSIGNET_DEFAULT_P11_MODULE='"$(DEFAULT_P11_MODULE)"' \
	-DSIGNET_DEFAULT_CONFIG='"$(DEFAULT_CONFIG)"' \
	-DSIGNET_VERSION='"$(shell cat VERSION 2>/dev/null || echo 0.1.0)"' \
	$(BOARD_CFLAGS)
LDFLAGS += $(BOARD_LDFLAGS) $(SYS_LDFLAGS)
# The resolver (hal_dns) on c-ares (in every board's sysroot): FEATURE_DNS=0
# links ports/linux/off/linux_dns_off.c instead: no SRV/NAPTR, A/AAAA
# through hal_net.
FEATURE_DNS ?= 1
# RFC 5626 with two flows ([sip] flows = 2): FEATURE_FLOWS=0 (a board whose
# heap budget has no room for a second TLS connection) builds one flow only
# and refuses flows = 2 with a configuration error.
FEATURE_FLOWS ?= 1
CPPFLAGS += -DSIGNET_SIP_FLOWS=$(if $(filter 0,$(FEATURE_FLOWS)),1,2)
# TLS session resumption ([sip] tls_resume): FEATURE_TLS_RESUME=0 (a board
# whose mbedTLS keeps a 32-bit time_t in mbedtls_ssl_session) leaves
# sip/sip_tls_resume.c out (sip_tls_resume.h's stubs compile resumption out
# of sip_tls.c): every connection a full handshake, and tls_resume > 0
# draws a warning naming the board.
FEATURE_TLS_RESUME ?= 1
CPPFLAGS += -DSIGNET_TLS_RESUME=$(if $(filter 0,$(FEATURE_TLS_RESUME)),0,1)
# PCSC_DLOPEN=1 (board.mk): libpcsclite is dlopen'd on the first card
# operation (ports/linux/linux_card.c), not linked: commands and the PAM
# module that use no reader start without it.
# CARES_DLOPEN=1 likewise for c-ares (ports/linux/linux_cares.h): loaded on
# the first DNS query.
PCSC_DLOPEN ?= 0
CARES_DLOPEN ?= 0
CPPFLAGS += $(if $(filter 1,$(FEATURE_PCSC)),$(if $(filter 1,$(PCSC_DLOPEN)),-DLINUX_PCSC_DLOPEN)) \
	$(if $(filter 1,$(FEATURE_DNS)),$(if $(filter 1,$(CARES_DLOPEN)),-DLINUX_CARES_DLOPEN))
LDLIBS := $(MBEDTLS_LIBS) $(if $(filter 1,$(FEATURE_DNS)),$(if $(filter 1,$(CARES_DLOPEN)),-ldl,-lcares)) \
	$(if $(filter 1,$(FEATURE_PCSC)),$(if $(filter 1,$(PCSC_DLOPEN)),-ldl,-lpcsclite)) \
	$(if $(filter 1,$(FEATURE_P11)),-ldl)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(SAN),1)
CFLAGS := -O1 -g -std=c11 $(WARN) -fPIC $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
endif
ifeq ($(CROSS),)
CPPFLAGS += $(PCSC_CFLAGS)
endif

ifeq ($(V),0)
Q := @
else
Q :=
endif

# A board without PKCS#11 module loading (FEATURE_P11=0) carries no
# PKCS#11 client: auth/token/off/token_p11_off.c answers in its place.
P11_CLIENT_SRC := auth/token/token_p11.c auth/token/token_p11_admin.c
CORE_SRC := $(sort $(if $(filter 0,$(FEATURE_P11)),\
	$(filter-out $(P11_CLIENT_SRC),$(wildcard auth/*/*.c)) auth/token/off/token_p11_off.c,\
	$(wildcard auth/*/*.c)) $(if $(filter 0,$(FEATURE_TLS_RESUME)),\
	$(filter-out sip/sip_tls_resume.c,$(wildcard sip/*.c)),\
	$(wildcard sip/*.c)))
# A device a board leaves out (FEATURE_PCSC=0: card, FEATURE_P11=0: p11,
# FEATURE_DNS=0: dns)
# comes from ports/<port>/off/<port>_<dev>_off.c, which leaves it unset
# (<port>_<dev>.c and its helpers <port>_<dev>_*.c are left out).
PORT_OFF := $(if $(filter 0,$(FEATURE_PCSC)),card) $(if $(filter 0,$(FEATURE_P11)),p11) \
	$(if $(filter 0,$(FEATURE_DNS)),dns)
PORT_SRC := $(sort $(filter-out $(foreach d,$(PORT_OFF),ports/$(PORT)/$(PORT)_$(d).c ports/$(PORT)/$(PORT)_$(d)_%.c),\
	$(wildcard ports/$(PORT)/*.c)) $(foreach d,$(PORT_OFF),ports/$(PORT)/off/$(PORT)_$(d)_off.c))
# The board's entry (boards/board.h): its board.c and what the boards on
# its port share (boards/board_<port>.c).
BOARD_SRC := boards/$(BOARD)/board.c $(wildcard boards/board_$(PORT).c)
# The embedded overlay is built on every board: its unit test runs everywhere.
EMB_SRC := $(sort $(wildcard ports/embedded/*.c))
# The test port (behind hal/) and the doubles that stand in for firmware pieces.
TESTPORT_SRC := $(sort $(wildcard ports/test/*.c tests/doubles/*.c))
# firmware/pam/pam_signet.c needs libpam: it goes into pam_signet.so only (see the end).
# EST over CoAP (enrolment and renewal, the device state resource: COAP_SRC)
# links libcoap's GnuTLS variant (doc/enrolment.md). A board without it in
# its sysroot sets FEATURE_COAP=0: COAP_SRC is left out and
# firmware/coap/off/est_off.c says so at run time.
# The part that links libcoap and GnuTLS (PLUGIN_SRC) is a plugin,
# signet-coap.so, that signet loads only when it is used (est_plugin.h):
# other commands start without those libraries.
FEATURE_COAP ?= $(if $(CROSS),0,1)
PLUGIN_SRC := firmware/coap/est_coap.c firmware/coap/est_coap_msg.c firmware/coap/est_state.c \
	firmware/coap/est_tlskey.c firmware/coap/est_plugin_api.c
COAP_SRC := $(PLUGIN_SRC) firmware/coap/est_plugin.c firmware/coap/est.c \
	firmware/cli/cmd_enroll.c
FW_SRC := $(sort $(filter-out firmware/pam/pam_signet.c $(PLUGIN_SRC) \
	$(if $(filter 0,$(FEATURE_COAP)),$(COAP_SRC)),$(wildcard firmware/*/*.c)) \
	$(if $(filter 0,$(FEATURE_COAP)),firmware/coap/off/est_off.c) \
	$(if $(filter 1,$(MBEDTLS_STATIC)),$(if $(MBEDTLS_CONFIG),,firmware/static/mbedtls_trim.c) firmware/static/mbedtls_strerror.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRC := $(sort $(wildcard tests/integration/test_*.c))
# tools/bench-tls-openssl.c links OpenSSL: built for `make bench` only.
TOOL_SRC := $(sort $(filter-out tools/bench-tls-openssl.c,$(wildcard tools/*.c)))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

CORE_LIB := $(O)/libsignet-core.a
PORT_LIB := $(O)/libsignet-port.a
TESTPORT_LIB := $(O)/libsignet-testport.a
EMB_LIB := $(O)/libsignet-embedded.a
# What a program links to get its hal from board_open: the board's entry,
# the overlay its board.c puts over the port (PORT_OVERLAY), the port.
BOARD_LIBS := $(call obj,$(BOARD_SRC)) $(if $(PORT_OVERLAY),$(O)/libsignet-$(PORT_OVERLAY).a) \
	$(PORT_LIB)
SIGNET := $(O)/signet
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRC))
INTEG_BINS := $(patsubst tests/integration/%.c,$(O)/tests/integration/%,$(INTEG_SRC))
TOOL_BINS := $(patsubst tools/%.c,$(O)/tools/%,$(TOOL_SRC))

.PHONY: all deps test-deps test unit integration integration-deps check san fuzz fuzz-run lint demo bench build-check \
	install uninstall clean help size board-size board-test abi-check
.DEFAULT_GOAL := all
.SECONDARY:

all: deps $(SIGNET) $(TOOL_BINS)

# ---- packages first: $(O)/deps.mk ------------------------------------------
# Everything the build learns from installed packages (pkg-config flags,
# library paths, the target's multiarch name) is in $(O)/deps.mk, which
# tools/deps-mk writes after tools/deps has installed the packages. Make
# remakes an included makefile before it builds anything and then reads the
# Makefile again, so by construction no flag is computed and no object is
# compiled before the install, in any target and with any -j. It is remade
# when packages change (dpkg's status file), when a goal needs a group of
# packages it was not made with (test adds the test group), and when the
# files that make it change. Goals that build nothing (help, clean) skip it.
# DEPS_TOOL replaces tools/deps (the build-order check uses it).
NODEPS_GOALS := help clean
BUILD_GOALS := all deps abi-check install uninstall install-pam uninstall-pam install-coap uninstall-coap
DEPS_TOOL ?= tools/deps
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS_MK := $(O)/deps.mk
DEPS_GROUPS := build $(if $(CROSS),cross) \
	$(if $(or $(filter 1,$(SAN)),$(filter-out $(BUILD_GOALS),$(or $(MAKECMDGOALS),all))),test)
include $(DEPS_MK)
DEPS_STALE := $(filter-out $(DEPS_GROUPS_DONE),$(DEPS_GROUPS))
$(DEPS_MK): tools/deps tools/deps-mk Makefile $(BOARD_MK) $(wildcard /var/lib/dpkg/status) \
		$(SYSROOT_STAMP) $(if $(DEPS_STALE),deps-force)
	@mkdir -p $(dir $@)
	$(Q)CC='$(CC)' CROSS='$(CROSS)' ARCH='$(ARCH)' FEATURE_COAP='$(FEATURE_COAP)' \
		FEATURE_PAM='$(FEATURE_PAM)' FEATURE_PCSC='$(FEATURE_PCSC)' SAN='$(SAN)' \
		DEPS_TOOL='$(DEPS_TOOL)' tools/deps-mk $@ $(DEPS_GROUPS)
.PHONY: deps-force
deps-force: ;
endif

deps:
ifneq ($(CROSS),)
	$(Q)$(MAKE) --no-print-directory abi-check

# Every object needs the target's headers: the sysroot comes first (made
# again when tools/sysroot's package list changes).
$(SYSROOT_STAMP): tools/sysroot
	$(Q)$(DEPS_TOOL) build cross
	$(Q)tools/sysroot $(ARCH) $(SYSROOT)
	$(Q)touch $@
endif

ifneq ($(MBEDTLS_CONFIG),)
# The board's own mbedTLS (tools/mbedtls-board: fetched once, then built
# again when the configuration, the flags or the tool change).
$(MBEDTLS_STAMP): tools/mbedtls-board $(MBEDTLS_CONFIG) | $(SYSROOT_STAMP)
	$(Q)tools/mbedtls-board $(MBEDTLS_CONFIG) $(MBEDTLS_DIR) $(CC) $(BOARD_CFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2
	$(Q)touch $@
$(SIGNET): $(MBEDTLS_STAMP)
endif

# The test packages come with $(O)/deps.mk (above); kept as a target of its own.
test-deps:
	$(Q)$(DEPS_TOOL) test

$(O)/obj/auth/%.o: LAYER_INC = $(CORE_INC)
$(O)/obj/sip/%.o: LAYER_INC = $(SIP_INC)
$(O)/obj/ports/%.o: LAYER_INC = $(PORT_INC)
$(O)/obj/boards/%.o: LAYER_INC = $(BOARD_INC)
$(O)/obj/boards/%.o: LAYER_DEFS = $(BOARD_DEFS)
$(O)/obj/%.o: %.c $(BOARD_MK) | $(SYSROOT_STAMP) $(MBEDTLS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(call obj,$(CORE_SRC))
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(PORT_LIB): $(call obj,$(PORT_SRC))
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(TESTPORT_LIB): $(call obj,$(TESTPORT_SRC))
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(EMB_LIB): $(call obj,$(EMB_SRC))
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(SIGNET): $(call obj,$(FW_SRC)) $(BOARD_LIBS) $(CORE_LIB)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(call obj,$(FW_SRC)) $(BOARD_LIBS) $(CORE_LIB) $(LDLIBS)

$(O)/tools/%: $(O)/obj/tools/%.o $(BOARD_LIBS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BOARD_LIBS) $(CORE_LIB) $(LDLIBS)

# The in-process OpenSSL floor of bench-signin's TLS step (libssl-dev:
# tools/deps test).
$(O)/tools/bench-tls-openssl: tools/bench-tls-openssl.c
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  CC/LD   $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< -lssl -lcrypto

# The bench floor (tools/bench-floor.c): plain PKCS#11 through dlopen, linked
# with libdl alone so that its start carries nothing signet's does not.
$(O)/tools/bench-floor: $(O)/obj/tools/bench-floor.o
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -ldl

# Firmware objects other than the CLI's main() are linked into tests too,
# from an archive, so that a test gets only the firmware it calls; the tests
# link the CoAP part itself rather than its plugin loader.
FW_LIB_OBJS := $(call obj,$(filter-out firmware/cli/main.c $(if $(filter 1,$(FEATURE_COAP)),\
	firmware/coap/est_plugin.c),$(FW_SRC)) $(if $(filter 1,$(FEATURE_COAP)),$(PLUGIN_SRC)))
FW_LIB := $(O)/libsignet-fw.a
$(FW_LIB): $(FW_LIB_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Every test program also links tests/case_filter.c (make check's CASE).
CASE_OBJ := $(O)/obj/tests/case_filter.o

# test_pd_users is signet-provisiond's user table: tools/provisiond/pd_users.c (and the
# file helpers it writes through, pd_files.c).
$(O)/tests/unit/test_pd_users: $(O)/obj/tests/unit/test_pd_users.o \
		$(O)/obj/tools/provisiond/pd_users.o $(O)/obj/tools/provisiond/pd_files.o $(CASE_OBJ) \
		$(CORE_LIB)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# A unit test links the archives (each member only if the test calls into
# it: the board's entry too, which test_port_embedded runs as signet does,
# and the overlay on every board) and LDLIBS; the few that need more
# libraries name them in UNIT_LIBS_<test>.
# test_p11uri: a differential check against p11-kit's URI parser.
UNIT_LIBS_test_p11uri := -lp11-kit
BOARD_LIB := $(O)/libsignet-board.a
$(BOARD_LIB): $(call obj,$(BOARD_SRC))
	$(Q)rm -f $@ && $(AR) rcs $@ $^
TEST_LIBS := $(CASE_OBJ) $(FW_LIB) $(TESTPORT_LIB) $(BOARD_LIB) $(EMB_LIB) $(PORT_LIB) $(CORE_LIB)
$(O)/tests/unit/%: $(O)/obj/tests/unit/%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(TEST_LIBS) $(LDLIBS) $(UNIT_LIBS_$*) -lcmocka

ITEST_OBJ := $(O)/obj/tests/integration/itest.o
$(O)/tests/integration/%: $(O)/obj/tests/integration/%.o $(ITEST_OBJ) $(TEST_LIBS)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ITEST_OBJ) $(TEST_LIBS) \
		$(CORE_LIB) $(LDLIBS) $(COAP_LIBS) -lcmocka

# signet-provisiond: the reference EST-coaps provisioning service (tools/
# provisiond/, host boards only), on the same libcoap variant as signet.
ifeq ($(FEATURE_COAP),1)
PD_SRC := $(sort $(wildcard tools/provisiond/*.c))
PROVISIOND := $(O)/signet-provisiond
# It reads its PIN with signet's one secret reader (firmware/signin/secret_fd.c)
# and exits with signet's exit codes (firmware/cli/cli_err.c).
PD_OBJS := $(call obj,$(PD_SRC) firmware/signin/secret_fd.c firmware/cli/cli_err.c)
$(PROVISIOND): $(PD_OBJS) $(CORE_LIB)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(PD_OBJS) $(CORE_LIB) \
		$(LDLIBS) $(COAP_LIBS)
all: $(PROVISIOND)
integration-deps: $(PROVISIOND)

# signet-coap.so (est_plugin.h): only signet_coap_api is exported; the
# core it carries stays local to it.
COAP_PLUGIN := $(O)/signet-coap.so
$(COAP_PLUGIN): $(call obj,$(PLUGIN_SRC)) $(O)/obj/firmware/cli/json.o $(CORE_LIB) firmware/coap/est_plugin.map
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,--version-script=firmware/coap/est_plugin.map -Wl,-z,relro,-z,now \
		-o $@ $(call obj,$(PLUGIN_SRC)) $(O)/obj/firmware/cli/json.o $(CORE_LIB) $(LDLIBS) $(COAP_LIBS)
all: $(COAP_PLUGIN)
integration-deps: $(COAP_PLUGIN)
unit: $(COAP_PLUGIN)
install: install-coap
uninstall: uninstall-coap
.PHONY: install-coap uninstall-coap
install-coap: $(COAP_PLUGIN)
	install -d $(DESTDIR)$(PREFIX)/lib/signet
	install -m 0644 $(COAP_PLUGIN) $(DESTDIR)$(PREFIX)/lib/signet/signet-coap.so
uninstall-coap:
	rm -f $(DESTDIR)$(PREFIX)/lib/signet/signet-coap.so
endif

# ---- tests ---------------------------------------------------------------

unit: test-deps $(UNIT_BINS)
	$(Q)tests/run-tests unit $(O) $(UNIT_BINS)

# What integration tests run besides themselves (the PAM module, the CoAP
# plugin and signet-provisiond add themselves where they are built).
integration-deps: $(SIGNET) $(TOOL_BINS)

integration: test-deps integration-deps $(INTEG_BINS)
	$(Q)tests/run-tests integration $(O) $(INTEG_BINS)

# ---- one test: make check T=<test> [CASE=<pattern>] -----------------------
# T: test programs by name (test_pin), unit or integration; a name that is
# both (test_json) runs both, unit/test_json or integration/test_json one.
# They are built and run through tests/run-tests as in make test (same
# scratch directory and SIGNET_* variables; SAN=1 and BOARD= work as
# there). CASE: only the cases whose names match (cmocka's filter, `*` and
# `?`; tests/case_filter.c); run-tests fails when no case matches. On an
# emulated board, integration tests are its BOARD_ITESTS (see board-test).
unexport SIGNET_TEST_CASE
ifneq ($(filter check,$(MAKECMDGOALS)),)
CHECK_SRC := $(sort $(foreach t,$(T),$(filter %/$(patsubst tests/%,%,$(basename $(t))).c,\
	$(UNIT_SRC) $(INTEG_SRC))))
ifeq ($(CHECK_SRC),)
$(error make check T=<test> [CASE=<pattern>]: $(if $(T),no test named '$(T)'; t,T)ests: \
	$(sort $(notdir $(basename $(UNIT_SRC) $(INTEG_SRC)))))
endif
CHECK_UNIT := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(filter tests/unit/%,$(CHECK_SRC)))
CHECK_INTEG_NAMES := $(patsubst tests/integration/%.c,%,$(filter tests/integration/%,$(CHECK_SRC)))
ifneq ($(CROSS),)
ifneq ($(filter-out $(BOARD_ITESTS),$(CHECK_INTEG_NAMES)),)
$(error make check: on $(BOARD), integration tests are its BOARD_ITESTS ($(BOARD_ITESTS)), \
	not $(filter-out $(BOARD_ITESTS),$(CHECK_INTEG_NAMES)))
endif
endif
endif
CHECK_ENV = SIGNET_TEST_CASE='$(CASE)'

ifeq ($(CROSS),)
CHECK_INTEG := $(addprefix $(O)/tests/integration/,$(CHECK_INTEG_NAMES))
check: test-deps $(CHECK_UNIT) $(if $(CHECK_INTEG),integration-deps $(CHECK_INTEG))
	$(Q)$(if $(CHECK_UNIT),$(CHECK_ENV) tests/run-tests unit $(O) $(CHECK_UNIT))
	$(Q)$(if $(CHECK_INTEG),$(CHECK_ENV) tests/run-tests integration $(O) $(CHECK_INTEG))
else
# Target programs under $(QEMU); integration tests are host programs driving
# this board's signet (as in board-test).
CHECK_INTEG = $(addprefix $(HOST_O)/tests/integration/,$(CHECK_INTEG_NAMES))
check: test-deps $(CHECK_UNIT) $(if $(CHECK_INTEG),all $(O)/signet-run)
	$(Q)$(if $(CHECK_UNIT),$(BOARD_TMP) $(CHECK_ENV) tests/run-tests unit $(O) $(CHECK_UNIT))
ifneq ($(CHECK_INTEG),)
	$(Q)$(MAKE) --no-print-directory BOARD=linux-desktop TEST_RUNNER= $(CHECK_INTEG)
	$(Q)$(BOARD_TMP) $(CHECK_ENV) TEST_RUNNER= SIGNET_TARGET_BIN=$(abspath $(O)/signet-run) \
		SIGNET_TARGET_FLOWS=$(if $(filter 0,$(FEATURE_FLOWS)),1,2) \
		tests/run-tests integration $(HOST_O) $(CHECK_INTEG)
endif
endif

san:
	$(Q)$(MAKE) --no-print-directory SAN=1 unit integration

fuzz-run: test-deps
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk run-corpus

fuzz: test-deps
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk fuzz SECONDS=$(or $(SECONDS),60)

# The link check's own test (tests/build/doclinks: broken links must fail it),
# then the checks.
lint: test-deps
	$(Q)tests/build/doclinks >/dev/null
	$(Q)tools/lint

# The build's own order: packages before any flag or object (tests/build/).
build-check:
	$(Q)tests/build/deps-first

ifeq ($(CROSS),)
test: test-deps all
	$(Q)$(MAKE) --no-print-directory build-check
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory san
	$(Q)$(MAKE) --no-print-directory fuzz-run
	$(Q)$(MAKE) --no-print-directory lint
	@# The emulated boards, last and one by one, so that a failure names its board.
	$(Q)for b in $(EMU_BOARDS); do \
		echo "==== board $$b: unit tests and BOARD_ITESTS under qemu"; t0=$$(date +%s); \
		$(MAKE) --no-print-directory BOARD=$$b board-test || \
			{ echo "make test: board $$b FAILED (rerun: make BOARD=$$b test)"; exit 1; }; \
		echo "==== board $$b: passed in $$(($$(date +%s) - t0)) s"; \
	done
	@echo "make test: all passed ($(BOARD) and $(EMU_BOARDS))"
else
test: board-test
endif

# ---- boards under emulation ----------------------------------------------
# `make BOARD=<arm board>` builds the unit tests too (they run under qemu).
ifneq ($(CROSS),)
all: $(UNIT_BINS)
endif
# Boards with a cross toolchain (CROSS in their board.mk).
EMU_BOARDS := $(patsubst boards/%/board.mk,%,$(shell grep -l '^CROSS[[:space:]]*:=[[:space:]]*[^[:space:]]' \
	boards/*/board.mk))
HOST_O := build/linux-desktop
BOARD_ITEST_BINS := $(addprefix $(HOST_O)/tests/integration/,$(BOARD_ITESTS))
# Files of a board's tests (TEST_TMPDIR: tmpfs for armhf, see its board file).
BOARD_TMP = $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR))

# The unit tests are target programs: run-tests runs each through
# $(TEST_RUNNER). BOARD_ITESTS are host programs (built by the host board)
# that drive this board's signet through $(O)/signet-run, a wrapper that
# starts it under qemu; so they test the target binary against the host's
# servers (openssl ocsp, Kamailio, ...).
board-test: test-deps all $(UNIT_BINS) $(if $(CROSS),$(O)/signet-run)
ifeq ($(CROSS),)
	$(error board-test is for emulated boards ($(EMU_BOARDS)); the host runs `make test`)
endif
	$(Q)$(BOARD_TMP) tests/run-tests unit $(O) $(UNIT_BINS)
ifneq ($(BOARD_ITESTS),)
	$(Q)$(MAKE) --no-print-directory BOARD=linux-desktop TEST_RUNNER= $(BOARD_ITEST_BINS)
	$(Q)$(BOARD_TMP) TEST_RUNNER= SIGNET_TARGET_BIN=$(abspath $(O)/signet-run) \
		SIGNET_TARGET_FLOWS=$(if $(filter 0,$(FEATURE_FLOWS)),1,2) \
		tests/run-tests integration $(HOST_O) $(BOARD_ITEST_BINS)
endif
	@echo "board-test: $(BOARD) passed under $(QEMU)"

$(O)/signet-run: $(SIGNET)
	$(Q)printf '#!/bin/sh\n# Runs $(BOARD)'"'"'s signet under $(QEMU) (made by the Makefile).\nexec %s %s "$$@"\n' \
		'$(TEST_RUNNER)' '$(abspath $(SIGNET))' >$@ && chmod +x $@

# ---- footprint (make size) ------------------------------------------------
# Per board: the stripped size of signet and what auth/, sip/, firmware/,
# ports/ and mbedTLS put into it (from the link's map file), then the peak
# heap of a sign-in measured by a build of signet that brings its own malloc,
# calloc, realloc and free (tests/heap/heap_count.c: they count what the
# executable's code allocates). That build links
# mbedTLS statically on every board so that mbedTLS's allocations are
# counted too (Debian's mbedTLS has no memory hook: PLATFORM_MEMORY is off).
SIZE_BOARDS := linux-desktop $(EMU_BOARDS)
SIGNET_OBJS = $(call obj,$(FW_SRC)) $(BOARD_LIBS) $(CORE_LIB)
# HOST_MBEDTLS_A: from $(O)/deps.mk.
HEAP_MBEDTLS := $(if $(CROSS),$(if $(filter 1,$(MBEDTLS_STATIC)),$(MBEDTLS_LIBS),$(addprefix $(SYSROOT_LIB)/,libmbedtls.a libmbedx509.a libmbedcrypto.a) -lpthread),$(HOST_MBEDTLS_A))

size:
	$(Q)for b in $(SIZE_BOARDS); do \
		$(MAKE) --no-print-directory BOARD=$$b board-size || \
			{ echo "make size: board $$b FAILED"; exit 1; }; \
	done

$(O)/size/signet.map: $(SIGNET)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $(O)/size/signet $(SIGNET_OBJS) $(LDLIBS) $(COAP_LIBS) -Wl,-Map=$@

$(O)/size/signet-heap: $(call obj,$(FW_SRC)) $(O)/obj/tests/heap/heap_count.o $(BOARD_LIBS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(call obj,$(FW_SRC)) $(O)/obj/tests/heap/heap_count.o \
		$(BOARD_LIBS) $(CORE_LIB) $(HEAP_MBEDTLS) \
		$(filter-out -lmbedtls -lmbedx509 -lmbedcrypto %.a,$(LDLIBS)) $(COAP_LIBS)

board-size: deps $(SIGNET) $(O)/size/signet.map $(O)/size/signet-heap $(O)/tools/vcard-mkcard
	$(Q)tools/size-report $(BOARD) $(SIGNET) $(O)/size/signet.map $(STRIP)
	$(Q)$(BOARD_TMP) tools/heap-signin $(BOARD) $(O) $(TEST_RUNNER)

empty :=
space := $(empty) $(empty)
# Debian's armhf mbedTLS and c-ares have a 32-bit time_t; a board built with
# -D_TIME_BITS=64 must not pass a time_t (or a struct holding one) to them.
abi-check:
	$(Q)if [ -n "$(strip $(BOARD_ABI_FORBID))" ] && grep -rnwE '$(subst $(space),|,$(strip $(BOARD_ABI_FORBID)))' auth sip firmware ports \
		--include='*.c' --include='*.h' $(if $(filter 0,$(FEATURE_TLS_RESUME)),--exclude=sip_tls_resume.c); then \
		echo "abi-check: $(BOARD): the lines above use mbedTLS or c-ares interfaces where a time_t" >&2; \
		echo "  crosses into Debian's $(ARCH) libraries (32-bit time_t, ours 64-bit): see $(BOARD_MK)" >&2; \
		exit 1; fi

demo: test-deps all
	$(Q)tools/demo $(O)

bench: test-deps all $(O)/tools/bench-tls-openssl
	$(Q)tools/run-bench $(O)
	$(Q)tools/bench-verify $(O)
	$(Q)tools/bench-signin $(O)
	$(Q)tools/bench-rtt $(O)
	$(Q)tools/bench-renew $(O)
	$(Q)tools/bench-failover $(O)

# `make install` (DESTDIR works unprivileged): the binary, the example
# configuration, the systemd unit for `signet run` (@PREFIX@ filled in) and
# the man page; the PAM module comes with install-pam below.
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
MANDIR ?= $(PREFIX)/share/man

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/signet \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(SIGNET) $(DESTDIR)$(PREFIX)/bin/signet
	install -m 0644 etc/signet.conf.example $(DESTDIR)$(SYSCONFDIR)/signet/signet.conf.example
	sed 's|@PREFIX@|$(PREFIX)|g' etc/signet.service >$(DESTDIR)$(SYSTEMDUNITDIR)/signet.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/signet.service
	install -m 0644 doc/signet.1 $(DESTDIR)$(MANDIR)/man1/signet.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/signet $(DESTDIR)$(SYSCONFDIR)/signet/signet.conf.example \
		$(DESTDIR)$(SYSTEMDUNITDIR)/signet.service $(DESTDIR)$(MANDIR)/man1/signet.1

clean:
	rm -rf build

help:
	@echo "signet $(shell cat VERSION 2>/dev/null) - smart-card + PIN sign-in"
	@echo
	@echo "  make               build signet for BOARD (default linux-desktop) into build/<board>/"
	@echo "  make test          install test packages if missing, then unit tests, integration"
	@echo "                     tests (real SoftHSM2, Kamailio, pcscd; signet run's phone screen"
	@echo "                     through tmux; make install into a scratch DESTDIR), the"
	@echo "                     ASan+UBSan run, the fuzz corpus replay and cppcheck"
	@echo "  make demo          the virtual smart card (created on first run): list its"
	@echo "                     certificate, PIN, sign and verify a challenge, then the full"
	@echo "                     sign-in (mutual TLS + REGISTER) to a local Kamailio, then the"
	@echo "                     registrar found through its own dnsmasq (DEMO_DNS=0: not)"
	@echo "  make bench         signet's signature time against raw C_Sign; PIN-to-verified time;"
	@echo "                     signet sign --verify and pam_signet against a bare PKCS#11 floor;"
	@echo "                     the virtual card, PAM, verify, sign-in, EST renewal and registrar"
	@echo "                     failover (two Kamailio nodes, dnsmasq), each"
	@echo "                     against a reference measured in the same run; round trips to"
	@echo "                     the registrar (first sign-in, reconnect, refresh; OpenSSL TLS"
	@echo "                     1.3 and 1.2 beside) through a delaying proxy (tools/rtt-proxy)"
	@echo "  make fuzz          run the libFuzzer harnesses (SECONDS=60 each), then a table per harness"
	@echo "  make install       signet in PREFIX/bin (PREFIX=$(PREFIX)), pam_signet.so in PAMDIR,"
	@echo "                     SYSCONFDIR/signet/signet.conf.example, the systemd unit for"
	@echo "                     'signet run' in SYSTEMDUNITDIR, the man page in MANDIR/man1;"
	@echo "                     DESTDIR=DIR installs under DIR (no root needed); make uninstall"
	@echo "  make clean         remove build/"
	@echo "  make build-check | unit | integration | san | fuzz-run | lint   the parts of make test"
	@echo "  make check T=<test> [CASE=<pattern>]   one test program (unit or integration, e.g."
	@echo "                     T=test_pin), run as make test runs it; CASE: only its cases whose"
	@echo "                     names match (cmocka's * and ?); with SAN=1 or BOARD=<arm board> too"
	@echo "  make size          per board: stripped signet, the core by folder, peak heap of a sign-in"
	@echo "  make BOARD=<arm board> [test]   cross build (tools/deps cross, tools/sysroot;"
	@echo "                     tools/mbedtls-board for a board with MBEDTLS_CONFIG: its own mbedTLS"
	@echo "                     from Debian's source package); test: unit tests and BOARD_ITESTS under qemu"
	@echo
	@echo "  BOARD=<name>       boards: $(BOARDS)"
	@echo "                     (boards/<name>/board.mk: toolchain, ports, features, device"
	@echo "                     paths; boards/<name>/board.c: board_open, which ports and paths)"
	@echo "  SAN=1              build with AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "  V=1                show the compiler command lines"
	@echo
	@echo "  The manual: README.md, then doc/*.md; man ./doc/signet.1 for the commands."

-include $(shell find $(O) -name "*.d" 2>/dev/null)

# ==== pam_signet.so: the desktop sign-in PAM module (issue 6, item 3) ========
# The PAM glue (firmware/pam/pam_signet.c, kept out of FW_SRC above because it
# needs libpam) + the firmware objects it uses + the board's entry
# (board_open), the port and the core (all compiled -fPIC), as
# build/<board>/pam_signet.so. Only pam_sm_* are
# exported (firmware/pam/pam_signet.map): the core stays local to the module.
# `make install` puts it in the system's PAM module directory (PAMDIR: from
# pam.pc, else the Debian multiarch directory), under DESTDIR. A board
# without PAM (a cross board without libpam in its sysroot) sets FEATURE_PAM=0.
FEATURE_PAM ?= $(if $(CROSS),0,1)
ifeq ($(FEATURE_PAM),1)
PAM_SO := $(O)/pam_signet.so
PAM_OBJS := $(call obj,firmware/pam/pam_signet.c firmware/pam/pamflow.c firmware/pam/usermap.c \
	firmware/signin/config.c firmware/signin/trust.c)
# PAM_LIBDIR: from $(O)/deps.mk (pam.pc's libdir).
PAMDIR ?= $(PAM_LIBDIR)/security
# -z defs: every symbol resolved at link time, not at the first sign-in.
# The sanitizer build links the shared sanitizer runtime, found by rpath
# (the test preloads it into pamtester, which is not instrumented).
PAM_LDFLAGS := -shared -Wl,--version-script=firmware/pam/pam_signet.map -Wl,-z,defs \
	-Wl,-z,relro,-z,now
ifeq ($(SAN),1)
PAM_LDFLAGS += -shared-libsan -Wl,-rpath,$(SAN_RT_DIR)
endif

$(PAM_SO): $(PAM_OBJS) $(BOARD_LIBS) $(CORE_LIB) firmware/pam/pam_signet.map
	@$(if $(filter 0,$(V)),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(PAM_LDFLAGS) -o $@ $(PAM_OBJS) $(BOARD_LIBS) $(CORE_LIB) $(LDLIBS) -lpam

all: $(PAM_SO)
integration-deps: $(PAM_SO)
install: install-pam
uninstall: uninstall-pam
.PHONY: install-pam uninstall-pam

install-pam: $(PAM_SO)
	install -d $(DESTDIR)$(PAMDIR)
	install -m 0644 $(PAM_SO) $(DESTDIR)$(PAMDIR)/pam_signet.so

uninstall-pam:
	rm -f $(DESTDIR)$(PAMDIR)/pam_signet.so
endif
# ==== end of pam_signet.so ===================================================
