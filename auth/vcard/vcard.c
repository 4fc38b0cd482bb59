/*
 * vcard.c: the virtual card's APDU front end: class and instruction
 * checks, command chaining, answers longer than Le (61xx + GET RESPONSE),
 * SELECT, power and the ATR. The commands themselves live in
 * vcard_pin.c, vcard_keys.c and vcard_objects.c.
 */
#include "vcard_priv.h"

#include <string.h>

#include <mbedtls/platform_util.h>

/* SP 800-73-4 part 1, 2.2: the PIV application identifier; a SELECT may
 * give any leading part of it from the RID + PIX "A0 00 00 03 08" on
 * (OpenSC sends the 9 bytes without the version). */
static const uint8_t piv_aid[] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00};
#define PIV_AID_MIN 5

/* T=1 only, historical bytes: 80, F9 + the PIV AID (A0 00 00 03 08 00 00
 * 10 00), then the card capabilities 73 C0 21 C0 (ISO 7816-4 8.1.1.2.7:
 * selection by full and partial DF name; data coding 21; command chaining
 * and extended Lc and Le fields), TCK 9E. A card in short-APDU mode leaves
 * the capabilities out (3B 8B ..., TCK C8). OpenSC applies no quirks to
 * either (NOTES.md). */
static const uint8_t vc_atr[] = {0x3B, 0x8F, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03,
				 0x08, 0x00, 0x00, 0x10, 0x00, 0x73, 0xC0, 0x21, 0xC0, 0x9E};
static const uint8_t vc_atr_short[] = {0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00,
				       0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8};

static void vc_chain_drop(struct vcard *c)
{
	if (c->chain_len)
		mbedtls_platform_zeroize(c->chain, c->chain_len); /* may hold a PIN */
	c->chain_len = 0;
	c->chain_active = 0;
}

static void vc_resp_drop(struct vcard *c)
{
	if (c->rlen)
		mbedtls_platform_zeroize(c->rbuf, c->rlen);
	c->rlen = c->roff = 0;
}

void vcard_power(struct vcard *c, enum vcard_power p)
{
	if (!c)
		return;
	c->pin_verified = 0;
	c->pin_fresh = 0;
	c->mgmt_authed = 0;
	c->mgmt_pending = VC_MGMT_NONE;
	mbedtls_platform_zeroize(c->mgmt_chal, sizeof(c->mgmt_chal));
	vc_resp_drop(c);
	vc_chain_drop(c);
	c->powered = p != VCARD_POWER_OFF;
}

size_t vcard_atr(const struct vcard *c, uint8_t *atr, size_t cap)
{
	int sh = c && c->short_apdus;
	size_t n = sh ? sizeof(vc_atr_short) : sizeof(vc_atr);

	if (!atr || cap < n)
		return 0;
	memcpy(atr, sh ? vc_atr_short : vc_atr, n);
	return n;
}

void vcard_set_short_apdus(struct vcard *c, int on)
{
	if (c)
		c->short_apdus = on != 0;
}

/* SP 800-73-4 part 2, 3.1.1: answer the application property template
 * 61 { 4F application identifier (PIX part), 79 { 4F the RID+PIX } }. */
static uint16_t vc_cmd_select(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	static const uint8_t apt[] = {0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01,
				      0x00, 0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03,
				      0x08};

	(void)c;
	if (a->p1 != 0x04 || (a->p2 != 0x00 && a->p2 != 0x0C))
		return SW_WRONG_P1P2;
	if (a->data_len < PIV_AID_MIN || a->data_len > sizeof(piv_aid) ||
	    memcmp(a->data, piv_aid, a->data_len) != 0)
		return SW_NOT_FOUND; /* another application: never 9000 (NOTES.md) */
	if (a->p2 == 0x0C)
		return SW_OK; /* "no response data" */
	memcpy(o->buf, apt, sizeof(apt));
	o->len = sizeof(apt);
	return SW_OK;
}

/* Hands out the next part of rbuf: at most le and cap - 2 bytes, 61xx
 * while more is left (xx: what is left, 00 for 256 or more). */
static size_t vc_deliver(struct vcard *c, size_t le, uint8_t *resp, size_t cap)
{
	size_t left = c->rlen - c->roff, n = left;
	uint16_t sw;

	if (n > le)
		n = le;
	if (n > cap - 2)
		n = cap - 2;
	if (n)
		memcpy(resp, c->rbuf + c->roff, n);
	c->roff += n;
	left -= n;
	sw = left ? SW_MORE(left) : SW_OK;
	if (!left)
		vc_resp_drop(c);
	resp[n] = (uint8_t)(sw >> 8);
	resp[n + 1] = (uint8_t)sw;
	return n + 2;
}

static size_t vc_sw(uint8_t *resp, uint16_t sw)
{
	resp[0] = (uint8_t)(sw >> 8);
	resp[1] = (uint8_t)sw;
	return 2;
}

/* Le as a number of bytes: an absent Le is taken as "as much as the form
 * allows" (clients on T=1 that leave it out still expect the data). */
static size_t vc_le(const struct apdu *a)
{
	if (a->le)
		return a->le;
	return a->extended ? 65536 : 256;
}

typedef uint16_t (*vc_cmd_fn)(struct vcard *c, const struct apdu *a, struct vc_out *o);

struct vc_cmd {
	uint8_t ins;
	int chainable; /* may arrive in parts with CLA 10 */
	vc_cmd_fn fn;
};

static const struct vc_cmd vc_cmds[] = {
	{0xA4, 0, vc_cmd_select},      {0xCB, 0, vc_cmd_get_data},
	{0x20, 0, vc_cmd_verify},      {0x24, 0, vc_cmd_change_ref},
	{0x2C, 0, vc_cmd_reset_retry}, {0x47, 0, vc_cmd_generate},
	{0x87, 1, vc_cmd_general_auth}, {0xDB, 1, vc_cmd_put_data},
};

