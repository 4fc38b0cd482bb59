/*
 * path.h: RFC 5280 section 6 certification path building and validation,
 * the one validator signet uses for every certificate it trusts: the
 * user's (certcheck), the registrar's (sip_tls, through mbedTLS's verify
 * callback), the enrolment service's (firmware/coap/est.c) and a CRL's
 * signer (revoke/crl, see "A CRL signer" below).
 *
 * ---- What it does ----------------------------------------------------------
 *
 * Building: from the target upwards, the candidate issuers of a
 * certificate are the trust anchors and the pool certificates whose
 * subject equals its issuer name (dn_equal: RFC 5280 7.1), tried in
 * order: those whose subjectKeyIdentifier equals the certificate's
 * authorityKeyIdentifier first, then those where either is absent, then
 * those whose key identifiers differ; anchors before intermediates within
 * each group. Depth first with backtracking, loop-free (a certificate at
 * most once in a path), at most PATH_MAX_LEN certificates in a path and
 * PATH_MAX_TRIES candidate issuers tried in one build (each costs at most
 * one signature check), so many cross-signed candidates cannot make it
 * exponential. The first path that validates wins. When none does, the
 * result is the "best" failed path: one that reached a trust anchor over
 * one that did not, a longer over a shorter, the first among equals; its
 * reason is out->why (and e->detail).
 *
 * Per path (6.1.3, 6.1.4): each signature by its issuer's key (RSA PKCS#1
 * v1.5 and PSS, ECDSA P-256/384/521; SHA-224..512; RSA keys of at least
 * rsa_min_bits, the target's own key too); name chaining; validity at
 * `now` with `skew_s` (or left to the caller: time_soft); basic
 * constraints cA on every issuer (a v1/v2 trust anchor excepted) and
 * pathLenConstraint (self-issued intermediates not counted; the anchor's
 * own pathLenConstraint applies, as mbedTLS did); keyUsage keyCertSign on
 * issuers that carry keyUsage; name constraints (nameconstr.h:
 * self-issued intermediates exempt; the anchor's own are not applied);
 * certificate policies (policy.h, with in->policy's 6.1.1 inputs).
 * Unknown critical extensions: a certificate parsed with path_ext_cb (or
 * by path_parse_der) that carries one does not parse, so it cannot be a
 * candidate; a pool certificate mbedTLS cannot parse at all is kept raw
 * (struct path_unread) and a certificate whose issuer is only such a one
 * fails with mbedTLS's reason.
 *
 * Memory: one allocation of about 8 KB per build (the name-constraint
 * state and the candidate list), plus policy.h's per path; nothing kept.
 *
 * ---- How a caller uses it ----------------------------------------------------
 *
 *   1. Parse every certificate (target, anchors, intermediates) with
 *      path_parse_der() (or mbedtls_x509_crt_parse_der_with_ext_cb(chain,
 *      der, len, 1, path_ext_cb, NULL)) so that mbedTLS keeps critical
 *      name constraints and policy extensions instead of refusing them.
 *   2. struct path_in in = {.target = crt, .anchors = anchors,
 *                           .pool = {intermediates, more}, .unread = u,
 *                           .policy = &params, .now = now, .skew_s = 300,
 *                           .rsa_min_bits = 2048};
 *      struct path_out *out = (allocate: it holds a pol_result);
 *      sg_err rc = path_build(&in, out, &e);
 *   3. rc == SG_OK: out->crt[0..n-1] is the path, target first, trust
 *      anchor last (n == 1: the target is itself an anchor); out->pol the
 *      policy result, out->names the name-constraint line; out->time_ok
 *      says whether every certificate of it is within its validity
 *      (always 1 unless in->time_soft). The pointers point into the
 *      caller's lists: valid while those are.
 *      rc != SG_OK: SG_E_CERT_UNTRUSTED (no acceptable path; out->why;
 *      out->crt[0..n-1] the best path tried; out->fail & PATH_F_NO_ISSUER:
 *      it ends at a certificate whose issuer is nowhere, out->crt[n - 1]:
 *      fetch its AIA caIssuers and build again), SG_E_CERT_EXPIRED / SG_E_CERT_NOT_YET_VALID (only
 *      without time_soft), SG_E_NOMEM, SG_E_INVALID_ARG.
 *
 * A CRL signer (RFC 5280 6.3.3 (f)): a CRL signed by another key than the
 * certificate's issuer's is acceptable when its signer's own path
 * validates to the same trust anchor with keyUsage cRLSign:
 *
 *   sg_err path_crl_signer(const struct path_in *in, const mbedtls_x509_crt
 *                          *anchor, struct path_out *out, struct sg_error *e);
 *
 * with in->target the candidate signer (from the pool or the CRL's
 * issuer's certificates), in->policy NULL (policies do not apply to the
 * signer's path, RFC 5280 6.3.3 (f)), anchor the anchor of the
 * certificate's own path (NULL: any); it checks keyUsage cRLSign on the
 * signer itself.
 */
