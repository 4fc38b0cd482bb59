/*
 * ocsp.c: OCSP requests and responses (RFC 6960) on mbedTLS 2.28's ASN.1
 * and X.509 primitives.
 *
 * mbedTLS's parsers take `unsigned char **` although they never write
 * through it; the casts from const below are for that reason only.
 *
 * Parsing is strict about framing (every length must end exactly where its
 * container ends, no trailing bytes) and lenient about content that does
 * not matter to us: extensions we do not know are skipped unless marked
 * critical, and SingleResponses beyond OCSP_MAX_SINGLE / certificates
 * beyond OCSP_MAX_CERTS are checked for form and then ignored (a response
 * about many certificates still answers for the first ones; one we did not
 * look at cannot be mistaken for ours).
 */
#include "ocsp.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509.h>

#include "sg_time.h"

#define TAG_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_EXPLICIT(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))
#define TAG_IMPLICIT_PRIM(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | (n))

#define SHA1_LEN 20

/* id-pkix-ocsp-basic 1.3.6.1.5.5.7.48.1.1 */
static const uint8_t oid_basic[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
/* id-pkix-ocsp-nonce 1.3.6.1.5.5.7.48.1.2 */
static const uint8_t oid_nonce[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02};
/* (spelt out: mbedTLS's MBEDTLS_OID_* are string literals whose sizeof
 * counts the terminating NUL) */
/* sha1 1.3.14.3.2.26 */
static const uint8_t oid_sha1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
/* sha256 2.16.840.1.101.3.4.2.1 */
static const uint8_t oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
/* id-kp-OCSPSigning 1.3.6.1.5.5.7.3.9 */
static const uint8_t oid_ocsp_signing[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09};

/* ---- small helpers ---------------------------------------------------- */

static int buf_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || !memcmp(a, b, alen));
}

static int64_t x509_secs(const mbedtls_x509_time *t)
{
	return sg_time_from_utc(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static int digest(mbedtls_md_type_t t, const uint8_t *in, size_t len, uint8_t *out)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(t);
	return md ? mbedtls_md(md, in, len, out) : -1;
}

/* The contents of a certificate's subjectPublicKey BIT STRING, without the
 * unused-bits byte: what CertIDs and byKey responder IDs hash (RFC 6960
 * 4.1.1, 4.2.1), as opposed to the whole SubjectPublicKeyInfo. */
static int key_bits(const mbedtls_x509_crt *c, const uint8_t **out, size_t *out_len)
{
	unsigned char *p = c->pk_raw.p;
	const unsigned char *end;
	mbedtls_asn1_buf alg, params;
	size_t len;

	if (!p || !c->pk_raw.len)
		return -1;
	end = p + c->pk_raw.len;
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ))
		return -1;
	end = p + len;
	if (mbedtls_asn1_get_alg(&p, end, &alg, &params) ||
	    mbedtls_asn1_get_bitstring_null(&p, end, &len))
		return -1;
	*out = p;
	*out_len = len;
	return 0;
}

/* DER INTEGERs are minimal, so equal serials have equal bytes; stripping
 * leading zeros would make 00 FF (255) equal FF (-1). */
static int serial_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return buf_eq(a, alen, b, blen);
}

/* ---- request ---------------------------------------------------------- */

/* Adds a writer's result (a length, or a negative mbedTLS error) to *n. */
static int put(size_t *n, int ret)
{
	if (ret < 0)
		return ret;
	*n += (size_t)ret;
	return 0;
}

/* Wraps the *n bytes just written in tag and length. */
static int wrap(unsigned char **p, unsigned char *start, size_t *n, unsigned char tag)
{
	int ret = put(n, mbedtls_asn1_write_len(p, start, *n));
	return ret ? ret : put(n, mbedtls_asn1_write_tag(p, start, tag));
}

/* requestExtensions [2] EXPLICIT { Extension { id-pkix-ocsp-nonce,
 * OCTET STRING { OCTET STRING nonce } } }: the nonce wrapped in an OCTET
 * STRING inside extnValue, as OpenSSL sends and expects it (RFC 8954). */
static int write_nonce(unsigned char **p, unsigned char *start, const uint8_t *nonce,
		       size_t nonce_len, size_t *n)
{
	size_t x = 0;
	int ret;

	if ((ret = put(&x, mbedtls_asn1_write_octet_string(p, start, nonce, nonce_len))) ||
	    (ret = wrap(p, start, &x, MBEDTLS_ASN1_OCTET_STRING)) ||
	    (ret = put(&x, mbedtls_asn1_write_oid(p, start, (const char *)oid_nonce,
						   sizeof(oid_nonce)))) ||
	    (ret = wrap(p, start, &x, TAG_SEQ)) || (ret = wrap(p, start, &x, TAG_SEQ)) ||
	    (ret = wrap(p, start, &x, TAG_EXPLICIT(2))))
		return ret;
	*n += x;
	return 0;
}

