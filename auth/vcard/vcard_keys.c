/*
 * vcard_keys.c: the card's private keys (SP 800-73-4 part 2, 3.3.2
 * GENERATE ASYMMETRIC KEY PAIR, 3.2.4 GENERAL AUTHENTICATE) and the
 * management key (9B) that guards key generation and PUT DATA.
 *
 * Access rules (SP 800-73-4 part 1, table 4b): 9A and 9D need the PIN;
 * 9C (digital signature) needs it for every single signature (PIN Always:
 * one VERIFY, one signature); 9E (card authentication) needs nothing.
 * Generating a key needs the management key.
 *
 * The state may change under the card (vcard_state.c): signing and the
 * management key's protocol re-read it first (vc_refresh); a new key is
 * made outside the lock (RSA takes seconds on small boards) and put in
 * under it (vc_begin .. vc_end).
 */
#include "vcard_priv.h"

#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/des.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#define RSA_BITS 2048
#define RSA_BYTES (RSA_BITS / 8)
#define RSA_EXP 65537
#define P256_BYTES 32

/* ---- management key ------------------------------------------------------ */

static size_t vc_mgmt_block(const struct vcard *c)
{
	return c->st.mgmt_alg == VCARD_MGMT_3DES ? 8 : 16;
}

/* One block of ECB encryption under the management key (SP 800-73-4 part
 * 2, appendix A.1/A.2 use the block cipher on single blocks only). */
static int vc_mgmt_encrypt(const struct vcard *c, const uint8_t *in, uint8_t *out)
{
	int r = -1;

	if (c->st.mgmt_alg == VCARD_MGMT_3DES) {
		mbedtls_des3_context d;

		mbedtls_des3_init(&d);
		if (c->st.mgmt_key_len == 24 && mbedtls_des3_set3key_enc(&d, c->st.mgmt_key) == 0)
			r = mbedtls_des3_crypt_ecb(&d, in, out);
		mbedtls_des3_free(&d);
	} else {
		mbedtls_aes_context aes;

		mbedtls_aes_init(&aes);
		if (mbedtls_aes_setkey_enc(&aes, c->st.mgmt_key, (unsigned)c->st.mgmt_key_len * 8) == 0)
			r = mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, in, out);
		mbedtls_aes_free(&aes);
	}
	return r == 0 ? 0 : -1;
}

/* Writes 7C { tag L value } into o. */
static uint16_t vc_put_dyn(struct vc_out *o, uint32_t tag, const uint8_t *v, size_t vl)
{
	size_t inner = ber_tlv_hdr_len(tag, vl) + vl;
	size_t n = ber_tlv_put_hdr(o->buf, o->cap, 0x7C, inner);

	if (!n || n + inner > o->cap)
		return SW_UNKNOWN;
	n += ber_tlv_put_hdr(o->buf + n, o->cap - n, tag, vl);
	memcpy(o->buf + n, v, vl);
	o->len = n + vl;
	return SW_OK;
}

/* Step 1 of either protocol: a fresh random block, kept for step 2.
 * Single (81 00): the challenge goes out in clear. Mutual (80 00): the
 * witness goes out encrypted; the client proves the key by decrypting it. */
static uint16_t vc_mgmt_start(struct vcard *c, enum vc_mgmt_pending kind, struct vc_out *o)
{
	size_t bs = vc_mgmt_block(c);
	uint8_t out[VC_CHAL_MAX];
	uint16_t sw;

	c->mgmt_pending = VC_MGMT_NONE;
	if (hal_rng_fill(&c->hal->rng, c->mgmt_chal, bs) != HAL_OK)
		return SW_UNKNOWN;
	if (kind == VC_MGMT_SINGLE) {
		memcpy(out, c->mgmt_chal, bs);
	} else if (vc_mgmt_encrypt(c, c->mgmt_chal, out) != 0) {
		return SW_UNKNOWN;
	}
	c->mgmt_pending = kind;
	sw = vc_put_dyn(o, kind == VC_MGMT_SINGLE ? 0x81 : 0x80, out, bs);
	mbedtls_platform_zeroize(out, sizeof(out));
	return sw;
}

