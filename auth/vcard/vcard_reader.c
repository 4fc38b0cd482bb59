/* vcard_reader.c: a struct hal_card whose one reader holds the virtual card. */
#include "vcard_reader.h"

#include <string.h>

#include "sg_log.h"
#include "vcard_priv.h"

static void vr_fill(const struct vcard *c, struct hal_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->name = c->reader_name;
	r->present = 1;
	r->atr_len = vcard_atr(c, r->atr, sizeof(r->atr));
}

static int vr_list(void *ctx, struct hal_reader *readers, size_t max, size_t *n)
{
	const struct vcard *c = ctx;

	if (!n || (max && !readers))
		return HAL_EINVAL;
	*n = 0;
	if (max == 0)
		return HAL_ENOMEM;
	vr_fill(c, &readers[0]);
	*n = 1;
	return HAL_OK;
}

static int vr_wait(void *ctx, struct hal_reader *readers, size_t n, int timeout_ms)
{
	const struct vcard *c = ctx;

	(void)timeout_ms;
	if (!readers || n == 0)
		return HAL_EINVAL;
	if (readers[0].present && readers[0].name &&
	    strcmp(readers[0].name, c->reader_name) == 0)
		return HAL_ETIMEDOUT; /* nothing ever changes */
	vr_fill(c, &readers[0]);
	return HAL_OK;
}

static int vr_connect(void *ctx, const char *reader)
{
	struct vcard *c = ctx;

	if (!reader || strcmp(reader, c->reader_name) != 0)
		return HAL_ENOENT;
	if (!c->powered) /* a card left powered keeps its state (SCARD_LEAVE_CARD) */
		vcard_power(c, VCARD_POWER_ON);
	c->reader_connected = 1;
	return HAL_OK;
}

static int vr_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		       size_t *resp_len)
{
	struct vcard *c = ctx;

	if (!c->reader_connected || !resp_len)
		return HAL_EINVAL;
	if (!resp || *resp_len < 2)
		return HAL_ENOMEM;
	*resp_len = vcard_transmit(c, cmd, cmd_len, resp, *resp_len);
	/* The header only (a VERIFY's data is the PIN), as vpcd.c logs it. */
	if (cmd_len >= 4)
		sg_debug(&c->hal->log, "vcard: APDU %02X %02X %02X %02X", cmd[0], cmd[1], cmd[2],
			 cmd[3]);
	return HAL_OK;
}

static int vr_disconnect(void *ctx, int reset)
{
	struct vcard *c = ctx;

	if (reset)
		vcard_power(c, VCARD_RESET);
	c->reader_connected = 0;
	return HAL_OK;
}

/* No reader limit of its own: the card's ATR says what it takes. */
static int vr_caps(void *ctx, struct hal_card_caps *out)
{
	const struct vcard *c = ctx;

	if (!out)
		return HAL_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!c->reader_connected)
		return HAL_EREMOVED;
	out->atr_len = vcard_atr(c, out->atr, sizeof(out->atr));
	return HAL_OK;
}

static const struct hal_card_ops vr_ops = {
	.list = vr_list,
	.wait = vr_wait,
	.connect = vr_connect,
	.transmit = vr_transmit,
	.disconnect = vr_disconnect,
	.caps = vr_caps,
};

void vcard_reader_device(struct hal_card *dev, struct vcard *card, const char *reader_name)
{
	const char *name = reader_name ? reader_name : "signet virtual card 00";
	size_t n = strlen(name);

	if (n >= sizeof(card->reader_name))
		n = sizeof(card->reader_name) - 1;
	memcpy(card->reader_name, name, n);
	card->reader_name[n] = '\0';
	card->reader_connected = 0;
	dev->ops = &vr_ops;
	dev->ctx = card;
}