/* requestList { Request { CertID { sha1 (with NULL parameters, as OpenSSL
 * writes it), issuerNameHash, issuerKeyHash, serialNumber } } } */
static int write_request_list(unsigned char **p, unsigned char *start,
			      const mbedtls_x509_crt *cert, const uint8_t *name_hash,
			      const uint8_t *key_hash, size_t *n)
{
	size_t x = 0;
	int ret;

	if ((ret = put(&x, mbedtls_asn1_write_raw_buffer(p, start, cert->serial.p,
							 cert->serial.len))) ||
	    (ret = wrap(p, start, &x, MBEDTLS_ASN1_INTEGER)) ||
	    (ret = put(&x, mbedtls_asn1_write_octet_string(p, start, key_hash, SHA1_LEN))) ||
	    (ret = put(&x, mbedtls_asn1_write_octet_string(p, start, name_hash, SHA1_LEN))) ||
	    (ret = put(&x, mbedtls_asn1_write_algorithm_identifier(
				   p, start, (const char *)oid_sha1, sizeof(oid_sha1), 0))) ||
	    (ret = wrap(p, start, &x, TAG_SEQ)) || (ret = wrap(p, start, &x, TAG_SEQ)) ||
	    (ret = wrap(p, start, &x, TAG_SEQ)))
		return ret;
	*n += x;
	return 0;
}

sg_err ocsp_request_build(const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer,
			  const uint8_t *nonce, size_t nonce_len, uint8_t *buf, size_t cap,
			  size_t *len, struct sg_error *e)
{
	uint8_t name_hash[SHA1_LEN], key_hash[SHA1_LEN];
	const uint8_t *kb;
	size_t kb_len, n = 0;
	unsigned char *p;
	int ret;

	*len = 0;
	if (!buf || nonce_len > OCSP_NONCE_MAX || (nonce_len && !nonce))
		return sg_error_set(e, SG_E_INTERNAL, "OCSP request: bad arguments (nonce of %zu bytes)",
				    nonce_len);
	if (!cert->serial.len || !cert->issuer_raw.len || key_bits(issuer, &kb, &kb_len))
		return sg_error_set(e, SG_E_CERT_PARSE,
				    "OCSP request: the certificate or its issuer lacks a serial, "
				    "issuer name or public key");
	if (digest(MBEDTLS_MD_SHA1, cert->issuer_raw.p, cert->issuer_raw.len, name_hash) ||
	    digest(MBEDTLS_MD_SHA1, kb, kb_len, key_hash))
		return sg_error_set(e, SG_E_INTERNAL, "OCSP request: SHA-1 failed");

	/* mbedTLS writes back to front from the end of the buffer. */
	p = buf + cap;
	if ((nonce_len && (ret = write_nonce(&p, buf, nonce, nonce_len, &n))) ||
	    (ret = write_request_list(&p, buf, cert, name_hash, key_hash, &n)) ||
	    (ret = wrap(&p, buf, &n, TAG_SEQ)) || (ret = wrap(&p, buf, &n, TAG_SEQ))) {
		if (ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL)
			return sg_error_set(e, SG_E_NOMEM, "OCSP request: %zu bytes are not enough",
					    cap);
		return sg_error_set(e, SG_E_INTERNAL, "OCSP request: ASN.1 writer -0x%04x",
				    (unsigned)-ret);
	}
	memmove(buf, p, n);
	*len = n;
	return SG_OK;
}

/* ---- response parsing --------------------------------------------------- */

static sg_err bad(struct sg_error *e, const char *what)
{
	return sg_error_set(e, SG_E_MALFORMED, "OCSP response: bad or truncated %s", what);
}

/* Reads tag and length and checks that the contents end exactly at end. */
static int get_exact(unsigned char **p, const unsigned char *end, int tag)
{
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, tag))
		return -1;
	return *p + len == end ? 0 : -1;
}

static int peek(const unsigned char *p, const unsigned char *end, int tag)
{
	return p < end && *p == tag;
}

/* GeneralizedTime only (RFC 6960 uses nothing else), without fractions
 * (mbedTLS does not parse them; neither OpenSSL nor RFC 5280 profiles
 * write them). */
static int get_gentime(unsigned char **p, const unsigned char *end, int64_t *out)
{
	mbedtls_x509_time t;

	if (!peek(*p, end, MBEDTLS_ASN1_GENERALIZED_TIME) || mbedtls_x509_get_time(p, end, &t))
		return -1;
	*out = x509_secs(&t);
	return 0;
}

