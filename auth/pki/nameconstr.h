/*
 * nameconstr.h: RFC 5280 name constraints (4.2.1.10, and the
 * permitted_subtrees / excluded_subtrees state of path validation, 6.1).
 *
 * The state holds every subtree the CAs of a path have added so far:
 * permitted subtrees are kept per CA, and a name of a form a CA
 * constrains must lie within one of that CA's subtrees of the form (which
 * is the RFC's intersection, without computing it); excluded subtrees are
 * their union. Forms checked: dNSName, rfc822Name (a mailbox, a host, or
 * .domain for any host under it), uniformResourceIdentifier (its host;
 * a host or .domain), directoryName (the base's RDNs are the name's first
 * ones, compared as RFC 5280 7.1 says: dn.h), iPAddress (v4 and v6,
 * address and mask). Applied to the subject (directoryName, and each
 * emailAddress attribute as an rfc822Name) and to every subjectAltName
 * entry. A name of a form signet cannot check (otherName, x400Address,
 * ediPartyName, registeredID, or a URI without a host) is refused when
 * the state holds a constraint of that form, as RFC 5280 requires of a
 * form that a critical extension constrains; otherwise it is left alone.
 * A subtree with minimum != 0 or a maximum (RFC 5280: MUST NOT) makes
 * the extension unreadable.
 *
 * Bounded: at most NC_MAX_SUBTREES subtrees, NC_MAX_BYTES bytes of them
 * and NC_MAX_CAS constraining CAs per path; a CA that would exceed a cap
 * is refused with a clear error (SG_E_CERT_UNTRUSTED), never truncated.
 * struct nc_state is self-contained (about 6 KB, no heap): the path
 * builder keeps one per candidate path, in its own context rather than on
 * a small stack.
 *
 * How a path builder calls it (RFC 5280 6.1, certificates 1..n from the
 * one the trust anchor issued down to the end entity):
 *
 *   struct nc_state st;
 *   nc_init(&st);
 *   // the anchor's own NameConstraints, if the builder applies them:
 *   //   nc_add(&st, anchor, &e)
 *   for (i = 1; i <= n; i++) {
 *           int self_issued = dn_equal(c[i]->subject_raw.p, c[i]->subject_raw.len,
 *                                      c[i]->issuer_raw.p, c[i]->issuer_raw.len);
 *           if (nc_check(&st, c[i], self_issued && i < n, &e) != SG_OK)
 *                   break;                            // 6.1.3 (b), (c)
 *           if (i < n && nc_add(&st, c[i], &e) != SG_OK)
 *                   break;                            // 6.1.4 (g)
 *   }
 *   nc_free(&st);
 *
 * Certificates must be parsed so that mbedTLS 2.28 keeps a certificate
 * with a critical NameConstraints (it does not know 2.5.29.30 and refuses
 * it otherwise): mbedtls_x509_crt_parse_der_with_ext_cb(chain, der, len,
 * 1, nc_crt_ext_cb, NULL). nc_crt_ext_cb accepts NameConstraints and the
 * policy extensions (2.5.29.32, .33, .36, .54; mbedTLS hands a
 * certificatePolicies it cannot enforce to the callback too), leaving
 * them in crt->v3_ext where nc_add (and the policy code) read them, and
 * refuses any other unknown critical extension.
 */
#ifndef NAMECONSTR_H
#define NAMECONSTR_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "sg_err.h"

#define NC_MAX_SUBTREES 64
#define NC_MAX_BYTES 4096
#define NC_MAX_CAS 8
#define NC_CA_NAME 112 /* the constraining CA's subject, for messages */

struct nc_subtree {
	uint16_t off, len; /* the base's content in buf */
	uint8_t form;      /* GeneralName tag number: 1 rfc822, 2 dNS, 4 dir, 6 URI, 7 IP */
	uint8_t excluded;
	uint8_t ca; /* index in ca[] */
};

struct nc_state {
	size_t n, used, n_ca;
	struct nc_subtree t[NC_MAX_SUBTREES];
	char ca[NC_MAX_CAS][NC_CA_NAME];
	uint8_t buf[NC_MAX_BYTES];
};

void nc_init(struct nc_state *st);
void nc_free(struct nc_state *st);

/*
 * RFC 5280 6.1.3 (b) and (c): checks crt's subject and subjectAltName
 * against the state. skip: crt is self-issued and not the last
 * certificate of the path (exempt). SG_OK, or SG_E_CERT_UNTRUSTED with a
 * detail naming the name and the constraining CA, e.g. "the name dNSName
 * evil.test is outside the permitted subtrees of CN=Issuing CA".
 */
sg_err nc_check(const struct nc_state *st, const mbedtls_x509_crt *crt, int skip,
		struct sg_error *e);

/*
 * RFC 5280 6.1.4 (g): folds crt's NameConstraints (read from crt->v3_ext;
 * none: nothing to do) into the state. SG_E_CERT_UNTRUSTED when the
 * extension cannot be read or a cap is hit (the state is then unchanged).
 */
sg_err nc_add(struct nc_state *st, const mbedtls_x509_crt *crt, struct sg_error *e);

/* The same on a NameConstraints value (the extnValue's contents), with
 * the constraining CA's name for messages (fuzzing, tests). */
sg_err nc_add_der(struct nc_state *st, const uint8_t *p, size_t n, const char *ca,
		  struct sg_error *e);

/*
 * Finds extension oid in crt->v3_ext: 1 with *val and *len set to the
 * extnValue's contents and *critical, 0 when absent, -1 when the
 * extensions do not parse.
 */
int nc_find_ext(const mbedtls_x509_crt *crt, const uint8_t *oid, size_t oid_len,
		const uint8_t **val, size_t *len, int *critical);

/* For mbedtls_x509_crt_parse_der_with_ext_cb (see above). */
int nc_crt_ext_cb(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
		  int critical, const unsigned char *p, const unsigned char *end);

#endif
