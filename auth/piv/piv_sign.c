/*
 * piv_sign.c: signing with a PIV card (SP 800-73-4 part 2, 3.2.4 GENERAL
 * AUTHENTICATE). The card does only the private-key operation: for RSA it
 * gets the whole padded block (PKCS#1 v1.5 or EMSA-PSS, built here), for
 * ECDSA the hash cut to the curve's size, and answers DER SEQUENCE{r,s}.
 */
#include "piv.h"

#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "apdu.h"
#include "sig.h"

#define PIV_RSA_MAX 384 /* RSA-3072 */

sg_err piv_general_auth(const struct hal_card *card, uint8_t alg, uint8_t key,
			const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
			struct sg_error *e)
{
	/* 7C { 82 00, 81 <in> }: "answer with the response to this challenge". */
	uint8_t cmd[16 + PIV_RSA_MAX], ans[16 + 2 * PIV_RSA_MAX];
	size_t inner = 2 + ber_tlv_hdr_len(0x81, in_len) + in_len, n, al = sizeof(ans), used, vl;
	const uint8_t *v, *r;
	uint32_t tag;
	uint16_t sw;
	sg_err err;

	if (in_len == 0 || in_len > PIV_RSA_MAX)
		return sg_error_set(e, SG_E_INTERNAL, "GENERAL AUTHENTICATE input of %zu bytes",
				    in_len);
	n = ber_tlv_put_hdr(cmd, sizeof(cmd), 0x7C, inner);
	cmd[n++] = 0x82;
	cmd[n++] = 0x00;
	n += ber_tlv_put_hdr(cmd + n, sizeof(cmd) - n, 0x81, in_len);
	memcpy(cmd + n, in, in_len);
	n += in_len;
	err = piv_cmd(card, 0x87, alg, key, cmd, n, ans, &al, &sw, e);
	mbedtls_platform_zeroize(cmd, sizeof(cmd));
	if (err)
		return err;
	if (sw == 0x6982)
		return sg_error_set(e, SG_E_TOKEN,
				    "key %02X: the card wants the PIN first%s (SW 6982)", key,
				    key == PIV_KEY_SIGN ? " (key 9C: right before each signature)"
							: "");
	if (sw != 0x9000)
		return piv_sw_error(sw, "GENERAL AUTHENTICATE", e);
	if (ber_tlv_next(ans, al, &tag, &v, &vl, &used) != SG_OK || tag != 0x7C ||
	    ber_tlv_find(v, vl, 0x82, &r, &n) != SG_OK || !r || n == 0)
		return sg_error_set(e, SG_E_TOKEN, "the card's signature answer does not parse");
	if (n > *out_len)
		return sg_error_set(e, SG_E_TOKEN, "the card's signature has %zu bytes", n);
	memcpy(out, r, n);
	*out_len = n;
	return SG_OK;
}

/* EMSA-PKCS1-v1_5 (RFC 8017 9.2): 00 01 FF.. 00 DigestInfo. */
static sg_err piv_pad_pkcs1(const uint8_t *hash, size_t hash_len, uint8_t *em, size_t k,
			    struct sg_error *e)
{
	uint8_t di[80];
	size_t dl = sizeof(di);

	if (sig_digest_info(hash, hash_len, di, &dl) != SG_OK || dl + 11 > k)
		return sg_error_set(e, SG_E_INTERNAL, "cannot build the DigestInfo");
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xFF, k - dl - 3);
	em[k - dl - 1] = 0x00;
	memcpy(em + k - dl, di, dl);
	return SG_OK;
}

/* MGF1 (RFC 8017 B.2.1) XORed into out[0..len). */
static int piv_mgf1_xor(const mbedtls_md_info_t *md, const uint8_t *seed, size_t sl, uint8_t *out,
			size_t len)
{
	uint8_t c[4] = {0}, h[MBEDTLS_MD_MAX_SIZE];
	size_t hl = mbedtls_md_get_size(md), done = 0;
	mbedtls_md_context_t ctx;
	int r = 0;

	mbedtls_md_init(&ctx);
	if (mbedtls_md_setup(&ctx, md, 0) != 0) {
		r = -1;
		goto out;
	}
	for (uint32_t i = 0; done < len; i++) {
		c[0] = (uint8_t)(i >> 24);
		c[1] = (uint8_t)(i >> 16);
		c[2] = (uint8_t)(i >> 8);
		c[3] = (uint8_t)i;
		if (mbedtls_md_starts(&ctx) || mbedtls_md_update(&ctx, seed, sl) ||
		    mbedtls_md_update(&ctx, c, 4) || mbedtls_md_finish(&ctx, h)) {
			r = -1;
			goto out;
		}
		for (size_t j = 0; j < hl && done < len; j++)
			out[done++] ^= h[j];
	}
out:
	mbedtls_md_free(&ctx);
	mbedtls_platform_zeroize(h, sizeof(h));
	return r;
}

