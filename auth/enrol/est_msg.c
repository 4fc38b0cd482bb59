/*
 * est_msg.c: EST message formats (est_msg.h) on mbedTLS's ASN.1 reader
 * and writer.
 */
#include "est_msg.h"
#include "path.h"
#include "sg_hex.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#define OID_SIGNED_DATA MBEDTLS_OID_PKCS "\x07\x02"
#define OID_DATA MBEDTLS_OID_PKCS "\x07\x01"
#define OID_CHALLENGE_PASSWORD MBEDTLS_OID_PKCS9 "\x07"

#define CONS_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define CONS_SET (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define CTX0 (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)

static int oid_is(const uint8_t *p, size_t len, const char *oid, size_t oid_len)
{
	return len == oid_len && memcmp(p, oid, len) == 0;
}

/* Adds one DER certificate; its length is taken from its own header. */
static sg_err certs_add(mbedtls_x509_crt *chain, const uint8_t **p, const uint8_t *end,
			struct sg_error *e)
{
	const uint8_t *q = *p;
	size_t l;
	int r;

	if (mbedtls_asn1_get_tag((unsigned char **)&q, end, &l, CONS_SEQ) != 0)
		return sg_error_set(e, SG_E_MALFORMED, "a certificate is not a DER SEQUENCE");
	l += (size_t)(q - *p);
	r = path_parse_der(chain, NULL, *p, l); /* as the path validation wants it */
	if (r != 0)
		return sg_error_set(e, SG_E_MALFORMED, "a certificate does not parse (-0x%04x)",
				    (unsigned)-r);
	*p += l;
	return SG_OK;
}

static sg_err pkcs7_parse(const uint8_t *buf, size_t len, mbedtls_x509_crt *chain,
			  struct sg_error *e)
{
	unsigned char *p = (unsigned char *)buf, *end = p + len, *set_end;
	size_t l, n = 0;

	if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ) != 0)
		goto bad;
	end = p + l;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_OID) != 0)
		goto bad;
	if (!oid_is(p, l, OID_SIGNED_DATA, MBEDTLS_OID_SIZE(OID_SIGNED_DATA)))
		return sg_error_set(e, SG_E_MALFORMED, "PKCS#7: not a SignedData");
	p += l;
	if (mbedtls_asn1_get_tag(&p, end, &l, CTX0) != 0)
		goto bad;
	end = p + l;
	if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ) != 0)
		goto bad;
	end = p + l;
	/* version, digestAlgorithms, encapContentInfo: skipped. */
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_INTEGER) != 0)
		goto bad;
	p += l;
	if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SET) != 0)
		goto bad;
	p += l;
	if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ) != 0)
		goto bad;
	p += l;
	if (mbedtls_asn1_get_tag(&p, end, &l, CTX0) != 0)
		return sg_error_set(e, SG_E_MALFORMED, "PKCS#7: no certificates");
	set_end = p + l;
	while (p < set_end) {
		sg_err err;

		if (++n > EST_MAX_CERTS)
			return sg_error_set(e, SG_E_MALFORMED, "PKCS#7: more than %d certificates",
					    EST_MAX_CERTS);
		err = certs_add(chain, (const uint8_t **)&p, set_end, e);
		if (err)
			return err;
	}
	if (!n)
		return sg_error_set(e, SG_E_MALFORMED, "PKCS#7: no certificates");
	return SG_OK;
bad:
	return sg_error_set(e, SG_E_MALFORMED, "PKCS#7: not a certs-only SignedData");
}

sg_err est_certs_parse(unsigned cf, const uint8_t *buf, size_t len, mbedtls_x509_crt *chain,
		       struct sg_error *e)
{
	if (!buf || !len)
		return sg_error_set(e, SG_E_MALFORMED, "an empty response");
	if (cf == EST_CF_PKIX_CERT) {
		const uint8_t *p = buf;
		sg_err err = certs_add(chain, &p, buf + len, e);

		if (!err && p != buf + len)
			return sg_error_set(e, SG_E_MALFORMED, "bytes after the certificate");
		return err;
	}
	if (cf == EST_CF_PKCS7_CERTS)
		return pkcs7_parse(buf, len, chain, e);
	return sg_error_set(e, SG_E_MALFORMED, "Content-Format %u is not a certificate format", cf);
}

