/*
 * policy.h: RFC 5280 section 6.1 certificate policy processing, for a
 * path builder that has an ordered path in hand.
 *
 * What it does: the valid policy tree (6.1.2 initialisation; 6.1.3 (d)
 * (e) (f) per certificate; 6.1.4 (a) (b) (h) (i) (j) between
 * certificates; 6.1.5 (a) (b) (g) at the end), with the four inputs of
 * 6.1.1 (user-initial-policy-set, initial-explicit-policy,
 * initial-policy-mapping-inhibit, initial-any-policy-inhibit), and its
 * outputs: ok or refused (with a diagnosis naming the certificate whose
 * constraint decided it), the authority-constrained and the
 * user-constrained policy sets as dotted OIDs.
 *
 * The extensions are read from crt->v3_ext with mbedTLS's ASN.1
 * primitives (never from mbedTLS's certificate_policies field, which drops
 * qualifiers and refuses some policies): certificatePolicies 2.5.29.32
 * (policy OIDs; qualifiers skipped), policyMappings 2.5.29.33,
 * policyConstraints 2.5.29.36, inhibitAnyPolicy 2.5.29.54. A malformed or
 * repeated one refuses the path (SG_E_CERT_PARSE).
 *
 * ---- How a path builder calls it ------------------------------------------
 *
 * 1. Parse every candidate certificate so that mbedTLS keeps the policy
 *    extensions instead of refusing the certificate. mbedTLS 2.28.3
 *    (checked on PKITS): policyMappings, policyConstraints and
 *    inhibitAnyPolicy are unknown to it: critical, they make
 *    mbedtls_x509_crt_parse_der() fail (X509 invalid extensions + ASN1
 *    unexpected tag, -0x2562); certificatePolicies it parses itself, but a
 *    critical one naming any policy other than anyPolicy fails with
 *    MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE (a non-critical one is kept,
 *    its policies dropped). All four reach an ext callback, so parse with
 *        mbedtls_x509_crt_parse_der_with_ext_cb(chain, der, len, 1,
 *                                               pol_ext_cb, NULL);
 *    or, from the builder's own callback (name constraints, IDP...),
 *    return 0 when pol_ext_known(oid) says the OID is one of the four.
 *    (mbedTLS also hands the callback extensions it does not know but
 *    that are harmless, e.g. key identifiers: pol_ext_cb refuses only
 *    critical ones.)
 *
 * 2. Per candidate path of n certificates below the trust anchor (the
 *    anchor is not passed: RFC 5280 6.1 starts at the certificate it
 *    issued):
 *        struct pol_state st;
 *        struct pol_result res;
 *        sg_err rc = pol_init(&st, &params, n, &e);      (params below)
 *        for (i = 1; !rc && i <= n; i++)                  (anchor's child first)
 *            rc = pol_cert(&st, crt[i], self_issued(crt[i]), &e);
 *        if (!rc)
 *            rc = pol_finish(&st, &res, &e);
 *        pol_free(&st);                                   (always, after pol_init)
 *    self_issued: the certificate's subject and issuer are the same name
 *    (RFC 5280 7.1 comparison; the builder's name matching). Such a
 *    certificate does not count down the explicit-policy, policy-mapping
 *    and inhibit-anyPolicy counters (6.1.4 (h)), and honours anyPolicy
 *    when it is not the last (6.1.3 (d)(2)).
 *    A failure of pol_cert() is the path's refusal (or a cap): the builder
 *    may try another candidate path with a new pol_init(). Once failed,
 *    later calls return the same error.
 *
 * 3. The result: rc == SG_OK means the path is acceptable as far as
 *    policies go; res.user (with res.user_any, res.n_user) is the
 *    user-constrained policy set for `signet verify`'s policy line
 *    (pol_result_line() writes that line), res.why says why it is empty.
 *
 * Errors: SG_E_CERT_UNTRUSTED (the policies refuse the path, and the
 * policy tree's caps), SG_E_CERT_PARSE (a malformed policy extension),
 * SG_E_CONFIG (a malformed params.policies), SG_E_NOMEM; e->detail names
 * the certificate (its subject) and the constraint.
 *
 * ---- Bounds --------------------------------------------------------------
 *
 * The tree is kept as RFC 5280's valid_policy_tree with the nodes of one
 * depth that share a valid_policy merged into one node with several
 * parents (the parents are a bit mask over the previous depth's
 * policies), so a node is (depth, policy) and the tree cannot grow
 * exponentially with mappings (the RFC's literal tree can). Caps: at most
 * POL_MAX_OIDS distinct policies in a path (initial set included), at
 * most POL_MAX_ENTRIES policies or mappings in one extension, at most
 * POL_MAX_NODES nodes and POL_MAX_DEPTH certificates; hitting one is
 * SG_E_CERT_UNTRUSTED ("the certificate policies of this path exceed 256
 * nodes"). Memory: one allocation of about 7 KB at pol_init. Time per
 * certificate: O(E * O) to read its extensions (E entries, each looked up
 * among O <= 64 known policies, OIDs <= 40 bytes), O(E) to add its nodes
 * (one 64-bit OR each), O(N) to prune (N nodes so far, <= 256): a
 * mapping-heavy hostile path of 16 certificates costs at most about
 * 16 * (128 * 64 OID compares + 256 node visits), never more.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "sg_err.h"

#define POL_MAX_NODES 256   /* nodes of the valid policy tree (anyPolicy ones too) */
#define POL_MAX_OIDS 64     /* distinct policies in one path (bits of a mask) */
#define POL_MAX_ENTRIES 64  /* policies, or mappings, in one extension */
#define POL_MAX_DEPTH 16    /* certificates below the trust anchor */
#define POL_OID_MAX 40      /* bytes of a policy OID (DER contents) */
#define POL_MAX_INITIAL 16  /* OIDs in the user-initial-policy-set */
#define POL_SET_TEXT 512    /* params.policies and the result's sets, as text */

