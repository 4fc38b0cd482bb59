/*
 * csr.c: a PKCS#10 request signed through a callback (csr.h). mbedTLS's
 * ASN.1 writer writes backwards, from the end of the buffer, so each
 * piece is written before the header that holds it.
 */
#include "csr.h"

#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509.h>

#include "sig.h"

#define CSR_PUB_MAX 600 /* SubjectPublicKeyInfo of RSA-2048 is 294 bytes */

/* PKCS#9 challengePassword (RFC 2985 5.4.1). */
#define OID_CHALLENGE_PASSWORD MBEDTLS_OID_PKCS9 "\x07"

#define CHK(x)                          \
	do {                            \
		int r_ = (x);           \
		if (r_ < 0)             \
			goto asn1_fail; \
		len += (size_t)r_;      \
	} while (0)

/* SEQUENCE { extensionRequest, SET { SEQUENCE { SEQUENCE { SAN,
 * OCTET STRING { SEQUENCE { [6] uri } } } } } } */
static int csr_ext_req(uint8_t **p, uint8_t *start, const char *san)
{
	size_t len = 0, ul = strlen(san);

	CHK(mbedtls_asn1_write_raw_buffer(p, start, (const uint8_t *)san, ul));
	CHK(mbedtls_asn1_write_len(p, start, ul));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6));
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_OCTET_STRING));
	CHK(mbedtls_asn1_write_oid(p, start, MBEDTLS_OID_SUBJECT_ALT_NAME,
				   MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME)));
	CHK(mbedtls_asn1_write_len(p, start, len)); /* Extension */
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(mbedtls_asn1_write_len(p, start, len)); /* Extensions */
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	CHK(mbedtls_asn1_write_oid(p, start, MBEDTLS_OID_PKCS9_CSR_EXT_REQ,
				   MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS9_CSR_EXT_REQ)));
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
asn1_fail:
	return -1;
}

/* SEQUENCE { challengePassword, SET { UTF8String } } */
static int csr_challenge(uint8_t **p, uint8_t *start, const char *pw, size_t pl)
{
	size_t len = 0;

	CHK(mbedtls_asn1_write_raw_buffer(p, start, (const uint8_t *)pw, pl));
	CHK(mbedtls_asn1_write_len(p, start, pl));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_UTF8_STRING));
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	CHK(mbedtls_asn1_write_oid(p, start, OID_CHALLENGE_PASSWORD,
				   MBEDTLS_OID_SIZE(OID_CHALLENGE_PASSWORD)));
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
asn1_fail:
	return -1;
}

/* [0] { attributes }, possibly empty. */
static int csr_attrs(uint8_t **p, uint8_t *start, const struct csr_req *r)
{
	size_t len = 0;

	if (r->san_uri && *r->san_uri)
		CHK(csr_ext_req(p, start, r->san_uri));
	if (r->challenge && r->challenge_len)
		CHK(csr_challenge(p, start, r->challenge, r->challenge_len));
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED));
	return (int)len;
asn1_fail:
	return -1;
}

/* The CertificationRequestInfo, written to end at buf + cap; *ri is its start. */
static int csr_info(uint8_t *buf, size_t cap, const struct csr_req *r,
		    mbedtls_asn1_named_data *subject, uint8_t **ri)
{
	uint8_t spki[CSR_PUB_MAX];
	uint8_t *p = buf + cap;
	size_t len = 0;
	int n;

	CHK(csr_attrs(&p, buf, r));
	n = mbedtls_pk_write_pubkey_der(r->pub, spki, sizeof(spki));
	if (n <= 0)
		return -1;
	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, spki + sizeof(spki) - n, (size_t)n));
	CHK(mbedtls_x509_write_names(&p, buf, subject));
	CHK(mbedtls_asn1_write_int(&p, buf, 0));
	CHK(mbedtls_asn1_write_len(&p, buf, len));
	CHK(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*ri = p;
	return (int)len;
asn1_fail:
	return -1;
}

/* SEQUENCE { info, AlgorithmIdentifier, BIT STRING sig } into buf's end. */
static int csr_outer(uint8_t *buf, size_t cap, const uint8_t *info, size_t il, int ec,
		     const uint8_t *sig, size_t sl, uint8_t **start)
{
	uint8_t *p = buf + cap;
	size_t len = 0, alen = 0;
	const char *oid;
	size_t oid_len;

	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, sig, sl));
	if (p == buf)
		return -1;
	*--p = 0; /* no unused bits */
	len++;
	CHK(mbedtls_asn1_write_len(&p, buf, sl + 1));
	CHK(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_BIT_STRING));
	if (mbedtls_oid_get_oid_by_sig_alg(ec ? MBEDTLS_PK_ECDSA : MBEDTLS_PK_RSA, MBEDTLS_MD_SHA256,
					   &oid, &oid_len) != 0)
		return -1;
	/* RFC 5758: no parameters for ECDSA; RFC 4055: NULL for RSA. */
	if (!ec) {
		int r = mbedtls_asn1_write_null(&p, buf);

		if (r < 0)
			return -1;
		alen += (size_t)r;
	}
	{
		int r = mbedtls_asn1_write_oid(&p, buf, oid, oid_len);

		if (r < 0)
			return -1;
		alen += (size_t)r;
	}
	len += alen;
	CHK(mbedtls_asn1_write_len(&p, buf, alen));
	CHK(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, info, il));
	CHK(mbedtls_asn1_write_len(&p, buf, len));
	CHK(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*start = p;
	return (int)len;
asn1_fail:
	return -1;
}

sg_err csr_make(const struct csr_req *r, csr_sign_h sign, void *arg, uint8_t *out, size_t *len,
		struct sg_error *e)
{
	uint8_t info_buf[CSR_MAX], csr[CSR_MAX], hash[32], sig[SIG_MAX], *ri = NULL, *st = NULL;
	mbedtls_asn1_named_data *names = NULL;
	int ec = mbedtls_pk_get_type(r->pub) == MBEDTLS_PK_ECKEY;
	size_t sl = sizeof(sig);
	int il, cl;
	sg_err err = SG_OK;

	if (!r->subject || mbedtls_x509_string_to_names(&names, r->subject) != 0 || !names)
		return sg_error_set(e, SG_E_INVALID_ARG, "subject '%s' does not parse (e.g. "
				    "\"CN=alice,O=Example\")", r->subject ? r->subject : "");
	il = csr_info(info_buf, sizeof(info_buf), r, names, &ri);
	mbedtls_asn1_free_named_data_list(&names);
	if (il < 0) {
		err = sg_error_set(e, SG_E_INVALID_ARG, "the request does not fit in %d bytes", CSR_MAX);
		goto out;
	}
	sig_sha256(ri, (size_t)il, hash);
	err = sign(arg, ec ? TOKEN_SIG_ECDSA : TOKEN_SIG_RSA_PKCS1, hash, sig, &sl, e);
	if (err)
		goto out;
	cl = csr_outer(csr, sizeof(csr), ri, (size_t)il, ec, sig, sl, &st);
	if (cl < 0 || (size_t)cl > *len) {
		err = sg_error_set(e, SG_E_INTERNAL, "the request does not fit in %zu bytes", *len);
		goto out;
	}
	memcpy(out, st, (size_t)cl);
	*len = (size_t)cl;
out:
	/* The challenge password is in both buffers. */
	mbedtls_platform_zeroize(info_buf, sizeof(info_buf));
	mbedtls_platform_zeroize(csr, sizeof(csr));
	return err;
}
