/*
 * ocsp.h: OCSP (RFC 6960) on mbedTLS's ASN.1 and X.509 primitives
 * (mbedTLS 2.28 has no OCSP).
 *
 * Three steps, each usable alone (a stapled response needs only the last
 * two): build a request, parse a response, check it against the
 * certificate, its issuer, the nonce and the time. Fetching and caching
 * live in the revocation layer (revoke.h).
 *
 * Everything takes (pointer, length) and never reads past it. Parsed
 * fields point into the caller's buffer, which must outlive the
 * struct ocsp_response.
 */
#ifndef OCSP_H
#define OCSP_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "sg_err.h"

#define OCSP_NONCE_MAX 32
#define OCSP_MAX_SINGLE 8 /* SingleResponses looked at per response */
#define OCSP_MAX_CERTS 4  /* responder certificates looked at per response */

enum ocsp_cert_status {
	OCSP_STATUS_GOOD,
	OCSP_STATUS_REVOKED,
	OCSP_STATUS_UNKNOWN,
};

struct ocsp_buf {
	const uint8_t *p;
	size_t len;
};

struct ocsp_single {
	struct ocsp_buf hash_alg;          /* AlgorithmIdentifier OID of the CertID hash */
	struct ocsp_buf issuer_name_hash;
	struct ocsp_buf issuer_key_hash;
	struct ocsp_buf serial;            /* INTEGER contents */
	enum ocsp_cert_status status;
	int64_t revocation_time;           /* when revoked */
	int revocation_reason;             /* CRLReason, -1 when absent */
	int64_t this_update;
	int64_t next_update;               /* 0 when absent */
};

struct ocsp_response {
	int response_status;               /* OCSPResponseStatus: 0 successful, 1 malformedRequest, ... */
	struct ocsp_buf tbs;               /* ResponseData, the signed bytes (with tag and length) */
	struct ocsp_buf responder_name;    /* byName: Name (raw DER), or empty */
	struct ocsp_buf responder_key_hash;/* byKey: SHA-1 of the responder's key, or empty */
	int64_t produced_at;
	struct ocsp_single single[OCSP_MAX_SINGLE];
	size_t n_single;
	struct ocsp_buf nonce;             /* the id-pkix-ocsp-nonce extension's value, or empty */
	struct ocsp_buf sig_alg;           /* signatureAlgorithm (whole AlgorithmIdentifier) */
	struct ocsp_buf signature;         /* BIT STRING contents, without the unused-bits byte */
	struct ocsp_buf certs[OCSP_MAX_CERTS]; /* certs [0] EXPLICIT, each a whole Certificate */
	size_t n_certs;
};

/* The outcome for one certificate, after every check passed. */
struct ocsp_result {
	enum ocsp_cert_status status;
	int64_t revocation_time;
	int revocation_reason;             /* -1 when not given */
	int64_t this_update, next_update, produced_at;
	int delegated;                     /* signed by a delegated responder, not the CA */
};

/* Builds a DER OCSPRequest for cert (issued by issuer) with a SHA-1
 * CertID (what responders expect) and, when nonce_len > 0, the nonce
 * extension. *len: the request's length. SG_E_NOMEM when cap is short. */
sg_err ocsp_request_build(const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer,
			  const uint8_t *nonce, size_t nonce_len, uint8_t *buf, size_t cap,
			  size_t *len, struct sg_error *e);

/* Parses a DER OCSPResponse. SG_E_MALFORMED (the detail says where) for
 * anything that is not a well-formed response. A non-successful
 * response_status parses fine (the checker refuses it). */
sg_err ocsp_response_parse(const uint8_t *der, size_t len, struct ocsp_response *r,
			   struct sg_error *e);

/* Checks a parsed response for cert:
 *  - response_status successful;
 *  - the signature, by the issuer itself or by a responder certificate
 *    carried in the response that the issuer signed, that has
 *    id-kp-OCSPSigning, and whose validity covers now;
 *  - the responder ID names the signer;
 *  - a SingleResponse whose CertID (SHA-1 or SHA-256) is cert's;
 *  - thisUpdate <= now + skew, nextUpdate (when present) >= now - skew,
 *    and, without nextUpdate, thisUpdate no older than max_age_s;
 *  - when nonce_len > 0: the same nonce echoed (an absent nonce is
 *    accepted only when require_nonce is 0).
 * Returns SG_OK with *out filled (status good, revoked or unknown), or
 * SG_E_REVOCATION_UNAVAILABLE with a detail saying which check failed
 * (an untrustworthy answer is no answer). */
sg_err ocsp_response_check(const struct ocsp_response *r, const mbedtls_x509_crt *cert,
			   const mbedtls_x509_crt *issuer, const uint8_t *nonce,
			   size_t nonce_len, int require_nonce, int64_t now, int skew_s,
			   int max_age_s, struct ocsp_result *out, struct sg_error *e);

/* "keyCompromise", "superseded", ... for a CRLReason (RFC 5280 5.3.1). */
const char *ocsp_reason_name(int reason);

#endif