#define WCHK(x)                         \
	do {                            \
		int r_ = (x);           \
		if (r_ < 0)             \
			goto too_big;   \
		l += (size_t)r_;        \
	} while (0)

sg_err est_pkcs7_write(const uint8_t *const certs[], const size_t lens[], size_t n, uint8_t *out,
		       size_t *len, struct sg_error *e)
{
	unsigned char *start = out, *p = out + *len;
	size_t l = 0, cl = 0, el;

	WCHK(mbedtls_asn1_write_len(&p, start, 0)); /* signerInfos: none */
	WCHK(mbedtls_asn1_write_tag(&p, start, CONS_SET));
	for (size_t i = n; i-- > 0;) {
		int r = mbedtls_asn1_write_raw_buffer(&p, start, certs[i], lens[i]);

		if (r < 0)
			goto too_big;
		cl += (size_t)r;
	}
	l += cl;
	WCHK(mbedtls_asn1_write_len(&p, start, cl));
	WCHK(mbedtls_asn1_write_tag(&p, start, CTX0));
	el = 0;
	{
		int r = mbedtls_asn1_write_oid(&p, start, OID_DATA, MBEDTLS_OID_SIZE(OID_DATA));

		if (r < 0)
			goto too_big;
		el = (size_t)r;
		l += el;
	}
	WCHK(mbedtls_asn1_write_len(&p, start, el));
	WCHK(mbedtls_asn1_write_tag(&p, start, CONS_SEQ));
	WCHK(mbedtls_asn1_write_len(&p, start, 0)); /* digestAlgorithms: none */
	WCHK(mbedtls_asn1_write_tag(&p, start, CONS_SET));
	WCHK(mbedtls_asn1_write_int(&p, start, 1));
	WCHK(mbedtls_asn1_write_len(&p, start, l));
	WCHK(mbedtls_asn1_write_tag(&p, start, CONS_SEQ));
	WCHK(mbedtls_asn1_write_len(&p, start, l));
	WCHK(mbedtls_asn1_write_tag(&p, start, CTX0));
	WCHK(mbedtls_asn1_write_oid(&p, start, OID_SIGNED_DATA, MBEDTLS_OID_SIZE(OID_SIGNED_DATA)));
	WCHK(mbedtls_asn1_write_len(&p, start, l));
	WCHK(mbedtls_asn1_write_tag(&p, start, CONS_SEQ));
	memmove(out, p, l);
	*len = l;
	return SG_OK;
too_big:
	return sg_error_set(e, SG_E_INTERNAL, "the PKCS#7 message does not fit in %zu bytes", *len);
}

/* challengePassword's value: a DirectoryString, "LOGIN:PIN". */
static sg_err csr_challenge(unsigned char *p, const unsigned char *end, struct est_csr_info *info,
			    struct sg_error *e)
{
	size_t l, ll;
	const unsigned char *colon = NULL;
	int tag;

	if (p >= end)
		goto bad;
	tag = *p;
	if (tag != MBEDTLS_ASN1_UTF8_STRING && tag != MBEDTLS_ASN1_PRINTABLE_STRING &&
	    tag != MBEDTLS_ASN1_IA5_STRING)
		goto bad;
	if (mbedtls_asn1_get_tag(&p, end, &l, tag) != 0)
		goto bad;
	for (size_t i = l; i-- > 0;)
		if (p[i] == ':') {
			colon = p + i;
			break;
		}
	if (!colon)
		goto bad;
	ll = (size_t)(colon - p);
	if (ll == 0 || ll > EST_LOGIN_MAX || l - ll - 1 >= sizeof(info->pin))
		goto bad;
	for (size_t i = 0; i < l; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			goto bad;
	memcpy(info->login, p, ll);
	info->login[ll] = 0;
	info->pin_len = l - ll - 1;
	memcpy(info->pin, colon + 1, info->pin_len);
	info->pin[info->pin_len] = 0;
	info->has_challenge = 1;
	return SG_OK;
bad:
	return sg_error_set(e, SG_E_MALFORMED, "the challengePassword is not LOGIN:PIN");
}

/* extensionRequest's value: Extensions; the first SAN URI is kept. */
static sg_err csr_extensions(unsigned char *p, const unsigned char *end,
			     struct est_csr_info *info, struct sg_error *e)
{
	size_t l;

