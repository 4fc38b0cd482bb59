/*
 * crl.h: checking one certificate against one CRL (RFC 5280 section 6.3,
 * the parts a sign-in client needs), with the device's time, not the
 * C library's.
 */
#ifndef CRL_H
#define CRL_H

#include <stdint.h>

#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "sg_err.h"

struct crl_result {
	int revoked;
	int64_t revoked_at;
	int reason;          /* CRLReason, -1 when absent */
	int64_t this_update;
	int64_t next_update; /* 0 when the CRL has none */
};

/* 1 when crl was issued under the name of cert's issuer (as cert names
 * it, or as issuer names itself; issuer may be NULL). */
int crl_applies(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *cert,
		const mbedtls_x509_crt *issuer);

/* How old a CRL without nextUpdate may be (thisUpdate + this) when the
 * caller does not say: a week, the usual publication interval. */
#define CRL_MAX_AGE_DEFAULT (7 * 86400)

/* Checks cert against crl, which must be signed by issuer (the key that
 * signed cert; its key usage must allow cRLSign when it has one) and be
 * current: thisUpdate <= now + skew and nextUpdate >= now - skew; a CRL
 * without nextUpdate (RFC 5280 requires one; some CAs leave it out) is
 * current while thisUpdate + max_age_s >= now - skew, else it would never
 * go stale. SG_OK with *out filled (revoked or not), or
 * SG_E_REVOCATION_UNAVAILABLE with the reason (wrong issuer, bad
 * signature, not yet valid, out of date, too old): such a CRL proves
 * nothing. */
sg_err crl_check_age(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *cert,
		     const mbedtls_x509_crt *issuer, int64_t now, int skew_s, int max_age_s,
		     struct crl_result *out, struct sg_error *e);

/* crl_check_age() with max_age_s CRL_MAX_AGE_DEFAULT. */
sg_err crl_check(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *cert,
		 const mbedtls_x509_crt *issuer, int64_t now, int skew_s, struct crl_result *out,
		 struct sg_error *e);

/* When crl stops counting: its nextUpdate, or thisUpdate + max_age_s
 * when it has none (what the cache's grace period starts from). */
int64_t crl_expiry(const mbedtls_x509_crl *crl, int max_age_s);
/* The reasonCode (CRLReason) of entry en of crl, -1 when it has none or
 * its extensions do not parse: what crl_check reports (for tests and the
 * fuzzer, which cannot sign a CRL to reach an entry through crl_check). */
int crl_entry_reason(const mbedtls_x509_crl *crl, const mbedtls_x509_crl_entry *en);

/* Seconds since the epoch of an mbedTLS time (0 for the "absent" zero
 * time mbedTLS leaves when nextUpdate is missing). */
int64_t crl_time(const mbedtls_x509_time *t);

#endif
