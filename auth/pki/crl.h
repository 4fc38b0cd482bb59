/*
 * crl.h: CRLs as signet reads them (RFC 5280 5.1-5.3), and one
 * certificate against one CRL (the steps of RFC 5280 6.3.3 that need only
 * the CRL, the certificate and the CRL's signer).
 *
 * signet owns the reader: mbedTLS 2.28's CRL parser refuses a critical
 * issuingDistributionPoint and knows nothing of delta, indirect or
 * partitioned CRLs. crl_parse reads the whole CertificateList with
 * mbedTLS's ASN.1 primitives, bounded by each element's own length, and
 * allocates nothing: struct crl points into the DER, which must outlive
 * it. Every entry is read once by crl_parse, so walking them later
 * (crl_iter_next) cannot fail.
 *
 * A CRL that is well formed but carries an unknown critical CRL extension
 * or entry extension (or extensions in a v1 CRL) parses with crl->unusable
 * set to the reason: it answers nothing (revocation unavailable), and a
 * configuration that names it still loads.
 *
 * How the checks use it (revoke.c): for each complete CRL of the
 * certificate's issuer (crl_scope), the signer is found (crl_verify with
 * the issuer's key, or a separate CRL-signing certificate whose path the
 * caller validates), then crl_lookup with any delta CRL on top
 * (crl_delta_fits), collecting the reasons each CRL covers until all are
 * covered or the certificate is revoked.
 */
#ifndef CRL_H
#define CRL_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "sg_err.h"

/* Where an element sits in the DER (contents only unless said). */
struct crl_buf {
	const uint8_t *p;
	size_t len;
};

/* ReasonFlags bits (RFC 5280 4.2.1.13: bit 0 unused .. bit 8 aACompromise)
 * as a mask 1 << bit; CRL_REASONS_ALL is every reason but the unused bit 0. */
#define CRL_REASONS_ALL 0x1feu

struct crl {
	struct crl_buf raw;      /* the whole CertificateList, tag included */
	struct crl_buf tbs;      /* the signed TBSCertList, tag included */
	struct crl_buf issuer;   /* Name, tag included (for dn_equal) */
	struct crl_buf sig_alg;  /* AlgorithmIdentifier, tag included */
	struct crl_buf sig;      /* the signature BIT STRING's bits */
	int version;             /* 1 or 2 */
	int64_t this_update;
	int64_t next_update;     /* 0 when absent */
	struct crl_buf entries;  /* revokedCertificates' contents (may be empty) */
	size_t n_entries;
	struct crl_buf number;   /* cRLNumber's INTEGER contents; len 0: absent */
	struct crl_buf base;     /* deltaCRLIndicator's BaseCRLNumber; len 0: not a delta */
	struct crl_buf aki;      /* authorityKeyIdentifier keyIdentifier; len 0: absent */
	struct crl_buf freshest; /* freshestCRL's CRLDistributionPoints, tag included */
	/* issuingDistributionPoint */
	int has_idp;
	struct crl_buf idp_raw;  /* its whole extnValue (scope comparison of a delta) */
	struct crl_buf idp_dp;   /* its DistributionPointName, tag included; len 0: absent */
	int only_user, only_ca, only_attr, indirect;
	unsigned reasons;        /* onlySomeReasons as a mask; CRL_REASONS_ALL when absent */
	const char *unusable;    /* NULL, or why this well-formed CRL answers nothing */
};

/* One revokedCertificates entry. */
struct crl_entry {
	struct crl_buf serial;  /* INTEGER contents */
	int64_t when;
	int reason;             /* CRLReason, -1 when absent */
	/* The certificate issuer the entry is for (indirect CRLs: the last
	 * certificateIssuer named so far, GeneralNames contents); len 0: the
	 * CRL's issuer. */
	struct crl_buf cert_issuer;
};

struct crl_iter {
	const uint8_t *p, *end;
	struct crl_buf cert_issuer;
	int version;
};

/* Reads a DER CRL. SG_OK (check crl->unusable), or SG_E_MALFORMED with
 * where it stops. Nothing is allocated; der must outlive crl. */
sg_err crl_parse(struct crl *crl, const uint8_t *der, size_t len, struct sg_error *e);

