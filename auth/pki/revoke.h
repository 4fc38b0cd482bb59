/*
 * revoke.h: is this certificate revoked? The deployment's policy decides
 * where to look (OCSP, CRL, both, neither) and what an unreachable or
 * broken source means. mbedTLS skips revocation silently when it is given
 * no CRL; signet never does: without a trustworthy answer the policy
 * decides, and its default is to refuse.
 *
 * Answers are cached in HAL storage until their nextUpdate; a cached
 * answer past nextUpdate still counts for grace_s seconds, but only when
 * no fresh answer can be had. Every network step is bounded by
 * timeout_ms.
 */
#ifndef REVOKE_H
#define REVOKE_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "crl.h"
#include "hal.h"
#include "sg_err.h"

enum revoke_method {
	REVOKE_OCSP,
	REVOKE_CRL,
};

enum revoke_on_fail {
	REVOKE_FAIL_HARD, /* no answer: refuse (exit 8) */
	REVOKE_FAIL_SOFT, /* no answer: accept, with a warning */
};

struct revoke_policy {
	enum revoke_method methods[2]; /* in order */
	size_t n_methods;              /* 0: revocation is not checked */
	enum revoke_on_fail on_fail;
	int grace_s;                   /* stale cached answers count this long (0: never) */
	int timeout_ms;                /* per network exchange */
	int skew_s;                    /* clock skew allowed on thisUpdate / nextUpdate */
	int ocsp_nonce;                /* send a nonce; one that comes back must match */
	int ocsp_max_age_s;            /* for responses without nextUpdate */
	const char *ocsp_url;          /* responder to use instead of the AIA's; NULL */
	int fetch_crl;                 /* fetch CRLs from the distribution points */
	size_t max_crl_bytes;
	int use_cache;                 /* read and write HAL storage */
	/* An answer without the nonce (pre-signed, CDN, AD CS) counts when it
	 * is within its validity window; 1 refuses it (RFC 8954 strictness). */
	int ocsp_require_nonce;
	int crl_max_age_s;             /* for CRLs without nextUpdate */
};

enum revoke_status {
	REVOKE_GOOD,
	REVOKE_REVOKED,
	REVOKE_UNAVAILABLE,
	REVOKE_NOT_CHECKED, /* policy none, or soft-fail without an answer */
};

/* Why there is no answer: what an administrator does next differs. */
enum revoke_missing {
	REVOKE_MISSING_NONE,        /* there is an answer (or nothing was asked) */
	REVOKE_MISSING_NO_SOURCE,   /* the certificate names no responder or CRL
				     * distribution point, no configured CRL is its
				     * issuer's: configure one */
	REVOKE_MISSING_UNREACHABLE, /* every source named failed on the network */
	REVOKE_MISSING_UNTRUSTED,   /* a source answered, but nothing usable (bad
				     * signature, stale, wrong nonce, unknown, HTTP
				     * error) */
};

struct revoke_result {
	enum revoke_status status;
	int64_t revoked_at;
	int reason;            /* CRLReason, -1 when unknown */
	int64_t next_update;   /* of the answer used (0: none) */
	int from_cache;
	int stale;             /* a cached answer past nextUpdate, within grace */
	char source[600];      /* "OCSP http://127.0.0.1:8080/", "CRL file", ... */
	char trail[1024];      /* what each source did, for --verbose and diagnoses */
	enum revoke_missing missing; /* with no answer: why */
};

/* The default: OCSP then CRL, hard-fail, 24 h grace, 5 s timeouts,
 * 5 min skew, nonce sent but not required back, OCSP answers without
 * nextUpdate good for 24 h, CRLs without one for 7 days, CRL fetching and
 * cache on, CRLs up to 4 MiB. */
void revoke_policy_default(struct revoke_policy *p);

/* Parses "ocsp,crl", "crl,ocsp", "ocsp", "crl" or "none". SG_E_CONFIG. */
sg_err revoke_policy_methods(struct revoke_policy *p, const char *s, struct sg_error *e);

