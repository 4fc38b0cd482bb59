/*
 * piv_admin.c: the PIV commands that need the card management key (9B):
 * authenticating with it (SP 800-73-4 part 2, appendix A.1: the card sends
 * a challenge, we return it encrypted), GENERATE ASYMMETRIC KEY PAIR and
 * PUT DATA.
 */
#include "piv.h"

#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/des.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "apdu.h"
#include "sg_mem.h"
#include "sig.h"

/* One ECB block under the management key. */
static int piv_mgmt_encrypt(uint8_t alg, const uint8_t *key, size_t kl, const uint8_t *in,
			    uint8_t *out)
{
	int r = -1;

	if (alg == PIV_ALG_3DES) {
		mbedtls_des3_context d;

		mbedtls_des3_init(&d);
		if (kl == 24 && mbedtls_des3_set3key_enc(&d, key) == 0)
			r = mbedtls_des3_crypt_ecb(&d, in, out);
		mbedtls_des3_free(&d);
	} else {
		mbedtls_aes_context a;

		mbedtls_aes_init(&a);
		if (mbedtls_aes_setkey_enc(&a, key, (unsigned)kl * 8) == 0)
			r = mbedtls_aes_crypt_ecb(&a, MBEDTLS_AES_ENCRYPT, in, out);
		mbedtls_aes_free(&a);
	}
	return r == 0 ? 0 : -1;
}

static size_t piv_mgmt_key_len_ok(uint8_t alg, size_t kl)
{
	switch (alg) {
	case PIV_ALG_3DES:
		return kl == 24 ? 8 : 0;
	case PIV_ALG_AES128:
		return kl == 16 ? 16 : 0;
	case PIV_ALG_AES192:
		return kl == 24 ? 16 : 0;
	case PIV_ALG_AES256:
		return kl == 32 ? 16 : 0;
	default:
		return 0;
	}
}

sg_err piv_mgmt_auth(const struct hal_card *card, uint8_t alg, const uint8_t *key, size_t key_len,
		     struct sg_error *e)
{
	static const uint8_t ask[] = {0x7C, 0x02, 0x81, 0x00};
	size_t bs = piv_mgmt_key_len_ok(alg, key_len), al, vl, used, cl;
	uint8_t ans[64], resp[4 + 16], enc[16];
	const uint8_t *v, *ch;
	uint32_t tag;
	uint16_t sw;
	sg_err err;

	if (!bs)
		return sg_error_set(e, SG_E_INVALID_ARG, "management key of %zu bytes for algorithm %02X",
				    key_len, alg);
	al = sizeof(ans);
	err = piv_cmd(card, 0x87, alg, PIV_KEY_MGMT, ask, sizeof(ask), ans, &al, &sw, e);
	if (err)
		goto out;
	if (sw != 0x9000) {
		err = piv_sw_error(sw, "management key challenge", e);
		goto out;
	}
	if (ber_tlv_next(ans, al, &tag, &v, &vl, &used) != SG_OK || tag != 0x7C ||
	    ber_tlv_find(v, vl, 0x81, &ch, &cl) != SG_OK || !ch || cl != bs) {
		err = sg_error_set(e, SG_E_TOKEN, "the card's management key challenge does not parse");
		goto out;
	}
	if (piv_mgmt_encrypt(alg, key, key_len, ch, enc) != 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "management key cipher failed");
		goto out;
	}
	resp[0] = 0x7C;
	resp[1] = (uint8_t)(2 + bs);
	resp[2] = 0x82;
	resp[3] = (uint8_t)bs;
	memcpy(resp + 4, enc, bs);
	err = piv_cmd(card, 0x87, alg, PIV_KEY_MGMT, resp, 4 + bs, NULL, NULL, &sw, e);
	if (!err && sw == 0x6982)
		err = sg_error_set(e, SG_E_TOKEN, "the card refused the management key (wrong key)");
	else if (!err && sw != 0x9000)
		err = piv_sw_error(sw, "management key", e);
out:
	mbedtls_platform_zeroize(enc, sizeof(enc));
	mbedtls_platform_zeroize(resp, sizeof(resp));
	return err;
}

/* 7F49 { 81 n, 82 e } -> an RSA public key. */
static int piv_pub_rsa(const uint8_t *v, size_t vl, mbedtls_pk_context *pk)
{
	const uint8_t *n, *x;
	size_t nl, xl;

	if (ber_tlv_find(v, vl, 0x81, &n, &nl) != SG_OK || !n || ber_tlv_find(v, vl, 0x82, &x, &xl) !=
	    SG_OK || !x || nl == 0 || xl == 0 || xl > 8)
		return -1;
	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0)
		return -1;
	if (mbedtls_rsa_import_raw(mbedtls_pk_rsa(*pk), n, nl, NULL, 0, NULL, 0, NULL, 0, x, xl) !=
	    0 || mbedtls_rsa_complete(mbedtls_pk_rsa(*pk)) != 0 ||
	    mbedtls_rsa_check_pubkey(mbedtls_pk_rsa(*pk)) != 0)
		return -1;
	return 0;
}