/* The nonce's extnValue: an OCTET STRING holding the nonce (RFC 8954,
 * OpenSSL), or, from older responders, the nonce bytes themselves. */
static void take_nonce(unsigned char *p, const unsigned char *end, struct ocsp_buf *nonce)
{
	unsigned char *q = p;
	size_t len;

	if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_OCTET_STRING) == 0 && q + len == end) {
		nonce->p = q;
		nonce->len = len;
	} else {
		nonce->p = p;
		nonce->len = (size_t)(end - p);
	}
}

/* Extensions ::= SEQUENCE OF Extension, exactly filling [p, end). The
 * nonce (when nonce is not NULL) is taken; other extensions are skipped,
 * unless critical: RFC 6960 4.4 says not to ignore those. */
static sg_err parse_exts(unsigned char *p, const unsigned char *end, struct ocsp_buf *nonce,
			 struct sg_error *e)
{
	if (get_exact(&p, end, TAG_SEQ))
		return bad(e, "extensions");
	while (p < end) {
		const unsigned char *x_end;
		unsigned char *oid;
		size_t len, oid_len;
		int crit = 0;

		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ))
			return bad(e, "extension");
		x_end = p + len;
		if (mbedtls_asn1_get_tag(&p, x_end, &oid_len, MBEDTLS_ASN1_OID))
			return bad(e, "extension id");
		oid = p;
		p += oid_len;
		if (peek(p, x_end, MBEDTLS_ASN1_BOOLEAN) && mbedtls_asn1_get_bool(&p, x_end, &crit))
			return bad(e, "extension critical flag");
		if (get_exact(&p, x_end, MBEDTLS_ASN1_OCTET_STRING))
			return bad(e, "extension value");
		if (nonce && buf_eq(oid, oid_len, oid_nonce, sizeof(oid_nonce))) {
			if (nonce->p)
				return bad(e, "nonce (given twice)");
			take_nonce(p, x_end, nonce);
		} else if (crit) {
			return sg_error_set(e, SG_E_MALFORMED,
					    "OCSP response: unknown critical extension");
		}
		p = (unsigned char *)x_end;
	}
	return SG_OK;
}

/* CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash,
 * serialNumber } */
static sg_err parse_certid(unsigned char **p, const unsigned char *end, struct ocsp_single *s,
			   struct sg_error *e)
{
	mbedtls_x509_buf alg, params;
	const unsigned char *c_end;
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, TAG_SEQ))
		return bad(e, "CertID");
	c_end = *p + len;
	if (mbedtls_x509_get_alg(p, c_end, &alg, &params))
		return bad(e, "CertID hash algorithm");
	s->hash_alg = (struct ocsp_buf){alg.p, alg.len};
	if (mbedtls_asn1_get_tag(p, c_end, &len, MBEDTLS_ASN1_OCTET_STRING))
		return bad(e, "CertID issuerNameHash");
	s->issuer_name_hash = (struct ocsp_buf){*p, len};
	*p += len;
	if (mbedtls_asn1_get_tag(p, c_end, &len, MBEDTLS_ASN1_OCTET_STRING))
		return bad(e, "CertID issuerKeyHash");
	s->issuer_key_hash = (struct ocsp_buf){*p, len};
	*p += len;
	if (mbedtls_asn1_get_tag(p, c_end, &len, MBEDTLS_ASN1_INTEGER) || len == 0)
		return bad(e, "CertID serialNumber");
	s->serial = (struct ocsp_buf){*p, len};
	*p += len;
	return *p == c_end ? SG_OK : bad(e, "CertID (trailing data)");
}

/* revoked [1] IMPLICIT RevokedInfo { revocationTime GeneralizedTime,
 * revocationReason [0] EXPLICIT CRLReason OPTIONAL } */
static sg_err parse_revoked(unsigned char **p, const unsigned char *end, struct ocsp_single *s,
			    struct sg_error *e)
{
	const unsigned char *r_end;
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, TAG_EXPLICIT(1)))
		return bad(e, "RevokedInfo");
	r_end = *p + len;
	if (get_gentime(p, r_end, &s->revocation_time))
		return bad(e, "revocationTime");
	if (*p < r_end) {
		const unsigned char *x_end;
		int v;

		if (mbedtls_asn1_get_tag(p, r_end, &len, TAG_EXPLICIT(0)))
			return bad(e, "revocationReason");
		x_end = *p + len;
		if (mbedtls_asn1_get_enum(p, x_end, &v) || *p != x_end || v < 0 || v > 255)
			return bad(e, "revocationReason");
		s->revocation_reason = v;
	}
	s->status = OCSP_STATUS_REVOKED;
	return *p == r_end ? SG_OK : bad(e, "RevokedInfo (trailing data)");
}

