/*
 * linux_phone.c: the phone screen (linux_phone.h), drawn with a few ANSI
 * sequences (home, erase, hide the cursor) so that any terminal shows it.
 * Like linux_display.c it only ever learns how many PIN characters were
 * typed, and control bytes in texts are replaced before drawing.
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <string.h>

#include "linux_dev.h"
#include "linux_phone.h"

#define W LINUX_PHONE_COLS
#define SOFT_KEYS "F1 OK  F2 Delete  F3 Clear  F4 Cancel"

static struct phone {
	struct linux_tty *tty;
	struct hal_display plain;
	struct hal_keypad keys;
	char prompt[W + 1];
	char status[W * LINUX_PHONE_STATUS_LINES + 1];
	size_t mask;
	int entry; /* a PIN field is open */
	int on;
} ph;

/* One framed line: "| text padded to W |". */
static void line(char *out, size_t cap, const char *text, size_t n)
{
	char b[W + 1];
	size_t i;

	for (i = 0; i < W; i++) {
		unsigned char c = i < n ? (unsigned char)text[i] : ' ';

		b[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	b[W] = '\0';
	snprintf(out + strlen(out), cap - strlen(out), "|%s|\r\n", b);
}

/* Splits s at spaces into lines of at most W; returns the next start. */
static const char *wrap(const char *s, size_t *n)
{
	size_t len = strlen(s), cut;

	if (len <= W) {
		*n = len;
		return s + len;
	}
	for (cut = W; cut > 0 && s[cut] != ' '; cut--)
		;
	if (cut == 0)
		cut = W;
	*n = cut;
	s += cut;
	while (*s == ' ')
		s++;
	return s;
}

static int redraw(void)
{
	char buf[(W + 8) * 10 + 64] = "\033[?25l\033[H\033[2J";
	char border[W + 3], field[W + 1];
	const char *s = ph.status;
	size_t n, i;

	border[0] = '+';
	memset(border + 1, '-', W);
	border[W + 1] = '+';
	border[W + 2] = '\0';
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\r\n", border);
	line(buf, sizeof(buf), ph.prompt, strlen(ph.prompt));
	field[0] = '\0';
	if (ph.entry) {
		n = snprintf(field, sizeof(field), "PIN: ");
		for (i = 0; i < ph.mask && n < W; i++)
			field[n++] = '*';
		field[n] = '\0';
	}
	line(buf, sizeof(buf), field, strlen(field));
	for (i = 0; i < LINUX_PHONE_STATUS_LINES; i++) {
		const char *start = s;

		s = wrap(s, &n);
		line(buf, sizeof(buf), start, n);
	}
	line(buf, sizeof(buf), ph.entry ? SOFT_KEYS : "", ph.entry ? strlen(SOFT_KEYS) : 0);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\r\n", border);
	return linux_tty_write(ph.tty, buf, strlen(buf));
}

static int ph_prompt(void *ctx, const char *text)
{
	(void)ctx;
	if (!text)
		return HAL_EINVAL;
	snprintf(ph.prompt, sizeof(ph.prompt), "%s", text);
	ph.entry = 1;
	ph.mask = 0;
	return redraw();
}

static int ph_mask(void *ctx, size_t n)
{
	(void)ctx;
	ph.mask = n;
	ph.entry = 1;
	return redraw();
}

static int ph_status(void *ctx, const char *text)
{
	(void)ctx;
	if (!text)
		return HAL_EINVAL;
	snprintf(ph.status, sizeof(ph.status), "%s", text);
	return redraw();
}

static int ph_done(void *ctx)
{
	(void)ctx;
	ph.entry = 0;
	ph.mask = 0;
	return redraw();
}

static const struct hal_display_ops ph_display_ops = {
	.prompt = ph_prompt,
	.mask = ph_mask,
	.status = ph_status,
	.done = ph_done,
};

/* The soft keys under the labels. */
static int ph_read(void *ctx, int timeout_ms, struct hal_key *key)
{
	int r = hal_keypad_read(&ph.keys, timeout_ms, key);

	(void)ctx;
	if (r == HAL_OK && key->kind == HAL_KEY_SOFT) {
		static const enum hal_key_kind map[] = {HAL_KEY_ENTER, HAL_KEY_BACKSPACE,
							HAL_KEY_CLEAR, HAL_KEY_CANCEL};
		unsigned i = (unsigned)(key->ch - '1');

		if (i < sizeof(map) / sizeof(map[0])) {
			key->kind = map[i];
			key->ch = 0;
		}
	}
	return r;
}

static const struct hal_keypad_ops ph_keypad_ops = {
	.read = ph_read,
};

void linux_phone_init(struct hal *hal)
{
	if (ph.on || !hal->keypad.ops || !hal->display.ops)
		return;
	memset(&ph, 0, sizeof(ph));
	ph.tty = hal->keypad.ctx;
	ph.plain = hal->display;
	ph.keys = hal->keypad;
	ph.on = 1;
	hal->display.ops = &ph_display_ops;
	hal->display.ctx = &ph;
	hal->keypad.ops = &ph_keypad_ops;
	hal->keypad.ctx = &ph;
	/* Raw for as long as the screen is up: keys are never echoed onto it. */
	linux_tty_set_raw(ph.tty, 1);
	redraw();
}

void linux_phone_fini(struct hal *hal)
{
	if (!ph.on)
		return;
	linux_tty_write(ph.tty, "\033[?25h\r\n", 8);
	linux_tty_set_raw(ph.tty, 0);
	hal->display = ph.plain;
	hal->keypad = ph.keys;
	memset(&ph, 0, sizeof(ph));
}