/* Single step 2 (82 E(challenge)): the client encrypted our challenge. */
static uint16_t vc_mgmt_single(struct vcard *c, const uint8_t *resp)
{
	uint8_t want[VC_CHAL_MAX];
	int ok;

	ok = vc_mgmt_encrypt(c, c->mgmt_chal, want) == 0 &&
	     sg_ct_equal(want, resp, vc_mgmt_block(c));
	mbedtls_platform_zeroize(want, sizeof(want));
	c->mgmt_authed = ok;
	return ok ? SW_OK : SW_SECURITY;
}

/* Mutual step 2 (80 witness, 81 challenge): the witness decrypted proves
 * the client; our answer E(challenge) proves the card. */
static uint16_t vc_mgmt_mutual(struct vcard *c, const uint8_t *witness, const uint8_t *chal,
			       struct vc_out *o)
{
	uint8_t enc[VC_CHAL_MAX];
	uint16_t sw;

	if (!sg_ct_equal(witness, c->mgmt_chal, vc_mgmt_block(c)))
		return SW_SECURITY;
	if (vc_mgmt_encrypt(c, chal, enc) != 0)
		return SW_UNKNOWN;
	sw = vc_put_dyn(o, 0x82, enc, vc_mgmt_block(c));
	c->mgmt_authed = sw == SW_OK;
	return sw;
}

/* The dynamic authentication template's items: 80 witness, 81
 * challenge, 82 response; NULL when absent. */
struct vc_dyn {
	const uint8_t *w, *ch, *rsp, *exp;
	size_t wl, chl, rspl, expl;
};

static int vc_dyn_parse(const struct apdu *a, struct vc_dyn *d)
{
	const uint8_t *v;
	uint32_t tag;
	size_t vl, used;

	memset(d, 0, sizeof(*d));
	if (ber_tlv_next(a->data, a->data_len, &tag, &v, &vl, &used) != SG_OK || tag != 0x7C ||
	    used != a->data_len)
		return -1;
	if (ber_tlv_find(v, vl, 0x80, &d->w, &d->wl) != SG_OK ||
	    ber_tlv_find(v, vl, 0x81, &d->ch, &d->chl) != SG_OK ||
	    ber_tlv_find(v, vl, 0x82, &d->rsp, &d->rspl) != SG_OK ||
	    ber_tlv_find(v, vl, 0x85, &d->exp, &d->expl) != SG_OK)
		return -1;
	return 0;
}

static uint16_t vc_mgmt_auth(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	enum vc_mgmt_pending pending;
	size_t bs;
	struct vc_dyn d;
	uint16_t sw;

	if (vc_refresh(c) != SG_OK)
		return SW_MEMORY;
	if (a->p1 != c->st.mgmt_alg)
		return SW_WRONG_P1P2;
	if (vc_dyn_parse(a, &d) != 0)
		return SW_WRONG_DATA;
	pending = c->mgmt_pending; /* after the refresh: a new key drops it */
	bs = vc_mgmt_block(c);
	c->mgmt_authed = 0; /* any attempt starts from scratch */
	if (d.w && d.wl == 0 && !d.ch && !d.rsp)
		return vc_mgmt_start(c, VC_MGMT_MUTUAL, o);
	if (d.ch && d.chl == 0 && !d.w && !d.rsp)
		return vc_mgmt_start(c, VC_MGMT_SINGLE, o);
	c->mgmt_pending = VC_MGMT_NONE; /* a challenge answers once */
	if (d.rsp && d.rspl == bs && !d.w && !d.ch)
		sw = pending == VC_MGMT_SINGLE ? vc_mgmt_single(c, d.rsp) : SW_CONDITIONS;
	else if (d.w && d.wl == bs && d.ch && d.chl == bs && !d.rsp)
		sw = pending == VC_MGMT_MUTUAL ? vc_mgmt_mutual(c, d.w, d.ch, o) : SW_CONDITIONS;
	else
		sw = SW_WRONG_DATA;
	mbedtls_platform_zeroize(c->mgmt_chal, sizeof(c->mgmt_chal));
	return sw;
}

/* ---- signing --------------------------------------------------------------- */

