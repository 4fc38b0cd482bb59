/*
 * piv.c: the PIV client's transport, application, data objects and PIN
 * (see piv.h). Signing is in piv_sign.c, administration in piv_admin.c.
 */
#include "piv.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "apdu.h"
#include "sg_hex.h"

#define PIV_SHORT_MAX 255 /* data of one short APDU */
#define PIV_RESP_CAP 258  /* 256 bytes of data + SW1 SW2 */
#define PIV_EXT_MAX 65536 /* the most an extended Le asks for */
#define PIV_EXT_DATA_MAX 512 /* extended commands: GENERAL AUTHENTICATE of RSA-3072 */

/* SP 800-73-4 part 1, 2.2: the AID without the version (OpenSC's form,
 * which every PIV card takes as a right-truncated match). */
static const uint8_t piv_aid[] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00};

static const struct piv_slot piv_slots[PIV_N_SLOTS] = {
	{PIV_KEY_AUTH, 0x5FC105, "PIV AUTH key", "PIV Authentication"},
	{PIV_KEY_SIGN, 0x5FC10A, "SIGN key", "Digital Signature"},
	{PIV_KEY_KEYMGMT, 0x5FC10B, "KEY MAN key", "Key Management"},
	{PIV_KEY_CARDAUTH, 0x5FC101, "CARD AUTH key", "Card Authentication"},
};

const struct piv_slot *piv_slot_at(size_t i)
{
	return i < PIV_N_SLOTS ? &piv_slots[i] : NULL;
}

const struct piv_slot *piv_slot_of(uint8_t ref)
{
	for (size_t i = 0; i < PIV_N_SLOTS; i++)
		if (piv_slots[i].ref == ref)
			return &piv_slots[i];
	return NULL;
}

const struct piv_slot *piv_slot_parse(const char *s)
{
	uint8_t ref;

	if (!s)
		return NULL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (sg_hex_decode(s, strlen(s), &ref, 1))
		return NULL;
	return piv_slot_of(ref);
}

uint8_t piv_alg_for(enum token_key_type type, unsigned bits)
{
	if (type == TOKEN_KEY_RSA)
		return bits == 1024 ? PIV_ALG_RSA1024
		       : bits == 2048 ? PIV_ALG_RSA2048
		       : bits == 3072 ? PIV_ALG_RSA3072
				      : 0;
	if (type == TOKEN_KEY_EC)
		return bits == 256 ? PIV_ALG_ECCP256 : bits == 384 ? PIV_ALG_ECCP384 : 0;
	return 0;
}

/* ---- transport ----------------------------------------------------------- */

static sg_err piv_hal_err(int rc, struct sg_error *e)
{
	if (rc == HAL_EREMOVED)
		return sg_error_set(e, SG_E_CARD_REMOVED, "the card went away during an APDU");
	return sg_error_set(e, SG_E_TOKEN, "the reader failed to exchange an APDU (HAL error %d)",
			    rc);
}

/* One APDU round trip; resp gets data + SW, *rl its length (>= 2). */
static sg_err piv_xchg(const struct hal_card *card, const uint8_t *cmd, size_t cl, uint8_t *resp,
		       size_t *rl, struct sg_error *e)
{
	int rc;

	*rl = PIV_RESP_CAP;
	rc = hal_card_transmit(card, cmd, cl, resp, rl);
	if (rc != HAL_OK)
		return piv_hal_err(rc, e);
	if (*rl < 2 || *rl > PIV_RESP_CAP)
		return sg_error_set(e, SG_E_TOKEN, "the card answered %zu bytes, no status word", *rl);
	return SG_OK;
}

/* Appends data to out within *cap; SG_E_TOKEN when it does not fit. */
static sg_err piv_gather(uint8_t *out, size_t cap, size_t *have, const uint8_t *d, size_t n,
			 struct sg_error *e)
{
	if (n == 0)
		return SG_OK;
	if (!out || n > cap - *have)
		return sg_error_set(e, SG_E_TOKEN, "the card's answer is longer than %zu bytes", cap);
	memcpy(out + *have, d, n);
	*have += n;
	return SG_OK;
}

/* The rest of an answer the card keeps (61xx): GET RESPONSE until it has
 * none, with the Le a 6Cxx asks for (once); gathered into out after
 * *have. A card that keeps saying 61xx without data must not keep us. */
