/*
 * boards/arm64-kiosk/board.c: the ARM kiosk takes the Linux port as it
 * is: its touch screen's terminal is the keypad and display; no reader
 * (FEATURE_PCSC=0 leaves the port's card device out): the virtual card or
 * a TPM-backed PKCS#11 token holds the key. No devices of its own (the
 * SIGNET_INPUT_DEVICE, SIGNET_LCD_DEVICE and SIGNET_DISPLAY variables
 * mean nothing here).
 */
#include <string.h>

#include "board_linux.h"

int board_open(struct hal *hal, const struct board_opts *opts)
{
	return board_linux_open(hal, opts);
}

void board_close(struct hal *hal)
{
	board_linux_close(hal);
}

void board_paths(const struct board_opts *opts, struct board_paths *out)
{
	(void)opts;
	memset(out, 0, sizeof(*out));
}
