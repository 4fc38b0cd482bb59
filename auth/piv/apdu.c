/* apdu.c: command APDU parsing (ISO/IEC 7816-4 section 5.1) and BER-TLV. */
#include "apdu.h"

#include <string.h>

/* ISO 7816-4 5.1: after the 4-byte header the body is one of
 *   (empty)                  case 1
 *   Le                       case 2S    1 byte, 00 = 256
 *   Lc data                  case 3S    Lc 01..FF
 *   Lc data Le               case 4S
 *   00 Le1 Le2               case 2E    0000 = 65536
 *   00 Lc1 Lc2 data          case 3E    Lc 0001..FFFF
 *   00 Lc1 Lc2 data Le1 Le2  case 4E
 * Which one it is follows from the body's length alone. */
static sg_err apdu_body_short(const uint8_t *b, size_t n, struct apdu *out)
{
	size_t lc = b[0];

	if (lc == 0)
		return SG_E_MALFORMED; /* 00 starts an extended field */
	if (n != 1 + lc && n != 2 + lc)
		return SG_E_MALFORMED;
	out->data = b + 1;
	out->data_len = lc;
	if (n == 2 + lc)
		out->le = b[1 + lc] ? b[1 + lc] : 256;
	return SG_OK;
}

static sg_err apdu_body_ext(const uint8_t *b, size_t n, struct apdu *out)
{
	size_t lc;

	out->extended = 1;
	if (n == 3) { /* case 2E */
		lc = (size_t)b[1] << 8 | b[2];
		out->le = lc ? lc : 65536;
		return SG_OK;
	}
	lc = (size_t)b[1] << 8 | b[2];
	if (lc == 0 || (n != 3 + lc && n != 5 + lc))
		return SG_E_MALFORMED;
	out->data = b + 3;
	out->data_len = lc;
	if (n == 5 + lc) {
		size_t le = (size_t)b[3 + lc] << 8 | b[4 + lc];

		out->le = le ? le : 65536;
	}
	return SG_OK;
}

sg_err apdu_parse(const uint8_t *buf, size_t len, struct apdu *out)
{
	const uint8_t *body;
	size_t n;

	if (!out)
		return SG_E_INTERNAL;
	memset(out, 0, sizeof(*out));
	if (!buf || len < 4 || len > APDU_MAX_CMD)
		return SG_E_MALFORMED;
	out->cla = buf[0];
	out->ins = buf[1];
	out->p1 = buf[2];
	out->p2 = buf[3];
	body = buf + 4;
	n = len - 4;
	if (n == 0)
		return SG_OK; /* case 1 */
	if (n == 1) {         /* case 2S */
		out->le = body[0] ? body[0] : 256;
		return SG_OK;
	}
	if (body[0] == 0 && n >= 3)
		return apdu_body_ext(body, n, out);
	return apdu_body_short(body, n, out);
}

/* ISO 7816-3 8.2: TS T0 {TAi TBi TCi TDi} historical(K) [TCK]. The
 * historical bytes (ISO 7816-4 8.1.1): category 80 (compact-TLV objects)
 * or 00 (the same, then a 3-byte status); 10 and the rest carry no
 * capabilities we read. */
int apdu_atr_ext(const uint8_t *atr, size_t len)
{
	size_t i = 2, k, end;
	uint8_t y;

	if (!atr || len < 2)
		return 0;
	k = atr[1] & 0x0F;
	y = atr[1] >> 4;
	for (;;) {
		uint8_t td;

		i += (size_t)((y & 1) + (y >> 1 & 1) + (y >> 2 & 1)); /* TA TB TC */
		if (!(y & 8))
			break;
		if (i >= len)
			return 0;
		td = atr[i++];
		y = td >> 4;
	}
	if (k < 1 || i > len || k > len - i)
		return 0;
	end = i + k;
	if (atr[i] == 0x00 && k >= 4)
		end -= 3;
	else if (atr[i] != 0x80)
		return 0;
	for (i++; i < end;) {
		size_t l = atr[i] & 0x0F;
		uint8_t tag = atr[i] >> 4;

		if (l > end - i - 1)
			return 0;
		if (tag == 7 && l >= 3)
			return (atr[i + 3] & 0x40) != 0;
		i += 1 + l;
	}
	return 0;
}