/*
 * A CRL signed by another certificate than the one that issued cert: a
 * separate CRL-signing key of the same CA (its name, keyUsage cRLSign) or
 * an indirect CRL's issuer (the cRLIssuer of cert's distribution point).
 * RFC 5280 6.3.3 (f): that signer's own path must validate to the trust
 * anchor of cert's path, and the signer must not be revoked.
 *
 * revoke_check finds the candidate (a certificate in env->signers whose
 * subject is the CRL's issuer and whose key verifies the CRL's signature)
 * and asks the hook for its path; it then checks the revocation of every
 * certificate of that path below the anchor itself (the usual CRL and
 * OCSP logic, one level deeper; REVOKE_MAX_DEPTH levels at most, so a
 * CRL signer whose status needs a CRL signed by another signer ... ends).
 *
 * The hook: validate signer's path to the same trust anchor as the
 * certificate being checked, at time now; fill path->crt (signer first,
 * the trust anchor last, n >= 2) and SG_OK, or an error with why. The
 * certificates the hook parses for the path go into path->store (an
 * initialised, empty mbedtls_x509_crt list revoke_check frees after use);
 * pointers to certificates that outlive the call (env->signers) may be
 * used as they are. certcheck's hook is the path validation's
 * path_crl_signer (path.h) to the path's own anchor over the
 * intermediates.
 */
#define REVOKE_PATH_MAX 8
#define REVOKE_MAX_DEPTH 3

struct revoke_path {
	const mbedtls_x509_crt *crt[REVOKE_PATH_MAX];
	size_t n;
	mbedtls_x509_crt store;
};

typedef sg_err (*revoke_signer_path_fn)(void *arg, const mbedtls_x509_crt *signer,
					int64_t now, struct revoke_path *path,
					struct sg_error *e);

/* What a revocation check may use beyond the certificate and its issuer. */
struct revoke_env {
	const struct crl_list *crls;           /* configured CRLs, or NULL */
	const mbedtls_x509_crt *signers[2];    /* where CRL signers are looked for
						* (intermediates, anchors); NULL */
	revoke_signer_path_fn signer_path;     /* NULL: only the issuer's own key
						* counts for a CRL (as before) */
	void *arg;                             /* for signer_path */
	/* set by revoke_check for the levels it opens; start with 0/NULL */
	int depth;
	const mbedtls_x509_crt *checking[REVOKE_MAX_DEPTH]; /* signers being checked */
};

/* Checks cert (issued by issuer) at time now. env: configured CRLs and CRL
 * signers (NULL for none). Returns SG_OK (good, or not checked by policy), or
 * SG_E_REVOKED (*r says when and why), or SG_E_REVOCATION_UNAVAILABLE
 * (no trustworthy answer under a hard-fail policy; the detail names what
 * was tried, r->missing why nothing answered). Blocks for at most
 * timeout_ms per source tried.
 *
 * CRLs (RFC 5280 6.3.3): the configured ones first, then the distribution
 * points' (cache, then HTTP), each taken when it is current, its signer
 * trusted (above) and it covers cert (crl_scope: issuer, IDP's
 * distribution point and certificate kinds); a delta CRL (configured, or
 * fetched from the freshestCRL extension of the complete CRL or cert) goes
 * on top of the complete CRL it fits (crl_delta_fits), its entries first
 * (removeFromCRL un-revokes). CRLs covering only some reasons are combined
 * until every reason is covered; a revoked entry answers at once; short of
 * every reason there is no answer. */
sg_err revoke_check(const struct hal *hal, const struct revoke_policy *p,
		    const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer,
		    const struct revoke_env *env, int64_t now, struct revoke_result *r,
		    struct sg_error *e);

/* "keyCompromise", "cACompromise", ...; "unspecified" for -1. */
const char *revoke_reason_name(int reason);

#endif
