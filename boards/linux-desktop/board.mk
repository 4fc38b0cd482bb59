# Board: a Linux desktop or laptop (the host). Port: ports/linux, set up by
# board.c (board_open, boards/board.h).
BOARD_DESC       := Linux desktop (host build): terminal keypad/display, pcsc-lite, dlopen'd PKCS#11
CROSS            :=
# Debian architecture of the target ("" = the host's own; else a sysroot
# is made in build/sysroot/<ARCH>/ by tools/sysroot).
ARCH             :=
# Runs a target program on this machine ("" = natively).
QEMU             :=
PORT             := linux
# A port layered over PORT for the keypad and display ("" = none; see
# ports/embedded/port_embedded.h): built and linked with the board's
# programs; board.c attaches it.
PORT_OVERLAY     :=
BOARD_CFLAGS     :=
BOARD_LDFLAGS    :=
# Features (1 = built in).
FEATURE_P11      := 1
FEATURE_PCSC     := 1
FEATURE_VCARD    := 1
# 1: libpcsclite loaded on the first card operation instead of at start.
PCSC_DLOPEN      := 1
# 1: c-ares loaded on the first DNS query instead of at start.
CARES_DLOPEN     := 1
# 1: mbedTLS linked statically from the .a files (else the shared libraries).
MBEDTLS_STATIC   := 0
# Display: "terminal" or "chars:COLSxROWS" (a character display); with
# INPUT_DEVICE and LCD_DEVICE, the device paths a board.c gets as
# BOARD_DISPLAY, BOARD_INPUT_DEVICE, BOARD_LCD_DEVICE (see armhf-deskphone).
DISPLAY          := terminal
# Where a board's tests keep their files ("" = $TMPDIR or /tmp).
TEST_TMPDIR      :=
# Integration tests (host programs) that drive this board's signet through
# $(QEMU): none here, the host runs all of them in `make integration`.
BOARD_ITESTS     :=
# Defaults compiled into the binary; the configuration file overrides them.
# (TARGET_MULTIARCH: from build/<board>/deps.mk, made once the packages are in.)
DEFAULT_P11_MODULE  = /usr/lib/$(TARGET_MULTIARCH)/opensc-pkcs11.so
DEFAULT_CONFIG     := /etc/signet/signet.conf
