/* sig.c: signature encodings and verification with mbedTLS. */
#include "sig.h"

#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

void sig_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	mbedtls_sha256_ret(data, len, out, 0);
}

int sig_pub_p256(const uint8_t *pt, size_t len, mbedtls_pk_context *pk)
{
	mbedtls_ecp_keypair *kp;

	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return -1;
	kp = mbedtls_pk_ec(*pk);
	if (mbedtls_ecp_group_load(&kp->grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_ecp_point_read_binary(&kp->grp, &kp->Q, pt, len) != 0 ||
	    mbedtls_ecp_check_pubkey(&kp->grp, &kp->Q) != 0)
		return -1;
	return 0;
}

/* Writes one DER INTEGER from an unsigned big-endian value. */
static size_t der_uint(const uint8_t *v, size_t n, uint8_t *out)
{
	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	size_t pad = (v[0] & 0x80) ? 1 : 0;
	out[0] = 0x02;
	out[1] = (uint8_t)(n + pad);
	out[2] = 0;
	memcpy(out + 2 + pad, v, n);
	return 2 + pad + n;
}

sg_err sig_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *der, size_t *der_len)
{
	uint8_t tmp[2 * (66 + 3) + 4];
	size_t half = raw_len / 2, n = 0;

	if (raw_len == 0 || raw_len % 2 || half > 66)
		return SG_E_MALFORMED;
	n += der_uint(raw, half, tmp + 4);
	n += der_uint(raw + half, half, tmp + 4 + n);
	/* Content is at most 2 * 69 = 138 bytes: one or two length bytes. */
	size_t hdr = n < 0x80 ? 2 : 3;
	if (*der_len < hdr + n)
		return SG_E_NOMEM;
	der[0] = 0x30;
	if (hdr == 2) {
		der[1] = (uint8_t)n;
	} else {
		der[1] = 0x81;
		der[2] = (uint8_t)n;
	}
	memcpy(der + hdr, tmp + 4, n);
	*der_len = hdr + n;
	return SG_OK;
}

sg_err sig_digest_info(const uint8_t *hash, size_t hash_len, uint8_t *out, size_t *len)
{
	/* DER of DigestInfo { AlgorithmIdentifier { sha-256 / sha-384, NULL }, OCTET STRING } */
	static const uint8_t p256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
				       0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
	static const uint8_t p384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
				       0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
	const uint8_t *pre = hash_len == 32 ? p256 : p384;

	if (hash_len != 32 && hash_len != 48)
		return SG_E_INTERNAL;
	if (*len < sizeof(p256) + hash_len)
		return SG_E_NOMEM;
	memcpy(out, pre, sizeof(p256));
	memcpy(out + sizeof(p256), hash, hash_len);
	*len = sizeof(p256) + hash_len;
	return SG_OK;
}

sg_err sig_verify_cert(const uint8_t *cert_der, size_t cert_len, enum token_sig kind,
		       const uint8_t *hash, size_t hash_len, const uint8_t *sig,
		       size_t sig_len, struct sg_error *e)
{
	mbedtls_x509_crt crt;
	mbedtls_md_type_t md = hash_len == 48 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256;
	sg_err err = SG_OK;
	int rc;

	mbedtls_x509_crt_init(&crt);
	rc = mbedtls_x509_crt_parse_der(&crt, cert_der, cert_len);
	if (rc) {
		err = sg_error_set(e, SG_E_CERT_PARSE, "mbedTLS -0x%04x", (unsigned)-rc);
		goto out;
	}
	mbedtls_pk_type_t type = mbedtls_pk_get_type(&crt.pk);
	int is_ec = type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA;
	if ((kind == TOKEN_SIG_ECDSA) != is_ec) {
		err = sg_error_set(e, SG_E_CERT_USAGE, "the certificate's key is %s",
				   mbedtls_pk_get_name(&crt.pk));
		goto out;
	}
	if (kind == TOKEN_SIG_RSA_PSS) {
		mbedtls_pk_rsassa_pss_options opt = {md, (int)hash_len};
		rc = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opt, &crt.pk, md, hash, hash_len,
					   sig, sig_len);
	} else {
		rc = mbedtls_pk_verify(&crt.pk, md, hash, hash_len, sig, sig_len);
	}
	if (rc)
		err = sg_error_set(e, SG_E_SIGNATURE, "mbedTLS -0x%04x", (unsigned)-rc);
out:
	mbedtls_x509_crt_free(&crt);
	return err;
}
