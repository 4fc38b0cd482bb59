/* x509ext.c: AIA and CRL distribution points from crt->v3_ext. */
#include "x509ext.h"

#include <string.h>

#include <mbedtls/asn1.h>

#define CONS_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | (n))
#define CTX_CONS(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))

/* id-pe-authorityInfoAccess 1.3.6.1.5.5.7.1.1 */
static const uint8_t oid_aia[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
/* id-ce-cRLDistributionPoints 2.5.29.31 */
static const uint8_t oid_crldp[] = {0x55, 0x1d, 0x1f};
/* id-ad-ocsp, id-ad-caIssuers */
static const uint8_t oid_ad_ocsp[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};
static const uint8_t oid_ad_ca[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02};

static int find_ext(const mbedtls_x509_crt *crt, const uint8_t *oid, size_t oid_len,
		    unsigned char **val, size_t *val_len)
{
	unsigned char *p = crt->v3_ext.p, *end;
	size_t len;

	if (!p || !crt->v3_ext.len)
		return 0;
	end = p + crt->v3_ext.len;
	/* v3_ext holds [3] EXPLICIT { Extensions }: skip to the SEQUENCE OF. */
	if (mbedtls_asn1_get_tag(&p, end, &len, CTX_CONS(3)) == 0)
		end = p + len;
	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
		return 0;
	end = p + len;
	while (p < end) {
		unsigned char *ext_end;
		int critical = 0;

		if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
			return 0;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OID))
			return 0;
		int match = len == oid_len && !memcmp(p, oid, oid_len);
		p += len;
		if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN &&
		    mbedtls_asn1_get_bool(&p, ext_end, &critical))
			return 0;
		if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING))
			return 0;
		if (match) {
			*val = p;
			*val_len = len;
			return 1;
		}
		p = ext_end;
	}
	return 0;
}

static void add_url(struct x509ext_urls *out, const unsigned char *p, size_t len)
{
	if (out->n >= X509EXT_MAX_URLS || len == 0 || len > X509EXT_URL_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x21 || p[i] == 0x7f)
			return;
	memcpy(out->url[out->n], p, len);
	out->url[out->n][len] = '\0';
	out->n++;
}

size_t x509ext_aia_urls(const mbedtls_x509_crt *crt, enum x509ext_aia method,
			struct x509ext_urls *out)
{
	const uint8_t *want = method == X509EXT_AIA_OCSP ? oid_ad_ocsp : oid_ad_ca;
	unsigned char *p, *end;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!find_ext(crt, oid_aia, sizeof(oid_aia), &p, &len))
		return 0;
	end = p + len;
	/* AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription */
	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
		return 0;
	end = p + len;
	while (p < end) {
		unsigned char *ad_end;

		if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
			break;
		ad_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ad_end, &len, MBEDTLS_ASN1_OID))
			break;
		int match = len == sizeof(oid_ad_ocsp) && !memcmp(p, want, len);
		p += len;
		if (match && mbedtls_asn1_get_tag(&p, ad_end, &len, CTX(6)) == 0)
			add_url(out, p, len);
		p = ad_end;
	}
	return out->n;
}

int x509ext_find(const mbedtls_x509_crt *crt, const uint8_t *oid, size_t oid_len,
		 const uint8_t **val, size_t *val_len)
{
	unsigned char *p;

	if (!find_ext(crt, oid, oid_len, &p, val_len))
		return 0;
	*val = p;
	return 1;
}

size_t x509ext_crl_dp_urls(const mbedtls_x509_crt *crt, struct x509ext_urls *out)
{
	const uint8_t *p = NULL;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	if (!x509ext_find(crt, oid_crldp, sizeof(oid_crldp), &p, &len))
		return 0;
	return x509ext_dp_urls(p, len, out);
}

size_t x509ext_freshest_urls(const mbedtls_x509_crt *crt, struct x509ext_urls *out)
{
	/* id-ce-freshestCRL 2.5.29.46 */
	static const uint8_t oid_freshest[] = {0x55, 0x1d, 0x2e};
	const uint8_t *p = NULL;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	if (!x509ext_find(crt, oid_freshest, sizeof(oid_freshest), &p, &len))
		return 0;
	return x509ext_dp_urls(p, len, out);
}

size_t x509ext_dp_urls(const uint8_t *val, size_t val_len, struct x509ext_urls *out)
{
	unsigned char *p = (unsigned char *)val, *end = p + val_len;
	size_t len;

	memset(out, 0, sizeof(*out));
	/* CRLDistributionPoints ::= SEQUENCE OF DistributionPoint */
	if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
		return 0;
	end = p + len;
	while (p < end) {
		unsigned char *dp_end, *q, *names_end;

		if (mbedtls_asn1_get_tag(&p, end, &len, CONS_SEQ))
			break;
		dp_end = p + len;
		q = p;
		p = dp_end;
		/* distributionPoint [0] { fullName [0] GeneralNames } */
		if (mbedtls_asn1_get_tag(&q, dp_end, &len, CTX_CONS(0)) ||
		    mbedtls_asn1_get_tag(&q, q + len, &len, CTX_CONS(0)))
			continue;
		names_end = q + len;
		while (q < names_end) {
			unsigned char tag = *q;

			q++;
			if (mbedtls_asn1_get_len(&q, names_end, &len))
				break;
			if (tag == CTX(6))
				add_url(out, q, len);
			q += len;
		}
	}
	return out->n;
}