/* certStatus: good [0] IMPLICIT NULL | revoked [1] | unknown [2] IMPLICIT NULL */
static sg_err parse_status(unsigned char **p, const unsigned char *end, struct ocsp_single *s,
			   struct sg_error *e)
{
	size_t len;

	s->revocation_reason = -1;
	if (peek(*p, end, TAG_EXPLICIT(1)))
		return parse_revoked(p, end, s, e);
	if (peek(*p, end, TAG_IMPLICIT_PRIM(0)))
		s->status = OCSP_STATUS_GOOD;
	else if (peek(*p, end, TAG_IMPLICIT_PRIM(2)))
		s->status = OCSP_STATUS_UNKNOWN;
	else
		return bad(e, "certStatus");
	if (mbedtls_asn1_get_tag(p, end, &len, **p) || len != 0)
		return bad(e, "certStatus");
	return SG_OK;
}

/* SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate,
 * nextUpdate [0] EXPLICIT OPTIONAL, singleExtensions [1] EXPLICIT OPTIONAL } */
static sg_err parse_single(unsigned char **p, const unsigned char *end, struct ocsp_single *s,
			   struct sg_error *e)
{
	const unsigned char *s_end;
	size_t len;
	sg_err err;

	memset(s, 0, sizeof(*s));
	if (mbedtls_asn1_get_tag(p, end, &len, TAG_SEQ))
		return bad(e, "SingleResponse");
	s_end = *p + len;
	if ((err = parse_certid(p, s_end, s, e)) || (err = parse_status(p, s_end, s, e)))
		return err;
	if (get_gentime(p, s_end, &s->this_update))
		return bad(e, "thisUpdate");
	if (peek(*p, s_end, TAG_EXPLICIT(0))) {
		const unsigned char *n_end;

		if (mbedtls_asn1_get_tag(p, s_end, &len, TAG_EXPLICIT(0)))
			return bad(e, "nextUpdate");
		n_end = *p + len;
		if (get_gentime(p, n_end, &s->next_update) || *p != n_end)
			return bad(e, "nextUpdate");
	}
	if (peek(*p, s_end, TAG_EXPLICIT(1))) {
		if (mbedtls_asn1_get_tag(p, s_end, &len, TAG_EXPLICIT(1)))
			return bad(e, "singleExtensions");
		if ((err = parse_exts(*p, *p + len, NULL, e)))
			return err;
		*p += len;
	}
	return *p == s_end ? SG_OK : bad(e, "SingleResponse (trailing data)");
}

/* responses SEQUENCE OF SingleResponse: the first OCSP_MAX_SINGLE are
 * kept, the rest only checked for form. */
static sg_err parse_responses(unsigned char **p, const unsigned char *end,
			      struct ocsp_response *r, struct sg_error *e)
{
	const unsigned char *l_end;
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, TAG_SEQ))
		return bad(e, "responses");
	l_end = *p + len;
	while (*p < l_end) {
		struct ocsp_single s;
		sg_err err = parse_single(p, l_end, &s, e);

		if (err)
			return err;
		if (r->n_single < OCSP_MAX_SINGLE)
			r->single[r->n_single++] = s;
	}
	return SG_OK;
}

/* responderID: byName [1] EXPLICIT Name | byKey [2] EXPLICIT KeyHash */
static sg_err parse_responder_id(unsigned char **p, const unsigned char *end,
				 struct ocsp_response *r, struct sg_error *e)
{
	const unsigned char *id_end;
	size_t len;

	if (peek(*p, end, TAG_EXPLICIT(1))) {
		unsigned char *start;

		if (mbedtls_asn1_get_tag(p, end, &len, TAG_EXPLICIT(1)))
			return bad(e, "responderID");
		id_end = *p + len;
		start = *p;
		/* kept whole (tag and length) to compare with subject_raw */
		if (get_exact(p, id_end, TAG_SEQ))
			return bad(e, "responderID name");
		r->responder_name = (struct ocsp_buf){start, (size_t)(id_end - start)};
	} else if (peek(*p, end, TAG_EXPLICIT(2))) {
		if (mbedtls_asn1_get_tag(p, end, &len, TAG_EXPLICIT(2)))
			return bad(e, "responderID");
		id_end = *p + len;
		if (get_exact(p, id_end, MBEDTLS_ASN1_OCTET_STRING))
			return bad(e, "responderID key hash");
		r->responder_key_hash = (struct ocsp_buf){*p, (size_t)(id_end - *p)};
	} else {
		return bad(e, "responderID");
	}
	*p = (unsigned char *)id_end;
	return SG_OK;
}

/* ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1,
 * responderID, producedAt, responses, responseExtensions [1] EXPLICIT
 * OPTIONAL } */
static sg_err parse_tbs(unsigned char **p, const unsigned char *end, struct ocsp_response *r,
			struct sg_error *e)
{
	unsigned char *start = *p;
	const unsigned char *t_end;
	size_t len;
	sg_err err;

	if (mbedtls_asn1_get_tag(p, end, &len, TAG_SEQ))
		return bad(e, "ResponseData");
	t_end = *p + len;
	r->tbs = (struct ocsp_buf){start, (size_t)(t_end - start)};
	if (peek(*p, t_end, TAG_EXPLICIT(0))) {
		const unsigned char *v_end;
		int v;

		if (mbedtls_asn1_get_tag(p, t_end, &len, TAG_EXPLICIT(0)))
			return bad(e, "version");
		v_end = *p + len;
		if (mbedtls_asn1_get_int(p, v_end, &v) || *p != v_end || v != 0)
			return bad(e, "version (only v1 exists)");
	}
	if ((err = parse_responder_id(p, t_end, r, e)))
		return err;
	if (get_gentime(p, t_end, &r->produced_at))
		return bad(e, "producedAt");
	if ((err = parse_responses(p, t_end, r, e)))
		return err;
	if (peek(*p, t_end, TAG_EXPLICIT(1))) {
		if (mbedtls_asn1_get_tag(p, t_end, &len, TAG_EXPLICIT(1)))
			return bad(e, "responseExtensions");
		if ((err = parse_exts(*p, *p + len, &r->nonce, e)))
			return err;
		*p += len;
	}
	return *p == t_end ? SG_OK : bad(e, "ResponseData (trailing data)");
}

/* certs [0] EXPLICIT SEQUENCE OF Certificate: the first OCSP_MAX_CERTS are
 * kept, whole; mbedTLS parses them when they are needed. */
static sg_err parse_certs(unsigned char **p, const unsigned char *end, struct ocsp_response *r,
			  struct sg_error *e)
{
	const unsigned char *c_end;
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, TAG_EXPLICIT(0)))
		return bad(e, "certs");
	c_end = *p + len;
	if (get_exact(p, c_end, TAG_SEQ))
		return bad(e, "certs");
	while (*p < c_end) {
		unsigned char *start = *p;

		if (mbedtls_asn1_get_tag(p, c_end, &len, TAG_SEQ))
			return bad(e, "certificate in certs");
		*p += len;
		if (r->n_certs < OCSP_MAX_CERTS)
			r->certs[r->n_certs++] = (struct ocsp_buf){start, (size_t)(*p - start)};
	}
	return SG_OK;
}

/* BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm,
 * signature BIT STRING, certs [0] EXPLICIT OPTIONAL }, filling [p, end). */
static sg_err parse_basic(unsigned char *p, const unsigned char *end, struct ocsp_response *r,
			  struct sg_error *e)
{
	mbedtls_x509_buf alg, params, sig;
	unsigned char *start;
	sg_err err;

	if (get_exact(&p, end, TAG_SEQ))
		return bad(e, "BasicOCSPResponse");
	if ((err = parse_tbs(&p, end, r, e)))
		return err;
	start = p;
	if (mbedtls_x509_get_alg(&p, end, &alg, &params))
		return bad(e, "signatureAlgorithm");
	r->sig_alg = (struct ocsp_buf){start, (size_t)(p - start)};
	if (mbedtls_x509_get_sig(&p, end, &sig) || sig.len == 0)
		return bad(e, "signature");
	r->signature = (struct ocsp_buf){sig.p, sig.len};
	if (peek(p, end, TAG_EXPLICIT(0)) && (err = parse_certs(&p, end, r, e)))
		return err;
	return p == end ? SG_OK : bad(e, "BasicOCSPResponse (trailing data)");
}

static sg_err parse_response(unsigned char *p, const unsigned char *end,
			     struct ocsp_response *r, struct sg_error *e)
{
	size_t len;

	if (get_exact(&p, end, TAG_SEQ))
		return bad(e, "OCSPResponse");
	if (mbedtls_asn1_get_enum(&p, end, &r->response_status) || r->response_status < 0 ||
	    r->response_status > 6)
		return bad(e, "responseStatus");
	/* Only a successful response carries responseBytes (RFC 6960 4.2.1);
	 * whatever else follows an error status is not looked at. */
	if (r->response_status != 0)
		return SG_OK;
	/* responseBytes [0] EXPLICIT SEQUENCE { responseType, response } */
	if (get_exact(&p, end, TAG_EXPLICIT(0)) || get_exact(&p, end, TAG_SEQ))
		return bad(e, "responseBytes");
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OID))
		return bad(e, "responseType");
	if (!buf_eq(p, len, oid_basic, sizeof(oid_basic)))
		return sg_error_set(e, SG_E_MALFORMED,
				    "OCSP response: not a basic OCSP response (id-pkix-ocsp-basic)");
	p += len;
	if (get_exact(&p, end, MBEDTLS_ASN1_OCTET_STRING))
		return bad(e, "response");
	return parse_basic(p, end, r, e);
}

