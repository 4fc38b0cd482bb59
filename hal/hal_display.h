/*
 * hal_display.h: what the user sees: a few prompt lines, a masked PIN field
 * and a status line.
 *
 * Strings are UTF-8, owned by the caller and copied (or drawn) before the
 * call returns. The PIN itself never reaches the display: only its length
 * does (hal_display_mask draws that many mask characters).
 * None of these block for longer than drawing takes.
 */
#ifndef HAL_DISPLAY_H
#define HAL_DISPLAY_H

#include <stddef.h>

#include "hal_err.h"

struct hal_display_ops {
	/* Shows a prompt (e.g. "Enter PIN"), replacing the previous one. */
	int (*prompt)(void *ctx, const char *text);
	/* Draws the PIN field as n mask characters. */
	int (*mask)(void *ctx, size_t n);
	/* Sets the status line (e.g. "2 tries left"); "" clears it. */
	int (*status)(void *ctx, const char *text);
	/* Ends the current prompt (the field is finished or abandoned). */
	int (*done)(void *ctx);
};

struct hal_display {
	const struct hal_display_ops *ops;
	void *ctx;
};

static inline int hal_display_prompt(const struct hal_display *d, const char *text)
{
	return HAL_CALL(d, prompt, text);
}

static inline int hal_display_mask(const struct hal_display *d, size_t n)
{
	return HAL_CALL(d, mask, n);
}

static inline int hal_display_status(const struct hal_display *d, const char *text)
{
	return HAL_CALL(d, status, text);
}

static inline int hal_display_done(const struct hal_display *d)
{
	return HAL_CALL0(d, done);
}

#endif
