# Board: a 64-bit ARM kiosk (aarch64) with a touch screen terminal and no
# card reader: the in-process virtual card (or a TPM-backed token through
# tpm2-pkcs11) holds the key. Port: ports/linux.
BOARD_DESC       := ARM kiosk (arm64): terminal UI, no reader (virtual card / dlopen'd PKCS#11), static mbedTLS
CROSS            := aarch64-linux-gnu-
ARCH             := arm64
QEMU             := qemu-aarch64
PORT             := linux
PORT_OVERLAY     :=
# Debian's arm64 linker pads segments to 64 KiB pages; the kiosk's kernel
# uses 4 KiB pages.
BOARD_CFLAGS     := -ffunction-sections -fdata-sections
BOARD_LDFLAGS    := -Wl,--gc-sections -Wl,-z,max-page-size=4096
BOARD_ABI_FORBID :=
# Features (1 = built in).
FEATURE_P11      := 1
FEATURE_PCSC     := 0
FEATURE_VCARD    := 1
# No desktop PAM module on a phone or kiosk (and no libpam in the sysroot).
FEATURE_PAM      := 0
MBEDTLS_STATIC   := 1
DISPLAY          := terminal
TEST_TMPDIR      :=
BOARD_ITESTS     := test_verify test_vcard_signin
DEFAULT_P11_MODULE := /usr/lib/aarch64-linux-gnu/pkcs11/libtpm2_pkcs11.so
DEFAULT_CONFIG     := /etc/signet/signet.conf
