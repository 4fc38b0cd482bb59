/*
 * hal_keypad.h: key presses from a keypad, a keyboard or a script.
 *
 * Blocking: hal_keypad_read() blocks for at most timeout_ms (negative: no
 * limit) and returns HAL_ETIMEDOUT when nothing was pressed.
 * Secrets: a PIN passes through here one key at a time; a port must not
 * keep, log or echo the characters it reads.
 */
#ifndef HAL_KEYPAD_H
#define HAL_KEYPAD_H

#include "hal_err.h"

enum hal_key_kind {
	HAL_KEY_CHAR,      /* a printable character in .ch (digits on a phone) */
	HAL_KEY_BACKSPACE, /* remove the last character */
	HAL_KEY_CLEAR,     /* remove everything typed so far */
	HAL_KEY_ENTER,     /* accept */
	HAL_KEY_CANCEL,    /* give up (Esc, the phone's cancel key, Ctrl-C/D) */
	HAL_KEY_SOFT,      /* a soft key; its number is in .ch ('1'...) */
};

struct hal_key {
	enum hal_key_kind kind;
	char ch;
};

struct hal_keypad_ops {
	/* Waits up to timeout_ms for one key. Returns HAL_OK with *key set,
	 * HAL_ETIMEDOUT, HAL_ECLOSED (input is gone: end of file) or HAL_EIO. */
	int (*read)(void *ctx, int timeout_ms, struct hal_key *key);
};

struct hal_keypad {
	const struct hal_keypad_ops *ops;
	void *ctx;
};

static inline int hal_keypad_read(const struct hal_keypad *kp, int timeout_ms,
				  struct hal_key *key)
{
	return HAL_CALL(kp, read, timeout_ms, key);
}

#endif
