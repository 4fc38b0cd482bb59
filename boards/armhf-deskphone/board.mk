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
# 32-bit qemu-user's readdir fails with EOVERFLOW without LFS. Debian's
# armhf mbedTLS keeps a 32-bit time_t: `make` refuses any use of the mbedTLS
# calls and types where a time_t crosses (see BOARD_ABI_FORBID).
# Size first on a phone: -Os, and sections so --gc-sections drops what the
# signet binary does not call.
BOARD_CFLAGS     := -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -Os -ffunction-sections -fdata-sections
BOARD_LDFLAGS    := -Wl,--gc-sections
# mbedTLS and c-ares identifiers whose layout or arguments hold a time_t
# (Debian's armhf c-ares keeps a 32-bit time_t too).
BOARD_ABI_FORBID := mbedtls_ssl_session mbedtls_ssl_cache mbedtls_platform_gmtime_r \
	mbedtls_platform_set_time mbedtls_time mbedtls_ssl_ticket \
	ares_timeout
# Features (1 = built in). No PKCS#11 module loading: a phone uses the
# card's PIV edge natively (no OpenSC to carry), or the virtual card.
FEATURE_P11      := 0
FEATURE_PCSC     := 1
FEATURE_VCARD    := 1
# No desktop PAM module on a phone or kiosk (and no libpam in the sysroot).
FEATURE_PAM      := 0
MBEDTLS_STATIC   := 1
# One SIP flow: a second flow ([sip] flows = 2) cost 64.5 KB more heap at
# the sign-in's peak (host), and the 128 KB budget has 10 KB left (doc/boards.md).
FEATURE_FLOWS    := 0
# No TLS session resumption: mbedtls_ssl_session holds a time_t, 32 bits in
# Debian's armhf mbedTLS (BOARD_ABI_FORBID): sip/sip_tls_resume.c
# is left out (sip_tls_resume.h's stubs), every reconnect is a full handshake with a card
# signature, and [sip] tls_resume > 0 draws a warning naming this board.
FEATURE_TLS_RESUME := 0
# Files of armhf tests live on tmpfs: 32-bit readdir under qemu-user fails
# on ext4 (EOVERFLOW), inside Debian's mbedTLS too (built without LFS).
TEST_TMPDIR      := /dev/shm
# Integration tests (host programs) that drive this board's signet through
# qemu: the certificate checks against openssl ocsp and HTTP CRLs.
BOARD_ITESTS     := test_verify test_vcard_signin
DEFAULT_P11_MODULE :=
DEFAULT_CONFIG     := /etc/signet/signet.conf
