/*
 * vcard_objects.c: the card's data objects (SP 800-73-4 part 1, 3.1 and
 * 3.3): GET DATA and PUT DATA, and the objects a new card starts with.
 *
 * Each object is kept as the value of its BER-TLV wrapper (53, or 7E for
 * the discovery object) and answered wrapped. Every object here is free to
 * read (the ones that need the PIN, biometrics and printed information,
 * do not exist on this card); writing needs the management key. Both
 * work on the state as stored now (vc_refresh; vc_begin .. vc_end).
 */
#include "vcard_priv.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "sg_mem.h"

struct vc_obj_def {
	uint32_t tag;   /* the object's identifier in the 5C tag list */
	uint32_t outer; /* the wrapper of its value in GET DATA */
	int writable;
};

static const struct vc_obj_def vc_obj_defs[VC_OBJ_COUNT] = {
	[VC_OBJ_CHUID] = {0x5FC102, 0x53, 1},   [VC_OBJ_CCC] = {0x5FC107, 0x53, 1},
	[VC_OBJ_CERT_9A] = {0x5FC105, 0x53, 1}, [VC_OBJ_CERT_9C] = {0x5FC10A, 0x53, 1},
	[VC_OBJ_CERT_9D] = {0x5FC10B, 0x53, 1}, [VC_OBJ_CERT_9E] = {0x5FC101, 0x53, 1},
	[VC_OBJ_DISCOVERY] = {0x7E, 0x7E, 0},
};

int vc_key_slot(uint8_t ref)
{
	switch (ref) {
	case 0x9A:
		return VC_KEY_9A;
	case 0x9C:
		return VC_KEY_9C;
	case 0x9D:
		return VC_KEY_9D;
	case 0x9E:
		return VC_KEY_9E;
	default:
		return -1;
	}
}

enum vc_obj_id vc_cert_obj(enum vc_key_slot k)
{
	static const enum vc_obj_id m[VC_KEY_COUNT] = {VC_OBJ_CERT_9A, VC_OBJ_CERT_9C,
						      VC_OBJ_CERT_9D, VC_OBJ_CERT_9E};
	return m[k];
}

size_t vc_obj_cert_len(const struct vc_obj *o)
{
	const uint8_t *v;
	size_t vl;

	if (!o->data || ber_tlv_find(o->data, o->len, 0x70, &v, &vl) != SG_OK || !v)
		return 0;
	return vl;
}

static int vc_obj_by_tag(uint32_t tag)
{
	int i;

	for (i = 0; i < VC_OBJ_COUNT; i++) {
		if (vc_obj_defs[i].tag == tag)
			return i;
	}
	return -1;
}

/* The tag list 5C { 1-3 byte tag } that names one object; 0 when the
 * data is not exactly that. */
static uint32_t vc_tag_list(const uint8_t *data, size_t len, size_t *used_out)
{
	const uint8_t *v;
	size_t vl, used, i;
	uint32_t tag, t = 0;

	if (ber_tlv_next(data, len, &tag, &v, &vl, &used) != SG_OK || tag != 0x5C || vl < 1 ||
	    vl > 3)
		return 0;
	for (i = 0; i < vl; i++)
		t = t << 8 | v[i];
	*used_out = used;
	return t;
}

/* 00 CB 3F FF 5C{tag}: the object, wrapped. */
uint16_t vc_cmd_get_data(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	const struct vc_obj *obj;
	size_t used = 0, n;
	uint32_t tag;
	int id;

	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return SW_WRONG_P1P2;
	tag = vc_tag_list(a->data, a->data_len, &used);
	if (!tag || used != a->data_len)
		return SW_WRONG_DATA;
	if (vc_refresh(c) != SG_OK)
		return SW_MEMORY;
	id = vc_obj_by_tag(tag);
	if (id < 0 || !c->st.objs[id].data)
		return SW_NOT_FOUND;
	obj = &c->st.objs[id];
	n = ber_tlv_put_hdr(o->buf, o->cap, vc_obj_defs[id].outer, obj->len);
	if (!n || n + obj->len > o->cap)
		return SW_UNKNOWN; /* cannot happen: objects are bounded */
	memcpy(o->buf + n, obj->data, obj->len);
	o->len = n + obj->len;
	return SW_OK;
}

void vc_free_obj(struct vc_obj *o)
{
	sg_free(o->data);
	o->data = NULL;
	o->len = 0;
}

/* 00 DB 3F FF 5C{tag} 53{value}: replaces the object; an empty value
 * deletes it (as YubiKeys do). */
