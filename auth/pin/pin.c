/* pin.c: PIN policy checks and masked PIN entry through the HAL. */
#include "pin.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

void pin_policy_default(struct pin_policy *p)
{
	p->min_len = 4;
	p->max_len = 8;
	p->digits_only = 1;
	p->timeout_ms = 30000;
}

sg_err pin_policy_check(const struct pin_policy *p, struct sg_error *e)
{
	if (p->min_len < 1 || p->min_len > p->max_len || p->max_len > PIN_MAX_LEN)
		return sg_error_set(e, SG_E_CONFIG,
				    "PIN length limits must satisfy 1 <= min (%u) <= max (%u) <= %d",
				    p->min_len, p->max_len, PIN_MAX_LEN);
	return SG_OK;
}

void pin_policy_narrow(struct pin_policy *p, unsigned token_min, unsigned token_max)
{
	if (token_min > p->min_len && token_min <= PIN_MAX_LEN)
		p->min_len = token_min;
	/* Tokens that do not care report huge or zero maxima. */
	if (token_max > 0 && token_max < p->max_len)
		p->max_len = token_max;
	if (p->min_len > p->max_len)
		p->min_len = p->max_len;
}

static int pin_char_ok(const struct pin_policy *p, char c)
{
	if (p->digits_only)
		return c >= '0' && c <= '9';
	return (unsigned char)c >= 0x20 && (unsigned char)c != 0x7f;
}

static const char *pin_what(const struct pin_policy *p)
{
	return p->digits_only ? "digits" : "characters";
}

sg_err pin_too_long(const struct pin_policy *p, struct sg_error *e)
{
	return sg_error_set(e, SG_E_PIN_FORMAT, "the PIN must have at most %u %s", p->max_len,
			    pin_what(p));
}

sg_err pin_check(const struct pin_policy *p, const struct pin *pin, struct sg_error *e)
{
	if (pin->len < p->min_len)
		return sg_error_set(e, SG_E_PIN_FORMAT, "the PIN must have at least %u %s",
				    p->min_len, pin_what(p));
	if (pin->len > p->max_len)
		return pin_too_long(p, e);
	for (size_t i = 0; i < pin->len; i++)
		if (!pin_char_ok(p, pin->v[i]))
			return sg_error_set(e, SG_E_PIN_FORMAT, "the PIN must contain %s only",
					    p->digits_only ? "digits" : "printable characters");
	return SG_OK;
}

void pin_wipe(struct pin *pin)
{
	if (pin)
		mbedtls_platform_zeroize(pin, sizeof(*pin));
}

static void pin_status(const struct hal *hal, const struct pin_policy *p, const char *why)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "%s (%u-%u %s)", why, p->min_len, p->max_len, pin_what(p));
	hal_display_status(&hal->display, msg);
}

/* Applies an editing key to the PIN being typed and redraws the mask;
 * ENTER and CANCEL are the caller's. */
static void pin_edit(const struct hal *hal, const struct pin_policy *p, struct pin *pin,
		     const struct hal_key *k)
{
	switch (k->kind) {
	case HAL_KEY_CHAR:
		if (!pin_char_ok(p, k->ch)) {
			pin_status(hal, p, p->digits_only ? "Digits only" : "Not allowed");
			return;
		}
		if (pin->len >= p->max_len) {
			pin_status(hal, p, "Too long");
			return;
		}
		pin->v[pin->len++] = k->ch;
		break;
	case HAL_KEY_BACKSPACE:
		if (pin->len > 0)
			pin->v[--pin->len] = '\0';
		break;
	case HAL_KEY_CLEAR:
		mbedtls_platform_zeroize(pin, sizeof(*pin));
		break;
	default:
		return; /* soft keys mean nothing here */
	}
	hal_display_mask(&hal->display, pin->len);
}

sg_err pin_entry(const struct hal *hal, const struct pin_policy *p, const char *prompt,
		 struct pin *out, struct sg_error *e)
{
	struct hal_key k;
	sg_err err;

	memset(out, 0, sizeof(*out));
	err = pin_policy_check(p, e);
	if (err)
		return err;
	if (!hal->keypad.ops)
		return sg_error_set(e, SG_E_INVALID_ARG, "%s", PIN_NO_INPUT);
	hal_display_prompt(&hal->display, prompt ? prompt : "Enter PIN");
	hal_display_mask(&hal->display, 0);
	for (;;) {
		int rc = hal_keypad_read(&hal->keypad, p->timeout_ms > 0 ? p->timeout_ms : -1, &k);

		if (rc == HAL_ETIMEDOUT) {
			err = sg_error_set(e, SG_E_PIN_TIMEOUT, "no key pressed for %d s",
					   p->timeout_ms / 1000);
			break;
		}
		if (rc == HAL_ECLOSED) {
			err = sg_error_set(e, SG_E_PIN_CANCELLED, "input closed");
			break;
		}
		if (rc != HAL_OK) {
			err = sg_error_set(e, SG_E_IO, "keypad error %d", rc);
			break;
		}
		if (k.kind == HAL_KEY_CANCEL) {
			err = sg_error_set(e, SG_E_PIN_CANCELLED, NULL);
			break;
		}
		if (k.kind == HAL_KEY_ENTER) {
			if (pin_check(p, out, NULL) == SG_OK) {
				err = SG_OK;
				break;
			}
			pin_status(hal, p, out->len < p->min_len ? "Too short" : "Not allowed");
			continue;
		}
		pin_edit(hal, p, out, &k);
		k.ch = 0;
	}
	mbedtls_platform_zeroize(&k, sizeof(k));
	hal_display_done(&hal->display);
	if (err)
		pin_wipe(out);
	return err;
}

sg_err pin_from_buffer(const struct pin_policy *p, const uint8_t *buf, size_t len,
		       struct pin *out, struct sg_error *e)
{
	size_t n = 0;
	sg_err err;

	memset(out, 0, sizeof(*out));
	while (n < len && buf[n] != '\n')
		n++;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0)
		return sg_error_set(e, SG_E_PIN_FORMAT, "no PIN given (empty input)");
	if (n > PIN_MAX_LEN)
		return pin_too_long(p, e);
	memcpy(out->v, buf, n);
	out->len = n;
	err = pin_check(p, out, e);
	if (err)
		pin_wipe(out);
	return err;
}