/* The inputs of RFC 5280 6.1.1 ([certs] policies, require_explicit_policy,
 * inhibit_policy_mapping, inhibit_any_policy). All zero: any policy,
 * nothing required. */
struct pol_params {
	/* user-initial-policy-set: dotted OIDs separated by commas (spaces
	 * around them allowed); "" (or anyPolicy, 2.5.29.32.0, among them):
	 * any-policy. */
	char policies[POL_SET_TEXT];
	int require_explicit; /* initial-explicit-policy */
	int inhibit_mapping;  /* initial-policy-mapping-inhibit */
	int inhibit_any;      /* initial-any-policy-inhibit */
};

struct pol_ctx;
struct pol_state {
	struct pol_ctx *ctx; /* owned; pol_free() releases it */
};

struct pol_result {
	/* user-constrained-policy-set: the initial set intersected with the
	 * policies valid for the path (in the trust anchor's domain). */
	int user_any;            /* it is any-policy (the whole tree) */
	size_t n_user;           /* OIDs in user */
	char user[POL_SET_TEXT]; /* "2.16.840.1.101.3.2.1.48.1, ..." in the order first
				  * met (the initial set's first; cut with ", ..."
				  * when long); "" when none, "anyPolicy" when only
				  * user_any */
	/* authority-constrained-policy-set: the same before the intersection
	 * (auth_any: anyPolicy is valid down to the end entity). */
	int auth_any;
	size_t n_auth;
	char auth[POL_SET_TEXT];
	char why[320]; /* no user-constrained policy: why (else "") */
};

/* Starts a path of n certificates (1..POL_MAX_DEPTH, the anchor not
 * counted) with the 6.1.1 inputs. params may be NULL (all defaults).
 * After it returns (even with an error), pol_free() is safe. */
sg_err pol_init(struct pol_state *st, const struct pol_params *params, int n,
		struct sg_error *e);

/* Certificate i of the path (the calls go from the anchor's child, i = 1,
 * down to the end entity, i = n): 6.1.3 (d)-(f), then 6.1.4 (a) (b) (h)
 * (i) (j) when i < n, 6.1.5 (a) (b) when i = n. */
sg_err pol_cert(struct pol_state *st, const mbedtls_x509_crt *crt, int self_issued,
		struct sg_error *e);

/* The same from a raw extension list (crt->v3_ext's bytes: the [3]
 * wrapper or the Extensions SEQUENCE) and a name for diagnoses; for tests
 * and the fuzzer. */
sg_err pol_cert_ext(struct pol_state *st, const unsigned char *ext, size_t ext_len,
		    int self_issued, const char *name, struct sg_error *e);

/* 6.1.5 (g) and the verdict, after the n-th pol_cert(). res is filled
 * in whatever the verdict. */
sg_err pol_finish(struct pol_state *st, struct pol_result *res, struct sg_error *e);

void pol_free(struct pol_state *st);

/* `signet verify`'s policy line: the valid policies, or why none
 * ("any policy", "2.16.840.1.101.3.2.1.48.1", "none: ..."). */
const char *pol_result_line(const struct pol_result *res, char *buf, size_t len);

/* Checks a policy list as in params.policies: SG_OK, or SG_E_CONFIG
 * naming the bad OID (for the configuration parser). */
sg_err pol_set_check(const char *list, struct sg_error *e);

/* 1 when oid is one of the four policy extensions (this module's). */
int pol_ext_known(const mbedtls_x509_buf *oid);

/* An mbedtls_x509_crt_ext_cb_t: accepts the four policy extensions and
 * refuses every other critical extension mbedTLS does not know. */
int pol_ext_cb(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
	       int critical, const unsigned char *p, const unsigned char *end);

#endif