sg_err ocsp_response_parse(const uint8_t *der, size_t len, struct ocsp_response *r,
			   struct sg_error *e)
{
	sg_err err;

	memset(r, 0, sizeof(*r));
	if (!der || !len)
		return bad(e, "OCSPResponse (empty)");
	err = parse_response((unsigned char *)der, der + len, r, e);
	if (err)
		memset(r, 0, sizeof(*r)); /* nothing half-parsed is left to use */
	return err;
}

/* ---- checking ------------------------------------------------------------ */

static sg_err unavailable(struct sg_error *e, const char *what)
{
	return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE, "OCSP: %s", what);
}

static const char *status_name(int s)
{
	static const char *const names[] = {"successful",	"malformedRequest", "internalError",
					    "tryLater",		"(unused)",	    "sigRequired",
					    "unauthorized"};
	return s >= 0 && s <= 6 ? names[s] : "an unknown status";
}

/* The signature algorithms we accept: those mbedTLS knows, with a hash
 * from SHA-1 up (no MD5). */
static int md_allowed(mbedtls_md_type_t md)
{
	return md == MBEDTLS_MD_SHA1 || md == MBEDTLS_MD_SHA256 || md == MBEDTLS_MD_SHA384 ||
	       md == MBEDTLS_MD_SHA512;
}

/* Verifies sig over tbs with pk. pk_alg/opts come from
 * mbedtls_x509_get_sig_alg (opts: RSA-PSS parameters). 0 when it verifies. */
static int verify_raw(mbedtls_pk_type_t pk_alg, const void *opts, mbedtls_md_type_t md,
		      const mbedtls_pk_context *pk, const uint8_t *tbs, size_t tbs_len,
		      const uint8_t *sig, size_t sig_len)
{
	uint8_t hash[MBEDTLS_MD_MAX_SIZE];
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);

	if (!md_allowed(md) || !info || mbedtls_md(info, tbs, tbs_len, hash))
		return -1;
	/* mbedtls_pk_verify_ext takes a non-const context and options but
	 * only reads them */
	return mbedtls_pk_verify_ext(pk_alg, (void *)(uintptr_t)opts,
				     (mbedtls_pk_context *)(uintptr_t)pk, md, hash,
				     mbedtls_md_get_size(info), sig, sig_len);
}

/* The response's signature, by signer's key. */
static sg_err verify_response(const struct ocsp_response *r, const mbedtls_pk_context *pk,
			      const char *signer, struct sg_error *e)
{
	unsigned char *p = (unsigned char *)r->sig_alg.p;
	mbedtls_x509_buf oid, params;
	mbedtls_md_type_t md = MBEDTLS_MD_NONE;
	mbedtls_pk_type_t pk_alg = MBEDTLS_PK_NONE;
	void *opts = NULL;
	sg_err err = SG_OK;

	if (!p || mbedtls_x509_get_alg(&p, r->sig_alg.p + r->sig_alg.len, &oid, &params) ||
	    mbedtls_x509_get_sig_alg(&oid, &params, &md, &pk_alg, &opts) || !md_allowed(md)) {
		err = unavailable(e, "unsupported response signature algorithm");
		goto out;
	}
	if (verify_raw(pk_alg, opts, md, pk, r->tbs.p, r->tbs.len, r->signature.p,
		       r->signature.len))
		err = sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				   "OCSP: the response's signature does not verify with %s's key",
				   signer);
out:
	mbedtls_free(opts); /* allocated by mbedtls_x509_get_sig_alg for RSA-PSS */
	return err;
}

/* Does the responder ID name c? */
static int responder_is(const struct ocsp_response *r, const mbedtls_x509_crt *c)
{
	uint8_t h[SHA1_LEN];
	const uint8_t *kb;
	size_t kb_len;

	if (r->responder_name.len)
		return buf_eq(r->responder_name.p, r->responder_name.len, c->subject_raw.p,
			      c->subject_raw.len);
	if (r->responder_key_hash.len != SHA1_LEN || key_bits(c, &kb, &kb_len) ||
	    digest(MBEDTLS_MD_SHA1, kb, kb_len, h))
		return 0;
	return !memcmp(h, r->responder_key_hash.p, SHA1_LEN);
}