static const struct vc_cmd *vc_cmd_find(uint8_t ins)
{
	size_t i;

	for (i = 0; i < sizeof(vc_cmds) / sizeof(vc_cmds[0]); i++) {
		if (vc_cmds[i].ins == ins)
			return &vc_cmds[i];
	}
	return NULL;
}

static int vc_chain_matches(const struct vcard *c, const struct apdu *a)
{
	return c->chain_active && c->chain_ins == a->ins && c->chain_p1 == a->p1 &&
	       c->chain_p2 == a->p2;
}

/* ISO 7816-4 5.1.1.1: a part with CLA bit 10 set is stored; the part
 * without it completes the command. A command that does not continue the
 * chain (another INS/P1/P2) drops it and stands alone. Returns 0 when the
 * part was stored (answer 9000) or *sw when it failed; 1 when the command
 * is complete, with a->data pointing at the whole. */
static int vc_chain(struct vcard *c, struct apdu *a, const struct vc_cmd *cmd, uint16_t *sw)
{
	int more = (a->cla & 0x10) != 0;

	if (!vc_chain_matches(c, a))
		vc_chain_drop(c);
	if (more && !cmd->chainable) {
		*sw = SW_CHAIN_UNSUPPORTED;
		return 0;
	}
	if (!more && !c->chain_active)
		return 1;
	if (a->data_len > VCARD_CMD_MAX - c->chain_len) {
		vc_chain_drop(c);
		*sw = SW_WRONG_LENGTH;
		return 0;
	}
	if (a->data_len)
		memcpy(c->chain + c->chain_len, a->data, a->data_len);
	c->chain_len += a->data_len;
	if (more) {
		c->chain_active = 1;
		c->chain_ins = a->ins;
		c->chain_p1 = a->p1;
		c->chain_p2 = a->p2;
		*sw = SW_OK;
		return 0;
	}
	a->data = c->chain;
	a->data_len = c->chain_len;
	return 1;
}

static size_t vc_get_response(struct vcard *c, const struct apdu *a, uint8_t *resp, size_t cap)
{
	if (a->p1 != 0 || a->p2 != 0)
		return vc_sw(resp, SW_WRONG_P1P2);
	if (a->data_len)
		return vc_sw(resp, SW_WRONG_LENGTH);
	if (c->roff >= c->rlen)
		return vc_sw(resp, SW_CONDITIONS); /* nothing pending */
	return vc_deliver(c, vc_le(a), resp, cap);
}

static size_t vc_run(struct vcard *c, struct apdu *a, uint8_t *resp, size_t cap)
{
	const struct vc_cmd *cmd = vc_cmd_find(a->ins);
	struct vc_out o = {c->rbuf, VCARD_RESP_MAX, 0};
	uint16_t sw = SW_UNKNOWN;

	if (!cmd) {
		vc_chain_drop(c);
		return vc_sw(resp, SW_INS);
	}
	if (a->data_len > VCARD_CMD_MAX) {
		vc_chain_drop(c);
		return vc_sw(resp, SW_WRONG_LENGTH);
	}
	if (!vc_chain(c, a, cmd, &sw))
		return vc_sw(resp, sw);
	sw = cmd->fn(c, a, &o);
	vc_chain_drop(c);
	if (sw != SW_OK || o.len == 0) {
		mbedtls_platform_zeroize(o.buf, o.len);
		return vc_sw(resp, sw);
	}
	c->rlen = o.len;
	c->roff = 0;
	return vc_deliver(c, vc_le(a), resp, cap);
}

size_t vcard_transmit(struct vcard *c, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		      size_t cap)
{
	struct apdu a;

	if (!resp || cap < 2)
		return 0;
	if (!c)
		return vc_sw(resp, SW_UNKNOWN);
	if (!c->powered)
		vcard_power(c, VCARD_POWER_ON);
	if (apdu_parse(cmd, cmd_len, &a) != SG_OK || (a.extended && c->short_apdus))
		return vc_sw(resp, SW_WRONG_LENGTH);
	/* Only the interindustry class without secure messaging or logical
	 * channels, with or without chaining (SP 800-73-4 part 2, 3). */
	if ((a.cla & ~0x10) != 0)
		return vc_sw(resp, SW_CLA);
	if (a.ins == 0xC0) {
		vc_chain_drop(c);
		if (a.cla & 0x10)
			return vc_sw(resp, SW_CHAIN_UNSUPPORTED);
		return vc_get_response(c, &a, resp, cap);
	}
	vc_resp_drop(c); /* any other command ends a pending answer */
	return vc_run(c, &a, resp, cap);
}

sg_err vcard_get_status(const struct vcard *c, struct vcard_status *st)
{
	if (!c || !st)
		return SG_E_INTERNAL;
	memset(st, 0, sizeof(*st));
	st->pin_tries_left = c->st.pin.tries;
	st->pin_tries_max = c->st.pin.max;
	st->puk_tries_left = c->st.puk.tries;
	st->puk_tries_max = c->st.puk.max;
	st->alg_9a = c->st.keys[VC_KEY_9A].alg;
	st->alg_9c = c->st.keys[VC_KEY_9C].alg;
	st->has_key_9a = st->alg_9a != 0;
	st->has_key_9c = st->alg_9c != 0;
	st->cert_9a_len = vc_obj_cert_len(&c->st.objs[VC_OBJ_CERT_9A]);
	st->cert_9c_len = vc_obj_cert_len(&c->st.objs[VC_OBJ_CERT_9C]);
	return SG_OK;
}