uint16_t vc_cmd_put_data(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	struct vc_obj old, nw = {NULL, 0};
	const uint8_t *v;
	size_t used = 0, vl, used2;
	uint32_t tag, t2;
	int id;

	(void)o;
	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return SW_WRONG_P1P2;
	if (!c->mgmt_authed)
		return SW_SECURITY;
	tag = vc_tag_list(a->data, a->data_len, &used);
	id = tag ? vc_obj_by_tag(tag) : -1;
	if (id < 0 || !vc_obj_defs[id].writable)
		return SW_WRONG_DATA;
	if (ber_tlv_next(a->data + used, a->data_len - used, &t2, &v, &vl, &used2) != SG_OK ||
	    t2 != 0x53 || used + used2 != a->data_len)
		return SW_WRONG_DATA;
	if (vl > VCARD_OBJECT_MAX)
		return SW_NO_SPACE;
	if (vl) {
		nw.data = sg_calloc(1, vl);
		if (!nw.data)
			return SW_MEMORY;
		memcpy(nw.data, v, vl);
		nw.len = vl;
	}
	if (vc_begin(c) != SG_OK) {
		vc_free_obj(&nw);
		return SW_MEMORY;
	}
	if (!c->mgmt_authed) { /* the management key changed meanwhile */
		vc_end(c);
		vc_free_obj(&nw);
		return SW_SECURITY;
	}
	old = c->st.objs[id];
	c->st.objs[id] = nw;
	if (vc_save(c) != SG_OK) {
		c->st.objs[id] = old;
		vc_end(c);
		vc_free_obj(&nw);
		return SW_MEMORY;
	}
	vc_end(c);
	vc_free_obj(&old);
	return SW_OK;
}

/* ---- a new card's objects ------------------------------------------------- */

/* FASC-N (TIG SCEPACS, "Technical Implementation Guidance: Smart Card
 * Enabled Physical Access Control Systems" v2.2): 40 characters of 5 bits,
 * 4 data bits least significant first and an odd parity bit, packed from
 * the most significant bit of the first byte on. */
#define FASCN_SS 0xB
#define FASCN_FS 0xD
#define FASCN_ES 0xF

struct fascn {
	uint8_t out[25];
	size_t bit;
	uint8_t lrc;
};

static void fascn_put(struct fascn *f, uint8_t ch)
{
	uint8_t bits[5], ones = 0;
	size_t i;

	for (i = 0; i < 4; i++) {
		bits[i] = (ch >> i) & 1;
		ones += bits[i];
	}
	bits[4] = (ones & 1) ? 0 : 1;
	for (i = 0; i < 5; i++, f->bit++) {
		if (bits[i])
			f->out[f->bit / 8] |= (uint8_t)(0x80 >> (f->bit % 8));
	}
	f->lrc ^= ch;
}

static void fascn_digits(struct fascn *f, const char *d)
{
	while (*d)
		fascn_put(f, (uint8_t)(*d++ - '0'));
}

/* Agency 9999 (not a federal agency), random system code, credential and
 * person identifier, so every card has its own stable serial. */