static int has_ocsp_signing(const mbedtls_x509_crt *d)
{
	/* Walked by hand: mbedtls_x509_crt_check_extended_key_usage also
	 * accepts a certificate without the extension, or with
	 * anyExtendedKeyUsage; RFC 6960 4.2.2.2 wants id-kp-OCSPSigning. */
	for (const mbedtls_x509_sequence *s = &d->ext_key_usage; s && s->buf.p; s = s->next)
		if (buf_eq(s->buf.p, s->buf.len, oid_ocsp_signing, sizeof(oid_ocsp_signing)))
			return 1;
	return 0;
}

/* A delegated responder (RFC 6960 4.2.2.2): issued by the CA that issued
 * the certificate in question, for OCSP signing, valid now. Its dates are
 * compared with the caller's now, not mbedTLS's reading of the clock. */
static sg_err delegate_ok(const mbedtls_x509_crt *d, const mbedtls_x509_crt *issuer,
			  int64_t now, int skew_s, struct sg_error *e)
{
	if (!buf_eq(d->issuer_raw.p, d->issuer_raw.len, issuer->subject_raw.p,
		    issuer->subject_raw.len) ||
	    verify_raw(d->sig_pk, d->sig_opts, d->sig_md, &issuer->pk, d->tbs.p, d->tbs.len,
		       d->sig.p, d->sig.len))
		return unavailable(e, "the responder's certificate was not issued by the "
				      "certificate's CA");
	if (!has_ocsp_signing(d))
		return unavailable(e, "the responder's certificate is not authorised for OCSP "
				      "signing (no id-kp-OCSPSigning)");
	if (mbedtls_x509_crt_check_key_usage(d, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) &&
	    mbedtls_x509_crt_check_key_usage(d, MBEDTLS_X509_KU_NON_REPUDIATION))
		return unavailable(e, "the responder's certificate's key usage forbids signing");
	if (now + skew_s < x509_secs(&d->valid_from))
		return unavailable(e, "the responder's certificate is not yet valid");
	if (now - skew_s > x509_secs(&d->valid_to))
		return unavailable(e, "the responder's certificate has expired");
	return SG_OK;
}

/* One certificate from certs, tried as the signer. */
static sg_err try_delegate(const struct ocsp_response *r, const struct ocsp_buf *der,
			   const mbedtls_x509_crt *issuer, int64_t now, int skew_s, int *named,
			   struct sg_error *e)
{
	mbedtls_x509_crt d;
	sg_err err;

	mbedtls_x509_crt_init(&d);
	*named = 0;
	if (mbedtls_x509_crt_parse_der(&d, der->p, der->len) || !responder_is(r, &d)) {
		err = SG_E_REVOCATION_UNAVAILABLE; /* not this one; no detail */
		goto out;
	}
	*named = 1;
	if ((err = delegate_ok(&d, issuer, now, skew_s, e)))
		goto out;
	err = verify_response(r, &d.pk, "the delegated responder", e);
out:
	mbedtls_x509_crt_free(&d);
	return err;
}

/* Finds who signed the response and checks that it may: the CA itself,
 * or a certificate carried in the response that the responder ID names
 * (each such certificate is tried: a bogus one first must not hide the
 * real one). */
static sg_err check_signer(const struct ocsp_response *r, const mbedtls_x509_crt *issuer,
			   int64_t now, int skew_s, int *delegated, struct sg_error *e)
{
	sg_err err = SG_E_REVOCATION_UNAVAILABLE;
	int any_named = 0;

	*delegated = 0;
	if (responder_is(r, issuer))
		return verify_response(r, &issuer->pk, "the CA", e);
	for (size_t i = 0; i < r->n_certs && i < OCSP_MAX_CERTS; i++) {
		int named;

		err = try_delegate(r, &r->certs[i], issuer, now, skew_s, &named, e);
		if (!err) {
			*delegated = 1;
			sg_error_init(e); /* an earlier candidate's failure is moot */
			return SG_OK;
		}
		any_named |= named;
	}
	if (!any_named)
		return unavailable(e, "the response is signed by neither the CA nor a responder "
				      "certificate it carries");
	return err;
}