	if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ) != 0)
		goto bad;
	end = p + l;
	while (p < end) {
		unsigned char *ext_end, *oid;
		size_t ol;

		if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ) != 0)
			goto bad;
		ext_end = p + l;
		if (mbedtls_asn1_get_tag(&p, ext_end, &ol, MBEDTLS_ASN1_OID) != 0)
			goto bad;
		oid = p;
		p += ol;
		if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN) {
			int crit;

			if (mbedtls_asn1_get_bool(&p, ext_end, &crit) != 0)
				goto bad;
		}
		if (mbedtls_asn1_get_tag(&p, ext_end, &l, MBEDTLS_ASN1_OCTET_STRING) != 0)
			goto bad;
		if (oid_is(oid, ol, MBEDTLS_OID_SUBJECT_ALT_NAME,
			   MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME))) {
			unsigned char *q = p, *qend = p + l;
			size_t gl;

			if (mbedtls_asn1_get_tag(&q, qend, &gl, CONS_SEQ) != 0)
				goto bad;
			qend = q + gl;
			while (q < qend) {
				int tag = *q;

				q++;
				if (mbedtls_asn1_get_len(&q, qend, &gl) != 0)
					goto bad;
				if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6) && !info->san_uri[0]) {
					if (gl == 0 || gl > EST_SAN_MAX)
						goto bad;
					for (size_t i = 0; i < gl; i++)
						if (q[i] <= 0x20 || q[i] >= 0x7f)
							goto bad;
					memcpy(info->san_uri, q, gl);
					info->san_uri[gl] = 0;
				}
				q += gl;
			}
		}
		p = ext_end;
	}
	return SG_OK;
bad:
	return sg_error_set(e, SG_E_MALFORMED, "the request's extensions do not parse");
}

/* CertificationRequestInfo: version, subject, SPKI, [0] attributes. */
static sg_err csr_attrs(const mbedtls_x509_csr *csr, struct est_csr_info *info,
			struct sg_error *e)
{
	unsigned char *p = csr->cri.p, *end = p + csr->cri.len;
	size_t l;

	if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ) != 0)
		goto bad;
	end = p + l;
	for (int i = 0; i < 3; i++) { /* version, subject, SPKI */
		if (p >= end)
			goto bad;
		p++;
		if (mbedtls_asn1_get_len(&p, end, &l) != 0)
			goto bad;
		p += l;
	}
	if (p == end)
		return SG_OK;
	if (mbedtls_asn1_get_tag(&p, end, &l, CTX0) != 0)
		goto bad;
	end = p + l;
	while (p < end) {
		unsigned char *attr_end, *oid, *vals_end;
		size_t ol;
		sg_err err = SG_OK;

		if (mbedtls_asn1_get_tag(&p, end, &l, CONS_SEQ) != 0)
			goto bad;
		attr_end = p + l;
		if (mbedtls_asn1_get_tag(&p, attr_end, &ol, MBEDTLS_ASN1_OID) != 0)
			goto bad;
		oid = p;
		p += ol;
		if (mbedtls_asn1_get_tag(&p, attr_end, &l, CONS_SET) != 0)
			goto bad;
		vals_end = p + l;
		if (oid_is(oid, ol, OID_CHALLENGE_PASSWORD, MBEDTLS_OID_SIZE(OID_CHALLENGE_PASSWORD)))
			err = csr_challenge(p, vals_end, info, e);
		else if (oid_is(oid, ol, MBEDTLS_OID_PKCS9_CSR_EXT_REQ,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS9_CSR_EXT_REQ)))
			err = csr_extensions(p, vals_end, info, e);
		if (err)
			return err;
		p = attr_end;
	}
	return SG_OK;
