/*
 * vcard_cli_csr.c: a PKCS#10 certification request (RFC 2986) whose
 * signature comes from the card. mbedTLS's CSR writer wants a private key
 * it can call; rather than dress the card up as one, the request is put
 * together here with mbedTLS's ASN.1 writer (which writes backwards, from
 * the end of the buffer):
 *
 *   CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, BIT STRING }
 *   info ::= SEQUENCE { version 0, subject Name, SubjectPublicKeyInfo,
 *                       [0] { extensionRequest { subjectAltName URI } } }
 */
#include "vcard_cli.h"

#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509.h>

#include "sig.h"

#define CSR_MAX 4096

#define CHK(x)                          \
	do {                            \
		int r_ = (x);           \
		if (r_ < 0)             \
			goto asn1_fail; \
		len += (size_t)r_;      \
	} while (0)

/* [0] { SEQUENCE { extensionRequest, SET { SEQUENCE { SEQUENCE { SAN,
 * OCTET STRING { SEQUENCE { [6] uri } } } } } } }, or an empty [0]. */
static int csr_attrs(uint8_t **p, uint8_t *start, const char *san)
{
	size_t len = 0;

	if (san && *san) {
		size_t ul = strlen(san);

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
	}
	CHK(mbedtls_asn1_write_len(p, start, len));
	CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED));
	return (int)len;
asn1_fail:
	return -1;
}

/* The CertificationRequestInfo, written to end at buf + cap; *ri is its start. */
static int csr_info(uint8_t *buf, size_t cap, mbedtls_pk_context *pub,
		    mbedtls_asn1_named_data *subject, const char *san, uint8_t **ri)
{
	uint8_t spki[VCLI_PUB_MAX];
	uint8_t *p = buf + cap;
	size_t len = 0;
	int n;

	CHK(csr_attrs(&p, buf, san));
	n = mbedtls_pk_write_pubkey_der(pub, spki, sizeof(spki));
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

sg_err vcsr_make(const struct hal_card *card, const struct hal_rng *rng, uint8_t ref,
		 mbedtls_pk_context *pub, const char *subject, const char *san, uint8_t *out,
		 size_t *len, struct sg_error *e)
{
	uint8_t info_buf[CSR_MAX], csr[CSR_MAX], hash[32], sig[SIG_MAX], *ri = NULL, *st = NULL;
	mbedtls_asn1_named_data *names = NULL;
	int ec = mbedtls_pk_get_type(pub) == MBEDTLS_PK_ECKEY;
	uint8_t alg = ec ? PIV_ALG_ECCP256 : PIV_ALG_RSA2048;
	size_t sl = sizeof(sig), olen = 0;
	int il, cl;
	sg_err err;

	if (mbedtls_x509_string_to_names(&names, subject) != 0 || !names)
		return sg_error_set(e, SG_E_USAGE, "--subject '%s' does not parse (e.g. "
				    "\"CN=alice,O=Example\")", subject);
	il = csr_info(info_buf, sizeof(info_buf), pub, names, san, &ri);
	mbedtls_asn1_free_named_data_list(&names);
	if (il < 0)
		return sg_error_set(e, SG_E_USAGE, "the request does not fit in %d bytes", CSR_MAX);
	sig_sha256(ri, (size_t)il, hash);
	err = piv_sign(card, rng, alg, ref, ec ? TOKEN_SIG_ECDSA : TOKEN_SIG_RSA_PKCS1, hash,
		       sizeof(hash), sig, &sl, e);
	if (err)
		return err;
	cl = csr_outer(csr, sizeof(csr), ri, (size_t)il, ec, sig, sl, &st);
	if (cl < 0)
		return sg_error_set(e, SG_E_INTERNAL, "the request does not fit in %d bytes", CSR_MAX);
	if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE REQUEST-----\n",
				     "-----END CERTIFICATE REQUEST-----\n", st, (size_t)cl, out, *len,
				     &olen) != 0)
		return sg_error_set(e, SG_E_INTERNAL, "PEM encoding failed");
	*len = olen;
	return SG_OK;
}
