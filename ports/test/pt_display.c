/*
 * pt_display.c: a display that writes down what it is asked to draw.
 */
#define _GNU_SOURCE

#include "pt_priv.h"

const char *port_test_transcript(const struct port_test *pt)
{
	return pt->transcript.s ? pt->transcript.s : "";
}

size_t port_test_mask_max(const struct port_test *pt)
{
	return pt->mask_max;
}

void port_test_transcript_clear(struct port_test *pt)
{
	pt_text_free(&pt->transcript);
	pt->mask_max = 0;
}

static int pt_prompt(void *ctx, const char *text)
{
	struct port_test *pt = ctx;

	if (!text)
		return HAL_EINVAL;
	pt_text_add(&pt->transcript, "prompt: %s\n", text);
	return HAL_OK;
}

static int pt_mask(void *ctx, size_t n)
{
	struct port_test *pt = ctx;

	pt_text_add(&pt->transcript, "mask: %zu\n", n);
	if (n > pt->mask_max)
		pt->mask_max = n;
	return HAL_OK;
}

static int pt_status(void *ctx, const char *text)
{
	struct port_test *pt = ctx;

	if (!text)
		return HAL_EINVAL;
	pt_text_add(&pt->transcript, "status: %s\n", text);
	return HAL_OK;
}

static int pt_done(void *ctx)
{
	struct port_test *pt = ctx;

	pt_text_add(&pt->transcript, "done\n");
	return HAL_OK;
}

const struct hal_display_ops pt_display_ops = {
	.prompt = pt_prompt,
	.mask = pt_mask,
	.status = pt_status,
	.done = pt_done,
};