/* 7F49 { 86 04 X Y } -> a P-256 public key. */
static int piv_pub_ec(const uint8_t *v, size_t vl, mbedtls_pk_context *pk)
{
	const uint8_t *pt;
	size_t pl;

	if (ber_tlv_find(v, vl, 0x86, &pt, &pl) != SG_OK || !pt)
		return -1;
	return sig_pub_p256(pt, pl, pk);
}

sg_err piv_generate(const struct hal_card *card, uint8_t key, uint8_t alg, mbedtls_pk_context *pub,
		    struct sg_error *e)
{
	uint8_t tmpl[5] = {0xAC, 0x03, 0x80, 0x01, alg}, ans[600];
	size_t al = sizeof(ans), vl, used;
	const uint8_t *v;
	uint32_t tag;
	uint16_t sw;
	sg_err err;
	int r;

	if (alg != PIV_ALG_RSA2048 && alg != PIV_ALG_ECCP256)
		return sg_error_set(e, SG_E_INVALID_ARG, "key algorithm %02X (rsa2048 or p256)", alg);
	err = piv_cmd(card, 0x47, 0x00, key, tmpl, sizeof(tmpl), ans, &al, &sw, e);
	if (err)
		return err;
	if (sw != 0x9000)
		return piv_sw_error(sw, "GENERATE ASYMMETRIC KEY PAIR", e);
	if (ber_tlv_next(ans, al, &tag, &v, &vl, &used) != SG_OK || tag != 0x7F49)
		return sg_error_set(e, SG_E_TOKEN, "the card's public key does not parse");
	mbedtls_pk_free(pub);
	mbedtls_pk_init(pub);
	r = alg == PIV_ALG_RSA2048 ? piv_pub_rsa(v, vl, pub) : piv_pub_ec(v, vl, pub);
	/* The key must be the size asked for: a card that answers a shorter
	 * modulus for RSA-2048 gave a key weaker than requested. */
	if (r == 0 && alg == PIV_ALG_RSA2048 && mbedtls_pk_get_bitlen(pub) != 2048)
		r = -1;
	if (r != 0) {
		mbedtls_pk_free(pub);
		mbedtls_pk_init(pub);
		return sg_error_set(e, SG_E_TOKEN, "the card's public key is not a valid %s key",
				    alg == PIV_ALG_RSA2048 ? "RSA-2048" : "P-256");
	}
	return SG_OK;
}

sg_err piv_put_object(const struct hal_card *card, uint32_t tag, const uint8_t *val, size_t len,
		      struct sg_error *e)
{
	size_t cap = 5 + 4 + len, n = 0, h;
	uint8_t *cmd;
	uint16_t sw;
	sg_err err;

	if (len > PIV_OBJ_MAX)
		return sg_error_set(e, SG_E_INVALID_ARG, "object of %zu bytes (at most %d)", len,
				    PIV_OBJ_MAX);
	cmd = sg_calloc(1, cap);
	if (!cmd)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	/* 5C { tag } 53 { value } */
	cmd[n++] = 0x5C;
	cmd[n++] = 3;
	cmd[n++] = (uint8_t)(tag >> 16);
	cmd[n++] = (uint8_t)(tag >> 8);
	cmd[n++] = (uint8_t)tag;
	h = ber_tlv_put_hdr(cmd + n, cap - n, 0x53, len);
	if (!h) {
		err = sg_error_set(e, SG_E_INTERNAL, "object header");
		goto out;
	}
	n += h;
	if (len)
		memcpy(cmd + n, val, len);
	n += len;
	err = piv_cmd(card, 0xDB, 0x3F, 0xFF, cmd, n, NULL, NULL, &sw, e);
	if (!err && sw == 0x6982)
		err = sg_error_set(e, SG_E_TOKEN, "PUT DATA: the management key is needed (SW 6982)");
	else if (!err && sw != 0x9000)
		err = piv_sw_error(sw, "PUT DATA", e);
out:
	sg_free(cmd);
	return err;
}

sg_err piv_put_cert(const struct hal_card *card, uint8_t key, const uint8_t *der, size_t len,
		    struct sg_error *e)
{
	const struct piv_slot *s = piv_slot_of(key);
	size_t cap = len + 16, n, h;
	uint8_t *obj;
	sg_err err;

	if (!s)
		return sg_error_set(e, SG_E_INVALID_ARG, "key %02X has no certificate object", key);
	if (len == 0 || len > PIV_OBJ_MAX - 16)
		return sg_error_set(e, SG_E_INVALID_ARG, "certificate of %zu bytes", len);
	obj = sg_calloc(1, cap);
	if (!obj)
		return sg_error_set(e, SG_E_NOMEM, NULL);
	/* 70 cert, 71 00 (not compressed), FE 00 (no error detection code) */
	h = ber_tlv_put_hdr(obj, cap, 0x70, len);
	memcpy(obj + h, der, len);
	n = h + len;
	memcpy(obj + n, "\x71\x01\x00\xFE\x00", 5);
	n += 5;
	err = piv_put_object(card, s->obj_tag, obj, n, e);
	sg_free(obj);
	return err;
}
