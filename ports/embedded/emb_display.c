/*
 * emb_display.c: a small character display (see port_embedded.h).
 *
 * The grid is redrawn whole after each change: a 16x2 frame is 33 bytes,
 * and a full redraw cannot leave a stale mask character behind. Text from
 * the core may carry names from certificates: anything but printable ASCII
 * (a control byte, a UTF-8 sequence the display has no glyph for) is shown
 * as one '?', so it can neither drive the device nor misalign the grid.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port_embedded.h"

struct emb_dpy {
	int fd;
	enum emb_sink sink;
	unsigned cols, rows;
	char prompt[EMB_MAX_COLS + 1];
	char status[EMB_MAX_COLS + 1];
	size_t mask;
	int drawn; /* the terminal box is on screen (redraw in place) */
	char grid[EMB_MAX_ROWS][EMB_MAX_COLS + 1];
};

int emb_display_spec(const char *spec, unsigned *cols, unsigned *rows)
{
	unsigned c, r;
	char end;

	if (!spec || sscanf(spec, "chars:%ux%u%c", &c, &r, &end) != 2)
		return HAL_EINVAL;
	if (c < 1 || c > EMB_MAX_COLS || r < 2 || r > EMB_MAX_ROWS)
		return HAL_EINVAL;
	*cols = c;
	*rows = r;
	return HAL_OK;
}

/* Copies text into a cols-wide field, sanitised. */
static void dpy_clip(char *dst, size_t cols, const char *text)
{
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)text;

	for (; *s && n < cols; s++) {
		if (*s >= 0x80 && *s < 0xc0)
			continue; /* a UTF-8 continuation: its lead byte gave the '?' */
		dst[n++] = (*s >= 0x20 && *s < 0x7f) ? (char)*s : '?';
	}
	dst[n] = '\0';
}

static void dpy_row(struct emb_dpy *d, unsigned r, const char *text)
{
	size_t n = strlen(text);

	if (n > d->cols)
		n = d->cols;
	memset(d->grid[r], ' ', d->cols);
	memcpy(d->grid[r], text, n);
	d->grid[r][d->cols] = '\0';
}

/* Lays out prompt, field and status: row 0 the prompt (or, on two rows,
 * the status while there is one), row 1 the field, the last row the
 * status when there are three or more. */
static void dpy_layout(struct emb_dpy *d)
{
	char field[EMB_MAX_COLS + 1];
	size_t n = d->mask < d->cols ? d->mask : d->cols;
	unsigned r;

	memset(field, '*', n);
	field[n] = '\0';
	for (r = 0; r < d->rows; r++)
		dpy_row(d, r, "");
	if (d->rows == 2 && d->status[0])
		dpy_row(d, 0, d->status);
	else
		dpy_row(d, 0, d->prompt);
	dpy_row(d, 1, field);
	if (d->rows > 2)
		dpy_row(d, d->rows - 1, d->status);
}

static int dpy_write(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return HAL_EIO;
		buf += n;
		len -= (size_t)n;
	}
	return HAL_OK;
}

static int dpy_render(struct emb_dpy *d)
{
	/* Largest frame: the terminal box, (rows + 2) lines of cols + 2 plus
	 * line ends and one cursor move. */
	char out[(EMB_MAX_ROWS + 2) * (EMB_MAX_COLS + 4) + 16];
	size_t n = 0;
	unsigned r;

	dpy_layout(d);
	if (d->sink == EMB_SINK_LCD) {
		out[n++] = '\f'; /* charlcd: clear and home */
		for (r = 0; r < d->rows; r++) {
			memcpy(out + n, d->grid[r], d->cols);
			n += d->cols;
			if (r + 1 < d->rows)
				out[n++] = '\n';
		}
		return dpy_write(d->fd, out, n);
	}
	if (d->drawn) /* back to the box's first line */
		n += (size_t)snprintf(out + n, sizeof(out) - n, "\033[%uA", d->rows + 2);
	out[n++] = '\r';
	out[n++] = '+';
	memset(out + n, '-', d->cols);
	n += d->cols;
	memcpy(out + n, "+\r\n", 3);
	n += 3;
	for (r = 0; r < d->rows; r++) {
		out[n++] = '|';
		memcpy(out + n, d->grid[r], d->cols);
		n += d->cols;
		memcpy(out + n, "|\r\n", 3);
		n += 3;
	}
	out[n++] = '+';
	memset(out + n, '-', d->cols);
	n += d->cols;
	memcpy(out + n, "+\r\n", 3);
	n += 3;
	d->drawn = 1;
	return dpy_write(d->fd, out, n);
}

static int dpy_prompt(void *ctx, const char *text)
{
	struct emb_dpy *d = ctx;

	if (!text)
		return HAL_EINVAL;
	dpy_clip(d->prompt, d->cols, text);
	d->mask = 0;
	return dpy_render(d);
}

static int dpy_mask(void *ctx, size_t n)
{
	struct emb_dpy *d = ctx;

	d->mask = n;
	return dpy_render(d);
}

static int dpy_status(void *ctx, const char *text)
{
	struct emb_dpy *d = ctx;

	if (!text)
		return HAL_EINVAL;
	dpy_clip(d->status, d->cols, text);
	return dpy_render(d);
}

/* The prompt is over: its line and the field go blank; the status stays
 * (it says how the entry ended). The next terminal box starts below. */
static int dpy_done(void *ctx)
{
	struct emb_dpy *d = ctx;
	int r;

	d->prompt[0] = '\0';
	d->mask = 0;
	r = dpy_render(d);
	d->drawn = 0;
	return r;
}

static const struct hal_display_ops dpy_ops = {
	.prompt = dpy_prompt,
	.mask = dpy_mask,
	.status = dpy_status,
	.done = dpy_done,
};

int emb_display_from_fd(int fd, enum emb_sink sink, unsigned cols, unsigned rows,
			struct hal_display *dpy)
{
	struct emb_dpy *d;
	unsigned r;

	if (cols < 1 || cols > EMB_MAX_COLS || rows < 2 || rows > EMB_MAX_ROWS) {
		close(fd);
		return HAL_EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return HAL_ENOMEM;
	}
	d->fd = fd;
	d->sink = sink;
	d->cols = cols;
	d->rows = rows;
	for (r = 0; r < rows; r++)
		dpy_row(d, r, "");
	dpy->ops = &dpy_ops;
	dpy->ctx = d;
	return HAL_OK;
}

void emb_display_close(struct hal_display *dpy)
{
	struct emb_dpy *d;

	if (!dpy || !dpy->ops)
		return;
	d = dpy->ctx;
	close(d->fd);
	free(d);
	dpy->ops = NULL;
	dpy->ctx = NULL;
}

const char *emb_display_row(const struct hal_display *dpy, unsigned r)
{
	const struct emb_dpy *d;

	if (!dpy || !dpy->ops || dpy->ops != &dpy_ops)
		return NULL;
	d = dpy->ctx;
	return r < d->rows ? d->grid[r] : NULL;
}