void crl_iter_init(const struct crl *crl, struct crl_iter *it);
/* 1 and *en for the next entry, 0 at the end. */
int crl_iter_next(struct crl_iter *it, struct crl_entry *en);

/* Checks the CRL's signature over its TBS bytes with signer's key, and that
 * signer may sign CRLs (key usage cRLSign when it has a key usage).
 * SG_OK or SG_E_REVOCATION_UNAVAILABLE with why. */
sg_err crl_verify(const struct crl *crl, const mbedtls_x509_crt *signer, struct sg_error *e);

/* Currency at now: thisUpdate <= now + skew and nextUpdate >= now - skew;
 * without nextUpdate (RFC 5280 requires one; some CAs leave it out) the
 * CRL counts while thisUpdate + max_age_s >= now - skew, else an old CRL
 * replayed for ever would hide every later revocation. SG_OK or
 * SG_E_REVOCATION_UNAVAILABLE with why. */
sg_err crl_current(const struct crl *crl, int64_t now, int skew_s, int max_age_s,
		   struct sg_error *e);

/* How old a CRL without nextUpdate may be (thisUpdate + this) when the
 * caller does not say: a week, the usual publication interval. */
#define CRL_MAX_AGE_DEFAULT (7 * 86400)

/* When crl stops counting: its nextUpdate, or thisUpdate + max_age_s
 * when it has none (what the cache's grace period starts from). */
int64_t crl_expiry(const struct crl *crl, int max_age_s);

/* 1 when crl could be about cert by its issuer name: issued by cert's
 * issuer (RFC 5280 7.1 comparison), or by a cRLIssuer named in cert's
 * distribution points. A cheap filter before crl_scope. */
int crl_applies(const struct crl *crl, const mbedtls_x509_crt *cert);

/*
 * RFC 5280 6.3.3 (b) and (d): is this complete CRL, issued as it is, one
 * of cert's CRLs? For each of cert's distribution points (or the one
 * implied when it has none): the CRL's issuer is the point's cRLIssuer
 * (then the CRL must be indirect) or else cert's issuer; the IDP's
 * distribution point names (fullName, or nameRelativeToCRLIssuer taken
 * onto the CRL's issuer) share a name with the point's (or its
 * cRLIssuer's when it names none); onlyContainsUserCerts refuses a CA
 * certificate, onlyContainsCACerts an end entity, onlyContainsAttributeCerts
 * every certificate. Returns the reasons the CRL covers for cert (the
 * IDP's onlySomeReasons with the point's reasons, summed over the points
 * that match), 0 when it does not cover cert; *why says why not.
 */
unsigned crl_scope(const struct crl *crl, const mbedtls_x509_crt *cert, const char **why);

/* 1 when delta can go on top of complete (RFC 5280 5.2.4, 6.3.3 (c)): a
 * delta (deltaCRLIndicator) of the same issuer and scope (the same IDP or
 * none on both) whose BaseCRLNumber is at most the complete CRL's
 * cRLNumber. */
int crl_delta_fits(const struct crl *complete, const struct crl *delta);

/* Looks cert up: 1 and *en when an entry names it (its serial, and its
 * issuer by the entry's certificateIssuer in an indirect CRL), else 0. */
int crl_lookup(const struct crl *crl, const mbedtls_x509_crt *cert, struct crl_entry *en);

/* Compares two non-negative INTEGER contents (cRLNumber): <0, 0, >0. */
int crl_number_cmp(const struct crl_buf *a, const struct crl_buf *b);

/* ---- configured CRLs ----------------------------------------------------- */

#define CRL_LIST_MAX 64 /* CRLs one configuration may hold */

struct crl_item {
	struct crl_item *next;
	struct crl crl;
	size_t len;
	uint8_t der[]; /* the CRL's own copy */
};

struct crl_list {
	struct crl_item *head;
	size_t n;
};

void crl_list_init(struct crl_list *l);
void crl_list_free(struct crl_list *l);
/* Adds the CRLs in buf: one DER CRL, or PEM ("X509 CRL" blocks, one or
 * more). SG_OK when at least one was added (and every one read);
 * SG_E_MALFORMED when none could be read; SG_E_NOMEM past
 * CRL_LIST_MAX or out of memory. */
sg_err crl_list_add(struct crl_list *l, const uint8_t *buf, size_t len, struct sg_error *e);

#endif
