# Board: a 32-bit ARM desk phone (ARMv7, hard float) with a numeric keypad,
# four soft keys under a 2x16 character display and a built-in smart-card
# reader behind pcscd. Port: ports/linux with the embedded overlay (keypad
# from evdev, character display), which board.c attaches.
BOARD_DESC       := ARM desk phone (armhf): evdev keypad, 2x16 character display, pcsc-lite reader, static mbedTLS
CROSS            := arm-linux-gnueabihf-
ARCH             := armhf
QEMU             := qemu-arm
PORT             := linux
PORT_OVERLAY     := embedded
# The display (COLSxROWS characters), the keypad's input device and the
# display's device (Linux charlcd): board.c's defaults (compiled into it
# alone as BOARD_DISPLAY, BOARD_INPUT_DEVICE, BOARD_LCD_DEVICE); the
# environment variables SIGNET_DISPLAY, SIGNET_INPUT_DEVICE and
# SIGNET_LCD_DEVICE override them for signet. When a device cannot be
# opened the terminal stands in for it.
DISPLAY          := chars:16x2
INPUT_DEVICE     := /dev/input/event0
LCD_DEVICE       := /dev/lcd
# Large-file and 64-bit time_t interfaces: a phone outlives 2038, and
# 32-bit qemu-user's readdir fails with EOVERFLOW without LFS. mbedTLS is
# built with them too (MBEDTLS_CONFIG below); Debian's armhf c-ares keeps a
# 32-bit time_t: `make` refuses any use of its calls where a time_t crosses
# (see BOARD_ABI_FORBID).
# Size first on a phone: -Os, and sections so --gc-sections drops what the
# signet binary does not call.
BOARD_CFLAGS     := -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -Os -ffunction-sections -fdata-sections
BOARD_LDFLAGS    := -Wl,--gc-sections
# c-ares identifiers whose arguments hold a time_t (Debian's armhf c-ares
# keeps a 32-bit time_t; mbedTLS is this board's own: MBEDTLS_CONFIG).
BOARD_ABI_FORBID := ares_timeout
# Features (1 = built in). No PKCS#11 module loading: a phone uses the
# card's PIV edge natively (no OpenSC to carry), or the virtual card.
FEATURE_P11      := 0
FEATURE_PCSC     := 1
FEATURE_VCARD    := 1
# No desktop PAM module on a phone or kiosk (and no libpam in the sysroot).
FEATURE_PAM      := 0
MBEDTLS_STATIC   := 1
# mbedTLS from Debian's source package of the host's libmbedtls-dev version
# (tools/mbedtls-board), built with BOARD_CFLAGS (64-bit time_t, LFS, -Os,
# sections) and this trimmed configuration: a TLS 1.2 client, ECDHE with
# AES-GCM, X.509, RSA and EC; signet compiles against the same headers.
MBEDTLS_CONFIG   := boards/armhf-deskphone/mbedtls_config.h
# One SIP flow: a second flow ([sip] flows = 2) cost 64.5 KB more heap at
# the sign-in's peak (host), and the 128 KB budget has 11 KB left (doc/boards.md).
FEATURE_FLOWS    := 0
# TLS session resumption ([sip] tls_resume): this board's mbedTLS has a
# 64-bit time_t in mbedtls_ssl_session (MBEDTLS_CONFIG), as signet does.
FEATURE_TLS_RESUME := 1
# Files of armhf tests live on tmpfs: 32-bit readdir under qemu-user fails
# on ext4 (EOVERFLOW) in a library built without LFS (the sysroot's).
TEST_TMPDIR      := /dev/shm
# Integration tests (host programs) that drive this board's signet through
# qemu: the certificate checks against openssl ocsp and HTTP CRLs, the
# virtual card's sign-in, and TLS session resumption with the card served
# through pcscd (card signatures counted: none on a resumed reconnect).
BOARD_ITESTS     := test_verify test_vcard_signin test_tls_resume
DEFAULT_P11_MODULE :=
DEFAULT_CONFIG     := /etc/signet/signet.conf
