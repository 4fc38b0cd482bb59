/*
 * x509ext.h: the certificate extensions mbedTLS 2.28 does not expose:
 * Authority Information Access (OCSP responder and caIssuers URLs) and
 * CRL Distribution Points (http URLs).
 *
 * They are read from crt->v3_ext with mbedTLS's ASN.1 primitives, bounded
 * by the extension's own length. URLs are copied NUL-terminated; URLs
 * longer than X509EXT_URL_MAX, or holding a NUL or control byte, are
 * skipped (never cut: a cut URL would point elsewhere).
 */
#ifndef X509EXT_H
#define X509EXT_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#define X509EXT_URL_MAX 512
#define X509EXT_MAX_URLS 4

struct x509ext_urls {
	char url[X509EXT_MAX_URLS][X509EXT_URL_MAX + 1];
	size_t n;
};

enum x509ext_aia {
	X509EXT_AIA_OCSP,       /* id-ad-ocsp 1.3.6.1.5.5.7.48.1 */
	X509EXT_AIA_CA_ISSUERS, /* id-ad-caIssuers 1.3.6.1.5.5.7.48.2 */
};

/* URLs of one AIA access method. Returns how many were found. */
size_t x509ext_aia_urls(const mbedtls_x509_crt *crt, enum x509ext_aia method,
			struct x509ext_urls *out);

/* URI fullNames of the CRL distribution points. Returns how many. */
size_t x509ext_crl_dp_urls(const mbedtls_x509_crt *crt, struct x509ext_urls *out);
/* URI fullNames of the freshestCRL extension (where delta CRLs are). */
size_t x509ext_freshest_urls(const mbedtls_x509_crt *crt, struct x509ext_urls *out);
/* URI fullNames in a CRLDistributionPoints value (val_len bytes, tag
 * included: a certificate's or a CRL's freshestCRL). */
size_t x509ext_dp_urls(const uint8_t *val, size_t val_len, struct x509ext_urls *out);

/* The extnValue contents of crt's extension oid (0 when absent or the
 * extensions do not parse); *val points into crt->v3_ext. */
int x509ext_find(const mbedtls_x509_crt *crt, const uint8_t *oid, size_t oid_len,
		 const uint8_t **val, size_t *val_len);

#endif