#ifndef PATH_H
#define PATH_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "policy.h"
#include "sg_err.h"

#define PATH_MAX_LEN 10    /* certificates in a path, the anchor included */
#define PATH_MAX_TRIES 64  /* candidate issuers tried in one build */
#define PATH_MAX_CAND 64   /* certificates looked at as candidates (anchors + pools) */
#define PATH_MAX_UNREAD 8  /* unparseable pool certificates kept */
#define PATH_MAX_DER 16384 /* bytes of one unparseable certificate kept */
#define PATH_POOLS 2

/* Pool certificates mbedTLS could not parse, kept for their reason. */
struct path_unread {
	size_t n;
	struct {
		uint8_t *der; /* owned (sg_calloc) */
		size_t len;
		int rc;       /* mbedTLS's error */
	} c[PATH_MAX_UNREAD];
};

struct path_in {
	const mbedtls_x509_crt *target;
	const mbedtls_x509_crt *anchors;          /* required */
	const mbedtls_x509_crt *pool[PATH_POOLS]; /* untrusted candidates, or NULL */
	const struct path_unread *unread;         /* or NULL */
	const struct pol_params *policy;          /* NULL: any policy, nothing required */
	int64_t now;                              /* POSIX seconds */
	int skew_s;
	int time_soft;    /* 1: validity does not fail a path (the caller
			   * judges out->crt's times); valid paths within
			   * their validity are still preferred */
	int rsa_min_bits; /* 0: 2048 */
	unsigned target_ku; /* keyUsage bits the target must allow (MBEDTLS_X509_KU_*), 0: none */
};

struct path_out {
	size_t n;
	const mbedtls_x509_crt *crt[PATH_MAX_LEN]; /* target first, anchor last */
	int time_ok;
	unsigned fail;      /* failed: PATH_F_* */
	struct pol_result pol;
	char names[240];    /* "no constraints", "within CN=X's constraints", or the violation */
	char policy[POL_SET_TEXT]; /* pol_result_line(), or why the policies refused the path */
	char why[400];      /* failed: why, in plain words */
};

/* out->fail: what refused the best path */
#define PATH_F_WEAK 1u      /* an algorithm or key the profile refuses */
#define PATH_F_NO_ISSUER 2u /* crt[n - 1]'s issuer is neither an anchor nor a candidate */
#define PATH_F_POLICY 4u    /* certificate policies (out->policy says why) */
#define PATH_F_NAMES 8u     /* name constraints (out->names says why) */

sg_err path_build(const struct path_in *in, struct path_out *out, struct sg_error *e);

/* See "A CRL signer" above. */
sg_err path_crl_signer(const struct path_in *in, const mbedtls_x509_crt *anchor,
		       struct path_out *out, struct sg_error *e);

/* For mbedtls_x509_crt_parse_der_with_ext_cb: keeps NameConstraints and
 * the policy extensions, refuses any other critical extension mbedTLS
 * does not know. */
int path_ext_cb(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
		int critical, const unsigned char *p, const unsigned char *end);

/* Parses one DER certificate into chain with path_ext_cb. When mbedTLS
 * cannot parse it and u is not NULL, a copy is kept in u (if there is
 * room and it is at most PATH_MAX_DER bytes). Returns 0 (parsed), 1
 * (kept raw), or mbedTLS's error (dropped). */
int path_parse_der(mbedtls_x509_crt *chain, struct path_unread *u, const uint8_t *der,
		   size_t len);

void path_unread_free(struct path_unread *u);

#endif
