/*
 * boards/linux-desktop/board.c: a Linux desktop or laptop takes the Linux
 * port as it is: the terminal is its keypad and display, pcsc-lite its
 * readers, PKCS#11 modules are dlopen'd. No devices of its own (the
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