/* EMSA-PSS-ENCODE (RFC 8017 9.1.1) with salt length = hash length and
 * MGF1 over the same hash, for a modulus of k bytes whose top bit is set
 * (every RSA key PIV knows: 1024/2048/3072 bits), so emBits = 8k - 1. */
static sg_err piv_pad_pss(const struct hal_rng *rng, const uint8_t *hash, size_t hl, uint8_t *em,
			  size_t k, struct sg_error *e)
{
	const mbedtls_md_info_t *md =
		mbedtls_md_info_from_type(hl == 48 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256);
	uint8_t mp[8 + 2 * 48], *h = em + k - hl - 1, salt[48];
	size_t dbl = k - hl - 1;
	sg_err err = SG_OK;

	if (!md || k < 2 * hl + 2)
		return sg_error_set(e, SG_E_INTERNAL, "PSS: key too small for the hash");
	if (hal_rng_fill(rng, salt, hl) != HAL_OK)
		return sg_error_set(e, SG_E_INTERNAL, "PSS: no random numbers from the device");
	/* H = Hash(00 x8 || mHash || salt) */
	memset(mp, 0, 8);
	memcpy(mp + 8, hash, hl);
	memcpy(mp + 8 + hl, salt, hl);
	if (mbedtls_md(md, mp, 8 + 2 * hl, h) != 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "PSS: hash failed");
		goto out;
	}
	/* DB = PS (zeros) || 01 || salt, masked with MGF1(H). */
	memset(em, 0, dbl);
	em[dbl - hl - 1] = 0x01;
	memcpy(em + dbl - hl, salt, hl);
	if (piv_mgf1_xor(md, h, hl, em, dbl) != 0) {
		err = sg_error_set(e, SG_E_INTERNAL, "PSS: MGF1 failed");
		goto out;
	}
	em[0] &= 0x7F; /* 8 * emLen - emBits = 1 leftmost bit */
	em[k - 1] = 0xBC;
out:
	mbedtls_platform_zeroize(mp, sizeof(mp));
	mbedtls_platform_zeroize(salt, sizeof(salt));
	return err;
}

static size_t piv_rsa_bytes(uint8_t alg)
{
	return alg == PIV_ALG_RSA1024 ? 128 : alg == PIV_ALG_RSA2048 ? 256
					   : alg == PIV_ALG_RSA3072 ? 384
								    : 0;
}

sg_err piv_sign(const struct hal_card *card, const struct hal_rng *rng, uint8_t alg, uint8_t key,
		enum token_sig sig, const uint8_t *hash, size_t hash_len, uint8_t *out,
		size_t *out_len, struct sg_error *e)
{
	uint8_t em[PIV_RSA_MAX];
	size_t k = piv_rsa_bytes(alg);
	sg_err err;

	if (hash_len != 32 && hash_len != 48)
		return sg_error_set(e, SG_E_INTERNAL, "unsupported hash length %zu", hash_len);
	if (sig == TOKEN_SIG_ECDSA) {
		size_t field = alg == PIV_ALG_ECCP256 ? 32 : alg == PIV_ALG_ECCP384 ? 48 : 0;

		if (!field)
			return sg_error_set(e, SG_E_CERT_USAGE, "key %02X is not an EC key", key);
		return piv_general_auth(card, alg, key, hash, hash_len > field ? field : hash_len,
					out, out_len, e);
	}
	if (!k)
		return sg_error_set(e, SG_E_CERT_USAGE, "key %02X is not an RSA key", key);
	if (sig == TOKEN_SIG_RSA_PSS)
		err = piv_pad_pss(rng, hash, hash_len, em, k, e);
	else
		err = piv_pad_pkcs1(hash, hash_len, em, k, e);
	if (!err)
		err = piv_general_auth(card, alg, key, em, k, out, out_len, e);
	mbedtls_platform_zeroize(em, sizeof(em));
	return err;
}
