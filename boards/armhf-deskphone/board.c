/*
 * boards/armhf-deskphone/board.c: the desk phone is the Linux port (its
 * pcsc-lite reader, storage, network, clock) with the embedded overlay
 * (ports/embedded) over the port's terminal: the numeric keypad and soft
 * keys from Linux input events, and the character display (a Linux
 * charlcd, or a box drawn on the terminal when it cannot be opened).
 *
 * The device paths are the board's (board.mk: INPUT_DEVICE, LCD_DEVICE,
 * DISPLAY, compiled into this file only as BOARD_INPUT_DEVICE,
 * BOARD_LCD_DEVICE, BOARD_DISPLAY); when the caller allows it (opts->env)
 * the environment variables SIGNET_INPUT_DEVICE, SIGNET_LCD_DEVICE and
 * SIGNET_DISPLAY override them, e.g. to try the phone's firmware on a
 * desktop. They are read with secure_getenv: a set-user-ID caller never
 * opens devices its user names.
 */
#define _GNU_SOURCE

#include <stdlib.h>

#include "board_linux.h"
#include "port_embedded.h"

/* One device layer per process (a program opens one). */
static struct port_embedded *phone_devices;

static const char *phone_path(const struct board_opts *opts, const char *env, const char *dflt)
{
	const char *v = opts && opts->env ? secure_getenv(env) : NULL;

	return v && *v ? v : dflt;
}

void board_paths(const struct board_opts *opts, struct board_paths *out)
{
	out->input_device = phone_path(opts, "SIGNET_INPUT_DEVICE", BOARD_INPUT_DEVICE);
	out->lcd_device = phone_path(opts, "SIGNET_LCD_DEVICE", BOARD_LCD_DEVICE);
	out->display = phone_path(opts, "SIGNET_DISPLAY", BOARD_DISPLAY);
}

int board_open(struct hal *hal, const struct board_opts *opts)
{
	struct port_embedded_opts eo = {0};
	struct board_paths bp;
	int r;

	r = board_linux_open(hal, opts);
	if (r != HAL_OK || (opts && opts->headless))
		return r;
	board_paths(opts, &bp);
	eo.input_path = bp.input_device;
	eo.display = bp.display;
	eo.lcd_path = bp.lcd_device;
	eo.term_path = opts ? opts->tty_path : NULL;
	r = port_embedded_attach(hal, &eo, &phone_devices);
	if (r != HAL_OK)
		board_linux_close(hal);
	return r;
}

void board_close(struct hal *hal)
{
	port_embedded_detach(hal, phone_devices);
	phone_devices = NULL;
	board_linux_close(hal);
}
