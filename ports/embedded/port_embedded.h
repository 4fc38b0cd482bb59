/*
 * port_embedded.h: the embedded-Linux overlay for boards with a keypad and
 * a small character display (a desk phone). It sits on the Linux port
 * (ports/linux), which keeps every other device (storage with its blob
 * locks included: the virtual card's state is shared with other
 * processes as on a desktop), and replaces:
 *   - the keypad by Linux input events (evdev, /dev/input/eventN): digits
 *     (KEY_0..KEY_9, keypad and KEY_NUMERIC_* digits), KEY_BACKSPACE,
 *     KEY_DELETE/KEY_CLEAR (clear), KEY_ENTER/KEY_KPENTER/KEY_OK,
 *     KEY_ESC/KEY_CANCEL/KEY_EXIT, and F1-F4 as soft keys 1-4. Only key
 *     presses count: an auto-repeated (held) digit does not type again;
 *   - the display by a grid of COLS x ROWS characters (prompt line, masked
 *     field, status line; on two rows the status takes the prompt's line
 *     while it is set), drawn on a Linux charlcd device (/dev/lcd) or, when
 *     that cannot be opened, as a framed box on the terminal (the
 *     fallback a developer sees).
 * A device that cannot be opened leaves the Linux port's terminal keypad
 * or display in place.
 *
 * A board that has these devices attaches the overlay in its board_open
 * (boards/armhf-deskphone/board.c) over what port_linux_init filled, with
 * the paths of its board.mk or of the environment (SIGNET_INPUT_DEVICE,
 * SIGNET_LCD_DEVICE, SIGNET_DISPLAY), and detaches it in board_close.
 *
 * Secrets: key codes may be PIN digits; the input buffer is wiped after
 * each event and the device is grabbed (EVIOCGRAB) so that no other reader
 * (a console) sees the keys. The display only learns how many characters
 * were typed.
 */
#ifndef PORT_EMBEDDED_H
#define PORT_EMBEDDED_H

#include <stddef.h>

#include "hal.h"

#define EMB_MAX_COLS 40
#define EMB_MAX_ROWS 4

struct port_embedded_opts {
	/* Keypad input device (NULL: keep the terminal keypad). */
	const char *input_path;
	/* "chars:COLSxROWS" (e.g. "chars:16x2"), or NULL / "terminal" to keep
	 * the Linux port's terminal display. */
	const char *display;
	/* Character display device (Linux charlcd); NULL or unopenable: the
	 * grid is drawn on term_path instead. */
	const char *lcd_path;
	/* Terminal for the fallback drawing (NULL: /dev/tty). */
	const char *term_path;
};

struct port_embedded;

/* Adds the overlay's devices to a hal that port_linux_init filled.
 * Returns HAL_OK (devices that could not be opened are left as they were),
 * HAL_EINVAL (bad display spec) or HAL_ENOMEM. *out is for the detach. */
int port_embedded_attach(struct hal *hal, const struct port_embedded_opts *opts,
			 struct port_embedded **out);
/* Closes the overlay's devices and puts the Linux port's back, so that
 * port_linux_fini releases what it took. NULL pe: nothing. */
void port_embedded_detach(struct hal *hal, struct port_embedded *pe);

/* ---- the devices on their own (tests, other ports) ------------------ */

/* An evdev keypad reading struct input_event records from fd (a device,
 * a FIFO or a pipe); it owns fd from now on (closed by _close, also on
 * failure). HAL_ENOMEM. */
int emb_keypad_from_fd(int fd, struct hal_keypad *kp);
/* Opens path (O_RDONLY|O_NONBLOCK) and grabs it when it is an input
 * device. HAL_ENOENT when it cannot be opened, HAL_ENOMEM. */
int emb_keypad_open(const char *path, struct hal_keypad *kp);
void emb_keypad_close(struct hal_keypad *kp);

enum emb_sink {
	EMB_SINK_LCD,  /* Linux charlcd: '\f' clears and homes, '\n' next row */
	EMB_SINK_TERM, /* a framed box redrawn in place with ANSI cursor moves */
};
/* Parses "chars:COLSxROWS" (1..EMB_MAX_COLS x 2..EMB_MAX_ROWS).
 * HAL_EINVAL otherwise. */
int emb_display_spec(const char *spec, unsigned *cols, unsigned *rows);
/* A character display drawn on fd (owned from now on). HAL_EINVAL (bad
 * size), HAL_ENOMEM. */
int emb_display_from_fd(int fd, enum emb_sink sink, unsigned cols, unsigned rows,
			struct hal_display *d);
void emb_display_close(struct hal_display *d);
/* Row r as shown now (cols characters, space padded, NUL-terminated);
 * NULL when r is out of range. For tests and diagnostics. */
const char *emb_display_row(const struct hal_display *d, unsigned r);

#endif