/* Is s about cert (issued by the issuer whose key bits are kb)? */
static int single_is(const struct ocsp_single *s, const mbedtls_x509_crt *cert, const uint8_t *kb,
		     size_t kb_len)
{
	uint8_t h[MBEDTLS_MD_MAX_SIZE];
	mbedtls_md_type_t md;
	size_t n;

	if (buf_eq(s->hash_alg.p, s->hash_alg.len, oid_sha1, sizeof(oid_sha1))) {
		md = MBEDTLS_MD_SHA1;
		n = 20;
	} else if (buf_eq(s->hash_alg.p, s->hash_alg.len, oid_sha256, sizeof(oid_sha256))) {
		md = MBEDTLS_MD_SHA256;
		n = 32;
	} else {
		return 0;
	}
	if (!serial_eq(s->serial.p, s->serial.len, cert->serial.p, cert->serial.len))
		return 0;
	if (digest(md, cert->issuer_raw.p, cert->issuer_raw.len, h) ||
	    !buf_eq(h, n, s->issuer_name_hash.p, s->issuer_name_hash.len))
		return 0;
	return !digest(md, kb, kb_len, h) && buf_eq(h, n, s->issuer_key_hash.p, s->issuer_key_hash.len);
}

static const struct ocsp_single *find_single(const struct ocsp_response *r,
					     const mbedtls_x509_crt *cert,
					     const mbedtls_x509_crt *issuer)
{
	const uint8_t *kb;
	size_t kb_len;

	if (key_bits(issuer, &kb, &kb_len))
		return NULL;
	for (size_t i = 0; i < r->n_single && i < OCSP_MAX_SINGLE; i++)
		if (single_is(&r->single[i], cert, kb, kb_len))
			return &r->single[i];
	return NULL;
}

static sg_err check_times(const struct ocsp_single *s, int64_t now, int skew_s, int max_age_s,
			  struct sg_error *e)
{
	char t[32];

	if (s->this_update > now + skew_s)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "OCSP: the answer is from the future (thisUpdate %s): check "
				    "the device's clock",
				    sg_time_format(s->this_update, t, sizeof(t)));
	if (s->next_update && s->next_update < now - skew_s)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "OCSP: the answer is stale (nextUpdate %s has passed)",
				    sg_time_format(s->next_update, t, sizeof(t)));
	if (!s->next_update && s->this_update + max_age_s < now - skew_s)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "OCSP: the answer is too old (thisUpdate %s, no nextUpdate, "
				    "at most %d s accepted)",
				    sg_time_format(s->this_update, t, sizeof(t)), max_age_s);
	return SG_OK;
}

static sg_err check_nonce(const struct ocsp_response *r, const uint8_t *nonce, size_t nonce_len,
			  int require_nonce, struct sg_error *e)
{
	if (!nonce_len)
		return SG_OK;
	if (!r->nonce.len)
		return require_nonce ? unavailable(e, "the responder did not echo the nonce")
				     : SG_OK;
	if (!buf_eq(r->nonce.p, r->nonce.len, nonce, nonce_len))
		return unavailable(e, "the nonce does not match the request's (a replayed answer?)");
	return SG_OK;
}

sg_err ocsp_response_check(const struct ocsp_response *r, const mbedtls_x509_crt *cert,
			   const mbedtls_x509_crt *issuer, const uint8_t *nonce,
			   size_t nonce_len, int require_nonce, int64_t now, int skew_s,
			   int max_age_s, struct ocsp_result *out, struct sg_error *e)
{
	const struct ocsp_single *s;
	int delegated;
	sg_err err;

	memset(out, 0, sizeof(*out));
	out->revocation_reason = -1;
	if (r->response_status != 0)
		return sg_error_set(e, SG_E_REVOCATION_UNAVAILABLE,
				    "OCSP: the responder answered %s (%d)",
				    status_name(r->response_status), r->response_status);
	if (!r->tbs.p || !r->signature.p)
		return unavailable(e, "no parsed response");
	if ((err = check_signer(r, issuer, now, skew_s, &delegated, e)))
		return err;
	if (!(s = find_single(r, cert, issuer)))
		return unavailable(e, "the response does not answer for this certificate");
	if ((err = check_times(s, now, skew_s, max_age_s, e)) ||
	    (err = check_nonce(r, nonce, nonce_len, require_nonce, e)))
		return err;
	out->status = s->status;
	out->revocation_time = s->revocation_time;
	out->revocation_reason = s->revocation_reason;
	out->this_update = s->this_update;
	out->next_update = s->next_update;
	out->produced_at = r->produced_at;
	out->delegated = delegated;
	return SG_OK;
}

const char *ocsp_reason_name(int reason)
{
	/* CRLReason (RFC 5280 5.3.1); 7 is not used */
	static const char *const names[] = {
		"unspecified",	       "keyCompromise",	  "cACompromise",
		"affiliationChanged",  "superseded",	  "cessationOfOperation",
		"certificateHold",     NULL,		  "removeFromCRL",
		"privilegeWithdrawn",  "aACompromise",
	};

	if (reason == -1)
		return "unspecified";
	if (reason < 0 || (size_t)reason >= sizeof(names) / sizeof(names[0]) || !names[reason])
		return "unknown reason";
	return names[reason];
}