static sg_err vc_fascn(const struct vcard *c, uint8_t out[25])
{
	uint8_t rnd[20];
	char sys[5], cred[7], pi[11];
	struct fascn f;
	size_t i;

	if (hal_rng_fill(&c->hal->rng, rnd, sizeof(rnd)) != HAL_OK)
		return SG_E_IO;
	for (i = 0; i < 4; i++)
		sys[i] = (char)('0' + rnd[i] % 10);
	for (i = 0; i < 6; i++)
		cred[i] = (char)('0' + rnd[4 + i] % 10);
	for (i = 0; i < 10; i++)
		pi[i] = (char)('0' + rnd[10 + i] % 10);
	sys[4] = cred[6] = pi[10] = '\0';
	memset(&f, 0, sizeof(f));
	fascn_put(&f, FASCN_SS);
	fascn_digits(&f, "9999");
	fascn_put(&f, FASCN_FS);
	fascn_digits(&f, sys);
	fascn_put(&f, FASCN_FS);
	fascn_digits(&f, cred);
	fascn_put(&f, FASCN_FS);
	fascn_digits(&f, "1"); /* credential series */
	fascn_put(&f, FASCN_FS);
	fascn_digits(&f, "1"); /* individual credential issue */
	fascn_put(&f, FASCN_FS);
	fascn_digits(&f, pi);
	fascn_digits(&f, "1");    /* organizational category: federal */
	fascn_digits(&f, "9999"); /* organizational identifier */
	fascn_digits(&f, "1");    /* person/organization association */
	fascn_put(&f, FASCN_ES);
	fascn_put(&f, f.lrc);
	memcpy(out, f.out, sizeof(f.out));
	return SG_OK;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void vc_civil(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Expiry "YYYYMMDD" ten years from today (2099-12-31 when the device does
 * not know the date yet). */
static void vc_expiry(const struct vcard *c, uint8_t out[8])
{
	int64_t now;
	int y = 2099, m = 12, d = 31, i;

	if (hal_clock_wall(&c->hal->clock, &now) == HAL_OK && now > 0) {
		vc_civil(now / 86400, &y, &m, &d);
		y += 10;
		if (m == 2 && d == 29)
			d = 28;
	}
	if (y > 9999)
		y = 9999;
	for (i = 3; i >= 0; i--, y /= 10)
		out[i] = (uint8_t)('0' + y % 10);
	out[4] = (uint8_t)('0' + m / 10);
	out[5] = (uint8_t)('0' + m % 10);
	out[6] = (uint8_t)('0' + d / 10);
	out[7] = (uint8_t)('0' + d % 10);
}

static sg_err vc_obj_set(struct vcard *c, enum vc_obj_id id, const uint8_t *v, size_t len)
{
	vc_free_obj(&c->st.objs[id]);
	c->st.objs[id].data = sg_calloc(1, len);
	if (!c->st.objs[id].data)
		return SG_E_NOMEM;
	memcpy(c->st.objs[id].data, v, len);
	c->st.objs[id].len = len;
	return SG_OK;
}

/* SP 800-73-4 part 1, table 9: 30 FASC-N, 34 GUID, 35 expiry, 3E issuer
 * signature (empty: this card's CHUID is not signed), FE error detection. */
static sg_err vc_chuid(struct vcard *c)
{
	uint8_t v[2 + 25 + 2 + 16 + 2 + 8 + 2 + 2];
	size_t o = 0;
	sg_err r;

	v[o++] = 0x30;
	v[o++] = 25;
	r = vc_fascn(c, v + o);
	o += 25;
	v[o++] = 0x34;
	v[o++] = 16;
	if (r == SG_OK && hal_rng_fill(&c->hal->rng, v + o, 16) != HAL_OK)
		r = SG_E_IO;
	v[o + 6] = (uint8_t)((v[o + 6] & 0x0F) | 0x40); /* RFC 4122 version 4 */
	v[o + 8] = (uint8_t)((v[o + 8] & 0x3F) | 0x80);
	o += 16;
	v[o++] = 0x35;
	v[o++] = 8;
	vc_expiry(c, v + o);
	o += 8;
	memcpy(v + o, "\x3E\x00\xFE\x00", 4);
	o += 4;
	return r == SG_OK ? vc_obj_set(c, VC_OBJ_CHUID, v, o) : r;
}

/* SP 800-73-4 part 1, table 8: card identifier F0 (GSC-RID A0 00 00 01 16,
 * manufacturer FF, card type 02, 14 random bytes), versions 21, data model
 * 10, the rest empty. */
static sg_err vc_ccc(struct vcard *c)
{
	static const uint8_t head[] = {0xF0, 0x15, 0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02};
	static const uint8_t tail[] = {0xF1, 0x01, 0x21, 0xF2, 0x01, 0x21, 0xF3, 0x00,
				       0xF4, 0x01, 0x00, 0xF5, 0x01, 0x10, 0xF6, 0x00,
				       0xF7, 0x00, 0xFA, 0x00, 0xFB, 0x00, 0xFC, 0x00,
				       0xFD, 0x00, 0xFE, 0x00};
	uint8_t v[sizeof(head) + 14 + sizeof(tail)];

	memcpy(v, head, sizeof(head));
	if (hal_rng_fill(&c->hal->rng, v + sizeof(head), 14) != HAL_OK)
		return SG_E_IO;
	memcpy(v + sizeof(head) + 14, tail, sizeof(tail));
	return vc_obj_set(c, VC_OBJ_CCC, v, sizeof(v));
}

/* SP 800-73-4 part 1, 3.3.2: the PIV AID and the PIN usage policy 40 00
 * (the PIV PIN only; no global PIN, no pairing code). */
static sg_err vc_discovery(struct vcard *c)
{
	static const uint8_t v[] = {0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10,
				    0x00, 0x01, 0x00, 0x5F, 0x2F, 0x02, 0x40, 0x00};
	return vc_obj_set(c, VC_OBJ_DISCOVERY, v, sizeof(v));
}

sg_err vc_objects_init(struct vcard *c)
{
	sg_err r = vc_chuid(c);

	if (r == SG_OK)
		r = vc_ccc(c);
	if (r == SG_OK)
		r = vc_discovery(c);
	return r;
}
