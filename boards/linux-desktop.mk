# Board: a Linux desktop or laptop (the host). Port: ports/linux.
BOARD_DESC       := Linux desktop (host build): terminal keypad/display, pcsc-lite, dlopen'd PKCS#11
CROSS            :=
PORT             := linux
BOARD_CFLAGS     :=
BOARD_LDFLAGS    :=
# Features (1 = built in).
FEATURE_P11      := 1
# Defaults compiled into the binary; the configuration file overrides them.
DEFAULT_P11_MODULE := /usr/lib/$(shell gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/opensc-pkcs11.so
DEFAULT_CONFIG     := /etc/signet/signet.conf