static sg_err piv_more(const struct hal_card *card, uint8_t *out, size_t cap, size_t *have,
		       uint16_t *sw, int retried_le, struct sg_error *e)
{
	uint8_t cmd[5] = {0x00, 0xC0, 0x00, 0x00, 0x00}, resp[PIV_RESP_CAP];
	size_t rounds = 8 + cap / 64, rl = 0;
	sg_err err = SG_OK;

	while (!err && ((*sw >> 8) == 0x61 || ((*sw >> 8) == 0x6C && !retried_le))) {
		if ((*sw >> 8) == 0x6C)
			retried_le = 1;
		else if (rounds-- == 0)
			return sg_error_set(e, SG_E_TOKEN, "the card keeps answering 61xx");
		cmd[4] = (uint8_t)*sw; /* 00: 256 */
		err = piv_xchg(card, cmd, sizeof(cmd), resp, &rl, e);
		if (err)
			break;
		*sw = (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
		if (*sw == 0x9000 || (*sw >> 8) == 0x61)
			err = piv_gather(out, cap, have, resp, rl - 2, e);
	}
	mbedtls_platform_zeroize(resp, sizeof(resp));
	return err;
}

/* Short APDUs: data chained in parts of 255 bytes (CLA 10 but the last,
 * each of which must get 9000), Le 00; a 6Cxx resends the last part once
 * with that Le; the answer gathered over 61xx. */
static sg_err piv_cmd_short(const struct hal_card *card, uint8_t ins, uint8_t p1, uint8_t p2,
			    const uint8_t *data, size_t dlen, uint8_t *out, size_t cap,
			    size_t *have, uint16_t *sw, struct sg_error *e)
{
	uint8_t cmd[5 + PIV_SHORT_MAX + 1], resp[PIV_RESP_CAP];
	size_t off = 0, rl = 0, cl = 0;
	int retried_le = 0;
	sg_err err = SG_OK;

	do {
		size_t part = dlen - off > PIV_SHORT_MAX ? PIV_SHORT_MAX : dlen - off;
		int last = off + part == dlen;

		cl = 0;
		cmd[cl++] = last ? 0x00 : 0x10;
		cmd[cl++] = ins;
		cmd[cl++] = p1;
		cmd[cl++] = p2;
		/* cppcheck-suppress knownConditionTrueFalse ; part is 0 without data */
		if (data && part) {
			cmd[cl++] = (uint8_t)part;
			memcpy(cmd + cl, data + off, part);
			cl += part;
		}
		if (last)
			cmd[cl++] = 0x00; /* Le: up to 256 */
		err = piv_xchg(card, cmd, cl, resp, &rl, e);
		off += part;
		if (err)
			goto out;
		*sw = (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
		if (!last && *sw != 0x9000)
			goto out; /* the card refused a part: its SW says why */
	} while (off < dlen);
	if ((*sw >> 8) == 0x6C) {
		/* Wrong Le: resend the last part with the one it asks for. */
		retried_le = 1;
		cmd[cl - 1] = (uint8_t)*sw;
		err = piv_xchg(card, cmd, cl, resp, &rl, e);
		if (err)
			goto out;
		*sw = (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
	}
	if (*sw == 0x9000 || (*sw >> 8) == 0x61)
		err = piv_gather(out, cap, have, resp, rl - 2, e);
	if (!err)
		err = piv_more(card, out, cap, have, sw, retried_le, e);
out:
	/* The command may have carried a PIN, a PUK or a key. */
	mbedtls_platform_zeroize(cmd, sizeof(cmd));
	mbedtls_platform_zeroize(resp, sizeof(resp));
	return err;
}

/* Extended length (ISO 7816-4 5.1): only where it saves APDUs (a command
 * of more than 255 bytes or an answer of more than 256: GET DATA and
 * GENERAL AUTHENTICATE, whose retry in short form is harmless; never
 * VERIFY, so a fallback never spends a PIN try), and only when the card's
 * ATR says it takes them and the reader has not refused them. */
static int piv_ext_ok(const struct hal_card *card, uint8_t ins, const uint8_t *out,
		      size_t dlen, size_t cap)
{
	struct hal_card_caps c;
	size_t need = 4 + 3 + dlen + 2;

	if ((ins != 0xCB && ins != 0x87) || !out || cap < 4 || dlen > PIV_EXT_DATA_MAX ||
	    (dlen <= PIV_SHORT_MAX && cap <= 256 + 2))
		return 0;
	memset(&c, 0, sizeof(c));
	if (hal_card_caps(card, &c) != HAL_OK || !apdu_atr_ext(c.atr, c.atr_len))
		return 0;
	if (cap > need)
		need = cap;
	return c.max_apdu == 0 || (c.max_apdu > HAL_CARD_SHORT_MAX && c.max_apdu >= need);
}

/* One extended APDU: 00 ins p1 p2 [00 Lc Lc data] Le Le (00 Le Le without
 * data), the answer straight into out (Le: what out holds but the status
 * word; at most 65536, 0000). *fell: the reader failed it or the card
 * refused its form (6700): nothing was done, send it again in short form.
 * The rest of the answer, if the card still has more (61xx), comes with
 * GET RESPONSE in piv_more. */
static sg_err piv_cmd_ext(const struct hal_card *card, uint8_t ins, uint8_t p1, uint8_t p2,
			  const uint8_t *data, size_t dlen, uint8_t *out, size_t cap,
			  size_t *have, uint16_t *sw, int *fell, struct sg_error *e)
{
	uint8_t cmd[4 + 3 + PIV_EXT_DATA_MAX + 2];
	size_t le = cap - 2 > PIV_EXT_MAX ? PIV_EXT_MAX : cap - 2, cl = 0, rl = le + 2;
	int rc;

	*fell = 0;
	cmd[cl++] = 0x00;
	cmd[cl++] = ins;
	cmd[cl++] = p1;
	cmd[cl++] = p2;
	cmd[cl++] = 0x00;
	if (dlen) {
		cmd[cl++] = (uint8_t)(dlen >> 8);
		cmd[cl++] = (uint8_t)dlen;
		memcpy(cmd + cl, data, dlen);
		cl += dlen;
	}
	cmd[cl++] = (uint8_t)(le >> 8); /* 65536: 00 00 */
	cmd[cl++] = (uint8_t)le;
	rc = hal_card_transmit(card, cmd, cl, out, &rl);
	mbedtls_platform_zeroize(cmd, sizeof(cmd));
	if (rc == HAL_EREMOVED)
		return piv_hal_err(rc, e);
	if (rc != HAL_OK || (rl == 2 && out[0] == 0x67 && out[1] == 0x00)) {
		*fell = 1;
		return SG_OK;
	}
	if (rl < 2 || rl > le + 2)
		return sg_error_set(e, SG_E_TOKEN, "the card answered %zu bytes, no status word", rl);
	*sw = (uint16_t)(out[rl - 2] << 8 | out[rl - 1]);
	if (*sw == 0x9000 || (*sw >> 8) == 0x61)
		*have = rl - 2;
	return SG_OK;
}

sg_err piv_cmd(const struct hal_card *card, uint8_t ins, uint8_t p1, uint8_t p2,
	       const uint8_t *data, size_t dlen, uint8_t *out, size_t *out_len, uint16_t *sw,
	       struct sg_error *e)
{
	size_t cap = out_len ? *out_len : 0, have = 0;
	int fell = 0;
	sg_err err = SG_OK;

	if (out_len)
		*out_len = 0;
	*sw = 0;
	if (dlen > 65535 || (dlen && !data))
		return sg_error_set(e, SG_E_INTERNAL, "APDU data of %zu bytes", dlen);
	if (piv_ext_ok(card, ins, out, dlen, cap))
		err = piv_cmd_ext(card, ins, p1, p2, data, dlen, out, cap, &have, sw, &fell, e);
	else
		fell = 1;
	if (fell) { /* not offered, or the reader or the card would not */
		*sw = 0;
		err = piv_cmd_short(card, ins, p1, p2, data, dlen, out, cap, &have, sw, e);
	} else if (!err) {
		err = piv_more(card, out, cap, &have, sw, 1, e);
	}
	if (!err && out_len)
		*out_len = have;
	return err;
}

sg_err piv_sw_error(uint16_t sw, const char *what, struct sg_error *e)
{
	const char *m;
	sg_err code = SG_E_TOKEN;

	switch (sw) {
	case 0x6982:
		m = "security status not satisfied (the PIN or the management key is needed)";
		break;
	case 0x6983:
		m = "blocked";
		code = SG_E_PIN_LOCKED;
		break;
	case 0x6985:
		m = "conditions of use not satisfied";
		break;
	case 0x6A80:
		m = "the card refused the data";
		break;
	case 0x6A82:
		m = "not found on the card";
		break;
	case 0x6A84:
		m = "not enough memory on the card";
		break;
	case 0x6A86:
		m = "wrong parameters (the card does not support this slot or algorithm)";
		break;
	case 0x6700:
		m = "wrong length";
		break;
	case 0x6581:
		m = "the card could not save its state (nothing changed)";
		break;
	case 0x6D00:
		m = "instruction not supported";
		break;
	case 0x6E00:
		m = "class not supported";
		break;
	default:
		m = "refused";
		break;
	}
	return sg_error_set(e, code, "%s: %s (SW %04X)", what, m, sw);
}

/* ---- application and objects -------------------------------------------- */

sg_err piv_select(const struct hal_card *card, struct sg_error *e)
{
	uint8_t fci[256];
	size_t fl = sizeof(fci);
	uint16_t sw;
	sg_err err = piv_cmd(card, 0xA4, 0x04, 0x00, piv_aid, sizeof(piv_aid), fci, &fl, &sw, e);

	if (err)
		return err;
	if (sw == 0x9000)
		return SG_OK;
	return sg_error_set(e, SG_E_NO_TOKEN, "the card has no PIV application (SELECT: SW %04X)",
			    sw);
}

sg_err piv_get_object(const struct hal_card *card, uint32_t tag, uint8_t *out, size_t cap,
		      size_t *len, struct sg_error *e)
{
	uint8_t q[5];
	size_t ql = 0, rl = cap, used;
	const uint8_t *v;
	uint32_t t;
	uint16_t sw;
	sg_err err;

	*len = 0;
	q[ql++] = 0x5C;
	if (tag > 0xFFFF) {
		q[ql++] = 3;
		q[ql++] = (uint8_t)(tag >> 16);
	} else {
		q[ql++] = tag > 0xFF ? 2 : 1;
	}
	if (tag > 0xFF)
		q[ql++] = (uint8_t)(tag >> 8);
	q[ql++] = (uint8_t)tag;
	err = piv_cmd(card, 0xCB, 0x3F, 0xFF, q, ql, out, &rl, &sw, e);
	if (err)
		return err;
	if (sw == 0x6A82)
		return SG_OK;
	if (sw != 0x9000)
		return piv_sw_error(sw, "GET DATA", e);
	if (ber_tlv_next(out, rl, &t, &v, len, &used) != SG_OK || (t != 0x53 && t != 0x7E))
		return sg_error_set(e, SG_E_TOKEN, "object %06X: not a 53 data object", tag);
	/* The value to the front of the caller's buffer: one wrapper less. */
	memmove(out, v, *len);
	return SG_OK;
}

sg_err piv_object_cert(const uint8_t *obj, size_t len, const uint8_t **der, size_t *der_len,
		       struct sg_error *e)
{
	const uint8_t *info = NULL;
	size_t il = 0;

	*der = NULL;
	*der_len = 0;
	if (ber_tlv_find(obj, len, 0x70, der, der_len) != SG_OK)
		return sg_error_set(e, SG_E_TOKEN, "certificate object does not parse");
	if (!*der || *der_len == 0)
		return sg_error_set(e, SG_E_NO_CERT, "certificate object holds no certificate");
	/* 71 CertInfo: bit 0 says gzip-compressed; signet has no inflater
	 * (a phone board should not need one for a sign-in). */
	if (ber_tlv_find(obj, len, 0x71, &info, &il) == SG_OK && info && il >= 1 && (info[0] & 1))
		return sg_error_set(e, SG_E_TOKEN,
				    "the certificate on the card is compressed (CertInfo 01), which "
				    "signet does not support; store it uncompressed");
	return SG_OK;
}

/* ---- PIN ---------------------------------------------------------------- */

sg_err piv_pin_state(const struct hal_card *card, struct token_pin_state *st, struct sg_error *e)
{
	uint16_t sw;
	sg_err err = piv_cmd(card, 0x20, 0x00, PIV_REF_PIN, NULL, 0, NULL, NULL, &sw, e);

	memset(st, 0, sizeof(*st));
	st->tries_left = SG_TRIES_UNKNOWN;
	if (err)
		return err;
	if (sw == 0x6983 || sw == 0x63C0) {
		st->locked = 1;
		st->tries_left = 0;
	} else if ((sw & 0xFFF0) == 0x63C0) {
		st->tries_left = sw & 0x0F;
		st->final_try = st->tries_left == 1;
		st->count_low = st->tries_left < 3;
	}
	return SG_OK;
}

/* FF-pads s to 8 bytes; 0 when it cannot travel in PIV's form. */
static int piv_pad(const char *s, size_t len, uint8_t out[8])
{
	memset(out, 0xFF, 8);
	if (!s || len < 1 || len > 8)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if ((uint8_t)s[i] == 0xFF)
			return 0;
		out[i] = (uint8_t)s[i];
	}
	return 1;
}

/* A PIN/PUK answer: 9000, 63Cx, 6983, 6A80 ... */
static sg_err piv_ref_result(uint16_t sw, const char *what, struct sg_error *e)
{
	if (sw == 0x9000)
		return SG_OK;
	if (sw == 0x6983)
		return sg_error_set(e, SG_E_PIN_LOCKED, "the card's %s is blocked", what);
	if (sw == 0x63C0)
		return sg_error_set(e, SG_E_PIN_LOCKED, "wrong %s, and that blocked it", what);
	if ((sw & 0xFFF0) == 0x63C0) {
		int left = sw & 0x0F;

		sg_error_set(e, SG_E_PIN_INCORRECT, "wrong %s", what);
		if (e) {
			e->tries_left = left;
			e->final_try = left == 1;
		}
		return SG_E_PIN_INCORRECT;
	}
	if (sw == 0x6A80 || sw == 0x6700)
		return sg_error_set(e, SG_E_PIN_FORMAT, "the card refused the form of the %s "
				    "(SW %04X)", what, sw);
	return piv_sw_error(sw, what, e);
}

sg_err piv_verify(const struct hal_card *card, const char *pin, size_t len, struct sg_error *e)
{
	uint8_t p[8];
	uint16_t sw = 0;
	sg_err err;

	if (!piv_pad(pin, len, p)) {
		err = sg_error_set(e, SG_E_PIN_FORMAT, "a PIV PIN has 1 to 8 characters");
		goto out;
	}
	err = piv_cmd(card, 0x20, 0x00, PIV_REF_PIN, p, sizeof(p), NULL, NULL, &sw, e);
	if (!err)
		err = piv_ref_result(sw, "PIN", e);
out:
	mbedtls_platform_zeroize(p, sizeof(p));
	return err;
}

void piv_unverify(const struct hal_card *card)
{
	uint16_t sw;

	(void)piv_cmd(card, 0x20, 0xFF, PIV_REF_PIN, NULL, 0, NULL, NULL, &sw, NULL);
}

/* CHANGE REFERENCE DATA (24) and RESET RETRY COUNTER (2C): 16 bytes. */
static sg_err piv_two(const struct hal_card *card, uint8_t ins, uint8_t ref, const char *a,
		      size_t al, const char *b, size_t bl, const char *what, struct sg_error *e)
{
	uint8_t d[16];
	uint16_t sw = 0;
	sg_err err;

	if (!piv_pad(a, al, d) || !piv_pad(b, bl, d + 8)) {
		err = sg_error_set(e, SG_E_PIN_FORMAT, "a PIV PIN or PUK has 1 to 8 characters");
		goto out;
	}
	err = piv_cmd(card, ins, 0x00, ref, d, sizeof(d), NULL, NULL, &sw, e);
	if (!err)
		err = piv_ref_result(sw, what, e);
out:
	mbedtls_platform_zeroize(d, sizeof(d));
	return err;
}

sg_err piv_change_ref(const struct hal_card *card, uint8_t ref, const char *old, size_t old_len,
		      const char *nw, size_t new_len, struct sg_error *e)
{
	return piv_two(card, 0x24, ref, old, old_len, nw, new_len,
		       ref == PIV_REF_PUK ? "PUK" : "PIN", e);
}

sg_err piv_unblock(const struct hal_card *card, const char *puk, size_t puk_len,
		   const char *pin, size_t pin_len, struct sg_error *e)
{
	return piv_two(card, 0x2C, PIV_REF_PIN, puk, puk_len, pin, pin_len, "PUK", e);
}
