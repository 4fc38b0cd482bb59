/*
 * linux_display.c: the prompt, the masked PIN field and the status line,
 * drawn on the terminal that the keypad reads (linux_tty.c).
 *
 * Only counts reach this file, never the typed characters. Text from the
 * core may carry names from certificates: control bytes in it are replaced
 * so that it cannot drive the terminal.
 */
#define _GNU_SOURCE

#include <string.h>

#include "linux_dev.h"

#define DPY_ERASE "\r\033[K"

static int dpy_put(struct linux_tty *t, const char *s)
{
	return linux_tty_write(t, s, strlen(s));
}

/* Writes text with control bytes shown as '?'. */
static int dpy_text(struct linux_tty *t, const char *text)
{
	char buf[128];
	size_t n = 0;
	int r = HAL_OK;

	for (; *text && r == HAL_OK; text++) {
		unsigned char c = (unsigned char)*text;

		buf[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		if (n == sizeof(buf)) {
			r = linux_tty_write(t, buf, n);
			n = 0;
		}
	}
	if (r == HAL_OK && n > 0)
		r = linux_tty_write(t, buf, n);
	return r;
}

/* Erases the line and draws the prompt with t->mask stars. */
static int dpy_redraw(struct linux_tty *t)
{
	static const char stars[] = "****************";
	size_t left = t->mask;
	int r;

	r = dpy_put(t, DPY_ERASE);
	if (r == HAL_OK)
		r = dpy_text(t, t->prompt);
	if (r == HAL_OK)
		r = dpy_put(t, ": ");
	while (r == HAL_OK && left > 0) {
		size_t n = left < sizeof(stars) - 1 ? left : sizeof(stars) - 1;

		r = linux_tty_write(t, stars, n);
		left -= n;
	}
	return r;
}

static int dpy_prompt(void *ctx, const char *text)
{
	struct linux_tty *t = ctx;

	if (!text)
		return HAL_EINVAL;
	strncpy(t->prompt, text, sizeof(t->prompt) - 1);
	t->prompt[sizeof(t->prompt) - 1] = '\0';
	t->prompt_active = 1;
	t->mask = 0;
	linux_tty_set_raw(t, 1); /* before drawing: no key typed now is echoed */
	return dpy_redraw(t);
}

static int dpy_mask(void *ctx, size_t n)
{
	struct linux_tty *t = ctx;

	t->mask = n;
	if (!t->prompt_active) {
		t->prompt[0] = '\0';
		t->prompt_active = 1;
	}
	return dpy_redraw(t);
}

/* A terminal scrolls: the status goes on its own line above the prompt. */
static int dpy_status(void *ctx, const char *text)
{
	struct linux_tty *t = ctx;
	int r;

	if (!text)
		return HAL_EINVAL;
	if (!*text)
		return HAL_OK; /* nothing to clear on a scrolling terminal */
	r = dpy_put(t, DPY_ERASE);
	if (r == HAL_OK)
		r = dpy_text(t, text);
	if (r == HAL_OK)
		r = dpy_put(t, "\r\n");
	if (r == HAL_OK && t->prompt_active)
		r = dpy_redraw(t);
	return r;
}

static int dpy_done(void *ctx)
{
	struct linux_tty *t = ctx;

	t->prompt_active = 0;
	t->mask = 0;
	int r = dpy_put(t, "\r\n");
	linux_tty_set_raw(t, 0);
	return r;
}

static const struct hal_display_ops dpy_ops = {
	.prompt = dpy_prompt,
	.mask = dpy_mask,
	.status = dpy_status,
	.done = dpy_done,
};

void linux_display_init(struct hal_display *d, struct linux_tty *tty)
{
	d->ops = &dpy_ops;
	d->ctx = tty;
}
