/*
 * certcheck.h: may this certificate sign a person in here?
 *
 * Five checks, each reported with its verdict and plain-words text:
 *   chain       RFC 5280 path validation to the trust anchors (path.h;
 *               intermediates from the token, the configuration or AIA
 *               caIssuers, tried in order, with backtracking); signatures
 *               (RSA PKCS#1 v1.5 and PSS, ECDSA); RFC 5280 7.1 name
 *               chaining; basic constraints and path length; key usage
 *               keyCertSign; name constraints; certificate policies
 *               (p->policy; the report's policy and names lines);
 *   time        every certificate of the chain against the HAL wall clock
 *               (or a given time), with a skew allowance; a device that
 *               does not know the time fails with SG_E_TIME_UNKNOWN;
 *   usage       key usage digitalSignature; extended key usage clientAuth
 *               and/or Microsoft smart-card logon, as configured;
 *   identity    the certificate names the user (identity.h; subject CN as
 *               a configurable fallback);
 *   revocation  every certificate below the trust anchor (or the end
 *               entity only, with scope leaf), by the policy in revoke.h;
 *               for CA certificates a configured OCSP URL does not apply
 *               and, when the policy names one method, the other is tried
 *               after it (CAs often publish only CRLs). A definite
 *               "revoked" for any certificate wins over "no answer" for
 *               another. A CRL signed by a separate CRL-signing
 *               certificate (or an indirect CRL's issuer) counts when that
 *               certificate chains to the same trust anchor (mbedTLS's
 *               verify over the anchor and the intermediates, until the
 *               path builder takes over revoke_env.signer_path) and is
 *               not revoked itself.
 * The result is the first failing check in that order, as an sg_err:
 * SG_E_CERT_*, SG_E_SIGNATURE, SG_E_TIME_UNKNOWN (not acceptable),
 * SG_E_REVOKED or SG_E_REVOCATION_UNAVAILABLE.
 */
#ifndef CERTCHECK_H
#define CERTCHECK_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "hal.h"
#include "path.h"
#include "policy.h"
#include "revoke.h"
#include "sg_err.h"

#define CERTCHECK_MAX_CHAIN 8

/* Which certificates the revocation check covers (as Windows'
 * CERT_CHAIN_REVOCATION_CHECK_CHAIN / _END_CERT). */
enum certcheck_scope {
	CERTCHECK_SCOPE_CHAIN, /* every certificate below the trust anchor */
	CERTCHECK_SCOPE_LEAF,  /* the end-entity certificate only */
};

struct certcheck_policy {
	int allow_client_auth;     /* EKU id-kp-clientAuth accepted (default yes) */
	int allow_smartcard_logon; /* EKU 1.3.6.1.4.1.311.20.2.2 accepted (default yes) */
	int require_eku;           /* refuse a certificate without EKU (default no:
				    * RFC 5280 reads "no EKU" as "any purpose") */
	int skew_s;                /* clock skew allowed on validity (default 300) */
	int warn_days;             /* warn this many days before expiry (default 30) */
	int cn_fallback;           /* the subject CN may name the user (default no) */
	int aia_fetch;             /* fetch missing intermediates from caIssuers (default no) */
	int rsa_min_bits;          /* default 2048 */
	struct revoke_policy revoke;
	int revocation_scope;      /* enum certcheck_scope (default chain) */
	/* RFC 5280 6.1.1's policy inputs ([certs] policies, require_explicit_policy,
	 * inhibit_policy_mapping, inhibit_any_policy; default: any policy, nothing
	 * required), applied by the path validation (path.h, policy.h). */
	struct pol_params policy;
};

struct certcheck_input {
	const uint8_t *der;                     /* the end-entity certificate */
	size_t der_len;
	const mbedtls_x509_crt *anchors;        /* trust anchors (required) */
	const mbedtls_x509_crt *intermediates;  /* untrusted helpers, or NULL (parsed
						 * with path_ext_cb: path.h) */
	const struct path_unread *unread;       /* helpers mbedTLS could not parse, or NULL */
	const struct crl_list *crls;            /* configured CRLs, or NULL */
	const char *identity;                   /* NULL: identity not checked */
	int64_t at;                             /* check at this time ... */
	int at_set;                             /* ... when set; else the HAL clock */
};

enum certcheck_step_id {
	CERTCHECK_CHAIN,
	CERTCHECK_TIME,
	CERTCHECK_USAGE,
	CERTCHECK_IDENTITY,
	CERTCHECK_REVOCATION,
	CERTCHECK__STEPS
};

enum certcheck_verdict {
	CERTCHECK_SKIP = 0, /* not run (an earlier check failed, or not asked) */
	CERTCHECK_PASS,
	CERTCHECK_WARN,     /* passed, with something to show (expiry soon, soft-fail) */
	CERTCHECK_FAIL,
};

struct certcheck_step {
	enum certcheck_verdict verdict;
	sg_err err;       /* for FAIL */
	char text[600];   /* what was found, in plain words */
};

/* A failed revocation check whose remedy is a setting rather than the
 * network: the certificate named no revocation source. */
enum certcheck_advice {
	CERTCHECK_ADVICE_NONE = 0,
	CERTCHECK_ADVICE_CRL_OR_OCSP, /* the end entity: configure a CRL or an OCSP responder */
	CERTCHECK_ADVICE_CRL_OR_LEAF, /* an issuing CA: a CRL of its issuer, or check the leaf only */
};

struct certcheck_report {
	struct certcheck_step steps[CERTCHECK__STEPS];
	sg_err result;
	int64_t now;
	int64_t not_after;
	int days_left;
	int expiry_warning;                 /* within warn_days */
	size_t chain_len;
	char chain[CERTCHECK_MAX_CHAIN][160]; /* subjects, end entity first */
	struct revoke_result revocation;    /* of the end-entity certificate */
	/* What the path validation found beside the chain check (signet
	 * verify's policy and names lines): pass (the path's), fail (what
	 * refused the path), skip (not reached). */
	struct {
		enum certcheck_verdict verdict;
		char text[POL_SET_TEXT];
	} policy, names;
	struct pol_result pol;              /* the validated path's policy sets */
	/* What to do next when the code's own diagnosis (sg_err_diagnosis)
	 * does not fit the failure (each front end words it); NONE otherwise. */
	enum certcheck_advice advice;
};

void certcheck_policy_default(struct certcheck_policy *p);

/* "chain", "time", "usage", "identity", "revocation". */
const char *certcheck_step_name(enum certcheck_step_id id);
/* "pass", "warn", "fail", "skip". */
const char *certcheck_verdict_name(enum certcheck_verdict v);

/* Runs every check and fills *rep. Returns rep->result (SG_OK when the
 * certificate is acceptable); e gets the failing check's detail. Blocks
 * for the revocation checks' network steps (bounded by their timeouts). */
sg_err certcheck_run(const struct hal *hal, const struct certcheck_policy *p,
		     const struct certcheck_input *in, struct certcheck_report *rep,
		     struct sg_error *e);

#endif