bad:
	return sg_error_set(e, SG_E_MALFORMED, "the request's attributes do not parse");
}

sg_err est_csr_parse(const uint8_t *der, size_t len, mbedtls_x509_csr *csr,
		     struct est_csr_info *info, struct sg_error *e)
{
	uint8_t hash[MBEDTLS_MD_MAX_SIZE];
	const mbedtls_md_info_t *md;
	int r;

	memset(info, 0, sizeof(*info));
	if (!der || !len)
		return sg_error_set(e, SG_E_MALFORMED, "an empty request");
	r = mbedtls_x509_csr_parse_der(csr, der, len);
	if (r != 0)
		return sg_error_set(e, SG_E_MALFORMED, "the request does not parse (-0x%04x)",
				    (unsigned)-r);
	if (csr->raw.len != len)
		return sg_error_set(e, SG_E_MALFORMED, "bytes after the request");
	md = mbedtls_md_info_from_type(csr->sig_md);
	if (!md || mbedtls_md(md, csr->cri.p, csr->cri.len, hash) != 0)
		return sg_error_set(e, SG_E_MALFORMED, "the request's digest is not supported");
	r = mbedtls_pk_verify_ext(csr->sig_pk, csr->sig_opts, &csr->pk, csr->sig_md, hash,
				  mbedtls_md_get_size(md), csr->sig.p, csr->sig.len);
	if (r != 0)
		return sg_error_set(e, SG_E_SIGNATURE, "the request's self-signature does not "
				    "verify (-0x%04x)", (unsigned)-r);
	return csr_attrs(csr, info, e);
}

void est_csr_info_wipe(struct est_csr_info *info)
{
	mbedtls_platform_zeroize(info->pin, sizeof(info->pin));
	info->pin_len = 0;
}

sg_err est_challenge_make(const char *login, const char *pin, size_t pin_len, char *out,
			  size_t cap, size_t *len, struct sg_error *e)
{
	size_t ll = strlen(login);

	/* The service splits at the last ':': the login may hold one
	 * (tel:NUMBER), the PIN may not. */
	if (!ll || ll > EST_LOGIN_MAX)
		return sg_error_set(e, SG_E_INVALID_ARG, "the login must be 1 to %d characters",
				    EST_LOGIN_MAX);
	if (memchr(pin, ':', pin_len))
		return sg_error_set(e, SG_E_PIN_FORMAT, "the enrolment PIN must not contain ':'");
	if (ll + 1 + pin_len > cap)
		return sg_error_set(e, SG_E_INVALID_ARG, "the login and PIN are too long");
	memcpy(out, login, ll);
	out[ll] = ':';
	memcpy(out + ll + 1, pin, pin_len);
	*len = ll + 1 + pin_len;
	return SG_OK;
}

void est_fingerprint(const uint8_t *der, size_t len, uint8_t out[32])
{
	mbedtls_sha256_ret(der, len, out, 0);
}

sg_err est_fingerprint_parse(const char *s, uint8_t out[32], struct sg_error *e)
{
	size_t n = 0;

	if (!strncmp(s, "sha256:", 7) || !strncmp(s, "SHA256:", 7))
		s += 7;
	while (*s && n < 32) {
		if (*s == ':' && n > 0)
			s++;
		if (!s[0] || sg_hex_decode(s, 2, &out[n], 1)) /* s[1] only when s[0] is there */
			break;
		n++;
		s += 2;
	}
	if (n != 32 || *s)
		return sg_error_set(e, SG_E_CONFIG, "a CA fingerprint is 32 bytes of SHA-256 in hex");
	return SG_OK;
}