/* RSA: the client did the padding; this is the raw private operation
 * (blinded with the card's RNG). */
static uint16_t vc_sign_rsa(struct vcard *c, struct vc_key *k, const struct vc_dyn *d,
			    uint8_t *out, size_t *out_len)
{
	mbedtls_rsa_context *rsa = mbedtls_pk_rsa(k->pk);

	if (d->chl != mbedtls_rsa_get_len(rsa) || d->chl != RSA_BYTES)
		return SW_WRONG_DATA;
	if (mbedtls_rsa_private(rsa, VC_RNG(c), d->ch, out) != 0)
		return SW_WRONG_DATA; /* the block is not below the modulus */
	*out_len = RSA_BYTES;
	return SW_OK;
}

/* ECDSA: the client hashed; a longer hash is cut to the field size (SP
 * 800-73-4 part 2, 3.2.4). The answer is DER SEQUENCE { r, s }. */
static uint16_t vc_sign_ec(struct vcard *c, struct vc_key *k, const struct vc_dyn *d,
			   uint8_t *out, size_t *out_len)
{
	if (d->chl == 0)
		return SW_WRONG_DATA;
	if (mbedtls_ecdsa_write_signature(mbedtls_pk_ec(k->pk), MBEDTLS_MD_SHA256, d->ch,
					  d->chl > P256_BYTES ? P256_BYTES : d->chl,
					  out, out_len, VC_RNG(c)) != 0)
		return SW_UNKNOWN;
	return SW_OK;
}

static uint16_t vc_sign(struct vcard *c, enum vc_key_slot slot, const struct apdu *a,
			struct vc_out *o)
{
	uint8_t sig[RSA_BYTES > MBEDTLS_ECDSA_MAX_LEN ? RSA_BYTES : MBEDTLS_ECDSA_MAX_LEN];
	struct vc_key *k = &c->st.keys[slot];
	size_t sl = 0;
	struct vc_dyn d;
	uint16_t sw;

	if (vc_refresh(c) != SG_OK)
		return SW_MEMORY;
	if (!k->alg)
		return SW_NOT_FOUND;
	if (a->p1 != k->alg)
		return SW_WRONG_P1P2;
	if (slot != VC_KEY_9E && !c->pin_verified)
		return SW_SECURITY;
	if (slot == VC_KEY_9C && !c->pin_fresh)
		return SW_SECURITY;
	if (vc_dyn_parse(a, &d) != 0 || !d.rsp || d.rspl != 0 || !d.ch || d.w || d.exp)
		return SW_WRONG_DATA;
	if (slot == VC_KEY_9C)
		c->pin_fresh = 0; /* PIN Always: this signature used it up */
	if (k->alg == VCARD_ALG_RSA2048)
		sw = vc_sign_rsa(c, k, &d, sig, &sl);
	else
		sw = vc_sign_ec(c, k, &d, sig, &sl);
	if (sw == SW_OK)
		sw = vc_put_dyn(o, 0x82, sig, sl);
	mbedtls_platform_zeroize(sig, sizeof(sig));
	return sw;
}

/* 00 87 alg key 7C{...}: signing with 9A/9C/9D/9E, management key 9B. */
uint16_t vc_cmd_general_auth(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	int slot;

	if (a->p2 == 0x9B)
		return vc_mgmt_auth(c, a, o);
	slot = vc_key_slot(a->p2);
	if (slot < 0)
		return SW_WRONG_P1P2;
	return vc_sign(c, (enum vc_key_slot)slot, a, o);
}

/* ---- key generation -------------------------------------------------------- */

static int vc_gen(struct vcard *c, int alg, mbedtls_pk_context *pk)
{
	mbedtls_pk_type_t t = alg == VCARD_ALG_RSA2048 ? MBEDTLS_PK_RSA : MBEDTLS_PK_ECKEY;

	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(t)) != 0)
		return -1;
	if (alg == VCARD_ALG_RSA2048)
		return mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), VC_RNG(c), RSA_BITS, RSA_EXP);
	return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), VC_RNG(c));
}