/* ---- BER-TLV ------------------------------------------------------------ */

/* Tag: a first byte whose low five bits are all ones continues into
 * further bytes, each with bit 8 set except the last (ISO 7816-4 5.2.2.1). */
static sg_err tlv_tag(const uint8_t *buf, size_t len, uint32_t *tag, size_t *used)
{
	size_t i = 1;
	uint32_t t;

	if (len < 1 || buf[0] == 0x00 || buf[0] == 0xFF)
		return SG_E_MALFORMED; /* 00 and FF are padding, not tags */
	t = buf[0];
	if ((buf[0] & 0x1F) == 0x1F) {
		for (;;) {
			if (i >= len || i >= 3)
				return SG_E_MALFORMED;
			t = t << 8 | buf[i];
			if (!(buf[i++] & 0x80))
				break;
		}
	}
	*tag = t;
	*used = i;
	return SG_OK;
}

static sg_err tlv_len(const uint8_t *buf, size_t len, size_t *vlen, size_t *used)
{
	if (len < 1)
		return SG_E_MALFORMED;
	if (buf[0] < 0x80) {
		*vlen = buf[0];
		*used = 1;
	} else if (buf[0] == 0x81 && len >= 2) {
		*vlen = buf[1];
		*used = 2;
	} else if (buf[0] == 0x82 && len >= 3) {
		*vlen = (size_t)buf[1] << 8 | buf[2];
		*used = 3;
	} else {
		return SG_E_MALFORMED;
	}
	return SG_OK;
}

sg_err ber_tlv_next(const uint8_t *buf, size_t len, uint32_t *tag, const uint8_t **val,
		    size_t *val_len, size_t *consumed)
{
	size_t tl, ll, vl;
	sg_err r;

	if (!buf)
		return SG_E_MALFORMED;
	r = tlv_tag(buf, len, tag, &tl);
	if (r == SG_OK)
		r = tlv_len(buf + tl, len - tl, &vl, &ll);
	if (r != SG_OK)
		return r;
	if (vl > len - tl - ll)
		return SG_E_MALFORMED;
	*val = buf + tl + ll;
	*val_len = vl;
	*consumed = tl + ll + vl;
	return SG_OK;
}

sg_err ber_tlv_find(const uint8_t *buf, size_t len, uint32_t tag, const uint8_t **val,
		    size_t *val_len)
{
	size_t off = 0;

	*val = NULL;
	*val_len = 0;
	while (off < len) {
		const uint8_t *v;
		size_t vl, used;
		uint32_t t;
		sg_err r = ber_tlv_next(buf + off, len - off, &t, &v, &vl, &used);

		if (r != SG_OK)
			return r;
		if (t == tag) {
			*val = v;
			*val_len = vl;
			return SG_OK;
		}
		off += used;
	}
	return SG_OK;
}

static size_t tag_bytes(uint32_t tag)
{
	if (tag == 0 || tag > 0xFFFFFF)
		return 0;
	return tag > 0xFFFF ? 3 : tag > 0xFF ? 2 : 1;
}

size_t ber_tlv_hdr_len(uint32_t tag, size_t val_len)
{
	size_t tb = tag_bytes(tag);

	if (!tb || val_len > 0xFFFF)
		return 0;
	return tb + (val_len < 0x80 ? 1 : val_len <= 0xFF ? 2 : 3);
}

size_t ber_tlv_put_hdr(uint8_t *out, size_t cap, uint32_t tag, size_t val_len)
{
	size_t tb = tag_bytes(tag), n = ber_tlv_hdr_len(tag, val_len), i = 0;

	if (!n || !out || n > cap)
		return 0;
	while (tb > 0)
		out[i++] = (uint8_t)(tag >> (8 * --tb));
	if (val_len >= 0x100) {
		out[i++] = 0x82;
		out[i++] = (uint8_t)(val_len >> 8);
	} else if (val_len >= 0x80) {
		out[i++] = 0x81;
	}
	out[i++] = (uint8_t)val_len;
	return i;
}
