/*
 * pin.h: PIN policy and PIN entry.
 *
 * A PIN lives in one struct pin. Whoever fills it must hand it to
 * token_login() (which wipes it) or call pin_wipe() on every path. The PIN
 * never reaches a log line, an error detail or the display (the display
 * only learns how many characters were typed).
 */
#ifndef PIN_H
#define PIN_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "sg_err.h"

#define PIN_MAX_LEN 64
/* pin_entry's detail when the HAL has no keypad (a front end may say how
 * else to give the PIN). */
#define PIN_NO_INPUT "no keypad or terminal to type the PIN on"

struct pin_policy {
	unsigned min_len;  /* at least this many characters (default 4) */
	unsigned max_len;  /* at most this many (default 8, <= PIN_MAX_LEN) */
	int digits_only;   /* only 0-9 (default yes: PIV cards, phone keypads) */
	int timeout_ms;    /* give up after this long without a key (default
			    * 30000; <= 0: wait for ever) */
};

struct pin {
	char v[PIN_MAX_LEN + 1]; /* NUL-terminated for PKCS#11 modules that want it */
	size_t len;
};

/* The defaults above. */
void pin_policy_default(struct pin_policy *p);

/* Checks a policy for sense (1 <= min <= max <= PIN_MAX_LEN). */
sg_err pin_policy_check(const struct pin_policy *p, struct sg_error *e);

/* Narrows the policy to what a token accepts (its own min/max length);
 * 0 means the token does not say. */
void pin_policy_narrow(struct pin_policy *p, unsigned token_min, unsigned token_max);

/* Checks a PIN against the policy. SG_E_PIN_FORMAT says what is wrong
 * (too short, too long, not digits) without quoting the PIN. */
sg_err pin_check(const struct pin_policy *p, const struct pin *pin, struct sg_error *e);

/* Reads a PIN from the HAL keypad, drawing the prompt and a masked field
 * on the HAL display. Digits (or any printable character when the policy
 * allows) are added, backspace removes one, clear removes all, enter
 * accepts when the PIN is long enough (otherwise the status line says
 * why and entry goes on), cancel gives up.
 * Returns SG_OK with *out filled, SG_E_PIN_CANCELLED (cancel key or end of
 * input), SG_E_PIN_TIMEOUT (no key for timeout_ms), SG_E_INVALID_ARG (this
 * device has no keypad) or SG_E_IO. On every error *out is wiped.
 * Blocks until one of these happens. */
sg_err pin_entry(const struct hal *hal, const struct pin_policy *p, const char *prompt,
		 struct pin *out, struct sg_error *e);

/* Takes a PIN from a buffer (a script's --pin-fd): one line, the line end
 * (\n or \r\n) removed. Bytes after the first line are ignored. The caller
 * wipes buf. SG_E_PIN_FORMAT when it breaks the policy or is empty. */
sg_err pin_from_buffer(const struct pin_policy *p, const uint8_t *buf, size_t len,
		       struct pin *out, struct sg_error *e);

/* SG_E_PIN_FORMAT "the PIN must have at most <max_len> digits|characters":
 * what pin_check says of a PIN longer than the policy allows (a reader
 * that refuses an over-long line says the same). */
sg_err pin_too_long(const struct pin_policy *p, struct sg_error *e);

/* Wipes the PIN (mbedtls_platform_zeroize). Safe on a wiped PIN. */
void pin_wipe(struct pin *pin);

#endif