/* 7F49 { 81 modulus, 82 exponent } (SP 800-73-4 part 2, table 10). */
static uint16_t vc_pub_rsa(const mbedtls_pk_context *pk, struct vc_out *o)
{
	uint8_t n[RSA_BYTES], e[3];
	size_t inner = 4 + RSA_BYTES + 2 + sizeof(e), off;

	if (mbedtls_rsa_export_raw(mbedtls_pk_rsa(*pk), n, sizeof(n), NULL, 0, NULL, 0, NULL, 0,
				   e, sizeof(e)) != 0)
		return SW_UNKNOWN;
	off = ber_tlv_put_hdr(o->buf, o->cap, 0x7F49, inner);
	off += ber_tlv_put_hdr(o->buf + off, o->cap - off, 0x81, sizeof(n));
	memcpy(o->buf + off, n, sizeof(n));
	off += sizeof(n);
	off += ber_tlv_put_hdr(o->buf + off, o->cap - off, 0x82, sizeof(e));
	memcpy(o->buf + off, e, sizeof(e));
	o->len = off + sizeof(e);
	return SW_OK;
}

/* 7F49 { 86 04 || X || Y }. */
static uint16_t vc_pub_ec(const mbedtls_pk_context *pk, struct vc_out *o)
{
	const mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*pk);
	uint8_t pt[1 + 2 * P256_BYTES];
	size_t pl = 0, off;

	if (mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &pl, pt,
					   sizeof(pt)) != 0)
		return SW_UNKNOWN;
	off = ber_tlv_put_hdr(o->buf, o->cap, 0x7F49, 2 + pl);
	off += ber_tlv_put_hdr(o->buf + off, o->cap - off, 0x86, pl);
	memcpy(o->buf + off, pt, pl);
	o->len = off + pl;
	return SW_OK;
}

/* AC { 80 01 alg [AA pin policy] [AB touch policy] } -> alg, or 0. */
static int vc_gen_alg(const struct apdu *a)
{
	const uint8_t *v, *alg;
	size_t vl, al;
	uint32_t tag;
	size_t used;

	if (ber_tlv_next(a->data, a->data_len, &tag, &v, &vl, &used) != SG_OK || tag != 0xAC ||
	    used != a->data_len)
		return 0;
	if (ber_tlv_find(v, vl, 0x80, &alg, &al) != SG_OK || !alg || al != 1)
		return 0;
	return alg[0] == VCARD_ALG_RSA2048 || alg[0] == VCARD_ALG_ECCP256 ? alg[0] : 0;
}

/* 00 47 00 key AC{80 01 alg}: a new key pair in the slot; the old key is
 * gone once the state is saved (and kept if it cannot be). */
uint16_t vc_cmd_generate(struct vcard *c, const struct apdu *a, struct vc_out *o)
{
	struct vc_key old, nk;
	int slot, alg;
	uint16_t sw;

	slot = vc_key_slot(a->p2);
	if (a->p1 != 0x00 || slot < 0)
		return SW_WRONG_P1P2;
	if (!c->mgmt_authed)
		return SW_SECURITY;
	alg = vc_gen_alg(a);
	if (!alg)
		return SW_WRONG_DATA;
	nk.alg = alg;
	mbedtls_pk_init(&nk.pk);
	if (vc_gen(c, alg, &nk.pk) != 0) {
		mbedtls_pk_free(&nk.pk);
		return SW_UNKNOWN;
	}
	if (vc_begin(c) != SG_OK) {
		mbedtls_pk_free(&nk.pk);
		return SW_MEMORY;
	}
	if (!c->mgmt_authed) { /* the management key changed meanwhile */
		vc_end(c);
		mbedtls_pk_free(&nk.pk);
		return SW_SECURITY;
	}
	old = c->st.keys[slot];
	c->st.keys[slot] = nk;
	if (vc_save(c) != SG_OK) {
		c->st.keys[slot] = old;
		vc_end(c);
		mbedtls_pk_free(&nk.pk);
		return SW_MEMORY;
	}
	vc_end(c);
	mbedtls_pk_free(&old.pk);
	sw = alg == VCARD_ALG_RSA2048 ? vc_pub_rsa(&c->st.keys[slot].pk, o)
				      : vc_pub_ec(&c->st.keys[slot].pk, o);
	return sw;
}
