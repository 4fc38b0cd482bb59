/*
 * linux_phone.h: a desk phone's screen on the terminal (`signet run --ui
 * phone`): a fixed box of LINUX_PHONE_COLS columns with the prompt, the
 * masked PIN field, a status line (wrapped over LINUX_PHONE_STATUS_LINES
 * lines) and the soft-key labels on the bottom line, redrawn in place.
 * The keyboard is the keypad; the soft keys F1-F4 (HAL_KEY_SOFT) do what
 * their labels say: F1 OK, F2 Delete, F3 Clear, F4 Cancel.
 */
#ifndef LINUX_PHONE_H
#define LINUX_PHONE_H

#include "hal.h"

#define LINUX_PHONE_COLS 40
#define LINUX_PHONE_STATUS_LINES 3

/* Puts the phone's display and key map over the port's terminal display
 * and keypad (hal->display must be the terminal's). One per process. */
void linux_phone_init(struct hal *hal);
/* Gives the terminal back as it was (cursor, raw mode, the plain display). */
void linux_phone_fini(struct hal *hal);

#endif
