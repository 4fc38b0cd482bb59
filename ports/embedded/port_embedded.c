/*
 * port_embedded.c: puts the evdev keypad and the character display over
 * the Linux port's terminal devices (see port_embedded.h).
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port_embedded.h"

struct port_embedded {
	/* The Linux port's devices, put back by detach for port_linux_fini. */
	struct hal_keypad saved_keypad;
	struct hal_display saved_display;
	int have_keypad, have_display;
};

static int emb_attach_display(struct hal *hal, const struct port_embedded_opts *o,
			      struct port_embedded *pe)
{
	unsigned cols, rows;
	enum emb_sink sink = EMB_SINK_LCD;
	int fd = -1, r;

	if (!o->display || !strcmp(o->display, "terminal"))
		return HAL_OK;
	r = emb_display_spec(o->display, &cols, &rows);
	if (r != HAL_OK)
		return r;
	if (o->lcd_path)
		fd = open(o->lcd_path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		sink = EMB_SINK_TERM;
		fd = open(o->term_path ? o->term_path : "/dev/tty", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0)
		return HAL_OK; /* neither: the Linux port's display (if any) stays */
	r = emb_display_from_fd(fd, sink, cols, rows, &hal->display);
	if (r != HAL_OK) {
		hal->display = pe->saved_display;
		return r;
	}
	pe->have_display = 1;
	return HAL_OK;
}

int port_embedded_attach(struct hal *hal, const struct port_embedded_opts *o,
			 struct port_embedded **out)
{
	struct port_embedded *pe;
	int r;

	*out = NULL;
	if (!hal || !o)
		return HAL_EINVAL;
	pe = calloc(1, sizeof(*pe));
	if (!pe)
		return HAL_ENOMEM;
	pe->saved_keypad = hal->keypad;
	pe->saved_display = hal->display;
	r = emb_keypad_open(o->input_path, &hal->keypad);
	if (r == HAL_OK)
		pe->have_keypad = 1;
	else if (r == HAL_ENOENT)
		hal->keypad = pe->saved_keypad; /* no input device: the terminal's */
	else
		goto out;
	r = emb_attach_display(hal, o, pe);
out:
	if (r != HAL_OK) {
		port_embedded_detach(hal, pe);
		return r;
	}
	*out = pe;
	return HAL_OK;
}

void port_embedded_detach(struct hal *hal, struct port_embedded *pe)
{
	if (!pe)
		return;
	if (pe->have_keypad)
		emb_keypad_close(&hal->keypad);
	if (pe->have_display)
		emb_display_close(&hal->display);
	hal->keypad = pe->saved_keypad;
	hal->display = pe->saved_display;
	free(pe);
}
